//! Sign-in, sessions, API tokens and login throttling.

use safepath_crypto::{new_token, same_secret, token_hash, verify_password};
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
    /// `--require-2fa` and the user's role needs the second factor, which
    /// is not on yet: only the enrolment may be used.
    pub must_enrol_two_factor: bool,
}

/// The throttle is keyed by a hash of the username, so the table of failures
/// holds no login names.
pub(crate) fn throttle_key(username: &str) -> String {
    token_hash(&format!("login:{}", username.to_ascii_lowercase()))
}

/// Failed sign-ins from one source address (across usernames) before the
/// address is locked, and the window they are counted in.
pub const ADDRESS_FAILURES: i64 = 50;
pub const ADDRESS_WINDOW_MS: i64 = 15 * 60 * 1000;
/// A password that was right opens a half-signed-in state this long: long
/// enough to open the authenticator app, too short to linger.
pub const SECOND_FACTOR_MS: i64 = 5 * 60 * 1000;

/// How sign-in is guarded (`serve`/`demo` flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInSettings {
    /// Failures from one address in `address_window_ms` before it is locked
    /// for the window's length.
    pub address_failures: i64,
    pub address_window_ms: i64,
    /// Administrators and coordinators must turn the second factor on
    /// before anything else (`--require-2fa`).
    pub require_two_factor: bool,
    /// The reverse proxy in front is trusted: the source address is the
    /// last hop of `X-Forwarded-For` (`--trusted-proxy`).
    pub trusted_proxy: bool,
}

impl Default for SignInSettings {
    fn default() -> Self {
        Self {
            address_failures: ADDRESS_FAILURES,
            address_window_ms: ADDRESS_WINDOW_MS,
            require_two_factor: false,
            trusted_proxy: false,
        }
    }
}

/// The outcome of a right username and password.
#[derive(Debug)]
pub enum SignIn {
    /// Signed in: the token (shown once, stored only as a hash).
    Done(String, Box<Session>),
    /// The second factor is asked next. The token names only the
    /// half-signed-in state, which grants nothing else.
    SecondFactor { token: String, csrf_token: String },
}

/// The half-signed-in kinds of session: never accepted as `web` or `api`.
pub(crate) fn pending_kind(kind: SessionKind) -> &'static str {
    match kind {
        SessionKind::Web => "web-second-factor",
        SessionKind::Api => "api-second-factor",
    }
}

