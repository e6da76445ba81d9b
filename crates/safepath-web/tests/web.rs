//! The whole app in process (router + app + a fresh SQLite database per
//! test), driven through HTTP requests as a client would.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

mod common;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::*;
use serde_json::{Value, json};

/// Adds `n` synthetic cases owned by demo-cm-a (a population for matching).
async fn seed_synthetic(t: &TestApp, n: usize, seed: u64) -> Vec<safepath_domain::person::Person> {
    let owner = safepath_app::Principal::from_user(
        t.app
            .store()
            .user_by_username("demo-cm-a")
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(seed);
    let mut people = Vec::new();
    for i in 0..n {
        let person = safepath_app::demo::synthetic_person(&mut rng, i);
        people.push(person.clone());
        let new = safepath_app::views::NewCase {
            person,
            exploitation_forms: vec![],
            notes: None,
            status: None,
            case_manager_id: None,
        };
        t.app.create_case(&owner, new).await.unwrap();
    }
    people
}

fn vietnamese() -> Value {
    json!({"names": [{"value": "Nguyễn Thị Hoa", "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 2001}, "nationalities": ["VNM"], "languages": ["vi"],
           "contact": {"phone": "+84 000 0000"}})
}

#[tokio::test]
async fn health_and_security_headers() {
    let t = spawn_app().await;
    let a = t.call("GET", "/healthz", None, None).await;
    assert_eq!(a.status, StatusCode::OK);
    let csp = a
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(!csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(a.headers.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(a.headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(a.headers.get("referrer-policy").unwrap(), "no-referrer");
    assert_eq!(
        a.headers.get("strict-transport-security").unwrap(),
        "max-age=31536000"
    );
    let login = t.call("GET", "/login", None, None).await;
    assert!(login.headers.get("content-security-policy").is_some());
}

#[tokio::test]
async fn login_issues_tokens_and_throttles_repeated_failures() {
    let t = spawn_app().await;
    let token = t.login("demo-cm-a").await;
    let me = t.call("GET", "/api/v1/me", Some(&token), None).await.json();
    assert_eq!(me["username"], "demo-cm-a");
    assert!(me["org_id"].is_string());
    assert_eq!(
        t.call("GET", "/api/v1/me", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        t.call("GET", "/api/v1/me", Some("forged"), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    for _ in 0..5 {
        let a = t
            .call(
                "POST",
                "/api/v1/auth/login",
                None,
                Some(json!({"username": "demo-cm-b", "password": "wrong password!"})),
            )
            .await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED);
        assert_eq!(a.json()["code"], "invalid_credentials");
    }
    // Locked now, even with the right password.
    let a = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "demo-cm-b", "password": "safepath-demo"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(a.json()["code"], "too_many_attempts");
    // Unknown users get the same answer as wrong passwords.
    let a = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "nobody-here", "password": "whatever1234"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    // Logout ends the token.
    assert_eq!(
        t.call("POST", "/api/v1/auth/logout", Some(&token), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        t.call("GET", "/api/v1/me", Some(&token), None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn create_read_update_list_and_search() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let created = t.create(&cm, vietnamese()).await;
    let id = created["id"].as_str().unwrap();
    assert_eq!(created["person"]["display_name"], "Nguyễn Thị Hoa");
    assert_eq!(created["status"], "referred");
    let reference = created["reference"].as_str().unwrap();
    assert!(reference.starts_with("SP-") && !reference.to_lowercase().contains("hoa"));

    let got = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&cm), None)
        .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.json()["person"]["display_name"], "Nguyễn Thị Hoa");
    assert_eq!(got.json()["notes"], "Synthetic test note");

    let list = t.call("GET", "/api/v1/cases", Some(&cm), None).await.json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id)
    );
    // Found by name without diacritics, in another order of words, and by reference.
    for q in ["nguyen hoa", "Hoa", "NGUYỄN", &reference[..9]] {
        let enc: String = url_encode(q);
        // A name in a query string is refused: it would end up in logs.
        let refused = t
            .call("GET", &format!("/api/v1/cases?q={enc}"), Some(&cm), None)
            .await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST);
        assert_eq!(refused.json()["code"], "search_by_post");
        let found = t
            .call(
                "POST",
                "/api/v1/cases/search",
                Some(&cm),
                Some(json!({"q": q})),
            )
            .await
            .json();
        assert!(
            found["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["id"] == id),
            "search {q:?}"
        );
    }
    let none = t
        .call(
            "POST",
            "/api/v1/cases/search",
            Some(&cm),
            Some(json!({"q": "somchai"})),
        )
        .await
        .json();
    assert_eq!(none["items"].as_array().unwrap().len(), 0);

    let patched = t
        .call(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            Some(&cm),
            Some(json!({"notes": "Synthetic test note, revised", "version": 1})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text());
    assert_eq!(patched.json()["notes"], "Synthetic test note, revised");
    assert_eq!(patched.json()["version"], 2);
    let stale = t
        .call(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            Some(&cm),
            Some(json!({"status": "closed", "version": 1})),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm), None)
            .await
            .json()["status"],
        "referred"
    );
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b == b'-' {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn need_to_know_hides_cases_from_other_organisations_and_roles() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let case = t.create(&cm_a, vietnamese()).await;
    let id = case["id"].as_str().unwrap();
    let missing = "00000000-0000-4000-8000-000000000000";

    for user in [
        "demo-cm-b",
        "demo-provider",
        "demo-responder",
        "demo-cm-c",
        "demo-partner",
        "demo-admin",
        "demo-analyst",
    ] {
        let token = t.login(user).await;
        let hidden = t
            .call("GET", &format!("/api/v1/cases/{id}"), Some(&token), None)
            .await;
        let absent = t
            .call(
                "GET",
                &format!("/api/v1/cases/{missing}"),
                Some(&token),
                None,
            )
            .await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{user}");
        assert_eq!(
            hidden.body, absent.body,
            "{user}: a hidden case must look exactly like a missing one"
        );
        let patch = t
            .call(
                "PATCH",
                &format!("/api/v1/cases/{id}"),
                Some(&token),
                Some(json!({"status": "closed"})),
            )
            .await;
        assert_eq!(patch.status, StatusCode::NOT_FOUND, "{user}");
        let list = t
            .call(
                "POST",
                "/api/v1/cases/search",
                Some(&token),
                Some(json!({"q": "hoa"})),
            )
            .await;
        if list.status == StatusCode::OK {
            assert!(!list.text().contains(id), "{user} must not find it");
        } else {
            assert_eq!(list.status, StatusCode::FORBIDDEN, "{user}");
        }
    }
    // The owning organisation's coordinator sees it and its audit trail.
    let coord = t.login("demo-coordinator").await;
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&coord), None)
            .await
            .status,
        StatusCode::OK
    );
    let trail = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/audit"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(trail.status, StatusCode::OK);
    let actions: Vec<String> = trail.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        actions.contains(&"case.create".to_owned()) && actions.contains(&"case.read".to_owned())
    );
    // The case manager may read the case but not its audit trail.
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/cases/{id}/audit"),
            Some(&cm_a),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // A user of another organisation cannot be put on the case (the only
    // road across organisations is a consented referral).
    let cm_b_id = t
        .call("GET", "/api/v1/me", Some(&t.login("demo-cm-b").await), None)
        .await
        .json()["id"]
        .clone();
    let a = t
        .call(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            Some(&cm_a),
            Some(json!({"associated_user_ids": [cm_b_id]})),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
    assert_eq!(a.json()["code"], "associated_user_other_org");
    let cm_b = t.login("demo-cm-b").await;
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn break_the_glass_needs_a_reason_is_audited_and_flagged() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let id = t.create(&cm, vietnamese()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let admin = t.login("demo-admin").await;
    let short = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/break-glass"),
            Some(&admin),
            Some(json!({"reason": "urgent"})),
        )
        .await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    assert_eq!(short.json()["code"], "reason_required");
    let ok = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/break-glass"),
            Some(&admin),
            Some(json!({"reason": "Court order requires immediate disclosure"})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.json()["person"]["display_name"], "Nguyễn Thị Hoa");
    let not_admin = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/break-glass"),
            Some(&cm),
            Some(json!({"reason": "Court order requires immediate disclosure"})),
        )
        .await;
    assert_eq!(not_admin.status, StatusCode::FORBIDDEN);
    let coord = t.login("demo-coordinator").await;
    let notes = t
        .call("GET", "/api/v1/notifications", Some(&coord), None)
        .await
        .json();
    let n = &notes["items"][0];
    assert_eq!(n["kind"], "break_glass");
    // The notification (also e-mailed) says what happened, not why: the
    // reason stays in SafePath.
    assert!(n["message"].as_str().unwrap().contains("break-the-glass"));
    assert!(!n["message"].as_str().unwrap().contains("Court order"));
    let trail = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/audit"),
            Some(&coord),
            None,
        )
        .await
        .json();
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "case.break_glass"
                && e["reason"] == "Court order requires immediate disclosure")
    );
    // In the append-only log the reason is sealed.
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("Court order requires"));
    }
}

