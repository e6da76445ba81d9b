//! The command line, run as a user runs it: the built `safepath` binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn safepath(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_safepath"))
        .args(args)
        .env_remove("SAFEPATH_DATA_DIR")
        .env_remove("SAFEPATH_DATABASE_URL")
        .env_remove("SAFEPATH_KEY_FILE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn ok(args: &[&str], stdin: Option<&str>) -> String {
    let out = safepath(args, stdin);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn fails(args: &[&str], stdin: Option<&str>) -> String {
    let out = safepath(args, stdin);
    assert!(!out.status.success(), "{args:?} should fail");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn screen_follows_the_contract_and_refuses_bad_documents() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("s.json");
    std::fs::write(&file, r#"{"age_years": 15, "form": "labour", "act_established": true, "indicators": {"EX1": "yes", "EX3": "yes"}}"#).unwrap();
    let v: Value = serde_json::from_str(&ok(&["screen", file.to_str().unwrap()], None)).unwrap();
    assert_eq!(v["population"], "child");
    assert_eq!(v["outcome"], "presumed_trafficking");
    let v: Value = serde_json::from_str(&ok(
        &["screen", "-"],
        Some(r#"{"form": "labour", "act_established": false, "indicators": {}}"#),
    ))
    .unwrap();
    assert_eq!(v["outcome"], "not_indicated");
    let err = fails(
        &["screen", "-"],
        Some(r#"{"form": "labour", "act_established": true, "indicators": {"XX1": "yes"}}"#),
    );
    assert!(err.contains("unknown_indicator"), "{err}");
    assert!(fails(&["screen", "-"], Some("{not json")).contains("malformed_json"));
    assert!(
        fails(
            &["screen", "-"],
            Some(
                r#"{"age_years": -1, "form": "labour", "act_established": true, "indicators": {}}"#
            )
        )
        .contains("invalid_age")
    );
    assert!(fails(&["screen", "/nonexistent/file.json"], None).contains("cannot read"));
}

#[test]
fn an_unknown_database_scheme_is_an_error_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let err = fails(
        &[
            "migrate",
            "--data-dir",
            d,
            "--database-url",
            "mysql://localhost/x",
        ],
        None,
    );
    assert!(err.contains("unsupported database URL scheme"), "{err}");
    let err = fails(
        &["migrate", "--data-dir", d, "--database-url", "safepath.db"],
        None,
    );
    assert!(err.contains("unsupported database URL scheme"), "{err}");
    assert!(!Path::new("safepath.db").exists());
}

#[test]
fn the_demo_refuses_a_public_address() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(
        &[
            "demo",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--addr",
            "0.0.0.0:18999",
        ],
        None,
    );
    assert!(err.contains("--allow-remote"), "{err}");
    assert!(
        !dir.path().join("safepath.db").exists(),
        "nothing was created"
    );
}

fn tamper(db: &Path, sql: &str) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
            .await
            .unwrap();
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    });
}

