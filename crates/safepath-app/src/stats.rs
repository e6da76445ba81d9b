//! Statistics, exports and the protection checklist (docs/decisions.md D-ST1).
//!
//! Who: analysts and administrators see all organisations, coordinators their
//! own organisation only; everyone else is refused (403). Nobody gets a
//! person's record here: every number passes `safepath-stats` (small-cell and
//! complementary suppression, audited against the user's release history),
//! exports are k-anonymised.
//!
//! Reading: only the non-identifying columns (sex, gender identity,
//! nationalities, status, forms, dates, organisation) and the sealed birth
//! date, which is opened here for the age band only and then dropped. Each
//! read is audited (`stats.read`, which table) in the store's transaction;
//! each release is written to the user's ledger with its audit entry
//! (`stats.release`, which table, how many cells released and withheld) in one
//! transaction. Persons, not cases: cases merged into another are left out by
//! the store, and a person with several cases counts once.

use std::collections::{BTreeMap, HashSet};

use safepath_domain::access::{self, Action, Decision};
use safepath_domain::case::{CaseStatus, ExploitationForm};
use safepath_domain::ids::{CaseId, OrgId};
use safepath_domain::org::Role;
use safepath_domain::person::{BirthDate, parse_iso_date};
use safepath_stats::checklist;
use safepath_stats::checklist_facts::{
    self, DecisionFact, Facts, JusticeFacts, PresumedFact, ReturnFact, StayFact,
};
use safepath_stats::durations::{self, DurationSummary};
use safepath_stats::sdc::{self, Policy, Release, ReleaseHistory};
use safepath_stats::table::Table;
use safepath_stats::{AgeBand, Dim, Filter, PersonFact, TableSpec, YearMonth, dp, htcds, kanon};
use safepath_store::{AuditDraft, DpBudgetRow, StatsReleaseRow, StatsStayRow};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::sealing::Grant;
use crate::{App, AppError, Principal};

/// Minimum cell size of every table and export.
pub const THRESHOLD: u64 = safepath_stats::DEFAULT_THRESHOLD;

const DAY_MS: i64 = 86_400_000;

/// Filters of a table or dashboard, as the user gives them.
#[derive(Debug, Clone, Default)]
pub struct StatsFilter {
    /// `YYYY` or `YYYY-MM`.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Analysts only: one organisation (coordinators always see their own).
    pub org: Option<Uuid>,
    /// An organisation's country code.
    pub region: Option<String>,
    /// Round released counts to this base.
    pub rounding: Option<u64>,
}

/// A released table with its dimensions.
#[derive(Debug, Clone, Serialize)]
pub struct TableAnswer {
    pub threshold: u64,
    pub by: Vec<Dim>,
    pub release: Release,
}

/// One table of a dashboard.
#[derive(Debug, Clone, Serialize)]
pub struct DashTable {
    /// Stable id (used for its CSV download and its strings).
    pub id: String,
    pub answer: TableAnswer,
}

/// Everything the dashboards show for one filter.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub tables: Vec<DashTable>,
    pub to_reasonable_grounds: DurationSummary,
    pub to_conclusive: DurationSummary,
    pub stays_length: DurationSummary,
    /// Organisation scope: `None` for all organisations.
    pub org: Option<OrgId>,
}

/// The dashboard tables: id and dimensions.
pub const DASH_TABLES: &[(&str, &[Dim])] = &[
    ("by_year", &[Dim::Year]),
    ("by_quarter", &[Dim::Quarter]),
    ("by_form", &[Dim::Form]),
    ("by_sex", &[Dim::Sex]),
    ("by_age_band", &[Dim::AgeBand]),
    ("by_nationality", &[Dim::Nationality]),
    ("by_status", &[Dim::Status]),
    ("form_by_year", &[Dim::Form, Dim::Year]),
];

/// Tables of other counts than persons (suppressed on their own).
pub const OTHER_TABLES: &[&str] = &["screenings", "stays", "returns"];

/// One return as the dashboard and the checklist count it: when and by
/// whom it was recorded, and the checklist's facts of it.
struct ReturnRecord {
    /// When it was recorded (ms).
    at: i64,
    org: OrgId,
    fact: ReturnFact,
}

fn day_of_ms(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS)
}

fn date_of_ms(ms: i64) -> Option<Date> {
    OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .ok()
        .map(|t| t.date())
}

fn year_of_ms(ms: i64) -> i32 {
    date_of_ms(ms).map_or(0, |d| d.year())
}

