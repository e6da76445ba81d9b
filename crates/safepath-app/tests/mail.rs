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

// --- durable solutions: cross-border handover ---

mod handover_inbox {
    use super::*;
    use safepath_app::ErrorKind;
    use safepath_crypto::handover::{DeploymentIdentity, Outgoing, seal};
    use serde_json::json;

    async fn bare_app(dir: &tempfile::TempDir) -> App {
        let cfg = OpenConfig {
            database_url: format!("sqlite://{}", dir.path().join("safepath.db").display()),
            key_file: dir.path().join("safepath.key"),
            create_key_file: true,
            audit_key_file: None,
        };
        App::open(&cfg, Arc::new(SystemClock)).await.unwrap()
    }

    fn sealed_msg(
        from: &DeploymentIdentity,
        to: &DeploymentIdentity,
        handover: &str,
        seq: u64,
        payload: serde_json::Value,
    ) -> Vec<u8> {
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        seal(
            from,
            to.public(),
            Outgoing {
                handover_id: handover,
                sequence: seq,
                now,
                lifetime_secs: 3600,
                payload,
            },
        )
        .unwrap()
        .to_json()
        .into_bytes()
    }

    fn request() -> serde_json::Value {
        json!({"type": "request", "consent": "00000000-0000-0000-0000-000000000009",
               "categories": ["identity", "health"], "person_is_child": false,
               "age_band": "18-24"})
    }

    #[tokio::test]
    async fn the_inbox_takes_only_sealed_ordered_protocol_messages_from_partners() {
        let dir = tempfile::tempdir().unwrap();
        let origin = bare_app(&dir).await;
        let me = origin.handover_identity().unwrap();
        assert!(dir.path().join("handover.key").exists());
        let dest = DeploymentIdentity::generate();
        let stranger = DeploymentIdentity::generate();
        let p = dest.public();

        // Registration: the compared fingerprint must match the keys.
        let wrong = origin
            .register_handover_partner(
                Operator::Cli("test"),
                "Destination NGO",
                &p.signing_key_base64(),
                &p.encryption_key_base64(),
                &stranger.fingerprint().to_hex(),
                None,
                None,
            )
            .await
            .unwrap_err();
        assert_eq!(wrong.code, "handover_fingerprint_mismatch");
        origin
            .register_handover_partner(
                Operator::Cli("test"),
                "Destination NGO",
                &p.signing_key_base64(),
                &p.encryption_key_base64(),
                &dest.fingerprint().grouped().to_uppercase(),
                Some("http://127.0.0.1:9/api/v1/handover/inbox"),
                None,
            )
            .await
            .unwrap();

        let h = "2b1f3c4d-5e6f-4a1b-8c2d-3e4f5a6b7c8d";
        // Garbage, JSON that is not sealed, and a stranger are refused.
        let e = origin
            .receive_handover_message(&me, b"garbage")
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::BadRequest, "handover_message_malformed")
        );
        let e = origin
            .receive_handover_message(&me, br#"{"type":"request"}"#)
            .await
            .unwrap_err();
        assert_eq!(e.code, "handover_message_malformed");
        let e = origin
            .receive_handover_message(&me, &sealed_msg(&stranger, &me, h, 1, request()))
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Forbidden, "handover_unknown_sender")
        );
        // A message that starts with something else than a request.
        let e = origin
            .receive_handover_message(
                &me,
                &sealed_msg(&dest, &me, h, 1, json!({"type": "departed"})),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "handover_message_not_expected")
        );
        let e = origin
            .receive_handover_message(
                &me,
                &sealed_msg(&dest, &me, h, 1, json!({"type": "nonsense"})),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "handover_payload_invalid");
        assert!(origin.store().handover(h).await.unwrap().is_none());

        // The request: accepted, a handover on the origin side.
        let first = sealed_msg(&dest, &me, h, 1, request());
        let r = origin.receive_handover_message(&me, &first).await.unwrap();
        assert_eq!((r.state.as_str(), r.duplicate), ("requested", false));
        let row = origin.store().handover(h).await.unwrap().unwrap();
        assert_eq!(row.side, "origin");
        assert_eq!(row.partner, dest.fingerprint().to_hex());
        // The same envelope again: the same receipt, processed once.
        let again = origin.receive_handover_message(&me, &first).await.unwrap();
        assert!(again.duplicate);
        assert_eq!(again.envelope_hash, r.envelope_hash);
        assert_eq!(origin.store().handover_messages(h).await.unwrap().len(), 1);
        // A replayed sequence number in a new envelope, and a gap.
        let e = origin
            .receive_handover_message(
                &me,
                &sealed_msg(&dest, &me, h, 1, json!({"type": "security_alert"})),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (e.kind, e.code),
            (ErrorKind::Conflict, "handover_message_replayed")
        );
        let e = origin
            .receive_handover_message(
                &me,
                &sealed_msg(&dest, &me, h, 3, json!({"type": "security_alert"})),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "handover_message_out_of_order");
        // A message the destination may not send.
        let ack = json!({"type": "acknowledgement", "contact": "A", "alternate": "B"});
        let e = origin
            .receive_handover_message(&me, &sealed_msg(&dest, &me, h, 2, ack))
            .await
            .unwrap_err();
        assert_eq!(e.code, "handover_wrong_side");
        assert_eq!(
            origin.store().handover(h).await.unwrap().unwrap().version,
            1
        );

        // Consent withdrawn: accepted, and what was received is erased.
        let r = origin
            .receive_handover_message(
                &me,
                &sealed_msg(&dest, &me, h, 2, json!({"type": "consent_withdrawn"})),
            )
            .await
            .unwrap();
        assert_eq!(r.state, "consent_withdrawn");
        let msgs = origin.store().handover_messages(h).await.unwrap();
        assert_eq!(msgs.len(), 2);
        assert!(
            msgs.iter()
                .filter(|m| m.kind == "request")
                .all(|m| m.envelope.is_none() && m.content.is_none())
        );
        // Nothing moves it afterwards.
        let e = origin
            .receive_handover_message(
                &me,
                &sealed_msg(&dest, &me, h, 3, json!({"type": "security_alert"})),
            )
            .await
            .unwrap_err();
        assert_eq!(e.code, "handover_finished");
        // The audit trail is intact and has the receipts and the refusals.
        assert!(matches!(
            origin.verify_audit().await.unwrap(),
            safepath_app::admin::AuditVerdict::Intact { .. }
        ));
    }
}
