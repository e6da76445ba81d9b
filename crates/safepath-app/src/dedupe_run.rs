//! The periodic de-duplication run over the whole database and its review
//! queue (issue 5). A run opens every case's person in memory (audited as one
//! scan when it starts), indexes them with `safepath-match`, scores candidate
//! pairs and stores those in the likely/possible bands as `pending`; a pair
//! already decided (`not_same` or merged) is never proposed again. Progress
//! is written as the run goes. Only one run at a time (the database refuses a
//! second).
//!
//! Review: a coordinator sees the pairs whose two cases they may both see;
//! for a pair that crosses into another organisation only that a possible
//! duplicate exists there and whom to contact. Administrators see counts.
//! A merge keeps both cases and both histories and marks the secondary
//! `merged_into` the primary; it is audited and can be undone (the pair then
//! returns to `pending`). Decisions: docs/decisions.md D-T3.

use safepath_domain::access::{self, Action, CaseFacts, Decision};
use safepath_domain::ids::CaseId;
use safepath_domain::org::Role;
use safepath_match::FieldExplanation;
use safepath_store::{
    AuditDraft, CaseMergeRow, DedupePairRow, DedupeRunRow, MergeChange, PersonRow, StoreError,
};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::match_records::{band_name, best_per_id, index_over, records_of, settings};
use crate::retrafficking::{FoundBy, Sighting};
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// Progress is written every this many persons.
const PROGRESS_EVERY: usize = 25;
/// Candidates looked at per person.
const PER_PERSON: usize = 20;
/// Who started a run when no user did.
pub const SCHEDULER: &str = "scheduler";
/// Hours between scheduled runs unless configured.
pub const DEFAULT_EVERY_HOURS: u32 = 24;

/// A run's progress (no personal data).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DedupeRunView {
    pub id: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    /// `scheduler`, or `user` when a coordinator or administrator started it.
    pub started_by: String,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Persons compared so far.
    pub processed: i64,
    /// Persons in the run.
    pub total: i64,
    /// Candidate pairs (likely or possible) this run found so far; pairs
    /// already known, in any state, are not queued again.
    pub pairs_found: i64,
    /// A generic reason when `failed`.
    pub error: Option<String>,
}

/// The answer to "run now": the run's id (202 Accepted).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DedupeRunStarted {
    pub id: String,
}

/// One side of a pair the reviewer may see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DedupeCaseSide {
    pub case_id: Uuid,
    pub reference: String,
    pub display_name: String,
    /// The reference of the case this one is merged into, if any.
    pub merged_into: Option<String>,
    /// What the engine compared, as recorded, for the reviewer to see side
    /// by side (issue 10): opened under the queue's audited read of both
    /// cases, like the display name.
    pub compared: ComparedValues,
}

/// A case's values as the matching engine compares them.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct ComparedValues {
    /// The name the engine compared (the first recorded): a whole name, or
    /// its given part when the family part was recorded apart.
    pub name: String,
    /// The family part of that name, when recorded apart.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub family_name: String,
    /// The place of origin compared ("town, province").
    #[serde(skip_serializing_if = "String::is_empty")]
    pub place: String,
    pub birth_date: Option<safepath_domain::person::BirthDate>,
    pub sex: Option<safepath_domain::person::Sex>,
    /// ISO 3166-1 alpha-3 codes.
    pub nationalities: Vec<String>,
}

/// A pair whose two cases the reviewer may both see.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DedupePairView {
    pub id: String,
    /// `likely` or `possible`.
    pub band: String,
    pub probability: f64,
    /// `pending`, `merged` or `not_same`.
    pub state: String,
    /// Per field: the comparison level reached and its weight (log2).
    #[schema(value_type = Vec<Object>)]
    pub explanation: Vec<FieldExplanation>,
    pub a: DedupeCaseSide,
    pub b: DedupeCaseSide,
    /// For a merged pair: the merge's id (for unmerge) and the primary case.
    pub merge_id: Option<String>,
    pub primary_case_id: Option<Uuid>,
    pub created_at: String,
}

/// A possible duplicate of one of the reviewer's cases in another
/// organisation: no name or reference of the other case, only whom to ask.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DedupeElsewhere {
    /// The reviewer's own case.
    pub case_id: Uuid,
    pub reference: String,
    pub org_id: Uuid,
    pub org_name: String,
    /// The other organisation's referral focal point (a staff member).
    pub focal_point: Option<String>,
    pub band: String,
}

