//! Cross-border handover between deployments (issue 12): this deployment's
//! handover identity, registering partner deployments, and the inbox that
//! takes their sealed messages. The private keys live in `handover.key` in the
//! data folder (mode 0600, created on first use, refused when group or world
//! readable), apart from the key file that holds the master key.

use std::path::{Path, PathBuf};

use safepath_crypto::handover::{DeploymentIdentity, HandoverError};
use serde::Serialize;

use crate::App;
use crate::admin::Operator;
use crate::sealing::Grant;
use crate::{AppError, ErrorKind};
use safepath_crypto::handover::{Fingerprint, PartnerKeys, check_sequence, open};
use safepath_domain::access::Action;
use safepath_domain::ids::OrgId;
use safepath_domain::solutions::handover::{self as protocol, Handover, HandoverMessage, Side};
use safepath_store::{AuditDraft, HandoverMessageRow, HandoverPartnerRow, HandoverRow};

/// The name of the handover key file inside the data folder.
pub const HANDOVER_KEY_FILE: &str = "handover.key";

/// The public side of this deployment's identity, as `safepath handover
/// identity --json` prints it (the contract of issue 12): both public keys
/// in standard base64 (32 bytes each: Ed25519 signing key, X25519 HPKE
/// encryption key), and the fingerprint in lower-case hex — SHA-256 of the
/// signing key's 32 bytes followed by the encryption key's 32 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IdentityView {
    pub signing_key: String,
    pub encryption_key: String,
    pub fingerprint: String,
}

impl IdentityView {
    pub fn of(id: &DeploymentIdentity) -> Self {
        let p = id.public();
        Self {
            signing_key: p.signing_key_base64(),
            encryption_key: p.encryption_key_base64(),
            fingerprint: id.fingerprint().to_hex(),
        }
    }
}

fn key_error(e: HandoverError) -> AppError {
    AppError::new(ErrorKind::Config, e.code(), e.to_string())
}

/// The path of the handover key file in `data_dir`.
pub fn key_path(data_dir: &Path) -> PathBuf {
    data_dir.join(HANDOVER_KEY_FILE)
}

/// Loads this deployment's handover identity from `data_dir`, creating the
/// folder (mode 0700 when new) and the key file on first use. Returns
/// whether the keys were created now.
pub fn deployment_identity(data_dir: &Path) -> Result<(DeploymentIdentity, bool), AppError> {
    if !data_dir.exists() {
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            b.mode(0o700);
        }
        b.create(data_dir)
            .map_err(|e| AppError::config(format!("cannot create {}: {e}", data_dir.display())))?;
    }
    DeploymentIdentity::load_or_create(&key_path(data_dir)).map_err(key_error)
}

// --- use cases: partners and the inbox ---

/// What the inbox answers for an accepted message (the same again for a
/// duplicate, which is never processed twice).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct HandoverReceipt {
    pub handover_id: String,
    pub message_id: String,
    /// Hex SHA-256 of the envelope as received.
    pub envelope_hash: String,
    /// The handover's state after the message.
    pub state: String,
    /// The message had been received before.
    pub duplicate: bool,
}

fn refused(e: &HandoverError) -> AppError {
    let kind = match e {
        HandoverError::Replayed { .. } | HandoverError::OutOfOrder { .. } => ErrorKind::Conflict,
        HandoverError::UnknownSender | HandoverError::BadSignature => ErrorKind::Forbidden,
        _ => ErrorKind::BadRequest,
    };
    AppError::new(kind, e.code(), e.to_string())
}

fn side_str(s: Side) -> &'static str {
    s.as_str()
}

impl App {
    /// This deployment's handover identity: `handover.key` in the folder of
    /// the key file (the data folder by default), created on first use.
    pub fn handover_identity(&self) -> Result<DeploymentIdentity, AppError> {
        let dir = self
            .key_file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        deployment_identity(&dir).map(|(id, _)| id)
    }

