//! Identification: the screening contract, a stored screening referred to the focal point, the reasonable-grounds and conclusive decisions with reconsideration, overdue decisions.
//! (Split by capability from the former tests/web.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

// ---------- identification ----------

fn fishing_presumed() -> Value {
    json!({"age_years": 27, "form": "fishing", "act_established": true,
           "indicators": {"DR1": "yes", "DR8": "yes", "EX1": "yes", "EX4": "yes", "CD1": "yes", "CD2": "yes"}})
}

fn submission(doc: Value) -> Value {
    json!({"consent_given": true, "language": "my", "interpreter": true, "place_kind": "vessel", "place_note": "Synthetic vessel 7", "document": doc})
}

#[tokio::test]
async fn screening_evaluation_follows_the_contract() {
    let t = spawn_app().await;
    let doc = json!({"age_years": 34, "likely_child": false, "form": "labour", "act_established": true,
        "indicators": {"DR1": "yes", "CD1": "yes", "EX4": "unknown"},
        "smuggling": {"irregular_crossing_for_fee": false, "consented_to_movement": false, "relationship_ended_on_arrival": false},
        "free_to_leave": false, "rule": "broad"});
    let a = t
        .call("POST", "/api/v1/screenings/evaluate", None, Some(doc))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let v = a.json();
    assert!(
        v["outcome"].is_string()
            && v["population"] == "adult"
            && v["dimensions"]["DR"]["present"].is_array()
    );
    let bad = t
        .call(
            "POST",
            "/api/v1/screenings/evaluate",
            None,
            Some(json!({"form": "labour", "act_established": true, "indicators": {"ZZ9": "yes"}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["code"], "unknown_indicator");
}

#[tokio::test]
async fn a_screening_is_stored_re_read_and_referred_to_the_focal_point() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let bad = t.call("POST", "/api/v1/screenings", Some(&responder), Some(json!({"consent_given": false, "language": "my", "place_kind": "vessel", "document": fishing_presumed()}))).await;
    assert_eq!(bad.json()["code"], "consent_required");
    let mut unknown = fishing_presumed();
    unknown["indicators"]["QQ1"] = json!("yes");
    assert_eq!(
        t.call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(unknown))
        )
        .await
        .json()["code"],
        "unknown_indicator"
    );

    let s = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(fishing_presumed())),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
    let s = s.json();
    assert_eq!(s["outcome"], "presumed_trafficking");
    assert_eq!(s["referable"], true);
    assert_eq!(s["non_removal"], true);
    assert_eq!(
        s["profile_id"], "thailand",
        "the agency's country picks the profile"
    );
    assert!(s["catalogue_version"].as_str().unwrap().len() > 3);
    let id = s["id"].as_str().unwrap();
    // Re-read exactly as decided; hidden from other organisations.
    let again = t
        .call(
            "GET",
            &format!("/api/v1/screenings/{id}"),
            Some(&responder),
            None,
        )
        .await
        .json();
    assert_eq!(again["evaluation"], s["evaluation"]);
    assert_eq!(again["submission"]["place_note"], "Synthetic vessel 7");
    let cm_b = t.login("demo-cm-b").await;
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/screenings/{id}"),
            Some(&cm_b),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Referral into a case for organisation B's focal point.
    let org_b = org_id(&t, &responder, "Organisation B").await;
    let case = t
        .call(
            "POST",
            &format!("/api/v1/screenings/{id}/refer"),
            Some(&responder),
            Some(json!({"to_org_id": org_b})),
        )
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.text());
    let case_id = case.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/screenings/{id}/refer"),
            Some(&responder),
            Some(json!({"to_org_id": org_b}))
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let seen = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.json()["status"], "referred");
    assert_eq!(seen.json()["exploitation_forms"], json!(["forced_labour"]));
    // The interview's facts came with the case (they were lost).
    assert_eq!(seen.json()["person"]["languages"], json!(["my"]));
    let notes = seen.json()["notes"].as_str().unwrap_or_default().to_owned();
    for said in [
        "interview in the person's language, with an interpreter",
        "on a vessel",
        "age given: 27",
    ] {
        assert!(notes.contains(said), "{said}: {notes}");
    }
    // Written as people read it: the day in words, no language code (the
    // language is the person's, shown by its name).
    let today = time::OffsetDateTime::now_utc().date();
    assert!(
        notes.contains(&format!(
            "on {} {} {}:",
            today.day(),
            today.month(),
            today.year()
        )),
        "{notes}"
    );
    assert!(!notes.contains(&today.to_string()), "{notes}");
    let flags = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}/flags"),
            Some(&cm_b),
            None,
        )
        .await
        .json();
    assert_eq!(flags["items"], json!(["non_removal"]));
    let decisions = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}/decisions"),
            Some(&cm_b),
            None,
        )
        .await
        .json();
    let rg = &decisions["items"][0];
    assert_eq!(rg["stage"], "reasonable_grounds");
    assert_eq!(rg["open"], true);
    let expected_due = safepath_screening::reasonable_grounds_due(
        time::OffsetDateTime::now_utc().date(),
        safepath_screening::profile("thailand").unwrap(),
    );
    assert_eq!(rg["due_on"], expected_due.to_string());
    // A child screening never reaches adult-only outcomes; forced criminality raises non-punishment.
    let child = t.call("POST", "/api/v1/screenings", Some(&responder), Some(submission(json!({"age_years": 15, "form": "forced_criminality", "act_established": true, "indicators": {"EX1": "yes", "EX3": "yes"}})))).await.json();
    assert_eq!(child["population"], "child");
    assert_eq!(child["outcome"], "presumed_trafficking");
    assert_eq!(child["non_punishment"], true);
    // An outcome that is not presumed is not referred from the screening.
    let none = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(
                json!({"form": "labour", "act_established": false, "indicators": {}}),
            )),
        )
        .await
        .json();
    assert_eq!(none["referable"], false);
    let refused = t
        .call(
            "POST",
            &format!("/api/v1/screenings/{}/refer", none["id"].as_str().unwrap()),
            Some(&responder),
            Some(json!({"to_org_id": org_b})),
        )
        .await;
    assert_eq!(refused.json()["code"], "not_referable");
}

