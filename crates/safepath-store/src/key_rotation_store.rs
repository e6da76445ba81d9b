//! Storage for data-key rotation (`safepath keys rotate --data-keys`): the
//! columns that can hold sealed values, read in batches in key order, and
//! rewritten value by value only where the row still holds what was read.
//! The store never opens anything: the app re-encrypts between the read and
//! the write. Its own trait (a supertrait of [`crate::Store`]), implemented
//! for both backends by one body of SQL (`sql_key_rotation.rs`).

use std::collections::BTreeSet;

use async_trait::async_trait;
use safepath_crypto::{Sealed, WrappedDataKey};
use safepath_domain::ids::UserId;

use crate::{AuditDraft, Result};

/// Tables never rewritten by a rotation: the data keys themselves and the
/// append-only audit log (rewriting it would break its hash chain; the keys
/// its sealed reasons use are kept, retired).
pub const NOT_RESEALED: [&str; 4] = ["data_keys", "audit_log", "audit_head", "audit_checkpoints"];

/// A column that can hold sealed values: binary (the sealed header) or text
/// (`sealed:v1:` form), in a table with a one-column text primary key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedColumn {
    pub table: String,
    /// The primary key column: its value is the record id sealed values are bound to.
    pub key: String,
    pub column: String,
    pub text: bool,
}

/// One sealed value and its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SealedCell {
    pub row: String,
    pub sealed: Sealed,
}

/// Where one data key still seals values.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyUse {
    pub key_id: String,
    /// Sealed reasons in the append-only audit log.
    pub in_audit_log: u64,
    /// `table.column` and how many values, anywhere else.
    pub elsewhere: Vec<(String, u64)>,
}

#[async_trait]
pub trait KeyRotationStore {
    /// Every column that can hold a sealed value, read from the schema
    /// (tables in [`NOT_RESEALED`] left out). A column of a table without a
    /// one-column text key is not listed: the rotation's final scan
    /// ([`KeyRotationStore::values_under`]) still finds any value sealed there.
    async fn sealed_columns(&self) -> Result<Vec<SealedColumn>>;

    /// Up to `limit` sealed values of `col` after row `after`, in key order
    /// (whatever key sealed them; values that are not sealed are skipped).
    async fn sealed_cells(
        &self,
        col: &SealedColumn,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<SealedCell>>;

    /// Writes each new value only where its row still holds the value read
    /// (a change made meanwhile is never overwritten; the next pass sees it),
    /// in one transaction. Returns how many were written.
    async fn reseal_cells(
        &self,
        col: &SealedColumn,
        changes: &[(SealedCell, Sealed)],
    ) -> Result<u64>;

    /// Where values sealed under each of `key_ids` are, in any binary or
    /// text column of any table (the audit log included).
    async fn values_under(&self, key_ids: &BTreeSet<String>) -> Result<Vec<KeyUse>>;

    /// Adds a rotation's new field key, with its audit entry.
    async fn add_data_key(
        &self,
        key: &WrappedDataKey,
        now_ms: i64,
        audit: &AuditDraft,
    ) -> Result<()>;

    /// Deletes the keys in `delete` and retires those in `retire` (kept to
    /// open, never to seal), with one audit entry.
    async fn retire_data_keys(
        &self,
        delete: &[String],
        retire: &[String],
        now_ms: i64,
        audit: &AuditDraft,
    ) -> Result<()>;

    /// The ids of retired keys.
    async fn retired_data_keys(&self) -> Result<BTreeSet<String>>;

    // Index-key rotation (`safepath keys rotate --index-key`): the blind
    // indexes of names are recomputed from the sealed names; what was kept
    // only as a keyed hash (recovery codes, address throttles) cannot be,
    // and is dropped when the old key goes.

    /// Up to `limit` persons after `after`, in id order: (id, sealed display
    /// name, sealed names).
    async fn person_names_page(
        &self,
        after: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(String, Sealed, Sealed)>>;

    /// Replaces each person's name index with the tokens given, in one
    /// transaction.
    async fn replace_name_indexes(&self, rows: &[(String, Vec<Vec<u8>>)]) -> Result<()>;

    /// The users who hold recovery codes not yet used.
    async fn recovery_code_holders(&self) -> Result<Vec<UserId>>;

    /// Ends an index-key rotation in one transaction, with its audit entry
    /// (and the notifications it carries): deletes every recovery code and
    /// every address throttle (keyed hashes under the old key) and the index
    /// keys in `delete`. Returns how many recovery codes were deleted.
    async fn end_index_rotation(&self, delete: &[String], audit: &AuditDraft) -> Result<u64>;
}
