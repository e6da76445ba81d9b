//! The schema (which column holds what) and the settings file of the file interface.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::MatchError;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A whole name, any order.
    FullName,
    /// Given name(s).
    GivenName,
    /// Family name.
    FamilyName,
    /// `YYYY`, `YYYY-MM` or `YYYY-MM-DD`.
    BirthDate,
    /// Estimated age in years on the record date.
    Age,
    /// The date the record (and its age) refer to.
    RecordDate,
    /// Sex.
    Sex,
    /// ISO 3166 alpha-3.
    Nationality,
    /// Place, most specific first, comma separated ("village, district, province").
    Place,
    /// Postcode.
    Postcode,
    /// Identity document number.
    IdNumber,
    /// Other free text (address lines, …).
    Text,
}

impl Kind {
    /// Parses a kind name as written in settings files.
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s {
            "full_name" => Kind::FullName,
            "given_name" => Kind::GivenName,
            "family_name" => Kind::FamilyName,
            "birth_date" => Kind::BirthDate,
            "age" => Kind::Age,
            "record_date" => Kind::RecordDate,
            "sex" => Kind::Sex,
            "nationality" => Kind::Nationality,
            "place" => Kind::Place,
            "postcode" => Kind::Postcode,
            "id_number" => Kind::IdNumber,
            "text" => Kind::Text,
            _ => return None,
        })
    }
    /// True for the name kinds.
    pub fn is_name(self) -> bool {
        matches!(self, Kind::FullName | Kind::GivenName | Kind::FamilyName)
    }
}

/// Which column holds what. Columns are compared in this order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// Name of the identifier column in files.
    pub id_column: String,
    /// Data columns and their kinds.
    pub columns: Vec<(String, Kind)>,
}

impl Schema {
    /// Builds and checks a schema.
    pub fn new(
        id_column: impl Into<String>,
        columns: Vec<(String, Kind)>,
    ) -> Result<Schema, String> {
        let s = Schema {
            id_column: id_column.into(),
            columns,
        };
        s.check()?;
        Ok(s)
    }

    /// Checks the schema is usable.
    pub fn check(&self) -> Result<(), String> {
        if self.columns.is_empty() {
            return Err("no columns to compare".into());
        }
        for kind in [Kind::BirthDate, Kind::Age, Kind::RecordDate] {
            if self.columns.iter().filter(|(_, k)| *k == kind).count() > 1 {
                return Err(format!("at most one column of kind {kind:?}"));
            }
        }
        let has = |k: Kind| self.columns.iter().any(|(_, kk)| *kk == k);
        if has(Kind::Age) && !has(Kind::RecordDate) {
            return Err("an `age` column needs a `record_date` column".into());
        }
        if !self.columns.iter().any(|(_, k)| *k != Kind::RecordDate) {
            return Err("no columns to compare".into());
        }
        let mut names: Vec<&str> = self.columns.iter().map(|(n, _)| n.as_str()).collect();
        names.push(&self.id_column);
        names.sort_unstable();
        if names.windows(2).any(|w| w[0] == w[1]) {
            return Err("a column is named twice".into());
        }
        Ok(())
    }

    /// Index of the column with this name.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|(n, _)| n == name)
    }
}

/// The default [`Settings::link_prior`], and the prior when `link_prior = "estimate"` but
/// the files are too small to estimate it: even odds that a left record's person is in
/// the right file, for want of a measured rate.
pub const DEFAULT_LINK_PRIOR: f64 = 0.5;

/// Settings of a run of the file interface.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The schema.
    pub schema: Schema,
    /// Probability from which a pair is "likely" the same person.
    pub likely: f64,
    /// Probability from which a pair is "possibly" the same person (pairs below are not output).
    pub possible: f64,
    /// Probability from which two records are clustered together in de-duplication
    /// (default 0.7: a wrong merge of two people costs more than a missed duplicate).
    pub cluster_threshold: f64,
    /// Blocks larger than this are skipped (their pairs are found by finer keys).
    pub max_block_size: usize,
    /// Budget of candidate comparisons per record (smallest blocks are taken first).
    pub pairs_per_record: usize,
    /// In linkage, keep for each record only its best partner (one-to-one).
    pub one_to_one: bool,
    /// Seed for the random pairs used to estimate u.
    pub seed: u64,
    /// In linkage, the prior probability that a left record's person is in the right
    /// file at all: stated (default 0.5, [`DEFAULT_LINK_PRIOR`]; a deployment that knows
    /// the share of its requests eventually matched states that), or `None` for
    /// `link_prior = "estimate"`: estimated from the files against the right file queried
    /// against itself, which assumes both files write people alike (docs/decisions.md
    /// D22). Pair probabilities are posteriors over all of a left record's candidates and
    /// "none of them" (D-T4).
    pub link_prior: Option<f64>,
}

impl Settings {
    /// Defaults for a schema.
    pub fn with_schema(schema: Schema) -> Settings {
        Settings {
            schema,
            likely: 0.9,
            possible: 0.5,
            cluster_threshold: 0.7,
            max_block_size: 300,
            pairs_per_record: 20,
            one_to_one: false,
            seed: 42,
            link_prior: Some(DEFAULT_LINK_PRIOR),
        }
    }

    /// The comparison budget for `n` records.
    pub fn budget(&self, n: usize) -> usize {
        n.saturating_mul(self.pairs_per_record).max(10_000)
    }

    /// Reads a settings file.
    pub fn load(path: &Path) -> Result<Settings, MatchError> {
        let text = std::fs::read_to_string(path).map_err(|e| MatchError::io(path, e))?;
        Settings::parse(&text).map_err(|(line, message)| MatchError::Settings {
            path: path.to_path_buf(),
            line,
            message,
        })
    }

