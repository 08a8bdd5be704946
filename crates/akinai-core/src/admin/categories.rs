//! The category tree (admin issue, item 5): categories are created at the top and then renamed,
//! given another address (slug), moved under another category or reordered. A move that would
//! put a category under itself or one of its own descendants is refused by the domain rule
//! (`akinai_domain::catalog::may_place_under`); every change is audited with before/after
//! (IPA-C-12) and the storefront's cached tree is dropped so the menu shows it at once.

use crate::CatalogAdmin;
use serde_json::json;

use akinai_domain::admin::ManageCatalog;
use akinai_domain::catalog::{may_place_under, parse_whole, Category};
use akinai_domain::ids::CategoryId;
use akinai_store::NewCategory;

use super::catalog_new::code;
use super::Authorized;
use crate::accounts::Client;
use crate::CoreError;

/// A category as typed on the categories page; `parent` empty for the top level.
#[derive(Debug, Clone, Default)]
pub struct CategoryForm {
    pub name: String,
    pub slug: String,
    pub parent: String,
    pub position: String,
}

/// Name and slug as typed: the name plain text up to 40 characters, the slug a code in lower
/// case; a slug in use by a category other than `this` is refused.
fn name_and_slug(
    all: &[Category],
    this: Option<CategoryId>,
    name: &str,
    slug: &str,
) -> Result<(String, String), CoreError> {
    let name = akinai_domain::address::parse_text(name, 40)
        .map_err(|e| CoreError::InvalidForm(vec![("name", e.message_key())]))?;
    let slug = code(slug)
        .map(|s| s.to_ascii_lowercase())
        .ok_or(CoreError::InvalidForm(vec![("slug", "error.invalid")]))?;
    if all.iter().any(|c| c.slug == slug && Some(c.id) != this) {
        return Err(CoreError::InvalidForm(vec![("slug", "admin.code_taken")]));
    }
    Ok((name, slug))
}

fn audit_view(c: &NewCategory) -> serde_json::Value {
    json!({
        "name": c.name,
        "slug": c.slug,
        "parent": c.parent_id.map(|p| p.0),
        "position": c.position,
    })
}

impl CatalogAdmin {
    /// Creates a category at the top level, after the others (`slug` is its address:
    /// `/category/{slug}`).
    pub async fn create_category(
        &self,
        by: &Authorized<ManageCatalog>,
        name: &str,
        slug: &str,
        client: &Client,
    ) -> Result<CategoryId, CoreError> {
        let s = by.principal();
        let existing = self.catalog_store.categories().await?;
        let (name, slug) = name_and_slug(&existing, None, name, slug)?;
        let position = existing.iter().map(|c| c.position).max().unwrap_or(0) + 1;
        let new = NewCategory {
            parent_id: None,
            slug,
            name,
            position,
        };
        let id = self.catalog_store.create_category(&new).await?;
        self.base.caches.categories.forget(&());
        self.audit
            .record(
                &s.audit_context(client),
                "category.create",
                &format!("category:{}", id.0),
                audit_view(&new),
            )
            .await?;
        Ok(id)
    }

    /// Renames, readdresses, moves or reorders a category; the form is taken whole or not at
    /// all.
    pub async fn edit_category(
        &self,
        by: &Authorized<ManageCatalog>,
        id: CategoryId,
        form: &CategoryForm,
        client: &Client,
    ) -> Result<(), CoreError> {
        let s = by.principal();
        let all = self.catalog_store.categories().await?;
        let current = all.iter().find(|c| c.id == id).ok_or(CoreError::NotFound)?;
        let (name, slug) = name_and_slug(&all, Some(id), &form.name, &form.slug)?;
        let parent_id = match form.parent.trim() {
            "" => None,
            p => {
                let parent = p
                    .parse()
                    .ok()
                    .map(CategoryId)
                    .filter(|p| may_place_under(&all, id, *p))
                    .ok_or(CoreError::InvalidForm(vec![(
                        "parent",
                        "admin.category_cycle",
                    )]))?;
                Some(parent)
            }
        };
        let position = parse_whole(&form.position, 0..=9999)
            .ok_or(CoreError::InvalidForm(vec![("position", "error.invalid")]))?;
        let after = NewCategory {
            parent_id,
            slug,
            name,
            position,
        };
        if !self.catalog_admin_store.update_category(id, &after).await? {
            return Err(CoreError::NotFound);
        }
        self.base.caches.categories.forget(&());
        let before = NewCategory {
            parent_id: current.parent_id,
            slug: current.slug.clone(),
            name: current.name.clone(),
            position: current.position,
        };
        self.audit
            .record(
                &s.audit_context(client),
                "category.update",
                &format!("category:{}", id.0),
                json!({ "before": audit_view(&before), "after": audit_view(&after) }),
            )
            .await?;
        Ok(())
    }
}
