//! The gob files of the final Go goapptrace (its `tracer/storage`):
//!
//! * [`compactlog`]: the **compact log** a tracer writes when it cannot
//!   reach a log server: one gob stream of alternating [`SymbolsData`] and
//!   [`RawFuncLog`] values, an empty placeholder standing for the one of
//!   each pair not written. [`CompactLogReader`] turns it back into the
//!   marshal generation's packets, [`CompactLogWriter`] writes Go's bytes.
//! * [`store`]: the log store's `<id>.symbol` (a gob stream of
//!   [`SymbolsData`] values, of which the reader keeps the last) and
//!   `<id>.index` (one gob value, a slice of [`IndexRecord`]).
//!
//! The types are the Go ones (package `types`, and `storage` for the
//! index), with their Go names, fields and field order, so that what is
//! written here is byte for byte what Go writes for the same values.

pub mod compactlog;
pub mod store;

use serde::{Deserialize, Serialize};

use crate::gob::{self, Uintptr};
use crate::protocol::marshal as m;

#[cfg(feature = "net")]
pub use compactlog::AsyncCompactLogReader;
pub use compactlog::{CompactLogReader, CompactLogWriter, Record};

/// Go's `types.SymbolsData`: the traced program's symbol table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "types.SymbolsData", default)]
pub struct SymbolsData {
    /// `Files`: source file names, indexed by [`GoLine::file_id`].
    #[serde(rename = "Files")]
    pub files: Vec<String>,
    /// `Mods`: the program's modules.
    #[serde(rename = "Mods")]
    pub mods: Vec<GoModule>,
    /// `Funcs`: the program's functions.
    #[serde(rename = "Funcs")]
    pub funcs: Vec<GoFunc>,
    /// `Lines`: the source positions of program counters.
    #[serde(rename = "Lines")]
    pub lines: Vec<GoLine>,
}

/// Go's `types.GoModule`: a range of program counters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "types.GoModule", default)]
pub struct GoModule {
    /// `Name`, often empty.
    #[serde(rename = "Name")]
    pub name: String,
    /// `MinPC` (a Go `uintptr`).
    #[serde(rename = "MinPC")]
    pub min_pc: Uintptr,
    /// `MaxPC` (a Go `uintptr`).
    #[serde(rename = "MaxPC")]
    pub max_pc: Uintptr,
}

/// Go's `types.GoFunc`: a function's entry point and name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "types.GoFunc", default)]
pub struct GoFunc {
    /// `Entry` (a Go `uintptr`).
    #[serde(rename = "Entry")]
    pub entry: Uintptr,
    /// `Name`.
    #[serde(rename = "Name")]
    pub name: String,
}

/// Go's `types.GoLine`: the source position of a program counter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "types.GoLine", default)]
pub struct GoLine {
    /// `PC` (a Go `uintptr`).
    #[serde(rename = "PC")]
    pub pc: Uintptr,
    /// `FileID` (Go's `types.FileID`, a `uint32`).
    #[serde(rename = "FileID")]
    pub file_id: u32,
    /// `Line`.
    #[serde(rename = "Line")]
    pub line: u32,
}

/// Go's `types.RawFuncLog`: one function start or end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "types.RawFuncLog", default)]
pub struct RawFuncLog {
    /// `ID` (Go's `types.RawFuncLogID`, an `int64`).
    #[serde(rename = "ID")]
    pub id: i64,
    /// `Tag` (Go's `types.TagName`, a `uint8`): 0 funcStart, 1 funcEnd.
    #[serde(rename = "Tag")]
    pub tag: u8,
    /// `Timestamp` (Go's `types.Time`): Unix nanoseconds.
    #[serde(rename = "Timestamp")]
    pub timestamp: i64,
    /// `Frames`: program counters (a Go `[]uintptr`).
    #[serde(rename = "Frames")]
    pub frames: Vec<Uintptr>,
    /// `GID` (Go's `types.GID`, an `int64`).
    #[serde(rename = "GID")]
    pub gid: i64,
    /// `TxID` (Go's `types.TxID`, a `uint64`).
    #[serde(rename = "TxID")]
    pub tx_id: u64,
}

