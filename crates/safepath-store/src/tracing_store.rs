//! Storage for family tracing and the periodic de-duplication run: its own
//! trait (a supertrait of [`crate::Store`]), its own rows, implemented for both
//! backends by one body of SQL (`sql_tracing.rs`).

use async_trait::async_trait;
use safepath_crypto::Sealed;
use safepath_domain::ids::{CaseId, OrgId, UserId};

use crate::{AuditDraft, LedgerRow, Result};

/// A family's tracing request. Who is sought and who asks are sealed JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingRequestRow {
    pub id: String,
    /// `TR-` and eight characters of the id: no personal data.
    pub reference: String,
    /// The requester's side: the organisation that recorded the request.
    pub org_id: OrgId,
    pub created_by: UserId,
    /// `open`, or `found` once the sought person consented to contact.
    pub status: String,
    /// Set with `found`: the organisation through which contact goes.
    pub found_org_id: Option<OrgId>,
    pub found_at: Option<i64>,
    pub sought: Sealed,
    pub requester: Sealed,
    pub created_at: i64,
}

/// A possible match between a request and a case whose person allows tracing.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingMatchRow {
    pub id: String,
    pub request_id: String,
    pub case_id: CaseId,
    pub case_org_id: OrgId,
    pub probability: f64,
    /// `likely` or `possible`.
    pub band: String,
    /// JSON of field names, levels and weights (no personal data).
    pub explanation: String,
    /// `pending`, `consented`, `declined` or `not_same`.
    pub state: String,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<i64>,
    pub created_at: i64,
}

/// One entry of a request's family contact log.
#[derive(Debug, Clone, PartialEq)]
pub struct TracingContactRow {
    pub id: String,
    pub request_id: String,
    pub by_user: UserId,
    pub at_ms: i64,
    /// `phone`, `in_person`, `video`, `message`, `letter` or `other`.
    pub method: String,
    pub note: Option<Sealed>,
}

/// The answer to a match, written atomically with what it implies.
#[derive(Debug, Clone)]
pub struct TracingDecision {
    /// The match with its new state, decided_by and decided_at.
    pub decided: TracingMatchRow,
    /// A family-contact consent recorded with the answer.
    pub consent: Option<LedgerRow>,
    /// With consent: the request becomes `found` through this organisation.
    pub found: Option<(OrgId, i64)>,
}

/// A de-duplication run and its progress.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DedupeRunRow {
    pub id: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// A user id, or `scheduler`.
    pub started_by: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub processed: i64,
    pub total: i64,
    pub pairs_found: i64,
    /// A generic reason (never personal data).
    pub error: Option<String>,
}

/// A candidate pair of cases that may be the same person (`case_a < case_b`).
#[derive(Debug, Clone, PartialEq)]
pub struct DedupePairRow {
    pub id: String,
    pub case_a: CaseId,
    pub case_b: CaseId,
    pub probability: f64,
    pub band: String,
    /// JSON of field names, levels and weights (no personal data).
    pub explanation: String,
    /// `pending`, `merged` or `not_same`.
    pub state: String,
    pub run_id: String,
    pub created_at: i64,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<i64>,
}

/// The secondary case is marked merged into the primary; both stay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseMergeRow {
    pub secondary: CaseId,
    pub primary: CaseId,
    pub pair_id: String,
    pub merged_by: UserId,
    pub merged_at: i64,
}

/// What a review decision does to the merge marks.
#[derive(Debug, Clone)]
pub enum MergeChange {
    None,
    Merge(CaseMergeRow),
    /// Removes the mark on this secondary case.
    Unmerge(CaseId),
}

