//! Exhaustive tests of the need-to-know policy: every role × every action ×
//! every relation to a case, against a matrix written out by hand.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use proptest::prelude::*;
use safepath_domain::access::*;
use safepath_domain::ids::{CaseId, OrgId, UserId};
use safepath_domain::org::Role;
use uuid::Uuid;

/// Columns: case manager (same org, other org), associated (same, other),
/// unrelated (same org, other org). A = allow, F = forbidden (403), N = not found (404).
const MATRIX: &[(Role, &[(Action, &str)])] = &[
    (
        Role::Administrator,
        &[
            (Action::ListCases, "FFFFFF"),
            (Action::CreateCase, "FFFFFF"),
            (Action::ReadCase, "NNNNNN"),
            (Action::EditCase, "NNNNNN"),
            (Action::ReadCaseAudit, "NNNNNN"),
            (Action::BreakGlassRead, "AAAAAA"),
            (Action::ManageUsers, "AAAAAA"),
            (Action::ManageOrgs, "AAAAAA"),
            (Action::ReadStatistics, "AAAAAA"),
            (Action::EvaluateScreening, "AAAAAA"),
            (Action::ReadOrgAudit, "FFFFFF"),
        ],
    ),
    (
        Role::Coordinator,
        &[
            (Action::ListCases, "AAAAAA"),
            (Action::CreateCase, "AAAAAA"),
            (Action::ReadCase, "ANANAN"),
            (Action::EditCase, "ANANAN"),
            (Action::ReadCaseAudit, "ANANAN"),
            (Action::BreakGlassRead, "FNFNFN"),
            (Action::ManageUsers, "FFFFFF"),
            (Action::ManageOrgs, "FFFFFF"),
            (Action::ReadStatistics, "AAAAAA"),
            (Action::EvaluateScreening, "AAAAAA"),
            (Action::ReadOrgAudit, "AAAAAA"),
        ],
    ),
    (
        Role::CaseManager,
        &[
            (Action::ListCases, "AAAAAA"),
            (Action::CreateCase, "AAAAAA"),
            (Action::ReadCase, "ANANNN"),
            (Action::EditCase, "ANANNN"),
            (Action::ReadCaseAudit, "FNFNNN"),
            (Action::BreakGlassRead, "FNFNNN"),
            (Action::ManageUsers, "FFFFFF"),
            (Action::ManageOrgs, "FFFFFF"),
            (Action::ReadStatistics, "FFFFFF"),
            (Action::EvaluateScreening, "AAAAAA"),
            (Action::ReadOrgAudit, "FFFFFF"),
        ],
    ),
    (
        Role::FirstResponder,
        &[
            (Action::ListCases, "AAAAAA"),
            (Action::CreateCase, "AAAAAA"),
            (Action::ReadCase, "ANANNN"),
            (Action::EditCase, "ANFNNN"),
            (Action::ReadCaseAudit, "FNFNNN"),
            (Action::BreakGlassRead, "FNFNNN"),
            (Action::ManageUsers, "FFFFFF"),
            (Action::ManageOrgs, "FFFFFF"),
            (Action::ReadStatistics, "FFFFFF"),
            (Action::EvaluateScreening, "AAAAAA"),
            (Action::ReadOrgAudit, "FFFFFF"),
        ],
    ),
    (
        Role::ServiceProvider,
        &[
            (Action::ListCases, "AAAAAA"),
            (Action::CreateCase, "FFFFFF"),
            (Action::ReadCase, "ANANNN"),
            (Action::EditCase, "ANFNNN"),
            (Action::ReadCaseAudit, "FNFNNN"),
            (Action::BreakGlassRead, "FNFNNN"),
            (Action::ManageUsers, "FFFFFF"),
            (Action::ManageOrgs, "FFFFFF"),
            (Action::ReadStatistics, "FFFFFF"),
            (Action::EvaluateScreening, "AAAAAA"),
            (Action::ReadOrgAudit, "FFFFFF"),
        ],
    ),
    (
        Role::Analyst,
        &[
            (Action::ListCases, "FFFFFF"),
            (Action::CreateCase, "FFFFFF"),
            (Action::ReadCase, "NNNNNN"),
            (Action::EditCase, "NNNNNN"),
            (Action::ReadCaseAudit, "NNNNNN"),
            (Action::BreakGlassRead, "NNNNNN"),
            (Action::ManageUsers, "FFFFFF"),
            (Action::ManageOrgs, "FFFFFF"),
            (Action::ReadStatistics, "AAAAAA"),
            (Action::EvaluateScreening, "AAAAAA"),
            (Action::ReadOrgAudit, "FFFFFF"),
        ],
    ),
    (
        Role::Partner,
        &[
            (Action::ListCases, "AAAAAA"),
            (Action::CreateCase, "FFFFFF"),
            (Action::ReadCase, "ANANNN"),
            (Action::EditCase, "ANFNNN"),
            (Action::ReadCaseAudit, "FNFNNN"),
            (Action::BreakGlassRead, "FNFNNN"),
            (Action::ManageUsers, "FFFFFF"),
            (Action::ManageOrgs, "FFFFFF"),
            (Action::ReadStatistics, "FFFFFF"),
            (Action::EvaluateScreening, "AAAAAA"),
            (Action::ReadOrgAudit, "FFFFFF"),
        ],
    ),
];

