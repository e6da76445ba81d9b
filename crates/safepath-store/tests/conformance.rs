//! The storage conformance suite. Every test runs against SQLite (always) and
//! PostgreSQL (when `SAFEPATH_TEST_POSTGRES_URL` names a server; CI sets it,
//! and `SAFEPATH_REQUIRE_POSTGRES=1` turns a missing server into a failure).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use safepath_audit::ChainVerifier;
use safepath_crypto::{KeyPurpose, Sealed, WrappedDataKey};
use safepath_domain::access::{CaseFacts, Visibility};
use safepath_domain::ids::{CaseId, OrgId, PersonId, UserId};
use safepath_store::*;
use std::sync::Arc;
use uuid::Uuid;

/// A store plus what keeps its database alive and a raw connection URL for tampering.
struct Harness {
    store: Arc<dyn Store>,
    raw_url: String,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite() -> Option<Harness> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("t.db").display());
    let signer: CheckpointSigner =
        Arc::new(|seq, hash| safepath_audit::sign_checkpoint(&[3; 32], seq, hash));
    let store = open(&url, Some(signer)).await.unwrap();
    store.migrate().await.unwrap();
    Some(Harness {
        store,
        raw_url: url,
        _dir: Some(dir),
    })
}

async fn postgres() -> Option<Harness> {
    let Ok(base) = std::env::var("SAFEPATH_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("SAFEPATH_REQUIRE_POSTGRES").is_err(),
            "SAFEPATH_REQUIRE_POSTGRES is set but SAFEPATH_TEST_POSTGRES_URL is not"
        );
        eprintln!("PostgreSQL conformance skipped: set SAFEPATH_TEST_POSTGRES_URL");
        return None;
    };
    // A fresh database per test.
    let name = format!("sp_test_{}", Uuid::new_v4().simple());
    let admin = sqlx::PgPool::connect(&base).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .unwrap();
    admin.close().await;
    let (prefix, _) = base.rsplit_once('/').unwrap();
    let url = format!("{prefix}/{name}");
    let signer: CheckpointSigner =
        Arc::new(|seq, hash| safepath_audit::sign_checkpoint(&[3; 32], seq, hash));
    let store = open(&url, Some(signer)).await.unwrap();
    store.migrate().await.unwrap();
    Some(Harness {
        store,
        raw_url: url,
        _dir: None,
    })
}

fn sealed(tag: &str) -> Sealed {
    Sealed {
        key_id: "dk-test".into(),
        bytes: format!("ciphertext-of-{tag}").into_bytes(),
    }
}

fn audit(action: &str) -> AuditDraft {
    AuditDraft::new(1_700_000_000_000, "tester", action)
}

fn org(name: &str) -> OrgRow {
    OrgRow {
        id: OrgId(Uuid::new_v4()),
        name: name.into(),
        org_type: "ngo".into(),
        country: "THA".into(),
        created_at: 1,
    }
}

fn user(org: OrgId, username: &str, role: &str) -> UserRow {
    UserRow {
        id: UserId(Uuid::new_v4()),
        username: username.into(),
        full_name: "Test User".into(),
        org_id: org,
        role: role.into(),
        password_hash: "$argon2id$test".into(),
        disabled: false,
        language: "en".into(),
        created_at: 1,
    }
}

fn person() -> PersonRow {
    PersonRow {
        id: PersonId(Uuid::new_v4()),
        display_name: sealed("display"),
        names: sealed("names"),
        birth_date: Some(sealed("birth")),
        contact: None,
        place_of_origin: Some(sealed("origin")),
        sex: "female".into(),
        gender_identity: "woman".into(),
        nationalities: "[\"MMR\"]".into(),
        languages: "[\"my\"]".into(),
        created_at: 10,
        updated_at: 10,
    }
}

fn case(
    org: OrgId,
    person: PersonId,
    manager: Option<UserId>,
    associated: Vec<UserId>,
    reference: &str,
    at: i64,
) -> CaseRow {
    CaseRow {
        id: CaseId(Uuid::new_v4()),
        reference: reference.into(),
        person_id: person,
        status: "referred".into(),
        org_id: org,
        case_manager_id: manager,
        associated,
        exploitation_forms: "[\"forced_labour\"]".into(),
        notes: Some(sealed("notes")),
        created_by: "tester".into(),
        created_at: at,
        updated_at: at,
        version: 1,
    }
}

/// An organisation with one case manager, both stored.
async fn org_with_case_manager(s: &dyn Store, name: &str, username: &str) -> (OrgRow, UserRow) {
    let o = org(name);
    s.insert_org(&o, &audit("org.create")).await.unwrap();
    let cm = user(o.id, username, "case_manager");
    s.insert_user(&cm, &audit("u")).await.unwrap();
    (o, cm)
}

/// A case of `cm`'s organisation that `cm` manages, stored with a new
/// person and the person's name index `index`.
async fn managed_case(s: &dyn Store, cm: &UserRow, reference: &str, index: &[Vec<u8>]) -> CaseRow {
    let p = person();
    let c = case(cm.org_id, p.id, Some(cm.id), vec![], reference, 100);
    s.insert_case(&c, &p, index, &audit("case.create"))
        .await
        .unwrap();
    c
}

async fn audit_count(s: &dyn Store) -> usize {
    s.audit_entries(0, 1_000_000).await.unwrap().len()
}

async fn verify(s: &dyn Store) -> Result<i64, safepath_audit::Break> {
    let cps = s.checkpoints().await.unwrap();
    let mut v = ChainVerifier::new(cps.iter().map(|c| c.seq));
    for e in s.audit_entries(0, 1_000_000).await.unwrap() {
        v.push(&e)?;
    }
    v.finish(&safepath_audit::verifying_key(&[3; 32]), &cps, None)
}

