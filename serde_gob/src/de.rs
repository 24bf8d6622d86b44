//! The deserializer: gob into Rust values, with Go's decoding rules.
//!
//! Fields are matched by name; fields the Rust type does not know are
//! skipped; fields the stream left out get their zero value; integers go
//! into any width of the same signedness, with an error when they overflow.
//! Type ids are always the sender's.

use std::io::Read;
use std::sync::Arc;

use serde::de::{self, Deserialize, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::{Error, Result};
use super::schema::{BINARY_MARSHALER_PREFIX, COMPLEX64, COMPLEX128, GOB_ENCODER_PREFIX};
use super::stream::{DecoderState, Input, Limits, NO_RUST_FIELD, SliceInput, Stream, WireField};
use super::types::{self, GobId, Shape, WireType};
use super::value;
use super::value_serde::{VALUE_TOKEN, hand_over};
use super::wire;
use super::zero::{NIL_VARIANT, ZeroDeserializer};

/// Decodes the single value of a gob stream held in `bytes`; a stream of
/// more values is an error (use a [`Decoder`] for those).
///
/// The value may borrow strings and byte slices from `bytes` (`&'de str`,
/// `&'de [u8]`): the stream is decoded where it lies, without a copy.
pub fn from_slice<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T> {
    single(Decoder::from_slice(bytes))
}

/// Decodes the single value of a gob stream read from `reader`, to its
/// end: a stream of more values is an error (use a [`Decoder`] for those,
/// or to read one value from a connection that stays open).
pub fn from_reader<R: Read, T: DeserializeOwned>(reader: R) -> Result<T> {
    single(Decoder::new(reader))
}

fn single<'de, R: Input<'de>, T: Deserialize<'de>>(mut decoder: Decoder<R>) -> Result<T> {
    let value = decoder.decode()?.ok_or(Error::UnexpectedEof {
        offset: 0,
        context: "the stream holds no value",
    })?;
    if decoder.stream.read_message()? {
        return Err(Error::malformed(
            decoder.stream.offset(),
            "more than one value in the stream",
        ));
    }
    Ok(value)
}

/// A gob stream being read: Go's `gob.Decoder`.
///
/// `R` is its [`Input`]: any [`Read`]er, or a [`SliceInput`] (made by
/// [`Decoder::from_slice`]) that decodes each message in place and lets
/// values borrow from the bytes.
pub struct Decoder<R> {
    pub(crate) stream: Stream<R>,
    /// The sender's type id of the last value decoded.
    last_id: Option<GobId>,
}

impl<'de> Decoder<SliceInput<'de>> {
    /// A decoder for the gob stream held in `bytes`, with the default
    /// [`Limits`]: it decodes each message where it lies, and its values
    /// may borrow from `bytes`. For other limits or a reused
    /// [`DecoderState`], give a [`SliceInput`] to [`Decoder::with_state`].
    pub fn from_slice(bytes: &'de [u8]) -> Self {
        Decoder::new(SliceInput::new(bytes))
    }
}

impl<'de, R: Input<'de>> Decoder<R> {
    /// A decoder for the gob stream read from `reader`, with the default
    /// [`Limits`].
    pub fn new(reader: R) -> Self {
        Decoder::with_limits(reader, Limits::default())
    }

    /// A decoder for the gob stream read from `reader` that refuses input
    /// beyond `limits`.
    pub fn with_limits(reader: R, limits: Limits) -> Self {
        Decoder::with_state(reader, limits, DecoderState::default())
    }

    /// A fresh stream reusing the memory of an earlier decoder (see
    /// [`Decoder::into_state`]): what a receiver of one stream per message
    /// wants.
    pub fn with_state(reader: R, limits: Limits, state: DecoderState) -> Self {
        Decoder {
            stream: Stream::with_state(reader, limits, state),
            last_id: None,
        }
    }

    /// Gives the decoder's memory back for the next stream.
    pub fn into_state(self) -> DecoderState {
        self.stream.into_state()
    }

    /// Starts a fresh stream from `reader`, as a new decoder with this
    /// one's limits would, keeping this decoder's memory: what
    /// [`Decoder::with_state`] does, without moving the decoder.
    pub fn restart(&mut self, reader: R) {
        self.stream.restart(reader);
        self.last_id = None;
    }

    /// The reader, for a caller that feeds it: the decoder reads a message
    /// only when a value is asked for, and no further than that message.
    pub fn reader_mut(&mut self) -> &mut R {
        self.stream.reader_mut()
    }

