//! Sign-in hardening (issue 9, finding 8): failures counted per source
//! address across usernames; the optional second factor (TOTP) with its
//! enrolment, two-step sign-in, replay refusal and recovery codes;
//! `--require-2fa`; and the sign-in form's signed `__Host-` CSRF cookie.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use safepath_app::accounts::SignInSettings;
use serde_json::{Value, json};

fn login_request(user: &str, password: &str, forwarded: Option<&str>) -> Request<Body> {
    let mut b = Request::builder()
        .method("POST")
        .uri("/api/v1/auth/login")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(f) = forwarded {
        b = b.header("x-forwarded-for", f);
    }
    b.body(Body::from(
        json!({"username": user, "password": password}).to_string(),
    ))
    .unwrap()
}

async fn audit_actions(t: &TestApp) -> Vec<(String, String)> {
    t.app
        .store()
        .audit_entries(0, 100_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.entry.action, e.entry.detail.unwrap_or_default()))
        .collect()
}

fn limited(failures: i64, trusted_proxy: bool) -> impl FnOnce(&mut safepath_app::App) {
    move |app| {
        app.set_sign_in_settings(SignInSettings {
            address_failures: failures,
            trusted_proxy,
            ..SignInSettings::default()
        })
    }
}

#[tokio::test]
async fn parallel_guesses_from_one_address_across_usernames_are_locked_out() {
    let t = std::sync::Arc::new(spawn_app_with(limited(12, false)).await);
    let attacker = [10, 0, 0, 1];
    let mut refused_by_password = 0;
    let mut locked = None;
    for _round in 0..20 {
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..6 {
            let t = t.clone();
            let user = format!("nobody-{}", uuid::Uuid::new_v4().simple());
            set.spawn(async move {
                t.send_from(attacker, login_request(&user, "guess-guess-guess", None))
                    .await
            });
        }
        while let Some(a) = set.join_next().await {
            let a = a.unwrap();
            match (a.status, a.json()["code"].as_str().unwrap_or_default()) {
                (StatusCode::UNAUTHORIZED, _) => refused_by_password += 1,
                (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts_from_address") => {
                    locked = Some(a)
                }
                (StatusCode::TOO_MANY_REQUESTS, "busy") => {}
                other => panic!("unexpected answer {other:?}"),
            }
        }
        if locked.is_some() {
            break;
        }
    }
    let locked = locked.expect("the address is locked");
    // Counted atomically: at most the in-flight checks slip past the limit.
    assert!(
        (12..=12 + 4).contains(&refused_by_password),
        "{refused_by_password}"
    );
    let retry: i64 = locked.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 60 && retry <= 15 * 60, "{retry}");
    assert!(
        locked.json()["message"]
            .as_str()
            .unwrap()
            .contains("network")
    );
    // Even the right password is refused from there; another address is not
    // affected.
    let a = t
        .send_from(attacker, login_request("demo-cm-a", "safepath-demo", None))
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    let b = t
        .send_from(
            [10, 0, 0, 2],
            login_request("demo-cm-a", "safepath-demo", None),
        )
        .await;
    assert_eq!(b.status, StatusCode::OK, "{}", b.text());
    // Audited, with the address only as a keyed hash.
    let actions = audit_actions(&t).await;
    assert_eq!(
        actions
            .iter()
            .filter(|(a, _)| a == "login.address_locked")
            .count(),
        1
    );
    assert!(actions.iter().any(|(a, _)| a == "login.throttled_address"));
    assert!(actions.iter().all(|(_, d)| !d.contains("10.0.0.1")));
    // The sign-in page says it in words, with Retry-After.
    let form = t.call("GET", "/login", None, None).await;
    let cookie = cookie_value(&set_cookies(&form), LOGIN_CSRF);
    let page = t
        .send_from(
            attacker,
            Request::builder()
                .method("POST")
                .uri("/login")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .header(header::COOKIE, format!("{LOGIN_CSRF}={cookie}"))
                .body(Body::from(format!(
                    "csrf={}&username=demo-cm-a&password=safepath-demo",
                    hidden(&form.text(), "csrf")
                )))
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.headers.contains_key(header::RETRY_AFTER));
    assert!(page.text().contains("from this network"), "{}", page.text());
}

