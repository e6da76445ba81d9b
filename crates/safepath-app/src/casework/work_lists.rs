//! Work lists: a user's tasks, the approvals and reviews waiting for
//! coordinators, the organisation's staff, and due-task notifications.

use super::*;

impl App {
    /// The signed-in user's work: their overdue and upcoming tasks, and for
    /// coordinators the approvals waiting and the periodic-review queue.
    pub async fn work_list(&self, who: &Principal) -> Result<WorkList, AppError> {
        let visibility = access::visibility(&who.actor);
        let today = self.clock.today();
        let horizon = iso(today + time::Duration::days(15));
        let tasks = self
            .store
            .queued_case_records(kinds::TASK, TASK_OPEN, visibility, Some(&horizon))
            .await?;
        let mut names = BTreeMap::new();
        let mut overdue_tasks = Vec::new();
        let mut upcoming_tasks = Vec::new();
        let coordinator = safepath_domain::access::capabilities(who.actor.role).supervises;
        for h in tasks {
            // Case managers see their own tasks and those on their cases;
            // coordinators see every late task of the organisation.
            let mine = h.row.owner_id == Some(who.id()) || h.case_manager_id == Some(who.id());
            if !(mine || coordinator) {
                continue;
            }
            let due = h.row.due_on.clone().unwrap_or_default();
            let overdue = due < iso(today);
            let assigned_to_name = match h.row.owner_id {
                Some(u) => Some(self.user_name(u, &mut names).await),
                None => None,
            };
            let item = WorkTask {
                case_id: h.row.case_id.0,
                reference: h.reference,
                task_id: Uuid::parse_str(&h.row.id).unwrap_or_default(),
                due_on: due,
                overdue,
                assigned_to_name,
            };
            if overdue {
                overdue_tasks.push(item);
            } else if mine {
                upcoming_tasks.push(item);
            }
        }
        let mut approvals_waiting = Vec::new();
        let mut review_queue = Vec::new();
        let mut approval_heads = Vec::new();
        if coordinator {
            for h in self
                .store
                .queued_case_records(
                    kinds::APPROVAL,
                    &[ApprovalState::Requested.as_str()],
                    visibility,
                    None,
                )
                .await?
            {
                if h.org_id == who.org() {
                    approval_heads.push(h);
                }
            }
            review_queue = self.review_queue(who).await?;
        }
        // Audited before any approval is opened, naming their cases.
        let audit =
            AuditDraft::new(self.now_ms(), who.id().to_string(), "worklist.read").detail(format!(
                "tasks={} approvals={} reviews={} approval_cases={}",
                overdue_tasks.len() + upcoming_tasks.len(),
                approval_heads.len(),
                review_queue.len(),
                approval_heads
                    .iter()
                    .map(|h| h.row.case_id.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        self.store.append_audit(&audit).await?;
        for h in approval_heads {
            let Some(facts) = self.store.case_facts(h.row.case_id).await? else {
                continue;
            };
            let Ok(cap) = access::authorize(&who.actor, Action::ReadCase, &facts) else {
                continue;
            };
            let a: Approval = self.open_record(&cap, &h.row)?;
            approvals_waiting.push(WorkApproval {
                case_id: h.row.case_id.0,
                reference: h.reference,
                approval_id: a.id.0,
                subject: a.subject,
                requested_on: iso(a.requested_on),
                round: a.round,
            });
        }
        let justice_deadlines = if matches!(who.actor.role, Role::CaseManager | Role::Coordinator) {
            self.justice_deadlines(who, crate::justice::WORK_LIST_DAYS)
                .await?
        } else {
            Vec::new()
        };
        let follow_ups_due =
            if safepath_domain::solutions::handover::works_on_returns(who.actor.role) {
                self.follow_ups_due(who).await?
            } else {
                Vec::new()
            };
        Ok(WorkList {
            overdue_tasks,
            upcoming_tasks,
            approvals_waiting,
            review_queue,
            justice_deadlines,
            follow_ups_due,
        })
    }

    /// The organisation's cases due for their periodic review (coordinators).
    pub async fn review_queue(&self, who: &Principal) -> Result<Vec<ReviewItem>, AppError> {
        if !safepath_domain::access::capabilities(who.actor.role).supervises {
            return Err(AppError::forbidden(
                "the review queue is the coordinators' (interagency case review)",
            ));
        }
        let facts = self.store.review_facts(who.org()).await?;
        let today = self.clock.today();
        let mut input = Vec::new();
        let mut by_case = BTreeMap::new();
        for f in &facts {
            let opened_on = time::OffsetDateTime::from_unix_timestamp(f.created_at / 1000)
                .map(|t| t.date())
                .unwrap_or(today);
            let last_review = f
                .last_review_on
                .as_deref()
                .and_then(|d| parse_day("review", d).ok());
            input.push(ReviewFacts {
                case: f.case_id,
                status: CaseStatus::parse(&f.status)?,
                opened_on,
                last_review,
                every_months: self.review_months,
            });
            by_case.insert(f.case_id, f);
        }
        let due = needs::review_queue(&input, today);
        let mut out = Vec::new();
        for d in due.into_iter().take(200) {
            let Some(f) = by_case.get(&d.case) else {
                continue;
            };
            let records = self.store.case_records(d.case, None).await?;
            let referrals = self.store.referrals_for_case(d.case).await?;
            let counts = count_changes(
                &records,
                &referrals,
                f.last_review_at.unwrap_or(i64::MIN),
                today,
            );
            out.push(ReviewItem {
                case_id: d.case.0,
                reference: f.reference.clone(),
                status: CaseStatus::parse(&f.status)?,
                due_on: iso(d.due_on),
                days_overdue: d.days_overdue,
                last_review_on: f.last_review_on.clone(),
                changes: summarise_changes(&counts),
                change_counts: counts,
            });
        }
        Ok(out)
    }

    /// Today (the server's clock).
    pub fn today(&self) -> Date {
        self.clock.today()
    }

    /// Today as `YYYY-MM-DD` (the pages' default due day).
    pub fn today_iso(&self) -> String {
        iso(self.clock.today())
    }

    /// Staff of an organisation who work on cases (names and ids only), for
    /// assigning tasks and cases; only for users who work on cases there.
    pub async fn org_staff(
        &self,
        who: &Principal,
        org: Uuid,
    ) -> Result<Vec<(Uuid, String)>, AppError> {
        if who.org().0 != org {
            return Ok(Vec::new());
        }
        let mut out = Vec::new();
        for role in [Role::CaseManager, Role::Coordinator] {
            for u in self
                .store
                .users_with_role(OrgId(org), role.as_str())
                .await?
            {
                if !u.disabled {
                    out.push((u.id.0, u.full_name));
                }
            }
        }
        Ok(out)
    }

    /// Tells task owners about tasks due today or overdue, once per task.
    /// Run by the scheduler (`serve`) and at start.
    pub async fn notify_due_tasks(&self) -> Result<usize, AppError> {
        let today = iso(self.clock.today());
        let rows = self.store.all_case_records(kinds::TASK, &["open"]).await?;
        let mut told = 0;
        for r in rows {
            if r.due_on.as_deref().is_none_or(|d| d > today.as_str()) {
                continue;
            }
            let Some(owner) = r.owner_id else { continue };
            let reference = self.case_reference(r.case_id).await?.unwrap_or_default();
            let mut updated = r.clone();
            updated.state = "due_notified".into();
            updated.version += 1;
            updated.updated_at = self.now_ms();
            // The state change and the notice in one transaction: a crash
            // between them neither loses nor repeats the notice.
            let notice = self
                .notice(
                    owner,
                    "task_due",
                    Some(r.case_id),
                    format!(
                        "A task on case {reference} is due on {}.",
                        crate::clock::long_day_of(r.due_on.as_deref().unwrap_or_default())
                    ),
                )
                .about("task", &r.id)
                .params(crate::identification::notice_params(&[
                    ("reference", &reference),
                    ("due", r.due_on.as_deref().unwrap_or_default()),
                ]));
            let audit = AuditDraft::new(self.now_ms(), "system".to_owned(), "task.due_notified")
                .record("case", r.case_id)
                .detail(format!("task={}", r.id))
                .notify(notice);
            match self.store.write_case_records(&[updated], &audit).await {
                Ok(()) => {}
                // Someone finished the task meanwhile: nothing to tell.
                Err(StoreError::VersionMismatch) => continue,
                Err(e) => return Err(e.into()),
            }
            told += 1;
        }
        Ok(told)
    }
}
