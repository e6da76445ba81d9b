//! CTDC-style anonymised microdata: every released record shares its
//! quasi-identifiers (gender, age, citizenship, year, region, form) with at
//! least `k - 1` others. Quasi-identifiers are generalised together (age bands
//! to child/adult, region to "all", years to five-year periods, then
//! citizenship to "other") and the records still in classes smaller than `k`
//! are suppressed. The level keeping the most records wins (the most detailed
//! one on a tie).

use crate::PersonFact;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One anonymised record (CTDC's column names).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MicroRecord {
    pub year_of_registration: String,
    pub gender: String,
    pub age_broad: String,
    pub citizenship: String,
    pub region: String,
    pub type_of_exploitation: String,
}

/// The anonymised records and how many were kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Microdata {
    pub k: u64,
    /// 0 (most detailed) to 4 (most general).
    pub generalisation_level: u8,
    pub persons: usize,
    pub kept: usize,
    pub records: Vec<MicroRecord>,
}

/// Generalisation levels (0 to 4).
pub const LEVELS: u8 = 5;

fn generalise(f: &PersonFact, level: u8) -> MicroRecord {
    let year = if level >= 3 {
        let start = f.year - f.year.rem_euclid(5);
        format!("{start}-{}", start + 4)
    } else {
        f.year.to_string()
    };
    MicroRecord {
        year_of_registration: year,
        gender: f.sex.clone(),
        age_broad: if level >= 1 {
            f.age_band.broad().to_string()
        } else {
            f.age_band.as_str().to_string()
        },
        citizenship: if level >= 4 {
            "other".to_string()
        } else {
            f.nationality().to_string()
        },
        region: if level >= 2 {
            "all".to_string()
        } else {
            f.region.clone()
        },
        type_of_exploitation: f.form().to_string(),
    }
}

fn at_level(facts: &[PersonFact], k: u64, level: u8) -> Vec<MicroRecord> {
    let recs: Vec<MicroRecord> = facts.iter().map(|f| generalise(f, level)).collect();
    let mut sizes: HashMap<&MicroRecord, u64> = HashMap::new();
    for r in &recs {
        *sizes.entry(r).or_default() += 1;
    }
    let keep: Vec<bool> = recs
        .iter()
        .map(|r| sizes.get(r).copied().unwrap_or(0) >= k)
        .collect();
    recs.into_iter()
        .zip(keep)
        .filter_map(|(r, ok)| ok.then_some(r))
        .collect()
}

/// k-anonymised microdata of `facts` (k at least 2).
pub fn anonymise(facts: &[PersonFact], k: u64) -> Microdata {
    let k = k.max(2);
    let mut best: Option<(u8, Vec<MicroRecord>)> = None;
    for level in 0..LEVELS {
        let recs = at_level(facts, k, level);
        if best.as_ref().is_none_or(|(_, b)| recs.len() > b.len()) {
            best = Some((level, recs));
        }
    }
    let (level, mut records) = best.unwrap_or((0, Vec::new()));
    records.sort_by(|a, b| {
        (&a.year_of_registration, &a.citizenship, &a.gender).cmp(&(
            &b.year_of_registration,
            &b.citizenship,
            &b.gender,
        ))
    });
    Microdata {
        k,
        generalisation_level: level,
        persons: facts.len(),
        kept: records.len(),
        records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgeBand;
    use proptest::prelude::*;

    fn fact(nat: &str, year: i32, age: AgeBand, region: &str) -> PersonFact {
        PersonFact {
            sex: "female".into(),
            gender_identity: "woman".into(),
            age_band: age,
            nationalities: vec![nat.into()],
            forms: vec!["forced_labour".into()],
            status: "identified".into(),
            year,
            month: 1,
            org: "o".into(),
            region: region.into(),
            referred_day: 0,
            rg_decided_day: None,
            conclusive_decided_day: None,
            conclusive_positive: None,
        }
    }

    #[test]
    fn generalising_keeps_more() {
        // 12 persons over two years and two age bands: no class of 11 at
        // level 0, all in one class once years are five-year periods.
        let mut facts = Vec::new();
        for i in 0..12 {
            let age = if i % 2 == 0 {
                AgeBand::Age18To24
            } else {
                AgeBand::Age25To34
            };
            facts.push(fact(
                "ID",
                2021 + (i % 2),
                age,
                if i < 6 { "a" } else { "b" },
            ));
        }
        let m = anonymise(&facts, 11);
        assert_eq!(m.kept, 12);
        assert_eq!(m.generalisation_level, 3);
        assert_eq!(m.records[0].year_of_registration, "2020-2024");
    }

    proptest! {
        #[test]
        fn every_class_has_at_least_k(
            rows in proptest::collection::vec((0usize..4, 2018i32..2026, 0usize..7, 0usize..3), 0..200),
            k in 2u64..15,
        ) {
            let nats = ["ID", "PH", "VN", "KH"];
            let facts: Vec<PersonFact> = rows.iter().map(|(n, y, a, r)| {
                fact(nats[*n], *y, AgeBand::ALL[*a], ["a", "b", "c"][*r])
            }).collect();
            let m = anonymise(&facts, k);
            let mut sizes: HashMap<&MicroRecord, u64> = HashMap::new();
            for r in &m.records { *sizes.entry(r).or_default() += 1; }
            prop_assert!(sizes.values().all(|s| *s >= k));
            prop_assert_eq!(m.kept, m.records.len());
            prop_assert!(m.kept <= facts.len());
        }
    }
}
