//! Dynamic values: any gob stream decoded without Rust types.

use super::error::{Error, Result};
use super::stream::{Event, Input, Limits, SliceInput, Stream};
use super::types::{self, GobId, Shape};

/// A decoded gob value, shaped by the sender's type definitions.
///
/// # As a serde type: Deserialize
///
/// A struct field of type `Value` keeps whatever Go value the stream
/// carries there. `Value`'s `Deserialize` asks for a newtype struct with a
/// private name. serde_gob's deserializer knows the name: it reads the
/// value at that point with the dynamic reader of [`decode_values`], with
/// the sender's type, and so gives exactly the `Value` that `decode_values`
/// gives for it (a struct with its name, an interface with its registered
/// name, an absent field's zero value of its Go type). The `Value`
/// deserializer of [`from_value`](crate::from_value) knows the name too. Either hands the
/// finished `Value` over through a one-value slot of the thread, filled
/// right before `Value`'s visitor is called and emptied right after: serde
/// has no way to pass a value of a known type through a visitor that is
/// generic.
///
/// Any other deserializer (serde_json, say) answers the newtype with its
/// content, which `Value` then reads with `deserialize_any`: numbers, strings,
/// bytes, sequences (as `Slice`), maps (as `Map`), unit and none (as `Nil`),
/// an enum's newtype variant (as `Interface`).
///
/// [`decode_values`]: crate::decode_values
///
/// # As a serde type: Serialize
///
/// `Value`'s `Serialize` describes the Go value with the serde calls that
/// [`schema`](crate::schema) maps to Go types: `Int` as an `i64`, `Uint` as
/// a `u64`, `Float` as an `f64`, `Complex` as the struct `complex128`,
/// `Bytes` as bytes, `Slice` as a sequence, `Array` as a tuple, `Struct` as
/// a struct of its name and fields, `Opaque` as a newtype named
/// `GobEncoder:` and its name over its bytes (a `Value` does not say which
/// way the type marshals itself; `GobEncoder` is what gob prefers), an
/// `Interface` as the newtype variant named for its registered name of the
/// enum [`ANY_INTERFACE`](crate::ANY_INTERFACE), and `Nil` as that enum's
/// unit variant [`NIL_VARIANT`](crate::NIL_VARIANT). [`to_value`](crate::to_value)
/// makes a `Value` from any serializable Rust value.
///
/// Serde takes `&'static str` names. The names of structs, fields,
/// registered types and self-marshalling types are interned in one
/// process-wide table that keeps each distinct name once, for the life of
/// the process: what it holds is bounded by the distinct names a program
/// meets, not by how many values it serializes.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A nil interface, or a struct-typed field the sender left out (Go
    /// always sends struct values, so that is a nil pointer).
    Nil,
    /// A `bool`.
    Bool(bool),
    /// A signed integer: gob's `int`, which carries every signed width.
    Int(i64),
    /// An unsigned integer: gob's `uint`, which carries every unsigned width.
    Uint(u64),
    /// A floating-point number: gob's `float`, always sent as a float64.
    Float(f64),
    /// A complex number: gob's `complex`, the real part then the imaginary.
    Complex(f64, f64),
    /// A `string`; bytes that are not UTF-8 are replaced with U+FFFD.
    String(String),
    /// A `[]byte`.
    Bytes(Vec<u8>),
    /// The elements of a slice.
    Slice(Vec<Value>),
    /// The elements of an array.
    Array(Vec<Value>),
    /// A map.
    Map {
        /// Whether the key type is `string` (JSON renders an object then).
        string_keys: bool,
        /// The key and value pairs, in the order of the stream.
        entries: Vec<(Value, Value)>,
    },
    /// A struct with every field of its definition, in order; fields the
    /// sender left out hold their zero value.
    Struct {
        /// The struct's name in the sender's definition (`CommonType.Name`).
        name: String,
        /// Each field's name and value.
        fields: Vec<(String, Value)>,
    },
    /// A non-nil interface value.
    Interface {
        /// The name the concrete type is registered under (`gob.Register`).
        name: String,
        /// The concrete value.
        value: Box<Value>,
    },
    /// A value that marshals itself (GobEncoder, BinaryMarshaler).
    Opaque {
        /// The type's name in the sender's definition (`CommonType.Name`,
        /// such as `Time` for Go's `time.Time`). Boxed so that a `Value`
        /// stays six words.
        name: Box<str>,
        /// The bytes its marshaller wrote.
        bytes: Vec<u8>,
    },
}

/// Decodes every value of a gob stream held in `bytes`.
pub fn decode_values(bytes: &[u8]) -> Result<Vec<Value>> {
    let mut decoder = ValueDecoder::new(SliceInput::new(bytes));
    let mut values = Vec::new();
    while let Some(v) = decoder.next_value()? {
        values.push(v);
    }
    Ok(values)
}

