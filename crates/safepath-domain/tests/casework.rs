//! Exhaustive tests of the case-management rules: every lifecycle pair, every
//! approval state × action × role, every consent rule, every referral state ×
//! action × side, the needs assessment, care plan and review queue, and
//! shelter eligibility and detention flags — each against a table written out
//! by hand. Only synthetic data: ids are small numbers, texts are generic.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::collections::BTreeSet;

use proptest::prelude::*;
use safepath_domain::access::{Actor, Link, Relation};
use safepath_domain::case::CaseStatus;
use safepath_domain::casework::approvals::{
    self, Approval, ApprovalAction, ApprovalState, ApprovalSubject,
};
use safepath_domain::casework::consent::{
    self, Consent, ConsentPurpose, ConsentRefusal, DataCategory, GuardianConsent, RefusalKind,
    allowed_categories, covers, withdraw,
};
use safepath_domain::casework::ids::{ApprovalId, ConsentId, GoalId, NeedId, ReferralId, TaskId};
use safepath_domain::casework::lifecycle::{self, TransitionContext, TransitionKind};
use safepath_domain::casework::needs::{
    self, Beneficiary, Goal, Need, NeedDomain, NeedStatus, Priority, Profile, ReviewFacts, SubArea,
    Task,
};
use safepath_domain::casework::referral::{
    self, NewReferral, Referral, ReferralAction, ReferralState, Side, Urgency,
};
use safepath_domain::casework::shelter::{
    self, DetentionFlag, Eligibility, ShelterCandidate, ShelterRegime, ShelterType, Stay,
};
use safepath_domain::ids::{CaseId, OrgId, UserId};
use safepath_domain::org::Role;
use safepath_domain::person::GenderIdentity;
use time::macros::{date, datetime};
use time::{Date, Duration};
use uuid::Uuid;

fn org(n: u128) -> OrgId {
    OrgId(Uuid::from_u128(n))
}
fn user(n: u128) -> UserId {
    UserId(Uuid::from_u128(n))
}
fn cid(n: u128) -> ConsentId {
    ConsentId(Uuid::from_u128(n))
}
fn cats(list: &[DataCategory]) -> BTreeSet<DataCategory> {
    list.iter().copied().collect()
}

const SAME_ORG_CM: Relation = Relation {
    link: Link::CaseManager,
    same_org: true,
};
const SAME_ORG_UNLINKED: Relation = Relation {
    link: Link::None,
    same_org: true,
};
const OTHER_ORG_UNLINKED: Relation = Relation {
    link: Link::None,
    same_org: false,
};

// ---------------------------------------------------------------------------
// Lifecycle
// ---------------------------------------------------------------------------

/// Rows: from; columns: to, both in `CaseStatus::ALL` order (referred,
/// presumed_victim, in_protection, identified, not_identified,
/// solution_planning, reintegration, repatriation, follow_up, closed).
/// `=` same status, `.` no such edge, `F` forward, `S` forward needing a
/// security assessment, `N` negative decision, `O` reconsideration, `P`
/// re-plan, `C` closure, `R` re-opening.
const LIFECYCLE: [&str; 10] = [
    /* referred          */ "=F.......C",
    /* presumed_victim   */ ".=F......C",
    /* in_protection     */ "..=FN....C",
    /* identified        */ "...=.F...C",
    /* not_identified    */ "..O.=....C",
    /* solution_planning */ ".....=FS.C",
    /* reintegration     */ ".....P=.FC",
    /* repatriation      */ ".....P.=FC",
    /* follow_up         */ "........=C",
    /* closed            */ "R.......R=",
];

fn expected_edge(from: usize, to: usize) -> char {
    LIFECYCLE[from].as_bytes()[to] as char
}

fn full_ctx() -> TransitionContext {
    TransitionContext {
        actor: Role::Coordinator,
        relation: SAME_ORG_UNLINKED,
        reason: Some("  Agreed at the interagency review.  ".into()),
        closure_approved: true,
        security_assessment_recorded: true,
        security_assessment: None,
        person_is_child: false,
        best_interests_determination_recorded: false,
        decision: None,
        return_block: None,
        solution_chosen: None,
    }
}

/// Walks an edge as the rule's caller would: an edge with legal meaning
/// together with the formal decision it stands for.
fn walk(
    from: CaseStatus,
    to: CaseStatus,
    ctx: &TransitionContext,
) -> Result<lifecycle::Transition, safepath_domain::DomainError> {
    use safepath_domain::solutions::assessment::DurableSolution;
    let ctx = TransitionContext {
        decision: lifecycle::decision_needed(from, to),
        // The reintegration assessment's choice goes with an edge towards a
        // solution, as the case's records would hold it.
        solution_chosen: match to {
            CaseStatus::ReintegrationInProgress => ctx
                .solution_chosen
                .or(Some(DurableSolution::LocalIntegration)),
            _ => ctx.solution_chosen,
        },
        ..ctx.clone()
    };
    lifecycle::transition(from, to, &ctx)
}

fn pairs() -> impl Iterator<Item = (usize, CaseStatus, usize, CaseStatus)> {
    CaseStatus::ALL
        .into_iter()
        .enumerate()
        .flat_map(|(i, from)| {
            CaseStatus::ALL
                .into_iter()
                .enumerate()
                .map(move |(j, to)| (i, from, j, to))
        })
}

#[test]
fn every_pair_of_statuses_matches_the_table() {
    let ctx = full_ctx();
    for (i, from, j, to) in pairs() {
        let sym = expected_edge(i, j);
        let got = walk(from, to, &ctx);
        let kind = match sym {
            '=' => {
                assert_eq!(
                    got.unwrap_err().code,
                    "status_unchanged",
                    "{from:?}->{to:?}"
                );
                continue;
            }
            '.' => {
                let e = got.unwrap_err();
                assert_eq!(e.code, "transition_not_allowed", "{from:?}->{to:?}");
                assert!(e.message.contains(from.as_str()) && e.message.contains(to.as_str()));
                assert_eq!(lifecycle::edge(from, to), None);
                continue;
            }
            'F' | 'S' => TransitionKind::Forward,
            'N' => TransitionKind::NegativeDecision,
            'O' => TransitionKind::Reconsideration,
            'P' => TransitionKind::Replan,
            'C' => TransitionKind::Closure,
            'R' => TransitionKind::Reopening,
            other => panic!("bad table symbol {other}"),
        };
        let t = got.unwrap_or_else(|e| panic!("{from:?}->{to:?}: {e:?}"));
        assert_eq!(
            (t.from, t.to, t.kind, t.actor),
            (from, to, kind, Role::Coordinator)
        );
        assert_eq!(
            t.reason.as_deref(),
            Some("Agreed at the interagency review.")
        );
        assert_eq!(lifecycle::edge(from, to), Some(kind));
    }
}

#[test]
fn reasons_are_required_off_the_usual_path() {
    for reason in [None, Some(String::new()), Some(" \n ".to_owned())] {
        let ctx = TransitionContext {
            reason,
            ..full_ctx()
        };
        for (i, from, j, to) in pairs() {
            let got = walk(from, to, &ctx);
            match expected_edge(i, j) {
                'N' | 'O' | 'P' | 'C' | 'R' => {
                    let e = got.unwrap_err();
                    assert_eq!(e.code, "reason_required", "{from:?}->{to:?}");
                }
                'F' | 'S' => assert_eq!(got.unwrap().reason, None, "{from:?}->{to:?}"),
                _ => assert!(got.is_err()),
            }
        }
    }
}

#[test]
fn closing_needs_an_approved_closure() {
    let ctx = TransitionContext {
        closure_approved: false,
        ..full_ctx()
    };
    for (i, from, j, to) in pairs() {
        let got = walk(from, to, &ctx);
        match expected_edge(i, j) {
            'C' => assert_eq!(got.unwrap_err().code, "closure_approval_required"),
            '=' | '.' => assert!(got.is_err()),
            _ => assert!(got.is_ok(), "{from:?}->{to:?}"),
        }
    }
}

/// Issue 12: the solution statuses follow the reintegration assessment —
/// reintegration only from one choosing local integration or resettlement,
/// a return refused while the latest chose either of those.
#[test]
fn the_reintegration_assessment_decides_which_solution_status_may_follow() {
    use safepath_domain::solutions::assessment::DurableSolution as D;
    let with = |chosen: Option<D>| TransitionContext {
        solution_chosen: chosen,
        ..full_ctx()
    };
    let go = |to: CaseStatus, chosen: Option<D>| {
        lifecycle::transition(CaseStatus::SolutionPlanning, to, &with(chosen))
            .map(|t| t.to)
            .map_err(|e| e.code)
    };
    use CaseStatus::{ReintegrationInProgress as Reint, RepatriationInProgress as Repat};
    assert_eq!(go(Reint, None), Err("reintegration_assessment_required"));
    assert_eq!(go(Reint, Some(D::Return)), Err("solution_is_return"));
    assert_eq!(go(Reint, Some(D::LocalIntegration)), Ok(Reint));
    assert_eq!(go(Reint, Some(D::Resettlement)), Ok(Reint));
    assert_eq!(
        go(Repat, None),
        Ok(Repat),
        "no assessment: the gate decides"
    );
    assert_eq!(go(Repat, Some(D::Return)), Ok(Repat));
    assert_eq!(
        go(Repat, Some(D::LocalIntegration)),
        Err("solution_not_return")
    );
    assert_eq!(go(Repat, Some(D::Resettlement)), Err("solution_not_return"));
}

