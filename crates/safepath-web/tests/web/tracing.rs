//! Family tracing end to end through HTTP (the whole app in process, a fresh
//! SQLite database per test, the demo's synthetic people).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};

impl TestApp {
    /// A request for `name` born in `year` (year only), recorded by `token`'s user.
    async fn request_for(&self, token: &str, name: &str, year: i32) -> String {
        let a = self
            .call_as(
                "POST",
                "/api/v1/tracing-requests",
                token,
                Some(json!({
                    "sought": {"names": [{"value": name}], "sex": "female", "birth_date": {"kind": "year", "year": year},
                               "last_known_place": {"country": "THA", "area": "Chon Buri"}, "last_seen_on": "2023-05"},
                    "requester": {"name": "Synthetic Requester Ratana", "relationship": "sibling", "contact": {"phone": "+66 2 000 0000"}}
                })),
            )
            .await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
        let body = a.json();
        // The answer says nothing about matches.
        assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
        body["id"].as_str().unwrap().to_owned()
    }

    async fn matches(&self, token: &str) -> Vec<Value> {
        let a = self
            .call_as("GET", "/api/v1/tracing-matches", token, None)
            .await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
        a.json()["items"].as_array().unwrap().clone()
    }
}

fn match_for<'a>(items: &'a [Value], reference: &str) -> Option<&'a Value> {
    items.iter().find(|m| m["request_reference"] == reference)
}

