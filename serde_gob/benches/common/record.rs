//! The record of the codec benchmark and its callgrind driver
//! (`examples/codec_count.rs`): Go's `logutil.RawFuncLog`, declared as any
//! user of the crate would declare it.

use serde::{Deserialize, Serialize};
use serde_gob::Int;

pub const RECORDS: u64 = 10_000;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.RawFuncLog", default)]
pub struct RawFuncLog {
    #[serde(rename = "ID")]
    pub id: RawFuncLogId,
    #[serde(rename = "Tag")]
    pub tag: TagName,
    #[serde(rename = "Timestamp")]
    pub timestamp: Time,
    #[serde(rename = "Frames")]
    pub frames: Vec<FuncStatusId>,
    #[serde(rename = "GID")]
    pub gid: Gid,
    #[serde(rename = "TxID")]
    pub tx_id: TxId,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.RawFuncLogID")]
pub struct RawFuncLogId(pub Int);
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.TagName")]
pub struct TagName(pub String);
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.Time")]
pub struct Time(pub i64);
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.FuncStatusID")]
pub struct FuncStatusId(pub u64);
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.GID")]
pub struct Gid(pub i64);
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.TxID")]
pub struct TxId(pub u64);

/// Record `i`: 8 frames, as the Go benchmark builds it.
pub fn sample_log(i: u64) -> RawFuncLog {
    RawFuncLog {
        id: RawFuncLogId(Int(i as i64)),
        tag: TagName(if i % 2 == 1 { "funcStart" } else { "funcEnd" }.into()),
        timestamp: Time(1_511_136_000_123_456_789 + i as i64),
        frames: (0..8)
            .map(|f| FuncStatusId(0x4a_0000 + f * 0x40 + i))
            .collect(),
        gid: Gid(7),
        tx_id: TxId(i),
    }
}
