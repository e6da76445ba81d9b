//! Returns (issue 12): the person's voluntary, informed decision to return
//! and the return plan, recorded only through the return gate; and a removal
//! by other authorities, recorded apart as an event and never counted as a
//! repatriation (capability 5 of the product brief).
//!
//! A repatriation names the receiving partner: the person's
//! `cross_border_handover` consent must name its organisation (403), and the
//! gate must pass on the latest *structured* security assessment (409 with
//! the gate's codes) — the plan rests on what that assessment found. An
//! agreement between the two countries fills the escort and who pays travel
//! where the plan leaves them out. Recording it moves a case in
//! `solution_planning` to `repatriation_in_progress` in the same transaction
//! (the lifecycle's own transition, on the timeline); the handover's
//! travel-ready notice waits for it.
//!
//! Both kinds are `case_records` of kind [`RETURN_KIND`], sealed; the
//! plaintext subject says only which kind it is.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use safepath_domain::access::CaseAccess;
use safepath_domain::case::CaseStatus;
use safepath_domain::casework::consent::DataCategory;
use safepath_domain::ids::CaseId;
use safepath_domain::solutions::agreements::{Agreement, ResponsibleParty};
use safepath_domain::solutions::ids::AgreementId;
use safepath_domain::solutions::repatriation::{
    CostLine, Escort, ForcedRemoval, REPATRIATION, Repatriation, ReturnCounts, ReturnEvent,
    ReturnPlan, VoluntaryDecision, return_gate,
};
use safepath_store::{AuditDraft, CaseRecordRow};

use crate::casework::StatusChange;
use crate::clock::rfc3339;
use crate::handover_cases::gate_refusal;
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// The `case_records` kind of a return event.
pub const RETURN_KIND: &str = "return_event";

/// Refusal codes of this module (stable, part of the API contract).
pub mod codes {
    /// A return is planned once the case is in solution planning (409).
    pub const RETURN_NOT_PLANNED_NOW: &str = "return_not_planned_now";
    /// The agreement named is not in the registry (400).
    pub const UNKNOWN_AGREEMENT: &str = "unknown_agreement";
    /// The handover's travel-ready notice needs the person's recorded
    /// decision to return to that partner and the return plan (409).
    pub const RETURN_PLAN_REQUIRED: &str = "return_plan_required";
}

/// One item of the return's costs and who pays it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnCost {
    /// What is paid for (e.g. "travel", "escort's travel", "documents").
    pub item: String,
    pub payer: ResponsibleParty,
}

/// `POST /api/v1/cases/{id}/repatriation`: the person's decision to return
/// and the return plan.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRepatriation {
    /// The receiving partner deployment's fingerprint (hex): the person's
    /// `cross_border_handover` consent must name its organisation.
    pub partner: String,
    /// `YYYY-MM-DD`, not after today; today when left out.
    #[serde(default)]
    pub decided_on: Option<String>,
    /// The language the decision was explained and taken in (a BCP 47 tag
    /// such as `km` or `my`).
    pub language: String,
    /// An interpreter was present.
    pub interpreter: bool,
    /// The agreement between the two countries the plan rests on: it fills
    /// the escort and who pays travel where they are left out.
    #[serde(default)]
    pub agreement: Option<Uuid>,
    /// Travel documents needed, by kind (never their numbers).
    #[serde(default)]
    pub documents: Vec<String>,
    /// `YYYY-MM-DD`, not before the decision.
    #[serde(default)]
    pub travel_date: Option<String>,
    #[serde(default)]
    pub route: Option<String>,
    /// Who escorts the journey; from the agreement when left out.
    #[serde(default)]
    pub escort: Option<Escort>,
    /// The costs and who pays each; from the agreement when left out.
    #[serde(default)]
    pub costs: Vec<ReturnCost>,
    /// How the person can be reached after return — for support, for
    /// testimony, for compensation paid after the verdict: a phone, an
    /// address, or through whom (at most 500 characters; sealed with the
    /// record, shown only to those who may read the case).
    #[serde(default)]
    pub reach_after_return: Option<String>,
}

/// The longest `reach_after_return` taken.
pub const REACH_MAX_CHARS: usize = 500;

