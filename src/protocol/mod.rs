//! The goapptrace protocol, free of I/O: packets, frames, versions, and the
//! client and server session state machines. Facts: `shared/spec/goapptrace-wire.md`.
//!
//! * [`gob`] and [`marshal`]: the two generations side by side, each its
//!   packets and its payload codec. The gob generation's packets are also
//!   re-exported here ([`Packet`], [`RawFuncLog`], ...).
//! * [`frame`]: the 4-byte framing of either generation, the detection of a
//!   connection's generation, and [`AnyPacket`], a packet of either.
//! * [`session`]: client and server state machines over frames.
//! * Leaves: [`era`] (whose Go's bytes), [`limits`] (frame sizes, and whose
//!   they are), [`generation`], [`version`], and the one error type.

pub mod era;
mod error;
pub mod frame;
mod funclog_json;
pub mod generation;
pub mod gob;
mod json;
pub mod limits;
pub mod marshal;
pub mod session;
pub mod version;

pub use era::GoEra;
pub use error::ProtocolError;
pub use frame::{
    AnyFrameEncoder, AnyPacket, FrameDecoder, FrameEncoder, PacketKind, decode_any_payload,
};
pub use generation::Generation;
pub use gob::{
    ClientHelloPacket, FuncId, FuncStatusId, Gid, HeaderPacket, LogPacket, Packet, PacketType,
    PacketTypeCode, PingPacket, RawFuncLog, RawFuncLogId, RawFuncLogNewPacket, ServerHelloPacket,
    ShutdownPacket, StartTraceCmdPacket, StopTraceCmdPacket, SymbolPacket, Symbols, TagName, Time,
    TxId,
};
pub use limits::{
    DEFAULT_MAX_INCOMING_FRAME, GOB_PEER_MAX_FRAME, MARSHAL_PEER_MAX_FRAME, OutgoingLimit,
};
pub use session::{
    BadFrame, ClientEvent, ClientSession, ServerEvent, ServerSession, SessionConfig,
};
pub use version::ProtocolVersion;

/// `bytes` as text, if they are UTF-8. A short ASCII string (a funclog's
/// tag, read a million times a second) is told by a plain loop: the
/// general validator's set-up costs several times more on it.
#[inline]
pub(crate) fn utf8(bytes: &[u8]) -> Option<&str> {
    if bytes.len() <= 16 && bytes.iter().all(|&b| b < 0x80) {
        // SAFETY: every byte is below 0x80, so the bytes are ASCII, which
        // is valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}
