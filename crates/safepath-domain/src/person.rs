//! A person as the case holds them. Identifying parts (names, birth date,
//! contact, place of origin) are encrypted field by field by the app layer;
//! this module only validates their shape.

use serde::{Deserialize, Serialize};
use time::Date;
use time::macros::format_description;
use utoipa::ToSchema;

use crate::DomainError;

/// Writing system of a name, ISO 15924 code (e.g. `Latn`, `Thai`, `Mymr`, `Khmr`).
fn check_script(s: &str) -> Result<(), DomainError> {
    let ok = s.len() == 4
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().skip(1).all(|c| c.is_ascii_lowercase());
    if ok {
        Ok(())
    } else {
        Err(DomainError::invalid(
            "person.names[].script",
            "expected an ISO 15924 code such as Latn, Thai, Mymr, Khmr",
        ))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NamePart {
    Full,
    Given,
    Family,
    Alias,
}

/// One name as written in one script, with the transliterations people use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonName {
    pub value: String,
    #[serde(default = "default_script")]
    pub script: String,
    #[serde(default = "default_part")]
    pub part: NamePart,
    #[serde(default)]
    pub transliterations: Vec<String>,
}

fn default_script() -> String {
    "Latn".into()
}
fn default_part() -> NamePart {
    NamePart::Full
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Intersex,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum GenderIdentity {
    Woman,
    Man,
    TransgenderWoman,
    TransgenderMan,
    NonBinary,
    Other,
    NotDisclosed,
}

/// A date of birth as precisely as it is known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum BirthDate {
    Exact {
        date: String,
    },
    YearMonth {
        year: i32,
        month: u8,
    },
    Year {
        year: i32,
    },
    /// An age estimated on a given day (e.g. by a doctor or from appearance).
    EstimatedAge {
        age: u8,
        on: String,
    },
}

const EARLIEST_YEAR: i32 = 1900;

pub fn parse_iso_date(field: &str, s: &str) -> Result<Date, DomainError> {
    Date::parse(s, format_description!("[year]-[month]-[day]")).map_err(|_| {
        DomainError::invalid(field, "expected a real calendar date written YYYY-MM-DD")
    })
}

impl BirthDate {
    /// Checks that the date is possible on `today` (no future births, no ages over 130).
    pub fn validate(&self, today: Date) -> Result<(), DomainError> {
        let year_ok = |y: i32| (EARLIEST_YEAR..=today.year()).contains(&y);
        match self {
            BirthDate::Exact { date } => {
                let d = parse_iso_date("person.birth_date.date", date)?;
                if d > today || d.year() < EARLIEST_YEAR {
                    return Err(DomainError::invalid(
                        "person.birth_date.date",
                        "must not be in the future or before 1900",
                    ));
                }
            }
            BirthDate::YearMonth { year, month } => {
                if !year_ok(*year)
                    || !(1..=12).contains(month)
                    || (*year == today.year() && *month > u8::from(today.month()))
                {
                    return Err(DomainError::invalid(
                        "person.birth_date",
                        "year between 1900 and this year, month 1 to 12, not in the future",
                    ));
                }
            }
            BirthDate::Year { year } => {
                if !year_ok(*year) {
                    return Err(DomainError::invalid(
                        "person.birth_date.year",
                        "must be between 1900 and this year",
                    ));
                }
            }
            BirthDate::EstimatedAge { age, on } => {
                let d = parse_iso_date("person.birth_date.on", on)?;
                if d > today {
                    return Err(DomainError::invalid(
                        "person.birth_date.on",
                        "must not be in the future",
                    ));
                }
                if *age > 130 {
                    return Err(DomainError::invalid(
                        "person.birth_date.age",
                        "must be between 0 and 130",
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whether the person may be under 18 on `today`, taking the youngest age
    /// the recorded date allows. Where age is uncertain and the person may be
    /// a child, they are treated as one (the presumption of minority, e.g.
    /// EU Directive 2011/36/EU art. 13(2)).
    pub fn may_be_child(&self, today: Date) -> bool {
        // The latest birthday the record allows (year, month, day).
        let latest = match self {
            BirthDate::Exact { date } => match parse_iso_date("birth_date", date) {
                Ok(d) => (d.year(), u8::from(d.month()), d.day()),
                Err(_) => return false,
            },
            BirthDate::YearMonth { year, month } => (*year, *month, 31),
            BirthDate::Year { year } => (*year, 12, 31),
            BirthDate::EstimatedAge { age, on } => match parse_iso_date("birth_date.on", on) {
                // Estimated on a day: born at the latest `age` years before it.
                Ok(d) => (d.year() - i32::from(*age), u8::from(d.month()), d.day()),
                Err(_) => return false,
            },
        };
        let (y, m, d) = latest;
        let had_birthday = (u8::from(today.month()), today.day()) >= (m, d);
        let youngest_age = today.year() - y - i32::from(!had_birthday);
        youngest_age < 18
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Place {
    /// ISO 3166-1 alpha-3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Province / state / region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area: Option<String>,
    /// District, town or village.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
}

impl Place {
    /// The place with its country code checked (and upper-cased) and its
    /// texts checked; errors name the part under `field`
    /// (`person.place_of_origin.country`).
    pub fn validated(mut self, field: &str) -> Result<Place, DomainError> {
        if let Some(c) = &self.country {
            let c = crate::org::check_country(c).map_err(|_| {
                DomainError::invalid(
                    &format!("{field}.country"),
                    "expected an ISO 3166-1 alpha-3 code",
                )
            })?;
            self.country = Some(c);
        }
        for (part, v) in [("area", &self.area), ("locality", &self.locality)] {
            if let Some(v) = v {
                check_text(&format!("{field}.{part}"), v)?;
            }
        }
        Ok(self)
    }
}

/// Everything the case knows about the person, in clear (only ever in memory).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    #[serde(default)]
    pub display_name: String,
    pub names: Vec<PersonName>,
    #[serde(default = "unknown_sex")]
    pub sex: Sex,
    #[serde(default = "not_disclosed")]
    pub gender_identity: GenderIdentity,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<BirthDate>,
    #[serde(default)]
    pub nationalities: Vec<String>,
    /// BCP 47 language tags (e.g. `th`, `my`, `km`, `vi`, `id`).
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub contact: Contact,
    #[serde(default)]
    pub place_of_origin: Place,
}

fn unknown_sex() -> Sex {
    Sex::Unknown
}
fn not_disclosed() -> GenderIdentity {
    GenderIdentity::NotDisclosed
}

const MAX_TEXT: usize = 500;

/// Characters that reorder how text is shown (bidirectional embeddings,
/// overrides and isolates): a name holding one can display as another name.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Invisible characters that carry nothing in a name (zero-width space, word
/// joiner, byte-order mark, soft hyphen). Zero-width joiner and non-joiner are
/// kept: some scripts need them to spell a name.
fn is_invisible_filler(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}')
}

/// A name as stored: trimmed, invisible fillers removed, refused when it
/// holds bidirectional controls or control characters, or has no letter or
/// digit left (a name made only of zero-width characters is no name).
pub fn clean_name(field: &str, s: &str) -> Result<String, DomainError> {
    if s.chars().any(is_bidi_control) {
        return Err(DomainError::invalid(
            field,
            "contains characters that change the direction of text",
        ));
    }
    let cleaned: String = s.chars().filter(|c| !is_invisible_filler(*c)).collect();
    let cleaned = cleaned.trim().to_owned();
    check_text(field, &cleaned)?;
    if !cleaned.chars().any(char::is_alphanumeric) {
        return Err(DomainError::invalid(field, "must contain letters"));
    }
    Ok(cleaned)
}

fn check_text(field: &str, s: &str) -> Result<(), DomainError> {
    if s.chars().count() > MAX_TEXT {
        return Err(DomainError::invalid(field, "is longer than 500 characters"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(DomainError::invalid(field, "contains control characters"));
    }
    Ok(())
}

impl Person {
    /// Validates and normalises: trims names, fills `display_name` from the
    /// first name when it is empty, upper-cases country codes.
    pub fn validated(mut self, today: Date) -> Result<Self, DomainError> {
        if self.names.is_empty() {
            return Err(DomainError::new(
                "missing_field",
                "person.names: at least one name is required",
            ));
        }
        for n in &mut self.names {
            if n.value.trim().is_empty() {
                return Err(DomainError::invalid(
                    "person.names[].value",
                    "must not be empty",
                ));
            }
            n.value = clean_name("person.names[].value", &n.value)?;
            check_script(&n.script)?;
            n.transliterations.retain(|t| !t.trim().is_empty());
            for t in &mut n.transliterations {
                *t = clean_name("person.names[].transliterations", t)?;
            }
        }
        self.display_name = if self.display_name.trim().is_empty() {
            self.names[0].value.clone()
        } else {
            clean_name("person.display_name", &self.display_name)?
        };
        if let Some(b) = &self.birth_date {
            b.validate(today)?;
        }
        for c in &mut self.nationalities {
            *c = crate::org::check_country(c).map_err(|_| {
                DomainError::invalid(
                    "person.nationalities",
                    "expected ISO 3166-1 alpha-3 codes such as MMR",
                )
            })?;
        }
        self.place_of_origin = self.place_of_origin.validated("person.place_of_origin")?;
        for l in &self.languages {
            let ok = (2..=12).contains(&l.len())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                return Err(DomainError::invalid(
                    "person.languages",
                    "expected BCP 47 tags such as th, my, km",
                ));
            }
        }
        for (field, v) in [
            ("person.contact.phone", &self.contact.phone),
            ("person.contact.email", &self.contact.email),
            ("person.contact.address", &self.contact.address),
        ] {
            if let Some(v) = v {
                check_text(field, v)?;
            }
        }
        Ok(self)
    }

    /// Every string a name search should find this person by.
    pub fn searchable_names(&self) -> Vec<&str> {
        searchable_names(&self.display_name, &self.names)
    }
}

/// Every string a name search should find a person by: the display name,
/// each name and each of its transliterations.
pub fn searchable_names<'a>(display_name: &'a str, names: &'a [PersonName]) -> Vec<&'a str> {
    let mut out = vec![display_name];
    for n in names {
        out.push(&n.value);
        out.extend(n.transliterations.iter().map(String::as_str));
    }
    out
}

/// The folded tokens a person's name index holds, sorted and without
/// repeats (before blinding).
pub fn name_index_tokens(display_name: &str, names: &[PersonName]) -> Vec<String> {
    let mut tokens: Vec<String> = searchable_names(display_name, names)
        .into_iter()
        .flat_map(crate::names::search_tokens)
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_person_who_may_be_under_18_is_treated_as_a_child() {
        let today = date!(2026 - 11 - 29);
        let exact = |d: &str| BirthDate::Exact { date: d.into() };
        assert!(exact("2008-11-30").may_be_child(today), "18 tomorrow");
        assert!(!exact("2008-11-29").may_be_child(today), "18 today");
        // Year only: born on 31 December at the latest, so may still be 17.
        assert!(BirthDate::Year { year: 2008 }.may_be_child(today));
        assert!(!BirthDate::Year { year: 2007 }.may_be_child(today));
        assert!(
            BirthDate::YearMonth {
                year: 2008,
                month: 12
            }
            .may_be_child(today)
        );
        assert!(
            !BirthDate::YearMonth {
                year: 2008,
                month: 10
            }
            .may_be_child(today)
        );
        // An age estimated two years ago keeps counting.
        let est = |age: u8| BirthDate::EstimatedAge {
            age,
            on: "2024-11-29".into(),
        };
        assert!(est(15).may_be_child(today));
        assert!(!est(16).may_be_child(today));
    }

    fn person(json: serde_json::Value) -> Result<Person, String> {
        let p: Person = serde_json::from_value(json).map_err(|e| e.to_string())?;
        p.validated(date!(2026 - 11 - 29)).map_err(|e| e.message)
    }

    #[test]
    fn display_name_defaults_to_first_name() {
        let p = person(serde_json::json!({"names": [{"value": " Aye Aye ", "script": "Latn"}]}))
            .unwrap();
        assert_eq!(p.display_name, "Aye Aye");
    }

    #[test]
    fn partial_dates_are_checked() {
        let ok = [
            serde_json::json!({"kind": "exact", "date": "1999-02-28"}),
            serde_json::json!({"kind": "year_month", "year": 2001, "month": 7}),
            serde_json::json!({"kind": "year", "year": 1988}),
            serde_json::json!({"kind": "estimated_age", "age": 16, "on": "2026-03-01"}),
        ];
        for b in ok {
            person(serde_json::json!({"names": [{"value": "X"}], "birth_date": b})).unwrap();
        }
        let bad = [
            serde_json::json!({"kind": "exact", "date": "1999-02-30"}),
            serde_json::json!({"kind": "exact", "date": "2027-01-01"}),
            serde_json::json!({"kind": "year_month", "year": 2001, "month": 13}),
            serde_json::json!({"kind": "year", "year": 1800}),
            serde_json::json!({"kind": "estimated_age", "age": 200, "on": "2026-03-01"}),
            serde_json::json!({"kind": "estimated_age", "age": 20, "on": "2030-03-01"}),
        ];
        for b in bad {
            assert!(
                person(serde_json::json!({"names": [{"value": "X"}], "birth_date": b})).is_err()
            );
        }
    }

    #[test]
    fn refuses_missing_names_and_unknown_fields() {
        assert!(person(serde_json::json!({"names": []})).is_err());
        assert!(person(serde_json::json!({"names": [{"value": "X"}], "shoe_size": 3})).is_err());
        assert!(person(serde_json::json!({"names": [{"value": "X", "script": "thai"}]})).is_err());
        assert!(person(serde_json::json!({"names": [{"value": "X"}], "sex": "robot"})).is_err());
    }
}
