//! The JSON form of funclog packets, written and read by hand.
//!
//! `serve` prints and `send` reads a funclog per line, millions a second;
//! serde_json's generic path costs several times what these fixed shapes
//! need. The writer gives exactly serde_json's text. The reader takes only
//! the shape the tools write (keys in their order, the tag first, plain
//! integers, a tag string without escapes); anything else (and every error)
//! is left to serde_json, so what is accepted, and every error message,
//! stays serde_json's.

use super::{FuncStatusId, Gid, RawFuncLog, RawFuncLogId, RawFuncLogNewPacket, Time};
use super::{TxId, marshal};

/// A line being written into room made for it beforehand: no capacity
/// checks between the pieces.
pub(crate) struct Line<'a> {
    room: &'a mut [u8],
    at: usize,
}

impl Line<'_> {
    fn bytes(&mut self, bytes: &[u8]) {
        self.room[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }

    /// `n` in decimal, written in place: a frame or an id is one step of
    /// up to 8 digits, a timestamp three.
    #[inline(always)]
    fn unsigned(&mut self, n: u64) {
        if n < EIGHT_DIGITS {
            self.up_to_eight_digits(n);
        } else {
            self.at = Line::long_unsigned(self.room, self.at, n);
        }
    }

    /// `n` (10^8 or more) in decimal at `at` in `room`; where it ends.
    /// Out of line, and given the line's parts rather than the line, so
    /// that the callers keep theirs in registers.
    #[inline(never)]
    fn long_unsigned(room: &mut [u8], at: usize, n: u64) -> usize {
        let mut line = Line { room, at };
        let (high, low) = (n / EIGHT_DIGITS, n % EIGHT_DIGITS);
        if high < EIGHT_DIGITS {
            line.up_to_eight_digits(high);
        } else {
            line.up_to_eight_digits(high / EIGHT_DIGITS);
            line.eight_digits(high % EIGHT_DIGITS);
        }
        line.eight_digits(low);
        line.at
    }

    /// `n` in decimal, with its sign.
    #[inline(always)]
    fn signed(&mut self, n: i64) {
        if n < 0 {
            self.bytes(b"-");
        }
        self.unsigned(n.unsigned_abs());
    }

    /// `n` (below 10^8) without leading zeros. All 8 bytes are written
    /// (there is room: a number's share is 22 bytes); the next piece
    /// overwrites those past the digits.
    #[inline(always)]
    fn up_to_eight_digits(&mut self, n: u64) {
        let digits = spread_digits(n);
        // Leading zeros are the low bytes that are still 0; "0" keeps one.
        let zeros = ((digits.trailing_zeros() / 8) as usize).min(7);
        let text = (digits + ASCII_ZEROS) >> (8 * zeros);
        self.room[self.at..self.at + 8].copy_from_slice(&text.to_le_bytes());
        self.at += 8 - zeros;
    }

    /// `n` (below 10^8) as 8 digits, leading zeros included.
    #[inline(always)]
    fn eight_digits(&mut self, n: u64) {
        let text = spread_digits(n) + ASCII_ZEROS;
        self.bytes(&text.to_le_bytes());
    }

    /// The fields from the timestamp on, common to both generations.
    fn tail(&mut self, timestamp: i64, frames: impl Iterator<Item = u64>, gid: i64, tx_id: u64) {
        self.bytes(b",\"Timestamp\":");
        self.signed(timestamp);
        self.bytes(b",\"Frames\":[");
        // Each frame and a comma; the last comma is taken back.
        let before = self.at;
        for frame in frames {
            self.unsigned(frame);
            self.bytes(b",");
        }
        if self.at > before {
            self.at -= 1;
        }
        self.bytes(b"],\"GID\":");
        self.signed(gid);
        self.bytes(b",\"TxID\":");
        self.unsigned(tx_id);
        self.bytes(b"}}");
    }
}

/// 10^8: the numbers written in one step are below it.
const EIGHT_DIGITS: u64 = 100_000_000;
/// '0' in each byte.
const ASCII_ZEROS: u64 = 0x3030_3030_3030_3030;

/// The 8 decimal digits of `n` (below 10^8) as the bytes of a u64, the
/// first digit in the low byte, as values 0 to 9: split into halves of 4
/// digits, each into 2 of 2, each into 2 of 1, every lane at once, the
/// divisions by 100 and 10 done as multiply-shifts exact in this range.
#[inline(always)]
fn spread_digits(n: u64) -> u64 {
    let halves = (n / 10_000) | ((n % 10_000) << 32);
    let hundreds = ((halves * 10_486) >> 20) & 0x0000_007f_0000_007f;
    let quarters = (hundreds | ((halves - 100 * hundreds) << 16)) & 0x007f_007f_007f_007f;
    let tens = ((quarters * 103) >> 10) & 0x000f_000f_000f_000f;
    tens | ((quarters - 10 * tens) << 8)
}

/// The most bytes a number takes: a sign and 20 digits.
const NUMBER: usize = 21;
/// The most bytes of a funclog line other than its numbers and its tag.
const FIXED: usize = 160;

