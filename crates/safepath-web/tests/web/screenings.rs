//! A responder's own list of screenings (issue 10): `GET /api/v1/screenings`
//! and the page `/screenings` — newest first, in words, no answers or notes,
//! a coordinator's list of their organisation, nobody else's, audited.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn presumed() -> Value {
    json!({"consent_given": true, "language": "km", "interpreter": true, "place_kind": "vessel",
           "place_note": "Synthetic pier note 41",
           "document": {"age_years": 27, "form": "fishing", "act_established": true,
               "indicators": {"DR1": "yes", "DR8": "yes", "EX1": "yes", "EX4": "yes", "CD1": "yes", "CD2": "yes"}}})
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn each_responder_lists_their_own_screenings_and_a_coordinator_their_organisations() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let list = |token: String| {
        let t = &t;
        async move {
            t.call("GET", "/api/v1/screenings", Some(&token), None)
                .await
        }
    };
    let before = list(responder.clone()).await;
    assert_eq!(before.status, StatusCode::OK, "{}", before.text());
    assert_eq!(before.json()["scope"], "mine");
    let older = ids(&before.json());

    let made = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(presumed()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let id = made.json()["id"].as_str().unwrap().to_owned();

    let after = list(responder.clone()).await;
    let body = after.json();
    assert_eq!(ids(&body).first(), Some(&id), "newest first");
    assert_eq!(ids(&body).len(), older.len() + 1);
    let first = &body["items"][0];
    assert_eq!(first["outcome"], "presumed_trafficking");
    assert_eq!(first["form"], "fishing");
    assert_eq!(first["population"], "adult");
    assert_eq!(first["referred"], false);
    assert_eq!(first["mine"], true);
    assert!(first.get("case_id").is_none());
    assert_eq!(body["cut"], false);
    // The list carries no answers and no notes.
    assert!(!after.text().contains("Synthetic pier note 41"));
    assert!(!after.text().contains("indicators"));

    // Referred into organisation B: the responder (organisation A) may not
    // open B's case, so the list says "referred" without a link.
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
    let referred = list(responder.clone()).await.json();
    assert_eq!(referred["items"][0]["referred"], true);
    assert!(referred["items"][0].get("case_id").is_none());
    // The case's page names the screening it came from, for those who may
    // open the case, and the link opens it.
    let case_id = case.json()["id"].as_str().unwrap().to_owned();
    let (cm_b_page, _) = page_login(&t, "demo-cm-b").await;
    let html = t
        .page(&cm_b_page, &format!("/cases/{case_id}"))
        .await
        .text();
    assert!(html.contains("id=\"case-screening\""), "named on the case");
    assert!(html.contains(&format!("href=\"/screenings/{id}\"")));
    assert_eq!(
        t.page(&cm_b_page, &format!("/screenings/{id}"))
            .await
            .status,
        StatusCode::OK
    );
    // The bug: an organisation the case is later referred to (under a
    // consent that shares only `health`) could open the screening — its
    // answers and notes — because it may read the case. It gets the answer
    // a missing screening gets.
    let cm_b = t.login("demo-cm-b").await;
    let cm_c = t.login("demo-cm-c").await;
    refer_to(&t, &cm_b, &cm_c, &case_id, json!(["health"])).await;
    let shared = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}"),
            Some(&cm_c),
            None,
        )
        .await;
    assert_eq!(shared.status, StatusCode::OK, "the referral is accepted");
    let opened = t
        .call(
            "GET",
            &format!("/api/v1/screenings/{id}"),
            Some(&cm_c),
            None,
        )
        .await;
    assert_eq!(opened.status, StatusCode::NOT_FOUND, "{}", opened.text());

    // The responder's coordinator sees it among the organisation's, as a
    // colleague's; other organisations' users never see it.
    let coordinator = t.login("demo-coordinator").await;
    let org = list(coordinator).await.json();
    assert_eq!(org["scope"], "organisation");
    let theirs = org["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == id.as_str())
        .expect("the organisation's coordinator sees the screening");
    assert_eq!(theirs["mine"], false);
    for other in ["demo-cm-b", "demo-cm-c"] {
        let token = t.login(other).await;
        let answer = list(token).await;
        assert_eq!(answer.status, StatusCode::OK, "{other}");
        assert!(!ids(&answer.json()).contains(&id), "{other} sees it");
    }
    // Roles that do not screen have no list; without a token, 401.
    for role in ["demo-analyst", "demo-admin"] {
        let token = t.login(role).await;
        assert_eq!(list(token).await.status, StatusCode::FORBIDDEN, "{role}");
    }
    assert_eq!(
        t.call("GET", "/api/v1/screenings", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );

    // Every listing is audited with the ids it returned.
    let entries = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    let listed = entries
        .iter()
        .filter(|e| e.entry.action == "screening.list")
        .filter(|e| e.entry.detail.as_deref().unwrap_or("").contains(&id))
        .count();
    assert!(listed >= 3, "listings naming the screening: {listed}");
}

#[tokio::test]
async fn the_page_shows_the_screenings_in_words_with_a_link_to_each() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let made = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(presumed()),
        )
        .await;
    let id = made.json()["id"].as_str().unwrap().to_owned();
    let (cookie, _) = page_login(&t, "demo-responder").await;
    let page = page_get(&t, &cookie, "/screenings").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(
        html.contains(&format!("href=\"/screenings/{id}\"")),
        "a link to the result"
    );
    assert!(html.contains("My screenings"));
    assert!(html.contains("Fishing at sea"), "the situation in words");
    assert!(
        html.contains("Presumed victim of trafficking"),
        "the result in words"
    );
    assert!(html.contains("Adult"));
    assert!(html.contains("Not referred"));
    assert!(html.contains("id=\"nav-screenings\""), "in the menu");
    // The result in words, not its code, as visible text.
    assert!(!html.contains(">presumed_trafficking<"));
    assert!(!html.contains("Synthetic pier note 41"));
    // The analyst has no such page.
    let (analyst, _) = page_login(&t, "demo-analyst").await;
    assert_eq!(
        page_get(&t, &analyst, "/screenings").await.status,
        StatusCode::FORBIDDEN
    );
}
