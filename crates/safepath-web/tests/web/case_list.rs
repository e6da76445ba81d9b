//! The case list narrowed by status, "mine" and form of exploitation —
//! codes in the URL, never names — on the API and the page, with the pager
//! keeping the filter.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn person(name: &str) -> Value {
    json!({"names": [{"value": name, "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "year", "year": 1993}, "nationalities": ["VNM"], "languages": ["vi"]})
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_case_list_filters_by_status_manager_and_form() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let labour = t
        .call("POST", "/api/v1/cases", Some(&cm), Some(json!({"person": person("Synthetic Listone"), "exploitation_forms": ["forced_labour"]})))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let begging = t
        .call("POST", "/api/v1/cases", Some(&cm), Some(json!({"person": person("Synthetic Listtwo"), "exploitation_forms": ["forced_begging"]})))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = |tok: String, q: &'static str| {
        let t = &t;
        async move {
            t.call(
                "GET",
                &format!("/api/v1/cases?per_page=100&{q}"),
                Some(&tok),
                None,
            )
            .await
        }
    };
    // By form: the quoted code only (forced_labour does not match forced_begging).
    let by_form = ids(&get(cm.clone(), "form=forced_labour").await.json());
    assert!(by_form.contains(&labour) && !by_form.contains(&begging));
    // Mine: the coordinator manages neither.
    let mine = ids(&get(coord.clone(), "mine=1").await.json());
    assert!(!mine.contains(&labour) && !mine.contains(&begging));
    let theirs = ids(&get(cm.clone(), "mine=1").await.json());
    assert!(theirs.contains(&labour) && theirs.contains(&begging));
    // By status: every item has it.
    let status = t
        .call("GET", &format!("/api/v1/cases/{labour}"), Some(&cm), None)
        .await
        .json()["status"]
        .as_str()
        .unwrap()
        .to_owned();
    let listed = t
        .call(
            "GET",
            &format!("/api/v1/cases?per_page=100&status={status}"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert!(ids(&listed).contains(&labour));
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["status"] == status.as_str())
    );
    // Bad values: 400 naming the field, nothing listed.
    for q in ["status=lost", "form=forced", "mine=yes"] {
        let r = get(cm.clone(), q).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{q}");
    }

    // The page: the filter form, its choices in words, and the pager keeps it.
    let (page, _) = page_login(&t, "demo-cm-a").await;
    let html = t
        .page(&page, "/cases?form=forced_labour&mine=1")
        .await
        .text();
    assert!(html.contains("id=\"case-filter\""));
    assert!(
        html.contains("<option value=\"forced_labour\" selected>Forced labour</option>"),
        "{html}"
    );
    assert!(html.contains("id=\"filter-mine\" checked"));
    assert!(html.contains("Synthetic Listone") && !html.contains("Synthetic Listtwo"));
    assert_eq!(
        t.page(&page, "/cases?status=lost").await.status,
        StatusCode::BAD_REQUEST
    );
}

/// Sends a referral from A to B for `case` carrying `categories` (with the
/// consent for them); returns the referral's id.
async fn send_referral(
    t: &TestApp,
    cm_a: &str,
    org_b: &str,
    case: &str,
    categories: Value,
    urgency: &str,
) -> String {
    let c = t
        .call("POST", &format!("/api/v1/cases/{case}/consents"), Some(cm_a), Some(json!({"purpose": "service_referral", "recipient_org_id": org_b, "categories": categories, "expires_on": "2099-12-31"})))
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.text());
    let r = t
        .call("POST", &format!("/api/v1/cases/{case}/referrals"), Some(cm_a), Some(json!({"to_org_id": org_b, "service": "legal_aid", "categories": categories, "urgency": urgency})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    r.json()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_referral_inbox_says_who_sent_it_and_how_urgent_it_is() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let case = t
        .call("POST", "/api/v1/cases", Some(&cm_a), Some(json!({"person": person("Synthetic Inboxcheck"), "exploitation_forms": ["forced_labour"]})))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org_b = t.call("GET", "/api/v1/me", Some(&cm_b), None).await.json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rid = send_referral(&t, &cm_a, &org_b, &case, json!(["health"]), "emergency").await;
    let (b, _) = page_login(&t, "demo-cm-b").await;
    let inbox = t.page(&b, "/referrals").await.text();
    assert!(
        inbox.contains("<dd class=\"other-org\">Organisation A"),
        "{inbox}"
    );
    assert!(inbox.contains("class=\"tag urgency-emergency\">Emergency"));
    assert!(inbox.contains("Legal aid"));
    assert!(
        inbox.contains("class=\"sent\">today, "),
        "sent, relative: {inbox}"
    );
    // Identity is not carried: nothing of the person, not even sex or age.
    assert!(inbox.contains("Not shared (the referral does not carry identity data)"));
    assert!(!inbox.contains("Female") && !inbox.contains("aged "));
    assert!(
        !inbox.contains("Synthetic Inboxcheck"),
        "no name before accepting"
    );
    assert!(
        !inbox.contains(&rid[..8]) || inbox.contains(&format!("/referrals/{rid}/")),
        "the id only in form actions"
    );
    let api = t
        .call("GET", "/api/v1/referrals?box=inbox", Some(&cm_b), None)
        .await
        .json();
    assert!(api["items"][0].get("sex").is_none(), "{api}");
    let (a, _) = page_login(&t, "demo-cm-a").await;
    let outbox = t.page(&a, "/referrals?box=outbox").await.text();
    assert!(
        outbox.contains("<dd class=\"other-org\">Organisation B"),
        "{outbox}"
    );
}

#[tokio::test]
async fn a_referral_carrying_identity_shows_sex_and_age_band_never_the_name() {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let case = t
        .call("POST", "/api/v1/cases", Some(&cm_a), Some(json!({"person": {"names": [{"value": "Synthetic Bandcheck", "script": "Latn"}], "sex": "female", "gender_identity": "woman",
           "birth_date": {"kind": "exact", "date": "2011-03-04"}, "nationalities": ["VNM"], "languages": ["vi"]}, "exploitation_forms": ["forced_labour"]})))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let org_b = t.call("GET", "/api/v1/me", Some(&cm_b), None).await.json()["org_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rid = send_referral(
        &t,
        &cm_a,
        &org_b,
        &case,
        json!(["identity", "health"]),
        "routine",
    )
    .await;
    let (b, b_csrf) = page_login(&t, "demo-cm-b").await;
    let inbox = t.page(&b, "/referrals").await.text();
    assert!(
        inbox.contains("<dd class=\"person\">Female, aged 12 to 17 (child)</dd>"),
        "{inbox}"
    );
    assert!(inbox.contains("class=\"tag urgency-routine\">Routine"));
    for hidden in ["Synthetic Bandcheck", "2011", "VNM", "Viet"] {
        assert!(!inbox.contains(hidden), "{hidden} shown before accepting");
    }
    // The preview is a read of the person, audited as such (the harness
    // also fails any unseal without its entry).
    let audit = t.app.store().audit_entries(0, 10_000).await.unwrap();
    assert!(audit.iter().any(|e| e.entry.action == "referral.preview"
        && e.entry.record_id.as_deref() == Some(rid.as_str())));
    let api = t
        .call("GET", "/api/v1/referrals?box=inbox", Some(&cm_b), None)
        .await
        .json();
    assert_eq!(api["items"][0]["age_band"], "12-17", "{api}");
    assert_eq!(api["items"][0]["sex"], "female");
    // Another organisation's case manager sees nothing of it; A's outbox
    // does not preview (A knows the person already, and the page has no
    // need for it).
    let (c, c_csrf) = page_login(&t, "demo-cm-c").await;
    let other = t.page(&c, "/referrals").await.text();
    assert!(
        !other.contains("Organisation A") && !other.contains("aged 12"),
        "{other}"
    );
    let c_answer = t
        .page_post(
            &c,
            &format!("/referrals/{rid}/accept"),
            format!("csrf={c_csrf}"),
        )
        .await;
    assert_eq!(c_answer.status, StatusCode::NOT_FOUND);
    let (a, _) = page_login(&t, "demo-cm-a").await;
    assert!(
        !t.page(&a, "/referrals?box=outbox")
            .await
            .text()
            .contains("aged 12")
    );

    // Decline without a reason: the error beside the field, the page kept.
    let csrf = b_csrf;
    let refused = t
        .page_post(
            &b,
            &format!("/referrals/{rid}/decline"),
            format!("csrf={csrf}&reason=+"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let html = refused.text();
    assert!(html.contains("id=\"error-summary\""), "{html}");
    assert!(html.contains(&format!("id=\"reason-{rid}-error\"")));
    assert!(html.contains(&format!("aria-describedby=\"reason-{rid}-error\"")));
    let state = t
        .call(
            "GET",
            &format!("/api/v1/referrals/{rid}"),
            Some(&cm_b),
            None,
        )
        .await
        .json();
    assert_eq!(state["state"], "pending", "nothing changed");
    // With a reason: declined, a message says so, the sender reads why.
    let done = t
        .page_post(
            &b,
            &format!("/referrals/{rid}/decline"),
            format!("csrf={csrf}&reason=No+places+for+children"),
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let after = t.page(&b, "/referrals?done=decline").await.text();
    assert!(after.contains("id=\"message\""), "{after}");
    assert!(after.contains("The referral was declined and the sender was told why."));
    let outbox = t.page(&a, "/referrals?box=outbox").await.text();
    assert!(outbox.contains("No places for children"), "{outbox}");
}

/// A case of demo-cm-a with an open task due on `due_on`; returns its id and reference.
async fn case_with_task(t: &TestApp, cm: &str, name: &str, due_on: &str) -> (String, String) {
    let c = t
        .call(
            "POST",
            "/api/v1/cases",
            Some(cm),
            Some(json!({"person": person(name), "exploitation_forms": ["forced_labour"]})),
        )
        .await
        .json();
    let id = c["id"].as_str().unwrap().to_owned();
    let need = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/needs"),
            Some(cm),
            Some(json!({"domain": "accommodation", "priority": "high"})),
        )
        .await;
    let need_id = need.json()["needs"][0]["id"].as_str().unwrap().to_owned();
    let goal = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/goals"),
            Some(cm),
            Some(json!({"need_ids": [need_id], "description": "A safe place"})),
        )
        .await;
    let goal_id = goal.json()["goals"][0]["id"].as_str().unwrap().to_owned();
    let task = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/tasks"),
            Some(cm),
            Some(json!({"goal_id": goal_id, "description": "Call the shelter", "due_on": due_on})),
        )
        .await;
    assert_eq!(task.status, StatusCode::CREATED, "{}", task.text());
    (id, c["reference"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_case_list_shows_overdue_cases_sorts_and_keeps_it_all_in_the_url() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let (late, late_ref) = case_with_task(&t, &cm, "Synthetic Sortlate", "2026-01-05").await;
    let (soon, soon_ref) = case_with_task(&t, &cm, "Synthetic Sortsoon", "2099-01-05").await;
    let api = |tok: String, q: &'static str| {
        let t = &t;
        async move {
            t.call(
                "GET",
                &format!("/api/v1/cases?per_page=100&{q}"),
                Some(&tok),
                None,
            )
            .await
        }
    };
    // Overdue: a task (or decision) past its due date.
    let overdue = api(cm.clone(), "overdue=1").await.json();
    let got = ids(&overdue);
    assert!(got.contains(&late) && !got.contains(&soon), "{overdue}");
    let item = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == late.as_str())
        .unwrap()
        .clone();
    assert_eq!(item["next_deadline"], "2026-01-05");
    // The nearest deadline first.
    let by_deadline = ids(&api(cm.clone(), "sort=deadline").await.json());
    let (a, b) = (
        by_deadline.iter().position(|i| *i == late).unwrap(),
        by_deadline.iter().position(|i| *i == soon).unwrap(),
    );
    assert!(a < b);
    // By case manager (an id in the URL, never a name).
    let cm_id = t.call("GET", "/api/v1/me", Some(&cm), None).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let coord_id = t.call("GET", "/api/v1/me", Some(&coord), None).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let managed = t
        .call(
            "GET",
            &format!("/api/v1/cases?per_page=100&manager={cm_id}"),
            Some(&coord),
            None,
        )
        .await
        .json();
    assert!(ids(&managed).contains(&late) && ids(&managed).contains(&soon));
    let none = t
        .call(
            "GET",
            &format!("/api/v1/cases?per_page=100&manager={coord_id}"),
            Some(&coord),
            None,
        )
        .await
        .json();
    assert!(!ids(&none).contains(&late));
    assert_eq!(
        api(cm.clone(), "sort=name").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        api(cm.clone(), "manager=Synthetic").await.status,
        StatusCode::BAD_REQUEST
    );

    // The page: filters and order in the URL, kept by the headings' links.
    let (page, _) = page_login(&t, "demo-cm-a").await;
    let html = t
        .page(&page, "/cases?form=forced_labour&overdue=1&sort=reference")
        .await
        .text();
    assert!(
        html.contains(&late_ref) && !html.contains(&soon_ref),
        "{html}"
    );
    assert!(html.contains("id=\"filter-overdue\" checked"));
    assert!(html.contains("<strong class=\"tag overdue-tag\">Overdue</strong> 5 January 2026"));
    assert!(
        html.contains("href=\"/cases?form=forced_labour&#38;overdue=1&#38;sort=status\""),
        "{html}"
    );
    assert!(html.contains("aria-sort=\"ascending\"><a href=\"/cases?form=forced_labour&#38;overdue=1&#38;sort=reference\""));
    assert!(html.contains("<input type=\"hidden\" name=\"sort\" value=\"reference\">"));
    assert!(
        html.contains("Demo Case Manager (org A)</option>"),
        "the case manager filter names staff"
    );
    for href in html.split("href=\"").skip(1) {
        let href = href.split('"').next().unwrap();
        assert!(!href.contains("Synthetic"), "a name in a link: {href}");
    }
    // An empty result says what to do.
    let empty = t.page(&page, "/cases?status=closed").await.text();
    assert!(empty.contains("No case matches these filters"), "{empty}");
    // Another organisation sees none of it, however it filters.
    let (other, _) = page_login(&t, "demo-cm-b").await;
    let theirs = t
        .page(
            &other,
            &format!("/cases?overdue=1&manager={cm_id}&sort=deadline"),
        )
        .await
        .text();
    assert!(
        !theirs.contains(&late_ref) && !theirs.contains("Sortlate"),
        "{theirs}"
    );
}
