//! The policymakers' protection checklist, computed from aggregate inputs.
//!
//! Each item has an id, a title, a definition, its source in the data, a
//! value, a trend against the previous period and a traffic light. An item
//! whose records do not exist yet (modules still being built) is `no_data`;
//! an item about persons whose group is below the threshold is `withheld`.

use crate::durations;
use serde::{Deserialize, Serialize};

/// A count of something among a group, e.g. stays that are open among all stays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Share {
    pub part: u64,
    pub of: u64,
}

/// Shelter places for one group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Places {
    /// `women`, `children`, `men`, `transgender`, `sexual_exploitation`.
    pub group: String,
    pub beds: u64,
}

/// What the checklist is computed from (one period). `None`: the records
/// that would show it do not exist yet.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChecklistInputs {
    /// Organisations with a referral focal point among all organisations.
    pub focal_points: Share,
    /// First responders trained (training records).
    pub trained_responders: Option<u64>,
    pub shelter_places: Vec<Places>,
    /// Stays free to leave (open) among all stays in the period.
    pub open_stays: Share,
    /// Lengths of stays (days).
    pub stay_days: Vec<i64>,
    /// Stays flagged as possible detention.
    pub possible_detentions: u64,
    /// Presumed victims with a health assessment within 7 days.
    pub health_within_7_days: Option<Share>,
    pub legal_aid: Option<Share>,
    pub interpretation: Option<Share>,
    pub permits_granted: Option<u64>,
    pub returns_with_security_assessment: Option<Share>,
    pub returns_with_receiving_agency: Option<Share>,
    pub follow_ups_after_return: Option<Share>,
    pub compensation_awarded: Option<u64>,
    pub compensation_paid: Option<Share>,
    /// Persons with a conclusive decision taken within the time limit.
    pub decisions_on_time: Share,
}

/// A traffic light, or why there is none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Green,
    Amber,
    Red,
    /// Shown as information only (no target).
    Info,
    /// The records do not exist yet.
    NoData,
    /// The group is smaller than the threshold.
    Withheld,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Up,
    Down,
    Flat,
    Unknown,
}

/// One checklist item as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: String,
    pub title: String,
    pub definition: String,
    pub source: String,
    /// A share (0 to 1), a count, or days, per `unit`.
    pub value: Option<f64>,
    /// `share`, `count` or `days`.
    pub unit: String,
    pub trend: Trend,
    pub status: Status,
}

struct Def {
    id: &'static str,
    title: &'static str,
    definition: &'static str,
    source: &'static str,
    unit: &'static str,
    /// Green at or above, amber at or above, else red (shares); `None`: info.
    lights: Option<(f64, f64)>,
    /// Lower values are better (e.g. detention flags).
    lower_is_better: bool,
}

