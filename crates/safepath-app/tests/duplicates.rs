//! Search before create keeps its prepared matching state between queries
//! (docs/decisions.md D-T7): the answers must be those of a fresh build, a
//! person written after the build must be found (or no longer found) by the
//! next query, and need-to-know is unchanged. Synthetic people only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safepath_app::duplicates::DuplicateCheck;
use safepath_app::views::{CasePatch, NewCase};
use safepath_app::{App, OpenConfig, Principal, SystemClock};
use safepath_domain::person::Person;
use serde_json::{Value, json};
use std::sync::Arc;

async fn open_app(dir: &tempfile::TempDir) -> App {
    let cfg = OpenConfig {
        database_url: format!("sqlite://{}", dir.path().join("safepath.db").display()),
        key_file: dir.path().join("safepath.key"),
        create_key_file: true,
        audit_key_file: None,
    };
    let app = App::open(&cfg, Arc::new(SystemClock)).await.unwrap();
    safepath_app::demo::seed(&app, 0).await.unwrap();
    app
}

async fn principal(app: &App, username: &str) -> Principal {
    Principal::from_user(
        app.store()
            .user_by_username(username)
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap()
}

fn person(v: Value) -> Person {
    let mut v = v;
    if v.get("display_name").is_none() {
        v["display_name"] = v["names"][0]["value"].clone();
    }
    serde_json::from_value(v).unwrap()
}

async fn create(app: &App, who: &Principal, v: Value) -> uuid::Uuid {
    app.create_case(
        who,
        NewCase {
            person: person(v),
            exploitation_forms: vec![],
            notes: None,
            status: None,
            case_manager_id: None,
        },
    )
    .await
    .unwrap()
    .id
}

/// A synthetic population, in both organisations.
async fn population(app: &App, a: &Principal, b: &Principal) {
    let given = [
        "Aye", "Thida", "Kyaw", "Lan", "Minh", "Sokha", "Dara", "Nok",
    ];
    let family = ["Synthwin", "Fakeoo", "Testhan", "Mockra", "Samplee"];
    for (i, g) in given.iter().enumerate() {
        for (j, f) in family.iter().enumerate() {
            let who = if (i + j) % 3 == 0 { b } else { a };
            let sex = if i % 2 == 0 { "female" } else { "male" };
            create(
                app,
                who,
                json!({"names": [{"value": format!("{g} {f}")}], "sex": sex,
                       "birth_date": {"kind": "exact", "date": format!("{}-0{}-1{}", 1970 + i * 3 + j, 1 + j, i)},
                       "nationalities": ["MMR"]}),
            )
            .await;
        }
    }
}

fn query(v: Value) -> Person {
    person(v)
}

/// The answer: ids, bands and probabilities (to 9 places: the engine sums
/// over a hash map, so the last bits vary even between two builds).
fn summary(c: &DuplicateCheck) -> Vec<String> {
    let mut out: Vec<String> = c
        .visible
        .iter()
        .map(|h| format!("visible {} {} {:.9}", h.case_id, h.band, h.probability))
        .collect();
    out.extend(
        c.elsewhere
            .iter()
            .map(|e| format!("elsewhere {} {}", e.org_id, e.band)),
    );
    out
}

/// Every query's answer from `app` (its kept state) equals the answer of
/// `fresh` built anew from the store for each query (as every query did
/// before D-T7), for both organisations' users.
async fn assert_as_fresh(app: &App, fresh: &App, queries: &[Person], users: &[&Principal]) {
    for q in queries {
        for who in users {
            let kept = summary(&app.possible_duplicates(who, q.clone()).await.unwrap());
            fresh.forget_duplicate_index().await;
            let built = summary(&fresh.possible_duplicates(who, q.clone()).await.unwrap());
            assert_eq!(kept, built, "{:?}", q.names);
        }
    }
}

fn scan_unseals(app: &App) -> usize {
    app.watch_unseals()
        .take()
        .iter()
        .filter(|u| u.record_type == "scan")
        .count()
}

#[tokio::test]
async fn the_kept_index_answers_as_a_fresh_build_and_follows_every_write() {
    let dir = tempfile::tempdir().unwrap();
    let app = open_app(&dir).await;
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    let quynh = json!({"names": [{"value": "Phạm Thị Xuân Quỳnh"}], "sex": "female",
                       "birth_date": {"kind": "exact", "date": "1994-03-12"}, "nationalities": ["VNM"]});
    let existing = create(&app, &cm_a, quynh.clone()).await;
    let ask = query(
        json!({"names": [{"value": "Pham Thi Xuan Quynh"}], "sex": "female",
               "birth_date": {"kind": "exact", "date": "1994-03-12"}, "nationalities": ["VNM"]}),
    );
    let namesake = query(
        json!({"names": [{"value": "Aye Synthwin"}], "sex": "female", "nationalities": ["MMR"]}),
    );
    app.watch_unseals();

    // Built on first use: every person opened once, charged to the scan.
    let own = app.possible_duplicates(&cm_a, ask.clone()).await.unwrap();
    assert!(own.visible.iter().any(|h| h.case_id == existing));
    assert!(scan_unseals(&app) > 40, "the first query builds");
    // Need to know: organisation B learns only that A may hold the person.
    let other = app.possible_duplicates(&cm_b, ask.clone()).await.unwrap();
    assert!(other.visible.iter().all(|h| h.case_id != existing));
    assert_eq!(other.elsewhere.len(), 1);
    assert_eq!(other.elsewhere[0].org_id, cm_a.org().0);
    assert!(
        other.elsewhere[0].focal_point.is_some(),
        "whom to call there"
    );
    // Kept: the next queries open no person at all.
    let again = app.possible_duplicates(&cm_a, ask.clone()).await.unwrap();
    assert_eq!(summary(&again), summary(&own));
    let _ = app
        .possible_duplicates(&cm_a, namesake.clone())
        .await
        .unwrap();
    assert_eq!(scan_unseals(&app), 0, "a warm query opens nobody");

    // A person created after the build is found by the next query; only that
    // person is opened to bring the index up to date.
    let late = create(
        &app,
        &cm_a,
        json!({"names": [{"value": "Nguyễn Văn Synthetic"}], "sex": "male",
               "birth_date": {"kind": "exact", "date": "1988-07-01"}, "nationalities": ["VNM"]}),
    )
    .await;
    let late_query = query(
        json!({"names": [{"value": "Nguyen Van Synthetic"}], "sex": "male",
                                  "birth_date": {"kind": "exact", "date": "1988-07-01"}, "nationalities": ["VNM"]}),
    );
    app.watch_unseals().take();
    let found = app
        .possible_duplicates(&cm_a, late_query.clone())
        .await
        .unwrap();
    assert!(
        found.visible.iter().any(|h| h.case_id == late),
        "{:?}",
        summary(&found)
    );
    let opened = scan_unseals(&app);
    assert!((1..=3).contains(&opened), "only the new person: {opened}");
    // The grown index answers as one built afresh (a second app on the same
    // database stands for the former per-query build).
    let fresh = open_app(&dir).await;
    let queries = [ask.clone(), namesake.clone(), late_query.clone()];
    assert_as_fresh(&app, &fresh, &queries, &[&cm_a, &cm_b]).await;

    // A person changed: found under the new name, no longer under the old.
    app.update_case(
        &cm_a,
        existing,
        CasePatch {
            person: Some(person(
                json!({"names": [{"value": "Trần Thị Synthetic"}], "sex": "female",
                       "birth_date": {"kind": "exact", "date": "1979-11-30"}, "nationalities": ["VNM"]}),
            )),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let old = app.possible_duplicates(&cm_a, ask.clone()).await.unwrap();
    assert!(
        old.visible.iter().all(|h| h.case_id != existing),
        "the old name no longer finds the case"
    );
    let renamed = query(
        json!({"names": [{"value": "Tran Thi Synthetic"}], "sex": "female",
                               "birth_date": {"kind": "exact", "date": "1979-11-30"}, "nationalities": ["VNM"]}),
    );
    let new = app
        .possible_duplicates(&cm_a, renamed.clone())
        .await
        .unwrap();
    assert!(new.visible.iter().any(|h| h.case_id == existing));

    // Every answer still equals that of a state built afresh.
    let queries = [
        ask.clone(),
        namesake.clone(),
        late_query.clone(),
        renamed.clone(),
    ];
    assert_as_fresh(&app, &fresh, &queries, &[&cm_a, &cm_b]).await;
    let elsewhere = app
        .possible_duplicates(&cm_b, renamed.clone())
        .await
        .unwrap();
    assert!(elsewhere.visible.iter().all(|h| h.case_id != existing));
    assert_eq!(elsewhere.elsewhere.len(), 1, "organisation A, once");

    // A case removed behind the app's back (another tool, a restore of an
    // older file): its person never comes back from the kept state.
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        dir.path().join("safepath.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut conn)
        .await
        .unwrap();
    sqlx::query("DELETE FROM cases WHERE id = $1")
        .bind(late.to_string())
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);
    let gone = app
        .possible_duplicates(&cm_a, late_query.clone())
        .await
        .unwrap();
    assert!(
        gone.visible.iter().all(|h| h.case_id != late),
        "{:?}",
        summary(&gone)
    );
    assert_as_fresh(&app, &fresh, &queries, &[&cm_a, &cm_b]).await;
}

/// The audit entries of a check are those of before: the scan (before any
/// person is opened) and the check, each naming how many were scanned.
#[tokio::test]
async fn each_check_is_audited_as_before_warm_or_cold() {
    let dir = tempfile::tempdir().unwrap();
    let app = open_app(&dir).await;
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    let total = app.store().count_cases().await.unwrap();
    let q = query(
        json!({"names": [{"value": "Kyaw Fakeoo"}], "sex": "male", "nationalities": ["MMR"]}),
    );
    let last =
        |entries: Vec<safepath_audit::StoredEntry>| entries.last().map_or(0, |e| e.entry.seq);
    for _ in 0..2 {
        let before = last(app.store().audit_entries(0, i64::MAX).await.unwrap());
        let check = app.possible_duplicates(&cm_b, q.clone()).await.unwrap();
        let entries: Vec<_> = app
            .store()
            .audit_entries(before, 1_000)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.entry)
            .filter(|e| e.action.starts_with("case.duplicate"))
            .collect();
        let got: Vec<(&str, Option<&str>)> = entries
            .iter()
            .map(|e| (e.action.as_str(), e.detail.as_deref()))
            .collect();
        let scanned = format!("scanned={total}");
        let checked = format!(
            "scanned={total} visible={} elsewhere={}",
            check.visible.len(),
            check.elsewhere.len()
        );
        assert_eq!(
            got,
            [
                ("case.duplicate_scan", Some(scanned.as_str())),
                ("case.duplicate_check", Some(checked.as_str()))
            ]
        );
        assert_eq!(entries[0].record_type.as_deref(), Some("scan"));
        assert_eq!(entries[0].record_id.as_deref(), Some("duplicate_check"));
    }
}

/// The system clock, moved forward at will.
struct LaterClock(std::sync::atomic::AtomicI64);

impl safepath_app::Clock for LaterClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
            + time::Duration::milliseconds(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// Opened persons leave memory after the idle time without a check; the next
/// check opens them again.
#[tokio::test]
async fn the_kept_state_is_dropped_after_its_idle_time() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(LaterClock(Default::default()));
    let cfg = OpenConfig {
        database_url: format!("sqlite://{}", dir.path().join("safepath.db").display()),
        key_file: dir.path().join("safepath.key"),
        create_key_file: true,
        audit_key_file: None,
    };
    let mut app = App::open(&cfg, clock.clone()).await.unwrap();
    safepath_app::demo::seed(&app, 0).await.unwrap();
    app.set_duplicate_index_idle_minutes(30);
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    let q =
        query(json!({"names": [{"value": "Lan Mockra"}], "sex": "male", "nationalities": ["MMR"]}));
    app.watch_unseals();
    app.possible_duplicates(&cm_a, q.clone()).await.unwrap();
    assert!(scan_unseals(&app) > 0);
    clock
        .0
        .store(29 * 60_000, std::sync::atomic::Ordering::SeqCst);
    assert!(!app.expire_duplicate_index(), "not idle long enough");
    app.possible_duplicates(&cm_a, q.clone()).await.unwrap();
    assert_eq!(scan_unseals(&app), 0, "kept");
    clock
        .0
        .store(60 * 60_000, std::sync::atomic::Ordering::SeqCst);
    assert!(app.expire_duplicate_index(), "30 minutes without a check");
    assert!(!app.expire_duplicate_index(), "nothing left to drop");
    app.possible_duplicates(&cm_a, q.clone()).await.unwrap();
    assert!(scan_unseals(&app) > 40, "opened again");
    // 0: kept while the server runs.
    app.set_duplicate_index_idle_minutes(0);
    clock
        .0
        .store(1_000 * 60 * 60_000, std::sync::atomic::Ordering::SeqCst);
    assert!(!app.expire_duplicate_index());
}

/// Prepared when the server starts (issue 14: the first check of the day
/// waited for every person to be opened): the start opens them, audited as
/// the scheduler's scan, and the first check opens nobody.
#[tokio::test]
async fn the_state_prepared_at_start_spares_the_first_check() {
    let dir = tempfile::tempdir().unwrap();
    let app = open_app(&dir).await;
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    app.forget_duplicate_index().await;
    scan_unseals(&app);
    assert!(app.warm_duplicate_index().await.unwrap());
    assert!(scan_unseals(&app) > 0, "opened at start");
    let scans: Vec<_> = app
        .store()
        .audit_entries(0, i64::MAX)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry)
        .filter(|e| e.action == "case.duplicate_scan")
        .collect();
    assert_eq!(scans.last().unwrap().actor, "scheduler");
    let q = query(
        json!({"names": [{"value": "Kyaw Fakeoo"}], "sex": "male", "nationalities": ["MMR"]}),
    );
    app.possible_duplicates(&cm_a, q).await.unwrap();
    assert_eq!(scan_unseals(&app), 0, "the first check opens nobody");
}
