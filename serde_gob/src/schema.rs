//! Go type descriptions of Rust types.
//!
//! The encoder learns a value's Go type from what its `Serialize` emits (see
//! [`shape`](crate::shape)). This module holds the description both sides
//! share, and the other way to get one, on explicit request: [`schema_of`]
//! and [`trace`] drive a type's own `Deserialize` with a tracing
//! deserializer that answers every request with a small sample value and
//! records what was asked for. That sees what a value may not show (the
//! element type of an empty `Vec`, the inner type of `None`, every enum
//! variant), but fails for a type whose `Deserialize` refuses the samples.
//!
//! The Go side of the mapping is declared with serde attributes only:
//!
//! | Rust | Go |
//! | --- | --- |
//! | `bool`, `String`, `f32`, `f64` | `bool`, `string`, `float32`, `float64` |
//! | `i8` … `i64`, `u8` … `u64` | `int8` … `int64`, `uint8` … `uint64` (use [`Int`](super::Int) and [`Uint`](super::Uint) for Go's `int` and `uint`) |
//! | `Vec<u8>` | `[]byte` |
//! | `Vec<T>`, `[T; N]`, maps | `[]T`, `[N]T`, `map[K]V` |
//! | `Option<T>` | `*T` (nil when `None`) |
//! | struct with `#[serde(rename = "pkg.Name")]` | the struct `Name` of package `pkg` |
//! | newtype struct with `#[serde(rename = "pkg.Name")]` | a named type `type Name T` |
//! | enum with `#[serde(rename = "pkg.Iface")]` | an interface; each newtype variant is renamed to its `gob.Register` name, a unit variant named `nil` is the nil interface |
//! | newtype struct over bytes renamed `GobEncoder:pkg.Name` or `BinaryMarshaler:pkg.Name` | a type that marshals itself |
//! | [`Complex64`](super::Complex64), [`Complex128`](super::Complex128) | `complex64`, `complex128` |
//! | [`Time`](super::Time), [`BigInt`](super::BigInt), [`BigRat`](super::BigRat), [`BigFloat`](super::BigFloat) | `time.Time`, `*big.Int`, `*big.Rat`, `*big.Float` |
//!
//! A newtype renamed `GobEncoder:*pkg.Name` is a pointer type that marshals
//! itself: Go sends it unnamed, and numbers it twice (as `*big.Int`).

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::{Error, Result};
use super::zero::ZeroDeserializer;

/// Index of a node in a [`Schema`].
pub type NodeId = usize;

/// How a Go type is represented, without its name.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// `bool`.
    Bool,
    /// A signed integer; `byte` is irrelevant here, widths only matter for names.
    Int,
    /// An unsigned integer; `is_byte` marks `uint8`, whose slices are `[]byte`.
    Uint {
        /// Whether the type is `uint8`.
        is_byte: bool,
    },
    /// `float32` or `float64`; gob sends both as a float64.
    Float,
    /// `complex64` or `complex128`.
    Complex,
    /// `string`.
    String,
    /// `[]byte`, which gob sends as a byte string rather than as a slice.
    Bytes,
    /// An interface. `variants[i]` is the registered name and concrete type of
    /// enum variant `i`, or `None` for the variant that stands for nil.
    Interface {
        /// One entry per enum variant, in the enum's order.
        variants: Vec<Option<Variant>>,
    },
    /// A struct.
    Struct {
        /// Its fields in declaration order, which gives gob's field numbers.
        fields: Vec<Field>,
    },
    /// `[]T`, with `T` the given node.
    Slice(NodeId),
    /// `[N]T`: the element's node and the length.
    Array(NodeId, usize),
    /// `map[K]V`: the key's node and the value's node.
    Map(NodeId, NodeId),
    /// `*T` (a Rust `Option<T>`): gob sends the value pointed to, never the pointer.
    Pointer(NodeId),
    /// A type that marshals itself; gob carries its bytes.
    Opaque(OpaqueKind),
    /// Placeholder while a named type is being traced.
    Pending,
}

