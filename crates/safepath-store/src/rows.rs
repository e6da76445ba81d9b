//! Rows as stored. Personal fields are [`Sealed`]; enums are kept as their
//! stable string names and parsed by the app layer.

use safepath_crypto::Sealed;
use safepath_domain::ids::{CaseId, OrgId, PersonId, UserId};

use crate::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgRow {
    pub id: OrgId,
    pub name: String,
    pub org_type: String,
    pub country: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRow {
    pub id: UserId,
    pub username: String,
    pub full_name: String,
    pub org_id: OrgId,
    pub role: String,
    pub password_hash: String,
    pub disabled: bool,
    pub language: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginFailures {
    pub failures: i64,
    pub locked_until: i64,
    pub last_at: i64,
}

/// A user's second sign-in factor (TOTP). The secret is sealed by the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoFactorRow {
    pub user_id: UserId,
    pub secret: Sealed,
    /// False while the enrolment awaits its confirming code.
    pub enabled: bool,
    /// The last 30-second step whose code was accepted (replay guard).
    pub last_step: i64,
    pub created_at: i64,
    pub enabled_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub token_hash: String,
    pub user_id: UserId,
    /// `web` (cookie) or `api` (bearer token).
    pub kind: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
    /// When it was last used (for the idle timeout).
    pub last_seen_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRow {
    pub id: PersonId,
    pub display_name: Sealed,
    pub names: Sealed,
    pub birth_date: Option<Sealed>,
    pub contact: Option<Sealed>,
    pub place_of_origin: Option<Sealed>,
    pub sex: String,
    pub gender_identity: String,
    /// JSON array of ISO 3166 alpha-3 codes.
    pub nationalities: String,
    /// JSON array of BCP 47 tags.
    pub languages: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRow {
    pub id: CaseId,
    pub reference: String,
    pub person_id: PersonId,
    pub status: String,
    pub org_id: OrgId,
    pub case_manager_id: Option<UserId>,
    pub associated: Vec<UserId>,
    /// JSON array of HTCDS exploitation forms.
    pub exploitation_forms: String,
    pub notes: Option<Sealed>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Optimistic concurrency: bumped by every update.
    pub version: i64,
}

/// Which entries of an organisation's audit trail to read, newest first.
#[derive(Debug, Clone, Default)]
pub struct OrgAuditQuery {
    /// Only entries by this actor (a user id).
    pub actor: Option<String>,
    /// Only actions that start with one of these (`case.`, `need.`, …).
    pub action_prefixes: Vec<String>,
    /// Only entries at or after this time (ms).
    pub from_ms: Option<i64>,
    /// Only entries before this time (ms).
    pub to_ms: Option<i64>,
    /// Only entries older than this one (the next page).
    pub before_seq: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, Default)]
pub struct CaseFilter {
    /// Blind indexes of the name tokens searched for; a case matches when its
    /// person has every one.
    pub name_tokens: Vec<Vec<u8>>,
    /// A reference prefix (upper case), searched instead of or besides names.
    pub reference_prefix: Option<String>,
    pub status: Option<String>,
    /// Only cases this user manages.
    pub case_manager: Option<UserId>,
    /// Only cases with this form of exploitation (a vocabulary code).
    pub exploitation_form: Option<String>,
    /// Only cases whose next deadline (an open decision's or an open task's
    /// due date) is before this day (ISO `YYYY-MM-DD`): overdue ones.
    pub overdue_before: Option<String>,
    pub sort: CaseSort,
    pub offset: i64,
    pub limit: i64,
}

/// The order of a case list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum CaseSort {
    /// Last changed first.
    #[default]
    Changed,
    /// By reference, A to Z.
    Reference,
    /// By status, in the order of the lifecycle.
    Status,
    /// The nearest deadline first; cases without one last.
    Deadline,
}

#[derive(Debug, Clone)]
pub struct CasePage {
    pub items: Vec<(CaseRow, PersonRow)>,
    /// Each item's next deadline (ISO date), in the order of `items`.
    pub next_due: Vec<Option<String>>,
    pub total: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationRow {
    pub id: String,
    pub user_id: UserId,
    pub kind: String,
    pub case_id: Option<CaseId>,
    /// Never personal data: references and reasons only.
    pub message: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
    /// What it is about: `referral`, `approval`, `task`, `decision`,
    /// `case`, `tracing_request`, … (a page links to it).
    pub subject_type: Option<String>,
    pub subject_id: Option<String>,
    /// A JSON object of the words' parameters: never personal data.
    pub params: Option<String>,
}

impl NotificationRow {
    /// Names the record the notification is about.
    pub fn about(mut self, subject_type: &str, subject_id: impl ToString) -> Self {
        self.subject_type = Some(subject_type.to_owned());
        self.subject_id = Some(subject_id.to_string());
        self
    }
    /// The words' parameters (a JSON object, never personal data).
    pub fn params(mut self, json: String) -> Self {
        self.params = Some(json);
        self
    }
}

/// An audit entry before it gets its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditDraft {
    pub at_ms: i64,
    pub actor: String,
    pub action: String,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub org_id: Option<String>,
    pub reason: Option<String>,
    pub detail: Option<String>,
    /// Notifications the change causes. They are written (and queued for
    /// e-mail) in the transaction that appends this entry, so a change is
    /// never committed without them, nor reported as failed after it was
    /// committed. Not part of the chain hash.
    pub notifications: Vec<NotificationRow>,
}

impl AuditDraft {
    /// Adds a notification, written in the same transaction as the change.
    pub fn notify(mut self, row: NotificationRow) -> Self {
        self.notifications.push(row);
        self
    }
    /// Adds notifications, written in the same transaction as the change.
    pub fn notify_all(mut self, rows: impl IntoIterator<Item = NotificationRow>) -> Self {
        self.notifications.extend(rows);
        self
    }
    pub fn new(at_ms: i64, actor: impl Into<String>, action: impl Into<String>) -> Self {
        Self {
            at_ms,
            actor: actor.into(),
            action: action.into(),
            ..Default::default()
        }
    }
    pub fn record(mut self, record_type: &str, id: impl ToString) -> Self {
        self.record_type = Some(record_type.to_owned());
        self.record_id = Some(id.to_string());
        self
    }
    pub fn org(mut self, org: OrgId) -> Self {
        self.org_id = Some(org.to_string());
        self
    }
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }
    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
    /// Adds to the detail (after `; `): what a list read, named by id.
    pub fn add_detail(&mut self, more: impl Into<String>) {
        let more = more.into();
        self.detail = Some(match self.detail.take() {
            Some(d) => format!("{d}; {more}"),
            None => more,
        });
    }
}

