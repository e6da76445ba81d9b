//! Search before create: before a new person is entered, look for records of
//! the same person with the matching engine. Records the user may see are
//! shown; for records of other organisations only the fact that a possible
//! duplicate exists there and whom to contact (its referral focal point) —
//! no personal data crosses the need-to-know line.

use safepath_domain::access::{self, Action, Decision};
use safepath_domain::casework::consent::ConsentPurpose;
use safepath_domain::ids::CaseId;
use safepath_domain::names::search_tokens;
use safepath_domain::person::{BirthDate, Person, Sex};
use safepath_match::{
    Band, MAX_CANDIDATES, MAX_POSTING, MatchIndex, Model, Record, Settings, index_terms,
    select_postings, train_registry,
};
use safepath_store::AuditDraft;
use serde::Serialize;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::match_records::{best_of_each, records_of};
use crate::sealing::Grant;
use crate::{App, AppError, Principal};

/// The columns the product matches on, in the file interface's terms. A
/// name fills two boxes: `full_name` holds a whole name, or the given part
/// when the family part is recorded apart (`family_name`); the column keeps
/// the name the explanations have always carried.
pub(crate) const SETTINGS: &str = r#"id_column = "id"
[columns]
full_name = "given_name"
family_name = "family_name"
birth_date = "birth_date"
age = "age"
record_date = "record_date"
sex = "sex"
nationality = "nationality"
place = "place"
"#;