#[test]
fn repatriation_needs_a_security_assessment_and_for_a_child_a_best_interests_determination() {
    let no_assessment = TransitionContext {
        security_assessment_recorded: false,
        ..full_ctx()
    };
    let child_no_bid = TransitionContext {
        person_is_child: true,
        ..full_ctx()
    };
    let child_with_bid = TransitionContext {
        person_is_child: true,
        best_interests_determination_recorded: true,
        ..full_ctx()
    };
    for (i, from, j, to) in pairs() {
        let sym = expected_edge(i, j);
        let a = walk(from, to, &no_assessment);
        let b = walk(from, to, &child_no_bid);
        let c = walk(from, to, &child_with_bid);
        match sym {
            'S' => {
                assert_eq!(a.unwrap_err().code, "security_assessment_required");
                assert_eq!(b.unwrap_err().code, "best_interests_determination_required");
                assert!(c.is_ok());
            }
            '=' | '.' => assert!(a.is_err() && b.is_err() && c.is_err()),
            _ => assert!(a.is_ok() && b.is_ok() && c.is_ok(), "{from:?}->{to:?}"),
        }
    }
    // A child who has neither: the security assessment is asked for first.
    let neither = TransitionContext {
        person_is_child: true,
        security_assessment_recorded: false,
        ..full_ctx()
    };
    let e = lifecycle::transition(
        CaseStatus::SolutionPlanning,
        CaseStatus::RepatriationInProgress,
        &neither,
    )
    .unwrap_err();
    assert_eq!(e.code, "security_assessment_required");
}

/// The structured security assessment counts as recorded, and its outcome
/// decides: a need for international protection (possible or established)
/// or grave concerns stop the step towards return, whatever free-text
/// summary stands beside it.
#[test]
fn the_structured_security_assessment_decides_the_step_towards_return() {
    use safepath_domain::solutions::assessment::{
        FamilySituation, ProtectionNeed, ReceivingCapacity, RiskLevel, SecurityAssessment,
    };
    let a = |need: ProtectionNeed, risk: RiskLevel| SecurityAssessment {
        re_trafficking_risk: risk,
        trafficker_threat: RiskLevel::Low,
        debt_threat: RiskLevel::Low,
        family_situation: FamilySituation::Supportive,
        receiving_capacity: ReceivingCapacity::Adequate,
        protection_need: need,
        notes: None,
        assessed_on: time::macros::date!(2026 - 01 - 10),
    };
    let step = |free_text: bool, s: SecurityAssessment| {
        lifecycle::transition(
            CaseStatus::SolutionPlanning,
            CaseStatus::RepatriationInProgress,
            &TransitionContext {
                security_assessment_recorded: free_text,
                security_assessment: Some(s),
                ..full_ctx()
            },
        )
    };
    for free_text in [false, true] {
        assert!(step(free_text, a(ProtectionNeed::None, RiskLevel::Low)).is_ok());
        assert!(step(free_text, a(ProtectionNeed::None, RiskLevel::Medium)).is_ok());
        for need in [ProtectionNeed::Possible, ProtectionNeed::Established] {
            assert_eq!(
                step(free_text, a(need, RiskLevel::Low)).unwrap_err().code,
                "international_protection_needed"
            );
        }
        assert_eq!(
            step(free_text, a(ProtectionNeed::None, RiskLevel::High))
                .unwrap_err()
                .code,
            "return_unsafe"
        );
    }
}

/// Rows: `Role::ALL`; columns: `Relation::ALL` (case manager same org, case
/// manager other org, associated same, associated other, unrelated same,
/// unrelated other). `A` may change the status, `.` may not.
const TRANSITION_ROLES: [(Role, &str); 7] = [
    (Role::Administrator, "......"),
    (Role::Coordinator, "A.A.A."),
    (Role::CaseManager, "A....."),
    (Role::FirstResponder, "......"),
    (Role::ServiceProvider, "......"),
    (Role::Analyst, "......"),
    (Role::Partner, "......"),
];

#[test]
fn only_the_case_manager_and_the_owning_coordinators_change_a_status() {
    assert_eq!(TRANSITION_ROLES.map(|(r, _)| r), Role::ALL);
    for (role, row) in TRANSITION_ROLES {
        for (k, rel) in Relation::ALL.into_iter().enumerate() {
            let allowed = row.as_bytes()[k] == b'A';
            assert_eq!(
                lifecycle::may_transition(role, rel),
                allowed,
                "{role:?} {rel:?}"
            );
            let ctx = TransitionContext {
                actor: role,
                relation: rel,
                ..full_ctx()
            };
            for (i, from, j, to) in pairs() {
                let got = walk(from, to, &ctx);
                match expected_edge(i, j) {
                    '=' => assert_eq!(got.unwrap_err().code, "status_unchanged"),
                    // The graph is checked before the role.
                    '.' => assert_eq!(got.unwrap_err().code, "transition_not_allowed"),
                    _ if allowed => assert_eq!(got.unwrap().actor, role),
                    _ => {
                        let e = got.unwrap_err();
                        assert_eq!(e.code, "role_not_allowed", "{role:?} {from:?}->{to:?}");
                        assert!(e.message.contains(role.as_str()));
                    }
                }
            }
        }
    }
}

/// Rows: `Role::ALL`; columns: `CaseStatus::ALL`. `A` may open a case there.
const INITIAL: [(Role, &str); 7] = [
    (Role::Administrator, ".........."),
    (Role::Coordinator, "AA........"),
    (Role::CaseManager, "AA........"),
    (Role::FirstResponder, "A........."),
    (Role::ServiceProvider, ".........."),
    (Role::Analyst, ".........."),
    (Role::Partner, ".........."),
];

#[test]
fn initial_statuses_by_role() {
    for (role, row) in INITIAL {
        for (k, status) in CaseStatus::ALL.into_iter().enumerate() {
            let got = lifecycle::check_initial_status(role, status);
            if row.as_bytes()[k] == b'A' {
                assert!(got.is_ok(), "{role:?} {status:?}");
            } else {
                assert_eq!(got.unwrap_err().code, "initial_status_not_allowed");
            }
        }
    }
}

#[test]
fn the_lifecycle_has_no_dead_ends() {
    // From `referred` every status is reachable, and from every status a
    // case can reach `closed`.
    let reach = |start: CaseStatus| {
        let mut seen = BTreeSet::from([start.as_str()]);
        let mut todo = vec![start];
        while let Some(s) = todo.pop() {
            for t in CaseStatus::ALL {
                if lifecycle::edge(s, t).is_some() && seen.insert(t.as_str()) {
                    todo.push(t);
                }
            }
        }
        seen
    };
    assert_eq!(reach(CaseStatus::Referred).len(), 10);
    for s in CaseStatus::ALL {
        assert!(reach(s).contains("closed"), "{s:?}");
    }
    // The usual path, walked by the case manager.
    let cm = TransitionContext {
        actor: Role::CaseManager,
        relation: SAME_ORG_CM,
        reason: None,
        ..full_ctx()
    };
    let path = [
        CaseStatus::Referred,
        CaseStatus::PresumedVictim,
        CaseStatus::InProtection,
        CaseStatus::Identified,
        CaseStatus::SolutionPlanning,
        CaseStatus::ReintegrationInProgress,
        CaseStatus::FollowUp,
    ];
    for w in path.windows(2) {
        let t = walk(w[0], w[1], &cm).unwrap();
        assert_eq!(t.kind, TransitionKind::Forward);
    }
}

/// Finding 4 of the trust issue: a status form moved a case to "identified
/// victim" with no decision. Edges with legal meaning are walked only with
/// the formal decision they stand for.
#[test]
fn legal_statuses_follow_only_from_their_decisions() {
    use lifecycle::FormalDecision::{Conclusive, ReasonableGrounds};
    let decisions = [None, Some(ReasonableGrounds), Some(Conclusive)];
    let mut decision_edges = 0;
    for (i, from, j, to) in pairs() {
        let sym = expected_edge(i, j);
        let needed = lifecycle::decision_needed(from, to);
        if needed.is_some() {
            decision_edges += 1;
            assert!(lifecycle::edge(from, to).is_some(), "{from:?}->{to:?}");
            assert!(!lifecycle::form_successors(from).contains(&to));
        }
        for d in decisions {
            let ctx = TransitionContext {
                decision: d,
                // Reintegration follows an assessment choosing it.
                solution_chosen: (to == CaseStatus::ReintegrationInProgress).then_some(
                    safepath_domain::solutions::assessment::DurableSolution::LocalIntegration,
                ),
                ..full_ctx()
            };
            let got = lifecycle::transition(from, to, &ctx);
            match (sym, needed) {
                ('=' | '.', _) => assert!(got.is_err()),
                (_, Some(n)) if d == Some(n) => assert!(got.is_ok(), "{from:?}->{to:?}"),
                (_, Some(ReasonableGrounds)) => assert_eq!(
                    got.unwrap_err().code,
                    "reasonable_grounds_decision_required"
                ),
                (_, Some(Conclusive)) => {
                    assert_eq!(got.unwrap_err().code, "conclusive_decision_required")
                }
                (_, None) => assert!(got.is_ok(), "{from:?}->{to:?} {d:?}"),
            }
        }
    }
    assert_eq!(decision_edges, 3);
    assert_eq!(
        lifecycle::decision_needed(CaseStatus::InProtection, CaseStatus::Identified),
        Some(Conclusive)
    );
    assert_eq!(
        lifecycle::form_successors(CaseStatus::InProtection),
        vec![CaseStatus::Closed]
    );
}

#[test]
fn reasons_are_bounded_and_never_echoed() {
    let long = TransitionContext {
        reason: Some("x".repeat(2_001)),
        ..full_ctx()
    };
    let e = lifecycle::transition(CaseStatus::FollowUp, CaseStatus::Closed, &long).unwrap_err();
    assert_eq!(e.code, "invalid_field");
    assert!(!e.message.contains("xxx"));
}

// ---------------------------------------------------------------------------
// Approvals
// ---------------------------------------------------------------------------

const REQUESTER: u128 = 100;
const DECIDER: u128 = 200;

fn actor(id: u128, role: Role) -> Actor {
    Actor {
        id: user(id),
        org: org(1),
        role,
    }
}

