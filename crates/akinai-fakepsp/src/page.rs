//! The hosted test payment page (`/pay/{session}`), standing in for Stripe Checkout in the
//! demo shop and the browser tests. It says plainly that it is a test page, lists the test card
//! numbers, accepts nothing else, and sends the shopper back to the shop when done.

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
        .with_state(shared)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(id: &str, amount: i64, method: &str, challenge: bool, message: &str) -> Response {
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
    let body = format!(
        r#"<!doctype html><html lang="ja"><meta charset="utf-8"><title>テスト決済</title>
<body><p style="background:#fc0;padding:8px"><strong>テスト決済ページ(本物の決済ではありません)</strong> — akinai のデモと試験のための Stripe の代役です。本物のカード番号は入力しないでください。</p>
<h1>お支払い {amount} 円</h1><p role="status">{}</p>{form}</body></html>"#,
        escape(message)
    );
    (
        [(
            CONTENT_SECURITY_POLICY,
            "default-src 'none'; form-action 'self' http: https:",
        )],
        Html(body),
    )
        .into_response()
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
    let (amount, method, success) = {
        let s = shared.state();
        match s.sessions.get(&id) {
            Some(x) => (x.amount, x.method.clone(), x.success_url.clone()),
            None => return (StatusCode::NOT_FOUND, "no such session").into_response(),
        }
    };
    match outcome {
        CardOutcome::Succeeded => (StatusCode::SEE_OTHER, [(LOCATION, success)]).into_response(),
        CardOutcome::ChallengeRequired => page(&id, amount, &method, true, ""),
        CardOutcome::Declined => page(
            &id,
            amount,
            &method,
            false,
            "このカードはご利用いただけませんでした。別のカードをお試しください。",
        ),
        CardOutcome::NotATestCard => page(
            &id,
            amount,
            &method,
            false,
            "テスト用のカード番号だけが使えます。",
        ),
        CardOutcome::Closed => (
            StatusCode::NOT_FOUND,
            "このお支払いページは終了しています。",
        )
            .into_response(),
    }
}
