//! [`HandoverStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

const PARTNER_COLUMNS: &str = "fingerprint, name, signing_key, encryption_key, inbox_url, registered_by, created_at, revoked_at, org_id";
const HANDOVER_COLUMNS: &str =
    "id, side, case_id, partner, state, record, version, created_at, updated_at";
const MESSAGE_COLUMNS: &str = "id, handover_id, direction, sender, message_id, sequence, kind, envelope_hash, envelope, content, created_at";
const OUTBOX_COLUMNS: &str =
    "message_row_id, recipient, attempts, next_attempt_at, sent_at, last_error";

macro_rules! handover_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn partner_from(r: &$row_ty) -> Result<HandoverPartnerRow> {
            Ok(HandoverPartnerRow {
                fingerprint: r.try_get("fingerprint")?,
                name: r.try_get("name")?,
                signing_key: r.try_get("signing_key")?,
                encryption_key: r.try_get("encryption_key")?,
                inbox_url: r.try_get("inbox_url")?,
                registered_by: r.try_get("registered_by")?,
                created_at: r.try_get("created_at")?,
                revoked_at: r.try_get("revoked_at")?,
                org_id: r
                    .try_get::<Option<String>, _>("org_id")?
                    .map(|o| uuid_col(o, OrgId))
                    .transpose()?,
            })
        }
        fn handover_from(r: &$row_ty) -> Result<HandoverRow> {
            let case: Option<String> = r.try_get("case_id")?;
            Ok(HandoverRow {
                id: r.try_get("id")?,
                side: r.try_get("side")?,
                case_id: case.map(|c| uuid_col(c, CaseId)).transpose()?,
                partner: r.try_get("partner")?,
                state: r.try_get("state")?,
                record: decode_sealed(&r.try_get::<Vec<u8>, _>("record")?)?,
                version: r.try_get("version")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }
        fn message_from(r: &$row_ty) -> Result<HandoverMessageRow> {
            Ok(HandoverMessageRow {
                id: r.try_get("id")?,
                handover_id: r.try_get("handover_id")?,
                direction: r.try_get("direction")?,
                sender: r.try_get("sender")?,
                message_id: r.try_get("message_id")?,
                sequence: r.try_get("sequence")?,
                kind: r.try_get("kind")?,
                envelope_hash: r.try_get("envelope_hash")?,
                envelope: r.try_get("envelope")?,
                content: opt_sealed(r.try_get("content")?)?,
                created_at: r.try_get("created_at")?,
            })
        }
        fn outbox_from(r: &$row_ty) -> Result<HandoverOutboxRow> {
            Ok(HandoverOutboxRow {
                message_row_id: r.try_get("message_row_id")?,
                recipient: r.try_get("recipient")?,
                attempts: r.try_get("attempts")?,
                next_attempt_at: r.try_get("next_attempt_at")?,
                sent_at: r.try_get("sent_at")?,
                last_error: r.try_get("last_error")?,
            })
        }

        #[async_trait]
        impl HandoverStore for $store {
            async fn insert_handover_partner(&self, p: &HandoverPartnerRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO handover_partners ({PARTNER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")))
                    .bind(&p.fingerprint)
                    .bind(&p.name)
                    .bind(&p.signing_key)
                    .bind(&p.encryption_key)
                    .bind(&p.inbox_url)
                    .bind(&p.registered_by)
                    .bind(p.created_at)
                    .bind(p.revoked_at)
                    .bind(p.org_id.map(|o| o.to_string()))
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "handover partner"))?;
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn handover_partners(&self) -> Result<Vec<HandoverPartnerRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PARTNER_COLUMNS} FROM handover_partners WHERE revoked_at IS NULL ORDER BY name, fingerprint")))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(partner_from).collect()
            }

            async fn handover_partner(&self, fingerprint: &str) -> Result<Option<HandoverPartnerRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PARTNER_COLUMNS} FROM handover_partners WHERE fingerprint = $1")))
                    .bind(fingerprint)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(partner_from).transpose()
            }

            async fn revoke_handover_partner(&self, fingerprint: &str, at: i64, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let done = sqlx::query("UPDATE handover_partners SET revoked_at = $1 WHERE fingerprint = $2 AND revoked_at IS NULL")
                    .bind(at)
                    .bind(fingerprint)
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn record_handover_message(
                &self,
                h: &HandoverRow,
                expected_version: Option<i64>,
                m: &HandoverMessageRow,
                outbox: Option<&HandoverOutboxRow>,
                audit: &AuditDraft,
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                match expected_version {
                    None => {
                        sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO handovers ({HANDOVER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")))
                            .bind(&h.id)
                            .bind(&h.side)
                            .bind(h.case_id.map(|c| c.to_string()))
                            .bind(&h.partner)
                            .bind(&h.state)
                            .bind(encode_sealed(&h.record))
                            .bind(h.version)
                            .bind(h.created_at)
                            .bind(h.updated_at)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| conflict_or(e, "handover"))?;
                    }
                    Some(v) => {
                        let done = sqlx::query("UPDATE handovers SET state = $1, record = $2, version = $3, updated_at = $4, case_id = $5 WHERE id = $6 AND version = $7")
                            .bind(&h.state)
                            .bind(encode_sealed(&h.record))
                            .bind(h.version)
                            .bind(h.updated_at)
                            .bind(h.case_id.map(|c| c.to_string()))
                            .bind(&h.id)
                            .bind(v)
                            .execute(&mut *tx)
                            .await?;
                        if done.rows_affected() != 1 {
                            return Err(StoreError::VersionMismatch);
                        }
                    }
                }
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO handover_messages ({MESSAGE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")))
                    .bind(&m.id)
                    .bind(&m.handover_id)
                    .bind(&m.direction)
                    .bind(&m.sender)
                    .bind(&m.message_id)
                    .bind(m.sequence)
                    .bind(&m.kind)
                    .bind(&m.envelope_hash)
                    .bind(&m.envelope)
                    .bind(m.content.as_ref().map(encode_sealed))
                    .bind(m.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "handover message"))?;
                if let Some(o) = outbox {
                    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO handover_outbox ({OUTBOX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)")))
                        .bind(&o.message_row_id)
                        .bind(&o.recipient)
                        .bind(o.attempts)
                        .bind(o.next_attempt_at)
                        .bind(o.sent_at)
                        .bind(&o.last_error)
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| conflict_or(e, "handover outbox entry"))?;
                }
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn handover(&self, id: &str) -> Result<Option<HandoverRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {HANDOVER_COLUMNS} FROM handovers WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(handover_from).transpose()
            }

            async fn handovers_for_case(&self, case: CaseId) -> Result<Vec<HandoverRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {HANDOVER_COLUMNS} FROM handovers WHERE case_id = $1 ORDER BY created_at DESC, id")))
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(handover_from).collect()
            }

            async fn all_handovers(&self) -> Result<Vec<HandoverRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {HANDOVER_COLUMNS} FROM handovers ORDER BY updated_at DESC, id")))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(handover_from).collect()
            }

            async fn handover_messages(&self, handover_id: &str) -> Result<Vec<HandoverMessageRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MESSAGE_COLUMNS} FROM handover_messages WHERE handover_id = $1 ORDER BY created_at, sequence, id")))
                    .bind(handover_id)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(message_from).collect()
            }

            async fn handover_message(&self, sender: &str, message_id: &str) -> Result<Option<HandoverMessageRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MESSAGE_COLUMNS} FROM handover_messages WHERE sender = $1 AND message_id = $2")))
                    .bind(sender)
                    .bind(message_id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(message_from).transpose()
            }

            async fn next_handover_sequence(&self, handover_id: &str, sender: &str) -> Result<i64> {
                let max: Option<i64> = sqlx::query_scalar("SELECT MAX(sequence) FROM handover_messages WHERE handover_id = $1 AND sender = $2")
                    .bind(handover_id)
                    .bind(sender)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(max.unwrap_or(0) + 1)
            }

            async fn due_handover_outbox(&self, now: i64, limit: i64) -> Result<Vec<(HandoverOutboxRow, HandoverMessageRow)>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT o.message_row_id, o.recipient, o.attempts, o.next_attempt_at, o.sent_at, o.last_error, \
                     m.id, m.handover_id, m.direction, m.sender, m.message_id, m.sequence, m.kind, m.envelope_hash, m.envelope, m.content, m.created_at \
                     FROM handover_outbox o JOIN handover_messages m ON m.id = o.message_row_id \
                     WHERE o.sent_at IS NULL AND o.next_attempt_at <= $1 \
                     ORDER BY m.created_at, m.sequence, m.id LIMIT $2"
                )))
                .bind(now)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok((outbox_from(r)?, message_from(r)?)))
                    .collect()
            }

            async fn update_handover_outbox(&self, o: &HandoverOutboxRow) -> Result<()> {
                let done = sqlx::query("UPDATE handover_outbox SET attempts = $1, next_attempt_at = $2, sent_at = $3, last_error = $4 WHERE message_row_id = $5 AND sent_at IS NULL")
                    .bind(o.attempts)
                    .bind(o.next_attempt_at)
                    .bind(o.sent_at)
                    .bind(&o.last_error)
                    .bind(&o.message_row_id)
                    .execute(&self.pool)
                    .await?;
                if done.rows_affected() != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                Ok(())
            }

            async fn erase_handover_content(
                &self,
                handover_id: &str,
                keep_row_id: Option<&str>,
                audit: &AuditDraft,
            ) -> Result<u64> {
                let keep = keep_row_id.unwrap_or("");
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM handover_outbox WHERE sent_at IS NULL AND message_row_id <> $1 AND message_row_id IN (SELECT id FROM handover_messages WHERE handover_id = $2)")
                    .bind(keep)
                    .bind(handover_id)
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("UPDATE handover_messages SET envelope = NULL, content = NULL WHERE handover_id = $1 AND id <> $2 AND (envelope IS NOT NULL OR content IS NOT NULL)")
                    .bind(handover_id)
                    .bind(keep)
                    .execute(&mut *tx)
                    .await?;
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(done.rows_affected())
            }
        }
    };
}

mod sqlite_handover {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    handover_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_handover {
    use super::*;
    use sqlx::postgres::PgRow;
    handover_sql!(PgStore, Postgres, PgRow);
}
