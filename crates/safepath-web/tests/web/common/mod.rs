//! The test harness shared by the web tests: the whole app in process
//! (router + app + a fresh SQLite database with the demo's organisations and
//! accounts), driven through HTTP requests as a client would.

#![allow(dead_code)] // each test file uses a different part of the harness
#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use safepath_app::{App, OpenConfig, SystemClock};
use serde_json::{Value, json};
use std::sync::Arc;
use tower::ServiceExt;

pub struct TestApp {
    pub router: Router,
    pub app: Arc<App>,
    pub dir: tempfile::TempDir,
    /// The last audit entry seen before the current request (see `send`).
    audit_seen: std::sync::atomic::AtomicI64,
    /// What the last request opened (table and column of each sealed field).
    pub last_opened: std::sync::Mutex<Vec<(String, String)>>,
}

pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One item of the protection checklist as `tok` sees it.
#[allow(dead_code)] // not every test binary uses it
pub async fn checklist_item(t: &TestApp, tok: &str, id: &str) -> Value {
    let r = t.call("GET", "/api/v1/checklist", Some(tok), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .unwrap()
        .clone()
}

/// A fresh data folder and the configuration that opens it (SQLite).
pub fn fresh_config() -> (tempfile::TempDir, OpenConfig) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = OpenConfig {
        database_url: format!("sqlite://{}", dir.path().join("safepath.db").display()),
        key_file: dir.path().join("safepath.key"),
        create_key_file: true,
        audit_key_file: None,
    };
    (dir, cfg)
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// The app with settings changed before it serves (e.g. sign-in settings).
pub async fn spawn_app_with(configure: impl FnOnce(&mut App)) -> TestApp {
    let (dir, cfg) = fresh_config();
    let mut app = App::open(&cfg, Arc::new(SystemClock)).await.unwrap();
    configure(&mut app);
    let app = Arc::new(app);
    safepath_app::demo::seed(&app, 0).await.unwrap();
    TestApp::new(app, dir)
}

/// The app with the demo's data for `cases` synthetic cases.
#[allow(dead_code)] // not every test binary uses it
pub async fn spawn_demo_app(cases: usize) -> TestApp {
    let (dir, cfg) = fresh_config();
    let app = Arc::new(App::open(&cfg, Arc::new(SystemClock)).await.unwrap());
    safepath_app::demo::seed(&app, cases).await.unwrap();
    TestApp::new(app, dir)
}

impl TestApp {
    pub fn new(app: Arc<App>, dir: tempfile::TempDir) -> Self {
        Self {
            router: safepath_web::router(app.clone()),
            app,
            dir,
            audit_seen: Default::default(),
            last_opened: Default::default(),
        }
    }

    /// A request as if from 127.0.0.1 (the server's connection info).
    pub async fn send(&self, req: Request<Body>) -> Answer {
        self.send_from([127, 0, 0, 1], req).await
    }

    /// A request from a given IPv4 address (per-address throttling).
    ///
    /// Every request of every web test goes through here, and here the one
    /// way in is checked: each sealed field opened while the request ran
    /// must be covered by an audit entry appended during that request, by
    /// the same actor, naming the record the read was charged to (or, for
    /// lists and scans, naming it in the entry's detail).
    pub async fn send_from(&self, ip: [u8; 4], mut req: Request<Body>) -> Answer {
        if req
            .extensions()
            .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .is_none()
        {
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
                    ip, 40000,
                ))));
        }
        use std::sync::atomic::Ordering;
        let what = format!("{} {}", req.method(), req.uri().path());
        let unseals = self.app.watch_unseals();
        unseals.take(); // opened outside any request (seeding): not this one's
        let before = self.audit_seen.load(Ordering::SeqCst);
        let before = self
            .audit_after(before)
            .await
            .last()
            .map_or(before, |e| e.entry.seq);
        let res = self.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        let opened = unseals.take();
        *self.last_opened.lock().unwrap() = opened
            .iter()
            .map(|u| (u.table.clone(), u.column.clone()))
            .collect();
        let entries = self.audit_after(before).await;
        self.audit_seen.store(
            entries.last().map_or(before, |e| e.entry.seq),
            Ordering::SeqCst,
        );
        // A refused change (4xx) may have opened its own records to check
        // itself, and it answers nothing from them (docs/decisions.md D-A2).
        let answered = !status.is_client_error();
        for u in opened {
            if u.record_type == safepath_app::sealing::POLICY_CHECK || !answered {
                continue; // the consent ledger read to decide access (D-A2)
            }
            let covers = |e: &safepath_audit::StoredEntry| {
                let e = &e.entry;
                e.actor == u.actor
                    && ((e.record_type.as_deref() == Some(u.record_type)
                        && e.record_id.as_deref() == Some(u.record_id.as_str()))
                        || e.detail
                            .as_deref()
                            .is_some_and(|d| d.contains(&u.record_id)))
            };
            // A de-duplication run works in the background after the request
            // that started it (and audited it) has been answered.
            let covered = entries.iter().any(covers)
                || (u.record_type == "dedupe_run" && self.audit_after(0).await.iter().any(covers));
            assert!(
                covered,
                "{what}: {}.{} was opened for {} (charged to {} {}) with no audit entry in the request; entries: {:?}",
                u.table,
                u.column,
                u.actor,
                u.record_type,
                u.record_id,
                entries
                    .iter()
                    .map(|e| (
                        &e.entry.actor,
                        &e.entry.action,
                        &e.entry.record_type,
                        &e.entry.record_id
                    ))
                    .collect::<Vec<_>>()
            );
        }
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn audit_after(&self, seq: i64) -> Vec<safepath_audit::StoredEntry> {
        self.app
            .store()
            .audit_entries(seq, 1_000_000)
            .await
            .unwrap()
    }

    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Answer {
        let mut b = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.send(req).await
    }

    pub async fn raw(&self, method: &str, path: &str, token: &str, body: Vec<u8>) -> Answer {
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    pub async fn login(&self, user: &str) -> String {
        let a = self
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": user, "password": "safepath-demo"})),
            )
            .await;
        assert_eq!(a.status, StatusCode::OK, "login {user}: {}", a.text());
        a.json()["token"].as_str().unwrap().to_owned()
    }

    pub async fn create(&self, token: &str, person: Value) -> Value {
        let a = self.call("POST", "/api/v1/cases", Some(token), Some(json!({"person": person, "exploitation_forms": ["forced_labour"], "notes": "Synthetic test note"}))).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        a.json()
    }

    pub async fn total(&self, token: &str) -> i64 {
        self.call("GET", "/api/v1/cases", Some(token), None)
            .await
            .json()["total"]
            .as_i64()
            .unwrap()
    }
}

