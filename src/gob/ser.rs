//! The serializer: Rust values to gob, byte for byte as Go's `gob.Encoder`.

use std::collections::HashSet;
use std::io::Write;

use serde::de::DeserializeOwned;
use serde::ser::{self, Serialize};

use super::error::{Error, Result};
use super::scalar::{Scalar, ScalarSer};
use super::schema::{Kind, NodeId, Schema, schema_of};
use super::types::{GobId, Registry};
use super::wire::{put_bytes, put_float, put_int, put_uint};

/// Encodes one value as a complete gob stream, as a fresh Go process with a
/// fresh `gob.Encoder` would write it.
pub fn to_vec<T>(value: &T) -> Result<Vec<u8>>
where
    T: Serialize + DeserializeOwned + 'static,
{
    let mut registry = Registry::new();
    let mut out = Vec::new();
    Encoder::new(&mut registry).encode_into(value, &mut out)?;
    Ok(out)
}

/// Writes one value as a complete gob stream to `writer` (see [`to_vec`]).
pub fn to_writer<W, T>(mut writer: W, value: &T) -> Result<()>
where
    W: Write,
    T: Serialize + DeserializeOwned + 'static,
{
    writer.write_all(&to_vec(value)?)?;
    Ok(())
}

/// A gob stream being written: Go's `gob.Encoder`.
///
/// It sends each type definition once per stream. The ids come from the
/// [`Registry`] it borrows, which plays Go's process-wide table: keep one
/// registry per simulated process and make a fresh encoder per stream.
pub struct Encoder<'r> {
    registry: &'r mut Registry,
    sent: HashSet<GobId>,
    /// Message buffers: `[0]` is the top-level message, deeper ones are the
    /// bodies of interface values being encoded.
    buffers: Vec<Vec<u8>>,
}

impl<'r> Encoder<'r> {
    pub fn new(registry: &'r mut Registry) -> Self {
        Encoder {
            registry,
            sent: HashSet::new(),
            buffers: vec![Vec::new()],
        }
    }

    /// Appends the messages for `value` (type definitions not yet sent on
    /// this stream, then the value) to `out`.
    pub fn encode_into<T>(&mut self, value: &T, out: &mut Vec<u8>) -> Result<()>
    where
        T: Serialize + DeserializeOwned + 'static,
    {
        let schema = schema_of::<T>()?;
        let start = out.len();
        let result = self.encode_with_schema(value, &schema, out);
        if result.is_err() {
            // Leave nothing half-written; type definitions sent for the
            // failed value are forgotten too.
            out.truncate(start);
        }
        result
    }

    /// Writes the messages for `value` to `writer`.
    pub fn encode<W: Write, T>(&mut self, writer: &mut W, value: &T) -> Result<()>
    where
        T: Serialize + DeserializeOwned + 'static,
    {
        let mut out = Vec::new();
        self.encode_into(value, &mut out)?;
        writer.write_all(&out)?;
        Ok(())
    }

    fn encode_with_schema<T: Serialize>(
        &mut self,
        value: &T,
        schema: &Schema,
        out: &mut Vec<u8>,
    ) -> Result<()> {
        let sent_before = self.sent.clone();
        self.buffers.truncate(1);
        self.buffers[0].clear();
        let mut st = EncState {
            registry: self.registry,
            sent: &mut self.sent,
            buffers: &mut self.buffers,
            out,
        };
        let result = st.encode_top(value, schema, schema.root);
        if result.is_err() {
            self.sent = sent_before;
        }
        result
    }
}

struct EncState<'a> {
    registry: &'a mut Registry,
    sent: &'a mut HashSet<GobId>,
    buffers: &'a mut Vec<Vec<u8>>,
    out: &'a mut Vec<u8>,
}

impl EncState<'_> {
    fn buf(&mut self) -> &mut Vec<u8> {
        self.buffers
            .last_mut()
            .expect("the message stack is never empty")
    }

    /// Go's `writeMessage`: the current buffer goes, length first, to the
    /// writer one level up (the stream itself at the top).
    fn flush(&mut self) {
        let body = std::mem::take(self.buffers.last_mut().expect("non-empty stack"));
        let depth = self.buffers.len();
        let target: &mut Vec<u8> = if depth == 1 {
            self.out
        } else {
            &mut self.buffers[depth - 2]
        };
        put_uint(target, body.len() as u64);
        target.extend_from_slice(&body);
        let mut body = body;
        body.clear();
        *self.buffers.last_mut().expect("non-empty stack") = body;
    }

    /// Go's `sendTypeDescriptor` followed by `sendTypeId`.
    fn send_type_and_id(&mut self, schema: &Schema, node: NodeId) -> Result<()> {
        let id = self.registry.type_id(schema, node)?;
        if !self.sent.contains(&id) && !self.send_type(schema, node)? {
            self.sent.insert(id);
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
        let buf = self.buffers.last_mut().expect("non-empty stack");
        buf.extend_from_slice(definition);
        self.flush();
        self.sent.insert(id);
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
    fn encode_top<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        schema: &Schema,
        node: NodeId,
    ) -> Result<()> {
        self.send_type_and_id(schema, node)?;
        self.encode_body(value, schema, node)?;
        self.flush();
        Ok(())
    }

    /// Go's `enc.encode`: a struct as itself, anything else as a singleton.
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
        value.serialize(ValueSer {
            st: self,
            schema,
            node: base,
            place: Place::Element,
            non_nil: false,
        })?;
        Ok(())
    }
}

