//! Messages between SafePath deployments for the cross-border handover
//! (issue 12): each deployment has an identity — an Ed25519 signing key pair
//! and an X25519 key pair for HPKE (RFC 9180) — and every message is signed by
//! the sender and encrypted to the recipient.
//!
//! # The envelope (version 1)
//!
//! Sign, then encrypt, with both parties named inside the signed part:
//!
//! 1. The **signed part** is the JSON of [`SignedPart`]: version, handover id
//!    (the pseudonymous transnational case reference), a random 128-bit
//!    message id, sender and recipient fingerprints, the per-handover
//!    sequence number, created and expiry times, and the payload. It is
//!    signed with the sender's Ed25519 key exactly as serialised (verified
//!    with `verify_strict`). The recipient inside the signed part stops a
//!    recipient from re-encrypting a message to a third party as if it were
//!    addressed there; the signature over the plaintext is what a case file
//!    keeps as proof of who said what (HPKE's Auth mode alone is deniable).
//! 2. The **sealed part** `{"signed": base64, "signature": base64}` is
//!    encrypted with HPKE, mode base, DHKEM(X25519, HKDF-SHA256) /
//!    HKDF-SHA256 / ChaCha20-Poly1305, to the recipient's encryption key.
//!    `info` names the protocol and both fingerprints; the clear header
//!    (version, suite, sender, recipient) is the associated data, so it
//!    cannot be altered without decryption failing.
//! 3. The **envelope** is JSON: `{"v", "suite", "sender", "recipient", "enc",
//!    "ciphertext"}`, fingerprints in lower-case hex, `enc` and `ciphertext`
//!    in standard base64 (with padding).
//!
//! [`open`] checks, in this order, each refusal with its own [`HandoverError`]:
//! the envelope's form and version; that the recipient is us; that the sender
//! is a registered partner (both before any decryption); decryption;
//! the sender's signature; that the signed header names the same sender and
//! recipient as the clear one; the expiry. Replay and reordering are checked
//! by [`SequenceTracker`] / [`check_sequence`] against the next expected
//! sequence number per handover and sender, which the caller keeps.
//!
//! # Fingerprints and keys
//!
//! A deployment's fingerprint is SHA-256 over its signing public key (32
//! bytes) followed by its encryption public key (32 bytes), in lower-case hex;
//! [`Fingerprint::grouped`] prints it in groups of four for reading aloud on
//! the call where two focal points compare it. Public keys are exchanged as
//! standard base64. The private keys live in their own file (`handover.key`,
//! mode 0600, refused when group or world readable), never in the database.

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use hpke::kem::X25519HkdfSha256;
use hpke::{Deserializable, Kem as _, OpModeR, OpModeS, Serializable};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zeroize::Zeroizing;

use crate::secrets::{random_bytes, sha256};

type Kem = X25519HkdfSha256;
type Kdf = hpke::kdf::HkdfSha256;
type Aead = hpke::aead::ChaCha20Poly1305;

/// The envelope version this code writes and reads.
pub const ENVELOPE_VERSION: u32 = 1;
/// The cipher suite, named in every envelope.
pub const SUITE: &str = "ed25519+hpke-base-x25519-hkdf-sha256-chacha20poly1305";
const INFO_PREFIX: &[u8] = b"safepath-handover-v1";
const KEY_FILE_FORMAT: &str = "safepath-handover-key-v1";
/// Clock skew tolerated for a message's creation time, in seconds.
pub const MAX_CLOCK_SKEW_SECS: i64 = 300;
/// Default lifetime of a message (an outbox may retry for this long).
pub const DEFAULT_LIFETIME_SECS: i64 = 30 * 24 * 3600;

/// Why a handover key or message was refused. Each has a stable [`code`](Self::code).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HandoverError {
    #[error("the message is not a sealed handover envelope")]
    Malformed,
    #[error("unsupported envelope version or suite")]
    UnsupportedVersion,
    #[error("the message is addressed to another deployment")]
    WrongRecipient,
    #[error("the sender is not a registered partner")]
    UnknownSender,
    #[error("the message cannot be decrypted (altered, or not sealed to this deployment)")]
    Decrypt,
    #[error("the sender's signature does not verify")]
    BadSignature,
    #[error("the signed header does not match the envelope")]
    HeaderMismatch,
    #[error("the message has expired or is dated in the future")]
    Expired,
    #[error("the message was already received (sequence {got}, next expected {expected})")]
    Replayed { expected: u64, got: u64 },
    #[error(
        "the message arrived out of order (sequence {got}, next expected {expected}): ask for a resend"
    )]
    OutOfOrder { expected: u64, got: u64 },
    #[error("sealing failed")]
    Seal,
    #[error("handover key file: {0}")]
    KeyFile(String),
    #[error("invalid public key: {0}")]
    InvalidKey(&'static str),
}

