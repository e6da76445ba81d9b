//! SafePath storage.
//!
//! One coarse [`Store`] trait; two implementations generated from the same SQL
//! (`sql.rs`): SQLite (embedded, the default) and PostgreSQL. The backend is
//! chosen by the URL scheme and an unknown scheme is an error — never a
//! silently created file. The storage conformance suite (`tests/`) runs
//! against both.
//!
//! Invariants kept here:
//! * every method that reads or changes personal data takes an [`AuditDraft`]
//!   and appends it to the hash chain **in the same transaction**, so no access
//!   happens without its audit entry and no entry exists for a change that
//!   rolled back;
//! * personal fields arrive already sealed ([`Sealed`]); this crate never sees
//!   plaintext personal data.

mod rows;
mod sql;

pub use rows::*;
pub use sql::{PgStore, SqliteStore};

// --- tracing and de-duplication ---
mod tracing_store;
pub use tracing_store::*;

// --- durable solutions: cross-border handover ---
mod handover_store;
pub use handover_store::*;
// --- statistics ---
mod stats_store;
pub use stats_store::*;
// --- rights and justice ---
mod justice_store;
pub use justice_store::*;

mod key_rotation_store;
pub use key_rotation_store::*;

mod agreements_store;
pub use agreements_store::*;
mod screening_list_store;
pub use screening_list_store::*;
mod documents_store;
pub use documents_store::*;
mod trainings_store;
pub use trainings_store::*;
mod match_index_store;
pub use match_index_store::*;
// --- organisations, accounts, sign-in and sessions ---
mod account_store;
pub use account_store::*;
mod identification_store;
pub use identification_store::*;
mod notices_store;
pub use notices_store::*;
mod referrals_store;
pub use referrals_store::*;
mod audit_store;
pub use audit_store::*;
// --- services, shelters and stays ---
mod directory_store;
pub use directory_store::*;

