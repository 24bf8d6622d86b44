//! Proof of `gob types` on the gob corpus (`../testdata/gob`).
//!
//! `build.rs` generates Rust types from every stream of the corpus with the
//! codec's `codegen`, one module per stream, and `tests/corpus.rs` decodes
//! each stream into its types and encodes the values again, expecting Go's
//! bytes back.
//!
//! The codec is named through this one alias, here and in `build.rs` (which
//! includes this file).

pub use serde_gob;
