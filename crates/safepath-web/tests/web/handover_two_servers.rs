//! The cross-border handover between two SafePath servers on one machine
//! (issue 12): each with its own data folder, served on a loopback port,
//! registered as partners of each other. A starts a handover while B is
//! down; the delivery fails and is retried with back-off; once B is up, B
//! holds the handover exactly once. And each refusal of
//! `POST /api/v1/cases/{id}/handovers`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Serves `t`'s router on `listener` in the background.
fn serve(t: &TestApp, listener: tokio::net::TcpListener) -> tokio::task::JoinHandle<()> {
    let router = t.router.clone();
    tokio::spawn(async move {
        axum::serve(listener, router).await.unwrap();
    })
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

// --- the protocol after the request, from either side ---

/// Two servers up on loopback and registered as partners of each other; on
/// A (the destination) B stands for organisation C, and on B (the origin)
/// A's handovers are handled by B's organisation C.
async fn two_partners() -> (
    TestApp,
    TestApp,
    tokio::task::JoinHandle<()>,
    tokio::task::JoinHandle<()>,
) {
    let a = spawn_app().await;
    let b = spawn_app().await;
    let a_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let b_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (a_addr, b_addr) = (
        a_listener.local_addr().unwrap(),
        b_listener.local_addr().unwrap(),
    );
    let sa = serve(&a, a_listener);
    let sb = serve(&b, b_listener);
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
        Some(&format!("http://{a_addr}")),
        "Organisation C",
    )
    .await;
    (a, b, sa, sb)
}

