//! The goapptrace tracing protocol in Rust.
//!
//! * [`gob`]: a general serde codec for Go's `encoding/gob`, byte-exact.
//! * [`protocol`]: packets, frames and sessions of the goapptrace protocol, free of I/O.
//! * [`net`]: the tokio transport (TCP and Unix sockets): client and server.
//! * [`cli`]: the `goapptrace-proto` command line.

pub mod cli;
pub mod gob;
pub mod net;
pub mod protocol;
