//! Handovers started from a case (issue 12): the structured repatriation
//! security assessment, starting a cross-border handover (the return gate,
//! the consent, the request sealed into the outbox in one audited store
//! transaction), the case's handovers, and the delivery of the outbox to the
//! partners' inboxes with retries and back-off (nothing acknowledged is lost:
//! an entry is marked sent only on a 2xx answer from the partner).

use std::collections::BTreeSet;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use safepath_crypto::handover::{Fingerprint, PartnerKeys, new_message_id};
use safepath_domain::access::{self, Action, CaseAccess};
use safepath_domain::casework::consent::{self, ConsentPurpose, DataCategory};
use safepath_domain::casework::ids::ConsentId;
use safepath_domain::justice::permits::ReturnBlock;
use safepath_domain::person::Person;
use safepath_domain::solutions::assessment::{
    FamilySituation, ProtectionNeed, ReceivingCapacity, RiskLevel, SecurityAssessment,
    SecurityOutcome,
};
use safepath_domain::solutions::handover::{
    self as protocol, HandoverMessage, HandoverRequest, Side,
};
use safepath_domain::solutions::repatriation::{ReturnFacts, ReturnRefusal, return_refusals};
use safepath_store::{
    AuditDraft, CaseRecordRow, CaseRow, HandoverMessageRow, HandoverOutboxRow, HandoverPartnerRow,
    HandoverRow,
};

use crate::clock::rfc3339;
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// Refusal codes of this module (stable, part of the API contract).
pub mod codes {
    /// No effective `cross_border_handover` consent names the partner's
    /// organisation and covers every category asked for (403).
    pub const CONSENT_REQUIRED: &str = "consent_required";
    /// No security assessment is recorded (409).
    pub const SECURITY_ASSESSMENT_REQUIRED: &str = "security_assessment_required";
    /// The latest repatriation security assessment finds a need for
    /// international protection: non-refoulement (409).
    pub const INTERNATIONAL_PROTECTION_NEEDED: &str =
        safepath_domain::casework::lifecycle::codes::INTERNATIONAL_PROTECTION_NEEDED;
    /// The partner is not a registered (and not revoked) deployment (400).
    pub const UNKNOWN_PARTNER: &str = "unknown_partner";
}

/// The `case_records` kind of a structured repatriation security assessment.
pub const SECURITY_KIND: &str = "repatriation_security_assessment";
/// The free-text case assessment kind that also counts as recorded.
const FREE_TEXT_SECURITY: &str = "security_assessment";
const BEST_INTERESTS: &str = "best_interests_determination";

/// The inbox path on a partner's server.
pub const INBOX_PATH: &str = "/api/v1/handover/inbox";
/// First back-off after a failed delivery; doubled per attempt.
const BACKOFF_BASE_MS: i64 = 30_000;
/// The longest back-off.
const BACKOFF_CAP_MS: i64 = 3_600_000;

/// `POST /api/v1/cases/{id}/security-assessments`: a repatriation security
/// assessment (values of the domain's vocabularies).
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewSecurityAssessment {
    /// `low`, `medium` or `high`.
    pub re_trafficking_risk: String,
    /// `low`, `medium` or `high`.
    pub trafficker_threat: String,
    /// `low`, `medium` or `high`.
    pub debt_threat: String,
    /// `supportive`, `unknown`, `unsafe` or `complicit`.
    pub family_situation: String,
    /// `adequate`, `limited` or `inadequate`.
    pub receiving_capacity: String,
    /// `none`, `possible` or `established`.
    pub protection_need: String,
    #[serde(default)]
    pub notes: Option<String>,
    /// `YYYY-MM-DD`; today when left out.
    #[serde(default)]
    pub assessed_on: Option<String>,
}

