//! Storage of search before create's matching index (migration 0026,
//! docs/decisions.md D17): per case, its person's matching values sealed,
//! and the blinded blocking keys and name terms that find and weigh it. No
//! value is stored in clear: keys and terms are keyed hashes (the index key),
//! the values are sealed like every other personal field. Kept current by the
//! app from the person counter (migration 0021).

use async_trait::async_trait;
use safepath_crypto::Sealed;
use safepath_domain::ids::{CaseId, PersonId};

use crate::Result;

/// What the index was built from, and how far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchIndexState {
    /// The person counter the index includes; [`MATCH_INDEX_BUILDING`] while
    /// a build from scratch has not finished.
    pub generation: i64,
    /// Names the index key and the engine's key scheme: another fingerprint
    /// means the stored keys cannot be compared and the index is built again.
    pub fingerprint: String,
    /// Cases indexed.
    pub entries: i64,
    /// The model trained on the index (JSON), and on how many cases.
    pub model: Option<String>,
    pub trained_on: i64,
}

/// The generation of an index whose build from scratch has not finished.
pub const MATCH_INDEX_BUILDING: i64 = -1;

/// One case's person, as the index holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchEntryRow {
    pub case_id: CaseId,
    pub person_id: PersonId,
    pub case_created_at: i64,
    /// The matching values, sealed to (`match_entries`, `features`, case id).
    pub features: Sealed,
    /// Blinded blocking keys.
    pub keys: Vec<i64>,
    /// Blinded name terms (their counts weigh an agreeing name).
    pub terms: Vec<i64>,
}

/// An indexed case read for a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchEntry {
    pub case_id: CaseId,
    pub features: Sealed,
}

#[async_trait]
pub trait MatchIndexStore {
    /// The index's state (`None`: never built).
    async fn match_index_state(&self) -> Result<Option<MatchIndexState>>;
    /// Empties the index, to be built again under `fingerprint` (its
    /// generation is then [`MATCH_INDEX_BUILDING`]).
    async fn match_index_reset(&self, fingerprint: &str) -> Result<()>;
    /// In one transaction: removes the entries of `removed` persons and of
    /// the cases in `added`, inserts `added`, and sets the generation (and
    /// the count of entries).
    async fn match_index_apply(
        &self,
        generation: i64,
        removed: &[PersonId],
        added: &[MatchEntryRow],
    ) -> Result<()>;
    /// Keeps the model trained on the index (JSON) and on how many cases.
    async fn match_index_set_model(&self, model: &str, trained_on: i64) -> Result<()>;
    /// How many entries each key has, counted up to `cap` + 1 (a longer
    /// posting is not read anyway).
    async fn match_key_sizes(&self, keys: &[i64], cap: i64) -> Result<Vec<i64>>;
    /// The entries under any of `keys`.
    async fn match_entries_under(&self, keys: &[i64]) -> Result<Vec<MatchEntry>>;
    /// The entries under any of `keys` whose case has a consent of
    /// `purpose` on its ledger, in force or not (tracing reads no other
    /// candidate's values).
    async fn match_entries_under_consent(
        &self,
        keys: &[i64],
        purpose: &str,
    ) -> Result<Vec<MatchEntry>>;
    /// How many entries carry each of `terms` (terms carried by none are
    /// left out).
    async fn match_term_counts(&self, terms: &[i64]) -> Result<Vec<(i64, i64)>>;
    /// Up to `limit` entries spread evenly over the index (every n-th), for
    /// training the model on a sample.
    async fn match_sample(&self, limit: i64) -> Result<Vec<MatchEntry>>;
}