fn approval_in(state: ApprovalState) -> Approval {
    Approval {
        id: ApprovalId(Uuid::from_u128(7)),
        case: CaseId(Uuid::from_u128(3)),
        subject: ApprovalSubject::CarePlan,
        state,
        requested_by: user(REQUESTER),
        requested_on: date!(2026 - 03 - 02),
        round: 1,
        decided_by: None,
        decided_on: None,
        comment: None,
    }
}

/// For each state × action: the outcome for every role (in `Role::ALL`
/// order) as the case manager of the case, as an unlinked member of the
/// owning organisation, and as an unlinked member of another organisation.
/// `A` done, `Q` approval_already_requested, `N` approval_not_requested,
/// `D` approval_already_decided, `r` approval_request_not_allowed,
/// `d` approval_decision_not_allowed.
#[rustfmt::skip]
const APPROVALS: [(ApprovalState, &str, [&str; 3]); 9] = [
    (ApprovalState::Requested, "request", ["QQQQQQQ", "QQQQQQQ", "QQQQQQQ"]),
    (ApprovalState::Requested, "approve", ["dAddddd", "dAddddd", "ddddddd"]),
    (ApprovalState::Requested, "return",  ["dAddddd", "dAddddd", "ddddddd"]),
    (ApprovalState::Approved,  "request", ["DDDDDDD", "DDDDDDD", "DDDDDDD"]),
    (ApprovalState::Approved,  "approve", ["DDDDDDD", "DDDDDDD", "DDDDDDD"]),
    (ApprovalState::Approved,  "return",  ["DDDDDDD", "DDDDDDD", "DDDDDDD"]),
    (ApprovalState::Returned,  "request", ["rAArrrr", "rrrrrrr", "rrrrrrr"]),
    (ApprovalState::Returned,  "approve", ["NNNNNNN", "NNNNNNN", "NNNNNNN"]),
    (ApprovalState::Returned,  "return",  ["NNNNNNN", "NNNNNNN", "NNNNNNN"]),
];

fn approval_action(name: &str) -> ApprovalAction {
    match name {
        "request" => ApprovalAction::Request,
        "approve" => ApprovalAction::Approve { comment: None },
        "return" => ApprovalAction::Return {
            comment: "Please add the education needs.".into(),
        },
        other => panic!("no action {other}"),
    }
}

#[test]
fn every_approval_state_action_and_role() {
    let relations = [SAME_ORG_CM, SAME_ORG_UNLINKED, OTHER_ORG_UNLINKED];
    let today = date!(2026 - 03 - 05);
    for (state, action_name, rows) in APPROVALS {
        let approval = approval_in(state);
        let action = approval_action(action_name);
        assert_eq!(action.as_str(), action_name);
        for (rel, row) in relations.into_iter().zip(rows) {
            for (k, role) in Role::ALL.into_iter().enumerate() {
                let who = actor(DECIDER, role);
                let got = approval.apply(&action, &who, rel, today);
                let ctx = format!("{state:?} {action_name} {role:?} {rel:?}");
                match row.as_bytes()[k] {
                    b'A' => {
                        let next = got.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                        let expected = match action_name {
                            "request" => ApprovalState::Requested,
                            "approve" => ApprovalState::Approved,
                            _ => ApprovalState::Returned,
                        };
                        assert_eq!(next.state, expected, "{ctx}");
                    }
                    code => {
                        let want = match code {
                            b'Q' => "approval_already_requested",
                            b'N' => "approval_not_requested",
                            b'D' => "approval_already_decided",
                            b'r' => "approval_request_not_allowed",
                            b'd' => "approval_decision_not_allowed",
                            _ => panic!("bad symbol"),
                        };
                        assert_eq!(got.unwrap_err().code, want, "{ctx}");
                    }
                }
            }
        }
    }
}

#[test]
fn a_coordinator_never_decides_on_their_own_request() {
    // A coordinator who manages the case themselves requests…
    let coord = actor(REQUESTER, Role::Coordinator);
    let a = approvals::request(
        ApprovalId(Uuid::from_u128(1)),
        CaseId(Uuid::from_u128(3)),
        ApprovalSubject::Closure,
        &coord,
        SAME_ORG_CM,
        date!(2026 - 04 - 01),
    )
    .unwrap();
    for action in [approval_action("approve"), approval_action("return")] {
        let e = a
            .apply(&action, &coord, SAME_ORG_CM, date!(2026 - 04 - 02))
            .unwrap_err();
        assert_eq!(e.code, "approval_own_request");
    }
    // …and a colleague decides.
    let other = actor(DECIDER, Role::Coordinator);
    let done = a
        .apply(
            &approval_action("approve"),
            &other,
            SAME_ORG_UNLINKED,
            date!(2026 - 04 - 02),
        )
        .unwrap();
    assert!(done.is_approved());
    assert_eq!(done.decided_by, Some(user(DECIDER)));
    assert_eq!(done.decided_on, Some(date!(2026 - 04 - 02)));
}

#[test]
fn returning_needs_a_comment_and_requesting_again_starts_a_new_round() {
    let coord = actor(DECIDER, Role::Coordinator);
    let a = approval_in(ApprovalState::Requested);
    for blank in ["", "   "] {
        let e = a
            .apply(
                &ApprovalAction::Return {
                    comment: blank.into(),
                },
                &coord,
                SAME_ORG_UNLINKED,
                date!(2026 - 03 - 03),
            )
            .unwrap_err();
        assert_eq!(e.code, "comment_required");
    }
    let returned = a
        .apply(
            &approval_action("return"),
            &coord,
            SAME_ORG_UNLINKED,
            date!(2026 - 03 - 03),
        )
        .unwrap();
    assert_eq!(
        returned.comment.as_deref(),
        Some("Please add the education needs.")
    );
    let cm = actor(REQUESTER, Role::CaseManager);
    let again = returned
        .apply(
            &ApprovalAction::Request,
            &cm,
            SAME_ORG_CM,
            date!(2026 - 03 - 10),
        )
        .unwrap();
    assert_eq!(again.state, ApprovalState::Requested);
    assert_eq!(again.round, 2);
    assert_eq!(again.requested_on, date!(2026 - 03 - 10));
    assert_eq!((again.decided_by, again.comment.clone()), (None, None));
    // Approving with an optional comment.
    let ok = again
        .apply(
            &ApprovalAction::Approve {
                comment: Some(" Thorough plan. ".into()),
            },
            &coord,
            SAME_ORG_UNLINKED,
            date!(2026 - 03 - 11),
        )
        .unwrap();
    assert_eq!(ok.comment.as_deref(), Some("Thorough plan."));
}

