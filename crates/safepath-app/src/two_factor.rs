//! The optional second sign-in factor (TOTP, RFC 6238): enrolment with a
//! confirming code, one-time recovery codes, the second sign-in step, and
//! turning it off. The secret is sealed like a personal field; codes and
//! secrets never reach the audit log.

use safepath_crypto::{token_hash, totp};
use safepath_domain::org::Role;
use safepath_store::{AuditDraft, TwoFactorRow, UserRow};
use zeroize::Zeroizing;

use crate::accounts::{Session, SessionKind, pending_kind, throttle_key};
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

const TABLE: &str = "two_factor";
const COLUMN: &str = "secret";

/// What an authenticator app needs: the secret as text and as an
/// `otpauth://` address (shown as a QR code).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Enrolment {
    /// Base32, in groups of four, for typing into the app.
    pub secret: String,
    /// For the QR code.
    pub otpauth_url: String,
}

/// Where a user's second factor stands.
#[derive(Debug, Clone)]
pub enum TwoFactorState {
    Off,
    /// Started, awaiting the confirming code.
    Awaiting(Enrolment),
    On {
        recovery_codes_left: i64,
    },
}

/// A half-signed-in state, for the page that asks for the code.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub csrf_token: String,
    pub language: String,
}

/// The roles `--require-2fa` applies to.
pub fn role_needs_two_factor(role: Role) -> bool {
    matches!(role, Role::Administrator | Role::Coordinator)
}

fn wrong_code() -> AppError {
    AppError::new(
        ErrorKind::Unauthorized,
        "invalid_code",
        "code: this code is not right, or was used already",
    )
}

impl App {
    fn seal_secret(
        &self,
        user: &UserRow,
        secret: &[u8],
    ) -> Result<safepath_crypto::Sealed, AppError> {
        self.seal_bytes(TABLE, COLUMN, &user.id.to_string(), secret)
    }

    /// The user's own second-factor secret, opened for them (charged to
    /// their account's audit entries).
    fn open_secret(&self, row: &TwoFactorRow) -> Result<Zeroizing<Vec<u8>>, AppError> {
        let id = row.user_id.to_string();
        let grant = Grant::record(&id, "user", &id);
        self.open_bytes(&grant, TABLE, COLUMN, &id, &row.secret)
    }

    fn enrolment(&self, user: &UserRow, row: &TwoFactorRow) -> Result<Enrolment, AppError> {
        let secret = self.open_secret(row)?;
        Ok(Enrolment {
            secret: totp::secret_text(&secret),
            otpauth_url: totp::otpauth_url(&secret, &user.username)
                .map_err(|e| AppError::internal(&e.to_string()))?,
        })
    }

