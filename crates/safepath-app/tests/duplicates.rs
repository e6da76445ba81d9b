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
    let app = open_with_key(dir, true).await;
    safepath_app::demo::seed(&app, 0).await.unwrap();
    app
}

/// The app on the database in `dir` (a new key file when `create`).
async fn open_with_key(dir: &tempfile::TempDir, create: bool) -> App {
    let cfg = OpenConfig {
        database_url: format!("sqlite://{}", dir.path().join("safepath.db").display()),
        key_file: dir.path().join("safepath.key"),
        create_key_file: create,
        audit_key_file: None,
    };
    App::open(&cfg, Arc::new(SystemClock)).await.unwrap()
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
            fresh.forget_duplicate_index().await.unwrap();
            let built = summary(&fresh.possible_duplicates(who, q.clone()).await.unwrap());
            assert_eq!(kept, built, "{:?}", q.names);
        }
    }
}

/// The unseals charged to scans since the last call: of persons' records
/// (to index them), and of the index's sealed matching values (a check's
/// candidates).
fn scan_opened(app: &App) -> (usize, usize) {
    let seen = app.watch_unseals().take();
    let scans = seen.iter().filter(|u| u.record_type == "scan");
    let persons = scans.clone().filter(|u| u.table == "persons").count();
    let entries = scans.filter(|u| u.table == "match_entries").count();
    (persons, entries)
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
    let (persons, _) = scan_opened(&app);
    assert!(persons > 40, "the first query builds: {persons}");
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
    let (persons, candidates) = scan_opened(&app);
    assert_eq!(persons, 0, "a warm query opens no person's record");
    assert!(
        (1..20).contains(&candidates),
        "only candidates' matching values: {candidates}"
    );

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
    let (opened, _) = scan_opened(&app);
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
    let mut conn = connect(&dir).await;
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
            "scanned={total} visible={} more_visible={} elsewhere={}",
            check.visible.len(),
            check.more_visible,
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
    app.forget_duplicate_index().await.unwrap();
    scan_opened(&app);
    assert!(app.warm_duplicate_index().await.unwrap());
    assert!(scan_opened(&app).0 > 0, "opened at start");
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
    assert_eq!(
        scan_opened(&app).0,
        0,
        "the first check opens nobody's record"
    );
}

/// The demo's organisations with the synthetic population, organisation
/// A's case manager and a query.
async fn populated(dir: &tempfile::TempDir) -> (App, Principal, Person) {
    let app = open_app(dir).await;
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    let q =
        query(json!({"names": [{"value": "Lan Mockra"}], "sex": "male", "nationalities": ["MMR"]}));
    (app, cm_a, q)
}

/// The index is kept in the database (D17): a server started again on the
/// same database opens no person's record for its first check, and answers
/// as before; an index stored under another key is built again.
#[tokio::test]
async fn the_index_is_kept_in_the_database_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let (app, cm_a, q) = populated(&dir).await;
    app.watch_unseals();
    let before = summary(&app.possible_duplicates(&cm_a, q.clone()).await.unwrap());
    assert!(!before.is_empty());
    assert!(scan_opened(&app).0 > 40, "built");
    drop(app);
    let again = reopen(&dir).await;
    again.watch_unseals();
    // The server's start finds it current: nothing opened, trained or
    // audited until a check asks.
    let entries = again
        .store()
        .audit_entries(0, i64::MAX)
        .await
        .unwrap()
        .len();
    assert!(again.warm_duplicate_index().await.unwrap());
    assert_eq!(scan_opened(&again), (0, 0));
    assert_eq!(
        again
            .store()
            .audit_entries(0, i64::MAX)
            .await
            .unwrap()
            .len(),
        entries
    );
    let after = summary(&again.possible_duplicates(&cm_a, q.clone()).await.unwrap());
    assert_eq!(after, before);
    let (persons, candidates) = scan_opened(&again);
    assert_eq!(persons, 0, "nobody opened to index after a restart");
    assert!(candidates > 0);
    // Stored under another fingerprint (another index key, another key
    // scheme): nothing in it can be compared, so it is built again.
    let mut conn = connect(&dir).await;
    sqlx::query("UPDATE match_index_state SET fingerprint = 'another key'")
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);
    drop(again);
    let third = reopen(&dir).await;
    third.watch_unseals();
    let rebuilt = summary(&third.possible_duplicates(&cm_a, q.clone()).await.unwrap());
    assert_eq!(rebuilt, before);
    assert!(scan_opened(&third).0 > 40, "built again");
}

