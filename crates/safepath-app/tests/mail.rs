//! Notifications by e-mail, against a local SMTP sink (a minimal SMTP server
//! in this test that records what it receives).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use safepath_app::admin::Operator;
use safepath_app::casework::*;
use safepath_app::mail::Mailer;
use safepath_app::views::{CasePatch, NewCase};
use safepath_app::{App, OpenConfig, Principal, SystemClock};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// Accepts SMTP sessions and keeps each message's DATA.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let got = Arc::new(Mutex::new(Vec::new()));
    let store = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 sink ready\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(buf) = data.as_mut() {
                        if line == "." {
                            store.lock().unwrap().push(std::mem::take(buf));
                            data = None;
                            w.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            buf.push_str(&line);
                            buf.push('\n');
                        }
                        continue;
                    }
                    let cmd = line.to_ascii_uppercase();
                    let reply: &[u8] = if cmd.starts_with("EHLO") || cmd.starts_with("HELO") {
                        b"250 sink\r\n"
                    } else if cmd.starts_with("DATA") {
                        data = Some(String::new());
                        b"354 go on\r\n"
                    } else if cmd.starts_with("QUIT") {
                        let _ = w.write_all(b"221 bye\r\n").await;
                        return;
                    } else {
                        b"250 ok\r\n"
                    };
                    w.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, got)
}

async fn open_app(dir: &tempfile::TempDir) -> App {
    let cfg = OpenConfig {
        database_url: format!("sqlite://{}", dir.path().join("safepath.db").display()),
        key_file: dir.path().join("safepath.key"),
        create_key_file: true,
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

async fn synthetic_case(app: &App, cm: &Principal) -> uuid::Uuid {
    let person = serde_json::from_value(serde_json::json!({
        "names": [{"value": "Malee Srisuk", "script": "Latn"}],
        "display_name": "Malee Srisuk", "sex": "female", "gender_identity": "woman"
    }))
    .unwrap();
    app.create_case(
        cm,
        NewCase {
            person,
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

#[tokio::test]
async fn notifications_are_emailed_without_personal_data_and_retried() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = open_app(&dir).await;
    let (port, got) = smtp_sink().await;
    app.set_mailer(
        Mailer::new(&format!("smtp://127.0.0.1:{port}"), "safepath@example.org").unwrap(),
    );
    app.set_user_email(Operator::Cli("test"), "demo-cm-a", Some("cm-a@example.org"))
        .await
        .unwrap();
    let bad = app
        .set_user_email(Operator::Cli("test"), "demo-cm-a", Some("not an address"))
        .await;
    assert_eq!(bad.unwrap_err().code, "invalid_email");
    let cm = principal(&app, "demo-cm-a").await;
    let coord = principal(&app, "demo-coordinator").await;
    let case = synthetic_case(&app, &cm).await;

    // A change by someone other than the owner is told to the case manager,
    // in the app and by e-mail.
    app.update_case(
        &coord,
        case,
        CasePatch {
            notes: Some("Synthetic note by the coordinator.".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(app.deliver_mail().await.unwrap(), 1);
    assert_eq!(app.deliver_mail().await.unwrap(), 0, "sent once");
    let mails = got.lock().unwrap().clone();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("cm-a@example.org"), "{}", mails[0]);
    assert!(mails[0].contains("was changed"), "{}", mails[0]);
    assert!(!mails[0].contains("Malee"), "no name in the e-mail");

    // A relay that is down: nothing is lost, the e-mail waits for a retry.
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_port = closed.local_addr().unwrap().port();
    drop(closed);
    app.set_mailer(
        Mailer::new(
            &format!("smtp://127.0.0.1:{dead_port}"),
            "safepath@example.org",
        )
        .unwrap(),
    );
    app.set_user_email(
        Operator::Cli("test"),
        "demo-coordinator",
        Some("coord@example.org"),
    )
    .await
    .unwrap();
    app.request_approval(
        &cm,
        case,
        ApprovalRequest {
            subject: safepath_domain::casework::approvals::ApprovalSubject::CarePlan,
        },
    )
    .await
    .unwrap();
    let waiting = app.store().pending_mail(i64::MAX - 1, 10).await.unwrap();
    assert_eq!(waiting.len(), 1, "the approval request for the coordinator");
    assert_eq!(app.deliver_mail().await.unwrap(), 0);
    let after = app.store().pending_mail(i64::MAX - 1, 10).await.unwrap();
    assert_eq!(after.len(), 1, "kept for a retry");
    assert_eq!(after[0].attempts, 1);
    // Back up: the retry (once due) goes out.
    app.set_mailer(
        Mailer::new(&format!("smtp://127.0.0.1:{port}"), "safepath@example.org").unwrap(),
    );
    assert_eq!(app.deliver_mail().await.unwrap(), 0, "not due yet");

    // Bad relay settings are refused up front.
    assert!(Mailer::new("http://x", "a@b.org").is_err());
    assert!(Mailer::new("smtp://host:notaport", "a@b.org").is_err());
    assert!(Mailer::new("smtp://host:25", "not an address").is_err());
}
