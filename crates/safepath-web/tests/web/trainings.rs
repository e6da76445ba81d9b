//! Staff trainings (issue 13): coordinators record who was trained on what;
//! nobody else reads or writes them; the checklist counts the first
//! responders trained on identification in the year.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn user_id(t: &TestApp, username: &str) -> String {
    let tok = t.login(username).await;
    t.call("GET", "/api/v1/me", Some(&tok), None).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn today() -> String {
    let d = time::OffsetDateTime::now_utc().date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

async fn count(t: &TestApp, tok: &str) -> Value {
    checklist_item(t, tok, "trained_responders").await["value"].clone()
}

#[tokio::test]
async fn coordinators_record_trainings_and_the_checklist_counts_responders() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let responder = user_id(&t, "demo-responder").await;
    let cm = user_id(&t, "demo-cm-a").await;
    let before = count(&t, &coord).await.as_f64().unwrap_or(0.0);
    let listed_before = t
        .call("GET", "/api/v1/trainings", Some(&coord), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    let r = t
        .call("POST", "/api/v1/trainings", Some(&coord), Some(json!({"held_on": today(), "topic": "identification", "attendee_ids": [responder, cm], "note": "Module 2 (synthetic)"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["attendees"].as_array().unwrap().len(), 2);
    // Another topic does not count; the same responder twice counts once.
    for topic in ["interviewing", "identification"] {
        let r = t
            .call(
                "POST",
                "/api/v1/trainings",
                Some(&coord),
                Some(json!({"held_on": today(), "topic": topic, "attendee_ids": [responder]})),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    // Organisation A has one first responder: trained, counted once,
    // whatever the demo had recorded before ({before}).
    let after = count(&t, &coord).await.as_f64().unwrap();
    assert_eq!(after, 1.0, "{before} → {after}");
    let list = t
        .call("GET", "/api/v1/trainings", Some(&coord), None)
        .await
        .json();
    assert_eq!(list["items"].as_array().unwrap().len(), listed_before + 3);
    assert!(
        list["staff"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "Demo First Responder (org A)" || s["role"] == "first_responder")
    );
    // The analyst's checklist counts them too (all organisations).
    let analyst = t.login("demo-analyst").await;
    assert!(count(&t, &analyst).await.as_f64().unwrap() >= 1.0);
}

#[tokio::test]
async fn only_coordinators_see_or_record_trainings_and_bad_input_changes_nothing() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let responder = user_id(&t, "demo-responder").await;
    let outsider = user_id(&t, "demo-cm-b").await;
    let listed = || async {
        t.call("GET", "/api/v1/trainings", Some(&coord), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let n = listed().await;
    for user in [
        "demo-cm-a",
        "demo-responder",
        "demo-provider",
        "demo-analyst",
        "demo-admin",
        "demo-partner",
    ] {
        let tok = t.login(user).await;
        let get = t.call("GET", "/api/v1/trainings", Some(&tok), None).await;
        assert_eq!(get.status, StatusCode::FORBIDDEN, "{user}");
        let post = t
            .call("POST", "/api/v1/trainings", Some(&tok), Some(json!({"held_on": today(), "topic": "identification", "attendee_ids": [responder]})))
            .await;
        assert_eq!(post.status, StatusCode::FORBIDDEN, "{user}");
        let (cookie, _) = page_login(&t, user).await;
        assert_eq!(
            page_get(&t, &cookie, "/trainings").await.status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
    }
    for (body, field) in [
        (
            json!({"held_on": today(), "topic": "identification", "attendee_ids": [outsider]}),
            "attendees",
        ),
        (
            json!({"held_on": today(), "topic": "identification", "attendee_ids": []}),
            "attendees",
        ),
        (
            json!({"held_on": "2999-01-01", "topic": "identification", "attendee_ids": [responder]}),
            "held_on",
        ),
        (
            json!({"held_on": "yesterday", "topic": "identification", "attendee_ids": [responder]}),
            "held_on",
        ),
        (
            json!({"held_on": today(), "topic": "identification", "attendee_ids": [responder], "note": "x".repeat(501)}),
            "note",
        ),
    ] {
        let r = t
            .call("POST", "/api/v1/trainings", Some(&coord), Some(body))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{field}: {}", r.text());
        assert!(
            r.json()["message"].as_str().unwrap().starts_with(field),
            "{}",
            r.text()
        );
    }
    let r = t
        .call(
            "POST",
            "/api/v1/trainings",
            Some(&coord),
            Some(json!({"held_on": today(), "topic": "astrology", "attendee_ids": [responder]})),
        )
        .await;
    assert!(r.status.is_client_error());
    assert_eq!(listed().await, n, "nothing was recorded");
}

#[tokio::test]
async fn the_page_keeps_the_input_beside_the_error() {
    let t = spawn_app().await;
    let responder = user_id(&t, "demo-responder").await;
    let (cookie, csrf) = page_login(&t, "demo-coordinator").await;
    let page = page_get(&t, &cookie, "/trainings").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("id=\"nav-trainings\""),
        "the menu offers it"
    );
    let r = page_post(
        &t,
        &cookie,
        "/trainings",
        format!("csrf={csrf}&held_on=2999-01-01&topic=child_protection&attendee_ids={responder}&note=Synthetic+note"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let html = r.text();
    assert!(html.contains("id=\"training-held_on-error\""), "{html}");
    assert!(html.contains("value=\"Synthetic note\""));
    assert!(html.contains("<option value=\"child_protection\" selected>"));
    assert!(html.contains(&format!("value=\"{responder}\" checked")));
    let ok = page_post(
        &t,
        &cookie,
        "/trainings",
        format!(
            "csrf={csrf}&held_on={}&topic=child_protection&attendee_ids={responder}&note=",
            today()
        ),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let page = page_get(&t, &cookie, "/trainings?done=recorded")
        .await
        .text();
    assert!(page.contains("id=\"message\"") && page.contains("Child protection"));
}
