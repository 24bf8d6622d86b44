//! The serializer: Rust values to gob, byte for byte as Go's `gob.Encoder`.

use std::any::type_name;
use std::io::Write;

use serde::ser::{self, Serialize};

use super::error::{Error, Result};
use super::scalar::{Scalar, ScalarSer};
use super::schema::{Field, Kind, Node, NodeId, Schema, ZERO_VALUE};
use super::shape;
use super::types::{GobId, Preamble, Registry};
use super::wire::{
    float_to_wire, fold_int, put_byte, put_bytes, put_bytes_led, put_int, put_uint, put_uint_led,
};

/// Encodes one value as a complete gob stream, as a fresh Go process with a
/// fresh `gob.Encoder` would write it.
///
/// The Go type comes from what the value's `Serialize` emits (see
/// [`shape`](crate::shape) for what a value cannot show, such as the type
/// behind a `None`, and how to declare it).
pub fn to_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    let mut registry = Registry::new();
    let mut out = Vec::new();
    Encoder::new(&mut registry).encode_into(value, &mut out)?;
    Ok(out)
}

/// Writes one value as a complete gob stream to `writer` (see [`to_vec`]).
///
/// Gob puts a message's length before it, so the value's message is built
/// in memory, with the type definitions before it, then written at once.
pub fn to_writer<W: Write, T: Serialize + ?Sized>(mut writer: W, value: &T) -> Result<()> {
    let mut registry = Registry::new();
    Encoder::new(&mut registry).encode(&mut writer, value)
}

/// A gob stream being written: Go's `gob.Encoder`.
///
/// It sends each type definition once per stream. The ids come from the
/// [`Registry`] it borrows, which plays Go's process-wide table: keep one
/// registry per simulated process and make a fresh encoder per stream.
pub struct Encoder<'r> {
    registry: &'r mut Registry,
    state: EncoderState,
}

/// An encoder's own memory: what it has sent. Kept apart so
/// that a sender making a fresh stream per message can reuse it (see
/// [`Encoder::with_state`]) and allocate nothing in the steady state.
#[derive(Debug, Default)]
pub struct EncoderState {
    /// Type ids this stream has defined (few: a list beats a hash set).
    sent: SentIds,
    /// The Rust type of the last value (its `type_name`) and its schema: a
    /// sender mostly sends one type, and this saves the look-up in the
    /// global cache.
    last_type: Option<(&'static str, &'static Schema)>,
    /// That type's id, once this stream has sent its definitions.
    last_id: Option<GobId>,
    /// Where [`Encoder::encode`] builds the messages it writes.
    scratch: Vec<u8>,
}

impl<'r> Encoder<'r> {
    /// A fresh stream (nothing sent yet) that takes its type ids from
    /// `registry`.
    pub fn new(registry: &'r mut Registry) -> Self {
        Encoder::with_state(registry, EncoderState::default())
    }

    /// A fresh stream (nothing sent yet) that reuses `state`'s memory.
    pub fn with_state(registry: &'r mut Registry, mut state: EncoderState) -> Self {
        state.sent.clear();
        state.last_id = None;
        Encoder { registry, state }
    }

    /// Gives the encoder's memory back for the next stream.
    pub fn into_state(self) -> EncoderState {
        self.state
    }

