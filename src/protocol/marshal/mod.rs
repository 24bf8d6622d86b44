//! The marshal generation (January to August 2018): its packets, and their
//! payload codec, Go's hand-written big-endian encoding. A frame's payload
//! is one byte of packet type, then the body; integers are fixed-width
//! big-endian, strings and slices carry a u64 count first, signed values
//! travel as their two's complement.

use serde::{Deserialize, Serialize};

/// `ClientHelloPacket` of this generation: the hello also names the process.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientHelloPacket {
    #[serde(rename = "PID")]
    pub pid: u64,
    #[serde(rename = "AppName")]
    pub app_name: String,
    #[serde(rename = "Host")]
    pub host: String,
    #[serde(rename = "ClientSecret")]
    pub client_secret: String,
    #[serde(rename = "ProtocolVersion")]
    pub protocol_version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerHelloPacket {
    #[serde(rename = "ProtocolVersion")]
    pub protocol_version: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PingPacket {}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShutdownPacket {}

/// Start tracing a function; the body is JSON `{"FuncName": ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StartTraceCmdPacket {
    #[serde(rename = "FuncName")]
    pub func_name: String,
}

/// Stop tracing a function; the body is JSON `{"FuncName": ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StopTraceCmdPacket {
    #[serde(rename = "FuncName")]
    pub func_name: String,
}

/// Symbols: the fields of Go's embedded symbols data, promoted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SymbolPacket {
    #[serde(rename = "Files")]
    pub files: Vec<String>,
    #[serde(rename = "Mods")]
    pub mods: Vec<GoModule>,
    #[serde(rename = "Funcs")]
    pub funcs: Vec<GoFunc>,
    #[serde(rename = "Lines")]
    pub lines: Vec<GoLine>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoModule {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "MinPC")]
    pub min_pc: u64,
    #[serde(rename = "MaxPC")]
    pub max_pc: u64,
}

/// A function. In Go's struct `Entry` comes first; on the wire `Name` does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoFunc {
    #[serde(rename = "Entry")]
    pub entry: u64,
    #[serde(rename = "Name")]
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoLine {
    #[serde(rename = "PC")]
    pub pc: u64,
    #[serde(rename = "FileID")]
    pub file_id: u32,
    #[serde(rename = "Line")]
    pub line: u32,
}

/// One function entry or exit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawFuncLogPacket {
    #[serde(rename = "FuncLog")]
    pub func_log: RawFuncLog,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawFuncLog {
    #[serde(rename = "ID")]
    pub id: i64,
    /// 0 is funcStart, 1 is funcEnd.
    #[serde(rename = "Tag")]
    pub tag: u8,
    #[serde(rename = "Timestamp")]
    pub timestamp: i64,
    /// Program counters, at most 64 in the Go tracer.
    #[serde(rename = "Frames")]
    pub frames: Vec<u64>,
    #[serde(rename = "GID")]
    pub gid: i64,
    #[serde(rename = "TxID")]
    pub tx_id: u64,
}

/// Any packet of the marshal generation; its serde form is the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "packet")]
pub enum Packet {
    #[serde(rename = "ClientHelloPacket")]
    ClientHello(ClientHelloPacket),
    #[serde(rename = "ServerHelloPacket")]
    ServerHello(ServerHelloPacket),
    #[serde(rename = "PingPacket")]
    Ping(PingPacket),
    #[serde(rename = "ShutdownPacket")]
    Shutdown(ShutdownPacket),
    #[serde(rename = "StartTraceCmdPacket")]
    StartTraceCmd(StartTraceCmdPacket),
    #[serde(rename = "StopTraceCmdPacket")]
    StopTraceCmd(StopTraceCmdPacket),
    #[serde(rename = "SymbolPacket")]
    Symbol(SymbolPacket),
    #[serde(rename = "RawFuncLogPacket")]
    RawFuncLog(RawFuncLogPacket),
}

pub const CLIENT_HELLO: u8 = 1;
pub const SERVER_HELLO: u8 = 2;
pub const LOG: u8 = 3;
pub const PING: u8 = 4;
pub const SHUTDOWN: u8 = 5;
pub const START_TRACE_CMD: u8 = 6;
pub const STOP_TRACE_CMD: u8 = 7;
pub const SYMBOL: u8 = 8;
pub const RAW_FUNC_LOG: u8 = 9;

impl Packet {
    pub fn type_code(&self) -> u8 {
        match self {
            Packet::ClientHello(_) => CLIENT_HELLO,
            Packet::ServerHello(_) => SERVER_HELLO,
            Packet::Ping(_) => PING,
            Packet::Shutdown(_) => SHUTDOWN,
            Packet::StartTraceCmd(_) => START_TRACE_CMD,
            Packet::StopTraceCmd(_) => STOP_TRACE_CMD,
            Packet::Symbol(_) => SYMBOL,
            Packet::RawFuncLog(_) => RAW_FUNC_LOG,
        }
    }

    /// The Go type name of the packet.
    pub fn go_name(&self) -> &'static str {
        match self {
            Packet::ClientHello(_) => "ClientHelloPacket",
            Packet::ServerHello(_) => "ServerHelloPacket",
            Packet::Ping(_) => "PingPacket",
            Packet::Shutdown(_) => "ShutdownPacket",
            Packet::StartTraceCmd(_) => "StartTraceCmdPacket",
            Packet::StopTraceCmd(_) => "StopTraceCmdPacket",
            Packet::Symbol(_) => "SymbolPacket",
            Packet::RawFuncLog(_) => "RawFuncLogPacket",
        }
    }

    pub fn to_json(&self) -> String {
        // Only strings, integers and vectors inside: serde_json cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn from_json(text: &str) -> Result<Packet, serde_json::Error> {
        serde_json::from_str(text)
    }
}

mod codec;

pub use codec::go_json_string;
