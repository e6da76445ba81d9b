//! [`StatsStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

const PERSON_SELECT: &str = "SELECT c.id AS case_id, c.person_id, c.org_id, o.country AS region, c.status, c.exploitation_forms, c.created_at, \
     p.sex, p.gender_identity, p.nationalities, p.birth_date, \
     (SELECT MIN(d.decided_at) FROM decisions d WHERE d.case_id = c.id AND d.stage = 'reasonable_grounds') AS rg_decided_at, \
     (SELECT MAX(d.decided_at) FROM decisions d WHERE d.case_id = c.id AND d.stage = 'conclusive') AS conclusive_decided_at, \
     (SELECT d.outcome FROM decisions d WHERE d.case_id = c.id AND d.stage = 'conclusive' AND d.decided_at IS NOT NULL ORDER BY d.decided_at DESC LIMIT 1) AS conclusive_outcome \
     FROM cases c JOIN persons p ON p.id = c.person_id JOIN orgs o ON o.id = c.org_id \
     WHERE NOT EXISTS (SELECT 1 FROM case_merges m WHERE m.secondary_case_id = c.id)";

const STAY_SELECT: &str = "SELECT c.org_id, s.shelter_type, s.regime, t.admitted_on, t.left_on, t.free_to_leave \
     FROM shelter_stays t JOIN cases c ON c.id = t.case_id JOIN shelters s ON s.id = t.shelter_id \
     WHERE NOT EXISTS (SELECT 1 FROM case_merges m WHERE m.secondary_case_id = c.id)";

const RELEASE_COLUMNS: &str = "id, user_id, table_name, release, created_at";
const BUDGET_COLUMNS: &str = "id, dataset, release_name, user_id, epsilon, delta, created_at";

/// `" AND <column> = $1"` when one organisation is asked for.
fn org_clause(org: Option<OrgId>, column: &str) -> String {
    if org.is_some() {
        format!(" AND {column} = $1")
    } else {
        String::new()
    }
}

