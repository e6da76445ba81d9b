//! The periodic de-duplication run (see below).
