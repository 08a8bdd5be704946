//! The request context every page handler starts from, and the page frame it fills.
//!
//! [`Ctx`] reads the shopper's language, cart cookie and CSRF cookie once. Handlers finish through
//! [`Ctx::page`] or [`Ctx::redirect`], which attach any cookie the request created. Pages put the
//! CSRF token of the `csrf` cookie into their forms; `form::CsrfForm` checks it (SWS-6).

use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::header::{CONTENT_ENCODING, CONTENT_TYPE, LOCATION, VARY};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use akinai_core::tokens;
use akinai_domain::catalog::Category;

use crate::error::WebError;
use crate::i18n::{Lang, Tr};
use crate::page_cache::{Fill, Hole, PageCache, PageKey};
use crate::{assets, cookies, AppState};

/// Days a cart cookie lives.
const CART_DAYS: u32 = 30;
/// Days a session cookie lives at most (the server ends sessions earlier: idle and absolute
/// timeouts).
const SESSION_DAYS: u32 = 14;
/// Days the device cookie lives (browsers cap cookies at about 400 days).
const DEVICE_DAYS: u32 = 400;

/// What every page frame shows.
pub struct Layout {
    pub t: Tr,
    pub lang: Lang,
    pub shop_name: String,
    /// The number of items in the cart, as printed in the badge.
    pub cart_count: String,
    pub csrf: String,
    pub top_categories: Vec<Category>,
    /// The current path and query, for the language switch to come back to.
    pub here: String,
    pub css: &'static str,
    pub css_integrity: &'static str,
    /// The approved theme's stylesheet (`theme.css`), as (href, SRI), if there is one.
    pub theme_css: Option<(String, String)>,
    pub query: String,
    /// Whether the browser holds a session cookie (shows "my page" instead of "log in").
    pub signed_in: bool,
    /// This response's CSP nonce.
    pub nonce: String,
    /// The search box's suggestion script; `None` on pages that run no script (checkout).
    pub suggest: Option<assets::Script>,
}

/// Per-request context of a storefront page.
pub struct Ctx {
    pub lang: Lang,
    pub t: Tr,
    pub cart_secret: Option<String>,
    /// The CSRF token as this response's forms carry it (masked: different bytes every time).
    pub csrf: String,
    /// The token itself, as the cookie holds it.
    csrf_token: String,
    csrf_from_cookie: bool,
    new_cart: Option<String>,
    here: String,
    secure: bool,
    /// The `sid` cookie (a login session's secret), if sent.
    pub session_secret: Option<String>,
    /// A session started by this request (login): its cookie is set, the CSRF token renewed.
    new_session: Option<String>,
    /// This request ended the session (logout): the cookie is cleared.
    end_session: bool,
    /// Source address (through trusted proxies only) and user agent.
    pub client: akinai_core::accounts::Client,
    /// The browser's long-lived device cookie (new-device login notices).
    pub device: Option<String>,
    new_device: Option<String>,
    /// This response's CSP nonce (for the few first-party scripts).
    pub nonce: String,
    /// The `mfa` cookie: a login waiting for its second factor.
    pub second_step: Option<String>,
    /// `Some(secret)` sets the `mfa` cookie, `Some("")` clears it.
    set_second_step: Option<String>,
    /// Counts a new visitor when their first page is served (the dashboard's funnel).
    visits: akinai_core::VisitCounter,
    /// The browser takes gzip: a kept page is sent as one (ADR 056).
    gzip: bool,
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ctx, WebError> {
        let sent = cookies::sent(&parts.headers);
        let lang = crate::i18n::choose(sent.lang, &parts.headers);
        let cart_secret = sent.cart.map(str::to_string);
        let existing = sent.csrf.filter(|c| tokens::parse(c).is_some());
        let (csrf_token, csrf, csrf_from_cookie) = match existing {
            Some(c) => (c.to_string(), crate::form::masked_token(c), true),
            None => {
                let raw = tokens::new_secret_bytes();
                let masked = crate::form::masked_token_of(&raw);
                (tokens::to_hex(&raw), masked, false)
            }
        };
        let ip = crate::proxy::request_ip(parts, &state.config.trusted_proxies);
        let user_agent = parts
            .headers
            .get(axum::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        Ok(Ctx {
            visits: state.shop.storefront().visit_counter(),
            lang,
            t: Tr::new(lang),
            cart_secret,
            csrf,
            csrf_token,
            csrf_from_cookie,
            new_cart: None,
            session_secret: sent.session.map(str::to_string),
            new_session: None,
            end_session: false,
            client: akinai_core::accounts::Client::new(ip, user_agent),
            device: sent.device.map(str::to_string),
            new_device: None,
            second_step: sent
                .second_step
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            set_second_step: None,
            nonce: parts
                .extensions
                .get::<crate::security::CspNonce>()
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
            here: parts
                .uri
                .path_and_query()
                .map_or("/", |p| p.as_str())
                .to_string(),
            secure: state.config.secure_cookies,
            gzip: crate::compress::accepts_gzip(&parts.headers),
        })
    }
}

impl Ctx {
    pub fn cart(&self) -> Option<&str> {
        self.new_cart.as_deref().or(self.cart_secret.as_deref())
    }

