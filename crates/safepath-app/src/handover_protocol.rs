//! The handover protocol after the request (issue 12), from either side:
//! who holds a handover here and may see or act on it, the next message
//! sealed to the partner into the outbox (one audited transaction), a
//! handover's state and timeline, the list of handovers one's side holds,
//! and the consent withdrawal that stops every further message.
//!
//! Who holds a handover: on the destination side (a handover of a local
//! case) whoever may read the case sees it and whoever may edit the case
//! acts; on the origin side (received, no local case) the case managers,
//! coordinators and partner liaisons of the organisation the partner
//! deployment is linked to (`safepath handover partner add --org`; the
//! rule is `protocol::origin_may_act`). Everyone else gets the answer a
//! missing handover gets.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use safepath_crypto::handover::{
    DEFAULT_LIFETIME_SECS, Outgoing, PartnerKeys, new_message_id, seal_with_id,
};
use safepath_domain::DomainError;
use safepath_domain::access::Action;
use safepath_domain::casework::consent::{self, ConsentPurpose, DataCategory};
use safepath_domain::ids::{CaseId, OrgId};
use safepath_domain::solutions::handover::{
    self as protocol, CorroborationDecision, FollowUpReport, Handover, HandoverMessage,
    HandoverState, MessageKind, PlanProgress, Side, Wellbeing,
};
use safepath_store::{AuditDraft, HandoverMessageRow, HandoverOutboxRow, HandoverRow};
use time::Date;
use time::macros::format_description;

use crate::clock::rfc3339;
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// Refusal codes of this module (stable, part of the API contract).
pub mod codes {
    /// The `cross_border_handover` consent was withdrawn: no further
    /// message (409).
    pub const CONSENT_WITHDRAWN: &str = "handover_consent_withdrawn";
    /// The partner deployment was revoked: nothing more is sent to it (409).
    pub const PARTNER_REVOKED: &str = "handover_partner_revoked";
}

/// `POST /api/v1/handovers/{id}/messages`: one protocol message, `kind`
/// and the fields of that kind (the others are ignored).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct NewHandoverMessage {
    /// `acknowledgement`, `risk_and_needs_assessment`, `corroboration`,
    /// `travel_ready`, `departed`, `arrived`, `reintegration_plan`,
    /// `follow_up_report`, `closure`, `cancellation`, `consent_withdrawn`
    /// or `security_alert`.
    #[serde(default)]
    pub kind: String,
    /// Acknowledgement: the named contact (staff, not the person).
    #[serde(default)]
    pub contact: Option<String>,
    /// Acknowledgement: someone other than the contact.
    #[serde(default)]
    pub alternate: Option<String>,
    /// Assessment: the data categories it carries (each named by the consent).
    #[serde(default)]
    #[schema(value_type = Option<Vec<String>>)]
    pub categories: Option<BTreeSet<DataCategory>>,
    /// Assessment: a summary per category (keys among `categories`).
    #[serde(default)]
    #[schema(value_type = Option<BTreeMap<String, String>>)]
    pub summaries: Option<BTreeMap<DataCategory, String>>,
    /// Corroboration: `go`, `conditions` or `no_go`.
    #[serde(default)]
    pub decision: Option<String>,
    /// Corroboration of a child's return: the origin finds it in the
    /// child's best interests.
    #[serde(default)]
    pub child_best_interests: Option<bool>,
    /// Closure and cancellation; a corroboration's conditions or no-go.
    #[serde(default)]
    pub reason: Option<String>,
    /// Travel ready: `YYYY-MM-DD`, not before today.
    #[serde(default)]
    pub travel_on: Option<String>,
    /// Arrived: `YYYY-MM-DD`, not after today.
    #[serde(default)]
    pub arrived_on: Option<String>,
    /// Reintegration plan: `YYYY-MM-DD`, between the arrival and today.
    #[serde(default)]
    pub made_on: Option<String>,
    /// Follow-up report: the scheduled month it answers.
    #[serde(default)]
    pub due_month: Option<u8>,
    /// Follow-up report: `YYYY-MM-DD`; today when left out.
    #[serde(default)]
    pub reported_on: Option<String>,
    /// Follow-up report: whether the person was reached.
    #[serde(default)]
    pub reached: Option<bool>,
    /// Follow-up report: `good`, `fair`, `poor` or `not_known`.
    #[serde(default)]
    pub wellbeing: Option<String>,
    /// Follow-up report: `on_track`, `delayed`, `stalled`, `completed` or `no_plan`.
    #[serde(default)]
    pub plan_progress: Option<String>,
    /// Follow-up report: a sign of re-trafficking.
    #[serde(default)]
    pub re_trafficking_alert: Option<bool>,
    /// Any message: a short note (expected timeline, travel arrangements,
    /// the plan's services, how the person is doing).
    #[serde(default)]
    pub note: Option<String>,
}

/// A message queued for the partner.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverMessageSent {
    pub handover_id: String,
    pub kind: String,
    pub sequence: i64,
    /// The handover's state after it.
    pub state: String,
}

/// The named contact and the alternate of the acknowledgement.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactsView {
    pub contact: String,
    pub alternate: String,
}

/// One scheduled follow-up and its report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUpView {
    pub due_month: u8,
    pub due_on: String,
    pub reported_on: Option<String>,
    pub reached: Option<bool>,
    pub wellbeing: Option<String>,
    pub plan_progress: Option<String>,
    pub re_trafficking_alert: Option<bool>,
    pub overdue: bool,
}

