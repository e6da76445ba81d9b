//! The de-duplication run and its review queue end to end through HTTP (the
//! whole app in process, a fresh SQLite database per test, the demo's
//! synthetic people: the demo seeds a probable duplicate in organisation A
//! and runs one de-duplication).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

impl TestApp {
    async fn queue(&self, token: &str) -> Value {
        let a = self
            .call_as("GET", "/api/v1/dedupe/pairs", token, None)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        a.json()
    }

    /// The demo's pair (the two registrations of the synthetic Nguyen Thi Lan).
    async fn demo_pair(&self, token: &str) -> Value {
        let q = self.queue(token).await;
        q["pending"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| {
                let names = [
                    p["a"]["display_name"].as_str().unwrap(),
                    p["b"]["display_name"].as_str().unwrap(),
                ];
                names.contains(&"Nguyễn Thị Lan") && names.contains(&"Nguyen Thi Lann")
            })
            .unwrap_or_else(|| panic!("the demo pair is pending: {q}"))
            .clone()
    }

    async fn audit_actions(&self) -> Vec<String> {
        self.app
            .store()
            .audit_entries(0, 1_000_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.entry.action.clone())
            .collect()
    }
}

const NAMES: [&str; 3] = ["Nguyễn Thị Lan", "Nguyen Thi Lann", "Nguyen Thi Lan"];

fn has_no_names(body: &str) -> bool {
    NAMES.iter().all(|n| !body.contains(n))
}

#[tokio::test]
async fn the_demo_pair_is_queued_for_the_coordinator_and_administrators_see_counts_only() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let pair = t.demo_pair(&coord).await;
    assert!(["likely", "possible"].contains(&pair["band"].as_str().unwrap()));
    assert!(pair["probability"].as_f64().unwrap() > 0.5);
    let fields: Vec<&str> = pair["explanation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"full_name"), "{fields:?}");
    assert!(pair["a"]["reference"].as_str().unwrap().starts_with("SP-"));
    let latest = t
        .call_as("GET", "/api/v1/dedupe/runs/latest", &coord, None)
        .await
        .json();
    assert_eq!(latest["state"], "done");
    assert_eq!(latest["processed"], latest["total"]);
    assert!(latest["pairs_found"].as_i64().unwrap() >= 1);

    // Administrators: counts, never names or references.
    let admin = t.login("demo-admin").await;
    let q = t.call_as("GET", "/api/v1/dedupe/pairs", &admin, None).await;
    assert_eq!(q.status, StatusCode::OK);
    let body = q.json();
    assert!(body["pending"].as_array().unwrap().is_empty());
    assert!(body["merged"].as_array().unwrap().is_empty());
    assert!(body["counts"]["pending"].as_u64().unwrap() >= 1);
    assert!(has_no_names(&q.text()));
    assert!(!q.text().contains(pair["a"]["reference"].as_str().unwrap()));

    // Roles that do not review duplicates.
    for user in ["demo-cm-a", "demo-analyst", "demo-responder"] {
        let token = t.login(user).await;
        for (m, p) in [
            ("GET", "/api/v1/dedupe/pairs"),
            ("GET", "/api/v1/dedupe/runs/latest"),
            ("POST", "/api/v1/dedupe/runs"),
        ] {
            let a = t.call_as(m, p, &token, None).await;
            assert_eq!(a.status, StatusCode::FORBIDDEN, "{user} {m} {p}");
            assert!(has_no_names(&a.text()));
        }
    }
}

