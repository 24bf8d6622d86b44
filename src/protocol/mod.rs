//! The goapptrace protocol, free of I/O: packets, frames, and (later) the
//! session state machines. Facts: `shared/spec/goapptrace-wire.md`.

mod error;
pub mod frame;
pub mod packet;

pub use error::ProtocolError;
pub use frame::{DEFAULT_MAX_FRAME, FrameDecoder, FrameEncoder};
pub use packet::*;
