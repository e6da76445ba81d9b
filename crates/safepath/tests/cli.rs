//! The command line, run as a user runs it: the built `safepath` binary.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// kill -9 while writing, restart, every acknowledged write still there.
mod crash;

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
    // The index key too (docs/decisions.md D-A3b); one rotation at a time.
    assert!(
        ok(&["keys", "rotate", "--index-key", "--data-dir", d], None)
            .contains("Finished the index-key rotation")
    );
    assert!(
        fails(
            &[
                "keys",
                "rotate",
                "--index-key",
                "--data-keys",
                "--data-dir",
                d
            ],
            None
        )
        .contains("cannot be used with")
    );
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
    // The audit key travels apart from the data key; a restore needs both.
    std::fs::copy(data.join("audit.key"), restored.join("audit.key")).unwrap();
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

// --- durable solutions: cross-border handover ---

/// The contract of issue 12: `safepath handover identity --data-dir DIR
/// --json` prints exactly `{"signing_key", "encryption_key", "fingerprint"}`
/// (keys in base64, 32 bytes each; the fingerprint is the hex SHA-256 of the
/// two keys' bytes), the same every time, from a private `handover.key`.
#[test]
fn handover_identity_follows_the_contract() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_str().unwrap();
    let first: Value = serde_json::from_str(&ok(
        &["handover", "identity", "--data-dir", data_arg, "--json"],
        None,
    ))
    .unwrap();
    let obj = first.as_object().unwrap();
    let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["encryption_key", "fingerprint", "signing_key"]);
    let b64 = |v: &Value| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().unwrap())
            .unwrap()
    };
    let mut both = b64(&obj["signing_key"]);
    assert_eq!(both.len(), 32);
    let enc = b64(&obj["encryption_key"]);
    assert_eq!(enc.len(), 32);
    both.extend_from_slice(&enc);
    let fp = obj["fingerprint"].as_str().unwrap();
    assert_eq!(
        fp,
        safepath_crypto::handover::Fingerprint(safepath_crypto::sha256(&both)).to_hex()
    );

    // The private keys: their own file, private, separate from the data key file.
    let key = data.join("handover.key");
    let mode = std::fs::metadata(&key).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    assert!(!data.join("safepath.key").exists());

    // The same identity next time; the human form shows the same fingerprint.
    let again: Value = serde_json::from_str(&ok(
        &["handover", "identity", "--data-dir", data_arg, "--json"],
        None,
    ))
    .unwrap();
    assert_eq!(again, first);
    let text = ok(&["handover", "identity", "--data-dir", data_arg], None);
    assert!(text.contains(&fp[..4]), "{text}");
    assert!(text.contains(obj["signing_key"].as_str().unwrap()));

    // A key file readable by others is refused, and nothing is printed.
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = safepath(
        &["handover", "identity", "--data-dir", data_arg, "--json"],
        None,
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("chmod 600"));
    // A damaged key file is refused, never silently replaced.
    std::fs::write(&key, "not a key").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = fails(&["handover", "identity", "--data-dir", data_arg], None);
    assert!(err.contains("handover_key_file"), "{err}");
    assert_eq!(std::fs::read_to_string(&key).unwrap(), "not a key");
}