#[tokio::test]
async fn reasonable_grounds_then_reflection_then_conclusive_with_reconsideration() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let s = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(fishing_presumed())),
        )
        .await
        .json();
    let org_a = org_id(&t, &responder, "Organisation A").await;
    let case = t
        .call(
            "POST",
            &format!("/api/v1/screenings/{}/refer", s["id"].as_str().unwrap()),
            Some(&responder),
            Some(json!({"to_org_id": org_a})),
        )
        .await
        .json();
    let case_id = case["id"].as_str().unwrap();
    let path = format!("/api/v1/cases/{case_id}/decisions");
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let rg = json!({"stage": "reasonable_grounds", "outcome": "presumed_victim", "reasons": "Documents held by the captain; debt from advances.", "letter_addressee": "person"});
    // Only the authorised decision-maker decides; reasons are required.
    assert_eq!(
        t.call("POST", &path, Some(&cm), Some(rg.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let short = t.call("POST", &path, Some(&coord), Some(json!({"stage": "reasonable_grounds", "outcome": "presumed_victim", "reasons": "ok"}))).await;
    assert_eq!(short.json()["code"], "reasons_required");
    let wrong = t.call("POST", &path, Some(&coord), Some(json!({"stage": "reasonable_grounds", "outcome": "identified", "reasons": "Long enough reasons here."}))).await;
    assert_eq!(wrong.json()["code"], "invalid_value");
    let conclusive_too_early = t.call("POST", &path, Some(&coord), Some(json!({"stage": "conclusive", "outcome": "identified", "reasons": "Long enough reasons here."}))).await;
    assert_eq!(conclusive_too_early.json()["code"], "no_open_decision");

    let decided = t.call("POST", &path, Some(&coord), Some(rg)).await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text());
    let decided = decided.json();
    assert_eq!(decided["trafficking_status"], "possible");
    assert_eq!(decided["deciding_org_type"], "government");
    let today = time::OffsetDateTime::now_utc().date();
    let ends = safepath_screening::reflection_period_end(
        today,
        safepath_screening::profile("thailand").unwrap(),
    );
    assert_eq!(decided["reflection_ends_on"], ends.to_string());
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{case_id}"), Some(&cm), None)
            .await
            .json()["status"],
        "in_protection"
    );
    let all = t.call("GET", &path, Some(&cm), None).await.json();
    let conclusive = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["stage"] == "conclusive")
        .unwrap();
    assert_eq!(conclusive["open"], true);
    assert_eq!(
        conclusive["due_on"],
        ends.to_string(),
        "the conclusive decision is due when the reflection period ends"
    );

    let negative = t.call("POST", &path, Some(&coord), Some(json!({"stage": "conclusive", "outcome": "not_victim", "reasons": "Insufficient evidence at this stage.", "letter_addressee": "legal_representative"}))).await.json();
    assert_eq!(negative["trafficking_status"], "not_a_victim");
    assert_eq!(negative["letter_addressee"], "legal_representative");
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{case_id}"), Some(&cm), None)
            .await
            .json()["status"],
        "not_identified"
    );
    // Reconsideration re-opens it.
    let re = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case_id}/reconsideration"),
            Some(&cm),
            Some(json!({"reason": "New evidence from the crew list."})),
        )
        .await;
    assert_eq!(re.status, StatusCode::CREATED, "{}", re.text());
    assert_eq!(re.json()["stage"], "conclusive");
    assert!(re.json()["reconsideration_of"].is_string());
    let again = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case_id}/reconsideration"),
            Some(&cm),
            Some(json!({"reason": "New evidence from the crew list."})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let identified = t.call("POST", &path, Some(&coord), Some(json!({"stage": "conclusive", "outcome": "identified", "reasons": "Crew list confirms deception and debt bondage."}))).await.json();
    assert_eq!(identified["trafficking_status"], "actual");
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{case_id}"), Some(&cm), None)
            .await
            .json()["status"],
        "identified"
    );
    // The queue: nothing open on this case now; the overdue filter is validated.
    let open = t
        .call("GET", "/api/v1/decisions", Some(&coord), None)
        .await
        .json();
    assert!(
        !open["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["case_id"] == case_id)
    );
    assert_eq!(
        t.call("GET", "/api/v1/decisions?overdue=maybe", Some(&coord), None)
            .await
            .json()["code"],
        "invalid_value"
    );
}