#[tokio::test]
async fn bad_input_is_refused_with_a_clear_code_and_changes_nothing() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let id = t.create(&cm, vietnamese()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let before = t.total(&cm).await;
    let big = format!(
        "{{\"person\": {{\"names\": [{{\"value\": \"{}\"}}]}}}}",
        "a".repeat(1_100_000)
    );
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("malformed", b"{\"person\": ".to_vec(), "malformed_json"),
        ("unknown field", json!({"person": {"names": [{"value": "X"}]}, "colour": "red"}).to_string().into_bytes(), "unknown_field"),
        ("unknown enum", json!({"person": {"names": [{"value": "X"}], "sex": "robot"}}).to_string().into_bytes(), "invalid_value"),
        ("unknown form", json!({"person": {"names": [{"value": "X"}]}, "exploitation_forms": ["piracy"]}).to_string().into_bytes(), "invalid_value"),
        ("impossible date", json!({"person": {"names": [{"value": "X"}], "birth_date": {"kind": "exact", "date": "2001-02-30"}}}).to_string().into_bytes(), "invalid_field"),
        ("future date", json!({"person": {"names": [{"value": "X"}], "birth_date": {"kind": "year", "year": 3000}}}).to_string().into_bytes(), "invalid_field"),
        ("invalid utf-8", b"{\"person\": {\"names\": [{\"value\": \"\xff\xfe\"}]}}".to_vec(), "invalid_utf8"),
        ("too large", big.into_bytes(), "body_too_large"),
        ("missing person", json!({"exploitation_forms": []}).to_string().into_bytes(), "missing_field"),
        ("no names", json!({"person": {"names": []}}).to_string().into_bytes(), "missing_field"),
        ("empty body", Vec::new(), "missing_body"),
    ];
    for (what, body, code) in cases {
        let a = t.raw("POST", "/api/v1/cases", &cm, body).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{what}: {}", a.text());
        let j = a.json();
        assert_eq!(j["code"], code, "{what}: {}", a.text());
        assert!(!j["message"].as_str().unwrap().is_empty(), "{what}");
    }
    assert_eq!(t.total(&cm).await, before, "nothing was created");
    // PATCH: the same rules, and the case is unchanged.
    for body in [
        json!({"status": "lost"}),
        json!({"notes": 5}),
        json!({"colour": 1}),
        json!({"person": {"names": []}}),
    ] {
        let a = t
            .call(
                "PATCH",
                &format!("/api/v1/cases/{id}"),
                Some(&cm),
                Some(body.clone()),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}");
    }
    let after = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&cm), None)
        .await
        .json();
    assert_eq!(after["version"], 1);
    // Messages never echo the values sent (they may be personal data).
    let a = t
        .raw(
            "POST",
            "/api/v1/cases",
            &cm,
            json!({"person": {"names": [{"value": "X"}], "sex": "Somchai Jaidee"}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert!(!a.text().contains("Somchai"), "{}", a.text());
    // Login and paging errors too.
    assert_eq!(
        t.call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "x"}))
        )
        .await
        .json()["code"],
        "missing_field"
    );
    assert_eq!(
        t.call("GET", "/api/v1/cases?page=0", Some(&cm), None)
            .await
            .json()["code"],
        "invalid_paging"
    );
    assert_eq!(
        t.call("GET", "/api/v1/cases?per_page=abc", Some(&cm), None)
            .await
            .json()["code"],
        "invalid_paging"
    );
}

#[tokio::test]
async fn no_name_is_stored_in_clear_and_the_audit_chain_verifies() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let distinctive = "Zyxwvutsrq Qwertyuiop";
    let case = t.create(&cm, json!({"names": [{"value": distinctive, "script": "Latn"}], "contact": {"address": "Plaintextlane 77"}})).await;
    t.call(
        "GET",
        &format!("/api/v1/cases/{}", case["id"].as_str().unwrap()),
        Some(&cm),
        None,
    )
    .await;
    t.call(
        "POST",
        "/api/v1/cases/search",
        Some(&cm),
        Some(json!({"q": "zyxwvutsrq"})),
    )
    .await;
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for needle in [
            distinctive.as_bytes(),
            b"Zyxwvutsrq",
            b"zyxwvutsrq",
            b"Plaintextlane",
            b"Synthetic test note",
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "found {:?} in clear",
                String::from_utf8_lossy(needle)
            );
        }
    }
    match t.app.verify_audit().await.unwrap() {
        safepath_app::admin::AuditVerdict::Intact { entries, .. } => assert!(entries > 10),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn openapi_documents_every_endpoint() {
    let t = spawn_app().await;
    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let paths = spec["paths"].as_object().unwrap();
    for (p, method) in [
        ("/api/v1/auth/login", "post"),
        ("/api/v1/me", "get"),
        ("/api/v1/orgs", "get"),
        ("/api/v1/cases", "get"),
        ("/api/v1/cases", "post"),
        ("/api/v1/cases/search", "post"),
        ("/api/v1/cases/{id}", "get"),
        ("/api/v1/cases/{id}", "patch"),
        ("/api/v1/cases/{id}/break-glass", "post"),
        ("/api/v1/cases/{id}/audit", "get"),
        ("/api/v1/screenings/evaluate", "post"),
        ("/api/v1/screenings", "post"),
        ("/api/v1/decisions", "get"),
        ("/api/v1/cases/{id}/decisions", "post"),
        ("/api/v1/cases/{id}/consents", "post"),
        ("/api/v1/consents/{id}/withdraw", "post"),
        ("/api/v1/cases/{id}/referrals", "post"),
        ("/api/v1/referrals/{id}/{action}", "post"),
    ] {
        assert!(
            paths.get(p).and_then(|v| v.get(method)).is_some(),
            "{method} {p} is documented"
        );
    }
    // Schemas referenced by the spec exist.
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for s in [
        "CaseView",
        "NewCase",
        "CasePatch",
        "Person",
        "ErrorBody",
        "OrgView",
    ] {
        assert!(schemas.contains_key(s), "schema {s}");
    }
}

/// Found by Schemathesis (.ci/schemathesis.sh, `status_code_conformance`):
/// `GET /api/v1/fund/accounts?on=x` and `GET /api/v1/fund/ledger?offset=x`
/// answered a 400 the spec did not list, and `GET /api/v1/referrals` a 403
/// for a role without referrals. Every operation that reads a body or a
/// query documents its 400, every one with an id in its path its 404.
#[tokio::test]
async fn openapi_documents_the_errors_each_operation_answers() {
    let t = spawn_app().await;
    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    let mut missing = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let has = |status: &str| op["responses"].get(status).is_some();
            let reads_input =
                op.get("requestBody").is_some() || params.iter().any(|p| p["in"] == "query");
            if reads_input && !has("400") {
                missing.push(format!("{method} {path}: 400"));
            }
            if params.iter().any(|p| p["in"] == "path") && !has("404") {
                missing.push(format!("{method} {path}: 404"));
            }
            // A path parameter is one of the path's `{…}` (the statistics
            // filters were documented as required path parameters).
            for p in params.iter().filter(|p| p["in"] == "path") {
                let name = p["name"].as_str().unwrap_or_default();
                if !path.contains(&format!("{{{name}}}")) {
                    missing.push(format!("{method} {path}: `{name}` is not in the path"));
                }
            }
            for (status, r) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') {
                    let schema = &r["content"]["application/json"]["schema"]["$ref"];
                    if schema != "#/components/schemas/ErrorBody" {
                        missing.push(format!("{method} {path}: {status} has no ErrorBody"));
                    }
                }
            }
        }
    }
    assert!(missing.is_empty(), "undocumented answers: {missing:#?}");
    // The answers themselves, as found.
    let coordinator = t.login("demo-coordinator").await;
    for path in [
        "/api/v1/fund/accounts?on=not-a-day",
        "/api/v1/fund/ledger?offset=9223372036854775808",
    ] {
        let a = t.call("GET", path, Some(&coordinator), None).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{path}: {}", a.text());
        let documented = &spec["paths"][path.split('?').next().unwrap()]["get"]["responses"];
        assert!(documented.get("400").is_some(), "{path}");
    }
    // And the 403 of the case-work writes for a role that may not make
    // them (found as the first responder and the service provider).
    for op in [
        "/api/v1/cases/{id}/goals",
        "/api/v1/cases/{id}/tasks",
        "/api/v1/cases/{id}/assessments",
        "/api/v1/cases/{id}/feedback",
        "/api/v1/cases/{id}/reconsideration",
        "/api/v1/cases/{id}/claims/{cid}",
    ] {
        assert!(
            spec["paths"][op]["post"]["responses"].get("403").is_some(),
            "post {op}: 403"
        );
    }
    let analyst = t.login("demo-analyst").await;
    let a = t
        .call("GET", "/api/v1/referrals", Some(&analyst), None)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
    assert!(
        spec["paths"]["/api/v1/referrals"]["get"]["responses"]
            .get("403")
            .is_some()
    );
}

