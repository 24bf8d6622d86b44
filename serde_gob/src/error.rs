//! The one error type of the gob codec.

use thiserror::Error;

/// Everything that can go wrong while encoding or decoding gob.
///
/// Decoding errors carry `offset`, the byte offset in the stream where the
/// problem was found, so a person can look at the bytes with `gob dump`.
/// New variants may come: match with a `_` arm.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ends inside a message or a value, or holds no value where
    /// one is required.
    #[error("unexpected end of input at byte {offset}: {context}")]
    UnexpectedEof {
        /// The byte offset in the stream of the read that came up short.
        offset: u64,
        /// What was being read when the input ran out.
        context: &'static str,
    },

    /// The bytes break gob's encoding rules (a bad length prefix, a field
    /// number out of range, a bad type definition, a count past the end of
    /// its message).
    #[error("malformed gob at byte {offset}: {message}")]
    Malformed {
        /// The byte offset in the stream where the problem was found.
        offset: u64,
        /// What is wrong.
        message: String,
    },

    /// The stream's type for a value cannot be decoded into the Rust type
    /// asked for (for example a string where an integer is expected, or an
    /// interface holding a concrete type the Rust enum has no variant for).
    #[error("type mismatch at byte {offset}: expected {expected}, stream has {found}")]
    TypeMismatch {
        /// The byte offset in the stream where the value starts.
        offset: u64,
        /// The Go type the Rust type needs, such as `int32` or `map`.
        expected: String,
        /// The sender's name for the type in the stream.
        found: String,
    },

    /// A `Deserialize` implementation refused a value the stream holds: its
    /// own check (a `try_from` conversion, a validating constructor) or a
    /// missing or repeated field. The bytes themselves are sound.
    #[error("invalid value at byte {offset}: {message}")]
    Invalid {
        /// The stream offset reached when the value was refused.
        offset: u64,
        /// The implementation's message.
        message: String,
    },

    /// A number in the stream does not fit the Rust type it is decoded into,
    /// which Go's decoder refuses too.
    #[error("value out of range at byte {offset}: {value} does not fit in {target}")]
    Overflow {
        /// The byte offset in the stream where the number starts.
        offset: u64,
        /// The number as it came in, as text.
        value: String,
        /// The type it had to fit, such as `int8`, `float32` or `char`.
        target: &'static str,
    },

    /// A value refers to a type id the sender has not defined on this stream.
    #[error("unknown type id {id} at byte {offset}")]
    UnknownTypeId {
        /// The byte offset in the stream where the undefined id was needed.
        offset: u64,
        /// The undefined type id.
        id: i64,
    },

    /// The input needs more than a decoder limit allows: a [`Limits`] bound,
    /// or the length of an array of zeros built for a field the sender left out.
    ///
    /// [`Limits`]: crate::Limits
    #[error("limit exceeded at byte {offset}: {limit} is {max}, input needs {needed}")]
    LimitExceeded {
        /// The byte offset in the stream of the message or value that is too big.
        offset: u64,
        /// The limit's name: `max_message`, `max_depth`, `max_elements` or
        /// `zero array length`.
        limit: &'static str,
        /// The limit's value.
        max: u64,
        /// What the input asked for.
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

    /// Reading the input or writing the output failed.
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
            | Error::Invalid { offset, .. }
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

/// A result whose error is the gob codec's [`Error`](enum@Error).
pub type Result<T, E = Error> = std::result::Result<T, E>;