/// Pairs in the whole database by state (no personal data).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct DedupeCounts {
    pub pending: usize,
    pub merged: usize,
    pub not_same: usize,
}

/// The review queue as the caller may see it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DedupeQueue {
    /// Pending pairs whose two cases the caller may see (coordinators).
    pub pending: Vec<DedupePairView>,
    /// Merged pairs whose two cases the caller may see (to undo a merge).
    pub merged: Vec<DedupePairView>,
    /// Pending pairs that cross into another organisation.
    pub elsewhere: Vec<DedupeElsewhere>,
    pub counts: DedupeCounts,
    pub latest_run: Option<DedupeRunView>,
    /// Whether the caller may start a run.
    pub can_run: bool,
    /// The lists hold the newest [`QUEUE_LIMIT`] pairs of the caller's
    /// organisation in a state; more wait (never cut silently).
    pub pending_cut: bool,
    pub merged_cut: bool,
}

/// How many pairs of one state the queue lists at once.
pub const QUEUE_LIMIT: usize = 1000;

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// One of the pair's two cases; the other is marked merged into it.
    pub primary_case_id: Uuid,
}

fn run_view(r: &DedupeRunRow) -> DedupeRunView {
    DedupeRunView {
        id: r.id.clone(),
        state: r.state.clone(),
        started_by: if r.started_by == SCHEDULER {
            SCHEDULER.into()
        } else {
            "user".into()
        },
        started_at: rfc3339(r.started_at),
        finished_at: r.finished_at.map(rfc3339),
        processed: r.processed,
        total: r.total,
        pairs_found: r.pairs_found,
        error: r.error.clone(),
    }
}

fn pair_not_found() -> AppError {
    AppError::not_found("no such pair")
}

fn may_start(role: Role) -> bool {
    safepath_domain::access::capabilities(role).reviews_duplicates
}

fn may_review(role: Role) -> bool {
    safepath_domain::access::capabilities(role).reviews_duplicates
}

/// The `case_records` kind that remembers a re-trafficking alert.
pub use crate::retrafficking::RETRAFFICKING_ALERT;

impl App {
    /// Starts a run in the background and answers with its id. Refused with
    /// 409 `dedupe_running` while another run is running.
    pub async fn start_dedupe_run(
        self: &Arc<Self>,
        who: &Principal,
    ) -> Result<DedupeRunStarted, AppError> {
        if !may_start(who.actor.role) {
            return Err(AppError::forbidden(
                "only coordinators and administrators start a de-duplication run",
            ));
        }
        self.spawn_dedupe_run(&who.id().to_string()).await
    }

    /// Sets the hours between scheduled runs (0 disables them).
    pub fn set_dedupe_every_hours(&mut self, hours: u32) {
        self.dedupe_every_hours = hours;
    }

