//! Go's [`net/rpc`](https://pkg.go.dev/net/rpc) in Rust, over
//! [`serde_gob`]: a tokio client that calls Go servers and a server that
//! Go's clients call, on TCP, Unix sockets, and Go's HTTP CONNECT
//! transport.
//!
//! ```no_run
//! use gob_rpc::{Address, Client};
//! use serde::{Deserialize, Serialize};
//! use serde_gob::Int;
//!
//! // Go: type Args struct{ A, B int }
//! #[derive(Serialize, Deserialize)]
//! #[serde(rename = "main.Args")]
//! struct Args {
//!     #[serde(rename = "A")]
//!     a: Int,
//!     #[serde(rename = "B")]
//!     b: Int,
//! }
//!
//! # async fn run() -> Result<(), gob_rpc::Error> {
//! let address: Address = "tcp://127.0.0.1:1234".parse()?;
//! let client = Client::connect(&address).await?;
//! let product: Int = client.call("Arith.Multiply", &Args { a: Int(7), b: Int(8) }).await?;
//! assert_eq!(product, Int(56));
//! # Ok(())
//! # }
//! ```
//!
//! On the wire each direction of a connection is one gob stream of
//! header, body, header, body...: [`Request`] before each call's
//! arguments, [`Response`] before each reply.

#![warn(missing_docs)]

mod addr;
mod client;
mod error;
mod http;
mod server;
mod wire;

pub use addr::{Address, Listener, Stream};
pub use client::Client;
pub use error::{Error, StreamError};
pub use http::DEFAULT_RPC_PATH;
pub use server::Server;
pub use wire::{InvalidRequest, Request, Response};

/// The README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
