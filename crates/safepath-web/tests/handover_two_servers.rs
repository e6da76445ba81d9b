//! The cross-border handover between two SafePath servers on one machine
//! (issue 12): each with its own data folder, served on a loopback port,
//! registered as partners of each other. A starts a handover while B is
//! down; the delivery fails and is retried with back-off; once B is up, B
//! holds the handover exactly once. And each refusal of
//! `POST /api/v1/cases/{id}/handovers`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use axum::http::StatusCode;
use common::*;
use safepath_app::admin::Operator;
use serde_json::{Value, json};

/// Serves `t`'s router on `listener` in the background.
fn serve(t: &TestApp, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
    let router = t.router.clone();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    })
}

/// Registers `other` as a partner of `on`, linked to `on`'s organisation
/// whose name starts with `org_prefix`.
async fn register(on: &TestApp, other: &TestApp, name: &str, url: Option<&str>, org_prefix: &str) {
    let admin = on.login("demo-admin").await;
    let org = org_id(on, &admin, org_prefix).await;
    let id = other.app.handover_identity().unwrap();
    let p = id.public();
    on.app
        .register_handover_partner(
            Operator::Cli("test"),
            name,
            &p.signing_key_base64(),
            &p.encryption_key_base64(),
            &id.fingerprint().to_hex(),
            url,
            Some(&org),
        )
        .await
        .unwrap();
}

fn fingerprint(t: &TestApp) -> String {
    t.app.handover_identity().unwrap().fingerprint().to_hex()
}