/// From this many records the model is trained on the data (EM); below, the
/// engine's prior parameters are used.
pub(crate) const TRAIN_FROM: usize = 2_000;

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateHit {
    pub case_id: Uuid,
    pub reference: String,
    pub display_name: String,
    pub probability: f64,
    /// `likely` or `possible`.
    pub band: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ElsewhereHit {
    pub org_id: Uuid,
    pub org_name: String,
    /// Whom to contact there (a staff member, never the person).
    pub focal_point: Option<String>,
    pub band: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DuplicateCheck {
    /// The best of the records the user may see, at most ten, best first.
    pub visible: Vec<DuplicateHit>,
    pub elsewhere: Vec<ElsewhereHit>,
    /// How many more records the user may see also match, weaker than
    /// those shown (not opened: a narrower search shows them).
    pub more_visible: usize,
}

/// A place as the engine compares it, "Hlaing, Yangon": it reads the area
/// after the comma as the place's parent ("contained" when the other side
/// gives only the area). The country is left to the nationality.
pub(crate) fn place_text(p: &safepath_domain::person::Place) -> String {
    [&p.locality, &p.area]
        .into_iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The record of `p` with one of its names in the engine's two boxes:
/// given and family when the name was recorded in parts, else the whole
/// name in the first box (the engine compares it with both boxes of the
/// other side).
pub(crate) fn record(
    schema: &safepath_match::Schema,
    id: &str,
    p: &Person,
    (given, family): (&str, &str),
) -> Result<Record, AppError> {
    let (birth, age, on) = match &p.birth_date {
        Some(BirthDate::Exact { date }) => (date.clone(), String::new(), String::new()),
        Some(BirthDate::YearMonth { year, month }) => {
            (format!("{year}-{month:02}"), String::new(), String::new())
        }
        Some(BirthDate::Year { year }) => (year.to_string(), String::new(), String::new()),
        Some(BirthDate::EstimatedAge { age, on }) => (String::new(), age.to_string(), on.clone()),
        None => (String::new(), String::new(), String::new()),
    };
    let sex = match p.sex {
        safepath_domain::person::Sex::Female => "F",
        safepath_domain::person::Sex::Male => "M",
        _ => "",
    };
    let nationality = p.nationalities.first().cloned().unwrap_or_default();
    let place = place_text(&p.place_of_origin);
    let pairs = [
        ("full_name", given),
        ("family_name", family),
        ("birth_date", birth.as_str()),
        ("age", age.as_str()),
        ("record_date", on.as_str()),
        ("sex", sex),
        ("nationality", nationality.as_str()),
        ("place", place.as_str()),
    ];
    Record::from_pairs(schema, id, &pairs).map_err(|e| AppError::internal(&e))
}

/// How many of the best-weighed records a duplicate check looks at.
const CHECK_LIMIT: usize = 500;
/// How many of the records the user may see a check shows (each read and
/// audited as a case read). A clerk who gets more is asked to narrow the
/// search: the rest are counted, not opened.
const VISIBLE_SHOWN: usize = 10;

/// The same name (one of each person's names, folded, its parts in any
/// order), the same known sex and a shared nationality. Such a record is at
/// least "possible" whatever the weights say: a namesake in a registry of
/// thousands weighs little without a birth date, yet a clerk who is about to
/// open a second case for the same person must see it (issue 14). Applied
/// through [`namesake_tokens`]; kept as the rule's plain statement, which the
/// tokens are tested against.
#[cfg(test)]
fn same_name_sex_nationality(a: &Person, b: &Person) -> bool {
    let names = |p: &Person| -> std::collections::BTreeSet<Vec<String>> {
        p.names
            .iter()
            .map(|n| search_tokens(&n.value))
            .filter(|t| !t.is_empty())
            .collect()
    };
    a.sex == b.sex
        && matches!(a.sex, Sex::Female | Sex::Male | Sex::Intersex)
        && a.nationalities.iter().any(|n| b.nationalities.contains(n))
        && !names(a).is_disjoint(&names(b))
}

/// Tokens of the namesake rule ([`same_name_sex_nationality`]): one per
/// (known sex, nationality, folded name). Two persons share a token exactly
/// when the rule holds; the index stores them blinded, as keys.
fn namesake_tokens(p: &Person) -> Vec<String> {
    let sex = match p.sex {
        Sex::Female => "f",
        Sex::Male => "m",
        Sex::Intersex => "x",
        Sex::Unknown => return vec![],
    };
    let names: BTreeSet<Vec<String>> = p
        .names
        .iter()
        .map(|n| search_tokens(&n.value))
        .filter(|t| !t.is_empty())
        .collect();
    let mut out: Vec<String> = p
        .nationalities
        .iter()
        .flat_map(|nat| {
            names
                .iter()
                .map(move |name| format!("{sex}\u{1f}{nat}\u{1f}{}", name.join(" ")))
        })
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The blinding purposes of the index's keys, name terms and namesake
/// tokens (keyed hashes under the index key: docs/decisions.md D17).
const KEY_PURPOSE: &str = "match-key";
const TERM_PURPOSE: &str = "match-term";
const NAMESAKE_PURPOSE: &str = "match-namesake";
/// What an entry holds: 2, the records of every name of the person (1: of
/// the first only). Part of the fingerprint, so an index of another format
/// is built again.
const ENTRY_FORMAT: u32 = 2;
/// How the kept model is trained: 2 since its m are the engine's priors and
/// only u is learnt from the registry (D19). A model kept under another
/// format is trained again, with the index.
const MODEL_FORMAT: u32 = 2;
/// Cases opened and written to the index per transaction.
const BATCH: usize = 2_000;
/// At most this many indexed persons, spread over the index, train the
/// model.
const TRAIN_SAMPLE: i64 = 20_000;

/// What a check needs in memory: no person, only where the index stands and
/// the model (D17: the index itself is in the database).
pub(crate) struct Prepared {
    /// The store's person counter the index includes.
    generation: i64,
    /// Cases indexed (the `scanned=` of the audit entries).
    count: usize,
    /// The model and how many records it was trained on (0: priors).
    model: Model,
    trained_on: usize,
}

impl Prepared {
    /// Cases indexed.
    pub(crate) fn count(&self) -> usize {
        self.count
    }
}

pub(crate) type StateGuard = tokio::sync::OwnedRwLockReadGuard<Option<Prepared>>;

/// Who scans the index, and so which audit entry and grant its openings are
/// charged to: search before create's check (also the scheduler's warm-up
/// and the re-trafficking check), or a family's tracing request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scan {
    DuplicateCheck,
    Tracing,
}

impl Scan {
    fn action(self) -> &'static str {
        match self {
            Scan::DuplicateCheck => "case.duplicate_scan",
            Scan::Tracing => "tracing.scan",
        }
    }

    fn purpose(self) -> &'static str {
        match self {
            Scan::DuplicateCheck => "duplicate_check",
            Scan::Tracing => "tracing",
        }
    }

    /// The grant every opening of the scan is charged to.
    pub(crate) fn grant(self, actor: &str) -> Grant {
        Grant::record(actor, "scan", self.purpose())
    }
}

/// A query's candidates read from the index (their matching values still
/// sealed), and which of them are the query's namesakes.
pub(crate) struct IndexCandidates {
    pub(crate) entries: Vec<safepath_store::MatchEntry>,
    pub(crate) namesakes: HashSet<Uuid>,
}

/// Search before create's state, in `App`. A refresh holds the write lock;
/// checks read the index under the read lock, so none reads it half-written.
pub(crate) struct DuplicateIndex {
    state: Arc<tokio::sync::RwLock<Option<Prepared>>>,
}

impl Default for DuplicateIndex {
    fn default() -> Self {
        Self {
            state: Arc::new(tokio::sync::RwLock::new(None)),
        }
    }
}

impl std::fmt::Debug for DuplicateIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DuplicateIndex")
    }
}

