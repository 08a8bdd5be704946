//! The shop's logo on its 帳票 (issue 19, item 1): uploaded in ショップ設定 through the same
//! wall as product images (malware scan when configured, judged by its bytes, pixel limits,
//! re-encoded so nothing but the picture survives; CCSG-V-2, CCSG-V-4), scaled down to at most
//! [`LOGO_MAX_SIDE`] pixels, kept under the SHA-256 of its bytes and never changed: the settings
//! name the current version, and every document made names the version it was made with, so a
//! kept invoice draws the same logo years later (JP-INV-4) even after the shop changes it.

use serde_json::json;
use sha2::{Digest, Sha256};

use akinai_domain::admin::ManageShop;
use akinai_domain::documents::DocumentContent;
use akinai_store::documents::Logo;

use super::Documents;
use crate::accounts::Client;
use crate::admin::Authorized;
use crate::CoreError;

/// Longest side of a stored logo (a logo is printed at most 150 points wide: 800 pixels is
/// sharp at 300 dpi and keeps each PDF small).
pub const LOGO_MAX_SIDE: u32 = 800;

fn drawing_failed(e: impl std::fmt::Display) -> CoreError {
    CoreError::Document(format!("drawing a document: {e}"))
}

impl Documents {
    /// Takes an upload as the shop's logo for documents; returns its hash. A file that is not a
    /// picture is refused (and the refusal audited), nothing changes.
    pub async fn upload_logo(
        &self,
        by: &Authorized<ManageShop>,
        upload: Vec<u8>,
        client: &Client,
    ) -> Result<String, CoreError> {
        let s = by.admin()?;
        let size = upload.len();
        self.catalog_admin
            .check_upload(&upload, "shop logo", Some(client.ip))
            .await?;
        let cleaned = tokio::task::spawn_blocking(move || {
            crate::images::clean_within(&upload, LOGO_MAX_SIDE)
        })
        .await
        .map_err(|_| CoreError::Busy)?;
        let cleaned = match cleaned {
            Ok(c) => c,
            Err(why) => {
                self.audit
                    .record(
                        &s.audit_context(client),
                        "settings.logo_rejected",
                        "settings",
                        json!({ "reason": why.to_string(), "bytes": size }),
                    )
                    .await?;
                return Err(CoreError::ImageRejected(why));
            }
        };
        let hash = hex::encode(Sha256::digest(&cleaned.bytes));
        self.document_store
            .add_logo(&Logo {
                hash: hash.clone(),
                content_type: cleaned.content_type.to_string(),
                width: cleaned.width,
                height: cleaned.height,
                bytes: cleaned.bytes,
                uploaded_at: self.base.clock.now(),
            })
            .await?;
        self.set_logo(s, Some(hash.clone()), client).await?;
        Ok(hash)
    }

    /// Stops printing a logo on new documents (kept ones keep theirs).
    pub async fn remove_logo(
        &self,
        by: &Authorized<ManageShop>,
        client: &Client,
    ) -> Result<(), CoreError> {
        self.set_logo(by.admin()?, None, client).await
    }

    /// The current logo for the settings page's preview: content type and bytes.
    pub async fn current_logo(
        &self,
        _by: &Authorized<ManageShop>,
    ) -> Result<(String, Vec<u8>), CoreError> {
        let hash = self
            .base
            .settings()
            .await?
            .logo
            .ok_or(CoreError::NotFound)?;
        let logo = self
            .document_store
            .logo(&hash)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok((logo.content_type, logo.bytes))
    }

    async fn set_logo(
        &self,
        s: &crate::admin::SignedInAdmin,
        logo: Option<String>,
        client: &Client,
    ) -> Result<(), CoreError> {
        let before = self.base.settings().await?;
        let after = akinai_domain::settings::ShopSettings {
            logo,
            ..before.clone()
        };
        self.settings
            .save_and_audit(s, &before, &after, client)
            .await
    }

    /// Draws documents into one PDF with the logo they name (the first that names one: a
    /// batch is made now, so all name the current logo), off the request threads.
    pub(crate) async fn draw(&self, contents: Vec<DocumentContent>) -> Result<Vec<u8>, CoreError> {
        let logo = match contents.iter().find_map(|c| c.logo.clone()) {
            Some(hash) => self.document_store.logo(&hash).await?,
            None => None,
        };
        tokio::task::spawn_blocking(move || {
            let logo = logo.as_ref().map(|l| akinai_pdf::Logo {
                bytes: &l.bytes,
                png: l.content_type == "image/png",
                width: l.width,
                height: l.height,
            });
            akinai_pdf::render_all(&contents, logo.as_ref())
        })
        .await
        .map_err(drawing_failed)?
        .map_err(drawing_failed)
    }
}
