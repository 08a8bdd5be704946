//! The live checks of the self-assessment, one per `checked` requirement: each reads the
//! [`Facts`] and says pass or fail, what it found, and — on a fail — what to do, in Japanese for
//! the shop owner.

use chrono::Duration;

use super::{ChainFact, Facts, Verdict};

/// The requirements [`check`] judges.
pub(crate) const IDS: &[&str] = &[
    "IPA-C-3",
    "IPA-C-4",
    "IPA-C-7",
    "IPA-C-9",
    "IPA-C-12",
    "IPA-C-13",
    "IPA-C-14",
    "IPA-O-? (log review / monitoring)",
    "IPA-O-? (backup / restore)",
    "IPA-O-? (tamper detection)",
    "CCSG-V-1",
    "CCSG-V-4",
    "CCSG-V-5",
    "SWS-C2-3",
    "JP-TOK-1",
    "JP-TOK-3",
    "JP-INV-1",
    "JP-APPI-1",
    "JP-APPI-4",
];

/// Hours without a successful backup before the backup check fails (the dashboard's own limit).
pub const BACKUP_HOURS: i64 = 26;
/// Days without a successful verify or drill (they run every Sunday).
pub const VERIFY_DAYS: i64 = 8;
/// Days an enrolled admin may go unused before the account review lists them.
pub const UNUSED_ADMIN_DAYS: i64 = 90;
/// Hours an enrolment link lives; an admin still not enrolled after it is a dangling account.
pub const ENROLMENT_HOURS: i64 = 24;
/// Most member login failures before an address locks that the check accepts.
pub const MOST_LOGIN_FAILURES: u32 = 20;
/// Fewest days log files must be kept (a year).
pub const LOG_DAYS: u32 = 365;

/// Gathers what failed; passes when nothing did.
struct Findings {
    evidence: Vec<String>,
    problems: Vec<String>,
    fixes: Vec<String>,
    /// A problem found stops a production start (the go-live gate).
    blocks: bool,
}

impl Findings {
    fn new() -> Findings {
        Findings {
            evidence: Vec::new(),
            problems: Vec::new(),
            fixes: Vec::new(),
            blocks: false,
        }
    }

    fn saw(&mut self, text: impl Into<String>) {
        self.evidence.push(text.into());
    }

    fn fail(&mut self, problem: impl Into<String>, fix: impl Into<String>) {
        self.problems.push(problem.into());
        self.fixes.push(fix.into());
    }

    /// A failure that also stops a production start until fixed or excepted (ADR 044): kept
    /// to what the shop's set-up decides, so a restart after an outage is never refused for a
    /// backup that could not run meanwhile.
    fn block(&mut self, problem: impl Into<String>, fix: impl Into<String>) {
        self.blocks = true;
        self.fail(problem, fix);
    }

    fn verdict(self) -> Verdict {
        let pass = self.problems.is_empty();
        let mut evidence = self.problems;
        evidence.extend(self.evidence);
        Verdict {
            pass,
            blocks: self.blocks,
            evidence,
            fix: (!pass).then(|| self.fixes.join(" ")),
        }
    }
}