async fn orgs_users_and_sessions(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Org One");
    s.insert_org(&o, &audit("org.create")).await.unwrap();
    assert!(matches!(
        s.insert_org(&org("Org One"), &audit("org.create")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.list_orgs().await.unwrap(), vec![o.clone()]);
    assert_eq!(s.org(o.id).await.unwrap(), Some(o.clone()));
    let u = user(o.id, "alice", "coordinator");
    s.insert_user(&u, &audit("user.create")).await.unwrap();
    assert!(matches!(
        s.insert_user(&user(o.id, "alice", "analyst"), &audit("user.create"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.user_by_username("alice").await.unwrap(), Some(u.clone()));
    assert_eq!(s.user(u.id).await.unwrap(), Some(u.clone()));
    assert_eq!(
        s.users_with_role(o.id, "coordinator").await.unwrap(),
        vec![u.clone()]
    );

    let session = SessionRow {
        token_hash: "h1".into(),
        user_id: u.id,
        kind: "web".into(),
        csrf_token: "c".into(),
        created_at: 1,
        expires_at: 100,
        last_seen_at: 1,
    };
    s.insert_session(&session).await.unwrap();
    assert_eq!(s.session("h1", 50).await.unwrap(), Some(session.clone()));
    // Its last use is kept for the idle timeout.
    s.touch_session("h1", 40).await.unwrap();
    assert_eq!(s.session("h1", 50).await.unwrap().unwrap().last_seen_at, 40);
    s.touch_session("h1", 1).await.unwrap();
    assert_eq!(
        s.session("h1", 100).await.unwrap(),
        None,
        "expired sessions are not returned"
    );
    assert_eq!(s.delete_expired_sessions(200).await.unwrap(), 1);
    s.insert_session(&session).await.unwrap();
    assert!(
        s.set_disabled(u.id, true, &audit("user.disable"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.session("h1", 50).await.unwrap(),
        None,
        "disabling ends sessions"
    );
    assert!(s.user(u.id).await.unwrap().unwrap().disabled);
    assert!(
        s.users_with_role(o.id, "coordinator")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.set_password(u.id, "$argon2id$new", &audit("user.reset_password"))
            .await
            .unwrap()
    );
    assert_eq!(
        s.user(u.id).await.unwrap().unwrap().password_hash,
        "$argon2id$new"
    );
    assert!(
        !s.set_password(UserId(Uuid::new_v4()), "x", &audit("user.reset_password"))
            .await
            .unwrap()
    );
    s.set_language(u.id, "id").await.unwrap();
    assert_eq!(s.user(u.id).await.unwrap().unwrap().language, "id");
    // A role change ends the sessions too; every account is listed, disabled
    // ones included.
    s.insert_session(&session).await.unwrap();
    assert!(
        s.set_role(u.id, "analyst", &audit("user.role"))
            .await
            .unwrap()
    );
    assert_eq!(s.user(u.id).await.unwrap().unwrap().role, "analyst");
    assert_eq!(
        s.session("h1", 50).await.unwrap(),
        None,
        "a new role ends sessions"
    );
    assert!(
        !s.set_role(UserId(Uuid::new_v4()), "analyst", &audit("user.role"))
            .await
            .unwrap()
    );
    let bob = user(o.id, "bob", "case_manager");
    s.insert_user(&bob, &audit("user.create")).await.unwrap();
    let listed: Vec<String> = s
        .all_users()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.username)
        .collect();
    assert_eq!(listed, vec!["alice", "bob"]);

    let f = LoginFailures {
        failures: 3,
        locked_until: 0,
        last_at: 5,
    };
    s.put_login_failures("k", &f).await.unwrap();
    s.put_login_failures(
        "k",
        &LoginFailures {
            failures: 4,
            ..f.clone()
        },
    )
    .await
    .unwrap();
    assert_eq!(s.login_failures("k").await.unwrap().unwrap().failures, 4);
    // Parallel failures are each counted (no read-modify-write race).
    let counts = parallel_failures(&h.store, "parallel").await;
    assert_eq!(counts, (1..=16).collect::<Vec<i64>>());
    s.lock_login("parallel", 5_000).await.unwrap();
    s.lock_login("parallel", 1_000).await.unwrap();
    assert_eq!(
        s.login_failures("parallel")
            .await
            .unwrap()
            .unwrap()
            .locked_until,
        5_000,
        "a lock is never shortened"
    );
    s.clear_login_failures("k").await.unwrap();
    assert_eq!(s.login_failures("k").await.unwrap(), None);
    assert_eq!(verify(s).await, Ok(audit_count(s).await as i64));
}

async fn cases_round_trip_and_optimistic_updates(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Org");
    s.insert_org(&o, &audit("org.create")).await.unwrap();
    let cm = user(o.id, "cm", "case_manager");
    let other = user(o.id, "other", "service_provider");
    s.insert_user(&cm, &audit("u")).await.unwrap();
    s.insert_user(&other, &audit("u")).await.unwrap();
    let p = person();
    let c = case(
        o.id,
        p.id,
        Some(cm.id),
        vec![other.id],
        "SP-2026-AAAA-0001",
        100,
    );
    s.insert_case(
        &c,
        &p,
        &[vec![1; 32], vec![2; 32]],
        &audit("case.create").record("case", c.id),
    )
    .await
    .unwrap();
    assert_eq!(s.count_cases().await.unwrap(), 1);
    // Break-the-glass by reference: exact, nothing for another.
    assert_eq!(
        s.case_by_reference("SP-2026-AAAA-0001").await.unwrap(),
        Some(c.id)
    );
    assert_eq!(
        s.case_by_reference("SP-2026-AAAA-0002").await.unwrap(),
        None
    );
    let (rc, rp) = s
        .read_case(
            &facts_of(s, c.id).await,
            &audit("case.read").record("case", c.id),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rc, c);
    assert_eq!(rp, p);
    assert_eq!(
        s.case_facts(c.id).await.unwrap(),
        Some(CaseFacts {
            id: c.id,
            org: o.id,
            case_manager: Some(cm.id),
            associated: vec![other.id]
        })
    );
    // Many at once: the same facts, unknown cases left out.
    assert_eq!(
        s.cases_facts(&[CaseId(Uuid::from_u128(404)), c.id])
            .await
            .unwrap(),
        [s.case_facts(c.id).await.unwrap().unwrap()]
    );
    assert!(s.cases_facts(&[]).await.unwrap().is_empty());
    assert_eq!(
        s.read_case(
            &CaseFacts {
                id: CaseId(Uuid::new_v4()),
                org: o.id,
                case_manager: None,
                associated: vec![]
            },
            &audit("case.read")
        )
        .await
        .unwrap(),
        None
    );

    // The policy decided on facts that no longer hold (another case manager
    // now): nothing is read and nothing is appended.
    let before = audit_count(s).await;
    let stale = CaseFacts {
        case_manager: Some(other.id),
        ..facts_of(s, c.id).await
    };
    assert!(matches!(
        s.read_case(&stale, &audit("case.read").record("case", c.id))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(audit_count(s).await, before);

    // A duplicate reference is refused and leaves nothing behind: no person, no audit entry.
    let entries = audit_count(s).await;
    let p2 = person();
    let dup = case(o.id, p2.id, Some(cm.id), vec![], "SP-2026-AAAA-0001", 101);
    assert!(matches!(
        s.insert_case(&dup, &p2, &[], &audit("case.create")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(audit_count(s).await, entries);
    assert_eq!(s.count_cases().await.unwrap(), 1);

    let mut updated = c.clone();
    updated.status = "presumed_victim".into();
    updated.associated = vec![];
    updated.version = 2;
    updated.updated_at = 200;
    let mut p_new = p.clone();
    p_new.display_name = sealed("new display");
    s.update_case(
        &updated,
        Some((&p_new, &[vec![9; 32]])),
        &audit("case.update"),
    )
    .await
    .unwrap();
    let (rc, rp) = s
        .read_case(&facts_of(s, c.id).await, &audit("case.read"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(rc, updated);
    assert_eq!(rp.display_name, sealed("new display"));
    // The same version again is a lost update: refused, nothing changed, no audit entry.
    // A notification rides with the change: a refused change leaves none.
    let entries = audit_count(s).await;
    let notice = |id: &str| NotificationRow {
        id: id.into(),
        user_id: cm.id,
        kind: "case_changed".into(),
        case_id: Some(c.id),
        message: "Case changed (synthetic).".into(),
        created_at: 300,
        read_at: None,
        subject_type: None,
        subject_id: None,
        params: None,
    };
    let mut stale = updated.clone();
    stale.status = "closed".into();
    assert!(matches!(
        s.update_case(
            &stale,
            None,
            &audit("case.update").notify(notice("n-refused"))
        )
        .await,
        Err(StoreError::VersionMismatch)
    ));
    assert!(s.notifications(cm.id, 10).await.unwrap().is_empty());
    // ...and an audited read that carries one writes it with the entry.
    s.read_case(
        &facts_of(s, c.id).await,
        &audit("case.read").notify(notice("n-kept")),
    )
    .await
    .unwrap();
    let kept = s.notifications(cm.id, 10).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].id, "n-kept");
    let entries = entries + 1;
    assert_eq!(
        s.read_case(&facts_of(s, c.id).await, &audit("case.read"))
            .await
            .unwrap()
            .unwrap()
            .0
            .status,
        "presumed_victim"
    );
    assert_eq!(
        audit_count(s).await,
        entries + 1,
        "only the read was audited"
    );
    // The name index was replaced: the old token no longer finds the person.
    let vis = Visibility::Own(cm.id, cm.org_id);
    let by_old = s
        .list_cases(
            vis,
            &CaseFilter {
                name_tokens: vec![vec![1; 32]],
                limit: 10,
                ..Default::default()
            },
            &audit("case.list"),
        )
        .await
        .unwrap();
    assert_eq!(by_old.total, 0);
    let by_new = s
        .list_cases(
            vis,
            &CaseFilter {
                name_tokens: vec![vec![9; 32]],
                limit: 10,
                ..Default::default()
            },
            &audit("case.list"),
        )
        .await
        .unwrap();
    assert_eq!(by_new.total, 1);
}

async fn lists_follow_the_access_policy(h: Harness) {
    let s = h.store.as_ref();
    let (oa, ob) = (org("A"), org("B"));
    s.insert_org(&oa, &audit("o")).await.unwrap();
    s.insert_org(&ob, &audit("o")).await.unwrap();
    let users = [
        user(oa.id, "cm-a", "case_manager"),
        user(oa.id, "co-a", "coordinator"),
        user(ob.id, "cm-b", "case_manager"),
        user(ob.id, "sp-b", "service_provider"),
    ];
    for u in &users {
        s.insert_user(u, &audit("u")).await.unwrap();
    }
    let mut all = Vec::new();
    for i in 0..12i64 {
        let owner_org = if i % 2 == 0 { oa.id } else { ob.id };
        let manager = if i % 3 == 0 {
            None
        } else if owner_org == oa.id {
            Some(users[0].id)
        } else {
            Some(users[2].id)
        };
        let associated = if i % 4 == 0 {
            vec![users[3].id]
        } else {
            vec![]
        };
        let p = person();
        let c = case(
            owner_org,
            p.id,
            manager,
            associated,
            &format!("SP-2026-TEST-{i:04}"),
            1000 + i,
        );
        let tokens = if i % 5 == 0 {
            vec![vec![7; 32], vec![8; 32]]
        } else {
            vec![vec![7; 32]]
        };
        s.insert_case(&c, &p, &tokens, &audit("case.create"))
            .await
            .unwrap();
        all.push((c, tokens.len()));
    }
    let mut visibilities = vec![Visibility::Nothing];
    for u in &users {
        visibilities.push(Visibility::Own(u.id, u.org_id));
        visibilities.push(Visibility::OwnAndOrg(u.id, u.org_id));
    }
    for vis in visibilities {
        let page = s
            .list_cases(
                vis,
                &CaseFilter {
                    limit: 100,
                    ..Default::default()
                },
                &audit("case.list"),
            )
            .await
            .unwrap();
        let mut got: Vec<CaseId> = page.items.iter().map(|(c, _)| c.id).collect();
        let mut expected: Vec<CaseId> = all
            .iter()
            .filter(|(c, _)| {
                vis.includes(&CaseFacts {
                    id: c.id,
                    org: c.org_id,
                    case_manager: c.case_manager_id,
                    associated: c.associated.clone(),
                })
            })
            .map(|(c, _)| c.id)
            .collect();
        assert_eq!(page.total as usize, expected.len(), "{vis:?}");
        got.sort();
        expected.sort();
        assert_eq!(got, expected, "{vis:?}");
        // Every token must match; reference prefix search; paging.
        let both = s
            .list_cases(
                vis,
                &CaseFilter {
                    name_tokens: vec![vec![7; 32], vec![8; 32]],
                    limit: 100,
                    ..Default::default()
                },
                &audit("case.list"),
            )
            .await
            .unwrap();
        assert!(
            both.items
                .iter()
                .all(|(c, _)| all.iter().any(|(a, n)| a.id == c.id && *n == 2))
        );
    }
    let coord = Visibility::OwnAndOrg(users[1].id, oa.id);
    let by_ref = s
        .list_cases(
            coord,
            &CaseFilter {
                reference_prefix: Some("SP-2026-TEST-0002".into()),
                limit: 10,
                ..Default::default()
            },
            &audit("case.list"),
        )
        .await
        .unwrap();
    assert_eq!(by_ref.total, 1);
    let first = s
        .list_cases(
            coord,
            &CaseFilter {
                limit: 2,
                ..Default::default()
            },
            &audit("case.list"),
        )
        .await
        .unwrap();
    let second = s
        .list_cases(
            coord,
            &CaseFilter {
                limit: 2,
                offset: 2,
                ..Default::default()
            },
            &audit("case.list"),
        )
        .await
        .unwrap();
    assert_eq!(first.items.len(), 2);
    assert!(
        first.items[0].0.updated_at >= first.items[1].0.updated_at,
        "newest first"
    );
    assert!(
        second
            .items
            .iter()
            .all(|(c, _)| first.items.iter().all(|(f, _)| f.id != c.id))
    );
    // The list is audited with the ids it returned.
    let last = s.audit_entries(0, 1_000_000).await.unwrap().pop().unwrap();
    assert_eq!(last.entry.action, "case.list");
    assert!(
        last.entry
            .detail
            .unwrap()
            .contains(&second.items[0].0.id.to_string())
    );
    // A scan pages through every case (keyset on creation time and id),
    // whatever the page size: none left out, none twice.
    let total = s.count_cases().await.unwrap() as usize;
    for size in [1, 3, 1000] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = s.case_persons_page(after, size).await.unwrap();
            after = page.last().map(|r| (r.case_created_at, r.case_id));
            let n = page.len();
            seen.extend(page.into_iter().map(|r| r.case_id));
            if n < size as usize {
                break;
            }
        }
        let unique: std::collections::HashSet<_> = seen.iter().collect();
        assert_eq!(
            (seen.len(), unique.len()),
            (total, total),
            "page size {size}"
        );
    }
}

async fn audit_chain_checkpoints_and_tampering(h: Harness) {
    let s = h.store.as_ref();
    for i in 0..(CHECKPOINT_EVERY + 5) {
        s.append_audit(&audit("case.read").record("case", format!("c{i}")))
            .await
            .unwrap();
    }
    assert_eq!(
        s.checkpoints().await.unwrap().len(),
        1,
        "a checkpoint every {CHECKPOINT_EVERY} entries"
    );
    assert_eq!(
        s.checkpoint_now(5).await.unwrap(),
        Some(CHECKPOINT_EVERY + 5)
    );
    assert_eq!(verify(s).await, Ok(CHECKPOINT_EVERY + 5));
    assert_eq!(s.audit_for_record("c3", 10).await.unwrap().len(), 1);
    // Alter one entry behind the store's back: the verifier names it.
    let sql = "UPDATE audit_log SET actor = 'intruder' WHERE seq = 7";
    if h.raw_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&h.raw_url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&h.raw_url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
    assert_eq!(
        verify(s).await,
        Err(safepath_audit::Break::Content { seq: 7 })
    );
}

async fn keys_notifications_and_backup(h: Harness) {
    let s = h.store.as_ref();
    let keys = vec![
        WrappedDataKey {
            id: "dk-1".into(),
            purpose: KeyPurpose::Field,
            master_key_id: "mk-1".into(),
            wrapped: vec![1, 2, 3],
        },
        WrappedDataKey {
            id: "dk-2".into(),
            purpose: KeyPurpose::Index,
            master_key_id: "mk-1".into(),
            wrapped: vec![4, 5, 6],
        },
    ];
    s.insert_data_keys(&keys, 1).await.unwrap();
    assert_eq!(s.data_keys().await.unwrap(), keys);
    let rewrapped: Vec<_> = keys
        .iter()
        .map(|k| WrappedDataKey {
            master_key_id: "mk-2".into(),
            wrapped: vec![9],
            ..k.clone()
        })
        .collect();
    s.rewrap_data_keys(&rewrapped, &audit("keys.rotate"))
        .await
        .unwrap();
    assert_eq!(s.data_keys().await.unwrap(), rewrapped);
    let missing = vec![WrappedDataKey {
        id: "dk-x".into(),
        ..rewrapped[0].clone()
    }];
    assert!(
        s.rewrap_data_keys(&missing, &audit("keys.rotate"))
            .await
            .is_err()
    );

    let o = org("O");
    s.insert_org(&o, &audit("o")).await.unwrap();
    let u = user(o.id, "u1", "coordinator");
    s.insert_user(&u, &audit("u")).await.unwrap();
    let n = NotificationRow {
        id: "n1".into(),
        user_id: u.id,
        kind: "break_glass".into(),
        case_id: None,
        message: "m".into(),
        created_at: 3,
        read_at: None,
        subject_type: None,
        subject_id: None,
        params: None,
    };
    s.insert_notifications(std::slice::from_ref(&n))
        .await
        .unwrap();
    assert_eq!(s.notifications(u.id, 10).await.unwrap(), vec![n.clone()]);
    // Counted until read; marking is the user's own and idempotent.
    assert_eq!(s.unread_notifications(u.id).await.unwrap(), 1);
    let other = user(o.id, "u2", "case_manager");
    s.insert_user(&other, &audit("u")).await.unwrap();
    assert_eq!(s.mark_notifications_read(other.id, 9).await.unwrap(), 0);
    assert_eq!(s.unread_notifications(u.id).await.unwrap(), 1);
    assert_eq!(s.mark_notifications_read(u.id, 9).await.unwrap(), 1);
    assert_eq!(s.mark_notifications_read(u.id, 10).await.unwrap(), 0);
    assert_eq!(s.unread_notifications(u.id).await.unwrap(), 0);
    assert_eq!(s.notifications(u.id, 10).await.unwrap()[0].read_at, Some(9));

    // One at a time: only the user's own, the subject and words kept.
    let about = NotificationRow {
        id: "n2".into(),
        created_at: 4,
        ..n.clone()
    }
    .about("referral", "r-1")
    .params(r#"{"reference":"SP-1"}"#.into());
    let third = NotificationRow {
        id: "n3".into(),
        created_at: 5,
        ..n.clone()
    };
    s.insert_notifications(&[about.clone(), third])
        .await
        .unwrap();
    let listed = s.notifications(u.id, 10).await.unwrap();
    assert_eq!(listed[1], about, "subject and params read back");
    assert_eq!(listed[1].subject_type.as_deref(), Some("referral"));
    assert_eq!(s.unread_notifications(u.id).await.unwrap(), 2);
    assert!(
        !s.mark_notification_read(other.id, "n2", 11).await.unwrap(),
        "another user's: not found"
    );
    assert!(!s.mark_notification_read(u.id, "nope", 11).await.unwrap());
    assert_eq!(s.unread_notifications(u.id).await.unwrap(), 2);
    assert!(s.mark_notification_read(u.id, "n2", 11).await.unwrap());
    assert!(
        s.mark_notification_read(u.id, "n2", 12).await.unwrap(),
        "again: still the user's"
    );
    assert_eq!(s.unread_notifications(u.id).await.unwrap(), 1);
    let listed = s.notifications(u.id, 10).await.unwrap();
    assert_eq!(listed[1].read_at, Some(11), "the first reading kept");
    assert_eq!(listed[0].read_at, None, "the other one still unread");

    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("backup.db");
    match s.backup() {
        Backend::Sqlite => {
            s.backup_to(&target).await.unwrap();
            let copy = open(&format!("sqlite://{}", target.display()), None)
                .await
                .unwrap();
            assert_eq!(copy.data_keys().await.unwrap(), rewrapped);
            assert_eq!(
                copy.audit_entries(0, 100).await.unwrap().len(),
                audit_count(s).await
            );
        }
        Backend::Postgres => assert!(matches!(
            s.backup_to(&target).await,
            Err(StoreError::Unsupported(_))
        )),
    }
}

async fn unknown_schemes_are_refused(_h: Harness) {
    for url in ["mysql://x/y", "safepath.db", "file:///tmp/x.db", ""] {
        assert!(
            matches!(open(url, None).await, Err(StoreError::UnknownScheme(_))),
            "{url}"
        );
    }
    assert!(
        !std::path::Path::new("safepath.db").exists(),
        "no file was created"
    );
}

// --- case work: records, queues, case changes with records, e-mail outbox ---

fn record(case: CaseId, kind: &str, state: &str, at: i64) -> CaseRecordRow {
    CaseRecordRow {
        id: Uuid::new_v4().to_string(),
        case_id: case,
        kind: kind.into(),
        state: state.into(),
        subject: None,
        owner_id: None,
        ref_id: None,
        due_on: None,
        record: sealed(kind),
        version: 1,
        created_at: at,
        updated_at: at,
    }
}

async fn case_records_queues_and_mail(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Casework Org");
    let other = org("Elsewhere");
    s.insert_org(&o, &audit("o")).await.unwrap();
    s.insert_org(&other, &audit("o")).await.unwrap();
    let cm = user(o.id, "cw-cm", "case_manager");
    let coord = user(o.id, "cw-coord", "coordinator");
    let stranger = user(other.id, "cw-x", "case_manager");
    for u in [&cm, &coord, &stranger] {
        s.insert_user(u, &audit("u")).await.unwrap();
    }
    let p = person();
    let c = case(o.id, p.id, Some(cm.id), vec![], "SP-2026-CWCW-0001", 100);
    s.insert_case(&c, &p, &[], &audit("case.create"))
        .await
        .unwrap();

    // Insert, read back, update with a version check.
    let mut task = record(c.id, "task", "open", 200);
    task.owner_id = Some(cm.id);
    task.due_on = Some("2026-01-05".into());
    task.ref_id = Some("goal-1".into());
    let mut later = record(c.id, "task", "open", 201);
    later.due_on = Some("2026-03-01".into());
    let need = record(c.id, "need", "open", 199);
    let before = audit_count(s).await;
    s.write_case_records(
        &[task.clone(), later.clone(), need.clone()],
        &audit("task.create"),
    )
    .await
    .unwrap();
    assert_eq!(audit_count(s).await, before + 1, "one audited transaction");
    assert_eq!(s.case_record(&task.id).await.unwrap(), Some(task.clone()));
    assert_eq!(
        s.case_records(c.id, Some("task")).await.unwrap(),
        vec![task.clone(), later.clone()]
    );
    assert_eq!(s.case_records(c.id, None).await.unwrap().len(), 3);
    let mut done = task.clone();
    done.state = "done".into();
    done.version = 2;
    done.updated_at = 300;
    s.write_case_records(std::slice::from_ref(&done), &audit("task.update"))
        .await
        .unwrap();
    // A stale version is refused and changes nothing, nor is it audited.
    let before = audit_count(s).await;
    let mut stale = task.clone();
    stale.state = "cancelled".into();
    stale.version = 2;
    assert!(matches!(
        s.write_case_records(&[stale], &audit("task.update")).await,
        Err(StoreError::VersionMismatch)
    ));
    assert_eq!(audit_count(s).await, before);
    assert_eq!(
        s.case_record(&task.id).await.unwrap().unwrap().state,
        "done"
    );
    // A duplicate id is a conflict; the batch rolls back as a whole.
    let fresh = record(c.id, "goal", "open", 400);
    assert!(
        s.write_case_records(&[fresh.clone(), need.clone()], &audit("x"))
            .await
            .is_err()
    );
    assert_eq!(s.case_record(&fresh.id).await.unwrap(), None);

    // Queues follow visibility and state, earliest due first.
    let open = ["open", "due_notified"];
    let mine = s
        .queued_case_records("task", &open, Visibility::Own(cm.id, cm.org_id), None)
        .await
        .unwrap();
    assert_eq!(
        mine.iter().map(|h| h.row.id.clone()).collect::<Vec<_>>(),
        vec![later.id.clone()]
    );
    assert_eq!(mine[0].reference, "SP-2026-CWCW-0001");
    assert_eq!(mine[0].case_manager_id, Some(cm.id));
    let org_wide = s
        .queued_case_records(
            "task",
            &["open", "done"],
            Visibility::OwnAndOrg(coord.id, o.id),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        org_wide
            .iter()
            .map(|h| h.row.id.clone())
            .collect::<Vec<_>>(),
        vec![task.id.clone(), later.id.clone()]
    );
    let due = s
        .queued_case_records(
            "task",
            &["open", "done"],
            Visibility::OwnAndOrg(coord.id, o.id),
            Some("2026-02-01"),
        )
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert!(
        s.queued_case_records(
            "task",
            &open,
            Visibility::Own(stranger.id, stranger.org_id),
            None
        )
        .await
        .unwrap()
        .is_empty()
    );
    assert!(
        s.queued_case_records("task", &open, Visibility::Nothing, None)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        s.all_case_records("task", &["done"]).await.unwrap().len(),
        1
    );

    // A status change and the record that explains it, atomically.
    let mut moved = c.clone();
    moved.status = "presumed_victim".into();
    moved.version = 2;
    moved.updated_at = 500;
    let transition = record(c.id, "transition", "done", 500);
    s.update_case_with_records(
        &moved,
        None,
        std::slice::from_ref(&transition),
        &audit("case.transition"),
    )
    .await
    .unwrap();
    let again = record(c.id, "transition", "done", 501);
    assert!(matches!(
        s.update_case_with_records(
            &moved,
            None,
            std::slice::from_ref(&again),
            &audit("case.transition")
        )
        .await,
        Err(StoreError::VersionMismatch)
    ));
    assert_eq!(
        s.case_record(&again.id).await.unwrap(),
        None,
        "rolled back with the case"
    );
    assert_eq!(
        s.case_reference(c.id).await.unwrap().as_deref(),
        Some("SP-2026-CWCW-0001")
    );

    // Review facts: the latest review day of each open case.
    let mut review = record(c.id, "review", "done", 600);
    review.due_on = Some("2026-02-01".into());
    s.write_case_records(&[review], &audit("case.review"))
        .await
        .unwrap();
    let facts = s.review_facts(o.id).await.unwrap();
    assert_eq!(facts.len(), 1);
    assert_eq!(facts[0].last_review_on.as_deref(), Some("2026-02-01"));
    assert_eq!(facts[0].last_review_at, Some(600));
    assert_eq!(facts[0].status, "presumed_victim");
    assert!(s.review_facts(other.id).await.unwrap().is_empty());

    // E-mail: queued with the notification for users with an address.
    s.set_user_email(cm.id, Some("cm@example.org"), &audit("user.email"))
        .await
        .unwrap();
    assert_eq!(
        s.user_email(cm.id).await.unwrap().as_deref(),
        Some("cm@example.org")
    );
    let note = |id: &str, user: UserId| NotificationRow {
        id: id.into(),
        user_id: user,
        kind: "task_due".into(),
        case_id: Some(c.id),
        message: "A task on case SP-2026-CWCW-0001 is due.".into(),
        created_at: 700,
        read_at: None,
        subject_type: None,
        subject_id: None,
        params: None,
    };
    s.insert_notifications(&[note("n-cm", cm.id), note("n-coord", coord.id)])
        .await
        .unwrap();
    let pending = s.pending_mail(700, 10).await.unwrap();
    assert_eq!(pending.len(), 1, "only the user with an address");
    assert_eq!(pending[0].email, "cm@example.org");
    assert!(
        s.pending_mail(699, 10).await.unwrap().is_empty(),
        "not before it was made"
    );
    s.mail_attempted(&pending[0].id, None, 10_000)
        .await
        .unwrap();
    assert!(
        s.pending_mail(9_999, 10).await.unwrap().is_empty(),
        "retry waits"
    );
    assert_eq!(s.pending_mail(10_000, 10).await.unwrap()[0].attempts, 1);
    s.mail_attempted(&pending[0].id, Some(10_001), 10_001)
        .await
        .unwrap();
    assert!(
        s.pending_mail(i64::MAX - 1, 10).await.unwrap().is_empty(),
        "sent"
    );
    s.set_user_email(cm.id, None, &audit("user.email"))
        .await
        .unwrap();
    assert_eq!(s.user_email(cm.id).await.unwrap(), None);
    assert!(verify(s).await.is_ok());
}

// --- services, shelters and stays ---
fn shelter(org: OrgId, beds: i64) -> ShelterRow {
    ShelterRow {
        id: Uuid::new_v4().to_string(),
        org_id: org,
        name: "Test shelter".into(),
        shelter_type: "women".into(),
        regime: "open".into(),
        beds,
        location: Some(sealed("location")),
        created_at: 5,
        occupancy: 0,
    }
}

fn stay(case: CaseId, shelter: &str, admitted_on: &str) -> StayRow {
    StayRow {
        id: Uuid::new_v4().to_string(),
        case_id: case,
        shelter_id: shelter.into(),
        admitted_on: admitted_on.into(),
        left_on: None,
        free_to_leave: true,
        recorded_by: "tester".into(),
        created_at: 7,
        updated_at: 7,
    }
}

async fn services_shelters_and_stays(h: Harness) {
    let s = &*h.store;
    let a = org("Org A");
    let b = org("Org B");
    s.insert_org(&a, &audit("org.create")).await.unwrap();
    s.insert_org(&b, &audit("org.create")).await.unwrap();

    // Services: insert, list per organisation and in all, optimistic update.
    let mut svc = ServiceRow {
        id: Uuid::new_v4().to_string(),
        org_id: b.id,
        service_type: "legal_aid".into(),
        record: "{\"name\":\"Clinic\"}".into(),
        created_at: 3,
        updated_at: 3,
        version: 1,
    };
    s.insert_service(&svc, &audit("service.create"))
        .await
        .unwrap();
    assert_eq!(s.service(&svc.id).await.unwrap().unwrap(), svc);
    assert_eq!(s.services(Some(b.id)).await.unwrap(), vec![svc.clone()]);
    assert!(s.services(Some(a.id)).await.unwrap().is_empty());
    assert_eq!(s.services(None).await.unwrap().len(), 1);
    svc.version = 2;
    svc.record = "{\"name\":\"Clinic 2\"}".into();
    s.update_service(&svc, &audit("service.update"))
        .await
        .unwrap();
    assert_eq!(
        s.service(&svc.id).await.unwrap().unwrap().record,
        svc.record
    );
    let before = audit_count(s).await;
    assert!(matches!(
        s.update_service(&svc, &audit("service.update")).await,
        Err(StoreError::VersionMismatch)
    ));
    assert_eq!(
        audit_count(s).await,
        before,
        "a refused update leaves no entry"
    );
    assert!(s.service("no-such").await.unwrap().is_none());

    // Shelters: the location is written sealed and never read back by lists.
    let sh = shelter(b.id, 2);
    s.insert_shelter(&sh, &audit("shelter.create"))
        .await
        .unwrap();
    let mut no_location = sh.clone();
    no_location.location = None;
    assert_eq!(s.shelter(&sh.id).await.unwrap().unwrap(), no_location);
    assert_eq!(
        s.shelters(Some(b.id)).await.unwrap(),
        vec![no_location.clone()]
    );
    assert!(s.shelters(Some(a.id)).await.unwrap().is_empty());
    assert_eq!(s.shelters(None).await.unwrap().len(), 1);
    let before = audit_count(s).await;
    let read = AuditDraft::new(9, "reader", "shelter.location.read").record("shelter", &sh.id);
    assert_eq!(
        s.read_shelter_location(&sh.id, &read).await.unwrap(),
        Some(sealed("location"))
    );
    assert_eq!(
        audit_count(s).await,
        before + 1,
        "reading a location is audited"
    );
    assert_eq!(s.read_shelter_location("nope", &read).await.unwrap(), None);
    let mut bad = shelter(b.id, 1);
    bad.location = None;
    assert!(
        s.insert_shelter(&bad, &audit("shelter.create"))
            .await
            .is_err()
    );
    assert!(s.shelter(&bad.id).await.unwrap().is_none());

    // Stays: capacity and one current stay per person, checked atomically.
    let p1 = person();
    let c1 = case(a.id, p1.id, None, vec![], "SP-2026-S0001", 10);
    s.insert_case(&c1, &p1, &[], &audit("case.create"))
        .await
        .unwrap();
    let p2 = person();
    let c2 = case(a.id, p2.id, None, vec![], "SP-2026-S0002", 11);
    s.insert_case(&c2, &p2, &[], &audit("case.create"))
        .await
        .unwrap();
    let p3 = person();
    let c3 = case(b.id, p3.id, None, vec![], "SP-2026-S0003", 12);
    s.insert_case(&c3, &p3, &[], &audit("case.create"))
        .await
        .unwrap();

    let st1 = stay(c1.id, &sh.id, "2026-01-01");
    assert_eq!(
        s.insert_stay(&st1, &audit("stay.admit")).await.unwrap(),
        Admission::Admitted
    );
    assert_eq!(
        s.insert_stay(&stay(c1.id, &sh.id, "2026-01-02"), &audit("stay.admit"))
            .await
            .unwrap(),
        Admission::AlreadyStaying
    );
    assert_eq!(
        s.insert_stay(&stay(c1.id, "no-such", "2026-01-02"), &audit("stay.admit"))
            .await
            .unwrap(),
        Admission::NoSuchShelter
    );
    let mut st2 = stay(c2.id, &sh.id, "2026-02-01");
    st2.free_to_leave = false;
    assert_eq!(
        s.insert_stay(&st2, &audit("stay.admit")).await.unwrap(),
        Admission::Admitted
    );
    assert_eq!(s.shelter(&sh.id).await.unwrap().unwrap().occupancy, 2);
    let before = audit_count(s).await;
    let st3 = stay(c3.id, &sh.id, "2026-02-02");
    assert_eq!(
        s.insert_stay(&st3, &audit("stay.admit")).await.unwrap(),
        Admission::ShelterFull
    );
    assert_eq!(
        audit_count(s).await,
        before,
        "a refused admission writes nothing"
    );
    assert!(s.stays_for_case(c3.id).await.unwrap().is_empty());
    assert_eq!(s.stays_for_case(c2.id).await.unwrap(), vec![st2.clone()]);
    assert_eq!(s.stay(&st2.id).await.unwrap().unwrap(), st2);

    // Leaving frees the bed; leaving twice is refused.
    s.end_stay(&st1.id, "2026-03-01", &audit("stay.leave"))
        .await
        .unwrap();
    assert!(matches!(
        s.end_stay(&st1.id, "2026-03-02", &audit("stay.leave"))
            .await,
        Err(StoreError::VersionMismatch)
    ));
    assert_eq!(
        s.stay(&st1.id).await.unwrap().unwrap().left_on.as_deref(),
        Some("2026-03-01")
    );
    assert_eq!(s.shelter(&sh.id).await.unwrap().unwrap().occupancy, 1);
    assert_eq!(
        s.insert_stay(&st3, &audit("stay.admit")).await.unwrap(),
        Admission::Admitted
    );

    // A coordinator's review: only the organisation's own cases, current first, audited with ids.
    let of_a = s
        .stays_of_org_cases(a.id, &audit("detention.list"))
        .await
        .unwrap();
    assert_eq!(
        of_a.iter().map(|o| o.stay.id.clone()).collect::<Vec<_>>(),
        vec![st2.id.clone(), st1.id.clone()]
    );
    assert_eq!(of_a[0].reference, "SP-2026-S0002");
    assert_eq!(of_a[0].shelter.occupancy, 2);
    assert_eq!(of_a[0].shelter.location, None);
    let last = s.audit_entries(0, 1_000_000).await.unwrap().pop().unwrap();
    assert!(last.entry.detail.unwrap().contains(&st2.id));
    let of_b = s
        .stays_of_org_cases(b.id, &audit("detention.list"))
        .await
        .unwrap();
    assert_eq!(of_b.len(), 1);
    assert_eq!(verify(s).await.unwrap(), audit_count(s).await as i64);
}

// --- de-duplication run ---
fn dedupe_pair(a: CaseId, b: CaseId, run: &str, p: f64) -> DedupePairRow {
    DedupePairRow {
        id: Uuid::new_v4().to_string(),
        case_a: a,
        case_b: b,
        probability: p,
        band: "likely".into(),
        explanation: "[{\"field\":\"full_name\",\"level\":\"close\",\"weight\":7.5}]".into(),
        state: "pending".into(),
        run_id: run.into(),
        created_at: 500,
        decided_by: None,
        decided_at: None,
    }
}

fn dedupe_run(id: &str, at: i64) -> DedupeRunRow {
    DedupeRunRow {
        id: id.into(),
        state: "running".into(),
        started_by: "scheduler".into(),
        started_at: at,
        finished_at: None,
        processed: 0,
        total: 3,
        pairs_found: 0,
        error: None,
    }
}

async fn dedupe_runs_pairs_and_merges(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Org");
    s.insert_org(&o, &audit("org.create")).await.unwrap();
    let coord = user(o.id, "coord", "coordinator");
    s.insert_user(&coord, &audit("u")).await.unwrap();
    let mut cases = Vec::new();
    for k in 0..3 {
        let p = person();
        let c = case(
            o.id,
            p.id,
            None,
            vec![],
            &format!("SP-2026-DDDD-000{k}"),
            100 + k,
        );
        s.insert_case(&c, &p, &[], &audit("case.create"))
            .await
            .unwrap();
        cases.push(c.id);
    }
    cases.sort_by_key(|c| c.to_string());
    let (a, b, c) = (cases[0], cases[1], cases[2]);

    // A run and its progress; only one runs at a time.
    assert_eq!(s.latest_dedupe_run().await.unwrap(), None);
    let before = audit_count(s).await;
    let mut run = dedupe_run("run-1", 1_000);
    s.insert_dedupe_run(&run, &audit("dedupe.run.start"))
        .await
        .unwrap();
    assert_eq!(audit_count(s).await, before + 1, "the start is audited");
    assert!(matches!(
        s.insert_dedupe_run(&dedupe_run("run-2", 1_001), &audit("dedupe.run.start"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        audit_count(s).await,
        before + 1,
        "a refused start changes nothing"
    );
    run.processed = 2;
    s.update_dedupe_run(&run).await.unwrap();
    assert_eq!(s.latest_dedupe_run().await.unwrap().unwrap().processed, 2);

    // Finishing adds the pairs (given in either order) once.
    run.pairs_found = 2;
    run.state = "done".into();
    run.processed = 3;
    run.finished_at = Some(2_000);
    let added = s
        .finish_dedupe_run(
            &run,
            &[
                dedupe_pair(b, a, "run-1", 0.99),
                dedupe_pair(a, c, "run-1", 0.7),
            ],
            &audit("dedupe.run.finish"),
        )
        .await
        .unwrap();
    assert_eq!(added, 2);
    let latest = s.latest_dedupe_run().await.unwrap().unwrap();
    assert_eq!(
        (latest.state.as_str(), latest.processed, latest.pairs_found),
        ("done", 3, 2)
    );
    assert_eq!(latest.finished_at, Some(2_000));
    // Progress writes after the end do not reopen a run.
    let mut stale = run.clone();
    stale.state = "running".into();
    s.update_dedupe_run(&stale).await.unwrap();
    assert_eq!(s.latest_dedupe_run().await.unwrap().unwrap().state, "done");

    let pending = s.dedupe_pairs(Some("pending")).await.unwrap();
    assert_eq!(pending.len(), 2);
    // Per organisation, cut in the store: this organisation's pairs, and
    // none of another's; the limit holds.
    assert_eq!(
        s.dedupe_pairs_touching("pending", o.id, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        s.dedupe_pairs_touching("pending", o.id, 1)
            .await
            .unwrap()
            .len(),
        1
    );
    let stranger = org("Stranger");
    s.insert_org(&stranger, &audit("org.create")).await.unwrap();
    assert!(
        s.dedupe_pairs_touching("pending", stranger.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.dedupe_pairs_touching("merged", o.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    let ab = pending.iter().find(|p| p.case_b == b).unwrap().clone();
    assert_eq!(ab.case_a, a, "stored with the smaller id first");
    assert!(ab.explanation.contains("full_name"));
    assert_eq!(s.dedupe_pair(&ab.id).await.unwrap().unwrap(), ab);
    assert_eq!(s.dedupe_pair("nope").await.unwrap(), None);

    // Not the same: never proposed again by a later run.
    let mut decided = pending.iter().find(|p| p.case_b == c).unwrap().clone();
    decided.state = "not_same".into();
    decided.decided_by = Some(coord.id);
    decided.decided_at = Some(3_000);
    s.decide_dedupe_pair(
        &decided,
        "pending",
        &MergeChange::None,
        &audit("dedupe.not_same"),
    )
    .await
    .unwrap();
    assert!(matches!(
        s.decide_dedupe_pair(&decided, "pending", &MergeChange::None, &audit("x"))
            .await,
        Err(StoreError::VersionMismatch)
    ));
    let run2 = dedupe_run("run-2", 4_000);
    s.insert_dedupe_run(&run2, &audit("dedupe.run.start"))
        .await
        .unwrap();
    let mut done2 = run2.clone();
    done2.state = "done".into();
    let added = s
        .finish_dedupe_run(
            &done2,
            &[dedupe_pair(c, a, "run-2", 0.9)],
            &audit("dedupe.run.finish"),
        )
        .await
        .unwrap();
    assert_eq!(added, 0, "a decided pair is not proposed again");
    assert_eq!(
        s.dedupe_pair(&decided.id).await.unwrap().unwrap().state,
        "not_same"
    );
    assert_eq!(s.latest_dedupe_run().await.unwrap().unwrap().id, "run-2");

    // Merge: b into a, atomically with the pair's state.
    let mut merged = ab.clone();
    merged.state = "merged".into();
    merged.decided_by = Some(coord.id);
    merged.decided_at = Some(5_000);
    let mark = CaseMergeRow {
        secondary: b,
        primary: a,
        pair_id: ab.id.clone(),
        merged_by: coord.id,
        merged_at: 5_000,
    };
    s.decide_dedupe_pair(
        &merged,
        "pending",
        &MergeChange::Merge(mark.clone()),
        &audit("dedupe.merge"),
    )
    .await
    .unwrap();
    assert_eq!(s.case_merges().await.unwrap(), vec![mark.clone()]);
    assert_eq!(s.count_cases().await.unwrap(), 3, "both cases stay");
    assert!(s.case_facts(b).await.unwrap().is_some());

    // A second mark on the same secondary, or a merge into a merged case, is refused
    // and changes nothing (the pair's state included).
    let n = audit_count(s).await;
    let other = dedupe_pair(b, c, "run-3", 0.8);
    let run3 = dedupe_run("run-3", 6_000);
    s.insert_dedupe_run(&run3, &audit("dedupe.run.start"))
        .await
        .unwrap();
    let mut done3 = run3.clone();
    done3.state = "done".into();
    s.finish_dedupe_run(
        &done3,
        std::slice::from_ref(&other),
        &audit("dedupe.run.finish"),
    )
    .await
    .unwrap();
    let other = s
        .dedupe_pairs(Some("pending"))
        .await
        .unwrap()
        .into_iter()
        .next()
        .unwrap();
    let n = n + 2;
    let mut try_merge = other.clone();
    try_merge.state = "merged".into();
    for (secondary, primary) in [(b, c), (c, b)] {
        let r = s
            .decide_dedupe_pair(
                &try_merge,
                "pending",
                &MergeChange::Merge(CaseMergeRow {
                    secondary,
                    primary,
                    ..mark.clone()
                }),
                &audit("dedupe.merge"),
            )
            .await;
        assert!(
            matches!(r, Err(StoreError::Conflict(_))),
            "{secondary} into {primary}"
        );
    }
    assert_eq!(audit_count(s).await, n, "refused merges are not audited");
    assert_eq!(
        s.dedupe_pair(&other.id).await.unwrap().unwrap().state,
        "pending"
    );
    assert_eq!(s.case_merges().await.unwrap().len(), 1);

    // Unmerge: the mark goes, both cases stay, the pair returns to pending.
    let mut back = merged.clone();
    back.state = "pending".into();
    back.decided_by = None;
    back.decided_at = None;
    s.decide_dedupe_pair(
        &back,
        "merged",
        &MergeChange::Unmerge(b),
        &audit("dedupe.unmerge"),
    )
    .await
    .unwrap();
    assert!(s.case_merges().await.unwrap().is_empty());
    assert_eq!(
        s.dedupe_pair(&ab.id).await.unwrap().unwrap().state,
        "pending"
    );
    assert_eq!(
        s.dedupe_pair_counts().await.unwrap(),
        vec![("not_same".to_owned(), 1), ("pending".to_owned(), 2)]
    );
    assert!(matches!(
        s.decide_dedupe_pair(&merged, "pending", &MergeChange::Unmerge(b), &audit("x"))
            .await,
        Err(StoreError::VersionMismatch)
    ));
    assert_eq!(
        s.dedupe_pair(&ab.id).await.unwrap().unwrap().state,
        "pending",
        "rolled back"
    );

    // A run left running by a stopped process is marked failed.
    s.insert_dedupe_run(&dedupe_run("run-4", 7_000), &audit("dedupe.run.start"))
        .await
        .unwrap();
    assert_eq!(
        s.abandon_dedupe_runs(8_000, "interrupted").await.unwrap(),
        1
    );
    let last = s.latest_dedupe_run().await.unwrap().unwrap();
    assert_eq!(
        (last.state.as_str(), last.error.as_deref()),
        ("failed", Some("interrupted"))
    );
    assert_eq!(
        s.abandon_dedupe_runs(8_000, "interrupted").await.unwrap(),
        0
    );
    assert!(verify(s).await.is_ok());
}

// --- statistics ---
async fn statistics_reads_and_ledgers(h: Harness) {
    let s = h.store.as_ref();
    let a = org("Stats A");
    let b = org("Stats B");
    for o in [&a, &b] {
        s.insert_org(o, &audit("org.create")).await.unwrap();
    }
    let analyst = user(a.id, "stats-analyst", "analyst");
    let coord = user(a.id, "stats-coord", "coordinator");
    s.insert_user(&analyst, &audit("u")).await.unwrap();
    s.insert_user(&coord, &audit("u")).await.unwrap();
    let mut ids = Vec::new();
    for (k, o) in [a.id, a.id, b.id].into_iter().enumerate() {
        let p = person();
        let c = case(
            o,
            p.id,
            None,
            vec![],
            &format!("SP-2026-STAT-000{k}"),
            100 + k as i64,
        );
        s.insert_case(&c, &p, &[], &audit("case.create"))
            .await
            .unwrap();
        ids.push(c.id);
    }
    // Read with its audit entry, in one transaction; one org or all.
    let before = audit_count(s).await;
    let all = s.stats_persons(None, &audit("stats.read")).await.unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(audit_count(s).await, before + 1, "the read is audited");
    let row = &all[0];
    assert_eq!(
        (row.sex.as_str(), row.nationalities.as_str()),
        ("female", "[\"MMR\"]")
    );
    assert_eq!(row.region, "THA");
    assert!(row.birth_date.is_some(), "the birth date stays sealed");
    assert_eq!(row.rg_decided_at, None);
    let only_a = s
        .stats_persons(Some(a.id), &audit("stats.read"))
        .await
        .unwrap();
    assert_eq!(only_a.len(), 2);
    assert!(only_a.iter().all(|r| r.org_id == a.id));

    // A merged (secondary) case is left out: persons, not cases.
    let mut sorted = [ids[0], ids[1]];
    sorted.sort_by_key(|c| c.to_string());
    let run = dedupe_run("stats-run", 1_000);
    s.insert_dedupe_run(&run, &audit("dedupe.run.start"))
        .await
        .unwrap();
    let mut done = run.clone();
    done.state = "done".into();
    s.finish_dedupe_run(
        &done,
        &[dedupe_pair(sorted[0], sorted[1], "stats-run", 0.99)],
        &audit("dedupe.run.finish"),
    )
    .await
    .unwrap();
    let mut pair = s.dedupe_pairs(Some("pending")).await.unwrap().remove(0);
    pair.state = "merged".into();
    pair.decided_by = Some(coord.id);
    pair.decided_at = Some(2_000);
    let mark = CaseMergeRow {
        secondary: sorted[1],
        primary: sorted[0],
        pair_id: pair.id.clone(),
        merged_by: coord.id,
        merged_at: 2_000,
    };
    s.decide_dedupe_pair(
        &pair,
        "pending",
        &MergeChange::Merge(mark),
        &audit("dedupe.merge"),
    )
    .await
    .unwrap();
    let after = s.stats_persons(None, &audit("stats.read")).await.unwrap();
    assert_eq!(after.len(), 2);
    assert!(after.iter().all(|r| r.case_id != sorted[1]));

    // Aggregates: organisations, focal points, shelters, screenings.
    s.set_focal_point(a.id, coord.id, &audit("focal"))
        .await
        .unwrap();
    let agg = s.stats_aggregates(None).await.unwrap();
    assert_eq!((agg.orgs, agg.orgs_with_focal_point), (2, 1));
    let agg_b = s.stats_aggregates(Some(b.id)).await.unwrap();
    assert_eq!((agg_b.orgs, agg_b.orgs_with_focal_point), (1, 0));
    assert!(s.stats_stays(None).await.unwrap().is_empty());

    // The release ledger: per user, oldest first, with its audit entry.
    let before = audit_count(s).await;
    for k in 0..3 {
        s.insert_stats_release(
            &StatsReleaseRow {
                id: format!("rel-{k}"),
                user_id: analyst.id,
                table_name: "persons".into(),
                release: format!("{{\"k\":{k}}}"),
                created_at: 10 + k,
            },
            &audit("stats.release"),
        )
        .await
        .unwrap();
    }
    assert_eq!(audit_count(s).await, before + 3);
    let last_two = s.stats_releases(analyst.id, 2).await.unwrap();
    assert_eq!(
        last_two.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
        ["rel-1", "rel-2"]
    );
    assert!(s.stats_releases(coord.id, 10).await.unwrap().is_empty());
    let dup = s
        .insert_stats_release(&last_two[0], &audit("stats.release"))
        .await;
    assert!(matches!(dup, Err(StoreError::Conflict(_))));
    assert_eq!(
        audit_count(s).await,
        before + 3,
        "a refused insert changes nothing"
    );

    // The privacy budget ledger.
    for (k, eps) in [0.5, 0.25].into_iter().enumerate() {
        s.insert_dp_budget(
            &DpBudgetRow {
                id: format!("dp-{k}"),
                dataset: "persons".into(),
                release_name: format!("r{k}"),
                user_id: analyst.id,
                epsilon: eps,
                delta: 0.0,
                created_at: 20 + k as i64,
            },
            &audit("stats.dp"),
        )
        .await
        .unwrap();
    }
    let spent: f64 = s
        .dp_budget("persons")
        .await
        .unwrap()
        .iter()
        .map(|r| r.epsilon)
        .sum();
    assert!((spent - 0.75).abs() < 1e-12);
    assert!(s.dp_budget("other").await.unwrap().is_empty());
    assert!(verify(s).await.is_ok());
}

// --- rights and justice ---
fn fund_tx(
    id: &str,
    by: UserId,
    state: &str,
    booked_on: Option<&str>,
    at: i64,
) -> FundTransactionRow {
    FundTransactionRow {
        id: id.into(),
        description: sealed(id),
        state: state.into(),
        requested_by: by,
        decided_by: None,
        reverses: None,
        proposed: "[]".into(),
        booked_on: booked_on.map(Into::into),
        created_at: at,
        decided_at: None,
    }
}

fn fund_posting(
    tx: &str,
    line: i64,
    account: &str,
    direction: &str,
    amount: i64,
    case: Option<CaseId>,
    on: &str,
) -> FundPostingRow {
    FundPostingRow {
        transaction_id: tx.into(),
        line,
        account_id: account.into(),
        direction: direction.into(),
        amount_minor: amount,
        currency: "THB".into(),
        case_id: case,
        booked_on: on.into(),
    }
}

fn balance_of(rows: &[FundBalanceRow], account: &str) -> i64 {
    rows.iter()
        .filter(|b| b.account_id == account && b.currency == "THB")
        .map(|b| b.signed_minor)
        .sum()
}

async fn justice_records_and_fund_ledger(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Justice Org");
    s.insert_org(&o, &audit("o")).await.unwrap();
    let cm = user(o.id, "j-cm", "case_manager");
    let coord = user(o.id, "j-coord", "coordinator");
    let coord2 = user(o.id, "j-coord2", "coordinator");
    for u in [&cm, &coord, &coord2] {
        s.insert_user(u, &audit("u")).await.unwrap();
    }
    let p = person();
    let c = case(o.id, p.id, Some(cm.id), vec![], "SP-J1", 10);
    s.insert_case(&c, &p, &[], &audit("case.create"))
        .await
        .unwrap();

    // Justice records live in case_records; their read is audited in the
    // same transaction and filtered by kind.
    let mut permit = record(c.id, "justice_permit", "granted", 20);
    permit.due_on = Some("2026-06-30".into());
    let hearing = record(c.id, "justice_event", "scheduled", 21);
    let task = record(c.id, "task", "open", 22);
    s.write_case_records(&[permit.clone(), hearing.clone(), task], &audit("w"))
        .await
        .unwrap();
    let before = audit_count(s).await;
    let got = s
        .read_justice_records(
            c.id,
            &["justice_permit", "justice_event"],
            &audit("justice.read").record("case", c.id),
        )
        .await
        .unwrap();
    assert_eq!(got, vec![permit.clone(), hearing]);
    assert_eq!(audit_count(s).await, before + 1, "the read is audited");
    assert!(
        s.read_justice_records(c.id, &[], &audit("r"))
            .await
            .unwrap()
            .is_empty()
    );

    // Accounts.
    for (id, kind) in [
        ("bank", "holdings"),
        ("confiscated", "confiscated_assets"),
        ("legal", "legal_aid"),
    ] {
        let a = FundAccountRow {
            id: id.into(),
            name: format!("{id} account"),
            kind: kind.into(),
            court_order_reference: (kind == "confiscated_assets").then(|| "CO-2026-1".into()),
            created_by: coord.id,
            created_at: 30,
        };
        s.insert_fund_account(&a, &audit("fund.account"))
            .await
            .unwrap();
    }
    let dup = FundAccountRow {
        id: "bank".into(),
        name: "again".into(),
        kind: "holdings".into(),
        court_order_reference: None,
        created_by: coord.id,
        created_at: 31,
    };
    assert!(matches!(
        s.insert_fund_account(&dup, &audit("x")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(s.fund_accounts().await.unwrap().len(), 3);

    // Money in (posted), money out for the case (posted), and a large
    // disbursement waiting for approval (not in the ledger).
    let receive = fund_tx("t1", coord.id, "posted", Some("2026-01-10"), 40);
    s.insert_fund_transaction(
        &receive,
        &[
            fund_posting("t1", 1, "bank", "debit", 500_000, None, "2026-01-10"),
            fund_posting(
                "t1",
                2,
                "confiscated",
                "credit",
                500_000,
                None,
                "2026-01-10",
            ),
        ],
        &audit("fund.post"),
    )
    .await
    .unwrap();
    let pay = fund_tx("t2", coord.id, "posted", Some("2026-02-01"), 41);
    s.insert_fund_transaction(
        &pay,
        &[
            fund_posting("t2", 1, "legal", "debit", 120_000, Some(c.id), "2026-02-01"),
            fund_posting("t2", 2, "bank", "credit", 120_000, None, "2026-02-01"),
        ],
        &audit("fund.post"),
    )
    .await
    .unwrap();
    let waiting = fund_tx("t3", cm.id, "awaiting_approval", None, 42);
    s.insert_fund_transaction(&waiting, &[], &audit("fund.request"))
        .await
        .unwrap();
    assert_eq!(
        s.count_fund_transactions("awaiting_approval")
            .await
            .unwrap(),
        1
    );
    let all = s.fund_balances(None).await.unwrap();
    assert_eq!(balance_of(&all, "bank"), 380_000);
    assert_eq!(balance_of(&all, "confiscated"), -500_000);
    assert_eq!(balance_of(&all, "legal"), 120_000);
    let in_january = s.fund_balances(Some("2026-01-31")).await.unwrap();
    assert_eq!(balance_of(&in_january, "bank"), 500_000);
    assert_eq!(balance_of(&in_january, "legal"), 0);
    assert_eq!(
        s.fund_transactions(&["awaiting_approval"], 10)
            .await
            .unwrap(),
        vec![waiting.clone()]
    );

    // Approval: once; the postings enter the ledger with it.
    let decision = FundDecision {
        id: "t3".into(),
        state: "posted".into(),
        decided_by: coord2.id,
        decided_at: 50,
        booked_on: Some("2026-03-01".into()),
        postings: vec![
            fund_posting(
                "t3",
                1,
                "legal",
                "debit",
                2_000_000,
                Some(c.id),
                "2026-03-01",
            ),
            fund_posting("t3", 2, "bank", "credit", 2_000_000, None, "2026-03-01"),
        ],
    };
    s.decide_fund_transaction(&decision, &audit("fund.approve"))
        .await
        .unwrap();
    assert!(matches!(
        s.decide_fund_transaction(&decision, &audit("fund.approve"))
            .await,
        Err(StoreError::VersionMismatch)
    ));
    let t3 = s.fund_transaction("t3").await.unwrap().unwrap();
    assert_eq!(
        (t3.state.as_str(), t3.decided_by),
        ("posted", Some(coord2.id))
    );
    assert_eq!(s.fund_postings_of("t3").await.unwrap(), decision.postings);
    let case_b = s
        .fund_case_balances(c.id, None, &audit("fund.case"))
        .await
        .unwrap();
    assert_eq!(balance_of(&case_b, "legal"), 2_120_000);
    let case_feb = s
        .fund_case_balances(c.id, Some("2026-02-28"), &audit("fund.case"))
        .await
        .unwrap();
    assert_eq!(balance_of(&case_feb, "legal"), 120_000);

    // A reversal restores the balances; a second reversal is refused.
    let before_rev = s.fund_balances(None).await.unwrap();
    let mut rev = fund_tx("t4", coord.id, "posted", Some("2026-03-02"), 60);
    rev.reverses = Some("t2".into());
    s.insert_fund_transaction(
        &rev,
        &[
            fund_posting(
                "t4",
                1,
                "legal",
                "credit",
                120_000,
                Some(c.id),
                "2026-03-02",
            ),
            fund_posting("t4", 2, "bank", "debit", 120_000, None, "2026-03-02"),
        ],
        &audit("fund.reverse"),
    )
    .await
    .unwrap();
    assert_eq!(s.fund_reversal_of("t2").await.unwrap(), Some("t4".into()));
    let after = s.fund_balances(None).await.unwrap();
    assert_eq!(
        balance_of(&after, "legal"),
        balance_of(&before_rev, "legal") - 120_000
    );
    assert_eq!(balance_of(&after, "bank"), -1_500_000);
    let mut rev2 = fund_tx("t5", coord.id, "posted", Some("2026-03-02"), 61);
    rev2.reverses = Some("t2".into());
    assert!(matches!(
        s.insert_fund_transaction(&rev2, &[], &audit("fund.reverse"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Double entry holds over the whole ledger.
    assert_eq!(after.iter().map(|b| b.signed_minor).sum::<i64>(), 0);
    // The ledger in booking order, with descriptions.
    let ledger = s.fund_ledger(0, 100, &audit("fund.ledger")).await.unwrap();
    assert_eq!(ledger.len(), 8);
    assert_eq!(ledger[0].posting.transaction_id, "t1");
    assert_eq!(ledger[7].reverses.as_deref(), Some("t2"));
    assert_eq!(
        s.fund_ledger(6, 100, &audit("fund.ledger"))
            .await
            .unwrap()
            .len(),
        2
    );

    // Postings are immutable, even behind the store's back.
    for sql in [
        "UPDATE fund_postings SET amount_minor = 1 WHERE transaction_id = 't1'",
        "DELETE FROM fund_postings WHERE transaction_id = 't1'",
    ] {
        let refused = if h.raw_url.starts_with("sqlite") {
            let pool = sqlx::SqlitePool::connect(&h.raw_url).await.unwrap();
            let r = sqlx::query(sql).execute(&pool).await.is_err();
            pool.close().await;
            r
        } else {
            let pool = sqlx::PgPool::connect(&h.raw_url).await.unwrap();
            let r = sqlx::query(sql).execute(&pool).await.is_err();
            pool.close().await;
            r
        };
        assert!(refused, "{sql}");
    }
    assert_eq!(s.fund_balances(None).await.unwrap(), after);

    // The reconciliation's aggregates: what was booked in a period, and
    // transactions that do not balance (none, until one is forged by hand).
    let january = s.fund_movements("2026-01-01", "2026-01-31").await.unwrap();
    assert_eq!(january.len(), 2);
    let moved = |rows: &[FundMovementRow], acc: &str| {
        rows.iter()
            .find(|m| m.account_id == acc)
            .map(|m| (m.debit_minor, m.credit_minor, m.postings))
    };
    assert_eq!(moved(&january, "bank"), Some((500_000, 0, 1)));
    assert_eq!(moved(&january, "confiscated"), Some((0, 500_000, 1)));
    let all_time = s.fund_movements("0000-01-01", "9999-12-31").await.unwrap();
    assert_eq!(
        all_time.iter().map(|m| m.debit_minor).sum::<i64>(),
        all_time.iter().map(|m| m.credit_minor).sum::<i64>()
    );
    assert_eq!(all_time.iter().map(|m| m.postings).sum::<i64>(), 8);
    assert!(s.fund_unbalanced().await.unwrap().is_empty());
    // t3 was approved since: nothing waits, four posted.
    assert_eq!(
        s.count_fund_transactions("awaiting_approval")
            .await
            .unwrap(),
        0
    );
    assert_eq!(s.count_fund_transactions("posted").await.unwrap(), 4);
    let forged = "INSERT INTO fund_postings (transaction_id, line, account_id, direction, amount_minor, currency, case_id, booked_on) VALUES ('t1', 3, 'bank', 'debit', 7, 'THB', NULL, '2026-01-10')";
    if h.raw_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&h.raw_url).await.unwrap();
        sqlx::query(forged).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&h.raw_url).await.unwrap();
        sqlx::query(forged).execute(&pool).await.unwrap();
        pool.close().await;
    }
    assert_eq!(
        s.fund_unbalanced().await.unwrap(),
        vec![("t1".to_owned(), "THB".to_owned())]
    );
    assert!(verify(s).await.is_ok());
}

trait BackendOf {
    fn backup(&self) -> Backend;
}
// --- durable solutions: cross-border handover ---

fn partner(fp: &str, name: &str) -> HandoverPartnerRow {
    HandoverPartnerRow {
        fingerprint: fp.into(),
        name: name.into(),
        signing_key: "c2lnbmluZw==".into(),
        encryption_key: "ZW5jcnlwdGlvbg==".into(),
        inbox_url: Some("http://127.0.0.1:9/api/v1/handover/inbox".into()),
        registered_by: "cli".into(),
        created_at: 5,
        revoked_at: None,
        org_id: None,
    }
}

fn handover_msg(h: &str, dir: &str, sender: &str, seq: i64, at: i64) -> HandoverMessageRow {
    HandoverMessageRow {
        id: Uuid::new_v4().to_string(),
        handover_id: h.into(),
        direction: dir.into(),
        sender: sender.into(),
        message_id: format!("m-{sender}-{seq}"),
        sequence: seq,
        kind: "request".into(),
        envelope_hash: format!("hash-{seq}"),
        envelope: Some(format!("envelope-{seq}")),
        content: Some(sealed(&format!("content-{seq}"))),
        created_at: at,
    }
}

async fn handover_partners_messages_and_outbox(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Destination NGO");
    s.insert_org(&o, &audit("org")).await.unwrap();
    let p = person();
    let c = case(o.id, p.id, None, vec![], "C-HANDOVER", 10);
    s.insert_case(&c, &p, &[], &audit("case")).await.unwrap();

    // Partners: registered once, listed, revoked once.
    s.insert_handover_partner(&partner("aa", "Origin C"), &audit("partner"))
        .await
        .unwrap();
    s.insert_handover_partner(&partner("bb", "Another"), &audit("partner"))
        .await
        .unwrap();
    // A partner that stands for an organisation keeps the link.
    let linked = HandoverPartnerRow {
        org_id: Some(o.id),
        ..partner("cc", "Linked")
    };
    s.insert_handover_partner(&linked, &audit("partner"))
        .await
        .unwrap();
    assert_eq!(
        s.handover_partner("cc").await.unwrap().unwrap().org_id,
        Some(o.id)
    );
    assert_eq!(
        s.handover_partner("aa").await.unwrap().unwrap().org_id,
        None
    );
    assert!(matches!(
        s.insert_handover_partner(&partner("aa", "Again"), &audit("partner"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let names: Vec<_> = s
        .handover_partners()
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(names, vec!["Another", "Linked", "Origin C"]);
    s.revoke_handover_partner("bb", 20, &audit("revoke"))
        .await
        .unwrap();
    assert!(matches!(
        s.revoke_handover_partner("bb", 21, &audit("revoke")).await,
        Err(StoreError::VersionMismatch)
    ));
    assert_eq!(s.handover_partners().await.unwrap().len(), 2);
    assert_eq!(
        s.handover_partner("bb").await.unwrap().unwrap().revoked_at,
        Some(20)
    );

    // A handover starts with its request, queued in the outbox, atomically.
    let before = audit_count(s).await;
    let mut ho = HandoverRow {
        id: Uuid::new_v4().to_string(),
        side: "destination".into(),
        case_id: Some(c.id),
        partner: "aa".into(),
        state: "requested".into(),
        record: sealed("handover"),
        version: 1,
        created_at: 30,
        updated_at: 30,
    };
    let m1 = handover_msg(&ho.id, "out", "me", 1, 30);
    let out1 = HandoverOutboxRow {
        message_row_id: m1.id.clone(),
        recipient: "aa".into(),
        attempts: 0,
        next_attempt_at: 30,
        sent_at: None,
        last_error: None,
    };
    s.record_handover_message(&ho, None, &m1, Some(&out1), &audit("handover.request"))
        .await
        .unwrap();
    assert_eq!(audit_count(s).await, before + 1);
    assert_eq!(s.handover(&ho.id).await.unwrap().unwrap(), ho);
    assert_eq!(s.handovers_for_case(c.id).await.unwrap().len(), 1);
    assert_eq!(
        s.all_handovers()
            .await
            .unwrap()
            .iter()
            .map(|x| x.id.as_str())
            .collect::<Vec<_>>(),
        vec![ho.id.as_str()]
    );
    assert_eq!(s.next_handover_sequence(&ho.id, "me").await.unwrap(), 2);
    assert_eq!(s.next_handover_sequence(&ho.id, "aa").await.unwrap(), 1);

    // An inbound message moves it under the version check; a stale version,
    // a replayed message id and a reused sequence number change nothing.
    ho.state = "acknowledged".into();
    ho.version = 2;
    ho.updated_at = 40;
    let m2 = handover_msg(&ho.id, "in", "aa", 1, 40);
    s.record_handover_message(&ho, Some(1), &m2, None, &audit("handover.in"))
        .await
        .unwrap();
    let n = audit_count(s).await;
    let mut stale = ho.clone();
    stale.version = 3;
    let m3 = handover_msg(&ho.id, "in", "aa", 2, 41);
    assert!(matches!(
        s.record_handover_message(&stale, Some(1), &m3, None, &audit("handover.in"))
            .await,
        Err(StoreError::VersionMismatch)
    ));
    let mut replay = m2.clone();
    replay.id = Uuid::new_v4().to_string();
    replay.sequence = 2;
    assert!(matches!(
        s.record_handover_message(&stale, Some(2), &replay, None, &audit("handover.in"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    let mut reused = m3.clone();
    reused.sequence = 1;
    assert!(matches!(
        s.record_handover_message(&stale, Some(2), &reused, None, &audit("handover.in"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(audit_count(s).await, n);
    assert_eq!(s.handover(&ho.id).await.unwrap().unwrap().version, 2);
    assert_eq!(s.handover_messages(&ho.id).await.unwrap().len(), 2);
    assert_eq!(
        s.handover_message("aa", &m2.message_id)
            .await
            .unwrap()
            .unwrap(),
        m2
    );
    assert_eq!(s.next_handover_sequence(&ho.id, "aa").await.unwrap(), 2);

    // The outbox: due entries, a failed attempt pushed back, then sent.
    let due = s.due_handover_outbox(30, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].1.id, m1.id);
    assert!(s.due_handover_outbox(29, 10).await.unwrap().is_empty());
    let mut o1 = due[0].0.clone();
    o1.attempts = 1;
    o1.next_attempt_at = 90;
    o1.last_error = Some("connect".into());
    s.update_handover_outbox(&o1).await.unwrap();
    assert!(s.due_handover_outbox(60, 10).await.unwrap().is_empty());
    assert_eq!(
        s.due_handover_outbox(90, 10).await.unwrap()[0].0.attempts,
        1
    );
    o1.sent_at = Some(95);
    s.update_handover_outbox(&o1).await.unwrap();
    assert!(s.due_handover_outbox(1_000, 10).await.unwrap().is_empty());
    // A sent entry is final.
    assert!(matches!(
        s.update_handover_outbox(&o1).await,
        Err(StoreError::VersionMismatch)
    ));

    // Consent withdrawn: everything erased but the withdrawal notice, which still goes.
    ho.state = "consent_withdrawn".into();
    ho.version = 3;
    let pending = handover_msg(&ho.id, "out", "me", 2, 50);
    let pending_out = HandoverOutboxRow {
        message_row_id: pending.id.clone(),
        next_attempt_at: 50,
        ..out1.clone()
    };
    s.record_handover_message(
        &ho,
        Some(2),
        &pending,
        Some(&pending_out),
        &audit("handover.out"),
    )
    .await
    .unwrap();
    ho.version = 4;
    let notice = handover_msg(&ho.id, "out", "me", 3, 60);
    let notice_out = HandoverOutboxRow {
        message_row_id: notice.id.clone(),
        next_attempt_at: 60,
        ..out1.clone()
    };
    s.record_handover_message(
        &ho,
        Some(3),
        &notice,
        Some(&notice_out),
        &audit("handover.withdrawn"),
    )
    .await
    .unwrap();
    let erased = s
        .erase_handover_content(&ho.id, Some(&notice.id), &audit("handover.erase"))
        .await
        .unwrap();
    assert_eq!(erased, 3);
    let msgs = s.handover_messages(&ho.id).await.unwrap();
    for m in &msgs {
        if m.id == notice.id {
            assert!(m.envelope.is_some() && m.content.is_some());
        } else {
            assert!(m.envelope.is_none() && m.content.is_none(), "{}", m.id);
        }
    }
    let due: Vec<_> = s
        .due_handover_outbox(1_000, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|(o, _)| o.message_row_id)
        .collect();
    assert_eq!(due, vec![notice.id.clone()]);
    verify(s).await.unwrap();
}

/// The case list's next deadline (open decisions and open tasks), its
/// "overdue" filter and its orders.
async fn case_list_deadlines_and_orders(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Deadline Org");
    s.insert_org(&o, &audit("o")).await.unwrap();
    let cm = user(o.id, "dl-cm", "case_manager");
    s.insert_user(&cm, &audit("u")).await.unwrap();
    let mut ids = Vec::new();
    // B: a task due 2026-02-01 and a decision due 2026-01-10 (the nearer);
    // A: only a task due 2026-03-01 (a done task earlier does not count);
    // C: nothing open. A is the newest change, C the oldest.
    for (reference, at, status) in [
        ("SP-2026-DLDL-000B", 200, "presumed_victim"),
        ("SP-2026-DLDL-000A", 300, "referred"),
        ("SP-2026-DLDL-000C", 100, "referred"),
    ] {
        let p = person();
        let mut c = case(o.id, p.id, Some(cm.id), vec![], reference, at);
        c.status = status.into();
        s.insert_case(&c, &p, &[], &audit("case.create"))
            .await
            .unwrap();
        ids.push(c.id);
    }
    let (b, a, c) = (ids[0], ids[1], ids[2]);
    let mut t_b = record(b, "task", "open", 210);
    t_b.due_on = Some("2026-02-01".into());
    let mut t_a = record(a, "task", "open", 310);
    t_a.due_on = Some("2026-03-01".into());
    let mut done_a = record(a, "task", "done", 311);
    done_a.due_on = Some("2025-01-01".into());
    s.write_case_records(&[t_b, t_a, done_a], &audit("task.create"))
        .await
        .unwrap();
    s.insert_decision(
        &DecisionRow {
            id: Uuid::new_v4().to_string(),
            case_id: b,
            stage: "reasonable_grounds".into(),
            profile_id: "p".into(),
            opened_at: 1,
            opened_on: "2026-01-01".into(),
            due_on: "2026-01-10".into(),
            decided_at: None,
            decided_by: None,
            outcome: None,
            deciding_org_type: None,
            letter_addressee: None,
            reasons: None,
            reflection_ends_on: None,
            reconsideration_of: None,
        },
        &audit("decision.open"),
    )
    .await
    .unwrap();
    let vis = Visibility::Own(cm.id, o.id);
    let list = |sort: CaseSort, overdue: Option<&str>| {
        let f = CaseFilter {
            sort,
            overdue_before: overdue.map(str::to_owned),
            limit: 10,
            ..Default::default()
        };
        async move { s.list_cases(vis, &f, &audit("case.list")).await.unwrap() }
    };
    let order = |p: &CasePage| p.items.iter().map(|(c, _)| c.id).collect::<Vec<_>>();
    let by_change = list(CaseSort::Changed, None).await;
    assert_eq!(order(&by_change), vec![a, b, c]);
    assert_eq!(
        by_change.next_due,
        vec![Some("2026-03-01".into()), Some("2026-01-10".into()), None],
        "the nearest open deadline, decisions and tasks alike"
    );
    assert_eq!(order(&list(CaseSort::Reference, None).await), vec![a, b, c]);
    assert_eq!(
        order(&list(CaseSort::Deadline, None).await),
        vec![b, a, c],
        "none last"
    );
    // Lifecycle order: referred before presumed victim.
    assert_eq!(order(&list(CaseSort::Status, None).await), vec![a, c, b]);
    // Overdue on 2026-02-15: only B (its decision); on 2026-03-02 both.
    let overdue = list(CaseSort::Changed, Some("2026-02-15")).await;
    assert_eq!((order(&overdue), overdue.total), (vec![b], 1));
    assert_eq!(
        order(&list(CaseSort::Deadline, Some("2026-03-02")).await),
        vec![b, a]
    );
    assert_eq!(
        list(CaseSort::Changed, Some("2026-01-10")).await.total,
        0,
        "due today is not overdue"
    );
}

/// The list is the union of disjoint parts, each read from its own index and
/// counted from a tally the triggers keep (issue 9). Every page, in every
/// order and under every filter, must still be exactly the policy's set in
/// the list's order, and every total the true count, also after cases change
/// hands.
async fn case_list_pages_and_totals_under_every_filter(h: Harness) {
    let s = h.store.as_ref();
    let (oa, ob) = (org("A"), org("B"));
    s.insert_org(&oa, &audit("o")).await.unwrap();
    s.insert_org(&ob, &audit("o")).await.unwrap();
    let (cm1, cm2, co) = (
        user(oa.id, "cm1-a", "case_manager"),
        user(oa.id, "cm2-a", "case_manager"),
        user(oa.id, "co-a", "coordinator"),
    );
    let cmb = user(ob.id, "cm-b", "case_manager");
    for u in [&cm1, &cm2, &co, &cmb] {
        s.insert_user(u, &audit("u")).await.unwrap();
    }
    let mut all: Vec<CaseRow> = Vec::new();
    for i in 0..41i64 {
        let owner = if i % 5 == 4 { ob.id } else { oa.id };
        let manager = match (owner == oa.id, i % 3) {
            (false, 0) => None,
            (false, _) => Some(cmb.id),
            (true, 0) => None,
            (true, 1) => Some(cm1.id),
            _ => Some(cm2.id),
        };
        // Associated users: cm1 on some of cm2's and of nobody's cases, and
        // once on a case cm1 manages (which must be listed once).
        let associated = if i % 4 == 0 || i == 1 {
            vec![cm1.id]
        } else if i % 7 == 0 {
            vec![cm2.id, cmb.id]
        } else {
            vec![]
        };
        let p = person();
        // Ties in the time of change, so that the id decides the order.
        let mut c = case(
            owner,
            p.id,
            manager,
            associated,
            &format!("SP-2026-LIST-{:04}", (i * 17) % 41),
            1000 + i / 3,
        );
        if i % 2 == 0 {
            c.status = "in_protection".into();
        }
        s.insert_case(&c, &p, &[], &audit("case.create"))
            .await
            .unwrap();
        all.push(c);
    }
    let check = |all: Vec<CaseRow>| async move {
        let visibilities = [
            Visibility::Own(cm1.id, oa.id),
            Visibility::Own(cm2.id, oa.id),
            Visibility::OwnAndOrg(co.id, oa.id),
            Visibility::Own(cmb.id, ob.id),
            Visibility::Own(cm1.id, ob.id),
        ];
        let filters = [
            CaseFilter::default(),
            CaseFilter {
                case_manager: Some(cm1.id),
                ..Default::default()
            },
            CaseFilter {
                case_manager: Some(cm2.id),
                ..Default::default()
            },
            CaseFilter {
                status: Some("in_protection".into()),
                ..Default::default()
            },
            CaseFilter {
                status: Some("referred".into()),
                case_manager: Some(cm1.id),
                ..Default::default()
            },
        ];
        for vis in visibilities {
            for base in &filters {
                for sort in [CaseSort::Changed, CaseSort::Reference] {
                    let mut expected: Vec<&CaseRow> = all
                        .iter()
                        .filter(|c| {
                            vis.includes(&CaseFacts {
                                id: c.id,
                                org: c.org_id,
                                case_manager: c.case_manager_id,
                                associated: c.associated.clone(),
                            }) && base
                                .case_manager
                                .is_none_or(|m| c.case_manager_id == Some(m))
                                && base.status.as_ref().is_none_or(|st| &c.status == st)
                        })
                        .collect();
                    match sort {
                        CaseSort::Changed => expected
                            .sort_by_key(|c| (std::cmp::Reverse(c.updated_at), c.id.to_string())),
                        _ => expected.sort_by_key(|c| (c.reference.clone(), c.id.to_string())),
                    }
                    let expected: Vec<CaseId> = expected.iter().map(|c| c.id).collect();
                    let mut got = Vec::new();
                    let mut offset = 0;
                    loop {
                        let f = CaseFilter {
                            sort,
                            offset,
                            limit: 4,
                            ..base.clone()
                        };
                        let page = s.list_cases(vis, &f, &audit("case.list")).await.unwrap();
                        assert_eq!(
                            page.total as usize,
                            expected.len(),
                            "total: {vis:?} {base:?} {sort:?}"
                        );
                        if page.items.is_empty() {
                            break;
                        }
                        got.extend(page.items.iter().map(|(c, _)| c.id));
                        offset += 4;
                    }
                    assert_eq!(got, expected, "pages: {vis:?} {base:?} {sort:?}");
                }
            }
        }
    };
    check(all.clone()).await;
    // Cases change hands, lose their manager or get one: the tally follows.
    for i in [1usize, 2, 3, 5, 6, 9] {
        let mut c = all[i].clone();
        c.case_manager_id = match i % 3 {
            0 => Some(cm1.id),
            1 => None,
            _ => Some(cm2.id),
        };
        c.updated_at += 100;
        c.version += 1;
        s.update_case(&c, None, &audit("case.update"))
            .await
            .unwrap();
        all[i] = c;
    }
    check(all).await;
}

/// An organisation's trail: its users' entries and entries stamped with it,
/// never another organisation's, newest first, narrowed by actor, action
/// (`_` literal), time and page.
async fn audit_trail_of_an_organisation(h: Harness) {
    let s = h.store.as_ref();
    let (oa, ob) = (org("A"), org("B"));
    s.insert_org(&oa, &audit("o")).await.unwrap();
    s.insert_org(&ob, &audit("o")).await.unwrap();
    let (a1, a2, b1) = (
        user(oa.id, "a1", "coordinator"),
        user(oa.id, "a2", "case_manager"),
        user(ob.id, "b1", "case_manager"),
    );
    for u in [&a1, &a2, &b1] {
        s.insert_user(u, &audit("u")).await.unwrap();
    }
    let entries = [
        (100, a1.id.to_string(), "case.list", None),
        (200, a2.id.to_string(), "case.read", Some(oa.id)),
        (300, b1.id.to_string(), "referral.read", Some(oa.id)),
        (400, b1.id.to_string(), "case.read", Some(ob.id)),
        (500, "system".to_owned(), "task.due_notified", Some(oa.id)),
        (600, a2.id.to_string(), "caseXrecords.read", Some(oa.id)),
        (700, a2.id.to_string(), "case_records.read", Some(oa.id)),
    ];
    for (at, actor, action, o) in &entries {
        let mut d = AuditDraft::new(*at, actor.clone(), *action);
        if let Some(o) = o {
            d = d.org(*o);
        }
        s.append_audit(&d).await.unwrap();
    }
    let ats = |q: OrgAuditQuery| async move {
        s.audit_for_org(oa.id, &q)
            .await
            .unwrap()
            .iter()
            .map(|e| e.entry.at_ms)
            .collect::<Vec<_>>()
    };
    let all = OrgAuditQuery {
        limit: 100,
        ..Default::default()
    };
    assert_eq!(ats(all.clone()).await, vec![700, 600, 500, 300, 200, 100]);
    assert_eq!(
        ats(OrgAuditQuery {
            actor: Some(a2.id.to_string()),
            ..all.clone()
        })
        .await,
        vec![700, 600, 200]
    );
    assert_eq!(
        ats(OrgAuditQuery {
            action_prefixes: vec!["case_records.".into(), "referral.".into()],
            ..all.clone()
        })
        .await,
        vec![700, 300],
        "`_` is not a wildcard"
    );
    assert_eq!(
        ats(OrgAuditQuery {
            from_ms: Some(200),
            to_ms: Some(600),
            ..all.clone()
        })
        .await,
        vec![500, 300, 200]
    );
    let first = s
        .audit_for_org(
            oa.id,
            &OrgAuditQuery {
                limit: 2,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let before = first.last().unwrap().entry.seq;
    assert_eq!(
        ats(OrgAuditQuery {
            before_seq: Some(before),
            limit: 2,
            ..Default::default()
        })
        .await,
        vec![500, 300]
    );
    let theirs: Vec<i64> = s
        .audit_for_org(ob.id, &all)
        .await
        .unwrap()
        .iter()
        .map(|e| e.entry.at_ms)
        .collect();
    assert_eq!(
        theirs,
        vec![400, 300],
        "B's own user's entries, B's records only"
    );
}

impl BackendOf for dyn Store {
    fn backup(&self) -> Backend {
        self.backend()
    }
}

macro_rules! conformance {
    ($($name:ident),*) => {
        mod on_sqlite {
            $(#[tokio::test] async fn $name() { if let Some(h) = super::sqlite().await { super::$name(h).await } })*
        }
        mod on_postgres {
            $(#[tokio::test] async fn $name() { if let Some(h) = super::postgres().await { super::$name(h).await } })*
        }
    };
}

conformance!(
    orgs_users_and_sessions,
    cases_round_trip_and_optimistic_updates,
    lists_follow_the_access_policy,
    case_list_pages_and_totals_under_every_filter,
    audit_trail_of_an_organisation,
    audit_chain_checkpoints_and_tampering,
    keys_notifications_and_backup,
    case_list_deadlines_and_orders,
    unknown_schemes_are_refused,
    case_records_queues_and_mail,
    // --- services, shelters and stays ---
    services_shelters_and_stays,
    // --- de-duplication run ---
    dedupe_runs_pairs_and_merges,
    // --- durable solutions: cross-border handover ---
    handover_partners_messages_and_outbox,
    // --- statistics ---
    statistics_reads_and_ledgers,
    // --- rights and justice ---
    justice_records_and_fund_ledger,
    // --- sign-in: per-address throttling, second factor ---
    sign_in_addresses_and_two_factor,
    // --- data-key rotation ---
    data_key_rotation_columns_cells_and_retirement,
    // --- tracing ---
    tracing_requests_waiting_and_later_matches,
    // --- agreements between countries ---
    agreements_registry_by_party,
    // --- group commit of audit entries ---
    concurrent_audited_reads,
    // --- a responder's list of screenings ---
    screenings_listed_by_user_or_organisation,
    // --- search before create's kept index (D-T7) ---
    person_changes_follow_every_write,
    // --- documents attached to a case ---
    documents_sealed_and_audited_per_case,
    // --- the last administrator ---
    the_last_administrator_stays_even_when_two_are_disabled_at_once,
    // --- staff trainings ---
    trainings_with_attendees_per_organisation,
    // --- index-key rotation ---
    index_key_rotation_rebuilds_name_indexes_and_drops_keyed_hashes,
    // --- search before create's index in the database (D17) ---
    match_index_entries_keys_terms_and_state
);

fn match_row(case: u128, person: u128, keys: &[i64], terms: &[i64]) -> MatchEntryRow {
    MatchEntryRow {
        case_id: CaseId(Uuid::from_u128(case)),
        person_id: PersonId(Uuid::from_u128(person)),
        case_created_at: case as i64,
        features: sealed(&format!("features-{case}")),
        keys: keys.to_vec(),
        terms: terms.to_vec(),
    }
}

/// Search before create's index: built in batches under a generation that
/// marks it unfinished, found by keys (posting lengths capped), weighed by
/// term counts, replaced per person, sampled, and emptied by a reset.
async fn match_index_entries_keys_terms_and_state(h: Harness) {
    let s = h.store.as_ref();
    assert_eq!(s.match_index_state().await.unwrap(), None);
    assert!(
        s.match_index_apply(1, &[], &[]).await.is_err(),
        "never reset: no state to move"
    );
    s.match_index_reset("fp-1").await.unwrap();
    let state = s.match_index_state().await.unwrap().unwrap();
    assert_eq!(
        (state.generation, state.fingerprint.as_str(), state.entries),
        (MATCH_INDEX_BUILDING, "fp-1", 0)
    );
    // Two batches, then the generation.
    let first: Vec<MatchEntryRow> = (1..=3)
        .map(|i| match_row(i, 100 + i, &[7, 8 + i as i64], &[70]))
        .collect();
    s.match_index_apply(MATCH_INDEX_BUILDING, &[], &first)
        .await
        .unwrap();
    s.match_index_apply(
        MATCH_INDEX_BUILDING,
        &[],
        &[match_row(4, 104, &[7, -5], &[71])],
    )
    .await
    .unwrap();
    s.match_index_apply(9, &[], &[]).await.unwrap();
    let state = s.match_index_state().await.unwrap().unwrap();
    assert_eq!((state.generation, state.entries), (9, 4));
    assert_eq!(
        s.match_key_sizes(&[7, 9, -5, 42], 2).await.unwrap(),
        [3, 1, 1, 0],
        "counted up to the cap + 1"
    );
    let under = |keys: &'static [i64]| async move {
        let mut v: Vec<u128> = s
            .match_entries_under(keys)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.case_id.0.as_u128())
            .collect();
        v.sort_unstable();
        v
    };
    assert_eq!(under(&[9, -5]).await, [1, 4]);
    assert_eq!(under(&[7]).await, [1, 2, 3, 4]);
    let e = s.match_entries_under(&[10]).await.unwrap();
    assert_eq!(
        e[0].features,
        sealed("features-2"),
        "sealed values round-trip"
    );
    let mut counts = s.match_term_counts(&[70, 71, 72]).await.unwrap();
    counts.sort_unstable();
    assert_eq!(counts, [(70, 3), (71, 1)]);
    // Keys counted in more than one statement keep their order.
    let many: Vec<i64> = (0..250)
        .map(|i| if i % 7 == 0 { 7 } else { 1_000 + i })
        .collect();
    let sizes = s.match_key_sizes(&many, 10).await.unwrap();
    assert_eq!(sizes.len(), 250);
    assert!(
        sizes
            .iter()
            .zip(&many)
            .all(|(&n, &k)| n == if k == 7 { 4 } else { 0 }),
        "{sizes:?}"
    );
    // A person written again: their entry is replaced, not added to.
    let p2 = PersonId(Uuid::from_u128(102));
    s.match_index_apply(10, &[p2], &[match_row(2, 102, &[99], &[71])])
        .await
        .unwrap();
    assert_eq!(under(&[10]).await, Vec::<u128>::new());
    assert_eq!(under(&[99]).await, [2]);
    assert_eq!(
        s.match_key_sizes(&[7], 10).await.unwrap(),
        [3],
        "its old keys are gone"
    );
    let mut counts = s.match_term_counts(&[70, 71]).await.unwrap();
    counts.sort_unstable();
    assert_eq!(counts, [(70, 2), (71, 2)]);
    // A person removed (their case deleted).
    s.match_index_apply(11, &[PersonId(Uuid::from_u128(101))], &[])
        .await
        .unwrap();
    let state = s.match_index_state().await.unwrap().unwrap();
    assert_eq!((state.generation, state.entries), (11, 3));
    assert_eq!(s.match_sample(10).await.unwrap().len(), 3);
    assert_eq!(s.match_sample(1).await.unwrap().len(), 1);
    // The model kept with the index, cleared by a reset.
    s.match_index_set_model("{\"m\":1}", 3).await.unwrap();
    let state = s.match_index_state().await.unwrap().unwrap();
    assert_eq!(
        (state.model.as_deref(), state.trained_on),
        (Some("{\"m\":1}"), 3)
    );
    s.match_index_reset("fp-2").await.unwrap();
    let state = s.match_index_state().await.unwrap().unwrap();
    assert_eq!(
        (
            state.generation,
            state.fingerprint.as_str(),
            state.entries,
            state.model,
            state.trained_on
        ),
        (MATCH_INDEX_BUILDING, "fp-2", 0, None, 0)
    );
    assert!(under(&[7, 99]).await.is_empty());
}

/// Index-key rotation's storage: persons' sealed names in id order, name
/// indexes replaced, and the end in one transaction (recovery codes and
/// address throttles gone, the old index key deleted, the audit entry and
/// its notifications written).
async fn index_key_rotation_rebuilds_name_indexes_and_drops_keyed_hashes(h: Harness) {
    let s = h.store.as_ref();
    s.insert_data_keys(
        &[
            wrapped_key("dk-f", KeyPurpose::Field),
            wrapped_key("ik-old", KeyPurpose::Index),
            wrapped_key("ik-new", KeyPurpose::Index),
        ],
        100,
    )
    .await
    .unwrap();
    let (_, cm) = org_with_case_manager(s, "Org Index", "ix-cm").await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let c = managed_case(s, &cm, &format!("SP-2026-INDX-000{n}"), &[vec![n; 32]]).await;
        ids.push(c.person_id.to_string());
    }
    ids.sort();
    // Pages in id order, with the sealed names.
    let first = s.person_names_page(None, 2).await.unwrap();
    let rest = s.person_names_page(Some(&first[1].0), 2).await.unwrap();
    let seen: Vec<String> = first.iter().chain(&rest).map(|r| r.0.clone()).collect();
    assert_eq!(seen, ids);
    assert!(
        first
            .iter()
            .all(|r| !r.1.bytes.is_empty() && !r.2.bytes.is_empty())
    );
    // Indexes replaced: the old token finds nothing, the new one the person.
    let rows: Vec<(String, Vec<Vec<u8>>)> = ids
        .iter()
        .map(|id| (id.clone(), vec![vec![200; 32], id.as_bytes()[..8].to_vec()]))
        .collect();
    s.replace_name_indexes(&rows).await.unwrap();
    let vis = Visibility::Own(cm.id, cm.org_id);
    let count = |token: Vec<u8>| async move {
        s.list_cases(
            vis,
            &CaseFilter {
                name_tokens: vec![token],
                limit: 10,
                ..Default::default()
            },
            &audit("case.list"),
        )
        .await
        .unwrap()
        .total
    };
    assert_eq!(count(vec![0; 32]).await, 0);
    assert_eq!(count(vec![200; 32]).await, 3);
    // Recovery codes and address throttles are keyed hashes: they go.
    let row = TwoFactorRow {
        user_id: cm.id,
        secret: sealed("totp"),
        enabled: false,
        last_step: 0,
        created_at: 10,
        enabled_at: None,
    };
    s.start_two_factor(&row, &audit("two_factor.start"))
        .await
        .unwrap();
    assert!(
        s.enable_two_factor(
            cm.id,
            1,
            &["h1".into(), "h2".into()],
            20,
            &audit("two_factor.enable")
        )
        .await
        .unwrap()
    );
    s.count_address_failure("addr-hash", 1_000, 0)
        .await
        .unwrap();
    s.lock_address("addr-hash", 50_000).await.unwrap();
    assert_eq!(s.recovery_code_holders().await.unwrap(), [cm.id]);
    // Search before create's index holds keyed hashes under the old key.
    s.match_index_reset("old key").await.unwrap();
    s.match_index_apply(5, &[], &[]).await.unwrap();
    let entries = audit_count(s).await;
    let deleted = s
        .end_index_rotation(
            &["ik-old".into()],
            &audit("keys.rotate_index.finish").notify(NotificationRow {
                id: "n-rotation".into(),
                user_id: cm.id,
                kind: "recovery_codes_reset".into(),
                case_id: None,
                message: "Make new recovery codes.".into(),
                created_at: 300,
                read_at: None,
                subject_type: Some("two_factor".into()),
                subject_id: None,
                params: None,
            }),
        )
        .await
        .unwrap();
    assert_eq!(deleted, 2);
    assert!(s.recovery_code_holders().await.unwrap().is_empty());
    assert_eq!(s.unused_recovery_codes(cm.id).await.unwrap(), 0);
    assert_eq!(s.address_locked_until("addr-hash").await.unwrap(), 0);
    assert_eq!(
        s.match_index_state().await.unwrap(),
        None,
        "the index is emptied"
    );
    let keys: Vec<String> = s
        .data_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert!(keys.contains(&"ik-new".to_owned()) && !keys.contains(&"ik-old".to_owned()));
    assert!(
        keys.contains(&"dk-f".to_owned()),
        "a field key is never deleted here"
    );
    assert_eq!(audit_count(s).await, entries + 1);
    assert_eq!(s.unread_notifications(cm.id).await.unwrap(), 1);
    verify(s).await.unwrap();
}

/// Trainings (migration 0025): kept with their attendees and audit entry,
/// listed per organisation newest first, and every attendance with the
/// attendee's role for the checklist.
async fn trainings_with_attendees_per_organisation(h: Harness) {
    let s = h.store.as_ref();
    let (oa, ob) = (org("Train A"), org("Train B"));
    s.insert_org(&oa, &audit("o")).await.unwrap();
    s.insert_org(&ob, &audit("o")).await.unwrap();
    let coord = user(oa.id, "tr-coord", "coordinator");
    let r1 = user(oa.id, "tr-r1", "first_responder");
    let cm = user(oa.id, "tr-cm", "case_manager");
    let rb = user(ob.id, "tr-rb", "first_responder");
    for u in [&coord, &r1, &cm, &rb] {
        s.insert_user(u, &audit("u")).await.unwrap();
    }
    let training = |id: &str, org: OrgId, on: &str, attendees: Vec<UserId>| TrainingRow {
        id: id.into(),
        org_id: org,
        held_on: on.into(),
        topic: "identification".into(),
        note: (id == "t1").then(|| "Module 1".to_owned()),
        recorded_by: coord.id,
        created_at: 5,
        attendees,
    };
    let before = audit_count(s).await;
    s.add_training(
        &training("t1", oa.id, "2026-03-01", vec![r1.id, cm.id]),
        &audit("training.create"),
    )
    .await
    .unwrap();
    s.add_training(
        &training("t2", oa.id, "2026-05-01", vec![r1.id]),
        &audit("training.create"),
    )
    .await
    .unwrap();
    s.add_training(
        &training("t3", ob.id, "2026-04-01", vec![rb.id]),
        &audit("training.create"),
    )
    .await
    .unwrap();
    assert_eq!(audit_count(s).await, before + 3);
    // An attendee twice: refused, nothing written.
    let twice = training("t4", oa.id, "2026-06-01", vec![r1.id, r1.id]);
    assert!(
        s.add_training(&twice, &audit("training.create"))
            .await
            .is_err()
    );
    assert_eq!(audit_count(s).await, before + 3);
    let listed = s.trainings(oa.id).await.unwrap();
    assert_eq!(
        listed.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
        ["t2", "t1"]
    );
    assert_eq!(listed[1].note.as_deref(), Some("Module 1"));
    let mut t1 = listed[1].attendees.clone();
    t1.sort();
    let mut want = vec![r1.id, cm.id];
    want.sort();
    assert_eq!(t1, want);
    let all = s.attendances(None).await.unwrap();
    assert_eq!(all.len(), 4);
    let of_a = s.attendances(Some(oa.id)).await.unwrap();
    assert_eq!(of_a.len(), 3);
    assert_eq!(
        of_a.iter().filter(|a| a.role == "first_responder").count(),
        2
    );
    verify(s).await.unwrap();
}

/// Two administrators disable each other (or take each other's role away)
/// at the same instant: the store lets one change through and refuses the
/// other, so an administrator who can sign in always remains (issue 9).
async fn the_last_administrator_stays_even_when_two_are_disabled_at_once(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Admins Org");
    s.insert_org(&o, &audit("o")).await.unwrap();
    let first = user(o.id, "adm-0", "administrator");
    s.insert_user(&first, &audit("u")).await.unwrap();
    // Alone, the administrator can neither be disabled nor demoted.
    let n = audit_count(s).await;
    assert!(matches!(
        s.set_disabled(first.id, true, &audit("user.disable")).await,
        Err(StoreError::LastAdministrator)
    ));
    assert!(matches!(
        s.set_role(first.id, "coordinator", &audit("user.role"))
            .await,
        Err(StoreError::LastAdministrator)
    ));
    assert_eq!(audit_count(s).await, n, "a refused change leaves no entry");
    // Each round, a second administrator joins and the two are disabled (or
    // one demoted) at the same instant: one change goes through.
    let mut left = first.id;
    for round in 1..=6 {
        let new = user(o.id, &format!("adm-{round}"), "administrator");
        s.insert_user(&new, &audit("u")).await.unwrap();
        let before = audit_count(s).await;
        let (disable, demote) = (audit("user.disable"), audit("user.role"));
        let (x, y) = if round % 2 == 0 {
            tokio::join!(
                s.set_disabled(left, true, &disable),
                s.set_disabled(new.id, true, &disable)
            )
        } else {
            tokio::join!(
                s.set_role(left, "coordinator", &demote),
                s.set_disabled(new.id, true, &disable)
            )
        };
        let refused = [&x, &y]
            .iter()
            .filter(|r| matches!(r, Err(StoreError::LastAdministrator)))
            .count();
        assert_eq!(refused, 1, "round {round}: {x:?} {y:?}");
        let admins = s
            .all_users()
            .await
            .unwrap()
            .into_iter()
            .filter(|u| u.role == "administrator" && !u.disabled)
            .count();
        assert_eq!(admins, 1, "round {round}");
        assert_eq!(audit_count(s).await, before + 1, "round {round}: one entry");
        if x.is_ok() {
            left = new.id;
        }
    }
    // Other accounts change freely.
    let cm = user(o.id, "adm-cm", "case_manager");
    s.insert_user(&cm, &audit("u")).await.unwrap();
    assert!(
        s.set_disabled(cm.id, true, &audit("user.disable"))
            .await
            .unwrap()
    );
    assert!(
        s.set_role(cm.id, "coordinator", &audit("user.role"))
            .await
            .unwrap()
    );
    verify(s).await.unwrap();
}

/// Documents (migration 0024): kept with their sealed columns as given, a
/// case's list newest first without the content, each read and change
/// audited in its own transaction, and a document reachable only through
/// its own case. A large file round-trips byte for byte.
async fn documents_sealed_and_audited_per_case(h: Harness) {
    let s = h.store.as_ref();
    let (_, cm) = org_with_case_manager(s, "Docs Org", "doc-cm").await;
    let c1 = managed_case(s, &cm, "SP-2026-DOCS-0001", &[]).await;
    let c2 = managed_case(s, &cm, "SP-2026-DOCS-0002", &[]).await;
    let doc = |id: &str, at: i64, content: Sealed| DocumentRow {
        meta: DocumentMetaRow {
            id: id.into(),
            case_id: c1.id,
            kind: "medical".into(),
            category: "health".into(),
            media_type: "application/pdf".into(),
            size_bytes: 5,
            file_name: sealed(&format!("{id}-name")),
            description: (id == "d1").then(|| sealed("d1-description")),
            added_by: cm.id,
            added_at: at,
        },
        content,
    };
    let big = Sealed {
        key_id: "dk-test".into(),
        bytes: (0..3_000_000u32).map(|i| (i % 251) as u8).collect(),
    };
    let before = audit_count(s).await;
    s.add_document(&doc("d1", 10, big.clone()), &audit("document.add"))
        .await
        .unwrap();
    s.add_document(&doc("d2", 20, sealed("d2-content")), &audit("document.add"))
        .await
        .unwrap();
    assert!(matches!(
        s.add_document(&doc("d2", 30, sealed("again")), &audit("document.add"))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        audit_count(s).await,
        before + 2,
        "a refused write leaves no entry"
    );

    let listed = s
        .case_documents(c1.id, audit("document.list"))
        .await
        .unwrap();
    assert_eq!(
        listed.iter().map(|d| d.id.as_str()).collect::<Vec<_>>(),
        ["d2", "d1"]
    );
    assert_eq!(listed[1].description, Some(sealed("d1-description")));
    assert_eq!(listed[0].file_name, sealed("d2-name"));
    let entries = s.audit_entries(0, 1_000_000).await.unwrap();
    let last = &entries.last().unwrap().entry;
    assert_eq!(last.action, "document.list");
    assert_eq!(last.detail.as_deref(), Some("documents=d2,d1"));
    assert!(
        s.case_documents(c2.id, audit("document.list"))
            .await
            .unwrap()
            .is_empty()
    );

    let facts = s.document_facts(c1.id, "d1").await.unwrap().unwrap();
    assert_eq!((facts.case_id, facts.category.as_str()), (c1.id, "health"));
    assert_eq!(
        s.document_facts(c2.id, "d1").await.unwrap(),
        None,
        "only through its own case"
    );
    let n = audit_count(s).await;
    let read = s
        .read_document(c1.id, "d1", &audit("document.read"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(read.content, big, "the content round-trips byte for byte");
    assert_eq!(audit_count(s).await, n + 1);
    assert_eq!(
        s.read_document(c2.id, "d1", &audit("document.read"))
            .await
            .unwrap(),
        None
    );
    assert_eq!(audit_count(s).await, n + 1, "nothing read, nothing audited");

    assert!(
        !s.remove_document(c2.id, "d1", &audit("document.remove"))
            .await
            .unwrap()
    );
    assert!(
        s.remove_document(c1.id, "d1", &audit("document.remove"))
            .await
            .unwrap()
    );
    assert!(
        !s.remove_document(c1.id, "d1", &audit("document.remove"))
            .await
            .unwrap()
    );
    assert_eq!(audit_count(s).await, n + 2);
    assert_eq!(
        s.read_document(c1.id, "d1", &audit("document.read"))
            .await
            .unwrap(),
        None
    );
    verify(s).await.unwrap();
}

/// The person counter (migration 0021) rises with every write of a case's
/// person, and names the persons written since a given value: a new case,
/// a changed person, a removed case; reading changes nothing.
async fn person_changes_follow_every_write(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Org Changes");
    s.insert_org(&o, &audit("org.create")).await.unwrap();
    let g0 = s.person_generation().await.unwrap();
    assert!(s.persons_changed_since(g0).await.unwrap().is_empty());
    let (p1, p2) = (person(), person());
    let c1 = case(o.id, p1.id, None, vec![], "SP-CHG-1", 100);
    let c2 = case(o.id, p2.id, None, vec![], "SP-CHG-2", 200);
    s.insert_case(&c1, &p1, &[], &audit("case.create"))
        .await
        .unwrap();
    let g1 = s.person_generation().await.unwrap();
    assert!(g1 > g0);
    assert_eq!(s.persons_changed_since(g0).await.unwrap(), vec![p1.id]);
    s.insert_case(&c2, &p2, &[], &audit("case.create"))
        .await
        .unwrap();
    let g2 = s.person_generation().await.unwrap();
    assert_eq!(s.persons_changed_since(g1).await.unwrap(), vec![p2.id]);
    let mut both = s.persons_changed_since(g0).await.unwrap();
    both.sort_by_key(|p| p.0);
    let mut expected = vec![p1.id, p2.id];
    expected.sort_by_key(|p| p.0);
    assert_eq!(both, expected, "each person once");
    // Reading is not writing.
    let rows = s.case_persons_of(&[p2.id, p1.id]).await.unwrap();
    assert_eq!(
        rows.iter().map(|r| r.case_id).collect::<Vec<_>>(),
        vec![c1.id, c2.id],
        "oldest case first"
    );
    assert_eq!(rows[0].person, p1);
    assert_eq!(rows[1].org_id, o.id);
    assert_eq!(s.person_generation().await.unwrap(), g2);
    // A changed person.
    let mut changed = p1.clone();
    changed.sex = "male".into();
    changed.updated_at = 20;
    let mut c1b = c1.clone();
    c1b.version = 2;
    s.update_case(&c1b, Some((&changed, &[])), &audit("case.update"))
        .await
        .unwrap();
    assert_eq!(s.persons_changed_since(g2).await.unwrap(), vec![p1.id]);
    let g3 = s.person_generation().await.unwrap();
    // A change of the case alone (no person) is not a person's change.
    let mut c1c = c1b.clone();
    c1c.version = 3;
    c1c.status = "presumed_victim".into();
    s.update_case(&c1c, None, &audit("case.update"))
        .await
        .unwrap();
    assert_eq!(s.person_generation().await.unwrap(), g3);
    // A person unknown or without a case is simply absent.
    assert!(
        s.case_persons_of(&[PersonId(Uuid::new_v4())])
            .await
            .unwrap()
            .is_empty()
    );
    assert!(s.case_persons_of(&[]).await.unwrap().is_empty());
}

async fn screenings_listed_by_user_or_organisation(h: Harness) {
    let s = h.store.as_ref();
    let (a, b) = (org("A"), org("B"));
    for o in [&a, &b] {
        s.insert_org(o, &audit("org.create")).await.unwrap();
    }
    let (r1, r2, rb) = (
        user(a.id, "r1", "first_responder"),
        user(a.id, "r2", "first_responder"),
        user(b.id, "rb", "first_responder"),
    );
    for u in [&r1, &r2, &rb] {
        s.insert_user(u, &audit("u")).await.unwrap();
    }
    let screening = |id: &str, by: &UserRow, at: i64| ScreeningRow {
        id: id.into(),
        org_id: by.org_id,
        screened_by: by.id,
        created_at: at,
        catalogue_version: "test".into(),
        profile_id: "thailand".into(),
        form: "fishing".into(),
        population: "adult".into(),
        outcome: "presumed_trafficking".into(),
        non_punishment: true,
        non_removal: true,
        case_id: None,
        record: sealed(id),
    };
    for (id, by, at) in [
        ("s1", &r1, 10),
        ("s2", &r2, 20),
        ("s3", &r1, 30),
        ("s4", &rb, 40),
        ("s5", &r1, 50),
    ] {
        s.insert_screening(&screening(id, by, at), &audit("screening.create"))
            .await
            .unwrap();
    }
    let ids = |rows: &[ScreeningListRow]| rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
    let before = audit_count(s).await;
    let (mine, cut) = s
        .list_screenings(ScreeningsOf::User(r1.id), 10, audit("screening.list"))
        .await
        .unwrap();
    assert_eq!(ids(&mine), ["s5", "s3", "s1"], "newest first, only r1's");
    assert!(!cut);
    assert_eq!(mine[0].form, "fishing");
    assert_eq!(mine[0].screened_by, r1.id);
    // Cut: two of three, and it says so.
    let (two, cut) = s
        .list_screenings(ScreeningsOf::User(r1.id), 2, audit("screening.list"))
        .await
        .unwrap();
    assert_eq!(ids(&two), ["s5", "s3"]);
    assert!(cut);
    let (org_a, _) = s
        .list_screenings(ScreeningsOf::Org(a.id), 10, audit("screening.list"))
        .await
        .unwrap();
    assert_eq!(
        ids(&org_a),
        ["s5", "s3", "s2", "s1"],
        "organisation B's not among them"
    );
    // Each listing is one audit entry naming the ids it returned.
    assert_eq!(audit_count(s).await, before + 3);
    let entries = s.audit_entries(0, 1_000_000).await.unwrap();
    let detail = entries
        .last()
        .unwrap()
        .entry
        .detail
        .clone()
        .unwrap_or_default();
    assert!(detail.contains("results=4 ids=s5,s3,s2,s1"), "{detail}");
    // The screening a case was referred from.
    let p = person();
    let c = case(a.id, p.id, None, vec![], "SP-2026-SCRN-0001", 60);
    s.insert_case(&c, &p, &[], &audit("case.create"))
        .await
        .unwrap();
    assert_eq!(s.screening_of_case(c.id).await.unwrap(), None);
    let referred = ScreeningRow {
        case_id: Some(c.id),
        ..screening("s6", &r1, 60)
    };
    s.insert_screening(&referred, &audit("screening.create"))
        .await
        .unwrap();
    assert_eq!(
        s.screening_of_case(c.id).await.unwrap().as_deref(),
        Some("s6")
    );
    assert_eq!(
        s.screening_of_case(CaseId(Uuid::new_v4())).await.unwrap(),
        None
    );
    assert_eq!(verify(s).await, Ok(audit_count(s).await as i64));
}

async fn agreements_registry_by_party(h: Harness) {
    let s = h.store.as_ref();
    let row = |id: &str, title: &str, parties: &str, at: i64| AgreementRow {
        id: id.into(),
        title: title.into(),
        parties: parties.into(),
        record: format!("{{\"title\":\"{title}\"}}"),
        created_by: "coordinator".into(),
        created_at: at,
    };
    let before = audit_count(s).await;
    s.insert_agreement(
        &row("a2", "Second", ",KH,TH,", 20),
        &audit("agreement.create"),
    )
    .await
    .unwrap();
    s.insert_agreement(
        &row("a1", "First", ",MM,TH,", 10),
        &audit("agreement.create"),
    )
    .await
    .unwrap();
    assert_eq!(audit_count(s).await, before + 2);
    // The same title twice: refused, nothing stored, nothing audited.
    let err = s
        .insert_agreement(
            &row("a3", "First", ",LA,TH,", 30),
            &audit("agreement.create"),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Conflict(_)), "{err:?}");
    assert_eq!(audit_count(s).await, before + 2);
    let ids = |rows: Vec<AgreementRow>| rows.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(s.agreements(None).await.unwrap()), ["a1", "a2"]);
    assert_eq!(ids(s.agreements(Some("TH")).await.unwrap()), ["a1", "a2"]);
    assert_eq!(ids(s.agreements(Some("MM")).await.unwrap()), ["a1"]);
    // A code is matched whole, not as a part of another.
    assert!(s.agreements(Some("M")).await.unwrap().is_empty());
    assert!(s.agreements(Some("LA")).await.unwrap().is_empty());
    let first = &s.agreements(Some("MM")).await.unwrap()[0];
    assert_eq!(first, &row("a1", "First", ",MM,TH,", 10));
    assert_eq!(verify(s).await, Ok(audit_count(s).await as i64));
}

async fn tracing_requests_waiting_and_later_matches(h: Harness) {
    let s = h.store.as_ref();
    let o = org("Org");
    s.insert_org(&o, &audit("org.create")).await.unwrap();
    let cm = user(o.id, "cm", "case_manager");
    s.insert_user(&cm, &audit("u")).await.unwrap();
    let p = person();
    let c = case(o.id, p.id, Some(cm.id), vec![], "SP-2026-TRAC-0001", 100);
    s.insert_case(&c, &p, &[vec![1; 32]], &audit("case.create"))
        .await
        .unwrap();
    let request = |id: &str, status: &str, at: i64| TracingRequestRow {
        id: id.into(),
        reference: format!("TR-{id}"),
        org_id: o.id,
        created_by: cm.id,
        status: status.into(),
        found_org_id: None,
        found_at: None,
        sought: sealed("sought"),
        requester: sealed("requester"),
        created_at: at,
    };
    for (id, status, at) in [("r2", "open", 20), ("r1", "open", 10), ("r3", "found", 5)] {
        s.insert_tracing_request(&request(id, status, at), &[], &audit("tracing.create"))
            .await
            .unwrap();
    }
    let open: Vec<String> = s
        .open_tracing_requests()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(open, ["r1", "r2"], "open ones, oldest first");
    let m = TracingMatchRow {
        id: "m1".into(),
        request_id: "r1".into(),
        case_id: c.id,
        case_org_id: o.id,
        probability: 0.93,
        band: "likely".into(),
        explanation: "[]".into(),
        state: "pending".into(),
        decided_by: None,
        decided_at: None,
        created_at: 30,
    };
    let before = audit_count(s).await;
    let added = s
        .insert_tracing_matches(std::slice::from_ref(&m), &audit("tracing.match_waiting"))
        .await
        .unwrap();
    assert_eq!(added, 1);
    // The same request and case again: left as it is, still audited.
    let again = TracingMatchRow {
        id: "m2".into(),
        ..m.clone()
    };
    let added = s
        .insert_tracing_matches(&[again], &audit("tracing.match_waiting"))
        .await
        .unwrap();
    assert_eq!(added, 0);
    assert_eq!(audit_count(s).await, before + 2);
    let found = s.tracing_matches_for_request("r1").await.unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, "m1");

    // Who may be found (D18): cases with a tracing consent, counted once,
    // and their entries in search before create's index, no other.
    assert_eq!(
        s.count_cases_with_consent_purpose("tracing").await.unwrap(),
        0
    );
    let consent = |id: &str, kind: &str| LedgerRow {
        id: id.into(),
        case_id: c.id,
        kind: kind.into(),
        from_org: Some(o.id),
        to_org: None,
        record: "sealed".into(),
        created_at: 40,
        updated_at: 40,
    };
    for (id, kind) in [
        ("k1", "tracing"),
        ("k2", "tracing"),
        ("k3", "service_referral"),
    ] {
        s.insert_consent(&consent(id, kind), &audit("consent.record"))
            .await
            .unwrap();
    }
    assert_eq!(
        s.count_cases_with_consent_purpose("tracing").await.unwrap(),
        1
    );
    assert_eq!(
        s.count_cases_with_consent_purpose("family_contact")
            .await
            .unwrap(),
        0
    );
    // One read for several cases' consents of one purpose, in ledger order;
    // a case without any adds nothing.
    let ids = |v: Vec<LedgerRow>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(
        ids(s
            .consents_for_cases(&[CaseId(Uuid::from_u128(78)), c.id], "tracing")
            .await
            .unwrap()),
        ["k1", "k2"]
    );
    assert!(
        s.consents_for_cases(&[c.id], "family_contact")
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        s.consents_for_cases(&[], "tracing")
            .await
            .unwrap()
            .is_empty()
    );
    s.match_index_reset("fp").await.unwrap();
    let entry = |case: CaseId, person: u128| MatchEntryRow {
        case_id: case,
        person_id: PersonId(Uuid::from_u128(person)),
        case_created_at: 1,
        features: sealed("features"),
        keys: vec![5],
        terms: vec![],
    };
    let other = CaseId(Uuid::from_u128(77));
    s.match_index_apply(1, &[], &[entry(c.id, 1), entry(other, 2)])
        .await
        .unwrap();
    let cases =
        |v: Vec<safepath_store::MatchEntry>| v.into_iter().map(|e| e.case_id).collect::<Vec<_>>();
    assert_eq!(cases(s.match_entries_under(&[5]).await.unwrap()).len(), 2);
    assert_eq!(
        cases(
            s.match_entries_under_consent(&[5], "tracing")
                .await
                .unwrap()
        ),
        [c.id]
    );
    assert!(
        s.match_entries_under_consent(&[5], "family_contact")
            .await
            .unwrap()
            .is_empty()
    );
    verify(s).await.unwrap();
}

/// A stored data key for the rotation tests (never unwrapped by the store).
fn wrapped_key(id: &str, purpose: KeyPurpose) -> WrappedDataKey {
    WrappedDataKey {
        id: id.into(),
        purpose,
        master_key_id: "mk-1".into(),
        wrapped: vec![7; 40],
    }
}

async fn data_key_rotation_columns_cells_and_retirement(h: Harness) {
    let s = h.store.as_ref();
    s.insert_data_keys(
        &[
            wrapped_key("dk-test", KeyPurpose::Field),
            wrapped_key("dk-idx", KeyPurpose::Index),
        ],
        100,
    )
    .await
    .unwrap();
    let (_, cm) = org_with_case_manager(s, "Org", "cm").await;
    let c = managed_case(s, &cm, "SP-2026-ROTA-0001", &[vec![1; 32]]).await;

    // The schema's sealed columns, never the audit log or the keys.
    let cols = s.sealed_columns().await.unwrap();
    let names = cols
        .iter()
        .find(|c| c.table == "persons" && c.column == "names")
        .cloned()
        .expect("persons.names is listed");
    assert_eq!((names.key.as_str(), names.text), ("id", false));
    assert!(
        cols.iter()
            .any(|c| c.table == "consents" && c.column == "record" && c.text)
    );
    assert!(
        cols.iter()
            .any(|c| c.table == "two_factor" && c.key == "user_id")
    );
    assert!(
        !cols
            .iter()
            .any(|c| NOT_RESEALED.contains(&c.table.as_str()))
    );

    // A new field key is the newest: the ring seals with the last one.
    s.add_data_key(
        &wrapped_key("dk-new", KeyPurpose::Field),
        50,
        &audit("keys.rotate_data.start"),
    )
    .await
    .unwrap();
    let order: Vec<String> = s
        .data_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(
        order.last().map(String::as_str),
        Some("dk-new"),
        "{order:?}"
    );

    // Cells in key order; a value is rewritten only if it is still the one read.
    let cells = s.sealed_cells(&names, None, 10).await.unwrap();
    assert_eq!(cells.len(), 1);
    assert_eq!(cells[0].row, c.person_id.to_string());
    assert_eq!(cells[0].sealed.key_id, "dk-test");
    assert!(
        s.sealed_cells(&names, Some(&cells[0].row), 10)
            .await
            .unwrap()
            .is_empty()
    );
    let new = Sealed {
        key_id: "dk-new".into(),
        bytes: b"resealed-names".to_vec(),
    };
    let change = (cells[0].clone(), new.clone());
    assert_eq!(
        s.reseal_cells(&names, std::slice::from_ref(&change))
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        s.reseal_cells(&names, &[change]).await.unwrap(),
        0,
        "stale: not written"
    );
    assert_eq!(
        s.sealed_cells(&names, None, 10).await.unwrap()[0].sealed,
        new
    );

    // Where the old key still seals: the person's other fields, and a
    // sealed reason in the audit log.
    s.append_audit(&audit("case.break_glass").reason("sealed:v1:dk-test:AAAA"))
        .await
        .unwrap();
    let used = s
        .values_under(&["dk-test".to_string()].into_iter().collect())
        .await
        .unwrap();
    assert_eq!(used.len(), 1);
    assert_eq!(used[0].in_audit_log, 1);
    let places: Vec<&str> = used[0]
        .elsewhere
        .iter()
        .map(|(at, _)| at.as_str())
        .collect();
    assert!(places.contains(&"persons.display_name"), "{places:?}");
    assert!(!places.contains(&"persons.names"), "{places:?}");

    // Retired keys come first (they open, never seal); deleted ones are gone.
    s.retire_data_keys(
        &[],
        &["dk-test".into()],
        200,
        &audit("keys.rotate_data.finish"),
    )
    .await
    .unwrap();
    assert_eq!(
        s.retired_data_keys()
            .await
            .unwrap()
            .into_iter()
            .collect::<Vec<_>>(),
        ["dk-test"]
    );
    let order: Vec<String> = s
        .data_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(
        order.first().map(String::as_str),
        Some("dk-test"),
        "{order:?}"
    );
    assert_eq!(
        order.last().map(String::as_str),
        Some("dk-new"),
        "{order:?}"
    );
    s.retire_data_keys(
        &["dk-test".into()],
        &[],
        300,
        &audit("keys.rotate_data.finish"),
    )
    .await
    .unwrap();
    let order: Vec<String> = s
        .data_keys()
        .await
        .unwrap()
        .into_iter()
        .map(|k| k.id)
        .collect();
    assert_eq!(order, ["dk-idx", "dk-new"]);
    verify(s).await.unwrap();
}

/// Sixteen failures counted at once, from separate tasks; their counts, sorted.
async fn parallel_failures(store: &Arc<dyn Store>, key: &str) -> Vec<i64> {
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = store.clone();
            let key = key.to_owned();
            tokio::spawn(async move { store.count_login_failure(&key, i).await.unwrap() })
        })
        .collect();
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.unwrap());
    }
    counts.sort();
    counts
}

/// The facts the policy reads before it decides (as the app does).
async fn facts_of(s: &dyn Store, id: CaseId) -> CaseFacts {
    s.case_facts(id).await.unwrap().unwrap()
}

/// Failures per source address, counted in a window, atomically; the second
/// factor's enrolment, replay guard, recovery codes and removal.
async fn sign_in_addresses_and_two_factor(h: Harness) {
    let s = h.store.as_ref();
    // Parallel failures from one address are each counted.
    let tasks: Vec<_> = (0..16)
        .map(|i| {
            let store = h.store.clone();
            tokio::spawn(async move {
                store
                    .count_address_failure("addr", 1_000 + i, 0)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut counts = Vec::new();
    for t in tasks {
        counts.push(t.await.unwrap());
    }
    counts.sort();
    assert_eq!(counts, (1..=16).collect::<Vec<i64>>());
    // Within the window the count goes on; after it, a new window begins.
    assert_eq!(
        s.count_address_failure("addr", 2_000, 500).await.unwrap(),
        17
    );
    assert_eq!(
        s.count_address_failure("addr", 9_000, 5_000).await.unwrap(),
        1
    );
    assert_eq!(
        s.count_address_failure("addr", 9_001, 1_000).await.unwrap(),
        2
    );
    assert_eq!(
        s.count_address_failure("other", 9_001, 1_000)
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.address_locked_until("addr").await.unwrap(), 0);
    assert_eq!(s.address_locked_until("never").await.unwrap(), 0);
    s.lock_address("addr", 50_000).await.unwrap();
    s.lock_address("addr", 20_000).await.unwrap();
    assert_eq!(
        s.address_locked_until("addr").await.unwrap(),
        50_000,
        "a lock is never shortened"
    );
    // Stale rows go, locked ones stay until their lock is over.
    assert_eq!(
        s.delete_stale_address_failures(10_000, 30_000)
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.address_locked_until("addr").await.unwrap(), 50_000);
    assert_eq!(
        s.delete_stale_address_failures(10_000, 60_000)
            .await
            .unwrap(),
        1
    );
    assert_eq!(s.address_locked_until("addr").await.unwrap(), 0);

    let o = org("Org Two Factor");
    s.insert_org(&o, &audit("org.create")).await.unwrap();
    let u = user(o.id, "tfa", "coordinator");
    s.insert_user(&u, &audit("user.create")).await.unwrap();
    assert_eq!(s.two_factor(u.id).await.unwrap(), None);
    assert!(!s.use_totp_step(u.id, 5).await.unwrap(), "nothing to use");
    let row = TwoFactorRow {
        user_id: u.id,
        secret: sealed("totp-1"),
        enabled: false,
        last_step: 0,
        created_at: 10,
        enabled_at: None,
    };
    s.start_two_factor(&row, &audit("two_factor.start"))
        .await
        .unwrap();
    // Starting again replaces the secret awaiting confirmation.
    let again = TwoFactorRow {
        secret: sealed("totp-2"),
        created_at: 11,
        ..row.clone()
    };
    s.start_two_factor(&again, &audit("two_factor.start"))
        .await
        .unwrap();
    assert_eq!(s.two_factor(u.id).await.unwrap(), Some(again.clone()));
    assert!(
        !s.use_totp_step(u.id, 5).await.unwrap(),
        "not on before it is confirmed"
    );
    let hashes = vec!["h1".to_owned(), "h2".to_owned()];
    assert!(
        s.enable_two_factor(u.id, 100, &hashes, 20, &audit("two_factor.on"))
            .await
            .unwrap()
    );
    assert!(
        !s.enable_two_factor(u.id, 101, &hashes, 21, &audit("two_factor.on"))
            .await
            .unwrap(),
        "confirmed once"
    );
    let on = s.two_factor(u.id).await.unwrap().unwrap();
    assert!(on.enabled);
    assert_eq!((on.last_step, on.enabled_at), (100, Some(20)));
    assert!(matches!(
        s.start_two_factor(&row, &audit("two_factor.start")).await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        s.two_factor(u.id).await.unwrap().unwrap().secret,
        sealed("totp-2"),
        "an enabled secret is not replaced"
    );
    // A step is accepted once, and never one before it.
    assert!(!s.use_totp_step(u.id, 100).await.unwrap());
    assert!(!s.use_totp_step(u.id, 99).await.unwrap());
    let racing: Vec<_> = (0..8)
        .map(|_| {
            let store = h.store.clone();
            tokio::spawn(async move { store.use_totp_step(u.id, 101).await.unwrap() })
        })
        .collect();
    let mut accepted = 0;
    for t in racing {
        accepted += i32::from(t.await.unwrap());
    }
    assert_eq!(accepted, 1, "a code is used once, even at the same moment");
    // Recovery codes: each once.
    assert_eq!(s.unused_recovery_codes(u.id).await.unwrap(), 2);
    assert!(s.use_recovery_code(u.id, "h1", 30).await.unwrap());
    assert!(!s.use_recovery_code(u.id, "h1", 31).await.unwrap());
    assert!(!s.use_recovery_code(u.id, "nope", 31).await.unwrap());
    assert_eq!(s.unused_recovery_codes(u.id).await.unwrap(), 1);
    assert!(
        s.delete_two_factor(u.id, &audit("two_factor.off"))
            .await
            .unwrap()
    );
    assert!(
        !s.delete_two_factor(u.id, &audit("two_factor.off"))
            .await
            .unwrap()
    );
    assert_eq!(s.two_factor(u.id).await.unwrap(), None);
    assert_eq!(s.unused_recovery_codes(u.id).await.unwrap(), 0);

    // An administrator's reset also ends the holder's sessions, at once; a
    // session of someone else stays, and with nothing to reset nothing
    // changes (no entry in the audit trail either).
    let other = user(o.id, "tfa-other", "coordinator");
    s.insert_user(&other, &audit("user.create")).await.unwrap();
    let session = |hash: &str, user_id| SessionRow {
        token_hash: hash.into(),
        user_id,
        kind: "web".into(),
        csrf_token: "c".into(),
        created_at: 1,
        expires_at: i64::MAX,
        last_seen_at: 1,
    };
    s.insert_session(&session("tfa-h1", u.id)).await.unwrap();
    s.insert_session(&session("tfa-h2", other.id))
        .await
        .unwrap();
    let entries = audit_count(s).await;
    assert!(
        !s.reset_two_factor(u.id, &audit("two_factor.reset"))
            .await
            .unwrap()
    );
    assert_eq!(audit_count(s).await, entries);
    assert!(
        s.session("tfa-h1", 50).await.unwrap().is_some(),
        "nothing to reset"
    );
    s.start_two_factor(&row, &audit("two_factor.start"))
        .await
        .unwrap();
    assert!(
        s.enable_two_factor(u.id, 200, &hashes, 40, &audit("two_factor.on"))
            .await
            .unwrap()
    );
    assert!(
        s.reset_two_factor(u.id, &audit("two_factor.reset"))
            .await
            .unwrap()
    );
    assert_eq!(s.two_factor(u.id).await.unwrap(), None);
    assert_eq!(s.unused_recovery_codes(u.id).await.unwrap(), 0);
    assert_eq!(s.session("tfa-h1", 50).await.unwrap(), None, "signed out");
    assert!(s.session("tfa-h2", 50).await.unwrap().is_some());
    assert_eq!(verify(s).await, Ok(audit_count(s).await as i64));
}

/// A statement run behind the store's back (tampering, breaking things).
async fn raw_exec(h: &Harness, sql: &'static str) {
    if h.raw_url.starts_with("sqlite") {
        let pool = sqlx::SqlitePool::connect(&h.raw_url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    } else {
        let pool = sqlx::PgPool::connect(&h.raw_url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }
}

/// Audited reads from many tasks at once (the group writer commits their
/// entries together, docs/decisions.md D14): every read that returned data
/// has exactly one entry, each task's entries come in the order of its
/// reads, the chain and its checkpoints verify, and a case changed while
/// it is read is either read again or refused. When no entry can be
/// written, no data is returned.
async fn concurrent_audited_reads(h: Harness) {
    let s = h.store.clone();
    let (o, cm) = org_with_case_manager(s.as_ref(), "Org", "cm").await;
    let c1 = managed_case(s.as_ref(), &cm, "SP-2026-AAAA-0001", &[]).await;
    let c2 = managed_case(s.as_ref(), &cm, "SP-2026-AAAA-0002", &[]).await;
    let before = audit_count(s.as_ref()).await;
    const TASKS: usize = 12;
    const READS: usize = 30;
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let s = s.clone();
        let (c1, c2) = (c1.clone(), c2.clone());
        tasks.push(tokio::spawn(async move {
            let mut ok = Vec::new();
            for i in 0..READS {
                let detail = format!("t{t} n{i}");
                match (t + i) % 3 {
                    // A case nobody changes: always read.
                    0 => {
                        let facts = facts_of(s.as_ref(), c1.id).await;
                        let draft = audit("case.read").record("case", c1.id).detail(&detail);
                        let (rc, _) = s.read_case(&facts, &draft).await.unwrap().unwrap();
                        assert_eq!(rc.id, c1.id);
                        ok.push(detail);
                    }
                    // A case whose notes change meanwhile: read (maybe again) or refused.
                    1 => {
                        let facts = facts_of(s.as_ref(), c2.id).await;
                        let draft = audit("case.read").record("case", c2.id).detail(&detail);
                        match s.read_case(&facts, &draft).await {
                            Ok(Some((rc, _))) => {
                                assert_eq!(rc.id, c2.id);
                                ok.push(detail);
                            }
                            Err(StoreError::Conflict(_)) => {}
                            other => panic!("unexpected {other:?}"),
                        }
                    }
                    _ => {
                        let vis = Visibility::Own(cm.id, o.id);
                        let f = CaseFilter {
                            limit: 10,
                            ..Default::default()
                        };
                        let draft = audit("case.list").detail(&detail);
                        assert_eq!(s.list_cases(vis, &f, &draft).await.unwrap().total, 2);
                        ok.push(detail);
                    }
                }
            }
            ok
        }));
    }
    // Meanwhile the second case changes (its notes: the facts stay).
    let mut current = c2.clone();
    for n in 0..10 {
        current.version += 1;
        current.updated_at += 1;
        current.notes = Some(sealed(&format!("notes {n}")));
        s.update_case(&current, None, &audit("case.update"))
            .await
            .unwrap();
        tokio::task::yield_now().await;
    }
    let mut read = Vec::new();
    for t in tasks {
        read.push(t.await.unwrap());
    }
    let entries = s.audit_entries(0, 1_000_000).await.unwrap();
    let mut reads_logged = 0;
    for (t, details) in read.iter().enumerate() {
        // This task's entries, in chain order, are exactly its reads that returned data.
        let prefix = format!("t{t} ");
        let logged: Vec<&str> = entries
            .iter()
            .filter_map(|e| e.entry.detail.as_deref())
            .filter(|d| d.starts_with(&prefix))
            .map(|d| d.split(';').next().unwrap_or(d))
            .collect();
        assert_eq!(
            logged,
            details.iter().map(String::as_str).collect::<Vec<_>>()
        );
        reads_logged += logged.len();
    }
    assert!(
        reads_logged >= TASKS * READS * 2 / 3,
        "the unchanged case and the list are always read"
    );
    assert_eq!(audit_count(s.as_ref()).await, before + reads_logged + 10);
    let head = entries.last().unwrap().entry.seq;
    assert!(head > CHECKPOINT_EVERY, "the run crosses a checkpoint");
    assert_eq!(verify(s.as_ref()).await, Ok(head));
    assert!(!s.checkpoints().await.unwrap().is_empty());

    // No entry can be written: the read fails and returns nothing.
    raw_exec(&h, "ALTER TABLE audit_log RENAME TO audit_log_gone").await;
    let facts = facts_of(s.as_ref(), c1.id).await;
    assert!(s.read_case(&facts, &audit("case.read")).await.is_err());
    let f = CaseFilter {
        limit: 10,
        ..Default::default()
    };
    assert!(
        s.list_cases(Visibility::Own(cm.id, o.id), &f, &audit("case.list"))
            .await
            .is_err()
    );
    assert!(s.append_audit(&audit("x")).await.is_err());
    raw_exec(&h, "ALTER TABLE audit_log_gone RENAME TO audit_log").await;
    // The writer carries on once it can write again.
    assert_eq!(s.append_audit(&audit("x")).await.unwrap(), head + 1);
    assert_eq!(verify(s.as_ref()).await, Ok(head + 1));
}
