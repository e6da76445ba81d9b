//! The two SQL backends, generated from one body of portable SQL.
//!
//! Both dialects accept `$1`-style parameters, `ON CONFLICT`, `RETURNING` and
//! `LIMIT/OFFSET`, so each query is written once; a macro instantiates the
//! `Store` implementation for each driver. (sqlx's `Any` driver is avoided on
//! purpose: it lacks types and dialect handling.) Only the schema
//! (`migrations/<backend>`), transaction start and backup differ.

use async_trait::async_trait;
use safepath_audit::{AuditEntry, Checkpoint, StoredEntry};
use safepath_crypto::{KeyPurpose, WrappedDataKey};
use safepath_domain::access::{CaseFacts, Visibility};
use safepath_domain::ids::{CaseId, OrgId, PersonId, UserId};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Postgres, QueryBuilder, Row, Sqlite};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

use crate::rows::{decode_sealed, encode_sealed};
use crate::*;

pub struct SqliteStore {
    pool: Pool<Sqlite>,
    signer: Option<CheckpointSigner>,
    /// The group writer's queue (`None` in the writer itself).
    group: Option<mpsc::Sender<AuditJob>>,
}

pub struct PgStore {
    pool: Pool<Postgres>,
    signer: Option<CheckpointSigner>,
    group: Option<mpsc::Sender<AuditJob>>,
}

/// One audit entry waiting for the group writer (docs/decisions.md D14).
///
/// The writer takes every job queued, appends them in queue order to the
/// hash chain in one transaction, commits once (one fsync), and only then
/// answers each job: an `Ok` answer means the entry is durable.
pub(crate) struct AuditJob {
    draft: AuditDraft,
    /// For a read: the case id and the version that was read. The entry is
    /// appended only if the case still has that version when the group
    /// transaction runs (otherwise the job is answered `Stale`, nothing is
    /// appended, and the reader reads again).
    case_version: Option<(String, i64)>,
    reply: oneshot::Sender<Result<Appended>>,
}

/// What the group writer did with one job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Appended {
    /// Appended and committed as this sequence number.
    At(i64),
    /// The case changed since it was read: nothing appended.
    Stale,
}

/// At most this many audit entries go into one group transaction.
const GROUP_MAX: usize = 512;
/// Jobs that may wait for the group writer before senders wait too.
const GROUP_QUEUE: usize = 4096;
/// How many times an audited case read is retried when the case changed
/// between its read and its audit entry.
const READ_ATTEMPTS: usize = 3;

fn group_closed() -> StoreError {
    StoreError::AuditNotWritten("the audit writer has stopped".into())
}

impl SqliteStore {
    pub async fn open(path: &str, signer: Option<CheckpointSigner>) -> Result<Self> {
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            // FULL: in WAL mode an acknowledged commit survives power loss.
            .synchronous(SqliteSynchronous::Full)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10));
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .connect_with(opts)
            .await?;
        let group = Some(Self::start_group(pool.clone(), signer.clone()));
        Ok(Self {
            pool,
            signer,
            group,
        })
    }
}

impl PgStore {
    pub async fn open(url: &str, signer: Option<CheckpointSigner>) -> Result<Self> {
        let opts = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(opts)
            .await?;
        let group = Some(Self::start_group(pool.clone(), signer.clone()));
        Ok(Self {
            pool,
            signer,
            group,
        })
    }
}

fn uuid_col<T>(row_value: String, wrap: fn(uuid::Uuid) -> T) -> Result<T> {
    uuid::Uuid::parse_str(&row_value)
        .map(wrap)
        .map_err(|_| StoreError::Corrupt(format!("bad id {row_value:?}")))
}

fn opt_sealed(b: Option<Vec<u8>>) -> Result<Option<safepath_crypto::Sealed>> {
    b.map(|b| decode_sealed(&b)).transpose()
}

fn conflict_or(e: sqlx::Error, what: &str) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict(what.to_owned())
        }
        _ => StoreError::Db(e),
    }
}

macro_rules! row_getters {
    ($row_ty:ty) => {
        fn person_from(r: &$row_ty) -> Result<PersonRow> {
            Ok(PersonRow {
                id: uuid_col(r.try_get("p_id")?, PersonId)?,
                display_name: decode_sealed(&r.try_get::<Vec<u8>, _>("display_name")?)?,
                names: decode_sealed(&r.try_get::<Vec<u8>, _>("names")?)?,
                birth_date: opt_sealed(r.try_get("birth_date")?)?,
                contact: opt_sealed(r.try_get("contact")?)?,
                place_of_origin: opt_sealed(r.try_get("place_of_origin")?)?,
                sex: r.try_get("sex")?,
                gender_identity: r.try_get("gender_identity")?,
                nationalities: r.try_get("nationalities")?,
                languages: r.try_get("languages")?,
                created_at: r.try_get("p_created_at")?,
                updated_at: r.try_get("p_updated_at")?,
            })
        }
        fn case_from(r: &$row_ty, associated: Vec<UserId>) -> Result<CaseRow> {
            let cm: Option<String> = r.try_get("case_manager_id")?;
            Ok(CaseRow {
                id: uuid_col(r.try_get("id")?, CaseId)?,
                reference: r.try_get("reference")?,
                person_id: uuid_col(r.try_get("person_id")?, PersonId)?,
                status: r.try_get("status")?,
                org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                case_manager_id: cm.map(|c| uuid_col(c, UserId)).transpose()?,
                associated,
                exploitation_forms: r.try_get("exploitation_forms")?,
                notes: opt_sealed(r.try_get("notes")?)?,
                created_by: r.try_get("created_by")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
                version: r.try_get("version")?,
            })
        }
        fn case_record_from(r: &$row_ty) -> Result<CaseRecordRow> {
            let owner: Option<String> = r.try_get("owner_id")?;
            Ok(CaseRecordRow {
                id: r.try_get("id")?,
                case_id: uuid_col(r.try_get("case_id")?, CaseId)?,
                kind: r.try_get("kind")?,
                state: r.try_get("state")?,
                subject: r.try_get("subject")?,
                owner_id: owner.map(|u| uuid_col(u, UserId)).transpose()?,
                ref_id: r.try_get("ref_id")?,
                due_on: r.try_get("due_on")?,
                record: decode_sealed(&r.try_get::<Vec<u8>, _>("record")?)?,
                version: r.try_get("version")?,
                created_at: r.try_get("created_at")?,
                updated_at: r.try_get("updated_at")?,
            })
        }
    };
}

