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
#[cfg(feature = "cli")]
pub(crate) use funclog_json::LineBuf;
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