/// How a type that marshals itself does it, which decides the `wireType`
/// field that defines it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpaqueKind {
    /// Go's `gob.GobEncoder` (serde name prefix [`GOB_ENCODER_PREFIX`]).
    GobEncoder,
    /// Go's `encoding.BinaryMarshaler` (serde name prefix
    /// [`BINARY_MARSHALER_PREFIX`]).
    BinaryMarshaler,
}

/// A field of a Go struct.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The Go field name: the serde name of the Rust field.
    pub name: &'static str,
    /// The field's type.
    pub node: NodeId,
}

/// The concrete type an interface holds for one enum variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Variant {
    /// The name the type is registered under with `gob.Register`: the serde
    /// name of the variant.
    pub name: &'static str,
    /// The concrete type.
    pub node: NodeId,
}

/// One Go type.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// Go's full type string (`reflect.Type.String()`), e.g. `[]logutil.FuncStatusID`.
    pub go_string: String,
    /// Go's `reflect.Type.Name()`: the bare name of a named type, empty for a
    /// type literal.
    pub go_name: String,
    /// How the type is represented.
    pub kind: Kind,
}

/// The Go type of a Rust type and of every type reachable from it.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// Every type reachable from the root, each once, indexed by [`NodeId`].
    pub nodes: Vec<Node>,
    /// The Go type of the Rust type itself.
    pub root: NodeId,
    /// Unique per traced schema, so that a registry can remember the ids it
    /// resolved for this schema's nodes.
    pub(crate) uid: u64,
    /// `base(n)` for every node, computed once.
    bases: Vec<NodeId>,
}

impl Schema {
    /// The node `id`; panics if there is none.
    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id]
    }

    /// Follows pointers down to the type gob actually sends.
    #[inline]
    pub fn base(&self, id: NodeId) -> NodeId {
        self.bases[id]
    }
}

/// Prefix of a newtype's serde name that marks a type marshalling itself
/// with Go's `gob.GobEncoder`.
pub const GOB_ENCODER_PREFIX: &str = "GobEncoder:";
/// Prefix of a newtype's serde name that marks a type marshalling itself
/// with Go's `encoding.BinaryMarshaler`.
pub const BINARY_MARSHALER_PREFIX: &str = "BinaryMarshaler:";

/// The serde name of a newtype that a self-marshalling type's `Serialize`
/// wraps its bytes in when its value is Go's zero value:
/// `serialize_newtype_struct("GobEncoder:time.Time", &Marked)` where
/// `Marked` serializes as `serialize_newtype_struct(ZERO_VALUE, bytes)`.
/// The bytes are written as usual at the top level, in slices and through
/// a pointer; a struct field holding it is left out, as Go leaves out a zero
/// `time.Time` field. Only Go's zero value may be marked.
pub const ZERO_VALUE: &str = "serde_gob::zero";

/// The serde name of Go's `complex64` (see [`Complex64`](super::Complex64)).
pub const COMPLEX64: &str = "complex64";
/// The serde name of Go's `complex128` (see [`Complex128`](super::Complex128)).
pub const COMPLEX128: &str = "complex128";

/// Go's `Name()` for a type string: the part after the package for a named
/// type, nothing for a type literal.
pub fn bare_name(go_string: &str) -> &str {
    let literal = ["[", "*", "map[", "struct", "interface", "func", "chan"];
    if literal.iter().any(|p| go_string.starts_with(p)) {
        return "";
    }
    match go_string.rfind('.') {
        Some(dot) => &go_string[dot + 1..],
        None => go_string,
    }
}

