//! Statistical disclosure control for tables of counts.
//!
//! 1. **Primary suppression:** a cell counting 1 to `threshold - 1` persons is
//!    withheld; a table whose total is below the threshold is withheld whole.
//! 2. **Complementary suppression:** within a table the released total and
//!    the released cells give one equation, so the withheld cells of a table
//!    are at least two and together count at least `threshold` persons; then
//!    each lies in `[0, sum]`, an interval of at least the threshold.
//! 3. **Differencing audit:** the analyst's [`ReleaseHistory`] (the tables
//!    already released, with other filters and periods) is re-evaluated on
//!    the same data and joined with the new table into one system of
//!    equations over "atoms" (persons grouped by every attribute any table can
//!    select on). A linear program finds the least and greatest value of each
//!    withheld small cell, and of each small difference between two released
//!    cells (e.g. a year minus its first half). Whenever one is pinned to an
//!    interval narrower than the threshold, more cells of the **new** table
//!    are withheld and the audit runs again.
//! 4. **Rounding** (optional): released counts are rounded to a base, never to
//!    a value below the threshold; the audit then uses the interval each
//!    rounded value stands for.

use crate::lp::{Equation, range};
use crate::table::{Table, TableSpec, count};
use crate::{DEFAULT_THRESHOLD, PersonFact, Result, StatsError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// How many of an analyst's latest releases a new one is audited against.
pub const HISTORY_AUDITED: usize = 25;

/// The disclosure-control settings of a release.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    pub threshold: u64,
    /// Round released counts to a multiple of this base (none: exact).
    pub rounding: Option<u64>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            threshold: DEFAULT_THRESHOLD,
            rounding: None,
        }
    }
}

impl Policy {
    pub fn validate(&self) -> Result<()> {
        if !(2..=1000).contains(&self.threshold) {
            return Err(StatsError::invalid(
                "invalid_threshold",
                "the threshold is between 2 and 1000",
            ));
        }
        if let Some(base) = self.rounding
            && !(2..=100).contains(&base)
        {
            return Err(StatsError::invalid(
                "invalid_rounding",
                "the rounding base is between 2 and 100",
            ));
        }
        Ok(())
    }

    /// The value shown for a true count of at least the threshold.
    pub fn shown(&self, c: u64) -> u64 {
        match self.rounding {
            None => c,
            Some(base) => {
                let nearest = (c + base / 2) / base * base;
                if nearest >= self.threshold {
                    nearest
                } else {
                    self.threshold.div_ceil(base) * base
                }
            }
        }
    }

    /// The true counts a shown value can stand for (an attacker knows the rule).
    fn interval(&self, shown: u64) -> (f64, f64) {
        match self.rounding {
            None => (shown as f64, shown as f64),
            Some(base) => {
                let from = shown.saturating_sub(2 * base).max(self.threshold);
                let mut lo = u64::MAX;
                let mut hi = 0;
                for c in from..=shown + 2 * base {
                    if self.shown(c) == shown {
                        lo = lo.min(c);
                        hi = hi.max(c);
                    }
                }
                if lo > hi {
                    (shown as f64, shown as f64)
                } else {
                    (lo as f64, hi as f64)
                }
            }
        }
    }
}

/// One cell as released: its key (one value per dimension) and its count,
/// `None` when withheld.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleasedCell {
    pub key: Vec<String>,
    pub count: Option<u64>,
    pub suppressed: bool,
}

/// A table as released to one user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub spec: TableSpec,
    pub policy: Policy,
    pub cells: Vec<ReleasedCell>,
    pub total: Option<u64>,
}

impl Release {
    /// How many cells were withheld.
    pub fn suppressed_cells(&self) -> usize {
        self.cells.iter().filter(|c| c.suppressed).count()
    }
}

/// The tables already released to one analyst (oldest first). Passed in and
/// returned: the caller keeps it (SafePath stores it in a ledger).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReleaseHistory {
    pub releases: Vec<Release>,
}

