//! Gob's type system on the wire: type ids, `wireType` definitions, and the
//! registry that hands out ids the way Go's process-wide table does.

use std::collections::HashMap;

use super::error::{Error, Result};
use super::schema::{Kind, NodeId, OpaqueKind, Schema};
use super::wire::{Cursor, put_int, put_uint};

/// A gob type id. Ids below 64 are gob's own; user types start at 64 in
/// current Go releases (65 in old ones: see [`Registry::with_first_id`]).
pub type GobId = i64;

/// Go's predefined type id of `bool`.
pub const BOOL: GobId = 1;
/// Go's predefined type id of `int`, which carries every signed integer type.
pub const INT: GobId = 2;
/// Go's predefined type id of `uint`, which carries every unsigned integer type.
pub const UINT: GobId = 3;
/// Go's predefined type id of `float`, which carries `float32` and `float64`.
pub const FLOAT: GobId = 4;
/// Go's predefined type id of `[]byte`.
pub const BYTES: GobId = 5;
/// Go's predefined type id of `string`.
pub const STRING: GobId = 6;
/// Go's predefined type id of `complex`, which carries `complex64` and `complex128`.
pub const COMPLEX: GobId = 7;
/// Go's predefined type id of `interface`, which carries every interface type.
pub const INTERFACE: GobId = 8;
/// Go's predefined type id of `wireType`, the value that defines a type.
pub const WIRE_TYPE: GobId = 16;
/// Go's predefined type id of `arrayType`, the definition of an array type.
pub const ARRAY_TYPE: GobId = 17;
/// Go's predefined type id of `CommonType`, the name and id every definition starts with.
pub const COMMON_TYPE: GobId = 18;
/// Go's predefined type id of `sliceType`, the definition of a slice type.
pub const SLICE_TYPE: GobId = 19;
/// Go's predefined type id of `structType`, the definition of a struct type.
pub const STRUCT_TYPE: GobId = 20;
/// Go's predefined type id of `fieldType`, one field of a struct definition.
pub const FIELD_TYPE: GobId = 21;
/// Go's predefined type id of `[]fieldType`, the fields of a struct definition.
pub const FIELD_TYPE_SLICE: GobId = 22;
/// Go's predefined type id of `mapType`, the definition of a map type.
pub const MAP_TYPE: GobId = 23;

/// The lowest id Go hands to a user type today (since Go 1.21 or so).
pub const FIRST_USER_ID: GobId = 64;

/// The name gob's own documentation and tools give a built-in type.
pub fn builtin_name(id: GobId) -> Option<&'static str> {
    Some(match id {
        BOOL => "bool",
        INT => "int",
        UINT => "uint",
        FLOAT => "float",
        BYTES => "[]byte",
        STRING => "string",
        COMPLEX => "complex",
        INTERFACE => "interface",
        WIRE_TYPE => "wireType",
        ARRAY_TYPE => "arrayType",
        COMMON_TYPE => "CommonType",
        SLICE_TYPE => "sliceType",
        STRUCT_TYPE => "structType",
        FIELD_TYPE => "fieldType",
        FIELD_TYPE_SLICE => "[]fieldType",
        MAP_TYPE => "mapType",
        _ => return None,
    })
}

/// One type definition as it travels: Go's `wireType`.
#[derive(Debug, Clone, PartialEq)]
pub struct WireType {
    /// `CommonType.Name`: the name the sender gives the type; may be empty.
    pub name: String,
    /// `CommonType.Id`: the type id this definition defines.
    pub id: GobId,
    /// Which field of the `wireType` is set, with what it holds.
    pub shape: Shape,
}

