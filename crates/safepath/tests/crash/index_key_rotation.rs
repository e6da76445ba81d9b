//! Index-key rotation (`safepath keys rotate --index-key`, issue 9,
//! docs/decisions.md D-A3b): killed with SIGKILL halfway, no server starts
//! (a name search would miss persons not yet re-indexed); run again, it
//! resumes with the key it added and finishes; afterwards one index key,
//! every name search answers what it answered before, and the audit trail
//! is intact.

use super::*;

/// Case manager A's searches by each word of each of its cases' names: the
/// cases each finds.
async fn searches(http: &Http, base: &str) -> BTreeMap<String, Vec<String>> {
    let token = sign_in_cm_a(http, base).await;
    let mut words: Vec<String> = cases_of_cm_a(http, base, &token)
        .await
        .iter()
        .flat_map(|c| {
            c["display_name"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    words.sort();
    words.dedup();
    assert!(words.len() >= 20, "too few names to mean anything");
    let mut out = BTreeMap::new();
    for w in words {
        let (status, found) = call(
            http,
            "POST",
            &format!("{base}/api/v1/cases/search"),
            Some(&token),
            Some(json!({ "q": w })),
        )
        .await
        .unwrap();
        assert_eq!(status, 200, "{found}");
        let mut ids: Vec<String> = found["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect();
        ids.sort();
        assert!(!ids.is_empty(), "{w:?} finds its own case");
        out.insert(w, ids);
    }
    out
}

fn safepath_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_safepath"));
    c.args(args).arg("--data-dir").arg(dir);
    c
}

async fn index_keys(dir: &Path) -> Vec<String> {
    use sqlx::Row;
    let url = format!("sqlite://{}", dir.join("safepath.db").display());
    let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
    let rows = sqlx::query("SELECT id FROM data_keys WHERE purpose = 'index' ORDER BY created_at")
        .fetch_all(&pool)
        .await
        .unwrap();
    pool.close().await;
    rows.iter().map(|r| r.get::<String, _>("id")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn index_key_rotation_survives_kill_9_and_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let http: Http = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
    let server = start_with(&http, dir.path(), 0, 40).await;
    let before = searches(&http, &server.base).await;
    server.kill9();
    let old = index_keys(dir.path()).await;
    assert_eq!(old.len(), 1, "{old:?}");

    // Killed after two batches of two persons.
    let mut child = safepath_cmd(
        dir.path(),
        &["keys", "rotate", "--index-key", "--batch-size", "2"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    kill_after(&mut child, "re-indexed", 2);
    let halfway = index_keys(dir.path()).await;
    assert_eq!(halfway.len(), 2, "old and new keys both kept: {halfway:?}");
    assert_eq!(halfway[0], old[0]);

    // No server starts on a half-rebuilt index.
    let refused = safepath_cmd(dir.path(), &["demo", "--addr", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("index-key rotation was interrupted"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );

    // Run again: it resumes with the key it added and finishes.
    let done = safepath_cmd(dir.path(), &["keys", "rotate", "--index-key"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&done.stdout);
    assert!(
        done.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&done.stderr)
    );
    assert!(said.contains("Resumed and finished"), "{said}");
    assert_eq!(index_keys(dir.path()).await, [halfway[1].clone()]);

    let server = start_with(&http, dir.path(), 1, 40).await;
    assert_eq!(searches(&http, &server.base).await, before);
    server.kill9();
    let verify = safepath_cmd(dir.path(), &["audit", "verify"])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
}
