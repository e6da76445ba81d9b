//! SafePath screening: the indicator catalogue (as data), the explainable decision engine and
//! the jurisdiction profiles.
//!
//! Pure domain code: no I/O, no clock, no randomness. Dates are passed in.
//!
//! - [`catalogue()`]: the ILO & European Commission operational indicators (2009), the ILO
//!   forced-labour indicators (2012) and HTCDS methods of control cross-walked onto them,
//!   prompt packs per form of exploitation, each value with its source and whether it is
//!   verified.
//! - [`questions()`]: plain-language questions grouped by the person's journey, in English or
//!   Indonesian.
//! - [`evaluate()`] and [`evaluate_json()`]: the rules of `SCREENING.md`, explained.
//! - [`profile()`], [`reasonable_grounds_due()`], [`reflection_period_end()`],
//!   [`reconsideration_deadline()`]: jurisdictions.
//!
//! ```
//! let input = br#"{"age_years": 34, "form": "fishing", "act_established": true,
//!     "indicators": {"DR1": "yes", "DR2": "yes", "EX1": "yes", "EX4": "yes",
//!                    "CD1": "yes", "CD2": "unknown"}}"#;
//! let out = safepath_screening::evaluate_json(input)?;
//! // CD1 alone does not make coercion at destination positive; if CD2 were `yes` it would
//! // (two strong), so the unknown CD2 is decisive and the person is referred.
//! assert_eq!(out["outcome"], "possible_victim_refer");
//! assert_eq!(out["decisive_unknowns"], serde_json::json!(["CD2"]));
//! assert_eq!(out["dimensions"]["DR"]["clause"], "strong_and_medium_or_weak");
//! # Ok::<(), safepath_screening::ScreeningError>(())
//! ```
//!
//! Indicators are not proof: the determination that a person is a victim belongs to the
//! competent authority. Every explanation says so.

mod catalogue;
mod engine;
mod error;
mod json;
mod messages;
mod profile;
mod questions;
mod types;

pub use catalogue::{
    Catalogue, Crosswalk, CrosswalkItem, DimensionInfo, Indicator, ListEntry, ListInfo, PromptPack,
    QuestionDef, catalogue,
};
pub use engine::{Age, DimensionResult, Evaluation, ScreeningInput, Smuggling, evaluate};
pub use error::{ERROR_CODES, ScreeningError};
pub use json::{evaluate_json, parse_input};
pub use messages::{
    explain as explain_message, outcome_label, stage_title, table as message_table,
};
pub use profile::{
    JurisdictionProfile, Setting, default_profile, profile, profile_for_country, profiles,
    reasonable_grounds_due, reconsideration_deadline, reflection_period_end,
};
pub use questions::{Question, StageQuestions, indicator_answers, questions};
pub use types::{
    Answer, Clause, Dimension, Form, IndicatorId, Locale, Outcome, Population, Rule, Stage,
    Strength, TraffickingStatus,
};

/// Re-export of the date type used by the date helpers.
pub use time::Date;