macro_rules! stats_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn person_from(r: &$row_ty) -> Result<StatsPersonRow> {
            let birth: Option<Vec<u8>> = r.try_get("birth_date")?;
            Ok(StatsPersonRow {
                case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                person_id: r.try_get("person_id")?,
                org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                region: r.try_get("region")?,
                status: r.try_get("status")?,
                exploitation_forms: r.try_get("exploitation_forms")?,
                created_at: r.try_get("created_at")?,
                sex: r.try_get("sex")?,
                gender_identity: r.try_get("gender_identity")?,
                nationalities: r.try_get("nationalities")?,
                birth_date: birth.map(|b| decode_sealed(&b)).transpose()?,
                rg_decided_at: r.try_get("rg_decided_at")?,
                conclusive_decided_at: r.try_get("conclusive_decided_at")?,
                conclusive_outcome: r.try_get("conclusive_outcome")?,
            })
        }
        fn release_from(r: &$row_ty) -> Result<StatsReleaseRow> {
            Ok(StatsReleaseRow {
                id: r.try_get("id")?,
                user_id: uuid_col(r.try_get("user_id")?, UserId)?,
                table_name: r.try_get("table_name")?,
                release: r.try_get("release")?,
                created_at: r.try_get("created_at")?,
            })
        }
        fn budget_from(r: &$row_ty) -> Result<DpBudgetRow> {
            Ok(DpBudgetRow {
                id: r.try_get("id")?,
                dataset: r.try_get("dataset")?,
                release_name: r.try_get("release_name")?,
                user_id: uuid_col(r.try_get("user_id")?, UserId)?,
                epsilon: r.try_get("epsilon")?,
                delta: r.try_get("delta")?,
                created_at: r.try_get("created_at")?,
            })
        }

        #[async_trait]
        impl StatsStore for $store {
            async fn stats_persons(&self, org: Option<OrgId>, audit: &AuditDraft) -> Result<Vec<StatsPersonRow>> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let sql = format!("{PERSON_SELECT}{} ORDER BY c.created_at, c.id", org_clause(org, "c.org_id"));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(o) = org {
                    q = q.bind(o.to_string());
                }
                let rows = q.fetch_all(&mut *tx).await?;
                let out = rows.iter().map(person_from).collect::<Result<Vec<_>>>()?;
                tx.commit().await?;
                Ok(out)
            }

            async fn stats_stays(&self, org: Option<OrgId>) -> Result<Vec<StatsStayRow>> {
                let sql = format!("{STAY_SELECT}{}", org_clause(org, "c.org_id"));
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(o) = org {
                    q = q.bind(o.to_string());
                }
                let rows = q.fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        Ok(StatsStayRow {
                            org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                            shelter_type: r.try_get("shelter_type")?,
                            regime: r.try_get("regime")?,
                            admitted_on: r.try_get("admitted_on")?,
                            left_on: r.try_get("left_on")?,
                            free_to_leave: r.try_get("free_to_leave")?,
                        })
                    })
                    .collect()
            }

            async fn stats_aggregates(&self, org: Option<OrgId>) -> Result<StatsAggregates> {
                let bind_org = |sql: String| {
                    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                    if let Some(o) = org {
                        q = q.bind(o.to_string());
                    }
                    q
                };
                let where_org = |column: &str| if org.is_some() { format!(" WHERE {column} = $1") } else { String::new() };
                let orgs: i64 = bind_org(format!("SELECT COUNT(*) AS n FROM orgs{}", where_org("id")))
                    .fetch_one(&self.pool).await?.try_get("n")?;
                let focal: i64 = bind_org(format!("SELECT COUNT(*) AS n FROM org_focal_points{}", where_org("org_id")))
                    .fetch_one(&self.pool).await?.try_get("n")?;
                let beds = bind_org(format!(
                    "SELECT shelter_type, CAST(SUM(beds) AS BIGINT) AS beds FROM shelters{} GROUP BY shelter_type ORDER BY shelter_type",
                    where_org("org_id")
                ))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("shelter_type")?, r.try_get("beds")?)))
                .collect::<Result<Vec<(String, i64)>>>()?;
                let screenings = bind_org(format!("SELECT created_at, outcome FROM screenings{}", where_org("org_id")))
                    .fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| Ok((r.try_get("created_at")?, r.try_get("outcome")?)))
                    .collect::<Result<Vec<(i64, String)>>>()?;
                let conclusive = bind_org(format!(
                    "SELECT d.decided_at, d.due_on FROM decisions d JOIN cases c ON c.id = d.case_id \
                     WHERE d.stage = 'conclusive' AND d.decided_at IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM case_merges m WHERE m.secondary_case_id = c.id){}",
                    org_clause(org, "c.org_id")
                ))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("decided_at")?, r.try_get("due_on")?)))
                .collect::<Result<Vec<(i64, String)>>>()?;
                let presumed = bind_org(format!(
                    "SELECT MIN(d.decided_at) AS decided_at, \
                     (SELECT MIN(r.created_at) FROM case_records r WHERE r.case_id = c.id AND r.kind = 'need' AND r.subject = 'physical_health') AS health_at \
                     FROM decisions d JOIN cases c ON c.id = d.case_id \
                     WHERE d.stage = 'reasonable_grounds' AND d.outcome = 'presumed_victim' AND d.decided_at IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM case_merges m WHERE m.secondary_case_id = c.id){} GROUP BY c.id",
                    org_clause(org, "c.org_id")
                ))
                .fetch_all(&self.pool)
                .await?
                .iter()
                .map(|r| Ok((r.try_get("decided_at")?, r.try_get("health_at")?)))
                .collect::<Result<Vec<(i64, Option<i64>)>>>()?;
                Ok(StatsAggregates {
                    orgs,
                    orgs_with_focal_point: focal,
                    shelter_beds: beds,
                    screenings,
                    conclusive,
                    presumed,
                })
            }

            async fn insert_stats_release(&self, row: &StatsReleaseRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO stats_releases ({RELEASE_COLUMNS}) VALUES ($1, $2, $3, $4, $5)")))
                    .bind(&row.id)
                    .bind(row.user_id.to_string())
                    .bind(&row.table_name)
                    .bind(&row.release)
                    .bind(row.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "statistics release"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn stats_releases(&self, user: UserId, limit: i64) -> Result<Vec<StatsReleaseRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {RELEASE_COLUMNS} FROM stats_releases WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
                )))
                .bind(user.to_string())
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                let mut out = rows.iter().map(release_from).collect::<Result<Vec<_>>>()?;
                out.reverse();
                Ok(out)
            }

            async fn dp_budget(&self, dataset: &str) -> Result<Vec<DpBudgetRow>> {
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {BUDGET_COLUMNS} FROM dp_budget WHERE dataset = $1 ORDER BY created_at, id"
                )))
                .bind(dataset)
                .fetch_all(&self.pool)
                .await?;
                rows.iter().map(budget_from).collect()
            }

            async fn insert_dp_budget(&self, row: &DpBudgetRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO dp_budget ({BUDGET_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)")))
                    .bind(&row.id)
                    .bind(&row.dataset)
                    .bind(&row.release_name)
                    .bind(row.user_id.to_string())
                    .bind(row.epsilon)
                    .bind(row.delta)
                    .bind(row.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "privacy budget entry"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn demo_backdate_cases(&self, dates: &[(CaseId, i64)], audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                for (case, at) in dates {
                    sqlx::query("UPDATE cases SET created_at = $1 WHERE id = $2")
                        .bind(*at)
                        .bind(case.to_string())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }
        }
    };
}

mod sqlite_stats {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    stats_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_stats {
    use super::*;
    use sqlx::postgres::PgRow;
    stats_sql!(PgStore, Postgres, PgRow);
}