/// A recorded repatriation security assessment and what it means.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SecurityAssessmentView {
    pub id: String,
    pub re_trafficking_risk: String,
    pub trafficker_threat: String,
    pub debt_threat: String,
    pub family_situation: String,
    pub receiving_capacity: String,
    pub protection_need: String,
    pub notes: Option<String>,
    pub assessed_on: String,
    /// `return_possible`, `return_with_conditions`, `return_unsafe` or
    /// `refer_to_asylum`.
    pub outcome: String,
    /// The concerns behind a conditional or unsafe outcome.
    pub concerns: Vec<String>,
    pub recorded_at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SecurityRecord {
    assessment: SecurityAssessment,
    by: String,
}

/// `POST /api/v1/cases/{id}/handovers`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct NewHandover {
    /// The partner deployment's fingerprint (hex).
    pub partner: String,
    /// Data categories to share (each covered by the consent).
    #[schema(value_type = Vec<String>)]
    pub categories: BTreeSet<DataCategory>,
}

/// The answer to a started handover.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverStarted {
    /// The handover's id (the pseudonymous transnational case reference).
    pub id: String,
}

/// One handover of a case, as listed: nothing of the person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverSummary {
    pub id: String,
    /// `destination` or `origin`.
    pub side: String,
    pub state: String,
    /// The partner deployment's name.
    pub partner: String,
    pub partner_fingerprint: String,
    pub created_at: String,
    pub updated_at: String,
}

/// A partner deployment a handover can go to.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerChoice {
    pub name: String,
    pub fingerprint: String,
}

/// What one delivery run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HandoverDelivery {
    pub sent: usize,
    pub failed: usize,
}

use crate::clock::iso_day as iso;

fn conflict(code: &'static str, message: &str) -> AppError {
    AppError::new(ErrorKind::Conflict, code, message)
}

/// The refusal for the first reason the gate gives, with the API's codes.
pub(crate) fn gate_refusal(r: ReturnRefusal) -> AppError {
    use safepath_domain::justice::codes as j;
    match r {
        ReturnRefusal::ConsentMissing => {
            AppError::new(ErrorKind::Forbidden, codes::CONSENT_REQUIRED, r.message())
        }
        ReturnRefusal::ReflectionPeriodRunning => {
            conflict(j::RETURN_BLOCKED_REFLECTION, r.message())
        }
        ReturnRefusal::AsylumApplicationPending => {
            conflict(j::RETURN_BLOCKED_PROTECTION, r.message())
        }
        ReturnRefusal::SecurityAssessmentMissing => {
            conflict(codes::SECURITY_ASSESSMENT_REQUIRED, r.message())
        }
        ReturnRefusal::InternationalProtectionNeed => {
            conflict(codes::INTERNATIONAL_PROTECTION_NEEDED, r.message())
        }
        other => conflict(other.as_str(), other.message()),
    }
}

/// What of the person crosses, per consented category: the request's
/// minimum (identity: names, sex, birth date, nationality, languages, place
/// of origin; contact: the contact details). The other categories travel
/// with the risk and needs assessment, never in the request.
fn request_content(person: &Person, categories: &BTreeSet<DataCategory>) -> serde_json::Value {
    let mut content = serde_json::Map::new();
    if categories.contains(&DataCategory::Identity) {
        content.insert(
            "identity".into(),
            serde_json::json!({
                "display_name": person.display_name,
                "names": person.names,
                "sex": person.sex,
                "birth_date": person.birth_date,
                "nationalities": person.nationalities,
                "languages": person.languages,
                "place_of_origin": person.place_of_origin,
            }),
        );
    }
    if categories.contains(&DataCategory::Contact) {
        content.insert(
            "contact".into(),
            serde_json::to_value(&person.contact).unwrap_or_default(),
        );
    }
    serde_json::Value::Object(content)
}

/// The partner's inbox: the URL as registered when it names the inbox path,
/// else the path appended to it.
pub fn inbox_target(registered: &str) -> String {
    let trimmed = registered.trim_end_matches('/');
    if trimmed.ends_with(INBOX_PATH) {
        trimmed.to_owned()
    } else {
        format!("{trimmed}{INBOX_PATH}")
    }
}