/// One message of the handover, sent or received.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverStepView {
    pub sequence: i64,
    pub kind: String,
    /// `sent` or `received`.
    pub direction: String,
    /// `destination` or `origin`: the side that sent it.
    pub from_side: String,
    /// Who sent it: the user here, or the partner deployment's name.
    pub by: String,
    pub at: String,
    /// The message's fields (contact, decision, dates, notes …); empty
    /// once erased after a consent withdrawal.
    pub details: BTreeMap<String, String>,
    /// The content was erased (consent withdrawn).
    pub erased: bool,
}

/// A handover as its holder sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverView {
    pub id: String,
    /// `destination` or `origin`.
    pub side: String,
    pub state: String,
    /// The partner deployment's name.
    pub partner: String,
    /// The local case (destination side).
    pub case_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// The caller may send the next message.
    pub may_act: bool,
    /// The kinds this side may send now.
    pub next_steps: Vec<String>,
    pub categories: Vec<String>,
    pub person_is_child: bool,
    pub contacts: Option<ContactsView>,
    pub corroboration: Option<String>,
    pub travel_on: Option<String>,
    pub arrived_on: Option<String>,
    pub plan_made_on: Option<String>,
    pub plan_due_on: Option<String>,
    pub plan_overdue: bool,
    pub follow_ups: Vec<FollowUpView>,
    pub steps: Vec<HandoverStepView>,
}

/// A handover in a list: nothing of the person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HandoverListItem {
    pub id: String,
    pub side: String,
    pub state: String,
    pub partner: String,
    pub case_id: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// A follow-up after return that is overdue, for My work: on the origin's
/// side a report to write, on the destination's a report to ask for.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FollowUpDue {
    pub handover_id: String,
    /// `destination` (the report is awaited from the partner) or `origin`
    /// (the report is ours to send).
    pub side: String,
    /// The partner deployment's name.
    pub partner: String,
    /// The month after arrival the report was due (1, 3, 6, 12…); 0 for
    /// the reintegration plan (due one month after arrival).
    pub due_month: u8,
    /// `YYYY-MM-DD`.
    pub due_on: String,
}

/// A handover held here, with how the caller is entitled to it.
struct Held {
    row: HandoverRow,
    side: Side,
    /// The organisation the audit entry names.
    org: OrgId,
    may_act: bool,
}

/// Who sends a message, for [`App::queue_outgoing`].
pub(crate) struct Sender<'a> {
    /// The audit entry's actor.
    pub actor: &'a str,
    /// The name the other side's timeline shows.
    pub by: &'a str,
    /// The organisation the audit entry names (and whose coordinators an
    /// alert reaches on the sender's side).
    pub org: OrgId,
    pub side: Side,
    /// Whether an alert reaches the sender's own side too (not when they
    /// were told already).
    pub alert_own_side: bool,
}

/// A message sealed by this deployment to the partner's keys, as the JSON
/// envelope its inbox takes (valid for the default lifetime from `now_ms`).
pub(crate) fn seal_envelope(
    me: &safepath_crypto::handover::DeploymentIdentity,
    keys: &PartnerKeys,
    handover_id: &str,
    sequence: i64,
    now_ms: i64,
    payload: serde_json::Value,
    message_id: &str,
) -> Result<String, AppError> {
    Ok(seal_with_id(
        me,
        keys,
        Outgoing {
            handover_id,
            sequence: u64::try_from(sequence).unwrap_or(1),
            now: now_ms / 1000,
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            payload,
        },
        message_id,
    )
    .map_err(|e| AppError::new(ErrorKind::Internal, e.code(), e.to_string()))?
    .to_json())
}

/// The sender recorded for a side's messages on a local handover (the
/// deployment's fingerprint for the destination's, a tag of it for the
/// origin's): each side has its own sequence, and a page tells sent from
/// received.
pub(crate) fn local_sender(my_fp: &str, side: Side) -> String {
    match side {
        Side::Destination => my_fp.to_owned(),
        Side::Origin => format!("{my_fp}/origin"),
    }
}

use crate::clock::iso_day as iso;

fn date(field: &'static str, s: &str) -> Result<Date, AppError> {
    Date::parse(s.trim(), format_description!("[year]-[month]-[day]")).map_err(|_| {
        AppError::bad_request(
            "invalid_field",
            format!("{field}: a real date written YYYY-MM-DD"),
        )
    })
}

