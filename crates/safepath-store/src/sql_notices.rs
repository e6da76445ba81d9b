//! [`NoticeStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

macro_rules! notices_sql {
    ($store:ident) => {


        #[async_trait]
        impl NoticeStore for $store {
            async fn set_user_email(&self, user: UserId, email: Option<&str>, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("DELETE FROM user_emails WHERE user_id = $1").bind(user.to_string()).execute(&mut *tx).await?;
                if let Some(e) = email {
                    sqlx::query("INSERT INTO user_emails (user_id, email) VALUES ($1, $2)").bind(user.to_string()).bind(e).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn user_email(&self, user: UserId) -> Result<Option<String>> {
                let row = sqlx::query("SELECT email FROM user_emails WHERE user_id = $1").bind(user.to_string()).fetch_optional(&self.pool).await?;
                Ok(match row {
                    Some(r) => Some(r.try_get("email")?),
                    None => None,
                })
            }

            async fn pending_mail(&self, now_ms: i64, limit: i64) -> Result<Vec<MailRow>> {
                let rows = sqlx::query("SELECT id, email, kind, message, attempts FROM mail_outbox WHERE sent_at IS NULL AND next_attempt_at <= $1 ORDER BY created_at, id LIMIT $2")
                    .bind(now_ms)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok(MailRow { id: r.try_get("id")?, email: r.try_get("email")?, kind: r.try_get("kind")?, message: r.try_get("message")?, attempts: r.try_get("attempts")? }))
                    .collect()
            }

            async fn mail_attempted(&self, id: &str, sent_at: Option<i64>, next_attempt_at: i64) -> Result<()> {
                sqlx::query("UPDATE mail_outbox SET sent_at = $1, next_attempt_at = $2, attempts = attempts + 1 WHERE id = $3")
                    .bind(sent_at)
                    .bind(next_attempt_at)
                    .bind(id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn insert_notifications(&self, rows: &[NotificationRow]) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.insert_notifications_tx(&mut tx, rows).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn notifications(&self, user: UserId, limit: i64) -> Result<Vec<NotificationRow>> {
                let rows = sqlx::query("SELECT * FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2").bind(user.to_string()).bind(limit).fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let case: Option<String> = r.try_get("case_id")?;
                        Ok(NotificationRow {
                            id: r.try_get("id")?,
                            user_id: uuid_col(r.try_get("user_id")?, UserId)?,
                            kind: r.try_get("kind")?,
                            case_id: case.map(|c| uuid_col(c, CaseId)).transpose()?,
                            message: r.try_get("message")?,
                            created_at: r.try_get("created_at")?,
                            read_at: r.try_get("read_at")?,
                            subject_type: r.try_get("subject_type")?,
                            subject_id: r.try_get("subject_id")?,
                            params: r.try_get("params")?,
                        })
                    })
                    .collect()
            }

            async fn unread_notifications(&self, user: UserId) -> Result<i64> {
                let n: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE user_id = $1 AND read_at IS NULL")
                    .bind(user.to_string())
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn mark_notifications_read(&self, user: UserId, at_ms: i64) -> Result<u64> {
                let done = sqlx::query("UPDATE notifications SET read_at = $2 WHERE user_id = $1 AND read_at IS NULL")
                    .bind(user.to_string())
                    .bind(at_ms)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected())
            }

            async fn mark_notification_read(&self, user: UserId, id: &str, at_ms: i64) -> Result<bool> {
                // Another user's notification is not found: nothing changes.
                let done = sqlx::query("UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2")
                    .bind(id)
                    .bind(user.to_string())
                    .bind(at_ms)
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() > 0)
            }
        }
    };
}

mod sqlite_notices {
    use super::*;
    notices_sql!(SqliteStore);
}

mod pg_notices {
    use super::*;
    notices_sql!(PgStore);
}
