//! SafePath's pure domain: the controlled vocabulary, people and cases, and the
//! need-to-know access policy. Nothing here does I/O or reads a clock; time and
//! randomness are passed in so every rule can be tested exhaustively.

pub mod access;
pub mod case;
pub mod casework;
pub mod error;
pub mod ids;
pub mod justice;
pub mod names;
pub mod org;
pub mod person;
pub mod solutions;
pub mod training;

pub use error::DomainError;