    /// Appends the messages for `value` (type definitions not yet sent on
    /// this stream, then the value) to `out`.
    pub fn encode_into<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let key = type_name::<T>();
        let result = match (self.state.last_type, self.state.last_id) {
            // The steady state: the type of the value before, defined.
            (Some((k, schema)), Some(id)) if same_name(k, key) => {
                self.encode_defined(value, schema, id, out)
            }
            _ => self.encode_first_of_type(value, key, out),
        };
        match result {
            Err(Error::Encode(_)) => self.encode_in_own_shape(value, result, out),
            result => result,
        }
    }

    /// The first value of its Rust type on this stream (or since a value of
    /// another type).
    fn encode_first_of_type<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        key: &'static str,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let fresh_stream = self.state.sent.len() == 0;
        if fresh_stream && let Some((start, preamble)) = self.registry.fresh_start(key) {
            // Began as the last fresh stream did: its definitions are the
            // registry's preamble, copied whole.
            let before = out.len();
            out.extend_from_slice(&preamble.bytes);
            self.state.sent.extend_from_slice(&preamble.ids);
            self.state.last_type = Some((key, start.schema));
            let result = self.encode_defined(value, start.schema, start.id, out);
            match result {
                Ok(()) => self.state.last_id = Some(start.id),
                Err(_) => {
                    out.truncate(before);
                    self.state.sent.clear();
                }
            }
            return result;
        }
        let schema = match self.state.last_type {
            Some((k, schema)) if same_name(k, key) => schema,
            _ => {
                let schema = shape::schema_for(value)?;
                self.state.last_type = Some((key, schema));
                schema
            }
        };
        self.state.last_id = None;
        let id = self.encode_top(value, schema, out)?;
        // Once sent, the type's definitions are on this stream.
        self.state.last_id = Some(id);
        if fresh_stream {
            self.registry.remember_fresh_start(key, schema, id);
        }
        Ok(())
    }

    /// A value that did not fit the Go type learnt for its Rust type from
    /// another value: a type whose values do not all take one Go type (a
    /// `Value`, say). Learns this value's own and encodes it in that, or
    /// gives back `failed`.
    #[cold]
    #[inline(never)]
    fn encode_in_own_shape<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        failed: Result<()>,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        // The Go type tried: the last one, set for this Rust type before
        // its value was written (else it failed before being written).
        let tried = match self.state.last_type {
            Some((k, schema)) if same_name(k, type_name::<T>()) => schema,
            _ => return failed,
        };
        let own = match shape::learn(value) {
            Ok(own) if !std::ptr::eq(own, tried) => own,
            _ => return failed,
        };
        self.state.last_type = Some((type_name::<T>(), own));
        self.state.last_id = None;
        let id = self.encode_top(value, own, out)?;
        self.state.last_id = Some(id);
        Ok(())
    }

    /// A value whose type's definitions this stream has sent, with its id.
    #[inline(always)]
    fn encode_defined<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        schema: &Schema,
        id: GobId,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let start = out.len();
        let sent_before = self.state.sent.len();
        // The message's length byte, filled in at its end, and the type id,
        // in one write: ids fold to one byte (builtins) or two (user ids
        // below 128).
        match fold_int(id) {
            small @ 0..0x80 => out.extend_from_slice(&[0, small as u8]),
            byte @ 0x80..0x100 => out.extend_from_slice(&[0, 0xff, byte as u8]),
            folded => {
                out.push(0);
                put_uint(out, folded);
            }
        }
        let mut st = EncState::new(
            self.registry,
            &mut self.state.sent,
            out,
            start + 1,
            None,
            schema,
        );
        let result = st.encode_body(value, schema, schema.root);
        match result {
            Ok(()) => st.end_top(),
            Err(_) => {
                st.cur.truncate(start);
                st.sent.truncate(sent_before);
            }
        }
        result
    }

    /// Runs `write` on a new top-level message at the end of `out`. On an
    /// error nothing of it stays: not its bytes, nor the type definitions
    /// it counted as sent.
    // Always inlined: out of line, its result goes through memory
    // (single_encode: 3 instructions a record).
    #[inline(always)]
    fn top_level<X>(
        &mut self,
        schema: &Schema,
        out: &mut Vec<u8>,
        write: impl FnOnce(&mut EncState<'_>) -> Result<X>,
    ) -> Result<X> {
        let start = out.len();
        let sent_before = self.state.sent.len();
        let mut st = EncState::direct(self.registry, &mut self.state.sent, out, schema);
        let result = write(&mut st);
        if result.is_err() {
            st.cur.truncate(start);
            st.sent.truncate(sent_before);
        }
        result
    }

    /// Writes the messages for `value` to `writer`. They are built in a
    /// buffer the encoder keeps from value to value, so a stream of values
    /// allocates nothing once the buffer fits the largest.
    pub fn encode<W: Write + ?Sized, T: Serialize + ?Sized>(
        &mut self,
        writer: &mut W,
        value: &T,
    ) -> Result<()> {
        let mut out = std::mem::take(&mut self.state.scratch);
        out.clear();
        let result = self
            .encode_into(value, &mut out)
            .and_then(|()| writer.write_all(&out).map_err(Error::from));
        self.state.scratch = out;
        result
    }

    /// Sends the type definitions a value of `schema`'s root needs that this
    /// stream has not sent yet, without a value.
    pub fn define_types(&mut self, schema: &Schema, out: &mut Vec<u8>) -> Result<()> {
        self.top_level(schema, out, |st| {
            let defined = st.define_top(schema, schema.root).map(|_| ());
            // Drop the length byte of the message that no value filled.
            st.cur.pop();
            defined
        })
    }

    /// The type ids this stream has defined.
    pub fn sent_ids(&self) -> &[GobId] {
        self.state.sent.as_slice()
    }

    /// Counts `ids` as defined on this stream: for a sender that has copied
    /// their definitions in itself.
    pub fn assume_sent(&mut self, ids: &[GobId]) {
        self.state.sent.extend_from_slice(ids);
    }

    /// Like [`Encoder::encode_into`] with a schema the caller keeps (from
    /// [`schema_of`](crate::schema::schema_of)), which saves looking it up for every value.
    pub fn encode_with_schema<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        schema: &Schema,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.encode_top(value, schema, out).map(|_| ())
    }

    /// [`Encoder::encode_with_schema`], giving the value's type id.
    fn encode_top<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        schema: &Schema,
        out: &mut Vec<u8>,
    ) -> Result<GobId> {
        self.top_level(schema, out, |st| st.encode_top(value, schema, schema.root))
    }
}

/// A gob stream being written that owns its [`Registry`]: an encoder that
/// lives inside a long-lived object (a connection, a log file writer), one
/// stream for its whole life unless [`StreamEncoder::new_stream`] says
/// otherwise.
#[derive(Debug, Default)]
pub struct StreamEncoder {
    registry: Registry,
    state: EncoderState,
}

impl StreamEncoder {
    /// A stream that takes its type ids from `registry` (Go's process-wide
    /// table: [`Registry::new`] for current Go's numbering).
    pub fn new(registry: Registry) -> Self {
        StreamEncoder {
            registry,
            state: EncoderState::default(),
        }
    }

    /// Appends the messages for `value` to `out`, as [`Encoder::encode_into`].
    pub fn encode_into<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        self.with_encoder(|encoder| encoder.encode_into(value, out))
    }

    /// Writes the messages for `value` to `writer`, as [`Encoder::encode`].
    pub fn encode<W: Write + ?Sized, T: Serialize + ?Sized>(
        &mut self,
        writer: &mut W,
        value: &T,
    ) -> Result<()> {
        self.with_encoder(|encoder| encoder.encode(writer, value))
    }

    /// Starts a new stream on the same registry: the next value sends its
    /// type definitions again, as a fresh `gob.Encoder` in the same Go
    /// process would.
    pub fn new_stream(&mut self) {
        self.state.sent.clear();
        self.state.last_id = None;
    }

    /// The registry, with the ids handed out so far.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// An [`Encoder`] over this stream, for what only it offers.
    pub fn with_encoder<X>(&mut self, write: impl FnOnce(&mut Encoder<'_>) -> X) -> X {
        let mut encoder = Encoder {
            registry: &mut self.registry,
            state: std::mem::take(&mut self.state),
        };
        let result = write(&mut encoder);
        self.state = encoder.state;
        result
    }
}

