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
    /// `PID`: the traced process's id.
    #[serde(rename = "PID")]
    pub pid: u64,
    /// `AppName`: the traced application's name.
    #[serde(rename = "AppName")]
    pub app_name: String,
    /// `Host`: the name of the host the traced process runs on.
    #[serde(rename = "Host")]
    pub host: String,
    /// `ClientSecret`: the secret the client presents to the server.
    #[serde(rename = "ClientSecret")]
    pub client_secret: String,
    /// `ProtocolVersion`: the client's protocol version (`"1"` from the Go
    /// peers).
    #[serde(rename = "ProtocolVersion")]
    pub protocol_version: String,
}

/// `ServerHelloPacket` of this generation: the reply to the hello.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerHelloPacket {
    /// `ProtocolVersion`: the server's protocol version (`"1"` from the Go
    /// peers).
    #[serde(rename = "ProtocolVersion")]
    pub protocol_version: String,
}

/// `PingPacket`: keep-alive (the Go client sends one every 3 s); empty body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PingPacket {}

/// `ShutdownPacket`: the sender is about to close; empty body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShutdownPacket {}

/// Start tracing a function; the body is JSON `{"FuncName": ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StartTraceCmdPacket {
    /// `FuncName`: the name of the function to start tracing.
    #[serde(rename = "FuncName")]
    pub func_name: String,
}

/// Stop tracing a function; the body is JSON `{"FuncName": ...}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StopTraceCmdPacket {
    /// `FuncName`: the name of the function to stop tracing.
    #[serde(rename = "FuncName")]
    pub func_name: String,
}

/// Symbols: the fields of Go's embedded symbols data, promoted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SymbolPacket {
    /// `Files`: the source file names, indexed by [`GoLine::file_id`].
    #[serde(rename = "Files")]
    pub files: Vec<String>,
    /// `Mods`: the traced program's modules.
    #[serde(rename = "Mods")]
    pub mods: Vec<GoModule>,
    /// `Funcs`: the traced program's functions.
    #[serde(rename = "Funcs")]
    pub funcs: Vec<GoFunc>,
    /// `Lines`: the source positions of program counters.
    #[serde(rename = "Lines")]
    pub lines: Vec<GoLine>,
}

/// `GoModule`: a module of the traced program, a range of program counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoModule {
    /// `Name`: the module's name; often empty (as of Go 1.10 most programs
    /// have one module, unnamed).
    #[serde(rename = "Name")]
    pub name: String,
    /// `MinPC`: the lower end of the module's program counters.
    #[serde(rename = "MinPC")]
    pub min_pc: u64,
    /// `MaxPC`: the upper end of the module's program counters.
    #[serde(rename = "MaxPC")]
    pub max_pc: u64,
}

/// A function. In Go's struct `Entry` comes first; on the wire `Name` does.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoFunc {
    /// `Entry`: the function's entry point, a program counter.
    #[serde(rename = "Entry")]
    pub entry: u64,
    /// `Name`: the function's full name, such as
    /// `github.com/yuuki0xff/goapptrace.main`.
    #[serde(rename = "Name")]
    pub name: String,
}

/// `GoLine`: the source position of a program counter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GoLine {
    /// `PC`: the program counter.
    #[serde(rename = "PC")]
    pub pc: u64,
    /// `FileID`: the source file, an index into [`SymbolPacket::files`].
    #[serde(rename = "FileID")]
    pub file_id: u32,
    /// `Line`: the line number in that file.
    #[serde(rename = "Line")]
    pub line: u32,
}

/// One function entry or exit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawFuncLogPacket {
    /// `FuncLog`: the record.
    #[serde(rename = "FuncLog")]
    pub func_log: RawFuncLog,
}

/// `RawFuncLog` of this generation: one function start or end record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RawFuncLog {
    /// `ID`: the record's number.
    #[serde(rename = "ID")]
    pub id: i64,
    /// 0 is funcStart, 1 is funcEnd.
    #[serde(rename = "Tag")]
    pub tag: u8,
    /// `Timestamp`: when, in Unix nanoseconds.
    #[serde(rename = "Timestamp")]
    pub timestamp: i64,
    /// Program counters, at most 64 in the Go tracer.
    #[serde(rename = "Frames")]
    pub frames: Vec<u64>,
    /// `GID`: the goroutine the call ran on.
    #[serde(rename = "GID")]
    pub gid: i64,
    /// `TxID`: the same in the start and end records of one call.
    #[serde(rename = "TxID")]
    pub tx_id: u64,
}

/// Any packet of the marshal generation; its serde form is the JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "packet")]
pub enum Packet {
    /// Packet type 1, client to server: the hello.
    #[serde(rename = "ClientHelloPacket")]
    ClientHello(ClientHelloPacket),
    /// Packet type 2, server to client: the answer to the hello.
    #[serde(rename = "ServerHelloPacket")]
    ServerHello(ServerHelloPacket),
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
    #[serde(rename = "RawFuncLogPacket")]
    RawFuncLog(RawFuncLogPacket),
}

/// The packet type byte of a [`ClientHelloPacket`].
pub const CLIENT_HELLO: u8 = 1;
/// The packet type byte of a [`ServerHelloPacket`].
pub const SERVER_HELLO: u8 = 2;
/// The packet type byte of Go's `LogPacket`, which Go declares but does not
/// implement (it panics); a payload with it does not decode.
pub const LOG: u8 = 3;
/// The packet type byte of a [`PingPacket`].
pub const PING: u8 = 4;
/// The packet type byte of a [`ShutdownPacket`].
pub const SHUTDOWN: u8 = 5;
/// The packet type byte of a [`StartTraceCmdPacket`].
pub const START_TRACE_CMD: u8 = 6;
/// The packet type byte of a [`StopTraceCmdPacket`].
pub const STOP_TRACE_CMD: u8 = 7;
/// The packet type byte of a [`SymbolPacket`].
pub const SYMBOL: u8 = 8;
/// The packet type byte of a [`RawFuncLogPacket`].
pub const RAW_FUNC_LOG: u8 = 9;

crate::protocol::json::deserialize_tagged_packet!(Packet {
    "ClientHelloPacket" => ClientHello(ClientHelloPacket),
    "ServerHelloPacket" => ServerHello(ServerHelloPacket),
    "PingPacket" => Ping(PingPacket),
    "ShutdownPacket" => Shutdown(ShutdownPacket),
    "StartTraceCmdPacket" => StartTraceCmd(StartTraceCmdPacket),
    "StopTraceCmdPacket" => StopTraceCmd(StopTraceCmdPacket),
    "SymbolPacket" => Symbol(SymbolPacket),
    "RawFuncLogPacket" => RawFuncLog(RawFuncLogPacket),
});

impl Packet {
    /// The packet type byte its payload starts with.
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

    /// The packet as one line of JSON, every field shown.
    pub fn to_json(&self) -> String {
        // Only strings, integers and vectors inside: serde_json cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// A packet from its JSON form; a missing key means the zero value.
    pub fn from_json(text: &str) -> Result<Packet, serde_json::Error> {
        serde_json::from_str(text)
    }
}

mod codec;

pub use codec::go_json_string;
