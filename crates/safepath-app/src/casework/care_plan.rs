//! The needs assessment and the care plan: goals and tasks with due dates.

use super::*;

impl App {
    // ------------------------------------------------------------ needs

    pub async fn add_need(
        &self,
        who: &Principal,
        id: Uuid,
        n: NewNeed,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, _) = self
            .case_relation(who, id, Action::EditCase, "assess needs on this case")
            .await?;
        let need = Need {
            id: NeedId(Uuid::new_v4()),
            domain: n.domain,
            sub_area: n.sub_area,
            beneficiary: n.beneficiary,
            priority: n.priority,
            status: NeedStatus::Open,
            persons_view: n.persons_view.trim().to_owned(),
        };
        need.validate()?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::NEED, need.status.as_str(), now);
        row.id = need.id.0.to_string();
        row.subject = Some(need.domain.as_str().into());
        self.seal_record(&mut row, &need)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "need.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("need={} domain={}", row.id, need.domain.as_str()));
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    /// The need records an assessment feeds into the care plan (domain,
    /// priority, the person's view), for a case: one per domain that has
    /// no need still open or in progress, sealed, not yet written (the
    /// caller writes them with its own record, in one transaction).
    pub(crate) async fn needs_fed(
        &self,
        case: CaseId,
        needs: Vec<(NeedDomain, Priority, String)>,
    ) -> Result<Vec<CaseRecordRow>, AppError> {
        let open: std::collections::BTreeSet<String> = self
            .store
            .case_records(case, Some(kinds::NEED))
            .await?
            .into_iter()
            .filter(|r| {
                r.state == NeedStatus::Open.as_str() || r.state == NeedStatus::InProgress.as_str()
            })
            .filter_map(|r| r.subject)
            .collect();
        let now = self.now_ms();
        let mut rows = Vec::new();
        for (domain, priority, view) in needs {
            if open.contains(domain.as_str()) {
                continue;
            }
            let need = Need {
                id: NeedId(Uuid::new_v4()),
                domain,
                sub_area: None,
                beneficiary: Beneficiary::Person,
                priority,
                status: NeedStatus::Open,
                persons_view: view,
            };
            need.validate()?;
            let mut row = new_row(case, kinds::NEED, need.status.as_str(), now);
            row.id = need.id.0.to_string();
            row.subject = Some(need.domain.as_str().into());
            self.seal_record(&mut row, &need)?;
            rows.push(row);
        }
        Ok(rows)
    }

    pub async fn update_need(
        &self,
        who: &Principal,
        need_id: Uuid,
        patch: NeedPatch,
    ) -> Result<CaseWork, AppError> {
        let (row, facts, cap) = self.record_for_edit(who, need_id, kinds::NEED).await?;
        let mut need: Need = self.open_record(&cap, &row)?;
        if let Some(s) = patch.status {
            need.status = s;
        }
        if let Some(p) = patch.priority {
            need.priority = p;
        }
        if let Some(v) = patch.persons_view {
            need.persons_view = v.trim().to_owned();
        }
        need.validate()?;
        let now = self.now_ms();
        let mut updated = row.clone();
        updated.state = need.status.as_str().into();
        updated.version += 1;
        updated.updated_at = now;
        self.seal_record(&mut updated, &need)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "need.update")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("need={}", row.id));
        self.store.write_case_records(&[updated], &audit).await?;
        self.casework(who, facts.id.0).await
    }

    /// A record of `kind` and the case it belongs to, when the user may edit
    /// that case; otherwise 404 (as for a missing record).
    async fn record_for_edit(
        &self,
        who: &Principal,
        record_id: Uuid,
        kind: &str,
    ) -> Result<(CaseRecordRow, access::CaseFacts, CaseAccess), AppError> {
        let missing = || AppError::not_found(format!("no such {kind}"));
        let row = self
            .store
            .case_record(&record_id.to_string())
            .await?
            .filter(|r| r.kind == kind)
            .ok_or_else(missing)?;
        let (facts, _, cap) = self
            .case_relation(who, row.case_id.0, Action::EditCase, "change this case")
            .await
            .map_err(|e| {
                if e.kind == ErrorKind::NotFound {
                    missing()
                } else {
                    e
                }
            })?;
        Ok((row, facts, cap))
    }

    // ------------------------------------------------------------ care plan

    pub async fn add_goal(
        &self,
        who: &Principal,
        id: Uuid,
        g: NewGoal,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, cap) = self
            .case_relation(who, id, Action::EditCase, "plan care on this case")
            .await?;
        let records = self.store.case_records(facts.id, None).await?;
        let needs: Vec<Need> = self.open_kind(&cap, &records, kinds::NEED)?;
        let goal = Goal {
            id: GoalId(Uuid::new_v4()),
            needs: g.need_ids.iter().copied().map(NeedId).collect(),
            description: g.description.trim().to_owned(),
        };
        needs::check_care_plan(&needs, std::slice::from_ref(&goal), &[])?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::GOAL, "open", now);
        row.id = goal.id.0.to_string();
        self.seal_record(&mut row, &goal)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "goal.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("goal={}", row.id));
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    pub async fn add_task(
        &self,
        who: &Principal,
        id: Uuid,
        t: NewTask,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, cap) = self
            .case_relation(who, id, Action::EditCase, "plan care on this case")
            .await?;
        let due_on = parse_day("due_on", &t.due_on)?;
        let assignee = match t.assigned_to {
            Some(u) => Some(self.check_task_owner(&facts, UserId(u)).await?),
            None => facts.case_manager,
        };
        let records = self.store.case_records(facts.id, None).await?;
        let needs: Vec<Need> = self.open_kind(&cap, &records, kinds::NEED)?;
        let goals: Vec<Goal> = self.open_kind(&cap, &records, kinds::GOAL)?;
        let task = Task {
            id: TaskId(Uuid::new_v4()),
            goal: GoalId(t.goal_id),
            description: t.description.trim().to_owned(),
            assigned_to: assignee,
            due_on,
            done_on: None,
            cancelled: false,
        };
        needs::check_care_plan(&needs, &goals, std::slice::from_ref(&task))?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::TASK, "open", now);
        row.id = task.id.0.to_string();
        row.owner_id = assignee;
        row.ref_id = Some(t.goal_id.to_string());
        row.due_on = Some(iso(due_on));
        self.seal_record(&mut row, &task)?;
        let notice = match assignee {
            Some(owner) if owner != who.id() => {
                let reference = self.case_reference(facts.id).await?.unwrap_or_default();
                Some(
                    self.notice(
                        owner,
                        "task_assigned",
                        Some(facts.id),
                        format!("A task on case {reference} is yours, due {}.", iso(due_on)),
                    )
                    .about("task", &row.id)
                    .params(crate::identification::notice_params(&[
                        ("reference", &reference),
                        ("due", &iso(due_on)),
                    ])),
                )
            }
            _ => None,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "task.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("task={} due={}", row.id, iso(due_on)))
            .notify_all(notice);
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    /// A task's owner must work on the case: its case manager, an associated
    /// user, or staff of the owning organisation who work on cases.
    async fn check_task_owner(
        &self,
        facts: &access::CaseFacts,
        user: UserId,
    ) -> Result<UserId, AppError> {
        let bad = || {
            AppError::bad_request(
                codes::INVALID_ASSIGNEE,
                "assigned_to must name active staff working on this case",
            )
        };
        let u = self.store.user(user).await?.ok_or_else(bad)?;
        let role = Role::parse(&u.role).map_err(|_| bad())?;
        let works = facts.case_manager == Some(user)
            || facts.associated.contains(&user)
            || (u.org_id == facts.org
                && matches!(
                    role,
                    Role::CaseManager | Role::Coordinator | Role::FirstResponder
                ));
        if u.disabled || !works {
            return Err(bad());
        }
        Ok(user)
    }

    pub async fn act_on_task(
        &self,
        who: &Principal,
        task_id: Uuid,
        action: TaskAction,
    ) -> Result<CaseWork, AppError> {
        let (row, facts, cap) = self.record_for_edit(who, task_id, kinds::TASK).await?;
        if !TASK_OPEN.contains(&row.state.as_str()) {
            return Err(AppError::new(
                ErrorKind::Conflict,
                codes::TASK_CLOSED,
                "the task is already done or cancelled",
            ));
        }
        let mut task: Task = self.open_record(&cap, &row)?;
        let state = match action {
            TaskAction::Done => {
                task.done_on = Some(self.clock.today());
                "done"
            }
            TaskAction::Cancel => {
                task.cancelled = true;
                "cancelled"
            }
        };
        let now = self.now_ms();
        let mut updated = row.clone();
        updated.state = state.into();
        updated.version += 1;
        updated.updated_at = now;
        self.seal_record(&mut updated, &task)?;
        let audit = AuditDraft::new(now, who.id().to_string(), "task.update")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("task={} state={state}", row.id));
        self.store.write_case_records(&[updated], &audit).await?;
        self.casework(who, facts.id.0).await
    }

    fn open_kind<T: serde::de::DeserializeOwned>(
        &self,
        cap: &CaseAccess,
        records: &[CaseRecordRow],
        kind: &str,
    ) -> Result<Vec<T>, AppError> {
        records
            .iter()
            .filter(|r| r.kind == kind)
            .map(|r| self.open_record(cap, r))
            .collect()
    }
}