/// Reads the values of a gob stream one by one, without Rust types.
pub struct ValueDecoder<R> {
    stream: Stream<R>,
}

impl<'de, R: Input<'de>> ValueDecoder<R> {
    /// A decoder for the gob stream read from `reader`, with the default
    /// [`Limits`].
    pub fn new(reader: R) -> Self {
        ValueDecoder::with_limits(reader, Limits::default())
    }

    /// A decoder for the gob stream read from `reader` that refuses input
    /// beyond `limits`.
    pub fn with_limits(reader: R, limits: Limits) -> Self {
        ValueDecoder {
            stream: Stream::new(reader, limits),
        }
    }

    /// Records what a dump shows while decoding.
    pub(crate) fn record_events(&mut self) {
        self.stream.events = Some(Vec::new());
    }

    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        self.stream
            .events
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    /// The next top-level value; `Ok(None)` at the end of the stream.
    pub fn next_value(&mut self) -> Result<Option<Value>> {
        let Some(id) = self.stream.type_sequence(false)? else {
            return Ok(None);
        };
        let v = read_top(&mut self.stream, id, "value")?;
        self.stream.end_value();
        Ok(Some(v))
    }

    /// The stream offset decoding has reached, in bytes.
    pub fn offset(&self) -> u64 {
        self.stream.offset()
    }
}

fn read_top<'de, R: Input<'de>>(st: &mut Stream<R>, id: GobId, label: &str) -> Result<Value> {
    st.singleton_marker(id)?;
    read(st, id, label)
}

/// Reads one value of type `id`, recording it for a dump if asked.
pub(crate) fn read<'de, R: Input<'de>>(
    st: &mut Stream<R>,
    id: GobId,
    label: &str,
) -> Result<Value> {
    let start = st.offset();
    let slot = st.events.as_mut().map(|events| {
        events.push(Event::Item {
            offset: start,
            len: 0,
            depth: 0,
            label: String::new(),
            text: String::new(),
        });
        events.len() - 1
    });
    let depth = st.depth();
    let value = read_inner(st, id)?;
    if let Some(i) = slot {
        let end = st.offset();
        let text = describe(st, id, &value);
        if let Some(Event::Item {
            len,
            depth: d,
            label: l,
            text: t,
            ..
        }) = st.events.as_mut().and_then(|e| e.get_mut(i))
        {
            *len = end.saturating_sub(start);
            *d = depth;
            *l = label.to_string();
            *t = text;
        }
    }
    Ok(value)
}

fn read_inner<'de, R: Input<'de>>(st: &mut Stream<R>, id: GobId) -> Result<Value> {
    Ok(match id {
        types::BOOL => Value::Bool(st.get_bool()?),
        types::INT => Value::Int(st.get_int()?),
        types::UINT => Value::Uint(st.get_uint()?),
        types::FLOAT => Value::Float(st.get_float()?),
        types::COMPLEX => Value::Complex(st.get_float()?, st.get_float()?),
        types::STRING => {
            let range = st.get_bytes("reading a string")?;
            Value::String(String::from_utf8_lossy(st.bytes(range)).into_owned())
        }
        types::BYTES => {
            let range = st.get_bytes("reading bytes")?;
            Value::Bytes(st.bytes(range).to_vec())
        }
        types::INTERFACE => match st.interface_header()? {
            None => Value::Nil,
            Some((name, concrete)) => {
                st.enter()?;
                let value = read_top(st, concrete, &name)?;
                st.leave();
                Value::Interface {
                    name,
                    value: Box::new(value),
                }
            }
        },
        _ => {
            let wire = st.wire(id)?;
            st.enter()?;
            let value = match &wire.shape {
                Shape::Struct { fields } => {
                    let mut values: Vec<Option<Value>> = vec![None; fields.len()];
                    let mut field: i64 = -1;
                    loop {
                        let at = st.offset();
                        let delta = st.get_field_delta()?;
                        if delta == 0 {
                            break;
                        }
                        field = field.saturating_add(delta.min(i64::MAX as u64) as i64);
                        let Some(f) = fields.get(field as usize) else {
                            return Err(Error::malformed(
                                at,
                                format!("field number {field} is out of range for {}", wire.name),
                            ));
                        };
                        values[field as usize] = Some(read(st, f.id, &f.name)?);
                    }
                    let mut out = Vec::with_capacity(fields.len());
                    for (f, v) in fields.iter().zip(values) {
                        let v = match v {
                            Some(v) => v,
                            None => zero(st, f.id)?,
                        };
                        out.push((f.name.clone(), v));
                    }
                    Value::Struct {
                        name: wire.name.clone(),
                        fields: out,
                    }
                }
                Shape::Slice { elem } | Shape::Array { elem, .. } => {
                    let at = st.offset();
                    let (n, cap) = st.get_count()?;
                    if let Shape::Array { len, .. } = wire.shape
                        && n != len as u64
                    {
                        return Err(Error::malformed(
                            at,
                            format!("array of length {len} holds {n} elements"),
                        ));
                    }
                    let mut items = Vec::with_capacity(cap);
                    for i in 0..n {
                        st.element_ahead(n)?;
                        items.push(read(st, *elem, &format!("[{i}]"))?);
                    }
                    if matches!(wire.shape, Shape::Array { .. }) {
                        Value::Array(items)
                    } else {
                        Value::Slice(items)
                    }
                }
                Shape::Map { key, elem } => {
                    let (n, cap) = st.get_count()?;
                    let mut entries = Vec::with_capacity(cap);
                    for i in 0..n {
                        let k = read(st, *key, &format!("key[{i}]"))?;
                        let v = read(st, *elem, &format!("value[{i}]"))?;
                        entries.push((k, v));
                    }
                    Value::Map {
                        string_keys: *key == types::STRING,
                        entries,
                    }
                }
                Shape::GobEncoder | Shape::BinaryMarshaler | Shape::TextMarshaler => {
                    let range = st.get_bytes("reading marshalled bytes")?;
                    Value::Opaque {
                        name: wire.name.as_str().into(),
                        bytes: st.bytes(range).to_vec(),
                    }
                }
            };
            st.leave();
            value
        }
    })
}

