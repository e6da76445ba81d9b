//! The web pages' form bodies (`application/x-www-form-urlencoded`) decoded
//! into the typed values the handlers use: the case form, the screening
//! context, the family-tracing form and amounts of money as typed.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    safepath_web::fuzzing::decode_forms(data);
});
