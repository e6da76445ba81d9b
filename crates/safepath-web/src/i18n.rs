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
