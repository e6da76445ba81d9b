//! What family tracing and the de-duplication run share with search before
//! create: persons opened for matching (in memory only, never returned) and
//! the index over them.

use safepath_domain::person::{GenderIdentity, NamePart, Person, PersonName};
use safepath_match::{Band, Candidate, MatchIndex, Model, Record, Settings, train};
use safepath_store::PersonRow;
use std::collections::HashMap;

use crate::duplicates::{SETTINGS, TRAIN_FROM, record};
use crate::sealing::Grant;
use crate::{App, AppError};

pub(crate) fn settings() -> Result<Settings, AppError> {
    Settings::parse(SETTINGS).map_err(|(_, e)| AppError::internal(&e))
}

/// One record per name (and per transliteration) of a person, all with the
/// same id: a person known in several scripts is found in each. A name
/// recorded in parts (given and family) is one record with both boxes
/// filled, and one more for each transliteration of either part; a whole
/// name (or an alias) fills the first box. The record of the person's first
/// name comes first (the model is trained on one record per person).
pub(crate) fn records_of(
    settings: &Settings,
    id: &str,
    p: &Person,
) -> Result<Vec<Record>, AppError> {
    let mut out = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    for (given, family) in name_boxes(p) {
        if seen.insert((given.clone(), family.clone())) {
            out.push(record(&settings.schema, id, p, (&given, &family))?);
        }
    }
    if out.is_empty() {
        out.push(record(&settings.schema, id, p, (&p.display_name, ""))?);
    }
    Ok(out)
}

/// The (given, family) boxes of each of `p`'s names, the first name's first.
pub(crate) fn name_boxes(p: &Person) -> Vec<(String, String)> {
    let first_of = |part: NamePart| p.names.iter().find(|n| n.part == part);
    let (given, family) = (first_of(NamePart::Given), first_of(NamePart::Family));
    let mut parts = Vec::new();
    if given.is_some() || family.is_some() {
        let value = |n: Option<&PersonName>| n.map(|n| n.value.clone()).unwrap_or_default();
        let (g, f) = (value(given), value(family));
        parts.push((g.clone(), f.clone()));
        for t in given.iter().flat_map(|n| &n.transliterations) {
            parts.push((t.clone(), f.clone()));
        }
        for t in family.iter().flat_map(|n| &n.transliterations) {
            parts.push((g.clone(), t.clone()));
        }
    }
    let mut whole = Vec::new();
    for n in &p.names {
        let in_parts = [given, family]
            .iter()
            .any(|x| x.is_some_and(|x| std::ptr::eq(x, n)));
        if in_parts {
            continue;
        }
        for v in std::iter::once(&n.value).chain(&n.transliterations) {
            whole.push((v.clone(), String::new()));
        }
    }
    let parts_first = p
        .names
        .first()
        .is_some_and(|n| matches!(n.part, NamePart::Given | NamePart::Family));
    if parts_first {
        parts.extend(whole);
        parts
    } else {
        whole.extend(parts);
        whole
    }
}

/// The index over `records`, with a model trained on them when there are
/// enough, else the engine's priors (as search before create does).
pub(crate) fn index_over(records: &[Record], settings: &Settings) -> Result<MatchIndex, AppError> {
    let model = if records.len() >= TRAIN_FROM {
        train(records, settings).map_err(|e| AppError::internal(&e.to_string()))?
    } else {
        let mut m = Model::untrained(settings.schema.clone());
        m.likely = settings.likely;
        m.possible = settings.possible;
        m
    };
    MatchIndex::build(records, &model).map_err(|e| AppError::internal(&e.to_string()))
}

/// The best candidate per id over several query records, likely and
/// possible only, best first, weighed pair by pair (de-duplication: the
/// query may itself be indexed; tracing weighs a request among the
/// candidates in `App::weigh_entries`).
pub(crate) fn best_per_id(
    index: &MatchIndex,
    queries: &[Record],
    limit: usize,
) -> Result<Vec<Candidate>, AppError> {
    let mut found = Vec::new();
    for q in queries {
        found.extend(
            index
                .query(q, limit)
                .map_err(|e| AppError::internal(&e.to_string()))?
                .into_iter()
                .filter(|c| c.band != Band::Unlikely),
        );
    }
    Ok(best_of_each(found, limit))
}

