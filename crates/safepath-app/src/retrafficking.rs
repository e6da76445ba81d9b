//! Re-trafficking alerts after return (issue 12): a person who returned home
//! through a recorded repatriation and appears again in this deployment's
//! records — found by the de-duplication run, or referred again from a new
//! screening — may have been trafficked again. Both organisations holding
//! the two cases are told (each about its own case only), and the origin is
//! told through every open handover of the return: a security alert sealed
//! into the outbox as a coordinator would send it, while the person's
//! consent still names the partner. Once per pair of cases: a
//! `retrafficking_alert` record on the returned case remembers it. The
//! rules (what counts as a return home, which pairs alert, once per pair,
//! which handovers carry the alert) are the domain's
//! (`safepath_domain::solutions::retrafficking`); this module looks up and
//! writes.

use std::collections::HashSet;

use safepath_domain::access::{self, Action};
use safepath_domain::ids::CaseId;
use safepath_domain::solutions::handover::{Handover, HandoverMessage, HandoverState, Side};
use safepath_domain::solutions::retrafficking::{self as rules};
pub use safepath_domain::solutions::retrafficking::{FoundBy, Sighting};
use safepath_store::{AuditDraft, CaseRecordRow, NotificationRow};
use uuid::Uuid;

use crate::sealing::Grant;
use crate::{App, AppError, Principal};

/// The `case_records` kind that remembers a re-trafficking alert (on the
/// returned person's case; `ref_id` is the other case).
pub const RETRAFFICKING_ALERT: &str = "retrafficking_alert";

/// The notification kind both organisations get.
pub const NOTICE_KIND: &str = "returned_person_again";

/// Who signs the automatic alert in the origin's timeline.
const AUTOMATIC: &str = "SafePath (automatic alert)";

/// The cases whose person returned home through a recorded repatriation (a
/// removal by the authorities is not a return through the handover).
pub(crate) async fn returned_cases(app: &App) -> Result<HashSet<CaseId>, AppError> {
    Ok(app
        .store
        .all_case_records(crate::returns::RETURN_KIND, &["done"])
        .await?
        .into_iter()
        .filter(|r| rules::is_return_home(r.subject.as_deref()))
        .map(|r| r.case_id)
        .collect())
}

impl App {
    /// The notices and marks of sightings not told before: the
    /// coordinators of both cases' organisations (where one has none, those
    /// who act on its returns), each only about a case they may open.
    pub(crate) async fn retrafficking_alerts(
        &self,
        sightings: &[Sighting],
    ) -> Result<(Vec<NotificationRow>, Vec<CaseRecordRow>), AppError> {
        if sightings.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let mut told: HashSet<(CaseId, CaseId)> = self
            .store
            .all_case_records(RETRAFFICKING_ALERT, &["open"])
            .await?
            .into_iter()
            .filter_map(|r| {
                let other = r.ref_id.as_deref().and_then(CaseId::parse)?;
                Some((r.case_id, other))
            })
            .collect();
        let now = self.now_ms();
        let (mut notices, mut marks) = (Vec::new(), Vec::new());
        for s in rules::untold(sightings, &mut told) {
            for case in [s.returned, s.again] {
                let Some(facts) = self.store.case_facts(case).await? else {
                    continue;
                };
                for u in self.return_alert_recipients(facts.org).await? {
                    let may_read = Principal::from_user(u.clone()).is_ok_and(|p| {
                        access::authorize(&p.actor, Action::ReadCase, &facts).is_ok()
                    });
                    if !may_read {
                        continue;
                    }
                    let mut n = self.notice(
                        u.id,
                        NOTICE_KIND,
                        Some(case),
                        format!("{}={}", s.found_by.source(), s.source_id),
                    );
                    n.subject_type = Some(s.found_by.subject_type().into());
                    n.subject_id = Some(s.subject_id.clone());
                    notices.push(n);
                }
            }
            let id = Uuid::new_v4().to_string();
            marks.push(CaseRecordRow {
                id: id.clone(),
                case_id: s.returned,
                kind: RETRAFFICKING_ALERT.into(),
                state: "open".into(),
                subject: Some(s.found_by.source().into()),
                owner_id: None,
                // The other case's id: told once per pair (ids only).
                ref_id: Some(s.again.to_string()),
                due_on: None,
                record: self.seal_json(
                    "case_records",
                    "record",
                    &id,
                    &serde_json::json!({
                        "found_by": s.found_by.source(),
                        "subject": s.subject_id,
                        "source": s.source_id,
                    }),
                )?,
                version: 1,
                created_at: now,
                updated_at: now,
            });
        }
        Ok((notices, marks))
    }

