//! Each check is broken in turn on an otherwise healthy shop and must say `fail` with a fix.

use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::invoice::RegistrationNumber;

pub(crate) fn healthy() -> Facts {
    let now = Utc.with_ymd_and_hms(2026, 12, 6, 3, 0, 0).unwrap();
    let mut settings = ShopSettings::starter("テスト商店");
    let l = &mut settings.legal;
    for field in [
        &mut l.seller_name,
        &mut l.representative,
        &mut l.address,
        &mut l.phone,
        &mut l.email,
        &mut l.delivery_timing,
        &mut l.returns_policy,
    ] {
        *field = "記入済み".into();
    }
    let p = &mut settings.privacy;
    p.purposes = vec!["商品の発送".into()];
    for field in [
        &mut p.business_operator,
        &mut p.security_measures,
        &mut p.request_procedure,
        &mut p.contact,
    ] {
        *field = "記入済み".into();
    }
    settings.invoice_number = RegistrationNumber::parse("T1234567890123").ok();
    settings.card_payments_paused = false;
    Facts {
        now,
        version: "0.1.0".into(),
        deployment: Deployment {
            production: true,
            admin_listen: "127.0.0.1:8081".into(),
            admin_loopback: true,
            admin_allow: vec![],
            base_url: "https://shop.example.jp".into(),
            tls: true,
            trusted_proxies: vec![],
            clamd: Some("/run/clamav/clamd.ctl".into()),
            logs_dir: Some("/var/lib/akinai/logs".into()),
            log_retention_days: 400,
            backup_recipient: true,
            backup_recipient_file: None,
            backup_scheduled: true,
            alert_mail_to: 1,
            theme_dir: None,
            watch_executable: true,
            login_slow_after: 5,
            login_lock_after: 10,
        },
        admins: vec![AdminFact {
            name: "店主".into(),
            role: "owner".into(),
            has_password: true,
            has_factor: true,
            created_at: now - Duration::days(200),
            last_login_at: Some(now - Duration::days(1)),
        }],
        chain: ChainFact::Intact {
            entries: 42,
            head: "ab".repeat(32),
        },
        last_good_backup: Some(now - Duration::hours(3)),
        last_backup_failed: false,
        last_good_verify: Some(now - Duration::days(2)),
        last_verify_failed: false,
        tampered: vec![],
        theme_approved: false,
        unacknowledged_tamper: 0,
        settings,
        answers: vec![Answer {
            task: "管理者アカウントの棚卸し".into(),
            done: true,
            note: String::new(),
            by: "店主 (admin:1)".into(),
            at: now - Duration::days(10),
            overdue: false,
            answers: vec!["CCSG-V-1".into()],
        }],
        diagnosis: Some(gate::DiagnosisFact {
            diagnosis: gate::Diagnosis {
                performed_on: (now - Duration::days(20)).date_naive(),
                performer: "株式会社診断".into(),
                tool: "OWASP ZAP 2.16".into(),
                findings: "指摘なし".into(),
                fixes: "修正なし".into(),
            },
            by: "店主 (admin:1)".into(),
            at: now - Duration::days(19),
        }),
    }
}

fn row(report: &Report, id: &str) -> Row {
    report
        .rows
        .iter()
        .find(|r| r.id == id)
        .cloned()
        .unwrap_or_else(|| panic!("no row {id}"))
}

#[test]
fn the_embedded_map_parses_and_its_checked_rows_are_the_checks() {
    let map = requirements().unwrap();
    assert!(map.len() >= 75, "{}", map.len());
    let mut checked: Vec<&str> = map
        .iter()
        .filter(|r| r.kind == Kind::Checked)
        .map(|r| r.id.as_str())
        .collect();
    let mut known = checked_ids().to_vec();
    checked.sort_unstable();
    known.sort_unstable();
    assert_eq!(checked, known);
    for r in &map {
        match r.kind {
            Kind::Manual => assert!(r.question.is_some(), "{} asks nothing", r.id),
            Kind::Operator => assert!(r.guidance.is_some(), "{} guides nobody", r.id),
            Kind::BuiltIn => assert!(!r.tests.is_empty(), "{} is proven by no test", r.id),
            Kind::Checked => {}
        }
    }
}

