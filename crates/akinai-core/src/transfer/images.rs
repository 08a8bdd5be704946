//! Images of an import: the file names a CSV gives (`Image Src`, 商品画像, `images`) are looked
//! up in the folder handed with it — never fetched from the network — and each new one goes the
//! way of an admin upload (malware scan when configured, judged by its bytes, re-encoded, a random
//! name) with the file name it came from kept, so the same import run again adds no copies.
//! Images are added after the catalog's transaction (they are large); one that is missing or
//! refused is reported as a warning with its product's row, and the rest go on.

use std::collections::HashSet;

use serde_json::json;

use akinai_domain::ids::ProductId;
use akinai_domain::transfer::RowIssue;
use akinai_store::catalog_admin::MAX_IMAGES_PER_PRODUCT;

use super::Transfer;
use crate::audit::AuditContext;
use crate::CoreError;

/// Where an import's images come from (a folder beside the CSV).
pub trait ImageSource: Send + Sync {
    /// The bytes of the file named `name` (a bare file name), if there is one.
    fn read(&self, name: &str) -> Option<Vec<u8>>;
    /// Whether there is a file named `name` (the dry run's check).
    fn has(&self, name: &str) -> bool;
}

/// The images one product should get from the source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WantedImages {
    pub row: u64,
    /// The product, once written or when it was there already.
    pub product: Option<ProductId>,
    /// The handle, to find the id of a product the import created.
    pub handle: String,
    pub names: Vec<String>,
    /// File names already imported for it.
    pub have: Vec<String>,
}

impl Transfer {
    /// Adds the wanted images the product lacks; warnings for those missing or refused, and
    /// how many were added.
    pub(crate) async fn import_images(
        &self,
        source: &dyn ImageSource,
        wanted: Vec<WantedImages>,
        who: &AuditContext,
    ) -> Result<(u64, Vec<RowIssue>), CoreError> {
        let mut added = 0;
        let mut issues = Vec::new();
        for w in wanted {
            let Some(product) = w.product else { continue };
            let mut have: HashSet<String> = w.have.into_iter().collect();
            let mut count = i64::try_from(have.len()).unwrap_or(i64::MAX);
            for name in w.names {
                if have.contains(&name) || count >= MAX_IMAGES_PER_PRODUCT {
                    continue;
                }
                let Some(bytes) = source.read(&name) else {
                    issues.push(RowIssue::warning(
                        w.row,
                        "images",
                        &name,
                        "画像ファイルが見つかりません(指定した画像のフォルダや zip にありません)",
                    ));
                    continue;
                };
                if let Err(e) = self.catalog_admin.check_upload(&bytes, &name, None).await {
                    issues.push(RowIssue::warning(
                        w.row,
                        "images",
                        &name,
                        format!("画像を取り込みませんでした: {e}"),
                    ));
                    continue;
                }
                let cleaned =
                    match tokio::task::spawn_blocking(move || crate::images::clean(&bytes)).await {
                        Ok(Ok(c)) => c,
                        Ok(Err(why)) => {
                            issues.push(RowIssue::warning(
                                w.row,
                                "images",
                                &name,
                                format!("画像として読めません: {why}"),
                            ));
                            continue;
                        }
                        Err(_) => return Err(CoreError::Busy),
                    };
                let new = cleaned.into_new(product, self.base.clock.now(), Some(name.clone()));
                let image = new.name.clone();
                let stored = self.catalog_admin_store.add_product_image(&new).await?;
                if stored {
                    added += 1;
                    count += 1;
                    have.insert(name.clone());
                    self.audit
                        .record(
                            who,
                            "product.image_added",
                            &format!("product:{}", product.0),
                            json!({ "image": image, "source": name }),
                        )
                        .await?;
                }
            }
        }
        Ok((added, issues))
    }
}