/// A case of organisation A with a `cross_border_handover` consent for the
/// organisation that starts with `consent_to` (identity and contact).
async fn case_with_consent(t: &TestApp, cm: &str, consent_to: Option<&str>) -> String {
    let case = t
        .create(
            cm,
            json!({"names": [{"value": "Hnin Synthetic Wai", "script": "Latn"}], "nationalities": ["MMR"], "languages": ["my"]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    if let Some(prefix) = consent_to {
        let org = org_id(t, cm, prefix).await;
        let c = t
            .call_as(
                "POST",
                &format!("/api/v1/cases/{case}/consents"),
                cm,
                Some(json!({"purpose": "cross_border_handover", "recipient_org_id": org, "categories": ["identity", "contact"], "expires_on": "2099-12-31", "explained_in_language": "my", "interpreter": true})),
            )
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    }
    case
}

fn assessment(protection_need: &str) -> Value {
    json!({
        "re_trafficking_risk": "low",
        "trafficker_threat": "low",
        "debt_threat": "low",
        "family_situation": "supportive",
        "receiving_capacity": "adequate",
        "protection_need": protection_need,
        "notes": "Synthetic assessment"
    })
}

async fn assess(t: &TestApp, cm: &str, case: &str, protection_need: &str) {
    let a = t
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/security-assessments"),
            cm,
            Some(assessment(protection_need)),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_reaches_the_partner_once_after_it_was_down() {
    let a = spawn_app().await;
    let b = spawn_app().await;
    // B's port, closed for now: the first delivery attempt finds nobody.
    let probe = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_addr = probe.local_addr().unwrap();
    drop(probe);
    let a_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let a_addr = a_listener.local_addr().unwrap();
    let _a_server = serve(&a, a_listener);

    // Partners of each other; on A, B stands for organisation C (the origin).
    register(
        &a,
        &b,
        "Origin deployment (synthetic)",
        Some(&format!("http://{b_addr}")),
        "Organisation C",
    )
    .await;
    register(
        &b,
        &a,
        "Destination deployment (synthetic)",
        Some(&format!("http://{a_addr}/api/v1/handover/inbox")),
        "Organisation A",
    )
    .await;

    let cm = a.login("demo-cm-a").await;
    let case = case_with_consent(&a, &cm, Some("Organisation C")).await;
    assess(&a, &cm, &case, "none").await;
    let listed = a
        .call_as(
            "GET",
            &format!("/api/v1/cases/{case}/security-assessments"),
            &cm,
            None,
        )
        .await;
    assert_eq!(listed.status, StatusCode::OK);
    assert_eq!(listed.json()["items"][0]["outcome"], "return_possible");

    let started = a
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm,
            Some(json!({"partner": fingerprint(&b), "categories": ["identity"]})),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    let id = started.json()["id"].as_str().unwrap().to_owned();

    let list = a
        .call_as("GET", &format!("/api/v1/cases/{case}/handovers"), &cm, None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let item = &list.json()["items"][0];
    assert_eq!(item["id"], id.as_str());
    assert_eq!(item["state"], "requested");
    assert_eq!(item["partner"], "Origin deployment (synthetic)");
    assert!(!list.text().contains("Hnin"), "nothing of the person");

    // B is down: the attempt fails and stays in the outbox.
    let first = a.app.deliver_handover_outbox().await.unwrap();
    assert_eq!((first.sent, first.failed), (0, 1));
    assert!(b.app.handover_overview(&id).await.unwrap().is_none());
    // Backed off: the scheduler's next tick sends nothing yet.
    let backed_off = a.app.deliver_handover_outbox().await.unwrap();
    assert_eq!((backed_off.sent, backed_off.failed), (0, 0));

    // B comes up on its port; the retry (back-off skipped) delivers.
    let b_listener = tokio::net::TcpListener::bind(b_addr).await.unwrap();
    let _b_server = serve(&b, b_listener);
    let second = a.app.deliver_handover_outbox_now().await.unwrap();
    assert_eq!((second.sent, second.failed), (1, 0));
    let held = b.app.handover_overview(&id).await.unwrap().unwrap();
    assert_eq!(held.side, "origin");
    assert_eq!(held.state, "requested");
    assert_eq!(held.messages_in, 1, "received exactly once");
    assert_eq!(held.partner_fingerprint, fingerprint(&a));

    // Nothing more to send.
    let third = a.app.deliver_handover_outbox_now().await.unwrap();
    assert_eq!((third.sent, third.failed), (0, 0));
    let held = b.app.handover_overview(&id).await.unwrap().unwrap();
    assert_eq!(held.messages_in, 1);
    let mine = a.app.handover_overview(&id).await.unwrap().unwrap();
    assert_eq!((mine.side.as_str(), mine.messages_out), ("destination", 1));
}

#[tokio::test]
async fn each_refusal_of_a_handover_has_its_code() {
    let t = spawn_app().await;
    let other = spawn_app().await;
    register(
        &t,
        &other,
        "Origin deployment (synthetic)",
        None,
        "Organisation C",
    )
    .await;
    let partner = fingerprint(&other);
    let cm = t.login("demo-cm-a").await;
    let start = |case: String, body: Value| {
        let t = &t;
        let cm = cm.clone();
        async move {
            t.call_as(
                "POST",
                &format!("/api/v1/cases/{case}/handovers"),
                &cm,
                Some(body),
            )
            .await
        }
    };
    let body = json!({"partner": partner, "categories": ["identity"]});

    // No consent: 403.
    let no_consent = case_with_consent(&t, &cm, None).await;
    assess(&t, &cm, &no_consent, "none").await;
    let a = start(no_consent.clone(), body.clone()).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    assert_eq!(a.json()["code"], "consent_required");
    // A consent for another organisation does not count.
    let elsewhere = case_with_consent(&t, &cm, Some("Organisation B")).await;
    assess(&t, &cm, &elsewhere, "none").await;
    let a = start(elsewhere, body.clone()).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.json()["code"], "consent_required");

    // Consent, a category it does not cover: 403.
    let case = case_with_consent(&t, &cm, Some("Organisation C")).await;
    let a = start(
        case.clone(),
        json!({"partner": partner, "categories": ["identity", "health"]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert_eq!(a.json()["code"], "consent_required");

    // No security assessment: 409.
    let a = start(case.clone(), body.clone()).await;
    assert_eq!(a.status, StatusCode::CONFLICT, "{}", a.text());
    assert_eq!(a.json()["code"], "security_assessment_required");

    // A need for international protection: 409 (non-refoulement).
    assess(&t, &cm, &case, "possible").await;
    let a = start(case.clone(), body.clone()).await;
    assert_eq!(a.status, StatusCode::CONFLICT);
    assert_eq!(a.json()["code"], "international_protection_needed");

    // Unknown partner, bad bodies: 400.
    let a = start(
        case.clone(),
        json!({"partner": "ab".repeat(32), "categories": ["identity"]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["code"], "unknown_partner");
    let a = start(
        case.clone(),
        json!({"partner": "not hex", "categories": ["identity"]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = start(
        case.clone(),
        json!({"partner": partner, "categories": ["gossip"]}),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = start(case.clone(), json!({"categories": ["identity"]})).await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);

    // Another organisation's case manager: the answer a missing case gets.
    let cm_b = t.login("demo-cm-b").await;
    let theirs = t
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm_b,
            Some(body.clone()),
        )
        .await;
    let missing = t
        .call_as(
            "POST",
            "/api/v1/cases/00000000-0000-4000-8000-000000000000/handovers",
            &cm_b,
            Some(body.clone()),
        )
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);
    assert_eq!(theirs.json(), missing.json());
    let list = t
        .call_as(
            "GET",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm_b,
            None,
        )
        .await;
    assert_eq!(list.status, StatusCode::NOT_FOUND);

    // A later assessment without the need clears the gate.
    assess(&t, &cm, &case, "none").await;
    let a = start(case.clone(), body.clone()).await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
}

#[tokio::test]
async fn a_message_the_partner_refuses_is_parked_not_retried_for_ever() {
    let a = spawn_app().await;
    let b = spawn_app().await;
    // B is up but has never registered A: it refuses A's messages (4xx).
    let b_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_addr = b_listener.local_addr().unwrap();
    let _b_server = serve(&b, b_listener);
    register(
        &a,
        &b,
        "Origin deployment (synthetic)",
        Some(&format!("http://{b_addr}")),
        "Organisation C",
    )
    .await;
    let cm = a.login("demo-cm-a").await;
    let case = case_with_consent(&a, &cm, Some("Organisation C")).await;
    assess(&a, &cm, &case, "none").await;
    let started = a
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm,
            Some(json!({"partner": fingerprint(&b), "categories": ["identity"]})),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    let id = started.json()["id"].as_str().unwrap().to_owned();
    let first = a.app.deliver_handover_outbox().await.unwrap();
    assert_eq!((first.sent, first.failed), (0, 1));
    assert!(b.app.handover_overview(&id).await.unwrap().is_none());
    // Parked: not due at any time the scheduler will reach; only an
    // operator's "retry now" sends it again.
    assert!(
        a.app
            .store()
            .due_handover_outbox(i64::MAX - 1, 50)
            .await
            .unwrap()
            .is_empty()
    );
}
