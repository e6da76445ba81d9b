//! [`ReferralStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

macro_rules! referrals_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn ledger_from(r: &$row_ty) -> Result<LedgerRow> {
            let from: Option<String> = r.try_get("from_org_id")?;
            let to: Option<String> = r.try_get("to_org_id")?;
            Ok(LedgerRow {
                id: r.try_get("id")?,
                case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                kind: r.try_get("kind")?,
                from_org: from.map(|o| uuid_col(o, OrgId)).transpose()?,
                to_org: to.map(|o| uuid_col(o, OrgId)).transpose()?,
                record: r.try_get("record")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }

        #[async_trait]
        impl ReferralStore for $store {
            async fn insert_consent(&self, row: &LedgerRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("INSERT INTO consents (id, case_id, purpose, recipient_org_id, record, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&row.id)
                    .bind(row.case_id.to_string())
                    .bind(&row.kind)
                    .bind(row.to_org.map(|o| o.to_string()))
                    .bind(&row.record)
                    .bind(row.created_at)
                    .bind(row.updated_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn consent(&self, id: &str) -> Result<Option<LedgerRow>> {
                let row = sqlx::query("SELECT id, case_id, purpose AS kind, NULL AS from_org_id, recipient_org_id AS to_org_id, record, created_at, updated_at FROM consents WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(ledger_from).transpose()
            }

            async fn consents_for_case(&self, case: CaseId) -> Result<Vec<LedgerRow>> {
                let rows = sqlx::query("SELECT id, case_id, purpose AS kind, NULL AS from_org_id, recipient_org_id AS to_org_id, record, created_at, updated_at FROM consents WHERE case_id = $1 ORDER BY created_at, id")
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(ledger_from).collect()
            }

            async fn consents_for_cases(&self, cases: &[CaseId], purpose: &str) -> Result<Vec<LedgerRow>> {
                let mut out = Vec::new();
                for chunk in cases.chunks(500) {
                    let mut qb = QueryBuilder::<$db>::new("SELECT id, case_id, purpose AS kind, NULL AS from_org_id, recipient_org_id AS to_org_id, record, created_at, updated_at FROM consents WHERE purpose = ");
                    qb.push_bind(purpose);
                    qb.push(" AND case_id IN (");
                    let mut list = qb.separated(", ");
                    for c in chunk {
                        list.push_bind(c.to_string());
                    }
                    qb.push(") ORDER BY case_id, created_at, id");
                    for r in qb.build().fetch_all(&self.pool).await? {
                        out.push(ledger_from(&r)?);
                    }
                }
                Ok(out)
            }

            async fn update_consent(&self, consent: &LedgerRow, ended: &[LedgerRow], audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("UPDATE consents SET record = $1, updated_at = $2 WHERE id = $3").bind(&consent.record).bind(consent.updated_at).bind(&consent.id).execute(&mut *tx).await?;
                for r in ended {
                    sqlx::query("UPDATE referrals SET state = $1, record = $2, updated_at = $3 WHERE id = $4").bind(&r.kind).bind(&r.record).bind(r.updated_at).bind(&r.id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn insert_referral(&self, row: &LedgerRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("INSERT INTO referrals (id, case_id, from_org_id, to_org_id, state, record, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(&row.id)
                    .bind(row.case_id.to_string())
                    .bind(row.from_org.map(|o| o.to_string()))
                    .bind(row.to_org.map(|o| o.to_string()))
                    .bind(&row.kind)
                    .bind(&row.record)
                    .bind(row.created_at)
                    .bind(row.updated_at)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn referral(&self, id: &str) -> Result<Option<LedgerRow>> {
                let row = sqlx::query("SELECT id, case_id, state AS kind, from_org_id, to_org_id, record, created_at, updated_at FROM referrals WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(ledger_from).transpose()
            }

            async fn read_referral(&self, id: &str, audit: &AuditDraft) -> Result<Option<LedgerRow>> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT id, case_id, state AS kind, from_org_id, to_org_id, record, created_at, updated_at FROM referrals WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
                let Some(row) = row else { return Ok(None) };
                let out = ledger_from(&row)?;
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(Some(out))
            }

            async fn referrals_for_case(&self, case: CaseId) -> Result<Vec<LedgerRow>> {
                let rows = sqlx::query("SELECT id, case_id, state AS kind, from_org_id, to_org_id, record, created_at, updated_at FROM referrals WHERE case_id = $1 ORDER BY created_at, id")
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(ledger_from).collect()
            }

            async fn referrals_for_org(&self, org: OrgId, inbox: bool) -> Result<Vec<LedgerRow>> {
                let sql = if inbox {
                    "SELECT id, case_id, state AS kind, from_org_id, to_org_id, record, created_at, updated_at FROM referrals WHERE to_org_id = $1 ORDER BY created_at DESC, id LIMIT 500"
                } else {
                    "SELECT id, case_id, state AS kind, from_org_id, to_org_id, record, created_at, updated_at FROM referrals WHERE from_org_id = $1 ORDER BY created_at DESC, id LIMIT 500"
                };
                let rows = sqlx::query(sql).bind(org.to_string()).fetch_all(&self.pool).await?;
                rows.iter().map(ledger_from).collect()
            }

            async fn update_referral(&self, row: &LedgerRow, expected_state: &str, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let n = sqlx::query("UPDATE referrals SET state = $1, record = $2, updated_at = $3 WHERE id = $4 AND state = $5")
                    .bind(&row.kind)
                    .bind(&row.record)
                    .bind(row.updated_at)
                    .bind(&row.id)
                    .bind(expected_state)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

mod sqlite_referrals {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    referrals_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_referrals {
    use super::*;
    use sqlx::postgres::PgRow;
    referrals_sql!(PgStore, Postgres, PgRow);
}
