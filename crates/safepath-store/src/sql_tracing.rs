//! [`TracingStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

fn opt_id<T>(v: Option<String>, wrap: fn(uuid::Uuid) -> T) -> Result<Option<T>> {
    v.map(|s| uuid_col(s, wrap)).transpose()
}

const REQUEST_COLUMNS: &str = "id, reference, org_id, created_by, status, found_org_id, found_at, sought, requester, created_at";
const MATCH_COLUMNS: &str = "id, request_id, case_id, case_org_id, probability, band, explanation, state, decided_by, decided_at, created_at";
const RUN_COLUMNS: &str =
    "id, state, started_by, started_at, finished_at, processed, total, pairs_found, error";
const PAIR_COLUMNS: &str = "id, case_a, case_b, probability, band, state, run_id, created_at, decided_by, decided_at, explanation";

macro_rules! tracing_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn request_from(r: &$row_ty) -> Result<TracingRequestRow> {
            Ok(TracingRequestRow {
                id: r.try_get("id")?,
                reference: r.try_get("reference")?,
                org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                created_by: uuid_col(r.try_get("created_by")?, UserId)?,
                status: r.try_get("status")?,
                found_org_id: opt_id(r.try_get("found_org_id")?, OrgId)?,
                found_at: r.try_get("found_at")?,
                sought: decode_sealed(&r.try_get::<Vec<u8>, _>("sought")?)?,
                requester: decode_sealed(&r.try_get::<Vec<u8>, _>("requester")?)?,
                created_at: r.try_get("created_at")?,
            })
        }
        fn match_from(r: &$row_ty) -> Result<TracingMatchRow> {
            Ok(TracingMatchRow {
                id: r.try_get("id")?,
                request_id: r.try_get("request_id")?,
                case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                case_org_id: uuid_col(r.try_get("case_org_id")?, OrgId)?,
                probability: r.try_get("probability")?,
                band: r.try_get("band")?,
                explanation: r.try_get("explanation")?,
                state: r.try_get("state")?,
                decided_by: opt_id(r.try_get("decided_by")?, UserId)?,
                decided_at: r.try_get("decided_at")?,
                created_at: r.try_get("created_at")?,
            })
        }
        fn contact_from(r: &$row_ty) -> Result<TracingContactRow> {
            Ok(TracingContactRow {
                id: r.try_get("id")?,
                request_id: r.try_get("request_id")?,
                by_user: uuid_col(r.try_get("by_user")?, UserId)?,
                at_ms: r.try_get("at_ms")?,
                method: r.try_get("method")?,
                note: opt_sealed(r.try_get("note")?)?,
            })
        }
        fn run_from(r: &$row_ty) -> Result<DedupeRunRow> {
            Ok(DedupeRunRow {
                id: r.try_get("id")?,
                state: r.try_get("state")?,
                started_by: r.try_get("started_by")?,
                started_at: r.try_get("started_at")?,
                finished_at: r.try_get("finished_at")?,
                processed: r.try_get("processed")?,
                total: r.try_get("total")?,
                pairs_found: r.try_get("pairs_found")?,
                error: r.try_get("error")?,
            })
        }
        fn pair_from(r: &$row_ty) -> Result<DedupePairRow> {
            Ok(DedupePairRow {
                id: r.try_get("id")?,
                case_a: uuid_col(r.try_get("case_a")?, CaseId)?,
                case_b: uuid_col(r.try_get("case_b")?, CaseId)?,
                probability: r.try_get("probability")?,
                band: r.try_get("band")?,
                explanation: r.try_get("explanation")?,
                state: r.try_get("state")?,
                run_id: r.try_get("run_id")?,
                created_at: r.try_get("created_at")?,
                decided_by: opt_id(r.try_get("decided_by")?, UserId)?,
                decided_at: r.try_get("decided_at")?,
            })
        }

        impl $store {
            /// Inserts one match; `tail` ends the statement (a conflict clause or nothing).
            async fn insert_match_tx(tx: &mut sqlx::Transaction<'static, $db>, m: &TracingMatchRow, tail: &str) -> Result<u64> {
                Ok(sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO tracing_matches ({MATCH_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11){tail}")))
                        .bind(&m.id)
                        .bind(&m.request_id)
                        .bind(m.case_id.to_string())
                        .bind(m.case_org_id.to_string())
                        .bind(m.probability)
                        .bind(&m.band)
                        .bind(&m.explanation)
                        .bind(&m.state)
                        .bind(m.decided_by.map(|u| u.to_string()))
                        .bind(m.decided_at)
                        .bind(m.created_at)
                        .execute(&mut **tx)
                    .await?
                    .rows_affected())
            }
        }

        #[async_trait]
        impl TracingStore for $store {
            async fn insert_tracing_request(&self, q: &TracingRequestRow, matches: &[TracingMatchRow], audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO tracing_requests ({REQUEST_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")))
                    .bind(&q.id)
                    .bind(&q.reference)
                    .bind(q.org_id.to_string())
                    .bind(q.created_by.to_string())
                    .bind(&q.status)
                    .bind(q.found_org_id.map(|o| o.to_string()))
                    .bind(q.found_at)
                    .bind(encode_sealed(&q.sought))
                    .bind(encode_sealed(&q.requester))
                    .bind(q.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "tracing request"))?;
                for m in matches {
                    Self::insert_match_tx(&mut tx, m, "").await.map_err(|e| match e {
                        StoreError::Db(e) => conflict_or(e, "tracing match"),
                        other => other,
                    })?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn tracing_request(&self, id: &str) -> Result<Option<TracingRequestRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REQUEST_COLUMNS} FROM tracing_requests WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(request_from).transpose()
            }

            async fn open_tracing_requests(&self) -> Result<Vec<TracingRequestRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REQUEST_COLUMNS} FROM tracing_requests WHERE status = 'open' ORDER BY created_at, id")))
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(request_from).collect()
            }

            async fn insert_tracing_matches(&self, matches: &[TracingMatchRow], audit: &AuditDraft) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let mut added = 0;
                for m in matches {
                    added += Self::insert_match_tx(&mut tx, m, " ON CONFLICT (request_id, case_id) DO NOTHING").await?;
                }
                tx.commit().await?;
                Ok(added)
            }

            async fn tracing_requests_for_org(&self, org: OrgId) -> Result<Vec<TracingRequestRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {REQUEST_COLUMNS} FROM tracing_requests WHERE org_id = $1 ORDER BY created_at DESC, id LIMIT 500")))
                    .bind(org.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(request_from).collect()
            }

            async fn tracing_match(&self, id: &str) -> Result<Option<TracingMatchRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MATCH_COLUMNS} FROM tracing_matches WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(match_from).transpose()
            }

            async fn tracing_matches_for_org(&self, org: OrgId) -> Result<Vec<TracingMatchRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MATCH_COLUMNS} FROM tracing_matches WHERE case_org_id = $1 ORDER BY created_at DESC, id LIMIT 500")))
                    .bind(org.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(match_from).collect()
            }

            async fn tracing_matches_for_request(&self, request: &str) -> Result<Vec<TracingMatchRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {MATCH_COLUMNS} FROM tracing_matches WHERE request_id = $1 ORDER BY probability DESC, id")))
                    .bind(request)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(match_from).collect()
            }

            async fn decide_tracing_match(&self, d: &TracingDecision, expected_state: &str, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let m = &d.decided;
                let n = sqlx::query("UPDATE tracing_matches SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = $5")
                    .bind(&m.state)
                    .bind(m.decided_by.map(|u| u.to_string()))
                    .bind(m.decided_at)
                    .bind(&m.id)
                    .bind(expected_state)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                if let Some(c) = &d.consent {
                    sqlx::query("INSERT INTO consents (id, case_id, purpose, recipient_org_id, record, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                        .bind(&c.id)
                        .bind(c.case_id.to_string())
                        .bind(&c.kind)
                        .bind(c.to_org.map(|o| o.to_string()))
                        .bind(&c.record)
                        .bind(c.created_at)
                        .bind(c.updated_at)
                        .execute(&mut *tx)
                        .await?;
                }
                if let Some((org, at)) = d.found {
                    // Only the first consent makes the request found.
                    sqlx::query("UPDATE tracing_requests SET status = 'found', found_org_id = $1, found_at = $2 WHERE id = $3 AND status = 'open'")
                        .bind(org.to_string())
                        .bind(at)
                        .bind(&m.request_id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn insert_tracing_contact(&self, c: &TracingContactRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("INSERT INTO tracing_contacts (id, request_id, by_user, at_ms, method, note) VALUES ($1, $2, $3, $4, $5, $6)")
                    .bind(&c.id)
                    .bind(&c.request_id)
                    .bind(c.by_user.to_string())
                    .bind(c.at_ms)
                    .bind(&c.method)
                    .bind(c.note.as_ref().map(encode_sealed))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn tracing_contacts(&self, request: &str) -> Result<Vec<TracingContactRow>> {
                let rows = sqlx::query("SELECT id, request_id, by_user, at_ms, method, note FROM tracing_contacts WHERE request_id = $1 ORDER BY at_ms, id")
                    .bind(request)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(contact_from).collect()
            }

            async fn count_cases_with_consent_purpose(&self, purpose: &str) -> Result<i64> {
                let row = sqlx::query("SELECT COUNT(DISTINCT case_id) AS n FROM consents WHERE purpose = $1")
                    .bind(purpose)
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.try_get::<i64, _>("n")?)
            }

            async fn case_reference(&self, case: CaseId) -> Result<Option<String>> {
                let row = sqlx::query("SELECT reference FROM cases WHERE id = $1")
                    .bind(case.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| r.try_get("reference").map_err(StoreError::from)).transpose()
            }

            async fn insert_dedupe_run(&self, run: &DedupeRunRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO dedupe_runs ({RUN_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")))
                    .bind(&run.id)
                    .bind(&run.state)
                    .bind(&run.started_by)
                    .bind(run.started_at)
                    .bind(run.finished_at)
                    .bind(run.processed)
                    .bind(run.total)
                    .bind(run.pairs_found)
                    .bind(&run.error)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "a running de-duplication run"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn abandon_dedupe_runs(&self, now_ms: i64, error: &str) -> Result<u64> {
                Ok(sqlx::query("UPDATE dedupe_runs SET state = 'failed', finished_at = $1, error = $2 WHERE state = 'running'")
                    .bind(now_ms)
                    .bind(error)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn update_dedupe_run(&self, run: &DedupeRunRow) -> Result<()> {
                sqlx::query("UPDATE dedupe_runs SET state = $1, finished_at = $2, processed = $3, total = $4, pairs_found = $5, error = $6 WHERE id = $7 AND state = 'running'")
                    .bind(&run.state)
                    .bind(run.finished_at)
                    .bind(run.processed)
                    .bind(run.total)
                    .bind(run.pairs_found)
                    .bind(&run.error)
                    .bind(&run.id)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn finish_dedupe_run(&self, run: &DedupeRunRow, pairs: &[DedupePairRow], audit: &AuditDraft) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let mut added = 0;
                for p in pairs {
                    // One row per unordered pair: the smaller id is `case_a`.
                    let (a, b) = (p.case_a.to_string(), p.case_b.to_string());
                    let (a, b) = if a <= b { (a, b) } else { (b, a) };
                    added += sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO dedupe_pairs ({PAIR_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (case_a, case_b) DO NOTHING")))
                        .bind(&p.id)
                        .bind(a)
                        .bind(b)
                        .bind(p.probability)
                        .bind(&p.band)
                        .bind(&p.state)
                        .bind(&p.run_id)
                        .bind(p.created_at)
                        .bind(p.decided_by.map(|u| u.to_string()))
                        .bind(p.decided_at)
                        .bind(&p.explanation)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                }
                sqlx::query("UPDATE dedupe_runs SET state = $1, finished_at = $2, processed = $3, total = $4, pairs_found = $5, error = $6 WHERE id = $7")
                    .bind(&run.state)
                    .bind(run.finished_at)
                    .bind(run.processed)
                    .bind(run.total)
                    .bind(run.pairs_found)
                    .bind(&run.error)
                    .bind(&run.id)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(added)
            }

            async fn latest_dedupe_run(&self) -> Result<Option<DedupeRunRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {RUN_COLUMNS} FROM dedupe_runs ORDER BY started_at DESC, id DESC LIMIT 1")))
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(run_from).transpose()
            }

            async fn dedupe_pairs_touching(&self, state: &str, org: OrgId, limit: i64) -> Result<Vec<DedupePairRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {PAIR_COLUMNS} FROM dedupe_pairs WHERE state = $1 AND EXISTS \
                     (SELECT 1 FROM cases c WHERE c.org_id = $2 AND (c.id = dedupe_pairs.case_a OR c.id = dedupe_pairs.case_b)) \
                     ORDER BY created_at DESC, probability DESC, id LIMIT $3"
                )))
                .bind(state)
                .bind(org.to_string())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(pair_from).collect()
            }

            async fn dedupe_pairs(&self, state: Option<&str>) -> Result<Vec<DedupePairRow>> {
                let rows = match state {
                    Some(s) => sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PAIR_COLUMNS} FROM dedupe_pairs WHERE state = $1 ORDER BY created_at DESC, probability DESC, id LIMIT 1000")))
                        .bind(s)
                        .fetch_all(&self.pool)
                        .await?,
                    None => sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PAIR_COLUMNS} FROM dedupe_pairs ORDER BY created_at DESC, probability DESC, id LIMIT 1000")))
                        .fetch_all(&self.pool)
                        .await?,
                };
                rows.iter().map(pair_from).collect()
            }

            async fn dedupe_pair_counts(&self) -> Result<Vec<(String, i64)>> {
                let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM dedupe_pairs GROUP BY state ORDER BY state")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("state")?, r.try_get("n")?)))
                    .collect()
            }

            async fn dedupe_pair(&self, id: &str) -> Result<Option<DedupePairRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {PAIR_COLUMNS} FROM dedupe_pairs WHERE id = $1")))
                    .bind(id)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(pair_from).transpose()
            }

            async fn decide_dedupe_pair(&self, p: &DedupePairRow, expected_state: &str, change: &MergeChange, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let n = sqlx::query("UPDATE dedupe_pairs SET state = $1, decided_by = $2, decided_at = $3 WHERE id = $4 AND state = $5")
                    .bind(&p.state)
                    .bind(p.decided_by.map(|u| u.to_string()))
                    .bind(p.decided_at)
                    .bind(&p.id)
                    .bind(expected_state)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                match change {
                    MergeChange::None => {}
                    MergeChange::Merge(m) => {
                        let chained: i64 = sqlx::query("SELECT COUNT(*) AS n FROM case_merges WHERE secondary_case_id = $1")
                            .bind(m.primary.to_string())
                            .fetch_one(&mut *tx)
                            .await?
                            .try_get("n")?;
                        if chained > 0 {
                            return Err(StoreError::Conflict("a merge into a case that is itself merged".into()));
                        }
                        sqlx::query("INSERT INTO case_merges (secondary_case_id, primary_case_id, pair_id, merged_by, merged_at) VALUES ($1, $2, $3, $4, $5)")
                            .bind(m.secondary.to_string())
                            .bind(m.primary.to_string())
                            .bind(&m.pair_id)
                            .bind(m.merged_by.to_string())
                            .bind(m.merged_at)
                            .execute(&mut *tx)
                            .await
                            .map_err(|e| conflict_or(e, "a merge of this case"))?;
                    }
                    MergeChange::Unmerge(secondary) => {
                        let n = sqlx::query("DELETE FROM case_merges WHERE secondary_case_id = $1")
                            .bind(secondary.to_string())
                            .execute(&mut *tx)
                            .await?
                            .rows_affected();
                        if n != 1 {
                            return Err(StoreError::VersionMismatch);
                        }
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn case_merges(&self) -> Result<Vec<CaseMergeRow>> {
                let rows = sqlx::query("SELECT secondary_case_id, primary_case_id, pair_id, merged_by, merged_at FROM case_merges ORDER BY merged_at, secondary_case_id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok(CaseMergeRow {
                            secondary: uuid_col(r.try_get("secondary_case_id")?, CaseId)?,
                            primary: uuid_col(r.try_get("primary_case_id")?, CaseId)?,
                            pair_id: r.try_get("pair_id")?,
                            merged_by: uuid_col(r.try_get("merged_by")?, UserId)?,
                            merged_at: r.try_get("merged_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

mod sqlite_tracing {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    tracing_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_tracing {
    use super::*;
    use sqlx::postgres::PgRow;
    tracing_sql!(PgStore, Postgres, PgRow);
}