    /// Decodes the next value; `Ok(None)` at the end of the stream.
    ///
    /// A `T` that borrows (`&'de str`) needs a [`SliceInput`]: from a
    /// reader it fails with [`Error::TypeMismatch`].
    pub fn decode<T: Deserialize<'de>>(&mut self) -> Result<Option<T>> {
        let Some(id) = self.stream.type_sequence(false)? else {
            return Ok(None);
        };
        self.last_id = Some(id);
        // The value goes straight into the result: held across a call, it
        // would be copied out and back through the stack.
        match T::deserialize(ValueDe::top(&mut self.stream, id)?) {
            Ok(value) => {
                self.stream.end_value();
                Ok(Some(value))
            }
            Err(e) => Err(self.value_error(e)),
        }
    }

    /// An error from a `Deserialize` implementation, with the offset
    /// where it stopped filled in.
    #[cold]
    #[inline(never)]
    fn value_error(&self, e: DeError) -> Error {
        match *e.0 {
            Error::Custom(message) => Error::Invalid {
                offset: self.stream.offset(),
                message,
            },
            Error::TypeMismatch {
                offset: OFFSET_TO_FILL,
                expected,
                found,
            } => Error::TypeMismatch {
                offset: self.stream.offset(),
                expected,
                found,
            },
            e => e,
        }
    }

    /// The stream's values, each decoded as a `T`, until the end of the
    /// stream or the first error (serde_json's `StreamDeserializer`). The
    /// decoder stays usable: [`Decoder::offset`] says where it stopped.
    pub fn values<T: Deserialize<'de>>(&mut self) -> Values<'_, R, T> {
        Values {
            decoder: self,
            failed: false,
            _value: std::marker::PhantomData,
        }
    }

    /// Like [`Decoder::values`], owning the decoder.
    pub fn into_values<T: Deserialize<'de>>(self) -> IntoValues<R, T> {
        IntoValues {
            decoder: self,
            failed: false,
            _value: std::marker::PhantomData,
        }
    }

    /// The sender's name for the type of the last value decoded (a struct's
    /// bare name, or gob's name for a basic type).
    pub fn last_type_name(&self) -> Option<String> {
        self.last_id.map(|id| self.stream.type_name(id))
    }

    /// The stream offset where the message holding the last value decoded
    /// began (its length prefix): everything before it is type definitions
    /// and earlier values.
    pub fn value_message_start(&self) -> Option<u64> {
        self.stream.value_message_start()
    }

    /// The sender's type definitions this stream has seen so far.
    pub fn types(&self) -> &[(GobId, Arc<WireType>)] {
        self.stream.types()
    }

    /// Takes `types` as defined, as if their definitions had been read: for
    /// a receiver that recognises streams' openings itself and skips them
    /// (a decoder that keeps its memory also passes over the openings of
    /// its last streams on its own).
    pub fn assume_types(&mut self, types: &[(GobId, Arc<WireType>)]) {
        self.stream.assume_types(types)
    }

    /// Whether the last value decoded was of a type the sender named `name`.
    pub fn last_type_is(&self, name: &str) -> bool {
        self.last_id
            .is_some_and(|id| self.stream.wire_name(id) == Some(name))
    }

    /// The offset of the next unread byte of the current message.
    pub fn offset(&self) -> u64 {
        self.stream.offset()
    }
}

/// The values of a stream as `T`s: see [`Decoder::values`].
pub struct Values<'d, R, T> {
    decoder: &'d mut Decoder<R>,
    failed: bool,
    _value: std::marker::PhantomData<fn() -> T>,
}

impl<'de, R: Input<'de>, T: Deserialize<'de>> Iterator for Values<'_, R, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        next_value(self.decoder, &mut self.failed)
    }
}

/// The values of a stream as `T`s: see [`Decoder::into_values`].
pub struct IntoValues<R, T> {
    decoder: Decoder<R>,
    failed: bool,
    _value: std::marker::PhantomData<fn() -> T>,
}

impl<R, T> IntoValues<R, T> {
    /// The decoder, to see where it stopped.
    pub fn decoder(&self) -> &Decoder<R> {
        &self.decoder
    }
}

impl<'de, R: Input<'de>, T: Deserialize<'de>> Iterator for IntoValues<R, T> {
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        next_value(&mut self.decoder, &mut self.failed)
    }
}

/// The next value of an iterator over a stream: nothing after an error,
/// which could only repeat it or read past bytes that made no sense.
fn next_value<'de, R: Input<'de>, T: Deserialize<'de>>(
    decoder: &mut Decoder<R>,
    failed: &mut bool,
) -> Option<Result<T>> {
    if *failed {
        return None;
    }
    let next = decoder.decode().transpose();
    *failed = matches!(next, Some(Err(_)));
    next
}

/// The deserializer's own error: the decoding error, boxed, so that the
/// many small results on the hot path stay two words wide.
#[derive(Debug)]
pub struct DeError(Box<Error>);

type DResult<T> = std::result::Result<T, DeError>;

impl From<Error> for DeError {
    fn from(e: Error) -> Self {
        DeError(Box::new(e))
    }
}

impl From<DeError> for Error {
    fn from(e: DeError) -> Self {
        *e.0
    }
}

impl std::fmt::Display for DeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for DeError {}

/// The offset of a type mismatch that a `Deserialize` implementation
/// reports, which it does not know: filled in by [`Decoder::decode`].
const OFFSET_TO_FILL: u64 = u64::MAX;

impl de::Error for DeError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error::Custom(msg.to_string()).into()
    }

    fn invalid_type(unexpected: de::Unexpected<'_>, expected: &dyn de::Expected) -> Self {
        Error::TypeMismatch {
            offset: OFFSET_TO_FILL,
            expected: expected.to_string(),
            found: unexpected.to_string(),
        }
        .into()
    }

    /// An interface holding a concrete type the enum has no variant for.
    fn unknown_variant(variant: &str, expected: &'static [&'static str]) -> Self {
        let expected = match expected {
            [] => "no concrete type".to_string(),
            names => format!("a concrete type of {}", names.join(", ")),
        };
        Error::TypeMismatch {
            offset: OFFSET_TO_FILL,
            expected,
            found: format!("the concrete type {variant:?}"),
        }
        .into()
    }
}