#[tokio::test]
async fn a_match_reaches_the_case_manager_and_the_requester_learns_only_after_consent() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    // Year only (1994) against the stored exact date 1994-03-12, Latin script
    // against a Thai name with its transliteration.
    let id = t.request_for(&cm_a, "Malee Thongkham", 1994).await;
    let before = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-requests/{id}"),
            &cm_a,
            None,
        )
        .await;
    assert_eq!(before.status, StatusCode::OK);
    let view = before.json();
    assert_eq!(view["status"], "open");
    assert!(view["contact_route"].is_null());
    let reference = view["reference"].as_str().unwrap().to_owned();

    // The sought person's case manager sees the match; the requester's side does not.
    let items = t.matches(&cm_b).await;
    let m = match_for(&items, &reference).expect("match reaches org B's case manager");
    assert_eq!(m["state"], "pending");
    assert!(matches!(m["band"].as_str(), Some("likely" | "possible")));
    assert!(match_for(&t.matches(&cm_a).await, &reference).is_none());
    let match_id = m["id"].as_str().unwrap().to_owned();
    let case_id = m["case_id"].as_str().unwrap().to_owned();
    // In-app notification without personal data.
    let notes = t.call_as("GET", "/api/v1/notifications", &cm_b, None).await;
    let text = notes.text();
    assert!(text.contains("tracing request"), "{text}");
    assert!(!text.contains("Malee") && !text.contains("Ratana"));
    // The requester's side cannot read or answer the match.
    let stolen = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-matches/{match_id}"),
            &cm_a,
            None,
        )
        .await;
    assert_eq!(stolen.status, StatusCode::NOT_FOUND);
    let forged = t
        .call_as(
            "POST",
            &format!("/api/v1/tracing-matches/{match_id}/answer"),
            &cm_a,
            Some(json!({"answer": "consents"})),
        )
        .await;
    assert_eq!(forged.status, StatusCode::NOT_FOUND);
    // No contact can be logged before consent.
    let early = t
        .call_as(
            "POST",
            &format!("/api/v1/tracing-requests/{id}/contacts"),
            &cm_a,
            Some(json!({"method": "phone"})),
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert_eq!(early.json()["code"], "tracing_not_found_yet");

    // A bad answer is refused and changes nothing.
    let bad = t
        .call_as(
            "POST",
            &format!("/api/v1/tracing-matches/{match_id}/answer"),
            &cm_b,
            Some(json!({"answer": "maybe"})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad.json()["code"], "invalid_field");
    assert_eq!(
        match_for(&t.matches(&cm_b).await, &reference).unwrap()["state"],
        "pending"
    );

    // The person agrees: a family-contact consent is recorded in the ledger.
    let ok = t
        .call_as(
            "POST",
            &format!("/api/v1/tracing-matches/{match_id}/answer"),
            &cm_b,
            Some(json!({"answer": "consents", "explained_in_language": "th", "interpreter": true})),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.json()["state"], "consented");
    let ledger = t
        .call_as(
            "GET",
            &format!("/api/v1/cases/{case_id}/consents"),
            &cm_b,
            None,
        )
        .await
        .json();
    assert!(
        ledger["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["purpose"] == "family_contact" && c["effective"] == true)
    );
    let again = t
        .call_as(
            "POST",
            &format!("/api/v1/tracing-matches/{match_id}/answer"),
            &cm_b,
            Some(json!({"answer": "not_same"})),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // Now the requester sees "found" and the contact route (a staff member).
    let after = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-requests/{id}"),
            &cm_a,
            None,
        )
        .await
        .json();
    assert_eq!(after["status"], "found");
    assert!(
        after["contact_route"]["org_name"]
            .as_str()
            .unwrap()
            .contains("Organisation B")
    );
    assert_eq!(
        after["contact_route"]["focal_point"],
        "Demo Case Manager (org B)"
    );
    // Nothing about where the person is, or their case.
    let raw = after.to_string();
    assert!(!raw.contains(&case_id) && !raw.contains("มาลี"));

    // The contact is logged, audited.
    let logged = t
        .call_as(
            "POST",
            &format!("/api/v1/tracing-requests/{id}/contacts"),
            &cm_a,
            Some(json!({"method": "phone", "note": "Call arranged through the focal point."})),
        )
        .await;
    assert_eq!(logged.status, StatusCode::CREATED, "{}", logged.text());
    let bad_method = t
        .call_as(
            "POST",
            &format!("/api/v1/tracing-requests/{id}/contacts"),
            &cm_a,
            Some(json!({"method": "pigeon"})),
        )
        .await;
    assert_eq!(bad_method.status, StatusCode::BAD_REQUEST);
    let log = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-requests/{id}"),
            &cm_a,
            None,
        )
        .await
        .json();
    assert_eq!(log["contacts"].as_array().unwrap().len(), 1);
    assert_eq!(log["contacts"][0]["method"], "phone");
    let entries = t.app.store().audit_entries(0, 100_000).await.unwrap();
    for action in [
        "tracing.create",
        "tracing.read",
        "tracing.matches.list",
        "tracing.match.answer",
        "tracing.contact",
    ] {
        assert!(
            entries.iter().any(|e| e.entry.action == action),
            "{action} audited"
        );
    }
    // Audit details carry ids only.
    assert!(
        entries
            .iter()
            .all(|e| !format!("{:?}", e.entry).contains("Malee"))
    );
}

#[tokio::test]
async fn the_requester_cannot_tell_no_match_from_unanswered_declined_or_not_the_same() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_c = t.login("demo-cm-c").await;
    let (cookie, _) = page_login(&t, "demo-cm-a").await;

    // Napa Boonruang (org C) allows tracing; a nobody matches no one.
    let matched = t.request_for(&cm_a, "Napa Boonruang", 1998).await;
    let nobody = t.request_for(&cm_a, "Wandee Kaewmanee", 1971).await;

    let view = |id: String| {
        let t = &t;
        let cm_a = cm_a.clone();
        let cookie = cookie.clone();
        async move {
            let api = t
                .call_as(
                    "GET",
                    &format!("/api/v1/tracing-requests/{id}"),
                    &cm_a,
                    None,
                )
                .await;
            assert_eq!(api.status, StatusCode::OK);
            let page = t.page(&cookie, &format!("/tracing/requests/{id}")).await;
            assert_eq!(page.status, StatusCode::OK);
            (api.body, page.body)
        }
    };
    let reference = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-requests/{matched}"),
            &cm_a,
            None,
        )
        .await
        .json()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    let items = t.matches(&cm_c).await;
    let m = match_for(&items, &reference).expect("org C's case manager sees the match");
    let match_id = m["id"].as_str().unwrap().to_owned();
    assert!(t.matches(&cm_a).await.is_empty());

    let pending = view(matched.clone()).await;
    let declined_answer = t
        .call_as(
            "POST",
            &format!("/api/v1/tracing-matches/{match_id}/answer"),
            &cm_c,
            Some(json!({"answer": "declines"})),
        )
        .await;
    assert_eq!(declined_answer.status, StatusCode::OK);
    let declined = view(matched.clone()).await;
    // Byte for byte, API JSON and page HTML.
    assert_eq!(pending.0, declined.0, "API: unanswered vs declined");
    assert_eq!(pending.1, declined.1, "page: unanswered vs declined");

    // And the same as a request that matched no one, once the request's own
    // id, reference and creation time are set aside.
    let none = view(nobody.clone()).await;
    let normalise = |bytes: &[u8], id: &str| {
        let s = String::from_utf8(bytes.to_vec()).unwrap();
        let v: Value = serde_json::from_str(&s).unwrap_or(Value::Null);
        let mut s = s.replace(id, "ID");
        if let Some(r) = v["reference"].as_str() {
            s = s.replace(r, "REF");
        }
        if let Some(c) = v["created_at"].as_str() {
            s = s.replace(c, "CREATED");
        }
        s.replace("Napa Boonruang", "NAME")
            .replace("Wandee Kaewmanee", "NAME")
            .replace("1998", "YEAR")
            .replace("1971", "YEAR")
    };
    assert_eq!(
        normalise(&declined.0, &matched),
        normalise(&none.0, &nobody),
        "API: declined vs no match"
    );
    let page_norm = |bytes: &[u8], id: &str, reference: &str| {
        String::from_utf8(bytes.to_vec())
            .unwrap()
            .replace(id, "ID")
            .replace(reference, "REF")
            .replace("Napa Boonruang", "NAME")
            .replace("Wandee Kaewmanee", "NAME")
            .replace("1998", "YEAR")
            .replace("1971", "YEAR")
    };
    let none_ref = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-requests/{nobody}"),
            &cm_a,
            None,
        )
        .await
        .json()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        page_norm(&declined.1, &matched, &reference),
        page_norm(&none.1, &nobody, &none_ref),
        "page: declined vs no match"
    );
    assert!(String::from_utf8_lossy(&none.1).contains("id=\"tracing-open\""));

    // A person without a tracing consent is never matched: a request for a
    // person of a case that never allowed tracing reaches no one.
    let c = t
        .call_as(
            "POST",
            "/api/v1/cases",
            &cm_c,
            Some(json!({"person": {"names": [{"value": "Thida Mya Zaw"}], "sex": "female", "birth_date": {"kind": "exact", "date": "1990-01-02"}}, "exploitation_forms": ["forced_labour"]})),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let before = t.matches(&cm_c).await.len();
    t.request_for(&cm_a, "Thida Mya Zaw", 1990).await;
    assert_eq!(t.matches(&cm_c).await.len(), before);
}