/// Where a value sits, which decides what Go does with zero and nil.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A struct field: zero values are left out, nil pointers are fine.
    Field,
    /// Top level, or an element of an array, slice or map: always sent.
    Element,
}

/// Serializes one value of Go type `node`. Its result says whether the value
/// is Go's zero value, which a struct field then leaves out.
struct ValueSer<'s, 'a> {
    st: &'s mut EncState<'a>,
    schema: &'s Schema,
    node: NodeId,
    place: Place,
    /// Reached through a non-nil pointer (so an empty map is still sent).
    non_nil: bool,
}

type IsZero = bool;

impl<'s, 'a> ValueSer<'s, 'a> {
    fn kind(&self) -> &'s Kind {
        &self.schema.node(self.node).kind
    }

    fn go_type(&self) -> &'s str {
        &self.schema.node(self.node).go_string
    }

    fn mismatch(&self, rust: &str) -> Error {
        Error::Encode(format!(
            "a Rust {rust} was given for the Go type {}",
            self.go_type()
        ))
    }

    fn int(self, v: i64) -> Result<IsZero> {
        match self.kind() {
            Kind::Int => put_int(self.st.buf(), v),
            Kind::Uint { .. } | Kind::Opaque(_) | Kind::Bytes if v >= 0 => {
                return self.uint(v as u64);
            }
            Kind::Float => put_float(self.st.buf(), v as f64),
            _ => return Err(self.mismatch("signed integer")),
        }
        Ok(v == 0)
    }

    fn uint(self, v: u64) -> Result<IsZero> {
        match self.kind() {
            Kind::Uint { .. } => put_uint(self.st.buf(), v),
            Kind::Int if v <= i64::MAX as u64 => put_int(self.st.buf(), v as i64),
            _ => return Err(self.mismatch("unsigned integer")),
        }
        Ok(v == 0)
    }

    fn float(self, v: f64) -> Result<IsZero> {
        match self.kind() {
            Kind::Float => put_float(self.st.buf(), v),
            _ => return Err(self.mismatch("float")),
        }
        Ok(v == 0.0)
    }

    fn child(&mut self, node: NodeId, place: Place) -> ValueSer<'_, 'a> {
        ValueSer {
            st: self.st,
            schema: self.schema,
            node: self.schema.base(node),
            place,
            non_nil: false,
        }
    }
}

impl<'s, 'a> ser::Serializer for ValueSer<'s, 'a> {
    type Ok = IsZero;
    type Error = Error;
    type SerializeSeq = SeqSer<'s, 'a>;
    type SerializeTuple = SeqSer<'s, 'a>;
    type SerializeTupleStruct = ser::Impossible<IsZero, Error>;
    type SerializeTupleVariant = ser::Impossible<IsZero, Error>;
    type SerializeMap = MapSer<'s, 'a>;
    type SerializeStruct = StructSer<'s, 'a>;
    type SerializeStructVariant = ser::Impossible<IsZero, Error>;

    fn serialize_bool(self, v: bool) -> Result<IsZero> {
        if *self.kind() != Kind::Bool {
            return Err(self.mismatch("bool"));
        }
        put_uint(self.st.buf(), v as u64);
        Ok(!v)
    }

    fn serialize_i8(self, v: i8) -> Result<IsZero> {
        self.int(v as i64)
    }
    fn serialize_i16(self, v: i16) -> Result<IsZero> {
        self.int(v as i64)
    }
    fn serialize_i32(self, v: i32) -> Result<IsZero> {
        self.int(v as i64)
    }
    fn serialize_i64(self, v: i64) -> Result<IsZero> {
        self.int(v)
    }
    fn serialize_u8(self, v: u8) -> Result<IsZero> {
        self.uint(v as u64)
    }
    fn serialize_u16(self, v: u16) -> Result<IsZero> {
        self.uint(v as u64)
    }
    fn serialize_u32(self, v: u32) -> Result<IsZero> {
        self.uint(v as u64)
    }
    fn serialize_u64(self, v: u64) -> Result<IsZero> {
        self.uint(v)
    }
    fn serialize_f32(self, v: f32) -> Result<IsZero> {
        self.float(v as f64)
    }
    fn serialize_f64(self, v: f64) -> Result<IsZero> {
        self.float(v)
    }
    fn serialize_char(self, v: char) -> Result<IsZero> {
        self.int(v as i64)
    }

