//! Family tracing requests.
//!
//! Staff record a family's request; it is matched only against persons whose
//! consent ledger has a `tracing` consent in force today. Matches go to the
//! sought person's side (case manager, coordinators), never to the requester.
//! The requester's side learns something only after the person consents to
//! contact with this family: the request then shows "found" with a contact
//! route (the case organisation's referral focal point — a staff member, never
//! the person's whereabouts). Until then the requester's view is built from
//! the request alone, so "not found", "not yet answered", "declined" and "not
//! the same person" look exactly the same (tested byte for byte).

use safepath_domain::access::{self, Action, Decision};
use safepath_domain::casework::consent::{Consent, ConsentPurpose, DataCategory};
use safepath_domain::casework::ids::ConsentId;
use safepath_domain::ids::{CaseId, UserId};
use safepath_domain::org::Role;
use safepath_domain::person::{BirthDate, Contact, GenderIdentity, Person, PersonName, Place, Sex};
use safepath_match::{Band, FieldExplanation};
use safepath_store::{
    AuditDraft, LedgerRow, TracingContactRow, TracingDecision, TracingMatchRow, TracingRequestRow,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::duplicates::Scan;
use crate::match_records::{band_name, records_of, settings};
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// At most this many matches are kept per request.
const MAX_MATCHES: usize = 10;

/// How the requester is related to the person sought.
pub const RELATIONSHIPS: &[&str] = &[
    "parent",
    "child",
    "sibling",
    "spouse_partner",
    "grandparent",
    "grandchild",
    "aunt_uncle",
    "cousin",
    "other_relative",
    "guardian",
];

/// How a contact was made.
pub const CONTACT_METHODS: &[&str] = &["phone", "in_person", "video", "message", "letter", "other"];

fn unknown_sex() -> Sex {
    Sex::Unknown
}

/// Who is sought, as the family describes them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SoughtPerson {
    /// Names, possibly in several scripts, with transliterations.
    pub names: Vec<PersonName>,
    #[serde(default = "unknown_sex")]
    pub sex: Sex,
    /// Exact, year-month, year only, or an age estimated on a day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<BirthDate>,
    /// ISO 3166-1 alpha-3.
    #[serde(default)]
    pub nationalities: Vec<String>,
    /// BCP 47 tags.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Where the person comes from (home village or town, province,
    /// country): weighed in matching against a case's place of origin.
    #[serde(default)]
    pub home_place: Place,
    /// Where the person was last heard of (not weighed: people are found
    /// far from where they were last seen).
    #[serde(default)]
    pub last_known_place: Place,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_on: Option<String>,
}

/// The family member who asks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Requester {
    pub name: String,
    /// parent, child, sibling, spouse_partner, grandparent, grandchild,
    /// aunt_uncle, cousin, other_relative or guardian.
    pub relationship: String,
    /// How to reach the requester (at least one way).
    #[serde(default)]
    pub contact: Contact,
    #[serde(default)]
    pub languages: Vec<String>,
}

/// `POST /api/v1/tracing-requests`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTracingRequest {
    pub sought: SoughtPerson,
    pub requester: Requester,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    pub id: String,
}

/// Whom the family contacts once the person agreed: a staff member of the
/// organisation working with the person, never the person's whereabouts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactRoute {
    pub org_id: Uuid,
    pub org_name: String,
    /// The organisation's referral focal point (a staff member).
    pub focal_point: Option<String>,
    pub found_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactLogView {
    pub at: String,
    /// The staff member who made or logged the contact.
    pub by: String,
    pub method: String,
    pub note: Option<String>,
}

/// The requester's side of a request. Built from the request alone: nothing
/// in it depends on whether, or to whom, the request was matched, until the
/// person consents (then `status` is `found` and `contact_route` is set).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TracingRequestView {
    pub id: String,
    pub reference: String,
    /// `open` or `found`.
    pub status: String,
    pub created_at: String,
    pub sought: SoughtPerson,
    pub requester: Requester,
    pub contact_route: Option<ContactRoute>,
    pub contacts: Vec<ContactLogView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TracingRequestSummary {
    pub id: String,
    pub reference: String,
    pub status: String,
    pub created_at: String,
    pub sought_name: String,
}