fn missing(field: &str) -> AppError {
    AppError::bad_request("missing_field", format!("{field}: required"))
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn handover_not_found() -> AppError {
    AppError::not_found("no such handover")
}

/// The domain's refusal as the API answers it: a step out of order or from
/// the wrong side is 409, a category the consent does not name 403, bad
/// content 400.
fn protocol_refusal(e: DomainError) -> AppError {
    use protocol::codes as c;
    let kind = match e.code {
        c::CONTACTS_REQUIRED
        | c::SCHEDULE_INVALID
        | c::FOLLOW_UP_MONTH_UNKNOWN
        | c::DATE_INVALID
        | c::REASON_REQUIRED
        | c::CATEGORIES_REQUIRED => ErrorKind::BadRequest,
        c::CATEGORIES_NOT_CONSENTED => ErrorKind::Forbidden,
        _ => ErrorKind::Conflict,
    };
    AppError::new(kind, e.code, e.message)
}

/// The domain message and the free content that travels with it (notes,
/// summaries), from the API's body. Bad input is 400.
pub fn build_message(
    input: &NewHandoverMessage,
    today: Date,
) -> Result<(HandoverMessage, serde_json::Value), AppError> {
    use HandoverMessage as M;
    let kind = MessageKind::parse(input.kind.trim())?;
    let mut content = serde_json::Map::new();
    if let Some(n) = text(&input.note) {
        content.insert("note".into(), n.into());
    }
    let reason = || text(&input.reason);
    let message = match kind {
        MessageKind::Request => {
            return Err(AppError::bad_request(
                "invalid_field",
                "kind: a request is sent by starting a handover from the case",
            ));
        }
        MessageKind::Acknowledgement => M::Acknowledgement {
            contact: text(&input.contact).ok_or_else(|| missing("contact"))?,
            alternate: text(&input.alternate).ok_or_else(|| missing("alternate"))?,
        },
        MessageKind::RiskAndNeedsAssessment => {
            let categories = input
                .categories
                .clone()
                .filter(|c| !c.is_empty())
                .ok_or_else(|| missing("categories"))?;
            let mut summaries = serde_json::Map::new();
            for (c, s) in input.summaries.iter().flatten() {
                if !categories.contains(c) {
                    return Err(AppError::bad_request(
                        "invalid_field",
                        "summaries: a summary for a category the assessment does not carry",
                    ));
                }
                if let Some(s) = text(&Some(s.clone())) {
                    summaries.insert(c.as_str().into(), s.into());
                }
            }
            content.insert("summaries".into(), summaries.into());
            M::RiskAndNeedsAssessment { categories }
        }
        MessageKind::Corroboration => {
            let decision = CorroborationDecision::parse(
                input
                    .decision
                    .as_deref()
                    .ok_or_else(|| missing("decision"))?,
            )?;
            let reason = reason();
            if decision != CorroborationDecision::Go && reason.is_none() {
                return Err(AppError::bad_request(
                    protocol::codes::REASON_REQUIRED,
                    "reason: a no-go or conditions need a reason",
                ));
            }
            if let Some(r) = reason {
                content.insert("reason".into(), r.into());
            }
            M::Corroboration {
                decision,
                child_best_interests: input.child_best_interests.unwrap_or(false),
            }
        }
        MessageKind::TravelReady => M::TravelReady {
            travel_on: date(
                "travel_on",
                input
                    .travel_on
                    .as_deref()
                    .ok_or_else(|| missing("travel_on"))?,
            )?,
        },
        MessageKind::Departed => M::Departed,
        MessageKind::Arrived => M::Arrived {
            arrived_on: date(
                "arrived_on",
                input
                    .arrived_on
                    .as_deref()
                    .ok_or_else(|| missing("arrived_on"))?,
            )?,
        },
        MessageKind::ReintegrationPlan => M::ReintegrationPlan {
            made_on: date(
                "made_on",
                input.made_on.as_deref().ok_or_else(|| missing("made_on"))?,
            )?,
        },
        MessageKind::FollowUpReport => M::FollowUpReport(FollowUpReport {
            due_month: input.due_month.ok_or_else(|| missing("due_month"))?,
            reported_on: match text(&input.reported_on) {
                Some(d) => date("reported_on", &d)?,
                None => today,
            },
            reached: input.reached.ok_or_else(|| missing("reached"))?,
            wellbeing: Wellbeing::parse(
                input
                    .wellbeing
                    .as_deref()
                    .ok_or_else(|| missing("wellbeing"))?,
            )?,
            plan_progress: PlanProgress::parse(
                input
                    .plan_progress
                    .as_deref()
                    .ok_or_else(|| missing("plan_progress"))?,
            )?,
            re_trafficking_alert: input.re_trafficking_alert.unwrap_or(false),
        }),
        MessageKind::Closure => M::Closure {
            reason: reason().ok_or_else(|| missing("reason"))?,
        },
        MessageKind::Cancellation => M::Cancellation {
            reason: reason().ok_or_else(|| missing("reason"))?,
        },
        MessageKind::ConsentWithdrawn => M::ConsentWithdrawn,
        MessageKind::SecurityAlert => M::SecurityAlert,
    };
    Ok((message, serde_json::Value::Object(content)))
}

/// The protocol payload of a stored message's content (sent: `{"payload"}`;
/// received: `{"signed": base64 of the signed JSON}`).
fn payload_of(content: &serde_json::Value) -> Option<serde_json::Value> {
    if let Some(p) = content.get("payload") {
        return Some(p.clone());
    }
    use base64::Engine;
    let signed = content.get("signed")?.as_str()?;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(signed)
        .ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    v.get("payload").cloned()
}

/// The fields a page may show of a payload: everything but the type and a
/// request's personal content, flattened to text.
fn details_of(kind: &str, payload: &serde_json::Value) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let Some(obj) = payload.as_object() else {
        return out;
    };
    let plain = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(a) => a
            .iter()
            .map(|x| x.as_str().map_or_else(|| x.to_string(), str::to_owned))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    };
    for (k, v) in obj {
        match k.as_str() {
            "type" | "consent" => {}
            "content" if kind == MessageKind::Request.as_str() => {}
            "content" => {
                for (ck, cv) in v.as_object().into_iter().flatten() {
                    if ck == "summaries" {
                        for (sk, sv) in cv.as_object().into_iter().flatten() {
                            out.insert(format!("summary_{sk}"), plain(sv));
                        }
                    } else {
                        out.insert(ck.clone(), plain(cv));
                    }
                }
            }
            _ if v.is_null() => {}
            _ => {
                out.insert(k.clone(), plain(v));
            }
        }
    }
    out
}

