//! The value message of a `RawFuncLogNewPacket`, written and read by hand.
//!
//! Nearly every frame is a funclog, and every funclog frame of a sender
//! starts with the same definitions, which the codec recognises by their
//! bytes. After them, the value message's layout is fixed, and serde's
//! generic path costs several times what it needs. The writer gives
//! exactly serde_gob's bytes. The reader takes only what Go's encoder (and
//! ours) writes: the definitions of [`funclog_packet_id`], the shortest
//! integer encodings, no zero field sent, nothing after the value. Anything
//! else is "not handled", and the general decoder gives its value or its
//! error.

use std::sync::Arc;

use super::{FuncStatusId, Gid, RawFuncLog, RawFuncLogId, RawFuncLogNewPacket, Time, TxId};
use crate::gob::types::{GobId, INT, STRING, Shape, UINT, WireField, WireType};
use crate::gob::wire::{fold_int, shortest_uint, unfold_int};
use crate::gob::{Int, Limits};

/// `RawFuncLog`'s fields in Go's order, with the type ids they travel as
/// (0: the slice `[]logutil.FuncStatusID`, checked apart).
const LOG_FIELDS: [(&str, GobId); 6] = [
    ("ID", INT),
    ("Tag", STRING),
    ("Timestamp", INT),
    ("Frames", 0),
    ("GID", INT),
    ("TxID", UINT),
];

/// The type id of `RawFuncLogNewPacket` among a frame's definitions, if
/// they define it, `RawFuncLog` and the frames' slice exactly as Go's
/// encoder (and ours) does: the layout [`read_message`] reads.
pub(super) fn funclog_packet_id(types: &[(GobId, Arc<WireType>)]) -> Option<GobId> {
    let find = |id: GobId| types.iter().find(|(i, _)| *i == id).map(|(_, t)| &**t);
    let (packet_id, packet) = types
        .iter()
        .find(|(_, t)| t.name == "RawFuncLogNewPacket")?;
    let [func_log] = struct_fields(packet, "RawFuncLogNewPacket")? else {
        return None;
    };
    let log = find(func_log.id).filter(|_| func_log.name == "FuncLog")?;
    let fields = struct_fields(log, "RawFuncLog")?;
    if fields.len() != LOG_FIELDS.len() {
        return None;
    }
    for (field, (name, id)) in fields.iter().zip(LOG_FIELDS) {
        let same_type = match id {
            0 => find(field.id).is_some_and(|t| {
                t.name == "[]logutil.FuncStatusID" && t.shape == Shape::Slice { elem: UINT }
            }),
            id => field.id == id,
        };
        if field.name != name || !same_type {
            return None;
        }
    }
    Some(*packet_id)
}

/// The fields of `t` if it is a struct named `name`.
fn struct_fields<'a>(t: &'a WireType, name: &str) -> Option<&'a [WireField]> {
    match &t.shape {
        Shape::Struct { fields } if t.name == name => Some(fields),
        _ => None,
    }
}

/// Appends the value message of `packet`, whose type has id `type_id`:
/// the bytes serde_gob writes for it. Written in one pass into room made
/// beforehand (each integer at its longest), with no capacity check or
/// call per integer.
pub(super) fn write_message(out: &mut Vec<u8>, type_id: GobId, packet: &RawFuncLogNewPacket) {
    let start = out.len();
    let (tag, frames) = packet
        .func_log
        .as_ref()
        .map_or((0, 0), |log| (log.tag.0.len(), log.frames.len()));
    // Generous room: a byte for the length (a longer one is spliced in
    // after) and the type id; FuncLog's field delta and each of its fields
    // (a delta and an integer, the tag's bytes, a frame count and the
    // frames); the ends of both structs. Every integer is written through
    // a window of UINT_ROOM bytes, whatever it takes.
    let most = 1 + UINT_ROOM + 1 + 6 * (1 + UINT_ROOM) + tag + UINT_ROOM * frames + 2;
    out.resize(start + most, 0);
    let mut message = Room {
        room: &mut out[start..],
        // Its length goes before it, once known: one byte unless the
        // message is 128 bytes or more (a deep stack or a long tag).
        at: 1,
    };
    message.int(type_id);
    if let Some(log) = &packet.func_log {
        // Field 0, FuncLog: a pointer that is not nil is sent as its struct.
        message.byte(1);
        message.log(log);
    }
    message.byte(0);
    let len = message.at - 1;
    out.truncate(start + 1 + len);
    if len < 0x80 {
        out[start] = len as u8;
    } else {
        let mut prefix = [0u8; UINT_ROOM];
        let mut room = Room {
            room: &mut prefix,
            at: 0,
        };
        room.uint(len as u64);
        let taken = room.at;
        out.splice(start..start + 1, prefix[..taken].iter().copied());
    }
}

/// The most bytes a gob integer takes: a count and 8 bytes.
const UINT_ROOM: usize = 9;

/// A message being written into room made for it beforehand.
struct Room<'a> {
    room: &'a mut [u8],
    at: usize,
}