#[tokio::test]
async fn a_pair_across_organisations_shows_only_the_other_organisation_and_its_focal_point() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let cm_b = t.login("demo-cm-b").await;
    // Organisation B registers the same synthetic person.
    let created = t
        .call_as(
            "POST",
            "/api/v1/cases",
            &cm_b,
            Some(json!({
                "person": {"display_name": "Nguyen Thi Lan", "names": [{"value": "Nguyen Thi Lan", "script": "Latn"}],
                           "sex": "female", "birth_date": {"kind": "exact", "date": "1999-05-14"}, "nationalities": ["VNM"]},
                "exploitation_forms": ["forced_labour"]
            })),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let b_case = created.json()["id"].as_str().unwrap().to_owned();
    let b_ref = created.json()["reference"].as_str().unwrap().to_owned();
    let run = run_now(&t, &coord).await;
    assert_eq!(run["state"], "done", "{run}");

    let q = t.call_as("GET", "/api/v1/dedupe/pairs", &coord, None).await;
    let body = q.json();
    let elsewhere = body["elsewhere"].as_array().unwrap();
    let hit = elsewhere
        .iter()
        .find(|e| {
            e["org_name"]
                .as_str()
                .unwrap()
                .starts_with("Organisation B")
        })
        .unwrap_or_else(|| panic!("a possible duplicate in organisation B: {body}"));
    assert_eq!(hit["focal_point"], "Demo Case Manager (org B)");
    // Nothing of organisation B's case: no id, no reference, no pair with it.
    assert!(!q.text().contains(&b_case));
    assert!(!q.text().contains(&b_ref));
    for p in body["pending"].as_array().unwrap() {
        assert_ne!(p["a"]["case_id"], b_case.as_str());
        assert_ne!(p["b"]["case_id"], b_case.as_str());
    }
    // The cross-organisation pair cannot be decided by the coordinator of A:
    // it answers like a pair that does not exist, and nothing changes.
    let pairs = t.app.store().dedupe_pairs(Some("pending")).await.unwrap();
    let cross = pairs
        .iter()
        .find(|p| p.case_a.to_string() == b_case || p.case_b.to_string() == b_case)
        .unwrap();
    let own = if cross.case_a.to_string() == b_case {
        cross.case_b
    } else {
        cross.case_a
    };
    let merge = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/pairs/{}/merge", cross.id),
            &coord,
            Some(json!({"primary_case_id": own.to_string()})),
        )
        .await;
    assert_eq!(merge.status, StatusCode::NOT_FOUND);
    let missing = t
        .call_as(
            "POST",
            "/api/v1/dedupe/pairs/no-such-pair/merge",
            &coord,
            Some(json!({"primary_case_id": own.to_string()})),
        )
        .await;
    assert_eq!(
        merge.text(),
        missing.text(),
        "the same answer as a missing pair"
    );
    let not_same = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/pairs/{}/not-same", cross.id),
            &coord,
            None,
        )
        .await;
    assert_eq!(not_same.status, StatusCode::NOT_FOUND);
    assert_eq!(
        t.app
            .store()
            .dedupe_pair(&cross.id)
            .await
            .unwrap()
            .unwrap()
            .state,
        "pending"
    );
    // Organisation B's case manager (no coordinator role) sees no queue.
    assert_eq!(
        t.call_as("GET", "/api/v1/dedupe/pairs", &cm_b, None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_merge_keeps_both_cases_is_audited_and_can_be_undone() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let pair = t.demo_pair(&coord).await;
    let id = pair["id"].as_str().unwrap();
    let (primary, secondary) = (&pair["a"], &pair["b"]);
    let merged = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/pairs/{id}/merge"),
            &coord,
            Some(json!({"primary_case_id": primary["case_id"]})),
        )
        .await;
    assert_eq!(merged.status, StatusCode::OK, "{}", merged.text());
    let view = merged.json();
    assert_eq!(view["state"], "merged");
    assert_eq!(view["primary_case_id"], primary["case_id"]);
    assert_eq!(view["b"]["merged_into"], primary["reference"]);
    let merge_id = view["merge_id"].as_str().unwrap().to_owned();
    assert!(t.audit_actions().await.contains(&"dedupe.merge".to_owned()));

    // Both cases stay readable with their histories; the list labels the secondary.
    for c in [primary, secondary] {
        let a = t
            .call_as(
                "GET",
                &format!("/api/v1/cases/{}", c["case_id"].as_str().unwrap()),
                &coord,
                None,
            )
            .await;
        assert_eq!(a.status, StatusCode::OK);
    }
    let list = t
        .call_as("GET", "/api/v1/cases?per_page=100", &coord, None)
        .await
        .json();
    let find = |list: &Value, id: &Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| &i["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(
        find(&list, &secondary["case_id"])["merged_into"],
        primary["reference"]
    );
    assert!(
        find(&list, &primary["case_id"])
            .get("merged_into")
            .is_none()
    );
    let q = t.queue(&coord).await;
    assert!(
        q["pending"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != id)
    );
    assert_eq!(q["merged"][0]["id"], id);
    assert_eq!(q["counts"]["merged"], 1);

    // Search before create names the person's record once: the primary,
    // not the case merged into it (issue 14: merged cases were still shown).
    let person = t
        .call_as(
            "GET",
            &format!("/api/v1/cases/{}", secondary["case_id"].as_str().unwrap()),
            &coord,
            None,
        )
        .await
        .json()["person"]
        .clone();
    let check = t
        .call_as(
            "POST",
            "/api/v1/cases/duplicates",
            &coord,
            Some(json!({"person": {"names": person["names"], "sex": person["sex"], "birth_date": person["birth_date"], "nationalities": person["nationalities"]}})),
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text());
    let shown: Vec<Value> = check.json()["visible"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["case_id"].clone())
        .collect();
    assert!(shown.contains(&primary["case_id"]), "{shown:?} {person}");
    assert!(
        !shown.contains(&secondary["case_id"]),
        "the merged case is not offered"
    );

    // Deciding it again is a conflict that changes nothing.
    let again = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/pairs/{id}/merge"),
            &coord,
            Some(json!({"primary_case_id": secondary["case_id"]})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "pair_already_decided");
    assert_eq!(t.app.store().case_merges().await.unwrap().len(), 1);

    // Only a coordinator who sees both cases undoes it.
    let cm = t.login("demo-cm-a").await;
    let refused = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/merges/{merge_id}/unmerge"),
            &cm,
            None,
        )
        .await;
    assert!(matches!(
        refused.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    assert_eq!(t.app.store().case_merges().await.unwrap().len(), 1);

    let undone = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/merges/{merge_id}/unmerge"),
            &coord,
            None,
        )
        .await;
    assert_eq!(undone.status, StatusCode::OK, "{}", undone.text());
    assert_eq!(undone.json()["state"], "pending");
    assert!(t.app.store().case_merges().await.unwrap().is_empty());
    assert!(
        t.audit_actions()
            .await
            .contains(&"dedupe.unmerge".to_owned())
    );
    let list = t
        .call_as("GET", "/api/v1/cases?per_page=100", &coord, None)
        .await
        .json();
    assert!(
        find(&list, &secondary["case_id"])
            .get("merged_into")
            .is_none()
    );
    t.demo_pair(&coord).await; // pending again
    let twice = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/merges/{merge_id}/unmerge"),
            &coord,
            None,
        )
        .await;
    assert_eq!(twice.status, StatusCode::NOT_FOUND);
    // Audit details carry ids only.
    let entries = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    assert!(
        entries
            .iter()
            .filter(|e| e.entry.action.starts_with("dedupe."))
            .all(|e| has_no_names(e.entry.detail.as_deref().unwrap_or("")))
    );
}

