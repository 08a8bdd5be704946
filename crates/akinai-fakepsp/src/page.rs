//! The hosted test payment page (`/pay/{session}`), standing in for Stripe Checkout in the
//! demo shop and the browser tests. It says plainly that it is a test page, lists the test card
//! numbers, accepts nothing else, and sends the shopper back to the shop when done (or, without
//! paying, to the shop's cancel address). For konbini it also serves the payment slip
//! (`/voucher/{payment_intent}`, Stripe's `hosted_voucher_url`) with two labelled test actions:
//! paying at the store and letting the deadline pass.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::header::{CONTENT_SECURITY_POLICY, LOCATION};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};

use super::state::CardOutcome;
use super::{webhooks, Shared, CARD_3DS_REQUIRED, CARD_DECLINED, CARD_SUCCESS};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/pay/{id}", get(show).post(submit))
        .route("/voucher/{intent}", get(voucher).post(voucher_action))
        .with_state(shared)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The pages' look: readable on a phone, tap targets of 44 px. Inline (the page loads nothing
/// else), allowed by its CSP; it runs no script.
const STYLE: &str = "body{font-family:sans-serif;max-width:36rem;margin:0 auto;padding:0 1rem 2rem;line-height:1.6}\
.banner{background:#fc0;padding:8px;border-radius:4px}\
input{font:inherit;min-height:44px;padding:0 .5rem;width:100%;box-sizing:border-box;border:1px solid #999;border-radius:4px}\
button{font:inherit;min-height:44px;padding:0 1.2rem;margin:.5rem .5rem .5rem 0;border-radius:6px;border:1px solid #635bff;background:#635bff;color:#fff}\
a{display:inline-block;min-height:44px;line-height:44px}label{display:block;margin-top:.5rem}";

/// The frame of every page: the test banner, a viewport for phones, the content.
fn frame(title: &str, content: &str) -> Response {
    let body = format!(
        r#"<!doctype html><html lang="ja"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<style>{STYLE}</style>
<body><p class="banner"><strong>テスト決済ページ(本物の決済ではありません)</strong> — akinai のデモと試験のための Stripe の代役です。本物のカード番号は入力しないでください。</p>
{content}</body></html>"#
    );
    (
        [(
            CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:",
        )],
        Html(body),
    )
        .into_response()
}

fn page(
    id: &str,
    amount: i64,
    method: &str,
    challenge: bool,
    message: &str,
    cancel_url: Option<&str>,
) -> Response {
    let id = escape(id);
    let form = if challenge {
        format!(
            r#"<h2>3-D セキュア認証(テスト)</h2><p>カード会社の本人認証の代わりです。</p>
<form method="post" action="/pay/{id}"><input type="hidden" name="challenge" value="ok"><button type="submit" id="authenticate">認証する</button></form>
<form method="post" action="/pay/{id}"><input type="hidden" name="challenge" value="fail"><button type="submit" id="fail">認証に失敗する</button></form>"#
        )
    } else if method == "konbini" {
        format!(
            r#"<form method="post" action="/pay/{id}"><input type="hidden" name="konbini" value="issue"><button type="submit" id="issue">支払番号を発行する</button></form>"#
        )
    } else {
        format!(
            r#"<form method="post" action="/pay/{id}"><label>カード番号(テスト用) <input name="number" id="number" inputmode="numeric" autocomplete="off"></label>
<button type="submit" id="pay">支払う</button></form>
<p>使えるのはテスト用の番号だけです: {CARD_SUCCESS}(成功)、{CARD_3DS_REQUIRED}(3-D セキュア認証あり)、{CARD_DECLINED}(拒否)。</p>"#
        )
    };
    let back = cancel_url
        .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
        .map(|u| {
            format!(
                r#"<p><a href="{}" id="back">支払わずにショップに戻る</a></p>"#,
                escape(u)
            )
        })
        .unwrap_or_default();
    frame(
        "テスト決済",
        &format!(
            r#"<h1>お支払い {amount} 円</h1><p role="status">{}</p>{form}{back}"#,
            escape(message)
        ),
    )
}

async fn show(State(shared): State<Arc<Shared>>, Path(id): Path<String>) -> Response {
    let s = shared.state();
    match s.sessions.get(&id) {
        Some(session) if session.status == "open" => page(
            &id,
            session.amount,
            &session.method,
            session.challenge_outcome.is_some(),
            "",
            Some(&session.cancel_url),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            "このお支払いページは終了しています。",
        )
            .into_response(),
    }
}

