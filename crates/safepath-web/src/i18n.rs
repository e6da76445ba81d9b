//! Interface text in English, Indonesian, Thai, Vietnamese, Khmer and Burmese
//! (Fluent files under `locales/`, one folder per language code).

use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// A value handed to a Fluent message.
#[derive(Debug, Clone)]
pub enum FluentArg {
    Text(String),
    Number(i64),
}

/// The interface languages: code and the language's name in itself, in the
/// order the language switcher offers them.
pub const LANGUAGES: [(&str, &str); 6] = [
    ("en", "English"),
    ("id", "Bahasa Indonesia"),
    ("th", "ไทย"),
    ("vi", "Tiếng Việt"),
    ("km", "ខ្មែរ"),
    ("my", "မြန်မာ"),
];

/// A translator for one language, handed to every template.
#[derive(Debug, Clone)]
pub struct Tr {
    lang: LanguageIdentifier,
    code: &'static str,
}

impl Tr {
    pub fn new(code: &str) -> Self {
        let code: &'static str = LANGUAGES
            .iter()
            .find(|(c, _)| *c == code)
            .map_or("en", |(c, _)| c);
        let lang = code.parse().unwrap_or_default();
        Self { lang, code }
    }
    /// The text for `key`; the key itself when missing (caught by tests).
    /// A day as people read it ("30 September 2026"), from an ISO date or
    /// the date part of an ISO timestamp; anything else unchanged.
    pub fn day(&self, iso: &str) -> String {
        let date = iso.get(..10).unwrap_or(iso);
        let mut parts = date.splitn(3, '-');
        match (parts.next(), parts.next(), parts.next()) {
            (Some(y), Some(m), Some(d))
                if y.len() == 4
                    && [y, m, d]
                        .iter()
                        .all(|p| p.bytes().all(|b| b.is_ascii_digit())) =>
            {
                let d = d.trim_start_matches('0');
                let month = self.t(format!("month-{}", m.trim_start_matches('0')));
                match self.code {
                    // "30 tháng 9 năm 2026"
                    "vi" => format!("{d} {month} năm {y}"),
                    // "2026 ခုနှစ် စက်တင်ဘာ 30 ရက်"
                    "my" => format!("{y} ခုနှစ် {month} {d} ရက်"),
                    // Thai: the Gregorian year (not the Buddhist era), as
                    // docs/translations.md explains.
                    _ => format!("{d} {month} {y}"),
                }
            }
            _ => iso.to_owned(),
        }
    }

    /// A moment as people read it ("4 December 2026, 22:35 UTC"), from an
    /// RFC 3339 timestamp; a bare date as [`Tr::day`].
    pub fn when(&self, ts: &str) -> String {
        match ts.get(11..16) {
            Some(hm) if ts.as_bytes().get(10) == Some(&b'T') => {
                format!("{}, {hm} UTC", self.day(ts))
            }
            _ => self.day(ts),
        }
    }

    /// A label for `code` under `prefix` (`referral-state-` + `pending`);
    /// what was typed, when it is free text and no label exists.
    pub fn label_or(&self, prefix: &str, code: &str) -> String {
        let key = format!("{prefix}{code}");
        if self.has(&key) {
            self.t(key)
        } else {
            code.to_owned()
        }
    }