    /// Registers a partner deployment by its public keys. `compared` is the
    /// fingerprint the two focal points read to each other: it must match
    /// the keys (no trust on first use). `org` links the partner to an
    /// organisation of this deployment's directory, by id or exact name: the
    /// recipient a `cross_border_handover` consent must name.
    #[allow(clippy::too_many_arguments)]
    pub async fn register_handover_partner(
        &self,
        op: Operator<'_>,
        name: &str,
        signing_key: &str,
        encryption_key: &str,
        compared: &str,
        inbox_url: Option<&str>,
        org: Option<&str>,
    ) -> Result<HandoverPartnerRow, AppError> {
        op.require(Action::ManageOrgs)?;
        let name = safepath_domain::casework::checked_text("name", name)?;
        let org_id = match org.map(str::trim).filter(|o| !o.is_empty()) {
            None => None,
            Some(o) => Some(self.org_by_id_or_name(o).await?),
        };
        let keys =
            PartnerKeys::from_base64(signing_key, encryption_key).map_err(|e| refused(&e))?;
        let fp = keys.fingerprint();
        let compared: String = compared.chars().filter(|c| !c.is_whitespace()).collect();
        if Fingerprint::from_hex(&compared.to_ascii_lowercase()).ok() != Some(fp) {
            return Err(AppError::bad_request(
                "handover_fingerprint_mismatch",
                "the fingerprint compared with the partner does not match these keys",
            ));
        }
        let inbox_url = match inbox_url.map(str::trim).filter(|u| !u.is_empty()) {
            None => None,
            Some(u) if u.starts_with("https://") || u.starts_with("http://") => Some(u.to_owned()),
            Some(_) => {
                return Err(AppError::bad_request(
                    "invalid_field",
                    "inbox_url: must be an http or https URL",
                ));
            }
        };
        let row = HandoverPartnerRow {
            fingerprint: fp.to_hex(),
            name,
            signing_key: keys.signing_key_base64(),
            encryption_key: keys.encryption_key_base64(),
            inbox_url,
            registered_by: op.actor_id(),
            created_at: self.now_ms(),
            revoked_at: None,
            org_id,
        };
        let mut audit = AuditDraft::new(self.now_ms(), op.actor_id(), "handover.partner.register");
        audit.record_type = Some("handover_partner".into());
        audit.record_id = Some(row.fingerprint.clone());
        self.store.insert_handover_partner(&row, &audit).await?;
        Ok(row)
    }

    /// Registers an organisation of this deployment's directory as the
    /// receiving partner in the country of origin (`org`, id or exact
    /// name): a handover to it stays on this deployment — its messages are
    /// recorded for the other side here, never sealed or sent
    /// (docs/handover.md, "On one deployment").
    pub async fn register_local_handover_partner(
        &self,
        op: Operator<'_>,
        name: &str,
        org: &str,
    ) -> Result<HandoverPartnerRow, AppError> {
        if org.trim().is_empty() {
            return Err(AppError::bad_request(
                "missing_field",
                "org: name the organisation of this deployment that receives the returns",
            ));
        }
        let me = IdentityView::of(&self.handover_identity()?);
        self.register_handover_partner(
            op,
            name,
            &me.signing_key,
            &me.encryption_key,
            &me.fingerprint,
            None,
            Some(org),
        )
        .await
    }

    /// An organisation by its id or its exact name (`invalid_org` otherwise).
    async fn org_by_id_or_name(&self, o: &str) -> Result<OrgId, AppError> {
        if let Ok(id) = uuid::Uuid::parse_str(o)
            && self.store.org(OrgId(id)).await?.is_some()
        {
            return Ok(OrgId(id));
        }
        self.store
            .list_orgs()
            .await?
            .into_iter()
            .find(|r| r.name == o)
            .map(|r| r.id)
            .ok_or_else(|| AppError::bad_request("invalid_org", "org: no such organisation"))
    }