/// `[version=1][key id length][key id][nonce ‖ ciphertext]`.
pub(crate) fn encode_sealed(s: &Sealed) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + s.key_id.len() + s.bytes.len());
    out.push(1);
    out.push(u8::try_from(s.key_id.len()).unwrap_or(u8::MAX));
    out.extend_from_slice(s.key_id.as_bytes());
    out.extend_from_slice(&s.bytes);
    out
}

pub(crate) fn decode_sealed(b: &[u8]) -> Result<Sealed, StoreError> {
    let bad = || StoreError::Corrupt("sealed field has a bad header".into());
    if b.len() < 2 || b[0] != 1 {
        return Err(bad());
    }
    let n = usize::from(b[1]);
    let key_id = b.get(2..2 + n).ok_or_else(bad)?;
    Ok(Sealed {
        key_id: String::from_utf8(key_id.to_vec()).map_err(|_| bad())?,
        bytes: b[2 + n..].to_vec(),
    })
}

/// A stored screening. The answers, the context and the evaluation are one
/// sealed JSON record; the columns beside it carry no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScreeningRow {
    pub id: String,
    pub org_id: OrgId,
    pub screened_by: UserId,
    pub created_at: i64,
    pub catalogue_version: String,
    pub profile_id: String,
    pub form: String,
    pub population: String,
    pub outcome: String,
    pub non_punishment: bool,
    pub non_removal: bool,
    pub case_id: Option<CaseId>,
    pub record: Sealed,
}

/// One stage of the identification decision (reasonable grounds, conclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecisionRow {
    pub id: String,
    pub case_id: CaseId,
    /// `reasonable_grounds` or `conclusive`.
    pub stage: String,
    pub profile_id: String,
    pub opened_at: i64,
    /// ISO dates (`YYYY-MM-DD`).
    pub opened_on: String,
    pub due_on: String,
    pub decided_at: Option<i64>,
    pub decided_by: Option<UserId>,
    pub outcome: Option<String>,
    pub deciding_org_type: Option<String>,
    pub letter_addressee: Option<String>,
    /// Written reasons, sealed.
    pub reasons: Option<Sealed>,
    pub reflection_ends_on: Option<String>,
    pub reconsideration_of: Option<String>,
}

