//! SafePath's use cases. Each public method of [`App`] is one thing a user
//! does: it checks the access policy, seals or opens personal fields, and
//! hands the store one transaction that carries its audit entry.

pub mod accounts;
pub mod admin;
pub mod cases;
pub mod casework;
pub mod clock;
pub mod demo;
pub mod documents;
pub mod duplicates;
pub mod error;
pub mod identification;
pub mod mail;
pub mod org_audit;
pub mod referrals;
pub mod screening_list;
pub mod sealing;
pub mod trainings;
pub mod two_factor;
pub mod views;
// --- services, shelters and stays ---
pub mod directory;

// --- tracing and de-duplication ---
mod match_records;
pub mod tracing_requests;

// --- de-duplication run ---
pub mod dedupe_run;

// --- durable solutions: cross-border handover ---
pub mod handover;
pub mod handover_cases;
mod handover_demo;
pub mod handover_export;
pub mod handover_protocol;
// --- statistics ---
pub mod stats;
pub mod stats_synthetic;
// --- rights and justice ---
pub mod justice;
// --- data-key rotation ---
pub mod index_key_rotation;
pub mod key_rotation;
// --- durable solutions: agreements between countries ---
pub mod agreements;
pub mod reintegration;
pub mod retrafficking;
pub mod returns;

use safepath_crypto::{AuditKey, KeyFile, KeyPurpose, KeyRing, new_wrapped_key};
use safepath_domain::access::Actor;
use safepath_domain::ids::{OrgId, UserId};
use safepath_domain::org::Role;
use safepath_store::{CheckpointSigner, Store, UserRow};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use clock::{Clock, SystemClock};
pub use error::{AppError, ErrorKind};
pub use safepath_store::SealedColumn;

/// Interface languages: English, Indonesian, Thai, Vietnamese, Khmer, Burmese.
pub const SUPPORTED_LANGUAGES: &[&str] = &["en", "id", "th", "vi", "km", "my"];

/// How to open SafePath's data.
#[derive(Debug, Clone)]
pub struct OpenConfig {
    pub database_url: String,
    pub key_file: PathBuf,
    /// Create a new key file when none exists (first start). Refused when the
    /// database already holds keys: a new key could not read them.
    pub create_key_file: bool,
    /// The audit signing key's file; `None`: `audit.key` beside the key
    /// file. Kept apart from the data keys so that reading the data does not
    /// let anyone forge checkpoints.
    pub audit_key_file: Option<PathBuf>,
}

pub struct App {
    pub(crate) store: Arc<dyn Store>,
    /// Seals; opens only with a grant (sealing.rs: the one way in).
    pub(crate) keys: sealing::Vault,
    /// Every unseal, when a test suite watches (sealing.rs).
    pub(crate) unseals: sealing::UnsealWatch,
    pub(crate) clock: clock::AppClock,
    pub(crate) key_file: PathBuf,
    pub(crate) audit_public_key: [u8; 32],
    /// Months between periodic case reviews (default 3).
    pub(crate) review_months: u8,
    /// Sends notifications by e-mail when configured.
    pub(crate) mailer: Option<mail::Mailer>,
    /// This deployment's handover fingerprint, once read (a local
    /// handover's partner is this deployment itself).
    pub(crate) own_fingerprint: std::sync::OnceLock<String>,
    // --- services, shelters and stays ---
    /// Stays longer than this many days are flagged as possible detention.
    pub(crate) max_stay_days: std::sync::atomic::AtomicU32,
    // --- de-duplication run ---
    /// Hours between scheduled de-duplication runs (0: never).
    pub(crate) dedupe_every_hours: u32,
    /// Rights and justice: permit alert days, fatigue thresholds, the fund's
    /// four-eyes threshold.
    pub(crate) justice: justice::JusticeSettings,
    /// Password checks (Argon2id, deliberately slow) run on the blocking
    /// pool, at most this many at once: beyond it a sign-in is answered 429,
    /// so random usernames cannot starve the server.
    pub(crate) password_checks: Arc<tokio::sync::Semaphore>,
    /// Per-address throttling, the second factor's requirement, the proxy.
    pub(crate) sign_in: accounts::SignInSettings,
    /// Search before create's prepared matching state (D-T7).
    pub(crate) duplicates: duplicates::DuplicateIndex,
    /// The largest document accepted, in bytes (default 20 MiB).
    pub(crate) document_max_bytes: u64,
}

/// The signed-in user as every use case sees it.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: UserRow,
    pub actor: Actor,
}

impl Principal {
    pub fn from_user(user: UserRow) -> Result<Self, AppError> {
        let role =
            Role::parse(&user.role).map_err(|_| AppError::internal("stored role is invalid"))?;
        Ok(Self {
            actor: Actor {
                id: user.id,
                org: user.org_id,
                role,
            },
            user,
        })
    }
    pub fn id(&self) -> UserId {
        self.user.id
    }
    pub fn org(&self) -> OrgId {
        self.user.org_id
    }
}

fn signer_from(audit: &AuditKey) -> CheckpointSigner {
    let key = *audit.signing_key;
    Arc::new(move |seq, hash| safepath_audit::sign_checkpoint(&key, seq, hash))
}