fn jst(t: chrono::DateTime<chrono::Utc>) -> String {
    (t + Duration::hours(9))
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// The verdict of a `checked` requirement; `None` for an ID without a check.
pub(crate) fn check(id: &str, f: &Facts) -> Option<Verdict> {
    let mut x = Findings::new();
    let d = &f.deployment;
    match id {
        "IPA-C-3" => match &f.diagnosis {
            Some(d) => {
                let g = &d.diagnosis;
                x.saw(format!(
                    "最後の診断: {}、{}、{}(記録 {} {})",
                    g.performed_on, g.performer, g.tool, jst(d.at), d.by
                ));
                x.saw(format!("指摘: {}", g.findings));
                x.saw(format!("修正: {}", g.fixes));
            }
            None => x.block(
                "公開前の脆弱性診断の記録がありません",
                "本番と同じ構成のステージングを診断し(OWASP ZAP などのツールまたは専門業者)、指摘を直してから、管理画面「本番公開の判定」または `akinai golive diagnosis` で実施日・実施者・ツール・指摘・修正を記録してください。",
            ),
        },
        "IPA-C-4" => {
            x.saw(format!("管理画面の待ち受け: {}", d.admin_listen));
            if d.admin_loopback {
                x.saw("ループバックのみ(サーバの外からは届かない)");
            } else if d.admin_allow.is_empty() {
                x.block(
                    "管理画面がループバック以外で待ち受けており、接続元の許可リストがありません",
                    "設定 admin_allow に管理用 PC の IP アドレス(または VPN の範囲)を書くか、admin_listen を 127.0.0.1 にして SSH トンネルで使ってください。",
                );
            } else {
                x.saw(format!("許可リスト: {}", d.admin_allow.join(", ")));
            }
        }
        "IPA-C-7" => {
            x.saw(format!(
                "会員ログイン: {} 回失敗で待機、{} 回でロック。攻撃元の遮断とボット確認は常に有効",
                d.login_slow_after, d.login_lock_after
            ));
            if d.login_lock_after > MOST_LOGIN_FAILURES {
                x.fail(
                    format!(
                        "ロックまでの失敗回数 {} 回は多すぎます(上限 {MOST_LOGIN_FAILURES} 回)",
                        d.login_lock_after
                    ),
                    "設定 accounts.lock_after_failures を 10 程度にしてください。",
                );
            }
        }
        "IPA-C-9" | "SWS-C2-3" => tls(d, &mut x),
        "IPA-C-12" => {
            match &d.logs_dir {
                Some(dir) => x.saw(format!(
                    "ログファイル: {dir}({} 日保管)",
                    d.log_retention_days
                )),
                None => x.fail(
                    "ログファイルの保存先がありません(標準出力のみ)",
                    "設定 logs.dir にログの保存先(例: /var/lib/akinai/logs)を書いてください。",
                ),
            }
            if d.log_retention_days < LOG_DAYS {
                x.fail(
                    format!("ログの保管が {} 日です", d.log_retention_days),
                    "logs.retention_days を 365 以上にしてください。",
                );
            }
            chain(f, &mut x);
        }
        "IPA-C-13" => {
            if !d.backup_recipient {
                x.block(
                    "バックアップの暗号化の宛先(鍵)がありません",
                    "`akinai backup init` で鍵を作り、秘密鍵はサーバの外に保管してください。",
                );
            }
            if !d.backup_scheduled {
                x.block(
                    "毎日のバックアップが無効です(backup.scheduled = false)",
                    "設定 backup.scheduled を true にして、serve が毎日バックアップを取るようにしてください。",
                );
            }
            backup(f, &mut x);
            chain(f, &mut x);
        }
        "IPA-C-14" | "IPA-O-? (tamper detection)" => tamper(f, &mut x, id != "IPA-C-14"),
        "IPA-O-? (log review / monitoring)" => {
            if d.alert_mail_to == 0 {
                x.fail(
                    "警報メールの宛先がありません(警報はログに出るだけです)",
                    "設定 security.alert_mail_to に警報を受け取るメールアドレスを書いてください。",
                );
            } else {
                x.saw(format!(
                    "警報メールの宛先: {} 件(ログイン攻撃・改ざん・CSP 違反・カードテスト・バックアップ)",
                    d.alert_mail_to
                ));
            }
        }
        "IPA-O-? (backup / restore)" => match f.last_good_verify {
            Some(t) if f.now - t <= Duration::days(VERIFY_DAYS) && !f.last_verify_failed => {
                x.saw(format!("最後に成功した検証: {}", jst(t)));
            }
            Some(t) => x.fail(
                format!("最後に成功したバックアップの検証は {}(またはその後に失敗)", jst(t)),
                "`akinai backup verify` を実行し、失敗の原因を直してください(毎週日曜に自動で実行されます)。",
            ),
            None => x.fail(
                "バックアップの検証(復元訓練)がまだ一度も成功していません",
                "`akinai backup verify <ファイル>` を実行してください。",
            ),
        },
        "CCSG-V-1" => admins(f, &mut x),
        "CCSG-V-4" => match &d.clamd {
            Some(clamd) => x.saw(format!("ClamAV(clamd): {clamd}。検査できないアップロードは拒否")),
            None => x.fail(
                "アップロードのウイルス検査(ClamAV)が設定されていません",
                "clamav-daemon を入れ、設定 security.clamd に /run/clamav/clamd.ctl を書いてください。",
            ),
        },
        "CCSG-V-5" => {
            let r = &f.settings.card_testing;
            x.saw(format!(
                "同じ接続元・カート・会員などで {} 回拒否されたら停止、全体で {} 回中 {}% 以上の拒否で{}",
                r.declines_per_identity,
                r.site_min_attempts,
                r.site_decline_percent,
                if r.pause_on_spike { "カード決済を一時停止" } else { "警報のみ" }
            ));
            if f.settings.card_payments_paused {
                x.fail(
                    "カード決済がカードテストの急増により一時停止中です",
                    "管理画面の決済設定で状況を確認し、落ち着いたら再開してください。",
                );
            }
        }
        "JP-TOK-1" => {
            let (l, sample) = (&f.settings.legal, &starter().legal);
            missing(
                &mut x,
                "特定商取引法に基づく表記",
                &[
                    ("販売業者", &l.seller_name, &sample.seller_name),
                    ("運営責任者", &l.representative, &sample.representative),
                    ("所在地", &l.address, &sample.address),
                    ("電話番号", &l.phone, &sample.phone),
                    ("メールアドレス", &l.email, &sample.email),
                    ("引渡時期", &l.delivery_timing, &sample.delivery_timing),
                    ("返品について", &l.returns_policy, &sample.returns_policy),
                ],
                true,
            );
        }
        "JP-TOK-3" => missing(
            &mut x,
            "特定商取引法に基づく表記",
            &[(
                "返品について",
                &f.settings.legal.returns_policy,
                &starter().legal.returns_policy,
            )],
            false,
        ),
        "JP-INV-1" => match &f.settings.invoice_number {
            Some(n) => x.saw(format!("登録番号: {}(検査数字を確認済み)", n.as_str())),
            None => x.fail(
                "適格請求書発行事業者の登録番号が設定されていません",
                "ショップ設定に登録番号(T+13 桁)を入れてください。登録事業者でなければ、請求書が適格請求書でないことを取引先に伝えてください。",
            ),
        },
        "JP-APPI-1" => {
            let p = &f.settings.privacy;
            let purposes = p.purposes.iter().filter(|s| !s.trim().is_empty()).count();
            if purposes == 0 {
                x.fail(
                    "プライバシーポリシーに利用目的がありません",
                    "ショップ設定のプライバシーポリシーに個人情報の利用目的を書いてください。",
                );
            } else {
                x.saw(format!("利用目的: {purposes} 件を公表"));
            }
        }
        "JP-APPI-4" => {
            let (p, sample) = (&f.settings.privacy, &starter().privacy);
            let (purposes, sample_purposes) = (p.purposes.join(""), sample.purposes.join(""));
            missing(
                &mut x,
                "プライバシーポリシー",
                &[
                    ("事業者", &p.business_operator, &sample.business_operator),
                    ("利用目的", &purposes, &sample_purposes),
                    ("安全管理措置", &p.security_measures, &sample.security_measures),
                    ("開示等の請求手続", &p.request_procedure, &sample.request_procedure),
                    ("お問い合わせ窓口", &p.contact, &sample.contact),
                ],
                false,
            );
        }
        _ => return None,
    }
    Some(x.verdict())
}

fn tls(d: &super::Deployment, x: &mut Findings) {
    x.saw(format!("base_url: {}", d.base_url));
    if !d.base_url.starts_with("https://") {
        x.block(
            "公開アドレス(base_url)が https ではありません",
            "証明書を用意し、base_url を https://… にしてください(内蔵 TLS の [tls] または TLS を終端するリバースプロキシ)。",
        );
    }
    if d.tls {
        x.saw("内蔵 TLS(rustls)で待ち受け、HSTS を送信");
    } else if !d.trusted_proxies.is_empty() {
        x.saw(format!(
            "TLS は信頼するプロキシが終端: {}",
            d.trusted_proxies.join(", ")
        ));
    } else {
        x.block(
            "TLS の設定も、TLS を終端する信頼するプロキシ(trusted_proxies)もありません",
            "[tls] に証明書と鍵を書くか、前段のリバースプロキシを trusted_proxies に書いてください。",
        );
    }
}

fn chain(f: &Facts, x: &mut Findings) {
    match &f.chain {
        ChainFact::Intact { entries, head } => {
            let short: String = head.chars().take(12).collect();
            x.saw(format!("監査証跡: {entries} 件のハッシュチェーンを検証(先頭 {short}…)"));
        }
        ChainFact::Broken(what) => x.fail(
            format!("監査証跡のハッシュチェーンが壊れています: {what}"),
            "記録が改ざんまたは削除された可能性があります。インシデントとして記録し、`akinai audit verify` とバックアップで調べてください。",
        ),
    }
}

fn backup(f: &Facts, x: &mut Findings) {
    match f.last_good_backup {
        Some(t) if f.now - t <= Duration::hours(BACKUP_HOURS) => {
            x.saw(format!("最後に成功したバックアップ: {}", jst(t)));
        }
        Some(t) => x.fail(
            format!(
                "最後に成功したバックアップは {}({BACKUP_HOURS} 時間以上前)",
                jst(t)
            ),
            "`akinai backup create` を実行し、設定 backup.scheduled で毎日取るようにしてください。",
        ),
        None => x.fail(
            "バックアップがまだ一度も取られていません",
            "`akinai backup create` を実行し、設定 backup.scheduled で毎日取るようにしてください。",
        ),
    }
    if f.last_backup_failed {
        x.fail(
            "直近のバックアップが失敗しました",
            "ログ(`akinai logs search backup`)で原因を確認してください。",
        );
    }
}

fn tamper(f: &Facts, x: &mut Findings, needs_watch: bool) {
    let d = &f.deployment;
    match (&d.theme_dir, f.theme_approved) {
        (Some(dir), true) => x.saw(format!("テーマ {dir} は承認済みの内容をハッシュで照合")),
        (Some(dir), false) => x.saw(format!("テーマ {dir} は未承認(配信されません)")),
        (None, _) => x.saw("テンプレートと資産はバイナリに埋め込み(テーマなし)"),
    }
    if d.watch_executable {
        x.saw("実行ファイルの改ざんを監視");
    } else if needs_watch {
        x.fail(
            "実行ファイルの監視が無効です",
            "設定 security.watch_executable を true にしてください。",
        );
    }
    if !f.tampered.is_empty() {
        let problem = format!("承認された内容と違うファイル: {}", f.tampered.join(", "));
        let fix = "変更に心当たりがなければ改ざんとして対応し(インシデント記録)、正しい内容に戻してください。意図した変更なら `akinai theme approve` で承認し直してください。";
        // IPA-C-14 stops a production start; its operations twin only reports.
        if needs_watch {
            x.fail(problem, fix);
        } else {
            x.block(problem, fix);
        }
    }
    if f.unacknowledged_tamper > 0 {
        x.fail(
            format!(
                "改ざん検知による未確認の停止が {} 件あります",
                f.unacknowledged_tamper
            ),
            "原因を確認したら `akinai integrity acknowledge --by 名前` で確認済みにしてください。",
        );
    }
}

/// Days within which the account review must have been recorded done.
pub const REVIEW_DAYS: i64 = 90;

fn admins(f: &Facts, x: &mut Findings) {
    let enrolled: Vec<_> = f.admins.iter().filter(|a| a.has_factor).collect();
    let owners = enrolled.iter().filter(|a| a.role == "owner").count();
    x.saw(format!(
        "管理者 {} 名(登録済み {} 名、うちオーナー {owners} 名)。ログインはパスワードと認証アプリが必須",
        f.admins.len(),
        enrolled.len()
    ));
    match f
        .answers
        .iter()
        .find(|a| a.answers.iter().any(|id| id == "CCSG-V-1"))
    {
        Some(a) if a.done && f.now - a.at <= Duration::days(REVIEW_DAYS) => {
            x.saw(format!("アカウントの棚卸し: {} {}", jst(a.at), a.by));
        }
        Some(a) => x.fail(
            format!(
                "アカウントの棚卸しが {REVIEW_DAYS} 日以内に実施されていません(最後の記録 {})",
                jst(a.at)
            ),
            "管理画面「アカウントの棚卸し」で確認し、「定期作業」に実施を記録してください。",
        ),
        None => x.fail(
            "アカウントの棚卸しの記録がありません",
            "管理画面「アカウントの棚卸し」で確認し、「定期作業」に実施を記録してください。",
        ),
    }
    if owners == 0 {
        x.fail(
            "登録を終えたオーナーがいません",
            "`akinai admin create --role owner` で招待し、登録を終えてください。",
        );
    }
    for a in &f.admins {
        if a.has_password && !a.has_factor {
            x.fail(
                format!("{} は二要素認証なしでパスワードがあります", a.name),
                format!(
                    "{} の二要素認証を再設定するか、アカウントを削除してください。",
                    a.name
                ),
            );
        } else if !a.has_factor && f.now - a.created_at > Duration::hours(ENROLMENT_HOURS) {
            x.fail(
                format!(
                    "{} は招待から {ENROLMENT_HOURS} 時間を過ぎても登録していません",
                    a.name
                ),
                format!("{} を招待し直すか削除してください。", a.name),
            );
        }
        let last = a.last_login_at.unwrap_or(a.created_at);
        if a.has_factor && f.now - last > Duration::days(UNUSED_ADMIN_DAYS) {
            x.fail(
                format!("{} は {UNUSED_ADMIN_DAYS} 日以上使われていません", a.name),
                format!(
                    "アカウントの見直し(管理画面 → 管理者 → 見直し)で {} が必要か確認し、不要なら削除してください。",
                    a.name
                ),
            );
        }
    }
}

/// The settings a new shop starts with: their sample text must be replaced before opening.
fn starter() -> crate::settings::ShopSettings {
    crate::settings::ShopSettings::starter("")
}

/// Fails for each field left empty or still holding the new shop's sample text.
fn missing(x: &mut Findings, page: &str, fields: &[(&str, &String, &String)], blocks: bool) {
    let fail = |x: &mut Findings, problem: String, fix: String| {
        if blocks {
            x.block(problem, fix)
        } else {
            x.fail(problem, fix)
        }
    };
    let empty: Vec<&str> = fields
        .iter()
        .filter(|(_, v, _)| v.trim().is_empty())
        .map(|(name, _, _)| *name)
        .collect();
    let sample: Vec<&str> = fields
        .iter()
        .filter(|(_, v, s)| !v.trim().is_empty() && v.trim() == s.trim())
        .map(|(name, _, _)| *name)
        .collect();
    if !empty.is_empty() {
        fail(
            x,
            format!("{page}の未記入: {}", empty.join("、")),
            format!(
                "ショップ設定で{page}の {} を記入してください。",
                empty.join("、")
            ),
        );
    }
    if !sample.is_empty() {
        fail(
            x,
            format!("{page}が見本のままです: {}", sample.join("、")),
            format!(
                "ショップ設定で{page}の {} をお店の実際の内容に書き換えてください。",
                sample.join("、")
            ),
        );
    }
    if empty.is_empty() && sample.is_empty() {
        x.saw(format!("{page}: {} 項目すべて記入済み", fields.len()));
    }
}

/// What a `manual` row can say of its own: the last record of the periodic task that answers
/// it (who, when, done or not, the note, whether it is overdue), and the running version where
/// the question is about updates.
pub(crate) fn manual_evidence(id: &str, f: &Facts) -> Vec<String> {
    let mut out = Vec::new();
    if matches!(id, "IPA-C-2" | "IPA-O-1") {
        out.push(format!("稼働中: akinai {}", f.version));
        match super::dependency_audit() {
            Some(a) => out.push(format!(
                "このビルドの依存ライブラリ {} 件を {} 時点の RustSec 脆弱性データベースと照合({} 実施): 脆弱性 {} 件。新しいリリースと OS の更新はネットワークから自動では確かめません(定期作業「OS・akinai・管理用 PC の更新」で確認してください)",
                a.packages,
                a.snapshot
                    .rsplit_once('(')
                    .map(|(_, d)| d.trim_end_matches(')'))
                    .unwrap_or(&a.snapshot),
                a.audited_on,
                a.vulnerable
            )),
            None => out.push("依存ライブラリの照合記録がこのビルドにありません".to_string()),
        }
    }
    match f.answers.iter().find(|a| a.answers.iter().any(|x| x == id)) {
        Some(a) => {
            out.push(format!(
                "最後の記録(定期作業「{}」): {} {} {}{}",
                a.task,
                jst(a.at),
                a.by,
                if a.done { "実施" } else { "未実施" },
                if a.note.is_empty() {
                    String::new()
                } else {
                    format!(" — {}", a.note)
                }
            ));
            if a.overdue {
                out.push("期限を過ぎています。もう一度行い、記録してください".to_string());
            }
        }
        None => {
            out.push("回答の記録はまだありません(管理画面「定期作業」で記録します)".to_string())
        }
    }
    out
}