#[test]
fn who_may_make_the_first_request() {
    // Rows: `Role::ALL`; columns: `Relation::ALL`.
    let table = [
        "......", "AA....", "AA....", "......", "......", "......", "......",
    ];
    for (role, row) in Role::ALL.into_iter().zip(table) {
        for (k, rel) in Relation::ALL.into_iter().enumerate() {
            let got = approvals::request(
                ApprovalId(Uuid::from_u128(1)),
                CaseId(Uuid::from_u128(3)),
                ApprovalSubject::NeedsAssessment,
                &actor(REQUESTER, role),
                rel,
                date!(2026 - 01 - 05),
            );
            if row.as_bytes()[k] == b'A' {
                let a = got.unwrap();
                assert_eq!((a.state, a.round), (ApprovalState::Requested, 1));
            } else {
                assert_eq!(got.unwrap_err().code, "approval_request_not_allowed");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Consent
// ---------------------------------------------------------------------------

const A: u128 = 11;
const B: u128 = 12;
const DAY0: Date = date!(2026 - 02 - 01);

fn consent(
    id: u128,
    purpose: ConsentPurpose,
    recipient: Option<u128>,
    categories: &[DataCategory],
) -> Consent {
    Consent {
        id: cid(id),
        purpose,
        recipient_org: recipient.map(org),
        categories: cats(categories),
        given_on: DAY0,
        expires_on: None,
        withdrawn_on: None,
        explained_in_language: "my".into(),
        interpreter: true,
        recorded_by: user(1),
        person_is_child: false,
        child_guardian: None,
    }
}

use DataCategory::{CaseHistory, Health, Identity, Legal};

/// Hand-written: (purpose, needs a recipient, bears data).
const PURPOSES: [(ConsentPurpose, bool, bool); 6] = [
    (ConsentPurpose::ServiceReferral, true, true),
    (ConsentPurpose::DataSharing, true, true),
    (ConsentPurpose::FamilyContact, false, true),
    (ConsentPurpose::Tracing, false, true),
    (ConsentPurpose::CrossBorderHandover, true, true),
    (ConsentPurpose::Statistics, false, false),
];

#[test]
fn purposes_and_categories_have_their_exact_names() {
    let names: Vec<&str> = ConsentPurpose::ALL.iter().map(|p| p.as_str()).collect();
    assert_eq!(
        names,
        [
            "service_referral",
            "data_sharing",
            "family_contact",
            "tracing",
            "cross_border_handover",
            "statistics"
        ]
    );
    let names: Vec<&str> = DataCategory::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "identity",
            "contact",
            "health",
            "legal",
            "accommodation",
            "family",
            "case_history"
        ]
    );
    assert_eq!(
        serde_json::to_string(&ConsentPurpose::CrossBorderHandover).unwrap(),
        "\"cross_border_handover\""
    );
    assert_eq!(
        serde_json::from_str::<DataCategory>("\"case_history\"").unwrap(),
        CaseHistory
    );
}

#[test]
fn recipient_and_category_rules_for_every_purpose() {
    assert_eq!(PURPOSES.map(|p| p.0).as_slice(), ConsentPurpose::ALL);
    for (purpose, needs_recipient, bears_data) in PURPOSES {
        assert_eq!(purpose.needs_recipient(), needs_recipient);
        assert_eq!(purpose.bears_data(), bears_data);
        let with = consent(1, purpose, Some(A), &[Identity]);
        let without = consent(1, purpose, None, &[Identity]);
        let (ok, bad, code) = if needs_recipient {
            (with, without, "consent_recipient_required")
        } else {
            (without, with, "consent_recipient_not_allowed")
        };
        assert!(ok.validate(DAY0).is_ok(), "{purpose:?}");
        assert_eq!(bad.validate(DAY0).unwrap_err().code, code, "{purpose:?}");
        let empty = Consent {
            categories: BTreeSet::new(),
            ..ok
        };
        if bears_data {
            assert_eq!(
                empty.validate(DAY0).unwrap_err().code,
                "consent_categories_required"
            );
        } else {
            assert!(empty.validate(DAY0).is_ok());
        }
    }
}

#[test]
fn dates_language_and_children_when_recording() {
    let base = consent(1, ConsentPurpose::DataSharing, Some(A), &[Identity]);
    let on = |d: Option<Date>| Consent {
        expires_on: d,
        ..base.clone()
    };
    assert!(on(None).validate(DAY0).is_ok());
    assert!(on(Some(DAY0 + Duration::days(1))).validate(DAY0).is_ok());
    for bad in [DAY0, DAY0 - Duration::days(1)] {
        assert_eq!(
            on(Some(bad)).validate(DAY0).unwrap_err().code,
            "consent_expiry_not_after_given"
        );
    }
    assert_eq!(
        base.validate(DAY0 - Duration::days(1)).unwrap_err().code,
        "consent_given_in_future"
    );
    for lang in ["", "Burmese language", "my_MM"] {
        let c = Consent {
            explained_in_language: lang.into(),
            ..base.clone()
        };
        assert_eq!(
            c.validate(DAY0).unwrap_err().code,
            "consent_language_required"
        );
    }
    let child = Consent {
        person_is_child: true,
        ..base.clone()
    };
    assert_eq!(
        child.validate(DAY0).unwrap_err().code,
        "guardian_consent_missing"
    );
    let with_guardian = Consent {
        child_guardian: Some(GuardianConsent::Given {
            given_on: DAY0,
            explained_in_language: "th".into(),
        }),
        ..child.clone()
    };
    assert!(with_guardian.validate(DAY0).is_ok());
    let guardian_later = Consent {
        child_guardian: Some(GuardianConsent::Given {
            given_on: DAY0 + Duration::days(2),
            explained_in_language: "th".into(),
        }),
        ..child.clone()
    };
    assert_eq!(
        guardian_later.validate(DAY0).unwrap_err().code,
        "consent_given_in_future"
    );
    let exploiter = |r: &str| Consent {
        child_guardian: Some(GuardianConsent::GuardianIsSuspectedExploiter {
            best_interests_determination_ref: r.into(),
        }),
        ..child.clone()
    };
    assert!(exploiter("BID-2026-0007").validate(DAY0).is_ok());
    assert_eq!(
        exploiter("  ").validate(DAY0).unwrap_err().code,
        "best_interests_reference_required"
    );
}

/// The state of the single consent in the ledger (data sharing with A,
/// identity + health, given on DAY0), for the table below.
#[derive(Debug, Clone, Copy)]
enum Entry {
    Effective,
    ExpiresToday,
    ExpiresTomorrow,
    WithdrawnToday,
    WithdrawnTomorrow,
    ChildWithoutGuardian,
    ChildWithGuardian,
    ChildGuardianIsExploiter,
    GivenTomorrow,
}

fn entry(e: Entry, today: Date) -> Consent {
    let c = consent(1, ConsentPurpose::DataSharing, Some(A), &[Identity, Health]);
    let tomorrow = today + Duration::days(1);
    match e {
        Entry::Effective => c,
        Entry::ExpiresToday => Consent {
            expires_on: Some(today),
            ..c
        },
        Entry::ExpiresTomorrow => Consent {
            expires_on: Some(tomorrow),
            ..c
        },
        Entry::WithdrawnToday => withdraw(&c, today).unwrap(),
        Entry::WithdrawnTomorrow => withdraw(&c, tomorrow).unwrap(),
        Entry::ChildWithoutGuardian => Consent {
            person_is_child: true,
            ..c
        },
        Entry::ChildWithGuardian => Consent {
            person_is_child: true,
            child_guardian: Some(GuardianConsent::Given {
                given_on: DAY0,
                explained_in_language: "km".into(),
            }),
            ..c
        },
        Entry::ChildGuardianIsExploiter => Consent {
            person_is_child: true,
            child_guardian: Some(GuardianConsent::GuardianIsSuspectedExploiter {
                best_interests_determination_ref: "BID-0001".into(),
            }),
            ..c
        },
        Entry::GivenTomorrow => Consent {
            given_on: tomorrow,
            ..c
        },
    }
}

/// Each entry state against five questions, all asked on `today`:
/// 1. data_sharing with A: identity           (covered categories)
/// 2. data_sharing with A: identity, health   (exactly covered)
/// 3. data_sharing with A: identity, legal    (one category too many)
/// 4. data_sharing with B: identity           (another recipient)
/// 5. service_referral with A: identity       (another purpose)
///
/// `ok`, or the refusal code.
#[rustfmt::skip]
const COVERS: [(Entry, [&str; 5]); 9] = [
    (Entry::Effective,                ["ok",       "ok",       "consent_categories_not_covered", "consent_missing", "consent_missing"]),
    (Entry::ExpiresToday,             ["consent_expired",          "consent_expired",          "consent_expired",          "consent_missing", "consent_missing"]),
    (Entry::ExpiresTomorrow,          ["ok",       "ok",       "consent_categories_not_covered", "consent_missing", "consent_missing"]),
    (Entry::WithdrawnToday,           ["consent_withdrawn",        "consent_withdrawn",        "consent_withdrawn",        "consent_missing", "consent_missing"]),
    (Entry::WithdrawnTomorrow,        ["ok",       "ok",       "consent_categories_not_covered", "consent_missing", "consent_missing"]),
    (Entry::ChildWithoutGuardian,     ["guardian_consent_missing", "guardian_consent_missing", "guardian_consent_missing", "consent_missing", "consent_missing"]),
    (Entry::ChildWithGuardian,        ["ok",       "ok",       "consent_categories_not_covered", "consent_missing", "consent_missing"]),
    (Entry::ChildGuardianIsExploiter, ["ok",       "ok",       "consent_categories_not_covered", "consent_missing", "consent_missing"]),
    (Entry::GivenTomorrow,            ["consent_missing",          "consent_missing",          "consent_missing",          "consent_missing", "consent_missing"]),
];

#[test]
fn every_consent_rule_against_the_table() {
    let today = date!(2026 - 05 - 20);
    let questions: [(ConsentPurpose, u128, &[DataCategory]); 5] = [
        (ConsentPurpose::DataSharing, A, &[Identity]),
        (ConsentPurpose::DataSharing, A, &[Identity, Health]),
        (ConsentPurpose::DataSharing, A, &[Identity, Legal]),
        (ConsentPurpose::DataSharing, B, &[Identity]),
        (ConsentPurpose::ServiceReferral, A, &[Identity]),
    ];
    for (state, row) in COVERS {
        let ledger = [entry(state, today)];
        for ((purpose, to, asked), want) in questions.iter().zip(row) {
            let asked = cats(asked);
            let got = covers(&ledger, *purpose, Some(org(*to)), &asked, today);
            let ctx = format!("{state:?} {purpose:?} {to} {asked:?}");
            match (want, got) {
                ("ok", Ok(c)) => {
                    assert_eq!(c.consents(), [cid(1)], "{ctx}");
                    assert_eq!(c.categories(), &asked);
                    assert_eq!(c.recipient(), Some(org(A)));
                    assert_eq!(c.checked_on(), today);
                }
                (want, Err(r)) => assert_eq!(r.code(), want, "{ctx}"),
                (want, Ok(_)) => panic!("{ctx}: expected {want}, got ok"),
            }
        }
    }
}

#[test]
fn refusals_list_the_missing_categories_by_name_and_nothing_personal() {
    let today = date!(2026 - 05 - 20);
    let ledger = [consent(
        1,
        ConsentPurpose::DataSharing,
        Some(A),
        &[Identity],
    )];
    let r = covers(
        &ledger,
        ConsentPurpose::DataSharing,
        Some(org(A)),
        &cats(&[Identity, Health, CaseHistory]),
        today,
    )
    .unwrap_err();
    assert_eq!(r.kind, RefusalKind::CategoriesNotCovered);
    assert_eq!(r.missing, cats(&[Health, CaseHistory]));
    assert!(
        r.message().ends_with("not covered: health, case_history"),
        "{}",
        r.message()
    );
    assert!(!r.message().contains(&org(A).to_string()));
    let e: safepath_domain::DomainError = r.into();
    assert_eq!(e.code, "consent_categories_not_covered");

    let none = covers(
        &[],
        ConsentPurpose::Tracing,
        None,
        &cats(&[Identity]),
        today,
    )
    .unwrap_err();
    assert_eq!(none.code(), "consent_missing");
    assert_eq!(
        none.message(),
        "the person has not consented to tracing; not covered: identity"
    );
    let no_recipient = covers(
        &ledger,
        ConsentPurpose::DataSharing,
        None,
        &cats(&[Identity]),
        today,
    )
    .unwrap_err();
    assert_eq!(no_recipient.code(), "consent_recipient_required");
}

#[test]
fn consents_add_up_and_the_earliest_expiry_is_reported() {
    let today = date!(2026 - 05 - 20);
    let mut second = consent(2, ConsentPurpose::DataSharing, Some(A), &[Health]);
    second.expires_on = Some(date!(2026 - 08 - 01));
    let ledger = [
        consent(1, ConsentPurpose::DataSharing, Some(A), &[Identity]),
        second,
        consent(3, ConsentPurpose::DataSharing, Some(A), &[Legal]),
    ];
    let c = covers(
        &ledger,
        ConsentPurpose::DataSharing,
        Some(org(A)),
        &cats(&[Identity, Health]),
        today,
    )
    .unwrap();
    assert_eq!(c.consents(), [cid(1), cid(2)]);
    assert_eq!(c.valid_until(), Some(date!(2026 - 08 - 01)));
}

#[test]
fn a_withdrawal_explains_the_refusal_before_an_expiry_or_a_gap() {
    let today = date!(2026 - 05 - 20);
    let mut expired = consent(1, ConsentPurpose::DataSharing, Some(A), &[Health]);
    expired.expires_on = Some(today);
    let withdrawn = withdraw(
        &consent(2, ConsentPurpose::DataSharing, Some(A), &[Health]),
        today,
    )
    .unwrap();
    let r = covers(
        &[expired, withdrawn],
        ConsentPurpose::DataSharing,
        Some(org(A)),
        &cats(&[Health]),
        today,
    )
    .unwrap_err();
    assert_eq!(r.code(), "consent_withdrawn");
}

#[test]
fn purposes_without_a_recipient_ignore_the_recipient_asked_about() {
    let today = date!(2026 - 05 - 20);
    let ledger = [
        consent(
            1,
            ConsentPurpose::FamilyContact,
            None,
            &[DataCategory::Contact],
        ),
        consent(2, ConsentPurpose::Statistics, None, &[]),
    ];
    for to in [None, Some(org(B))] {
        let c = covers(
            &ledger,
            ConsentPurpose::FamilyContact,
            to,
            &cats(&[DataCategory::Contact]),
            today,
        )
        .unwrap();
        assert_eq!(c.recipient(), None);
        let s = covers(
            &ledger,
            ConsentPurpose::Statistics,
            to,
            &BTreeSet::new(),
            today,
        )
        .unwrap();
        assert_eq!(s.consents(), [cid(2)]);
    }
    let withdrawn = [withdraw(&ledger[1], today).unwrap()];
    let r = covers(
        &withdrawn,
        ConsentPurpose::Statistics,
        None,
        &BTreeSet::new(),
        today,
    )
    .unwrap_err();
    assert_eq!(r.code(), "consent_withdrawn");
}

#[test]
fn withdrawal_takes_effect_on_the_day_and_happens_once() {
    let c = consent(1, ConsentPurpose::ServiceReferral, Some(A), &[Identity]);
    let day = date!(2026 - 06 - 01);
    let w = withdraw(&c, day).unwrap();
    assert_eq!(w.withdrawn_on, Some(day));
    assert!(w.is_effective_on(day - Duration::days(1)));
    assert!(!w.is_effective_on(day));
    let e = withdraw(&w, day + Duration::days(3)).unwrap_err();
    assert_eq!(e.code, "consent_already_withdrawn");
}

#[test]
fn what_a_receiving_organisation_may_see() {
    let today = date!(2026 - 05 - 20);
    let mut expired = consent(4, ConsentPurpose::DataSharing, Some(A), &[CaseHistory]);
    expired.expires_on = Some(today);
    let ledger = [
        consent(1, ConsentPurpose::ServiceReferral, Some(A), &[Identity]),
        consent(2, ConsentPurpose::DataSharing, Some(A), &[Health]),
        withdraw(
            &consent(3, ConsentPurpose::DataSharing, Some(A), &[Legal]),
            today,
        )
        .unwrap(),
        expired,
        consent(
            5,
            ConsentPurpose::DataSharing,
            Some(B),
            &[DataCategory::Family],
        ),
        consent(
            6,
            ConsentPurpose::FamilyContact,
            None,
            &[DataCategory::Contact],
        ),
    ];
    assert_eq!(
        allowed_categories(&ledger, org(A), today),
        cats(&[Identity, Health])
    );
    assert_eq!(
        allowed_categories(&ledger, org(B), today),
        cats(&[DataCategory::Family])
    );
    assert_eq!(allowed_categories(&ledger, org(99), today), BTreeSet::new());
    // The day before, the withdrawn and expired entries still counted.
    assert_eq!(
        allowed_categories(&ledger, org(A), today - Duration::days(1)),
        cats(&[Identity, Health, Legal, CaseHistory])
    );
}

#[test]
fn a_consent_survives_a_json_round_trip() {
    let mut c = consent(
        1,
        ConsentPurpose::CrossBorderHandover,
        Some(A),
        &[Identity, Legal],
    );
    c.person_is_child = true;
    c.child_guardian = Some(GuardianConsent::GuardianIsSuspectedExploiter {
        best_interests_determination_ref: "BID-0002".into(),
    });
    let json = serde_json::to_string(&c).unwrap();
    assert!(json.contains("\"guardian_is_suspected_exploiter\""));
    assert!(json.contains("\"given_on\":\"2026-02-01\""), "{json}");
    assert!(
        json.contains("\"categories\":[\"identity\",\"legal\"]"),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Consent>(&json).unwrap(), c);
    // Absent optional dates read as none.
    let mut v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let obj = v.as_object_mut().unwrap();
    obj.remove("expires_on");
    obj.remove("withdrawn_on");
    let back: Consent = serde_json::from_value(v).unwrap();
    assert_eq!((back.expires_on, back.withdrawn_on), (None, None));
}

#[test]
fn a_referral_survives_a_json_round_trip() {
    let r = pending_referral();
    let json = serde_json::to_string(&r).unwrap();
    assert!(
        json.contains("\"sent_at\":\"2026-07-01T09:00:00Z\""),
        "{json}"
    );
    assert!(json.contains("\"state\":\"pending\""), "{json}");
    assert_eq!(serde_json::from_str::<Referral>(&json).unwrap(), r);
}

/// Purposes, recipients and categories are drawn from small pools so that
/// generated ledgers often do cover the generated questions (see
/// `the_consent_generators_exercise_both_outcomes`); malformed entries (a
/// recipient where none belongs, no categories, a child without guardian)
/// are generated too, less often.
const PROP_PURPOSES: [ConsentPurpose; 3] = [
    ConsentPurpose::DataSharing,
    ConsentPurpose::FamilyContact,
    ConsentPurpose::Statistics,
];
const PROP_CATEGORIES: [DataCategory; 3] = [Identity, DataCategory::Contact, Health];

fn arb_consent() -> impl Strategy<Value = Consent> {
    (
        0..3usize,
        0..5u8,
        proptest::collection::btree_set(0..3usize, 0..=3),
        0..20i64,
        proptest::option::of(1..30i64),
        proptest::option::of(0..40i64),
        0..4u8,
        0..3u8,
        0..16u8,
    )
        .prop_map(|(p, r, cs, given, exp, wd, child, guardian, id)| {
            let purpose = PROP_PURPOSES[p];
            let given_on = DAY0 + Duration::days(given);
            let recipient_org = match (purpose.needs_recipient(), r) {
                (true, 0) | (false, 0) => Some(org(A)),
                (true, 1) => None,
                (true, 4) => Some(org(B)),
                (true, _) => Some(org(A)),
                (false, _) => None,
            };
            Consent {
                id: cid(u128::from(id)),
                purpose,
                recipient_org,
                categories: cs.into_iter().map(|i| PROP_CATEGORIES[i]).collect(),
                given_on,
                expires_on: exp.map(|e| given_on + Duration::days(e)),
                withdrawn_on: wd.map(|w| DAY0 + Duration::days(w)),
                explained_in_language: "vi".into(),
                interpreter: false,
                recorded_by: user(1),
                person_is_child: child == 0,
                child_guardian: match guardian {
                    0 => None,
                    1 => Some(GuardianConsent::Given {
                        given_on,
                        explained_in_language: "vi".into(),
                    }),
                    _ => Some(GuardianConsent::GuardianIsSuspectedExploiter {
                        best_interests_determination_ref: "BID-0003".into(),
                    }),
                },
            }
        })
}

#[derive(Debug, Clone)]
struct Query {
    purpose: ConsentPurpose,
    recipient: Option<OrgId>,
    categories: BTreeSet<DataCategory>,
    today: Date,
}

fn arb_query() -> impl Strategy<Value = Query> {
    (
        0..3usize,
        0..4u8,
        proptest::collection::btree_set(0..3usize, 0..=2),
        0..45i64,
    )
        .prop_map(|(p, r, cs, d)| Query {
            purpose: PROP_PURPOSES[p],
            recipient: match r {
                0 => None,
                3 => Some(org(B)),
                _ => Some(org(A)),
            },
            categories: cs.into_iter().map(|i| PROP_CATEGORIES[i]).collect(),
            today: DAY0 + Duration::days(d),
        })
}

fn ask(ledger: &[Consent], q: &Query) -> Result<consent::CoveringConsent, ConsentRefusal> {
    covers(ledger, q.purpose, q.recipient, &q.categories, q.today)
}

/// Guards the properties below against vacuity: the generators must produce
/// both covered and refused questions, and refusals of several kinds.
#[test]
fn the_consent_generators_exercise_both_outcomes() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = (proptest::collection::vec(arb_consent(), 0..8), arb_query());
    let (mut ok, mut kinds) = (0, BTreeSet::new());
    for _ in 0..2_000 {
        let (ledger, q) = strategy.new_tree(&mut runner).unwrap().current();
        match ask(&ledger, &q) {
            Ok(_) => ok += 1,
            Err(r) => {
                kinds.insert(r.code());
            }
        }
    }
    assert!(ok > 150, "only {ok} covered questions");
    assert!(kinds.len() >= 5, "{kinds:?}");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1_000))]

    #[test]
    fn withdrawing_never_widens_what_is_covered(
        ledger in proptest::collection::vec(arb_consent(), 0..8),
        pick in any::<prop::sample::Index>(),
        withdraw_day in 0..40i64,
        q in arb_query(),
    ) {
        prop_assume!(!ledger.is_empty());
        let i = pick.index(ledger.len());
        let mut after = ledger.clone();
        if let Ok(w) = withdraw(&ledger[i], DAY0 + Duration::days(withdraw_day)) {
            after[i] = w;
        }
        if ask(&after, &q).is_ok() {
            prop_assert!(ask(&ledger, &q).is_ok());
        }
        for to in [org(A), org(B)] {
            let before = allowed_categories(&ledger, to, q.today);
            prop_assert!(allowed_categories(&after, to, q.today).is_subset(&before));
        }
    }

    #[test]
    fn a_covering_consent_is_never_expired_or_withdrawn_on_the_day(
        ledger in proptest::collection::vec(arb_consent(), 0..8),
        q in arb_query(),
    ) {
        match ask(&ledger, &q) {
            Ok(c) => {
                prop_assert!(!c.consents().is_empty());
                let mut union = BTreeSet::new();
                for id in c.consents() {
                    // Every entry with this id that was relied on is effective.
                    let relied: Vec<&Consent> = ledger
                        .iter()
                        .filter(|e| e.id == *id && e.purpose == q.purpose && e.is_effective_on(q.today))
                        .collect();
                    prop_assert!(!relied.is_empty());
                    for e in relied {
                        prop_assert!(!e.is_expired_on(q.today));
                        prop_assert!(!e.is_withdrawn_on(q.today));
                        prop_assert!(e.given_on <= q.today);
                        union.extend(e.categories.iter().copied());
                    }
                }
                prop_assert!(q.categories.is_subset(&union));
            }
            Err(r) => {
                prop_assert!(r.missing.is_subset(&q.categories));
                prop_assert!(!r.message().is_empty());
            }
        }
    }

    #[test]
    fn covers_is_monotone_in_adding_consents(
        ledger in proptest::collection::vec(arb_consent(), 0..8),
        extra in arb_consent(),
        q in arb_query(),
    ) {
        let mut more = ledger.clone();
        more.push(extra);
        if ask(&ledger, &q).is_ok() {
            prop_assert!(ask(&more, &q).is_ok());
        }
        for to in [org(A), org(B)] {
            prop_assert!(allowed_categories(&ledger, to, q.today)
                .is_subset(&allowed_categories(&more, to, q.today)));
        }
    }
}