    pub fn t(&self, key: impl AsRef<str>) -> String {
        let key = key.as_ref();
        LOCALES
            .try_lookup(&self.lang, key)
            .unwrap_or_else(|| key.to_owned())
    }
    /// The text for `key` with Fluent arguments (numbers select plurals).
    pub fn t_args(&self, key: &str, args: &[(&'static str, FluentArg)]) -> String {
        let map: std::collections::HashMap<
            std::borrow::Cow<'static, str>,
            fluent_templates::fluent_bundle::FluentValue,
        > = args
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    FluentArg::Text(s) => s.clone().into(),
                    FluentArg::Number(n) => (*n).into(),
                };
                (std::borrow::Cow::Borrowed(*k), v)
            })
            .collect();
        LOCALES
            .try_lookup_with_args(&self.lang, key, &map)
            .unwrap_or_else(|| key.to_owned())
    }

    /// A moment relative to `today_iso` where that reads better: "today,
    /// 14:05", "yesterday", "3 days ago"; older ones as [`Tr::day`].
    pub fn ago(&self, ts: &str, today_iso: &str) -> String {
        let day_number = |s: &str| -> Option<i64> {
            let d = time::Date::parse(
                s.get(..10)?,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()?;
            Some(i64::from(d.to_julian_day()))
        };
        match (day_number(ts), day_number(today_iso)) {
            (Some(d), Some(t)) if t == d => match ts.get(11..16) {
                Some(hm) => self.t_args("when-today-at", &[("time", FluentArg::Text(hm.into()))]),
                None => self.t("when-today"),
            },
            (Some(d), Some(t)) if t - d == 1 => self.t("when-yesterday"),
            (Some(d), Some(t)) if (2..7).contains(&(t - d)) => {
                self.t_args("when-days-ago", &[("days", FluentArg::Number(t - d))])
            }
            _ => self.day(ts),
        }
    }

    pub fn code(&self) -> &'static str {
        self.code
    }
    /// Every interface language as (code, own name), for the switcher.
    pub fn languages(&self) -> &'static [(&'static str, &'static str)] {
        &LANGUAGES
    }
    /// Whether the catalogue (this language or the fallback) has `key`,
    /// also when the message needs arguments (it does not format without
    /// them, yet it exists).
    pub fn has(&self, key: &str) -> bool {
        if LOCALES.try_lookup(&self.lang, key).is_some() {
            return true;
        }
        let exists = |lang: &LanguageIdentifier| match LOCALES
            .lookup_single_language::<&str>(lang, key, None)
        {
            Ok(_) => true,
            // Found, but a variable is missing: the message exists.
            Err(e) => e.to_string().starts_with("Fluent errors"),
        };
        exists(&self.lang) || exists(LOCALES.fallback())
    }
}

#[cfg(test)]
mod tests {
    use super::{LANGUAGES, Tr};
    use fluent_syntax::ast;
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::{Path, PathBuf};

