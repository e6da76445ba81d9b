//! Periodic reviews, the assessments repatriation needs, and the person's
//! feedback on services.

use super::*;

impl App {
    // ------------------------------------------------------------ reviews, assessments, feedback

    /// Records a periodic review; the next one falls due `review_months` later.
    pub async fn record_review(
        &self,
        who: &Principal,
        id: Uuid,
        r: NewReview,
    ) -> Result<CaseWork, AppError> {
        let (facts, rel, _) = self
            .case_relation(who, id, Action::EditCase, "review this case")
            .await?;
        // Reviewed by those who steer the case (as for its lifecycle).
        if !lifecycle::may_transition(who.actor.role, rel) {
            return Err(AppError::new(
                ErrorKind::Forbidden,
                codes::REVIEW_NOT_ALLOWED,
                "a case review is recorded by a coordinator of the owning organisation or the case manager",
            ));
        }
        self.write_review(who, &facts, r.notes, self.clock.today())
            .await?;
        self.casework(who, id).await
    }

    /// A review recorded for an earlier day (demo data, carried-over records).
    pub(crate) async fn record_review_on(
        &self,
        who: &Principal,
        id: Uuid,
        notes: String,
        day: Date,
    ) -> Result<(), AppError> {
        let (facts, _, _) = self
            .case_relation(who, id, Action::EditCase, "review this case")
            .await?;
        self.write_review(who, &facts, notes, day).await
    }

    async fn write_review(
        &self,
        who: &Principal,
        facts: &access::CaseFacts,
        notes: String,
        today: Date,
    ) -> Result<(), AppError> {
        let notes = safepath_domain::casework::checked_text("notes", &notes)?;
        let since = self.changes_since_last_review(facts.id).await?;
        let now = self.now_ms();
        // A review of an earlier day is placed on the timeline on that day.
        let at = if today < self.clock.today() {
            today.midnight().assume_utc().unix_timestamp() * 1000
        } else {
            now
        };
        let mut row = new_row(facts.id, kinds::REVIEW, "done", at);
        row.due_on = Some(iso(today));
        self.seal_record(
            &mut row,
            &ReviewRecord {
                reviewed_on: iso(today),
                by: who.id(),
                notes,
                changes: since,
            },
        )?;
        let audit = AuditDraft::new(now, who.id().to_string(), "case.review")
            .record("case", facts.id)
            .org(facts.org);
        self.store.write_case_records(&[row], &audit).await?;
        Ok(())
    }

    pub async fn record_assessment(
        &self,
        who: &Principal,
        id: Uuid,
        a: NewAssessment,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, _) = self
            .case_relation(who, id, Action::EditCase, "record assessments on this case")
            .await?;
        let summary = safepath_domain::casework::checked_text("summary", &a.summary)?;
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::ASSESSMENT, "done", now);
        row.subject = Some(a.kind.as_str().into());
        self.seal_record(
            &mut row,
            &AssessmentRecord {
                kind: a.kind,
                summary,
                by: who.id(),
                on: iso(self.clock.today()),
            },
        )?;
        let audit = AuditDraft::new(now, who.id().to_string(), "assessment.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("kind={}", a.kind.as_str()));
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    /// The person's feedback on a service received, in their language. The
    /// provider and the rating are kept beside the sealed record so that the
    /// per-provider report never opens a case.
    pub async fn record_feedback(
        &self,
        who: &Principal,
        id: Uuid,
        f: NewFeedback,
    ) -> Result<CaseWork, AppError> {
        let (facts, _, _) = self
            .case_relation(who, id, Action::EditCase, "record feedback on this case")
            .await?;
        let provider = self
            .store
            .org(OrgId(f.provider_org_id))
            .await?
            .ok_or_else(|| {
                AppError::bad_request("unknown_org", "provider_org_id: no such organisation")
            })?;
        let service = safepath_domain::casework::checked_text("service", &f.service)?;
        let comment = match f.comment.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(c) => Some(safepath_domain::casework::checked_text("comment", c)?),
        };
        let language = f.language.trim().to_owned();
        if language.is_empty()
            || language.len() > 35
            || !language
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(AppError::bad_request(
                "invalid_language",
                "language: expected a BCP 47 tag such as my, th or id",
            ));
        }
        let now = self.now_ms();
        let mut row = new_row(facts.id, kinds::FEEDBACK, f.rating.as_str(), now);
        row.ref_id = Some(provider.id.to_string());
        self.seal_record(
            &mut row,
            &FeedbackRecord {
                provider_org: provider.id,
                service,
                rating: f.rating,
                comment,
                language,
                by: who.id(),
                on: iso(self.clock.today()),
            },
        )?;
        let audit = AuditDraft::new(now, who.id().to_string(), "feedback.create")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("provider={}", provider.id));
        self.store.write_case_records(&[row], &audit).await?;
        self.casework(who, id).await
    }

    /// Feedback per provider, counted over every case, with no comment and
    /// no person; providers with few responses are not broken down.
    pub async fn feedback_report(
        &self,
        who: &Principal,
    ) -> Result<Vec<ProviderFeedback>, AppError> {
        if who.actor.role == Role::Administrator {
            return Err(AppError::forbidden("administrators do not read case work"));
        }
        let rows = self
            .store
            .all_case_records(
                kinds::FEEDBACK,
                &FeedbackRating::ALL
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>(),
            )
            .await?;
        let mut per: BTreeMap<String, [usize; 3]> = BTreeMap::new();
        for r in &rows {
            let Some(org) = &r.ref_id else { continue };
            let slot = per.entry(org.clone()).or_default();
            match r.state.as_str() {
                "helped_a_lot" => slot[0] += 1,
                "helped_somewhat" => slot[1] += 1,
                _ => slot[2] += 1,
            }
        }
        let orgs = self.store.list_orgs().await?;
        let mut out = Vec::new();
        for o in orgs {
            let counts = per.get(&o.id.to_string()).copied().unwrap_or_default();
            let responses: usize = counts.iter().sum();
            if responses == 0 {
                continue;
            }
            let suppressed = responses < FEEDBACK_MIN_RESPONSES;
            let c = if suppressed { [0; 3] } else { counts };
            out.push(ProviderFeedback {
                org_id: o.id.0,
                org_name: o.name,
                responses: if suppressed { 0 } else { responses },
                helped_a_lot: c[0],
                helped_somewhat: c[1],
                did_not_help: c[2],
                suppressed,
            });
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "feedback.report");
        self.store.append_audit(&audit).await?;
        Ok(out)
    }

    /// What happened on a case since its last review (or since it was
    /// opened), as counts: no personal data.
    async fn changes_since_last_review(&self, case: CaseId) -> Result<Vec<String>, AppError> {
        let records = self.store.case_records(case, None).await?;
        let last = records
            .iter()
            .filter(|r| r.kind == kinds::REVIEW)
            .map(|r| r.created_at)
            .max()
            .unwrap_or(i64::MIN);
        let referrals = self.store.referrals_for_case(case).await?;
        Ok(summarise_changes(&count_changes(
            &records,
            &referrals,
            last,
            self.clock.today(),
        )))
    }
}