/// The back-off after `attempts` failed attempts: 30 s × 2^attempts, at most an hour.
pub fn backoff_ms(attempts: i64) -> i64 {
    let shift = u32::try_from(attempts.clamp(0, 20)).unwrap_or(20);
    BACKOFF_BASE_MS
        .saturating_mul(1_i64 << shift)
        .min(BACKOFF_CAP_MS)
}

/// The answer to a fingerprint that names no registered partner.
fn unknown_partner() -> AppError {
    AppError::bad_request(
        codes::UNKNOWN_PARTNER,
        "partner: no registered partner deployment has this fingerprint",
    )
}

/// What the return gate weighs, as read from one case.
pub(crate) struct GateInputs {
    /// The case as read for the gate (its status and version).
    pub(crate) case: CaseRow,
    pub(crate) person: Person,
    pub(crate) person_is_child: bool,
    block: Option<ReturnBlock>,
    /// The latest structured repatriation security assessment.
    pub(crate) security: Option<SecurityAssessment>,
    /// The kinds of the free-text assessments recorded.
    free_text: BTreeSet<&'static str>,
}

impl GateInputs {
    /// The gate's facts, with the consent the return rests on.
    pub(crate) fn facts(&self, consent: ConsentId) -> ReturnFacts<'_> {
        ReturnFacts {
            consent: Some(consent),
            asylum_application_pending: self.block == Some(ReturnBlock::ProtectionPending),
            reflection_period_running: self.block == Some(ReturnBlock::ReflectionPeriod),
            security_assessment: self.security.as_ref(),
            person_is_child: self.person_is_child,
            best_interests_determination_recorded: self.free_text.contains(BEST_INTERESTS),
            family_assessment_recorded: self
                .security
                .as_ref()
                .is_some_and(|s| s.family_situation != FamilySituation::Unknown),
        }
    }
}

impl App {
    /// The case for an edit; anyone who may not edit it gets the answer a
    /// missing case gets.
    pub(crate) async fn case_for_handover(
        &self,
        who: &Principal,
        case: Uuid,
        what: &str,
    ) -> Result<(access::CaseFacts, CaseAccess), AppError> {
        match self.case_relation(who, case, Action::EditCase, what).await {
            Ok((facts, _, cap)) => Ok((facts, cap)),
            Err(e) if matches!(e.kind, ErrorKind::Forbidden | ErrorKind::NotFound) => {
                Err(AppError::case_not_found())
            }
            Err(e) => Err(e),
        }
    }

    /// Whether `who` may record on this case's return page (whoever may
    /// edit the case): the page offers its forms only to them.
    pub async fn may_edit_case(&self, who: &Principal, case: Uuid) -> bool {
        self.case_for_handover(who, case, "record on this case")
            .await
            .is_ok()
    }

    /// Records a repatriation security assessment on the case (sealed).
    pub async fn record_security_assessment(
        &self,
        who: &Principal,
        case: Uuid,
        input: NewSecurityAssessment,
    ) -> Result<SecurityAssessmentView, AppError> {
        let (facts, cap) = self
            .case_for_handover(who, case, "record security assessments on this case")
            .await?;
        let today = self.clock.today();
        let assessment = SecurityAssessment {
            re_trafficking_risk: RiskLevel::parse(&input.re_trafficking_risk)?,
            trafficker_threat: RiskLevel::parse(&input.trafficker_threat)?,
            debt_threat: RiskLevel::parse(&input.debt_threat)?,
            family_situation: FamilySituation::parse(&input.family_situation)?,
            receiving_capacity: ReceivingCapacity::parse(&input.receiving_capacity)?,
            protection_need: ProtectionNeed::parse(&input.protection_need)?,
            notes: input.notes,
            assessed_on: match input.assessed_on.as_deref() {
                Some(s) => crate::clock::parse_day("assessed_on", s)?,
                None => today,
            },
        }
        .check(today)?;
        let record = SecurityRecord {
            assessment,
            by: who.id().to_string(),
        };
        let subject = record.assessment.protection_need.as_str().to_owned();
        let row = self
            .write_assessment_record(
                who,
                &facts,
                SECURITY_KIND,
                subject,
                &record,
                "security_assessment.create",
                Vec::new(),
            )
            .await?;
        self.security_view(&cap, &row)
    }

