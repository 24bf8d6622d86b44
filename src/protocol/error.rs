//! The one error type of the protocol layer.

use thiserror::Error;

use super::generation::Generation;
use super::limits::OutgoingLimit;
use crate::gob;

/// What can go wrong with frames and sessions. Offsets count bytes from the
/// start of the byte stream the frames came in.
#[derive(Debug, Error)]
pub enum ProtocolError {
    /// An incoming frame (`len` bytes, its length included) is over this
    /// side's own limit; the stream cannot go on past it.
    #[error(
        "frame at byte {offset} is {len} bytes, over this side's limit of {max} bytes for \
         incoming frames (--max-frame-in, or SessionConfig::max_incoming_frame, raises it)"
    )]
    FrameTooLarge { offset: u64, len: u64, max: u64 },

    /// A packet whose frame is over the outgoing limit; nothing of it was
    /// sent, and the session goes on.
    #[error("this {packet} frame is {len} bytes; {limit}")]
    PacketTooLarge {
        packet: &'static str,
        len: usize,
        limit: OutgoingLimit,
    },

    #[error("frame at byte {offset} has unknown packet type {code}")]
    UnknownPacketType { offset: u64, code: i64 },

    #[error("frame at byte {offset}: header says {header} but the body is {body}")]
    HeaderMismatch {
        offset: u64,
        header: &'static str,
        body: String,
    },

    #[error("frame at byte {offset}: {extra} bytes after the packet")]
    TrailingBytes { offset: u64, extra: u64 },

    /// The gob payload is broken; the gob error's offset counts from the
    /// start of the payload, 4 bytes after the frame's.
    #[error("frame at byte {offset}: payload: {source}")]
    Gob { offset: u64, source: gob::Error },

    #[error("input ends inside the frame at byte {offset} ({have} of {need} bytes)")]
    Truncated { offset: u64, have: u64, need: u64 },

    #[error("frame at byte {offset}: {message}")]
    Invalid { offset: u64, message: String },

    #[error("could not encode {packet}: {source}")]
    Encode {
        packet: &'static str,
        source: gob::Error,
    },

    #[error("the first packet must be {expected}, got {got}")]
    NotHello {
        expected: &'static str,
        got: &'static str,
    },

    #[error("incompatible protocol version {theirs:?} (this side speaks {ours})")]
    IncompatibleVersion { ours: String, theirs: String },

    #[error("wrong client secret")]
    WrongSecret,

    #[error("{packet} may not be sent {direction}")]
    WrongDirection {
        packet: &'static str,
        direction: &'static str,
    },

    #[error("the session is not established yet")]
    NotEstablished,

    #[error("the session is closed")]
    Closed,

    #[error(
        "frame at byte {offset} is of the {frame} generation, the connection speaks {connection}"
    )]
    GenerationMismatch {
        offset: u64,
        frame: Generation,
        connection: Generation,
    },

    #[error(
        "{packet} is a {packet_generation}-generation packet; the connection speaks {connection}"
    )]
    WrongGeneration {
        packet: &'static str,
        packet_generation: Generation,
        connection: Generation,
    },
}

impl ProtocolError {
    /// Whether this is a complete frame, within the limit, whose payload
    /// does not decode. A frame decoder is then already past that frame, so
    /// the stream can go on, as the Go peers go on: they skip such a frame.
    pub fn is_bad_payload(&self) -> bool {
        matches!(
            self,
            ProtocolError::UnknownPacketType { .. }
                | ProtocolError::HeaderMismatch { .. }
                | ProtocolError::TrailingBytes { .. }
                | ProtocolError::Gob { .. }
                | ProtocolError::Invalid { .. }
                | ProtocolError::GenerationMismatch { .. }
        )
    }
}
