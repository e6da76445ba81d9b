//! What watches over rights and justice: permit expiry alerts (each step told
//! once; an expired permit of a person in protection flagged to the
//! coordinator; a renewed permit not at all), the coordinator's overview of
//! victim fatigue, and the fund's reconciliation report (API and page).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn person() -> Value {
    json!({"names": [{"value": "Synthetic Oversight", "script": "Latn"}], "sex": "male", "gender_identity": "man",
           "birth_date": {"kind": "year", "year": 1990}, "nationalities": ["KHM"], "languages": ["km"]})
}

fn day(offset: i64) -> String {
    let d = time::OffsetDateTime::now_utc().date() + time::Duration::days(offset);
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap()
}

async fn permit(t: &TestApp, tok: &str, case: &str, body: Value) -> String {
    let r = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/permits"),
            Some(tok),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

async fn notices(t: &TestApp, tok: &str) -> Vec<String> {
    t.call("GET", "/api/v1/notifications", Some(tok), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "permit_expiry")
        .map(|n| n["message"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn permit_alerts_tell_each_step_once_and_flag_expired_permits_to_the_coordinator() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let case = t.create(&cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    // Ten days left: the 14-day step. Forty days left: nothing yet.
    permit(
        &t,
        &cm,
        &case,
        json!({"kind": "temporary_stay", "issued_on": day(-100), "expires_on": day(10)}),
    )
    .await;
    permit(
        &t,
        &cm,
        &case,
        json!({"kind": "work_permit", "issued_on": day(-100), "expires_on": day(40)}),
    )
    .await;
    // Five days left but renewed: no alert for the old one.
    let old = permit(
        &t,
        &cm,
        &case,
        json!({"kind": "residence_permit", "issued_on": day(-300), "expires_on": day(5)}),
    )
    .await;
    permit(
        &t,
        &cm,
        &case,
        json!({"kind": "residence_permit", "issued_on": day(-1), "expires_on": day(400), "renews": old}),
    )
    .await;
    // An application not (yet) granted has nothing to expire.
    permit(
        &t,
        &cm,
        &case,
        json!({"kind": "asylum_application", "issued_on": day(-20), "expires_on": day(3), "application": "applied"}),
    )
    .await;

    let told = t.app.notify_permit_alerts().await.unwrap();
    assert_eq!(told, 1, "only the case manager, only the 14-day step");
    let mine = notices(&t, &cm).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert!(mine[0].contains("expires in 10 days"), "{}", mine[0]);
    assert!(mine[0].contains("temporary stay"), "{}", mine[0]);
    assert!(!mine[0].contains(&day(10)), "no ISO date in a message");
    assert!(notices(&t, &coord).await.is_empty());
    // Told once, however often the scheduler runs.
    assert_eq!(t.app.notify_permit_alerts().await.unwrap(), 0);

    // Expired yesterday, the person still in protection: the case manager
    // and the coordinator are told.
    permit(
        &t,
        &cm,
        &case,
        json!({"kind": "reflection_period", "issued_on": day(-90), "expires_on": day(-1)}),
    )
    .await;
    assert_eq!(t.app.notify_permit_alerts().await.unwrap(), 2);
    let flagged = notices(&t, &coord).await;
    assert_eq!(flagged.len(), 1);
    assert!(flagged[0].contains("expired"), "{}", flagged[0]);
    assert!(flagged[0].contains("still in protection"), "{}", flagged[0]);
    assert_eq!(notices(&t, &cm).await.len(), 2);
    assert_eq!(t.app.notify_permit_alerts().await.unwrap(), 0);
    // Nobody else hears of it.
    for user in ["demo-cm-b", "demo-analyst", "demo-admin", "demo-partner"] {
        let tok = t.login(user).await;
        assert!(notices(&t, &tok).await.is_empty(), "{user}");
    }
}

#[tokio::test]
async fn the_coordinators_page_shows_proceedings_that_may_exhaust_the_person() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let created = t.create(&cm, person()).await;
    let case = created["id"].as_str().unwrap().to_owned();
    let reference = created["reference"].as_str().unwrap().to_owned();
    let p = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/proceedings"),
            Some(&cm),
            Some(json!({"kind": "criminal", "authority": "Synthetic Court", "role": "witness", "opened_on": day(-1000)})),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{}", p.text());
    let pid = p.json()["id"].as_str().unwrap().to_owned();
    for ago in [900, 700, 500, 300, 100] {
        let e = t
            .call(
                "POST",
                &format!("/api/v1/cases/{case}/proceedings/{pid}/events"),
                Some(&cm),
                Some(json!({"kind": "hearing", "on": day(-ago), "attendance": "in_person"})),
            )
            .await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
    }

    let (coord, _) = page_login(&t, "demo-coordinator").await;
    let work = t.page(&coord, "/work").await;
    assert_eq!(work.status, StatusCode::OK);
    let html = work.text();
    let section = &html[html.find("id=\"victim-fatigue\"").unwrap()..];
    let section = &section[..section.find("</section>").unwrap()];
    assert!(section.contains(&reference), "{section}");
    assert!(section.contains("Many appearances (5)"), "{section}");
    assert!(
        section.contains("Long wait between appearances"),
        "{section}"
    );
    assert!(section.contains("Long-running proceedings"), "{section}");
    assert!(
        !section.contains("Synthetic Court"),
        "no record is unsealed"
    );

    // A case manager's page has no such section; another organisation's
    // coordinator view never lists it (the only other-org users are case
    // managers, whose pages have no section either).
    let (mine, _) = page_login(&t, "demo-cm-a").await;
    assert!(
        !t.page(&mine, "/work")
            .await
            .text()
            .contains("victim-fatigue")
    );
    let (other, _) = page_login(&t, "demo-cm-b").await;
    assert!(!t.page(&other, "/work").await.text().contains(&reference));
}

#[tokio::test]
async fn the_fund_reconciles_and_only_coordinators_see_the_report() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let accounts = t
        .call("GET", "/api/v1/fund/accounts", Some(&coord), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .clone();
    let id_of = |kind: &str| {
        accounts.iter().find(|a| a["kind"] == kind).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let (bank, donations) = (id_of("holdings"), id_of("donations"));
    let posted = t
        .call(
            "POST",
            "/api/v1/fund/transactions",
            Some(&coord),
            Some(json!({"description": "Synthetic donation", "postings": [
                {"account_id": bank, "direction": "debit", "amount_minor": 250_000, "currency": "THB"},
                {"account_id": donations, "direction": "credit", "amount_minor": 250_000, "currency": "THB"}]})),
        )
        .await;
    assert_eq!(posted.status, StatusCode::CREATED, "{}", posted.text());

    let r = t
        .call(
            "GET",
            &format!("/api/v1/fund/reconciliation?from={}&to={}", day(0), day(0)),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let v = r.json();
    assert_eq!(v["reconciled"], true, "{v}");
    assert!(v["unbalanced_transactions"].as_array().unwrap().is_empty());
    let line = v["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["account_id"] == donations.as_str() && a["currency"] == "THB")
        .unwrap()
        .clone();
    assert!(line["credits_minor"].as_i64().unwrap() >= 250_000, "{line}");
    assert_eq!(
        line["opening_minor"].as_i64().unwrap() + line["credits_minor"].as_i64().unwrap()
            - line["debits_minor"].as_i64().unwrap(),
        line["closing_minor"].as_i64().unwrap()
    );
    let thb = v["currencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["currency"] == "THB")
        .unwrap()
        .clone();
    assert_eq!(
        thb["holdings_minor"].as_i64().unwrap(),
        thb["sources_minor"].as_i64().unwrap() - thb["uses_minor"].as_i64().unwrap()
    );
    // The default period is this month to today.
    let default = t
        .call("GET", "/api/v1/fund/reconciliation", Some(&coord), None)
        .await;
    assert_eq!(default.status, StatusCode::OK);
    assert_eq!(default.json()["to"], day(0).as_str());

    // Bad periods: a clear 400.
    let backwards = t
        .call(
            "GET",
            "/api/v1/fund/reconciliation?from=2026-05-02&to=2026-05-01",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(backwards.status, StatusCode::BAD_REQUEST);
    assert_eq!(backwards.json()["code"], "ends_before_start");
    let garbage = t
        .call(
            "GET",
            "/api/v1/fund/reconciliation?from=May",
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);

    // Only those who post to the fund.
    for user in [
        "demo-cm-a",
        "demo-cm-b",
        "demo-analyst",
        "demo-admin",
        "demo-responder",
    ] {
        let tok = t.login(user).await;
        let r = t
            .call("GET", "/api/v1/fund/reconciliation", Some(&tok), None)
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{user}");
    }

    // On the fund page: the result, the tables; a bad period keeps the input
    // and says why beside the dates.
    let (page, _) = page_login(&t, "demo-coordinator").await;
    let html = t.page(&page, "/fund").await.text();
    assert!(
        html.contains("id=\"reconcile\""),
        "the form, not yet the report"
    );
    assert!(!html.contains("id=\"reconciliation-result\""));
    let html = t
        .page(&page, &format!("/fund?from={}&to={}", day(-30), day(0)))
        .await
        .text();
    assert!(html.contains("id=\"reconciliation-result\""), "{html}");
    assert!(html.contains("The ledger reconciles"));
    let bad = t
        .page(&page, "/fund?from=2026-05-02&to=2026-05-01")
        .await
        .text();
    assert!(bad.contains("id=\"reconciliation-error\""));
    assert!(bad.contains("value=\"2026-05-02\""));
    let (cm_page, _) = page_login(&t, "demo-cm-a").await;
    assert!(
        !t.page(&cm_page, "/fund")
            .await
            .text()
            .contains("reconciliation")
    );
}

#[tokio::test]
async fn the_case_page_links_to_rights_and_justice_only_when_it_would_open() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let case = t.create(&cm_a, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (own, _) = page_login(&t, "demo-cm-a").await;
    assert!(
        t.page(&own, &format!("/cases/{case}"))
            .await
            .text()
            .contains("id=\"justice-link\"")
    );
    refer_to(&t, &cm_a, &cm_b, &case, json!(["health"])).await;
    let (b, _) = page_login(&t, "demo-cm-b").await;
    let seen = t.page(&b, &format!("/cases/{case}")).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.text().contains("id=\"justice-link\""));
    refer_to(&t, &cm_a, &cm_b, &case, json!(["legal"])).await;
    assert!(
        t.page(&b, &format!("/cases/{case}"))
            .await
            .text()
            .contains("id=\"justice-link\"")
    );
}

#[tokio::test]
async fn the_case_manager_is_reminded_of_a_hearing_once() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = t.create(&cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let p = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/proceedings"),
            Some(&cm),
            Some(json!({"kind": "criminal", "authority": "Synthetic Court", "role": "witness", "opened_on": day(-30)})),
        )
        .await;
    let pid = p.json()["id"].as_str().unwrap().to_owned();
    let events = format!("/api/v1/cases/{case}/proceedings/{pid}/events");
    for body in [
        json!({"kind": "hearing", "on": day(3), "attendance": "video_link"}),
        json!({"kind": "hearing", "on": day(20), "attendance": "in_person"}),
        json!({"kind": "hearing", "on": day(-2), "attendance": "in_person"}),
    ] {
        let e = t.call("POST", &events, Some(&cm), Some(body)).await;
        assert_eq!(e.status, StatusCode::CREATED, "{}", e.text());
    }
    assert_eq!(t.app.notify_justice_deadlines().await.unwrap(), 1);
    let told: Vec<String> = t
        .call("GET", "/api/v1/notifications", Some(&cm), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "hearing_upcoming")
        .map(|n| n["message"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(told.len(), 1);
    assert!(told[0].contains("hearing in 3 days"), "{}", told[0]);
    assert!(!told[0].contains("Synthetic Court"));
    assert_eq!(t.app.notify_justice_deadlines().await.unwrap(), 0);
}

#[tokio::test]
async fn the_screenings_non_punishment_flag_starts_the_non_punishment_work() {
    let t = spawn_app().await;
    let responder = t.login("demo-responder").await;
    let coord = t.login("demo-coordinator").await;
    let org_a = t
        .call("GET", "/api/v1/me", Some(&responder), None)
        .await
        .json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let s = t
        .call("POST", "/api/v1/screenings", Some(&responder), Some(json!({"consent_given": true, "language": "km", "interpreter": true, "place_kind": "other", "document": {"age_years": 15, "form": "forced_criminality", "act_established": true, "indicators": {"EX1": "yes", "EX3": "yes"}}})))
        .await
        .json();
    assert_eq!(s["non_punishment"], true, "{s}");
    let case = t
        .call(
            "POST",
            &format!("/api/v1/screenings/{}/refer", s["id"].as_str().unwrap()),
            Some(&responder),
            Some(json!({"to_org_id": org_a})),
        )
        .await
        .json();
    let case = case["id"].as_str().unwrap().to_owned();
    let justice = format!("/api/v1/cases/{case}/justice");
    let v = t.call("GET", &justice, Some(&coord), None).await.json();
    assert_eq!(v["non_punishment_flagged"], true, "{v}");
    let (page, _) = page_login(&t, "demo-coordinator").await;
    let html = t
        .page(&page, &format!("/cases/{case}/justice"))
        .await
        .text();
    assert!(html.contains("id=\"non-punishment-flag\""));
    assert!(html.contains("name=\"from_identification_flag\" value=\"yes\""));
    let np = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/non-punishment"),
            Some(&coord),
            Some(json!({"charge": "forced_criminality", "arose_from_trafficking": true, "state": "requested", "requested_on": "2026-11-30", "from_identification_flag": true})),
        )
        .await;
    assert_eq!(np.status, StatusCode::CREATED, "{}", np.text());
    let v = t.call("GET", &justice, Some(&coord), None).await.json();
    assert_eq!(v["non_punishment_flagged"], false, "{v}");
    assert_eq!(v["non_punishment"][0]["from_identification_flag"], true);
    let html = t
        .page(&page, &format!("/cases/{case}/justice"))
        .await
        .text();
    assert!(!html.contains("id=\"non-punishment-flag\""));
    // A case without the flag never shows it.
    let cm = t.login("demo-cm-a").await;
    let plain = t.create(&cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let v = t
        .call(
            "GET",
            &format!("/api/v1/cases/{plain}/justice"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert_eq!(v["non_punishment_flagged"], false);
}

#[tokio::test]
async fn legal_aid_comes_from_the_directorys_legal_aid_services() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = t.create(&cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let services = t
        .call("GET", "/api/v1/services", Some(&cm), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .clone();
    let legal = services
        .iter()
        .find(|s| s["service_type"] == "legal_aid")
        .expect("the demo directory has a legal-aid service")
        .clone();
    let other = services
        .iter()
        .find(|s| s["service_type"] != "legal_aid")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/cases/{case}/legal-aid");
    for bad in [other.as_str(), "no-such-service"] {
        let r = t
            .call("POST", &path, Some(&cm), Some(json!({"representative": "legal_aid_organisation", "name": "", "service_id": bad, "from": day(0), "cost": "free"})))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
        assert_eq!(r.json()["code"], "unknown_service");
    }
    let ok = t
        .call("POST", &path, Some(&cm), Some(json!({"representative": "legal_aid_organisation", "name": "", "service_id": legal["id"], "from": day(0), "cost": "free"})))
        .await;
    assert_eq!(ok.status, StatusCode::CREATED, "{}", ok.text());
    let v = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/justice"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert_eq!(v["legal_aid"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["legal_aid"][0]["name"], legal["name"]);
    // The page offers the directory's legal-aid services, and only those.
    let (page, _) = page_login(&t, "demo-cm-a").await;
    let html = t
        .page(&page, &format!("/cases/{case}/justice"))
        .await
        .text();
    assert!(html.contains("id=\"legal-aid-service_id\""));
    assert!(html.contains(legal["id"].as_str().unwrap()));
    assert!(!html.contains(&format!("value=\"{other}\"")));
}

/// A case of organisation A brought to solution planning, with a security
/// assessment recorded: a return could be planned next.
async fn ready_for_return(t: &TestApp, cm: &str, coord: &str) -> String {
    let id = t.create(cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (stage, outcome) in [
        ("reasonable_grounds", "presumed_victim"),
        ("conclusive", "identified"),
    ] {
        let a = t
            .call("POST", &format!("/api/v1/cases/{id}/decisions"), Some(coord), Some(json!({"stage": stage, "outcome": outcome, "reasons": "Synthetic reasons, long enough to record.", "letter_addressee": "person"})))
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{stage}: {}", a.text());
    }
    let tr = format!("/api/v1/cases/{id}/transitions");
    let a = t
        .call(
            "POST",
            &tr,
            Some(coord),
            Some(json!({"to": "solution_planning"})),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let s = t
        .call("POST", &format!("/api/v1/cases/{id}/assessments"), Some(coord), Some(json!({"kind": "security_assessment", "summary": "Home district safe; family supportive (synthetic)."})))
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{}", s.text());
    id
}

#[tokio::test]
async fn no_return_is_planned_during_a_reflection_period_or_a_pending_asylum_application() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    for (permit_body, code) in [
        (
            json!({"kind": "reflection_period", "issued_on": day(-10), "expires_on": day(50)}),
            "return_blocked_reflection_period",
        ),
        (
            json!({"kind": "asylum_application", "issued_on": day(-5), "application": "applied"}),
            "return_blocked_protection_pending",
        ),
    ] {
        let id = ready_for_return(&t, &cm, &coord).await;
        permit(&t, &cm, &id, permit_body).await;
        let tr = format!("/api/v1/cases/{id}/transitions");
        let refused = t
            .call(
                "POST",
                &tr,
                Some(&coord),
                Some(json!({"to": "repatriation_in_progress"})),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text());
        assert_eq!(refused.json()["code"], code);
        let status = t
            .call("GET", &format!("/api/v1/cases/{id}"), Some(&coord), None)
            .await
            .json()["status"]
            .clone();
        assert_eq!(status, "solution_planning", "nothing changed");
    }
    // A reflection period that has ended no longer stands in the way.
    let id = ready_for_return(&t, &cm, &coord).await;
    permit(
        &t,
        &cm,
        &id,
        json!({"kind": "reflection_period", "issued_on": day(-100), "expires_on": day(-10)}),
    )
    .await;
    let moved = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/transitions"),
            Some(&coord),
            Some(json!({"to": "repatriation_in_progress"})),
        )
        .await;
    assert_eq!(moved.status, StatusCode::CREATED, "{}", moved.text());
}

#[tokio::test]
async fn notifications_are_counted_until_marked_read() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = t.create(&cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    permit(
        &t,
        &cm,
        &case,
        json!({"kind": "temporary_stay", "issued_on": day(-100), "expires_on": day(3)}),
    )
    .await;
    assert_eq!(t.app.notify_justice_deadlines().await.unwrap(), 1);
    let (page, csrf) = page_login(&t, "demo-cm-a").await;
    let html = t.page(&page, "/notifications").await.text();
    assert!(html.contains("id=\"unread-count\""), "the menu counts it");
    assert!(html.contains("class=\"notification unread\""));
    assert!(html.contains("id=\"mark-read\""));
    // Without the form's token nothing changes.
    let refused = t
        .page_post(&page, "/notifications/read", "csrf=wrong".to_owned())
        .await;
    assert_ne!(refused.status, StatusCode::SEE_OTHER);
    assert!(
        t.page(&page, "/notifications")
            .await
            .text()
            .contains("id=\"unread-count\"")
    );
    let done = t
        .page_post(&page, "/notifications/read", format!("csrf={csrf}"))
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = t.page(&page, "/notifications?done=read").await.text();
    assert!(!after.contains("id=\"unread-count\""));
    assert!(after.contains("id=\"message\""));
    let items = t
        .call("GET", "/api/v1/notifications", Some(&cm), None)
        .await
        .json();
    assert!(
        items["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| n["read"] == true)
    );
    // The API marks read too; nothing left to mark.
    let again = t
        .call("POST", "/api/v1/notifications/read", Some(&cm), None)
        .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(again.json()["marked"], 0);
}

#[tokio::test]
async fn a_case_manager_requests_a_payment_on_the_case_page_and_a_coordinator_approves_it() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let case = t.create(&cm, person()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let accounts = t
        .call("GET", "/api/v1/fund/accounts", Some(&coord), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .clone();
    let legal = accounts.iter().find(|a| a["kind"] == "legal_aid").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let holdings = accounts.iter().find(|a| a["kind"] == "holdings").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (page, csrf) = page_login(&t, "demo-cm-a").await;
    let path = format!("/cases/{case}/justice");
    assert!(
        t.page(&page, &path)
            .await
            .text()
            .contains("id=\"disbursement\"")
    );
    // A bad amount: the error beside the field, the input kept, nothing asked.
    let bad = t
        .page_post(&page, &path, format!("csrf={csrf}&form=disbursement&account_id={legal}&amount=-40&currency=THB&description=Synthetic+lawyer+fee"))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("Synthetic lawyer fee"));
    let pending = || async {
        t.call(
            "GET",
            "/api/v1/fund/transactions/pending",
            Some(&coord),
            None,
        )
        .await
        .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["description"] == "Synthetic lawyer fee")
            .cloned()
            .collect::<Vec<Value>>()
    };
    assert!(pending().await.is_empty());
    // Not a use account: refused beside the field.
    let wrong = t
        .page_post(&page, &path, format!("csrf={csrf}&form=disbursement&account_id={holdings}&amount=1500&currency=THB&description=Synthetic+lawyer+fee"))
        .await;
    assert_eq!(wrong.status, StatusCode::BAD_REQUEST);
    let ok = t
        .page_post(&page, &path, format!("csrf={csrf}&form=disbursement&account_id={legal}&amount=1%2C500.50&currency=THB&description=Synthetic+lawyer+fee"))
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text());
    assert!(
        ok.headers["location"]
            .to_str()
            .unwrap()
            .contains("done=disbursement#")
    );
    let waiting = pending().await;
    assert_eq!(waiting.len(), 1);
    let postings = waiting[0]["postings"].as_array().unwrap();
    assert!(postings.iter().any(|p| p["account_id"] == legal.as_str()
        && p["direction"] == "debit"
        && p["amount_minor"] == 150_050
        && p["case_id"] == case.as_str()));
    let id = waiting[0]["id"].as_str().unwrap().to_owned();
    let approved = t
        .call(
            "POST",
            &format!("/api/v1/fund/transactions/{id}/approve"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text());
    let v = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/justice"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert!(
        v["fund_paid"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["amount_minor"] == 150_050),
        "{v}"
    );
    // A receiving organisation, even with `legal` shared, is offered no payment.
    let cm_b = t.login("demo-cm-b").await;
    refer_to(&t, &cm, &cm_b, &case, json!(["legal"])).await;
    let (b, _) = page_login(&t, "demo-cm-b").await;
    let seen = t.page(&b, &path).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(!seen.text().contains("id=\"disbursement\""));
}
