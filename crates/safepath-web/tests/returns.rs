//! Returns (issue 12): the structured repatriation security assessment and
//! the case's lifecycle agree; the person's voluntary decision and the return
//! plan recorded through the return gate; a removal by other authorities
//! recorded apart and never counted as a repatriation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;
use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn person() -> Value {
    json!({"names": [{"value": "Synthetic Returnee", "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 1992}, "nationalities": ["KHM"], "languages": ["km"]})
}

/// A case of organisation A identified and brought to solution planning,
/// with no assessment recorded yet.
async fn in_solution_planning(t: &TestApp, cm: &str, coord: &str) -> String {
    let id = t.create(cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (stage, outcome) in [
        ("reasonable_grounds", "presumed_victim"),
        ("conclusive", "identified"),
    ] {
        let a = t
            .call("POST", &format!("/api/v1/cases/{id}/decisions"), Some(coord), Some(json!({"stage": stage, "outcome": outcome, "reasons": "Synthetic reasons, long enough to record.", "letter_addressee": "person"})))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{stage}: {}", a.text());
    }
    let a = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/transitions"),
            Some(coord),
            Some(json!({"to": "solution_planning"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    id
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

async fn assess(t: &TestApp, tok: &str, case: &str, protection_need: &str) {
    let a = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/security-assessments"),
            Some(tok),
            Some(assessment(protection_need)),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
}

async fn status(t: &TestApp, tok: &str, case: &str) -> Value {
    t.call("GET", &format!("/api/v1/cases/{case}"), Some(tok), None)
        .await
        .json()["status"]
        .clone()
}

/// The bug: the lifecycle only looked at the free-text assessments, so a
/// case whose return page held a structured security assessment could not
/// move to `repatriation_in_progress` ("needs a recorded security
/// assessment"), while one whose structured assessment found a need for
/// international protection could, with any free-text summary beside it.
#[tokio::test]
async fn the_lifecycle_weighs_the_structured_security_assessment() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let to_return = json!({"to": "repatriation_in_progress"});

    let id = in_solution_planning(&t, &cm, &coord).await;
    assess(&t, &cm, &id, "none").await;
    let moved = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/transitions"),
            Some(&coord),
            Some(to_return.clone()),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());

    // Non-refoulement: a protection need stops the step, a free-text
    // summary notwithstanding.
    for (need, code) in [
        ("established", "international_protection_needed"),
        ("possible", "international_protection_needed"),
    ] {
        let id = in_solution_planning(&t, &cm, &coord).await;
        let s = t
            .call("POST", &format!("/api/v1/cases/{id}/assessments"), Some(&coord), Some(json!({"kind": "security_assessment", "summary": "Home district safe (synthetic)."})))
            .await;
        assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
        assess(&t, &cm, &id, need).await;
        let refused = t
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/transitions"),
                Some(&coord),
                Some(to_return.clone()),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
        assert_eq!(refused.json()["code"], code);
        assert_eq!(status(&t, &cm, &id).await, "solution_planning");
    }
}
