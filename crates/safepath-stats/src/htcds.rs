//! The HTCDS v2.0 export: one row per person, HTCDS field names ("Field Name
//! including Prefix") and picklist values, in CSV and JSON; and the validator
//! that checks an export against the standard's field list
//! (`reference/htcds-fields.csv`, IOM, CC BY 4.0).
//!
//! No direct identifier is exported: no names, contact, identity numbers,
//! addresses or exact dates. Rows are k-anonymised on what they hold
//! ([`export`]): a value shared by fewer than `k` persons is blanked, and a
//! row that still stands out is left out.

use crate::{PersonFact, Result, StatsError};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// The standard's field list, as published (see `reference/README.md`).
pub const FIELDS_CSV: &str = include_str!("../reference/htcds-fields.csv");

/// The exported columns, in order.
pub const COLUMNS: [&str; 5] = [
    "prs_Gender",
    "prs_Citizenship",
    "vic_TraffickingStatus",
    "vic_TypeOfExploitation",
    "cas_Status",
];

/// Fields that identify a person directly; never exported (checked by the
/// validator).
pub const DIRECT_IDENTIFIERS: [&str; 18] = [
    "prs_Salutation",
    "prs_FirstName",
    "prs_MiddleName",
    "prs_SecondName",
    "prs_Birthdate",
    "prs_IdentityNumber",
    "prs_Title",
    "prs_Email",
    "prs_HomePhone",
    "prs_MobilePhone",
    "prs_MailingCity",
    "prs_MailingCountry",
    "prs_MailingState",
    "prs_MailingStreet",
    "prs_MailingPostalCode",
    "prs_MailingLongitude",
    "prs_MailingLatitude",
    "cas_CaseOwner",
];

/// Separator of multiselect values in one CSV cell.
pub const MULTI_SEPARATOR: char = ';';

fn gender(f: &PersonFact) -> &'static str {
    match f.gender_identity.as_str() {
        "woman" => "Feminine",
        "man" => "Masculine",
        "transgender_woman" => "TransgenderFeminine",
        "transgender_man" => "TransgenderMasculine",
        "non_binary" | "other" => "NonConforming",
        _ => match f.sex.as_str() {
            "female" => "Feminine",
            "male" => "Masculine",
            _ => "NonSpecifiedUnknown",
        },
    }
}

/// SafePath's form of exploitation as an HTCDS `vic_TypeOfExploitation` value.
pub fn form(form: &str) -> &'static str {
    match form {
        "forced_labour" => "ForcedLabour",
        "sexual_exploitation" => "SexualExploitation",
        "domestic_servitude" | "slavery_and_similar_practices" => "Servitude",
        "forced_marriage" => "ForcedMarriage",
        "forced_begging" => "ForcedBegging",
        "forced_military" => "ForcedMilitaryByNonStateActors",
        "organ_removal" => "OrganRemoval",
        _ => "Other",
    }
}

fn trafficking_status(f: &PersonFact) -> &'static str {
    match (f.status.as_str(), f.conclusive_positive) {
        (_, Some(true)) => "ActualVictimOfTrafficking",
        ("not_identified", _) | (_, Some(false)) => "NotAVictimOfTrafficking",
        _ => "PossibleVictimOfTrafficking",
    }
}

fn case_status(f: &PersonFact) -> &'static str {
    match f.status.as_str() {
        "closed" => "Closed",
        "follow_up" => "FollowUp",
        _ => "Active",
    }
}

/// One exported row: field name to value (multiselects joined by `;`).
pub type Row = BTreeMap<&'static str, String>;

fn row(f: &PersonFact) -> Row {
    let mut citizenship: Vec<String> = f
        .nationalities
        .iter()
        .filter(|c| (2..=3).contains(&c.len()) && c.chars().all(|ch| ch.is_ascii_alphabetic()))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    citizenship.dedup();
    let mut forms: Vec<&str> = f.forms.iter().map(|x| form(x)).collect();
    forms.sort_unstable();
    forms.dedup();
    let mut r = Row::new();
    r.insert("prs_Gender", gender(f).to_string());
    r.insert("prs_Citizenship", citizenship.join(";"));
    r.insert("vic_TraffickingStatus", trafficking_status(f).to_string());
    r.insert("vic_TypeOfExploitation", forms.join(";"));
    r.insert("cas_Status", case_status(f).to_string());
    r
}

/// The export and how many persons it keeps.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Export {
    pub rows: Vec<Row>,
    pub persons: usize,
    pub kept: usize,
    pub k: u64,
}

