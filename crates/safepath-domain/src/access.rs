//! The need-to-know access policy, as pure code.
//!
//! A case is visible to its case manager, the users explicitly associated with
//! it, and the coordinators (supervisors) of the owning organisation. Anyone
//! else is told the case does not exist ([`Decision::NotFound`]), so that the
//! answer is indistinguishable from a missing case. Analysts never see personal
//! data; administrators manage accounts, not case contents, and may only read a
//! case by breaking the glass with a stated reason.
//!
//! Sensitive reads need a [`CaseAccess`], which only this module can mint.

use crate::ids::{CaseId, OrgId, UserId};
use crate::org::Role;

/// Something a user may try to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    /// See the list of cases (filtered by [`visibility`]).
    ListCases,
    CreateCase,
    ReadCase,
    EditCase,
    /// Read the audit trail of one case.
    ReadCaseAudit,
    /// An administrator's emergency read, with a reason.
    BreakGlassRead,
    ManageUsers,
    ManageOrgs,
    ReadStatistics,
    /// Run the screening instrument without storing anything.
    EvaluateScreening,
    /// Read the audit trail of one's whole organisation (what its staff did,
    /// and what was done to its records).
    ReadOrgAudit,
}

impl Action {
    pub const ALL: [Action; 11] = [
        Action::ListCases,
        Action::CreateCase,
        Action::ReadCase,
        Action::EditCase,
        Action::ReadCaseAudit,
        Action::BreakGlassRead,
        Action::ManageUsers,
        Action::ManageOrgs,
        Action::ReadStatistics,
        Action::EvaluateScreening,
        Action::ReadOrgAudit,
    ];
    /// Actions that concern one existing case.
    pub fn is_case_scoped(self) -> bool {
        matches!(
            self,
            Action::ReadCase | Action::EditCase | Action::ReadCaseAudit | Action::BreakGlassRead
        )
    }
}

/// The acting user, as the session establishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Actor {
    pub id: UserId,
    pub org: OrgId,
    pub role: Role,
}

/// The facts about a case the policy needs (no personal data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseFacts {
    pub id: CaseId,
    pub org: OrgId,
    pub case_manager: Option<UserId>,
    pub associated: Vec<UserId>,
}

/// How the actor is linked to a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Link {
    CaseManager,
    Associated,
    None,
}

/// How the actor stands to a case: their link, and whether they belong to the
/// owning organisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Relation {
    pub link: Link,
    pub same_org: bool,
}

impl Relation {
    /// Every possible relation, for exhaustive tests.
    pub const ALL: [Relation; 6] = [
        Relation {
            link: Link::CaseManager,
            same_org: true,
        },
        Relation {
            link: Link::CaseManager,
            same_org: false,
        },
        Relation {
            link: Link::Associated,
            same_org: true,
        },
        Relation {
            link: Link::Associated,
            same_org: false,
        },
        Relation {
            link: Link::None,
            same_org: true,
        },
        Relation {
            link: Link::None,
            same_org: false,
        },
    ];

