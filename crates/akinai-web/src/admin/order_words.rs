//! What the order desk says: the back office's Japanese words for order statuses, steps and
//! payment methods, what an irreversible step does (shown beside its confirmation box), and why a
//! step was refused.

use akinai_core::admin::StepProblem;
use akinai_domain::hold::HoldRules;
use akinai_domain::order::{OrderEvent, OrderStatus, PaymentMethod};

/// The admin's word for a status.
pub(super) fn status_label(s: OrderStatus) -> &'static str {
    s.label_ja()
}

pub(super) fn event_label(e: OrderEvent) -> &'static str {
    match e {
        OrderEvent::Pay => "入金を確認した",
        OrderEvent::Ship => "発送した",
        OrderEvent::Deliver => "配達完了",
        OrderEvent::Cancel => "キャンセルする",
        OrderEvent::Refund => "返金した",
    }
}

/// The back office's (Japanese) name of a payment method.
pub(super) fn payment_label(p: PaymentMethod) -> &'static str {
    akinai_domain::documents::payment_method_ja(p)
}

/// One step button of the order page. A step that cannot be undone (cancel, refund) carries what
/// it will do, and its form needs a ticked confirmation.
pub(super) struct Action {
    pub(super) code: &'static str,
    pub(super) label: &'static str,
    pub(super) confirm: Option<&'static str>,
}

/// What an irreversible step does, for the confirmation box next to its button.
pub(super) fn consequence(e: OrderEvent) -> Option<&'static str> {
    match e {
        OrderEvent::Cancel => Some(
            "キャンセルします。在庫を戻し、お客様にメールでお知らせします。元に戻せません。",
        ),
        OrderEvent::Refund => Some(
            "返金済みにします。お客様にメールでお知らせします。元に戻せません(カード等の返金は上の「決済」から行います)。",
        ),
        _ => None,
    }
}

/// The message when an irreversible step was sent without its confirmation.
pub(super) const NOT_CONFIRMED: &str =
    "取り消せない操作のため、確認のチェックを入れてからもう一度押してください。変更していません。";

pub(super) fn problem_text(p: StepProblem) -> &'static str {
    match p {
        StepProblem::NotAllowed => "この注文の状態では、その操作はできません。",
        StepProblem::AwaitingReview => {
            "この注文は要確認です。「要確認の注文」で確認済みにしてから発送してください。"
        }
        StepProblem::ShipmentMissing => {
            "配送業者と問い合わせ番号(半角英数字 8〜20 桁)を入力してください。"
        }
        StepProblem::Stale => {
            "ほかの管理者がこの注文を先に更新しました。最新の状態を確認してください。"
        }
        StepProblem::CaptureFailed => {
            "カード決済の売上確定ができなかったため、発送にしていません。少し待ってからもう一度お試しください(与信の期限が切れた場合は注文がキャンセルされます)。"
        }
    }
}

/// Why the rule behind a review flag raised it, with the shop's threshold where there is one.
pub(super) fn reason_explanation(code: &str, rules: &HoldRules) -> String {
    match code {
        "address_recently_changed" => "会員がお届け先を追加・変更した直後の注文です(乗っ取られたアカウントからの不正注文によくある形です)。".to_string(),
        "company_approval" => "法人のお客様の社内承認待ちです。会社の承認者がマイページで承認すると確認済みになります(承認しなかった場合は注文メモに記録されます)。".to_string(),
        "high_amount" => format!(
            "合計が{}以上の注文です。",
            rules.amount_at_least.map_or_else(|| "設定額".to_string(), |y| y.display())
        ),
        "many_orders_to_address" => format!(
            "24時間以内に同じお届け先への注文が{}件以上ありました(この注文を含む)。",
            rules.orders_per_address_per_day
        ),
        "blocked_list" => "要注意リストの住所・メールアドレス・電話番号に該当します。".to_string(),
        "card_country_mismatch" => "日本以外で発行されたカードでの支払いです。".to_string(),
        "payment_amount_mismatch" => "決済された金額が注文の合計と異なります。".to_string(),
        "payment_after_failure" => {
            "キャンセルや失敗の後に入金がありました。返金などの対応が必要です。".to_string()
        }
        _ => "確認が必要な注文です。".to_string(),
    }
}
