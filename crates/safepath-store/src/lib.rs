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

use async_trait::async_trait;
use safepath_audit::{Checkpoint, StoredEntry};
use safepath_crypto::WrappedDataKey;
use safepath_domain::access::{CaseFacts, Visibility};
use safepath_domain::ids::{CaseId, OrgId, UserId};
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

#[async_trait]
pub trait Store:
    Send
    + Sync
    + TracingStore
    + HandoverStore
    + StatsStore
    + JusticeStore
    + KeyRotationStore
    + AgreementStore
    + ScreeningListStore
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

    // --- organisations and users ---
    async fn insert_org(&self, org: &OrgRow, audit: &AuditDraft) -> Result<()>;
    async fn list_orgs(&self) -> Result<Vec<OrgRow>>;
    async fn org(&self, id: OrgId) -> Result<Option<OrgRow>>;
    async fn insert_user(&self, user: &UserRow, audit: &AuditDraft) -> Result<()>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>>;
    async fn user(&self, id: UserId) -> Result<Option<UserRow>>;
    async fn users_with_role(&self, org: OrgId, role: &str) -> Result<Vec<UserRow>>;
    /// Every account, disabled ones too, by organisation and username (the
    /// administrators' page; a deployment has hundreds, not millions).
    async fn all_users(&self) -> Result<Vec<UserRow>>;
    /// Changes the user's role and ends their sessions. Returns false when no
    /// such user exists.
    async fn set_role(&self, id: UserId, role: &str, audit: &AuditDraft) -> Result<bool>;
    /// Returns false when no such user exists.
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditDraft,
    ) -> Result<bool>;
    /// Disabling also ends the user's sessions.
    async fn set_disabled(&self, id: UserId, disabled: bool, audit: &AuditDraft) -> Result<bool>;
    async fn set_language(&self, id: UserId, language: &str) -> Result<()>;

    // --- login throttling ---
    async fn login_failures(&self, key_hash: &str) -> Result<Option<LoginFailures>>;
    async fn put_login_failures(&self, key_hash: &str, f: &LoginFailures) -> Result<()>;
    /// Counts one more failure atomically (parallel guesses each get their
    /// own count) and returns the new count.
    async fn count_login_failure(&self, key_hash: &str, now_ms: i64) -> Result<i64>;
    /// Locks the key until `until_ms`, never shortening a longer lock.
    async fn lock_login(&self, key_hash: &str, until_ms: i64) -> Result<()>;
    async fn clear_login_failures(&self, key_hash: &str) -> Result<()>;

    // --- sign-in throttling per source address ---
    /// Counts one failure from a source address (its keyed hash) atomically
    /// and returns the count in the current window; a window starts with
    /// the first failure after the previous one began at or before
    /// `window_start_before_ms` (now minus the window's length).
    async fn count_address_failure(
        &self,
        key_hash: &str,
        now_ms: i64,
        window_start_before_ms: i64,
    ) -> Result<i64>;
    /// Until when the address is locked (0 when it never was).
    async fn address_locked_until(&self, key_hash: &str) -> Result<i64>;
    /// Locks the address until `until_ms`, never shortening a longer lock.
    async fn lock_address(&self, key_hash: &str, until_ms: i64) -> Result<()>;
    /// Forgets addresses whose window began before `before_ms` and whose
    /// lock is over; returns how many.
    async fn delete_stale_address_failures(&self, before_ms: i64, now_ms: i64) -> Result<u64>;

    // --- the second sign-in factor ---
    async fn two_factor(&self, user: UserId) -> Result<Option<TwoFactorRow>>;
    /// Stores a new secret awaiting confirmation (replacing one that awaits
    /// it); refused with `Conflict` when the second factor is already on.
    async fn start_two_factor(&self, row: &TwoFactorRow, audit: &AuditDraft) -> Result<()>;
    /// Switches the second factor on, if it awaits confirmation, recording
    /// the step of the confirming code and replacing the recovery codes
    /// (their hashes); false when there was nothing to confirm.
    async fn enable_two_factor(
        &self,
        user: UserId,
        step: i64,
        recovery_hashes: &[String],
        now_ms: i64,
        audit: &AuditDraft,
    ) -> Result<bool>;
    /// Records that the code of `step` was used, atomically, unless a code
    /// of this step or a later one was used already (then false: a replay).
    async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool>;
    /// Spends a recovery code, atomically; false when unknown or spent.
    async fn use_recovery_code(&self, user: UserId, code_hash: &str, now_ms: i64) -> Result<bool>;
    /// How many recovery codes the user has left.
    async fn unused_recovery_codes(&self, user: UserId) -> Result<i64>;
    /// Removes the second factor and its recovery codes; false when none.
    async fn delete_two_factor(&self, user: UserId, audit: &AuditDraft) -> Result<bool>;

    // --- sessions and API tokens ---
    async fn insert_session(&self, s: &SessionRow) -> Result<()>;
    /// A live session (not expired at `now_ms`) with its user.
    async fn session(&self, token_hash: &str, now_ms: i64) -> Result<Option<SessionRow>>;
    /// Records that the session was used at `now_ms` (idle timeout).
    async fn touch_session(&self, token_hash: &str, now_ms: i64) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64>;

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

    // --- identification ---
    async fn set_focal_point(&self, org: OrgId, user: UserId, audit: &AuditDraft) -> Result<()>;
    async fn focal_point(&self, org: OrgId) -> Result<Option<UserId>>;
    async fn insert_screening(&self, s: &ScreeningRow, audit: &AuditDraft) -> Result<()>;
    /// A stored screening (sealed); the caller audits before opening it.
    async fn screening(&self, id: &str) -> Result<Option<ScreeningRow>>;
    async fn decisions_for_case(&self, id: CaseId) -> Result<Vec<DecisionRow>>;
    /// A case's decisions for someone who will open their sealed reasons:
    /// appends `audit` in the same transaction.
    async fn read_decisions(&self, id: CaseId, audit: &AuditDraft) -> Result<Vec<DecisionRow>>;
    async fn insert_decision(&self, d: &DecisionRow, audit: &AuditDraft) -> Result<()>;
    /// Records a decision, opens the next stage and moves the case, atomically;
    /// refused with `VersionMismatch` when the case or decision changed meanwhile.
    async fn change_decision(&self, change: &DecisionChange, audit: &AuditDraft) -> Result<()>;
    /// Undecided decisions on cases under `visibility`, earliest due first;
    /// with `due_before`, only those due before that ISO date (overdue).
    async fn open_decisions(
        &self,
        visibility: Visibility,
        due_before: Option<&str>,
    ) -> Result<Vec<OpenDecision>>;

    // --- consent ledger and referrals ---
    async fn insert_consent(&self, row: &LedgerRow, audit: &AuditDraft) -> Result<()>;
    async fn consent(&self, id: &str) -> Result<Option<LedgerRow>>;
    async fn consents_for_case(&self, case: CaseId) -> Result<Vec<LedgerRow>>;
    /// Replaces a consent (withdrawal) and the referrals it ends, atomically.
    async fn update_consent(
        &self,
        consent: &LedgerRow,
        ended_referrals: &[LedgerRow],
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn insert_referral(&self, row: &LedgerRow, audit: &AuditDraft) -> Result<()>;
    /// A referral's routing (ids, organisations, state) for the access
    /// decision; its sealed record is opened only after [`Store::read_referral`].
    async fn referral(&self, id: &str) -> Result<Option<LedgerRow>>;
    /// Reads a referral and appends the audit entry in one transaction.
    async fn read_referral(&self, id: &str, audit: &AuditDraft) -> Result<Option<LedgerRow>>;
    async fn referrals_for_case(&self, case: CaseId) -> Result<Vec<LedgerRow>>;
    /// Referrals to (`inbox`) or from an organisation, newest first.
    async fn referrals_for_org(&self, org: OrgId, inbox: bool) -> Result<Vec<LedgerRow>>;
    /// Moves a referral from `expected_state` to its new state; refused with
    /// `VersionMismatch` if someone else moved it first.
    async fn update_referral(
        &self,
        row: &LedgerRow,
        expected_state: &str,
        audit: &AuditDraft,
    ) -> Result<()>;

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

    // --- e-mail ---
    async fn set_user_email(
        &self,
        user: UserId,
        email: Option<&str>,
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn user_email(&self, user: UserId) -> Result<Option<String>>;
    /// Outbox e-mails due for a (re)try at `now_ms`, oldest first.
    async fn pending_mail(&self, now_ms: i64, limit: i64) -> Result<Vec<MailRow>>;
    /// Marks an e-mail sent, or schedules its next attempt.
    async fn mail_attempted(
        &self,
        id: &str,
        sent_at: Option<i64>,
        next_attempt_at: i64,
    ) -> Result<()>;

    // --- audit ---
    async fn append_audit(&self, audit: &AuditDraft) -> Result<i64>;
    /// Entries with `seq > after`, in order, at most `limit`.
    async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<StoredEntry>>;
    /// The trail of one record, newest first.
    async fn audit_for_record(&self, record_id: &str, limit: i64) -> Result<Vec<StoredEntry>>;
    /// An organisation's audit trail, newest first: what its staff did
    /// (entries by its users) and what was done to its records (entries
    /// stamped with it), narrowed by `q`.
    async fn audit_for_org(&self, org: OrgId, q: &OrgAuditQuery) -> Result<Vec<StoredEntry>>;
    async fn checkpoints(&self) -> Result<Vec<Checkpoint>>;
    /// Signs the current head now (e.g. at shutdown), if it is not signed yet.
    async fn checkpoint_now(&self, now_ms: i64) -> Result<Option<i64>>;

    // --- notifications ---
    async fn insert_notifications(&self, rows: &[NotificationRow]) -> Result<()>;
    async fn notifications(&self, user: UserId, limit: i64) -> Result<Vec<NotificationRow>>;
    /// How many of the user's notifications are not read yet.
    async fn unread_notifications(&self, user: UserId) -> Result<i64>;
    /// Marks every unread notification of the user read at `at_ms`;
    /// returns how many.
    async fn mark_notifications_read(&self, user: UserId, at_ms: i64) -> Result<u64>;
    /// Marks one of the user's notifications read (kept if it already
    /// was); false when the user has no notification with that id.
    async fn mark_notification_read(&self, user: UserId, id: &str, at_ms: i64) -> Result<bool>;

    // --- operations ---
    /// A consistent online copy of the whole database (SQLite: `VACUUM INTO`).
    async fn backup_to(&self, path: &Path) -> Result<()>;
    async fn close(&self);

    // --- services, shelters and stays ---
    async fn insert_service(&self, row: &ServiceRow, audit: &AuditDraft) -> Result<()>;
    /// Replaces a service if `row.version - 1` is the stored version.
    async fn update_service(&self, row: &ServiceRow, audit: &AuditDraft) -> Result<()>;
    async fn service(&self, id: &str) -> Result<Option<ServiceRow>>;
    /// Services of one organisation, or of all, by organisation then name.
    async fn services(&self, org: Option<OrgId>) -> Result<Vec<ServiceRow>>;
    /// `row.location` must be set.
    async fn insert_shelter(&self, row: &ShelterRow, audit: &AuditDraft) -> Result<()>;
    /// A shelter with its occupancy, without its location.
    async fn shelter(&self, id: &str) -> Result<Option<ShelterRow>>;
    /// Shelters (of one organisation, or all) with occupancy, without locations.
    async fn shelters(&self, org: Option<OrgId>) -> Result<Vec<ShelterRow>>;
    /// The sealed location, appending `audit` in the same transaction.
    async fn read_shelter_location(
        &self,
        id: &str,
        audit: &AuditDraft,
    ) -> Result<Option<safepath_crypto::Sealed>>;
    /// Admits a person: refused (nothing written) when the shelter is full or
    /// the person already has a current stay; checked in the transaction.
    async fn insert_stay(&self, row: &StayRow, audit: &AuditDraft) -> Result<Admission>;
    async fn stay(&self, id: &str) -> Result<Option<StayRow>>;
    async fn stays_for_case(&self, case: CaseId) -> Result<Vec<StayRow>>;
    /// Records the end of a current stay; `VersionMismatch` if it had ended.
    async fn end_stay(&self, id: &str, left_on: &str, audit: &AuditDraft) -> Result<()>;
    /// Stays of the cases an organisation owns, current first, with their
    /// case reference and shelter; the audit entry lists the stay ids.
    async fn stays_of_org_cases(&self, org: OrgId, audit: &AuditDraft) -> Result<Vec<OrgStay>>;
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
