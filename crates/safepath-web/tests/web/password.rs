//! A user changes their own password (issue 9): the current one must be
//! right (wrong guesses count towards the sign-in lock), the new one strong,
//! different and typed twice on the page; afterwards every session of the
//! user has ended and only the new password signs in.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_api_changes_ones_own_password_and_ends_every_session() {
    let t = spawn_app().await;
    let tok = t.login("demo-cm-a").await;
    let other = t.login("demo-cm-a").await;
    let path = "/api/v1/me/password";
    for (body, code) in [
        (
            json!({"current_password": "not-the-password", "new_password": "a-new-synthetic-passphrase"}),
            "wrong_password",
        ),
        (
            json!({"current_password": "safepath-demo", "new_password": "short"}),
            "weak_password",
        ),
        (
            json!({"current_password": "safepath-demo", "new_password": "safepath-demo"}),
            "same_password",
        ),
    ] {
        let r = t.call("POST", path, Some(&tok), Some(body)).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert_eq!(r.json()["code"], code);
    }
    let r = t
        .call(
            "POST",
            path,
            Some(&tok),
            Some(json!({"current_password": "safepath-demo"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // Nothing changed so far.
    assert_eq!(
        login_status(&t, "demo-cm-a", "safepath-demo").await,
        StatusCode::OK
    );
    assert_eq!(
        t.call("POST", path, None, Some(json!({"current_password": "safepath-demo", "new_password": "a-new-synthetic-passphrase"}))).await.status,
        StatusCode::UNAUTHORIZED
    );

    let done = t
        .call("POST", path, Some(&tok), Some(json!({"current_password": "safepath-demo", "new_password": "a-new-synthetic-passphrase"})))
        .await;
    assert_eq!(done.status, StatusCode::NO_CONTENT, "{}", done.text());
    for t_ in [&tok, &other] {
        assert_eq!(
            t.call("GET", "/api/v1/me", Some(t_), None).await.status,
            StatusCode::UNAUTHORIZED,
            "every session ends"
        );
    }
    assert_eq!(
        login_status(&t, "demo-cm-a", "safepath-demo").await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&t, "demo-cm-a", "a-new-synthetic-passphrase").await,
        StatusCode::OK
    );
}

#[tokio::test]
async fn wrong_current_passwords_lock_like_failed_sign_ins() {
    let t = spawn_app().await;
    let tok = t.login("demo-cm-b").await;
    let mut last = StatusCode::OK;
    for _ in 0..8 {
        last = t
            .call("POST", "/api/v1/me/password", Some(&tok), Some(json!({"current_password": "guess-guess-guess", "new_password": "a-new-synthetic-passphrase"})))
            .await
            .status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // The lock holds for the sign-in too: guessing here is no way around it.
    assert_eq!(
        login_status(&t, "demo-cm-b", "safepath-demo").await,
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn the_page_keeps_errors_beside_their_field_and_signs_out_after_a_change() {
    let t = spawn_app().await;
    let (cookie, csrf) = page_login(&t, "demo-coordinator").await;
    let form = t.page(&cookie, "/settings/password").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("id=\"current_password\""));
    let mismatch = t
        .page_post(&cookie, "/settings/password", format!("csrf={csrf}&current_password=safepath-demo&new_password=a-new-synthetic-passphrase&repeat_password=another-synthetic-phrase"))
        .await;
    assert_eq!(mismatch.status, StatusCode::BAD_REQUEST);
    let html = mismatch.text();
    assert!(html.contains("id=\"repeat_password-error\""), "{html}");
    assert!(
        !html.contains("a-new-synthetic-passphrase"),
        "passwords are never sent back"
    );
    let wrong = t
        .page_post(&cookie, "/settings/password", format!("csrf={csrf}&current_password=nope-nope-nope&new_password=a-new-synthetic-passphrase&repeat_password=a-new-synthetic-passphrase"))
        .await;
    assert!(wrong.text().contains("id=\"current_password-error\""));
    let no_token = t
        .page_post(&cookie, "/settings/password", "current_password=safepath-demo&new_password=a-new-synthetic-passphrase&repeat_password=a-new-synthetic-passphrase".to_owned())
        .await;
    assert_ne!(no_token.status, StatusCode::SEE_OTHER);
    let ok = t
        .page_post(&cookie, "/settings/password", format!("csrf={csrf}&current_password=safepath-demo&new_password=a-new-synthetic-passphrase&repeat_password=a-new-synthetic-passphrase"))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.headers["location"], "/login?changed=1");
    let login = t.call("GET", "/login?changed=1", None, None).await.text();
    assert!(login.contains("id=\"message\""));
    // The old session is gone.
    let after = t.page(&cookie, "/cases").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
}

/// A clock the test moves.
struct TestClock(std::sync::Mutex<time::OffsetDateTime>);

impl safepath_app::Clock for TestClock {
    fn now(&self) -> time::OffsetDateTime {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn a_browser_session_left_unused_for_half_an_hour_ends() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = safepath_app::OpenConfig {
        database_url: format!("sqlite://{}", dir.path().join("safepath.db").display()),
        key_file: dir.path().join("safepath.key"),
        create_key_file: true,
        audit_key_file: None,
    };
    let clock = std::sync::Arc::new(TestClock(std::sync::Mutex::new(
        time::OffsetDateTime::now_utc(),
    )));
    let app = std::sync::Arc::new(safepath_app::App::open(&cfg, clock.clone()).await.unwrap());
    safepath_app::demo::seed(&app, 0).await.unwrap();
    let advance = |minutes: i64| {
        let mut now = clock.0.lock().unwrap();
        *now += time::Duration::minutes(minutes);
    };
    let safepath_app::accounts::SignIn::Done(web, _) = app
        .login(
            "demo-cm-a",
            "safepath-demo",
            safepath_app::accounts::SessionKind::Web,
            None,
        )
        .await
        .unwrap()
    else {
        panic!("no second factor here")
    };
    let safepath_app::accounts::SignIn::Done(api, _) = app
        .login(
            "demo-cm-a",
            "safepath-demo",
            safepath_app::accounts::SessionKind::Api,
            None,
        )
        .await
        .unwrap()
    else {
        panic!("no second factor here")
    };
    // Used every 20 minutes: it stays open.
    for _ in 0..3 {
        advance(20);
        assert!(
            app.authenticate(&web, safepath_app::accounts::SessionKind::Web)
                .await
                .is_ok()
        );
    }
    // 31 minutes without use: it ends, and stays ended.
    advance(31);
    assert!(
        app.authenticate(&web, safepath_app::accounts::SessionKind::Web)
            .await
            .is_err()
    );
    assert!(
        app.authenticate(&web, safepath_app::accounts::SessionKind::Web)
            .await
            .is_err()
    );
    // API tokens have their fixed expiry only (12 hours).
    assert!(
        app.authenticate(&api, safepath_app::accounts::SessionKind::Api)
            .await
            .is_ok()
    );
    advance(12 * 60);
    assert!(
        app.authenticate(&api, safepath_app::accounts::SessionKind::Api)
            .await
            .is_err()
    );
    assert!(app.purge_expired_sessions().await.unwrap() >= 1);
}
