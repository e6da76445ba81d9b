//! `safepath`: the one binary. `safepath --help` lists every command.

use clap::{Args, Parser, Subcommand};
use safepath_app::admin::{AuditVerdict, Operator};
use safepath_app::{App, OpenConfig, SystemClock};
use std::io::{BufRead, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

mod handover;

/// mimalloc: about twice as fast as the system allocator on the record-linkage
/// workloads of `safepath match` (many small strings), see bench/match.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages off for this process (issue 9: idle memory). Where
/// the system turns them on for everything (`always`, as on Debian's cloud
/// images), each region the allocator touches becomes resident 2 MiB at a
/// time: an idle server held 36 MiB instead of 24 (D16). The server's working
/// set is small and scattered, so the larger pages bought nothing measurable.
///
/// The allocator maps its first region before `main` runs, so that region
/// was resident in huge pages all the same (4 MiB of an idle server's 32,
/// D17). The setting survives `execve`: the first time, the server turns it
/// off and starts itself again as the same process (same id, arguments and
/// environment), whose every allocation then uses small pages.
fn small_pages() {
    #[cfg(target_os = "linux")]
    {
        use rustix::thread::{disable_transparent_huge_pages, transparent_huge_pages_are_disabled};
        if transparent_huge_pages_are_disabled().unwrap_or(true) {
            return;
        }
        if let Err(e) = disable_transparent_huge_pages(true) {
            eprintln!("could not turn transparent huge pages off: {e}");
            return;
        }
        let mut args = std::env::args_os();
        if let (Ok(exe), Some(arg0)) = (std::env::current_exe(), args.next()) {
            use std::os::unix::process::CommandExt;
            // Returns only when the new image could not be started: this one
            // then goes on, with huge pages off from here.
            let e = std::process::Command::new(exe).arg0(arg0).args(args).exec();
            eprintln!("could not start again with small pages: {e}");
        }
    }
}

#[derive(Parser)]
#[command(
    name = "safepath",
    version,
    about = "Victim-centred case management and referral for the protection of victims of trafficking."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the demo: an embedded database with synthetic data, on 127.0.0.1:8080.
    Demo(DemoArgs),
    /// Serve the web interface and the JSON API.
    Serve(ServeArgs),
    /// Create or upgrade the database schema (also done at every start).
    Migrate(DataArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Take a consistent online copy of the SQLite database.
    Backup {
        #[command(flatten)]
        data: DataArgs,
        /// The file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
    /// Bring back a backup into the data folder (stop the server first).
    Restore {
        #[command(flatten)]
        data: DataArgs,
        /// The backup file written by `safepath backup`.
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Key management.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Evaluate one screening document (JSON, see SCREENING.md); `-` reads standard input.
    Screen {
        /// A JSON file, or `-` for standard input.
        file: String,
    },
    /// Record linkage: duplicates and family tracing on CSV files.
    #[command(subcommand, name = "match")]
    Match(MatchCommand),
    /// Cross-border handover between SafePath deployments.
    #[command(subcommand)]
    Handover(handover::HandoverCommand),
}

#[derive(Args, Clone)]
struct DataArgs {
    /// Folder holding the embedded database and the key file.
    #[arg(long, env = "SAFEPATH_DATA_DIR", default_value = "safepath-data")]
    data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…` (default: the SQLite file in the data folder).
    #[arg(long, env = "SAFEPATH_DATABASE_URL")]
    database_url: Option<String>,
    /// The key file holding the master key (default: `safepath.key` in the data folder).
    #[arg(long, env = "SAFEPATH_KEY_FILE")]
    key_file: Option<PathBuf>,
    /// The audit checkpoint signing key, apart from the data keys (default:
    /// `audit.key` beside the key file). Keep a copy where the data is not.
    #[arg(long, env = "SAFEPATH_AUDIT_KEY_FILE")]
    audit_key_file: Option<PathBuf>,
}

#[derive(Args)]
struct DemoArgs {
    /// Folder for the demo's database and key file.
    #[arg(long, default_value = "safepath-demo")]
    data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Allow a non-loopback address although the demo accounts have a known password.
    #[arg(long)]
    allow_remote: bool,
    /// How many synthetic cases to seed into an empty database.
    #[arg(long, default_value_t = 240)]
    cases: usize,
    #[command(flatten)]
    work: WorkArgs,
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    data: DataArgs,
    #[arg(long, env = "SAFEPATH_ADDR", default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    #[command(flatten)]
    work: WorkArgs,
}

/// Case-work settings of a running server.
#[derive(Args, Clone)]
struct WorkArgs {
    /// Months between periodic case reviews.
    #[arg(long, env = "SAFEPATH_REVIEW_MONTHS", default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=24))]
    review_months: u8,
    /// An SMTP relay for notifications by e-mail, e.g. smtp://127.0.0.1:25.
    #[arg(long, env = "SAFEPATH_SMTP_URL")]
    smtp_url: Option<String>,
    /// The sender address of notification e-mails.
    #[arg(long, env = "SAFEPATH_MAIL_FROM", default_value = "safepath@localhost")]
    mail_from: String,
    /// Shelter stays longer than this many days are flagged as possible detention.
    #[arg(long, env = "SAFEPATH_MAX_STAY_DAYS", default_value_t = safepath_app::directory::DEFAULT_MAX_STAY_DAYS)]
    max_stay_days: u32,
    /// The largest document a case may hold, in MiB (files are refused
    /// beyond it, by content, before anything is written).
    #[arg(long, env = "SAFEPATH_DOCUMENT_MAX_MIB", default_value_t = 20)]
    document_max_mib: u64,
    // --- de-duplication run ---
    /// Hours between de-duplication runs over the whole database (0: never).
    #[arg(long, env = "SAFEPATH_DEDUPE_EVERY_HOURS", default_value_t = 24)]
    dedupe_every_hours: u32,
    /// No longer used: search before create's index is kept in the database,
    /// not in memory (docs/decisions.md D17). Accepted, with a warning, so
    /// that a configuration that sets it still starts.
    #[arg(long, env = "SAFEPATH_DUPLICATE_INDEX_IDLE_MINUTES", hide = true)]
    duplicate_index_idle_minutes: Option<u32>,
    /// Bring search before create's index (kept in the database) up to date
    /// when the server starts (true), or when the first check asks for it
    /// (false: the first check after many writes, or the very first, waits
    /// while the persons written since are opened and indexed).
    #[arg(long, env = "SAFEPATH_DUPLICATE_INDEX_AT_START", default_value_t = true, action = clap::ArgAction::Set)]
    duplicate_index_at_start: bool,
    // --- rights and justice ---
    /// Days before a permit expires at which the case manager is told (comma-separated).
    #[arg(long, env = "SAFEPATH_PERMIT_ALERT_DAYS", value_delimiter = ',', default_values_t = [30, 14, 7])]
    permit_alert_days: Vec<u32>,
    /// Victim fatigue: the longest acceptable wait between two appearances, in days.
    #[arg(long, env = "SAFEPATH_FATIGUE_MAX_GAP_DAYS", default_value_t = 120)]
    fatigue_max_gap_days: i64,
    /// Victim fatigue: the most appearances before a warning.
    #[arg(long, env = "SAFEPATH_FATIGUE_MAX_APPEARANCES", default_value_t = 4)]
    fatigue_max_appearances: usize,
    /// Victim fatigue: the longest acceptable duration of proceedings, in days.
    #[arg(
        long,
        env = "SAFEPATH_FATIGUE_MAX_DURATION_DAYS",
        default_value_t = 730
    )]
    fatigue_max_duration_days: i64,
    /// Disbursements above this many minor units need a second coordinator:
    /// `1000000` (the default) for every currency, `THB=2000000` for one
    /// (comma-separated).
    #[arg(long, env = "SAFEPATH_FUND_APPROVAL_THRESHOLD", value_delimiter = ',')]
    fund_approval_threshold: Vec<String>,
    // --- sign-in ---
    /// Administrators and coordinators must turn on two-step sign-in (TOTP)
    /// before any other page; their API tokens work only for the enrolment
    /// until then.
    #[arg(long = "require-2fa", env = "SAFEPATH_REQUIRE_2FA")]
    require_2fa: bool,
    /// The reverse proxy in front is trusted: take the client's address from
    /// the last hop of X-Forwarded-For (only set this behind a proxy that
    /// adds it, else clients choose their own address).
    #[arg(long, env = "SAFEPATH_TRUSTED_PROXY")]
    trusted_proxy: bool,
    /// Failed sign-ins from one address (across usernames) before the
    /// address is refused for the window.
    #[arg(long, env = "SAFEPATH_ADDRESS_FAILURES", default_value_t = safepath_app::accounts::ADDRESS_FAILURES, value_parser = clap::value_parser!(i64).range(1..))]
    address_failures: i64,
    /// The window, in minutes, in which failures from one address are counted.
    #[arg(long, env = "SAFEPATH_ADDRESS_WINDOW_MINUTES", default_value_t = 15, value_parser = clap::value_parser!(i64).range(1..=1440))]
    address_window_minutes: i64,
}

/// The rights-and-justice settings from the options, checked by the domain.
fn justice_settings(w: &WorkArgs) -> Result<safepath_app::justice::JusticeSettings, String> {
    safepath_app::justice::JusticeSettings::from_options(
        w.permit_alert_days.clone(),
        (
            w.fatigue_max_gap_days,
            w.fatigue_max_appearances,
            w.fatigue_max_duration_days,
        ),
        &w.fund_approval_threshold,
    )
    .map_err(|e| e.message)
}

impl WorkArgs {
    fn apply(&self, app: &mut App) -> Result<(), String> {
        app.set_review_months(self.review_months);
        app.set_max_stay_days(self.max_stay_days)
            .map_err(|e| e.message)?;
        app.set_document_max_bytes(self.document_max_mib.saturating_mul(1024 * 1024))
            .map_err(|e| e.message)?;
        if let Some(url) = &self.smtp_url {
            let mailer =
                safepath_app::mail::Mailer::new(url, &self.mail_from).map_err(|e| e.message)?;
            app.set_mailer(mailer);
        }
        // --- de-duplication run ---
        app.set_dedupe_every_hours(self.dedupe_every_hours);
        if self.duplicate_index_idle_minutes.is_some() {
            tracing::warn!(
                "--duplicate-index-idle-minutes has no effect: search before create's index is kept in the database (docs/decisions.md D17)"
            );
        }
        app.set_justice_settings(justice_settings(self)?);
        app.set_sign_in_settings(safepath_app::accounts::SignInSettings {
            address_failures: self.address_failures,
            address_window_ms: self.address_window_minutes * 60 * 1000,
            require_two_factor: self.require_2fa,
            trusted_proxy: self.trusted_proxy,
        });
        Ok(())
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// Organisation id or exact name.
        #[arg(long)]
        org: String,
        /// administrator, coordinator, case_manager, first_responder, service_provider, analyst or partner.
        #[arg(long)]
        role: String,
    },
    /// Disable a user and end their sessions.
    Disable {
        #[command(flatten)]
        data: DataArgs,
        username: String,
    },
    /// Enable a disabled user.
    Enable {
        #[command(flatten)]
        data: DataArgs,
        username: String,
    },
    /// Set a new password (first line of standard input) and end the user's sessions.
    ResetPassword {
        #[command(flatten)]
        data: DataArgs,
        username: String,
    },
    /// Set (or with no --email, clear) the address notifications are e-mailed to.
    SetEmail {
        #[command(flatten)]
        data: DataArgs,
        username: String,
        #[arg(long)]
        email: Option<String>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add an organisation.
    Add {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        name: String,
        /// government, ngo or international_organisation.
        #[arg(long = "type")]
        org_type: String,
        /// ISO 3166-1 alpha-3 code, e.g. THA.
        #[arg(long)]
        country: String,
    },
    /// List organisations.
    List(DataArgs),
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Replace the master key and re-wrap every data key under it; with
    /// `--data-keys`, replace the field data key instead and re-encrypt every
    /// sealed value under the new one (resumable; stop the server first).
    Rotate(RotateArgs),
}

#[derive(Args)]
struct RotateArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Rotate the data key that seals fields (re-encrypting every value)
    /// instead of the master key. Run again after an interruption: it resumes.
    #[arg(long)]
    data_keys: bool,
    /// Rotate the index key that keys the blind indexes instead (rebuilding
    /// every name index from the sealed names). Unused two-step recovery
    /// codes are deleted and their holders notified. Run again after an
    /// interruption: it resumes.
    #[arg(long, conflicts_with = "data_keys")]
    index_key: bool,
    /// Values re-encrypted (or persons re-indexed) per transaction.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(i64).range(1..=100_000))]
    batch_size: i64,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain and signed checkpoints; exit 1 naming the first bad entry.
    /// With `--anchor HEAD` (from `audit anchor`), also prove the log still
    /// extends that signed head: nothing before it was cut or rewritten.
    Verify {
        #[command(flatten)]
        data: DataArgs,
        #[arg(long)]
        anchor: Option<String>,
    },
    /// Sign a checkpoint of the log as it is now and print it as one line
    /// (HEAD), for an operator to keep somewhere else (paper, another system).
    Anchor(DataArgs),
}

#[derive(Subcommand)]
enum MatchCommand {
    /// Link two files: writes left_id,right_id,probability and the explanation.
    Link {
        #[arg(long)]
        left: PathBuf,
        #[arg(long)]
        right: PathBuf,
        #[arg(long)]
        settings: PathBuf,
        #[arg(long)]
        output: PathBuf,
        /// Stop at the first value that cannot be read (by default it is counted,
        /// reported by line and column, and treated as missing).
        #[arg(long)]
        strict: bool,
    },
    /// Find duplicates in one file: writes id,cluster_id.
    Dedupe {
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        settings: PathBuf,
        #[arg(long)]
        output: PathBuf,
        /// Stop at the first value that cannot be read (by default it is counted,
        /// reported by line and column, and treated as missing).
        #[arg(long)]
        strict: bool,
    },
    /// Measure calibration on held-out labelled data: train on one file (without labels),
    /// score the candidate pairs of another and compare with its truth (id,entity_id):
    /// expected calibration error and a reliability table.
    Calibration {
        #[arg(long)]
        train: PathBuf,
        #[arg(long)]
        input: PathBuf,
        #[arg(long)]
        truth: PathBuf,
        #[arg(long)]
        settings: PathBuf,
        #[arg(long, default_value_t = 10)]
        bins: usize,
    },
    /// Generate synthetic person records with known duplicates (for benchmarks).
    Generate {
        #[arg(long)]
        records: usize,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        #[arg(long)]
        output: PathBuf,
        #[arg(long)]
        truth: PathBuf,
    },
}

impl DataArgs {
    fn config(&self, create_key_file: bool) -> Result<OpenConfig, String> {
        let url = match &self.database_url {
            Some(u) => u.clone(),
            None => {
                std::fs::create_dir_all(&self.data_dir)
                    .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))?;
                format!("sqlite://{}", self.data_dir.join("safepath.db").display())
            }
        };
        let key_file = self
            .key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("safepath.key"));
        if create_key_file
            && let Some(dir) = key_file.parent().filter(|d| !d.as_os_str().is_empty())
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        Ok(OpenConfig {
            database_url: url,
            key_file,
            create_key_file,
            audit_key_file: self.audit_key_file.clone(),
        })
    }

    /// An exclusive lock on the data folder, held by a server while it runs
    /// and by the data-key rotation, which must not run beside a server that
    /// would go on sealing with the key it loaded. Released when the process
    /// ends, however it ends.
    fn lock(&self) -> Result<std::fs::File, String> {
        std::fs::create_dir_all(&self.data_dir)
            .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))?;
        let path = self.data_dir.join("safepath.lock");
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        match file.try_lock() {
            Ok(()) => Ok(file),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "a SafePath server (or a key rotation) is using {}: stop it first",
                self.data_dir.display()
            )),
            Err(std::fs::TryLockError::Error(e)) => {
                Err(format!("cannot lock {}: {e}", path.display()))
            }
        }
    }

    async fn open(&self, create_key_file: bool) -> Result<App, String> {
        App::open(&self.config(create_key_file)?, Arc::new(SystemClock))
            .await
            .map_err(|e| e.message)
    }
}

fn read_password() -> Result<String, String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    Ok(line.trim_end_matches(['\n', '\r']).to_owned())
}

async fn serve(
    app: App,
    addr: SocketAddr,
    banner: Option<String>,
    duplicate_index_at_start: bool,
) -> Result<(), String> {
    if app
        .index_rotation_unfinished()
        .await
        .map_err(|e| e.message)?
    {
        return Err("an index-key rotation was interrupted: finish it with `safepath keys rotate --index-key` before serving (until then a name search would miss the persons not yet re-indexed)".into());
    }
    let app = Arc::new(app);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    if let Some(b) = banner {
        println!("{b}");
    }
    tracing::info!(%addr, "serving");
    let scheduler = tokio::spawn(scheduled_work(app.clone()));
    // Search before create's state is prepared now, in the background, not
    // by the first check of the day (unless the operator chose memory).
    if duplicate_index_at_start {
        let warm = app.clone();
        tokio::spawn(async move {
            if let Err(e) = warm.warm_duplicate_index().await {
                tracing::warn!(code = e.code, "search before create not prepared at start");
            }
        });
    }
    let router = safepath_web::router(app.clone());
    // The connection's address reaches the handlers (per-address sign-in
    // throttling).
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        shutdown_signal().await;
    })
    .await
    .map_err(|e| e.to_string())?;
    scheduler.abort();
    app.shutdown().await;
    Ok(())
}

/// Work that runs on its own while the server serves: e-mail from the outbox
/// every 30 seconds, "task due" notifications, permit expiry alerts and
/// hearing reminders at start and every hour, and the de-duplication run when it is due (`--dedupe-every-hours`).
async fn scheduled_work(app: Arc<App>) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    let mut n: u64 = 0;
    loop {
        tick.tick().await;
        // --- de-duplication run ---
        if n == 0
            && let Err(e) = app.abandon_dedupe_runs().await
        {
            tracing::warn!(
                code = e.code,
                "could not close interrupted de-duplication runs"
            );
        }
        if n.is_multiple_of(10)
            && let Err(e) = app.start_scheduled_dedupe_run().await
        {
            tracing::warn!(code = e.code, "could not start the de-duplication run");
        }
        // --- end of de-duplication run ---
        if n.is_multiple_of(120)
            && let Err(e) = app.notify_due_tasks().await
        {
            tracing::warn!(code = e.code, "could not notify due tasks");
        }
        if n.is_multiple_of(120)
            && let Err(e) = app.purge_expired_sessions().await
        {
            tracing::warn!(code = e.code, "could not delete expired sessions");
        }
        if n.is_multiple_of(120)
            && let Err(e) = app.notify_justice_deadlines().await
        {
            tracing::warn!(code = e.code, "could not send permit and hearing reminders");
        }
        if let Err(e) = app.deliver_mail().await {
            tracing::warn!(code = e.code, "could not deliver e-mail");
        }
        // --- cross-border handover: the outbox to the partners' inboxes ---
        if let Err(e) = app.deliver_handover_outbox().await {
            tracing::warn!(code = e.code, "could not deliver handover messages");
        }
        n += 1;
    }
}

fn demo_banner(addr: SocketAddr, data_dir: &Path) -> String {
    let mut s = format!(
        "SafePath demo is ready at http://{addr}/  (data in {})\n\nDemo accounts, all with the password `{}`:\n",
        data_dir.display(),
        safepath_app::demo::DEMO_PASSWORD
    );
    for (user, full, _, role) in safepath_app::demo::DEMO_USERS {
        s.push_str(&format!("  {user:<18} {role:<17} {full}\n"));
    }
    s.push_str("\nAll people in the demo are synthetic. Press Ctrl-C to stop.");
    s
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Command::Demo(args) => {
            if !args.addr.ip().is_loopback() && !args.allow_remote {
                return Err(format!(
                    "refusing to serve the demo on {} : its accounts have a known password. Use a loopback address, or pass --allow-remote if you really mean it.",
                    args.addr
                ));
            }
            let data = DataArgs {
                data_dir: args.data_dir.clone(),
                database_url: None,
                key_file: None,
                audit_key_file: None,
            };
            let _lock = data.lock()?;
            let mut app = data.open(true).await?;
            args.work.apply(&mut app)?;
            if safepath_app::demo::seed(&app, args.cases)
                .await
                .map_err(|e| e.message)?
            {
                println!("Seeded the demo with {} synthetic cases.", args.cases);
            }
            serve(
                app,
                args.addr,
                Some(demo_banner(args.addr, &args.data_dir)),
                args.work.duplicate_index_at_start,
            )
            .await?;
        }
        Command::Serve(args) => {
            let _lock = args.data.lock()?;
            let mut app = args.data.open(true).await?;
            args.work.apply(&mut app)?;
            serve(
                app,
                args.addr,
                Some(format!("SafePath is serving on http://{}/", args.addr)),
                args.work.duplicate_index_at_start,
            )
            .await?;
        }
        Command::Migrate(data) => {
            let app = data.open(true).await?;
            app.shutdown().await;
            println!("The database schema is up to date.");
        }
        Command::User(cmd) => match cmd {
            UserCommand::Add {
                data,
                username,
                full_name,
                org,
                role,
            } => {
                let password = read_password()?;
                let app = data.open(false).await?;
                let org = app.find_org(&org).await.map_err(|e| e.message)?;
                let u = app
                    .add_user(
                        Operator::Cli("user-add"),
                        &username,
                        &full_name,
                        org.id,
                        &role,
                        &password,
                    )
                    .await
                    .map_err(|e| e.to_string())?;
                println!("Added user {} ({}) with id {}", u.username, role, u.id);
            }
            UserCommand::Disable { data, username } => {
                data.open(false)
                    .await?
                    .set_user_disabled(Operator::Cli("user-disable"), &username, true)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("Disabled {username}; their sessions have ended.");
            }
            UserCommand::Enable { data, username } => {
                data.open(false)
                    .await?
                    .set_user_disabled(Operator::Cli("user-enable"), &username, false)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("Enabled {username}.");
            }
            UserCommand::ResetPassword { data, username } => {
                let password = read_password()?;
                data.open(false)
                    .await?
                    .reset_password(Operator::Cli("user-reset-password"), &username, &password)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("Set a new password for {username}; their sessions have ended.");
            }
            UserCommand::SetEmail {
                data,
                username,
                email,
            } => {
                data.open(false)
                    .await?
                    .set_user_email(Operator::Cli("user-set-email"), &username, email.as_deref())
                    .await
                    .map_err(|e| e.to_string())?;
                match email {
                    Some(_) => println!("Notifications for {username} will also be e-mailed."),
                    None => println!("Cleared the e-mail address of {username}."),
                }
            }
        },
        Command::Org(cmd) => match cmd {
            OrgCommand::Add {
                data,
                name,
                org_type,
                country,
            } => {
                let app = data.open(true).await?;
                let o = app
                    .add_org(Operator::Cli("org-add"), &name, &org_type, &country)
                    .await
                    .map_err(|e| e.to_string())?;
                println!("Added organisation {} with id {}", o.name, o.id);
            }
            OrgCommand::List(data) => {
                for o in data
                    .open(false)
                    .await?
                    .orgs()
                    .await
                    .map_err(|e| e.to_string())?
                {
                    println!(
                        "{}\t{}\t{}\t{}",
                        o.id,
                        o.org_type.as_str(),
                        o.country,
                        o.name
                    );
                }
            }
        },
        Command::Backup { data, to } => {
            let app = data.open(false).await?;
            app.backup(&to).await.map_err(|e| e.to_string())?;
            println!(
                "Wrote a consistent copy to {}. Keep the key file ({}) separately: the copy is useless without it, and it without the copy.",
                to.display(),
                app.key_file().display()
            );
        }
        Command::Restore { data, from, force } => restore(&data, &from, force).await?,
        Command::Keys(KeysCommand::Rotate(args)) if args.data_keys => {
            let _lock = args.data.lock()?;
            let app = args.data.open(false).await?;
            let mut progress = |column: &safepath_app::SealedColumn, so_far: u64| {
                println!(
                    "re-encrypted {so_far} values so far ({}.{})",
                    column.table, column.column
                );
            };
            let done = app
                .rotate_data_keys(args.batch_size, &mut progress)
                .await
                .map_err(|e| e.message)?;
            app.shutdown().await;
            println!(
                "{} the data-key rotation: {} values re-encrypted; fields are now sealed by {}.",
                if done.resumed {
                    "Resumed and finished"
                } else {
                    "Finished"
                },
                done.resealed,
                done.key_id
            );
            if !done.deleted.is_empty() {
                println!("Deleted the older data keys {}.", done.deleted.join(", "));
            }
            if !done.retired.is_empty() {
                println!(
                    "Kept {} retired (they open break-the-glass reasons in the audit log, whose chain cannot be rewritten; they never seal).",
                    done.retired.join(", ")
                );
            }
        }
        Command::Keys(KeysCommand::Rotate(args)) if args.index_key => {
            let _lock = args.data.lock()?;
            let app = args.data.open(false).await?;
            let mut progress = |so_far: u64| println!("re-indexed {so_far} persons so far");
            let done = app
                .rotate_index_key(args.batch_size, &mut progress)
                .await
                .map_err(|e| e.message)?;
            app.shutdown().await;
            println!(
                "{} the index-key rotation: {} persons re-indexed; blind indexes are now keyed by {}. Deleted the older index key {}.",
                if done.resumed {
                    "Resumed and finished"
                } else {
                    "Finished"
                },
                done.persons,
                done.key_id,
                done.deleted.join(", ")
            );
            if done.recovery_code_holders > 0 {
                println!(
                    "{} users' unused recovery codes were kept only as hashes under the old key and were deleted; each is notified to make new ones.",
                    done.recovery_code_holders
                );
            }
        }
        Command::Keys(KeysCommand::Rotate(args)) => {
            let data = args.data;
            let app = data.open(false).await?;
            let id = app.rotate_master_key().await.map_err(|e| e.to_string())?;
            println!(
                "Rotated the master key; the data keys are now wrapped by {id}. Back up the new key file {}.",
                app.key_file().display()
            );
        }
        Command::Audit(AuditCommand::Verify { data, anchor }) => {
            let app = data.open(false).await?;
            let anchor = anchor
                .as_deref()
                .map(safepath_app::admin::parse_anchor)
                .transpose()
                .map_err(|e| e.message)?;
            let with_anchor = anchor.is_some();
            match app
                .verify_audit_with(anchor)
                .await
                .map_err(|e| e.to_string())?
            {
                AuditVerdict::Intact {
                    entries,
                    checkpoints,
                } => println!(
                    "The audit trail is intact: {entries} entries, {checkpoints} signed checkpoints{}.",
                    if with_anchor {
                        "; it still extends the anchor"
                    } else {
                        ""
                    }
                ),
                AuditVerdict::Broken(b) => {
                    eprintln!("The audit trail has been tampered with: {b}");
                    return Ok(ExitCode::FAILURE);
                }
            }
        }
        Command::Audit(AuditCommand::Anchor(data)) => {
            let app = data.open(false).await?;
            let head = app.audit_anchor().await.map_err(|e| e.message)?;
            app.shutdown().await;
            println!("{head}");
        }
        Command::Screen { file } => {
            let mut bytes = Vec::new();
            let read = if file == "-" {
                std::io::stdin().read_to_end(&mut bytes).map(|_| ())
            } else {
                std::fs::read(&file).map(|b| bytes = b)
            };
            read.map_err(|e| format!("cannot read {file}: {e}"))?;
            match safepath_screening::evaluate_json(&bytes) {
                Ok(v) => println!(
                    "{}",
                    serde_json::to_string_pretty(&v).map_err(|e| e.to_string())?
                ),
                Err(e) => {
                    eprintln!("error: {}: {}", e.code, e.message);
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::Match(cmd) => {
            let summary = match cmd {
                MatchCommand::Link {
                    left,
                    right,
                    settings,
                    output,
                    strict,
                } => safepath_match::cli::link_with(
                    &left,
                    &right,
                    &settings,
                    &output,
                    safepath_match::cli::RunOptions { strict },
                )
                .map(|s| s.to_string()),
                MatchCommand::Dedupe {
                    input,
                    settings,
                    output,
                    strict,
                } => safepath_match::cli::dedupe_with(
                    &input,
                    &settings,
                    &output,
                    safepath_match::cli::RunOptions { strict },
                )
                .map(|s| s.to_string()),
                MatchCommand::Calibration {
                    train,
                    input,
                    truth,
                    settings,
                    bins,
                } => safepath_match::cli::calibration_held_out(
                    &train, &input, &truth, &settings, bins,
                )
                .map(|c| c.to_string()),
                MatchCommand::Generate {
                    records,
                    seed,
                    output,
                    truth,
                } => safepath_match::cli::generate(records, seed, &output, &truth)
                    .map(|()| format!("Wrote {records} synthetic records to {}", output.display())),
            };
            println!("{}", summary.map_err(|e| e.to_string())?);
        }
        Command::Handover(cmd) => return handover::run(cmd).await,
    }
    Ok(ExitCode::SUCCESS)
}

/// Checks that the file is a SafePath SQLite database, then moves it into
/// place atomically. The current database is kept beside it unless replaced.
async fn restore(data: &DataArgs, from: &Path, force: bool) -> Result<(), String> {
    if data
        .database_url
        .as_deref()
        .is_some_and(|u| !u.starts_with("sqlite:"))
    {
        return Err("restore works on the embedded SQLite database; for PostgreSQL use pg_restore (see docs/operations.md)".into());
    }
    let cfg = data.config(false)?;
    let target = PathBuf::from(
        cfg.database_url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:"),
    );
    if target.exists() && !force {
        return Err(format!(
            "{} exists; pass --force to replace it (stop the server first)",
            target.display()
        ));
    }
    let staging = target.with_extension("db.restoring");
    std::fs::copy(from, &staging).map_err(|e| format!("cannot copy {}: {e}", from.display()))?;
    // Open the staged copy with the key file: proves it is a SafePath database this key can read.
    let check = OpenConfig {
        database_url: format!("sqlite://{}", staging.display()),
        key_file: cfg.key_file.clone(),
        create_key_file: false,
        audit_key_file: cfg.audit_key_file.clone(),
    };
    let app = App::open(&check, Arc::new(SystemClock))
        .await
        .map_err(|e| {
            let _ = std::fs::remove_file(&staging);
            format!(
                "{} is not a SafePath backup this key file can open: {}",
                from.display(),
                e.message
            )
        })?;
    let verdict = app.verify_audit().await.map_err(|e| e.to_string())?;
    app.shutdown().await;
    if let AuditVerdict::Broken(b) = verdict {
        let _ = std::fs::remove_file(&staging);
        return Err(format!(
            "the backup's audit trail is broken ({b}); not restored"
        ));
    }
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", staging.display()));
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    std::fs::rename(&staging, &target)
        .map_err(|e| format!("cannot move the backup into place: {e}"))?;
    println!("Restored {} into {}.", from.display(), target.display());
    Ok(())
}

fn main() -> ExitCode {
    small_pages();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SAFEPATH_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// SIGINT (Ctrl-C) or SIGTERM (what service managers send): either drains the
/// requests in flight and writes the shutdown checkpoint.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