/// A flag on a case, e.g. `non_removal`, `non_punishment`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFlag {
    pub flag: String,
    pub set_by: String,
    pub set_at: i64,
    pub source: Option<String>,
}

/// What is written together with a new case, in its transaction.
#[derive(Debug, Clone, Default)]
pub struct CaseExtras {
    pub flags: Vec<CaseFlag>,
    pub decisions: Vec<DecisionRow>,
    /// The screening the case came from.
    pub screening_id: Option<String>,
}

/// A decision change: the decided row, an optional next stage to open, and
/// the case's new status (with its optimistic version check).
#[derive(Debug, Clone)]
pub struct DecisionChange {
    pub decided: DecisionRow,
    pub next: Option<DecisionRow>,
    pub case_status: Option<(String, i64)>,
}

/// An open decision with the case facts a queue needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenDecision {
    pub decision: DecisionRow,
    pub reference: String,
    pub org_id: OrgId,
}

/// A consent-ledger entry or a referral: the domain record as JSON, with the
/// columns queries need beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerRow {
    pub id: String,
    pub case_id: CaseId,
    /// Consents: the purpose; referrals: the state.
    pub kind: String,
    pub from_org: Option<OrgId>,
    pub to_org: Option<OrgId>,
    pub record: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One case-work record (a transition, assignment, approval, need, goal,
/// task, review, assessment or service feedback). `record` is the domain's
/// JSON, sealed; the other columns carry no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecordRow {
    pub id: String,
    pub case_id: CaseId,
    pub kind: String,
    pub state: String,
    /// What it is about, from a closed vocabulary (the approval subject, the
    /// need's domain, the status reached, the service type…).
    pub subject: Option<String>,
    /// The user it waits on (a task's owner), if any.
    pub owner_id: Option<UserId>,
    /// Another record or organisation it refers to (a task's goal, the
    /// provider organisation of feedback…).
    pub ref_id: Option<String>,
    /// ISO date (`YYYY-MM-DD`): a task's due day, a review's day.
    pub due_on: Option<String>,
    pub record: Sealed,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A case record found by a queue query, with the case facts the queue shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseRecordHit {
    pub row: CaseRecordRow,
    pub reference: String,
    pub org_id: OrgId,
    pub case_manager_id: Option<UserId>,
}

/// What the periodic-review queue needs about one case (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewFactsRow {
    pub case_id: CaseId,
    pub reference: String,
    pub status: String,
    pub case_manager_id: Option<UserId>,
    pub created_at: i64,
    /// The day of the last review (ISO), and when it was recorded.
    pub last_review_on: Option<String>,
    pub last_review_at: Option<i64>,
}

/// An e-mail waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRow {
    pub id: String,
    pub email: String,
    pub kind: String,
    pub message: String,
    pub attempts: i64,
}

// --- services, shelters and stays ---

/// A service of the directory: the domain record as JSON (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    pub id: String,
    pub org_id: OrgId,
    pub service_type: String,
    pub record: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// Optimistic concurrency: bumped by every update.
    pub version: i64,
}

/// A shelter. The location is sealed; it is written on insert and read back
/// only by [`crate::Store::read_shelter_location`], in an audited
/// transaction — every other read leaves it `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShelterRow {
    pub id: String,
    pub org_id: OrgId,
    pub name: String,
    pub shelter_type: String,
    pub regime: String,
    pub beds: i64,
    pub location: Option<Sealed>,
    pub created_at: i64,
    /// Current stays (not yet left), as read; ignored on insert.
    pub occupancy: i64,
}

/// One stay of a case's person in a shelter. Dates are ISO (`YYYY-MM-DD`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StayRow {
    pub id: String,
    pub case_id: CaseId,
    pub shelter_id: String,
    pub admitted_on: String,
    pub left_on: Option<String>,
    pub free_to_leave: bool,
    pub recorded_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What became of an admission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Admitted,
    /// Every bed is taken; nothing was written.
    ShelterFull,
    /// The person already has a stay that has not ended.
    AlreadyStaying,
    NoSuchShelter,
}

/// A stay with the case reference and the shelter a coordinator's detention
/// review needs (no location, no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgStay {
    pub stay: StayRow,
    pub reference: String,
    pub shelter: ShelterRow,
}

/// A case's person with the case's keys, for scans (matching, de-duplication).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CasePersonRow {
    pub case_id: CaseId,
    pub org_id: OrgId,
    pub person: PersonRow,
    /// The case's creation time: with `case_id`, the scan's cursor.
    pub case_created_at: i64,
}
