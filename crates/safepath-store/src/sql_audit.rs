//! [`AuditStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

macro_rules! audit_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn entry_from(r: &$row_ty) -> Result<StoredEntry> {
            Ok(StoredEntry {
                entry: AuditEntry {
                    seq: r.try_get("seq")?,
                    at_ms: r.try_get("at_ms")?,
                    actor: r.try_get("actor")?,
                    action: r.try_get("action")?,
                    record_type: r.try_get("record_type")?,
                    record_id: r.try_get("record_id")?,
                    org_id: r.try_get("org_id")?,
                    reason: r.try_get("reason")?,
                    detail: r.try_get("detail")?,
                },
                prev_hash: r.try_get("prev_hash")?,
                hash: r.try_get("hash")?,
            })
        }

        #[async_trait]
        impl AuditStore for $store {
            async fn append_audit(&self, audit: &AuditDraft) -> Result<i64> {
                match self.append_grouped(audit.clone(), None).await? {
                    Appended::At(seq) => Ok(seq),
                    Appended::Stale => Err(StoreError::AuditNotWritten(
                        "refused without a condition".into(),
                    )),
                }
            }

            async fn audit_entries(&self, after: i64, limit: i64) -> Result<Vec<StoredEntry>> {
                let rows =
                    sqlx::query("SELECT * FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT $2")
                        .bind(after)
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?;
                rows.iter().map(entry_from).collect()
            }

            async fn audit_for_record(
                &self,
                record_id: &str,
                limit: i64,
            ) -> Result<Vec<StoredEntry>> {
                let rows = sqlx::query(
                    "SELECT * FROM audit_log WHERE record_id = $1 ORDER BY seq DESC LIMIT $2",
                )
                .bind(record_id)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(entry_from).collect()
            }

            async fn audit_for_org(
                &self,
                org: OrgId,
                q: &OrgAuditQuery,
            ) -> Result<Vec<StoredEntry>> {
                let mut qb = QueryBuilder::<$db>::new("SELECT * FROM audit_log WHERE (org_id = ");
                qb.push_bind(org.to_string())
                    .push(" OR actor IN (SELECT id FROM users WHERE org_id = ")
                    .push_bind(org.to_string())
                    .push("))");
                if let Some(a) = &q.actor {
                    qb.push(" AND actor = ").push_bind(a.clone());
                }
                if !q.action_prefixes.is_empty() {
                    qb.push(" AND (");
                    for (i, p) in q.action_prefixes.iter().enumerate() {
                        if i > 0 {
                            qb.push(" OR ");
                        }
                        // `_` and `%` in an action are literal characters.
                        let literal = p
                            .replace('\\', "\\\\")
                            .replace('%', "\\%")
                            .replace('_', "\\_");
                        qb.push("action LIKE ")
                            .push_bind(format!("{literal}%"))
                            .push(" ESCAPE '\\'");
                    }
                    qb.push(")");
                }
                if let Some(t) = q.from_ms {
                    qb.push(" AND at_ms >= ").push_bind(t);
                }
                if let Some(t) = q.to_ms {
                    qb.push(" AND at_ms < ").push_bind(t);
                }
                if let Some(s) = q.before_seq {
                    qb.push(" AND seq < ").push_bind(s);
                }
                qb.push(" ORDER BY seq DESC LIMIT ").push_bind(q.limit);
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(entry_from).collect()
            }

            async fn checkpoints(&self) -> Result<Vec<Checkpoint>> {
                let rows =
                    sqlx::query("SELECT seq, hash, signature FROM audit_checkpoints ORDER BY seq")
                        .fetch_all(&self.pool)
                        .await?;
                rows.iter()
                    .map(|r| {
                        Ok(Checkpoint {
                            seq: r.try_get("seq")?,
                            hash: r.try_get("hash")?,
                            signature: r.try_get("signature")?,
                        })
                    })
                    .collect()
            }

            async fn checkpoint_now(&self, now_ms: i64) -> Result<Option<i64>> {
                let Some(sign) = &self.signer else {
                    return Ok(None);
                };
                let mut tx = self.begin_write().await?;
                let head = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
                let seq: i64 = head.try_get("seq")?;
                if seq == 0 {
                    return Ok(None);
                }
                let hash: Vec<u8> = head.try_get("hash")?;
                self.insert_checkpoint_tx(&mut tx, &sign(seq, &hash), now_ms)
                    .await?;
                tx.commit().await?;
                Ok(Some(seq))
            }
        }
    };
}

mod sqlite_audit {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    audit_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_audit {
    use super::*;
    use sqlx::postgres::PgRow;
    audit_sql!(PgStore, Postgres, PgRow);
}