#[tokio::test]
async fn not_the_same_is_never_proposed_again() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let pair = t.demo_pair(&coord).await;
    let id = pair["id"].as_str().unwrap();
    let a = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/pairs/{id}/not-same"),
            &coord,
            None,
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.json()["state"], "not_same");
    assert!(
        t.audit_actions()
            .await
            .contains(&"dedupe.not_same".to_owned())
    );
    let run = run_now(&t, &coord).await;
    assert_eq!(run["state"], "done");
    let q = t.queue(&coord).await;
    assert!(
        q["pending"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["id"] != id
                && !(p["a"]["case_id"] == pair["a"]["case_id"]
                    && p["b"]["case_id"] == pair["b"]["case_id"]))
    );
    let all = t.app.store().dedupe_pairs(None).await.unwrap();
    let same: Vec<_> = all
        .iter()
        .filter(|p| {
            p.case_a.to_string() == pair["a"]["case_id"]
                && p.case_b.to_string() == pair["b"]["case_id"]
        })
        .collect();
    assert_eq!(same.len(), 1);
    assert_eq!(same[0].state, "not_same");
    let again = t
        .call_as(
            "POST",
            &format!("/api/v1/dedupe/pairs/{id}/not-same"),
            &coord,
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn one_run_at_a_time_and_its_progress_is_readable() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let admin = t.login("demo-admin").await;
    // A run in progress (as a run reports itself while it goes).
    let running = safepath_store::DedupeRunRow {
        id: "run-in-progress".into(),
        state: "running".into(),
        started_by: "scheduler".into(),
        started_at: t.app.now_ms() + 1,
        finished_at: None,
        processed: 7,
        total: 20,
        pairs_found: 1,
        error: None,
    };
    t.app
        .store()
        .insert_dedupe_run(
            &running,
            &safepath_store::AuditDraft::new(t.app.now_ms(), "scheduler", "dedupe.run.start"),
        )
        .await
        .unwrap();
    let latest = t
        .call_as("GET", "/api/v1/dedupe/runs/latest", &admin, None)
        .await
        .json();
    assert_eq!(latest["id"], "run-in-progress");
    assert_eq!(latest["state"], "running");
    assert_eq!(
        (latest["processed"].as_i64(), latest["total"].as_i64()),
        (Some(7), Some(20))
    );
    assert_eq!(latest["started_by"], "scheduler");
    for token in [&coord, &admin] {
        let second = t.call_as("POST", "/api/v1/dedupe/runs", token, None).await;
        assert_eq!(second.status, StatusCode::CONFLICT);
        assert_eq!(second.json()["code"], "dedupe_running");
    }
    // The page shows the progress and no "run now" button.
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let page = t.page(&cookie, "/dedupe").await.text();
    assert!(page.contains("id=\"run-processed\">7<"), "{page}");
    assert!(page.contains("id=\"run-total\">20<"));
    assert!(!page.contains("id=\"run-now\""));
    assert!(page.contains("http-equiv=\"refresh\""));
    // The scheduler starts nothing while one runs.
    assert_eq!(t.app.start_scheduled_dedupe_run().await.unwrap(), None);
    // A run left by a stopped process is closed at start-up; then runs start again.
    assert_eq!(t.app.abandon_dedupe_runs().await.unwrap(), 1);
    let latest = t
        .call_as("GET", "/api/v1/dedupe/runs/latest", &coord, None)
        .await
        .json();
    assert_eq!(latest["state"], "failed");
    assert_eq!(run_now(&t, &admin).await["state"], "done");
}

