//! Partial dates and estimated ages.

use serde::{Deserialize, Serialize};

/// A date known to the year, the month or the day, and/or a birth year estimated from an age.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartialDate {
    /// Year (0 = unknown).
    pub year: u16,
    /// Month 1–12 (0 = unknown).
    pub month: u8,
    /// Day 1–31 (0 = unknown).
    pub day: u8,
    /// Birth year estimated from an age on a record date (0 = none).
    pub est_year: u16,
}

/// Parses `YYYY`, `YYYY-MM`, `YYYY-MM-DD` (also `YYYYMMDD` and `/` separators).
/// Month and day are two digits at most; `00` means unknown.
/// Returns `Ok(None)` for an empty value and `Err` with a reason for a malformed one.
pub fn parse_date(raw: &str) -> Result<Option<PartialDate>, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        vec![&s[0..4], &s[4..6], &s[6..8]]
    } else {
        s.split(['-', '/']).collect()
    };
    let bad = || {
        format!(
            "date must be YYYY, YYYY-MM or YYYY-MM-DD (got {} characters)",
            s.chars().count()
        )
    };
    if parts.is_empty() || parts.len() > 3 || parts[0].len() != 4 {
        return Err(bad());
    }
    let num = |p: &str| -> Result<u16, String> {
        if p.is_empty() || p.len() > 2 && p.len() != 4 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        p.parse::<u16>().map_err(|_| bad())
    };
    let year = num(parts[0])?;
    if !(1800..=2200).contains(&year) {
        return Err("year out of range 1800–2200".to_string());
    }
    let mut d = PartialDate {
        year,
        ..PartialDate::default()
    };
    // An impossible month or day (a typing error such as 1945-04-93) is kept rather than
    // refused: it still agrees digit by digit with the intended date.
    if let Some(m) = parts.get(1) {
        let m = num(m)?;
        if m > 99 {
            return Err(bad());
        }
        d.month = m as u8;
    }
    if let Some(day) = parts.get(2) {
        let day = num(day)?;
        if day > 99 {
            return Err(bad());
        }
        d.day = day as u8;
    }
    Ok(Some(d))
}

/// Parses an age in years (decimals allowed, e.g. `16.5`).
pub fn parse_age(raw: &str) -> Result<Option<f32>, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<f32>() {
        Ok(a) if (0.0..=130.0).contains(&a) => Ok(Some(a)),
        _ => Err("age must be a number of years between 0 and 130".into()),
    }
}

/// Estimated birth year from an age on a record date.
pub fn estimate_birth_year(age: f32, record: &PartialDate) -> u16 {
    let frac = if record.month > 0 {
        (record.month as f32 - 0.5) / 12.0
    } else {
        0.5
    };
    let y = record.year as f32 + frac - age - 0.5;
    y.round().clamp(0.0, u16::MAX as f32) as u16
}

impl PartialDate {
    /// True when nothing is known.
    pub fn is_missing(&self) -> bool {
        self.year == 0 && self.est_year == 0
    }
    /// True when year, month and day are known.
    pub fn is_full(&self) -> bool {
        self.year > 0 && self.month > 0 && self.day > 0
    }
    /// The best-known birth year (exact year, else the estimate).
    pub fn best_year(&self) -> u16 {
        if self.year > 0 {
            self.year
        } else {
            self.est_year
        }
    }
    fn digits(&self) -> [u8; 8] {
        let y = self.year;
        [
            (y / 1000 % 10) as u8,
            (y / 100 % 10) as u8,
            (y / 10 % 10) as u8,
            (y % 10) as u8,
            self.month / 10,
            self.month % 10,
            self.day / 10,
            self.day % 10,
        ]
    }
}

/// Comparison levels for dates (index into `DATE_LEVELS`, 1-based; 0 = missing).
pub const DATE_LEVELS: &[&str] = &[
    "exact",
    "close",
    "partial_equal",
    "approximate",
    "year_near",
    "different",
    "far_apart",
];

/// Birth years more than this many apart (stated or estimated from ages) are `far_apart`:
/// more than a misremembered year (one or two off), a day and month swapped, or two age
/// estimates each up to three years off (see `docs/names.md`, "Ages and dates").
pub const FAR_YEARS: u16 = 6;

