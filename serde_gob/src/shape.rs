//! Go types learnt from what `Serialize` emits.
//!
//! Gob defines every type a value reaches before the value, even through a
//! nil pointer, but a value's `Serialize` shows only what it holds: a `None`
//! shows nothing of its `T`, an empty `Vec` nothing of its element, a
//! skipped field nothing at all. Such a gap is filled, in this order, from:
//!
//! 1. the same Rust type seen whole before: in an earlier value, in another
//!    part of this value (the other elements of a slice, another value of
//!    the same struct), or declared with [`declare`] or [`declare_example`];
//! 2. the Rust type's name, for the standard containers and scalars
//!    (`Option<T>`, `Vec<T>`, `Box<T>`, `HashMap<K, V>`, `String`, `u8`, …);
//! 3. the field of the same name of a Go struct of the same name seen whole
//!    before, or declared.
//!
//! A gap none of them fills is an [`Error::Schema`] that names the place and
//! the Rust type, and says how to declare it.
//!
//! What is learnt is kept for the life of the process, one entry per Rust
//! type (and a few per type whose values take different Go shapes, such as
//! [`Value`](crate::Value)), so what is kept is bounded by the program.

use std::any::type_name;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde::de::DeserializeOwned;
use serde::ser::{self, Serialize};

use super::error::{Error, Result};
use super::schema::{
    BINARY_MARSHALER_PREFIX, COMPLEX64, COMPLEX128, Field, GOB_ENCODER_PREFIX, Kind, Node, NodeId,
    OpaqueKind, Schema, ZERO_VALUE, bare_name, is_predeclared, new_schema, trace,
};

/// The paths of the map types whose Go type their names tell.
const MAPS: &[&str] = &[
    "std::collections::hash::map::HashMap",
    "alloc::collections::btree::map::BTreeMap",
    "indexmap::map::IndexMap",
];

/// The paths of the pointer types serde sees through.
const POINTERS: &[&str] = &[
    "alloc::boxed::Box",
    "alloc::rc::Rc",
    "alloc::sync::Arc",
    "alloc::borrow::Cow",
];

/// The Rust type whose values take whatever Go type they hold: never a
/// filler of gaps.
const DYNAMIC: &str = "serde_gob::value::Value";

/// The most Go shapes kept for one Rust type.
const MAX_SHAPES_PER_TYPE: usize = 64;

/// Declares the Go type of `T` by tracing its `Deserialize` (see
/// [`schema_of`](crate::schema::schema_of)), so that values of `T`, and of
/// the structs it reaches, encode even when they leave gaps (a `None`, an
/// empty `Vec`) that their `Serialize` cannot fill.
///
/// Declaring a type again, or one learnt whole before, does nothing.
pub fn declare<T: DeserializeOwned>() -> Result<()> {
    if learnt().by_rust.contains_key(type_name::<T>()) {
        return Ok(());
    }
    let schema: &'static Schema = Box::leak(Box::new(trace::<T>().map_err(|e| {
        Error::Schema(format!(
            "declaring {} from its Deserialize failed: {e}; declare it with \
             declare_example instead",
            type_name::<T>()
        ))
    })?));
    let mut store = learnt();
    store.add_structs(schema);
    store
        .by_rust
        .entry(type_name::<T>())
        .or_insert((schema, schema.root));
    Ok(())
}

/// Declares the Go type of `T`, and of every type it reaches, from a sample
/// value that shows all of it (every `Option` set, every sequence and map
/// with an element).
pub fn declare_example<T: Serialize + ?Sized>(sample: &T) -> Result<()> {
    learn(sample).map(|_| ())
}

/// The Go type of `value`'s Rust type: the one learnt before, or learnt now
/// from `value`.
#[inline(never)]
pub(crate) fn schema_for<T: Serialize + ?Sized>(value: &T) -> Result<&'static Schema> {
    thread_local! {
        // A thread's recent look-ups, free of the lock: few types are hot.
        static RECENT: RefCell<Vec<(&'static str, &'static Schema)>> =
            const { RefCell::new(Vec::new()) };
    }
    let rust = type_name::<T>();
    let recent = RECENT.with(|r| {
        r.borrow()
            .iter()
            .find(|(k, _)| std::ptr::eq(*k, rust))
            .map(|(_, s)| *s)
    });
    if let Some(schema) = recent {
        return Ok(schema);
    }
    let known = learnt().shapes.get(rust).and_then(|s| s.first().copied());
    let schema = match known {
        Some(schema) => schema,
        None => learn(value)?,
    };
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= 16 {
            r.remove(0);
        }
        r.push((rust, schema));
    });
    Ok(schema)
}

