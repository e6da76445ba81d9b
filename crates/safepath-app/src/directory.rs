//! The service directory, shelters with a confidential location, shelter
//! stays per case, and the possible-detention review.
//!
//! * Services are not personal data: every signed-in user reads them; the
//!   organisation's coordinators (and administrators) write them.
//! * A shelter's location is sealed at rest (AAD: `shelters`/`location`/id)
//!   and leaves the store only through an audited read, after
//!   `casework::directory::authorize_location` minted a `LocationAccess`:
//!   for the shelter's own staff, and — on that case's stays only — for the
//!   case manager of a person who stays or stayed there (docs/decisions.md
//!   D-S1). No list, referral, export, error or log carries it.
//! * A stay that is not free to leave, in a closed shelter or longer than the
//!   configured limit is flagged as possible detention for the owning
//!   organisation's coordinators.

use safepath_crypto::FieldRef;
use safepath_domain::access::{self, Action, CaseFacts, Decision};
use safepath_domain::case::ExploitationForm;
use safepath_domain::casework::consent::DataCategory;
use safepath_domain::casework::directory::{
    self as dir, LocationAccess, LocationGround, Residence, ServiceEligibility, ServiceRecord,
    ServiceType,
};
use safepath_domain::casework::shelter::{
    self, DetentionFlag, ShelterCandidate, ShelterRegime, ShelterType, Stay,
};
use safepath_domain::ids::{CaseId, OrgId};
use safepath_domain::org::Role;
use safepath_domain::person::{BirthDate, GenderIdentity, parse_iso_date};
use safepath_store::{Admission, AuditDraft, ServiceRow, ShelterRow, StayRow, StoreError};
use serde::{Deserialize, Serialize};
use std::sync::atomic::Ordering;
use time::Date;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::admin::Operator;
use crate::clock::rfc3339;
use crate::sealing::Grant;
use crate::{App, AppError, ErrorKind, Principal};

/// The default stay limit (re-exported for the command line).
pub const DEFAULT_MAX_STAY_DAYS: u32 = shelter::DEFAULT_MAX_STAY_DAYS;

// ---------- requests and views ----------

/// `POST /api/v1/services`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewService {
    /// Defaults to your organisation (administrators may name another).
    #[serde(default)]
    pub org_id: Option<Uuid>,
    pub name: String,
    pub service_type: ServiceType,
    /// BCP 47 tags.
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub eligibility: ServiceEligibility,
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub hours: Option<String>,
    pub free_of_charge: bool,
    #[serde(default)]
    pub cost_note: Option<String>,
    #[serde(default)]
    pub area_served: Option<String>,
}

/// `PATCH /api/v1/services/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ServicePatch {
    /// When given, the change is refused (409) if someone changed the service since.
    #[serde(default)]
    pub version: Option<i64>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub service_type: Option<ServiceType>,
    #[serde(default)]
    pub languages: Option<Vec<String>>,
    #[serde(default)]
    pub eligibility: Option<ServiceEligibility>,
    /// `null` is not distinguished from absent: send 0 for "no places".
    #[serde(default)]
    pub capacity: Option<i64>,
    #[serde(default)]
    pub hours: Option<String>,
    #[serde(default)]
    pub free_of_charge: Option<bool>,
    #[serde(default)]
    pub cost_note: Option<String>,
    #[serde(default)]
    pub area_served: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ServiceView {
    pub id: String,
    pub org_id: Uuid,
    pub name: String,
    pub service_type: ServiceType,
    pub languages: Vec<String>,
    pub eligibility: ServiceEligibility,
    pub capacity: Option<i64>,
    pub hours: Option<String>,
    pub free_of_charge: bool,
    pub cost_note: Option<String>,
    pub area_served: Option<String>,
    pub version: i64,
    pub updated_at: String,
}

/// `POST /api/v1/shelters`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewShelter {
    /// A name that does not give the place away (it is shown in lists).
    pub name: String,
    pub shelter_type: ShelterType,
    pub regime: ShelterRegime,
    pub beds: i64,
    /// Address and directions: confidential, sealed at rest, shown only to
    /// the shelter's staff and a resident's case manager.
    pub location: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShelterView {
    pub id: String,
    pub org_id: Uuid,
    pub name: String,
    pub shelter_type: ShelterType,
    pub regime: ShelterRegime,
    pub beds: i64,
    /// Current stays.
    pub occupancy: i64,
    pub free_beds: i64,
    /// Present only for those allowed to see it (D-S1); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// Why the location is shown, when it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location_ground: Option<LocationGround>,
}

/// `POST /api/v1/cases/{id}/stays`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewStay {
    pub shelter_id: String,
    /// `YYYY-MM-DD`, not in the future; default today.
    #[serde(default)]
    pub admitted_on: Option<String>,
    /// Whether the person may leave whenever they wish (confirmed with them).
    pub free_to_leave: bool,
    /// The shelter type the person chose, if they expressed a choice.
    #[serde(default)]
    pub chosen_shelter_type: Option<ShelterType>,
    /// There are reasons to believe the person is a child although the
    /// recorded birth date does not say so (principle 1).
    #[serde(default)]
    pub treat_as_child: bool,
}

