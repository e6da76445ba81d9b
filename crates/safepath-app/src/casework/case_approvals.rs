//! Supervisory approvals: requested, approved, returned, withdrawn; the
//! four-eyes rule for steps that need one.

use super::*;

impl App {
    // ------------------------------------------------------------ approvals

    pub async fn request_approval(
        &self,
        who: &Principal,
        id: Uuid,
        req: ApprovalRequest,
    ) -> Result<CaseWork, AppError> {
        let (facts, rel, cap) = self
            .case_relation(who, id, Action::EditCase, "request approvals on this case")
            .await?;
        let records = self
            .store
            .case_records(facts.id, Some(kinds::APPROVAL))
            .await?;
        let subject = req.subject.as_str();
        let existing = records
            .iter()
            .rfind(|r| r.subject.as_deref() == Some(subject) && r.state != "used");
        let now = self.now_ms();
        let today = self.clock.today();
        let row = match existing {
            // A returned approval is requested again: the same record, next round.
            Some(r) if r.state == ApprovalState::Returned.as_str() => {
                let current: Approval = self.open_record(&cap, r)?;
                let next = current
                    .apply(&ApprovalAction::Request, &who.actor, rel, today)
                    .map_err(refusal)?;
                let mut row = r.clone();
                row.state = next.state.as_str().into();
                row.version += 1;
                row.updated_at = now;
                self.seal_record(&mut row, &next)?;
                row
            }
            Some(r) if r.state == ApprovalState::Requested.as_str() => {
                return Err(refusal(DomainError::new(
                    approvals::codes::ALREADY_REQUESTED,
                    "this approval is already requested and awaits a decision",
                )));
            }
            _ => {
                let aid = ApprovalId(Uuid::new_v4());
                let a = approvals::request(aid, facts.id, req.subject, &who.actor, rel, today)
                    .map_err(refusal)?;
                let mut row = new_row(facts.id, kinds::APPROVAL, a.state.as_str(), now);
                row.id = aid.0.to_string();
                row.subject = Some(subject.to_owned());
                row.owner_id = Some(who.id());
                self.seal_record(&mut row, &a)?;
                row
            }
        };
        let reference = self.case_reference(facts.id).await?.unwrap_or_default();
        let notices: Vec<_> = self
            .store
            .users_with_role(facts.org, Role::Coordinator.as_str())
            .await?
            .into_iter()
            .filter(|u| u.id != who.id() && !u.disabled)
            .map(|u| {
                self.notice(
                    u.id,
                    "approval_requested",
                    Some(facts.id),
                    format!(
                        "Approval requested on case {reference}: {}.",
                        subject.replace('_', " ")
                    ),
                )
                .about("approval", &row.id)
                .params(crate::identification::notice_params(&[
                    ("reference", &reference),
                    ("subject", subject),
                ]))
            })
            .collect();
        let audit = AuditDraft::new(now, who.id().to_string(), "approval.request")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("subject={subject} approval={}", row.id))
            .notify_all(notices);
        let current: Approval = self.open_record(&cap, &row)?;
        let event = self.approval_event(&current, who.id(), now)?;
        self.store.write_case_records(&[row, event], &audit).await?;
        self.casework(who, id).await
    }

    /// A coordinator approves or returns (with a comment) a requested approval.
    pub async fn decide_approval(
        &self,
        who: &Principal,
        approval_id: Uuid,
        approve: bool,
        body: ApprovalDecision,
    ) -> Result<CaseWork, AppError> {
        let row = self
            .store
            .case_record(&approval_id.to_string())
            .await?
            .filter(|r| r.kind == kinds::APPROVAL)
            .ok_or_else(|| AppError::not_found("no such approval"))?;
        let case_id = row.case_id.0;
        let (facts, rel, cap) = self
            .case_relation(who, case_id, Action::ReadCase, "decide approvals")
            .await
            .map_err(|_| AppError::not_found("no such approval"))?;
        let current: Approval = self.open_record(&cap, &row)?;
        let action = if approve {
            ApprovalAction::Approve {
                comment: body.comment,
            }
        } else {
            ApprovalAction::Return {
                comment: body.comment.unwrap_or_default(),
            }
        };
        let today = self.clock.today();
        let next = current
            .apply(&action, &who.actor, rel, today)
            .map_err(refusal)?;
        let now = self.now_ms();
        let mut updated = row.clone();
        updated.state = next.state.as_str().into();
        updated.version += 1;
        updated.updated_at = now;
        self.seal_record(&mut updated, &next)?;
        let notice = if next.requested_by != who.id() {
            let reference = self.case_reference(facts.id).await?.unwrap_or_default();
            Some(
                self.notice(
                    next.requested_by,
                    "approval_decided",
                    Some(facts.id),
                    format!(
                        "Approval of {} on case {reference}: {}.",
                        next.subject.as_str(),
                        next.state.as_str()
                    ),
                )
                .about("approval", &row.id)
                .params(crate::identification::notice_params(&[
                    ("reference", &reference),
                    ("subject", next.subject.as_str()),
                    ("state", next.state.as_str()),
                ])),
            )
        } else {
            None
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "approval.decide")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!(
                "approval={} subject={} state={}",
                row.id,
                next.subject.as_str(),
                next.state.as_str()
            ))
            .notify_all(notice);
        let event = self.approval_event(&next, who.id(), now)?;
        self.store
            .write_case_records(&[updated, event], &audit)
            .await?;
        self.casework(who, case_id).await
    }

    fn approval_event(
        &self,
        a: &Approval,
        by: UserId,
        now: i64,
    ) -> Result<CaseRecordRow, AppError> {
        let mut row = new_row(a.case, kinds::APPROVAL_EVENT, a.state.as_str(), now);
        row.subject = Some(a.subject.as_str().into());
        row.ref_id = Some(a.id.0.to_string());
        self.seal_record(
            &mut row,
            &ApprovalEvent {
                subject: a.subject,
                state: a.state,
                round: a.round,
                comment: if a.state == ApprovalState::Requested {
                    None
                } else {
                    a.comment.clone()
                },
                by,
            },
        )?;
        Ok(row)
    }
}