impl HandoverError {
    pub fn code(&self) -> &'static str {
        match self {
            HandoverError::Malformed => "handover_message_malformed",
            HandoverError::UnsupportedVersion => "handover_message_unsupported_version",
            HandoverError::WrongRecipient => "handover_wrong_recipient",
            HandoverError::UnknownSender => "handover_unknown_sender",
            HandoverError::Decrypt => "handover_decrypt_failed",
            HandoverError::BadSignature => "handover_bad_signature",
            HandoverError::HeaderMismatch => "handover_header_mismatch",
            HandoverError::Expired => "handover_message_expired",
            HandoverError::Replayed { .. } => "handover_message_replayed",
            HandoverError::OutOfOrder { .. } => "handover_message_out_of_order",
            HandoverError::Seal => "handover_seal_failed",
            HandoverError::KeyFile(_) => "handover_key_file",
            HandoverError::InvalidKey(_) => "handover_invalid_key",
        }
    }
}

/// A deployment's fingerprint: SHA-256 of signing key ‖ encryption key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub [u8; 32]);

impl Fingerprint {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    pub fn from_hex(s: &str) -> Result<Self, HandoverError> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out).map_err(|_| HandoverError::Malformed)?;
        Ok(Self(out))
    }
    /// Groups of four hex digits, for comparing aloud.
    pub fn grouped(&self) -> String {
        self.to_hex()
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A deployment's public keys: what a partner registers (after comparing the
/// fingerprint out of band).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartnerKeys {
    signing: VerifyingKey,
    encryption: <Kem as hpke::Kem>::PublicKey,
    encryption_bytes: [u8; 32],
}

impl PartnerKeys {
    /// From the two public keys, 32 bytes each.
    pub fn from_bytes(signing: &[u8], encryption: &[u8]) -> Result<Self, HandoverError> {
        let s: [u8; 32] = signing
            .try_into()
            .map_err(|_| HandoverError::InvalidKey("the signing key must be 32 bytes"))?;
        let e: [u8; 32] = encryption
            .try_into()
            .map_err(|_| HandoverError::InvalidKey("the encryption key must be 32 bytes"))?;
        let signing = VerifyingKey::from_bytes(&s)
            .map_err(|_| HandoverError::InvalidKey("not an Ed25519 public key"))?;
        if signing.is_weak() {
            return Err(HandoverError::InvalidKey("a weak Ed25519 public key"));
        }
        let encryption = <Kem as hpke::Kem>::PublicKey::from_bytes(&e)
            .map_err(|_| HandoverError::InvalidKey("not an X25519 public key"))?;
        Ok(Self {
            signing,
            encryption,
            encryption_bytes: e,
        })
    }

    /// From the two public keys in standard base64.
    pub fn from_base64(signing: &str, encryption: &str) -> Result<Self, HandoverError> {
        let d = |s: &str| {
            STANDARD
                .decode(s.trim())
                .map_err(|_| HandoverError::InvalidKey("not base64"))
        };
        Self::from_bytes(&d(signing)?, &d(encryption)?)
    }

    pub fn signing_key_bytes(&self) -> [u8; 32] {
        self.signing.to_bytes()
    }
    pub fn encryption_key_bytes(&self) -> [u8; 32] {
        self.encryption_bytes
    }
    pub fn signing_key_base64(&self) -> String {
        STANDARD.encode(self.signing_key_bytes())
    }
    pub fn encryption_key_base64(&self) -> String {
        STANDARD.encode(self.encryption_bytes)
    }
    pub fn fingerprint(&self) -> Fingerprint {
        let mut both = [0u8; 64];
        both[..32].copy_from_slice(&self.signing_key_bytes());
        both[32..].copy_from_slice(&self.encryption_bytes);
        Fingerprint(sha256(&both))
    }
}

/// A deployment's private handover keys. Both key types zeroize their secret
/// on drop (`ed25519-dalek` and `x25519-dalek` with their `zeroize` feature).
pub struct DeploymentIdentity {
    signing: SigningKey,
    encryption: <Kem as hpke::Kem>::PrivateKey,
    public: PartnerKeys,
}

impl fmt::Debug for DeploymentIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeploymentIdentity")
            .field("fingerprint", &self.public.fingerprint().to_hex())
            .finish_non_exhaustive()
    }
}

#[derive(Serialize, Deserialize)]
struct KeyFileJson {
    format: String,
    signing_key: String,
    encryption_key: String,
}

