//! The attacker: a linear program over everything released to one analyst
//! (several tables, other filters and periods) tries to pin each withheld
//! small cell, and each small difference between released cells, to an
//! interval narrower than the threshold. Written apart from the crate's own
//! audit: its own grouping of persons, its own equations, microlp directly.

use microlp::{ComparisonOp, OptimizationDirection, Problem};
use proptest::prelude::*;
use safepath_stats::sdc::{Policy, Release, ReleaseHistory, release};
use safepath_stats::{AgeBand, Dim, Filter, PersonFact, TableSpec, YearMonth};
use std::collections::{BTreeMap, BTreeSet};

const T: u64 = 11;

fn fact(nat: usize, sex: usize, age: usize, year: i32, month: u8, org: usize) -> PersonFact {
    PersonFact {
        sex: ["female", "male", "unknown"][sex % 3].into(),
        gender_identity: "not_disclosed".into(),
        age_band: AgeBand::ALL[age % 7],
        nationalities: vec![["ID", "PH", "VN", "KH", "MM"][nat % 5].into()],
        forms: vec![["forced_labour", "sexual_exploitation"][(nat + age) % 2].into()],
        status: ["identified", "referred"][(sex + age) % 2].into(),
        year,
        month,
        org: ["a", "b"][org % 2].into(),
        region: ["north", "south"][org % 2].into(),
        referred_day: 0,
        rg_decided_day: None,
        conclusive_decided_day: None,
        conclusive_positive: None,
    }
}

/// Persons grouped by every attribute (the attacker's unknowns).
struct Groups {
    reps: Vec<PersonFact>,
    sizes: Vec<u64>,
}

fn groups(facts: &[PersonFact]) -> Groups {
    let mut map: BTreeMap<String, (PersonFact, u64)> = BTreeMap::new();
    for f in facts {
        let key = format!(
            "{}|{}|{}|{}|{}|{}|{}|{}|{}",
            f.nationality(),
            f.sex,
            f.age_band.as_str(),
            f.form(),
            f.year,
            f.month,
            f.status,
            f.org,
            f.region
        );
        map.entry(key).or_insert_with(|| (f.clone(), 0)).1 += 1;
    }
    let (reps, sizes) = map.into_values().unzip();
    Groups { reps, sizes }
}

fn members(g: &Groups, spec: &TableSpec, key: Option<&[String]>) -> BTreeSet<usize> {
    (0..g.reps.len())
        .filter(|&i| {
            let f = &g.reps[i];
            spec.filter.matches(f) && key.is_none_or(|k| spec.key(f) == k)
        })
        .collect()
}

/// Released equations (exact counts, no rounding here).
fn equations(g: &Groups, releases: &[Release]) -> Vec<(BTreeSet<usize>, f64)> {
    let mut eqs = Vec::new();
    for r in releases {
        for c in &r.cells {
            if let Some(v) = c.count {
                eqs.push((members(g, &r.spec, Some(&c.key)), v as f64));
            }
        }
        if let Some(t) = r.total {
            eqs.push((members(g, &r.spec, None), t as f64));
        }
    }
    eqs
}

fn interval(g: &Groups, eqs: &[(BTreeSet<usize>, f64)], target: &BTreeSet<usize>) -> (f64, f64) {
    let mut out = (0.0, f64::INFINITY);
    for dir in [
        OptimizationDirection::Minimize,
        OptimizationDirection::Maximize,
    ] {
        let mut p = Problem::new(dir);
        let vars: Vec<_> = (0..g.reps.len())
            .map(|i| {
                p.add_var(
                    if target.contains(&i) { 1.0 } else { 0.0 },
                    (0.0, f64::INFINITY),
                )
            })
            .collect();
        for (set, v) in eqs {
            let terms: Vec<_> = set.iter().map(|&i| (vars[i], 1.0)).collect();
            p.add_constraint(&terms, ComparisonOp::Eq, *v);
        }
        match p.solve() {
            Ok(s) => {
                let obj = s.into_solution().map(|s| s.objective()).unwrap_or(f64::NAN);
                match dir {
                    OptimizationDirection::Minimize => out.0 = obj,
                    OptimizationDirection::Maximize => out.1 = obj,
                }
            }
            Err(microlp::Error::Unbounded) => out.1 = f64::INFINITY,
            Err(e) => panic!("the released equations must be consistent: {e:?}"),
        }
    }
    out
}

