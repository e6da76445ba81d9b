//! The case list narrowed by status, "mine" and form of exploitation —
//! codes in the URL, never names — on the API and the page, with the pager
//! keeping the filter.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;
use axum::http::StatusCode;
use common::*;
use serde_json::{Value, json};

fn person(name: &str) -> Value {
    json!({"names": [{"value": name, "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 1993}, "nationalities": ["VNM"], "languages": ["vi"]})
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_case_list_filters_by_status_manager_and_form() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let labour = t
        .call("POST", "/api/v1/cases", Some(&cm), Some(json!({"person": person("Synthetic Listone"), "exploitation_forms": ["forced_labour"]})))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let begging = t
        .call("POST", "/api/v1/cases", Some(&cm), Some(json!({"person": person("Synthetic Listtwo"), "exploitation_forms": ["forced_begging"]})))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = |tok: String, q: &'static str| {
        let t = &t;
        async move {
            t.call(
                "GET",
                &format!("/api/v1/cases?per_page=100&{q}"),
                Some(&tok),
                None,
            )
            .await
        }
    };
    // By form: the quoted code only (forced_labour does not match forced_begging).
    let by_form = ids(&get(cm.clone(), "form=forced_labour").await.json());
    assert!(by_form.contains(&labour) && !by_form.contains(&begging));
    // Mine: the coordinator manages neither.
    let mine = ids(&get(coord.clone(), "mine=1").await.json());
    assert!(!mine.contains(&labour) && !mine.contains(&begging));
    let theirs = ids(&get(cm.clone(), "mine=1").await.json());
    assert!(theirs.contains(&labour) && theirs.contains(&begging));
    // By status: every item has it.
    let status = t
        .call("GET", &format!("/api/v1/cases/{labour}"), Some(&cm), None)
        .await
        .json()["status"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = t
        .call(
            "GET",
            &format!("/api/v1/cases?per_page=100&status={status}"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert!(ids(&listed).contains(&labour));
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == status.as_str())
    );
    // Bad values: 400 naming the field, nothing listed.
    for q in ["status=lost", "form=forced", "mine=yes"] {
        let r = get(cm.clone(), q).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
    }

    // The page: the filter form, its choices in words, and the pager keeps it.
    let (page, _) = page_login(&t, "demo-cm-a").await;
    let html = t
        .page(&page, "/cases?form=forced_labour&mine=1")
        .await
        .text();
    assert!(html.contains("id=\"case-filter\""));
    assert!(
        html.contains("<option value=\"forced_labour\" selected>Forced labour</option>"),
        "{html}"
    );
    assert!(html.contains("id=\"filter-mine\" checked"));
    assert!(html.contains("Synthetic Listone") && !html.contains("Synthetic Listtwo"));
    assert_eq!(
        t.page(&page, "/cases?status=lost").await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn the_referral_inbox_says_who_sent_it_and_how_urgent_it_is() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let case = t
        .call("POST", "/api/v1/cases", Some(&cm_a), Some(json!({"person": person("Synthetic Inboxcheck"), "exploitation_forms": ["forced_labour"]})))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org_b = t.call("GET", "/api/v1/me", Some(&cm_b), None).await.json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c = t
        .call("POST", &format!("/api/v1/cases/{case}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health"], "expires_on": "2099-12-31"})))
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let r = t
        .call("POST", &format!("/api/v1/cases/{case}/referrals"), Some(&cm_a), Some(json!({"to_org_id": org_b, "service": "legal_aid", "categories": ["health"], "urgency": "emergency"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let (b, _) = page_login(&t, "demo-cm-b").await;
    let inbox = t.page(&b, "/referrals").await.text();
    assert!(inbox.contains("from Organisation A"), "{inbox}");
    assert!(inbox.contains("class=\"tag urgency-emergency\""));
    assert!(inbox.contains("Legal aid"));
    assert!(
        !inbox.contains("Synthetic Inboxcheck"),
        "no name before accepting"
    );
    let (a, _) = page_login(&t, "demo-cm-a").await;
    let outbox = t.page(&a, "/referrals?box=outbox").await.text();
    assert!(outbox.contains("to Organisation B"), "{outbox}");
}
