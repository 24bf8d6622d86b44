//! Gob's wire primitives: how integers, floats and byte strings are written.
//!
//! An unsigned integer below 128 is one byte; a larger one is the negated
//! byte count followed by the big-endian bytes without leading zeros. A
//! signed integer is folded into an unsigned one with the sign in the low
//! bit. A float is its IEEE-754 bits byte-reversed, then sent as an unsigned
//! integer, so that common floats are short.

use super::error::{Error, Result};

/// Appends `x` in gob's unsigned integer encoding.
#[inline]
pub fn put_uint(out: &mut Vec<u8>, x: u64) {
    if x < 0x80 {
        out.push(x as u8);
    } else {
        put_long_uint(out, x);
    }
}

// Out of line, and a leaf while the vector has room: the growing is a
// tail call, so the common path saves no registers.
#[inline(never)]
fn put_long_uint(out: &mut Vec<u8>, x: u64) {
    if out.capacity() - out.len() < 9 {
        return put_long_uint_growing(out, x);
    }
    write_long_uint(out, x);
}

#[cold]
#[inline(never)]
fn put_long_uint_growing(out: &mut Vec<u8>, x: u64) {
    out.reserve(9);
    write_long_uint(out, x);
}

#[inline(always)]
fn write_long_uint(out: &mut Vec<u8>, x: u64) {
    let n = 8 - (x.leading_zeros() / 8) as usize;
    // The count byte, then the value's n bytes left-aligned: the first
    // n + 1 of these 9 bytes are the encoding.
    let mut word = [0u8; 9];
    word[0] = (-(n as i8)) as u8;
    word[1..].copy_from_slice(&(x << (8 * (8 - n))).to_be_bytes());
    // A constant-length copy is a few moves; then drop the unused tail.
    out.extend_from_slice(&word);
    out.truncate(out.len() - (8 - n));
}

/// The spare capacity [`put_uint_led`] needs: a lead byte and the longest
/// unsigned integer.
const LED_UINT_ROOM: usize = 10;

/// Appends `x` in gob's unsigned integer encoding, after the byte `lead`
/// if `led` (a struct field's delta, below 128), with one update of the
/// vector's length and no branch on `x`'s length.
///
/// Inlined, it keeps the length in a register from one write to the next
/// where the vector is reached through a `&mut` the compiler knows nothing
/// else writes (the encoder's state).
#[inline(always)]
pub fn put_uint_led(out: &mut Vec<u8>, led: bool, lead: u8, x: u64) {
    let len = out.len();
    if out.capacity() - len < LED_UINT_ROOM {
        // By value: the call gets no pointer to where `out` lives.
        grow_by_value(out, LED_UINT_ROOM);
    }
    // x's bytes without leading zeros (0 for 0).
    let k = 8 - (x.leading_zeros() / 8) as usize;
    let short = x < 0x80;
    // One byte below 128, else the negated byte count and the bytes,
    // which start `body` (its tail is past the new length).
    let first = if short { x as u8 } else { (-(k as i8)) as u8 };
    let body = x.wrapping_shl(8 * (8 - k) as u32).to_be_bytes();
    let at = led as usize;
    let written = at + 1 + if short { 0 } else { k };
    // SAFETY: `out` has LED_UINT_ROOM (10) bytes of spare capacity after
    // `len` (checked above, or reserved). The writes cover len + 0 (lead),
    // len + at (first) and len + at + 1 .. len + at + 9 with at <= 1, so
    // all lie within len .. len + 10, inside the allocation; u8 has no
    // alignment. `set_len` then counts `written` <= 1 + 1 + 8 bytes, all
    // just written: the lead (if led), `first`, and k bytes of `body`.
    unsafe {
        let p = out.as_mut_ptr().add(len);
        p.write(lead);
        p.add(at).write(first);
        p.add(at + 1).cast::<[u8; 8]>().write_unaligned(body);
        out.set_len(len + written);
    }
}