/// A match as the sought person's side sees it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TracingMatchView {
    pub id: String,
    pub request_reference: String,
    pub case_id: Uuid,
    pub case_reference: String,
    /// `likely` or `possible`.
    pub band: String,
    pub probability: f64,
    /// `pending`, `consented`, `declined` or `not_same`.
    pub state: String,
    #[schema(value_type = Vec<Object>)]
    pub explanation: Vec<FieldExplanation>,
    /// What the family told about the person they seek.
    pub sought: SoughtPerson,
    /// How the requester is related (the requester's contact details stay
    /// with the requesting organisation).
    pub requester_name: String,
    pub relationship: String,
    pub requesting_org: String,
    pub created_at: String,
}

/// `POST /api/v1/tracing-matches/{id}/answer`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatchAnswer {
    /// `consents` (the person agrees to contact with this family), `declines`
    /// or `not_same` (not the person sought).
    pub answer: String,
    /// The language (BCP 47) the request was explained in, for the consent.
    #[serde(default)]
    pub explained_in_language: Option<String>,
    #[serde(default)]
    pub interpreter: bool,
}

/// `POST /api/v1/tracing-requests/{id}/contacts`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// phone, in_person, video, message, letter or other.
    pub method: String,
    #[serde(default)]
    pub note: Option<String>,
}

fn json<T: Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|_| AppError::internal("serialise"))
}

fn request_not_found() -> AppError {
    AppError::not_found("no such tracing request")
}

fn match_not_found() -> AppError {
    AppError::not_found("no such tracing match")
}

/// Roles that handle cases record and follow tracing requests (the menu
/// offers "Tracing" to them only): the domain's permission set says which.
fn handles_cases(role: Role) -> bool {
    safepath_domain::access::capabilities(role).traces
}

fn check_text(field: &str, s: &str, max: usize) -> Result<(), AppError> {
    if s.chars().count() > max {
        return Err(AppError::bad_request(
            "invalid_field",
            format!("{field}: at most {max} characters"),
        ));
    }
    if s.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::bad_request(
            "invalid_field",
            format!("{field}: control characters are not allowed"),
        ));
    }
    Ok(())
}

fn check_partial_date(field: &str, s: &str, today: time::Date) -> Result<(), AppError> {
    let bad = || {
        AppError::bad_request(
            "invalid_field",
            format!("{field}: a date written YYYY, YYYY-MM or YYYY-MM-DD, not in the future"),
        )
    };
    let d = safepath_match::dates::parse_date(s)
        .map_err(|_| bad())?
        .ok_or_else(bad)?;
    if d.month > 12 || d.day > 31 || (d.day > 0 && d.month == 0) {
        return Err(bad());
    }
    if i32::from(d.year) > today.year() || i32::from(d.year) < 1900 {
        return Err(bad());
    }
    Ok(())
}

impl SoughtPerson {
    fn as_person(&self) -> Person {
        Person {
            display_name: String::new(),
            names: self.names.clone(),
            sex: self.sex,
            gender_identity: GenderIdentity::NotDisclosed,
            birth_date: self.birth_date.clone(),
            nationalities: self.nationalities.clone(),
            languages: self.languages.clone(),
            contact: Contact::default(),
            place_of_origin: self.home_place.clone(),
        }
    }

    fn validated(mut self, today: time::Date) -> Result<Self, AppError> {
        // The places first, each under its own name in an error.
        self.home_place = std::mem::take(&mut self.home_place).validated("sought.home_place")?;
        self.last_known_place =
            std::mem::take(&mut self.last_known_place).validated("sought.last_known_place")?;
        let p = self.as_person().validated(today)?;
        self.names = p.names;
        self.birth_date = p.birth_date;
        self.nationalities = p.nationalities;
        self.languages = p.languages;
        self.last_seen_on = self
            .last_seen_on
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if let Some(s) = &self.last_seen_on {
            check_partial_date("sought.last_seen_on", s, today)?;
        }
        Ok(self)
    }

    /// `female`, `male`, `intersex` or `unknown`.
    pub fn sex_code(&self) -> String {
        serde_json::to_string(&self.sex)
            .unwrap_or_default()
            .trim_matches('"')
            .to_owned()
    }

    pub fn display_name(&self) -> String {
        self.names
            .first()
            .map(|n| n.value.clone())
            .unwrap_or_default()
    }
}

