//! Cross-border handover between deployments (issue 12): this deployment's
//! handover identity. The private keys live in `handover.key` in the data
//! folder (mode 0600, created on first use, refused when group or world
//! readable), apart from the key file that holds the master key.

use std::path::{Path, PathBuf};

use safepath_crypto::handover::{DeploymentIdentity, HandoverError};
use serde::Serialize;

use crate::{AppError, ErrorKind};

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