impl DeploymentIdentity {
    /// A fresh identity from the operating system's random source.
    pub fn generate() -> Self {
        let seed = Zeroizing::new(random_bytes::<32>());
        let ikm = Zeroizing::new(random_bytes::<32>());
        let (encryption, pk) = Kem::derive_keypair(ikm.as_slice());
        let signing = SigningKey::from_bytes(&seed);
        let mut encryption_bytes = [0u8; 32];
        pk.write_exact(&mut encryption_bytes);
        Self {
            public: PartnerKeys {
                signing: signing.verifying_key(),
                encryption: pk,
                encryption_bytes,
            },
            signing,
            encryption,
        }
    }

    /// From the Ed25519 seed and the X25519 private key, 32 bytes each.
    pub fn from_secret_bytes(
        signing: &[u8; 32],
        encryption: &[u8; 32],
    ) -> Result<Self, HandoverError> {
        let signing = SigningKey::from_bytes(signing);
        let encryption = <Kem as hpke::Kem>::PrivateKey::from_bytes(encryption)
            .map_err(|_| HandoverError::KeyFile("not an X25519 private key".into()))?;
        let pk = Kem::sk_to_pk(&encryption);
        let mut pk_bytes = [0u8; 32];
        pk.write_exact(&mut pk_bytes);
        let public = PartnerKeys::from_bytes(&signing.verifying_key().to_bytes(), &pk_bytes)?;
        Ok(Self {
            signing,
            encryption,
            public,
        })
    }

    pub fn public(&self) -> &PartnerKeys {
        &self.public
    }

    pub fn fingerprint(&self) -> Fingerprint {
        self.public.fingerprint()
    }

    /// Loads the identity from `path`, creating it (mode 0600) when the file
    /// does not exist. Returns whether it was created. A file readable by
    /// group or others is refused, as is anything that is not a key file.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), HandoverError> {
        match Self::load(path) {
            Ok(id) => Ok((id, false)),
            Err(HandoverError::KeyFile(_)) if !path.exists() => {
                let id = Self::generate();
                match id.save_new(path) {
                    Ok(()) => Ok((id, true)),
                    // Another process created it first: use theirs.
                    Err(_) if path.exists() => Ok((Self::load(path)?, false)),
                    Err(e) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    pub fn load(path: &Path) -> Result<Self, HandoverError> {
        let err = |what: String| HandoverError::KeyFile(format!("{}: {what}", path.display()));
        let meta = fs::metadata(path).map_err(|e| err(format!("cannot read: {e}")))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(err(
                    "is readable by group or others; make it private (chmod 600)".into(),
                ));
            }
        }
        #[cfg(not(unix))]
        let _ = meta;
        let text =
            Zeroizing::new(fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?);
        let json: KeyFileJson = serde_json::from_str(&text)
            .map_err(|_| err("is not a SafePath handover key file".into()))?;
        if json.format != KEY_FILE_FORMAT {
            return Err(err("unsupported handover key file format".into()));
        }
        let decode = |what: &str, s: &str| -> Result<Zeroizing<[u8; 32]>, HandoverError> {
            let v = Zeroizing::new(
                STANDARD
                    .decode(s)
                    .map_err(|_| err(format!("{what} is not base64")))?,
            );
            let a: [u8; 32] = v
                .as_slice()
                .try_into()
                .map_err(|_| err(format!("{what} must be 32 bytes")))?;
            Ok(Zeroizing::new(a))
        };
        let s = decode("signing_key", &json.signing_key)?;
        let e = decode("encryption_key", &json.encryption_key)?;
        drop(json);
        Self::from_secret_bytes(&s, &e)
    }

    /// Writes the identity to a new file (never over an existing one): a
    /// temporary file with mode 0600, synced, then hard-linked into place.
    fn save_new(&self, path: &Path) -> Result<(), HandoverError> {
        let err = |e: std::io::Error| {
            HandoverError::KeyFile(format!("cannot write {}: {e}", path.display()))
        };
        let mut enc = Zeroizing::new([0u8; 32]);
        self.encryption.write_exact(enc.as_mut_slice());
        let text = Zeroizing::new(
            serde_json::to_string_pretty(&KeyFileJson {
                format: KEY_FILE_FORMAT.into(),
                signing_key: STANDARD.encode(self.signing.to_bytes()),
                encryption_key: STANDARD.encode(*enc),
            })
            .map_err(|_| HandoverError::KeyFile("cannot serialise".into()))?,
        );
        let tmp = path.with_extension(format!("tmp-{}", hex::encode(random_bytes::<6>())));
        let result = (|| {
            let mut opts = fs::OpenOptions::new();
            opts.write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::OpenOptionsExt;
                opts.mode(0o600);
            }
            let mut f = opts.open(&tmp)?;
            f.write_all(text.as_bytes())?;
            f.sync_all()?;
            fs::hard_link(&tmp, path)?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                fs::File::open(dir)?.sync_all()?;
            }
            Ok(())
        })();
        let _ = fs::remove_file(&tmp);
        result.map_err(err)
    }
}

