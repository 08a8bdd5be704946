//! Storefront error pages inside the shop (first-hour issue, item 10): a 404, 413, 429 or 503
//! keeps the shop's header — its name, search, cart and categories — the shopper's language and
//! a way back, instead of a bare page. [`crate::error::WebError`] renders a self-contained page
//! (it has no state) and leaves [`ErrorShown`] in the response; this middleware, which has the
//! state, renders the same message again in the shop's layout. When the layout cannot be read
//! (the database is the problem), the self-contained page stays.

use askama::Template;
use axum::body::Body;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts, Request};
use axum::http::header::{self, HeaderName, CONTENT_LENGTH};
use axum::http::{HeaderMap, Uri};
use axum::response::Response;

use crate::error::ErrorShown;
use crate::layout::{Ctx, Layout};
use crate::security::CspNonce;
use crate::AppState;

#[derive(Template)]
#[template(path = "error_shop.html")]
struct ShopErrorPage<'a> {
    l: Layout,
    status: u16,
    title: &'a str,
    detail: &'a str,
    request_id: Option<String>,
}

/// The request headers an error page's context reads: language, cookies (cart, session,
/// CSRF), user agent and the proxies' client address.
const KEPT_HEADERS: [HeaderName; 5] = [
    header::ACCEPT_LANGUAGE,
    header::COOKIE,
    header::USER_AGENT,
    header::FORWARDED,
    HeaderName::from_static("x-forwarded-for"),
];

/// What the page context is read from, kept from the request: its URI, the headers it reads,
/// peer address and CSP nonce. The context itself is read only for an error, so pages that
/// succeed (the hot path) pay for a few header copies and not for a new CSRF token each; the
/// request to read it from is put together only then.
pub struct Kept {
    uri: Uri,
    headers: HeaderMap,
    peer: Option<ConnectInfo<SocketAddr>>,
    nonce: Option<CspNonce>,
}

/// Keeps what an error page would need of `request`.
pub fn keep(request: &Request) -> Kept {
    let mut headers = HeaderMap::new();
    for name in KEPT_HEADERS {
        for value in request.headers().get_all(&name) {
            headers.append(name.clone(), value.clone());
        }
    }
    let extensions = request.extensions();
    Kept {
        uri: request.uri().clone(),
        headers,
        peer: extensions.get::<ConnectInfo<SocketAddr>>().copied(),
        nonce: extensions.get::<CspNonce>().copied(),
    }
}

impl Kept {
    /// The request parts a page context is read from.
    fn into_parts(self) -> axum::http::request::Parts {
        let mut request = Request::new(());
        *request.uri_mut() = self.uri;
        *request.headers_mut() = self.headers;
        if let Some(peer) = self.peer {
            request.extensions_mut().insert(peer);
        }
        if let Some(nonce) = self.nonce {
            request.extensions_mut().insert(nonce);
        }
        request.into_parts().0
    }
}

/// An error response of the storefront shown again inside the shop's layout, read from `kept`
/// (the request as [`keep`] kept it); any other response as it is.
pub async fn in_shop_layout(state: &AppState, kept: Kept, response: Response) -> Response {
    let Some(shown) = response.extensions().get::<ErrorShown>().cloned() else {
        return response;
    };
    let mut parts = kept.into_parts();
    let Ok(ctx) = Ctx::from_request_parts(&mut parts, state).await else {
        return response;
    };
    let Ok(l) = ctx.layout(state).await else {
        return response;
    };
    let t = ctx.t;
    let page = ShopErrorPage {
        l,
        status: shown.status.as_u16(),
        title: t.get(shown.title),
        detail: if shown.detail.is_empty() {
            ""
        } else {
            t.get(shown.detail)
        },
        request_id: shown.request_id,
    };
    let Ok(html) = page.render() else {
        return response;
    };
    let (mut head, _) = response.into_parts();
    head.headers.remove(CONTENT_LENGTH);
    Response::from_parts(head, Body::from(html))
}