    fn security_view(
        &self,
        cap: &CaseAccess,
        row: &CaseRecordRow,
    ) -> Result<SecurityAssessmentView, AppError> {
        let grant = Grant::case(cap, row.case_id)?;
        let r: SecurityRecord =
            self.open_json(&grant, "case_records", "record", &row.id, &row.record)?;
        let a = &r.assessment;
        let (outcome, concerns) = match a.outcome() {
            SecurityOutcome::ReturnPossible => ("return_possible", Vec::new()),
            SecurityOutcome::ReturnWithConditions(c) => ("return_with_conditions", c),
            SecurityOutcome::ReturnUnsafe(c) => ("return_unsafe", c),
            SecurityOutcome::ReferToAsylum => ("refer_to_asylum", Vec::new()),
        };
        Ok(SecurityAssessmentView {
            id: row.id.clone(),
            re_trafficking_risk: a.re_trafficking_risk.as_str().into(),
            trafficker_threat: a.trafficker_threat.as_str().into(),
            debt_threat: a.debt_threat.as_str().into(),
            family_situation: a.family_situation.as_str().into(),
            receiving_capacity: a.receiving_capacity.as_str().into(),
            protection_need: a.protection_need.as_str().into(),
            notes: a.notes.clone(),
            assessed_on: iso(a.assessed_on),
            outcome: outcome.into(),
            concerns: concerns
                .iter()
                .filter_map(|c| serde_json::to_value(c).ok())
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect(),
            recorded_at: rfc3339(row.created_at),
        })
    }

