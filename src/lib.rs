//! The goapptrace tracing protocol in Rust.
//!
//! * [`gob`]: the serde codec for Go's `encoding/gob` this protocol is built
//!   on, byte-exact with Go: the crate [`serde_gob`], re-exported.
//! * [`protocol`]: packets, frames and sessions of the goapptrace protocol,
//!   free of I/O, in both generations.
//! * [`storage`]: the gob files of the final Go goapptrace: the compact
//!   log a tracer writes when it cannot reach a server, and the log store's
//!   symbol and index files.
//! * [`net`] (feature `net`, on by default): the tokio transport over TCP
//!   and Unix sockets: client, server, and a `tokio_util` codec for frames.
//! * [`cli`] (feature `cli`, on by default): the `goapptrace-proto` command
//!   line.
//!
//! With `--no-default-features` the crate is the protocol alone, with no
//! tokio and no clap.

#![warn(missing_docs)]

pub use serde_gob as gob;

#[cfg(feature = "cli")]
pub mod cli;
#[cfg(feature = "net")]
pub mod net;
pub mod protocol;
pub mod storage;
