//! What watches over rights and justice without anyone asking: the permit
//! expiry alerts (30, 14 and 7 days by default, then "expired"), the
//! coordinator's overview of victim-fatigue warnings, the fund's
//! reconciliation report, and the settings of all three.
//!
//! The scheduler and the overview work from the stored columns (a permit's
//! expiry day, an event's day and kind, a proceeding's state and opening
//! day): they never unseal a record, so they carry no personal data.

use super::*;
use crate::clock::long_day;
use safepath_domain::ids::OrgId;
use safepath_domain::justice::fund::{AccountPeriod, reconcile};
use safepath_store::ReviewFactsRow;

/// The configurable thresholds of this module (`--permit-alert-days`,
/// `--fatigue-*`, `--fund-approval-threshold`).
#[derive(Debug, Clone, Default)]
pub struct JusticeSettings {
    pub permit_alerts: ExpiryAlertSettings,
    pub fatigue: FatigueSettings,
    pub approval: ApprovalPolicy,
}

impl JusticeSettings {
    /// The settings from the command line's options: alert days; the gap,
    /// appearances and duration of the fatigue warnings; four-eyes
    /// thresholds, each `AMOUNT` (minor units, every currency) or
    /// `CUR=AMOUNT`.
    pub fn from_options(
        permit_alert_days: Vec<u32>,
        (max_gap_days, max_appearances, max_duration_days): (i64, usize, i64),
        approval_thresholds: &[String],
    ) -> Result<Self, AppError> {
        let config =
            |option: &str, e: DomainError| AppError::config(format!("{option}: {}", e.message));
        let mut default = ApprovalPolicy::default().default_threshold_minor;
        let mut per_currency = BTreeMap::new();
        for t in approval_thresholds {
            let bad = || {
                AppError::config(format!(
                    "--fund-approval-threshold: `{t}` is neither an amount in minor units nor CUR=amount"
                ))
            };
            match t.split_once('=') {
                Some((cur, amount)) => {
                    let cur = Currency::parse(cur.trim())
                        .map_err(|e| config("--fund-approval-threshold", e))?;
                    per_currency.insert(cur, amount.trim().parse::<i64>().map_err(|_| bad())?);
                }
                None => default = t.trim().parse::<i64>().map_err(|_| bad())?,
            }
        }
        Ok(Self {
            permit_alerts: ExpiryAlertSettings::new(permit_alert_days)
                .map_err(|e| config("--permit-alert-days", e))?,
            fatigue: FatigueSettings::new(max_gap_days, max_appearances, max_duration_days)
                .map_err(|e| config("--fatigue-max-*", e))?,
            approval: ApprovalPolicy::new(default, per_currency)
                .map_err(|e| config("--fund-approval-threshold", e))?,
        })
    }
}

/// The record kind of a sent permit alert: one per permit and step, so a
/// step is told once however often the scheduler runs.
pub(super) const PERMIT_ALERT: &str = "justice_permit_alert";

/// The record kind of a sent reminder of an appearance (hearing,
/// deposition, statement): one per event.
pub(super) const EVENT_ALERT: &str = "justice_event_alert";

/// Days before an appearance at which the case manager is reminded.
pub const APPEARANCE_REMINDER_DAYS: i64 = 7;

/// Open cases per organisation (their review facts), read once per run.
#[derive(Default)]
struct OpenCases(BTreeMap<OrgId, BTreeMap<CaseId, ReviewFactsRow>>);

/// Who is told of a deadline, and the case's reference for the message.
struct Recipients {
    reference: String,
    users: BTreeSet<UserId>,
}

/// A vocabulary value in words for a notification ("temporary stay").
fn label(code: &str) -> String {
    code.replace('_', " ")
}

/// One proceeding whose course may be exhausting the person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FatigueFlag {
    pub case_id: Uuid,
    pub reference: String,
    pub proceeding_kind: ProceedingKind,
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<FatigueWarning>,
}