/// The Go type of the concrete value an interface holds under the
/// registered name `variant`.
pub(crate) fn concrete_schema<T: Serialize + ?Sized>(
    variant: &'static str,
    value: &T,
) -> Result<&'static Schema> {
    let key = (variant, type_name::<T>());
    let known = learnt().concrete.get(&key).copied();
    if let Some(schema) = known {
        return Ok(schema);
    }
    let schema = learn(value)?;
    Ok(*learnt().concrete.entry(key).or_insert(schema))
}

/// Learns the Go type of `value` from `value` itself, keeps it, and gives it
/// (an equal one kept before, if there is one).
#[inline(never)]
pub(crate) fn learn<T: Serialize + ?Sized>(value: &T) -> Result<&'static Schema> {
    let rust = type_name::<T>();
    let mut tracer = Tracer::default();
    let root = value.serialize(ShapeSer {
        t: &mut tracer,
        rust: Some(rust),
    })?;
    tracer.shown.entry(rust).or_insert_with(|| root.clone());
    let mut build = Build {
        tracer: &tracer,
        nodes: Vec::new(),
        by_string: HashMap::new(),
        path: Vec::new(),
        value_type: rust,
        seen: Vec::new(),
    };
    let root_id = build.node(&root)?;
    let seen = std::mem::take(&mut build.seen);
    let schema = new_schema(build.nodes, root_id);

    let mut store = learnt();
    let shapes = store.shapes.entry(rust).or_default();
    if let Some(same) = shapes
        .iter()
        .find(|s| s.nodes == schema.nodes && s.root == schema.root)
    {
        return Ok(same);
    }
    if shapes.len() >= MAX_SHAPES_PER_TYPE {
        return Err(Error::Schema(format!(
            "values of {rust} have taken more than {MAX_SHAPES_PER_TYPE} different Go types"
        )));
    }
    let schema: &'static Schema = Box::leak(Box::new(schema));
    shapes.push(schema);
    if shapes.len() > 1 {
        // Values of this Rust type take several Go types: none of them
        // can fill a gap of the type.
        store.by_rust.remove(rust);
    }
    for (rust, node) in seen {
        let several = store.shapes.get(rust).is_some_and(|s| s.len() > 1);
        if !several && rust != DYNAMIC {
            store.by_rust.entry(rust).or_insert((schema, node));
        }
    }
    store.add_structs(schema);
    Ok(schema)
}

/// What the process has learnt, and been told, of Go types.
#[derive(Default)]
struct Learnt {
    /// The Go types values of each Rust type have taken, first learnt first.
    shapes: HashMap<&'static str, Vec<&'static Schema>>,
    /// The Go type of each Rust type seen whole, inside any value.
    by_rust: HashMap<&'static str, (&'static Schema, NodeId)>,
    /// Each Go struct seen whole, by its name.
    structs: HashMap<String, (&'static Schema, NodeId)>,
    /// The concrete types interfaces held, by registered name and Rust type.
    concrete: HashMap<(&'static str, &'static str), &'static Schema>,
}

impl Learnt {
    fn add_structs(&mut self, schema: &'static Schema) {
        for (id, node) in schema.nodes.iter().enumerate() {
            if let Kind::Struct { .. } = node.kind {
                self.structs
                    .entry(node.go_string.clone())
                    .or_insert((schema, id));
            }
        }
    }
}

fn learnt() -> std::sync::MutexGuard<'static, Learnt> {
    static LEARNT: OnceLock<Mutex<Learnt>> = OnceLock::new();
    LEARNT
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner())
}

/// A Go type as one value shows it, with the Rust type that showed it.
#[derive(Debug, Clone)]
struct Traced {
    rust: Option<&'static str>,
    shape: Shape,
}