#[tokio::test]
async fn orgs_and_admin_endpoints() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let orgs = t.call("GET", "/api/v1/orgs", Some(&cm), None).await.json();
    let items = orgs["items"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert!(items.iter().all(|o| o["id"].is_string()
        && o["name"].is_string()
        && o["type"].is_string()
        && o["country"].is_string()));
    let denied = t
        .call(
            "POST",
            "/api/v1/orgs",
            Some(&cm),
            Some(json!({"name": "X", "type": "ngo", "country": "THA"})),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let admin = t.login("demo-admin").await;
    let made = t
        .call(
            "POST",
            "/api/v1/orgs",
            Some(&admin),
            Some(json!({"name": "New Shelter", "type": "ngo", "country": "khm"})),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED);
    assert_eq!(made.json()["country"], "KHM");
    let dup = t
        .call(
            "POST",
            "/api/v1/orgs",
            Some(&admin),
            Some(json!({"name": "New Shelter", "type": "ngo", "country": "KHM"})),
        )
        .await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    let bad = t
        .call(
            "POST",
            "/api/v1/orgs",
            Some(&admin),
            Some(json!({"name": "Y", "type": "company", "country": "KHM"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let user = t.call("POST", "/api/v1/users", Some(&admin), Some(json!({"username": "new-cm", "full_name": "New Case Manager", "org_id": made.json()["id"], "role": "case_manager", "password": "a long enough password"}))).await;
    assert_eq!(user.status, StatusCode::CREATED, "{}", user.text());
    let weak = t.call("POST", "/api/v1/users", Some(&admin), Some(json!({"username": "new-cm2", "full_name": "X", "org_id": made.json()["id"], "role": "case_manager", "password": "short"}))).await;
    assert_eq!(weak.json()["code"], "weak_password");
    // The administrator cannot list case contents.
    assert_eq!(
        t.call("GET", "/api/v1/cases", Some(&admin), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn screening_evaluation_follows_the_contract() {
    let t = spawn_app().await;
    let doc = json!({"age_years": 34, "likely_child": false, "form": "labour", "act_established": true,
        "indicators": {"DR1": "yes", "CD1": "yes", "EX4": "unknown"},
        "smuggling": {"irregular_crossing_for_fee": false, "consented_to_movement": false, "relationship_ended_on_arrival": false},
        "free_to_leave": false, "rule": "broad"});
    let a = t
        .call("POST", "/api/v1/screenings/evaluate", None, Some(doc))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let v = a.json();
    assert!(
        v["outcome"].is_string()
            && v["population"] == "adult"
            && v["dimensions"]["DR"]["present"].is_array()
    );
    let bad = t
        .call(
            "POST",
            "/api/v1/screenings/evaluate",
            None,
            Some(json!({"form": "labour", "act_established": true, "indicators": {"ZZ9": "yes"}})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["code"], "unknown_indicator");
}

// ---------- pages ----------

#[tokio::test]
async fn pages_create_find_and_hide_cases_with_csrf_on_every_form() {
    let t = spawn_app().await;
    assert_eq!(
        t.call("GET", "/cases", None, None).await.status,
        StatusCode::SEE_OTHER
    );
    let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
    let form = format!(
        "csrf={csrf}&name_value=Maung+Kyaw+Win&name_script=Latn&sex=male&gender_identity=man&birth_kind=exact&birth_value=1990-05-01&status=referred&forms=forced_labour&notes=page+note"
    );
    let created = page_post(&t, &cookie, "/cases/new", form.clone()).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let location = created
        .headers
        .get(header::LOCATION)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let detail = t
        .send(
            Request::builder()
                .uri(&location)
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(detail.text().contains("Maung Kyaw Win"));
    // Nationalities and languages are chosen by name; others typed as codes.
    let named = format!(
        "csrf={csrf}&name_value=Synthetic+Named+Person&name_script=Latn&sex=female&birth_kind=none&status=referred&nationality=MMR&nationality=THA&nationalities=npl%2C+MMR&language=my&languages=ne"
    );
    let made = page_post(&t, &cookie, "/cases/new", named).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.text());
    let id = made.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .trim_start_matches("/cases/")
        .to_owned();
    let tok = t.login("demo-cm-a").await;
    let person = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&tok), None)
        .await
        .json()["person"]
        .clone();
    assert_eq!(
        person["nationalities"],
        json!(["MMR", "THA", "NPL"]),
        "{person}"
    );
    assert_eq!(person["languages"], json!(["my", "ne"]));
    let edit = page_get(&t, &cookie, &format!("/cases/{id}/edit"))
        .await
        .text();
    assert!(edit.contains("value=\"MMR\" checked"), "ticked by name");
    assert!(edit.contains("> Myanmar</label>"), "named");
    assert!(
        edit.contains("id=\"nationalities\" name=\"nationalities\" value=\"NPL\""),
        "the rest typed"
    );
    assert!(edit.contains("value=\"my\" checked"));
    // Search is a POST answered by a redirect to its results page: names
    // never appear in URLs, and Back shows the results again.
    let posted = page_post(&t, &cookie, "/cases", format!("csrf={csrf}&q=kyaw")).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    let results = posted.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(results.starts_with("/cases/search/") && !results.to_lowercase().contains("kyaw"));
    let found = page_get(&t, &cookie, &results).await;
    assert!(found.text().contains("Maung Kyaw Win"));
    assert!(
        found.text().contains("value=\"kyaw\""),
        "the search box keeps what was typed"
    );
    assert!(
        page_get(&t, &cookie, &results)
            .await
            .text()
            .contains("Maung Kyaw Win"),
        "again (Back, Reload)"
    );
    // Without the CSRF token nothing happens.
    let before = t.total(&t.login("demo-cm-a").await).await;
    let forged = page_post(&t, &cookie, "/cases/new", form.replace(&csrf, "forged")).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(t.total(&t.login("demo-cm-a").await).await, before);
    // A bad form comes back with a message and creates nothing.
    let bad = page_post(
        &t,
        &cookie,
        "/cases/new",
        format!("csrf={csrf}&name_value=X&birth_kind=exact&birth_value=2001-02-30&status=referred"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("form-error"));
    // Search before create, from the form, without JavaScript (among other records).
    seed_synthetic(&t, 30, 5).await;
    let reference = detail
        .text()
        .split("id=\"case-reference\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    let check = page_post(&t, &cookie, "/cases/new/check", form.clone()).await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text());
    assert!(
        check.text().contains("dup-visible") && check.text().contains(&reference),
        "{}",
        check
            .text()
            .split("id=\"duplicates\"")
            .nth(1)
            .unwrap_or_default()
            .chars()
            .take(700)
            .collect::<String>()
    );
    // Another organisation's case manager gets the not-found page, and no search hit.
    let (cookie_b, csrf_b) = page_login(&t, "demo-cm-b").await;
    let check_b = page_post(
        &t,
        &cookie_b,
        "/cases/new/check",
        form.replace(&csrf, &csrf_b),
    )
    .await;
    assert!(
        check_b.text().contains("dup-elsewhere")
            && check_b.text().contains("Demo Case Manager (org A)"),
        "{}",
        check_b.text()
    );
    assert!(!check_b.text().contains(&reference));
    let hidden_page = t
        .send(
            Request::builder()
                .uri(&location)
                .header(header::COOKIE, &cookie_b)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(hidden_page.status, StatusCode::NOT_FOUND);
    assert!(!hidden_page.text().contains("Kyaw"));
    let search_b = page_post(&t, &cookie_b, "/cases", format!("csrf={csrf_b}&q=kyaw")).await;
    let results_b = search_b.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        !page_get(&t, &cookie_b, &results_b)
            .await
            .text()
            .contains("Kyaw")
    );
    // Another session cannot open A's saved search: it is not kept for it.
    let stolen = page_get(&t, &cookie_b, &results).await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    assert!(!stolen.text().contains("Kyaw"));
    // Language switch (Indonesian), then sign out.
    let switched = page_post(
        &t,
        &cookie,
        "/settings/language",
        format!("csrf={csrf}&language=id"),
    )
    .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let list = t
        .send(
            Request::builder()
                .uri("/cases")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(list.text().contains("lang=\"id\"") && list.text().contains("Kasus"));
    let out = page_post(&t, &cookie, "/logout", format!("csrf={csrf}")).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.send(
            Request::builder()
                .uri("/cases")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap()
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
}

#[test]
fn both_languages_have_every_key() {
    // Every Fluent file exists in both languages with the same keys, and
    // every key a template asks for literally exists.
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let keys = |s: &str| {
        s.lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.to_owned()))
            .collect::<Vec<_>>()
    };
    let mut all = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(dir.join("locales/en")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_owned();
        let en = std::fs::read_to_string(&path).unwrap();
        let id = std::fs::read_to_string(dir.join("locales/id").join(&name))
            .unwrap_or_else(|_| panic!("locales/id/{name:?} is missing"));
        assert_eq!(keys(&en), keys(&id), "{name:?}");
        all.extend(keys(&en));
    }
    let tr = safepath_web::i18n::Tr::new("id");
    for k in &all {
        assert!(tr.has(k), "{k}");
    }
    for entry in std::fs::read_dir(dir.join("templates")).unwrap() {
        let path = entry.unwrap().path();
        let html = std::fs::read_to_string(&path).unwrap();
        for part in html.split("tr.t(\"").skip(1) {
            let key = part.split('"').next().unwrap();
            assert!(all.contains(key), "{path:?} uses the missing key {key}");
        }
    }
}

// ---------- identification ----------

fn fishing_presumed() -> Value {
    json!({"age_years": 27, "form": "fishing", "act_established": true,
           "indicators": {"DR1": "yes", "DR8": "yes", "EX1": "yes", "EX4": "yes", "CD1": "yes", "CD2": "yes"}})
}

fn submission(doc: Value) -> Value {
    json!({"consent_given": true, "language": "my", "interpreter": true, "place_kind": "vessel", "place_note": "Synthetic vessel 7", "document": doc})
}

#[tokio::test]
async fn a_screening_is_stored_re_read_and_referred_to_the_focal_point() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let bad = t.call("POST", "/api/v1/screenings", Some(&responder), Some(json!({"consent_given": false, "language": "my", "place_kind": "vessel", "document": fishing_presumed()}))).await;
    assert_eq!(bad.json()["code"], "consent_required");
    let mut unknown = fishing_presumed();
    unknown["indicators"]["QQ1"] = json!("yes");
    assert_eq!(
        t.call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(unknown))
        )
        .await
        .json()["code"],
        "unknown_indicator"
    );

    let s = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(fishing_presumed())),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
    let s = s.json();
    assert_eq!(s["outcome"], "presumed_trafficking");
    assert_eq!(s["referable"], true);
    assert_eq!(s["non_removal"], true);
    assert_eq!(
        s["profile_id"], "thailand",
        "the agency's country picks the profile"
    );
    assert!(s["catalogue_version"].as_str().unwrap().len() > 3);
    let id = s["id"].as_str().unwrap();
    // Re-read exactly as decided; hidden from other organisations.
    let again = t
        .call(
            "GET",
            &format!("/api/v1/screenings/{id}"),
            Some(&responder),
            None,
        )
        .await
        .json();
    assert_eq!(again["evaluation"], s["evaluation"]);
    assert_eq!(again["submission"]["place_note"], "Synthetic vessel 7");
    let cm_b = t.login("demo-cm-b").await;
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/screenings/{id}"),
            Some(&cm_b),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Referral into a case for organisation B's focal point.
    let org_b = org_id(&t, &responder, "Organisation B").await;
    let case = t
        .call(
            "POST",
            &format!("/api/v1/screenings/{id}/refer"),
            Some(&responder),
            Some(json!({"to_org_id": org_b})),
        )
        .await;
    assert_eq!(case.status, StatusCode::CREATED, "{}", case.text());
    let case_id = case.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/screenings/{id}/refer"),
            Some(&responder),
            Some(json!({"to_org_id": org_b}))
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let seen = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(seen.status, StatusCode::OK);
    assert_eq!(seen.json()["status"], "referred");
    assert_eq!(seen.json()["exploitation_forms"], json!(["forced_labour"]));
    // The interview's facts came with the case (they were lost).
    assert_eq!(seen.json()["person"]["languages"], json!(["my"]));
    let notes = seen.json()["notes"].as_str().unwrap_or_default().to_owned();
    for said in [
        "interview in my with an interpreter",
        "on a vessel",
        "age given: 27",
    ] {
        assert!(notes.contains(said), "{said}: {notes}");
    }
    let flags = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}/flags"),
            Some(&cm_b),
            None,
        )
        .await
        .json();
    assert_eq!(flags["items"], json!(["non_removal"]));
    let decisions = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}/decisions"),
            Some(&cm_b),
            None,
        )
        .await
        .json();
    let rg = &decisions["items"][0];
    assert_eq!(rg["stage"], "reasonable_grounds");
    assert_eq!(rg["open"], true);
    let expected_due = safepath_screening::reasonable_grounds_due(
        time::OffsetDateTime::now_utc().date(),
        safepath_screening::profile("thailand").unwrap(),
    );
    assert_eq!(rg["due_on"], expected_due.to_string());
    // A child screening never reaches adult-only outcomes; forced criminality raises non-punishment.
    let child = t.call("POST", "/api/v1/screenings", Some(&responder), Some(submission(json!({"age_years": 15, "form": "forced_criminality", "act_established": true, "indicators": {"EX1": "yes", "EX3": "yes"}})))).await.json();
    assert_eq!(child["population"], "child");
    assert_eq!(child["outcome"], "presumed_trafficking");
    assert_eq!(child["non_punishment"], true);
    // An outcome that is not presumed is not referred from the screening.
    let none = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(
                json!({"form": "labour", "act_established": false, "indicators": {}}),
            )),
        )
        .await
        .json();
    assert_eq!(none["referable"], false);
    let refused = t
        .call(
            "POST",
            &format!("/api/v1/screenings/{}/refer", none["id"].as_str().unwrap()),
            Some(&responder),
            Some(json!({"to_org_id": org_b})),
        )
        .await;
    assert_eq!(refused.json()["code"], "not_referable");
}

