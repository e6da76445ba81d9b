//! The record-linkage settings file (`safepath match … --settings FILE`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(settings) = safepath_match::Settings::parse(text)
    {
        // Accepted settings are usable: the schema holds together.
        let _ = settings.schema.check();
        let _ = settings.budget(1000);
    }
});