/// A number that does not fit the Rust type `target`.
#[cold]
#[inline(never)]
fn overflow(offset: u64, value: impl ToString, target: &'static str) -> DeError {
    Error::Overflow {
        offset,
        value: value.to_string(),
        target,
    }
    .into()
}

/// Deserializes one value of sender type `id`.
struct ValueDe<'s, R> {
    st: &'s mut Stream<R>,
    id: GobId,
}

impl<'s, 'de, R: Input<'de>> ValueDe<'s, R> {
    /// A top-level value (or an interface's concrete value): a singleton
    /// carries a zero delta first.
    fn top(st: &'s mut Stream<R>, id: GobId) -> DResult<Self> {
        st.singleton_marker(id)?;
        Ok(ValueDe { st, id })
    }

    fn wire(&self) -> DResult<Arc<WireType>> {
        Ok(self.st.wire(self.id)?)
    }

    fn mismatch(&self, expected: &str) -> Error {
        Error::TypeMismatch {
            offset: self.st.offset(),
            expected: expected.to_string(),
            found: self.st.type_name(self.id),
        }
    }

    #[inline(always)]
    fn expect(&self, id: GobId, expected: &str) -> DResult<()> {
        if self.id == id {
            Ok(())
        } else {
            Err(self.mismatch_error(expected))
        }
    }

    #[cold]
    #[inline(never)]
    fn mismatch_error(&self, expected: &str) -> DeError {
        self.mismatch(expected).into()
    }

    #[inline(always)]
    fn signed(&mut self, target: &'static str, min: i64, max: i64) -> DResult<i64> {
        self.expect(types::INT, target)?;
        let at = self.st.offset();
        let v = self.st.get_int()?;
        if v < min || v > max {
            return Err(overflow(at, v, target));
        }
        Ok(v)
    }

    #[inline(always)]
    fn unsigned(&mut self, target: &'static str, max: u64) -> DResult<u64> {
        self.expect(types::UINT, target)?;
        let at = self.st.offset();
        let v = self.st.get_uint()?;
        if v > max {
            return Err(overflow(at, v, target));
        }
        Ok(v)
    }

    /// Bytes of a `[]byte`, or with `opaque_ok` of a self-marshalled value.
    /// Go's decoder takes neither a string nor a self-marshalled value for a
    /// `[]byte`, nor anything but its own kind of self-marshalled value for
    /// a type that marshals itself.
    fn byte_range(&mut self, opaque_ok: bool) -> DResult<std::ops::Range<usize>> {
        match self.id {
            types::BYTES => Ok(self.st.get_bytes("reading bytes")?),
            types::STRING => Err(self.mismatch("[]byte").into()),
            _ => match self.wire()?.shape {
                Shape::GobEncoder | Shape::BinaryMarshaler | Shape::TextMarshaler if opaque_ok => {
                    Ok(self.st.get_bytes("reading marshalled bytes")?)
                }
                _ => Err(self.mismatch("[]byte").into()),
            },
        }
    }

    /// A newtype named for a type that marshals itself (`kind`): the bytes
    /// of that kind of value, as a sequence.
    #[inline(never)]
    fn self_marshalled<V: Visitor<'de>>(
        mut self,
        name: &'static str,
        kind: Shape,
        visitor: V,
    ) -> DResult<V::Value> {
        if self.st.wire(self.id).map(|w| w.shape.clone()).ok() != Some(kind) {
            return Err(self.mismatch(name).into());
        }
        let range = self.byte_range(true)?;
        let bytes = self.st.bytes(range).to_vec();
        visitor.visit_newtype_struct(de::value::SeqDeserializer::new(
            bytes.into_iter().map(ByteDe),
        ))
    }

    /// A newtype whose name may be special: a type that marshals itself
    /// takes the bytes of its own kind, and a [`Value`](crate::Value) the
    /// value read dynamically.
    #[inline(never)]
    fn special_newtype<V: Visitor<'de>>(self, name: &'static str, visitor: V) -> DResult<V::Value> {
        let kind = if name.starts_with(GOB_ENCODER_PREFIX) {
            Shape::GobEncoder
        } else if name.starts_with(BINARY_MARSHALER_PREFIX) {
            Shape::BinaryMarshaler
        } else if name == VALUE_TOKEN {
            return self.dynamic(visitor);
        } else {
            return visitor.visit_newtype_struct(self);
        };
        self.self_marshalled(name, kind, visitor)
    }

    /// A [`Value`](crate::Value) asked for: the value here read as
    /// `decode_values` reads it, with the sender's type.
    #[inline(never)]
    fn dynamic<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        let value = value::read(self.st, self.id, "")?;
        hand_over(value, visitor)
    }

    /// A struct as a map of its fields, for `deserialize_any` (a typed map
    /// takes no struct: Go's decoder refuses one).
    fn struct_as_map<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.visit_struct(&[], visitor)
    }

    /// The elements of a slice (or, with `array_ok`, an array), or the
    /// bytes of a `[]byte`.
    fn sequence<V: Visitor<'de>>(mut self, visitor: V, array_ok: bool) -> DResult<V::Value> {
        if self.id == types::BYTES {
            let range = self.byte_range(false)?;
            let bytes = self.st.bytes(range).to_vec();
            return visitor.visit_seq(byte_seq(bytes));
        }
        let Some(elem) = self.st.elem_of(self.id, array_ok) else {
            return Err(self.mismatch("slice").into());
        };
        self.st.enter()?;
        let (left, cap) = self.st.get_count()?;
        let mut access = SeqAccess {
            st: self.st,
            elem,
            left,
            cap,
        };
        let v = visitor.visit_seq(&mut access)?;
        // A Rust array takes its own length: Go refuses a count that differs.
        if access.left != 0 {
            return Err(Error::malformed(
                access.st.offset(),
                format!("{left} elements where the array holds fewer"),
            )
            .into());
        }
        access.st.leave();
        Ok(v)
    }

    /// A struct's fields for `visitor`, matched with `rust_fields`.
    #[inline]
    fn visit_struct<V: Visitor<'de>>(
        self,
        rust_fields: &'static [&'static str],
        visitor: V,
    ) -> DResult<V::Value> {
        self.st.enter()?;
        let Some(map) = self.st.field_map_index(self.id, rust_fields) else {
            return Err(self.mismatch_error("struct"));
        };
        let mut access = StructAccess {
            st: self.st,
            id: self.id,
            map,
            field: -1,
            rust_fields,
            seen: Seen::new(rust_fields.len()),
            filling: false,
            current: None,
            absent: 0,
        };
        let v = visitor.visit_map(&mut access)?;
        access.st.leave();
        Ok(v)
    }
}