#[tokio::test]
async fn reasonable_grounds_then_reflection_then_conclusive_with_reconsideration() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let s = t
        .call(
            "POST",
            "/api/v1/screenings",
            Some(&responder),
            Some(submission(fishing_presumed())),
        )
        .await
        .json();
    let org_a = org_id(&t, &responder, "Organisation A").await;
    let case = t
        .call(
            "POST",
            &format!("/api/v1/screenings/{}/refer", s["id"].as_str().unwrap()),
            Some(&responder),
            Some(json!({"to_org_id": org_a})),
        )
        .await
        .json();
    let case_id = case["id"].as_str().unwrap();
    let path = format!("/api/v1/cases/{case_id}/decisions");
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let rg = json!({"stage": "reasonable_grounds", "outcome": "presumed_victim", "reasons": "Documents held by the captain; debt from advances.", "letter_addressee": "person"});
    // Only the authorised decision-maker decides; reasons are required.
    assert_eq!(
        t.call("POST", &path, Some(&cm), Some(rg.clone()))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let short = t.call("POST", &path, Some(&coord), Some(json!({"stage": "reasonable_grounds", "outcome": "presumed_victim", "reasons": "ok"}))).await;
    assert_eq!(short.json()["code"], "reasons_required");
    let wrong = t.call("POST", &path, Some(&coord), Some(json!({"stage": "reasonable_grounds", "outcome": "identified", "reasons": "Long enough reasons here."}))).await;
    assert_eq!(wrong.json()["code"], "invalid_value");
    let conclusive_too_early = t.call("POST", &path, Some(&coord), Some(json!({"stage": "conclusive", "outcome": "identified", "reasons": "Long enough reasons here."}))).await;
    assert_eq!(conclusive_too_early.json()["code"], "no_open_decision");

    let decided = t.call("POST", &path, Some(&coord), Some(rg)).await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text());
    let decided = decided.json();
    assert_eq!(decided["trafficking_status"], "possible");
    assert_eq!(decided["deciding_org_type"], "government");
    let today = time::OffsetDateTime::now_utc().date();
    let ends = safepath_screening::reflection_period_end(
        today,
        safepath_screening::profile("thailand").unwrap(),
    );
    assert_eq!(decided["reflection_ends_on"], ends.to_string());
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{case_id}"), Some(&cm), None)
            .await
            .json()["status"],
        "in_protection"
    );
    let all = t.call("GET", &path, Some(&cm), None).await.json();
    let conclusive = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["stage"] == "conclusive")
        .unwrap();
    assert_eq!(conclusive["open"], true);
    assert_eq!(
        conclusive["due_on"],
        ends.to_string(),
        "the conclusive decision is due when the reflection period ends"
    );

    let negative = t.call("POST", &path, Some(&coord), Some(json!({"stage": "conclusive", "outcome": "not_victim", "reasons": "Insufficient evidence at this stage.", "letter_addressee": "legal_representative"}))).await.json();
    assert_eq!(negative["trafficking_status"], "not_a_victim");
    assert_eq!(negative["letter_addressee"], "legal_representative");
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{case_id}"), Some(&cm), None)
            .await
            .json()["status"],
        "not_identified"
    );
    // Reconsideration re-opens it.
    let re = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case_id}/reconsideration"),
            Some(&cm),
            Some(json!({"reason": "New evidence from the crew list."})),
        )
        .await;
    assert_eq!(re.status, StatusCode::CREATED, "{}", re.text());
    assert_eq!(re.json()["stage"], "conclusive");
    assert!(re.json()["reconsideration_of"].is_string());
    let again = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case_id}/reconsideration"),
            Some(&cm),
            Some(json!({"reason": "New evidence from the crew list."})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let identified = t.call("POST", &path, Some(&coord), Some(json!({"stage": "conclusive", "outcome": "identified", "reasons": "Crew list confirms deception and debt bondage."}))).await.json();
    assert_eq!(identified["trafficking_status"], "actual");
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{case_id}"), Some(&cm), None)
            .await
            .json()["status"],
        "identified"
    );
    // The queue: nothing open on this case now; the overdue filter is validated.
    let open = t
        .call("GET", "/api/v1/decisions", Some(&coord), None)
        .await
        .json();
    assert!(
        !open["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["case_id"] == case_id)
    );
    assert_eq!(
        t.call("GET", "/api/v1/decisions?overdue=maybe", Some(&coord), None)
            .await
            .json()["code"],
        "invalid_value"
    );
}

#[tokio::test]
async fn overdue_decisions_stand_out() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = t.create(&cm, vietnamese()).await;
    let id: uuid::Uuid = case["id"].as_str().unwrap().parse().unwrap();
    let user = t
        .app
        .store()
        .user_by_username("demo-cm-a")
        .await
        .unwrap()
        .unwrap();
    let who = safepath_app::Principal::from_user(user).unwrap();
    let long_ago = time::OffsetDateTime::now_utc().date() - time::Duration::days(30);
    t.app
        .open_reasonable_grounds(&who, id, long_ago)
        .await
        .unwrap();
    let coord = t.login("demo-coordinator").await;
    let overdue = t
        .call("GET", "/api/v1/decisions?overdue=true", Some(&coord), None)
        .await
        .json();
    let item = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["case_id"] == case["id"])
        .expect("listed as overdue");
    assert_eq!(item["overdue"], true);
    assert!(item["days_overdue"].as_i64().unwrap() > 0);
    // Another organisation's case manager does not see it.
    let cm_b = t.login("demo-cm-b").await;
    let theirs = t
        .call("GET", "/api/v1/decisions?overdue=true", Some(&cm_b), None)
        .await
        .json();
    assert!(
        !theirs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["case_id"] == case["id"])
    );
}

#[tokio::test]
async fn no_demo_name_is_in_clear_in_any_database_file() {
    let t = spawn_app().await;
    let people = seed_synthetic(&t, 30, 7).await;
    let names: Vec<String> = people
        .iter()
        .flat_map(|p| p.searchable_names())
        .filter(|n| n.len() >= 6)
        .map(str::to_owned)
        .collect();
    assert!(names.len() >= 30);
    let files: Vec<Vec<u8>> = std::fs::read_dir(t.dir.path())
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    for name in &names {
        for bytes in &files {
            assert!(
                !bytes.windows(name.len()).any(|w| w == name.as_bytes()),
                "a demo name is stored in clear"
            );
        }
    }
}

// ---------- consent ledger and referrals ----------