    /// Parses settings text; errors carry the 1-based line.
    pub fn parse(text: &str) -> Result<Settings, (usize, String)> {
        let table: toml::Table = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(0);
            (line, e.message().to_string())
        })?;
        let find = |key: &str| find_line(text, key);
        let mut id_column = None;
        let mut columns = Vec::new();
        let mut s = Settings::with_schema(Schema {
            id_column: String::new(),
            columns: Vec::new(),
        });
        for (key, value) in &table {
            let line = find(key);
            let num = |v: &toml::Value| -> Result<f64, (usize, String)> {
                match v {
                    toml::Value::Float(f) => Ok(*f),
                    toml::Value::Integer(i) => Ok(*i as f64),
                    _ => Err((line, format!("`{key}` must be a number"))),
                }
            };
            let prob = |v: &toml::Value| -> Result<f64, (usize, String)> {
                let p = num(v)?;
                if (0.0..=1.0).contains(&p) {
                    Ok(p)
                } else {
                    Err((line, format!("`{key}` must be between 0 and 1")))
                }
            };
            match key.as_str() {
                "id_column" => match value {
                    toml::Value::String(v) if !v.is_empty() => id_column = Some(v.clone()),
                    _ => return Err((line, "`id_column` must be a non-empty string".into())),
                },
                "likely" => s.likely = prob(value)?,
                "possible" => s.possible = prob(value)?,
                "cluster_threshold" => s.cluster_threshold = prob(value)?,
                "max_block_size" => {
                    let n = num(value)?;
                    if !(2.0..=100_000.0).contains(&n) {
                        return Err((line, "`max_block_size` must be between 2 and 100000".into()));
                    }
                    s.max_block_size = n as usize;
                }
                "pairs_per_record" => {
                    let n = num(value)?;
                    if !(1.0..=10_000.0).contains(&n) {
                        return Err((
                            line,
                            "`pairs_per_record` must be between 1 and 10000".into(),
                        ));
                    }
                    s.pairs_per_record = n as usize;
                }
                "seed" => s.seed = num(value)? as u64,
                "link_prior" => {
                    s.link_prior = match value {
                        toml::Value::String(v) if v == "estimate" => None,
                        _ => Some(num(value).ok().filter(|p| *p > 0.0 && *p < 1.0).ok_or_else(|| {
                            (
                                line,
                                "`link_prior` must be a number between 0 and 1 (exclusive), or \"estimate\"".to_string(),
                            )
                        })?),
                    };
                }
                "one_to_one" => match value {
                    toml::Value::Boolean(b) => s.one_to_one = *b,
                    _ => return Err((line, "`one_to_one` must be true or false".into())),
                },
                "columns" => {
                    let toml::Value::Table(t) = value else {
                        return Err((line, "`columns` must be a table".into()));
                    };
                    for (col, kind) in t {
                        let l = find(col);
                        let toml::Value::String(k) = kind else {
                            return Err((
                                l,
                                format!("the kind of column `{col}` must be a string"),
                            ));
                        };
                        let Some(kind) = Kind::parse(k) else {
                            return Err((
                                l,
                                format!(
                                    "unknown kind `{k}` for column `{col}` (expected full_name, given_name, family_name, birth_date, age, record_date, sex, nationality, place, postcode, id_number or text)"
                                ),
                            ));
                        };
                        columns.push((col.clone(), kind));
                    }
                }
                other => return Err((line, format!("unknown setting `{other}`"))),
            }
        }
        let Some(id_column) = id_column else {
            return Err((0, "missing `id_column`".into()));
        };
        if columns.is_empty() {
            return Err((find("columns"), "missing or empty `[columns]` table".into()));
        }
        if s.possible > s.likely {
            return Err((
                find("possible"),
                "`possible` must not exceed `likely`".into(),
            ));
        }
        s.schema = Schema { id_column, columns };
        s.schema.check().map_err(|m| (find("columns"), m))?;
        Ok(s)
    }
}

fn line_of(text: &str, byte: usize) -> usize {
    text.as_bytes()
        .iter()
        .take(byte)
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn find_line(text: &str, key: &str) -> usize {
    for (i, l) in text.lines().enumerate() {
        let t = l
            .trim_start()
            .trim_start_matches('[')
            .trim_start_matches('"');
        if let Some(rest) = t.strip_prefix(key) {
            let rest = rest.trim_start_matches('"').trim_start();
            if rest.starts_with('=') || rest.starts_with(']') {
                return i + 1;
            }
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_settings() {
        let s = Settings::parse("id_column = \"id\"\nlikely = 0.95\n[columns]\nname = \"full_name\"\ndob = \"birth_date\"\n").unwrap();
        assert_eq!(s.schema.id_column, "id");
        assert_eq!(s.likely, 0.95);
        assert_eq!(s.schema.columns.len(), 2);
    }

    #[test]
    fn refuses_with_line() {
        let e = Settings::parse(
            "id_column = \"id\"\n[columns]\nname = \"full_name\"\ndob = \"birthday\"\n",
        )
        .unwrap_err();
        assert_eq!(e.0, 4);
        assert!(e.1.contains("birthday"));
        let e = Settings::parse("id_column = \"id\"\n[columns\n").unwrap_err();
        assert_eq!(e.0, 2);
        let e = Settings::parse("id_column = \"id\"\nlikely = 3\n[columns]\nn = \"full_name\"\n")
            .unwrap_err();
        assert_eq!(e.0, 2);
        let e = Settings::parse("[columns]\nn = \"full_name\"\n").unwrap_err();
        assert!(e.1.contains("id_column"));
        let e = Settings::parse("id_column = \"id\"\n[columns]\na = \"age\"\n").unwrap_err();
        assert!(e.1.contains("record_date"));
    }
}