/// `POST /api/v1/stays/{id}/leave`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveStay {
    /// `YYYY-MM-DD`, not before admission nor in the future; default today.
    #[serde(default)]
    pub left_on: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StayView {
    pub id: String,
    pub case_id: Uuid,
    pub shelter_id: String,
    pub shelter_name: String,
    pub shelter_type: ShelterType,
    pub regime: ShelterRegime,
    pub admitted_on: String,
    pub left_on: Option<String>,
    pub free_to_leave: bool,
    pub current: bool,
    pub days: i64,
    /// Reasons to suspect detention; empty when none.
    pub flags: Vec<DetentionFlag>,
    /// Present only for the shelter's staff and the person's case manager.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
}

/// One resident of a shelter, as its staff's list shows it. The name and
/// the case appear only where the reader may open the case (their own
/// organisation's, or referred to them with `identity` shared); otherwise
/// the organisation that placed the person is all that is said.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResidentView {
    pub stay_id: String,
    /// The case, when the reader may open it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    /// The person's name, when the reader may see it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The organisation whose case it is.
    pub placed_by: String,
    pub admitted_on: String,
    pub days: i64,
    pub free_to_leave: bool,
    pub flags: Vec<DetentionFlag>,
}

/// A possibly detaining stay, for the owning organisation's coordinators: the
/// case reference and the shelter's kind, no personal data, no location.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DetentionFlagView {
    pub stay_id: String,
    pub case_id: Uuid,
    pub case_reference: String,
    pub shelter_id: String,
    pub shelter_name: String,
    pub shelter_type: ShelterType,
    pub regime: ShelterRegime,
    pub admitted_on: String,
    pub left_on: Option<String>,
    pub current: bool,
    pub days: i64,
    pub flags: Vec<DetentionFlag>,
    pub max_stay_days: u32,
}

/// An organisation as the directory shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DirectoryOrg {
    pub id: Uuid,
    pub name: String,
    pub org_type: String,
    pub country: String,
    /// The referral focal point's name (staff, not a client).
    pub focal_point: Option<String>,
    pub services: Vec<ServiceView>,
    /// Never with a location.
    pub shelters: Vec<ShelterView>,
}

// ---------- helpers ----------

use crate::clock::iso_day as iso;

fn date(field: &str, s: &str) -> Result<Date, AppError> {
    parse_iso_date(field, s.trim()).map_err(AppError::from)
}

fn location_field(id: &str) -> FieldRef<'_> {
    FieldRef {
        table: "shelters",
        column: "location",
        record_id: id,
    }
}

fn stay_not_found() -> AppError {
    AppError::not_found("no such stay")
}

fn shelter_not_found() -> AppError {
    AppError::not_found("no such shelter")
}

impl App {
    /// One service of the directory, if it exists (no personal data).
    pub async fn directory_service(&self, id: &str) -> Result<Option<ServiceView>, AppError> {
        self.store
            .service(id)
            .await?
            .as_ref()
            .map(service_view)
            .transpose()
    }
}

fn service_view(r: &ServiceRow) -> Result<ServiceView, AppError> {
    let rec: ServiceRecord =
        serde_json::from_str(&r.record).map_err(|_| AppError::internal("service record"))?;
    Ok(ServiceView {
        id: r.id.clone(),
        org_id: r.org_id.0,
        name: rec.name,
        service_type: rec.service_type,
        languages: rec.languages,
        eligibility: rec.eligibility,
        capacity: rec.capacity,
        hours: rec.hours,
        free_of_charge: rec.free_of_charge,
        cost_note: rec.cost_note,
        area_served: rec.area_served,
        version: r.version,
        updated_at: rfc3339(r.updated_at),
    })
}

fn shelter_kind(r: &ShelterRow) -> Result<(ShelterType, ShelterRegime), AppError> {
    Ok((
        ShelterType::parse(&r.shelter_type)?,
        ShelterRegime::parse(&r.regime)?,
    ))
}

/// A shelter without its location (lists, directory, referrals).
fn shelter_view(r: &ShelterRow) -> Result<ShelterView, AppError> {
    let (shelter_type, regime) = shelter_kind(r)?;
    Ok(ShelterView {
        id: r.id.clone(),
        org_id: r.org_id.0,
        name: r.name.clone(),
        shelter_type,
        regime,
        beds: r.beds,
        occupancy: r.occupancy,
        free_beds: (r.beds - r.occupancy).max(0),
        location: None,
        location_ground: None,
    })
}

fn domain_stay(s: &StayRow, regime: ShelterRegime, kind: ShelterType) -> Result<Stay, AppError> {
    Ok(Stay {
        shelter_type: kind,
        regime,
        admitted_on: parse_iso_date("admitted_on", &s.admitted_on)
            .map_err(|_| AppError::internal("stored stay date"))?,
        left_on: s
            .left_on
            .as_deref()
            .map(|d| parse_iso_date("left_on", d))
            .transpose()
            .map_err(|_| AppError::internal("stored stay date"))?,
        free_to_leave: s.free_to_leave,
    })
}

fn shelter_id(raw: &str) -> Result<String, AppError> {
    Uuid::parse_str(raw.trim())
        .map(|u| u.to_string())
        .map_err(|_| shelter_not_found())
}

impl App {
    /// The stay length after which a stay is flagged (default
    /// `DEFAULT_MAX_STAY_DAYS`; `--max-stay-days` on serve and demo).
    pub fn max_stay_days(&self) -> u32 {
        self.max_stay_days.load(Ordering::Relaxed)
    }

