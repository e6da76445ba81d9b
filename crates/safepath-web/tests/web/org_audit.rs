//! The organisation's audit trail (issue 10): a coordinator reads what their
//! organisation's staff did and what was done to its records, in words,
//! narrowed by member, kind of work and dates, a page at a time; never
//! another organisation's own work. Every other role gets 403. The read is
//! audited.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

/// The text a reader sees: tags left out.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// `YYYY-MM-DD` anywhere (a machine date).
fn has_iso_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.windows(10).any(|w| {
        w.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
    })
}

async fn me(t: &TestApp, user: &str) -> String {
    let tok = t.login(user).await;
    t.call("GET", "/api/v1/me", Some(&tok), None).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_coordinator_reads_the_organisations_trail_in_words() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let case_a = t
        .create(
            &cm_a,
            json!({"display_name": "Synthetic Auditee", "names": [{"value": "Synthetic Auditee"}]}),
        )
        .await;
    let ref_a = case_a["reference"].as_str().unwrap().to_owned();
    let id_a = case_a["id"].as_str().unwrap().to_owned();
    t.call("GET", &format!("/api/v1/cases/{id_a}"), Some(&cm_a), None)
        .await;
    // Organisation B's own work is not A's business.
    let cm_b = t.login("demo-cm-b").await;
    let case_b = t
        .create(&cm_b, json!({"display_name": "Synthetic Elsewhere", "names": [{"value": "Synthetic Elsewhere"}]}))
        .await;
    let ref_b = case_b["reference"].as_str().unwrap().to_owned();

    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let page = page_get(&t, &cookie, "/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    let text = visible(&html);
    assert!(text.contains("Demo Case Manager (org A)"), "{text}");
    assert!(
        text.contains("created the case") && text.contains("opened the case"),
        "{text}"
    );
    assert!(text.contains(&ref_a), "A's case named by its reference");
    assert!(html.contains(&format!("href=\"/cases/{id_a}\"")));
    assert!(!text.contains(&ref_b), "B's own case is not in A's trail");
    assert!(
        !text.contains("Synthetic Auditee"),
        "no person's name in the trail"
    );
    assert!(
        !text.contains(&id_a) && !text.contains("case.read") && !has_iso_date(&text),
        "no ids, codes or machine dates: {text}"
    );

    // By member: only that member's entries.
    let cm_a_id = me(&t, "demo-cm-a").await;
    let html = page_get(&t, &cookie, &format!("/audit?user={cm_a_id}"))
        .await
        .text();
    // The table only: the filter's list names every member.
    let text = visible(&html[html.find("id=\"org-audit\"").unwrap()..]);
    assert!(text.contains("Demo Case Manager (org A)"));
    assert!(!text.contains("Demo Coordinator (org A)"), "{text}");
    // By kind of work: sign-ins.
    let text = visible(&page_get(&t, &cookie, "/audit?group=accounts").await.text());
    assert!(text.contains("signed in"), "{text}");
    assert!(!text.contains("created the case"));
    // A day range that holds nothing.
    let r = page_get(&t, &cookie, "/audit?from=2001-01-01&to=2001-01-02").await;
    assert!(r.text().contains("id=\"audit-none\""));
    // Refused filters: beside their field, the rest of the page shown.
    for (query, error_id) in [
        ("from=2026-13-45", "audit-from-error"),
        ("from=2026-12-06&to=2026-12-01", "audit-to-error"),
        ("group=everything", "audit-group-error"),
        ("user=not-an-id", "audit-user-error"),
    ] {
        let r = page_get(&t, &cookie, &format!("/audit?{query}")).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert!(
            r.text().contains(&format!("id=\"{error_id}\"")),
            "{query}: {}",
            r.text()
        );
    }
    // Another organisation's member is not a filter.
    let cm_b_id = me(&t, "demo-cm-b").await;
    let r = page_get(&t, &cookie, &format!("/audit?user={cm_b_id}")).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Reading the trail is in the trail.
    let actions: Vec<String> = t
        .app
        .store()
        .audit_entries(0, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect();
    assert!(actions.iter().any(|a| a == "audit.read_org"));
}

#[tokio::test]
async fn older_entries_come_a_page_at_a_time() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    for _ in 0..60 {
        t.call("GET", "/api/v1/cases", Some(&cm_a), None).await;
    }
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let first = page_get(&t, &cookie, "/audit?group=case").await.text();
    let rows = first.matches("<tr><td><time").count();
    assert_eq!(rows, 50, "a page holds 50 entries");
    let start = first
        .find("id=\"audit-older\"")
        .expect("a link to older entries");
    let href_at = first[..start].rfind("href=\"").unwrap() + 6;
    let href = first[href_at..]
        .split('"')
        .next()
        .unwrap()
        .replace("&amp;", "&");
    assert!(
        href.contains("group=case") && href.contains("before="),
        "{href}"
    );
    let second = page_get(&t, &cookie, &href).await;
    assert_eq!(second.status, StatusCode::OK);
    assert!(second.text().matches("<tr><td><time").count() >= 1);
}

#[tokio::test]
async fn every_other_role_is_refused() {
    let t = spawn_app().await;
    for who in [
        "demo-cm-a",
        "demo-responder",
        "demo-cm-b",
        "demo-provider",
        "demo-analyst",
        "demo-admin",
        "demo-partner",
    ] {
        let (cookie, _) = page_login(&t, who).await;
        let r = page_get(&t, &cookie, "/audit").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        assert!(!r.text().contains("id=\"org-audit\""), "{who}");
    }
}