/// The signed part of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedPart {
    pub v: u32,
    /// The handover (transnational case reference).
    pub handover_id: String,
    /// Random 128-bit id, hex.
    pub message_id: String,
    pub sender: String,
    pub recipient: String,
    /// Per handover and sender, from 1.
    pub sequence: u64,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub expires_at: i64,
    pub payload: serde_json::Value,
}

#[derive(Serialize, Deserialize)]
struct SealedPart {
    signed: String,
    signature: String,
}

/// The envelope as sent (JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    pub v: u32,
    pub suite: String,
    pub sender: String,
    pub recipient: String,
    pub enc: String,
    pub ciphertext: String,
}

impl Envelope {
    pub fn to_json(&self) -> String {
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
    pub fn from_json(bytes: &[u8]) -> Result<Self, HandoverError> {
        serde_json::from_slice(bytes).map_err(|_| HandoverError::Malformed)
    }
    /// SHA-256 of the envelope's JSON as received: the receipt names it.
    pub fn hash_of(bytes: &[u8]) -> [u8; 32] {
        sha256(bytes)
    }
}

/// What the sender puts in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing<'a> {
    pub handover_id: &'a str,
    pub sequence: u64,
    /// Unix seconds (the caller's clock).
    pub now: i64,
    pub lifetime_secs: i64,
    pub payload: serde_json::Value,
}

fn info(sender: &str, recipient: &str) -> Vec<u8> {
    let mut v = INFO_PREFIX.to_vec();
    v.push(0);
    v.extend_from_slice(sender.as_bytes());
    v.push(0);
    v.extend_from_slice(recipient.as_bytes());
    v
}

fn aad(v: u32, suite: &str, sender: &str, recipient: &str) -> Vec<u8> {
    format!("{v}\0{suite}\0{sender}\0{recipient}").into_bytes()
}

/// Signs and seals a message to `recipient`.
pub fn seal(
    me: &DeploymentIdentity,
    recipient: &PartnerKeys,
    out: Outgoing<'_>,
) -> Result<Envelope, HandoverError> {
    seal_with_id(me, recipient, out, &new_message_id())
}

/// A random 128-bit message id, in lower-case hex.
pub fn new_message_id() -> String {
    hex::encode(random_bytes::<16>())
}

/// [`seal`] with a message id the caller chose (from [`new_message_id`]), so
/// that the sender can record its own message under the id the recipient
/// will see.
pub fn seal_with_id(
    me: &DeploymentIdentity,
    recipient: &PartnerKeys,
    out: Outgoing<'_>,
    message_id: &str,
) -> Result<Envelope, HandoverError> {
    let sender = me.fingerprint().to_hex();
    let to = recipient.fingerprint().to_hex();
    let signed = SignedPart {
        v: ENVELOPE_VERSION,
        handover_id: out.handover_id.to_owned(),
        message_id: message_id.to_owned(),
        sender: sender.clone(),
        recipient: to.clone(),
        sequence: out.sequence,
        created_at: out.now,
        expires_at: out.now.saturating_add(out.lifetime_secs),
        payload: out.payload,
    };
    let signed_bytes =
        Zeroizing::new(serde_json::to_vec(&signed).map_err(|_| HandoverError::Seal)?);
    let signature = me.signing.sign(&signed_bytes);
    let inner = Zeroizing::new(
        serde_json::to_vec(&SealedPart {
            signed: STANDARD.encode(signed_bytes.as_slice()),
            signature: STANDARD.encode(signature.to_bytes()),
        })
        .map_err(|_| HandoverError::Seal)?,
    );
    let (enc, ciphertext) = hpke::single_shot_seal::<Aead, Kdf, Kem>(
        &OpModeS::Base,
        &recipient.encryption,
        &info(&sender, &to),
        &inner,
        &aad(ENVELOPE_VERSION, SUITE, &sender, &to),
    )
    .map_err(|_| HandoverError::Seal)?;
    Ok(Envelope {
        v: ENVELOPE_VERSION,
        suite: SUITE.into(),
        sender,
        recipient: to,
        enc: STANDARD.encode(enc.to_bytes()),
        ciphertext: STANDARD.encode(ciphertext),
    })
}