/// Appends `b` as gob sends a string or a `[]byte` (its length, then the
/// bytes), after the byte `lead` if `led`, as [`put_uint_led`] does: one
/// update of the length, and a call only to grow the vector (by value).
#[inline(always)]
pub fn put_bytes_led(out: &mut Vec<u8>, led: bool, lead: u8, b: &[u8]) {
    let len = out.len();
    let room = LED_UINT_ROOM + b.len();
    if out.capacity() - len < room {
        grow_by_value(out, room);
    }
    put_uint_led(out, led, lead, b.len() as u64);
    let at = out.len();
    // SAFETY: `out` had `room` = 10 + b.len() bytes of spare capacity after
    // `len`, and put_uint_led wrote at most 10 of them, so b.len() bytes
    // from `at` are inside the allocation; `b` is a shared borrow that
    // cannot overlap `out`'s buffer, which `out` borrows mutably. The new
    // length covers exactly the bytes copied.
    unsafe {
        std::ptr::copy_nonoverlapping(b.as_ptr(), out.as_mut_ptr().add(at), b.len());
        out.set_len(at + b.len());
    }
}

/// Appends the raw byte `b`, as [`put_uint_led`] does its integer (a
/// call only to grow the vector, by value).
#[inline(always)]
pub fn put_byte(out: &mut Vec<u8>, b: u8) {
    let len = out.len();
    if out.capacity() == len {
        grow_by_value(out, 1);
    }
    // SAFETY: there is at least one byte of spare capacity after `len`
    // (checked above, or reserved), and `set_len` counts only it, just
    // written.
    unsafe {
        out.as_mut_ptr().add(len).write(b);
        out.set_len(len + 1);
    }
}

/// Reserves `room` more bytes in `out`. The vector goes to the call and
/// comes back by value, so the call gets no pointer to where it lives (an
/// encoder's state, whose buffer length then stays in a register on the
/// hot path).
#[inline(always)]
fn grow_by_value(out: &mut Vec<u8>, room: usize) {
    let grown = grown_for(std::mem::take(out), room);
    // What `take` left is empty: nothing to drop.
    std::mem::forget(std::mem::replace(out, grown));
}

#[cold]
#[inline(never)]
fn grown_for(mut out: Vec<u8>, room: usize) -> Vec<u8> {
    out.reserve(room);
    out
}

/// Folds a signed integer into gob's unsigned form: the value in bits 1 up,
/// complemented when bit 0 is set.
#[inline]
pub fn fold_int(i: i64) -> u64 {
    if i < 0 {
        (!(i as u64) << 1) | 1
    } else {
        (i as u64) << 1
    }
}

/// The signed integer an unsigned one from the stream stands for: the
/// inverse of [`fold_int`].
pub fn unfold_int(u: u64) -> i64 {
    let i = (u >> 1) as i64;
    if u & 1 != 0 { !i } else { i }
}

/// Appends `i` in gob's signed integer encoding.
#[inline]
pub fn put_int(out: &mut Vec<u8>, i: i64) {
    put_uint(out, fold_int(i));
}

/// The unsigned integer gob sends for a float: its IEEE-754 bits,
/// byte-reversed.
pub fn float_to_wire(f: f64) -> u64 {
    f.to_bits().swap_bytes()
}

/// The float an unsigned integer from the stream stands for: the inverse of
/// [`float_to_wire`].
pub fn float_from_wire(u: u64) -> f64 {
    f64::from_bits(u.swap_bytes())
}

/// Appends `f` in gob's float encoding.
#[inline]
pub fn put_float(out: &mut Vec<u8>, f: f64) {
    put_uint(out, float_to_wire(f));
}

/// Appends `b` as gob sends a string or a `[]byte`: its length, then the bytes.
#[inline]
pub fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    put_uint(out, b.len() as u64);
    out.extend_from_slice(b);
}

/// The length of `x` in gob's unsigned encoding.
pub fn uint_len(x: u64) -> usize {
    if x < 0x80 {
        1
    } else {
        1 + 8 - (x.leading_zeros() / 8) as usize
    }
}

