//! Time is passed in, so that rules with deadlines can be tested.

use time::{Date, OffsetDateTime};

pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
    fn now_ms(&self) -> i64 {
        (self.now().unix_timestamp_nanos() / 1_000_000) as i64
    }
    fn today(&self) -> Date {
        self.now().date()
    }
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

pub fn rfc3339(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// A day as notification texts write it ("1 July 2026"): no ISO dates
/// before a reader.
pub fn long_day(d: Date) -> String {
    d.format(time::macros::format_description!(
        "[day padding:none] [month repr:long] [year]"
    ))
    .unwrap_or_default()
}

/// [`long_day`] of an ISO date (`YYYY-MM-DD`); anything else unchanged.
pub fn long_day_of(iso: &str) -> String {
    Date::parse(
        iso,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map(long_day)
    .unwrap_or_else(|_| iso.to_owned())
}

/// A day as `YYYY-MM-DD` (the API's form of a date).
pub fn iso_day(d: time::Date) -> String {
    d.format(time::macros::format_description!("[year]-[month]-[day]"))
        .unwrap_or_default()
}

/// A day written `YYYY-MM-DD` in the field `field` of a request; a clear
/// error naming the field otherwise.
pub(crate) fn parse_day(field: &str, s: &str) -> Result<time::Date, crate::AppError> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| {
        crate::AppError::bad_request(
            "invalid_field",
            format!("{field}: a real date written YYYY-MM-DD"),
        )
    })
}
