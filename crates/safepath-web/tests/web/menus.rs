//! Issue 10: every role lands on a page made for it, and its menu shows only
//! what it may use. Each demo account signs in, and every link of its menu
//! (and the directory's own links) must open a page, never "not allowed".

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::{StatusCode, header};

/// The `href`s of the links inside the first `<nav` of the page.
fn nav_links(html: &str) -> Vec<String> {
    let start = html.find("<nav").unwrap();
    let end = start + html[start..].find("</nav>").unwrap();
    html[start..end]
        .split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].to_owned())
        .collect()
}

/// GET, following redirects within the app.
async fn open(t: &TestApp, cookie: &str, path: &str) -> (StatusCode, String, String) {
    let mut path = path.to_owned();
    for _ in 0..5 {
        let a = page_get(t, cookie, &path).await;
        if a.status == StatusCode::SEE_OTHER || a.status == StatusCode::FOUND {
            path = a.headers[header::LOCATION].to_str().unwrap().to_owned();
            continue;
        }
        return (a.status, path, a.text());
    }
    panic!("too many redirects from {path}");
}

#[tokio::test]
async fn no_menu_leads_to_a_dead_end() {
    let t = spawn_app().await;
    for who in [
        "demo-admin",
        "demo-coordinator",
        "demo-cm-a",
        "demo-cm-b",
        "demo-responder",
        "demo-provider",
        "demo-analyst",
        "demo-partner",
    ] {
        let (cookie, _) = page_login(&t, who).await;
        let (status, landing, html) = open(&t, &cookie, "/").await;
        assert_eq!(status, StatusCode::OK, "{who} lands on {landing}");
        let mut links = nav_links(&html);
        assert!(!links.is_empty(), "{who} has a menu");
        // The directory's own links too (possible detention: coordinators).
        let (_, _, directory) = open(&t, &cookie, "/directory").await;
        if let Some(at) = directory.find("id=\"detention-link\"") {
            let href = &directory[..at];
            let href = &href[href.rfind("href=\"").unwrap() + 6..];
            links.push(href[..href.find('"').unwrap()].to_owned());
        }
        for link in links {
            let (status, _, _) = open(&t, &cookie, &link).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{who}: the menu's {link} is a dead end"
            );
        }
    }
}

/// The links in a page's main part that stay within the case.
fn case_links(html: &str, case: &str) -> Vec<String> {
    let main = &html[html.find("<main").unwrap()..];
    let mut out: Vec<String> = main
        .split("href=\"")
        .skip(1)
        .map(|s| s[..s.find('"').unwrap()].replace("&amp;", "&"))
        .filter(|h| h.starts_with(&format!("/cases/{case}")))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Issue 10: on an accepted referral, the receiving organisation's case
/// page led to "Not found" (its "Shelter stays" link). Every link of a case
/// page must open, for the owner and for the receiving organisation.
#[tokio::test]
async fn no_link_on_a_case_page_is_a_dead_end() {
    let t = spawn_demo_app(40).await;
    let tok = t.login("demo-cm-b").await;
    let inbox = t
        .call("GET", "/api/v1/referrals?box=inbox", Some(&tok), None)
        .await
        .json();
    let case = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["state"] == "accepted")
        .expect("an accepted referral in the demo")["case_id"]
        .as_str()
        .unwrap()
        .to_owned();
    for who in ["demo-cm-b", "demo-coordinator"] {
        let (cookie, _) = page_login(&t, who).await;
        let (status, _, html) = open(&t, &cookie, &format!("/cases/{case}")).await;
        assert_eq!(status, StatusCode::OK, "{who} opens the case");
        let links = case_links(&html, &case);
        if who == "demo-coordinator" {
            assert!(links.iter().any(|l| l.ends_with("/stays")), "{links:?}");
        }
        for link in links {
            let (status, _, _) = open(&t, &cookie, &link).await;
            assert_eq!(
                status,
                StatusCode::OK,
                "{who}: {link} on the case page is a dead end"
            );
        }
    }
}
