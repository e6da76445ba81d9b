//! The audit trail: every read and change of personal data, every export, login
//! and break-the-glass, as a hash chain.
//!
//! Entry *n* stores `hash_n = SHA-256(hash_{n-1} ‖ canonical(entry_n))`, with
//! `hash_0` all zeros. Changing, deleting, inserting or reordering any entry
//! breaks the chain at that entry. Truncating the tail is caught by signed
//! checkpoints: an ed25519 signature over `(seq, hash)` made with a key from
//! the key file, which can also be copied outside the database.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The hash before the first entry.
pub const GENESIS: [u8; 32] = [0; 32];

/// One audit entry. It names records by id and never holds personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// User id, or `cli:<command>` / `system`.
    pub actor: String,
    /// e.g. `case.read`, `case.create`, `login.failure`, `case.break_glass`.
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    /// The organisation that owns the record (lets coordinators read their trail).
    pub org_id: Option<String>,
    /// The stated reason (break-the-glass) — free text typed by staff.
    pub reason: Option<String>,
    /// Non-personal details (e.g. which fields changed, how many results).
    pub detail: Option<String>,
}

fn push_field(buf: &mut Vec<u8>, v: Option<&str>) {
    match v {
        None => buf.push(0),
        Some(s) => {
            buf.push(1);
            buf.extend_from_slice(&(s.len() as u64).to_be_bytes());
            buf.extend_from_slice(s.as_bytes());
        }
    }
}

impl AuditEntry {
    /// An unambiguous byte encoding (length-prefixed fields).
    pub fn canonical(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(128);
        buf.extend_from_slice(b"safepath-audit-v1");
        buf.extend_from_slice(&self.seq.to_be_bytes());
        buf.extend_from_slice(&self.at_ms.to_be_bytes());
        push_field(&mut buf, Some(&self.actor));
        push_field(&mut buf, Some(&self.action));
        push_field(&mut buf, self.record_type.as_deref());
        push_field(&mut buf, self.record_id.as_deref());
        push_field(&mut buf, self.org_id.as_deref());
        push_field(&mut buf, self.reason.as_deref());
        push_field(&mut buf, self.detail.as_deref());
        buf
    }

    pub fn chain_hash(&self, prev: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(prev);
        h.update(self.canonical());
        h.finalize().into()
    }
}

/// An entry as stored: with the previous hash and its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEntry {
    pub entry: AuditEntry,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

/// A signed statement that the chain reached `hash` at `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: Vec<u8>,
    pub signature: Vec<u8>,
}

fn checkpoint_message(seq: i64, hash: &[u8]) -> Vec<u8> {
    let mut m = b"safepath-audit-checkpoint-v1".to_vec();
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m
}

pub fn sign_checkpoint(key: &[u8; 32], seq: i64, hash: &[u8]) -> Checkpoint {
    let sk = SigningKey::from_bytes(key);
    Checkpoint {
        seq,
        hash: hash.to_vec(),
        signature: sk.sign(&checkpoint_message(seq, hash)).to_bytes().to_vec(),
    }
}

pub fn verifying_key(key: &[u8; 32]) -> [u8; 32] {
    SigningKey::from_bytes(key).verifying_key().to_bytes()
}

/// What is wrong with a log, naming the first bad entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Break {
    /// Sequence numbers must run 1, 2, 3, … with no gap or repeat.
    Sequence { expected: i64, found: i64 },
    /// The stored previous hash does not match the entry before it.
    Link { seq: i64 },
    /// The entry's content no longer hashes to its stored hash.
    Content { seq: i64 },
    /// A checkpoint's signature is invalid.
    CheckpointSignature { seq: i64 },
    /// A checkpoint names a hash the chain does not have at that point
    /// (or an entry the log no longer has: the tail was cut).
    CheckpointMismatch { seq: i64 },
    /// A checkpoint that must exist (one every interval) is missing: the
    /// checkpoints were deleted, or the log was written without them.
    MissingCheckpoint { seq: i64 },
}