/// The fund's reconciliation over a period.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReconciliationView {
    pub from: String,
    pub to: String,
    /// Per account and currency: balance before, debits, credits, balance
    /// after (balances in the account's normal direction).
    pub accounts: Vec<ReconciliationAccountView>,
    /// Per currency: the period's debits and credits, and sources, uses and
    /// holdings at its end.
    pub currencies: Vec<ReconciliationCurrencyView>,
    /// Transactions whose postings do not balance (none in a sound ledger).
    pub unbalanced_transactions: Vec<String>,
    /// Disbursements waiting for a second approval (not in any balance).
    pub awaiting_approval: usize,
    /// Every check passed.
    pub reconciled: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReconciliationAccountView {
    pub account_id: String,
    pub name: String,
    pub kind: AccountKind,
    pub currency: String,
    pub opening_minor: i64,
    pub debits_minor: i64,
    pub credits_minor: i64,
    pub closing_minor: i64,
    pub postings: i64,
    /// Opening plus the period's movements is the closing balance.
    pub rolls_forward: bool,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReconciliationCurrencyView {
    pub currency: String,
    pub debits_minor: i64,
    pub credits_minor: i64,
    pub sources_minor: i64,
    pub uses_minor: i64,
    pub holdings_minor: i64,
    /// The period's debits equal its credits.
    pub period_balanced: bool,
    /// Holdings equal what came from sources less what went to uses.
    pub funds_accounted_for: bool,
}

fn parse_iso(s: &str) -> Option<Date> {
    Date::parse(s, time::macros::format_description!("[year]-[month]-[day]")).ok()
}

fn narrow(v: i128) -> Result<i64, AppError> {
    i64::try_from(v).map_err(|_| AppError::internal("fund total out of range"))
}

impl App {
    pub fn set_justice_settings(&mut self, settings: JusticeSettings) {
        self.justice = settings;
    }

    pub fn justice_settings(&self) -> &JusticeSettings {
        &self.justice
    }

    /// Every reminder this module sends: permit expiry alerts and upcoming
    /// appearances (the scheduler calls this at start and hourly). Returns
    /// the number of notifications.
    pub async fn notify_justice_deadlines(&self) -> Result<usize, AppError> {
        Ok(self.notify_permit_alerts().await? + self.notify_upcoming_appearances().await?)
    }

    /// Tells the case manager when a granted permit (not yet renewed) comes
    /// within each alert threshold of its expiry, and when it has expired;
    /// an expired permit of a person still in protection is also flagged to
    /// the organisation's coordinators. Each step is told once: the alert
    /// record and its notifications are written in one transaction. Returns
    /// the number of notifications.
    pub async fn notify_permit_alerts(&self) -> Result<usize, AppError> {
        let today = self.clock.today();
        let settings = &self.justice.permit_alerts;
        let horizon = iso(today + time::Duration::days(settings.horizon_days()));
        let permits = self
            .store
            .all_case_records(kinds::PERMIT, &[ApplicationState::Granted.as_str()])
            .await?;
        let renewed: BTreeSet<String> = permits.iter().filter_map(|r| r.ref_id.clone()).collect();
        let sent = self.alerts_sent(PERMIT_ALERT).await?;
        let mut open = OpenCases::default();
        let mut told = 0;
        for permit in permits {
            let Some(expires) = permit.due_on.as_deref() else {
                continue;
            };
            if renewed.contains(&permit.id) || expires > horizon.as_str() {
                continue;
            }
            let Some(exp) = parse_iso(expires) else {
                continue;
            };
            let Some(alert) = permits::alert_for_expiry(exp, today, settings) else {
                continue;
            };
            let step = alert.step();
            if sent.contains(&(permit.id.clone(), step.clone())) {
                continue;
            }
            let expired = matches!(alert, ExpiryAlert::Expired { .. });
            let Some(to) = self
                .alert_recipients(&mut open, permit.case_id, expired)
                .await?
            else {
                continue;
            };
            let reference = &to.reference;
            let kind = label(permit.subject.as_deref().unwrap_or("permit"));
            let message = match alert {
                ExpiryAlert::Expiring { days_left: 0, .. } => format!(
                    "A permit on case {reference} ({kind}) expires today, {}.",
                    long_day(exp)
                ),
                ExpiryAlert::Expiring { days_left, .. } => format!(
                    "A permit on case {reference} ({kind}) expires in {days_left} days, on {}.",
                    long_day(exp)
                ),
                ExpiryAlert::Expired { .. } => format!(
                    "A permit on case {reference} ({kind}) expired on {}, and the person is still in protection.",
                    long_day(exp)
                ),
            };
            told += self
                .record_alert(
                    &permit,
                    (PERMIT_ALERT, &step),
                    "permit_expiry",
                    message,
                    &[
                        ("day", &iso(exp)),
                        ("expired", if expired { "yes" } else { "no" }),
                    ],
                    &to,
                )
                .await?;
        }
        Ok(told)
    }

    /// Reminds the case manager of a hearing, deposition or statement in the
    /// next [`APPEARANCE_REMINDER_DAYS`] days, once per event, so that
    /// accompaniment, interpretation and travel can be arranged.
    pub async fn notify_upcoming_appearances(&self) -> Result<usize, AppError> {
        let today = self.clock.today();
        let horizon = iso(today + time::Duration::days(APPEARANCE_REMINDER_DAYS));
        let events = self
            .store
            .all_case_records(kinds::EVENT, &["scheduled"])
            .await?;
        let sent = self.alerts_sent(EVENT_ALERT).await?;
        let mut open = OpenCases::default();
        let mut told = 0;
        for event in events {
            let Some(on) = event.due_on.as_deref().and_then(parse_iso) else {
                continue;
            };
            let Ok(kind) = EventKind::parse(event.subject.as_deref().unwrap_or_default()) else {
                continue;
            };
            if on < today
                || iso(on) > horizon
                || !kind.is_appearance()
                || sent.contains(&(event.id.clone(), "upcoming".to_owned()))
            {
                continue;
            }
            let Some(to) = self
                .alert_recipients(&mut open, event.case_id, false)
                .await?
            else {
                continue;
            };
            let days = (on - today).whole_days();
            let when = match days {
                0 => "today".to_owned(),
                1 => "tomorrow".to_owned(),
                n => format!("in {n} days"),
            };
            let message = format!(
                "The person on case {} has a {} {when}, on {}.",
                to.reference,
                label(kind.as_str()),
                long_day(on)
            );
            told += self
                .record_alert(
                    &event,
                    (EVENT_ALERT, "upcoming"),
                    "hearing_upcoming",
                    message,
                    &[("day", &iso(on)), ("event", kind.as_str())],
                    &to,
                )
                .await?;
        }
        Ok(told)
    }

    /// (record id, step) of the alerts of `kind` already sent.
    async fn alerts_sent(&self, kind: &str) -> Result<BTreeSet<(String, String)>, AppError> {
        Ok(self
            .store
            .all_case_records(kind, &["sent"])
            .await?
            .into_iter()
            .filter_map(|r| Some((r.ref_id?, r.subject?)))
            .collect())
    }

    /// Who hears of a deadline on the case: its case manager (the
    /// coordinators when it has none), and the coordinators too when
    /// `flag_to_coordinators` and the person is still in protection. `None`
    /// for a closed case: nobody is told, but the alert is still recorded.
    async fn alert_recipients(
        &self,
        open: &mut OpenCases,
        case: CaseId,
        flag_to_coordinators: bool,
    ) -> Result<Option<Recipients>, AppError> {
        let Some(facts) = self.store.case_facts(case).await? else {
            return Ok(None);
        };
        if let std::collections::btree_map::Entry::Vacant(slot) = open.0.entry(facts.org) {
            slot.insert(
                self.store
                    .review_facts(facts.org)
                    .await?
                    .into_iter()
                    .map(|f| (f.case_id, f))
                    .collect(),
            );
        }
        let Some(row) = open.0.get(&facts.org).and_then(|cases| cases.get(&case)) else {
            return Ok(Some(Recipients {
                reference: String::new(),
                users: BTreeSet::new(),
            }));
        };
        let in_protection = row.status != "not_identified";
        let mut users: BTreeSet<UserId> = facts.case_manager.into_iter().collect();
        if users.is_empty() || (flag_to_coordinators && in_protection) {
            users.extend(
                self.store
                    .users_with_role(facts.org, Role::Coordinator.as_str())
                    .await?
                    .into_iter()
                    .map(|u| u.id),
            );
        }
        Ok(Some(Recipients {
            reference: row.reference.clone(),
            users,
        }))
    }

    /// Writes that `step` of the alert `kind` on `about` was told, with the
    /// notifications, in one transaction. Returns how many were told.
    async fn record_alert(
        &self,
        about: &CaseRecordRow,
        (kind, step): (&str, &str),
        notice_kind: &str,
        message: String,
        params: &[(&str, &str)],
        to: &Recipients,
    ) -> Result<usize, AppError> {
        let mut params = params.to_vec();
        params.push(("reference", &to.reference));
        let params = crate::identification::notice_params(&params);
        let notices: Vec<_> = to
            .users
            .iter()
            .map(|u| {
                self.notice(*u, notice_kind, Some(about.case_id), message.clone())
                    .about(
                        if kind == PERMIT_ALERT {
                            "permit"
                        } else {
                            "proceeding_event"
                        },
                        &about.id,
                    )
                    .params(params.clone())
            })
            .collect();
        let told = notices.len();
        let now = self.now_ms();
        let id = Uuid::new_v4().to_string();
        let row = CaseRecordRow {
            id: id.clone(),
            case_id: about.case_id,
            kind: kind.to_owned(),
            state: "sent".to_owned(),
            subject: Some(step.to_owned()),
            owner_id: None,
            ref_id: Some(about.id.clone()),
            due_on: Some(iso(self.clock.today())),
            record: self.seal_json(
                TABLE,
                COLUMN,
                &id,
                &serde_json::json!({"step": step, "due_on": about.due_on, "told": told}),
            )?,
            version: 1,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditDraft::new(now, "system".to_owned(), "justice.alert")
            .record("case", about.case_id)
            .detail(format!("about={} step={step} told={told}", about.id))
            .notify_all(notices);
        self.store.write_case_records(&[row], &audit).await?;
        Ok(told)
    }

    /// Victim-fatigue warnings on the proceedings of the cases the user sees
    /// (coordinators: their organisation's; case managers: their own), from
    /// the stored days and kinds, in one audited read.
    pub async fn fatigue_overview(&self, who: &Principal) -> Result<Vec<FatigueFlag>, AppError> {
        let visibility = access::visibility(&who.actor);
        let today = self.clock.today();
        let open_states: Vec<&str> = ProceedingState::ALL
            .iter()
            .filter(|s| **s != ProceedingState::Closed)
            .map(|s| s.as_str())
            .collect();
        let procs = self
            .store
            .queued_case_records(kinds::PROCEEDING, &open_states, visibility, None)
            .await?;
        let mut events_of: BTreeMap<CaseId, Vec<CaseRecordRow>> = BTreeMap::new();
        let mut out = Vec::new();
        for h in procs {
            let (Ok(state), Ok(kind)) = (
                ProceedingState::parse(&h.row.state),
                ProceedingKind::parse(h.row.subject.as_deref().unwrap_or_default()),
            ) else {
                continue;
            };
            // Proceedings recorded before the opening day was kept beside
            // the record count from the day they were recorded.
            let opened_on = h
                .row
                .due_on
                .as_deref()
                .and_then(parse_iso)
                .or_else(|| {
                    time::OffsetDateTime::from_unix_timestamp(h.row.created_at / 1000)
                        .ok()
                        .map(|t| t.date())
                })
                .unwrap_or(today);
            if let std::collections::btree_map::Entry::Vacant(slot) = events_of.entry(h.row.case_id)
            {
                slot.insert(
                    self.store
                        .case_records(h.row.case_id, Some(kinds::EVENT))
                        .await?,
                );
            }
            let appearances: Vec<Date> = events_of[&h.row.case_id]
                .iter()
                .filter(|e| e.ref_id.as_deref() == Some(h.row.id.as_str()))
                .filter(|e| {
                    EventKind::parse(e.subject.as_deref().unwrap_or_default())
                        .is_ok_and(EventKind::is_appearance)
                })
                .filter_map(|e| e.due_on.as_deref().and_then(parse_iso))
                .collect();
            let warnings = proceedings::fatigue_warnings_from(
                state,
                opened_on,
                appearances,
                today,
                &self.justice.fatigue,
            );
            if !warnings.is_empty() {
                out.push(FatigueFlag {
                    case_id: h.row.case_id.0,
                    reference: h.reference,
                    proceeding_kind: kind,
                    warnings,
                });
            }
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "justice.fatigue.read")
            .org(who.org())
            .detail(format!("results={}", out.len()));
        self.store.append_audit(&audit).await?;
        Ok(out)
    }

    /// The fund's reconciliation from `from` to `to` (both included; by
    /// default this month to today): every account's balance rolls forward
    /// from the day before by the period's debits and credits, debits equal
    /// credits in every currency, holdings equal sources less uses, and no
    /// transaction in the ledger is out of balance. Coordinators only.
    pub async fn fund_reconciliation(
        &self,
        who: &Principal,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<ReconciliationView, AppError> {
        self.fund_check(who, FundRight::Post)?;
        let today = self.clock.today();
        let to = opt_day("to", to)?.unwrap_or(today);
        let from = opt_day("from", from)?.unwrap_or_else(|| today.replace_day(1).unwrap_or(today));
        if to < from {
            return Err(AppError::bad_request(
                codes::ENDS_BEFORE_START,
                "to: the period ends before it starts",
            ));
        }
        let before = from.previous_day().map(iso).unwrap_or_default();
        let opening = if before.is_empty() {
            Vec::new()
        } else {
            self.store.fund_balances(Some(&before)).await?
        };
        let closing = self.store.fund_balances(Some(&iso(to))).await?;
        let moved = self.store.fund_movements(&iso(from), &iso(to)).await?;
        let accounts = self.account_kinds().await?;
        let mut keys: BTreeSet<(String, String)> = BTreeSet::new();
        keys.extend(
            opening
                .iter()
                .map(|b| (b.account_id.clone(), b.currency.clone())),
        );
        keys.extend(
            closing
                .iter()
                .map(|b| (b.account_id.clone(), b.currency.clone())),
        );
        keys.extend(
            moved
                .iter()
                .map(|m| (m.account_id.clone(), m.currency.clone())),
        );
        let balance = |rows: &[safepath_store::FundBalanceRow], a: &str, c: &str| {
            rows.iter()
                .find(|b| b.account_id == a && b.currency == c)
                .map_or(0, |b| b.signed_minor)
        };
        let mut periods = Vec::new();
        let mut lines = Vec::new();
        for (account, currency) in keys {
            let (name, kind) = accounts
                .get(&account)
                .cloned()
                .ok_or_else(|| AppError::internal("posting to an unknown fund account"))?;
            let cur = Currency::parse(&currency)
                .map_err(|_| AppError::internal("stored currency is invalid"))?;
            let m = moved
                .iter()
                .find(|m| m.account_id == account && m.currency == currency);
            let p = AccountPeriod {
                kind,
                currency: cur,
                opening_signed: balance(&opening, &account, &currency),
                debits: m.map_or(0, |m| m.debit_minor),
                credits: m.map_or(0, |m| m.credit_minor),
                closing_signed: balance(&closing, &account, &currency),
            };
            lines.push(ReconciliationAccountView {
                account_id: account,
                name,
                kind,
                currency,
                opening_minor: kind.shown_balance(p.opening_signed),
                debits_minor: p.debits,
                credits_minor: p.credits,
                closing_minor: kind.shown_balance(p.closing_signed),
                postings: m.map_or(0, |m| m.postings),
                rolls_forward: p.rolls_forward(),
            });
            periods.push(p);
        }
        let mut currencies = Vec::new();
        for r in reconcile(&periods) {
            currencies.push(ReconciliationCurrencyView {
                currency: r.currency.code().to_owned(),
                debits_minor: narrow(r.debits)?,
                credits_minor: narrow(r.credits)?,
                sources_minor: narrow(r.sources)?,
                uses_minor: narrow(r.uses)?,
                holdings_minor: narrow(r.holdings)?,
                period_balanced: r.period_balanced,
                funds_accounted_for: r.funds_accounted_for,
            });
        }
        let mut unbalanced: Vec<String> = self
            .store
            .fund_unbalanced()
            .await?
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        unbalanced.dedup();
        let awaiting_approval = usize::try_from(
            self.store
                .count_fund_transactions(TransactionState::AwaitingApproval.as_str())
                .await?,
        )
        .unwrap_or_default();
        let reconciled = unbalanced.is_empty()
            && lines.iter().all(|l| l.rolls_forward)
            && currencies
                .iter()
                .all(|c| c.period_balanced && c.funds_accounted_for);
        let audit = self
            .fund_audit(who, "fund.reconciliation.read")
            .detail(format!(
                "from={} to={} reconciled={reconciled}",
                iso(from),
                iso(to)
            ));
        self.store.append_audit(&audit).await?;
        Ok(ReconciliationView {
            from: iso(from),
            to: iso(to),
            accounts: lines,
            currencies,
            unbalanced_transactions: unbalanced,
            awaiting_approval,
            reconciled,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_from_the_command_line_are_checked() {
        let s = JusticeSettings::from_options(
            vec![7, 60],
            (90, 3, 365),
            &["500000".to_owned(), "THB=2000000".to_owned()],
        )
        .unwrap();
        assert_eq!(s.permit_alerts.days, vec![60, 7]);
        assert_eq!(s.fatigue.max_appearances, 3);
        let thb = Currency::parse("THB").unwrap();
        assert_eq!(s.approval.threshold(thb), 2_000_000);
        assert_eq!(
            s.approval.threshold(Currency::parse("USD").unwrap()),
            500_000
        );
        let defaults = JusticeSettings::from_options(vec![30, 14, 7], (120, 4, 730), &[]).unwrap();
        assert_eq!(defaults.approval, ApprovalPolicy::default());
        for (days, fatigue, thresholds) in [
            (vec![], (120, 4, 730), vec![]),
            (vec![30, 0], (120, 4, 730), vec![]),
            (vec![30], (0, 4, 730), vec![]),
            (vec![30], (120, 4, 730), vec!["-1".to_owned()]),
            (vec![30], (120, 4, 730), vec!["QQQ=5".to_owned()]),
            (vec![30], (120, 4, 730), vec!["THB=ten".to_owned()]),
            (vec![30], (120, 4, 730), vec!["12.5".to_owned()]),
        ] {
            let e = JusticeSettings::from_options(days, fatigue, &thresholds).unwrap_err();
            assert_eq!(e.kind, ErrorKind::Config);
        }
    }
}