/// Rows for `facts`, k-anonymised: the columns that describe the person
/// (gender, citizenship, forms) are blanked one after the other (citizenship
/// first) for rows whose combination fewer than `k` persons share; a row that
/// is still rare is left out.
pub fn export(facts: &[PersonFact], k: u64) -> Export {
    const BLANK_ORDER: [&str; 3] = ["prs_Citizenship", "vic_TypeOfExploitation", "prs_Gender"];
    let mut rows: Vec<Row> = facts.iter().map(row).collect();
    let quasi = |r: &Row| -> Vec<String> {
        COLUMNS
            .iter()
            .map(|c| r.get(c).cloned().unwrap_or_default())
            .collect()
    };
    for level in 0..=BLANK_ORDER.len() {
        let mut sizes: HashMap<Vec<String>, u64> = HashMap::new();
        for r in &rows {
            *sizes.entry(quasi(r)).or_default() += 1;
        }
        let rare: Vec<bool> = rows
            .iter()
            .map(|r| sizes.get(&quasi(r)).copied().unwrap_or(0) < k)
            .collect();
        if !rare.iter().any(|x| *x) {
            break;
        }
        match BLANK_ORDER.get(level) {
            Some(col) => {
                for (r, is_rare) in rows.iter_mut().zip(&rare) {
                    if *is_rare {
                        r.insert(col, String::new());
                    }
                }
            }
            None => {
                let mut keep = rare.iter();
                rows.retain(|_| keep.next().is_some_and(|x| !*x));
            }
        }
    }
    Export {
        kept: rows.len(),
        persons: facts.len(),
        rows,
        k,
    }
}

/// Neutralises a CSV cell that a spreadsheet would run as a formula.
pub fn neutralise(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// The export as CSV (header: the HTCDS field names).
pub fn to_csv(export: &Export) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let fail = |_| StatsError::invalid("export_failed", "the CSV could not be written");
    w.write_record(COLUMNS).map_err(fail)?;
    for r in &export.rows {
        let cells: Vec<String> = COLUMNS
            .iter()
            .map(|c| neutralise(r.get(c).map(String::as_str).unwrap_or("")))
            .collect();
        w.write_record(&cells).map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|_| StatsError::invalid("export_failed", "the CSV could not be written"))?;
    String::from_utf8(bytes)
        .map_err(|_| StatsError::invalid("export_failed", "the CSV is not UTF-8"))
}

/// The export as JSON: `{"standard": "HTCDS 2.0", "k": …, "persons": …,
/// "kept": …, "records": [{field: value or [values]}]}`.
pub fn to_json(export: &Export) -> serde_json::Value {
    let records: Vec<serde_json::Value> = export
        .rows
        .iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for c in COLUMNS {
                let v = r.get(c).cloned().unwrap_or_default();
                let value = if is_multiselect(c) {
                    serde_json::Value::from(
                        v.split(MULTI_SEPARATOR)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect::<Vec<_>>(),
                    )
                } else {
                    serde_json::Value::from(v)
                };
                m.insert(c.to_string(), value);
            }
            serde_json::Value::Object(m)
        })
        .collect();
    serde_json::json!({
        "standard": "HTCDS 2.0",
        "k": export.k,
        "persons": export.persons,
        "kept": export.kept,
        "records": records,
    })
}

fn is_multiselect(field: &str) -> bool {
    standard()
        .ok()
        .and_then(|s| s.get(field).map(|f| f.kind.starts_with("Multiselect")))
        .unwrap_or(false)
}

/// One field of the standard.
#[derive(Debug, Clone)]
pub struct FieldDef {
    pub kind: String,
    /// Allowed values of a picklist (empty: free or a coded standard).
    pub values: Vec<String>,
    /// The list of allowed values refers to an ISO standard (country codes).
    pub iso_country: bool,
}

/// The standard's fields by name.
pub fn standard() -> Result<BTreeMap<String, FieldDef>> {
    let mut r = csv::Reader::from_reader(FIELDS_CSV.as_bytes());
    let bad = || StatsError::invalid("htcds_reference", "the HTCDS field list cannot be read");
    let headers = r.headers().map_err(|_| bad())?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(field), Some(kind), Some(values)) = (col("field"), col("type"), col("value_names"))
    else {
        return Err(bad());
    };
    let mut out = BTreeMap::new();
    for rec in r.records() {
        let rec = rec.map_err(|_| bad())?;
        let name = rec.get(field).unwrap_or("").trim();
        if name.is_empty() || name == "N/A" {
            continue;
        }
        let kind = rec.get(kind).unwrap_or("").to_string();
        let raw = rec.get(values).unwrap_or("");
        let iso_country = raw.contains("ISO 3166");
        let values = if raw.contains('|') {
            raw.split('|').map(|s| s.trim().to_string()).collect()
        } else {
            Vec::new()
        };
        out.insert(
            name.to_string(),
            FieldDef {
                kind,
                values,
                iso_country,
            },
        );
    }
    Ok(out)
}

