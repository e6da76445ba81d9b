//! Jurisdiction profiles (`profiles/*.toml`) and the pure date helpers that use them.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Weekday};

use crate::types::Rule;

/// The embedded profile files. To add a jurisdiction, add a file under `profiles/` and a line
/// here; the test suite checks every profile.
const PROFILE_FILES: &[(&str, &str)] = &[
    ("default", include_str!("../profiles/default.toml")),
    ("malaysia", include_str!("../profiles/malaysia.toml")),
    ("philippines", include_str!("../profiles/philippines.toml")),
    ("thailand", include_str!("../profiles/thailand.toml")),
];

/// One setting with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting<T> {
    /// The value in force.
    pub value: T,
    /// The law, guidance or SafePath decision it comes from.
    pub source: String,
    /// Checked against the primary text.
    pub verified: bool,
}

/// The settings of one jurisdiction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JurisdictionProfile {
    /// Profile id, e.g. `philippines`.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The main law.
    pub law: String,
    /// Adult combination rule used when the screening does not name one.
    pub rule: Setting<Rule>,
    /// Whether an adult who cannot protect themselves because of a disability is treated as
    /// a child.
    pub disability_as_child: Setting<bool>,
    /// Target for the reasonable-grounds decision, in working days.
    pub reasonable_grounds_target_working_days: Setting<u32>,
    /// Recovery and reflection period, in calendar days.
    pub reflection_period_days: Setting<u32>,
    /// Interim protection (or custody) order, in days; 0 when not applicable.
    pub interim_protection_order_days: Setting<u32>,
    /// Protection order, in days; 0 when not applicable.
    pub protection_order_days: Setting<u32>,
    /// The time in calendar days after a negative decision within which the person may ask
    /// for it to be reconsidered; 0 when the jurisdiction sets no period.
    pub reconsideration_period_days: Setting<u32>,
}

impl JurisdictionProfile {
    /// Every setting as (name, source, verified), for listing unverified values.
    pub fn provenance(&self) -> [(&'static str, &str, bool); 7] {
        [
            ("rule", &self.rule.source, self.rule.verified),
            (
                "disability_as_child",
                &self.disability_as_child.source,
                self.disability_as_child.verified,
            ),
            (
                "reasonable_grounds_target_working_days",
                &self.reasonable_grounds_target_working_days.source,
                self.reasonable_grounds_target_working_days.verified,
            ),
            (
                "reflection_period_days",
                &self.reflection_period_days.source,
                self.reflection_period_days.verified,
            ),
            (
                "interim_protection_order_days",
                &self.interim_protection_order_days.source,
                self.interim_protection_order_days.verified,
            ),
            (
                "protection_order_days",
                &self.protection_order_days.source,
                self.protection_order_days.verified,
            ),
            (
                "reconsideration_period_days",
                &self.reconsideration_period_days.source,
                self.reconsideration_period_days.verified,
            ),
        ]
    }
}

pub(crate) fn load() -> Result<Vec<JurisdictionProfile>, String> {
    let mut out = Vec::with_capacity(PROFILE_FILES.len());
    for (file, src) in PROFILE_FILES {
        let p: JurisdictionProfile =
            toml::from_str(src).map_err(|e| format!("profiles/{file}.toml: {e}"))?;
        if p.id != *file {
            return Err(format!("profiles/{file}.toml has id `{}`", p.id));
        }
        out.push(p);
    }
    if out.first().is_none_or(|p| p.id != "default") {
        return Err("the first profile must be `default`".into());
    }
    Ok(out)
}

static PROFILES: LazyLock<Vec<JurisdictionProfile>> = LazyLock::new(|| match load() {
    Ok(p) if !p.is_empty() => p,
    Ok(_) => panic!("no jurisdiction profile is embedded"),
    // Embedded at compile time and checked by the test suite.
    Err(e) => panic!("an embedded jurisdiction profile is invalid: {e}"),
});

/// Every embedded profile; `default` first.
pub fn profiles() -> &'static [JurisdictionProfile] {
    &PROFILES
}

/// The profile with this id.
pub fn profile(id: &str) -> Option<&'static JurisdictionProfile> {
    PROFILES.iter().find(|p| p.id == id)
}

/// The `default` profile (Council of Europe minimum).
pub fn default_profile() -> &'static JurisdictionProfile {
    &PROFILES[0]
}

/// The profile for an organisation's country (ISO 3166-1 alpha-3); the
/// default (Council of Europe minimum) where SafePath has no profile.
pub fn profile_for_country(country: &str) -> &'static JurisdictionProfile {
    let id = match country {
        "THA" => "thailand",
        "MYS" => "malaysia",
        "PHL" => "philippines",
        _ => "default",
    };
    profile(id).unwrap_or_else(default_profile)
}

fn is_working_day(d: Date) -> bool {
    !matches!(d.weekday(), Weekday::Saturday | Weekday::Sunday)
}

/// The date by which the reasonable-grounds decision is due: `start` plus the profile's
/// target in working days (Saturdays and Sundays are skipped; public holidays are not known
/// here). The start day itself is not counted. Saturates at the largest representable date.
pub fn reasonable_grounds_due(start: Date, profile: &JurisdictionProfile) -> Date {
    let mut day = start;
    let mut left = profile.reasonable_grounds_target_working_days.value;
    while left > 0 {
        match day.next_day() {
            Some(next) => day = next,
            None => return day,
        }
        if is_working_day(day) {
            left -= 1;
        }
    }
    day
}

/// The date on which the recovery and reflection period ends: `start` plus the profile's
/// period in calendar days (a 30-day period starting on 1 March ends on 31 March). Saturates
/// at the largest representable date.
pub fn reflection_period_end(start: Date, profile: &JurisdictionProfile) -> Date {
    start.saturating_add(Duration::days(i64::from(
        profile.reflection_period_days.value,
    )))
}

/// The last day on which the person may ask for a negative decision taken on `decided_on`
/// to be reconsidered: the profile's period in calendar days after it; `None` when the
/// jurisdiction sets no period. Saturates at the largest representable date.
pub fn reconsideration_deadline(decided_on: Date, profile: &JurisdictionProfile) -> Option<Date> {
    match profile.reconsideration_period_days.value {
        0 => None,
        days => Some(decided_on.saturating_add(Duration::days(i64::from(days)))),
    }
}