async fn reopen(dir: &tempfile::TempDir) -> App {
    open_with_key(dir, false).await
}

async fn connect(dir: &tempfile::TempDir) -> sqlx::SqliteConnection {
    <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!(
        "sqlite://{}",
        dir.path().join("safepath.db").display()
    ))
    .await
    .unwrap()
}

/// Nothing in the index is stored in clear: no name, birth date or
/// nationality of any person appears in its tables.
#[tokio::test]
async fn the_index_stores_no_value_in_clear() {
    use sqlx::Row;
    let dir = tempfile::tempdir().unwrap();
    let (app, cm_a, q) = populated(&dir).await;
    app.possible_duplicates(&cm_a, q).await.unwrap();
    let mut conn = connect(&dir).await;
    let entries: i64 = sqlx::query("SELECT COUNT(*) AS n FROM match_entries")
        .fetch_one(&mut conn)
        .await
        .unwrap()
        .get("n");
    assert!(entries > 40);
    for table in [
        "match_entries",
        "match_keys",
        "match_terms",
        "match_index_state",
    ] {
        let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
            .fetch_all(&mut conn)
            .await
            .unwrap();
        assert!(!rows.is_empty(), "{table}");
        for r in &rows {
            for i in 0..r.len() {
                let text = match r.try_get::<Vec<u8>, _>(i) {
                    Ok(b) => String::from_utf8_lossy(&b).to_lowercase(),
                    Err(_) => match r.try_get::<String, _>(i) {
                        Ok(t) => t.to_lowercase(),
                        Err(_) => r.try_get::<i64, _>(i).unwrap().to_string(),
                    },
                };
                for clear in ["mockra", "synthwin", "fakeoo", "mmr", "thida", "1970-"] {
                    assert!(!text.contains(clear), "{table}: {clear} in clear");
                }
            }
        }
    }
}

/// A data-key rotation re-seals the index's values with every other sealed
/// column (it finds them from the schema): it finishes (it refuses to retire
/// a key that still seals a value), and the index answers as before.
#[tokio::test]
async fn a_data_key_rotation_reseals_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let (app, cm_a, q) = populated(&dir).await;
    let before = summary(&app.possible_duplicates(&cm_a, q.clone()).await.unwrap());
    assert!(!before.is_empty());
    let mut columns = Vec::new();
    let done = app
        .rotate_data_keys(500, &mut |c: &safepath_app::SealedColumn, _| {
            columns.push(format!("{}.{}", c.table, c.column))
        })
        .await
        .unwrap();
    assert!(
        columns.iter().any(|c| c == "match_entries.features"),
        "{columns:?}"
    );
    assert!(!done.deleted.is_empty() || !done.retired.is_empty());
    drop(app);
    let again = reopen(&dir).await;
    let after = summary(&again.possible_duplicates(&cm_a, q).await.unwrap());
    assert_eq!(after, before);
}

/// Records a tracing consent for `case` (the person agrees to be found);
/// its id.
async fn agree_to_tracing(app: &App, who: &Principal, case: uuid::Uuid) -> String {
    let consent =
        serde_json::from_value(json!({"purpose": "tracing", "categories": ["identity"]})).unwrap();
    app.record_consent(who, case, consent).await.unwrap().id
}

