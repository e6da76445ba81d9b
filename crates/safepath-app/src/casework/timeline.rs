//! Reading the case work of one case: the timeline and everything on the
//! case work page (audited as a read), also as a receiving organisation sees it.

use super::*;

impl App {
    // ------------------------------------------------------------ reading

    /// Everything of the case work on one case (audited as a read).
    pub async fn casework(&self, who: &Principal, id: Uuid) -> Result<CaseWork, AppError> {
        let (facts, cap) = match self
            .case_relation(who, id, Action::ReadCase, "read this case")
            .await
        {
            Ok((facts, _, cap)) => (facts, cap),
            Err(e) if e.kind == ErrorKind::NotFound => {
                return self.casework_via_referral(who, id).await.map_err(|_| e);
            }
            Err(e) => return Err(e),
        };
        let (c, person) = self.case_for_change(who, &facts, "case work").await?;
        let status = CaseStatus::parse(&c.status)?;
        let records = self.store.case_records(facts.id, None).await?;
        let decisions = self.store.decisions_for_case(facts.id).await?;
        let today = self.clock.today();
        let mut names = BTreeMap::new();
        let mut timeline = Vec::new();
        let mut needs_out = Vec::new();
        let mut goals_out = Vec::new();
        let mut tasks_out = Vec::new();
        let mut approvals_out = Vec::new();
        let mut assessments_out = Vec::new();
        let mut feedback_out = Vec::new();
        let mut last_review: Option<String> = None;
        let orgs: BTreeMap<OrgId, String> = self
            .store
            .list_orgs()
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect();
        for r in &records {
            let at = rfc3339(r.created_at);
            match r.kind.as_str() {
                kinds::TRANSITION => {
                    let t: TransitionRecord = self.open_record(&cap, r)?;
                    timeline.push(TimelineEntry {
                        at,
                        kind: r.kind.clone(),
                        what: t.transition.kind.as_str().into(),
                        parts: vec![t.transition.kind.as_str().into()],
                        from_status: Some(t.transition.from),
                        to_status: Some(t.transition.to),
                        text: t.transition.reason,
                        by: match t.partner {
                            Some(partner) => partner,
                            None => self.user_name(t.by, &mut names).await,
                        },
                    });
                }
                kinds::ASSIGNMENT => {
                    let a: AssignmentRecord = self.open_record(&cap, r)?;
                    let to = self.user_name(a.to, &mut names).await;
                    timeline.push(TimelineEntry {
                        at,
                        kind: r.kind.clone(),
                        what: format!("assigned to {to}"),
                        parts: vec![to],
                        from_status: None,
                        to_status: None,
                        text: a.note,
                        by: self.user_name(a.by, &mut names).await,
                    });
                }
                kinds::APPROVAL => {
                    let a: Approval = self.open_record(&cap, r)?;
                    let requested_by = self.user_name(a.requested_by, &mut names).await;
                    let decided_by = match a.decided_by {
                        Some(u) => Some(self.user_name(u, &mut names).await),
                        None => None,
                    };
                    approvals_out.push(ApprovalView {
                        id: a.id.0,
                        case_id: a.case.0,
                        subject: a.subject,
                        state: a.state,
                        requested_by,
                        requested_on: iso(a.requested_on),
                        round: a.round,
                        decided_by,
                        decided_on: a.decided_on.map(iso),
                        comment: a.comment,
                    });
                }
                kinds::APPROVAL_EVENT => {
                    let e: ApprovalEvent = self.open_record(&cap, r)?;
                    timeline.push(TimelineEntry {
                        at,
                        kind: kinds::APPROVAL.into(),
                        what: format!("{} {}", e.subject.as_str(), e.state.as_str()),
                        parts: vec![e.subject.as_str().into(), e.state.as_str().into()],
                        from_status: None,
                        to_status: None,
                        text: e.comment,
                        by: self.user_name(e.by, &mut names).await,
                    });
                }
                kinds::NEED => {
                    let n: Need = self.open_record(&cap, r)?;
                    needs_out.push(NeedView::of(n, r.version));
                }
                kinds::GOAL => {
                    let g: Goal = self.open_record(&cap, r)?;
                    goals_out.push(GoalView {
                        id: g.id.0,
                        need_ids: g.needs.iter().map(|n| n.0).collect(),
                        description: g.description,
                    });
                }
                kinds::TASK => {
                    let t: Task = self.open_record(&cap, r)?;
                    let assigned_to_name = match t.assigned_to {
                        Some(u) => Some(self.user_name(u, &mut names).await),
                        None => None,
                    };
                    tasks_out.push(TaskView {
                        id: t.id.0,
                        case_id: id,
                        goal_id: t.goal.0,
                        overdue: t.is_overdue(today),
                        description: t.description,
                        assigned_to: t.assigned_to.map(|u| u.0),
                        assigned_to_name,
                        due_on: iso(t.due_on),
                        done_on: t.done_on.map(iso),
                        cancelled: t.cancelled,
                    });
                }
                kinds::REVIEW => {
                    let rv: ReviewRecord = self.open_record(&cap, r)?;
                    last_review = Some(rv.reviewed_on.clone());
                    timeline.push(TimelineEntry {
                        at,
                        kind: r.kind.clone(),
                        what: "periodic review".into(),
                        parts: Vec::new(),
                        from_status: None,
                        to_status: None,
                        text: Some(rv.notes),
                        by: self.user_name(rv.by, &mut names).await,
                    });
                }
                kinds::ASSESSMENT => {
                    let a: AssessmentRecord = self.open_record(&cap, r)?;
                    let by = self.user_name(a.by, &mut names).await;
                    timeline.push(TimelineEntry {
                        at,
                        kind: r.kind.clone(),
                        what: a.kind.as_str().into(),
                        parts: vec![a.kind.as_str().into()],
                        from_status: None,
                        to_status: None,
                        text: None,
                        by: by.clone(),
                    });
                    assessments_out.push(AssessmentView {
                        kind: a.kind,
                        summary: a.summary,
                        by,
                        on: a.on,
                    });
                }
                kinds::FEEDBACK => {
                    let f: FeedbackRecord = self.open_record(&cap, r)?;
                    feedback_out.push(FeedbackView {
                        provider_org_id: f.provider_org.0,
                        provider_org_name: orgs.get(&f.provider_org).cloned().unwrap_or_default(),
                        service: f.service,
                        rating: f.rating,
                        comment: f.comment,
                        language: f.language,
                        on: f.on,
                    });
                }
                _ => {}
            }
        }
        for d in &decisions {
            if let (Some(at), Some(outcome)) = (d.decided_at, &d.outcome) {
                let by = match d.decided_by {
                    Some(u) => self.user_name(u, &mut names).await,
                    None => "—".into(),
                };
                timeline.push(TimelineEntry {
                    at: rfc3339(at),
                    kind: "decision".into(),
                    what: format!("{} {}", d.stage, outcome),
                    parts: vec![d.stage.clone(), outcome.clone()],
                    from_status: None,
                    to_status: None,
                    text: None,
                    by,
                });
            }
        }
        timeline.sort_by(|a, b| b.at.cmp(&a.at));
        let forms: Vec<safepath_domain::case::ExploitationForm> =
            serde_json::from_str(&c.exploitation_forms)
                .map_err(|_| AppError::internal("exploitation forms"))?;
        let profiles = needs::profiles_of(&person, &forms, today);
        let prompts = needs::assessment_prompts(&profiles)
            .into_iter()
            .map(|p| PromptView {
                key: p.key.into(),
                domain: p.domain,
                text: p.text.into(),
            })
            .collect();
        let opened_on = time::OffsetDateTime::from_unix_timestamp(c.created_at / 1000)
            .map(|t| t.date())
            .unwrap_or(today);
        let last = last_review
            .as_deref()
            .and_then(|d| parse_day("review", d).ok())
            .unwrap_or(opened_on);
        let next_statuses = lifecycle::form_successors(status);
        Ok(CaseWork {
            case_id: id,
            status,
            next_statuses,
            timeline,
            needs: needs_out,
            goals: goals_out,
            tasks: tasks_out,
            approvals: approvals_out,
            assessments: assessments_out,
            feedback: feedback_out,
            prompts,
            profiles,
            last_review_on: last_review,
            next_review_due: iso(needs::next_review_due(last, self.review_months)),
        })
    }

