//! # safepath-match
//!
//! Record linkage for SafePath: duplicate detection and family tracing, robust to
//! Southeast Asian names. Pure: no I/O except the file interface in [`cli`], no logging.
//!
//! * [`normalize`]: Unicode normalisation, transliteration, particles, nicknames, phonetic key.
//! * [`dates`]: partial dates and estimated ages.
//! * [`Model`]: Fellegi–Sunter with EM, term-frequency adjustment, bands, explanations.
//! * [`MatchIndex`]: search-before-create and tracing queries.
//! * [`cli`]: `link`, `dedupe`, `generate` over CSV files.

pub mod cli;
pub mod dates;
mod engine;
mod error;
mod features;
pub mod generate;
mod index;
mod model;
pub mod normalize;
mod settings;

pub use engine::clusters;
pub use error::MatchError;
pub use features::{Comparator, Record, fields_for};
pub use index::{Candidate, MatchIndex, train};
pub use model::{Band, FieldExplanation, FieldModel, Model, Score, explain_compact};
pub use settings::{Kind, Schema, Settings};
