//! The registry of agreements between countries (issue 12): bilateral
//! memoranda and regional instruments that say who pays a return's travel,
//! who escorts, who receives and who provides reintegration services, with
//! their contact points. Coordinators and administrators record them; every
//! staff role reads them (they are public instruments, no personal data);
//! asked for one return (`destination`, `origin`), each applicable agreement
//! comes with the return plan it pre-fills.

use safepath_domain::solutions::agreements::{
    Agreement, AgreementKind, ContactPoint, Responsibilities, ResponsibleParty,
};
use safepath_domain::solutions::ids::AgreementId;
use safepath_domain::solutions::repatriation::{Escort, ReturnPlan};
use safepath_store::{AgreementRow, AuditDraft};
use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::{App, AppError, Principal};

/// Who does what under an agreement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ResponsibilitiesInput {
    pub travel_costs: ResponsibleParty,
    pub escort: ResponsibleParty,
    pub reception: ResponsibleParty,
    pub reintegration_services: ResponsibleParty,
}

/// A designated office of one party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ContactPointInput {
    /// ISO 3166-1 alpha-2 code of a party.
    pub country: String,
    pub office: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAgreement {
    pub title: String,
    pub kind: AgreementKind,
    /// ISO 3166-1 alpha-2 codes: two for a bilateral agreement, three or more for a regional one.
    pub parties: Vec<String>,
    /// YYYY-MM-DD, not after today.
    pub signed_on: String,
    pub responsibilities: ResponsibilitiesInput,
    #[serde(default)]
    pub contact_points: Vec<ContactPointInput>,
}

/// One line of a pre-filled plan's costs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CostView {
    pub item: String,
    pub payer: ResponsibleParty,
}

/// What an agreement pre-fills in a return plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct PlanPrefill {
    pub escort: Escort,
    pub costs: Vec<CostView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct AgreementView {
    pub id: Uuid,
    pub title: String,
    pub kind: AgreementKind,
    pub parties: Vec<String>,
    /// YYYY-MM-DD.
    pub signed_on: String,
    pub responsibilities: ResponsibilitiesInput,
    pub contact_points: Vec<ContactPointInput>,
    /// With `destination` and `origin`: the return plan this agreement pre-fills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_plan: Option<PlanPrefill>,
}

fn may_record(who: &Principal) -> bool {
    safepath_domain::access::capabilities(who.actor.role).records_agreements
}

use crate::clock::iso_day as iso;

fn country(field: &str, s: &str) -> Result<String, AppError> {
    let c = s.trim().to_ascii_uppercase();
    if c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()) {
        Ok(c)
    } else {
        Err(AppError::bad_request(
            "invalid_field",
            format!("{field}: an ISO 3166-1 alpha-2 country code such as TH or MM"),
        ))
    }
}

fn view(a: &Agreement, return_plan: Option<PlanPrefill>) -> AgreementView {
    let r = a.responsibilities;
    AgreementView {
        id: a.id.0,
        title: a.title.clone(),
        kind: a.kind,
        parties: a.parties.clone(),
        signed_on: iso(a.signed_on),
        responsibilities: ResponsibilitiesInput {
            travel_costs: r.travel_costs,
            escort: r.escort,
            reception: r.reception,
            reintegration_services: r.reintegration_services,
        },
        contact_points: a
            .contact_points
            .iter()
            .map(|c| ContactPointInput {
                country: c.country.clone(),
                office: c.office.clone(),
            })
            .collect(),
        return_plan,
    }
}

fn prefill(a: &Agreement) -> PlanPrefill {
    let plan = ReturnPlan::prefill(a);
    PlanPrefill {
        escort: plan.escort,
        costs: plan
            .costs
            .into_iter()
            .map(|c| CostView {
                item: c.item,
                payer: c.payer,
            })
            .collect(),
    }
}

impl App {
    /// Records an agreement (coordinators and administrators).
    pub async fn record_agreement(
        &self,
        who: &Principal,
        req: NewAgreement,
    ) -> Result<AgreementView, AppError> {
        if !may_record(who) {
            return Err(AppError::forbidden(
                "only coordinators and administrators record agreements",
            ));
        }
        let signed_on = Date::parse(&req.signed_on, format_description!("[year]-[month]-[day]"))
            .map_err(|_| {
                AppError::bad_request("invalid_field", "signed_on: a real date written YYYY-MM-DD")
            })?;
        let r = req.responsibilities;
        let agreement = Agreement {
            id: AgreementId(Uuid::new_v4()),
            title: req.title,
            kind: req.kind,
            parties: req.parties,
            signed_on,
            responsibilities: Responsibilities {
                travel_costs: r.travel_costs,
                escort: r.escort,
                reception: r.reception,
                reintegration_services: r.reintegration_services,
            },
            contact_points: req
                .contact_points
                .into_iter()
                .map(|c| ContactPoint {
                    country: c.country,
                    office: c.office,
                })
                .collect(),
        }
        .check(self.clock.today())?;
        if agreement.title.chars().count() > 300 {
            return Err(AppError::bad_request(
                "invalid_field",
                "title: at most 300 characters",
            ));
        }
        let id = agreement.id.0.to_string();
        let now = self.now_ms();
        let row = AgreementRow {
            id: id.clone(),
            title: agreement.title.clone(),
            parties: format!(",{},", agreement.parties.join(",")),
            record: serde_json::to_string(&agreement)
                .map_err(|_| AppError::internal("serialise"))?,
            created_by: who.id().to_string(),
            created_at: now,
        };
        let audit = AuditDraft::new(now, who.id().to_string(), "agreement.record")
            .record("agreement", &id)
            .org(who.org());
        self.store
            .insert_agreement(&row, &audit)
            .await
            .map_err(|e| match e {
                safepath_store::StoreError::Conflict(_) => AppError::new(
                    crate::ErrorKind::Conflict,
                    "agreement_exists",
                    "title: an agreement with this title is already recorded",
                ),
                other => other.into(),
            })?;
        Ok(view(&agreement, None))
    }

