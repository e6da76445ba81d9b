//! Sign-in, sessions, API tokens and login throttling.

use safepath_crypto::{new_token, token_hash, verify_password};
use safepath_store::{AuditDraft, SessionRow, UserRow};

use crate::{App, AppError, ErrorKind, Principal};

/// Web sessions last 8 hours (a working day); API tokens 12 hours.
pub const WEB_SESSION_MS: i64 = 8 * 3600 * 1000;
pub const API_TOKEN_MS: i64 = 12 * 3600 * 1000;
/// A browser session unused this long ends (besides its fixed expiry), so a
/// shelter's shared computer left signed in does not stay open.
pub const WEB_IDLE_MS: i64 = 30 * 60 * 1000;
/// The last use is written at most this often (not on every request).
const TOUCH_EVERY_MS: i64 = 60 * 1000;
/// After this many failures in a row, the account is locked for a while,
/// doubling with each further failure (capped).
pub const FAILURES_BEFORE_LOCK: i64 = 5;
const BASE_LOCK_MS: i64 = 60 * 1000;
/// Password checks running at once (each takes tens of milliseconds and
/// about 19 MiB); more sign-ins at the same moment are told to retry.
pub const CONCURRENT_PASSWORD_CHECKS: usize = 4;
const MAX_LOCK_MS: i64 = 60 * 60 * 1000;

/// A real Argon2id hash of a random secret, verified when the user is
/// unknown so that timing does not reveal which usernames exist.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| safepath_crypto::hash_password(&new_token()).unwrap_or_default())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Web,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Web => "web",
            SessionKind::Api => "api",
        }
    }
}

/// A signed-in session: the principal, and the CSRF token for forms.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub csrf_token: String,
    pub kind: String,
}

/// The throttle is keyed by a hash of the username, so the table of failures
/// holds no login names.
fn throttle_key(username: &str) -> String {
    token_hash(&format!("login:{}", username.to_ascii_lowercase()))
}

impl App {
    /// Who a sign-in attempt names, for the append-only audit log: the
    /// account's id when it exists, else a keyed hash of what was typed (it
    /// may be a password typed into the wrong field, and the log keeps it
    /// for ever). The hash still lets an operator count attempts per name.
    fn sign_in_actor(&self, username: &str, user: Option<&UserRow>) -> Result<String, AppError> {
        Ok(match user {
            Some(u) => u.id.to_string(),
            None => format!(
                "login:{}",
                self.keys
                    .blind_index("sign-in-name", username)
                    .map_err(|e| AppError::internal(&e.to_string()))?
                    .iter()
                    .take(16)
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ),
        })
    }

