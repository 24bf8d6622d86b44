//! The crate's one error type.

use std::io;
use std::sync::Arc;

/// Everything that can go wrong in a call, a connection or a server.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A text that is not an address.
    #[error("invalid address {0:?}: expected tcp://host:port or unix:///path")]
    InvalidAddress(String),

    /// Connecting, binding or accepting failed.
    #[error("{what} {address}: {source}")]
    Network {
        /// What was being done: "cannot connect to", "cannot listen on".
        what: &'static str,
        /// The address, as given.
        address: String,
        /// The operating system's error.
        source: io::Error,
    },

    /// The HTTP CONNECT handshake (`rpc.DialHTTP`, `rpc.HandleHTTP`) failed.
    #[error("HTTP CONNECT handshake failed: {0}")]
    Handshake(String),

    /// The server ran the method and it returned an error (Go's
    /// `rpc.ServerError`), or the server refused the call (an unknown
    /// service or method, arguments it could not decode).
    #[error("{method}: {message}")]
    Server {
        /// The `Service.Method` called.
        method: String,
        /// The server's error text, exactly as it sent it.
        message: String,
    },

    /// The arguments have no gob form (nothing was sent).
    #[error("{method}: cannot encode the arguments: {source}")]
    EncodeArguments {
        /// The `Service.Method` called.
        method: String,
        /// Why.
        source: serde_gob::Error,
    },

    /// The reply arrived but does not decode as the type asked for; the
    /// connection goes on.
    #[error("{method}: the reply does not decode as the type asked for: {source}")]
    DecodeReply {
        /// The `Service.Method` called.
        method: String,
        /// Why.
        source: serde_gob::Error,
    },

    /// The connection is gone (or was closed) before the reply arrived:
    /// every call pending on it gets this at once, and so does every later
    /// call on the same client.
    #[error("{method}: connection is shut down: {reason}")]
    Shutdown {
        /// The `Service.Method` called.
        method: String,
        /// Why the connection ended.
        reason: Arc<str>,
    },

    /// A method name that cannot be registered.
    #[error("cannot register: {0}")]
    Register(String),

    /// The peer's gob stream cannot be read: the connection ends.
    #[error(transparent)]
    Stream(#[from] StreamError),
}

impl Error {
    /// The server's error text, for an error the server answered with.
    pub fn server_message(&self) -> Option<&str> {
        match self {
            Error::Server { message, .. } => Some(message),
            _ => None,
        }
    }
}

/// Why a connection's incoming gob stream ended badly.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StreamError {
    /// Reading from the socket failed.
    #[error("reading from the peer: {0}")]
    Io(#[from] io::Error),

    /// The peer closed the connection in the middle of a message.
    #[error(
        "the peer closed the connection in the middle of a message (at byte {offset} of its stream)"
    )]
    Truncated {
        /// Where the unfinished message starts in the peer's stream.
        offset: u64,
    },

    /// The bytes are not a gob stream (or exceed the limits).
    #[error("bad gob stream from the peer: {0}")]
    Gob(#[source] serde_gob::Error),

    /// A header did not decode as `rpc.Request` or `rpc.Response`.
    #[error("bad {what} header from the peer: {source}")]
    Header {
        /// "request" or "response".
        what: &'static str,
        /// Why.
        source: serde_gob::Error,
    },

    /// A header was not followed by its body.
    #[error("the peer closed the connection after a {what} header, before its body")]
    MissingBody {
        /// "request" or "response".
        what: &'static str,
    },
}
