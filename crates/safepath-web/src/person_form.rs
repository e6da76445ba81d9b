//! What the two forms about a person share — a new or edited case, and a
//! tracing request: dates as people in the region write them (day first),
//! shown back in words, and a refusal put beside the field it concerns, in
//! plain words. The API's messages begin with a field path
//! (`person.birth_date.on: …`) that no one filling in a form should have to
//! read.

use safepath_app::AppError;
use safepath_domain::person::BirthDate;
use serde_json::{Value, json};

use crate::i18n::Tr;
use crate::ui::{written_day, written_month};

/// The scripts a name may be written in, by name.
pub(crate) const SCRIPTS: &[(&str, &str)] = &[
    ("Latn", "Latin"),
    ("Thai", "Thai (ไทย)"),
    ("Mymr", "Burmese (မြန်မာ)"),
    ("Khmr", "Khmer (ខ្មែរ)"),
    ("Laoo", "Lao (ລາວ)"),
    ("Arab", "Arabic"),
    ("Beng", "Bengali"),
    ("Hans", "Chinese (simplified)"),
    ("Cyrl", "Cyrillic"),
];

/// The birth date the form describes: `kind` as chosen, `value` as written
/// (30/04/1999, 04/1999, 1999 or an age in years), `on` the day an age was
/// estimated. `None` when no birth date is given.
pub(crate) fn birth_json(kind: &str, value: &str, on: &str) -> Result<Option<Value>, AppError> {
    let bad = || {
        AppError::bad_request(
            "invalid_field",
            "birth_date: a day as 30/04/1999, a month as 04/1999, a year or an age in years",
        )
    };
    let v = value.trim();
    Ok(Some(match kind {
        "" | "none" => return Ok(None),
        "exact" => json!({"kind": "exact", "date": written_day(v).ok_or_else(bad)?}),
        "year_month" => {
            let (year, month) = written_month(v).ok_or_else(bad)?;
            json!({"kind": "year_month", "year": year, "month": month})
        }
        "year" => json!({"kind": "year", "year": v.parse::<i32>().map_err(|_| bad())?}),
        "estimated_age" => {
            let on = on.trim();
            let on = written_day(on).unwrap_or_else(|| on.to_owned());
            json!({"kind": "estimated_age", "age": v.parse::<u8>().map_err(|_| bad())?, "on": on})
        }
        _ => return Err(bad()),
    }))
}

/// A date that may be partial, as written (15/06/2022, 06/2022 or 2022), in
/// the API's form (`2022-06-15`, `2022-06`, `2022`); anything else as it is,
/// for the domain to refuse.
pub(crate) fn partial_date(value: &str) -> String {
    let v = value.trim();
    if let Some(day) = written_day(v) {
        return day;
    }
    if let Some((year, month)) = written_month(v) {
        return format!("{year:04}-{month:02}");
    }
    v.to_owned()
}

/// A partial date of the API (`2022`, `2022-06`, `2022-06-15`) in words:
/// "2022", "June 2022", "15 June 2022".
pub(crate) fn partial_date_words(tr: &Tr, iso: &str) -> String {
    let parts: Vec<&str> = iso.split('-').collect();
    match parts.as_slice() {
        [_, _, _] => tr.day(iso),
        [year, month] => match month.parse::<u8>() {
            Ok(m) if (1..=12).contains(&m) => format!("{} {year}", tr.t(format!("month-{m}"))),
            _ => iso.to_owned(),
        },
        _ => iso.to_owned(),
    }
}

/// A birth date in words: a day, a month and year, a year, or an age
/// estimated on a day.
pub(crate) fn birth_words(tr: &Tr, b: &BirthDate) -> String {
    match b {
        BirthDate::Exact { date } => tr.day(date),
        BirthDate::YearMonth { year, month } => {
            format!("{} {year}", tr.t(format!("month-{month}")))
        }
        BirthDate::Year { year } => year.to_string(),
        BirthDate::EstimatedAge { age, on } => {
            format!("~{age} ({} {})", tr.t("estimated-on"), tr.day(on))
        }
    }
}