fn sum(g: &Groups, set: &BTreeSet<usize>) -> u64 {
    set.iter().map(|&i| g.sizes[i]).sum()
}

/// Asserts that nothing small can be pinned from `releases`.
fn attack(facts: &[PersonFact], releases: &[Release]) -> Result<(), TestCaseError> {
    let g = groups(facts);
    let eqs = equations(&g, releases);
    for r in releases {
        for c in &r.cells {
            // No released count between 1 and T - 1.
            if let Some(v) = c.count {
                prop_assert!(v == 0 || v >= T, "released count {v}");
            }
            prop_assert_eq!(c.count.is_none(), c.suppressed);
        }
        if let Some(t) = r.total {
            prop_assert!(t >= T);
        }
    }
    // Every withheld small cell keeps an interval of at least T.
    for r in releases {
        for c in r.cells.iter().filter(|c| c.suppressed) {
            let target = members(&g, &r.spec, Some(&c.key));
            let true_count = sum(&g, &target);
            if true_count > 0 && true_count < T {
                let (lo, hi) = interval(&g, &eqs, &target);
                prop_assert!(
                    hi - lo >= T as f64 - 1e-6,
                    "cell {:?} of {:?} pinned to [{lo}, {hi}]",
                    c.key,
                    r.spec
                );
            }
        }
    }
    // Differences between released items of two tables.
    let items: Vec<BTreeSet<usize>> = eqs.iter().map(|(s, _)| s.clone()).collect();
    for (i, a) in items.iter().enumerate() {
        for b in items.iter().skip(i + 1) {
            if a.is_disjoint(b) {
                continue;
            }
            for diff in [a - b, b - a] {
                let c = sum(&g, &diff);
                if c > 0 && c < T {
                    let (lo, hi) = interval(&g, &eqs, &diff);
                    prop_assert!(
                        hi - lo >= T as f64 - 1e-6,
                        "a difference of {c} persons pinned to [{lo}, {hi}]"
                    );
                }
            }
        }
    }
    Ok(())
}

fn dims() -> impl Strategy<Value = Vec<Dim>> {
    proptest::sample::subsequence(Dim::PUBLIC.to_vec(), 1..=2)
}

fn filter() -> impl Strategy<Value = Filter> {
    (0u8..4, 0u8..3).prop_map(|(period, org)| {
        let (from, to) = match period {
            0 => (None, None),
            1 => (Some((2024, 1)), Some((2024, 12))),
            2 => (Some((2024, 1)), Some((2024, 6))),
            _ => (Some((2024, 7)), Some((2025, 12))),
        };
        Filter {
            org: match org {
                0 => None,
                1 => Some("a".into()),
                _ => Some("b".into()),
            },
            region: None,
            from: from.map(|(year, month)| YearMonth { year, month }),
            to: to.map(|(year, month)| YearMonth { year, month }),
        }
    })
}

