//! The goapptrace tracing protocol in Rust.
//!
//! * [`gob`]: a general serde codec for Go's `encoding/gob`, byte-exact.
//! * [`cli`]: the `goapptrace-proto` command line.

pub mod cli;
pub mod gob;
pub mod protocol;