#[async_trait]
pub trait TracingStore: Send + Sync {
    // --- tracing requests ---
    /// Inserts a request with its matches, appending `audit`, atomically.
    async fn insert_tracing_request(
        &self,
        req: &TracingRequestRow,
        matches: &[TracingMatchRow],
        audit: &AuditDraft,
    ) -> Result<()>;
    /// A request (sealed); the caller audits before opening it.
    async fn tracing_request(&self, id: &str) -> Result<Option<TracingRequestRow>>;
    /// Every request still open (all organisations), oldest first: a person
    /// who consents to tracing later is matched against them.
    async fn open_tracing_requests(&self) -> Result<Vec<TracingRequestRow>>;
    /// Adds matches to requests already recorded, appending `audit`,
    /// atomically; a request and case already paired are left as they are.
    /// Returns how many were added.
    async fn insert_tracing_matches(
        &self,
        matches: &[TracingMatchRow],
        audit: &AuditDraft,
    ) -> Result<u64>;
    /// The requests recorded by an organisation, newest first.
    async fn tracing_requests_for_org(&self, org: OrgId) -> Result<Vec<TracingRequestRow>>;
    async fn tracing_match(&self, id: &str) -> Result<Option<TracingMatchRow>>;
    /// Matches on cases owned by an organisation, newest first.
    async fn tracing_matches_for_org(&self, org: OrgId) -> Result<Vec<TracingMatchRow>>;
    async fn tracing_matches_for_request(&self, request: &str) -> Result<Vec<TracingMatchRow>>;
    /// Records the answer to a match if it is still in `expected_state`
    /// (else `VersionMismatch`), with its consent and the request's new
    /// status, atomically.
    async fn decide_tracing_match(
        &self,
        decision: &TracingDecision,
        expected_state: &str,
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn insert_tracing_contact(
        &self,
        row: &TracingContactRow,
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn tracing_contacts(&self, request: &str) -> Result<Vec<TracingContactRow>>;
    /// How many cases have a consent-ledger entry for `purpose`, in force
    /// or not (tracing weighs a request among them).
    async fn count_cases_with_consent_purpose(&self, purpose: &str) -> Result<i64>;
    /// A case's reference (no personal data, not audited).
    async fn case_reference(&self, case: CaseId) -> Result<Option<String>>;

    // --- de-duplication run ---
    /// Starts a run; `Conflict` while another run is `running`.
    async fn insert_dedupe_run(&self, run: &DedupeRunRow, audit: &AuditDraft) -> Result<()>;
    /// Progress only (no personal data, not audited); a run that is no
    /// longer `running` is left as it is.
    async fn update_dedupe_run(&self, run: &DedupeRunRow) -> Result<()>;
    /// Marks runs still `running` (a process that stopped mid-run) as
    /// `failed` with `error`; returns how many.
    async fn abandon_dedupe_runs(&self, now_ms: i64, error: &str) -> Result<u64>;
    /// Ends a run (its state, counters and end as given) and adds its
    /// candidate pairs; a pair already known (in any state) is left as it
    /// is. Returns how many pairs were new.
    async fn finish_dedupe_run(
        &self,
        run: &DedupeRunRow,
        pairs: &[DedupePairRow],
        audit: &AuditDraft,
    ) -> Result<u64>;
    async fn latest_dedupe_run(&self) -> Result<Option<DedupeRunRow>>;
    /// Pairs in `state` (all when `None`), newest first, at most 1,000.
    async fn dedupe_pairs(&self, state: Option<&str>) -> Result<Vec<DedupePairRow>>;
    /// Pairs in `state` with at least one case owned by `org`, newest
    /// first, at most `limit` (the caller asks one more to know it cut).
    async fn dedupe_pairs_touching(
        &self,
        state: &str,
        org: OrgId,
        limit: i64,
    ) -> Result<Vec<DedupePairRow>>;
    /// How many pairs are in each state (all pairs, no limit).
    async fn dedupe_pair_counts(&self) -> Result<Vec<(String, i64)>>;
    async fn dedupe_pair(&self, id: &str) -> Result<Option<DedupePairRow>>;
    /// Moves a pair from `expected_state` (else `VersionMismatch`) and
    /// applies the merge change, atomically. A merge whose secondary is
    /// already merged, or whose primary is itself merged into another case,
    /// is a `Conflict`; an unmerge of a case that is not merged is a
    /// `VersionMismatch`.
    async fn decide_dedupe_pair(
        &self,
        pair: &DedupePairRow,
        expected_state: &str,
        change: &MergeChange,
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn case_merges(&self) -> Result<Vec<CaseMergeRow>>;
}
