//! A shelter's residents for its staff, and stays recorded by the receiving
//! organisation that runs the shelter (issue 10): names only where the
//! reader may open the case, nobody else sees the list, and a receiving
//! organisation records stays only when `accommodation` is shared.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};

fn woman(name: &str) -> Value {
    json!({"names": [{"value": name, "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 1994}, "nationalities": ["MMR"], "languages": ["my"]})
}

async fn women_shelter(t: &TestApp, token: &str) -> String {
    shelter_named(t, token, safepath_app::directory::DEMO_SHELTERS[0].0).await
}

async fn admit(t: &TestApp, token: &str, case: &str, shelter: &str) -> Answer {
    t.call(
        "POST",
        &format!("/api/v1/cases/{case}/stays"),
        Some(token),
        Some(json!({"shelter_id": shelter, "free_to_leave": true})),
    )
    .await
}

#[tokio::test]
async fn a_shelters_staff_see_who_stays_there_and_nobody_else_does() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let shelter = women_shelter(&t, &cm_a).await;
    let case = t.create(&cm_a, woman("Synthetic Residentname")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let stay = admit(&t, &cm_a, &case, &shelter).await;
    assert_eq!(stay.status, StatusCode::CREATED, "{}", stay.text());
    let stay_id = stay.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/shelters/{shelter}/residents");

    // Organisation B runs the shelter: its staff see the resident, but not
    // who she is while organisation A shares nothing with them.
    let list = t.call("GET", &path, Some(&cm_b), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let item = &list.json()["items"][0];
    assert_eq!(item["stay_id"], stay_id.as_str());
    assert!(
        item["placed_by"]
            .as_str()
            .unwrap()
            .starts_with("Organisation A")
    );
    assert!(item.get("name").is_none() && item.get("case_id").is_none());
    assert!(!list.text().contains("Residentname"));

    // With identity and accommodation shared under consent, the name and
    // the case appear.
    refer_to(
        &t,
        &cm_a,
        &cm_b,
        &case,
        json!(["identity", "accommodation"]),
    )
    .await;
    let list = t.call("GET", &path, Some(&cm_b), None).await.json();
    assert_eq!(list["items"][0]["name"], "Synthetic Residentname");
    assert_eq!(list["items"][0]["case_id"], case.as_str());

    // Nobody outside the shelter's staff sees the list, not even the
    // resident's own case manager (she has the case's stays page).
    for user in [
        "demo-cm-a",
        "demo-coordinator",
        "demo-cm-c",
        "demo-analyst",
        "demo-admin",
    ] {
        let tok = t.login(user).await;
        let r = t.call("GET", &path, Some(&tok), None).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        assert!(!r.text().contains("Residentname"), "{user}");
        let (cookie, _) = page_login(&t, user).await;
        let page = page_get(&t, &cookie, &format!("/shelters/{shelter}"))
            .await
            .text();
        assert!(!page.contains("id=\"residents\""), "{user}");
    }

    // The page lists her for the staff, and the leaving recorded from there
    // comes back to the list with a message.
    let (cookie, csrf) = page_login(&t, "demo-cm-b").await;
    let page = page_get(&t, &cookie, &format!("/shelters/{shelter}"))
        .await
        .text();
    assert!(page.contains("id=\"residents\"") && page.contains("Synthetic Residentname"));
    let left = page_post(
        &t,
        &cookie,
        &format!("/stays/{stay_id}/leave"),
        format!("csrf={csrf}&from=shelter"),
    )
    .await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.text());
    let to = left.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert_eq!(to, format!("/shelters/{shelter}?done=left"));
    let page = page_get(&t, &cookie, &to).await.text();
    assert!(page.contains("id=\"message\"") && page.contains("id=\"no-residents\""));
}

#[tokio::test]
async fn the_receiving_organisation_records_a_stay_only_with_accommodation_shared() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let shelter = women_shelter(&t, &cm_a).await;

    // Only health shared: organisation B may not record her stay, and the
    // case's stays look missing to it.
    let health_only = t.create(&cm_a, woman("Synthetic Healthonly")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    refer_to(&t, &cm_a, &cm_b, &health_only, json!(["health"])).await;
    let refused = admit(&t, &cm_b, &health_only, &shelter).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text());
    let stays = t
        .call(
            "GET",
            &format!("/api/v1/cases/{health_only}/stays"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(stays.status, StatusCode::NOT_FOUND);
    let (cookie, _) = page_login(&t, "demo-cm-b").await;
    let case_page = page_get(&t, &cookie, &format!("/cases/{health_only}"))
        .await
        .text();
    assert!(!case_page.contains("id=\"stays-link\""));

    // Accommodation shared: B's staff admit her to their own shelter.
    let case = t.create(&cm_a, woman("Synthetic Shelterwoman")).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    refer_to(&t, &cm_a, &cm_b, &case, json!(["accommodation"])).await;
    let case_page = page_get(&t, &cookie, &format!("/cases/{case}"))
        .await
        .text();
    assert!(
        case_page.contains("id=\"stays-link\""),
        "the link leads somewhere now"
    );
    let admitted = admit(&t, &cm_b, &case, &shelter).await;
    assert_eq!(admitted.status, StatusCode::CREATED, "{}", admitted.text());
    let stays = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/stays"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(stays.status, StatusCode::OK);
    assert_eq!(stays.json()["items"].as_array().unwrap().len(), 1);
    let page = page_get(&t, &cookie, &format!("/cases/{case}/stays")).await;
    assert_eq!(page.status, StatusCode::OK);
    // The owner sees the stay B recorded.
    let owner = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/stays"),
            Some(&cm_a),
            None,
        )
        .await
        .json();
    assert_eq!(owner["items"][0]["shelter_id"], shelter.as_str());
}
