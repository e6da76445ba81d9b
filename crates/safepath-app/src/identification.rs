//! Identification: stored screenings, the referral of a presumed victim into
//! a case for the designated agency's focal point, and the two-stage decision
//! (reasonable grounds, then conclusive) with its clocks.

use safepath_domain::access::{self, Action, CaseAccess, Decision};
use safepath_domain::case::{CaseReference, CaseStatus, ExploitationForm};
use safepath_domain::ids::{CaseId, OrgId, PersonId, UserId};
use safepath_domain::org::Role;
use safepath_domain::person::{NamePart, Person, PersonName};
use safepath_screening::{
    default_profile, profile, profile_for_country, reasonable_grounds_due,
    reconsideration_deadline, reflection_period_end,
};
use safepath_store::{
    AuditDraft, CaseExtras, CaseFlag, CaseRow, DecisionChange, DecisionRow, ScreeningRow,
    StoreError,
};
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// Where the screening took place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    PointOfEntry,
    Vessel,
    Worksite,
    Other,
}

/// `POST /api/v1/screenings`: a screening to evaluate and store.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScreeningSubmission {
    /// The person agreed to the screening after it was explained.
    pub consent_given: bool,
    /// BCP 47 tag of the language the interview was held in.
    pub language: String,
    /// An interpreter took part.
    #[serde(default)]
    pub interpreter: bool,
    pub place_kind: PlaceKind,
    /// Port, vessel, worksite (kept sealed).
    #[serde(default)]
    pub place_note: String,
    /// The screening document of SCREENING.md.
    #[schema(value_type = Object)]
    pub document: serde_json::Value,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreeningView {
    pub id: String,
    pub created_at: String,
    pub outcome: String,
    pub population: String,
    pub form: String,
    pub catalogue_version: String,
    pub profile_id: String,
    pub non_punishment: bool,
    pub non_removal: bool,
    /// A presumed outcome leads straight to a referral into a case.
    pub referable: bool,
    pub case_id: Option<Uuid>,
    /// Where the screening was referred: the case's reference and agency,
    /// and whether this user may open the case (the screener of another
    /// agency may not: the case belongs to the agency referred to).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referred_to: Option<ReferredTo>,
    #[schema(value_type = Object)]
    pub evaluation: serde_json::Value,
    pub submission: ScreeningSubmission,
}

/// A screening's referral, as its screener sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferredTo {
    pub reference: String,
    pub organisation: String,
    pub case_visible: bool,
}

/// `POST /api/v1/screenings/{id}/refer`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralRequest {
    /// The designated agency; the case goes to its referral focal point.
    pub to_org_id: Uuid,
    /// What is known of the person; a placeholder name is used when absent.
    #[serde(default)]
    pub person: Option<Person>,
}

/// `POST /api/v1/cases/{id}/decisions`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// `reasonable_grounds` or `conclusive`.
    pub stage: String,
    /// Reasonable grounds: `presumed_victim` or `not_presumed`; conclusive: `identified` or `not_victim`.
    pub outcome: String,
    /// Written reasons (required).
    pub reasons: String,
    /// Who the decision letter is addressed to: `person`, `guardian` or `legal_representative`.
    #[serde(default = "default_addressee")]
    pub letter_addressee: String,
}

fn default_addressee() -> String {
    "person".into()
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReconsiderationInput {
    pub reason: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DecisionView {
    pub id: String,
    pub case_id: Uuid,
    pub stage: String,
    pub profile_id: String,
    pub opened_on: String,
    pub due_on: String,
    pub open: bool,
    pub overdue: bool,
    pub decided_at: Option<String>,
    pub outcome: Option<String>,
    /// HTCDS TraffickingStatus: `possible`, `actual` or `not_a_victim`.
    pub trafficking_status: Option<String>,
    pub deciding_org_type: Option<String>,
    pub letter_addressee: Option<String>,
    pub reasons: Option<String>,
    pub reflection_ends_on: Option<String>,
    /// For a negative decision, the last day on which the person may ask for
    /// it to be reconsidered (the decision's jurisdiction profile); absent
    /// for a positive or open one, or where the profile sets no period.
    pub reconsideration_until: Option<String>,
    pub reconsideration_of: Option<String>,
    /// Who recorded the decision (the letter's signatory).
    pub decided_by: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OpenDecisionView {
    pub id: String,
    pub case_id: Uuid,
    pub reference: String,
    pub stage: String,
    pub due_on: String,
    pub overdue: bool,
    pub days_overdue: i64,
}

pub const RG: &str = "reasonable_grounds";
pub const CONCLUSIVE: &str = "conclusive";

use crate::clock::iso_day as iso;

fn parse_iso(s: &str) -> Option<Date> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).ok()
}

fn form_to_exploitation(form: &str) -> ExploitationForm {
    match form {
        "sexual" => ExploitationForm::SexualExploitation,
        "domestic_servitude" => ExploitationForm::DomesticServitude,
        "forced_begging" => ExploitationForm::ForcedBegging,
        "forced_criminality" => ExploitationForm::ForcedCriminality,
        "forced_marriage" => ExploitationForm::ForcedMarriage,
        "organ_removal" => ExploitationForm::OrganRemoval,
        _ => ExploitationForm::ForcedLabour,
    }
}

/// Whether an outcome is negative (no reasonable grounds, not a victim): the
/// person may ask for it to be reconsidered.
pub fn is_negative(outcome: &str) -> bool {
    matches!(outcome, "not_presumed" | "not_victim")
}

/// The last day to ask for a decided negative decision to be reconsidered:
/// its profile's period after the (UTC) day it was recorded.
fn reconsideration_until(d: &DecisionRow) -> Option<String> {
    let decided = d.decided_at?;
    if !d.outcome.as_deref().is_some_and(is_negative) {
        return None;
    }
    let day = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(decided) * 1_000_000)
        .ok()?
        .date();
    let prof = profile(&d.profile_id).unwrap_or_else(default_profile);
    reconsideration_deadline(day, prof).map(iso)
}