#[test]
fn a_healthy_shop_passes_every_check_and_lists_the_rest() {
    let map = requirements().unwrap();
    let report = assess(&map, &healthy());
    let failed: Vec<_> = report
        .rows
        .iter()
        .filter(|r| r.status == Status::Fail)
        .map(|r| (r.id.clone(), r.evidence.clone()))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert!(!report.failed());
    assert_eq!(report.rows.len(), map.len());
    let s = report.summary;
    assert_eq!(s.pass + s.fail + s.manual + s.operator, map.len());
    assert!(s.manual > 0 && s.operator > 0);
    let ccsg = row(&report, "CCSG-V-1");
    assert!(
        ccsg.evidence[0].contains("管理者 1 名"),
        "{:?}",
        ccsg.evidence
    );
    assert!(row(&report, "IPA-O-1").evidence[0].contains("akinai 0.1.0"));
}

/// Breaks one fact and expects `id` to fail with a fix that mentions `hint`.
fn breaks(id: &str, hint: &str, change: impl FnOnce(&mut Facts)) {
    let mut facts = healthy();
    change(&mut facts);
    let report = assess(&requirements().unwrap(), &facts);
    let r = row(&report, id);
    assert_eq!(r.status, Status::Fail, "{id}: {:?}", r.evidence);
    assert!(report.failed());
    let fix = r.fix.unwrap_or_default();
    assert!(fix.contains(hint), "{id}: fix {fix:?} lacks {hint:?}");
}

#[test]
fn ipa_c_3_no_diagnosis_before_going_live_fails() {
    breaks("IPA-C-3", "akinai golive diagnosis", |f| f.diagnosis = None);
    let mut facts = healthy();
    facts.diagnosis = None;
    assert!(row(&assess(&requirements().unwrap(), &facts), "IPA-C-3").blocking);
    let report = assess(&requirements().unwrap(), &healthy());
    let r = row(&report, "IPA-C-3");
    assert_eq!(r.status, Status::Pass);
    assert!(!r.blocking);
    let text = r.evidence.join(" ");
    assert!(
        text.contains("OWASP ZAP 2.16") && text.contains("株式会社診断"),
        "{text}"
    );
}

#[test]
fn ipa_c_4_an_exposed_admin_without_an_allow_list_fails() {
    breaks("IPA-C-4", "admin_allow", |f| {
        f.deployment.admin_loopback = false;
        f.deployment.admin_listen = "0.0.0.0:8081".into();
    });
}

#[test]
fn ipa_c_9_plain_http_or_no_tls_fails() {
    breaks("IPA-C-9", "https", |f| {
        f.deployment.base_url = "http://shop.example.jp".into()
    });
    breaks("SWS-C2-3", "trusted_proxies", |f| f.deployment.tls = false);
}

#[test]
fn ipa_c_7_a_loosened_lock_fails() {
    breaks("IPA-C-7", "lock_after_failures", |f| {
        f.deployment.login_lock_after = 100
    });
}

#[test]
fn ipa_c_12_no_log_files_or_a_broken_chain_fails() {
    breaks("IPA-C-12", "logs.dir", |f| f.deployment.logs_dir = None);
    breaks("IPA-C-12", "akinai audit verify", |f| {
        f.chain = ChainFact::Broken("#7 が書き換えられています".into())
    });
}

#[test]
fn ipa_c_13_a_stale_or_missing_backup_or_key_fails() {
    breaks("IPA-C-13", "akinai backup create", |f| {
        f.last_good_backup = Some(f.now - Duration::hours(BACKUP_HOURS + 1))
    });
    breaks("IPA-C-13", "akinai backup create", |f| {
        f.last_good_backup = None
    });
    breaks("IPA-C-13", "backup.scheduled", |f| {
        f.deployment.backup_scheduled = false
    });
    breaks("IPA-C-13", "akinai backup init", |f| {
        f.deployment.backup_recipient = false
    });
    breaks("IPA-O-? (backup / restore)", "akinai backup verify", |f| {
        f.last_good_verify = Some(f.now - Duration::days(VERIFY_DAYS + 1))
    });
}

#[test]
fn ipa_c_14_a_changed_file_or_an_unacknowledged_hold_fails() {
    breaks("IPA-C-14", "akinai theme approve", |f| {
        f.tampered = vec!["theme.css".into()]
    });
    breaks("IPA-C-14", "akinai integrity acknowledge", |f| {
        f.unacknowledged_tamper = 1
    });
    breaks("IPA-O-? (tamper detection)", "watch_executable", |f| {
        f.deployment.watch_executable = false
    });
}

#[test]
fn ipa_o_alerts_without_a_recipient_fail() {
    breaks("IPA-O-? (log review / monitoring)", "alert_mail_to", |f| {
        f.deployment.alert_mail_to = 0
    });
}

