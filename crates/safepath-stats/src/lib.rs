//! SafePath's statistics and disclosure control. Pure: no I/O, no clock.
//!
//! The input is a slice of anonymised, person-level [`PersonFact`]s (no names,
//! no identifiers, no exact dates of birth; **persons, not cases**: the caller
//! passes a person whose cases were merged once) plus aggregate inputs for the
//! protection checklist. Everything that leaves this crate for a user has
//! passed disclosure control:
//!
//! * [`sdc`]: contingency tables ([`table`]) with small-cell suppression
//!   (threshold 11 by default, as CTDC), complementary suppression so that a
//!   hidden cell cannot be recovered from the total and the other cells, and a
//!   per-analyst [`sdc::ReleaseHistory`] against which every new table is
//!   audited by linear programming (differencing across filters and periods),
//!   with optional rounding;
//! * [`durations`]: medians and 90th percentiles, withheld for small groups;
//! * [`dp`]: differentially private counts with a privacy-budget ledger;
//! * [`htcds`]: the HTCDS v2.0 export (CSV and JSON) and its validator;
//! * [`kanon`]: CTDC-style k-anonymised microdata;
//! * [`synth`]: differentially private synthetic microdata (DP marginals and
//!   aggregate-seeded synthesis, after Synthetic Data Showcase);
//! * [`checklist`]: the protection checklist computed from aggregates, and
//!   [`checklist_facts`]: its counting rules over what the records say.

pub mod checklist;
pub mod checklist_facts;
pub mod dp;
pub mod durations;
pub mod facts;
pub mod htcds;
pub mod kanon;
mod lp;
pub mod sdc;
pub mod synth;
pub mod table;

pub use facts::{AgeBand, PersonFact};
pub use table::{Dim, Filter, Table, TableSpec, YearMonth};

use thiserror::Error;

/// Default minimum cell size (the CTDC's k = 11).
pub const DEFAULT_THRESHOLD: u64 = 11;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum StatsError {
    /// A parameter is not acceptable; `code` is stable, the message is for people.
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// The release would spend more privacy budget than is left.
    #[error(
        "privacy budget exceeded for {dataset}: asked epsilon {asked_epsilon}, {left_epsilon} left"
    )]
    BudgetExceeded {
        dataset: String,
        asked_epsilon: f64,
        left_epsilon: f64,
    },
    /// The linear-programming audit could not be solved.
    #[error("the disclosure audit could not be completed")]
    Audit,
}

impl StatsError {
    pub fn invalid(code: &'static str, message: impl Into<String>) -> Self {
        StatsError::Invalid {
            code,
            message: message.into(),
        }
    }
    /// A stable code for API answers.
    pub fn code(&self) -> &'static str {
        match self {
            StatsError::Invalid { code, .. } => code,
            StatsError::BudgetExceeded { .. } => "privacy_budget_exceeded",
            StatsError::Audit => "disclosure_audit_failed",
        }
    }
}

pub type Result<T, E = StatsError> = std::result::Result<T, E>;
