//! `safepath handover …`: the cross-border handover between deployments.
//!
//! `safepath handover identity --data-dir DIR [--json]` prints this
//! deployment's public handover keys and fingerprint (the contract of issue
//! 12). With `--json`, exactly `{"signing_key", "encryption_key",
//! "fingerprint"}`: the keys in standard base64 (32 bytes each: Ed25519 for
//! signatures, X25519 for HPKE encryption), the fingerprint in lower-case hex
//! (SHA-256 of the signing key's bytes followed by the encryption key's). The
//! private keys are created on first use in `DIR/handover.key` (mode 0600).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use safepath_app::handover::{IdentityView, deployment_identity, key_path};

#[derive(Subcommand)]
pub enum HandoverCommand {
    /// Print this deployment's public handover keys and fingerprint (creates the keys on first use).
    Identity {
        /// Folder holding the data; the private keys are in its `handover.key`.
        #[arg(long, env = "SAFEPATH_DATA_DIR", default_value = "safepath-data")]
        data_dir: PathBuf,
        /// Print `{"signing_key", "encryption_key", "fingerprint"}` as JSON.
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: HandoverCommand) -> Result<ExitCode, String> {
    match cmd {
        HandoverCommand::Identity { data_dir, json } => {
            let (id, created) = deployment_identity(&data_dir).map_err(|e| e.to_string())?;
            let view = IdentityView::of(&id);
            if created {
                eprintln!(
                    "Created this deployment's handover keys in {}.",
                    key_path(&data_dir).display()
                );
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&view).map_err(|e| e.to_string())?
                );
            } else {
                println!(
                    "This deployment's handover identity. Give both keys to your partner\n\
                     and compare the fingerprint on a call before either side registers the other.\n\n\
                     fingerprint:     {}\n\
                     signing key:     {}  (Ed25519, base64)\n\
                     encryption key:  {}  (X25519 for HPKE, base64)",
                    id.fingerprint().grouped(),
                    view.signing_key,
                    view.encryption_key
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
