//! Rights and justice and the victim compensation fund through HTTP, the whole
//! app in process: the permit and fund contracts, every refusal, a receiving
//! organisation without `legal` consent, four-eyes approval, the pages.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn woman() -> Value {
    json!({"names": [{"value": "Synthetic Justicetest", "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 1994}, "nationalities": ["MMR"], "languages": ["my"]})
}

async fn new_case(t: &TestApp, token: &str) -> String {
    t.create(token, woman()).await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn permits_contract_and_refusals() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = new_case(&t, &cm).await;
    let path = format!("/api/v1/cases/{case}/permits");
    let ok = t
        .call("POST", &path, Some(&cm), Some(json!({"kind": "temporary_stay", "issued_on": "2026-01-10", "expires_on": "2026-07-10", "number": "TS-SYNTH-001", "authority": "Synthetic Immigration Bureau"})))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
    let id = ok.json()["id"].as_str().unwrap().to_owned();
    assert!(!id.is_empty());
    let list = t.call("GET", &path, Some(&cm), None).await;
    assert_eq!(list.status, StatusCode::OK);
    let items = list.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["id"], id.as_str());
    assert_eq!(items[0]["kind"], "temporary_stay");
    assert_eq!(items[0]["issued_on"], "2026-01-10");
    assert_eq!(items[0]["expires_on"], "2026-07-10");
    assert_eq!(items[0]["number"], "TS-SYNTH-001");

    // Expires before it is issued: 400, nothing written.
    let bad = t
        .call("POST", &path, Some(&cm), Some(json!({"kind": "work_permit", "issued_on": "2026-05-01", "expires_on": "2026-04-30"})))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["code"], "permit_expires_before_issued");
    for body in [
        json!({"kind": "visa", "issued_on": "2026-05-01"}),
        json!({"kind": "work_permit", "issued_on": "2026-02-30"}),
        json!({"kind": "work_permit"}),
        json!({"kind": "work_permit", "issued_on": "2026-05-01", "colour": "red"}),
    ] {
        let r = t.call("POST", &path, Some(&cm), Some(body.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
    }
    assert_eq!(
        t.call("GET", &path, Some(&cm), None).await.json()["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Anyone who may not see the case: the answer a missing case gets.
    for user in [
        "demo-cm-b",
        "demo-cm-c",
        "demo-partner",
        "demo-analyst",
        "demo-admin",
    ] {
        let tok = t.login(user).await;
        let g = t.call("GET", &path, Some(&tok), None).await;
        assert_eq!(g.status, StatusCode::NOT_FOUND, "{user}");
        let p = t
            .call(
                "POST",
                &path,
                Some(&tok),
                Some(json!({"kind": "work_permit", "issued_on": "2026-05-01"})),
            )
            .await;
        assert!(
            p.status == StatusCode::NOT_FOUND || p.status == StatusCode::FORBIDDEN,
            "{user}: {}",
            p.status
        );
        assert!(!g.text().contains("TS-SYNTH-001"));
    }
    // The coordinator of the owning organisation sees it.
    let coord = t.login("demo-coordinator").await;
    assert_eq!(
        t.call("GET", &path, Some(&coord), None).await.status,
        StatusCode::OK
    );
    // Unauthenticated.
    assert_eq!(
        t.call("GET", &path, None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    // The permit number is sealed at rest: not in the database file.
    for file in ["safepath.db", "safepath.db-wal"] {
        if let Ok(bytes) = std::fs::read(t.dir.path().join(file)) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains("TS-SYNTH-001"),
                "{file}"
            );
        }
    }
}

#[tokio::test]
async fn a_hearing_by_video_link_from_abroad_and_protection_measures() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = new_case(&t, &cm).await;
    let p = t
        .call("POST", &format!("/api/v1/cases/{case}/proceedings"), Some(&cm), Some(json!({"kind": "criminal", "authority": "Synthetic Criminal Court", "file_number": "CR-SYNTH-77", "role": "witness", "opened_on": "2026-01-05", "cooperation": "declined"})))
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let pid = p.json()["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/cases/{case}/proceedings/{pid}/events");
    let e = t
        .call("POST", &events, Some(&cm), Some(json!({"kind": "hearing", "on": "2026-09-01", "attendance": "video_link_from_abroad", "place": "Synthetic Court room 2", "support_person": true, "interpreter_language": "my"})))
        .await;
    assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
    let missing = t
        .call(
            "POST",
            &events,
            Some(&cm),
            Some(json!({"kind": "hearing", "on": "2026-09-02"})),
        )
        .await;
    assert_eq!(missing.json()["code"], "attendance_required");
    let nowhere = t
        .call(
            "POST",
            &format!(
                "/api/v1/cases/{case}/proceedings/{}/events",
                uuid::Uuid::new_v4()
            ),
            Some(&cm),
            Some(json!({"kind": "verdict", "on": "2026-09-02"})),
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    let m = t
        .call("POST", &format!("/api/v1/cases/{case}/proceedings/{pid}/measures"), Some(&cm), Some(json!({"kind": "witness_protection", "requested_on": "2026-02-01", "threat": "high", "relevance": "essential"})))
        .await;
    assert_eq!(m.status, StatusCode::CREATED, "{}", m.text());
    let v = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/justice"),
            Some(&cm),
            None,
        )
        .await
        .json();
    let proc = &v["proceedings"][0];
    assert_eq!(proc["file_number"], "CR-SYNTH-77");
    assert_eq!(proc["cooperation"], "declined");
    assert_eq!(proc["events"][0]["attendance"], "video_link_from_abroad");
    assert_eq!(proc["measures"][0]["suggested"], "eligible");
    // Declining to testify changes no entitlement.
    let ent = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/entitlements"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(ent.status, StatusCode::OK, "{}", ent.text());
    let ent = ent.json();
    for k in ["assistance", "shelter", "legal_aid", "interpretation"] {
        assert_eq!(ent[k], true, "{k}");
    }
    // The hearing appears among the case manager's deadlines when due soon
    // (this one is months away, so not yet); a claim and payments.
    let c = t
        .call("POST", &format!("/api/v1/cases/{case}/claims"), Some(&cm), Some(json!({"kind": "court_ordered", "currency": "THB", "claimed_minor": 5_000_000, "filed_on": "2026-02-01"})))
        .await;
    assert_eq!(c.status, StatusCode::CREATED);
    let cid = c.json()["id"].as_str().unwrap().to_owned();
    let claim = format!("/api/v1/cases/{case}/claims/{cid}");
    assert_eq!(
        t.call(
            "POST",
            &claim,
            Some(&cm),
            Some(json!({"action": "award", "awarded_minor": 4_000_000}))
        )
        .await
        .status,
        StatusCode::OK
    );
    let paid = t
        .call("POST", &claim, Some(&cm), Some(json!({"action": "payment", "on": "2026-03-01", "amount_minor": 1_000_000, "after_return": true})))
        .await;
    assert_eq!(paid.json()["state"], "partly_paid");
    let over = t
        .call(
            "POST",
            &claim,
            Some(&cm),
            Some(json!({"action": "payment", "on": "2026-03-02", "amount_minor": 9_000_000})),
        )
        .await;
    assert_eq!(over.json()["code"], "invalid_payment");
    let bad_currency = t
        .call("POST", &format!("/api/v1/cases/{case}/claims"), Some(&cm), Some(json!({"kind": "back_pay", "currency": "XXQ", "claimed_minor": 5, "filed_on": "2026-02-01"})))
        .await;
    assert_eq!(bad_currency.json()["code"], "invalid_currency");
}

async fn org_id(t: &TestApp, token: &str) -> String {
    t.call("GET", "/api/v1/me", Some(token), None).await.json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_receiving_organisation_sees_justice_data_only_with_legal_consent() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let case = new_case(&t, &cm_a).await;
    let permits = format!("/api/v1/cases/{case}/permits");
    t.call("POST", &permits, Some(&cm_a), Some(json!({"kind": "reflection_period", "issued_on": "2026-01-10", "expires_on": "2026-04-10", "number": "RP-SYNTH-9"})))
        .await;
    // A referral sharing health only: the case is readable through it, its
    // justice data is not.
    refer_to(&t, &cm_a, &cm_b, &case, json!(["health"])).await;
    assert_eq!(
        t.call("GET", &format!("/api/v1/cases/{case}"), Some(&cm_b), None)
            .await
            .status,
        StatusCode::OK
    );
    for path in [
        permits.clone(),
        format!("/api/v1/cases/{case}/justice"),
        format!("/api/v1/cases/{case}/entitlements"),
    ] {
        let r = t.call("GET", &path, Some(&cm_b), None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}");
        assert!(!r.text().contains("RP-SYNTH-9"));
    }
    let (cookie, _) = page_login(&t, "demo-cm-b").await;
    let page = t
        .send(
            axum::http::Request::builder()
                .uri(format!("/cases/{case}/justice"))
                .header(axum::http::header::COOKIE, &cookie)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.text().contains("RP-SYNTH-9"));
    // With `legal` shared: read only.
    refer_to(&t, &cm_a, &cm_b, &case, json!(["legal"])).await;
    let r = t.call("GET", &permits, Some(&cm_b), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["items"][0]["number"], "RP-SYNTH-9");
    let w = t
        .call(
            "POST",
            &permits,
            Some(&cm_b),
            Some(json!({"kind": "work_permit", "issued_on": "2026-05-01"})),
        )
        .await;
    assert_eq!(w.status, StatusCode::NOT_FOUND);
}

async fn account(t: &TestApp, coord: &str, name: &str, kind: &str) -> String {
    let mut body = json!({"name": name, "kind": kind});
    if kind == "confiscated_assets" {
        body["court_order_reference"] = json!("Synthetic court order 2026/14");
    }
    let a = t
        .call("POST", "/api/v1/fund/accounts", Some(coord), Some(body))
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    a.json()["id"].as_str().unwrap().to_owned()
}

async fn balance(t: &TestApp, token: &str, account: &str) -> i64 {
    let list = t
        .call("GET", "/api/v1/fund/accounts", Some(token), None)
        .await
        .json();
    let a = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == account)
        .unwrap()
        .clone();
    a["balances"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|b| b["currency"] == "THB")
        .map(|b| b["amount_minor"].as_i64().unwrap())
        .sum()
}

fn tx(description: &str, lines: &[(&str, &str, Value)], case: Option<&str>) -> Value {
    json!({"description": description, "postings": lines.iter().map(|(a, d, n)| {
        let mut p = json!({"account_id": a, "direction": d, "amount_minor": n, "currency": "THB"});
        if *d == "debit" && let Some(c) = case { p["case_id"] = json!(c); }
        p
    }).collect::<Vec<_>>()})
}

#[tokio::test]
async fn the_fund_ledger_contract_four_eyes_and_refusals() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let cm = t.login("demo-cm-a").await;
    let bank = account(&t, &coord, "Synthetic fund bank", "holdings").await;
    let seized = account(&t, &coord, "Synthetic seized assets", "confiscated_assets").await;
    let legal = account(&t, &coord, "Synthetic legal aid", "legal_aid").await;
    // Accounts contract.
    let list = t
        .call("GET", "/api/v1/fund/accounts", Some(&coord), None)
        .await;
    assert_eq!(list.status, StatusCode::OK);
    let first = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == bank.as_str())
        .unwrap()
        .clone();
    assert_eq!(first["name"], "Synthetic fund bank");
    assert_eq!(first["kind"], "holdings");
    assert!(first["balances"].is_array());
    // A confiscated-assets account needs its court order.
    let no_order = t
        .call(
            "POST",
            "/api/v1/fund/accounts",
            Some(&coord),
            Some(json!({"name": "X", "kind": "confiscated_assets"})),
        )
        .await;
    assert_eq!(no_order.status, StatusCode::BAD_REQUEST);

    // Money in: posted, 201.
    let post = |body: Value, who: String| {
        let t = &t;
        async move {
            t.call("POST", "/api/v1/fund/transactions", Some(&who), Some(body))
                .await
        }
    };
    let r = post(
        tx(
            "Synthetic confiscation transfer",
            &[
                (&bank, "debit", json!(10_000_000)),
                (&seized, "credit", json!(10_000_000)),
            ],
            None,
        ),
        coord.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["state"], "posted");
    assert_eq!(balance(&t, &coord, &bank).await, 10_000_000);
    assert_eq!(balance(&t, &coord, &seized).await, 10_000_000);

    // Unbalanced: 400 unbalanced, nothing changed.
    let r = post(
        tx(
            "unbalanced",
            &[
                (&bank, "debit", json!(500)),
                (&seized, "credit", json!(499)),
            ],
            None,
        ),
        coord.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["code"], "unbalanced");
    let mut mixed = tx(
        "mixed",
        &[
            (&bank, "debit", json!(500)),
            (&seized, "credit", json!(500)),
        ],
        None,
    );
    mixed["postings"][1]["currency"] = json!("USD");
    let r = post(mixed, coord.clone()).await;
    assert_eq!(r.json()["code"], "unbalanced");
    for bad in [json!(-500), json!(12.5), json!("500"), json!(0)] {
        let r = post(
            tx(
                "bad amount",
                &[
                    (&bank, "debit", bad.clone()),
                    (&seized, "credit", bad.clone()),
                ],
                None,
            ),
            coord.clone(),
        )
        .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}");
    }
    let mut bad_currency = tx(
        "bad currency",
        &[(&bank, "debit", json!(5)), (&seized, "credit", json!(5))],
        None,
    );
    bad_currency["postings"][0]["currency"] = json!("ABC");
    bad_currency["postings"][1]["currency"] = json!("ABC");
    assert_eq!(
        post(bad_currency, coord.clone()).await.json()["code"],
        "invalid_currency"
    );
    assert_eq!(balance(&t, &coord, &bank).await, 10_000_000);

    // Who may post: not analysts, administrators, other roles.
    for user in [
        "demo-analyst",
        "demo-admin",
        "demo-responder",
        "demo-provider",
        "demo-partner",
    ] {
        let tok = t.login(user).await;
        let r = post(
            tx(
                "x",
                &[(&bank, "debit", json!(5)), (&seized, "credit", json!(5))],
                None,
            ),
            tok.clone(),
        )
        .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
        assert_eq!(
            t.call("GET", "/api/v1/fund/accounts", Some(&tok), None)
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
    }
    // A case manager may not post receipts.
    let r = post(
        tx(
            "x",
            &[(&bank, "debit", json!(5)), (&seized, "credit", json!(5))],
            None,
        ),
        cm.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    // A case manager requests a disbursement for their case: 202, waits.
    let case = new_case(&t, &cm).await;
    let r = post(
        tx(
            "Synthetic legal fees",
            &[
                (&legal, "debit", json!(250_000)),
                (&bank, "credit", json!(250_000)),
            ],
            Some(&case),
        ),
        cm.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let req_id = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(balance(&t, &coord, &legal).await, 0);
    // Another organisation's case manager may not name this case.
    let cm_b = t.login("demo-cm-b").await;
    let r = post(
        tx(
            "x",
            &[(&legal, "debit", json!(5)), (&bank, "credit", json!(5))],
            Some(&case),
        ),
        cm_b.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // The requester may not approve; a coordinator does.
    let approve = |id: String, who: String| {
        let t = &t;
        async move {
            t.call(
                "POST",
                &format!("/api/v1/fund/transactions/{id}/approve"),
                Some(&who),
                None,
            )
            .await
        }
    };
    assert_eq!(
        approve(req_id.clone(), cm.clone()).await.status,
        StatusCode::FORBIDDEN
    );
    let pending = t
        .call(
            "GET",
            "/api/v1/fund/transactions/pending",
            Some(&coord),
            None,
        )
        .await
        .json();
    assert!(
        pending["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["id"] == req_id.as_str())
    );
    let ok = approve(req_id.clone(), coord.clone()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["state"], "posted");
    assert_eq!(
        approve(req_id.clone(), coord.clone()).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(balance(&t, &coord, &legal).await, 250_000);
    assert_eq!(balance(&t, &coord, &bank).await, 9_750_000);
    let just = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/justice"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert_eq!(just["fund_paid"][0]["amount_minor"], 250_000);

    // Four eyes: a coordinator's disbursement above the threshold waits for
    // a second coordinator; the first may not approve their own.
    let r = post(
        tx(
            "Synthetic large disbursement",
            &[
                (&legal, "debit", json!(2_000_000)),
                (&bank, "credit", json!(2_000_000)),
            ],
            Some(&case),
        ),
        coord.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.text());
    let big = r.json()["id"].as_str().unwrap().to_owned();
    let own = approve(big.clone(), coord.clone()).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert_eq!(own.json()["code"], "own_request");
    let admin = t.login("demo-admin").await;
    let org_a = org_id(&t, &coord).await;
    let made = t.call("POST", "/api/v1/users", Some(&admin), Some(json!({"username": "second-coordinator", "full_name": "Second Coordinator", "org_id": org_a, "role": "coordinator", "password": "a long enough password"}))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let login = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "second-coordinator", "password": "a long enough password"})),
        )
        .await;
    let second = login.json()["token"].as_str().unwrap().to_owned();
    // A coordinator of another organisation neither sees nor decides a
    // request about a case they may not see: to them it does not exist.
    let orgs = t
        .call("GET", "/api/v1/orgs", Some(&admin), None)
        .await
        .json();
    let org_b = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"].as_str().unwrap().starts_with("Organisation B"))
        .unwrap()["id"]
        .clone();
    let made = t.call("POST", "/api/v1/users", Some(&admin), Some(json!({"username": "coordinator-b", "full_name": "Coordinator B", "org_id": org_b, "role": "coordinator", "password": "a long enough password"}))).await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    let login = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": "coordinator-b", "password": "a long enough password"})),
        )
        .await;
    let other = login.json()["token"].as_str().unwrap().to_owned();
    let pending = t
        .call(
            "GET",
            "/api/v1/fund/transactions/pending",
            Some(&other),
            None,
        )
        .await;
    assert_eq!(pending.status, StatusCode::OK, "{}", pending.text());
    assert!(!pending.text().contains(&big), "{}", pending.text());
    let refused = approve(big.clone(), other.clone()).await;
    assert_eq!(refused.status, StatusCode::NOT_FOUND, "{}", refused.text());
    let ok = approve(big.clone(), second.clone()).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(balance(&t, &coord, &legal).await, 2_250_000);
    // A small disbursement by a coordinator is posted at once.
    let r = post(
        tx(
            "=HYPERLINK(\"http://x\")",
            &[
                (&legal, "debit", json!(1_000)),
                (&bank, "credit", json!(1_000)),
            ],
            Some(&case),
        ),
        coord.clone(),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let small = r.json()["id"].as_str().unwrap().to_owned();

    // A reversal restores the balances, once.
    let before_bank = balance(&t, &coord, &bank).await;
    let rev = t
        .call(
            "POST",
            &format!("/api/v1/fund/transactions/{small}/reverse"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(rev.status, StatusCode::OK, "{}", rev.text());
    assert_eq!(balance(&t, &coord, &bank).await, before_bank + 1_000);
    assert_eq!(balance(&t, &coord, &legal).await, 2_250_000);
    assert_eq!(
        t.call(
            "POST",
            &format!("/api/v1/fund/transactions/{small}/reverse"),
            Some(&coord),
            None
        )
        .await
        .status,
        StatusCode::CONFLICT
    );
    // Balances at an earlier date leave later postings out.
    let past = t
        .call(
            "GET",
            "/api/v1/fund/accounts?on=2000-01-01",
            Some(&coord),
            None,
        )
        .await
        .json();
    assert!(
        past["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["balances"].as_array().unwrap().is_empty())
    );

    // The ledger CSV: formula cells neutralised; coordinators only.
    let csv = t
        .call("GET", "/api/v1/fund/ledger.csv", Some(&coord), None)
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    let text = csv.text();
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(!text.contains(",=HYPERLINK"));
    assert!(!text.contains("\n=") && !text.contains(",-") && !text.contains(",+"));
    assert_eq!(
        t.call("GET", "/api/v1/fund/ledger.csv", Some(&cm), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        t.call("GET", "/api/v1/fund/ledger", Some(&cm), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_pages_work_without_javascript() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = new_case(&t, &cm).await;
    let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
    let get = |path: String| {
        let t = &t;
        let cookie = cookie.clone();
        async move {
            t.send(
                axum::http::Request::builder()
                    .uri(path)
                    .header(axum::http::header::COOKIE, cookie)
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
        }
    };
    let page = get(format!("/cases/{case}/justice")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Rights and justice"));
    // An error is shown beside its field, with the input kept.
    let bad = page_post(&t, &cookie, &format!("/cases/{case}/justice"), format!("csrf={csrf}&form=permit&kind=work_permit&application=granted&issued_on=2026-05-01&expires_on=2026-04-01&authority=Synthetic+Labour+Office")).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = bad.text();
    assert!(html.contains("field-error"));
    assert!(html.contains("value=\"Synthetic Labour Office\""));
    assert!(html.contains("value=\"2026-04-01\""));
    // A good permit: a message after the action; dates as people read them.
    let ok = page_post(&t, &cookie, &format!("/cases/{case}/justice"), format!("csrf={csrf}&form=permit&kind=work_permit&application=granted&issued_on=2026-05-01&expires_on=2026-11-30")).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let page = get(format!("/cases/{case}/justice?done=permit")).await;
    let html = page.text();
    assert!(html.contains("The permit was recorded."));
    assert!(
        html.contains("30 November 2026"),
        "dates as people read them"
    );
    assert!(!html.contains(">2026-11-30<") && !html.contains(" 2026-11-30 "));
    assert!(html.contains("Work permit"));
    // A refused CSRF changes nothing.
    let forged = page_post(
        &t,
        &cookie,
        &format!("/cases/{case}/justice"),
        "csrf=wrong&form=permit&kind=work_permit&issued_on=2026-05-01".to_owned(),
    )
    .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // The fund page, for a coordinator.
    let (ccookie, _) = page_login(&t, "demo-coordinator").await;
    let fund = t
        .send(
            axum::http::Request::builder()
                .uri("/fund")
                .header(axum::http::header::COOKIE, ccookie)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(fund.status, StatusCode::OK);
    assert!(fund.text().contains("Victim compensation fund"));
}

#[tokio::test]
async fn the_demo_has_permits_about_to_expire_a_video_hearing_and_approvals_waiting() {
    let t = spawn_demo_app(24).await;
    let cm = t.login("demo-cm-a").await;
    let deadlines = t
        .call("GET", "/api/v1/justice/deadlines", Some(&cm), None)
        .await;
    assert_eq!(deadlines.status, StatusCode::OK, "{}", deadlines.text());
    let items = deadlines.json()["items"].as_array().unwrap().clone();
    let permits = items
        .iter()
        .filter(|d| d["what"] == "permit_expiry")
        .count();
    assert!(permits >= 3, "{items:?}");
    // The same deadlines are on the case manager's My work, by name.
    let work = t.call("GET", "/api/v1/work", Some(&cm), None).await.json();
    let on_work = work["justice_deadlines"].as_array().unwrap();
    assert!(
        on_work
            .iter()
            .filter(|d| d["what"] == "permit_expiry")
            .count()
            >= 3,
        "{work}"
    );
    let (cookie, _) = page_login(&t, "demo-cm-a").await;
    let page = page_get(&t, &cookie, "/work").await.text();
    assert!(page.contains(r#"id="justice-deadlines""#), "{page}");
    assert!(page.contains("expires"), "{page}");
    assert!(
        !page.contains("permit-kind-"),
        "an untranslated label: {page}"
    );
    let hearing = items.iter().find(|d| d["what"] == "hearing").unwrap();
    let case = hearing["case_id"].as_str().unwrap();
    let v = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/justice"),
            Some(&cm),
            None,
        )
        .await
        .json();
    let events = v["proceedings"][0]["events"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"));
    assert!(
        events
            .iter()
            .any(|e| e["attendance"] == "video_link_from_abroad")
    );
    assert!(
        v["proceedings"][0]["measures"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["kind"] == "witness_protection" && m["suggested"] == "eligible")
    );
    assert_eq!(v["claims"][0]["state"], "partly_paid");
    assert_eq!(v["return_block"], "reflection_period");
    assert!(
        v["permits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["alert"]["alert"] == "expiring")
    );
    let coord = t.login("demo-coordinator").await;
    let accounts = t
        .call("GET", "/api/v1/fund/accounts", Some(&coord), None)
        .await
        .json();
    assert!(
        accounts["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "confiscated_assets"
                && a["balances"][0]["amount_minor"] == 125_000_000)
    );
    let pending = t
        .call(
            "GET",
            "/api/v1/fund/transactions/pending",
            Some(&coord),
            None,
        )
        .await
        .json();
    assert!(pending["items"].as_array().unwrap().len() >= 2);
}

// ---------- the page's forms for legal aid, interpretation, information on
// rights, protection measures, non-punishment and claims ----------

/// A case manager with a new case, posting the Rights and justice page's
/// forms as a browser without JavaScript does.
struct Forms {
    t: TestApp,
    token: String,
    case: String,
    cookie: String,
    csrf: String,
}

impl Forms {
    async fn new() -> Self {
        let t = spawn_app().await;
        let token = t.login("demo-cm-a").await;
        let case = new_case(&t, &token).await;
        let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
        Self {
            t,
            token,
            case,
            cookie,
            csrf,
        }
    }
    async fn post(&self, form: &str, fields: &[(&str, &str)]) -> Answer {
        let mut body = form_urlencoded::Serializer::new(String::new());
        body.append_pair("csrf", &self.csrf)
            .append_pair("form", form);
        for (k, v) in fields {
            body.append_pair(k, v);
        }
        page_post(
            &self.t,
            &self.cookie,
            &format!("/cases/{}/justice", self.case),
            body.finish(),
        )
        .await
    }
    /// Posts good input: the answer is the redirect to the page's message.
    async fn ok(&self, form: &str, fields: &[(&str, &str)]) -> String {
        let a = self.post(form, fields).await;
        assert_eq!(a.status, StatusCode::SEE_OTHER, "{form}: {}", a.text());
        let to = a.headers[axum::http::header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(to.contains(&format!("done={form}")), "{to}");
        let page = page_get(&self.t, &self.cookie, &to).await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains(r#"id="message""#), "{form}: no message");
        html
    }
    /// Posts bad input: the page again, the error summary and the field's
    /// error, the typed input kept.
    async fn refused(&self, form: &str, fields: &[(&str, &str)], kept: &[&str]) -> String {
        let a = self.post(form, fields).await;
        assert!(
            a.status == StatusCode::BAD_REQUEST || a.status == StatusCode::OK,
            "{form}: {}",
            a.status
        );
        let html = a.text();
        assert!(html.contains(r#"id="error-summary""#), "{form}: {html}");
        assert!(html.contains("field-error"), "{form}");
        for k in kept {
            assert!(html.contains(k), "{form}: {k} was not kept");
        }
        html
    }
    async fn justice(&self) -> Value {
        let r = self
            .t
            .call(
                "GET",
                &format!("/api/v1/cases/{}/justice", self.case),
                Some(&self.token),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        r.json()
    }
    async fn count(&self, what: &str) -> usize {
        self.justice().await[what].as_array().unwrap().len()
    }
    async fn proceeding(&self) -> String {
        let p = self
            .t
            .call("POST", &format!("/api/v1/cases/{}/proceedings", self.case), Some(&self.token), Some(json!({"kind": "criminal", "authority": "Synthetic District Court", "role": "witness", "opened_on": "2026-01-05"})))
            .await;
        assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
        p.json()["id"].as_str().unwrap().to_owned()
    }
}

/// Nothing on the page shows a stored code or an ISO date.
fn no_codes(html: &str, codes: &[&str]) {
    for c in codes {
        assert!(
            !html.contains(&format!(">{c}<")) && !html.contains(&format!(" {c} ")),
            "the code {c} is shown"
        );
    }
}

#[tokio::test]
async fn legal_aid_is_recorded_through_the_page() {
    let f = Forms::new().await;
    let page = page_get(&f.t, &f.cookie, &format!("/cases/{}/justice", f.case)).await;
    let html = page.text();
    for id in [
        r#"<form method="post" action="/cases/"#,
        r#"id="legal-aid""#,
        r#"<label for="legal-aid-name">"#,
        r#"id="add-legal-aid""#,
        r#"<details class="add">"#,
    ] {
        assert!(html.contains(id), "{id}");
    }
    // Ends before it starts: refused beside the field, input kept.
    let html = f
        .refused(
            "legal-aid",
            &[
                ("representative", "lawyer"),
                ("name", "Synthetic Legal Clinic"),
                ("from", "2026-03-01"),
                ("to", "2026-02-01"),
                ("cost", "free"),
            ],
            &[
                "value=\"Synthetic Legal Clinic\"",
                "value=\"2026-02-01\"",
                "href=\"#legal-aid-to\"",
            ],
        )
        .await;
    assert!(html.contains("The end date is before the start date."));
    assert!(html.contains("<details class=\"add\" open>\n<summary>Record legal aid"));
    f.refused(
        "legal-aid",
        &[
            ("representative", "lawyer"),
            ("name", " "),
            ("from", "2026-03-01"),
            ("cost", "free"),
        ],
        &["value=\"2026-03-01\""],
    )
    .await;
    f.refused(
        "legal-aid",
        &[
            ("representative", "notary"),
            ("name", "Synthetic Legal Clinic"),
            ("from", "2026-03-01"),
            ("cost", "free"),
        ],
        &["value=\"Synthetic Legal Clinic\""],
    )
    .await;
    assert_eq!(f.count("legal_aid").await, 0, "nothing recorded");
    let html = f
        .ok(
            "legal-aid",
            &[
                ("representative", "legal_aid_organisation"),
                ("name", "Synthetic Legal Clinic"),
                ("from", "2026-03-01"),
                ("to", "2026-09-30"),
                ("cost", "paid_by_fund"),
            ],
        )
        .await;
    assert!(html.contains("The legal aid was recorded."));
    assert!(html.contains("Legal aid organisation: Synthetic Legal Clinic · paid by the fund · from 1 March 2026 until 30 September 2026"));
    no_codes(
        &html,
        &["paid_by_fund", "legal_aid_organisation", "2026-03-01"],
    );
    let v = f.justice().await;
    assert_eq!(v["legal_aid"][0]["name"], "Synthetic Legal Clinic");
    assert_eq!(v["legal_aid"][0]["cost"], "paid_by_fund");
    assert_eq!(
        v["legal_aid"][0]["representative"],
        "legal_aid_organisation"
    );
    assert_eq!(v["legal_aid"][0]["to"], "2026-09-30");
}

#[tokio::test]
async fn interpretation_is_recorded_through_the_page() {
    let f = Forms::new().await;
    // An unknown language: refused, nothing recorded, the input kept.
    let html = f
        .refused(
            "interpretation",
            &[
                ("occasion", "hearing"),
                ("on", "2026-04-02"),
                ("interpreter_provided", "yes"),
                ("language", "klingon"),
                ("provided_by", "Synthetic Interpreting Service"),
            ],
            &[
                "value=\"Synthetic Interpreting Service\"",
                "value=\"2026-04-02\"",
                "<option value=\"yes\" selected>",
            ],
        )
        .await;
    assert!(html.contains("Choose a language from the list."));
    // An interpreter without the language; no answer to "was one there".
    let html = f
        .refused(
            "interpretation",
            &[
                ("occasion", "interview"),
                ("on", "2026-04-02"),
                ("interpreter_provided", "yes"),
                ("language", ""),
            ],
            &["<option value=\"interview\" selected>"],
        )
        .await;
    assert!(html.contains("Choose the language that was interpreted."));
    f.refused(
        "interpretation",
        &[
            ("occasion", "interview"),
            ("on", "2026-04-02"),
            ("interpreter_provided", ""),
        ],
        &[],
    )
    .await;
    assert_eq!(f.count("interpretation").await, 0);
    let html = f
        .ok(
            "interpretation",
            &[
                ("occasion", "hearing"),
                ("on", "2026-04-02"),
                ("interpreter_provided", "yes"),
                ("language", "my"),
                ("provided_by", "Synthetic Interpreting Service"),
            ],
        )
        .await;
    assert!(html.contains("The interpretation was recorded."));
    assert!(html.contains("2 April 2026 · Hearing · interpreter provided · Burmese · by Synthetic Interpreting Service"));
    no_codes(&html, &["my", "2026-04-02", "hearing"]);
    // Without an interpreter: no language needed.
    f.ok(
        "interpretation",
        &[
            ("occasion", "medical_visit"),
            ("on", "2026-04-03"),
            ("interpreter_provided", "no"),
        ],
    )
    .await;
    let v = f.justice().await;
    let items = v["interpretation"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let hearing = items.iter().find(|i| i["occasion"] == "hearing").unwrap();
    assert_eq!(hearing["language"], "my");
    assert_eq!(hearing["interpreter_provided"], true);
    assert_eq!(hearing["provided_by"], "Synthetic Interpreting Service");
    assert!(
        items
            .iter()
            .any(|i| i["occasion"] == "medical_visit" && i["interpreter_provided"] == false)
    );
}

#[tokio::test]
async fn information_on_rights_is_recorded_through_the_page() {
    let f = Forms::new().await;
    let html = f
        .refused(
            "rights-information",
            &[("language", "th"), ("given_on", "2026-01-20")],
            &["<option value=\"th\" selected>", "value=\"2026-01-20\""],
        )
        .await;
    assert!(html.contains("Tick at least one thing the person was told about."));
    let html = f
        .refused(
            "rights-information",
            &[("topic_compensation", "yes"), ("language", "th"), ("given_on", "2999-01-01")],
            &["id=\"rights-information-topic_compensation\" name=\"topic_compensation\" value=\"yes\" checked"],
        )
        .await;
    assert!(html.contains("The date cannot be in the future."));
    f.refused(
        "rights-information",
        &[
            ("topic_compensation", "yes"),
            ("language", "xx"),
            ("given_on", "2026-01-20"),
        ],
        &[],
    )
    .await;
    assert_eq!(f.count("rights_information").await, 0);
    let html = f
        .ok(
            "rights-information",
            &[
                ("topic_legal_aid", "yes"),
                ("topic_compensation", "yes"),
                ("language", "th"),
                ("given_on", "2026-01-20"),
            ],
        )
        .await;
    assert!(html.contains("The information on rights was recorded."));
    assert!(html.contains("20 January 2026 · Legal aid, Compensation · in Thai · by "));
    no_codes(&html, &["legal_aid", "th", "2026-01-20"]);
    let v = f.justice().await;
    assert_eq!(
        v["rights_information"][0]["topics"],
        json!(["legal_aid", "compensation"])
    );
    assert_eq!(v["rights_information"][0]["language"], "th");
    assert_eq!(v["rights_information"][0]["given_on"], "2026-01-20");
}

#[tokio::test]
async fn a_protection_measure_is_recorded_through_the_page_per_proceeding() {
    let f = Forms::new().await;
    let pid = f.proceeding().await;
    let page = page_get(&f.t, &f.cookie, &format!("/cases/{}/justice", f.case))
        .await
        .text();
    assert!(page.contains(r#"id="measure""#));
    assert!(page.contains(r#"<label for="measure-kind-1">"#));
    assert!(page.contains(r#"id="add-measure-1""#));
    let html = f
        .refused(
            "measure",
            &[
                ("proceeding_id", &pid),
                ("kind", "screens"),
                ("state", "requested"),
                ("requested_on", "2026-02-30"),
            ],
            &[
                "value=\"2026-02-30\"",
                "href=\"#measure-requested_on-1\"",
                "id=\"measure-requested_on-1\"",
            ],
        )
        .await;
    assert!(html.contains("Write a real date (day, month and year)."));
    f.refused(
        "measure",
        &[
            ("proceeding_id", &pid),
            ("kind", "witness_protection"),
            ("state", "requested"),
            ("requested_on", "2026-02-01"),
            ("threat", "high"),
        ],
        &["<option value=\"high\" selected>"],
    )
    .await;
    assert_eq!(
        f.justice().await["proceedings"][0]["measures"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // Another case's proceeding: the answer a missing one gets.
    let nowhere = f
        .post(
            "measure",
            &[
                ("proceeding_id", &uuid::Uuid::new_v4().to_string()),
                ("kind", "screens"),
                ("state", "requested"),
                ("requested_on", "2026-02-01"),
            ],
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::NOT_FOUND);
    let html = f
        .ok(
            "measure",
            &[
                ("proceeding_id", &pid),
                ("kind", "witness_protection"),
                ("state", "granted"),
                ("requested_on", "2026-02-01"),
                ("threat", "high"),
                ("relevance", "essential"),
            ],
        )
        .await;
    assert!(html.contains("The protection measure was recorded."));
    assert!(html.contains(
        "Witness protection programme · granted · requested on 1 February 2026 · assessed eligible"
    ));
    no_codes(&html, &["witness_protection", "2026-02-01"]);
    let m = &f.justice().await["proceedings"][0]["measures"][0];
    assert_eq!(m["kind"], "witness_protection");
    assert_eq!(m["state"], "granted");
    assert_eq!(m["threat"], "high");
    assert_eq!(m["relevance"], "essential");
}

#[tokio::test]
async fn non_punishment_is_recorded_through_the_page() {
    let f = Forms::new().await;
    let html = f
        .refused(
            "non-punishment",
            &[
                ("charge", "immigration_offence"),
                ("arose_from_trafficking", "yes"),
                ("state", "requested"),
                ("requested_on", ""),
                ("outcome", "Synthetic hearing postponed"),
            ],
            &[
                "value=\"Synthetic hearing postponed\"",
                "<option value=\"requested\" selected>",
            ],
        )
        .await;
    assert!(html.contains("Give the date the request was made."));
    f.refused(
        "non-punishment",
        &[("charge", "jaywalking"), ("state", "not_requested")],
        &[],
    )
    .await;
    assert_eq!(f.count("non_punishment").await, 0);
    let html = f
        .ok(
            "non-punishment",
            &[
                ("charge", "forced_criminality"),
                ("arose_from_trafficking", "yes"),
                ("state", "applied"),
                ("requested_on", "2026-02-10"),
                ("outcome", "Synthetic charges dropped"),
            ],
        )
        .await;
    assert!(html.contains("The charge and the non-punishment request were recorded."));
    assert!(html.contains("A crime the person was forced to commit · arose from the trafficking · applied (charges dropped or no penalty) · requested on 10 February 2026"));
    no_codes(&html, &["forced_criminality", "2026-02-10"]);
    // Not requested yet, not yet known whether it arose from the trafficking.
    f.ok(
        "non-punishment",
        &[
            ("charge", "document_offence"),
            ("arose_from_trafficking", ""),
            ("state", "not_requested"),
        ],
    )
    .await;
    let v = f.justice().await;
    let items = v["non_punishment"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    let applied = items.iter().find(|n| n["state"] == "applied").unwrap();
    assert_eq!(applied["charge"], "forced_criminality");
    assert_eq!(applied["arose_from_trafficking"], true);
    assert_eq!(applied["requested_on"], "2026-02-10");
    let open = items
        .iter()
        .find(|n| n["state"] == "not_requested")
        .unwrap();
    assert_eq!(open["arose_from_trafficking"], Value::Null);
}

#[tokio::test]
async fn a_claim_is_recorded_through_the_page() {
    let f = Forms::new().await;
    for (amount, why) in [
        ("-5", "The amount must be more than zero"),
        ("0", "The amount must be more than zero"),
        ("abc", "Write the amount in figures"),
        ("", "Give the amount."),
    ] {
        let html = f
            .refused(
                "claim",
                &[("kind", "back_pay"), ("amount", amount), ("currency", "THB"), ("filed_on", "2026-02-01")],
                &[&format!("id=\"claim-amount\" name=\"amount\" inputmode=\"decimal\" value=\"{amount}\""), "<option value=\"back_pay\" selected>", "value=\"2026-02-01\""],
            )
            .await;
        assert!(html.contains(why), "{amount}");
        assert!(html.contains("href=\"#claim-amount\""));
    }
    f.refused(
        "claim",
        &[
            ("kind", "back_pay"),
            ("amount", "100"),
            ("currency", "XXQ"),
            ("filed_on", "2026-02-01"),
        ],
        &["value=\"100\""],
    )
    .await;
    assert_eq!(f.count("claims").await, 0, "nothing recorded");
    let html = f
        .ok(
            "claim",
            &[
                ("kind", "court_ordered"),
                ("amount", "1,500.50"),
                ("currency", "THB"),
                ("filed_on", "2026-02-01"),
            ],
        )
        .await;
    assert!(html.contains("The claim was recorded."));
    assert!(html.contains("Court-ordered compensation</strong> · filed · claimed 1,500.50 THB · paid 0.00 THB · filed on 1 February 2026"));
    no_codes(&html, &["court_ordered", "2026-02-01"]);
    let c = &f.justice().await["claims"][0];
    assert_eq!(c["claimed_minor"], 150_050);
    assert_eq!(c["currency"], "THB");
    assert_eq!(c["kind"], "court_ordered");
    assert_eq!(c["state"], "filed");
}

#[tokio::test]
async fn a_claim_is_awarded_paid_and_closed_through_the_page() {
    let f = Forms::new().await;
    f.ok(
        "claim",
        &[
            ("kind", "state_fund"),
            ("amount", "5000"),
            ("currency", "THB"),
            ("filed_on", "2026-02-01"),
        ],
    )
    .await;
    let cid = f.justice().await["claims"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let page = page_get(&f.t, &f.cookie, &format!("/cases/{}/justice", f.case))
        .await
        .text();
    assert!(page.contains(r#"id="claim-change""#));
    assert!(page.contains(r#"<label for="claim-change-amount-1">"#));
    assert!(page.contains(r#"id="change-claim-1""#));
    let html = f
        .ok(
            "claim-change",
            &[("claim_id", &cid), ("action", "award"), ("amount", "4000")],
        )
        .await;
    assert!(html.contains("The claim was updated."));
    assert!(html.contains("awarded 4,000.00 THB"));
    // A payment above what is owed, without its date, or not a number: refused.
    let html = f
        .refused(
            "claim-change",
            &[
                ("claim_id", &cid),
                ("action", "payment"),
                ("amount", "9000"),
                ("on", "2026-03-01"),
            ],
            &[
                "id=\"claim-change-amount-1\" name=\"amount\" inputmode=\"decimal\" value=\"9000\"",
                "href=\"#claim-change-amount-1\"",
            ],
        )
        .await;
    assert!(
        html.contains("A payment must be more than zero and not more than what is still owed.")
    );
    let html = f
        .refused(
            "claim-change",
            &[
                ("claim_id", &cid),
                ("action", "payment"),
                ("amount", "1000"),
                ("on", ""),
            ],
            &["value=\"1000\""],
        )
        .await;
    assert!(html.contains("Give the date."));
    f.refused(
        "claim-change",
        &[
            ("claim_id", &cid),
            ("action", "payment"),
            ("amount", "abc"),
            ("on", "2026-03-01"),
        ],
        &["value=\"abc\""],
    )
    .await;
    assert_eq!(f.justice().await["claims"][0]["paid_minor"], 0);
    let html = f
        .ok(
            "claim-change",
            &[
                ("claim_id", &cid),
                ("action", "payment"),
                ("amount", "1000.25"),
                ("on", "2026-03-01"),
                ("after_return", "yes"),
            ],
        )
        .await;
    assert!(html.contains("1 March 2026 · 1,000.25 THB · paid after the person went home"));
    let c = &f.justice().await["claims"][0];
    assert_eq!(c["state"], "partly_paid");
    assert_eq!(c["awarded_minor"], 400_000);
    assert_eq!(c["paid_minor"], 100_025);
    assert_eq!(c["payments"][0]["after_return"], true);
    // An award below what was already paid: refused by the rule, in words.
    let html = f
        .refused(
            "claim-change",
            &[("claim_id", &cid), ("action", "award"), ("amount", "500")],
            &["<option value=\"award\" selected>"],
        )
        .await;
    assert!(html.contains("An award must be more than zero and at least what was already paid."));
    assert!(html.contains("Amount awarded or paid, in Thai baht"));
    f.ok(
        "claim-change",
        &[("claim_id", &cid), ("action", "unrecoverable")],
    )
    .await;
    let c = &f.justice().await["claims"][0];
    assert_eq!(c["state"], "unrecoverable");
    // A closed claim has no form to change it.
    let page = page_get(&f.t, &f.cookie, &format!("/cases/{}/justice", f.case))
        .await
        .text();
    assert!(!page.contains(r#"id="claim-change""#));
    assert!(page.contains("unrecoverable"));
}

#[tokio::test]
async fn the_forms_are_only_for_those_who_may_write() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let case = new_case(&t, &cm_a).await;
    t.call("POST", &format!("/api/v1/cases/{case}/claims"), Some(&cm_a), Some(json!({"kind": "back_pay", "currency": "THB", "claimed_minor": 100_000, "filed_on": "2026-02-01"})))
        .await;
    t.call("POST", &format!("/api/v1/cases/{case}/proceedings"), Some(&cm_a), Some(json!({"kind": "labour", "authority": "Synthetic Labour Court", "role": "plaintiff", "opened_on": "2026-01-05"})))
        .await;
    refer_to(&t, &cm_a, &cm_b, &case, json!(["legal"])).await;
    let (cookie, csrf) = page_login(&t, "demo-cm-b").await;
    let page = page_get(&t, &cookie, &format!("/cases/{case}/justice")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = page.text();
    assert!(html.contains("Synthetic Labour Court"));
    assert!(html.contains("Labour back pay"));
    for form in [
        "permit",
        "proceeding",
        "event",
        "legal-aid",
        "interpretation",
        "rights-information",
        "measure",
        "non-punishment",
        "claim",
        "claim-change",
    ] {
        assert!(
            !html.contains(&format!("name=\"form\" value=\"{form}\"")),
            "{form}"
        );
    }
    // Posting anyway changes nothing.
    let r = page_post(
        &t,
        &cookie,
        &format!("/cases/{case}/justice"),
        format!("csrf={csrf}&form=claim&kind=back_pay&amount=10&currency=THB&filed_on=2026-02-01"),
    )
    .await;
    assert!(
        r.status == StatusCode::NOT_FOUND || r.status == StatusCode::FORBIDDEN,
        "{}",
        r.status
    );
    let v = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/justice"),
            Some(&cm_a),
            None,
        )
        .await
        .json();
    assert_eq!(v["claims"].as_array().unwrap().len(), 1);
}

#[test]
fn every_choice_on_the_page_has_words_in_both_languages() {
    use safepath_domain::justice::assistance::*;
    use safepath_domain::justice::compensation::ClaimKind;
    use safepath_domain::justice::non_punishment::*;
    use safepath_domain::justice::proceedings::*;
    let mut keys: Vec<String> = Vec::new();
    let mut add = |prefix: &str, values: Vec<&str>| {
        keys.extend(values.into_iter().map(|v| format!("{prefix}-{v}")));
    };
    add(
        "representative",
        RepresentativeKind::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "legal-aid-cost-choice",
        LegalAidCost::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "legal-aid-cost",
        LegalAidCost::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "occasion",
        InterpretationOccasion::ALL
            .iter()
            .map(|v| v.as_str())
            .collect(),
    );
    add(
        "rights-topic",
        RightsTopic::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "measure-kind",
        MeasureKind::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "measure-state",
        MeasureState::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "threat",
        ThreatLevel::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "relevance",
        TestimonyRelevance::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "eligibility",
        Eligibility::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "charge-kind",
        ChargeKind::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "non-punishment-state",
        NonPunishmentState::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "non-punishment-state-choice",
        NonPunishmentState::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "measure-state-choice",
        MeasureState::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "claim-kind",
        ClaimKind::ALL.iter().map(|v| v.as_str()).collect(),
    );
    add(
        "claim-state",
        safepath_domain::justice::compensation::ClaimState::ALL
            .iter()
            .map(|v| v.as_str())
            .collect(),
    );
    for lang in ["en", "id"] {
        let tr = safepath_web::i18n::Tr::new(lang);
        for k in &keys {
            assert!(tr.has(k), "{lang}: {k}");
        }
    }
}

/// Issue 13: the checklist's rights-and-justice items light up from the
/// records: legal aid among the victims identified in the year, the
/// occasions with an interpreter, awards counted — small numbers withheld.
#[tokio::test]
async fn the_checklist_counts_legal_aid_interpretation_and_awards_from_the_records() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let item = |id: &'static str| checklist_item(&t, &coord, id);
    assert_eq!(item("legal_aid").await["status"], "no_data");
    assert_eq!(item("interpretation").await["status"], "no_data");
    let mut cases = Vec::new();
    for i in 0..11 {
        let case = t
            .create(&cm, json!({"names": [{"value": format!("Synthetic Justice Person {i}"), "script": "Latn"}], "nationalities": ["KHM"]}))
            .await["id"]
            .as_str()
            .unwrap()
            .to_owned();
        to_solution_planning(&t, &coord, &case).await;
        cases.push(case);
    }
    // Identified, none with legal aid yet: 0 of 11.
    assert_eq!(item("legal_aid").await["value"], 0.0);
    for case in &cases[..6] {
        let r = t
            .call("POST", &format!("/api/v1/cases/{case}/legal-aid"), Some(&cm),
                  Some(json!({"representative": "lawyer", "name": "Synthetic Legal Clinic", "from": "2026-01-05", "cost": "free"})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    let v = item("legal_aid").await["value"].as_f64().unwrap();
    assert!((v - 6.0 / 11.0).abs() < 1e-9, "{v}");
    // Interpretation: one occasion so far is too few to show; eleven are.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    for (i, case) in cases.iter().enumerate() {
        let r = t
            .call("POST", &format!("/api/v1/cases/{case}/interpretation"), Some(&cm),
                  Some(json!({"occasion": "interview", "on": today, "interpreter_provided": i < 8, "language": "km"})))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        if i == 0 {
            assert_eq!(item("interpretation").await["status"], "withheld");
        }
    }
    let v = item("interpretation").await["value"].as_f64().unwrap();
    assert!((v - 8.0 / 11.0).abs() < 1e-9, "{v}");
    // One award: a count of victims below eleven is withheld.
    let c = t
        .call("POST", &format!("/api/v1/cases/{}/claims", cases[0]), Some(&cm), Some(json!({"kind": "court_ordered", "currency": "THB", "claimed_minor": 5_000_000, "filed_on": "2026-02-01"})))
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let cid = c.json()["id"].as_str().unwrap().to_owned();
    let r = t
        .call(
            "POST",
            &format!("/api/v1/cases/{}/claims/{cid}", cases[0]),
            Some(&cm),
            Some(json!({"action": "award", "awarded_minor": 4_000_000})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(item("compensation_awarded").await["status"], "withheld");
    assert_eq!(item("compensation_paid").await["status"], "withheld");
}
