//! Consent and referrals: nothing shared without consent, only its categories, ended on withdrawal; the inbox page accepts and declines.
//! (Split by capability from the former tests/web.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

// ---------- consent ledger and referrals ----------

#[tokio::test]
async fn referrals_need_consent_share_only_its_categories_and_end_on_withdrawal() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let me_b = t.call("GET", "/api/v1/me", Some(&cm_b), None).await.json();
    let org_b = me_b["org_id"].as_str().unwrap().to_owned();
    let case = t.create(&cm_a, vietnamese()).await;
    let id = case["id"].as_str().unwrap();
    let referral = json!({"to_org_id": org_b, "service": "shelter", "categories": ["health", "accommodation"], "urgency": "urgent"});

    // Without consent: refused, clearly.
    let refused = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/referrals"),
            Some(&cm_a),
            Some(referral.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert_eq!(refused.json()["code"], "consent_missing");

    // Bad consents are refused and change nothing.
    for bad in [
        json!({"purpose": "service_referral", "categories": ["health"]}),
        json!({"purpose": "gossip", "recipient_org_id": org_b, "categories": ["health"]}),
        json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["shoe_size"]}),
        json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health"], "expires_on": "2020-01-01"}),
    ] {
        let a = t
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/consents"),
                Some(&cm_a),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}: {}", a.text());
    }
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/cases/{id}/consents"),
            Some(&cm_a),
            None
        )
        .await
        .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Consent for health only does not cover accommodation.
    let health = t.call("POST", &format!("/api/v1/cases/{id}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health"]}))).await;
    assert_eq!(health.status, StatusCode::CREATED, "{}", health.text());
    let partial = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/referrals"),
            Some(&cm_a),
            Some(referral.clone()),
        )
        .await;
    assert_eq!(partial.json()["code"], "consent_categories_not_covered");
    assert!(
        partial.json()["message"]
            .as_str()
            .unwrap()
            .contains("accommodation")
    );

    let consent = t.call("POST", &format!("/api/v1/cases/{id}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health", "accommodation", "identity"], "expires_on": "2099-12-31"}))).await;
    assert_eq!(consent.status, StatusCode::CREATED);
    let consent_id = consent.json()["id"].as_str().unwrap().to_owned();
    let sent = t.call("POST", &format!("/api/v1/cases/{id}/referrals"), Some(&cm_a), Some(json!({"to_org_id": org_b, "service": "shelter", "categories": ["health", "accommodation"], "urgency": "urgent"}))).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
    let rid = sent.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(sent.json()["state"], "pending");

    // B's focal point sees it in the inbox, but not the case until accepting.
    let inbox = t
        .call("GET", "/api/v1/referrals?box=inbox", Some(&cm_b), None)
        .await
        .json();
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == rid.as_str())
    );
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The sender may not accept its own referral.
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/referrals/{rid}/accept"),
            Some(&cm_a),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let accepted = t
        .call(
            "POST",
            &format!("/api/v1/referrals/{rid}/accept"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    assert_eq!(accepted.json()["state"], "accepted");
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/referrals/{rid}/accept"),
            Some(&cm_b),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    // Only the shared categories: no name (identity was consented but not referred), no contact, no notes.
    let seen = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text());
    let seen_text = seen.text();
    assert!(
        !seen_text.contains("Hoa")
            && !seen_text.contains("+84")
            && !seen_text.contains("Synthetic test note"),
        "{seen_text}"
    );
    assert_eq!(
        seen.json()["shared_categories"],
        json!(["health", "accommodation"])
    );
    // Not in B's case list, and B cannot change it.
    assert!(
        !t.call("GET", "/api/v1/cases", Some(&cm_b), None)
            .await
            .text()
            .contains(id)
    );
    assert_eq!(
        t.call(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            Some(&cm_b),
            Some(json!({"status": "closed"}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Withdrawal takes effect at once: the referral ends and B loses access.
    let w = t
        .call(
            "POST",
            &format!("/api/v1/consents/{consent_id}/withdraw"),
            Some(&cm_a),
            None,
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    assert_eq!(w.json()["effective"], false);
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/consents/{consent_id}/withdraw"),
            Some(&cm_a),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let after = t
        .call(
            "GET",
            &format!("/api/v1/referrals/{rid}"),
            Some(&cm_b),
            None,
        )
        .await
        .json();
    assert_eq!(after["state"], "consent_withdrawn");
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let trail = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/audit"),
            Some(&t.login("demo-coordinator").await),
            None,
        )
        .await
        .json();
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "consent.withdraw"
                && e["detail"].as_str().unwrap().contains(&rid))
    );

    // Revocation by the sender also ends access; a stranger sees nothing.
    let again = t.call("POST", &format!("/api/v1/cases/{id}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["identity"]}))).await;
    assert_eq!(again.status, StatusCode::CREATED);
    let r2 = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/referrals"),
            Some(&cm_a),
            Some(json!({"to_org_id": org_b, "service": "legal aid", "categories": ["identity"]})),
        )
        .await
        .json();
    let r2id = r2["id"].as_str().unwrap();
    t.call(
        "POST",
        &format!("/api/v1/referrals/{r2id}/accept"),
        Some(&cm_b),
        None,
    )
    .await;
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .json()["person"]["display_name"],
        "Nguyễn Thị Hoa"
    );
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/referrals/{r2id}/revoke"),
            Some(&cm_a),
            Some(json!({}))
        )
        .await
        .json()["code"],
        "reason_required"
    );
    let revoked = t
        .call(
            "POST",
            &format!("/api/v1/referrals/{r2id}/revoke"),
            Some(&cm_a),
            Some(json!({"reason": "Person moved to another shelter"})),
        )
        .await;
    assert_eq!(revoked.json()["state"], "revoked");
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let stranger = t.login("demo-cm-c").await;
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/referrals/{r2id}"),
            Some(&stranger),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/consents/{consent_id}/withdraw"),
            Some(&stranger),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_referral_inbox_page_accepts_and_declines() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let org_b = t.call("GET", "/api/v1/me", Some(&cm_b), None).await.json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut referral_ids = Vec::new();
    for _ in 0..2 {
        let id = t.create(&cm_a, vietnamese()).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        t.call("POST", &format!("/api/v1/cases/{id}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health"]}))).await;
        let r = t
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/referrals"),
                Some(&cm_a),
                Some(
                    json!({"to_org_id": org_b, "service": "health care", "categories": ["health"]}),
                ),
            )
            .await;
        referral_ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let (cookie, csrf) = page_login(&t, "demo-cm-b").await;
    let inbox = t
        .send(
            Request::builder()
                .uri("/referrals")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert_eq!(inbox.text().matches("data-state=\"pending\"").count(), 2);
    assert!(
        !inbox.text().contains("Hoa"),
        "the inbox shows no personal data"
    );
    let accepted = page_post(
        &t,
        &cookie,
        &format!("/referrals/{}/accept", referral_ids[0]),
        format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let forged = page_post(
        &t,
        &cookie,
        &format!("/referrals/{}/decline", referral_ids[1]),
        "csrf=forged&reason=full".into(),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let declined = page_post(
        &t,
        &cookie,
        &format!("/referrals/{}/decline", referral_ids[1]),
        format!("csrf={csrf}&reason=No+beds+tonight"),
    )
    .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/referrals/{}", referral_ids[0]),
            Some(&cm_a),
            None
        )
        .await
        .json()["state"],
        "accepted"
    );
    let declined = t
        .call(
            "GET",
            &format!("/api/v1/referrals/{}", referral_ids[1]),
            Some(&cm_a),
            None,
        )
        .await
        .json();
    assert_eq!(declined["state"], "declined");
    assert_eq!(declined["reason"], "No beds tonight");
    let outbox = t
        .send(
            Request::builder()
                .uri("/referrals?box=outbox")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(outbox.text().contains("no-referrals"));
}
