//! The case lifecycle (every status change checked by the domain's state
//! machine and kept as a timeline record) and assignment to a case manager.

use super::*;

impl App {
    // ------------------------------------------------------------ lifecycle

    /// Moves the case along its lifecycle, checked by the domain's state
    /// machine, and records who, when and why on the timeline.
    pub async fn change_status(
        &self,
        who: &Principal,
        id: Uuid,
        change: StatusChange,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, cap) = self
            .case_relation(who, id, Action::EditCase, "change this case's status")
            .await?;
        let (mut c, person) = self
            .case_for_change(who, &facts, "for a status change")
            .await?;
        if let Some(v) = change.version
            && v != c.version
        {
            return Err(AppError::store(StoreError::VersionMismatch));
        }
        let from = CaseStatus::parse(&c.status)?;
        let records = self.store.case_records(facts.id, None).await?;
        let (t, rows) = self
            .check_patch_status(who, &cap, &facts, from, &change, &person, &records)
            .await?;
        let now = self.now_ms();
        c.status = t.to.as_str().to_owned();
        c.version += 1;
        c.updated_at = now;
        let audit = AuditDraft::new(now, who.id().to_string(), "case.transition")
            .record("case", c.id)
            .org(c.org_id)
            .detail(format!(
                "{}->{} kind={}",
                t.from.as_str(),
                t.to.as_str(),
                t.kind.as_str()
            ))
            .notify_all(self.change_by_other_notice(who, &c, "status"));
        self.store
            .update_case_with_records(&c, None, &rows, &audit)
            .await?;
        self.casework(who, id).await
    }

    /// The receiving organisation confirmed the person's arrival through
    /// the handover: a case in `repatriation_in_progress` moves on to
    /// `follow_up` (the domain's [`lifecycle::on_arrival`]), on the timeline
    /// in the partner's name. Whether it moved.
    pub(crate) async fn case_arrived(
        &self,
        case: CaseId,
        partner_fp: &str,
        partner_name: &str,
    ) -> Result<bool, AppError> {
        let Some(facts) = self.store.case_facts(case).await? else {
            return Ok(false);
        };
        let actor = format!("partner:{}", partner_fp.get(..16).unwrap_or(partner_fp));
        let read = AuditDraft::new(self.now_ms(), actor.clone(), "case.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail("arrival confirmed by the receiving organisation");
        let Some((mut c, _)) = self.store.read_case(&facts, &read).await? else {
            return Ok(false);
        };
        let Some(t) = lifecycle::on_arrival(CaseStatus::parse(&c.status)?) else {
            return Ok(false);
        };
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::TRANSITION, "done", now);
        row.subject = Some(t.to.as_str().to_owned());
        self.seal_record(
            &mut row,
            &TransitionRecord {
                transition: t.clone(),
                by: UserId(Uuid::nil()),
                partner: Some(partner_name.to_owned()),
            },
        )?;
        c.status = t.to.as_str().to_owned();
        c.version += 1;
        c.updated_at = now;
        let audit = AuditDraft::new(now, actor, "case.transition")
            .record("case", c.id)
            .org(c.org_id)
            .detail(format!(
                "{}->{} kind={} (arrival confirmed)",
                t.from.as_str(),
                t.to.as_str(),
                t.kind.as_str()
            ));
        self.store
            .update_case_with_records(&c, None, std::slice::from_ref(&row), &audit)
            .await?;
        Ok(true)
    }

    /// Checks a plain status field in `PATCH /cases/{id}` against the
    /// lifecycle (the PATCH keeps working, but cannot skip a stage).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn check_patch_status(
        &self,
        who: &Principal,
        cap: &CaseAccess,
        facts: &access::CaseFacts,
        from: CaseStatus,
        change: &StatusChange,
        person: &Person,
        records: &[CaseRecordRow],
    ) -> Result<(Transition, Vec<CaseRecordRow>), AppError> {
        let rel = Relation::of(&who.actor, facts);
        let today = self.clock.today();
        let closure = self.usable_closure_approval(records)?;
        let assessments: Vec<AssessmentRecord> = records
            .iter()
            .filter(|r| r.kind == kinds::ASSESSMENT)
            .map(|r| self.open_record(cap, r))
            .collect::<Result<_, _>>()?;
        let ctx = TransitionContext {
            actor: who.actor.role,
            relation: rel,
            reason: change.reason.clone(),
            closure_approved: closure.is_some(),
            security_assessment_recorded: assessments
                .iter()
                .any(|a| a.kind == AssessmentKind::SecurityAssessment),
            security_assessment: self.latest_security(cap, records)?,
            person_is_child: person
                .birth_date
                .as_ref()
                .is_some_and(|b| b.may_be_child(today)),
            best_interests_determination_recorded: assessments
                .iter()
                .any(|a| a.kind == AssessmentKind::BestInterestsDetermination),
            // A status change is never a formal decision: those are recorded
            // on the decisions page, which moves the case itself.
            decision: None,
            return_block: self.return_block_in(cap, records)?,
            solution_chosen: self.latest_solution(cap, records)?,
        };
        let t = lifecycle::transition(from, change.to, &ctx).map_err(refusal)?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::TRANSITION, "done", now);
        row.subject = Some(t.to.as_str().to_owned());
        self.seal_record(
            &mut row,
            &TransitionRecord {
                transition: t.clone(),
                by: who.id(),
                partner: None,
            },
        )?;
        let mut rows = vec![row];
        if let Some(mut used) = closure {
            used.version += 1;
            used.state = "used".into();
            used.updated_at = now;
            rows.push(used);
        }
        Ok((t, rows))
    }

    /// The kinds of the free-text assessments among `records`.
    pub(crate) fn assessment_kinds_in(
        &self,
        cap: &CaseAccess,
        records: &[CaseRecordRow],
    ) -> Result<BTreeSet<&'static str>, AppError> {
        records
            .iter()
            .filter(|r| r.kind == kinds::ASSESSMENT)
            .map(|r| {
                self.open_record::<AssessmentRecord>(cap, r)
                    .map(|a| a.kind.as_str())
            })
            .collect()
    }

    fn usable_closure_approval(
        &self,
        records: &[CaseRecordRow],
    ) -> Result<Option<CaseRecordRow>, AppError> {
        Ok(records
            .iter()
            .find(|r| {
                r.kind == kinds::APPROVAL
                    && r.state == ApprovalState::Approved.as_str()
                    && r.subject.as_deref() == Some(ApprovalSubject::Closure.as_str())
            })
            .cloned())
    }

    /// Tells the case manager when someone else changed their case.
    /// The notice to the case manager when someone else changes their case,
    /// to attach to the change's audit entry.
    pub(crate) fn change_by_other_notice(
        &self,
        who: &Principal,
        c: &CaseRow,
        what: &str,
    ) -> Option<safepath_store::NotificationRow> {
        c.case_manager_id.filter(|cm| *cm != who.id()).map(|cm| {
            self.notice(
                cm,
                "case_changed",
                Some(c.id),
                format!("Case {} was changed ({what}) by someone else.", c.reference),
            )
            .about("case", c.id)
            .params(crate::identification::notice_params(&[(
                "reference",
                &c.reference,
            )]))
        })
    }

    // ------------------------------------------------------------ assignment

    /// Assigns (or re-assigns) the case manager, with a handover note. The
    /// owning organisation's coordinators assign; a case manager may hand
    /// their own case over.
    pub async fn assign_case(
        &self,
        who: &Principal,
        id: Uuid,
        a: Assignment,
    ) -> Result<AssignmentView, AppError> {
        let (facts, rel, _) = self
            .case_relation(who, id, Action::EditCase, "assign this case")
            .await?;
        // The people who move a case along its lifecycle also assign it.
        if !lifecycle::may_transition(who.actor.role, rel) {
            return Err(AppError::forbidden(
                "only a coordinator of the owning organisation or the case's own case manager assigns it",
            ));
        }
        let note = safepath_domain::casework::checked_text("note", &a.note)?;
        let to = self
            .check_case_manager(facts.org, a.case_manager_id)
            .await?;
        let (mut c, _) = self.case_for_change(who, &facts, "for assignment").await?;
        if c.case_manager_id == Some(to) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "already_assigned",
                "the case is already assigned to this case manager",
            ));
        }
        let now = self.now_ms();
        let previous = c.case_manager_id;
        let mut row = new_row(facts.id, kinds::ASSIGNMENT, "done", now);
        row.owner_id = Some(to);
        self.seal_record(
            &mut row,
            &AssignmentRecord {
                from: c.case_manager_id,
                to,
                note: Some(note),
                by: who.id(),
            },
        )?;
        c.case_manager_id = Some(to);
        c.version += 1;
        c.updated_at = now;
        let notice = (to != who.id()).then(|| {
            self.notice(
                to,
                "case_assigned",
                Some(c.id),
                format!("Case {} was assigned to you.", c.reference),
            )
            .about("case", c.id)
            .params(crate::identification::notice_params(&[(
                "reference",
                &c.reference,
            )]))
        });
        let audit = AuditDraft::new(now, who.id().to_string(), "case.assign")
            .record("case", c.id)
            .org(c.org_id)
            .detail(format!("case_manager={to}"))
            .notify_all(notice);
        self.store
            .update_case_with_records(&c, None, &[row], &audit)
            .await?;
        Ok(AssignmentView {
            case_id: id,
            case_manager_id: to.0,
            previous_case_manager_id: previous.map(|u| u.0),
        })
    }
}