    /// A link to a case counts only inside the owning organisation: across
    /// organisations the only roads are a consented referral (and a consented
    /// cross-border handover), never a name put on the case.
    pub fn of(actor: &Actor, case: &CaseFacts) -> Relation {
        let link = if case.org != actor.org {
            Link::None
        } else if case.case_manager == Some(actor.id) {
            Link::CaseManager
        } else if case.associated.contains(&actor.id) {
            Link::Associated
        } else {
            Link::None
        };
        Relation {
            link,
            same_org: case.org == actor.org,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// The actor may know the thing exists but may not do this (HTTP 403).
    Forbidden,
    /// Answer exactly as if the case did not exist (HTTP 404).
    NotFound,
}

/// Whether a role handles referrals for its organisation: answers the inbox
/// and, once a referral is accepted, works with the categories it shares.
/// First responders refer from a screening but do not receive; analysts and
/// administrators never see a person's data.
pub fn works_with_referrals(role: Role) -> bool {
    matches!(
        role,
        Role::CaseManager | Role::Coordinator | Role::ServiceProvider | Role::Partner
    )
}

/// Where a role's day starts in the browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing {
    /// The case list (every role that works with cases).
    Cases,
    /// The statistics (analysts: never a person's data).
    Statistics,
    /// The accounts (administrators work with accounts, not cases).
    Accounts,
}

/// What a role may do beyond a single case: the permission set that menus,
/// landing pages and forms ask for, and that the app's use cases check, so
/// that no page tests a role itself. Each field is derived from the rules
/// above where one exists ([`decide_global`], [`works_with_referrals`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    pub lands_on: Landing,
    /// Lists and opens cases (of their own, or the organisation's).
    pub works_cases: bool,
    /// Creates cases and screens.
    pub creates_cases: bool,
    /// Sees every case of the organisation (coordinators), not only the
    /// cases they manage or are associated with.
    pub sees_whole_org: bool,
    /// Answers the referral inbox and works with the categories shared.
    pub refers: bool,
    /// Records and follows family-tracing requests.
    pub traces: bool,
    /// Starts de-duplication runs and decides their pairs.
    pub reviews_duplicates: bool,
    /// Reviews stays that may amount to detention.
    pub reviews_detention: bool,
    /// Approves or returns the case managers' requests, sees the
    /// organisation's review queue, service feedback and fatigue.
    pub supervises: bool,
    /// Records agreements between countries.
    pub records_agreements: bool,
    /// Edits the directory entries of their own organisation.
    pub edits_own_directory: bool,
    /// Edits every organisation's directory entries.
    pub edits_any_directory: bool,
    pub reads_stats: bool,
    pub reads_org_audit: bool,
    pub breaks_glass: bool,
    pub administers: bool,
    /// Sees the victim compensation fund's accounts and requests payments
    /// for the cases they work on.
    pub sees_fund: bool,
    /// Posts to the fund, approves, reverses, opens accounts, reads the
    /// ledger.
    pub posts_fund: bool,
}

impl Capabilities {
    /// Whether the directory entries (services) of `org` may be edited by
    /// a user of `own_org` with these capabilities.
    pub fn edits_directory_of(&self, own_org: OrgId, org: OrgId) -> bool {
        self.edits_any_directory || (self.edits_own_directory && own_org == org)
    }
}

/// The permission set of a role (see [`Capabilities`]).
pub fn capabilities(role: Role) -> Capabilities {
    use Role::*;
    let allows = |a| decide_global(role, a) == Decision::Allow;
    Capabilities {
        lands_on: match role {
            Analyst => Landing::Statistics,
            Administrator => Landing::Accounts,
            _ => Landing::Cases,
        },
        works_cases: allows(Action::ListCases),
        creates_cases: allows(Action::CreateCase),
        sees_whole_org: matches!(visibility_of_role(role), RoleVisibility::Organisation),
        refers: works_with_referrals(role),
        traces: matches!(role, CaseManager | Coordinator),
        reviews_duplicates: matches!(role, Coordinator | Administrator),
        reviews_detention: role == Coordinator,
        supervises: role == Coordinator,
        records_agreements: matches!(role, Coordinator | Administrator),
        edits_own_directory: matches!(role, Coordinator | Administrator),
        edits_any_directory: role == Administrator,
        reads_stats: allows(Action::ReadStatistics),
        reads_org_audit: allows(Action::ReadOrgAudit),
        breaks_glass: allows(Action::BreakGlassRead),
        administers: allows(Action::ManageUsers),
        sees_fund: matches!(role, Coordinator | CaseManager),
        posts_fund: role == Coordinator,
    }
}

/// How far a role's view of cases reaches, whoever the user is.
enum RoleVisibility {
    Nothing,
    Own,
    Organisation,
}

fn visibility_of_role(role: Role) -> RoleVisibility {
    if !sees_case_contents(role) {
        RoleVisibility::Nothing
    } else if role == Role::Coordinator {
        RoleVisibility::Organisation
    } else {
        RoleVisibility::Own
    }
}