/// Retrain only when the records grew (or shrank) by a tenth since the model
/// was trained, or crossed [`TRAIN_FROM`]; below it the priors are used.
fn needs_training(trained_on: usize, n: usize) -> bool {
    if n < TRAIN_FROM {
        return false;
    }
    trained_on == 0 || n * 10 >= trained_on * 11 || n * 10 <= trained_on * 9
}

fn prior_model(settings: &Settings) -> Model {
    let mut m = Model::untrained(settings.schema.clone());
    m.likely = settings.likely;
    m.possible = settings.possible;
    m
}

fn settings() -> Result<Settings, AppError> {
    Settings::parse(SETTINGS).map_err(|(_, e)| AppError::internal(&e))
}

/// The kept model: u learnt from the registry, m the engine's priors. The
/// registry is kept free of duplicates (search before create), so EM would
/// take namesakes for matches and weigh a respelt name against its person
/// (docs/decisions.md D19).
fn train_kept_model(records: &[Record], settings: &Settings) -> Result<Model, AppError> {
    train_registry(records, settings).map_err(engine_error)
}

fn engine_error(e: safepath_match::MatchError) -> AppError {
    AppError::internal(&e.to_string())
}

/// The blocking keys and name terms of several records of one person (or
/// query), each once.
fn terms_of(
    schema: &safepath_match::Schema,
    records: &[Record],
) -> Result<(Vec<u64>, Vec<String>), AppError> {
    let mut keys = BTreeSet::new();
    let mut terms = BTreeSet::new();
    for r in records {
        let it = index_terms(schema, r).map_err(engine_error)?;
        keys.extend(it.keys);
        terms.extend(it.terms);
    }
    Ok((keys.into_iter().collect(), terms.into_iter().collect()))
}

impl App {
    /// Empties search before create's index: the next check builds it again
    /// from every case's person. For an operator after a doubt, and for
    /// tests that compare the kept index with a fresh build.
    pub async fn forget_duplicate_index(&self) -> Result<(), AppError> {
        let mut guard = self.duplicates.state.write().await;
        self.store
            .match_index_reset(&self.match_fingerprint()?)
            .await?;
        *guard = None;
        Ok(())
    }

    /// Names the index key and the engine's key scheme: an index stored
    /// under another fingerprint is built again (after an index-key
    /// rotation, or an engine whose keys changed).
    fn match_fingerprint(&self) -> Result<String, AppError> {
        let tag = format!(
            "scheme {} settings {SETTINGS} entries {ENTRY_FORMAT} model {MODEL_FORMAT}",
            safepath_match::INDEX_SCHEME,
        );
        let b = self.keys.blinder("match-fingerprint")?;
        Ok(format!("{:016x}", b.blind64(tag.as_bytes())))
    }

    /// The state for a duplicate check by `who` (see [`App::duplicate_state`]).
    async fn duplicate_snapshot(&self, who: &Principal) -> Result<StateGuard, AppError> {
        self.duplicate_state(
            Scan::DuplicateCheck,
            &who.id().to_string(),
            Some(who.org()),
            "",
        )
        .await
    }

    /// Brings search before create's index up to date when the server
    /// starts, in the background, so that the first check of the day does
    /// not wait for it (the first build, or the cases written while the
    /// server was stopped). Audited like a check's scan, as the scheduler's.
    /// True when the index is ready.
    pub async fn warm_duplicate_index(&self) -> Result<bool, AppError> {
        // Current already (the usual restart): nothing to do now, and the
        // first check only reads the model. An idle server then holds no
        // more than one without search before create (D17).
        let generation = self.store.person_generation().await?;
        if let Some(s) = self.store.match_index_state().await?
            && s.fingerprint == self.match_fingerprint()?
            && s.generation == generation
        {
            return Ok(true);
        }
        let guard = self
            .duplicate_state(Scan::DuplicateCheck, crate::dedupe_run::SCHEDULER, None, "")
            .await?;
        Ok(guard.is_some())
    }