impl Requester {
    fn validated(mut self) -> Result<Self, AppError> {
        self.name = self.name.trim().to_owned();
        if self.name.is_empty() {
            return Err(AppError::bad_request(
                "missing_field",
                "requester.name: the requester's name is required",
            ));
        }
        check_text("requester.name", &self.name, 200)?;
        if !RELATIONSHIPS.contains(&self.relationship.as_str()) {
            return Err(AppError::bad_request(
                "invalid_field",
                format!(
                    "requester.relationship: expected one of {}",
                    RELATIONSHIPS.join(", ")
                ),
            ));
        }
        let trim = |o: Option<String>| o.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        self.contact.phone = trim(self.contact.phone.take());
        self.contact.email = trim(self.contact.email.take());
        self.contact.address = trim(self.contact.address.take());
        if self.contact == Contact::default() {
            return Err(AppError::bad_request(
                "missing_field",
                "requester.contact: at least one way to reach the requester (phone, email or address) is required",
            ));
        }
        for (f, v) in [
            ("requester.contact.phone", &self.contact.phone),
            ("requester.contact.email", &self.contact.email),
            ("requester.contact.address", &self.contact.address),
        ] {
            if let Some(v) = v {
                check_text(f, v, 500)?;
            }
        }
        for l in &self.languages {
            check_text("requester.languages", l, 35)?;
        }
        Ok(self)
    }
}

/// A tracing scan under way (D18): search before create's index brought up
/// to date and the scan audited, and the cases whose person may be found by
/// tracing.
struct TracingScan {
    state: crate::duplicates::StateGuard,
    grant: Grant,
    /// How many cases have a tracing consent on their ledger, in force or
    /// not: the population a request is weighed in.
    consenting: usize,
}

impl App {
    fn open_request(
        &self,
        grant: &Grant,
        row: &TracingRequestRow,
    ) -> Result<(SoughtPerson, Requester), AppError> {
        let sought = self.open_str(grant, "tracing_requests", "sought", &row.id, &row.sought)?;
        let requester = self.open_str(
            grant,
            "tracing_requests",
            "requester",
            &row.id,
            &row.requester,
        )?;
        Ok((
            serde_json::from_str(&sought).map_err(|_| AppError::internal("sought"))?,
            serde_json::from_str(&requester).map_err(|_| AppError::internal("requester"))?,
        ))
    }

    /// A tracing scan by `who` (its audit entry's detail after `detail`),
    /// or none when nobody has agreed to tracing.
    async fn tracing_scan(
        &self,
        who: &Principal,
        detail: &str,
    ) -> Result<Option<TracingScan>, AppError> {
        let consenting = self
            .store
            .count_cases_with_consent_purpose(ConsentPurpose::Tracing.as_str())
            .await?;
        let Ok(consenting @ 1..) = usize::try_from(consenting) else {
            return Ok(None);
        };
        let actor = who.id().to_string();
        // The scan is audited before any person or request is opened.
        let state = self
            .duplicate_state(Scan::Tracing, &actor, Some(who.org()), detail)
            .await?;
        Ok(Some(TracingScan {
            state,
            grant: Scan::Tracing.grant(&actor),
            consenting,
        }))
    }

    /// Whether `case`'s ledger holds a tracing consent in force today.
    async fn tracing_consent_in_force(
        &self,
        who: &Principal,
        case: CaseId,
        today: time::Date,
    ) -> Result<bool, AppError> {
        Ok(self
            .cases_allowing_tracing(who, &[case], today)
            .await?
            .contains(&case))
    }

    /// Those of `cases` whose ledger holds a tracing consent in force today,
    /// from one read of their tracing consents (each opened as a policy
    /// check by `who`).
    async fn cases_allowing_tracing(
        &self,
        who: &Principal,
        cases: &[CaseId],
        today: time::Date,
    ) -> Result<HashSet<CaseId>, AppError> {
        let rows = self
            .store
            .consents_for_cases(cases, ConsentPurpose::Tracing.as_str())
            .await?;
        Ok(rows
            .iter()
            .filter(|r| {
                let grant = Grant::policy_check(who.id(), r.case_id);
                self.open_ledger::<Consent>(&grant, "consents", r)
                    .is_ok_and(|c| c.purpose == ConsentPurpose::Tracing && c.is_effective_on(today))
            })
            .map(|r| r.case_id)
            .collect())
    }

