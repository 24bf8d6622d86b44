//! The goapptrace protocol, free of I/O: packets, frames, versions, and the
//! client and server session state machines. Facts: `shared/spec/goapptrace-wire.md`.

mod error;
pub mod frame;
pub mod generation;
pub mod marshal;
pub mod packet;
pub mod session;
pub mod version;

pub use error::ProtocolError;
pub use frame::{DEFAULT_MAX_FRAME, FrameDecoder, FrameEncoder};
pub use generation::{AnyFrameEncoder, AnyPacket, Generation, PacketKind, decode_any_payload};
pub use packet::*;
pub use session::{ClientEvent, ClientSession, ServerEvent, ServerSession, SessionConfig};
pub use version::ProtocolVersion;