// ---------------------------------------------------------------------------
// Referrals
// ---------------------------------------------------------------------------

const SENDER_ORG: u128 = 21;
const RECEIVER_ORG: u128 = 22;

fn referral_ledger() -> Vec<Consent> {
    vec![consent(
        1,
        ConsentPurpose::ServiceReferral,
        Some(RECEIVER_ORG),
        &[Identity, Health],
    )]
}

fn pending_referral() -> Referral {
    let today = date!(2026 - 07 - 01);
    let covering = referral::check_new_referral(
        &referral_ledger(),
        org(RECEIVER_ORG),
        &cats(&[Identity]),
        today,
    )
    .unwrap();
    let sender = Actor {
        id: user(5),
        org: org(SENDER_ORG),
        role: Role::CaseManager,
    };
    referral::send(
        NewReferral {
            id: ReferralId(Uuid::from_u128(9)),
            case: CaseId(Uuid::from_u128(3)),
            to_org: org(RECEIVER_ORG),
            service: "medical check".into(),
            urgency: Urgency::Urgent,
            categories: cats(&[Identity]),
        },
        &sender,
        &covering,
        datetime!(2026 - 07 - 01 09:00 UTC),
    )
    .unwrap()
}

fn referral_in(state: ReferralState) -> Referral {
    Referral {
        state,
        ..pending_referral()
    }
}

