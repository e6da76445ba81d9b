//! Contingency tables: counts of persons by any combination of dimensions,
//! under a filter (period, organisation, region).

use crate::{PersonFact, Result, StatsError};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A dimension a table may be broken down by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    Nationality,
    Sex,
    AgeBand,
    Form,
    Year,
    Status,
    /// `YYYY-Qn` (dashboards only).
    Quarter,
    /// `YYYY-MM` (dashboards only).
    Month,
}

impl Dim {
    /// The dimensions the public API accepts in `by=`.
    pub const PUBLIC: [Dim; 6] = [
        Dim::Nationality,
        Dim::Sex,
        Dim::AgeBand,
        Dim::Form,
        Dim::Year,
        Dim::Status,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dim::Nationality => "nationality",
            Dim::Sex => "sex",
            Dim::AgeBand => "age_band",
            Dim::Form => "form",
            Dim::Year => "year",
            Dim::Status => "status",
            Dim::Quarter => "quarter",
            Dim::Month => "month",
        }
    }

    pub fn parse(s: &str) -> Option<Dim> {
        [
            Dim::Nationality,
            Dim::Sex,
            Dim::AgeBand,
            Dim::Form,
            Dim::Year,
            Dim::Status,
            Dim::Quarter,
            Dim::Month,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }

    /// Parses the API's `by=a,b` list: one to three distinct public
    /// dimensions.
    pub fn parse_public_list(s: &str) -> Result<Vec<Dim>> {
        let mut out = Vec::new();
        for part in s.split(',').map(str::trim) {
            let dim = Dim::parse(part)
                .filter(|d| Dim::PUBLIC.contains(d))
                .ok_or_else(|| {
                    StatsError::invalid(
                        "invalid_dimension",
                        "`by` takes one to three of nationality, sex, age_band, form, year, status",
                    )
                })?;
            if out.contains(&dim) {
                return Err(StatsError::invalid(
                    "invalid_dimension",
                    "a dimension appears twice in `by`",
                ));
            }
            out.push(dim);
        }
        if out.is_empty() || out.len() > 3 {
            return Err(StatsError::invalid(
                "invalid_dimension",
                "`by` takes one to three of nationality, sex, age_band, form, year, status",
            ));
        }
        Ok(out)
    }

    /// This dimension's value for a person.
    pub fn value(self, f: &PersonFact) -> String {
        match self {
            Dim::Nationality => f.nationality().to_string(),
            Dim::Sex => f.sex.clone(),
            Dim::AgeBand => f.age_band.as_str().to_string(),
            Dim::Form => f.form().to_string(),
            Dim::Year => f.year.to_string(),
            Dim::Status => f.status.clone(),
            Dim::Quarter => format!("{}-Q{}", f.year, (f.month.clamp(1, 12) - 1) / 3 + 1),
            Dim::Month => format!("{}-{:02}", f.year, f.month),
        }
    }
}

/// A year and month, ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct YearMonth {
    pub year: i32,
    pub month: u8,
}

impl YearMonth {
    /// Parses `YYYY-MM` or `YYYY` (then January, or December with `end`).
    pub fn parse(s: &str, end: bool) -> Result<YearMonth> {
        let bad = || StatsError::invalid("invalid_period", "a period is written YYYY or YYYY-MM");
        let (y, m) = match s.split_once('-') {
            Some((y, m)) => (y, Some(m)),
            None => (s, None),
        };
        if y.len() != 4 {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month: u8 = match m {
            Some(m) if m.len() == 2 => m.parse().map_err(|_| bad())?,
            Some(_) => return Err(bad()),
            None if end => 12,
            None => 1,
        };
        if !(1..=12).contains(&month) || !(1900..=9999).contains(&year) {
            return Err(bad());
        }
        Ok(YearMonth { year, month })
    }
}

/// Which persons a table counts. All conditions must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Filter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// First month counted (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<YearMonth>,
    /// Last month counted (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<YearMonth>,
}

impl Filter {
    pub fn matches(&self, f: &PersonFact) -> bool {
        let ym = YearMonth {
            year: f.year,
            month: f.month,
        };
        self.org.as_ref().is_none_or(|o| *o == f.org)
            && self.region.as_ref().is_none_or(|r| *r == f.region)
            && self.from.is_none_or(|from| ym >= from)
            && self.to.is_none_or(|to| ym <= to)
    }
}

/// What a table counts: persons under `filter`, broken down by `by`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TableSpec {
    pub by: Vec<Dim>,
    #[serde(default)]
    pub filter: Filter,
}

impl TableSpec {
    pub fn new(by: Vec<Dim>, filter: Filter) -> Self {
        Self { by, filter }
    }
    /// The cell key of a person (one value per dimension of `by`).
    pub fn key(&self, f: &PersonFact) -> Vec<String> {
        self.by.iter().map(|d| d.value(f)).collect()
    }
}

