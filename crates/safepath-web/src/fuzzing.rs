//! Entry points for the fuzz targets (`fuzz/fuzz_targets/web_forms.rs`),
//! compiled only with the `fuzzing` feature: the form bodies the pages
//! receive, decoded as the handlers decode them.

use crate::case_pages::CaseFormValues;
use crate::i18n::Tr;
use crate::ui::Fields;

/// Decodes one `application/x-www-form-urlencoded` body as each form would:
/// the case form (and its person, validated), the screening context, the
/// family-tracing form, and every field as an amount of money.
pub fn decode_forms(body: &[u8]) {
    let f = Fields::parse(body);
    let case = CaseFormValues::from_fields(&f);
    if let Ok(person) = case.person(&[]) {
        let _ = person.validated(time::macros::date!(2026 - 06 - 15));
    }
    let _ = case.forms();
    let _ = case.status();
    let _ = crate::identification::Context::from(&f).check(&Tr::new("en"));
    let _ = crate::tracing::FormValues::from_fields(&f).to_request();
    crate::documents::check_upload_rules(body);
    for (_, v) in f.pairs() {
        for exponent in [0, 2, 3] {
            let _ = crate::justice::parse_amount(v, exponent);
        }
    }
}
