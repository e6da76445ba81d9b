//! Synthetic demo data. Every person here is invented: names are drawn at
//! random from lists of common name *parts* in each script, recombined, so no
//! record describes a real person.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use safepath_domain::case::{CaseStatus, ExploitationForm};
use safepath_domain::person::{
    BirthDate, Contact, GenderIdentity, NamePart, Person, PersonName, Place, Sex,
};

use crate::admin::Operator;
use crate::views::{CasePatch, NewCase};
use crate::{App, AppError, Principal};

pub const DEMO_PASSWORD: &str = "safepath-demo";

/// The demo accounts: username, full name, organisation index, role.
pub const DEMO_USERS: &[(&str, &str, usize, &str)] = &[
    ("demo-admin", "Demo Administrator", 0, "administrator"),
    (
        "demo-coordinator",
        "Demo Coordinator (org A)",
        0,
        "coordinator",
    ),
    ("demo-cm-a", "Demo Case Manager (org A)", 0, "case_manager"),
    ("demo-cm-b", "Demo Case Manager (org B)", 1, "case_manager"),
    (
        "demo-responder",
        "Demo First Responder (org A)",
        0,
        "first_responder",
    ),
    (
        "demo-provider",
        "Demo Service Provider (org B)",
        1,
        "service_provider",
    ),
    ("demo-analyst", "Demo Analyst", 0, "analyst"),
    ("demo-cm-c", "Demo Case Manager (org C)", 2, "case_manager"),
    ("demo-partner", "Demo Partner Liaison (org C)", 2, "partner"),
];

pub const DEMO_ORGS: &[(&str, &str, &str)] = &[
    (
        "Organisation A — National Anti-Trafficking Unit",
        "government",
        "THA",
    ),
    ("Organisation B — Harbour Light Shelter (NGO)", "ngo", "THA"),
    (
        "Organisation C — Mekong Return Partners",
        "international_organisation",
        "MMR",
    ),
];

/// (script, original, transliteration)
type Part = (&'static str, &'static str, &'static str);

const THAI_GIVEN: &[Part] = &[
    ("Thai", "มาลี", "Malee"),
    ("Thai", "สุดา", "Suda"),
    ("Thai", "วันดี", "Wandee"),
    ("Thai", "ประเสริฐ", "Prasert"),
    ("Thai", "บุญมี", "Boonmee"),
    ("Thai", "สมชาย", "Somchai"),
    ("Thai", "นภา", "Napa"),
    ("Thai", "อรุณ", "Arun"),
];
const THAI_FAMILY: &[Part] = &[
    ("Thai", "ใจดี", "Jaidee"),
    ("Thai", "ศรีสุข", "Srisuk"),
    ("Thai", "แก้วมณี", "Kaewmanee"),
    ("Thai", "ทองคำ", "Thongkham"),
    ("Thai", "บุญเรือง", "Boonruang"),
];
const VIET_FAMILY: &[&str] = &["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Võ", "Đặng", "Bùi"];
const VIET_GIVEN: &[&str] = &[
    "An", "Hoa", "Minh", "Lan", "Tuấn", "Hương", "Dũng", "Thảo", "Hải",
];
const BURMESE: &[Part] = &[
    ("Mymr", "အောင်", "Aung"),
    ("Mymr", "ကျော်", "Kyaw"),
    ("Mymr", "သီတာ", "Thida"),
    ("Mymr", "လှ", "Hla"),
    ("Mymr", "မြ", "Mya"),
    ("Mymr", "ဝင်း", "Win"),
    ("Mymr", "ဇော်", "Zaw"),
    ("Mymr", "သူ", "Thu"),
];
const KHMER_GIVEN: &[Part] = &[
    ("Khmr", "សុខា", "Sokha"),
    ("Khmr", "ដារា", "Dara"),
    ("Khmr", "វណ្ណា", "Vanna"),
    ("Khmr", "ចន្ធី", "Chanthy"),
    ("Khmr", "សុភាព", "Sopheap"),
];
const KHMER_FAMILY: &[Part] = &[
    ("Khmr", "ជា", "Chea"),
    ("Khmr", "សុខ", "Sok"),
    ("Khmr", "គីម", "Kim"),
    ("Khmr", "ហេង", "Heng"),
];
const INDONESIAN_SINGLE: &[&str] = &[
    "Sukarni", "Wati", "Suparman", "Yanti", "Rahmat", "Darmi", "Sumiati", "Joko",
];

fn fold_vietnamese(s: &str) -> String {
    safepath_domain::names::fold(s)
        .split(' ')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn pick<'a, T>(rng: &mut StdRng, xs: &'a [T]) -> &'a T {
    xs.choose(rng).unwrap_or(&xs[0])
}

