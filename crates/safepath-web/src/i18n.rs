//! Interface text in English and Indonesian (Fluent files under `locales/`).

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

/// A translator for one language, handed to every template.
#[derive(Debug, Clone)]
pub struct Tr {
    lang: LanguageIdentifier,
    code: &'static str,
}

impl Tr {
    pub fn new(code: &str) -> Self {
        let code: &'static str = if code == "id" { "id" } else { "en" };
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
                format!(
                    "{} {} {y}",
                    d.trim_start_matches('0'),
                    self.t(format!("month-{}", m.trim_start_matches('0')))
                )
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
    use super::Tr;

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
        // Not a date: shown as it is, never mangled.
        for odd in ["", "soon", "2026-xx-01", "26-1-1"] {
            assert_eq!(en.day(odd), odd);
        }
    }
}
