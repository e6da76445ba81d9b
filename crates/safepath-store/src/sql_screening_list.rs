//! [`ScreeningListStore`] for both backends, from one body of portable SQL.

use super::*;

macro_rules! screening_list_sql {
    ($store:ident) => {
        #[async_trait]
        impl ScreeningListStore for $store {
            async fn list_screenings(&self, of: ScreeningsOf, limit: u32, mut audit: AuditDraft) -> Result<(Vec<ScreeningListRow>, bool)> {
                let (column, value) = match of {
                    ScreeningsOf::User(u) => ("screened_by", u.to_string()),
                    ScreeningsOf::Org(o) => ("org_id", o.to_string()),
                };
                // One more than asked, to know whether the list is cut.
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT id, org_id, screened_by, created_at, form, population, outcome, case_id \
                     FROM screenings WHERE {column} = $1 ORDER BY created_at DESC, id DESC LIMIT $2"
                )))
                .bind(value)
                .bind(i64::from(limit) + 1)
                .fetch_all(&self.pool)
                .await?;
                let cut = rows.len() > limit as usize;
                let items = rows
                    .iter()
                    .take(limit as usize)
                    .map(|r| {
                        let case: Option<String> = r.try_get("case_id")?;
                        Ok(ScreeningListRow {
                            id: r.try_get("id")?,
                            org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                            screened_by: uuid_col(r.try_get("screened_by")?, UserId)?,
                            created_at: r.try_get("created_at")?,
                            form: r.try_get("form")?,
                            population: r.try_get("population")?,
                            outcome: r.try_get("outcome")?,
                            case_id: case.map(|c| uuid_col(c, CaseId)).transpose()?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let ids: Vec<&str> = items.iter().map(|s| s.id.as_str()).collect();
                let listed = format!("results={} ids={}", ids.len(), ids.join(","));
                audit.add_detail(listed);
                self.append_grouped(audit, None).await?;
                Ok((items, cut))
            }

            async fn screening_of_case(&self, case: CaseId) -> Result<Option<String>> {
                Ok(sqlx::query_scalar(
                    "SELECT id FROM screenings WHERE case_id = $1 ORDER BY created_at LIMIT 1",
                )
                .bind(case.to_string())
                .fetch_optional(&self.pool)
                .await?)
            }
        }
    };
}

screening_list_sql!(SqliteStore);
screening_list_sql!(PgStore);
