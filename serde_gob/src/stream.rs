//! Reading a gob stream message by message, with the sender's type table.
//!
//! A gob stream is a sequence of length-prefixed messages. Type definitions
//! travel in messages of their own, except that Go flushes the message it is
//! building whenever an interface value needs a new concrete type: the rest
//! of that value then continues in the next message. Both the serde
//! deserializer and the dynamic decoder read through this type.

use std::io::Read;
use std::sync::Arc;

use super::error::{Error, Result};
use super::types::{self, GobId, Shape, WireType};
use super::wire::Cursor;
use source::Prefix;

/// Limits that protect a decoder from hostile input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest message accepted, in bytes (Go's own limit is 1 GiB).
    pub max_message: u64,
    /// The deepest nesting of structs, slices, maps and interfaces.
    pub max_depth: usize,
    /// The most elements one slice, array or map may announce.
    pub max_elements: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_message: 64 << 20,
            max_depth: 100,
            max_elements: 1 << 24,
        }
    }
}

/// Where a decoder's messages come from.
///
/// Every [`Read`]er is an input: each message is read into the decoder's
/// own buffer, and values own what they hold. A [`SliceInput`] is the other
/// kind: the whole stream is in memory, each message is decoded where it
/// lies, and a value may borrow strings and byte slices from it (`&'de str`,
/// `&'de [u8]`, `Cow<'de, str>` with `#[serde(borrow)]`). A reader asked for
/// a borrowed value fails with [`Error::TypeMismatch`] ("expected a borrowed
/// string"), since what it read does not outlive the message.
///
/// The trait is sealed: only these two kinds exist.
pub trait Input<'de>: source::Source<'de> {}

impl<'de, R: Read> Input<'de> for R {}
impl<'de> Input<'de> for SliceInput<'de> {}

/// A gob stream held in memory, read in place: see [`Input`].
#[derive(Debug, Clone)]
pub struct SliceInput<'de> {
    /// The whole input.
    whole: &'de [u8],
    /// The bytes after the current message.
    rest: &'de [u8],
    /// The current message body.
    message: &'de [u8],
}

impl<'de> SliceInput<'de> {
    /// The stream in `bytes`, from its first message.
    pub fn new(bytes: &'de [u8]) -> Self {
        SliceInput {
            whole: bytes,
            rest: bytes,
            message: &[],
        }
    }

    /// The bytes not read yet: those after the last message read.
    pub fn remaining(&self) -> &'de [u8] {
        self.rest
    }
}

impl<'de> From<&'de [u8]> for SliceInput<'de> {
    fn from(bytes: &'de [u8]) -> Self {
        SliceInput::new(bytes)
    }
}

/// The methods behind [`Input`], out of users' reach.
pub(crate) mod source {
    use std::io::Read;
    use std::ops::Range;

    use super::SliceInput;
    use crate::error::Result;

    /// A message's length prefix as read from the input.
    pub enum Prefix {
        /// The input ended cleanly before the prefix.
        End,
        /// The body length, and the prefix's own length in bytes.
        Length(u64, usize),
        /// A count byte announcing more than 8 bytes (one byte taken).
        Bad,
        /// The input ended inside the prefix, after this many bytes.
        Cut(usize),
    }

    pub trait Source<'de> {
        /// Fills `out` from the input; fewer bytes only at its end.
        fn fill(&mut self, out: &mut [u8]) -> Result<usize>;

        /// Reads a message's length prefix (see [`Prefix`]).
        #[inline]
        fn prefix(&mut self) -> Result<Prefix> {
            let mut first = [0u8; 1];
            if self.fill(&mut first)? == 0 {
                return Ok(Prefix::End);
            }
            if first[0] < 0x80 {
                return Ok(Prefix::Length(first[0] as u64, 1));
            }
            let n = (first[0] as i8).unsigned_abs() as usize;
            if n > 8 {
                return Ok(Prefix::Bad);
            }
            let mut bytes = [0u8; 8];
            let got = self.fill(&mut bytes[..n])?;
            if got < n {
                return Ok(Prefix::Cut(1 + got));
            }
            let len = bytes[..n].iter().fold(0u64, |x, &b| (x << 8) | b as u64);
            Ok(Prefix::Length(len, 1 + n))
        }

        /// Takes the next `len` bytes as the current message, copied into
        /// `buf` or borrowed; the count taken, fewer only at the input's end.
        fn take_message(&mut self, len: u64, buf: &mut Vec<u8>) -> Result<u64>;

        /// The current message: `buf` or the borrowed one.
        fn message<'a>(&'a self, buf: &'a [u8]) -> &'a [u8];

        /// `range` of the current message, for as long as the input lives:
        /// `None` from a reader, whose message is the decoder's buffer.
        fn borrow(&self, range: Range<usize>) -> Option<&'de [u8]>;

