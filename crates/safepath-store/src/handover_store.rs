//! Storage for the cross-border handover (issue 12): registered partner
//! deployments, handovers, their messages in both directions, and the outbox
//! that delivers outgoing messages. Its own trait (a supertrait of
//! [`crate::Store`]), implemented for both backends by one body of SQL
//! (`sql_handover.rs`).

use async_trait::async_trait;
use safepath_crypto::Sealed;
use safepath_domain::ids::{CaseId, OrgId};

use crate::{AuditDraft, Result};

/// A partner deployment, registered by its public keys after the two focal
/// points compared the fingerprint out of band.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverPartnerRow {
    /// Hex SHA-256 of signing key ‖ encryption key.
    pub fingerprint: String,
    /// The partner organisation's name (an organisation, not a person).
    pub name: String,
    /// Base64 public keys.
    pub signing_key: String,
    pub encryption_key: String,
    /// Where its `POST /api/v1/handover/inbox` is; `None` for partners
    /// reached by file only.
    pub inbox_url: Option<String>,
    /// A user id, or `cli`.
    pub registered_by: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    /// The organisation of this deployment's directory the partner stands
    /// for: the recipient a `cross_border_handover` consent names.
    pub org_id: Option<OrgId>,
}

/// One handover as this side holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverRow {
    /// The transnational case reference (random, the same on both sides).
    pub id: String,
    /// `destination` or `origin`.
    pub side: String,
    /// The local case (the destination's; the origin's once opened).
    pub case_id: Option<CaseId>,
    /// The partner's fingerprint.
    pub partner: String,
    /// The domain state (for queues; no personal data).
    pub state: String,
    /// The domain record, sealed.
    pub record: Sealed,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One message, in or out.
#[derive(Debug, Clone, PartialEq)]
pub struct HandoverMessageRow {
    /// Local row id.
    pub id: String,
    pub handover_id: String,
    /// `in` or `out`.
    pub direction: String,
    /// The sending deployment's fingerprint.
    pub sender: String,
    /// The envelope's random message id.
    pub message_id: String,
    pub sequence: i64,
    /// The protocol message kind.
    pub kind: String,
    /// Hex SHA-256 of the envelope as sent or received (the receipt names it).
    pub envelope_hash: String,
    /// The envelope (encrypted to the recipient); erased on withdrawal.
    pub envelope: Option<String>,
    /// The signed content and signature, sealed; erased on withdrawal.
    pub content: Option<Sealed>,
    pub created_at: i64,
}

/// An outgoing message waiting for (or done with) delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverOutboxRow {
    pub message_row_id: String,
    /// The recipient's fingerprint.
    pub recipient: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    /// A short, data-free reason of the last failure (e.g. `connect`, `http 503`).
    pub last_error: Option<String>,
}

#[async_trait]
pub trait HandoverStore: Send + Sync {
    /// Registers a partner; `Conflict` when the fingerprint is known.
    async fn insert_handover_partner(
        &self,
        p: &HandoverPartnerRow,
        audit: &AuditDraft,
    ) -> Result<()>;
    /// Partners not revoked, by name.
    async fn handover_partners(&self) -> Result<Vec<HandoverPartnerRow>>;
    /// A partner by fingerprint (revoked ones too: the caller checks).
    async fn handover_partner(&self, fingerprint: &str) -> Result<Option<HandoverPartnerRow>>;
    /// Revokes a partner (`VersionMismatch` when unknown or already revoked).
    async fn revoke_handover_partner(
        &self,
        fingerprint: &str,
        at: i64,
        audit: &AuditDraft,
    ) -> Result<()>;

    /// Records one step of a handover atomically: the handover (inserted when
    /// `expected_version` is `None`, else updated only at that version, or
    /// `VersionMismatch`), its message, and for an outgoing message its
    /// outbox entry. A message already known by `(sender, message_id)` or by
    /// `(handover, sender, sequence)` is a `Conflict` and changes nothing.
    async fn record_handover_message(
        &self,
        handover: &HandoverRow,
        expected_version: Option<i64>,
        message: &HandoverMessageRow,
        outbox: Option<&HandoverOutboxRow>,
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn handover(&self, id: &str) -> Result<Option<HandoverRow>>;
    /// A case's handovers, newest first.
    async fn handovers_for_case(&self, case: CaseId) -> Result<Vec<HandoverRow>>;
    /// Every handover held here, most recently changed first (the caller
    /// filters by who may see each one).
    async fn all_handovers(&self) -> Result<Vec<HandoverRow>>;
    /// A handover's messages in the order they were recorded.
    async fn handover_messages(&self, handover_id: &str) -> Result<Vec<HandoverMessageRow>>;
    /// A message by sender and message id (a duplicate gets the same receipt).
    async fn handover_message(
        &self,
        sender: &str,
        message_id: &str,
    ) -> Result<Option<HandoverMessageRow>>;
    /// The next sequence number expected from `sender` on a handover (1 first).
    async fn next_handover_sequence(&self, handover_id: &str, sender: &str) -> Result<i64>;

    /// Unsent outbox entries due at `now`, oldest first, at most `limit`.
    async fn due_handover_outbox(
        &self,
        now: i64,
        limit: i64,
    ) -> Result<Vec<(HandoverOutboxRow, HandoverMessageRow)>>;
    /// Writes a delivery attempt's outcome (sent, or attempts and next time).
    async fn update_handover_outbox(&self, row: &HandoverOutboxRow) -> Result<()>;
    /// Consent withdrawn: erases every message's envelope and content on the
    /// handover and drops unsent outbox entries, except the message
    /// `keep_row_id` (the withdrawal notice itself, which must still go).
    /// Returns how many messages were erased.
    async fn erase_handover_content(
        &self,
        handover_id: &str,
        keep_row_id: Option<&str>,
        audit: &AuditDraft,
    ) -> Result<u64>;
}
