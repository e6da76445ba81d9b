//! Trainings of an organisation's staff (issue 13): coordinators record who
//! was trained, on what and when; the protection checklist counts the first
//! responders trained on identification. Staff records, no victim's data;
//! the list names staff, so reading it is audited like the accounts list.

use std::collections::{BTreeMap, BTreeSet};

use safepath_domain::access;
use safepath_domain::ids::UserId;
use safepath_domain::org::Role;
use safepath_domain::person::parse_iso_date;
use safepath_domain::training::{self, TrainingTopic};
use safepath_stats::checklist_facts::{AttendanceFact, trained_first_responders};
use safepath_store::{AuditDraft, TrainingRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::iso_day;
use crate::{App, AppError, Principal};

/// `POST /api/v1/trainings`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTrainingRequest {
    /// `YYYY-MM-DD`, not in the future.
    pub held_on: String,
    pub topic: TrainingTopic,
    /// Members of your organisation's staff who attended (at least one).
    pub attendee_ids: Vec<Uuid>,
    #[serde(default)]
    pub note: Option<String>,
}

/// A member of staff, as the trainings page names them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StaffMember {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrainingView {
    pub id: String,
    /// `YYYY-MM-DD`.
    pub held_on: String,
    pub topic: TrainingTopic,
    pub note: Option<String>,
    pub attendees: Vec<StaffMember>,
    /// Who recorded it (full name).
    pub recorded_by: String,
}

/// The organisation's trainings and its staff (to choose attendees from).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Trainings {
    pub items: Vec<TrainingView>,
    /// The staff who can sign in, by name.
    pub staff: Vec<StaffMember>,
}

/// The organisation's members: (full name, role, disabled) by id.
type Members = BTreeMap<UserId, (String, Role, bool)>;

/// A member by name and role. Accounts are never deleted, and attendees are
/// checked to be members, so the fallback only guards a broken row.
fn staff_member(members: &Members, id: UserId) -> StaffMember {
    match members.get(&id) {
        Some((name, role, _)) => StaffMember {
            id: id.0,
            name: name.clone(),
            role: *role,
        },
        None => StaffMember {
            id: id.0,
            name: "—".to_owned(),
            role: Role::Partner,
        },
    }
}

impl App {
    fn require_supervisor(who: &Principal) -> Result<(), AppError> {
        if access::capabilities(who.actor.role).supervises {
            Ok(())
        } else {
            Err(AppError::forbidden(
                "trainings are recorded by the organisation's coordinators",
            ))
        }
    }

    /// Everyone of the organisation, by id (disabled accounts included, so
    /// that past attendees keep their names).
    async fn org_members(&self, who: &Principal) -> Result<Members, AppError> {
        let mut out = BTreeMap::new();
        for u in self.store.all_users().await? {
            if u.org_id != who.org() {
                continue;
            }
            let role = Role::parse(&u.role).map_err(|_| AppError::internal("stored role"))?;
            out.insert(u.id, (u.full_name, role, u.disabled));
        }
        Ok(out)
    }