/// The schema of `T`, traced once per process and kept for its life (one
/// per Rust type, so what is kept is bounded by the program).
pub fn schema_of<T: DeserializeOwned + 'static>() -> Result<&'static Schema> {
    static CACHE: OnceLock<Mutex<HashMap<TypeId, &'static Schema>>> = OnceLock::new();
    thread_local! {
        // A thread's recent look-ups, free of the lock: few types are hot.
        static RECENT: RefCell<Vec<(TypeId, &'static Schema)>> = const { RefCell::new(Vec::new()) };
    }
    let key = TypeId::of::<T>();
    let recent = RECENT.with(|r| r.borrow().iter().find(|(k, _)| *k == key).map(|(_, s)| *s));
    if let Some(s) = recent {
        return Ok(s);
    }
    let cache = CACHE.get_or_init(Default::default);
    let found = cache
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(&key)
        .copied();
    let schema = match found {
        Some(s) => s,
        None => {
            let traced: &'static Schema = Box::leak(Box::new(trace::<T>()?));
            *cache
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .entry(key)
                .or_insert(traced)
        }
    };
    RECENT.with(|r| {
        let mut r = r.borrow_mut();
        if r.len() >= 16 {
            r.remove(0);
        }
        r.push((key, schema));
    });
    Ok(schema)
}

/// Traces `T` without caching.
pub fn trace<T: DeserializeOwned>() -> Result<Schema> {
    let mut tracer = Tracer::default();
    // Each pass picks, for every enum, the next variant not yet traced, until
    // every variant of every enum reached has been seen.
    let root = loop {
        tracer.done_this_pass.clear();
        let mut slot = None;
        T::deserialize(TraceDe {
            t: &mut tracer,
            slot: &mut slot,
        })?;
        let root = slot.ok_or_else(|| Error::Schema("the type described nothing".into()))?;
        if !tracer.choose_untraced_variants() {
            break root;
        }
        if tracer.passes > 10_000 {
            return Err(Error::Schema("too many enum variants to trace".into()));
        }
        tracer.passes += 1;
    };
    for node in &tracer.nodes {
        if node.kind == Kind::Pending {
            return Err(Error::Schema(format!(
                "{} could not be traced",
                node.go_string
            )));
        }
    }
    Ok(new_schema(tracer.nodes, root))
}

/// A schema of `nodes` rooted at `root`, with a fresh uid. No node may be
/// pending.
pub(crate) fn new_schema(nodes: Vec<Node>, root: NodeId) -> Schema {
    static NEXT_UID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let bases = (0..nodes.len())
        .map(|mut id| {
            // Pointers cannot loop: each one's target was traced before it.
            let mut hops = 0;
            while let Kind::Pointer(inner) = nodes[id].kind {
                id = inner;
                hops += 1;
                if hops > nodes.len() {
                    break;
                }
            }
            id
        })
        .collect();
    Schema {
        nodes,
        root,
        uid: NEXT_UID.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        bases,
    }
}

#[derive(Default)]
struct Tracer {
    nodes: Vec<Node>,
    by_string: HashMap<String, NodeId>,
    /// Named types being traced now (recursion stops at them).
    in_progress: Vec<NodeId>,
    /// Named types already traced in this pass.
    done_this_pass: Vec<NodeId>,
    /// Which variant to trace next, per interface node.
    chosen_variant: HashMap<NodeId, usize>,
    /// Variants traced so far, per interface node.
    traced_variants: HashMap<NodeId, Vec<bool>>,
    passes: usize,
}

impl Tracer {
    fn intern(&mut self, go_string: String, kind: Kind) -> NodeId {
        if let Some(&id) = self.by_string.get(&go_string) {
            if self.nodes[id].kind == Kind::Pending || kind != Kind::Pending {
                self.nodes[id].kind = kind;
            }
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Node {
            go_name: bare_name(&go_string).to_string(),
            go_string: go_string.clone(),
            kind,
        });
        self.by_string.insert(go_string, id);
        id
    }

    fn basic(&mut self, go_string: &str, kind: Kind) -> NodeId {
        let id = self.intern(go_string.to_string(), kind);
        // Predeclared types have Name() equal to their string.
        self.nodes[id].go_name = go_string.to_string();
        id
    }

    /// True when the named type is being traced or was traced in this pass:
    /// the caller then answers with a zero value instead of walking it again.
    fn skip(&self, id: NodeId) -> bool {
        self.in_progress.contains(&id) || self.done_this_pass.contains(&id)
    }

    fn choose_untraced_variants(&mut self) -> bool {
        let mut more = false;
        for (node, traced) in &self.traced_variants {
            if let Some(next) = traced.iter().position(|t| !t) {
                self.chosen_variant.insert(*node, next);
                more = true;
            }
        }
        more
    }

    fn node_string(&self, id: NodeId) -> &str {
        &self.nodes[id].go_string
    }
}

struct TraceDe<'t> {
    t: &'t mut Tracer,
    slot: &'t mut Option<NodeId>,
}

