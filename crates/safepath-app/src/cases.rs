//! Cases: create, read, update, list and search, break the glass, and the
//! case's audit trail. Every read of personal data is audited.

use safepath_crypto::Sealed;
use safepath_domain::access::{self, Action, BreakGlassRefusal, CaseAccess, Decision};
use safepath_domain::case::{CaseReference, CaseStatus, ExploitationForm, check_notes};
use safepath_domain::casework::consent::DataCategory;
use safepath_domain::ids::{CaseId, PersonId, UserId};
use safepath_domain::names::search_tokens;
use safepath_domain::org::Role;
use safepath_domain::person::{Contact, GenderIdentity, Person, Place, Sex};
use safepath_store::{AuditDraft, CaseFilter, CaseRow, NotificationRow, PersonRow, StoreError};
use std::collections::BTreeSet;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::sealing::Grant;
use crate::views::*;
use crate::{App, AppError, Principal};

/// The blind index purpose of person names.
pub(crate) const NAME_INDEX: &str = "person-name";
pub const MAX_PER_PAGE: i64 = 100;
/// Where a sealed audit reason is bound (table, column; the case id is the record).
const AUDIT_REASON: (&str, &str) = ("audit", "reason");
/// The last page a list may ask for: beyond it `(page - 1) * per_page` could
/// overflow, and no list is that long.
pub const MAX_PAGE: i64 = 1_000_000;

fn json<T: serde::Serialize>(v: &T) -> Result<String, AppError> {
    serde_json::to_string(v).map_err(|_| AppError::internal("serialise"))
}

fn parse_json<T: serde::de::DeserializeOwned>(s: &str, what: &str) -> Result<T, AppError> {
    serde_json::from_str(s).map_err(|_| AppError::internal(what))
}

fn denied(d: Decision, what: &str) -> AppError {
    match d {
        Decision::NotFound | Decision::Allow => AppError::case_not_found(),
        Decision::Forbidden => AppError::forbidden(format!("your role may not {what}")),
    }
}

impl App {
    /// Every case's person (case id, organisation, sealed person), paged
    /// through to the end: no scan is silently cut at a limit.
    pub(crate) async fn all_case_persons(
        &self,
    ) -> Result<Vec<(CaseId, safepath_domain::ids::OrgId, PersonRow)>, AppError> {
        Ok(self
            .all_case_person_rows()
            .await?
            .into_iter()
            .map(|r| (r.case_id, r.org_id, r.person))
            .collect())
    }