/// A refusal placed on the form: the field it concerns (its input's id, or
/// `form` for the whole form) and what to do, in the user's language.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FieldError {
    pub(crate) field: &'static str,
    pub(crate) words: String,
}

impl FieldError {
    /// The words, when the refusal concerns `field`.
    pub(crate) fn on(&self, field: &str) -> Option<&str> {
        (self.field == field).then_some(self.words.as_str())
    }
}

/// Where the API's field paths land on a form: (path prefix, the form's
/// field, the key of the words). The longest matching prefix wins.
pub(crate) type FieldMap = &'static [(&'static str, &'static str, &'static str)];

/// The fields of a person, as the case form and the tracing form both name
/// them (the tracing form's other name is told apart in `tracing.rs`).
const PERSON_FIELDS: FieldMap = &[
    ("names", "name_value", "form-error-name"),
    ("names[].value", "name_value", "form-error-name"),
    (
        "names[].transliterations",
        "name_translit",
        "form-error-transliterations",
    ),
    ("names[].script", "name_script", "work-error-choose"),
    ("display_name", "display_name", "form-error-name"),
    ("birth_date", "birth_value", "form-error-birth"),
    ("birth_date.on", "birth_on", "form-error-birth-on"),
    ("languages", "languages", "form-error-languages"),
    ("contact.phone", "phone", "form-error-text"),
    ("contact.email", "email", "form-error-text"),
    ("contact.address", "address", "form-error-text"),
];

/// The case form's own fields.
pub(crate) const CASE_FIELDS: FieldMap = &[
    ("nationalities", "nationalities", "form-error-nationalities"),
    (
        "place_of_origin.country",
        "origin_country",
        "form-error-country",
    ),
    ("place_of_origin", "origin_area", "form-error-text"),
    ("notes", "notes", "form-error-text"),
    ("status", "status", "work-error-choose"),
    ("exploitation_forms", "forms", "work-error-choose"),
];

/// The tracing form's own fields.
pub(crate) const TRACING_FIELDS: FieldMap = &[
    ("nationalities", "nationality", "form-error-nationalities"),
    ("home_place.country", "home_country", "form-error-country"),
    ("home_place.area", "home_area", "form-error-text"),
    ("home_place.locality", "home_locality", "form-error-text"),
    (
        "last_known_place.country",
        "place_country",
        "form-error-country",
    ),
    ("last_known_place.area", "place_area", "form-error-text"),
    (
        "last_known_place.locality",
        "place_locality",
        "form-error-text",
    ),
    ("last_seen_on", "last_seen_on", "form-error-last-seen"),
    (
        "requester.name",
        "requester_name",
        "form-error-requester-name",
    ),
    (
        "requester.relationship",
        "relationship",
        "work-error-choose",
    ),
    ("requester.contact", "phone", "form-error-contact"),
    ("requester.contact.phone", "phone", "form-error-text"),
    ("requester.contact.email", "email", "form-error-text"),
    ("requester.contact.address", "address", "form-error-text"),
];