/// The best of each id's candidates (found by several query records), at
/// most `limit`, best first.
pub(crate) fn best_of_each(found: Vec<Candidate>, limit: usize) -> Vec<Candidate> {
    let mut best: HashMap<String, Candidate> = HashMap::new();
    for c in found {
        match best.get(&c.id) {
            Some(b) if b.probability >= c.probability => {}
            _ => {
                best.insert(c.id.clone(), c);
            }
        }
    }
    let mut out: Vec<Candidate> = best.into_values().collect();
    out.sort_by(|a, b| {
        b.probability
            .total_cmp(&a.probability)
            .then(a.id.cmp(&b.id))
    });
    out.truncate(limit);
    out
}

pub(crate) fn band_name(b: Band) -> &'static str {
    match b {
        Band::Likely => "likely",
        Band::Possible => "possible",
        Band::Unlikely => "unlikely",
    }
}

impl App {
    /// Opens a case person's fields for matching only: the result stays in
    /// memory, is never returned to a caller, and the scan is audited by the
    /// use case that asks for it.
    pub(crate) fn person_for_matching(
        &self,
        grant: &Grant,
        p: &PersonRow,
    ) -> Result<Person, AppError> {
        let id = p.id.to_string();
        let open = |column: &str, s: &safepath_crypto::Sealed| {
            self.open_str(grant, "persons", column, &id, s)
        };
        let names = open("names", &p.names)?;
        let birth = p
            .birth_date
            .as_ref()
            .map(|b| open("birth_date", b))
            .transpose()?;
        Ok(Person {
            display_name: open("display_name", &p.display_name)?,
            names: serde_json::from_str(&names).map_err(|_| AppError::internal("names"))?,
            sex: serde_json::from_str(&format!("\"{}\"", p.sex))
                .map_err(|_| AppError::internal("sex"))?,
            gender_identity: GenderIdentity::NotDisclosed,
            birth_date: birth
                .map(|b| serde_json::from_str(&b))
                .transpose()
                .map_err(|_| AppError::internal("birth"))?,
            nationalities: serde_json::from_str(&p.nationalities)
                .map_err(|_| AppError::internal("nationalities"))?,
            languages: vec![],
            contact: Default::default(),
            place_of_origin: p
                .place_of_origin
                .as_ref()
                .map(|s| open("place_of_origin", s))
                .transpose()?
                .map(|s| serde_json::from_str(&s))
                .transpose()
                .map_err(|_| AppError::internal("place"))?
                .unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(names: serde_json::Value) -> Person {
        serde_json::from_value(serde_json::json!({"names": names})).unwrap()
    }

    fn boxes(p: &Person) -> Vec<(&str, &str)> {
        // Leaked for the comparison's convenience (a test's few bytes).
        name_boxes(p)
            .into_iter()
            .map(|(g, f)| (&*g.leak(), &*f.leak()))
            .collect()
    }

    /// A name in parts is one record with both boxes, one more per
    /// transliteration of a part; a whole name or an alias fills the first
    /// box; the first name's record comes first.
    #[test]
    fn names_in_parts_fill_both_boxes_and_whole_names_the_first() {
        let parts = person(serde_json::json!([
            {"value": "Srey Pov", "part": "given", "transliterations": ["Sreypov"]},
            {"value": "KHUN", "part": "family"},
            {"value": "Pov", "part": "alias"}
        ]));
        assert_eq!(
            boxes(&parts),
            [("Srey Pov", "KHUN"), ("Sreypov", "KHUN"), ("Pov", "")]
        );
        let whole_first = person(serde_json::json!([
            {"value": "Nguyen Thi Lan"},
            {"value": "Lan", "part": "given"}
        ]));
        assert_eq!(boxes(&whole_first), [("Nguyen Thi Lan", ""), ("Lan", "")]);
        let family_only = person(serde_json::json!([{"value": "Win", "part": "family"}]));
        assert_eq!(boxes(&family_only), [("", "Win")]);
        assert!(boxes(&person(serde_json::json!([]))).is_empty());
    }
}