#[tokio::test]
async fn overdue_decisions_stand_out() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = t.create(&cm, vietnamese()).await;
    let id: uuid::Uuid = case["id"].as_str().unwrap().parse().unwrap();
    let user = t
        .app
        .store()
        .user_by_username("demo-cm-a")
        .await
        .unwrap()
        .unwrap();
    let who = safepath_app::Principal::from_user(user).unwrap();
    let long_ago = time::OffsetDateTime::now_utc().date() - time::Duration::days(30);
    t.app
        .open_reasonable_grounds(&who, id, long_ago)
        .await
        .unwrap();
    let coord = t.login("demo-coordinator").await;
    let overdue = t
        .call("GET", "/api/v1/decisions?overdue=true", Some(&coord), None)
        .await
        .json();
    let item = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["case_id"] == case["id"])
        .expect("listed as overdue");
    assert_eq!(item["overdue"], true);
    assert!(item["days_overdue"].as_i64().unwrap() > 0);
    // Another organisation's case manager does not see it.
    let cm_b = t.login("demo-cm-b").await;
    let theirs = t
        .call("GET", "/api/v1/decisions?overdue=true", Some(&cm_b), None)
        .await
        .json();
    assert!(
        !theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["case_id"] == case["id"])
    );
}

/// The interview's language is kept on the person even when the referral
/// names other languages, and the case's first note says which of them it
/// was without a code (it said "the person's language" of a person whose
/// recorded language was another).
#[tokio::test]
async fn the_interview_language_is_kept_beside_the_persons_own() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let s = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(fishing_presumed())),
        )
        .await
        .json();
    let id = s["id"].as_str().unwrap();
    let org_b = org_id(&t, &responder, "Organisation B").await;
    let person = json!({"display_name": "Synthetic Thida", "names": [{"value": "Synthetic Thida"}], "languages": ["th"]});
    let case = t
        .call(
            "POST",
            &format!("/api/v1/screenings/{id}/refer"),
            Some(&responder),
            Some(json!({"to_org_id": org_b, "person": person})),
        )
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.text());
    let case_id = case.json()["id"].as_str().unwrap().to_owned();
    let cm_b = t.login("demo-cm-b").await;
    let seen = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}"),
            Some(&cm_b),
            None,
        )
        .await
        .json();
    assert_eq!(seen["person"]["languages"], json!(["th", "my"]));
    let notes = seen["notes"].as_str().unwrap_or_default();
    assert!(
        notes.contains("interview in one of the person's languages, with an interpreter"),
        "{notes}"
    );
}
