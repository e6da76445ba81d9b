//! [`TrainingStore`] for both backends, from one body of portable SQL.

use super::*;

macro_rules! trainings_sql {
    ($store:ident) => {
        #[async_trait]
        impl TrainingStore for $store {
            async fn add_training(&self, row: &TrainingRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(
                    "INSERT INTO trainings (id, org_id, held_on, topic, note, recorded_by, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&row.id)
                .bind(row.org_id.to_string())
                .bind(&row.held_on)
                .bind(&row.topic)
                .bind(&row.note)
                .bind(row.recorded_by.to_string())
                .bind(row.created_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or(e, "training"))?;
                for u in &row.attendees {
                    sqlx::query("INSERT INTO training_attendees (training_id, user_id) VALUES ($1, $2)")
                        .bind(&row.id)
                        .bind(u.to_string())
                        .execute(&mut *tx)
                        .await
                        .map_err(|e| conflict_or(e, "attendee"))?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn trainings(&self, org: OrgId) -> Result<Vec<TrainingRow>> {
                let rows = sqlx::query(
                    "SELECT id, org_id, held_on, topic, note, recorded_by, created_at FROM trainings \
                     WHERE org_id = $1 ORDER BY held_on DESC, created_at DESC, id",
                )
                .bind(org.to_string())
                .fetch_all(&self.pool)
                .await?;
                let attendees = sqlx::query(
                    "SELECT a.training_id, a.user_id FROM training_attendees a JOIN trainings t ON t.id = a.training_id \
                     WHERE t.org_id = $1 ORDER BY a.training_id, a.user_id",
                )
                .bind(org.to_string())
                .fetch_all(&self.pool)
                .await?;
                let mut by_training: std::collections::HashMap<String, Vec<UserId>> = Default::default();
                for a in &attendees {
                    by_training
                        .entry(a.try_get("training_id")?)
                        .or_default()
                        .push(uuid_col(a.try_get("user_id")?, UserId)?);
                }
                rows.iter()
                    .map(|r| {
                        let id: String = r.try_get("id")?;
                        Ok(TrainingRow {
                            attendees: by_training.remove(&id).unwrap_or_default(),
                            id,
                            org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                            held_on: r.try_get("held_on")?,
                            topic: r.try_get("topic")?,
                            note: r.try_get("note")?,
                            recorded_by: uuid_col(r.try_get("recorded_by")?, UserId)?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            async fn attendances(&self, org: Option<OrgId>) -> Result<Vec<AttendanceRow>> {
                let mut sql = "SELECT t.held_on, t.topic, a.user_id, u.role FROM training_attendees a \
                     JOIN trainings t ON t.id = a.training_id JOIN users u ON u.id = a.user_id"
                    .to_owned();
                if org.is_some() {
                    sql.push_str(" WHERE t.org_id = $1");
                }
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(o) = org {
                    q = q.bind(o.to_string());
                }
                q.fetch_all(&self.pool)
                    .await?
                    .iter()
                    .map(|r| {
                        Ok(AttendanceRow {
                            held_on: r.try_get("held_on")?,
                            topic: r.try_get("topic")?,
                            user_id: uuid_col(r.try_get("user_id")?, UserId)?,
                            role: r.try_get("role")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

trainings_sql!(SqliteStore);
trainings_sql!(PgStore);