/// The first date level that disagrees (`different`; `far_apart` after it).
pub(crate) const DIFFERENT_LEVEL: u8 = level::DIFFERENT;

/// Tolerance in years when an estimated age is involved.
pub const AGE_TOLERANCE: u16 = 2;

/// Tolerance in years of the weaker `year_near` level when an estimated age is involved.
pub const AGE_FAR_TOLERANCE: u16 = 4;

/// Date levels by meaning.
pub(crate) mod level {
    pub const APPROXIMATE: u8 = 4;
    pub const YEAR_NEAR: u8 = 5;
    pub const DIFFERENT: u8 = 6;
    pub const FAR_APART: u8 = 7;
}

/// Compares two partial dates, returning the 1-based level or 0 when either is missing.
///
/// exact: same full date; close: full dates one typo apart (one digit, swapped day and
/// month, or same year and month); partial_equal: equal at the precision both share (one of
/// them partial); approximate: partial dates with years within one, or a year within
/// [`AGE_TOLERANCE`] of an age-estimated year; year_near: birth years two apart (full or
/// partial dates: a year misremembered or mis-converted), or an age-estimated year within
/// [`AGE_FAR_TOLERANCE`] (ages estimated by different people years apart);
/// different: otherwise. Each is a level with its own m and u.
pub fn compare_dates(a: &PartialDate, b: &PartialDate) -> u8 {
    if a.is_missing() || b.is_missing() {
        return 0;
    }
    if a.year > 0 && b.year > 0 {
        if a.is_full() && b.is_full() {
            if a == b || (a.year, a.month, a.day) == (b.year, b.month, b.day) {
                return 1;
            }
            let diff = a
                .digits()
                .iter()
                .zip(b.digits().iter())
                .filter(|(x, y)| x != y)
                .count();
            let swapped = a.year == b.year && a.month == b.day && a.day == b.month;
            if diff <= 1 || swapped || (a.year == b.year && a.month == b.month) {
                return 2;
            }
            // The same day and month a year or two apart: the year misremembered.
            if a.month == b.month && a.day == b.day && a.year.abs_diff(b.year) <= 2 {
                return if a.year.abs_diff(b.year) <= 1 {
                    level::APPROXIMATE
                } else {
                    level::YEAR_NEAR
                };
            }
            // Two full dates that are neither equal nor one typing error apart disagree.
            return different_or_far(a, b);
        }
        let months_ok = a.month == 0 || b.month == 0 || a.month == b.month;
        let days_ok = a.day == 0 || b.day == 0 || a.day == b.day;
        if a.year == b.year && months_ok && days_ok {
            return 3;
        }
        return match a.year.abs_diff(b.year) {
            0 | 1 => level::APPROXIMATE,
            2 => level::YEAR_NEAR,
            _ => different_or_far(a, b),
        };
    }
    match a.best_year().abs_diff(b.best_year()) {
        d if d <= AGE_TOLERANCE => level::APPROXIMATE,
        d if d <= AGE_FAR_TOLERANCE => level::YEAR_NEAR,
        _ => different_or_far(a, b),
    }
}

