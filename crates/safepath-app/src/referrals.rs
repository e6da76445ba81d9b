//! The consent ledger and referrals between organisations, enforced: an
//! action that needs consent is refused without it, a withdrawal takes effect
//! at once, and a receiving organisation sees only the categories shared.

use safepath_domain::access::{self, Action, CaseAccess, Decision};
use safepath_domain::casework::consent::{
    self, Consent, ConsentPurpose, DataCategory, GuardianConsent,
};
use safepath_domain::casework::ids::{ConsentId, ReferralId};
use safepath_domain::casework::referral::{
    self, NewReferral, Referral, ReferralAction, Side, Urgency,
};
use safepath_domain::ids::{CaseId, OrgId};
use safepath_domain::org::Role;
use safepath_store::{AuditDraft, LedgerRow};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::Date;
use time::macros::format_description;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// `POST /api/v1/cases/{id}/consents`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewConsent {
    /// service_referral, data_sharing, family_contact, tracing, cross_border_handover or statistics.
    pub purpose: ConsentPurpose,
    /// The organisation data goes to (service_referral, data_sharing, cross_border_handover).
    #[serde(default)]
    pub recipient_org_id: Option<Uuid>,
    /// identity, contact, health, legal, accommodation, family, case_history.
    #[serde(default)]
    pub categories: BTreeSet<DataCategory>,
    /// `YYYY-MM-DD`: the first day the consent no longer holds.
    #[serde(default)]
    pub expires_on: Option<String>,
    /// The language (BCP 47) the purpose was explained in; default: the person's first language.
    #[serde(default)]
    pub explained_in_language: Option<String>,
    #[serde(default)]
    pub interpreter: bool,
    /// The person is a child (or treated as one): the guardian's consent is recorded with it.
    #[serde(default)]
    pub person_is_child: bool,
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub child_guardian: Option<GuardianConsent>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConsentView {
    pub id: String,
    pub case_id: Uuid,
    pub purpose: ConsentPurpose,
    pub recipient_org_id: Option<Uuid>,
    pub categories: Vec<DataCategory>,
    pub given_on: String,
    pub expires_on: Option<String>,
    pub withdrawn_on: Option<String>,
    pub explained_in_language: String,
    pub interpreter: bool,
    pub recorded_by: Uuid,
    /// In force today.
    pub effective: bool,
}

/// `POST /api/v1/cases/{id}/referrals`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReferralRequest {
    pub to_org_id: Uuid,
    /// The service asked for (e.g. shelter, health care, legal aid).
    pub service: String,
    /// The data categories to share; a consent must cover them.
    pub categories: BTreeSet<DataCategory>,
    /// routine, urgent or emergency.
    #[serde(default = "routine")]
    pub urgency: Urgency,
}

fn routine() -> Urgency {
    Urgency::Routine
}

/// The body of `decline` (reason), `complete` (outcome) and `revoke` (reason).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferralAnswer {
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReferralView {
    pub id: String,
    pub case_id: Uuid,
    pub from_org_id: Uuid,
    pub to_org_id: Uuid,
    pub service: String,
    pub urgency: Urgency,
    pub categories: Vec<DataCategory>,
    /// pending, accepted, declined, completed, revoked or consent_withdrawn.
    pub state: String,
    pub reason: Option<String>,
    pub outcome: Option<String>,
    pub sent_at: String,
    pub respond_by: String,
    /// Inbox only, while the referral waits and only when it carries
    /// `identity` still covered by consent for the receiver: the person's
    /// sex (female, male, intersex, unknown). Never the name or birth date
    /// (docs/decisions.md D-R1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<String>,
    /// As `sex`: the age band today (0-11, 12-17, 18-24, 25-34, 35-44, 45+
    /// or unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age_band: Option<String>,
}

use crate::clock::iso_day as iso;

fn consent_view(c: &Consent, case: CaseId, today: Date) -> ConsentView {
    ConsentView {
        id: c.id.0.to_string(),
        case_id: case.0,
        purpose: c.purpose,
        recipient_org_id: c.recipient_org.map(|o| o.0),
        categories: c.categories.iter().copied().collect(),
        given_on: iso(c.given_on),
        expires_on: c.expires_on.map(iso),
        withdrawn_on: c.withdrawn_on.map(iso),
        explained_in_language: c.explained_in_language.clone(),
        interpreter: c.interpreter,
        recorded_by: c.recorded_by.0,
        effective: c.is_effective_on(today),
    }
}