    fn recovery_hash(&self, user: &UserRow, normalised: &str) -> Result<String, AppError> {
        Ok(self
            .keys
            .blind_index("recovery-code", &format!("{}:{normalised}", user.id))
            .map_err(|e| AppError::internal(&e.to_string()))?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }

    fn unix_secs(&self) -> u64 {
        u64::try_from(self.now_ms() / 1000).unwrap_or(0)
    }

    /// Whether `--require-2fa` holds this user back until they enrol.
    pub(crate) async fn must_enrol_two_factor(&self, user: &UserRow) -> Result<bool, AppError> {
        if !self.sign_in.require_two_factor {
            return Ok(false);
        }
        let Ok(role) = Role::parse(&user.role) else {
            return Ok(false);
        };
        if !role_needs_two_factor(role) {
            return Ok(false);
        }
        Ok(!self
            .store
            .two_factor(user.id)
            .await?
            .is_some_and(|t| t.enabled))
    }

    pub async fn two_factor_state(&self, who: &Principal) -> Result<TwoFactorState, AppError> {
        Ok(match self.store.two_factor(who.id()).await? {
            None => TwoFactorState::Off,
            Some(row) if !row.enabled => {
                // Showing the pending secret again is a read of it.
                self.store
                    .append_audit(
                        &AuditDraft::new(
                            self.now_ms(),
                            who.id().to_string(),
                            "two_factor.enrolment_read",
                        )
                        .record("user", who.id()),
                    )
                    .await?;
                TwoFactorState::Awaiting(self.enrolment(&who.user, &row)?)
            }
            Some(_) => TwoFactorState::On {
                recovery_codes_left: self.store.unused_recovery_codes(who.id()).await?,
            },
        })
    }

    /// Starts (or restarts) enrolment: a fresh secret, sealed, awaiting a
    /// confirming code. Refused while the second factor is on.
    pub async fn start_two_factor(&self, who: &Principal) -> Result<Enrolment, AppError> {
        let now = self.now_ms();
        let secret = Zeroizing::new(totp::new_secret());
        let row = TwoFactorRow {
            user_id: who.id(),
            secret: self.seal_secret(&who.user, &secret)?,
            enabled: false,
            last_step: 0,
            created_at: now,
            enabled_at: None,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "two_factor.start")
            .record("user", who.id())
            .record("user", who.id())
            .org(who.org());
        match self.store.start_two_factor(&row, &audit).await {
            Err(safepath_store::StoreError::Conflict(_)) => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "two_factor_on",
                    "two-step sign-in is already on; turn it off first to set up a new app",
                ));
            }
            other => other?,
        }
        self.enrolment(&who.user, &row)
    }

    /// Confirms enrolment with a current code: the second factor is on
    /// from now, and the recovery codes (returned once, stored as keyed
    /// hashes) replace any earlier ones.
    pub async fn confirm_two_factor(
        &self,
        who: &Principal,
        code: &str,
    ) -> Result<Vec<String>, AppError> {
        let now = self.now_ms();
        let row = match self.store.two_factor(who.id()).await? {
            Some(r) if !r.enabled => r,
            Some(_) => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "two_factor_on",
                    "two-step sign-in is already on",
                ));
            }
            None => {
                return Err(AppError::bad_request(
                    "two_factor_not_started",
                    "start setting up two-step sign-in first",
                ));
            }
        };
        let secret = self.open_secret(&row)?;
        let Some(step) = totp::check(&secret, code, self.unix_secs()) else {
            self.store
                .append_audit(
                    &AuditDraft::new(now, who.id().to_string(), "two_factor.confirm_refused")
                        .record("user", who.id())
                        .record("user", who.id())
                        .org(who.org()),
                )
                .await?;
            return Err(AppError::bad_request(
                "invalid_code",
                "code: this code is not right; type the code the app shows now",
            ));
        };
        let codes: Vec<String> = (0..RECOVERY_CODES)
            .map(|_| totp::new_recovery_code())
            .collect();
        let hashes = codes
            .iter()
            .map(|c| self.recovery_hash(&who.user, &totp::normalise_recovery_code(c)))
            .collect::<Result<Vec<_>, _>>()?;
        let audit = AuditDraft::new(now, who.id().to_string(), "two_factor.on")
            .record("user", who.id())
            .record("user", who.id())
            .org(who.org())
            .detail(format!("recovery_codes={}", codes.len()));
        let step = i64::try_from(step).map_err(|_| AppError::internal("step"))?;
        if !self
            .store
            .enable_two_factor(who.id(), step, &hashes, now, &audit)
            .await?
        {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "two_factor_on",
                "two-step sign-in is already on",
            ));
        }
        Ok(codes)
    }

    /// Checks a second-factor code: a current authenticator code not used
    /// before (the step is recorded atomically), or an unused recovery
    /// code (spent). Returns which, or `None`.
    async fn accept_code(
        &self,
        user: &UserRow,
        code: &str,
    ) -> Result<Option<&'static str>, AppError> {
        let Some(row) = self.store.two_factor(user.id).await?.filter(|r| r.enabled) else {
            return Ok(None);
        };
        let recovery = totp::normalise_recovery_code(code);
        if !recovery.is_empty() {
            let hash = self.recovery_hash(user, &recovery)?;
            let spent = self
                .store
                .use_recovery_code(user.id, &hash, self.now_ms())
                .await?;
            return Ok(spent.then_some("recovery_code"));
        }
        let secret = self.open_secret(&row)?;
        let Some(step) = totp::check(&secret, code, self.unix_secs()) else {
            return Ok(None);
        };
        let step = i64::try_from(step).map_err(|_| AppError::internal("step"))?;
        Ok(self
            .store
            .use_totp_step(user.id, step)
            .await?
            .then_some("totp"))
    }

    /// The half-signed-in state named by `token`, if it is live.
    pub async fn pending_sign_in(
        &self,
        token: &str,
        kind: SessionKind,
    ) -> Result<PendingSignIn, AppError> {
        let row = self
            .store
            .session(&token_hash(token), self.now_ms())
            .await?
            .filter(|r| r.kind == pending_kind(kind))
            .ok_or_else(AppError::unauthorized)?;
        let user = self
            .store
            .user(row.user_id)
            .await?
            .ok_or_else(AppError::unauthorized)?;
        Ok(PendingSignIn {
            csrf_token: row.csrf_token,
            language: user.language,
        })
    }

    /// The second sign-in step: the code for the half-signed-in state named
    /// by `token`. Wrong codes count towards the username's and the
    /// address's locks, like wrong passwords; a code is accepted once.
    pub async fn login_second_factor(
        &self,
        token: &str,
        code: &str,
        kind: SessionKind,
        from: Option<std::net::IpAddr>,
    ) -> Result<(String, Session), AppError> {
        let now = self.now_ms();
        let hash = token_hash(token);
        let row = self
            .store
            .session(&hash, now)
            .await?
            .filter(|r| r.kind == pending_kind(kind))
            .ok_or_else(|| {
                AppError::new(
                    ErrorKind::Unauthorized,
                    "second_factor_expired",
                    "the sign-in took too long; sign in again with your password",
                )
            })?;
        let user = self
            .store
            .user(row.user_id)
            .await?
            .filter(|u| !u.disabled)
            .ok_or_else(AppError::unauthorized)?;
        let key = throttle_key(&user.username);
        let address = self.source_key(from)?;
        if let Some(a) = &address {
            let until = self.store.address_locked_until(a).await?;
            if until > now {
                let secs = (until - now + 999) / 1000;
                return Err(AppError::new(
                    ErrorKind::TooManyRequests,
                    "too_many_attempts_from_address",
                    format!(
                        "too many failed sign-ins from this network; try again in {secs} seconds"
                    ),
                )
                .retry_after(secs));
            }
        }
        if let Some(f) = self.store.login_failures(&key).await?
            && f.locked_until > now
        {
            self.store
                .append_audit(
                    &AuditDraft::new(now, user.id.to_string(), "login.throttled")
                        .detail("second_factor"),
                )
                .await?;
            let secs = (f.locked_until - now + 999) / 1000;
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_attempts",
                format!("too many wrong codes; try again in {secs} seconds"),
            )
            .retry_after(secs));
        }
        let Some(how) = self.accept_code(&user, code).await? else {
            let actor = user.id.to_string();
            let count = self
                .count_sign_in_failure(&key, address.as_deref(), &actor, now)
                .await?;
            self.store
                .append_audit(
                    &AuditDraft::new(now, actor, "login.second_factor_failure")
                        .org(user.org_id)
                        .detail(format!("failures={count}")),
                )
                .await?;
            return Err(wrong_code());
        };
        self.store.delete_session(&hash).await?;
        self.store.clear_login_failures(&key).await?;
        self.open_session(user, kind, now, Some(how)).await
    }

    /// Turns the second factor off: the password and a code (or a recovery
    /// code) must be right; wrong ones count towards the lock. Refused for
    /// the roles `--require-2fa` holds to it.
    pub async fn turn_off_two_factor(
        &self,
        who: &Principal,
        password: &str,
        code: &str,
    ) -> Result<(), AppError> {
        let now = self.now_ms();
        if self.sign_in.require_two_factor && role_needs_two_factor(who.actor.role) {
            return Err(AppError::bad_request(
                "two_factor_required",
                "your role must sign in with two steps on this server; it cannot be turned off",
            ));
        }
        let key = throttle_key(&who.user.username);
        if let Some(f) = self.store.login_failures(&key).await?
            && f.locked_until > now
        {
            let secs = (f.locked_until - now + 999) / 1000;
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_attempts",
                format!("too many wrong attempts; try again in {secs} seconds"),
            )
            .retry_after(secs));
        }
        let user = self
            .store
            .user(who.id())
            .await?
            .ok_or_else(AppError::unauthorized)?;
        if !self
            .store
            .two_factor(who.id())
            .await?
            .is_some_and(|t| t.enabled)
        {
            // Awaiting confirmation, or off: forgetting it needs no proof.
            self.store
                .delete_two_factor(
                    who.id(),
                    &AuditDraft::new(now, who.id().to_string(), "two_factor.cancel")
                        .record("user", who.id())
                        .record("user", who.id())
                        .org(who.org()),
                )
                .await?;
            return Ok(());
        }
        let permit = self
            .password_checks
            .clone()
            .try_acquire_owned()
            .map_err(|_| {
                AppError::new(
                    ErrorKind::TooManyRequests,
                    "busy",
                    "too many password checks at this moment; try again in a few seconds",
                )
            })?;
        let typed = Zeroizing::new(password.to_owned());
        let stored = user.password_hash.clone();
        let password_ok = tokio::task::spawn_blocking(move || {
            let ok = safepath_crypto::verify_password(&typed, &stored);
            drop(permit);
            ok
        })
        .await
        .map_err(|_| AppError::internal("password check"))?;
        let refused = |field: &'static str| {
            let (code, message) = if field == "password" {
                ("wrong_password", "password: this is not your password")
            } else {
                (
                    "invalid_code",
                    "code: this code is not right, or was used already",
                )
            };
            AppError::bad_request(code, message)
        };
        let failure = if !password_ok {
            Some("password")
        } else if self.accept_code(&user, code).await?.is_none() {
            Some("code")
        } else {
            None
        };
        if let Some(field) = failure {
            let count = self
                .count_sign_in_failure(&key, None, &who.id().to_string(), now)
                .await?;
            self.store
                .append_audit(
                    &AuditDraft::new(now, who.id().to_string(), "two_factor.off_refused")
                        .record("user", who.id())
                        .record("user", who.id())
                        .org(who.org())
                        .detail(format!("failures={count}")),
                )
                .await?;
            return Err(refused(field));
        }
        self.store
            .delete_two_factor(
                who.id(),
                &AuditDraft::new(now, who.id().to_string(), "two_factor.off")
                    .record("user", who.id())
                    .record("user", who.id())
                    .org(who.org()),
            )
            .await?;
        self.store.clear_login_failures(&key).await?;
        Ok(())
    }
}
