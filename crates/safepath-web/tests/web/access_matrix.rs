//! The access matrix, derived instead of remembered. Every operation of the
//! OpenAPI document, and every page route written in the router's source, is
//! called by users who have no relation to a case; each must answer exactly
//! as it answers for a case that does not exist (same status, same body), and
//! never show the person's name. A new endpoint is covered the day it is
//! added: the walk reads the spec and the source, not a list kept by hand.
//! A route under `/api/v1` missing from the OpenAPI document fails too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use axum::http::StatusCode;
use serde_json::json;

const NAME: &str = "Zqxvmatrix Wunderperson";

/// Users with no relation to a case of organisation A managed by demo-cm-a.
const UNRELATED: [&str; 7] = [
    "demo-responder",
    "demo-cm-b",
    "demo-provider",
    "demo-cm-c",
    "demo-partner",
    "demo-analyst",
    "demo-admin",
];

/// The string literal that follows each `.route(` in the crate's sources.
fn source_routes() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/src");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (i, _) in text.match_indices(".route(") {
            let rest = text[i + 7..].trim_start();
            if let Some(lit) = rest.strip_prefix('"') {
                out.push(lit[..lit.find('"').unwrap()].to_owned());
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Records that hang off a case and have paths of their own
/// (`/api/v1/<kind>/{id}…`), by kind: the case's record of that kind.
type Records = std::collections::HashMap<&'static str, String>;

/// `/api/v1/referrals/{id}/accept` with the record of its kind, or a path
/// that names nothing.
fn fill_record(path: &str, records: &Records, missing: bool) -> String {
    let kind = path
        .strip_prefix("/api/v1/")
        .and_then(|p| p.split('/').next())
        .unwrap_or_default();
    let id = match records.get(kind) {
        Some(id) if !missing => id.clone(),
        _ => "00000000-0000-4000-8000-00000000abcd".to_owned(),
    };
    fill(&path.replacen("{id}", &id, 1), "")
}

/// A concrete path: `{id}` of a case route is the case, every other
/// parameter something that names nothing.
fn fill(path: &str, case: &str) -> String {
    let mut out = String::new();
    let mut rest = path;
    let mut first = true;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').unwrap() + open;
        let name = &rest[open + 1..close];
        let case_param = first && name == "id" && out.ends_with("/cases/");
        out.push_str(if case_param {
            case
        } else if name == "action" {
            "accept"
        } else {
            "00000000-0000-4000-8000-000000000001"
        });
        first = false;
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn is_case_scoped(path: &str) -> bool {
    path.starts_with("/api/v1/cases/{id}") || path.starts_with("/cases/{id}")
}

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document() {
    let t = spawn_app().await;
    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths = spec["paths"].as_object().unwrap();
    let missing: Vec<String> = source_routes()
        .into_iter()
        .filter(|r| r.starts_with("/api/v1/") && r != "/api/v1/openapi.json")
        .filter(|r| !paths.contains_key(r))
        .collect();
    assert!(missing.is_empty(), "undocumented API routes: {missing:?}");
}

#[tokio::test]
async fn unrelated_users_get_exactly_the_missing_case_answer_everywhere() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = t
        .create(
            &cm,
            json!({"names": [{"value": NAME, "script": "Latn"}], "sex": "female",
                   "contact": {"phone": "+66 000 4242"}}),
        )
        .await;
    let id = case["id"].as_str().unwrap().to_owned();
    let missing = "00000000-0000-4000-8000-00000000abcd";
    let version = case["version"].clone();

    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    let mut operations: Vec<(String, String)> = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "post", "patch", "put", "delete"] {
            if item.get(method).is_some() && is_case_scoped(path) {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(operations.len() >= 20, "{operations:?}");

    let mut checked = 0;
    for user in UNRELATED {
        let token = t.login(user).await;
        for (method, path) in &operations {
            if user == "demo-admin" && path.ends_with("/break-glass") {
                continue; // the policy's one exception, tested on its own
            }
            let body = (method != "GET").then(|| json!({}));
            let a = t
                .call(method, &fill(path, &id), Some(&token), body.clone())
                .await;
            let b = t
                .call(method, &fill(path, missing), Some(&token), body)
                .await;
            assert!(
                !a.status.is_success(),
                "{user} {method} {path}: {}",
                a.status
            );
            assert_eq!(
                (a.status, a.text()),
                (b.status, b.text()),
                "{user} {method} {path}: the answer tells an existing case from a missing one"
            );
            assert!(!a.text().contains("Zqxvmatrix"), "{user} {method} {path}");
            checked += 1;
        }
    }
    // Nobody of them changed anything.
    let after = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&cm), None)
        .await
        .json();
    assert_eq!(after["version"], version);
    assert!(checked > 100, "{checked}");
}

#[tokio::test]
async fn every_protected_operation_needs_a_token() {
    let t = spawn_app().await;
    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for method in ["get", "post", "patch", "put", "delete"] {
            let Some(op) = item.get(method) else { continue };
            // Operations without a security requirement are public (sign-in,
            // the screening instrument, a partner deployment's inbox).
            if op["security"].as_array().is_none_or(|s| s.is_empty()) {
                continue;
            }
            let a = t
                .call(
                    &method.to_uppercase(),
                    &fill(path, "00000000-0000-4000-8000-00000000abcd"),
                    None,
                    (method != "get").then(|| json!({})),
                )
                .await;
            assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{method} {path}");
            assert_eq!(a.json()["code"], "unauthorized", "{method} {path}");
            let documented = op["responses"].get("401").is_some();
            assert!(
                documented,
                "{method} {path}: 401 is not in the OpenAPI document"
            );
            checked += 1;
        }
    }
    assert!(checked > 30, "{checked}");
}