#[tokio::test]
async fn bad_requests_are_refused_clearly_and_change_nothing() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let provider = t.login("demo-provider").await;
    let cm_b = t.login("demo-cm-b").await;
    let ok_sought = json!({"names": [{"value": "Suda Srisuk"}]});
    let ok_requester = json!({"name": "Synthetic Mother", "relationship": "parent", "contact": {"phone": "+66 2 000 0001"}});
    for (body, code) in [
        (
            json!({"sought": ok_sought, "requester": {"name": "X", "relationship": "neighbour", "contact": {"phone": "1"}}}),
            "invalid_field",
        ),
        (
            json!({"sought": ok_sought, "requester": {"name": "X", "relationship": "parent"}}),
            "missing_field",
        ),
        (
            json!({"sought": {"names": []}, "requester": ok_requester}),
            "missing_field",
        ),
        (
            json!({"sought": ok_sought, "requester": ok_requester, "extra": 1}),
            "unknown_field",
        ),
        (
            json!({"sought": {"names": [{"value": "A"}], "last_seen_on": "2999"}, "requester": ok_requester}),
            "invalid_field",
        ),
        (
            json!({"sought": {"names": [{"value": "A"}], "birth_date": {"kind": "exact", "date": "1990-02-30"}}, "requester": ok_requester}),
            "",
        ),
    ] {
        let a = t
            .call_as(
                "POST",
                "/api/v1/tracing-requests",
                &cm_a,
                Some(body.clone()),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{body}: {}", a.text());
        let e = a.json();
        assert!(e["code"].is_string() && e["message"].is_string(), "{e}");
        if !code.is_empty() {
            assert_eq!(e["code"], code, "{e}");
        }
        // No personal data in the error.
        assert!(!a.text().contains("Suda") && !a.text().contains("Synthetic Mother"));
    }
    // A bad place is named as the requester wrote it: the home place or
    // the last known place, not the person model's place of origin.
    let long = "x".repeat(501);
    for (place, field) in [
        (
            json!({"home_place": {"country": "M1"}}),
            "sought.home_place.country",
        ),
        (
            json!({"home_place": {"locality": long}}),
            "sought.home_place.locality",
        ),
        (
            json!({"last_known_place": {"country": "QQ"}}),
            "sought.last_known_place.country",
        ),
    ] {
        let mut sought = json!({"names": [{"value": "Suda Srisuk"}]});
        for (k, v) in place.as_object().unwrap() {
            sought[k] = v.clone();
        }
        let a = t
            .call_as(
                "POST",
                "/api/v1/tracing-requests",
                &cm_a,
                Some(json!({"sought": sought, "requester": ok_requester})),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{place}: {}", a.text());
        let e = a.json();
        assert_eq!(e["code"], "invalid_field", "{e}");
        assert!(
            e["message"].as_str().unwrap().starts_with(field),
            "{field}: {e}"
        );
    }
    let list = t
        .call_as("GET", "/api/v1/tracing-requests", &cm_a, None)
        .await;
    assert_eq!(list.json()["items"].as_array().unwrap().len(), 0);
    // Roles that do not handle cases may not record requests.
    let denied = t
        .call_as(
            "POST",
            "/api/v1/tracing-requests",
            &provider,
            Some(json!({"sought": ok_sought, "requester": ok_requester})),
        )
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    // Another organisation's request looks exactly like a missing one.
    let a = t
        .call_as(
            "POST",
            "/api/v1/tracing-requests",
            &cm_a,
            Some(json!({"sought": ok_sought, "requester": ok_requester})),
        )
        .await;
    let id = a.json()["id"].as_str().unwrap().to_owned();
    let hidden = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-requests/{id}"),
            &cm_b,
            None,
        )
        .await;
    let missing = t
        .call_as("GET", "/api/v1/tracing-requests/nope", &cm_b, None)
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.body, missing.body);
    // No name is stored in clear.
    t.app.shutdown().await;
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        for needle in ["Synthetic Mother", "Suda Srisuk", "+66 2 000 0001"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{needle} in clear"
            );
        }
    }
}