/// An address as the throttle counts it: an IPv4 address (also when mapped
/// into IPv6), or the /64 network of an IPv6 address (one subscriber
/// usually holds a whole /64).
fn address_bucket(ip: std::net::IpAddr) -> String {
    match ip {
        std::net::IpAddr::V4(v4) => v4.to_string(),
        std::net::IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

fn lock_ms(count: i64) -> i64 {
    let exp = u32::try_from(count - FAILURES_BEFORE_LOCK)
        .unwrap_or(u32::MAX)
        .min(10);
    (BASE_LOCK_MS.saturating_mul(1 << exp)).min(MAX_LOCK_MS)
}

fn retry_secs(until: i64, now: i64) -> i64 {
    (until - now + 999) / 1000
}

/// How long the sign-in form's signed CSRF cookie is good for.
pub const LOGIN_FORM_MS: i64 = 60 * 60 * 1000;

impl App {
    fn login_form_mac(&self, nonce: &str, issued_ms: i64) -> Result<String, AppError> {
        Ok(self
            .keys
            .blind_index("login-form", &format!("{nonce}.{issued_ms}"))
            .map_err(|e| AppError::internal(&e.to_string()))?
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }

    /// The sign-in form's CSRF pair: the token for the form, and the value
    /// of its cookie, `token.issued.mac`, signed with a server key
    /// (HMAC-SHA-256 under the index key, which an attacker cannot know).
    pub fn login_form_cookie(&self) -> Result<(String, String), AppError> {
        let nonce = new_token();
        let issued = self.now_ms();
        let mac = self.login_form_mac(&nonce, issued)?;
        Ok((nonce.clone(), format!("{nonce}.{issued}.{mac}")))
    }

    /// Whether a sign-in form's token and its cookie belong together: the
    /// cookie signed by this server, less than an hour old, naming this
    /// token. A pair made up elsewhere fails.
    pub fn login_form_cookie_ok(&self, cookie: &str, form_token: &str) -> bool {
        let mut parts = cookie.splitn(3, '.');
        let (Some(nonce), Some(issued), Some(mac)) = (parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let Ok(issued_ms) = issued.parse::<i64>() else {
            return false;
        };
        let now = self.now_ms();
        if nonce.is_empty() || issued_ms > now + 60_000 || now - issued_ms > LOGIN_FORM_MS {
            return false;
        }
        let Ok(expected) = self.login_form_mac(nonce, issued_ms) else {
            return false;
        };
        same_secret(mac, &expected) && same_secret(form_token, nonce)
    }

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

    /// The keyed hash under which failures from `ip` are counted: the
    /// address is never stored in clear.
    fn address_key(&self, ip: std::net::IpAddr) -> Result<String, AppError> {
        Ok(self
            .keys
            .blind_index("sign-in-address", &address_bucket(ip))
            .map_err(|e| AppError::internal(&e.to_string()))?
            .iter()
            .take(16)
            .map(|b| format!("{b:02x}"))
            .collect())
    }

    /// Refuses a sign-in from a locked address (429 with when to retry).
    async fn check_address(
        &self,
        address: Option<&str>,
        actor: impl FnOnce() -> Result<String, AppError>,
        now: i64,
    ) -> Result<(), AppError> {
        let Some(key) = address else { return Ok(()) };
        let until = self.store.address_locked_until(key).await?;
        if until > now {
            self.store
                .append_audit(
                    &AuditDraft::new(now, actor()?, "login.throttled_address")
                        .detail(format!("address={key}")),
                )
                .await?;
            let secs = retry_secs(until, now);
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_attempts_from_address",
                format!("too many failed sign-ins from this network; try again in {secs} seconds"),
            )
            .retry_after(secs));
        }
        Ok(())
    }

    /// Counts a failed sign-in (or second-factor code) against the username
    /// and the address, atomically, locking either when it had too many;
    /// returns the username's count.
    pub(crate) async fn count_sign_in_failure(
        &self,
        key: &str,
        address: Option<&str>,
        actor: &str,
        now: i64,
    ) -> Result<i64, AppError> {
        let count = self.store.count_login_failure(key, now).await?;
        if count >= FAILURES_BEFORE_LOCK {
            self.store.lock_login(key, now + lock_ms(count)).await?;
        }
        if let Some(a) = address {
            let window = self.sign_in.address_window_ms;
            let n = self
                .store
                .count_address_failure(a, now, now - window)
                .await?;
            if n >= self.sign_in.address_failures {
                self.store.lock_address(a, now + window).await?;
                if n == self.sign_in.address_failures {
                    self.store
                        .append_audit(
                            &AuditDraft::new(now, actor.to_owned(), "login.address_locked")
                                .detail(format!("address={a} failures={n}")),
                        )
                        .await?;
                }
            }
        }
        Ok(count)
    }

    /// The address key of a sign-in's source, when the server knows it.
    pub(crate) fn source_key(
        &self,
        from: Option<std::net::IpAddr>,
    ) -> Result<Option<String>, AppError> {
        from.map(|ip| self.address_key(ip)).transpose()
    }

    /// Checks a username and password from a source address (when known);
    /// on success opens a session and returns its token (shown once, stored
    /// only as a hash), or, when the user has the second factor on, a
    /// half-signed-in state that asks for the code next.
    pub async fn login(
        &self,
        username: &str,
        password: &str,
        kind: SessionKind,
        from: Option<std::net::IpAddr>,
    ) -> Result<SignIn, AppError> {
        let now = self.now_ms();
        let username = username.trim().to_ascii_lowercase();
        let key = throttle_key(&username);
        let address = self.source_key(from)?;
        self.check_address(
            address.as_deref(),
            || self.sign_in_actor(&username, None),
            now,
        )
        .await?;
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
            let secs = retry_secs(f.locked_until, now);
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_attempts",
                format!("too many failed sign-ins; try again in {secs} seconds"),
            )
            .retry_after(secs));
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
            let count = self
                .count_sign_in_failure(&key, address.as_deref(), &actor, now)
                .await?;
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
        if self
            .store
            .two_factor(user.id)
            .await?
            .is_some_and(|t| t.enabled)
        {
            // The password was right; the code comes next. The failures
            // are not cleared yet: wrong codes go on counting.
            let token = new_token();
            let csrf = new_token();
            self.store
                .insert_session(&SessionRow {
                    token_hash: token_hash(&token),
                    user_id: user.id,
                    kind: pending_kind(kind).into(),
                    csrf_token: csrf.clone(),
                    created_at: now,
                    expires_at: now + SECOND_FACTOR_MS,
                    last_seen_at: now,
                })
                .await?;
            self.store
                .append_audit(
                    &AuditDraft::new(now, user.id.to_string(), "login.password_ok")
                        .org(user.org_id)
                        .detail(format!("kind={} second_factor=asked", kind.as_str())),
                )
                .await?;
            return Ok(SignIn::SecondFactor {
                token,
                csrf_token: csrf,
            });
        }
        self.store.clear_login_failures(&key).await?;
        let (token, session) = self.open_session(user, kind, now, None).await?;
        Ok(SignIn::Done(token, Box::new(session)))
    }

    /// Opens a session for a user whose sign-in succeeded.
    pub(crate) async fn open_session(
        &self,
        user: UserRow,
        kind: SessionKind,
        now: i64,
        second_factor: Option<&str>,
    ) -> Result<(String, Session), AppError> {
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
        let detail = match second_factor {
            Some(f) => format!("kind={} second_factor={f}", kind.as_str()),
            None => format!("kind={}", kind.as_str()),
        };
        self.store
            .append_audit(
                &AuditDraft::new(now, user.id.to_string(), "login.success")
                    .record("user", user.id)
                    .org(user.org_id)
                    .detail(detail),
            )
            .await?;
        let must_enrol = self.must_enrol_two_factor(&user).await?;
        let principal = Principal::from_user(user)?;
        Ok((
            token,
            Session {
                principal,
                csrf_token: csrf,
                kind: kind.as_str().into(),
                must_enrol_two_factor: must_enrol,
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
        let must_enrol = self.must_enrol_two_factor(&user).await?;
        Ok(Session {
            principal: Principal::from_user(user)?,
            csrf_token: row.csrf_token,
            kind: row.kind,
            must_enrol_two_factor: must_enrol,
        })
    }

    /// Deletes sessions past their expiry (the scheduler runs it hourly).
    /// Also forgets sign-in addresses whose window and lock are over.
    pub async fn purge_expired_sessions(&self) -> Result<u64, AppError> {
        let now = self.now_ms();
        self.store
            .delete_stale_address_failures(now - self.sign_in.address_window_ms, now)
            .await?;
        Ok(self.store.delete_expired_sessions(now).await?)
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
            let secs = retry_secs(f.locked_until, now);
            return Err(AppError::new(
                ErrorKind::TooManyRequests,
                "too_many_attempts",
                format!("too many wrong passwords; try again in {secs} seconds"),
            )
            .retry_after(secs));
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
            let count = self
                .count_sign_in_failure(&key, None, &who.id().to_string(), now)
                .await?;
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