    pub fn set_max_stay_days(&self, days: u32) -> Result<(), AppError> {
        if !(1..=3650).contains(&days) {
            return Err(AppError::config(
                "max stay days: a whole number from 1 to 3650",
            ));
        }
        self.max_stay_days.store(days, Ordering::Relaxed);
        Ok(())
    }

    /// Opens a location the policy allowed, auditing the read in the store's
    /// transaction. The audit names the shelter, the ground and the case, never the place.
    async fn open_location(
        &self,
        allowed: &LocationAccess,
        shelter: &ShelterRow,
        case: Option<CaseId>,
    ) -> Result<Option<String>, AppError> {
        let mut detail = format!("ground={}", allowed.ground().as_str());
        if let Some(c) = case {
            detail.push_str(&format!("; case={c}"));
        }
        let audit = AuditDraft::new(
            self.now_ms(),
            allowed.actor().id.to_string(),
            "shelter.location.read",
        )
        .record("shelter", &shelter.id)
        .org(shelter.org_id)
        .detail(detail);
        let Some(sealed) = self
            .store
            .read_shelter_location(&shelter.id, &audit)
            .await?
        else {
            return Ok(None);
        };
        let grant = Grant::location(allowed, &shelter.id, shelter.org_id)?;
        self.open_str(&grant, "shelters", "location", &shelter.id, &sealed)
            .map(Some)
    }

    // ---------- services ----------

    fn require_directory_editor(&self, by: &Operator<'_>, org: OrgId) -> Result<(), AppError> {
        match by {
            Operator::Cli(_) => Ok(()),
            Operator::User(p)
                if access::capabilities(p.actor.role).edits_directory_of(p.org(), org) =>
            {
                Ok(())
            }
            Operator::User(_) => Err(AppError::forbidden(
                "only the organisation's coordinators (or an administrator) may change its services",
            )),
        }
    }

    fn operator_id(by: &Operator<'_>) -> String {
        match by {
            Operator::User(p) => p.id().to_string(),
            Operator::Cli(c) => format!("cli:{c}"),
        }
    }

    /// Every service (any signed-in user), or those of one organisation.
    pub async fn services(
        &self,
        _who: &Principal,
        org: Option<Uuid>,
    ) -> Result<Vec<ServiceView>, AppError> {
        if let Some(o) = org
            && self.store.org(OrgId(o)).await?.is_none()
        {
            return Err(AppError::not_found("no such organisation"));
        }
        let mut out: Vec<ServiceView> = self
            .store
            .services(org.map(OrgId))
            .await?
            .iter()
            .map(service_view)
            .collect::<Result<_, _>>()?;
        out.sort_by(|a, b| (a.org_id, &a.name).cmp(&(b.org_id, &b.name)));
        Ok(out)
    }