        /// The first `n` bytes of the input, if it still holds them (a
        /// slice does; a reader has handed them over).
        #[inline]
        fn read_so_far(&self, _n: usize) -> Option<&[u8]> {
            None
        }

        /// Passes over `bytes` if the input goes on with them; `false`
        /// (nothing taken) if not, or if the input cannot look ahead.
        #[inline]
        fn skip_if_next(&mut self, _bytes: &[u8]) -> bool {
            false
        }
    }

    impl<'de, R: Read> Source<'de> for R {
        #[inline]
        fn fill(&mut self, out: &mut [u8]) -> Result<usize> {
            let mut filled = 0;
            while filled < out.len() {
                match self.read(&mut out[filled..]) {
                    Ok(0) => break,
                    Ok(n) => filled += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e.into()),
                }
            }
            Ok(filled)
        }

        #[inline]
        fn take_message(&mut self, len: u64, buf: &mut Vec<u8>) -> Result<u64> {
            buf.clear();
            // Grow with the bytes that really arrive, never by the announced
            // length alone: 4 KiB first, then at most doubling.
            const FIRST_CHUNK: u64 = 4096;
            while (buf.len() as u64) < len {
                let have = buf.len();
                let want = (len - have as u64).min(FIRST_CHUNK.max(have as u64)) as usize;
                buf.resize(have + want, 0);
                let got = self.fill(&mut buf[have..])?;
                if got < want {
                    buf.truncate(have + got);
                    break;
                }
            }
            Ok(buf.len() as u64)
        }

        #[inline(always)]
        fn message<'a>(&'a self, buf: &'a [u8]) -> &'a [u8] {
            buf
        }

        #[inline(always)]
        fn borrow(&self, _: Range<usize>) -> Option<&'de [u8]> {
            None
        }
    }

    impl<'de> Source<'de> for SliceInput<'de> {
        fn fill(&mut self, out: &mut [u8]) -> Result<usize> {
            let n = out.len().min(self.rest.len());
            let (taken, rest) = self.rest.split_at(n);
            out[..n].copy_from_slice(taken);
            self.rest = rest;
            Ok(n)
        }

        /// Read where it lies: most prefixes are one byte.
        #[inline]
        fn prefix(&mut self) -> Result<Prefix> {
            let Some((&first, after)) = self.rest.split_first() else {
                return Ok(Prefix::End);
            };
            if first < 0x80 {
                self.rest = after;
                return Ok(Prefix::Length(first as u64, 1));
            }
            let n = (first as i8).unsigned_abs() as usize;
            if n > 8 {
                self.rest = after;
                return Ok(Prefix::Bad);
            }
            let Some(bytes) = after.get(..n) else {
                self.rest = &[];
                return Ok(Prefix::Cut(1 + after.len()));
            };
            let len = bytes.iter().fold(0u64, |x, &b| (x << 8) | b as u64);
            self.rest = &after[n..];
            Ok(Prefix::Length(len, 1 + n))
        }

        #[inline]
        fn take_message(&mut self, len: u64, _: &mut Vec<u8>) -> Result<u64> {
            let n = len.min(self.rest.len() as u64) as usize;
            let (message, rest) = self.rest.split_at(n);
            self.rest = rest;
            // A message cut short is an error: nothing is decoded from it.
            self.message = if n as u64 == len { message } else { &[] };
            Ok(n as u64)
        }

        #[inline(always)]
        fn message<'a>(&'a self, _: &'a [u8]) -> &'a [u8] {
            self.message
        }

        #[inline(always)]
        fn borrow(&self, range: Range<usize>) -> Option<&'de [u8]> {
            self.message.get(range)
        }

        fn read_so_far(&self, n: usize) -> Option<&[u8]> {
            self.whole.get(..n)
        }

        fn skip_if_next(&mut self, bytes: &[u8]) -> bool {
            match self.rest.strip_prefix(bytes) {
                Some(rest) => {
                    self.rest = rest;
                    true
                }
                None => false,
            }
        }
    }
}

/// Something a dump wants to show, recorded while decoding.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A message header: where the length prefix starts, and the body length.
    Message { offset: u64, len: u64 },
    /// A type definition read at `offset`.
    TypeDef { offset: u64, wire: Arc<WireType> },
    /// A top-level value of type `id` starts at `offset`.
    Value { offset: u64, id: GobId },
    /// One value inside the current top-level value.
    Item {
        offset: u64,
        len: u64,
        depth: usize,
        label: String,
        text: String,
    },
}

