//! [`MatchIndexStore`] for both backends, from one body of portable SQL
//! (save the string aggregate that packs a check's entries).

use super::*;

/// Rows per multi-row insert (parameters stay under SQLite's limit).
const INSERT_ROWS: usize = 5_000;
/// Values per `IN (…)` list.
const IN_LIST: usize = 500;
/// Keys counted per statement (compound selects stay under SQLite's limit
/// of 500 terms).
const KEYS_PER_COUNT: usize = 100;

macro_rules! match_index_sql {
    ($store:ident, $db:ty) => {
        #[async_trait]
        impl MatchIndexStore for $store {
            async fn match_index_state(&self) -> Result<Option<MatchIndexState>> {
                let row = sqlx::query("SELECT generation, fingerprint, entries, model, trained_on FROM match_index_state WHERE id = 1")
                    .fetch_optional(&self.pool)
                    .await?;
                row.map(|r| {
                    Ok(MatchIndexState {
                        generation: r.try_get("generation")?,
                        fingerprint: r.try_get("fingerprint")?,
                        entries: r.try_get("entries")?,
                        model: r.try_get("model")?,
                        trained_on: r.try_get("trained_on")?,
                    })
                })
                .transpose()
            }

            async fn match_index_reset(&self, fingerprint: &str) -> Result<()> {
                let mut tx = self.begin_write().await?;
                for table in ["match_keys", "match_terms", "match_entries"] {
                    sqlx::query(sqlx::AssertSqlSafe(format!("DELETE FROM {table}")))
                        .execute(&mut *tx)
                        .await?;
                }
                sqlx::query(
                    "INSERT INTO match_index_state (id, generation, fingerprint, entries, model, trained_on) VALUES (1, $1, $2, 0, NULL, 0) \
                     ON CONFLICT (id) DO UPDATE SET generation = $1, fingerprint = $2, entries = 0, model = NULL, trained_on = 0",
                )
                .bind(MATCH_INDEX_BUILDING)
                .bind(fingerprint)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            async fn match_index_apply(
                &self,
                generation: i64,
                removed: &[PersonId],
                added: &[MatchEntryRow],
            ) -> Result<()> {
                let mut tx = self.begin_write().await?;
                // The slots of what is replaced: the removed persons' entries
                // and the added cases' former ones.
                let mut slots: Vec<i64> = Vec::new();
                let persons: Vec<String> = removed.iter().map(|p| p.to_string()).collect();
                let cases: Vec<String> = added.iter().map(|a| a.case_id.to_string()).collect();
                for (column, values) in [("person_id", &persons), ("case_id", &cases)] {
                    for chunk in values.chunks(IN_LIST) {
                        let mut qb = QueryBuilder::<$db>::new(format!("SELECT slot FROM match_entries WHERE {column} IN ("));
                        let mut list = qb.separated(", ");
                        for v in chunk {
                            list.push_bind(v.clone());
                        }
                        qb.push(")");
                        for r in qb.build().fetch_all(&mut *tx).await? {
                            slots.push(r.try_get("slot")?);
                        }
                    }
                }
                slots.sort_unstable();
                slots.dedup();
                for chunk in slots.chunks(IN_LIST) {
                    for table in ["match_keys", "match_terms", "match_entries"] {
                        let mut qb = QueryBuilder::<$db>::new(format!("DELETE FROM {table} WHERE slot IN ("));
                        let mut list = qb.separated(", ");
                        for s in chunk {
                            list.push_bind(*s);
                        }
                        qb.push(")");
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                let next: i64 = sqlx::query("SELECT COALESCE(MAX(slot), 0) AS s FROM match_entries")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("s")?;
                let slot_of = |k: usize| next + 1 + k as i64;
                for (c, chunk) in added.chunks(INSERT_ROWS / 5).enumerate() {
                    let base = c * (INSERT_ROWS / 5);
                    let mut qb = QueryBuilder::<$db>::new(
                        "INSERT INTO match_entries (case_id, slot, person_id, case_created_at, features) ",
                    );
                    qb.push_values(chunk.iter().enumerate(), |mut b, (k, e)| {
                        b.push_bind(e.case_id.to_string())
                            .push_bind(slot_of(base + k))
                            .push_bind(e.person_id.to_string())
                            .push_bind(e.case_created_at)
                            .push_bind(encode_sealed(&e.features));
                    });
                    qb.build().execute(&mut *tx).await?;
                }
                for (table, column) in [("match_keys", "key"), ("match_terms", "term")] {
                    let pairs: Vec<(i64, i64)> = added
                        .iter()
                        .enumerate()
                        .flat_map(|(k, e)| {
                            let values = if column == "key" { &e.keys } else { &e.terms };
                            let mut v: Vec<i64> = values.clone();
                            v.sort_unstable();
                            v.dedup();
                            v.into_iter().map(move |x| (x, slot_of(k)))
                        })
                        .collect();
                    for chunk in pairs.chunks(INSERT_ROWS) {
                        let mut qb = QueryBuilder::<$db>::new(format!("INSERT INTO {table} ({column}, slot) "));
                        qb.push_values(chunk, |mut b, (x, s)| {
                            b.push_bind(*x).push_bind(*s);
                        });
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                let entries: i64 = sqlx::query("SELECT COUNT(*) AS n FROM match_entries")
                    .fetch_one(&mut *tx)
                    .await?
                    .try_get("n")?;
                let n = sqlx::query("UPDATE match_index_state SET generation = $1, entries = $2 WHERE id = 1")
                    .bind(generation)
                    .bind(entries)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Err(StoreError::Corrupt("the matching index was never reset".into()));
                }
                tx.commit().await?;
                Ok(())
            }

            async fn match_index_set_model(&self, model: &str, trained_on: i64) -> Result<()> {
                sqlx::query("UPDATE match_index_state SET model = $1, trained_on = $2 WHERE id = 1")
                    .bind(model)
                    .bind(trained_on)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn match_key_sizes(&self, keys: &[i64], cap: i64) -> Result<Vec<i64>> {
                // One statement per chunk (a check has a few dozen keys): a
                // capped count per key, in the keys' order.
                let mut out = Vec::with_capacity(keys.len());
                for chunk in keys.chunks(KEYS_PER_COUNT) {
                    let mut qb = QueryBuilder::<$db>::new("");
                    for (i, k) in chunk.iter().enumerate() {
                        if i > 0 {
                            qb.push(" UNION ALL ");
                        }
                        qb.push(format!("SELECT CAST({i} AS BIGINT) AS i, (SELECT COUNT(*) FROM (SELECT 1 AS one FROM match_keys WHERE key = "));
                        qb.push_bind(*k);
                        qb.push(" LIMIT ");
                        qb.push_bind(cap + 1);
                        qb.push(") AS posting) AS n");
                    }
                    let mut sizes = vec![0i64; chunk.len()];
                    for r in qb.build().fetch_all(&self.pool).await? {
                        let i: i64 = r.try_get("i")?;
                        let size = usize::try_from(i).ok().and_then(|i| sizes.get_mut(i));
                        *size.ok_or_else(|| StoreError::Corrupt("key count".into()))? = r.try_get("n")?;
                    }
                    out.extend(sizes);
                }
                Ok(out)
            }

            async fn match_entries_under(&self, keys: &[i64]) -> Result<Vec<MatchEntry>> {
                self.match_entries_under_for(keys, None).await
            }

            async fn match_entries_under_consent(
                &self,
                keys: &[i64],
                purpose: &str,
            ) -> Result<Vec<MatchEntry>> {
                self.match_entries_under_for(keys, Some(purpose)).await
            }

            async fn match_term_counts(&self, terms: &[i64]) -> Result<Vec<(i64, i64)>> {
                let mut out = Vec::new();
                for chunk in terms.chunks(IN_LIST) {
                    let mut qb = QueryBuilder::<$db>::new("SELECT term, COUNT(*) AS n FROM match_terms WHERE term IN (");
                    let mut list = qb.separated(", ");
                    for t in chunk {
                        list.push_bind(*t);
                    }
                    qb.push(") GROUP BY term");
                    for r in qb.build().fetch_all(&self.pool).await? {
                        out.push((r.try_get("term")?, r.try_get("n")?));
                    }
                }
                Ok(out)
            }

            async fn match_sample(&self, limit: i64) -> Result<Vec<MatchEntry>> {
                let total: i64 = sqlx::query("SELECT COUNT(*) AS n FROM match_entries")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("n")?;
                let step = (total / limit.max(1)).max(1);
                let rows = sqlx::query(
                    "SELECT case_id, features FROM match_entries WHERE slot % $1 = 0 ORDER BY slot LIMIT $2",
                )
                .bind(step)
                .bind(limit)
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(MatchEntry {
                            case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                            features: decode_sealed(&r.try_get::<Vec<u8>, _>("features")?)?,
                        })
                    })
                    .collect()
            }
        }
    };
}

match_index_sql!(SqliteStore, Sqlite);
match_index_sql!(PgStore, Postgres);

/// The entries under any of `keys`, of cases with a consent of `purpose` on
/// their ledger when one is given (one SQL body for both backends). A check
/// reads a thousand entries or more: they come back packed in one text row
/// per chunk of keys (`$pack`: the dialect's string aggregate of
/// `slot:case_id:hex(features)`), because the SQLite driver hands over each
/// row through a channel between threads, which cost more than the rest of
/// the check (D18).
macro_rules! entries_under_for {
    ($store:ty, $db:ty, $pack:literal) => {
        impl $store {
            async fn match_entries_under_for(
                &self,
                keys: &[i64],
                purpose: Option<&str>,
            ) -> Result<Vec<MatchEntry>> {
                let mut out = Vec::new();
                for chunk in keys.chunks(IN_LIST) {
                    let mut qb = QueryBuilder::<$db>::new(concat!(
                        "SELECT ",
                        $pack,
                        " AS packed FROM match_entries WHERE slot IN (SELECT slot FROM match_keys WHERE key IN ("
                    ));
                    let mut list = qb.separated(", ");
                    for k in chunk {
                        list.push_bind(*k);
                    }
                    qb.push("))");
                    if let Some(p) = purpose {
                        qb.push(" AND case_id IN (SELECT case_id FROM consents WHERE purpose = ");
                        qb.push_bind(p.to_owned());
                        qb.push(")");
                    }
                    let row = qb.build().fetch_one(&self.pool).await?;
                    if let Some(packed) = row.try_get::<Option<String>, _>("packed")? {
                        out.extend(unpack_entries(&packed)?);
                    }
                }
                out.sort_by_key(|(slot, _)| *slot);
                Ok(out.into_iter().map(|(_, e)| e).collect())
            }
        }
    };
}

/// The entries packed by `match_entries_under_for`, with their slots.
fn unpack_entries(packed: &str) -> Result<Vec<(i64, MatchEntry)>> {
    let bad = || StoreError::Corrupt("packed match entry".into());
    packed
        .split(',')
        .map(|one| {
            let mut parts = one.splitn(3, ':');
            let (Some(slot), Some(case), Some(features)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(bad());
            };
            let slot: i64 = slot.parse().map_err(|_| bad())?;
            let case = uuid::Uuid::parse_str(case).map_err(|_| bad())?;
            let features = hex::decode(features).map_err(|_| bad())?;
            Ok((
                slot,
                MatchEntry {
                    case_id: CaseId(case),
                    features: decode_sealed(&features)?,
                },
            ))
        })
        .collect()
}

entries_under_for!(
    SqliteStore,
    Sqlite,
    "group_concat(slot || ':' || case_id || ':' || hex(features), ',')"
);
entries_under_for!(
    PgStore,
    Postgres,
    "string_agg(slot::text || ':' || case_id || ':' || encode(features, 'hex'), ',')"
);

#[cfg(test)]
mod tests {
    use super::*;

    /// A packed row the store did not write (a damaged database) is refused
    /// as corrupt, never read as another case's values.
    #[test]
    fn a_damaged_packed_row_is_corrupt() {
        let case = "00000000-0000-0000-0000-000000000007";
        let good = format!("3:{case}:0102616200,1:{case}:0100");
        let entries = unpack_entries(&good).map_err(|e| e.to_string());
        assert_eq!(
            entries.map(|v| v.iter().map(|(slot, _)| *slot).collect::<Vec<_>>()),
            Ok(vec![3, 1])
        );
        for bad in [
            String::new(),
            format!("x:{case}:0100"),
            "3:not-a-case:0100".to_owned(),
            format!("3:{case}:zz"),
            format!("3:{case}"),
            format!("3:{case}:0900"),
        ] {
            assert!(
                matches!(unpack_entries(&bad), Err(StoreError::Corrupt(_))),
                "{bad:?}"
            );
        }
    }
}
