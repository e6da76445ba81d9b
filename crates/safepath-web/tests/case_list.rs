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
