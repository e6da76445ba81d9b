//! Case work: the lifecycle and its timeline, needs, care plan, tasks, feedback and work lists, the forms' tokens, the demo's stages, assignment and repatriation safeguards.
//! (Split by capability from the former tests/web.rs.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::StatusCode;
use serde_json::{Value, json};

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
    let (cookie, csrf) = page_login(&t, "demo-coordinator").await;
    let page = page_get(&t, &cookie, "/work").await.text();
    assert!(
        page.contains("class=\"detention warning\""),
        "a possible detention on the coordinator's page"
    );
    // In Thai, what changed and the needs-assessment questions are in Thai
    // (they were in English whatever the reader's language).
    let thai = |file: &str, id: &str| {
        let src = std::fs::read_to_string(format!(
            "{}/locales/th/{file}.ftl",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        src.lines()
            .find_map(|l| l.strip_prefix(&format!("{id} = ")))
            .unwrap()
            .to_owned()
    };
    let switched = page_post(
        &t,
        &cookie,
        "/settings/language",
        format!("csrf={csrf}&language=th"),
    )
    .await;
    assert_eq!(switched.status, StatusCode::SEE_OTHER);
    let page = page_get(&t, &cookie, "/work").await.text();
    let queue = page.split("id=\"review-queue\"").nth(1).unwrap();
    assert!(
        queue.contains(&thai("casework", "review-change-needs")),
        "{queue}"
    );
    assert!(!queue.contains("needs recorded or updated"), "{queue}");
    let case = w["review_queue"][0]["case_id"].as_str().unwrap();
    let work = page_get(&t, &cookie, &format!("/cases/{case}/work"))
        .await
        .text();
    assert!(
        work.contains(&thai("prompts", "prompt-general-safety")),
        "{}",
        work.split("class=\"prompts\"")
            .nth(1)
            .unwrap_or(&work[..work.len().min(3000)])
    );
    assert!(!work.contains("Do you feel safe where you are now?"));
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

/// Issue 10: the timeline says what happened in words ("care_plan
/// requested" and "reasonable_grounds presumed_victim" were shown as codes).
#[tokio::test]
async fn the_timeline_reads_as_words() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let coord = t.login("demo-coordinator").await;
    let case = t.create(&cm, vietnamese()).await;
    let id = case["id"].as_str().unwrap();
    let decided = t
        .call("POST", &format!("/api/v1/cases/{id}/decisions"), Some(&coord), Some(json!({"stage": "reasonable_grounds", "outcome": "presumed_victim", "reasons": "Synthetic reasons, long enough to record.", "letter_addressee": "person"})))
        .await;
    assert_eq!(decided.status, StatusCode::CREATED, "{}", decided.text());
    let asked = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/approvals"),
            Some(&cm),
            Some(json!({"subject": "closure"})),
        )
        .await;
    assert_eq!(asked.status, StatusCode::CREATED, "{}", asked.text());
    // A periodic review, a security assessment, and the case handed to the
    // coordinator, who reads the timeline.
    let call = |path: String, body: Value| {
        let (t, coord) = (&t, &coord);
        async move { t.call("POST", &path, Some(coord), Some(body)).await }
    };
    let reviewed = call(
        format!("/api/v1/cases/{id}/reviews"),
        json!({"notes": "Interagency review: on track."}),
    )
    .await;
    assert_eq!(reviewed.status, StatusCode::CREATED, "{}", reviewed.text());
    let assessed = call(
        format!("/api/v1/cases/{id}/assessments"),
        json!({"kind": "security_assessment", "summary": "Home district safe (synthetic)."}),
    )
    .await;
    assert_eq!(assessed.status, StatusCode::CREATED, "{}", assessed.text());
    let me = t.call("GET", "/api/v1/me", Some(&coord), None).await.json();
    let handed = t
        .call(
            "POST",
            &format!("/api/v1/cases/{id}/assignment"),
            Some(&cm),
            Some(json!({"case_manager_id": me["id"], "note": "Covering while on leave."})),
        )
        .await;
    assert_eq!(handed.status, StatusCode::OK, "{}", handed.text());
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    let page = page_get(&t, &cookie, &format!("/cases/{id}/work"))
        .await
        .text();
    let timeline = page
        .split("id=\"timeline\"")
        .nth(1)
        .and_then(|s| s.split("</ol>").next())
        .unwrap();
    assert!(
        timeline.contains("Reasonable-grounds decision: Presumed victim"),
        "{timeline}"
    );
    assert!(timeline.contains("Closure: requested"), "{timeline}");
    assert!(timeline.contains("Periodic review"), "{timeline}");
    assert!(
        timeline.contains("Security assessment (for a return)"),
        "{timeline}"
    );
    assert!(
        timeline.contains("Assigned to Demo Coordinator (org A)"),
        "{timeline}"
    );
    for code in [
        "reasonable_grounds",
        "presumed_victim",
        "closure requested",
        "periodic review",
        "security_assessment",
        "assigned to",
    ] {
        let shown = timeline.split("data-kind").skip(1).any(|li| {
            li.split_once('>')
                .is_some_and(|(_, text)| text.contains(code))
        });
        assert!(!shown, "the code {code} is shown: {timeline}");
    }
}