/// Releases `spec` over `facts` under `policy`, audited against `history`;
/// returns the release and the history with it appended.
pub fn release(
    facts: &[PersonFact],
    spec: &TableSpec,
    policy: Policy,
    history: ReleaseHistory,
) -> Result<(Release, ReleaseHistory)> {
    policy.validate()?;
    let table = count(facts, spec);
    let mut suppressed = primary(&table, policy.threshold);
    let mut total_hidden = table.total < policy.threshold;
    if total_hidden {
        suppressed = table.cells.keys().cloned().collect();
    }
    complementary(&table, policy.threshold, &mut suppressed);

    let earlier: Vec<&Release> = history
        .releases
        .iter()
        .rev()
        .take(HISTORY_AUDITED)
        .collect();
    if !earlier.is_empty() {
        let atoms = Atoms::new(facts);
        loop {
            let candidate = build(&table, policy, &suppressed, total_hidden);
            let Some(culprit) = audit(&atoms, &earlier, &candidate, policy.threshold)? else {
                break;
            };
            if !more_to_withhold(&table, &atoms, &mut suppressed, &mut total_hidden, &culprit) {
                break;
            }
            complementary(&table, policy.threshold, &mut suppressed);
        }
    }
    let out = build(&table, policy, &suppressed, total_hidden);
    let mut history = history;
    history.releases.push(out.clone());
    Ok((out, history))
}

/// Small-cell and complementary suppression of one table of counts on its
/// own (counts that are not of persons in [`PersonFact`]s, e.g. screenings or
/// stays): no differencing audit.
pub fn suppress(table: &Table, policy: Policy) -> Result<Release> {
    policy.validate()?;
    let total_hidden = table.total < policy.threshold;
    let mut suppressed = if total_hidden {
        table.cells.keys().cloned().collect()
    } else {
        primary(table, policy.threshold)
    };
    complementary(table, policy.threshold, &mut suppressed);
    Ok(build(table, policy, &suppressed, total_hidden))
}

fn primary(table: &Table, threshold: u64) -> BTreeSet<Vec<String>> {
    table
        .cells
        .iter()
        .filter(|(_, c)| **c < threshold)
        .map(|(k, _)| k.clone())
        .collect()
}

/// Withholds the smallest released cells until the withheld ones are none,
/// or at least two counting together at least `threshold`.
fn complementary(table: &Table, threshold: u64, suppressed: &mut BTreeSet<Vec<String>>) {
    loop {
        if suppressed.is_empty() || suppressed.len() == table.cells.len() {
            return;
        }
        let sum: u64 = suppressed.iter().filter_map(|k| table.cells.get(k)).sum();
        if suppressed.len() >= 2 && sum >= threshold {
            return;
        }
        let next = table
            .cells
            .iter()
            .filter(|(k, _)| !suppressed.contains(*k))
            .min_by_key(|(k, c)| (**c, (*k).clone()))
            .map(|(k, _)| k.clone());
        match next {
            Some(k) => {
                suppressed.insert(k);
            }
            None => return,
        }
    }
}

fn build(
    table: &Table,
    policy: Policy,
    suppressed: &BTreeSet<Vec<String>>,
    total_hidden: bool,
) -> Release {
    let cells = table
        .cells
        .iter()
        .map(|(k, c)| {
            let hidden = total_hidden || suppressed.contains(k);
            ReleasedCell {
                key: k.clone(),
                count: (!hidden).then(|| policy.shown(*c)),
                suppressed: hidden,
            }
        })
        .collect();
    Release {
        spec: table.spec.clone(),
        policy,
        cells,
        total: (!total_hidden).then(|| policy.shown(table.total)),
    }
}

/// Nationality, sex, age band, form, year, month, status, organisation, region.
type AtomKey = (
    String,
    String,
    String,
    String,
    i32,
    u8,
    String,
    String,
    String,
);