impl<'de, R: Input<'de>> de::Deserializer<'de> for ValueDe<'_, R> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        match self.id {
            types::BOOL => visitor.visit_bool(self.st.get_bool()?),
            types::INT => visitor.visit_i64(self.st.get_int()?),
            types::UINT => visitor.visit_u64(self.st.get_uint()?),
            types::FLOAT => visitor.visit_f64(self.st.get_float()?),
            types::STRING => self.deserialize_string(visitor),
            types::BYTES => self.deserialize_byte_buf(visitor),
            types::COMPLEX => {
                let (re, im) = (self.st.get_float()?, self.st.get_float()?);
                visitor.visit_seq(vec![re, im].into_deserializer())
            }
            types::INTERFACE => match self.st.interface_header()? {
                None => visitor.visit_unit(),
                Some((name, id)) => {
                    self.st.enter()?;
                    let v = visitor.visit_map(InterfaceAccess {
                        st: self.st,
                        name: Some(name),
                        id,
                    });
                    self.st.leave();
                    v
                }
            },
            _ => match self.wire()?.shape {
                Shape::Struct { .. } => self.struct_as_map(visitor),
                Shape::Slice { .. } | Shape::Array { .. } => self.sequence(visitor, true),
                Shape::Map { .. } => self.deserialize_map(visitor),
                _ => {
                    let range = self.byte_range(true)?;
                    visitor.visit_bytes(self.st.bytes(range))
                }
            },
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.expect(types::BOOL, "bool")?;
        visitor.visit_bool(self.st.get_bool()?)
    }

    fn deserialize_i8<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        visitor.visit_i8(self.signed("int8", i8::MIN.into(), i8::MAX.into())? as i8)
    }
    fn deserialize_i16<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        visitor.visit_i16(self.signed("int16", i16::MIN.into(), i16::MAX.into())? as i16)
    }
    fn deserialize_i32<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        visitor.visit_i32(self.signed("int32", i32::MIN.into(), i32::MAX.into())? as i32)
    }
    fn deserialize_i64<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        visitor.visit_i64(self.signed("int64", i64::MIN, i64::MAX)?)
    }
    fn deserialize_u8<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        visitor.visit_u8(self.unsigned("uint8", u8::MAX.into())? as u8)
    }
    fn deserialize_u16<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        visitor.visit_u16(self.unsigned("uint16", u16::MAX.into())? as u16)
    }
    fn deserialize_u32<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        visitor.visit_u32(self.unsigned("uint32", u32::MAX.into())? as u32)
    }
    fn deserialize_u64<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        visitor.visit_u64(self.unsigned("uint64", u64::MAX)?)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.expect(types::FLOAT, "float32")?;
        let at = self.st.offset();
        let v = self.st.get_float()?;
        // Go refuses a finite float64 that is out of float32's range.
        if v.is_finite() && v.abs() > f32::MAX as f64 {
            return Err(Error::Overflow {
                offset: at,
                value: v.to_string(),
                target: "float32",
            }
            .into());
        }
        visitor.visit_f32(v as f32)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.expect(types::FLOAT, "float64")?;
        visitor.visit_f64(self.st.get_float()?)
    }

    fn deserialize_char<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        let at = self.st.offset();
        let v = self.signed("rune", i32::MIN.into(), i32::MAX.into())?;
        let c = char::from_u32(v as u32).ok_or_else(|| Error::Overflow {
            offset: at,
            value: v.to_string(),
            target: "char",
        })?;
        visitor.visit_char(c)
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.expect(types::STRING, "string")?;
        let at = self.st.offset();
        let range = self.st.get_bytes("reading a string")?;
        let not_utf8 = || Error::malformed(at, "string is not valid UTF-8");
        match self.st.borrow(range.clone()) {
            Some(bytes) => visitor.visit_borrowed_str(wire::text(bytes).ok_or_else(not_utf8)?),
            None => visitor.visit_str(wire::text(self.st.bytes(range)).ok_or_else(not_utf8)?),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(mut self, visitor: V) -> DResult<V::Value> {
        let range = self.byte_range(false)?;
        match self.st.borrow(range.clone()) {
            Some(bytes) => visitor.visit_borrowed_bytes(bytes),
            None => visitor.visit_bytes(self.st.bytes(range)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        // Only values that were sent get here: a pointer to them.
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.st.skip(self.id)?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> DResult<V::Value> {
        if !self.st.is_struct(self.id) {
            return Err(self.mismatch("struct").into());
        }
        self.st.skip(self.id)?;
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> DResult<V::Value> {
        // Go's type names start with a lower-case package name, so one
        // compare rules out the special names (a type that marshals itself,
        // `Value`) for nearly every newtype.
        match name.as_bytes().first() {
            Some(&b) if b < b'a' => self.special_newtype(name, visitor),
            _ => visitor.visit_newtype_struct(self),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        // A Rust sequence is Go's slice: Go's decoder takes no array for one.
        self.sequence(visitor, false)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> DResult<V::Value> {
        // A Rust array is Go's array of that length, and nothing else.
        match self.wire().map(|w| w.shape.clone()) {
            Ok(Shape::Array { len: wire_len, .. }) if wire_len as u64 == len as u64 => {
                self.sequence(visitor, true)
            }
            _ => Err(self.mismatch(&format!("array of length {len}")).into()),
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> DResult<V::Value> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        let wire = self.wire()?;
        match wire.shape {
            Shape::Map { key, elem } => {
                self.st.enter()?;
                let (left, cap) = self.st.get_count()?;
                let v = visitor.visit_map(MapAccess {
                    st: self.st,
                    key,
                    elem,
                    left,
                    cap,
                })?;
                self.st.leave();
                Ok(v)
            }
            // Go's decoder refuses a struct for a map.
            _ => Err(self.mismatch("map").into()),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> DResult<V::Value> {
        if name == COMPLEX64 || name == COMPLEX128 {
            self.expect(types::COMPLEX, name)?;
            let at = self.st.offset();
            let (re, im) = (self.st.get_float()?, self.st.get_float()?);
            // Go refuses a finite part out of float32's range, as for float32.
            for part in [re, im] {
                if name == COMPLEX64 && part.is_finite() && part.abs() > f32::MAX as f64 {
                    return Err(Error::Overflow {
                        offset: at,
                        value: part.to_string(),
                        target: "complex64",
                    }
                    .into());
                }
            }
            let parts = [("re", re), ("im", im)];
            return visitor.visit_map(de::value::MapDeserializer::new(parts.into_iter()));
        }
        self.visit_struct(fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> DResult<V::Value> {
        self.expect(types::INTERFACE, name)?;
        match self.st.interface_header()? {
            None => visitor.visit_enum(InterfaceAccess {
                st: self.st,
                name: None,
                id: 0,
            }),
            Some((concrete, id)) => {
                self.st.enter()?;
                let v = visitor.visit_enum(InterfaceAccess {
                    st: self.st,
                    name: Some(concrete),
                    id,
                })?;
                self.st.leave();
                Ok(v)
            }
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        self.st.skip(self.id)?;
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// The elements of a byte slice read as a sequence. Go sends a slice of a
/// named `uint8` type (`[]Octet`) as bytes, so an element may be a newtype.
fn byte_seq<'de>(bytes: Vec<u8>) -> impl de::SeqAccess<'de, Error = DeError> {
    de::value::SeqDeserializer::new(bytes.into_iter().map(ByteDe))
}

/// One byte of a byte slice: a `u8`, or a newtype around one.
struct ByteDe(u8);

impl<'de> IntoDeserializer<'de, DeError> for ByteDe {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> de::Deserializer<'de> for ByteDe {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> DResult<V::Value> {
        visitor.visit_u8(self.0)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> DResult<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct seq tuple tuple_struct map
        struct enum identifier ignored_any
    }
}

struct SeqAccess<'s, R> {
    st: &'s mut Stream<R>,
    elem: GobId,
    left: u64,
    cap: usize,
}

impl<'de, R: Input<'de>> de::SeqAccess<'de> for SeqAccess<'_, R> {
    type Error = DeError;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> DResult<Option<S::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.st.element_ahead(self.left)?;
        self.left -= 1;
        seed.deserialize(ValueDe {
            st: self.st,
            id: self.elem,
        })
        .map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.cap)
    }
}

struct MapAccess<'s, R> {
    st: &'s mut Stream<R>,
    key: GobId,
    elem: GobId,
    left: u64,
    cap: usize,
}

impl<'de, R: Input<'de>> de::MapAccess<'de> for MapAccess<'_, R> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> DResult<Option<K::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(ValueDe {
            st: self.st,
            id: self.key,
        })
        .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> DResult<S::Value> {
        seed.deserialize(ValueDe {
            st: self.st,
            id: self.elem,
        })
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.cap)
    }
}

/// A struct's fields: first those the stream carries, then the zero value
/// of each Rust field it left out.
struct StructAccess<'s, R> {
    st: &'s mut Stream<R>,
    /// The struct's type id.
    id: GobId,
    /// Its [`FieldMap`](super::stream::FieldMap) in the stream.
    map: usize,
    field: i64,
    rust_fields: &'static [&'static str],
    seen: Seen,
    filling: bool,
    current: Option<GobId>,
    /// The Rust field being filled with its zero value.
    absent: usize,
}

impl<'de, R: Input<'de>> StructAccess<'_, R> {
    /// A field number past the sender's struct, its delta read from `start`.
    #[cold]
    #[inline(never)]
    fn field_out_of_range(&self, start: usize, next: i64) -> DeError {
        Error::malformed(
            self.st.offset_at(start),
            format!(
                "field number {next} is out of range for {}",
                self.st.type_name(self.id)
            ),
        )
        .into()
    }
}

impl<'de, R: Input<'de>> de::MapAccess<'de> for StructAccess<'_, R> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> DResult<Option<K::Value>> {
        if !self.filling {
            // Where the delta starts, for an error: the offset is worked
            // out only then (reading the delta moves to no other message).
            let start = self.st.pos();
            let delta = self.st.get_field_delta()?;
            if delta != 0 {
                let next = self.field.saturating_add(delta.min(i64::MAX as u64) as i64);
                let fields = &self.st.field_map(self.map).fields;
                let Some(&WireField { id, rust, name }) = fields.get(next as usize) else {
                    return Err(self.field_out_of_range(start, next));
                };
                self.field = next;
                self.current = Some(id);
                if rust == NO_RUST_FIELD {
                    // A field the Rust struct lacks: serde skips it by name.
                    // (The map was made from this struct's definition.)
                    let wire = self.st.wire(self.id)?;
                    let name = match &wire.shape {
                        Shape::Struct { fields } => fields.get(next as usize).map(|f| &f.name[..]),
                        _ => None,
                    };
                    return seed
                        .deserialize(name.unwrap_or_default().into_deserializer())
                        .map(Some);
                }
                self.seen.set(rust as usize);
                return seed.deserialize(name.into_deserializer()).map(Some);
            }
            self.filling = true;
        }
        self.current = None;
        let Some(i) = self.seen.first_unset() else {
            return Ok(None);
        };
        self.seen.set(i);
        self.absent = i;
        seed.deserialize(self.rust_fields[i].into_deserializer())
            .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> DResult<S::Value> {
        match self.current {
            Some(id) => seed.deserialize(ValueDe { st: self.st, id }),
            None => {
                // The field the stream left out: its Go type, when the
                // sender's struct has the field, gives a `Value` its zero.
                let rust = self.absent;
                let mut wire = self.st.field_map(self.map).fields.iter();
                let id = wire.find(|f| f.rust as usize == rust).map(|f| f.id);
                seed.deserialize(AbsentField { st: self.st, id })
            }
        }
    }
}

/// A struct field the stream left out: Go's zero value, of the field's
/// type in the sender's struct (`id`) when it has the field.
struct AbsentField<'s, R> {
    st: &'s mut Stream<R>,
    id: Option<GobId>,
}

macro_rules! absent_is_zero {
    ($($method:ident$(($($arg:ident: $ty:ty),*))?;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, $($($arg: $ty,)*)? visitor: V) -> DResult<V::Value> {
                Ok(ZeroDeserializer::strict().$method($($($arg,)*)? visitor)?)
            }
        )*
    };
}

impl<'de, R: Input<'de>> de::Deserializer<'de> for AbsentField<'_, R> {
    type Error = DeError;

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> DResult<V::Value> {
        if name != VALUE_TOKEN {
            return Ok(ZeroDeserializer::strict().deserialize_newtype_struct(name, visitor)?);
        }
        let zero = match self.id {
            Some(id) => value::zero(self.st, id)?,
            None => crate::Value::Nil,
        };
        hand_over(zero, visitor)
    }

    absent_is_zero! {
        deserialize_any; deserialize_bool; deserialize_i8; deserialize_i16; deserialize_i32;
        deserialize_i64; deserialize_i128; deserialize_u8; deserialize_u16; deserialize_u32;
        deserialize_u64; deserialize_u128; deserialize_f32; deserialize_f64; deserialize_char;
        deserialize_str; deserialize_string; deserialize_bytes; deserialize_byte_buf;
        deserialize_option; deserialize_unit; deserialize_seq; deserialize_map;
        deserialize_identifier; deserialize_ignored_any;
        deserialize_unit_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// Which Rust fields a struct's stream has given: bits for the first 64
/// (the usual struct has no more), flags for the rest of a larger one.
struct Seen {
    low: u64,
    len: usize,
    high: Vec<bool>,
}

impl Seen {
    #[inline(always)]
    fn new(len: usize) -> Seen {
        Seen {
            low: 0,
            len,
            high: if len > 64 {
                vec![false; len - 64]
            } else {
                Vec::new()
            },
        }
    }

    #[inline(always)]
    fn set(&mut self, i: usize) {
        if i < 64 {
            self.low |= 1 << i;
        } else if let Some(flag) = self.high.get_mut(i - 64) {
            *flag = true;
        }
    }

    #[inline(always)]
    fn first_unset(&self) -> Option<usize> {
        let i = self.low.trailing_ones() as usize;
        if i < 64 {
            return (i < self.len).then_some(i);
        }
        self.high.iter().position(|s| !s).map(|i| i + 64)
    }
}

/// An interface value as a serde enum: the registered name picks the variant.
struct InterfaceAccess<'s, R> {
    st: &'s mut Stream<R>,
    /// `None` for the nil interface.
    name: Option<String>,
    id: GobId,
}

impl<'de, R: Input<'de>> de::EnumAccess<'de> for InterfaceAccess<'_, R> {
    type Error = DeError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> DResult<(S::Value, Self)> {
        let name = self.name.as_deref().unwrap_or(NIL_VARIANT);
        let v = seed.deserialize(de::value::StrDeserializer::<DeError>::new(name))?;
        Ok((v, self))
    }
}

impl<'de, R: Input<'de>> de::VariantAccess<'de> for InterfaceAccess<'_, R> {
    type Error = DeError;

    fn unit_variant(self) -> DResult<()> {
        match self.name {
            None => Ok(()),
            Some(name) => Err(Error::TypeMismatch {
                offset: self.st.offset(),
                expected: "the nil interface".into(),
                found: format!("an interface holding {name}"),
            }
            .into()),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> DResult<S::Value> {
        if self.name.is_none() {
            return Err(Error::TypeMismatch {
                offset: self.st.offset(),
                expected: "an interface holding a value".into(),
                found: "the nil interface".into(),
            }
            .into());
        }
        seed.deserialize(ValueDe::top(self.st, self.id)?)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> DResult<V::Value> {
        Err(Error::Custom("an interface variant holds exactly one value".into()).into())
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> DResult<V::Value> {
        Err(Error::Custom("an interface variant holds exactly one value".into()).into())
    }
}

/// `deserialize_any` of an interface: a map `{"type": name, "value": ...}`.
impl<'de, R: Input<'de>> de::MapAccess<'de> for InterfaceAccess<'_, R> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> DResult<Option<K::Value>> {
        let key = match (&self.name, self.id) {
            (Some(_), _) => "type",
            (None, 0) => return Ok(None),
            (None, _) => "value",
        };
        seed.deserialize(key.into_deserializer()).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> DResult<S::Value> {
        if let Some(name) = self.name.take() {
            return seed.deserialize(name.into_deserializer());
        }
        let id = std::mem::replace(&mut self.id, 0);
        seed.deserialize(ValueDe::top(self.st, id)?)
    }
}

#[cfg(test)]
mod tests {
    use serde::{Deserialize, Serialize};

    /// A named `uint8` type, like Go's `type Octet uint8`.
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename = "main.Octet")]
    struct Octet(u8);

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename = "main.NamedBytes")]
    struct NamedBytes {
        #[serde(rename = "O")]
        o: Vec<Octet>,
    }

    #[test]
    fn a_slice_of_a_named_byte_type_decodes_from_bytes() {
        // Go sends []Octet as a byte slice (type id 5), at top level and as
        // a field.
        let top = super::super::to_vec(&vec![Octet(1), Octet(2), Octet(255)]).unwrap();
        // Length 6, type id 5 ([]byte), singleton marker, 3 bytes.
        assert_eq!(top, [0x06, 0x0a, 0x00, 0x03, 0x01, 0x02, 0xff]);
        let decoded: Vec<Octet> = super::from_slice(&top).unwrap();
        assert_eq!(decoded, [Octet(1), Octet(2), Octet(255)]);
        let plain: Vec<u8> = super::from_slice(&top).unwrap();
        assert_eq!(plain, [1, 2, 255]);

        let value = NamedBytes {
            o: vec![Octet(4), Octet(5)],
        };
        let bytes = super::super::to_vec(&value).unwrap();
        let decoded: NamedBytes = super::from_slice(&bytes).unwrap();
        assert_eq!(decoded, value);
    }
}

#[cfg(test)]
mod field_map_tests {
    use serde::{Deserialize, Serialize};

    use crate::{Decoder, DecoderState, Limits, Registry};

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename = "main.Point")]
    struct Point {
        #[serde(rename = "X")]
        x: i64,
        #[serde(rename = "Y")]
        y: i64,
        #[serde(rename = "Label")]
        label: String,
    }

    /// The same Go type seen by a Rust type with its fields in another
    /// order, one of them missing and one the stream lacks.
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename = "main.Point")]
    struct Other {
        #[serde(rename = "Y", default)]
        y: i64,
        #[serde(rename = "Z", default)]
        z: i64,
        #[serde(rename = "X", default)]
        x: i64,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename = "main.Line")]
    struct Line {
        #[serde(rename = "Points")]
        points: Vec<Point>,
    }

    #[test]
    fn one_decoder_memory_reads_streams_of_other_types_and_other_ids() {
        let point = |i: i64| Point {
            x: i,
            y: -i,
            label: format!("p{i}"),
        };
        let encode = |registry: &mut Registry,
                      value: &dyn Fn(&mut crate::Encoder, &mut Vec<u8>)| {
            let mut out = Vec::new();
            value(&mut crate::Encoder::new(registry), &mut out);
            out
        };
        // A process where Point gets the first id, and one where a Line
        // comes first, so that Point's id there is another.
        let mut first = Registry::new();
        let mut second = Registry::new();
        let line = Line {
            points: vec![point(1), point(2)],
        };
        let streams = [
            encode(&mut first, &|e, out| e.encode_into(&point(1), out).unwrap()),
            encode(&mut second, &|e, out| e.encode_into(&line, out).unwrap()),
            encode(&mut second, &|e, out| {
                e.encode_into(&point(3), out).unwrap()
            }),
            encode(&mut first, &|e, out| e.encode_into(&point(4), out).unwrap()),
            encode(&mut first, &|e, out| e.encode_into(&line, out).unwrap()),
        ];
        let mut state = DecoderState::default();
        for (n, stream) in streams.iter().enumerate() {
            let mut dec = Decoder::with_state(&stream[..], Limits::default(), state);
            match n {
                1 | 4 => assert_eq!(dec.decode::<Line>().unwrap().unwrap(), line),
                _ => {
                    let want = point([1, 0, 3, 4][n]);
                    assert_eq!(dec.decode::<Point>().unwrap().unwrap(), want);
                }
            }
            // Only this stream's definitions count as its types.
            let ids: Vec<_> = dec.types().iter().map(|(id, _)| *id).collect();
            let mut fresh = Decoder::new(&stream[..]);
            if n == 1 || n == 4 {
                fresh.decode::<Line>().unwrap();
            } else {
                fresh.decode::<Point>().unwrap();
            }
            let fresh_ids: Vec<_> = fresh.types().iter().map(|(id, _)| *id).collect();
            assert_eq!(ids, fresh_ids, "stream {n}");
            state = dec.into_state();
        }
    }

    #[test]
    fn streams_sharing_a_definition_match_fields_for_each_rust_type() {
        let mut registry = Registry::new();
        let streams: Vec<Vec<u8>> = (0..3)
            .map(|i| {
                let mut out = Vec::new();
                let p = Point {
                    x: i,
                    y: 10 + i,
                    label: format!("p{i}"),
                };
                crate::Encoder::new(&mut registry)
                    .encode_into(&p, &mut out)
                    .unwrap();
                out
            })
            .collect();
        // One decoder memory for all streams, so the definition's parse
        // (and the field maps made for it) is shared, alternating types.
        let mut state = DecoderState::default();
        for (i, stream) in streams.iter().enumerate() {
            let i = i as i64;
            let other = Other {
                y: 10 + i,
                z: 0,
                x: i,
            };
            let mut dec = Decoder::with_state(&stream[..], Limits::default(), state);
            if i % 2 == 0 {
                let p: Point = dec.decode().unwrap().unwrap();
                assert_eq!((p.x, p.y, p.label), (i, 10 + i, format!("p{i}")));
            } else {
                let o: Other = dec.decode().unwrap().unwrap();
                assert_eq!(o, other);
            }
            state = dec.into_state();
            let mut dec = Decoder::with_state(&stream[..], Limits::default(), state);
            let o: Other = dec.decode().unwrap().unwrap();
            assert_eq!(o, other);
            state = dec.into_state();
        }
    }
    /// The tests of `tests/openings.rs` check that a skipped opening reads
    /// as a fresh decoder reads it; this one, that it is skipped at all.
    #[test]
    fn a_restarted_decoder_passes_over_an_opening_it_has_seen() {
        #[derive(Serialize, Deserialize)]
        #[serde(rename = "main.Point")]
        struct Point {
            #[serde(rename = "X")]
            x: i64,
        }
        let mut registry = crate::Registry::new();
        let streams: Vec<Vec<u8>> = (1..=2)
            .map(|x| {
                let mut out = Vec::new();
                crate::Encoder::new(&mut registry)
                    .encode_into(&Point { x }, &mut out)
                    .unwrap();
                out
            })
            .collect();
        let mut decoder = super::Decoder::from_slice(&streams[0]);
        assert_eq!(decoder.decode::<Point>().unwrap().map(|p| p.x), Some(1));
        assert!(!decoder.stream.skipped_opening());
        decoder.restart(crate::SliceInput::new(&streams[1]));
        assert_eq!(decoder.decode::<Point>().unwrap().map(|p| p.x), Some(2));
        assert!(decoder.stream.skipped_opening());
        // Under other limits the opening is read again.
        let tight = crate::Limits {
            max_message: 64,
            ..crate::Limits::default()
        };
        let state = decoder.into_state();
        let mut decoder =
            super::Decoder::with_state(crate::SliceInput::new(&streams[1]), tight, state);
        assert_eq!(decoder.decode::<Point>().unwrap().map(|p| p.x), Some(2));
        assert!(!decoder.stream.skipped_opening());
    }
}