/// A case's next deadline: the earliest due date of its open decisions and
/// open tasks (NULL when none), as one portable expression over `c`.
/// `decided_at + 0` and `state || ''` keep SQLite from picking the queue
/// indexes (`decisions_open`, `case_records_queue`: every open item of every
/// case) over the per-case ones; with them a page of 50 of 20,000 cases took
/// 6 s.
const NEXT_DUE: &str = "(SELECT MIN(nd.due) FROM (\
    SELECT MIN(d.due_on) AS due FROM decisions d WHERE d.case_id = c.id AND d.decided_at + 0 IS NULL \
    UNION ALL \
    SELECT MIN(t.due_on) AS due FROM case_records t WHERE t.case_id = c.id AND t.kind = 'task' \
        AND t.state || '' IN ('open', 'due_notified')) nd)";

const CASE_COLUMNS: &str = "c.id, c.reference, c.person_id, c.status, c.org_id, c.case_manager_id, c.exploitation_forms, c.notes, \
     c.created_by, c.created_at, c.updated_at, c.version, p.id AS p_id, p.display_name, p.names, p.birth_date, p.contact, \
     p.place_of_origin, p.sex, p.gender_identity, p.nationalities, p.languages, p.created_at AS p_created_at, p.updated_at AS p_updated_at";

// --- services, shelters and stays ---
/// Every shelter column but the location, with the current occupancy.
const SHELTER_COLUMNS: &str = "s.id, s.org_id, s.name, s.shelter_type, s.regime, s.beds, s.created_at, \
     (SELECT COUNT(*) FROM shelter_stays o WHERE o.shelter_id = s.id AND o.left_on IS NULL) AS occupancy";

/// The storage form of `Visibility` (property-tested to agree with the
/// policy): a user's own cases (managed, associated, or a task they own)
/// inside their organisation, or the whole organisation for coordinators.
/// The caller handles `Visibility::Nothing`.
/// One of the disjoint sets of cases a list is the union of: every case of an
/// organisation (a coordinator), or, for everyone else, the cases they
/// manage and the cases they are associated with but do not manage. Each is
/// read in the list's order from an index of its own, and counted from the
/// tally when nothing narrows it (issue 9: the list at 1,000 req/s).
struct ListPart {
    org: String,
    /// Only the cases this user manages.
    manager: Option<String>,
    /// Only the cases this user is associated with and does not manage.
    members_of: Option<String>,
}

/// How a part's unfiltered total is read from `case_tally`.
enum Tally {
    /// The part is empty under the filter.
    None,
    /// The cases of the organisation that this user manages.
    Manager(String),
    /// Every case of the organisation.
    Org,
}

impl ListPart {
    /// The same rule as `access::can_see`, as the query applies it.
    fn of(visibility: Visibility) -> Vec<ListPart> {
        match visibility {
            Visibility::Nothing => Vec::new(),
            Visibility::OwnAndOrg(_, o) => vec![ListPart {
                org: o.to_string(),
                manager: None,
                members_of: None,
            }],
            Visibility::Own(u, o) => vec![
                ListPart {
                    org: o.to_string(),
                    manager: Some(u.to_string()),
                    members_of: None,
                },
                ListPart {
                    org: o.to_string(),
                    manager: None,
                    members_of: Some(u.to_string()),
                },
            ],
        }
    }

    /// The tally that holds this part's total under `f`, if one does: only
    /// a filter by case manager keeps the total a tally.
    fn tally(&self, f: &CaseFilter) -> Option<Tally> {
        let narrowed = f.status.is_some()
            || f.exploitation_form.is_some()
            || f.overdue_before.is_some()
            || !f.name_tokens.is_empty()
            || f.reference_prefix.is_some()
            || self.members_of.is_some();
        if narrowed {
            return None;
        }
        let wanted = f.case_manager.map(|u| u.to_string());
        Some(match (&self.manager, wanted) {
            (Some(m), Some(w)) if *m != w => Tally::None,
            (Some(m), _) => Tally::Manager(m.clone()),
            (None, Some(w)) => Tally::Manager(w),
            (None, None) => Tally::Org,
        })
    }
}

macro_rules! push_visible {
    ($qb:expr, $visibility:expr, $with_owner:expr) => {{
        let (user, org, whole_org) = match $visibility {
            Visibility::Own(u, o) => (u, o, false),
            Visibility::OwnAndOrg(u, o) => (u, o, true),
            Visibility::Nothing => unreachable!("handled by the caller"),
        };
        $qb.push("(c.org_id = ").push_bind(org.to_string());
        if !whole_org {
            $qb.push(" AND (c.case_manager_id = ")
                .push_bind(user.to_string());
            if $with_owner {
                $qb.push(" OR r.owner_id = ").push_bind(user.to_string());
            }
            $qb.push(
                " OR EXISTS (SELECT 1 FROM case_members m WHERE m.case_id = c.id AND m.user_id = ",
            )
            .push_bind(user.to_string())
            .push("))");
        }
        $qb.push(")");
    }};
}

