//! The incident register (operations issue, item 4; IPA-M-5, JP-APPI-3): an owner opens an
//! incident (kind, what is affected, whether personal data may have leaked, when the shop found
//! out), records each action taken, and closes it with a record; while personal data is involved
//! the register shows the clock of APPI's reports (`akinai_domain::incident`). Every step is
//! audited; nothing is deleted. The export is a plain-text account for the report to the
//! Personal Information Protection Commission.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use akinai_domain::address::FieldError;
use akinai_domain::admin::ManageSecurity;
use akinai_domain::ids::IncidentId;
use akinai_domain::incident::{report_deadlines, IncidentKind, ReportDeadlines};
use akinai_store::incidents::{Incident, IncidentAction, IncidentStore, NewIncident};

use crate::accounts::Client;
use crate::admin::Authorized;
use crate::audit::AuditContext;
use crate::clock::{jst, jst_local};
use crate::{Audit, Base, CoreError};

/// Longest description of what is affected, of an action and of the closing record.
pub const TEXT_MAX: usize = 4000;

/// What the open form sends.
#[derive(Debug, Clone, Default)]
pub struct IncidentForm {
    pub kind: String,
    pub affected: String,
    pub personal_data: bool,
    /// `YYYY-MM-DDTHH:MM`, Japan time.
    pub found_at: String,
}

/// An incident with its report deadlines and actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentView {
    pub incident: Incident,
    pub deadlines: Option<ReportDeadlines>,
    pub actions: Vec<IncidentAction>,
}

/// The register's use cases.
#[derive(Clone)]
pub struct Incidents {
    pub(crate) base: Base,
    pub(crate) incident_store: Arc<dyn IncidentStore>,
    pub(crate) audit: Audit,
}

fn text(field: &'static str, value: &str, required: bool) -> Result<String, CoreError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(CoreError::InvalidFields(vec![(
            field,
            FieldError::Required,
        )]));
    }
    if value.chars().count() > TEXT_MAX {
        return Err(CoreError::InvalidFields(vec![(
            field,
            FieldError::TooLong(TEXT_MAX),
        )]));
    }
    Ok(value.to_string())
}

pub(crate) fn who(
    by: &Authorized<ManageSecurity>,
    client: &Client,
) -> Result<(AuditContext, String), CoreError> {
    let s = by.admin()?;
    Ok((
        AuditContext::admin(s.admin.id, client),
        format!("{} (admin:{})", s.admin.name, s.admin.id),
    ))
}

impl Incidents {
    /// The shop's clock, against which the report deadlines count down.
    pub fn now(&self) -> DateTime<Utc> {
        self.base.clock.now()
    }

    /// Opens an incident; the APPI clock starts at `found_at`, which cannot be in the future.
    pub async fn open(
        &self,
        by: &Authorized<ManageSecurity>,
        form: &IncidentForm,
        client: &Client,
    ) -> Result<IncidentId, CoreError> {
        let now = self.base.clock.now();
        let kind = IncidentKind::parse(&form.kind).ok_or(CoreError::InvalidFields(vec![(
            "kind",
            FieldError::Required,
        )]))?;
        let affected = text("affected", &form.affected, true)?;
        let found_at =
            jst_local(&form.found_at)
                .filter(|t| *t <= now)
                .ok_or(CoreError::InvalidFields(vec![(
                    "found_at",
                    FieldError::Invalid,
                )]))?;
        let (context, name) = who(by, client)?;
        let incident = NewIncident {
            kind,
            affected,
            personal_data: form.personal_data,
            found_at,
            opened_at: now,
            opened_by: name,
        };
        let id = self.incident_store.open_incident(&incident).await?;
        self.audit
            .record(
                &context,
                "incident.open",
                &format!("incident:{id}"),
                serde_json::json!({
                    "kind": kind.as_str(),
                    "personal_data": incident.personal_data,
                    "found_at": found_at,
                }),
            )
            .await?;
        Ok(id)
    }

