//! [`AccountStore`] for both backends, from one body of portable SQL (as
//! `sql.rs` does for [`Store`]).

use super::*;

/// The role that administers the deployment (`safepath_domain::org::Role`).
const ADMINISTRATOR: &str = "administrator";

macro_rules! accounts_sql {
    ($store:ident, $db:ty, $row_ty:ty) => {
        fn org_from(r: &$row_ty) -> Result<OrgRow> {
            Ok(OrgRow {
                id: uuid_col(r.try_get("id")?, OrgId)?,
                name: r.try_get("name")?,
                org_type: r.try_get("org_type")?,
                country: r.try_get("country")?,
                created_at: r.try_get("created_at")?,
            })
        }
        fn user_from(r: &$row_ty) -> Result<UserRow> {
            Ok(UserRow {
                id: uuid_col(r.try_get("id")?, UserId)?,
                username: r.try_get("username")?,
                full_name: r.try_get("full_name")?,
                org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                role: r.try_get("role")?,
                password_hash: r.try_get("password_hash")?,
                disabled: r.try_get("disabled")?,
                language: r.try_get("language")?,
                created_at: r.try_get("created_at")?,
            })
        }

        impl $store {
            /// Removes the second factor and its recovery codes, and with
            /// `end_sessions` the user's sessions, in one transaction; false
            /// (and nothing written) when there is none.
            async fn remove_two_factor(&self, user: UserId, audit: &AuditDraft, end_sessions: bool) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("DELETE FROM two_factor WHERE user_id = $1").bind(user.to_string()).execute(&mut *tx).await?.rows_affected();
                if n != 1 {
                    return Ok(false);
                }
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.to_string()).execute(&mut *tx).await?;
                if end_sessions {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user.to_string()).execute(&mut *tx).await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            /// Whether `id` is an administrator who can sign in.
            async fn enabled_administrator_tx(tx: &mut sqlx::Transaction<'static, $db>, id: UserId) -> Result<bool> {
                let row = sqlx::query("SELECT role, disabled FROM users WHERE id = $1")
                    .bind(id.to_string())
                    .fetch_optional(&mut **tx)
                    .await?;
                Ok(match row {
                    Some(r) => r.try_get::<String, _>("role")? == ADMINISTRATOR && !r.try_get::<bool, _>("disabled")?,
                    None => false,
                })
            }

            /// Refuses (the caller's transaction is rolled back when it is
            /// dropped) when no administrator who can sign in remains.
            async fn keep_an_administrator_tx(tx: &mut sqlx::Transaction<'static, $db>) -> Result<()> {
                let left: i64 = sqlx::query("SELECT COUNT(*) AS n FROM users WHERE role = $1 AND disabled = $2")
                    .bind(ADMINISTRATOR)
                    .bind(false)
                    .fetch_one(&mut **tx)
                    .await?
                    .try_get("n")?;
                if left == 0 {
                    return Err(StoreError::LastAdministrator);
                }
                Ok(())
            }
        }

        #[async_trait]
        impl AccountStore for $store {
            async fn insert_org(&self, org: &OrgRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("INSERT INTO orgs (id, name, org_type, country, created_at) VALUES ($1, $2, $3, $4, $5)")
                    .bind(org.id.to_string())
                    .bind(&org.name)
                    .bind(&org.org_type)
                    .bind(&org.country)
                    .bind(org.created_at)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| conflict_or(e, "an organisation with this name"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn list_orgs(&self) -> Result<Vec<OrgRow>> {
                let rows = sqlx::query("SELECT * FROM orgs ORDER BY name").fetch_all(&self.pool).await?;
                rows.iter().map(org_from).collect()
            }

            async fn org(&self, id: OrgId) -> Result<Option<OrgRow>> {
                let row = sqlx::query("SELECT * FROM orgs WHERE id = $1").bind(id.to_string()).fetch_optional(&self.pool).await?;
                row.as_ref().map(org_from).transpose()
            }

            async fn insert_user(&self, u: &UserRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                sqlx::query(
                    "INSERT INTO users (id, username, full_name, org_id, role, password_hash, disabled, language, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(u.id.to_string())
                .bind(&u.username)
                .bind(&u.full_name)
                .bind(u.org_id.to_string())
                .bind(&u.role)
                .bind(&u.password_hash)
                .bind(u.disabled)
                .bind(&u.language)
                .bind(u.created_at)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or(e, "a user with this username"))?;
                tx.commit().await?;
                Ok(())
            }

            async fn user_by_username(&self, username: &str) -> Result<Option<UserRow>> {
                let row = sqlx::query("SELECT * FROM users WHERE username = $1").bind(username).fetch_optional(&self.pool).await?;
                row.as_ref().map(user_from).transpose()
            }

            async fn user(&self, id: UserId) -> Result<Option<UserRow>> {
                let row = sqlx::query("SELECT * FROM users WHERE id = $1").bind(id.to_string()).fetch_optional(&self.pool).await?;
                row.as_ref().map(user_from).transpose()
            }

            async fn users_with_role(&self, org: OrgId, role: &str) -> Result<Vec<UserRow>> {
                let rows = sqlx::query("SELECT * FROM users WHERE org_id = $1 AND role = $2 AND NOT disabled ORDER BY username")
                    .bind(org.to_string())
                    .bind(role)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter().map(user_from).collect()
            }

            async fn set_password(&self, id: UserId, password_hash: &str, audit: &AuditDraft) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let n = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2").bind(password_hash).bind(id.to_string()).execute(&mut *tx).await?.rows_affected();
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
                if n == 1 {
                    tx.commit().await?;
                }
                Ok(n == 1)
            }

            async fn all_users(&self) -> Result<Vec<UserRow>> {
                let rows = sqlx::query("SELECT * FROM users ORDER BY org_id, username").fetch_all(&self.pool).await?;
                rows.iter().map(user_from).collect()
            }

            async fn set_role(&self, id: UserId, role: &str, audit: &AuditDraft) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                // The audit head's row lock (append_tx) orders this change
                // after any other in flight: the check below sees theirs.
                self.append_tx(&mut tx, audit).await?;
                let was_admin = Self::enabled_administrator_tx(&mut tx, id).await?;
                let n = sqlx::query("UPDATE users SET role = $1 WHERE id = $2").bind(role).bind(id.to_string()).execute(&mut *tx).await?.rows_affected();
                if was_admin && role != ADMINISTRATOR {
                    Self::keep_an_administrator_tx(&mut tx).await?;
                }
                // The new role takes effect at the next sign-in, for every session.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
                if n == 1 {
                    tx.commit().await?;
                }
                Ok(n == 1)
            }

            async fn set_disabled(&self, id: UserId, disabled: bool, audit: &AuditDraft) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let was_admin = Self::enabled_administrator_tx(&mut tx, id).await?;
                let n = sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2").bind(disabled).bind(id.to_string()).execute(&mut *tx).await?.rows_affected();
                if was_admin && disabled {
                    Self::keep_an_administrator_tx(&mut tx).await?;
                }
                if disabled {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(id.to_string()).execute(&mut *tx).await?;
                }
                if n == 1 {
                    tx.commit().await?;
                }
                Ok(n == 1)
            }

            async fn set_language(&self, id: UserId, language: &str) -> Result<()> {
                sqlx::query("UPDATE users SET language = $1 WHERE id = $2").bind(language).bind(id.to_string()).execute(&self.pool).await?;
                Ok(())
            }

            async fn login_failures(&self, key_hash: &str) -> Result<Option<LoginFailures>> {
                let row = sqlx::query("SELECT failures, locked_until, last_at FROM login_failures WHERE key_hash = $1").bind(key_hash).fetch_optional(&self.pool).await?;
                row.map(|r| Ok(LoginFailures { failures: r.try_get("failures")?, locked_until: r.try_get("locked_until")?, last_at: r.try_get("last_at")? })).transpose()
            }

            async fn put_login_failures(&self, key_hash: &str, f: &LoginFailures) -> Result<()> {
                sqlx::query(
                    "INSERT INTO login_failures (key_hash, failures, locked_until, last_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (key_hash) DO UPDATE SET failures = excluded.failures, locked_until = excluded.locked_until, last_at = excluded.last_at",
                )
                .bind(key_hash)
                .bind(f.failures)
                .bind(f.locked_until)
                .bind(f.last_at)
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn count_login_failure(&self, key_hash: &str, now_ms: i64) -> Result<i64> {
                let row = sqlx::query(
                    "INSERT INTO login_failures (key_hash, failures, locked_until, last_at) VALUES ($1, 1, 0, $2) \
                     ON CONFLICT (key_hash) DO UPDATE SET failures = login_failures.failures + 1, last_at = excluded.last_at \
                     RETURNING failures",
                )
                .bind(key_hash)
                .bind(now_ms)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get("failures")?)
            }

            async fn lock_login(&self, key_hash: &str, until_ms: i64) -> Result<()> {
                sqlx::query("UPDATE login_failures SET locked_until = CASE WHEN locked_until > $1 THEN locked_until ELSE $1 END WHERE key_hash = $2")
                    .bind(until_ms)
                    .bind(key_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn clear_login_failures(&self, key_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM login_failures WHERE key_hash = $1").bind(key_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn count_address_failure(&self, key_hash: &str, now_ms: i64, window_start_before_ms: i64) -> Result<i64> {
                // One statement: parallel failures each get their own count
                // (every SET expression reads the row as it was).
                let row = sqlx::query(
                    "INSERT INTO address_failures (key_hash, window_start, failures, locked_until) VALUES ($1, $2, 1, 0) \
                     ON CONFLICT (key_hash) DO UPDATE SET \
                     failures = CASE WHEN address_failures.window_start <= $3 THEN 1 ELSE address_failures.failures + 1 END, \
                     window_start = CASE WHEN address_failures.window_start <= $3 THEN excluded.window_start ELSE address_failures.window_start END \
                     RETURNING failures",
                )
                .bind(key_hash)
                .bind(now_ms)
                .bind(window_start_before_ms)
                .fetch_one(&self.pool)
                .await?;
                Ok(row.try_get("failures")?)
            }

            async fn address_locked_until(&self, key_hash: &str) -> Result<i64> {
                let row = sqlx::query("SELECT locked_until FROM address_failures WHERE key_hash = $1").bind(key_hash).fetch_optional(&self.pool).await?;
                Ok(match row {
                    Some(r) => r.try_get("locked_until")?,
                    None => 0,
                })
            }

            async fn lock_address(&self, key_hash: &str, until_ms: i64) -> Result<()> {
                sqlx::query("UPDATE address_failures SET locked_until = CASE WHEN locked_until > $1 THEN locked_until ELSE $1 END WHERE key_hash = $2")
                    .bind(until_ms)
                    .bind(key_hash)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn delete_stale_address_failures(&self, before_ms: i64, now_ms: i64) -> Result<u64> {
                Ok(sqlx::query("DELETE FROM address_failures WHERE window_start < $1 AND locked_until <= $2")
                    .bind(before_ms)
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected())
            }

            async fn two_factor(&self, user: UserId) -> Result<Option<TwoFactorRow>> {
                let row = sqlx::query("SELECT * FROM two_factor WHERE user_id = $1").bind(user.to_string()).fetch_optional(&self.pool).await?;
                row.map(|r| {
                    Ok(TwoFactorRow {
                        user_id: uuid_col(r.try_get("user_id")?, UserId)?,
                        secret: decode_sealed(&r.try_get::<Vec<u8>, _>("secret")?)?,
                        enabled: r.try_get("enabled")?,
                        last_step: r.try_get("last_step")?,
                        created_at: r.try_get("created_at")?,
                        enabled_at: r.try_get("enabled_at")?,
                    })
                })
                .transpose()
            }

            async fn start_two_factor(&self, row: &TwoFactorRow, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                let n = sqlx::query(
                    "INSERT INTO two_factor (user_id, secret, enabled, last_step, created_at, enabled_at) VALUES ($1, $2, FALSE, 0, $3, NULL) \
                     ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, last_step = 0, created_at = excluded.created_at \
                     WHERE two_factor.enabled = FALSE",
                )
                .bind(row.user_id.to_string())
                .bind(encode_sealed(&row.secret))
                .bind(row.created_at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n != 1 {
                    return Err(StoreError::Conflict("a second factor that is on".into()));
                }
                tx.commit().await?;
                Ok(())
            }

            async fn enable_two_factor(&self, user: UserId, step: i64, recovery_hashes: &[String], now_ms: i64, audit: &AuditDraft) -> Result<bool> {
                let mut tx = self.begin_write().await?;
                let n = sqlx::query("UPDATE two_factor SET enabled = TRUE, enabled_at = $2, last_step = $3 WHERE user_id = $1 AND enabled = FALSE")
                    .bind(user.to_string())
                    .bind(now_ms)
                    .bind(step)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                if n != 1 {
                    return Ok(false);
                }
                self.append_tx(&mut tx, audit).await?;
                sqlx::query("DELETE FROM recovery_codes WHERE user_id = $1").bind(user.to_string()).execute(&mut *tx).await?;
                for h in recovery_hashes {
                    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash, used_at) VALUES ($1, $2, NULL)")
                        .bind(user.to_string())
                        .bind(h)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(true)
            }

            async fn use_totp_step(&self, user: UserId, step: i64) -> Result<bool> {
                let n = sqlx::query("UPDATE two_factor SET last_step = $2 WHERE user_id = $1 AND enabled = TRUE AND last_step < $2")
                    .bind(user.to_string())
                    .bind(step)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(n == 1)
            }

            async fn use_recovery_code(&self, user: UserId, code_hash: &str, now_ms: i64) -> Result<bool> {
                let n = sqlx::query("UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL")
                    .bind(user.to_string())
                    .bind(code_hash)
                    .bind(now_ms)
                    .execute(&self.pool)
                    .await?
                    .rows_affected();
                Ok(n == 1)
            }

            async fn unused_recovery_codes(&self, user: UserId) -> Result<i64> {
                let row = sqlx::query("SELECT COUNT(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL").bind(user.to_string()).fetch_one(&self.pool).await?;
                Ok(row.try_get("n")?)
            }

            async fn delete_two_factor(&self, user: UserId, audit: &AuditDraft) -> Result<bool> {
                self.remove_two_factor(user, audit, false).await
            }

            async fn reset_two_factor(&self, user: UserId, audit: &AuditDraft) -> Result<bool> {
                self.remove_two_factor(user, audit, true).await
            }

            async fn insert_session(&self, s: &SessionRow) -> Result<()> {
                sqlx::query("INSERT INTO sessions (token_hash, user_id, kind, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                    .bind(&s.token_hash)
                    .bind(s.user_id.to_string())
                    .bind(&s.kind)
                    .bind(&s.csrf_token)
                    .bind(s.created_at)
                    .bind(s.expires_at)
                    .bind(s.last_seen_at)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn session(&self, token_hash: &str, now_ms: i64) -> Result<Option<SessionRow>> {
                let row = sqlx::query("SELECT * FROM sessions WHERE token_hash = $1 AND expires_at > $2").bind(token_hash).bind(now_ms).fetch_optional(&self.pool).await?;
                row.map(|r| {
                    Ok(SessionRow {
                        token_hash: r.try_get("token_hash")?,
                        user_id: uuid_col(r.try_get("user_id")?, UserId)?,
                        kind: r.try_get("kind")?,
                        csrf_token: r.try_get("csrf_token")?,
                        created_at: r.try_get("created_at")?,
                        expires_at: r.try_get("expires_at")?,
                        last_seen_at: r
                            .try_get::<Option<i64>, _>("last_seen_at")?
                            .unwrap_or(r.try_get("created_at")?),
                    })
                })
                .transpose()
            }

            async fn touch_session(&self, token_hash: &str, now_ms: i64) -> Result<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1").bind(token_hash).bind(now_ms).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_session(&self, token_hash: &str) -> Result<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(&self.pool).await?;
                Ok(())
            }

            async fn delete_expired_sessions(&self, now_ms: i64) -> Result<u64> {
                Ok(sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now_ms).execute(&self.pool).await?.rows_affected())
            }
        }
    };
}

mod sqlite_accounts {
    use super::*;
    use sqlx::sqlite::SqliteRow;
    accounts_sql!(SqliteStore, Sqlite, SqliteRow);
}

mod pg_accounts {
    use super::*;
    use sqlx::postgres::PgRow;
    accounts_sql!(PgStore, Postgres, PgRow);
}
