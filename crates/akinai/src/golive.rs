//! `akinai golive …` and the gate of `akinai serve` (issue #22, item 5; ADR 044). A production
//! start runs the self-assessment first, prints what still fails and refuses while a blocking
//! failure has no exception; `golive status` shows the same verdict without starting,
//! `golive diagnosis` records the vulnerability diagnosis done before going live (IPA-C-3) and
//! `golive exception` / `golive withdraw` record an owner's exception (or take it back). Records
//! need the address of an enrolled owner (`--by`) and are audited.

use akinai_domain::selfcheck::gate::DiagnosisForm;

use crate::config::{Config, Mode};

/// `akinai golive …`.
#[derive(Debug, clap::Subcommand)]
pub enum GoliveCommand {
    /// The go-live verdict: what the self-assessment still fails and which failures stop a
    /// production start (exit status 1 while one does).
    Status,
    /// Records the vulnerability diagnosis done before going live (IPA-C-3).
    Diagnosis {
        /// The day it was done, YYYY-MM-DD.
        #[arg(long, value_name = "YYYY-MM-DD")]
        date: String,
        /// Who did it (a company or a person).
        #[arg(long, value_name = "NAME")]
        performer: String,
        /// The tool (e.g. "OWASP ZAP 2.16").
        #[arg(long, value_name = "TOOL")]
        tool: String,
        /// What it found (「指摘なし」 if nothing).
        #[arg(long, value_name = "TEXT")]
        findings: String,
        /// What was fixed (「修正なし」 if nothing).
        #[arg(long, value_name = "TEXT")]
        fixes: String,
        /// The e-mail address of the enrolled owner who records it.
        #[arg(long, value_name = "OWNER_EMAIL")]
        by: String,
    },
    /// Records the owner's exception to a blocking failure: the shop may go live with it.
    Exception {
        /// The requirement's ID (e.g. IPA-C-9).
        #[arg(long, value_name = "ID")]
        requirement: String,
        /// Why it is not fixed before going live, and until when.
        #[arg(long, value_name = "TEXT")]
        reason: String,
        /// The e-mail address of the enrolled owner who records it.
        #[arg(long, value_name = "OWNER_EMAIL")]
        by: String,
    },
    /// Withdraws an exception.
    Withdraw {
        #[arg(long, value_name = "ID")]
        requirement: String,
        #[arg(long, value_name = "OWNER_EMAIL")]
        by: String,
    },
}

/// Runs a `golive` command; `Ok(false)` when `status` finds the gate closed.
pub async fn run(config: &Config, command: GoliveCommand) -> anyhow::Result<bool> {
    let shop = crate::build_shop(config).await?;
    let golive = shop.golive();
    match command {
        GoliveCommand::Status => {
            let (_, gate) = golive.gate(crate::selfcheck::deployment(config)).await?;
            print!("{}", gate.text_ja());
            if config.mode != Mode::Production {
                println!("(開発モードです。本番モードで起動するときにこの判定が使われます)");
            }
            return Ok(gate.open());
        }
        GoliveCommand::Diagnosis {
            date,
            performer,
            tool,
            findings,
            fixes,
            by,
        } => {
            let form = DiagnosisForm {
                performed_on: date,
                performer,
                tool,
                findings,
                fixes,
            };
            golive.record_diagnosis_as_owner(&by, &form).await?;
            println!("脆弱性診断を記録しました(IPA-C-3)。");
        }
        GoliveCommand::Exception {
            requirement,
            reason,
            by,
        } => {
            golive
                .record_exception_as_owner(&by, &requirement, &reason)
                .await?;
            println!("{requirement} の例外を記録しました。");
        }
        GoliveCommand::Withdraw { requirement, by } => {
            golive
                .withdraw_exception_as_owner(&by, &requirement)
                .await?;
            println!("{requirement} の例外を取り下げました。");
        }
    }
    Ok(true)
}

/// The gate of a production start: prints every failure and refuses while a blocking one has no
/// exception. Development mode (and the demo) start without it.
pub async fn before_serving(config: &Config, shop: &akinai_core::Shop) -> anyhow::Result<()> {
    if config.mode != Mode::Production {
        return Ok(());
    }
    let (_, gate) = shop
        .golive()
        .gate(crate::selfcheck::deployment(config))
        .await?;
    if !gate.failing.is_empty() {
        eprint!("{}", gate.text_ja());
    }
    for b in gate.blockers.iter().filter(|b| b.exception.is_some()) {
        tracing::warn!(
            requirement = %b.row.id,
            "starting in production with the owner's exception to a blocking failure"
        );
    }
    anyhow::ensure!(
        gate.open(),
        "本番モードで起動できません: 公開を止める要対応が {} 件あります(上の一覧)。直すか、オーナーが `akinai golive exception` で理由を付けて例外を記録してください。試すだけなら mode = \"development\" か serve --demo で起動できます。",
        gate.refusing().count()
    );
    Ok(())
}