/// Checks an export's header and every value against the standard: field
/// names exist, no direct identifier, picklist values are allowed, country
/// codes are ISO 3166 alpha-3 or alpha-2 shaped. Returns the problems found (empty: valid).
pub fn validate_csv(csv_text: &str) -> Result<Vec<String>> {
    let std = standard()?;
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = r
        .headers()
        .map_err(|_| StatsError::invalid("invalid_csv", "no header"))?
        .clone();
    let mut problems = Vec::new();
    for h in headers.iter() {
        if !std.contains_key(h) {
            problems.push(format!("{h} is not an HTCDS field"));
        }
        if DIRECT_IDENTIFIERS.contains(&h) {
            problems.push(format!("{h} identifies a person directly"));
        }
    }
    for (i, rec) in r.records().enumerate() {
        let rec = rec.map_err(|_| StatsError::invalid("invalid_csv", "a row cannot be read"))?;
        for (h, v) in headers.iter().zip(rec.iter()) {
            if let Some(def) = std.get(h) {
                problems.extend(check_value(def, v).map(|p| format!("row {}: {h}: {p}", i + 1)));
            }
        }
    }
    Ok(problems)
}

fn check_value(def: &FieldDef, v: &str) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    let parts: Vec<&str> = if def.kind.starts_with("Multiselect") {
        v.split(MULTI_SEPARATOR).collect()
    } else {
        vec![v]
    };
    for p in parts {
        let ok = if !def.values.is_empty() {
            def.values.iter().any(|x| x == p)
        } else if def.iso_country {
            // ISO 3166 alpha-3 (SafePath's codes) or alpha-2 ("optional").
            (2..=3).contains(&p.len()) && p.chars().all(|c| c.is_ascii_uppercase())
        } else {
            match def.kind.as_str() {
                "Checkbox" => p == "true" || p == "false",
                "Number" => p.parse::<f64>().is_ok(),
                "Date" => p.len() == 10 && p.chars().filter(|c| *c == '-').count() == 2,
                _ => true,
            }
        };
        if !ok {
            return Some(format!("value {p:?} is not allowed"));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AgeBand;

    fn fact(nat: &str, gender: &str, form: &str) -> PersonFact {
        PersonFact {
            sex: "female".into(),
            gender_identity: gender.into(),
            age_band: AgeBand::Age25To34,
            nationalities: vec![nat.into()],
            forms: vec![form.into()],
            status: "identified".into(),
            year: 2024,
            month: 5,
            org: "o".into(),
            region: "r".into(),
            referred_day: 0,
            rg_decided_day: None,
            conclusive_decided_day: None,
            conclusive_positive: Some(true),
        }
    }

    #[test]
    fn the_reference_is_read() {
        let std = standard().unwrap_or_default();
        assert!(std.len() > 70);
        let g = std.get("prs_Gender").map(|d| d.values.len());
        assert_eq!(g, Some(6));
        for c in COLUMNS {
            assert!(std.contains_key(c), "{c}");
        }
    }

    #[test]
    fn an_export_validates_and_rare_rows_are_blanked() {
        let mut facts: Vec<PersonFact> = (0..12)
            .map(|_| fact("id", "woman", "forced_labour"))
            .collect();
        facts.push(fact("vn", "man", "organ_removal"));
        let e = export(&facts, 11);
        let csv = to_csv(&e).unwrap_or_default();
        assert!(csv.starts_with("prs_Gender,prs_Citizenship,"));
        assert_eq!(validate_csv(&csv).ok(), Some(vec![]), "{csv}");
        assert!(csv.contains("ID"));
        assert!(!csv.contains("VN"), "a lone citizenship is blanked");
        assert_eq!(e.kept, 12, "the lone person is left out");
        let json = to_json(&e);
        assert_eq!(json["records"][0]["prs_Citizenship"][0], "ID");
    }

    #[test]
    fn the_validator_catches_bad_values_and_identifiers() {
        let bad = "prs_Gender,prs_FirstName,nickname\nFemale,Ana,x\n";
        let problems = validate_csv(bad).unwrap_or_default();
        assert!(problems.iter().any(|p| p.contains("nickname is not")));
        assert!(
            problems
                .iter()
                .any(|p| p.contains("prs_FirstName identifies"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("\"Female\" is not allowed"))
        );
        let bad_country = "prs_Citizenship\nIDN;Indonesia\n";
        assert_eq!(validate_csv(bad_country).unwrap_or_default().len(), 1);
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(neutralise("=cmd()"), "'=cmd()");
        assert_eq!(neutralise("-1"), "'-1");
        assert_eq!(neutralise("Active"), "Active");
    }
}