    /// The case's repatriation security assessments, oldest first (an
    /// audited read).
    pub async fn security_assessments(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<Vec<SecurityAssessmentView>, AppError> {
        let (cap, rows) = self
            .read_assessment_records(who, case, SECURITY_KIND, "security_assessment.read")
            .await?;
        rows.iter().map(|r| self.security_view(&cap, r)).collect()
    }

    /// Writes one sealed assessment record of `kind` on the case (its
    /// plain subject says only `subject`), with its audit entry `action`,
    /// together with the rows it brings `with` it (one transaction).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn write_assessment_record<T: serde::Serialize>(
        &self,
        who: &Principal,
        facts: &access::CaseFacts,
        kind: &str,
        subject: String,
        record: &T,
        action: &str,
        with: Vec<CaseRecordRow>,
    ) -> Result<CaseRecordRow, AppError> {
        let now = self.now_ms();
        let id = Uuid::new_v4().to_string();
        let row = CaseRecordRow {
            id: id.clone(),
            case_id: facts.id,
            kind: kind.into(),
            state: "done".into(),
            subject: Some(subject),
            owner_id: None,
            ref_id: None,
            due_on: None,
            record: self.seal_json("case_records", "record", &id, record)?,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), action)
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("record={id} with={}", with.len()));
        let mut rows = vec![row.clone()];
        rows.extend(with);
        self.store.write_case_records(&rows, &audit).await?;
        Ok(row)
    }

    /// The case's records of `kind`, oldest first, read under one audit
    /// entry `action` by whoever may read the case.
    pub(crate) async fn read_assessment_records(
        &self,
        who: &Principal,
        case: Uuid,
        kind: &str,
        action: &str,
    ) -> Result<(CaseAccess, Vec<CaseRecordRow>), AppError> {
        let (facts, cap) = self.readable_case(who, case).await?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), action)
            .record("case", facts.id)
            .org(facts.org);
        let rows = self
            .store
            .read_justice_records(facts.id, &[kind], &audit)
            .await?;
        Ok((cap, rows))
    }

    /// The latest of the sealed records of `kind` among `records`, by the
    /// day `on` gives, then by when it was recorded, mapped by `pick`.
    pub(crate) fn latest_record<T: serde::de::DeserializeOwned, V>(
        &self,
        cap: &CaseAccess,
        records: &[CaseRecordRow],
        kind: &str,
        on: impl Fn(&T) -> time::Date,
        pick: impl Fn(T) -> V,
    ) -> Result<Option<V>, AppError> {
        let mut all = Vec::new();
        for r in records.iter().filter(|r| r.kind == kind) {
            let grant = Grant::case(cap, r.case_id)?;
            let rec: T = self.open_json(&grant, "case_records", "record", &r.id, &r.record)?;
            all.push((on(&rec), r.created_at, rec));
        }
        all.sort_by_key(|a| (a.0, a.1));
        Ok(all.pop().map(|(_, _, rec)| pick(rec)))
    }

    pub(crate) async fn readable_case(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<(access::CaseFacts, CaseAccess), AppError> {
        let facts = self
            .store
            .case_facts(safepath_domain::ids::CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let cap = access::authorize(&who.actor, Action::ReadCase, &facts)
            .map_err(|_| AppError::case_not_found())?;
        Ok((facts, cap))
    }

    /// The latest structured security assessment among `records` (by the
    /// date assessed, then by when it was recorded).
    pub(crate) fn latest_security(
        &self,
        cap: &CaseAccess,
        records: &[CaseRecordRow],
    ) -> Result<Option<SecurityAssessment>, AppError> {
        self.latest_record(
            cap,
            records,
            SECURITY_KIND,
            |r: &SecurityRecord| r.assessment.assessed_on,
            |r| r.assessment,
        )
    }

    /// A registered, not revoked partner deployment by its fingerprint (as
    /// typed: any case, spaces around).
    pub(crate) async fn registered_partner(
        &self,
        raw: &str,
    ) -> Result<(String, HandoverPartnerRow), AppError> {
        let fp = Fingerprint::from_hex(raw.trim().to_ascii_lowercase().as_str())
            .map_err(|_| unknown_partner())?
            .to_hex();
        let partner = self
            .store
            .handover_partner(&fp)
            .await?
            .filter(|p| p.revoked_at.is_none())
            .ok_or_else(unknown_partner)?;
        Ok((fp, partner))
    }

    /// The person's `cross_border_handover` consent in force naming the
    /// receiving organisation and covering `categories` (403 otherwise).
    pub(crate) async fn return_consent(
        &self,
        who: &Principal,
        facts: &access::CaseFacts,
        org: Option<safepath_domain::ids::OrgId>,
        categories: &BTreeSet<DataCategory>,
    ) -> Result<ConsentId, AppError> {
        let refused =
            |message: String| AppError::new(ErrorKind::Forbidden, codes::CONSENT_REQUIRED, message);
        let Some(org) = org else {
            return Err(refused(
                "the partner is not linked to an organisation a consent could name".into(),
            ));
        };
        let ledger = self
            .ledger(&Grant::policy_check(who.id(), facts.id), facts.id)
            .await?;
        let covering = consent::covers(
            &ledger,
            ConsentPurpose::CrossBorderHandover,
            Some(org),
            categories,
            self.clock.today(),
        )
        .map_err(|r| refused(r.message()))?;
        covering
            .consents()
            .first()
            .copied()
            .ok_or_else(|| refused("no consent".into()))
    }

    /// What the return gate weighs, read from the case: the permits, the
    /// security assessments and the free-text assessments in one audited
    /// read, and the person (their age).
    pub(crate) async fn gate_inputs(
        &self,
        who: &Principal,
        facts: &access::CaseFacts,
        cap: &CaseAccess,
        why: &str,
    ) -> Result<GateInputs, AppError> {
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case_records.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail(why.to_owned());
        let records = self
            .store
            .read_justice_records(
                facts.id,
                &[
                    SECURITY_KIND,
                    crate::casework::kinds::ASSESSMENT,
                    crate::justice::kinds::PERMIT,
                ],
                &audit,
            )
            .await?;
        let (case, person) = self.case_for_change(who, facts, why).await?;
        let person_is_child = person
            .birth_date
            .as_ref()
            .is_some_and(|b| b.may_be_child(self.clock.today()));
        Ok(GateInputs {
            case,
            person,
            person_is_child,
            block: self.return_block_in(cap, &records)?,
            security: self.latest_security(cap, &records)?,
            free_text: self.assessment_kinds_in(cap, &records)?,
        })
    }

    /// Starts a cross-border handover of the case to a registered partner:
    /// the consent, the return gate, then the handover (state `requested`)
    /// and its sealed request in the outbox, in one audited transaction.
    pub async fn start_handover(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewHandover,
    ) -> Result<HandoverStarted, AppError> {
        let (facts, cap) = self
            .case_for_handover(who, case, "start a handover of this case")
            .await?;
        let (fp, partner) = self.registered_partner(&req.partner).await?;
        if req.categories.is_empty() {
            return Err(AppError::bad_request(
                "missing_field",
                "categories: name at least one data category to share",
            ));
        }
        let keys = PartnerKeys::from_base64(&partner.signing_key, &partner.encryption_key)
            .map_err(|_| unknown_partner())?;
        // 1. The person's consent, naming the partner's organisation.
        let consent_id = self
            .return_consent(who, &facts, partner.org_id, &req.categories)
            .await?;
        // 2. The return gate: permits, the security assessment, a child's
        //    determinations.
        let gate = self
            .gate_inputs(who, &facts, &cap, "for a cross-border handover")
            .await?;
        let refusal = return_refusals(&gate.facts(consent_id))
            .into_iter()
            .find(|r| {
                // A free-text security assessment (the case lifecycle's)
                // counts as recorded here; only a structured one can find a
                // protection need.
                !(*r == ReturnRefusal::SecurityAssessmentMissing
                    && gate.free_text.contains(FREE_TEXT_SECURITY))
            });
        if let Some(r) = refusal {
            return Err(gate_refusal(r));
        }
        let (person, person_is_child) = (gate.person, gate.person_is_child);
        // 3. The handover and its request, sealed to the partner.
        let message = HandoverMessage::Request(HandoverRequest {
            consent: consent_id,
            categories: req.categories.clone(),
            person_is_child,
            follow_up_months: None,
        });
        let step = protocol::start(Side::Destination, &message)
            .map_err(|e| AppError::new(ErrorKind::Conflict, e.code, e.message))?;
        let mut payload =
            serde_json::to_value(&message).map_err(|_| AppError::internal("handover request"))?;
        if let Some(obj) = payload.as_object_mut() {
            obj.insert("content".into(), request_content(&person, &req.categories));
        }
        let me = self.handover_identity()?;
        let id = Uuid::new_v4().to_string();
        let message_id = new_message_id();
        let now = self.now_ms();
        // The origin's partner on this same deployment: recorded, not sent.
        let local = fp == me.fingerprint().to_hex();
        let envelope = if local {
            None
        } else {
            Some(crate::handover_protocol::seal_envelope(
                &me,
                &keys,
                &id,
                1,
                now,
                payload.clone(),
                &message_id,
            )?)
        };
        let hashed = envelope.clone().unwrap_or_else(|| payload.to_string());
        let row = HandoverRow {
            id: id.clone(),
            side: Side::Destination.as_str().into(),
            case_id: Some(facts.id),
            partner: fp.clone(),
            state: step.handover.state.as_str().into(),
            record: self.seal_json("handovers", "record", &id, &step.handover)?,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let row_id = Uuid::new_v4().to_string();
        let msg_row = HandoverMessageRow {
            id: row_id.clone(),
            handover_id: id.clone(),
            direction: "out".into(),
            sender: me.fingerprint().to_hex(),
            message_id,
            sequence: 1,
            kind: message.kind().as_str().into(),
            envelope_hash: hex::encode(safepath_crypto::sha256(hashed.as_bytes())),
            envelope,
            content: Some(self.seal_json(
                "handover_messages",
                "content",
                &row_id,
                &serde_json::json!({ "payload": payload, "by": who.user.full_name }),
            )?),
            created_at: now,
        };
        let outbox = (!local).then(|| HandoverOutboxRow {
            message_row_id: row_id,
            recipient: fp.clone(),
            attempts: 0,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
        });
        let audit = AuditDraft::new(now, who.id().to_string(), "handover.start")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!(
                "handover={id} partner={} consent={} categories={}",
                &fp[..16],
                consent_id.0,
                consent::category_names(&req.categories)
            ));
        self.store
            .record_handover_message(&row, None, &msg_row, outbox.as_ref(), &audit)
            .await?;
        Ok(HandoverStarted { id })
    }

    /// The partner deployments a handover of this case can go to (for the
    /// form): name and fingerprint, to those who may edit the case.
    pub async fn handover_partner_choices(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<Vec<PartnerChoice>, AppError> {
        self.case_for_handover(who, case, "start a handover of this case")
            .await?;
        Ok(self
            .store
            .handover_partners()
            .await?
            .into_iter()
            .map(|p| PartnerChoice {
                name: p.name,
                fingerprint: p.fingerprint,
            })
            .collect())
    }

    /// The case's handovers, newest first: states, partners and dates only.
    pub async fn case_handovers(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<Vec<HandoverSummary>, AppError> {
        let (facts, _) = self.readable_case(who, case).await?;
        let rows = self.store.handovers_for_case(facts.id).await?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "handover.list")
            .record("case", facts.id)
            .org(facts.org);
        self.store.append_audit(&audit).await?;
        let mut out = Vec::with_capacity(rows.len());
        for h in rows {
            let partner = self
                .store
                .handover_partner(&h.partner)
                .await?
                .map(|p| p.name)
                .unwrap_or_else(|| "—".into());
            out.push(HandoverSummary {
                id: h.id,
                side: h.side,
                state: h.state,
                partner,
                partner_fingerprint: h.partner,
                created_at: rfc3339(h.created_at),
                updated_at: rfc3339(h.updated_at),
            });
        }
        Ok(out)
    }

    /// Sends the outbox's due messages to the partners' inboxes (the
    /// scheduler calls this every tick).
    pub async fn deliver_handover_outbox(&self) -> Result<HandoverDelivery, AppError> {
        self.deliver_handover_outbox_due(self.now_ms()).await
    }

    /// Sends every unsent message now, whatever its back-off says (an
    /// operator's "retry now", and tests).
    pub async fn deliver_handover_outbox_now(&self) -> Result<HandoverDelivery, AppError> {
        self.deliver_handover_outbox_due(i64::MAX).await
    }

    async fn deliver_handover_outbox_due(&self, due: i64) -> Result<HandoverDelivery, AppError> {
        let mut report = HandoverDelivery::default();
        let entries = self.store.due_handover_outbox(due, 50).await?;
        if entries.is_empty() {
            return Ok(report);
        }
        let client: hyper_util::client::legacy::Client<
            _,
            http_body_util::Full<hyper::body::Bytes>,
        > = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http();
        for (mut entry, message) in entries {
            let partner = self.store.handover_partner(&entry.recipient).await?;
            let target = partner
                .as_ref()
                .filter(|p| p.revoked_at.is_none())
                .and_then(|p| p.inbox_url.as_deref())
                .map(inbox_target);
            let outcome = match (target, message.envelope.as_deref()) {
                (None, _) => Err("no_inbox".to_owned()),
                (_, None) => Err("erased".to_owned()),
                (Some(url), Some(env)) => post_envelope(&client, &url, env).await,
            };
            let now = self.now_ms();
            match outcome {
                Ok(()) => {
                    entry.sent_at = Some(now);
                    entry.attempts += 1;
                    entry.last_error = None;
                    self.store.update_handover_outbox(&entry).await?;
                    let audit = AuditDraft::new(now, "outbox", "handover.deliver")
                        .record("handover", &message.handover_id)
                        .detail(format!(
                            "kind={} sequence={} to={}",
                            message.kind,
                            message.sequence,
                            &entry.recipient[..entry.recipient.len().min(16)]
                        ));
                    self.store.append_audit(&audit).await?;
                    report.sent += 1;
                }
                Err(reason) => {
                    entry.attempts += 1;
                    // The partner answered and refused (4xx): the same bytes
                    // will be refused again, so stop and leave it flagged
                    // for an operator instead of retrying for ever.
                    let refused = reason.starts_with("http 4");
                    entry.next_attempt_at = if refused {
                        i64::MAX
                    } else {
                        now.saturating_add(backoff_ms(entry.attempts))
                    };
                    if refused {
                        let audit = AuditDraft::new(now, "outbox", "handover.deliver.refused")
                            .record("handover", &message.handover_id)
                            .detail(format!(
                                "kind={} sequence={} answer={reason}",
                                message.kind, message.sequence
                            ));
                        self.store.append_audit(&audit).await?;
                    }
                    tracing::warn!(
                        attempts = entry.attempts,
                        reason = %reason,
                        "handover message not delivered; retried later"
                    );
                    entry.last_error = Some(reason);
                    self.store.update_handover_outbox(&entry).await?;
                    report.failed += 1;
                }
            }
        }
        Ok(report)
    }
}

/// POSTs one envelope; `Ok` only on a 2xx answer. The error is short and
/// data-free (`connect`, `timeout`, `http 503`, …).
async fn post_envelope<C>(
    client: &hyper_util::client::legacy::Client<C, http_body_util::Full<hyper::body::Bytes>>,
    url: &str,
    envelope: &str,
) -> Result<(), String>
where
    C: hyper_util::client::legacy::connect::Connect + Clone + Send + Sync + 'static,
{
    let uri: hyper::Uri = url.parse().map_err(|_| "bad_url".to_owned())?;
    if uri.scheme_str() != Some("http") {
        // TLS is the reverse proxy's job (docs/decisions.md D-H1).
        return Err("not_http".into());
    }
    let req = hyper::Request::post(uri)
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(hyper::body::Bytes::from(
            envelope.to_owned(),
        )))
        .map_err(|_| "bad_request".to_owned())?;
    match tokio::time::timeout(Duration::from_secs(20), client.request(req)).await {
        Err(_) => Err("timeout".into()),
        Ok(Err(_)) => Err("connect".into()),
        Ok(Ok(resp)) if resp.status().is_success() => Ok(()),
        Ok(Ok(resp)) => Err(format!("http {}", resp.status().as_u16())),
    }
}

/// A handover as the protocol sees it: no personal data (for the command
/// line, operators and tests).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HandoverOverview {
    pub id: String,
    pub side: String,
    pub state: String,
    pub partner_fingerprint: String,
    pub messages_in: usize,
    pub messages_out: usize,
}

impl App {
    /// The handover `id`'s side, state and message counts, if held here.
    pub async fn handover_overview(&self, id: &str) -> Result<Option<HandoverOverview>, AppError> {
        let Some(h) = self.store.handover(id).await? else {
            return Ok(None);
        };
        let messages = self.store.handover_messages(id).await?;
        Ok(Some(HandoverOverview {
            id: h.id,
            side: h.side,
            state: h.state,
            partner_fingerprint: h.partner,
            messages_in: messages.iter().filter(|m| m.direction == "in").count(),
            messages_out: messages.iter().filter(|m| m.direction == "out").count(),
        }))
    }
}
