//! Index-key rotation (`safepath keys rotate --index-key`, issue 9): the
//! blind indexes are rebuilt under a new key from the sealed names, so that
//! a server started after it finds every person by name; what was kept only
//! as a keyed hash (recovery codes) goes with the old key, and its holders
//! are told; an interrupted rotation stops a server from starting and
//! resumes when run again.

use crate::common::*;
use crate::sign_in::{code, enrol, password_step, second_step};
use axum::http::StatusCode;
use safepath_app::{App, SystemClock};
use safepath_crypto::{KeyFile, KeyPurpose, new_wrapped_key};
use safepath_store::AuditDraft;
use serde_json::json;
use std::sync::Arc;

async fn index_keys(t: &TestApp) -> Vec<String> {
    t.app
        .store()
        .data_keys()
        .await
        .unwrap()
        .into_iter()
        .filter(|k| k.purpose == KeyPurpose::Index)
        .map(|k| k.id)
        .collect()
}

/// The same data, opened again (a server started after the rotation).
async fn reopen(cfg: &safepath_app::OpenConfig) -> TestApp {
    let app = App::open(cfg, Arc::new(SystemClock)).await.unwrap();
    TestApp::new(Arc::new(app), tempfile::tempdir().unwrap())
}

/// Whether search before create finds case `id` for `name` (its index holds
/// keyed hashes under the index key: D17).
async fn duplicate_found(t: &TestApp, token: &str, name: &str, id: &str) -> bool {
    let found = t
        .call(
            "POST",
            "/api/v1/cases/duplicates",
            Some(token),
            Some(
                json!({"person": {"names": [{"value": name, "script": "Latn"}], "sex": "female"}}),
            ),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    found.json()["visible"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["case_id"] == id)
}

async fn finds(t: &TestApp, token: &str, q: &str, id: &str) -> bool {
    let found = t
        .call(
            "POST",
            "/api/v1/cases/search",
            Some(token),
            Some(json!({ "q": q })),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    found.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["id"] == id)
}

#[tokio::test]
async fn the_index_key_rotates_search_finds_every_person_and_recovery_code_holders_are_told() {
    let (dir, cfg) = fresh_config();
    let app = App::open(&cfg, Arc::new(SystemClock)).await.unwrap();
    safepath_app::demo::seed(&app, 0).await.unwrap();
    let t = TestApp::new(Arc::new(app), dir);
    let cm = t.login("demo-cm-a").await;
    let mut cases = Vec::new();
    for name in [
        "Synthetic Rotaname Kethsana",
        "Synthetic Vongsavath Rotaname",
    ] {
        let c = t
            .create(
                &cm,
                json!({"names": [{"value": name, "script": "Latn"}], "sex": "female"}),
            )
            .await;
        cases.push(c["id"].as_str().unwrap().to_owned());
    }
    let (secret, recovery) = enrol(&t, &cm).await;
    // Search before create's index is built under the old key.
    assert!(duplicate_found(&t, &cm, "Synthetic Rotaname Kethsana", &cases[0]).await);
    let before = index_keys(&t).await;
    assert_eq!(before.len(), 1);

    let mut batches = Vec::new();
    let done = t
        .app
        .rotate_index_key(1, &mut |n| batches.push(n))
        .await
        .unwrap();
    assert!(!done.resumed);
    assert_eq!(done.deleted, before, "the old index key is deleted");
    assert_eq!(done.recovery_code_holders, 1);
    assert!(
        done.persons >= 2 && batches.len() as u64 == done.persons,
        "one person per batch"
    );
    let after = index_keys(&t).await;
    assert_eq!(after, std::slice::from_ref(&done.key_id));
    assert_ne!(after, before);

    // A server started now finds both persons by either name.
    let t2 = reopen(&cfg).await;
    assert!(!t2.app.index_rotation_unfinished().await.unwrap());
    for (q, id) in [
        ("Kethsana", &cases[0]),
        ("rotaname", &cases[1]),
        ("Vongsavath", &cases[1]),
    ] {
        assert!(finds(&t2, &cm, q, id).await, "search {q:?}");
    }
    // Emptied with the old key, built again under the new one.
    let state = t2.app.store().match_index_state().await.unwrap();
    assert_eq!(state, None, "emptied by the rotation");
    assert!(duplicate_found(&t2, &cm, "Synthetic Rotaname Kethsana", &cases[0]).await);
    let state = t2.app.store().match_index_state().await.unwrap().unwrap();
    assert!(state.entries >= 2, "built again");
    // The recovery codes went with the old key; the authenticator app still
    // signs in; the holder is told.
    let pending = password_step(&t2, "demo-cm-a").await;
    let refused = second_step(&t2, &pending, &recovery[0]).await;
    assert_ne!(refused.status, StatusCode::OK, "{}", refused.text());
    let pending = password_step(&t2, "demo-cm-a").await;
    let signed_in = second_step(&t2, &pending, &code(&secret, 30)).await;
    assert_eq!(signed_in.status, StatusCode::OK, "{}", signed_in.text());
    let told = t2
        .call("GET", "/api/v1/notifications", Some(&cm), None)
        .await
        .json();
    assert!(
        told["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "recovery_codes_reset"),
        "{told}"
    );
    let entries = audit_actions(&t2).await;
    assert!(entries.iter().any(|a| a == "keys.rotate_index.start"));
    assert!(entries.iter().any(|a| a == "keys.rotate_index.finish"));

    // Interrupted after its key was added: no server starts (the check it
    // makes), and the next run resumes with that key.
    let file = KeyFile::load(&cfg.key_file).unwrap();
    let key = new_wrapped_key(file.active().unwrap(), KeyPurpose::Index).unwrap();
    t2.app
        .store()
        .add_data_key(
            &key,
            0,
            &AuditDraft::new(0, "test", "keys.rotate_index.start"),
        )
        .await
        .unwrap();
    assert!(t2.app.index_rotation_unfinished().await.unwrap());
    let resumed = t2.app.rotate_index_key(500, &mut |_| {}).await.unwrap();
    assert!(resumed.resumed);
    assert_eq!(resumed.key_id, key.id);
    assert_eq!(resumed.deleted, after);
    let t3 = reopen(&cfg).await;
    assert!(!t3.app.index_rotation_unfinished().await.unwrap());
    assert!(finds(&t3, &cm, "Kethsana", &cases[0]).await);
}