/// `reach_after_return` as kept: trimmed, empty as none; refused when too
/// long or holding control characters.
fn reach_of(input: &NewRepatriation) -> Result<Option<String>, AppError> {
    let Some(text) = input
        .reach_after_return
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    else {
        return Ok(None);
    };
    if text.chars().count() > REACH_MAX_CHARS {
        return Err(AppError::bad_request(
            "invalid_field",
            format!("reach_after_return: at most {REACH_MAX_CHARS} characters"),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::bad_request(
            "invalid_field",
            "reach_after_return: plain text only",
        ));
    }
    Ok(Some(text.to_owned()))
}

/// `POST /api/v1/cases/{id}/forced-removals`: a removal by other
/// authorities, recorded as an event (never a repatriation).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewForcedRemoval {
    /// `YYYY-MM-DD`, not after today.
    pub removed_on: String,
    /// The authority that removed the person (e.g. "immigration police").
    pub authority: String,
}

/// A return plan as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnPlanView {
    pub documents: Vec<String>,
    /// `YYYY-MM-DD`.
    pub travel_date: Option<String>,
    pub route: Option<String>,
    pub escort: Escort,
    pub costs: Vec<ReturnCost>,
    /// The title of the agreement the plan rests on.
    pub agreement: Option<String>,
}

/// A recorded return event.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnView {
    pub id: String,
    /// `repatriation` or `forced_removal`.
    pub kind: String,
    /// Repatriation: the receiving partner's name.
    pub partner: Option<String>,
    /// Repatriation: the decision's date, `YYYY-MM-DD`.
    pub decided_on: Option<String>,
    /// Repatriation: the language of the decision.
    pub language: Option<String>,
    /// Repatriation: an interpreter was present.
    pub interpreter: Option<bool>,
    /// Repatriation: the return plan.
    pub plan: Option<ReturnPlanView>,
    /// Forced removal: the date, `YYYY-MM-DD`.
    pub removed_on: Option<String>,
    /// Forced removal: the authority.
    pub authority: Option<String>,
    /// Repatriation: how the person can be reached after return.
    pub reach_after_return: Option<String>,
    pub recorded_at: String,
}

/// What is sealed in a return record.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct ReturnRecord {
    event: ReturnEvent,
    /// The receiving partner's fingerprint (a repatriation).
    partner: Option<String>,
    by: String,
    /// How the person can be reached after return (a repatriation).
    #[serde(default)]
    reach: Option<String>,
}

use crate::clock::iso_day as iso;

fn domain(e: safepath_domain::DomainError) -> AppError {
    AppError::bad_request(e.code, e.message)
}

/// The plan as asked for, completed from the agreement where left out.
fn plan_from(
    input: &NewRepatriation,
    agreement: Option<&Agreement>,
) -> Result<ReturnPlan, AppError> {
    let prefill = agreement.map(ReturnPlan::prefill);
    let escort = match (input.escort, &prefill) {
        (Some(e), _) => e,
        (None, Some(p)) => p.escort,
        (None, None) => {
            return Err(AppError::bad_request(
                "missing_field",
                "escort: say who escorts the journey, or name the agreement that does",
            ));
        }
    };
    let costs = if input.costs.is_empty() {
        prefill
            .as_ref()
            .map(|p| p.costs.clone())
            .unwrap_or_default()
    } else {
        input
            .costs
            .iter()
            .map(|c| CostLine {
                item: c.item.clone(),
                payer: c.payer,
            })
            .collect()
    };
    Ok(ReturnPlan {
        documents: input
            .documents
            .iter()
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty())
            .collect(),
        travel_date: input
            .travel_date
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| crate::clock::parse_day("travel_date", s))
            .transpose()?,
        route: input.route.clone(),
        escort,
        costs,
        agreement: agreement.map(|a| a.id),
    })
}

