//! Notifications to staff and the e-mail outbox that carries them: its own
//! trait, a supertrait of [`crate::Store`], implemented for both backends by
//! one body of SQL (`sql_notices.rs`). Staff addresses only; messages name a
//! case by its reference, never the person.

use async_trait::async_trait;
use safepath_domain::ids::UserId;

use crate::*;

#[async_trait]
pub trait NoticeStore {
    // --- e-mail ---
    async fn set_user_email(
        &self,
        user: UserId,
        email: Option<&str>,
        audit: &AuditDraft,
    ) -> Result<()>;
    async fn user_email(&self, user: UserId) -> Result<Option<String>>;
    /// Outbox e-mails due for a (re)try at `now_ms`, oldest first.
    async fn pending_mail(&self, now_ms: i64, limit: i64) -> Result<Vec<MailRow>>;
    /// Marks an e-mail sent, or schedules its next attempt.
    async fn mail_attempted(
        &self,
        id: &str,
        sent_at: Option<i64>,
        next_attempt_at: i64,
    ) -> Result<()>;
    // --- notifications ---
    async fn insert_notifications(&self, rows: &[NotificationRow]) -> Result<()>;
    async fn notifications(&self, user: UserId, limit: i64) -> Result<Vec<NotificationRow>>;
    /// How many of the user's notifications are not read yet.
    async fn unread_notifications(&self, user: UserId) -> Result<i64>;
    /// Marks every unread notification of the user read at `at_ms`;
    /// returns how many.
    async fn mark_notifications_read(&self, user: UserId, at_ms: i64) -> Result<u64>;
    /// Marks one of the user's notifications read (kept if it already
    /// was); false when the user has no notification with that id.
    async fn mark_notification_read(&self, user: UserId, id: &str, at_ms: i64) -> Result<bool>;
}
