//! [`Value`] as a serde type (documented on [`Value`]): its `Serialize` and
//! `Deserialize`, [`to_value`] and [`from_value`].

use std::cell::Cell;
use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::ser::{self, SerializeMap, SerializeSeq, SerializeStruct, SerializeTuple};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::{Error, Result};
use super::schema::{BINARY_MARSHALER_PREFIX, COMPLEX64, COMPLEX128, GOB_ENCODER_PREFIX};
use super::value::Value;
use super::zero::NIL_VARIANT;

/// The serde name of the newtype struct that `Value`'s `Deserialize` asks
/// for: a deserializer that knows it hands over a finished [`Value`].
pub(crate) const VALUE_TOKEN: &str = "\0serde_gob::Value";

/// The serde name of the enum that stands for an interface a [`Value`]
/// holds: Go's empty interface, which any concrete type satisfies.
pub const ANY_INTERFACE: &str = "interface {}";

thread_local! {
    /// A `Value` on its way from a deserializer to `Value`'s visitor.
    static HANDOFF: Cell<Option<Value>> = const { Cell::new(None) };
}

/// Gives `value` to `visitor`, which asked for [`VALUE_TOKEN`]: `Value`'s
/// own visitor takes it whole; any other visitor sees it through the
/// `Value` deserializer.
pub(crate) fn hand_over<'de, V, E>(value: Value, visitor: V) -> std::result::Result<V::Value, E>
where
    V: Visitor<'de>,
    E: de::Error + From<Error>,
{
    HANDOFF.set(Some(value));
    let result = visitor.visit_newtype_struct(HandedOver);
    // Whatever the visitor did, nothing stays behind for a later one.
    HANDOFF.take();
    result.map_err(E::from)
}

/// What a visitor of [`hand_over`] other than `Value`'s own reads.
struct HandedOver;

