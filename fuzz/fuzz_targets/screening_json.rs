//! The screening document (`safepath screen`, `POST /api/v1/screenings/evaluate`):
//! any bytes get an evaluation or a coded error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(v) = safepath_screening::evaluate_json(data) {
        // An evaluation is always an object with an outcome.
        assert!(v.get("outcome").is_some(), "{v}");
    }
});
