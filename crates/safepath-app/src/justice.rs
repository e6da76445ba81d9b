//! Rights and justice (issue 11): a case's legal status and permits, legal
//! aid, interpretation, information on rights, proceedings with their events
//! and protection measures, non-punishment, compensation claims — and the
//! victim compensation fund's ledger.
//!
//! **Access.** Every use case passes [`App::justice_gate`], the one place of
//! this module that decides who may read or write; it mints the
//! [`CaseAccess`] from the domain policy (`access::authorize`, or
//! `access::authorize_referral_read` for a receiving organisation whose
//! accepted referral shares the `legal` category). The read or write that
//! follows carries its audit entry in the same store call.
//!
//! **Records.** Per-case records live in `case_records` (kinds `justice_*`),
//! the record JSON sealed (permit and file numbers, names, free text); the
//! columns beside it carry only what queues need (the permit's expiry or the
//! event's day in `due_on`, the proceeding in `ref_id`).
//!
//! **The fund** (docs/decisions.md D-J1, D-J2). Coordinators post; case
//! managers request disbursements for the cases they work on, which a
//! coordinator approves; a coordinator's disbursement above the threshold
//! waits for a second coordinator (four eyes). Transaction descriptions are
//! sealed. Balances come from SQL aggregates.

use std::collections::{BTreeMap, BTreeSet};

use safepath_domain::DomainError;
use safepath_domain::access::{self, Action, CaseAccess, Decision};
use safepath_domain::casework::consent::DataCategory;
use safepath_domain::ids::{CaseId, UserId};
use safepath_domain::justice::assistance::{
    self, Interpretation, InterpretationOccasion, LegalAid, LegalAidCost, RepresentativeKind,
    RightsInformation, RightsTopic,
};
use safepath_domain::justice::compensation::{self, Claim, ClaimKind, ClaimPayment, ClaimState};
use safepath_domain::justice::fund::{
    self, AccountId, AccountKind, ApprovalPolicy, Currency, Direction, Posting, TransactionState,
};
use safepath_domain::justice::non_punishment::{
    self, ChargeKind, NonPunishment, NonPunishmentState,
};
use safepath_domain::justice::permits::{
    self, ApplicationState, ExpiryAlert, ExpiryAlertSettings, NewPermit, Permit, PermitConditions,
    PermitKind, ReturnBlock,
};
use safepath_domain::justice::proceedings::{
    self, Attendance, Cooperation, EventKind, FatigueSettings, FatigueWarning, MeasureKind,
    MeasureState, PersonRole, Proceeding, ProceedingEvent, ProceedingKind, ProceedingState,
    ProtectionMeasure, TestimonyRelevance, ThreatLevel,
};
use safepath_domain::justice::{codes, entitlements};
use safepath_domain::org::Role;
use safepath_store::{
    AuditDraft, CaseRecordRow, FundAccountRow, FundDecision, FundPostingRow, FundTransactionRow,
};
use serde::{Deserialize, Serialize};
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

mod oversight;
pub use oversight::*;

/// Kinds of case records kept by this module.
pub mod kinds {
    pub const PERMIT: &str = "justice_permit";
    pub const LEGAL_AID: &str = "justice_legal_aid";
    pub const INTERPRETATION: &str = "justice_interpretation";
    pub const RIGHTS: &str = "justice_rights";
    pub const PROCEEDING: &str = "justice_proceeding";
    pub const EVENT: &str = "justice_event";
    pub const MEASURE: &str = "justice_measure";
    pub const NON_PUNISHMENT: &str = "justice_non_punishment";
    pub const CLAIM: &str = "justice_claim";
    pub const ALL: &[&str] = &[
        PERMIT,
        LEGAL_AID,
        INTERPRETATION,
        RIGHTS,
        PROCEEDING,
        EVENT,
        MEASURE,
        NON_PUNISHMENT,
        CLAIM,
    ];
}

const TABLE: &str = "case_records";
const COLUMN: &str = "record";

fn iso(d: Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

fn day(field: &'static str, s: &str) -> Result<Date, AppError> {
    Ok(safepath_domain::person::parse_iso_date(field, s.trim())?)
}

fn opt_day(field: &'static str, s: Option<&str>) -> Result<Option<Date>, AppError> {
    match s.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => day(field, s).map(Some),
    }
}

/// A fund or justice refusal as the API answers it.
fn refusal(e: DomainError) -> AppError {
    let kind = match e.code {
        codes::OWN_REQUEST => ErrorKind::Forbidden,
        codes::NOT_AWAITING_APPROVAL | codes::NOT_REVERSIBLE | codes::CLAIM_CLOSED => {
            ErrorKind::Conflict
        }
        _ => ErrorKind::BadRequest,
    };
    AppError::new(kind, e.code, e.message)
}

/// The sealed record of a justice case record (externally tagged: internal
/// tags buffer the content, which `time`'s optional-date format refuses).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Record {
    Permit(Permit),
    LegalAid(LegalAid),
    Interpretation(Interpretation),
    Rights(RightsInformation),
    Proceeding(Proceeding),
    Event(ProceedingEvent),
    Measure(ProtectionMeasure),
    NonPunishment(NonPunishment),
    Claim(Claim),
}

// ------------------------------------------------------------------ inputs