/// HTCDS TraffickingStatus of a decision outcome.
pub fn trafficking_status(outcome: &str) -> Option<&'static str> {
    match outcome {
        "presumed_victim" => Some("possible"),
        "identified" => Some("actual"),
        "not_presumed" | "not_victim" => Some("not_a_victim"),
        _ => None,
    }
}

/// The decision a new case waits for, by the status it starts in: a referred
/// case waits for the reasonable-grounds decision; a case opened as a
/// presumed victim (reasonable grounds decided before it reached SafePath),
/// or carried over while in protection, waits for the conclusive decision
/// when its reflection period ends. The
/// legal statuses follow only from these decisions (the lifecycle refuses
/// them from a status form), so every case that can reach one has its
/// decision open from the start.
pub(crate) fn first_decision(
    case_id: CaseId,
    status: CaseStatus,
    org_country: &str,
    now_ms: i64,
    today: Date,
) -> Option<DecisionRow> {
    let prof = profile_for_country(org_country);
    let (stage, due) = match status {
        CaseStatus::Referred => (RG, reasonable_grounds_due(today, prof)),
        CaseStatus::PresumedVictim | CaseStatus::InProtection => {
            (CONCLUSIVE, reflection_period_end(today, prof))
        }
        _ => return None,
    };
    Some(open_decision(
        Uuid::new_v4().to_string(),
        case_id,
        stage,
        prof.id.clone(),
        now_ms,
        iso(today),
        iso(due),
    ))
}

/// A decision stage opened on `opened_on`, due on `due_on`, not yet decided.
fn open_decision(
    id: String,
    case_id: CaseId,
    stage: impl Into<String>,
    profile_id: String,
    opened_at: i64,
    opened_on: String,
    due_on: String,
) -> DecisionRow {
    DecisionRow {
        id,
        case_id,
        stage: stage.into(),
        profile_id,
        opened_at,
        opened_on,
        due_on,
        decided_at: None,
        decided_by: None,
        outcome: None,
        deciding_org_type: None,
        letter_addressee: None,
        reasons: None,
        reflection_ends_on: None,
        reconsideration_of: None,
    }
}

