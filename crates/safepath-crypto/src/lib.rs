//! SafePath's cryptography, in one place.
//!
//! * **Field encryption**: XChaCha20-Poly1305 under a per-purpose data key; the
//!   associated data binds each ciphertext to its table, column, record id and
//!   key id, so a ciphertext moved to another row or column fails to decrypt.
//! * **Key hierarchy**: data keys are stored in the database *wrapped* by a
//!   master key that lives outside it (the key file). Rotating the master key
//!   re-wraps the data keys; no field needs re-encrypting.
//! * **Blind indexes**: HMAC-SHA-256 of a normalised search token under a
//!   separate index key, so names can be found without storing them in clear.
//! * **Passwords**: Argon2id. **Tokens**: 256 random bits, stored only as SHA-256.
//! * **Second factor** ([`totp`]): RFC 6238 one-time codes (SHA-1, 30 s,
//!   6 digits, for authenticator apps) and one-time recovery codes.
//! * **Handover** ([`handover`]): deployment identities (Ed25519 + X25519),
//!   messages signed then sealed with HPKE (RFC 9180) between deployments.

pub mod handover;
mod keyfile;
mod keyring;
mod secrets;
pub mod totp;

pub use keyfile::{AuditKey, KeyFile, MasterKey};
pub use keyring::{
    Blinder, FieldRef, KeyPurpose, KeyRing, Sealed, WrappedDataKey, new_wrapped_key, rewrap,
};
pub use secrets::{
    hash_password, new_token, random_bytes, same_secret, sha256, token_hash, verify_password,
};

use thiserror::Error;

#[derive(Debug, Error)]
pub enum CryptoError {
    #[error("decryption failed for {0} (wrong key, or the ciphertext was moved or altered)")]
    Decrypt(String),
    #[error("unknown key id {0}")]
    UnknownKey(String),
    #[error("key file: {0}")]
    KeyFile(String),
    #[error("password hashing failed")]
    Password,
    /// Sealing failed: never stored as an empty or nonce-only value.
    #[error("encryption failed for {0}")]
    Encrypt(String),
}