impl<'de> Deserializer<'de> for HandedOver {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        HANDOFF
            .take()
            .unwrap_or(Value::Nil)
            .deserialize_any(visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Value, D::Error> {
        deserializer.deserialize_newtype_struct(VALUE_TOKEN, ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any Go value")
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Value, D::Error> {
        match HANDOFF.take() {
            Some(value) => Ok(value),
            None => deserializer.deserialize_any(ValueVisitor),
        }
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> std::result::Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> std::result::Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> std::result::Result<Value, E> {
        Ok(Value::Uint(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> std::result::Result<Value, E> {
        Ok(Value::Float(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> std::result::Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> std::result::Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> std::result::Result<Value, E> {
        Ok(Value::Bytes(v.to_vec()))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> std::result::Result<Value, E> {
        Ok(Value::Bytes(v))
    }

    fn visit_none<E: de::Error>(self) -> std::result::Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_unit<E: de::Error>(self) -> std::result::Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_some<D: Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Value, D::Error> {
        Value::deserialize(deserializer)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> std::result::Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Slice(items))
    }

    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> std::result::Result<Value, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(4096));
        while let Some(entry) = map.next_entry::<Value, Value>()? {
            entries.push(entry);
        }
        let string_keys =
            !entries.is_empty() && entries.iter().all(|(k, _)| matches!(k, Value::String(_)));
        Ok(Value::Map {
            string_keys,
            entries,
        })
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> std::result::Result<Value, A::Error> {
        use de::VariantAccess;
        let (name, variant): (String, _) = data.variant()?;
        if name == NIL_VARIANT {
            variant.unit_variant()?;
            return Ok(Value::Nil);
        }
        Ok(Value::Interface {
            name,
            value: Box::new(variant.newtype_variant()?),
        })
    }
}

/// The one `&'static str` for `name`, leaked the first time it is seen.
fn intern(name: &str) -> &'static str {
    static NAMES: OnceLock<Mutex<HashSet<&'static str>>> = OnceLock::new();
    let names = NAMES.get_or_init(Default::default);
    // A poisoned lock still holds a sound set: take it.
    let mut names = names
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(known) = names.get(name) {
        return known;
    }
    let leaked: &'static str = Box::leak(name.into());
    names.insert(leaked);
    leaked
}

/// Bytes that serialize as bytes, not as a sequence of `u8`.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

impl Serialize for Value {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Value::Nil => serializer.serialize_unit_variant(ANY_INTERFACE, 0, NIL_VARIANT),
            Value::Bool(v) => serializer.serialize_bool(*v),
            Value::Int(v) => serializer.serialize_i64(*v),
            Value::Uint(v) => serializer.serialize_u64(*v),
            Value::Float(v) => serializer.serialize_f64(*v),
            Value::Complex(re, im) => {
                let mut s = serializer.serialize_struct(COMPLEX128, 2)?;
                s.serialize_field("re", re)?;
                s.serialize_field("im", im)?;
                s.end()
            }
            Value::String(v) => serializer.serialize_str(v),
            Value::Bytes(v) => serializer.serialize_bytes(v),
            Value::Slice(items) => {
                let mut s = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    s.serialize_element(item)?;
                }
                s.end()
            }
            Value::Array(items) => {
                let mut s = serializer.serialize_tuple(items.len())?;
                for item in items {
                    s.serialize_element(item)?;
                }
                s.end()
            }
            Value::Map { entries, .. } => {
                let mut s = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    s.serialize_entry(k, v)?;
                }
                s.end()
            }
            Value::Struct { name, fields } => {
                let mut s = serializer.serialize_struct(intern(name), fields.len())?;
                for (field, value) in fields {
                    s.serialize_field(intern(field), value)?;
                }
                s.end()
            }
            Value::Interface { name, value } => {
                serializer.serialize_newtype_variant(ANY_INTERFACE, 0, intern(name), &**value)
            }
            Value::Opaque { name, bytes } => {
                let marked = intern(&format!("{GOB_ENCODER_PREFIX}{name}"));
                serializer.serialize_newtype_struct(marked, &Bytes(bytes))
            }
        }
    }
}

/// A `Value` made straight from a Rust value, as serde_json's `to_value`
/// makes a JSON value: no gob bytes in between.
///
/// Structs keep their names (Go's bare name: `Point` for `main.Point`) and
/// field names; maps are `Map`s (`string_keys` when they have keys and all
/// are strings); sequences are `Slice`s and tuples and arrays `Array`s;
/// `Vec<u8>` given as bytes is `Bytes`; `None` and unit variants are `Nil`
/// and `Some` its value; an enum's newtype variant is an `Interface` named
/// for the variant; a newtype named `GobEncoder:pkg.Name` or
/// `BinaryMarshaler:pkg.Name` is `Opaque` with the bare name `Name` and its
/// bytes; [`Int`](crate::Int), [`Uint`](crate::Uint) and other newtypes are
/// their inner value; [`Complex128`](crate::Complex128) is `Complex`.
///
/// Tuple and struct variants have no Go form: [`Error::Encode`].
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value> {
    value.serialize(ValueSerializer)
}

/// The serializer behind [`to_value`].
struct ValueSerializer;

/// Serializer methods that hand a scalar to a `Value` variant, widened to
/// the variant's type.
macro_rules! widened {
    ($($method:ident($ty:ty) => $variant:ident;)*) => {
        $(
            fn $method(self, v: $ty) -> Result<Value> {
                Ok(Value::$variant(v.into()))
            }
        )*
    };
}

impl Serializer for ValueSerializer {
    type Ok = Value;
    type Error = Error;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = ser::Impossible<Value, Error>;
    type SerializeMap = MapBuilder;
    type SerializeStruct = StructBuilder;
    type SerializeStructVariant = ser::Impossible<Value, Error>;

    // Each number is gob's one kind of its family, at full width.
    widened! {
        serialize_bool(bool) => Bool;
        serialize_i8(i8) => Int; serialize_i16(i16) => Int;
        serialize_i32(i32) => Int; serialize_i64(i64) => Int;
        serialize_u8(u8) => Uint; serialize_u16(u16) => Uint;
        serialize_u32(u32) => Uint; serialize_u64(u64) => Uint;
        serialize_f32(f32) => Float; serialize_f64(f64) => Float;
    }
    /// Go's `rune`, an `int32`.
    fn serialize_char(self, v: char) -> Result<Value> {
        Ok(Value::Int(v as i64))
    }
    fn serialize_str(self, v: &str) -> Result<Value> {
        Ok(Value::String(v.to_string()))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Value> {
        Ok(Value::Bytes(v.to_vec()))
    }
    fn serialize_none(self) -> Result<Value> {
        Ok(Value::Nil)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Value> {
        Ok(Value::Nil)
    }
    /// Go's empty struct.
    fn serialize_unit_struct(self, name: &'static str) -> Result<Value> {
        Ok(Value::Struct {
            name: crate::schema::bare_name(name).to_string(),
            fields: Vec::new(),
        })
    }
    /// A unit variant is the nil interface.
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<Value> {
        Ok(Value::Nil)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Value> {
        let marshalled = name
            .strip_prefix(GOB_ENCODER_PREFIX)
            .or_else(|| name.strip_prefix(BINARY_MARSHALER_PREFIX));
        let Some(go_string) = marshalled else {
            // A named type `type Name T` holds the value of `T`.
            return value.serialize(self);
        };
        let bytes = match value.serialize(ValueSerializer)? {
            Value::Bytes(bytes) => bytes,
            // Bytes given one by one, as `Vec<u8>` without serde_bytes.
            Value::Slice(items) => items
                .into_iter()
                .map(|item| match item {
                    Value::Uint(b) => u8::try_from(b).ok(),
                    _ => None,
                })
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| Error::Encode(format!("{name} does not hold bytes")))?,
            other => {
                return Err(Error::Encode(format!(
                    "{name} holds {} where bytes are expected",
                    kind(&other)
                )));
            }
        };
        Ok(Value::Opaque {
            name: crate::schema::bare_name(go_string).into(),
            bytes,
        })
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value> {
        Ok(Value::Interface {
            name: variant.to_string(),
            value: Box::new(value.serialize(self)?),
        })
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            array: false,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder> {
        Ok(SeqBuilder {
            items: Vec::with_capacity(len.min(4096)),
            array: true,
        })
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<SeqBuilder> {
        self.serialize_tuple(len)
    }
    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        Err(no_go_form(name, variant))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder> {
        Ok(MapBuilder {
            entries: Vec::with_capacity(len.unwrap_or(0).min(4096)),
            key: None,
        })
    }
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<StructBuilder> {
        Ok(StructBuilder {
            name,
            fields: Vec::with_capacity(len.min(4096)),
        })
    }
    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        Err(no_go_form(name, variant))
    }
}

fn no_go_form(name: &str, variant: &str) -> Error {
    Error::Encode(format!(
        "{name}::{variant} is a tuple or struct variant, which has no Go form"
    ))
}

struct SeqBuilder {
    items: Vec<Value>,
    array: bool,
}

impl SeqBuilder {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.items.push(value.serialize(ValueSerializer)?);
        Ok(())
    }

    fn finish(self) -> Value {
        if self.array {
            Value::Array(self.items)
        } else {
            Value::Slice(self.items)
        }
    }
}

impl SerializeSeq for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl SerializeTuple for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.push(value)
    }
    fn end(self) -> Result<Value> {
        Ok(self.finish())
    }
}

struct MapBuilder {
    entries: Vec<(Value, Value)>,
    key: Option<Value>,
}

impl SerializeMap for MapBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        self.key = Some(key.serialize(ValueSerializer)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        let key = self
            .key
            .take()
            .ok_or_else(|| Error::Encode("a map value without its key".into()))?;
        self.entries.push((key, value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value> {
        let string_keys = !self.entries.is_empty()
            && self
                .entries
                .iter()
                .all(|(k, _)| matches!(k, Value::String(_)));
        Ok(Value::Map {
            string_keys,
            entries: self.entries,
        })
    }
}

struct StructBuilder {
    name: &'static str,
    fields: Vec<(String, Value)>,
}

impl SerializeStruct for StructBuilder {
    type Ok = Value;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        field: &'static str,
        value: &T,
    ) -> Result<()> {
        self.fields
            .push((field.to_string(), value.serialize(ValueSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Value> {
        if self.name == COMPLEX128 || self.name == COMPLEX64 {
            let part = |name: &str| {
                self.fields.iter().find_map(|(f, v)| match v {
                    Value::Float(x) if f == name => Some(*x),
                    _ => None,
                })
            };
            if let (Some(re), Some(im)) = (part("re"), part("im")) {
                return Ok(Value::Complex(re, im));
            }
        }
        Ok(Value::Struct {
            name: crate::schema::bare_name(self.name).to_string(),
            fields: self.fields,
        })
    }
}

/// Decodes a `T` from a [`Value`], as serde_json's `from_value` does from
/// a JSON value: the inverse of [`to_value`] for the types it makes.
///
/// A `Value` that does not fit the Rust type is an
/// [`Error::TypeMismatch`]; a `Value` has no byte offsets, so its `offset`
/// is 0 and `found` says where in the value the mismatch is (`.Payload[2]`).
pub fn from_value<T: de::DeserializeOwned>(value: Value) -> Result<T> {
    T::deserialize(value)
}

/// What a `Value` is, for messages.
fn kind(value: &Value) -> &'static str {
    match value {
        Value::Nil => "nil",
        Value::Bool(_) => "bool",
        Value::Int(_) => "int",
        Value::Uint(_) => "uint",
        Value::Float(_) => "float",
        Value::Complex(..) => "complex",
        Value::String(_) => "string",
        Value::Bytes(_) => "[]byte",
        Value::Slice(_) => "slice",
        Value::Array(_) => "array",
        Value::Map { .. } => "map",
        Value::Struct { .. } => "struct",
        Value::Interface { .. } => "interface",
        Value::Opaque { .. } => "self-marshalled value",
    }
}

fn mismatch(expected: &str, value: &Value) -> Error {
    let found = match value {
        Value::Struct { name, .. } if !name.is_empty() => format!("{} {name}", kind(value)),
        Value::Opaque { name, .. } if !name.is_empty() => format!("{} {name}", kind(value)),
        Value::Interface { name, .. } => format!("interface holding {name}"),
        _ => kind(value).to_string(),
    };
    Error::TypeMismatch {
        offset: 0,
        expected: expected.to_string(),
        found,
    }
}

/// Adds where in the value an error from inside it happened: `found`
/// ends with the path from the top (`at .Payload[2]`).
fn within(error: Error, step: &str) -> Error {
    match error {
        Error::TypeMismatch {
            offset,
            expected,
            found,
        } => {
            let found = match found.split_once(" at ") {
                Some((what, path)) => format!("{what} at {step}{path}"),
                None => format!("{found} at {step}"),
            };
            Error::TypeMismatch {
                offset,
                expected,
                found,
            }
        }
        other => other,
    }
}

fn out_of_range(value: impl ToString, target: &'static str) -> Error {
    Error::Overflow {
        offset: 0,
        value: value.to_string(),
        target,
    }
}

macro_rules! value_int {
    ($($method:ident => $visit:ident($ty:ty, $target:literal);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                let n = match self {
                    Value::Int(i) => <$ty>::try_from(i).map_err(|_| out_of_range(i, $target))?,
                    Value::Uint(u) => <$ty>::try_from(u).map_err(|_| out_of_range(u, $target))?,
                    other => return Err(mismatch($target, &other)),
                };
                visitor.$visit(n)
            }
        )*
    };
}

/// A `Value` read by a Rust type: what [`from_value`] does.
impl<'de> Deserializer<'de> for Value {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Nil => visitor.visit_unit(),
            Value::Bool(v) => visitor.visit_bool(v),
            Value::Int(v) => visitor.visit_i64(v),
            Value::Uint(v) => visitor.visit_u64(v),
            Value::Float(v) => visitor.visit_f64(v),
            Value::Complex(re, im) => visitor.visit_map(de::value::MapDeserializer::new(
                [("re", re), ("im", im)].into_iter(),
            )),
            Value::String(v) => visitor.visit_string(v),
            Value::Bytes(v) => visitor.visit_byte_buf(v),
            Value::Slice(items) | Value::Array(items) => visit_items(items, visitor),
            Value::Map { entries, .. } => visit_entries(entries, visitor),
            Value::Struct { fields, .. } => visit_fields(fields, visitor),
            Value::Interface { name, value } => visitor.visit_map(InterfaceEntries {
                name: Some(name),
                value: Some(*value),
            }),
            Value::Opaque { bytes, .. } => visitor.visit_byte_buf(bytes),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Bool(v) => visitor.visit_bool(v),
            other => Err(mismatch("bool", &other)),
        }
    }

    value_int! {
        deserialize_i8 => visit_i8(i8, "int8");
        deserialize_i16 => visit_i16(i16, "int16");
        deserialize_i32 => visit_i32(i32, "int32");
        deserialize_i64 => visit_i64(i64, "int64");
        deserialize_u8 => visit_u8(u8, "uint8");
        deserialize_u16 => visit_u16(u16, "uint16");
        deserialize_u32 => visit_u32(u32, "uint32");
        deserialize_u64 => visit_u64(u64, "uint64");
    }

    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Float(v) if v.is_finite() && v.abs() > f32::MAX as f64 => {
                Err(out_of_range(v, "float32"))
            }
            Value::Float(v) => visitor.visit_f32(v as f32),
            other => Err(mismatch("float32", &other)),
        }
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Float(v) => visitor.visit_f64(v),
            other => Err(mismatch("float64", &other)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Int(v) => {
                let c = u32::try_from(v)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| out_of_range(v, "char"))?;
                visitor.visit_char(c)
            }
            other => Err(mismatch("rune", &other)),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::String(v) => visitor.visit_string(v),
            other => Err(mismatch("string", &other)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_byte_buf(visitor)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Bytes(v) => visitor.visit_byte_buf(v),
            other => Err(mismatch("[]byte", &other)),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Nil => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Nil => visitor.visit_unit(),
            other => Err(mismatch("nil", &other)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Value::Struct { .. } | Value::Nil => visitor.visit_unit(),
            other => Err(mismatch(name, &other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        if name == VALUE_TOKEN {
            return hand_over(self, visitor);
        }
        let marshalled =
            name.starts_with(GOB_ENCODER_PREFIX) || name.starts_with(BINARY_MARSHALER_PREFIX);
        match self {
            Value::Opaque { bytes, .. } if marshalled => {
                visitor.visit_newtype_struct(de::value::SeqDeserializer::new(bytes.into_iter()))
            }
            other if marshalled => Err(mismatch(name, &other)),
            other => visitor.visit_newtype_struct(other),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Slice(items) | Value::Array(items) => visit_items(items, visitor),
            // `Vec<u8>` read as a sequence.
            Value::Bytes(bytes) => {
                visitor.visit_seq(de::value::SeqDeserializer::new(bytes.into_iter()))
            }
            other => Err(mismatch("slice", &other)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        match self {
            Value::Array(items) | Value::Slice(items) if items.len() == len => {
                visit_items(items, visitor)
            }
            other => Err(mismatch(&format!("array of length {len}"), &other)),
        }
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Value::Map { entries, .. } => visit_entries(entries, visitor),
            other => Err(mismatch("map", &other)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Value::Struct { fields, .. } => visit_fields(fields, visitor),
            // A map of field names reads as a struct (a JSON object did).
            Value::Map { entries, .. } => visit_entries(entries, visitor),
            Value::Complex(re, im) if name == COMPLEX128 || name == COMPLEX64 => visitor.visit_map(
                de::value::MapDeserializer::new([("re", re), ("im", im)].into_iter()),
            ),
            other => Err(mismatch(name, &other)),
        }
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        match self {
            Value::Nil => visitor.visit_enum(InterfaceVariant {
                name: NIL_VARIANT.to_string(),
                value: None,
            }),
            Value::Interface { name, value } => visitor.visit_enum(InterfaceVariant {
                name,
                value: Some(*value),
            }),
            other => Err(mismatch(name, &other)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_string(visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

impl<'de> IntoDeserializer<'de, Error> for Value {
    type Deserializer = Value;

    fn into_deserializer(self) -> Value {
        self
    }
}

fn visit_items<'de, V: Visitor<'de>>(items: Vec<Value>, visitor: V) -> Result<V::Value> {
    let mut seq = Items {
        items: items.into_iter(),
        index: 0,
    };
    let v = visitor.visit_seq(&mut seq)?;
    match seq.items.len() {
        0 => Ok(v),
        left => Err(de::Error::invalid_length(
            seq.index + left,
            &"fewer elements",
        )),
    }
}

struct Items {
    items: std::vec::IntoIter<Value>,
    index: usize,
}

impl<'de> de::SeqAccess<'de> for Items {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        let Some(item) = self.items.next() else {
            return Ok(None);
        };
        let index = self.index;
        self.index += 1;
        seed.deserialize(item)
            .map(Some)
            .map_err(|e| within(e, &format!("[{index}]")))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.items.len())
    }
}

fn visit_entries<'de, V: Visitor<'de>>(
    entries: Vec<(Value, Value)>,
    visitor: V,
) -> Result<V::Value> {
    visitor.visit_map(Entries {
        entries: entries.into_iter(),
        value: None,
        key_text: String::new(),
    })
}

/// A map's entries; a mismatch inside a value names its key.
struct Entries {
    entries: std::vec::IntoIter<(Value, Value)>,
    value: Option<Value>,
    key_text: String,
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((key, value)) = self.entries.next() else {
            return Ok(None);
        };
        self.key_text = match &key {
            Value::String(s) => format!("[{s:?}]"),
            other => format!("[{other}]"),
        };
        self.value = Some(value);
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        let value = self.value.take().unwrap_or(Value::Nil);
        seed.deserialize(value)
            .map_err(|e| within(e, &self.key_text))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.entries.len())
    }
}

fn visit_fields<'de, V: Visitor<'de>>(
    fields: Vec<(String, Value)>,
    visitor: V,
) -> Result<V::Value> {
    visitor.visit_map(Fields {
        fields: fields.into_iter(),
        value: None,
    })
}

/// A struct's fields; a mismatch inside one names it.
struct Fields {
    fields: std::vec::IntoIter<(String, Value)>,
    value: Option<(String, Value)>,
}

impl<'de> de::MapAccess<'de> for Fields {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((name, value)) = self.fields.next() else {
            return Ok(None);
        };
        let key = seed.deserialize(de::value::StrDeserializer::<Error>::new(&name))?;
        self.value = Some((name, value));
        Ok(Some(key))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        let (name, value) = self.value.take().unwrap_or_default();
        seed.deserialize(value)
            .map_err(|e| within(e, &format!(".{name}")))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len())
    }
}

impl Default for Value {
    /// The nil interface.
    fn default() -> Self {
        Value::Nil
    }
}

/// An interface for `deserialize_any`: `{"type": name, "value": value}`, as
/// serde_gob's deserializer gives it.
struct InterfaceEntries {
    name: Option<String>,
    value: Option<Value>,
}

impl<'de> de::MapAccess<'de> for InterfaceEntries {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let key = match (&self.name, &self.value) {
            (Some(_), _) => "type",
            (None, Some(_)) => "value",
            (None, None) => return Ok(None),
        };
        seed.deserialize(de::value::StrDeserializer::<Error>::new(key))
            .map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        if let Some(name) = self.name.take() {
            return seed.deserialize(de::value::StringDeserializer::<Error>::new(name));
        }
        seed.deserialize(self.value.take().unwrap_or(Value::Nil))
    }
}

/// An interface read as a Rust enum: the registered name picks the variant.
struct InterfaceVariant {
    name: String,
    /// `None` for the nil interface.
    value: Option<Value>,
}

impl<'de> de::EnumAccess<'de> for InterfaceVariant {
    type Error = Error;
    type Variant = VariantValue;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, VariantValue)> {
        let variant = seed.deserialize(de::value::StringDeserializer::<Error>::new(self.name))?;
        Ok((variant, VariantValue(self.value)))
    }
}

/// The value of an interface variant; `None` for the nil interface.
struct VariantValue(Option<Value>);

impl<'de> de::VariantAccess<'de> for VariantValue {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        match self.0 {
            None => Ok(()),
            Some(value) => Err(mismatch("the nil interface", &value)),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value> {
        match self.0 {
            Some(value) => seed.deserialize(value),
            None => Err(mismatch("an interface holding a value", &Value::Nil)),
        }
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value> {
        Err(Error::Custom(
            "an interface variant holds exactly one value".into(),
        ))
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], _: V) -> Result<V::Value> {
        Err(Error::Custom(
            "an interface variant holds exactly one value".into(),
        ))
    }
}