/// A decoder's own memory, kept apart so that a receiver decoding a fresh
/// stream per message (as goapptrace frames are) can reuse it: the message
/// buffer, the type table, the definitions already parsed, and the
/// openings of the last streams.
#[derive(Debug, Default)]
pub struct DecoderState {
    buf: Vec<u8>,
    /// The sender's types on the last stream (few: a list beats a map).
    /// They stay when a new stream starts: one that defines the same types
    /// in the same order takes each slot as it stands.
    types: Vec<(GobId, Arc<WireType>)>,
    /// Definitions parsed on earlier streams, by their bytes: a stream that
    /// defines a type exactly as an earlier one did reuses that parse.
    known: Vec<(Box<[u8]>, Arc<WireType>)>,
    field_maps: Vec<FieldMap>,
    openings: Vec<Opening>,
}

/// The type definitions a stream opened with, before its first value:
/// a later stream that opens with the same bytes takes them as they were
/// read then, without reading them again (a sender of one stream per
/// message opens each the same way, or one way per type of message). Only
/// over a slice, which can look ahead.
#[derive(Debug)]
struct Opening {
    bytes: Box<[u8]>,
    types: Vec<(GobId, Arc<WireType>)>,
    /// The limits it was read under: other limits might refuse it.
    limits: Limits,
}

/// The longest opening remembered, and how many are (the oldest goes).
const MAX_OPENING: usize = 4096;
const OPENINGS: usize = 8;

/// How the fields of one struct definition meet the fields of one Rust
/// struct, worked out once rather than by name for every field of every
/// value. Streams that send the same definition share its parse (see
/// `known`), and so its maps.
#[derive(Debug)]
pub(crate) struct FieldMap {
    /// The definition, held so that its address stays its own.
    wire: Arc<WireType>,
    rust_fields: &'static [&'static str],
    /// For each wire field: its type id and the index of the Rust field
    /// of the same name ([`NO_RUST_FIELD`] if none).
    pub(crate) fields: Box<[WireField]>,
}

/// One field of a struct definition as it meets a Rust struct.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WireField {
    pub(crate) id: GobId,
    /// The index of the Rust field of the same name ([`NO_RUST_FIELD`]
    /// if none).
    pub(crate) rust: u32,
    /// That Rust field's name ("" if none: the wire name is then read
    /// from the definition).
    pub(crate) name: &'static str,
}

/// A wire field that the Rust struct lacks.
pub(crate) const NO_RUST_FIELD: u32 = u32::MAX;

/// How many distinct definitions [`DecoderState`] remembers, and the
/// largest it keeps, so that what it holds stays small whatever comes in.
const KNOWN_DEFINITIONS: usize = 256;
const MAX_KNOWN_DEFINITION: usize = 1024;

pub struct Stream<R> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    /// Stream offset of `buf[0]`.
    buf_base: u64,
    /// Stream offset of the next byte the reader will give.
    read_offset: u64,
    /// The sender's types on this stream are `types[..active_types]`; the
    /// rest are the last stream's, kept for reuse (see [`DecoderState`]).
    types: Vec<(GobId, Arc<WireType>)>,
    active_types: usize,
    known: Vec<(Box<[u8]>, Arc<WireType>)>,
    field_maps: Vec<FieldMap>,
    openings: Vec<Opening>,
    /// Which of them this stream passed over.
    skipped: Option<usize>,
    /// Whether the caller gave types the stream itself did not define
    /// ([`Stream::assume_types`]): then its opening is not all it needs.
    assumed: bool,
    /// Stream offset of the current message's length prefix.
    message_start: u64,
    /// Where the message of the last top-level value began.
    value_message_start: Option<u64>,
    limits: Limits,
    depth: usize,
    pub(crate) events: Option<Vec<Event>>,
}

impl<'de, R: Input<'de>> Stream<R> {
    pub fn new(reader: R, limits: Limits) -> Self {
        Stream::with_state(reader, limits, DecoderState::default())
    }

    /// A fresh stream (no types known) reusing `state`'s memory.
    pub fn with_state(reader: R, limits: Limits, state: DecoderState) -> Self {
        let DecoderState {
            mut buf,
            types,
            known,
            field_maps,
            openings,
        } = state;
        buf.clear();
        Stream {
            reader,
            buf,
            pos: 0,
            buf_base: 0,
            read_offset: 0,
            types,
            active_types: 0,
            known,
            field_maps,
            openings,
            skipped: None,
            assumed: false,
            message_start: 0,
            value_message_start: None,
            limits,
            depth: 0,
            events: None,
        }
    }

    /// A fresh stream from `reader` in place: no types known, the memory
    /// kept (see [`Stream::with_state`]).
    pub fn restart(&mut self, reader: R) {
        self.reader = reader;
        self.buf.clear();
        self.pos = 0;
        self.buf_base = 0;
        self.read_offset = 0;
        self.active_types = 0;
        self.assumed = false;
        self.skipped = None;
        self.message_start = 0;
        self.value_message_start = None;
        self.depth = 0;
    }