/// Where lines of JSON go: room is made for the most bytes a line can
/// take, the line is written into it, and what it took is kept.
pub(crate) trait LineSink {
    /// Makes room for `most` bytes at the end, lets `write` fill them, and
    /// keeps what it wrote.
    fn write_line(&mut self, most: usize, write: impl FnOnce(&mut Line<'_>));
}

impl LineSink for Vec<u8> {
    fn write_line(&mut self, most: usize, write: impl FnOnce(&mut Line<'_>)) {
        let start = self.len();
        self.resize(start + most, 0);
        let mut line = Line {
            room: &mut self[start..],
            at: 0,
        };
        write(&mut line);
        let written = line.at;
        self.truncate(start + written);
    }
}

/// Lines written into memory that is zeroed once, when it grows, and then
/// written over again: the room made for a line is not zeroed each time,
/// as a `Vec`'s would be. `serve` writes its events through one.
#[cfg(feature = "cli")]
#[derive(Default)]
pub(crate) struct LineBuf {
    /// All initialized; the lines are `bytes[..len]`.
    bytes: Vec<u8>,
    len: usize,
}

#[cfg(feature = "cli")]
impl LineBuf {
    /// The lines written since the last [`LineBuf::clear`].
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Forgets the lines; their memory is kept for the next ones.
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    /// `most` bytes of room after the lines.
    fn room(&mut self, most: usize) -> &mut [u8] {
        let end = self.len + most;
        if end > self.bytes.len() {
            self.bytes.resize(end.max(2 * self.bytes.len()), 0);
        }
        &mut self.bytes[self.len..end]
    }
}

#[cfg(feature = "cli")]
impl LineSink for LineBuf {
    fn write_line(&mut self, most: usize, write: impl FnOnce(&mut Line<'_>)) {
        let mut line = Line {
            room: self.room(most),
            at: 0,
        };
        write(&mut line);
        self.len += line.at;
    }
}

#[cfg(feature = "cli")]
impl std::io::Write for LineBuf {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.room(bytes.len()).copy_from_slice(bytes);
        self.len += bytes.len();
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Appends the JSON form of a gob-generation funclog packet.
pub(crate) fn write_gob(out: &mut Vec<u8>, packet: &RawFuncLogNewPacket) {
    write_gob_line(out, b"", packet, b"");
}

/// Appends `before`, the JSON form of a gob-generation funclog packet, and
/// `after`.
#[inline]
pub(crate) fn write_gob_line(
    out: &mut impl LineSink,
    before: &[u8],
    packet: &RawFuncLogNewPacket,
    after: &[u8],
) {
    const NULL: &[u8] = br#"{"packet":"RawFuncLogNewPacket","FuncLog":null}"#;
    let around = before.len() + after.len();
    let Some(log) = &packet.func_log else {
        out.write_line(around + NULL.len(), |line| {
            line.bytes(before);
            line.bytes(NULL);
            line.bytes(after);
        });
        return;
    };
    let text = &log.tag.0;
    let plain =
        usual_tag(text.as_bytes()) || text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\');
    // A tag that needs escapes is serde_json's own (they are rare), so
    // that its escapes stay serde_json's.
    let escaped = (!plain).then(|| serde_json::to_vec(text).unwrap_or_default());
    let tag_len = escaped.as_ref().map_or(text.len() + 2, Vec::len);
    let most = around + FIXED + tag_len + (NUMBER + 1) * (5 + log.frames.len());
    out.write_line(most, |line| {
        line.bytes(before);
        line.bytes(br#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":"#);
        line.signed(log.id.0.0);
        line.bytes(b",\"Tag\":");
        match &escaped {
            Some(escaped) => line.bytes(escaped),
            None => {
                line.bytes(b"\"");
                line.bytes(text.as_bytes());
                line.bytes(b"\"");
            }
        }
        let frames = log.frames.iter().map(|frame| frame.0);
        line.tail(log.timestamp.0, frames, log.gid.0, log.tx_id.0);
        line.bytes(after);
    });
}

/// Appends the JSON form of a marshal-generation funclog packet.
pub(crate) fn write_marshal(out: &mut Vec<u8>, packet: &marshal::RawFuncLogPacket) {
    write_marshal_line(out, b"", packet, b"");
}

/// Appends `before`, the JSON form of a marshal-generation funclog packet,
/// and `after`.
#[inline]
pub(crate) fn write_marshal_line(
    out: &mut impl LineSink,
    before: &[u8],
    packet: &marshal::RawFuncLogPacket,
    after: &[u8],
) {
    let log = &packet.func_log;
    let most = before.len() + after.len() + FIXED + (NUMBER + 1) * (6 + log.frames.len());
    out.write_line(most, |line| {
        line.bytes(before);
        line.bytes(br#"{"packet":"RawFuncLogPacket","FuncLog":{"ID":"#);
        line.signed(log.id);
        line.bytes(b",\"Tag\":");
        line.unsigned(u64::from(log.tag));
        let frames = log.frames.iter().copied();
        line.tail(log.timestamp, frames, log.gid, log.tx_id);
        line.bytes(after);
    });
}

/// A cursor over one line of JSON, for the shapes read here only; `None`
/// from any method means "not the expected shape" (serde_json then reads
/// the line and gives its verdict).
struct Cursor<'a> {
    text: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.text[self.at..]
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.rest().first() {
            self.at += 1;
        }
    }

    /// The JSON text `compact`, given without whitespace and with strings
    /// that need no escapes; the input may have JSON whitespace before and
    /// between its tokens.
    #[inline(always)]
    fn literal(&mut self, compact: &[u8]) -> Option<()> {
        // Inlined, the comparison with a constant is a few loads.
        if self.rest().starts_with(compact) {
            self.at += compact.len();
            return Some(());
        }
        self.spaced_literal(compact)
    }

    /// [`Cursor::literal`] with whitespace between the tokens.
    #[inline(never)]
    fn spaced_literal(&mut self, compact: &[u8]) -> Option<()> {
        let mut tokens = compact;
        while let Some(&first) = tokens.first() {
            let len = match first {
                b'"' => tokens[1..].iter().position(|&b| b == b'"')? + 2,
                _ => 1,
            };
            self.skip_space();
            if !self.rest().starts_with(&tokens[..len]) {
                return None;
            }
            self.at += len;
            tokens = &tokens[len..];
        }
        Some(())
    }

    /// An unsigned integer as serde_json reads one for an integer field:
    /// no sign, no leading zero, no fraction or exponent, no overflow.
    fn unsigned(&mut self) -> Option<u64> {
        self.skip_space();
        self.digits()
    }

    /// The digits of an unsigned integer, right here.
    #[inline]
    fn digits(&mut self) -> Option<u64> {
        // A number of up to 7 digits with 8 bytes to look at (a frame, an
        // id) is one step; longer ones and the line's last bytes go the
        // long way.
        if let Some(chunk) = self.rest().first_chunk::<8>() {
            let word = u64::from_le_bytes(*chunk);
            let count = leading_digits(word);
            if (1..8).contains(&count) {
                let leading_zero = count > 1 && chunk[0] == b'0';
                if leading_zero || matches!(chunk[count], b'.' | b'e' | b'E') {
                    return None;
                }
                self.at += count;
                return Some(eight_digits(word << (8 * (8 - count))));
            }
        }
        self.long_digits()
    }

    /// [`Cursor::digits`] for any number: eight bytes at a time while
    /// eight remain (a timestamp takes three steps), then byte by byte.
    /// One tight pass that may wrap; a number of 20 digits or more, which
    /// may have overflowed, is summed again with checks.
    #[inline(never)]
    fn long_digits(&mut self) -> Option<u64> {
        let rest = self.rest();
        let mut value: u64 = 0;
        let mut len = 0;
        while let Some(chunk) = rest[len..].first_chunk::<8>() {
            let word = u64::from_le_bytes(*chunk);
            let count = leading_digits(word);
            if count == 0 {
                break;
            }
            value = value
                .wrapping_mul(POWERS_OF_TEN[count])
                .wrapping_add(eight_digits(word << (8 * (8 - count))));
            len += count;
            if count < 8 {
                break;
            }
        }
        while let Some(&byte) = rest.get(len) {
            let digit = byte.wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit));
            len += 1;
        }
        if len >= 20 {
            value = rest[..len].iter().try_fold(0u64, |value, d| {
                value.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })?;
        }
        let leading_zero = len > 1 && rest[0] == b'0';
        let more = matches!(rest.get(len), Some(b'.' | b'e' | b'E'));
        if len == 0 || leading_zero || more {
            return None;
        }
        self.at += len;
        Some(value)
    }

    /// A signed integer within i64 (i64::MIN itself is left to serde_json).
    fn signed(&mut self) -> Option<i64> {
        self.skip_space();
        if self.rest().first() == Some(&b'-') {
            self.at += 1;
            let magnitude = self.digits()?;
            // "-0" is left to serde_json too.
            if magnitude == 0 {
                return None;
            }
            i64::try_from(magnitude).ok().map(|m| -m)
        } else {
            i64::try_from(self.unsigned()?).ok()
        }
    }

    /// A string without escapes or control characters.
    fn plain_string(&mut self) -> Option<&'a str> {
        self.literal(b"\"")?;
        let rest = self.rest();
        let len = rest
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if rest[len] != b'"' {
            return None;
        }
        // The only bytes of the line that may be other than ASCII.
        let text = crate::gob::wire::text(&rest[..len])?;
        self.at += len + 1;
        Some(text)
    }

    /// The rest of an array of unsigned integers, after its `[`, into
    /// `values` (emptied first; its memory is reused).
    fn unsigned_array<T>(&mut self, values: &mut Vec<T>, wrap: impl Fn(u64) -> T) -> Option<()> {
        values.clear();
        self.skip_space();
        if self.rest().first() == Some(&b']') {
            self.at += 1;
            return Some(());
        }
        // Gathered on the stack first, so that the vector grows at most
        // once, to its size; a deeper stack goes on in a vector.
        let mut first = [0u64; ON_STACK];
        let mut count = 0;
        let mut more = Vec::new();
        loop {
            let value = self.unsigned()?;
            if count < ON_STACK {
                first[count] = value;
            } else {
                more.push(value);
            }
            count += 1;
            self.skip_space();
            match self.rest().first()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    break;
                }
                _ => return None,
            }
        }
        values.reserve_exact(count);
        values.extend(first[..count.min(ON_STACK)].iter().map(|&v| wrap(v)));
        values.extend(more.into_iter().map(wrap));
        Some(())
    }