/// A released cell (`None`: the total), its atoms, the true values it stands for.
type ReleasedItem = (Option<Vec<String>>, Vec<usize>, (f64, f64));

/// Persons grouped by every attribute a table can select on or break down by.
struct Atoms {
    /// A representative person of each atom.
    reps: Vec<PersonFact>,
    counts: Vec<u64>,
}

impl Atoms {
    fn new(facts: &[PersonFact]) -> Self {
        let mut index: HashMap<AtomKey, usize> = HashMap::new();
        let mut reps: Vec<PersonFact> = Vec::new();
        let mut counts: Vec<u64> = Vec::new();
        for f in facts {
            let key = (
                f.nationality().to_string(),
                f.sex.clone(),
                f.age_band.as_str().to_string(),
                f.form().to_string(),
                f.year,
                f.month,
                f.status.clone(),
                f.org.clone(),
                f.region.clone(),
            );
            let i = *index.entry(key).or_insert_with(|| {
                reps.push(f.clone());
                counts.push(0);
                reps.len() - 1
            });
            if let Some(c) = counts.get_mut(i) {
                *c += 1;
            }
        }
        Self { reps, counts }
    }

    /// Atoms of a cell (`None`: the whole table, its total).
    fn of(&self, spec: &TableSpec, key: Option<&[String]>) -> Vec<usize> {
        (0..self.reps.len())
            .filter(|&i| {
                self.reps
                    .get(i)
                    .is_some_and(|f| spec.filter.matches(f) && key.is_none_or(|k| spec.key(f) == k))
            })
            .collect()
    }

    fn sum(&self, atoms: &[usize]) -> u64 {
        atoms.iter().filter_map(|&a| self.counts.get(a)).sum()
    }
}

/// Why the audit failed: the atoms of the small group that can be pinned,
/// and, for a difference, the new table's cell taking part (`None` inside
/// means its total).
/// The new table's item taking part (`Some(None)`: its total), `None` for
/// an earlier table's.
type NewItem = Option<Option<Vec<String>>>;

struct Culprit {
    atoms: Vec<usize>,
    new_item: NewItem,
}

/// The released items (cells and total) of a release, as atoms and the
/// interval of true values they stand for; and its withheld small cells.
struct Items {
    released: Vec<ReleasedItem>,
    hidden_small: Vec<Vec<usize>>,
}

fn items(atoms: &Atoms, r: &Release, threshold: u64) -> Items {
    let mut released = Vec::new();
    let mut hidden_small = Vec::new();
    for cell in &r.cells {
        let a = atoms.of(&r.spec, Some(&cell.key));
        let true_count = atoms.sum(&a);
        if true_count == 0 {
            continue;
        }
        if cell.suppressed {
            if true_count < threshold {
                hidden_small.push(a);
            }
        } else {
            // Re-evaluated on today's data, with the release's pattern.
            let shown = r.policy.shown(true_count.max(r.policy.threshold));
            released.push((Some(cell.key.clone()), a, r.policy.interval(shown)));
        }
    }
    if r.total.is_some() {
        let a = atoms.of(&r.spec, None);
        let t = atoms.sum(&a);
        let shown = r.policy.shown(t.max(r.policy.threshold));
        released.push((None, a, r.policy.interval(shown)));
    }
    Items {
        released,
        hidden_small,
    }
}