    /// Matches of one request among the persons who allow tracing, weighed
    /// as a request (the tracing posterior, D-T5) among them, for the cases
    /// `keep` accepts. Only the candidates of the index with a tracing
    /// consent in force are opened (D18).
    async fn tracing_matches(
        &self,
        who: &Principal,
        scan: &TracingScan,
        request_id: &str,
        sought: &SoughtPerson,
        now: i64,
        keep: impl Fn(CaseId) -> bool,
    ) -> Result<Vec<TracingMatchRow>, AppError> {
        let Some(state) = scan.state.as_ref() else {
            return Ok(Vec::new());
        };
        let person = sought.as_person();
        let queries = records_of(&settings()?, "query", &person)?;
        // Blocking alone, as tracing always chose its candidates (the
        // namesake rule is search before create's), and only cases with a
        // tracing consent on their ledger are read.
        let found = self
            .index_candidates(&queries, &person, Scan::Tracing)
            .await?;
        let today = self.clock.today();
        let cases: Vec<CaseId> = found.entries.iter().map(|e| e.case_id).collect();
        let in_force = self.cases_allowing_tracing(who, &cases, today).await?;
        let allowed: Vec<_> = found
            .entries
            .into_iter()
            .filter(|e| in_force.contains(&e.case_id))
            .collect();
        let candidates = self
            .weigh_entries(
                state,
                &scan.grant,
                &allowed,
                queries,
                scan.consenting,
                MAX_MATCHES,
            )
            .await?;
        let mut out = Vec::new();
        for c in candidates {
            let Ok(id) = Uuid::parse_str(&c.id) else {
                continue;
            };
            let case = CaseId(id);
            if c.band == Band::Unlikely || !keep(case) {
                continue;
            }
            let Some(facts) = self.store.case_facts(case).await? else {
                continue;
            };
            out.push(TracingMatchRow {
                id: Uuid::new_v4().to_string(),
                request_id: request_id.to_owned(),
                case_id: case,
                case_org_id: facts.org,
                probability: c.probability,
                band: band_name(c.band).into(),
                explanation: json(&c.explanation)?,
                state: "pending".into(),
                decided_by: None,
                decided_at: None,
                created_at: now,
            });
        }
        Ok(out)
    }

    /// The sought person's side is told of each match (a reference, no
    /// personal data): the case manager, else the coordinators.
    async fn tracing_match_notices(
        &self,
        matches: &[TracingMatchRow],
    ) -> Result<Vec<safepath_store::NotificationRow>, AppError> {
        let mut notices = Vec::new();
        for m in matches {
            let Some(facts) = self.store.case_facts(m.case_id).await? else {
                continue;
            };
            let Some(reference) = self.case_reference(m.case_id).await? else {
                continue;
            };
            let mut to: Vec<UserId> = facts.case_manager.into_iter().collect();
            if to.is_empty() {
                to = self
                    .store
                    .users_with_role(facts.org, Role::Coordinator.as_str())
                    .await?
                    .into_iter()
                    .map(|u| u.id)
                    .collect();
            }
            for user in to {
                notices.push(self.notice(
                    user,
                    "tracing_match",
                    Some(m.case_id),
                    format!(
                        "A family tracing request may concern the person in case {reference}. Review it under Tracing and ask the person."
                    ),
                )
                .about("tracing_match", &m.id)
                .params(crate::identification::notice_params(&[("reference", &reference)])));
            }
        }
        Ok(notices)
    }

    /// A person who agrees to tracing after a family's request was recorded
    /// is matched against every request still open, so that the request
    /// that came first is not missed (issue 14). Called once the consent is
    /// stored; the matches go to the person's side only, as for a new
    /// request. Returns how many were added.
    pub(crate) async fn match_waiting_requests(
        &self,
        who: &Principal,
        case: CaseId,
    ) -> Result<u64, AppError> {
        let waiting = self.store.open_tracing_requests().await?;
        if waiting.is_empty() {
            return Ok(0);
        }
        if !self
            .tracing_consent_in_force(who, case, self.clock.today())
            .await?
        {
            return Ok(0);
        }
        let detail = format!("consented_case={case} requests={} ", waiting.len());
        let Some(scan) = self.tracing_scan(who, &detail).await? else {
            return Ok(0);
        };
        let now = self.now_ms();
        let mut matches = Vec::new();
        for request in &waiting {
            let (sought, _) = self.open_request(&scan.grant, request)?;
            matches.extend(
                self.tracing_matches(who, &scan, &request.id, &sought, now, |c| c == case)
                    .await?,
            );
        }
        if matches.is_empty() {
            return Ok(0);
        }
        let notices = self.tracing_match_notices(&matches).await?;
        let audit = AuditDraft::new(now, who.id().to_string(), "tracing.match_waiting")
            .record("case", case)
            .org(who.org())
            .detail(format!(
                "matches={}",
                matches
                    .iter()
                    .map(|m| format!("{}:{}", m.id, m.request_id))
                    .collect::<Vec<_>>()
                    .join(",")
            ))
            .notify_all(notices);
        Ok(self.store.insert_tracing_matches(&matches, &audit).await?)
    }