/// A stay as the checklist counts it (`None`: its admission day cannot be
/// read, which validated records never have).
fn stay_fact(s: &StatsStayRow) -> Option<StayFact> {
    let admitted_day = day_of_iso(&s.admitted_on)?;
    Some(StayFact {
        admitted_year: s.admitted_on.get(0..4)?.parse().ok()?,
        admitted_day,
        left_day: s.left_on.as_deref().and_then(day_of_iso),
        open: s.free_to_leave && s.regime == "open",
    })
}

fn day_of_iso(s: &str) -> Option<i64> {
    parse_iso_date("date", s)
        .ok()
        .map(|d| i64::from(d.to_julian_day()) - 2_440_588)
}

/// Age in whole years on `on` (approximate for partial dates: the youngest
/// the person can be).
pub(crate) fn age_on(b: &BirthDate, on: Date) -> Option<u32> {
    let years = |y: i32| u32::try_from(on.year() - y).ok();
    match b {
        BirthDate::Exact { date } => {
            let d = parse_iso_date("birth", date).ok()?;
            let mut a = on.year() - d.year();
            if (u8::from(on.month()), on.day()) < (u8::from(d.month()), d.day()) {
                a -= 1;
            }
            u32::try_from(a).ok()
        }
        BirthDate::YearMonth { year, month } => {
            let a = on.year() - year - i32::from(u8::from(on.month()) < *month);
            u32::try_from(a).ok()
        }
        BirthDate::Year { year } => years(*year + 1),
        BirthDate::EstimatedAge { age, on: when } => {
            let d = parse_iso_date("on", when).ok()?;
            u32::try_from(i32::from(*age) + on.year() - d.year()).ok()
        }
    }
}

impl App {
    /// Whose data the user's statistics cover: `None` all organisations.
    pub(crate) fn stats_scope(&self, who: &Principal) -> Result<Option<OrgId>, AppError> {
        if access::decide_global(who.actor.role, Action::ReadStatistics) != Decision::Allow {
            return Err(AppError::forbidden(
                "statistics are for analysts and coordinators",
            ));
        }
        Ok(match who.actor.role {
            Role::Coordinator => Some(who.org()),
            _ => None,
        })
    }

