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

/// The app's clock, moved forward by the test.
struct Later(std::sync::atomic::AtomicI64);

impl safepath_app::Clock for Later {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
            + time::Duration::days(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// People read dates, not ISO codes, anywhere in a letter's text.
fn assert_no_iso_date(html: &str) {
    let text: String = html
        .split('<')
        .map(|p| p.split_once('>').map_or(p, |(_, t)| t))
        .collect();
    let bytes = text.as_bytes();
    let iso = bytes.windows(10).any(|w| {
        w[4] == b'-'
            && w[7] == b'-'
            && w.iter()
                .enumerate()
                .all(|(i, b)| i == 4 || i == 7 || b.is_ascii_digit())
    });
    assert!(!iso, "an ISO date in the letter's text: {text}");
}

#[tokio::test]
async fn a_negative_decision_letter_says_until_when_it_may_be_reconsidered() {
    let (dir, cfg) = fresh_config();
    let clock = std::sync::Arc::new(Later(0.into()));
    let app = std::sync::Arc::new(safepath_app::App::open(&cfg, clock.clone()).await.unwrap());
    safepath_app::demo::seed(&app, 0).await.unwrap();
    let t = TestApp::new(app, dir);
    let coord = t.login("demo-coordinator").await;
    let case = t
        .create(
            &coord,
            json!({"display_name": "Synthetic Malee", "names": [{"value": "Synthetic Malee"}]}),
        )
        .await;
    let case_id = case["id"].as_str().unwrap();
    let decide = format!("/api/v1/cases/{case_id}/decisions");
    let rg = t
        .call("POST", &decide, Some(&coord), Some(json!({"stage": "reasonable_grounds", "outcome": "presumed_victim", "reasons": "Synthetic reasons, long enough to record.", "letter_addressee": "person"})))
        .await
        .json();
    // A positive decision has nothing to reconsider; its reflection period
    // is written as people read a date.
    assert!(rg["reconsideration_until"].is_null(), "{rg}");
    let ends = rg["reflection_ends_on"].as_str().unwrap().to_owned();
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let positive = page_get(
        &t,
        &cookie,
        &format!(
            "/cases/{case_id}/decisions/{}/letter?lang=en",
            rg["id"].as_str().unwrap()
        ),
    )
    .await
    .text();
    assert_no_iso_date(&positive);
    let (y, rest) = ends.split_at(4);
    let day = rest[4..].trim_start_matches('0');
    assert!(
        positive.contains(&format!("ends on {day} ")) && positive.contains(y),
        "{positive}"
    );
    assert!(positive.contains("Your case manager can explain this letter"));
    assert!(!positive.contains("reconsidered"));

    let negative = t
        .call("POST", &decide, Some(&coord), Some(json!({"stage": "conclusive", "outcome": "not_victim", "reasons": "Insufficient evidence at this stage.", "letter_addressee": "person"})))
        .await
        .json();
    // The default profile's 30 calendar days after the day it was recorded.
    let decided = time::OffsetDateTime::now_utc().date();
    let until = decided + time::Duration::days(30);
    assert_eq!(
        negative["reconsideration_until"],
        until.to_string(),
        "{negative}"
    );
    let letter = format!(
        "/cases/{case_id}/decisions/{}/letter",
        negative["id"].as_str().unwrap()
    );
    let en = page_get(&t, &cookie, &format!("{letter}?lang=en"))
        .await
        .text();
    assert_no_iso_date(&en);
    // `time` writes a month by its English name.
    let written = format!("{} {} {}", until.day(), until.month(), until.year());
    assert!(
        en.contains(&format!("reconsidered until {written}")),
        "the deadline, as people read it: {en}"
    );
    assert!(en.contains("exceptional circumstances"));
    // In each of the letter's languages.
    for lang in ["id", "th", "vi", "km", "my"] {
        let page = page_get(&t, &cookie, &format!("{letter}?lang={lang}"))
            .await
            .text();
        assert_no_iso_date(&page);
        assert!(page.contains(&until.year().to_string()), "{lang}: {page}");
    }

    // The case page says until when, to whoever may ask for it.
    let case_page = page_get(&t, &cookie, &format!("/cases/{case_id}"))
        .await
        .text();
    assert!(
        case_page.contains(&format!("may ask for reconsideration until {written}")),
        "{case_page}"
    );
    assert!(!case_page.contains("HTCDS:"), "no codes on the page");
    // Once it has passed, it says so and asks for the reason of the delay.
    clock.0.store(31, std::sync::atomic::Ordering::SeqCst);
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let late = page_get(&t, &cookie, &format!("/cases/{case_id}"))
        .await
        .text();
    assert!(
        late.contains(&format!("reconsideration ended on {written}")),
        "{late}"
    );
}
