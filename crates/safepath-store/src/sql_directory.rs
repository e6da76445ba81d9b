//! [`DirectoryStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

macro_rules! directory_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn service_from(r: &$row_ty) -> Result<ServiceRow> {
            Ok(ServiceRow {
                id: r.try_get("id")?,
                org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                service_type: r.try_get("service_type")?,
                record: r.try_get("record")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                version: r.try_get("version")?,
            })
        }
        /// Never reads the location (see `read_shelter_location`).
        fn shelter_from(r: &$row_ty) -> Result<ShelterRow> {
            Ok(ShelterRow {
                id: r.try_get("id")?,
                org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                name: r.try_get("name")?,
                shelter_type: r.try_get("shelter_type")?,
                regime: r.try_get("regime")?,
                beds: r.try_get("beds")?,
                location: None,
                created_at: r.try_get("created_at")?,
                occupancy: r.try_get("occupancy")?,
            })
        }
        fn stay_from(r: &$row_ty) -> Result<StayRow> {
            Ok(StayRow {
                id: r.try_get("id")?,
                case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                shelter_id: r.try_get("shelter_id")?,
                admitted_on: r.try_get("admitted_on")?,
                left_on: r.try_get("left_on")?,
                free_to_leave: r.try_get("free_to_leave")?,
                recorded_by: r.try_get("recorded_by")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }

        #[async_trait]
        impl DirectoryStore for $store {
            async fn insert_service(&self, row: &ServiceRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("INSERT INTO services (id, org_id, service_type, record, created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&row.id)
                    .bind(row.org_id.to_string())
                    .bind(&row.service_type)
                    .bind(&row.record)
                    .bind(row.created_at)
                    .bind(row.updated_at)
                    .bind(row.version)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "a service with this id"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn update_service(&self, row: &ServiceRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let n = sqlx::query("UPDATE services SET service_type = $1, record = $2, updated_at = $3, version = $4 WHERE id = $5 AND version = $6")
                    .bind(&row.service_type)
                    .bind(&row.record)
                    .bind(row.updated_at)
                    .bind(row.version)
                    .bind(&row.id)
                    .bind(row.version - 1)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn service(&self, id: &str) -> Result<Option<ServiceRow>> {
                let row = sqlx::query("SELECT * FROM services WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(service_from).transpose()
            }

            async fn services(&self, org: Option<OrgId>) -> Result<Vec<ServiceRow>> {
                let rows = match org {
                    Some(o) => sqlx::query("SELECT * FROM services WHERE org_id = $1 ORDER BY created_at, id LIMIT 5000").bind(o.to_string()).fetch_all(&self.pool).await?,
                    None => sqlx::query("SELECT * FROM services ORDER BY org_id, created_at, id LIMIT 5000").fetch_all(&self.pool).await?,
                };
                rows.iter().map(service_from).collect()
            }

            async fn insert_shelter(&self, row: &ShelterRow, audit: &AuditDraft) -> Result<()> {
                let location = row.location.as_ref().ok_or(StoreError::Unsupported("a shelter needs its sealed location"))?;
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("INSERT INTO shelters (id, org_id, name, shelter_type, regime, beds, location, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                    .bind(&row.id)
                    .bind(row.org_id.to_string())
                    .bind(&row.name)
                    .bind(&row.shelter_type)
                    .bind(&row.regime)
                    .bind(row.beds)
                    .bind(encode_sealed(location))
                    .bind(row.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "a shelter with this id"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn shelter(&self, id: &str) -> Result<Option<ShelterRow>> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SHELTER_COLUMNS} FROM shelters s WHERE s.id = $1"))).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(shelter_from).transpose()
            }

            async fn shelters(&self, org: Option<OrgId>) -> Result<Vec<ShelterRow>> {
                let rows = match org {
                    Some(o) => sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SHELTER_COLUMNS} FROM shelters s WHERE s.org_id = $1 ORDER BY s.name, s.id"))).bind(o.to_string()).fetch_all(&self.pool).await?,
                    None => sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {SHELTER_COLUMNS} FROM shelters s ORDER BY s.name, s.id LIMIT 5000"))).fetch_all(&self.pool).await?,
                };
                rows.iter().map(shelter_from).collect()
            }

            async fn read_shelter_location(&self, id: &str, audit: &AuditDraft) -> Result<Option<safepath_crypto::Sealed>> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query("SELECT location FROM shelters WHERE id = $1").bind(id).fetch_optional(&mut *tx).await?;
                let Some(row) = row else { return Ok(None) };
                let sealed = decode_sealed(&row.try_get::<Vec<u8>, _>("location")?)?;
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(Some(sealed))
            }

            async fn insert_stay(&self, row: &StayRow, audit: &AuditDraft) -> Result<Admission> {
                let mut tx = self.begin_write().await?;
                // The audit head is updated first: it serialises writers, so the
                // counts below cannot be overtaken by a concurrent admission.
                self.append_tx(&mut tx, audit).await?;
                let shelter = sqlx::query("SELECT beds FROM shelters WHERE id = $1").bind(&row.shelter_id).fetch_optional(&mut *tx).await?;
                let Some(shelter) = shelter else { return Ok(Admission::NoSuchShelter) };
                let beds: i64 = shelter.try_get("beds")?;
                let current: i64 = sqlx::query("SELECT COUNT(*) AS n FROM shelter_stays WHERE case_id = $1 AND left_on IS NULL")
                    .bind(row.case_id.to_string())
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
                if current > 0 {
                    return Ok(Admission::AlreadyStaying);
                }
                let occupied: i64 = sqlx::query("SELECT COUNT(*) AS n FROM shelter_stays WHERE shelter_id = $1 AND left_on IS NULL")
                    .bind(&row.shelter_id)
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
                if occupied >= beds {
                    return Ok(Admission::ShelterFull);
                }
                sqlx::query("INSERT INTO shelter_stays (id, case_id, shelter_id, admitted_on, left_on, free_to_leave, recorded_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
                    .bind(&row.id)
                    .bind(row.case_id.to_string())
                    .bind(&row.shelter_id)
                    .bind(&row.admitted_on)
                    .bind(&row.left_on)
                    .bind(row.free_to_leave)
                    .bind(&row.recorded_by)
                    .bind(row.created_at)
                    .bind(row.updated_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "a stay with this id"))?;
                tx.commit().await?;
                Ok(Admission::Admitted)
            }

            async fn stay(&self, id: &str) -> Result<Option<StayRow>> {
                let row = sqlx::query("SELECT * FROM shelter_stays WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(stay_from).transpose()
            }

            async fn stays_for_case(&self, case: CaseId) -> Result<Vec<StayRow>> {
                let rows = sqlx::query("SELECT * FROM shelter_stays WHERE case_id = $1 ORDER BY admitted_on DESC, created_at DESC, id")
                    .bind(case.to_string())
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(stay_from).collect()
            }

            async fn end_stay(&self, id: &str, left_on: &str, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let n = sqlx::query("UPDATE shelter_stays SET left_on = $1, updated_at = $2 WHERE id = $3 AND left_on IS NULL")
                    .bind(left_on)
                    .bind(audit.at_ms)
                    .bind(id)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                tx.commit().await?;
                Ok(())
            }

            async fn stays_of_org_cases(&self, org: OrgId, audit: &AuditDraft) -> Result<Vec<OrgStay>> {
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(
                    "SELECT st.*, c.reference AS c_reference, s.org_id AS s_org_id, s.name AS s_name, s.shelter_type AS s_shelter_type, s.regime AS s_regime, \
                     s.beds AS s_beds, s.created_at AS s_created_at, \
                     (SELECT COUNT(*) FROM shelter_stays o WHERE o.shelter_id = s.id AND o.left_on IS NULL) AS s_occupancy \
                     FROM shelter_stays st JOIN cases c ON c.id = st.case_id JOIN shelters s ON s.id = st.shelter_id \
                     WHERE c.org_id = $1 ORDER BY CASE WHEN st.left_on IS NULL THEN 0 ELSE 1 END, st.admitted_on, st.id LIMIT 1000",
                )
                .bind(org.to_string())
                .fetch_all(&mut *tx)
                .await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let stay = stay_from(r)?;
                    out.push(OrgStay {
                        shelter: ShelterRow {
                            id: stay.shelter_id.clone(),
                            org_id: uuid_col(r.try_get("s_org_id")?, OrgId)?,
                            name: r.try_get("s_name")?,
                            shelter_type: r.try_get("s_shelter_type")?,
                            regime: r.try_get("s_regime")?,
                            beds: r.try_get("s_beds")?,
                            location: None,
                            created_at: r.try_get("s_created_at")?,
                            occupancy: r.try_get("s_occupancy")?,
                        },
                        reference: r.try_get("c_reference")?,
                        stay,
                    });
                }
                let ids: Vec<&str> = out.iter().map(|o| o.stay.id.as_str()).collect();
                let mut audit = audit.clone();
                let listed = format!("results={} ids={}", ids.len(), ids.join(","));
                audit.add_detail(listed);
                self.append_tx(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(out)
            }

            async fn shelter_residents(&self, shelter: &str, audit: &AuditDraft) -> Result<Vec<ShelterResidentRow>> {
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(
                    "SELECT st.*, c.reference AS c_reference, c.org_id AS c_org_id \
                     FROM shelter_stays st JOIN cases c ON c.id = st.case_id \
                     WHERE st.shelter_id = $1 AND st.left_on IS NULL ORDER BY st.admitted_on, st.id",
                )
                .bind(shelter)
                .fetch_all(&mut *tx)
                .await?;
                let out = rows
                    .iter()
                    .map(|r| {
                        Ok(ShelterResidentRow {
                            stay: stay_from(r)?,
                            reference: r.try_get("c_reference")?,
                            case_org: uuid_col(r.try_get("c_org_id")?, OrgId)?,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                let ids: Vec<&str> = out.iter().map(|o| o.stay.id.as_str()).collect();
                let mut audit = audit.clone();
                let listed = format!("results={} ids={}", ids.len(), ids.join(","));
                audit.add_detail(listed);
                self.append_tx(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(out)
            }
        }
    };
}

mod sqlite_directory {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    directory_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_directory {
    use super::*;
    use sqlx::postgres::PgRow;
    directory_sql!(PgStore, Postgres, PgRow);
}