/// One synthetic person; the kind cycles through the region's naming systems.
pub fn synthetic_person(rng: &mut StdRng, i: usize) -> Person {
    let female = rng.gen_bool(0.55);
    let (names, nationality, language, display): (Vec<PersonName>, &str, &str, String) = match i % 6
    {
        0 => {
            let g = pick(rng, THAI_GIVEN);
            let f = pick(rng, THAI_FAMILY);
            let full = format!("{} {}", g.1, f.1);
            let latin = format!("{} {}", g.2, f.2);
            (
                vec![PersonName {
                    value: full,
                    script: "Thai".into(),
                    part: NamePart::Full,
                    transliterations: vec![latin.clone()],
                }],
                "THA",
                "th",
                latin,
            )
        }
        1 | 2 => {
            let fam = pick(rng, VIET_FAMILY);
            let mid = if female { "Thị" } else { "Văn" };
            let giv = pick(rng, VIET_GIVEN);
            let full = format!("{fam} {mid} {giv}");
            let folded = fold_vietnamese(&full);
            // Half the records were typed without diacritics, as often happens.
            let (value, translit) = if i % 6 == 1 {
                (full, vec![folded.clone()])
            } else {
                (folded.clone(), vec![])
            };
            let display = value.clone();
            (
                vec![PersonName {
                    value,
                    script: "Latn".into(),
                    part: NamePart::Full,
                    transliterations: translit,
                }],
                "VNM",
                "vi",
                display,
            )
        }
        3 => {
            let a = pick(rng, BURMESE);
            let b = pick(rng, BURMESE);
            let honorific = if female {
                ("မ", "Ma")
            } else {
                ("မောင်", "Maung")
            };
            let full = format!("{} {}{}", honorific.0, a.1, b.1);
            let latin = format!("{} {} {}", honorific.1, a.2, b.2);
            (
                vec![PersonName {
                    value: full,
                    script: "Mymr".into(),
                    part: NamePart::Full,
                    transliterations: vec![latin.clone()],
                }],
                "MMR",
                "my",
                latin,
            )
        }
        4 => {
            let f = pick(rng, KHMER_FAMILY);
            let g = pick(rng, KHMER_GIVEN);
            let full = format!("{} {}", f.1, g.1);
            let latin = format!("{} {}", f.2, g.2);
            (
                vec![PersonName {
                    value: full,
                    script: "Khmr".into(),
                    part: NamePart::Full,
                    transliterations: vec![latin.clone()],
                }],
                "KHM",
                "km",
                latin,
            )
        }
        _ => {
            let n = pick(rng, INDONESIAN_SINGLE).to_string();
            (
                vec![PersonName {
                    value: n.clone(),
                    script: "Latn".into(),
                    part: NamePart::Given,
                    transliterations: vec![],
                }],
                "IDN",
                "id",
                n,
            )
        }
    };
    let birth_date = match rng.gen_range(0..5) {
        0 => Some(BirthDate::Exact {
            date: format!(
                "{}-{:02}-{:02}",
                rng.gen_range(1975..2009),
                rng.gen_range(1..13),
                rng.gen_range(1..29)
            ),
        }),
        1 => Some(BirthDate::YearMonth {
            year: rng.gen_range(1975..2009),
            month: rng.gen_range(1..13),
        }),
        2 => Some(BirthDate::Year {
            year: rng.gen_range(1975..2009),
        }),
        3 => Some(BirthDate::EstimatedAge {
            age: rng.gen_range(14..50),
            on: format!(
                "2026-{:02}-{:02}",
                rng.gen_range(1..11),
                rng.gen_range(1..29)
            ),
        }),
        _ => None,
    };
    let gender_identity = match rng.gen_range(0..20) {
        0 => GenderIdentity::TransgenderWoman,
        1 => GenderIdentity::NotDisclosed,
        _ if female => GenderIdentity::Woman,
        _ => GenderIdentity::Man,
    };
    Person {
        display_name: display,
        names,
        sex: if female { Sex::Female } else { Sex::Male },
        gender_identity,
        birth_date,
        nationalities: vec![nationality.into()],
        languages: vec![language.into()],
        contact: if rng.gen_bool(0.4) {
            Contact {
                phone: Some(format!("+66 8{:08}", rng.gen_range(0..100_000_000u32))),
                ..Default::default()
            }
        } else {
            Contact::default()
        },
        place_of_origin: Place {
            country: Some(nationality.into()),
            area: None,
            locality: None,
        },
    }
}

