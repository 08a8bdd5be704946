//! The request context every page handler starts from, and the page frame it fills.
//!
//! [`Ctx`] reads the shopper's language, cart cookie and CSRF cookie once. Handlers finish through
//! [`Ctx::page`] or [`Ctx::redirect`], which attach any cookie the request created. Pages put the
//! CSRF token of the `csrf` cookie into their forms; `form::CsrfForm` checks it (SWS-6).

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::header::{CONTENT_TYPE, LOCATION};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use akinai_core::tokens;
use akinai_domain::catalog::Category;

use crate::error::WebError;
use crate::i18n::{Lang, Tr};
use crate::{assets, cookies, AppState};

/// Days a cart cookie lives.
const CART_DAYS: u32 = 30;

/// What every page frame shows.
pub struct Layout {
    pub t: Tr,
    pub lang: Lang,
    pub shop_name: String,
    pub cart_count: u32,
    pub csrf: String,
    pub top_categories: Vec<Category>,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
    pub css: &'static str,
    pub css_integrity: &'static str,
    /// The approved theme's stylesheet (`theme.css`), as (href, SRI), if there is one.
    pub theme_css: Option<(String, String)>,
    pub query: String,
}

/// Per-request context of a storefront page.
pub struct Ctx {
    pub lang: Lang,
    pub t: Tr,
    pub cart_secret: Option<String>,
    pub csrf: String,
    csrf_from_cookie: bool,
    new_cart: Option<String>,
    here: String,
    secure: bool,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, WebError> {
        let lang = crate::i18n::negotiate(&parts.headers);
        let cart_secret = cookies::get(&parts.headers, cookies::CART).map(str::to_string);
        let existing =
            cookies::get(&parts.headers, cookies::CSRF).filter(|c| tokens::parse(c).is_some());
        let (csrf, csrf_from_cookie) = match existing {
            Some(c) => (c.to_string(), true),
            None => (tokens::generate().secret, false),
        };
        Ok(Ctx {
            lang,
            t: Tr::new(lang),
            cart_secret,
            csrf,
            csrf_from_cookie,
            new_cart: None,
            here: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string(),
            secure: state.config.secure_cookies,
        })
    }
}

impl Ctx {
    pub fn cart(&self) -> Option<&str> {
        self.new_cart.as_deref().or(self.cart_secret.as_deref())
    }

    /// Remembers a newly created cart so the response sets its cookie.
    pub fn set_cart(&mut self, secret: Option<String>) {
        if secret.is_some() {
            self.new_cart = secret;
        }
    }

    pub async fn layout(&self, state: &AppState) -> Result<Layout, WebError> {
        let shop = &state.shop;
        let settings = shop.settings().await?;
        let cart = shop.find_cart(self.cart()).await?;
        let cart_count = shop.view_cart(cart.as_ref()).await?.item_count();
        let top_categories = shop
            .categories()
            .await?
            .into_iter()
            .filter(|c| c.parent_id.is_none())
            .collect();
        Ok(Layout {
            t: self.t,
            lang: self.lang,
            shop_name: settings.shop_name,
            cart_count,
            csrf: self.csrf.clone(),
            top_categories,
            here: self.here.clone(),
            css: assets::css_path(),
            css_integrity: assets::css_integrity(),
            theme_css: assets::theme_css(shop),
            query: String::new(),
        })
    }

    fn cookies(&self, headers: &mut HeaderMap) {
        if !self.csrf_from_cookie {
            cookies::set(headers, cookies::CSRF, &self.csrf, 1, self.secure);
        }
        if let Some(cart) = &self.new_cart {
            cookies::set(headers, cookies::CART, cart, CART_DAYS, self.secure);
        }
    }

    /// Renders a page with `status`.
    pub fn page(&self, status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
        let body = page.render()?;
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
        self.cookies(headers);
        Ok(response)
    }

    /// `303 See Other` to a same-site path (SWS-7: never to another origin).
    pub fn redirect(&self, to: &str) -> Response {
        let target = safe_local_path(to).unwrap_or("/");
        let mut response = StatusCode::SEE_OTHER.into_response();
        let headers = response.headers_mut();
        if let Ok(v) = HeaderValue::from_str(target) {
            headers.insert(LOCATION, v);
        }
        self.cookies(headers);
        response
    }
}

/// `to` if it is a path on this site: starts with one `/`, not `//` or `/\`, no control
/// characters. Anything else (absolute URLs, scheme-relative URLs) is refused (open redirect).
pub fn safe_local_path(to: &str) -> Option<&str> {
    let ok = to.starts_with('/')
        && !to.starts_with("//")
        && !to.starts_with("/\\")
        && !to.chars().any(|c| c.is_control() || c == '\\');
    ok.then_some(to)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// SWS-7: whatever `next` says, the redirect target stays on this site.
        #[test]
        fn redirect_targets_never_leave_the_site(to in "\\PC{0,60}") {
            if let Some(t) = safe_local_path(&to) {
                proptest::prop_assert!(t.starts_with('/') && !t.starts_with("//") && !t.contains('\\'));
                proptest::prop_assert!(!t.chars().any(char::is_control));
            }
        }
    }

    #[test]
    fn only_local_paths_are_redirect_targets() {
        assert_eq!(safe_local_path("/cart"), Some("/cart"));
        assert_eq!(safe_local_path("/search?q=a"), Some("/search?q=a"));
        for bad in [
            "https://evil.example/",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "/a\r\nSet-Cookie: x=y",
            "",
        ] {
            assert_eq!(safe_local_path(bad), None, "{bad}");
        }
    }
}