    pub async fn create_service(
        &self,
        by: Operator<'_>,
        req: NewService,
    ) -> Result<ServiceView, AppError> {
        let org = match (&by, req.org_id) {
            (_, Some(o)) => OrgId(o),
            (Operator::User(p), None) => p.org(),
            (Operator::Cli(_), None) => {
                return Err(AppError::bad_request(
                    "missing_field",
                    "org_id: is required",
                ));
            }
        };
        self.require_directory_editor(&by, org)?;
        let record = ServiceRecord {
            name: req.name,
            service_type: req.service_type,
            languages: req.languages,
            eligibility: req.eligibility,
            capacity: req.capacity,
            hours: req.hours,
            free_of_charge: req.free_of_charge,
            cost_note: req.cost_note,
            area_served: req.area_served,
        }
        .validated()?;
        if self.store.org(org).await?.is_none() {
            return Err(AppError::bad_request("invalid_org", "no such organisation"));
        }
        let now = self.now_ms();
        let row = ServiceRow {
            id: Uuid::new_v4().to_string(),
            org_id: org,
            service_type: record.service_type.as_str().to_owned(),
            record: serde_json::to_string(&record).map_err(|_| AppError::internal("serialise"))?,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let audit = AuditDraft::new(now, Self::operator_id(&by), "service.create")
            .record("service", &row.id)
            .org(org);
        self.store.insert_service(&row, &audit).await?;
        service_view(&row)
    }

    pub async fn update_service(
        &self,
        by: Operator<'_>,
        id: &str,
        patch: ServicePatch,
    ) -> Result<ServiceView, AppError> {
        let not_found = || AppError::not_found("no such service");
        let id = Uuid::parse_str(id.trim())
            .map_err(|_| not_found())?
            .to_string();
        let mut row = self.store.service(&id).await?.ok_or_else(not_found)?;
        self.require_directory_editor(&by, row.org_id)?;
        if let Some(v) = patch.version
            && v != row.version
        {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "version_conflict",
                "the service was changed by someone else; reload and try again",
            ));
        }
        let mut rec: ServiceRecord =
            serde_json::from_str(&row.record).map_err(|_| AppError::internal("service record"))?;
        if let Some(v) = patch.name {
            rec.name = v;
        }
        if let Some(v) = patch.service_type {
            rec.service_type = v;
        }
        if let Some(v) = patch.languages {
            rec.languages = v;
        }
        if let Some(v) = patch.eligibility {
            rec.eligibility = v;
        }
        if let Some(v) = patch.capacity {
            rec.capacity = Some(v);
        }
        if let Some(v) = patch.hours {
            rec.hours = Some(v);
        }
        if let Some(v) = patch.free_of_charge {
            rec.free_of_charge = v;
        }
        if let Some(v) = patch.cost_note {
            rec.cost_note = Some(v);
        }
        if let Some(v) = patch.area_served {
            rec.area_served = Some(v);
        }
        let rec = rec.validated()?;
        let now = self.now_ms();
        row.service_type = rec.service_type.as_str().to_owned();
        row.record = serde_json::to_string(&rec).map_err(|_| AppError::internal("serialise"))?;
        row.updated_at = now;
        row.version += 1;
        let audit = AuditDraft::new(now, Self::operator_id(&by), "service.update")
            .record("service", &row.id)
            .org(row.org_id);
        match self.store.update_service(&row, &audit).await {
            Err(StoreError::VersionMismatch) => Err(AppError::new(
                ErrorKind::Conflict,
                "version_conflict",
                "the service was changed by someone else; reload and try again",
            )),
            other => other.map_err(AppError::from),
        }?;
        service_view(&row)
    }

    // ---------- shelters ----------

    /// A shelter is registered by a coordinator of the organisation that runs
    /// it (the CLI for the demo). Administrators may not: they would have to
    /// type, and so know, the location (D-S1).
    pub async fn create_shelter(
        &self,
        by: Operator<'_>,
        org: OrgId,
        req: NewShelter,
    ) -> Result<ShelterView, AppError> {
        if let Operator::User(p) = &by
            && !(p.actor.role == Role::Coordinator && p.org() == org)
        {
            return Err(AppError::forbidden(
                "only a coordinator of the organisation that runs the shelter may register it",
            ));
        }
        let name = dir::check_shelter_name(&req.name)?;
        let beds = dir::check_beds(req.beds)?;
        let location = dir::check_location(&req.location)?;
        if self.store.org(org).await?.is_none() {
            return Err(AppError::bad_request("invalid_org", "no such organisation"));
        }
        let id = Uuid::new_v4().to_string();
        let sealed = self
            .keys
            .seal(location_field(&id), location.as_bytes())
            .map_err(|e| AppError::internal(&e.to_string()))?;
        let now = self.now_ms();
        let row = ShelterRow {
            id: id.clone(),
            org_id: org,
            name,
            shelter_type: req.shelter_type.as_str().to_owned(),
            regime: req.regime.as_str().to_owned(),
            beds,
            location: Some(sealed),
            created_at: now,
            occupancy: 0,
        };
        let audit = AuditDraft::new(now, Self::operator_id(&by), "shelter.create")
            .record("shelter", &id)
            .org(org);
        self.store.insert_shelter(&row, &audit).await?;
        let mut view = shelter_view(&row)?;
        if let Operator::User(p) = &by {
            // The coordinator is the shelter's staff and typed the location.
            if let Some(allowed) = dir::authorize_location(&p.actor, org, None) {
                view.location = Some(location);
                view.location_ground = Some(allowed.ground());
            }
        }
        Ok(view)
    }

    /// Every shelter, never with a location (lists, the directory).
    pub async fn shelters(&self, _who: &Principal) -> Result<Vec<ShelterView>, AppError> {
        self.store
            .shelters(None)
            .await?
            .iter()
            .map(shelter_view)
            .collect()
    }

    /// One shelter; its location only for the shelter's staff (audited).
    pub async fn shelter(&self, who: &Principal, id: &str) -> Result<ShelterView, AppError> {
        let id = shelter_id(id)?;
        let row = self
            .store
            .shelter(&id)
            .await?
            .ok_or_else(shelter_not_found)?;
        let mut view = shelter_view(&row)?;
        if let Some(allowed) = dir::authorize_location(&who.actor, row.org_id, None) {
            view.location = self.open_location(&allowed, &row, None).await?;
            view.location_ground = view.location.as_ref().map(|_| allowed.ground());
        }
        Ok(view)
    }

    /// The residents of a shelter (its current stays), longest first, for
    /// the shelter's staff only (403 for everyone else). Each name opened
    /// is read under that case's own audit entry.
    pub async fn shelter_residents(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<Vec<ResidentView>, AppError> {
        let id = shelter_id(id)?;
        let sh = self
            .store
            .shelter(&id)
            .await?
            .ok_or_else(shelter_not_found)?;
        if !dir::is_shelter_staff(&who.actor, sh.org_id) {
            return Err(AppError::forbidden(
                "only the shelter's staff see who stays there",
            ));
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "shelter.residents")
            .org(sh.org_id)
            .detail(format!("shelter={}", sh.id));
        let rows = self.store.shelter_residents(&sh.id, &audit).await?;
        let (kind, regime) = shelter_kind(&sh)?;
        let today = self.clock.today();
        let max = self.max_stay_days();
        let mut orgs = std::collections::BTreeMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let stay = domain_stay(&r.stay, regime, kind)?;
            let placed_by = match orgs.get(&r.case_org) {
                Some(n) => String::clone(n),
                None => {
                    let n = self.org_name(r.case_org).await?;
                    orgs.insert(r.case_org, n.clone());
                    n
                }
            };
            let opened = self.resident_name(who, r.stay.case_id).await?;
            out.push(ResidentView {
                stay_id: r.stay.id.clone(),
                case_id: opened.as_ref().map(|_| r.stay.case_id.0),
                case_reference: opened.as_ref().map(|_| r.reference.clone()),
                name: opened.flatten(),
                placed_by,
                admitted_on: r.stay.admitted_on.clone(),
                days: stay.days(today),
                free_to_leave: r.stay.free_to_leave,
                flags: shelter::detention_flags(&stay, today, max),
            });
        }
        Ok(out)
    }

    /// For a resident's case: `None` when the reader may not open the case;
    /// `Some(name)` when they may, the name only when they may see the
    /// person's identity (read under the case's own audit entry).
    async fn resident_name(
        &self,
        who: &Principal,
        case: CaseId,
    ) -> Result<Option<Option<String>>, AppError> {
        let Some(facts) = self.store.case_facts(case).await? else {
            return Ok(None);
        };
        let (access, detail) = match access::authorize(&who.actor, Action::ReadCase, &facts) {
            Ok(a) => (a, "purpose=shelter_residents".to_owned()),
            Err(_) => {
                let shared = self.referral_categories(who, facts.id).await?;
                let Ok(a) = access::authorize_referral_read(&who.actor, &facts, !shared.is_empty())
                else {
                    return Ok(None);
                };
                if !shared.contains(&DataCategory::Identity) {
                    return Ok(Some(None));
                }
                (
                    a,
                    "purpose=shelter_residents; via referral; categories=identity".to_owned(),
                )
            }
        };
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.read")
            .record("case", access.case())
            .org(facts.org)
            .detail(detail);
        let Some((_, p)) = self.store.read_case(&facts, &audit).await? else {
            return Ok(None);
        };
        let grant = Grant::case(&access, facts.id)?;
        let name = self.open_str(
            &grant,
            "persons",
            "display_name",
            &p.id.to_string(),
            &p.display_name,
        )?;
        Ok(Some(Some(name)))
    }

    /// Organisations with their focal point, services and shelters (no location).
    pub async fn directory(&self, who: &Principal) -> Result<Vec<DirectoryOrg>, AppError> {
        let services = self.services(who, None).await?;
        let shelters = self.shelters(who).await?;
        let mut out = Vec::new();
        for o in self.store.list_orgs().await? {
            let focal_point = match self.store.focal_point(o.id).await? {
                Some(u) => self.store.user(u).await?.map(|u| u.full_name),
                None => None,
            };
            out.push(DirectoryOrg {
                id: o.id.0,
                name: o.name.clone(),
                org_type: o.org_type.clone(),
                country: o.country.clone(),
                focal_point,
                services: services
                    .iter()
                    .filter(|s| s.org_id == o.id.0)
                    .cloned()
                    .collect(),
                shelters: shelters
                    .iter()
                    .filter(|s| s.org_id == o.id.0)
                    .cloned()
                    .collect(),
            });
        }
        Ok(out)
    }

    // ---------- stays ----------

    async fn case_facts_for(&self, case: Uuid) -> Result<CaseFacts, AppError> {
        self.store
            .case_facts(CaseId(case))
            .await?
            .ok_or_else(AppError::case_not_found)
    }

    /// The stays of one case (anyone who may read the case). The location
    /// is added for the shelter's staff and for the person's case manager.
    pub async fn case_stays(&self, who: &Principal, case: Uuid) -> Result<Vec<StayView>, AppError> {
        let facts = self.case_facts_for(case).await?;
        self.stay_reader(who, &facts).await?;
        let stays = self.store.stays_for_case(facts.id).await?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.stays.read")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("results={}", stays.len()));
        self.store.append_audit(&audit).await?;
        let today = self.clock.today();
        let max = self.max_stay_days();
        let mut out = Vec::with_capacity(stays.len());
        let mut opened: Vec<(String, Option<String>)> = Vec::new();
        for s in &stays {
            let sh = self
                .store
                .shelter(&s.shelter_id)
                .await?
                .ok_or_else(|| AppError::internal("stay without shelter"))?;
            let (kind, regime) = shelter_kind(&sh)?;
            let stay = domain_stay(s, regime, kind)?;
            let residence = Residence {
                begun: stay.admitted_on <= today,
            };
            let location = match opened.iter().find(|(id, _)| *id == sh.id) {
                Some((_, loc)) => loc.clone(),
                None => {
                    let loc = match dir::authorize_location(
                        &who.actor,
                        sh.org_id,
                        Some((&facts, residence)),
                    ) {
                        Some(allowed) => self.open_location(&allowed, &sh, Some(facts.id)).await?,
                        None => None,
                    };
                    opened.push((sh.id.clone(), loc.clone()));
                    loc
                }
            };
            out.push(StayView {
                id: s.id.clone(),
                case_id: facts.id.0,
                shelter_id: sh.id.clone(),
                shelter_name: sh.name.clone(),
                shelter_type: kind,
                regime,
                admitted_on: s.admitted_on.clone(),
                left_on: s.left_on.clone(),
                free_to_leave: s.free_to_leave,
                current: s.left_on.is_none(),
                days: stay.days(today),
                flags: shelter::detention_flags(&stay, today, max),
                location,
            });
        }
        Ok(out)
    }

    /// Who may see a case's stays: whoever may read the case, and a
    /// receiving organisation whose accepted referral shares `accommodation`
    /// under consent in force today (a shelter that took the person in).
    /// The second comes back with `true` (read through a referral).
    async fn stay_reader(
        &self,
        who: &Principal,
        facts: &CaseFacts,
    ) -> Result<(access::CaseAccess, bool), AppError> {
        match access::authorize(&who.actor, Action::ReadCase, facts) {
            Ok(a) => Ok((a, false)),
            Err(Decision::Forbidden) => {
                Err(AppError::forbidden("your role may not read this case"))
            }
            Err(_) => {
                let shared = self.referral_categories(who, facts.id).await?;
                access::authorize_referral_read(
                    &who.actor,
                    facts,
                    shared.contains(&DataCategory::Accommodation),
                )
                .map(|a| (a, true))
                .map_err(|_| AppError::case_not_found())
            }
        }
    }

    /// Whether the user may open the case's stays (for the link on the case
    /// page; nothing is read).
    pub async fn may_see_stays(&self, who: &Principal, case: Uuid) -> bool {
        match self.case_facts_for(case).await {
            Ok(facts) => self.stay_reader(who, &facts).await.is_ok(),
            Err(_) => false,
        }
    }

    /// Whether the user may record stays for this case in this shelter: the
    /// case's case manager (or whoever may edit the case), or the shelter's
    /// staff when they may see the case's stays — their own organisation's
    /// case, or one referred to them with `accommodation` shared.
    async fn may_record_stay(
        &self,
        who: &Principal,
        facts: &CaseFacts,
        shelter_org: OrgId,
    ) -> Result<(), AppError> {
        if access::authorize(&who.actor, Action::EditCase, facts).is_ok() {
            return Ok(());
        }
        self.stay_reader(who, facts).await?;
        if dir::is_shelter_staff(&who.actor, shelter_org) {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "only the case's case manager or the shelter's staff may record a stay",
            ))
        }
    }

    /// The facts shelter eligibility needs, read from the case (audited):
    /// gender identity and forms of exploitation as recorded, and whether
    /// the person may be a child from the recorded birth date.
    async fn shelter_candidate(
        &self,
        who: &Principal,
        facts: &CaseFacts,
        req: &NewStay,
    ) -> Result<ShelterCandidate, AppError> {
        let (access, via_referral) = self.stay_reader(who, facts).await?;
        // Through a referral the birth date, gender and forms are read only
        // to apply the eligibility rules (a child is never placed with
        // adults); none of them is shown.
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "case.read")
            .record("case", access.case())
            .org(facts.org)
            .detail(if via_referral {
                "purpose=shelter_eligibility; via referral; categories=accommodation"
            } else {
                "purpose=shelter_eligibility"
            });
        let (c, p) = self
            .store
            .read_case(facts, &audit)
            .await?
            .ok_or_else(AppError::case_not_found)?;
        if c.person_id != p.id {
            return Err(AppError::internal(
                "a case was read with another case's person",
            ));
        }
        let grant = Grant::case(&access, c.id)?;
        let birth: Option<BirthDate> = p
            .birth_date
            .as_ref()
            .map(|s| self.open_json(&grant, "persons", "birth_date", &p.id.to_string(), s))
            .transpose()?;
        let gender: GenderIdentity = serde_json::from_str(&format!("\"{}\"", p.gender_identity))
            .map_err(|_| AppError::internal("gender"))?;
        let forms: Vec<ExploitationForm> =
            serde_json::from_str(&c.exploitation_forms).map_err(|_| AppError::internal("forms"))?;
        Ok(ShelterCandidate {
            is_child: req.treat_as_child || dir::may_be_child(birth.as_ref(), self.clock.today()),
            gender,
            survivor_of_sexual_exploitation: forms.contains(&ExploitationForm::SexualExploitation),
            chosen: req.chosen_shelter_type,
        })
    }

    /// Admits the case's person to a shelter: checks who records it, the
    /// dates, eligibility (`check_eligibility`) and — in the store's
    /// transaction — that a bed is free and the person is not already staying.
    pub async fn admit_stay(
        &self,
        who: &Principal,
        case: Uuid,
        req: NewStay,
    ) -> Result<StayView, AppError> {
        let facts = self.case_facts_for(case).await?;
        let sid = Uuid::parse_str(req.shelter_id.trim())
            .map_err(|_| AppError::bad_request("invalid_shelter", "no such shelter"))?
            .to_string();
        let sh = self
            .store
            .shelter(&sid)
            .await?
            .ok_or_else(|| AppError::bad_request("invalid_shelter", "no such shelter"))?;
        self.may_record_stay(who, &facts, sh.org_id).await?;
        let today = self.clock.today();
        let admitted_on = match req.admitted_on.as_deref().map(str::trim) {
            None | Some("") => today,
            Some(d) => date("admitted_on", d)?,
        };
        if admitted_on > today {
            return Err(AppError::bad_request(
                "invalid_field",
                "admitted_on: must not be in the future",
            ));
        }
        let (kind, regime) = shelter_kind(&sh)?;
        let candidate = self.shelter_candidate(who, &facts, &req).await?;
        shelter::check_eligibility(&candidate, kind)?;
        let now = self.now_ms();
        let row = StayRow {
            id: Uuid::new_v4().to_string(),
            case_id: facts.id,
            shelter_id: sh.id.clone(),
            admitted_on: iso(admitted_on),
            left_on: None,
            free_to_leave: req.free_to_leave,
            recorded_by: who.id().to_string(),
            created_at: now,
            updated_at: now,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "stay.admit")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("stay={}; shelter={}", row.id, sh.id));
        match self.store.insert_stay(&row, &audit).await? {
            Admission::Admitted => {}
            Admission::ShelterFull => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "shelter_full",
                    format!(
                        "the shelter has no free bed ({} of {} taken)",
                        sh.occupancy, sh.beds
                    ),
                ));
            }
            Admission::AlreadyStaying => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "already_staying",
                    "the person already has a current shelter stay; record their leaving first",
                ));
            }
            Admission::NoSuchShelter => {
                return Err(AppError::bad_request("invalid_shelter", "no such shelter"));
            }
        }
        let stay = domain_stay(&row, regime, kind)?;
        Ok(StayView {
            id: row.id.clone(),
            case_id: facts.id.0,
            shelter_id: sh.id.clone(),
            shelter_name: sh.name.clone(),
            shelter_type: kind,
            regime,
            admitted_on: row.admitted_on.clone(),
            left_on: None,
            free_to_leave: row.free_to_leave,
            current: true,
            days: stay.days(today),
            flags: shelter::detention_flags(&stay, today, self.max_stay_days()),
            location: None,
        })
    }

    /// Records that the person left (case manager, anyone who may edit the
    /// case, or the shelter's staff).
    pub async fn leave_stay(
        &self,
        who: &Principal,
        id: &str,
        req: LeaveStay,
    ) -> Result<StayView, AppError> {
        let id = Uuid::parse_str(id.trim())
            .map_err(|_| stay_not_found())?
            .to_string();
        let row = self.store.stay(&id).await?.ok_or_else(stay_not_found)?;
        let facts = self
            .store
            .case_facts(row.case_id)
            .await?
            .ok_or_else(stay_not_found)?;
        let sh = self
            .store
            .shelter(&row.shelter_id)
            .await?
            .ok_or_else(|| AppError::internal("stay without shelter"))?;
        let edits = access::authorize(&who.actor, Action::EditCase, &facts).is_ok();
        if !edits && !dir::is_shelter_staff(&who.actor, sh.org_id) {
            return Err(stay_not_found());
        }
        if row.left_on.is_some() {
            return Err(AppError::new(
                ErrorKind::Conflict,
                "stay_already_ended",
                "this stay has already ended",
            ));
        }
        let today = self.clock.today();
        let left_on = match req.left_on.as_deref().map(str::trim) {
            None | Some("") => today,
            Some(d) => date("left_on", d)?,
        };
        let (kind, regime) = shelter_kind(&sh)?;
        let mut stay = domain_stay(&row, regime, kind)?;
        if left_on < stay.admitted_on || left_on > today {
            return Err(AppError::bad_request(
                "invalid_field",
                "left_on: not before the admission and not in the future",
            ));
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "stay.leave")
            .record("case", facts.id)
            .org(facts.org)
            .detail(format!("stay={}", row.id));
        match self.store.end_stay(&row.id, &iso(left_on), &audit).await {
            Err(StoreError::VersionMismatch) => {
                return Err(AppError::new(
                    ErrorKind::Conflict,
                    "stay_already_ended",
                    "this stay has already ended",
                ));
            }
            other => other?,
        }
        stay.left_on = Some(left_on);
        Ok(StayView {
            id: row.id.clone(),
            case_id: facts.id.0,
            shelter_id: sh.id.clone(),
            shelter_name: sh.name.clone(),
            shelter_type: kind,
            regime,
            admitted_on: row.admitted_on.clone(),
            left_on: Some(iso(left_on)),
            free_to_leave: row.free_to_leave,
            current: false,
            days: stay.days(today),
            flags: shelter::detention_flags(&stay, today, self.max_stay_days()),
            location: None,
        })
    }

    /// Stays of the coordinator's organisation's cases that may amount to
    /// detention: not free to leave, in a closed shelter, or longer than the
    /// limit. Current stays first. Coordinators only.
    pub async fn possible_detentions(
        &self,
        who: &Principal,
    ) -> Result<Vec<DetentionFlagView>, AppError> {
        if !access::capabilities(who.actor.role).reviews_detention {
            return Err(AppError::forbidden(
                "only coordinators review possible detention",
            ));
        }
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "detention_flags.list")
            .org(who.org());
        let today = self.clock.today();
        let max = self.max_stay_days();
        let mut out = Vec::new();
        for o in self.store.stays_of_org_cases(who.org(), &audit).await? {
            let (kind, regime) = shelter_kind(&o.shelter)?;
            let stay = domain_stay(&o.stay, regime, kind)?;
            let flags = shelter::detention_flags(&stay, today, max);
            if flags.is_empty() {
                continue;
            }
            out.push(DetentionFlagView {
                stay_id: o.stay.id.clone(),
                case_id: o.stay.case_id.0,
                case_reference: o.reference.clone(),
                shelter_id: o.shelter.id.clone(),
                shelter_name: o.shelter.name.clone(),
                shelter_type: kind,
                regime,
                admitted_on: o.stay.admitted_on.clone(),
                left_on: o.stay.left_on.clone(),
                current: o.stay.left_on.is_none(),
                days: stay.days(today),
                flags,
                max_stay_days: max,
            });
        }
        Ok(out)
    }
}