/// The sign-in form's CSRF cookie.
pub const LOGIN_CSRF: &str = "__Host-sp_login_csrf";

pub fn set_cookies(a: &Answer) -> Vec<String> {
    a.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect()
}

pub fn cookie_value(set: &[String], name: &str) -> String {
    set.iter()
        .find(|c| c.starts_with(&format!("{name}=")))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker).unwrap() + marker.len();
    html[start..].split('"').next().unwrap().to_owned()
}

pub async fn page_login(t: &TestApp, user: &str) -> (String, String) {
    let form = t.call("GET", "/login", None, None).await;
    let login_csrf = cookie_value(&set_cookies(&form), LOGIN_CSRF);
    let body = format!(
        "csrf={}&username={user}&password=safepath-demo",
        hidden(&form.text(), "csrf")
    );
    let req = Request::builder()
        .method("POST")
        .uri("/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::COOKIE, format!("{LOGIN_CSRF}={login_csrf}"))
        .body(Body::from(body))
        .unwrap();
    let a = t.send(req).await;
    assert_eq!(a.status, StatusCode::SEE_OTHER, "{}", a.text());
    let set = set_cookies(&a);
    let session = set.iter().find(|c| c.starts_with("sp_session=")).unwrap();
    for attr in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(session.contains(attr), "{session} has {attr}");
    }
    let cookie = format!("sp_session={}", cookie_value(&set, "sp_session"));
    let mut list = t
        .send(
            Request::builder()
                .uri("/cases")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    // --- statistics --- analysts are sent on to their dashboards.
    if list.status == StatusCode::SEE_OTHER {
        let to = list.headers[header::LOCATION].to_str().unwrap().to_owned();
        list = t
            .send(
                Request::builder()
                    .uri(to)
                    .header(header::COOKIE, &cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
    }
    (cookie, hidden(&list.text(), "csrf"))
}

pub async fn page_post(t: &TestApp, cookie: &str, path: &str, body: String) -> Answer {
    t.send(
        Request::builder()
            .method("POST")
            .uri(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::COOKIE, cookie)
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

pub async fn page_get(t: &TestApp, cookie: &str, path: &str) -> Answer {
    t.send(
        Request::builder()
            .uri(path)
            .header(header::COOKIE, cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

pub async fn org_id(t: &TestApp, token: &str, prefix: &str) -> String {
    let orgs = t
        .call("GET", "/api/v1/orgs", Some(token), None)
        .await
        .json();
    orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"].as_str().unwrap().starts_with(prefix))
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

impl TestApp {
    /// An API call with a bearer token.
    pub async fn call_as(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> Answer {
        self.call(method, path, Some(token), body).await
    }

    /// A page, signed in with the session cookie.
    pub async fn page(&self, cookie: &str, path: &str) -> Answer {
        page_get(self, cookie, path).await
    }

    /// A form post, signed in with the session cookie.
    pub async fn page_post(&self, cookie: &str, path: &str, body: String) -> Answer {
        page_post(self, cookie, path, body).await
    }
}

/// Organisation B receives the case through an accepted referral whose
/// consent shares `categories` (JSON array of data categories).
pub async fn refer_to(t: &TestApp, cm_a: &str, cm_b: &str, case: &str, categories: Value) {
    let org_b = t.call("GET", "/api/v1/me", Some(cm_b), None).await.json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let consent = t
        .call("POST", &format!("/api/v1/cases/{case}/consents"), Some(cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": categories, "expires_on": "2099-12-31"})))
        .await;
    assert_eq!(consent.status, StatusCode::CREATED, "{}", consent.text());
    let sent = t
        .call("POST", &format!("/api/v1/cases/{case}/referrals"), Some(cm_a), Some(json!({"to_org_id": org_b, "service": "legal_aid", "categories": categories, "urgency": "urgent"})))
        .await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
    let rid = sent.json()["id"].as_str().unwrap().to_owned();
    let accepted = t
        .call(
            "POST",
            &format!("/api/v1/referrals/{rid}/accept"),
            Some(cm_b),
            None,
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
}

/// Registers `other` as a partner of `on`, linked to `on`'s organisation
/// whose name starts with `org_prefix`.
pub async fn register(
    on: &TestApp,
    other: &TestApp,
    name: &str,
    url: Option<&str>,
    org_prefix: &str,
) {
    let admin = on.login("demo-admin").await;
    let org = org_id(on, &admin, org_prefix).await;
    let id = other.app.handover_identity().unwrap();
    let p = id.public();
    on.app
        .register_handover_partner(
            safepath_app::admin::Operator::Cli("test"),
            name,
            &p.signing_key_base64(),
            &p.encryption_key_base64(),
            &id.fingerprint().to_hex(),
            url,
            Some(&org),
        )
        .await
        .unwrap();
}

pub fn fingerprint(t: &TestApp) -> String {
    t.app.handover_identity().unwrap().fingerprint().to_hex()
}

/// A form's body, url-encoded, with the CSRF token first.
pub fn form_body(csrf: &str, fields: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    s.append_pair("csrf", csrf);
    for (k, v) in fields {
        s.append_pair(k, v);
    }
    s.finish()
}

/// Identifies the person (both decisions, by the coordinator `coord`) and
/// moves the case to solution planning.
pub async fn to_solution_planning(t: &TestApp, coord: &str, case: &str) {
    for (stage, outcome) in [
        ("reasonable_grounds", "presumed_victim"),
        ("conclusive", "identified"),
    ] {
        let a = t
            .call("POST", &format!("/api/v1/cases/{case}/decisions"), Some(coord), Some(json!({"stage": stage, "outcome": outcome, "reasons": "Synthetic reasons, long enough to record.", "letter_addressee": "person"})))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{stage}: {}", a.text());
    }
    let a = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/transitions"),
            Some(coord),
            Some(json!({"to": "solution_planning"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
}

/// Starts a run through the API and waits for it to end.
pub async fn run_now(t: &TestApp, token: &str) -> Value {
    let a = t.call_as("POST", "/api/v1/dedupe/runs", token, None).await;
    assert_eq!(a.status, StatusCode::ACCEPTED, "{}", a.text());
    let id = a.json()["id"].as_str().unwrap().to_owned();
    for _ in 0..200 {
        let latest = t
            .call_as("GET", "/api/v1/dedupe/runs/latest", token, None)
            .await
            .json();
        assert_eq!(latest["id"], id);
        if latest["state"] != "running" {
            return latest;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("the run did not finish");
}

/// The status of a sign-in through the API with this password.
pub async fn login_status(t: &TestApp, user: &str, password: &str) -> StatusCode {
    t.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(serde_json::json!({"username": user, "password": password})),
    )
    .await
    .status
}

/// The id of the shelter called `name` in the directory.
#[allow(dead_code)] // not every test binary uses it
pub async fn shelter_named(t: &TestApp, token: &str, name: &str) -> String {
    let list = t.call("GET", "/api/v1/shelters", Some(token), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == name)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[allow(dead_code)] // not every test binary uses it
pub fn vietnamese() -> Value {
    json!({"names": [{"value": "Nguyễn Thị Hoa", "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 2001}, "nationalities": ["VNM"], "languages": ["vi"],
           "contact": {"phone": "+84 000 0000"}})
}

/// Every audit entry's action, oldest first.
pub async fn audit_actions(t: &TestApp) -> Vec<String> {
    t.app
        .store()
        .audit_entries(0, 1_000_000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.entry.action)
        .collect()
}