impl App {
    /// Evaluates a screening (SCREENING.md) and stores it, sealed and audited,
    /// with the catalogue version and profile used.
    pub async fn screen(
        &self,
        who: &Principal,
        sub: ScreeningSubmission,
    ) -> Result<ScreeningView, AppError> {
        if !sub.consent_given {
            return Err(AppError::bad_request(
                "consent_required",
                "the person's informed consent to the screening is required before it is recorded",
            ));
        }
        let lang = sub.language.trim();
        if lang.is_empty()
            || lang.len() > 12
            || !lang.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(AppError::bad_request(
                "invalid_field",
                "language: a BCP 47 tag such as my, km, th",
            ));
        }
        if sub.place_note.chars().count() > 500 {
            return Err(AppError::bad_request(
                "invalid_field",
                "place_note: at most 500 characters",
            ));
        }
        let mut doc = sub.document.clone();
        // The profile of the screening agency's country, unless the document names one.
        if doc.get("jurisdiction").is_none() {
            let org = self
                .store
                .org(who.org())
                .await?
                .ok_or_else(|| AppError::internal("no org"))?;
            if let Some(obj) = doc.as_object_mut() {
                obj.insert(
                    "jurisdiction".into(),
                    serde_json::Value::String(profile_for_country(&org.country).id.clone()),
                );
            }
        }
        let evaluation = safepath_screening::evaluate_json(doc.to_string().as_bytes())
            .map_err(|e| AppError::bad_request(e.code, e.message))?;
        let text = |k: &str| {
            evaluation
                .get(k)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_owned()
        };
        let flag = |k: &str| evaluation.get(k).and_then(|v| v.as_bool()).unwrap_or(false);
        let id = Uuid::new_v4().to_string();
        let submission = ScreeningSubmission {
            document: doc,
            language: lang.to_owned(),
            ..sub
        };
        let record = serde_json::json!({"submission": submission, "evaluation": evaluation});
        let row = ScreeningRow {
            id: id.clone(),
            org_id: who.org(),
            screened_by: who.id(),
            created_at: self.now_ms(),
            catalogue_version: text("catalogue_version"),
            profile_id: text("jurisdiction"),
            form: text("form"),
            population: text("population"),
            outcome: text("outcome"),
            non_punishment: flag("non_punishment"),
            non_removal: flag("non_removal"),
            case_id: None,
            record: self.seal_json("screenings", "record", &id, &record)?,
        };
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "screening.create")
            .record("screening", &id)
            .org(who.org())
            .detail(format!("outcome={}", row.outcome));
        self.store.insert_screening(&row, &audit).await?;
        self.screening_view(&row, evaluation, submission)
    }

    fn screening_view(
        &self,
        row: &ScreeningRow,
        evaluation: serde_json::Value,
        submission: ScreeningSubmission,
    ) -> Result<ScreeningView, AppError> {
        Ok(ScreeningView {
            id: row.id.clone(),
            created_at: rfc3339(row.created_at),
            referable: matches!(
                row.outcome.as_str(),
                "presumed_trafficking" | "presumed_forced_labour"
            ) && row.case_id.is_none(),
            outcome: row.outcome.clone(),
            population: row.population.clone(),
            form: row.form.clone(),
            catalogue_version: row.catalogue_version.clone(),
            profile_id: row.profile_id.clone(),
            non_punishment: row.non_punishment,
            non_removal: row.non_removal,
            case_id: row.case_id.map(|c| c.0),
            referred_to: None,
            evaluation,
            submission,
        })
    }

    /// Who may see a screening: the person who screened, the coordinators of
    /// their organisation, and, once it became a case, whoever sees the case.
    async fn screening_for(&self, who: &Principal, id: &str) -> Result<ScreeningRow, AppError> {
        let not_found = || AppError::not_found("no such screening");
        let row = self.store.screening(id).await?.ok_or_else(not_found)?;
        let own = row.screened_by == who.id()
            || (who.actor.role == Role::Coordinator && row.org_id == who.org());
        let via_case = match row.case_id {
            Some(c) => match self.store.case_facts(c).await? {
                Some(f) => access::authorize(&who.actor, Action::ReadCase, &f).is_ok(),
                None => false,
            },
            None => false,
        };
        if own || via_case {
            Ok(row)
        } else {
            Err(not_found())
        }
    }

    /// The screening a case was referred from, as the case's page names
    /// it: the moment and the result (plain columns; nothing sealed is
    /// opened — the screening itself opens under its own audit entry).
    pub async fn case_screening(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<Option<CaseScreening>, AppError> {
        self.readable_case(who, case).await?;
        let Some(id) = self.store.screening_of_case(CaseId(case)).await? else {
            return Ok(None);
        };
        Ok(self.store.screening(&id).await?.map(|row| CaseScreening {
            id,
            screened_at: crate::clock::rfc3339(row.created_at),
            outcome: row.outcome,
        }))
    }

    /// Re-reads a stored screening exactly as it was decided.
    pub async fn get_screening(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<ScreeningView, AppError> {
        let row = self.screening_for(who, id).await?;
        self.store
            .append_audit(
                &AuditDraft::new(self.now_ms(), who.id().to_string(), "screening.read")
                    .record("screening", id)
                    .org(row.org_id),
            )
            .await?;
        // Its own rule (`screening_for`) was checked; charged to the entry above.
        let grant = Grant::record(who.id(), "screening", id);
        let record: serde_json::Value = serde_json::from_str(&self.open_str(
            &grant,
            "screenings",
            "record",
            id,
            &row.record,
        )?)
        .map_err(|_| AppError::internal("screening record"))?;
        let submission: ScreeningSubmission = serde_json::from_value(record["submission"].clone())
            .map_err(|_| AppError::internal("screening submission"))?;
        let mut view = self.screening_view(&row, record["evaluation"].clone(), submission)?;
        if let Some(case) = row.case_id
            && let Some(facts) = self.store.case_facts(case).await?
        {
            view.referred_to = Some(ReferredTo {
                reference: self.store.case_reference(case).await?.unwrap_or_default(),
                organisation: self
                    .store
                    .org(facts.org)
                    .await?
                    .map(|o| o.name)
                    .unwrap_or_default(),
                case_visible: access::authorize(&who.actor, Action::ReadCase, &facts).is_ok(),
            });
        }
        Ok(view)
    }

    /// A presumed victim's screening becomes a case for the designated
    /// agency's referral focal point, with the non-removal and non-punishment
    /// flags set, and the reasonable-grounds decision opened with its due date.
    pub async fn refer_screening(
        &self,
        who: &Principal,
        id: &str,
        req: ReferralRequest,
    ) -> Result<crate::views::CaseView, AppError> {
        let row = self.screening_for(who, id).await?;
        if !matches!(
            row.outcome.as_str(),
            "presumed_trafficking" | "presumed_forced_labour"
        ) {
            return Err(AppError::bad_request(
                "not_referable",
                "only a presumed victim of trafficking or forced labour is referred from a screening; refer others through a case",
            ));
        }
        if row.case_id.is_some() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "already_referred",
                "this screening was already referred",
            ));
        }
        let to_org = OrgId(req.to_org_id);
        let org = self
            .store
            .org(to_org)
            .await?
            .ok_or_else(|| AppError::bad_request("invalid_org", "no such organisation"))?;
        let focal = self.store.focal_point(to_org).await?.ok_or_else(|| AppError::bad_request("no_focal_point", "that agency has no referral focal point; choose another or ask its administrator to name one"))?;
        let today = self.clock.today();
        // The interview's facts go with the case (issue 10: the new case had
        // lost the language, age, place and interpreter): the screening is
        // read for it, under its own audit entry.
        self.store
            .append_audit(
                &AuditDraft::new(self.now_ms(), who.id().to_string(), "screening.read")
                    .record("screening", id)
                    .org(row.org_id)
                    .detail("referral into a case"),
            )
            .await?;
        let grant = Grant::record(who.id(), "screening", id);
        let record: serde_json::Value = serde_json::from_str(&self.open_str(
            &grant,
            "screenings",
            "record",
            id,
            &row.record,
        )?)
        .map_err(|_| AppError::internal("screening record"))?;
        let interview: ScreeningSubmission =
            serde_json::from_value(record["submission"].clone())
                .map_err(|_| AppError::internal("screening submission"))?;
        let language = interview.language.trim().to_ascii_lowercase();
        // The person speaks the language they were interviewed in: kept on
        // the person (after any given), where pages show it by name.
        let with_language = |mut p: Person| {
            if !language.is_empty()
                && !p
                    .languages
                    .iter()
                    .any(|l| l.eq_ignore_ascii_case(&language))
            {
                p.languages.push(language.clone());
            }
            p
        };
        let person = match req.person {
            Some(p) => with_language(p).validated(today)?,
            None => with_language(Person {
                display_name: String::new(),
                names: vec![PersonName {
                    value: format!("Unnamed person (screening {})", &id[..8]),
                    script: "Latn".into(),
                    part: NamePart::Alias,
                    transliterations: vec![],
                }],
                sex: safepath_domain::person::Sex::Unknown,
                gender_identity: safepath_domain::person::GenderIdentity::NotDisclosed,
                birth_date: None,
                nationalities: vec![],
                languages: vec![],
                contact: Default::default(),
                place_of_origin: Default::default(),
            })
            .validated(today)?,
        };
        let first_language = person
            .languages
            .first()
            .is_some_and(|l| l.eq_ignore_ascii_case(&language));
        let notes = interview_note(&row, &interview, first_language);
        let now = self.now_ms();
        let prof = profile_for_country(&org.country);
        let case_id = CaseId(Uuid::new_v4());
        let person_id = PersonId(Uuid::new_v4());
        let person_row = self.seal_person(person_id, &person, now, now)?;
        let index = self.name_index(&person)?;
        let mut flags = Vec::new();
        if row.non_removal {
            flags.push(CaseFlag {
                flag: "non_removal".into(),
                set_by: who.id().to_string(),
                set_at: now,
                source: Some(format!("screening {id}")),
            });
        }
        if row.non_punishment {
            flags.push(CaseFlag {
                flag: "non_punishment".into(),
                set_by: who.id().to_string(),
                set_at: now,
                source: Some(format!("screening {id}")),
            });
        }
        let rg = open_decision(
            Uuid::new_v4().to_string(),
            case_id,
            RG,
            prof.id.clone(),
            now,
            iso(today),
            iso(reasonable_grounds_due(today, prof)),
        );
        let forms = serde_json::to_string(&[form_to_exploitation(&row.form)])
            .map_err(|_| AppError::internal("forms"))?;
        for _ in 0..5 {
            let case = CaseRow {
                id: case_id,
                reference: CaseReference::generate(today.year(), rand::random())
                    .as_str()
                    .to_owned(),
                person_id,
                status: CaseStatus::Referred.as_str().into(),
                org_id: to_org,
                case_manager_id: Some(focal),
                // The screener stays on the case only inside their own
                // organisation: across organisations a name on a case is no
                // road to it (the receiving agency decides who works on it).
                associated: if focal == who.id() || to_org != who.org() {
                    vec![]
                } else {
                    vec![who.id()]
                },
                exploitation_forms: forms.clone(),
                notes: Some(self.seal_str("cases", "notes", &case_id.to_string(), &notes)?),
                created_by: who.id().to_string(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            let extras = CaseExtras {
                flags: flags.clone(),
                decisions: vec![rg.clone()],
                screening_id: Some(id.to_owned()),
            };
            let audit = AuditDraft::new(now, who.id().to_string(), "case.create")
                .record("case", case_id)
                .org(to_org)
                .detail(format!("referred from screening {id}"))
                .notify(
                    self.notice(
                        focal,
                        "referral",
                        Some(case_id),
                        format!("New referral from a screening: case {}", case.reference),
                    )
                    .about("case", case_id)
                    .params(notice_params(&[
                        ("reference", &case.reference),
                        ("source", "screening"),
                    ])),
                );
            match self
                .store
                .insert_case_with(&case, &person_row, &index, &extras, &audit)
                .await
            {
                Ok(()) => {
                    // A person who returned home, screened again (issue 12).
                    self.screened_again(who, id, case_id, &person).await;
                    let facts = access::CaseFacts {
                        id: case_id,
                        org: to_org,
                        case_manager: Some(focal),
                        associated: case.associated.clone(),
                    };
                    return match access::authorize(&who.actor, Action::ReadCase, &facts) {
                        Ok(access) => self.case_view(&access, &case, &person_row),
                        // Referred to another agency: the screener gets a
                        // receipt (reference, status, agency), not the case.
                        Err(_) => referral_receipt(&case),
                    };
                }
                Err(StoreError::Conflict(what)) if what.contains("screening") => {
                    return Err(AppError::new(
                        ErrorKind::Conflict,
                        "already_referred",
                        "this screening was already referred",
                    ));
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::internal("could not allocate a case reference"))
    }

    pub async fn case_flags(&self, who: &Principal, case: Uuid) -> Result<Vec<String>, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        access::authorize(&who.actor, Action::ReadCase, &facts)
            .map_err(|_| AppError::case_not_found())?;
        Ok(self
            .store
            .case_flags(facts.id)
            .await?
            .into_iter()
            .map(|f| f.flag)
            .collect())
    }

    fn decision_view(
        &self,
        access: &CaseAccess,
        d: &DecisionRow,
        today: Date,
    ) -> Result<DecisionView, AppError> {
        let grant = Grant::case(access, d.case_id)?;
        let overdue = d.decided_at.is_none() && parse_iso(&d.due_on).is_some_and(|due| due < today);
        Ok(DecisionView {
            id: d.id.clone(),
            case_id: d.case_id.0,
            stage: d.stage.clone(),
            profile_id: d.profile_id.clone(),
            opened_on: d.opened_on.clone(),
            due_on: d.due_on.clone(),
            open: d.decided_at.is_none(),
            overdue,
            decided_at: d.decided_at.map(rfc3339),
            trafficking_status: d
                .outcome
                .as_deref()
                .and_then(trafficking_status)
                .map(str::to_owned),
            outcome: d.outcome.clone(),
            deciding_org_type: d.deciding_org_type.clone(),
            letter_addressee: d.letter_addressee.clone(),
            reasons: d
                .reasons
                .as_ref()
                .map(|r| self.open_str(&grant, "decisions", "reasons", &d.id, r))
                .transpose()?,
            reflection_ends_on: d.reflection_ends_on.clone(),
            reconsideration_until: reconsideration_until(d),
            reconsideration_of: d.reconsideration_of.clone(),
            decided_by: d.decided_by.map(|u| u.0),
        })
    }

    /// A decision letter's signatory: the full name and role of the staff
    /// member who recorded it (staff, never the person), for someone who may
    /// read the decision's case.
    pub async fn signatory(
        &self,
        who: &Principal,
        case: Uuid,
        staff: Uuid,
    ) -> Result<Option<(String, Role)>, AppError> {
        self.authorize_case(who, case, Action::ReadCase, "read this case")
            .await?;
        Ok(match self.store.user(UserId(staff)).await? {
            Some(u) => Some((u.full_name, Role::parse(&u.role)?)),
            None => None,
        })
    }

    pub async fn case_decisions(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<Vec<DecisionView>, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let access = access::authorize(&who.actor, Action::ReadCase, &facts)
            .map_err(|_| AppError::case_not_found())?;
        let today = self.clock.today();
        // The reasons are personal data: read with their audit entry.
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "decisions.read")
            .record("case", facts.id)
            .org(facts.org);
        self.store
            .read_decisions(facts.id, &audit)
            .await?
            .iter()
            .map(|d| self.decision_view(&access, d, today))
            .collect()
    }

    /// The decision-maker's step: only a coordinator of the owning
    /// organisation (the authorised decision-maker) decides.
    async fn decider(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<(CaseAccess, access::CaseFacts, CaseRow), AppError> {
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let access =
            access::authorize(&who.actor, Action::EditCase, &facts).map_err(edit_denied)?;
        if !access::case_permissions(&who.actor, &facts).decide {
            return Err(AppError::forbidden(
                "only an authorised decision-maker (a coordinator of the owning organisation) records identification decisions",
            ));
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail("for decision");
        let (c, _) = self
            .store
            .read_case(&facts, &audit)
            .await?
            .ok_or_else(AppError::case_not_found)?;
        Ok((access, facts, c))
    }

    /// Records a reasonable-grounds or conclusive decision with written reasons.
    pub async fn record_decision(
        &self,
        who: &Principal,
        case: Uuid,
        input: DecisionInput,
    ) -> Result<DecisionView, AppError> {
        let valid = match input.stage.as_str() {
            RG => matches!(input.outcome.as_str(), "presumed_victim" | "not_presumed"),
            CONCLUSIVE => matches!(input.outcome.as_str(), "identified" | "not_victim"),
            _ => {
                return Err(AppError::bad_request(
                    "invalid_value",
                    "stage: reasonable_grounds or conclusive",
                ));
            }
        };
        if !valid {
            return Err(AppError::bad_request(
                "invalid_value",
                "outcome: presumed_victim or not_presumed (reasonable grounds); identified or not_victim (conclusive)",
            ));
        }
        if !matches!(
            input.letter_addressee.as_str(),
            "person" | "guardian" | "legal_representative"
        ) {
            return Err(AppError::bad_request(
                "invalid_value",
                "letter_addressee: person, guardian or legal_representative",
            ));
        }
        let reasons = input.reasons.trim();
        if reasons.chars().count() < 10 || reasons.chars().count() > 20_000 {
            return Err(AppError::bad_request(
                "reasons_required",
                "write the reasons for the decision (10 to 20000 characters)",
            ));
        }
        let (access, facts, case) = self.decider(who, case).await?;
        let open = self
            .store
            .decisions_for_case(facts.id)
            .await?
            .into_iter()
            .find(|d| d.stage == input.stage && d.decided_at.is_none());
        let Some(mut d) = open else {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "no_open_decision",
                format!(
                    "there is no open {} decision on this case",
                    input.stage.replace('_', "-")
                ),
            ));
        };
        let today = self.clock.today();
        let now = self.now_ms();
        let prof = profile(&d.profile_id).unwrap_or_else(default_profile);
        let org = self
            .store
            .org(who.org())
            .await?
            .ok_or_else(|| AppError::internal("no org"))?;
        d.decided_at = Some(now);
        d.decided_by = Some(who.id());
        d.outcome = Some(input.outcome.clone());
        d.deciding_org_type = Some(org.org_type.clone());
        d.letter_addressee = Some(input.letter_addressee.clone());
        d.reasons = Some(
            self.keys
                .seal(
                    safepath_crypto::FieldRef {
                        table: "decisions",
                        column: "reasons",
                        record_id: &d.id,
                    },
                    reasons.as_bytes(),
                )
                .map_err(|e| AppError::internal(&e.to_string()))?,
        );
        let (status, next) = match input.outcome.as_str() {
            "presumed_victim" => {
                // The recovery and reflection period starts now; the conclusive
                // decision is due when it ends. No removal meanwhile.
                let ends = reflection_period_end(today, prof);
                d.reflection_ends_on = Some(iso(ends));
                let next = open_decision(
                    Uuid::new_v4().to_string(),
                    facts.id,
                    CONCLUSIVE,
                    prof.id.clone(),
                    now,
                    iso(today),
                    iso(ends),
                );
                (CaseStatus::InProtection, Some(next))
            }
            "identified" => (CaseStatus::Identified, None),
            _ => (CaseStatus::NotIdentified, None),
        };
        let notice = case.case_manager_id.filter(|cm| *cm != who.id()).map(|cm| {
            self.notice(
                cm,
                "decision",
                Some(facts.id),
                format!(
                    "{} decision recorded on case {}",
                    input.stage.replace('_', "-"),
                    case.reference
                ),
            )
            .about("decision", facts.id)
            .params(notice_params(&[
                ("reference", &case.reference),
                ("stage", &input.stage),
            ]))
        });
        let audit = AuditDraft::new(now, who.id().to_string(), "decision.record")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("stage={} outcome={}", input.stage, input.outcome))
            .notify_all(notice);
        let change = DecisionChange {
            decided: d.clone(),
            next,
            case_status: Some((status.as_str().into(), case.version + 1)),
        };
        self.store.change_decision(&change, &audit).await?;
        self.decision_view(&access, &d, today)
    }

    /// A request for reconsideration re-opens a negative decision.
    pub async fn request_reconsideration(
        &self,
        who: &Principal,
        case: Uuid,
        input: ReconsiderationInput,
    ) -> Result<DecisionView, AppError> {
        let reason = input.reason.trim();
        if reason.chars().count() < 10 {
            return Err(AppError::bad_request(
                "reasons_required",
                "state the grounds for reconsideration (at least 10 characters)",
            ));
        }
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let access =
            access::authorize(&who.actor, Action::EditCase, &facts).map_err(edit_denied)?;
        let decisions = self.store.decisions_for_case(facts.id).await?;
        if decisions.iter().any(|d| d.decided_at.is_none()) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "decision_open",
                "a decision is already open on this case",
            ));
        }
        let Some(last) = decisions
            .iter()
            .rev()
            .find(|d| d.outcome.as_deref().is_some_and(is_negative))
        else {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "nothing_to_reconsider",
                "there is no negative decision to reconsider",
            ));
        };
        let today = self.clock.today();
        let now = self.now_ms();
        let prof = profile(&last.profile_id).unwrap_or_else(default_profile);
        let reopened_id = Uuid::new_v4().to_string();
        let reopened = DecisionRow {
            id: reopened_id.clone(),
            case_id: facts.id,
            stage: last.stage.clone(),
            profile_id: prof.id.clone(),
            opened_at: now,
            opened_on: iso(today),
            due_on: iso(reasonable_grounds_due(today, prof)),
            decided_at: None,
            decided_by: None,
            outcome: None,
            deciding_org_type: None,
            letter_addressee: None,
            // The grounds for reconsideration, until the decision's own reasons replace them.
            reasons: Some(
                self.keys
                    .seal(
                        safepath_crypto::FieldRef {
                            table: "decisions",
                            column: "reasons",
                            record_id: &reopened_id,
                        },
                        reason.as_bytes(),
                    )
                    .map_err(|e| AppError::internal(&e.to_string()))?,
            ),
            reflection_ends_on: None,
            reconsideration_of: Some(last.id.clone()),
        };
        let stored = reopened;
        let audit = AuditDraft::new(now, who.id().to_string(), "decision.reconsideration")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("reopens {}", last.id));
        self.store.insert_decision(&stored, &audit).await?;
        self.decision_view(&access, &stored, today)
    }

    /// Open decisions the user may see; with `overdue_only`, those past due.
    pub async fn open_decisions(
        &self,
        who: &Principal,
        overdue_only: bool,
    ) -> Result<Vec<OpenDecisionView>, AppError> {
        let today = self.clock.today();
        let before = iso(today);
        let rows = self
            .store
            .open_decisions(
                access::visibility(&who.actor),
                overdue_only.then_some(before.as_str()),
            )
            .await?;
        Ok(rows
            .into_iter()
            .map(|o| {
                let due = parse_iso(&o.decision.due_on);
                let days = due.map_or(0, |d| (today - d).whole_days());
                OpenDecisionView {
                    id: o.decision.id,
                    case_id: o.decision.case_id.0,
                    reference: o.reference,
                    stage: o.decision.stage,
                    due_on: o.decision.due_on,
                    overdue: days > 0,
                    days_overdue: days.max(0),
                }
            })
            .collect())
    }

    /// Names an organisation's referral focal point (an active user of it).
    pub async fn set_focal_point(
        &self,
        by: crate::admin::Operator<'_>,
        org: OrgId,
        user: UserId,
    ) -> Result<(), AppError> {
        let u = self
            .store
            .user(user)
            .await?
            .ok_or_else(|| AppError::bad_request("invalid_user", "no such user"))?;
        if u.org_id != org || u.disabled {
            return Err(AppError::bad_request(
                "invalid_user",
                "the focal point must be an active user of that organisation",
            ));
        }
        let actor = match &by {
            crate::admin::Operator::User(p) => p.id().to_string(),
            crate::admin::Operator::Cli(c) => format!("cli:{c}"),
        };
        self.store
            .set_focal_point(
                org,
                user,
                &AuditDraft::new(self.now_ms(), actor, "org.focal_point")
                    .record("org", org)
                    .org(org),
            )
            .await?;
        Ok(())
    }

    /// Opens a reasonable-grounds decision on an existing case (e.g. when a
    /// case manager refers a person without a screening). `opened_on` lets the
    /// demo seed older, overdue decisions.
    pub async fn open_reasonable_grounds(
        &self,
        who: &Principal,
        case: Uuid,
        opened_on: Date,
    ) -> Result<DecisionView, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let access =
            access::authorize(&who.actor, Action::EditCase, &facts).map_err(edit_denied)?;
        let org = self
            .store
            .org(facts.org)
            .await?
            .ok_or_else(|| AppError::internal("no org"))?;
        let prof = profile_for_country(&org.country);
        let d = open_decision(
            Uuid::new_v4().to_string(),
            facts.id,
            RG,
            prof.id.clone(),
            self.now_ms(),
            iso(opened_on),
            iso(reasonable_grounds_due(opened_on, prof)),
        );
        self.store
            .insert_decision(
                &d,
                &AuditDraft::new(self.now_ms(), who.id().to_string(), "decision.open")
                    .record("case", facts.id)
                    .org(facts.org),
            )
            .await?;
        self.decision_view(&access, &d, self.clock.today())
    }

    /// A notification to attach to the change that causes it
    /// ([`AuditDraft::notify`]): written in the change's own transaction.
    pub(crate) fn notice(
        &self,
        user: UserId,
        kind: &str,
        case: Option<CaseId>,
        message: String,
    ) -> safepath_store::NotificationRow {
        safepath_store::NotificationRow {
            id: Uuid::new_v4().to_string(),
            user_id: user,
            kind: kind.into(),
            case_id: case,
            message,
            created_at: self.now_ms(),
            read_at: None,
            subject_type: None,
            subject_id: None,
            params: None,
        }
    }
}

