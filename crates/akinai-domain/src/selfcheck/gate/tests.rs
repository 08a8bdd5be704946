//! The gate on reports built by hand: which failures stop a production start, what an exception
//! changes, and the checks of a diagnosis and an exception.

use chrono::{NaiveDate, TimeZone, Utc};

use super::*;
use crate::selfcheck::{Kind, Summary, SCHEMA};

fn row(id: &str, status: Status) -> Row {
    Row {
        id: id.into(),
        title: format!("{id} の題"),
        kind: Kind::Checked,
        status,
        blocking: status == Status::Fail && is_blocking(id),
        what: String::new(),
        evidence: vec![format!("{id} の所見")],
        fix: (status == Status::Fail).then(|| format!("{id} の直し方")),
        question: None,
        tests: vec![],
    }
}

fn report(rows: Vec<Row>) -> Report {
    Report {
        schema: SCHEMA,
        generated_at: Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap(),
        version: "0.1.0".into(),
        production: true,
        summary: Summary::default(),
        rows,
    }
}

fn exception(id: &str) -> Exception {
    Exception {
        requirement: id.into(),
        reason: "前段の WAF で TLS を終端、来月に直す".into(),
        by: "店主 (admin:1)".into(),
        at: Utc.with_ymd_and_hms(2026, 12, 5, 3, 0, 0).unwrap(),
    }
}

#[test]
fn blocking_failures_refuse_until_each_has_an_exception() {
    let r = report(vec![
        row("IPA-C-9", Status::Fail),
        row("IPA-C-3", Status::Fail),
        row("CCSG-V-4", Status::Fail),
        row("IPA-C-13", Status::Pass),
        row("IPA-C-2", Status::Manual),
    ]);
    let g = gate(&r, &[]);
    assert!(!g.open());
    assert_eq!(g.failing.len(), 3, "every failure is shown");
    let refusing: Vec<&str> = g.refusing().map(|b| b.row.id.as_str()).collect();
    assert_eq!(refusing, ["IPA-C-9", "IPA-C-3"], "CCSG-V-4 does not block");
    let text = g.text_ja();
    assert!(text.contains("公開できません"), "{text}");
    assert!(text.contains("IPA-C-9 の直し方"), "{text}");
    assert!(text.contains("[要対応] CCSG-V-4"), "{text}");

    let g = gate(&r, &[exception("IPA-C-9")]);
    assert!(!g.open(), "IPA-C-3 still refuses");
    let g = gate(
        &r,
        &[
            exception("IPA-C-9"),
            exception("IPA-C-3"),
            exception("IPA-C-13"),
        ],
    );
    assert!(g.open());
    assert_eq!(g.refusing().count(), 0);
    assert_eq!(
        g.unused_exceptions,
        [exception("IPA-C-13")],
        "an exception for a passing row is shown as no longer needed"
    );
    let text = g.text_ja();
    assert!(
        text.contains("公開できます") && text.contains("[例外として公開] IPA-C-9"),
        "{text}"
    );
    assert!(text.contains("来月に直す"), "{text}");
}

#[test]
fn the_blocking_list_names_checked_requirements_of_the_map() {
    let map = crate::selfcheck::requirements().unwrap();
    for id in BLOCKING {
        let r = map
            .iter()
            .find(|r| r.id == *id)
            .unwrap_or_else(|| panic!("{id}"));
        assert_eq!(r.kind, Kind::Checked, "{id} can fail");
    }
}

/// A restart after an outage is not refused for a backup that could not run meanwhile, nor for
/// a tamper hold (checkout stays closed until acknowledged); a missing backup key, files that
/// differ from the approved ones and the sample legal text are refused. Only rows the list names
/// ever block.
#[test]
fn only_what_the_set_up_decides_blocks() {
    use crate::selfcheck::tests::healthy;
    use crate::selfcheck::{assess, requirements};
    use chrono::Duration;
    let blocking = |change: &dyn Fn(&mut crate::selfcheck::Facts)| -> Vec<String> {
        let mut facts = healthy();
        change(&mut facts);
        let report = assess(&requirements().unwrap(), &facts);
        for r in &report.rows {
            assert!(!r.blocking || BLOCKING.contains(&r.id.as_str()), "{}", r.id);
        }
        report
            .rows
            .into_iter()
            .filter(|r| r.blocking)
            .map(|r| r.id)
            .collect()
    };
    assert!(blocking(&|_| {}).is_empty());
    assert!(blocking(&|f| f.last_good_backup = Some(f.now - Duration::days(3))).is_empty());
    assert!(blocking(&|f| f.unacknowledged_tamper = 1).is_empty());
    assert!(blocking(&|f| f.settings.invoice_number = None).is_empty());
    assert_eq!(
        blocking(&|f| f.deployment.backup_recipient = false),
        ["IPA-C-13"]
    );
    assert_eq!(
        blocking(&|f| f.tampered = vec!["a.html".into()]),
        ["IPA-C-14"]
    );
    assert_eq!(blocking(&|f| f.diagnosis = None), ["IPA-C-3"]);
    assert_eq!(
        blocking(&|f| f.deployment.base_url = "http://shop.example.jp".into()),
        ["IPA-C-9", "SWS-C2-3"]
    );
    assert_eq!(
        blocking(&|f| f.settings.legal = crate::settings::ShopSettings::starter("").legal),
        ["JP-TOK-1"],
        "JP-TOK-3 fails too, without blocking"
    );
}

#[test]
fn a_diagnosis_needs_a_past_date_and_every_field() {
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let good = DiagnosisForm {
        performed_on: "2026-12-01".into(),
        performer: " 株式会社診断 ".into(),
        tool: "OWASP ZAP 2.16".into(),
        findings: "指摘なし".into(),
        fixes: "修正なし".into(),
    };
    let d = check_diagnosis(&good, today).unwrap();
    assert_eq!(
        d.performed_on,
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    );
    assert_eq!(d.performer, "株式会社診断", "trimmed");

    let fields = |form: DiagnosisForm| -> Vec<&'static str> {
        check_diagnosis(&form, today)
            .unwrap_err()
            .into_iter()
            .map(|(f, _)| f)
            .collect()
    };
    assert_eq!(
        fields(DiagnosisForm {
            performed_on: "2026-12-07".into(),
            ..good.clone()
        }),
        ["performed_on"],
        "not in the future"
    );
    assert_eq!(
        fields(DiagnosisForm {
            performed_on: "12/01".into(),
            tool: " ".into(),
            findings: "x".repeat(MAX_TEXT + 1),
            fixes: "a\u{7}b".into(),
            ..good.clone()
        }),
        ["performed_on", "tool", "findings", "fixes"]
    );
    let errors = check_diagnosis(&DiagnosisForm::default(), today).unwrap_err();
    assert_eq!(errors.len(), 5);
    assert!(errors.iter().all(|(_, m)| m.ends_with('。')), "{errors:?}");
}

#[test]
fn an_exception_needs_a_blocking_requirement_and_a_reason() {
    assert_eq!(check_exception("IPA-C-9", "  理由  ").unwrap(), "理由");
    assert_eq!(
        check_exception("CCSG-V-4", "理由").unwrap_err().0,
        "requirement"
    );
    assert_eq!(check_exception("IPA-C-9", " ").unwrap_err().0, "reason");
    assert_eq!(
        check_exception("IPA-C-9", &"長".repeat(MAX_TEXT + 1))
            .unwrap_err()
            .0,
        "reason"
    );
}