    /// A login started a session: the response sets its cookie and a fresh CSRF token (SWS-4:
    /// new identifiers on every privilege change).
    pub fn start_session(&mut self, secret: String, new_device: Option<String>) {
        self.new_session = Some(secret);
        self.new_device = new_device;
        self.csrf_token = tokens::new_secret();
        self.csrf = crate::form::masked_token(&self.csrf_token);
        self.csrf_from_cookie = false;
    }

    /// A login waits for its second factor (`Some`), or no longer does (`None`).
    pub fn set_second_step(&mut self, pending: Option<String>) {
        self.set_second_step = Some(pending.unwrap_or_default());
    }

    /// The session ended: the response clears its cookie.
    pub fn end_session(&mut self) {
        self.end_session = true;
    }

    /// Remembers a newly created cart so the response sets its cookie.
    pub fn set_cart(&mut self, secret: Option<String>) {
        if secret.is_some() {
            self.new_cart = secret;
        }
    }

    pub async fn layout(&self, state: &AppState) -> Result<Layout, WebError> {
        let cart_count = self.cart_count(state).await?;
        self.frame(
            state,
            cart_count.to_string(),
            self.csrf.clone(),
            self.nonce.clone(),
        )
        .await
    }

    /// The number of items in the visitor's cart (no query without a cart cookie).
    async fn cart_count(&self, state: &AppState) -> Result<u32, WebError> {
        if self.cart().is_none() {
            return Ok(0);
        }
        let storefront = state.shop.storefront();
        let cart = storefront.find_cart(self.cart()).await?;
        Ok(storefront.item_count(cart.as_ref()).await?)
    }

    fn signed_in(&self) -> bool {
        self.new_session.is_some() || (self.session_secret.is_some() && !self.end_session)
    }