/// A permit (or an application) to record. `issued_on` is the day of issue,
/// or of application while it is not decided.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPermitRequest {
    pub kind: PermitKind,
    /// `YYYY-MM-DD`.
    pub issued_on: String,
    /// `YYYY-MM-DD`; none for an open-ended permit or a pending application.
    #[serde(default)]
    pub expires_on: Option<String>,
    /// Default `granted`.
    #[serde(default)]
    pub application: Option<ApplicationState>,
    #[serde(default)]
    pub authority: Option<String>,
    /// Sealed at rest.
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub work_allowed: bool,
    #[serde(default)]
    pub free_movement: bool,
    #[serde(default)]
    pub area: Option<String>,
    /// The id of the permit this one renews.
    #[serde(default)]
    pub renews: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewLegalAidRequest {
    pub representative: RepresentativeKind,
    pub name: String,
    #[serde(default)]
    pub service_id: Option<String>,
    pub from: String,
    #[serde(default)]
    pub to: Option<String>,
    pub cost: LegalAidCost,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInterpretationRequest {
    pub occasion: InterpretationOccasion,
    pub on: String,
    pub interpreter_provided: bool,
    #[serde(default)]
    pub language: Option<String>,
    #[serde(default)]
    pub provided_by: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRightsInformationRequest {
    pub topics: Vec<RightsTopic>,
    pub language: String,
    pub given_on: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProceedingRequest {
    pub kind: ProceedingKind,
    pub authority: String,
    /// Sealed at rest.
    #[serde(default)]
    pub file_number: Option<String>,
    pub role: PersonRole,
    #[serde(default)]
    pub state: Option<ProceedingState>,
    pub opened_on: String,
    #[serde(default)]
    pub agencies: Vec<String>,
    /// Recorded only: no assistance depends on it.
    #[serde(default)]
    pub cooperation: Option<Cooperation>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewEventRequest {
    pub kind: EventKind,
    pub on: String,
    #[serde(default)]
    pub place: Option<String>,
    #[serde(default)]
    pub attendance: Option<Attendance>,
    #[serde(default)]
    pub recorded_on_video: bool,
    #[serde(default)]
    pub support_person: bool,
    #[serde(default)]
    pub interpreter_language: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewMeasureRequest {
    pub kind: MeasureKind,
    #[serde(default)]
    pub state: Option<MeasureState>,
    pub requested_on: String,
    /// Witness protection: the threat.
    #[serde(default)]
    pub threat: Option<ThreatLevel>,
    /// Witness protection: the testimony's relevance.
    #[serde(default)]
    pub relevance: Option<TestimonyRelevance>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewNonPunishmentRequest {
    pub charge: ChargeKind,
    #[serde(default)]
    pub arose_from_trafficking: Option<bool>,
    pub state: NonPunishmentState,
    #[serde(default)]
    pub requested_on: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
    #[serde(default)]
    pub from_identification_flag: bool,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewClaimRequest {
    pub kind: ClaimKind,
    pub currency: String,
    pub claimed_minor: i64,
    pub filed_on: String,
}

/// A change to a claim: the award, a payment, or "unrecoverable".
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, tag = "action", rename_all = "snake_case")]
pub enum ClaimChange {
    Award {
        awarded_minor: i64,
    },
    Payment {
        on: String,
        amount_minor: i64,
        #[serde(default)]
        after_return: bool,
    },
    Unrecoverable,
}

// ------------------------------------------------------------------- views

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PermitView {
    pub id: String,
    pub kind: PermitKind,
    pub application: ApplicationState,
    pub issued_on: String,
    pub expires_on: Option<String>,
    pub authority: Option<String>,
    pub number: Option<String>,
    pub work_allowed: bool,
    pub free_movement: bool,
    pub area: Option<String>,
    pub renews: Option<String>,
    /// `expiring` (with days left) or `expired`, when due today.
    #[schema(value_type = Option<Object>)]
    pub alert: Option<ExpiryAlert>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LegalAidView {
    pub id: String,
    pub representative: RepresentativeKind,
    pub name: String,
    pub from: String,
    pub to: Option<String>,
    pub cost: LegalAidCost,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InterpretationView {
    pub id: String,
    pub occasion: InterpretationOccasion,
    pub on: String,
    pub interpreter_provided: bool,
    pub language: Option<String>,
    pub provided_by: Option<String>,
    /// The person's language is not the staff's and no interpreter was there.
    pub flagged: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RightsInformationView {
    pub id: String,
    pub topics: Vec<RightsTopic>,
    pub language: String,
    pub given_on: String,
    pub given_by_name: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub id: String,
    pub proceeding_id: String,
    pub kind: EventKind,
    pub on: String,
    pub place: Option<String>,
    pub attendance: Option<Attendance>,
    pub recorded_on_video: bool,
    pub support_person: bool,
    pub interpreter_language: Option<String>,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeasureView {
    pub id: String,
    pub proceeding_id: String,
    pub kind: MeasureKind,
    pub state: MeasureState,
    pub requested_on: String,
    pub threat: Option<ThreatLevel>,
    pub relevance: Option<TestimonyRelevance>,
    /// The eligibility the assessment suggests (witness protection).
    pub suggested: Option<proceedings::Eligibility>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProceedingView {
    pub id: String,
    pub kind: ProceedingKind,
    pub authority: String,
    pub file_number: Option<String>,
    pub role: PersonRole,
    pub state: ProceedingState,
    pub opened_on: String,
    pub agencies: Vec<String>,
    pub cooperation: Cooperation,
    /// Oldest first.
    pub events: Vec<EventView>,
    pub measures: Vec<MeasureView>,
    /// Victim-fatigue warnings on today.
    #[schema(value_type = Vec<Object>)]
    pub fatigue: Vec<FatigueWarning>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NonPunishmentView {
    pub id: String,
    pub charge: ChargeKind,
    pub arose_from_trafficking: Option<bool>,
    pub state: NonPunishmentState,
    pub requested_on: Option<String>,
    pub outcome: Option<String>,
    pub from_identification_flag: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentView {
    pub on: String,
    pub amount_minor: i64,
    pub after_return: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ClaimView {
    pub id: String,
    pub kind: ClaimKind,
    pub currency: String,
    pub claimed_minor: i64,
    pub awarded_minor: Option<i64>,
    pub paid_minor: i64,
    pub state: ClaimState,
    pub filed_on: String,
    pub payments: Vec<PaymentView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AmountView {
    pub currency: String,
    pub amount_minor: i64,
}

/// Everything this module holds on a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct JusticeView {
    pub permits: Vec<PermitView>,
    pub legal_aid: Vec<LegalAidView>,
    pub interpretation: Vec<InterpretationView>,
    pub rights_information: Vec<RightsInformationView>,
    pub proceedings: Vec<ProceedingView>,
    pub non_punishment: Vec<NonPunishmentView>,
    pub claims: Vec<ClaimView>,
    /// Why no return may be planned now, if so.
    #[schema(value_type = Option<String>)]
    pub return_block: Option<ReturnBlock>,
    /// What the fund paid for this case, per use account and currency
    /// (omitted for a receiving organisation).
    pub fund_paid: Vec<FundCaseLine>,
    /// Seen through a referral (read only).
    pub via_referral: bool,
    /// The screening flagged that the person may have been compelled to
    /// commit offences, and no charge or penalty is recorded yet: the
    /// non-punishment work starts here.
    pub non_punishment_flagged: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FundCaseLine {
    pub account_name: String,
    pub kind: AccountKind,
    pub currency: String,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

// -------------------------------------------------------------- the gate

/// What a justice use case needs to do with the case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    Read,
    Write,
}

/// Who the gate let in, and how.
struct Gate {
    access: CaseAccess,
    facts: access::CaseFacts,
    via_referral: bool,
}

impl App {
    /// The one way into a case's justice data: staff who may read (or edit)
    /// the case by the policy; for reads, also a receiving organisation
    /// whose accepted referral shares `legal` under consent in force today.
    /// Everyone else gets the answer a missing case gets.
    async fn justice_gate(&self, who: &Principal, id: Uuid, need: Need) -> Result<Gate, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(id))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let action = match need {
            Need::Read => Action::ReadCase,
            Need::Write => Action::EditCase,
        };
        match access::authorize(&who.actor, action, &facts) {
            Ok(access) => Ok(Gate {
                access,
                facts,
                via_referral: false,
            }),
            Err(Decision::Forbidden) => Err(AppError::forbidden(
                "your role may not change this case's rights and justice records",
            )),
            Err(_) if need == Need::Read => {
                let shared = self.referral_categories(who, facts.id).await?;
                let access = access::authorize_referral_read(
                    &who.actor,
                    &facts,
                    shared.contains(&DataCategory::Legal),
                )
                .map_err(|_| AppError::case_not_found())?;
                Ok(Gate {
                    access,
                    facts,
                    via_referral: true,
                })
            }
            Err(_) => Err(AppError::case_not_found()),
        }
    }

    /// Whether the user may open the case's rights and justice (for the
    /// link on the case page; no record is read).
    pub async fn may_see_justice(&self, who: &Principal, case: Uuid) -> bool {
        self.justice_gate(who, case, Need::Read).await.is_ok()
    }

    fn audit_for(&self, who: &Principal, gate: &Gate, action: &str) -> AuditDraft {
        let mut a = AuditDraft::new(self.now_ms(), who.id().to_string(), action)
            .record("case", gate.access.case())
            .org(gate.facts.org);
        if gate.via_referral {
            a = a.detail("via referral; categories=legal");
        }
        a
    }

    /// Reads the case's justice records of `kinds`, audited in the same call.
    async fn justice_rows(
        &self,
        who: &Principal,
        gate: &Gate,
        kinds: &[&str],
    ) -> Result<Vec<(CaseRecordRow, Record)>, AppError> {
        let audit = self.audit_for(who, gate, "justice.read");
        let rows = self
            .store
            .read_justice_records(gate.access.case(), kinds, &audit)
            .await?;
        rows.into_iter()
            .map(|r| {
                let grant = Grant::case(&gate.access, r.case_id)?;
                let rec: Record = self.open_json(&grant, TABLE, COLUMN, &r.id, &r.record)?;
                Ok((r, rec))
            })
            .collect()
    }

    /// Why no return may be planned now, from the case's permits among
    /// `records` (read by a change the policy allowed and audited).
    pub(crate) fn return_block_in(
        &self,
        access: &CaseAccess,
        records: &[CaseRecordRow],
    ) -> Result<Option<ReturnBlock>, AppError> {
        let mut held = Vec::new();
        for r in records.iter().filter(|r| r.kind == kinds::PERMIT) {
            let grant = Grant::case(access, r.case_id)?;
            if let Record::Permit(p) = self.open_json(&grant, TABLE, COLUMN, &r.id, &r.record)? {
                held.push(p);
            }
        }
        Ok(permits::return_block(&held, self.clock.today()))
    }

    /// Writes one new justice record (sealed), audited in the same call.
    #[allow(clippy::too_many_arguments)]
    async fn add_justice_record(
        &self,
        who: &Principal,
        gate: &Gate,
        kind: &str,
        state: &str,
        subject: &str,
        due_on: Option<Date>,
        ref_id: Option<String>,
        record: &Record,
    ) -> Result<Created, AppError> {
        let now = self.now_ms();
        let id = Uuid::new_v4().to_string();
        let row = CaseRecordRow {
            id: id.clone(),
            case_id: gate.access.case(),
            kind: kind.to_owned(),
            state: state.to_owned(),
            subject: Some(subject.to_owned()),
            owner_id: None,
            ref_id,
            due_on: due_on.map(iso),
            record: self.seal_json(TABLE, COLUMN, &id, record)?,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let audit = self
            .audit_for(who, gate, "justice.create")
            .detail(format!("kind={kind} id={id}"));
        self.store.write_case_records(&[row], &audit).await?;
        Ok(Created { id })
    }

    // ---------------------------------------------------------- permits

    pub async fn add_permit(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewPermitRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        let permit = permits::check_permit(NewPermit {
            kind: req.kind,
            application: req.application.unwrap_or(ApplicationState::Granted),
            authority: req.authority,
            number: req.number,
            issued_on: day("issued_on", &req.issued_on)?,
            expires_on: opt_day("expires_on", req.expires_on.as_deref())?,
            conditions: PermitConditions {
                work_allowed: req.work_allowed,
                free_movement: req.free_movement,
                area: req.area,
            },
            renews: req.renews.filter(|r| !r.trim().is_empty()),
        })
        .map_err(refusal)?;
        self.add_justice_record(
            who,
            &gate,
            kinds::PERMIT,
            permit.application.as_str(),
            permit.kind.as_str(),
            permit.expires_on,
            permit.renews.clone(),
            &Record::Permit(permit),
        )
        .await
    }

    pub async fn permits(&self, who: &Principal, case: Uuid) -> Result<Vec<PermitView>, AppError> {
        let gate = self.justice_gate(who, case, Need::Read).await?;
        let today = self.clock.today();
        let settings = &self.justice.permit_alerts;
        Ok(self
            .justice_rows(who, &gate, &[kinds::PERMIT])
            .await?
            .into_iter()
            .filter_map(|(row, rec)| match rec {
                Record::Permit(p) => Some(permit_view(&row.id, &p, today, settings)),
                _ => None,
            })
            .collect())
    }

    // ------------------------------------------- legal aid, interpretation

    pub async fn add_legal_aid(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewLegalAidRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        let service_id = req.service_id.filter(|s| !s.trim().is_empty());
        let mut name = req.name;
        if let Some(id) = &service_id {
            // From the directory: it must be one of its legal-aid services;
            // its name stands in when none is typed.
            let service = self
                .directory_service(id)
                .await?
                .filter(|s| s.service_type.as_str() == "legal_aid")
                .ok_or_else(|| {
                    AppError::bad_request(
                        "unknown_service",
                        "service_id: not a legal-aid service of the directory",
                    )
                })?;
            if name.trim().is_empty() {
                name = service.name;
            }
        }
        let aid = assistance::check_legal_aid(LegalAid {
            representative: req.representative,
            name,
            service_id,
            from: day("from", &req.from)?,
            to: opt_day("to", req.to.as_deref())?,
            cost: req.cost,
        })
        .map_err(refusal)?;
        self.add_justice_record(
            who,
            &gate,
            kinds::LEGAL_AID,
            "recorded",
            aid.representative.as_str(),
            aid.to,
            None,
            &Record::LegalAid(aid),
        )
        .await
    }

    pub async fn add_interpretation(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewInterpretationRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        let i = assistance::check_interpretation(Interpretation {
            occasion: req.occasion,
            on: day("on", &req.on)?,
            interpreter_provided: req.interpreter_provided,
            language: req.language,
            provided_by: req.provided_by,
        })
        .map_err(refusal)?;
        let state = if i.interpreter_provided {
            "provided"
        } else {
            "not_provided"
        };
        self.add_justice_record(
            who,
            &gate,
            kinds::INTERPRETATION,
            state,
            i.occasion.as_str(),
            None,
            None,
            &Record::Interpretation(i),
        )
        .await
    }

    pub async fn add_rights_information(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewRightsInformationRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        let r = assistance::check_rights_information(
            RightsInformation {
                topics: req.topics,
                language: req.language,
                given_on: day("given_on", &req.given_on)?,
                given_by: who.id(),
            },
            self.clock.today(),
        )
        .map_err(refusal)?;
        self.add_justice_record(
            who,
            &gate,
            kinds::RIGHTS,
            "given",
            "rights_information",
            None,
            None,
            &Record::Rights(r),
        )
        .await
    }

    // ------------------------------------------------------ proceedings

    pub async fn add_proceeding(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewProceedingRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        let p = proceedings::check_proceeding(Proceeding {
            kind: req.kind,
            authority: req.authority,
            file_number: req.file_number,
            role: req.role,
            state: req.state.unwrap_or(ProceedingState::Investigation),
            opened_on: day("opened_on", &req.opened_on)?,
            agencies: req.agencies,
            cooperation: req.cooperation.unwrap_or(Cooperation::NotAsked),
        })
        .map_err(refusal)?;
        self.add_justice_record(
            who,
            &gate,
            kinds::PROCEEDING,
            p.state.as_str(),
            p.kind.as_str(),
            // The opening day beside the record: the coordinator's fatigue
            // overview reads it without unsealing.
            Some(p.opened_on),
            None,
            &Record::Proceeding(p),
        )
        .await
    }

    /// The proceeding `pid` of the case (404 when it is not one of its own).
    async fn proceeding_of(&self, who: &Principal, gate: &Gate, pid: &str) -> Result<(), AppError> {
        let found = self
            .justice_rows(who, gate, &[kinds::PROCEEDING])
            .await?
            .iter()
            .any(|(r, _)| r.id == pid);
        if found {
            Ok(())
        } else {
            Err(AppError::not_found("no such proceeding on this case"))
        }
    }

    pub async fn add_event(
        &self,
        who: &Principal,
        case: Uuid,
        proceeding: &str,
        req: NewEventRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        self.proceeding_of(who, &gate, proceeding).await?;
        let e = proceedings::check_event(ProceedingEvent {
            kind: req.kind,
            on: day("on", &req.on)?,
            place: req.place,
            attendance: req.attendance,
            recorded_on_video: req.recorded_on_video,
            support_person: req.support_person,
            interpreter_language: req.interpreter_language,
            outcome: req.outcome,
        })
        .map_err(refusal)?;
        let state = if e.on > self.clock.today() {
            "scheduled"
        } else {
            "held"
        };
        self.add_justice_record(
            who,
            &gate,
            kinds::EVENT,
            state,
            e.kind.as_str(),
            Some(e.on),
            Some(proceeding.to_owned()),
            &Record::Event(e),
        )
        .await
    }

    pub async fn add_measure(
        &self,
        who: &Principal,
        case: Uuid,
        proceeding: &str,
        req: NewMeasureRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        self.proceeding_of(who, &gate, proceeding).await?;
        let tr = match (req.threat, req.relevance) {
            (Some(t), Some(r)) => Some((t, r)),
            _ => None,
        };
        let m = proceedings::new_measure(
            req.kind,
            req.state.unwrap_or(MeasureState::Requested),
            day("requested_on", &req.requested_on)?,
            tr,
        )
        .map_err(refusal)?;
        self.add_justice_record(
            who,
            &gate,
            kinds::MEASURE,
            m.state.as_str(),
            m.kind.as_str(),
            None,
            Some(proceeding.to_owned()),
            &Record::Measure(m),
        )
        .await
    }

    pub async fn add_non_punishment(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewNonPunishmentRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        let r = non_punishment::check_non_punishment(NonPunishment {
            charge: req.charge,
            arose_from_trafficking: req.arose_from_trafficking,
            state: req.state,
            requested_on: opt_day("requested_on", req.requested_on.as_deref())?,
            outcome: req.outcome,
            from_identification_flag: req.from_identification_flag,
        })
        .map_err(refusal)?;
        self.add_justice_record(
            who,
            &gate,
            kinds::NON_PUNISHMENT,
            r.state.as_str(),
            r.charge.as_str(),
            None,
            None,
            &Record::NonPunishment(r),
        )
        .await
    }

    // ----------------------------------------------------------- claims

    pub async fn add_claim(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewClaimRequest,
    ) -> Result<Created, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        let currency = Currency::parse(req.currency.trim()).map_err(refusal)?;
        let c = compensation::new_claim(
            req.kind,
            currency,
            req.claimed_minor,
            day("filed_on", &req.filed_on)?,
        )
        .map_err(refusal)?;
        self.add_justice_record(
            who,
            &gate,
            kinds::CLAIM,
            c.state.as_str(),
            c.kind.as_str(),
            None,
            None,
            &Record::Claim(c),
        )
        .await
    }

    pub async fn change_claim(
        &self,
        who: &Principal,
        case: Uuid,
        claim: &str,
        change: ClaimChange,
    ) -> Result<ClaimView, AppError> {
        let gate = self.justice_gate(who, case, Need::Write).await?;
        let (row, c) = self
            .justice_rows(who, &gate, &[kinds::CLAIM])
            .await?
            .into_iter()
            .find_map(|(r, rec)| match rec {
                Record::Claim(c) if r.id == claim => Some((r, c)),
                _ => None,
            })
            .ok_or_else(|| AppError::not_found("no such claim on this case"))?;
        let c = match change {
            ClaimChange::Award { awarded_minor } => compensation::award(c, awarded_minor),
            ClaimChange::Payment {
                on,
                amount_minor,
                after_return,
            } => compensation::record_payment(
                c,
                ClaimPayment {
                    on: day("on", &on)?,
                    amount_minor,
                    after_return,
                },
            ),
            ClaimChange::Unrecoverable => compensation::unrecoverable(c),
        }
        .map_err(refusal)?;
        let mut updated = row.clone();
        updated.state = c.state.as_str().to_owned();
        updated.version += 1;
        updated.updated_at = self.now_ms();
        updated.record = self.seal_json(TABLE, COLUMN, &row.id, &Record::Claim(c.clone()))?;
        let audit = self.audit_for(who, &gate, "justice.update").detail(format!(
            "kind={} id={}",
            kinds::CLAIM,
            row.id
        ));
        self.store.write_case_records(&[updated], &audit).await?;
        Ok(claim_view(&row.id, &c))
    }

    // ------------------------------------------------------- overview

    /// Everything on the case's rights and justice, in one audited read.
    pub async fn justice(&self, who: &Principal, case: Uuid) -> Result<JusticeView, AppError> {
        let gate = self.justice_gate(who, case, Need::Read).await?;
        let rows = self.justice_rows(who, &gate, kinds::ALL).await?;
        let today = self.clock.today();
        let settings = &self.justice.permit_alerts;
        let fatigue = self.justice.fatigue;
        let mut v = JusticeView {
            permits: vec![],
            legal_aid: vec![],
            interpretation: vec![],
            rights_information: vec![],
            proceedings: vec![],
            non_punishment: vec![],
            claims: vec![],
            return_block: None,
            fund_paid: vec![],
            via_referral: gate.via_referral,
            non_punishment_flagged: false,
        };
        let mut permits_kept = Vec::new();
        let mut interpretations = Vec::new();
        let mut events: BTreeMap<String, Vec<(String, ProceedingEvent)>> = BTreeMap::new();
        let mut measures: BTreeMap<String, Vec<MeasureView>> = BTreeMap::new();
        let mut procs = Vec::new();
        let mut names = BTreeMap::new();
        for (row, rec) in rows {
            match rec {
                Record::Permit(p) => {
                    v.permits.push(permit_view(&row.id, &p, today, settings));
                    permits_kept.push(p);
                }
                Record::LegalAid(a) => v.legal_aid.push(LegalAidView {
                    id: row.id,
                    representative: a.representative,
                    name: a.name,
                    from: iso(a.from),
                    to: a.to.map(iso),
                    cost: a.cost,
                }),
                Record::Interpretation(i) => interpretations.push((row.id, i)),
                Record::Rights(r) => {
                    let given_by_name = self.user_name_of(r.given_by, &mut names).await;
                    v.rights_information.push(RightsInformationView {
                        id: row.id,
                        topics: r.topics,
                        language: r.language,
                        given_on: iso(r.given_on),
                        given_by_name,
                    })
                }
                Record::Proceeding(p) => procs.push((row.id, p)),
                Record::Event(e) => events
                    .entry(row.ref_id.clone().unwrap_or_default())
                    .or_default()
                    .push((row.id, e)),
                Record::Measure(m) => {
                    let pid = row.ref_id.clone().unwrap_or_default();
                    let a = m.assessment.as_ref();
                    measures.entry(pid.clone()).or_default().push(MeasureView {
                        id: row.id,
                        proceeding_id: pid,
                        kind: m.kind,
                        state: m.state,
                        requested_on: iso(m.requested_on),
                        threat: a.map(|a| a.threat),
                        relevance: a.map(|a| a.relevance),
                        suggested: a.map(|a| a.suggested),
                    })
                }
                Record::NonPunishment(n) => v.non_punishment.push(NonPunishmentView {
                    id: row.id,
                    charge: n.charge,
                    arose_from_trafficking: n.arose_from_trafficking,
                    state: n.state,
                    requested_on: n.requested_on.map(iso),
                    outcome: n.outcome,
                    from_identification_flag: n.from_identification_flag,
                }),
                Record::Claim(c) => v.claims.push(claim_view(&row.id, &c)),
            }
        }
        for (pid, p) in procs {
            let mut evs = events.remove(&pid).unwrap_or_default();
            evs.sort_by_key(|(_, e)| e.on);
            let plain: Vec<ProceedingEvent> = evs.iter().map(|(_, e)| e.clone()).collect();
            v.proceedings.push(ProceedingView {
                fatigue: proceedings::fatigue_warnings(&p, &plain, today, &fatigue),
                events: evs
                    .into_iter()
                    .map(|(id, e)| EventView {
                        id,
                        proceeding_id: pid.clone(),
                        kind: e.kind,
                        on: iso(e.on),
                        place: e.place,
                        attendance: e.attendance,
                        recorded_on_video: e.recorded_on_video,
                        support_person: e.support_person,
                        interpreter_language: e.interpreter_language,
                        outcome: e.outcome,
                    })
                    .collect(),
                measures: measures.remove(&pid).unwrap_or_default(),
                id: pid,
                kind: p.kind,
                authority: p.authority,
                file_number: p.file_number,
                role: p.role,
                state: p.state,
                opened_on: iso(p.opened_on),
                agencies: p.agencies,
                cooperation: p.cooperation,
            });
        }
        // Interpretation gaps: the person's languages against the staff's
        // (the case manager's interface language stands for the staff's).
        let person_languages = self.person_languages(who, &gate).await?;
        let staff_languages = self.staff_languages(&gate).await?;
        let plain: Vec<Interpretation> = interpretations.iter().map(|(_, i)| i.clone()).collect();
        let flagged: BTreeSet<usize> =
            assistance::interpretation_gaps(&person_languages, &staff_languages, &plain)
                .into_iter()
                .collect();
        for (n, (id, i)) in interpretations.into_iter().enumerate() {
            v.interpretation.push(InterpretationView {
                id,
                occasion: i.occasion,
                on: iso(i.on),
                interpreter_provided: i.interpreter_provided,
                language: i.language,
                provided_by: i.provided_by,
                flagged: flagged.contains(&n),
            });
        }
        v.return_block = permits::return_block(&permits_kept, today);
        if !gate.via_referral {
            v.fund_paid = self.fund_paid_for(who, &gate).await?;
        }
        v.non_punishment_flagged = v.non_punishment.is_empty()
            && self
                .store
                .case_flags(gate.access.case())
                .await?
                .iter()
                .any(|f| f.flag == "non_punishment");
        Ok(v)
    }

    /// What the person is entitled to on today (never conditioned on
    /// co-operation; see `safepath_domain::justice::entitlements`).
    pub async fn entitlements(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<entitlements::Entitlements, AppError> {
        let gate = self.justice_gate(who, case, Need::Read).await?;
        let rows = self
            .justice_rows(who, &gate, &[kinds::PERMIT, kinds::PROCEEDING])
            .await?;
        let mut situation = entitlements::Situation {
            presumed_or_identified: true,
            in_protection: true,
            permits: vec![],
            cooperation: vec![],
        };
        for (_, rec) in rows {
            match rec {
                Record::Permit(p) => situation.permits.push(p),
                Record::Proceeding(p) => situation.cooperation.push(p.cooperation),
                _ => {}
            }
        }
        let audit = self
            .audit_for(who, &gate, "case.read")
            .detail("status for entitlements");
        if let Some((c, _)) = self.store.read_case(&gate.facts, &audit).await? {
            use safepath_domain::case::CaseStatus;
            situation.in_protection = CaseStatus::parse(&c.status)? != CaseStatus::Closed;
        }
        Ok(entitlements::entitlements(
            &situation,
            self.clock.today(),
            &self.justice.permit_alerts,
        ))
    }

    async fn user_name_of(&self, id: UserId, cache: &mut BTreeMap<UserId, String>) -> String {
        if let Some(n) = cache.get(&id) {
            return n.clone();
        }
        let name = match self.store.user(id).await {
            Ok(Some(u)) => u.full_name,
            _ => "—".to_owned(),
        };
        cache.insert(id, name.clone());
        name
    }

    /// The person's languages (not personal data on their own; read with
    /// the gate's capability and audited by the case read).
    async fn person_languages(
        &self,
        who: &Principal,
        gate: &Gate,
    ) -> Result<Vec<String>, AppError> {
        let audit = self
            .audit_for(who, gate, "case.read")
            .detail("languages for interpretation gaps");
        let Some((_, p)) = self.store.read_case(&gate.facts, &audit).await? else {
            return Ok(Vec::new());
        };
        Ok(serde_json::from_str(&p.languages).unwrap_or_default())
    }

    async fn staff_languages(&self, gate: &Gate) -> Result<Vec<String>, AppError> {
        let mut out = Vec::new();
        if let Some(cm) = gate.facts.case_manager
            && let Some(u) = self.store.user(cm).await?
        {
            out.push(u.language);
        }
        Ok(out)
    }
}

fn permit_view(id: &str, p: &Permit, today: Date, s: &ExpiryAlertSettings) -> PermitView {
    PermitView {
        id: id.to_owned(),
        kind: p.kind,
        application: p.application,
        issued_on: iso(p.issued_on),
        expires_on: p.expires_on.map(iso),
        authority: p.authority.clone(),
        number: p.number.clone(),
        work_allowed: p.conditions.work_allowed,
        free_movement: p.conditions.free_movement,
        area: p.conditions.area.clone(),
        renews: p.renews.clone(),
        alert: permits::expiry_alert(p, today, s),
    }
}

fn claim_view(id: &str, c: &Claim) -> ClaimView {
    ClaimView {
        id: id.to_owned(),
        kind: c.kind,
        currency: c.currency.code().to_owned(),
        claimed_minor: c.claimed_minor,
        awarded_minor: c.awarded_minor,
        paid_minor: c.paid_minor(),
        state: c.state,
        filed_on: iso(c.filed_on),
        payments: c
            .payments
            .iter()
            .map(|p| PaymentView {
                on: iso(p.on),
                amount_minor: p.amount_minor,
                after_return: p.after_return,
            })
            .collect(),
    }
}

// =================================================================== fund

/// Who may do what with the fund (docs/decisions.md D-J1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FundRight {
    /// See accounts and balances (no personal data).
    SeeAccounts,
    /// Request a disbursement for a case one works on.
    Request,
    /// Post, approve, reverse, open accounts, read the ledger.
    Post,
}

/// Whether the role sees the fund's page (accounts and balances).
pub fn sees_fund(role: Role) -> bool {
    fund_allows(role, FundRight::SeeAccounts)
}

/// Whether the role posts to the fund (the ledger and the approvals).
pub fn posts_to_fund(role: Role) -> bool {
    fund_allows(role, FundRight::Post)
}

fn fund_allows(role: Role, right: FundRight) -> bool {
    let may = safepath_domain::access::capabilities(role);
    match right {
        FundRight::SeeAccounts | FundRight::Request => may.sees_fund,
        FundRight::Post => may.posts_fund,
    }
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountRequest {
    pub name: String,
    pub kind: AccountKind,
    #[serde(default)]
    pub court_order_reference: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub id: String,
    pub name: String,
    pub kind: AccountKind,
    pub court_order_reference: Option<String>,
    /// Balances in the account's normal direction (holdings and uses: debits
    /// less credits; sources: credits less debits), per currency.
    pub balances: Vec<AmountView>,
}

/// One posting of a transaction as the API takes it. `amount_minor` must be
/// a positive integer (minor units: satang for THB).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PostingRequest {
    pub account_id: String,
    pub direction: Direction,
    pub amount_minor: i64,
    pub currency: String,
    #[serde(default)]
    pub case_id: Option<Uuid>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransactionRequest {
    pub description: String,
    pub postings: Vec<PostingRequest>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PostingView {
    pub account_id: String,
    pub direction: Direction,
    pub amount_minor: i64,
    pub currency: String,
    pub case_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransactionView {
    pub id: String,
    pub description: String,
    pub state: TransactionState,
    pub requested_by_name: String,
    pub decided_by_name: Option<String>,
    pub reverses: Option<String>,
    pub booked_on: Option<String>,
    pub postings: Vec<PostingView>,
}

/// One ledger line (for the ledger page and the CSV export).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerLineView {
    pub booked_on: String,
    pub transaction_id: String,
    pub description: String,
    pub account_id: String,
    pub account_name: String,
    pub direction: Direction,
    pub amount_minor: i64,
    pub currency: String,
    /// The case's reference, when the reader may see the case.
    pub case_reference: Option<String>,
    pub reverses: Option<String>,
}

const FUND_TABLE: &str = "fund_transactions";

impl App {
    fn fund_check(&self, who: &Principal, right: FundRight) -> Result<(), AppError> {
        if fund_allows(who.actor.role, right) {
            Ok(())
        } else {
            Err(AppError::forbidden(match right {
                FundRight::SeeAccounts => "your role may not see the fund",
                FundRight::Request => "your role may not request disbursements",
                FundRight::Post => "only coordinators post to the fund",
            }))
        }
    }

    fn fund_audit(&self, who: &Principal, action: &str) -> AuditDraft {
        AuditDraft::new(self.now_ms(), who.id().to_string(), action).org(who.org())
    }

    pub async fn create_fund_account(
        &self,
        who: &Principal,
        req: NewAccountRequest,
    ) -> Result<Created, AppError> {
        self.fund_check(who, FundRight::Post)?;
        let a = fund::check_account(fund::Account {
            id: AccountId(Uuid::new_v4()),
            name: req.name,
            kind: req.kind,
            court_order_reference: req.court_order_reference,
        })
        .map_err(refusal)?;
        let row = FundAccountRow {
            id: a.id.to_string(),
            name: a.name,
            kind: a.kind.as_str().to_owned(),
            court_order_reference: a.court_order_reference,
            created_by: who.id(),
            created_at: self.now_ms(),
        };
        let audit = self
            .fund_audit(who, "fund.account.create")
            .record("fund_account", &row.id);
        self.store.insert_fund_account(&row, &audit).await?;
        Ok(Created { id: row.id })
    }

    async fn account_kinds(&self) -> Result<BTreeMap<String, (String, AccountKind)>, AppError> {
        let mut out = BTreeMap::new();
        for a in self.store.fund_accounts().await? {
            let kind = AccountKind::parse(&a.kind)
                .map_err(|_| AppError::internal("stored fund account kind is invalid"))?;
            out.insert(a.id, (a.name, kind));
        }
        Ok(out)
    }

    /// Accounts with their balances on `on` (today when `None`).
    pub async fn fund_accounts(
        &self,
        who: &Principal,
        on: Option<&str>,
    ) -> Result<Vec<AccountView>, AppError> {
        self.fund_check(who, FundRight::SeeAccounts)?;
        let on = opt_day("on", on)?.map(iso);
        let balances = self.store.fund_balances(on.as_deref()).await?;
        let mut out = Vec::new();
        for a in self.store.fund_accounts().await? {
            let kind = AccountKind::parse(&a.kind)
                .map_err(|_| AppError::internal("stored fund account kind is invalid"))?;
            out.push(AccountView {
                balances: balances
                    .iter()
                    .filter(|b| b.account_id == a.id)
                    .map(|b| AmountView {
                        currency: b.currency.clone(),
                        amount_minor: kind.shown_balance(b.signed_minor),
                    })
                    .collect(),
                id: a.id,
                name: a.name,
                kind,
                court_order_reference: a.court_order_reference,
            });
        }
        Ok(out)
    }

    /// Posts a transaction, or files it for approval. Returns the view and
    /// whether it waits for a second person (202).
    pub async fn post_fund_transaction(
        &self,
        who: &Principal,
        req: NewTransactionRequest,
    ) -> Result<(TransactionView, bool), AppError> {
        self.fund_check(who, FundRight::Request)?;
        let accounts = self.account_kinds().await?;
        let mut postings = Vec::new();
        for p in &req.postings {
            let account = AccountId::parse(&p.account_id)
                .filter(|a| accounts.contains_key(&a.to_string()))
                .ok_or_else(|| {
                    AppError::bad_request("unknown_account", "account_id: no such fund account")
                })?;
            postings.push(Posting {
                account,
                direction: p.direction,
                amount_minor: p.amount_minor,
                currency: Currency::parse(p.currency.trim()).map_err(refusal)?,
                case: p.case_id.map(CaseId),
            });
        }
        let tx = fund::check_transaction(&req.description, postings).map_err(refusal)?;
        // Every case named must be one the poster may edit (others: 404).
        let cases: BTreeSet<CaseId> = tx.postings().iter().filter_map(|p| p.case).collect();
        for c in &cases {
            self.justice_gate(who, c.0, Need::Write).await?;
        }
        let kind_of = |a: AccountId| accounts.get(&a.to_string()).map(|(_, k)| *k);
        let coordinator = fund_allows(who.actor.role, FundRight::Post);
        if !coordinator {
            // A case manager's request: disbursements for their cases only.
            let only_disbursement = tx.postings().iter().all(|p| match kind_of(p.account) {
                Some(k) if k.class() == fund::AccountClass::Use => {
                    p.direction == Direction::Debit && p.case.is_some()
                }
                Some(k) => k.class() == fund::AccountClass::Holding,
                None => false,
            });
            if !only_disbursement {
                return Err(AppError::forbidden(
                    "case managers request disbursements for their cases; only coordinators post other transactions",
                ));
            }
        }
        let waits =
            !coordinator || fund::needs_second_approval(&tx, kind_of, &self.justice.approval);
        let id = Uuid::new_v4().to_string();
        let today = iso(self.clock.today());
        let state = if waits {
            TransactionState::AwaitingApproval
        } else {
            TransactionState::Posted
        };
        let views: Vec<PostingView> = tx.postings().iter().map(posting_view).collect();
        let row = FundTransactionRow {
            id: id.clone(),
            description: self.seal_str(FUND_TABLE, "description", &id, tx.description())?,
            state: state.as_str().to_owned(),
            requested_by: who.id(),
            decided_by: None,
            reverses: None,
            proposed: serde_json::to_string(&views)
                .map_err(|_| AppError::internal("serialise postings"))?,
            booked_on: (!waits).then(|| today.clone()),
            created_at: self.now_ms(),
            decided_at: None,
        };
        let lines = if waits {
            Vec::new()
        } else {
            posting_rows(&id, &views, &today)
        };
        let audit = self
            .fund_audit(
                who,
                if waits {
                    "fund.transaction.request"
                } else {
                    "fund.transaction.post"
                },
            )
            .record("fund_transaction", &id)
            .detail(format!(
                "postings={} cases={}",
                views.len(),
                cases
                    .iter()
                    .map(|c| c.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        self.store
            .insert_fund_transaction(&row, &lines, &audit)
            .await?;
        Ok((self.transaction_view(who, &row, views).await?, waits))
    }

    /// A second coordinator approves (posts) or rejects a waiting transaction.
    /// A payment from the fund for a case: the chosen use account is debited
    /// with the case, the fund's holdings credited — the double entry of a
    /// disbursement. Like any transaction, a case manager's request waits
    /// for a coordinator, a coordinator's above the four-eyes threshold for
    /// a second one. Returns the view and whether it waits.
    pub async fn request_case_payment(
        &self,
        who: &Principal,
        case: Uuid,
        use_account: &str,
        amount_minor: i64,
        currency: &str,
        description: String,
    ) -> Result<(TransactionView, bool), AppError> {
        let accounts = self.account_kinds().await?;
        if !accounts
            .get(use_account)
            .is_some_and(|(_, k)| k.class() == fund::AccountClass::Use)
        {
            return Err(AppError::bad_request(
                "invalid_field",
                "account_id: choose what the fund pays for (a use account)",
            ));
        }
        let holdings = accounts
            .iter()
            .filter(|(_, (_, k))| k.class() == fund::AccountClass::Holding)
            .map(|(id, _)| id.clone())
            .next()
            .ok_or_else(|| {
                AppError::new(
                    ErrorKind::Conflict,
                    "no_holdings",
                    "the fund has no holdings account yet",
                )
            })?;
        let posting = |account_id: String, direction, case_id| PostingRequest {
            account_id,
            direction,
            amount_minor,
            currency: currency.to_owned(),
            case_id,
        };
        self.post_fund_transaction(
            who,
            NewTransactionRequest {
                description,
                postings: vec![
                    posting(use_account.to_owned(), Direction::Debit, Some(case)),
                    posting(holdings, Direction::Credit, None),
                ],
            },
        )
        .await
    }

    pub async fn decide_fund_transaction(
        &self,
        who: &Principal,
        id: &str,
        approve: bool,
    ) -> Result<TransactionView, AppError> {
        self.fund_check(who, FundRight::Post)?;
        let row = self
            .store
            .fund_transaction(id)
            .await?
            .ok_or_else(|| AppError::not_found("no such fund transaction"))?;
        let state = TransactionState::parse(&row.state)
            .map_err(|_| AppError::internal("stored transaction state is invalid"))?;
        let views: Vec<PostingView> = serde_json::from_str(&row.proposed)
            .map_err(|_| AppError::internal("stored postings are invalid"))?;
        // Only a coordinator who may see the cases it pays for decides it;
        // to anyone else it does not exist.
        if !self.sees_every_case_of(who, &views).await? {
            return Err(AppError::not_found("no such fund transaction"));
        }
        fund::check_approval(state, row.requested_by, who.id()).map_err(refusal)?;
        let today = iso(self.clock.today());
        let decision = FundDecision {
            id: row.id.clone(),
            state: if approve {
                TransactionState::Posted
            } else {
                TransactionState::Rejected
            }
            .as_str()
            .to_owned(),
            decided_by: who.id(),
            decided_at: self.now_ms(),
            booked_on: approve.then(|| today.clone()),
            postings: if approve {
                posting_rows(&row.id, &views, &today)
            } else {
                Vec::new()
            },
        };
        let audit = self
            .fund_audit(
                who,
                if approve {
                    "fund.transaction.approve"
                } else {
                    "fund.transaction.reject"
                },
            )
            .record("fund_transaction", &row.id);
        self.store
            .decide_fund_transaction(&decision, &audit)
            .await
            .map_err(|e| match e {
                safepath_store::StoreError::VersionMismatch => refusal(DomainError::new(
                    codes::NOT_AWAITING_APPROVAL,
                    "the transaction is not waiting for approval",
                )),
                e => e.into(),
            })?;
        let updated = self
            .store
            .fund_transaction(&row.id)
            .await?
            .ok_or_else(|| AppError::internal("decided transaction vanished"))?;
        self.transaction_view(who, &updated, views).await
    }

    /// Whether the user may see every case the postings name (postings with
    /// no case are the fund's own bookkeeping).
    async fn sees_every_case_of(
        &self,
        who: &Principal,
        postings: &[PostingView],
    ) -> Result<bool, AppError> {
        for case in postings.iter().filter_map(|p| p.case_id) {
            let visible = match self.store.case_facts(CaseId(case)).await? {
                Some(f) => access::authorize(&who.actor, access::Action::ReadCase, &f).is_ok(),
                None => false,
            };
            if !visible {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// Reverses a posted transaction with a new, opposite one.
    pub async fn reverse_fund_transaction(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<TransactionView, AppError> {
        self.fund_check(who, FundRight::Post)?;
        let row = self
            .store
            .fund_transaction(id)
            .await?
            .ok_or_else(|| AppError::not_found("no such fund transaction"))?;
        let state = TransactionState::parse(&row.state)
            .map_err(|_| AppError::internal("stored transaction state is invalid"))?;
        let reversed = self.store.fund_reversal_of(id).await?.is_some();
        fund::check_reversible(state, row.reverses.is_some(), reversed).map_err(refusal)?;
        let original: Vec<Posting> = self
            .store
            .fund_postings_of(id)
            .await?
            .iter()
            .map(|p| {
                Ok(Posting {
                    account: AccountId::parse(&p.account_id)
                        .ok_or_else(|| AppError::internal("stored account id"))?,
                    direction: Direction::parse(&p.direction)?,
                    amount_minor: p.amount_minor,
                    currency: Currency::parse(&p.currency)?,
                    case: p.case_id,
                })
            })
            .collect::<Result<_, AppError>>()?;
        let tx = fund::reversal(&original, "Reversal").map_err(refusal)?;
        let new_id = Uuid::new_v4().to_string();
        let today = iso(self.clock.today());
        let views: Vec<PostingView> = tx.postings().iter().map(posting_view).collect();
        let new_row = FundTransactionRow {
            id: new_id.clone(),
            description: self.seal_str(FUND_TABLE, "description", &new_id, tx.description())?,
            state: TransactionState::Posted.as_str().to_owned(),
            requested_by: who.id(),
            decided_by: None,
            reverses: Some(id.to_owned()),
            proposed: serde_json::to_string(&views)
                .map_err(|_| AppError::internal("serialise postings"))?,
            booked_on: Some(today.clone()),
            created_at: self.now_ms(),
            decided_at: None,
        };
        let audit = self
            .fund_audit(who, "fund.transaction.reverse")
            .record("fund_transaction", &new_id)
            .detail(format!("reverses={id}"));
        self.store
            .insert_fund_transaction(&new_row, &posting_rows(&new_id, &views, &today), &audit)
            .await
            .map_err(|e| match e {
                safepath_store::StoreError::Conflict(_) => refusal(DomainError::new(
                    codes::NOT_REVERSIBLE,
                    "the transaction was reversed already",
                )),
                e => e.into(),
            })?;
        self.transaction_view(who, &new_row, views).await
    }

    /// Transactions waiting for a second approval (coordinators), and a
    /// case manager's own requests.
    pub async fn fund_pending(&self, who: &Principal) -> Result<Vec<TransactionView>, AppError> {
        self.fund_check(who, FundRight::Request)?;
        let coordinator = fund_allows(who.actor.role, FundRight::Post);
        let rows = self
            .store
            .fund_transactions(&[TransactionState::AwaitingApproval.as_str()], 200)
            .await?;
        let mut shown = Vec::new();
        for row in rows {
            if !coordinator && row.requested_by != who.id() {
                continue;
            }
            let views: Vec<PostingView> = serde_json::from_str(&row.proposed)
                .map_err(|_| AppError::internal("stored postings are invalid"))?;
            // A request about a case is shown only to those who may see the
            // case: its description may name the person's situation.
            if !self.sees_every_case_of(who, &views).await? {
                continue;
            }
            shown.push((row, views));
        }
        // Audited before any description is opened, naming what is shown.
        let audit = self.fund_audit(who, "fund.pending.read").detail(format!(
            "results={} ids={}",
            shown.len(),
            shown
                .iter()
                .map(|(r, _)| r.id.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ));
        self.store.append_audit(&audit).await?;
        let mut out = Vec::with_capacity(shown.len());
        for (row, views) in shown {
            out.push(self.transaction_view(who, &row, views).await?);
        }
        Ok(out)
    }

    /// The ledger, oldest first (coordinators), in one audited read.
    pub async fn fund_ledger(
        &self,
        who: &Principal,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<LedgerLineView>, AppError> {
        self.fund_check(who, FundRight::Post)?;
        let accounts = self.account_kinds().await?;
        let audit = self
            .fund_audit(who, "fund.ledger.read")
            .record("fund_ledger", "ledger")
            .detail(format!("offset={offset} limit={limit}"));
        let lines = self
            .store
            .fund_ledger(offset.max(0), limit.clamp(1, 10_000), &audit)
            .await?;
        let mut refs: BTreeMap<CaseId, Option<String>> = BTreeMap::new();
        let mut out = Vec::with_capacity(lines.len());
        for l in lines {
            let p = &l.posting;
            let case_reference = match p.case_id {
                Some(c) => {
                    if let Some(r) = refs.get(&c) {
                        r.clone()
                    } else {
                        let r = self.case_reference_if_visible(who, c).await?;
                        refs.insert(c, r.clone());
                        r
                    }
                }
                None => None,
            };
            out.push(LedgerLineView {
                booked_on: p.booked_on.clone(),
                transaction_id: p.transaction_id.clone(),
                description: self.open_str(
                    &Grant::record(who.id(), "fund_ledger", "ledger"),
                    FUND_TABLE,
                    "description",
                    &p.transaction_id,
                    &l.description,
                )?,
                account_name: accounts
                    .get(&p.account_id)
                    .map(|(n, _)| n.clone())
                    .unwrap_or_default(),
                account_id: p.account_id.clone(),
                direction: Direction::parse(&p.direction)?,
                amount_minor: p.amount_minor,
                currency: p.currency.clone(),
                case_reference,
                reverses: l.reverses,
            });
        }
        Ok(out)
    }

    /// The ledger as CSV, with cells that a spreadsheet would read as a
    /// formula (starting with `=`, `+`, `-`, `@`, tab or carriage return)
    /// prefixed with an apostrophe (OWASP "CSV injection").
    pub async fn fund_ledger_csv(&self, who: &Principal) -> Result<String, AppError> {
        let lines = self.fund_ledger(who, 0, 10_000).await?;
        let mut w = csv::Writer::from_writer(Vec::new());
        let header = [
            "booked_on",
            "transaction",
            "description",
            "account",
            "direction",
            "amount_minor",
            "currency",
            "case",
            "reverses",
        ];
        w.write_record(header)
            .map_err(|_| AppError::internal("csv"))?;
        for l in lines {
            let amount = l.amount_minor.to_string();
            let record = [
                l.booked_on.as_str(),
                l.transaction_id.as_str(),
                l.description.as_str(),
                l.account_name.as_str(),
                l.direction.as_str(),
                amount.as_str(),
                l.currency.as_str(),
                l.case_reference.as_deref().unwrap_or(""),
                l.reverses.as_deref().unwrap_or(""),
            ];
            w.write_record(record.iter().map(|c| neutralise_cell(c)))
                .map_err(|_| AppError::internal("csv"))?;
        }
        let bytes = w.into_inner().map_err(|_| AppError::internal("csv"))?;
        String::from_utf8(bytes).map_err(|_| AppError::internal("csv"))
    }

    async fn case_reference_if_visible(
        &self,
        who: &Principal,
        case: CaseId,
    ) -> Result<Option<String>, AppError> {
        let Some(facts) = self.store.case_facts(case).await? else {
            return Ok(None);
        };
        if access::authorize(&who.actor, Action::ReadCase, &facts).is_err() {
            return Ok(None);
        }
        Ok(self.store.case_reference(case).await?)
    }

    /// What the fund paid for the case, per use account (audited read).
    async fn fund_paid_for(
        &self,
        who: &Principal,
        gate: &Gate,
    ) -> Result<Vec<FundCaseLine>, AppError> {
        let accounts = self.account_kinds().await?;
        let audit = self.audit_for(who, gate, "fund.case.read");
        let rows = self
            .store
            .fund_case_balances(gate.access.case(), None, &audit)
            .await?;
        Ok(rows
            .into_iter()
            .filter_map(|b| {
                let (name, kind) = accounts.get(&b.account_id)?;
                (kind.class() == fund::AccountClass::Use).then(|| FundCaseLine {
                    account_name: name.clone(),
                    kind: *kind,
                    currency: b.currency,
                    amount_minor: kind.shown_balance(b.signed_minor),
                })
            })
            .collect())
    }

    /// A transaction as its reader sees it; the description is charged to
    /// the caller's audit entry naming the transaction.
    async fn transaction_view(
        &self,
        who: &Principal,
        row: &FundTransactionRow,
        postings: Vec<PostingView>,
    ) -> Result<TransactionView, AppError> {
        let mut names = BTreeMap::new();
        let grant = Grant::record(who.id(), "fund_transaction", &row.id);
        Ok(TransactionView {
            id: row.id.clone(),
            description: self.open_str(
                &grant,
                FUND_TABLE,
                "description",
                &row.id,
                &row.description,
            )?,
            state: TransactionState::parse(&row.state)?,
            requested_by_name: self.user_name_of(row.requested_by, &mut names).await,
            decided_by_name: match row.decided_by {
                Some(u) => Some(self.user_name_of(u, &mut names).await),
                None => None,
            },
            reverses: row.reverses.clone(),
            booked_on: row.booked_on.clone(),
            postings,
        })
    }

    /// Permit expiries and hearings due within `days` on the cases the user
    /// sees (case managers: their cases; coordinators: their organisation's).
    pub async fn justice_deadlines(
        &self,
        who: &Principal,
        days: i64,
    ) -> Result<Vec<DeadlineView>, AppError> {
        let visibility = access::visibility(&who.actor);
        let today = self.clock.today();
        let horizon = iso(today + time::Duration::days(days.clamp(1, 366)));
        let mut out = Vec::new();
        for (kind, states) in [
            (kinds::PERMIT, &["granted"][..]),
            (kinds::EVENT, &["scheduled"][..]),
        ] {
            for h in self
                .store
                .queued_case_records(kind, states, visibility, Some(&horizon))
                .await?
            {
                let mine = h.case_manager_id == Some(who.id())
                    || (who.actor.role == Role::Coordinator && h.org_id == who.org());
                let Some(due) = h.row.due_on.clone() else {
                    continue;
                };
                // Past hearings are not deadlines; expired permits are
                // (flagged to the coordinator).
                if !mine || (kind == kinds::EVENT && due < iso(today)) {
                    continue;
                }
                out.push(DeadlineView {
                    case_id: h.row.case_id.0,
                    reference: h.reference,
                    what: if kind == kinds::PERMIT {
                        "permit_expiry"
                    } else {
                        "hearing"
                    }
                    .to_owned(),
                    subject: h.row.subject.clone().unwrap_or_default(),
                    due_on: due.clone(),
                    overdue: due < iso(today),
                });
            }
        }
        out.sort_by(|a, b| a.due_on.cmp(&b.due_on));
        let audit = AuditDraft::new(
            self.now_ms(),
            who.id().to_string(),
            "justice.deadlines.read",
        )
        .detail(format!("results={}", out.len()));
        self.store.append_audit(&audit).await?;
        Ok(out)
    }
}

/// How far ahead My work shows permit expiries and hearings: the first of
/// the expiry alerts (30, 14 and 7 days).
pub const WORK_LIST_DAYS: i64 = 30;

/// A deadline on My work.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeadlineView {
    pub case_id: Uuid,
    pub reference: String,
    /// `permit_expiry` or `hearing`.
    pub what: String,
    /// The permit kind or event kind.
    pub subject: String,
    pub due_on: String,
    pub overdue: bool,
}

fn posting_view(p: &Posting) -> PostingView {
    PostingView {
        account_id: p.account.to_string(),
        direction: p.direction,
        amount_minor: p.amount_minor,
        currency: p.currency.code().to_owned(),
        case_id: p.case.map(|c| c.0),
    }
}

fn posting_rows(tx: &str, views: &[PostingView], booked_on: &str) -> Vec<FundPostingRow> {
    views
        .iter()
        .enumerate()
        .map(|(i, p)| FundPostingRow {
            transaction_id: tx.to_owned(),
            line: i as i64 + 1,
            account_id: p.account_id.clone(),
            direction: p.direction.as_str().to_owned(),
            amount_minor: p.amount_minor,
            currency: p.currency.clone(),
            case_id: p.case_id.map(CaseId),
            booked_on: booked_on.to_owned(),
        })
        .collect()
}

/// A CSV cell a spreadsheet will not run: a leading `=`, `+`, `-`, `@`, tab
/// or carriage return gets an apostrophe in front.
pub fn neutralise_cell(cell: &str) -> String {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}"),
        _ => cell.to_owned(),
    }
}

// =================================================================== demo

/// The demo's rights and justice (synthetic): a fund with sources including
/// confiscated assets, disbursements posted and waiting for approval; on
/// demo-cm-a's first cases, permits about to expire, a pending asylum
/// application, a criminal proceeding with hearings (one by video link from
/// abroad), a witness-protection assessment, non-punishment and a claim
/// partly paid.
pub(crate) async fn seed_demo(
    app: &App,
    cm: &Principal,
    coordinator: &Principal,
    cases: &[Uuid],
) -> Result<(), AppError> {
    let today = app.clock.today();
    let day = |offset: i64| iso(today + time::Duration::days(offset));
    let mut ids = BTreeMap::new();
    for (key, name, kind, order) in [
        (
            "bank",
            "Fund account at the State Bank",
            AccountKind::Holdings,
            None,
        ),
        (
            "budget",
            "State budget allocation",
            AccountKind::StateBudget,
            None,
        ),
        (
            "seized",
            "Confiscated assets (trafficking case)",
            AccountKind::ConfiscatedAssets,
            Some("Synthetic Criminal Court order 2025/117"),
        ),
        ("donations", "Donations", AccountKind::Donations, None),
        ("legal", "Legal aid", AccountKind::LegalAid, None),
        ("health", "Health care", AccountKind::HealthCare, None),
        ("shelter", "Accommodation", AccountKind::Accommodation, None),
        (
            "travel",
            "Repatriation travel",
            AccountKind::RepatriationTravel,
            None,
        ),
        (
            "paid",
            "Compensation paid to victims",
            AccountKind::CompensationPaid,
            None,
        ),
    ] {
        let id = app
            .create_fund_account(
                coordinator,
                NewAccountRequest {
                    name: name.into(),
                    kind,
                    court_order_reference: order.map(Into::into),
                },
            )
            .await?
            .id;
        ids.insert(key, id);
    }
    let acct = |k: &str| ids.get(k).cloned().unwrap_or_default();
    let line = |k: &str, d: Direction, n: i64, case: Option<Uuid>| PostingRequest {
        account_id: acct(k),
        direction: d,
        amount_minor: n,
        currency: "THB".into(),
        case_id: case,
    };
    use Direction::{Credit, Debit};
    for (what, from, amount) in [
        ("State budget allocation for the year", "budget", 50_000_000),
        (
            "Transfer of confiscated assets under the court order",
            "seized",
            125_000_000,
        ),
        (
            "Donation from a synthetic foundation",
            "donations",
            8_000_000,
        ),
    ] {
        app.post_fund_transaction(
            coordinator,
            NewTransactionRequest {
                description: what.into(),
                postings: vec![
                    line("bank", Debit, amount, None),
                    line(from, Credit, amount, None),
                ],
            },
        )
        .await?;
    }
    let Some(&first) = cases.first() else {
        return Ok(());
    };
    let second = cases.get(1).copied().unwrap_or(first);
    let third = cases.get(2).copied().unwrap_or(first);
    for (what, use_, amount, case) in [
        ("Lawyer's fees, first instance", "legal", 1_500_000, first),
        (
            "Medical examination and follow-up",
            "health",
            850_000,
            second,
        ),
    ] {
        app.post_fund_transaction(
            coordinator,
            NewTransactionRequest {
                description: what.into(),
                postings: vec![
                    line(use_, Debit, amount, Some(case)),
                    line("bank", Credit, amount, None),
                ],
            },
        )
        .await?;
    }
    // Requests by the case manager, waiting for a coordinator.
    for (what, use_, amount) in [
        ("Shelter stay, three months", "shelter", 1_200_000),
        ("Interim compensation payment", "paid", 4_000_000),
    ] {
        app.post_fund_transaction(
            cm,
            NewTransactionRequest {
                description: what.into(),
                postings: vec![
                    line(use_, Debit, amount, Some(first)),
                    line("bank", Credit, amount, None),
                ],
            },
        )
        .await?;
    }
    // Permits about to expire, and a pending asylum application.
    let permit =
        |kind, application, issued: i64, expires: Option<i64>, number: &str| NewPermitRequest {
            kind,
            issued_on: day(issued),
            expires_on: expires.map(day),
            application: Some(application),
            authority: Some("Synthetic Immigration Bureau".into()),
            number: Some(number.into()),
            work_allowed: kind == PermitKind::WorkPermit || kind == PermitKind::TemporaryStay,
            free_movement: true,
            area: None,
            renews: None,
        };
    app.add_permit(
        cm,
        first,
        permit(
            PermitKind::ReflectionPeriod,
            ApplicationState::Granted,
            -80,
            Some(10),
            "RP-DEMO-0001",
        ),
    )
    .await?;
    app.add_permit(
        cm,
        first,
        permit(
            PermitKind::TemporaryStay,
            ApplicationState::Granted,
            -150,
            Some(25),
            "TS-DEMO-0002",
        ),
    )
    .await?;
    app.add_permit(
        cm,
        second,
        permit(
            PermitKind::WorkPermit,
            ApplicationState::Granted,
            -200,
            Some(6),
            "WP-DEMO-0003",
        ),
    )
    .await?;
    app.add_permit(
        cm,
        third,
        permit(
            PermitKind::AsylumApplication,
            ApplicationState::Applied,
            -30,
            None,
            "AS-DEMO-0004",
        ),
    )
    .await?;
    app.add_legal_aid(
        cm,
        first,
        NewLegalAidRequest {
            representative: RepresentativeKind::LegalAidOrganisation,
            name: "Synthetic Legal Aid Clinic".into(),
            service_id: None,
            from: day(-75),
            to: None,
            cost: LegalAidCost::PaidByFund,
        },
    )
    .await?;
    // A criminal proceeding with hearings, one by video link from abroad.
    let pid = app
        .add_proceeding(
            cm,
            first,
            NewProceedingRequest {
                kind: ProceedingKind::Criminal,
                authority: "Synthetic Provincial Criminal Court".into(),
                file_number: Some("CR-DEMO-2025-0042".into()),
                role: PersonRole::InjuredParty,
                state: Some(ProceedingState::Trial),
                opened_on: day(-300),
                agencies: vec!["Synthetic Anti-Trafficking Police".into()],
                cooperation: Some(Cooperation::Cooperating),
            },
        )
        .await?
        .id;
    for (kind, on, attendance, video) in [
        (
            EventKind::Statement,
            -290,
            Some(Attendance::InPerson),
            false,
        ),
        (
            EventKind::EarlyDeposition,
            -250,
            Some(Attendance::InPerson),
            true,
        ),
        (EventKind::Hearing, -100, Some(Attendance::InPerson), false),
        (
            EventKind::Hearing,
            12,
            Some(Attendance::VideoLinkFromAbroad),
            false,
        ),
    ] {
        app.add_event(
            cm,
            first,
            &pid,
            NewEventRequest {
                kind,
                on: day(on),
                place: Some("Synthetic Provincial Criminal Court".into()),
                attendance,
                recorded_on_video: video,
                support_person: true,
                interpreter_language: Some("my".into()),
                outcome: None,
            },
        )
        .await?;
    }
    app.add_measure(
        cm,
        first,
        &pid,
        NewMeasureRequest {
            kind: MeasureKind::WitnessProtection,
            state: Some(MeasureState::Requested),
            requested_on: day(-95),
            threat: Some(ThreatLevel::High),
            relevance: Some(TestimonyRelevance::Essential),
        },
    )
    .await?;
    app.add_measure(
        cm,
        first,
        &pid,
        NewMeasureRequest {
            kind: MeasureKind::Screens,
            state: Some(MeasureState::Granted),
            requested_on: day(-95),
            threat: None,
            relevance: None,
        },
    )
    .await?;
    app.add_non_punishment(
        cm,
        first,
        NewNonPunishmentRequest {
            charge: ChargeKind::ImmigrationOffence,
            arose_from_trafficking: Some(true),
            state: NonPunishmentState::Requested,
            requested_on: Some(day(-70)),
            outcome: None,
            from_identification_flag: true,
        },
    )
    .await?;
    // A claim partly paid.
    let claim = app
        .add_claim(
            cm,
            first,
            NewClaimRequest {
                kind: ClaimKind::CourtOrdered,
                currency: "THB".into(),
                claimed_minor: 30_000_000,
                filed_on: day(-200),
            },
        )
        .await?
        .id;
    app.change_claim(
        cm,
        first,
        &claim,
        ClaimChange::Award {
            awarded_minor: 25_000_000,
        },
    )
    .await?;
    app.change_claim(
        cm,
        first,
        &claim,
        ClaimChange::Payment {
            on: day(-20),
            amount_minor: 10_000_000,
            after_return: false,
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised() {
        assert_eq!(neutralise_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise_cell("+1"), "'+1");
        assert_eq!(neutralise_cell("-1"), "'-1");
        assert_eq!(neutralise_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_cell("Legal aid"), "Legal aid");
        assert_eq!(neutralise_cell(""), "");
    }

    #[test]
    fn only_coordinators_post_case_managers_request() {
        for role in Role::ALL {
            assert_eq!(
                fund_allows(role, FundRight::Post),
                role == Role::Coordinator
            );
            assert_eq!(
                fund_allows(role, FundRight::Request),
                matches!(role, Role::Coordinator | Role::CaseManager)
            );
        }
    }
}

#[cfg(test)]
mod record_tests {
    use super::*;

    #[test]
    fn every_record_round_trips_through_its_sealed_json() {
        let d = time::macros::date!(2026 - 01 - 01);
        let c = compensation::new_claim(
            ClaimKind::CourtOrdered,
            Currency::parse("THB").unwrap(),
            5,
            d,
        )
        .unwrap();
        let m = proceedings::new_measure(
            MeasureKind::WitnessProtection,
            MeasureState::Requested,
            d,
            Some((ThreatLevel::High, TestimonyRelevance::Essential)),
        )
        .unwrap();
        let aid = LegalAid {
            representative: RepresentativeKind::Lawyer,
            name: "X".into(),
            service_id: None,
            from: d,
            to: None,
            cost: LegalAidCost::Free,
        };
        for r in [Record::Claim(c), Record::Measure(m), Record::LegalAid(aid)] {
            let json = serde_json::to_vec(&r).unwrap();
            let back: Result<Record, _> = serde_json::from_slice(&json);
            assert!(
                back.is_ok(),
                "{} {:?}",
                String::from_utf8_lossy(&json),
                back.err()
            );
        }
    }
}
