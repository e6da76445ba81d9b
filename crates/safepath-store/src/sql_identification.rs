//! [`IdentificationStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

macro_rules! identification_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn decision_from(r: &$row_ty) -> Result<DecisionRow> {
            let by: Option<String> = r.try_get("decided_by")?;
            let reasons: Option<Vec<u8>> = r.try_get("reasons")?;
            Ok(DecisionRow {
                id: r.try_get("id")?,
                case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                stage: r.try_get("stage")?,
                profile_id: r.try_get("profile_id")?,
                opened_at: r.try_get("opened_at")?,
                opened_on: r.try_get("opened_on")?,
                due_on: r.try_get("due_on")?,
                decided_at: r.try_get("decided_at")?,
                decided_by: by.map(|u| uuid_col(u, UserId)).transpose()?,
                outcome: r.try_get("outcome")?,
                deciding_org_type: r.try_get("deciding_org_type")?,
                letter_addressee: r.try_get("letter_addressee")?,
                reasons: opt_sealed(reasons)?,
                reflection_ends_on: r.try_get("reflection_ends_on")?,
                reconsideration_of: r.try_get("reconsideration_of")?,
            })
        }

        #[async_trait]
        impl IdentificationStore for $store {
            async fn set_focal_point(&self, org: OrgId, user: UserId, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("INSERT INTO org_focal_points (org_id, user_id) VALUES ($1, $2) ON CONFLICT (org_id) DO UPDATE SET user_id = excluded.user_id")
                    .bind(org.to_string())
                    .bind(user.to_string())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn focal_point(&self, org: OrgId) -> Result<Option<UserId>> {
                let row = sqlx::query("SELECT user_id FROM org_focal_points WHERE org_id = $1").bind(org.to_string()).fetch_optional(&self.pool).await?;
                row.map(|r| uuid_col(r.try_get("user_id")?, UserId)).transpose()
            }

            async fn insert_screening(&self, sc: &ScreeningRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(
                    "INSERT INTO screenings (id, org_id, screened_by, created_at, catalogue_version, profile_id, form, population, outcome, non_punishment, non_removal, case_id, record) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
                )
                .bind(&sc.id)
                .bind(sc.org_id.to_string())
                .bind(sc.screened_by.to_string())
                .bind(sc.created_at)
                .bind(&sc.catalogue_version)
                .bind(&sc.profile_id)
                .bind(&sc.form)
                .bind(&sc.population)
                .bind(&sc.outcome)
                .bind(sc.non_punishment)
                .bind(sc.non_removal)
                .bind(sc.case_id.map(|c| c.to_string()))
                .bind(encode_sealed(&sc.record))
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn screening(&self, id: &str) -> Result<Option<ScreeningRow>> {
                let row = sqlx::query("SELECT * FROM screenings WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.map(|r| {
                    let case: Option<String> = r.try_get("case_id")?;
                    Ok(ScreeningRow {
                        id: r.try_get("id")?,
                        org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                        screened_by: uuid_col(r.try_get("screened_by")?, UserId)?,
                        created_at: r.try_get("created_at")?,
                        catalogue_version: r.try_get("catalogue_version")?,
                        profile_id: r.try_get("profile_id")?,
                        form: r.try_get("form")?,
                        population: r.try_get("population")?,
                        outcome: r.try_get("outcome")?,
                        non_punishment: r.try_get("non_punishment")?,
                        non_removal: r.try_get("non_removal")?,
                        case_id: case.map(|c| uuid_col(c, CaseId)).transpose()?,
                        record: decode_sealed(&r.try_get::<Vec<u8>, _>("record")?)?,
                    })
                })
                .transpose()
            }

            async fn decisions_for_case(&self, id: CaseId) -> Result<Vec<DecisionRow>> {
                let rows = sqlx::query("SELECT * FROM decisions WHERE case_id = $1 ORDER BY opened_at, id").bind(id.to_string()).fetch_all(&self.pool).await?;
                rows.iter().map(decision_from).collect()
            }

            async fn read_decisions(&self, id: CaseId, audit: &AuditDraft) -> Result<Vec<DecisionRow>> {
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query("SELECT * FROM decisions WHERE case_id = $1 ORDER BY opened_at, id").bind(id.to_string()).fetch_all(&mut *tx).await?;
                let out = rows.iter().map(decision_from).collect::<Result<Vec<_>>>()?;
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn insert_decision(&self, d: &DecisionRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                self.insert_decision_tx(&mut tx, d).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn change_decision(&self, ch: &DecisionChange, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let d = &ch.decided;
                let n = sqlx::query(
                    "UPDATE decisions SET decided_at = $1, decided_by = $2, outcome = $3, deciding_org_type = $4, letter_addressee = $5, reasons = $6, reflection_ends_on = $7 \
                     WHERE id = $8 AND decided_at IS NULL",
                )
                .bind(d.decided_at)
                .bind(d.decided_by.map(|u| u.to_string()))
                .bind(&d.outcome)
                .bind(&d.deciding_org_type)
                .bind(&d.letter_addressee)
                .bind(d.reasons.as_ref().map(encode_sealed))
                .bind(&d.reflection_ends_on)
                .bind(&d.id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                if let Some(next) = &ch.next {
                    self.insert_decision_tx(&mut tx, next).await?;
                }
                if let Some((status, version)) = &ch.case_status {
                    let n = sqlx::query("UPDATE cases SET status = $1, version = $2, updated_at = $3 WHERE id = $4 AND version = $5")
                        .bind(status)
                        .bind(version)
                        .bind(audit.at_ms)
                        .bind(d.case_id.to_string())
                        .bind(version - 1)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n != 1 {
                        return Err(StoreError::VersionMismatch);
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn open_decisions(&self, visibility: Visibility, due_before: Option<&str>) -> Result<Vec<OpenDecision>> {
                if visibility == Visibility::Nothing {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT d.*, c.reference AS c_reference, c.org_id AS c_org_id FROM decisions d JOIN cases c ON c.id = d.case_id WHERE d.decided_at IS NULL AND ");
                push_visible!(qb, visibility, false);
                if let Some(before) = due_before {
                    qb.push(" AND d.due_on < ").push_bind(before.to_owned());
                }
                qb.push(" ORDER BY d.due_on, d.id LIMIT 500");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| Ok(OpenDecision { decision: decision_from(r)?, reference: r.try_get("c_reference")?, org_id: uuid_col(r.try_get("c_org_id")?, OrgId)? }))
                    .collect()
            }
        }
    };
}

mod sqlite_identification {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    identification_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_identification {
    use super::*;
    use sqlx::postgres::PgRow;
    identification_sql!(PgStore, Postgres, PgRow);
}