    fn locales_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("locales")
    }

    /// The `.ftl` file names of a language folder, sorted.
    fn files(code: &str) -> BTreeSet<String> {
        std::fs::read_dir(locales_dir().join(code))
            .map(|dir| {
                dir.filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".ftl"))
                    .collect()
            })
            .unwrap_or_default()
    }

    fn variables_of(e: &ast::Expression<&str>, out: &mut BTreeSet<String>) {
        match e {
            ast::Expression::Select { selector, variants } => {
                inline_variables(selector, out);
                for v in variants {
                    pattern_variables(&v.value, out);
                }
            }
            ast::Expression::Inline(i) => inline_variables(i, out),
        }
    }

    fn inline_variables(i: &ast::InlineExpression<&str>, out: &mut BTreeSet<String>) {
        match i {
            ast::InlineExpression::VariableReference { id } => {
                out.insert(format!("${}", id.name));
            }
            ast::InlineExpression::MessageReference { id, .. } => {
                out.insert(id.name.to_owned());
            }
            ast::InlineExpression::TermReference { id, .. } => {
                out.insert(format!("-{}", id.name));
            }
            ast::InlineExpression::FunctionReference { arguments, .. } => {
                for a in &arguments.positional {
                    inline_variables(a, out);
                }
                for n in &arguments.named {
                    inline_variables(&n.value, out);
                }
            }
            ast::InlineExpression::Placeable { expression } => variables_of(expression, out),
            _ => {}
        }
    }

    fn pattern_variables(p: &ast::Pattern<&str>, out: &mut BTreeSet<String>) {
        for el in &p.elements {
            if let ast::PatternElement::Placeable { expression } = el {
                variables_of(expression, out);
            }
        }
    }

    /// Message id → the placeables it uses (variables, messages, terms,
    /// also in attributes and select variants), for one file; the file
    /// must parse without a single error.
    fn messages(code: &str, file: &str) -> BTreeMap<String, BTreeSet<String>> {
        let path = locales_dir().join(code).join(file);
        let src =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let res = match fluent_syntax::parser::parse(src.as_str()) {
            Ok(res) => res,
            Err((_, errors)) => panic!("{code}/{file} does not parse: {errors:?}"),
        };
        let mut out = BTreeMap::new();
        for entry in &res.body {
            let (id, value, attributes) = match entry {
                ast::Entry::Message(m) => (m.id.name.to_owned(), m.value.as_ref(), &m.attributes),
                ast::Entry::Term(t) => (format!("-{}", t.id.name), Some(&t.value), &t.attributes),
                ast::Entry::Junk { content } => panic!("{code}/{file}: junk {content:?}"),
                _ => continue,
            };
            let mut vars = BTreeSet::new();
            if let Some(v) = value {
                pattern_variables(v, &mut vars);
            }
            for a in attributes {
                vars.insert(format!(".{}", a.id.name));
                pattern_variables(&a.value, &mut vars);
            }
            assert!(
                out.insert(id.clone(), vars).is_none(),
                "{code}/{file}: {id} is defined twice"
            );
        }
        out
    }

    #[test]
    fn every_language_has_every_file_and_message_of_english() {
        let en_files = files("en");
        assert!(en_files.len() >= 9, "English catalogue not found");
        let mut problems = Vec::new();
        for (code, _) in LANGUAGES.iter().filter(|(c, _)| *c != "en") {
            let have = files(code);
            for f in en_files.difference(&have) {
                problems.push(format!("{code}: file {f} is missing"));
            }
            for f in have.difference(&en_files) {
                problems.push(format!("{code}: file {f} is not in en"));
            }
            for f in en_files.intersection(&have) {
                let en = messages("en", f);
                let tr = messages(code, f);
                for (id, vars) in &en {
                    match tr.get(id) {
                        None => problems.push(format!("{code}/{f}: {id} is missing")),
                        Some(v) if v != vars => problems.push(format!(
                            "{code}/{f}: {id} uses {v:?} where English uses {vars:?}"
                        )),
                        Some(_) => {}
                    }
                }
                for id in tr.keys().filter(|id| !en.contains_key(*id)) {
                    problems.push(format!("{code}/{f}: {id} is not in en"));
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }

    #[test]
    fn every_catalogue_parses_and_loads() {
        for (code, _) in LANGUAGES {
            for f in files(code) {
                messages(code, &f);
            }
            // The loader knows the language: a message comes in it, not
            // as the English fallback (the language's name is never English).
            let tr = Tr::new(code);
            assert_eq!(tr.code(), code);
            if code != "en" {
                assert_ne!(tr.t("month-1"), Tr::new("en").t("month-1"), "{code}");
                assert_ne!(tr.t("cases-title"), "cases-title", "{code}");
            }
        }
    }

    #[test]
    fn translations_not_reviewed_say_so_at_the_top() {
        let docs = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/translations.md"),
        )
        .unwrap_or_default();
        for (code, _) in LANGUAGES.iter().filter(|(c, _)| !["en", "id"].contains(c)) {
            for f in files(code) {
                let src =
                    std::fs::read_to_string(locales_dir().join(code).join(&f)).unwrap_or_default();
                let marked = src.starts_with(
                    "# Machine-assisted translation, not yet reviewed by a native speaker.",
                );
                let reviewed = src.starts_with("# Reviewed by a native speaker");
                assert!(marked || reviewed, "{code}/{f} says nothing of its review");
                if marked {
                    assert!(
                        docs.contains(&format!("locales/{code}/")),
                        "docs/translations.md does not list {code}"
                    );
                }
            }
        }
    }

    #[test]
    fn unknown_languages_fall_back_to_english() {
        for odd in ["", "xx", "EN", "th-TH", "zh"] {
            assert_eq!(Tr::new(odd).code(), "en");
        }
    }

    #[test]
    fn days_and_moments_read_as_people_write_them() {
        let en = Tr::new("en");
        assert_eq!(en.day("2026-09-30"), "30 September 2026");
        assert_eq!(en.day("2026-01-05T08:00:00Z"), "5 January 2026");
        assert_eq!(
            en.when("2026-12-04T22:35:10.123Z"),
            "4 December 2026, 22:35 UTC"
        );
        assert_eq!(en.when("2026-12-04"), "4 December 2026");
        assert_eq!(en.ago("2026-12-04T09:05:00Z", "2026-12-04"), "today, 09:05");
        assert_eq!(en.ago("2026-12-03T09:05:00Z", "2026-12-04"), "yesterday");
        assert_eq!(en.ago("2026-12-01T09:05:00Z", "2026-12-04"), "3 days ago");
        assert_eq!(
            en.ago("2026-11-01T09:05:00Z", "2026-12-04"),
            "1 November 2026"
        );
        assert_eq!(
            Tr::new("id").ago("2026-12-01T09:05:00Z", "2026-12-04"),
            "3 hari yang lalu"
        );
        assert_eq!(Tr::new("id").day("2026-08-17"), "17 Agustus 2026");
        assert_eq!(Tr::new("th").day("2026-09-30"), "30 กันยายน 2026");
        assert_eq!(Tr::new("vi").day("2026-09-30"), "30 tháng 9 năm 2026");
        assert_eq!(Tr::new("km").day("2026-09-30"), "30 កញ្ញា 2026");
        assert_eq!(
            Tr::new("my").when("2026-09-30T08:05:00Z"),
            "2026 ခုနှစ် စက်တင်ဘာ 30 ရက်, 08:05 UTC"
        );
        // Not a date: shown as it is, never mangled.
        for odd in ["", "soon", "2026-xx-01", "26-1-1"] {
            assert_eq!(en.day(odd), odd);
        }
    }
}
