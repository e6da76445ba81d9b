//! The hash-chained audit log and its signed checkpoints: its own trait, a
//! supertrait of [`crate::Store`], implemented for both backends by one body
//! of SQL (`sql_audit.rs`). Entries are appended by the other parts inside
//! their own transactions (D2) or through the group writer (D14); this part
//! appends plain entries and reads the log.

use async_trait::async_trait;
use safepath_domain::ids::OrgId;

use crate::*;

#[async_trait]
pub trait AuditStore {
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
}
