//! The tokio transport: addresses, a client (trace target) and a server.

mod addr;
mod client;
mod conn;
mod server;

pub use addr::{Address, InvalidAddress};
pub use client::{Client, ClientOptions};
pub use server::{ClientId, Server, ServerEvent, ServerOptions};

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

    #[error(transparent)]
    Protocol(#[from] ProtocolError),

    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