/// True counts (never shown as they are: see [`crate::sdc`]). Only non-empty
/// cells are listed; every person under the filter is in exactly one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub spec: TableSpec,
    pub cells: BTreeMap<Vec<String>, u64>,
    pub total: u64,
}

/// One dimension's value of a person, borrowed (no allocation while counting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Part<'a> {
    Str(&'a str),
    Year(i32),
    Quarter(i32, u8),
    Month(i32, u8),
    None,
}

impl Dim {
    fn part(self, f: &PersonFact) -> Part<'_> {
        match self {
            Dim::Nationality => Part::Str(f.nationality()),
            Dim::Sex => Part::Str(&f.sex),
            Dim::AgeBand => Part::Str(f.age_band.as_str()),
            Dim::Form => Part::Str(f.form()),
            Dim::Year => Part::Year(f.year),
            Dim::Status => Part::Str(&f.status),
            Dim::Quarter => Part::Quarter(f.year, (f.month.clamp(1, 12) - 1) / 3 + 1),
            Dim::Month => Part::Month(f.year, f.month),
        }
    }
}

impl Part<'_> {
    /// The same text as [`Dim::value`].
    fn render(self) -> String {
        match self {
            Part::Str(s) => s.to_string(),
            Part::Year(y) => y.to_string(),
            Part::Quarter(y, q) => format!("{y}-Q{q}"),
            Part::Month(y, m) => format!("{y}-{m:02}"),
            Part::None => String::new(),
        }
    }
}

/// Counts persons by the spec's dimensions.
pub fn count(facts: &[PersonFact], spec: &TableSpec) -> Table {
    const MAX: usize = 4;
    let n = spec.by.len();
    let mut cells: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut total = 0;
    if n <= MAX {
        let mut counts: HashMap<[Part<'_>; MAX], u64> = HashMap::new();
        for f in facts.iter().filter(|f| spec.filter.matches(f)) {
            let mut key = [Part::None; MAX];
            for (slot, d) in key.iter_mut().zip(&spec.by) {
                *slot = d.part(f);
            }
            *counts.entry(key).or_default() += 1;
            total += 1;
        }
        for (key, c) in counts {
            cells.insert(key.iter().take(n).map(|p| p.render()).collect(), c);
        }
    } else {
        for f in facts.iter().filter(|f| spec.filter.matches(f)) {
            *cells.entry(spec.key(f)).or_default() += 1;
            total += 1;
        }
    }
    Table {
        spec: spec.clone(),
        cells,
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn by_lists_are_checked() {
        assert_eq!(
            Dim::parse_public_list("nationality,sex").ok(),
            Some(vec![Dim::Nationality, Dim::Sex])
        );
        for bad in ["", "name", "sex,sex", "month", "sex,year,form,status"] {
            let err = Dim::parse_public_list(bad).err().map(|e| e.code());
            assert_eq!(err, Some("invalid_dimension"), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn counting_matches_the_plain_definition(
            rows in proptest::collection::vec((0usize..3, 0u8..14, 0usize..3), 0..60),
            dims in proptest::sample::subsequence(vec![Dim::Nationality, Dim::Sex, Dim::Year, Dim::Quarter, Dim::Month, Dim::Form], 1..=5),
        ) {
            let facts: Vec<PersonFact> = rows.iter().map(|(n, m, s)| PersonFact {
                sex: ["female", "male", "unknown"][*s].into(),
                gender_identity: "woman".into(),
                age_band: crate::AgeBand::Unknown,
                nationalities: if *n == 0 { vec![] } else { vec![["IDN", "PHL", "VNM"][*n].into()] },
                forms: vec!["forced_labour".into(); *n],
                status: "referred".into(),
                year: 2020 + i32::from(*m % 3),
                month: *m,
                org: "o".into(),
                region: "r".into(),
                referred_day: 0,
                rg_decided_day: None,
                conclusive_decided_day: None,
                conclusive_positive: None,
            }).collect();
            let spec = TableSpec::new(dims, Filter::default());
            let mut plain: BTreeMap<Vec<String>, u64> = BTreeMap::new();
            for f in &facts {
                *plain.entry(spec.key(f)).or_default() += 1;
            }
            let t = count(&facts, &spec);
            proptest::prop_assert_eq!(t.cells, plain);
            proptest::prop_assert_eq!(t.total, facts.len() as u64);
        }
    }

    #[test]
    fn periods_parse() {
        assert_eq!(
            YearMonth::parse("2024", true).ok(),
            Some(YearMonth {
                year: 2024,
                month: 12
            })
        );
        assert!(YearMonth::parse("2024-13", false).is_err());
        assert!(YearMonth::parse("24-01", false).is_err());
    }
}
