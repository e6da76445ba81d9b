//! The web tests: the whole app in process, driven through HTTP as a client
//! would, one module per capability. One test binary rather than one per
//! file: each binary links the whole application (about 140 MB with line
//! tables), and thirty of them filled a CI machine's disk.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

mod access_matrix;
mod accounts;
mod agreements;
mod break_glass;
mod case_list;
mod cases;
mod casework;
mod casework_forms;
mod decisions;
mod dedupe;
mod directory;
mod documents;
mod handover_two_servers;
mod justice;
mod justice_oversight;
mod key_rotation;
mod letters;
mod menus;
mod notifications;
mod org_audit;
mod password;
mod platform;
mod print;
mod referral_network;
mod residents;
mod returns;
mod screenings;
mod sign_in;
mod stats;
mod tracing;
mod trainings;
mod trust;
