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
    "different",
];

/// Tolerance in years when an estimated age is involved.
pub const AGE_TOLERANCE: u16 = 2;

/// Compares two partial dates, returning the 1-based level or 0 when either is missing.
///
/// exact: same full date; close: full dates one typo apart (one digit, swapped day and
/// month, or same year and month); partial_equal: equal at the precision both share (one of
/// them partial); approximate: partial dates with years within one, or a year within
/// [`AGE_TOLERANCE`] of an age-estimated year; different: otherwise (two full dates that
/// are not close always differ).
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
            // Two full dates that are neither equal nor one typing error apart disagree.
            return 5;
        }
        let months_ok = a.month == 0 || b.month == 0 || a.month == b.month;
        let days_ok = a.day == 0 || b.day == 0 || a.day == b.day;
        if a.year == b.year && months_ok && days_ok {
            return 3;
        }
        return if a.year.abs_diff(b.year) <= 1 { 4 } else { 5 };
    }
    if a.best_year().abs_diff(b.best_year()) <= AGE_TOLERANCE {
        4
    } else {
        5
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
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1972-01-30")), 5);
        assert_eq!(compare_dates(&d("1990-04-09"), &d("1991-07-30")), 5);
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
        assert_eq!(compare_dates(&est, &d("1999")), 5);
    }
}