fn referral_action(name: &str) -> ReferralAction {
    match name {
        "accept" => ReferralAction::Accept,
        "decline" => ReferralAction::Decline {
            reason: "No capacity this month.".into(),
        },
        "complete" => ReferralAction::Complete {
            outcome: "Check done; follow-up booked.".into(),
        },
        "revoke" => ReferralAction::Revoke {
            reason: "The person chose another clinic.".into(),
        },
        other => panic!("no action {other}"),
    }
}

/// For each state: the outcome of each action for the sender, the receiver
/// and neither (in that order). A = done, s =
/// referral_action_not_allowed (state), w = referral_wrong_side.
#[rustfmt::skip]
const REFERRALS: [(ReferralState, [(&str, &str); 4]); 6] = [
    (ReferralState::Pending,          [("accept", "wAw"), ("decline", "wAw"), ("complete", "sss"), ("revoke", "Aww")]),
    (ReferralState::Accepted,         [("accept", "sss"), ("decline", "sss"), ("complete", "wAw"), ("revoke", "Aww")]),
    (ReferralState::Declined,         [("accept", "sss"), ("decline", "sss"), ("complete", "sss"), ("revoke", "sss")]),
    (ReferralState::Completed,        [("accept", "sss"), ("decline", "sss"), ("complete", "sss"), ("revoke", "sss")]),
    (ReferralState::Revoked,          [("accept", "sss"), ("decline", "sss"), ("complete", "sss"), ("revoke", "sss")]),
    (ReferralState::ConsentWithdrawn, [("accept", "sss"), ("decline", "sss"), ("complete", "sss"), ("revoke", "sss")]),
];

#[test]
fn every_referral_state_action_and_side() {
    assert_eq!(REFERRALS.map(|r| r.0).as_slice(), ReferralState::ALL);
    for (state, actions) in REFERRALS {
        let r = referral_in(state);
        for (name, row) in actions {
            let action = referral_action(name);
            assert_eq!(action.as_str(), name);
            for (k, side) in Side::ALL.into_iter().enumerate() {
                let got = r.apply(&action, side);
                let ctx = format!("{state:?} {name} {side:?}");
                match row.as_bytes()[k] {
                    b'A' => {
                        let next = got.unwrap_or_else(|e| panic!("{ctx}: {e:?}"));
                        let (want, reason, outcome) = match name {
                            "accept" => (ReferralState::Accepted, None, None),
                            "decline" => (
                                ReferralState::Declined,
                                Some("No capacity this month."),
                                None,
                            ),
                            "complete" => (
                                ReferralState::Completed,
                                None,
                                Some("Check done; follow-up booked."),
                            ),
                            _ => (
                                ReferralState::Revoked,
                                Some("The person chose another clinic."),
                                None,
                            ),
                        };
                        assert_eq!(next.state, want, "{ctx}");
                        assert_eq!(next.reason.as_deref(), reason, "{ctx}");
                        assert_eq!(next.outcome.as_deref(), outcome, "{ctx}");
                    }
                    b's' => assert_eq!(
                        got.unwrap_err().code,
                        "referral_action_not_allowed",
                        "{ctx}"
                    ),
                    b'w' => assert_eq!(got.unwrap_err().code, "referral_wrong_side", "{ctx}"),
                    _ => panic!("bad symbol"),
                }
            }
        }
    }
}

#[test]
fn declining_and_revoking_need_a_reason_and_completing_an_outcome() {
    let pending = referral_in(ReferralState::Pending);
    let accepted = referral_in(ReferralState::Accepted);
    let e = pending
        .apply(
            &ReferralAction::Decline { reason: " ".into() },
            Side::Receiver,
        )
        .unwrap_err();
    assert_eq!(e.code, "reason_required");
    let e = accepted
        .apply(
            &ReferralAction::Revoke {
                reason: String::new(),
            },
            Side::Sender,
        )
        .unwrap_err();
    assert_eq!(e.code, "reason_required");
    let e = accepted
        .apply(
            &ReferralAction::Complete {
                outcome: "\n".into(),
            },
            Side::Receiver,
        )
        .unwrap_err();
    assert_eq!(e.code, "outcome_required");
}

#[test]
fn sides_of_a_referral() {
    let r = pending_referral();
    let who = |o: u128, role: Role| Actor {
        id: user(8),
        org: org(o),
        role,
    };
    // (org, role, is the receiver's focal point) → side
    let table = [
        (SENDER_ORG, Role::CaseManager, false, Side::Sender),
        (SENDER_ORG, Role::Coordinator, false, Side::Sender),
        (SENDER_ORG, Role::ServiceProvider, false, Side::Neither),
        (SENDER_ORG, Role::FirstResponder, false, Side::Neither),
        (RECEIVER_ORG, Role::ServiceProvider, true, Side::Receiver),
        (RECEIVER_ORG, Role::Coordinator, true, Side::Receiver),
        (RECEIVER_ORG, Role::ServiceProvider, false, Side::Neither),
        (99, Role::Coordinator, true, Side::Neither),
        (99, Role::CaseManager, false, Side::Neither),
    ];
    for (o, role, focal, want) in table {
        assert_eq!(
            Side::of(&who(o, role), &r, focal),
            want,
            "{o} {role:?} {focal}"
        );
    }
}

#[test]
fn a_referral_carries_only_what_consent_covers() {
    let today = date!(2026 - 07 - 01);
    let ledger = referral_ledger();
    // The refusal comes through with its code (HTTP 403).
    let r =
        referral::check_new_referral(&ledger, org(RECEIVER_ORG), &cats(&[Identity, Legal]), today)
            .unwrap_err();
    assert_eq!(r.code(), "consent_categories_not_covered");
    assert_eq!(r.missing, cats(&[Legal]));
    let r = referral::check_new_referral(&ledger, org(99), &cats(&[Identity]), today).unwrap_err();
    assert_eq!(r.code(), "consent_missing");

    let covering =
        referral::check_new_referral(&ledger, org(RECEIVER_ORG), &cats(&[Identity]), today)
            .unwrap();
    let sender = Actor {
        id: user(5),
        org: org(SENDER_ORG),
        role: Role::Coordinator,
    };
    let new = |to: u128, c: &[DataCategory]| NewReferral {
        id: ReferralId(Uuid::from_u128(9)),
        case: CaseId(Uuid::from_u128(3)),
        to_org: org(to),
        service: "legal aid".into(),
        urgency: Urgency::Routine,
        categories: cats(c),
    };
    let at = datetime!(2026 - 07 - 01 10:00 UTC);
    let e = referral::send(
        new(RECEIVER_ORG, &[Identity, Health]),
        &sender,
        &covering,
        at,
    )
    .unwrap_err();
    assert_eq!(e.code, "referral_consent_mismatch");
    let e = referral::send(new(23, &[Identity]), &sender, &covering, at).unwrap_err();
    assert_eq!(e.code, "referral_consent_mismatch");
    let own = Actor {
        org: org(RECEIVER_ORG),
        ..sender
    };
    let e = referral::send(new(RECEIVER_ORG, &[Identity]), &own, &covering, at).unwrap_err();
    assert_eq!(e.code, "referral_to_own_org");
    let responder = Actor {
        role: Role::ServiceProvider,
        ..sender
    };
    let e = referral::send(new(RECEIVER_ORG, &[Identity]), &responder, &covering, at).unwrap_err();
    assert_eq!(e.code, "role_not_allowed");
    let ok = referral::send(new(RECEIVER_ORG, &[Identity]), &sender, &covering, at).unwrap();
    assert_eq!(ok.state, ReferralState::Pending);
    assert_eq!(ok.consents, [cid(1)]);
    assert_eq!(ok.from_org, org(SENDER_ORG));
}