/// A case of organisation A with a security assessment and a
/// `cross_border_handover` consent for organisation C (identity, contact,
/// health); returns the case and the consent.
async fn ready_case(t: &TestApp, cm: &str) -> (String, String) {
    let case = t
        .create(
            cm,
            json!({"names": [{"value": "Thida Synthetic Aung", "script": "Latn"}], "sex": "female", "birth_date": {"kind": "exact", "date": "1999-03-14"}, "nationalities": ["MMR"]}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org = org_id(t, cm, "Organisation C").await;
    let c = t
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/consents"),
            cm,
            Some(json!({"purpose": "cross_border_handover", "recipient_org_id": org, "categories": ["identity", "contact", "health"], "expires_on": "2099-12-31", "explained_in_language": "my", "interpreter": true})),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    assess(t, cm, &case, "none").await;
    (case, c.json()["id"].as_str().unwrap().to_owned())
}

/// Delivers `from`'s outbox now; every message must arrive.
async fn deliver(from: &TestApp, expected: usize) {
    let d = from.app.deliver_handover_outbox_now().await.unwrap();
    assert_eq!((d.sent, d.failed), (expected, 0), "delivery");
}

async fn send(t: &TestApp, token: &str, id: &str, body: Value) -> Answer {
    t.call_as(
        "POST",
        &format!("/api/v1/handovers/{id}/messages"),
        token,
        Some(body),
    )
    .await
}

async fn view(t: &TestApp, token: &str, id: &str) -> Value {
    let v = t
        .call_as("GET", &format!("/api/v1/handovers/{id}"), token, None)
        .await;
    assert_eq!(v.status, StatusCode::OK, "{}", v.text());
    v.json()
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_carry_a_handover_from_request_to_closure() {
    let (a, b, _sa, _sb) = two_partners().await;
    let cm = a.login("demo-cm-a").await;
    let (case, _) = ready_case(&a, &cm).await;
    let started = a
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm,
            Some(json!({"partner": fingerprint(&b), "categories": ["identity", "health"]})),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    let id = started.json()["id"].as_str().unwrap().to_owned();
    deliver(&a, 1).await;

    // The origin's staff (organisation C on B) find the received handover.
    let cm_c = b.login("demo-cm-c").await;
    let liaison = b.login("demo-partner").await;
    let list = b.call_as("GET", "/api/v1/handovers", &liaison, None).await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["side"], "origin");
    assert!(!list.text().contains("Thida"), "nothing of the person");
    let v = view(&b, &cm_c, &id).await;
    assert_eq!(v["state"], "requested");
    assert_eq!(v["next_steps"][0], "acknowledgement");
    assert!(
        !v.to_string().contains("Thida"),
        "the request's content is not shown"
    );

    // A user of an unrelated organisation: exactly the missing answer.
    let cm_b = b.login("demo-cm-b").await;
    let missing = "not-a-handover";
    for (method, path, body) in [
        ("GET", format!("/api/v1/handovers/{id}"), None),
        (
            "POST",
            format!("/api/v1/handovers/{id}/messages"),
            Some(json!({"kind": "acknowledgement", "contact": "X", "alternate": "Y"})),
        ),
    ] {
        let theirs = b.call_as(method, &path, &cm_b, body.clone()).await;
        let none = b
            .call_as(method, &path.replace(&id, missing), &cm_b, body)
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(theirs.text(), none.text(), "{method} {path}");
    }
    let theirs = b.call_as("GET", "/api/v1/handovers", &cm_b, None).await;
    assert_eq!(theirs.json()["items"], json!([]));
    // On A, organisation B's case manager does not see A's case's handover.
    let a_cm_b = a.login("demo-cm-b").await;
    let theirs = a
        .call_as("GET", &format!("/api/v1/handovers/{id}"), &a_cm_b, None)
        .await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND);

    // Out of order and from the wrong side: 409 with the domain's code.
    let early = send(
        &b,
        &cm_c,
        &id,
        json!({"kind": "corroboration", "decision": "go"}),
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
    assert_eq!(early.json()["code"], "handover_message_not_expected");
    let wrong = send(&b, &cm_c, &id, json!({"kind": "departed"})).await;
    assert_eq!(wrong.status, StatusCode::CONFLICT);
    assert_eq!(wrong.json()["code"], "handover_wrong_side");
    let early = send(
        &a,
        &cm,
        &id,
        json!({"kind": "risk_and_needs_assessment", "categories": ["health"]}),
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.json()["code"], "handover_message_not_expected");
    // Bad input: 400, nothing changes.
    let bad = send(
        &b,
        &cm_c,
        &id,
        json!({"kind": "acknowledgement", "contact": "Ma Synthetic Desk"}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["code"], "missing_field");
    let same = send(
        &b,
        &cm_c,
        &id,
        json!({"kind": "acknowledgement", "contact": "Desk", "alternate": "desk"}),
    )
    .await;
    assert_eq!(same.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        same.json()["code"],
        "handover_contact_and_alternate_required"
    );
    assert_eq!(view(&b, &cm_c, &id).await["state"], "requested");

    // 2. O → D: acknowledgement with a named contact and an alternate.
    let ack = send(&b, &liaison, &id, json!({"kind": "acknowledgement", "contact": "Ma Synthetic Desk Officer", "alternate": "Ko Synthetic Deputy", "note": "We expect to answer within two weeks"})).await;
    assert_eq!(ack.status, StatusCode::CREATED, "{}", ack.text());
    assert_eq!(ack.json()["sequence"], 1);
    assert_eq!(ack.json()["state"], "acknowledged");
    deliver(&b, 1).await;
    let v = view(&a, &cm, &id).await;
    assert_eq!(v["state"], "acknowledged");
    assert_eq!(v["contacts"]["contact"], "Ma Synthetic Desk Officer");
    assert_eq!(v["contacts"]["alternate"], "Ko Synthetic Deputy");
    let step = &v["steps"][1];
    assert_eq!(
        (step["kind"].as_str(), step["direction"].as_str()),
        (Some("acknowledgement"), Some("received"))
    );
    assert_eq!(
        step["details"]["note"],
        "We expect to answer within two weeks"
    );

    // 3. D → O: only consented categories cross.
    let refused = send(
        &a,
        &cm,
        &id,
        json!({"kind": "risk_and_needs_assessment", "categories": ["legal"]}),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    let assessment = send(&a, &cm, &id, json!({"kind": "risk_and_needs_assessment", "categories": ["health"], "summaries": {"health": "Needs follow-up care for an injury (synthetic)"}})).await;
    assert_eq!(
        assessment.status,
        StatusCode::CREATED,
        "{}",
        assessment.text()
    );
    assert_eq!(assessment.json()["sequence"], 2, "the request was 1");
    deliver(&a, 1).await;
    let v = view(&b, &cm_c, &id).await;
    assert_eq!(v["state"], "assessment_sent");
    assert_eq!(
        v["steps"][2]["details"]["summary_health"],
        "Needs follow-up care for an injury (synthetic)"
    );

    // 4. O → D: go.
    let go = send(&b, &cm_c, &id, json!({"kind": "corroboration", "decision": "go", "reason": "Family visited; services in place"})).await;
    assert_eq!(go.status, StatusCode::CREATED, "{}", go.text());
    deliver(&b, 1).await;
    assert_eq!(view(&a, &cm, &id).await["corroboration"], "go");

    // 6. Travel waits for the person's recorded decision and the plan.
    let early = send(
        &a,
        &cm,
        &id,
        json!({"kind": "travel_ready", "travel_on": today()}),
    )
    .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.text());
    assert_eq!(early.json()["code"], "return_plan_required");
    let coord = a.login("demo-coordinator").await;
    to_solution_planning(&a, &coord, &case).await;
    let decided = a
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/repatriation"),
            &cm,
            Some(json!({"partner": fingerprint(&b), "language": "my", "interpreter": true, "escort": "receiving_staff", "travel_date": today()})),
        )
        .await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text());

    // 6–7. D → O: travel ready, departed (two messages in one delivery, in order).
    for body in [
        json!({"kind": "travel_ready", "travel_on": today(), "note": "Escorted; met at the airport"}),
        json!({"kind": "departed"}),
    ] {
        let r = send(&a, &cm, &id, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    deliver(&a, 2).await;
    assert_eq!(view(&b, &cm_c, &id).await["state"], "in_travel");

    // 8–11. O → D: arrived, the plan, a follow-up report, closure.
    for (body, state) in [
        (json!({"kind": "arrived", "arrived_on": today()}), "arrived"),
        (
            json!({"kind": "reintegration_plan", "made_on": today(), "note": "Vocational training and counselling"}),
            "reintegration_plan",
        ),
        (
            json!({"kind": "follow_up_report", "due_month": 1, "reached": true, "wellbeing": "good", "plan_progress": "on_track"}),
            "follow_up",
        ),
    ] {
        let r = send(&b, &cm_c, &id, body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(r.json()["state"], state);
    }
    let twice = send(&b, &cm_c, &id, json!({"kind": "follow_up_report", "due_month": 1, "reached": true, "wellbeing": "good", "plan_progress": "on_track"})).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    assert_eq!(twice.json()["code"], "handover_follow_up_already_reported");
    deliver(&b, 3).await;
    let v = view(&a, &cm, &id).await;
    assert_eq!(v["state"], "follow_up");
    // The arrival moved the destination's case on to follow-up, in the
    // partner's name on the timeline.
    let work = a
        .call_as("GET", &format!("/api/v1/cases/{case}/work"), &cm, None)
        .await
        .json();
    assert_eq!(work["status"], "follow_up", "{work}");
    let last = work["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["to_status"] == "follow_up")
        .unwrap()
        .clone();
    assert_eq!(last["by"], "Origin deployment (synthetic)");
    assert_eq!(v["follow_ups"][0]["due_month"], 1);
    assert_eq!(v["follow_ups"][0]["wellbeing"], "good");
    assert_eq!(v["follow_ups"][0]["reached"], true);
    assert_eq!(v["follow_ups"].as_array().unwrap().len(), 4);
    assert!(v["plan_made_on"].is_string());

    let closed = send(
        &b,
        &cm_c,
        &id,
        json!({"kind": "closure", "reason": "Reintegration completed"}),
    )
    .await;
    assert_eq!(closed.status, StatusCode::CREATED, "{}", closed.text());
    deliver(&b, 1).await;
    let v = view(&a, &cm, &id).await;
    assert_eq!(v["state"], "closed");
    assert_eq!(v["next_steps"], json!([]));
    let kinds: Vec<&str> = v["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "request",
            "acknowledgement",
            "risk_and_needs_assessment",
            "corroboration",
            "travel_ready",
            "departed",
            "arrived",
            "reintegration_plan",
            "follow_up_report",
            "closure"
        ]
    );
    assert_eq!(view(&b, &cm_c, &id).await["state"], "closed");
    // Both sides hold the same ten messages.
    let mine = a.app.handover_overview(&id).await.unwrap().unwrap();
    let theirs = b.app.handover_overview(&id).await.unwrap().unwrap();
    assert_eq!((mine.messages_out, mine.messages_in), (4, 6));
    assert_eq!((theirs.messages_out, theirs.messages_in), (6, 4));
    // Finished: nothing more from either side.
    let after = send(&a, &cm, &id, json!({"kind": "security_alert"})).await;
    assert_eq!(after.status, StatusCode::CONFLICT);
    assert_eq!(after.json()["code"], "handover_finished");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_consent_withdrawal_stops_the_handover_and_the_partner_erases_it() {
    let (a, b, _sa, _sb) = two_partners().await;
    let cm = a.login("demo-cm-a").await;
    let (case, consent) = ready_case(&a, &cm).await;
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
    deliver(&a, 1).await;
    let cm_c = b.login("demo-cm-c").await;
    let ack = send(&b, &cm_c, &id, json!({"kind": "acknowledgement", "contact": "Ma Synthetic Desk Officer", "alternate": "Ko Synthetic Deputy"})).await;
    assert_eq!(ack.status, StatusCode::CREATED, "{}", ack.text());
    deliver(&b, 1).await;

    // The person withdraws the consent on A: the withdrawal is queued.
    let w = a
        .call_as(
            "POST",
            &format!("/api/v1/consents/{consent}/withdraw"),
            &cm,
            Some(json!({})),
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    let v = view(&a, &cm, &id).await;
    assert_eq!(v["state"], "consent_withdrawn");
    let refused = send(&a, &cm, &id, json!({"kind": "security_alert"})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["code"], "handover_consent_withdrawn");

    deliver(&a, 1).await;
    let v = view(&b, &cm_c, &id).await;
    assert_eq!(v["state"], "consent_withdrawn");
    assert!(v["contacts"].is_null(), "the state record is erased: {v}");
    assert_eq!(v["categories"], json!([]));
    assert_eq!(v["next_steps"], json!([]));
    // Every message B holds is erased but the withdrawal notice itself.
    let held = b.app.store().handover_messages(&id).await.unwrap();
    assert_eq!(held.len(), 3);
    for m in &held {
        if m.kind != "consent_withdrawn" {
            assert!(
                m.envelope.is_none() && m.content.is_none(),
                "{} kept",
                m.kind
            );
        }
    }
    assert!(
        v["steps"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["kind"] != "consent_withdrawn")
            .all(|s| s["erased"] == true)
    );
    // And the origin can send nothing more either.
    let refused = send(&b, &cm_c, &id, json!({"kind": "security_alert"})).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["code"], "handover_consent_withdrawn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pages_carry_the_next_steps_on_both_sides() {
    let (a, b, _sa, _sb) = two_partners().await;
    let cm = a.login("demo-cm-a").await;
    let (case, _) = ready_case(&a, &cm).await;
    let started = a
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm,
            Some(json!({"partner": fingerprint(&b), "categories": ["identity", "health"]})),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    let id = started.json()["id"].as_str().unwrap().to_owned();
    deliver(&a, 1).await;

    // The origin's liaison: the menu, the list, the handover in words.
    let (cookie, csrf) = page_login(&b, "demo-partner").await;
    let list = page_get(&b, &cookie, "/handovers").await;
    assert_eq!(list.status, StatusCode::OK);
    let html = list.text();
    assert!(html.contains("id=\"nav-handovers\""));
    assert!(html.contains(&format!("href=\"/handovers/{id}\"")));
    assert!(html.contains("Destination deployment (synthetic)"));
    assert!(
        html.contains(">Requested<") && !html.contains(">requested<"),
        "the state in words, not its code"
    );
    let page = page_get(&b, &cookie, &format!("/handovers/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("id=\"step-acknowledgement\""), "{html}");
    assert!(!html.contains("id=\"step-corroboration\""), "not yet");
    assert!(
        !html.contains("Thida"),
        "the request's content is not on the page"
    );
    let (analyst, _) = page_login(&b, "demo-analyst").await;
    let other = page_get(&b, &analyst, "/handovers").await;
    assert!(!other.text().contains("id=\"nav-handovers\""));
    let (cm_b, _) = page_login(&b, "demo-cm-b").await;
    let hidden = page_get(&b, &cm_b, &format!("/handovers/{id}")).await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // A missing alternate: the error beside the field, the input kept.
    let path = format!("/handovers/{id}/messages");
    let bad = page_post(
        &b,
        &cookie,
        &path,
        form_body(
            &csrf,
            &[
                ("kind", "acknowledgement"),
                ("contact", "Ma Synthetic Desk Officer"),
            ],
        ),
    )
    .await;
    assert_eq!(
        bad.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        bad.text()
    );
    let html = bad.text();
    assert!(html.contains("field-error"));
    assert!(html.contains("value=\"Ma Synthetic Desk Officer\""));
    assert_eq!(
        b.app
            .handover_overview(&id)
            .await
            .unwrap()
            .unwrap()
            .messages_out,
        0
    );
    let ok = page_post(
        &b,
        &cookie,
        &path,
        form_body(
            &csrf,
            &[
                ("kind", "acknowledgement"),
                ("contact", "Ma Synthetic Desk Officer"),
                ("alternate", "Ko Synthetic Deputy"),
            ],
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let to = ok.headers["location"].to_str().unwrap().to_owned();
    let after = page_get(&b, &cookie, &to).await;
    assert!(
        after.text().contains("id=\"message\""),
        "a message after the step"
    );
    assert!(after.text().contains("Ko Synthetic Deputy"));
    deliver(&b, 1).await;

    // The destination's return page offers the next step as a small form.
    let (cm_cookie, cm_csrf) = page_login(&a, "demo-cm-a").await;
    let ret = page_get(&a, &cm_cookie, &format!("/cases/{case}/return")).await;
    assert_eq!(ret.status, StatusCode::OK);
    let html = ret.text();
    assert!(html.contains(&format!("href=\"/handovers/{id}\"")));
    assert!(
        html.contains("id=\"step-risk_and_needs_assessment\""),
        "{html}"
    );
    let sent = page_post(
        &a,
        &cm_cookie,
        &path,
        form_body(
            &cm_csrf,
            &[
                ("kind", "risk_and_needs_assessment"),
                ("back", &case),
                ("category_health", "yes"),
                ("summary_health", "Needs follow-up care (synthetic)"),
            ],
        ),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    assert_eq!(
        sent.headers["location"].to_str().unwrap(),
        format!("/cases/{case}/return?done=step")
    );
    let ret = page_get(&a, &cm_cookie, &format!("/cases/{case}/return?done=step")).await;
    assert!(ret.text().contains("id=\"message\""));
    deliver(&a, 1).await;
    let page = page_get(&b, &cookie, &format!("/handovers/{id}")).await;
    assert!(page.text().contains("Needs follow-up care (synthetic)"));
    assert!(page.text().contains("id=\"step-corroboration\""));
}

/// A partner reached without a server (issue 12: `safepath handover export`
/// / `import`): the waiting message leaves as its sealed envelope, is
/// marked sent, and the partner takes it in once; a second import is
/// answered as a duplicate and changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_travels_by_file_when_the_partner_has_no_inbox() {
    let a = spawn_app().await;
    let b = spawn_app().await;
    register(&a, &b, "Origin by file (synthetic)", None, "Organisation C").await;
    register(
        &b,
        &a,
        "Destination by file (synthetic)",
        None,
        "Organisation C",
    )
    .await;
    let cm = a.login("demo-cm-a").await;
    let (case, _) = ready_case(&a, &cm).await;
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
    // No inbox to post to: the scheduler cannot deliver it.
    let d = a.app.deliver_handover_outbox_now().await.unwrap();
    assert_eq!(d.sent, 0);

    let op = || safepath_app::admin::Operator::Cli("test");
    let unknown = a.app.handover_outbox_for_export(op(), "00ab").await;
    assert!(unknown.is_err(), "an unknown partner is refused");
    // Spaces in the fingerprint, as read out on a call, are fine.
    let spaced: String = fingerprint(&b)
        .chars()
        .collect::<Vec<_>>()
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ");
    let files = a
        .app
        .handover_outbox_for_export(op(), &spaced)
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].file_name, format!("0001-{id}-1.json"));
    assert!(
        !files[0].envelope.contains("Thida"),
        "sealed: no name in the file"
    );
    a.app.mark_handover_exported(op(), &files).await.unwrap();
    assert!(
        a.app
            .handover_outbox_for_export(op(), &fingerprint(&b))
            .await
            .unwrap()
            .is_empty(),
        "marked sent: not exported twice"
    );
    assert_eq!(a.app.deliver_handover_outbox_now().await.unwrap().sent, 0);
    let exported = a
        .app
        .store()
        .audit_entries(0, 1_000_000)
        .await
        .unwrap()
        .iter()
        .filter(|e| e.entry.action == "handover.export")
        .count();
    assert_eq!(exported, 1);

    // The partner imports the file: it holds the handover, once.
    let me = b.app.handover_identity().unwrap();
    b.app
        .receive_handover_message(&me, files[0].envelope.as_bytes())
        .await
        .unwrap();
    // Imported twice: the same receipt, marked a duplicate, nothing done twice.
    let again = b
        .app
        .receive_handover_message(&me, files[0].envelope.as_bytes())
        .await
        .unwrap();
    assert!(again.duplicate, "a second import is recognised");
    let liaison = b.login("demo-partner").await;
    let list = b.call_as("GET", "/api/v1/handovers", &liaison, None).await;
    let items = list.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items[0]["id"], id.as_str());
}

/// A handover of a new case of organisation A to B (organisation C) walked
/// to departure: acknowledged, assessed, a go, the person's decision and the
/// plan recorded, ready to travel, departed, all delivered. The case
/// manager's and the coordinator's tokens and the handover's id.
async fn travelling(a: &TestApp, b: &TestApp) -> (String, String, String) {
    let cm = a.login("demo-cm-a").await;
    let coord = a.login("demo-coordinator").await;
    let (case, _) = ready_case(a, &cm).await;
    let ok = |r: &Answer| assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let started = a
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm,
            Some(json!({"partner": fingerprint(b), "categories": ["identity"]})),
        )
        .await;
    ok(&started);
    let id = started.json()["id"].as_str().unwrap().to_owned();
    deliver(a, 1).await;
    let cm_c = b.login("demo-cm-c").await;
    ok(&send(b, &cm_c, &id, json!({"kind": "acknowledgement", "contact": "Ma Synthetic Desk Officer", "alternate": "Ko Synthetic Deputy"})).await);
    deliver(b, 1).await;
    ok(&send(
        a,
        &cm,
        &id,
        json!({"kind": "risk_and_needs_assessment", "categories": ["identity"]}),
    )
    .await);
    deliver(a, 1).await;
    ok(&send(
        b,
        &cm_c,
        &id,
        json!({"kind": "corroboration", "decision": "go", "reason": "Services in place"}),
    )
    .await);
    deliver(b, 1).await;
    to_solution_planning(a, &coord, &case).await;
    ok(&a
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/repatriation"),
            &cm,
            Some(json!({"partner": fingerprint(b), "language": "my", "interpreter": true, "escort": "receiving_staff"})),
        )
        .await);
    ok(&send(
        a,
        &cm,
        &id,
        json!({"kind": "travel_ready", "travel_on": today()}),
    )
    .await);
    ok(&send(a, &cm, &id, json!({"kind": "departed"})).await);
    deliver(a, 2).await;
    (cm, coord, id)
}

async fn follow_ups_item(t: &TestApp, tok: &str) -> Value {
    checklist_item(t, tok, "follow_ups_after_return").await
}

async fn work(t: &TestApp, tok: String) -> Value {
    let r = t.call_as("GET", "/api/v1/work", &tok, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["follow_ups_due"].clone()
}

fn days_ago(n: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() - time::Duration::days(n);
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap()
}

/// After arrival the follow-up schedule runs: what is overdue is on My work
/// on both sides — the origin's staff have a report to write, the
/// destination's case manager one to ask for — and on no one else's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overdue_follow_ups_are_on_my_work_on_both_sides() {
    let (a, b, _sa, _sb) = two_partners().await;
    let (cm, coord, id) = travelling(&a, &b).await;
    let cm_c = b.login("demo-cm-c").await;
    let liaison = b.login("demo-partner").await;
    let ok = |r: &Answer| assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Nothing is due before arrival.
    assert_eq!(work(&b, liaison.clone()).await, json!([]));
    let analyst_b = b.login("demo-analyst").await;
    assert_eq!(follow_ups_item(&a, &coord).await["status"], "no_data");
    // Arrived 100 days ago (recorded late): the plan (due after a month),
    // the 1- and the 3-month reports are overdue.
    ok(&send(
        &b,
        &liaison,
        &id,
        json!({"kind": "arrived", "arrived_on": days_ago(100)}),
    )
    .await);
    deliver(&b, 1).await;
    for (t, tok, side) in [
        (&b, liaison.clone(), "origin"),
        (&b, cm_c.clone(), "origin"),
        (&a, cm.clone(), "destination"),
        (&a, coord.clone(), "destination"),
    ] {
        let due = work(t, tok).await;
        let months: Vec<u64> = due
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["due_month"].as_u64().unwrap())
            .collect();
        assert_eq!(months, [1, 0, 3], "{side}: {due}");
        assert!(
            due.as_array()
                .unwrap()
                .iter()
                .all(|f| f["side"] == side && f["handover_id"] == id.as_str())
        );
        assert!(!due.to_string().contains("Thida"), "nothing of the person");
    }
    // Reported: no longer due; on no one else's list.
    ok(&send(
        &b,
        &cm_c,
        &id,
        json!({"kind": "reintegration_plan", "made_on": days_ago(60)}),
    )
    .await);
    ok(&send(&b, &cm_c, &id, json!({"kind": "follow_up_report", "due_month": 1, "reported_on": days_ago(60), "reached": true, "wellbeing": "good", "plan_progress": "on_track"})).await);
    deliver(&b, 2).await;
    for (t, tok) in [(&b, liaison.clone()), (&a, cm.clone())] {
        let due = work(t, tok).await;
        let months: Vec<u64> = due
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["due_month"].as_u64().unwrap())
            .collect();
        assert_eq!(months, [3], "{due}");
    }
    for (t, user) in [(&a, "demo-cm-b"), (&a, "demo-analyst"), (&b, "demo-cm-b")] {
        let tok = t.login(user).await;
        assert_eq!(work(t, tok).await, json!([]), "{user}");
    }
    // The checklist counts them on both sides, by the year they fell due
    // (the 1-month report, and the 3-month one owed): fewer than eleven are
    // withheld, not shown.
    let due_this_year = |days: i64| {
        (time::OffsetDateTime::now_utc().date() - time::Duration::days(days)).year()
            == time::OffsetDateTime::now_utc().year()
    };
    let expected = if due_this_year(70) || due_this_year(10) {
        "withheld"
    } else {
        "no_data"
    };
    assert_eq!(follow_ups_item(&a, &coord).await["status"], expected);
    assert_eq!(follow_ups_item(&b, &analyst_b).await["status"], expected);
    // An analyst (all organisations) counts them too.
    let analyst = a.login("demo-analyst").await;
    assert_eq!(follow_ups_item(&a, &analyst).await["status"], expected);
    // The page says so, in words.
    let (page, _) = page_login(&b, "demo-partner").await;
    let html = b.page(&page, "/work").await.text();
    assert!(html.contains("id=\"follow-ups-due\""));
    assert!(html.contains("Your organisation sends this report"));
    assert!(html.contains(&format!("/handovers/{id}")));
}

/// Two partners and a handover of A's whose person arrived `days` ago
/// (delivered): the servers, A's case manager's token, the handover's id
/// and B's organisation C case manager's token.
async fn arrived_since(
    days: i64,
) -> (
    (TestApp, TestApp),
    (tokio::task::JoinHandle<()>, tokio::task::JoinHandle<()>),
    String,
    String,
    String,
) {
    let (a, b, sa, sb) = two_partners().await;
    let (cm, _, id) = travelling(&a, &b).await;
    let cm_c = b.login("demo-cm-c").await;
    let r = send(
        &b,
        &cm_c,
        &id,
        json!({"kind": "arrived", "arrived_on": days_ago(days)}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    deliver(&b, 1).await;
    ((a, b), (sa, sb), cm, id, cm_c)
}

async fn notices(t: &TestApp, user: &str) -> Vec<Value> {
    all_notices(t, user)
        .await
        .into_iter()
        .filter(|n| n["kind"] == "handover_alert")
        .collect()
}

/// A re-trafficking risk in a follow-up report, and a security alert, reach
/// both sides: the sender's own coordinators (or, with none, those who act
/// on its handovers) and the receiver's; never anyone else; nothing of the
/// person.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alerts_after_return_reach_both_sides() {
    let ((a, b), _servers, cm, id, cm_c) = arrived_since(40).await;
    let ok = |r: &Answer| assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // A report that is no alert raises none.
    ok(&send(&b, &cm_c, &id, json!({"kind": "follow_up_report", "due_month": 1, "reported_on": days_ago(5), "reached": true, "wellbeing": "good", "plan_progress": "on_track"})).await);
    deliver(&b, 1).await;
    assert!(notices(&a, "demo-coordinator").await.is_empty());
    // The origin reports a re-trafficking risk.
    ok(&send(&b, &cm_c, &id, json!({"kind": "follow_up_report", "due_month": 3, "reported_on": today(), "reached": false, "wellbeing": "poor", "plan_progress": "stalled", "re_trafficking_alert": true})).await);
    deliver(&b, 1).await;
    let on_a = notices(&a, "demo-coordinator").await;
    assert_eq!(on_a.len(), 1, "{on_a:?}");
    assert_eq!(on_a[0]["subject_type"], "handover");
    assert_eq!(on_a[0]["subject_id"], id.as_str());
    assert!(!on_a[0].to_string().contains("Thida"));
    // Organisation C has no coordinator: its case manager and liaison are told.
    assert_eq!(notices(&b, "demo-cm-c").await.len(), 1);
    assert_eq!(notices(&b, "demo-partner").await.len(), 1);
    for (t, user) in [
        (&a, "demo-cm-b"),
        (&a, "demo-analyst"),
        (&b, "demo-coordinator"),
        (&b, "demo-cm-b"),
    ] {
        assert!(notices(t, user).await.is_empty(), "{user}");
    }
    // The destination sends a security alert: both sides again.
    ok(&send(
        &a,
        &cm,
        &id,
        json!({"kind": "security_alert", "note": "Threats reported by a relative (synthetic)"}),
    )
    .await);
    deliver(&a, 1).await;
    assert_eq!(notices(&a, "demo-coordinator").await.len(), 2);
    assert_eq!(notices(&b, "demo-partner").await.len(), 2);
    // The notifications page says it in words and leads to the handover.
    let (page, _) = page_login(&a, "demo-coordinator").await;
    let html = a.page(&page, "/notifications").await.text();
    assert!(
        html.contains("may be at risk of being trafficked again"),
        "in words"
    );
    assert!(html.contains(&format!("/handovers/{id}")));
}

fn returned_again(notices: &[Value]) -> Vec<&Value> {
    notices
        .iter()
        .filter(|n| n["kind"] == "returned_person_again")
        .collect()
}

async fn all_notices(t: &TestApp, user: &str) -> Vec<Value> {
    let tok = t.login(user).await;
    t.call_as("GET", "/api/v1/notifications", &tok, None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .clone()
}

/// A person who went home through the handover is screened again at the
/// destination and referred to another organisation: both organisations
/// are told at once (each about its own case), and the origin gets a
/// security alert through the open handover, sent automatically and
/// delivered like any message. A screening of someone else raises nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_returned_person_screened_again_alerts_both_organisations_and_the_origin() {
    let ((a, b), _servers, cm, id, cm_c) = arrived_since(0).await;
    let responder = a.login("demo-responder").await;
    let org_b = org_id(&a, &responder, "Organisation B").await;
    let screen_and_refer = |name: &'static str, born: &'static str| {
        let (a, responder, org_b) = (&a, responder.clone(), org_b.clone());
        async move {
            let s = a
                .call_as("POST", "/api/v1/screenings", &responder, Some(json!({"consent_given": true, "language": "my", "interpreter": true, "place_kind": "vessel",
                    "document": {"age_years": 27, "form": "fishing", "act_established": true,
                        "indicators": {"DR1": "yes", "DR8": "yes", "EX1": "yes", "EX4": "yes", "CD1": "yes", "CD2": "yes"}}})))
                .await;
            assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
            let sid = s.json()["id"].as_str().unwrap().to_owned();
            let r = a
                .call_as(
                    "POST",
                    &format!("/api/v1/screenings/{sid}/refer"),
                    &responder,
                    Some(json!({"to_org_id": org_b, "person": {"names": [{"value": name, "script": "Latn"}], "sex": "female", "birth_date": {"kind": "exact", "date": born}, "nationalities": ["MMR"]}})),
                )
                .await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
            sid
        }
    };
    // Someone else: nothing.
    screen_and_refer("Nandar Synthetic Kyaw", "2001-08-02").await;
    assert!(returned_again(&all_notices(&a, "demo-coordinator").await).is_empty());
    assert_eq!(
        a.app.deliver_handover_outbox_now().await.unwrap().sent,
        0,
        "nothing for the origin"
    );
    // The returned person, screened again.
    let sid = screen_and_refer("Thida Synthetic Aung", "1999-03-14").await;
    let on_a = all_notices(&a, "demo-coordinator").await;
    let mine = returned_again(&on_a);
    assert_eq!(mine.len(), 1, "{on_a:?}");
    assert_eq!(mine[0]["subject_type"], "screening");
    assert_eq!(mine[0]["subject_id"], sid.as_str());
    let returned_case = view(&a, &cm, &id).await["case_id"].clone();
    assert_eq!(mine[0]["case_id"], returned_case, "A hears of its own case");
    let on_b_org = all_notices(&a, "demo-cm-b").await;
    let theirs = returned_again(&on_b_org);
    assert_eq!(
        theirs.len(),
        1,
        "organisation B (no coordinator): its case manager"
    );
    assert_ne!(theirs[0]["case_id"], returned_case, "of its own case only");
    assert!(
        !on_a.iter().any(|n| n["kind"] == "handover_alert"),
        "no second notice on the destination"
    );
    for n in mine.iter().chain(&theirs) {
        assert!(!n.to_string().contains("Thida"), "nothing of the person");
    }
    // The origin is told through the handover, automatically.
    deliver(&a, 1).await;
    assert_eq!(notices(&b, "demo-partner").await.len(), 1);
    assert_eq!(notices(&b, "demo-cm-c").await.len(), 1);
    let steps = view(&b, &cm_c, &id).await;
    assert!(
        steps.to_string().contains("security_alert"),
        "on the origin's timeline: {steps}"
    );
    assert!(steps.to_string().contains("Automatic alert"), "{steps}");
    assert!(!steps.to_string().contains("Nandar"));
    // The de-duplication run finds the same pair: told once, whatever found it.
    let run = a.app.run_dedupe_to_end("test").await.unwrap();
    assert_eq!(run.state, "done");
    let after_run = all_notices(&a, "demo-coordinator").await;
    assert_eq!(returned_again(&after_run).len(), 1, "{after_run:?}");
    assert_eq!(a.app.deliver_handover_outbox_now().await.unwrap().sent, 0);
}

/// The origin's partner on the same deployment (organisation C here): the
/// handover runs on one server — nothing is sealed or sent — and each side
/// acts on it as its own: the origin's staff see the handover (never the
/// case), acknowledge, corroborate, confirm the arrival (which moves the
/// case to follow-up) and close it; an alert reaches both organisations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handover_to_the_origins_partner_on_the_same_deployment() {
    let t = spawn_app().await;
    let org_c = org_id(&t, &t.login("demo-cm-a").await, "Organisation C").await;
    let local = t
        .app
        .register_local_handover_partner(
            safepath_app::admin::Operator::Cli("test"),
            "Organisation C's return desk (this deployment)",
            &org_c,
        )
        .await
        .unwrap();
    assert_eq!(local.fingerprint, fingerprint(&t));
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let cm_c = t.login("demo-cm-c").await;
    let (case, _) = ready_case(&t, &cm).await;
    let ok = |r: &Answer| assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let started = t
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm,
            Some(json!({"partner": local.fingerprint, "categories": ["identity"]})),
        )
        .await;
    ok(&started);
    let id = started.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        t.app.deliver_handover_outbox_now().await.unwrap().sent,
        0,
        "nothing leaves the deployment"
    );
    // The origin's side: the handover, never the case.
    let list = t
        .call_as("GET", "/api/v1/handovers", &cm_c, None)
        .await
        .json();
    let item = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["id"] == id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(item["side"], "origin");
    assert!(item["case_id"].is_null());
    let v = view(&t, &cm_c, &id).await;
    assert_eq!(v["side"], "origin");
    assert!(v["case_id"].is_null());
    assert_eq!(v["next_steps"][0], "acknowledgement");
    assert_eq!(
        t.call_as("GET", &format!("/api/v1/cases/{case}"), &cm_c, None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    ok(&send(&t, &cm_c, &id, json!({"kind": "acknowledgement", "contact": "Ma Synthetic Desk Officer", "alternate": "Ko Synthetic Deputy"})).await);
    // The destination reads it as received, from the origin, by name.
    let v = view(&t, &cm, &id).await;
    assert_eq!(v["side"], "destination");
    assert_eq!(v["state"], "acknowledged");
    let ack = &v["steps"][1];
    assert_eq!(
        (ack["direction"].as_str(), ack["from_side"].as_str()),
        (Some("received"), Some("origin"))
    );
    assert_eq!(ack["by"], "Demo Case Manager (org C)");
    let v = view(&t, &cm_c, &id).await;
    assert_eq!(v["steps"][1]["direction"], "sent");
    assert_eq!(v["steps"][0]["direction"], "received");
    // A side acts only on its own steps.
    let r = send(
        &t,
        &cm_c,
        &id,
        json!({"kind": "risk_and_needs_assessment", "categories": ["identity"]}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    ok(&send(
        &t,
        &cm,
        &id,
        json!({"kind": "risk_and_needs_assessment", "categories": ["identity"]}),
    )
    .await);
    ok(&send(
        &t,
        &cm_c,
        &id,
        json!({"kind": "corroboration", "decision": "go", "reason": "Services in place"}),
    )
    .await);
    to_solution_planning(&t, &coord, &case).await;
    ok(&t
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/repatriation"),
            &cm,
            Some(json!({"partner": local.fingerprint, "language": "my", "interpreter": true, "escort": "receiving_staff"})),
        )
        .await);
    ok(&send(
        &t,
        &cm,
        &id,
        json!({"kind": "travel_ready", "travel_on": today()}),
    )
    .await);
    ok(&send(&t, &cm, &id, json!({"kind": "departed"})).await);
    ok(&send(
        &t,
        &cm_c,
        &id,
        json!({"kind": "arrived", "arrived_on": today()}),
    )
    .await);
    let status = t
        .call_as("GET", &format!("/api/v1/cases/{case}"), &cm, None)
        .await
        .json()["status"]
        .clone();
    assert_eq!(status, "follow_up", "the arrival moved the case");
    // An alert from the origin reaches both organisations.
    ok(&send(
        &t,
        &cm_c,
        &id,
        json!({"kind": "security_alert", "note": "A recruiter came back (synthetic)"}),
    )
    .await);
    assert_eq!(notices(&t, "demo-coordinator").await.len(), 1);
    assert_eq!(notices(&t, "demo-cm-c").await.len(), 1);
    assert!(notices(&t, "demo-cm-b").await.is_empty());
    // Someone of neither side gets what a missing handover gets.
    let cm_b = t.login("demo-cm-b").await;
    let r = t
        .call_as("GET", &format!("/api/v1/handovers/{id}"), &cm_b, None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The origin's page: its steps, no road to the case.
    let (page_c, _) = page_login(&t, "demo-cm-c").await;
    let html = t.page(&page_c, &format!("/handovers/{id}")).await;
    assert_eq!(html.status, StatusCode::OK);
    assert!(!html.text().contains(&format!("/cases/{case}")));
    assert!(!html.text().contains("Thida"), "nothing of the person");
    ok(&send(
        &t,
        &cm_c,
        &id,
        json!({"kind": "closure", "reason": "Plan completed"}),
    )
    .await);
    assert_eq!(view(&t, &cm, &id).await["state"], "closed");
    assert_eq!(t.app.deliver_handover_outbox_now().await.unwrap().sent, 0);
}

/// On one deployment, a consent withdrawal erases what the origin's side
/// holds at once (nothing is sent to be erased later): its view keeps only
/// the state, every message's content is gone but the withdrawal's, and
/// neither side can send anything more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawal_erases_a_local_handover_for_the_origin_at_once() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let org_c = org_id(&t, &cm, "Organisation C").await;
    let local = t
        .app
        .register_local_handover_partner(
            safepath_app::admin::Operator::Cli("test"),
            "Organisation C's return desk (this deployment)",
            &org_c,
        )
        .await
        .unwrap();
    let cm_c = t.login("demo-cm-c").await;
    let (case, consent) = ready_case(&t, &cm).await;
    let started = t
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case}/handovers"),
            &cm,
            Some(json!({"partner": local.fingerprint, "categories": ["identity"]})),
        )
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    let id = started.json()["id"].as_str().unwrap().to_owned();
    let ack = send(&t, &cm_c, &id, json!({"kind": "acknowledgement", "contact": "Ma Synthetic Desk Officer", "alternate": "Ko Synthetic Deputy"})).await;
    assert_eq!(ack.status, StatusCode::CREATED, "{}", ack.text());
    let w = t
        .call_as(
            "POST",
            &format!("/api/v1/consents/{consent}/withdraw"),
            &cm,
            Some(json!({})),
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    let v = view(&t, &cm_c, &id).await;
    assert_eq!(v["state"], "consent_withdrawn");
    assert!(v["contacts"].is_null(), "the record is erased: {v}");
    assert_eq!(v["categories"], json!([]));
    assert_eq!(v["next_steps"], json!([]));
    for m in t.app.store().handover_messages(&id).await.unwrap() {
        if m.kind != "consent_withdrawn" {
            assert!(m.content.is_none(), "{} kept", m.kind);
        }
    }
    assert!(!v.to_string().contains("Thida"));
    for tok in [&cm, &cm_c] {
        let refused = send(&t, tok, &id, json!({"kind": "security_alert"})).await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert_eq!(refused.json()["code"], "handover_consent_withdrawn");
    }
    assert_eq!(t.app.deliver_handover_outbox_now().await.unwrap().sent, 0);
}
