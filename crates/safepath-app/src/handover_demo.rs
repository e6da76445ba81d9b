//! The demo's returns (issue 12): a partner deployment abroad standing for
//! organisation C's office (a fresh synthetic identity with no inbox: what
//! is sent to it waits in the outbox), and two handovers of demo-cm-a's
//! cases in solution planning —
//!
//! 1. one just started: a security assessment, the person's consent, the
//!    request, acknowledged by the partner;
//! 2. one after arrival: the whole protocol up to the reintegration plan,
//!    with the person's recorded decision and return plan; the case has
//!    moved to follow-up and the follow-up schedule runs.
//!
//! The partner's messages are sealed with its identity and taken in by the
//! inbox, as a real partner's would be. Dates are today's: the protocol
//! refuses a travel notice in the past, so nothing here is back-dated.

use std::collections::BTreeSet;

use safepath_crypto::handover::{
    DEFAULT_LIFETIME_SECS, DeploymentIdentity, Outgoing, PartnerKeys, new_message_id, seal_with_id,
};
use safepath_domain::casework::consent::{ConsentPurpose, DataCategory};
use safepath_domain::solutions::repatriation::Escort;
use uuid::Uuid;

use crate::handover_cases::{NewHandover, NewSecurityAssessment};
use crate::handover_protocol::{NewHandoverMessage, build_message};
use crate::returns::NewRepatriation;
use crate::{App, AppError, Principal};

/// The partner abroad, as the demo plays it.
struct DemoPartner {
    identity: DeploymentIdentity,
    fingerprint: String,
}

impl DemoPartner {
    /// A message from the partner on `handover`: sealed by its identity to
    /// ours and taken in by the inbox.
    async fn sends(
        &self,
        app: &App,
        handover: &str,
        sequence: u64,
        message: NewHandoverMessage,
    ) -> Result<(), AppError> {
        let (msg, content) = build_message(&message, app.clock.today())?;
        let mut payload =
            serde_json::to_value(&msg).map_err(|_| AppError::internal("demo message"))?;
        if let Some(obj) = payload.as_object_mut() {
            obj.insert("content".into(), content);
        }
        let me = app.handover_identity()?;
        let mine = me.public();
        let to_me =
            PartnerKeys::from_base64(&mine.signing_key_base64(), &mine.encryption_key_base64())
                .map_err(|e| AppError::internal(&e.to_string()))?;
        let envelope = seal_with_id(
            &self.identity,
            &to_me,
            Outgoing {
                handover_id: handover,
                sequence,
                now: app.now_ms() / 1000,
                lifetime_secs: DEFAULT_LIFETIME_SECS,
                payload,
            },
            &new_message_id(),
        )
        .map_err(|e| AppError::internal(&e.to_string()))?
        .to_json();
        app.receive_handover_message(&me, envelope.as_bytes())
            .await?;
        Ok(())
    }
}

fn message(kind: &str) -> NewHandoverMessage {
    NewHandoverMessage {
        kind: kind.into(),
        ..Default::default()
    }
}

/// The assessment, the consent and the request of a return of `case` to
/// the demo partner; the handover's id.
async fn start(
    app: &App,
    cm: &Principal,
    case: Uuid,
    org_c: Uuid,
    partner: &DemoPartner,
    assessment: NewSecurityAssessment,
) -> Result<String, AppError> {
    app.record_security_assessment(cm, case, assessment).await?;
    let categories: BTreeSet<DataCategory> = [DataCategory::Identity, DataCategory::Contact]
        .into_iter()
        .collect();
    app.record_consent(
        cm,
        case,
        crate::referrals::NewConsent {
            purpose: ConsentPurpose::CrossBorderHandover,
            recipient_org_id: Some(org_c),
            categories: categories.clone(),
            expires_on: None,
            explained_in_language: None,
            interpreter: true,
            person_is_child: false,
            child_guardian: None,
        },
    )
    .await?;
    let started = app
        .start_handover(
            cm,
            case,
            NewHandover {
                partner: partner.fingerprint.clone(),
                categories,
            },
        )
        .await?;
    let mut ack = message("acknowledgement");
    ack.contact = Some("Daw Synthetic Return Desk Officer".into());
    ack.alternate = Some("U Synthetic Deputy Coordinator".into());
    ack.note = Some("We expect to answer within two weeks (demo).".into());
    partner.sends(app, &started.id, 1, ack).await?;
    Ok(started.id)
}