/// The largest array of zeros built for an absent field.
const MAX_ZERO_ARRAY: i64 = 4096;

/// The value Go leaves in a field the sender did not send.
pub(crate) fn zero<'de, R: Input<'de>>(st: &mut Stream<R>, id: GobId) -> Result<Value> {
    Ok(match id {
        types::BOOL => Value::Bool(false),
        types::INT => Value::Int(0),
        types::UINT => Value::Uint(0),
        types::FLOAT => Value::Float(0.0),
        types::COMPLEX => Value::Complex(0.0, 0.0),
        types::STRING => Value::String(String::new()),
        types::BYTES => Value::Bytes(Vec::new()),
        types::INTERFACE => Value::Nil,
        _ => {
            let wire = st.wire(id)?;
            match &wire.shape {
                Shape::Struct { .. } => Value::Nil,
                Shape::Slice { .. } => Value::Slice(Vec::new()),
                Shape::Array { elem, len } => {
                    if !(0..=MAX_ZERO_ARRAY).contains(len) {
                        return Err(Error::LimitExceeded {
                            offset: st.offset(),
                            limit: "zero array length",
                            max: MAX_ZERO_ARRAY as u64,
                            needed: (*len).max(0) as u64,
                        });
                    }
                    st.enter()?;
                    let z = zero(st, *elem)?;
                    st.leave();
                    Value::Array(vec![z; *len as usize])
                }
                Shape::Map { key, .. } => Value::Map {
                    string_keys: *key == types::STRING,
                    entries: Vec::new(),
                },
                Shape::GobEncoder | Shape::BinaryMarshaler | Shape::TextMarshaler => {
                    Value::Opaque {
                        name: wire.name.as_str().into(),
                        bytes: Vec::new(),
                    }
                }
            }
        }
    })
}

/// One line of text for a dump.
fn describe<'de, R: Input<'de>>(st: &Stream<R>, id: GobId, v: &Value) -> String {
    let ty = label(st, id);
    match v {
        Value::Struct { .. } => format!("struct {ty}"),
        Value::Slice(items) => format!("slice {ty}, {} elements", items.len()),
        Value::Array(items) => format!("array {ty}, {} elements", items.len()),
        Value::Map { entries, .. } => format!("map {ty}, {} entries", entries.len()),
        Value::Interface { name, .. } => format!("interface holding {name}"),
        Value::Nil => "nil interface".to_string(),
        Value::Opaque { bytes, .. } => format!("{ty}, {} marshalled bytes", bytes.len()),
        #[cfg(feature = "json")]
        leaf => format!("{ty} {}", leaf.to_json()),
        // Only a dump asks, and the dump comes with the JSON form.
        #[cfg(not(feature = "json"))]
        leaf => format!("{ty} {leaf:?}"),
    }
}

/// A type as a dump names it: gob's name for a builtin, else the sender's
/// name (if any) and id.
fn label<'de, R: Input<'de>>(st: &Stream<R>, id: GobId) -> String {
    if let Some(name) = types::builtin_name(id) {
        return name.to_string();
    }
    match st.wire(id) {
        Ok(w) if !w.name.is_empty() => format!("{} (type {id})", w.name),
        _ => format!("(type {id})"),
    }
}
