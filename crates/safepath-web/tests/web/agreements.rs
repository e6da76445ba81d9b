//! The registry of agreements between countries (issue 12) through the API:
//! read by every staff role, recorded by coordinators and administrators,
//! asked for one return it gives the agreements covering it with the plan
//! each pre-fills; bad input is refused with a code and changes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn items(v: &Value) -> Vec<Value> {
    v["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn agreements_are_recorded_by_coordinators_and_prefill_return_plans() {
    let t = spawn_app().await;
    let coordinator = t.login("demo-coordinator").await;
    let cm = t.login("demo-cm-a").await;
    let analyst = t.login("demo-analyst").await;

    // The demo's registry, readable by any staff role.
    let all = t
        .call("GET", "/api/v1/agreements", Some(&analyst), None)
        .await;
    assert_eq!(all.status, StatusCode::OK, "{}", all.text());
    let before = items(&all.json()).len();
    assert_eq!(before, 3);
    assert!(
        items(&all.json())
            .iter()
            .all(|a| a["return_plan"].is_null())
    );

    // One return: Thailand to Myanmar is covered by the bilateral MOU and COMMIT.
    let route = t
        .call(
            "GET",
            "/api/v1/agreements?destination=th&origin=MM",
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(route.status, StatusCode::OK, "{}", route.text());
    let covering = items(&route.json());
    assert_eq!(covering.len(), 2, "{}", route.text());
    let bilateral = covering.iter().find(|a| a["kind"] == "bilateral").unwrap();
    assert_eq!(bilateral["return_plan"]["escort"], "destination_staff");
    assert_eq!(bilateral["return_plan"]["costs"][0]["item"], "travel");
    assert_eq!(bilateral["return_plan"]["costs"][0]["payer"], "destination");
    let regional = covering.iter().find(|a| a["kind"] == "regional").unwrap();
    assert_eq!(
        regional["return_plan"]["escort"],
        "international_organisation"
    );
    // Viet Nam to Indonesia: none.
    let none = t
        .call(
            "GET",
            "/api/v1/agreements?destination=VN&origin=ID",
            Some(&cm),
            None,
        )
        .await;
    assert!(items(&none.json()).is_empty());
    // Half a route, or a code that is not one: refused.
    for q in ["?destination=TH", "?destination=THA&origin=MM"] {
        let bad = t
            .call("GET", &format!("/api/v1/agreements{q}"), Some(&cm), None)
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{q}");
        assert_eq!(bad.json()["code"], "invalid_field");
    }

    let new = json!({
        "title": "Synthetic agreement between Viet Nam and Indonesia (test)",
        "kind": "bilateral", "parties": ["vn", "ID"], "signed_on": "2020-02-02",
        "responsibilities": {"travel_costs": "origin", "escort": "receiving_staff_not_a_party", "reception": "origin", "reintegration_services": "origin"}
    });
    // A case manager may not record one.
    let mut ok = new.clone();
    ok["responsibilities"]["escort"] = json!("origin");
    let refused = t
        .call("POST", "/api/v1/agreements", Some(&cm), Some(ok.clone()))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    // Bad input: a party not in the vocabulary, three parties for a bilateral
    // one, a contact point of another country, a date to come.
    let mut three = ok.clone();
    three["parties"] = json!(["VN", "ID", "TH"]);
    let mut stranger = ok.clone();
    stranger["contact_points"] = json!([{"country": "TH", "office": "Somewhere"}]);
    let mut future = ok.clone();
    future["signed_on"] = json!("2999-01-01");
    for (body, status, code) in [
        (new.clone(), StatusCode::BAD_REQUEST, None),
        (
            three,
            StatusCode::BAD_REQUEST,
            Some("agreement_parties_invalid"),
        ),
        (
            stranger,
            StatusCode::BAD_REQUEST,
            Some("agreement_contact_point_invalid"),
        ),
        (future, StatusCode::BAD_REQUEST, Some("invalid_field")),
    ] {
        let a = t
            .call("POST", "/api/v1/agreements", Some(&coordinator), Some(body))
            .await;
        assert_eq!(a.status, status, "{}", a.text());
        if let Some(code) = code {
            assert_eq!(a.json()["code"], code, "{}", a.text());
        }
    }
    let count = |v: &Value| items(v).len();
    let now = t.call("GET", "/api/v1/agreements", Some(&cm), None).await;
    assert_eq!(count(&now.json()), before, "refusals changed nothing");

    // Recorded once; the same title again is a conflict.
    let made = t
        .call(
            "POST",
            "/api/v1/agreements",
            Some(&coordinator),
            Some(ok.clone()),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.text());
    assert_eq!(made.json()["parties"], json!(["ID", "VN"]));
    let again = t
        .call("POST", "/api/v1/agreements", Some(&coordinator), Some(ok))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "agreement_exists");
    let covered = t
        .call(
            "GET",
            "/api/v1/agreements?destination=ID&origin=VN",
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(count(&covered.json()), 1);
    // Without a token: 401.
    let anonymous = t.call("GET", "/api/v1/agreements", None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_agreements_page_names_countries_and_shows_the_plan_for_a_return() {
    let t = spawn_app().await;
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let all = page_get(&t, &cookie, "/agreements").await;
    assert_eq!(all.status, StatusCode::OK);
    let html = all.text();
    assert!(html.contains("Agreements between countries"));
    assert!(html.contains("Thailand") && html.contains("Myanmar") && html.contains("Cambodia"));
    assert!(html.contains("Bilateral agreement between"));
    assert!(html.contains("id=\"nav-agreements\""), "in the menu");
    assert!(
        !html.contains("For this return"),
        "no plan without a return"
    );
    // One return: only the agreements covering it, with the plan they start.
    let route = page_get(&t, &cookie, "/agreements?destination=TH&origin=MM").await;
    let html = route.text();
    assert!(html.contains("Thailand and Myanmar"), "the bilateral one");
    assert!(
        !html.contains("Thailand and Cambodia"),
        "not another pair's"
    );
    assert!(html.contains("For this return, the plan starts with:"));
    assert!(html.contains("an escort by staff of the country where the person was identified"));
    assert!(html.contains("Travel paid by the country where the person was identified"));
    // An empty choice shows every agreement; an unknown pair says so.
    let empty = page_get(&t, &cookie, "/agreements?destination=&origin=").await;
    assert!(empty.text().contains("Thailand and Cambodia"));
    let none = page_get(&t, &cookie, "/agreements?destination=SG&origin=BN").await;
    assert!(
        none.text()
            .contains("No recorded agreement covers this return")
    );
    // Not for roles that do not work on returns.
    let (analyst, _) = page_login(&t, "demo-analyst").await;
    assert_eq!(
        page_get(&t, &analyst, "/agreements").await.status,
        StatusCode::FORBIDDEN
    );
}

/// Found by Schemathesis: the OpenAPI document named the durable-solution
/// vocabularies by their Rust variants ("Bilateral", "InternationalOrganisation")
/// while the API answers their codes ("bilateral", "international_organisation").
#[tokio::test]
async fn the_openapi_document_names_the_codes_the_api_answers() {
    let t = spawn_app().await;
    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    let schemas = &spec["components"]["schemas"];
    assert_eq!(
        schemas["AgreementKind"]["enum"],
        json!(["bilateral", "regional"])
    );
    assert_eq!(
        schemas["ResponsibleParty"]["enum"],
        json!([
            "destination",
            "origin",
            "shared",
            "international_organisation",
            "fund"
        ])
    );
    // Every vocabulary of the document is written as the API writes it.
    for (name, schema) in schemas.as_object().unwrap() {
        if let Some(values) = schema["enum"].as_array() {
            for v in values.iter().filter_map(Value::as_str) {
                assert!(
                    !v.chars().next().is_some_and(char::is_uppercase),
                    "{name}: {v}"
                );
            }
        }
    }
}

/// A coordinator records an agreement on the page: each missing or wrong
/// answer named beside its field with the input kept, nothing stored; then
/// recorded, with a message, and listed in words. Others get no form.
#[tokio::test]
async fn a_coordinator_records_an_agreement_on_the_page() {
    let t = spawn_app().await;
    let (page, csrf) = page_login(&t, "demo-coordinator").await;
    let html = t.page(&page, "/agreements").await.text();
    assert!(
        html.contains("id=\"record-agreement\""),
        "the form is offered"
    );
    let count = |t: &TestApp| {
        let t = t.app.clone();
        async move { t.store().agreements(None).await.unwrap().len() }
    };
    let before = count(&t).await;
    // Nothing chosen: each field says so; the title is kept.
    let r = t
        .page_post(
            &page,
            "/agreements",
            form_body(&csrf, &[("title", "Synthetic accord on returns")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    assert!(
        html.contains("value=\"Synthetic accord on returns\""),
        "input kept"
    );
    assert!(html.contains("Give the date it was signed."));
    assert!(
        html.matches("Choose one.").count() >= 5,
        "kind and the four duties"
    );
    assert_eq!(count(&t).await, before, "nothing stored");
    // A bilateral agreement with three parties: the domain's rule, in words.
    let mut fields = vec![
        ("title", "Synthetic accord on returns"),
        ("kind", "bilateral"),
        ("parties", "TH"),
        ("parties", "KH"),
        ("parties", "LA"),
        ("signed_on", "2024-03-01"),
        ("travel_costs", "destination"),
        ("escort", "origin"),
        ("reception", "origin"),
        ("reintegration_services", "shared"),
        ("contact_country", "KH"),
        ("contact_office", "Ministry of social affairs (synthetic)"),
    ];
    let r = t
        .page_post(&page, "/agreements", form_body(&csrf, &fields))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("A bilateral agreement has two parties"));
    assert!(r.text().contains("value=\"LA\" checked"), "ticks kept");
    assert_eq!(count(&t).await, before);
    fields.retain(|(k, v)| !(*k == "parties" && *v == "LA"));
    let r = t
        .page_post(&page, "/agreements", form_body(&csrf, &fields))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(count(&t).await, before + 1);
    let html = t.page(&page, "/agreements?done=recorded").await.text();
    assert!(html.contains("The agreement was recorded."));
    assert!(html.contains("Synthetic accord on returns"));
    assert!(
        html.contains("Bilateral agreement between Thailand, Cambodia")
            || html.contains("Bilateral agreement between Cambodia, Thailand")
    );
    // The same title again: named beside the title.
    let r = t
        .page_post(&page, "/agreements", form_body(&csrf, &fields))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().contains("already recorded"));
    // A case manager reads the registry but gets no form, and cannot post.
    let (cm, cm_csrf) = page_login(&t, "demo-cm-a").await;
    assert!(
        !t.page(&cm, "/agreements")
            .await
            .text()
            .contains("id=\"record-agreement\"")
    );
    fields[0] = ("title", "Another synthetic accord");
    let r = t
        .page_post(&cm, "/agreements", form_body(&cm_csrf, &fields))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&t).await, before + 1);
}
