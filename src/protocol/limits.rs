//! Frame size limits, counted in whole frames (the 4-byte length included),
//! and whose they are. The defaults are the real Go peers' own limits
//! (`shared/spec/goapptrace-wire.md`, "Frame size limits of the real Go
//! peers"), so that a frame this side sends is one the Go peer receives, and
//! a frame a Go peer sends is one this side accepts.

use std::fmt;

use super::generation::Generation;

/// The largest frame accepted from a peer by default: 100 MiB, the receive
/// buffer of the marshal-generation Go peers, whose tracers send their whole
/// symbol table in one frame.
pub const DEFAULT_MAX_INCOMING_FRAME: usize = 100 << 20;

/// The largest frame a gob-generation Go peer is certain to receive: its
/// 4096-byte receive buffer needs 256 free bytes before every read, so an
/// unfinished frame of more than 3840 bytes stalls it for good.
pub const GOB_PEER_MAX_FRAME: usize = 3841;

/// The largest frame a marshal-generation Go peer receives: 100 MiB.
pub const MARSHAL_PEER_MAX_FRAME: usize = 100 << 20;

/// The limit on frames sent to the peer, and where it comes from, so that a
/// refusal can say whose limit it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutgoingLimit {
    /// What a gob-generation Go peer reliably receives (the default there).
    GobPeer,
    /// What a marshal-generation Go peer receives (the default there).
    MarshalPeer,
    /// A limit set by the user, in bytes.
    Configured(usize),
}

impl OutgoingLimit {
    /// The limit for a connection of `generation`: the one configured, or
    /// else the Go peer's of that generation.
    pub fn for_generation(generation: Generation, configured: Option<usize>) -> Self {
        match (configured, generation) {
            (Some(max), _) => OutgoingLimit::Configured(max),
            (None, Generation::Gob) => OutgoingLimit::GobPeer,
            (None, Generation::Marshal) => OutgoingLimit::MarshalPeer,
        }
    }

    /// The largest frame allowed, length included.
    pub fn max_frame(self) -> usize {
        match self {
            OutgoingLimit::GobPeer => GOB_PEER_MAX_FRAME,
            OutgoingLimit::MarshalPeer => MARSHAL_PEER_MAX_FRAME,
            OutgoingLimit::Configured(max) => max,
        }
    }
}

impl fmt::Display for OutgoingLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutgoingLimit::GobPeer => write!(
                f,
                "a gob-generation Go peer reliably receives frames up to {GOB_PEER_MAX_FRAME} \
                 bytes (--max-frame-out, or SessionConfig::max_outgoing_frame, raises the \
                 limit for other peers)"
            ),
            OutgoingLimit::MarshalPeer => write!(
                f,
                "a marshal-generation Go peer receives frames up to {MARSHAL_PEER_MAX_FRAME} \
                 bytes (its receive buffer)"
            ),
            OutgoingLimit::Configured(max) => write!(
                f,
                "the outgoing frame limit set for this side is {max} bytes (--max-frame-out, \
                 or SessionConfig::max_outgoing_frame)"
            ),
        }
    }
}
