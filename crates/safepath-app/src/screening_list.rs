//! A responder's own list of screenings (issue 10: "no list of one's own
//! screenings"). Anyone who screens sees those they carried out; a
//! coordinator sees every screening of their organisation. The list holds
//! no answers and no notes — each screening opens on its own page under its
//! own audit entry — and the listing itself is audited with the ids it
//! returned, like the case list.

use safepath_domain::access::{self, Action, Decision};
use safepath_domain::org::Role;
use safepath_store::{AuditDraft, ScreeningsOf};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::{App, AppError, Principal};

/// How many screenings a list shows; a longer history says it is cut.
pub const SCREENING_LIST_LIMIT: u32 = 100;

/// One screening in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreeningSummary {
    pub id: String,
    /// RFC 3339.
    pub created_at: String,
    pub outcome: String,
    /// `adult` or `child`.
    pub population: String,
    pub form: String,
    /// Whether the screening was referred into a case.
    pub referred: bool,
    /// The case, when this user may open it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub case_id: Option<Uuid>,
    /// Carried out by this user (a coordinator's list holds colleagues' too).
    pub mine: bool,
}

/// The list, newest first.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScreeningList {
    pub items: Vec<ScreeningSummary>,
    /// True when older screenings exist beyond the list.
    pub cut: bool,
    /// Whose screenings: `mine` or `organisation`.
    pub scope: String,
}

impl App {
    /// The screenings this user carried out, or, for a coordinator, their
    /// organisation's.
    pub async fn list_screenings(&self, who: &Principal) -> Result<ScreeningList, AppError> {
        // Those who may screen (and so may refer into a case) have a list.
        if access::decide_global(who.actor.role, Action::CreateCase) != Decision::Allow {
            return Err(AppError::forbidden(
                "your role does not carry out screenings",
            ));
        }
        let (of, scope) = if who.actor.role == Role::Coordinator {
            (ScreeningsOf::Org(who.org()), "organisation")
        } else {
            (ScreeningsOf::User(who.id()), "mine")
        };
        let audit = AuditDraft::new(self.now_ms(), who.id().to_string(), "screening.list")
            .org(who.org())
            .detail(format!("scope={scope}"));
        let (rows, cut) = self
            .store
            .list_screenings(of, SCREENING_LIST_LIMIT, audit)
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in rows {
            // A case link only for a case this user may open.
            let case_id = match row.case_id {
                Some(case) => match self.store.case_facts(case).await? {
                    Some(facts)
                        if access::authorize(&who.actor, Action::ReadCase, &facts).is_ok() =>
                    {
                        Some(case.0)
                    }
                    _ => None,
                },
                None => None,
            };
            items.push(ScreeningSummary {
                id: row.id,
                created_at: rfc3339(row.created_at),
                outcome: row.outcome,
                population: row.population,
                form: row.form,
                referred: row.case_id.is_some(),
                case_id,
                mine: row.screened_by == who.id(),
            });
        }
        Ok(ScreeningList {
            items,
            cut,
            scope: scope.to_owned(),
        })
    }
}
