//! Organisations, accounts, sign-in throttling, the second factor and
//! sessions: the part of the storage that holds staff, never the people in
//! the cases. Its own trait, a supertrait of [`crate::Store`], implemented
//! for both backends by one body of SQL (`sql_accounts.rs`).

use async_trait::async_trait;
use safepath_domain::ids::{OrgId, UserId};

use crate::*;

#[async_trait]
pub trait AccountStore {
    // --- organisations and users ---
    async fn insert_org(&self, org: &OrgRow, audit: &AuditDraft) -> Result<()>;
    async fn list_orgs(&self) -> Result<Vec<OrgRow>>;
    async fn org(&self, id: OrgId) -> Result<Option<OrgRow>>;
    async fn insert_user(&self, user: &UserRow, audit: &AuditDraft) -> Result<()>;
    async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>>;
    async fn user(&self, id: UserId) -> Result<Option<UserRow>>;
    async fn users_with_role(&self, org: OrgId, role: &str) -> Result<Vec<UserRow>>;
    /// Every account, disabled ones too, by organisation and username (the
    /// administrators' page; a deployment has hundreds, not millions).
    async fn all_users(&self) -> Result<Vec<UserRow>>;
    /// Changes the user's role and ends their sessions. Returns false when no
    /// such user exists.
    async fn set_role(&self, id: UserId, role: &str, audit: &AuditDraft) -> Result<bool>;
    /// Returns false when no such user exists.
    async fn set_password(
        &self,
        id: UserId,
        password_hash: &str,
        audit: &AuditDraft,
    ) -> Result<bool>;
    /// Disabling also ends the user's sessions.
    async fn set_disabled(&self, id: UserId, disabled: bool, audit: &AuditDraft) -> Result<bool>;
    async fn set_language(&self, id: UserId, language: &str) -> Result<()>;

    // --- login throttling ---
    async fn login_failures(&self, key_hash: &str) -> Result<Option<LoginFailures>>;
    async fn put_login_failures(&self, key_hash: &str, f: &LoginFailures) -> Result<()>;
    /// Counts one more failure atomically (parallel guesses each get their
    /// own count) and returns the new count.
    async fn count_login_failure(&self, key_hash: &str, now_ms: i64) -> Result<i64>;
    /// Locks the key until `until_ms`, never shortening a longer lock.
    async fn lock_login(&self, key_hash: &str, until_ms: i64) -> Result<()>;
    async fn clear_login_failures(&self, key_hash: &str) -> Result<()>;

    // --- sign-in throttling per source address ---
    /// Counts one failure from a source address (its keyed hash) atomically
    /// and returns the count in the current window; a window starts with
    /// the first failure after the previous one began at or before
    /// `window_start_before_ms` (now minus the window's length).
    async fn count_address_failure(
        &self,
        key_hash: &str,
        now_ms: i64,
        window_start_before_ms: i64,
    ) -> Result<i64>;
    /// Until when the address is locked (0 when it never was).
    async fn address_locked_until(&self, key_hash: &str) -> Result<i64>;
    /// Locks the address until `until_ms`, never shortening a longer lock.
    async fn lock_address(&self, key_hash: &str, until_ms: i64) -> Result<()>;
    /// Forgets addresses whose window began before `before_ms` and whose
    /// lock is over; returns how many.
    async fn delete_stale_address_failures(&self, before_ms: i64, now_ms: i64) -> Result<u64>;

    // --- the second sign-in factor ---
    async fn two_factor(&self, user: UserId) -> Result<Option<TwoFactorRow>>;
    /// Stores a new secret awaiting confirmation (replacing one that awaits
    /// it); refused with `Conflict` when the second factor is already on.
    async fn start_two_factor(&self, row: &TwoFactorRow, audit: &AuditDraft) -> Result<()>;
    /// Switches the second factor on, if it awaits confirmation, recording
    /// the step of the confirming code and replacing the recovery codes
    /// (their hashes); false when there was nothing to confirm.
    async fn enable_two_factor(
        &self,
        user: UserId,
        step: i64,
        recovery_hashes: &[String],
        now_ms: i64,
        audit: &AuditDraft,
    ) -> Result<bool>;
    /// Records that the code of `step` was used, atomically, unless a code
    /// of this step or a later one was used already (then false: a replay).
    async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool>;
    /// Spends a recovery code, atomically; false when unknown or spent.
    async fn use_recovery_code(&self, user: UserId, code_hash: &str, now_ms: i64) -> Result<bool>;
    /// How many recovery codes the user has left.
    async fn unused_recovery_codes(&self, user: UserId) -> Result<i64>;
    /// Removes the second factor and its recovery codes; false when none.
    async fn delete_two_factor(&self, user: UserId, audit: &AuditDraft) -> Result<bool>;
    /// An administrator's reset (a lost or stolen authenticator): removes the
    /// second factor and its recovery codes and ends the user's sessions, in
    /// one transaction; false, and nothing changed, when there is none.
    async fn reset_two_factor(&self, user: UserId, audit: &AuditDraft) -> Result<bool>;

    // --- sessions and API tokens ---
    async fn insert_session(&self, s: &SessionRow) -> Result<()>;
    /// A live session (not expired at `now_ms`) with its user.
    async fn session(&self, token_hash: &str, now_ms: i64) -> Result<Option<SessionRow>>;
    /// Records that the session was used at `now_ms` (idle timeout).
    async fn touch_session(&self, token_hash: &str, now_ms: i64) -> Result<()>;
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64>;
}