    async fn frame(
        &self,
        state: &AppState,
        cart_count: String,
        csrf: String,
        nonce: String,
    ) -> Result<Layout, WebError> {
        let shop = &state.shop;
        let settings = shop.storefront().settings().await?;
        let top_categories = shop
            .storefront()
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
            csrf,
            top_categories,
            here: self.here.clone(),
            css: assets::css_path(),
            css_integrity: assets::css_integrity(),
            theme_css: assets::theme_css(shop),
            query: String::new(),
            signed_in: self.signed_in(),
            nonce,
            suggest: (!crate::security::scriptless(
                self.here.split('?').next().unwrap_or_default(),
            ))
            .then(assets::suggest_script),
        })
    }

    /// A `200` page that looks the same to every visitor but for the nonce, the CSRF token and
    /// the cart badge: served from the page cache, `render` (given a frame with placeholders)
    /// running only when the page is not there (ADR 030).
    pub async fn cached_page<T, F, Fut>(
        &self,
        state: &AppState,
        render: F,
    ) -> Result<Response, WebError>
    where
        T: Template,
        F: FnOnce(Layout) -> Fut,
        Fut: std::future::Future<Output = Result<T, WebError>>,
    {
        self.cached_page_in(state, &state.pages, render).await
    }

    /// [`Ctx::cached_page`] kept in `pages` (the search results have a cache of their own).
    pub async fn cached_page_in<T, F, Fut>(
        &self,
        state: &AppState,
        pages: &PageCache,
        render: F,
    ) -> Result<Response, WebError>
    where
        T: Template,
        F: FnOnce(Layout) -> Fut,
        Fut: std::future::Future<Output = Result<T, WebError>>,
    {
        let key = PageKey {
            here: self.here.clone(),
            lang: self.lang,
            signed_in: self.signed_in(),
        };
        // The render runs only when the page is not kept: boxed, so the future of every request
        // that finds it (moved between the layers on each request) does not carry its state.
        let rendered = pages
            .get_or_render(key, || {
                Box::pin(async {
                    let frame = self
                        .frame(
                            state,
                            pages.placeholder(Hole::CartCount),
                            pages.placeholder(Hole::Csrf),
                            pages.placeholder(Hole::Nonce),
                        )
                        .await?;
                    Ok::<_, WebError>(render(frame).await?.render()?)
                })
            })
            .await?;
        let fill = Fill {
            nonce: &self.nonce,
            csrf: &self.csrf,
            cart_count: self.cart_count(state).await?,
        };
        if !self.gzip {
            return Ok(self.respond(StatusCode::OK, rendered.fill(&fill)));
        }
        // Put together from the parts compressed when the page was kept; the compression
        // layer leaves a response with `Content-Encoding` as it is.
        let mut response = self.respond_with(StatusCode::OK, rendered.fill_gzip(&fill).into());
        let headers = response.headers_mut();
        headers.insert(CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        headers.insert(VARY, HeaderValue::from_static("accept-encoding"));
        Ok(response)
    }

    fn cookies(&self, headers: &mut HeaderMap) {
        if !self.csrf_from_cookie {
            cookies::set(headers, cookies::CSRF, &self.csrf_token, 1, self.secure);
        }
        if let Some(cart) = &self.new_cart {
            cookies::set(headers, cookies::CART, cart, CART_DAYS, self.secure);
        }
        if let Some(pending) = &self.set_second_step {
            let days = if pending.is_empty() { 0 } else { 1 };
            cookies::set(headers, cookies::SECOND_STEP, pending, days, self.secure);
        }
        if let Some(device) = &self.new_device {
            cookies::set(headers, cookies::DEVICE, device, DEVICE_DAYS, self.secure);
        }
        if let Some(session) = &self.new_session {
            cookies::set(
                headers,
                cookies::SESSION,
                session,
                SESSION_DAYS,
                self.secure,
            );
        } else if self.end_session {
            cookies::set(headers, cookies::SESSION, "", 0, self.secure);
        }
    }

    /// Renders a page with `status`.
    pub fn page(&self, status: StatusCode, page: &impl Template) -> Result<Response, WebError> {
        Ok(self.respond(status, page.render()?))
    }

    fn respond(&self, status: StatusCode, body: String) -> Response {
        self.respond_with(status, body.into())
    }

    fn respond_with(&self, status: StatusCode, body: axum::body::Body) -> Response {
        let mut response = Response::new(body);
        *response.status_mut() = status;
        let headers = response.headers_mut();
        // Room for every header a page gets on its way out (security headers, request id,
        // cookies), so the map is not grown twice.
        headers.reserve(16);
        headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        headers.insert(
            axum::http::header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        );
        if !self.csrf_from_cookie && status == StatusCode::OK {
            self.visits.count();
        }
        self.cookies(headers);
        response
    }

    /// `303 See Other` to a same-site path (SWS-7: never to another origin).
    pub fn redirect(&self, to: &str) -> Response {
        self.see_other(safe_local_path(to).unwrap_or("/"))
    }

    /// A 303 to the payment provider's page: only to a URL under `origin`, the configured
    /// provider's checkout origin, so this never becomes an open redirect.
    pub fn redirect_to_provider(&self, url: &str, origin: &str) -> Response {
        let under = format!("{}/", origin.trim_end_matches('/'));
        if url.starts_with(&under) && !url.chars().any(char::is_control) {
            self.see_other(url)
        } else {
            tracing::error!(
                url,
                "refused a payment redirect outside the provider's origin"
            );
            self.redirect("/")
        }
    }

    fn see_other(&self, target: &str) -> Response {
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