#[tokio::test]
async fn referrals_need_consent_share_only_its_categories_and_end_on_withdrawal() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let me_b = t.call("GET", "/api/v1/me", Some(&cm_b), None).await.json();
    let org_b = me_b["org_id"].as_str().unwrap().to_owned();
    let case = t.create(&cm_a, vietnamese()).await;
    let id = case["id"].as_str().unwrap();
    let referral = json!({"to_org_id": org_b, "service": "shelter", "categories": ["health", "accommodation"], "urgency": "urgent"});

    // Without consent: refused, clearly.
    let refused = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/referrals"),
            Some(&cm_a),
            Some(referral.clone()),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text());
    assert_eq!(refused.json()["code"], "consent_missing");

    // Bad consents are refused and change nothing.
    for bad in [
        json!({"purpose": "service_referral", "categories": ["health"]}),
        json!({"purpose": "gossip", "recipient_org_id": org_b, "categories": ["health"]}),
        json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["shoe_size"]}),
        json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health"], "expires_on": "2020-01-01"}),
    ] {
        let a = t
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/consents"),
                Some(&cm_a),
                Some(bad.clone()),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{bad}: {}", a.text());
    }
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/cases/{id}/consents"),
            Some(&cm_a),
            None
        )
        .await
        .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // Consent for health only does not cover accommodation.
    let health = t.call("POST", &format!("/api/v1/cases/{id}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health"]}))).await;
    assert_eq!(health.status, StatusCode::CREATED, "{}", health.text());
    let partial = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/referrals"),
            Some(&cm_a),
            Some(referral.clone()),
        )
        .await;
    assert_eq!(partial.json()["code"], "consent_categories_not_covered");
    assert!(
        partial.json()["message"]
            .as_str()
            .unwrap()
            .contains("accommodation")
    );

    let consent = t.call("POST", &format!("/api/v1/cases/{id}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health", "accommodation", "identity"], "expires_on": "2099-12-31"}))).await;
    assert_eq!(consent.status, StatusCode::CREATED);
    let consent_id = consent.json()["id"].as_str().unwrap().to_owned();
    let sent = t.call("POST", &format!("/api/v1/cases/{id}/referrals"), Some(&cm_a), Some(json!({"to_org_id": org_b, "service": "shelter", "categories": ["health", "accommodation"], "urgency": "urgent"}))).await;
    assert_eq!(sent.status, StatusCode::CREATED, "{}", sent.text());
    let rid = sent.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(sent.json()["state"], "pending");

    // B's focal point sees it in the inbox, but not the case until accepting.
    let inbox = t
        .call("GET", "/api/v1/referrals?box=inbox", Some(&cm_b), None)
        .await
        .json();
    assert!(
        inbox["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == rid.as_str())
    );
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // The sender may not accept its own referral.
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/referrals/{rid}/accept"),
            Some(&cm_a),
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let accepted = t
        .call(
            "POST",
            &format!("/api/v1/referrals/{rid}/accept"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.text());
    assert_eq!(accepted.json()["state"], "accepted");
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/referrals/{rid}/accept"),
            Some(&cm_b),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );

    // Only the shared categories: no name (identity was consented but not referred), no contact, no notes.
    let seen = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
        .await;
    assert_eq!(seen.status, StatusCode::OK, "{}", seen.text());
    let seen_text = seen.text();
    assert!(
        !seen_text.contains("Hoa")
            && !seen_text.contains("+84")
            && !seen_text.contains("Synthetic test note"),
        "{seen_text}"
    );
    assert_eq!(
        seen.json()["shared_categories"],
        json!(["health", "accommodation"])
    );
    // Not in B's case list, and B cannot change it.
    assert!(
        !t.call("GET", "/api/v1/cases", Some(&cm_b), None)
            .await
            .text()
            .contains(id)
    );
    assert_eq!(
        t.call(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            Some(&cm_b),
            Some(json!({"status": "closed"}))
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    // Withdrawal takes effect at once: the referral ends and B loses access.
    let w = t
        .call(
            "POST",
            &format!("/api/v1/consents/{consent_id}/withdraw"),
            Some(&cm_a),
            None,
        )
        .await;
    assert_eq!(w.status, StatusCode::OK, "{}", w.text());
    assert_eq!(w.json()["effective"], false);
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/consents/{consent_id}/withdraw"),
            Some(&cm_a),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    let after = t
        .call(
            "GET",
            &format!("/api/v1/referrals/{rid}"),
            Some(&cm_b),
            None,
        )
        .await
        .json();
    assert_eq!(after["state"], "consent_withdrawn");
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let trail = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/audit"),
            Some(&t.login("demo-coordinator").await),
            None,
        )
        .await
        .json();
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "consent.withdraw"
                && e["detail"].as_str().unwrap().contains(&rid))
    );

    // Revocation by the sender also ends access; a stranger sees nothing.
    let again = t.call("POST", &format!("/api/v1/cases/{id}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["identity"]}))).await;
    assert_eq!(again.status, StatusCode::CREATED);
    let r2 = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/referrals"),
            Some(&cm_a),
            Some(json!({"to_org_id": org_b, "service": "legal aid", "categories": ["identity"]})),
        )
        .await
        .json();
    let r2id = r2["id"].as_str().unwrap();
    t.call(
        "POST",
        &format!("/api/v1/referrals/{r2id}/accept"),
        Some(&cm_b),
        None,
    )
    .await;
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .json()["person"]["display_name"],
        "Nguyễn Thị Hoa"
    );
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/referrals/{r2id}/revoke"),
            Some(&cm_a),
            Some(json!({}))
        )
        .await
        .json()["code"],
        "reason_required"
    );
    let revoked = t
        .call(
            "POST",
            &format!("/api/v1/referrals/{r2id}/revoke"),
            Some(&cm_a),
            Some(json!({"reason": "Person moved to another shelter"})),
        )
        .await;
    assert_eq!(revoked.json()["state"], "revoked");
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{id}"), Some(&cm_b), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let stranger = t.login("demo-cm-c").await;
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/referrals/{r2id}"),
            Some(&stranger),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/consents/{consent_id}/withdraw"),
            Some(&stranger),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn search_before_create_shows_own_records_and_only_a_contact_for_others() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    // Some synthetic population for the model to learn from.
    seed_synthetic(&t, 60, 11).await;
    let existing = t.create(&cm_a, json!({"names": [{"value": "Phạm Thị Xuân Quỳnh"}], "sex": "female", "birth_date": {"kind": "exact", "date": "1994-03-12"}, "nationalities": ["VNM"]})).await;
    let query = json!({"person": {"names": [{"value": "Pham Thi Xuan Quynh"}], "sex": "female", "birth_date": {"kind": "exact", "date": "1994-03-12"}, "nationalities": ["VNM"]}});
    // Organisation A sees its own record.
    let own = t
        .call(
            "POST",
            "/api/v1/cases/duplicates",
            Some(&cm_a),
            Some(query.clone()),
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text());
    assert!(
        own.json()["visible"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["case_id"] == existing["id"]),
        "{}",
        own.text()
    );
    // Organisation B learns only that a possible duplicate exists at A, and whom to call.
    let cm_b = t.login("demo-cm-b").await;
    let other = t
        .call("POST", "/api/v1/cases/duplicates", Some(&cm_b), Some(query))
        .await;
    assert_eq!(other.status, StatusCode::OK);
    let body = other.text();
    assert!(other.json()["visible"].as_array().unwrap().is_empty());
    let elsewhere = &other.json()["elsewhere"][0];
    assert!(
        elsewhere["org_name"]
            .as_str()
            .unwrap()
            .starts_with("Organisation A")
    );
    assert_eq!(elsewhere["focal_point"], "Demo Case Manager (org A)");
    assert!(
        !body.contains("Quỳnh")
            && !body.contains("Quynh")
            && !body.contains(existing["reference"].as_str().unwrap()),
        "{body}"
    );
    // Bad input and roles.
    assert_eq!(
        t.call(
            "POST",
            "/api/v1/cases/duplicates",
            Some(&cm_b),
            Some(json!({"person": {"names": []}}))
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    let analyst = t.login("demo-analyst").await;
    assert_eq!(
        t.call(
            "POST",
            "/api/v1/cases/duplicates",
            Some(&analyst),
            Some(json!({"person": {"names": [{"value": "X"}]}}))
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_referral_inbox_page_accepts_and_declines() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let org_b = t.call("GET", "/api/v1/me", Some(&cm_b), None).await.json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut referral_ids = Vec::new();
    for _ in 0..2 {
        let id = t.create(&cm_a, vietnamese()).await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        t.call("POST", &format!("/api/v1/cases/{id}/consents"), Some(&cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": ["health"]}))).await;
        let r = t
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/referrals"),
                Some(&cm_a),
                Some(
                    json!({"to_org_id": org_b, "service": "health care", "categories": ["health"]}),
                ),
            )
            .await;
        referral_ids.push(r.json()["id"].as_str().unwrap().to_owned());
    }
    let (cookie, csrf) = page_login(&t, "demo-cm-b").await;
    let inbox = t
        .send(
            Request::builder()
                .uri("/referrals")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert_eq!(inbox.text().matches("data-state=\"pending\"").count(), 2);
    assert!(
        !inbox.text().contains("Hoa"),
        "the inbox shows no personal data"
    );
    let accepted = page_post(
        &t,
        &cookie,
        &format!("/referrals/{}/accept", referral_ids[0]),
        format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(accepted.status, StatusCode::SEE_OTHER);
    let forged = page_post(
        &t,
        &cookie,
        &format!("/referrals/{}/decline", referral_ids[1]),
        "csrf=forged&reason=full".into(),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let declined = page_post(
        &t,
        &cookie,
        &format!("/referrals/{}/decline", referral_ids[1]),
        format!("csrf={csrf}&reason=No+beds+tonight"),
    )
    .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/referrals/{}", referral_ids[0]),
            Some(&cm_a),
            None
        )
        .await
        .json()["state"],
        "accepted"
    );
    let declined = t
        .call(
            "GET",
            &format!("/api/v1/referrals/{}", referral_ids[1]),
            Some(&cm_a),
            None,
        )
        .await
        .json();
    assert_eq!(declined["state"], "declined");
    assert_eq!(declined["reason"], "No beds tonight");
    let outbox = t
        .send(
            Request::builder()
                .uri("/referrals?box=outbox")
                .header(header::COOKIE, &cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert!(outbox.text().contains("no-referrals"));
}

#[tokio::test]
async fn every_json_endpoint_refuses_bad_bodies_with_a_code() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let admin = t.login("demo-admin").await;
    let id = t.create(&cm, vietnamese()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let some = "00000000-0000-4000-8000-000000000001";
    let endpoints: Vec<(&str, String, Option<&str>)> = vec![
        ("POST", "/api/v1/auth/login".into(), None),
        ("POST", "/api/v1/orgs".into(), Some(&admin)),
        ("POST", "/api/v1/users".into(), Some(&admin)),
        ("POST", "/api/v1/cases".into(), Some(&cm)),
        ("POST", "/api/v1/cases/search".into(), Some(&cm)),
        ("POST", "/api/v1/cases/duplicates".into(), Some(&cm)),
        ("PATCH", format!("/api/v1/cases/{id}"), Some(&cm)),
        (
            "POST",
            format!("/api/v1/cases/{id}/break-glass"),
            Some(&admin),
        ),
        ("POST", "/api/v1/screenings/evaluate".into(), None),
        ("POST", "/api/v1/screenings".into(), Some(&cm)),
        (
            "POST",
            format!("/api/v1/screenings/{some}/refer"),
            Some(&cm),
        ),
        ("POST", format!("/api/v1/cases/{id}/decisions"), Some(&cm)),
        (
            "POST",
            format!("/api/v1/cases/{id}/reconsideration"),
            Some(&cm),
        ),
        ("POST", format!("/api/v1/cases/{id}/consents"), Some(&cm)),
        ("POST", format!("/api/v1/cases/{id}/referrals"), Some(&cm)),
        (
            "POST",
            format!("/api/v1/referrals/{some}/decline"),
            Some(&cm),
        ),
    ];
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(1_100_000));
    let bodies: [(&[u8], &str); 4] = [
        (b"{,", "malformed_json"),
        (b"{\"zzz_unknown\": 1}", "unknown_field"),
        (b"[1, 2, 3]", ""),
        (big.as_bytes(), "body_too_large"),
    ];
    for (method, path, token) in &endpoints {
        for (body, code) in &bodies {
            let mut b = Request::builder()
                .method(*method)
                .uri(path.as_str())
                .header(header::CONTENT_TYPE, "application/json");
            if let Some(tok) = token {
                b = b.header(header::AUTHORIZATION, format!("Bearer {tok}"));
            }
            let a = t.send(b.body(Body::from(body.to_vec())).unwrap()).await;
            assert_eq!(
                a.status,
                StatusCode::BAD_REQUEST,
                "{method} {path}: {}",
                a.text().chars().take(200).collect::<String>()
            );
            let j = a.json();
            assert!(
                j["code"].is_string() && !j["message"].as_str().unwrap().is_empty(),
                "{method} {path}"
            );
            if !code.is_empty() {
                assert_eq!(j["code"], *code, "{method} {path}");
            }
        }
    }
    // Nothing was created or changed.
    let case = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&cm), None)
        .await
        .json();
    assert_eq!(case["version"], 1);
    assert_eq!(
        t.call(
            "GET",
            &format!("/api/v1/cases/{id}/consents"),
            Some(&cm),
            None
        )
        .await
        .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        t.call("GET", "/api/v1/orgs", Some(&cm), None).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
}

// ---------- case work: lifecycle, approvals, needs, care plan, reviews ----------

async fn status(t: &TestApp, id: &str, tok: &str) -> Value {
    t.call("GET", &format!("/api/v1/cases/{id}"), Some(tok), None)
        .await
        .json()["status"]
        .clone()
}

async fn work_of(t: &TestApp, tok: &str) -> Value {
    t.call("GET", "/api/v1/work", Some(tok), None).await.json()
}

async fn synthetic_case(t: &TestApp, token: &str) -> (String, String) {
    let c = t
        .create(
            token,
            json!({"names": [{"value": "Thida Lwin Oo", "script": "Latn"}], "display_name": "Thida Lwin Oo", "sex": "female", "gender_identity": "woman"}),
        )
        .await;
    (
        c["id"].as_str().unwrap().to_owned(),
        c["reference"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn the_lifecycle_is_enforced_recorded_and_shown_as_a_timeline() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let other = t.login("demo-cm-b").await;
    let analyst = t.login("demo-analyst").await;
    let (id, _) = synthetic_case(&t, &cm).await;

    // A case cannot be opened further down the path, nor skip a stage.
    let skipped = t.call("POST", "/api/v1/cases", Some(&cm), Some(json!({"person": {"names": [{"value": "Synthetic Skip", "script": "Latn"}], "display_name": "Synthetic Skip", "sex": "female", "gender_identity": "woman"}, "status": "identified"}))).await;
    assert_eq!(
        skipped.status,
        StatusCode::BAD_REQUEST,
        "{}",
        skipped.text()
    );
    assert_eq!(skipped.json()["code"], "initial_status_not_allowed");
    let patch = t
        .call(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            Some(&cm),
            Some(json!({"status": "identified"})),
        )
        .await;
    assert_eq!(patch.status, StatusCode::CONFLICT, "{}", patch.text());
    assert_eq!(patch.json()["code"], "transition_not_allowed");
    assert_eq!(status(&t, &id, &cm).await, "referred");

    // "Presumed victim" follows only from a reasonable-grounds decision.
    let refused = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/transitions"),
            Some(&cm),
            Some(json!({"to": "presumed_victim"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
    assert_eq!(
        refused.json()["code"],
        "reasonable_grounds_decision_required"
    );
    // A case opened as a presumed victim walks on along the usual path.
    let opened = t.call("POST", "/api/v1/cases", Some(&cm), Some(json!({"person": {"names": [{"value": "Synthetic Presumed", "script": "Latn"}], "display_name": "Synthetic Presumed", "sex": "female", "gender_identity": "woman"}, "status": "presumed_victim"}))).await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text());
    let id = opened.json()["id"].as_str().unwrap().to_owned();
    let tr = format!("/api/v1/cases/{id}/transitions");
    let moved = t
        .call("POST", &tr, Some(&cm), Some(json!({"to": "in_protection"})))
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());
    let w = moved.json();
    assert_eq!(w["status"], "in_protection");
    assert_eq!(w["timeline"][0]["from_status"], "presumed_victim");
    assert_eq!(w["timeline"][0]["to_status"], "in_protection");
    assert_eq!(w["timeline"][0]["by"], "Demo Case Manager (org A)");
    // Identification is a decision, not a next step on a status form.
    assert_eq!(w["next_statuses"], json!(["closed"]));

    // Others are refused: another organisation sees nothing, an analyst no case.
    let hidden = t
        .call(
            "POST",
            &tr,
            Some(&other),
            Some(json!({"to": "in_protection"})),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let analyst_try = t
        .call("POST", &tr, Some(&analyst), Some(json!({"to": "closed"})))
        .await;
    assert!(matches!(
        analyst_try.status,
        StatusCode::NOT_FOUND | StatusCode::FORBIDDEN
    ));
    assert_eq!(status(&t, &id, &cm).await, "in_protection");

    // Closing needs a reason and an approved closure.
    let no_reason = t
        .call("POST", &tr, Some(&cm), Some(json!({"to": "closed"})))
        .await;
    assert_eq!(no_reason.json()["code"], "reason_required");
    let no_approval = t
        .call(
            "POST",
            &tr,
            Some(&cm),
            Some(json!({"to": "closed", "reason": "The person chose to return home on her own."})),
        )
        .await;
    assert_eq!(no_approval.status, StatusCode::CONFLICT);
    assert_eq!(no_approval.json()["code"], "closure_approval_required");

    let asked = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/approvals"),
            Some(&cm),
            Some(json!({"subject": "closure"})),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
    let approval = asked.json()["approvals"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let again = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/approvals"),
            Some(&cm),
            Some(json!({"subject": "closure"})),
        )
        .await;
    assert_eq!(again.json()["code"], "approval_already_requested");
    // The coordinator was told, and sees it waiting.
    let work = t
        .call("GET", "/api/v1/work", Some(&coord), None)
        .await
        .json();
    assert!(
        work["approvals_waiting"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["approval_id"] == approval.as_str())
    );
    let kinds: Vec<String> = t
        .call("GET", "/api/v1/notifications", Some(&coord), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        kinds.contains(&"approval_requested".to_owned()),
        "{kinds:?}"
    );
    let told = t
        .call("GET", "/api/v1/notifications", Some(&coord), None)
        .await
        .json();
    assert!(
        told["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["kind"] == "approval_requested"
                && !n["message"].as_str().unwrap().contains('_')),
        "{told}"
    );
    // The case manager cannot approve; returning needs a comment.
    let own = t
        .call(
            "POST",
            &format!("/api/v1/approvals/{approval}/approve"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN, "{}", own.text());
    let bare = t
        .call(
            "POST",
            &format!("/api/v1/approvals/{approval}/return"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(bare.json()["code"], "comment_required");
    let returned = t
        .call(
            "POST",
            &format!("/api/v1/approvals/{approval}/return"),
            Some(&coord),
            Some(json!({"comment": "Record the follow-up plan first."})),
        )
        .await;
    assert_eq!(returned.status, StatusCode::OK, "{}", returned.text());
    assert_eq!(returned.json()["approvals"][0]["state"], "returned");
    let round2 = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/approvals"),
            Some(&cm),
            Some(json!({"subject": "closure"})),
        )
        .await;
    assert_eq!(round2.json()["approvals"][0]["round"], 2);
    let ok = t
        .call(
            "POST",
            &format!("/api/v1/approvals/{approval}/approve"),
            Some(&coord),
            Some(json!({"comment": "Agreed."})),
        )
        .await;
    assert_eq!(ok.json()["approvals"][0]["state"], "approved");

    let closed = t
        .call(
            "POST",
            &tr,
            Some(&cm),
            Some(json!({"to": "closed", "reason": "The person chose to return home on her own."})),
        )
        .await;
    assert_eq!(closed.status, StatusCode::CREATED, "{}", closed.text());
    assert_eq!(status(&t, &id, &cm).await, "closed");
    // Re-opening needs a reason; closing again needs a new approval.
    let reopen = t
        .call(
            "POST",
            &tr,
            Some(&cm),
            Some(
                json!({"to": "referred", "reason": "She came back after being approached again."}),
            ),
        )
        .await;
    assert_eq!(reopen.status, StatusCode::CREATED, "{}", reopen.text());
    let reclose = t
        .call(
            "POST",
            &tr,
            Some(&cm),
            Some(json!({"to": "closed", "reason": "Closing again."})),
        )
        .await;
    assert_eq!(reclose.json()["code"], "closure_approval_required");
    let w = t
        .call("GET", &format!("/api/v1/cases/{id}/work"), Some(&cm), None)
        .await
        .json();
    let reasons: Vec<&str> = w["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["text"].as_str())
        .collect();
    assert!(
        reasons.contains(&"She came back after being approached again."),
        "{reasons:?}"
    );
    assert!(
        reasons.contains(&"Record the follow-up plan first."),
        "{reasons:?}"
    );

    // The timeline page shows it to the case manager.
    let (cookie, _) = page_login(&t, "demo-cm-a").await;
    let page = page_get(&t, &cookie, &format!("/cases/{id}/work")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text()
            .contains("She came back after being approached again.")
    );
    // The reasons are sealed at rest.
    drop(t.app.store().count_cases().await);
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("approached again"));
    }
}

#[tokio::test]
async fn needs_care_plan_tasks_feedback_and_work_lists() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let other = t.login("demo-cm-b").await;
    let (id, reference) = synthetic_case(&t, &cm).await;

    let bad = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/needs"),
            Some(&cm),
            Some(json!({"domain": "astrology", "priority": "high"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let w = t
        .call("GET", &format!("/api/v1/cases/{id}/work"), Some(&cm), None)
        .await
        .json();
    assert_eq!(w["needs"].as_array().unwrap().len(), 0, "nothing changed");
    assert!(!w["prompts"].as_array().unwrap().is_empty());

    let need = t.call("POST", &format!("/api/v1/cases/{id}/needs"), Some(&cm), Some(json!({"domain": "accommodation", "priority": "high", "persons_view": "Wants-to-stay-near-her-sister-Qzx"}))).await;
    assert_eq!(need.status, StatusCode::CREATED, "{}", need.text());
    let need_id = need.json()["needs"][0]["id"].as_str().unwrap().to_owned();
    let orphan = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/goals"),
            Some(&cm),
            Some(json!({"need_ids": [uuid::Uuid::new_v4()], "description": "Shelter"})),
        )
        .await;
    assert_eq!(orphan.json()["code"], "unknown_need");
    let goal = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/goals"),
            Some(&cm),
            Some(json!({"need_ids": [need_id], "description": "A safe place to stay"})),
        )
        .await;
    assert_eq!(goal.status, StatusCode::CREATED, "{}", goal.text());
    let goal_id = goal.json()["goals"][0]["id"].as_str().unwrap().to_owned();
    let bad_date = t.call("POST", &format!("/api/v1/cases/{id}/tasks"), Some(&cm), Some(json!({"goal_id": goal_id, "description": "Call the shelter", "due_on": "2026-02-30"}))).await;
    assert_eq!(bad_date.status, StatusCode::BAD_REQUEST);
    let stranger = t.call("POST", &format!("/api/v1/cases/{id}/tasks"), Some(&cm), Some(json!({"goal_id": goal_id, "description": "Call the shelter", "due_on": "2026-01-05", "assigned_to": t.app.store().user_by_username("demo-cm-b").await.unwrap().unwrap().id.0}))).await;
    assert_eq!(stranger.json()["code"], "invalid_assignee");
    let task = t.call("POST", &format!("/api/v1/cases/{id}/tasks"), Some(&cm), Some(json!({"goal_id": goal_id, "description": "Call the shelter", "due_on": "2026-01-05"}))).await;
    assert_eq!(task.status, StatusCode::CREATED, "{}", task.text());
    let task_id = task.json()["tasks"][0]["id"].as_str().unwrap().to_owned();
    assert_eq!(task.json()["tasks"][0]["overdue"], true);

    // Overdue tasks on the case manager's and the coordinator's pages, not elsewhere.
    for tok in [&cm, &coord] {
        let w = work_of(&t, tok).await;
        assert!(
            w["overdue_tasks"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["reference"] == reference.as_str()),
            "{w}"
        );
    }
    assert!(
        work_of(&t, &other).await["overdue_tasks"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    assert!(
        page_get(&t, &cookie, "/work")
            .await
            .text()
            .contains(&reference)
    );

    // "Task due" is told once.
    assert_eq!(t.app.notify_due_tasks().await.unwrap(), 1);
    assert_eq!(t.app.notify_due_tasks().await.unwrap(), 0);
    let kinds: Vec<String> = t
        .call("GET", "/api/v1/notifications", Some(&cm), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"task_due".to_owned()), "{kinds:?}");

    let done = t
        .call(
            "POST",
            &format!("/api/v1/tasks/{task_id}/done"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());
    assert!(done.json()["tasks"][0]["done_on"].is_string());
    assert!(
        work_of(&t, &cm).await["overdue_tasks"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let twice = t
        .call(
            "POST",
            &format!("/api/v1/tasks/{task_id}/done"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(twice.json()["code"], "task_closed");
    let hidden = t
        .call(
            "POST",
            &format!("/api/v1/tasks/{task_id}/cancel"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);

    // Need status follows the person's choice.
    let declined = t
        .call(
            "PATCH",
            &format!("/api/v1/needs/{need_id}"),
            Some(&cm),
            Some(json!({"status": "declined"})),
        )
        .await;
    assert_eq!(declined.json()["needs"][0]["status"], "declined");

    // A change by someone other than the case manager is notified to them.
    let patched = t
        .call(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            Some(&coord),
            Some(json!({"notes": "Coordinator note (synthetic)"})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text());
    let kinds: Vec<String> = t
        .call("GET", "/api/v1/notifications", Some(&cm), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"case_changed".to_owned()), "{kinds:?}");

    // Feedback per provider: counted, never broken down below three answers.
    let b = org_id(&t, &cm, "Organisation B").await;
    for (i, rating) in ["helped_a_lot", "helped_a_lot", "did_not_help"]
        .iter()
        .enumerate()
    {
        let f = t.call("POST", &format!("/api/v1/cases/{id}/feedback"), Some(&cm), Some(json!({"provider_org_id": b, "service": "shelter", "rating": rating, "comment": "ရေချိုးခန်း သန့်ရှင်းတယ်", "language": "my"}))).await;
        assert_eq!(f.status, StatusCode::CREATED, "{}", f.text());
        let report = t
            .call("GET", "/api/v1/feedback/providers", Some(&coord), None)
            .await
            .json();
        let row = report["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["org_id"] == b.as_str())
            .unwrap()
            .clone();
        assert_eq!(row["suppressed"], i < 2, "{row}");
        assert!(
            !report.to_string().contains("ရေချိုးခန်း"),
            "no comment in the report"
        );
    }
    let report = t
        .call("GET", "/api/v1/feedback/providers", Some(&coord), None)
        .await
        .json();
    let row = report["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["org_id"] == b.as_str())
        .unwrap()
        .clone();
    assert_eq!(
        (row["helped_a_lot"].as_u64(), row["did_not_help"].as_u64()),
        (Some(2), Some(1))
    );

    // A review, recorded by the coordinator, lands on the timeline.
    let review = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/reviews"),
            Some(&coord),
            Some(json!({"notes": "Interagency review: on track."})),
        )
        .await;
    assert_eq!(review.status, StatusCode::CREATED, "{}", review.text());
    assert!(review.json()["last_review_on"].is_string());
    assert_eq!(
        t.call("GET", "/api/v1/reviews", Some(&cm), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The person's own words are never in a database file in clear.
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("Wants-to-stay-near-her-sister-Qzx"));
    }
}

#[tokio::test]
async fn case_work_and_sharing_pages_need_the_csrf_token() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let (id, _) = synthetic_case(&t, &cm).await;
    let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
    for path in [
        format!("/cases/{id}/work"),
        format!("/cases/{id}/sharing"),
        "/work".into(),
    ] {
        let page = page_get(&t, &cookie, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text());
    }
    let forged = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/need"),
        "csrf=wrong&domain=accommodation&priority=high".into(),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let ok = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/need"),
        format!("csrf={csrf}&domain=accommodation&priority=high&beneficiary=person&persons_view="),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    let moved = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/status"),
        format!("csrf={csrf}&to=presumed_victim&reason="),
    )
    .await;
    // Presumed victim is a decision's result, never a status form's.
    assert_eq!(moved.status, StatusCode::CONFLICT, "{}", moved.text());
    assert!(moved.text().contains("reasonable-grounds decision"));
    let skip = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/work/status"),
        format!("csrf={csrf}&to=follow_up&reason="),
    )
    .await;
    assert_eq!(skip.status, StatusCode::CONFLICT);
    // Consent then referral from the sharing page.
    let b = org_id(&t, &cm, "Organisation B").await;
    let refused = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/sharing/referral"),
        format!("csrf={csrf}&to_org_id={b}&service=shelter&categories=health&urgency=routine"),
    )
    .await;
    assert_eq!(
        refused.status,
        StatusCode::FORBIDDEN,
        "no consent yet: {}",
        refused.text()
    );
    let consent = page_post(&t, &cookie, &format!("/cases/{id}/sharing/consent"), format!("csrf={csrf}&purpose=service_referral&recipient_org_id={b}&categories=health&categories=accommodation&explained_in_language=my&interpreter=on")).await;
    assert_eq!(consent.status, StatusCode::SEE_OTHER, "{}", consent.text());
    let sent = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/sharing/referral"),
        format!("csrf={csrf}&to_org_id={b}&service=shelter&categories=health&urgency=routine"),
    )
    .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.text());
    let refs = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/referrals"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert_eq!(refs["items"][0]["state"], "pending");
    // A child's consent needs the guardian's (or a best-interests determination).
    let child = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/sharing/consent"),
        format!("csrf={csrf}&purpose=family_contact&categories=family&explained_in_language=my&person_is_child=on&guardian="),
    )
    .await;
    assert_eq!(child.status, StatusCode::BAD_REQUEST, "{}", child.text());
    assert!(child.text().contains("guardian"), "{}", child.text());
    let with_guardian = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/sharing/consent"),
        format!("csrf={csrf}&purpose=family_contact&categories=family&explained_in_language=my&person_is_child=on&guardian=given&guardian_language=my"),
    )
    .await;
    assert_eq!(
        with_guardian.status,
        StatusCode::SEE_OTHER,
        "{}",
        with_guardian.text()
    );
    // The receiver is told of nothing personal; the sender learns the answer.
    let referral = refs["items"][0]["id"].as_str().unwrap().to_owned();
    let b_token = t.login("demo-cm-b").await;
    let declined = t
        .call(
            "POST",
            &format!("/api/v1/referrals/{referral}/decline"),
            Some(&b_token),
            Some(json!({"reason": "No bed free; Declined-because-Qzv-is-full"})),
        )
        .await;
    assert_eq!(declined.status, StatusCode::OK, "{}", declined.text());
    let kinds: Vec<String> = t
        .call("GET", "/api/v1/notifications", Some(&cm), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"referral_answered".to_owned()), "{kinds:?}");
    // In words: the case, the organisation, what happened; no id, no reason.
    let told = t
        .call("GET", "/api/v1/notifications", Some(&cm), None)
        .await
        .json();
    let answered = told["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "referral_answered")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        answered.starts_with("The referral of case SP-"),
        "{answered}"
    );
    assert!(
        answered.contains(" to Organisation B") && answered.ends_with(" is now declined."),
        "{answered}"
    );
    assert!(!answered.contains(&referral[..8]) && !answered.contains("Qzv"));
    // Reasons and the consent's details are sealed at rest.
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("Declined-because-Qzv"), "reason in clear");
        assert!(
            !text.contains("\"explained_in_language\""),
            "consent record in clear"
        );
    }
}

#[tokio::test]
async fn the_demo_shows_every_stage_pending_referrals_overdue_tasks_and_a_review_queue() {
    let t = spawn_demo_app(60).await;
    let coord = t.login("demo-coordinator").await;
    let w = t
        .call("GET", "/api/v1/work", Some(&coord), None)
        .await
        .json();
    assert!(!w["overdue_tasks"].as_array().unwrap().is_empty(), "{w}");
    assert!(
        !w["approvals_waiting"].as_array().unwrap().is_empty(),
        "{w}"
    );
    assert!(!w["review_queue"].as_array().unwrap().is_empty(), "{w}");
    // The queue says what changed since the last review (counts, no names).
    let changes: Vec<String> = w["review_queue"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| {
            r["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
        })
        .collect();
    assert!(
        changes.iter().any(|c| c.ends_with("overdue tasks")),
        "{changes:?}"
    );
    assert!(
        changes
            .iter()
            .any(|c| c.ends_with("needs recorded or updated")),
        "{changes:?}"
    );
    // The coordinator's page shows the flagged shelter stay too.
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let page = page_get(&t, &cookie, "/work").await.text();
    assert!(
        page.contains("class=\"detention warning\""),
        "a possible detention on the coordinator's page"
    );
    let b = t.login("demo-cm-b").await;
    let inbox = t
        .call("GET", "/api/v1/referrals", Some(&b), None)
        .await
        .json();
    let states: Vec<&str> = inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["state"].as_str().unwrap())
        .collect();
    assert!(
        states.contains(&"pending") && states.contains(&"accepted"),
        "{states:?}"
    );
    let mut seen = std::collections::BTreeSet::new();
    for u in ["demo-cm-a", "demo-cm-b", "demo-cm-c", "demo-coordinator"] {
        let tok = t.login(u).await;
        for c in t
            .call("GET", "/api/v1/cases?per_page=100", Some(&tok), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
        {
            seen.insert(c["status"].as_str().unwrap().to_owned());
        }
    }
    assert_eq!(seen.len(), 10, "{seen:?}");
}

#[tokio::test]
async fn assignment_repatriation_safeguards_and_feedback_input_are_checked() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let other = t.login("demo-cm-b").await;
    let (id, _) = synthetic_case(&t, &cm).await;
    let coordinator_id = t.call("GET", "/api/v1/me", Some(&coord), None).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let assign = format!("/api/v1/cases/{id}/assignment");

    // Assignment: a note is required, another organisation sees nothing,
    // the new case manager is told, the timeline keeps the note.
    let no_note = t
        .call(
            "POST",
            &assign,
            Some(&coord),
            Some(json!({"case_manager_id": coordinator_id, "note": " "})),
        )
        .await;
    assert_eq!(
        no_note.status,
        StatusCode::BAD_REQUEST,
        "{}",
        no_note.text()
    );
    let hidden = t
        .call(
            "POST",
            &assign,
            Some(&other),
            Some(json!({"case_manager_id": coordinator_id, "note": "Take it."})),
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let stranger = t
        .app
        .store()
        .user_by_username("demo-cm-b")
        .await
        .unwrap()
        .unwrap()
        .id
        .0;
    let wrong = t
        .call(
            "POST",
            &assign,
            Some(&coord),
            Some(json!({"case_manager_id": stranger, "note": "Take it."})),
        )
        .await;
    assert_eq!(wrong.json()["code"], "invalid_case_manager");
    let handed = t
        .call("POST", &assign, Some(&cm), Some(json!({"case_manager_id": coordinator_id, "note": "On leave from Monday; she prefers calls in the morning."})))
        .await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.text());
    assert_eq!(handed.json()["case_manager_id"], coordinator_id.as_str());
    // The former case manager no longer sees the case; the timeline keeps the note.
    let gone = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&cm), None)
        .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let w = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/work"),
            Some(&coord),
            None,
        )
        .await
        .json();
    assert!(
        w["timeline"][0]["what"]
            .as_str()
            .unwrap()
            .starts_with("assigned to"),
        "{w}"
    );
    assert_eq!(
        w["timeline"][0]["text"],
        "On leave from Monday; she prefers calls in the morning."
    );
    let again = t
        .call(
            "POST",
            &assign,
            Some(&coord),
            Some(json!({"case_manager_id": coordinator_id, "note": "Again."})),
        )
        .await;
    assert_eq!(again.json()["code"], "already_assigned");
    let kinds: Vec<String> = t
        .call("GET", "/api/v1/notifications", Some(&coord), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_owned())
        .collect();
    assert!(kinds.contains(&"case_assigned".to_owned()), "{kinds:?}");

    // Repatriation is never a deportation: it needs a security assessment.
    let tr = format!("/api/v1/cases/{id}/transitions");
    // Identification is decided, not walked: reasonable grounds, then the
    // conclusive decision, each recorded by the authorised decision-maker.
    let decide = format!("/api/v1/cases/{id}/decisions");
    for (stage, outcome) in [
        ("reasonable_grounds", "presumed_victim"),
        ("conclusive", "identified"),
    ] {
        let a = t
            .call("POST", &decide, Some(&coord), Some(json!({"stage": stage, "outcome": outcome, "reasons": "Synthetic reasons, long enough to record.", "letter_addressee": "person"})))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{stage}: {}", a.text());
    }
    let a = t
        .call(
            "POST",
            &tr,
            Some(&coord),
            Some(json!({"to": "solution_planning"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let refused = t
        .call(
            "POST",
            &tr,
            Some(&coord),
            Some(json!({"to": "repatriation_in_progress"})),
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(refused.json()["code"], "security_assessment_required");
    let assessed = t
        .call("POST", &format!("/api/v1/cases/{id}/assessments"), Some(&coord), Some(json!({"kind": "security_assessment", "summary": "Home district safe; family supportive (synthetic)."})))
        .await;
    assert_eq!(assessed.status, StatusCode::CREATED, "{}", assessed.text());
    let moved = t
        .call(
            "POST",
            &tr,
            Some(&coord),
            Some(json!({"to": "repatriation_in_progress"})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());

    // Feedback: a language tag and a known provider are required; nothing is stored otherwise.
    let b = org_id(&t, &coord, "Organisation B").await;
    for body in [
        json!({"provider_org_id": b, "service": "shelter", "rating": "helped_a_lot", "language": "not a tag"}),
        json!({"provider_org_id": uuid::Uuid::new_v4(), "service": "shelter", "rating": "helped_a_lot", "language": "my"}),
        json!({"provider_org_id": b, "service": "shelter", "rating": "wonderful", "language": "my"}),
    ] {
        let a = t
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/feedback"),
                Some(&coord),
                Some(body),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
    }
    let w = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/work"),
            Some(&coord),
            None,
        )
        .await
        .json();
    assert!(w["feedback"].as_array().unwrap().is_empty());
    // Unknown actions on approvals and tasks are 404, not a guess.
    let bogus = t
        .call(
            "POST",
            &format!("/api/v1/approvals/{}/maybe", uuid::Uuid::new_v4()),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(bogus.status, StatusCode::NOT_FOUND);
}

// --- durable solutions: cross-border handover ---

/// The inbox contract: only a message sealed by a registered partner is
/// accepted; garbage, unsealed JSON, a replay and a stranger's message get a
/// 4xx JSON error and change nothing. Documented in the OpenAPI.
#[tokio::test]
async fn handover_inbox_accepts_only_sealed_messages_from_partners() {
    use safepath_app::admin::Operator;
    use safepath_crypto::handover::{DeploymentIdentity, Outgoing, seal};
    let t = spawn_app().await;
    let me = t.app.handover_identity().unwrap();
    let partner = DeploymentIdentity::generate();
    let stranger = DeploymentIdentity::generate();
    let p = partner.public();
    t.app
        .register_handover_partner(
            Operator::Cli("test"),
            "Partner deployment",
            &p.signing_key_base64(),
            &p.encryption_key_base64(),
            &partner.fingerprint().to_hex(),
            None,
            None,
        )
        .await
        .unwrap();
    let post = |body: Vec<u8>| {
        Request::builder()
            .method("POST")
            .uri("/api/v1/handover/inbox")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body))
            .unwrap()
    };
    let sealed = |from: &DeploymentIdentity, seq: u64| {
        seal(
            from,
            me.public(),
            Outgoing {
                handover_id: "0d9e8f7a-6b5c-4d3e-9f2a-1b0c9d8e7f6a",
                sequence: seq,
                now: time::OffsetDateTime::now_utc().unix_timestamp(),
                lifetime_secs: 3600,
                payload: json!({"type": "request", "consent": "00000000-0000-0000-0000-000000000002",
                    "categories": ["identity"], "person_is_child": false}),
            },
        )
        .unwrap()
        .to_json()
        .into_bytes()
    };
    for (body, status, code) in [
        (
            b"not json at all".to_vec(),
            StatusCode::BAD_REQUEST,
            "handover_message_malformed",
        ),
        (
            br#"{"type": "request", "categories": ["identity"]}"#.to_vec(),
            StatusCode::BAD_REQUEST,
            "handover_message_malformed",
        ),
        (
            sealed(&stranger, 1),
            StatusCode::FORBIDDEN,
            "handover_unknown_sender",
        ),
    ] {
        let a = t.send(post(body)).await;
        assert_eq!(a.status, status, "{}", a.text());
        assert_eq!(a.json()["code"], code);
    }
    let first = sealed(&partner, 1);
    let a = t.send(post(first.clone())).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.json()["state"], "requested");
    // The same envelope: the same receipt; a new envelope reusing the number: a replay.
    let again = t.send(post(first)).await;
    assert_eq!(again.json()["duplicate"], true);
    let replay = t.send(post(sealed(&partner, 1))).await;
    assert_eq!(replay.status, StatusCode::CONFLICT);
    assert_eq!(replay.json()["code"], "handover_message_replayed");
    // Nothing of the handover in the answer's headers; documented in the spec.
    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    assert!(spec["paths"]["/api/v1/handover/inbox"]["post"].is_object());
    assert!(spec["components"]["schemas"]["HandoverReceipt"].is_object());
}

/// Issue 14: an exact namesake of the same sex and nationality, with no birth
/// date on either side, was "no likely existing record" in a registry of
/// hundreds; it must at least be "possible".
#[tokio::test]
async fn a_namesake_of_the_same_sex_and_nationality_is_at_least_possible() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    seed_synthetic(&t, 300, 17).await;
    let person = json!({"names": [{"value": "Siriporn Kaewmanee"}], "sex": "female", "nationalities": ["THA"]});
    let existing = t.create(&cm_a, person.clone()).await;
    let hits = |v: &Value| -> Vec<Value> { v["visible"].as_array().unwrap().clone() };
    let same = t
        .call(
            "POST",
            "/api/v1/cases/duplicates",
            Some(&cm_a),
            Some(json!({"person": person})),
        )
        .await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text());
    let found = hits(&same.json());
    let hit = found
        .iter()
        .find(|h| h["case_id"] == existing["id"])
        .unwrap_or_else(|| panic!("the namesake is not shown: {}", same.text()));
    assert!(matches!(hit["band"].as_str(), Some("possible" | "likely")));
    // The parts in the other order are the same name.
    let reordered = json!({"person": {"names": [{"value": "KAEWMANEE Siriporn"}], "sex": "female", "nationalities": ["THA"]}});
    let a = t
        .call(
            "POST",
            "/api/v1/cases/duplicates",
            Some(&cm_a),
            Some(reordered),
        )
        .await;
    assert!(
        hits(&a.json())
            .iter()
            .any(|h| h["case_id"] == existing["id"]),
        "{}",
        a.text()
    );
    // Another sex is not the floor's business.
    let male = json!({"person": {"names": [{"value": "Siriporn Kaewmanee"}], "sex": "male", "nationalities": ["THA"]}});
    let a = t
        .call("POST", "/api/v1/cases/duplicates", Some(&cm_a), Some(male))
        .await;
    assert_eq!(a.status, StatusCode::OK);
}
