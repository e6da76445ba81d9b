//! Data keys in memory, field sealing and blind indexes.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::collections::HashMap;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::keyfile::{KeyFile, MasterKey};
use crate::secrets::random_bytes;

/// What a data key is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyPurpose {
    /// Encrypts fields.
    Field,
    /// Keys the blind indexes.
    Index,
}

impl KeyPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyPurpose::Field => "field",
            KeyPurpose::Index => "index",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "field" => Some(KeyPurpose::Field),
            "index" => Some(KeyPurpose::Index),
            _ => None,
        }
    }
}

/// A data key as the database stores it: encrypted under a master key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedDataKey {
    pub id: String,
    pub purpose: KeyPurpose,
    pub master_key_id: String,
    /// nonce (24 bytes) ‖ ciphertext.
    pub wrapped: Vec<u8>,
}

/// Where a sealed value lives; bound into the ciphertext as associated data.
#[derive(Debug, Clone, Copy)]
pub struct FieldRef<'a> {
    pub table: &'a str,
    pub column: &'a str,
    pub record_id: &'a str,
}

/// An encrypted field value. Distinct from plaintext by type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    pub key_id: String,
    /// nonce (24 bytes) ‖ ciphertext ‖ tag.
    pub bytes: Vec<u8>,
}

/// The prefix of [`Sealed::to_text`].
const TEXT_PREFIX: &str = "sealed:v1:";

impl Sealed {
    /// A text form, `sealed:v1:<key id>:<base64>`, for a text column that
    /// holds a whole sealed record.
    pub fn to_text(&self) -> String {
        use base64::Engine as _;
        format!(
            "{TEXT_PREFIX}{}:{}",
            self.key_id,
            base64::engine::general_purpose::STANDARD.encode(&self.bytes)
        )
    }

    /// Reads [`Sealed::to_text`]'s form back; `None` when it is not one.
    pub fn from_text(text: &str) -> Option<Sealed> {
        use base64::Engine as _;
        let (key_id, data) = text.strip_prefix(TEXT_PREFIX)?.split_once(':')?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(data)
            .ok()?;
        Some(Sealed {
            key_id: key_id.to_owned(),
            bytes,
        })
    }
}

