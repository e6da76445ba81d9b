//! Search before create: before a new person is entered, look for records of
//! the same person with the matching engine. Records the user may see are
//! shown; for records of other organisations only the fact that a possible
//! duplicate exists there and whom to contact (its referral focal point) —
//! no personal data crosses the need-to-know line.

use safepath_domain::access::{self, Action, Decision};
use safepath_domain::ids::{CaseId, PersonId};
use safepath_domain::names::search_tokens;
use safepath_domain::person::{BirthDate, Person, Sex};
use safepath_match::{Band, MatchIndex, Model, Record, Settings, train};
use safepath_store::AuditDraft;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{BuildHasher, RandomState};
use std::sync::Arc;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::sealing::Grant;
use crate::{App, AppError, Principal};

/// The columns the product matches on, in the file interface's terms.
pub(crate) const SETTINGS: &str = r#"id_column = "id"
[columns]
full_name = "full_name"
birth_date = "birth_date"
age = "age"
record_date = "record_date"
sex = "sex"
nationality = "nationality"
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
    pub visible: Vec<DuplicateHit>,
    pub elsewhere: Vec<ElsewhereHit>,
}

pub(crate) fn record(
    schema: &safepath_match::Schema,
    id: &str,
    p: &Person,
) -> Result<Record, AppError> {
    let name = p
        .names
        .first()
        .map(|n| n.value.clone())
        .unwrap_or_else(|| p.display_name.clone());
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
    let pairs = [
        ("full_name", name.as_str()),
        ("birth_date", birth.as_str()),
        ("age", age.as_str()),
        ("record_date", on.as_str()),
        ("sex", sex),
        ("nationality", nationality.as_str()),
    ];
    Record::from_pairs(schema, id, &pairs).map_err(|e| AppError::internal(&e))
}

/// How many of the best-weighed records a duplicate check looks at.
const CHECK_LIMIT: usize = 500;

/// The same name (one of each person's names, folded, its parts in any
/// order), the same known sex and a shared nationality. Such a record is at
/// least "possible" whatever the weights say: a namesake in a registry of
/// thousands weighs little without a birth date, yet a clerk who is about to
/// open a second case for the same person must see it (issue 14). Applied
/// through [`namesake_keys`]; kept as the rule's plain statement, which the
/// keys are tested against.
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

