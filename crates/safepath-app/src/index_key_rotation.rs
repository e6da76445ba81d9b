//! Index-key rotation (`safepath keys rotate --index-key`, issue 9).
//!
//! The index key keys the blind indexes: the person-name index that search
//! uses, and keyed hashes kept instead of secrets (two-step sign-in recovery
//! codes, sign-in throttles per address, failed sign-in names in the audit
//! log).
//!
//! 1. A new index key is added; being the newest, it is the one the ring
//!    blinds with from now on.
//! 2. Every person's name index is recomputed from the sealed names under
//!    it, batch by batch (`Vault::reindex_person_names`: the names never
//!    leave the sealing module), each batch one transaction.
//! 3. One transaction ends it: the old index key is deleted, and with it
//!    what cannot be recomputed because only its keyed hash was kept —
//!    unused recovery codes (their holders are notified to make new ones;
//!    their authenticator app still signs them in) and the address
//!    throttles (counting starts again). Failed sign-in names already in
//!    the append-only audit log keep their old hashes: they no longer
//!    compare with new ones.
//!
//! Interrupted at any point, nothing is lost: the names are sealed, the
//! index is rebuilt from them, and the old key stays until the last step.
//! Run again, it resumes (while more than one index key exists it adds
//! none) and rebuilds every index again. Like the data-key rotation it runs
//! with the server stopped: the command holds the data folder's lock.

use safepath_crypto::{KeyFile, KeyPurpose, KeyRing, new_wrapped_key};
use safepath_store::AuditDraft;

use crate::sealing::Vault;
use crate::{App, AppError};

const ACTOR: &str = "cli:keys-rotate-index";

/// The notification kind the holders of recovery codes get.
pub const RECOVERY_CODES_RESET: &str = "recovery_codes_reset";

/// What an index-key rotation did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexKeyRotation {
    /// The key that blinds from now on.
    pub key_id: String,
    /// An interrupted rotation was resumed (no key added).
    pub resumed: bool,
    /// Persons whose name index was rebuilt.
    pub persons: u64,
    /// Users whose unused recovery codes were deleted (and notified).
    pub recovery_code_holders: u64,
    /// The index keys deleted.
    pub deleted: Vec<String>,
}

fn config(e: impl std::fmt::Display) -> AppError {
    AppError::config(e.to_string())
}

impl App {
    /// Whether an index-key rotation was interrupted (more than one index
    /// key): a server must not start until it is finished, or a name search
    /// would miss the persons not yet re-indexed.
    pub async fn index_rotation_unfinished(&self) -> Result<bool, AppError> {
        Ok(self
            .store
            .data_keys()
            .await?
            .iter()
            .filter(|k| k.purpose == KeyPurpose::Index)
            .count()
            > 1)
    }

    /// Rotates the index key, or resumes an interrupted rotation; `batch`
    /// persons per transaction (at least 1). `progress` gets the persons
    /// re-indexed so far after each batch.
    pub async fn rotate_index_key(
        &self,
        batch: i64,
        progress: &mut dyn FnMut(u64),
    ) -> Result<IndexKeyRotation, AppError> {
        let batch = batch.max(1);
        let file = KeyFile::load(&self.key_file).map_err(config)?;
        let index_keys = |keys: &[safepath_crypto::WrappedDataKey]| -> Vec<String> {
            keys.iter()
                .filter(|k| k.purpose == KeyPurpose::Index)
                .map(|k| k.id.clone())
                .collect()
        };
        let mut stored = self.store.data_keys().await?;
        let resumed = index_keys(&stored).len() > 1;
        if !resumed {
            let master = file.active().map_err(config)?;
            let key = new_wrapped_key(master, KeyPurpose::Index).map_err(config)?;
            let audit = AuditDraft::new(self.now_ms(), ACTOR, "keys.rotate_index.start")
                .detail(format!("new_key={}", key.id));
            self.store.add_data_key(&key, self.now_ms(), &audit).await?;
            stored = self.store.data_keys().await?;
        }
        // The store lists keys oldest first: the ring blinds with the newest
        // index key, the one just added (or added by the interrupted run).
        let keys = index_keys(&stored);
        let key_id = keys
            .last()
            .cloned()
            .ok_or_else(|| AppError::config("the database has no index key"))?;
        let vault = Vault::new(KeyRing::unlock(&file, &stored).map_err(config)?);
        let mut out = IndexKeyRotation {
            key_id: key_id.clone(),
            resumed,
            ..IndexKeyRotation::default()
        };
        let mut after: Option<String> = None;
        loop {
            let page = self
                .store
                .person_names_page(after.as_deref(), batch)
                .await?;
            let Some(last) = page.last() else { break };
            after = Some(last.0.clone());
            let mut rows = Vec::with_capacity(page.len());
            for (person, display, names) in &page {
                let tokens = vault
                    .reindex_person_names(person, display, names)
                    .map_err(|e| {
                        AppError::config(format!(
                            "cannot re-index person {person}: {}; nothing was deleted (both index \
                             keys are kept), and no server starts until the rotation is finished: \
                             run this command again",
                            e.message
                        ))
                    })?;
                rows.push((person.clone(), tokens));
            }
            self.store.replace_name_indexes(&rows).await?;
            out.persons += rows.len() as u64;
            progress(out.persons);
        }
        out.deleted = keys.into_iter().filter(|k| *k != key_id).collect();
        let holders = self.store.recovery_code_holders().await?;
        out.recovery_code_holders = holders.len() as u64;
        let notices = holders.into_iter().map(|user| {
            self.notice(
                user,
                RECOVERY_CODES_RESET,
                None,
                "Your two-step sign-in recovery codes were replaced after a key change: make new ones in your settings.".into(),
            )
            .about("two_factor", user)
        });
        let audit = AuditDraft::new(self.now_ms(), ACTOR, "keys.rotate_index.finish")
            .detail(format!(
                "key={key_id} persons={} recovery_code_holders={} deleted={}",
                out.persons,
                out.recovery_code_holders,
                out.deleted.join(",")
            ))
            .notify_all(notices.collect::<Vec<_>>());
        self.store.end_index_rotation(&out.deleted, &audit).await?;
        Ok(out)
    }
}