/// An opened, verified message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub sender: Fingerprint,
    pub signed: SignedPart,
    /// The signed bytes and the signature, as a case file keeps them.
    pub signed_bytes: Vec<u8>,
    pub signature: [u8; 64],
}

/// Opens an envelope addressed to `me` from one of `partners`, at `now`
/// (unix seconds). See the module documentation for the order of checks.
pub fn open(
    me: &DeploymentIdentity,
    partners: &[PartnerKeys],
    envelope: &[u8],
    now: i64,
) -> Result<Opened, HandoverError> {
    let env = Envelope::from_json(envelope)?;
    if env.v != ENVELOPE_VERSION || env.suite != SUITE {
        return Err(HandoverError::UnsupportedVersion);
    }
    let me_fp = me.fingerprint();
    if Fingerprint::from_hex(&env.recipient)? != me_fp {
        return Err(HandoverError::WrongRecipient);
    }
    let sender_fp = Fingerprint::from_hex(&env.sender)?;
    let partner = partners
        .iter()
        .find(|p| p.fingerprint() == sender_fp)
        .ok_or(HandoverError::UnknownSender)?;
    let enc_bytes = STANDARD
        .decode(&env.enc)
        .map_err(|_| HandoverError::Malformed)?;
    let ct = STANDARD
        .decode(&env.ciphertext)
        .map_err(|_| HandoverError::Malformed)?;
    let enc = <Kem as hpke::Kem>::EncappedKey::from_bytes(&enc_bytes)
        .map_err(|_| HandoverError::Malformed)?;
    // Use the canonical forms, so that the AAD and info match the sender's.
    let (sender, recipient) = (sender_fp.to_hex(), me_fp.to_hex());
    let inner = Zeroizing::new(
        hpke::single_shot_open::<Aead, Kdf, Kem>(
            &OpModeR::Base,
            &me.encryption,
            &enc,
            &info(&sender, &recipient),
            &ct,
            &aad(env.v, &env.suite, &sender, &recipient),
        )
        .map_err(|_| HandoverError::Decrypt)?,
    );
    let sealed: SealedPart =
        serde_json::from_slice(&inner).map_err(|_| HandoverError::Malformed)?;
    let signed_bytes = STANDARD
        .decode(&sealed.signed)
        .map_err(|_| HandoverError::Malformed)?;
    let sig_bytes: [u8; 64] = STANDARD
        .decode(&sealed.signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or(HandoverError::BadSignature)?;
    let signature = Signature::from_bytes(&sig_bytes);
    partner
        .signing
        .verify_strict(&signed_bytes, &signature)
        .map_err(|_| HandoverError::BadSignature)?;
    let signed: SignedPart =
        serde_json::from_slice(&signed_bytes).map_err(|_| HandoverError::Malformed)?;
    if signed.v != ENVELOPE_VERSION {
        return Err(HandoverError::UnsupportedVersion);
    }
    if Fingerprint::from_hex(&signed.sender)? != sender_fp {
        return Err(HandoverError::HeaderMismatch);
    }
    if Fingerprint::from_hex(&signed.recipient)? != me_fp {
        // Signed for someone else and re-encrypted to us.
        return Err(HandoverError::WrongRecipient);
    }
    if now > signed.expires_at || signed.created_at > now.saturating_add(MAX_CLOCK_SKEW_SECS) {
        return Err(HandoverError::Expired);
    }
    Ok(Opened {
        sender: sender_fp,
        signed,
        signed_bytes,
        signature: sig_bytes,
    })
}

/// The replay and order rule: `got` must be exactly the next expected
/// sequence number; lower is a replay, higher a gap (ask for a resend).
pub fn check_sequence(expected: u64, got: u64) -> Result<(), HandoverError> {
    match got.cmp(&expected) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(HandoverError::Replayed { expected, got }),
        std::cmp::Ordering::Greater => Err(HandoverError::OutOfOrder { expected, got }),
    }
}

/// The next expected sequence number per handover and sender (in memory; the
/// store keeps the same numbers). Sequence numbers start at 1.
#[derive(Debug, Clone, Default)]
pub struct SequenceTracker {
    next: BTreeMap<(String, Fingerprint), u64>,
}

impl SequenceTracker {
    pub fn expected(&self, handover_id: &str, sender: Fingerprint) -> u64 {
        self.next
            .get(&(handover_id.to_owned(), sender))
            .copied()
            .unwrap_or(1)
    }