    /// Records a family's request and matches it against persons who allow
    /// tracing. The answer is the request's id and nothing about matches.
    pub async fn create_tracing_request(
        &self,
        who: &Principal,
        req: NewTracingRequest,
    ) -> Result<Created, AppError> {
        if !handles_cases(who.actor.role) {
            return Err(AppError::forbidden(
                "your role may not record tracing requests",
            ));
        }
        let today = self.clock.today();
        let sought = req.sought.validated(today)?;
        let requester = req.requester.validated()?;
        let id = Uuid::new_v4().to_string();
        let reference = format!("TR-{}", id[..8].to_ascii_uppercase());
        let now = self.now_ms();

        // Matching: against consenting persons only, through search before
        // create's index (D18).
        let scan = self.tracing_scan(who, &format!("request={id} ")).await?;
        let mut matches = Vec::new();
        if let Some(scan) = &scan {
            matches = self
                .tracing_matches(who, scan, &id, &sought, now, |_| true)
                .await?;
        }
        let scanned = scan
            .as_ref()
            .and_then(|s| s.state.as_ref())
            .map_or(0, |p| p.count());
        let row = TracingRequestRow {
            id: id.clone(),
            reference: reference.clone(),
            org_id: who.org(),
            created_by: who.id(),
            status: "open".into(),
            found_org_id: None,
            found_at: None,
            sought: self.seal_str("tracing_requests", "sought", &id, &json(&sought)?)?,
            requester: self.seal_str("tracing_requests", "requester", &id, &json(&requester)?)?,
            created_at: now,
        };
        // The sought person's side is told (a reference, no personal data),
        // in the request's own transaction.
        let notices = self.tracing_match_notices(&matches).await?;
        let audit = AuditDraft::new(now, who.id().to_string(), "tracing.create")
            .record("tracing_request", &id)
            .org(who.org())
            .detail(format!(
                "scanned={scanned} matches={}",
                matches
                    .iter()
                    .map(|m| format!("{}:{}", m.id, m.case_id))
                    .collect::<Vec<_>>()
                    .join(",")
            ))
            .notify_all(notices);
        self.store
            .insert_tracing_request(&row, &matches, &audit)
            .await?;
        Ok(Created { id })
    }

    /// A case's reference (no personal data).
    pub(crate) async fn case_reference(&self, case: CaseId) -> Result<Option<String>, AppError> {
        Ok(self.store.case_reference(case).await?)
    }

    /// The request row, if the caller's organisation recorded it and their
    /// role handles cases; otherwise the same "not found" as a missing one.
    async fn own_request(&self, who: &Principal, id: &str) -> Result<TracingRequestRow, AppError> {
        let row = self
            .store
            .tracing_request(id)
            .await?
            .ok_or_else(request_not_found)?;
        if !handles_cases(who.actor.role) || row.org_id != who.org() {
            return Err(request_not_found());
        }
        Ok(row)
    }

    /// The request as its own side sees it; `grant` is charged to the
    /// caller's audit entry of the read.
    async fn request_view(
        &self,
        grant: &Grant,
        row: &TracingRequestRow,
    ) -> Result<TracingRequestView, AppError> {
        let (sought, requester) = self.open_request(grant, row)?;
        let contact_route = match (row.status.as_str(), row.found_org_id) {
            ("found", Some(org)) => {
                let (org_name, focal_point) = self.org_contact(org).await?;
                Some(ContactRoute {
                    org_id: org.0,
                    org_name,
                    focal_point,
                    found_at: rfc3339(row.found_at.unwrap_or_default()),
                })
            }
            _ => None,
        };
        let mut contacts = Vec::new();
        for c in self.store.tracing_contacts(&row.id).await? {
            let by = self
                .store
                .user(c.by_user)
                .await?
                .map(|u| u.full_name)
                .unwrap_or_default();
            let note = c
                .note
                .as_ref()
                .map(|n| self.open_str(grant, "tracing_contacts", "note", &c.id, n))
                .transpose()?;
            contacts.push(ContactLogView {
                at: rfc3339(c.at_ms),
                by,
                method: c.method,
                note,
            });
        }
        Ok(TracingRequestView {
            id: row.id.clone(),
            reference: row.reference.clone(),
            status: row.status.clone(),
            created_at: rfc3339(row.created_at),
            sought,
            requester,
            contact_route,
            contacts,
        })
    }

    /// The requester's side of one request (audited read).
    pub async fn get_tracing_request(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<TracingRequestView, AppError> {
        let row = self.own_request(who, id).await?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "tracing.read")
            .record("tracing_request", &row.id)
            .org(who.org());
        self.store.append_audit(&audit).await?;
        self.request_view(&Grant::record(who.id(), "tracing_request", &row.id), &row)
            .await
    }

