//! The tokio transport: addresses, a client (trace target) and a server.

mod addr;
mod budget;
mod client;
mod codec;
mod conn;
mod server;

pub use addr::{Address, InvalidAddress};
pub use budget::BudgetStats;
pub use client::{Client, ClientOptions, RetryFn, RetryHook};
pub use codec::{Decoded, FrameCodec};
pub use server::{
    ClientId, Commands, DEFAULT_MEMORY_BUDGET, Server, ServerEvent, ServerOptions, ServerStats,
};

use crate::protocol::ProtocolError;

/// The one error type of the transport.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    /// An address that is neither `tcp://host:port` nor `unix:///path`.
    #[error(transparent)]
    Address(#[from] InvalidAddress),

    /// Every connection attempt failed; `source` is the last failure.
    #[error("cannot connect to {address} after {attempts} attempts: {source}")]
    Connect {
        /// Where the client tried to connect.
        address: Address,
        /// How many attempts were made.
        attempts: u32,
        /// Why the last one failed.
        source: std::io::Error,
    },

    /// The server could not listen on its address.
    #[error("cannot listen on {address}: {source}")]
    Listen {
        /// The address (or range of ports) tried.
        address: String,
        /// Why listening failed.
        source: std::io::Error,
    },

    /// The server did not answer the hello in time.
    #[error("the handshake took longer than {0:?}")]
    HandshakeTimeout(std::time::Duration),

    /// The peer closed the connection; the text says when.
    #[error("the peer closed the connection{0}")]
    PeerClosed(String),

    /// A command for a client that is not connected.
    #[error("no client with id {0}")]
    UnknownClient(u64),

    /// The peer took no byte of those queued for it for the whole write
    /// timeout (it stopped reading); the connection is closed.
    #[error(
        "the peer took no bytes for {0:?}, this side's write timeout (--write-timeout): \
         the frame under way was abandoned and the connection closed"
    )]
    WriteTimeout(std::time::Duration),

    /// A write to the peer was cut off midway, its call cancelled: the
    /// stream can no longer be trusted, and the connection is closed.
    #[error(
        "an earlier write to the peer was cut off midway (the call making it was cancelled): \
         the connection was closed"
    )]
    WriteCut,

    /// A client's next frame is larger than the server's whole memory
    /// budget; its connection is closed.
    #[error(
        "the next frame is {len} bytes, larger than the server's whole memory budget of \
         {budget} bytes for incoming frames (--memory-budget, ServerOptions::memory_budget)"
    )]
    FrameOverBudget {
        /// The frame's size, its length included.
        len: u64,
        /// The server's memory budget.
        budget: usize,
    },

    /// The protocol layer refused: a bad frame, a packet over a limit, a
    /// bad hello, ...
    #[error(transparent)]
    Protocol(#[from] ProtocolError),

    /// A packet of a batch could not be sent; those before it were.
    #[error("packet {index} of the batch: {source}")]
    Batch {
        /// The index of the packet that failed.
        index: usize,
        /// Why it failed.
        source: Box<NetError>,
    },

    /// The socket failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
