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

/// The clock the app runs on: the one it was given, shifted by an offset
/// that only the demo's seeding moves ([`AppClock::travel_to`]), so that a
/// history lived over months (a return and its follow-ups a year long) is
/// written through the same rules and the same protocol as live use. The
/// offset is zero whenever a request is served.
pub(crate) struct AppClock {
    inner: std::sync::Arc<dyn Clock>,
    shift_ms: std::sync::atomic::AtomicI64,
}

impl AppClock {
    pub(crate) fn new(inner: std::sync::Arc<dyn Clock>) -> Self {
        Self {
            inner,
            shift_ms: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// Moves the app's time to noon of `day` (`None`: back to the given
    /// clock). Only the demo's seeding, before the server answers anyone.
    pub(crate) fn travel_to(&self, day: Option<Date>) {
        let shift = day.map_or(0, |d| {
            let noon = d.with_hms(12, 0, 0).map_or(0, |t| {
                (t.assume_utc().unix_timestamp_nanos() / 1_000_000) as i64
            });
            noon - self.inner.now_ms()
        });
        self.shift_ms
            .store(shift, std::sync::atomic::Ordering::SeqCst);
    }
}

impl AppClock {
    pub(crate) fn now(&self) -> OffsetDateTime {
        let shift = self.shift_ms.load(std::sync::atomic::Ordering::SeqCst);
        self.inner.now() + time::Duration::milliseconds(shift)
    }

    pub(crate) fn now_ms(&self) -> i64 {
        Clock::now_ms(self)
    }

    pub(crate) fn today(&self) -> Date {
        Clock::today(self)
    }
}

impl Clock for AppClock {
    fn now(&self) -> OffsetDateTime {
        AppClock::now(self)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_clock_travels_and_comes_back() {
        let c = AppClock::new(std::sync::Arc::new(SystemClock));
        let today = c.today();
        let then = today - time::Duration::days(400);
        c.travel_to(Some(then));
        assert_eq!(c.today(), then);
        c.travel_to(None);
        assert_eq!(c.today(), today);
        assert!((c.now_ms() - SystemClock.now_ms()).abs() < 5_000);
    }
}