impl App {
    /// The handover `id` as `who` may hold it; the answer a missing handover
    /// gets for anyone else. `act`: `who` must be able to send messages.
    async fn held_handover(&self, who: &Principal, id: &str, act: bool) -> Result<Held, AppError> {
        let row = self
            .store
            .handover(id)
            .await?
            .ok_or_else(handover_not_found)?;
        let side = Side::parse(&row.side)?;
        let hide = |e: AppError| {
            if matches!(e.kind, ErrorKind::NotFound | ErrorKind::Forbidden) {
                handover_not_found()
            } else {
                e
            }
        };
        let local = self.is_local(&row)?;
        if let Some(case) = row.case_id {
            match self.readable_case(who, case.0).await {
                Ok((facts, _)) => {
                    let may_act = self
                        .case_for_handover(who, case.0, "act on this case's handover")
                        .await
                        .is_ok();
                    if act && !may_act {
                        return Err(handover_not_found());
                    }
                    return Ok(Held {
                        row,
                        side,
                        org: facts.org,
                        may_act,
                    });
                }
                // A local handover is held on the origin's side too, by the
                // organisation the partner stands for (below).
                Err(e) if local && matches!(e.kind, ErrorKind::NotFound | ErrorKind::Forbidden) => {
                }
                Err(e) => return Err(hide(e)),
            }
        }
        let linked = self
            .store
            .handover_partner(&row.partner)
            .await?
            .and_then(|p| p.org_id);
        if !protocol::origin_may_act(who.actor.role, who.org(), linked) {
            return Err(handover_not_found());
        }
        Ok(Held {
            row,
            side: if local { Side::Origin } else { side },
            org: who.org(),
            may_act: true,
        })
    }

    /// Whether the handover's partner is this deployment itself: the
    /// origin's partner works on the same deployment (a local handover,
    /// docs/handover.md). Its messages are recorded, never sealed or sent.
    pub(crate) fn is_local(&self, row: &HandoverRow) -> Result<bool, AppError> {
        let mine = match self.own_fingerprint.get() {
            Some(fp) => fp,
            None => {
                let fp = self.handover_identity()?.fingerprint().to_hex();
                self.own_fingerprint.get_or_init(|| fp)
            }
        };
        Ok(row.partner == *mine)
    }