    /// The scheduler's tick: starts a run (started by `scheduler`) when the
    /// latest run started at least the configured hours ago, or there was
    /// none. A run already running is not an error (nothing is started).
    pub async fn start_scheduled_dedupe_run(self: &Arc<Self>) -> Result<Option<String>, AppError> {
        if self.dedupe_every_hours == 0 {
            return Ok(None);
        }
        let every_ms = i64::from(self.dedupe_every_hours) * 3_600_000;
        if let Some(last) = self.store.latest_dedupe_run().await?
            && (last.state == "running" || self.now_ms() - last.started_at < every_ms)
        {
            return Ok(None);
        }
        match self.spawn_dedupe_run(SCHEDULER).await {
            Ok(s) => Ok(Some(s.id)),
            Err(e) if e.code == "dedupe_running" => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn spawn_dedupe_run(
        self: &Arc<Self>,
        started_by: &str,
    ) -> Result<DedupeRunStarted, AppError> {
        let (run, rows) = self.begin_dedupe_run(started_by).await?;
        let id = run.id.clone();
        let app = Arc::clone(self);
        tokio::spawn(async move {
            app.execute_dedupe_run(run, rows).await;
        });
        Ok(DedupeRunStarted { id })
    }

    /// Runs one de-duplication to its end (the demo's seeding, tests).
    pub async fn run_dedupe_to_end(&self, started_by: &str) -> Result<DedupeRunView, AppError> {
        let (run, rows) = self.begin_dedupe_run(started_by).await?;
        let id = run.id.clone();
        self.execute_dedupe_run(run, rows).await;
        let last = self
            .store
            .latest_dedupe_run()
            .await?
            .filter(|r| r.id == id)
            .ok_or_else(|| AppError::internal("dedupe run"))?;
        Ok(run_view(&last))
    }

    /// Marks runs left `running` by a process that stopped as failed (at
    /// start-up, before anything else may start a run).
    pub async fn abandon_dedupe_runs(&self) -> Result<u64, AppError> {
        Ok(self
            .store
            .abandon_dedupe_runs(self.now_ms(), "interrupted")
            .await?)
    }

    /// Records the run (the scan of every person is audited here, before any
    /// person is opened).
    async fn begin_dedupe_run(
        &self,
        started_by: &str,
    ) -> Result<(DedupeRunRow, Vec<(CaseId, PersonRow)>), AppError> {
        let merged: HashSet<CaseId> = self
            .store
            .case_merges()
            .await?
            .into_iter()
            .map(|m| m.secondary)
            .collect();
        // A case merged into another is represented by its primary.
        let rows: Vec<(CaseId, PersonRow)> = self
            .all_case_persons()
            .await?
            .into_iter()
            .filter(|(c, _, _)| !merged.contains(c))
            .map(|(c, _, p)| (c, p))
            .collect();
        let now = self.now_ms();
        let run = DedupeRunRow {
            id: Uuid::new_v4().to_string(),
            state: "running".into(),
            started_by: started_by.into(),
            started_at: now,
            finished_at: None,
            processed: 0,
            total: rows.len() as i64,
            pairs_found: 0,
            error: None,
        };
        let audit = AuditDraft::new(now, started_by, "dedupe.run.start")
            .record("dedupe_run", &run.id)
            .detail(format!("scan persons={}", rows.len()));
        match self.store.insert_dedupe_run(&run, &audit).await {
            Ok(()) => Ok((run, rows)),
            Err(StoreError::Conflict(_)) => Err(AppError::new(
                ErrorKind::Conflict,
                "dedupe_running",
                "a de-duplication run is already running; wait for it to finish",
            )),
            Err(e) => Err(e.into()),
        }
    }

    async fn execute_dedupe_run(&self, mut run: DedupeRunRow, rows: Vec<(CaseId, PersonRow)>) {
        match self.find_pairs(&mut run, &rows).await {
            Ok(pairs) => {
                run.state = "done".into();
                run.processed = rows.len() as i64;
                run.pairs_found = pairs.len() as i64;
                run.finished_at = Some(self.now_ms());
                // A person who returned home found again in the records: a
                // re-trafficking risk (issue 12). Told once per pair.
                let (notices, marks) = match self.returned_again(&run, &pairs).await {
                    Ok(found) => found,
                    Err(e) => {
                        tracing::error!(code = e.code, run = %run.id, "re-trafficking check failed");
                        (Vec::new(), Vec::new())
                    }
                };
                let audit =
                    AuditDraft::new(self.now_ms(), run.started_by.as_str(), "dedupe.run.finish")
                        .record("dedupe_run", &run.id)
                        .detail(format!(
                            "scanned={} candidates={} returned_again={}",
                            rows.len(),
                            pairs.len(),
                            marks.len()
                        ))
                        .notify_all(notices);
                if let Err(e) = self.store.finish_dedupe_run(&run, &pairs, &audit).await {
                    tracing::error!(error = %e, run = %run.id, "de-duplication run could not be stored");
                    self.fail_dedupe_run(run).await;
                } else if let Err(e) = self
                    .keep_retrafficking_alerts(
                        run.started_by.as_str(),
                        &marks,
                        Vec::new(),
                        FoundBy::DedupeRun,
                    )
                    .await
                {
                    tracing::error!(code = e.code, run = %run.id, "re-trafficking alerts not kept");
                }
            }
            Err(e) => {
                tracing::error!(error = %e, run = %run.id, "de-duplication run failed");
                self.fail_dedupe_run(run).await;
            }
        }
    }

    /// The pairs of a run in the "likely" band where one case's person
    /// returned home through a recorded repatriation and the other case does
    /// not record one: the person may have been trafficked again
    /// (`crate::retrafficking`). A "possible" pair waits for review, as any
    /// other: an alert sends staff on both sides to the person.
    async fn returned_again(
        &self,
        run: &DedupeRunRow,
        pairs: &[DedupePairRow],
    ) -> Result<
        (
            Vec<safepath_store::NotificationRow>,
            Vec<safepath_store::CaseRecordRow>,
        ),
        AppError,
    > {
        let returned = crate::retrafficking::returned_cases(self).await?;
        let sightings: Vec<Sighting> = pairs
            .iter()
            .filter_map(|p| {
                let (back, again) = safepath_domain::solutions::retrafficking::pairing(
                    &p.band, p.case_a, p.case_b, &returned,
                )?;
                Some(Sighting {
                    returned: back,
                    again,
                    found_by: FoundBy::DedupeRun,
                    subject_id: p.id.clone(),
                    source_id: run.id.clone(),
                })
            })
            .collect();
        self.retrafficking_alerts(&sightings).await
    }

    async fn fail_dedupe_run(&self, mut run: DedupeRunRow) {
        run.state = "failed".into();
        run.finished_at = Some(self.now_ms());
        run.error = Some("internal error (see the server log)".into());
        if let Err(e) = self.store.update_dedupe_run(&run).await {
            tracing::error!(error = %e, run = %run.id, "could not mark the run failed");
        }
    }

    /// Opens every person (in memory only), indexes them and queries each
    /// against the index; the best score per unordered pair is kept.
    async fn find_pairs(
        &self,
        run: &mut DedupeRunRow,
        rows: &[(CaseId, PersonRow)],
    ) -> Result<Vec<DedupePairRow>, AppError> {
        let settings = settings()?;
        let mut all = Vec::new();
        let mut per_case = Vec::with_capacity(rows.len());
        // Charged to the run's start entry, which names the run.
        let grant = Grant::record(run.started_by.as_str(), "dedupe_run", &run.id);
        for (case, p) in rows {
            let person = self.person_for_matching(&grant, p)?;
            let recs = records_of(&settings, &case.to_string(), &person)?;
            all.extend(recs.iter().cloned());
            per_case.push((*case, recs));
        }
        if all.is_empty() {
            return Ok(vec![]);
        }
        // The matching itself is CPU work: it runs on the blocking pool, a
        // chunk of persons at a time, so the server keeps answering (the
        // progress page included) while a large run goes.
        let index = tokio::task::spawn_blocking(move || index_over(&all, &settings))
            .await
            .map_err(|_| AppError::internal("dedupe index task"))??;
        let index = Arc::new(index);
        let ids: HashMap<String, CaseId> =
            per_case.iter().map(|(c, _)| (c.to_string(), *c)).collect();
        let per_case = Arc::new(per_case);
        let mut best: HashMap<(CaseId, CaseId), safepath_match::Candidate> = HashMap::new();
        let mut start = 0;
        while start < per_case.len() {
            let end = (start + PROGRESS_EVERY).min(per_case.len());
            let (index, chunk) = (Arc::clone(&index), Arc::clone(&per_case));
            let found = tokio::task::spawn_blocking(move || {
                chunk[start..end]
                    .iter()
                    .map(|(case, recs)| Ok((*case, best_per_id(&index, recs, PER_PERSON + 1)?)))
                    .collect::<Result<Vec<_>, AppError>>()
            })
            .await
            .map_err(|_| AppError::internal("dedupe query task"))??;
            for (case, candidates) in found {
                let me = case.to_string();
                for c in candidates {
                    if c.id == me {
                        continue;
                    }
                    let Some(other) = ids.get(&c.id).copied() else {
                        continue;
                    };
                    let key = if me < c.id {
                        (case, other)
                    } else {
                        (other, case)
                    };
                    match best.get(&key) {
                        Some(b) if b.probability >= c.probability => {}
                        _ => {
                            best.insert(key, c);
                        }
                    }
                }
            }
            start = end;
            run.processed = end as i64;
            run.pairs_found = best.len() as i64;
            self.store.update_dedupe_run(run).await?;
        }
        let now = self.now_ms();
        let mut pairs = Vec::with_capacity(best.len());
        for ((a, b), c) in best {
            pairs.push(DedupePairRow {
                id: Uuid::new_v4().to_string(),
                case_a: a,
                case_b: b,
                probability: c.probability,
                band: band_name(c.band).into(),
                explanation: serde_json::to_string(&c.explanation)
                    .map_err(|_| AppError::internal("explanation"))?,
                state: "pending".into(),
                run_id: run.id.clone(),
                created_at: now,
                decided_by: None,
                decided_at: None,
            });
        }
        pairs.sort_by(|x, y| y.probability.total_cmp(&x.probability));
        Ok(pairs)
    }

    /// The latest run's progress (coordinators and administrators).
    pub async fn latest_dedupe_run(
        &self,
        who: &Principal,
    ) -> Result<Option<DedupeRunView>, AppError> {
        if !may_review(who.actor.role) {
            return Err(AppError::forbidden(
                "only coordinators and administrators follow de-duplication runs",
            ));
        }
        Ok(self.store.latest_dedupe_run().await?.as_ref().map(run_view))
    }

    /// The review queue as the caller may see it (audited: the ids shown).
    pub async fn dedupe_queue(&self, who: &Principal) -> Result<DedupeQueue, AppError> {
        if !may_review(who.actor.role) {
            return Err(AppError::forbidden(
                "only coordinators and administrators review possible duplicates",
            ));
        }
        let mut counts = DedupeCounts::default();
        for (state, n) in self.store.dedupe_pair_counts().await? {
            let n = usize::try_from(n).unwrap_or_default();
            match state.as_str() {
                "pending" => counts.pending = n,
                "merged" => counts.merged = n,
                "not_same" => counts.not_same = n,
                _ => {}
            }
        }
        let mut queue = DedupeQueue {
            pending: vec![],
            merged: vec![],
            elsewhere: vec![],
            counts,
            latest_run: self.store.latest_dedupe_run().await?.as_ref().map(run_view),
            can_run: may_start(who.actor.role),
            pending_cut: false,
            merged_cut: false,
        };
        if who.actor.role != Role::Coordinator {
            // Administrators: counts only, never names.
            return Ok(queue);
        }
        let merges = self.store.case_merges().await?;
        let mut shown: Vec<(CaseFacts, CaseFacts, DedupePairRow)> = Vec::new();
        let mut elsewhere: Vec<(CaseFacts, CaseFacts, DedupePairRow)> = Vec::new();
        // The newest pairs touching the caller's organisation, cut in the
        // store by organisation (not globally, then filtered), and said so
        // when there are more.
        let limit = i64::try_from(QUEUE_LIMIT + 1).unwrap_or(i64::MAX);
        let mut listed = Vec::new();
        for state in ["pending", "merged"] {
            let mut rows = self
                .store
                .dedupe_pairs_touching(state, who.org(), limit)
                .await?;
            if rows.len() > QUEUE_LIMIT {
                rows.truncate(QUEUE_LIMIT);
                if state == "pending" {
                    queue.pending_cut = true;
                } else {
                    queue.merged_cut = true;
                }
            }
            listed.extend(rows);
        }
        for p in listed {
            let (Some(fa), Some(fb)) = (
                self.store.case_facts(p.case_a).await?,
                self.store.case_facts(p.case_b).await?,
            ) else {
                continue;
            };
            let sa = access::authorize(&who.actor, Action::ReadCase, &fa).is_ok();
            let sb = access::authorize(&who.actor, Action::ReadCase, &fb).is_ok();
            match (sa, sb) {
                (true, true) => shown.push((fa, fb, p)),
                (true, false) if p.state == "pending" => elsewhere.push((fa, fb, p)),
                (false, true) if p.state == "pending" => elsewhere.push((fb, fa, p)),
                _ => {}
            }
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "dedupe.queue.read")
            .org(who.org())
            .detail(format!(
                "pairs={} cases={}",
                shown
                    .iter()
                    .map(|(_, _, p)| p.id.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                shown
                    .iter()
                    .flat_map(|(a, b, _)| [a.id.to_string(), b.id.to_string()])
                    .chain(elsewhere.iter().map(|(own, _, _)| own.id.to_string()))
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        self.store.append_audit(&audit).await?;
        let persons: HashMap<CaseId, PersonRow> = self.persons_of(&shown).await?;
        for (fa, fb, p) in &shown {
            let view = self.pair_view(who, p, fa, fb, &persons, &merges).await?;
            if p.state == "merged" {
                queue.merged.push(view);
            } else {
                queue.pending.push(view);
            }
        }
        for (own, other, p) in &elsewhere {
            if queue
                .elsewhere
                .iter()
                .any(|e| e.case_id == own.id.0 && e.org_id == other.org.0)
            {
                continue;
            }
            let org_name = self
                .store
                .org(other.org)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            let focal_point = match self.store.focal_point(other.org).await? {
                Some(u) => self.store.user(u).await?.map(|u| u.full_name),
                None => None,
            };
            queue.elsewhere.push(DedupeElsewhere {
                case_id: own.id.0,
                reference: self.case_reference(own.id).await?.unwrap_or_default(),
                org_id: other.org.0,
                org_name,
                focal_point,
                band: p.band.clone(),
            });
        }
        Ok(queue)
    }

    /// The sealed person rows of the cases shown (no audit here: the caller
    /// audited the list).
    async fn persons_of(
        &self,
        shown: &[(CaseFacts, CaseFacts, DedupePairRow)],
    ) -> Result<HashMap<CaseId, PersonRow>, AppError> {
        let wanted: HashSet<CaseId> = shown.iter().flat_map(|(a, b, _)| [a.id, b.id]).collect();
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .all_case_persons()
            .await?
            .into_iter()
            .filter(|(c, _, _)| wanted.contains(c))
            .map(|(c, _, p)| (c, p))
            .collect())
    }

    async fn side(
        &self,
        who: &Principal,
        facts: &CaseFacts,
        persons: &HashMap<CaseId, PersonRow>,
        merges: &[CaseMergeRow],
    ) -> Result<DedupeCaseSide, AppError> {
        let (display_name, compared) = match persons.get(&facts.id) {
            Some(p) => {
                let cap = access::authorize(&who.actor, Action::ReadCase, facts)
                    .map_err(|_| pair_not_found())?;
                let person = self.person_for_matching(&Grant::case(&cap, facts.id)?, p)?;
                let (name, family_name) = crate::match_records::name_boxes(&person)
                    .into_iter()
                    .next()
                    .unwrap_or_else(|| (person.display_name.clone(), String::new()));
                let compared = ComparedValues {
                    name,
                    family_name,
                    place: crate::duplicates::place_text(&person.place_of_origin),
                    birth_date: person.birth_date.clone(),
                    sex: Some(person.sex),
                    nationalities: person.nationalities.clone(),
                };
                (person.display_name, compared)
            }
            None => (String::new(), ComparedValues::default()),
        };
        let merged_into = match merges.iter().find(|m| m.secondary == facts.id) {
            Some(m) => self.case_reference(m.primary).await?,
            None => None,
        };
        Ok(DedupeCaseSide {
            case_id: facts.id.0,
            reference: self.case_reference(facts.id).await?.unwrap_or_default(),
            display_name,
            merged_into,
            compared,
        })
    }

    async fn pair_view(
        &self,
        who: &Principal,
        p: &DedupePairRow,
        fa: &CaseFacts,
        fb: &CaseFacts,
        persons: &HashMap<CaseId, PersonRow>,
        merges: &[CaseMergeRow],
    ) -> Result<DedupePairView, AppError> {
        let mark = merges.iter().find(|m| m.pair_id == p.id);
        Ok(DedupePairView {
            id: p.id.clone(),
            band: p.band.clone(),
            probability: p.probability,
            state: p.state.clone(),
            explanation: serde_json::from_str(&p.explanation)
                .map_err(|_| AppError::internal("explanation"))?,
            a: self.side(who, fa, persons, merges).await?,
            b: self.side(who, fb, persons, merges).await?,
            merge_id: mark.map(|m| m.pair_id.clone()),
            primary_case_id: mark.map(|m| m.primary.0),
            created_at: rfc3339(p.created_at),
        })
    }

    /// A pair the caller may decide: a coordinator who may edit both cases.
    /// Anyone who may not see both gets "no such pair".
    async fn decidable_pair(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<(DedupePairRow, CaseFacts, CaseFacts), AppError> {
        if !may_review(who.actor.role) {
            return Err(AppError::forbidden(
                "only coordinators review possible duplicates",
            ));
        }
        let p = self
            .store
            .dedupe_pair(id)
            .await?
            .ok_or_else(pair_not_found)?;
        let fa = self
            .store
            .case_facts(p.case_a)
            .await?
            .ok_or_else(pair_not_found)?;
        let fb = self
            .store
            .case_facts(p.case_b)
            .await?
            .ok_or_else(pair_not_found)?;
        let ok = |f: &CaseFacts| access::authorize(&who.actor, Action::EditCase, f);
        match (ok(&fa), ok(&fb)) {
            (Ok(_), Ok(_)) if who.actor.role == Role::Coordinator => Ok((p, fa, fb)),
            (Err(Decision::Forbidden), _) | (_, Err(Decision::Forbidden)) => Err(
                AppError::forbidden("only a coordinator who can see both cases decides"),
            ),
            _ => Err(pair_not_found()),
        }
    }

    async fn decided_view(
        &self,
        who: &Principal,
        id: &str,
        fa: &CaseFacts,
        fb: &CaseFacts,
    ) -> Result<DedupePairView, AppError> {
        let p = self
            .store
            .dedupe_pair(id)
            .await?
            .ok_or_else(pair_not_found)?;
        let shown = vec![(fa.clone(), fb.clone(), p.clone())];
        let persons = self.persons_of(&shown).await?;
        let merges = self.store.case_merges().await?;
        self.pair_view(who, &p, fa, fb, &persons, &merges).await
    }

    fn pair_conflict(e: StoreError, code: &'static str, message: &str) -> AppError {
        match e {
            StoreError::VersionMismatch | StoreError::Conflict(_) => {
                AppError::new(ErrorKind::Conflict, code, message)
            }
            other => other.into(),
        }
    }

    /// Merges the pair: the other case is marked merged into `primary`. Both
    /// cases and their histories stay; audited in the same transaction.
    pub async fn merge_dedupe_pair(
        &self,
        who: &Principal,
        id: &str,
        req: MergeRequest,
    ) -> Result<DedupePairView, AppError> {
        let (p, fa, fb) = self.decidable_pair(who, id).await?;
        let primary = CaseId(req.primary_case_id);
        let secondary = if primary == p.case_a {
            p.case_b
        } else if primary == p.case_b {
            p.case_a
        } else {
            return Err(AppError::bad_request(
                "invalid_field",
                "primary_case_id: must be one of the pair's two cases",
            ));
        };
        if p.state != "pending" {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "pair_already_decided",
                "this pair has already been decided",
            ));
        }
        let now = self.now_ms();
        let mut decided = p.clone();
        decided.state = "merged".into();
        decided.decided_by = Some(who.id());
        decided.decided_at = Some(now);
        let mark = CaseMergeRow {
            secondary,
            primary,
            pair_id: p.id.clone(),
            merged_by: who.id(),
            merged_at: now,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "dedupe.merge")
            .record("case", secondary)
            .org(who.org())
            .detail(format!(
                "pair={} secondary={secondary} primary={primary}",
                p.id
            ));
        self.store
            .decide_dedupe_pair(&decided, "pending", &MergeChange::Merge(mark), &audit)
            .await
            .map_err(|e| {
                Self::pair_conflict(
                    e,
                    "merge_conflict",
                    "this pair was decided meanwhile, or one of its cases is already merged",
                )
            })?;
        self.decided_view(who, id, &fa, &fb).await
    }

    /// Records that the two cases are not the same person: the pair is never
    /// proposed again.
    pub async fn dedupe_not_same(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<DedupePairView, AppError> {
        let (p, fa, fb) = self.decidable_pair(who, id).await?;
        if p.state != "pending" {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "pair_already_decided",
                "this pair has already been decided",
            ));
        }
        let now = self.now_ms();
        let mut decided = p.clone();
        decided.state = "not_same".into();
        decided.decided_by = Some(who.id());
        decided.decided_at = Some(now);
        let audit = AuditDraft::new(now, who.id().to_string(), "dedupe.not_same")
            .record("dedupe_pair", &p.id)
            .org(who.org())
            .detail(format!("cases={},{}", p.case_a, p.case_b));
        self.store
            .decide_dedupe_pair(&decided, "pending", &MergeChange::None, &audit)
            .await
            .map_err(|e| {
                Self::pair_conflict(
                    e,
                    "pair_already_decided",
                    "this pair has already been decided",
                )
            })?;
        self.decided_view(who, id, &fa, &fb).await
    }

    /// Undoes a merge (its id is the pair's): both cases are separate again
    /// and the pair returns to `pending`, to be decided anew.
    pub async fn unmerge(&self, who: &Principal, id: &str) -> Result<DedupePairView, AppError> {
        let (p, fa, fb) = self
            .decidable_pair(who, id)
            .await
            .map_err(|e| match e.kind {
                ErrorKind::NotFound => AppError::not_found("no such merge"),
                _ => e,
            })?;
        let mark = self
            .store
            .case_merges()
            .await?
            .into_iter()
            .find(|m| m.pair_id == p.id);
        let (Some(mark), "merged") = (mark, p.state.as_str()) else {
            return Err(AppError::not_found("no such merge"));
        };
        let now = self.now_ms();
        let mut back = p.clone();
        back.state = "pending".into();
        back.decided_by = Some(who.id());
        back.decided_at = Some(now);
        let audit = AuditDraft::new(now, who.id().to_string(), "dedupe.unmerge")
            .record("case", mark.secondary)
            .org(who.org())
            .detail(format!(
                "pair={} secondary={} primary={}",
                p.id, mark.secondary, mark.primary
            ));
        self.store
            .decide_dedupe_pair(
                &back,
                "merged",
                &MergeChange::Unmerge(mark.secondary),
                &audit,
            )
            .await
            .map_err(|e| {
                Self::pair_conflict(e, "merge_conflict", "this merge was undone meanwhile")
            })?;
        self.decided_view(who, id, &fa, &fb).await
    }

    /// References of the cases each listed case is merged into (for lists).
    pub async fn merged_into(&self, cases: &[Uuid]) -> Result<HashMap<Uuid, String>, AppError> {
        let mut out = HashMap::new();
        let wanted: HashSet<Uuid> = cases.iter().copied().collect();
        for m in self.store.case_merges().await? {
            if wanted.contains(&m.secondary.0)
                && let Some(r) = self.case_reference(m.primary).await?
            {
                out.insert(m.secondary.0, r);
            }
        }
        Ok(out)
    }
}

/// The demo's probable duplicate: one synthetic person registered twice in
/// organisation A (by a case manager, then by a first responder who typed
/// the name without its diacritics and with a slip), then one run so the
/// coordinator finds the pair in the queue.
pub(crate) async fn seed_demo(
    app: &App,
    case_manager: &Principal,
    responder: &Principal,
) -> Result<(), AppError> {
    use crate::views::NewCase;
    use safepath_domain::case::ExploitationForm;
    use safepath_domain::person::{
        BirthDate, Contact, GenderIdentity, NamePart, Person, PersonName, Place, Sex,
    };
    let entries = [
        (
            case_manager,
            "Nguyễn Thị Lan",
            "Nguyen Thi Lan",
            "1999-05-14",
        ),
        (
            responder,
            "Nguyen Thi Lann",
            "Nguyen Thi Lann",
            "1999-05-14",
        ),
    ];
    for (who, name, latin, birth) in entries {
        app.create_case(
            who,
            NewCase {
                person: Person {
                    display_name: name.into(),
                    names: vec![PersonName {
                        value: name.into(),
                        script: "Latn".into(),
                        part: NamePart::Full,
                        transliterations: if latin == name {
                            vec![]
                        } else {
                            vec![latin.into()]
                        },
                    }],
                    sex: Sex::Female,
                    gender_identity: GenderIdentity::NotDisclosed,
                    birth_date: Some(BirthDate::Exact { date: birth.into() }),
                    nationalities: vec!["VNM".into()],
                    languages: vec!["vi".into()],
                    contact: Contact::default(),
                    place_of_origin: Place::default(),
                },
                exploitation_forms: vec![ExploitationForm::ForcedLabour],
                notes: Some("Synthetic demo case for de-duplication. Not a real person.".into()),
                status: None,
                case_manager_id: None,
            },
        )
        .await?;
    }
    app.run_dedupe_to_end(SCHEDULER).await?;
    Ok(())
}
