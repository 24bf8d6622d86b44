//! The goapptrace tracing protocol in Rust.
//!
//! [`gob`] is a general codec for Go's `encoding/gob`.

pub mod gob;
