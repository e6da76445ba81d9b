//! Break-the-glass in the browser (issue 10: it needed the case's internal
//! id, and a short reason gave an error page that lost what was typed): by
//! the case's reference at `/break-glass`, errors beside their field with
//! the input kept, an unknown reference audited; administrators only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

const NAME: &str = "Wirat Synthetic Glassbreak";
const GOOD_REASON: &str = "Police report of imminent danger, duty officer call";

fn form(csrf: &str, reference: &str, reason: &str) -> String {
    let enc = |s: &str| s.replace(' ', "+").replace(',', "%2C");
    format!(
        "csrf={csrf}&reference={}&reason={}",
        enc(reference),
        enc(reason)
    )
}

#[tokio::test]
async fn an_administrator_breaks_the_glass_by_reference_with_errors_beside_the_fields() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = t
        .create(&cm, json!({"names": [{"value": NAME, "script": "Latn"}]}))
        .await;
    let reference = case["reference"].as_str().unwrap().to_owned();
    let id = case["id"].as_str().unwrap().to_owned();

    let (admin, csrf) = page_login(&t, "demo-admin").await;
    let page = page_get(&t, &admin, "/break-glass").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("id=\"reference\""));
    assert!(
        page.text().contains("id=\"nav-break-glass\""),
        "in the menu"
    );

    // A short reason: said beside the reason, both fields kept.
    let short = page_post(
        &t,
        &admin,
        "/break-glass",
        form(&csrf, &reference, "urgent"),
    )
    .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    let html = short.text();
    assert!(html.contains("id=\"reason-error\""), "{html}");
    assert!(
        html.contains("Say why in at least 15 characters"),
        "in words"
    );
    assert!(
        html.contains(&format!("value=\"{reference}\"")),
        "reference kept"
    );
    assert!(html.contains(">urgent</textarea>"), "reason kept");
    assert!(!html.contains(NAME));

    // A reference that names no case: said beside the reference, audited.
    let unknown = page_post(
        &t,
        &admin,
        "/break-glass",
        form(&csrf, "SP-2026-ZZZZ-ZZZZ", GOOD_REASON),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(unknown.text().contains("id=\"reference-error\""));
    assert!(unknown.text().contains(GOOD_REASON), "reason kept");
    let audit = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.entry.action == "case.break_glass.unknown_reference")
    );

    // The reference as written on paper (lower case, spaces around): opened,
    // flagged as break-the-glass.
    let opened = page_post(
        &t,
        &admin,
        "/break-glass",
        form(
            &csrf,
            &format!(" {} ", reference.to_lowercase()),
            GOOD_REASON,
        ),
    )
    .await;
    assert_eq!(opened.status, StatusCode::OK, "{}", opened.text());
    assert!(opened.text().contains(NAME));
    assert!(opened.text().contains("by breaking the glass"));
    let audit = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    assert!(audit.iter().any(|e| e.entry.action.contains("break_glass")
        && e.entry.record_id.as_deref() == Some(id.as_str())));

    // The case's own form keeps the reason too.
    let own = page_post(
        &t,
        &admin,
        &format!("/cases/{id}/break-glass"),
        form(&csrf, "", "too short"),
    )
    .await;
    assert_eq!(own.status, StatusCode::BAD_REQUEST);
    assert!(own.text().contains("id=\"reason-error\""));
    assert!(own.text().contains(">too short</textarea>"));

    // Not an administrator: no such form.
    let (other, other_csrf) = page_login(&t, "demo-cm-b").await;
    assert_eq!(
        page_get(&t, &other, "/break-glass").await.status,
        StatusCode::FORBIDDEN
    );
    let refused = page_post(
        &t,
        &other,
        "/break-glass",
        form(&other_csrf, &reference, GOOD_REASON),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(!refused.text().contains(NAME));
}