    /// The requests the caller's organisation recorded (audited list).
    pub async fn list_tracing_requests(
        &self,
        who: &Principal,
    ) -> Result<Vec<TracingRequestSummary>, AppError> {
        if !handles_cases(who.actor.role) {
            return Err(AppError::forbidden(
                "your role may not see tracing requests",
            ));
        }
        let rows = self.store.tracing_requests_for_org(who.org()).await?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "tracing.list")
            .org(who.org())
            .detail(format!(
                "ids={}",
                rows.iter()
                    .map(|r| r.id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        self.store.append_audit(&audit).await?;
        rows.iter()
            .map(|r| {
                let grant = Grant::record(who.id(), "tracing_request", &r.id);
                let (sought, _) = self.open_request(&grant, r)?;
                Ok(TracingRequestSummary {
                    id: r.id.clone(),
                    reference: r.reference.clone(),
                    status: r.status.clone(),
                    created_at: rfc3339(r.created_at),
                    sought_name: sought.display_name(),
                })
            })
            .collect()
    }

    /// A match as the person's side sees it: opens the request, charged to
    /// the caller's audit entry naming the match.
    async fn match_view(
        &self,
        who: &Principal,
        m: &TracingMatchRow,
    ) -> Result<TracingMatchView, AppError> {
        let grant = Grant::record(who.id(), "tracing_match", &m.id);
        let req = self
            .store
            .tracing_request(&m.request_id)
            .await?
            .ok_or_else(|| AppError::internal("tracing request"))?;
        let (sought, requester) = self.open_request(&grant, &req)?;
        let requesting_org = self
            .store
            .org(req.org_id)
            .await?
            .map(|o| o.name)
            .unwrap_or_default();
        Ok(TracingMatchView {
            id: m.id.clone(),
            request_reference: req.reference.clone(),
            case_id: m.case_id.0,
            case_reference: self.case_reference(m.case_id).await?.unwrap_or_default(),
            band: m.band.clone(),
            probability: m.probability,
            state: m.state.clone(),
            explanation: serde_json::from_str(&m.explanation)
                .map_err(|_| AppError::internal("explanation"))?,
            sought,
            requester_name: requester.name,
            relationship: requester.relationship,
            requesting_org,
            created_at: rfc3339(m.created_at),
        })
    }

    /// Matches on the cases the caller works on (the sought person's side):
    /// case managers, associated case managers and the owning coordinators.
    pub async fn tracing_matches_for_me(
        &self,
        who: &Principal,
    ) -> Result<Vec<TracingMatchView>, AppError> {
        if access::decide_global(who.actor.role, Action::ListCases) != Decision::Allow {
            return Err(AppError::forbidden(
                "your role does not work with case records",
            ));
        }
        let mut out = Vec::new();
        for m in self.store.tracing_matches_for_org(who.org()).await? {
            let Some(facts) = self.store.case_facts(m.case_id).await? else {
                continue;
            };
            if access::authorize(&who.actor, Action::EditCase, &facts).is_err() {
                continue;
            }
            out.push(m);
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "tracing.matches.list")
            .org(who.org())
            .detail(format!(
                "ids={}",
                out.iter()
                    .map(|m| m.id.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ));
        self.store.append_audit(&audit).await?;
        let mut views = Vec::with_capacity(out.len());
        for m in &out {
            views.push(self.match_view(who, m).await?);
        }
        Ok(views)
    }

    /// A match the caller may answer (EditCase on the matched case), else
    /// "not found".
    async fn answerable_match(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<(TracingMatchRow, access::CaseFacts), AppError> {
        let m = self
            .store
            .tracing_match(id)
            .await?
            .ok_or_else(match_not_found)?;
        let facts = self
            .store
            .case_facts(m.case_id)
            .await?
            .ok_or_else(match_not_found)?;
        match access::authorize(&who.actor, Action::EditCase, &facts) {
            Ok(_) => Ok((m, facts)),
            Err(Decision::Forbidden) => Err(AppError::forbidden(
                "only the person's case manager or a coordinator of the owning organisation answers",
            )),
            Err(_) => Err(match_not_found()),
        }
    }

    pub async fn get_tracing_match(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<TracingMatchView, AppError> {
        let (m, facts) = self.answerable_match(who, id).await?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "tracing.match.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("match={}", m.id));
        self.store.append_audit(&audit).await?;
        self.match_view(who, &m).await
    }

    /// Records the person's answer. `consents` records (or reuses) a
    /// family-contact consent and makes the request `found`; `declines` and
    /// `not_same` change nothing the requester can see.
    pub async fn answer_tracing_match(
        &self,
        who: &Principal,
        id: &str,
        answer: MatchAnswer,
    ) -> Result<TracingMatchView, AppError> {
        let (m, facts) = self.answerable_match(who, id).await?;
        let new_state = match answer.answer.as_str() {
            "consents" => "consented",
            "declines" => "declined",
            "not_same" => "not_same",
            _ => {
                return Err(AppError::bad_request(
                    "invalid_field",
                    "answer: expected consents, declines or not_same",
                ));
            }
        };
        // The person may change their mind after declining; a consent or a
        // "not the same person" is final (withdraw the consent in the ledger).
        let allowed_from = match new_state {
            "consented" => ["pending", "declined"].contains(&m.state.as_str()),
            _ => m.state == "pending",
        };
        if !allowed_from {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "tracing_match_decided",
                format!("this match is already {}", m.state),
            ));
        }
        let today = self.clock.today();
        let now = self.now_ms();
        let mut consent_row = None;
        let mut found = None;
        if new_state == "consented" {
            let ledger: Vec<Consent> = self
                .store
                .consents_for_case(facts.id)
                .await?
                .iter()
                .map(|r| self.open_ledger(&Grant::policy_check(who.id(), facts.id), "consents", r))
                .collect::<Result<Vec<Consent>, _>>()?
                .into_iter()
                .collect();
            if !ledger
                .iter()
                .any(|c| c.purpose == ConsentPurpose::Tracing && c.is_effective_on(today))
            {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "tracing_consent_not_in_force",
                    "the person's tracing consent is no longer in force; record it again first",
                ));
            }
            let has_contact = ledger
                .iter()
                .any(|c| c.purpose == ConsentPurpose::FamilyContact && c.is_effective_on(today));
            if !has_contact {
                let consent = Consent {
                    id: ConsentId(Uuid::new_v4()),
                    purpose: ConsentPurpose::FamilyContact,
                    recipient_org: None,
                    categories: [DataCategory::Identity].into_iter().collect(),
                    given_on: today,
                    expires_on: None,
                    withdrawn_on: None,
                    explained_in_language: answer
                        .explained_in_language
                        .clone()
                        .filter(|s| !s.trim().is_empty())
                        .unwrap_or_else(|| "und".into()),
                    interpreter: answer.interpreter,
                    recorded_by: who.id(),
                    person_is_child: false,
                    child_guardian: None,
                };
                consent.validate(today)?;
                consent_row = Some(LedgerRow {
                    id: consent.id.0.to_string(),
                    case_id: facts.id,
                    kind: consent.purpose.as_str().into(),
                    from_org: None,
                    to_org: None,
                    record: self.seal_ledger("consents", &consent.id.0.to_string(), &consent)?,
                    created_at: now,
                    updated_at: now,
                });
            }
            found = Some((facts.org, now));
        }
        let decided = TracingMatchRow {
            state: new_state.into(),
            decided_by: Some(who.id()),
            decided_at: Some(now),
            ..m.clone()
        };
        let notice = match self.store.tracing_request(&m.request_id).await? {
            Some(req) if new_state == "consented" => Some(self.notice(
                req.created_by,
                "tracing_found",
                None,
                format!(
                    "Tracing request {}: the person was found and agreed to contact. Open the request for the contact route.",
                    req.reference
                ),
            )
            .about("tracing_request", &req.id)
            .params(crate::identification::notice_params(&[("reference", &req.reference)]))),
            _ => None,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "tracing.match.answer")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!(
                "match={} request={} answer={} consent={}",
                m.id,
                m.request_id,
                new_state,
                consent_row.as_ref().map(|c| c.id.as_str()).unwrap_or("-")
            ))
            .notify_all(notice);
        self.store
            .decide_tracing_match(
                &TracingDecision {
                    decided: decided.clone(),
                    consent: consent_row,
                    found,
                },
                &m.state,
                &audit,
            )
            .await?;
        self.match_view(who, &decided).await
    }

