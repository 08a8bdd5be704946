//! Contract case for the incident register.

use std::sync::Arc;

use chrono::Duration;

use akinai_domain::incident::IncidentKind;

use super::t0;
use crate::incidents::{IncidentAction, NewIncident};
use crate::Store;

pub(super) async fn incidents_keep_actions_in_order_and_close_once(store: Arc<dyn Store>) {
    let opened = NewIncident {
        kind: IncidentKind::Tampering,
        affected: "購入手続きのページ".into(),
        personal_data: true,
        found_at: t0() - Duration::hours(3),
        opened_at: t0(),
        opened_by: "admin:1".into(),
    };
    let id = store.open_incident(&opened).await.unwrap();
    let other = store
        .open_incident(&NewIncident {
            kind: IncidentKind::Outage,
            personal_data: false,
            ..opened.clone()
        })
        .await
        .unwrap();
    let listed = store.incidents(10).await.unwrap();
    assert_eq!(
        listed.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![other, id]
    );
    assert_eq!(store.incident(id).await.unwrap().unwrap().opened, opened);

    for (minutes, text) in [
        (20, "メンテナンスに切り替えた"),
        (10, "テーマを承認し直した"),
    ] {
        let action = IncidentAction {
            at: t0() + Duration::minutes(minutes),
            by: "admin:1".into(),
            text: text.into(),
        };
        assert!(store.add_incident_action(id, &action).await.unwrap());
    }
    let actions = store.incident_actions(id).await.unwrap();
    assert_eq!(actions[0].text, "テーマを承認し直した", "oldest first");
    assert!(store
        .close_incident(id, t0() + Duration::days(1), "admin:1", "原因と対策")
        .await
        .unwrap());
    assert!(!store
        .close_incident(id, t0() + Duration::days(2), "admin:2", "again")
        .await
        .unwrap());
    let closed = store.incident(id).await.unwrap().unwrap().closed.unwrap();
    assert_eq!(closed.1, "admin:1");
    assert_eq!(closed.2, "原因と対策");
    let late = IncidentAction {
        at: t0() + Duration::days(3),
        by: "admin:1".into(),
        text: "after closing".into(),
    };
    assert!(!store.add_incident_action(id, &late).await.unwrap());
    assert!(store
        .incident(akinai_domain::ids::IncidentId(9999))
        .await
        .unwrap()
        .is_none());
}
