//! Printing (issues 10 and 13): the print script is served as script, and
//! the report pages, a case and the letters offer a Print button (hidden
//! until the script shows it), with a print stylesheet that leaves out the
//! menu and forms.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use crate::common::*;
use axum::http::{StatusCode, header};

#[tokio::test]
async fn report_pages_offer_print_and_the_stylesheet_prints_content_only() {
    let t = spawn_app().await;
    let js = t.call("GET", "/static/print.js", None, None).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(
        js.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(js.text().contains("window.print()"));
    let css = t.call("GET", "/static/app.css", None, None).await.text();
    let print = &css[css.find("@media print").expect("a print stylesheet")..];
    for hidden in ["header.bar", "nav", "form", "button"] {
        assert!(print.contains(hidden), "{hidden} left out on paper");
    }
    let (cookie, _) = page_login(&t, "demo-coordinator").await;
    for path in ["/stats", "/checklist"] {
        let html = page_get(&t, &cookie, path).await.text();
        assert!(
            html.contains("data-print hidden id=\"print-page\""),
            "{path}"
        );
        assert!(html.contains("src=\"/static/print.js\""), "{path}");
    }
}
