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
//!
//! ## How a run goes
//!
//! 1. **Normalise** each record in parallel ([`normalize`], [`dates`]) into compact
//!    features: interned `u32` ids for strings, a shared token arena, six-byte dates.
//! 2. **Block**: every record gets keys from several families (phonetic name multiset,
//!    name token with birth year or region, token pairs, token prefixes, full birth date
//!    with initials, nationality or region, id number, postcode). Records sharing a key are
//!    candidates; blocks are taken smallest first up to a budget of comparisons per record,
//!    and blocks over `max_block_size` are skipped. [`cli::blocking_recall`] measures the
//!    share of true pairs that blocking keeps.
//! 3. **Train** without labels: `u` from random pairs; `m` by EM in sessions blocked on one
//!    key family at a time, leaving out the fields that family conditions on (as Splink
//!    does); the prior `λ` by EM on the candidates.
//! 4. **Score** each candidate: Σ log2(m/u) per field, term-frequency adjusted for names,
//!    with a per-field explanation and a band (`likely`, `possible`).
//! 5. **Cluster** (de-duplication): best pairs first, refusing merges that would join two
//!    records whose birth dates or id numbers contradict each other and whose own pair
//!    the model scores below the cluster threshold.
//!
//! ## Invariants
//!
//! * No logging, no personal data in errors or summaries (errors name the file, line and
//!   column, never the value).
//! * No `unsafe`, no `unwrap`/`expect` outside tests.
//! * Deterministic: the same input and seed give the same output.

pub mod calibration;
pub mod cli;
pub mod dates;
mod engine;
mod error;
mod features;
pub mod generate;
mod index;
mod model;
pub mod normalize;
pub mod places;
mod settings;
pub mod thai;

pub use calibration::{Calibration, ReliabilityBin, calibration};
pub use engine::{LinkPrior, PriorSource, clusters};
pub use error::MatchError;
pub use features::{Comparator, Record, fields_for};
pub use index::{
    Candidate, INDEX_SCHEME, IndexTerms, MAX_CANDIDATES, MAX_POSTING, MatchIndex, index_terms,
    select_postings, train, train_registry,
};
pub use model::{Band, FieldExplanation, FieldModel, Model, Score, explain_compact};
pub use settings::{Kind, Schema, Settings};