/// What a type definition defines: the one field of Go's `wireType` that is
/// set.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// `ArrayT`: an array type.
    Array {
        /// `Elem`: the element type id.
        elem: GobId,
        /// `Len`: the number of elements.
        len: i64,
    },
    /// `SliceT`: a slice type.
    Slice {
        /// `Elem`: the element type id.
        elem: GobId,
    },
    /// `StructT`: a struct type.
    Struct {
        /// `Field`: the fields, in order of field number.
        fields: Vec<WireField>,
    },
    /// `MapT`: a map type.
    Map {
        /// `Key`: the key type id.
        key: GobId,
        /// `Elem`: the value type id.
        elem: GobId,
    },
    /// `GobEncoderT`: a type that marshals itself with Go's `GobEncode`; its
    /// values travel as byte strings.
    GobEncoder,
    /// `BinaryMarshalerT`: a type that marshals itself with Go's
    /// `MarshalBinary`; its values travel as byte strings.
    BinaryMarshaler,
    /// `TextMarshalerT`: a type that marshals itself with Go's
    /// `MarshalText` (current Go's encoder never sends one); its values
    /// travel as byte strings.
    TextMarshaler,
}

/// One field of a struct definition: Go's `fieldType`.
#[derive(Debug, Clone, PartialEq)]
pub struct WireField {
    /// `Name`: the field's name.
    pub name: String,
    /// `Id`: the type id of the field's type.
    pub id: GobId,
}

impl WireType {
    /// Appends the gob encoding of this definition (a `wireType` struct value).
    pub fn encode(&self, out: &mut Vec<u8>) {
        // wireType's fields, numbered from 0: ArrayT, SliceT, StructT, MapT,
        // GobEncoderT, BinaryMarshalerT, TextMarshalerT.
        let field = match self.shape {
            Shape::Array { .. } => 0,
            Shape::Slice { .. } => 1,
            Shape::Struct { .. } => 2,
            Shape::Map { .. } => 3,
            Shape::GobEncoder => 4,
            Shape::BinaryMarshaler => 5,
            Shape::TextMarshaler => 6,
        };
        put_uint(out, field + 1);
        // Every *Type starts with the embedded CommonType as field 0.
        put_uint(out, 1);
        if !self.name.is_empty() {
            put_uint(out, 1);
            put_uint(out, self.name.len() as u64);
            out.extend_from_slice(self.name.as_bytes());
            put_uint(out, 1);
        } else {
            put_uint(out, 2);
        }
        put_int(out, self.id);
        out.push(0);
        let mut last = 0;
        let mut int_field = |out: &mut Vec<u8>, n: u64, v: i64| {
            if v != 0 {
                put_uint(out, n - last);
                put_int(out, v);
                last = n;
            }
        };
        match &self.shape {
            Shape::Array { elem, len } => {
                int_field(out, 1, *elem);
                int_field(out, 2, *len);
            }
            Shape::Slice { elem } => int_field(out, 1, *elem),
            Shape::Map { key, elem } => {
                int_field(out, 1, *key);
                int_field(out, 2, *elem);
            }
            Shape::Struct { fields } => {
                if !fields.is_empty() {
                    put_uint(out, 1);
                    put_uint(out, fields.len() as u64);
                    for f in fields {
                        if !f.name.is_empty() {
                            put_uint(out, 1);
                            put_uint(out, f.name.len() as u64);
                            out.extend_from_slice(f.name.as_bytes());
                            put_uint(out, 1);
                        } else {
                            put_uint(out, 2);
                        }
                        put_int(out, f.id);
                        out.push(0);
                    }
                }
            }
            Shape::GobEncoder | Shape::BinaryMarshaler | Shape::TextMarshaler => {}
        }
        out.push(0);
        out.push(0);
    }

