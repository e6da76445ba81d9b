//! Data-key rotation (`safepath keys rotate --data-keys`, issue 9): refused
//! beside a running server; killed with SIGKILL halfway, every value still
//! opens; run again, it resumes and finishes; afterwards no value outside the
//! audit log is sealed under the old key, the old key is gone, every read
//! answers what it answered before and the audit trail is intact.

use super::*;

/// What case managers of A read through the API: every case in full, with
/// its consents (persons' names, contacts, birth dates, notes; the consent
/// ledger's sealed records) and its documents (sealed names and
/// descriptions).
async fn everything(http: &Http, base: &str) -> BTreeMap<String, Value> {
    let token = sign_in_cm_a(http, base).await;
    let mut out = BTreeMap::new();
    for item in &cases_of_cm_a(http, base, &token).await {
        let id = item["id"].as_str().unwrap();
        for what in ["", "/consents", "/documents"] {
            let (status, v) = call(
                http,
                "GET",
                &format!("{base}/api/v1/cases/{id}{what}"),
                Some(&token),
                None,
            )
            .await
            .unwrap();
            assert_eq!(status, 200, "case {id}{what}: {v}");
            out.insert(format!("{id}{what}"), v);
        }
    }
    assert!(out.len() >= 20, "too few cases to mean anything");
    assert!(
        out.iter().any(|(k, v)| k.ends_with("/documents")
            && v["items"].as_array().is_some_and(|a| !a.is_empty())),
        "the demo's documents are among what is read"
    );
    out
}

fn rotate(dir: &Path, extra: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_safepath"));
    c.args(["keys", "rotate", "--data-keys", "--data-dir"])
        .arg(dir)
        .args(extra);
    c
}

async fn field_keys(dir: &Path) -> Vec<(String, Option<i64>)> {
    use sqlx::Row;
    let url = format!("sqlite://{}", dir.join("safepath.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let rows = sqlx::query(
        "SELECT id, retired_at FROM data_keys WHERE purpose = 'field' ORDER BY created_at",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows.iter()
        .map(|r| {
            (
                r.get::<String, _>("id"),
                r.get::<Option<i64>, _>("retired_at"),
            )
        })
        .collect()
}

/// Every table holding `needle` in any column, read straight from the file's
/// tables (not through the app's list of sealed columns).
async fn tables_holding(dir: &Path, needle: &str) -> Vec<String> {
    use sqlx::Row;
    let url = format!("sqlite://{}", dir.join("safepath.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let tables: Vec<String> = sqlx::query(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
    )
    .fetch_all(&pool)
    .await
    .unwrap()
    .iter()
    .map(|r| r.get("name"))
    .collect();
    let mut out = Vec::new();
    for t in tables {
        let cols: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{t}')"
        )))
        .fetch_all(&pool)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get("name"))
        .collect();
        for c in cols {
            let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*) AS n FROM \"{t}\" WHERE instr(CAST(\"{c}\" AS BLOB), CAST($1 AS BLOB)) > 0"
            )))
            .bind(needle)
            .fetch_one(&pool)
            .await
            .unwrap()
            .get("n");
            if n > 0 {
                out.push(format!("{t}.{c}"));
            }
        }
    }
    pool.close().await;
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn data_key_rotation_survives_kill_9_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let http: Http = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let server = start_with(&http, dir.path(), 0, 40).await;
    let before = everything(&http, &server.base).await;

    // Beside a running server: refused, nothing changed.
    let refused = rotate(dir.path(), &[]).output().unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("stop it first"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    server.kill9();
    let old = field_keys(dir.path()).await;
    assert_eq!(old.len(), 1, "{old:?}");
    let old_key = old[0].0.clone();

    // Killed after a few batches of five.
    let mut child = rotate(dir.path(), &["--batch-size", "5"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    kill_after(&mut child, "re-encrypted", 4);
    let halfway = field_keys(dir.path()).await;
    assert_eq!(halfway.len(), 2, "old and new keys both kept: {halfway:?}");
    assert!(!tables_holding(dir.path(), &old_key).await.is_empty());

    // Halfway, every value opens (some under each key).
    let server = start_with(&http, dir.path(), 1, 40).await;
    assert_eq!(everything(&http, &server.base).await, before);
    server.kill9();

    // Run again: it resumes with the same new key and finishes.
    let done = rotate(dir.path(), &[]).output().unwrap();
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(said.contains("Resumed and finished"), "{said}");
    let after = field_keys(dir.path()).await;
    assert_eq!(
        after,
        vec![(halfway[1].0.clone(), None)],
        "the old key is deleted"
    );
    let left = tables_holding(dir.path(), &old_key).await;
    assert!(
        left.iter().all(|at| at.starts_with("audit_log.")),
        "values still under the old key: {left:?}"
    );

    let server = start_with(&http, dir.path(), 2, 40).await;
    assert_eq!(everything(&http, &server.base).await, before);
    server.kill9();
    let verify = Command::new(env!("CARGO_BIN_EXE_safepath"))
        .args(["audit", "verify", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
