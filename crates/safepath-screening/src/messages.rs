//! Message tables (`locales/*.toml`): one table per locale, keyed by section and message id,
//! with `{name}` placeholders.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use crate::types::{Locale, Outcome, Stage};

/// A locale's messages: section → key → text.
pub type Table = BTreeMap<String, BTreeMap<String, String>>;

const EN: &str = include_str!("../locales/en.toml");
const ID: &str = include_str!("../locales/id.toml");
const TH: &str = include_str!("../locales/th.toml");
const VI: &str = include_str!("../locales/vi.toml");
const KM: &str = include_str!("../locales/km.toml");
const MY: &str = include_str!("../locales/my.toml");

pub(crate) fn load(locale: Locale) -> Result<Table, String> {
    let src = match locale {
        Locale::En => EN,
        Locale::Id => ID,
        Locale::Th => TH,
        Locale::Vi => VI,
        Locale::Km => KM,
        Locale::My => MY,
    };
    toml::from_str(src).map_err(|e| format!("locales/{}.toml: {e}", locale.as_str()))
}

static TABLES: LazyLock<[Table; 6]> = LazyLock::new(|| {
    Locale::ALL.map(|l| match load(l) {
        Ok(t) => t,
        // Embedded at compile time and checked by the test suite.
        Err(e) => panic!("embedded message table is invalid: {e}"),
    })
});

/// The message table of a locale.
pub fn table(locale: Locale) -> &'static Table {
    &TABLES[locale as usize]
}

/// A message, falling back to English and then to `section.key` itself (never panics).
pub fn text(locale: Locale, section: &str, key: &str) -> &'static str {
    let find = |l: Locale| {
        table(l)
            .get(section)
            .and_then(|s| s.get(key))
            .map(String::as_str)
    };
    find(locale)
        .or_else(|| find(Locale::En))
        .unwrap_or("(missing message)")
}

/// A message if the locale (or English) has it.
pub fn lookup(locale: Locale, section: &str, key: &str) -> Option<&'static str> {
    let find = |l: Locale| {
        table(l)
            .get(section)
            .and_then(|s| s.get(key))
            .map(String::as_str)
    };
    find(locale).or_else(|| find(Locale::En))
}

/// Fills `{name}` placeholders.
pub fn fill(template: &str, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find('}') {
            Some(end) => {
                let name = &after[..end];
                match args.iter().find(|(k, _)| *k == name) {
                    Some((_, v)) => out.push_str(v),
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// An explanation sentence with its placeholders filled.
pub fn explain(locale: Locale, key: &str, args: &[(&str, &str)]) -> String {
    fill(text(locale, "explain", key), args)
}

/// The translated name of an outcome.
pub fn outcome_label(outcome: Outcome, locale: Locale) -> &'static str {
    text(locale, "outcome", outcome.as_str())
}

/// The translated title of a journey stage.
pub fn stage_title(stage: Stage, locale: Locale) -> &'static str {
    text(locale, "stage", stage.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_known_placeholders_only() {
        assert_eq!(
            fill("a {x} b {y} {x}", &[("x", "1"), ("y", "2")]),
            "a 1 b 2 1"
        );
        assert_eq!(fill("keep {unknown} and {", &[]), "keep {unknown} and {");
        assert_eq!(fill("", &[("x", "1")]), "");
    }

    #[test]
    fn lookups_fall_back_and_never_panic() {
        assert_eq!(text(Locale::Id, "stage", "travel"), "Perjalanan");
        assert_eq!(text(Locale::Id, "nope", "nope"), "(missing message)");
        assert_eq!(lookup(Locale::En, "why", "DR2"), None);
        assert_eq!(
            outcome_label(Outcome::SmuggledMigrant, Locale::En),
            "Smuggled migrant"
        );
        assert_eq!(
            stage_title(Stage::Recruitment, Locale::En),
            "How you were recruited"
        );
    }
}
