//! A CSV file given to `safepath match dedupe` (read, normalised, blocked,
//! trained and clustered) with fixed settings: any bytes are read or refused
//! with a line number, never a panic. Slow (a whole run, some 30 ms, each
//! time): give it the long runs of bench/fuzz/run.sh.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::PathBuf;
use std::sync::OnceLock;

const SETTINGS: &str = r#"
id_column = "id"

[columns]
given_name = "given_name"
family_name = "family_name"
sex = "sex"
birth_date = "birth_date"
age = "age"
record_date = "record_date"
nationality = "nationality"
place = "place"
id_number = "id_number"
"#;

struct Files {
    _dir: tempfile::TempDir,
    settings: PathBuf,
    input: PathBuf,
    output: PathBuf,
}

fn files() -> &'static Files {
    static FILES: OnceLock<Files> = OnceLock::new();
    FILES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let settings = dir.path().join("settings.toml");
        std::fs::write(&settings, SETTINGS).unwrap();
        Files {
            settings,
            input: dir.path().join("input.csv"),
            output: dir.path().join("output.csv"),
            _dir: dir,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let f = files();
    std::fs::write(&f.input, data).unwrap();
    // Odd first byte: `--strict` (stops at the first unreadable value).
    let strict = data.first().is_some_and(|b| b & 1 == 1);
    let _ = safepath_match::cli::dedupe_with(
        &f.input,
        &f.settings,
        &f.output,
        safepath_match::cli::RunOptions { strict },
    );
});