/// A notification's words' parameters as a JSON object (codes, references,
/// organisation names: never personal data).
pub(crate) fn notice_params(pairs: &[(&str, &str)]) -> String {
    serde_json::Value::Object(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String((*v).to_owned())))
            .collect(),
    )
    .to_string()
}

/// What a screener is told after referring to another agency: that the case
/// exists there (reference, status, agency), and nothing of the person.
fn referral_receipt(c: &safepath_store::CaseRow) -> Result<crate::views::CaseView, AppError> {
    Ok(crate::views::CaseView {
        id: c.id.0,
        reference: c.reference.clone(),
        status: CaseStatus::parse(&c.status)?,
        org_id: c.org_id.0,
        case_manager_id: None,
        associated_user_ids: Vec::new(),
        exploitation_forms: Vec::new(),
        notes: None,
        person: Person {
            display_name: "(not shared)".into(),
            names: Vec::new(),
            sex: safepath_domain::person::Sex::Unknown,
            gender_identity: safepath_domain::person::GenderIdentity::NotDisclosed,
            birth_date: None,
            nationalities: Vec::new(),
            languages: Vec::new(),
            contact: Default::default(),
            place_of_origin: Default::default(),
        },
        created_at: crate::clock::rfc3339(c.created_at),
        updated_at: crate::clock::rfc3339(c.updated_at),
        version: c.version,
        shared_categories: Some(Vec::new()),
    })
}