fn referral_view(r: &Referral) -> ReferralView {
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    ReferralView {
        id: r.id.0.to_string(),
        case_id: r.case.0,
        from_org_id: r.from_org.0,
        to_org_id: r.to_org.0,
        service: r.service.clone(),
        urgency: r.urgency,
        categories: r.categories.iter().copied().collect(),
        state: r.state.as_str().to_owned(),
        reason: r.reason.clone(),
        outcome: r.outcome.clone(),
        sent_at: fmt(r.sent_at),
        respond_by: fmt(r.response_deadline()),
        sex: None,
        age_band: None,
    }
}

fn refusal(e: safepath_domain::DomainError) -> AppError {
    // Rules about who/when map to 403 (forbidden) or 409 (state), shape to 400.
    let kind = match e.code {
        "referral_action_not_allowed" => ErrorKind::Conflict,
        "referral_wrong_side" | "role_not_allowed" => ErrorKind::Forbidden,
        _ => ErrorKind::BadRequest,
    };
    AppError::new(kind, e.code, e.message)
}

impl App {
    /// Seals a consent or referral record for its row: consents name who
    /// explained what (and a child's guardian), referrals carry reasons and
    /// outcomes in free text — personal data, so never stored in clear. The
    /// columns beside it (purpose, state, organisations) stay queryable.
    pub(crate) fn seal_ledger<T: Serialize>(
        &self,
        table: &str,
        id: &str,
        value: &T,
    ) -> Result<String, AppError> {
        Ok(self.seal_json(table, "record", id, value)?.to_text())
    }

    /// Opens a record written by [`App::seal_ledger`].
    pub(crate) fn open_ledger<T: serde::de::DeserializeOwned>(
        &self,
        grant: &Grant,
        table: &str,
        row: &LedgerRow,
    ) -> Result<T, AppError> {
        let sealed = safepath_crypto::Sealed::from_text(&row.record)
            .ok_or_else(|| AppError::internal(&format!("{table} record")))?;
        self.open_json(grant, table, "record", &row.id, &sealed)
    }

    /// The case's consent ledger, opened under `grant` (a grant for that case).
    pub(crate) async fn ledger(
        &self,
        grant: &Grant,
        case: CaseId,
    ) -> Result<Vec<Consent>, AppError> {
        self.store
            .consents_for_case(case)
            .await?
            .iter()
            .map(|r| self.open_ledger(grant, "consents", r))
            .collect()
    }

    /// The case must be one the actor works on and may change.
    async fn editable_case(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<(access::CaseFacts, CaseAccess), AppError> {
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        match access::authorize(&who.actor, Action::EditCase, &facts) {
            Ok(cap) => Ok((facts, cap)),
            Err(Decision::Forbidden) => Err(AppError::forbidden("you may not change this case")),
            Err(_) => Err(AppError::case_not_found()),
        }
    }

    /// Records consent for one purpose (and recipient), as the person gave it.
    pub async fn record_consent(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewConsent,
    ) -> Result<ConsentView, AppError> {
        let (facts, _) = self.editable_case(who, case).await?;
        let today = self.clock.today();
        let parse_date = |s: &str| {
            Date::parse(s, format_description!("[year]-[month]-[day]")).map_err(|_| {
                AppError::bad_request(
                    "invalid_field",
                    "expires_on: a real date written YYYY-MM-DD",
                )
            })
        };
        let expires_on = req.expires_on.as_deref().map(parse_date).transpose()?;
        if let Some(org) = req.recipient_org_id
            && self.store.org(OrgId(org)).await?.is_none()
        {
            return Err(AppError::bad_request(
                "invalid_org",
                "recipient_org_id: no such organisation",
            ));
        }
        let consent = Consent {
            id: ConsentId(Uuid::new_v4()),
            purpose: req.purpose,
            recipient_org: req.recipient_org_id.map(OrgId),
            categories: req.categories,
            given_on: today,
            expires_on,
            withdrawn_on: None,
            explained_in_language: req.explained_in_language.unwrap_or_else(|| "und".into()),
            interpreter: req.interpreter,
            recorded_by: who.id(),
            person_is_child: req.person_is_child,
            child_guardian: req.child_guardian,
        };
        consent.validate(today)?;
        let now = self.now_ms();
        let row = LedgerRow {
            id: consent.id.0.to_string(),
            case_id: facts.id,
            kind: consent.purpose.as_str().into(),
            from_org: None,
            to_org: consent.recipient_org,
            record: self.seal_ledger("consents", &consent.id.0.to_string(), &consent)?,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "consent.record")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("consent={} purpose={}", row.id, row.kind));
        self.store.insert_consent(&row, &audit).await?;
        if consent.purpose == ConsentPurpose::Tracing && consent.is_effective_on(today) {
            // The consent is stored and stands whatever happens here: a
            // failed scan is logged (no personal data) and the next tracing
            // consent or request scans again.
            if let Err(e) = self.match_waiting_requests(who, facts.id).await {
                tracing::warn!(
                    code = e.code,
                    "matching a new tracing consent against waiting requests failed"
                );
            }
        }
        Ok(consent_view(&consent, facts.id, today))
    }