    /// The index brought up to date for a check: as it is when the store's
    /// person counter has not moved; else only the persons written since are
    /// opened and re-indexed; built from every case's person when it was
    /// never built, was emptied, or is under another key. The scan is
    /// audited (`case.duplicate_scan`, or `tracing.scan` for a tracing
    /// request, its detail after `detail`) before any person is opened, on
    /// every check.
    pub(crate) async fn duplicate_state(
        &self,
        scan: Scan,
        actor: &str,
        org: Option<safepath_domain::ids::OrgId>,
        detail: &str,
    ) -> Result<StateGuard, AppError> {
        let scan_audit = |count: usize| {
            let draft = AuditDraft::new(self.now_ms(), actor, scan.action())
                .record("scan", scan.purpose())
                .detail(format!("{detail}scanned={count}"));
            match org {
                Some(o) => draft.org(o),
                None => draft,
            }
        };
        let current = |p: &Option<Prepared>, generation: i64, stored: Option<i64>| {
            p.as_ref()
                .is_some_and(|p| p.generation == generation && stored == Some(generation))
        };
        let generation = self.store.person_generation().await?;
        let stored = self.store.match_index_state().await?.map(|s| s.generation);
        let guard = self.duplicates.state.clone().read_owned().await;
        if current(&guard, generation, stored) {
            let count = guard.as_ref().map_or(0, |p| p.count);
            self.store.append_audit(&scan_audit(count)).await?;
            return Ok(guard);
        }
        drop(guard);
        let mut w = self.duplicates.state.clone().write_owned().await;
        // Another check may have brought it up to date meanwhile.
        let generation = self.store.person_generation().await?;
        let stored = self.store.match_index_state().await?.map(|s| s.generation);
        if current(&w, generation, stored) {
            let count = w.as_ref().map_or(0, |p| p.count);
            self.store.append_audit(&scan_audit(count)).await?;
            return Ok(w.downgrade());
        }
        // Taken out: an error below leaves no half-made state behind (the
        // next check starts again from what the store holds).
        let previous = w.take();
        let grant = scan.grant(actor);
        let count = self
            .update_match_index(&grant, generation, &scan_audit)
            .await?;
        // The model: below TRAIN_FROM the priors; else the one trained while
        // the count has not moved by a tenth (kept in memory, or in the
        // index's state across a restart), or one trained now.
        let kept = match previous {
            Some(p) => Some((p.model, p.trained_on)),
            None => self.stored_duplicate_model().await?,
        };
        let (model, trained_on) = match kept {
            _ if count < TRAIN_FROM => (prior_model(&settings()?), 0),
            Some((m, on)) if on > 0 && !needs_training(on, count) => (m, on),
            _ => {
                let model = self.train_duplicate_model(&grant).await?;
                let json = serde_json::to_string(&model)
                    .map_err(|_| AppError::internal("duplicate model"))?;
                self.store
                    .match_index_set_model(&json, count as i64)
                    .await?;
                (model, count)
            }
        };
        *w = Some(Prepared {
            generation,
            count,
            model,
            trained_on,
        });
        Ok(w.downgrade())
    }

    /// Writes to the index what changed since it was last brought up to
    /// date (or everything), up to `generation`; appends the scan's audit
    /// entry first. The number of cases indexed.
    async fn update_match_index(
        &self,
        grant: &Grant,
        generation: i64,
        scan_audit: &(dyn Fn(usize) -> AuditDraft + Sync),
    ) -> Result<usize, AppError> {
        use safepath_store::MATCH_INDEX_BUILDING;
        let fingerprint = self.match_fingerprint()?;
        let stored = self.store.match_index_state().await?;
        match stored {
            // Up to date already (built by an earlier run of the server).
            Some(s) if s.fingerprint == fingerprint && s.generation == generation => {
                self.store
                    .append_audit(&scan_audit(s.entries.max(0) as usize))
                    .await?;
            }
            // Behind: only the persons written since are opened.
            Some(s)
                if s.fingerprint == fingerprint
                    && s.generation != MATCH_INDEX_BUILDING
                    && s.generation < generation =>
            {
                self.store
                    .append_audit(&scan_audit(s.entries.max(0) as usize))
                    .await?;
                let changed = self.store.persons_changed_since(s.generation).await?;
                for chunk in changed.chunks(BATCH) {
                    let page = self.store.case_persons_of(chunk).await?;
                    let rows = self.match_entry_rows(grant, &page).await?;
                    self.store
                        .match_index_apply(s.generation, chunk, &rows)
                        .await?;
                }
                self.store.match_index_apply(generation, &[], &[]).await?;
            }
            // Never built, emptied, interrupted, under another key, or
            // ahead of the store's counter (a restored file): from scratch.
            _ => {
                let total = usize::try_from(self.store.count_cases().await?).unwrap_or(0);
                self.store.append_audit(&scan_audit(total)).await?;
                self.store.match_index_reset(&fingerprint).await?;
                let mut after = None;
                loop {
                    let page = self.store.case_persons_page(after, BATCH as i64).await?;
                    let full = page.len() == BATCH;
                    after = page.last().map(|r| (r.case_created_at, r.case_id));
                    let rows = self.match_entry_rows(grant, &page).await?;
                    self.store
                        .match_index_apply(MATCH_INDEX_BUILDING, &[], &rows)
                        .await?;
                    if !full {
                        break;
                    }
                }
                self.store.match_index_apply(generation, &[], &[]).await?;
            }
        }
        Ok(self
            .store
            .match_index_state()
            .await?
            .map_or(0, |s| s.entries.max(0) as usize))
    }