/// One level of message building.
///
/// At the top the messages are built in place in the stream (`cur`, with
/// `out` unset): each open message has a byte reserved before `start` for
/// its length, filled in when it is flushed. Inside an interface value,
/// `cur` is the value's body and `out` the enclosing level's buffer, which
/// is where Go's encoder writes whatever it flushes there.
struct EncState<'a> {
    registry: &'a mut Registry,
    sent: &'a mut SentIds,
    /// The buffer being built, moved here from `home` for the state's life
    /// and given back when it is dropped (also on an error or a panic).
    /// Held by value, it sits behind the serializers' `&mut EncState`,
    /// which the compiler knows nothing else writes: its length stays in a
    /// register from write to write, where through a `&mut Vec` it was
    /// stored and loaded back around every byte (a byte stored through the
    /// buffer's pointer might have been the length itself).
    cur: Vec<u8>,
    home: &'a mut Vec<u8>,
    start: usize,
    out: Option<&'a mut Vec<u8>>,
    /// The schema of the value being written.
    schema: &'a Schema,
    /// Where the value being serialized sits (set by whoever makes its
    /// serializer).
    place: Place,
    /// Whether that value was reached through a non-nil pointer (so an
    /// empty map is still sent).
    non_nil: bool,
    /// In the struct being written: the field serde gives next (in
    /// declaration order, mostly), and the number of the last field sent,
    /// for the delta before the next.
    next_field: usize,
    last_field: i64,
    /// The delta before the struct field being written, still to write
    /// (set for a field whose delta is below 128, else written at once).
    /// It goes out with the value's first bytes: a number field is one
    /// write to the buffer, not two.
    pending_delta: Option<u8>,
    /// The parts of a complex number being written.
    complex_parts: [f64; 2],
}

impl<'a> EncState<'a> {
    #[inline(always)]
    fn buf(&mut self) -> &mut Vec<u8> {
        &mut self.cur
    }

    /// A serializer's result: whether its value was zero.
    #[inline(always)]
    fn set_zero(&mut self, zero: bool) -> SResult<IsZero> {
        Ok(zero)
    }

    /// Writes the pending field delta, if any: the first thing a value
    /// other than a number or a byte string writes (if it turns out zero,
    /// the field takes it back).
    #[inline(always)]
    fn begin(&mut self) {
        if let Some(delta) = self.pending_delta {
            put_uint_led(&mut self.cur, false, 0, delta as u64);
        }
    }

    /// [`EncState::begin`] followed by the unsigned integer `x`, in one
    /// write.
    #[inline(always)]
    fn begin_with(&mut self, x: u64) {
        let delta = self.pending_delta;
        put_uint_led(&mut self.cur, delta.is_some(), delta.unwrap_or(0), x);
    }

    /// Begins a slice or map of `len` items, writing the count now; with
    /// no `len`, the count is put in when the items end, before them: where
    /// they start is given back for that (0 when the count is written).
    #[inline(always)]
    fn begin_items(&mut self, len: Option<usize>) -> usize {
        match len {
            Some(n) => {
                self.begin_with(n as u64);
                0
            }
            None => {
                self.begin();
                self.buf().len()
            }
        }
    }

    /// A value sent as the one unsigned integer `x` (a number or a bool),
    /// after the pending field delta. (A zero field is taken back by the
    /// field: Go leaves it out.)
    #[inline(always)]
    fn number(&mut self, x: u64, zero: bool) -> SResult<IsZero> {
        self.begin_with(x);
        Ok(zero)
    }

    /// A value sent as the byte string `b` (a string, a `[]byte`, a
    /// self-marshalling value's bytes), after the pending field delta.
    #[inline(always)]
    fn byte_string(&mut self, b: &[u8], zero: bool) -> SResult<IsZero> {
        let delta = self.pending_delta;
        put_bytes_led(&mut self.cur, delta.is_some(), delta.unwrap_or(0), b);
        Ok(zero)
    }

    /// Top-level building straight into `stream`, with a message open.
    #[inline]
    fn direct(
        registry: &'a mut Registry,
        sent: &'a mut SentIds,
        stream: &'a mut Vec<u8>,
        schema: &'a Schema,
    ) -> Self {
        stream.push(0);
        let start = stream.len();
        EncState::new(registry, sent, stream, start, None, schema)
    }

    /// A level building into `cur` from `start` (see the type).
    #[inline]
    fn new(
        registry: &'a mut Registry,
        sent: &'a mut SentIds,
        cur: &'a mut Vec<u8>,
        start: usize,
        out: Option<&'a mut Vec<u8>>,
        schema: &'a Schema,
    ) -> Self {
        EncState {
            registry,
            sent,
            cur: std::mem::take(cur),
            home: cur,
            start,
            out,
            schema,
            place: Place::Element,
            non_nil: false,
            next_field: 0,
            last_field: -1,
            pending_delta: None,
            complex_parts: [0.0; 2],
        }
    }

    /// Go's `writeMessage`: the message so far goes, length first, to the
    /// level's writer, and a new message begins.
    #[inline]
    fn flush(&mut self) {
        match &mut self.out {
            Some(out) => {
                put_uint(out, self.cur.len() as u64);
                out.extend_from_slice(&self.cur);
                self.cur.clear();
            }
            None => {
                self.close_in_place();
                self.cur.push(0);
                self.start = self.cur.len();
            }
        }
    }

    /// Fills in the length of the message open in place at the top.
    #[inline]
    fn close_in_place(&mut self) {
        let len = (self.cur.len() - self.start) as u64;
        match self.cur.get_mut(self.start.wrapping_sub(1)) {
            Some(prefix) if len < 0x80 => *prefix = len as u8,
            _ => self.close_long_in_place(len),
        }
    }

    /// [`EncState::close_in_place`] for a length of more than one byte,
    /// which moves the message up.
    #[cold]
    #[inline(never)]
    fn close_long_in_place(&mut self, len: u64) {
        let mut prefix = Vec::with_capacity(9);
        put_uint(&mut prefix, len);
        self.cur.splice(self.start - 1..self.start, prefix);
    }

    /// Go's `sendTypeDescriptor` followed by `sendTypeId`.
    fn send_type_and_id(&mut self, schema: &Schema, node: NodeId) -> Result<()> {
        let id = self.registry.type_id(schema, node)?;
        if !self.sent.contains(&id) && !self.send_type(schema, node)? {
            self.sent.push(id);
        }
        put_int(self.buf(), id);
        Ok(())
    }