/// The unsigned integer at the front of `bytes` and its length, if it is
/// there in its shortest encoding, the only one Go and [`put_uint`] write;
/// `None` for an encoding that is longer than needed, cut short, or has a
/// byte count over 8.
///
/// For fast paths that read what a known sender writes and leave anything
/// else to a full decoder (whose errors [`Cursor::get_uint`] gives).
#[inline]
pub fn shortest_uint(bytes: &[u8]) -> Option<(u64, usize)> {
    let &first = bytes.first()?;
    if first < 0x80 {
        return Some((first as u64, 1));
    }
    // 0xff announces 1 byte, 0xf8 8; anything lower is not an encoding.
    let n = first.wrapping_neg() as usize;
    if n > 8 {
        return None;
    }
    let x = match bytes.get(1..9) {
        // One load when 8 bytes follow, the value's n first.
        Some(word) => u64::from_be_bytes(word.try_into().ok()?) >> (8 * (8 - n)),
        None => bytes
            .get(1..1 + n)?
            .iter()
            .fold(0u64, |x, &b| (x << 8) | b as u64),
    };
    // Shortest: at least the smallest value that needs n bytes.
    if x < NEEDS_BYTES[n] {
        return None;
    }
    Some((x, 1 + n))
}

/// The smallest value whose encoding takes a count byte and n bytes.
const NEEDS_BYTES: [u64; 9] = [
    0,
    0x80,
    1 << 8,
    1 << 16,
    1 << 24,
    1 << 32,
    1 << 40,
    1 << 48,
    1 << 56,
];

/// `bytes` as text, if they are UTF-8, as gob's strings must be. A short
/// ASCII string (the usual name or tag) is told by a word test, cheaper
/// than the general validator's set-up.
#[inline(always)]
pub fn text(bytes: &[u8]) -> Option<&str> {
    if short_ascii(bytes) {
        // SAFETY: every byte is below 0x80, so the bytes are ASCII, which
        // is valid UTF-8.
        return Some(unsafe { std::str::from_utf8_unchecked(bytes) });
    }
    std::str::from_utf8(bytes).ok()
}

/// Whether `bytes` are at most 16 bytes, all below 0x80: from 4 bytes on,
/// two words that overlap cover them, one test for the high bits of all.
#[inline(always)]
fn short_ascii(bytes: &[u8]) -> bool {
    let n = bytes.len();
    if n > 16 {
        return false;
    }
    if n >= 8 {
        let (mut head, mut tail) = ([0u8; 8], [0u8; 8]);
        head.copy_from_slice(&bytes[..8]);
        tail.copy_from_slice(&bytes[n - 8..]);
        return (u64::from_ne_bytes(head) | u64::from_ne_bytes(tail)) & 0x8080_8080_8080_8080 == 0;
    }
    if n >= 4 {
        let (mut head, mut tail) = ([0u8; 4], [0u8; 4]);
        head.copy_from_slice(&bytes[..4]);
        tail.copy_from_slice(&bytes[n - 4..]);
        return (u32::from_ne_bytes(head) | u32::from_ne_bytes(tail)) & 0x8080_8080 == 0;
    }
    bytes.iter().all(|&b| b < 0x80)
}

/// A cursor over bytes that knows its position in the whole stream.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    /// Stream offset of `bytes[0]`.
    base: u64,
}

impl<'a> Cursor<'a> {
    /// A cursor at the start of `bytes`, whose first byte is at stream offset
    /// `base`.
    pub fn new(bytes: &'a [u8], base: u64) -> Self {
        Cursor {
            bytes,
            pos: 0,
            base,
        }
    }

    /// The stream offset of the next byte to read.
    pub fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Bytes read so far.
    pub fn consumed(&self) -> usize {
        self.pos
    }