/// `who` records a family's request for `name` with the index current:
/// what its scan opened (persons' records, index entries).
async fn traced(app: &App, who: &Principal, name: &str, year: u32) -> (usize, usize) {
    assert!(app.warm_duplicate_index().await.unwrap());
    app.watch_unseals().take();
    app.create_tracing_request(who, tracing_request(name, year))
        .await
        .unwrap();
    scan_opened(app)
}

/// The cases of the tracing matches `who` is told of.
async fn matched(app: &App, who: &Principal) -> Vec<uuid::Uuid> {
    app.tracing_matches_for_me(who)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.case_id)
        .collect()
}

/// A family's request for `name` (female, Myanmar, born in `year`).
fn tracing_request(name: &str, year: u32) -> safepath_app::tracing_requests::NewTracingRequest {
    serde_json::from_value(json!({
        "sought": {"names": [{"value": name}], "sex": "female",
                   "birth_date": {"kind": "year", "year": year}, "nationalities": ["MMR"]},
        "requester": {"name": "Synthetic Requester", "relationship": "sibling",
                      "contact": {"phone": "+10000000000"}}
    }))
    .unwrap()
}

/// A tracing request reads search before create's index (D18): it opens no
/// person's record and no candidate without a tracing consent in force;
/// only the values of the candidates who agreed. A namesake who did not
/// agree is neither opened nor matched.
#[tokio::test]
async fn a_tracing_request_opens_only_the_candidates_who_agreed() {
    let dir = tempfile::tempdir().unwrap();
    let app = open_app(&dir).await;
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    let mya = json!({"names": [{"value": "Mya Synthetic Thant"}], "sex": "female",
                     "birth_date": {"kind": "exact", "date": "1996-05-04"}, "nationalities": ["MMR"]});
    let agrees = create(&app, &cm_a, mya.clone()).await;
    let declines = create(&app, &cm_b, mya).await;
    agree_to_tracing(&app, &cm_a, agrees).await;
    // Others agree too: they are not this request's candidates.
    for v in ["Aye Synthwin", "Kyaw Fakeoo"] {
        let other = app
            .possible_duplicates(&cm_a, query(json!({"names": [{"value": v}]})))
            .await
            .unwrap();
        for h in other.visible {
            agree_to_tracing(&app, &cm_a, h.case_id).await;
        }
    }
    let (persons, candidates) = traced(&app, &cm_b, "Mya Synthetic Thant", 1996).await;
    assert_eq!(persons, 0, "no person's record is opened");
    assert_eq!(
        candidates, 1,
        "only the candidate who agreed is opened, not the namesake who did not"
    );
    let found = matched(&app, &cm_a).await;
    assert_eq!(found, vec![agrees]);
    let elsewhere = app.tracing_matches_for_me(&cm_b).await.unwrap();
    assert!(elsewhere.iter().all(|m| m.case_id != declines));
}

/// The index holds every name of a person, with its transliterations: a
/// clerk who types another spelling of a person's second name, whose Latin
/// form is a transliteration, finds the person, and so does a family
/// (before, search before create indexed the first name only).
#[tokio::test]
async fn every_name_and_transliteration_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let app = open_app(&dir).await;
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    let case = create(
        &app,
        &cm_a,
        json!({"names": [{"value": "Nu Nu Synthetic"},
                         {"value": "မြတ်သူဇော်", "script": "Mymr",
                          "transliterations": ["Myat Thu Zaw Synthetic"]}],
               "sex": "female", "birth_date": {"kind": "exact", "date": "1993-02-14"},
               "nationalities": ["MMR"]}),
    )
    .await;
    let latin = query(
        json!({"names": [{"value": "Myat Thuzaw Synthetic"}], "sex": "female",
               "nationalities": ["MMR"]}),
    );
    let check = app.possible_duplicates(&cm_a, latin).await.unwrap();
    assert!(
        check.visible.iter().any(|h| h.case_id == case),
        "{:?}",
        summary(&check)
    );
    agree_to_tracing(&app, &cm_a, case).await;
    app.create_tracing_request(&cm_b, tracing_request("Myat Thuzaw Synthetic", 1993))
        .await
        .unwrap();
    let found = app.tracing_matches_for_me(&cm_a).await.unwrap();
    assert!(found.iter().any(|m| m.case_id == case));
}