    /// [`App::all_case_persons`] with each case's creation time.
    pub(crate) async fn all_case_person_rows(
        &self,
    ) -> Result<Vec<safepath_store::CasePersonRow>, AppError> {
        const PAGE: i64 = 5_000;
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self.store.case_persons_page(after, PAGE).await?;
            let full = page.len() as i64 == PAGE;
            after = page.last().map(|r| (r.case_created_at, r.case_id));
            out.extend(page);
            if !full {
                return Ok(out);
            }
        }
    }

    pub(crate) fn blind(&self, token: &str) -> Result<Vec<u8>, AppError> {
        self.keys
            .blind_index(NAME_INDEX, token)
            .map_err(|e| AppError::internal(&e.to_string()))
    }

    pub(crate) fn name_index(&self, person: &Person) -> Result<Vec<Vec<u8>>, AppError> {
        safepath_domain::person::name_index_tokens(&person.display_name, &person.names)
            .iter()
            .map(|t| self.blind(t))
            .collect()
    }

    pub(crate) fn seal_person(
        &self,
        id: PersonId,
        p: &Person,
        created_at: i64,
        now: i64,
    ) -> Result<PersonRow, AppError> {
        let sid = id.to_string();
        let opt = |column: &str, empty: bool, value: String| -> Result<Option<Sealed>, AppError> {
            if empty {
                Ok(None)
            } else {
                self.seal_str("persons", column, &sid, &value).map(Some)
            }
        };
        Ok(PersonRow {
            id,
            display_name: self.seal_str("persons", "display_name", &sid, &p.display_name)?,
            names: self.seal_str("persons", "names", &sid, &json(&p.names)?)?,
            birth_date: match &p.birth_date {
                Some(b) => Some(self.seal_str("persons", "birth_date", &sid, &json(b)?)?),
                None => None,
            },
            contact: opt(
                "contact",
                p.contact == Contact::default(),
                json(&p.contact)?,
            )?,
            place_of_origin: opt(
                "place_of_origin",
                p.place_of_origin == Place::default(),
                json(&p.place_of_origin)?,
            )?,
            sex: json(&p.sex)?.trim_matches('"').to_owned(),
            gender_identity: json(&p.gender_identity)?.trim_matches('"').to_owned(),
            nationalities: json(&p.nationalities)?,
            languages: json(&p.languages)?,
            created_at,
            updated_at: now,
        })
    }

    /// Opens a person's sealed fields, charged to `grant` (minted for the
    /// case whose person this is).
    fn open_person(&self, grant: &Grant, r: &PersonRow) -> Result<Person, AppError> {
        let sid = r.id.to_string();
        let open_opt = |column: &str, s: &Option<Sealed>| -> Result<Option<String>, AppError> {
            s.as_ref()
                .map(|s| self.open_str(grant, "persons", column, &sid, s))
                .transpose()
        };
        Ok(Person {
            display_name: self.open_str(grant, "persons", "display_name", &sid, &r.display_name)?,
            names: parse_json(
                &self.open_str(grant, "persons", "names", &sid, &r.names)?,
                "names",
            )?,
            sex: parse_json(&format!("\"{}\"", r.sex), "sex")?,
            gender_identity: parse_json(&format!("\"{}\"", r.gender_identity), "gender")?,
            birth_date: open_opt("birth_date", &r.birth_date)?
                .map(|s| parse_json(&s, "birth date"))
                .transpose()?,
            nationalities: parse_json(&r.nationalities, "nationalities")?,
            languages: parse_json(&r.languages, "languages")?,
            contact: open_opt("contact", &r.contact)?
                .map(|s| parse_json(&s, "contact"))
                .transpose()?
                .unwrap_or_default(),
            place_of_origin: open_opt("place_of_origin", &r.place_of_origin)?
                .map(|s| parse_json(&s, "place"))
                .transpose()?
                .unwrap_or_default(),
        })
    }

    pub(crate) fn case_view(
        &self,
        access: &CaseAccess,
        c: &CaseRow,
        p: &PersonRow,
    ) -> Result<CaseView, AppError> {
        if c.person_id != p.id {
            return Err(AppError::internal(
                "a case was opened with another case's person",
            ));
        }
        let grant = Grant::case(access, c.id)?;
        let cid = c.id.to_string();
        Ok(CaseView {
            id: c.id.0,
            reference: c.reference.clone(),
            status: CaseStatus::parse(&c.status)?,
            org_id: c.org_id.0,
            case_manager_id: c.case_manager_id.map(|u| u.0),
            associated_user_ids: c.associated.iter().map(|u| u.0).collect(),
            exploitation_forms: parse_json(&c.exploitation_forms, "forms")?,
            notes: c
                .notes
                .as_ref()
                .map(|n| self.open_str(&grant, "cases", "notes", &cid, n))
                .transpose()?,
            person: self.open_person(&grant, p)?,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            version: c.version,
            shared_categories: None,
        })
    }

    /// A case as a receiving organisation sees it through accepted
    /// referrals: built from an allow-list per data category, opening only
    /// what is shared. Every field of the view and of the person is named
    /// here (no `..Default::default()`), so a field added later does not
    /// compile until someone decides which category shares it.
    pub(crate) fn shared_case_view(
        &self,
        access: &CaseAccess,
        c: &CaseRow,
        p: &PersonRow,
        shared: &BTreeSet<DataCategory>,
    ) -> Result<CaseView, AppError> {
        if c.person_id != p.id {
            return Err(AppError::internal(
                "a case was opened with another case's person",
            ));
        }
        let grant = Grant::case(access, c.id)?;
        let sid = p.id.to_string();
        let identity = shared.contains(&DataCategory::Identity);
        let contact = shared.contains(&DataCategory::Contact);
        let history = shared.contains(&DataCategory::CaseHistory);
        let open = |column: &str, s: &Sealed| self.open_str(&grant, "persons", column, &sid, s);
        let person = Person {
            display_name: if identity {
                open("display_name", &p.display_name)?
            } else {
                "(not shared)".into()
            },
            names: if identity {
                parse_json(&open("names", &p.names)?, "names")?
            } else {
                Vec::new()
            },
            sex: if identity {
                parse_json(&format!("\"{}\"", p.sex), "sex")?
            } else {
                Sex::Unknown
            },
            gender_identity: if identity {
                parse_json(&format!("\"{}\"", p.gender_identity), "gender")?
            } else {
                GenderIdentity::NotDisclosed
            },
            birth_date: match (&p.birth_date, identity) {
                (Some(b), true) => Some(parse_json(&open("birth_date", b)?, "birth date")?),
                _ => None,
            },
            nationalities: if identity {
                parse_json(&p.nationalities, "nationalities")?
            } else {
                Vec::new()
            },
            languages: if identity {
                parse_json(&p.languages, "languages")?
            } else {
                Vec::new()
            },
            contact: match (&p.contact, contact) {
                (Some(s), true) => parse_json(&open("contact", s)?, "contact")?,
                _ => Contact::default(),
            },
            place_of_origin: match (&p.place_of_origin, identity) {
                (Some(s), true) => parse_json(&open("place_of_origin", s)?, "place")?,
                _ => Place::default(),
            },
        };
        Ok(CaseView {
            id: c.id.0,
            reference: c.reference.clone(),
            status: CaseStatus::parse(&c.status)?,
            org_id: c.org_id.0,
            case_manager_id: c.case_manager_id.map(|u| u.0),
            // The owning organisation's staff are not the receiver's business.
            associated_user_ids: Vec::new(),
            exploitation_forms: if history {
                parse_json(&c.exploitation_forms, "forms")?
            } else {
                Vec::new()
            },
            notes: match (&c.notes, history) {
                (Some(n), true) => {
                    Some(self.open_str(&grant, "cases", "notes", &c.id.to_string(), n)?)
                }
                _ => None,
            },
            person,
            created_at: rfc3339(c.created_at),
            updated_at: rfc3339(c.updated_at),
            version: c.version,
            shared_categories: Some(shared.iter().map(|c| c.as_str().to_owned()).collect()),
        })
    }

    /// Checks that a proposed case manager can hold the case: an active case
    /// manager or coordinator of the owning organisation.
    pub(crate) async fn check_case_manager(
        &self,
        org: safepath_domain::ids::OrgId,
        id: Uuid,
    ) -> Result<UserId, AppError> {
        let user = self.store.user(UserId(id)).await?;
        match user {
            Some(u)
                if u.org_id == org
                    && !u.disabled
                    && matches!(u.role.as_str(), "case_manager" | "coordinator") =>
            {
                Ok(u.id)
            }
            _ => Err(AppError::bad_request(
                "invalid_case_manager",
                "case_manager_id must be an active case manager or coordinator of the owning organisation",
            )),
        }
    }

    /// Opens a case. It starts `referred` (or, for case managers and
    /// coordinators, `presumed_victim` when reasonable grounds were already
    /// found elsewhere): every later stage is reached through the lifecycle.
    pub async fn create_case(&self, who: &Principal, new: NewCase) -> Result<CaseView, AppError> {
        if access::decide_global(who.actor.role, Action::CreateCase) != Decision::Allow {
            return Err(AppError::forbidden("your role may not open cases"));
        }
        let status = new.status.unwrap_or(CaseStatus::Referred);
        safepath_domain::casework::lifecycle::check_initial_status(who.actor.role, status)
            .map_err(crate::casework::refusal)?;
        self.insert_new_case(who, new, true).await
    }

    /// Enters a case at the stage it has reached already, e.g. when records
    /// are carried over from a previous system (and for the demo data).
    /// Not reachable from the API.
    pub(crate) async fn import_case(
        &self,
        who: &Principal,
        new: NewCase,
    ) -> Result<CaseView, AppError> {
        if access::decide_global(who.actor.role, Action::CreateCase) != Decision::Allow {
            return Err(AppError::forbidden("your role may not open cases"));
        }
        // A referred case's reasonable-grounds decision is opened by the
        // caller with the date it was really opened (see the demo); the other
        // stages that wait for a decision get theirs from today.
        let open = new.status.is_some_and(|s| s != CaseStatus::Referred);
        self.insert_new_case(who, new, open).await
    }

    /// Inserts a new case; with `open_decision` also the decision it waits
    /// for (see [`crate::identification::first_decision`]).
    async fn insert_new_case(
        &self,
        who: &Principal,
        new: NewCase,
        open_decision: bool,
    ) -> Result<CaseView, AppError> {
        let person = new.person.validated(self.clock.today())?;
        if let Some(n) = &new.notes {
            check_notes(n)?;
        }
        let now = self.now_ms();
        let org = who.org();
        let case_manager = match new.case_manager_id {
            Some(id) => Some(self.check_case_manager(org, id).await?),
            None if who.actor.role == Role::CaseManager => Some(who.id()),
            None => None,
        };
        // Whoever opens a case keeps sight of it unless they manage it or
        // already see it as the organisation's coordinator.
        let associated = if case_manager != Some(who.id()) && who.actor.role != Role::Coordinator {
            vec![who.id()]
        } else {
            vec![]
        };
        let mut forms = new.exploitation_forms;
        forms.sort_by_key(|f| f.as_str());
        forms.dedup();
        let person_id = PersonId(Uuid::new_v4());
        let person_row = self.seal_person(person_id, &person, now, now)?;
        let index = self.name_index(&person)?;
        for _attempt in 0..5 {
            let case_id = CaseId(Uuid::new_v4());
            let reference = CaseReference::generate(self.clock.today().year(), rand::random());
            let row = CaseRow {
                id: case_id,
                reference: reference.as_str().to_owned(),
                person_id,
                status: new
                    .status
                    .unwrap_or(CaseStatus::Referred)
                    .as_str()
                    .to_owned(),
                org_id: org,
                case_manager_id: case_manager,
                associated: associated.clone(),
                exploitation_forms: json(&forms)?,
                notes: new
                    .notes
                    .as_deref()
                    .filter(|n| !n.is_empty())
                    .map(|n| self.seal_str("cases", "notes", &case_id.to_string(), n))
                    .transpose()?,
                created_by: who.id().to_string(),
                created_at: now,
                updated_at: now,
                version: 1,
            };
            let audit = AuditDraft::new(now, who.id().to_string(), "case.create")
                .record("case", case_id)
                .org(org);
            let first = if open_decision {
                let country = self
                    .store
                    .org(org)
                    .await?
                    .map(|o| o.country)
                    .unwrap_or_default();
                crate::identification::first_decision(
                    case_id,
                    CaseStatus::parse(&row.status)?,
                    &country,
                    now,
                    self.clock.today(),
                )
            } else {
                None
            };
            let inserted = match first {
                Some(d) => {
                    let extras = safepath_store::CaseExtras {
                        flags: Vec::new(),
                        decisions: vec![d],
                        screening_id: None,
                    };
                    self.store
                        .insert_case_with(&row, &person_row, &index, &extras, &audit)
                        .await
                }
                None => {
                    self.store
                        .insert_case(&row, &person_row, &index, &audit)
                        .await
                }
            };
            match inserted {
                Ok(()) => {
                    let facts = access::CaseFacts {
                        id: case_id,
                        org,
                        case_manager,
                        associated: associated.clone(),
                    };
                    let access = access::authorize(&who.actor, Action::ReadCase, &facts)
                        .map_err(|_| AppError::internal("creator cannot read new case"))?;
                    return self.case_view(&access, &row, &person_row);
                }
                Err(StoreError::Conflict(_)) => continue, // reference collision: draw again
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::internal(
            "could not allocate a unique case reference",
        ))
    }

    pub(crate) async fn authorize_case(
        &self,
        who: &Principal,
        id: Uuid,
        action: Action,
        what: &str,
    ) -> Result<(CaseAccess, access::CaseFacts), AppError> {
        let facts = self
            .store
            .case_facts(CaseId(id))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let access = access::authorize(&who.actor, action, &facts).map_err(|d| denied(d, what))?;
        Ok((access, facts))
    }

    /// What the user may do on the case (for pages and the API): nothing at
    /// all when the case is missing or hidden from them.
    pub async fn case_permissions(
        &self,
        who: &Principal,
        id: Uuid,
    ) -> Result<access::CasePermissions, AppError> {
        Ok(self
            .store
            .case_facts(CaseId(id))
            .await?
            .map(|f| access::case_permissions(&who.actor, &f))
            .unwrap_or_default())
    }

    pub async fn get_case(&self, who: &Principal, id: Uuid) -> Result<CaseView, AppError> {
        let (access, facts) = match self
            .authorize_case(who, id, Action::ReadCase, "read this case")
            .await
        {
            Ok(ok) => ok,
            Err(e) if e.kind == crate::ErrorKind::NotFound => {
                return self.get_case_via_referral(who, id).await.map_err(|_| e);
            }
            Err(e) => return Err(e),
        };
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.read")
            .record("case", facts.id)
            .org(facts.org);
        let (c, p) = self
            .store
            .read_case(&facts, &audit)
            .await?
            .ok_or_else(AppError::case_not_found)?;
        self.case_view(&access, &c, &p)
    }

    /// A receiving organisation's view through accepted referrals: only the
    /// categories shared and still covered by consent. Anything else is 404.
    async fn get_case_via_referral(&self, who: &Principal, id: Uuid) -> Result<CaseView, AppError> {
        let facts = self
            .store
            .case_facts(CaseId(id))
            .await?
            .ok_or_else(AppError::case_not_found)?;
        let shared = self.referral_categories(who, facts.id).await?;
        let access = access::authorize_referral_read(&who.actor, &facts, !shared.is_empty())
            .map_err(|_| AppError::case_not_found())?;
        let names: Vec<&str> = shared.iter().map(|c| c.as_str()).collect();
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("via referral; categories={}", names.join(",")));
        let (c, p) = self
            .store
            .read_case(&facts, &audit)
            .await?
            .ok_or_else(AppError::case_not_found)?;
        self.shared_case_view(&access, &c, &p, &shared)
    }

    pub async fn update_case(
        &self,
        who: &Principal,
        id: Uuid,
        patch: CasePatch,
    ) -> Result<CaseView, AppError> {
        let (access, facts) = self
            .authorize_case(who, id, Action::EditCase, "change this case")
            .await?;
        let person = patch
            .person
            .map(|p| p.validated(self.clock.today()))
            .transpose()?;
        if let Some(n) = &patch.notes {
            check_notes(n)?;
        }
        let case_manager = match patch.case_manager_id {
            Some(cm) => Some(self.check_case_manager(facts.org, cm).await?),
            None => None,
        };
        let associated = match &patch.associated_user_ids {
            Some(ids) => {
                let mut out = Vec::new();
                for u in ids {
                    match self.store.user(UserId(*u)).await? {
                        // Across organisations the only road to a case is a
                        // consented referral, never a name put on the case.
                        Some(user) if user.org_id != facts.org => {
                            return Err(AppError::bad_request(
                                "associated_user_other_org",
                                "associated users must belong to the case's organisation; share with another organisation through a consented referral",
                            ));
                        }
                        Some(user)
                            if !user.disabled
                                && !matches!(user.role.as_str(), "analyst" | "administrator") =>
                        {
                            out.push(user.id)
                        }
                        _ => {
                            return Err(AppError::bad_request(
                                "invalid_associated_user",
                                "associated_user_ids must name active staff who work on cases",
                            ));
                        }
                    }
                }
                out.sort();
                out.dedup();
                Some(out)
            }
            None => None,
        };
        let now = self.now_ms();
        let read_audit = AuditDraft::new(now, who.id().to_string(), "case.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail("for update");
        let (mut c, p) = self
            .store
            .read_case(&facts, &read_audit)
            .await?
            .ok_or_else(AppError::case_not_found)?;
        if let Some(v) = patch.version
            && v != c.version
        {
            return Err(AppError::store(StoreError::VersionMismatch));
        }
        let mut changed = Vec::new();
        let mut records = Vec::new();
        let mut transition = None;
        if let Some(s) = patch.status
            && s.as_str() != c.status
        {
            let current = self.case_view(&access, &c, &p)?;
            let existing = self.store.case_records(facts.id, None).await?;
            let (t, rows) = self
                .check_patch_status(
                    who,
                    &access,
                    &facts,
                    CaseStatus::parse(&c.status)?,
                    &crate::casework::StatusChange {
                        to: s,
                        reason: patch.status_reason.clone(),
                        version: None,
                    },
                    &current.person,
                    &existing,
                )
                .await?;
            c.status = s.as_str().to_owned();
            changed.push("status");
            records = rows;
            transition = Some(t);
        }
        if let Some(mut forms) = patch.exploitation_forms {
            forms.sort_by_key(|f: &ExploitationForm| f.as_str());
            forms.dedup();
            c.exploitation_forms = json(&forms)?;
            changed.push("exploitation_forms");
        }
        if let Some(n) = &patch.notes {
            c.notes = if n.is_empty() {
                None
            } else {
                Some(self.seal_str("cases", "notes", &c.id.to_string(), n)?)
            };
            changed.push("notes");
        }
        if let Some(cm) = case_manager {
            c.case_manager_id = Some(cm);
            changed.push("case_manager_id");
        }
        if let Some(a) = associated {
            c.associated = a;
            changed.push("associated_user_ids");
        }
        let person_row = match &person {
            Some(p2) => {
                changed.push("person");
                Some((
                    self.seal_person(p.id, p2, p.created_at, now)?,
                    self.name_index(p2)?,
                ))
            }
            None => None,
        };
        c.version += 1;
        c.updated_at = now;
        let mut detail = format!("fields={}", changed.join(","));
        if let Some(t) = &transition {
            detail.push_str(&format!(
                " {}->{} kind={}",
                t.from.as_str(),
                t.to.as_str(),
                t.kind.as_str()
            ));
        }
        let notice = (!changed.is_empty())
            .then(|| self.change_by_other_notice(who, &c, &changed.join(", ")))
            .flatten();
        let audit = AuditDraft::new(now, who.id().to_string(), "case.update")
            .record("case", c.id)
            .org(c.org_id)
            .detail(detail)
            .notify_all(notice);
        self.store
            .update_case_with_records(
                &c,
                person_row.as_ref().map(|(p, i)| (p, i.as_slice())),
                &records,
                &audit,
            )
            .await?;
        let final_person = person_row.map(|(p, _)| p).unwrap_or(p);
        self.case_view(&access, &c, &final_person)
    }

    /// The cases this user may see, newest first, optionally searched by
    /// reference or by name (through blind indexes: exact tokens, any script).
    pub async fn list_cases(
        &self,
        who: &Principal,
        query: Option<&str>,
        page: i64,
        per_page: i64,
    ) -> Result<CaseList, AppError> {
        self.list_cases_filtered(who, query, &CaseListFilter::default(), page, per_page)
            .await
    }

    /// The case list narrowed by status, "mine" and form of exploitation
    /// (codes only: nothing personal goes into a URL).
    pub async fn list_cases_filtered(
        &self,
        who: &Principal,
        query: Option<&str>,
        narrow: &CaseListFilter,
        page: i64,
        per_page: i64,
    ) -> Result<CaseList, AppError> {
        if access::decide_global(who.actor.role, Action::ListCases) != Decision::Allow {
            return Err(AppError::forbidden(
                "your role does not work with case records",
            ));
        }
        if !(1..=MAX_PAGE).contains(&page) || !(1..=MAX_PER_PAGE).contains(&per_page) {
            return Err(AppError::bad_request(
                "invalid_paging",
                format!(
                    "page must be between 1 and {MAX_PAGE} and per_page between 1 and {MAX_PER_PAGE}"
                ),
            ));
        }
        let mut filter = CaseFilter {
            offset: (page - 1) * per_page,
            limit: per_page,
            status: narrow.status.map(|s| s.as_str().to_owned()),
            case_manager: if narrow.mine {
                Some(who.id())
            } else {
                narrow.manager.map(UserId)
            },
            exploitation_form: narrow.form.map(|f| f.as_str().to_owned()),
            overdue_before: narrow.overdue.then(|| {
                self.clock
                    .today()
                    .format(time::macros::format_description!("[year]-[month]-[day]"))
                    .unwrap_or_default()
            }),
            sort: narrow.sort,
            ..Default::default()
        };
        let mut detail = "list".to_owned();
        if let Some(q) = query.map(str::trim).filter(|q| !q.is_empty()) {
            if q.chars().count() > 200 {
                return Err(AppError::bad_request(
                    "invalid_query",
                    "the search is longer than 200 characters",
                ));
            }
            let tokens = search_tokens(q);
            filter.name_tokens = tokens
                .iter()
                .map(|t| self.blind(t))
                .collect::<Result<_, _>>()?;
            if CaseReference::looks_like_reference(q) {
                filter.reference_prefix = Some(q.to_ascii_uppercase());
            }
            if filter.name_tokens.is_empty() && filter.reference_prefix.is_none() {
                return Ok(CaseList {
                    items: vec![],
                    page,
                    per_page,
                    total: 0,
                });
            }
            // The search terms themselves are personal data: never audited in clear.
            detail = format!("search tokens={}", filter.name_tokens.len());
        }
        let audit =
            AuditDraft::new(self.now_ms(), who.id().to_string(), "case.list").detail(detail);
        let result = self
            .store
            .list_cases(access::visibility(&who.actor), &filter, &audit)
            .await?;
        let mut items = Vec::with_capacity(result.items.len());
        for (i, (c, p)) in result.items.iter().enumerate() {
            let facts = access::CaseFacts {
                id: c.id,
                org: c.org_id,
                case_manager: c.case_manager_id,
                associated: c.associated.clone(),
            };
            // Defence in depth: the storage filter must agree with the policy.
            let Ok(access) = access::authorize(&who.actor, Action::ReadCase, &facts) else {
                tracing::error!(
                    "storage visibility filter returned a case the policy hides; dropped"
                );
                continue;
            };
            if c.person_id != p.id {
                return Err(AppError::internal(
                    "a case was listed with another case's person",
                ));
            }
            let display_name = self.open_str(
                &Grant::case(&access, c.id)?,
                "persons",
                "display_name",
                &p.id.to_string(),
                &p.display_name,
            )?;
            items.push(CaseSummary {
                id: c.id.0,
                reference: c.reference.clone(),
                status: CaseStatus::parse(&c.status)?,
                org_id: c.org_id.0,
                case_manager_id: c.case_manager_id.map(|u| u.0),
                person: PersonSummary {
                    display_name: display_name.clone(),
                },
                display_name,
                exploitation_forms: parse_json(&c.exploitation_forms, "forms")?,
                updated_at: rfc3339(c.updated_at),
                next_deadline: result.next_due.get(i).cloned().flatten(),
                merged_into: None,
            });
        }
        // --- de-duplication run ---
        let merged = self
            .merged_into(&items.iter().map(|i| i.id).collect::<Vec<_>>())
            .await?;
        for item in &mut items {
            item.merged_into = merged.get(&item.id).cloned();
        }
        Ok(CaseList {
            items,
            page,
            per_page,
            total: result.total,
        })
    }

    /// Break-the-glass by the case's reference, as an administrator finds it
    /// on paper or in a call (issue 10: it needed the internal id). The
    /// reason is checked first; a reference that names no case is refused
    /// (`reference_unknown`) and the attempt audited, so that probing for
    /// references leaves a trace.
    pub async fn break_glass_by_reference(
        &self,
        who: &Principal,
        reference: &str,
        reason: &str,
    ) -> Result<CaseView, AppError> {
        if access::decide_global(who.actor.role, Action::BreakGlassRead) != Decision::Allow {
            return Err(AppError::forbidden(
                "only an administrator may break the glass",
            ));
        }
        if reason.trim().chars().count() < access::BREAK_GLASS_MIN_REASON {
            return Err(AppError::bad_request(
                "reason_required",
                format!(
                    "state the reason in at least {} characters",
                    access::BREAK_GLASS_MIN_REASON
                ),
            ));
        }
        let reference = reference.trim().to_ascii_uppercase();
        if reference.is_empty() || reference.len() > 64 {
            return Err(AppError::bad_request(
                "reference_required",
                "the case's reference, such as SP-2026-ABCD-0001",
            ));
        }
        match self.store.case_by_reference(&reference).await? {
            Some(id) => self.break_glass(who, id.0, reason).await,
            None => {
                let audit = AuditDraft::new(
                    self.now_ms(),
                    who.id().to_string(),
                    "case.break_glass.unknown_reference",
                )
                .org(who.org());
                self.store.append_audit(&audit).await?;
                Err(AppError::bad_request(
                    "reference_unknown",
                    "no case has this reference: check it with whoever gave it to you",
                ))
            }
        }
    }

    /// An administrator's emergency read: needs a reason, is audited, and is
    /// flagged to the owning organisation's coordinators.
    pub async fn break_glass(
        &self,
        who: &Principal,
        id: Uuid,
        reason: &str,
    ) -> Result<CaseView, AppError> {
        let facts = self.store.case_facts(CaseId(id)).await?;
        let Some(facts) = facts else {
            return Err(if who.actor.role == Role::Administrator {
                AppError::case_not_found()
            } else {
                AppError::forbidden("only an administrator may break the glass")
            });
        };
        let access = access::break_glass(&who.actor, &facts, reason).map_err(|r| match r {
            BreakGlassRefusal::NotAllowed => denied(
                access::decide_case(
                    who.actor.role,
                    Action::BreakGlassRead,
                    access::Relation::of(&who.actor, &facts),
                ),
                "break the glass",
            ),
            BreakGlassRefusal::ReasonTooShort => AppError::bad_request(
                "reason_required",
                format!(
                    "state the reason in at least {} characters",
                    access::BREAK_GLASS_MIN_REASON
                ),
            ),
        })?;
        let now = self.now_ms();
        let reason = access.break_glass_reason().unwrap_or_default().to_owned();
        // The reason may name the person or their situation: the append-only
        // log keeps it sealed (opened for the case's coordinators only).
        let sealed_reason = self
            .seal_str(
                AUDIT_REASON.0,
                AUDIT_REASON.1,
                &facts.id.to_string(),
                &reason,
            )?
            .to_text();
        let reference = self.case_reference(facts.id).await?.unwrap_or_default();
        let coordinators = self
            .store
            .users_with_role(facts.org, Role::Coordinator.as_str())
            .await?;
        // Notifications are also e-mailed: the reason stays in SafePath. They
        // are written with the read, so no read goes untold.
        let rows: Vec<NotificationRow> = coordinators
            .iter()
            .map(|u| {
                self.notice(
                    u.id,
                    "break_glass",
                    Some(facts.id),
                    format!(
                        "Administrator {} opened case {reference} under break-the-glass. The reason is in the case's audit trail in SafePath.",
                        who.user.username
                    ),
                )
                .about("case_audit", facts.id)
                .params(crate::identification::notice_params(&[
                    ("reference", &reference),
                    ("user", &who.user.full_name),
                ]))
            })
            .collect();
        let audit = AuditDraft::new(now, who.id().to_string(), "case.break_glass")
            .record("case", facts.id)
            .org(facts.org)
            .reason(sealed_reason)
            .notify_all(rows);
        let (c, p) = self
            .store
            .read_case(&facts, &audit)
            .await?
            .ok_or_else(AppError::case_not_found)?;
        self.case_view(&access, &c, &p)
    }

    /// An audit entry's reason, opened when it was sealed (break-the-glass).
    fn open_audit_reason(&self, access: &CaseAccess, reason: &str) -> String {
        match Sealed::from_text(reason) {
            Some(sealed) => Grant::case(access, access.case())
                .and_then(|grant| {
                    self.open_str(
                        &grant,
                        AUDIT_REASON.0,
                        AUDIT_REASON.1,
                        &access.case().to_string(),
                        &sealed,
                    )
                })
                .unwrap_or_else(|_| "(sealed reason could not be opened)".into()),
            None => reason.to_owned(),
        }
    }

    /// The audit trail of one case, for the owning organisation's coordinators.
    pub async fn case_audit(
        &self,
        who: &Principal,
        id: Uuid,
    ) -> Result<Vec<AuditEntryView>, AppError> {
        let (access, facts) = self
            .authorize_case(
                who,
                id,
                Action::ReadCaseAudit,
                "read this case's audit trail",
            )
            .await?;
        let entries = self
            .store
            .audit_for_record(&facts.id.to_string(), 500)
            .await?;
        self.store
            .append_audit(
                &AuditDraft::new(self.now_ms(), who.id().to_string(), "audit.read")
                    .record("case", facts.id)
                    .org(facts.org),
            )
            .await?;
        let mut names: std::collections::BTreeMap<String, String> = Default::default();
        for e in &entries {
            if !names.contains_key(&e.entry.actor) {
                let name = self.actor_name(&e.entry.actor).await?;
                names.insert(e.entry.actor.clone(), name);
            }
        }
        Ok(entries
            .into_iter()
            .map(|e| AuditEntryView {
                seq: e.entry.seq,
                at: rfc3339(e.entry.at_ms),
                actor_name: names.get(&e.entry.actor).cloned().unwrap_or_default(),
                actor: e.entry.actor,
                action: e.entry.action,
                record_type: e.entry.record_type,
                reason: e.entry.reason.map(|r| self.open_audit_reason(&access, &r)),
                record_id: e.entry.record_id,
                detail: e.entry.detail,
            })
            .collect())
    }

    /// The reference of a case whose audit trail the user may read (the
    /// trail page's title).
    pub async fn case_audit_title(&self, who: &Principal, id: Uuid) -> Result<String, AppError> {
        let (_access, facts) = self
            .authorize_case(
                who,
                id,
                Action::ReadCaseAudit,
                "read this case's audit trail",
            )
            .await?;
        Ok(self
            .store
            .case_reference(facts.id)
            .await?
            .unwrap_or_default())
    }

    /// An audit actor as people know them: a user's full name and
    /// organisation; the scheduler; the command line.
    pub(crate) async fn actor_name(&self, actor: &str) -> Result<String, AppError> {
        if actor == "system" {
            return Ok("SafePath (scheduled)".to_owned());
        }
        if actor.starts_with("cli") {
            return Ok("Command line".to_owned());
        }
        let Ok(id) = Uuid::parse_str(actor) else {
            return Ok(actor.to_owned());
        };
        Ok(match self.store.user(UserId(id)).await? {
            Some(u) => format!("{} ({})", u.full_name, self.org_name(u.org_id).await?),
            None => "a former user".to_owned(),
        })
    }

    pub async fn notifications(&self, who: &Principal) -> Result<Vec<NotificationView>, AppError> {
        Ok(self
            .store
            .notifications(who.id(), 100)
            .await?
            .into_iter()
            .map(|n| NotificationView {
                id: n.id,
                kind: n.kind,
                case_id: n.case_id.map(|c| c.0),
                message: n.message,
                at: rfc3339(n.created_at),
                read: n.read_at.is_some(),
                subject_type: n.subject_type,
                subject_id: n.subject_id,
                params: n
                    .params
                    .and_then(|p| serde_json::from_str(&p).ok())
                    .unwrap_or_default(),
            })
            .collect())
    }

    /// Marks one of the user's own notifications read. Anyone else's (or
    /// none) is "not found", the same answer as for an id that never was.
    pub async fn mark_notification_read(&self, who: &Principal, id: &str) -> Result<(), AppError> {
        if self
            .store
            .mark_notification_read(who.id(), id, self.now_ms())
            .await?
        {
            Ok(())
        } else {
            Err(AppError::not_found("no such notification"))
        }
    }

    /// How many of the user's notifications wait to be read (for the menu).
    pub async fn unread_notifications(&self, who: &Principal) -> Result<i64, AppError> {
        Ok(self.store.unread_notifications(who.id()).await?)
    }

    /// Marks all of the user's notifications read; returns how many.
    pub async fn mark_notifications_read(&self, who: &Principal) -> Result<u64, AppError> {
        Ok(self
            .store
            .mark_notifications_read(who.id(), self.now_ms())
            .await?)
    }
}