fn assessment(re_trafficking: &str, debt: &str, notes: &str) -> NewSecurityAssessment {
    NewSecurityAssessment {
        re_trafficking_risk: re_trafficking.into(),
        trafficker_threat: "low".into(),
        debt_threat: debt.into(),
        family_situation: "supportive".into(),
        receiving_capacity: "adequate".into(),
        protection_need: "none".into(),
        notes: Some(notes.into()),
        assessed_on: None,
    }
}

/// Seeds the partner and the two handovers (`started` and, when given,
/// `arrived`: cases of demo-cm-a in solution planning).
pub(crate) async fn seed_demo(
    app: &App,
    cm: &Principal,
    started_case: Uuid,
    arrived_case: Option<Uuid>,
    org_c: Uuid,
) -> Result<(), AppError> {
    let identity = DeploymentIdentity::generate();
    let view = crate::handover::IdentityView::of(&identity);
    app.register_handover_partner(
        crate::admin::Operator::Cli("demo"),
        "Mekong Return Partners, Yangon office (demo)",
        &view.signing_key,
        &view.encryption_key,
        &view.fingerprint,
        None,
        Some(&org_c.to_string()),
    )
    .await?;
    let partner = DemoPartner {
        identity,
        fingerprint: view.fingerprint,
    };
    start(
        app,
        cm,
        started_case,
        org_c,
        &partner,
        assessment(
            "medium",
            "medium",
            "Synthetic demo assessment. The person wishes to go home.",
        ),
    )
    .await?;
    let Some(case) = arrived_case else {
        return Ok(());
    };
    // The second return, carried to the reintegration plan.
    let id = start(
        app,
        cm,
        case,
        org_c,
        &partner,
        assessment(
            "low",
            "low",
            "Synthetic demo assessment. Family visited by the partner; a job offer at home.",
        ),
    )
    .await?;
    let mut assessment_sent = message("risk_and_needs_assessment");
    assessment_sent.categories = Some([DataCategory::Identity].into_iter().collect());
    app.send_handover_message(cm, &id, assessment_sent).await?;
    let mut go = message("corroboration");
    go.decision = Some("go".into());
    go.reason = Some("Family visited; vocational training arranged (demo).".into());
    partner.sends(app, &id, 2, go).await?;
    let today = crate::clock::iso_day(app.clock.today());
    app.record_repatriation(
        cm,
        case,
        NewRepatriation {
            partner: partner.fingerprint.clone(),
            decided_on: None,
            language: "my".into(),
            interpreter: true,
            agreement: None,
            documents: vec!["Certificate of identity issued by the embassy".into()],
            travel_date: Some(today.clone()),
            route: Some("By road through the border crossing, met on the other side".into()),
            escort: Some(Escort::ReceivingStaff),
            costs: Vec::new(),
        },
    )
    .await?;
    let mut ready = message("travel_ready");
    ready.travel_on = Some(today.clone());
    app.send_handover_message(cm, &id, ready).await?;
    app.send_handover_message(cm, &id, message("departed"))
        .await?;
    let mut arrived = message("arrived");
    arrived.arrived_on = Some(today.clone());
    partner.sends(app, &id, 3, arrived).await?;
    let mut plan = message("reintegration_plan");
    plan.made_on = Some(today);
    plan.note =
        Some("Vocational training, counselling and a family visit each month (demo).".into());
    partner.sends(app, &id, 4, plan).await?;
    Ok(())
}
