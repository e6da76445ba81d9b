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
use safepath_app::admin::Operator;
use safepath_app::handover::{IdentityView, deployment_identity, key_path};

use crate::DataArgs;

#[derive(Subcommand)]
pub(crate) enum HandoverCommand {
    /// Print this deployment's public handover keys and fingerprint (creates the keys on first use).
    Identity {
        /// Folder holding the data; the private keys are in its `handover.key`.
        #[arg(long, env = "SAFEPATH_DATA_DIR", default_value = "safepath-data")]
        data_dir: PathBuf,
        /// Print `{"signing_key", "encryption_key", "fingerprint"}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Register a partner deployment by its public keys and the fingerprint you compared with its focal point.
    #[command(subcommand)]
    Partner(PartnerCommand),
    /// Write the messages waiting for a partner as files to carry by other means (marks them sent).
    Export {
        #[command(flatten)]
        data: DataArgs,
        /// The partner's fingerprint (hex; spaces allowed).
        #[arg(long)]
        partner: String,
        /// Folder for the files (created if missing; existing files are never overwritten).
        #[arg(long)]
        out: PathBuf,
    },
    /// Take in a sealed handover message received as a file (for partners reached without a server).
    Import {
        #[command(flatten)]
        data: DataArgs,
        /// The sealed message (an envelope as `POST /api/v1/handover/inbox` takes it).
        file: PathBuf,
    },
}

#[derive(Subcommand)]
pub(crate) enum PartnerCommand {
    /// Register a partner; refused unless --fingerprint matches the keys.
    Add {
        #[command(flatten)]
        data: DataArgs,
        /// The partner organisation's name.
        #[arg(long)]
        name: String,
        /// Its Ed25519 signing key (base64, from its `safepath handover identity`).
        #[arg(long)]
        signing_key: String,
        /// Its X25519 encryption key (base64).
        #[arg(long)]
        encryption_key: String,
        /// The fingerprint read out by the partner's focal point (hex; spaces allowed).
        #[arg(long)]
        fingerprint: String,
        /// Its inbox, e.g. https://partner.example/api/v1/handover/inbox.
        #[arg(long)]
        inbox_url: Option<String>,
        /// The organisation of this deployment's directory the partner stands
        /// for (id or exact name): the recipient its consents name.
        #[arg(long)]
        org: Option<String>,
    },
    /// Register an organisation of this deployment as the receiving partner in the country of
    /// origin: a handover to it stays on this deployment (nothing is sent).
    AddLocal {
        #[command(flatten)]
        data: DataArgs,
        /// The name the handover pages show.
        #[arg(long)]
        name: String,
        /// The organisation (id or exact name) whose staff act for the origin.
        #[arg(long)]
        org: String,
    },
}

pub(crate) async fn run(cmd: HandoverCommand) -> Result<ExitCode, String> {
    match cmd {
        HandoverCommand::Partner(PartnerCommand::Add {
            data,
            name,
            signing_key,
            encryption_key,
            fingerprint,
            inbox_url,
            org,
        }) => {
            let app = data.open(false).await?;
            let p = app
                .register_handover_partner(
                    Operator::Cli("handover-partner-add"),
                    &name,
                    &signing_key,
                    &encryption_key,
                    &fingerprint,
                    inbox_url.as_deref(),
                    org.as_deref(),
                )
                .await
                .map_err(|e| e.to_string())?;
            app.shutdown().await;
            println!("Registered partner {} ({}).", p.name, p.fingerprint);
            Ok(ExitCode::SUCCESS)
        }
        HandoverCommand::Partner(PartnerCommand::AddLocal { data, name, org }) => {
            let app = data.open(false).await?;
            let p = app
                .register_local_handover_partner(
                    Operator::Cli("handover-partner-add-local"),
                    &name,
                    &org,
                )
                .await
                .map_err(|e| e.to_string());
            app.shutdown().await;
            let p = p?;
            println!(
                "Registered {} on this deployment ({}): handovers to it stay here.",
                p.name, p.fingerprint
            );
            Ok(ExitCode::SUCCESS)
        }
        HandoverCommand::Export { data, partner, out } => {
            let app = data.open(false).await?;
            let result = export(&app, &partner, &out).await;
            app.shutdown().await;
            let n = result?;
            println!(
                "Wrote {n} sealed message(s) to {}. Carry them to the partner, who runs\n\
                 `safepath handover import FILE` on each, in name order.",
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        HandoverCommand::Import { data, file } => {
            let bytes =
                std::fs::read(&file).map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let app = data.open(false).await?;
            let me = app.handover_identity().map_err(|e| e.to_string())?;
            let receipt = app.receive_handover_message(&me, &bytes).await;
            app.shutdown().await;
            let receipt = receipt.map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string(&receipt).map_err(|e| e.to_string())?
            );
            Ok(ExitCode::SUCCESS)
        }
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

/// Writes each waiting message for `partner` to `out` (0600, never over an
/// existing file), then marks them sent; a failure before the marking leaves
/// them in the outbox (and the partner refuses a duplicate).
async fn export(
    app: &safepath_app::App,
    partner: &str,
    out: &std::path::Path,
) -> Result<usize, String> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let messages = app
        .handover_outbox_for_export(Operator::Cli("handover-export"), partner)
        .await
        .map_err(|e| e.to_string())?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    for m in &messages {
        let path = out.join(&m.file_name);
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        f.write_all(m.envelope.as_bytes())
            .and_then(|()| f.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    app.mark_handover_exported(Operator::Cli("handover-export"), &messages)
        .await
        .map_err(|e| e.to_string())?;
    Ok(messages.len())
}