/// A partner is registered only with the fingerprint compared out of band;
/// a sealed message received as a file is taken in once, in order; anything
/// else is refused with its code.
#[test]
fn handover_partner_add_and_import_of_a_sealed_file() {
    use safepath_crypto::handover::{DeploymentIdentity, Outgoing, seal};
    let dir = tempfile::tempdir().unwrap();
    let origin = dir.path().join("origin");
    let dest = dir.path().join("dest");
    let (o, d) = (origin.to_str().unwrap(), dest.to_str().unwrap());
    ok(&["migrate", "--data-dir", o], None);
    let id_o: Value = serde_json::from_str(&ok(
        &["handover", "identity", "--data-dir", o, "--json"],
        None,
    ))
    .unwrap();
    let id_d: Value = serde_json::from_str(&ok(
        &["handover", "identity", "--data-dir", d, "--json"],
        None,
    ))
    .unwrap();
    let add = |fp: &str| {
        vec![
            "handover".to_owned(),
            "partner".into(),
            "add".into(),
            "--data-dir".into(),
            o.into(),
            "--name".into(),
            "Destination NGO".into(),
            "--signing-key".into(),
            id_d["signing_key"].as_str().unwrap().into(),
            "--encryption-key".into(),
            id_d["encryption_key"].as_str().unwrap().into(),
            "--fingerprint".into(),
            fp.into(),
        ]
    };
    let args = add(id_o["fingerprint"].as_str().unwrap());
    let err = fails(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    assert!(err.contains("handover_fingerprint_mismatch"), "{err}");
    let args = add(id_d["fingerprint"].as_str().unwrap());
    ok(&args.iter().map(String::as_str).collect::<Vec<_>>(), None);
    // The origin's partner on the same deployment: an organisation is
    // required (and must exist); then this deployment is its own partner.
    let local = |org: &'static str| {
        vec![
            "handover",
            "partner",
            "add-local",
            "--data-dir",
            o,
            "--name",
            "Return desk",
            "--org",
            org,
        ]
    };
    let err = fails(&local("No Such Organisation"), None);
    assert!(err.contains("invalid_org"), "{err}");
    ok(
        &[
            "org",
            "add",
            "--data-dir",
            o,
            "--name",
            "Return Desk Org",
            "--type",
            "ngo",
            "--country",
            "MMR",
        ],
        None,
    );
    let out = ok(&local("Return Desk Org"), None);
    assert!(out.contains(id_o["fingerprint"].as_str().unwrap()), "{out}");

    // The destination seals a request to the origin, as a file.
    let me = DeploymentIdentity::load(&dest.join("handover.key")).unwrap();
    let them = DeploymentIdentity::load(&origin.join("handover.key")).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let env = seal(
        &me,
        them.public(),
        Outgoing {
            handover_id: "5a0c2a52-1d8e-4a7b-9a56-3c1f0e2d4b6a",
            sequence: 1,
            now,
            lifetime_secs: 3600,
            payload: serde_json::json!({"type": "request",
                "consent": "00000000-0000-0000-0000-000000000001",
                "categories": ["identity"], "person_is_child": false}),
        },
    )
    .unwrap();
    let file = dir.path().join("request.json");
    std::fs::write(&file, env.to_json()).unwrap();
    let f = file.to_str().unwrap();
    let receipt: Value =
        serde_json::from_str(&ok(&["handover", "import", "--data-dir", o, f], None)).unwrap();
    assert_eq!(receipt["state"], "requested");
    assert_eq!(receipt["duplicate"], false);
    let again: Value =
        serde_json::from_str(&ok(&["handover", "import", "--data-dir", o, f], None)).unwrap();
    assert_eq!(again["duplicate"], true);
    assert_eq!(again["envelope_hash"], receipt["envelope_hash"]);
    // Garbage and a tampered envelope are refused.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\"hello\": 1}").unwrap();
    let err = fails(
        &["handover", "import", "--data-dir", o, bad.to_str().unwrap()],
        None,
    );
    assert!(err.contains("handover_message_malformed"), "{err}");
    let mut t = env.clone();
    t.ciphertext = t.ciphertext.replacen(
        &t.ciphertext[10..11],
        if &t.ciphertext[10..11] == "A" {
            "B"
        } else {
            "A"
        },
        1,
    );
    std::fs::write(&bad, t.to_json()).unwrap();
    let err = fails(
        &["handover", "import", "--data-dir", o, bad.to_str().unwrap()],
        None,
    );
    assert!(err.contains("handover_decrypt_failed"), "{err}");
}

/// Finding 6 of the trust issue: the checkpoint signing key lived in the data
/// key file (whoever read the data could forge checkpoints), a log with
/// entries and no checkpoint passed as intact, and nothing kept outside the
/// database could prove the log was not rewritten.
#[test]
fn the_audit_key_is_apart_and_an_anchor_proves_the_log_still_extends_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let d = data.to_str().unwrap();
    ok(&["migrate", "--data-dir", d], None);
    let key_text = std::fs::read_to_string(data.join("safepath.key")).unwrap();
    assert!(!key_text.contains("audit_signing_key"), "{key_text}");
    assert!(data.join("audit.key").exists(), "a separate audit key");
    for name in ["Anchor Org One", "Anchor Org Two"] {
        ok(
            &[
                "org",
                "add",
                "--data-dir",
                d,
                "--name",
                name,
                "--type",
                "ngo",
                "--country",
                "THA",
            ],
            None,
        );
    }
    let head = ok(&["audit", "anchor", "--data-dir", d], None)
        .trim()
        .to_owned();
    assert_eq!(head.split(':').count(), 3, "{head}");
    ok(
        &[
            "org",
            "add",
            "--data-dir",
            d,
            "--name",
            "Anchor Org Three",
            "--type",
            "ngo",
            "--country",
            "THA",
        ],
        None,
    );
    let verdict = ok(
        &["audit", "verify", "--data-dir", d, "--anchor", &head],
        None,
    );
    assert!(verdict.contains("still extends the anchor"), "{verdict}");
    assert!(
        fails(
            &["audit", "verify", "--data-dir", d, "--anchor", "garbage"],
            None
        )
        .contains("anchor")
    );
    // Cut the log back to before the anchor (and its checkpoints with it):
    // the chain alone still looks whole, the anchor does not.
    let seq: i64 = head.split(':').next().unwrap().parse().unwrap();
    assert!(seq >= 2, "{head}");
    let db = data.join("safepath.db");
    tamper(
        &db,
        &format!("DELETE FROM audit_checkpoints WHERE seq >= {seq}"),
    );
    tamper(&db, &format!("DELETE FROM audit_log WHERE seq >= {seq}"));
    assert!(ok(&["audit", "verify", "--data-dir", d], None).contains("intact"));
    let out = safepath(
        &["audit", "verify", "--data-dir", d, "--anchor", &head],
        None,
    );
    assert!(
        !out.status.success(),
        "a truncated log must not extend the anchor"
    );
    // Without the audit key file, an existing deployment does not start
    // signing with a new key of its own.
    std::fs::remove_file(data.join("audit.key")).unwrap();
    assert!(fails(&["audit", "verify", "--data-dir", d], None).contains("audit key file"));
}
