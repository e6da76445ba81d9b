//! The anonymised, person-level input of every statistic.

use serde::{Deserialize, Serialize};

/// One person (not one case: merged duplicates are passed once), described
/// only by the non-identifying facts that statistics need. No names, no
/// identifiers, no contact, no exact birth date: an age band only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonFact {
    /// `female`, `male`, `intersex` or `unknown`.
    pub sex: String,
    /// SafePath's gender identity value (`woman`, `man`, `transgender_woman`,
    /// `transgender_man`, `non_binary`, `other`, `not_disclosed`).
    pub gender_identity: String,
    pub age_band: AgeBand,
    /// ISO 3166 codes (SafePath uses alpha-3), the first is the main one.
    pub nationalities: Vec<String>,
    /// HTCDS forms of exploitation as SafePath names them (`forced_labour`, …).
    pub forms: Vec<String>,
    /// Case status (`referred`, `presumed_victim`, `identified`, …).
    pub status: String,
    /// Year and month the person was first registered.
    pub year: i32,
    pub month: u8,
    /// The organisation that holds the person's case (an opaque key).
    pub org: String,
    /// The organisation's region (an opaque key, `unknown` when not known).
    pub region: String,
    /// Day number (days since 1970-01-01) of the registration/referral.
    pub referred_day: i64,
    /// Day number of the reasonable-grounds decision, if taken.
    pub rg_decided_day: Option<i64>,
    /// Day number of the conclusive decision, if taken.
    pub conclusive_decided_day: Option<i64>,
    /// Whether the conclusive decision found the person a victim.
    pub conclusive_positive: Option<bool>,
}

impl PersonFact {
    /// The main nationality, or `unknown`.
    pub fn nationality(&self) -> &str {
        self.nationalities
            .first()
            .map(String::as_str)
            .unwrap_or("unknown")
    }
    /// The form of exploitation as one category: the form, `multiple` when
    /// more than one is recorded, `unknown` when none is (tables stay additive:
    /// every person is in exactly one cell).
    pub fn form(&self) -> &str {
        match self.forms.as_slice() {
            [] => "unknown",
            [one] => one,
            _ => "multiple",
        }
    }
}

/// Age bands at registration. Children are always kept apart from adults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBand {
    #[serde(rename = "0-11")]
    Age0To11,
    #[serde(rename = "12-17")]
    Age12To17,
    #[serde(rename = "18-24")]
    Age18To24,
    #[serde(rename = "25-34")]
    Age25To34,
    #[serde(rename = "35-44")]
    Age35To44,
    #[serde(rename = "45+")]
    Age45Plus,
    Unknown,
}

impl AgeBand {
    pub const ALL: [AgeBand; 7] = [
        AgeBand::Age0To11,
        AgeBand::Age12To17,
        AgeBand::Age18To24,
        AgeBand::Age25To34,
        AgeBand::Age35To44,
        AgeBand::Age45Plus,
        AgeBand::Unknown,
    ];

    /// The band of an age in whole years (`None`: unknown).
    pub fn from_age(age: Option<u32>) -> Self {
        match age {
            None => AgeBand::Unknown,
            Some(0..=11) => AgeBand::Age0To11,
            Some(12..=17) => AgeBand::Age12To17,
            Some(18..=24) => AgeBand::Age18To24,
            Some(25..=34) => AgeBand::Age25To34,
            Some(35..=44) => AgeBand::Age35To44,
            Some(_) => AgeBand::Age45Plus,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            AgeBand::Age0To11 => "0-11",
            AgeBand::Age12To17 => "12-17",
            AgeBand::Age18To24 => "18-24",
            AgeBand::Age25To34 => "25-34",
            AgeBand::Age35To44 => "35-44",
            AgeBand::Age45Plus => "45+",
            AgeBand::Unknown => "unknown",
        }
    }
    /// The coarser grouping used to generalise microdata: child, adult, unknown.
    pub fn broad(self) -> &'static str {
        match self {
            AgeBand::Age0To11 | AgeBand::Age12To17 => "0-17",
            AgeBand::Unknown => "unknown",
            _ => "18+",
        }
    }
    pub fn is_child(self) -> bool {
        matches!(self, AgeBand::Age0To11 | AgeBand::Age12To17)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn age_bands_keep_children_apart() {
        assert_eq!(AgeBand::from_age(Some(17)), AgeBand::Age12To17);
        assert_eq!(AgeBand::from_age(Some(18)), AgeBand::Age18To24);
        assert_eq!(AgeBand::from_age(None).as_str(), "unknown");
        assert!(AgeBand::from_age(Some(5)).is_child());
        assert_eq!(AgeBand::from_age(Some(70)).broad(), "18+");
    }
}
