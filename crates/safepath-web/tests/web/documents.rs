//! Documents attached to a case (issue 10): kept sealed, judged by their
//! content, limited in size, only ever sent as a download, governed by the
//! data category that consent and referrals share, and every use audited.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

const BOUNDARY: &str = "----synthetic-boundary-7d1f";

/// A small but real PDF.
fn pdf(words: &str) -> Vec<u8> {
    format!(
        "%PDF-1.4\n1 0 obj\n<< /Title ({words}) >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )
    .into_bytes()
}

/// A `multipart/form-data` body: text fields, then the file.
fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Sends a multipart body to `path`, signed in by `auth` (a header).
async fn upload(
    t: &TestApp,
    path: String,
    auth: (header::HeaderName, String),
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Answer {
    t.send(
        Request::builder()
            .method("POST")
            .uri(path)
            .header(auth.0, auth.1)
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(Body::from(multipart(fields, file)))
            .unwrap(),
    )
    .await
}

async fn api_upload(
    t: &TestApp,
    tok: &str,
    case: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Answer {
    let auth = (header::AUTHORIZATION, format!("Bearer {tok}"));
    upload(
        t,
        format!("/api/v1/cases/{case}/documents"),
        auth,
        fields,
        file,
    )
    .await
}

async fn page_upload(
    t: &TestApp,
    cookie: &str,
    case: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Answer {
    let auth = (header::COOKIE, cookie.to_owned());
    upload(t, format!("/cases/{case}/documents"), auth, fields, file).await
}

async fn new_case(t: &TestApp, tok: &str) -> String {
    t.create(
        tok,
        json!({"names": [{"value": "Synthetic Mya Docs", "script": "Latn"}], "sex": "female"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_document_is_added_listed_downloaded_and_removed_each_audited() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = new_case(&t, &cm).await;
    let file = pdf("Synthetic medical report");
    let added = api_upload(
        &t,
        &cm,
        &case,
        &[
            ("kind", "medical"),
            ("description", "First check-up at the shelter"),
        ],
        Some(("C:\\scans\\report\u{202E}fdp.exe", &file)),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let doc = added.json()["id"].as_str().unwrap().to_owned();

    let list = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/documents"),
            Some(&cm),
            None,
        )
        .await
        .json();
    let item = &list["items"][0];
    assert_eq!(item["kind"], "medical");
    assert_eq!(
        item["category"], "health",
        "a medical paper is health data unless said otherwise"
    );
    assert_eq!(
        item["media_type"], "application/pdf",
        "found in the content"
    );
    assert_eq!(
        item["file_name"], "reportfdp.pdf",
        "no path, no override, the content's extension"
    );
    assert_eq!(item["description"], "First check-up at the shelter");
    assert_eq!(item["added_by"], "Demo Case Manager (org A)");
    assert_eq!(list["may_change"], true);

    let dl = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/documents/{doc}"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.body, file, "the file comes back as it was sent");
    assert_eq!(dl.headers[header::CONTENT_TYPE], "application/octet-stream");
    assert_eq!(dl.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let disposition = dl.headers[header::CONTENT_DISPOSITION].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"reportfdp.pdf\""),
        "{disposition}"
    );
    let csp = dl.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.starts_with("sandbox"), "{csp}");

    let gone = t
        .call(
            "DELETE",
            &format!("/api/v1/cases/{case}/documents/{doc}"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    let again = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/documents/{doc}"),
            Some(&cm),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    let a = audit_actions(&t).await;
    for action in [
        "document.add",
        "document.list",
        "document.read",
        "document.remove",
    ] {
        assert!(a.iter().any(|x| x == action), "{action} is audited");
    }
}

#[tokio::test]
async fn nothing_of_a_document_is_stored_in_clear() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = new_case(&t, &cm).await;
    let marker = "Zqxsynthetic passport number QX1234567";
    let up = api_upload(
        &t,
        &cm,
        &case,
        &[
            ("kind", "identity_document"),
            ("description", "Zqxdescription of the passport"),
        ],
        Some(("Zqxpassport-scan.pdf", &pdf(marker))),
    )
    .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
    // Everything the database holds on disk, journal included.
    let mut disk = Vec::new();
    for entry in std::fs::read_dir(t.dir.path()).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("safepath.db")
        {
            disk.extend(std::fs::read(p).unwrap());
        }
    }
    assert!(!disk.is_empty());
    let text = String::from_utf8_lossy(&disk);
    for secret in ["QX1234567", "Zqxdescription", "Zqxpassport"] {
        assert!(!text.contains(secret), "{secret} is on disk in clear");
    }
}

#[tokio::test]
async fn files_are_judged_by_their_content_and_size_and_a_refusal_changes_nothing() {
    let t = spawn_app_with(|app| app.set_document_max_bytes(4096).unwrap()).await;
    let cm = t.login("demo-cm-a").await;
    let case = new_case(&t, &cm).await;
    let page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".to_vec();
    let svg = b"<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>".to_vec();
    let mut big = pdf("big");
    big.resize(5000, b' ');
    for (fields, file, code) in [
        (
            vec![("kind", "medical")],
            Some(("report.pdf", page.as_slice())),
            "file_type_not_accepted",
        ),
        (
            vec![("kind", "medical")],
            Some(("image.png", svg.as_slice())),
            "file_type_not_accepted",
        ),
        (
            vec![("kind", "medical")],
            Some(("big.pdf", big.as_slice())),
            "file_too_large",
        ),
        (
            vec![("kind", "medical")],
            Some(("empty.pdf", &b""[..])),
            "missing_field",
        ),
        (vec![("kind", "medical")], None, "missing_field"),
        (
            vec![("kind", "passport_of_someone")],
            Some(("a.pdf", &pdf("a")[..])),
            "invalid_field",
        ),
        (
            vec![("kind", "letter"), ("category", "gossip")],
            Some(("a.pdf", &pdf("a")[..])),
            "invalid_field",
        ),
        (
            vec![("kind", "letter"), ("description", "nul\u{0}byte")],
            Some(("a.pdf", &pdf("a")[..])),
            "invalid_field",
        ),
    ] {
        let r = api_upload(&t, &cm, &case, &fields, file).await;
        assert_eq!(
            r.status,
            StatusCode::BAD_REQUEST,
            "{fields:?}: {}",
            r.text()
        );
        assert_eq!(r.json()["code"], code, "{fields:?}");
    }
    // Far beyond the limit: cut off while it streams in.
    let mut huge = pdf("huge");
    huge.resize(200_000, b' ');
    let r = api_upload(
        &t,
        &cm,
        &case,
        &[("kind", "medical")],
        Some(("huge.pdf", &huge)),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text());
    assert_eq!(r.json()["code"], "file_too_large");
    // Not multipart at all.
    let r = t
        .call(
            "POST",
            &format!("/api/v1/cases/{case}/documents"),
            Some(&cm),
            Some(json!({"kind": "medical"})),
        )
        .await;
    assert_eq!(r.json()["code"], "invalid_body");
    let list = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/documents"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"], json!([]), "nothing was kept");
    assert!(!audit_actions(&t).await.iter().any(|a| a == "document.add"));
}

#[tokio::test]
async fn a_receiving_organisation_sees_and_adds_only_in_the_categories_shared_and_removes_none_of_the_owners()
 {
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let case = new_case(&t, &cm_a).await;
    let mut ids = std::collections::BTreeMap::new();
    for kind in ["medical", "identity_document"] {
        let r = api_upload(
            &t,
            &cm_a,
            &case,
            &[("kind", kind)],
            Some(("scan.pdf", &pdf(kind))),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        ids.insert(kind, r.json()["id"].as_str().unwrap().to_owned());
    }
    let list_path = format!("/api/v1/cases/{case}/documents");
    // Before any referral, organisation B knows nothing of the case.
    let before = t.call("GET", &list_path, Some(&cm_b), None).await;
    assert_eq!(before.status, StatusCode::NOT_FOUND);

    refer_to(&t, &cm_a, &cm_b, &case, json!(["health"])).await;
    let list = t.call("GET", &list_path, Some(&cm_b), None).await.json();
    let kinds: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["medical"], "health is shared, identity is not");
    assert_eq!(list["via_referral"], true);
    assert_eq!(list["may_change"], true, "it may add in what is shared");
    let medical = t
        .call(
            "GET",
            &format!("{list_path}/{}", ids["medical"]),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(medical.status, StatusCode::OK);
    let identity = t
        .call(
            "GET",
            &format!("{list_path}/{}", ids["identity_document"]),
            Some(&cm_b),
            None,
        )
        .await;
    let missing = t
        .call(
            "GET",
            &format!("{list_path}/00000000-0000-4000-8000-000000000009"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(
        (identity.status, identity.text()),
        (missing.status, missing.text()),
        "a document not shared looks missing"
    );
    // It adds only in the categories shared: a letter (case history) is
    // refused as a field error, and nothing is kept.
    let add = api_upload(
        &t,
        &cm_b,
        &case,
        &[("kind", "letter")],
        Some(("b.pdf", &pdf("b"))),
    )
    .await;
    assert_eq!(add.status, StatusCode::BAD_REQUEST, "{}", add.text());
    assert_eq!(add.json()["code"], "category_not_shared");
    let add = api_upload(
        &t,
        &cm_b,
        &case,
        &[("kind", "medical"), ("category", "identity")],
        Some(("b.pdf", &pdf("b"))),
    )
    .await;
    assert_eq!(add.json()["code"], "category_not_shared", "{}", add.text());
    // It removes none of the owner's papers: one it reads is refused, one it
    // may not read looks missing.
    let remove = t
        .call(
            "DELETE",
            &format!("{list_path}/{}", ids["medical"]),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(remove.status, StatusCode::FORBIDDEN, "{}", remove.text());
    let remove = t
        .call(
            "DELETE",
            &format!("{list_path}/{}", ids["identity_document"]),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(remove.status, StatusCode::NOT_FOUND);
    let list = t.call("GET", &list_path, Some(&cm_b), None).await.json();
    assert_eq!(list["may_change"], true);
    assert_eq!(list["categories"], json!(["health"]));
    assert_eq!(list["items"][0]["may_remove"], false);
    let owner = t.call("GET", &list_path, Some(&cm_a), None).await.json();
    assert_eq!(owner["items"].as_array().unwrap().len(), 2);
    assert!(
        owner["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["may_remove"] == true)
    );
}

#[tokio::test]
async fn a_receiving_organisation_adds_its_report_the_case_manager_is_told_and_only_it_removes_it()
{
    let t = spawn_app().await;
    let cm_a = t.login("demo-cm-a").await;
    let cm_b = t.login("demo-cm-b").await;
    let case = new_case(&t, &cm_a).await;
    let list_path = format!("/api/v1/cases/{case}/documents");
    refer_to(&t, &cm_a, &cm_b, &case, json!(["health"])).await;
    // An organisation without a referral finds no case to add to.
    let cm_c = t.login("demo-cm-c").await;
    let r = api_upload(
        &t,
        &cm_c,
        &case,
        &[("kind", "medical")],
        Some(("x.pdf", &pdf("x"))),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.text());
    let before = t
        .call("GET", "/api/v1/notifications", Some(&cm_a), None)
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len();
    let added = api_upload(
        &t,
        &cm_b,
        &case,
        &[
            ("kind", "medical"),
            ("description", "Health check at the shelter"),
        ],
        Some(("report.pdf", &pdf("report"))),
    )
    .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let id = added.json()["id"].as_str().unwrap().to_owned();
    // The case manager is told, in words that name the organisation.
    let told = t
        .call("GET", "/api/v1/notifications", Some(&cm_a), None)
        .await
        .json();
    let items = told["items"].as_array().unwrap();
    assert_eq!(items.len(), before + 1);
    let notice = items
        .iter()
        .find(|n| n["kind"] == "document_added")
        .unwrap();
    assert!(
        notice["message"]
            .as_str()
            .unwrap()
            .contains("Organisation B"),
        "{notice}"
    );
    let (cookie, _) = page_login(&t, "demo-cm-a").await;
    let page = t.page(&cookie, "/notifications").await.text();
    assert!(page.contains("added a document to case"), "{page}");
    assert!(page.contains(&format!("/cases/{case}/documents")), "{page}");
    // The receiver's page offers only the categories shared, and says what
    // becomes of what it adds.
    let (cookie_b, _) = page_login(&t, "demo-cm-b").await;
    let page_b = t
        .page(&cookie_b, &format!("/cases/{case}/documents"))
        .await
        .text();
    assert!(page_b.contains("document-shared-hint"), "{page_b}");
    assert!(page_b.contains(r#"<option value="health""#), "{page_b}");
    assert!(!page_b.contains(r#"<option value="identity""#), "{page_b}");
    assert!(page_b.contains(", Organisation B"), "{page_b}");
    // The owner sees who added it; both may remove it.
    let owner = t.call("GET", &list_path, Some(&cm_a), None).await.json();
    let doc = &owner["items"][0];
    assert_eq!(doc["id"], id.as_str());
    assert!(
        doc["added_by_organisation"]
            .as_str()
            .unwrap()
            .contains("Organisation B"),
        "{doc}"
    );
    assert_eq!(doc["may_remove"], true);
    let mine = t.call("GET", &list_path, Some(&cm_b), None).await.json();
    assert_eq!(mine["items"][0]["may_remove"], true);
    assert!(audit_actions(&t).await.iter().any(|a| a == "document.add"));
    // A third organisation the person was also referred to adds a paper:
    // the owner sees who; organisation B sees the paper, not who or which
    // organisation (it does not learn of the other referral).
    let cm_c = t.login("demo-cm-c").await;
    refer_to(&t, &cm_a, &cm_c, &case, json!(["health"])).await;
    let by_c = api_upload(
        &t,
        &cm_c,
        &case,
        &[("kind", "medical")],
        Some(("clinic.pdf", &pdf("clinic"))),
    )
    .await;
    assert_eq!(by_c.status, StatusCode::CREATED, "{}", by_c.text());
    let c_doc = by_c.json()["id"].as_str().unwrap().to_owned();
    let seen_by = |list: &serde_json::Value| {
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == c_doc.as_str())
            .cloned()
            .unwrap()
    };
    let owner = seen_by(&t.call("GET", &list_path, Some(&cm_a), None).await.json());
    assert!(
        owner["added_by_organisation"]
            .as_str()
            .unwrap()
            .contains("Organisation C"),
        "{owner}"
    );
    let for_b = seen_by(&t.call("GET", &list_path, Some(&cm_b), None).await.json());
    assert_eq!(for_b["added_by"], "—", "{for_b}");
    assert!(for_b["added_by_organisation"].is_null(), "{for_b}");
    assert_eq!(for_b["may_remove"], false);
    let page_b = t
        .page(&cookie_b, &format!("/cases/{case}/documents"))
        .await
        .text();
    assert!(
        !page_b.contains("Organisation C") && !page_b.contains("org C"),
        "{page_b}"
    );

    // The receiving organisation's service provider adds too; what one of
    // its staff added, another of its staff may remove.
    let provider = t.login("demo-provider").await;
    let by_provider = api_upload(
        &t,
        &provider,
        &case,
        &[("kind", "medical")],
        Some(("lab.pdf", &pdf("lab"))),
    )
    .await;
    assert_eq!(
        by_provider.status,
        StatusCode::CREATED,
        "{}",
        by_provider.text()
    );
    let provider_doc = by_provider.json()["id"].as_str().unwrap().to_owned();
    let removed = t
        .call(
            "DELETE",
            &format!("{list_path}/{provider_doc}"),
            Some(&cm_b),
            None,
        )
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text());
    let removed = t
        .call("DELETE", &format!("{list_path}/{id}"), Some(&cm_b), None)
        .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT, "{}", removed.text());
    let owner = t.call("GET", &list_path, Some(&cm_a), None).await.json();
    let left: Vec<&str> = owner["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        left,
        [c_doc.as_str()],
        "only organisation C's paper is left"
    );
}

#[tokio::test]
async fn the_page_keeps_the_input_beside_the_error_and_says_what_was_done() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = new_case(&t, &cm).await;
    let (cookie, csrf) = page_login(&t, "demo-cm-a").await;
    let empty = page_get(&t, &cookie, &format!("/cases/{case}/documents")).await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.text().contains("id=\"no-documents\""));
    assert!(empty.text().contains("enctype=\"multipart/form-data\""));

    let refused = page_upload(
        &t,
        &cookie,
        &case,
        &[
            ("csrf", &csrf),
            ("kind", "court"),
            ("category", "legal"),
            ("description", "Synthetic summons"),
        ],
        Some(("summons.pdf", b"<html>not a pdf</html>")),
    )
    .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let html = refused.text();
    assert!(html.contains("id=\"error-summary\""), "{html}");
    assert!(html.contains("id=\"document-file-error\""));
    assert!(
        html.contains("value=\"Synthetic summons\""),
        "the description is kept"
    );
    assert!(
        html.contains("<option value=\"court\" selected>"),
        "the kind is kept"
    );
    assert!(
        html.contains("<option value=\"legal\" selected>"),
        "the category is kept"
    );

    let added = page_upload(
        &t,
        &cookie,
        &case,
        &[
            ("csrf", &csrf),
            ("kind", "court"),
            ("description", "Synthetic summons"),
        ],
        Some(("summons.pdf", &pdf("summons"))),
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    let to = added.headers[header::LOCATION].to_str().unwrap().to_owned();
    let page = page_get(&t, &cookie, &to).await.text();
    assert!(
        page.contains("id=\"message\""),
        "a message after the action"
    );
    assert!(page.contains("summons.pdf"));
    assert!(page.contains("Court or police paper"), "the kind in words");
    assert!(!page.contains("application/pdf"), "no codes on the page");

    // The case page links to the documents.
    let case_page = page_get(&t, &cookie, &format!("/cases/{case}"))
        .await
        .text();
    assert!(case_page.contains("id=\"documents-link\""));

    // Removing asks first (a details section), then says it is done.
    let doc = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/documents"),
            Some(&cm),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(page.contains("<details class=\"remove\">"));
    let removed = page_post(
        &t,
        &cookie,
        &format!("/cases/{case}/documents/{doc}/remove"),
        format!("csrf={csrf}"),
    )
    .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(
        removed.headers[header::LOCATION]
            .to_str()
            .unwrap()
            .ends_with("done=removed")
    );
}

#[tokio::test]
async fn an_upload_without_the_sessions_token_is_refused_before_anything_is_kept() {
    let t = spawn_app().await;
    let cm = t.login("demo-cm-a").await;
    let case = new_case(&t, &cm).await;
    let (cookie, _) = page_login(&t, "demo-cm-a").await;
    for fields in [
        vec![("kind", "medical")],
        vec![("csrf", "forged"), ("kind", "medical")],
    ] {
        let r = page_upload(&t, &cookie, &case, &fields, Some(("a.pdf", &pdf("a")))).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{fields:?}");
    }
    let list = t
        .call(
            "GET",
            &format!("/api/v1/cases/{case}/documents"),
            Some(&cm),
            None,
        )
        .await
        .json();
    assert_eq!(list["items"], json!([]));
}
