//! The gob generation (September 2017 to January 2018): its packets, as
//! the Go tracer declares them, and their payload codec, Go's
//! `encoding/gob`.
//!
//! Each struct carries its Go name (package `protocol` or `logutil`) and Go
//! field names, so that the gob codec writes what Go writes and the JSON
//! form shows what a Go programmer would expect.

use serde::{Deserialize, Serialize};

use crate::gob::Int;

mod codec;
mod fast;

pub use codec::{PayloadDecoder, PayloadEncoder, decode_payload};

/// `protocol.PacketType`: the number in a frame's `HeaderPacket`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PacketType {
    /// Go's `ClientHelloPacketType`: a [`ClientHelloPacket`] follows.
    ClientHello = 1,
    /// Go's `ServerHelloPacketType`: a [`ServerHelloPacket`] follows.
    ServerHello = 2,
    /// Go's `LogPacketType`: a [`LogPacket`] follows.
    Log = 3,
    /// Go's `PingPacketType`: a [`PingPacket`] follows.
    Ping = 4,
    /// Go's `ShutdownPacketType`: a [`ShutdownPacket`] follows.
    Shutdown = 5,
    /// Go's `StartTraceCmdPacketType`: a [`StartTraceCmdPacket`] follows.
    StartTraceCmd = 6,
    /// Go's `StopTraceCmdPacketType`: a [`StopTraceCmdPacket`] follows.
    StopTraceCmd = 7,
    /// Go's `SymbolPacketType`: a [`SymbolPacket`] follows.
    Symbol = 8,
    /// Go's `RawFuncLogNewPacketType`: a [`RawFuncLogNewPacket`] follows.
    RawFuncLogNew = 9,
}

impl PacketType {
    /// The packet type for a header number; 0 (Go's `UnknownPacketType`)
    /// and numbers Go never assigned give `None`.
    pub fn from_code(code: i64) -> Option<Self> {
        use PacketType::*;
        Some(match code {
            1 => ClientHello,
            2 => ServerHello,
            3 => Log,
            4 => Ping,
            5 => Shutdown,
            6 => StartTraceCmd,
            7 => StopTraceCmd,
            8 => Symbol,
            9 => RawFuncLogNew,
            _ => return None,
        })
    }

    /// The number Go gives this packet type, as a `HeaderPacket` carries it.
    pub fn code(self) -> i64 {
        self as i64
    }

    /// The Go type name of the packet struct.
    pub fn go_name(self) -> &'static str {
        use PacketType::*;
        match self {
            ClientHello => "ClientHelloPacket",
            ServerHello => "ServerHelloPacket",
            Log => "LogPacket",
            Ping => "PingPacket",
            Shutdown => "ShutdownPacket",
            StartTraceCmd => "StartTraceCmdPacket",
            StopTraceCmd => "StopTraceCmdPacket",
            Symbol => "SymbolPacket",
            RawFuncLogNew => "RawFuncLogNewPacket",
        }
    }
}

/// `protocol.HeaderPacket`, the first value of every frame.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "protocol.HeaderPacket")]
pub struct HeaderPacket {
    /// `PacketType`: the type of the packet that follows in the frame.
    #[serde(rename = "PacketType")]
    pub packet_type: PacketTypeCode,
}

/// `protocol.PacketType` as it travels: Go's `int64` named type.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.PacketType")]
pub struct PacketTypeCode(pub i64);

/// Packet type 1, client to server: the first packet of a session.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.ClientHelloPacket", default, deny_unknown_fields)]
pub struct ClientHelloPacket {
    /// `AppName`: the traced application's name.
    #[serde(rename = "AppName")]
    pub app_name: String,
    /// `ClientSecret`: the secret the client presents to the server.
    #[serde(rename = "ClientSecret")]
    pub client_secret: String,
    /// `ProtocolVersion`: the client's protocol version (`"1"` from the Go
    /// peers).
    #[serde(rename = "ProtocolVersion")]
    pub protocol_version: String,
}

/// Packet type 2, server to client: the reply to the hello.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.ServerHelloPacket", default, deny_unknown_fields)]
pub struct ServerHelloPacket {
    /// `ProtocolVersion`: the server's protocol version (`"1"` from the Go
    /// peers).
    #[serde(rename = "ProtocolVersion")]
    pub protocol_version: String,
}