fn seal_raw(
    key: &[u8; 32],
    aad: &[u8],
    plaintext: &[u8],
    what: &str,
) -> Result<Vec<u8>, CryptoError> {
    let cipher = XChaCha20Poly1305::new(key.into());
    let nonce_bytes = random_bytes::<24>();
    let nonce = XNonce::from_slice(&nonce_bytes);
    // A failure is an error, never an empty ciphertext that would be stored
    // as if it were the value.
    let ct = cipher
        .encrypt(
            nonce,
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| CryptoError::Encrypt(what.to_owned()))?;
    let mut out = Vec::with_capacity(24 + ct.len());
    out.extend_from_slice(&nonce_bytes);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn open_raw(
    key: &[u8; 32],
    aad: &[u8],
    bytes: &[u8],
    what: &str,
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if bytes.len() < 24 + 16 {
        return Err(CryptoError::Decrypt(what.to_owned()));
    }
    let cipher = XChaCha20Poly1305::new(key.into());
    let (nonce, ct) = bytes.split_at(24);
    cipher
        .decrypt(XNonce::from_slice(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Decrypt(what.to_owned()))
}

fn wrap_aad(id: &str, purpose: KeyPurpose) -> Vec<u8> {
    format!("safepath-data-key\0{id}\0{}", purpose.as_str()).into_bytes()
}

fn field_aad(f: FieldRef<'_>, key_id: &str) -> Vec<u8> {
    format!(
        "safepath-field\0{}\0{}\0{}\0{}",
        f.table, f.column, f.record_id, key_id
    )
    .into_bytes()
}

/// Creates a new random data key, wrapped under `master`.
pub fn new_wrapped_key(
    master: &MasterKey,
    purpose: KeyPurpose,
) -> Result<WrappedDataKey, CryptoError> {
    let id = format!("dk-{}", hex::encode(random_bytes::<8>()));
    let key = Zeroizing::new(random_bytes::<32>());
    let wrapped = seal_raw(
        &master.key,
        &wrap_aad(&id, purpose),
        key.as_slice(),
        &format!("data key {id}"),
    )?;
    Ok(WrappedDataKey {
        id,
        purpose,
        master_key_id: master.id.clone(),
        wrapped,
    })
}

/// Re-wraps a data key under another master key (key rotation).
pub fn rewrap(
    key: &WrappedDataKey,
    from: &MasterKey,
    to: &MasterKey,
) -> Result<WrappedDataKey, CryptoError> {
    let aad = wrap_aad(&key.id, key.purpose);
    let plain = open_raw(
        &from.key,
        &aad,
        &key.wrapped,
        &format!("data key {}", key.id),
    )?;
    Ok(WrappedDataKey {
        id: key.id.clone(),
        purpose: key.purpose,
        master_key_id: to.id.clone(),
        wrapped: seal_raw(&to.key, &aad, &plain, &format!("data key {}", key.id))?,
    })
}

/// The unwrapped data keys, held in memory for the life of the process.
pub struct KeyRing {
    keys: HashMap<String, Zeroizing<[u8; 32]>>,
    active_field: String,
    index: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyRing")
            .field("keys", &self.keys.len())
            .field("active_field", &self.active_field)
            .finish_non_exhaustive()
    }
}

impl KeyRing {
    /// Unwraps the stored keys. The newest field key is used for new writes;
    /// older ones still decrypt what they sealed.
    pub fn unlock(file: &KeyFile, stored: &[WrappedDataKey]) -> Result<Self, CryptoError> {
        let mut keys = HashMap::new();
        let mut active_field = None;
        let mut index = None;
        for k in stored {
            let master = file.master(&k.master_key_id)?;
            let plain = open_raw(
                &master.key,
                &wrap_aad(&k.id, k.purpose),
                &k.wrapped,
                &format!("data key {} (is this the right key file?)", k.id),
            )?;
            let arr: [u8; 32] = plain
                .as_slice()
                .try_into()
                .map_err(|_| CryptoError::Decrypt(format!("data key {}", k.id)))?;
            match k.purpose {
                KeyPurpose::Field => active_field = Some(k.id.clone()),
                KeyPurpose::Index => index = Some(Zeroizing::new(arr)),
            }
            keys.insert(k.id.clone(), Zeroizing::new(arr));
        }
        Ok(Self {
            keys,
            active_field: active_field
                .ok_or_else(|| CryptoError::KeyFile("the database has no field key".into()))?,
            index: index
                .ok_or_else(|| CryptoError::KeyFile("the database has no index key".into()))?,
        })
    }

    pub fn seal(&self, field: FieldRef<'_>, plaintext: &[u8]) -> Result<Sealed, CryptoError> {
        let key = self
            .keys
            .get(&self.active_field)
            .ok_or_else(|| CryptoError::UnknownKey(self.active_field.clone()))?;
        Ok(Sealed {
            key_id: self.active_field.clone(),
            bytes: seal_raw(
                key,
                &field_aad(field, &self.active_field),
                plaintext,
                &format!("{}.{}", field.table, field.column),
            )?,
        })
    }

    pub fn open(
        &self,
        field: FieldRef<'_>,
        sealed: &Sealed,
    ) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
        let key = self
            .keys
            .get(&sealed.key_id)
            .ok_or_else(|| CryptoError::UnknownKey(sealed.key_id.clone()))?;
        open_raw(
            key,
            &field_aad(field, &sealed.key_id),
            &sealed.bytes,
            &format!("{}.{}", field.table, field.column),
        )
    }

    pub fn open_string(&self, field: FieldRef<'_>, sealed: &Sealed) -> Result<String, CryptoError> {
        let bytes = self.open(field, sealed)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| {
            CryptoError::Decrypt(format!("{}.{} (not UTF-8)", field.table, field.column))
        })
    }

    /// A keyed hash for one purpose under the index key, to blind many
    /// values away from the key ring (on another thread): 64-bit blinded
    /// values for an index whose collisions only cost a comparison.
    pub fn blinder(&self, purpose: &str) -> Result<Blinder, CryptoError> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.index.as_slice())
            .map_err(|_| CryptoError::Encrypt(format!("blinder {purpose}")))?;
        // Apart from every blind index, whatever its purpose.
        mac.update(b"blinder\0");
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        Ok(Blinder(mac))
    }

    /// The blind index of one normalised token, for one purpose (e.g. "person-name").
    pub fn blind_index(&self, purpose: &str, token: &str) -> Result<Vec<u8>, CryptoError> {
        // An empty index would match every other empty one: a failure is an
        // error, never a default.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.index.as_slice())
            .map_err(|_| CryptoError::Encrypt(format!("blind index {purpose}")))?;
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(token.as_bytes());
        Ok(mac.finalize().into_bytes().to_vec())
    }
}

/// The index key's keyed hash for one purpose ([`KeyRing::blinder`]): the
/// MAC state after the key and the purpose, cloned for each value.
#[derive(Clone)]
pub struct Blinder(Hmac<Sha256>);

impl std::fmt::Debug for Blinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Blinder")
    }
}

