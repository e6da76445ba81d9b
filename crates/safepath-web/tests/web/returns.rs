//! Returns (issue 12): the structured repatriation security assessment and
//! the case's lifecycle agree; the person's voluntary decision and the return
//! plan recorded through the return gate; a removal by other authorities
//! recorded apart and never counted as a repatriation.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn person() -> Value {
    json!({"names": [{"value": "Synthetic Returnee", "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 1992}, "nationalities": ["KHM"], "languages": ["km"]})
}

/// A case of organisation A identified and brought to solution planning,
/// with no assessment recorded yet.
async fn in_solution_planning(t: &TestApp, cm: &str, coord: &str) -> String {
    let id = t.create(cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    to_solution_planning(t, coord, &id).await;
    id
}

fn assessment(protection_need: &str) -> Value {
    json!({
        "re_trafficking_risk": "low",
        "trafficker_threat": "low",
        "debt_threat": "low",
        "family_situation": "supportive",
        "receiving_capacity": "adequate",
        "protection_need": protection_need,
        "notes": "Synthetic assessment"
    })
}

async fn assess(t: &TestApp, tok: &str, case: &str, protection_need: &str) {
    let a = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/security-assessments"),
            Some(tok),
            Some(assessment(protection_need)),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
}

async fn status(t: &TestApp, tok: &str, case: &str) -> Value {
    t.call("GET", &format!("/api/v1/cases/{case}"), Some(tok), None)
        .await
        .json()["status"]
        .clone()
}

/// The bug: the lifecycle only looked at the free-text assessments, so a
/// case whose return page held a structured security assessment could not
/// move to `repatriation_in_progress` ("needs a recorded security
/// assessment"), while one whose structured assessment found a need for
/// international protection could, with any free-text summary beside it.
#[tokio::test]
async fn the_lifecycle_weighs_the_structured_security_assessment() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let to_return = json!({"to": "repatriation_in_progress"});

    let id = in_solution_planning(&t, &cm, &coord).await;
    assess(&t, &cm, &id, "none").await;
    let moved = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/transitions"),
            Some(&coord),
            Some(to_return.clone()),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());

    // Non-refoulement: a protection need stops the step, a free-text
    // summary notwithstanding.
    for (need, code) in [
        ("established", "international_protection_needed"),
        ("possible", "international_protection_needed"),
    ] {
        let id = in_solution_planning(&t, &cm, &coord).await;
        let s = t
            .call("POST", &format!("/api/v1/cases/{id}/assessments"), Some(&coord), Some(json!({"kind": "security_assessment", "summary": "Home district safe (synthetic)."})))
            .await;
        assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
        assess(&t, &cm, &id, need).await;
        let refused = t
            .call(
                "POST",
                &format!("/api/v1/cases/{id}/transitions"),
                Some(&coord),
                Some(to_return.clone()),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
        assert_eq!(refused.json()["code"], code);
        assert_eq!(status(&t, &cm, &id).await, "solution_planning");
    }
}

/// Two deployments: on `a`, `b` is the registered partner standing for
/// organisation C (reached by file: no inbox needed here).
async fn with_partner() -> (TestApp, TestApp) {
    let a = spawn_app().await;
    let b = spawn_app().await;
    register(
        &a,
        &b,
        "Origin deployment (synthetic)",
        None,
        "Organisation C",
    )
    .await;
    (a, b)
}

async fn consent_to_c(t: &TestApp, cm: &str, case: &str) {
    let org = org_id(t, cm, "Organisation C").await;
    let c = t
        .call("POST", &format!("/api/v1/cases/{case}/consents"), Some(cm), Some(json!({"purpose": "cross_border_handover", "recipient_org_id": org, "categories": ["identity"], "expires_on": "2099-12-31", "explained_in_language": "km", "interpreter": true})))
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
}

async fn agreement_id(t: &TestApp, tok: &str) -> (String, Value) {
    let list = t
        .call(
            "GET",
            "/api/v1/agreements?destination=TH&origin=KH",
            Some(tok),
            None,
        )
        .await
        .json();
    let a = list["items"][0].clone();
    (a["id"].as_str().unwrap().to_owned(), a)
}

async fn returns(t: &TestApp, tok: &str, case: &str) -> Value {
    let r = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/returns"),
            Some(tok),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn a_voluntary_return_is_recorded_through_the_gate_with_the_agreements_plan() {
    let (a, b) = with_partner().await;
    let cm = a.login("demo-cm-a").await;
    let coord = a.login("demo-coordinator").await;
    let case = in_solution_planning(&a, &cm, &coord).await;
    let url = format!("/api/v1/cases/{case}/repatriation");
    let (agreement, listed) = agreement_id(&a, &cm).await;
    let body = json!({"partner": fingerprint(&b), "language": "km", "interpreter": true,
                      "agreement": agreement, "travel_date": "2099-01-15", "route": "By road via the border crossing",
                      "documents": ["Travel document issued by the embassy"],
                      "reach_after_return": "Through her aunt in the home village (synthetic)"});
    let refused = |status: StatusCode, code: &'static str| (status, code);
    // Each refusal has its code, and changes nothing.
    let r = a.call("POST", &url, Some(&cm), Some(body.clone())).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        refused(StatusCode::FORBIDDEN, "consent_required"),
        "{}",
        r.text()
    );
    consent_to_c(&a, &cm, &case).await;
    let r = a.call("POST", &url, Some(&cm), Some(body.clone())).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        refused(StatusCode::CONFLICT, "security_assessment_required"),
        "{}",
        r.text()
    );
    assess(&a, &cm, &case, "possible").await;
    let r = a.call("POST", &url, Some(&cm), Some(body.clone())).await;
    assert_eq!(
        (r.status, r.json()["code"].as_str().unwrap()),
        refused(StatusCode::CONFLICT, "international_protection_needed"),
        "{}",
        r.text()
    );
    for (bad, code) in [
        (
            json!({"partner": "00ff", "language": "km", "interpreter": true, "escort": "unescorted"}),
            "unknown_partner",
        ),
        (
            json!({"partner": fingerprint(&b), "language": "km", "interpreter": true}),
            "missing_field",
        ),
        (
            json!({"partner": fingerprint(&b), "language": "km", "interpreter": true, "agreement": uuid::Uuid::new_v4()}),
            "unknown_agreement",
        ),
        (
            json!({"partner": fingerprint(&b), "language": "km", "interpreter": true, "escort": "unescorted", "decided_on": "2026-02-30"}),
            "invalid_field",
        ),
        (
            json!({"partner": fingerprint(&b), "language": "km", "interpreter": true, "escort": "unescorted", "decided_on": "2026-01-10", "travel_date": "2026-01-09"}),
            "invalid_field",
        ),
        (
            json!({"partner": fingerprint(&b), "language": "km", "interpreter": true, "escort": "unescorted", "reach_after_return": "x".repeat(501)}),
            "invalid_field",
        ),
        (
            json!({"partner": fingerprint(&b), "language": "km", "interpreter": true, "escort": "unescorted", "reach_after_return": "call\u{0}me"}),
            "invalid_field",
        ),
    ] {
        let r = a.call("POST", &url, Some(&cm), Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
        assert_eq!(r.json()["code"], code, "{bad}");
    }
    assert_eq!(returns(&a, &cm, &case).await["items"], json!([]));
    assert_eq!(status(&a, &cm, &case).await, "solution_planning");

    // A new assessment finds a return possible: recorded, with the plan the
    // agreement fills (escort, who pays travel), and the case moves on.
    assess(&a, &cm, &case, "none").await;
    let r = a.call("POST", &url, Some(&cm), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let v = r.json();
    assert_eq!(v["kind"], "repatriation");
    assert_eq!(v["partner"], "Origin deployment (synthetic)");
    assert_eq!(v["language"], "km");
    assert_eq!(v["interpreter"], true);
    assert_eq!(v["plan"]["escort"], listed["return_plan"]["escort"]);
    assert_eq!(v["plan"]["costs"], listed["return_plan"]["costs"]);
    assert_eq!(v["plan"]["agreement"], listed["title"]);
    assert_eq!(v["plan"]["travel_date"], "2099-01-15");
    assert_eq!(
        v["reach_after_return"], "Through her aunt in the home village (synthetic)",
        "a way to reach the person, kept with the decision"
    );
    assert_eq!(status(&a, &cm, &case).await, "repatriation_in_progress");
    let timeline = a
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/work"),
            Some(&cm),
            None,
        )
        .await
        .text();
    assert!(
        timeline.contains("repatriation_in_progress"),
        "the move is on the timeline"
    );
    // What the person chose overrides the agreement.
    let own = json!({"partner": fingerprint(&b), "language": "km", "interpreter": false,
                     "agreement": agreement, "escort": "unescorted", "costs": [{"item": "travel", "payer": "fund"}]});
    let r = a.call("POST", &url, Some(&cm), Some(own)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["plan"]["escort"], "unescorted");
    assert_eq!(r.json()["plan"]["costs"][0]["payer"], "fund");
    assert_eq!(r.json()["reach_after_return"], Value::Null);
    let list = returns(&a, &cm, &case).await;
    assert_eq!(
        list["items"][0]["reach_after_return"],
        "Through her aunt in the home village (synthetic)"
    );
    // Sealed at rest: not in the database file in clear.
    for file in ["safepath.db", "safepath.db-wal"] {
        let bytes = std::fs::read(a.dir.path().join(file)).unwrap_or_default();
        assert!(
            !bytes.windows(18).any(|w| w == b"her aunt in the ho"),
            "sealed at rest ({file})"
        );
    }
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        (
            list["repatriations"].as_u64(),
            list["forced_removals"].as_u64()
        ),
        (Some(2), Some(0))
    );

    // Need-to-know: another organisation's case manager sees no such case.
    let other = a.login("demo-cm-b").await;
    let r = a
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/returns"),
            Some(&other),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = a.call("POST", &url, Some(&other), Some(body)).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(
        !list.to_string().contains("Returnee"),
        "nothing of the person's name"
    );
}

#[tokio::test]
async fn a_removal_by_the_authorities_is_counted_apart_and_moves_nothing() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let case = in_solution_planning(&t, &cm, &coord).await;
    let url = format!("/api/v1/cases/{case}/forced-removals");
    for (bad, code) in [
        (
            json!({"removed_on": "2099-01-01", "authority": "Immigration police"}),
            "invalid_field",
        ),
        (
            json!({"removed_on": "yesterday", "authority": "Immigration police"}),
            "invalid_field",
        ),
        (
            json!({"removed_on": "2026-01-01", "authority": "  "}),
            "missing_field",
        ),
    ] {
        let r = t.call("POST", &url, Some(&cm), Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
        assert_eq!(r.json()["code"], code, "{bad}");
    }
    let r = t
        .call(
            "POST",
            &url,
            Some(&cm),
            Some(json!({"removed_on": "2026-01-01", "authority": "Immigration police"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["kind"], "forced_removal");
    let list = returns(&t, &cm, &case).await;
    assert_eq!(
        (
            list["repatriations"].as_u64(),
            list["forced_removals"].as_u64()
        ),
        (Some(0), Some(1))
    );
    assert_eq!(
        status(&t, &cm, &case).await,
        "solution_planning",
        "never a repatriation"
    );
}

#[tokio::test]
async fn the_return_page_records_the_decision_with_errors_beside_the_fields() {
    let (a, b) = with_partner().await;
    let cm = a.login("demo-cm-a").await;
    let coord = a.login("demo-coordinator").await;
    let case = in_solution_planning(&a, &cm, &coord).await;
    consent_to_c(&a, &cm, &case).await;
    let (page, csrf) = page_login(&a, "demo-cm-a").await;
    let html = a.page(&page, &format!("/cases/{case}/return")).await.text();
    assert!(
        html.contains("id=\"record-decision\""),
        "the form is offered"
    );
    assert!(html.contains("id=\"no-returns\""));
    let form = |fields: &[(&str, &str)]| form_body(&csrf, fields);
    // Nothing chosen: errors beside the fields, the input kept.
    let r = a
        .page_post(
            &page,
            &format!("/cases/{case}/return/decision"),
            form(&[
                ("route", "By road"),
                ("reach_after_return", "Her cousin's shop (synthetic)"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(html.contains("Choose the partner organisation."));
    assert!(html.contains("Choose the language the return was explained in."));
    assert!(html.contains("value=\"By road\""), "input kept");
    assert!(html.contains("shop (synthetic)"), "input kept");
    // The gate's refusal, in words, beside the form.
    let fp = fingerprint(&b);
    let fields = [
        ("partner", fp.as_str()),
        ("language", "km"),
        ("interpreter", "yes"),
        ("escort", "receiving_staff"),
        ("payer", "origin"),
    ];
    let r = a
        .page_post(
            &page,
            &format!("/cases/{case}/return/decision"),
            form(&fields),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .contains("Record a security assessment before starting a handover.")
            || r.text().contains("security assessment")
    );
    assess(&a, &cm, &case, "none").await;
    let r = a
        .page_post(
            &page,
            &format!("/cases/{case}/return/decision"),
            form(&fields),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = a
        .page(&page, &format!("/cases/{case}/return?done=decision"))
        .await
        .text();
    assert!(
        html.contains("The person&#x27;s decision to return and the return plan were recorded.")
            || html.contains("return plan were recorded")
    );
    assert!(html.contains("data-kind=\"repatriation\""));
    assert!(html.contains("Khmer · with an interpreter"));
    assert!(html.contains("an escort by the receiving agency"));
    assert!(
        html.contains("not recorded: ask the person before they leave"),
        "the missing way to reach the person is said"
    );
    // The person's letter, in the language the return was explained in
    // (Khmer here), worded as their own decision, never a removal.
    let at = html.find("/letter\"").expect("a letter for the decision");
    let start = html[..at].rfind("href=\"").unwrap() + 6;
    let letter_url = format!("{}/letter", &html[start..at]);
    let letter = a.page(&page, &letter_url).await;
    assert_eq!(letter.status, StatusCode::OK, "{letter_url}");
    let letter = letter.text();
    assert!(letter.contains("lang=\"km\""), "in the person's language");
    assert!(letter.contains("ការសម្រេចចិត្តរបស់អ្នកក្នុងការវិលត្រឡប់ទៅផ្ទះ"));
    assert!(
        letter.contains("មិនមែនជាការបណ្ដេញចេញពីប្រទេសទេ"),
        "not a removal"
    );
    let (other, _) = page_login(&a, "demo-cm-b").await;
    assert_eq!(
        a.page(&other, &letter_url).await.status,
        StatusCode::NOT_FOUND
    );
    // A removal, recorded apart.
    let r = a
        .page_post(
            &page,
            &format!("/cases/{case}/return/removal"),
            form(&[
                ("removed_on", "2026-01-02"),
                ("authority", "Immigration police"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = a.page(&page, &format!("/cases/{case}/return")).await.text();
    assert!(html.contains("data-kind=\"forced_removal\""));
    assert!(html.contains("not a voluntary return"));
}

async fn notices_of(t: &TestApp, tok: &str, kind: &str) -> Vec<Value> {
    t.call("GET", "/api/v1/notifications", Some(tok), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == kind)
        .cloned()
        .collect()
}

/// A person who returned home through a recorded repatriation, registered
/// again by another organisation: the de-duplication run tells both
/// organisations (each about its own case only), once.
#[tokio::test]
async fn a_returned_person_found_again_by_the_de_duplication_run_raises_an_alert_once() {
    let (a, b) = with_partner().await;
    let cm = a.login("demo-cm-a").await;
    let coord = a.login("demo-coordinator").await;
    let case = in_solution_planning(&a, &cm, &coord).await;
    consent_to_c(&a, &cm, &case).await;
    assess(&a, &cm, &case, "none").await;
    let r = a
        .call("POST", &format!("/api/v1/cases/{case}/repatriation"), Some(&cm),
              Some(json!({"partner": fingerprint(&b), "language": "km", "interpreter": true, "escort": "receiving_staff"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    // Nothing to tell before the person appears again.
    let run = run_now(&a, &coord).await;
    assert_eq!(run["state"], "done", "{run}");
    assert!(
        notices_of(&a, &coord, "returned_person_again")
            .await
            .is_empty()
    );
    // Organisation B registers the same person.
    let cm_b = a.login("demo-cm-b").await;
    let again = a.create(&cm_b, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // A second case manager of organisation B, who may not open that case.
    let org_b = org_id(&a, &cm_b, "Organisation B").await;
    a.app
        .add_user(
            safepath_app::admin::Operator::Cli("test"),
            "synthetic-cm-b2",
            "Synthetic Second Case Manager",
            safepath_domain::ids::OrgId(org_b.parse().unwrap()),
            "case_manager",
            "a-long-synthetic-passphrase-42",
        )
        .await
        .unwrap();
    let run = run_now(&a, &coord).await;
    assert_eq!(run["state"], "done", "{run}");
    let mine = notices_of(&a, &coord, "returned_person_again").await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        mine[0]["case_id"],
        case.as_str(),
        "organisation A hears of its own case"
    );
    let theirs = notices_of(&a, &cm_b, "returned_person_again").await;
    assert_eq!(
        theirs.len(),
        1,
        "organisation B has no coordinator: its case manager"
    );
    assert_eq!(
        theirs[0]["case_id"],
        again.as_str(),
        "and of its own case only"
    );
    assert!(
        !theirs[0].to_string().contains(&case),
        "never the other organisation's case"
    );
    let other_cm = t_login(&a, "synthetic-cm-b2", "a-long-synthetic-passphrase-42").await;
    assert!(
        notices_of(&a, &other_cm, "returned_person_again")
            .await
            .is_empty(),
        "not told about a case they may not open"
    );
    for n in mine.iter().chain(&theirs) {
        assert!(!n.to_string().contains("Returnee"), "nothing of the person");
    }
    // Told once: the next run finds the pair again and says nothing new.
    run_now(&a, &coord).await;
    assert_eq!(
        notices_of(&a, &coord, "returned_person_again").await.len(),
        1
    );
    assert_eq!(
        notices_of(&a, &cm_b, "returned_person_again").await.len(),
        1
    );
    // The page says it in words.
    let (page, _) = page_login(&a, "demo-coordinator").await;
    let html = a.page(&page, "/notifications").await.text();
    assert!(html.contains("may have been trafficked again"), "in words");
}

async fn t_login(t: &TestApp, user: &str, password: &str) -> String {
    let r = t
        .call(
            "POST",
            "/api/v1/auth/login",
            None,
            Some(json!({"username": user, "password": password})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()["token"].as_str().unwrap().to_owned()
}

/// The protection checklist's return items light up from the recorded
/// returns: a removal by the authorities counts against both (no receiving
/// agency, no assessment on its case), a voluntary return for both; fewer
/// than eleven are withheld.
#[tokio::test]
async fn the_checklist_counts_returns_and_removals_apart() {
    let (a, b) = with_partner().await;
    let cm = a.login("demo-cm-a").await;
    let coord = a.login("demo-coordinator").await;
    let items = ["returns_security_assessment", "returns_receiving_agency"];
    for id in items {
        assert_eq!(
            checklist_item(&a, &coord, id).await["status"],
            "no_data",
            "{id}"
        );
    }
    let removed = in_solution_planning(&a, &cm, &coord).await;
    let removal = json!({"removed_on": "2026-01-01", "authority": "Immigration police"});
    let url = format!("/api/v1/cases/{removed}/forced-removals");
    let r = a.call("POST", &url, Some(&cm), Some(removal.clone())).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    for id in items {
        assert_eq!(
            checklist_item(&a, &coord, id).await["status"],
            "withheld",
            "{id}"
        );
    }
    for _ in 0..10 {
        let r = a.call("POST", &url, Some(&cm), Some(removal.clone())).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }
    for id in items {
        let item = checklist_item(&a, &coord, id).await;
        assert_eq!(item["value"], 0.0, "{id}: {item}");
    }
    // One voluntary return: assessed, with its receiving agency.
    let case = in_solution_planning(&a, &cm, &coord).await;
    consent_to_c(&a, &cm, &case).await;
    assess(&a, &cm, &case, "none").await;
    let r = a
        .call("POST", &format!("/api/v1/cases/{case}/repatriation"), Some(&cm),
              Some(json!({"partner": fingerprint(&b), "language": "km", "interpreter": true, "escort": "receiving_staff"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    for id in items {
        let item = checklist_item(&a, &coord, id).await;
        let v = item["value"].as_f64().unwrap();
        assert!((v - 1.0 / 12.0).abs() < 1e-9, "{id}: {item}");
    }
    // The dashboards count them apart too. The one repatriation is fewer
    // than eleven, so withheld; with the total shown, the removals would give
    // it away, so they are withheld too (complementary suppression).
    let (page, _) = page_login(&a, "demo-coordinator").await;
    let html = a.page(&page, "/stats").await.text();
    assert!(html.contains("id=\"table-returns\""), "a returns table");
    let csv = a.page(&page, "/stats/tables/returns.csv").await.text();
    let rows: Vec<&str> = csv.lines().collect();
    assert!(rows.contains(&"removal by the authorities,"), "{csv}");
    assert!(rows.contains(&"voluntary repatriation,"), "{csv}");
    assert!(rows.contains(&"Total,12"), "{csv}");
    assert_eq!(rows[0], "Return,Returns", "what is counted");
    // Another organisation's coordinator-less staff see none of it.
    let cm_b = a.login("demo-cm-b").await;
    let r = a.call("GET", "/api/v1/checklist", Some(&cm_b), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

/// The demo holds a return completed through the whole protocol, each step
/// on its own day: arrival over a year ago, the plan, the four follow-up
/// reports (one not reaching the person) and the origin's closure; the
/// case followed up. The app's clock is back to today after seeding.
#[tokio::test]
async fn the_demo_holds_a_completed_return_with_its_follow_up_reports() {
    let t = spawn_demo_app(24).await;
    let cm = t.login("demo-cm-a").await;
    let list = t.call("GET", "/api/v1/handovers", Some(&cm), None).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text());
    let items = list.json()["items"].as_array().unwrap().clone();
    let closed: Vec<&Value> = items.iter().filter(|h| h["state"] == "closed").collect();
    assert_eq!(closed.len(), 1, "{items:?}");
    assert!(
        items.iter().any(|h| h["state"] == "acknowledged"),
        "{items:?}"
    );
    let h = t
        .call(
            "GET",
            &format!("/api/v1/handovers/{}", closed[0]["id"].as_str().unwrap()),
            Some(&cm),
            None,
        )
        .await
        .json();
    let today = time::OffsetDateTime::now_utc().date();
    let arrived = time::Date::parse(
        h["arrived_on"].as_str().unwrap(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .unwrap();
    assert!((today - arrived).whole_days() > 365, "{h}");
    let reports: Vec<(u64, bool)> = h["follow_ups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert!(f["reported_on"].is_string(), "{f}");
            (
                f["due_month"].as_u64().unwrap(),
                f["reached"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(reports, [(1, true), (3, true), (6, false), (12, true)]);
    let steps: Vec<&str> = h["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(steps.first(), Some(&"request"));
    assert_eq!(steps.last(), Some(&"closure"));
    let case = h["case_id"].as_str().unwrap();
    assert_eq!(status(&t, &cm, case).await, "follow_up");
    let chose = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/reintegration-assessments"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert_eq!(chose["items"][0]["chosen"], "return", "{chose}");
    // The page says whether each report reached the person, and the steps
    // read as what happened, not as the form's questions.
    let (page, _) = page_login(&t, "demo-cm-a").await;
    let html = t
        .page(
            &page,
            &format!("/handovers/{}", closed[0]["id"].as_str().unwrap()),
        )
        .await
        .text();
    assert_eq!(html.matches("· person reached").count(), 3, "{html}");
    assert_eq!(html.matches("· person not reached").count(), 1);
    assert!(!html.contains("today if left empty"));
    // Back to today: what is written now is dated today.
    let created = t.create(&cm, person()).await;
    assert!(
        created["created_at"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{today}")),
        "{created}"
    );
}

fn provisions(view: &str) -> Value {
    json!(
        [
            "family_community_acceptance",
            "employment_livelihood",
            "option_to_stay_leave_or_return",
            "option_to_bring_family",
            "long_term_residence",
            "services_information"
        ]
        .iter()
        .map(|p| json!({"provision": p, "finding": "favourable", "person_view": view}))
        .collect::<Vec<_>>()
    )
}

/// The reintegration assessment: each provision assessed with the person,
/// refused with its code when it is not (and nothing recorded); the
/// lifecycle follows the solution it chooses — reintegration only from one
/// choosing local integration, a return refused meanwhile; the return page
/// records it with errors beside the fields; other organisations see nothing.
#[tokio::test]
async fn the_reintegration_assessment_chooses_the_solution_the_lifecycle_follows() {
    let (a, b) = with_partner().await;
    let cm = a.login("demo-cm-a").await;
    let coord = a.login("demo-coordinator").await;
    let case = in_solution_planning(&a, &cm, &coord).await;
    let url = format!("/api/v1/cases/{case}/reintegration-assessments");
    let to_reintegration = |t: &'static str| json!({"to": t});
    let move_to = |status: &'static str| {
        let (a, cm, case) = (&a, cm.clone(), case.clone());
        async move {
            a.call(
                "POST",
                &format!("/api/v1/cases/{case}/transitions"),
                Some(&cm),
                Some(to_reintegration(status)),
            )
            .await
        }
    };
    let r = move_to("reintegration_in_progress").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["code"], "reintegration_assessment_required");
    let mut missing = provisions("I want to stay and work here")
        .as_array()
        .unwrap()
        .clone();
    missing.pop();
    for (bad, code) in [
        (
            json!({"provisions": missing, "preferred_by_person": "local_integration", "chosen": "local_integration"}),
            "provision_missing",
        ),
        (
            json!({"provisions": provisions("  "), "preferred_by_person": "local_integration", "chosen": "local_integration"}),
            "person_view_required",
        ),
        (
            json!({"provisions": provisions("I want to stay"), "preferred_by_person": "local_integration", "chosen": "return"}),
            "return_not_voluntary",
        ),
        (
            json!({"provisions": provisions("I want to go home"), "preferred_by_person": "return", "chosen": "local_integration"}),
            "reason_required",
        ),
        (
            json!({"provisions": provisions("I want to stay"), "preferred_by_person": "staying", "chosen": "local_integration"}),
            "invalid_field",
        ),
    ] {
        let r = a.call("POST", &url, Some(&cm), Some(bad.clone())).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{bad}: {}", r.text());
        assert_eq!(r.json()["code"], code, "{bad}");
    }
    let list = a.call("GET", &url, Some(&cm), None).await;
    assert_eq!(list.json()["items"], json!([]), "nothing recorded");
    let r = a
        .call("POST", &url, Some(&cm), Some(json!({"provisions": provisions("I want to stay and work here"), "preferred_by_person": "local_integration", "chosen": "local_integration"})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(r.json()["chosen"], "local_integration");
    assert_eq!(
        r.json()["provisions"][0]["person_view"],
        "I want to stay and work here"
    );
    // A return is refused while the latest assessment chose to stay.
    consent_to_c(&a, &cm, &case).await;
    assess(&a, &cm, &case, "none").await;
    let r = a
        .call("POST", &format!("/api/v1/cases/{case}/repatriation"), Some(&cm),
              Some(json!({"partner": fingerprint(&b), "language": "km", "interpreter": true, "escort": "receiving_staff"})))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
    assert_eq!(r.json()["code"], "solution_not_return");
    let r = move_to("reintegration_in_progress").await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    assert_eq!(status(&a, &cm, &case).await, "reintegration_in_progress");
    // Need-to-know: another organisation sees no such case.
    let other = a.login("demo-cm-b").await;
    assert_eq!(
        a.call("GET", &url, Some(&other), None).await.status,
        StatusCode::NOT_FOUND
    );
    // Sealed at rest: the person's words are not in the database in clear.
    for file in ["safepath.db", "safepath.db-wal"] {
        let bytes = std::fs::read(a.dir.path().join(file)).unwrap_or_default();
        assert!(!bytes.windows(14).any(|w| w == b"stay and work "), "{file}");
    }
    // The page: in words, and its form with errors beside the fields.
    let (page, csrf) = page_login(&a, "demo-cm-a").await;
    let html = a.page(&page, &format!("/cases/{case}/return")).await.text();
    assert!(html.contains("data-chosen=\"local_integration\""));
    assert!(html.contains("Chosen: local integration · the person wants: local integration"));
    assert!(html.contains("I want to stay and work here"));
    let r = a
        .page_post(
            &page,
            &format!("/cases/{case}/return/reintegration"),
            form_body(
                &csrf,
                &[
                    ("finding_employment_livelihood", "uncertain"),
                    (
                        "view_employment_livelihood",
                        "A job at the market (synthetic)",
                    ),
                ],
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(
        html.contains("Write down the person&#x27;s own view")
            || html.contains("Write down the person")
    );
    assert!(
        html.contains("A job at the market (synthetic)"),
        "input kept"
    );
    assert!(html.contains("value=\"uncertain\" checked"), "choice kept");
    let mut fields: Vec<(String, String)> = Vec::new();
    for p in [
        "family_community_acceptance",
        "employment_livelihood",
        "option_to_stay_leave_or_return",
        "option_to_bring_family",
        "long_term_residence",
        "services_information",
    ] {
        fields.push((format!("finding_{p}"), "uncertain".into()));
        fields.push((format!("view_{p}"), "I would rather go home now".into()));
    }
    fields.push(("preferred_by_person".into(), "return".into()));
    fields.push(("chosen".into(), "return".into()));
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = a
        .page_post(
            &page,
            &format!("/cases/{case}/return/reintegration"),
            form_body(&csrf, &pairs),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let html = a
        .page(&page, &format!("/cases/{case}/return?done=reintegration"))
        .await
        .text();
    assert!(html.contains("The reintegration assessment was recorded."));
    assert!(html.contains("Chosen: return · the person wants: return"));
    // It fed the care plan: what is uncertain is now an open need, once
    // per domain, with the person's words.
    let work = a
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/work"),
            Some(&cm),
            None,
        )
        .await
        .json();
    let mut fed: Vec<(String, String)> = work["needs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["persons_view"]
                .as_str()
                .unwrap_or("")
                .contains("go home now")
        })
        .map(|n| {
            (
                n["domain"].as_str().unwrap().to_owned(),
                n["priority"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    fed.sort();
    assert_eq!(
        fed,
        [
            ("documents_and_legal_status".to_owned(), "medium".to_owned()),
            ("family_contact".to_owned(), "medium".to_owned()),
            ("livelihood".to_owned(), "medium".to_owned())
        ],
        "{work}"
    );
}