fn letter(d: Decision) -> char {
    match d {
        Decision::Allow => 'A',
        Decision::Forbidden => 'F',
        Decision::NotFound => 'N',
    }
}

#[test]
fn every_role_action_and_relation_matches_the_matrix() {
    let mut checked = 0;
    assert_eq!(MATRIX.len(), Role::ALL.len());
    for role in Role::ALL {
        let (_, rows) = MATRIX
            .iter()
            .find(|(r, _)| *r == role)
            .expect("role in matrix");
        assert_eq!(rows.len(), Action::ALL.len(), "{role:?} lists every action");
        for action in Action::ALL {
            let (_, expected) = rows
                .iter()
                .find(|(a, _)| *a == action)
                .expect("action in matrix");
            let got: String = Relation::ALL
                .iter()
                .map(|rel| letter(decide_case(role, action, *rel)))
                .collect();
            assert_eq!(&got, expected, "{role:?} × {action:?}");
            checked += 6;
        }
    }
    assert_eq!(checked, 7 * 11 * 6);
}

/// The permission set of every role, written out: a change to who may do
/// what beyond a single case shows here. Columns: works cases, creates,
/// whole organisation, refers, traces, duplicates, detention, supervises,
/// agreements, own directory, any directory, statistics, organisation's
/// audit, break the glass, administers, sees the fund, posts to the fund.
const CAPABILITIES: [(Role, Landing, &str); 7] = [
    (Role::Administrator, Landing::Accounts, "FFFFFAFFAAAAFAAFF"),
    (Role::Coordinator, Landing::Cases, "AAAAAAAAAAFAAFFAA"),
    (Role::CaseManager, Landing::Cases, "AAFAAFFFFFFFFFFAF"),
    (Role::FirstResponder, Landing::Cases, "AAFFFFFFFFFFFFFFF"),
    (Role::ServiceProvider, Landing::Cases, "AFFAFFFFFFFFFFFFF"),
    (Role::Analyst, Landing::Statistics, "FFFFFFFFFFFAFFFFF"),
    (Role::Partner, Landing::Cases, "AFFAFFFFFFFFFFFFF"),
];

#[test]
fn every_roles_capabilities_match_the_table() {
    assert_eq!(CAPABILITIES.len(), Role::ALL.len());
    for (role, landing, expected) in CAPABILITIES {
        let c = capabilities(role);
        let got: String = [
            c.works_cases,
            c.creates_cases,
            c.sees_whole_org,
            c.refers,
            c.traces,
            c.reviews_duplicates,
            c.reviews_detention,
            c.supervises,
            c.records_agreements,
            c.edits_own_directory,
            c.edits_any_directory,
            c.reads_stats,
            c.reads_org_audit,
            c.breaks_glass,
            c.administers,
            c.sees_fund,
            c.posts_fund,
        ]
        .iter()
        .map(|b| if *b { 'A' } else { 'F' })
        .collect();
        assert_eq!(got, expected, "{role:?}");
        assert_eq!(c.lands_on, landing, "{role:?}");
        // Nobody who cannot list cases lands on them.
        assert_eq!(c.lands_on == Landing::Cases, c.works_cases, "{role:?}");
    }
}

#[test]
fn a_hidden_case_is_never_distinguishable_from_a_missing_one() {
    // Whenever the actor cannot see the case, every case action answers NotFound
    // — except an administrator's break-the-glass, which is its own audited path.
    for role in Role::ALL {
        for rel in Relation::ALL {
            if can_see(role, rel) {
                continue;
            }
            for action in [Action::ReadCase, Action::EditCase, Action::ReadCaseAudit] {
                assert_eq!(
                    decide_case(role, action, rel),
                    Decision::NotFound,
                    "{role:?} {action:?} {rel:?}"
                );
            }
        }
    }
}

fn actor(role: Role, id: u128, org: u128) -> Actor {
    Actor {
        id: UserId(Uuid::from_u128(id)),
        org: OrgId(Uuid::from_u128(org)),
        role,
    }
}

fn case(org: u128, manager: Option<u128>, associated: &[u128]) -> CaseFacts {
    CaseFacts {
        id: CaseId(Uuid::from_u128(999)),
        org: OrgId(Uuid::from_u128(org)),
        case_manager: manager.map(|m| UserId(Uuid::from_u128(m))),
        associated: associated
            .iter()
            .map(|a| UserId(Uuid::from_u128(*a)))
            .collect(),
    }
}

