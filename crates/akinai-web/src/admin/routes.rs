//! The admin route table (admin issue, item 3; SWS-11): every admin path with what each method
//! needs and its body limit, and the handlers. The router is built from it and the role-matrix
//! test walks it, so a route cannot exist without a declaration.

use axum::routing::{get, post, MethodRouter};

use akinai_domain::admin::Gate;

use super::*;

/// What an admin route needs, declared next to it; the core enforces it (`Authorized<C>`), and
/// the role-matrix test walks [`route_table`] for every role to prove the two agree (SWS-11).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Login and enrolment: reachable (from the allow-list) without a session.
    Nothing,
    /// Any signed-in admin.
    SignedIn,
    /// A signed-in admin who holds this capability (role or grant).
    Capability(Gate),
}

/// One admin path: what each method needs and how large a body it reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AdminRoute {
    pub path: &'static str,
    pub get: Option<Needs>,
    pub post: Option<Needs>,
    pub body_limit: usize,
}

/// Admin forms: the longest (the 特商法 notice) is under 64 KiB even percent-encoded.
pub const ADMIN_FORM: usize = 256 * 1024;

/// Every admin route as declared.
pub fn route_table() -> Vec<AdminRoute> {
    routes().into_iter().map(|(info, _)| info).collect()
}