    /// Reads a `wireType` value.
    pub fn decode(c: &mut Cursor<'_>) -> Result<WireType> {
        let start = c.offset();
        let mut result = None;
        read_struct(c, |c, field| {
            if result.is_some() {
                return Err(Error::malformed(
                    c.offset(),
                    "type definition sets more than one kind",
                ));
            }
            let mut common = (String::new(), 0);
            let mut ints = [0i64; 2];
            let mut fields = Vec::new();
            read_struct(c, |c, sub| match (field, sub) {
                (_, 0) => read_struct(c, |c, f| match f {
                    0 => {
                        common.0 = read_string(c)?;
                        Ok(())
                    }
                    1 => {
                        common.1 = get_type_id(c)?;
                        Ok(())
                    }
                    _ => Err(Error::malformed(c.offset(), "unknown CommonType field")),
                }),
                (0, 2) => {
                    ints[1] = c.get_int()?;
                    Ok(())
                }
                (0 | 3, 1 | 2) | (1, 1) => {
                    ints[sub - 1] = get_type_id(c)?;
                    Ok(())
                }
                (2, 1) => {
                    let n = c.get_count(1, "struct field")?;
                    for _ in 0..n {
                        // As for any slice, Go's decoder refuses an element
                        // that would start at the end of the message.
                        if c.is_empty() {
                            return Err(Error::malformed(
                                c.offset(),
                                format!("{n} struct fields run past the end of the message"),
                            ));
                        }
                        let mut f = WireField {
                            name: String::new(),
                            id: 0,
                        };
                        read_struct(c, |c, ff| match ff {
                            0 => {
                                f.name = read_string(c)?;
                                Ok(())
                            }
                            1 => {
                                f.id = get_type_id(c)?;
                                Ok(())
                            }
                            _ => Err(Error::malformed(c.offset(), "unknown fieldType field")),
                        })?;
                        fields.push(f);
                    }
                    Ok(())
                }
                _ => Err(Error::malformed(
                    c.offset(),
                    format!("unknown field {sub} in a type definition"),
                )),
            })?;
            let shape = match field {
                0 => Shape::Array {
                    elem: ints[0],
                    len: ints[1],
                },
                1 => Shape::Slice { elem: ints[0] },
                2 => Shape::Struct {
                    fields: std::mem::take(&mut fields),
                },
                3 => Shape::Map {
                    key: ints[0],
                    elem: ints[1],
                },
                4 => Shape::GobEncoder,
                5 => Shape::BinaryMarshaler,
                6 => Shape::TextMarshaler,
                _ => {
                    return Err(Error::malformed(
                        c.offset(),
                        format!("unknown wireType field {field}"),
                    ));
                }
            };
            result = Some(WireType {
                name: common.0,
                id: common.1,
                shape,
            });
            Ok(())
        })?;
        result.ok_or_else(|| Error::malformed(start, "empty type definition"))
    }

    /// What kind of type this is, for messages.
    pub fn kind_name(&self) -> &'static str {
        match self.shape {
            Shape::Array { .. } => "array",
            Shape::Slice { .. } => "slice",
            Shape::Struct { .. } => "struct",
            Shape::Map { .. } => "map",
            Shape::GobEncoder => "GobEncoder",
            Shape::BinaryMarshaler => "BinaryMarshaler",
            Shape::TextMarshaler => "TextMarshaler",
        }
    }
}

/// A type id in a type definition: Go's `typeId` is an int32.
fn get_type_id(c: &mut Cursor<'_>) -> Result<GobId> {
    let at = c.offset();
    let id = c.get_int()?;
    if i32::try_from(id).is_err() {
        return Err(Error::Overflow {
            offset: at,
            value: id.to_string(),
            target: "typeId (int32)",
        });
    }
    Ok(id)
}

/// A name in a type definition. Go's decoder takes any bytes; names are only
/// compared, and one that is not UTF-8 matches no Rust name either way.
fn read_string(c: &mut Cursor<'_>) -> Result<String> {
    let b = c.get_bytes("reading a string")?;
    Ok(String::from_utf8_lossy(b).into_owned())
}

/// Reads a struct value field by field, calling `f` with each field number.
fn read_struct(
    c: &mut Cursor<'_>,
    mut f: impl FnMut(&mut Cursor<'_>, usize) -> Result<()>,
) -> Result<()> {
    let mut field: i64 = -1;
    loop {
        // Like any struct value in Go's decoder, it also ends with its
        // message.
        if c.is_empty() {
            return Ok(());
        }
        let at = c.offset();
        let delta = c.get_uint()?;
        if delta == 0 {
            return Ok(());
        }
        if delta > 16 {
            return Err(Error::malformed(
                at,
                format!("field delta {delta} too large"),
            ));
        }
        field += delta as i64;
        f(c, field as usize)?;
    }
}

/// Where a type's id comes from: gob's built-in table or a registry entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeRef {
    Builtin(GobId),
    Def(usize),
}

#[derive(Debug, Clone)]
struct Def {
    /// 0 until Go's algorithm assigns it.
    id: GobId,
    /// `CommonType.Id` when it differs from `id` (else 0): Go gives a
    /// pointer type that marshals itself (`*big.Int`) a second id, when it
    /// first builds its type info, and writes that one in the definition.
    common_id: GobId,
    name: String,
    shape: DefShape,
}