    /// One agreement of the registry.
    pub(crate) async fn agreement(&self, id: AgreementId) -> Result<Option<Agreement>, AppError> {
        for row in self.store.agreements(None).await? {
            let a: Agreement = serde_json::from_str(&row.record)
                .map_err(|_| AppError::internal("stored agreement"))?;
            if a.id == id {
                return Ok(Some(a));
            }
        }
        Ok(None)
    }

    /// The registry; with `destination` and `origin`, only the agreements
    /// covering that return, each with the plan it pre-fills.
    pub async fn agreements(
        &self,
        _who: &Principal,
        destination: Option<&str>,
        origin: Option<&str>,
    ) -> Result<Vec<AgreementView>, AppError> {
        let route = match (destination, origin) {
            (Some(d), Some(o)) => Some((country("destination", d)?, country("origin", o)?)),
            (None, None) => None,
            _ => {
                return Err(AppError::bad_request(
                    "invalid_field",
                    "destination and origin: give both, or neither",
                ));
            }
        };
        let rows = self
            .store
            .agreements(route.as_ref().map(|(d, _)| d.as_str()))
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let a: Agreement = serde_json::from_str(&row.record)
                .map_err(|_| AppError::internal("stored agreement"))?;
            match &route {
                Some((d, o)) if a.covers(d, o) => out.push(view(&a, Some(prefill(&a)))),
                Some(_) => {}
                None => out.push(view(&a, None)),
            }
        }
        Ok(out)
    }
}

/// Title, kind, parties, signed on, responsibilities, contact points.
type DemoAgreement = (
    &'static str,
    AgreementKind,
    &'static [&'static str],
    &'static str,
    ResponsibilitiesInput,
    &'static [(&'static str, &'static str)],
);

/// The demo's registry: three instruments of the region (titles and dates
/// as published; the split of responsibilities is illustrative, marked so).
pub(crate) async fn seed_demo(app: &App, coordinator: &Principal) -> Result<(), AppError> {
    use AgreementKind::{Bilateral, Regional};
    use ResponsibleParty::{Destination, InternationalOrganisation, Origin, Shared};
    let demo: [DemoAgreement; 3] = [
        (
            "Memorandum of Understanding between Thailand and Myanmar on cooperation to combat trafficking in persons (demo terms)",
            Bilateral,
            &["TH", "MM"],
            "2009-04-24",
            ResponsibilitiesInput {
                travel_costs: Destination,
                escort: Destination,
                reception: Origin,
                reintegration_services: Origin,
            },
            &[
                (
                    "TH",
                    "Anti-trafficking division, ministry of social development (demo)",
                ),
                ("MM", "Department of social welfare, return desk (demo)"),
            ],
        ),
        (
            "Memorandum of Understanding between Thailand and Cambodia on bilateral cooperation for eliminating trafficking in children and women (demo terms)",
            Bilateral,
            &["TH", "KH"],
            "2003-05-31",
            ResponsibilitiesInput {
                travel_costs: Shared,
                escort: Origin,
                reception: Origin,
                reintegration_services: Origin,
            },
            &[(
                "KH",
                "Ministry of social affairs, repatriation office (demo)",
            )],
        ),
        (
            "COMMIT Memorandum of Understanding on cooperation against trafficking in persons in the Greater Mekong Sub-region (demo terms)",
            Regional,
            &["KH", "CN", "LA", "MM", "TH", "VN"],
            "2004-10-29",
            ResponsibilitiesInput {
                travel_costs: InternationalOrganisation,
                escort: InternationalOrganisation,
                reception: Origin,
                reintegration_services: Shared,
            },
            &[],
        ),
    ];
    for (title, kind, parties, signed_on, responsibilities, contacts) in demo {
        app.record_agreement(
            coordinator,
            NewAgreement {
                title: title.into(),
                kind,
                parties: parties.iter().map(|p| (*p).to_owned()).collect(),
                signed_on: signed_on.into(),
                responsibilities,
                contact_points: contacts
                    .iter()
                    .map(|(country, office)| ContactPointInput {
                        country: (*country).into(),
                        office: (*office).into(),
                    })
                    .collect(),
            },
        )
        .await?;
    }
    Ok(())
}
