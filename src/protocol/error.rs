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
    FrameTooLarge {
        /// The stream offset of the frame's length.
        offset: u64,
        /// The size the frame announces, its length included.
        len: u64,
        /// This side's limit on incoming frames, length included.
        max: u64,
    },

    /// A packet whose frame is over the outgoing limit; nothing of it was
    /// sent, and the session goes on.
    #[error("this {packet} frame is {len} bytes; {limit}")]
    PacketTooLarge {
        /// The Go type name of the packet.
        packet: &'static str,
        /// The size its frame would have, length included.
        len: usize,
        /// The limit the frame is over, and whose it is.
        limit: OutgoingLimit,
    },

    /// A frame's packet type is none of 1 to 9: the `HeaderPacket`'s
    /// `PacketType` in the gob generation, the first payload byte in the
    /// marshal generation.
    #[error("frame at byte {offset} has unknown packet type {code}")]
    UnknownPacketType {
        /// The stream offset of the frame's length.
        offset: u64,
        /// The packet type number the frame carries.
        code: i64,
    },

    /// A gob frame whose packet is not of the type its `HeaderPacket`
    /// announces.
    #[error("frame at byte {offset}: header says {header} but the body is {body}")]
    HeaderMismatch {
        /// The stream offset of the frame's length.
        offset: u64,
        /// The Go type name the header announces.
        header: &'static str,
        /// The sender's name for the type of the value that follows it.
        body: String,
    },

    /// A frame's payload goes on after its packet.
    #[error("frame at byte {offset}: {extra} bytes after the packet")]
    TrailingBytes {
        /// The stream offset of the frame's length.
        offset: u64,
        /// How many bytes follow the packet.
        extra: u64,
    },

    /// The gob payload is broken; the gob error's offset counts from the
    /// start of the payload, 4 bytes after the frame's.
    #[error("frame at byte {offset}: payload: {source}")]
    Gob {
        /// The stream offset of the frame's length.
        offset: u64,
        /// The gob codec's error.
        source: gob::Error,
    },

    /// The input ended inside a frame.
    #[error("input ends inside the frame at byte {offset} ({have} of {need} bytes)")]
    Truncated {
        /// The stream offset of the unfinished frame's length.
        offset: u64,
        /// How many bytes of the frame arrived.
        have: u64,
        /// The frame's size, its length included (4 while the length itself
        /// is incomplete).
        need: u64,
    },

    /// A frame's payload is not a valid packet for a reason no other variant
    /// names: for example a gob payload that does not start with a
    /// `HeaderPacket`, or a marshal payload that ends inside a field.
    #[error("frame at byte {offset}: {message}")]
    Invalid {
        /// The stream offset of the frame's length.
        offset: u64,
        /// What is wrong.
        message: String,
    },

    /// A packet could not be encoded as gob.
    #[error("could not encode {packet}: {source}")]
    Encode {
        /// The Go type name of the packet.
        packet: &'static str,
        /// The gob codec's error.
        source: gob::Error,
    },

    /// The first packet of a session is not the hello it must be, or a
    /// client session was started with a packet that is not a ClientHello.
    #[error("the first packet must be {expected}, got {got}")]
    NotHello {
        /// The Go type name of the hello required.
        expected: &'static str,
        /// The Go type name of the packet that came instead.
        got: &'static str,
    },

    /// The peer's hello carries a protocol version that does not parse or
    /// whose major number differs from this side's.
    #[error("incompatible protocol version {theirs:?} (this side speaks {ours})")]
    IncompatibleVersion {
        /// This side's protocol version.
        ours: String,
        /// The version string of the peer's hello.
        theirs: String,
    },

    /// The client's hello does not carry the secret the server requires.
    #[error("wrong client secret")]
    WrongSecret,

    /// A packet received, or to be sent, goes in a direction the protocol
    /// does not allow (for example a SymbolPacket from the server).
    #[error("{packet} may not be sent {direction}")]
    WrongDirection {
        /// The Go type name of the packet.
        packet: &'static str,
        /// The direction it came or was to go: `from client to server` or
        /// `from server to client`.
        direction: &'static str,
    },

    /// A packet was to be sent before the hellos were exchanged.
    #[error("the session is not established yet")]
    NotEstablished,

    /// A packet was to be sent on a closed session.
    #[error("the session is closed")]
    Closed,

    /// A frame whose first payload byte belongs to the other generation than
    /// the one the connection speaks.
    #[error(
        "frame at byte {offset} is of the {frame} generation, the connection speaks {connection}"
    )]
    GenerationMismatch {
        /// The stream offset of the frame's length.
        offset: u64,
        /// The generation the frame's first payload byte indicates.
        frame: Generation,
        /// The generation the connection speaks.
        connection: Generation,
    },

    /// A packet of one generation was to be sent on a connection of the
    /// other.
    #[error(
        "{packet} is a {packet_generation}-generation packet; the connection speaks {connection}"
    )]
    WrongGeneration {
        /// The Go type name of the packet.
        packet: &'static str,
        /// The packet's generation.
        packet_generation: Generation,
        /// The generation the connection speaks.
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