#[derive(Debug, Clone)]
enum DefShape {
    Array(TypeRef, usize),
    Slice(TypeRef),
    Struct(Vec<(&'static str, TypeRef)>),
    Map(TypeRef, TypeRef),
    Opaque(OpaqueKind),
}

/// Go's process-wide gob type table.
///
/// Go gives a type its id when it first builds the type's description: a
/// struct before its fields, a slice, array or map after its elements, and
/// each composite named by the path that first reached it. The registry
/// replays that algorithm on Rust [`Schema`]s so that ids and names match
/// what a Go process with the same history would send. Keep one registry for
/// as long as the Go process you stand in for would live.
#[derive(Debug, Clone)]
pub struct Registry {
    next_id: GobId,
    defs: Vec<Def>,
    /// Keyed by Go type string, as Go keys by `reflect.Type`.
    by_type: HashMap<String, TypeRef>,
    /// Index into `defs` by id, less the first user id.
    by_id: Vec<usize>,
    first_id: GobId,
    /// Encoded `(-id, wireType)` bodies, built once per type, by id less the
    /// first user id.
    encoded: Vec<Option<Box<[u8]>>>,
    /// The id resolved for each node of each schema seen (0: not yet), so
    /// that the steady state looks nothing up by name. Few schemas: a list.
    resolved: Vec<(u64, Vec<GobId>)>,
    /// What a fresh stream sends before the first value of a schema's root.
    preambles: Vec<(u64, Preamble)>,
    /// How the last fresh stream began: a sender that makes a fresh stream
    /// per value of one type starts each from here, without look-ups.
    fresh_start: Option<FreshStart>,
}

/// The start of a fresh stream whose first value is of the Rust type
/// `rust`: its schema, its root's type id, and the preamble that defines it
/// (an index into [`Registry::preambles`], which only grows).
#[derive(Debug, Clone, Copy)]
pub(crate) struct FreshStart {
    pub rust: &'static str,
    pub schema: &'static Schema,
    pub id: GobId,
    preamble: usize,
}

/// The type-definition messages a fresh stream sends before its first value
/// of some type, and the ids they define: copied whole instead of being
/// rebuilt for every stream.
#[derive(Debug, Clone)]
pub(crate) struct Preamble {
    pub bytes: Box<[u8]>,
    pub ids: Box<[GobId]>,
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Registry {
    /// A registry like a fresh process of current Go: user ids from 64.
    pub fn new() -> Self {
        Registry::with_first_id(FIRST_USER_ID)
    }

    /// A registry whose first user type gets `first`. Go releases up to 1.20
    /// started at 65, and so did the Go goapptrace peers of 2017 and 2018.
    pub fn with_first_id(first: GobId) -> Self {
        Registry {
            next_id: first,
            defs: Vec::new(),
            by_type: HashMap::new(),
            by_id: Vec::new(),
            first_id: first,
            encoded: Vec::new(),
            resolved: Vec::new(),
            preambles: Vec::new(),
            fresh_start: None,
        }
    }

    fn set_id(&mut self, r: TypeRef) {
        if let TypeRef::Def(i) = r
            && self.defs[i].id == 0
        {
            self.defs[i].id = self.next_id;
            self.next_id += 1;
            self.by_id.push(i);
        }
    }

    fn def_index(&self, id: GobId) -> Option<usize> {
        let slot = usize::try_from(id.checked_sub(self.first_id)?).ok()?;
        self.by_id.get(slot).copied()
    }

    fn id_of(&self, r: TypeRef) -> GobId {
        match r {
            TypeRef::Builtin(id) => id,
            TypeRef::Def(i) => self.defs[i].id,
        }
    }

    fn add(&mut self, key: &str, name: &str, shape: DefShape) -> TypeRef {
        let r = TypeRef::Def(self.defs.len());
        self.defs.push(Def {
            id: 0,
            common_id: 0,
            name: name.to_string(),
            shape,
        });
        self.by_type.insert(key.to_string(), r);
        r
    }

    /// Go's `getType`/`newTypeObject`: the type of `node`, built on first use
    /// and named `name`.
    fn get_type(&mut self, schema: &Schema, name: &str, node: NodeId) -> Result<TypeRef> {
        let base = schema.node(schema.base(node));
        if let Some(&r) = self.by_type.get(&base.go_string) {
            return Ok(r);
        }
        let r = match &base.kind {
            Kind::Bool => TypeRef::Builtin(BOOL),
            Kind::Int => TypeRef::Builtin(INT),
            Kind::Uint { .. } => TypeRef::Builtin(UINT),
            Kind::Float => TypeRef::Builtin(FLOAT),
            Kind::Complex => TypeRef::Builtin(COMPLEX),
            Kind::String => TypeRef::Builtin(STRING),
            Kind::Bytes => TypeRef::Builtin(BYTES),
            Kind::Interface { .. } => TypeRef::Builtin(INTERFACE),
            Kind::Opaque(kind) => {
                // What Go sends for a pointer type (`*big.Int`) is the type
                // object of the pointer, which has no name.
                let name = if base.go_string.starts_with('*') {
                    ""
                } else {
                    name
                };
                let r = self.add(&base.go_string, name, DefShape::Opaque(*kind));
                self.set_id(r);
                r
            }
            Kind::Array(elem, len) => {
                let r = self.add(
                    &base.go_string,
                    name,
                    DefShape::Array(TypeRef::Builtin(0), 0),
                );
                let e = self.get_type(schema, "", *elem)?;
                self.set_id(r);
                self.set_shape(r, DefShape::Array(e, *len));
                r
            }
            Kind::Map(key, elem) => {
                let r = self.add(
                    &base.go_string,
                    name,
                    DefShape::Map(TypeRef::Builtin(0), TypeRef::Builtin(0)),
                );
                let k = self.get_type(schema, "", *key)?;
                let e = self.get_type(schema, "", *elem)?;
                self.set_id(r);
                self.set_shape(r, DefShape::Map(k, e));
                r
            }
            Kind::Slice(elem) => {
                let r = self.add(&base.go_string, name, DefShape::Slice(TypeRef::Builtin(0)));
                let elem_name = schema.node(*elem).go_name.clone();
                let e = self.get_type(schema, &elem_name, *elem)?;
                self.set_id(r);
                self.set_id(e);
                self.set_shape(r, DefShape::Slice(e));
                r
            }
            Kind::Struct { fields } => {
                let r = self.add(&base.go_string, name, DefShape::Struct(Vec::new()));
                self.set_id(r);
                let mut wire_fields = Vec::with_capacity(fields.len());
                for f in fields {
                    let fb = schema.node(schema.base(f.node));
                    let tname = if fb.go_name.is_empty() {
                        fb.go_string.clone()
                    } else {
                        fb.go_name.clone()
                    };
                    let t = self.get_type(schema, &tname, f.node)?;
                    self.set_id(t);
                    wire_fields.push((f.name, t));
                }
                self.set_shape(r, DefShape::Struct(wire_fields));
                r
            }
            Kind::Pointer(_) | Kind::Pending => {
                return Err(Error::Schema(format!(
                    "{} cannot be described",
                    base.go_string
                )));
            }
        };
        Ok(r)
    }

    fn set_shape(&mut self, r: TypeRef, shape: DefShape) {
        if let TypeRef::Def(i) = r {
            self.defs[i].shape = shape;
        }
    }

    /// Go's `getTypeInfo`: the id of the type sent for `node`.
    pub fn type_id(&mut self, schema: &Schema, node: NodeId) -> Result<GobId> {
        let known = self.resolved.iter().position(|(uid, _)| *uid == schema.uid);
        if let Some(i) = known
            && let Some(&id) = self.resolved[i].1.get(node)
            && id != 0
        {
            return Ok(id);
        }
        let base = schema.base(node);
        let name = schema.node(base).go_name.clone();
        let r = self.get_type(schema, &name, base)?;
        self.pointer_common_id(schema, base, r);
        let id = self.id_of(r);
        let i = known.unwrap_or_else(|| {
            self.resolved
                .push((schema.uid, vec![0; schema.nodes.len()]));
            self.resolved.len() - 1
        });
        if let Some(slot) = self.resolved[i].1.get_mut(node) {
            *slot = id;
        }
        Ok(id)
    }

    /// Go's `buildTypeInfo` for a pointer type that marshals itself (its
    /// Go type string starts with `*`): the type object of the pointer
    /// itself takes the next id, which the definition names as its own.
    fn pointer_common_id(&mut self, schema: &Schema, base: NodeId, r: TypeRef) {
        let node = schema.node(base);
        if !matches!(node.kind, Kind::Opaque(_)) || !node.go_string.starts_with('*') {
            return;
        }
        if let TypeRef::Def(i) = r
            && self.defs[i].common_id == 0
            && self.defs[i].id != 0
        {
            self.defs[i].common_id = self.next_id;
            self.next_id += 1;
            // The id has no definition of its own; its slot points at the
            // type it names.
            self.by_id.push(i);
        }
    }

    /// The definition of a registered, non-builtin type.
    pub fn wire_type(&self, id: GobId) -> Option<WireType> {
        let def = &self.defs[self.def_index(id)?];
        let shape = match &def.shape {
            DefShape::Array(e, len) => Shape::Array {
                elem: self.id_of(*e),
                len: *len as i64,
            },
            DefShape::Slice(e) => Shape::Slice {
                elem: self.id_of(*e),
            },
            DefShape::Map(k, e) => Shape::Map {
                key: self.id_of(*k),
                elem: self.id_of(*e),
            },
            DefShape::Struct(fields) => Shape::Struct {
                fields: fields
                    .iter()
                    .map(|(name, r)| WireField {
                        name: name.to_string(),
                        id: self.id_of(*r),
                    })
                    .collect(),
            },
            DefShape::Opaque(OpaqueKind::GobEncoder) => Shape::GobEncoder,
            DefShape::Opaque(OpaqueKind::BinaryMarshaler) => Shape::BinaryMarshaler,
        };
        Some(WireType {
            name: def.name.clone(),
            id: if def.common_id != 0 {
                def.common_id
            } else {
                def.id
            },
            shape,
        })
    }

    pub(crate) fn preamble(&self, schema_uid: u64) -> Option<&Preamble> {
        self.preambles
            .iter()
            .find(|(uid, _)| *uid == schema_uid)
            .map(|(_, p)| p)
    }

    pub(crate) fn store_preamble(&mut self, schema_uid: u64, preamble: Preamble) {
        self.preambles.push((schema_uid, preamble));
    }

    /// How a fresh stream whose first value is of the Rust type `rust`
    /// begins, if that is how the last one began: the start and its
    /// preamble.
    #[inline]
    pub(crate) fn fresh_start(&self, rust: &'static str) -> Option<(FreshStart, &Preamble)> {
        let start = self.fresh_start.filter(|s| std::ptr::eq(s.rust, rust))?;
        let (_, preamble) = self.preambles.get(start.preamble)?;
        Some((start, preamble))
    }

    /// Remembers how a fresh stream began: with a value of the Rust type
    /// `rust`, of `schema`'s root, whose id is `id`.
    pub(crate) fn remember_fresh_start(
        &mut self,
        rust: &'static str,
        schema: &'static Schema,
        id: GobId,
    ) {
        let preamble = self
            .preambles
            .iter()
            .position(|(uid, _)| *uid == schema.uid);
        self.fresh_start = preamble.map(|preamble| FreshStart {
            rust,
            schema,
            id,
            preamble,
        });
    }

    /// The message body `(-id, wireType)` that defines `id`, cached.
    pub fn definition_bytes(&mut self, id: GobId) -> Result<&[u8]> {
        let unknown = || Error::Encode(format!("type id {id} is not registered"));
        let slot = usize::try_from(id - self.first_id).map_err(|_| unknown())?;
        if self.encoded.len() <= slot {
            self.encoded.resize(slot + 1, None);
        }
        if self.encoded[slot].is_none() {
            let wire = self.wire_type(id).ok_or_else(unknown)?;
            let mut body = Vec::with_capacity(32);
            put_int(&mut body, -id);
            wire.encode(&mut body);
            self.encoded[slot] = Some(body.into_boxed_slice());
        }
        Ok(self.encoded[slot].as_deref().unwrap_or_default())
    }
}
