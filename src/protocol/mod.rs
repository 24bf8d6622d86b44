//! The goapptrace protocol, free of I/O: packets, frames, versions, and the
//! client and server session state machines. Facts: `shared/spec/goapptrace-wire.md`.

pub mod era;
mod error;
pub mod frame;
pub mod generation;
pub mod limits;
pub mod marshal;
pub mod packet;
pub mod session;
pub mod version;

pub use era::GoEra;
pub use error::ProtocolError;
pub use frame::{FrameDecoder, FrameEncoder};
pub use generation::{AnyFrameEncoder, AnyPacket, Generation, PacketKind, decode_any_payload};
pub use limits::{
    DEFAULT_MAX_INCOMING_FRAME, GOB_PEER_MAX_FRAME, MARSHAL_PEER_MAX_FRAME, OutgoingLimit,
};
pub use packet::*;
pub use session::{
    BadFrame, ClientEvent, ClientSession, ServerEvent, ServerSession, SessionConfig,
};
pub use version::ProtocolVersion;