    /// Logs a contact between the family and the person (through the
    /// contact route), once the person agreed. The requester's side or the
    /// person's case side may log it.
    pub async fn log_tracing_contact(
        &self,
        who: &Principal,
        id: &str,
        contact: NewContact,
    ) -> Result<Created, AppError> {
        let row = self
            .store
            .tracing_request(id)
            .await?
            .ok_or_else(request_not_found)?;
        let requester_side = handles_cases(who.actor.role) && row.org_id == who.org();
        let mut case_side = false;
        if !requester_side {
            for m in self.store.tracing_matches_for_request(&row.id).await? {
                if m.state != "consented" {
                    continue;
                }
                if let Some(facts) = self.store.case_facts(m.case_id).await?
                    && access::authorize(&who.actor, Action::EditCase, &facts).is_ok()
                {
                    case_side = true;
                }
            }
        }
        if !requester_side && !case_side {
            return Err(request_not_found());
        }
        if row.status != "found" {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "tracing_not_found_yet",
                "contact can be logged only once the person has agreed to contact",
            ));
        }
        if !CONTACT_METHODS.contains(&contact.method.as_str()) {
            return Err(AppError::bad_request(
                "invalid_field",
                format!("method: expected one of {}", CONTACT_METHODS.join(", ")),
            ));
        }
        let note = contact
            .note
            .map(|n| n.trim().to_owned())
            .filter(|n| !n.is_empty());
        if let Some(n) = &note {
            check_text("note", n, 2000)?;
        }
        let cid = Uuid::new_v4().to_string();
        let now = self.now_ms();
        let sealed = note
            .map(|n| {
                self.keys
                    .seal(
                        safepath_crypto::FieldRef {
                            table: "tracing_contacts",
                            column: "note",
                            record_id: &cid,
                        },
                        n.as_bytes(),
                    )
                    .map_err(|e| AppError::internal(&e.to_string()))
            })
            .transpose()?;
        let entry = TracingContactRow {
            id: cid.clone(),
            request_id: row.id.clone(),
            by_user: who.id(),
            at_ms: now,
            method: contact.method.clone(),
            note: sealed,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "tracing.contact")
            .record("tracing_request", &row.id)
            .org(who.org())
            .detail(format!("contact={} method={}", cid, contact.method));
        self.store.insert_tracing_contact(&entry, &audit).await?;
        Ok(Created { id: cid })
    }
}