macro_rules! sql_store {
    ($store:ident, $db:ty, $row_ty:ty, $begin:expr, $begin_read:expr, $backend:expr, $migrator:expr) => {
        row_getters!($row_ty);

        impl $store {
            /// Starts the group writer of audit entries (D14) on its own
            /// task; it ends when the store (its queue's sender) is dropped.
            pub(crate) fn start_group(pool: Pool<$db>, signer: Option<CheckpointSigner>) -> mpsc::Sender<AuditJob> {
                let (tx, rx) = mpsc::channel(GROUP_QUEUE);
                let writer = $store { pool, signer, group: None };
                tokio::spawn(writer.group_writer(rx));
                tx
            }

            async fn group_writer(self, mut rx: mpsc::Receiver<AuditJob>) {
                let mut batch = Vec::with_capacity(GROUP_MAX);
                // Waits for one job, then takes whatever else is queued.
                while rx.recv_many(&mut batch, GROUP_MAX).await > 0 {
                    match self.commit_group(&batch).await {
                        Ok(outcomes) => {
                            for (job, outcome) in batch.drain(..).zip(outcomes) {
                                let _ = job.reply.send(Ok(outcome));
                            }
                        }
                        Err(e) => {
                            // Nothing of the batch was committed: every
                            // waiting request fails (its data is not returned).
                            ::tracing::error!(error = %e, entries = batch.len(), "audit group commit failed");
                            for job in batch.drain(..) {
                                let _ = job.reply.send(Err(StoreError::AuditNotWritten(e.to_string())));
                            }
                        }
                    }
                }
            }

            /// Appends the jobs' entries in order in one transaction.
            async fn commit_group(&self, jobs: &[AuditJob]) -> Result<Vec<Appended>> {
                let mut tx = self.begin_write().await?;
                let mut out = Vec::with_capacity(jobs.len());
                for job in jobs {
                    if let Some((case, version)) = &job.case_version {
                        let now: Option<i64> = sqlx::query_scalar("SELECT version FROM cases WHERE id = $1")
                            .bind(case)
                            .fetch_optional(&mut *tx)
                            .await?;
                        if now != Some(*version) {
                            out.push(Appended::Stale);
                            continue;
                        }
                    }
                    out.push(Appended::At(self.append_tx(&mut tx, &job.draft).await?));
                }
                tx.commit().await?;
                Ok(out)
            }

            /// Hands an entry to the group writer and waits until it is
            /// durable (or refused as `Stale`).
            pub(crate) async fn append_grouped(&self, draft: AuditDraft, case_version: Option<(String, i64)>) -> Result<Appended> {
                let Some(group) = &self.group else {
                    // Only the writer itself has no queue, and it never
                    // calls this; append directly all the same.
                    let mut tx = self.begin_write().await?;
                    let seq = self.append_tx(&mut tx, &draft).await?;
                    tx.commit().await?;
                    return Ok(Appended::At(seq));
                };
                let (reply, answer) = oneshot::channel();
                group.send(AuditJob { draft, case_version, reply }).await.map_err(|_| group_closed())?;
                answer.await.map_err(|_| group_closed())?
            }

            /// A read-only transaction on one snapshot of the database.
            async fn begin_read(&self) -> Result<sqlx::Transaction<'static, $db>> {
                Ok(self.pool.begin_with($begin_read).await?)
            }

            /// Appends one entry to the hash chain inside the caller's transaction.
            /// The head row is updated first, which serialises writers on both
            /// backends (row lock on PostgreSQL, the write lock on SQLite).
            pub(crate) async fn insert_notifications_tx(&self, tx: &mut sqlx::Transaction<'static, $db>, rows: &[NotificationRow]) -> Result<()> {
                for n in rows {
                    sqlx::query("INSERT INTO notifications (id, user_id, kind, case_id, message, created_at, read_at, subject_type, subject_id, params) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
                        .bind(&n.id)
                        .bind(n.user_id.to_string())
                        .bind(&n.kind)
                        .bind(n.case_id.map(|c| c.to_string()))
                        .bind(&n.message)
                        .bind(n.created_at)
                        .bind(n.read_at)
                        .bind(&n.subject_type)
                        .bind(&n.subject_id)
                        .bind(&n.params)
                        .execute(&mut **tx)
                        .await?;
                    // Queued for e-mail in the same transaction, when the user has an address.
                    sqlx::query("INSERT INTO mail_outbox (id, notification_id, email, kind, message, created_at, attempts, next_attempt_at, sent_at) \
                                 SELECT $1, $2, email, $3, $4, $5, 0, $6, NULL FROM user_emails WHERE user_id = $7")
                        .bind(&n.id)
                        .bind(&n.id)
                        .bind(&n.kind)
                        .bind(&n.message)
                        .bind(n.created_at)
                        .bind(n.created_at)
                        .bind(n.user_id.to_string())
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            pub(crate) async fn append_tx(&self, tx: &mut sqlx::Transaction<'static, $db>, d: &AuditDraft) -> Result<i64> {
                let head = sqlx::query("UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash").fetch_one(&mut **tx).await?;
                let seq: i64 = head.try_get("seq")?;
                let prev: Vec<u8> = head.try_get("hash")?;
                let prev_arr: [u8; 32] = prev.as_slice().try_into().map_err(|_| StoreError::Corrupt("audit head hash".into()))?;
                let entry = AuditEntry {
                    seq,
                    at_ms: d.at_ms,
                    actor: d.actor.clone(),
                    action: d.action.clone(),
                    record_type: d.record_type.clone(),
                    record_id: d.record_id.clone(),
                    org_id: d.org_id.clone(),
                    reason: d.reason.clone(),
                    detail: d.detail.clone(),
                };
                let hash = entry.chain_hash(&prev_arr);
                sqlx::query(
                    "INSERT INTO audit_log (seq, at_ms, actor, action, record_type, record_id, org_id, reason, detail, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(seq)
                .bind(entry.at_ms)
                .bind(&entry.actor)
                .bind(&entry.action)
                .bind(&entry.record_type)
                .bind(&entry.record_id)
                .bind(&entry.org_id)
                .bind(&entry.reason)
                .bind(&entry.detail)
                .bind(prev)
                .bind(hash.to_vec())
                .execute(&mut **tx)
                .await?;
                sqlx::query("UPDATE audit_head SET hash = $1 WHERE id = 1").bind(hash.to_vec()).execute(&mut **tx).await?;
                if seq % CHECKPOINT_EVERY == 0 {
                    if let Some(sign) = &self.signer {
                        let cp = sign(seq, &hash);
                        self.insert_checkpoint_tx(tx, &cp, d.at_ms).await?;
                    }
                }
                self.insert_notifications_tx(tx, &d.notifications).await?;
                Ok(seq)
            }

            pub(crate) async fn insert_checkpoint_tx(&self, tx: &mut sqlx::Transaction<'static, $db>, cp: &Checkpoint, now_ms: i64) -> Result<()> {
                sqlx::query("INSERT INTO audit_checkpoints (seq, hash, signature, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (seq) DO NOTHING")
                    .bind(cp.seq)
                    .bind(&cp.hash)
                    .bind(&cp.signature)
                    .bind(now_ms)
                    .execute(&mut **tx)
                    .await?;
                Ok(())
            }

            pub(crate) async fn insert_decision_tx(&self, tx: &mut sqlx::Transaction<'static, $db>, d: &DecisionRow) -> Result<()> {
                sqlx::query(
                    "INSERT INTO decisions (id, case_id, stage, profile_id, opened_at, opened_on, due_on, decided_at, decided_by, outcome, deciding_org_type, letter_addressee, reasons, reflection_ends_on, reconsideration_of) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
                )
                .bind(&d.id)
                .bind(d.case_id.to_string())
                .bind(&d.stage)
                .bind(&d.profile_id)
                .bind(d.opened_at)
                .bind(&d.opened_on)
                .bind(&d.due_on)
                .bind(d.decided_at)
                .bind(d.decided_by.map(|u| u.to_string()))
                .bind(&d.outcome)
                .bind(&d.deciding_org_type)
                .bind(&d.letter_addressee)
                .bind(d.reasons.as_ref().map(encode_sealed))
                .bind(&d.reflection_ends_on)
                .bind(&d.reconsideration_of)
                .execute(&mut **tx)
                .await?;
                Ok(())
            }

            pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, $db>> {
                Ok(self.pool.begin_with($begin).await?)
            }

            async fn update_case_tx(&self, tx: &mut sqlx::Transaction<'static, $db>, c: &CaseRow) -> Result<()> {
                let n = sqlx::query(
                    "UPDATE cases SET status = $1, case_manager_id = $2, exploitation_forms = $3, notes = $4, updated_at = $5, version = $6 \
                     WHERE id = $7 AND version = $8",
                )
                .bind(&c.status)
                .bind(c.case_manager_id.map(|u| u.to_string()))
                .bind(&c.exploitation_forms)
                .bind(c.notes.as_ref().map(encode_sealed))
                .bind(c.updated_at)
                .bind(c.version)
                .bind(c.id.to_string())
                .bind(c.version - 1)
                .execute(&mut **tx)
                .await?
                .rows_affected();
                if n != 1 {
                    return Err(StoreError::VersionMismatch);
                }
                self.write_members(tx, c).await
            }

            async fn write_case_records_tx(&self, tx: &mut sqlx::Transaction<'static, $db>, rows: &[CaseRecordRow]) -> Result<()> {
                for r in rows {
                    let n = if r.version == 1 {
                        sqlx::query("INSERT INTO case_records (id, case_id, kind, state, subject, owner_id, ref_id, due_on, record, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
                            .bind(&r.id)
                            .bind(r.case_id.to_string())
                            .bind(&r.kind)
                            .bind(&r.state)
                            .bind(&r.subject)
                            .bind(r.owner_id.map(|u| u.to_string()))
                            .bind(&r.ref_id)
                            .bind(&r.due_on)
                            .bind(encode_sealed(&r.record))
                            .bind(r.version)
                            .bind(r.created_at)
                            .bind(r.updated_at)
                            .execute(&mut **tx)
                            .await
                            .map_err(|e| conflict_or(e, "case record"))?
                            .rows_affected()
                    } else {
                        sqlx::query("UPDATE case_records SET state = $1, subject = $2, owner_id = $3, ref_id = $4, due_on = $5, record = $6, version = $7, updated_at = $8 WHERE id = $9 AND case_id = $10 AND version = $11")
                            .bind(&r.state)
                            .bind(&r.subject)
                            .bind(r.owner_id.map(|u| u.to_string()))
                            .bind(&r.ref_id)
                            .bind(&r.due_on)
                            .bind(encode_sealed(&r.record))
                            .bind(r.version)
                            .bind(r.updated_at)
                            .bind(&r.id)
                            .bind(r.case_id.to_string())
                            .bind(r.version - 1)
                            .execute(&mut **tx)
                            .await?
                            .rows_affected()
                    };
                    if n != 1 {
                        return Err(StoreError::VersionMismatch);
                    }
                }
                Ok(())
            }

            async fn members(&self, conn: &mut sqlx::Transaction<'static, $db>, case: &str) -> Result<Vec<UserId>> {
                let rows = sqlx::query("SELECT user_id FROM case_members WHERE case_id = $1 ORDER BY added_at, user_id").bind(case).fetch_all(&mut **conn).await?;
                rows.iter().map(|r| uuid_col(r.try_get("user_id")?, UserId)).collect()
            }

            async fn write_person(&self, tx: &mut sqlx::Transaction<'static, $db>, p: &PersonRow, index: &[Vec<u8>], insert: bool) -> Result<()> {
                let sql = if insert {
                    "INSERT INTO persons (display_name, names, birth_date, contact, place_of_origin, sex, gender_identity, nationalities, languages, created_at, updated_at, id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
                } else {
                    "UPDATE persons SET display_name = $1, names = $2, birth_date = $3, contact = $4, place_of_origin = $5, sex = $6, \
                     gender_identity = $7, nationalities = $8, languages = $9, created_at = $10, updated_at = $11 WHERE id = $12"
                };
                sqlx::query(sql)
                    .bind(encode_sealed(&p.display_name))
                    .bind(encode_sealed(&p.names))
                    .bind(p.birth_date.as_ref().map(encode_sealed))
                    .bind(p.contact.as_ref().map(encode_sealed))
                    .bind(p.place_of_origin.as_ref().map(encode_sealed))
                    .bind(&p.sex)
                    .bind(&p.gender_identity)
                    .bind(&p.nationalities)
                    .bind(&p.languages)
                    .bind(p.created_at)
                    .bind(p.updated_at)
                    .bind(p.id.to_string())
                    .execute(&mut **tx)
                    .await?;
                sqlx::query("DELETE FROM person_name_index WHERE person_id = $1").bind(p.id.to_string()).execute(&mut **tx).await?;
                for token in index {
                    sqlx::query("INSERT INTO person_name_index (person_id, token) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(p.id.to_string())
                        .bind(token)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }

            async fn write_members(&self, tx: &mut sqlx::Transaction<'static, $db>, c: &CaseRow) -> Result<()> {
                let id = c.id.to_string();
                let existing = self.members(tx, &id).await?;
                for gone in existing.iter().filter(|u| !c.associated.contains(u)) {
                    sqlx::query("DELETE FROM case_members WHERE case_id = $1 AND user_id = $2").bind(&id).bind(gone.to_string()).execute(&mut **tx).await?;
                }
                for new in c.associated.iter().filter(|u| !existing.contains(u)) {
                    sqlx::query("INSERT INTO case_members (case_id, user_id, added_by, added_at) VALUES ($1, $2, $3, $4)")
                        .bind(&id)
                        .bind(new.to_string())
                        .bind(&c.created_by)
                        .bind(c.updated_at)
                        .execute(&mut **tx)
                        .await?;
                }
                Ok(())
            }
        }

        #[async_trait]
        impl Store for $store {
            fn backend(&self) -> Backend {
                $backend
            }

            async fn migrate(&self) -> Result<()> {
                $migrator.run(&self.pool).await?;
                Ok(())
            }

            async fn data_keys(&self) -> Result<Vec<WrappedDataKey>> {
                // Retired keys first: the key ring takes the last field key as the
                // one that seals, and a retired key only opens.
                let rows = sqlx::query("SELECT id, purpose, master_key_id, wrapped FROM data_keys ORDER BY CASE WHEN retired_at IS NULL THEN 1 ELSE 0 END, created_at, id").fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let purpose: String = r.try_get("purpose")?;
                        Ok(WrappedDataKey {
                            id: r.try_get("id")?,
                            purpose: KeyPurpose::parse(&purpose).ok_or_else(|| StoreError::Corrupt(format!("key purpose {purpose:?}")))?,
                            master_key_id: r.try_get("master_key_id")?,
                            wrapped: r.try_get("wrapped")?,
                        })
                    })
                    .collect()
            }

            async fn insert_data_keys(&self, keys: &[WrappedDataKey], now_ms: i64) -> Result<()> {
                let mut tx = self.begin_write().await?;
                for (i, k) in keys.iter().enumerate() {
                    sqlx::query("INSERT INTO data_keys (id, purpose, master_key_id, wrapped, created_at) VALUES ($1, $2, $3, $4, $5)")
                        .bind(&k.id)
                        .bind(k.purpose.as_str())
                        .bind(&k.master_key_id)
                        .bind(&k.wrapped)
                        .bind(now_ms + i as i64)
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn rewrap_data_keys(&self, keys: &[WrappedDataKey], audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                for k in keys {
                    let n = sqlx::query("UPDATE data_keys SET master_key_id = $1, wrapped = $2 WHERE id = $3")
                        .bind(&k.master_key_id)
                        .bind(&k.wrapped)
                        .bind(&k.id)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n != 1 {
                        return Err(StoreError::Corrupt(format!("data key {} not found", k.id)));
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn insert_case_with(&self, c: &CaseRow, p: &PersonRow, index: &[Vec<u8>], extras: &CaseExtras, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                self.write_person(&mut tx, p, index, true).await?;
                sqlx::query(
                    "INSERT INTO cases (id, reference, person_id, status, org_id, case_manager_id, exploitation_forms, notes, created_by, created_at, updated_at, version) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(c.id.to_string())
                .bind(&c.reference)
                .bind(c.person_id.to_string())
                .bind(&c.status)
                .bind(c.org_id.to_string())
                .bind(c.case_manager_id.map(|u| u.to_string()))
                .bind(&c.exploitation_forms)
                .bind(c.notes.as_ref().map(encode_sealed))
                .bind(&c.created_by)
                .bind(c.created_at)
                .bind(c.updated_at)
                .bind(c.version)
                .execute(&mut *tx)
                .await
                .map_err(|e| conflict_or(e, "a case with this id or reference"))?;
                self.write_members(&mut tx, c).await?;
                for f in &extras.flags {
                    sqlx::query("INSERT INTO case_flags (case_id, flag, set_by, set_at, source) VALUES ($1, $2, $3, $4, $5)")
                        .bind(c.id.to_string())
                        .bind(&f.flag)
                        .bind(&f.set_by)
                        .bind(f.set_at)
                        .bind(&f.source)
                        .execute(&mut *tx)
                        .await?;
                }
                for d in &extras.decisions {
                    self.insert_decision_tx(&mut tx, d).await?;
                }
                if let Some(sid) = &extras.screening_id {
                    let n = sqlx::query("UPDATE screenings SET case_id = $1 WHERE id = $2 AND case_id IS NULL")
                        .bind(c.id.to_string())
                        .bind(sid)
                        .execute(&mut *tx)
                        .await?
                        .rows_affected();
                    if n != 1 {
                        return Err(StoreError::Conflict("a case for this screening".into()));
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            async fn case_flags(&self, id: CaseId) -> Result<Vec<CaseFlag>> {
                let rows = sqlx::query("SELECT flag, set_by, set_at, source FROM case_flags WHERE case_id = $1 ORDER BY flag").bind(id.to_string()).fetch_all(&self.pool).await?;
                rows.iter().map(|r| Ok(CaseFlag { flag: r.try_get("flag")?, set_by: r.try_get("set_by")?, set_at: r.try_get("set_at")?, source: r.try_get("source")? })).collect()
            }

            async fn case_facts(&self, id: CaseId) -> Result<Option<CaseFacts>> {
                let mut tx = self.pool.begin().await?;
                let row = sqlx::query("SELECT org_id, case_manager_id FROM cases WHERE id = $1").bind(id.to_string()).fetch_optional(&mut *tx).await?;
                let Some(row) = row else { return Ok(None) };
                let cm: Option<String> = row.try_get("case_manager_id")?;
                let associated = self.members(&mut tx, &id.to_string()).await?;
                tx.commit().await?;
                Ok(Some(CaseFacts { id, org: uuid_col(row.try_get("org_id")?, OrgId)?, case_manager: cm.map(|c| uuid_col(c, UserId)).transpose()?, associated }))
            }

            async fn cases_facts(&self, ids: &[CaseId]) -> Result<Vec<CaseFacts>> {
                let mut out = Vec::with_capacity(ids.len());
                let mut tx = self.begin_read().await?;
                for chunk in ids.chunks(500) {
                    let push_ids = |qb: &mut QueryBuilder<$db>| {
                        let mut list = qb.separated(", ");
                        for id in chunk {
                            list.push_bind(id.to_string());
                        }
                    };
                    let mut qb = QueryBuilder::<$db>::new("SELECT case_id, user_id FROM case_members WHERE case_id IN (");
                    push_ids(&mut qb);
                    qb.push(") ORDER BY case_id, added_at, user_id");
                    let mut members: std::collections::HashMap<String, Vec<UserId>> = std::collections::HashMap::new();
                    for r in qb.build().fetch_all(&mut *tx).await? {
                        members.entry(r.try_get("case_id")?).or_default().push(uuid_col(r.try_get("user_id")?, UserId)?);
                    }
                    let mut qb = QueryBuilder::<$db>::new("SELECT id, org_id, case_manager_id FROM cases WHERE id IN (");
                    push_ids(&mut qb);
                    qb.push(")");
                    for r in qb.build().fetch_all(&mut *tx).await? {
                        let id: String = r.try_get("id")?;
                        let cm: Option<String> = r.try_get("case_manager_id")?;
                        out.push(CaseFacts {
                            associated: members.remove(&id).unwrap_or_default(),
                            id: uuid_col(id, CaseId)?,
                            org: uuid_col(r.try_get("org_id")?, OrgId)?,
                            case_manager: cm.map(|c| uuid_col(c, UserId)).transpose()?,
                        });
                    }
                }
                tx.commit().await?;
                Ok(out)
            }

            async fn case_by_reference(&self, reference: &str) -> Result<Option<CaseId>> {
                let row = sqlx::query("SELECT id FROM cases WHERE reference = $1").bind(reference).fetch_optional(&self.pool).await?;
                row.map(|r| uuid_col(r.try_get("id")?, CaseId)).transpose()
            }

            async fn read_case(&self, decided: &CaseFacts, audit: &AuditDraft) -> Result<Option<(CaseRow, PersonRow)>> {
                let id = decided.id;
                for _attempt in 0..READ_ATTEMPTS {
                    // Read on a snapshot (a read connection, in parallel with
                    // other readers) …
                    let mut tx = self.begin_read().await?;
                    let row = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id = $1")))
                        .bind(id.to_string())
                        .fetch_optional(&mut *tx)
                        .await?;
                    let Some(row) = row else { return Ok(None) };
                    let associated = self.members(&mut tx, &id.to_string()).await?;
                    tx.commit().await?;
                    let out = (case_from(&row, associated)?, person_from(&row)?);
                    // The policy decided on facts read before this snapshot:
                    // they must hold in it, where the data is read.
                    let now = CaseFacts {
                        id,
                        org: out.0.org_id,
                        case_manager: out.0.case_manager_id,
                        associated: out.0.associated.clone(),
                    };
                    let same_people = |a: &[UserId], b: &[UserId]| {
                        let (mut a, mut b) = (a.to_vec(), b.to_vec());
                        a.sort();
                        b.sort();
                        a == b
                    };
                    if now.org != decided.org
                        || now.case_manager != decided.case_manager
                        || !same_people(&now.associated, &decided.associated)
                    {
                        return Err(StoreError::Conflict("the case's people changed while it was being opened".into()));
                    }
                    // … and the entry is appended by the group writer only if
                    // the case is still the version read (facts change only
                    // with the version), so the read is authorised as of the
                    // data it returns and its entry is ordered after every
                    // change that data reflects.
                    match self.append_grouped(audit.clone(), Some((id.to_string(), out.0.version))).await? {
                        Appended::At(_) => return Ok(Some(out)),
                        Appended::Stale => continue,
                    }
                }
                Err(StoreError::Conflict("the case kept changing while it was being opened".into()))
            }

            async fn update_case(&self, c: &CaseRow, person: Option<(&PersonRow, &[Vec<u8>])>, audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                self.update_case_tx(&mut tx, c).await?;
                if let Some((p, index)) = person {
                    self.write_person(&mut tx, p, index, false).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn list_cases(&self, visibility: Visibility, f: &CaseFilter, audit: &AuditDraft) -> Result<CasePage> {
                let parts = ListPart::of(visibility);
                if parts.is_empty() {
                    return Ok(CasePage { items: Vec::new(), next_due: Vec::new(), total: 0 });
                }
                // WHERE … of one part, with the list's filters.
                fn part_where(qb: &mut QueryBuilder<$db>, part: &ListPart, f: &CaseFilter) {
                    match &part.members_of {
                        None => {
                            qb.push("c.org_id = ").push_bind(part.org.clone());
                            if let Some(m) = &part.manager {
                                qb.push(" AND c.case_manager_id = ").push_bind(m.clone());
                            }
                        }
                        // Driven from the user's few memberships: `|| ''`
                        // keeps SQLite off the organisation's index, which
                        // would walk every case of the organisation.
                        Some(u) => {
                            qb.push("c.id IN (SELECT m.case_id FROM case_members m WHERE m.user_id = ").push_bind(u.clone())
                                .push(") AND c.org_id || '' = ").push_bind(part.org.clone())
                                .push(" AND (c.case_manager_id IS NULL OR c.case_manager_id <> ").push_bind(u.clone()).push(")");
                        }
                    }
                    if let Some(s) = &f.status {
                        qb.push(" AND c.status = ").push_bind(s.clone());
                    }
                    if let Some(u) = f.case_manager {
                        qb.push(" AND c.case_manager_id = ").push_bind(u.to_string());
                    }
                    if let Some(form) = &f.exploitation_form {
                        // The forms are a JSON array of codes: match the
                        // quoted code, `_` taken literally.
                        let literal = form.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                        qb.push(" AND c.exploitation_forms LIKE ").push_bind(format!("%\"{literal}\"%")).push(" ESCAPE '\\'");
                    }
                    if let Some(day) = &f.overdue_before {
                        qb.push(format!(" AND ({NEXT_DUE}) < ")).push_bind(day.clone());
                    }
                    let by_name = !f.name_tokens.is_empty();
                    let by_ref = f.reference_prefix.is_some();
                    if by_name || by_ref {
                        qb.push(" AND (");
                        if by_name {
                            qb.push("c.person_id IN (SELECT person_id FROM person_name_index WHERE token IN (");
                            let mut sep = qb.separated(", ");
                            for t in &f.name_tokens {
                                sep.push_bind(t.clone());
                            }
                            qb.push(") GROUP BY person_id HAVING COUNT(DISTINCT token) = ").push_bind(f.name_tokens.len() as i64).push(")");
                        }
                        if let Some(prefix) = &f.reference_prefix {
                            if by_name {
                                qb.push(" OR ");
                            }
                            // `%` and `_` in what was typed are literal characters.
                            let literal = prefix.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
                            qb.push("c.reference LIKE ").push_bind(format!("{literal}%")).push(" ESCAPE '\\'");
                        }
                        qb.push(")");
                    }
                }
                // One snapshot for the count and the page; the entry that
                // lists the ids is durable before anything is returned.
                let mut tx = self.begin_read().await?;
                let mut total = 0i64;
                for part in &parts {
                    let mut count = match part.tally(f) {
                        // The unfiltered total comes from the tally the
                        // triggers keep (migration 0023): counting 30,000
                        // visible cases on every page capped the list.
                        Some(Tally::None) => continue,
                        Some(Tally::Manager(m)) => {
                            let mut q = QueryBuilder::<$db>::new("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM case_tally WHERE org_id = ");
                            q.push_bind(part.org.clone()).push(" AND case_manager_id = ").push_bind(m);
                            q
                        }
                        Some(Tally::Org) => {
                            let mut q = QueryBuilder::<$db>::new("SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) AS n FROM case_tally WHERE org_id = ");
                            q.push_bind(part.org.clone());
                            q
                        }
                        None => {
                            let mut q = QueryBuilder::<$db>::new("SELECT COUNT(*) AS n FROM cases c WHERE ");
                            part_where(&mut q, part, f);
                            q
                        }
                    };
                    total += count.build().fetch_one(&mut *tx).await?.try_get::<i64, _>("n")?;
                }
                let order = match f.sort {
                    CaseSort::Changed => "c.updated_at DESC, c.id".to_owned(),
                    CaseSort::Reference => "c.reference, c.id".to_owned(),
                    CaseSort::Status => {
                        let mut by = String::from("CASE c.status");
                        for (i, s) in safepath_domain::case::CaseStatus::ALL.iter().enumerate() {
                            by.push_str(&format!(" WHEN '{}' THEN {i}", s.as_str()));
                        }
                        by.push_str(" ELSE 99 END, c.updated_at DESC, c.id");
                        by
                    }
                    CaseSort::Deadline => format!("CASE WHEN ({NEXT_DUE}) IS NULL THEN 1 ELSE 0 END, ({NEXT_DUE}), c.id"),
                };
                // The page's ids first, on the cases alone: each part (they
                // are disjoint) gives its first offset + limit in the list's
                // order, from an index that is in that order
                // (`cases_org_changed`, `cases_org_manager_changed`), and the
                // page is cut from their union. Sorting every visible row took
                // 16 ms at 100,000 cases.
                let head = f.offset + f.limit;
                let mut ids = QueryBuilder::<$db>::new("SELECT k.id FROM (");
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        ids.push(" UNION ALL ");
                    }
                    ids.push("SELECT * FROM (SELECT c.id FROM cases c WHERE ");
                    part_where(&mut ids, part, f);
                    ids.push(format!(" ORDER BY {order} LIMIT ")).push_bind(head).push(format!(") p{i}"));
                }
                ids.push(") k JOIN cases c ON c.id = k.id");
                ids.push(format!(" ORDER BY {order} LIMIT ")).push_bind(f.limit).push(" OFFSET ").push_bind(f.offset);
                let page_ids: Vec<String> = ids.build().fetch_all(&mut *tx).await?
                    .iter().map(|r| r.try_get("id")).collect::<std::result::Result<_, _>>()?;
                let mut items = Vec::with_capacity(page_ids.len());
                let mut next_due = Vec::with_capacity(page_ids.len());
                if !page_ids.is_empty() {
                    let mut page = QueryBuilder::<$db>::new(format!("SELECT {CASE_COLUMNS}, ({NEXT_DUE}) AS next_due FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.id IN ("));
                    let mut sep = page.separated(", ");
                    for id in &page_ids {
                        sep.push_bind(id.as_str());
                    }
                    page.push(format!(") ORDER BY {order}"));
                    let rows = page.build().fetch_all(&mut *tx).await?;
                    // Every page's members in one query, not one per case.
                    let mut members = QueryBuilder::<$db>::new("SELECT case_id, user_id FROM case_members WHERE case_id IN (");
                    let mut sep = members.separated(", ");
                    for id in &page_ids {
                        sep.push_bind(id.as_str());
                    }
                    members.push(") ORDER BY case_id, added_at, user_id");
                    let mut by_case: std::collections::HashMap<String, Vec<UserId>> = std::collections::HashMap::new();
                    for r in members.build().fetch_all(&mut *tx).await? {
                        by_case.entry(r.try_get("case_id")?).or_default().push(uuid_col(r.try_get("user_id")?, UserId)?);
                    }
                    for r in &rows {
                        let id: String = r.try_get("id")?;
                        let associated = by_case.remove(&id).unwrap_or_default();
                        items.push((case_from(r, associated)?, person_from(r)?));
                        next_due.push(r.try_get::<Option<String>, _>("next_due")?);
                    }
                }
                let ids: Vec<String> = items.iter().map(|(c, _)| c.id.to_string()).collect();
                let mut audit = audit.clone();
                let listed = format!("results={} ids={}", ids.len(), ids.join(","));
                audit.add_detail(listed);
                tx.commit().await?;
                self.append_grouped(audit, None).await?;
                Ok(CasePage { items, next_due, total })
            }

            async fn case_persons_page(&self, after: Option<(i64, CaseId)>, limit: i64) -> Result<Vec<CasePersonRow>> {
                let rows = match after {
                    None => sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases c JOIN persons p ON p.id = c.person_id ORDER BY c.created_at, c.id LIMIT $1")))
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?,
                    Some((at, id)) => sqlx::query(sqlx::AssertSqlSafe(format!("SELECT {CASE_COLUMNS} FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.created_at > $1 OR (c.created_at = $1 AND c.id > $2) ORDER BY c.created_at, c.id LIMIT $3")))
                        .bind(at)
                        .bind(id.to_string())
                        .bind(limit)
                        .fetch_all(&self.pool)
                        .await?,
                };
                rows.iter()
                    .map(|r| {
                        Ok(CasePersonRow {
                            case_id: uuid_col(r.try_get("id")?, CaseId)?,
                            org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                            person: person_from(r)?,
                            case_created_at: r.try_get("created_at")?,
                        })
                    })
                    .collect()
            }

            async fn person_generation(&self) -> Result<i64> {
                Ok(sqlx::query("SELECT generation FROM person_generation WHERE id = 1")
                    .fetch_one(&self.pool)
                    .await?
                    .try_get("generation")?)
            }

            async fn persons_changed_since(&self, generation: i64) -> Result<Vec<PersonId>> {
                let rows = sqlx::query("SELECT person_id FROM person_changes WHERE generation > $1 ORDER BY generation")
                    .bind(generation)
                    .fetch_all(&self.pool)
                    .await?;
                rows.iter()
                    .map(|r| uuid_col(r.try_get("person_id")?, PersonId))
                    .collect()
            }

            async fn case_persons_of(&self, persons: &[PersonId]) -> Result<Vec<CasePersonRow>> {
                let mut out = Vec::with_capacity(persons.len());
                for chunk in persons.chunks(500) {
                    let mut qb = QueryBuilder::<$db>::new(format!("SELECT {CASE_COLUMNS} FROM cases c JOIN persons p ON p.id = c.person_id WHERE c.person_id IN ("));
                    let mut list = qb.separated(", ");
                    for p in chunk {
                        list.push_bind(p.to_string());
                    }
                    qb.push(") ORDER BY c.created_at, c.id");
                    for r in qb.build().fetch_all(&self.pool).await? {
                        out.push(CasePersonRow {
                            case_id: uuid_col(r.try_get("id")?, CaseId)?,
                            org_id: uuid_col(r.try_get("org_id")?, OrgId)?,
                            person: person_from(&r)?,
                            case_created_at: r.try_get("created_at")?,
                        });
                    }
                }
                out.sort_by(|a, b| a.case_created_at.cmp(&b.case_created_at).then(a.case_id.0.cmp(&b.case_id.0)));
                Ok(out)
            }

            async fn count_cases(&self) -> Result<i64> {
                Ok(sqlx::query("SELECT COUNT(*) AS n FROM cases").fetch_one(&self.pool).await?.try_get("n")?)
            }

            async fn write_case_records(&self, rows: &[CaseRecordRow], audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                self.write_case_records_tx(&mut tx, rows).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn case_record(&self, id: &str) -> Result<Option<CaseRecordRow>> {
                let row = sqlx::query("SELECT * FROM case_records WHERE id = $1").bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(case_record_from).transpose()
            }

            async fn case_records(&self, case: CaseId, kind: Option<&str>) -> Result<Vec<CaseRecordRow>> {
                let mut qb = QueryBuilder::<$db>::new("SELECT * FROM case_records WHERE case_id = ");
                qb.push_bind(case.to_string());
                if let Some(k) = kind {
                    qb.push(" AND kind = ").push_bind(k.to_owned());
                }
                qb.push(" ORDER BY created_at, id");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(case_record_from).collect()
            }

            async fn queued_case_records(&self, kind: &str, states: &[&str], visibility: Visibility, due_before: Option<&str>) -> Result<Vec<CaseRecordHit>> {
                if visibility == Visibility::Nothing || states.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT r.*, c.reference AS c_reference, c.org_id AS c_org_id, c.case_manager_id AS c_case_manager_id FROM case_records r JOIN cases c ON c.id = r.case_id WHERE r.kind = ");
                qb.push_bind(kind.to_owned());
                qb.push(" AND r.state IN (");
                let mut sep = qb.separated(", ");
                for st in states {
                    sep.push_bind(st.to_string());
                }
                qb.push(") AND ");
                push_visible!(qb, visibility, true);
                if let Some(before) = due_before {
                    qb.push(" AND r.due_on < ").push_bind(before.to_owned());
                }
                qb.push(" ORDER BY r.due_on, r.created_at, r.id LIMIT 500");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter()
                    .map(|r| {
                        let cm: Option<String> = r.try_get("c_case_manager_id")?;
                        Ok(CaseRecordHit {
                            row: case_record_from(r)?,
                            reference: r.try_get("c_reference")?,
                            org_id: uuid_col(r.try_get("c_org_id")?, OrgId)?,
                            case_manager_id: cm.map(|c| uuid_col(c, UserId)).transpose()?,
                        })
                    })
                    .collect()
            }

            async fn all_case_records(&self, kind: &str, states: &[&str]) -> Result<Vec<CaseRecordRow>> {
                if states.is_empty() {
                    return Ok(Vec::new());
                }
                let mut qb = QueryBuilder::<$db>::new("SELECT * FROM case_records WHERE kind = ");
                qb.push_bind(kind.to_owned());
                qb.push(" AND state IN (");
                let mut sep = qb.separated(", ");
                for st in states {
                    sep.push_bind(st.to_string());
                }
                qb.push(") ORDER BY created_at, id");
                let rows = qb.build().fetch_all(&self.pool).await?;
                rows.iter().map(case_record_from).collect()
            }

            async fn update_case_with_records(&self, c: &CaseRow, person: Option<(&PersonRow, &[Vec<u8>])>, rows: &[CaseRecordRow], audit: &AuditDraft) -> Result<()> {
                let mut tx = self.begin_write().await?;
                self.append_tx(&mut tx, audit).await?;
                self.update_case_tx(&mut tx, c).await?;
                if let Some((p, index)) = person {
                    self.write_person(&mut tx, p, index, false).await?;
                }
                self.write_case_records_tx(&mut tx, rows).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn review_facts(&self, org: OrgId) -> Result<Vec<ReviewFactsRow>> {
                let rows = sqlx::query(
                    "SELECT c.id, c.reference, c.status, c.case_manager_id, c.created_at, \
                     (SELECT MAX(r.due_on) FROM case_records r WHERE r.case_id = c.id AND r.kind = 'review') AS last_review_on, \
                     (SELECT MAX(r.created_at) FROM case_records r WHERE r.case_id = c.id AND r.kind = 'review') AS last_review_at \
                     FROM cases c WHERE c.org_id = $1 AND c.status <> 'closed' ORDER BY c.created_at, c.id",
                )
                .bind(org.to_string())
                .fetch_all(&self.pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let cm: Option<String> = r.try_get("case_manager_id")?;
                        Ok(ReviewFactsRow {
                            case_id: uuid_col(r.try_get("id")?, CaseId)?,
                            reference: r.try_get("reference")?,
                            status: r.try_get("status")?,
                            case_manager_id: cm.map(|c| uuid_col(c, UserId)).transpose()?,
                            created_at: r.try_get("created_at")?,
                            last_review_on: r.try_get("last_review_on")?,
                            last_review_at: r.try_get("last_review_at")?,
                        })
                    })
                    .collect()
            }

            async fn backup_to(&self, path: &Path) -> Result<()> {
                backup(&self.pool, path).await
            }

            async fn close(&self) {
                self.pool.close().await;
            }

            // --- services, shelters and stays ---
        }
    };
}

mod sqlite_impl {
    use super::*;
    use sqlx::sqlite::SqliteRow;

    async fn backup(pool: &Pool<Sqlite>, path: &Path) -> Result<()> {
        let target = path
            .to_str()
            .ok_or(StoreError::Unsupported("backup paths must be UTF-8"))?;
        // VACUUM INTO writes a consistent snapshot while the database stays online.
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    sql_store!(
        SqliteStore,
        Sqlite,
        SqliteRow,
        "BEGIN IMMEDIATE",
        "BEGIN",
        Backend::Sqlite,
        sqlx::migrate!("./migrations/sqlite")
    );
}

mod pg_impl {
    use super::*;
    use sqlx::postgres::PgRow;

    async fn backup(_pool: &Pool<Postgres>, _path: &Path) -> Result<()> {
        Err(StoreError::Unsupported(
            "online backup of PostgreSQL: use pg_dump (see docs/operations.md)",
        ))
    }

    sql_store!(
        PgStore,
        Postgres,
        PgRow,
        "BEGIN",
        "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY",
        Backend::Postgres,
        sqlx::migrate!("./migrations/postgres")
    );
}

// --- tracing and de-duplication ---
#[path = "sql_tracing.rs"]
mod tracing;

// --- durable solutions: cross-border handover ---
#[path = "sql_handover.rs"]
mod handover;
// --- statistics ---
#[path = "sql_stats.rs"]
mod stats;
// --- rights and justice ---
#[path = "sql_justice.rs"]
mod justice;
// --- data-key rotation ---
#[path = "sql_key_rotation.rs"]
mod key_rotation;
// --- durable solutions: agreements between countries ---
#[path = "sql_agreements.rs"]
mod agreements;
// --- identification: a responder's list of screenings ---
#[path = "sql_screening_list.rs"]
mod screening_list;
// --- documents attached to a case ---
#[path = "sql_documents.rs"]
mod documents;
// --- search before create's matching index ---
#[path = "sql_match_index.rs"]
mod match_index;
// --- staff trainings ---
#[path = "sql_trainings.rs"]
mod trainings;
// --- organisations, accounts, sign-in and sessions ---
#[path = "sql_accounts.rs"]
mod accounts;
// --- services, shelters and stays ---
#[path = "sql_audit.rs"]
mod audit;
#[path = "sql_directory.rs"]
mod directory;
#[path = "sql_identification.rs"]
mod identification;
#[path = "sql_notices.rs"]
mod notices;
#[path = "sql_referrals.rs"]
mod referrals;
