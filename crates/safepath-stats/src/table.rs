//! Contingency tables: counts of persons by any combination of dimensions,
//! under a filter (period, organisation, region).

use crate::{PersonFact, Result, StatsError};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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

/// Counts persons by the spec's dimensions.
pub fn count(facts: &[PersonFact], spec: &TableSpec) -> Table {
    let mut cells: BTreeMap<Vec<String>, u64> = BTreeMap::new();
    let mut total = 0;
    for f in facts.iter().filter(|f| spec.filter.matches(f)) {
        *cells.entry(spec.key(f)).or_default() += 1;
        total += 1;
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