/// Go's `storage.IndexRecord`: the range of funclog ids and times one
/// data file of a log holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "storage.IndexRecord", default)]
pub struct IndexRecord {
    /// `MinID`.
    #[serde(rename = "MinID")]
    pub min_id: i64,
    /// `MaxID`.
    #[serde(rename = "MaxID")]
    pub max_id: i64,
    /// `MinStart` (Go's `types.Time`).
    #[serde(rename = "MinStart")]
    pub min_start: i64,
    /// `MaxStart`.
    #[serde(rename = "MaxStart")]
    pub max_start: i64,
    /// `MinEnd`.
    #[serde(rename = "MinEnd")]
    pub min_end: i64,
    /// `MaxEnd`.
    #[serde(rename = "MaxEnd")]
    pub max_end: i64,
}

impl SymbolsData {
    /// Whether this is Go's zero value, the placeholder a compact log holds
    /// beside a funclog.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
            && self.mods.is_empty()
            && self.funcs.is_empty()
            && self.lines.is_empty()
    }
}

impl RawFuncLog {
    /// Whether this is Go's zero value, the placeholder a compact log holds
    /// beside a symbol table.
    pub fn is_empty(&self) -> bool {
        *self == RawFuncLog::default()
    }
}

impl From<SymbolsData> for m::SymbolPacket {
    fn from(data: SymbolsData) -> m::SymbolPacket {
        m::SymbolPacket {
            files: data.files,
            mods: data
                .mods
                .into_iter()
                .map(|module| m::GoModule {
                    name: module.name,
                    min_pc: module.min_pc.0,
                    max_pc: module.max_pc.0,
                })
                .collect(),
            funcs: data
                .funcs
                .into_iter()
                .map(|func| m::GoFunc {
                    entry: func.entry.0,
                    name: func.name,
                })
                .collect(),
            lines: data
                .lines
                .into_iter()
                .map(|line| m::GoLine {
                    pc: line.pc.0,
                    file_id: line.file_id,
                    line: line.line,
                })
                .collect(),
        }
    }
}

impl From<m::SymbolPacket> for SymbolsData {
    fn from(packet: m::SymbolPacket) -> SymbolsData {
        SymbolsData {
            files: packet.files,
            mods: packet
                .mods
                .into_iter()
                .map(|module| GoModule {
                    name: module.name,
                    min_pc: Uintptr(module.min_pc),
                    max_pc: Uintptr(module.max_pc),
                })
                .collect(),
            funcs: packet
                .funcs
                .into_iter()
                .map(|func| GoFunc {
                    entry: Uintptr(func.entry),
                    name: func.name,
                })
                .collect(),
            lines: packet
                .lines
                .into_iter()
                .map(|line| GoLine {
                    pc: Uintptr(line.pc),
                    file_id: line.file_id,
                    line: line.line,
                })
                .collect(),
        }
    }
}

impl From<RawFuncLog> for m::RawFuncLog {
    fn from(log: RawFuncLog) -> m::RawFuncLog {
        m::RawFuncLog {
            id: log.id,
            tag: log.tag,
            timestamp: log.timestamp,
            frames: log.frames.into_iter().map(|pc| pc.0).collect(),
            gid: log.gid,
            tx_id: log.tx_id,
        }
    }
}

impl From<m::RawFuncLog> for RawFuncLog {
    fn from(log: m::RawFuncLog) -> RawFuncLog {
        RawFuncLog {
            id: log.id,
            tag: log.tag,
            timestamp: log.timestamp,
            frames: log.frames.into_iter().map(Uintptr).collect(),
            gid: log.gid,
            tx_id: log.tx_id,
        }
    }
}

/// The one error type of the storage files.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// A value of the file does not decode.
    #[error("record {record} ({what}): {source}")]
    Gob {
        /// The record (counted from 1: in a compact log a pair of values,
        /// in a symbols file one value) the value belongs to.
        record: u64,
        /// Which value: `symbols`, `funclog` or `index`.
        what: &'static str,
        /// Why; it names the byte offset.
        source: gob::Error,
    },

    /// A compact log ends inside a record: after its symbols value, without
    /// the funclog that completes it.
    #[error(
        "record {record}: the file ends at byte {offset}, after the record's symbols value and \
         before its funclog"
    )]
    HalfRecord {
        /// The record, counted from 1.
        record: u64,
        /// Where the file ends.
        offset: u64,
    },

    /// A packet a compact log cannot hold (it holds symbols and funclogs).
    #[error("a compact log holds SymbolPacket and RawFuncLogPacket only, not {0}")]
    NotStored(&'static str),

    /// A value could not be encoded.
    #[error("cannot encode the {what}: {source}")]
    Encode {
        /// Which value.
        what: &'static str,
        /// Why.
        source: gob::Error,
    },

    /// Reading or writing the file failed.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
}