#[test]
fn response_deadlines_by_urgency() {
    let table = [
        (Urgency::Routine, 72, "routine"),
        (Urgency::Urgent, 24, "urgent"),
        (Urgency::Emergency, 2, "emergency"),
    ];
    assert_eq!(table.map(|t| t.0).as_slice(), Urgency::ALL);
    for (u, hours, name) in table {
        assert_eq!(u.as_str(), name);
        let r = Referral {
            urgency: u,
            ..pending_referral()
        };
        let deadline = r.sent_at + Duration::hours(hours);
        assert_eq!(r.response_deadline(), deadline);
        assert!(!r.response_overdue(deadline));
        assert!(r.response_overdue(deadline + Duration::minutes(1)));
        let accepted = Referral {
            state: ReferralState::Accepted,
            ..r
        };
        assert!(!accepted.response_overdue(deadline + Duration::days(9)));
    }
}

#[test]
fn consent_withdrawal_ends_open_referrals() {
    let today = date!(2026 - 07 - 15);
    let ledger = referral_ledger();
    let withdrawn = vec![withdraw(&ledger[0], today).unwrap()];
    for state in ReferralState::ALL.iter().copied() {
        let r = referral_in(state);
        assert_eq!(referral::on_consent_withdrawn(&r, &ledger, today), None);
        let ended = referral::on_consent_withdrawn(&r, &withdrawn, today);
        if matches!(state, ReferralState::Pending | ReferralState::Accepted) {
            let ended = ended.unwrap();
            assert_eq!(ended.state, ReferralState::ConsentWithdrawn);
            assert!(ended.reason.unwrap().contains("withdrew"));
        } else {
            assert_eq!(ended, None, "{state:?}");
        }
    }
    // Still covered by another entry: nothing changes.
    let mut both = withdrawn.clone();
    both.push(consent(
        2,
        ConsentPurpose::ServiceReferral,
        Some(RECEIVER_ORG),
        &[Identity],
    ));
    let accepted = referral_in(ReferralState::Accepted);
    assert_eq!(
        referral::on_consent_withdrawn(&accepted, &both, today),
        None
    );
}

// ---------------------------------------------------------------------------
// Needs, care plan, review
// ---------------------------------------------------------------------------

#[test]
fn sub_areas_belong_to_their_domain() {
    // (sub-area, its domain), by hand.
    let table = [
        (SubArea::InitialHealthAssessment, NeedDomain::PhysicalHealth),
        (SubArea::VocationalTraining, NeedDomain::Livelihood),
        (SubArea::Employment, NeedDomain::Livelihood),
        (SubArea::FinancialSubsidy, NeedDomain::Livelihood),
        (SubArea::Microfinance, NeedDomain::Livelihood),
    ];
    assert_eq!(table.map(|t| t.0).as_slice(), SubArea::ALL);
    for (sub, home) in table {
        for domain in NeedDomain::ALL.iter().copied() {
            let need = Need {
                id: NeedId(Uuid::from_u128(1)),
                domain,
                sub_area: Some(sub),
                beneficiary: Beneficiary::Person,
                priority: Priority::High,
                status: NeedStatus::Open,
                persons_view: "Wants to start work soon.".into(),
            };
            if domain == home {
                assert!(need.validate().is_ok());
            } else {
                assert_eq!(need.validate().unwrap_err().code, "need_sub_area_mismatch");
            }
        }
    }
    let names: Vec<&str> = NeedDomain::ALL.iter().map(|d| d.as_str()).collect();
    assert_eq!(
        names,
        [
            "safety_and_risk",
            "physical_health",
            "mental_health_psychosocial",
            "legal_assistance",
            "interpretation",
            "accommodation",
            "documents_and_legal_status",
            "education",
            "livelihood",
            "family_contact"
        ]
    );
}

#[test]
fn prompts_are_plain_data_for_every_profile() {
    let general = needs::general_prompts();
    let domains: BTreeSet<&str> = general.iter().map(|p| p.domain.as_str()).collect();
    assert_eq!(
        domains.len(),
        NeedDomain::ALL.len(),
        "one general question per domain"
    );
    let mut keys = BTreeSet::new();
    let all = needs::assessment_prompts(Profile::ALL);
    for p in &all {
        assert!(keys.insert(p.key), "duplicate key {}", p.key);
        assert!(p.text.ends_with('?') || p.text.ends_with('.'), "{}", p.key);
        assert!(p.text.len() < 160, "keep it short: {}", p.key);
    }
    for profile in Profile::ALL.iter().copied() {
        let specific = needs::prompts_for(profile);
        assert!(specific.len() >= 4, "{profile:?}");
        assert!(specific.iter().all(|p| p.key.split('.').count() == 2));
    }
    assert!(
        needs::prompts_for(Profile::TransgenderPerson)
            .iter()
            .any(|p| p.domain == NeedDomain::Accommodation)
    );
    assert!(
        needs::prompts_for(Profile::Child)
            .iter()
            .any(|p| p.domain == NeedDomain::Education)
    );
    // Several profiles: general first, then each profile once.
    let two =
        needs::assessment_prompts(&[Profile::Child, Profile::Child, Profile::ManInForcedLabour]);
    assert_eq!(
        two.len(),
        general.len()
            + needs::prompts_for(Profile::Child).len()
            + needs::prompts_for(Profile::ManInForcedLabour).len()
    );
    assert_eq!(two[0], general[0]);
}

fn task(n: u128, due: Date, done: Option<Date>, cancelled: bool) -> Task {
    Task {
        id: TaskId(Uuid::from_u128(n)),
        goal: GoalId(Uuid::from_u128(1)),
        description: "Book the appointment.".into(),
        assigned_to: None,
        due_on: due,
        done_on: done,
        cancelled,
    }
}

#[test]
fn overdue_tasks() {
    let today = date!(2026 - 09 - 10);
    let tasks = [
        task(1, date!(2026 - 09 - 09), None, false), // overdue
        task(2, today, None, false),                 // due today
        task(3, date!(2026 - 09 - 01), Some(date!(2026 - 09 - 02)), false), // done
        task(4, date!(2026 - 08 - 01), None, true),  // cancelled
        task(5, date!(2026 - 08 - 20), None, false), // overdue, older
    ];
    let ids: Vec<u128> = needs::overdue(&tasks, today)
        .iter()
        .map(|t| t.id.0.as_u128())
        .collect();
    assert_eq!(ids, [5, 1]);
}

#[test]
fn care_plan_links() {
    let need = Need {
        id: NeedId(Uuid::from_u128(1)),
        domain: NeedDomain::Education,
        sub_area: None,
        beneficiary: Beneficiary::DependentChild,
        priority: Priority::Medium,
        status: NeedStatus::Open,
        persons_view: String::new(),
    };
    let goal = Goal {
        id: GoalId(Uuid::from_u128(1)),
        needs: vec![need.id],
        description: "The child attends school.".into(),
    };
    let t = task(1, date!(2026 - 09 - 01), None, false);
    assert!(
        needs::check_care_plan(
            std::slice::from_ref(&need),
            std::slice::from_ref(&goal),
            std::slice::from_ref(&t)
        )
        .is_ok()
    );
    let stray = Goal {
        needs: vec![NeedId(Uuid::from_u128(9))],
        ..goal.clone()
    };
    assert_eq!(
        needs::check_care_plan(std::slice::from_ref(&need), &[stray], &[])
            .unwrap_err()
            .code,
        "unknown_need"
    );
    let empty = Goal {
        needs: vec![],
        ..goal.clone()
    };
    assert_eq!(
        needs::check_care_plan(std::slice::from_ref(&need), &[empty], &[])
            .unwrap_err()
            .code,
        "goal_without_need"
    );
    let orphan = Task {
        goal: GoalId(Uuid::from_u128(9)),
        ..t
    };
    assert_eq!(
        needs::check_care_plan(&[need], &[goal], &[orphan])
            .unwrap_err()
            .code,
        "unknown_goal"
    );
}

#[test]
fn reviews_every_three_months_by_default() {
    assert_eq!(needs::DEFAULT_REVIEW_MONTHS, 3);
    let table = [
        (date!(2026 - 01 - 15), 3, date!(2026 - 04 - 15)),
        (date!(2026 - 11 - 30), 3, date!(2027 - 02 - 28)),
        (date!(2027 - 11 - 30), 3, date!(2028 - 02 - 29)),
        (date!(2026 - 05 - 31), 1, date!(2026 - 06 - 30)),
        (date!(2026 - 05 - 31), 0, date!(2026 - 06 - 30)),
        (date!(2026 - 03 - 01), 12, date!(2027 - 03 - 01)),
    ];
    for (last, every, due) in table {
        assert_eq!(needs::next_review_due(last, every), due, "{last} +{every}");
    }
}