    fn stats_filter(&self, who: &Principal, f: &StatsFilter) -> Result<Filter, AppError> {
        let bad = |e: safepath_stats::StatsError| AppError::bad_request(e.code(), e.to_string());
        let from = f
            .from
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|s| YearMonth::parse(s, false))
            .transpose()
            .map_err(bad)?;
        let to =
            f.to.as_deref()
                .filter(|s| !s.is_empty())
                .map(|s| YearMonth::parse(s, true))
                .transpose()
                .map_err(bad)?;
        if let (Some(a), Some(b)) = (from, to)
            && a > b
        {
            return Err(AppError::bad_request(
                "invalid_period",
                "the period ends before it starts",
            ));
        }
        let org = match self.stats_scope(who)? {
            Some(own) => {
                if f.org.is_some_and(|o| o != own.0) {
                    return Err(AppError::forbidden(
                        "coordinators see their own organisation's statistics only",
                    ));
                }
                Some(own.to_string())
            }
            None => f.org.map(|o| OrgId(o).to_string()),
        };
        let region = f
            .region
            .as_deref()
            .filter(|s| !s.is_empty())
            .map(|r| {
                if (2..=3).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphabetic()) {
                    Ok(r.to_ascii_uppercase())
                } else {
                    Err(AppError::bad_request(
                        "invalid_region",
                        "a region is a country code",
                    ))
                }
            })
            .transpose()?;
        Ok(Filter {
            org,
            region,
            from,
            to,
        })
    }

    fn stats_policy(f: &StatsFilter) -> Result<Policy, AppError> {
        let p = Policy {
            threshold: THRESHOLD,
            rounding: f.rounding,
        };
        p.validate()
            .map_err(|e| AppError::bad_request(e.code(), e.to_string()))?;
        Ok(p)
    }

    /// One fact per person in scope, read with an audit entry naming `table`.
    pub(crate) async fn person_facts(
        &self,
        who: &Principal,
        scope: Option<OrgId>,
        table: &str,
    ) -> Result<Vec<PersonFact>, AppError> {
        let mut audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.read")
            .record("stats_table", table)
            .detail(format!("table={table}"));
        // Birth dates are opened for age bands only; charged to this entry.
        let grant = Grant::record(who.id(), "stats_table", table);
        if let Some(o) = scope {
            audit = audit.org(o);
        }
        let rows = self.store.stats_persons(scope, &audit).await?;
        let mut seen = HashSet::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            if !seen.insert(r.person_id.clone()) {
                continue;
            }
            let registered = date_of_ms(r.created_at);
            // The birth date is opened for the age band only, then dropped.
            let age_band = match (&r.birth_date, registered) {
                (Some(sealed), Some(on)) => {
                    let b: BirthDate =
                        self.open_json(&grant, "persons", "birth_date", &r.person_id, sealed)?;
                    AgeBand::from_age(age_on(&b, on))
                }
                _ => AgeBand::Unknown,
            };
            let nationalities: Vec<String> =
                serde_json::from_str(&r.nationalities).unwrap_or_default();
            let forms: Vec<String> =
                serde_json::from_str(&r.exploitation_forms).unwrap_or_default();
            let (year, month) = registered
                .map(|d| (d.year(), u8::from(d.month())))
                .unwrap_or((1970, 1));
            out.push(PersonFact {
                sex: r.sex,
                gender_identity: r.gender_identity,
                age_band,
                nationalities: nationalities
                    .into_iter()
                    .map(|n| n.to_ascii_uppercase())
                    .collect(),
                forms,
                status: r.status,
                year,
                month,
                org: r.org_id.to_string(),
                region: r.region.to_ascii_uppercase(),
                referred_day: day_of_ms(r.created_at),
                rg_decided_day: r.rg_decided_at.map(day_of_ms),
                conclusive_decided_day: r.conclusive_decided_at.map(day_of_ms),
                conclusive_positive: r.conclusive_outcome.as_deref().map(|o| o == "identified"),
            });
        }
        Ok(out)
    }

    async fn release_history(&self, who: &Principal) -> Result<ReleaseHistory, AppError> {
        let rows = self
            .store
            .stats_releases(who.id(), sdc::HISTORY_AUDITED as i64)
            .await?;
        Ok(ReleaseHistory {
            releases: rows
                .iter()
                .filter_map(|r| serde_json::from_str::<Release>(&r.release).ok())
                .collect(),
        })
    }

    /// Releases one table to `who`, audited against their history, and
    /// records it in their ledger (with its audit entry) unless the same table
    /// was already released.
    async fn release_table(
        &self,
        who: &Principal,
        facts: &[PersonFact],
        name: &str,
        spec: &TableSpec,
        policy: Policy,
        history: ReleaseHistory,
    ) -> Result<(Release, ReleaseHistory), AppError> {
        let known = history.releases.clone();
        let (release, history) = sdc::release(facts, spec, policy, history)
            .map_err(|e| AppError::bad_request(e.code(), e.to_string()))?;
        let by: Vec<&str> = spec.by.iter().map(|d| d.as_str()).collect();
        let released = release.cells.len() - release.suppressed_cells();
        let detail = format!(
            "table={name} by={} cells_released={released} cells_withheld={} total_released={}",
            by.join(","),
            release.suppressed_cells(),
            release.total.is_some()
        );
        let id = Uuid::new_v4().to_string();
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.release")
            .record("stats_release", &id)
            .detail(detail);
        if known.contains(&release) {
            self.store.append_audit(&audit).await?;
        } else {
            let json =
                serde_json::to_string(&release).map_err(|_| AppError::internal("release json"))?;
            self.store
                .insert_stats_release(
                    &StatsReleaseRow {
                        id,
                        user_id: who.id(),
                        table_name: name.to_string(),
                        release: json,
                        created_at: self.now_ms(),
                    },
                    &audit,
                )
                .await?;
        }
        Ok((release, history))
    }

    /// `GET /api/v1/stats/persons?by=…`: persons by one to three dimensions.
    pub async fn stats_persons(
        &self,
        who: &Principal,
        by: &str,
        f: &StatsFilter,
    ) -> Result<TableAnswer, AppError> {
        let scope = self.stats_scope(who)?;
        let dims = Dim::parse_public_list(by)
            .map_err(|e| AppError::bad_request(e.code(), e.to_string()))?;
        let filter = self.stats_filter(who, f)?;
        let policy = Self::stats_policy(f)?;
        let facts = self.person_facts(who, scope, "persons").await?;
        let history = self.release_history(who).await?;
        let spec = TableSpec::new(dims.clone(), filter);
        let (release, _) = self
            .release_table(who, &facts, "persons", &spec, policy, history)
            .await?;
        Ok(TableAnswer {
            threshold: policy.threshold,
            by: dims,
            release,
        })
    }

    /// The dashboards for one filter: person tables, durations, stays.
    pub async fn stats_dashboard(
        &self,
        who: &Principal,
        f: &StatsFilter,
    ) -> Result<Dashboard, AppError> {
        let scope = self.stats_scope(who)?;
        let filter = self.stats_filter(who, f)?;
        let policy = Self::stats_policy(f)?;
        let facts = self.person_facts(who, scope, "dashboard").await?;
        let mut history = self.release_history(who).await?;
        let mut tables = Vec::new();
        for (id, dims) in DASH_TABLES {
            let spec = TableSpec::new(dims.to_vec(), filter.clone());
            let (release, h) = self
                .release_table(who, &facts, id, &spec, policy, history)
                .await?;
            history = h;
            tables.push(DashTable {
                id: (*id).to_string(),
                answer: TableAnswer {
                    threshold: policy.threshold,
                    by: dims.to_vec(),
                    release,
                },
            });
        }
        // Screenings by outcome and stays by regime: counted on their own.
        let aggregates = self.store.stats_aggregates(scope).await?;
        let in_period = |ms: i64| {
            date_of_ms(ms).is_some_and(|d| {
                let ym = YearMonth {
                    year: d.year(),
                    month: u8::from(d.month()),
                };
                filter.from.is_none_or(|a| ym >= a) && filter.to.is_none_or(|b| ym <= b)
            })
        };
        let screenings: Vec<(Vec<String>, u64)> = count_keys(
            aggregates
                .screenings
                .iter()
                .filter(|(at, _)| in_period(*at))
                .map(|(_, o)| vec![o.clone()]),
        );
        let stays = self.store.stats_stays(scope).await?;
        let stays: Vec<&StatsStayRow> = stays
            .iter()
            .filter(|s| {
                filter
                    .org
                    .as_ref()
                    .is_none_or(|o| *o == s.org_id.to_string())
            })
            .collect();
        let stay_keys: Vec<(Vec<String>, u64)> = count_keys(stays.iter().map(|s| {
            vec![
                if s.free_to_leave && s.regime == "open" {
                    "open"
                } else {
                    "closed"
                }
                .to_string(),
                if s.left_on.is_some() {
                    "ended"
                } else {
                    "current"
                }
                .to_string(),
            ]
        }));
        // Returns: voluntary repatriations and removals by the authorities,
        // counted apart (a removal is never a repatriation).
        let returns: Vec<(Vec<String>, u64)> = count_keys(
            self.returns_for_checklist(scope)
                .await?
                .iter()
                .filter(|r| in_period(r.at))
                .filter(|r| filter.org.as_ref().is_none_or(|o| *o == r.org.to_string()))
                .map(|r| {
                    vec![
                        if r.fact.repatriation {
                            "repatriation"
                        } else {
                            "forced_removal"
                        }
                        .to_string(),
                    ]
                }),
        );
        for (id, cells, by) in [
            ("screenings", screenings, vec![Dim::Status]),
            ("stays", stay_keys, vec![Dim::Status, Dim::Status]),
            ("returns", returns, vec![Dim::Status]),
        ] {
            let table = Table {
                spec: TableSpec::new(by.clone(), filter.clone()),
                total: cells.iter().map(|(_, c)| c).sum(),
                cells: cells.into_iter().collect(),
            };
            let release = sdc::suppress(&table, policy)
                .map_err(|e| AppError::bad_request(e.code(), e.to_string()))?;
            let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.release")
                .detail(format!(
                    "table={id} cells_released={} cells_withheld={}",
                    release.cells.len() - release.suppressed_cells(),
                    release.suppressed_cells()
                ));
            self.store.append_audit(&audit).await?;
            tables.push(DashTable {
                id: id.to_string(),
                answer: TableAnswer {
                    threshold: policy.threshold,
                    by,
                    release,
                },
            });
        }
        let chosen: Vec<&PersonFact> = facts.iter().filter(|p| filter.matches(p)).collect();
        let rg: Vec<i64> = chosen
            .iter()
            .filter_map(|p| p.rg_decided_day.map(|d| d - p.referred_day))
            .collect();
        let conclusive: Vec<i64> = chosen
            .iter()
            .filter_map(|p| p.conclusive_decided_day.map(|d| d - p.referred_day))
            .collect();
        let today = day_of_ms(self.now_ms());
        let lengths: Vec<i64> = stays
            .iter()
            .filter_map(|s| {
                let from = day_of_iso(&s.admitted_on)?;
                let to = s.left_on.as_deref().and_then(day_of_iso).unwrap_or(today);
                Some(to - from)
            })
            .collect();
        Ok(Dashboard {
            tables,
            to_reasonable_grounds: durations::summarise(&rg, THRESHOLD, None),
            to_conclusive: durations::summarise(&conclusive, THRESHOLD, None),
            stays_length: durations::summarise(&lengths, THRESHOLD, None),
            org: scope,
        })
    }

    /// A differentially private table for public release (analysts and
    /// administrators; all organisations): OpenDP's discrete Laplace noise
    /// for `epsilon`, spent from the `persons` dataset's budget (refused
    /// beyond it, 409 `privacy_budget_exceeded`, spending nothing). The cells
    /// are every value of public vocabularies (nationality is not offered:
    /// SafePath keeps no public list of it).
    pub async fn stats_public(
        &self,
        who: &Principal,
        by: &str,
        epsilon: f64,
    ) -> Result<dp::DpRelease, AppError> {
        if self.stats_scope(who)?.is_some() {
            return Err(AppError::forbidden(
                "public releases are made by analysts for all organisations",
            ));
        }
        let dims = Dim::parse_public_list(by)
            .map_err(|e| AppError::bad_request(e.code(), e.to_string()))?;
        let this_year = self.clock.today().year();
        let mut categories = Vec::new();
        for d in &dims {
            categories.push(match d {
                Dim::Sex => ["female", "male", "intersex", "unknown"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
                Dim::AgeBand => AgeBand::ALL
                    .iter()
                    .map(|a| a.as_str().to_string())
                    .collect(),
                Dim::Form => ExploitationForm::ALL
                    .iter()
                    .map(|f| f.as_str().to_string())
                    .chain(["multiple".to_string(), "unknown".to_string()])
                    .collect(),
                Dim::Status => CaseStatus::ALL
                    .iter()
                    .map(|c| c.as_str().to_string())
                    .collect(),
                Dim::Year => (2000..=this_year).map(|y| y.to_string()).collect(),
                _ => {
                    return Err(AppError::bad_request(
                        "invalid_dimension",
                        "public releases take sex, age_band, form, status or year",
                    ));
                }
            });
        }
        use crate::stats_synthetic::{BUDGET, DATASET, DATASET_DELTA, DATASET_EPSILON};
        let _spending = BUDGET.lock().await;
        let ledger = self.dp_ledger(DATASET).await?;
        let facts = self.person_facts(who, None, "public_dp").await?;
        let id = Uuid::new_v4().to_string();
        let spec = TableSpec::new(dims, Filter::default());
        let req = dp::DpRequest {
            spec: &spec,
            categories: &categories,
            epsilon,
            dataset: DATASET,
            release: &id,
        };
        // The synthetic releases spend from the same budget (D-ST2).
        let budget = dp::Budget {
            per_dataset_epsilon: DATASET_EPSILON,
            per_dataset_delta: DATASET_DELTA,
            ..dp::Budget::default()
        };
        let (release, _) = dp::noisy_table(&facts, &req, budget, ledger).map_err(|e| match e {
            safepath_stats::StatsError::BudgetExceeded { .. } => AppError::new(
                crate::ErrorKind::Conflict,
                "privacy_budget_exceeded",
                e.to_string(),
            ),
            other => AppError::bad_request(other.code(), other.to_string()),
        })?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.dp_release")
            .record("dp_release", &id)
            .detail(format!(
                "dataset={DATASET} by={by} epsilon={} delta={} cells={}",
                release.epsilon,
                release.delta,
                release.cells.len()
            ));
        self.store
            .insert_dp_budget(
                &DpBudgetRow {
                    id,
                    dataset: DATASET.to_string(),
                    release_name: release.release.clone(),
                    user_id: who.id(),
                    epsilon: release.epsilon,
                    delta: release.delta,
                    created_at: self.now_ms(),
                },
                &audit,
            )
            .await?;
        Ok(release)
    }

    /// The HTCDS export (CSV) of the persons in scope, k-anonymised; with how
    /// many persons were kept and how many there were.
    pub async fn export_htcds(&self, who: &Principal) -> Result<htcds::Export, AppError> {
        let scope = self.stats_scope(who)?;
        let facts = self.person_facts(who, scope, "htcds_export").await?;
        let export = htcds::export(&facts, THRESHOLD);
        let audit =
            AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.export").detail(format!(
                "export=htcds persons={} kept={}",
                export.persons, export.kept
            ));
        self.store.append_audit(&audit).await?;
        Ok(export)
    }

    /// CTDC-style k-anonymised microdata of the persons in scope.
    pub async fn export_microdata(&self, who: &Principal) -> Result<kanon::Microdata, AppError> {
        let scope = self.stats_scope(who)?;
        let facts = self.person_facts(who, scope, "ctdc_microdata").await?;
        let m = kanon::anonymise(&facts, THRESHOLD);
        let audit =
            AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.export").detail(format!(
                "export=ctdc_microdata persons={} kept={} level={}",
                m.persons, m.kept, m.generalisation_level
            ));
        self.store.append_audit(&audit).await?;
        Ok(m)
    }

    /// The protection checklist for the user's scope: this year against last.
    /// Every return in scope for the checklist, from the records' plain
    /// columns (nothing is opened): its year, whether it was a voluntary
    /// repatriation — which passed the return gate, so was assessed and
    /// names its receiving agency — and, for a removal by the authorities,
    /// whether the case holds a repatriation security assessment.
    async fn returns_for_checklist(
        &self,
        scope: Option<OrgId>,
    ) -> Result<Vec<ReturnRecord>, AppError> {
        let mut out = Vec::new();
        for r in self
            .store
            .all_case_records(crate::returns::RETURN_KIND, &["done"])
            .await?
        {
            let Some(facts) = self.store.case_facts(r.case_id).await? else {
                continue;
            };
            if scope.is_some_and(|org| org != facts.org) {
                continue;
            }
            let repatriation = r.subject.as_deref() == Some("repatriation");
            let assessed = repatriation
                || !self
                    .store
                    .case_records(r.case_id, Some(crate::handover_cases::SECURITY_KIND))
                    .await?
                    .is_empty();
            out.push(ReturnRecord {
                at: r.created_at,
                org: facts.org,
                fact: ReturnFact {
                    year: year_of_ms(r.created_at),
                    repatriation,
                    assessed,
                },
            });
        }
        Ok(out)
    }

    /// The follow-ups after return in scope, for the checklist: each
    /// handover held here counted once (the destination's side by its
    /// case's organisation, the origin's by the organisation the partner is
    /// linked to), its counted follow-ups by due year with whether they
    /// reached the person (`Handover::follow_ups_counted`). The handovers
    /// after arrival are opened in one audited read naming them; nothing
    /// else of them leaves this function.
    async fn follow_ups_for_checklist(
        &self,
        who: &Principal,
        scope: Option<OrgId>,
    ) -> Result<Vec<(i32, bool)>, AppError> {
        use safepath_domain::solutions::handover::{Handover, HandoverState};
        let mut seen = HashSet::new();
        let mut held = Vec::new();
        for row in self.store.all_handovers().await? {
            // Closed only after arrival: its reports count too.
            let after_arrival = HandoverState::parse(&row.state)
                .is_ok_and(|s| s.is_following_up() || s == HandoverState::Closed);
            if !after_arrival || seen.contains(&row.id) {
                continue;
            }
            let org = match row.case_id {
                Some(case) => self.store.case_facts(case).await?.map(|f| f.org),
                None => self
                    .store
                    .handover_partner(&row.partner)
                    .await?
                    .and_then(|p| p.org_id),
            };
            if org.is_none() || scope.is_some_and(|s| Some(s) != org) {
                continue;
            }
            seen.insert(row.id.clone());
            held.push(row);
        }
        if held.is_empty() {
            return Ok(Vec::new());
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.follow_ups")
            .detail(format!(
                "ids={}",
                held.iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        self.store.append_audit(&audit).await?;
        let today = self.clock.today();
        let mut out = Vec::new();
        for row in held {
            let grant = Grant::record(who.id(), "handover", &row.id);
            let h: Handover =
                self.open_json(&grant, "handovers", "record", &row.id, &row.record)?;
            out.extend(
                h.follow_ups_counted(today)
                    .into_iter()
                    .map(|(due, reached)| (due.year(), reached)),
            );
        }
        Ok(out)
    }

    /// The rights-and-justice facts in scope: the records' plain columns,
    /// each case's organisation looked up once.
    async fn justice_for_checklist(
        &self,
        who: &Principal,
        scope: Option<OrgId>,
    ) -> Result<JusticeFacts, AppError> {
        use crate::justice::kinds;
        let mut orgs: BTreeMap<CaseId, Option<OrgId>> = BTreeMap::new();
        let rows = self.store.as_ref();
        let legal_aid = rows
            .all_case_records(kinds::LEGAL_AID, &["recorded"])
            .await?;
        let interpretation = rows
            .all_case_records(kinds::INTERPRETATION, &["provided", "not_provided"])
            .await?;
        let permits = rows.all_case_records(kinds::PERMIT, &["granted"]).await?;
        let claims = rows
            .all_case_records(
                kinds::CLAIM,
                &["awarded", "partly_paid", "paid", "unrecoverable"],
            )
            .await?;
        let mut facts = JusticeFacts::default();
        let year = year_of_ms;
        for r in legal_aid
            .iter()
            .chain(&interpretation)
            .chain(&permits)
            .chain(&claims)
        {
            if let std::collections::btree_map::Entry::Vacant(e) = orgs.entry(r.case_id) {
                e.insert(self.store.case_facts(r.case_id).await?.map(|f| f.org));
            }
        }
        let in_scope = |c: &CaseId| {
            orgs.get(c)
                .copied()
                .flatten()
                .is_some_and(|o| scope.is_none_or(|s| s == o))
        };
        // The persons identified (merged cases counted once), in scope.
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.read")
            .detail("checklist identified persons");
        for p in self.store.stats_persons(scope, &audit).await? {
            if let (Some(at), Some("identified")) =
                (p.conclusive_decided_at, p.conclusive_outcome.as_deref())
            {
                facts.identified.push((year(at), p.case_id.0.as_u128()));
            }
        }
        facts.with_legal_aid = legal_aid
            .iter()
            .filter(|r| in_scope(&r.case_id))
            .map(|r| r.case_id.0.as_u128())
            .collect();
        facts.interpretation = interpretation
            .iter()
            .filter(|r| in_scope(&r.case_id))
            .map(|r| (year(r.created_at), r.state == "provided"))
            .collect();
        facts.permits_granted = permits
            .iter()
            .filter(|r| in_scope(&r.case_id))
            .map(|r| year(r.updated_at))
            .collect();
        facts.awards = claims
            .iter()
            .filter(|r| in_scope(&r.case_id))
            .map(|r| (year(r.updated_at), r.state == "paid"))
            .collect();
        Ok(facts)
    }

    /// The protection checklist, computed from the records. A presumed
    /// victim's health counts as assessed when the needs assessment records
    /// a physical-health need by 7 days after the reasonable-grounds
    /// decision (or before it).
    pub async fn checklist(&self, who: &Principal) -> Result<Vec<checklist::Item>, AppError> {
        let scope = self.stats_scope(who)?;
        let aggregates = self.store.stats_aggregates(scope).await?;
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        let facts = Facts {
            orgs: count(aggregates.orgs),
            orgs_with_focal_point: count(aggregates.orgs_with_focal_point),
            shelter_beds: aggregates
                .shelter_beds
                .iter()
                .map(|(group, beds)| (group.clone(), count(*beds)))
                .collect(),
            stays: self
                .store
                .stats_stays(scope)
                .await?
                .iter()
                .filter_map(stay_fact)
                .collect(),
            conclusive: aggregates
                .conclusive
                .iter()
                .map(|(at, due)| DecisionFact {
                    year: year_of_ms(*at),
                    day: day_of_ms(*at),
                    due_day: day_of_iso(due),
                })
                .collect(),
            presumed: aggregates
                .presumed
                .iter()
                .map(|(at, health)| PresumedFact {
                    year: year_of_ms(*at),
                    decided_ms: *at,
                    health_ms: *health,
                })
                .collect(),
            returns: self
                .returns_for_checklist(scope)
                .await?
                .into_iter()
                .map(|r| r.fact)
                .collect(),
            follow_ups: self.follow_ups_for_checklist(who, scope).await?,
            justice: self.justice_for_checklist(who, scope).await?,
            trained: self.trained_responders(scope).await?,
        };
        let year = self.clock.today().year();
        let today = day_of_ms(self.now_ms());
        let inputs = |y: i32| checklist_facts::inputs(&facts, y, today);
        let items = checklist::compute(&inputs(year), Some(&inputs(year - 1)), THRESHOLD);
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stats.checklist")
            .detail(format!("items={}", items.len()));
        self.store.append_audit(&audit).await?;
        Ok(items)
    }
}

/// Demo: a fourth organisation (its own case manager, outside the demo
/// accounts' lists) with `n` synthetic persons registered over the last four
/// years, more each year, so the dashboards show trends and, for the rarer
/// nationalities and age bands, withheld cells.
pub(crate) async fn seed_demo(app: &App, n: usize) -> Result<(), AppError> {
    use crate::admin::Operator;
    use crate::views::NewCase;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    if n == 0 {
        return Ok(());
    }
    let org = app
        .add_org(
            Operator::Cli("demo"),
            "Organisation D — Provincial Social Services",
            "government",
            "IDN",
        )
        .await?;
    app.add_user(
        Operator::Cli("demo"),
        "demo-cm-d",
        "Demo Case Manager D",
        OrgId(org.id),
        "case_manager",
        crate::demo::DEMO_PASSWORD,
    )
    .await?;
    let row = app
        .store
        .user_by_username("demo-cm-d")
        .await?
        .ok_or_else(|| AppError::internal("demo user vanished"))?;
    let owner = Principal::from_user(row)?;
    let forms = [
        ExploitationForm::ForcedLabour,
        ExploitationForm::ForcedLabour,
        ExploitationForm::SexualExploitation,
        ExploitationForm::DomesticServitude,
        ExploitationForm::ForcedCriminality,
        ExploitationForm::ForcedBegging,
    ];
    let statuses = [
        CaseStatus::Identified,
        CaseStatus::InProtection,
        CaseStatus::PresumedVictim,
        CaseStatus::FollowUp,
        CaseStatus::Closed,
        CaseStatus::NotIdentified,
    ];
    let mut rng = StdRng::seed_from_u64(20_261_204);
    let now = app.now_ms();
    let year_ms = 365 * DAY_MS;
    let mut dates = Vec::with_capacity(n);
    for i in 0..n {
        let created = app
            .import_case(
                &owner,
                NewCase {
                    person: crate::demo::synthetic_person(&mut rng, i + 10_000),
                    exploitation_forms: vec![forms[rng.gen_range(0..forms.len())]],
                    notes: None,
                    status: Some(statuses[rng.gen_range(0..statuses.len())]),
                    case_manager_id: None,
                },
            )
            .await?;
        // Growth: a quarter of the persons three to four years ago, the
        // most in the last year (the square root skews towards now).
        let u: f64 = rng.gen_range(0.0..1.0);
        let back = ((1.0 - u.sqrt()) * 4.0 * year_ms as f64) as i64;
        dates.push((
            safepath_domain::ids::CaseId(created.id),
            now - back.clamp(0, 4 * year_ms),
        ));
    }
    let audit = AuditDraft::new(now, "demo", "demo.backdate").detail(format!("cases={n}"));
    app.store.demo_backdate_cases(&dates, &audit).await?;
    Ok(())
}

fn count_keys(keys: impl Iterator<Item = Vec<String>>) -> Vec<(Vec<String>, u64)> {
    let mut m: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for k in keys {
        *m.entry(k).or_default() += 1;
    }
    m.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_become_the_checklists_years_and_days() {
        // 2026-03-01T00:00:00Z, and a moment before it.
        let at = 1_772_323_200_000;
        assert_eq!(year_of_ms(at), 2026);
        assert_eq!(year_of_ms(at - 60 * 86_400_000), 2025);
        assert_eq!(Some(day_of_ms(at)), day_of_iso("2026-03-01"));
        assert_eq!(Some(day_of_ms(at - 1)), day_of_iso("2026-02-28"));
    }

    #[test]
    fn ages_from_partial_dates() {
        let on = Date::from_calendar_date(2024, time::Month::June, 1).unwrap_or(Date::MIN);
        let exact = BirthDate::Exact {
            date: "2007-06-02".into(),
        };
        assert_eq!(age_on(&exact, on), Some(16));
        assert_eq!(age_on(&BirthDate::Year { year: 2006 }, on), Some(17));
        let est = BirthDate::EstimatedAge {
            age: 30,
            on: "2020-01-01".into(),
        };
        assert_eq!(age_on(&est, on), Some(34));
        assert_eq!(day_of_iso("1970-01-02"), Some(1));
    }
}
