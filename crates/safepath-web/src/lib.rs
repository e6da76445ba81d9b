//! SafePath's web server: one axum router for the HTML pages (which work with
//! JavaScript off) and the JSON API under `/api/v1`.
//!
//! Every response carries strict security headers and `Cache-Control:
//! no-store`; handlers name the signed-in user in their signature
//! ([`auth::ApiUser`], [`auth::WebUser`]) and never log personal data.

pub mod accounts;
pub mod api;
pub mod auth;
pub mod casework;
pub mod error;
pub mod i18n;
pub mod identification;
pub mod org_audit;
// The shared building blocks of every page (no capability's pages).
pub mod ui;
// Signing in and out, the language, one's own password.
pub mod sign_in;
// The cases' own pages: list, case, create and edit, audit, break-glass.
pub mod case_pages;
pub mod notifications;
pub mod referrals;
pub mod two_factor;
// --- services, shelters and stays ---
pub mod directory;

// --- tracing and de-duplication ---
mod person_form;
pub mod tracing;

// --- de-duplication run ---
pub mod dedupe;
// --- durable solutions: cross-border handover ---
pub mod agreements;
pub mod handover;
pub mod handover_steps;
pub mod reintegration;
pub mod returns;
pub mod screening_list;

// --- statistics ---
pub mod stats;
pub mod stats_releases;
mod stats_report;

// --- rights and justice ---
pub mod justice;
// --- documents attached to a case ---
pub mod documents;
// --- staff trainings ---
pub mod trainings;
// --- reliability: entry points for the fuzz targets (fuzz/) ---
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, header};
use axum::routing::get;
use safepath_app::App;
use std::sync::Arc;
use tower_http::set_header::SetResponseHeaderLayer;

/// Request bodies over this size are refused with 400 `body_too_large`.
pub const BODY_LIMIT: usize = 1024 * 1024;

pub type AppState = Arc<App>;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
                   form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn router(app: Arc<App>) -> Router {
    let headers: [(HeaderName, &'static str); 7] = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        // Honoured only when the page came over TLS (the proxy's), ignored
        // by browsers over plain HTTP (RFC 6797 §8.1): safe to send always.
        (header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::CACHE_CONTROL, "no-store"),
        (
            HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    let mut router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(api::routes())
        .merge(accounts::routes())
        .merge(org_audit::routes())
        .merge(ui::routes())
        .merge(sign_in::routes())
        .merge(case_pages::routes())
        .merge(notifications::routes())
        .merge(two_factor::routes())
        .merge(identification::routes())
        .merge(referrals::routes())
        .merge(casework::routes())
        // --- tracing and de-duplication ---
        .merge(tracing::routes())
        // --- services, shelters and stays ---
        .merge(directory::routes())
        // --- de-duplication run ---
        .merge(dedupe::routes())
        // --- durable solutions: cross-border handover ---
        .merge(handover::routes())
        .merge(returns::routes())
        .merge(reintegration::routes())
        .merge(agreements::routes())
        // --- statistics ---
        .merge(stats::routes())
        .merge(stats_releases::routes())
        // --- rights and justice ---
        .merge(justice::routes())
        // --- documents attached to a case ---
        .merge(documents::routes(app.document_max_bytes()))
        // --- staff trainings ---
        .merge(trainings::routes())
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(error::api_errors_as_json));
    for (name, value) in headers {
        let value = HeaderValue::from_static(value);
        router = router.layer(if name == header::CONTENT_SECURITY_POLICY {
            // A document's download sets a stricter policy of its own
            // (`sandbox`); every other answer gets the site's.
            SetResponseHeaderLayer::if_not_present(name, value)
        } else {
            SetResponseHeaderLayer::overriding(name, value)
        });
    }
    router.with_state(app)
}
