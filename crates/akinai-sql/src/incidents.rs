//! The incident register, written once for both backends (ADR 020).

use chrono::{DateTime, Utc};
use sqlx::{ColumnIndex, Database, Decode, Encode, Executor, IntoArguments, Row, Type};

use akinai_domain::ids::IncidentId;
use akinai_domain::incident::IncidentKind;
use akinai_store::incidents::{Incident, IncidentAction, NewIncident};
use akinai_store::StoreResult;

use crate::{corrupt, map_err, Columns, Dialect, Sql};

const COLUMNS: &str = "id, kind, affected, personal_data, found_at, opened_at, opened_by, \
                       closed_at, closed_by, record";

impl<D> Sql<'_, D>
where
    D: Dialect,
    for<'q> D::Time: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'c> &'c mut <D::Db as Database>::Connection: Executor<'c, Database = D::Db>,
    for<'q> <D::Db as Database>::Arguments<'q>: IntoArguments<'q, D::Db>,
    for<'q> i64: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> bool: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> String: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> &'q str: Encode<'q, D::Db> + Type<D::Db> + ColumnIndex<<D::Db as Database>::Row>,
    for<'q> Option<i64>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<String>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<&'q str>: Encode<'q, D::Db> + Type<D::Db>,
    for<'q> Option<D::Time>: Encode<'q, D::Db> + Decode<'q, D::Db> + Type<D::Db>,
    usize: ColumnIndex<<D::Db as Database>::Row>,
{
    fn read_incident(r: &<D::Db as Database>::Row) -> StoreResult<Incident> {
        let kind = r.text("kind")?;
        let closed = match D::read_time(r, "closed_at")? {
            Some(at) => Some((
                at,
                r.opt_text("closed_by")?.unwrap_or_default(),
                r.opt_text("record")?.unwrap_or_default(),
            )),
            None => None,
        };
        Ok(Incident {
            id: IncidentId(r.int("id")?),
            opened: NewIncident {
                kind: IncidentKind::parse(&kind)
                    .ok_or_else(|| corrupt(format!("incident kind {kind}")))?,
                affected: r.text("affected")?,
                personal_data: r.try_get::<bool, _>("personal_data").map_err(map_err)?,
                found_at: D::at(r, "found_at")?,
                opened_at: D::at(r, "opened_at")?,
                opened_by: r.text("opened_by")?,
            },
            closed,
        })
    }

    pub async fn open_incident(&self, i: &NewIncident) -> StoreResult<IncidentId> {
        sqlx::query_scalar(
            "INSERT INTO incidents (kind, affected, personal_data, found_at, opened_at, opened_by) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(i.kind.as_str())
        .bind(i.affected.clone())
        .bind(i.personal_data)
        .bind(D::time(i.found_at))
        .bind(D::time(i.opened_at))
        .bind(i.opened_by.clone())
        .fetch_all(self.0.writer())
        .await
        .and_then(crate::one)
        .map(IncidentId)
        .map_err(map_err)
    }

    pub async fn incidents(&self, limit: u32) -> StoreResult<Vec<Incident>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM incidents ORDER BY id DESC LIMIT $1"
        ))
        .bind(i64::from(limit))
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter().map(Self::read_incident).collect()
    }

    pub async fn incident(&self, id: IncidentId) -> StoreResult<Option<Incident>> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM incidents WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(self.0.reader())
            .await
            .map_err(map_err)?;
        row.as_ref().map(Self::read_incident).transpose()
    }

    pub async fn incident_actions(&self, id: IncidentId) -> StoreResult<Vec<IncidentAction>> {
        let rows = sqlx::query(
            "SELECT at, taken_by, text FROM incident_actions WHERE incident_id = $1 \
             ORDER BY at, id",
        )
        .bind(id.0)
        .fetch_all(self.0.reader())
        .await
        .map_err(map_err)?;
        rows.iter()
            .map(|r| {
                Ok(IncidentAction {
                    at: D::at(r, "at")?,
                    by: r.text("taken_by")?,
                    text: r.text("text")?,
                })
            })
            .collect()
    }

    pub async fn add_incident_action(
        &self,
        id: IncidentId,
        action: &IncidentAction,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO incident_actions (incident_id, at, taken_by, text) \
             SELECT id, $2, $3, $4 FROM incidents WHERE id = $1 AND closed_at IS NULL",
        )
        .bind(id.0)
        .bind(D::time(action.at))
        .bind(action.by.clone())
        .bind(action.text.clone())
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }

    pub async fn close_incident(
        &self,
        id: IncidentId,
        at: DateTime<Utc>,
        by: &str,
        record: &str,
    ) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE incidents SET closed_at = $2, closed_by = $3, record = $4 \
             WHERE id = $1 AND closed_at IS NULL",
        )
        .bind(id.0)
        .bind(D::time(at))
        .bind(by)
        .bind(record)
        .execute(self.0.writer())
        .await
        .map_err(map_err)?;
        Ok(D::rows_affected(&done) == 1)
    }
}

/// Implements `IncidentStore` for a backend type with the statements above.
#[macro_export]
macro_rules! incident_store {
    ($store:ty) => {
        const _: () = {
            use akinai_domain::ids::IncidentId;
            use akinai_store::incidents::{Incident, IncidentAction, NewIncident};
            use akinai_store::StoreResult;
            use chrono::{DateTime, Utc};
            #[async_trait::async_trait]
            impl akinai_store::incidents::IncidentStore for $store {
                async fn open_incident(&self, i: &NewIncident) -> StoreResult<IncidentId> {
                    $crate::Sql(self).open_incident(i).await
                }
                async fn incidents(&self, limit: u32) -> StoreResult<Vec<Incident>> {
                    $crate::Sql(self).incidents(limit).await
                }
                async fn incident(&self, id: IncidentId) -> StoreResult<Option<Incident>> {
                    $crate::Sql(self).incident(id).await
                }
                async fn incident_actions(
                    &self,
                    id: IncidentId,
                ) -> StoreResult<Vec<IncidentAction>> {
                    $crate::Sql(self).incident_actions(id).await
                }
                async fn add_incident_action(
                    &self,
                    id: IncidentId,
                    action: &IncidentAction,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).add_incident_action(id, action).await
                }
                async fn close_incident(
                    &self,
                    id: IncidentId,
                    at: DateTime<Utc>,
                    by: &str,
                    record: &str,
                ) -> StoreResult<bool> {
                    $crate::Sql(self).close_incident(id, at, by, record).await
                }
            }
        };
    };
}