// ---------- demo data ----------

/// The demo shelters of organisation B: name, type, regime, beds and a
/// synthetic location (no real place).
pub const DEMO_SHELTERS: &[(&str, ShelterType, ShelterRegime, i64, &str)] = &[
    (
        "Harbour Light women's shelter",
        ShelterType::Women,
        ShelterRegime::Open,
        12,
        "Synthetic address: 17 Lantern Lane, Demo Subdistrict 4 (side gate, ring twice)",
    ),
    (
        "Harbour Light children's shelter",
        ShelterType::Children,
        ShelterRegime::Open,
        8,
        "Synthetic address: 3 Kite Garden Road, Demo Subdistrict 9",
    ),
];

fn demo_service(
    name: &str,
    service_type: ServiceType,
    languages: &[&str],
    capacity: Option<i64>,
    hours: &str,
    area: &str,
) -> NewService {
    NewService {
        org_id: None,
        name: name.into(),
        service_type,
        languages: languages.iter().map(|l| (*l).to_owned()).collect(),
        eligibility: ServiceEligibility::default(),
        capacity,
        hours: Some(hours.into()),
        free_of_charge: true,
        cost_note: None,
        area_served: Some(area.into()),
    }
}

/// Seeds services for the three demo organisations, organisation B's two
/// shelters, and stays: a current one for a case of `demo-cm-a` at B's
/// women's shelter, and one that is flagged (not free to leave, longer than
/// the limit), both visible to organisation A's coordinator.
pub(crate) async fn seed_demo(
    app: &App,
    orgs: &[OrgId],
    users: &[Principal],
) -> Result<(), AppError> {
    let [a, b, c] = orgs else {
        return Err(AppError::internal("demo organisations"));
    };
    let services = [
        (
            *a,
            demo_service(
                "Victim support unit — case management",
                ServiceType::Counselling,
                &["th", "en", "my"],
                None,
                "24 hours",
                "Nationwide",
            ),
        ),
        (
            *a,
            demo_service(
                "Legal aid desk",
                ServiceType::LegalAid,
                &["th", "en"],
                Some(20),
                "Mon–Fri 08:30–16:30",
                "Bangkok and central provinces",
            ),
        ),
        (
            *a,
            demo_service(
                "Interpretation pool",
                ServiceType::Interpretation,
                &["my", "km", "vi", "id"],
                Some(15),
                "On call",
                "Nationwide",
            ),
        ),
        (
            *b,
            demo_service(
                "Shelter for women and children",
                ServiceType::Shelter,
                &["th", "my", "km"],
                Some(20),
                "24 hours",
                "Eastern seaboard",
            ),
        ),
        (
            *b,
            demo_service(
                "Trauma counselling",
                ServiceType::MentalHealthPsychosocial,
                &["th", "my"],
                Some(10),
                "Mon–Sat 09:00–17:00",
                "Eastern seaboard",
            ),
        ),
        (
            *b,
            demo_service(
                "Vocational training",
                ServiceType::LivelihoodVocationalTraining,
                &["th"],
                Some(25),
                "Mon–Fri",
                "Eastern seaboard",
            ),
        ),
        (
            *c,
            demo_service(
                "Safe return and reintegration",
                ServiceType::RepatriationSupport,
                &["my", "en"],
                None,
                "Mon–Fri 09:00–17:00",
                "Myanmar border provinces",
            ),
        ),
        (
            *c,
            demo_service(
                "Family tracing",
                ServiceType::FamilyTracing,
                &["my", "th"],
                None,
                "Mon–Fri",
                "Myanmar and Thailand",
            ),
        ),
        (
            *c,
            demo_service(
                "Health check on return",
                ServiceType::HealthCare,
                &["my"],
                Some(30),
                "Mon–Fri",
                "Yangon and Myawaddy",
            ),
        ),
    ];
    for (org, mut s) in services {
        s.org_id = Some(org.0);
        app.create_service(Operator::Cli("demo"), s).await?;
    }
    let mut shelters = Vec::new();
    for (name, shelter_type, regime, beds, location) in DEMO_SHELTERS {
        shelters.push(
            app.create_shelter(
                Operator::Cli("demo"),
                *b,
                NewShelter {
                    name: (*name).into(),
                    shelter_type: *shelter_type,
                    regime: *regime,
                    beds: *beds,
                    location: (*location).into(),
                },
            )
            .await?,
        );
    }
    let Some(cm_a) = users.iter().find(|p| p.user.username == "demo-cm-a") else {
        return Err(AppError::internal("demo-cm-a"));
    };
    // Cases demo-cm-a manages, oldest first; the first eligible ones stay.
    let mut admitted = 0;
    let old = app.clock.today() - time::Duration::days(i64::from(app.max_stay_days()) + 20);
    for (case, _, _) in app.all_case_persons().await? {
        if admitted == 2 {
            break;
        }
        let Some(facts) = app.store.case_facts(case).await? else {
            continue;
        };
        if facts.case_manager != Some(cm_a.id()) {
            continue;
        }
        let (admitted_on, free_to_leave) = if admitted == 0 {
            (None, true)
        } else {
            (Some(iso(old)), false)
        };
        let req = NewStay {
            shelter_id: shelters[0].id.clone(),
            admitted_on,
            free_to_leave,
            chosen_shelter_type: None,
            treat_as_child: false,
        };
        match app.admit_stay(cm_a, case.0, req).await {
            Ok(_) => admitted += 1,
            // Not eligible for a women's shelter (a man, a child): the next case.
            Err(e) if e.kind == ErrorKind::BadRequest => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