    /// The register, newest first, with each incident's deadlines.
    pub async fn list(
        &self,
        _by: &Authorized<ManageSecurity>,
    ) -> Result<Vec<(Incident, Option<ReportDeadlines>)>, CoreError> {
        let incidents = self.incident_store.incidents(500).await?;
        Ok(incidents
            .into_iter()
            .map(|i| {
                let d = report_deadlines(i.opened.kind, i.opened.personal_data, i.opened.found_at);
                (i, d)
            })
            .collect())
    }

    pub async fn view(
        &self,
        _by: &Authorized<ManageSecurity>,
        id: IncidentId,
    ) -> Result<IncidentView, CoreError> {
        let incident = self
            .incident_store
            .incident(id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let o = &incident.opened;
        Ok(IncidentView {
            deadlines: report_deadlines(o.kind, o.personal_data, o.found_at),
            actions: self.incident_store.incident_actions(id).await?,
            incident,
        })
    }

    /// Records an action taken; refused on a closed incident.
    pub async fn add_action(
        &self,
        by: &Authorized<ManageSecurity>,
        id: IncidentId,
        action: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let action = text("action", action, true)?;
        let (context, name) = who(by, client)?;
        let entry = IncidentAction {
            at: self.base.clock.now(),
            by: name,
            text: action,
        };
        if !self.incident_store.add_incident_action(id, &entry).await? {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &context,
                "incident.action",
                &format!("incident:{id}"),
                serde_json::json!({ "action": entry.text }),
            )
            .await?;
        Ok(())
    }

    /// Closes the incident with its record (cause, what was done, what changes).
    pub async fn close(
        &self,
        by: &Authorized<ManageSecurity>,
        id: IncidentId,
        record: &str,
        client: &Client,
    ) -> Result<(), CoreError> {
        let record = text("record", record, true)?;
        let (context, name) = who(by, client)?;
        let now = self.base.clock.now();
        if !self
            .incident_store
            .close_incident(id, now, &name, &record)
            .await?
        {
            return Err(CoreError::NotFound);
        }
        self.audit
            .record(
                &context,
                "incident.close",
                &format!("incident:{id}"),
                serde_json::json!({ "record": record }),
            )
            .await?;
        Ok(())
    }

    /// A plain-text account of the incident for the report to the PPC.
    pub async fn export(
        &self,
        by: &Authorized<ManageSecurity>,
        id: IncidentId,
    ) -> Result<String, CoreError> {
        let view = self.view(by, id).await?;
        Ok(report_text(&view, &self.base.settings().await?.shop_name))
    }
}

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&jst()).format("%Y-%m-%d %H:%M").to_string()
}

/// The export's text: every fact of the register in the order a report asks for them.
fn report_text(view: &IncidentView, shop: &str) -> String {
    let i = &view.incident;
    let o = &i.opened;
    let mut out = String::new();
    let _ = writeln!(out, "インシデント記録 #{}({shop})", i.id);
    let _ = writeln!(out, "種類: {}", o.kind.label());
    let _ = writeln!(out, "発覚(把握)日時: {}(日本時間)", local(o.found_at));
    let _ = writeln!(out, "登録: {} {}", local(o.opened_at), o.opened_by);
    let _ = writeln!(
        out,
        "個人データの漏えい等のおそれ: {}",
        if o.personal_data { "あり" } else { "なし" }
    );
    if let Some(d) = &view.deadlines {
        let _ = writeln!(
            out,
            "報告期限(個人情報保護委員会): 速報 {} ごろまで(速やかに)/確報 {} まで({} 日以内)",
            local(d.preliminary),
            local(d.final_report),
            d.final_days
        );
    }
    let _ = writeln!(out, "\n影響の範囲:\n{}", o.affected);
    let _ = writeln!(out, "\n対応の経過:");
    if view.actions.is_empty() {
        let _ = writeln!(out, "(記録なし)");
    }
    for a in &view.actions {
        let _ = writeln!(out, "- {} {}: {}", local(a.at), a.by, a.text);
    }
    match &i.closed {
        Some((at, by, record)) => {
            let _ = writeln!(out, "\n終了: {} {}\n{}", local(*at), by, record);
        }
        None => {
            let _ = writeln!(out, "\n状態: 対応中");
        }
    }
    out
}
