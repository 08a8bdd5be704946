//! The back office's menu shows only what the signed-in admin may open: each entry is checked
//! against the capability its route declares in the route table (the same declaration the
//! router and the role-matrix test use), for the admin of the request. The admin travels to the
//! templates in a task-local set by the session middleware, so no page has to carry it.

use std::sync::OnceLock;

use akinai_core::admin::SignedInAdmin;

use super::routes::{route_table, Needs};

tokio::task_local! {
    static ADMIN: SignedInAdmin;
}

/// Runs `f` (the rest of the request) with `admin` as the menu's admin.
pub(super) async fn scoped<F: std::future::Future>(admin: SignedInAdmin, f: F) -> F::Output {
    ADMIN.scope(admin, f).await
}

/// What each admin path needs to be opened (GET), from the route table, read once.
fn gets() -> &'static [(&'static str, Option<Needs>)] {
    static GETS: OnceLock<Vec<(&'static str, Option<Needs>)>> = OnceLock::new();
    GETS.get_or_init(|| route_table().into_iter().map(|r| (r.path, r.get)).collect())
}

/// Whether the admin of this request may open `path` (false outside a signed-in request or
/// for an unknown path).
pub fn opens(path: &str) -> bool {
    ADMIN
        .try_with(|a| {
            gets()
                .iter()
                .find(|(p, _)| *p == path)
                .and_then(|(_, needs)| *needs)
                .is_some_and(|needs| match needs {
                    Needs::Nothing | Needs::SignedIn => true,
                    Needs::Capability(gate) => gate.open_to(a.admin.role, &a.admin.grants),
                })
        })
        .unwrap_or(false)
}
