//! [`JusticeStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

/// Stands for "no date limit" in `booked_on <= $n` (ISO dates sort as text).
const NO_DATE_LIMIT: &str = "9999-12-31";

const TX_COLUMNS: &str = "id, description, state, requested_by, decided_by, reverses, proposed, booked_on, created_at, decided_at";
const POSTING_COLUMNS: &str =
    "transaction_id, line, account_id, direction, amount_minor, currency, case_id, booked_on";
const SIGNED_SUM: &str =
    "CAST(SUM(CASE WHEN direction = 'debit' THEN amount_minor ELSE -amount_minor END) AS BIGINT)";

/// `$first, $first+1, …` for `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

macro_rules! justice_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn record_from(r: &$row_ty) -> Result<CaseRecordRow> {
            let owner: Option<String> = r.try_get("owner_id")?;
            Ok(CaseRecordRow {
                id: r.try_get("id")?,
                case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                kind: r.try_get("kind")?,
                state: r.try_get("state")?,
                subject: r.try_get("subject")?,
                owner_id: owner.map(|u| uuid_col(u, UserId)).transpose()?,
                ref_id: r.try_get("ref_id")?,
                due_on: r.try_get("due_on")?,
                record: decode_sealed(&r.try_get::<Vec<u8>, _>("record")?)?,
                version: r.try_get("version")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }
        fn account_from(r: &$row_ty) -> Result<FundAccountRow> {
            Ok(FundAccountRow {
                id: r.try_get("id")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                court_order_reference: r.try_get("court_order_reference")?,
                created_by: uuid_col(r.try_get("created_by")?, UserId)?,
                created_at: r.try_get("created_at")?,
            })
        }
        fn tx_from(r: &$row_ty) -> Result<FundTransactionRow> {
            let decided_by: Option<String> = r.try_get("decided_by")?;
            Ok(FundTransactionRow {
                id: r.try_get("id")?,
                description: decode_sealed(&r.try_get::<Vec<u8>, _>("description")?)?,
                state: r.try_get("state")?,
                requested_by: uuid_col(r.try_get("requested_by")?, UserId)?,
                decided_by: decided_by.map(|u| uuid_col(u, UserId)).transpose()?,
                reverses: r.try_get("reverses")?,
                proposed: r.try_get("proposed")?,
                booked_on: r.try_get("booked_on")?,
                created_at: r.try_get("created_at")?,
                decided_at: r.try_get("decided_at")?,
            })
        }
        fn posting_from(r: &$row_ty) -> Result<FundPostingRow> {
            let case: Option<String> = r.try_get("case_id")?;
            Ok(FundPostingRow {
                transaction_id: r.try_get("transaction_id")?,
                line: r.try_get("line")?,
                account_id: r.try_get("account_id")?,
                direction: r.try_get("direction")?,
                amount_minor: r.try_get("amount_minor")?,
                currency: r.try_get("currency")?,
                case_id: case.map(|c| uuid_col(c, CaseId)).transpose()?,
                booked_on: r.try_get("booked_on")?,
            })
        }
        fn balance_from(r: &$row_ty) -> Result<FundBalanceRow> {
            Ok(FundBalanceRow {
                account_id: r.try_get("account_id")?,
                currency: r.try_get("currency")?,
                signed_minor: r.try_get("signed_minor")?,
            })
        }

        impl $store {
            async fn insert_postings_tx(&self, tx: &mut sqlx::Transaction<'static, $db>, postings: &[FundPostingRow]) -> Result<()> {
                for p in postings {
                    sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO fund_postings ({POSTING_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")))
                        .bind(&p.transaction_id)
                        .bind(p.line)
                        .bind(&p.account_id)
                        .bind(&p.direction)
                        .bind(p.amount_minor)
                        .bind(&p.currency)
                        .bind(p.case_id.map(|c| c.to_string()))
                        .bind(&p.booked_on)
                        .execute(&mut **tx)
                        .await
                        .map_err(|e| conflict_or(e, "fund posting"))?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl JusticeStore for $store {
            async fn read_justice_records(&self, case: CaseId, kinds: &[&str], audit: &AuditDraft) -> Result<Vec<CaseRecordRow>> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let sql = format!(
                    "SELECT * FROM case_records WHERE case_id = $1 AND kind IN ({}) ORDER BY created_at, id",
                    placeholders(2, kinds.len().max(1))
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(case.to_string());
                if kinds.is_empty() {
                    q = q.bind("");
                }
                for k in kinds {
                    q = q.bind(*k);
                }
                let rows = q.fetch_all(&mut *tx).await?;
                let out = rows.iter().map(record_from).collect::<Result<Vec<_>>>()?;
                tx.commit().await?;
                Ok(out)
            }

            async fn insert_fund_account(&self, a: &FundAccountRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("INSERT INTO fund_accounts (id, name, kind, court_order_reference, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&a.id)
                    .bind(&a.name)
                    .bind(&a.kind)
                    .bind(&a.court_order_reference)
                    .bind(a.created_by.to_string())
                    .bind(a.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "fund account"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn fund_accounts(&self) -> Result<Vec<FundAccountRow>> {
                let rows = sqlx::query("SELECT id, name, kind, court_order_reference, created_by, created_at FROM fund_accounts ORDER BY created_at, id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(account_from).collect()
            }

            async fn insert_fund_transaction(&self, t: &FundTransactionRow, postings: &[FundPostingRow], audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO fund_transactions ({TX_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")))
                    .bind(&t.id)
                    .bind(encode_sealed(&t.description))
                    .bind(&t.state)
                    .bind(t.requested_by.to_string())
                    .bind(t.decided_by.map(|u| u.to_string()))
                    .bind(&t.reverses)
                    .bind(&t.proposed)
                    .bind(&t.booked_on)
                    .bind(t.created_at)
                    .bind(t.decided_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "fund transaction (or its reversal)"))?;
                self.insert_postings_tx(&mut tx, postings).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn fund_transaction(&self, id: &str) -> Result<Option<FundTransactionRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {TX_COLUMNS} FROM fund_transactions WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(tx_from).transpose()
            }

            async fn fund_transactions(&self, states: &[&str], limit: i64) -> Result<Vec<FundTransactionRow>> {
                let sql = format!(
                    "SELECT {TX_COLUMNS} FROM fund_transactions WHERE state IN ({}) ORDER BY created_at DESC, id LIMIT $1",
                    placeholders(2, states.len().max(1))
                );
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(limit);
                if states.is_empty() {
                    q = q.bind("");
                }
                for s in states {
                    q = q.bind(*s);
                }
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter().map(tx_from).collect()
            }

            async fn fund_reversal_of(&self, id: &str) -> Result<Option<String>> {
                let row = sqlx::query("SELECT id FROM fund_transactions WHERE reverses = $1")
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                Ok(match row {
                    Some(r) => Some(r.try_get("id")?),
                    None => None,
                })
            }

            async fn fund_postings_of(&self, transaction: &str) -> Result<Vec<FundPostingRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {POSTING_COLUMNS} FROM fund_postings WHERE transaction_id = $1 ORDER BY line")))
                    .bind(transaction)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(posting_from).collect()
            }

            async fn decide_fund_transaction(&self, d: &FundDecision, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let n = sqlx::query("UPDATE fund_transactions SET state = $1, decided_by = $2, decided_at = $3, booked_on = $4 WHERE id = $5 AND state = 'awaiting_approval'")
                    .bind(&d.state)
                    .bind(d.decided_by.to_string())
                    .bind(d.decided_at)
                    .bind(&d.booked_on)
                    .bind(&d.id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                self.insert_postings_tx(&mut tx, &d.postings).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn fund_balances(&self, on_or_before: Option<&str>) -> Result<Vec<FundBalanceRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT account_id, currency, {SIGNED_SUM} AS signed_minor FROM fund_postings WHERE booked_on <= $1 GROUP BY account_id, currency ORDER BY account_id, currency"
                )))
                .bind(on_or_before.unwrap_or(NO_DATE_LIMIT))
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(balance_from).collect()
            }

            async fn count_fund_transactions(&self, state: &str) -> Result<i64> {
                let n: i64 = sqlx::query_scalar("SELECT CAST(COUNT(*) AS BIGINT) FROM fund_transactions WHERE state = $1")
                    .bind(state)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(n)
            }

            async fn fund_movements(&self, from: &str, to: &str) -> Result<Vec<FundMovementRow>> {
                let rows = sqlx::query(
                    "SELECT account_id, currency, \
                     CAST(COALESCE(SUM(CASE WHEN direction = 'debit' THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS debit_minor, \
                     CAST(COALESCE(SUM(CASE WHEN direction = 'credit' THEN amount_minor ELSE 0 END), 0) AS BIGINT) AS credit_minor, \
                     CAST(COUNT(*) AS BIGINT) AS postings \
                     FROM fund_postings WHERE booked_on >= $1 AND booked_on <= $2 \
                     GROUP BY account_id, currency ORDER BY account_id, currency",
                )
                .bind(from.to_owned())
                .bind(to.to_owned())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(FundMovementRow {
                            account_id: r.try_get("account_id")?,
                            currency: r.try_get("currency")?,
                            debit_minor: r.try_get("debit_minor")?,
                            credit_minor: r.try_get("credit_minor")?,
                            postings: r.try_get("postings")?,
                        })
                    })
                    .collect()
            }

            async fn fund_unbalanced(&self) -> Result<Vec<(String, String)>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT transaction_id, currency FROM fund_postings GROUP BY transaction_id, currency HAVING {SIGNED_SUM} <> 0 ORDER BY transaction_id, currency"
                )))
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("transaction_id")?, r.try_get("currency")?)))
                    .collect()
            }

            async fn fund_case_balances(&self, case: CaseId, on_or_before: Option<&str>, audit: &AuditDraft) -> Result<Vec<FundBalanceRow>> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT account_id, currency, {SIGNED_SUM} AS signed_minor FROM fund_postings WHERE case_id = $1 AND booked_on <= $2 GROUP BY account_id, currency ORDER BY account_id, currency"
                )))
                .bind(case.to_string())
                .bind(on_or_before.unwrap_or(NO_DATE_LIMIT))
                .fetch_all(&mut *tx)
                .await?;
                let out = rows.iter().map(balance_from).collect::<Result<Vec<_>>>()?;
                tx.commit().await?;
                Ok(out)
            }

            async fn fund_ledger(&self, offset: i64, limit: i64, audit: &AuditDraft) -> Result<Vec<FundLedgerLine>> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let rows = sqlx::query(
                    "SELECT p.transaction_id, p.line, p.account_id, p.direction, p.amount_minor, p.currency, p.case_id, p.booked_on, t.description, t.reverses \
                     FROM fund_postings p JOIN fund_transactions t ON t.id = p.transaction_id \
                     ORDER BY p.booked_on, t.created_at, p.transaction_id, p.line LIMIT $1 OFFSET $2",
                )
                .bind(limit)
                .bind(offset)
                .fetch_all(&mut *tx)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    out.push(FundLedgerLine {
                        posting: posting_from(r)?,
                        description: decode_sealed(&r.try_get::<Vec<u8>, _>("description")?)?,
                        reverses: r.try_get("reverses")?,
                    });
                }
                tx.commit().await?;
                Ok(out)
            }
        }
    };
}

mod sqlite_justice {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    justice_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_justice {
    use super::*;
    use sqlx::postgres::PgRow;
    justice_sql!(PgStore, Postgres, PgRow);
}