    /// `POST /api/v1/handovers/{id}/messages`: the next protocol message
    /// from the side that holds the handover here. Checks who may act, the
    /// consent (destination side: still in force, naming the partner's
    /// organisation and every category an assessment carries), the
    /// protocol (409 with the domain's code), then applies it locally and
    /// seals it to the partner into the outbox with the next sequence
    /// number, in one audited transaction.
    pub async fn send_handover_message(
        &self,
        who: &Principal,
        id: &str,
        input: NewHandoverMessage,
    ) -> Result<HandoverMessageSent, AppError> {
        let held = self.held_handover(who, id, true).await?;
        let today = self.clock.today();
        let (message, content) = build_message(&input, today)?;
        let grant = Grant::record(who.id(), "handover", &held.row.id);
        let h: Handover = self.open_json(
            &grant,
            "handovers",
            "record",
            &held.row.id,
            &held.row.record,
        )?;
        if h.state == HandoverState::ConsentWithdrawn {
            return Err(AppError::new(
                ErrorKind::Conflict,
                codes::CONSENT_WITHDRAWN,
                "the person withdrew the consent to this handover: no further message",
            ));
        }
        let step = h
            .apply(held.side, &message, today)
            .map_err(protocol_refusal)?;
        // The destination shares only while the consent names the partner's
        // organisation and every category shared (a withdrawal is always
        // allowed to go).
        if let (Some(case), true, Side::Destination) = (
            held.row.case_id,
            message.kind() != MessageKind::ConsentWithdrawn,
            held.side,
        ) {
            self.handover_consent_covers(
                &who.id().to_string(),
                case,
                &held.row.partner,
                &message,
                &h,
                today,
            )
            .await?;
            // Travel waits for the person's recorded decision and the plan.
            if message.kind() == MessageKind::TravelReady
                && !self.repatriation_recorded(case, &held.row.partner).await?
            {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    crate::returns::codes::RETURN_PLAN_REQUIRED,
                    "record the person's decision to return and the return plan first",
                ));
            }
        }
        self.queue_outgoing(
            Sender {
                actor: &who.id().to_string(),
                by: &who.user.full_name,
                org: held.org,
                side: held.side,
                alert_own_side: true,
            },
            &held.row,
            step,
            &message,
            content,
        )
        .await
    }

    /// The destination's consent check before a message goes: in force,
    /// naming the partner's organisation and every category shared.
    pub(crate) async fn handover_consent_covers(
        &self,
        actor: &str,
        case: CaseId,
        partner: &str,
        message: &HandoverMessage,
        h: &Handover,
        today: Date,
    ) -> Result<(), AppError> {
        let categories = match message {
            HandoverMessage::RiskAndNeedsAssessment { categories } => categories.clone(),
            _ => h.categories.clone(),
        };
        let org = self
            .store
            .handover_partner(partner)
            .await?
            .and_then(|p| p.org_id);
        let ledger = self.ledger(&Grant::policy_check(actor, case), case).await?;
        consent::covers(
            &ledger,
            ConsentPurpose::CrossBorderHandover,
            org,
            &categories,
            today,
        )
        .map(|_| ())
        .map_err(|r| {
            AppError::new(
                ErrorKind::Forbidden,
                crate::handover_cases::codes::CONSENT_REQUIRED,
                r.message(),
            )
        })
    }

    /// Who an alert after return reaches in `org`: its coordinators; in an
    /// organisation without one, those who act on its returns (case managers
    /// and partner liaisons), so that an alert is never unseen.
    pub(crate) async fn return_alert_recipients(
        &self,
        org: OrgId,
    ) -> Result<Vec<safepath_store::UserRow>, AppError> {
        use safepath_domain::org::Role;
        let mut to = self
            .store
            .users_with_role(org, Role::Coordinator.as_str())
            .await?;
        if to.is_empty() {
            for role in [Role::CaseManager, Role::Partner] {
                to.extend(self.store.users_with_role(org, role.as_str()).await?);
            }
        }
        Ok(to)
    }

    /// The notices an alert raises (a security alert; a follow-up report
    /// saying the person may be trafficked again) for the coordinators of
    /// `org` (or, where it has none, those who act on its handovers): on
    /// each side its own — the sender's when it is sent, the
    /// receiver's when it arrives. What happened and which handover, nothing
    /// of the person.
    pub(crate) async fn alert_notices(
        &self,
        step: &protocol::Step,
        kind: MessageKind,
        org: Option<OrgId>,
        handover: &str,
        case: Option<CaseId>,
    ) -> Result<Vec<safepath_store::NotificationRow>, AppError> {
        let (true, Some(org)) = (
            step.effects.contains(&protocol::Effect::AlertCoordinators),
            org,
        ) else {
            return Ok(Vec::new());
        };
        let event = if kind == MessageKind::SecurityAlert {
            "security_alert"
        } else {
            "re_trafficking"
        };
        let params = crate::identification::notice_params(&[("alert", event)]);
        // About a case: only those who may open it.
        let facts = match case {
            Some(c) => self.store.case_facts(c).await?,
            None => None,
        };
        Ok(self
            .return_alert_recipients(org)
            .await?
            .into_iter()
            .filter(|u| {
                facts.as_ref().is_none_or(|f| {
                    Principal::from_user(u.clone()).is_ok_and(|p| {
                        safepath_domain::access::authorize(&p.actor, Action::ReadCase, f).is_ok()
                    })
                })
            })
            .map(|u| {
                let mut n = self.notice(u.id, "handover_alert", case, format!("alert={event}"));
                n.subject_type = Some("handover".into());
                n.subject_id = Some(handover.to_owned());
                n.params = Some(params.clone());
                n
            })
            .collect())
    }

    /// Applies an outgoing message: the handover's new state and the
    /// message with the sender's next sequence number, in one audited
    /// transaction — sealed to the partner with its outbox entry, or, on a
    /// local handover, recorded for the other side here with what its
    /// arrival does (the other side's alerts, the case to follow-up, the
    /// erasure). A withdrawal also drops every other unsent message and
    /// erases the content kept of the others.
    pub(crate) async fn queue_outgoing(
        &self,
        from: Sender<'_>,
        row: &HandoverRow,
        step: protocol::Step,
        message: &HandoverMessage,
        content: serde_json::Value,
    ) -> Result<HandoverMessageSent, AppError> {
        let partner = self
            .store
            .handover_partner(&row.partner)
            .await?
            .filter(|p| p.revoked_at.is_none())
            .ok_or_else(|| {
                AppError::new(
                    ErrorKind::Conflict,
                    codes::PARTNER_REVOKED,
                    "the partner deployment is no longer registered",
                )
            })?;
        let local = self.is_local(row)?;
        let mut alerts = if from.alert_own_side {
            let case = row.case_id.filter(|_| from.side == Side::Destination);
            self.alert_notices(&step, message.kind(), Some(from.org), &row.id, case)
                .await?
        } else {
            Vec::new()
        };
        if local {
            // The other side's coordinators, as its inbox would tell them.
            let (other_org, case) = match from.side {
                Side::Destination => (partner.org_id, None),
                Side::Origin => match row.case_id {
                    Some(c) => (self.store.case_facts(c).await?.map(|f| f.org), Some(c)),
                    None => (None, None),
                },
            };
            alerts.extend(
                self.alert_notices(&step, message.kind(), other_org, &row.id, case)
                    .await?,
            );
        }
        let me = self.handover_identity()?;
        let my_fp = me.fingerprint().to_hex();
        let sender = if local {
            local_sender(&my_fp, from.side)
        } else {
            my_fp.clone()
        };
        let sequence = self.store.next_handover_sequence(&row.id, &sender).await?;
        let mut payload =
            serde_json::to_value(message).map_err(|_| AppError::internal("handover message"))?;
        if let Some(obj) = payload.as_object_mut() {
            obj.insert("content".into(), content);
        }
        let now = self.now_ms();
        let message_id = new_message_id();
        let envelope = if local {
            None
        } else {
            let keys = PartnerKeys::from_base64(&partner.signing_key, &partner.encryption_key)
                .map_err(|_| AppError::internal("stored partner keys"))?;
            Some(seal_envelope(
                &me,
                &keys,
                &row.id,
                sequence,
                now,
                payload.clone(),
                &message_id,
            )?)
        };
        let erase = local && step.effects.contains(&protocol::Effect::EraseReceived);
        let new_row = HandoverRow {
            state: step.handover.state.as_str().into(),
            // Locally the receiver's erasure is this row's: the state stays.
            record: if erase {
                self.seal_json("handovers", "record", &row.id, &step.handover.erased())?
            } else {
                self.seal_json("handovers", "record", &row.id, &step.handover)?
            },
            version: row.version + 1,
            updated_at: now,
            ..row.clone()
        };
        let row_id = Uuid::new_v4().to_string();
        let hashed = envelope.clone().unwrap_or_else(|| payload.to_string());
        let msg_row = HandoverMessageRow {
            id: row_id.clone(),
            handover_id: row.id.clone(),
            direction: (if from.side == Side::Origin && local {
                "in"
            } else {
                "out"
            })
            .into(),
            sender,
            message_id,
            sequence,
            kind: message.kind().as_str().into(),
            envelope_hash: hex::encode(safepath_crypto::sha256(hashed.as_bytes())),
            envelope,
            content: Some(self.seal_json(
                "handover_messages",
                "content",
                &row_id,
                &serde_json::json!({ "payload": payload, "by": from.by }),
            )?),
            created_at: now,
        };
        let outbox = (!local).then(|| HandoverOutboxRow {
            message_row_id: row_id.clone(),
            recipient: row.partner.clone(),
            attempts: 0,
            next_attempt_at: now,
            sent_at: None,
            last_error: None,
        });
        let audit = AuditDraft::new(now, from.actor, "handover.send")
            .record("handover", &row.id)
            .org(from.org)
            .detail(format!(
                "kind={} sequence={sequence} case={}{}",
                message.kind(),
                row.case_id.map(|c| c.to_string()).unwrap_or_default(),
                if local { " local" } else { "" }
            ))
            .notify_all(alerts);
        self.store
            .record_handover_message(
                &new_row,
                Some(row.version),
                &msg_row,
                outbox.as_ref(),
                &audit,
            )
            .await?;
        if message.kind() == MessageKind::ConsentWithdrawn {
            let erase = AuditDraft::new(now, from.actor, "handover.erase")
                .record("handover", &row.id)
                .org(from.org);
            self.store
                .erase_handover_content(&row.id, Some(&row_id), &erase)
                .await?;
        }
        // Locally, the person's arrival moves the destination's case now.
        if local
            && from.side == Side::Origin
            && step.effects.contains(&protocol::Effect::CaseToFollowUp)
            && let Some(case) = row.case_id
            && let Err(e) = self.case_arrived(case, &row.partner, &partner.name).await
        {
            tracing::warn!(code = e.code, "the case was not moved on arrival");
        }
        Ok(HandoverMessageSent {
            handover_id: row.id.clone(),
            kind: message.kind().as_str().into(),
            sequence,
            state: new_row.state,
        })
    }

    /// After a `cross_border_handover` consent was withdrawn: queues a
    /// consent withdrawal for every open handover of the case resting on it
    /// (the partner erases what it received). Returns how many.
    pub(crate) async fn withdraw_handovers(
        &self,
        who: &Principal,
        case: CaseId,
        org: OrgId,
        consent_id: safepath_domain::casework::ids::ConsentId,
    ) -> Result<usize, AppError> {
        let today = self.clock.today();
        let open: Vec<HandoverRow> = self
            .store
            .handovers_for_case(case)
            .await?
            .into_iter()
            .filter(|r| !HandoverState::parse(&r.state).is_ok_and(HandoverState::is_finished))
            .collect();
        if open.is_empty() {
            return Ok(0);
        }
        // Each open handover's record is read to find those resting on the
        // consent: one audited read naming them all.
        let ids: Vec<&str> = open.iter().map(|r| r.id.as_str()).collect();
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "handover.read")
            .record("case", case)
            .org(org)
            .detail(format!("consent withdrawn; handovers={}", ids.join(",")));
        self.store.append_audit(&audit).await?;
        let mut queued = 0;
        for row in open {
            let Ok(side) = Side::parse(&row.side) else {
                continue;
            };
            let grant = Grant::record(who.id(), "handover", &row.id);
            let h: Handover =
                self.open_json(&grant, "handovers", "record", &row.id, &row.record)?;
            if h.consent != consent_id {
                continue;
            }
            let message = HandoverMessage::ConsentWithdrawn;
            let step = h.apply(side, &message, today).map_err(protocol_refusal)?;
            self.queue_outgoing(
                Sender {
                    actor: &who.id().to_string(),
                    by: &who.user.full_name,
                    org,
                    side,
                    alert_own_side: true,
                },
                &row,
                step,
                &message,
                serde_json::json!({}),
            )
            .await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// `GET /api/v1/handovers/{id}`: the state, the contacts, the follow-up
    /// schedule and every step with who and when (an audited read).
    pub async fn handover_view(&self, who: &Principal, id: &str) -> Result<HandoverView, AppError> {
        let held = self.held_handover(who, id, false).await?;
        let row = &held.row;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "handover.read")
            .record("handover", &row.id)
            .org(held.org);
        self.store.append_audit(&audit).await?;
        let grant = Grant::record(who.id(), "handover", &row.id);
        let h: Handover = self.open_json(&grant, "handovers", "record", &row.id, &row.record)?;
        let today = self.clock.today();
        let local = self.is_local(row)?;
        let my_fp = self.handover_identity()?.fingerprint().to_hex();
        let me = if local {
            local_sender(&my_fp, held.side)
        } else {
            my_fp
        };
        let partner = self
            .store
            .handover_partner(&row.partner)
            .await?
            .map(|p| p.name)
            .unwrap_or_else(|| "—".into());
        let other = if held.side == Side::Destination {
            Side::Origin
        } else {
            Side::Destination
        };
        let mut steps = Vec::new();
        for m in self.store.handover_messages(&row.id).await? {
            let sent = m.sender == me;
            let opened: Option<serde_json::Value> = match &m.content {
                Some(c) => {
                    Some(self.open_json(&grant, "handover_messages", "content", &m.id, c)?)
                }
                None => None,
            };
            // Locally both sides' senders are staff of this deployment.
            let by = opened
                .as_ref()
                .filter(|_| sent || local)
                .and_then(|c| c.get("by"))
                .and_then(|b| b.as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| if sent { "—".into() } else { partner.clone() });
            let details = opened
                .as_ref()
                .and_then(payload_of)
                .map(|p| details_of(&m.kind, &p))
                .unwrap_or_default();
            steps.push(HandoverStepView {
                sequence: m.sequence,
                kind: m.kind.clone(),
                direction: (if sent { "sent" } else { "received" }).into(),
                from_side: (if sent { held.side } else { other }).as_str().into(),
                by,
                at: rfc3339(m.created_at),
                details,
                erased: m.content.is_none(),
            });
        }
        let follow_ups = h
            .follow_ups(today)
            .into_iter()
            .map(|f| {
                let r = h.reports.iter().find(|r| r.due_month == f.due_month);
                FollowUpView {
                    due_month: f.due_month,
                    due_on: iso(f.due_on),
                    reported_on: f.reported_on.map(iso),
                    reached: f.reached,
                    wellbeing: r.map(|r| r.wellbeing.as_str().into()),
                    plan_progress: r.map(|r| r.plan_progress.as_str().into()),
                    re_trafficking_alert: r.map(|r| r.re_trafficking_alert),
                    overdue: f.overdue,
                }
            })
            .collect();
        Ok(HandoverView {
            id: row.id.clone(),
            side: held.side.as_str().into(),
            state: h.state.as_str().into(),
            partner,
            // The origin's side never gets the destination's case.
            case_id: row
                .case_id
                .filter(|_| held.side == Side::Destination)
                .map(|c| c.to_string()),
            created_at: rfc3339(row.created_at),
            updated_at: rfc3339(row.updated_at),
            may_act: held.may_act,
            next_steps: if held.may_act {
                protocol::next_kinds(held.side, h.state)
                    .into_iter()
                    .map(|k| k.as_str().to_owned())
                    .collect()
            } else {
                Vec::new()
            },
            categories: h.categories.iter().map(|c| c.as_str().into()).collect(),
            person_is_child: h.person_is_child,
            contacts: h.contacts.as_ref().map(|c| ContactsView {
                contact: c.contact.clone(),
                alternate: c.alternate.clone(),
            }),
            corroboration: h.corroboration.map(|d| d.as_str().into()),
            travel_on: h.travel_on.map(iso),
            arrived_on: h.arrived_on.map(iso),
            plan_made_on: h.plan_made_on.map(iso),
            plan_due_on: h.plan_due_on().map(iso),
            plan_overdue: h.plan_overdue(today),
            follow_ups,
            steps,
        })
    }

    /// `GET /api/v1/handovers`: the handovers `who`'s side holds here —
    /// received ones of the organisation the partner is linked to, and
    /// those of the cases `who` may read. States and dates only (an audited
    /// list naming the ids).
    /// The overdue follow-ups after return (and reintegration plans) of
    /// the handovers this user works on: on the destination's side the case
    /// manager of the case and the organisation's coordinators, on the
    /// origin's those who may act for the receiving organisation. Oldest
    /// first; one audited read naming the handovers opened.
    pub async fn follow_ups_due(&self, who: &Principal) -> Result<Vec<FollowUpDue>, AppError> {
        let today = self.clock.today();
        let mut mine = Vec::new();
        for row in self.store.all_handovers().await? {
            // Only a handover after arrival has a schedule.
            let after_arrival =
                HandoverState::parse(&row.state).is_ok_and(HandoverState::is_following_up);
            if !after_arrival {
                continue;
            }
            let partner = self.store.handover_partner(&row.partner).await?;
            let as_origin = |row: &HandoverRow| -> Result<bool, AppError> {
                Ok((row.case_id.is_none() || self.is_local(row)?)
                    && protocol::origin_may_act(
                        who.actor.role,
                        who.org(),
                        partner.as_ref().and_then(|p| p.org_id),
                    ))
            };
            let as_destination = match row.case_id {
                Some(case) => match self.store.case_facts(case).await? {
                    Some(facts) => {
                        safepath_domain::access::authorize(&who.actor, Action::ReadCase, &facts)
                            .is_ok()
                            && (facts.case_manager == Some(who.id())
                                || (who.actor.role == safepath_domain::org::Role::Coordinator
                                    && facts.org == who.org()))
                    }
                    None => false,
                },
                None => false,
            };
            let side = if as_destination {
                Some(row.side.clone())
            } else if as_origin(&row)? {
                Some(Side::Origin.as_str().to_owned())
            } else {
                None
            };
            if let Some(side) = side {
                let name = partner.map_or_else(|| "—".to_owned(), |p| p.name);
                mine.push((HandoverRow { side, ..row }, name));
            }
        }
        if mine.is_empty() {
            return Ok(Vec::new());
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "handover.follow_ups")
            .org(who.org())
            .detail(format!(
                "ids={}",
                mine.iter()
                    .map(|(r, _)| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        self.store.append_audit(&audit).await?;
        let mut out = Vec::new();
        for (row, partner) in mine {
            let grant = Grant::record(who.id(), "handover", &row.id);
            let h: Handover =
                self.open_json(&grant, "handovers", "record", &row.id, &row.record)?;
            let mut due: Vec<(u8, Date)> = h
                .overdue_follow_ups(today)
                .iter()
                .map(|f| (f.due_month, f.due_on))
                .collect();
            if h.plan_overdue(today)
                && let Some(on) = h.plan_due_on()
            {
                due.push((0, on));
            }
            for (due_month, on) in due {
                out.push(FollowUpDue {
                    handover_id: row.id.clone(),
                    side: row.side.clone(),
                    partner: partner.clone(),
                    due_month,
                    due_on: iso(on),
                });
            }
        }
        out.sort_by(|a, b| a.due_on.cmp(&b.due_on));
        Ok(out)
    }

    pub async fn handovers_held(&self, who: &Principal) -> Result<Vec<HandoverListItem>, AppError> {
        let mut out = Vec::new();
        let mut linked: BTreeMap<String, Option<(String, Option<OrgId>)>> = BTreeMap::new();
        for row in self.store.all_handovers().await? {
            if !linked.contains_key(&row.partner) {
                let p = self
                    .store
                    .handover_partner(&row.partner)
                    .await?
                    .map(|p| (p.name, p.org_id));
                linked.insert(row.partner.clone(), p);
            }
            let (name, org) = linked
                .get(&row.partner)
                .cloned()
                .flatten()
                .unwrap_or_else(|| ("—".into(), None));
            let as_destination = match row.case_id {
                Some(case) => match self.store.case_facts(case).await? {
                    Some(facts) => {
                        safepath_domain::access::authorize(&who.actor, Action::ReadCase, &facts)
                            .is_ok()
                    }
                    None => false,
                },
                None => false,
            };
            // Received here, or a local handover: the partner's organisation.
            let as_origin = !as_destination
                && (row.case_id.is_none() || self.is_local(&row)?)
                && protocol::origin_may_act(who.actor.role, who.org(), org);
            if as_destination || as_origin {
                out.push(HandoverListItem {
                    id: row.id,
                    side: if as_origin {
                        Side::Origin.as_str().to_owned()
                    } else {
                        row.side
                    },
                    state: row.state,
                    partner: name,
                    case_id: row
                        .case_id
                        .filter(|_| as_destination)
                        .map(|c| c.to_string()),
                    created_at: rfc3339(row.created_at),
                    updated_at: rfc3339(row.updated_at),
                });
            }
        }
        let ids: Vec<&str> = out.iter().map(|h| h.id.as_str()).collect();
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "handover.list")
            .org(who.org())
            .detail(format!("ids={}", ids.join(",")));
        self.store.append_audit(&audit).await?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 12 - 05);

    fn body(v: serde_json::Value) -> NewHandoverMessage {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_body_becomes_the_domain_message_and_its_notes() {
        let (m, c) = build_message(
            &body(serde_json::json!({"kind": "acknowledgement", "contact": "Desk officer", "alternate": "Deputy", "note": " within two weeks "})),
            TODAY,
        )
        .unwrap();
        assert_eq!(
            m,
            HandoverMessage::Acknowledgement {
                contact: "Desk officer".into(),
                alternate: "Deputy".into()
            }
        );
        assert_eq!(c["note"], "within two weeks");
        let (m, c) = build_message(
            &body(serde_json::json!({"kind": "risk_and_needs_assessment", "categories": ["health"], "summaries": {"health": "Needs follow-up care"}})),
            TODAY,
        )
        .unwrap();
        assert_eq!(m.kind(), MessageKind::RiskAndNeedsAssessment);
        assert_eq!(c["summaries"]["health"], "Needs follow-up care");
        let (m, _) = build_message(
            &body(serde_json::json!({"kind": "follow_up_report", "due_month": 1, "reached": true, "wellbeing": "fair", "plan_progress": "delayed"})),
            TODAY,
        )
        .unwrap();
        let HandoverMessage::FollowUpReport(r) = m else {
            panic!("not a report")
        };
        assert_eq!((r.reported_on, r.wellbeing), (TODAY, Wellbeing::Fair));
    }

    #[test]
    fn bad_bodies_are_refused_before_anything_is_read() {
        for (v, code) in [
            (serde_json::json!({"kind": "request"}), "invalid_field"),
            (serde_json::json!({"kind": "gossip"}), "invalid_field"),
            (
                serde_json::json!({"kind": "acknowledgement", "contact": "A"}),
                "missing_field",
            ),
            (
                serde_json::json!({"kind": "risk_and_needs_assessment", "categories": ["health"], "summaries": {"legal": "x"}}),
                "invalid_field",
            ),
            (
                serde_json::json!({"kind": "corroboration", "decision": "no_go"}),
                protocol::codes::REASON_REQUIRED,
            ),
            (
                serde_json::json!({"kind": "travel_on", "travel_on": "soon"}),
                "invalid_field",
            ),
            (
                serde_json::json!({"kind": "travel_ready", "travel_on": "2026-02-30"}),
                "invalid_field",
            ),
            (serde_json::json!({"kind": "closure"}), "missing_field"),
        ] {
            let e = build_message(&body(v.clone()), TODAY).unwrap_err();
            assert_eq!(e.kind, ErrorKind::BadRequest, "{v}");
            assert_eq!(e.code, code, "{v}");
        }
    }

    #[test]
    fn details_leave_out_the_requests_personal_content() {
        let p = serde_json::json!({"type": "request", "consent": "x", "categories": ["identity"], "content": {"identity": {"display_name": "Someone"}}});
        let d = details_of("request", &p);
        assert!(!format!("{d:?}").contains("Someone"));
        assert_eq!(d.get("categories").map(String::as_str), Some("identity"));
        let p = serde_json::json!({"type": "closure", "reason": "done", "content": {"note": "n"}});
        let d = details_of("closure", &p);
        assert_eq!(d.get("reason").map(String::as_str), Some("done"));
        assert_eq!(d.get("note").map(String::as_str), Some("n"));
    }
}