/// Keys of the namesake rule ([`same_name_sex_nationality`]): one per
/// (known sex, nationality, folded name), hashed with this process's random
/// key. Two persons share a key exactly when the rule holds (up to a 64-bit
/// collision); the cache keeps keys, not the names.
fn namesake_keys(hasher: &RandomState, p: &Person) -> Vec<u64> {
    let sex: u8 = match p.sex {
        Sex::Female => 1,
        Sex::Male => 2,
        Sex::Intersex => 3,
        Sex::Unknown => return vec![],
    };
    let names: BTreeSet<Vec<String>> = p
        .names
        .iter()
        .map(|n| search_tokens(&n.value))
        .filter(|t| !t.is_empty())
        .collect();
    let mut keys: Vec<u64> = p
        .nationalities
        .iter()
        .flat_map(|nat| {
            names
                .iter()
                .map(move |name| hasher.hash_one((sex, nat.as_str(), name)))
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// One case's person as search before create matches it.
struct Entry {
    case: CaseId,
    record: Record,
    namesake: Vec<u64>,
}

/// What a query reads: immutable, shared by the queries running at once.
#[derive(Clone)]
pub(crate) struct Snapshot {
    /// Persons indexed (the `scanned=` of the audit entries).
    count: usize,
    index: Option<MatchIndex>,
    /// Namesake keys by case.
    namesakes: HashMap<Uuid, Vec<u64>>,
}

/// The prepared matching state (docs/decisions.md D-T7): every case's person
/// opened once, kept current by the store's person counter.
struct Prepared {
    /// The store's person counter this state includes.
    generation: i64,
    /// By (case created_at, case id): the order of a full scan.
    entries: BTreeMap<(i64, Uuid), Entry>,
    by_person: HashMap<PersonId, (i64, Uuid)>,
    /// The model and how many records it was trained on (0: priors).
    model: Model,
    trained_on: usize,
    snapshot: Arc<Snapshot>,
    /// When a check last used it (ms): the state leaves memory after
    /// [`DuplicateIndex::idle_minutes`] without one.
    last_used_ms: i64,
}

/// Search before create's cache, in `App`. One build or refresh at a time
/// (the mutex); a query holds only the snapshot's `Arc` while it matches.
pub(crate) struct DuplicateIndex {
    state: tokio::sync::Mutex<Option<Prepared>>,
    hasher: RandomState,
    /// Minutes without a check after which the opened persons are dropped
    /// from memory (0: kept while the server runs).
    idle_minutes: u32,
}

/// A working day: the state is rebuilt the next morning rather than kept
/// through the night.
pub const DEFAULT_IDLE_MINUTES: u32 = 480;

impl Default for DuplicateIndex {
    fn default() -> Self {
        Self {
            state: Default::default(),
            hasher: Default::default(),
            idle_minutes: DEFAULT_IDLE_MINUTES,
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

impl App {
    /// Drops search before create's prepared state (the next query rebuilds
    /// it from the store). For an operator who wants the opened persons out
    /// of memory, and for tests.
    pub async fn forget_duplicate_index(&self) {
        *self.duplicates.state.lock().await = None;
    }

    /// Minutes without a duplicate check after which the prepared state is
    /// dropped (0: kept while the server runs; D-T7).
    pub fn set_duplicate_index_idle_minutes(&mut self, minutes: u32) {
        self.duplicates.idle_minutes = minutes;
    }

    /// The scheduler's tick: drops the prepared state when no check used it
    /// for the configured idle time. Never waits for a build under way.
    /// True when it was dropped.
    pub fn expire_duplicate_index(&self) -> bool {
        let idle = self.duplicates.idle_minutes;
        let Ok(mut guard) = self.duplicates.state.try_lock() else {
            return false;
        };
        let expired = idle > 0
            && guard.as_ref().is_some_and(|p| {
                self.now_ms().saturating_sub(p.last_used_ms) >= i64::from(idle) * 60_000
            });
        if expired {
            *guard = None;
        }
        expired
    }

    /// The current matching state for a duplicate check by `who`: the cached
    /// one when the store's person counter has not moved; else brought up to
    /// date (only the persons written since are read and opened) or, the
    /// first time, built from every case's person. The scan is audited
    /// (`case.duplicate_scan`) before any person is opened, on every query.
    async fn duplicate_snapshot(&self, who: &Principal) -> Result<Arc<Snapshot>, AppError> {
        self.duplicate_state(&who.id().to_string(), Some(who.org()))
            .await
    }

    /// Builds search before create's prepared state when the server starts,
    /// in the background, so that the first check of the day does not wait
    /// for every person to be opened and indexed (issue 14: about 6 s at
    /// 100,000 persons). Audited like a check's scan, as the scheduler's.
    /// True when the state is ready.
    pub async fn warm_duplicate_index(&self) -> Result<bool, AppError> {
        let snapshot = self
            .duplicate_state(crate::dedupe_run::SCHEDULER, None)
            .await?;
        Ok(snapshot.count == 0 || snapshot.index.is_some())
    }

    async fn duplicate_state(
        &self,
        actor: &str,
        org: Option<safepath_domain::ids::OrgId>,
    ) -> Result<Arc<Snapshot>, AppError> {
        let settings = Settings::parse(SETTINGS).map_err(|(_, e)| AppError::internal(&e))?;
        let mut guard = self.duplicates.state.lock().await;
        let generation = self.store.person_generation().await?;
        let scan_audit = |count: usize| {
            let draft = AuditDraft::new(self.now_ms(), actor, "case.duplicate_scan")
                .record("scan", "duplicate_check")
                .detail(format!("scanned={count}"));
            match org {
                Some(o) => draft.org(o),
                None => draft,
            }
        };
        // Taken out: an error below leaves no half-updated state behind (the
        // next query builds afresh).
        let cached = guard.take();
        // Whether a person indexed was changed or removed (else only new
        // persons are added).
        let mut removed = false;
        let (mut prepared, rows) = match cached {
            Some(mut p) if p.generation == generation => {
                p.last_used_ms = self.now_ms();
                self.store
                    .append_audit(&scan_audit(p.snapshot.count))
                    .await?;
                let snapshot = p.snapshot.clone();
                *guard = Some(p);
                return Ok(snapshot);
            }
            Some(mut p) if p.generation < generation => {
                let changed = self.store.persons_changed_since(p.generation).await?;
                let rows = self.store.case_persons_of(&changed).await?;
                // Whatever was written is dropped first, then read again:
                // removed persons are simply not read back.
                for person in &changed {
                    if let Some(key) = p.by_person.remove(person) {
                        p.entries.remove(&key);
                        removed = true;
                    }
                }
                p.generation = generation;
                p.last_used_ms = self.now_ms();
                (p, rows)
            }
            // First use, or a store whose counter went back (a restore).
            _ => {
                let rows = self.all_case_person_rows().await?;
                let prepared = Prepared {
                    generation,
                    entries: BTreeMap::new(),
                    by_person: HashMap::new(),
                    model: prior_model(&settings),
                    trained_on: 0,
                    snapshot: Arc::new(Snapshot {
                        count: 0,
                        index: None,
                        namesakes: HashMap::new(),
                    }),
                    last_used_ms: self.now_ms(),
                };
                (prepared, rows)
            }
        };
        let count = prepared.entries.len() + rows.len();
        self.store.append_audit(&scan_audit(count)).await?;
        // New cases come after every indexed one (the order of a full scan):
        // the index can then grow instead of being built again.
        let last = prepared.entries.keys().next_back().copied();
        let appended = !removed
            && prepared.snapshot.index.is_some()
            && rows
                .iter()
                .all(|r| Some((r.case_created_at, r.case_id.0)) > last);
        let grant = Grant::record(actor, "scan", "duplicate_check");
        let mut added = Vec::with_capacity(rows.len());
        for row in &rows {
            let person = self.person_for_matching(&grant, &row.person)?;
            let key = (row.case_created_at, row.case_id.0);
            prepared.entries.insert(
                key,
                Entry {
                    case: row.case_id,
                    record: record(&settings.schema, &row.case_id.to_string(), &person)?,
                    namesake: namesake_keys(&self.duplicates.hasher, &person),
                },
            );
            prepared.by_person.insert(row.person.id, key);
            added.push(key);
        }
        drop(rows);
        let n = prepared.entries.len();
        // Whether the model stays as it is (the priors below TRAIN_FROM, else
        // the one trained while the count has not moved by a tenth).
        let keep_model = if n < TRAIN_FROM {
            prepared.trained_on == 0
        } else {
            !needs_training(prepared.trained_on, n)
        };
        if appended && keep_model {
            let new: Vec<Record> = added
                .iter()
                .filter_map(|k| prepared.entries.get(k))
                .map(|e| e.record.clone())
                .collect();
            // Copied only when a query still reads the former snapshot.
            let snap = Arc::make_mut(&mut prepared.snapshot);
            if let Some(index) = snap.index.as_mut() {
                index
                    .extend(&new)
                    .map_err(|e| AppError::internal(&e.to_string()))?;
                snap.count = n;
                for k in &added {
                    if let Some(e) = prepared.entries.get(k).filter(|e| !e.namesake.is_empty()) {
                        snap.namesakes.insert(e.case.0, e.namesake.clone());
                    }
                }
                let snapshot = prepared.snapshot.clone();
                *guard = Some(prepared);
                return Ok(snapshot);
            }
        }
        let records: Vec<Record> = prepared
            .entries
            .values()
            .map(|e| e.record.clone())
            .collect();
        // The model kept, unless it is retrained or the priors apply.
        let model = (keep_model && n >= TRAIN_FROM).then(|| prepared.model.clone());
        // Training and indexing are CPU work: on the blocking pool, so the
        // server keeps answering other requests meanwhile.
        let (model, index) = tokio::task::spawn_blocking(move || {
            let model = match model {
                Some(m) => m,
                None if n >= TRAIN_FROM => {
                    train(&records, &settings).map_err(|e| AppError::internal(&e.to_string()))?
                }
                None => prior_model(&settings),
            };
            let index = if records.is_empty() {
                None
            } else {
                Some(
                    MatchIndex::build(&records, &model)
                        .map_err(|e| AppError::internal(&e.to_string()))?,
                )
            };
            Ok::<_, AppError>((model, index))
        })
        .await
        .map_err(|_| AppError::internal("duplicate index"))??;
        if n < TRAIN_FROM {
            prepared.trained_on = 0;
        } else if !keep_model {
            prepared.trained_on = n;
        }
        prepared.model = model;
        prepared.snapshot = Arc::new(Snapshot {
            count: n,
            index,
            namesakes: prepared
                .entries
                .values()
                .filter(|e| !e.namesake.is_empty())
                .map(|e| (e.case.0, e.namesake.clone()))
                .collect(),
        });
        let snapshot = prepared.snapshot.clone();
        *guard = Some(prepared);
        Ok(snapshot)
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
        let settings = Settings::parse(SETTINGS).map_err(|(_, e)| AppError::internal(&e))?;
        let snapshot = self.duplicate_snapshot(who).await?;
        let Some(index) = &snapshot.index else {
            return Ok(Vec::new());
        };
        let query_keys = namesake_keys(&self.duplicates.hasher, person);
        let query = record(&settings.schema, "query", person)?;
        let mut out = Vec::new();
        for c in index
            .trace_down_to(&query, CHECK_LIMIT, 0.0)
            .map_err(|e| AppError::internal(&e.to_string()))?
        {
            let Ok(id) = Uuid::parse_str(&c.id) else {
                continue;
            };
            if !among.contains(&CaseId(id)) {
                continue;
            }
            let namesake = snapshot
                .namesakes
                .get(&id)
                .is_some_and(|keys| keys.iter().any(|k| query_keys.binary_search(k).is_ok()));
            if c.band == Band::Likely || namesake {
                out.push(CaseId(id));
            }
        }
        Ok(out)
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
        let settings = Settings::parse(SETTINGS).map_err(|(_, e)| AppError::internal(&e))?;
        let snapshot = self.duplicate_snapshot(who).await?;
        let query_keys = namesake_keys(&self.duplicates.hasher, &person);
        let is_namesake = |case: &Uuid| {
            snapshot
                .namesakes
                .get(case)
                .is_some_and(|keys| keys.iter().any(|k| query_keys.binary_search(k).is_ok()))
        };
        let mut out = DuplicateCheck {
            visible: vec![],
            elsewhere: vec![],
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
        if let Some(index) = &snapshot.index {
            let query = record(&settings.schema, "query", &person)?;
            // A new record is about someone who is at most one of those
            // indexed: weighed as a request (D-T5).
            for c in index
                .trace_down_to(&query, CHECK_LIMIT, 0.0)
                .map_err(|e| AppError::internal(&e.to_string()))?
            {
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
                if !named.insert(case) {
                    continue;
                }
                let Some(facts) = self.store.case_facts(case).await? else {
                    continue;
                };
                let org = facts.org;
                match access::authorize(&who.actor, Action::ReadCase, &facts) {
                    Ok(_) => {
                        let view = self.get_case(who, case.0).await?;
                        out.visible.push(DuplicateHit {
                            case_id: case.0,
                            reference: view.reference,
                            display_name: view.person.display_name,
                            probability: c.probability,
                            band: band.into(),
                        });
                    }
                    Err(_) => {
                        if out.elsewhere.iter().any(|e| e.org_id == org.0) {
                            continue;
                        }
                        let org_row = self
                            .store
                            .org(org)
                            .await?
                            .ok_or_else(|| AppError::internal("org"))?;
                        let focal = match self.store.focal_point(org).await? {
                            Some(u) => self.store.user(u).await?.map(|u| u.full_name),
                            None => None,
                        };
                        out.elsewhere.push(ElsewhereHit {
                            org_id: org.0,
                            org_name: org_row.name,
                            focal_point: focal,
                            band: band.into(),
                        });
                    }
                }
            }
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.duplicate_check")
            .org(who.org())
            .detail(format!(
                "scanned={} visible={} elsewhere={}",
                snapshot.count,
                out.visible.len(),
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

    /// The cached keys decide the namesake rule exactly as the rule does.
    #[test]
    fn namesake_keys_agree_with_the_rule() {
        let h = RandomState::new();
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
                let ka = namesake_keys(&h, a);
                let kb = namesake_keys(&h, b);
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