    /// The index's rows of these cases' persons: each person opened (charged
    /// to `grant`), its matching values sealed again for the index, its keys,
    /// terms and namesake tokens blinded (on the blocking pool).
    async fn match_entry_rows(
        &self,
        grant: &Grant,
        page: &[safepath_store::CasePersonRow],
    ) -> Result<Vec<safepath_store::MatchEntryRow>, AppError> {
        let settings = settings()?;
        let schema = settings.schema.clone();
        let mut opened = Vec::with_capacity(page.len());
        for row in page {
            let person = self.person_for_matching(grant, &row.person)?;
            let case = row.case_id.to_string();
            // Every name and transliteration of the person (the first is the
            // check's own record): tracing finds a person by any of them.
            let recs = records_of(&settings, &case, &person)?;
            let values: Vec<&Vec<String>> = recs.iter().map(|r| &r.values).collect();
            let features = self.seal_json("match_entries", "features", &case, &values)?;
            opened.push((row, features, recs, namesake_tokens(&person)));
        }
        let (kb, tb, nb) = (
            self.keys.blinder(KEY_PURPOSE)?,
            self.keys.blinder(TERM_PURPOSE)?,
            self.keys.blinder(NAMESAKE_PURPOSE)?,
        );
        let work: Vec<_> = opened
            .into_iter()
            .map(|(row, features, rec, namesakes)| {
                (
                    row.case_id,
                    row.person.id,
                    row.case_created_at,
                    features,
                    rec,
                    namesakes,
                )
            })
            .collect();
        tokio::task::spawn_blocking(move || {
            work.into_iter()
                .map(
                    |(case_id, person_id, case_created_at, features, recs, namesakes)| {
                        let (keys, terms) = terms_of(&schema, &recs)?;
                        let keys = keys
                            .iter()
                            .map(|k| kb.blind64(&k.to_le_bytes()))
                            .chain(namesakes.iter().map(|t| nb.blind64(t.as_bytes())))
                            .collect();
                        let terms = terms.iter().map(|t| tb.blind64(t.as_bytes())).collect();
                        Ok(safepath_store::MatchEntryRow {
                            case_id,
                            person_id,
                            case_created_at,
                            features,
                            keys,
                            terms,
                        })
                    },
                )
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await
        .map_err(|_| AppError::internal("duplicate index"))?
    }

    /// The model kept in the index's state, and on how many cases it was
    /// trained (none after the index was emptied).
    async fn stored_duplicate_model(&self) -> Result<Option<(Model, usize)>, AppError> {
        let Some(state) = self.store.match_index_state().await? else {
            return Ok(None);
        };
        let Some(json) = state.model else {
            return Ok(None);
        };
        let model: Model = serde_json::from_str(&json)
            .map_err(|_| AppError::internal("stored duplicate model"))?;
        Ok(Some((
            model,
            usize::try_from(state.trained_on).unwrap_or(0),
        )))
    }

    /// Trains the model on a sample of the index spread over it (its
    /// matching values opened, charged to `grant`), on the blocking pool.
    async fn train_duplicate_model(&self, grant: &Grant) -> Result<Model, AppError> {
        let settings = settings()?;
        let records =
            self.open_match_entries(grant, &self.store.match_sample(TRAIN_SAMPLE).await?, true)?;
        tokio::task::spawn_blocking(move || train_kept_model(&records, &settings))
            .await
            .map_err(|_| AppError::internal("duplicate index"))?
    }

    /// The records of the index's `entries`: every name of each person
    /// (`first_only`: its first, as the model is trained on one record a
    /// person), charged to `grant`.
    fn open_match_entries(
        &self,
        grant: &Grant,
        entries: &[safepath_store::MatchEntry],
        first_only: bool,
    ) -> Result<Vec<Record>, AppError> {
        let mut out = Vec::with_capacity(entries.len());
        for e in entries {
            let id = e.case_id.to_string();
            let values: Vec<Vec<String>> =
                self.open_json(grant, "match_entries", "features", &id, &e.features)?;
            let take = if first_only { 1 } else { values.len() };
            out.extend(values.into_iter().take(take).map(|values| Record {
                id: id.clone(),
                values,
            }));
        }
        Ok(out)
    }

    /// The candidates of `queries` (the records of `person`'s names) in
    /// the index: the postings chosen as the in-memory index would choose
    /// them. For a duplicate check, also every namesake of `person` (beyond
    /// the blocking budget: search before create's rule); for tracing, only
    /// the cases with a tracing consent on their ledger (in force or not:
    /// the caller checks). Nothing is opened.
    pub(crate) async fn index_candidates(
        &self,
        queries: &[Record],
        person: &Person,
        scan: Scan,
    ) -> Result<IndexCandidates, AppError> {
        let schema = settings()?.schema;
        let (keys, _) = terms_of(&schema, queries)?;
        let kb = self.keys.blinder(KEY_PURPOSE)?;
        let keys: Vec<i64> = keys.iter().map(|k| kb.blind64(&k.to_le_bytes())).collect();
        let nb = self.keys.blinder(NAMESAKE_PURPOSE)?;
        let tokens: Vec<i64> = if scan == Scan::DuplicateCheck {
            namesake_tokens(person)
                .iter()
                .map(|t| nb.blind64(t.as_bytes()))
                .collect()
        } else {
            Vec::new()
        };
        // Independent reads, side by side.
        let (sizes, namesakes) = tokio::try_join!(
            self.store.match_key_sizes(&keys, MAX_POSTING as i64),
            self.store.match_entries_under(&tokens)
        )?;
        let sizes: Vec<usize> = sizes
            .into_iter()
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .collect();
        let chosen: Vec<i64> = select_postings(&sizes, MAX_POSTING, MAX_CANDIDATES)
            .into_iter()
            .map(|k| keys[k])
            .collect();
        let namesake_cases: HashSet<Uuid> = namesakes.iter().map(|e| e.case_id.0).collect();
        let mut entries = match scan {
            Scan::DuplicateCheck => self.store.match_entries_under(&chosen).await?,
            Scan::Tracing => {
                self.store
                    .match_entries_under_consent(&chosen, ConsentPurpose::Tracing.as_str())
                    .await?
            }
        };
        entries.extend(namesakes);
        let mut seen = HashSet::new();
        entries.retain(|e| seen.insert(e.case_id));
        // Counts only: how much a check reads (for operators tuning it).
        tracing::debug!(
            keys = keys.len(),
            postings = chosen.len(),
            namesakes = namesake_cases.len(),
            entries = entries.len(),
            "index candidates read"
        );
        Ok(IndexCandidates {
            entries,
            namesakes: namesake_cases,
        })
    }

    /// `entries` weighed for `queries` as if the index held `persons`
    /// persons (the tracing posterior, D-T5): their values opened (charged
    /// to `grant`), a small index built over them, its name terms weighed by
    /// their counts in the whole index. The best candidate per case, down to
    /// probability 0 (below the "possible" band as "unlikely"), at most
    /// `limit`, best first.
    pub(crate) async fn weigh_entries(
        &self,
        state: &Prepared,
        grant: &Grant,
        entries: &[safepath_store::MatchEntry],
        queries: Vec<Record>,
        persons: usize,
        limit: usize,
    ) -> Result<Vec<safepath_match::Candidate>, AppError> {
        let records = self.open_match_entries(grant, entries, false)?;
        if records.is_empty() || queries.is_empty() {
            return Ok(Vec::new());
        }
        // One step after the other: on a two-core server, counting the
        // terms beside the build (which uses every core) made the slowest
        // checks slower (docs/decisions.md D20).
        let model = state.model.clone();
        let index = tokio::task::spawn_blocking(move || {
            MatchIndex::build(&records, &model).map_err(engine_error)
        })
        .await
        .map_err(|_| AppError::internal("duplicate index"))??;
        let tb = self.keys.blinder(TERM_PURPOSE)?;
        let terms = index.terms();
        let blinded: Vec<i64> = terms.iter().map(|t| tb.blind64(t.as_bytes())).collect();
        let counts: HashMap<i64, i64> = self
            .store
            .match_term_counts(&blinded)
            .await?
            .into_iter()
            .collect();
        let by_term: HashMap<String, u32> = terms
            .into_iter()
            .zip(blinded)
            .filter_map(|(t, b)| {
                counts
                    .get(&b)
                    .map(|&c| (t, u32::try_from(c).unwrap_or(u32::MAX)))
            })
            .collect();
        let count = state.count;
        tokio::task::spawn_blocking(move || {
            let mut index = index;
            index.weigh_as_population(persons, count, &|t| by_term.get(t).copied());
            let mut found = Vec::new();
            for q in &queries {
                found.extend(index.trace_down_to(q, limit, 0.0).map_err(engine_error)?);
            }
            let out = best_of_each(found, limit);
            Ok(out)
        })
        .await
        .map_err(|_| AppError::internal("duplicate index"))?
    }

    /// The candidates for `person` in the index, weighed as the whole
    /// registry (the tracing posterior, down to probability 0), and the
    /// cases of its namesakes. Only the candidates' matching values are
    /// opened, charged to `actor`'s scan (audited by
    /// [`App::duplicate_state`]).
    async fn match_in_index(
        &self,
        state: &Prepared,
        actor: &str,
        person: &Person,
    ) -> Result<(Vec<safepath_match::Candidate>, HashSet<Uuid>), AppError> {
        if state.count == 0 {
            return Ok((Vec::new(), HashSet::new()));
        }
        let queries = records_of(&settings()?, "query", person)?;
        let found = self
            .index_candidates(&queries, person, Scan::DuplicateCheck)
            .await?;
        let grant = Scan::DuplicateCheck.grant(actor);
        let candidates = self
            .weigh_entries(
                state,
                &grant,
                &found.entries,
                queries,
                state.count,
                CHECK_LIMIT,
            )
            .await?;
        Ok((candidates, found.namesakes))
    }

    /// The cases among `among` whose person is likely `person`: the
    /// engine's "likely" band, or the same name, sex and nationality (the
    /// re-trafficking check after a screening; `who`'s scan is audited).
    pub(crate) async fn likely_same_as(
        &self,
        who: &Principal,
        person: &Person,
        among: &std::collections::HashSet<CaseId>,
    ) -> Result<Vec<CaseId>, AppError> {
        let state = self.duplicate_snapshot(who).await?;
        let Some(state) = state.as_ref() else {
            return Ok(Vec::new());
        };
        let (candidates, namesakes) = self
            .match_in_index(state, &who.id().to_string(), person)
            .await?;
        let mut out = Vec::new();
        for c in candidates {
            let Ok(id) = Uuid::parse_str(&c.id) else {
                continue;
            };
            if !among.contains(&CaseId(id)) {
                continue;
            }
            let namesake = namesakes.contains(&id);
            if c.band == Band::Likely || namesake {
                out.push(CaseId(id));
            }
        }
        Ok(out)
    }

    /// Whom to contact in `org` about a match the user may not see.
    async fn elsewhere_hit(
        &self,
        org: safepath_domain::ids::OrgId,
        band: &str,
    ) -> Result<ElsewhereHit, AppError> {
        let (org_name, focal_point) = self.org_contact(org).await?;
        Ok(ElsewhereHit {
            org_id: org.0,
            org_name,
            focal_point,
            band: band.into(),
        })
    }

    /// An organisation's name and its focal point's (a staff member, never
    /// a person in its care): whom another organisation contacts there.
    pub(crate) async fn org_contact(
        &self,
        org: safepath_domain::ids::OrgId,
    ) -> Result<(String, Option<String>), AppError> {
        let org_row = self
            .store
            .org(org)
            .await?
            .ok_or_else(|| AppError::internal("org"))?;
        let focal = match self.store.focal_point(org).await? {
            Some(u) => self.store.user(u).await?.map(|u| u.full_name),
            None => None,
        };
        Ok((org_row.name, focal))
    }

    pub async fn possible_duplicates(
        &self,
        who: &Principal,
        person: Person,
    ) -> Result<DuplicateCheck, AppError> {
        if access::decide_global(who.actor.role, Action::CreateCase) != Decision::Allow {
            return Err(AppError::forbidden("your role may not open cases"));
        }
        let person = person.validated(self.clock.today())?;
        let state = self.duplicate_snapshot(who).await?;
        let mut out = DuplicateCheck {
            visible: vec![],
            elsewhere: vec![],
            more_visible: 0,
        };
        // A case merged into another stands for the same person: the match
        // names the primary (the person's record), once (D-T3).
        let merged_into: HashMap<CaseId, CaseId> = self
            .store
            .case_merges()
            .await?
            .into_iter()
            .map(|m| (m.secondary, m.primary))
            .collect();
        let mut named: std::collections::HashSet<CaseId> = std::collections::HashSet::new();
        let scanned = state.as_ref().map_or(0, |p| p.count);
        if let Some(prepared) = state.as_ref() {
            let (candidates, namesakes) = self
                .match_in_index(prepared, &who.id().to_string(), &person)
                .await?;
            let is_namesake = |case: &Uuid| namesakes.contains(case);
            // A new record is about someone who is at most one of those
            // indexed: weighed as a request (D-T5).
            let mut hits: Vec<(CaseId, &'static str, f64)> = Vec::new();
            for c in candidates {
                let Ok(id) = Uuid::parse_str(&c.id) else {
                    continue;
                };
                let band = match c.band {
                    Band::Likely => "likely",
                    Band::Possible => "possible",
                    Band::Unlikely if is_namesake(&id) => "possible",
                    Band::Unlikely => continue,
                };
                let case = merged_into.get(&CaseId(id)).copied().unwrap_or(CaseId(id));
                if named.insert(case) {
                    hits.push((case, band, c.probability));
                }
            }
            let cases: Vec<CaseId> = hits.iter().map(|h| h.0).collect();
            let facts: HashMap<CaseId, safepath_domain::access::CaseFacts> = self
                .store
                .cases_facts(&cases)
                .await?
                .into_iter()
                .map(|f| (f.id, f))
                .collect();
            let mut shown = Vec::new();
            // Each other organisation once, at its best match's band.
            let mut others: Vec<(safepath_domain::ids::OrgId, &'static str)> = Vec::new();
            for (case, band, probability) in hits {
                let Some(facts) = facts.get(&case) else {
                    continue;
                };
                match access::authorize(&who.actor, Action::ReadCase, facts) {
                    Ok(_) if shown.len() >= VISIBLE_SHOWN => out.more_visible += 1,
                    Ok(_) => shown.push((case, band, probability)),
                    Err(_) if others.iter().any(|(o, _)| *o == facts.org) => {}
                    Err(_) => others.push((facts.org, band)),
                }
            }
            // Read side by side: the shown cases (their audit entries are
            // committed as one group) and whom to contact elsewhere.
            let (views, elsewhere) = tokio::try_join!(
                futures_util::future::try_join_all(
                    shown.iter().map(|(case, _, _)| self.get_case(who, case.0)),
                ),
                futures_util::future::try_join_all(
                    others
                        .iter()
                        .map(|&(org, band)| self.elsewhere_hit(org, band)),
                ),
            )?;
            out.elsewhere = elsewhere;
            for ((case, band, probability), view) in shown.into_iter().zip(views) {
                out.visible.push(DuplicateHit {
                    case_id: case.0,
                    reference: view.reference,
                    display_name: view.person.display_name,
                    probability,
                    band: band.into(),
                });
            }
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.duplicate_check")
            .org(who.org())
            .detail(format!(
                "scanned={} visible={} more_visible={} elsewhere={}",
                scanned,
                out.visible.len(),
                out.more_visible,
                out.elsewhere.len()
            ));
        self.store.append_audit(&audit).await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(names: &[&str], sex: &str, nationalities: &[&str]) -> Person {
        serde_json::from_value(serde_json::json!({
            "names": names.iter().map(|n| serde_json::json!({"value": n})).collect::<Vec<_>>(),
            "display_name": names.first().copied().unwrap_or(""),
            "sex": sex,
            "nationalities": nationalities,
        }))
        .unwrap()
    }

    /// The stored tokens decide the namesake rule exactly as the rule does.
    #[test]
    fn namesake_tokens_agree_with_the_rule() {
        let people = [
            person(&["Siriporn Kaewmanee"], "female", &["THA"]),
            person(&["KAEWMANEE Siriporn"], "female", &["THA", "MMR"]),
            person(&["Siriporn Kaewmanee"], "male", &["THA"]),
            person(&["Siriporn Kaewmanee"], "unknown", &["THA"]),
            person(&["Siriporn Kaewmanee"], "female", &["LAO"]),
            person(&["Siripom Kaewmanee", "Nok"], "female", &["THA"]),
            person(&["Nok"], "female", &["MMR", "THA"]),
            person(&["Siriporn Kaewmanee"], "intersex", &["THA"]),
            person(&["Siriporn Kaewmanee"], "intersex", &["THA", "VNM"]),
            person(&[], "female", &["THA"]),
        ];
        for a in &people {
            for b in &people {
                let ka = namesake_tokens(a);
                let kb = namesake_tokens(b);
                let shared = ka.iter().any(|k| kb.binary_search(k).is_ok());
                assert_eq!(
                    shared,
                    same_name_sex_nationality(a, b),
                    "{:?} / {:?}",
                    a.names,
                    b.names
                );
            }
        }
    }

    /// A registry of namesakes without duplicates: the kept model learns u
    /// from it and keeps the priors' m (EM there learns namesakes, D19).
    #[test]
    fn the_kept_model_learns_u_and_keeps_the_priors_m() {
        let settings = settings().unwrap();
        let records: Vec<Record> = (0..300)
            .map(|i| {
                let name = format!(
                    "{} {}",
                    ["Mya", "Hla", "Aye"][i % 3],
                    ["Win", "Zin", "Thu", "Naing"][i % 4]
                );
                let mut p = person(&[&name], "female", &["MMR"]);
                p.birth_date = Some(BirthDate::Year {
                    year: 1960 + (i % 40) as i32,
                });
                record(&settings.schema, &i.to_string(), &p, (&name, "")).unwrap()
            })
            .collect();
        let kept = train_kept_model(&records, &settings).unwrap();
        let priors = Model::untrained(settings.schema.clone());
        for (k, p) in kept.fields.iter().zip(&priors.fields) {
            assert_eq!(k.m, p.m, "{}", k.name);
        }
        assert!(
            kept.fields
                .iter()
                .zip(&priors.fields)
                .any(|(k, p)| k.u != p.u)
        );
    }

    #[test]
    fn the_model_is_retrained_only_after_a_tenth_more_or_less() {
        assert!(!needs_training(0, TRAIN_FROM - 1));
        assert!(needs_training(0, TRAIN_FROM));
        assert!(!needs_training(100_000, 100_001));
        assert!(!needs_training(100_000, 109_999));
        assert!(needs_training(100_000, 110_000));
        assert!(needs_training(100_000, 90_000));
    }
}
