//! The cross-border handover by file (issue 12: "the same message as a file
//! (`safepath handover export` / `import`) for partners reached by other
//! means"). Export takes the messages waiting in the outbox for one partner,
//! oldest first, as the sealed envelopes the inbox takes — signed by this
//! deployment and encrypted to the partner, so a file carried by hand shows
//! nothing to whoever holds it — and, once the operator's files are written,
//! marks them sent, each with an audit entry. The partner imports them in
//! name order; its inbox refuses a replay or a message out of order, so a
//! file imported twice changes nothing.

use safepath_domain::access::Action;
use safepath_store::{AuditDraft, HandoverOutboxRow};

use crate::admin::Operator;
use crate::{App, AppError};

/// At most this many messages per export (run again for more).
pub const EXPORT_LIMIT: i64 = 10_000;

/// One sealed message to carry to a partner as a file.
#[derive(Debug, Clone)]
pub struct ExportedMessage {
    /// `NNNN-<handover id>-<sequence>.json`: the order to import them in,
    /// and nothing about the person.
    pub file_name: String,
    /// The envelope, as `POST /api/v1/handover/inbox` takes it.
    pub envelope: String,
    handover_id: String,
    kind: String,
    sequence: i64,
    entry: HandoverOutboxRow,
}

impl App {
    /// The messages waiting for `partner` (its fingerprint; spaces allowed),
    /// oldest first. Nothing is marked yet: see [`App::mark_handover_exported`].
    pub async fn handover_outbox_for_export(
        &self,
        op: Operator<'_>,
        partner: &str,
    ) -> Result<Vec<ExportedMessage>, AppError> {
        op.require(Action::ManageOrgs)?;
        let fingerprint: String = partner
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        let known = self.store.handover_partner(&fingerprint).await?;
        match known {
            Some(p) if p.revoked_at.is_none() => {}
            Some(_) => {
                return Err(AppError::forbidden(
                    "this partner's registration was revoked: nothing is sent to it",
                ));
            }
            None => {
                return Err(AppError::not_found(
                    "no registered partner deployment has this fingerprint",
                ));
            }
        }
        let due = self
            .store
            .due_handover_outbox(i64::MAX, EXPORT_LIMIT)
            .await?;
        let mut out = Vec::new();
        for (entry, message) in due {
            // A message the partner's inbox refused would be refused again.
            let refused = entry
                .last_error
                .as_deref()
                .is_some_and(|e| e.starts_with("http 4"));
            if entry.recipient != fingerprint || refused {
                continue;
            }
            // Erased on a consent withdrawal: nothing to carry.
            let Some(envelope) = message.envelope else {
                continue;
            };
            out.push(ExportedMessage {
                file_name: format!(
                    "{:04}-{}-{}.json",
                    out.len() + 1,
                    message.handover_id,
                    message.sequence
                ),
                envelope,
                handover_id: message.handover_id,
                kind: message.kind,
                sequence: message.sequence,
                entry,
            });
        }
        Ok(out)
    }

    /// Marks exported messages sent (the files are written), each with its
    /// audit entry: the scheduler no longer tries to deliver them.
    pub async fn mark_handover_exported(
        &self,
        op: Operator<'_>,
        messages: &[ExportedMessage],
    ) -> Result<(), AppError> {
        op.require(Action::ManageOrgs)?;
        for m in messages {
            let now = self.now_ms();
            let mut entry = m.entry.clone();
            entry.sent_at = Some(now);
            entry.attempts += 1;
            entry.last_error = None;
            self.store.update_handover_outbox(&entry).await?;
            let audit = AuditDraft::new(now, op.actor_id(), "handover.export")
                .record("handover", &m.handover_id)
                .detail(format!(
                    "kind={} sequence={} to={}",
                    m.kind,
                    m.sequence,
                    &entry.recipient[..entry.recipient.len().min(16)]
                ));
            self.store.append_audit(&audit).await?;
        }
        Ok(())
    }
}
