//! Issued documents, written once for both backends (ADR 020): kept as issued, one original per
//! order and kind (`ON CONFLICT DO NOTHING` on the partial unique index, then the one kept).

use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use akinai_domain::documents::DocumentKind;
use akinai_domain::ids::{DocumentId, OrderId};
use akinai_store::documents::{Logo, NewDocument, StoredDocument};
use akinai_store::StoreResult;

use crate::{corrupt, map_err, Columns, Dialect, Sql};

const COLUMNS: &str = "id, order_id, kind, issued_at, issued_by, content, corrects";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Vec<u8>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn read_document(r: &<D::Db as Database>::Row) -> StoreResult<StoredDocument> {
        let kind = r.text("kind")?;
        Ok(StoredDocument {
            id: DocumentId(r.int("id")?),
            issued: NewDocument {
                order_id: OrderId(r.int("order_id")?),
                kind: DocumentKind::parse(&kind)
                    .ok_or_else(|| corrupt(format!("document kind {kind}")))?,
                issued_at: D::at(r, "issued_at")?,
                issued_by: r.text("issued_by")?,
                content: r.text("content")?,
                corrects: r.opt_int("corrects")?.map(DocumentId),
            },
        })
    }

    pub async fn issue_document(&self, doc: &NewDocument) -> StoreResult<StoredDocument> {
        if let Some(old) = doc.corrects {
            // A correction is always a new row, after the one it corrects.
            let row = sqlx::query(&format!(
                "INSERT INTO documents (order_id, kind, issued_at, issued_by, content, corrects) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING {COLUMNS}"
            ))
            .bind(doc.order_id.0)
            .bind(doc.kind.as_str())
            .bind(D::time(doc.issued_at))
            .bind(doc.issued_by.clone())
            .bind(doc.content.clone())
            .bind(old.0)
            .fetch_one(self.0.writer())
            .await
            .map_err(map_err)?;
            return Self::read_document(&row);
        }
        sqlx::query(
            "INSERT INTO documents (order_id, kind, issued_at, issued_by, content) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(doc.order_id.0)
        .bind(doc.kind.as_str())
        .bind(D::time(doc.issued_at))
        .bind(doc.issued_by.clone())
        .bind(doc.content.clone())
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        // Read from the writer: a reader may not see the row just written yet.
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM documents \
             WHERE order_id = $1 AND kind = $2 AND corrects IS NULL"
        ))
        .bind(doc.order_id.0)
        .bind(doc.kind.as_str())
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one)
        .map_err(map_err)?;
        Self::read_document(&row)
    }

    pub async fn order_documents(&self, order: OrderId) -> StoreResult<Vec<StoredDocument>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM documents WHERE order_id = $1 ORDER BY id"
        ))
        .bind(order.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_document).collect()
    }

    pub async fn add_logo(&self, logo: &Logo) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO logos (hash, content_type, width, height, bytes, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(logo.hash.clone())
        .bind(logo.content_type.clone())
        .bind(i64::from(logo.width))
        .bind(i64::from(logo.height))
        .bind(logo.bytes.clone())
        .bind(D::time(logo.uploaded_at))
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(())
    }

    pub async fn logo(&self, hash: &str) -> StoreResult<Option<Logo>> {
        let row = sqlx::query(
            "SELECT hash, content_type, width, height, bytes, uploaded_at FROM logos \
             WHERE hash = $1",
        )
        .bind(hash)
        .fetch_optional(self.0.reader())
        .await
        .map_err(map_err)?;
        let Some(r) = row else { return Ok(None) };
        let size = |name: &str| -> StoreResult<u32> {
            u32::try_from(r.int(name)?).map_err(|_| corrupt(format!("logo {name}")))
        };
        Ok(Some(Logo {
            hash: r.text("hash")?,
            content_type: r.text("content_type")?,
            width: size("width")?,
            height: size("height")?,
            bytes: r.try_get::<Vec<u8>, _>("bytes").map_err(map_err)?,
            uploaded_at: D::at(&r, "uploaded_at")?,
        }))
    }
}

/// Implements `DocumentStore` for a backend type with the statements above.
#[macro_export]
macro_rules! document_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::OrderId;
            use akinai_store::documents::{Logo, NewDocument, StoredDocument};
            use akinai_store::StoreResult;
            #[async_trait::async_trait]
            impl akinai_store::documents::DocumentStore for $store {
                async fn issue_document(&self, doc: &NewDocument) -> StoreResult<StoredDocument> {
                    $crate::Sql(self).issue_document(doc).await
                }
                async fn order_documents(
                    &self,
                    order: OrderId,
                ) -> StoreResult<Vec<StoredDocument>> {
                    $crate::Sql(self).order_documents(order).await
                }
                async fn add_logo(&self, logo: &Logo) -> StoreResult<()> {
                    $crate::Sql(self).add_logo(logo).await
                }
                async fn logo(&self, hash: &str) -> StoreResult<Option<Logo>> {
                    $crate::Sql(self).logo(hash).await
                }
            }
        };
    };
}