use async_trait::async_trait;
use safepath_audit::{Checkpoint, StoredEntry};
use safepath_crypto::WrappedDataKey;
use safepath_domain::access::{CaseFacts, Visibility};
use safepath_domain::ids::{CaseId, OrgId};
use std::path::Path;
use std::sync::Arc;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("unsupported database URL scheme in {0:?}: use sqlite://PATH or postgres://…")]
    UnknownScheme(String),
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("the record was changed by someone else; reload and try again")]
    VersionMismatch,
    #[error("not supported on this backend: {0}")]
    Unsupported(&'static str),
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    /// An audited read's entry could not be made durable: the data it read
    /// must not be returned.
    #[error("the audit entry could not be written: {0}")]
    AuditNotWritten(String),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The change would leave no administrator who can sign in; nothing
    /// was written. Checked inside the change's transaction, after the
    /// audit head's row lock, so two administrators changing each other at
    /// once cannot both pass.
    #[error("this is the only administrator who can sign in")]
    LastAdministrator,
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Signs audit checkpoints (the key lives in the key file, not in the store).
pub type CheckpointSigner = Arc<dyn Fn(i64, &[u8]) -> Checkpoint + Send + Sync>;

/// Sign a checkpoint every this many audit entries.
pub const CHECKPOINT_EVERY: i64 = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The whole storage, as the application holds it (`Arc<dyn Store>`): this
/// trait keeps the cases, their persons and their case work, and each other
/// part is a supertrait with its own file of declarations (`*_store.rs`) and
/// one body of SQL for both backends (`sql_*.rs`): accounts and sessions,
/// the audit log, identification, consent and referrals, notifications and
/// e-mail, the directory and shelters, tracing and de-duplication,
/// handovers, statistics, rights and justice, key rotation, agreements the
/// responder's list of screenings, the documents attached to cases and staff
/// trainings. A supertrait's methods are called on
/// `dyn Store` like its own.
#[async_trait]
pub trait Store:
    Send
    + Sync
    + AccountStore
    + AuditStore
    + IdentificationStore
    + ReferralStore
    + NoticeStore
    + DirectoryStore
    + TracingStore
    + HandoverStore
    + StatsStore
    + JusticeStore
    + KeyRotationStore
    + AgreementStore
    + ScreeningListStore
    + DocumentStore
    + TrainingStore
    + MatchIndexStore
{
    fn backend(&self) -> Backend;
    /// Runs the embedded migrations (idempotent).
    async fn migrate(&self) -> Result<()>;

    // --- keys ---
    async fn data_keys(&self) -> Result<Vec<WrappedDataKey>>;
    /// Inserts keys; used once when the database is new.
    async fn insert_data_keys(&self, keys: &[WrappedDataKey], now_ms: i64) -> Result<()>;
    /// Replaces the wrapping of existing keys (master-key rotation), atomically.
    async fn rewrap_data_keys(&self, keys: &[WrappedDataKey], audit: &AuditDraft) -> Result<()>;

    // --- cases ---
    async fn insert_case(
        &self,
        case: &CaseRow,
        person: &PersonRow,
        name_index: &[Vec<u8>],
        audit: &AuditDraft,
    ) -> Result<()> {
        self.insert_case_with(case, person, name_index, &CaseExtras::default(), audit)
            .await
    }
    /// Inserts a case with its flags, first decisions and the screening it
    /// came from, in one transaction.
    async fn insert_case_with(
        &self,
        case: &CaseRow,
        person: &PersonRow,
        name_index: &[Vec<u8>],
        extras: &CaseExtras,
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn case_flags(&self, id: CaseId) -> Result<Vec<CaseFlag>>;
    /// The facts the access policy needs; no personal data, so not audited.
    async fn case_facts(&self, id: CaseId) -> Result<Option<CaseFacts>>;
    /// [`Store::case_facts`] of many cases in one read (those that exist,
    /// in no particular order): a duplicate check decides hundreds.
    async fn cases_facts(&self, ids: &[CaseId]) -> Result<Vec<CaseFacts>>;
    /// The case with this reference (`SP-2026-…`, exact), for break-the-glass
    /// by reference; no personal data.
    async fn case_by_reference(&self, reference: &str) -> Result<Option<CaseId>>;
    /// Reads a case and its person, appending `audit` in the same transaction,
    /// for someone the policy allowed on `decided` (the facts it decided on).
    /// If the case's organisation, case manager or associated users are no
    /// longer those facts when the transaction reads it, nothing is read or
    /// appended: `Conflict` (the caller decides again).
    async fn read_case(
        &self,
        decided: &CaseFacts,
        audit: &AuditDraft,
    ) -> Result<Option<(CaseRow, PersonRow)>>;
    /// Replaces the case (and the person when given) if `case.version - 1`
    /// is the stored version.
    async fn update_case(
        &self,
        case: &CaseRow,
        person: Option<(&PersonRow, &[Vec<u8>])>,
        audit: &AuditDraft,
    ) -> Result<()>;
    /// Cases visible under `visibility`, newest first, filtered; the ids
    /// returned are appended to the audit entry's detail.
    async fn list_cases(
        &self,
        visibility: Visibility,
        filter: &CaseFilter,
        audit: &AuditDraft,
    ) -> Result<CasePage>;
    async fn count_cases(&self) -> Result<i64>;
    /// Every case's owner and person, for building a matching index (the
    /// caller audits the scan; fields stay sealed).
    /// One page of every case's person, oldest case first, after the
    /// `(case created_at, case id)` cursor: callers page to the end (keyset
    /// pagination), so nothing is silently left out however many there are.
    async fn case_persons_page(
        &self,
        after: Option<(i64, CaseId)>,
        limit: i64,
    ) -> Result<Vec<CasePersonRow>>;
    /// The counter every write of a person, or of a case's link to its
    /// person, raises (migration 0021, triggers): one cheap read tells a
    /// cached matching state whether it is still current.
    async fn person_generation(&self) -> Result<i64>;
    /// The persons written after `generation` (added, changed or removed;
    /// ids only), for bringing a cached matching state up to date.
    async fn persons_changed_since(
        &self,
        generation: i64,
    ) -> Result<Vec<safepath_domain::ids::PersonId>>;
    /// The case persons among `persons` (those linked to a case), oldest case
    /// first; a person removed or without a case is simply absent.
    async fn case_persons_of(
        &self,
        persons: &[safepath_domain::ids::PersonId],
    ) -> Result<Vec<CasePersonRow>>;

    // --- case work: timeline, approvals, needs, care plan, reviews ---
    /// Inserts case records, or replaces them when their id exists (each
    /// replacement must carry `version` = stored version + 1), atomically.
    async fn write_case_records(&self, rows: &[CaseRecordRow], audit: &AuditDraft) -> Result<()>;
    async fn case_record(&self, id: &str) -> Result<Option<CaseRecordRow>>;
    /// A case's records of one kind (all kinds when `None`), oldest first.
    async fn case_records(&self, case: CaseId, kind: Option<&str>) -> Result<Vec<CaseRecordRow>>;
    /// Records of `kind` in one of `states`, on cases under `visibility`;
    /// with `due_before`, only those due before that ISO date. Earliest due
    /// first.
    async fn queued_case_records(
        &self,
        kind: &str,
        states: &[&str],
        visibility: Visibility,
        due_before: Option<&str>,
    ) -> Result<Vec<CaseRecordHit>>;
    /// Records of `kind` in `state` on any case (for reports and the
    /// scheduler; the caller never opens them without a policy check).
    async fn all_case_records(&self, kind: &str, states: &[&str]) -> Result<Vec<CaseRecordRow>>;
    /// Changes the case (and the person when given) and writes
    /// the records that explain it, in one transaction, refused with
    /// `VersionMismatch` when the case changed meanwhile.
    async fn update_case_with_records(
        &self,
        case: &CaseRow,
        person: Option<(&PersonRow, &[Vec<u8>])>,
        rows: &[CaseRecordRow],
        audit: &AuditDraft,
    ) -> Result<()>;
    /// The periodic-review facts of an organisation's open cases.
    async fn review_facts(&self, org: OrgId) -> Result<Vec<ReviewFactsRow>>;

    // --- operations ---
    /// A consistent online copy of the whole database (SQLite: `VACUUM INTO`).
    async fn backup_to(&self, path: &Path) -> Result<()>;
    async fn close(&self);
}

/// Opens a store from a URL: `sqlite://PATH` (created if missing) or
/// `postgres://…` / `postgresql://…`. Anything else is refused.
pub async fn open(url: &str, signer: Option<CheckpointSigner>) -> Result<Arc<dyn Store>> {
    if let Some(path) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    {
        Ok(Arc::new(SqliteStore::open(path, signer).await?))
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(PgStore::open(url, signer).await?))
    } else {
        Err(StoreError::UnknownScheme(redact_url(url)))
    }
}

/// Removes a password from a URL before it is shown or logged.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.find('@')) {
        (Some(s), Some(at)) if at > s => format!("{}://…{}", &url[..s], &url[at..]),
        _ => url.chars().take(80).collect(),
    }
}