impl Room<'_> {
    #[inline(always)]
    fn byte(&mut self, b: u8) {
        self.room[self.at] = b;
        self.at += 1;
    }

    /// `x` in gob's unsigned encoding: one byte below 128, else the
    /// negated count of its bytes, then those bytes, high first (all 8
    /// are written; the next piece overwrites those past the end).
    #[inline(always)]
    fn uint(&mut self, x: u64) {
        let to = &mut self.room[self.at..self.at + UINT_ROOM];
        if x < 0x80 {
            to[0] = x as u8;
            self.at += 1;
            return;
        }
        let count = (x.ilog2() / 8 + 1) as usize;
        to[0] = (count as u8).wrapping_neg();
        // The low `count` bytes, the highest first.
        let high_first = x.swap_bytes() >> (64 - 8 * count);
        to[1..].copy_from_slice(&high_first.to_le_bytes());
        self.at += 1 + count;
    }

    #[inline(always)]
    fn int(&mut self, i: i64) {
        self.uint(fold_int(i));
    }

    /// A `RawFuncLog` struct: as Go does, only the fields that are not
    /// zero, each after how far its number is from the last one sent.
    #[inline(always)]
    fn log(&mut self, log: &RawFuncLog) {
        let mut last = -1i8;
        let mut field = |message: &mut Self, number: i8| {
            message.byte((number - last) as u8);
            last = number;
        };
        if log.id.0.0 != 0 {
            field(self, 0);
            self.int(log.id.0.0);
        }
        if !log.tag.0.is_empty() {
            field(self, 1);
            let tag = log.tag.0.as_bytes();
            self.uint(tag.len() as u64);
            self.room[self.at..self.at + tag.len()].copy_from_slice(tag);
            self.at += tag.len();
        }
        if log.timestamp.0 != 0 {
            field(self, 2);
            self.int(log.timestamp.0);
        }
        if !log.frames.is_empty() {
            field(self, 3);
            self.uint(log.frames.len() as u64);
            for frame in &log.frames {
                self.uint(frame.0);
            }
        }
        if log.gid.0 != 0 {
            field(self, 4);
            self.int(log.gid.0);
        }
        if log.tx_id.0 != 0 {
            field(self, 5);
            self.uint(log.tx_id.0);
        }
        self.byte(0);
    }
}

/// The packet in `bytes`, a frame's rest after definitions for which
/// [`funclog_packet_id`] gave `packet_id`: `None` unless they hold one
/// value message exactly as Go writes it, and nothing after it. The record
/// is made in `shell`, whatever it held: its tag's and frames' memory is
/// reused.
pub(super) fn read_message(
    bytes: &[u8],
    packet_id: GobId,
    mut shell: RawFuncLog,
) -> Option<RawFuncLogNewPacket> {
    let mut r = Reader { rest: bytes };
    let len = r.uint()?;
    // Longer messages get the general path's limit error.
    if len != r.rest.len() as u64 || len > Limits::default().max_message {
        return None;
    }
    if r.int()? != packet_id {
        return None;
    }
    let func_log = match r.uint()? {
        0 => {
            return r
                .rest
                .is_empty()
                .then_some(RawFuncLogNewPacket { func_log: None });
        }
        1 => {
            r.rest = read_log(r.rest, &mut shell)?;
            shell
        }
        _ => return None,
    };
    (r.uint()? == 0 && r.rest.is_empty()).then_some(RawFuncLogNewPacket {
        func_log: Some(func_log),
    })
}

/// A `RawFuncLog` struct's fields and its end at the start of `bytes`, read
/// into `log` (every field set: those left out are zero, its memory is
/// reused), and the bytes after it; a field sent with its zero value (Go
/// leaves those out) is not handled.
fn read_log<'a>(bytes: &'a [u8], log: &mut RawFuncLog) -> Option<&'a [u8]> {
    // A reader of its own, which stays in registers.
    let mut r = Reader { rest: bytes };
    log.id = RawFuncLogId(Int(0));
    log.tag.0.clear();
    log.timestamp = Time(0);
    log.frames.clear();
    log.gid = Gid(0);
    log.tx_id = TxId(0);
    let mut field = 0u64;
    loop {
        let delta = r.uint()?;
        if delta == 0 {
            return Some(r.rest);
        }
        field = field.checked_add(delta)?;
        match field {
            1 => log.id = RawFuncLogId(Int(r.int().filter(|&v| v != 0)?)),
            2 => {
                let len = r.uint().filter(|&n| n != 0)?;
                let text = r.rest.get(..usize::try_from(len).ok()?)?;
                log.tag.0.push_str(crate::gob::wire::text(text)?);
                r.rest = &r.rest[text.len()..];
            }
            3 => log.timestamp = Time(r.int().filter(|&v| v != 0)?),
            4 => {
                let count = r.uint().filter(|&n| n != 0)?;
                // Each frame takes a byte at least: a count the message
                // cannot hold allocates nothing.
                if count > r.rest.len() as u64 || count > Limits::default().max_elements {
                    return None;
                }
                log.frames.resize(count as usize, FuncStatusId(0));
                for frame in &mut log.frames {
                    frame.0 = r.uint()?;
                }
            }
            5 => log.gid = Gid(r.int().filter(|&v| v != 0)?),
            6 => log.tx_id = TxId(r.uint().filter(|&v| v != 0)?),
            _ => return None,
        }
    }
}

/// The bytes not read yet.
struct Reader<'a> {
    rest: &'a [u8],
}

impl Reader<'_> {
    #[inline]
    fn uint(&mut self) -> Option<u64> {
        let (value, len) = shortest_uint(self.rest)?;
        self.rest = &self.rest[len..];
        Some(value)
    }

    #[inline]
    fn int(&mut self) -> Option<i64> {
        self.uint().map(unfold_int)
    }
}