/// The field a refusal of a person form concerns, and its words. A case's
/// steps that need something first (an approved closure, a decision) keep
/// the casework page's words, beside the status; a change made meanwhile by
/// someone else, and anything the maps do not place, go at the top.
pub(crate) fn field_error(tr: &Tr, e: &AppError, own: FieldMap) -> FieldError {
    let coded = format!("work-error-{}", e.code);
    if !matches!(e.code, "invalid_field" | "missing_field" | "invalid_value") && tr.has(&coded) {
        let field = if e.code == "version_conflict" {
            "form"
        } else {
            "status"
        };
        return FieldError {
            field,
            words: tr.t(coded),
        };
    }
    let path = e.message.split_once(':').map_or("", |(p, _)| p.trim());
    let path = ["person.", "sought."]
        .iter()
        .find_map(|p| path.strip_prefix(p))
        .unwrap_or(path);
    let best = PERSON_FIELDS
        .iter()
        .chain(own.iter())
        .filter(|(prefix, _, _)| {
            path.strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
        })
        .max_by_key(|(prefix, _, _)| prefix.len());
    match best {
        Some(&(_, field, key)) => FieldError {
            field,
            words: tr.t(key),
        },
        None => FieldError {
            field: "form",
            words: tr.t("form-error-general"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tr() -> Tr {
        Tr::new("en")
    }

    fn placed(message: &str, own: FieldMap) -> &'static str {
        field_error(&tr(), &AppError::bad_request("invalid_field", message), own).field
    }

    #[test]
    fn refusals_land_on_the_field_they_name() {
        assert_eq!(
            placed(
                "person.birth_date.on: must not be in the future",
                CASE_FIELDS
            ),
            "birth_on"
        );
        assert_eq!(
            placed(
                "person.birth_date.date: expected a real calendar date",
                CASE_FIELDS
            ),
            "birth_value"
        );
        assert_eq!(
            placed("birth_date: a day as 30/04/1999", CASE_FIELDS),
            "birth_value"
        );
        assert_eq!(
            placed(
                "person.nationalities: expected ISO 3166-1 alpha-3 codes",
                CASE_FIELDS
            ),
            "nationalities"
        );
        assert_eq!(
            placed("person.nationalities: expected codes", TRACING_FIELDS),
            "nationality"
        );
        assert_eq!(
            placed("sought.home_place.country: expected a code", TRACING_FIELDS),
            "home_country"
        );
        assert_eq!(
            placed("requester.contact: at least one way", TRACING_FIELDS),
            "phone"
        );
        assert_eq!(
            placed(
                "requester.contact.email: at most 500 characters",
                TRACING_FIELDS
            ),
            "email"
        );
        assert_eq!(
            placed(
                "person.names[].transliterations: must contain letters",
                CASE_FIELDS
            ),
            "name_translit"
        );
        // A prefix that is only the start of another word does not count.
        assert_eq!(placed("notesx: something", CASE_FIELDS), "form");
        assert_eq!(placed("no path here", CASE_FIELDS), "form");
    }

    #[test]
    fn words_are_plain_and_never_the_api_path() {
        let e = AppError::bad_request(
            "invalid_field",
            "person.nationalities: expected ISO 3166-1 alpha-3 codes such as MMR",
        );
        let placed = field_error(&tr(), &e, CASE_FIELDS);
        assert!(!placed.words.contains("person."), "{}", placed.words);
        assert!(!placed.words.contains("ISO"), "{}", placed.words);
        let conflict = AppError::new(
            safepath_app::ErrorKind::Conflict,
            "version_conflict",
            "the case was changed by someone else; reload and try again",
        );
        assert_eq!(field_error(&tr(), &conflict, CASE_FIELDS).field, "form");
    }

    #[test]
    fn dates_are_taken_as_written_and_shown_in_words() {
        assert_eq!(
            birth_json("exact", "30/04/1994", "").unwrap(),
            Some(json!({"kind": "exact", "date": "1994-04-30"}))
        );
        assert_eq!(
            birth_json("year_month", "04/1994", "").unwrap(),
            Some(json!({"kind": "year_month", "year": 1994, "month": 4}))
        );
        assert_eq!(birth_json("none", "", "").unwrap(), None);
        assert!(birth_json("year", "about then", "").is_err());
        assert_eq!(partial_date("15/06/2022"), "2022-06-15");
        assert_eq!(partial_date("06/2022"), "2022-06");
        assert_eq!(partial_date(" 2022 "), "2022");
        assert_eq!(partial_date("last spring"), "last spring");
        assert_eq!(partial_date_words(&tr(), "2022-06"), "June 2022");
        assert_eq!(partial_date_words(&tr(), "2022"), "2022");
    }
}
