//! Data-key rotation (`safepath keys rotate --data-keys`, issue 9).
//!
//! 1. A new field key is added (wrapped by the active master key); being
//!    the newest, it is the one that seals from now on.
//! 2. Every sealed value of every table is re-encrypted under it, batch by
//!    batch, each batch one transaction that writes a value only where the
//!    row still holds what was read. Values are bound to their table, column
//!    and record, so each is opened and sealed in place.
//! 3. A final scan of every binary and text column counts what the older
//!    keys still seal. A key sealing nothing is deleted; one that seals only
//!    break-the-glass reasons in the append-only audit log (whose hash chain
//!    cannot be rewritten) is kept retired: it opens, it never seals.
//!
//! Interrupted at any point (even `kill -9`), nothing is lost: every value
//! is under the old key or the new one, and both are in the ring. Run again,
//! it resumes: while a field key other than the newest is not retired, it
//! adds no key and re-encrypts what is left.
//!
//! It runs with the server stopped (the command holds the data folder's
//! lock): a running server would go on sealing with the key it loaded.

use std::collections::BTreeSet;

use safepath_crypto::{KeyFile, KeyPurpose, KeyRing, new_wrapped_key};
use safepath_store::{AuditDraft, SealedColumn};

use crate::sealing::{Vault, field};
use crate::{App, AppError};

const ACTOR: &str = "cli:keys-rotate-data";

/// What a rotation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataKeyRotation {
    /// The key that seals from now on.
    pub key_id: String,
    /// An interrupted rotation was resumed (no key added).
    pub resumed: bool,
    /// Values re-encrypted by this run.
    pub resealed: u64,
    /// Older field keys deleted (nothing sealed under them any more).
    pub deleted: Vec<String>,
    /// Older field keys kept retired (the audit log's sealed reasons).
    pub retired: Vec<String>,
}

/// Documents' files re-encrypted per transaction, whatever the batch size.
const FILES_PER_BATCH: i64 = 4;

/// Progress after each batch: the column and the values re-encrypted so far.
pub trait RotationProgress {
    fn batch(&mut self, column: &SealedColumn, resealed_so_far: u64);
}

impl<F: FnMut(&SealedColumn, u64)> RotationProgress for F {
    fn batch(&mut self, column: &SealedColumn, resealed_so_far: u64) {
        self(column, resealed_so_far)
    }
}

fn config(e: impl std::fmt::Display) -> AppError {
    AppError::config(e.to_string())
}

impl App {
    /// Rotates the field data key, or resumes an interrupted rotation;
    /// `batch` values per transaction (at least 1).
    pub async fn rotate_data_keys(
        &self,
        batch: i64,
        progress: &mut dyn RotationProgress,
    ) -> Result<DataKeyRotation, AppError> {
        let batch = batch.max(1);
        let file = KeyFile::load(&self.key_file).map_err(config)?;
        let retired = self.store.retired_data_keys().await?;
        let live_fields = |keys: &[safepath_crypto::WrappedDataKey]| -> Vec<String> {
            keys.iter()
                .filter(|k| k.purpose == KeyPurpose::Field && !retired.contains(&k.id))
                .map(|k| k.id.clone())
                .collect()
        };
        let mut stored = self.store.data_keys().await?;
        let resumed = live_fields(&stored).len() > 1;
        if !resumed {
            let master = file.active().map_err(config)?;
            let key = new_wrapped_key(master, KeyPurpose::Field).map_err(config)?;
            let audit = AuditDraft::new(self.now_ms(), ACTOR, "keys.rotate_data.start")
                .detail(format!("new_key={}", key.id));
            self.store.add_data_key(&key, self.now_ms(), &audit).await?;
            stored = self.store.data_keys().await?;
        }
        // The store lists retired keys first and the newest field key last:
        // the ring seals with it.
        let key_id = live_fields(&stored)
            .last()
            .cloned()
            .ok_or_else(|| AppError::config("the database has no field key"))?;
        let vault = Vault::new(KeyRing::unlock(&file, &stored).map_err(config)?);
        let mut out = DataKeyRotation {
            key_id: key_id.clone(),
            resumed,
            ..DataKeyRotation::default()
        };
        for column in self.store.sealed_columns().await? {
            let mut after: Option<String> = None;
            // Documents' files are up to the document limit each (20 MiB by
            // default): a few at a time, so that memory stays bounded.
            let batch = if (column.table.as_str(), column.column.as_str())
                == ("case_documents", "content")
            {
                batch.min(FILES_PER_BATCH)
            } else {
                batch
            };
            loop {
                let cells = self
                    .store
                    .sealed_cells(&column, after.as_deref(), batch)
                    .await?;
                let Some(last) = cells.last() else { break };
                after = Some(last.row.clone());
                let mut changes = Vec::new();
                for cell in cells {
                    if cell.sealed.key_id == key_id {
                        continue;
                    }
                    let at = field(&column.table, &column.column, &cell.row);
                    let new = vault.reseal(at, &cell.sealed).map_err(|e| {
                        AppError::config(format!(
                            "cannot re-encrypt {}.{} of record {}: {e}; nothing was retired, \
                             every value still opens",
                            column.table, column.column, cell.row
                        ))
                    })?;
                    changes.push((cell, new));
                }
                if !changes.is_empty() {
                    out.resealed += self.store.reseal_cells(&column, &changes).await?;
                    progress.batch(&column, out.resealed);
                }
            }
        }
        let older: BTreeSet<String> = stored
            .iter()
            .filter(|k| k.purpose == KeyPurpose::Field && k.id != key_id)
            .map(|k| k.id.clone())
            .collect();
        for used in self.store.values_under(&older).await? {
            if !used.elsewhere.is_empty() {
                let places: Vec<String> = used
                    .elsewhere
                    .iter()
                    .map(|(at, n)| format!("{at} ({n})"))
                    .collect();
                return Err(AppError::config(format!(
                    "values are still sealed under {} in {}: written meanwhile, or in a table \
                     without a one-column key. Stop every server and run the rotation again; \
                     nothing was retired",
                    used.key_id,
                    places.join(", ")
                )));
            }
            if used.in_audit_log == 0 {
                out.deleted.push(used.key_id);
            } else if !retired.contains(&used.key_id) {
                out.retired.push(used.key_id);
            }
        }
        let audit =
            AuditDraft::new(self.now_ms(), ACTOR, "keys.rotate_data.finish").detail(format!(
                "key={key_id} resealed={} deleted={} retired={}",
                out.resealed,
                out.deleted.join(","),
                out.retired.join(",")
            ));
        self.store
            .retire_data_keys(&out.deleted, &out.retired, self.now_ms(), &audit)
            .await?;
        Ok(out)
    }
}