impl std::fmt::Display for Break {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Break::Sequence { expected, found } => write!(
                f,
                "entry {found}: expected sequence number {expected} (an entry was deleted, inserted or reordered)"
            ),
            Break::Link { seq } => write!(
                f,
                "entry {seq}: does not link to the entry before it (deleted, inserted or reordered)"
            ),
            Break::Content { seq } => write!(f, "entry {seq}: its content was altered"),
            Break::CheckpointSignature { seq } => {
                write!(f, "checkpoint at entry {seq}: signature is invalid")
            }
            Break::CheckpointMismatch { seq } => write!(
                f,
                "checkpoint at entry {seq}: the log does not match it (altered or truncated)"
            ),
            Break::MissingCheckpoint { seq } => write!(
                f,
                "no signed checkpoint at entry {seq}: checkpoints were removed or never written"
            ),
        }
    }
}

/// Walks the chain incrementally, so a log of any length is verified in
/// constant memory.
pub struct ChainVerifier {
    prev: [u8; 32],
    expected_seq: i64,
    seen: std::collections::HashMap<i64, Vec<u8>>,
    wanted: std::collections::HashSet<i64>,
}

impl ChainVerifier {
    /// `checkpoint_seqs`: the entries whose hashes must be remembered for the
    /// checkpoint check.
    pub fn new(checkpoint_seqs: impl IntoIterator<Item = i64>) -> Self {
        Self {
            prev: GENESIS,
            expected_seq: 1,
            seen: Default::default(),
            wanted: checkpoint_seqs.into_iter().collect(),
        }
    }

    pub fn push(&mut self, e: &StoredEntry) -> Result<(), Break> {
        let seq = e.entry.seq;
        if seq != self.expected_seq {
            return Err(Break::Sequence {
                expected: self.expected_seq,
                found: seq,
            });
        }
        if e.prev_hash != self.prev {
            return Err(Break::Link { seq });
        }
        let h = e.entry.chain_hash(&self.prev);
        if e.hash != h {
            return Err(Break::Content { seq });
        }
        if self.wanted.contains(&seq) {
            self.seen.insert(seq, h.to_vec());
        }
        self.prev = h;
        self.expected_seq += 1;
        Ok(())
    }

    /// Number of entries verified so far.
    pub fn count(&self) -> i64 {
        self.expected_seq - 1
    }