#[tokio::test]
async fn forwarded_addresses_count_only_behind_a_trusted_proxy() {
    // Behind a trusted proxy: the last hop is the client.
    let t = spawn_app_with(limited(3, true)).await;
    let proxy = [127, 0, 0, 1];
    for _ in 0..3 {
        let a = t
            .send_from(
                proxy,
                login_request("nobody-x", "guess-guess", Some("203.0.113.9, 10.9.9.9")),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    }
    let a = t
        .send_from(
            proxy,
            login_request("demo-cm-a", "safepath-demo", Some("10.9.9.9")),
        )
        .await;
    assert_eq!(a.json()["code"], "too_many_attempts_from_address");
    let b = t
        .send_from(
            proxy,
            login_request("demo-cm-a", "safepath-demo", Some("10.9.9.8")),
        )
        .await;
    assert_eq!(b.status, StatusCode::OK, "another client behind the proxy");

    // Without it, X-Forwarded-For is the client's own word: ignored.
    let t = spawn_app_with(limited(3, false)).await;
    for i in 0..3 {
        let spoof = format!("10.1.1.{i}");
        t.send_from(
            [10, 0, 0, 7],
            login_request("nobody-y", "guess-guess", Some(&spoof)),
        )
        .await;
    }
    let a = t
        .send_from(
            [10, 0, 0, 7],
            login_request("demo-cm-a", "safepath-demo", Some("10.1.1.99")),
        )
        .await;
    assert_eq!(a.json()["code"], "too_many_attempts_from_address");
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A code for the secret shown at enrolment, `offset` seconds from now.
pub(crate) fn code(secret: &str, offset: i64) -> String {
    let at = (now_secs() as i64 + offset) as u64;
    safepath_crypto::totp::code_from_text(secret, at).unwrap()
}

/// A code that is wrong for the secret at every step near now.
fn wrong_code(secret: &str) -> String {
    let near: Vec<String> = (-2..=2).map(|k| code(secret, k * 30)).collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .find(|c| !near.contains(c))
        .unwrap()
}

pub(crate) async fn second_step(t: &TestApp, pending: &str, code: &str) -> Answer {
    t.call(
        "POST",
        "/api/v1/auth/two-factor",
        None,
        Some(json!({"second_factor_token": pending, "code": code})),
    )
    .await
}

pub(crate) async fn password_step(t: &TestApp, user: &str) -> String {
    let a = t.send(login_request(user, "safepath-demo", None)).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
    assert_eq!(a.json()["second_factor_required"], true);
    assert!(a.json().get("token").is_none());
    a.json()["second_factor_token"].as_str().unwrap().to_owned()
}

/// Enrols `token`'s user over the API; returns the secret and recovery codes.
pub(crate) async fn enrol(t: &TestApp, token: &str) -> (String, Vec<String>) {
    let started = t
        .call("POST", "/api/v1/me/two-factor", Some(token), None)
        .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text());
    let secret = started.json()["secret"].as_str().unwrap().to_owned();
    assert!(
        started.json()["otpauth_url"]
            .as_str()
            .unwrap()
            .starts_with("otpauth://totp/SafePath:")
    );
    let confirmed = t
        .call(
            "POST",
            "/api/v1/me/two-factor/confirm",
            Some(token),
            Some(json!({"code": code(&secret, 0)})),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    let codes: Vec<String> = confirmed.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    (secret, codes)
}

#[tokio::test]
async fn totp_enrolment_two_step_sign_in_replay_and_recovery_codes() {
    let t = spawn_app().await;
    let tok = t.login("demo-cm-a").await;
    let state = |tok: String| {
        let t = &t;
        async move {
            t.call("GET", "/api/v1/me/two-factor", Some(&tok), None)
                .await
                .json()
        }
    };
    assert_eq!(state(tok.clone()).await["state"], "off");
    // Confirming needs a start, then the right code.
    let early = t
        .call(
            "POST",
            "/api/v1/me/two-factor/confirm",
            Some(&tok),
            Some(json!({"code": "123456"})),
        )
        .await;
    assert_eq!(early.json()["code"], "two_factor_not_started");
    let started = t
        .call("POST", "/api/v1/me/two-factor", Some(&tok), None)
        .await;
    let secret = started.json()["secret"].as_str().unwrap().to_owned();
    assert_eq!(state(tok.clone()).await["state"], "awaiting_confirmation");
    let wrong = t
        .call(
            "POST",
            "/api/v1/me/two-factor/confirm",
            Some(&tok),
            Some(json!({"code": wrong_code(&secret)})),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    assert_eq!(wrong.json()["code"], "invalid_code");
    // Until confirmed, the password alone signs in.
    assert_eq!(
        t.send(login_request("demo-cm-a", "safepath-demo", None))
            .await
            .status,
        StatusCode::OK
    );
    let confirmed = t
        .call(
            "POST",
            "/api/v1/me/two-factor/confirm",
            Some(&tok),
            Some(json!({"code": code(&secret, 0)})),
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::OK, "{}", confirmed.text());
    let recovery: Vec<String> = confirmed.json()["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let on = state(tok.clone()).await;
    assert_eq!(
        (on["state"].clone(), on["recovery_codes_left"].clone()),
        (json!("on"), json!(10))
    );
    let again = t
        .call("POST", "/api/v1/me/two-factor", Some(&tok), None)
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Two steps. The half-signed-in token opens nothing else.
    let pending = password_step(&t, "demo-cm-a").await;
    for path in ["/api/v1/me", "/api/v1/cases", "/api/v1/me/two-factor"] {
        let a = t.call("GET", path, Some(&pending), None).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{path}");
    }
    let page = t.page(&format!("sp_session={pending}"), "/cases").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let bad = second_step(&t, &pending, &wrong_code(&secret)).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert_eq!(bad.json()["code"], "invalid_code");
    // The next step's code (accepted: one step of skew).
    let next = code(&secret, 30);
    let ok = second_step(&t, &pending, &next).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    let full = ok.json()["token"].as_str().unwrap().to_owned();
    assert_eq!(
        t.call("GET", "/api/v1/me", Some(&full), None).await.status,
        StatusCode::OK
    );
    // The pending token is spent.
    assert_eq!(
        second_step(&t, &pending, &next).await.json()["code"],
        "second_factor_expired"
    );
    // The same code again, or an earlier one, is refused (replay).
    let pending = password_step(&t, "demo-cm-a").await;
    for c in [next.clone(), code(&secret, 0)] {
        let replay = second_step(&t, &pending, &c).await;
        assert_eq!(replay.status, StatusCode::UNAUTHORIZED, "{c}");
    }
    // A recovery code signs in once (any case, with or without the dash).
    let r = second_step(&t, &pending, &recovery[0].to_uppercase()).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let pending = password_step(&t, "demo-cm-a").await;
    let r = second_step(&t, &pending, &recovery[0]).await;
    assert_eq!(
        r.status,
        StatusCode::UNAUTHORIZED,
        "a recovery code works once"
    );
    assert_eq!(state(full.clone()).await["recovery_codes_left"], 9);

    // Turning it off needs the password and a code.
    let off = |password: &str, c: &str| {
        let body = json!({"password": password, "code": c});
        let t = &t;
        let full = full.clone();
        async move {
            t.call("DELETE", "/api/v1/me/two-factor", Some(&full), Some(body))
                .await
        }
    };
    let a = off("not-the-password", &recovery[1]).await;
    assert_eq!(a.json()["code"], "wrong_password");
    let a = off("safepath-demo", &recovery[0]).await;
    assert_eq!(a.json()["code"], "invalid_code", "a spent recovery code");
    let a = off("safepath-demo", &recovery[1]).await;
    assert_eq!(a.status, StatusCode::NO_CONTENT, "{}", a.text());
    assert_eq!(
        t.send(login_request("demo-cm-a", "safepath-demo", None))
            .await
            .status,
        StatusCode::OK
    );

    // Every step audited; no secret or code in the log.
    let actions = audit_actions(&t).await;
    for action in [
        "two_factor.start",
        "two_factor.confirm_refused",
        "two_factor.on",
        "login.password_ok",
        "login.second_factor_failure",
        "two_factor.off_refused",
        "two_factor.off",
    ] {
        assert!(actions.iter().any(|(a, _)| a == action), "{action}");
    }
    assert!(
        actions
            .iter()
            .any(|(a, d)| a == "login.success" && d.contains("second_factor=recovery_code"))
    );
    let compact: String = secret.split_whitespace().collect();
    for (_, d) in &actions {
        assert!(!d.contains(&compact) && !d.contains(&next));
        assert!(recovery.iter().all(|c| !d.contains(c.as_str())));
    }
}

#[tokio::test]
async fn wrong_second_factor_codes_count_towards_the_lock() {
    let t = spawn_app().await;
    let tok = t.login("demo-cm-b").await;
    let (secret, _) = enrol(&t, &tok).await;
    let pending = password_step(&t, "demo-cm-b").await;
    let mut last = StatusCode::OK;
    for _ in 0..6 {
        last = second_step(&t, &pending, &wrong_code(&secret)).await.status;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // Even the right code now waits; so does the password.
    let r = second_step(&t, &pending, &code(&secret, 30)).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(
        t.send(login_request("demo-cm-b", "safepath-demo", None))
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
}

fn form_post(path: &str, cookie: &str, body: String) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri(path)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, cookie)
        .body(Body::from(body))
        .unwrap()
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn the_pages_enrol_then_sign_in_in_two_steps() {
    let t = spawn_app().await;
    let (cookie, csrf) = page_login(&t, "demo-coordinator").await;
    let page = t.page(&cookie, "/settings/two-factor").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("data-state=\"off\""));
    let started = t
        .page_post(
            &cookie,
            "/settings/two-factor/start",
            format!("csrf={csrf}"),
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    let page = t.page(&cookie, "/settings/two-factor?done=started").await;
    let html = page.text();
    assert!(
        html.contains("id=\"message\""),
        "a message after the action"
    );
    assert!(
        html.contains("<svg") && html.contains("class=\"qr\""),
        "the QR code"
    );
    let secret = html
        .split("id=\"tfa-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    // A wrong code: the error beside the field, the input kept.
    let wrong = wrong_code(&secret);
    let refused = t
        .page_post(
            &cookie,
            "/settings/two-factor/confirm",
            format!("csrf={csrf}&code={wrong}"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let html = refused.text();
    assert!(html.contains("id=\"code-error\""), "{html}");
    assert!(html.contains(&format!("value=\"{wrong}\"")));
    let done = t
        .page_post(
            &cookie,
            "/settings/two-factor/confirm",
            format!("csrf={csrf}&code={}", code(&secret, 0)),
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    let html = done.text();
    assert!(html.contains("id=\"recovery-codes\"") && html.contains("id=\"message\""));
    let first_recovery = html
        .split("<li><code>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    // Shown once: the page afterwards only counts them.
    let later = t.page(&cookie, "/settings/two-factor").await.text();
    assert!(!later.contains(&first_recovery) && later.contains("id=\"codes-left\""));

    // Sign in again: the password, then the code.
    let form = t.call("GET", "/login", None, None).await;
    let login_cookie = cookie_value(&set_cookies(&form), LOGIN_CSRF);
    let a = t
        .send(form_post(
            "/login",
            &format!("{LOGIN_CSRF}={login_cookie}"),
            format!(
                "csrf={}&username=demo-coordinator&password=safepath-demo",
                hidden(&form.text(), "csrf")
            ),
        ))
        .await;
    assert_eq!(a.status, StatusCode::SEE_OTHER);
    assert_eq!(a.headers[header::LOCATION], "/login/two-factor");
    let set = set_cookies(&a);
    assert!(set.iter().all(|c| !c.starts_with("sp_session=")), "{set:?}");
    let pending_cookie = set
        .iter()
        .find(|c| c.starts_with("__Host-sp_second_factor="))
        .unwrap();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(pending_cookie.contains(attr));
    }
    let pending = format!(
        "__Host-sp_second_factor={}",
        cookie_value(&set, "__Host-sp_second_factor")
    );
    // The half-signed-in state opens no page.
    let cases = t.page(&pending, "/cases").await;
    assert_eq!(cases.status, StatusCode::SEE_OTHER);
    assert_eq!(cases.headers[header::LOCATION], "/login");
    let step = t.page(&pending, "/login/two-factor").await;
    assert_eq!(step.status, StatusCode::OK);
    let step_csrf = hidden(&step.text(), "csrf");
    let wrong = t
        .send(form_post(
            "/login/two-factor",
            &pending,
            format!("csrf={step_csrf}&code=000000"),
        ))
        .await;
    // (000000 is almost surely wrong; if not, the next assertion still holds
    // for the error page.)
    if wrong.status == StatusCode::UNAUTHORIZED {
        let html = wrong.text();
        assert!(html.contains("id=\"code-error\"") && html.contains("value=\"000000\""));
    }
    let ok = t
        .send(form_post(
            "/login/two-factor",
            &pending,
            format!("csrf={step_csrf}&code={}", enc(&code(&secret, 30))),
        ))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert_eq!(ok.headers[header::LOCATION], "/cases");
    let session = format!(
        "sp_session={}",
        cookie_value(&set_cookies(&ok), "sp_session")
    );
    assert_eq!(t.page(&session, "/cases").await.status, StatusCode::OK);

    // Turning it off on the page: the wrong password is refused beside its field.
    let csrf2 = hidden(&t.page(&session, "/cases").await.text(), "csrf");
    let refused = t
        .page_post(
            &session,
            "/settings/two-factor/off",
            format!(
                "csrf={csrf2}&password=wrong-password-here&off_code={}",
                enc(&first_recovery)
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text().contains("id=\"password-error\""));
    assert!(refused.text().contains(&first_recovery), "the code is kept");
    let off = t
        .page_post(
            &session,
            "/settings/two-factor/off",
            format!(
                "csrf={csrf2}&password=safepath-demo&off_code={}",
                enc(&first_recovery)
            ),
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(
        off.headers[header::LOCATION],
        "/settings/two-factor?done=off"
    );
    let page = t
        .page(&session, "/settings/two-factor?done=off")
        .await
        .text();
    assert!(page.contains("data-state=\"off\"") && page.contains("id=\"message\""));
}

#[tokio::test]
async fn require_2fa_sends_administrators_and_coordinators_to_enrol_first() {
    let t = spawn_app_with(|app| {
        app.set_sign_in_settings(SignInSettings {
            require_two_factor: true,
            ..SignInSettings::default()
        })
    })
    .await;
    // Pages: every page but the enrolment sends them there.
    let (cookie, _) = {
        let form = t.call("GET", "/login", None, None).await;
        let c = cookie_value(&set_cookies(&form), LOGIN_CSRF);
        let a = t
            .send(form_post(
                "/login",
                &format!("{LOGIN_CSRF}={c}"),
                format!(
                    "csrf={}&username=demo-coordinator&password=safepath-demo",
                    hidden(&form.text(), "csrf")
                ),
            ))
            .await;
        assert_eq!(a.status, StatusCode::SEE_OTHER);
        (
            format!(
                "sp_session={}",
                cookie_value(&set_cookies(&a), "sp_session")
            ),
            (),
        )
    };
    for path in [
        "/cases",
        "/settings/password",
        "/notifications",
        "/directory",
    ] {
        let a = t.page(&cookie, path).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(
            a.headers[header::LOCATION],
            "/settings/two-factor",
            "{path}"
        );
    }
    let enrol_page = t.page(&cookie, "/settings/two-factor").await;
    assert_eq!(enrol_page.status, StatusCode::OK);
    assert!(enrol_page.text().contains("id=\"must-enrol\""));

    // API: the token works only for the enrolment until it is done.
    let admin = t.login("demo-admin").await;
    let refused = t.call("GET", "/api/v1/orgs", Some(&admin), None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(refused.json()["code"], "two_factor_enrolment_required");
    let state: Value = t
        .call("GET", "/api/v1/me/two-factor", Some(&admin), None)
        .await
        .json();
    assert_eq!(state["required"], true);
    let (_, recovery) = enrol(&t, &admin).await;
    assert_eq!(
        t.call("GET", "/api/v1/orgs", Some(&admin), None)
            .await
            .status,
        StatusCode::OK
    );
    // It cannot be turned off while required.
    let off = t
        .call(
            "DELETE",
            "/api/v1/me/two-factor",
            Some(&admin),
            Some(json!({"password": "safepath-demo", "code": recovery[0]})),
        )
        .await;
    assert_eq!(off.json()["code"], "two_factor_required");
    // Other roles are not held back.
    let cm = t.login("demo-cm-a").await;
    assert_eq!(
        t.call("GET", "/api/v1/cases", Some(&cm), None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_login_csrf_cookie_is_host_prefixed_signed_and_bound_to_the_form() {
    let t = spawn_app().await;
    let form = t.call("GET", "/login", None, None).await;
    let set = set_cookies(&form);
    let raw = set
        .iter()
        .find(|c| c.starts_with(&format!("{LOGIN_CSRF}=")))
        .unwrap();
    for attr in ["Secure", "Path=/", "HttpOnly", "SameSite=Strict"] {
        assert!(raw.contains(attr), "{raw} has {attr}");
    }
    assert!(!raw.to_ascii_lowercase().contains("domain="), "{raw}");
    let genuine = cookie_value(&set, LOGIN_CSRF);
    let token = hidden(&form.text(), "csrf");
    assert_ne!(genuine, token, "the cookie is not the bare token");

    let try_login = |cookie_name: &str, cookie: String, token: String| {
        let t = &t;
        let cookie_name = cookie_name.to_owned();
        async move {
            t.send(form_post(
                "/login",
                &format!("{cookie_name}={cookie}"),
                format!("csrf={token}&username=demo-cm-a&password=safepath-demo"),
            ))
            .await
            .status
        }
    };
    // A pair the attacker made up (the old scheme: cookie = form token).
    let made_up = "attacker-chosen-token".to_owned();
    assert_eq!(
        try_login(LOGIN_CSRF, made_up.clone(), made_up.clone()).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        try_login("sp_login_csrf", made_up.clone(), made_up).await,
        StatusCode::FORBIDDEN,
        "the old, unprefixed cookie is not accepted"
    );
    // A forged signature over the attacker's own token.
    let (nonce, rest) = genuine.split_once('.').unwrap();
    let (issued, mac) = rest.split_once('.').unwrap();
    let forged = format!("attacker.{issued}.{mac}");
    assert_eq!(
        try_login(LOGIN_CSRF, forged, "attacker".into()).await,
        StatusCode::FORBIDDEN
    );
    let tampered_time = format!("{nonce}.{}.{mac}", issued.parse::<i64>().unwrap() + 1);
    assert_eq!(
        try_login(LOGIN_CSRF, tampered_time, token.clone()).await,
        StatusCode::FORBIDDEN
    );
    // A genuine cookie with another form's token.
    assert_eq!(
        try_login(LOGIN_CSRF, genuine.clone(), "another-token".into()).await,
        StatusCode::FORBIDDEN
    );
    // The genuine pair signs in.
    assert_eq!(
        try_login(LOGIN_CSRF, genuine, token).await,
        StatusCode::SEE_OTHER
    );
}