    /// Nothing but whitespace is left.
    fn end(&mut self) -> Option<()> {
        self.skip_space();
        (self.at == self.text.len()).then_some(())
    }
}

/// The tags Go's tracers write: compared whole, they need no scan for
/// escapes.
const USUAL_TAGS: [&str; 2] = ["funcStart", "funcEnd"];

/// Whether `tag` is one of [`USUAL_TAGS`].
#[inline]
fn usual_tag(tag: &[u8]) -> bool {
    USUAL_TAGS.iter().any(|usual| usual.as_bytes() == tag)
}

/// 10 to the power of 0 to 8.
const POWERS_OF_TEN: [u64; 9] = [
    1,
    10,
    100,
    1_000,
    10_000,
    100_000,
    1_000_000,
    10_000_000,
    100_000_000,
];

/// How many of the 8 bytes of `word` (the first in its low byte) are ASCII
/// digits before the first that is not.
#[inline(always)]
fn leading_digits(word: u64) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    // A digit byte is 0x30 to 0x39: its high nibble is 3, and still is
    // after adding 6. A carry out of a byte that is not a digit can only
    // spoil the bytes after it, which are not counted.
    let high = word & (0xf0 * ONES);
    let plus_six = word.wrapping_add(6 * ONES) & (0xf0 * ONES);
    let not_digit = (high ^ (0x30 * ONES)) | (plus_six ^ (0x30 * ONES));
    (not_digit.trailing_zeros() / 8) as usize
}

/// The number written by the 8 ASCII digits of `word`, the first in its
/// low byte (leading zero bytes count as zeros): pairs, then fours, then
/// all eight, each step one multiplication.
#[inline(always)]
fn eight_digits(word: u64) -> u64 {
    let pairs = ((word & 0x0f0f_0f0f_0f0f_0f0f).wrapping_mul(10 << 8 | 1)) >> 8;
    let fours = ((pairs & 0x00ff_00ff_00ff_00ff).wrapping_mul(100 << 16 | 1)) >> 16;
    ((fours & 0x0000_ffff_0000_ffff).wrapping_mul(10_000 << 32 | 1)) >> 32
}

/// Frames gathered on the stack while an array is read.
const ON_STACK: usize = 32;

/// A gob-generation funclog packet in the tools' shape, or `None`. A line
/// read is valid UTF-8: its bytes are ASCII but for the tag's, which are
/// checked.
pub(crate) fn read_gob(text: &[u8]) -> Option<RawFuncLogNewPacket> {
    let mut packet = RawFuncLogNewPacket::default();
    read_gob_into(text, &mut packet)?;
    Some(packet)
}

/// As [`read_gob`], into `packet`, whose memory (the frames' and the
/// tag's) is reused; on `None` it holds a part of the line.
pub(crate) fn read_gob_into(text: &[u8], packet: &mut RawFuncLogNewPacket) -> Option<()> {
    let log = packet.func_log.get_or_insert_with(RawFuncLog::default);
    if read_compact_gob(text, log).is_some() {
        return Some(());
    }
    read_general_gob(text, log)
}

