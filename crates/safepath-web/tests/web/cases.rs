//! Cases: create, read, update, list and search (API and pages), need to know, breaking the glass, bad input, nothing in clear on disk, search before create.
//! (Split by capability from the former tests/web.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
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
    // Beside the field, in plain words, not the API's field path.
    assert!(
        bad.text().contains("id=\"birth_value-error\""),
        "{}",
        bad.text()
    );
    assert!(!bad.text().contains("person.birth_date"));
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

/// Twelve namesakes: the check shows the best ten the clerk may see, reads
/// (and audits) only those, counts the rest and asks for a narrower search;
/// the page names each band in words.
#[tokio::test]
async fn a_check_with_many_namesakes_shows_ten_and_counts_the_rest() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let person = json!({"names": [{"value": "Nandar Synthetic Htwe"}], "sex": "female", "nationalities": ["MMR"]});
    for _ in 0..12 {
        t.create(&cm_a, person.clone()).await;
    }
    let audit_before = audit_actions(&t).await;
    let check = t
        .call(
            "POST",
            "/api/v1/cases/duplicates",
            Some(&cm_a),
            Some(json!({"person": person})),
        )
        .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text());
    assert_eq!(check.json()["visible"].as_array().unwrap().len(), 10);
    assert_eq!(check.json()["more_visible"], 2);
    let reads = audit_actions(&t).await[audit_before.len()..]
        .iter()
        .filter(|a| a.as_str() == "case.read")
        .count();
    assert_eq!(reads, 10, "only the hits shown are read");

    let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
    let page = page_post(
        &t,
        &cookie,
        "/cases/new/check",
        format!("csrf={csrf}&name_value=Nandar+Synthetic+Htwe&sex=female&nationality=MMR"),
    )
    .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let body = page.text();
    assert_eq!(body.matches("class=\"dup-visible\"").count(), 10);
    assert!(body.contains("id=\"more-duplicates\""), "{body}");
    assert!(body.contains("more records in your organisation also match"));
    assert!(
        body.contains("possibly the same person") && !body.contains("· possible<"),
        "the band in words, not its code"
    );
}

/// The edit form's refusals, placed as the new form's are: a country that is
/// not a code beside its field; a change someone else saved meanwhile at the
/// top of the form, in the casework page's words. The input is kept and the
/// case is unchanged.
#[tokio::test]
async fn the_edit_form_puts_a_bad_field_beside_it_and_a_change_made_meanwhile_on_top() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let id = t.create(&cm, vietnamese()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
    let form = |version: i64, country: &str| {
        format!(
            "csrf={csrf}&version={version}&current_status=referred&status=referred&name_value=Nguy%E1%BB%85n+Th%E1%BB%8B+Hoa&name_script=Latn&sex=female&birth_kind=year&birth_value=2001&origin_country={country}&notes=Synthetic+edit"
        )
    };
    let bad = page_post(
        &t,
        &cookie,
        &format!("/cases/{id}/edit"),
        form(1, "Vietnam"),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let html = bad.text();
    assert!(
        html.contains("<p class=\"field-error\" id=\"origin_country-error\">"),
        "{html}"
    );
    assert!(html.contains("href=\"#origin_country\""));
    assert!(!html.contains("place_of_origin"), "no API path");
    assert!(html.contains("value=\"Vietnam\""), "input kept");

    // Someone else saves first: version 1 is stale.
    let patched = t
        .call(
            "PATCH",
            &format!("/api/v1/cases/{id}"),
            Some(&cm),
            Some(json!({"notes": "Synthetic note saved meanwhile", "version": 1})),
        )
        .await;
    assert_eq!(patched.status, StatusCode::OK, "{}", patched.text());
    let stale = page_post(&t, &cookie, &format!("/cases/{id}/edit"), form(1, "VNM")).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let html = stale.text();
    assert!(
        html.contains("<p class=\"field-error\" id=\"form-error\">Someone else changed the case"),
        "{html}"
    );
    assert!(html.contains("href=\"#form-error\""));
    assert!(html.contains("Synthetic edit"), "input kept");
    let now = t
        .call("GET", &format!("/api/v1/cases/{id}"), Some(&cm), None)
        .await
        .json();
    assert_eq!(now["notes"], "Synthetic note saved meanwhile");
    assert_eq!(now["version"], 2);
}