/// An edit refused: 403 when the user may see the case, else as if it did
/// not exist.
fn edit_denied(d: Decision) -> AppError {
    if d == Decision::Forbidden {
        AppError::forbidden("you may not change this case")
    } else {
        AppError::case_not_found()
    }
}

/// The case's first note: what the screening knew of the interview, in
/// words (no answers: those stay in the screening). `first_language`: the
/// interview was in the first of the person's languages.
fn interview_note(row: &ScreeningRow, s: &ScreeningSubmission, first_language: bool) -> String {
    // The day in words; the language is recorded on the person (pages show
    // it by name), so no code is written here.
    let day = time::OffsetDateTime::from_unix_timestamp(row.created_at.div_euclid(1000))
        .map(|t| crate::clock::long_day(t.date()))
        .unwrap_or_default();
    let mut out = format!(
        "Referred from a screening on {day}: interview in {}, {}",
        if s.language.trim().is_empty() {
            "an unrecorded language"
        } else if first_language {
            "the person's language"
        } else {
            "one of the person's languages"
        },
        if s.interpreter {
            "with an interpreter"
        } else {
            "no interpreter"
        },
    );
    out.push_str(match s.place_kind {
        PlaceKind::PointOfEntry => "; at a point of entry",
        PlaceKind::Vessel => "; on a vessel",
        PlaceKind::Worksite => "; at a worksite",
        PlaceKind::Other => "; elsewhere",
    });
    if let Some(age) = s
        .document
        .get("age_years")
        .and_then(serde_json::Value::as_u64)
    {
        out.push_str(&format!("; age given: {age}"));
    }
    if s.document
        .get("likely_child")
        .and_then(serde_json::Value::as_bool)
        == Some(true)
    {
        out.push_str("; reasons to believe the person is a child");
    }
    out.push('.');
    out
}

/// The screening a case was referred from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseScreening {
    pub id: String,
    pub screened_at: String,
    /// The screening's result code.
    pub outcome: String,
}