/// Packet type 3: declared by Go, never used.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.LogPacket", deny_unknown_fields)]
pub struct LogPacket {}

/// Packet type 4: keep-alive (the Go client sends one every 3 s).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.PingPacket", deny_unknown_fields)]
pub struct PingPacket {}

/// Packet type 5: the sender is about to close.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.ShutdownPacket", deny_unknown_fields)]
pub struct ShutdownPacket {}

/// Packet type 6, server to client: start tracing a function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.StartTraceCmdPacket", default, deny_unknown_fields)]
pub struct StartTraceCmdPacket {
    /// `FuncID`: the function to start tracing, by its id in the symbol table.
    #[serde(rename = "FuncID")]
    pub func_id: FuncId,
    /// `ModuleName`: the module (Go package) of that function.
    #[serde(rename = "ModuleName")]
    pub module_name: String,
}

/// Packet type 7, server to client: stop tracing a function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.StopTraceCmdPacket", default, deny_unknown_fields)]
pub struct StopTraceCmdPacket {
    /// `FuncID`: the function to stop tracing, by its id in the symbol table.
    #[serde(rename = "FuncID")]
    pub func_id: FuncId,
    /// `ModuleName`: the module (Go package) of that function.
    #[serde(rename = "ModuleName")]
    pub module_name: String,
}

/// Packet type 8, client to server: symbols (in this generation only the
/// two exported flags of `logutil.Symbols` travel).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.SymbolPacket", default, deny_unknown_fields)]
pub struct SymbolPacket {
    /// `Symbols`: the symbol table; `None` for Go's nil pointer.
    #[serde(rename = "Symbols")]
    pub symbols: Option<Symbols>,
}

/// Packet type 9, client to server: one function entry or exit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "protocol.RawFuncLogNewPacket", default, deny_unknown_fields)]
pub struct RawFuncLogNewPacket {
    /// `FuncLog`: the record; `None` for Go's nil pointer.
    #[serde(rename = "FuncLog")]
    pub func_log: Option<RawFuncLog>,
}

/// `logutil.FuncID`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename = "logutil.FuncID")]
pub struct FuncId(pub u64);

/// `logutil.FuncStatusID`: a program counter in a traced stack.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename = "logutil.FuncStatusID")]
pub struct FuncStatusId(pub u64);

/// `logutil.RawFuncLogID` (Go `int`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename = "logutil.RawFuncLogID")]
pub struct RawFuncLogId(pub Int);

/// `logutil.TagName`: `"funcStart"` or `"funcEnd"`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename = "logutil.TagName")]
pub struct TagName(pub String);

/// `logutil.Time`: Unix nanoseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename = "logutil.Time")]
pub struct Time(pub i64);

/// `logutil.GID`: a goroutine id.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename = "logutil.GID")]
pub struct Gid(pub i64);

/// `logutil.TxID`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename = "logutil.TxID")]
pub struct TxId(pub u64);

/// `logutil.Symbols`; its function and line tables are unexported in Go
/// and so never travel in this generation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "logutil.Symbols", default, deny_unknown_fields)]
pub struct Symbols {
    /// `Writable`: whether symbols may be added to the table.
    #[serde(rename = "Writable")]
    pub writable: bool,
    /// `KeepID`: whether symbols added to the table keep the ids they carry
    /// instead of being numbered anew.
    #[serde(rename = "KeepID")]
    pub keep_id: bool,
}

/// `logutil.RawFuncLog`: one function entry or exit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "logutil.RawFuncLog", default, deny_unknown_fields)]
pub struct RawFuncLog {
    /// `ID`: the record's number.
    #[serde(rename = "ID")]
    pub id: RawFuncLogId,
    /// `Tag`: `"funcStart"` or `"funcEnd"`, the call's start or its end.
    #[serde(rename = "Tag")]
    pub tag: TagName,
    /// `Timestamp`: when, in Unix nanoseconds.
    #[serde(rename = "Timestamp")]
    pub timestamp: Time,
    /// `Frames`: the call stack, the current frame first, then its caller,
    /// and so on.
    #[serde(rename = "Frames")]
    pub frames: Vec<FuncStatusId>,
    /// `GID`: the goroutine the call ran on.
    #[serde(rename = "GID")]
    pub gid: Gid,
    /// `TxID`: the same in the start and end records of one call.
    #[serde(rename = "TxID")]
    pub tx_id: TxId,
}

