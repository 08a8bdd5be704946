//! Contract cases: a company's further members join by invitation once, within its days and
//! only when in no company yet; orders over the approval amount are listed for the company only;
//! addresses are shared with the member's own company only (ADR 051, SWS-11).

use super::*;
use crate::business::NewInvite;
use crate::AddressSaved;
use akinai_domain::business::{CompanyRole, MemberChange, NewCompany};
use akinai_domain::ids::{CompanyId, CustomerId};
use akinai_domain::price_rules_input::NewGroup;

pub(super) async fn approved(s: &dyn Store, email: &str, name: &str) -> (CustomerId, CompanyId) {
    let admin = s
        .create_customer(&accounts::new_customer(email))
        .await
        .unwrap()
        .unwrap();
    let company = s
        .apply_business(
            admin,
            &NewCompany {
                name: name.into(),
                department: "購買部".into(),
                invoice_number: None,
            },
            t0(),
        )
        .await
        .unwrap()
        .unwrap();
    assert!(s
        .decide_company(company, true, None, "admin:1", t0())
        .await
        .unwrap());
    (admin, company)
}

fn invite(company: CompanyId, by: CustomerId, n: u64, role: CompanyRole) -> NewInvite {
    NewInvite {
        company,
        token: token(9_000 + n),
        link_nonce: format!("nonce{n}"),
        email: format!("buyer{n}@example.jp"),
        role,
        invited_by: by,
        created_at: t0(),
        expires_at: t0() + Duration::days(7),
    }
}