    /// Checks the checkpoints against what the walk saw. With `every`, a
    /// checkpoint must exist at each multiple of it up to the last entry:
    /// a log that holds entries beyond the interval and no checkpoint for
    /// them is not intact (without them nothing proves it was not rewritten).
    pub fn finish(
        self,
        public_key: &[u8; 32],
        checkpoints: &[Checkpoint],
        every: Option<i64>,
    ) -> Result<i64, Break> {
        if let Some(every) = every.filter(|e| *e > 0) {
            let have: std::collections::HashSet<i64> = checkpoints.iter().map(|c| c.seq).collect();
            let mut seq = every;
            while seq <= self.count() {
                if !have.contains(&seq) {
                    return Err(Break::MissingCheckpoint { seq });
                }
                seq += every;
            }
        }
        let vk = VerifyingKey::from_bytes(public_key)
            .map_err(|_| Break::CheckpointSignature { seq: 0 })?;
        let mut sorted: Vec<&Checkpoint> = checkpoints.iter().collect();
        sorted.sort_by_key(|c| c.seq);
        for c in sorted {
            let sig = Signature::from_slice(&c.signature)
                .map_err(|_| Break::CheckpointSignature { seq: c.seq })?;
            vk.verify(&checkpoint_message(c.seq, &c.hash), &sig)
                .map_err(|_| Break::CheckpointSignature { seq: c.seq })?;
            if self.seen.get(&c.seq) != Some(&c.hash) {
                return Err(Break::CheckpointMismatch { seq: c.seq });
            }
        }
        Ok(self.count())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(seq: i64, action: &str) -> AuditEntry {
        AuditEntry {
            seq,
            at_ms: 1_700_000_000_000 + seq,
            actor: "u1".into(),
            action: action.into(),
            record_type: Some("case".into()),
            record_id: Some(format!("c{seq}")),
            org_id: None,
            reason: None,
            detail: None,
        }
    }

    fn chain(n: i64) -> Vec<StoredEntry> {
        let mut prev = GENESIS;
        (1..=n)
            .map(|s| {
                let e = entry(s, "case.read");
                let h = e.chain_hash(&prev);
                let out = StoredEntry {
                    entry: e,
                    prev_hash: prev.to_vec(),
                    hash: h.to_vec(),
                };
                prev = h;
                out
            })
            .collect()
    }

    fn verify(entries: &[StoredEntry], key: &[u8; 32], cps: &[Checkpoint]) -> Result<i64, Break> {
        let mut v = ChainVerifier::new(cps.iter().map(|c| c.seq));
        for e in entries {
            v.push(e)?;
        }
        v.finish(&verifying_key(key), cps, None)
    }

    const KEY: [u8; 32] = [7; 32];

    #[test]
    fn intact_chain_verifies() {
        let c = chain(10);
        let cp = sign_checkpoint(&KEY, 10, &c[9].hash);
        assert_eq!(verify(&c, &KEY, &[cp]), Ok(10));
    }

    #[test]
    fn alteration_deletion_insertion_reordering_are_caught() {
        let c = chain(6);
        let mut altered = c.clone();
        altered[2].entry.action = "case.update".into();
        assert_eq!(verify(&altered, &KEY, &[]), Err(Break::Content { seq: 3 }));

        let mut deleted = c.clone();
        deleted.remove(3);
        assert_eq!(
            verify(&deleted, &KEY, &[]),
            Err(Break::Sequence {
                expected: 4,
                found: 5
            })
        );

        // A deletion that renumbers the rest breaks the link instead.
        let mut renumbered = c.clone();
        renumbered.remove(3);
        for e in renumbered.iter_mut().skip(3) {
            e.entry.seq -= 1;
        }
        assert_eq!(verify(&renumbered, &KEY, &[]), Err(Break::Link { seq: 4 }));

        let mut swapped = c.clone();
        swapped.swap(1, 2);
        assert!(matches!(
            verify(&swapped, &KEY, &[]),
            Err(Break::Sequence { .. })
        ));
    }

    #[test]
    fn truncation_and_forged_checkpoints_are_caught() {
        let c = chain(6);
        let cp = sign_checkpoint(&KEY, 6, &c[5].hash);
        assert_eq!(
            verify(&c[..4], &KEY, std::slice::from_ref(&cp)),
            Err(Break::CheckpointMismatch { seq: 6 })
        );
        let forged = sign_checkpoint(&[9; 32], 6, &c[5].hash);
        assert_eq!(
            verify(&c, &KEY, &[forged]),
            Err(Break::CheckpointSignature { seq: 6 })
        );
    }

    #[test]
    fn a_log_beyond_the_interval_without_its_checkpoint_is_not_intact() {
        let c = chain(20);
        let mut v = ChainVerifier::new([10]);
        for e in &c {
            v.push(e).unwrap();
        }
        assert_eq!(
            v.finish(&verifying_key(&KEY), &[], Some(10)),
            Err(Break::MissingCheckpoint { seq: 10 })
        );
        let cp10 = sign_checkpoint(&KEY, 10, &c[9].hash);
        let mut v = ChainVerifier::new([10, 20]);
        for e in &c {
            v.push(e).unwrap();
        }
        assert_eq!(
            v.finish(&verifying_key(&KEY), std::slice::from_ref(&cp10), Some(10)),
            Err(Break::MissingCheckpoint { seq: 20 })
        );
        let cp20 = sign_checkpoint(&KEY, 20, &c[19].hash);
        let mut v = ChainVerifier::new([10, 20]);
        for e in &c {
            v.push(e).unwrap();
        }
        assert_eq!(
            v.finish(&verifying_key(&KEY), &[cp10, cp20], Some(10)),
            Ok(20)
        );
    }
}