/// The gob funclog in the tools' shape, whitespace aside, read number by
/// number: the lines [`read_compact_gob`] leaves.
fn read_general_gob(text: &[u8], log: &mut RawFuncLog) -> Option<()> {
    let mut c = Cursor { text, at: 0 };
    c.literal(br#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":"#)?;
    log.id = RawFuncLogId(crate::gob::Int(c.signed()?));
    c.literal(br#","Tag":"#)?;
    let tag = c.plain_string()?;
    log.tag.0.clear();
    log.tag.0.push_str(tag);
    c.literal(br#","Timestamp":"#)?;
    log.timestamp = Time(c.signed()?);
    c.literal(br#","Frames":["#)?;
    c.unsigned_array(&mut log.frames, FuncStatusId)?;
    c.literal(br#","GID":"#)?;
    log.gid = Gid(c.signed()?);
    c.literal(br#","TxID":"#)?;
    log.tx_id = TxId(c.unsigned()?);
    c.literal(b"}}")?;
    c.end()
}

/// A marshal-generation funclog packet in the tools' shape, or `None`. A
/// line read is ASCII.
pub(crate) fn read_marshal(text: &[u8]) -> Option<marshal::RawFuncLogPacket> {
    let mut packet = marshal::RawFuncLogPacket::default();
    read_marshal_into(text, &mut packet)?;
    Some(packet)
}

/// As [`read_marshal`], into `packet`, whose frames' memory is reused; on
/// `None` it holds a part of the line.
pub(crate) fn read_marshal_into(text: &[u8], packet: &mut marshal::RawFuncLogPacket) -> Option<()> {
    let log = &mut packet.func_log;
    if read_compact_marshal(text, log).is_some() {
        return Some(());
    }
    read_general_marshal(text, log)
}

/// The marshal funclog read number by number: the lines
/// [`read_compact_marshal`] leaves.
fn read_general_marshal(text: &[u8], log: &mut marshal::RawFuncLog) -> Option<()> {
    let mut c = Cursor { text, at: 0 };
    c.literal(br#"{"packet":"RawFuncLogPacket","FuncLog":{"ID":"#)?;
    log.id = c.signed()?;
    c.literal(br#","Tag":"#)?;
    log.tag = u8::try_from(c.unsigned()?).ok()?;
    c.literal(br#","Timestamp":"#)?;
    log.timestamp = c.signed()?;
    c.literal(br#","Frames":["#)?;
    c.unsigned_array(&mut log.frames, |f| f)?;
    c.literal(br#","GID":"#)?;
    log.gid = c.signed()?;
    c.literal(br#","TxID":"#)?;
    log.tx_id = c.unsigned()?;
    c.literal(b"}}")?;
    c.end()
}

/// The line exactly as the tools write it (no whitespace, the usual
/// tags), read in one pass with no call per number: what nearly every
/// line is. `None` for anything else, which [`Cursor`]'s reading then
/// takes (so this path only has to be right on what it accepts). Every
/// number is followed by a fixed byte (`,`, `]` or `}`) that is checked
/// after it, which rules out a fraction or an exponent.
struct Compact<'a> {
    text: &'a [u8],
    at: usize,
}

impl Compact<'_> {
    /// The bytes `expected`, right here.
    #[inline(always)]
    fn literal<const N: usize>(&mut self, expected: &[u8; N]) -> Option<()> {
        let here = self.text.get(self.at..)?.first_chunk::<N>()?;
        if here != expected {
            return None;
        }
        self.at += N;
        Some(())
    }

    /// An unsigned integer of 1 to 19 digits (so within u64) without a
    /// leading zero; what follows it is for the caller to check.
    #[inline(always)]
    fn unsigned(&mut self) -> Option<u64> {
        let rest = self.text.get(self.at..)?;
        // Fewer than 8 bytes left: no line the tools write ends so (the
        // last number has its own reading), so the general reading takes it.
        let &first = rest.first_chunk::<8>()?;
        let first = u64::from_le_bytes(first);
        let count = leading_digits(first);
        // A leading zero is a '0' first and another digit after it.
        if count == 0 || (count > 1 && first as u8 == b'0') {
            return None;
        }
        if count < 8 {
            self.at += count;
            return Some(eight_digits(first << (8 * (8 - count))));
        }
        self.long(rest, eight_digits(first))
    }

    /// The digits after the first 8 (`high`) of a number, up to 19 in
    /// all: the next 8 in one step if 8 bytes are left, the rest a digit
    /// at a time.
    #[inline(always)]
    fn long(&mut self, rest: &[u8], high: u64) -> Option<u64> {
        let (value, len) = match rest.get(8..).and_then(|r| r.first_chunk::<8>()) {
            Some(&second) => {
                let second = u64::from_le_bytes(second);
                match leading_digits(second) {
                    8 => (high * EIGHT_DIGITS + eight_digits(second), 16),
                    0 => (high, 8),
                    count => {
                        let low = eight_digits(second << (8 * (8 - count)));
                        (high * POWERS_OF_TEN[count] + low, 8 + count)
                    }
                }
            }
            None => (high, 8),
        };
        let (value, len) = Compact::more_digits(rest, value, len)?;
        self.at += len;
        Some(value)
    }

    /// The digits of `rest` from `len` on, after the `len` digits of
    /// `value`, a digit at a time; `None` past 19 digits (which may not
    /// fit in u64).
    #[inline(always)]
    fn more_digits(rest: &[u8], mut value: u64, mut len: usize) -> Option<(u64, usize)> {
        while let Some(digit) = rest.get(len).map(|b| b.wrapping_sub(b'0')) {
            if digit > 9 {
                break;
            }
            if len == 19 {
                return None;
            }
            // Below 10^18 before: no overflow.
            value = value * 10 + u64::from(digit);
            len += 1;
        }
        Some((value, len))
    }

    /// [`Compact::unsigned`] for the line's last number, which its closing
    /// `}}` follows (checked after it): of up to 8 digits, it is read in
    /// one step from the 8 bytes that end with it (there are no 8 after
    /// it to look at).
    #[inline(always)]
    fn last_unsigned(&mut self) -> Option<u64> {
        let end = self.text.len().saturating_sub(2);
        let len = end.saturating_sub(self.at);
        if !(1..=8).contains(&len) || end < 8 {
            return self.unsigned();
        }
        let word = u64::from_le_bytes(*self.text[end - 8..end].first_chunk::<8>()?);
        // The number is the last `len` bytes: the first of them low.
        let number = word >> (8 * (8 - len));
        if leading_digits(number) != len || (len > 1 && number as u8 == b'0') {
            return None;
        }
        self.at = end;
        // Its digits as the high bytes, the bytes before it as zeros.
        Some(eight_digits(word & (u64::MAX << (8 * (8 - len)))))
    }

    /// A signed integer within i64, but for i64::MIN and "-0" (which the
    /// general reading leaves to serde_json).
    #[inline(always)]
    fn signed(&mut self) -> Option<i64> {
        if self.text.get(self.at) == Some(&b'-') {
            self.at += 1;
            let magnitude = i64::try_from(self.unsigned()?).ok()?;
            (magnitude != 0).then_some(-magnitude)
        } else {
            i64::try_from(self.unsigned()?).ok()
        }
    }

    /// The fields from the timestamp on, common to both generations:
    /// the timestamp, GID and TxID, the frames into `frames` (emptied
    /// first; its memory is reused); then the line's end.
    #[inline(always)]
    fn tail<T>(&mut self, frames: &mut Vec<T>, wrap: impl Fn(u64) -> T) -> Option<(i64, i64, u64)> {
        self.literal(b",\"Timestamp\":")?;
        let timestamp = self.signed()?;
        self.literal(b",\"Frames\":[")?;
        frames.clear();
        if self.literal(b"]").is_none() {
            loop {
                frames.push(wrap(self.unsigned()?));
                match self.text.get(self.at)? {
                    b',' => self.at += 1,
                    b']' => {
                        self.at += 1;
                        break;
                    }
                    _ => return None,
                }
            }
        }
        self.literal(b",\"GID\":")?;
        let gid = self.signed()?;
        self.literal(b",\"TxID\":")?;
        let tx_id = self.last_unsigned()?;
        self.literal(b"}}")?;
        (self.at == self.text.len()).then_some((timestamp, gid, tx_id))
    }
}

/// [`read_gob_into`] for a line exactly as the tools write it (see
/// [`Compact`]); on `None`, `log` holds a part of the line.
fn read_compact_gob(text: &[u8], log: &mut RawFuncLog) -> Option<()> {
    let mut c = Compact { text, at: 0 };
    c.literal(br#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":"#)?;
    let id = c.signed()?;
    c.literal(br#","Tag":""#)?;
    // The usual tags, each with its closing quote.
    let tag = if c.literal(br#"funcStart""#).is_some() {
        USUAL_TAGS[0]
    } else {
        c.literal(br#"funcEnd""#)?;
        USUAL_TAGS[1]
    };
    let (timestamp, gid, tx_id) = c.tail(&mut log.frames, FuncStatusId)?;
    log.id = RawFuncLogId(crate::gob::Int(id));
    log.tag.0.clear();
    log.tag.0.push_str(tag);
    log.timestamp = Time(timestamp);
    log.gid = Gid(gid);
    log.tx_id = TxId(tx_id);
    Some(())
}

/// [`read_marshal_into`] for a line exactly as the tools write it (see
/// [`Compact`]); on `None`, `log` holds a part of the line.
fn read_compact_marshal(text: &[u8], log: &mut marshal::RawFuncLog) -> Option<()> {
    let mut c = Compact { text, at: 0 };
    c.literal(br#"{"packet":"RawFuncLogPacket","FuncLog":{"ID":"#)?;
    let id = c.signed()?;
    c.literal(br#","Tag":"#)?;
    let tag = u8::try_from(c.unsigned()?).ok()?;
    let (timestamp, gid, tx_id) = c.tail(&mut log.frames, |f| f)?;
    log.id = id;
    log.tag = tag;
    log.timestamp = timestamp;
    log.gid = gid;
    log.tx_id = tx_id;
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::TagName;
    use crate::protocol::{AnyPacket, Generation, Packet};

    fn gob_packet(id: i64, tag: &str, frames: Vec<u64>, gid: i64) -> RawFuncLogNewPacket {
        RawFuncLogNewPacket {
            func_log: Some(RawFuncLog {
                id: RawFuncLogId(crate::gob::Int(id)),
                tag: TagName(tag.into()),
                timestamp: Time(id.wrapping_mul(-1_000_003)),
                frames: frames.into_iter().map(FuncStatusId).collect(),
                gid: Gid(gid),
                tx_id: TxId(id.unsigned_abs()),
            }),
        }
    }

    fn edge_numbers() -> Vec<u64> {
        let mut numbers = vec![0, 1, 9, 10, 99, 100, 101, 999, 1000, u64::MAX, u64::MAX - 1];
        numbers.extend((0..64).map(|shift| 1u64 << shift));
        numbers.extend((1..20).map(|power| 10u64.pow(power) - 1));
        numbers.extend((1..20).map(|power| 10u64.pow(power)));
        numbers
    }

    /// Funclogs of both generations with edge values, tags that need
    /// escapes, and stacks of every depth to 72.
    fn packets_to_write() -> Vec<AnyPacket> {
        let numbers = edge_numbers();
        let signed = [0, 1, -1, 42, -42, i64::MAX, i64::MIN, i64::MIN + 1, 1 << 40];
        let tags = [
            "funcStart",
            "funcEnd",
            "",
            "é \"q\" \\ \u{1}\u{8}\u{c}\n\u{7f}",
            "日本",
        ];
        let mut packets = vec![
            AnyPacket::Gob(Packet::RawFuncLogNew(RawFuncLogNewPacket {
                func_log: None,
            })),
            AnyPacket::Gob(Packet::RawFuncLogNew(gob_packet(1, "funcStart", vec![], 7))),
        ];
        for (i, &id) in signed.iter().enumerate() {
            let frames: Vec<u64> = numbers.iter().copied().skip(i).take(9 * i).collect();
            let tag = tags[i % tags.len()];
            packets.push(AnyPacket::Gob(Packet::RawFuncLogNew(gob_packet(
                id,
                tag,
                frames.clone(),
                signed[(i + 3) % signed.len()],
            ))));
            packets.push(AnyPacket::Marshal(marshal::Packet::RawFuncLog(
                marshal::RawFuncLogPacket {
                    func_log: marshal::RawFuncLog {
                        id,
                        tag: (i * 37) as u8,
                        timestamp: signed[(i + 1) % signed.len()],
                        frames,
                        gid: signed[(i + 2) % signed.len()],
                        tx_id: numbers[i],
                    },
                },
            )));
        }
        packets
    }

    #[test]
    fn funclogs_are_written_as_serde_json_writes_them() {
        for packet in &packets_to_write() {
            let mut by_hand = b"[".to_vec();
            packet.append_json(&mut by_hand);
            let mut by_serde = b"[".to_vec();
            packet.write_json(&mut by_serde).unwrap();
            assert_eq!(
                String::from_utf8(by_hand).unwrap(),
                String::from_utf8(by_serde).unwrap()
            );
        }
    }

    #[cfg(feature = "cli")]
    #[test]
    fn lines_written_over_old_ones_in_a_line_buf_are_serde_jsons() {
        use std::io::Write;
        let mut packets = packets_to_write();
        packets.push(AnyPacket::ping(Generation::Gob));
        packets.push(AnyPacket::ping(Generation::Marshal));
        let mut lines = LineBuf::default();
        // Longest first: each line is written over the bytes of longer
        // ones, which must not show through.
        packets.sort_by_key(|p| std::cmp::Reverse(p.to_json().len()));
        for packet in &packets {
            lines.clear();
            lines.write_all(b"x").unwrap();
            packet.write_json_line(&mut lines, b"{\"p\":", b"}\n");
            let mut by_serde = b"x{\"p\":".to_vec();
            packet.write_json(&mut by_serde).unwrap();
            by_serde.extend_from_slice(b"}\n");
            assert_eq!(
                String::from_utf8_lossy(lines.as_bytes()),
                String::from_utf8_lossy(&by_serde)
            );
        }
        // Lines after lines: all kept, in order.
        lines.clear();
        let mut expected = Vec::new();
        for packet in &packets {
            packet.write_json_line(&mut lines, b"", b"\n");
            packet.write_json(&mut expected).unwrap();
            expected.push(b'\n');
        }
        assert_eq!(lines.as_bytes(), &expected[..]);
    }

    #[test]
    fn integers_are_read_as_rust_parses_them() {
        let mut numbers: Vec<String> = edge_numbers().iter().map(u64::to_string).collect();
        numbers.extend(
            [
                "18446744073709551616",
                "99999999999999999999",
                "123456789012345678901",
            ]
            .map(String::from),
        );
        numbers.extend((1..=21).map(|len| "9".repeat(len)));
        numbers.extend((1..=21).map(|len| "1234567890".repeat(3)[..len].to_string()));
        for number in &numbers {
            for after in ["", ",", "]", " ", "}}", ",1234567", "x", "/", ":"] {
                let text = format!("{number}{after}");
                let mut c = Cursor {
                    text: text.as_bytes(),
                    at: 0,
                };
                let read = c.unsigned();
                let expected = number.parse::<u64>().ok();
                assert_eq!(read, expected, "{text:?}");
                if read.is_some() {
                    assert_eq!(c.at, number.len(), "{text:?}");
                }
            }
        }
        for bad in ["", "x", "-1", "01", "00", "1.5", "1e3", "2E1", "/1", ":1"] {
            let mut c = Cursor {
                text: bad.as_bytes(),
                at: 0,
            };
            assert_eq!(c.unsigned(), None, "{bad:?}");
        }
    }

    #[test]
    fn numbers_are_written_as_rust_formats_them() {
        let mut numbers = edge_numbers();
        for power in 0..20 {
            let p = 10u64.pow(power);
            numbers.extend([p - 1, p, p + 1, p.wrapping_mul(7) / 3, p / 2 + 5]);
        }
        // A spread of others, every length.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            numbers.push(x >> (x % 64));
        }
        for &n in &numbers {
            for signed in [n as i64, (n as i64).wrapping_neg()] {
                let mut room = [b'#'; 64];
                let mut line = Line {
                    room: &mut room,
                    at: 0,
                };
                line.unsigned(n);
                line.bytes(b",");
                line.signed(signed);
                let written = &line.room[..line.at];
                assert_eq!(written, format!("{n},{signed}").as_bytes(), "{n}");
            }
        }
    }

    #[test]
    fn digits_read_eight_at_a_time_are_what_a_byte_loop_reads() {
        // Numbers of every length around the 8-byte steps, overflowing
        // ones, and each followed by bytes just outside the digits, by
        // bytes that carry when 6 is added, and by more digits after a
        // non-digit, so that each step ends at every place.
        let mut numbers: Vec<String> = Vec::new();
        for len in 1..=22 {
            numbers.push("9".repeat(len));
            numbers.push("1".to_string() + &"0".repeat(len - 1));
            numbers.push(
                "98765432109876543210987"
                    .chars()
                    .skip(len % 3)
                    .take(len)
                    .collect(),
            );
        }
        numbers.extend(
            [
                "18446744073709551615",
                "18446744073709551616",
                "00000000",
                "012",
            ]
            .map(String::from),
        );
        let afters: [&[u8]; 12] = [
            b"",
            b",",
            b"]",
            b"}}",
            b"/0000000",
            b":1234567",
            b"\xfa12345678",
            b"\xff\xff\xff\xff\xff\xff\xff\xff\xff",
            b"\x00",
            b"@@@@@@@@",
            b",12345678901234567890",
            b".5e3",
        ];
        for number in &numbers {
            for after in afters {
                let text = [number.as_bytes(), after].concat();
                let mut c = Cursor { text: &text, at: 0 };
                let read = c.digits();
                // What the byte loop and serde_json accept: no leading
                // zero, no fraction or exponent, within u64.
                let leading_zero = number.len() > 1 && number.starts_with('0');
                let fraction = matches!(after.first(), Some(b'.' | b'e' | b'E'));
                let plain = !leading_zero && !fraction;
                let expected = number.parse::<u64>().ok().filter(|_| plain);
                assert_eq!(read, expected, "{text:x?}");
                if read.is_some() {
                    assert_eq!(c.at, number.len(), "{text:x?}");
                }
            }
        }
    }

    #[test]
    fn a_line_read_on_bytes_is_utf8() {
        let line = |tag: &[u8]| {
            let mut line = br#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":""#.to_vec();
            line.extend_from_slice(tag);
            line.extend_from_slice(br#"","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#);
            line
        };
        let read = |tag: &[u8]| AnyPacket::funclog_from_json_bytes(&line(tag), Generation::Gob);
        assert!(read("日本".as_bytes()).is_some());
        for bad in [&b"\xff"[..], b"\xe6\x97", b"a\xc0\x80"] {
            assert!(std::str::from_utf8(&line(bad)).is_err());
            assert_eq!(read(bad), None, "{bad:?}");
        }
        // Outside the tag, any byte not ASCII is not the usual shape.
        let mut other = line(b"x");
        other.extend_from_slice(b"\xff");
        assert_eq!(
            AnyPacket::funclog_from_json_bytes(&other, Generation::Gob),
            None
        );
    }

    /// Packets of every kind a reused one may be: funclogs of both
    /// generations with long stacks and tags, and other packets.
    fn used_packets() -> Vec<AnyPacket> {
        let frames: Vec<u64> = (0..50).collect();
        vec![
            AnyPacket::Gob(Packet::RawFuncLogNew(gob_packet(
                5,
                "a long tag, 日本",
                frames.clone(),
                3,
            ))),
            AnyPacket::Gob(Packet::RawFuncLogNew(RawFuncLogNewPacket {
                func_log: None,
            })),
            AnyPacket::Marshal(marshal::Packet::RawFuncLog(marshal::RawFuncLogPacket {
                func_log: marshal::RawFuncLog {
                    id: 9,
                    tag: 1,
                    timestamp: -4,
                    frames,
                    gid: 2,
                    tx_id: 8,
                },
            })),
            AnyPacket::ping(Generation::Gob),
            AnyPacket::ping(Generation::Marshal),
        ]
    }

    /// What serde_json alone makes of a line: the packet, or the error.
    fn by_serde(text: &str, generation: Generation) -> Result<AnyPacket, String> {
        match generation {
            Generation::Gob => Packet::from_json(text).map(AnyPacket::Gob),
            Generation::Marshal => marshal::Packet::from_json(text).map(AnyPacket::Marshal),
        }
        .map_err(|e| e.to_string())
    }

    #[test]
    fn funclogs_are_read_as_serde_json_reads_them() {
        let gob_lines = [
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"funcStart","Timestamp":1511136000123456790,"Frames":[4849665,4849729],"GID":7,"TxID":1}}"#,
            r#" { "packet" : "RawFuncLogNewPacket" ,	"FuncLog":{"ID":-1,"Tag":"","Timestamp":-5,"Frames":[ ],"GID":-9223372036854775807,"TxID":18446744073709551615 } }  "#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"日本","Timestamp":0,"Frames":[0, 1 ,2],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40],"GID":0,"TxID":10000000000000000000}}"#,
            "{\"packet\"\n:\r\"RawFuncLogNewPacket\", \"FuncLog\" : { \"ID\" :1 , \"Tag\" : \"x\" ,\"Timestamp\":0,\"Frames\" : [ 1 , 2 ] , \"GID\" : 0 , \"TxID\" : 0 } }",
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":99999999999999999999}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":100000000000000000000}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":1}}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":-,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":1}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":- 1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":1}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":null}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1}}"#,
            r#"{"FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0},"packet":"RawFuncLogNewPacket"}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"a\"b\\c\u0041\n","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":-0,"Tag":"x","Timestamp":-9223372036854775808,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":9223372036854775808,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[18446744073709551616],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":01,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1.0,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1e3,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[-1],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[1,],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[1 2],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0,"Nope":1}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0}} x"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":-1}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":"x	y","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacketX","FuncLog":{"ID":1,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"ID":2,"Tag":"x","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
        ];
        let marshal_lines = [
            r#"{"packet":"RawFuncLogPacket","FuncLog":{"ID":1,"Tag":0,"Timestamp":1511136000123456790,"Frames":[4849665,4849729],"GID":7,"TxID":1}}"#,
            r#"{"packet":"RawFuncLogPacket","FuncLog":{"ID":1,"Tag":255,"Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogPacket","FuncLog":{"ID":1,"Tag":256,"Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogPacket","FuncLog":{"ID":1,"Tag":-1,"Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogPacket","FuncLog":{"ID":1,"Tag":"0","Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
            r#"{"packet":"RawFuncLogPacket","FuncLog":null}"#,
            r#"{"packet":"RawFuncLogNewPacket","FuncLog":{"ID":1,"Tag":0,"Timestamp":0,"Frames":[],"GID":0,"TxID":0}}"#,
        ];
        let cases = gob_lines
            .iter()
            .map(|l| (*l, Generation::Gob))
            .chain(marshal_lines.iter().map(|l| (*l, Generation::Marshal)))
            // Each line in the other generation too, and cut short.
            .chain(gob_lines.iter().map(|l| (*l, Generation::Marshal)))
            .chain(marshal_lines.iter().map(|l| (*l, Generation::Gob)));
        let mut quick = 0;
        for (line, generation) in cases {
            for end in (0..=line.len()).filter(|&end| line.is_char_boundary(end)) {
                let text = &line[..end];
                let read = AnyPacket::from_json(text, generation).map_err(|e| e.to_string());
                assert_eq!(read, by_serde(text, generation), "{generation:?} {text}");
                let by_hand = match generation {
                    Generation::Gob => read_gob(text.as_bytes()).is_some(),
                    Generation::Marshal => read_marshal(text.as_bytes()).is_some(),
                };
                // The quick way on bytes gives what the whole reading gives.
                let on_bytes = AnyPacket::funclog_from_json_bytes(text.as_bytes(), generation);
                if let Some(packet) = &on_bytes {
                    assert_eq!(Ok(packet), read.as_ref(), "{generation:?} {text}");
                }
                // Read into packets that held other lines, their memory
                // reused: the same packet, or the same refusal.
                for mut reused in used_packets() {
                    let took = reused.read_funclog_json_bytes(text.as_bytes(), generation);
                    assert_eq!(took, on_bytes.is_some(), "{generation:?} {text}");
                    if took {
                        assert_eq!(Ok(&reused), read.as_ref(), "{generation:?} {text}");
                    }
                }
                quick += usize::from(by_hand);
            }
        }
        // The usual shapes did take the quick way.
        assert!(quick >= 5, "{quick} lines read by hand");
    }

    /// Lines in the tools' exact shape, with numbers of every length and
    /// sign (20 digits and more, leading zeros, "-0", the i64 edges), at
    /// every place in the line (the last one close to its end).
    fn compact_lines() -> Vec<(String, Generation)> {
        let mut numbers: Vec<String> = vec!["0".into(), "00".into(), "01".into(), "-0".into()];
        for len in 1..=21 {
            numbers.push("9".repeat(len));
            numbers.push(format!("1{}", "0".repeat(len - 1)));
            numbers.push("8765432109876543210987"[..len].to_string());
        }
        numbers.extend(
            [
                "9223372036854775807",
                "9223372036854775808",
                "18446744073709551615",
                "18446744073709551616",
            ]
            .map(String::from),
        );
        let signed: Vec<String> = numbers
            .iter()
            .flat_map(|n| [n.clone(), format!("-{n}")])
            .collect();
        let mut lines = Vec::new();
        for (i, number) in signed.iter().enumerate() {
            let other = &numbers[i % numbers.len()];
            let frames = match i % 4 {
                0 => String::new(),
                1 => other.clone(),
                2 => format!("{number},{other},7"),
                _ => [other.as_str(); 9].join(","),
            };
            let tag = ["funcStart", "funcEnd", "x", ""][i % 4];
            let gob = |id: &str, ts: &str, gid: &str, tx: &str| {
                format!(
                    r#"{{"packet":"RawFuncLogNewPacket","FuncLog":{{"ID":{id},"Tag":"{tag}","Timestamp":{ts},"Frames":[{frames}],"GID":{gid},"TxID":{tx}}}}}"#
                )
            };
            let marshal = |id: &str, t: &str, ts: &str, gid: &str, tx: &str| {
                format!(
                    r#"{{"packet":"RawFuncLogPacket","FuncLog":{{"ID":{id},"Tag":{t},"Timestamp":{ts},"Frames":[{frames}],"GID":{gid},"TxID":{tx}}}}}"#
                )
            };
            lines.push((gob(number, other, "7", other), Generation::Gob));
            lines.push((gob("1", number, other, "0"), Generation::Gob));
            lines.push((gob(other, "1", number, number), Generation::Gob));
            lines.push((marshal(number, "1", other, "7", other), Generation::Marshal));
            lines.push((
                marshal("1", number, number, other, "0"),
                Generation::Marshal,
            ));
            lines.push((
                marshal(other, "0", "1", number, number),
                Generation::Marshal,
            ));
        }
        lines
    }

    type GobReader = fn(&[u8], &mut RawFuncLog) -> Option<()>;
    type MarshalReader = fn(&[u8], &mut marshal::RawFuncLog) -> Option<()>;

    /// `line` read as a packet by one of the readers of each generation.
    fn read_with(
        line: &[u8],
        generation: Generation,
        (gob, marshal_reader): (GobReader, MarshalReader),
    ) -> Option<AnyPacket> {
        match generation {
            Generation::Gob => {
                let mut log = RawFuncLog::default();
                gob(line, &mut log)?;
                let packet = RawFuncLogNewPacket {
                    func_log: Some(log),
                };
                Some(AnyPacket::Gob(Packet::RawFuncLogNew(packet)))
            }
            Generation::Marshal => {
                let mut log = marshal::RawFuncLog::default();
                marshal_reader(line, &mut log)?;
                let packet = marshal::RawFuncLogPacket { func_log: log };
                Some(AnyPacket::Marshal(marshal::Packet::RawFuncLog(packet)))
            }
        }
    }

    /// `line` read by the one-pass reader alone.
    fn read_compact(line: &[u8], generation: Generation) -> Option<AnyPacket> {
        read_with(line, generation, (read_compact_gob, read_compact_marshal))
    }

    /// `line` read by the number-by-number reader alone.
    fn read_general(line: &[u8], generation: Generation) -> Option<AnyPacket> {
        read_with(line, generation, (read_general_gob, read_general_marshal))
    }

    #[test]
    fn the_one_pass_reading_takes_only_what_serde_json_reads_the_same() {
        let mut taken = 0;
        let mut checked = 0;
        for (line, generation) in compact_lines() {
            // The line, each of its bytes replaced by bytes that matter
            // around numbers, and the line cut short anywhere.
            let mut variants = vec![line.as_bytes().to_vec()];
            for at in 0..line.len() {
                for byte in [
                    b' ', b'0', b'5', b'-', b'.', b'e', b',', b']', b'}', b'"', 0xff,
                ] {
                    let mut changed = line.as_bytes().to_vec();
                    changed[at] = byte;
                    variants.push(changed);
                }
                variants.push(line.as_bytes()[..at].to_vec());
            }
            for variant in variants {
                let Some(read) = read_compact(&variant, generation) else {
                    continue;
                };
                let text = std::str::from_utf8(&variant).expect("a line read is UTF-8");
                assert_eq!(Ok(read.clone()), by_serde(text, generation), "{text}");
                // And what the number-by-number reading gives.
                assert_eq!(read_general(&variant, generation), Some(read), "{text}");
                checked += 1;
            }
            let whole = read_compact(line.as_bytes(), generation);
            let plain = by_serde(&line, generation);
            // Every line in the shape that serde_json reads is taken,
            // but for the numbers left to the general reading.
            let left = ["-0,", "-0}", "-0]", "-9223372036854775808", "\"x\"", "\"\""]
                .iter()
                .any(|n| line.contains(n))
                || line
                    .split(|c: char| !c.is_ascii_digit())
                    .any(|n| n.len() >= 20);
            if plain.is_ok() && !left {
                assert!(whole.is_some(), "{line}");
            }
            taken += usize::from(whole.is_some());
        }
        assert!(
            taken > 200 && checked > 1000,
            "{taken} lines, {checked} variants"
        );
    }
}