    /// Keeps the marks (one audited transaction) and alerts the origin of
    /// each returned case through its open handovers. The alerts abroad are
    /// best effort: a failure is logged, the marks and notices stand.
    pub(crate) async fn keep_retrafficking_alerts(
        &self,
        actor: &str,
        marks: &[CaseRecordRow],
        notices: Vec<NotificationRow>,
        found_by: FoundBy,
    ) -> Result<(), AppError> {
        if marks.is_empty() {
            return Ok(());
        }
        let audit = AuditDraft::new(self.now_ms(), actor, "retrafficking_alert.record")
            .detail(format!(
                "source={} pairs={}",
                found_by.source(),
                marks.len()
            ))
            .notify_all(notices);
        self.store.write_case_records(marks, &audit).await?;
        let returned: HashSet<CaseId> = marks.iter().map(|m| m.case_id).collect();
        for case in returned {
            if let Err(e) = self.alert_origin_of(actor, case, found_by).await {
                tracing::error!(code = e.code, "the origin could not be alerted");
            }
        }
        Ok(())
    }

    /// A security alert to the origin through every open handover of
    /// `case` (the destination's side) whose consent still names the
    /// partner. The destination's coordinators were told with the sighting:
    /// the alert raises no second notice here; the origin's coordinators
    /// are told when it arrives. Returns how many were queued.
    pub(crate) async fn alert_origin_of(
        &self,
        actor: &str,
        case: CaseId,
        found_by: FoundBy,
    ) -> Result<usize, AppError> {
        let Some(facts) = self.store.case_facts(case).await? else {
            return Ok(0);
        };
        let today = self.clock.today();
        let message = HandoverMessage::SecurityAlert;
        let mut queued = 0;
        for row in self.store.handovers_for_case(case).await? {
            let open = Side::parse(&row.side)
                .ok()
                .zip(HandoverState::parse(&row.state).ok())
                .is_some_and(|(side, state)| rules::may_alert_origin(side, state));
            if !open {
                continue;
            }
            self.store
                .append_audit(
                    &AuditDraft::new(self.now_ms(), actor, "handover.read")
                        .record("handover", &row.id)
                        .org(facts.org)
                        .detail(format!("automatic security alert; case={case}")),
                )
                .await?;
            let grant = Grant::record(actor, "handover", &row.id);
            let h: Handover =
                self.open_json(&grant, "handovers", "record", &row.id, &row.record)?;
            let Ok(step) = h.apply(Side::Destination, &message, today) else {
                continue;
            };
            if self
                .handover_consent_covers(actor, case, &row.partner, &message, &h, today)
                .await
                .is_err()
            {
                continue;
            }
            // The destination's coordinators were told with the sighting.
            self.queue_outgoing(
                crate::handover_protocol::Sender {
                    actor,
                    by: AUTOMATIC,
                    org: facts.org,
                    side: Side::Destination,
                    alert_own_side: false,
                },
                &row,
                step,
                &message,
                serde_json::json!({ "note": found_by.note() }),
            )
            .await?;
            queued += 1;
        }
        Ok(queued)
    }

    /// After a case was referred from a screening: whether its person is
    /// likely someone who returned home through a repatriation recorded
    /// here (the matching engine over the persons of returned cases, or the
    /// same name, sex and nationality); if so, the alerts above. Scanned
    /// under `who`'s audited duplicate scan; a failure is logged, never
    /// undoing the referral.
    pub(crate) async fn screened_again(
        &self,
        who: &Principal,
        screening: &str,
        case: CaseId,
        person: &safepath_domain::person::Person,
    ) {
        let run = async {
            let returned = returned_cases(self).await?;
            if returned.is_empty() || returned.contains(&case) {
                return Ok::<_, AppError>(());
            }
            let found = self.likely_same_as(who, person, &returned).await?;
            let sightings: Vec<Sighting> = found
                .into_iter()
                .map(|back| Sighting {
                    returned: back,
                    again: case,
                    found_by: FoundBy::Screening,
                    subject_id: screening.to_owned(),
                    source_id: screening.to_owned(),
                })
                .collect();
            let (notices, marks) = self.retrafficking_alerts(&sightings).await?;
            self.keep_retrafficking_alerts(
                &who.id().to_string(),
                &marks,
                notices,
                FoundBy::Screening,
            )
            .await
        };
        if let Err(e) = run.await {
            tracing::error!(
                code = e.code,
                "re-trafficking check after a screening failed"
            );
        }
    }
}
