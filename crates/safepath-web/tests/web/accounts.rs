//! Administration in the browser (issue 10): an administrator adds an
//! account, changes its role, disables and enables it and sets a new
//! password, each with a message after it and every refusal beside its field
//! with the input kept; organisations are listed and added. Every other role
//! gets 403 on every `/admin` route and nothing changes (the routes are read
//! from the source: a page added later is covered).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::{StatusCode, header};
use serde_json::json;

const NEW_PASSWORD: &str = "a-synthetic-passphrase-1";

fn location(a: &Answer) -> String {
    a.headers[header::LOCATION].to_str().unwrap().to_owned()
}

/// The id of `username`'s account.
async fn account_of(t: &TestApp, username: &str) -> String {
    let token = t.login(username).await;
    let me = t.call("GET", "/api/v1/me", Some(&token), None).await.json();
    me["id"].as_str().unwrap().to_owned()
}

/// The text a reader sees: tags, and what is inside attributes, left out.
fn visible(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[tokio::test]
async fn an_administrator_manages_accounts_in_the_browser() {
    let t = spawn_app().await;
    let (cookie, csrf) = page_login(&t, "demo-admin").await;
    // Administrators land on the accounts, not on "not allowed".
    let landing = page_get(&t, &cookie, "/cases").await;
    assert_eq!(landing.status, StatusCode::SEE_OTHER);
    assert_eq!(location(&landing), "/admin/users");
    let list = page_get(&t, &cookie, "/admin/users").await;
    assert_eq!(list.status, StatusCode::OK);
    let text = visible(&list.text());
    for shown in [
        "Demo Case Manager (org A)",
        "demo-cm-a",
        "Case manager",
        "Can sign in",
    ] {
        assert!(text.contains(shown), "{shown} in {text}");
    }
    assert!(
        !text.contains("case_manager") && !text.contains("-4"),
        "no codes or ids on the page: {text}"
    );
    let org_a = hidden_option(
        &list.text(),
        "Organisation A — National Anti-Trafficking Unit",
    );

    // Refusals: beside the field, the input kept (never a password), nothing added.
    let base = [
        ("full_name", "Synthetic Newcomer"),
        ("username", "new-worker"),
        ("org", org_a.as_str()),
        ("role", "case_manager"),
        ("password", NEW_PASSWORD),
        ("repeat_password", NEW_PASSWORD),
    ];
    for (field, value, error_id, words) in [
        (
            "repeat_password",
            "something-else-entirely",
            "account-repeat_password-error",
            "not the same",
        ),
        (
            "password",
            "short",
            "account-password-error",
            "at least 12 characters",
        ),
        (
            "username",
            "demo-cm-a",
            "account-username-error",
            "already taken",
        ),
        ("username", "x", "account-username-error", "3 to 64"),
        ("full_name", " ", "account-full_name-error", "full name"),
        ("role", "overlord", "account-role-error", "Choose a role"),
        ("org", "", "account-org-error", "Choose the organisation"),
    ] {
        let mut fields = base.to_vec();
        for f in fields.iter_mut().filter(|f| f.0 == field) {
            f.1 = value;
        }
        if field == "password" {
            for f in fields.iter_mut().filter(|f| f.0 == "repeat_password") {
                f.1 = value;
            }
        }
        let r = page_post(&t, &cookie, "/admin/users", form_body(&csrf, &fields)).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{field}: {}",
            r.text()
        );
        let html = r.text();
        assert!(
            html.contains(&format!("id=\"{error_id}\"")),
            "{field}: {html}"
        );
        assert!(visible(&html).contains(words), "{field}: {words}");
        assert!(html.contains("value=\"Synthetic Newcomer\"") || field == "full_name");
        assert!(
            !html.contains(NEW_PASSWORD),
            "a password is never sent back"
        );
        assert!(
            t.app
                .store()
                .user_by_username("new-worker")
                .await
                .unwrap()
                .is_none()
        );
    }

    // Added: a message, and the person signs in.
    let r = page_post(&t, &cookie, "/admin/users", form_body(&csrf, &base)).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = location(&r);
    assert!(page.ends_with("?done=created"), "{page}");
    let shown = page_get(&t, &cookie, &page).await;
    assert!(visible(&shown.text()).contains("The account was added"));
    assert_eq!(
        login_status(&t, "new-worker", NEW_PASSWORD).await,
        StatusCode::OK
    );
    let account = page.trim_end_matches("?done=created").to_owned();

    // A new role ends the person's sessions and applies at the next sign-in.
    let tok = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "new-worker", "password": NEW_PASSWORD})),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = page_post(
        &t,
        &cookie,
        &format!("{account}/role"),
        form_body(&csrf, &[("role", "coordinator")]),
    )
    .await;
    assert_eq!(location(&r), format!("{account}?done=role"));
    assert_eq!(
        t.call("GET", "/api/v1/me", Some(&tok), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let me = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "new-worker", "password": NEW_PASSWORD})),
        )
        .await
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        t.call("GET", "/api/v1/me", Some(&me), None).await.json()["role"],
        "coordinator"
    );
    let bad = page_post(
        &t,
        &cookie,
        &format!("{account}/role"),
        form_body(&csrf, &[("role", "overlord")]),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.text().contains("id=\"new-role-error\""));

    // Disabled: cannot sign in; enabled again: can.
    let r = page_post(
        &t,
        &cookie,
        &format!("{account}/access"),
        form_body(&csrf, &[("access", "disable")]),
    )
    .await;
    assert_eq!(location(&r), format!("{account}?done=disabled"));
    assert_eq!(
        login_status(&t, "new-worker", NEW_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    let list = visible(&page_get(&t, &cookie, "/admin/users").await.text());
    assert!(list.contains("Disabled"));
    let r = page_post(
        &t,
        &cookie,
        &format!("{account}/access"),
        form_body(&csrf, &[("access", "enable")]),
    )
    .await;
    assert_eq!(location(&r), format!("{account}?done=enabled"));
    assert_eq!(
        login_status(&t, "new-worker", NEW_PASSWORD).await,
        StatusCode::OK
    );

    // A new password: the old one no longer signs in.
    let weak = page_post(
        &t,
        &cookie,
        &format!("{account}/password"),
        form_body(
            &csrf,
            &[("password", "short"), ("repeat_password", "short")],
        ),
    )
    .await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().contains("id=\"reset-password-error\""));
    let fresh = "another-synthetic-passphrase";
    let r = page_post(
        &t,
        &cookie,
        &format!("{account}/password"),
        form_body(&csrf, &[("password", fresh), ("repeat_password", fresh)]),
    )
    .await;
    assert_eq!(location(&r), format!("{account}?done=password"));
    assert_eq!(
        login_status(&t, "new-worker", NEW_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(login_status(&t, "new-worker", fresh).await, StatusCode::OK);

    // Every change is in the audit trail, by the administrator.
    let actions: Vec<String> = t
        .app
        .store()
        .audit_entries(0, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect();
    for a in [
        "user.list",
        "user.create",
        "user.role",
        "user.disable",
        "user.enable",
        "user.reset_password",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a}");
    }
}

/// The `value` of the `<option>` whose words are `name`.
fn hidden_option(html: &str, name: &str) -> String {
    let end = html.find(&format!(">{name}</option>")).unwrap();
    let start = html[..end].rfind("value=\"").unwrap() + 7;
    html[start..end].split('"').next().unwrap().to_owned()
}

/// A case manager's phone is lost: an administrator resets their two-step
/// sign-in. Their sessions end, their recovery codes stop working, they sign
/// in with the password alone, and the page says so; nothing to reset, or an
/// administrator's own, is refused beside the form and changes nothing.
#[tokio::test]
async fn an_administrator_resets_a_lost_second_factor() {
    let t = spawn_app().await;
    let (cookie, csrf) = page_login(&t, "demo-admin").await;
    let token = t.login("demo-cm-a").await;
    let me = t.call("GET", "/api/v1/me", Some(&token), None).await.json();
    let id = me["id"].as_str().unwrap().to_owned();
    let (_, recovery) = crate::sign_in::enrol(&t, &token).await;
    assert_eq!(
        login_status(&t, "demo-cm-a", "safepath-demo").await,
        StatusCode::ACCEPTED,
        "two steps now"
    );
    let account = format!("/admin/users/{id}");
    let page = page_get(&t, &cookie, &account).await;
    assert!(visible(&page.text()).contains("Two-step sign-in"));
    assert!(page.text().contains("id=\"account-two-factor-now\">On<"));
    assert!(page.text().contains("id=\"reset-two-factor\""));
    // The list of accounts says who uses it.
    let row = |html: &str| {
        html.split("demo-cm-a</td>")
            .nth(1)
            .and_then(|r| r.split("</tr>").next())
            .unwrap()
            .to_owned()
    };
    let list = page_get(&t, &cookie, "/admin/users").await.text();
    assert!(
        row(&list).contains("class=\"two-factor\">On<"),
        "{}",
        row(&list)
    );

    let r = page_post(
        &t,
        &cookie,
        &format!("{account}/two-factor"),
        form_body(&csrf, &[]),
    )
    .await;
    assert_eq!(location(&r), format!("{account}?done=two_factor"));
    let after = page_get(&t, &cookie, &location(&r)).await;
    assert!(visible(&after.text()).contains("Two-step sign-in was reset"));
    assert!(after.text().contains("id=\"account-two-factor-now\">Off<"));
    assert!(!after.text().contains("id=\"reset-two-factor\""));
    let list = page_get(&t, &cookie, "/admin/users").await.text();
    assert!(
        row(&list).contains("class=\"two-factor\">Off<"),
        "{}",
        row(&list)
    );
    // Signed out everywhere; the password alone signs in; the old recovery
    // codes are gone with the factor.
    assert_eq!(
        t.call("GET", "/api/v1/me", Some(&token), None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login_status(&t, "demo-cm-a", "safepath-demo").await,
        StatusCode::OK
    );
    let uid = safepath_domain::ids::UserId(uuid::Uuid::parse_str(&id).unwrap());
    assert_eq!(t.app.store().two_factor(uid).await.unwrap(), None);
    assert_eq!(t.app.store().unused_recovery_codes(uid).await.unwrap(), 0);
    assert!(!recovery.is_empty());

    // Again: nothing to reset, said beside the form; nothing written.
    let entries = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    let again = page_post(
        &t,
        &cookie,
        &format!("{account}/two-factor"),
        form_body(&csrf, &[]),
    )
    .await;
    assert_eq!(again.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.text().contains("id=\"two-factor-error\""));
    assert!(visible(&again.text()).contains("does not use two-step sign-in"));
    // An administrator's own: another administrator must.
    let admin = account_of(&t, "demo-admin").await;
    let own = page_post(
        &t,
        &cookie,
        &format!("/admin/users/{admin}/two-factor"),
        form_body(&csrf, &[]),
    )
    .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(visible(&own.text()).contains("Another administrator must reset"));
    let later = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    let new: Vec<&str> = later[entries.len()..]
        .iter()
        .map(|e| e.entry.action.as_str())
        .filter(|a| a.starts_with("two_factor"))
        .collect();
    assert!(new.is_empty(), "{new:?}");
    // The reset is in the audit trail, by the administrator, about the account.
    let reset = later
        .iter()
        .find(|e| e.entry.action == "two_factor.reset")
        .expect("audited");
    assert_eq!(reset.entry.actor, admin);
    assert_eq!(reset.entry.record_id.as_deref(), Some(id.as_str()));
}

#[tokio::test]
async fn an_administrator_cannot_lock_themselves_out() {
    let t = spawn_app().await;
    let (cookie, csrf) = page_login(&t, "demo-admin").await;
    let admin = account_of(&t, "demo-admin").await;
    let own = page_get(&t, &cookie, &format!("/admin/users/{admin}")).await;
    assert!(own.text().contains("id=\"own-account\""));
    assert!(
        !own.text().contains("id=\"disable-account\""),
        "no form to lock oneself out"
    );
    for (path, field) in [
        ("role", ("role", "analyst")),
        ("access", ("access", "disable")),
    ] {
        let r = page_post(
            &t,
            &cookie,
            &format!("/admin/users/{admin}/{path}"),
            form_body(&csrf, &[field]),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
        assert!(
            visible(&r.text()).contains("Another administrator must"),
            "{path}"
        );
    }
    assert_eq!(
        login_status(&t, "demo-admin", "safepath-demo").await,
        StatusCode::OK
    );
    let me = t
        .call(
            "GET",
            "/api/v1/me",
            Some(&t.login("demo-admin").await),
            None,
        )
        .await
        .json();
    assert_eq!(me["role"], "administrator");
}

#[tokio::test]
async fn organisations_are_listed_and_added() {
    let t = spawn_app().await;
    let (cookie, csrf) = page_login(&t, "demo-admin").await;
    let page = page_get(&t, &cookie, "/admin/organisations").await;
    assert_eq!(page.status, StatusCode::OK);
    let text = visible(&page.text());
    assert!(
        text.contains("Organisation A — National Anti-Trafficking Unit"),
        "{text}"
    );
    assert!(text.contains("Government") || text.contains("NGO"));
    for (fields, error_id) in [
        (
            vec![("name", ""), ("org_type", "ngo"), ("country", "THA")],
            "org-name-error",
        ),
        (
            vec![
                ("name", "Synthetic Shelter Network"),
                ("org_type", ""),
                ("country", "THA"),
            ],
            "org-type-error",
        ),
        (
            vec![
                ("name", "Synthetic Shelter Network"),
                ("org_type", "ngo"),
                ("country", ""),
                ("other_country", "S1"),
            ],
            "org-country-error",
        ),
        (
            vec![
                ("name", "Organisation A — National Anti-Trafficking Unit"),
                ("org_type", "ngo"),
                ("country", "THA"),
            ],
            "org-name-error",
        ),
    ] {
        let r = page_post(
            &t,
            &cookie,
            "/admin/organisations",
            form_body(&csrf, &fields),
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{fields:?}");
        assert!(
            r.text().contains(&format!("id=\"{error_id}\"")),
            "{fields:?}: {}",
            r.text()
        );
    }
    let r = page_post(
        &t,
        &cookie,
        "/admin/organisations",
        form_body(
            &csrf,
            &[
                ("name", "Synthetic Shelter Network"),
                ("org_type", "ngo"),
                ("country", ""),
                ("other_country", "sgp"),
            ],
        ),
    )
    .await;
    assert_eq!(location(&r), "/admin/organisations?done=org");
    let text = visible(
        &page_get(&t, &cookie, "/admin/organisations?done=org")
            .await
            .text(),
    );
    assert!(text.contains("The organisation was added"));
    assert!(text.contains("Synthetic Shelter Network"));
    let orgs = t
        .call(
            "GET",
            "/api/v1/orgs",
            Some(&t.login("demo-admin").await),
            None,
        )
        .await;
    assert!(orgs.text().contains("\"SGP\""), "{}", orgs.text());
}

/// Every `/admin` route of the source, as every other role: 403, and no
/// account or organisation changes.
#[tokio::test]
async fn every_other_role_gets_forbidden_on_every_admin_route() {
    let t = spawn_app().await;
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut routes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in text.match_indices(".route(") {
            let rest = text[i + 7..].trim_start();
            if let Some(lit) = rest.strip_prefix("\"/admin") {
                routes.push(format!("/admin{}", &lit[..lit.find('"').unwrap()]));
            }
        }
    }
    assert!(routes.len() >= 6, "{routes:?}");
    let target = t
        .call("GET", "/api/v1/me", Some(&t.login("demo-cm-b").await), None)
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = t.app.store().all_users().await.unwrap();
    let orgs_before = t.app.store().list_orgs().await.unwrap();
    for who in [
        "demo-coordinator",
        "demo-cm-a",
        "demo-responder",
        "demo-provider",
        "demo-analyst",
        "demo-partner",
    ] {
        let (cookie, csrf) = page_login(&t, who).await;
        for route in &routes {
            let path = route.replace("{id}", &target);
            let get = page_get(&t, &cookie, &path).await;
            assert!(
                matches!(
                    get.status,
                    StatusCode::FORBIDDEN | StatusCode::METHOD_NOT_ALLOWED
                ),
                "GET {path} as {who}: {}",
                get.status
            );
            let body = form_body(
                &csrf,
                &[
                    ("full_name", "Intruder"),
                    ("username", "intruder"),
                    ("role", "administrator"),
                    ("access", "disable"),
                    ("password", NEW_PASSWORD),
                    ("repeat_password", NEW_PASSWORD),
                    ("name", "Intruder Org"),
                    ("org_type", "ngo"),
                    ("country", "THA"),
                ],
            );
            let post = page_post(&t, &cookie, &path, body).await;
            assert!(
                matches!(
                    post.status,
                    StatusCode::FORBIDDEN | StatusCode::METHOD_NOT_ALLOWED
                ),
                "POST {path} as {who}: {}",
                post.status
            );
        }
    }
    assert_eq!(t.app.store().all_users().await.unwrap(), before);
    assert_eq!(t.app.store().list_orgs().await.unwrap(), orgs_before);
}

/// The command line has no account of its own to protect, so the last
/// administrator who can sign in is guarded there: neither disabled nor
/// given another role until someone else is an administrator.
#[tokio::test]
async fn the_last_administrator_stays() {
    use safepath_app::admin::Operator;
    let t = spawn_app().await;
    let cli = || Operator::Cli("user");
    let e = t
        .app
        .set_user_disabled(cli(), "demo-admin", true)
        .await
        .unwrap_err();
    assert_eq!(e.code, "last_administrator");
    let admin = t
        .app
        .store()
        .user_by_username("demo-admin")
        .await
        .unwrap()
        .unwrap();
    let e = t
        .app
        .set_account_role(cli(), admin.id, "analyst")
        .await
        .unwrap_err();
    assert_eq!(e.code, "last_administrator");
    assert_eq!(
        login_status(&t, "demo-admin", "safepath-demo").await,
        StatusCode::OK
    );
    // With a second administrator, the first may go.
    t.app
        .add_user(
            cli(),
            "second-admin",
            "Synthetic Second Administrator",
            admin.org_id,
            "administrator",
            NEW_PASSWORD,
        )
        .await
        .unwrap();
    t.app
        .set_user_disabled(cli(), "demo-admin", true)
        .await
        .unwrap();
    assert_eq!(
        login_status(&t, "demo-admin", "safepath-demo").await,
        StatusCode::UNAUTHORIZED
    );
}