#[test]
fn accounts_backup_restore_rotation_and_audit_verification() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    ok(&["migrate", "--data-dir", d], None);
    assert!(data.join("safepath.key").exists());
    ok(
        &[
            "org",
            "add",
            "--data-dir",
            d,
            "--name",
            "Test Shelter",
            "--type",
            "ngo",
            "--country",
            "tha",
        ],
        None,
    );
    assert!(
        fails(
            &[
                "org",
                "add",
                "--data-dir",
                d,
                "--name",
                "Test Shelter",
                "--type",
                "ngo",
                "--country",
                "THA"
            ],
            None
        )
        .contains("already exists")
    );
    assert!(
        fails(
            &[
                "org",
                "add",
                "--data-dir",
                d,
                "--name",
                "X",
                "--type",
                "company",
                "--country",
                "THA"
            ],
            None
        )
        .contains("type")
    );
    let add = [
        "user",
        "add",
        "--data-dir",
        d,
        "--username",
        "cm-one",
        "--full-name",
        "Case Manager One",
        "--org",
        "Test Shelter",
        "--role",
        "case_manager",
    ];
    ok(&add, Some("a long enough password\n"));
    assert!(fails(&add, Some("a long enough password\n")).contains("already exists"));
    let mut weak = add;
    weak[5] = "cm-two";
    assert!(fails(&weak, Some("short\n")).contains("12 characters"));
    let mut bad_role = add;
    bad_role[5] = "cm-three";
    bad_role[11] = "boss";
    assert!(fails(&bad_role, Some("a long enough password\n")).contains("role"));
    ok(&["user", "disable", "--data-dir", d, "cm-one"], None);
    ok(
        &["user", "reset-password", "--data-dir", d, "cm-one"],
        Some("another long password\n"),
    );
    assert!(fails(&["user", "disable", "--data-dir", d, "nobody"], None).contains("no user"));
    // Notification e-mail: set, refused when not an address, cleared.
    assert!(
        ok(
            &[
                "user",
                "set-email",
                "--data-dir",
                d,
                "cm-one",
                "--email",
                "cm-one@example.org"
            ],
            None
        )
        .contains("e-mailed")
    );
    assert!(
        fails(
            &[
                "user",
                "set-email",
                "--data-dir",
                d,
                "cm-one",
                "--email",
                "not an address"
            ],
            None
        )
        .contains("e-mail")
    );
    assert!(ok(&["user", "set-email", "--data-dir", d, "cm-one"], None).contains("Cleared"));

    // Audit: intact, then rotated keys still open everything.
    assert!(ok(&["audit", "verify", "--data-dir", d], None).contains("intact"));
    let key_before = std::fs::read_to_string(data.join("safepath.key")).unwrap();
    ok(&["keys", "rotate", "--data-dir", d], None);
    let key_after = std::fs::read_to_string(data.join("safepath.key")).unwrap();
    assert_ne!(key_before, key_after);
    assert!(ok(&["org", "list", "--data-dir", d], None).contains("Test Shelter"));
    assert!(ok(&["audit", "verify", "--data-dir", d], None).contains("intact"));

    // Backup, then restore into a fresh folder with the same key file.
    let backup = dir.path().join("backup.db");
    ok(
        &["backup", "--data-dir", d, "--to", backup.to_str().unwrap()],
        None,
    );
    assert!(
        fails(
            &["backup", "--data-dir", d, "--to", backup.to_str().unwrap()],
            None
        )
        .contains("already exists")
    );
    let restored = dir.path().join("restored");
    std::fs::create_dir_all(&restored).unwrap();
    std::fs::copy(data.join("safepath.key"), restored.join("safepath.key")).unwrap();
    let r = restored.to_str().unwrap();
    ok(
        &[
            "restore",
            "--data-dir",
            r,
            "--from",
            backup.to_str().unwrap(),
        ],
        None,
    );
    assert!(ok(&["org", "list", "--data-dir", r], None).contains("Test Shelter"));
    assert!(
        fails(
            &[
                "restore",
                "--data-dir",
                r,
                "--from",
                backup.to_str().unwrap()
            ],
            None
        )
        .contains("--force")
    );
    // A backup is refused with a key file that cannot open it.
    let stranger = dir.path().join("stranger");
    ok(&["migrate", "--data-dir", stranger.to_str().unwrap()], None);
    std::fs::remove_file(stranger.join("safepath.db")).unwrap();
    assert!(
        fails(
            &[
                "restore",
                "--data-dir",
                stranger.to_str().unwrap(),
                "--from",
                backup.to_str().unwrap()
            ],
            None
        )
        .contains("not a SafePath backup")
    );

    // Tampering: alter, then delete an entry; verify names it and exits non-zero.
    tamper(
        &data.join("safepath.db"),
        "UPDATE audit_log SET action = 'nothing.happened' WHERE seq = 3",
    );
    let err = fails(&["audit", "verify", "--data-dir", d], None);
    assert!(err.contains("entry 3"), "{err}");
    tamper(
        &restored.join("safepath.db"),
        "DELETE FROM audit_log WHERE seq = 2",
    );
    let err = fails(&["audit", "verify", "--data-dir", r], None);
    assert!(err.contains("entry 3") || err.contains("entry 2"), "{err}");
}

/// Finding 6 of the trust issue: SIGTERM (what service managers send) killed
/// the server without draining requests or writing the shutdown checkpoint.
#[test]
fn sigterm_shuts_the_server_down_gracefully() {
    use std::io::Read;
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_safepath"))
        .args([
            "demo",
            "--data-dir",
            dir.path().to_str().unwrap(),
            "--addr",
            &addr,
            "--cases",
            "3",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let healthy = loop {
        let ok = TcpStream::connect(&addr).ok().and_then(|mut s| {
            s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .ok()?;
            let mut out = String::new();
            s.read_to_string(&mut out).ok()?;
            out.starts_with("HTTP/1.1 200").then_some(())
        });
        if ok.is_some() {
            break true;
        }
        if started.elapsed() > Duration::from_secs(120) {
            break false;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let pid = child.id().to_string();
    let killed = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    assert!(killed.success());
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break Some(s);
        }
        if started.elapsed() > Duration::from_secs(180) {
            let _ = child.kill();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(healthy, "the demo never answered /healthz");
    let status = status.expect("the server did not stop on SIGTERM");
    assert!(
        status.success(),
        "stopped by the signal, not shut down: {status:?}"
    );
    let verdict = ok(
        &[
            "audit",
            "verify",
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert!(verdict.contains("intact"), "{verdict}");
}
