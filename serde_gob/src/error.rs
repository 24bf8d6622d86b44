//! The one error type of the gob codec.

use thiserror::Error;

/// Everything that can go wrong while encoding or decoding gob.
///
/// Decoding errors carry `offset`, the byte offset in the stream where the
/// problem was found, so a person can look at the bytes with `gob dump`.
#[derive(Debug, Error)]
pub enum Error {
    #[error("unexpected end of input at byte {offset}: {context}")]
    UnexpectedEof { offset: u64, context: &'static str },

    #[error("malformed gob at byte {offset}: {message}")]
    Malformed { offset: u64, message: String },

    #[error("type mismatch at byte {offset}: expected {expected}, stream has {found}")]
    TypeMismatch {
        offset: u64,
        expected: String,
        found: String,
    },

    #[error("value out of range at byte {offset}: {value} does not fit in {target}")]
    Overflow {
        offset: u64,
        value: String,
        target: &'static str,
    },

    #[error("unknown type id {id} at byte {offset}")]
    UnknownTypeId { offset: u64, id: i64 },

    #[error("limit exceeded at byte {offset}: {limit} is {max}, input needs {needed}")]
    LimitExceeded {
        offset: u64,
        limit: &'static str,
        max: u64,
        needed: u64,
    },

    /// The Rust type cannot be described as a Go type.
    #[error("cannot describe the Rust type as a Go type: {0}")]
    Schema(String),

    /// A value cannot be encoded (for example a nil pointer where Go has none).
    #[error("cannot encode: {0}")]
    Encode(String),

    /// An error reported by a `Serialize` or `Deserialize` implementation.
    #[error("{0}")]
    Custom(String),

    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}

impl Error {
    /// The stream offset the error points at, when it has one.
    pub fn offset(&self) -> Option<u64> {
        match self {
            Error::UnexpectedEof { offset, .. }
            | Error::Malformed { offset, .. }
            | Error::TypeMismatch { offset, .. }
            | Error::Overflow { offset, .. }
            | Error::UnknownTypeId { offset, .. }
            | Error::LimitExceeded { offset, .. } => Some(*offset),
            _ => None,
        }
    }

    pub(crate) fn malformed(offset: u64, message: impl Into<String>) -> Self {
        Error::Malformed {
            offset,
            message: message.into(),
        }
    }
}

impl serde::ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::Custom(msg.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