/// Demo data: persons who allow tracing (synthetic). Malee Thongkham (org B)
/// will agree to contact when a family's request finds her; Napa Boonruang
/// (org C) will not. A third allows tracing but matches no demo request.
pub(crate) async fn seed_demo(
    app: &App,
    org_b: &Principal,
    org_c: &Principal,
) -> Result<(), AppError> {
    use crate::referrals::NewConsent;
    use crate::views::NewCase;
    use safepath_domain::case::ExploitationForm;
    let people = [
        (
            org_b,
            "มาลี ทองคำ",
            "Thai",
            "Malee Thongkham",
            Sex::Female,
            "1994-03-12",
            "THA",
            "th",
        ),
        (
            org_c,
            "နပါ ဘွန်ရွှင်",
            "Mymr",
            "Napa Boonruang",
            Sex::Female,
            "1998-07-21",
            "MMR",
            "my",
        ),
        (
            org_b,
            "Trần Thị Hoa",
            "Latn",
            "Tran Thi Hoa",
            Sex::Female,
            "2001-11-02",
            "VNM",
            "vi",
        ),
    ];
    for (owner, name, script, latin, sex, birth, nat, lang) in people {
        let case = app
            .create_case(
                owner,
                NewCase {
                    person: Person {
                        display_name: latin.into(),
                        names: vec![PersonName {
                            value: name.into(),
                            script: script.into(),
                            part: safepath_domain::person::NamePart::Full,
                            transliterations: vec![latin.into()],
                        }],
                        sex,
                        gender_identity: GenderIdentity::NotDisclosed,
                        birth_date: Some(BirthDate::Exact { date: birth.into() }),
                        nationalities: vec![nat.into()],
                        languages: vec![lang.into()],
                        contact: Contact::default(),
                        place_of_origin: Place::default(),
                    },
                    exploitation_forms: vec![ExploitationForm::ForcedLabour],
                    notes: Some(
                        "Synthetic demo case for family tracing. Not a real person.".into(),
                    ),
                    status: None,
                    case_manager_id: None,
                },
            )
            .await?;
        app.record_consent(
            owner,
            case.id,
            NewConsent {
                purpose: ConsentPurpose::Tracing,
                recipient_org_id: None,
                categories: [DataCategory::Identity].into_iter().collect(),
                expires_on: None,
                explained_in_language: Some(lang.into()),
                interpreter: false,
                person_is_child: false,
                child_guardian: None,
            },
        )
        .await?;
    }
    Ok(())
}
