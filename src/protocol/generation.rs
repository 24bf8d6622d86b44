//! The two generations of the protocol, and packets of either.

use std::fmt;
use std::str::FromStr;

use super::era::GoEra;
use super::error::ProtocolError;
use super::frame::{FrameEncoder, write_frame};
use super::limits::OutgoingLimit;
use super::marshal;
use super::packet::{Packet, PacketType};

/// Which encoding a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Generation {
    /// Go's `encoding/gob`, Sept 2017 to Jan 2018.
    #[default]
    Gob,
    /// Go's hand-written binary encoding, Jan 2018 to the final revision.
    Marshal,
}

impl Generation {
    /// The generation a frame payload belongs to, from its first byte: a
    /// marshal payload starts with its packet type (1 to 9), a gob payload
    /// with the length of its first gob message, which is never that small.
    pub fn of_payload(first_byte: u8) -> Generation {
        if (1..=9).contains(&first_byte) {
            Generation::Marshal
        } else {
            Generation::Gob
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Generation::Gob => "gob",
            Generation::Marshal => "marshal",
        }
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown generation {0:?}: expected gob or marshal")]
pub struct UnknownGeneration(pub String);

impl FromStr for Generation {
    type Err = UnknownGeneration;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "gob" => Ok(Generation::Gob),
            "marshal" => Ok(Generation::Marshal),
            other => Err(UnknownGeneration(other.to_string())),
        }
    }
}

/// What a packet is for, whatever its generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    ClientHello,
    ServerHello,
    Log,
    Ping,
    Shutdown,
    StartTraceCmd,
    StopTraceCmd,
    Symbol,
    FuncLog,
}

/// A packet of either generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyPacket {
    Gob(Packet),
    Marshal(marshal::Packet),
}

impl AnyPacket {
    pub fn generation(&self) -> Generation {
        match self {
            AnyPacket::Gob(_) => Generation::Gob,
            AnyPacket::Marshal(_) => Generation::Marshal,
        }
    }

    pub fn kind(&self) -> PacketKind {
        match self {
            AnyPacket::Gob(p) => match p.packet_type() {
                PacketType::ClientHello => PacketKind::ClientHello,
                PacketType::ServerHello => PacketKind::ServerHello,
                PacketType::Log => PacketKind::Log,
                PacketType::Ping => PacketKind::Ping,
                PacketType::Shutdown => PacketKind::Shutdown,
                PacketType::StartTraceCmd => PacketKind::StartTraceCmd,
                PacketType::StopTraceCmd => PacketKind::StopTraceCmd,
                PacketType::Symbol => PacketKind::Symbol,
                PacketType::RawFuncLogNew => PacketKind::FuncLog,
            },
            AnyPacket::Marshal(p) => match p {
                marshal::Packet::ClientHello(_) => PacketKind::ClientHello,
                marshal::Packet::ServerHello(_) => PacketKind::ServerHello,
                marshal::Packet::Ping(_) => PacketKind::Ping,
                marshal::Packet::Shutdown(_) => PacketKind::Shutdown,
                marshal::Packet::StartTraceCmd(_) => PacketKind::StartTraceCmd,
                marshal::Packet::StopTraceCmd(_) => PacketKind::StopTraceCmd,
                marshal::Packet::Symbol(_) => PacketKind::Symbol,
                marshal::Packet::RawFuncLog(_) => PacketKind::FuncLog,
            },
        }
    }