macro_rules! trace_basic {
    ($($method:ident => $go:literal, $kind:expr, $visit:ident($zero:expr);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                *self.slot = Some(self.t.basic($go, $kind));
                visitor.$visit($zero)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for TraceDe<'_> {
    type Error = Error;

    trace_basic! {
        deserialize_bool => "bool", Kind::Bool, visit_bool(false);
        deserialize_i8 => "int8", Kind::Int, visit_i8(0);
        deserialize_i16 => "int16", Kind::Int, visit_i16(0);
        deserialize_i32 => "int32", Kind::Int, visit_i32(0);
        deserialize_i64 => "int64", Kind::Int, visit_i64(0);
        deserialize_u8 => "uint8", Kind::Uint { is_byte: true }, visit_u8(0);
        deserialize_u16 => "uint16", Kind::Uint { is_byte: false }, visit_u16(0);
        deserialize_u32 => "uint32", Kind::Uint { is_byte: false }, visit_u32(0);
        deserialize_u64 => "uint64", Kind::Uint { is_byte: false }, visit_u64(0);
        deserialize_f32 => "float32", Kind::Float, visit_f32(0.0);
        deserialize_f64 => "float64", Kind::Float, visit_f64(0.0);
        deserialize_char => "int32", Kind::Int, visit_char('\0');
        deserialize_str => "string", Kind::String, visit_str("");
        deserialize_string => "string", Kind::String, visit_string(String::new());
        deserialize_bytes => "[]uint8", Kind::Bytes, visit_bytes(&[]);
        deserialize_byte_buf => "[]uint8", Kind::Bytes, visit_byte_buf(Vec::new());
    }

    fn deserialize_i128<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error::Schema("128-bit integers have no gob form".into()))
    }

    fn deserialize_u128<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error::Schema("128-bit integers have no gob form".into()))
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error::Schema(
            "a type that deserializes with deserialize_any has no fixed Go type".into(),
        ))
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut inner = None;
        let value = visitor.visit_some(TraceDe {
            t: self.t,
            slot: &mut inner,
        })?;
        let inner = inner.ok_or_else(|| Error::Schema("empty Option".into()))?;
        let go_string = format!("*{}", self.t.node_string(inner));
        *self.slot = Some(self.t.intern(go_string, Kind::Pointer(inner)));
        Ok(value)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error::Schema("() has no gob form".into()))
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        *self.slot = Some(
            self.t
                .intern(name.to_string(), Kind::Struct { fields: vec![] }),
        );
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        let (opaque, go_string) = if let Some(rest) = name.strip_prefix(GOB_ENCODER_PREFIX) {
            (Some(OpaqueKind::GobEncoder), rest)
        } else if let Some(rest) = name.strip_prefix(BINARY_MARSHALER_PREFIX) {
            (Some(OpaqueKind::BinaryMarshaler), rest)
        } else {
            (None, name)
        };
        let existing = self.t.by_string.get(go_string).copied();
        if let Some(id) = existing.filter(|&id| self.t.skip(id)) {
            *self.slot = Some(id);
            return visitor.visit_newtype_struct(ZeroDeserializer::lenient());
        }
        let id = self.t.intern(go_string.to_string(), Kind::Pending);
        self.t.in_progress.push(id);
        let mut inner = None;
        let value = visitor.visit_newtype_struct(TraceDe {
            t: self.t,
            slot: &mut inner,
        });
        self.t.in_progress.retain(|&p| p != id);
        let value = value?;
        let inner = inner.ok_or_else(|| Error::Schema(format!("{name} described nothing")))?;
        let kind = match opaque {
            Some(kind) => Kind::Opaque(kind),
            None => self.t.nodes[inner].kind.clone(),
        };
        if matches!(kind, Kind::Opaque(_)) && self.t.nodes[inner].kind != Kind::Bytes {
            return Err(Error::Schema(format!(
                "{name} marshals itself, so it must hold bytes"
            )));
        }
        self.t.nodes[id].kind = kind;
        if is_predeclared(go_string) {
            self.t.nodes[id].go_name = go_string.to_string();
        }
        self.t.done_this_pass.push(id);
        *self.slot = Some(id);
        Ok(value)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut elem = None;
        let value = visitor.visit_seq(TraceSeq {
            t: self.t,
            slot: &mut elem,
            left: 1,
        })?;
        let elem = elem
            .ok_or_else(|| Error::Schema("a sequence type did not describe its element".into()))?;
        let node = &self.t.nodes[elem];
        *self.slot = Some(if node.kind == (Kind::Uint { is_byte: true }) {
            self.t.basic("[]uint8", Kind::Bytes)
        } else {
            let go_string = format!("[]{}", node.go_string);
            self.t.intern(go_string, Kind::Slice(elem))
        });
        Ok(value)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        let mut elem = None;
        let value = visitor.visit_seq(TraceSeq {
            t: self.t,
            slot: &mut elem,
            left: len,
        })?;
        let elem = elem.ok_or_else(|| {
            Error::Schema("a zero-length array does not describe its element".into())
        })?;
        let go_string = format!("[{len}]{}", self.t.node_string(elem));
        *self.slot = Some(self.t.intern(go_string, Kind::Array(elem, len)));
        Ok(value)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value> {
        Err(Error::Schema(format!(
            "tuple struct {name} has no Go form; use a struct or a newtype over an array"
        )))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut key = None;
        let mut elem = None;
        let value = visitor.visit_map(TraceMap {
            t: self.t,
            key: &mut key,
            elem: &mut elem,
            fields: &[],
            next: 0,
            single: true,
        })?;
        let (Some(key), Some(elem)) = (key, elem) else {
            return Err(Error::Schema(
                "a map type did not describe its key and value".into(),
            ));
        };
        let go_string = format!(
            "map[{}]{}",
            self.t.node_string(key),
            self.t.node_string(elem)
        );
        *self.slot = Some(self.t.intern(go_string, Kind::Map(key, elem)));
        Ok(value)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        if name == COMPLEX64 || name == COMPLEX128 {
            *self.slot = Some(self.t.basic(name, Kind::Complex));
            return ZeroDeserializer::lenient().deserialize_struct(name, fields, visitor);
        }
        let existing = self.t.by_string.get(name).copied();
        if let Some(id) = existing.filter(|&id| self.t.skip(id)) {
            *self.slot = Some(id);
            return ZeroDeserializer::lenient().deserialize_struct(name, fields, visitor);
        }
        let id = self.t.intern(name.to_string(), Kind::Pending);
        self.t.in_progress.push(id);
        let mut elems = vec![None; fields.len()];
        let value = visitor.visit_map(TraceStruct {
            t: self.t,
            fields,
            elems: &mut elems,
            next: 0,
        });
        self.t.in_progress.retain(|&p| p != id);
        let value = value?;
        let mut go_fields = Vec::with_capacity(fields.len());
        for (name, node) in fields.iter().zip(elems) {
            let node =
                node.ok_or_else(|| Error::Schema(format!("field {name} described nothing")))?;
            go_fields.push(Field { name, node });
        }
        self.t.nodes[id].kind = Kind::Struct { fields: go_fields };
        self.t.done_this_pass.push(id);
        *self.slot = Some(id);
        Ok(value)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        // Keep what earlier passes learnt about the variants.
        let id = self.t.intern(name.to_string(), Kind::Pending);
        if self.t.nodes[id].kind == Kind::Pending {
            self.t.nodes[id].kind = Kind::Interface {
                variants: vec![None; variants.len()],
            };
        }
        self.t
            .traced_variants
            .entry(id)
            .or_insert_with(|| vec![false; variants.len()]);
        let index = self.t.chosen_variant.get(&id).copied().unwrap_or(0);
        *self.slot = Some(id);
        visitor.visit_enum(TraceEnum {
            t: self.t,
            node: id,
            index,
            name: variants.get(index).copied().unwrap_or(""),
        })
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        // serde reads a struct with a flattened field as a map of field
        // names, which gob has no type for.
        Err(Error::Schema(
            "#[serde(flatten)] is not supported: a Go struct has fixed fields, so write the \
             flattened fields out in the struct (a map keyed by field names has no Go type \
             either)"
                .into(),
        ))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(Error::Schema("unexpected ignored value".into()))
    }
}

