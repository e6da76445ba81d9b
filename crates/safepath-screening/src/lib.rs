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
//! - [`profile()`], [`reasonable_grounds_due()`], [`reflection_period_end()`]: jurisdictions.
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
    JurisdictionProfile, Setting, default_profile, profile, profiles, reasonable_grounds_due,
    reflection_period_end,
};
pub use questions::{Question, StageQuestions, indicator_answers, questions};
pub use types::{
    Answer, Clause, Dimension, Form, IndicatorId, Locale, Outcome, Population, Rule, Stage,
    Strength, TraffickingStatus,
};

/// Re-export of the date type used by the date helpers.
pub use time::Date;
