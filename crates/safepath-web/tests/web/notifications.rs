//! Notifications say what happened in words, link to what they are about,
//! are counted until read, and are marked read one at a time or all at
//! once — each user only their own.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn person(name: &str) -> Value {
    json!({"names": [{"value": name, "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 1993}, "nationalities": ["VNM"], "languages": ["vi"]})
}

/// A referral from A to B: B's focal point (demo-cm-b) is told.
async fn referral_to_b(t: &TestApp, cm_a: &str, cm_b: &str) -> (String, String) {
    let case = t
        .call("POST", "/api/v1/cases", Some(cm_a), Some(json!({"person": person("Synthetic Noticeone"), "exploitation_forms": ["forced_labour"]})))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org_b = t.call("GET", "/api/v1/me", Some(cm_b), None).await.json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = t
        .call("POST", &format!("/api/v1/cases/{case}/consents"), Some(cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health"], "expires_on": "2099-12-31"})))
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let r = t
        .call("POST", &format!("/api/v1/cases/{case}/referrals"), Some(cm_a), Some(json!({"to_org_id": org_b, "service": "legal_aid", "categories": ["health"], "urgency": "emergency"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    (case, r.json()["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_notification_says_what_happened_in_words_and_links_to_it() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let (case, rid) = referral_to_b(&t, &cm_a, &cm_b).await;
    let list = t
        .call("GET", "/api/v1/notifications", Some(&cm_b), None)
        .await
        .json();
    assert_eq!(list["unread"], 1, "{list}");
    let n = &list["items"][0];
    assert_eq!(n["subject_type"], "referral");
    assert_eq!(n["subject_id"], rid.as_str());
    assert_eq!(n["params"]["service"], "legal_aid");

    let (b, _) = page_login(&t, "demo-cm-b").await;
    let html = t.page(&b, "/notifications").await.text();
    assert!(html.contains("id=\"unread-count\""), "the menu counts it");
    assert!(
        html.contains(
            "New referral for Legal aid from Organisation A — National Anti-Trafficking Unit (emergency): judge it in your referral inbox."
        ),
        "{html}"
    );
    assert!(html.contains("<a href=\"/referrals\">Open the referral inbox</a>"));
    assert!(!html.contains(&rid[..8]), "no referral id on the page");
    assert!(!html.contains(&case[..8]), "no case id on the page");

    // B accepts: A's case manager reads it in words, linked to the case's referrals.
    let accepted = t
        .call(
            "POST",
            &format!("/api/v1/referrals/{rid}/accept"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK);
    let (a, _) = page_login(&t, "demo-cm-a").await;
    let html = t.page(&a, "/notifications").await.text();
    assert!(
        html.contains("to Organisation B") && html.contains("for Legal aid is now: accepted."),
        "{html}"
    );
    assert!(html.contains(&format!("href=\"/cases/{case}/sharing#case-referrals\"")));
    assert!(!html.contains(&rid[..8]), "no referral id on the page");

    // In Indonesian too.
    let id_page = t
        .page_post(
            &b,
            "/settings/language",
            format!(
                "csrf={}&language=id",
                hidden(&t.page(&b, "/notifications").await.text(), "csrf")
            ),
        )
        .await;
    assert_eq!(id_page.status, StatusCode::SEE_OTHER);
    let html = t.page(&b, "/notifications").await.text();
    assert!(html.contains("Rujukan baru untuk"), "{html}");
    assert!(html.contains("Buka kotak masuk rujukan"));
}

#[tokio::test]
async fn one_notification_is_marked_read_by_its_owner_only() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    referral_to_b(&t, &cm_a, &cm_b).await;
    referral_to_b(&t, &cm_a, &cm_b).await;
    let list = t
        .call("GET", "/api/v1/notifications", Some(&cm_b), None)
        .await
        .json();
    assert_eq!(list["unread"], 2);
    let first = list["items"][0]["id"].as_str().unwrap().to_owned();

    // Someone else (same organisation or another) cannot mark it: 404, nothing changes.
    for other in ["demo-cm-a", "demo-cm-c", "demo-coordinator"] {
        let tok = t.login(other).await;
        let r = t
            .call(
                "POST",
                &format!("/api/v1/notifications/{first}/read"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{other}");
        let (page, csrf) = page_login(&t, other).await;
        let r = t
            .page_post(
                &page,
                &format!("/notifications/{first}/read"),
                format!("csrf={csrf}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{other}");
    }
    let missing = t
        .call(
            "POST",
            "/api/v1/notifications/no-such-id/read",
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    let unread = t
        .call("GET", "/api/v1/notifications", Some(&cm_b), None)
        .await
        .json()["unread"]
        .clone();
    assert_eq!(unread, 2, "nothing changed");

    // The owner marks one on the page (with the form's token only).
    let (b, csrf) = page_login(&t, "demo-cm-b").await;
    let refused = t
        .page_post(
            &b,
            &format!("/notifications/{first}/read"),
            "csrf=wrong".into(),
        )
        .await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER);
    let done = t
        .page_post(
            &b,
            &format!("/notifications/{first}/read"),
            format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let to = done.headers["location"].to_str().unwrap().to_owned();
    let html = t.page(&b, &to).await.text();
    assert!(html.contains("id=\"message\""), "{html}");
    assert!(html.contains("The notification is marked as read"));
    assert!(html.contains("id=\"read-list\""), "read ones shown apart");
    assert_eq!(html.matches("data-read=\"false\"").count(), 1);
    assert_eq!(html.matches("data-read=\"true\"").count(), 1);
    let list = t
        .call("GET", "/api/v1/notifications", Some(&cm_b), None)
        .await
        .json();
    assert_eq!(list["unread"], 1);

    // The API: one (again: still fine), then all.
    let again = t
        .call(
            "POST",
            &format!("/api/v1/notifications/{first}/read"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT);
    let all = t
        .call("POST", "/api/v1/notifications/read-all", Some(&cm_b), None)
        .await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.json()["marked"], 1);
    let html = t.page(&b, "/notifications").await.text();
    assert!(!html.contains("id=\"unread-count\""));
    assert!(
        html.contains("id=\"no-unread\""),
        "the empty state says what comes here"
    );
    // Without a sign-in: 401.
    let anon = t
        .call(
            "POST",
            &format!("/api/v1/notifications/{first}/read"),
            None,
            None,
        )
        .await;
    assert_eq!(anon.status, StatusCode::UNAUTHORIZED);
}
