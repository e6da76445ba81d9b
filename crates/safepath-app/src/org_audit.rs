//! An organisation's audit trail for its coordinators (issue 10): what its
//! staff did and what was done to its records, newest first, narrowed by
//! person, kind of work and dates, each entry in words. Entries carry ids
//! and codes only (never a person's name: D2), so nothing here is unsealed;
//! a case is named by its reference. Reading the trail is itself audited.

use safepath_domain::access::{self, Action, Decision};
use safepath_domain::ids::CaseId;
use safepath_store::{AuditDraft, OrgAuditQuery};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::clock::rfc3339;
use crate::{App, AppError, Principal};

/// Entries per page.
pub const ORG_AUDIT_PAGE: i64 = 50;

/// The kinds of work an entry belongs to, each with the first segments of
/// its actions. An action of no listed kind is `other`.
pub const GROUPS: [(&str, &[&str]); 8] = [
    (
        "case",
        &[
            "case",
            "casework",
            "case_records",
            "need",
            "task",
            "goal",
            "assessment",
            "feedback",
            "worklist",
            "approval",
            "document",
        ],
    ),
    ("identification", &["decision", "decisions", "screening"]),
    (
        "sharing",
        &[
            "referral",
            "referrals",
            "consent",
            "consents",
            "service",
            "shelter",
            "stay",
            "detention_flags",
        ],
    ),
    ("justice", &["justice", "fund"]),
    (
        "solutions",
        &[
            "handover",
            "return",
            "repatriation",
            "reintegration_assessment",
            "security_assessment",
            "agreement",
        ],
    ),
    ("tracing", &["tracing", "dedupe"]),
    ("statistics", &["stats"]),
    (
        "accounts",
        &[
            "login",
            "logout",
            "session",
            "user",
            "org",
            "audit",
            "two_factor",
            "password",
        ],
    ),
];

/// The kind of work of an action (`case.read` → `case`).
pub fn group_of(action: &str) -> &'static str {
    let head = action.split('.').next().unwrap_or_default();
    GROUPS
        .iter()
        .find(|(_, heads)| heads.contains(&head))
        .map_or("other", |(g, _)| g)
}