#[test]
fn authorize_mints_capabilities_only_on_allow() {
    let cm = actor(Role::CaseManager, 1, 10);
    let c = case(10, Some(1), &[]);
    let access = authorize(&cm, Action::ReadCase, &c).unwrap();
    assert_eq!(access.case(), c.id);
    assert_eq!(access.actor().id, cm.id);
    let stranger = actor(Role::CaseManager, 2, 20);
    assert_eq!(
        authorize(&stranger, Action::ReadCase, &c),
        Err(Decision::NotFound)
    );
    // Break-the-glass never comes from plain authorize.
    let admin = actor(Role::Administrator, 3, 10);
    assert_eq!(
        authorize(&admin, Action::BreakGlassRead, &c),
        Err(Decision::Forbidden)
    );
    assert_eq!(
        authorize(&admin, Action::ReadCase, &c),
        Err(Decision::NotFound)
    );
}

#[test]
fn a_contribution_through_a_referral_needs_a_shared_category_and_a_role_that_works_with_referrals()
{
    let c = case(10, Some(1), &[]);
    for role in &Role::ALL {
        let receiver = actor(*role, 5, 20);
        let allowed = authorize_referral_contribution(&receiver, &c, true);
        let expected = matches!(
            role,
            Role::CaseManager | Role::Coordinator | Role::ServiceProvider | Role::Partner
        );
        assert_eq!(allowed.is_ok(), expected, "{role:?}");
        if let Ok(a) = allowed {
            assert_eq!((a.case(), a.action()), (c.id, Action::EditCase));
        }
        // Nothing shared: nothing to contribute to (the case is not found).
        assert_eq!(
            authorize_referral_contribution(&receiver, &c, false),
            Err(Decision::NotFound)
        );
        // The owning organisation never goes through a referral.
        let own = actor(*role, 6, 10);
        assert_eq!(
            authorize_referral_contribution(&own, &c, true),
            Err(Decision::NotFound)
        );
    }
}

#[test]
fn break_the_glass_needs_an_administrator_and_a_reason() {
    let c = case(10, Some(1), &[]);
    let admin = actor(Role::Administrator, 3, 30);
    assert_eq!(
        break_glass(&admin, &c, "too short"),
        Err(BreakGlassRefusal::ReasonTooShort)
    );
    let access = break_glass(
        &admin,
        &c,
        "  Police report of imminent danger, case manager unreachable ",
    )
    .unwrap();
    assert_eq!(
        access.break_glass_reason(),
        Some("Police report of imminent danger, case manager unreachable")
    );
    let coordinator = actor(Role::Coordinator, 4, 10);
    assert_eq!(
        break_glass(&coordinator, &c, "Police report of imminent danger"),
        Err(BreakGlassRefusal::NotAllowed)
    );
}

fn any_role() -> impl Strategy<Value = Role> {
    prop::sample::select(Role::ALL.to_vec())
}

proptest! {
    /// The filter a storage query applies agrees with the per-case policy.
    #[test]
    fn list_visibility_agrees_with_the_policy(role in any_role(), me in 0u128..4, my_org in 0u128..3, org in 0u128..3,
                                              manager in prop::option::of(0u128..4), associated in prop::collection::vec(0u128..4, 0..3)) {
        let a = actor(role, me, my_org);
        let c = case(org, manager, &associated);
        let by_policy = decide_case(role, Action::ReadCase, Relation::of(&a, &c)) == Decision::Allow;
        prop_assert_eq!(visibility(&a).includes(&c), by_policy);
    }
}

/// The permission set pages ask for agrees with `authorize`, and only a
/// coordinator of the owning organisation decides.
#[test]
fn the_permission_set_follows_the_policy_and_only_coordinators_decide() {
    let org = OrgId(uuid::Uuid::from_u128(1));
    let other = OrgId(uuid::Uuid::from_u128(2));
    let cm = Actor {
        id: UserId(uuid::Uuid::from_u128(10)),
        org,
        role: Role::CaseManager,
    };
    let case = CaseFacts {
        id: CaseId(uuid::Uuid::from_u128(100)),
        org,
        case_manager: Some(cm.id),
        associated: vec![],
    };
    let p = case_permissions(&cm, &case);
    assert!(p.read && p.edit && !p.read_audit && !p.decide);
    let coordinator = Actor {
        id: UserId(uuid::Uuid::from_u128(11)),
        org,
        role: Role::Coordinator,
    };
    let p = case_permissions(&coordinator, &case);
    assert!(p.read && p.edit && p.read_audit && p.decide);
    let elsewhere = Actor {
        org: other,
        ..coordinator
    };
    assert_eq!(
        case_permissions(&elsewhere, &case),
        CasePermissions::default()
    );
    for role in [Role::Analyst, Role::Administrator, Role::FirstResponder] {
        let a = Actor {
            id: UserId(uuid::Uuid::from_u128(12)),
            org,
            role,
        };
        assert!(!case_permissions(&a, &case).decide);
    }
    for a in [cm, coordinator, elsewhere] {
        let p = case_permissions(&a, &case);
        assert_eq!(p.read, authorize(&a, Action::ReadCase, &case).is_ok());
        assert_eq!(p.edit, authorize(&a, Action::EditCase, &case).is_ok());
        assert_eq!(
            p.read_audit,
            authorize(&a, Action::ReadCaseAudit, &case).is_ok()
        );
    }
}