pub(crate) fn is_predeclared(s: &str) -> bool {
    matches!(
        s,
        "int"
            | "uint"
            | "uintptr"
            | "int8"
            | "int16"
            | "int32"
            | "int64"
            | "uint8"
            | "uint16"
            | "uint32"
            | "uint64"
            | "float32"
            | "float64"
            | "string"
            | "bool"
    )
}

struct TraceSeq<'t> {
    t: &'t mut Tracer,
    slot: &'t mut Option<NodeId>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for TraceSeq<'_> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let mut slot = None;
        let value = seed.deserialize(TraceDe {
            t: self.t,
            slot: &mut slot,
        })?;
        if let (Some(first), Some(this)) = (*self.slot, slot)
            && first != this
        {
            return Err(Error::Schema(format!(
                "array elements of different types ({} and {})",
                self.t.node_string(first),
                self.t.node_string(this)
            )));
        }
        *self.slot = slot;
        Ok(Some(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct TraceMap<'t> {
    t: &'t mut Tracer,
    key: &'t mut Option<NodeId>,
    elem: &'t mut Option<NodeId>,
    fields: &'static [&'static str],
    next: usize,
    single: bool,
}

impl<'de> de::MapAccess<'de> for TraceMap<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if self.single && self.next > 0 || !self.single && self.next >= self.fields.len() {
            return Ok(None);
        }
        self.next += 1;
        let mut slot = None;
        let key = seed.deserialize(TraceDe {
            t: self.t,
            slot: &mut slot,
        })?;
        *self.key = slot;
        Ok(Some(key))
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        let mut slot = None;
        let value = seed.deserialize(TraceDe {
            t: self.t,
            slot: &mut slot,
        })?;
        *self.elem = slot;
        Ok(value)
    }
}

