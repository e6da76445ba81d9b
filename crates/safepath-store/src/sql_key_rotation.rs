//! [`KeyRotationStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]). Only reading the schema differs.
//!
//! Table and column names come from the database's own catalogue, never
//! from input, and are quoted; values are always bound.

use super::*;
use crate::rows::{decode_sealed, encode_sealed};
use safepath_crypto::Sealed;
use std::collections::{BTreeMap, BTreeSet};

/// Every column of every user table: table, column, declared type, whether
/// it is part of the primary key.
const SQLITE_COLUMNS: &str = "SELECT m.name AS tbl, p.name AS col, p.type AS ty, CAST(p.pk AS BIGINT) AS pk \
     FROM sqlite_master m, pragma_table_info(m.name) p \
     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' ORDER BY m.name, p.cid";

const PG_COLUMNS: &str = "SELECT c.table_name::text AS tbl, c.column_name::text AS col, c.data_type::text AS ty, \
     CAST(CASE WHEN k.column_name IS NULL THEN 0 ELSE 1 END AS BIGINT) AS pk \
     FROM information_schema.columns c \
     LEFT JOIN (SELECT kcu.table_name, kcu.column_name FROM information_schema.table_constraints tc \
       JOIN information_schema.key_column_usage kcu ON tc.constraint_name = kcu.constraint_name AND tc.table_schema = kcu.table_schema \
       WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()) k \
     ON k.table_name = c.table_name AND k.column_name = c.column_name \
     JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema AND t.table_type = 'BASE TABLE' \
     WHERE c.table_schema = current_schema() AND c.table_name NOT LIKE '_sqlx%' ORDER BY c.table_name, c.ordinal_position";