/// `different`, or `far_apart` when the best-known birth years are more than
/// [`FAR_YEARS`] apart: a woman born in 1982 and a request for one born in 1990 are
/// stronger evidence of two persons than 1987 and 1990. Each is a level with its own m
/// and u.
fn different_or_far(a: &PartialDate, b: &PartialDate) -> u8 {
    if a.best_year().abs_diff(b.best_year()) > FAR_YEARS {
        level::FAR_APART
    } else {
        level::DIFFERENT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> PartialDate {
        parse_date(s).unwrap().unwrap()
    }

    #[test]
    fn parses_partial_dates() {
        assert_eq!(
            d("1990"),
            PartialDate {
                year: 1990,
                ..Default::default()
            }
        );
        assert_eq!(d("1990-04").month, 4);
        assert_eq!(d("1990-04-09").day, 9);
        assert_eq!(d("19900409"), d("1990-04-09"));
        assert_eq!(parse_date("  ").unwrap(), None);
        assert_eq!(d("1990-13").month, 13); // kept: a typing error, not a malformed file
        assert!(parse_date("1990-1x").is_err());
        assert!(parse_date("1990-123").is_err());
        assert!(parse_date("90-01-01").is_err());
        assert!(parse_date("abcd").is_err());
        assert!(parse_date("1990-01-01-01").is_err());
    }

    #[test]
    fn levels() {
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1990-04-09")), 1);
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1990-04-08")), 2);
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1990-09-04")), 2);
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1990")), 3);
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1990-04")), 3);
        assert_eq!(compare_dates(&d("1990-04"), &d("1990-05")), 4);
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1972-01-30")), 7);
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1986-01-30")), 6);
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1991-07-30")), 6);
        assert_eq!(compare_dates(&d("1990-04"), &d("1991")), 4);
        assert_eq!(compare_dates(&PartialDate::default(), &d("1990")), 0);
    }

    #[test]
    fn estimated_age_uses_tolerance() {
        let rec = d("2024-06-01");
        let est = PartialDate {
            est_year: estimate_birth_year(17.0, &rec),
            ..Default::default()
        };
        assert_eq!(est.est_year, 2007);
        assert_eq!(compare_dates(&est, &d("2006-02-03")), 4);
        assert_eq!(compare_dates(&est, &d("2009")), 4);
        assert_eq!(compare_dates(&est, &d("2002")), 6);
        assert_eq!(compare_dates(&est, &d("1999")), 7);
    }

    /// A birth year off by one or two, and ages estimated years apart, are partial
    /// agreement levels of their own, not disagreement.
    #[test]
    fn years_off_by_one_or_two_are_partial_agreement() {
        // Full dates, the same day and month, the year one or two off.
        assert_eq!(compare_dates(&d("1989-04-09"), &d("1990-04-09")), 4);
        assert_eq!(compare_dates(&d("1988-04-09"), &d("1990-04-09")), 5);
        assert_eq!(compare_dates(&d("1987-04-09"), &d("1990-04-09")), 6);
        // Year-only records two years apart.
        assert_eq!(compare_dates(&d("1988"), &d("1990")), 5);
        assert_eq!(compare_dates(&d("1987"), &d("1990")), 6);
        // An age of 15 recorded in 2019 and of 21 in 2024: estimates 2004 and 2003.
        let est = |age: f32, on: &str| PartialDate {
            est_year: estimate_birth_year(age, &d(on)),
            ..Default::default()
        };
        assert_eq!(
            compare_dates(&est(15.0, "2019-06-01"), &est(21.0, "2024-06-01")),
            4
        );
        // Estimated four years apart: the weaker level; six apart: different.
        assert_eq!(
            compare_dates(&est(15.0, "2019-06-01"), &est(24.0, "2024-06-01")),
            5
        );
        assert_eq!(
            compare_dates(&est(15.0, "2019-06-01"), &est(26.0, "2024-06-01")),
            6
        );
        assert_eq!(DATE_LEVELS[4], "year_near");
    }

    /// Birth years far apart are their own level, apart from years a few apart: the
    /// stated year 1990 and a woman born in 1982 (or estimated at 40 in 2025) are
    /// `far_apart`; 1987 and 1990 only `different`.
    #[test]
    fn years_far_apart_are_their_own_level() {
        assert_eq!(DATE_LEVELS[6], "far_apart");
        assert_eq!(compare_dates(&d("1990"), &d("1982-02-24")), 7);
        assert_eq!(compare_dates(&d("1990"), &d("1987-02-24")), 6);
        assert_eq!(compare_dates(&d("2005-08-24"), &d("1996-06-30")), 7);
        assert_eq!(compare_dates(&d("2005-08-24"), &d("2003-06-30")), 6);
        let est = PartialDate {
            est_year: estimate_birth_year(40.0, &d("2025-06-01")),
            ..Default::default()
        };
        assert_eq!(compare_dates(&est, &d("2006")), 7);
        assert_eq!(compare_dates(&est, &d("1980")), 6);
    }
}
