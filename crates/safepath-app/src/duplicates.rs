//! Search before create: before a new person is entered, look for records of
//! the same person with the matching engine. Records the user may see are
//! shown; for records of other organisations only the fact that a possible
//! duplicate exists there and whom to contact (its referral focal point) —
//! no personal data crosses the need-to-know line.

use safepath_domain::access::{self, Action, Decision};
use safepath_domain::names::search_tokens;
use safepath_domain::person::{BirthDate, Person, Sex};
use safepath_match::{Band, MatchIndex, Model, Record, Settings, train};
use safepath_store::AuditDraft;
use serde::Serialize;
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
/// open a second case for the same person must see it (issue 14).
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

impl App {
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
        let rows = self.all_case_persons().await?;
        // The scan is audited before any person is opened.
        self.store
            .append_audit(
                &AuditDraft::new(self.now_ms(), who.id().to_string(), "case.duplicate_scan")
                    .record("scan", "duplicate_check")
                    .org(who.org())
                    .detail(format!("scanned={}", rows.len())),
            )
            .await?;
        let grant = Grant::record(who.id(), "scan", "duplicate_check");
        let mut records = Vec::with_capacity(rows.len());
        let mut owners = std::collections::HashMap::new();
        let mut namesakes = std::collections::HashSet::new();
        for (case, org, p) in &rows {
            let candidate = self.person_for_matching(&grant, p)?;
            records.push(record(&settings.schema, &case.to_string(), &candidate)?);
            owners.insert(case.to_string(), (*case, *org));
            if same_name_sex_nationality(&person, &candidate) {
                namesakes.insert(case.to_string());
            }
        }
        let mut out = DuplicateCheck {
            visible: vec![],
            elsewhere: vec![],
        };
        if !records.is_empty() {
            // EM needs enough records (and some duplicates among them) to
            // estimate m and u; below that the engine's priors are safer.
            let model = if records.len() >= TRAIN_FROM {
                train(&records, &settings).map_err(|e| AppError::internal(&e.to_string()))?
            } else {
                let mut m = Model::untrained(settings.schema.clone());
                m.likely = settings.likely;
                m.possible = settings.possible;
                m
            };
            let index = MatchIndex::build(&records, &model)
                .map_err(|e| AppError::internal(&e.to_string()))?;
            let query = record(&settings.schema, "query", &person)?;
            // A new record is about someone who is at most one of those
            // indexed: weighed as a request (D-T5).
            for c in index
                .trace_down_to(&query, CHECK_LIMIT, 0.0)
                .map_err(|e| AppError::internal(&e.to_string()))?
            {
                let band = match c.band {
                    Band::Likely => "likely",
                    Band::Possible => "possible",
                    Band::Unlikely if namesakes.contains(&c.id) => "possible",
                    Band::Unlikely => continue,
                };
                let Some((case, org)) = owners.get(&c.id).copied() else {
                    continue;
                };
                let Some(facts) = self.store.case_facts(case).await? else {
                    continue;
                };
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
                records.len(),
                out.visible.len(),
                out.elsewhere.len()
            ));
        self.store.append_audit(&audit).await?;
        Ok(out)
    }
}