const DEFS: &[Def] = &[
    Def {
        id: "focal_points",
        title: "Agencies with a referral focal point",
        definition: "Share of organisations in SafePath with a named referral focal point.",
        source: "organisations and their focal points",
        unit: "share",
        lights: Some((0.9, 0.6)),
        lower_is_better: false,
    },
    Def {
        id: "trained_responders",
        title: "First responders trained",
        definition: "First responders with a recorded training on identification in the year.",
        source: "training records",
        unit: "count",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "places_women",
        title: "Specialised shelter places for women",
        definition: "Beds in shelters for women.",
        source: "shelter directory",
        unit: "count",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "places_children",
        title: "Specialised shelter places for children",
        definition: "Beds in shelters for children.",
        source: "shelter directory",
        unit: "count",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "places_men",
        title: "Specialised shelter places for men",
        definition: "Beds in shelters for men.",
        source: "shelter directory",
        unit: "count",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "places_transgender",
        title: "Specialised shelter places for transgender persons",
        definition: "Beds in shelters for transgender persons.",
        source: "shelter directory",
        unit: "count",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "places_sexual_exploitation",
        title: "Specialised shelter places for survivors of sexual exploitation",
        definition: "Beds in shelters for survivors of sexual exploitation.",
        source: "shelter directory",
        unit: "count",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "open_stays",
        title: "Shelter stays that are open",
        definition: "Share of shelter stays in the period where the resident is free to leave.",
        source: "shelter stays",
        unit: "share",
        lights: Some((0.95, 0.8)),
        lower_is_better: false,
    },
    Def {
        id: "median_stay",
        title: "Median shelter stay",
        definition: "Median length in days of shelter stays in the period (withheld below the threshold).",
        source: "shelter stays",
        unit: "days",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "possible_detentions",
        title: "Stays flagged as possible detention",
        definition: "Shelter stays longer than the limit or where the resident is not free to leave.",
        source: "shelter stays",
        unit: "count",
        lights: Some((0.0, 0.0)),
        lower_is_better: true,
    },
    Def {
        id: "decisions_on_time",
        title: "Conclusive decisions taken on time",
        definition: "Share of conclusive identification decisions taken within the time limit.",
        source: "identification decisions",
        unit: "share",
        lights: Some((0.9, 0.7)),
        lower_is_better: false,
    },
    Def {
        id: "health_within_7_days",
        title: "Health assessment within 7 days",
        definition: "Share of presumed victims whose needs assessment covered physical health within 7 days of the reasonable-grounds decision.",
        source: "reasonable-grounds decisions; needs assessment (physical health)",
        unit: "share",
        lights: Some((0.9, 0.7)),
        lower_is_better: false,
    },
    Def {
        id: "legal_aid",
        title: "Legal aid provided",
        definition: "Share of the victims identified in the year who received legal aid (at any time).",
        source: "rights and justice: legal aid records; identification decisions",
        unit: "share",
        lights: Some((0.9, 0.6)),
        lower_is_better: false,
    },
    Def {
        id: "interpretation",
        title: "Interpretation provided",
        definition: "Share of the occasions needing interpretation in the year (interviews, hearings) where an interpreter was provided.",
        source: "rights and justice: interpretation records",
        unit: "share",
        lights: Some((0.9, 0.6)),
        lower_is_better: false,
    },
    Def {
        id: "permits_granted",
        title: "Residence permits granted",
        definition: "Residence permits granted to victims in the period (by the year the record last changed).",
        source: "rights and justice: permit records",
        unit: "count",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "returns_security_assessment",
        title: "Returns with a security assessment",
        definition: "Share of returns preceded by a security and risk assessment.",
        source: "durable solutions: recorded returns and removals, repatriation security assessments",
        unit: "share",
        lights: Some((1.0, 0.8)),
        lower_is_better: false,
    },
    Def {
        id: "returns_receiving_agency",
        title: "Returns with a receiving agency",
        definition: "Share of returns with a named receiving agency in the country of return.",
        source: "durable solutions: recorded returns (the receiving partner of a repatriation)",
        unit: "share",
        lights: Some((1.0, 0.8)),
        lower_is_better: false,
    },
    Def {
        id: "follow_ups_after_return",
        title: "Follow-ups achieved after return",
        definition: "Share of the follow-ups after return that fell due (reported or overdue) which reached the person.",
        source: "cross-border handover: the follow-up schedule and the receiving organisation's reports",
        unit: "share",
        lights: Some((0.8, 0.5)),
        lower_is_better: false,
    },
    Def {
        id: "compensation_awarded",
        title: "Compensation awarded",
        definition: "Compensation claims awarded in the period (by the year the claim last changed).",
        source: "rights and justice: compensation claims",
        unit: "count",
        lights: None,
        lower_is_better: false,
    },
    Def {
        id: "compensation_paid",
        title: "Compensation paid",
        definition: "Share of the compensation awards of the period that were paid in full.",
        source: "rights and justice: compensation claims and their payments",
        unit: "share",
        lights: Some((0.8, 0.5)),
        lower_is_better: false,
    },
];

/// A value of one item: missing records, a withheld small group, or a number.
enum V {
    NoData,
    Withheld,
    Num(f64),
}

fn share(s: Share, threshold: u64) -> V {
    if s.of == 0 {
        V::NoData
    } else if s.of < threshold {
        V::Withheld
    } else {
        V::Num(s.part as f64 / s.of as f64)
    }
}

/// Shares of organisations are not about persons: no threshold.
fn org_share(s: Share) -> V {
    share(s, 1)
}

fn value(id: &str, i: &ChecklistInputs, threshold: u64) -> V {
    let opt_share = |s: Option<Share>| s.map_or(V::NoData, |s| share(s, threshold));
    let opt_count = |c: Option<u64>| c.map_or(V::NoData, |c| V::Num(c as f64));
    // A count of victims: a small one is withheld like a small share.
    let persons_count = |c: Option<u64>| match c {
        None => V::NoData,
        Some(c) if c > 0 && c < threshold => V::Withheld,
        Some(c) => V::Num(c as f64),
    };
    let places = |g: &str| {
        let beds: u64 = i
            .shelter_places
            .iter()
            .filter(|p| p.group == g)
            .map(|p| p.beds)
            .sum();
        V::Num(beds as f64)
    };
    match id {
        "focal_points" => org_share(i.focal_points),
        "trained_responders" => opt_count(i.trained_responders),
        "places_women" => places("women"),
        "places_children" => places("children"),
        "places_men" => places("men"),
        "places_transgender" => places("transgender"),
        "places_sexual_exploitation" => places("sexual_exploitation"),
        "open_stays" => share(i.open_stays, threshold),
        "median_stay" => {
            if i.stay_days.is_empty() {
                V::NoData
            } else {
                match durations::summarise(&i.stay_days, threshold, None).median_days {
                    Some(m) => V::Num(m),
                    None => V::Withheld,
                }
            }
        }
        "possible_detentions" => {
            if i.open_stays.of == 0 {
                V::NoData
            } else {
                V::Num(i.possible_detentions as f64)
            }
        }
        "decisions_on_time" => share(i.decisions_on_time, threshold),
        "health_within_7_days" => opt_share(i.health_within_7_days),
        "legal_aid" => opt_share(i.legal_aid),
        "interpretation" => opt_share(i.interpretation),
        "permits_granted" => persons_count(i.permits_granted),
        "returns_security_assessment" => opt_share(i.returns_with_security_assessment),
        "returns_receiving_agency" => opt_share(i.returns_with_receiving_agency),
        "follow_ups_after_return" => opt_share(i.follow_ups_after_return),
        "compensation_awarded" => persons_count(i.compensation_awarded),
        "compensation_paid" => opt_share(i.compensation_paid),
        _ => V::NoData,
    }
}