#[tokio::test]
async fn bad_input_is_refused_and_changes_nothing() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let pair = t.demo_pair(&coord).await;
    let id = pair["id"].as_str().unwrap();
    let before = t
        .app
        .store()
        .audit_entries(0, 1_000_000)
        .await
        .unwrap()
        .len();
    let path = format!("/api/v1/dedupe/pairs/{id}/merge");
    for (body, status) in [
        (
            json!({"primary_case_id": uuid::Uuid::new_v4()}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"primary_case_id": "not-a-uuid"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({}), StatusCode::BAD_REQUEST),
        (
            json!({"primary_case_id": pair["a"]["case_id"], "extra": 1}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let a = t.call_as("POST", &path, &coord, Some(body.clone())).await;
        assert_eq!(a.status, status, "{body}: {}", a.text());
        assert!(has_no_names(&a.text()));
    }
    for p in [
        "/api/v1/dedupe/pairs/no-such-pair/merge".to_owned(),
        "/api/v1/dedupe/pairs/no-such-pair/not-same".to_owned(),
        "/api/v1/dedupe/merges/no-such-merge/unmerge".to_owned(),
        format!("/api/v1/dedupe/merges/{id}/unmerge"),
    ] {
        let body = p
            .ends_with("/merge")
            .then(|| json!({"primary_case_id": pair["a"]["case_id"]}));
        let a = t.call_as("POST", &p, &coord, body).await;
        assert_eq!(a.status, StatusCode::NOT_FOUND, "{p}");
    }
    // Not a coordinator: refused.
    let cm = t.login("demo-cm-a").await;
    let a = t
        .call_as(
            "POST",
            &path,
            &cm,
            Some(json!({"primary_case_id": pair["a"]["case_id"]})),
        )
        .await;
    assert!(matches!(
        a.status,
        StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
    ));
    assert_eq!(
        t.app
            .store()
            .audit_entries(0, 1_000_000)
            .await
            .unwrap()
            .len(),
        before + 1,
        "only the case manager's login was audited"
    );
    assert_eq!(
        t.app.store().dedupe_pair(id).await.unwrap().unwrap().state,
        "pending"
    );
    assert!(t.app.store().case_merges().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_page_forms_need_the_csrf_token_and_show_no_names_to_administrators() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let pair = t.demo_pair(&coord).await;
    let id = pair["id"].as_str().unwrap();
    let primary = pair["a"]["case_id"].as_str().unwrap();
    let (cookie, csrf) = page_login(&t, "demo-coordinator").await;
    let page = t.page(&cookie, "/dedupe").await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Nguyễn Thị Lan") && html.contains("Nguyen Thi Lann"));
    assert!(html.contains(&format!("action=\"/dedupe/pairs/{id}/merge\"")));
    // The comparison reads as a record does: the name first, not the fields'
    // alphabetical order ("birth date" before "name").
    let row = |label: &str| html.find(&format!("<th scope=\"row\">{label}</th>"));
    let (name, birth) = (row("name").unwrap(), row("birth date or age").unwrap());
    assert!(name < birth, "{html}");

    // Without (or with a wrong) token nothing happens.
    for body in [
        format!("primary_case_id={primary}"),
        format!("csrf=wrong&primary_case_id={primary}"),
    ] {
        let a = t
            .page_post(&cookie, &format!("/dedupe/pairs/{id}/merge"), body)
            .await;
        assert_ne!(a.status, StatusCode::SEE_OTHER);
    }
    for path in [
        format!("/dedupe/pairs/{id}/not-same"),
        "/dedupe/run".to_owned(),
    ] {
        let a = t.page_post(&cookie, &path, String::new()).await;
        assert_ne!(a.status, StatusCode::SEE_OTHER, "{path}");
    }
    assert_eq!(
        t.app.store().dedupe_pair(id).await.unwrap().unwrap().state,
        "pending"
    );
    assert_eq!(
        t.app
            .store()
            .latest_dedupe_run()
            .await
            .unwrap()
            .unwrap()
            .started_by,
        "scheduler",
        "no run started"
    );

    // With the token: merged, labelled in the case list, and undone.
    let a = t
        .page_post(
            &cookie,
            &format!("/dedupe/pairs/{id}/merge"),
            format!("csrf={csrf}&primary_case_id={primary}"),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let cases = t.page(&cookie, "/cases?per_page=100").await.text();
    assert!(
        cases.contains(&format!(
            "merged into {}",
            pair["a"]["reference"].as_str().unwrap()
        )),
        "{cases}"
    );
    let html = t.page(&cookie, "/dedupe").await.text();
    assert!(html.contains(&format!("action=\"/dedupe/merges/{id}/unmerge\"")));
    let bad = t
        .page_post(
            &cookie,
            &format!("/dedupe/merges/{id}/unmerge"),
            String::new(),
        )
        .await;
    assert_ne!(bad.status, StatusCode::SEE_OTHER);
    assert_eq!(t.app.store().case_merges().await.unwrap().len(), 1);
    let a = t
        .page_post(
            &cookie,
            &format!("/dedupe/merges/{id}/unmerge"),
            format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert!(t.app.store().case_merges().await.unwrap().is_empty());
    // A refused merge from the page (no choice made) changes nothing.
    let a = t
        .page_post(
            &cookie,
            &format!("/dedupe/pairs/{id}/merge"),
            format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        t.app.store().dedupe_pair(id).await.unwrap().unwrap().state,
        "pending"
    );

    // Administrators: counts only.
    let (admin_cookie, admin_csrf) = page_login(&t, "demo-admin").await;
    let html = t.page(&admin_cookie, "/dedupe").await.text();
    assert!(has_no_names(&html));
    assert!(!html.contains(pair["a"]["reference"].as_str().unwrap()));
    assert!(html.contains("id=\"count-pending\">1<"), "{html}");
    // ... and may start a run from the page.
    let a = t
        .page_post(&admin_cookie, "/dedupe/run", format!("csrf={admin_csrf}"))
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn openapi_lists_the_de_duplication_endpoints() {
    let t = spawn_app().await;
    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths = spec["paths"].as_object().unwrap();
    for (p, method) in [
        ("/api/v1/dedupe/runs", "post"),
        ("/api/v1/dedupe/runs/latest", "get"),
        ("/api/v1/dedupe/pairs", "get"),
        ("/api/v1/dedupe/pairs/{id}/merge", "post"),
        ("/api/v1/dedupe/pairs/{id}/not-same", "post"),
        ("/api/v1/dedupe/merges/{id}/unmerge", "post"),
    ] {
        assert!(
            paths.get(p).and_then(|v| v.get(method)).is_some(),
            "{method} {p} is documented"
        );
    }
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for s in [
        "DedupeQueue",
        "DedupePairView",
        "DedupeRunView",
        "MergeRequest",
        "DedupeRunStarted",
    ] {
        assert!(schemas.contains_key(s), "schema {s}");
    }
}

/// Issue 10: the reviewer sees what was compared, the two records side by
/// side, not only the weights; in the API and on the page, in words.
#[tokio::test]
async fn the_compared_values_are_shown_side_by_side() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let pair = t.demo_pair(&coord).await;
    let names = [
        pair["a"]["compared"]["name"].as_str().unwrap(),
        pair["b"]["compared"]["name"].as_str().unwrap(),
    ];
    assert!(
        names.contains(&"Nguyễn Thị Lan") && names.contains(&"Nguyen Thi Lann"),
        "{names:?}"
    );
    for side in ["a", "b"] {
        let c = &pair[side]["compared"];
        assert_eq!(c["birth_date"]["date"], "1999-05-14");
        assert_eq!(c["sex"], "female");
        assert_eq!(c["nationalities"], json!(["VNM"]));
    }
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let html = page_get(&t, &cookie, "/dedupe").await.text();
    let reference = pair["a"]["reference"].as_str().unwrap();
    let at = html
        .find(&format!("data-a=\"{reference}\""))
        .expect("the demo pair on the page");
    let item = &html[at..at + html[at..].find("</li>").unwrap()];
    // Both sides' birth dates, each cell named by its record (read out as a
    // card on a phone).
    assert_eq!(item.matches(">14 May 1999</td>").count(), 2, "{item}");
    assert!(
        item.contains(&format!("class=\"value-a\" data-label=\"{reference}\"")),
        "{item}"
    );
    assert!(
        item.contains(">Female<") && item.contains(">Viet Nam<"),
        "{item}"
    );
    assert!(item.contains(">Nguyen Thi Lann<"), "{item}");
    // Fields neither record holds (a family name apart, a place) are left out.
    assert!(
        item.contains("<th scope=\"row\">name</th>")
            && !item.contains("<th scope=\"row\">family name</th>")
            && !item.contains("<th scope=\"row\">place of origin</th>"),
        "{item}"
    );
}

/// A screening referred without a name gets a stand-in ("Unnamed person
/// (screening 1a2b3c4d)"): two such persons shared three of its four words,
/// so the run and search before create took them for the same person.
#[tokio::test]
async fn persons_referred_without_a_name_are_not_taken_for_one_another() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let coord = t.login("demo-coordinator").await;
    let org_a = org_id(&t, &responder, "Organisation A").await;
    let mut cases = Vec::new();
    for _ in 0..3 {
        let s = t
            .call_as(
                "POST",
                "/api/v1/screenings",
                &responder,
                Some(json!({"consent_given": true, "language": "my", "interpreter": true,
                    "place_kind": "vessel", "place_note": "Synthetic vessel 7",
                    "document": {"age_years": 27, "form": "fishing", "act_established": true,
                        "indicators": {"DR1": "yes", "DR8": "yes", "EX1": "yes", "EX4": "yes", "CD1": "yes", "CD2": "yes"}}})),
            )
            .await
            .json();
        let case = t
            .call_as(
                "POST",
                &format!("/api/v1/screenings/{}/refer", s["id"].as_str().unwrap()),
                &responder,
                Some(json!({"to_org_id": org_a})),
            )
            .await;
        assert_eq!(case.status, StatusCode::CREATED, "{}", case.text());
        cases.push(case.json()["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(run_now(&t, &coord).await["state"], "done");
    let all = t.app.store().dedupe_pairs(None).await.unwrap();
    let among = all
        .iter()
        .filter(|p| cases.contains(&p.case_a.to_string()) && cases.contains(&p.case_b.to_string()))
        .count();
    assert_eq!(among, 0, "pairs among the unnamed: {among}");
    // Search before create with the stand-in name finds none of them.
    let person = t
        .call_as("GET", &format!("/api/v1/cases/{}", cases[0]), &coord, None)
        .await
        .json()["person"]
        .clone();
    let check = t
        .call_as(
            "POST",
            "/api/v1/cases/duplicates",
            &coord,
            Some(json!({"person": person})),
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text());
    let text = check.text();
    for c in &cases[1..] {
        assert!(!text.contains(c.as_str()), "{text}");
    }
}
