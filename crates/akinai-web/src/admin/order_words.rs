//! What the order desk says: the back office's Japanese words for order statuses, steps and
//! payment methods, what an irreversible step does (shown beside its confirmation box), and why a
//! step was refused.

use akinai_core::admin::StepProblem;
use akinai_domain::order::{OrderEvent, OrderStatus, PaymentMethod};

/// The admin's word for a status.
pub(super) fn status_label(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Placed => "受付(入金待ち)",
        OrderStatus::Paid => "入金済み",
        OrderStatus::Shipped => "発送済み",
        OrderStatus::Delivered => "配達完了",
        OrderStatus::Cancelled => "キャンセル",
        OrderStatus::Refunded => "返金済み",
    }
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
    match p {
        PaymentMethod::BankTransfer => "銀行振込",
        PaymentMethod::CashOnDelivery => "代金引換",
        PaymentMethod::Card => "クレジットカード",
        PaymentMethod::Konbini => "コンビニ払い",
    }
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