const FORMS: &[ExploitationForm] = &[
    ExploitationForm::ForcedLabour,
    ExploitationForm::ForcedLabour,
    ExploitationForm::SexualExploitation,
    ExploitationForm::DomesticServitude,
    ExploitationForm::ForcedBegging,
    ExploitationForm::ForcedCriminality,
    ExploitationForm::ForcedMarriage,
];

/// Seeds the demo organisations, accounts and at least `cases` synthetic
/// cases, unless the database already has users. Returns whether it seeded.
pub async fn seed(app: &App, cases: usize) -> Result<bool, AppError> {
    if app.store.user_by_username("demo-admin").await?.is_some()
        || app.store.count_cases().await? > 0
    {
        return Ok(false);
    }
    let mut orgs = Vec::new();
    for (name, kind, country) in DEMO_ORGS {
        orgs.push(
            app.add_org(Operator::Cli("demo"), name, kind, country)
                .await?,
        );
    }
    let mut users = Vec::new();
    for (username, full, org, role) in DEMO_USERS {
        app.add_user(
            Operator::Cli("demo"),
            username,
            full,
            safepath_domain::ids::OrgId(orgs[*org].id),
            role,
            DEMO_PASSWORD,
        )
        .await?;
        let row = app
            .store
            .user_by_username(username)
            .await?
            .ok_or_else(|| AppError::internal("demo user vanished"))?;
        users.push(Principal::from_user(row)?);
    }
    let by_name = |n: &str| {
        users
            .iter()
            .find(|p| p.user.username == n)
            .cloned()
            .ok_or_else(|| AppError::internal("demo user"))
    };
    let owners = [
        by_name("demo-cm-a")?,
        by_name("demo-cm-b")?,
        by_name("demo-cm-c")?,
        by_name("demo-responder")?,
    ];
    let provider = by_name("demo-provider")?;
    // Each agency's referral focal point: where screenings and referrals land.
    for (org, user) in [(0, "demo-cm-a"), (1, "demo-cm-b"), (2, "demo-cm-c")] {
        app.set_focal_point(
            Operator::Cli("demo"),
            safepath_domain::ids::OrgId(orgs[org].id),
            by_name(user)?.id(),
        )
        .await?;
    }
    let today = app.clock.today();
    let mut rng = StdRng::seed_from_u64(20_261_129);
    let mut worked = Vec::new();
    let mut planning = Vec::new();
    for i in 0..cases {
        // Org A carries the most cases, as the national unit would.
        let owner = match i % 10 {
            0..=4 => &owners[0],
            5..=7 => &owners[1],
            8 => &owners[2],
            _ => &owners[3],
        };
        let mut forms = vec![*pick(&mut rng, FORMS)];
        if rng.gen_bool(0.15) {
            forms.push(ExploitationForm::ForcedLabour);
        }
        // Every stage is represented; organisation A also has a steady queue
        // of new referrals awaiting their reasonable-grounds decision.
        let status = if owner.user.username == "demo-cm-a" && i % 4 == 0 {
            CaseStatus::Referred
        } else {
            CaseStatus::ALL[(i + i / 10) % CaseStatus::ALL.len()]
        };
        let created = app
            .import_case(
                owner,
                NewCase {
                    person: synthetic_person(&mut rng, i),
                    exploitation_forms: forms,
                    notes: Some(format!(
                        "Synthetic demo case number {i}. Not a real person."
                    )),
                    status: Some(status),
                    case_manager_id: None,
                },
            )
            .await?;
        if owner.user.username == "demo-cm-a"
            && matches!(
                status,
                CaseStatus::InProtection | CaseStatus::Identified | CaseStatus::SolutionPlanning
            )
        {
            worked.push(created.id);
            if status == CaseStatus::SolutionPlanning {
                planning.push(created.id);
            }
        }
        // Referred cases await a reasonable-grounds decision; some are overdue.
        if status == CaseStatus::Referred && owner.user.username != "demo-responder" {
            let opened = today - time::Duration::days((i % 13) as i64);
            app.open_reasonable_grounds(owner, created.id, opened)
                .await?;
        }
        // Some org-B cases involve the org-B service provider.
        if owner.user.username == "demo-cm-b" && i % 3 == 0 {
            app.update_case(
                owner,
                created.id,
                CasePatch {
                    associated_user_ids: Some(vec![provider.id().0]),
                    ..Default::default()
                },
            )
            .await?;
        }
    }
    seed_case_work(
        app,
        &owners[0],
        &by_name("demo-coordinator")?,
        &orgs,
        &worked,
    )
    .await?;
    // --- tracing and de-duplication ---
    crate::tracing_requests::seed_demo(app, &owners[1], &owners[2]).await?;
    // --- services, shelters and stays ---
    let org_ids: Vec<_> = orgs
        .iter()
        .map(|o| safepath_domain::ids::OrgId(o.id))
        .collect();
    crate::directory::seed_demo(app, &org_ids, &users).await?;
    // --- de-duplication run ---
    crate::dedupe_run::seed_demo(app, &owners[0], &owners[3]).await?;
    // --- statistics ---
    crate::stats::seed_demo(app, cases * 3 / 4).await?;
    // --- documents attached to a case ---
    crate::documents::seed_demo(app, &owners[0], &worked).await?;
    // --- staff trainings ---
    crate::trainings::seed_demo(app, &by_name("demo-coordinator")?).await?;
    // --- rights and justice ---
    crate::justice::seed_demo(app, &owners[0], &by_name("demo-coordinator")?, &worked).await?;
    // --- durable solutions: agreements between countries ---
    crate::agreements::seed_demo(app, &by_name("demo-coordinator")?).await?;
    // --- durable solutions: cross-border handover ---
    // (the last cases in solution planning: rights and justice take the first)
    if let (Some(&case), Some(org_c)) = (planning.last(), orgs.get(2)) {
        let arrived = (planning.len() >= 3).then(|| planning[planning.len() - 2]);
        crate::handover_demo::seed_demo(app, &owners[0], case, arrived, org_c.id).await?;
    }
    Ok(true)
}

