//! Services, shelters and stays through HTTP, the whole app in process (the
//! helpers are in tests/web/common): a shelter's location is shown to its staff and
//! to the resident's case manager, and appears nowhere else.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

const ADDRESS: &str = safepath_app::directory::DEMO_SHELTERS[0].4;
/// A distinctive part of the address, in case it is re-formatted somewhere.
const ADDRESS_PART: &str = "Lantern Lane";

fn woman(year: i32) -> Value {
    json!({"names": [{"value": "Synthetic Testperson", "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": year}, "nationalities": ["MMR"], "languages": ["my"]})
}

fn man() -> Value {
    json!({"names": [{"value": "Synthetic Testman", "script": "Latn"}], "sex": "male", "gender_identity": "man",
           "birth_date": {"kind": "year", "year": 1990}, "nationalities": ["KHM"], "languages": ["km"]})
}

async fn shelter_id(t: &TestApp, token: &str, name: &str) -> String {
    shelter_named(t, token, name).await
}

fn has_address(text: &str) -> bool {
    text.contains(ADDRESS) || text.contains(ADDRESS_PART)
}

async fn admit(t: &TestApp, token: &str, case: &str, body: Value) -> Answer {
    t.call(
        "POST",
        &format!("/api/v1/cases/{case}/stays"),
        Some(token),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn a_shelter_location_is_shown_to_its_staff_and_the_residents_case_manager_only() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let women = shelter_id(&t, &cm_a, safepath_app::directory::DEMO_SHELTERS[0].0).await;
    let case = t.create(&cm_a, woman(1995)).await;
    let case_id = case["id"].as_str().unwrap().to_owned();
    let a = admit(
        &t,
        &cm_a,
        &case_id,
        json!({"shelter_id": women, "free_to_leave": true}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert!(!has_address(&a.text()));
    let stay_id = a.json()["id"].as_str().unwrap().to_owned();

    // The shelter's staff (organisation B, roles that work with cases) see it.
    for user in ["demo-cm-b", "demo-provider"] {
        let tok = t.login(user).await;
        let s = t
            .call(
                "GET",
                &format!("/api/v1/shelters/{women}"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(s.status, StatusCode::OK);
        assert_eq!(s.json()["location"], ADDRESS, "{user}");
        assert_eq!(s.json()["location_ground"], "shelter_staff");
        assert_eq!(s.json()["occupancy"], 1);
        let (cookie, _) = page_login(&t, user).await;
        assert!(
            page_get(&t, &cookie, &format!("/shelters/{women}"))
                .await
                .text()
                .contains(ADDRESS)
        );
        // Never in a list, even for staff.
        for path in ["/api/v1/shelters", "/api/v1/services", "/directory"] {
            let body = if path.starts_with("/api") {
                t.call("GET", path, Some(&tok), None).await.text()
            } else {
                page_get(&t, &cookie, path).await.text()
            };
            assert!(!has_address(&body), "{user} {path}");
        }
    }

    // The resident's case manager: on that case's stays (API and page) only.
    let stays = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}/stays"),
            Some(&cm_a),
            None,
        )
        .await;
    assert_eq!(stays.status, StatusCode::OK);
    assert_eq!(stays.json()["items"][0]["location"], ADDRESS);
    let (cookie_a, _) = page_login(&t, "demo-cm-a").await;
    let page = page_get(&t, &cookie_a, &format!("/cases/{case_id}/stays")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(ADDRESS));
    for path in [
        format!("/api/v1/shelters/{women}"),
        "/api/v1/shelters".into(),
        format!("/api/v1/cases/{case_id}"),
    ] {
        let a = t.call("GET", &path, Some(&cm_a), None).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(!has_address(&a.text()), "{path}");
        assert!(a.json().get("location").is_none());
    }
    for path in [
        format!("/cases/{case_id}"),
        "/directory".into(),
        format!("/shelters/{women}"),
    ] {
        let a = page_get(&t, &cookie_a, &path).await;
        assert_eq!(a.status, StatusCode::OK, "{path}");
        assert!(!has_address(&a.text()), "{path}");
    }

    // Everyone else: absent from every page and response they can reach.
    for user in [
        "demo-coordinator",
        "demo-responder",
        "demo-analyst",
        "demo-admin",
        "demo-cm-c",
        "demo-partner",
    ] {
        let tok = t.login(user).await;
        let (cookie, _) = page_login(&t, user).await;
        let mut bodies = Vec::new();
        for path in [
            format!("/api/v1/shelters/{women}"),
            "/api/v1/shelters".into(),
            "/api/v1/services".into(),
            format!("/api/v1/cases/{case_id}"),
            format!("/api/v1/cases/{case_id}/stays"),
            format!("/api/v1/cases/{case_id}/audit"),
            "/api/v1/detention-flags".into(),
            "/api/v1/notifications".into(),
        ] {
            bodies.push((path.clone(), t.call("GET", &path, Some(&tok), None).await));
        }
        for path in [
            format!("/shelters/{women}"),
            "/directory".into(),
            format!("/cases/{case_id}"),
            format!("/cases/{case_id}/stays"),
            "/shelters/detention".into(),
        ] {
            bodies.push((path.clone(), page_get(&t, &cookie, &path).await));
        }
        for (path, a) in &bodies {
            assert!(!has_address(&a.text()), "{user} {path}");
        }
        let s = t
            .call(
                "GET",
                &format!("/api/v1/shelters/{women}"),
                Some(&tok),
                None,
            )
            .await;
        assert_eq!(s.status, StatusCode::OK, "{user}");
        assert!(
            s.json().get("location").is_none(),
            "{user}: the field is absent"
        );
    }
    // The owning coordinator reads the case's stays, without the location.
    let coord = t.login("demo-coordinator").await;
    let stays = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}/stays"),
            Some(&coord),
            None,
        )
        .await;
    assert_eq!(stays.status, StatusCode::OK);
    assert_eq!(stays.json()["items"][0]["id"], stay_id.as_str());
    assert!(stays.json()["items"][0].get("location").is_none());

    // After leaving, the case manager still sees where the person stayed.
    let left = t
        .call(
            "POST",
            &format!("/api/v1/stays/{stay_id}/leave"),
            Some(&cm_a),
            None,
        )
        .await;
    assert_eq!(left.status, StatusCode::OK, "{}", left.text());
    assert_eq!(left.json()["current"], false);
    let stays = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case_id}/stays"),
            Some(&cm_a),
            None,
        )
        .await;
    assert_eq!(stays.json()["items"][0]["location"], ADDRESS);

    // Every location read is audited, and no audit entry carries the address.
    let entries = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    let reads: Vec<_> = entries
        .iter()
        .filter(|e| e.entry.action == "shelter.location.read")
        .collect();
    assert!(reads.len() >= 4, "{} location reads audited", reads.len());
    assert!(reads.iter().any(|e| {
        e.entry
            .detail
            .as_deref()
            .unwrap_or("")
            .contains("resident_case_manager")
    }));
    for e in &entries {
        let all = format!("{:?}", e.entry);
        assert!(!has_address(&all), "an audit entry carries no location");
    }

    // Nor any database file, in clear.
    let files: Vec<(String, Vec<u8>)> = std::fs::read_dir(t.dir.path())
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    assert!(files.len() >= 2);
    for (_, _, _, _, location) in safepath_app::directory::DEMO_SHELTERS {
        for needle in [*location, ADDRESS_PART, "Kite Garden"] {
            for (name, bytes) in &files {
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                    "a shelter location is in clear in {name}"
                );
            }
        }
    }
}

