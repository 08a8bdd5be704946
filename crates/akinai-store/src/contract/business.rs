//! Contract cases: a member's business application, one open at a time, decided once, and the
//! approved company the member then buys for.

use super::*;
use akinai_domain::business::{CompanyStatus, NewCompany};
use akinai_domain::price_rules_input::NewGroup;

fn company(name: &str) -> NewCompany {
    NewCompany {
        name: name.into(),
        department: "購買部".into(),
        invoice_number: akinai_domain::invoice::RegistrationNumber::parse("T1234567890123").ok(),
    }
}

pub(super) async fn business_applications_are_one_at_a_time_and_decided_once(
    store: Arc<dyn Store>,
) {
    let s = store.as_ref();
    let hanako = s
        .create_customer(&accounts::new_customer("hanako@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let jiro = s
        .create_customer(&accounts::new_customer("jiro@example.jp"))
        .await
        .unwrap()
        .unwrap();
    let houjin = s
        .save_customer_group(
            None,
            &NewGroup {
                name: "法人".into(),
                discount_percent: 0,
                tax_exclusive: true,
            },
            t0(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.company_of(hanako).await.unwrap(), None);
    let first = s
        .apply_business(hanako, &company("株式会社あきない"), t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        s.apply_business(hanako, &company("二重"), t0())
            .await
            .unwrap(),
        None,
        "one open application per member"
    );
    let turned_down = s
        .apply_business(jiro, &company("次郎商店"), t0())
        .await
        .unwrap()
        .unwrap();
    let listed = s.companies(10).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|c| c.status == CompanyStatus::Pending));

    assert!(s
        .decide_company(first, true, Some(houjin), "admin:1", t0())
        .await
        .unwrap());
    assert!(
        !s.decide_company(first, false, None, "admin:2", t0())
            .await
            .unwrap(),
        "decided once"
    );
    let c = s.company_of(hanako).await.unwrap().unwrap();
    assert_eq!(
        (c.id, c.status, c.group, c.decided_by.as_deref()),
        (
            first,
            CompanyStatus::Approved,
            Some(houjin),
            Some("admin:1")
        )
    );
    assert_eq!(c.invoice_number.as_deref(), Some("T1234567890123"));
    assert_eq!(c.decided_at, Some(t0()));
    assert_eq!(s.group_of(hanako).await.unwrap().unwrap().id, houjin);

    assert!(s
        .decide_company(turned_down, false, Some(houjin), "admin:1", t0())
        .await
        .unwrap());
    let r = s.company(turned_down).await.unwrap().unwrap();
    assert_eq!((r.status, r.group), (CompanyStatus::Rejected, None));
    assert_eq!(
        s.group_of(jiro).await.unwrap(),
        None,
        "no group when turned down"
    );
    // Turned down, the member may apply again; the newest application is theirs.
    let again = s
        .apply_business(jiro, &company("次郎商店"), t0())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.company_of(jiro).await.unwrap().unwrap().id, again);
    // Pending first in the list.
    assert_eq!(s.companies(10).await.unwrap()[0].id, again);
    assert_eq!(
        s.companies(10).await.unwrap()[0].applicant_email,
        "jiro@example.jp"
    );

    // Invoice terms and a credit limit only for an approved company (ADR 050).
    let terms = akinai_domain::receivables::CreditTerms {
        terms: akinai_domain::receivables::PaymentTerms {
            closing: akinai_domain::receivables::MonthDay::Day(20),
            months_after: 1,
            pay_day: akinai_domain::receivables::MonthDay::EndOfMonth,
        },
        credit_limit: Some(Yen(500_000)),
    };
    assert!(
        !s.set_company_terms(again, &terms).await.unwrap(),
        "pending"
    );
    assert!(s.set_company_terms(first, &terms).await.unwrap());
    let c = s.company(first).await.unwrap().unwrap();
    assert_eq!(
        (c.terms, c.credit_limit),
        (Some(terms.terms), Some(Yen(500_000)))
    );
    let off = akinai_domain::receivables::CreditTerms {
        credit_limit: None,
        ..terms
    };
    assert!(s.set_company_terms(first, &off).await.unwrap());
    assert_eq!(s.company(first).await.unwrap().unwrap().credit_limit, None);
}