/// Any packet of the gob generation. Its serde form is the JSON form of the
/// command line: `"packet"` names the Go type, the other keys are fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "packet")]
pub enum Packet {
    /// Packet type 1, client to server: the hello.
    #[serde(rename = "ClientHelloPacket")]
    ClientHello(ClientHelloPacket),
    /// Packet type 2, server to client: the answer to the hello.
    #[serde(rename = "ServerHelloPacket")]
    ServerHello(ServerHelloPacket),
    /// Packet type 3: declared by Go, never used.
    #[serde(rename = "LogPacket")]
    Log(LogPacket),
    /// Packet type 4: keep-alive.
    #[serde(rename = "PingPacket")]
    Ping(PingPacket),
    /// Packet type 5: the sender is about to close.
    #[serde(rename = "ShutdownPacket")]
    Shutdown(ShutdownPacket),
    /// Packet type 6, server to client: start tracing a function.
    #[serde(rename = "StartTraceCmdPacket")]
    StartTraceCmd(StartTraceCmdPacket),
    /// Packet type 7, server to client: stop tracing a function.
    #[serde(rename = "StopTraceCmdPacket")]
    StopTraceCmd(StopTraceCmdPacket),
    /// Packet type 8, client to server: the symbol table.
    #[serde(rename = "SymbolPacket")]
    Symbol(SymbolPacket),
    /// Packet type 9, client to server: one function entry or exit.
    #[serde(rename = "RawFuncLogNewPacket")]
    RawFuncLogNew(RawFuncLogNewPacket),
}

crate::protocol::json::deserialize_tagged_packet!(Packet {
    "ClientHelloPacket" => ClientHello(ClientHelloPacket),
    "ServerHelloPacket" => ServerHello(ServerHelloPacket),
    "LogPacket" => Log(LogPacket),
    "PingPacket" => Ping(PingPacket),
    "ShutdownPacket" => Shutdown(ShutdownPacket),
    "StartTraceCmdPacket" => StartTraceCmd(StartTraceCmdPacket),
    "StopTraceCmdPacket" => StopTraceCmd(StopTraceCmdPacket),
    "SymbolPacket" => Symbol(SymbolPacket),
    "RawFuncLogNewPacket" => RawFuncLogNew(RawFuncLogNewPacket),
});

impl Packet {
    /// The packet's type, which its frame's `HeaderPacket` announces.
    pub fn packet_type(&self) -> PacketType {
        match self {
            Packet::ClientHello(_) => PacketType::ClientHello,
            Packet::ServerHello(_) => PacketType::ServerHello,
            Packet::Log(_) => PacketType::Log,
            Packet::Ping(_) => PacketType::Ping,
            Packet::Shutdown(_) => PacketType::Shutdown,
            Packet::StartTraceCmd(_) => PacketType::StartTraceCmd,
            Packet::StopTraceCmd(_) => PacketType::StopTraceCmd,
            Packet::Symbol(_) => PacketType::Symbol,
            Packet::RawFuncLogNew(_) => PacketType::RawFuncLogNew,
        }
    }

    /// The packet as one line of JSON, every field shown.
    pub fn to_json(&self) -> String {
        // Packets hold only strings, integers, booleans, options and vectors:
        // serde_json cannot fail on them.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A packet from its JSON form; a missing key means the zero value.
    pub fn from_json(text: &str) -> Result<Packet, serde_json::Error> {
        serde_json::from_str(text)
    }
}

macro_rules! packet_from {
    ($($ty:ty => $variant:ident),* $(,)?) => {
        $(impl From<$ty> for Packet {
            fn from(p: $ty) -> Packet {
                Packet::$variant(p)
            }
        })*
    };
}

packet_from! {
    ClientHelloPacket => ClientHello,
    ServerHelloPacket => ServerHello,
    LogPacket => Log,
    PingPacket => Ping,
    ShutdownPacket => Shutdown,
    StartTraceCmdPacket => StartTraceCmd,
    StopTraceCmdPacket => StopTraceCmd,
    SymbolPacket => Symbol,
    RawFuncLogNewPacket => RawFuncLogNew,
}