    /// Accepts an opened message, or refuses a replay or a gap (nothing changes).
    pub fn accept(&mut self, m: &Opened) -> Result<(), HandoverError> {
        let expected = self.expected(&m.signed.handover_id, m.sender);
        check_sequence(expected, m.signed.sequence)?;
        self.next.insert(
            (m.signed.handover_id.clone(), m.sender),
            expected.saturating_add(1),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_796_400_000;

    fn msg(seq: u64) -> Outgoing<'static> {
        Outgoing {
            handover_id: "7f0c2a52-1d8e-4a7b-9a56-3c1f0e2d4b6a",
            sequence: seq,
            now: NOW,
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            payload: serde_json::json!({"type": "request", "age_band": "18-24"}),
        }
    }

    struct World {
        d: DeploymentIdentity,
        o: DeploymentIdentity,
        stranger: DeploymentIdentity,
    }

    fn world() -> World {
        World {
            d: DeploymentIdentity::generate(),
            o: DeploymentIdentity::generate(),
            stranger: DeploymentIdentity::generate(),
        }
    }

    fn bytes(e: &Envelope) -> Vec<u8> {
        e.to_json().into_bytes()
    }

    #[test]
    fn a_message_round_trips_and_keeps_its_header() {
        let w = world();
        let env = seal(&w.d, w.o.public(), msg(1)).unwrap();
        assert_eq!(env.v, 1);
        assert_eq!(env.sender, w.d.fingerprint().to_hex());
        // Nothing of the payload is visible in the envelope.
        assert!(!env.to_json().contains("age_band"));
        let opened = open(&w.o, &[w.d.public().clone()], &bytes(&env), NOW + 10).unwrap();
        assert_eq!(opened.sender, w.d.fingerprint());
        assert_eq!(opened.signed.sequence, 1);
        assert_eq!(opened.signed.payload["age_band"], "18-24");
        assert_eq!(opened.signed.recipient, w.o.fingerprint().to_hex());
        assert_eq!(opened.signed.message_id.len(), 32);
        // The kept signature verifies over the kept bytes, for a case file.
        let sig = Signature::from_bytes(&opened.signature);
        assert!(
            w.d.public()
                .signing
                .verify_strict(&opened.signed_bytes, &sig)
                .is_ok()
        );
        // Two seals of the same message differ (fresh HPKE key, fresh id).
        let again = seal(&w.d, w.o.public(), msg(1)).unwrap();
        assert_ne!(again.ciphertext, env.ciphertext);
    }

    fn tamper_b64(s: &str) -> String {
        let mut b = STANDARD.decode(s).unwrap();
        let i = b.len() / 2;
        b[i] ^= 0x01;
        STANDARD.encode(b)
    }

    #[test]
    fn tampering_wrong_recipients_and_strangers_are_refused_distinctly() {
        let w = world();
        let partners = [w.d.public().clone()];
        let env = seal(&w.d, w.o.public(), msg(1)).unwrap();

        // Tampered ciphertext: the AEAD tag fails.
        let mut t = env.clone();
        t.ciphertext = tamper_b64(&t.ciphertext);
        assert_eq!(
            open(&w.o, &partners, &bytes(&t), NOW),
            Err(HandoverError::Decrypt)
        );
        // Tampered encapsulated key: decryption fails too.
        let mut t = env.clone();
        t.enc = tamper_b64(&t.enc);
        assert_eq!(
            open(&w.o, &partners, &bytes(&t), NOW),
            Err(HandoverError::Decrypt)
        );

        // Tampered signature: someone who knows the public keys seals a
        // message in D's name with a signature that is not D's.
        let forged = forge(&w.d, &w.stranger, w.o.public(), |sig| sig[10] ^= 0x80);
        assert_eq!(
            open(&w.o, &partners, &bytes(&forged), NOW),
            Err(HandoverError::BadSignature)
        );
        // … or signs with their own key in D's name.
        let forged = forge_signed_by(&w.d, &w.stranger, w.o.public());
        assert_eq!(
            open(&w.o, &partners, &bytes(&forged), NOW),
            Err(HandoverError::BadSignature)
        );

        // Wrong recipient: sealed to the stranger, arrives at O.
        let to_stranger = seal(&w.d, w.stranger.public(), msg(1)).unwrap();
        assert_eq!(
            open(&w.o, &partners, &bytes(&to_stranger), NOW),
            Err(HandoverError::WrongRecipient)
        );
        // … even when the clear header is rewritten to O (the AAD binds it).
        let mut t = to_stranger.clone();
        t.recipient = w.o.fingerprint().to_hex();
        assert_eq!(
            open(&w.o, &partners, &bytes(&t), NOW),
            Err(HandoverError::Decrypt)
        );

        // Surreptitious forwarding: the stranger, a registered partner of O,
        // re-encrypts D's message (signed for the stranger) to O.
        let forwarded = reencrypt(&w.stranger, &to_stranger, w.o.public(), &w.d);
        let both = [w.d.public().clone(), w.stranger.public().clone()];
        assert_eq!(
            open(&w.o, &both, &bytes(&forwarded), NOW),
            Err(HandoverError::WrongRecipient)
        );

        // Unknown sender: a deployment O never registered.
        let from_stranger = seal(&w.stranger, w.o.public(), msg(1)).unwrap();
        assert_eq!(
            open(&w.o, &partners, &bytes(&from_stranger), NOW),
            Err(HandoverError::UnknownSender)
        );

        // Garbage, valid JSON that is not an envelope, other versions, expiry.
        assert_eq!(
            open(&w.o, &partners, b"\x00garbage", NOW),
            Err(HandoverError::Malformed)
        );
        assert_eq!(
            open(&w.o, &partners, br#"{"hello":"world"}"#, NOW),
            Err(HandoverError::Malformed)
        );
        let mut t = env.clone();
        t.v = 2;
        assert_eq!(
            open(&w.o, &partners, &bytes(&t), NOW),
            Err(HandoverError::UnsupportedVersion)
        );
        assert_eq!(
            open(
                &w.o,
                &partners,
                &bytes(&env),
                NOW + DEFAULT_LIFETIME_SECS + 1
            ),
            Err(HandoverError::Expired)
        );
        assert_eq!(
            open(&w.o, &partners, &bytes(&env), NOW - MAX_CLOCK_SKEW_SECS - 1),
            Err(HandoverError::Expired)
        );
        // Every refusal has its own code.
        let codes: std::collections::BTreeSet<_> = [
            HandoverError::Malformed,
            HandoverError::UnsupportedVersion,
            HandoverError::WrongRecipient,
            HandoverError::UnknownSender,
            HandoverError::Decrypt,
            HandoverError::BadSignature,
            HandoverError::HeaderMismatch,
            HandoverError::Expired,
            HandoverError::Replayed {
                expected: 1,
                got: 1,
            },
            HandoverError::OutOfOrder {
                expected: 1,
                got: 1,
            },
        ]
        .iter()
        .map(HandoverError::code)
        .collect();
        assert_eq!(codes.len(), 10);
    }

    /// Seals, as `forger`, a message that claims to come from `claimed`, with
    /// the claimed sender's signature altered by `spoil` (a forged signature).
    fn forge(
        claimed: &DeploymentIdentity,
        _forger: &DeploymentIdentity,
        to: &PartnerKeys,
        spoil: impl Fn(&mut [u8; 64]),
    ) -> Envelope {
        let sender = claimed.fingerprint().to_hex();
        let recipient = to.fingerprint().to_hex();
        let signed = SignedPart {
            v: 1,
            handover_id: "h".into(),
            message_id: "00".into(),
            sender: sender.clone(),
            recipient: recipient.clone(),
            sequence: 1,
            created_at: NOW,
            expires_at: NOW + 60,
            payload: serde_json::json!({}),
        };
        let sb = serde_json::to_vec(&signed).unwrap();
        let mut sig = claimed.signing.sign(&sb).to_bytes();
        spoil(&mut sig);
        seal_raw(&sender, to, &sb, &sig)
    }

    fn forge_signed_by(
        claimed: &DeploymentIdentity,
        forger: &DeploymentIdentity,
        to: &PartnerKeys,
    ) -> Envelope {
        let sender = claimed.fingerprint().to_hex();
        let recipient = to.fingerprint().to_hex();
        let signed = SignedPart {
            v: 1,
            handover_id: "h".into(),
            message_id: "00".into(),
            sender: sender.clone(),
            recipient,
            sequence: 1,
            created_at: NOW,
            expires_at: NOW + 60,
            payload: serde_json::json!({}),
        };
        let sb = serde_json::to_vec(&signed).unwrap();
        let sig = forger.signing.sign(&sb).to_bytes();
        seal_raw(&sender, to, &sb, &sig)
    }

    /// The stranger opens what D sealed to it and re-seals the same signed
    /// bytes to `to`, claiming D as sender.
    fn reencrypt(
        stranger: &DeploymentIdentity,
        env: &Envelope,
        to: &PartnerKeys,
        d: &DeploymentIdentity,
    ) -> Envelope {
        let opened = open(stranger, &[d.public().clone()], &bytes(env), NOW).unwrap();
        seal_raw(
            &d.fingerprint().to_hex(),
            to,
            &opened.signed_bytes,
            &opened.signature,
        )
    }

    fn seal_raw(sender: &str, to: &PartnerKeys, signed: &[u8], sig: &[u8; 64]) -> Envelope {
        let recipient = to.fingerprint().to_hex();
        let inner = serde_json::to_vec(&SealedPart {
            signed: STANDARD.encode(signed),
            signature: STANDARD.encode(sig),
        })
        .unwrap();
        let (enc, ct) = hpke::single_shot_seal::<Aead, Kdf, Kem>(
            &OpModeS::Base,
            &to.encryption,
            &info(sender, &recipient),
            &inner,
            &aad(1, SUITE, sender, &recipient),
        )
        .unwrap();
        Envelope {
            v: 1,
            suite: SUITE.into(),
            sender: sender.into(),
            recipient,
            enc: STANDARD.encode(enc.to_bytes()),
            ciphertext: STANDARD.encode(ct),
        }
    }

    #[test]
    fn replays_and_gaps_are_refused_per_handover_and_sender() {
        let w = world();
        let partners = [w.d.public().clone(), w.stranger.public().clone()];
        let mut t = SequenceTracker::default();
        let open_seq = |seq: u64, from: &DeploymentIdentity| {
            open(
                &w.o,
                &partners,
                &bytes(&seal(from, w.o.public(), msg(seq)).unwrap()),
                NOW,
            )
            .unwrap()
        };
        let first = open_seq(1, &w.d);
        assert_eq!(t.accept(&first), Ok(()));
        // The same message again: a replay, refused, nothing changes.
        assert_eq!(
            t.accept(&first),
            Err(HandoverError::Replayed {
                expected: 2,
                got: 1
            })
        );
        // Sequence 3 before 2: out of order.
        let third = open_seq(3, &w.d);
        assert_eq!(
            t.accept(&third),
            Err(HandoverError::OutOfOrder {
                expected: 2,
                got: 3
            })
        );
        assert_eq!(t.expected(&first.signed.handover_id, w.d.fingerprint()), 2);
        assert_eq!(t.accept(&open_seq(2, &w.d)), Ok(()));
        assert_eq!(t.accept(&third), Ok(()));
        // Another sender on the same handover has its own numbers.
        assert_eq!(t.accept(&open_seq(1, &w.stranger)), Ok(()));
        assert_eq!(check_sequence(5, 5), Ok(()));
        assert_eq!(
            check_sequence(5, 0),
            Err(HandoverError::Replayed {
                expected: 5,
                got: 0
            })
        );
    }

    #[test]
    fn fingerprints_and_public_keys() {
        let w = world();
        let p = w.d.public();
        let mut both = p.signing_key_bytes().to_vec();
        both.extend_from_slice(&p.encryption_key_bytes());
        assert_eq!(w.d.fingerprint().0, sha256(&both));
        let again =
            PartnerKeys::from_base64(&p.signing_key_base64(), &p.encryption_key_base64()).unwrap();
        assert_eq!(&again, p);
        let fp = w.d.fingerprint();
        assert_eq!(Fingerprint::from_hex(&fp.to_hex()), Ok(fp));
        assert_eq!(fp.grouped().len(), 64 + 15);
        assert_ne!(w.d.fingerprint(), w.o.fingerprint());
        assert_eq!(
            PartnerKeys::from_bytes(&[1; 31], &[1; 32])
                .unwrap_err()
                .code(),
            "handover_invalid_key"
        );
        // The identity prints no secret.
        assert!(!format!("{:?}", w.d).contains(&STANDARD.encode(w.d.signing.to_bytes())));
    }

    #[test]
    fn private_keys_zeroize_on_drop() {
        fn zeroizes_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        zeroizes_on_drop::<SigningKey>();
        zeroizes_on_drop::<Zeroizing<[u8; 32]>>();
    }

    #[test]
    fn the_key_file_is_created_private_reloaded_and_guarded() {
        let dir = std::env::temp_dir().join(format!("sp-hk-{}", hex::encode(random_bytes::<6>())));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("handover.key");
        let (a, created) = DeploymentIdentity::load_or_create(&path).unwrap();
        assert!(created);
        let (b, created) = DeploymentIdentity::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(a.fingerprint(), b.fingerprint());
        // Reloaded keys open what was sealed to the original.
        let x = DeploymentIdentity::generate();
        let env = seal(&x, a.public(), msg(1)).unwrap();
        assert!(open(&b, &[x.public().clone()], &bytes(&env), NOW).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
            fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
            let e = DeploymentIdentity::load_or_create(&path).unwrap_err();
            assert!(e.to_string().contains("group or others"), "{e}");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        fs::write(&path, "{}").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        }
        assert_eq!(
            DeploymentIdentity::load_or_create(&path)
                .unwrap_err()
                .code(),
            "handover_key_file"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