    /// Go's `sendType`: defines `node` and what it reaches, unless basic.
    fn send_type(&mut self, schema: &Schema, node: NodeId) -> Result<bool> {
        let base = schema.base(node);
        match schema.node(base).kind {
            Kind::Slice(_) | Kind::Array(..) | Kind::Map(..) | Kind::Struct { .. } => {}
            Kind::Opaque(_) => {}
            _ => return Ok(false),
        }
        let id = self.registry.type_id(schema, base)?;
        if self.sent.contains(&id) {
            return Ok(false);
        }
        let definition = self.registry.definition_bytes(id)?;
        self.cur.extend_from_slice(definition);
        self.flush();
        self.sent.push(id);
        match &schema.node(base).kind {
            Kind::Struct { fields } => {
                for f in fields {
                    self.send_type(schema, f.node)?;
                }
            }
            Kind::Slice(elem) | Kind::Array(elem, _) => {
                self.send_type(schema, *elem)?;
            }
            Kind::Map(key, elem) => {
                self.send_type(schema, *key)?;
                self.send_type(schema, *elem)?;
            }
            _ => {}
        }
        Ok(true)
    }

    /// Go's `Encode`: type definitions, then one message with id and value.
    /// The root of `schema` only, at the top of the stream: its type
    /// definitions come from the registry's preamble when none of them was
    /// sent yet, else one by one.
    fn encode_top<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        schema: &Schema,
        node: NodeId,
    ) -> Result<GobId> {
        let id = self.define_top(schema, node)?;
        put_int(self.buf(), id);
        self.encode_body(value, schema, node)?;
        self.end_top();
        Ok(id)
    }

    /// Closes the message of a top-level value.
    #[inline]
    fn end_top(&mut self) {
        match self.out {
            Some(_) => self.flush(),
            // No message opens after it.
            None => self.close_in_place(),
        }
    }

    /// Go's `sendTypeDescriptor` for a top-level value of `node`; its id.
    fn define_top(&mut self, schema: &Schema, node: NodeId) -> Result<GobId> {
        let id = self.registry.type_id(schema, node)?;
        if !self.sent.contains(&id) {
            if self.registry.preamble(schema.uid).is_none() {
                let p = preamble(self.registry, schema, node, id)?;
                self.registry.store_preamble(schema.uid, p);
            }
            let fresh = match self.registry.preamble(schema.uid) {
                Some(p) if p.ids.iter().all(|i| !self.sent.contains(i)) => {
                    write_messages(&mut self.cur, &mut self.start, &mut self.out, &p.bytes);
                    self.sent.extend_from_slice(&p.ids);
                    true
                }
                _ => false,
            };
            if !fresh && !self.send_type(schema, node)? {
                self.sent.push(id);
            }
        }
        Ok(id)
    }

    /// Go's `enc.encode`: a struct as itself, anything else as a singleton.
    #[inline(always)]
    fn encode_body<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        schema: &Schema,
        node: NodeId,
    ) -> Result<()> {
        let base = schema.base(node);
        if !matches!(schema.node(base).kind, Kind::Struct { .. }) {
            put_uint(self.buf(), 0);
        }
        value.serialize(ValueSer::new(self, base, Place::Element))?;
        Ok(())
    }
}

impl Drop for EncState<'_> {
    /// Gives the buffer back to where it came from.
    #[inline(always)]
    fn drop(&mut self) {
        std::mem::swap(self.home, &mut self.cur);
    }
}

/// The type ids a stream has defined. A stream defines few, so they live
/// inline up to [`SentIds::INLINE`] and a fresh encoder per message
/// (`single_encode`) allocates nothing for them (a heap list cost about 190
/// instructions a stream: allocation, growth and free).
#[derive(Debug, Clone)]
struct SentIds {
    inline: [GobId; SentIds::INLINE],
    /// How many ids there are: in `inline` while `spilled` is empty, else
    /// all in `spilled`.
    len: usize,
    spilled: Vec<GobId>,
}

impl Default for SentIds {
    fn default() -> Self {
        SentIds {
            inline: [0; SentIds::INLINE],
            len: 0,
            spilled: Vec::new(),
        }
    }
}

impl SentIds {
    const INLINE: usize = 8;

    #[inline]
    fn as_slice(&self) -> &[GobId] {
        match self.inline.get(..self.len) {
            Some(ids) if self.spilled.is_empty() => ids,
            _ => &self.spilled,
        }
    }

    #[inline]
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn contains(&self, id: &GobId) -> bool {
        self.as_slice().contains(id)
    }

    #[inline]
    fn push(&mut self, id: GobId) {
        self.extend_from_slice(&[id]);
    }

    #[inline]
    fn extend_from_slice(&mut self, ids: &[GobId]) {
        let end = self.len + ids.len();
        if self.spilled.is_empty() && end <= SentIds::INLINE {
            // A loop over the few ids, not a call to memcpy.
            for (slot, id) in self.inline[self.len..].iter_mut().zip(ids) {
                *slot = *id;
            }
            self.len = end;
            return;
        }
        self.spill(ids);
    }

    /// [`SentIds::extend_from_slice`] past the inline room.
    #[cold]
    #[inline(never)]
    fn spill(&mut self, ids: &[GobId]) {
        if self.spilled.is_empty() {
            self.spilled.extend_from_slice(&self.inline[..self.len]);
        }
        self.spilled.extend_from_slice(ids);
        self.len = self.spilled.len();
    }

    fn truncate(&mut self, len: usize) {
        self.spilled.truncate(len);
        self.len = self.len.min(len);
    }

    /// Forgets every id; a spilled list keeps its memory for the next stream.
    fn clear(&mut self) {
        self.len = 0;
        self.spilled.clear();
    }
}

/// Writes whole messages to a level's writer: `out`, or in place before the
/// open message at `start` (whose length byte moves after them).
fn write_messages(
    cur: &mut Vec<u8>,
    start: &mut usize,
    out: &mut Option<&mut Vec<u8>>,
    messages: &[u8],
) {
    match out {
        Some(out) => out.extend_from_slice(messages),
        None => {
            cur.pop();
            cur.extend_from_slice(messages);
            cur.push(0);
            *start = cur.len();
        }
    }
}

/// The definitions a fresh stream sends for `node` (the root of `schema`),
/// found by doing just that on an empty stream.
fn preamble(registry: &mut Registry, schema: &Schema, node: NodeId, id: GobId) -> Result<Preamble> {
    let mut sent = SentIds::default();
    let mut message = Vec::new();
    let mut bytes = Vec::new();
    let mut st = EncState::new(
        registry,
        &mut sent,
        &mut message,
        0,
        Some(&mut bytes),
        schema,
    );
    let defined_more = st.send_type(schema, node)?;
    drop(st);
    if !defined_more {
        sent.push(id);
    }
    Ok(Preamble {
        bytes: bytes.into_boxed_slice(),
        ids: sent.as_slice().into(),
    })
}

