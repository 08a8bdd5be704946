//! Contract cases for issued documents (JP-INV-4): one original per order and kind, kept as
//! issued.

use std::sync::Arc;

use chrono::Duration;

use akinai_domain::documents::DocumentKind;

use super::{new_order, seed, t0};
use crate::documents::{Logo, NewDocument};
use crate::Store;

pub(super) async fn jp_inv_4_an_order_keeps_one_original_invoice_as_issued(store: Arc<dyn Store>) {
    let (_, ids) = seed(store.as_ref(), &[("A", "", 1000, 50)]).await;
    let sku = ids[0].1;
    let a = store
        .place_order(&new_order(store.as_ref(), 1, &[(sku, 2)]).await)
        .await
        .unwrap()
        .id;
    let b = store
        .place_order(&new_order(store.as_ref(), 2, &[(sku, 1)]).await)
        .await
        .unwrap()
        .id;
    assert!(store.order_documents(a).await.unwrap().is_empty());
    let first = NewDocument {
        order_id: a,
        kind: DocumentKind::Invoice,
        issued_at: t0() + Duration::hours(1),
        issued_by: "customer".into(),
        content: r#"{"say":"first"}"#.into(),
        corrects: None,
    };
    let kept = store.issue_document(&first).await.unwrap();
    assert_eq!(kept.issued, first);
    // A second request (another tab, another node, staff) gets the one issued before.
    let again = store
        .issue_document(&NewDocument {
            issued_at: t0() + Duration::hours(2),
            issued_by: "staff".into(),
            content: r#"{"say":"second"}"#.into(),
            ..first.clone()
        })
        .await
        .unwrap();
    assert_eq!(again, kept);
    // Another order and another kind are documents of their own, numbered after.
    let other = store
        .issue_document(&NewDocument {
            order_id: b,
            ..first.clone()
        })
        .await
        .unwrap();
    assert!(other.id.0 > kept.id.0);
    let slip = store
        .issue_document(&NewDocument {
            kind: DocumentKind::DeliverySlip,
            ..first.clone()
        })
        .await
        .unwrap();
    assert_ne!(slip.id, kept.id);
    // A correction is a new document naming the one it corrects; the original stays.
    let correction = store
        .issue_document(&NewDocument {
            content: r#"{"say":"corrected"}"#.into(),
            corrects: Some(kept.id),
            ..first.clone()
        })
        .await
        .unwrap();
    assert!(correction.id.0 > slip.id.0);
    assert_eq!(correction.issued.corrects, Some(kept.id));
    let listed = store.order_documents(a).await.unwrap();
    assert_eq!(listed, vec![kept, slip, correction]);
    assert_eq!(store.order_documents(b).await.unwrap(), vec![other]);
}

pub(super) async fn jp_inv_4_logo_versions_are_kept_by_their_hash(store: Arc<dyn Store>) {
    let logo = Logo {
        hash: "ab".repeat(32),
        content_type: "image/png".into(),
        width: 320,
        height: 80,
        bytes: vec![0x89, b'P', b'N', b'G', 0, 1, 2, 255],
        uploaded_at: t0(),
    };
    assert_eq!(store.logo(&logo.hash).await.unwrap(), None);
    store.add_logo(&logo).await.unwrap();
    // The same version uploaded again is left as it was kept.
    store
        .add_logo(&Logo {
            uploaded_at: t0() + Duration::days(1),
            ..logo.clone()
        })
        .await
        .unwrap();
    assert_eq!(store.logo(&logo.hash).await.unwrap(), Some(logo.clone()));
    let other = Logo {
        hash: "cd".repeat(32),
        content_type: "image/jpeg".into(),
        bytes: vec![0xff, 0xd8, 0xff],
        ..logo.clone()
    };
    store.add_logo(&other).await.unwrap();
    assert_eq!(store.logo(&other.hash).await.unwrap(), Some(other));
    assert_eq!(store.logo(&logo.hash).await.unwrap(), Some(logo));
}