    pub async fn consents(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<Vec<ConsentView>, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let cap = access::authorize(&who.actor, Action::ReadCase, &facts)
            .map_err(|_| AppError::case_not_found())?;
        let today = self.clock.today();
        self.store
            .append_audit(
                &AuditDraft::new(self.now_ms(), who.id().to_string(), "consents.read")
                    .record("case", facts.id)
                    .org(facts.org),
            )
            .await?;
        Ok(self
            .ledger(&Grant::case(&cap, facts.id)?, facts.id)
            .await?
            .iter()
            .map(|c| consent_view(c, facts.id, today))
            .collect())
    }

    /// Withdraws a consent today. Referrals resting on it end at once and the
    /// receiving organisation loses what it could see; all of it is audited.
    pub async fn withdraw_consent(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<ConsentView, AppError> {
        let row = self
            .store
            .consent(id)
            .await?
            .ok_or_else(|| AppError::not_found("no such consent"))?;
        let (facts, cap) = self.editable_case(who, row.case_id.0).await.map_err(|e| {
            if e.kind == ErrorKind::NotFound {
                AppError::not_found("no such consent")
            } else {
                e
            }
        })?;
        let today = self.clock.today();
        let grant = Grant::case(&cap, row.case_id)?;
        let current: Consent = self.open_ledger(&grant, "consents", &row)?;
        let withdrawn = consent::withdraw(&current, today)
            .map_err(|e| AppError::new(ErrorKind::Conflict, e.code, e.message))?;
        let mut ledger = self.ledger(&grant, facts.id).await?;
        for c in &mut ledger {
            if c.id == withdrawn.id {
                *c = withdrawn.clone();
            }
        }
        let now = self.now_ms();
        let mut ended = Vec::new();
        for r in self.store.referrals_for_case(facts.id).await? {
            let referral: Referral = self.open_ledger(&grant, "referrals", &r)?;
            if let Some(next) = referral::on_consent_withdrawn(&referral, &ledger, today) {
                ended.push(LedgerRow {
                    kind: next.state.as_str().into(),
                    record: self.seal_ledger("referrals", &r.id, &next)?,
                    updated_at: now,
                    ..r
                });
            }
        }
        let updated = LedgerRow {
            record: self.seal_ledger("consents", &row.id, &withdrawn)?,
            updated_at: now,
            ..row
        };
        let ended_ids: Vec<&str> = ended.iter().map(|r| r.id.as_str()).collect();
        let mut notices = Vec::new();
        for r in &ended {
            if let Some(to) = r.to_org
                && let Some(focal) = self.store.focal_point(to).await?
            {
                notices.push(
                    self.notice(focal, "consent_withdrawn", None, "Consent was withdrawn: a referral to your organisation has ended and its data is no longer available.".to_owned())
                        .about("referral", &r.id),
                );
            }
        }
        let audit = AuditDraft::new(now, who.id().to_string(), "consent.withdraw")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!(
                "consent={} referrals_ended={}",
                updated.id,
                ended_ids.join(",")
            ))
            .notify_all(notices);
        self.store.update_consent(&updated, &ended, &audit).await?;
        if withdrawn.purpose == ConsentPurpose::CrossBorderHandover {
            // Every open handover resting on it tells the partner to erase.
            self.withdraw_handovers(who, facts.id, facts.org, withdrawn.id)
                .await?;
        }
        Ok(consent_view(&withdrawn, facts.id, today))
    }

