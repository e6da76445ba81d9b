//! Interface text in English and Indonesian (Fluent files under `locales/`).

use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
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
    pub fn code(&self) -> &'static str {
        self.code
    }
    pub fn has(&self, key: &str) -> bool {
        LOCALES.try_lookup(&self.lang, key).is_some()
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
        assert_eq!(Tr::new("id").day("2026-08-17"), "17 Agustus 2026");
        // Not a date: shown as it is, never mangled.
        for odd in ["", "soon", "2026-xx-01", "26-1-1"] {
            assert_eq!(en.day(odd), odd);
        }
    }
}