    /// `POST /api/v1/handover/inbox`: opens a sealed message from a
    /// registered partner, checks its order and the protocol, and records
    /// it with the handover's new state in one audited transaction. Anything
    /// else is refused with a stable code and changes nothing.
    pub async fn receive_handover_message(
        &self,
        me: &DeploymentIdentity,
        envelope: &[u8],
    ) -> Result<HandoverReceipt, AppError> {
        let result = self.receive_handover_inner(me, envelope).await;
        if let Err(e) = &result {
            // Refusals are audited too: the code only (no content, no sender claim).
            let mut audit = AuditDraft::new(self.now_ms(), "inbox", "handover.refuse");
            audit.record_type = Some("handover_message".into());
            audit.detail = Some(format!("code={}", e.code));
            if let Err(store) = self.store.append_audit(&audit).await {
                tracing::warn!(error = %store, "could not audit a refused handover message");
            }
        }
        result
    }

    async fn receive_handover_inner(
        &self,
        me: &DeploymentIdentity,
        envelope: &[u8],
    ) -> Result<HandoverReceipt, AppError> {
        let now_ms = self.now_ms();
        let partners = self
            .store
            .handover_partners()
            .await?
            .iter()
            .filter_map(|p| PartnerKeys::from_base64(&p.signing_key, &p.encryption_key).ok())
            .collect::<Vec<_>>();
        let opened = open(me, &partners, envelope, now_ms / 1000).map_err(|e| refused(&e))?;
        let sender = opened.sender.to_hex();
        let signed = &opened.signed;
        let envelope_hash = hex_encode(&safepath_crypto::sha256(envelope));
        // A duplicate gets the same receipt and is never processed twice.
        if let Some(known) = self
            .store
            .handover_message(&sender, &signed.message_id)
            .await?
        {
            let state = self
                .store
                .handover(&known.handover_id)
                .await?
                .map(|h| h.state)
                .unwrap_or_default();
            return Ok(HandoverReceipt {
                handover_id: known.handover_id,
                message_id: known.message_id,
                envelope_hash: known.envelope_hash,
                state,
                duplicate: true,
            });
        }
        let message: HandoverMessage =
            serde_json::from_value(signed.payload.clone()).map_err(|_| {
                AppError::bad_request(
                    "handover_payload_invalid",
                    "the message is not a handover protocol message",
                )
            })?;
        let existing = self.store.handover(&signed.handover_id).await?;
        if let Some(h) = &existing
            && h.partner != sender
        {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                "handover_not_partner",
                "this handover is not shared with the sending deployment",
            ));
        }
        let expected = u64::try_from(
            self.store
                .next_handover_sequence(&signed.handover_id, &sender)
                .await?,
        )
        .unwrap_or(1);
        check_sequence(expected, signed.sequence).map_err(|e| refused(&e))?;
        let today = self.clock.today();
        let protocol_refusal =
            |e: safepath_domain::DomainError| AppError::new(ErrorKind::Conflict, e.code, e.message);
        let (step, our_side, version) = match &existing {
            None => (
                protocol::start(Side::Destination, &message).map_err(protocol_refusal)?,
                Side::Origin,
                None,
            ),
            Some(row) => {
                let ours = Side::parse(&row.side)?;
                let theirs = if ours == Side::Destination {
                    Side::Origin
                } else {
                    Side::Destination
                };
                // The deployment itself reads its handover state for the
                // partner's message; charged to the receipt's audit entry.
                let grant = Grant::record(
                    format!("partner:{}", &sender[..16]),
                    "handover",
                    &signed.handover_id,
                );
                let h: Handover =
                    self.open_json(&grant, "handovers", "record", &row.id, &row.record)?;
                (
                    h.apply(theirs, &message, today).map_err(protocol_refusal)?,
                    ours,
                    Some(row.version),
                )
            }
        };
        let id = signed.handover_id.clone();
        let row = HandoverRow {
            id: id.clone(),
            side: side_str(our_side).into(),
            case_id: existing.as_ref().and_then(|r| r.case_id),
            partner: sender.clone(),
            state: step.handover.state.as_str().into(),
            // A withdrawal erases what was received: the state is all that stays.
            record: if step.effects.contains(&protocol::Effect::EraseReceived) {
                self.seal_json("handovers", "record", &id, &step.handover.erased())?
            } else {
                self.seal_json("handovers", "record", &id, &step.handover)?
            },
            version: version.map_or(1, |v| v + 1),
            created_at: existing.as_ref().map_or(now_ms, |r| r.created_at),
            updated_at: now_ms,
        };
        let row_id = uuid::Uuid::new_v4().to_string();
        let content = serde_json::json!({
            "signed": base64_encode(&opened.signed_bytes),
            "signature": base64_encode(&opened.signature),
        });
        let msg_row = HandoverMessageRow {
            id: row_id.clone(),
            handover_id: id.clone(),
            direction: "in".into(),
            sender: sender.clone(),
            message_id: signed.message_id.clone(),
            sequence: i64::try_from(signed.sequence).unwrap_or(i64::MAX),
            kind: message.kind().as_str().into(),
            envelope_hash: envelope_hash.clone(),
            envelope: Some(String::from_utf8_lossy(envelope).into_owned()),
            content: Some(self.seal_json("handover_messages", "content", &row_id, &content)?),
            created_at: now_ms,
        };
        let mut audit = AuditDraft::new(
            now_ms,
            format!("partner:{}", &sender[..16]),
            "handover.receive",
        );
        audit.record_type = Some("handover".into());
        audit.record_id = Some(id.clone());
        audit.detail = Some(format!(
            "kind={} sequence={}",
            message.kind(),
            signed.sequence
        ));
        // An alert reaches our coordinators: of the case's organisation on
        // the destination's side, of the partner's on the origin's.
        let alert_org = match (our_side, row.case_id) {
            (Side::Destination, Some(case)) => self.store.case_facts(case).await?.map(|f| f.org),
            _ => self
                .store
                .handover_partner(&sender)
                .await?
                .and_then(|p| p.org_id),
        };
        let audit = audit.notify_all(
            self.alert_notices(&step, message.kind(), alert_org, &id, row.case_id)
                .await?,
        );
        self.store
            .record_handover_message(&row, version, &msg_row, None, &audit)
            .await?;
        // The person arrived: the destination's case moves to follow-up.
        if step.effects.contains(&protocol::Effect::CaseToFollowUp)
            && our_side == Side::Destination
            && let Some(case) = row.case_id
        {
            let name = self
                .store
                .handover_partner(&sender)
                .await?
                .map_or_else(|| "—".to_owned(), |p| p.name);
            // The arrival is recorded whatever happens here: a case that
            // cannot move now is moved by its case manager.
            if let Err(e) = self.case_arrived(case, &sender, &name).await {
                tracing::warn!(code = e.code, "the case was not moved on arrival");
            }
        }
        if step.effects.contains(&protocol::Effect::EraseReceived) {
            let mut erase = AuditDraft::new(
                now_ms,
                format!("partner:{}", &sender[..16]),
                "handover.erase",
            );
            erase.record_type = Some("handover".into());
            erase.record_id = Some(id.clone());
            self.store
                .erase_handover_content(&id, Some(&row_id), &erase)
                .await?;
        }
        Ok(HandoverReceipt {
            handover_id: id,
            message_id: signed.message_id.clone(),
            envelope_hash,
            state: row.state,
            duplicate: false,
        })
    }
}

fn hex_encode(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_identity_is_created_once_and_shown_in_the_contract_form() {
        let r: String = safepath_crypto::random_bytes::<6>()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let dir = std::env::temp_dir().join(format!("sp-app-hk-{r}"));
        let data = dir.join("data");
        let (a, created) = deployment_identity(&data).unwrap();
        assert!(created);
        let (b, created) = deployment_identity(&data).unwrap();
        assert!(!created);
        let v = IdentityView::of(&b);
        assert_eq!(v, IdentityView::of(&a));
        assert_eq!(v.fingerprint.len(), 64);
        let json = serde_json::to_value(&v).unwrap();
        let keys: Vec<_> = json.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys.len(), 3);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