    /// Sends a referral, refused (403 with the consent refusal's code) unless a
    /// consent covers that recipient, purpose and every category shared.
    pub async fn send_referral(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewReferralRequest,
    ) -> Result<ReferralView, AppError> {
        let (facts, cap) = self.editable_case(who, case).await?;
        let to = OrgId(req.to_org_id);
        if self.store.org(to).await?.is_none() {
            return Err(AppError::bad_request(
                "invalid_org",
                "to_org_id: no such organisation",
            ));
        }
        if req.categories.is_empty() {
            return Err(AppError::bad_request(
                "missing_field",
                "categories: name at least one data category to share",
            ));
        }
        let today = self.clock.today();
        let ledger = self.ledger(&Grant::case(&cap, facts.id)?, facts.id).await?;
        let covering = referral::check_new_referral(&ledger, to, &req.categories, today)
            .map_err(|r| AppError::new(ErrorKind::Forbidden, r.code(), r.message()))?;
        let new = NewReferral {
            id: ReferralId(Uuid::new_v4()),
            case: facts.id,
            to_org: to,
            service: req.service,
            urgency: req.urgency,
            categories: req.categories,
        };
        let r = referral::send(new, &who.actor, &covering, self.clock.now()).map_err(refusal)?;
        let now = self.now_ms();
        let row = LedgerRow {
            id: r.id.0.to_string(),
            case_id: facts.id,
            kind: r.state.as_str().into(),
            from_org: Some(r.from_org),
            to_org: Some(r.to_org),
            record: self.seal_ledger("referrals", &r.id.0.to_string(), &r)?,
            created_at: now,
            updated_at: now,
        };
        let from_name = self.org_name(r.from_org).await?;
        let notice = self.store.focal_point(to).await?.map(|focal| {
            self.notice(
                focal,
                "referral",
                None,
                format!(
                    "New referral ({}) waiting in your organisation's inbox.",
                    r.urgency.as_str()
                ),
            )
            .about("referral", r.id.0)
            .params(crate::identification::notice_params(&[
                ("service", &r.service),
                ("urgency", r.urgency.as_str()),
                ("org", &from_name),
            ]))
        });
        let audit = AuditDraft::new(now, who.id().to_string(), "referral.send")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!(
                "referral={} to={} categories={}",
                row.id,
                to,
                consent::category_names(&r.categories)
            ))
            .notify_all(notice);
        self.store.insert_referral(&row, &audit).await?;
        Ok(referral_view(&r))
    }

    async fn is_receiver(&self, who: &Principal, to: OrgId) -> Result<bool, AppError> {
        if who.org() != to {
            return Ok(false);
        }
        Ok(who.actor.role == Role::Coordinator
            || self.store.focal_point(to).await? == Some(who.id()))
    }

    /// Accept, decline, complete (receiver) or revoke (sender).
    pub async fn answer_referral(
        &self,
        who: &Principal,
        id: &str,
        action: &str,
        answer: ReferralAnswer,
    ) -> Result<ReferralView, AppError> {
        let not_found = || AppError::not_found("no such referral");
        let row = self.store.referral(id).await?.ok_or_else(not_found)?;
        // Only those who may read the referral know it exists: the sending
        // side through the case, the receiving side in a role that handles
        // referrals. The sender's side acts only if it may change the case.
        let facts = self.store.case_facts(row.case_id).await?;
        let case_allows = |action: Action| {
            facts
                .as_ref()
                .is_some_and(|f| access::authorize(&who.actor, action, f).is_ok())
        };
        let receiving_org =
            row.to_org == Some(who.org()) && access::works_with_referrals(who.actor.role);
        if !(case_allows(Action::ReadCase) || receiving_org) {
            return Err(not_found());
        }
        // Charged to the answer's audit entry (it names the referral).
        let grant = Grant::record(who.id(), "referral", &row.id);
        let r: Referral = self.open_ledger(&grant, "referrals", &row)?;
        let receiver = self.is_receiver(who, r.to_org).await?;
        let side = if who.org() == r.from_org && case_allows(Action::EditCase) {
            Side::Sender
        } else if receiver {
            Side::Receiver
        } else {
            Side::Neither
        };
        let act = match action {
            "accept" => ReferralAction::Accept,
            "decline" => ReferralAction::Decline {
                reason: answer.reason.unwrap_or_default(),
            },
            "complete" => ReferralAction::Complete {
                outcome: answer.outcome.unwrap_or_default(),
            },
            "revoke" => ReferralAction::Revoke {
                reason: answer.reason.unwrap_or_default(),
            },
            _ => return Err(not_found()),
        };
        let next = r.apply(&act, side).map_err(refusal)?;
        let now = self.now_ms();
        let updated = LedgerRow {
            kind: next.state.as_str().into(),
            record: self.seal_ledger("referrals", &row.id, &next)?,
            updated_at: now,
            ..row
        };
        // Both sides see the status without a phone call: the other side is
        // told, in the answer's own transaction.
        let told = if side == Side::Sender {
            self.store.focal_point(r.to_org).await?
        } else {
            facts.as_ref().and_then(|f| f.case_manager)
        };
        // Words, not ids: the case's reference only to its own side (the
        // receiver may have lost sight of it), the other organisation by name.
        let state = next.state.as_str().replace('_', " ");
        let (message, params) = if side == Side::Sender {
            let from = self.org_name(r.from_org).await?;
            (
                format!("A referral from {from} is now {state}."),
                crate::identification::notice_params(&[
                    ("org", &from),
                    ("service", &r.service),
                    ("state", next.state.as_str()),
                    ("side", "receiver"),
                ]),
            )
        } else {
            let reference = self.case_reference(r.case).await?.unwrap_or_default();
            let to = self.org_name(r.to_org).await?;
            (
                format!("The referral of case {reference} to {to} is now {state}."),
                crate::identification::notice_params(&[
                    ("org", &to),
                    ("reference", &reference),
                    ("service", &r.service),
                    ("state", next.state.as_str()),
                    ("side", "sender"),
                ]),
            )
        };
        let notice = told.filter(|u| *u != who.id()).map(|user| {
            self.notice(
                user,
                "referral_answered",
                (side != Side::Sender).then_some(r.case),
                message,
            )
            .about("referral", r.id.0)
            .params(params)
        });
        let audit = AuditDraft::new(now, who.id().to_string(), format!("referral.{action}"))
            .record("case", r.case)
            .org(r.from_org)
            .detail(format!("referral={id}"))
            .notify_all(notice);
        self.store
            .update_referral(&updated, r.state.as_str(), &audit)
            .await
            .map_err(|e| match e {
                safepath_store::StoreError::VersionMismatch => AppError::new(
                    ErrorKind::Conflict,
                    "referral_changed",
                    "the referral was answered meanwhile; reload",
                ),
                other => other.into(),
            })?;
        Ok(referral_view(&next))
    }

    /// The referrals of one case (both organisations see its status).
    pub async fn case_referrals(
        &self,
        who: &Principal,
        case: Uuid,
    ) -> Result<Vec<ReferralView>, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let cap = access::authorize(&who.actor, Action::ReadCase, &facts)
            .map_err(|_| AppError::case_not_found())?;
        self.store
            .append_audit(
                &AuditDraft::new(self.now_ms(), who.id().to_string(), "referrals.read")
                    .record("case", facts.id)
                    .org(facts.org),
            )
            .await?;
        let grant = Grant::case(&cap, facts.id)?;
        self.store
            .referrals_for_case(facts.id)
            .await?
            .iter()
            .map(|r| {
                self.open_ledger(&grant, "referrals", r)
                    .map(|r: Referral| referral_view(&r))
            })
            .collect()
    }

    /// The organisation's inbox (to it) or outbox (from it).
    pub async fn org_referrals(
        &self,
        who: &Principal,
        inbox: bool,
    ) -> Result<Vec<ReferralView>, AppError> {
        if !access::works_with_referrals(who.actor.role) {
            return Err(AppError::forbidden(
                "your role does not work with referrals",
            ));
        }
        let rows = self.store.referrals_for_org(who.org(), inbox).await?;
        // Audited before anything is opened, naming what is shown.
        let audit = AuditDraft::new(
            self.now_ms(),
            who.id().to_string(),
            if inbox {
                "referrals.inbox"
            } else {
                "referrals.outbox"
            },
        )
        .org(who.org())
        .detail(format!(
            "ids={}",
            rows.iter()
                .map(|r| r.id.as_str())
                .collect::<Vec<_>>()
                .join(",")
        ));
        self.store.append_audit(&audit).await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let r: Referral = self.open_ledger(
                &Grant::record(who.id(), "referral", &row.id),
                "referrals",
                row,
            )?;
            let mut view = referral_view(&r);
            if inbox
                && r.state == referral::ReferralState::Pending
                && let Some((sex, band)) = self.referral_preview(who, &r).await?
            {
                view.sex = Some(sex);
                view.age_band = Some(band);
            }
            out.push(view);
        }
        Ok(out)
    }

    /// What a receiving organisation may know of a waiting referral's person
    /// to judge it: sex and age band, only when the referral carries
    /// `identity` and the consent ledger covers `identity` for the receiver
    /// today (both are identity data; docs/decisions.md D-R1). The person is
    /// read with its own audit entry naming the referral; the birth date is
    /// opened for the band only and dropped.
    async fn referral_preview(
        &self,
        who: &Principal,
        r: &Referral,
    ) -> Result<Option<(String, String)>, AppError> {
        if r.to_org != who.org() || !r.categories.contains(&DataCategory::Identity) {
            return Ok(None);
        }
        let today = self.clock.today();
        let allowed = consent::allowed_categories(
            &self
                .ledger(&Grant::policy_check(who.id(), r.case), r.case)
                .await?,
            who.org(),
            today,
        );
        if !allowed.contains(&DataCategory::Identity) {
            return Ok(None);
        }
        let Some(facts) = self.store.case_facts(r.case).await? else {
            return Ok(None);
        };
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "referral.preview")
            .record("referral", r.id.0)
            .org(who.org())
            .detail(format!("case={} fields=sex,age_band", r.case.0));
        let Some((_, p)) = self.store.read_case(&facts, &audit).await? else {
            return Ok(None);
        };
        let grant = Grant::record(who.id(), "referral", r.id.0);
        let band = match &p.birth_date {
            Some(sealed) => {
                let b: safepath_domain::person::BirthDate =
                    self.open_json(&grant, "persons", "birth_date", &p.id.to_string(), sealed)?;
                safepath_stats::AgeBand::from_age(crate::stats::age_on(&b, today))
            }
            None => safepath_stats::AgeBand::Unknown,
        };
        Ok(Some((p.sex.clone(), band.as_str().to_owned())))
    }

    /// One referral. The sending side reads it only if they may read the
    /// case; the receiving side only in a role that handles referrals.
    /// Everyone else is told it does not exist. The read is audited in the
    /// transaction that reads it.
    pub async fn get_referral(&self, who: &Principal, id: &str) -> Result<ReferralView, AppError> {
        let missing = || AppError::not_found("no such referral");
        let meta = self.store.referral(id).await?.ok_or_else(missing)?;
        let receiving =
            meta.to_org == Some(who.org()) && access::works_with_referrals(who.actor.role);
        let sending = match self.store.case_facts(meta.case_id).await? {
            Some(facts) => access::authorize(&who.actor, Action::ReadCase, &facts).is_ok(),
            None => false,
        };
        if !(receiving || sending) {
            return Err(missing());
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "referral.read")
            .record("case", meta.case_id)
            .detail(format!("referral={}", meta.id));
        let row = self
            .store
            .read_referral(id, &audit)
            .await?
            .ok_or_else(missing)?;
        let r: Referral = self.open_ledger(
            &Grant::record(who.id(), "referral", &row.id),
            "referrals",
            &row,
        )?;
        Ok(referral_view(&r))
    }

    /// What a receiving organisation's user may see of a case through accepted
    /// referrals: the referred categories still covered by consent today.
    pub(crate) async fn referral_categories(
        &self,
        who: &Principal,
        case: CaseId,
    ) -> Result<BTreeSet<DataCategory>, AppError> {
        if !access::works_with_referrals(who.actor.role) {
            return Ok(BTreeSet::new());
        }
        // Read to decide what the user may see; charged to the case.
        let grant = Grant::policy_check(who.id(), case);
        let accepted: Vec<Referral> = self
            .store
            .referrals_for_case(case)
            .await?
            .iter()
            .filter(|r| r.to_org == Some(who.org()) && r.kind == "accepted")
            .map(|r| self.open_ledger(&grant, "referrals", r))
            .collect::<Result<Vec<Referral>, _>>()?
            .into_iter()
            .collect();
        if accepted.is_empty() {
            return Ok(BTreeSet::new());
        }
        let allowed = consent::allowed_categories(
            &self.ledger(&grant, case).await?,
            who.org(),
            self.clock.today(),
        );
        Ok(accepted
            .iter()
            .flat_map(|r| r.categories.iter().copied())
            .filter(|c| allowed.contains(c))
            .collect())
    }
}

impl App {
    /// An organisation's name for a message ("another organisation" when it
    /// is gone).
    pub(crate) async fn org_name(&self, org: OrgId) -> Result<String, AppError> {
        Ok(self
            .store
            .org(org)
            .await?
            .map_or_else(|| "another organisation".to_owned(), |o| o.name))
    }
}