/// The audit signing key: its own file; a legacy key file's embedded key is
/// moved out into it (and dropped from the key file); a new deployment gets
/// a new one. An existing deployment without one is refused: a new key could
/// not vouch for its past checkpoints.
fn audit_key(cfg: &OpenConfig, file: &mut KeyFile, key_exists: bool) -> Result<AuditKey, AppError> {
    let path = cfg
        .audit_key_file
        .clone()
        .unwrap_or_else(|| cfg.key_file.with_file_name("audit.key"));
    let config = |e: safepath_crypto::CryptoError| AppError::config(e.to_string());
    if path.exists() {
        return AuditKey::load(&path).map_err(config);
    }
    if let Some(legacy) = file.audit_signing_key.take() {
        let key = AuditKey {
            signing_key: legacy,
        };
        key.save(&path).map_err(config)?;
        if key_exists {
            file.save(&cfg.key_file).map_err(config)?;
        }
        return Ok(key);
    }
    if key_exists {
        return Err(AppError::config(format!(
            "audit key file {} not found (pass --audit-key-file)",
            path.display()
        )));
    }
    let key = AuditKey::generate();
    key.save(&path).map_err(config)?;
    Ok(key)
}

impl App {
    /// Opens (and if needed initialises) the database and key file, runs the
    /// migrations and unlocks the data keys.
    pub async fn open(cfg: &OpenConfig, clock: Arc<dyn Clock>) -> Result<Self, AppError> {
        let key_exists = cfg.key_file.exists();
        let mut file = if key_exists {
            KeyFile::load(&cfg.key_file).map_err(|e| AppError::config(e.to_string()))?
        } else if cfg.create_key_file {
            KeyFile::generate()
        } else {
            return Err(AppError::config(format!(
                "key file {} not found (pass --key-file)",
                cfg.key_file.display()
            )));
        };
        let audit = audit_key(cfg, &mut file, key_exists)?;
        let store = safepath_store::open(&cfg.database_url, Some(signer_from(&audit)))
            .await
            .map_err(AppError::store)?;
        store.migrate().await.map_err(AppError::store)?;
        let mut stored = store.data_keys().await.map_err(AppError::store)?;
        if stored.is_empty() {
            let master = file.active().map_err(|e| AppError::config(e.to_string()))?;
            let fresh = [KeyPurpose::Field, KeyPurpose::Index]
                .into_iter()
                .map(|purpose| new_wrapped_key(master, purpose))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| AppError::config(e.to_string()))?;
            if !key_exists {
                // Write the key file before the database depends on it.
                file.save(&cfg.key_file)
                    .map_err(|e| AppError::config(e.to_string()))?;
            }
            store
                .insert_data_keys(&fresh, clock.now_ms())
                .await
                .map_err(AppError::store)?;
            stored = fresh;
        } else if !key_exists {
            return Err(AppError::config(format!(
                "the database holds encrypted data but the key file {} is missing; restore it (a new key cannot read old data)",
                cfg.key_file.display()
            )));
        }
        let keys = KeyRing::unlock(&file, &stored).map_err(|e| AppError::config(e.to_string()))?;
        let audit_public_key = safepath_audit::verifying_key(&audit.signing_key);
        Ok(Self {
            store,
            keys: sealing::Vault::new(keys),
            unseals: Default::default(),
            clock: clock::AppClock::new(clock),
            key_file: cfg.key_file.clone(),
            audit_public_key,
            review_months: safepath_domain::casework::needs::DEFAULT_REVIEW_MONTHS,
            mailer: None,
            own_fingerprint: std::sync::OnceLock::new(),
            // --- services, shelters and stays ---
            max_stay_days: std::sync::atomic::AtomicU32::new(
                safepath_domain::casework::shelter::DEFAULT_MAX_STAY_DAYS,
            ),
            // --- de-duplication run ---
            dedupe_every_hours: dedupe_run::DEFAULT_EVERY_HOURS,
            justice: justice::JusticeSettings::default(),
            password_checks: Arc::new(tokio::sync::Semaphore::new(
                accounts::CONCURRENT_PASSWORD_CHECKS,
            )),
            sign_in: accounts::SignInSettings::default(),
            duplicates: Default::default(),
            document_max_bytes: safepath_domain::casework::documents::DEFAULT_MAX_BYTES,
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    /// Sets the interval of periodic case reviews, in months (at least 1).
    pub fn set_review_months(&mut self, months: u8) {
        self.review_months = months.max(1);
    }

    /// Sets how sign-in is guarded (limits at least 1).
    pub fn set_sign_in_settings(&mut self, settings: accounts::SignInSettings) {
        self.sign_in = accounts::SignInSettings {
            address_failures: settings.address_failures.max(1),
            address_window_ms: settings.address_window_ms.max(1000),
            ..settings
        };
    }

    pub fn sign_in_settings(&self) -> &accounts::SignInSettings {
        &self.sign_in
    }

    pub fn key_file(&self) -> &Path {
        &self.key_file
    }

    /// Signs the audit head and closes the pool (graceful shutdown).
    pub async fn shutdown(&self) {
        if let Err(e) = self.store.checkpoint_now(self.now_ms()).await {
            tracing::warn!(error = %e, "could not sign a final audit checkpoint");
        }
        self.store.close().await;
    }
}

pub use safepath_crypto::same_secret;

/// A fresh random token for a form (e.g. the sign-in page's CSRF token).
pub fn new_form_token() -> String {
    safepath_crypto::new_token()
}