pub(super) fn routes() -> Vec<(AdminRoute, MethodRouter<AppState>)> {
    use akinai_domain::admin::{
        ManageAdmins, ManageCatalog, ManageCustomers, ManageShop, ProcessOrders, ReviewOrders,
        ViewCustomers, ViewOrders,
    };
    use Needs::{Capability as Cap, Nothing, SignedIn};
    let r = |path, get, post, body_limit, handlers| {
        (
            AdminRoute {
                path,
                get,
                post,
                body_limit,
            },
            handlers,
        )
    };
    let upload = akinai_core::images::MAX_UPLOAD_BYTES + 64 * 1024;
    let (f, none) = (ADMIN_FORM, 0);
    let admins = Some(Cap(Gate::of::<ManageAdmins>()));
    let catalog = Some(Cap(Gate::of::<ManageCatalog>()));
    let process = Some(Cap(Gate::of::<ProcessOrders>()));
    let security = Some(Cap(Gate::of::<akinai_domain::admin::ManageSecurity>()));
    let customers = Some(Cap(Gate::of::<ManageCustomers>()));
    let people = Some(Cap(Gate::of::<akinai_domain::admin::ExportPersonalData>()));
    // A CSV file of up to 200 MB, a zip of images of up to 500 MB, and the form's few fields.
    let csv_upload = 701 * 1024 * 1024;
    let customer_upload = 201 * 1024 * 1024;
    vec![
        // The stylesheet and scripts the admin pages link (content-hashed, embedded): public
        // on this listener like the login page, so that page is styled too.
        r(
            "/assets/{name}",
            Some(Nothing),
            None,
            none,
            get(crate::assets::asset_get),
        ),
        r(
            "/admin/login",
            Some(Nothing),
            Some(Nothing),
            f,
            get(login_get).post(login_post),
        ),
        r(
            "/admin/enrol",
            Some(Nothing),
            Some(Nothing),
            f,
            get(enrol_get).post(enrol_post),
        ),
        r(
            "/admin",
            Some(Cap(Gate::of::<ViewDashboard>())),
            None,
            none,
            get(dashboard::dashboard_get),
        ),
        r(
            "/admin/audit",
            Some(Cap(Gate::of::<ViewAudit>())),
            None,
            none,
            get(audit::audit_get),
        ),
        r("/admin/logout", None, Some(SignedIn), f, post(logout_post)),
        r(
            "/admin/admins",
            admins,
            admins,
            f,
            get(manage::admins_get).post(manage::invite_post),
        ),
        r(
            "/admin/admins/role",
            None,
            admins,
            f,
            post(manage::role_post),
        ),
        r(
            "/admin/admins/grants",
            None,
            admins,
            f,
            post(manage::grants_post),
        ),
        r(
            "/admin/admins/reset",
            None,
            admins,
            f,
            post(manage::reset_post),
        ),
        r("/admin/review", admins, None, none, get(manage::review_get)),
        r(
            "/admin/security-tasks",
            Some(Cap(Gate::of::<akinai_domain::admin::ManageSecurity>())),
            Some(Cap(Gate::of::<akinai_domain::admin::ManageSecurity>())),
            f,
            get(security_tasks::tasks_get).post(security_tasks::record_post),
        ),
        r(
            "/admin/selfcheck",
            Some(Cap(Gate::of::<akinai_domain::admin::ManageSecurity>())),
            None,
            none,
            get(selfcheck::selfcheck_get),
        ),
        r(
            "/admin/settings",
            Some(Cap(Gate::of::<ManageShop>())),
            None,
            none,
            get(settings::settings_get),
        ),
        r(
            "/admin/settings/security",
            None,
            Some(Cap(Gate::of::<akinai_domain::admin::ManageSecurity>())),
            f,
            post(settings::security_post),
        ),
        r(
            "/admin/settings/resume-card",
            None,
            Some(Cap(Gate::of::<akinai_domain::admin::ManageSecurity>())),
            f,
            post(settings::resume_card_post),
        ),
        r(
            "/admin/settings/logo",
            Some(Cap(Gate::of::<ManageShop>())),
            Some(Cap(Gate::of::<ManageShop>())),
            upload,
            get(logo::logo_get).post(logo::logo_post),
        ),
        r(
            "/admin/settings/logo/delete",
            None,
            Some(Cap(Gate::of::<ManageShop>())),
            f,
            post(logo::logo_delete_post),
        ),
        r(
            "/admin/settings/{section}",
            None,
            Some(Cap(Gate::of::<ManageShop>())),
            f,
            post(settings::section_post),
        ),
        r(
            "/admin/api-tokens",
            security,
            security,
            f,
            get(api_tokens::tokens_get).post(api_tokens::tokens_post),
        ),
        r(
            "/admin/api-tokens/revoke",
            None,
            security,
            f,
            post(api_tokens::revoke_post),
        ),
        r(
            "/admin/webhooks",
            security,
            security,
            f,
            get(webhooks::webhooks_get).post(webhooks::add_post),
        ),
        r(
            "/admin/webhooks/{action}",
            None,
            security,
            f,
            post(webhooks::action_post),
        ),
        r(
            "/admin/operations",
            Some(Cap(Gate::of::<akinai_domain::admin::ManageSecurity>())),
            None,
            none,
            get(operations::operations_get),
        ),
        r(
            "/admin/operations/maintenance",
            None,
            Some(Cap(Gate::of::<akinai_domain::admin::ManageSecurity>())),
            f,
            post(operations::maintenance_post),
        ),
        r(
            "/admin/incidents",
            security,
            security,
            f,
            get(incidents::list_get).post(incidents::open_post),
        ),
        r(
            "/admin/incidents/{id}",
            security,
            security,
            f,
            get(incidents::incident_get).post(incidents::action_post),
        ),
        r(
            "/admin/incidents/{id}/close",
            None,
            security,
            f,
            post(incidents::close_post),
        ),
        r(
            "/admin/incidents/{id}/export",
            security,
            None,
            none,
            get(incidents::export_get),
        ),
        r(
            "/admin/products",
            catalog,
            None,
            none,
            get(catalog::list_get),
        ),
        r(
            "/admin/products/csv",
            catalog,
            catalog,
            csv_upload,
            get(transfers::products_get).post(transfers::products_post),
        ),
        r(
            "/admin/products/csv/export",
            None,
            catalog,
            f,
            post(exports::catalog_post),
        ),
        r(
            "/admin/products/csv/{id}",
            catalog,
            None,
            none,
            get(transfers::products_run_get),
        ),
        r(
            "/admin/products/csv/{id}/apply",
            None,
            catalog,
            f,
            post(transfers::products_apply_post),
        ),
        r(
            "/admin/products/csv/{id}/report",
            catalog,
            None,
            none,
            get(transfers::products_report_get),
        ),
        r(
            "/admin/products/{id}",
            catalog,
            catalog,
            f,
            get(catalog::edit_get).post(catalog::edit_post),
        ),
        r(
            "/admin/products/new",
            catalog,
            catalog,
            f,
            get(catalog_new::new_get).post(catalog_new::new_post),
        ),
        r(
            "/admin/products/{id}/skus",
            None,
            catalog,
            f,
            post(catalog_new::variant_post),
        ),
        r(
            "/admin/products/bulk",
            None,
            catalog,
            f,
            post(catalog_new::bulk_post),
        ),
        r(
            "/admin/categories",
            catalog,
            catalog,
            f,
            get(categories::list_get).post(categories::create_post),
        ),
        r(
            "/admin/categories/{id}",
            None,
            catalog,
            f,
            post(categories::edit_post),
        ),
        r(
            "/admin/products/{id}/stock",
            None,
            catalog,
            f,
            post(catalog::stock_post),
        ),
        r(
            "/admin/products/{id}/price",
            None,
            catalog,
            f,
            post(catalog::price_post),
        ),
        r(
            "/admin/products/{id}/images",
            None,
            catalog,
            upload,
            post(catalog::image_post),
        ),
        r(
            "/admin/products/{id}/images/delete",
            None,
            catalog,
            f,
            post(catalog::image_delete_post),
        ),
        r(
            "/admin/products/{id}/images/first",
            None,
            catalog,
            f,
            post(catalog::image_first_post),
        ),
        r(
            "/admin/products/{id}/skus/edit",
            None,
            catalog,
            f,
            post(catalog::relabel_post),
        ),
        r(
            "/admin/media/{name}",
            Some(SignedIn),
            None,
            none,
            get(crate::assets::media_get),
        ),
        r(
            "/admin/customers",
            Some(Cap(Gate::of::<ViewCustomers>())),
            None,
            none,
            get(customers::list_get),
        ),
        r(
            "/admin/customers/csv",
            customers,
            customers,
            customer_upload,
            get(transfers::customers_get).post(transfers::customers_post),
        ),
        r(
            "/admin/customers/csv/invite",
            None,
            customers,
            f,
            post(exports::invite_post),
        ),
        r(
            "/admin/customers/csv/export",
            None,
            people,
            f,
            post(exports::customers_post),
        ),
        r(
            "/admin/customers/csv/{id}",
            customers,
            None,
            none,
            get(transfers::customers_run_get),
        ),
        r(
            "/admin/customers/csv/{id}/apply",
            None,
            customers,
            f,
            post(transfers::customers_apply_post),
        ),
        r(
            "/admin/customers/csv/{id}/report",
            customers,
            None,
            none,
            get(transfers::customers_report_get),
        ),
        r(
            "/admin/customers/{id}",
            Some(Cap(Gate::of::<ViewCustomers>())),
            None,
            none,
            get(customers::detail_get),
        ),
        r(
            "/admin/customers/{id}/lock",
            None,
            Some(Cap(Gate::of::<ManageCustomers>())),
            f,
            post(customers::lock_post),
        ),
        r(
            "/admin/customers/{id}/unlock",
            None,
            Some(Cap(Gate::of::<ManageCustomers>())),
            f,
            post(customers::unlock_post),
        ),
        r(
            "/admin/customers/{id}/erase",
            None,
            Some(Cap(Gate::of::<ManageCustomers>())),
            f,
            post(customers::erase_post),
        ),
        r(
            "/admin/orders",
            Some(Cap(Gate::of::<ViewOrders>())),
            None,
            none,
            get(order_desk::list_get),
        ),
        r(
            "/admin/orders/export",
            people,
            people,
            f,
            get(exports::orders_get).post(exports::orders_post),
        ),
        r(
            "/admin/orders/{id}",
            Some(Cap(Gate::of::<ViewOrders>())),
            None,
            none,
            get(order_desk::detail_get),
        ),
        // 帳票 carry the customer's name and address.
        r(
            "/admin/orders/{id}/invoice.pdf",
            Some(Cap(Gate::of::<akinai_domain::admin::ViewPersonalData>())),
            None,
            none,
            get(documents::invoice_get),
        ),
        r(
            "/admin/orders/{id}/invoice/correct",
            Some(Cap(Gate::of::<akinai_domain::admin::ViewPersonalData>())),
            Some(Cap(Gate::of::<akinai_domain::admin::ViewPersonalData>())),
            f,
            get(documents::correct_get).post(documents::correct_post),
        ),
        r(
            "/admin/orders/{id}/return-invoice.pdf",
            Some(Cap(Gate::of::<akinai_domain::admin::ViewPersonalData>())),
            None,
            none,
            get(documents::return_invoice_get),
        ),
        r(
            "/admin/orders/{id}/receipt.pdf",
            Some(Cap(Gate::of::<akinai_domain::admin::ViewPersonalData>())),
            None,
            none,
            get(documents::receipt_get),
        ),
        r(
            "/admin/orders/{id}/delivery-slip.pdf",
            Some(Cap(Gate::of::<akinai_domain::admin::ViewPersonalData>())),
            None,
            none,
            get(documents::delivery_slip_get),
        ),
        // Cancelling and refunding need `CancelOrders` as well; the core checks per event.
        r(
            "/admin/orders/{id}/step",
            None,
            process,
            f,
            post(order_desk::step_post),
        ),
        r(
            "/admin/orders/{id}/note",
            None,
            process,
            f,
            post(order_desk::note_post),
        ),
        r(
            "/admin/orders/{id}/refund",
            None,
            Some(Cap(Gate::of::<akinai_domain::admin::CancelOrders>())),
            f,
            post(order_payment::refund_post),
        ),
        r(
            "/admin/orders/{id}/capture",
            None,
            process,
            f,
            post(order_payment::capture_post),
        ),
        r(
            "/admin/shipping",
            Some(Cap(Gate::of::<ViewOrders>())),
            None,
            none,
            get(shipping::page_get),
        ),
        // Delivery slips carry the customers' names and addresses; the picking list products.
        r(
            "/admin/shipping/delivery-slips.pdf",
            Some(Cap(Gate::of::<akinai_domain::admin::ViewPersonalData>())),
            None,
            none,
            get(shipping::slips_get),
        ),
        r(
            "/admin/shipping/picking-list.pdf",
            Some(Cap(Gate::of::<ViewOrders>())),
            None,
            none,
            get(shipping::picking_get),
        ),
        // The label file carries the customers' names and addresses.
        r(
            "/admin/shipping/labels",
            None,
            Some(Cap(Gate::of::<akinai_domain::admin::ViewPersonalData>())),
            f,
            post(shipping::labels_post),
        ),
        // A tracking file of up to 20 MB, sent back base64-encoded with the confirmation.
        r(
            "/admin/shipping/tracking",
            None,
            process,
            28 * 1024 * 1024,
            post(shipping::tracking_post),
        ),
        r(
            "/admin/orders/flagged",
            Some(Cap(Gate::of::<ReviewOrders>())),
            None,
            none,
            get(orders::flagged_get),
        ),
        r(
            "/admin/orders/flagged/clear",
            None,
            Some(Cap(Gate::of::<ReviewOrders>())),
            f,
            post(orders::clear_post),
        ),
    ]
}