fn population() -> impl Strategy<Value = Vec<PersonFact>> {
    proptest::collection::vec(
        (
            0usize..3,
            0usize..2,
            2usize..5,
            2024i32..2026,
            1u8..13,
            0usize..2,
        ),
        30..250,
    )
    .prop_map(|rows| {
        rows.into_iter()
            .map(|(n, s, a, y, m, o)| fact(n, s, a, y, m, o))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// One table: no small count shown, no withheld cell recoverable from the
    /// total and the other cells.
    #[test]
    fn one_table_resists_the_attacker(facts in population(), by in dims(), f in filter()) {
        let spec = TableSpec::new(by, f);
        let (r, _) = release(&facts, &spec, Policy::default(), ReleaseHistory::default())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        attack(&facts, &[r])?;
    }

    /// Several tables to the same analyst, over other filters and periods.
    #[test]
    fn a_series_of_tables_resists_differencing(
        facts in population(),
        specs in proptest::collection::vec((dims(), filter()), 2..4),
    ) {
        let mut history = ReleaseHistory::default();
        let mut released = Vec::new();
        for (by, f) in specs {
            let (r, h) = release(&facts, &TableSpec::new(by, f), Policy::default(), history)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            history = h;
            released.push(r);
        }
        prop_assert_eq!(history.releases.len(), released.len());
        attack(&facts, &released)?;
    }
}

/// The classic attack by hand: a year, then its first half.
#[test]
fn the_year_minus_its_first_half() {
    let mut facts: Vec<PersonFact> = (0..40).map(|_| fact(0, 0, 3, 2024, 3, 0)).collect();
    facts.extend((0..4).map(|_| fact(0, 0, 3, 2024, 10, 0)));
    facts.extend((0..30).map(|_| fact(1, 1, 3, 2024, 3, 0)));
    let year = TableSpec::new(
        vec![Dim::Nationality],
        Filter {
            from: Some(YearMonth {
                year: 2024,
                month: 1,
            }),
            to: Some(YearMonth {
                year: 2024,
                month: 12,
            }),
            ..Filter::default()
        },
    );
    let half = TableSpec::new(
        vec![Dim::Nationality],
        Filter {
            from: Some(YearMonth {
                year: 2024,
                month: 1,
            }),
            to: Some(YearMonth {
                year: 2024,
                month: 6,
            }),
            ..Filter::default()
        },
    );
    let (a, h) = release(&facts, &year, Policy::default(), ReleaseHistory::default())
        .unwrap_or_else(|e| panic!("{e}"));
    let (b, _) = release(&facts, &half, Policy::default(), h).unwrap_or_else(|e| panic!("{e}"));
    let released = [a, b];
    let result = attack(&facts, &released);
    assert!(result.is_ok(), "{result:?}");
}

/// Found by the property above (shrunk): the third table's equations pinned
/// a difference between two tables released before it, which the audit
/// then checked only against the new table's items.
#[test]
fn a_new_table_cannot_pin_a_difference_between_two_earlier_ones() {
    let mut facts = Vec::new();
    for (n, year, month, org) in [
        (2, 2025, 1, 1),
        (6, 2024, 1, 0),
        (8, 2024, 7, 0),
        (9, 2024, 7, 1),
        (3, 2025, 1, 0),
    ] {
        facts.extend((0..n).map(|_| fact(0, 0, 2, year, month, org)));
    }
    facts.push(fact(0, 0, 4, 2024, 1, 0));
    facts.push(fact(1, 0, 3, 2024, 1, 1));
    let later = |org: &str| Filter {
        org: Some(org.into()),
        from: Some(YearMonth {
            year: 2024,
            month: 7,
        }),
        to: Some(YearMonth {
            year: 2025,
            month: 12,
        }),
        ..Filter::default()
    };
    let specs = [
        TableSpec::new(
            vec![Dim::Year],
            Filter {
                org: Some("b".into()),
                ..Filter::default()
            },
        ),
        TableSpec::new(
            vec![Dim::Status],
            Filter {
                org: None,
                ..later("a")
            },
        ),
        TableSpec::new(vec![Dim::Sex], later("a")),
    ];
    let mut history = ReleaseHistory::default();
    let mut released = Vec::new();
    for spec in &specs {
        let (r, h) =
            release(&facts, spec, Policy::default(), history).unwrap_or_else(|e| panic!("{e}"));
        history = h;
        released.push(r);
    }
    let result = attack(&facts, &released);
    assert!(result.is_ok(), "{result:?}");
}