    /// How many bytes are left to read.
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    /// Whether every byte has been read.
    pub fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }

    /// Reads an unsigned integer.
    pub fn get_uint(&mut self) -> Result<u64> {
        let start = self.offset();
        let Some(&first) = self.bytes.get(self.pos) else {
            return Err(Error::UnexpectedEof {
                offset: start,
                context: "reading an unsigned integer",
            });
        };
        if first < 0x80 {
            self.pos += 1;
            return Ok(first as u64);
        }
        let n = (first as i8).unsigned_abs() as usize;
        if n > 8 {
            return Err(Error::malformed(
                start,
                format!("integer byte count {n} is over 8"),
            ));
        }
        let Some(body) = self.bytes.get(self.pos + 1..self.pos + 1 + n) else {
            return Err(Error::UnexpectedEof {
                offset: start,
                context: "reading an unsigned integer",
            });
        };
        let mut x = 0u64;
        for &b in body {
            x = (x << 8) | b as u64;
        }
        self.pos += 1 + n;
        Ok(x)
    }

    /// Reads a signed integer.
    pub fn get_int(&mut self) -> Result<i64> {
        self.get_uint().map(unfold_int)
    }

    /// Reads a float.
    pub fn get_float(&mut self) -> Result<f64> {
        self.get_uint().map(float_from_wire)
    }

    /// Reads a bool, sent as the unsigned integer 0 or 1; like Go's
    /// decoder, any other number reads as true.
    pub fn get_bool(&mut self) -> Result<bool> {
        Ok(self.get_uint()? != 0)
    }

    /// Reads `n` raw bytes, failing before anything is allocated if fewer remain.
    pub fn take(&mut self, n: u64, context: &'static str) -> Result<&'a [u8]> {
        if n > self.remaining() as u64 {
            return Err(Error::UnexpectedEof {
                offset: self.offset(),
                context,
            });
        }
        let start = self.pos;
        self.pos += n as usize;
        Ok(&self.bytes[start..self.pos])
    }

    /// Reads a length-prefixed byte string.
    pub fn get_bytes(&mut self, context: &'static str) -> Result<&'a [u8]> {
        let n = self.get_uint()?;
        self.take(n, context)
    }

    /// Reads a count of items that each need at least `min_item_bytes`,
    /// checked against what remains so that no allocation is sized by it
    /// before it is known to be possible.
    pub fn get_count(&mut self, min_item_bytes: u64, what: &'static str) -> Result<usize> {
        let at = self.offset();
        let n = self.get_uint()?;
        if n.saturating_mul(min_item_bytes) > self.remaining() as u64 {
            return Err(Error::malformed(
                at,
                format!(
                    "{what} count {n} is larger than the {} bytes that remain",
                    self.remaining()
                ),
            ));
        }
        Ok(n as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uint_bytes(x: u64) -> Vec<u8> {
        let mut v = Vec::new();
        put_uint(&mut v, x);
        v
    }

    #[test]
    fn unsigned_integers_follow_go() {
        assert_eq!(uint_bytes(0), [0x00]);
        assert_eq!(uint_bytes(7), [0x07]);
        assert_eq!(uint_bytes(127), [0x7f]);
        assert_eq!(uint_bytes(128), [0xff, 0x80]);
        assert_eq!(uint_bytes(256), [0xfe, 0x01, 0x00]);
        assert_eq!(
            uint_bytes(u64::MAX),
            [0xf8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        for x in [0, 1, 127, 128, 255, 256, 1 << 40, u64::MAX] {
            assert_eq!(uint_len(x), uint_bytes(x).len());
        }
    }

    /// A vector holding `prefix` with exactly `spare` bytes of room.
    fn with_spare(prefix: &[u8], spare: usize) -> Vec<u8> {
        let mut v = Vec::with_capacity(prefix.len() + spare);
        v.extend_from_slice(prefix);
        assert_eq!(v.capacity(), prefix.len() + spare, "the room asked for");
        v
    }

    #[test]
    fn led_writes_match_the_plain_ones_at_every_spare_capacity() {
        let numbers = [
            0,
            1,
            127,
            128,
            255,
            256,
            0xffff,
            1 << 32,
            u64::MAX >> 1,
            u64::MAX,
        ];
        let prefix = [9u8, 9, 9];
        for spare in 0..24 {
            for &x in &numbers {
                for led in [false, true] {
                    let mut want = prefix.to_vec();
                    if led {
                        want.push(0x55);
                    }
                    put_uint(&mut want, x);
                    let mut out = with_spare(&prefix, spare);
                    put_uint_led(&mut out, led, 0x55, x);
                    assert_eq!(out, want, "x {x} led {led} spare {spare}");
                }
            }
            for n in [0, 1, 9, 127, 128, 300] {
                let bytes: Vec<u8> = (0..n).map(|i| i as u8).collect();
                for led in [false, true] {
                    let mut want = prefix.to_vec();
                    if led {
                        want.push(0x7f);
                    }
                    put_bytes(&mut want, &bytes);
                    let mut out = with_spare(&prefix, spare);
                    put_bytes_led(&mut out, led, 0x7f, &bytes);
                    assert_eq!(out, want, "n {n} led {led} spare {spare}");
                }
            }
            let mut out = with_spare(&prefix, spare);
            put_byte(&mut out, 0xfe);
            assert_eq!(out, [9, 9, 9, 0xfe]);
        }
    }

    #[test]
    fn text_takes_ascii_and_utf8_and_refuses_other_bytes_at_every_length_and_place() {
        for n in 0..=20 {
            let ascii: Vec<u8> = (0..n).map(|i| b'a' + i as u8).collect();
            assert_eq!(text(&ascii), std::str::from_utf8(&ascii).ok(), "{n}");
            for at in 0..n {
                // A lone high byte (not UTF-8), and a two-byte character.
                let mut bad = ascii.clone();
                bad[at] = 0x80 | at as u8;
                assert_eq!(text(&bad), None, "{n} {at}");
                let mut wide = ascii.clone();
                wide.splice(at..at + 1, "é".bytes());
                let want = std::str::from_utf8(&wide).unwrap();
                assert_eq!(text(&wide), Some(want), "{n} {at}");
            }
        }
    }

    #[test]
    fn signed_integers_put_the_sign_in_the_low_bit() {
        // Values from Go's doc.go.
        assert_eq!(fold_int(-129), 257);
        assert_eq!(fold_int(22), 44);
        assert_eq!(fold_int(-1), 1);
        for i in [0, 1, -1, i64::MAX, i64::MIN, -65] {
            assert_eq!(unfold_int(fold_int(i)), i);
        }
        let mut v = Vec::new();
        put_int(&mut v, -65);
        assert_eq!(v, [0xff, 0x81]);
    }

    #[test]
    fn floats_are_byte_reversed() {
        // doc.go: 17.0 is sent as FE 31 40.
        let mut v = Vec::new();
        put_float(&mut v, 17.0);
        assert_eq!(v, [0xfe, 0x31, 0x40]);
        let mut c = Cursor::new(&v, 0);
        assert_eq!(c.get_float().unwrap(), 17.0);
    }

    #[test]
    fn shortest_uint_reads_exactly_what_put_uint_writes() {
        let mut values = vec![0, 1, 127, 128, 255, 256, 65535, 65536, u64::MAX];
        values.extend((0..64).map(|shift| 1u64 << shift));
        values.extend((0..64).map(|shift| (1u64 << shift) - 1));
        for x in values {
            let bytes = uint_bytes(x);
            // Alone, and with bytes after it (the one-load path).
            for tail in [&[][..], &[0xaa; 9]] {
                let mut input = bytes.clone();
                input.extend_from_slice(tail);
                assert_eq!(shortest_uint(&input), Some((x, bytes.len())), "{x}");
            }
            // Cut short: nothing.
            for cut in 0..bytes.len() {
                assert_eq!(shortest_uint(&bytes[..cut]), None, "{x} cut at {cut}");
            }
        }
        // Longer than needed: the cursor reads them, this does not.
        for overlong in [
            &[0xff, 0x05][..],
            &[0xfe, 0x00, 0x80],
            &[0xff, 0x00],
            &[0xf8, 0, 0, 0, 0, 0, 0, 0, 1],
            &[0xf8, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 7],
        ] {
            assert!(Cursor::new(overlong, 0).get_uint().is_ok());
            assert_eq!(shortest_uint(overlong), None, "{overlong:?}");
        }
        // Byte counts over 8.
        for bad in [0x80u8, 0xf0, 0xf7] {
            assert_eq!(shortest_uint(&[bad, 1, 1, 1, 1, 1, 1, 1, 1, 1]), None);
        }
    }

    #[test]
    fn reading_past_the_end_is_an_error_with_offset() {
        let mut c = Cursor::new(&[0xfe, 0x01], 10);
        match c.get_uint() {
            Err(Error::UnexpectedEof { offset, .. }) => assert_eq!(offset, 10),
            other => panic!("unexpected {other:?}"),
        }
        let mut c = Cursor::new(&[0x05, 1, 2], 0);
        assert!(c.get_bytes("bytes").is_err());
        let mut c = Cursor::new(&[0xf7, 0, 0], 0);
        assert!(matches!(c.get_uint(), Err(Error::Malformed { .. })));
    }
}