/// The serializer's own error: the encoding error, boxed, so that the many
/// small results on the hot path stay two words wide.
#[derive(Debug)]
pub struct SerError(Box<Error>);

type SResult<T> = std::result::Result<T, SerError>;

impl From<Error> for SerError {
    fn from(e: Error) -> Self {
        SerError(Box::new(e))
    }
}

impl From<SerError> for Error {
    fn from(e: SerError) -> Self {
        *e.0
    }
}

impl std::fmt::Display for SerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for SerError {}

impl ser::Error for SerError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::Custom(msg.to_string()).into()
    }
}

fn encode_error(message: String) -> SerError {
    Error::Encode(message).into()
}

/// Field names usually are the very same static strings (serde's derives
/// share them), so compare addresses before bytes.
#[inline]
fn same_name(a: &'static str, b: &'static str) -> bool {
    std::ptr::eq(a, b) || a == b
}

/// Where a value sits, which decides what Go does with zero and nil.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A struct field: zero values are left out, nil pointers are fine.
    Field,
    /// Top level, or an element of an array, slice or map: always sent.
    Element,
}

/// Serializes one value of Go type `node`, and gives back whether it was
/// Go's zero value ([`IsZero`]). Two pointers, so that it travels in
/// registers; where the value sits and whether it was reached through a
/// pointer travel in the state (`place`, `non_nil`).
struct ValueSer<'s, 'a> {
    st: &'s mut EncState<'a>,
    node: &'a Node,
}

/// What a serializer gives back: whether the value was Go's zero value,
/// which a struct field then leaves out.
type IsZero = bool;

impl<'s, 'a> ValueSer<'s, 'a> {
    #[inline(always)]
    fn new(st: &'s mut EncState<'a>, node: NodeId, place: Place) -> Self {
        let schema: &'a Schema = st.schema;
        ValueSer::at(st, schema.node(node), place)
    }

    /// A serializer for a value of `node` at `place`.
    #[inline(always)]
    fn at(st: &'s mut EncState<'a>, node: &'a Node, place: Place) -> Self {
        st.place = place;
        st.pending_delta = None;
        st.non_nil = false;
        ValueSer { st, node }
    }

    #[inline]
    fn kind(&self) -> &'a Kind {
        &self.node.kind
    }

    fn go_type(&self) -> &'a str {
        &self.node.go_string
    }

    // Passes on the node only: a call given `&self` would get the state.
    #[inline(always)]
    fn mismatch(&self, rust: &str) -> Error {
        mismatch(self.node, rust)
    }

    #[inline(always)]
    fn int(self, v: i64) -> SResult<IsZero> {
        let wire = match self.kind() {
            Kind::Int => fold_int(v),
            _ => int_wire_other(self.node, v)?,
        };
        self.st.number(wire, v == 0)
    }

    #[inline(always)]
    fn uint(self, v: u64) -> SResult<IsZero> {
        let wire = match self.kind() {
            Kind::Uint { .. } => v,
            _ => uint_wire_other(self.node, v)?,
        };
        self.st.number(wire, v == 0)
    }

    fn float(self, v: f64) -> SResult<IsZero> {
        match self.kind() {
            Kind::Float => self.st.number(float_to_wire(v), v == 0.0),
            _ => Err(self.mismatch("float").into()),
        }
    }

    /// The bytes of a self-marshalling value marked as Go's zero value
    /// (see [`ZERO_VALUE`]). Out of line: it is rare, and inlined it would
    /// double every newtype's code.
    #[cold]
    #[inline(never)]
    fn marked_zero<T: Serialize + ?Sized>(self, value: &T) -> SResult<IsZero> {
        let non_nil = self.st.non_nil;
        value.serialize(ValueSer {
            st: &mut *self.st,
            node: self.node,
        })?;
        self.st.set_zero(!non_nil)
    }

    #[inline(always)]
    fn child(&mut self, node: NodeId, place: Place) -> ValueSer<'_, 'a> {
        let node = self.st.schema.base(node);
        ValueSer::new(self.st, node, place)
    }
}

impl<'s, 'a> ser::Serializer for ValueSer<'s, 'a> {
    type Ok = IsZero;
    type Error = SerError;
    type SerializeSeq = SeqSer<'s, 'a>;
    type SerializeTuple = SeqSer<'s, 'a>;
    type SerializeTupleStruct = ser::Impossible<IsZero, SerError>;
    type SerializeTupleVariant = ser::Impossible<IsZero, SerError>;
    type SerializeMap = MapSer<'s, 'a>;
    type SerializeStruct = StructSer<'s, 'a>;
    type SerializeStructVariant = ser::Impossible<IsZero, SerError>;

    #[inline]
    fn serialize_bool(self, v: bool) -> SResult<IsZero> {
        if !matches!(self.kind(), Kind::Bool) {
            return Err(self.mismatch("bool").into());
        }
        self.st.number(v as u64, !v)
    }

    #[inline(always)]
    fn serialize_i8(self, v: i8) -> SResult<IsZero> {
        self.int(v as i64)
    }
    #[inline(always)]
    fn serialize_i16(self, v: i16) -> SResult<IsZero> {
        self.int(v as i64)
    }
    #[inline(always)]
    fn serialize_i32(self, v: i32) -> SResult<IsZero> {
        self.int(v as i64)
    }
    #[inline(always)]
    fn serialize_i64(self, v: i64) -> SResult<IsZero> {
        self.int(v)
    }
    #[inline(always)]
    fn serialize_u8(self, v: u8) -> SResult<IsZero> {
        self.uint(v as u64)
    }
    #[inline(always)]
    fn serialize_u16(self, v: u16) -> SResult<IsZero> {
        self.uint(v as u64)
    }
    #[inline(always)]
    fn serialize_u32(self, v: u32) -> SResult<IsZero> {
        self.uint(v as u64)
    }
    #[inline(always)]
    fn serialize_u64(self, v: u64) -> SResult<IsZero> {
        self.uint(v)
    }
    #[inline]
    fn serialize_f32(self, v: f32) -> SResult<IsZero> {
        self.float(v as f64)
    }
    #[inline]
    fn serialize_f64(self, v: f64) -> SResult<IsZero> {
        self.float(v)
    }
    #[inline]
    fn serialize_char(self, v: char) -> SResult<IsZero> {
        self.int(v as i64)
    }

