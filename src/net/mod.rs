//! The tokio transport: addresses, a client (trace target) and a server.

mod addr;
mod budget;
mod client;
mod codec;
mod conn;
mod server;

pub use addr::{Address, InvalidAddress};
pub use budget::BudgetStats;
pub use client::{Client, ClientOptions};
pub use codec::{Decoded, FrameCodec};
pub use server::{
    ClientId, DEFAULT_MEMORY_BUDGET, Server, ServerEvent, ServerOptions, ServerStats,
};

use crate::protocol::ProtocolError;

/// The one error type of the transport.
#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Address(#[from] InvalidAddress),

    #[error("cannot connect to {address} after {attempts} attempts: {source}")]
    Connect {
        address: Address,
        attempts: u32,
        source: std::io::Error,
    },

    #[error("cannot listen on {address}: {source}")]
    Listen {
        address: String,
        source: std::io::Error,
    },

    #[error("the handshake took longer than {0:?}")]
    HandshakeTimeout(std::time::Duration),

    #[error("the peer closed the connection{0}")]
    PeerClosed(String),

    #[error("no client with id {0}")]
    UnknownClient(u64),

    #[error(
        "the peer took no bytes for {0:?}: the frame under way was abandoned and the \
         connection closed"
    )]
    WriteTimeout(std::time::Duration),

    #[error(
        "the next frame is {len} bytes, larger than the server's whole memory budget of \
         {budget} bytes for incoming frames (--memory-budget, ServerOptions::memory_budget)"
    )]
    FrameOverBudget { len: u64, budget: usize },

    #[error(transparent)]
    Protocol(#[from] ProtocolError),

    /// A packet of a batch could not be sent; those before it were.
    #[error("packet {index} of the batch: {source}")]
    Batch { index: usize, source: Box<NetError> },

    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
