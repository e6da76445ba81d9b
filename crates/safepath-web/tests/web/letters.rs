//! Decision letters (issue 10): written in the person's language when
//! SafePath writes it, with the others a click away, and signed by the
//! staff member who recorded the decision.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_letter_is_in_the_persons_language_and_signed() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let case = t
        .create(
            &coord,
            json!({"display_name": "Synthetic Sokha", "names": [{"value": "Synthetic Sokha"}], "languages": ["km", "th"]}),
        )
        .await;
    let case_id = case["id"].as_str().unwrap();
    let a = t
        .call("POST", &format!("/api/v1/cases/{case_id}/decisions"), Some(&coord), Some(json!({"stage": "reasonable_grounds", "outcome": "presumed_victim", "reasons": "Synthetic reasons, long enough to record.", "letter_addressee": "person"})))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let decision = a.json()["id"].as_str().unwrap().to_owned();
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let letter = format!("/cases/{case_id}/decisions/{decision}/letter");

    // The person's first language SafePath writes: Khmer.
    let km = page_get(&t, &cookie, &letter).await;
    assert_eq!(km.status, StatusCode::OK);
    let html = km.text();
    assert!(html.contains("<html lang=\"km\">"), "{html}");
    assert!(html.contains("id=\"letter-signatory\""));
    assert!(
        html.contains("Demo Coordinator (org A), អ្នកសម្របសម្រួល"),
        "signed, the role in Khmer"
    );
    // The reader's language and the person's other one are offered.
    assert!(html.contains(&format!("{letter}?lang=en")));
    assert!(html.contains(&format!("{letter}?lang=th")));
    assert!(
        !html.contains(&format!("{letter}?lang=km")),
        "not the one shown"
    );

    // Another language on request; an unknown one falls back to the person's.
    let en = page_get(&t, &cookie, &format!("{letter}?lang=en"))
        .await
        .text();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("Decided by: Demo Coordinator (org A), Coordinator"));
    let unknown = page_get(&t, &cookie, &format!("{letter}?lang=xx"))
        .await
        .text();
    assert!(unknown.contains("<html lang=\"km\">"));

    // Someone who may not see the case gets nothing of it.
    let (other, _) = page_login(&t, "demo-cm-b").await;
    let r = page_get(&t, &other, &letter).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.text().contains("Synthetic Sokha"));
}