    /// Gives the stream's memory back for the next stream.
    pub fn into_state(self) -> DecoderState {
        DecoderState {
            buf: self.buf,
            types: self.types,
            known: self.known,
            field_maps: self.field_maps,
            openings: self.openings,
        }
    }

    pub fn offset(&self) -> u64 {
        self.offset_at(self.pos)
    }

    /// Where in the current message the next read starts.
    #[inline(always)]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// The stream offset of `pos` in the current message.
    pub(crate) fn offset_at(&self, pos: usize) -> u64 {
        self.buf_base + pos as u64
    }

    pub fn reader_mut(&mut self) -> &mut R {
        &mut self.reader
    }

    pub fn at_message_end(&self) -> bool {
        self.pos >= self.msg().len()
    }

    /// Reads the next message: into the buffer from a reader, in place
    /// from a slice. `Ok(false)` on a clean end of input before its first
    /// byte. Inlined: its result would otherwise come back through memory.
    #[inline]
    pub fn read_message(&mut self) -> Result<bool> {
        let start = self.read_offset;
        let len = match self.reader.prefix()? {
            Prefix::End => return Ok(false),
            Prefix::Length(len, taken) => {
                self.read_offset += taken as u64;
                len
            }
            Prefix::Bad => {
                self.read_offset += 1;
                return Err(Error::malformed(start, "bad message length prefix"));
            }
            Prefix::Cut(taken) => {
                self.read_offset += taken as u64;
                return Err(Error::UnexpectedEof {
                    offset: self.read_offset,
                    context: "reading a message length",
                });
            }
        };
        if len > self.limits.max_message {
            return Err(Error::LimitExceeded {
                offset: start,
                limit: "max_message",
                max: self.limits.max_message,
                needed: len,
            });
        }
        if len == 0 {
            return Err(Error::malformed(start, "empty message"));
        }
        self.pos = 0;
        self.buf_base = self.read_offset;
        let got = self.reader.take_message(len, &mut self.buf)?;
        self.read_offset += got;
        if got < len {
            return Err(Error::UnexpectedEof {
                offset: self.read_offset,
                context: "reading a message body",
            });
        }
        self.message_start = start;
        if let Some(events) = &mut self.events {
            events.push(Event::Message { offset: start, len });
        }
        Ok(true)
    }

    /// The current message's bytes.
    #[inline(always)]
    fn msg(&self) -> &[u8] {
        self.reader.message(&self.buf)
    }