fn audit(
    atoms: &Atoms,
    earlier: &[&Release],
    new: &Release,
    threshold: u64,
) -> Result<Option<Culprit>> {
    let old: Vec<Items> = earlier.iter().map(|r| items(atoms, r, threshold)).collect();
    let fresh = items(atoms, new, threshold);
    let mut equations = Vec::new();
    for it in old.iter().chain(std::iter::once(&fresh)) {
        for (_, a, (lo, hi)) in &it.released {
            equations.push(Equation {
                vars: a.clone(),
                lo: *lo,
                hi: *hi,
            });
        }
    }
    let n = atoms.reps.len();
    let pinned = |target: &[usize]| -> Result<bool> {
        let (lo, hi) = range(n, &equations, target)?;
        Ok(hi - lo < threshold as f64 - 1e-6)
    };
    // Withheld small cells of every table involved.
    for it in old.iter().chain(std::iter::once(&fresh)) {
        for target in &it.hidden_small {
            if pinned(target)? {
                return Ok(Some(Culprit {
                    atoms: target.clone(),
                    new_item: None,
                }));
            }
        }
    }
    // Small differences between any two released items. Pairs of earlier
    // items are checked again: the new table's equations can pin a
    // difference that was free when both were released.
    let mut all: Vec<(NewItem, BTreeSet<usize>)> = Vec::new();
    for (key, a, _) in &fresh.released {
        all.push((Some(key.clone()), a.iter().copied().collect()));
    }
    for it in &old {
        for (_, a, _) in &it.released {
            all.push((None, a.iter().copied().collect()));
        }
    }
    for (i, (key_a, set_a)) in all.iter().enumerate() {
        for (key_b, set_b) in all.iter().skip(i + 1) {
            if set_a.is_disjoint(set_b) {
                continue;
            }
            for diff in [
                set_a.difference(set_b).copied().collect::<Vec<_>>(),
                set_b.difference(set_a).copied().collect::<Vec<_>>(),
            ] {
                let c = atoms.sum(&diff);
                if c > 0 && c < threshold && pinned(&diff)? {
                    return Ok(Some(Culprit {
                        atoms: diff,
                        new_item: key_a.clone().or_else(|| key_b.clone()),
                    }));
                }
            }
        }
    }
    Ok(None)
}

