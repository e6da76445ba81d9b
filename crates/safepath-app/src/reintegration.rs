//! The reintegration assessment (issue 12): the checklist's six provisions
//! — acceptance by family and community; employment and livelihood; the
//! option to stay, to leave for a third country or to return; the option to
//! bring family; long-term residence; information on the services where the
//! person will live — each assessed *with* the person (their own view
//! recorded beside the worker's finding). It chooses the durable solution,
//! and the lifecycle follows it: `reintegration_in_progress` only from an
//! assessment choosing local integration or resettlement, a return refused
//! while the latest chose either (`lifecycle::transition`). The rules are
//! the domain's (`solutions::assessment::ReintegrationAssessment::check`);
//! here they are recorded sealed (a `case_records` row of kind
//! `reintegration_assessment`; the plain subject is only the solution
//! chosen) and read back under the case's audit.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use safepath_domain::access::CaseAccess;
use safepath_domain::solutions::assessment::{
    DurableSolution, ProvisionAssessment, ProvisionFinding, ReintegrationAssessment,
    ReintegrationInput, ReintegrationProvision,
};
use safepath_store::CaseRecordRow;

use crate::clock::{iso_day as iso, rfc3339};
use crate::sealing::Grant;
use crate::{App, AppError, Principal};

/// The `case_records` kind of a reintegration assessment.
pub const REINTEGRATION_KIND: &str = "reintegration_assessment";

/// One provision as entered.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvision {
    /// `family_community_acceptance`, `employment_livelihood`,
    /// `option_to_stay_leave_or_return`, `option_to_bring_family`,
    /// `long_term_residence` or `services_information`.
    pub provision: String,
    /// `favourable`, `uncertain`, `unfavourable` or `not_applicable`.
    pub finding: String,
    /// The person's own view, in their words (required).
    pub person_view: String,
    #[serde(default)]
    pub notes: Option<String>,
}

/// `POST /api/v1/cases/{id}/reintegration-assessments`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReintegrationAssessment {
    /// Every provision exactly once.
    pub provisions: Vec<NewProvision>,
    /// What the person wants: `local_integration`, `return` or `resettlement`.
    pub preferred_by_person: String,
    /// What the assessment chooses (a return only when the person prefers it).
    pub chosen: String,
    /// Why, when the choice is not the person's preference.
    #[serde(default)]
    pub reason: Option<String>,
    /// `YYYY-MM-DD`, not after today; today when left out.
    #[serde(default)]
    pub assessed_on: Option<String>,
}

/// One provision as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvisionView {
    pub provision: String,
    pub finding: String,
    pub person_view: String,
    pub notes: Option<String>,
}

/// A recorded reintegration assessment.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReintegrationAssessmentView {
    pub id: String,
    /// In the checklist's order.
    pub provisions: Vec<ProvisionView>,
    pub preferred_by_person: String,
    pub chosen: String,
    pub reason: Option<String>,
    /// `YYYY-MM-DD`.
    pub assessed_on: String,
    pub recorded_at: String,
}

/// What is sealed in the record.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReintegrationRecord {
    assessment: ReintegrationAssessment,
    by: String,
}

fn input_of(
    input: NewReintegrationAssessment,
    today: time::Date,
) -> Result<ReintegrationInput, AppError> {
    let provisions = input
        .provisions
        .into_iter()
        .map(|p| {
            Ok(ProvisionAssessment {
                provision: ReintegrationProvision::parse(p.provision.trim())?,
                finding: ProvisionFinding::parse(p.finding.trim())?,
                person_view: p.person_view,
                notes: p.notes.filter(|n| !n.trim().is_empty()),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(ReintegrationInput {
        provisions,
        preferred_by_person: DurableSolution::parse(input.preferred_by_person.trim())?,
        chosen: DurableSolution::parse(input.chosen.trim())?,
        reason: input.reason.filter(|r| !r.trim().is_empty()),
        assessed_on: match input.assessed_on.as_deref().map(str::trim) {
            Some(s) if !s.is_empty() => crate::clock::parse_day("assessed_on", s)?,
            _ => today,
        },
    })
}

impl App {
    /// Records a reintegration assessment on the case (sealed): whoever may
    /// edit the case; the domain's checks, each refusal with its code (400)
    /// and nothing recorded.
    pub async fn record_reintegration_assessment(
        &self,
        who: &Principal,
        case: Uuid,
        input: NewReintegrationAssessment,
    ) -> Result<ReintegrationAssessmentView, AppError> {
        let (facts, cap) = self
            .case_for_handover(who, case, "record reintegration assessments on this case")
            .await?;
        let today = self.clock.today();
        let assessment = ReintegrationAssessment::check(input_of(input, today)?, today)
            .map_err(|e| AppError::bad_request(e.code, e.message))?;
        let record = ReintegrationRecord {
            assessment,
            by: who.id().to_string(),
        };
        let subject = record.assessment.chosen.as_str().to_owned();
        // It feeds the care plan: what is uncertain or unfavourable becomes
        // an open need (written with it).
        let needs = self
            .needs_fed(facts.id, record.assessment.care_plan_needs())
            .await?;
        let row = self
            .write_assessment_record(
                who,
                &facts,
                REINTEGRATION_KIND,
                subject,
                &record,
                "reintegration_assessment.create",
                needs,
            )
            .await?;
        self.reintegration_view(&cap, &row)
    }

    /// The case's reintegration assessments, oldest first (an audited read).
    pub async fn reintegration_assessments(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<Vec<ReintegrationAssessmentView>, AppError> {
        let (cap, rows) = self
            .read_assessment_records(
                who,
                case,
                REINTEGRATION_KIND,
                "reintegration_assessment.read",
            )
            .await?;
        rows.iter()
            .map(|r| self.reintegration_view(&cap, r))
            .collect()
    }

    fn reintegration_view(
        &self,
        cap: &CaseAccess,
        row: &CaseRecordRow,
    ) -> Result<ReintegrationAssessmentView, AppError> {
        let grant = Grant::case(cap, row.case_id)?;
        let r: ReintegrationRecord =
            self.open_json(&grant, "case_records", "record", &row.id, &row.record)?;
        let a = r.assessment;
        Ok(ReintegrationAssessmentView {
            id: row.id.clone(),
            provisions: a
                .provisions
                .into_iter()
                .map(|p| ProvisionView {
                    provision: p.provision.as_str().into(),
                    finding: p.finding.as_str().into(),
                    person_view: p.person_view,
                    notes: p.notes,
                })
                .collect(),
            preferred_by_person: a.preferred_by_person.as_str().into(),
            chosen: a.chosen.as_str().into(),
            reason: a.reason,
            assessed_on: iso(a.assessed_on),
            recorded_at: rfc3339(row.created_at),
        })
    }

    /// The solution the latest reintegration assessment among `records`
    /// chose (by the date assessed, then by when it was recorded): what the
    /// lifecycle's solution statuses follow.
    pub(crate) fn latest_solution(
        &self,
        cap: &CaseAccess,
        records: &[CaseRecordRow],
    ) -> Result<Option<DurableSolution>, AppError> {
        self.latest_record(
            cap,
            records,
            REINTEGRATION_KIND,
            |r: &ReintegrationRecord| r.assessment.assessed_on,
            |r| r.assessment.chosen,
        )
    }
}