#[tokio::test]
async fn pages_record_a_request_and_answer_a_match_with_csrf() {
    let t = spawn_app().await;
    let (cookie_a, csrf_a) = page_login(&t, "demo-cm-a").await;
    let form = t.page(&cookie_a, "/tracing/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.text().contains("<label for=\"requester_name\""));
    let body = format!(
        "csrf={csrf_a}&name_value=Malee+Thongkham&name_script=Latn&sex=female&birth_kind=year&birth_value=1994&nationality=THA&languages=th&home_locality=Bang+Lamung&home_area=Chon+Buri&home_country=tha&place_country=THA&last_seen_on=2022&requester_name=Synthetic+Brother&relationship=sibling&phone=%2B66+2+000+0002"
    );
    let forged = t
        .page_post(&cookie_a, "/tracing/new", body.replace(&csrf_a, "forged"))
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let refused = t
        .page_post(
            &cookie_a,
            "/tracing/new",
            body.replace("relationship=sibling", "relationship=x"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text().contains("id=\"relationship-error\""));
    assert!(
        refused.text().contains("value=\"Synthetic Brother\"")
            && refused.text().contains("value=\"Bang Lamung\""),
        "values kept"
    );
    let created = t.page_post(&cookie_a, "/tracing/new", body).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text());
    let location = created.headers[header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(location.starts_with("/tracing/requests/"));
    let page = t.page(&cookie_a, &location).await;
    assert!(page.text().contains("id=\"tracing-open\""));
    // The home place as a line, the country by name; no last known place
    // beyond its country was given.
    assert!(
        page.text()
            .contains("id=\"home-place\">Bang Lamung, Chon Buri, Thailand<"),
        "{}",
        page.text()
    );
    assert!(page.text().contains("id=\"last-place\">Thailand<"));

    let (cookie_b, csrf_b) = page_login(&t, "demo-cm-b").await;
    let list = t.page(&cookie_b, "/tracing").await.text();
    assert!(list.contains("class=\"tracing-match\""), "{list}");
    let action = list
        .split("action=\"/tracing/matches/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let answered = t
        .page_post(
            &cookie_b,
            &format!("/tracing/matches/{action}"),
            format!("csrf={csrf_b}&answer=consents&explained_in_language=th"),
        )
        .await;
    assert_eq!(
        answered.status,
        StatusCode::SEE_OTHER,
        "{}",
        answered.text()
    );
    let found = t.page(&cookie_a, &location).await.text();
    assert!(found.contains("id=\"tracing-found\""), "{found}");
    assert!(found.contains("Demo Case Manager (org B)"));
    let logged = t
        .page_post(
            &cookie_a,
            &format!("{location}/contacts"),
            format!("csrf={csrf_a}&method=in_person&note=Met+at+the+office"),
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER);
    assert!(
        t.page(&cookie_a, &location)
            .await
            .text()
            .contains("class=\"contact-entry\"")
    );
    // Indonesian interface strings exist for every tracing key.
    let en = include_str!("../../locales/en/tracing.ftl");
    let id = include_str!("../../locales/id/tracing.ftl");
    let keys = |s: &str| {
        s.lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_owned()))
            .collect::<std::collections::BTreeSet<_>>()
    };
    assert_eq!(keys(en), keys(id));
    let tr = safepath_web::i18n::Tr::new("id");
    assert_eq!(
        tr.t("tracing-title"),
        "Penelusuran keluarga",
        "tracing.ftl is loaded"
    );
}