    /// What a receiving organisation sees of the case work through an
    /// accepted referral: only the needs whose data category is shared (and
    /// still covered by consent); no timeline, plan, tasks or feedback.
    async fn casework_via_referral(&self, who: &Principal, id: Uuid) -> Result<CaseWork, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(id))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let shared = self.referral_categories(who, facts.id).await?;
        let cap = access::authorize_referral_read(&who.actor, &facts, !shared.is_empty())
            .map_err(|_| AppError::case_not_found())?;
        let names: Vec<&str> = shared.iter().map(|c| c.as_str()).collect();
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "casework.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("via referral; categories={}", names.join(",")));
        self.store.append_audit(&audit).await?;
        let mut needs_out = Vec::new();
        for r in self.store.case_records(facts.id, Some(kinds::NEED)).await? {
            let n: Need = self.open_record(&cap, &r)?;
            if shared.contains(&n.domain.data_category()) {
                needs_out.push(NeedView::of(n, r.version));
            }
        }
        // The status comes with the (category-limited, audited) case read.
        let status = self.get_case(who, id).await?.status;
        Ok(CaseWork {
            case_id: id,
            status,
            next_statuses: Vec::new(),
            timeline: Vec::new(),
            needs: needs_out,
            goals: Vec::new(),
            tasks: Vec::new(),
            approvals: Vec::new(),
            assessments: Vec::new(),
            feedback: Vec::new(),
            prompts: Vec::new(),
            profiles: Vec::new(),
            last_review_on: None,
            next_review_due: String::new(),
        })
    }
}