    /// The Go type name of the packet in its generation.
    pub fn go_name(&self) -> &'static str {
        match self {
            AnyPacket::Gob(p) => p.packet_type().go_name(),
            AnyPacket::Marshal(p) => p.go_name(),
        }
    }

    /// The JSON form (the one of the frames commands).
    pub fn to_json(&self) -> String {
        match self {
            AnyPacket::Gob(p) => p.to_json(),
            AnyPacket::Marshal(p) => p.to_json(),
        }
    }

    /// A packet of `generation` from its JSON form.
    pub fn from_json(text: &str, generation: Generation) -> Result<AnyPacket, serde_json::Error> {
        Ok(match generation {
            Generation::Gob => AnyPacket::Gob(Packet::from_json(text)?),
            Generation::Marshal => AnyPacket::Marshal(marshal::Packet::from_json(text)?),
        })
    }

    /// A packet of `generation` from a JSON value.
    pub fn from_json_value(
        value: serde_json::Value,
        generation: Generation,
    ) -> Result<AnyPacket, serde_json::Error> {
        Ok(match generation {
            Generation::Gob => AnyPacket::Gob(serde_json::from_value(value)?),
            Generation::Marshal => AnyPacket::Marshal(serde_json::from_value(value)?),
        })
    }

    /// The protocol version of a hello of either side.
    pub fn hello_version(&self) -> Option<&str> {
        match self {
            AnyPacket::Gob(Packet::ClientHello(p)) => Some(&p.protocol_version),
            AnyPacket::Gob(Packet::ServerHello(p)) => Some(&p.protocol_version),
            AnyPacket::Marshal(marshal::Packet::ClientHello(p)) => Some(&p.protocol_version),
            AnyPacket::Marshal(marshal::Packet::ServerHello(p)) => Some(&p.protocol_version),
            _ => None,
        }
    }

    /// The secret of a client hello.
    pub fn client_secret(&self) -> Option<&str> {
        match self {
            AnyPacket::Gob(Packet::ClientHello(p)) => Some(&p.client_secret),
            AnyPacket::Marshal(marshal::Packet::ClientHello(p)) => Some(&p.client_secret),
            _ => None,
        }
    }

    /// The application name of a client hello.
    pub fn app_name(&self) -> Option<&str> {
        match self {
            AnyPacket::Gob(Packet::ClientHello(p)) => Some(&p.app_name),
            AnyPacket::Marshal(marshal::Packet::ClientHello(p)) => Some(&p.app_name),
            _ => None,
        }
    }

    pub(crate) fn server_hello(generation: Generation, version: String) -> AnyPacket {
        match generation {
            Generation::Gob => {
                AnyPacket::Gob(Packet::ServerHello(super::packet::ServerHelloPacket {
                    protocol_version: version,
                }))
            }
            Generation::Marshal => {
                AnyPacket::Marshal(marshal::Packet::ServerHello(marshal::ServerHelloPacket {
                    protocol_version: version,
                }))
            }
        }
    }

    pub fn ping(generation: Generation) -> AnyPacket {
        match generation {
            Generation::Gob => AnyPacket::Gob(Packet::Ping(Default::default())),
            Generation::Marshal => AnyPacket::Marshal(marshal::Packet::Ping(Default::default())),
        }
    }

    pub fn shutdown(generation: Generation) -> AnyPacket {
        match generation {
            Generation::Gob => AnyPacket::Gob(Packet::Shutdown(Default::default())),
            Generation::Marshal => {
                AnyPacket::Marshal(marshal::Packet::Shutdown(Default::default()))
            }
        }
    }
}

impl From<Packet> for AnyPacket {
    fn from(p: Packet) -> Self {
        AnyPacket::Gob(p)
    }
}

impl From<marshal::Packet> for AnyPacket {
    fn from(p: marshal::Packet) -> Self {
        AnyPacket::Marshal(p)
    }
}

macro_rules! any_from {
    ($($ty:ty),* $(,)?) => {
        $(impl From<$ty> for AnyPacket {
            fn from(p: $ty) -> Self {
                AnyPacket::Gob(p.into())
            }
        })*
    };
}

any_from!(
    super::packet::ClientHelloPacket,
    super::packet::ServerHelloPacket,
    super::packet::PingPacket,
    super::packet::ShutdownPacket,
    super::packet::StartTraceCmdPacket,
    super::packet::StopTraceCmdPacket,
    super::packet::SymbolPacket,
    super::packet::RawFuncLogNewPacket,
);

/// Writes frames of one generation. Gob frames need a type registry that
/// lives as long as the sender; marshal frames need nothing.
pub struct AnyFrameEncoder {
    generation: Generation,
    era: GoEra,
    gob: FrameEncoder,
    limit: OutgoingLimit,
}

impl AnyFrameEncoder {
    /// An encoder of `generation` writing `era`'s bytes, limited to what a
    /// Go peer of that generation receives.
    pub fn new(generation: Generation, era: GoEra) -> Self {
        let limit = OutgoingLimit::for_generation(generation, None);
        let mut gob = FrameEncoder::for_era(era);
        gob.set_limit(limit);
        AnyFrameEncoder {
            generation,
            era,
            gob,
            limit,
        }
    }

    /// Refuses to write frames larger than `limit` allows.
    pub fn set_limit(&mut self, limit: OutgoingLimit) {
        self.limit = limit;
        self.gob.set_limit(limit);
    }

    pub fn generation(&self) -> Generation {
        self.generation
    }

    /// Appends the frame of `packet`, which must be of this generation. A
    /// packet over the limit is an error and leaves `out` as it was.
    pub fn encode(&mut self, packet: &AnyPacket, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        match packet {
            AnyPacket::Gob(p) if self.generation == Generation::Gob => self.gob.encode(p, out),
            AnyPacket::Marshal(p) if self.generation == Generation::Marshal => {
                write_frame(out, p.go_name(), self.limit, |out| {
                    p.encode_payload(out, self.era);
                    Ok(())
                })
            }
            other => Err(ProtocolError::WrongGeneration {
                packet: other.go_name(),
                packet_generation: other.generation(),
                connection: self.generation,
            }),
        }
    }
}

/// Decodes one frame payload of a known generation; a payload of the other
/// generation is an error.
pub fn decode_any_payload(
    payload: &[u8],
    offset: u64,
    generation: Generation,
) -> Result<AnyPacket, ProtocolError> {
    let looks_like = payload
        .first()
        .map(|&b| Generation::of_payload(b))
        .unwrap_or(generation);
    if looks_like != generation {
        return Err(ProtocolError::GenerationMismatch {
            offset,
            frame: looks_like,
            connection: generation,
        });
    }
    match generation {
        Generation::Gob => super::frame::decode_payload(payload, offset).map(AnyPacket::Gob),
        Generation::Marshal => {
            marshal::Packet::decode_payload(payload, offset).map(AnyPacket::Marshal)
        }
    }
}
