//! Time and memory of fund balances over a large ledger, on SQLite.
//!
//! Builds a ledger of N postings (default 1,000,000: N/2 balanced
//! transactions over 12 accounts and 2,000 cases), then times the balance
//! queries of `JusticeStore` (all accounts, all accounts at a date, one case)
//! and reports the process's peak resident memory. Run with
//! `bench/justice/run.sh` (release build).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safepath_domain::ids::{CaseId, OrgId, PersonId, UserId};
use safepath_store::*;
use std::time::Instant;

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(|v| v.parse().unwrap_or(0)))
        })
        .unwrap_or(0)
}

fn sealed(tag: &str) -> safepath_crypto::Sealed {
    safepath_crypto::Sealed {
        key_id: "dk-bench".into(),
        bytes: tag.as_bytes().to_vec(),
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let postings: i64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = open(&url, None).await.unwrap();
    store.migrate().await.unwrap();
    let audit = AuditDraft::new(1, "bench", "bench");
    let org = OrgRow {
        id: OrgId(uuid::Uuid::new_v4()),
        name: "Bench".into(),
        org_type: "ngo".into(),
        country: "THA".into(),
        created_at: 1,
    };
    store.insert_org(&org, &audit).await.unwrap();
    let user = UserRow {
        id: UserId(uuid::Uuid::new_v4()),
        username: "bench".into(),
        full_name: "Bench".into(),
        org_id: org.id,
        role: "coordinator".into(),
        password_hash: "x".into(),
        disabled: false,
        language: "en".into(),
        created_at: 1,
    };
    store.insert_user(&user, &audit).await.unwrap();
    let mut cases = Vec::new();
    for i in 0..2_000 {
        let person = PersonRow {
            id: PersonId(uuid::Uuid::new_v4()),
            display_name: sealed("d"),
            names: sealed("n"),
            birth_date: None,
            contact: None,
            place_of_origin: None,
            sex: "unknown".into(),
            gender_identity: "not_disclosed".into(),
            nationalities: "[]".into(),
            languages: "[]".into(),
            created_at: 1,
            updated_at: 1,
        };
        let case = CaseRow {
            id: CaseId(uuid::Uuid::new_v4()),
            reference: format!("SP-B{i:05}"),
            person_id: person.id,
            status: "referred".into(),
            org_id: org.id,
            case_manager_id: Some(user.id),
            associated: vec![],
            exploitation_forms: "[]".into(),
            notes: None,
            created_by: "bench".into(),
            created_at: 1,
            updated_at: 1,
            version: 1,
        };
        store
            .insert_case(&case, &person, &[], &audit)
            .await
            .unwrap();
        cases.push(case.id);
    }
    let kinds = [
        "holdings",
        "state_budget",
        "confiscated_assets",
        "donations",
        "repayments",
        "legal_aid",
        "health_care",
        "accommodation",
        "subsistence",
        "repatriation_travel",
        "compensation_paid",
        "holdings",
    ];
    for (i, k) in kinds.iter().enumerate() {
        let a = FundAccountRow {
            id: format!("acct-{i:02}"),
            name: format!("Account {i}"),
            kind: (*k).into(),
            court_order_reference: None,
            created_by: user.id,
            created_at: 1,
        };
        store.insert_fund_account(&a, &audit).await.unwrap();
    }
    // Bulk load behind the store (the store's own writes append an audit
    // entry per transaction; the load is not what is measured).
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let load = Instant::now();
    let txs = postings / 2;
    let user_id = user.id.to_string();
    let mut conn = pool.acquire().await.unwrap();
    sqlx::query("CREATE TEMP TABLE bench_cases (n INTEGER PRIMARY KEY, id TEXT)")
        .execute(&mut *conn)
        .await
        .unwrap();
    let mut q = sqlx::QueryBuilder::<sqlx::Sqlite>::new("INSERT INTO bench_cases (n, id) ");
    q.push_values(cases.iter().enumerate(), |mut b, (n, c)| {
        b.push_bind(n as i64).push_bind(c.to_string());
    });
    q.build().execute(&mut *conn).await.unwrap();
    sqlx::query("BEGIN").execute(&mut *conn).await.unwrap();
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < $1) \
         INSERT INTO fund_transactions (id, description, state, requested_by, proposed, booked_on, created_at) \
         SELECT 'tx-' || i, x'00', 'posted', $2, '[]', date('2024-01-01', '+' || (i % 900) || ' days'), i FROM n",
    )
    .bind(txs)
    .bind(&user_id)
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO fund_postings (transaction_id, line, account_id, direction, amount_minor, currency, case_id, booked_on) \
         SELECT t.id, 1, printf('acct-%02d', 5 + (t.created_at % 6)), 'debit', 1000 + (t.created_at % 997), \
                CASE WHEN t.created_at % 10 = 0 THEN 'USD' ELSE 'THB' END, c.id, t.booked_on \
         FROM fund_transactions t JOIN bench_cases c ON c.n = t.created_at % 2000",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO fund_postings (transaction_id, line, account_id, direction, amount_minor, currency, case_id, booked_on) \
         SELECT transaction_id, 2, 'acct-00', 'credit', amount_minor, currency, NULL, booked_on FROM fund_postings WHERE line = 1",
    )
    .execute(&mut *conn)
    .await
    .unwrap();
    sqlx::query("COMMIT").execute(&mut *conn).await.unwrap();
    sqlx::query("ANALYZE").execute(&mut *conn).await.unwrap();
    drop(conn);
    pool.close().await;
    let loaded = load.elapsed();
    let rss_before = peak_rss_kib();

    let mut table = Vec::new();
    for (name, on, case) in [
        ("all accounts, all time", None, None),
        ("all accounts at 2025-06-30", Some("2025-06-30"), None),
        ("one case, all time", None, Some(cases[7])),
    ] {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..5 {
            let t = Instant::now();
            let r = match case {
                None => store.fund_balances(on).await.unwrap(),
                Some(c) => store.fund_case_balances(c, on, &audit).await.unwrap(),
            };
            times.push(t.elapsed());
            rows = r.len();
            if case.is_none() && on.is_none() {
                // Double entry: every currency nets to zero.
                assert_eq!(r.iter().map(|b| b.signed_minor).sum::<i64>(), 0);
            }
        }
        times.sort();
        table.push((name, times[2], rows));
    }
    // The reconciliation's two other aggregates: a year's debits and credits
    // per account, and transactions out of balance over the whole ledger.
    for (name, query) in [
        ("movements in 2025 (reconciliation)", 0),
        ("unbalanced transactions (reconciliation)", 1),
    ] {
        let mut times = Vec::new();
        let mut rows = 0;
        for _ in 0..5 {
            let t = Instant::now();
            rows = if query == 0 {
                store
                    .fund_movements("2025-01-01", "2025-12-31")
                    .await
                    .unwrap()
                    .len()
            } else {
                let u = store.fund_unbalanced().await.unwrap();
                assert!(u.is_empty(), "the generated ledger balances");
                u.len()
            };
            times.push(t.elapsed());
        }
        times.sort();
        table.push((name, times[2], rows));
    }
    let rss_after = peak_rss_kib();
    println!(
        "fund balance benchmark, SQLite, {postings} postings ({txs} transactions), loaded in {:.1} s",
        loaded.as_secs_f64()
    );
    println!("| query | median of 5 | rows |");
    println!("|---|---|---|");
    for (name, t, rows) in table {
        println!("| {name} | {:.1} ms | {rows} |", t.as_secs_f64() * 1000.0);
    }
    println!(
        "peak resident memory: {:.1} MiB before the queries, {:.1} MiB after (growth {:.1} MiB)",
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        (rss_after - rss_before) as f64 / 1024.0
    );
}