/// Case work on some of demo-cm-a's cases: needs, a care plan with overdue
/// and upcoming tasks, approvals waiting, reviews that have fallen due, and
/// referrals to organisation B (pending and accepted) under recorded consent.
async fn seed_case_work(
    app: &App,
    cm: &Principal,
    coordinator: &Principal,
    orgs: &[crate::views::OrgView],
    cases: &[uuid::Uuid],
) -> Result<(), AppError> {
    use crate::casework::*;
    use crate::referrals::{NewConsent, NewReferralRequest};
    use safepath_domain::casework::approvals::ApprovalSubject;
    use safepath_domain::casework::consent::{ConsentPurpose, DataCategory};
    use safepath_domain::casework::needs::{Beneficiary, NeedDomain, Priority};
    use safepath_domain::casework::referral::Urgency;
    let today = app.clock.today();
    let day = |offset: i64| {
        (today + time::Duration::days(offset))
            .format(time::macros::format_description!("[year]-[month]-[day]"))
            .unwrap_or_default()
    };
    let org_b = orgs.get(1).map(|o| o.id);
    for (n, &case) in cases.iter().take(12).enumerate() {
        let n = n as i64;
        let w = app
            .add_need(
                cm,
                case,
                NewNeed {
                    domain: NeedDomain::Accommodation,
                    sub_area: None,
                    beneficiary: Beneficiary::Person,
                    priority: Priority::High,
                    persons_view: "Wants a quiet place near the clinic (synthetic).".into(),
                },
            )
            .await?;
        let accommodation = w.needs.last().map(|x| x.id).unwrap_or_default();
        let w = app
            .add_need(
                cm,
                case,
                NewNeed {
                    domain: NeedDomain::PhysicalHealth,
                    sub_area: None,
                    beneficiary: Beneficiary::Person,
                    priority: Priority::Urgent,
                    persons_view: String::new(),
                },
            )
            .await?;
        let health = w.needs.last().map(|x| x.id).unwrap_or_default();
        let w = app
            .add_goal(
                cm,
                case,
                NewGoal {
                    need_ids: vec![accommodation, health],
                    description: "Safe accommodation and a first health assessment".into(),
                },
            )
            .await?;
        let goal = w.goals.last().map(|g| g.id).unwrap_or_default();
        // Half the cases have a task that is already late.
        for (desc, due) in [
            (
                "Book the initial health assessment",
                if n % 2 == 0 { -(3 + n) } else { 2 + n },
            ),
            ("Confirm a shelter place", 5 + n),
        ] {
            app.add_task(
                cm,
                case,
                NewTask {
                    goal_id: goal,
                    description: desc.into(),
                    due_on: day(due),
                    assigned_to: None,
                },
            )
            .await?;
        }
        if n % 4 == 1 {
            app.request_approval(
                cm,
                case,
                ApprovalRequest {
                    subject: ApprovalSubject::CarePlan,
                },
            )
            .await?;
        }
        // An earlier review, long enough ago for the next one to be due.
        if n % 3 == 0 {
            app.record_review_on(
                coordinator,
                case,
                "Interagency review (synthetic): plan on track.".into(),
                today - time::Duration::days(100 + n),
            )
            .await?;
        }
        if let Some(b) = org_b
            && n < 4
        {
            let categories = [DataCategory::Health, DataCategory::Accommodation]
                .into_iter()
                .collect();
            app.record_consent(
                cm,
                case,
                NewConsent {
                    purpose: ConsentPurpose::ServiceReferral,
                    recipient_org_id: Some(b),
                    categories,
                    expires_on: None,
                    explained_in_language: None,
                    interpreter: true,
                    person_is_child: false,
                    child_guardian: None,
                },
            )
            .await?;
            let r = app
                .send_referral(
                    cm,
                    case,
                    NewReferralRequest {
                        to_org_id: b,
                        service: "shelter".into(),
                        categories: [DataCategory::Health, DataCategory::Accommodation]
                            .into_iter()
                            .collect(),
                        urgency: if n == 0 {
                            Urgency::Urgent
                        } else {
                            Urgency::Routine
                        },
                    },
                )
                .await?;
            // One accepted; the others wait in B's inbox.
            if n == 3 {
                let focal = app
                    .store
                    .user_by_username("demo-cm-b")
                    .await?
                    .map(Principal::from_user)
                    .transpose()?;
                if let Some(f) = focal {
                    app.answer_referral(&f, &r.id, "accept", Default::default())
                        .await?;
                }
            }
        }
    }
    Ok(())
}