    /// Checks a username and password; on success opens a session and returns
    /// its token (shown once, stored only as a hash).
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
    ) -> Result<(String, Session), AppError> {
        let now = self.now_ms();
        let username = username.trim().to_ascii_lowercase();
        let key = throttle_key(&username);
        let failures = self.store.login_failures(&key).await?;
        if let Some(f) = &failures
            && f.locked_until > now
        {
            let known = self.store.user_by_username(&username).await?;
            self.store
                .append_audit(&AuditDraft::new(
                    now,
                    self.sign_in_actor(&username, known.as_ref())?,
                    "login.throttled",
                ))
                .await?;
            let secs = (f.locked_until - now + 999) / 1000;
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_attempts",
                format!("too many failed sign-ins; try again in {secs} seconds"),
            ));
        }
        let user = self.store.user_by_username(&username).await?;
        let permit = self
            .password_checks
            .clone()
            .try_acquire_owned()
            .map_err(|_| {
                AppError::new(
                    ErrorKind::TooManyRequests,
                    "busy",
                    "too many sign-ins at this moment; try again in a few seconds",
                )
            })?;
        let hash = match &user {
            Some(u) => u.password_hash.clone(),
            None => dummy_hash().to_owned(),
        };
        let typed = zeroize::Zeroizing::new(password.to_owned());
        let matches = tokio::task::spawn_blocking(move || {
            let ok = verify_password(&typed, &hash);
            drop(permit);
            ok
        })
        .await
        .map_err(|_| AppError::internal("password check"))?;
        let ok = user.as_ref().is_some_and(|u| matches && !u.disabled);
        let actor = self.sign_in_actor(&username, user.as_ref())?;
        let Some(user) = user.filter(|_| ok) else {
            // Counted atomically: parallel guesses each get their own count.
            let count = self.store.count_login_failure(&key, now).await?;
            if count >= FAILURES_BEFORE_LOCK {
                let exp = u32::try_from(count - FAILURES_BEFORE_LOCK)
                    .unwrap_or(u32::MAX)
                    .min(10);
                let until = now + (BASE_LOCK_MS.saturating_mul(1 << exp)).min(MAX_LOCK_MS);
                self.store.lock_login(&key, until).await?;
            }
            self.store
                .append_audit(
                    &AuditDraft::new(now, actor, "login.failure")
                        .detail(format!("failures={count}")),
                )
                .await?;
            return Err(AppError::new(
                ErrorKind::Unauthorized,
                "invalid_credentials",
                "wrong username or password",
            ));
        };
        self.store.clear_login_failures(&key).await?;
        let token = new_token();
        let csrf = new_token();
        let ttl = if kind == SessionKind::Web {
            WEB_SESSION_MS
        } else {
            API_TOKEN_MS
        };
        self.store
            .insert_session(&SessionRow {
                token_hash: token_hash(&token),
                user_id: user.id,
                kind: kind.as_str().into(),
                csrf_token: csrf.clone(),
                created_at: now,
                expires_at: now + ttl,
                last_seen_at: now,
            })
            .await?;
        self.store
            .append_audit(
                &AuditDraft::new(now, user.id.to_string(), "login.success")
                    .org(user.org_id)
                    .detail(format!("kind={}", kind.as_str())),
            )
            .await?;
        let principal = Principal::from_user(user)?;
        Ok((
            token,
            Session {
                principal,
                csrf_token: csrf,
                kind: kind.as_str().into(),
            },
        ))
    }

    /// Resolves a session or API token to its user; disabled users and
    /// expired tokens are refused.
    pub async fn authenticate(&self, token: &str, kind: SessionKind) -> Result<Session, AppError> {
        let row = self
            .store
            .session(&token_hash(token), self.now_ms())
            .await?
            .ok_or_else(AppError::unauthorized)?;
        if row.kind != kind.as_str() {
            return Err(AppError::unauthorized());
        }
        let now = self.now_ms();
        if kind == SessionKind::Web {
            if now - row.last_seen_at > WEB_IDLE_MS {
                self.store.delete_session(&row.token_hash).await?;
                self.store
                    .append_audit(&AuditDraft::new(
                        now,
                        row.user_id.to_string(),
                        "session.idle_ended",
                    ))
                    .await?;
                return Err(AppError::unauthorized());
            }
            if now - row.last_seen_at > TOUCH_EVERY_MS {
                self.store.touch_session(&row.token_hash, now).await?;
            }
        }
        let user = self
            .store
            .user(row.user_id)
            .await?
            .ok_or_else(AppError::unauthorized)?;
        if user.disabled {
            return Err(AppError::unauthorized());
        }
        Ok(Session {
            principal: Principal::from_user(user)?,
            csrf_token: row.csrf_token,
            kind: row.kind,
        })
    }

    /// Deletes sessions past their expiry (the scheduler runs it hourly).
    pub async fn purge_expired_sessions(&self) -> Result<u64, AppError> {
        Ok(self.store.delete_expired_sessions(self.now_ms()).await?)
    }

    pub async fn logout(&self, token: &str) -> Result<(), AppError> {
        let hash = token_hash(token);
        if let Some(s) = self.store.session(&hash, self.now_ms()).await? {
            self.store.delete_session(&hash).await?;
            self.store
                .append_audit(&AuditDraft::new(
                    self.now_ms(),
                    s.user_id.to_string(),
                    "logout",
                ))
                .await?;
        }
        Ok(())
    }

    /// A user changes their own password: the current one must be right
    /// (wrong guesses count towards the sign-in lock, like failed
    /// sign-ins), the new one strong and different. Every session of the
    /// user ends, this one too: they sign in again with the new password.
    pub async fn change_own_password(
        &self,
        who: &Principal,
        current: &str,
        new: &str,
    ) -> Result<(), AppError> {
        let now = self.now_ms();
        let key = throttle_key(&who.user.username);
        if let Some(f) = self.store.login_failures(&key).await?
            && f.locked_until > now
        {
            let secs = (f.locked_until - now + 999) / 1000;
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_attempts",
                format!("too many wrong passwords; try again in {secs} seconds"),
            ));
        }
        safepath_domain::org::check_password_strength(new)?;
        if new == current {
            return Err(AppError::bad_request(
                "same_password",
                "new_password: choose a password other than the current one",
            ));
        }
        let user = self
            .store
            .user(who.id())
            .await?
            .ok_or_else(AppError::unauthorized)?;
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
        let typed = zeroize::Zeroizing::new(current.to_owned());
        let fresh = zeroize::Zeroizing::new(new.to_owned());
        let stored = user.password_hash.clone();
        // Argon2 twice (check, then hash) on the blocking pool, bounded.
        let (matches, hashed) = tokio::task::spawn_blocking(move || {
            let ok = verify_password(&typed, &stored);
            let hashed = ok.then(|| safepath_crypto::hash_password(&fresh));
            drop(permit);
            (ok, hashed)
        })
        .await
        .map_err(|_| AppError::internal("password check"))?;
        if !matches {
            let count = self.store.count_login_failure(&key, now).await?;
            if count >= FAILURES_BEFORE_LOCK {
                let exp = u32::try_from(count - FAILURES_BEFORE_LOCK)
                    .unwrap_or(u32::MAX)
                    .min(10);
                let until = now + (BASE_LOCK_MS.saturating_mul(1 << exp)).min(MAX_LOCK_MS);
                self.store.lock_login(&key, until).await?;
            }
            self.store
                .append_audit(
                    &AuditDraft::new(now, who.id().to_string(), "user.change_password.refused")
                        .org(who.org())
                        .detail(format!("failures={count}")),
                )
                .await?;
            return Err(AppError::bad_request(
                "wrong_password",
                "current_password: this is not your current password",
            ));
        }
        let hash = hashed
            .ok_or_else(|| AppError::internal("hash"))?
            .map_err(|_| AppError::internal("hash"))?;
        let audit = AuditDraft::new(now, who.id().to_string(), "user.change_password")
            .record("user", who.id())
            .org(who.org());
        self.store.set_password(who.id(), &hash, &audit).await?;
        self.store.clear_login_failures(&key).await?;
        Ok(())
    }

    pub async fn set_language(&self, who: &Principal, language: &str) -> Result<(), AppError> {
        if !crate::SUPPORTED_LANGUAGES.contains(&language) {
            return Err(AppError::bad_request(
                "invalid_language",
                format!(
                    "language must be one of {}",
                    crate::SUPPORTED_LANGUAGES.join(", ")
                ),
            ));
        }
        self.store.set_language(who.id(), language).await?;
        Ok(())
    }
}