/// Whether the entry records a look (a read or a list) rather than a change.
pub fn is_viewing(action: &str) -> bool {
    let last = action.rsplit('.').next().unwrap_or_default();
    // A release of statistics spends privacy budget and lets numbers leave:
    // a change, not a look.
    let releases = matches!(
        action,
        "stats.release" | "stats.dp_release" | "stats.dp_synthetic" | "stats.export"
    );
    !releases
        && (matches!(last, "read" | "list" | "inbox" | "scan" | "open" | "search")
            || action.starts_with("stats.")
            || action.ends_with("_scan"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn releases_of_statistics_are_changes_and_reads_are_looks() {
        for a in [
            "stats.release",
            "stats.dp_release",
            "stats.dp_synthetic",
            "stats.export",
        ] {
            assert!(!is_viewing(a), "{a}");
            assert_eq!(group_of(a), "statistics");
        }
        for a in [
            "stats.read",
            "stats.checklist",
            "case.read",
            "case.list",
            "referrals.inbox",
        ] {
            assert!(is_viewing(a), "{a}");
        }
        assert!(!is_viewing("case.create"));
        assert_eq!(group_of("no_such.thing"), "other");
    }
}

/// What the trail is narrowed to (all optional).
#[derive(Debug, Clone, Default)]
pub struct OrgAuditFilter {
    /// One member of the organisation.
    pub user: Option<Uuid>,
    /// One kind of work (see [`GROUPS`]).
    pub group: Option<String>,
    /// From this day (`YYYY-MM-DD`), inclusive.
    pub from: Option<String>,
    /// Up to this day, inclusive.
    pub to: Option<String>,
    /// Entries older than this one (the next page).
    pub before: Option<i64>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgAuditEntry {
    pub seq: i64,
    pub at: String,
    /// "Full Name (Organisation)", "SafePath (scheduled)" or "Command line".
    pub actor_name: String,
    pub action: String,
    /// The kind of work (see [`GROUPS`]).
    pub group: String,
    /// A look (read, list) rather than a change.
    pub viewing: bool,
    /// The case the entry is about, when it is about one of the
    /// organisation's cases.
    pub case_id: Option<Uuid>,
    pub case_reference: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrgAudit {
    pub entries: Vec<OrgAuditEntry>,
    /// `before` of the next page, when there are older entries.
    pub older: Option<i64>,
    /// The organisation's members (id, full name), for the filter.
    pub members: Vec<(Uuid, String)>,
}

/// Milliseconds at the start of a day (`YYYY-MM-DD`), UTC.
fn day_start_ms(day: &str, field: &str) -> Result<i64, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(day, &format)
        .map(|d| d.midnight().assume_utc().unix_timestamp() * 1000)
        .map_err(|_| {
            AppError::bad_request(
                "invalid_field",
                format!("{field}: a day such as 2026-12-06"),
            )
        })
}

impl App {
    /// The coordinator's organisation's audit trail, narrowed by `f`.
    pub async fn org_audit(
        &self,
        who: &Principal,
        f: &OrgAuditFilter,
    ) -> Result<OrgAudit, AppError> {
        if access::decide_global(who.actor.role, Action::ReadOrgAudit) != Decision::Allow {
            return Err(AppError::forbidden(
                "only a coordinator reads the organisation's audit trail",
            ));
        }
        let org = who.org();
        let members: Vec<(Uuid, String)> = {
            let mut m: Vec<(Uuid, String)> = self
                .store
                .all_users()
                .await?
                .into_iter()
                .filter(|u| u.org_id == org)
                .map(|u| (u.id.0, u.full_name))
                .collect();
            m.sort_by_key(|(_, name)| name.to_lowercase());
            m
        };
        if let Some(u) = f.user
            && !members.iter().any(|(id, _)| *id == u)
        {
            return Err(AppError::bad_request(
                "invalid_field",
                "user: not a member of your organisation",
            ));
        }
        let action_prefixes = match f.group.as_deref() {
            None => Vec::new(),
            Some(g) => GROUPS
                .iter()
                .find(|(name, _)| *name == g)
                .map(|(_, heads)| heads.iter().map(|h| format!("{h}.")).collect())
                .ok_or_else(|| {
                    AppError::bad_request("invalid_field", "group: not a kind of work")
                })?,
        };
        let from_ms = f
            .from
            .as_deref()
            .map(|d| day_start_ms(d, "from"))
            .transpose()?;
        let to_ms =
            f.to.as_deref()
                .map(|d| day_start_ms(d, "to").map(|ms| ms + 86_400_000))
                .transpose()?;
        if let (Some(a), Some(b)) = (from_ms, to_ms)
            && a >= b
        {
            return Err(AppError::bad_request(
                "invalid_field",
                "to: on or after the first day",
            ));
        }
        let q = OrgAuditQuery {
            actor: f.user.map(|u| u.to_string()),
            action_prefixes,
            from_ms,
            to_ms,
            before_seq: f.before,
            // One more than shown, to know whether there is an older page.
            limit: ORG_AUDIT_PAGE + 1,
        };
        let mut rows = self.store.audit_for_org(org, &q).await?;
        self.store
            .append_audit(
                &AuditDraft::new(self.now_ms(), who.id().to_string(), "audit.read_org")
                    .org(org)
                    .detail(format!(
                        "results={}",
                        rows.len().min(ORG_AUDIT_PAGE as usize)
                    )),
            )
            .await?;
        let older = (rows.len() as i64 > ORG_AUDIT_PAGE).then(|| {
            rows.truncate(ORG_AUDIT_PAGE as usize);
            rows.last().map(|e| e.entry.seq)
        });
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        let mut references: BTreeMap<String, Option<String>> = BTreeMap::new();
        let mut entries = Vec::with_capacity(rows.len());
        for e in rows {
            let e = e.entry;
            if !names.contains_key(&e.actor) {
                // The organisation's own staff by name alone; anyone else
                // with their organisation.
                let own = members
                    .iter()
                    .find(|(id, _)| id.to_string() == e.actor)
                    .map(|(_, name)| name.clone());
                let name = match own {
                    Some(n) => n,
                    None => self.actor_name(&e.actor).await?,
                };
                names.insert(e.actor.clone(), name);
            }
            // A case is named only if it is the organisation's own.
            let case = match (e.record_type.as_deref(), e.record_id.as_deref()) {
                (Some("case"), Some(id)) => Uuid::parse_str(id).ok(),
                _ => None,
            };
            let reference = match case {
                Some(c) => {
                    let key = c.to_string();
                    if !references.contains_key(&key) {
                        let own = self
                            .store
                            .case_facts(CaseId(c))
                            .await?
                            .filter(|facts| facts.org == org);
                        let r = match own {
                            Some(_) => self.store.case_reference(CaseId(c)).await?,
                            None => None,
                        };
                        references.insert(key.clone(), r);
                    }
                    references.get(&key).cloned().flatten()
                }
                None => None,
            };
            entries.push(OrgAuditEntry {
                seq: e.seq,
                at: rfc3339(e.at_ms),
                actor_name: names.get(&e.actor).cloned().unwrap_or_default(),
                group: group_of(&e.action).to_owned(),
                viewing: is_viewing(&e.action),
                case_id: reference.as_ref().and(case),
                case_reference: reference,
                action: e.action,
            });
        }
        Ok(OrgAudit {
            entries,
            older: older.flatten(),
            members,
        })
    }
}