#[tokio::test]
async fn admissions_respect_capacity_eligibility_and_refuse_bad_input() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let admin = t.login("demo-admin").await;

    // Who may register a shelter.
    let new_shelter = json!({"name": "Org A transit shelter", "shelter_type": "women", "regime": "open", "beds": 1,
                             "location": "Synthetic address: 5 Test Alley"});
    for tok in [&cm_a, &admin] {
        let a = t
            .call(
                "POST",
                "/api/v1/shelters",
                Some(tok),
                Some(new_shelter.clone()),
            )
            .await;
        assert_eq!(a.status, StatusCode::FORBIDDEN, "{}", a.text());
        assert!(!a.text().contains("Test Alley"));
    }
    let created = t
        .call(
            "POST",
            "/api/v1/shelters",
            Some(&coord),
            Some(new_shelter.clone()),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    assert_eq!(
        created.json()["location"],
        "Synthetic address: 5 Test Alley"
    );
    let one_bed = created.json()["id"].as_str().unwrap().to_owned();
    let list = t.call("GET", "/api/v1/shelters", Some(&coord), None).await;
    assert!(!list.text().contains("Test Alley"));

    let c1 = t.create(&cm_a, woman(1990)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let c2 = t.create(&cm_a, woman(1991)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = admit(
        &t,
        &cm_a,
        &c1,
        json!({"shelter_id": one_bed, "free_to_leave": true}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let s1 = a.json()["id"].as_str().unwrap().to_owned();
    let audit_before = t
        .app
        .store()
        .audit_entries(0, 1_000_000)
        .await
        .unwrap()
        .len();
    let full = admit(
        &t,
        &cm_a,
        &c2,
        json!({"shelter_id": one_bed, "free_to_leave": true}),
    )
    .await;
    assert_eq!(full.status, StatusCode::CONFLICT);
    assert_eq!(full.json()["code"], "shelter_full");
    let again = admit(
        &t,
        &cm_a,
        &c1,
        json!({"shelter_id": one_bed, "free_to_leave": true}),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(again.json()["code"], "already_staying");
    let stays2 = t
        .call(
            "GET",
            &format!("/api/v1/cases/{c2}/stays"),
            Some(&cm_a),
            None,
        )
        .await;
    assert_eq!(
        stays2.json()["items"].as_array().unwrap().len(),
        0,
        "nothing was written"
    );

    // Bad dates are refused and change nothing.
    for (body, code) in [
        (json!({"left_on": "2001-01-01"}), "invalid_field"),
        (json!({"left_on": "2999-01-01"}), "invalid_field"),
        (json!({"left_on": "not a date"}), "invalid_field"),
    ] {
        let a = t
            .call(
                "POST",
                &format!("/api/v1/stays/{s1}/leave"),
                Some(&cm_a),
                Some(body),
            )
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
        assert_eq!(a.json()["code"], code);
    }
    let future = admit(
        &t,
        &cm_a,
        &c2,
        json!({"shelter_id": one_bed, "free_to_leave": true, "admitted_on": "2999-01-01"}),
    )
    .await;
    assert_eq!(future.status, StatusCode::BAD_REQUEST);
    let nope = admit(
        &t,
        &cm_a,
        &c2,
        json!({"shelter_id": "00000000-0000-4000-8000-000000000009", "free_to_leave": true}),
    )
    .await;
    assert_eq!(nope.json()["code"], "invalid_shelter");
    // Someone who cannot see the case: as if it did not exist.
    let cm_c = t.login("demo-cm-c").await;
    let hidden = admit(
        &t,
        &cm_c,
        &c2,
        json!({"shelter_id": one_bed, "free_to_leave": true}),
    )
    .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    let hidden = t
        .call(
            "POST",
            &format!("/api/v1/stays/{s1}/leave"),
            Some(&cm_c),
            None,
        )
        .await;
    assert_eq!(hidden.status, StatusCode::NOT_FOUND);
    // Refusals between here and the count left no audit entry of a change.
    let entries = t.app.store().audit_entries(0, 1_000_000).await.unwrap();
    assert!(
        entries[audit_before..]
            .iter()
            .all(|e| e.entry.action != "stay.admit" && e.entry.action != "stay.leave")
    );

    // Leaving frees the bed.
    let left = t
        .call(
            "POST",
            &format!("/api/v1/stays/{s1}/leave"),
            Some(&cm_a),
            Some(json!({})),
        )
        .await;
    assert_eq!(left.status, StatusCode::OK, "{}", left.text());
    let twice = t
        .call(
            "POST",
            &format!("/api/v1/stays/{s1}/leave"),
            Some(&cm_a),
            None,
        )
        .await;
    assert_eq!(twice.json()["code"], "stay_already_ended");
    let a = admit(
        &t,
        &cm_a,
        &c2,
        json!({"shelter_id": one_bed, "free_to_leave": true}),
    )
    .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());

    // Eligibility: check_eligibility with the facts on the case.
    let women = shelter_id(&t, &cm_a, safepath_app::directory::DEMO_SHELTERS[0].0).await;
    let children = shelter_id(&t, &cm_a, safepath_app::directory::DEMO_SHELTERS[1].0).await;
    let m = t.create(&cm_a, man()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = admit(
        &t,
        &cm_a,
        &m,
        json!({"shelter_id": women, "free_to_leave": true}),
    )
    .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert_eq!(a.json()["code"], "shelter_gender_mismatch");
    let this_year = time::OffsetDateTime::now_utc().year();
    let child = t.create(&cm_a, woman(this_year - 12)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = admit(
        &t,
        &cm_a,
        &child,
        json!({"shelter_id": women, "free_to_leave": true}),
    )
    .await;
    assert_eq!(a.json()["code"], "child_only_in_children_shelter");
    let adult = t.create(&cm_a, woman(1980)).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let a = admit(
        &t,
        &cm_a,
        &adult,
        json!({"shelter_id": children, "free_to_leave": true, "treat_as_child": false}),
    )
    .await;
    assert_eq!(a.json()["code"], "adult_not_in_children_shelter");
    let a = admit(
        &t,
        &cm_a,
        &adult,
        json!({"shelter_id": children, "free_to_leave": true, "treat_as_child": true}),
    )
    .await;
    assert_eq!(
        a.status,
        StatusCode::CREATED,
        "reasons to believe a child: treated as one"
    );

    // Malformed bodies: a code, nothing changed.
    let some = "00000000-0000-4000-8000-000000000001";
    let service = t
        .call("GET", "/api/v1/services", Some(&coord), None)
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let endpoints: Vec<(&str, String, &str)> = vec![
        ("POST", "/api/v1/services".into(), &coord),
        ("PATCH", format!("/api/v1/services/{service}"), &coord),
        ("POST", "/api/v1/shelters".into(), &coord),
        ("POST", format!("/api/v1/cases/{m}/stays"), &cm_a),
        ("POST", format!("/api/v1/stays/{some}/leave"), &cm_a),
    ];
    let big = format!("{{\"x\": \"{}\"}}", "a".repeat(1_100_000));
    let bodies: [(&[u8], &str); 4] = [
        (b"{,", "malformed_json"),
        (b"{\"zzz_unknown\": 1}", "unknown_field"),
        (b"[1, 2, 3]", ""),
        (big.as_bytes(), "body_too_large"),
    ];
    for (method, path, tok) in &endpoints {
        for (body, code) in &bodies {
            let a = t.raw(method, path, tok, body.to_vec()).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{method} {path}");
            if !code.is_empty() {
                assert_eq!(a.json()["code"], *code, "{method} {path}");
            }
        }
    }
    // Values the rules refuse.
    for body in [
        json!({"name": "X", "shelter_type": "women", "regime": "open", "beds": 0, "location": "Somewhere"}),
        json!({"name": "X", "shelter_type": "palace", "regime": "open", "beds": 2, "location": "Somewhere"}),
        json!({"name": " ", "shelter_type": "women", "regime": "open", "beds": 2, "location": "Somewhere"}),
        json!({"name": "X", "shelter_type": "women", "regime": "open", "beds": 2, "location": ""}),
    ] {
        let a = t
            .call("POST", "/api/v1/shelters", Some(&coord), Some(body))
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
        assert!(
            !a.text().contains("Somewhere"),
            "the location is never echoed"
        );
    }
    assert_eq!(
        t.call("GET", "/api/v1/shelters", Some(&coord), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    let services_before = t
        .call("GET", "/api/v1/services", Some(&coord), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    for body in [
        json!({"name": "S", "service_type": "legal_aid", "free_of_charge": true, "languages": ["not a tag"]}),
        json!({"name": "S", "service_type": "legal_aid", "free_of_charge": true, "capacity": -3}),
        json!({"name": "S", "service_type": "legal_aid", "free_of_charge": true, "eligibility": {"min_age": 30, "max_age": 20}}),
        json!({"name": "S", "service_type": "spa", "free_of_charge": true}),
    ] {
        let a = t
            .call("POST", "/api/v1/services", Some(&coord), Some(body))
            .await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
    }
    assert_eq!(
        t.call("GET", "/api/v1/services", Some(&coord), None)
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .len(),
        services_before
    );
}

#[tokio::test]
async fn services_are_read_by_everyone_and_written_by_the_orgs_coordinators() {
    let t = spawn_app().await;
    let coord = t.login("demo-coordinator").await;
    let cm_a = t.login("demo-cm-a").await;
    let analyst = t.login("demo-analyst").await;
    let admin = t.login("demo-admin").await;
    let org_a = org_id(&t, &coord, "Organisation A").await;
    let org_b = org_id(&t, &coord, "Organisation B").await;
    let all = t
        .call("GET", "/api/v1/services", Some(&analyst), None)
        .await;
    assert_eq!(all.status, StatusCode::OK);
    assert!(
        all.json()["items"].as_array().unwrap().len() >= 9,
        "demo services for each organisation"
    );
    let body = json!({"name": "Night clinic", "service_type": "health_care", "languages": ["th", "my"],
                      "eligibility": {"sexes": ["female"], "min_age": 18, "nationalities": ["mmr"]},
                      "capacity": 12, "hours": "18:00–22:00", "free_of_charge": false, "cost_note": "Sliding scale",
                      "area_served": "Bangkok"});
    let denied = t
        .call("POST", "/api/v1/services", Some(&cm_a), Some(body.clone()))
        .await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let mut other = body.clone();
    other["org_id"] = json!(org_b);
    let denied = t
        .call(
            "POST",
            "/api/v1/services",
            Some(&coord),
            Some(other.clone()),
        )
        .await;
    assert_eq!(
        denied.status,
        StatusCode::FORBIDDEN,
        "a coordinator writes only their organisation's"
    );
    let by_admin = t
        .call("POST", "/api/v1/services", Some(&admin), Some(other))
        .await;
    assert_eq!(by_admin.status, StatusCode::CREATED, "{}", by_admin.text());
    let created = t
        .call("POST", "/api/v1/services", Some(&coord), Some(body))
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text());
    let s = created.json();
    assert_eq!(s["org_id"], org_a.as_str());
    assert_eq!(s["eligibility"]["nationalities"][0], "MMR");
    let id = s["id"].as_str().unwrap();
    let of_a = t
        .call(
            "GET",
            &format!("/api/v1/orgs/{org_a}/services"),
            Some(&analyst),
            None,
        )
        .await;
    assert!(
        of_a.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id)
    );
    let of_b = t
        .call(
            "GET",
            &format!("/api/v1/orgs/{org_b}/services"),
            Some(&analyst),
            None,
        )
        .await;
    assert!(
        !of_b.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["id"] == id)
    );
    assert_eq!(
        t.call(
            "GET",
            &format!(
                "/api/v1/orgs/{}/services",
                "00000000-0000-4000-8000-000000000001"
            ),
            Some(&analyst),
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );

    let patch = json!({"capacity": 14, "version": 1});
    assert_eq!(
        t.call(
            "PATCH",
            &format!("/api/v1/services/{id}"),
            Some(&cm_a),
            Some(patch.clone())
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    let p = t
        .call(
            "PATCH",
            &format!("/api/v1/services/{id}"),
            Some(&coord),
            Some(patch.clone()),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
    assert_eq!(p.json()["capacity"], 14);
    assert_eq!(p.json()["version"], 2);
    let stale = t
        .call(
            "PATCH",
            &format!("/api/v1/services/{id}"),
            Some(&coord),
            Some(patch),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    let bad = t
        .call(
            "PATCH",
            &format!("/api/v1/services/{id}"),
            Some(&coord),
            Some(json!({"hours": "x".repeat(300)})),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let after = t
        .call(
            "GET",
            &format!("/api/v1/orgs/{org_a}/services"),
            Some(&analyst),
            None,
        )
        .await
        .json();
    let mine = after["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(
        mine["hours"], "18:00–22:00",
        "a refused change changes nothing"
    );
    assert_eq!(mine["version"], 2);

    // The page: everyone reads it; a coordinator adds with the CSRF token.
    let (cookie, csrf) = page_login(&t, "demo-coordinator").await;
    let page = page_get(&t, &cookie, "/directory").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("Night clinic"));
    assert!(page.text().contains("id=\"service-form\""));
    let form = format!(
        "csrf={csrf}&org_id={org_a}&name=Paper+clinic&service_type=legal_aid&language=th&language=en&nationality=MMR&capacity=3&free_of_charge=yes"
    );
    let no_csrf = page_post(
        &t,
        &cookie,
        "/directory/services",
        form.replace(&csrf, "wrong"),
    )
    .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    // A capacity that is not a number: the error beside the field, what was
    // typed and ticked kept, nothing added.
    let refused = page_post(
        &t,
        &cookie,
        "/directory/services",
        form.replace("capacity=3", "capacity=lots"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text();
    assert!(
        html.contains("id=\"capacity-error\">Write the capacity as a whole number"),
        "{html}"
    );
    assert!(html.contains("id=\"capacity\" name=\"capacity\" value=\"lots\""));
    assert!(html.contains("value=\"Paper clinic\""));
    assert!(html.contains("value=\"th\" checked") && html.contains("value=\"MMR\" checked"));
    assert!(html.contains("id=\"error-summary\""));
    assert!(
        !html.contains("translate=\"no\">Paper clinic"),
        "nothing added"
    );
    let posted = page_post(&t, &cookie, "/directory/services", form).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text());
    assert_eq!(
        posted.headers.get("location").unwrap(),
        "/directory?done=service"
    );
    let done = page_get(&t, &cookie, "/directory?done=service")
        .await
        .text();
    assert!(done.contains("id=\"message\">The service was added to the directory."));
    let listed = page_get(&t, &cookie, "/directory").await.text();
    assert!(listed.contains("Paper clinic"));
    // Languages and countries are ticked and shown by name, never as codes.
    let clinic = listed.split("Paper clinic").nth(1).unwrap();
    let clinic = clinic.split("</li>").next().unwrap();
    assert!(clinic.contains("English, Thai"), "{clinic}");
    assert!(
        clinic.contains("Myanmar") && !clinic.contains("MMR"),
        "{clinic}"
    );
    assert!(listed.contains("type=\"checkbox\" name=\"language\" value=\"th\""));
    assert!(!listed.contains("placeholder=\"th, my, en\""));
    let (cookie_cm, _) = page_login(&t, "demo-cm-a").await;
    let page = page_get(&t, &cookie_cm, "/directory").await;
    assert!(page.text().contains("Paper clinic") && !page.text().contains("id=\"service-form\""));
}

#[tokio::test]
async fn stays_that_may_be_detention_are_flagged_for_coordinators() {
    let t = spawn_app().await;
    t.app.set_max_stay_days(30).unwrap();
    let cm_a = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let women = shelter_id(&t, &cm_a, safepath_app::directory::DEMO_SHELTERS[0].0).await;
    let long = t.create(&cm_a, woman(1990)).await;
    let locked = t.create(&cm_a, woman(1991)).await;
    let fine = t.create(&cm_a, woman(1992)).await;
    let forty_days_ago =
        (time::OffsetDateTime::now_utc().date() - time::Duration::days(40)).to_string();
    for (c, body) in [
        (
            &long,
            json!({"shelter_id": women, "free_to_leave": true, "admitted_on": forty_days_ago}),
        ),
        (
            &locked,
            json!({"shelter_id": women, "free_to_leave": false}),
        ),
        (&fine, json!({"shelter_id": women, "free_to_leave": true})),
    ] {
        let a = admit(&t, &cm_a, c["id"].as_str().unwrap(), body).await;
        assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    }
    let flags = t
        .call("GET", "/api/v1/detention-flags", Some(&coord), None)
        .await;
    assert_eq!(flags.status, StatusCode::OK, "{}", flags.text());
    let items = flags.json()["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2, "{items:?}");
    let flag_of = |c: &Value| {
        items
            .iter()
            .find(|i| i["case_reference"] == c["reference"])
            .map(|i| i["flags"].clone())
    };
    assert_eq!(flag_of(&long).unwrap(), json!(["stay_exceeds_limit"]));
    assert_eq!(flag_of(&locked).unwrap(), json!(["not_free_to_leave"]));
    assert!(flag_of(&fine).is_none());
    assert!(!has_address(&flags.text()));
    assert!(
        !flags.text().contains("Synthetic Testperson"),
        "no personal data"
    );
    // Coordinators only; another organisation's coordinator would see none of these.
    for user in ["demo-cm-a", "demo-analyst", "demo-admin", "demo-cm-b"] {
        let tok = t.login(user).await;
        assert_eq!(
            t.call("GET", "/api/v1/detention-flags", Some(&tok), None)
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{user}"
        );
    }
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let page = page_get(&t, &cookie, "/shelters/detention").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(long["reference"].as_str().unwrap()));
    assert!(page.text().contains("data-flag=\"not_free_to_leave\""));
    assert!(!has_address(&page.text()));
    // The case manager's stays page shows the flags too, and works with forms.
    let (cookie_a, csrf_a) = page_login(&t, "demo-cm-a").await;
    let id = locked["id"].as_str().unwrap();
    let stays = page_get(&t, &cookie_a, &format!("/cases/{id}/stays")).await;
    assert!(stays.text().contains("data-flag=\"not_free_to_leave\""));
    let stay_id = t
        .call(
            "GET",
            &format!("/api/v1/cases/{id}/stays"),
            Some(&cm_a),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let left = page_post(
        &t,
        &cookie_a,
        &format!("/stays/{stay_id}/leave"),
        format!("csrf={csrf_a}&left_on="),
    )
    .await;
    assert_eq!(left.status, StatusCode::SEE_OTHER, "{}", left.text());
    let admitted = page_post(
        &t,
        &cookie_a,
        &format!("/cases/{id}/stays"),
        format!(
            "csrf={csrf_a}&shelter_id={women}&admitted_on=&free_to_leave=yes&chosen_shelter_type="
        ),
    )
    .await;
    assert_eq!(
        admitted.status,
        StatusCode::SEE_OTHER,
        "{}",
        admitted.text()
    );
    let again = page_post(
        &t,
        &cookie_a,
        &format!("/cases/{id}/stays"),
        format!("csrf={csrf_a}&shelter_id={women}&free_to_leave=yes"),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let flags = t
        .call("GET", "/api/v1/detention-flags", Some(&coord), None)
        .await
        .json();
    // The ended stay stays on the list (assessed over its whole length), no longer current.
    assert!(
        flags["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["flags"] == json!(["not_free_to_leave"]) && i["current"] == false)
    );
}

#[test]
fn both_languages_have_every_directory_key() {
    let en = include_str!("../../locales/en/directory.ftl");
    let id = include_str!("../../locales/id/directory.ftl");
    let keys = |s: &str| {
        s.lines()
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.to_owned()))
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(en), keys(id));
    // fluent-templates loads every .ftl file of each language folder.
    for lang in ["en", "id"] {
        let tr = safepath_web::i18n::Tr::new(lang);
        for k in keys(en) {
            assert!(tr.has(&k), "{lang}: {k}");
        }
    }
    let tr = safepath_web::i18n::Tr::new("id");
    assert_eq!(tr.t("directory-title"), "Direktori layanan");
    assert!(tr.has("nav-cases"), "main.ftl is still loaded");
    for t in safepath_domain::casework::directory::ServiceType::ALL {
        assert!(tr.has(&format!("service-type-{}", t.as_str())));
    }
    for t in safepath_domain::casework::shelter::ShelterType::ALL {
        assert!(tr.has(&format!("shelter-type-{}", t.as_str())));
    }
    for f in safepath_domain::casework::shelter::DetentionFlag::ALL {
        assert!(tr.has(&format!("detention-flag-{}", f.as_str())));
    }
}

#[tokio::test]
async fn openapi_documents_the_directory() {
    let t = spawn_app().await;
    let spec = t
        .call("GET", "/api/v1/openapi.json", None, None)
        .await
        .json();
    let paths = spec["paths"].as_object().unwrap();
    for (p, method) in [
        ("/api/v1/services", "get"),
        ("/api/v1/services", "post"),
        ("/api/v1/services/{id}", "patch"),
        ("/api/v1/orgs/{id}/services", "get"),
        ("/api/v1/shelters", "get"),
        ("/api/v1/shelters", "post"),
        ("/api/v1/shelters/{id}", "get"),
        ("/api/v1/cases/{id}/stays", "get"),
        ("/api/v1/cases/{id}/stays", "post"),
        ("/api/v1/stays/{id}/leave", "post"),
        ("/api/v1/detention-flags", "get"),
    ] {
        assert!(
            paths.get(p).and_then(|v| v.get(method)).is_some(),
            "{method} {p}"
        );
    }
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    for s in [
        "ServiceView",
        "NewService",
        "ShelterView",
        "NewShelter",
        "StayView",
        "NewStay",
        "DetentionFlagView",
    ] {
        assert!(schemas.contains_key(s), "schema {s}");
    }
}