#[derive(Debug, Clone)]
enum Shape {
    /// A predeclared scalar type: its name and kind.
    Basic(&'static str, Kind),
    /// `[]byte`.
    Bytes,
    /// `complex64` or `complex128`.
    Complex(&'static str),
    /// A named type over another: `type Name T`.
    Named(&'static str, Box<Traced>),
    /// A type that marshals itself.
    Opaque(&'static str, OpaqueKind),
    /// A struct, whose fields are in the tracer's table under its name.
    Struct(&'static str),
    Slice(Box<Traced>),
    Array(Box<Traced>, usize),
    Map(Box<Traced>, Box<Traced>),
    Pointer(Box<Traced>),
    /// An interface: its concrete types are learnt as they are sent.
    Interface(&'static str),
    /// A Go type learnt before: a node of a kept schema.
    Learnt(&'static Schema, NodeId),
    /// Nothing shown: why.
    Gap(&'static str),
}

impl Traced {
    fn gap(rust: Option<&'static str>, why: &'static str) -> Traced {
        Traced {
            rust,
            shape: Shape::Gap(why),
        }
    }

    fn has_gap(&self) -> bool {
        match &self.shape {
            Shape::Gap(_) => true,
            Shape::Named(_, t) | Shape::Slice(t) | Shape::Array(t, _) | Shape::Pointer(t) => {
                t.has_gap()
            }
            Shape::Map(k, v) => k.has_gap() || v.has_gap(),
            _ => false,
        }
    }

    /// Takes what `other` shows where this one has gaps.
    fn merge(&mut self, other: &Traced, at: &str) -> Result<()> {
        if self.rust.is_none() {
            self.rust = other.rust;
        }
        match (&mut self.shape, &other.shape) {
            (_, Shape::Gap(_)) => Ok(()),
            (Shape::Gap(_), _) => {
                self.shape = other.shape.clone();
                Ok(())
            }
            (Shape::Slice(a), Shape::Bytes) if matches!(a.shape, Shape::Gap(_)) => {
                self.shape = Shape::Bytes;
                Ok(())
            }
            (Shape::Bytes, Shape::Slice(b)) if matches!(b.shape, Shape::Gap(_)) => Ok(()),
            (Shape::Slice(a), Shape::Slice(b))
            | (Shape::Pointer(a), Shape::Pointer(b))
            | (Shape::Array(a, _), Shape::Array(b, _)) => a.merge(b, at),
            (Shape::Named(n, a), Shape::Named(m, b)) if n == m => a.merge(b, at),
            (Shape::Map(ak, av), Shape::Map(bk, bv)) => {
                ak.merge(bk, at)?;
                av.merge(bv, at)
            }
            (a, b) if same_go_type(a, b) => Ok(()),
            (a, b) => Err(Error::Schema(format!(
                "{at} shows two Go types, {} and {}: a Go value has one (use an interface, \
                 an enum, for values of several types)",
                describe(a),
                describe(b)
            ))),
        }
    }
}

fn same_go_type(a: &Shape, b: &Shape) -> bool {
    match (a, b) {
        (Shape::Basic(x, _), Shape::Basic(y, _)) => x == y,
        (Shape::Bytes, Shape::Bytes) => true,
        (Shape::Complex(x), Shape::Complex(y))
        | (Shape::Opaque(x, _), Shape::Opaque(y, _))
        | (Shape::Struct(x), Shape::Struct(y))
        | (Shape::Interface(x), Shape::Interface(y)) => x == y,
        _ => false,
    }
}

fn describe(s: &Shape) -> String {
    match s {
        Shape::Basic(name, _) | Shape::Complex(name) => name.to_string(),
        Shape::Bytes => "[]uint8".into(),
        Shape::Named(name, _)
        | Shape::Opaque(name, _)
        | Shape::Struct(name)
        | Shape::Interface(name) => name.to_string(),
        Shape::Slice(t) => format!("[]{}", describe(&t.shape)),
        Shape::Array(t, n) => format!("[{n}]{}", describe(&t.shape)),
        Shape::Map(k, v) => format!("map[{}]{}", describe(&k.shape), describe(&v.shape)),
        Shape::Pointer(t) => format!("*{}", describe(&t.shape)),
        Shape::Learnt(schema, node) => schema.node(*node).go_string.clone(),
        Shape::Gap(_) => "?".into(),
    }
}

/// The structs one value shows, by name: their fields as merged from every
/// occurrence.
#[derive(Default)]
struct Tracer {
    structs: HashMap<&'static str, Vec<(&'static str, Traced)>>,
    /// Each Rust type this value shows whole, the first time.
    whole: HashMap<&'static str, Traced>,
    /// Each Rust type this value shows at all, the first time: a recursive
    /// type's own struct, whose fields are being learnt.
    shown: HashMap<&'static str, Traced>,
}

impl Tracer {
    fn any_struct_gap(&self) -> bool {
        self.structs
            .values()
            .any(|fields| fields.iter().any(|(_, t)| t.has_gap()))
    }
}

struct ShapeSer<'t> {
    t: &'t mut Tracer,
    rust: Option<&'static str>,
}

impl ShapeSer<'_> {
    fn done(self, shape: Shape) -> Result<Traced> {
        Ok(Traced {
            rust: self.rust,
            shape,
        })
    }

    fn basic(self, go: &'static str, kind: Kind) -> Result<Traced> {
        self.done(Shape::Basic(go, kind))
    }
}

/// Traces `value`, a part of the value being traced.
fn trace_part<T: Serialize + ?Sized>(t: &mut Tracer, value: &T) -> Result<Traced> {
    let rust = type_name::<T>();
    let traced = value.serialize(ShapeSer {
        t: &mut *t,
        rust: Some(rust),
    })?;
    if rust != DYNAMIC && !t.shown.contains_key(rust) {
        if !traced.has_gap() {
            t.whole.insert(rust, traced.clone());
        }
        t.shown.insert(rust, traced.clone());
    }
    Ok(traced)
}

fn no_form<T>(what: String) -> Result<T> {
    Err(Error::Schema(what))
}

impl<'t> ser::Serializer for ShapeSer<'t> {
    type Ok = Traced;
    type Error = Error;
    type SerializeSeq = SeqShape<'t>;
    type SerializeTuple = SeqShape<'t>;
    type SerializeTupleStruct = ser::Impossible<Traced, Error>;
    type SerializeTupleVariant = ser::Impossible<Traced, Error>;
    type SerializeMap = MapShape<'t>;
    type SerializeStruct = StructShape<'t>;
    type SerializeStructVariant = ser::Impossible<Traced, Error>;

    fn serialize_bool(self, _: bool) -> Result<Traced> {
        self.basic("bool", Kind::Bool)
    }
    fn serialize_i8(self, _: i8) -> Result<Traced> {
        self.basic("int8", Kind::Int)
    }
    fn serialize_i16(self, _: i16) -> Result<Traced> {
        self.basic("int16", Kind::Int)
    }
    fn serialize_i32(self, _: i32) -> Result<Traced> {
        self.basic("int32", Kind::Int)
    }
    fn serialize_i64(self, _: i64) -> Result<Traced> {
        self.basic("int64", Kind::Int)
    }
    fn serialize_u8(self, _: u8) -> Result<Traced> {
        self.basic("uint8", Kind::Uint { is_byte: true })
    }
    fn serialize_u16(self, _: u16) -> Result<Traced> {
        self.basic("uint16", Kind::Uint { is_byte: false })
    }
    fn serialize_u32(self, _: u32) -> Result<Traced> {
        self.basic("uint32", Kind::Uint { is_byte: false })
    }
    fn serialize_u64(self, _: u64) -> Result<Traced> {
        self.basic("uint64", Kind::Uint { is_byte: false })
    }
    fn serialize_i128(self, _: i128) -> Result<Traced> {
        no_form("128-bit integers have no gob form".into())
    }
    fn serialize_u128(self, _: u128) -> Result<Traced> {
        no_form("128-bit integers have no gob form".into())
    }
    fn serialize_f32(self, _: f32) -> Result<Traced> {
        self.basic("float32", Kind::Float)
    }
    fn serialize_f64(self, _: f64) -> Result<Traced> {
        self.basic("float64", Kind::Float)
    }
    fn serialize_char(self, _: char) -> Result<Traced> {
        self.basic("int32", Kind::Int)
    }
    fn serialize_str(self, _: &str) -> Result<Traced> {
        self.basic("string", Kind::String)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Traced> {
        self.done(Shape::Bytes)
    }

    fn serialize_none(self) -> Result<Traced> {
        let inner = self
            .rust
            .and_then(|r| wrapped(r, &["core::option::Option"]));
        self.done(Shape::Pointer(Box::new(Traced::gap(inner, "a None"))))
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Traced> {
        let inner = trace_part(self.t, value)?;
        self.done(Shape::Pointer(Box::new(inner)))
    }

    fn serialize_unit(self) -> Result<Traced> {
        no_form("() has no gob form".into())
    }

    fn serialize_unit_struct(self, name: &'static str) -> Result<Traced> {
        self.t.structs.entry(name).or_default();
        self.done(Shape::Struct(name))
    }

    fn serialize_unit_variant(self, name: &'static str, _: u32, _: &'static str) -> Result<Traced> {
        // The nil interface.
        self.done(Shape::Interface(name))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Traced> {
        if name == ZERO_VALUE {
            return value.serialize(self);
        }
        let opaque = if let Some(rest) = name.strip_prefix(GOB_ENCODER_PREFIX) {
            Some((rest, OpaqueKind::GobEncoder))
        } else {
            name.strip_prefix(BINARY_MARSHALER_PREFIX)
                .map(|rest| (rest, OpaqueKind::BinaryMarshaler))
        };
        if let Some((go, kind)) = opaque {
            let inner = trace_part(self.t, value)?;
            if !matches!(inner.shape, Shape::Bytes)
                && !matches!(&inner.shape, Shape::Slice(e) if matches!(e.shape, Shape::Gap(_) | Shape::Basic("uint8", _)))
            {
                return no_form(format!("{name} marshals itself, so it must hold bytes"));
            }
            return self.done(Shape::Opaque(go, kind));
        }
        let inner = trace_part(self.t, value)?;
        self.done(Shape::Named(name, Box::new(inner)))
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Traced> {
        // The concrete type is learnt when the value is sent, as Go does.
        self.done(Shape::Interface(name))
    }

    fn serialize_seq(self, _: Option<usize>) -> Result<SeqShape<'t>> {
        Ok(SeqShape {
            ser: self,
            elem: None,
            array: None,
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqShape<'t>> {
        Ok(SeqShape {
            ser: self,
            elem: None,
            array: Some(len),
        })
    }

    fn serialize_tuple_struct(
        self,
        name: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        no_form(format!(
            "tuple struct {name} has no Go form; use a struct or a newtype over an array"
        ))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        no_form(format!(
            "{name}::{variant}: an interface variant holds exactly one value"
        ))
    }

    fn serialize_map(self, len: Option<usize>) -> Result<MapShape<'t>> {
        // serde writes a struct with a flattened field as a map of unknown
        // length keyed by field names; no Go type has that shape.
        if len.is_none() && self.rust.is_none_or(|r| generic_args(r, MAPS).is_none()) {
            return no_form(format!(
                "{} serializes as a map of unknown length, as #[serde(flatten)] does, and \
                 #[serde(flatten)] is not supported: a Go struct has fixed fields, so write \
                 the flattened fields out in the struct",
                self.rust.unwrap_or("the value")
            ));
        }
        Ok(MapShape {
            ser: self,
            key: None,
            value: None,
        })
    }

    fn serialize_struct(self, name: &'static str, _: usize) -> Result<StructShape<'t>> {
        Ok(StructShape {
            ser: self,
            name,
            fields: Vec::new(),
        })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        no_form(format!(
            "{name}::{variant}: an interface variant holds exactly one value"
        ))
    }

    fn is_human_readable(&self) -> bool {
        false
    }
}

/// Merges one more element's shape into `into`, unless it shows nothing new.
fn add_element<T: Serialize + ?Sized>(
    t: &mut Tracer,
    into: &mut Option<Traced>,
    value: &T,
    at: &str,
) -> Result<()> {
    // A slice of a million records has one Go type: once it is known whole,
    // the rest need not be traced.
    if let Some(known) = into
        && !known.has_gap()
        && !t.any_struct_gap()
    {
        return Ok(());
    }
    let shape = trace_part(t, value)?;
    match into {
        Some(known) => known.merge(&shape, at),
        None => {
            *into = Some(shape);
            Ok(())
        }
    }
}

struct SeqShape<'t> {
    ser: ShapeSer<'t>,
    elem: Option<Traced>,
    /// The length of a tuple (a Go array).
    array: Option<usize>,
}

impl SeqShape<'_> {
    fn finish(self) -> Result<Traced> {
        let elem = match self.elem {
            Some(elem) => elem,
            None => {
                let inner = self.ser.rust.and_then(|r| {
                    wrapped(
                        r,
                        &[
                            "alloc::vec::Vec",
                            "alloc::collections::vec_deque::VecDeque",
                            "std::collections::hash::set::HashSet",
                            "alloc::collections::btree::set::BTreeSet",
                        ],
                    )
                    .or_else(|| slice_element(r))
                });
                Traced::gap(inner, "an empty sequence")
            }
        };
        let shape = match self.array {
            Some(len) => Shape::Array(Box::new(elem), len),
            None if matches!(elem.shape, Shape::Basic("uint8", _)) => Shape::Bytes,
            None => Shape::Slice(Box::new(elem)),
        };
        self.ser.done(shape)
    }
}

impl ser::SerializeSeq for SeqShape<'_> {
    type Ok = Traced;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        add_element(self.ser.t, &mut self.elem, value, "a sequence")
    }

    fn end(self) -> Result<Traced> {
        self.finish()
    }
}

impl ser::SerializeTuple for SeqShape<'_> {
    type Ok = Traced;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        add_element(self.ser.t, &mut self.elem, value, "an array")
    }

    fn end(self) -> Result<Traced> {
        self.finish()
    }
}

struct MapShape<'t> {
    ser: ShapeSer<'t>,
    key: Option<Traced>,
    value: Option<Traced>,
}

impl ser::SerializeMap for MapShape<'_> {
    type Ok = Traced;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<()> {
        add_element(self.ser.t, &mut self.key, key, "a map's keys")
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<()> {
        add_element(self.ser.t, &mut self.value, value, "a map's values")
    }

    fn end(self) -> Result<Traced> {
        let args = self.ser.rust.and_then(|r| generic_args(r, MAPS));
        let arg = |i: usize| args.as_ref().and_then(|a| a.get(i).copied());
        let key = self
            .key
            .unwrap_or_else(|| Traced::gap(arg(0), "an empty map"));
        let value = self
            .value
            .unwrap_or_else(|| Traced::gap(arg(1), "an empty map"));
        self.ser.done(Shape::Map(Box::new(key), Box::new(value)))
    }
}

struct StructShape<'t> {
    ser: ShapeSer<'t>,
    name: &'static str,
    fields: Vec<(&'static str, Traced)>,
}

impl ser::SerializeStruct for StructShape<'_> {
    type Ok = Traced;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<()> {
        if self.name == COMPLEX64 || self.name == COMPLEX128 {
            return Ok(());
        }
        let shape = trace_part(self.ser.t, value)?;
        self.fields.push((key, shape));
        Ok(())
    }

    fn skip_field(&mut self, key: &'static str) -> Result<()> {
        self.fields
            .push((key, Traced::gap(None, "a skipped field")));
        Ok(())
    }

    fn end(self) -> Result<Traced> {
        let name = self.name;
        if name == COMPLEX64 || name == COMPLEX128 {
            return self.ser.done(Shape::Complex(name));
        }
        match self.ser.t.structs.get_mut(name) {
            None => {
                self.ser.t.structs.insert(name, self.fields);
            }
            Some(known) => {
                fn names(f: &[(&'static str, Traced)]) -> Vec<&'static str> {
                    f.iter().map(|(n, _)| *n).collect()
                }
                if names(known) != names(&self.fields) {
                    return no_form(format!(
                        "struct {name} was serialized with fields {:?} and with fields {:?}",
                        names(known),
                        names(&self.fields)
                    ));
                }
                for ((field, into), (_, shape)) in known.iter_mut().zip(&self.fields) {
                    into.merge(shape, &format!("field {field} of {name}"))?;
                }
            }
        }
        self.ser.done(Shape::Struct(name))
    }
}

/// The one type argument of `rust` when it is one of `wrappers` (by path).
fn wrapped(rust: &'static str, wrappers: &[&str]) -> Option<&'static str> {
    let args = generic_args(rust, wrappers)?;
    match args[..] {
        [one] => Some(one),
        _ => None,
    }
}

/// The element type of a Rust slice or array type name (`[T]`, `&[T]`,
/// `[T; N]`).
fn slice_element(rust: &'static str) -> Option<&'static str> {
    let inner = strip_reference(rust).strip_prefix('[')?.strip_suffix(']')?;
    let split = top_level_splits(inner, ';');
    Some(split.first()?.trim())
}

fn strip_reference(rust: &str) -> &str {
    let mut r = rust;
    while let Some(rest) = r.strip_prefix('&') {
        r = rest.strip_prefix("mut ").unwrap_or(rest);
    }
    r
}

/// `rust` without the smart pointers and references serde sees through.
fn strip_pointers(rust: &'static str) -> &'static str {
    let mut r = strip_reference(rust);
    while let Some(inner) = wrapped(r, POINTERS) {
        r = strip_reference(inner);
    }
    r
}

/// The type arguments of `rust` when its path is one of `bases`.
fn generic_args(rust: &'static str, bases: &[&str]) -> Option<Vec<&'static str>> {
    let rust = strip_reference(rust);
    let open = rust.find('<')?;
    if !bases.contains(&&rust[..open]) || !rust.ends_with('>') {
        return None;
    }
    let inner = &rust[open + 1..rust.len() - 1];
    Some(
        top_level_splits(inner, ',')
            .into_iter()
            .map(str::trim)
            .collect(),
    )
}

/// `s` split at each `sep` outside brackets.
fn top_level_splits(s: &str, sep: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '<' | '[' | '(' => depth += 1,
            '>' | ']' | ')' => depth -= 1,
            c if c == sep && depth == 0 => {
                parts.push(&s[start..i]);
                start = i + c.len_utf8();
            }
            _ => {}
        }
    }
    parts.push(&s[start..]);
    parts
}

/// The Go type of a Rust type known by name alone: a scalar, or a standard
/// container of known types.
fn by_rust_name(rust: &'static str, depth: usize) -> Option<Traced> {
    if depth > 32 {
        return None;
    }
    let known = |shape| {
        Some(Traced {
            rust: Some(rust),
            shape,
        })
    };
    let r = strip_reference(rust);
    let basic = match r {
        "bool" => Some(("bool", Kind::Bool)),
        "i8" => Some(("int8", Kind::Int)),
        "i16" => Some(("int16", Kind::Int)),
        "i32" | "char" => Some(("int32", Kind::Int)),
        "i64" => Some(("int64", Kind::Int)),
        "u8" => Some(("uint8", Kind::Uint { is_byte: true })),
        "u16" => Some(("uint16", Kind::Uint { is_byte: false })),
        "u32" => Some(("uint32", Kind::Uint { is_byte: false })),
        "u64" => Some(("uint64", Kind::Uint { is_byte: false })),
        "f32" => Some(("float32", Kind::Float)),
        "f64" => Some(("float64", Kind::Float)),
        "str" | "alloc::string::String" | "alloc::borrow::Cow<str>" => {
            Some(("string", Kind::String))
        }
        "serde_gob::go::Int" => Some(("int", Kind::Int)),
        "serde_gob::go::Uint" => Some(("uint", Kind::Uint { is_byte: false })),
        "serde_gob::go::Uintptr" => Some(("uintptr", Kind::Uint { is_byte: false })),
        _ => None,
    };
    if let Some((go, kind)) = basic {
        return known(Shape::Basic(go, kind));
    }
    // Go's standard self-marshalling types of this crate.
    let standard = match r {
        "serde_gob::gostd::time::Time" => Some("time.Time"),
        "serde_gob::gostd::big::BigInt" => Some("*big.Int"),
        "serde_gob::gostd::big::BigRat" => Some("*big.Rat"),
        "serde_gob::gostd::big::BigFloat" => Some("*big.Float"),
        _ => None,
    };
    if let Some(go) = standard {
        return known(Shape::Opaque(go, OpaqueKind::GobEncoder));
    }
    let inner = |wrappers: &[&str]| {
        wrapped(rust, wrappers)
            .and_then(|i| by_rust_name(i, depth + 1).or_else(|| learnt_subtree(i)))
    };
    if let Some(t) = inner(POINTERS) {
        return known(t.shape);
    }
    if let Some(t) = inner(&["core::option::Option"]) {
        return known(Shape::Pointer(Box::new(t)));
    }
    let elem = wrapped(
        rust,
        &[
            "alloc::vec::Vec",
            "alloc::collections::vec_deque::VecDeque",
            "std::collections::hash::set::HashSet",
            "alloc::collections::btree::set::BTreeSet",
        ],
    )
    .or_else(|| slice_element(rust));
    if let Some(elem) = elem {
        if elem == "u8" {
            return known(Shape::Bytes);
        }
        let t = by_rust_name(elem, depth + 1).or_else(|| learnt_subtree(elem))?;
        return known(Shape::Slice(Box::new(t)));
    }
    let args = generic_args(rust, MAPS)?;
    let side = |i: usize| {
        let r = *args.get(i)?;
        by_rust_name(r, depth + 1).or_else(|| learnt_subtree(r))
    };
    known(Shape::Map(Box::new(side(0)?), Box::new(side(1)?)))
}

/// The Go type learnt for a Rust type, as a reference into its schema.
fn learnt_subtree(rust: &'static str) -> Option<Traced> {
    let found = learnt().by_rust.get(rust).copied();
    let (schema, node) = found?;
    Some(Traced {
        rust: Some(rust),
        shape: Shape::Learnt(schema, node),
    })
}

/// Turns a traced value into a schema, filling its gaps.
struct Build<'t> {
    tracer: &'t Tracer,
    nodes: Vec<Node>,
    by_string: HashMap<String, NodeId>,
    /// Where the builder is, for messages.
    path: Vec<String>,
    /// The Rust type of the value, for messages.
    value_type: &'static str,
    /// Each Rust type seen whole, with its node.
    seen: Vec<(&'static str, NodeId)>,
}

impl Build<'_> {
    fn intern(&mut self, go_string: String, kind: Kind) -> NodeId {
        if let Some(&id) = self.by_string.get(&go_string) {
            return id;
        }
        let id = self.nodes.len();
        let go_name = if is_predeclared(&go_string) {
            go_string.clone()
        } else {
            bare_name(&go_string).to_string()
        };
        self.nodes.push(Node {
            go_name,
            go_string: go_string.clone(),
            kind,
        });
        self.by_string.insert(go_string, id);
        id
    }

    fn go_string(&self, id: NodeId) -> &str {
        &self.nodes[id].go_string
    }

    fn node(&mut self, t: &Traced) -> Result<NodeId> {
        // A part this value leaves gaps in is taken whole from its Rust
        // type's, when that was learnt or declared.
        if let Some(rust) = t.rust
            && !matches!(t.shape, Shape::Learnt(..))
            && t.has_gap()
            && let Some(learnt) = learnt_subtree(rust)
        {
            return self.node(&learnt);
        }
        let id = match &t.shape {
            Shape::Gap(why) => return self.fill(t.rust, why),
            Shape::Learnt(schema, node) => self.copy(schema, *node),
            Shape::Basic(go, kind) => self.intern(go.to_string(), kind.clone()),
            Shape::Bytes => self.intern("[]uint8".into(), Kind::Bytes),
            Shape::Complex(go) => self.intern(go.to_string(), Kind::Complex),
            Shape::Opaque(go, kind) => self.intern(go.to_string(), Kind::Opaque(*kind)),
            Shape::Interface(go) => {
                self.intern(go.to_string(), Kind::Interface { variants: vec![] })
            }
            Shape::Named(go, inner) => {
                if let Some(&id) = self.by_string.get(*go) {
                    return Ok(id);
                }
                let id = self.intern(go.to_string(), Kind::Pending);
                self.path.push(format!("{go}:"));
                let inner = self.node(inner);
                self.path.pop();
                self.nodes[id].kind = self.nodes[inner?].kind.clone();
                id
            }
            Shape::Struct(go) => {
                if let Some(&id) = self.by_string.get(*go) {
                    return Ok(id);
                }
                let id = self.intern(go.to_string(), Kind::Pending);
                let fields = self
                    .tracer
                    .structs
                    .get(go)
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let mut go_fields = Vec::with_capacity(fields.len());
                for (name, field) in fields {
                    self.path.push(format!("{go}.{name}"));
                    // A field this value leaves gaps in takes its type from
                    // the struct seen whole, or declared, when there is one.
                    let filled = match field.has_gap() {
                        true => self.fill_field(go, name),
                        false => None,
                    };
                    let node = match filled {
                        Some(node) => Ok(node),
                        None => self.node(field),
                    };
                    self.path.pop();
                    go_fields.push(Field { name, node: node? });
                }
                self.nodes[id].kind = Kind::Struct { fields: go_fields };
                id
            }
            Shape::Slice(elem) => {
                self.path.push("[]".into());
                let e = self.node(elem);
                self.path.pop();
                let e = e?;
                if let Kind::Uint { is_byte: true } = self.nodes[e].kind {
                    self.intern("[]uint8".into(), Kind::Bytes)
                } else {
                    let go = format!("[]{}", self.go_string(e));
                    self.intern(go, Kind::Slice(e))
                }
            }
            Shape::Array(elem, len) => {
                self.path.push(format!("[{len}]"));
                let e = self.node(elem);
                self.path.pop();
                let e = e?;
                let go = format!("[{len}]{}", self.go_string(e));
                self.intern(go, Kind::Array(e, *len))
            }
            Shape::Map(key, value) => {
                self.path.push("[key]".into());
                let k = self.node(key);
                self.path.pop();
                self.path.push("[value]".into());
                let v = self.node(value);
                self.path.pop();
                let (k, v) = (k?, v?);
                let go = format!("map[{}]{}", self.go_string(k), self.go_string(v));
                self.intern(go, Kind::Map(k, v))
            }
            Shape::Pointer(inner) => {
                let p = self.node(inner)?;
                let go = format!("*{}", self.go_string(p));
                self.intern(go, Kind::Pointer(p))
            }
        };
        if let Some(rust) = t.rust {
            self.seen.push((rust, id));
        }
        Ok(id)
    }

    /// Fills a gap from what is known of its Rust type.
    fn fill(&mut self, rust: Option<&'static str>, why: &str) -> Result<NodeId> {
        if let Some(rust) = rust {
            let found = match self.tracer.whole.get(rust) {
                Some(t) => Some(t.clone()),
                None => learnt_subtree(rust).or_else(|| by_rust_name(rust, 0)),
            };
            if let Some(t) = found {
                return self.node(&t);
            }
            // A struct this value is showing, such as the one a recursive
            // type points back to (`Option<Box<Self>>`).
            let pointee = strip_pointers(rust);
            if let Some(t) = self.tracer.shown.get(pointee)
                && let Shape::Struct(_) = t.shape
            {
                let t = t.clone();
                return self.node(&t);
            }
        }
        // The innermost struct field names the place well enough.
        let from = self.path.iter().rposition(|p| p.contains('.')).unwrap_or(0);
        let place = match self.path.is_empty() {
            true => "the top".to_string(),
            false => self.path[from..].join(""),
        };
        let of = match rust {
            Some(rust) => format!(" (Rust type {rust})"),
            None => String::new(),
        };
        Err(Error::Schema(format!(
            "encoding a {}: the Go type at {place}{of} cannot be told from this value: it is \
             {why}, and gob defines every type a value reaches before the value. Encode a \
             value that shows it first, or declare the type: serde_gob::declare::<T>() for a \
             T with Deserialize, or serde_gob::declare_example(&sample) with a sample that \
             shows it",
            self.value_type
        )))
    }

    /// The type of field `field` of a Go struct named `go` learnt before.
    fn fill_field(&mut self, go: &str, field: &str) -> Option<NodeId> {
        let found = learnt().structs.get(go).copied();
        let (schema, node) = found?;
        let Kind::Struct { fields } = &schema.node(node).kind else {
            return None;
        };
        let f = fields.iter().find(|f| f.name == field)?;
        Some(self.copy(schema, f.node))
    }

    /// Copies `node` of another schema, and what it reaches, into this one.
    fn copy(&mut self, schema: &Schema, node: NodeId) -> NodeId {
        let src = schema.node(node);
        if let Some(&id) = self.by_string.get(&src.go_string) {
            return id;
        }
        let id = self.intern(src.go_string.clone(), Kind::Pending);
        self.nodes[id].go_name = src.go_name.clone();
        let kind = match &src.kind {
            Kind::Struct { fields } => Kind::Struct {
                fields: fields
                    .iter()
                    .map(|f| Field {
                        name: f.name,
                        node: self.copy(schema, f.node),
                    })
                    .collect(),
            },
            Kind::Slice(e) => Kind::Slice(self.copy(schema, *e)),
            Kind::Array(e, n) => Kind::Array(self.copy(schema, *e), *n),
            Kind::Map(k, v) => Kind::Map(self.copy(schema, *k), self.copy(schema, *v)),
            Kind::Pointer(p) => Kind::Pointer(self.copy(schema, *p)),
            // Concrete types are learnt as they are sent.
            Kind::Interface { .. } => Kind::Interface { variants: vec![] },
            other => other.clone(),
        };
        self.nodes[id].kind = kind;
        id
    }
}
