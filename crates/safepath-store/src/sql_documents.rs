//! [`DocumentStore`] for both backends, from one body of portable SQL.

use super::*;

/// Every column but the content.
const META: &str = "id, case_id, kind, category, media_type, size_bytes, file_name, description, added_by, added_at";

macro_rules! documents_sql {
    ($store:ident, $row_ty:ty) => {
        impl $store {
            fn document_meta_from(r: &$row_ty) -> Result<DocumentMetaRow> {
                let description: Option<Vec<u8>> = r.try_get("description")?;
                Ok(DocumentMetaRow {
                    id: r.try_get("id")?,
                    case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                    kind: r.try_get("kind")?,
                    category: r.try_get("category")?,
                    media_type: r.try_get("media_type")?,
                    size_bytes: r.try_get("size_bytes")?,
                    file_name: decode_sealed(&r.try_get::<Vec<u8>, _>("file_name")?)?,
                    description: description.map(|d| decode_sealed(&d)).transpose()?,
                    added_by: uuid_col(r.try_get("added_by")?, UserId)?,
                    added_at: r.try_get("added_at")?,
                })
            }
        }

        #[async_trait]
        impl DocumentStore for $store {
            async fn add_document(&self, row: &DocumentRow, audit: &AuditDraft) -> Result<()> {
                let m = &row.meta;
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO case_documents ({META}, content) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
                )))
                .bind(&m.id)
                .bind(m.case_id.to_string())
                .bind(&m.kind)
                .bind(&m.category)
                .bind(&m.media_type)
                .bind(m.size_bytes)
                .bind(encode_sealed(&m.file_name))
                .bind(m.description.as_ref().map(encode_sealed))
                .bind(m.added_by.to_string())
                .bind(m.added_at)
                .bind(encode_sealed(&row.content))
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or(e, "document"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn case_documents(&self, case: CaseId, mut audit: AuditDraft) -> Result<Vec<DocumentMetaRow>> {
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {META} FROM case_documents WHERE case_id = $1 ORDER BY added_at DESC, id"
                )))
                .bind(case.to_string())
                .fetch_all(&mut *tx)
                .await?
                .iter()
                .map(Self::document_meta_from)
                .collect::<Result<Vec<_>>>()?;
                let ids: Vec<&str> = rows.iter().map(|d| d.id.as_str()).collect();
                let listed = format!("documents={}", ids.join(","));
                audit.add_detail(listed);
                self.append_tx(&mut tx, &audit).await?;
                tx.commit().await?;
                Ok(rows)
            }

            async fn document_facts(&self, case: CaseId, id: &str) -> Result<Option<DocumentFacts>> {
                let row = sqlx::query("SELECT case_id, category, added_by FROM case_documents WHERE id = $1 AND case_id = $2")
                    .bind(id)
                    .bind(case.to_string())
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    Ok(DocumentFacts {
                        case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                        category: r.try_get("category")?,
                        added_by: uuid_col(r.try_get("added_by")?, UserId)?,
                    })
                })
                .transpose()
            }

            async fn read_document(&self, case: CaseId, id: &str, audit: &AuditDraft) -> Result<Option<DocumentRow>> {
                let mut tx = self.begin_write().await?;
                let row = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "SELECT {META}, content FROM case_documents WHERE id = $1 AND case_id = $2"
                )))
                .bind(id)
                .bind(case.to_string())
                .fetch_optional(&mut *tx)
                .await?;
                let Some(r) = row else {
                    // Nothing read, nothing to audit.
                    return Ok(None);
                };
                let doc = DocumentRow {
                    meta: Self::document_meta_from(&r)?,
                    content: decode_sealed(&r.try_get::<Vec<u8>, _>("content")?)?,
                };
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(Some(doc))
            }

            async fn remove_document(&self, case: CaseId, id: &str, audit: &AuditDraft) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM case_documents WHERE id = $1 AND case_id = $2")
                    .bind(id)
                    .bind(case.to_string())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n == 0 {
                    return Ok(false);
                }
                self.append_tx(&mut tx, audit).await?;
                tx.commit().await?;
                Ok(true)
            }
        }
    };
}

documents_sql!(SqliteStore, sqlx::sqlite::SqliteRow);
documents_sql!(PgStore, sqlx::postgres::PgRow);