/// Withholds one more item of the new table; `false` when nothing is left.
fn more_to_withhold(
    table: &Table,
    atoms: &Atoms,
    suppressed: &mut BTreeSet<Vec<String>>,
    total_hidden: &mut bool,
    culprit: &Culprit,
) -> bool {
    match &culprit.new_item {
        Some(Some(key)) if !suppressed.contains(key) => {
            suppressed.insert(key.clone());
            return true;
        }
        Some(None) if !*total_hidden => {
            *total_hidden = true;
            return true;
        }
        _ => {}
    }
    // The released cell sharing most persons with the pinned group, else the
    // smallest released cell, else the total.
    let target: BTreeSet<usize> = culprit.atoms.iter().copied().collect();
    let mut best: Option<(u64, u64, Vec<String>)> = None;
    let mut overlaps: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    for (k, c) in &table.cells {
        if suppressed.contains(k) {
            continue;
        }
        let a = atoms.of(&table.spec, Some(k));
        let overlap = atoms.sum(
            &a.iter()
                .copied()
                .filter(|x| target.contains(x))
                .collect::<Vec<_>>(),
        );
        overlaps.insert(k.clone(), overlap);
        let rank = (overlap, u64::MAX - c);
        if best.as_ref().is_none_or(|(o, c2, _)| rank > (*o, *c2)) {
            best = Some((rank.0, rank.1, k.clone()));
        }
    }
    if let Some((_, _, k)) = best {
        suppressed.insert(k);
        return true;
    }
    if !*total_hidden {
        *total_hidden = true;
        return true;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgeBand;
    use crate::table::{Dim, Filter};

    fn person(nat: &str, sex: &str, year: i32, month: u8) -> PersonFact {
        PersonFact {
            sex: sex.into(),
            gender_identity: "not_disclosed".into(),
            age_band: AgeBand::Age25To34,
            nationalities: vec![nat.into()],
            forms: vec!["forced_labour".into()],
            status: "identified".into(),
            year,
            month,
            org: "a".into(),
            region: "r".into(),
            referred_day: 0,
            rg_decided_day: None,
            conclusive_decided_day: None,
            conclusive_positive: None,
        }
    }

    fn many(n: usize, nat: &str, sex: &str, year: i32, month: u8) -> Vec<PersonFact> {
        (0..n).map(|_| person(nat, sex, year, month)).collect()
    }

    #[test]
    fn a_single_small_cell_gets_a_complement() {
        let mut facts = many(30, "ID", "female", 2024, 1);
        facts.extend(many(20, "PH", "female", 2024, 1));
        facts.extend(many(3, "VN", "female", 2024, 1));
        let spec = TableSpec::new(vec![Dim::Nationality], Filter::default());
        let (r, h) = release(&facts, &spec, Policy::default(), ReleaseHistory::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.total, Some(53));
        assert_eq!(r.suppressed_cells(), 2, "{r:?}");
        let ph = r.cells.iter().find(|c| c.key == ["PH"]).map(|c| c.count);
        assert_eq!(ph, Some(None), "the smallest large cell is the complement");
        assert_eq!(h.releases.len(), 1);
    }

    #[test]
    fn a_small_total_withholds_everything() {
        let facts = many(7, "ID", "female", 2024, 1);
        let spec = TableSpec::new(vec![Dim::Sex], Filter::default());
        let (r, _) = release(&facts, &spec, Policy::default(), ReleaseHistory::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.total, None);
        assert!(r.cells.iter().all(|c| c.suppressed && c.count.is_none()));
    }

    #[test]
    fn differencing_two_periods_is_refused() {
        // 2024 as a whole, then January to June: July to December holds 4.
        let mut facts = many(40, "ID", "female", 2024, 3);
        facts.extend(many(4, "ID", "female", 2024, 9));
        facts.extend(many(30, "PH", "male", 2024, 3));
        let year = TableSpec::new(
            vec![Dim::Nationality],
            Filter {
                from: Some(crate::YearMonth {
                    year: 2024,
                    month: 1,
                }),
                to: Some(crate::YearMonth {
                    year: 2024,
                    month: 12,
                }),
                ..Filter::default()
            },
        );
        let half = TableSpec::new(
            vec![Dim::Nationality],
            Filter {
                from: Some(crate::YearMonth {
                    year: 2024,
                    month: 1,
                }),
                to: Some(crate::YearMonth {
                    year: 2024,
                    month: 6,
                }),
                ..Filter::default()
            },
        );
        let (first, h) = release(&facts, &year, Policy::default(), ReleaseHistory::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.total, Some(74));
        let (second, _) =
            release(&facts, &half, Policy::default(), h).unwrap_or_else(|e| panic!("{e}"));
        let id_half = second.cells.iter().find(|c| c.key == ["ID"]);
        assert!(
            id_half.is_some_and(|c| c.suppressed) && second.total.is_none(),
            "the half-year ID count and total would reveal 4: {second:?}"
        );
        // Alone, the same half-year table is released in full.
        let (alone, _) = release(&facts, &half, Policy::default(), ReleaseHistory::default())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(alone.total, Some(70));
    }

    #[test]
    fn rounding_never_shows_a_small_count() {
        let p = Policy {
            threshold: 11,
            rounding: Some(5),
        };
        assert_eq!(p.shown(11), 15);
        assert_eq!(p.shown(12), 15);
        assert_eq!(p.shown(17), 15);
        assert_eq!(p.shown(18), 20);
        let (lo, hi) = p.interval(15);
        assert_eq!((lo, hi), (11.0, 17.0));
    }

    #[test]
    fn bad_policies_are_refused() {
        let facts = many(20, "ID", "female", 2024, 1);
        let spec = TableSpec::new(vec![Dim::Sex], Filter::default());
        for p in [
            Policy {
                threshold: 1,
                rounding: None,
            },
            Policy {
                threshold: 11,
                rounding: Some(0),
            },
        ] {
            let err = release(&facts, &spec, p, ReleaseHistory::default()).err();
            assert!(err.is_some());
        }
    }
}