    #[inline(always)]
    fn serialize_str(self, v: &str) -> SResult<IsZero> {
        if !matches!(self.kind(), Kind::String) {
            return Err(self.mismatch("string").into());
        }
        self.st.byte_string(v.as_bytes(), v.is_empty())
    }

    fn serialize_bytes(self, v: &[u8]) -> SResult<IsZero> {
        match self.kind() {
            Kind::Bytes => self.st.byte_string(v, v.is_empty()),
            Kind::Opaque(_) => {
                let non_nil = self.st.non_nil;
                self.st.byte_string(v, opaque_is_zero(v.len(), non_nil))
            }
            _ => Err(self.mismatch("byte string").into()),
        }
    }

    #[inline]
    fn serialize_none(self) -> SResult<IsZero> {
        if self.st.place == Place::Field {
            return self.st.set_zero(true);
        }
        Err(encode_error(format!(
            "a nil pointer to {} cannot be sent outside a struct field",
            self.go_type()
        )))
    }

    #[inline]
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> SResult<IsZero> {
        self.st.non_nil = true;
        value.serialize(self)
    }

    fn serialize_unit(self) -> SResult<IsZero> {
        Err(self.mismatch("()").into())
    }

    fn serialize_unit_struct(self, _: &'static str) -> SResult<IsZero> {
        match self.kind() {
            Kind::Struct { .. } => self.st.number(0, false),
            _ => Err(self.mismatch("unit struct").into()),
        }
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> SResult<IsZero> {
        // The nil interface.
        if !matches!(self.kind(), Kind::Interface { .. }) {
            return Err(self.mismatch("enum").into());
        }
        self.st.number(0, true)
    }

    #[inline(always)]
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> SResult<IsZero> {
        // A self-marshalling value that says it is Go's zero value: its
        // bytes go out, and a struct field leaves it out (unless reached
        // through a non-nil pointer).
        if let Kind::Opaque(_) = self.kind()
            && name == ZERO_VALUE
        {
            return self.marked_zero(value);
        }
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> SResult<IsZero> {
        let Kind::Interface { variants } = self.kind() else {
            return Err(self.mismatch("enum").into());
        };
        // A schema traced from Deserialize knows every variant's concrete
        // type; one learnt from values learns each as it is sent.
        let (schema, node): (&'a Schema, NodeId) = match variants.get(index as usize) {
            Some(Some(concrete)) => (self.st.schema, concrete.node),
            _ => {
                let concrete = shape::concrete_schema(variant, value)?;
                (concrete, concrete.root)
            }
        };
        // Go's encodeInterface: the registered name, the concrete type's
        // definitions (each flushing the message so far), its id, then the
        // value as a delimited top-level value.
        self.st.byte_string(variant.as_bytes(), false)?;
        self.st.send_type_and_id(schema, node)?;
        let mut data = Vec::new();
        let mut inner = EncState::new(
            self.st.registry,
            self.st.sent,
            &mut data,
            0,
            Some(&mut self.st.cur),
            schema,
        );
        inner.encode_body(value, schema, node)?;
        drop(inner);
        put_bytes(self.st.buf(), &data);
        self.st.set_zero(false)
    }

    /// serde's own `collect_seq`, always inlined: a slice's loop then sits
    /// in its parent's serializer, which passes the state to no call and so
    /// keeps the buffer's length in a register from field to field.
    #[inline(always)]
    fn collect_seq<I>(self, iter: I) -> SResult<IsZero>
    where
        I: IntoIterator,
        I::Item: Serialize,
    {
        let iter = iter.into_iter();
        let len = match iter.size_hint() {
            (lo, Some(hi)) if lo == hi => Some(lo),
            _ => None,
        };
        let mut seq = self.serialize_seq(len)?;
        for item in iter {
            ser::SerializeSeq::serialize_element(&mut seq, &item)?;
        }
        ser::SerializeSeq::end(seq)
    }

    #[inline]
    fn serialize_seq(self, len: Option<usize>) -> SResult<SeqSer<'s, 'a>> {
        SeqSer::start(self, len)
    }

    fn serialize_tuple(self, len: usize) -> SResult<SeqSer<'s, 'a>> {
        SeqSer::start(self, Some(len))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> SResult<Self::SerializeTupleStruct> {
        Err(encode_error(format!("tuple struct {name} has no Go form")))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> SResult<Self::SerializeTupleVariant> {
        Err(encode_error(format!(
            "{name}::{variant}: an interface variant holds exactly one value"
        )))
    }

    fn serialize_map(self, len: Option<usize>) -> SResult<MapSer<'s, 'a>> {
        let Kind::Map(key, elem) = *self.kind() else {
            return Err(self.mismatch("map").into());
        };
        let start = self.st.begin_items(len);
        let non_nil = self.st.non_nil;
        Ok(MapSer {
            ser: self,
            key,
            elem,
            start,
            declared: len,
            count: 0,
            non_nil,
        })
    }

    #[inline]
    fn serialize_struct(self, name: &'static str, _: usize) -> SResult<StructSer<'s, 'a>> {
        let (fields, complex) = match self.kind() {
            Kind::Struct { fields } => (&fields[..], false),
            Kind::Complex => (&[][..], true),
            _ => {
                return Err(encode_error(format!(
                    "struct {name} was given for the Go type {}",
                    self.go_type()
                )));
            }
        };
        self.st.begin();
        // The enclosing struct's place goes aside until this one ends.
        let outer = (self.st.next_field, self.st.last_field);
        self.st.next_field = 0;
        self.st.last_field = -1;
        Ok(StructSer {
            ser: self,
            fields,
            complex,
            outer,
        })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> SResult<Self::SerializeStructVariant> {
        Err(encode_error(format!(
            "{name}::{variant}: an interface variant holds exactly one value"
        )))
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// The error for a Rust value of kind `rust` given for the Go type `node`.
#[cold]
#[inline(never)]
fn mismatch(node: &Node, rust: &str) -> Error {
    Error::Encode(format!(
        "a Rust {rust} was given for the Go type {}",
        node.go_string
    ))
}

// The number serializers' rare cases compute the wire integer and write
// nothing: given no pointer into the state, a call to them leaves the
// state's buffer length where the hot path can keep it (in a register).

/// The wire integer of a signed integer for a Go type other than a signed
/// one.
#[cold]
#[inline(never)]
fn int_wire_other(node: &Node, v: i64) -> SResult<u64> {
    match node.kind {
        Kind::Uint { .. } if v >= 0 => Ok(v as u64),
        Kind::Opaque(_) | Kind::Bytes if v >= 0 => Err(mismatch(node, "unsigned integer").into()),
        Kind::Float => Ok(float_to_wire(v as f64)),
        _ => Err(mismatch(node, "signed integer").into()),
    }
}

/// The wire integer of an unsigned integer for a Go type other than an
/// unsigned one.
#[cold]
#[inline(never)]
fn uint_wire_other(node: &Node, v: u64) -> SResult<u64> {
    match node.kind {
        Kind::Int if v <= i64::MAX as u64 => Ok(fold_int(v as i64)),
        _ => Err(mismatch(node, "unsigned integer").into()),
    }
}

/// Whether the bytes of a value that marshals itself stand for Go's zero
/// value. Go leaves a GobEncoder or BinaryMarshaler struct field out when
/// the value is zero (`encoding/gob`'s `gobEncodeOpFor`), and the decoder
/// then hands out empty bytes: so empty bytes are the zero value, unless
/// they were reached through a non-nil pointer, which Go always sends.
fn opaque_is_zero(len: usize, non_nil: bool) -> bool {
    len == 0 && !non_nil
}

pub struct SeqSer<'s, 'a> {
    ser: ValueSer<'s, 'a>,
    /// The elements' Go type (pointers followed); unused for bytes.
    elem: &'a Node,
    /// Whether the sequence was reached through a non-nil pointer.
    non_nil: bool,
    /// Where the count goes when it was not known up front.
    start: usize,
    declared: Option<usize>,
    count: usize,
    bytes: bool,
}

impl<'s, 'a> SeqSer<'s, 'a> {
    #[inline]
    fn start(ser: ValueSer<'s, 'a>, len: Option<usize>) -> SResult<Self> {
        let schema: &'a Schema = ser.st.schema;
        let (elem, bytes) = match *ser.kind() {
            Kind::Slice(e) | Kind::Array(e, _) => (schema.node(schema.base(e)), false),
            Kind::Bytes | Kind::Opaque(_) => (ser.node, true),
            _ => return Err(ser.mismatch("sequence").into()),
        };
        let non_nil = ser.st.non_nil;
        if let (Kind::Array(_, n), Some(len)) = (ser.kind(), len)
            && *n != len
        {
            return Err(encode_error(format!(
                "{} elements were given for the Go type {}",
                len,
                ser.go_type()
            )));
        }
        let start = ser.st.begin_items(len);
        Ok(SeqSer {
            ser,
            elem,
            non_nil,
            start,
            declared: len,
            count: 0,
            bytes,
        })
    }

    #[inline]
    fn finish(self) -> SResult<IsZero> {
        let buf = self.ser.st.buf();
        match self.declared {
            Some(n) if n != self.count => {
                return Err(encode_error(format!(
                    "a sequence announced {n} elements and gave {}",
                    self.count
                )));
            }
            Some(_) => {}
            None => {
                let mut count = Vec::new();
                put_uint(&mut count, self.count as u64);
                buf.splice(self.start..self.start, count);
            }
        }
        let zero = match self.ser.kind() {
            Kind::Array(..) => false,
            Kind::Opaque(_) => opaque_is_zero(self.count, self.non_nil),
            _ => self.count == 0,
        };
        self.ser.st.set_zero(zero)
    }
}

impl ser::SerializeSeq for SeqSer<'_, '_> {
    type Ok = IsZero;
    type Error = SerError;

    #[inline(always)]
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> SResult<()> {
        self.count += 1;
        if self.bytes {
            let byte = match value.serialize(ScalarSer)? {
                Scalar::Uint(b) if b <= 0xff => b as u8,
                _ => return Err(encode_error("a []byte element must be a u8".into())),
            };
            put_byte(&mut self.ser.st.cur, byte);
            return Ok(());
        }
        value.serialize(ValueSer::at(self.ser.st, self.elem, Place::Element))?;
        Ok(())
    }

    #[inline]
    fn end(self) -> SResult<IsZero> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSer<'_, '_> {
    type Ok = IsZero;
    type Error = SerError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> SResult<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    #[inline]
    fn end(self) -> SResult<IsZero> {
        self.finish()
    }
}

pub struct MapSer<'s, 'a> {
    ser: ValueSer<'s, 'a>,
    key: NodeId,
    elem: NodeId,
    start: usize,
    declared: Option<usize>,
    count: usize,
    /// Whether the map was reached through a non-nil pointer.
    non_nil: bool,
}

impl ser::SerializeMap for MapSer<'_, '_> {
    type Ok = IsZero;
    type Error = SerError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> SResult<()> {
        self.count += 1;
        key.serialize(self.ser.child(self.key, Place::Element))?;
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> SResult<()> {
        value.serialize(self.ser.child(self.elem, Place::Element))?;
        Ok(())
    }

    fn end(self) -> SResult<IsZero> {
        let buf = self.ser.st.buf();
        match self.declared {
            Some(n) if n != self.count => {
                return Err(encode_error(format!(
                    "a map announced {n} entries and gave {}",
                    self.count
                )));
            }
            Some(_) => {}
            None => {
                let mut count = Vec::new();
                put_uint(&mut count, self.count as u64);
                buf.splice(self.start..self.start, count);
            }
        }
        // Go sends an empty map that is not nil; Rust's nearest is Some(map).
        self.ser.st.set_zero(self.count == 0 && !self.non_nil)
    }
}

pub struct StructSer<'s, 'a> {
    ser: ValueSer<'s, 'a>,
    /// The Go struct's fields (none for a complex number).
    fields: &'s [Field],
    /// A complex number, given as a struct of `re` and `im`.
    complex: bool,
    /// The enclosing struct's `next_field` and `last_field`, given back at
    /// the end. (This struct's own change with every field, and live in
    /// the state: a serializer moved into `end` right after a field was
    /// written would wait on those writes.)
    outer: (usize, i64),
}

impl StructSer<'_, '_> {
    /// A field given out of order, or by a name the Go type lacks.
    #[cold]
    // Given no pointer into the state (as the parts of a complex number
    // below), so that the hot path keeps what it holds of it in registers.
    fn find_field(fields: &[Field], node: &Node, key: &'static str) -> SResult<usize> {
        fields
            .iter()
            .position(|f| f.name == key)
            .ok_or_else(|| encode_error(format!("{} has no field {key}", node.go_string)))
    }

    /// A part of a complex number: `re`, then `im`.
    #[cold]
    #[inline(never)]
    fn complex_part<T: Serialize + ?Sized>(value: &T) -> SResult<f64> {
        match value.serialize(ScalarSer)? {
            Scalar::Float(part) => Ok(part),
            _ => Err(encode_error("a complex part must be a float".into())),
        }
    }
}

impl ser::SerializeStruct for StructSer<'_, '_> {
    type Ok = IsZero;
    type Error = SerError;

    // Inlined into the derive's `serialize`: as a call it cost about 15
    // instructions a field in saved registers alone.
    #[inline(always)]
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> SResult<()> {
        if self.complex {
            let part = Self::complex_part(value)?;
            let st = &mut *self.ser.st;
            st.complex_parts[st.next_field.min(1)] = part;
            st.next_field += 1;
            return Ok(());
        }
        let next = self.ser.st.next_field;
        let (index, node) = match self.fields.get(next) {
            Some(f) if same_name(f.name, key) => (next, f.node),
            _ => {
                let index = Self::find_field(self.fields, self.ser.node, key)?;
                (index, self.fields[index].node)
            }
        };
        self.ser.st.next_field = index + 1;
        let delta = (index as i64 - self.ser.st.last_field) as u64;
        let mark = self.ser.st.buf().len();
        let ser = self.ser.child(node, Place::Field);
        match delta {
            0..0x80 => ser.st.pending_delta = Some(delta as u8),
            _ => put_uint_led(&mut ser.st.cur, false, 0, delta),
        }
        let zero = value.serialize(ser)?;
        if zero {
            // Go leaves a zero field out.
            self.ser.st.buf().truncate(mark);
        } else {
            self.ser.st.last_field = index as i64;
        }
        Ok(())
    }

    #[inline(always)]
    fn end(self) -> SResult<IsZero> {
        let st = self.ser.st;
        (st.next_field, st.last_field) = self.outer;
        if self.complex {
            let [re, im] = std::mem::take(&mut st.complex_parts);
            put_uint_led(&mut st.cur, false, 0, float_to_wire(re));
            put_uint_led(&mut st.cur, false, 0, float_to_wire(im));
            return st.set_zero(re == 0.0 && im == 0.0);
        }
        put_uint_led(&mut st.cur, false, 0, 0);
        st.set_zero(false)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename = "GobEncoder:time.Time")]
    struct Time(Vec<u8>);

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename = "main.Event")]
    struct Event {
        #[serde(rename = "At")]
        at: Time,
        #[serde(rename = "P")]
        p: Option<Time>,
    }

    /// The last message of a stream.
    fn value_message(stream: &[u8]) -> &[u8] {
        let mut rest = stream;
        loop {
            let len = rest[0] as usize;
            if rest.len() == len + 1 {
                return &rest[1..];
            }
            rest = &rest[len + 1..];
        }
    }

    #[test]
    fn an_empty_self_marshalled_field_is_zero_and_left_out() {
        // Go leaves out a zero time.Time field; the decoder reads it back as
        // empty bytes, which must again leave it out.
        let zero = Event {
            at: Time(vec![]),
            p: None,
        };
        let bytes = super::to_vec(&zero).unwrap();
        // Type id 64, no fields, end of struct.
        assert_eq!(value_message(&bytes), [0xff, 0x80, 0x00]);
        assert_eq!(super::super::from_slice::<Event>(&bytes).unwrap(), zero);

        // Through a non-nil pointer Go sends it whatever its bytes.
        let pointed = Event {
            at: Time(vec![1]),
            p: Some(Time(vec![])),
        };
        let bytes = super::to_vec(&pointed).unwrap();
        // Field 0 with one byte, field 1 with none, end of struct.
        assert_eq!(
            value_message(&bytes),
            [0xff, 0x80, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00]
        );
        assert_eq!(super::super::from_slice::<Event>(&bytes).unwrap(), pointed);

        // At top level a value is always sent, even with no bytes: type id 64,
        // singleton marker, zero-length bytes.
        let bytes = super::to_vec(&Time(vec![])).unwrap();
        assert_eq!(value_message(&bytes), [0xff, 0x80, 0x00, 0x00]);
    }

    #[test]
    fn sent_ids_keep_order_past_the_inline_room_and_after_truncation() {
        let mut sent = super::SentIds::default();
        let mut model: Vec<i64> = Vec::new();
        let steps: &[&[i64]] = &[&[65, 66], &[67], &[68, 69, 70, 71], &[72, 73], &[74]];
        for ids in steps {
            sent.extend_from_slice(ids);
            model.extend_from_slice(ids);
            assert_eq!(sent.as_slice(), &model[..]);
            assert_eq!(sent.len(), model.len());
        }
        assert!(sent.contains(&73) && !sent.contains(&75));
        sent.truncate(3);
        model.truncate(3);
        assert_eq!(sent.as_slice(), &model[..]);
        sent.push(80);
        assert_eq!(sent.as_slice(), &[65, 66, 67, 80]);
        sent.clear();
        assert_eq!(sent.as_slice(), &[] as &[i64]);
        sent.extend_from_slice(&[1, 2]);
        assert_eq!(sent.as_slice(), &[1, 2]);
    }
}