    /// `range` of the current message, borrowed from the input when it is
    /// a slice (see [`Input`]).
    #[inline(always)]
    pub fn borrow(&self, range: std::ops::Range<usize>) -> Option<&'de [u8]> {
        self.reader.borrow(range)
    }

    fn with_cursor<T>(&mut self, f: impl FnOnce(&mut Cursor<'_>) -> Result<T>) -> Result<T> {
        let mut c = Cursor::new(&self.msg()[self.pos..], self.offset());
        let v = f(&mut c)?;
        let used = c.consumed();
        self.pos += used;
        Ok(v)
    }

    // Always inlined: the input's message accessor would otherwise tip
    // the inliner, and this is the hottest call of decoding.
    #[inline(always)]
    pub fn get_uint(&mut self) -> Result<u64> {
        match self.msg().get(self.pos) {
            // Most values are one byte.
            Some(&b) if b < 0x80 => {
                self.pos += 1;
                Ok(b as u64)
            }
            Some(&b) => {
                let n = (b as i8).unsigned_abs() as usize;
                // With 8 bytes after the count byte in the buffer, one load
                // and a shift take the value's n bytes.
                match self.msg().get(self.pos + 1..self.pos + 9) {
                    Some(word) if (1..=8).contains(&n) => {
                        let mut be = [0u8; 8];
                        be.copy_from_slice(word);
                        self.pos += 1 + n;
                        Ok(u64::from_be_bytes(be) >> (8 * (8 - n)))
                    }
                    _ => self.get_uint_near_end(n),
                }
            }
            None => self.get_uint_past_end(),
        }
    }

    /// The cursor's error for a number asked for past the message's end.
    #[cold]
    #[inline(never)]
    fn get_uint_past_end(&mut self) -> Result<u64> {
        self.with_cursor(|c| c.get_uint())
    }

    /// A multi-byte unsigned integer within 8 bytes of the buffer's end,
    /// or an error with the cursor's messages.
    #[cold]
    #[inline(never)]
    fn get_uint_near_end(&mut self, n: usize) -> Result<u64> {
        let body = self.pos + 1..self.pos + 1 + n;
        match self.msg().get(body.clone()) {
            Some(bytes) if n <= 8 => {
                let x = bytes.iter().fold(0u64, |x, &b| (x << 8) | b as u64);
                self.pos = body.end;
                Ok(x)
            }
            _ => self.with_cursor(|c| c.get_uint()),
        }
    }

    #[inline]
    pub fn get_int(&mut self) -> Result<i64> {
        self.get_uint().map(super::wire::unfold_int)
    }

    pub fn get_float(&mut self) -> Result<f64> {
        self.get_uint().map(super::wire::float_from_wire)
    }

    pub fn get_bool(&mut self) -> Result<bool> {
        self.with_cursor(|c| c.get_bool())
    }

    /// Reads a length-prefixed byte string and returns where it lies in the buffer.
    pub fn get_bytes(&mut self, context: &'static str) -> Result<std::ops::Range<usize>> {
        let n = self.get_uint()?;
        let start = self.pos;
        if n > (self.msg().len() - start) as u64 {
            return Err(Error::UnexpectedEof {
                offset: self.offset(),
                context,
            });
        }
        self.pos += n as usize;
        Ok(start..self.pos)
    }

    pub fn bytes(&self, range: std::ops::Range<usize>) -> &[u8] {
        &self.msg()[range]
    }

    /// Reads an element count, keeping the allocation it may cause within
    /// what the message can hold. Inlined: its result would otherwise come
    /// back through memory.
    #[inline]
    pub fn get_count(&mut self) -> Result<(u64, usize)> {
        let at = self.offset();
        let n = self.get_uint()?;
        if n > self.limits.max_elements {
            return Err(Error::LimitExceeded {
                offset: at,
                limit: "max_elements",
                max: self.limits.max_elements,
                needed: n,
            });
        }
        let cap = n.min((self.msg().len() - self.pos) as u64) as usize;
        Ok((n, cap))
    }

    /// Go's `decodeTypeSequence`: reads type definitions until a value's type
    /// id. `Ok(None)` at a clean end of input (only outside an interface).
    ///
    /// Inlined for the usual case, a stream's next value in a message of
    /// its own after the last: the result would otherwise come back
    /// through memory.
    #[inline]
    pub fn type_sequence(&mut self, in_interface: bool) -> Result<Option<GobId>> {
        if in_interface || self.events.is_some() {
            return self.type_sequence_general(in_interface);
        }
        // The general loop's first turn, as far as a value's id.
        if self.read_offset == 0 {
            self.skip_known_opening();
        }
        if !self.at_message_end() {
            return self.type_sequence_general(in_interface);
        }
        if !self.read_message()? {
            return Ok(None);
        }
        let id = self.get_int()?;
        if id >= 0 {
            self.note_value_message();
            return Ok(Some(id));
        }
        // A definition: back to the message's start (reading the id moved
        // nothing else), where the general loop takes it up.
        self.pos = 0;
        self.type_sequence_general(in_interface)
    }

    /// A top-level value's message has begun: the first one of a stream
    /// ends its opening, which is remembered.
    #[inline(always)]
    fn note_value_message(&mut self) {
        if self.value_message_start.is_none() {
            self.remember_opening();
        }
        self.value_message_start = Some(self.message_start);
    }

    #[inline(never)]
    fn type_sequence_general(&mut self, in_interface: bool) -> Result<Option<GobId>> {
        if self.read_offset == 0 && !in_interface {
            self.skip_known_opening();
        }
        let mut first = true;
        loop {
            if self.at_message_end() && !self.read_message()? {
                if first && !in_interface {
                    return Ok(None);
                }
                return Err(Error::UnexpectedEof {
                    offset: self.read_offset,
                    context: "a type definition must be followed by a value",
                });
            }
            let at = self.offset();
            let id = self.get_int()?;
            if id >= 0 {
                if !in_interface {
                    self.note_value_message();
                    if let Some(events) = &mut self.events {
                        events.push(Event::Value { offset: at, id });
                    }
                }
                return Ok(Some(id));
            }
            self.define(id.checked_neg().unwrap_or(0), at)?;
            if !self.at_message_end() {
                if !in_interface {
                    return Err(Error::malformed(
                        self.offset(),
                        "extra data after a type definition",
                    ));
                }
                // The byte count of the interface value that follows.
                self.get_uint()?;
            }
            first = false;
        }
    }

    /// At the start of a stream: passes over an opening of an earlier
    /// stream if this one starts with the same bytes, taking its types.
    #[inline(never)]
    fn skip_known_opening(&mut self) {
        if self.openings.is_empty() || self.active_types != 0 || self.events.is_some() {
            return;
        }
        let openings = std::mem::take(&mut self.openings);
        let limits = self.limits;
        let found = openings
            .iter()
            .position(|o| o.limits == limits && self.reader.skip_if_next(&o.bytes));
        if let Some(k) = found {
            self.preload_types(&openings[k].types);
            let len = openings[k].bytes.len() as u64;
            self.read_offset = len;
            self.buf_base = len;
            self.message_start = len;
            self.skipped = Some(k);
        }
        self.openings = openings;
    }

    /// Whether this stream passed over a remembered opening (for tests).
    #[cfg(test)]
    pub(crate) fn skipped_opening(&self) -> bool {
        self.skipped.is_some()
    }

    /// Before the first value of a stream: what the stream opened with,
    /// if it was only definitions and is not remembered already.
    #[inline(never)]
    fn remember_opening(&mut self) {
        let len = self.message_start as usize;
        if len == 0 || len > MAX_OPENING || self.assumed || self.events.is_some() {
            return;
        }
        // Passed over, and no definition came after it.
        if let Some(k) = self.skipped
            && self.openings.get(k).is_some_and(|o| o.bytes.len() == len)
        {
            return;
        }
        let Some(bytes) = self.reader.read_so_far(len) else {
            return;
        };
        let limits = self.limits;
        if self
            .openings
            .iter()
            .any(|o| *o.bytes == *bytes && o.limits == limits)
        {
            return;
        }
        let opening = Opening {
            bytes: bytes.into(),
            types: self.types().to_vec(),
            limits,
        };
        if self.openings.len() == OPENINGS {
            self.openings.remove(0);
        }
        self.openings.push(opening);
    }

    fn define(&mut self, id: GobId, at: u64) -> Result<()> {
        if id < types::FIRST_USER_ID {
            return Err(Error::malformed(at, format!("type id {id} is reserved")));
        }
        // A definition that fills the rest of its message may have been seen
        // on an earlier stream: reuse that parse.
        let rest = &self.msg()[self.pos..];
        let known = self.known.iter().position(|(bytes, _)| **bytes == *rest);
        if let Some(k) = known {
            // The stream before defined the same types in the same order
            // (a sender of one stream per message): the slot still holds
            // this parse, and taking it costs no Arc clone.
            let parse = &self.known[k].1;
            let same_slot = self.types.get(self.active_types).map(|(_, w)| w);
            if parse.id == id
                && self.events.is_none()
                && same_slot.is_some_and(|w| Arc::ptr_eq(w, parse))
            {
                self.refuse_redefinition(id, at)?;
                self.pos = self.msg().len();
                self.types[self.active_types].0 = id;
                self.active_types += 1;
                return Ok(());
            }
        }
        let wire = match known {
            Some(k) => {
                self.pos = self.msg().len();
                self.known[k].1.clone()
            }
            None => {
                let def_start = self.pos;
                let wire = Arc::new(self.with_cursor(WireType::decode)?);
                let small = self.msg().len() - def_start <= MAX_KNOWN_DEFINITION;
                if small && self.pos == self.msg().len() && self.known.len() < KNOWN_DEFINITIONS {
                    let bytes = self.msg()[def_start..].into();
                    self.known.push((bytes, wire.clone()));
                }
                wire
            }
        };
        // Go's decoder takes the id the message gives and ignores the one
        // inside the definition.
        let wire = if wire.id == id {
            wire
        } else {
            Arc::new(WireType {
                id,
                ..(*wire).clone()
            })
        };
        self.refuse_redefinition(id, at)?;
        // (Clones of an Arc are atomic operations: only what is kept.)
        if let Some(events) = &mut self.events {
            events.push(Event::TypeDef {
                offset: at,
                wire: wire.clone(),
            });
        }
        match self.types.get_mut(self.active_types) {
            Some(slot) => *slot = (id, wire),
            None => self.types.push((id, wire)),
        }
        self.active_types += 1;
        Ok(())
    }

    /// Go refuses any second definition of an id, even an identical one.
    fn refuse_redefinition(&self, id: GobId, at: u64) -> Result<()> {
        if self.types().iter().any(|(t, _)| *t == id) {
            return Err(Error::malformed(at, format!("type {id} is defined twice")));
        }
        Ok(())
    }

    /// The sender's definition of `id`, or an error if it never sent one.
    pub fn wire(&self, id: GobId) -> Result<Arc<WireType>> {
        self.lookup(id)
            .cloned()
            .ok_or_else(|| Error::UnknownTypeId {
                offset: self.offset(),
                id,
            })
    }

    /// The name the sender gave type `id`, if it defined it.
    pub fn wire_name(&self, id: GobId) -> Option<&str> {
        self.lookup(id).map(|w| w.name.as_str())
    }

    /// Where the message of the last top-level value began.
    pub fn value_message_start(&self) -> Option<u64> {
        self.value_message_start
    }

    /// The sender's types known so far on this stream.
    pub fn types(&self) -> &[(GobId, Arc<WireType>)] {
        &self.types[..self.active_types]
    }

    /// Takes `types` as already defined on this stream, as if their
    /// definitions had been read: types the caller knows from elsewhere.
    pub fn assume_types(&mut self, types: &[(GobId, Arc<WireType>)]) {
        self.assumed = true;
        self.preload_types(types);
    }

    /// Takes `types` as already defined on this stream.
    fn preload_types(&mut self, types: &[(GobId, Arc<WireType>)]) {
        let (start, end) = (self.active_types, self.active_types + types.len());
        // A receiver that skips the same opening frame after frame finds
        // these types in their slots already: no Arc clones then.
        let in_place = self.types.get(start..end).is_some_and(|held| {
            held.iter()
                .zip(types)
                .all(|(a, b)| a.0 == b.0 && Arc::ptr_eq(&a.1, &b.1))
        });
        if !in_place {
            self.types.truncate(start);
            self.types.extend_from_slice(types);
        }
        self.active_types = end;
    }

    /// The index in [`Stream::field_map`] of the map between struct type
    /// `id` and a Rust struct with `rust_fields`, made on first use; `None`
    /// if `id` is not a struct type of this stream.
    pub(crate) fn field_map_index(
        &mut self,
        id: GobId,
        rust_fields: &'static [&'static str],
    ) -> Option<usize> {
        let wire = self.lookup(id)?;
        let found = self
            .field_maps
            .iter()
            .position(|m| Arc::ptr_eq(&m.wire, wire) && std::ptr::eq(m.rust_fields, rust_fields));
        if found.is_some() {
            return found;
        }
        let Shape::Struct { fields } = &wire.shape else {
            return None;
        };
        let fields = fields
            .iter()
            .enumerate()
            .map(|(i, f)| {
                // Mostly the Rust struct mirrors the Go one field for field.
                let rust = match rust_fields.get(i) {
                    Some(r) if *r == f.name => Some(i),
                    _ => rust_fields.iter().position(|r| *r == f.name),
                };
                match rust {
                    Some(r) => WireField {
                        id: f.id,
                        rust: r as u32,
                        name: rust_fields[r],
                    },
                    None => WireField {
                        id: f.id,
                        rust: NO_RUST_FIELD,
                        name: "",
                    },
                }
            })
            .collect();
        self.field_maps.push(FieldMap {
            wire: wire.clone(),
            rust_fields,
            fields,
        });
        Some(self.field_maps.len() - 1)
    }

    /// A map made by [`Stream::field_map_index`].
    pub(crate) fn field_map(&self, index: usize) -> &FieldMap {
        &self.field_maps[index]
    }

    fn lookup(&self, id: GobId) -> Option<&Arc<WireType>> {
        self.types().iter().find(|(t, _)| *t == id).map(|(_, w)| w)
    }

    /// Describes `id` for messages: its name, or gob's name for a builtin.
    pub fn type_name(&self, id: GobId) -> String {
        if let Some(name) = types::builtin_name(id) {
            return name.to_string();
        }
        match self.lookup(id) {
            Some(w) if !w.name.is_empty() => w.name.clone(),
            Some(w) => format!("{} type {id}", w.kind_name()),
            None => format!("type {id}"),
        }
    }

    pub fn enter(&mut self) -> Result<()> {
        self.depth += 1;
        if self.depth > self.limits.max_depth {
            return Err(Error::LimitExceeded {
                offset: self.offset(),
                limit: "max_depth",
                max: self.limits.max_depth as u64,
                needed: self.depth as u64,
            });
        }
        Ok(())
    }

    pub fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    pub fn depth(&self) -> usize {
        self.depth
    }

    /// After a top-level value: what is left of its message is dropped, as
    /// Go's decoder drops it (it resets its buffer before the next value).
    #[inline(always)]
    pub fn end_value(&mut self) {
        self.pos = self.msg().len();
        self.depth = 0;
        // Between values no map is in use: forget them all if a sender of
        // ever new definitions has made too many.
        if self.field_maps.len() > KNOWN_DEFINITIONS {
            self.forget_field_maps();
        }
    }

    #[cold]
    #[inline(never)]
    fn forget_field_maps(&mut self) {
        self.field_maps.clear();
    }

    /// Before each element of a slice or array of `n`: Go's decoder refuses
    /// one that would start at the end of the message (a struct element
    /// there would read as empty).
    pub fn element_ahead(&self, n: u64) -> Result<()> {
        if self.at_message_end() {
            return Err(Error::malformed(
                self.offset(),
                format!("a slice or array of {n} elements runs past the end of its message"),
            ));
        }
        Ok(())
    }

    /// Reads the delta before the next field of a struct value: 0 (the end
    /// of the struct) also when the message has run out, since Go's decoder
    /// ends a struct there as well.
    pub fn get_field_delta(&mut self) -> Result<u64> {
        if self.at_message_end() {
            return Ok(0);
        }
        self.get_uint()
    }

    /// Reads the singleton marker that precedes a top-level non-struct value.
    /// Inlined for a struct, the usual top-level value: its result would
    /// otherwise come back through memory.
    #[inline]
    pub fn singleton_marker(&mut self, id: GobId) -> Result<()> {
        match self.lookup(id).map(|w| &w.shape) {
            Some(Shape::Struct { .. }) => Ok(()),
            _ => self.singleton_marker_of_other(id),
        }
    }

    /// [`Stream::singleton_marker`] before anything but a struct.
    #[inline(never)]
    fn singleton_marker_of_other(&mut self, id: GobId) -> Result<()> {
        // A value of a type its stream never defined.
        if self.lookup(id).is_none() && types::builtin_name(id).is_none() {
            return Err(Error::UnknownTypeId {
                offset: self.offset(),
                id,
            });
        }
        let at = self.offset();
        if self.get_uint()? != 0 {
            return Err(Error::malformed(
                at,
                "non-zero delta before a singleton value",
            ));
        }
        Ok(())
    }

    /// The element type of slice type `id` (or, with `array_ok`, of array
    /// type `id`).
    pub fn elem_of(&self, id: GobId, array_ok: bool) -> Option<GobId> {
        match self.lookup(id).map(|w| &w.shape) {
            Some(Shape::Slice { elem }) => Some(*elem),
            Some(Shape::Array { elem, .. }) if array_ok => Some(*elem),
            _ => None,
        }
    }

    pub fn is_struct(&self, id: GobId) -> bool {
        matches!(
            self.lookup(id).map(|w| &w.shape),
            Some(Shape::Struct { .. })
        )
    }

    /// Skips a value of type `id` without building anything.
    pub fn skip(&mut self, id: GobId) -> Result<()> {
        match id {
            types::BOOL | types::INT | types::UINT | types::FLOAT => {
                self.get_uint()?;
            }
            types::COMPLEX => {
                self.get_uint()?;
                self.get_uint()?;
            }
            types::BYTES | types::STRING => {
                self.get_bytes("skipping bytes")?;
            }
            types::INTERFACE => self.skip_interface()?,
            _ => {
                let wire = self.wire(id)?;
                self.enter()?;
                match &wire.shape {
                    Shape::Struct { fields } => {
                        let mut field: i64 = -1;
                        loop {
                            let at = self.offset();
                            let delta = self.get_field_delta()?;
                            if delta == 0 {
                                break;
                            }
                            field = field.saturating_add(delta.min(i64::MAX as u64) as i64);
                            let f = fields.get(field as usize).ok_or_else(|| {
                                Error::malformed(at, format!("field number {field} out of range"))
                            })?;
                            self.skip(f.id)?;
                        }
                    }
                    Shape::Slice { elem } | Shape::Array { elem, .. } => {
                        let at = self.offset();
                        let (n, _) = self.get_count()?;
                        if let Shape::Array { len, .. } = wire.shape
                            && n != len as u64
                        {
                            return Err(Error::malformed(
                                at,
                                format!("array of length {len} holds {n} elements"),
                            ));
                        }
                        for _ in 0..n {
                            self.element_ahead(n)?;
                            self.skip(*elem)?;
                        }
                    }
                    Shape::Map { key, elem } => {
                        let (n, _) = self.get_count()?;
                        for _ in 0..n {
                            self.skip(*key)?;
                            self.skip(*elem)?;
                        }
                    }
                    Shape::GobEncoder | Shape::BinaryMarshaler | Shape::TextMarshaler => {
                        self.get_bytes("skipping marshalled bytes")?;
                    }
                }
                self.leave();
            }
        }
        Ok(())
    }

    /// Reads an interface value's header. `None` for nil, else the registered
    /// name and the concrete type id, positioned at the concrete value.
    pub fn interface_header(&mut self) -> Result<Option<(String, GobId)>> {
        let at = self.offset();
        // Go's decoder takes any bytes; a name that is not UTF-8 matches no
        // registered name either way.
        let range = self.get_bytes("reading an interface's name")?;
        let name = String::from_utf8_lossy(self.bytes(range)).into_owned();
        if name.is_empty() {
            return Ok(None);
        }
        if name.len() > 1024 {
            return Err(Error::malformed(
                at,
                "interface type name longer than 1024 bytes",
            ));
        }
        let id = self.type_sequence(true)?.ok_or(Error::UnexpectedEof {
            offset: self.offset(),
            context: "reading an interface value",
        })?;
        // The value's byte count: Go's decoder does not rely on it either.
        self.get_uint()?;
        Ok(Some((name, id)))
    }

    /// Skips an interface value as Go's decoder skips one it has no place
    /// for: by its byte count, whatever its name and value hold.
    fn skip_interface(&mut self) -> Result<()> {
        if self.get_bytes("skipping an interface's name")?.is_empty() {
            return Ok(());
        }
        self.type_sequence(true)?.ok_or(Error::UnexpectedEof {
            offset: self.offset(),
            context: "skipping an interface value",
        })?;
        self.get_bytes("skipping an interface value")?;
        Ok(())
    }
}