/// Whether a role can ever see personal data of a case it works on.
fn sees_case_contents(role: Role) -> bool {
    !matches!(role, Role::Analyst | Role::Administrator)
}

/// Can this actor see the case at all (the basis of lists and searches too)?
pub fn can_see(role: Role, rel: Relation) -> bool {
    // Links count only inside the owning organisation (see `Relation::of`);
    // the rule says so again here so that no caller can build a relation
    // that crosses organisations.
    sees_case_contents(role)
        && rel.same_org
        && (rel.link != Link::None || role == Role::Coordinator)
}

/// The policy for actions that concern no single case.
pub fn decide_global(role: Role, action: Action) -> Decision {
    use Action::*;
    use Role::*;
    let allowed = match action {
        ListCases => !matches!(role, Analyst | Administrator),
        CreateCase => matches!(role, Coordinator | CaseManager | FirstResponder),
        ManageUsers | ManageOrgs => role == Administrator,
        ReadStatistics => matches!(role, Analyst | Coordinator | Administrator),
        EvaluateScreening => true,
        ReadOrgAudit => role == Coordinator,
        BreakGlassRead => role == Administrator,
        ReadCase | EditCase | ReadCaseAudit => false,
    };
    if allowed {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

/// The policy for one case, given how the actor stands to it.
pub fn decide_case(role: Role, action: Action, rel: Relation) -> Decision {
    use Action::*;
    let visible = can_see(role, rel);
    let allow_if_visible = |allowed: bool| {
        if allowed {
            Decision::Allow
        } else if visible {
            Decision::Forbidden
        } else {
            Decision::NotFound
        }
    };
    let owner_coordinator = role == Role::Coordinator && rel.same_org;
    match action {
        ReadCase => allow_if_visible(visible),
        EditCase => allow_if_visible(
            visible
                && (rel.link == Link::CaseManager
                    || owner_coordinator
                    || (rel.link == Link::Associated && role == Role::CaseManager)),
        ),
        // Only the owning organisation's coordinators read a case's audit trail.
        ReadCaseAudit => allow_if_visible(visible && owner_coordinator),
        // Breaking the glass is not a relationship: any administrator, any
        // case, but only with a reason (checked by `break_glass`).
        BreakGlassRead => allow_if_visible(role == Role::Administrator),
        ListCases | CreateCase | ManageUsers | ManageOrgs | ReadStatistics | EvaluateScreening
        | ReadOrgAudit => decide_global(role, action),
    }
}

/// Proof that the policy allowed `action` on one case for one actor. Its
/// fields are private: only [`authorize`] and [`break_glass`] create one, and
/// the app layer demands it before it decrypts anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseAccess {
    actor: Actor,
    case: CaseId,
    action: Action,
    break_glass_reason: Option<String>,
}

impl CaseAccess {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    pub fn case(&self) -> CaseId {
        self.case
    }
    pub fn action(&self) -> Action {
        self.action
    }
    pub fn break_glass_reason(&self) -> Option<&str> {
        self.break_glass_reason.as_deref()
    }
}

/// Decides, and on `Allow` mints the capability.
pub fn authorize(actor: &Actor, action: Action, case: &CaseFacts) -> Result<CaseAccess, Decision> {
    let rel = Relation::of(actor, case);
    match decide_case(actor.role, action, rel) {
        Decision::Allow if action != Action::BreakGlassRead => Ok(CaseAccess {
            actor: *actor,
            case: case.id,
            action,
            break_glass_reason: None,
        }),
        Decision::Allow => Err(Decision::Forbidden),
        other => Err(other),
    }
}

/// A read through an accepted referral: a user of the receiving organisation
/// sees the case, but only the data categories its consent-covered referrals
/// share (`shared_any` says whether there is at least one). The caller must
/// restrict the view to those categories.
pub fn authorize_referral_read(
    actor: &Actor,
    case: &CaseFacts,
    shared_any: bool,
) -> Result<CaseAccess, Decision> {
    if shared_any && sees_case_contents(actor.role) && actor.org != case.org {
        Ok(CaseAccess {
            actor: *actor,
            case: case.id,
            action: Action::ReadCase,
            break_glass_reason: None,
        })
    } else {
        Err(Decision::NotFound)
    }
}

/// A contribution through an accepted referral: a user of the receiving
/// organisation who works with referrals adds to the case what its service
/// produced (a medical report, court papers), within the data categories its
/// consent-covered referrals share (`shared_any`: at least one). The caller
/// must check each contribution's category; nothing else of the case opens.
pub fn authorize_referral_contribution(
    actor: &Actor,
    case: &CaseFacts,
    shared_any: bool,
) -> Result<CaseAccess, Decision> {
    if shared_any
        && works_with_referrals(actor.role)
        && sees_case_contents(actor.role)
        && actor.org != case.org
    {
        Ok(CaseAccess {
            actor: *actor,
            case: case.id,
            action: Action::EditCase,
            break_glass_reason: None,
        })
    } else {
        Err(Decision::NotFound)
    }
}

/// The shortest reason accepted for breaking the glass.
pub const BREAK_GLASS_MIN_REASON: usize = 15;

/// An administrator's emergency read. The reason is required, kept with the
/// audit entry and shown to the owning organisation's coordinators.
pub fn break_glass(
    actor: &Actor,
    case: &CaseFacts,
    reason: &str,
) -> Result<CaseAccess, BreakGlassRefusal> {
    if decide_case(
        actor.role,
        Action::BreakGlassRead,
        Relation::of(actor, case),
    ) != Decision::Allow
    {
        return Err(BreakGlassRefusal::NotAllowed);
    }
    let reason = reason.trim();
    if reason.chars().count() < BREAK_GLASS_MIN_REASON {
        return Err(BreakGlassRefusal::ReasonTooShort);
    }
    Ok(CaseAccess {
        actor: *actor,
        case: case.id,
        action: Action::BreakGlassRead,
        break_glass_reason: Some(reason.to_owned()),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakGlassRefusal {
    NotAllowed,
    ReasonTooShort,
}

/// What an actor may do on one case: the permission set that pages and the
/// API ask for instead of testing roles themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CasePermissions {
    pub read: bool,
    pub edit: bool,
    /// Read the case's audit trail.
    pub read_audit: bool,
    /// Record identification decisions: the authorised decision-maker, a
    /// coordinator of the owning organisation.
    pub decide: bool,
}

/// The permission set of `actor` on `case`, from the same rules as
/// [`authorize`].
pub fn case_permissions(actor: &Actor, case: &CaseFacts) -> CasePermissions {
    let rel = Relation::of(actor, case);
    let allows = |a| decide_case(actor.role, a, rel) == Decision::Allow;
    let edit = allows(Action::EditCase);
    CasePermissions {
        read: allows(Action::ReadCase),
        edit,
        read_audit: allows(Action::ReadCaseAudit),
        decide: edit && actor.role == Role::Coordinator && rel.same_org,
    }
}

/// Which cases a list or search may return for this actor: the same rule as
/// [`can_see`], in a form a storage query can apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Nothing at all (analysts, administrators).
    Nothing,
    /// Cases of the user's organisation that they manage or are associated
    /// with (links count only inside the owning organisation).
    Own(UserId, OrgId),
    /// Every case the organisation owns (coordinators).
    OwnAndOrg(UserId, OrgId),
}

pub fn visibility(actor: &Actor) -> Visibility {
    match visibility_of_role(actor.role) {
        RoleVisibility::Nothing => Visibility::Nothing,
        RoleVisibility::Organisation => Visibility::OwnAndOrg(actor.id, actor.org),
        RoleVisibility::Own => Visibility::Own(actor.id, actor.org),
    }
}

impl Visibility {
    /// Whether a case falls inside this visibility (used to check storage filters).
    pub fn includes(&self, case: &CaseFacts) -> bool {
        match *self {
            Visibility::Nothing => false,
            Visibility::Own(u, o) => {
                case.org == o && (case.case_manager == Some(u) || case.associated.contains(&u))
            }
            Visibility::OwnAndOrg(_, o) => case.org == o,
        }
    }
}