#[test]
fn the_review_queue() {
    let today = date!(2026 - 10 - 01);
    let facts = |n: u128, status, opened, last, every| ReviewFacts {
        case: CaseId(Uuid::from_u128(n)),
        status,
        opened_on: opened,
        last_review: last,
        every_months: every,
    };
    let cases = [
        facts(
            1,
            CaseStatus::InProtection,
            date!(2026 - 01 - 01),
            Some(date!(2026 - 07 - 01)),
            3,
        ), // due today
        facts(
            2,
            CaseStatus::FollowUp,
            date!(2026 - 01 - 01),
            Some(date!(2026 - 08 - 01)),
            3,
        ), // not yet
        facts(3, CaseStatus::Closed, date!(2025 - 01 - 01), None, 3), // closed: never
        facts(4, CaseStatus::Referred, date!(2026 - 05 - 10), None, 3), // never reviewed: due 08-10
        facts(
            5,
            CaseStatus::NotIdentified,
            date!(2026 - 01 - 01),
            Some(date!(2026 - 08 - 15)),
            1,
        ), // due 09-15
    ];
    let q = needs::review_queue(&cases, today);
    let got: Vec<(u128, Date, i64)> = q
        .iter()
        .map(|r| (r.case.0.as_u128(), r.due_on, r.days_overdue))
        .collect();
    assert_eq!(
        got,
        [
            (4, date!(2026 - 08 - 10), 52),
            (5, date!(2026 - 09 - 15), 16),
            (1, date!(2026 - 10 - 01), 0),
        ]
    );
}

// ---------------------------------------------------------------------------
// Shelters
// ---------------------------------------------------------------------------

#[test]
fn detention_flags_table() {
    let today = date!(2026 - 12 - 31);
    let admitted = date!(2026 - 01 - 01);
    let stay = |regime, free, left: Option<Date>| Stay {
        shelter_type: ShelterType::Women,
        regime,
        admitted_on: admitted,
        left_on: left,
        free_to_leave: free,
    };
    use DetentionFlag::*;
    let within = Some(admitted + Duration::days(180));
    let beyond = Some(admitted + Duration::days(181));
    let table: [(Stay, Vec<DetentionFlag>); 7] = [
        (stay(ShelterRegime::Open, true, within), vec![]),
        (
            stay(ShelterRegime::Open, true, beyond),
            vec![StayExceedsLimit],
        ),
        (
            stay(ShelterRegime::Open, true, None),
            vec![StayExceedsLimit],
        ),
        (
            stay(ShelterRegime::Open, false, within),
            vec![NotFreeToLeave],
        ),
        (
            stay(ShelterRegime::Closed, true, within),
            vec![ClosedShelter],
        ),
        (
            stay(ShelterRegime::Closed, false, beyond),
            vec![NotFreeToLeave, ClosedShelter, StayExceedsLimit],
        ),
        (
            Stay {
                admitted_on: today + Duration::days(2),
                ..stay(ShelterRegime::Open, true, None)
            },
            vec![],
        ),
    ];
    for (s, want) in table {
        assert_eq!(
            shelter::detention_flags(&s, today, shelter::DEFAULT_MAX_STAY_DAYS),
            want,
            "{s:?}"
        );
    }
    // The limit is configurable.
    let short = stay(
        ShelterRegime::Open,
        true,
        Some(admitted + Duration::days(31)),
    );
    assert_eq!(
        shelter::detention_flags(&short, today, 30),
        vec![StayExceedsLimit]
    );
    assert_eq!(shelter::detention_flags(&short, today, 90), vec![]);
}

/// Rows: genders; columns: `ShelterType::ALL` (women, children, men,
/// transgender, survivors of sexual exploitation), for an adult who is not
/// a survivor of sexual exploitation. First string: no choice expressed;
/// second: the person chose the shelter type of that column.
/// R by right, C by choice, g shelter_gender_mismatch,
/// a adult_not_in_children_shelter, s not_a_survivor_of_sexual_exploitation.
const ELIGIBILITY: [(GenderIdentity, &str, &str); 7] = [
    (GenderIdentity::Woman, "Raggs", "Raggs"),
    (GenderIdentity::Man, "gaRgs", "gaRgs"),
    (GenderIdentity::TransgenderWoman, "RagRs", "RaCRs"),
    (GenderIdentity::TransgenderMan, "gaRRs", "CaRRs"),
    (GenderIdentity::NonBinary, "gagRs", "CaCRs"),
    (GenderIdentity::Other, "gagRs", "CaCRs"),
    (GenderIdentity::NotDisclosed, "gaggs", "CaCgs"),
];

fn expect_eligibility(got: Result<Eligibility, safepath_domain::DomainError>, sym: u8, ctx: &str) {
    match sym {
        b'R' => assert_eq!(got.unwrap(), Eligibility::ByRight, "{ctx}"),
        b'C' => assert_eq!(got.unwrap(), Eligibility::ByChoice, "{ctx}"),
        code => {
            let want = match code {
                b'g' => "shelter_gender_mismatch",
                b'a' => "adult_not_in_children_shelter",
                b's' => "not_a_survivor_of_sexual_exploitation",
                b'k' => "child_only_in_children_shelter",
                _ => panic!("bad symbol"),
            };
            assert_eq!(got.unwrap_err().code, want, "{ctx}");
        }
    }
}

#[test]
fn shelter_eligibility_for_every_gender_type_and_choice() {
    for (gender, no_choice, chosen) in ELIGIBILITY {
        for (k, shelter_type) in ShelterType::ALL.iter().copied().enumerate() {
            let adult = ShelterCandidate {
                is_child: false,
                gender,
                survivor_of_sexual_exploitation: false,
                chosen: None,
            };
            let ctx = format!("{gender:?} {shelter_type:?}");
            expect_eligibility(
                shelter::check_eligibility(&adult, shelter_type),
                no_choice.as_bytes()[k],
                &ctx,
            );
            let choosing = ShelterCandidate {
                chosen: Some(shelter_type),
                ..adult.clone()
            };
            expect_eligibility(
                shelter::check_eligibility(&choosing, shelter_type),
                chosen.as_bytes()[k],
                &format!("{ctx} chosen"),
            );
            // Survivors of sexual exploitation, of any gender, are eligible
            // for the specialised shelters; the other columns do not change.
            let survivor = ShelterCandidate {
                survivor_of_sexual_exploitation: true,
                ..adult.clone()
            };
            let sym = if shelter_type == ShelterType::SurvivorsOfSexualExploitation {
                b'R'
            } else {
                no_choice.as_bytes()[k]
            };
            expect_eligibility(
                shelter::check_eligibility(&survivor, shelter_type),
                sym,
                &ctx,
            );
            // A child, whatever else is true, only in a children's shelter.
            for survivor in [false, true] {
                for chosen in [None, Some(shelter_type), Some(ShelterType::Women)] {
                    let child = ShelterCandidate {
                        is_child: true,
                        gender,
                        survivor_of_sexual_exploitation: survivor,
                        chosen,
                    };
                    expect_eligibility(
                        shelter::check_eligibility(&child, shelter_type),
                        b"kRkkk"[k],
                        &format!("child {ctx}"),
                    );
                }
            }
        }
    }
}

#[test]
fn what_must_be_offered() {
    let person = |is_child, gender, chosen| ShelterCandidate {
        is_child,
        gender,
        survivor_of_sexual_exploitation: false,
        chosen,
    };
    use GenderIdentity as G;
    use ShelterType as T;
    let table = [
        (
            person(true, G::TransgenderWoman, Some(T::Women)),
            vec![T::Children],
        ),
        (
            person(false, G::TransgenderWoman, Some(T::Women)),
            vec![T::Transgender, T::Women],
        ),
        (
            person(false, G::TransgenderWoman, Some(T::Men)),
            vec![T::Transgender, T::Men],
        ),
        (
            person(false, G::TransgenderMan, Some(T::Women)),
            vec![T::Transgender, T::Women],
        ),
        (person(false, G::NonBinary, None), vec![T::Transgender]),
        (
            person(false, G::Other, Some(T::Transgender)),
            vec![T::Transgender],
        ),
        (
            person(false, G::TransgenderMan, Some(T::Children)),
            vec![T::Transgender],
        ),
        (person(false, G::Woman, Some(T::Women)), vec![]),
        (person(false, G::NotDisclosed, None), vec![]),
    ];
    for (p, want) in table {
        assert_eq!(shelter::must_offer(&p), want, "{p:?}");
    }
}

#[test]
fn no_return_is_planned_during_a_reflection_period_or_a_pending_asylum_application() {
    use safepath_domain::justice::permits::ReturnBlock;
    for (block, code) in [
        (
            ReturnBlock::ReflectionPeriod,
            "return_blocked_reflection_period",
        ),
        (
            ReturnBlock::ProtectionPending,
            "return_blocked_protection_pending",
        ),
    ] {
        let ctx = TransitionContext {
            return_block: Some(block),
            ..full_ctx()
        };
        for (i, from, j, to) in pairs() {
            let got = walk(from, to, &ctx);
            match expected_edge(i, j) {
                'S' => assert_eq!(got.unwrap_err().code, code, "{from:?}->{to:?}"),
                '=' | '.' => assert!(got.is_err()),
                // Every other step (integration, resettlement planning,
                // follow-up) stays open: only a return waits.
                _ => assert!(got.is_ok(), "{from:?}->{to:?}"),
            }
        }
    }
}

/// The partner's arrival confirmation walks exactly the lifecycle's own
/// edge from repatriation to follow-up, and moves no other status.
#[test]
fn an_arrival_moves_only_a_repatriation_in_progress_to_follow_up() {
    for from in CaseStatus::ALL {
        match lifecycle::on_arrival(from) {
            Some(t) => {
                assert_eq!(from, CaseStatus::RepatriationInProgress);
                assert_eq!(t.to, CaseStatus::FollowUp);
                assert_eq!(lifecycle::edge(t.from, t.to), Some(t.kind));
                assert_eq!(t.actor, Role::Partner);
            }
            None => assert_ne!(from, CaseStatus::RepatriationInProgress),
        }
    }
}