impl Blinder {
    /// The blinded value of `token`: the first 8 bytes of its keyed hash.
    pub fn blind64(&self, token: &[u8]) -> i64 {
        let mut mac = self.0.clone();
        mac.update(token);
        let out = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&out[..8]);
        i64::from_le_bytes(first)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring() -> (KeyFile, Vec<WrappedDataKey>, KeyRing) {
        let file = KeyFile::generate();
        let master = file.active().unwrap();
        let stored = vec![
            new_wrapped_key(master, KeyPurpose::Field).unwrap(),
            new_wrapped_key(master, KeyPurpose::Index).unwrap(),
        ];
        let ring = KeyRing::unlock(&file, &stored).unwrap();
        (file, stored, ring)
    }

    const F: FieldRef<'static> = FieldRef {
        table: "persons",
        column: "names",
        record_id: "r1",
    };

    #[test]
    fn the_text_form_round_trips_and_refuses_anything_else() {
        let (_, _, ring) = ring();
        let s = ring.seal(F, b"Aye Aye Win").unwrap();
        let text = s.to_text();
        assert!(text.starts_with("sealed:v1:dk-") && !text.contains("Aye"));
        assert_eq!(Sealed::from_text(&text), Some(s.clone()));
        assert_eq!(Sealed::from_text("{\"purpose\":\"tracing\"}"), None);
        assert_eq!(Sealed::from_text("sealed:v1:dk-1:not base64!"), None);
        assert_eq!(Sealed::from_text("sealed:v1:no-colon"), None);
    }

    #[test]
    fn seal_and_open_round_trip() {
        let (_, _, ring) = ring();
        let s = ring.seal(F, "Aye Aye Win".as_bytes()).unwrap();
        assert!(!s.bytes.windows(3).any(|w| w == b"Aye"));
        assert_eq!(ring.open_string(F, &s).unwrap(), "Aye Aye Win");
    }

    #[test]
    fn a_ciphertext_moved_to_another_row_or_column_fails() {
        let (_, _, ring) = ring();
        let s = ring.seal(F, b"secret").unwrap();
        assert!(
            ring.open(
                FieldRef {
                    record_id: "r2",
                    ..F
                },
                &s
            )
            .is_err()
        );
        assert!(
            ring.open(
                FieldRef {
                    column: "contact",
                    ..F
                },
                &s
            )
            .is_err()
        );
        assert!(
            ring.open(
                FieldRef {
                    table: "cases",
                    ..F
                },
                &s
            )
            .is_err()
        );
        let mut tampered = s.clone();
        let last = tampered.bytes.len() - 1;
        tampered.bytes[last] ^= 1;
        assert!(ring.open(F, &tampered).is_err());
    }

    #[test]
    fn a_foreign_master_key_cannot_unlock_the_data_keys() {
        let (mut file, stored, _) = ring();
        file.master_keys = vec![KeyFile::new_master_key()];
        assert!(KeyRing::unlock(&file, &stored).is_err());
    }

    #[test]
    fn rewrap_moves_keys_to_a_new_master() {
        let (mut file, stored, ring) = ring();
        let sealed = ring.seal(F, b"kept").unwrap();
        let new = KeyFile::new_master_key();
        let rewrapped: Vec<_> = stored
            .iter()
            .map(|k| rewrap(k, file.active().unwrap(), &new).unwrap())
            .collect();
        file.master_keys = vec![new];
        let ring2 = KeyRing::unlock(&file, &rewrapped).unwrap();
        assert_eq!(ring2.open(F, &sealed).unwrap().as_slice(), b"kept");
        assert_eq!(
            ring.blind_index("n", "aye").unwrap(),
            ring2.blind_index("n", "aye").unwrap()
        );
    }

    #[test]
    fn blinders_are_keyed_and_separated_by_purpose() {
        let (_, _, a) = ring();
        let (_, _, b) = ring();
        let x = a.blinder("match-key").unwrap();
        assert_eq!(
            x.blind64(b"win"),
            a.blinder("match-key").unwrap().blind64(b"win")
        );
        assert_ne!(x.blind64(b"win"), x.blind64(b"wim"));
        assert_ne!(
            x.blind64(b"win"),
            a.blinder("match-term").unwrap().blind64(b"win")
        );
        assert_ne!(
            x.blind64(b"win"),
            b.blinder("match-key").unwrap().blind64(b"win")
        );
        // Not the blind index's bytes under another name.
        let bi = a.blind_index("match-key", "win").unwrap();
        assert_ne!(x.blind64(b"win").to_le_bytes().to_vec(), bi[..8].to_vec());
    }

    #[test]
    fn blind_indexes_are_keyed_and_separated_by_purpose() {
        let (_, _, a) = ring();
        let (_, _, b) = ring();
        assert_eq!(
            a.blind_index("name", "win").unwrap(),
            a.blind_index("name", "win").unwrap()
        );
        assert_ne!(
            a.blind_index("name", "win").unwrap(),
            a.blind_index("other", "win").unwrap()
        );
        assert_ne!(
            a.blind_index("name", "win").unwrap(),
            b.blind_index("name", "win").unwrap()
        );
    }
}