    /// The organisation's trainings, newest first (coordinators; audited).
    pub async fn trainings(&self, who: &Principal) -> Result<Trainings, AppError> {
        Self::require_supervisor(who)?;
        let members = self.org_members(who).await?;
        let rows = self.store.trainings(who.org()).await?;
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "training.list")
            .org(who.org())
            .detail(format!("results={}", rows.len()));
        self.store.append_audit(&audit).await?;
        let named = |id: UserId| staff_member(&members, id);
        let items = rows
            .into_iter()
            .map(|r| {
                Ok(TrainingView {
                    topic: TrainingTopic::parse(&r.topic)
                        .map_err(|_| AppError::internal("stored training topic"))?,
                    attendees: r.attendees.iter().map(|a| named(*a)).collect(),
                    recorded_by: named(r.recorded_by).name,
                    id: r.id,
                    held_on: r.held_on,
                    note: r.note,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        let staff = members
            .iter()
            .filter(|(_, m)| !m.2)
            .map(|(id, m)| StaffMember {
                id: id.0,
                name: m.0.clone(),
                role: m.1,
            })
            .collect();
        Ok(Trainings { items, staff })
    }

    /// Records a training of the organisation's staff (coordinators). Every
    /// attendee must be a member of the organisation.
    pub async fn record_training(
        &self,
        who: &Principal,
        req: NewTrainingRequest,
    ) -> Result<TrainingView, AppError> {
        Self::require_supervisor(who)?;
        let held_on = parse_iso_date("held_on", req.held_on.trim())?;
        let members = self.org_members(who).await?;
        let mut attendees = BTreeSet::new();
        for id in &req.attendee_ids {
            let id = UserId(*id);
            if !members.contains_key(&id) {
                return Err(AppError::bad_request(
                    "invalid_field",
                    "attendees: only members of your organisation's staff",
                ));
            }
            attendees.insert(id);
        }
        let t = training::check_training(
            held_on,
            req.topic,
            attendees,
            req.note.as_deref(),
            self.clock.today(),
        )?;
        let row = TrainingRow {
            id: Uuid::new_v4().to_string(),
            org_id: who.org(),
            held_on: iso_day(t.held_on),
            topic: t.topic.as_str().to_owned(),
            note: t.note.clone(),
            recorded_by: who.id(),
            created_at: self.now_ms(),
            attendees: t.attendees.iter().copied().collect(),
        };
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "training.create")
            .org(who.org())
            .detail(format!(
                "training={} topic={} attendees={}",
                row.id,
                row.topic,
                row.attendees.len()
            ));
        self.store.add_training(&row, &audit).await?;
        let named = |id: &UserId| staff_member(&members, *id);
        Ok(TrainingView {
            attendees: row.attendees.iter().map(named).collect(),
            recorded_by: named(&who.id()).name,
            id: row.id,
            held_on: row.held_on,
            topic: t.topic,
            note: row.note,
        })
    }

    /// First responders trained on identification, by year (for the
    /// checklist), within the statistics' scope. The counting rule is the
    /// statistics crate's.
    pub(crate) async fn trained_responders(
        &self,
        scope: Option<safepath_domain::ids::OrgId>,
    ) -> Result<BTreeMap<i32, u64>, AppError> {
        let attendances: Vec<AttendanceFact> = self
            .store
            .attendances(scope)
            .await?
            .into_iter()
            .filter_map(|a| {
                Some(AttendanceFact {
                    year: a.held_on.get(0..4)?.parse().ok()?,
                    staff: a.user_id.0.as_u128(),
                    identification: a.topic == TrainingTopic::Identification.as_str(),
                    first_responder: a.role == Role::FirstResponder.as_str(),
                })
            })
            .collect();
        Ok(trained_first_responders(&attendances))
    }
}

/// Demo: organisation A's first responder trained on identification, and a
/// case manager and the responder on interviewing (synthetic staff).
pub(crate) async fn seed_demo(app: &App, coordinator: &Principal) -> Result<(), AppError> {
    let members = app.org_members(coordinator).await?;
    let with_role = |role: Role| -> Vec<Uuid> {
        members
            .iter()
            .filter(|(_, m)| m.1 == role && !m.2)
            .map(|(id, _)| id.0)
            .collect()
    };
    let today = app.clock.today();
    for (days_ago, topic, roles, note) in [
        (
            40,
            TrainingTopic::Identification,
            vec![Role::FirstResponder],
            "Indicators and the screening, module 1 (synthetic)",
        ),
        (
            12,
            TrainingTopic::Interviewing,
            vec![Role::FirstResponder, Role::CaseManager],
            "Trauma-informed interviewing with an interpreter (synthetic)",
        ),
    ] {
        let attendee_ids: Vec<Uuid> = roles.into_iter().flat_map(with_role).collect();
        if attendee_ids.is_empty() {
            continue;
        }
        app.record_training(
            coordinator,
            NewTrainingRequest {
                held_on: iso_day(today - time::Duration::days(days_ago)),
                topic,
                attendee_ids,
                note: Some(note.to_owned()),
            },
        )
        .await?;
    }
    Ok(())
}