#[test]
fn ccsg_v_1_admins_without_a_factor_unused_or_no_owner_fail() {
    let now = healthy().now;
    breaks("CCSG-V-1", "二要素認証を再設定", |f| {
        f.admins.push(AdminFact {
            name: "佐藤".into(),
            role: "staff".into(),
            has_password: true,
            has_factor: false,
            created_at: now,
            last_login_at: None,
        })
    });
    breaks("CCSG-V-1", "招待し直す", |f| {
        f.admins.push(AdminFact {
            name: "鈴木".into(),
            role: "staff".into(),
            has_password: false,
            has_factor: false,
            created_at: now - Duration::days(3),
            last_login_at: None,
        })
    });
    breaks("CCSG-V-1", "見直し", |f| {
        f.admins[0].last_login_at = Some(now - Duration::days(UNUSED_ADMIN_DAYS + 1))
    });
    breaks("CCSG-V-1", "--role owner", |f| {
        f.admins[0].role = "manager".into()
    });
}

#[test]
fn ccsg_v_4_and_v_5_no_scanner_or_paused_card_payments_fail() {
    breaks("CCSG-V-4", "security.clamd", |f| f.deployment.clamd = None);
    breaks("CCSG-V-5", "再開", |f| {
        f.settings.card_payments_paused = true
    });
}

#[test]
fn jp_tok_jp_appi_jp_inv_missing_legal_text_or_number_fails() {
    breaks("JP-TOK-1", "運営責任者", |f| {
        f.settings.legal.representative.clear()
    });
    breaks("JP-TOK-3", "返品について", |f| {
        f.settings.legal.returns_policy = "  ".into()
    });
    breaks("JP-APPI-1", "利用目的", |f| {
        f.settings.privacy.purposes.clear()
    });
    breaks("JP-APPI-4", "安全管理措置", |f| {
        f.settings.privacy.security_measures.clear()
    });
    breaks("JP-INV-1", "T+13", |f| f.settings.invoice_number = None);
    // A new shop's sample notice is not the shop's own.
    breaks("JP-TOK-1", "実際の内容", |f| {
        f.settings.legal = ShopSettings::starter("").legal
    });
    breaks("JP-APPI-4", "実際の内容", |f| {
        f.settings.privacy.contact = ShopSettings::starter("").privacy.contact
    });
}

#[test]
fn a_manual_row_shows_the_last_record_of_the_task_that_answers_it() {
    let mut facts = healthy();
    facts.answers.clear();
    let report = assess(&requirements().unwrap(), &facts);
    let periodic = "IPA-O-? (periodic diagnosis)";
    assert!(row(&report, periodic).evidence[0].contains("記録はまだありません"));
    facts.answers.push(Answer {
        task: "脆弱性診断".into(),
        done: true,
        note: "ZAP で診断、指摘なし".into(),
        by: "店主 (admin:1)".into(),
        at: facts.now - Duration::days(100),
        overdue: true,
        answers: vec![periodic.into()],
    });
    let report = assess(&requirements().unwrap(), &facts);
    let r = row(&report, periodic);
    assert_eq!(r.status, Status::Manual);
    let text = r.evidence.join(" ");
    assert!(
        text.contains("店主 (admin:1)") && text.contains("ZAP で診断"),
        "{text}"
    );
    assert!(text.contains("期限を過ぎています"), "{text}");
    for r in requirements().unwrap() {
        if r.kind == Kind::Manual {
            assert!(
                crate::security_tasks::answering(&r.id).is_some(),
                "no periodic task answers {}",
                r.id
            );
        }
    }
}

#[test]
fn the_json_layout_names_its_schema_and_statuses_in_lowercase() {
    let report = assess(&requirements().unwrap(), &healthy());
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(json["schema"], SCHEMA);
    assert_eq!(json["rows"][0]["status"], "pass");
    assert_eq!(json["rows"][0]["kind"], "built-in");
    assert!(json["summary"]["pass"].as_u64().unwrap() > 0);
}

#[test]
fn ipa_c_2_the_update_rows_show_the_builds_dependency_audit() {
    let audit = dependency_audit().expect("the embedded record reads");
    let report = assess(&requirements().unwrap(), &healthy());
    for id in ["IPA-C-2", "IPA-O-1"] {
        let text = row(&report, id).evidence.join(" ");
        assert!(text.contains("akinai 0.1.0"), "{text}");
        assert!(
            text.contains(&format!("依存ライブラリ {} 件", audit.packages))
                && text.contains(&format!("脆弱性 {} 件", audit.vulnerable)),
            "{text}"
        );
    }
}