impl App {
    /// Records the person's decision to return to `partner` and the return
    /// plan, through the return gate; a case in solution planning moves to
    /// `repatriation_in_progress` in the same transaction.
    pub async fn record_repatriation(
        &self,
        who: &Principal,
        case: Uuid,
        input: NewRepatriation,
    ) -> Result<ReturnView, AppError> {
        let (facts, cap) = self
            .case_for_handover(who, case, "record a return on this case")
            .await?;
        let today = self.clock.today();
        // Everything the input alone decides, before anything is read.
        let decided_on = match input.decided_on.as_deref().filter(|s| !s.trim().is_empty()) {
            Some(s) => crate::clock::parse_day("decided_on", s)?,
            None => today,
        };
        let agreement = match input.agreement {
            Some(id) => Some(self.agreement(AgreementId(id)).await?.ok_or_else(|| {
                AppError::bad_request(
                    codes::UNKNOWN_AGREEMENT,
                    "agreement: no agreement in the registry has this id",
                )
            })?),
            None => None,
        };
        let plan = plan_from(&input, agreement.as_ref())?;
        let reach = reach_of(&input)?;
        if plan.travel_date.is_some_and(|t| t < decided_on) {
            return Err(AppError::bad_request(
                "invalid_field",
                "travel_date: not before the person's decision",
            ));
        }
        let (fp, partner) = self.registered_partner(&input.partner).await?;
        // The consent, then the case as the gate reads it (one audited read).
        let consent = self
            .return_consent(
                who,
                &facts,
                partner.org_id,
                &std::collections::BTreeSet::<DataCategory>::new(),
            )
            .await?;
        let gate = self
            .gate_inputs(who, &facts, &cap, "for a return decision")
            .await?;
        // The lifecycle: a return is planned in solution planning.
        let from = CaseStatus::parse(&gate.case.status)?;
        if !matches!(
            from,
            CaseStatus::SolutionPlanning | CaseStatus::RepatriationInProgress
        ) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                codes::RETURN_NOT_PLANNED_NOW,
                "a return is planned once the case is in solution planning",
            ));
        }
        let mut row = gate.case.clone();
        let clearance = return_gate(&gate.facts(consent)).map_err(gate_refusal)?;
        let repatriation = Repatriation::record(
            clearance,
            VoluntaryDecision {
                decided_on,
                language: input.language.clone(),
                interpreter: input.interpreter,
            },
            plan,
            today,
        )
        .map_err(domain)?;
        let now = self.now_ms();
        let id = Uuid::new_v4().to_string();
        let record = ReturnRecord {
            event: ReturnEvent::Repatriation(repatriation),
            partner: Some(fp.clone()),
            by: who.id().to_string(),
            reach,
        };
        let mut rows = vec![self.return_row(&id, facts.id, &record, now)?];
        let audit = AuditDraft::new(now, who.id().to_string(), "repatriation.record")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("record={id} partner={}", &fp[..16]));
        if from == CaseStatus::SolutionPlanning {
            let records = self.store.case_records(facts.id, None).await?;
            let change = StatusChange {
                to: CaseStatus::RepatriationInProgress,
                reason: None,
                version: Some(row.version),
            };
            let (t, transition_rows) = self
                .check_patch_status(who, &cap, &facts, from, &change, &gate.person, &records)
                .await?;
            rows.extend(transition_rows);
            row.status = t.to.as_str().to_owned();
            row.version += 1;
            row.updated_at = now;
            let audit = audit.detail(format!(
                "record={id} partner={} {}->{}",
                &fp[..16],
                t.from.as_str(),
                t.to.as_str()
            ));
            self.store
                .update_case_with_records(&row, None, &rows, &audit)
                .await?;
        } else {
            self.store.write_case_records(&rows, &audit).await?;
        }
        let stored = rows.swap_remove(0);
        self.return_view(&cap, &stored).await
    }

    /// Records a removal of the person by other authorities: an event on
    /// the case, counted apart, never a repatriation.
    pub async fn record_forced_removal(
        &self,
        who: &Principal,
        case: Uuid,
        input: NewForcedRemoval,
    ) -> Result<ReturnView, AppError> {
        let (facts, cap) = self
            .case_for_handover(who, case, "record a removal on this case")
            .await?;
        let removal = ForcedRemoval::record(
            crate::clock::parse_day("removed_on", &input.removed_on)?,
            &input.authority,
            self.clock.today(),
        )
        .map_err(domain)?;
        let now = self.now_ms();
        let id = Uuid::new_v4().to_string();
        let record = ReturnRecord {
            event: ReturnEvent::ForcedRemoval(removal),
            partner: None,
            by: who.id().to_string(),
            reach: None,
        };
        let row = self.return_row(&id, facts.id, &record, now)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "forced_removal.record")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("record={id}"));
        self.store
            .write_case_records(std::slice::from_ref(&row), &audit)
            .await?;
        self.return_view(&cap, &row).await
    }

    /// The case's return events, oldest first (an audited read), and how
    /// many of each kind.
    pub async fn case_returns(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<(Vec<ReturnView>, ReturnCounts), AppError> {
        let (facts, cap) = self.readable_case(who, case).await?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "return.read")
            .record("case", facts.id)
            .org(facts.org);
        let rows = self
            .store
            .read_justice_records(facts.id, &[RETURN_KIND], &audit)
            .await?;
        let mut views = Vec::with_capacity(rows.len());
        let mut events = Vec::with_capacity(rows.len());
        for r in &rows {
            events.push(self.open_return(&cap, r)?.event);
            views.push(self.return_view(&cap, r).await?);
        }
        Ok((views, ReturnCounts::of(&events)))
    }

    /// Whether the person's decision to return to `partner` is recorded
    /// (the handover's travel-ready notice waits for it). Read from the
    /// records' plain columns: the kind and the partner deployment's
    /// fingerprint (not personal data); nothing is opened.
    pub(crate) async fn repatriation_recorded(
        &self,
        case: CaseId,
        partner: &str,
    ) -> Result<bool, AppError> {
        Ok(self
            .store
            .case_records(case, Some(RETURN_KIND))
            .await?
            .iter()
            .any(|r| {
                r.subject.as_deref() == Some(REPATRIATION) && r.ref_id.as_deref() == Some(partner)
            }))
    }

    fn return_row(
        &self,
        id: &str,
        case: CaseId,
        record: &ReturnRecord,
        now: i64,
    ) -> Result<CaseRecordRow, AppError> {
        let subject = record.event.kind_str();
        Ok(CaseRecordRow {
            id: id.to_owned(),
            case_id: case,
            kind: RETURN_KIND.into(),
            state: "done".into(),
            subject: Some(subject.into()),
            owner_id: None,
            // The receiving partner deployment's fingerprint, in clear: the
            // travel-ready check reads it without opening the record.
            ref_id: record.partner.clone(),
            due_on: None,
            record: self.seal_json("case_records", "record", id, record)?,
            version: 1,
            created_at: now,
            updated_at: now,
        })
    }

    fn open_return(&self, cap: &CaseAccess, row: &CaseRecordRow) -> Result<ReturnRecord, AppError> {
        let grant = Grant::case(cap, row.case_id)?;
        self.open_json(&grant, "case_records", "record", &row.id, &row.record)
    }

    async fn return_view(
        &self,
        cap: &CaseAccess,
        row: &CaseRecordRow,
    ) -> Result<ReturnView, AppError> {
        let rec = self.open_return(cap, row)?;
        let mut v = ReturnView {
            id: row.id.clone(),
            kind: String::new(),
            partner: None,
            decided_on: None,
            language: None,
            interpreter: None,
            plan: None,
            removed_on: None,
            authority: None,
            reach_after_return: rec.reach.clone(),
            recorded_at: rfc3339(row.created_at),
        };
        match &rec.event {
            ReturnEvent::Repatriation(r) => {
                v.kind = "repatriation".into();
                if let Some(fp) = &rec.partner {
                    v.partner = Some(match self.store.handover_partner(fp).await? {
                        Some(p) => p.name,
                        None => fp.chars().take(16).collect(),
                    });
                }
                let d = r.decision();
                v.decided_on = Some(iso(d.decided_on));
                v.language = Some(d.language.clone());
                v.interpreter = Some(d.interpreter);
                let p = r.plan();
                let agreement = match p.agreement {
                    Some(id) => self.agreement(id).await?.map(|a| a.title),
                    None => None,
                };
                v.plan = Some(ReturnPlanView {
                    documents: p.documents.clone(),
                    travel_date: p.travel_date.map(iso),
                    route: p.route.clone(),
                    escort: p.escort,
                    costs: p
                        .costs
                        .iter()
                        .map(|c| ReturnCost {
                            item: c.item.clone(),
                            payer: c.payer,
                        })
                        .collect(),
                    agreement,
                });
            }
            ReturnEvent::ForcedRemoval(f) => {
                v.kind = "forced_removal".into();
                v.removed_on = Some(iso(f.removed_on));
                v.authority = Some(f.authority.clone());
            }
        }
        Ok(v)
    }
}