async fn submit(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let value = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let (outcome, events) = {
        let mut s = shared.state();
        if let Some(c) = value("challenge") {
            s.complete_3ds(&id, c == "ok")
        } else if value("konbini").is_some() {
            let events = s.issue_konbini(&id);
            let outcome = if events.is_empty() {
                CardOutcome::Closed
            } else {
                CardOutcome::Succeeded
            };
            (outcome, events)
        } else {
            s.pay_card(&id, &value("number").unwrap_or_default())
        }
    };
    webhooks::deliver(&shared, events).await;
    let (amount, method, success, cancel) = {
        let s = shared.state();
        match s.sessions.get(&id) {
            Some(x) => (
                x.amount,
                x.method.clone(),
                x.success_url.clone(),
                x.cancel_url.clone(),
            ),
            None => return (StatusCode::NOT_FOUND, "no such session").into_response(),
        }
    };
    let cancel = Some(cancel.as_str());
    match outcome {
        CardOutcome::Succeeded => (StatusCode::SEE_OTHER, [(LOCATION, success)]).into_response(),
        CardOutcome::ChallengeRequired => page(&id, amount, &method, true, "", cancel),
        CardOutcome::Declined => page(
            &id,
            amount,
            &method,
            false,
            "このカードはご利用いただけませんでした。別のカードをお試しください。",
            cancel,
        ),
        CardOutcome::NotATestCard => page(
            &id,
            amount,
            &method,
            false,
            "テスト用のカード番号だけが使えます。",
            cancel,
        ),
        CardOutcome::Closed => (
            StatusCode::NOT_FOUND,
            "このお支払いページは終了しています。",
        )
            .into_response(),
    }
}

/// The konbini slip of a payment intent: number, amount, deadline (JST), its state, the two test
/// actions while it is unpaid, and the way back to the shop.
async fn voucher(State(shared): State<Arc<Shared>>, Path(intent): Path<String>) -> Response {
    let s = shared.state();
    let found = s.intents.get(&intent).and_then(|i| {
        let (expires_at, number) = i.konbini.clone()?;
        let session = s
            .sessions
            .values()
            .find(|x| x.intent.as_deref() == Some(&intent))?;
        Some((
            i.status,
            i.amount,
            expires_at,
            number,
            session.success_url.clone(),
        ))
    });
    let Some((status, amount, expires_at, number, back)) = found else {
        return (StatusCode::NOT_FOUND, "この払込票はありません。").into_response();
    };
    let deadline = chrono::DateTime::from_timestamp(expires_at, 0)
        .map(|t| {
            t.with_timezone(
                &chrono::FixedOffset::east_opt(9 * 3600).unwrap_or_else(|| unreachable!()),
            )
            .format("%Y年%m月%d日 %H:%M")
            .to_string()
        })
        .unwrap_or_default();
    let intent = escape(&intent);
    let state = match status {
        "requires_action" => format!(
            r#"<p role="status">お支払い待ち</p>
<h2>テスト用の操作</h2>
<form method="post" action="/voucher/{intent}"><input type="hidden" name="action" value="pay"><button type="submit" id="paid">店頭で支払った(テスト)</button></form>
<form method="post" action="/voucher/{intent}"><input type="hidden" name="action" value="expire"><button type="submit" id="expire">支払期限を過ぎたことにする(テスト)</button></form>"#
        ),
        "succeeded" => r#"<p role="status">お支払い済みです。</p>"#.to_string(),
        _ => r#"<p role="status">支払期限を過ぎました(このお支払いは取り消されました)。</p>"#
            .to_string(),
    };
    frame(
        "払込票(テスト)",
        &format!(
            r#"<h1>コンビニ払込票(テスト)</h1>
<dl><dt>お支払い金額</dt><dd>{amount} 円</dd><dt>お支払い番号</dt><dd id="number">{}</dd><dt>お支払い期限</dt><dd>{deadline}</dd></dl>
{state}<p><a href="{}" id="back">ショップに戻る</a></p>"#,
            escape(&number),
            escape(&back)
        ),
    )
}

/// A test action on a konbini slip: paid at the store, or the deadline passed; the shop hears
/// of it by webhook as from Stripe, and the slip is shown again.
async fn voucher_action(
    State(shared): State<Arc<Shared>>,
    Path(intent): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let paid = form.iter().any(|(k, v)| k == "action" && v == "pay");
    let events = {
        let mut s = shared.state();
        let session = s
            .sessions
            .iter()
            .find(|(_, x)| x.intent.as_deref() == Some(intent.as_str()))
            .map(|(id, _)| id.clone());
        match session {
            Some(id) => s.settle_konbini(&id, paid),
            None => return (StatusCode::NOT_FOUND, "この払込票はありません。").into_response(),
        }
    };
    webhooks::deliver(&shared, events).await;
    (
        StatusCode::SEE_OTHER,
        [(LOCATION, format!("/voucher/{intent}"))],
    )
        .into_response()
}