pub(super) async fn sws_11_members_join_by_invitation_once_and_see_their_company_only(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let (admin, company) = approved(s, "admin@akinai.example", "株式会社あきない").await;
    let (other_admin, other) = approved(s, "admin@other.example", "他社").await;
    let (_, role) = s.membership(admin).await.unwrap().unwrap();
    assert_eq!(role, CompanyRole::Admin);

    let buyer = s
        .create_customer(&accounts::new_customer("buyer1@example.jp"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.membership(buyer).await.unwrap(), None);
    let id = s
        .create_invite(&invite(company, admin, 1, CompanyRole::Buyer))
        .await
        .unwrap();
    let found = s.invite_by_token(&token(9_001)).await.unwrap().unwrap();
    assert_eq!(
        (found.id, found.company, found.role),
        (id, company, CompanyRole::Buyer)
    );
    assert_eq!(
        s.invite(id).await.unwrap().unwrap().email,
        "buyer1@example.jp"
    );
    // Expired: refused, nothing written.
    let late = t0() + Duration::days(8);
    assert!(!s.accept_invite(&token(9_001), buyer, late).await.unwrap());
    assert_eq!(s.membership(buyer).await.unwrap(), None);
    assert!(s.accept_invite(&token(9_001), buyer, t0()).await.unwrap());
    let (joined, role) = s.membership(buyer).await.unwrap().unwrap();
    assert_eq!((joined.id, role), (company, CompanyRole::Buyer));
    assert!(
        !s.accept_invite(&token(9_001), buyer, t0()).await.unwrap(),
        "once"
    );
    assert!(s.company_invites(company).await.unwrap()[0]
        .accepted_at
        .is_some());
    assert!(s.company_invites(other).await.unwrap().is_empty());

    // A member of a company cannot join another; the invitation stays open.
    s.create_invite(&invite(other, other_admin, 2, CompanyRole::Approver))
        .await
        .unwrap();
    assert!(!s.accept_invite(&token(9_002), buyer, t0()).await.unwrap());
    assert!(s
        .invite_by_token(&token(9_002))
        .await
        .unwrap()
        .unwrap()
        .accepted_at
        .is_none());
    let members = s.company_members(company).await.unwrap();
    let roles: Vec<CompanyRole> = members.iter().map(|m| m.role).collect();
    assert_eq!(roles, [CompanyRole::Admin, CompanyRole::Buyer]);

    // The approval amount, and the held orders of the company's members only.
    assert!(s
        .set_approval_over(company, Some(Yen(10_000)))
        .await
        .unwrap());
    assert_eq!(
        s.company(company).await.unwrap().unwrap().approval_over,
        Some(Yen(10_000))
    );
    let (_, ids) = seed(s, &[("A", "", 20_000, 10)]).await;
    let mut held = new_order(s, 1, &[(ids[0].1, 1)]).await;
    held.customer_id = Some(buyer);
    held.review_reason = Some("company_approval".into());
    let held = s.place_order(&held).await.unwrap().id;
    let mut elsewhere = new_order(s, 2, &[(ids[0].1, 1)]).await;
    elsewhere.customer_id = Some(other_admin);
    elsewhere.review_reason = Some("company_approval".into());
    s.place_order(&elsewhere).await.unwrap();
    assert_eq!(
        s.orders_awaiting_approval(company).await.unwrap(),
        vec![held]
    );
    assert!(s.clear_review_flag(held, "customer:1", t0()).await.unwrap());
    assert!(s
        .orders_awaiting_approval(company)
        .await
        .unwrap()
        .is_empty());

    // Shared addresses: the sharer's colleagues see them, another company does not.
    let address = match s
        .save_address(admin, None, &member::recipient("1-2-3"), t0(), 10)
        .await
        .unwrap()
    {
        AddressSaved::Saved(id) => id,
        other => panic!("{other:?}"),
    };
    assert!(s.shared_addresses(company, buyer).await.unwrap().is_empty());
    assert!(
        !s.share_address(buyer, address, true).await.unwrap(),
        "not theirs"
    );
    assert!(s.share_address(admin, address, true).await.unwrap());
    let shared = s.shared_addresses(company, buyer).await.unwrap();
    assert_eq!(
        (shared.len(), shared[0].id, shared[0].shared),
        (1, address, true)
    );
    assert!(
        s.shared_addresses(company, admin).await.unwrap().is_empty(),
        "own book"
    );
    assert!(s
        .shared_addresses(other, other_admin)
        .await
        .unwrap()
        .is_empty());
    assert!(s.share_address(admin, address, false).await.unwrap());
    assert!(s.shared_addresses(company, buyer).await.unwrap().is_empty());
}

/// The admin changes a member's part and takes them out of the company: only a non-admin member of
/// its own company; removal clears the company, the role and the company's group (another group
/// stays) and unshares the member's addresses.
pub(super) async fn sws_11_an_admin_changes_and_removes_its_own_members_only(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let group = NewGroup {
        name: "法人".into(),
        discount_percent: 10,
        tax_exclusive: false,
    };
    let houjin = s
        .save_customer_group(None, &group, t0())
        .await
        .unwrap()
        .unwrap();
    let admin = s
        .create_customer(&accounts::new_customer("admin@akinai.example"))
        .await
        .unwrap()
        .unwrap();
    let new_company = NewCompany {
        name: "株式会社あきない".into(),
        department: String::new(),
        invoice_number: None,
    };
    let company = s
        .apply_business(admin, &new_company, t0())
        .await
        .unwrap()
        .unwrap();
    assert!(s
        .decide_company(company, true, Some(houjin), "admin:1", t0())
        .await
        .unwrap());
    let (other_admin, other) = approved(s, "admin@other.example", "他社").await;
    let buyer = s
        .create_customer(&accounts::new_customer("buyer1@example.jp"))
        .await
        .unwrap()
        .unwrap();
    s.create_invite(&invite(company, admin, 1, CompanyRole::Buyer))
        .await
        .unwrap();
    assert!(s.accept_invite(&token(9_001), buyer, t0()).await.unwrap());
    assert_eq!(s.group_of(buyer).await.unwrap().unwrap().id, houjin);

    let approver = MemberChange::Role(CompanyRole::Approver);
    assert!(
        !s.change_company_member(other, buyer, approver)
            .await
            .unwrap(),
        "another company's member"
    );
    for change in [MemberChange::Role(CompanyRole::Buyer), MemberChange::Remove] {
        assert!(
            !s.change_company_member(company, admin, change)
                .await
                .unwrap(),
            "never the admin"
        );
    }
    assert!(!s
        .change_company_member(other, other_admin, MemberChange::Remove)
        .await
        .unwrap());
    assert!(s
        .change_company_member(company, buyer, approver)
        .await
        .unwrap());
    assert_eq!(
        s.membership(buyer).await.unwrap().unwrap().1,
        CompanyRole::Approver
    );

    let address = match s
        .save_address(buyer, None, &member::recipient("4-5-6"), t0(), 10)
        .await
        .unwrap()
    {
        AddressSaved::Saved(id) => id,
        other => panic!("{other:?}"),
    };
    assert!(s.share_address(buyer, address, true).await.unwrap());
    assert_eq!(s.shared_addresses(company, admin).await.unwrap().len(), 1);
    assert!(s
        .change_company_member(company, buyer, MemberChange::Remove)
        .await
        .unwrap());
    assert_eq!(s.membership(buyer).await.unwrap(), None);
    assert_eq!(
        s.group_of(buyer).await.unwrap(),
        None,
        "the company's group left"
    );
    assert!(s.shared_addresses(company, admin).await.unwrap().is_empty());
    assert!(
        !s.change_company_member(company, buyer, MemberChange::Remove)
            .await
            .unwrap(),
        "once"
    );
    assert_eq!(s.company_members(company).await.unwrap().len(), 1);
    assert_eq!(
        s.membership(admin).await.unwrap().unwrap().1,
        CompanyRole::Admin
    );

    // A member of another group keeps it when taken out (only the company's group is left).
    let oroshi = NewGroup {
        name: "卸".into(),
        ..group
    };
    let oroshi = s
        .save_customer_group(None, &oroshi, t0())
        .await
        .unwrap()
        .unwrap();
    let second = s
        .create_customer(&accounts::new_customer("buyer2@example.jp"))
        .await
        .unwrap()
        .unwrap();
    s.create_invite(&invite(company, admin, 2, CompanyRole::Buyer))
        .await
        .unwrap();
    assert!(s.accept_invite(&token(9_002), second, t0()).await.unwrap());
    assert!(s.set_customer_group(second, Some(oroshi)).await.unwrap());
    assert!(s
        .change_company_member(company, second, MemberChange::Remove)
        .await
        .unwrap());
    assert_eq!(s.group_of(second).await.unwrap().unwrap().id, oroshi);
}