fn light(def: &Def, v: f64) -> Status {
    match def.lights {
        None => Status::Info,
        Some((green, amber)) if def.lower_is_better => {
            if v <= green {
                Status::Green
            } else if v <= amber + 2.0 {
                Status::Amber
            } else {
                Status::Red
            }
        }
        Some((green, amber)) => {
            if v >= green - 1e-9 {
                Status::Green
            } else if v >= amber - 1e-9 {
                Status::Amber
            } else {
                Status::Red
            }
        }
    }
}

/// The checklist for `current`, with trends against `previous` (the period
/// before, if known). Values about persons use `threshold`.
pub fn compute(
    current: &ChecklistInputs,
    previous: Option<&ChecklistInputs>,
    threshold: u64,
) -> Vec<Item> {
    DEFS.iter()
        .map(|def| {
            let (value, status) = match value(def.id, current, threshold) {
                V::NoData => (None, Status::NoData),
                V::Withheld => (None, Status::Withheld),
                V::Num(x) => (Some(x), light(def, x)),
            };
            let trend = match (value, previous.map(|p| value_of(def.id, p, threshold))) {
                (Some(now), Some(Some(before))) => {
                    if (now - before).abs() < 1e-9 {
                        Trend::Flat
                    } else if now > before {
                        Trend::Up
                    } else {
                        Trend::Down
                    }
                }
                _ => Trend::Unknown,
            };
            Item {
                id: def.id.to_string(),
                title: def.title.to_string(),
                definition: def.definition.to_string(),
                source: def.source.to_string(),
                value,
                unit: def.unit.to_string(),
                trend,
                status,
            }
        })
        .collect()
}

fn value_of(id: &str, i: &ChecklistInputs, threshold: u64) -> Option<f64> {
    match value(id, i, threshold) {
        V::Num(x) => Some(x),
        _ => None,
    }
}

/// The ids of every item, in order.
pub fn ids() -> Vec<&'static str> {
    DEFS.iter().map(|d| d.id).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(items: &'a [Item], id: &str) -> &'a Item {
        items
            .iter()
            .find(|i| i.id == id)
            .unwrap_or_else(|| panic!("{id}"))
    }

    #[test]
    fn items_without_records_have_no_data() {
        let items = compute(&ChecklistInputs::default(), None, 11);
        assert_eq!(items.len(), ids().len());
        for id in [
            "legal_aid",
            "permits_granted",
            "returns_security_assessment",
            "compensation_paid",
        ] {
            assert_eq!(find(&items, id).status, Status::NoData, "{id}");
            assert_eq!(find(&items, id).value, None);
        }
    }

    #[test]
    fn values_lights_and_trends() {
        let now = ChecklistInputs {
            focal_points: Share { part: 9, of: 10 },
            open_stays: Share { part: 18, of: 20 },
            stay_days: (1..=20).collect(),
            possible_detentions: 2,
            legal_aid: Some(Share { part: 3, of: 5 }),
            ..ChecklistInputs::default()
        };
        let before = ChecklistInputs {
            focal_points: Share { part: 5, of: 10 },
            ..ChecklistInputs::default()
        };
        let items = compute(&now, Some(&before), 11);
        let f = find(&items, "focal_points");
        assert_eq!(
            (f.value, f.status, f.trend),
            (Some(0.9), Status::Green, Trend::Up)
        );
        let o = find(&items, "open_stays");
        assert_eq!((o.value, o.status), (Some(0.9), Status::Amber));
        assert_eq!(find(&items, "median_stay").value, Some(10.0));
        assert_eq!(find(&items, "possible_detentions").status, Status::Amber);
        assert_eq!(
            find(&items, "legal_aid").status,
            Status::Withheld,
            "5 persons"
        );
    }
}