/// How a column stores sealed values, from its declared type.
fn kind_of(ty: &str) -> Option<bool> {
    let t = ty.to_ascii_lowercase();
    if t == "blob" || t == "bytea" {
        Some(false)
    } else if t == "text" || t.contains("char") {
        Some(true)
    } else {
        None
    }
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// A column's declared type and whether it is part of the primary key.
type Catalogue = BTreeMap<String, Vec<(String, String, bool)>>;

/// Binary and text columns of every table.
fn sealable(catalogue: &Catalogue) -> Vec<(String, String, bool)> {
    let mut out = Vec::new();
    for (table, cols) in catalogue {
        for (col, ty, _) in cols {
            if let Some(text) = kind_of(ty) {
                out.push((table.clone(), col.clone(), text));
            }
        }
    }
    out
}

fn columns_to_reseal(catalogue: &Catalogue) -> Vec<SealedColumn> {
    let mut out = Vec::new();
    for (table, cols) in catalogue {
        if NOT_RESEALED.contains(&table.as_str()) {
            continue;
        }
        let keys: Vec<&(String, String, bool)> = cols.iter().filter(|c| c.2).collect();
        let [key] = keys.as_slice() else { continue };
        if kind_of(&key.1) != Some(true) {
            continue;
        }
        for (col, ty, pk) in cols {
            if *pk {
                continue;
            }
            if let Some(text) = kind_of(ty) {
                out.push(SealedColumn {
                    table: table.clone(),
                    key: key.0.clone(),
                    column: col.clone(),
                    text,
                });
            }
        }
    }
    out
}

const TEXT_PREFIX: &str = "sealed:v1:";

macro_rules! key_rotation_sql {
    ($store:ident, $catalogue_sql:expr) => {
        impl $store {
            async fn catalogue(&self) -> Result<Catalogue> {
                let rows = sqlx::query($catalogue_sql).fetch_all(&self.pool).await?;
                let mut out: Catalogue = BTreeMap::new();
                for r in &rows {
                    let table: String = r.try_get("tbl")?;
                    let col: String = r.try_get("col")?;
                    let ty: String = r.try_get("ty")?;
                    let pk: i64 = r.try_get("pk")?;
                    out.entry(table).or_default().push((col, ty, pk > 0));
                }
                Ok(out)
            }
        }

        #[async_trait]
        impl KeyRotationStore for $store {
            async fn sealed_columns(&self) -> Result<Vec<SealedColumn>> {
                Ok(columns_to_reseal(&self.catalogue().await?))
            }

            async fn sealed_cells(&self, col: &SealedColumn, after: Option<&str>, limit: i64) -> Result<Vec<SealedCell>> {
                let (t, k, c) = (quoted(&col.table), quoted(&col.key), quoted(&col.column));
                let filter = if col.text { format!(" AND {c} LIKE '{TEXT_PREFIX}%'") } else { String::new() };
                let sql = match after {
                    Some(_) => format!("SELECT {k} AS k, {c} AS v FROM {t} WHERE {c} IS NOT NULL{filter} AND {k} > $1 ORDER BY {k} LIMIT $2"),
                    None => format!("SELECT {k} AS k, {c} AS v FROM {t} WHERE {c} IS NOT NULL{filter} ORDER BY {k} LIMIT $1"),
                };
                let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
                if let Some(a) = after {
                    q = q.bind(a.to_owned());
                }
                let rows = q.bind(limit).fetch_all(&self.pool).await?;
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let row: String = r.try_get("k")?;
                    let sealed = if col.text {
                        let v: String = r.try_get("v")?;
                        Sealed::from_text(&v)
                    } else {
                        let v: Vec<u8> = r.try_get("v")?;
                        decode_sealed(&v).ok()
                    };
                    if let Some(sealed) = sealed {
                        out.push(SealedCell { row, sealed });
                    }
                }
                Ok(out)
            }

            async fn reseal_cells(&self, col: &SealedColumn, changes: &[(SealedCell, Sealed)]) -> Result<u64> {
                let (t, k, c) = (quoted(&col.table), quoted(&col.key), quoted(&col.column));
                let sql = format!("UPDATE {t} SET {c} = $1 WHERE {k} = $2 AND {c} = $3");
                let mut tx = self.begin_write().await?;
                let mut written = 0;
                for (old, new) in changes {
                    let q = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
                    let q = if col.text {
                        q.bind(new.to_text()).bind(old.row.clone()).bind(old.sealed.to_text())
                    } else {
                        q.bind(encode_sealed(new)).bind(old.row.clone()).bind(encode_sealed(&old.sealed))
                    };
                    written += q.execute(&mut *tx).await?.rows_affected();
                }
                tx.commit().await?;
                Ok(written)
            }

            async fn values_under(&self, key_ids: &BTreeSet<String>) -> Result<Vec<KeyUse>> {
                let catalogue = self.catalogue().await?;
                let mut out = Vec::new();
                for key_id in key_ids {
                    let mut used = KeyUse { key_id: key_id.clone(), ..KeyUse::default() };
                    for (table, col, text) in sealable(&catalogue) {
                        if table == "data_keys" {
                            continue;
                        }
                        let (t, c) = (quoted(&table), quoted(&col));
                        let count = if text {
                            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {t} WHERE {c} LIKE $1")))
                                .bind(format!("{TEXT_PREFIX}{key_id}:%"))
                                .fetch_one(&self.pool)
                                .await?
                        } else {
                            // The sealed header: version 1, the key id's length, the key id.
                            let mut header = vec![1u8, u8::try_from(key_id.len()).unwrap_or(u8::MAX)];
                            header.extend_from_slice(key_id.as_bytes());
                            // An `int` (PostgreSQL's `substr(bytea, int, int)`).
                            let len = i32::try_from(header.len()).unwrap_or(i32::MAX);
                            sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) AS n FROM {t} WHERE substr({c}, 1, $1) = $2")))
                                .bind(len)
                                .bind(header)
                                .fetch_one(&self.pool)
                                .await?
                        };
                        let n = u64::try_from(count.try_get::<i64, _>("n")?).unwrap_or(0);
                        if n == 0 {
                            continue;
                        }
                        if table == "audit_log" {
                            used.in_audit_log += n;
                        } else {
                            used.elsewhere.push((format!("{table}.{col}"), n));
                        }
                    }
                    out.push(used);
                }
                Ok(out)
            }

            async fn add_data_key(&self, key: &WrappedDataKey, now_ms: i64, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                // Newer than every key so far: the ring seals with the newest.
                let newest: Option<i64> = sqlx::query("SELECT MAX(created_at) AS m FROM data_keys").fetch_one(&mut *tx).await?.try_get("m")?;
                let created = newest.map_or(now_ms, |m| m.max(now_ms - 1) + 1);
                sqlx::query("INSERT INTO data_keys (id, purpose, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(&key.id)
                    .bind(key.purpose.as_str())
                    .bind(&key.master_key_id)
                    .bind(&key.wrapped)
                    .bind(created)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn retire_data_keys(&self, delete: &[String], retire: &[String], now_ms: i64, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                for id in delete {
                    sqlx::query("DELETE FROM data_keys WHERE id = $1 AND purpose = 'field'").bind(id).execute(&mut *tx).await?;
                }
                for id in retire {
                    sqlx::query("UPDATE data_keys SET retired_at = $1 WHERE id = $2 AND purpose = 'field' AND retired_at IS NULL")
                        .bind(now_ms)
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn retired_data_keys(&self) -> Result<BTreeSet<String>> {
                let rows = sqlx::query("SELECT id FROM data_keys WHERE retired_at IS NOT NULL").fetch_all(&self.pool).await?;
                rows.iter().map(|r| Ok(r.try_get::<String, _>("id")?)).collect()
            }

            async fn person_names_page(&self, after: Option<&str>, limit: i64) -> Result<Vec<(String, Sealed, Sealed)>> {
                let rows = sqlx::query("SELECT id, display_name, names FROM persons WHERE id > $1 ORDER BY id LIMIT $2")
                    .bind(after.unwrap_or(""))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("id")?,
                            decode_sealed(&r.try_get::<Vec<u8>, _>("display_name")?)?,
                            decode_sealed(&r.try_get::<Vec<u8>, _>("names")?)?,
                        ))
                    })
                    .collect()
            }

            async fn replace_name_indexes(&self, rows: &[(String, Vec<Vec<u8>>)]) -> Result<()> {
                let mut tx = self.begin_write().await?;
                for (person, tokens) in rows {
                    sqlx::query("DELETE FROM person_name_index WHERE person_id = $1").bind(person).execute(&mut *tx).await?;
                    for token in tokens {
                        sqlx::query("INSERT INTO person_name_index (person_id, token) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                            .bind(person)
                            .bind(token)
                            .execute(&mut *tx)
                            .await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn recovery_code_holders(&self) -> Result<Vec<UserId>> {
                let rows = sqlx::query("SELECT DISTINCT user_id FROM recovery_codes WHERE used_at IS NULL ORDER BY user_id")
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(|r| uuid_col(r.try_get("user_id")?, UserId)).collect()
            }

            async fn end_index_rotation(&self, delete: &[String], audit: &AuditDraft) -> Result<u64> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let codes = sqlx::query("DELETE FROM recovery_codes").execute(&mut *tx).await?.rows_affected();
                sqlx::query("DELETE FROM address_failures").execute(&mut *tx).await?;
                // Search before create's index is keyed hashes under the old
                // key: emptied, the next check builds it under the new one.
                for table in ["match_keys", "match_terms", "match_entries", "match_index_state"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}"))).execute(&mut *tx).await?;
                }
                for id in delete {
                    sqlx::query("DELETE FROM data_keys WHERE id = $1 AND purpose = 'index'").bind(id).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(codes)
            }
        }
    };
}

key_rotation_sql!(SqliteStore, SQLITE_COLUMNS);
key_rotation_sql!(PgStore, PG_COLUMNS);