struct TraceStruct<'t> {
    t: &'t mut Tracer,
    fields: &'static [&'static str],
    elems: &'t mut Vec<Option<NodeId>>,
    next: usize,
}

impl<'de> de::MapAccess<'de> for TraceStruct<'_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some(name) = self.fields.get(self.next) else {
            return Ok(None);
        };
        seed.deserialize(name.into_deserializer()).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        let index = self.next;
        self.next += 1;
        seed.deserialize(TraceDe {
            t: self.t,
            slot: &mut self.elems[index],
        })
    }
}

struct TraceEnum<'t> {
    t: &'t mut Tracer,
    node: NodeId,
    index: usize,
    name: &'static str,
}

impl<'de, 't> de::EnumAccess<'de> for TraceEnum<'t> {
    type Error = Error;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self)> {
        let v = seed.deserialize(de::value::U32Deserializer::<Error>::new(self.index as u32))?;
        Ok((v, self))
    }
}

impl TraceEnum<'_> {
    fn record(&mut self, variant: Option<Variant>) {
        if let Kind::Interface { variants } = &mut self.t.nodes[self.node].kind
            && let Some(slot) = variants.get_mut(self.index)
        {
            *slot = variant;
        }
        if let Some(traced) = self.t.traced_variants.get_mut(&self.node)
            && let Some(t) = traced.get_mut(self.index)
        {
            *t = true;
        }
    }
}

impl<'de> de::VariantAccess<'de> for TraceEnum<'_> {
    type Error = Error;

    fn unit_variant(mut self) -> Result<()> {
        self.record(None);
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(mut self, seed: S) -> Result<S::Value> {
        let mut slot = None;
        let value = seed.deserialize(TraceDe {
            t: self.t,
            slot: &mut slot,
        })?;
        let node = slot.ok_or_else(|| Error::Schema(format!("variant {} is empty", self.name)))?;
        self.record(Some(Variant {
            name: self.name,
            node,
        }));
        Ok(value)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value> {
        Err(Error::Schema(format!(
            "variant {} of an interface enum must hold exactly one value",
            self.name
        )))
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], _: V) -> Result<V::Value> {
        Err(Error::Schema(format!(
            "variant {} of an interface enum must hold exactly one value",
            self.name
        )))
    }
}
