//! [`AgreementStore`] for both backends, from one body of portable SQL.

use super::*;

const COLUMNS: &str = "id, title, parties, record, created_by, created_at";

macro_rules! agreements_sql {
    ($store:ident) => {
        #[async_trait]
        impl AgreementStore for $store {
            async fn insert_agreement(&self, row: &AgreementRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let same: Option<String> = sqlx::query("SELECT id FROM agreements WHERE title = $1")
                    .bind(&row.title)
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| r.try_get("id"))
                    .transpose()?;
                if same.is_some() {
                    return Err(StoreError::Conflict("an agreement with this title".into()));
                }
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!("INSERT INTO agreements ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)")))
                    .bind(&row.id)
                    .bind(&row.title)
                    .bind(&row.parties)
                    .bind(&row.record)
                    .bind(&row.created_by)
                    .bind(row.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "agreement"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn agreements(&self, party: Option<&str>) -> Result<Vec<AgreementRow>> {
                let rows = match party {
                    Some(p) => {
                        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM agreements WHERE parties LIKE $1 ORDER BY created_at, id")))
                            .bind(format!("%,{p},%"))
                            .fetch_all(&self.pool)
                            .await?
                    }
                    None => {
                        sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {COLUMNS} FROM agreements ORDER BY created_at, id")))
                            .fetch_all(&self.pool)
                            .await?
                    }
                };
                rows.iter()
                    .map(|r| {
                        Ok(AgreementRow {
                            id: r.try_get("id")?,
                            title: r.try_get("title")?,
                            parties: r.try_get("parties")?,
                            record: r.try_get("record")?,
                            created_by: r.try_get("created_by")?,
                            created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }
        }
    };
}

agreements_sql!(SqliteStore);
agreements_sql!(PgStore);