/// The form's help says "30/04/1999": the form took only the API's
/// 1999-04-30. Its refusals stood at the top with the API's field path
/// ("person.nationalities: expected ISO 3166-1 alpha-3 codes").
#[tokio::test]
async fn the_tracing_form_takes_dates_as_its_help_writes_them_and_puts_refusals_beside_the_field() {
    let t = spawn_app().await;
    let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
    let form = |extra: &str| {
        format!(
            "csrf={csrf}&name_value=Synthetic+Person+Dara&name_script=Latn&other_name=&other_script=Latn&sex=female&nationality=KHM&languages=km&requester_name=Synthetic+Mother&relationship=parent&phone=%2B855+23+000+000{extra}"
        )
    };
    let token = t.login("demo-cm-a").await;
    let count = async |t: &TestApp| {
        t.call("GET", "/api/v1/tracing-requests", Some(&token), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len()
    };
    let before = count(&t).await;
    // A day, a month and a day last seen, written day first as the help says.
    for extra in [
        "&birth_kind=exact&birth_value=30%2F04%2F1994&last_seen_on=15%2F06%2F2022",
        "&birth_kind=year_month&birth_value=04%2F1994&last_seen_on=06%2F2022",
    ] {
        let created = t.page_post(&cookie, "/tracing/new", form(extra)).await;
        assert_eq!(
            created.status,
            StatusCode::SEE_OTHER,
            "{extra}: {}",
            created.text()
        );
        let location = created.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        let page = t.page(&cookie, &location).await.text();
        // Shown back in words, countries and languages by name.
        assert!(
            page.contains("id=\"sought-birth\">30 April 1994<")
                || page.contains("id=\"sought-birth\">April 1994<"),
            "{page}"
        );
        assert!(
            page.contains("id=\"sought-last-seen\">15 June 2022<")
                || page.contains("id=\"sought-last-seen\">June 2022<"),
            "{page}"
        );
        assert!(
            page.contains("id=\"sought-nationalities\">Cambodia<"),
            "{page}"
        );
        assert!(page.contains("id=\"sought-languages\">Khmer<"), "{page}");
        assert!(!page.contains("(Latn)"), "no script codes: {page}");
    }
    assert_eq!(count(&t).await, before + 2);

    // Each refusal beside its field, in plain words, the input kept, nothing recorded.
    for (extra, field) in [
        (
            "&birth_kind=exact&birth_value=31%2F02%2F1994",
            "birth_value",
        ),
        ("&birth_kind=year&birth_value=1994", "nationality"),
        ("&birth_kind=none&home_country=Kampuchea", "home_country"),
        (
            "&birth_kind=none&last_seen_on=01%2F01%2F2999",
            "last_seen_on",
        ),
        ("&birth_kind=none", "other_name"),
    ] {
        // A form field comes once: the value under test replaces the sound one.
        let body = match field {
            "nationality" => form(extra).replace("nationality=KHM", "nationality=Cambodia"),
            "other_name" => form(extra).replace("other_name=&", "other_name=%E2%80%8B&"),
            _ => form(extra),
        };
        let refused = t.page_post(&cookie, "/tracing/new", body).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{extra}");
        let html = refused.text();
        assert!(
            html.contains(&format!("<p class=\"field-error\" id=\"{field}-error\">")),
            "{extra}: {html}"
        );
        assert!(
            html.contains(&format!("href=\"#{field}\"")),
            "summary links to it: {extra}"
        );
        assert!(
            html.contains(&format!("id=\"{field}\" name=\"{field}\""))
                && html.contains("aria-invalid=\"true\""),
            "{extra}"
        );
        for path in [
            "person.",
            "sought.",
            "requester.name",
            "requester.contact",
            "ISO 3166",
            "YYYY",
        ] {
            assert!(!html.contains(path), "{extra}: {path} shown");
        }
        assert!(
            html.contains("value=\"Synthetic Mother\""),
            "input kept: {extra}"
        );
    }
    // No way to reach the requester: beside the phone.
    let refused = t
        .page_post(
            &cookie,
            "/tracing/new",
            form("&birth_kind=none").replace("&phone=%2B855+23+000+000", "&phone="),
        )
        .await;
    assert!(
        refused
            .text()
            .contains("id=\"phone-error\">Give at least one way"),
        "{}",
        refused.text()
    );
    assert_eq!(count(&t).await, before + 2, "nothing refused was recorded");
}

#[tokio::test]
async fn openapi_documents_the_tracing_endpoints() {
    let t = spawn_app().await;
    let token = t.login("demo-cm-a").await;
    let spec = t
        .call_as("GET", "/api/v1/openapi.json", &token, None)
        .await
        .json();
    let paths = spec["paths"].as_object().unwrap();
    for (p, method) in [
        ("/api/v1/tracing-requests", "post"),
        ("/api/v1/tracing-requests", "get"),
        ("/api/v1/tracing-requests/{id}", "get"),
        ("/api/v1/tracing-requests/{id}/contacts", "post"),
        ("/api/v1/tracing-matches", "get"),
        ("/api/v1/tracing-matches/{id}", "get"),
        ("/api/v1/tracing-matches/{id}/answer", "post"),
    ] {
        assert!(
            paths.get(p).and_then(|v| v.get(method)).is_some(),
            "{method} {p} is documented"
        );
    }
}

/// A person who agrees to tracing after a family's request was recorded is
/// matched against the request that was already waiting (issue 14); the
/// match goes to the person's side only, once.
#[tokio::test]
async fn a_later_tracing_consent_is_matched_against_waiting_requests() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let person = json!({"names": [{"value": "Sokunthea Vannarith", "script": "Latn"}], "sex": "female",
        "gender_identity": "woman", "birth_date": {"kind": "year", "year": 1996},
        "nationalities": ["KHM"], "languages": ["km"]});
    let case = t.create(&cm_a, person).await;
    let case_id = case["id"].as_str().unwrap().to_owned();

    // Organisation B records a family's request: no consent yet, no match.
    let id = t.request_for(&cm_b, "Sokunthea Vannarith", 1996).await;
    let reference = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-requests/{id}"),
            &cm_b,
            None,
        )
        .await
        .json()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(match_for(&t.matches(&cm_a).await, &reference).is_none());

    // The person agrees to tracing: the waiting request is matched.
    let consent =
        json!({"purpose": "tracing", "categories": ["identity"], "expires_on": "2099-12-31"});
    let given = t
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case_id}/consents"),
            &cm_a,
            Some(consent.clone()),
        )
        .await;
    assert_eq!(given.status, StatusCode::CREATED, "{}", given.text());
    let items = t.matches(&cm_a).await;
    let m = match_for(&items, &reference).expect("the waiting request is matched");
    assert_eq!(m["case_id"], case_id.as_str());
    assert_eq!(m["state"], "pending");
    // Told without personal data; the requester's side learns nothing.
    let notes = t
        .call_as("GET", "/api/v1/notifications", &cm_a, None)
        .await
        .text();
    assert!(notes.contains("tracing request"), "{notes}");
    assert!(!notes.contains("Sokunthea"), "{notes}");
    assert!(match_for(&t.matches(&cm_b).await, &reference).is_none());
    let view = t
        .call_as(
            "GET",
            &format!("/api/v1/tracing-requests/{id}"),
            &cm_b,
            None,
        )
        .await
        .json();
    assert_eq!(view["status"], "open");

    // A second tracing consent does not pair them twice.
    let again = t
        .call_as(
            "POST",
            &format!("/api/v1/cases/{case_id}/consents"),
            &cm_a,
            Some(consent),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.text());
    let twice = t
        .matches(&cm_a)
        .await
        .iter()
        .filter(|m| m["request_reference"] == reference.as_str())
        .count();
    assert_eq!(twice, 1);
}
