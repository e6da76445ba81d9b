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
//! 3. one completed a month ago: a case opened fifteen months ago and
//!    carried through the whole protocol — travel, arrival thirteen months
//!    ago, the plan, the four follow-up reports (one did not reach the
//!    person) and the origin's closure.
//!
//! The partner's messages are sealed with its identity and taken in by the
//! inbox, as a real partner's would be. The protocol refuses a travel
//! notice in the past, so the completed return is not back-dated: the
//! app's clock is moved to each step's day while it is written
//! (`AppClock::travel_to`), every step through the same rules as live use.

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

impl DemoPartner {
    /// The origin's corroboration: a go, with its reason (message 2).
    async fn says_go(&self, app: &App, handover: &str, reason: &str) -> Result<(), AppError> {
        let mut go = message("corroboration");
        go.decision = Some("go".into());
        go.reason = Some(reason.into());
        self.sends(app, handover, 2, go).await
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
    // The reintegration assessment chose a return, as the person wished.
    app.record_reintegration_assessment(cm, case, wants_to_go_home())
        .await?;
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

/// A reintegration assessment made with a person who wants to go home
/// (synthetic words).
fn wants_to_go_home() -> crate::reintegration::NewReintegrationAssessment {
    use crate::reintegration::{NewProvision, NewReintegrationAssessment};
    let provision = |provision: &str, finding: &str, view: &str| NewProvision {
        provision: provision.into(),
        finding: finding.into(),
        person_view: view.into(),
        notes: None,
    };
    NewReintegrationAssessment {
        provisions: vec![
            provision(
                "family_community_acceptance",
                "favourable",
                "My mother wants me back; the village does not know what happened.",
            ),
            provision(
                "employment_livelihood",
                "uncertain",
                "I can sew; I would like to learn to run a small shop.",
            ),
            provision(
                "option_to_stay_leave_or_return",
                "favourable",
                "I want to go home, not to another country.",
            ),
            provision(
                "option_to_bring_family",
                "not_applicable",
                "My family is at home.",
            ),
            provision(
                "long_term_residence",
                "not_applicable",
                "I do not want to stay here.",
            ),
            provision(
                "services_information",
                "favourable",
                "I know there is a counsellor in the district town.",
            ),
        ],
        preferred_by_person: "return".into(),
        chosen: "return".into(),
        reason: None,
        assessed_on: None,
    }
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

/// Seeds the partner and the three handovers (`started` and, when given,
/// `arrived`: cases of demo-cm-a in solution planning; the completed one on
/// a case of its own). The app's clock is back to today afterwards.
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
    if let Some(case) = arrived_case {
        seed_arrived(app, cm, case, org_c, &partner).await?;
    }
    let completed = seed_completed(app, cm, org_c, &partner).await;
    // Back to today whatever happened.
    app.clock.travel_to(None);
    completed
}

/// A low-risk return of `case` started (module comment: [`start`]) and its
/// risk and needs assessment sent (identity only); the handover's id.
async fn start_assessed(
    app: &App,
    cm: &Principal,
    case: Uuid,
    org_c: Uuid,
    partner: &DemoPartner,
    notes: &str,
) -> Result<String, AppError> {
    let id = start(
        app,
        cm,
        case,
        org_c,
        partner,
        assessment("low", "low", notes),
    )
    .await?;
    let mut assessment_sent = message("risk_and_needs_assessment");
    assessment_sent.categories = Some([DataCategory::Identity].into_iter().collect());
    app.send_handover_message(cm, &id, assessment_sent).await?;
    Ok(id)
}

/// The person's decision and the return plan recorded, the travel notice
/// for today (the app's day) and the departure sent, on handover `id` of
/// `case`.
async fn travels(
    app: &App,
    cm: &Principal,
    case: Uuid,
    id: &str,
    partner: &DemoPartner,
    route: &str,
) -> Result<(), AppError> {
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
            route: Some(route.into()),
            escort: Some(Escort::ReceivingStaff),
            costs: Vec::new(),
            reach_after_return: Some(
                "Through the partner's return desk; her brother's phone (synthetic: +95 9 000 000 001)"
                    .into(),
            ),
        },
    )
    .await?;
    let mut ready = message("travel_ready");
    ready.travel_on = Some(today);
    app.send_handover_message(cm, id, ready).await?;
    app.send_handover_message(cm, id, message("departed"))
        .await?;
    Ok(())
}

