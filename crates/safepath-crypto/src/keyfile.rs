//! The key file: master keys and the audit signing key, kept outside the database.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use std::fs;
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::secrets::random_bytes;

const FORMAT: &str = "safepath-keyfile-v1";

#[derive(Serialize, Deserialize)]
struct KeyFileJson {
    format: String,
    master_keys: Vec<MasterKeyJson>,
    /// Only in key files written before the audit key moved to a file of its
    /// own (whoever could read the data could then forge checkpoints).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit_signing_key: Option<String>,
}

const AUDIT_FORMAT: &str = "safepath-audit-key-v1";

#[derive(Serialize, Deserialize)]
struct AuditKeyJson {
    format: String,
    signing_key: String,
}

#[derive(Serialize, Deserialize)]
struct MasterKeyJson {
    id: String,
    key: String,
}

/// One master key: wraps data keys, never touches personal data directly.
pub struct MasterKey {
    pub id: String,
    pub key: Zeroizing<[u8; 32]>,
}

/// The contents of the key file. The last master key is the active one; older
/// ones stay only while a rotation is in progress.
pub struct KeyFile {
    pub master_keys: Vec<MasterKey>,
    /// A legacy key file's audit signing key, to be moved into an
    /// [`AuditKey`] file; new key files never hold one.
    pub audit_signing_key: Option<Zeroizing<[u8; 32]>>,
}

/// The audit checkpoint signing key (ed25519 seed), in a file of its own,
/// apart from the data keys: reading the data does not let anyone forge
/// checkpoints. Mode 0600; refused when others can read it.
pub struct AuditKey {
    pub signing_key: Zeroizing<[u8; 32]>,
}

impl AuditKey {
    pub fn generate() -> Self {
        Self {
            signing_key: Zeroizing::new(random_bytes::<32>()),
        }
    }

    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        refuse_shared(path)?;
        let text =
            Zeroizing::new(fs::read_to_string(path).map_err(|e| {
                CryptoError::KeyFile(format!("cannot read {}: {e}", path.display()))
            })?);
        let json: AuditKeyJson = serde_json::from_str(&text).map_err(|_| {
            CryptoError::KeyFile(format!(
                "{} is not a SafePath audit key file",
                path.display()
            ))
        })?;
        if json.format != AUDIT_FORMAT {
            return Err(CryptoError::KeyFile(format!(
                "unsupported audit key file format {:?}",
                json.format
            )));
        }
        Ok(Self {
            signing_key: decode32("audit signing key", &json.signing_key)?,
        })
    }

    /// Writes atomically with mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
        let json = AuditKeyJson {
            format: AUDIT_FORMAT.into(),
            signing_key: STANDARD.encode(*self.signing_key),
        };
        let text = Zeroizing::new(
            serde_json::to_string_pretty(&json).map_err(|e| CryptoError::KeyFile(e.to_string()))?,
        );
        write_private(path, text.as_bytes())
    }
}

fn decode32(what: &str, s: &str) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    let bytes = Zeroizing::new(
        STANDARD
            .decode(s)
            .map_err(|_| CryptoError::KeyFile(format!("{what} is not base64")))?,
    );
    let arr: [u8; 32] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| CryptoError::KeyFile(format!("{what} must be 32 bytes")))?;
    Ok(Zeroizing::new(arr))
}

impl KeyFile {
    pub fn generate() -> Self {
        Self {
            master_keys: vec![Self::new_master_key()],
            audit_signing_key: None,
        }
    }

    pub fn new_master_key() -> MasterKey {
        MasterKey {
            id: format!("mk-{}", hex::encode(random_bytes::<6>())),
            key: Zeroizing::new(random_bytes::<32>()),
        }
    }

    pub fn active(&self) -> Result<&MasterKey, CryptoError> {
        self.master_keys
            .last()
            .ok_or_else(|| CryptoError::KeyFile("no master key".into()))
    }

    pub fn master(&self, id: &str) -> Result<&MasterKey, CryptoError> {
        self.master_keys
            .iter()
            .find(|k| k.id == id)
            .ok_or_else(|| CryptoError::UnknownKey(id.to_owned()))
    }

    pub fn load(path: &Path) -> Result<Self, CryptoError> {
        refuse_shared(path)?;
        let text =
            Zeroizing::new(fs::read_to_string(path).map_err(|e| {
                CryptoError::KeyFile(format!("cannot read {}: {e}", path.display()))
            })?);
        let json: KeyFileJson = serde_json::from_str(&text).map_err(|e| {
            CryptoError::KeyFile(format!(
                "{} is not a SafePath key file: {e}",
                path.display()
            ))
        })?;
        if json.format != FORMAT {
            return Err(CryptoError::KeyFile(format!(
                "unsupported key file format {:?}",
                json.format
            )));
        }
        let master_keys = json
            .master_keys
            .iter()
            .map(|k| {
                Ok(MasterKey {
                    id: k.id.clone(),
                    key: decode32("master key", &k.key)?,
                })
            })
            .collect::<Result<Vec<_>, CryptoError>>()?;
        if master_keys.is_empty() {
            return Err(CryptoError::KeyFile("no master key".into()));
        }
        Ok(Self {
            master_keys,
            audit_signing_key: json
                .audit_signing_key
                .as_deref()
                .map(|k| decode32("audit signing key", k))
                .transpose()?,
        })
    }

    /// Writes atomically (temporary file, fsync, rename) with mode 0600.
    pub fn save(&self, path: &Path) -> Result<(), CryptoError> {
        let json = KeyFileJson {
            format: FORMAT.into(),
            master_keys: self
                .master_keys
                .iter()
                .map(|k| MasterKeyJson {
                    id: k.id.clone(),
                    key: STANDARD.encode(*k.key),
                })
                .collect(),
            audit_signing_key: self
                .audit_signing_key
                .as_ref()
                .map(|k| STANDARD.encode(**k)),
        };
        let text = Zeroizing::new(
            serde_json::to_string_pretty(&json).map_err(|e| CryptoError::KeyFile(e.to_string()))?,
        );
        write_private(path, text.as_bytes())
    }
}

/// Writes a private file atomically (temporary file, fsync, rename, fsync of
/// the folder) with mode 0600.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CryptoError> {
    let tmp = path.with_extension("key.tmp");
    let err =
        |e: std::io::Error| CryptoError::KeyFile(format!("cannot write {}: {e}", path.display()));
    {
        let mut opts = fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&tmp).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        f.sync_all().map_err(err)?;
    }
    fs::rename(&tmp, path).map_err(err)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(err)?;
    }
    Ok(())
}

/// A key file that others on the machine can read is refused: whoever reads
/// it reads every sealed field.
#[cfg(unix)]
fn refuse_shared(path: &Path) -> Result<(), CryptoError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|e| CryptoError::KeyFile(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(CryptoError::KeyFile(format!(
            "{} can be read by other users (mode {:o}); run `chmod 600` on it",
            path.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn refuse_shared(_path: &Path) -> Result<(), CryptoError> {
    Ok(())
}

#[cfg(test)]
mod permission_tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn a_key_file_readable_by_others_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("sp-keyfile-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("safepath.key");
        KeyFile::generate().save(&path).unwrap();
        assert!(KeyFile::load(&path).is_ok());
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = KeyFile::load(&path).err().unwrap().to_string();
        assert!(err.contains("chmod 600"), "{err}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        assert!(KeyFile::load(&path).is_err());
        fs::remove_dir_all(&dir).unwrap();
    }
}
