//! Storage side of the incident register (operations issue, item 4): incidents with what they
//! affect and when the shop found out, the actions taken, and the closing record. Append-only:
//! an incident is closed, never deleted or edited.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use akinai_domain::ids::IncidentId;
use akinai_domain::incident::IncidentKind;

use crate::StoreResult;

/// An incident as opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewIncident {
    pub kind: IncidentKind,
    /// What is affected (pages, data, how many customers), in the opener's words.
    pub affected: String,
    /// Whether personal data may have leaked (APPI's reports are due then).
    pub personal_data: bool,
    /// When the shop found out.
    pub found_at: DateTime<Utc>,
    pub opened_at: DateTime<Utc>,
    pub opened_by: String,
}

/// An incident in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: IncidentId,
    pub opened: NewIncident,
    /// When, by whom and with which record it was closed.
    pub closed: Option<(DateTime<Utc>, String, String)>,
}

/// One action taken on an incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentAction {
    pub at: DateTime<Utc>,
    pub by: String,
    pub text: String,
}

#[async_trait]
pub trait IncidentStore: Send + Sync {
    async fn open_incident(&self, incident: &NewIncident) -> StoreResult<IncidentId>;
    /// Newest first.
    async fn incidents(&self, limit: u32) -> StoreResult<Vec<Incident>>;
    async fn incident(&self, id: IncidentId) -> StoreResult<Option<Incident>>;
    /// Oldest first.
    async fn incident_actions(&self, id: IncidentId) -> StoreResult<Vec<IncidentAction>>;
    /// False when the incident does not exist or is closed.
    async fn add_incident_action(
        &self,
        id: IncidentId,
        action: &IncidentAction,
    ) -> StoreResult<bool>;
    /// False when the incident does not exist or is closed already.
    async fn close_incident(
        &self,
        id: IncidentId,
        at: DateTime<Utc>,
        by: &str,
        record: &str,
    ) -> StoreResult<bool>;
}