/// The second return, carried to the reintegration plan today.
async fn seed_arrived(
    app: &App,
    cm: &Principal,
    case: Uuid,
    org_c: Uuid,
    partner: &DemoPartner,
) -> Result<(), AppError> {
    let id = start_assessed(
        app,
        cm,
        case,
        org_c,
        partner,
        "Synthetic demo assessment. Family visited by the partner; a job offer at home.",
    )
    .await?;
    partner
        .says_go(
            app,
            &id,
            "Family visited; vocational training arranged (demo).",
        )
        .await?;
    travels(
        app,
        cm,
        case,
        &id,
        partner,
        "By road through the border crossing, met on the other side",
    )
    .await?;
    let today = crate::clock::iso_day(app.clock.today());
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

/// The third return, completed (module comment): each step written on the
/// day it happened.
async fn seed_completed(
    app: &App,
    cm: &Principal,
    org_c: Uuid,
    partner: &DemoPartner,
) -> Result<(), AppError> {
    use rand::SeedableRng;
    use safepath_domain::case::ExploitationForm;
    use safepath_domain::solutions::handover::add_months;
    let today = app.clock.today();
    let arrived_on = today - time::Duration::days(400);
    let on = |d: time::Date| app.clock.travel_to(Some(d));
    on(arrived_on - time::Duration::days(45));
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_206);
    let case = app
        .import_case(
            cm,
            crate::views::NewCase {
                // A Myanmar national (the partner's country).
                person: crate::demo::synthetic_person(&mut rng, 3),
                exploitation_forms: vec![ExploitationForm::ForcedLabour],
                notes: Some("Synthetic demo case: a return completed. Not a real person.".into()),
                status: Some(safepath_domain::case::CaseStatus::SolutionPlanning),
                case_manager_id: None,
            },
        )
        .await?
        .id;
    let id = start_assessed(app, cm, case, org_c, partner, "Synthetic demo assessment. Her mother and brother expect her; a place in a sewing cooperative.").await?;
    on(arrived_on - time::Duration::days(20));
    partner
        .says_go(
            app,
            &id,
            "Family visited; a place in a cooperative arranged (demo).",
        )
        .await?;
    on(arrived_on - time::Duration::days(1));
    travels(
        app,
        cm,
        case,
        &id,
        partner,
        "By air to Yangon, met at the airport",
    )
    .await?;
    on(arrived_on);
    let mut arrived = message("arrived");
    arrived.arrived_on = Some(crate::clock::iso_day(arrived_on));
    partner.sends(app, &id, 3, arrived).await?;
    on(arrived_on + time::Duration::days(21));
    let mut plan = message("reintegration_plan");
    plan.made_on = Some(crate::clock::iso_day(app.clock.today()));
    plan.note = Some("Sewing cooperative, counselling every two weeks (demo).".into());
    partner.sends(app, &id, 4, plan).await?;
    // The reports, a few days after each is due; at six months the person
    // had moved and was not reached.
    let reports: [(u8, bool, &str, &str); 4] = [
        (1, true, "fair", "on_track"),
        (3, true, "good", "on_track"),
        (6, false, "not_known", "delayed"),
        (12, true, "good", "completed"),
    ];
    let mut sequence = 5;
    for (month, reached, wellbeing, progress) in reports {
        on(add_months(arrived_on, u32::from(month)) + time::Duration::days(3));
        let mut report = message("follow_up_report");
        report.due_month = Some(month);
        report.reached = Some(reached);
        report.wellbeing = Some(wellbeing.into());
        report.plan_progress = Some(progress.into());
        partner.sends(app, &id, sequence, report).await?;
        sequence += 1;
    }
    on(add_months(arrived_on, 12) + time::Duration::days(10));
    let mut closure = message("closure");
    closure.reason =
        Some("Reintegration plan completed; the person is working and safe (demo).".into());
    partner.sends(app, &id, sequence, closure).await?;
    Ok(())
}
