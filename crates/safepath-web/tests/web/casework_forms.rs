//! The case work page's forms (issue 10): each in its own folded section;
//! a refusal comes back on the same page with the error beside its field
//! (or at the top of its form for a rule of the lifecycle), the input kept
//! and the section open; every action ends with a message in words.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::{StatusCode, header};
use serde_json::json;

async fn setup() -> (TestApp, String, String, String) {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let id = t
        .create(&cm, json!({"names": [{"value": "Synthetic Formperson", "script": "Latn"}], "sex": "female"}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
    (t, id, cookie, csrf)
}

/// The `<details>` element that holds `form_id`, as written on the page.
fn section_of<'a>(html: &'a str, form_id: &str) -> &'a str {
    let form = html.find(&format!("id=\"{form_id}\"")).unwrap();
    let open = html[..form].rfind("<details").unwrap();
    &html[open..form]
}

#[tokio::test]
async fn a_refused_form_keeps_the_input_with_the_error_beside_the_field() {
    let (t, id, cookie, csrf) = setup().await;
    let page = page_get(&t, &cookie, &format!("/cases/{id}/work"))
        .await
        .text();
    assert!(
        !section_of(&page, "need-form").contains(" open"),
        "forms start folded"
    );
    assert!(!page.contains("id=\"error-summary\""));

    // An unknown domain: the error beside the domain, the person's words kept.
    let r = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/need"),
        format!("csrf={csrf}&domain=astrology&priority=high&beneficiary=person&persons_view=Wants+to+call+her+mother"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let html = r.text();
    assert!(html.contains("id=\"error-summary\""));
    assert!(html.contains("id=\"need-domain-error\""), "{html}");
    assert!(
        html.contains(">Wants to call her mother</textarea>"),
        "kept"
    );
    assert!(
        html.contains("<option value=\"high\" selected>"),
        "the priority kept"
    );
    assert!(
        section_of(&html, "need-form").contains(" open"),
        "the section opens"
    );
    assert!(
        !html.contains("domain: not a known value"),
        "no developer words"
    );

    // A rule of the lifecycle: said at the top of the status form, in words,
    // with the reason kept.
    let r = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/status"),
        format!("csrf={csrf}&to=presumed_victim&reason=Synthetic+reason"),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let html = r.text();
    assert!(html.contains("id=\"status-form-error\""), "{html}");
    assert!(html.contains("reasonable-grounds decision"));
    assert!(html.contains(">Synthetic reason</textarea>"));

    // A goal needs a need: the error beside the needs, the description kept.
    let ok = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/need"),
        format!("csrf={csrf}&domain=accommodation&priority=high&beneficiary=person&persons_view="),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let r = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/goal"),
        format!("csrf={csrf}&description=Safe+place+to+stay"),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    let html = r.text();
    assert!(
        html.contains("id=\"goal-need_ids-error\"") || html.contains("id=\"goal-form-error\""),
        "{html}"
    );
    assert!(html.contains("value=\"Safe place to stay\""));
    // Nothing was written by the refusals.
    let work = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/work"),
            Some(&t.login("demo-cm-a").await),
            None,
        )
        .await
        .json();
    assert_eq!(work["needs"].as_array().unwrap().len(), 1);
    assert!(work["goals"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn every_action_ends_with_a_message() {
    let (t, id, cookie, csrf) = setup().await;
    let r = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/need"),
        format!("csrf={csrf}&domain=accommodation&priority=high&beneficiary=person&persons_view="),
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let to = r.headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(to.contains("done=need"), "{to}");
    let page = page_get(&t, &cookie, &to).await.text();
    assert!(page.contains("id=\"message\"") && page.contains("The need was added."));
    // An unknown message key shows nothing rather than a key.
    let page = page_get(&t, &cookie, &format!("/cases/{id}/work?done=bogus"))
        .await
        .text();
    assert!(!page.contains("id=\"message\""));
    // The person's feedback names languages, never asks for codes.
    assert!(page.contains("<select id=\"feedback-language\""));
}