#[tokio::test]
async fn pages_of_a_case_look_missing_to_unrelated_users() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let id = t
        .create(&cm, json!({"names": [{"value": NAME, "script": "Latn"}]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let missing = "00000000-0000-4000-8000-00000000abcd";
    let pages: Vec<String> = source_routes()
        .into_iter()
        .filter(|r| is_case_scoped(r))
        .collect();
    assert!(pages.len() >= 6, "{pages:?}");
    for user in UNRELATED {
        let (cookie, _) = page_login(&t, user).await;
        for path in &pages {
            let a = page_get(&t, &cookie, &fill(path, &id)).await;
            let b = page_get(&t, &cookie, &fill(path, missing)).await;
            assert_eq!(a.status, b.status, "{user} GET {path}");
            assert!(
                !a.status.is_success() || a.status == b.status,
                "{user} {path}"
            );
            assert!(!a.text().contains("Zqxvmatrix"), "{user} GET {path}");
        }
    }
}

/// Records of a case with paths of their own (referrals, consents, needs,
/// approvals, a cross-border handover and its page): unrelated users get the
/// answer a missing record gets. The
/// referral goes to organisation C, whose staff may answer it.
#[tokio::test]
async fn records_of_a_case_look_missing_to_unrelated_users() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let id = t
        .create(&cm, json!({"names": [{"value": NAME, "script": "Latn"}]}))
        .await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org_c = org_id(&t, &cm, "Organisation C").await;
    let mut records = Records::new();
    let consent = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/consents"),
            Some(&cm),
            Some(
                json!({"purpose": "service_referral", "recipient_org_id": org_c,
                          "categories": ["health"], "expires_on": "2099-12-31"}),
            ),
        )
        .await;
    assert_eq!(consent.status, StatusCode::CREATED, "{}", consent.text());
    records.insert(
        "consents",
        consent.json()["id"].as_str().unwrap().to_owned(),
    );
    let referral = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/referrals"),
            Some(&cm),
            Some(json!({"to_org_id": org_c, "service": "health care", "categories": ["health"]})),
        )
        .await;
    assert_eq!(referral.status, StatusCode::CREATED, "{}", referral.text());
    records.insert(
        "referrals",
        referral.json()["id"].as_str().unwrap().to_owned(),
    );
    let need = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/needs"),
            Some(&cm),
            Some(
                json!({"domain": "physical_health", "priority": "high", "beneficiary": "person",
                          "persons_view": "Synthetic view."}),
            ),
        )
        .await;
    assert_eq!(need.status, StatusCode::CREATED, "{}", need.text());
    records.insert(
        "needs",
        need.json()["needs"][0]["id"].as_str().unwrap().to_owned(),
    );
    let approval = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/approvals"),
            Some(&cm),
            Some(json!({"subject": "care_plan"})),
        )
        .await;
    assert_eq!(approval.status, StatusCode::CREATED, "{}", approval.text());
    records.insert(
        "approvals",
        approval.json()["approvals"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned(),
    );
    // A cross-border handover of the case to a partner deployment standing
    // for organisation C (whose staff on this deployment are not its side).
    let partner = spawn_app().await;
    let keys = partner.app.handover_identity().unwrap();
    t.app
        .register_handover_partner(
            safepath_app::admin::Operator::Cli("test"),
            "Origin deployment (synthetic)",
            &keys.public().signing_key_base64(),
            &keys.public().encryption_key_base64(),
            &keys.fingerprint().to_hex(),
            None,
            Some(&org_c),
        )
        .await
        .unwrap();
    let consent = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/consents"),
            Some(&cm),
            Some(
                json!({"purpose": "cross_border_handover", "recipient_org_id": org_c,
                        "categories": ["identity"], "expires_on": "2099-12-31"}),
            ),
        )
        .await;
    assert_eq!(consent.status, StatusCode::CREATED, "{}", consent.text());
    let assessed = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/security-assessments"),
            Some(&cm),
            Some(json!({"re_trafficking_risk": "low", "trafficker_threat": "low", "debt_threat": "low",
                        "family_situation": "supportive", "receiving_capacity": "adequate",
                        "protection_need": "none", "notes": "Synthetic assessment"})),
        )
        .await;
    assert_eq!(assessed.status, StatusCode::CREATED, "{}", assessed.text());
    let handover = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/handovers"),
            Some(&cm),
            Some(json!({"partner": keys.fingerprint().to_hex(), "categories": ["identity"]})),
        )
        .await;
    assert_eq!(handover.status, StatusCode::CREATED, "{}", handover.text());
    let handover_id = handover.json()["id"].as_str().unwrap().to_owned();
    records.insert("handovers", handover_id.clone());
    let own = t
        .call(
            "GET",
            &format!("/api/v1/handovers/{handover_id}"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(own.status, StatusCode::OK, "its case manager reads it");

    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    let mut operations: Vec<(String, String)> = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        let kind = path
            .strip_prefix("/api/v1/")
            .and_then(|p| p.split('/').next())
            .unwrap_or_default();
        if !records.contains_key(kind) || !path.contains("{id}") {
            continue;
        }
        for method in ["get", "post", "patch", "put", "delete"] {
            if item.get(method).is_some() {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(operations.len() >= 5, "{operations:?}");
    for user in UNRELATED {
        let token = t.login(user).await;
        for (method, path) in &operations {
            let receiving = matches!(user, "demo-cm-c" | "demo-partner");
            if receiving && path.starts_with("/api/v1/referrals/") {
                continue; // organisation C answers the referral it received
            }
            let body = (method != "GET").then(|| json!({}));
            let a = t
                .call(
                    method,
                    &fill_record(path, &records, false),
                    Some(&token),
                    body.clone(),
                )
                .await;
            let b = t
                .call(
                    method,
                    &fill_record(path, &records, true),
                    Some(&token),
                    body,
                )
                .await;
            assert!(
                !a.status.is_success(),
                "{user} {method} {path}: {}",
                a.status
            );
            assert_eq!(
                (a.status, a.text()),
                (b.status, b.text()),
                "{user} {method} {path}: the answer tells an existing record from a missing one"
            );
        }
    }
    // The handover's page, likewise.
    for user in UNRELATED {
        let (cookie, _) = page_login(&t, user).await;
        let a = page_get(&t, &cookie, &format!("/handovers/{handover_id}")).await;
        let b = page_get(
            &t,
            &cookie,
            "/handovers/00000000-0000-4000-8000-00000000abcd",
        )
        .await;
        assert_eq!(a.status, b.status, "{user} GET /handovers/{{id}}");
        assert!(!a.status.is_success(), "{user} GET /handovers/{{id}}");
        assert!(
            !a.text().contains("Zqxvmatrix"),
            "{user} GET /handovers/{{id}}"
        );
    }
    let r = t
        .call(
            "GET",
            &format!("/api/v1/referrals/{}", records["referrals"]),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(r.json()["state"], "pending", "nobody answered it");
}

/// Every page route in the router's source that takes a posted form refuses
/// one without the session's token, whoever is signed in: 403 before the
/// handler runs, and nothing is done. Derived from the source like the
/// matrix above, so a new form is covered the day it is added.
#[tokio::test]
async fn every_posted_form_needs_the_sessions_token() {
    let t = spawn_app().await;
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let before = t
        .app
        .store()
        .audit_entries(0, 1_000_000)
        .await
        .unwrap()
        .len();
    let mut checked = 0;
    for route in source_routes() {
        // The API takes tokens, not forms; sign-in has its own signed cookie.
        if route.starts_with("/api/") || route == "/login" || route.starts_with("/login/") {
            continue;
        }
        let path = route
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    "00000000-0000-4000-8000-00000000abcd"
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let r = t
            .page_post(&cookie, &path, "confirm=yes&reason=Synthetic".into())
            .await;
        match r.status {
            StatusCode::METHOD_NOT_ALLOWED => {}
            StatusCode::FORBIDDEN => checked += 1,
            other => panic!("POST {path} without the token answered {other}"),
        }
    }
    assert!(checked >= 40, "only {checked} forms found");
    // Refusals change nothing: no audit entry beyond the sign-in's reads.
    let after = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    assert!(
        after[before..]
            .iter()
            .all(|e| !e.entry.action.ends_with(".create") && !e.entry.action.ends_with(".record")),
        "{:?}",
        after[before..]
            .iter()
            .map(|e| &e.entry.action)
            .collect::<Vec<_>>()
    );
}