    fn serialize_str(self, v: &str) -> Result<IsZero> {
        if *self.kind() != Kind::String {
            return Err(self.mismatch("string"));
        }
        put_bytes(self.st.buf(), v.as_bytes());
        Ok(v.is_empty())
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<IsZero> {
        match self.kind() {
            Kind::Bytes => {
                put_bytes(self.st.buf(), v);
                Ok(v.is_empty())
            }
            Kind::Opaque(_) => {
                put_bytes(self.st.buf(), v);
                Ok(opaque_is_zero(v.len(), self.non_nil))
            }
            _ => Err(self.mismatch("byte string")),
        }
    }

    fn serialize_none(self) -> Result<IsZero> {
        if self.place == Place::Field {
            return Ok(true);
        }
        Err(Error::Encode(format!(
            "a nil pointer to {} cannot be sent outside a struct field",
            self.go_type()
        )))
    }

    fn serialize_some<T: Serialize + ?Sized>(mut self, value: &T) -> Result<IsZero> {
        self.non_nil = true;
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<IsZero> {
        Err(self.mismatch("()"))
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<IsZero> {
        match self.kind() {
            Kind::Struct { .. } => {
                self.st.buf().push(0);
                Ok(false)
            }
            _ => Err(self.mismatch("unit struct")),
        }
    }

    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<IsZero> {
        // The nil interface.
        if !matches!(self.kind(), Kind::Interface { .. }) {
            return Err(self.mismatch("enum"));
        }
        put_uint(self.st.buf(), 0);
        Ok(true)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<IsZero> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<IsZero> {
        let Kind::Interface { variants } = self.kind() else {
            return Err(self.mismatch("enum"));
        };
        let Some(Some(concrete)) = variants.get(index as usize) else {
            return Err(Error::Encode(format!(
                "variant {variant} of {} has no concrete type",
                self.go_type()
            )));
        };
        // Go's encodeInterface: the registered name, the concrete type's
        // definitions (each flushing the message so far), its id, then the
        // value as a delimited top-level value.
        put_bytes(self.st.buf(), concrete.name.as_bytes());
        self.st.send_type_and_id(self.schema, concrete.node)?;
        self.st.buffers.push(Vec::new());
        let body = self.st.encode_body(value, self.schema, concrete.node);
        let data = self.st.buffers.pop().expect("pushed above");
        body?;
        put_bytes(self.st.buf(), &data);
        Ok(false)
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSer<'s, 'a>> {
        SeqSer::start(self, len)
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqSer<'s, 'a>> {
        SeqSer::start(self, Some(len))
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        Err(Error::Encode(format!("tuple struct {name} has no Go form")))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(Error::Encode(format!(
            "{name}::{variant}: an interface variant holds exactly one value"
        )))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<MapSer<'s, 'a>> {
        let Kind::Map(key, elem) = *self.kind() else {
            return Err(self.mismatch("map"));
        };
        let start = self.st.buf().len();
        if let Some(n) = len {
            put_uint(self.st.buf(), n as u64);
        }
        Ok(MapSer {
            ser: self,
            key,
            elem,
            start,
            declared: len,
            count: 0,
        })
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<StructSer<'s, 'a>> {
        match self.kind() {
            Kind::Struct { .. } => Ok(StructSer {
                ser: self,
                next: 0,
                last: -1,
                complex: [0.0; 2],
            }),
            Kind::Complex => Ok(StructSer {
                ser: self,
                next: 0,
                last: -1,
                complex: [0.0; 2],
            }),
            _ => Err(Error::Encode(format!(
                "struct {name} was given for the Go type {}",
                self.go_type()
            ))),
        }
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(Error::Encode(format!(
            "{name}::{variant}: an interface variant holds exactly one value"
        )))
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// Whether the bytes of a value that marshals itself stand for Go's zero
/// value. Go leaves a GobEncoder or BinaryMarshaler struct field out when
/// the value is zero (`encoding/gob`'s `gobEncodeOpFor`), and the decoder
/// then hands out empty bytes: so empty bytes are the zero value, unless
/// they were reached through a non-nil pointer, which Go always sends.
fn opaque_is_zero(len: usize, non_nil: bool) -> IsZero {
    len == 0 && !non_nil
}

pub struct SeqSer<'s, 'a> {
    ser: ValueSer<'s, 'a>,
    elem: Option<NodeId>,
    /// Where the count goes when it was not known up front.
    start: usize,
    declared: Option<usize>,
    count: usize,
    bytes: bool,
}

impl<'s, 'a> SeqSer<'s, 'a> {
    fn start(ser: ValueSer<'s, 'a>, len: Option<usize>) -> Result<Self> {
        let (elem, bytes) = match *ser.kind() {
            Kind::Slice(e) | Kind::Array(e, _) => (Some(e), false),
            Kind::Bytes | Kind::Opaque(_) => (None, true),
            _ => return Err(ser.mismatch("sequence")),
        };
        if let (Kind::Array(_, n), Some(len)) = (ser.kind(), len)
            && *n != len
        {
            return Err(Error::Encode(format!(
                "{} elements were given for the Go type {}",
                len,
                ser.go_type()
            )));
        }
        let start = ser.st.buf().len();
        if let Some(n) = len {
            put_uint(ser.st.buf(), n as u64);
        }
        Ok(SeqSer {
            ser,
            elem,
            start,
            declared: len,
            count: 0,
            bytes,
        })
    }

    fn finish(self) -> Result<IsZero> {
        let buf = self.ser.st.buf();
        match self.declared {
            Some(n) if n != self.count => {
                return Err(Error::Encode(format!(
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
        Ok(match self.ser.kind() {
            Kind::Array(..) => false,
            Kind::Opaque(_) => opaque_is_zero(self.count, self.ser.non_nil),
            _ => self.count == 0,
        })
    }
}

impl ser::SerializeSeq for SeqSer<'_, '_> {
    type Ok = IsZero;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.count += 1;
        if self.bytes {
            let byte = match value.serialize(ScalarSer)? {
                Scalar::Uint(b) if b <= 0xff => b as u8,
                _ => return Err(Error::Encode("a []byte element must be a u8".into())),
            };
            self.ser.st.buf().push(byte);
            return Ok(());
        }
        let elem = self.elem.expect("set for non-byte sequences");
        value.serialize(self.ser.child(elem, Place::Element))?;
        Ok(())
    }

    fn end(self) -> Result<IsZero> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqSer<'_, '_> {
    type Ok = IsZero;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<IsZero> {
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
}

impl ser::SerializeMap for MapSer<'_, '_> {
    type Ok = IsZero;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.count += 1;
        key.serialize(self.ser.child(self.key, Place::Element))?;
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        value.serialize(self.ser.child(self.elem, Place::Element))?;
        Ok(())
    }

    fn end(self) -> Result<IsZero> {
        let buf = self.ser.st.buf();
        match self.declared {
            Some(n) if n != self.count => {
                return Err(Error::Encode(format!(
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
        Ok(self.count == 0 && !self.ser.non_nil)
    }
}

pub struct StructSer<'s, 'a> {
    ser: ValueSer<'s, 'a>,
    next: usize,
    last: i64,
    complex: [f64; 2],
}

impl ser::SerializeStruct for StructSer<'_, '_> {
    type Ok = IsZero;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        let fields = match self.ser.kind() {
            Kind::Struct { fields } => fields,
            _ => {
                // A complex number: fields `re` then `im`.
                let Scalar::Float(part) = value.serialize(ScalarSer)? else {
                    return Err(Error::Encode("a complex part must be a float".into()));
                };
                let slot = self.next.min(1);
                self.complex[slot] = part;
                self.next += 1;
                return Ok(());
            }
        };
        let index = if fields.get(self.next).is_some_and(|f| f.name == key) {
            self.next
        } else {
            fields.iter().position(|f| f.name == key).ok_or_else(|| {
                Error::Encode(format!("{} has no field {key}", self.ser.go_type()))
            })?
        };
        self.next = index + 1;
        let node = fields[index].node;
        let buf = self.ser.st.buf();
        let mark = buf.len();
        put_uint(buf, (index as i64 - self.last) as u64);
        let is_zero = value.serialize(self.ser.child(node, Place::Field))?;
        if is_zero {
            let buf = self.ser.st.buf();
            if buf.len() >= mark {
                buf.truncate(mark);
            }
        } else {
            self.last = index as i64;
        }
        Ok(())
    }

    fn end(self) -> Result<IsZero> {
        if *self.ser.kind() == Kind::Complex {
            let [re, im] = self.complex;
            let buf = self.ser.st.buf();
            put_float(buf, re);
            put_float(buf, im);
            return Ok(re == 0.0 && im == 0.0);
        }
        self.ser.st.buf().push(0);
        Ok(false)
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
}