/// How the case list may be narrowed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseListFilter {
    pub status: Option<safepath_domain::case::CaseStatus>,
    /// Only the cases the user manages.
    pub mine: bool,
    pub form: Option<safepath_domain::case::ExploitationForm>,
    /// Only the cases this user (a staff member's id) manages.
    pub manager: Option<Uuid>,
    /// Only cases with an open decision or task past its due date.
    pub overdue: bool,
    pub sort: safepath_store::CaseSort,
}

/// The orders of the case list.
pub use safepath_store::CaseSort;

/// The sort orders of the case list by their names in a URL.
pub const CASE_SORTS: [(&str, safepath_store::CaseSort); 4] = [
    ("changed", safepath_store::CaseSort::Changed),
    ("reference", safepath_store::CaseSort::Reference),
    ("status", safepath_store::CaseSort::Status),
    ("deadline", safepath_store::CaseSort::Deadline),
];

impl CaseListFilter {
    /// Adds the parameters `manager` (a user id), `overdue` (`1`) and `sort`
    /// (changed, reference, status, deadline); an unknown value is a 400.
    pub fn with(mut self, manager: &str, overdue: &str, sort: &str) -> Result<Self, AppError> {
        self.manager = match manager {
            "" => None,
            m => Some(
                Uuid::parse_str(m)
                    .map_err(|_| AppError::bad_request("invalid_value", "manager: a user id"))?,
            ),
        };
        self.overdue = match overdue {
            "" | "0" => false,
            "1" => true,
            _ => {
                return Err(AppError::bad_request(
                    "invalid_value",
                    "overdue: 1 or nothing",
                ));
            }
        };
        self.sort = match sort {
            "" => safepath_store::CaseSort::Changed,
            s => CASE_SORTS
                .iter()
                .find(|(name, _)| *name == s)
                .map(|(_, v)| *v)
                .ok_or_else(|| {
                    AppError::bad_request(
                        "invalid_value",
                        "sort: changed, reference, status or deadline",
                    )
                })?,
        };
        Ok(self)
    }
}

impl CaseListFilter {
    /// From query parameters `status`, `mine` (`1`) and `form`; an unknown
    /// value is a 400 that names it.
    pub fn parse(status: &str, mine: &str, form: &str) -> Result<Self, AppError> {
        use safepath_domain::case::{CaseStatus, ExploitationForm};
        Ok(Self {
            manager: None,
            overdue: false,
            sort: Default::default(),
            status: match status {
                "" => None,
                s => Some(CaseStatus::parse(s)?),
            },
            mine: match mine {
                "" | "0" => false,
                "1" => true,
                _ => {
                    return Err(AppError::bad_request("invalid_value", "mine: 1 or nothing"));
                }
            },
            form: match form {
                "" => None,
                f => Some(ExploitationForm::parse(f)?),
            },
        })
    }
}