/// A tracing consent that was withdrawn stays on the ledger, so the store
/// still reads that case's entry: the consent in force is checked before
/// its values are opened, and the person is neither opened nor matched.
#[tokio::test]
async fn a_withdrawn_tracing_consent_is_neither_opened_nor_matched() {
    let dir = tempfile::tempdir().unwrap();
    let app = open_app(&dir).await;
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    let thiri = json!({"names": [{"value": "Thiri Synthetic Aung"}], "sex": "female",
                       "birth_date": {"kind": "exact", "date": "1995-08-09"}, "nationalities": ["MMR"]});
    let stays = create(&app, &cm_a, thiri.clone()).await;
    let withdrew = create(&app, &cm_a, thiri).await;
    agree_to_tracing(&app, &cm_a, stays).await;
    let consent = agree_to_tracing(&app, &cm_a, withdrew).await;
    app.withdraw_consent(&cm_a, &consent).await.unwrap();
    let (persons, candidates) = traced(&app, &cm_b, "Thiri Synthetic Aung", 1995).await;
    assert_eq!(persons, 0);
    assert_eq!(
        candidates, 1,
        "the withdrawn person's values are not opened"
    );
    let found = matched(&app, &cm_a).await;
    assert_eq!(found, vec![stays]);
}

/// The family's "home place" is weighed against each case's place of origin,
/// under the town's other name too ("Moulmein" is Mawlamyine): of two
/// namesakes born the same year, the one from that town comes first and
/// weighs more. The last known place is not weighed (before, it stood in for
/// the place of origin; now neither side's place was compared and the two
/// namesakes weighed the same).
#[tokio::test]
async fn the_home_place_tells_namesakes_apart() {
    let dir = tempfile::tempdir().unwrap();
    let app = open_app(&dir).await;
    let cm_a = principal(&app, "demo-cm-a").await;
    let cm_b = principal(&app, "demo-cm-b").await;
    population(&app, &cm_a, &cm_b).await;
    let from = |town: &str, area: &str| {
        json!({"names": [{"value": "Thida Synthetic Win"}], "sex": "female",
               "birth_date": {"kind": "year", "year": 1994}, "nationalities": ["MMR"],
               "place_of_origin": {"country": "MMR", "area": area, "locality": town}})
    };
    let mon = create(&app, &cm_a, from("Mawlamyine", "Mon")).await;
    let shan = create(&app, &cm_a, from("Taunggyi", "Shan")).await;
    agree_to_tracing(&app, &cm_a, mon).await;
    agree_to_tracing(&app, &cm_a, shan).await;
    assert!(app.warm_duplicate_index().await.unwrap());
    let mut request = tracing_request("Thida Synthetic Win", 1994);
    request.sought.home_place = serde_json::from_value(json!({"locality": "Moulmein"})).unwrap();
    request.sought.last_known_place =
        serde_json::from_value(json!({"locality": "Taunggyi", "area": "Shan"})).unwrap();
    app.create_tracing_request(&cm_b, request).await.unwrap();
    let found = app.tracing_matches_for_me(&cm_a).await.unwrap();
    let p = |case| {
        found
            .iter()
            .find(|m| m.case_id == case)
            .map_or(0.0, |m| m.probability)
    };
    assert!(
        p(mon) > p(shan) && p(mon) >= 0.5,
        "from the home town {} against {}",
        p(mon),
        p(shan)
    );
    assert!(found[0].case_id == mon || p(shan) == 0.0);
}
