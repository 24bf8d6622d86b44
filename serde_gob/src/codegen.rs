//! Types from a stream: the type definitions a gob stream carries, printed
//! as Rust types for this codec or as Go declarations.
//!
//! ```
//! use serde_gob::{self as gob, Int, codegen};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Serialize, Deserialize)]
//! #[serde(rename = "main.Point")]
//! struct Point {
//!     #[serde(rename = "X")]
//!     x: Int,
//!     #[serde(rename = "Y")]
//!     y: Int,
//! }
//!
//! let stream = gob::to_vec(&Point { x: Int(22), y: Int(33) })?;
//! let rust = codegen::rust_types(&stream)?;
//! assert!(rust.contains("#[serde(rename = \"main.Point\")]\npub struct Point {"));
//! assert!(rust.contains("    #[serde(rename = \"X\")]\n    pub x: i64,"));
//! let go = codegen::go_types(&stream)?;
//! assert!(go.contains("type Point struct {\n\tX int64\n\tY int64\n}"));
//! # Ok::<(), gob::Error>(())
//! ```
//!
//! A stream defines every struct, slice, array, map and self-marshalling
//! type before the first value that needs it. [`StreamTypes::read`] reads
//! those definitions with the codec's own parser and walks every value, for
//! what the definitions leave out: which concrete types travel in interface
//! values, and which struct fields are ever left out. The Rust it prints
//! decodes the stream, and encoding the decoded values again with one
//! [`Encoder`](super::Encoder) gives the same bytes, map order aside (Go
//! randomizes it).
//!
//! What the wire does not tell, and what is generated for it:
//!
//! * Integer and float widths, and Go's `int` against `int64`: a struct field
//!   of any signed integer type is sent as gob's `int`. Such a field becomes
//!   `i64` (`u64`, `f64`, [`Complex128`](super::Complex128)), which holds
//!   every value exactly. Inside composite type names the wire does spell
//!   out the Go type (`map[int8]uint`, `[]main.ID`), and those are followed.
//! * Packages: a struct or named type travels under its bare name (`Point`),
//!   so its package is taken from a composite type name or interface
//!   registration that mentions it (`[]logutil.FuncStatusID`), else `main`.
//!   The package never reaches the wire by itself.
//! * Named basic types (`type Celsius float64`) travel as their underlying
//!   type with no definition; they become newtypes only where a composite
//!   name shows them (`[]main.Celsius`).
//! * Pointers: gob flattens them. A struct field whose value is sometimes
//!   left out, and which the codec would otherwise always send (a struct, an
//!   array) or send when empty (a map, a self-marshalled value), becomes an
//!   `Option` (Go's pointer). A field of a struct of which the stream holds no
//!   value is an `Option` when it could need to be one.
//! * Interfaces: an enum per interface type, named after the Go interface when
//!   a composite name shows it (`[]main.Shape`) and `Any` (`interface {}`)
//!   otherwise, with a variant per concrete type the stream holds in it, named
//!   as registered, and the `nil` variant for the nil interface. A concrete
//!   type that is a slice or map of the interface itself (`[]interface {}`)
//!   gets a newtype named by its own type string, the same Go type, because
//!   the codec's schema tracer needs a named type to stop at.
//! * Lookalikes: two unnamed composites can look alike on the wire (`[]int`
//!   and `[]int64`, both a slice of gob's int) where Go and the codec's
//!   registry tell them apart by type string; the later one then spells its
//!   integers differently (`Vec<Int>`), which travels alike.
//! * Recursion: a struct that holds itself is boxed (`Option<Box<Node>>`).
//!
//! Map keys that Rust cannot order get help: a float key is an `F64Key`
//! (`F32Key`) newtype ordered by `total_cmp`, and the types a key holds
//! derive `Ord`. Arrays longer than serde's 32 elements are a `GoArray`
//! newtype. Both helpers are generated with the types that need them.
//!
//! A stream whose sender had numbered other types first starts above id 64:
//! [`StreamTypes::first_id`] is where a
//! [`Registry::with_first_id`](super::Registry::with_first_id) must start.
//! The codec writes no TextMarshaler types, so a stream holding one is an
//! error, as is a map keyed by complex numbers.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Read;

use super::error::{Error, Result};
use super::schema::{BINARY_MARSHALER_PREFIX, GOB_ENCODER_PREFIX};
use super::stream::{Limits, Stream};
use super::types::{self, GobId, Shape, WireType};
use super::zero::NIL_VARIANT;

/// How generated Rust names the codec: the path its `use` lines start with.
pub const CODEC_PATH: &str = "serde_gob";

/// The Rust types that read the gob stream `stream` (see [`StreamTypes`]).
pub fn rust_types(stream: &[u8]) -> Result<String> {
    Ok(StreamTypes::read(stream)?.rust())
}

/// The Go declarations of the types the gob stream `stream` carries.
pub fn go_types(stream: &[u8]) -> Result<String> {
    Ok(StreamTypes::read(stream)?.go())
}

/// The types a gob stream carries, as learnt from its type definitions and
/// values.
#[derive(Debug, Clone)]
pub struct StreamTypes {
    decls: Vec<Decl>,
    /// The type of each top-level value, in order.
    values: Vec<Ty>,
    /// Type ids the stream defines, in the order it defines them.
    ids: Vec<GobId>,
}

impl StreamTypes {
    /// Reads the whole stream held in `stream`.
    pub fn read(stream: &[u8]) -> Result<StreamTypes> {
        StreamTypes::from_reader(stream)
    }

    /// Reads a whole stream from `reader`. Errors name the byte offset of
    /// bad input.
    pub fn from_reader<R: Read>(reader: R) -> Result<StreamTypes> {
        let scan = Scan::read(reader)?;
        Builder::new(&scan).build()
    }

    /// Rust declarations for the codec named by [`CODEC_PATH`].
    pub fn rust(&self) -> String {
        self.rust_with_codec(CODEC_PATH)
    }

    /// Rust declarations whose `use` lines name the codec as `codec_path`
    /// (for example `serde_gob` or `crate::gob`).
    pub fn rust_with_codec(&self, codec_path: &str) -> String {
        self.render_rust(codec_path)
    }

    /// Go declarations.
    pub fn go(&self) -> String {
        self.render_go()
    }

    /// The Rust type to decode each top-level value into, in stream order,
    /// spelt as in [`rust`](Self::rust): it may name the generated types,
    /// `BTreeMap` and the codec's `Int`, `Uint`, `Uintptr`, `Complex64` and
    /// `Complex128`.
    pub fn value_types(&self) -> Vec<String> {
        let mut used = Used::default();
        self.values
            .iter()
            .map(|t| self.rust_ty(t, false, &mut used))
            .collect()
    }

    /// The Go type of each top-level value, in stream order.
    pub fn go_value_types(&self) -> Vec<String> {
        self.values.iter().map(|t| self.go_ty(t)).collect()
    }

    /// The lowest type id the stream defines. A Go process that had used
    /// other types before the stream's encoder hands out higher ids than a
    /// fresh one: [`Registry::with_first_id`](super::Registry::with_first_id)
    /// with this id reproduces the stream's ids.
    pub fn first_id(&self) -> Option<GobId> {
        self.ids.iter().copied().min()
    }

    /// Whether the defined ids run without a gap from [`first_id`](Self::first_id)
    /// (Self::first_id). A gap is a type the sending process had given an
    /// id to but this stream never defines: a registry cannot reproduce it.
    pub fn ids_contiguous(&self) -> bool {
        let mut ids = self.ids.clone();
        ids.sort_unstable();
        ids.windows(2).all(|w| w[1] == w[0] + 1)
    }
}

// ---------------------------------------------------------------------------
// Reading the stream.
// ---------------------------------------------------------------------------

/// Where a value sits, for interface values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Pos {
    Top,
    Field(GobId, usize),
    /// Element (0) of a slice or array, key (0) or element (1) of a map.
    Slot(GobId, usize),
}

#[derive(Debug, Default, Clone, Copy)]
struct FieldSeen {
    absent: u64,
    /// Sent with no elements or bytes (an empty map or marshalled value).
    empty: u64,
}

#[derive(Default)]
struct Scan {
    defs: Vec<WireType>,
    values: Vec<GobId>,
    /// Per struct type and field index.
    fields: HashMap<(GobId, usize), FieldSeen>,
    /// Struct types of which the stream holds a value.
    structs: HashSet<GobId>,
    /// Interface values: where, the registered name, the concrete type id.
    ifaces: Vec<(Pos, String, GobId)>,
}

impl Scan {
    fn read<R: Read>(reader: R) -> Result<Scan> {
        let mut st = Stream::new(reader, Limits::default());
        let mut scan = Scan::default();
        while let Some(id) = st.type_sequence(false)? {
            st.singleton_marker(id)?;
            scan.walk(&mut st, id, Pos::Top)?;
            st.finish_value()?;
            scan.values.push(id);
        }
        scan.defs = st.types().iter().map(|(_, w)| (**w).clone()).collect();
        Ok(scan)
    }

    /// Reads one value of type `id`; true when it is empty (no bytes, no
    /// elements, a nil interface).
    fn walk<R: Read>(&mut self, st: &mut Stream<R>, id: GobId, pos: Pos) -> Result<bool> {
        match id {
            types::BOOL | types::INT | types::UINT | types::FLOAT => Ok(st.get_uint()? == 0),
            types::COMPLEX => {
                let re = st.get_uint()?;
                Ok(st.get_uint()? == 0 && re == 0)
            }
            types::BYTES | types::STRING => Ok(st.get_bytes("reading bytes")?.is_empty()),
            types::INTERFACE => match st.interface_header()? {
                None => Ok(true),
                Some((name, concrete)) => {
                    if !self
                        .ifaces
                        .iter()
                        .any(|(p, n, c)| *p == pos && *n == name && *c == concrete)
                    {
                        self.ifaces.push((pos, name, concrete));
                    }
                    st.enter()?;
                    st.singleton_marker(concrete)?;
                    self.walk(st, concrete, Pos::Top)?;
                    st.leave();
                    Ok(false)
                }
            },
            _ => {
                let wire = st.wire(id)?;
                st.enter()?;
                let empty = match &wire.shape {
                    Shape::Struct { fields } => {
                        self.structs.insert(id);
                        let mut sent = vec![None; fields.len()];
                        let mut field: i64 = -1;
                        loop {
                            let at = st.offset();
                            let delta = st.get_uint()?;
                            if delta == 0 {
                                break;
                            }
                            field = field.saturating_add(delta.min(i64::MAX as u64) as i64);
                            let Some(f) = fields.get(field as usize) else {
                                return Err(Error::malformed(
                                    at,
                                    format!(
                                        "field number {field} is out of range for {}",
                                        wire.name
                                    ),
                                ));
                            };
                            sent[field as usize] =
                                Some(self.walk(st, f.id, Pos::Field(id, field as usize))?);
                        }
                        for (i, s) in sent.into_iter().enumerate() {
                            let seen = self.fields.entry((id, i)).or_default();
                            match s {
                                None => seen.absent += 1,
                                Some(true) => seen.empty += 1,
                                Some(false) => {}
                            }
                        }
                        false
                    }
                    Shape::Slice { elem } | Shape::Array { elem, .. } => {
                        let (n, _) = st.get_count()?;
                        for _ in 0..n {
                            self.walk(st, *elem, Pos::Slot(id, 0))?;
                        }
                        n == 0
                    }
                    Shape::Map { key, elem } => {
                        let (n, _) = st.get_count()?;
                        for _ in 0..n {
                            self.walk(st, *key, Pos::Slot(id, 0))?;
                            self.walk(st, *elem, Pos::Slot(id, 1))?;
                        }
                        n == 0
                    }
                    Shape::GobEncoder | Shape::BinaryMarshaler | Shape::TextMarshaler => {
                        st.get_bytes("reading marshalled bytes")?.is_empty()
                    }
                };
                st.leave();
                Ok(empty)
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Go type strings, as reflect spells them (and gob.Register names them).
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
enum GoType {
    /// A named type: predeclared (`int`) or qualified (`main.Point`).
    Named(String),
    Pointer(Box<GoType>),
    Slice(Box<GoType>),
    Array(i64, Box<GoType>),
    Map(Box<GoType>, Box<GoType>),
    /// `interface {...}` or `struct {...}`, verbatim.
    Literal(String),
}

const PREDECLARED: &[&str] = &[
    "bool",
    "int",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uintptr",
    "float32",
    "float64",
    "complex64",
    "complex128",
    "string",
];

fn is_predeclared(name: &str) -> bool {
    PREDECLARED.contains(&name)
}

/// Parses a Go type string; `None` for anything else (such as a name given
/// to `gob.RegisterName` that is no Go type).
fn parse_go_type(s: &str) -> Option<GoType> {
    let mut p = GoParser { s, pos: 0 };
    let t = p.parse()?;
    (p.pos == s.len()).then_some(t)
}

struct GoParser<'a> {
    s: &'a str,
    pos: usize,
}

impl GoParser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.pos..]
    }

    fn eat(&mut self, prefix: &str) -> bool {
        if self.rest().starts_with(prefix) {
            self.pos += prefix.len();
            true
        } else {
            false
        }
    }

    fn parse(&mut self) -> Option<GoType> {
        if self.eat("*") {
            return Some(GoType::Pointer(Box::new(self.parse()?)));
        }
        if self.eat("[]") {
            return Some(GoType::Slice(Box::new(self.parse()?)));
        }
        if self.eat("map[") {
            let key = self.parse()?;
            if !self.eat("]") {
                return None;
            }
            return Some(GoType::Map(Box::new(key), Box::new(self.parse()?)));
        }
        if self.eat("[") {
            let digits: String = self
                .rest()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            self.pos += digits.len();
            let len = digits.parse().ok()?;
            if !self.eat("]") {
                return None;
            }
            return Some(GoType::Array(len, Box::new(self.parse()?)));
        }
        for literal in ["interface {", "struct {"] {
            if self.rest().starts_with(literal) {
                let start = self.pos;
                let mut depth = 0usize;
                for (i, c) in self.rest().char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                self.pos += i + 1;
                                return Some(GoType::Literal(self.s[start..self.pos].to_string()));
                            }
                        }
                        _ => {}
                    }
                }
                return None;
            }
        }
        // A name, possibly with type arguments.
        let start = self.pos;
        let mut end = self.s.len();
        let mut depth = 0usize;
        for (i, c) in self.rest().char_indices() {
            match c {
                '[' => depth += 1,
                ']' if depth == 0 => {
                    end = start + i;
                    break;
                }
                ']' => depth -= 1,
                ' ' | '(' | ')' | '{' | '}' | '*' | ';' if depth == 0 => return None,
                _ => {}
            }
        }
        self.pos = end;
        let name = &self.s[start..self.pos];
        if name.is_empty() || !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return None;
        }
        if name == "func" || name == "chan" {
            return None;
        }
        Some(GoType::Named(qualified(name)))
    }
}

/// The Go type a name given to `gob.Register` spells, if it spells one:
/// `gob.RegisterName` takes any string (`circle`), which says nothing.
fn registered_type(name: &str) -> Option<GoType> {
    let t = parse_go_type(name)?;
    let mut base = &t;
    while let GoType::Pointer(inner) = base {
        base = inner;
    }
    match base {
        GoType::Named(n) if !is_predeclared(n) && !n.contains('.') => None,
        _ => Some(t),
    }
}

/// A named type as reflect's `String()` spells it: `path/to/pkg.Name`
/// (as `gob.Register` names types) becomes `pkg.Name`.
fn qualified(name: &str) -> String {
    let (head, args) = match name.find('[') {
        Some(i) => name.split_at(i),
        None => (name, ""),
    };
    let head = match head.rfind('/') {
        Some(i) => &head[i + 1..],
        None => head,
    };
    format!("{head}{args}")
}

/// Go's `Name()` of a named type string: the part after the package.
fn bare(name: &str) -> &str {
    let head_end = name.find('[').unwrap_or(name.len());
    match name[..head_end].rfind('.') {
        Some(i) => &name[i + 1..],
        None => name,
    }
}

/// Whether a wire name is a type literal (`[]int`, `map[string]int`,
/// `*T`): the name Go gives an unnamed type that a struct field reaches.
fn is_literal(name: &str) -> bool {
    name.starts_with('[') || name.starts_with("map[") || name.starts_with('*')
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.starts_with(|c: char| c.is_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_alphanumeric() || c == '_')
}

// ---------------------------------------------------------------------------
// The model: Rust types and declarations.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum IntW {
    I8,
    I16,
    I32,
    I64,
    /// Go's `int`.
    Int,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UintW {
    U8,
    U16,
    U32,
    U64,
    Uint,
    Uintptr,
}

#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Bool,
    Int(IntW),
    Uint(UintW),
    Float32,
    Float64,
    Complex64,
    Complex128,
    String,
    Bytes,
    Decl(usize),
    /// Go's pointer: `None` is nil.
    Option(Box<Ty>),
    /// Rust's own indirection for a recursive type; invisible to Go.
    Boxed(Box<Ty>),
    Slice(Box<Ty>),
    Array(i64, Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
}

#[derive(Debug, Clone)]
struct Decl {
    /// The wire type it stands for, if any (named basic types and
    /// interfaces have none).
    id: Option<GobId>,
    /// Go's type string (`main.Point`), the serde name.
    go_full: String,
    rust: String,
    go: String,
    /// No Go name is known: one was made up.
    invented: bool,
    /// A newtype named by a Go type literal (`[]interface {}`): the very
    /// type it wraps, to Go and on the wire (see `break_enum_cycles`).
    literal: bool,
    kind: DeclKind,
    /// Reachable from a map key: needs `Ord`.
    key: bool,
}

#[derive(Debug, Clone)]
enum DeclKind {
    Struct(Vec<FieldDecl>),
    Newtype(Ty),
    Opaque { gob_encoder: bool },
    Interface(Vec<VariantDecl>),
}

#[derive(Debug, Clone)]
struct FieldDecl {
    go: String,
    rust: String,
    ty: Ty,
    sent: Sent,
}

#[derive(Debug, Clone)]
struct VariantDecl {
    registered: String,
    rust: String,
    ty: Ty,
}

/// The key of the interface enum nothing names.
const ANY: &str = "interface {}";

/// Rust names that generated declarations must not take: the prelude, what
/// the generated code imports, and its helpers.
const RESERVED: &[&str] = &[
    "Int",
    "Uint",
    "Uintptr",
    "Complex64",
    "Complex128",
    "BTreeMap",
    "Serialize",
    "Deserialize",
    "Vec",
    "Option",
    "Some",
    "None",
    "Box",
    "String",
    "Result",
    "Ok",
    "Err",
    "Self",
    "F64Key",
    "F32Key",
    "GoArray",
    "Clone",
    "Copy",
    "Debug",
    "Default",
    "Eq",
    "PartialEq",
    "Ord",
    "PartialOrd",
    "Hash",
    "Send",
    "Sync",
    "Sized",
    "Drop",
    "Fn",
    "FnMut",
    "FnOnce",
    "Iterator",
    "IntoIterator",
    "Extend",
    "From",
    "Into",
    "TryFrom",
    "TryInto",
    "ToString",
    "ToOwned",
    "AsRef",
    "AsMut",
    "Unpin",
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "FromIterator",
];

/// Serde's array impls stop at 32 elements.
const SERDE_ARRAY_MAX: i64 = 32;

/// How a struct field of some type is left out of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sent {
    /// Left out when zero, by Go and by the codec alike.
    UnlessZero,
    /// Always sent by the codec (structs, arrays): left out only through nil
    /// pointers.
    Always,
    /// Sent when not nil even if empty (maps, self-marshalled values).
    UnlessNil,
}

struct Builder<'a> {
    scan: &'a Scan,
    defs: HashMap<GobId, &'a WireType>,
    /// What composite type names and registrations tell of a defined type.
    hints: HashMap<GobId, GoType>,
    decls: Vec<Decl>,
    by_id: HashMap<GobId, usize>,
    /// Named basic types and interfaces, by Go type string.
    by_name: HashMap<String, usize>,
    inline: HashMap<GobId, Ty>,
    /// The interface enum of each slot of a composite type that holds
    /// interfaces.
    slot_iface: HashMap<(GobId, usize), usize>,
    rust_names: HashSet<String>,
    go_names: HashSet<String>,
    go_fulls: HashSet<String>,
    /// The Go type string of each unnamed composite type, which the codec's
    /// registry keys types by: two types must not share one.
    composite_strings: HashMap<String, GobId>,
}

impl<'a> Builder<'a> {
    fn new(scan: &'a Scan) -> Self {
        Builder {
            scan,
            defs: scan.defs.iter().map(|w| (w.id, w)).collect(),
            hints: HashMap::new(),
            decls: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            inline: HashMap::new(),
            slot_iface: HashMap::new(),
            rust_names: RESERVED.iter().map(|s| s.to_string()).collect(),
            go_names: HashSet::new(),
            go_fulls: HashSet::new(),
            composite_strings: HashMap::new(),
        }
    }

    fn build(mut self) -> Result<StreamTypes> {
        for w in &self.scan.defs {
            if let Shape::TextMarshaler = w.shape {
                return Err(Error::Custom(format!(
                    "type {} ({}) is a TextMarshaler, which the codec does not write",
                    w.id, w.name
                )));
            }
        }
        // What type names tell: a definition named by a composite type string
        // (a struct field's type), and the names concrete types are
        // registered under.
        for w in &self.scan.defs {
            if is_literal(&w.name)
                && let Some(t) = parse_go_type(&w.name)
            {
                self.hint(&t, w.id);
            }
        }
        for (_, name, concrete) in &self.scan.ifaces {
            if let Some(t) = registered_type(name) {
                self.hint(&t, *concrete);
            }
        }
        for (&id, t) in &self.hints {
            if matches!(t, GoType::Slice(_) | GoType::Array(..) | GoType::Map(..)) {
                self.composite_strings.insert(go_string(t), id);
            }
        }
        // Declarations in the order the values reach them, then whatever
        // else the stream defines.
        let mut values = Vec::with_capacity(self.scan.values.len());
        for &id in &self.scan.values {
            values.push(self.resolve(None, id)?);
        }
        for w in &self.scan.defs {
            self.resolve(None, w.id)?;
        }
        // Interface variants, until no variant brings a new interface.
        let mut done = 0;
        while done < self.scan.ifaces.len() {
            let (pos, name, concrete) = self.scan.ifaces[done].clone();
            done += 1;
            self.add_variant(pos, &name, concrete)?;
        }
        for d in &mut self.decls {
            if let DeclKind::Interface(variants) = &mut d.kind {
                variants.push(VariantDecl {
                    registered: NIL_VARIANT.to_string(),
                    rust: "Nil".to_string(),
                    ty: Ty::Bool,
                });
            }
        }
        self.break_enum_cycles();
        self.box_recursion();
        self.mark_keys(&values)?;
        let ids = self.scan.defs.iter().map(|w| w.id).collect();
        Ok(StreamTypes {
            decls: self.decls,
            values,
            ids,
        })
    }

    /// Records what `t` says of the defined type `id` and its elements.
    fn hint(&mut self, t: &GoType, id: GobId) {
        let mut t = t;
        while let GoType::Pointer(inner) = t {
            t = inner;
        }
        let Some(w) = self.defs.get(&id).copied() else {
            return;
        };
        if self.hints.contains_key(&id) {
            return;
        }
        // A named type has its own name on the wire, or none when reached
        // through an unnamed path; a composite literal has its type string
        // or none.
        let unnamed = w.name.is_empty();
        let composite = unnamed || is_literal(&w.name);
        match (t, &w.shape) {
            (GoType::Named(n), _) if !is_predeclared(n) && (unnamed || bare(n) == w.name) => {
                self.hints.insert(id, t.clone());
            }
            (GoType::Literal(s), Shape::Struct { .. })
                if s.starts_with("struct") && (unnamed || *s == w.name) =>
            {
                self.hints.insert(id, t.clone());
            }
            (GoType::Slice(e), Shape::Slice { elem }) if composite => {
                self.hints.insert(id, t.clone());
                self.hint(e, *elem);
            }
            (GoType::Array(n, e), Shape::Array { elem, len }) if composite && n == len => {
                self.hints.insert(id, t.clone());
                self.hint(e, *elem);
            }
            (GoType::Map(k, e), Shape::Map { key, elem }) if composite => {
                self.hints.insert(id, t.clone());
                self.hint(k, *key);
                self.hint(e, *elem);
            }
            _ => {}
        }
    }

    fn wire(&self, id: GobId) -> Result<&'a WireType> {
        self.defs
            .get(&id)
            .copied()
            .ok_or(Error::UnknownTypeId { offset: 0, id })
    }

    /// The Rust type of a value of wire type `id`, at a place that Go type
    /// string `hint` describes.
    fn resolve(&mut self, hint: Option<&GoType>, id: GobId) -> Result<Ty> {
        if let Some(GoType::Pointer(inner)) = hint {
            let t = self.resolve(Some(inner), id)?;
            return Ok(Ty::Option(Box::new(t)));
        }
        if id < types::FIRST_USER_ID {
            return self.builtin(hint, id);
        }
        if let Some(&d) = self.by_id.get(&id) {
            return Ok(Ty::Decl(d));
        }
        if let Some(t) = self.inline.get(&id) {
            return Ok(t.clone());
        }
        let w = self.wire(id)?;
        let own = self.hints.get(&id).cloned();
        match &w.shape {
            Shape::Struct { fields } => {
                let d = self.declare(
                    Some(id),
                    &w.name,
                    own.as_ref(),
                    "Struct",
                    DeclKind::Struct(vec![]),
                );
                let mut out = Vec::with_capacity(fields.len());
                let mut used = HashSet::new();
                for (i, f) in fields.iter().enumerate() {
                    let mut ty = self.resolve(None, f.id)?;
                    if self.needs_option(id, i, f.id) {
                        ty = Ty::Option(Box::new(ty));
                    }
                    out.push(FieldDecl {
                        go: f.name.clone(),
                        rust: unique(snake_case(&f.name), &mut used),
                        ty,
                        sent: self.sent(f.id),
                    });
                }
                self.decls[d].kind = DeclKind::Struct(out);
                Ok(Ty::Decl(d))
            }
            Shape::GobEncoder | Shape::BinaryMarshaler => {
                let gob_encoder = matches!(w.shape, Shape::GobEncoder);
                let d = self.declare(
                    Some(id),
                    &w.name,
                    own.as_ref(),
                    "Opaque",
                    DeclKind::Opaque { gob_encoder },
                );
                Ok(Ty::Decl(d))
            }
            Shape::TextMarshaler => Err(Error::Custom(format!(
                "type {id} is a TextMarshaler, which the codec does not write"
            ))),
            Shape::Slice { .. } | Shape::Array { .. } | Shape::Map { .. } => {
                let named = !w.name.is_empty() && !is_literal(&w.name)
                    || matches!(&own, Some(GoType::Named(n)) if !is_predeclared(n));
                if named {
                    let d = self.declare(
                        Some(id),
                        &w.name,
                        own.as_ref(),
                        "Named",
                        DeclKind::Newtype(Ty::Bool),
                    );
                    let inner = self.composite(id, w, None)?;
                    self.decls[d].kind = DeclKind::Newtype(inner);
                    return Ok(Ty::Decl(d));
                }
                let mut t = self.composite(id, w, own.as_ref())?;
                if own.is_none() {
                    t = self.distinct(id, t);
                }
                self.composite_strings.insert(self.tracer_string(&t), id);
                self.inline.insert(id, t.clone());
                Ok(t)
            }
        }
    }

    /// `t`, the type of the unnamed composite `id` that no type name
    /// describes, with integer types that set it apart from the other
    /// composites of the stream. Two unnamed composites can look alike on the
    /// wire (`[]int` and `[]int64` are both a slice of gob's int) while Go,
    /// and the codec's registry, keep them apart by their type strings: Go's
    /// `int` and `int64` (or `uint`, `uint64` and `uintptr`) tell them apart
    /// here, and travel alike.
    fn distinct(&self, id: GobId, t: Ty) -> Ty {
        let taken = |t: &Ty| {
            self.composite_strings
                .get(&self.tracer_string(t))
                .is_some_and(|&other| other != id)
        };
        if !taken(&t) {
            return t;
        }
        let mut radix = Vec::new();
        leaf_radix(&t, &mut radix);
        let total: usize = radix.iter().product();
        for n in 1..total.min(4096) {
            let mut digits = Vec::with_capacity(radix.len());
            let mut rest = n;
            for r in &radix {
                digits.push(rest % r);
                rest /= r;
            }
            let candidate = with_leaves(&t, &mut digits.into_iter());
            if !taken(&candidate) {
                return candidate;
            }
        }
        // No spelling sets it apart: the registry will merge the two.
        t
    }

    /// An unnamed slice, array or map.
    fn composite(&mut self, id: GobId, w: &WireType, hint: Option<&GoType>) -> Result<Ty> {
        Ok(match &w.shape {
            Shape::Slice { elem } => {
                let eh = match hint {
                    Some(GoType::Slice(e)) => Some(&**e),
                    _ => None,
                };
                let mut t = self.slot(id, 0, eh, *elem)?;
                // Go names a slice's new element type after the element's
                // own name, empty for a pointer: an unnamed struct element was
                // reached through one.
                if eh.is_none() && self.unnamed_decl(*elem) {
                    t = Ty::Option(Box::new(t));
                }
                Ty::Slice(Box::new(t))
            }
            Shape::Array { elem, len } => {
                let eh = match hint {
                    Some(GoType::Array(_, e)) => Some(&**e),
                    _ => None,
                };
                Ty::Array(*len, Box::new(self.slot(id, 0, eh, *elem)?))
            }
            Shape::Map { key, elem } => {
                let (kh, eh) = match hint {
                    Some(GoType::Map(k, e)) => (Some(&**k), Some(&**e)),
                    _ => (None, None),
                };
                let k = self.slot(id, 0, kh, *key)?;
                let e = self.slot(id, 1, eh, *elem)?;
                Ty::Map(Box::new(k), Box::new(e))
            }
            _ => unreachable!("composite of a non-composite"),
        })
    }

    fn slot(&mut self, id: GobId, slot: usize, hint: Option<&GoType>, elem: GobId) -> Result<Ty> {
        let t = self.resolve(hint, elem)?;
        if elem == types::INTERFACE {
            let mut inner = &t;
            while let Ty::Option(i) = inner {
                inner = i;
            }
            if let Ty::Decl(d) = inner {
                self.slot_iface.insert((id, slot), *d);
            }
        }
        Ok(t)
    }

    /// Whether `id` is a struct or self-marshalling type the stream never
    /// named.
    fn unnamed_decl(&self, id: GobId) -> bool {
        self.defs.get(&id).is_some_and(|w| {
            w.name.is_empty()
                && matches!(
                    w.shape,
                    Shape::Struct { .. } | Shape::GobEncoder | Shape::BinaryMarshaler
                )
        })
    }

    fn builtin(&mut self, hint: Option<&GoType>, id: GobId) -> Result<Ty> {
        let default = match id {
            types::BOOL => Ty::Bool,
            types::INT => Ty::Int(IntW::I64),
            types::UINT => Ty::Uint(UintW::U64),
            types::FLOAT => Ty::Float64,
            types::COMPLEX => Ty::Complex128,
            types::STRING => Ty::String,
            types::BYTES => Ty::Bytes,
            types::INTERFACE => {
                let key = match hint {
                    Some(GoType::Named(n)) if !is_predeclared(n) => n.clone(),
                    Some(GoType::Literal(s)) if s.starts_with("interface") => s.clone(),
                    _ => ANY.to_string(),
                };
                return Ok(Ty::Decl(
                    self.named_decl(&key, || DeclKind::Interface(Vec::new())),
                ));
            }
            _ => {
                return Err(Error::Custom(format!(
                    "type id {id} is reserved and not a value type"
                )));
            }
        };
        let name = match hint {
            Some(GoType::Named(n)) => n,
            _ => return Ok(default),
        };
        let exact = match (id, name.as_str()) {
            (types::BOOL, "bool") => Ty::Bool,
            (types::INT, "int") => Ty::Int(IntW::Int),
            (types::INT, "int8") => Ty::Int(IntW::I8),
            (types::INT, "int16") => Ty::Int(IntW::I16),
            (types::INT, "int32") => Ty::Int(IntW::I32),
            (types::INT, "int64") => Ty::Int(IntW::I64),
            (types::UINT, "uint") => Ty::Uint(UintW::Uint),
            (types::UINT, "uint8") => Ty::Uint(UintW::U8),
            (types::UINT, "uint16") => Ty::Uint(UintW::U16),
            (types::UINT, "uint32") => Ty::Uint(UintW::U32),
            (types::UINT, "uint64") => Ty::Uint(UintW::U64),
            (types::UINT, "uintptr") => Ty::Uint(UintW::Uintptr),
            (types::FLOAT, "float32") => Ty::Float32,
            (types::FLOAT, "float64") => Ty::Float64,
            (types::COMPLEX, "complex64") => Ty::Complex64,
            (types::COMPLEX, "complex128") => Ty::Complex128,
            (types::STRING, "string") => Ty::String,
            (_, n) if !is_predeclared(n) => {
                let d = self.named_decl(n, || DeclKind::Newtype(default.clone()));
                return Ok(Ty::Decl(d));
            }
            _ => default,
        };
        Ok(exact)
    }

    /// The declaration of a named basic type or an interface, by Go name.
    fn named_decl(&mut self, go_full: &str, kind: impl FnOnce() -> DeclKind) -> usize {
        if let Some(&d) = self.by_name.get(go_full) {
            return d;
        }
        let kind = kind();
        let (rust, go) = if go_full == ANY {
            ("Any".to_string(), "interface{}".to_string())
        } else if go_full.starts_with("interface") {
            ("Interface".to_string(), go_full.to_string())
        } else {
            let b = bare(go_full);
            (camel_case(b), go_ident(b))
        };
        let d = self.push_decl(None, go_full.to_string(), &rust, &go, false, kind);
        self.by_name.insert(go_full.to_string(), d);
        d
    }

    /// Declares the defined type `id`, named `wire_name` on the wire.
    fn declare(
        &mut self,
        id: Option<GobId>,
        wire_name: &str,
        hint: Option<&GoType>,
        what: &str,
        kind: DeclKind,
    ) -> usize {
        let (mut go_full, invented) = match hint {
            Some(GoType::Named(n)) => (n.clone(), false),
            Some(GoType::Literal(s)) => (s.clone(), true),
            _ if wire_name.starts_with("struct") => (wire_name.to_string(), true),
            _ if !wire_name.is_empty() => (format!("main.{wire_name}"), false),
            _ => (format!("main.{what}{}", id.unwrap_or_default()), true),
        };
        // Two types the stream keeps apart must stay apart: another
        // package for a name seen twice.
        let mut n = 2;
        while self.go_fulls.contains(&go_full) && go_full.contains('.') {
            go_full = format!("main{n}.{}", bare(&go_full));
            n += 1;
        }
        let base = if invented {
            format!("{what}{}", id.unwrap_or_default())
        } else {
            bare(&go_full).to_string()
        };
        let (rust, go) = (camel_case(&base), go_ident(&base));
        let d = self.push_decl(id, go_full, &rust, &go, invented, kind);
        if let Some(id) = id {
            self.by_id.insert(id, d);
        }
        d
    }

    fn push_decl(
        &mut self,
        id: Option<GobId>,
        go_full: String,
        rust: &str,
        go: &str,
        invented: bool,
        kind: DeclKind,
    ) -> usize {
        let rust = unique(rust.to_string(), &mut self.rust_names);
        let go = if go == "interface{}" || go.starts_with("interface") {
            go.to_string()
        } else {
            unique(go.to_string(), &mut self.go_names)
        };
        self.go_fulls.insert(go_full.clone());
        self.decls.push(Decl {
            id,
            go_full,
            rust,
            go,
            invented,
            literal: false,
            kind,
            key: false,
        });
        self.decls.len() - 1
    }

    fn sent(&self, id: GobId) -> Sent {
        match self.defs.get(&id).map(|w| &w.shape) {
            Some(Shape::Struct { .. } | Shape::Array { .. }) => Sent::Always,
            Some(Shape::Map { .. } | Shape::GobEncoder | Shape::BinaryMarshaler) => Sent::UnlessNil,
            _ => Sent::UnlessZero,
        }
    }

    /// Whether field `i` of struct `id` must be an `Option` to be left out,
    /// or sent empty, as the stream does.
    fn needs_option(&self, id: GobId, i: usize, field_type: GobId) -> bool {
        let seen = self.scan.structs.contains(&id);
        let f = self.scan.fields.get(&(id, i)).copied().unwrap_or_default();
        match self.sent(field_type) {
            Sent::UnlessZero => false,
            Sent::Always => !seen || f.absent > 0,
            Sent::UnlessNil => !seen || f.empty > 0,
        }
    }

    fn add_variant(&mut self, pos: Pos, name: &str, concrete: GobId) -> Result<()> {
        let iface = match pos {
            Pos::Slot(id, slot) => self.slot_iface.get(&(id, slot)).copied(),
            _ => None,
        };
        let iface = match iface {
            Some(d) => d,
            None => self.named_decl(ANY, || DeclKind::Interface(Vec::new())),
        };
        if let DeclKind::Interface(vs) = &self.decls[iface].kind
            && vs.iter().any(|v| v.registered == name)
        {
            return Ok(());
        }
        let hint = registered_type(name).map(|mut t| {
            while let GoType::Pointer(inner) = t {
                t = *inner;
            }
            t
        });
        let ty = self.resolve(hint.as_ref(), concrete)?;
        let DeclKind::Interface(vs) = &mut self.decls[iface].kind else {
            return Ok(());
        };
        let mut taken: HashSet<String> = vs.iter().map(|v| v.rust.clone()).collect();
        taken.insert("Nil".to_string());
        let base = variant_name(name);
        let rust = if taken.contains(&base) && name.starts_with('*') {
            unique(format!("Ptr{base}"), &mut taken)
        } else {
            unique(base, &mut taken)
        };
        vs.push(VariantDecl {
            registered: name.to_string(),
            rust,
            ty,
        });
        Ok(())
    }

    /// An interface whose concrete type is a slice, array or map that holds
    /// the interface again (`[]interface {}` in an `interface {}`) has no
    /// struct or named type in its cycle, and the codec's schema tracer
    /// follows such a cycle without end. Those variants get a newtype named by
    /// the composite's own Go type string, which the tracer stops at and which
    /// describes the very same Go type.
    fn break_enum_cycles(&mut self) {
        let n = self.decls.len();
        let mut edges = vec![Vec::new(); n];
        for (d, decl) in self.decls.iter().enumerate() {
            if let DeclKind::Interface(vs) = &decl.kind {
                for v in vs.iter().filter(|v| is_composite(&v.ty)) {
                    composite_refs(&v.ty, &mut edges[d]);
                }
            }
        }
        let comp = sccs(n, &edges);
        for d in 0..n {
            let DeclKind::Interface(vs) = &self.decls[d].kind else {
                continue;
            };
            let wrap: Vec<(usize, Ty, String)> = vs
                .iter()
                .enumerate()
                .filter(|(_, v)| is_composite(&v.ty))
                .filter(|(_, v)| {
                    let mut refs = Vec::new();
                    composite_refs(&v.ty, &mut refs);
                    refs.iter()
                        .any(|&r| comp[d].is_some() && comp[r] == comp[d])
                })
                .map(|(i, v)| (i, v.ty.clone(), v.rust.clone()))
                .collect();
            for (i, ty, name) in wrap {
                let go_full = self.tracer_string(&ty);
                let w = match self.by_name.get(&go_full) {
                    Some(&w) => w,
                    None => {
                        let w = self.push_decl(
                            None,
                            go_full.clone(),
                            &name,
                            &go_full,
                            false,
                            DeclKind::Newtype(ty),
                        );
                        self.decls[w].literal = true;
                        self.by_name.insert(go_full, w);
                        w
                    }
                };
                if let DeclKind::Interface(vs) = &mut self.decls[d].kind {
                    vs[i].ty = Ty::Decl(w);
                }
            }
        }
    }

    /// Go's type string for `t`, as the codec's schema tracer spells it.
    fn tracer_string(&self, t: &Ty) -> String {
        match t {
            Ty::Bool => "bool".into(),
            Ty::Int(IntW::I8) => "int8".into(),
            Ty::Int(IntW::I16) => "int16".into(),
            Ty::Int(IntW::I32) => "int32".into(),
            Ty::Int(IntW::I64) => "int64".into(),
            Ty::Int(IntW::Int) => "int".into(),
            Ty::Uint(UintW::U8) => "uint8".into(),
            Ty::Uint(UintW::U16) => "uint16".into(),
            Ty::Uint(UintW::U32) => "uint32".into(),
            Ty::Uint(UintW::U64) => "uint64".into(),
            Ty::Uint(UintW::Uint) => "uint".into(),
            Ty::Uint(UintW::Uintptr) => "uintptr".into(),
            Ty::Float32 => "float32".into(),
            Ty::Float64 => "float64".into(),
            Ty::Complex64 => "complex64".into(),
            Ty::Complex128 => "complex128".into(),
            Ty::String => "string".into(),
            Ty::Bytes => "[]uint8".into(),
            Ty::Decl(d) => self.decls[*d].go_full.clone(),
            Ty::Option(i) => format!("*{}", self.tracer_string(i)),
            Ty::Boxed(i) => self.tracer_string(i),
            Ty::Slice(i) => format!("[]{}", self.tracer_string(i)),
            Ty::Array(n, i) => format!("[{n}]{}", self.tracer_string(i)),
            Ty::Map(k, v) => format!("map[{}]{}", self.tracer_string(k), self.tracer_string(v)),
        }
    }

    /// Boxes the references that make a type contain itself.
    fn box_recursion(&mut self) {
        let n = self.decls.len();
        let edges: Vec<Vec<usize>> = self
            .decls
            .iter()
            .map(|d| {
                let mut out = Vec::new();
                for t in decl_tys(d) {
                    inline_refs(t, &mut out);
                }
                out
            })
            .collect();
        let comp = sccs(n, &edges);
        for d in 0..n {
            let same = |t: usize| comp[d].is_some() && comp[t] == comp[d];
            match &mut self.decls[d].kind {
                DeclKind::Struct(fields) => {
                    for f in fields {
                        let boxed = box_refs(&mut f.ty, &same);
                        if boxed && f.sent == Sent::Always && !matches!(f.ty, Ty::Option(_)) {
                            // Only a nil pointer ends a value of a struct that
                            // contains itself.
                            f.ty = Ty::Option(Box::new(std::mem::replace(&mut f.ty, Ty::Bool)));
                        }
                    }
                }
                DeclKind::Newtype(t) => {
                    box_refs(t, &same);
                }
                DeclKind::Interface(vs) => {
                    for v in vs {
                        box_refs(&mut v.ty, &same);
                    }
                }
                DeclKind::Opaque { .. } => {}
            }
        }
    }

    /// Marks the declarations that map keys reach, which need `Ord`.
    fn mark_keys(&mut self, values: &[Ty]) -> Result<()> {
        let mut keys = Vec::new();
        for t in values {
            key_decls(t, &mut keys)?;
        }
        for d in &self.decls {
            for t in decl_tys(d) {
                key_decls(t, &mut keys)?;
            }
        }
        while let Some(d) = keys.pop() {
            if self.decls[d].key {
                continue;
            }
            self.decls[d].key = true;
            for t in decl_tys(&self.decls[d]) {
                all_refs(t, &mut keys);
                if has_complex(t) {
                    return Err(Error::Custom(format!(
                        "{} is part of a map key and holds a complex number, which the \
                         generated Rust cannot order",
                        self.decls[d].go_full
                    )));
                }
            }
        }
        Ok(())
    }
}

fn decl_tys(d: &Decl) -> Vec<&Ty> {
    match &d.kind {
        DeclKind::Struct(fields) => fields.iter().map(|f| &f.ty).collect(),
        DeclKind::Newtype(t) => vec![t],
        DeclKind::Interface(vs) => vs
            .iter()
            .filter(|v| v.registered != NIL_VARIANT)
            .map(|v| &v.ty)
            .collect(),
        DeclKind::Opaque { .. } => vec![],
    }
}

/// Declarations held inline (not behind a `Vec` or map).
fn inline_refs(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Decl(d) => out.push(*d),
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) => inline_refs(i, out),
        _ => {}
    }
}

/// Go's type string of a parsed type.
fn go_string(t: &GoType) -> String {
    match t {
        GoType::Named(n) | GoType::Literal(n) => n.clone(),
        GoType::Pointer(i) => format!("*{}", go_string(i)),
        GoType::Slice(i) => format!("[]{}", go_string(i)),
        GoType::Array(n, i) => format!("[{n}]{}", go_string(i)),
        GoType::Map(k, v) => format!("map[{}]{}", go_string(k), go_string(v)),
    }
}

const INT_SPELLINGS: [IntW; 2] = [IntW::I64, IntW::Int];
const UINT_SPELLINGS: [UintW; 3] = [UintW::U64, UintW::Uint, UintW::Uintptr];

/// How many spellings each 64-bit integer leaf of `t` has, outside
/// declarations.
fn leaf_radix(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Int(IntW::I64) => out.push(INT_SPELLINGS.len()),
        Ty::Uint(UintW::U64) => out.push(UINT_SPELLINGS.len()),
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => leaf_radix(i, out),
        Ty::Map(k, v) => {
            leaf_radix(k, out);
            leaf_radix(v, out);
        }
        _ => {}
    }
}

/// `t` with its 64-bit integer leaves spelt as `digits` choose.
fn with_leaves(t: &Ty, digits: &mut impl Iterator<Item = usize>) -> Ty {
    let mut inner = |i: &Ty| Box::new(with_leaves(i, digits));
    match t {
        Ty::Int(IntW::I64) => Ty::Int(INT_SPELLINGS[digits.next().unwrap_or(0)]),
        Ty::Uint(UintW::U64) => Ty::Uint(UINT_SPELLINGS[digits.next().unwrap_or(0)]),
        Ty::Option(i) => Ty::Option(inner(i)),
        Ty::Boxed(i) => Ty::Boxed(inner(i)),
        Ty::Slice(i) => Ty::Slice(inner(i)),
        Ty::Array(n, i) => Ty::Array(*n, inner(i)),
        Ty::Map(k, v) => {
            let k = inner(k);
            let v = inner(v);
            Ty::Map(k, v)
        }
        other => other.clone(),
    }
}

fn is_composite(t: &Ty) -> bool {
    matches!(t, Ty::Slice(_) | Ty::Array(..) | Ty::Map(..))
}

/// The interfaces a composite type holds without a declaration between.
fn composite_refs(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Decl(d) => out.push(*d),
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => composite_refs(i, out),
        Ty::Map(k, v) => {
            composite_refs(k, out);
            composite_refs(v, out);
        }
        _ => {}
    }
}

fn all_refs(t: &Ty, out: &mut Vec<usize>) {
    match t {
        Ty::Decl(d) => out.push(*d),
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => all_refs(i, out),
        Ty::Map(k, v) => {
            all_refs(k, out);
            all_refs(v, out);
        }
        _ => {}
    }
}

fn has_complex(t: &Ty) -> bool {
    match t {
        Ty::Complex64 | Ty::Complex128 => true,
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => has_complex(i),
        Ty::Map(k, v) => has_complex(k) || has_complex(v),
        _ => false,
    }
}

/// Collects the declarations reachable from map keys in `t`.
fn key_decls(t: &Ty, out: &mut Vec<usize>) -> Result<()> {
    match t {
        Ty::Option(i) | Ty::Boxed(i) | Ty::Array(_, i) | Ty::Slice(i) => key_decls(i, out),
        Ty::Map(k, v) => {
            if has_complex(k) {
                return Err(Error::Custom(
                    "a map keyed by complex numbers cannot be ordered in Rust".into(),
                ));
            }
            all_refs(k, out);
            key_decls(k, out)?;
            key_decls(v, out)
        }
        _ => Ok(()),
    }
}

/// Boxes the inline references to declarations for which `same` holds.
/// Returns whether it boxed any.
fn box_refs(t: &mut Ty, same: &dyn Fn(usize) -> bool) -> bool {
    match t {
        Ty::Decl(d) if same(*d) => {
            *t = Ty::Boxed(Box::new(Ty::Decl(*d)));
            true
        }
        Ty::Option(i) | Ty::Array(_, i) => box_refs(i, same),
        _ => false,
    }
}

/// Tarjan's strongly connected components: the cycle each node is on, if
/// any (a number shared by the nodes of one component).
fn sccs(n: usize, edges: &[Vec<usize>]) -> Vec<Option<usize>> {
    struct T<'e> {
        edges: &'e [Vec<usize>],
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        comp: Vec<usize>,
        next: usize,
        comps: usize,
    }
    fn visit(t: &mut T<'_>, v: usize) {
        t.index[v] = Some(t.next);
        t.low[v] = t.next;
        t.next += 1;
        t.stack.push(v);
        t.on_stack[v] = true;
        for &w in &t.edges[v] {
            match t.index[w] {
                None => {
                    visit(t, w);
                    t.low[v] = t.low[v].min(t.low[w]);
                }
                Some(i) if t.on_stack[w] => t.low[v] = t.low[v].min(i),
                _ => {}
            }
        }
        if Some(t.low[v]) == t.index[v] {
            while let Some(w) = t.stack.pop() {
                t.on_stack[w] = false;
                t.comp[w] = t.comps;
                if w == v {
                    break;
                }
            }
            t.comps += 1;
        }
    }
    let mut t = T {
        edges,
        index: vec![None; n],
        low: vec![0; n],
        on_stack: vec![false; n],
        stack: Vec::new(),
        comp: vec![0; n],
        next: 0,
        comps: 0,
    };
    for v in 0..n {
        if t.index[v].is_none() {
            visit(&mut t, v);
        }
    }
    // A component of one node is a cycle only through an edge to itself.
    let mut size = vec![0usize; t.comps];
    for &c in &t.comp {
        size[c] += 1;
    }
    (0..n)
        .map(|v| {
            let c = t.comp[v];
            (size[c] > 1 || edges[v].contains(&v)).then_some(c)
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Names.
// ---------------------------------------------------------------------------

/// Splits a Go identifier into words: `TxID` is `Tx` `ID`, `IDList` is `ID`
/// `List`, `IDs` is one word.
fn words(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut words = Vec::new();
    let mut cur = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                words.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if c.is_uppercase() && !cur.is_empty() {
            let prev = chars[i - 1];
            let next = chars.get(i + 1).copied();
            let next_lower = next.is_some_and(char::is_lowercase);
            // `IDs`, `URLs`: a plural of an initialism.
            let plural = next == Some('s') && chars.get(i + 2).is_none_or(|c| !c.is_lowercase());
            let boundary = prev.is_lowercase()
                || ((prev.is_uppercase() || prev.is_numeric()) && next_lower && !plural);
            if boundary {
                words.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    words
}

fn camel_case(s: &str) -> String {
    let mut out = String::new();
    for w in words(s) {
        let mut cs = w.chars();
        if let Some(first) = cs.next() {
            out.extend(first.to_uppercase());
            for c in cs {
                out.extend(c.to_lowercase());
            }
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_numeric()) {
        out.insert(0, 'T');
    }
    if is_keyword(&out) {
        out.push('_');
    }
    out
}

fn snake_case(s: &str) -> String {
    let mut out = words(s)
        .iter()
        .map(|w| w.to_lowercase())
        .collect::<Vec<_>>()
        .join("_");
    if out.is_empty() || out.starts_with(|c: char| c.is_numeric()) {
        out.insert(0, 'f');
    }
    match out.as_str() {
        "self" | "super" | "crate" => out.push('_'),
        _ if is_keyword(&out) => out.insert_str(0, "r#"),
        _ => {}
    }
    out
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

/// A Go identifier for a declaration of a bare name (`Box[int]` is no
/// identifier).
fn go_ident(s: &str) -> String {
    if is_identifier(s) {
        return s.to_string();
    }
    camel_case(s)
}

/// `base`, or `base2`, `base3`… whichever `taken` does not hold yet.
fn unique(base: String, taken: &mut HashSet<String>) -> String {
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = match base.strip_prefix("r#") {
            Some(raw) => format!("{raw}_{n}"),
            None if base.ends_with(|c: char| c.is_numeric()) => format!("{base}_{n}"),
            None => format!("{base}{n}"),
        };
        n += 1;
    }
    taken.insert(name.clone());
    name
}

/// A variant name for a registered name: `main.Circle` is `Circle`, `[]int`
/// is `IntSlice`, `map[string]int` is `MapStringInt`.
fn variant_name(registered: &str) -> String {
    fn go(t: &GoType) -> String {
        match t {
            GoType::Named(n) => camel_case(bare(n)),
            GoType::Pointer(i) => go(i),
            GoType::Slice(i) => format!("{}Slice", go(i)),
            GoType::Array(n, i) => format!("{}Array{n}", go(i)),
            GoType::Map(k, v) => format!("Map{}{}", go(k), go(v)),
            GoType::Literal(s) if s.starts_with("struct") => "Struct".into(),
            GoType::Literal(_) => "Interface".into(),
        }
    }
    let name = match parse_go_type(registered) {
        Some(t) => go(&t),
        None => camel_case(registered),
    };
    if is_keyword(&name) {
        format!("{name}_")
    } else {
        name
    }
}

// ---------------------------------------------------------------------------
// Rust.
// ---------------------------------------------------------------------------

/// The codec's types generated Rust may use, in rustfmt's order.
const CODEC_NAMES: [&str; 5] = ["Complex64", "Complex128", "Int", "Uint", "Uintptr"];

/// What generated Rust uses, for its `use` lines and helpers.
#[derive(Default)]
struct Used {
    codec: BTreeSet<&'static str>,
    btree_map: bool,
    f64_key: bool,
    f32_key: bool,
    go_array: bool,
}

impl StreamTypes {
    fn rust_ty(&self, t: &Ty, key: bool, used: &mut Used) -> String {
        match t {
            Ty::Bool => "bool".into(),
            Ty::Int(w) => match w {
                IntW::I8 => "i8".into(),
                IntW::I16 => "i16".into(),
                IntW::I32 => "i32".into(),
                IntW::I64 => "i64".into(),
                IntW::Int => {
                    used.codec.insert("Int");
                    "Int".into()
                }
            },
            Ty::Uint(w) => match w {
                UintW::U8 => "u8".into(),
                UintW::U16 => "u16".into(),
                UintW::U32 => "u32".into(),
                UintW::U64 => "u64".into(),
                UintW::Uint => {
                    used.codec.insert("Uint");
                    "Uint".into()
                }
                UintW::Uintptr => {
                    used.codec.insert("Uintptr");
                    "Uintptr".into()
                }
            },
            Ty::Float32 if key => {
                used.f32_key = true;
                "F32Key".into()
            }
            Ty::Float64 if key => {
                used.f64_key = true;
                "F64Key".into()
            }
            Ty::Float32 => "f32".into(),
            Ty::Float64 => "f64".into(),
            Ty::Complex64 => {
                used.codec.insert("Complex64");
                "Complex64".into()
            }
            Ty::Complex128 => {
                used.codec.insert("Complex128");
                "Complex128".into()
            }
            Ty::String => "String".into(),
            Ty::Bytes => "Vec<u8>".into(),
            Ty::Decl(d) => self.decls[*d].rust.clone(),
            Ty::Option(i) => format!("Option<{}>", self.rust_ty(i, key, used)),
            Ty::Boxed(i) => format!("Box<{}>", self.rust_ty(i, key, used)),
            Ty::Slice(i) => format!("Vec<{}>", self.rust_ty(i, key, used)),
            Ty::Array(n, i) if *n > SERDE_ARRAY_MAX => {
                used.go_array = true;
                format!("GoArray<{}, {n}>", self.rust_ty(i, key, used))
            }
            Ty::Array(n, i) => format!("[{}; {n}]", self.rust_ty(i, key, used)),
            Ty::Map(k, v) => {
                used.btree_map = true;
                format!(
                    "BTreeMap<{}, {}>",
                    self.rust_ty(k, true, used),
                    self.rust_ty(v, key, used)
                )
            }
        }
    }

    fn render_rust(&self, codec: &str) -> String {
        let mut used = Used::default();
        let mut body = String::new();
        for d in &self.decls {
            body.push('\n');
            self.rust_decl(d, &mut body, &mut used);
        }
        // The value types may need helpers too.
        let mut value_used = Used::default();
        let values = self.value_types_with(&mut value_used);
        used.f64_key |= value_used.f64_key;
        used.f32_key |= value_used.f32_key;
        used.go_array |= value_used.go_array;
        let mut helpers = String::new();
        if used.f64_key {
            helpers.push_str(&float_key("F64Key", "f64", "float64"));
        }
        if used.f32_key {
            helpers.push_str(&float_key("F32Key", "f32", "float32"));
        }
        if used.go_array {
            helpers.push_str(GO_ARRAY);
        }

        let mut out = String::new();
        out.push_str(
            "// The types of a gob stream, for the serde gob codec (generated by\n\
             // `goapptrace-proto gob types`). Decoding the stream's values into them\n\
             // and encoding them again with one encoder gives the stream's bytes\n\
             // (map order aside). Go packages the stream does not name are `main`.\n",
        );
        if !values.is_empty() {
            out.push_str(
                "//\n// The stream's top-level values, in order, and the Rust type of each:\n",
            );
            for (range, t) in runs(&values) {
                let _ = writeln!(out, "//   {range}: {t}");
            }
        }
        if let Some(first) = self.first_id() {
            if first != types::FIRST_USER_ID {
                let _ = writeln!(
                    out,
                    "//\n// The sender had used other types before: its type ids start at {first},\n\
                     // so encode with `Registry::with_first_id({first})` to match them."
                );
            }
            if !self.ids_contiguous() {
                out.push_str(
                    "//\n// The stream's type ids have gaps (types the sender numbered but did not\n\
                     // send here), which no registry reproduces.\n",
                );
            }
        }
        if !self.decls.is_empty() || !helpers.is_empty() {
            // In rustfmt's order.
            let mut uses = vec!["use serde::{Deserialize, Serialize};".to_string()];
            if used.btree_map {
                uses.push("use std::collections::BTreeMap;".into());
            }
            let names: Vec<&str> = CODEC_NAMES
                .iter()
                .copied()
                .filter(|n| used.codec.contains(n))
                .collect();
            match names.as_slice() {
                [] => {}
                [one] => uses.push(format!("use {codec}::{one};")),
                many => uses.push(format!("use {codec}::{{{}}};", many.join(", "))),
            }
            uses.sort();
            out.push('\n');
            for u in uses {
                out.push_str(&u);
                out.push('\n');
            }
        }
        out.push_str(&body);
        out.push_str(&helpers);
        out
    }

    fn value_types_with(&self, used: &mut Used) -> Vec<String> {
        self.values
            .iter()
            .map(|t| self.rust_ty(t, false, used))
            .collect()
    }

    fn derives(&self, d: &Decl) -> &'static str {
        if d.key {
            "#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]"
        } else {
            "#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]"
        }
    }

    fn rust_decl(&self, d: &Decl, out: &mut String, used: &mut Used) {
        let id = match d.id {
            Some(id) => format!(" (gob type id {id})"),
            None => String::new(),
        };
        let derives = self.derives(d);
        match &d.kind {
            DeclKind::Struct(fields) => {
                if d.invented {
                    let _ = writeln!(out, "/// A Go struct the stream does not name{id}.");
                } else {
                    let _ = writeln!(out, "/// Go's `{}`{id}.", d.go_full);
                }
                let _ = writeln!(out, "{derives}");
                let _ = writeln!(out, "#[serde(rename = {:?})]", d.go_full);
                if fields.is_empty() {
                    let _ = writeln!(out, "pub struct {} {{}}", d.rust);
                    return;
                }
                let _ = writeln!(out, "pub struct {} {{", d.rust);
                for f in fields {
                    let _ = writeln!(out, "    #[serde(rename = {:?})]", f.go);
                    let _ = writeln!(
                        out,
                        "    pub {}: {},",
                        f.rust,
                        self.rust_ty(&f.ty, d.key, used)
                    );
                }
                out.push_str("}\n");
            }
            DeclKind::Newtype(t) => {
                if d.literal {
                    let _ = writeln!(
                        out,
                        "/// Go's unnamed `{}`, which holds the interface it is held in: the\n\
                         /// newtype (named by the type itself, so the same type to Go) lets the\n\
                         /// codec describe it.",
                        d.go_full
                    );
                } else if d.id.is_none() {
                    let _ = writeln!(
                        out,
                        "/// Go's `{}`, which gob sends as its underlying type.",
                        d.go_full
                    );
                } else {
                    let _ = writeln!(out, "/// Go's `{}`{id}.", d.go_full);
                }
                let _ = writeln!(out, "{derives}");
                let _ = writeln!(out, "#[serde(rename = {:?})]", d.go_full);
                let _ = writeln!(
                    out,
                    "pub struct {}(pub {});",
                    d.rust,
                    self.rust_ty(t, d.key, used)
                );
            }
            DeclKind::Opaque { gob_encoder } => {
                let (prefix, how) = if *gob_encoder {
                    (GOB_ENCODER_PREFIX, "GobEncode")
                } else {
                    (BINARY_MARSHALER_PREFIX, "MarshalBinary")
                };
                let _ = writeln!(
                    out,
                    "/// Go's `{}`{id}, which marshals itself: the bytes of its `{how}`.",
                    d.go_full
                );
                let _ = writeln!(out, "{derives}");
                let _ = writeln!(out, "#[serde(rename = \"{prefix}{}\")]", d.go_full);
                let _ = writeln!(out, "pub struct {}(pub Vec<u8>);", d.rust);
            }
            DeclKind::Interface(variants) => {
                if d.go_full == ANY {
                    out.push_str(
                        "/// Go's `interface {}`: a variant per concrete type the stream holds in\n\
                         /// one, named as registered with `gob.Register`; `Nil` is the nil interface.\n",
                    );
                } else {
                    let _ = writeln!(
                        out,
                        "/// Go's interface `{}`: a variant per concrete type the stream holds in\n\
                         /// one, named as registered with `gob.Register`; `Nil` is the nil interface.",
                        d.go_full
                    );
                }
                let _ = writeln!(out, "{derives}");
                let _ = writeln!(out, "#[serde(rename = {:?})]", d.go_full);
                let _ = writeln!(out, "pub enum {} {{", d.rust);
                for v in variants {
                    let _ = writeln!(out, "    #[serde(rename = {:?})]", v.registered);
                    if v.registered == NIL_VARIANT {
                        let _ = writeln!(out, "    {},", v.rust);
                    } else {
                        let _ =
                            writeln!(out, "    {}({}),", v.rust, self.rust_ty(&v.ty, d.key, used));
                    }
                }
                out.push_str("}\n");
            }
        }
    }
}

/// `values` as runs of equal types: (`0` or `1..=4`, type).
fn runs(values: &[String]) -> Vec<(String, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=values.len() {
        if i == values.len() || values[i] != values[start] {
            let range = if i - start == 1 {
                format!("{start}")
            } else {
                format!("{start}..={}", i - 1)
            };
            out.push((range, values[start].as_str()));
            start = i;
        }
    }
    out
}

fn float_key(name: &str, float: &str, go: &str) -> String {
    format!(
        "
/// A Go `{go}` map key: the float, ordered by `total_cmp` so that it can key
/// a `BTreeMap`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(transparent)]
pub struct {name}(pub {float});

impl PartialEq for {name} {{
    fn eq(&self, other: &Self) -> bool {{
        self.0.total_cmp(&other.0).is_eq()
    }}
}}

impl Eq for {name} {{}}

impl PartialOrd for {name} {{
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {{
        Some(self.cmp(other))
    }}
}}

impl Ord for {name} {{
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {{
        self.0.total_cmp(&other.0)
    }}
}}
"
    )
}

const GO_ARRAY: &str = "
/// A Go array longer than the 32 elements serde's own array impls take.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct GoArray<T, const N: usize>(pub [T; N]);

impl<T: Serialize, const N: usize> Serialize for GoArray<T, N> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeTuple;
        let mut tuple = serializer.serialize_tuple(N)?;
        for element in &self.0 {
            tuple.serialize_element(element)?;
        }
        tuple.end()
    }
}

impl<'de, T: Deserialize<'de>, const N: usize> Deserialize<'de> for GoArray<T, N> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Elements<T, const N: usize>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>, const N: usize> serde::de::Visitor<'de> for Elements<T, N> {
            type Value = GoArray<T, N>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, \"an array of {N} elements\")
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Self::Value, A::Error> {
                let mut elements = Vec::with_capacity(N);
                for i in 0..N {
                    match seq.next_element()? {
                        Some(e) => elements.push(e),
                        None => return Err(serde::de::Error::invalid_length(i, &self)),
                    }
                }
                let array = elements
                    .try_into()
                    .map_err(|_| serde::de::Error::invalid_length(N, &self))?;
                Ok(GoArray(array))
            }
        }
        deserializer.deserialize_tuple(N, Elements(std::marker::PhantomData))
    }
}
";

// ---------------------------------------------------------------------------
// Go.
// ---------------------------------------------------------------------------

impl StreamTypes {
    fn go_ty(&self, t: &Ty) -> String {
        match t {
            Ty::Bool => "bool".into(),
            Ty::Int(w) => match w {
                IntW::I8 => "int8",
                IntW::I16 => "int16",
                IntW::I32 => "int32",
                IntW::I64 => "int64",
                IntW::Int => "int",
            }
            .into(),
            Ty::Uint(w) => match w {
                UintW::U8 => "uint8",
                UintW::U16 => "uint16",
                UintW::U32 => "uint32",
                UintW::U64 => "uint64",
                UintW::Uint => "uint",
                UintW::Uintptr => "uintptr",
            }
            .into(),
            Ty::Float32 => "float32".into(),
            Ty::Float64 => "float64".into(),
            Ty::Complex64 => "complex64".into(),
            Ty::Complex128 => "complex128".into(),
            Ty::String => "string".into(),
            Ty::Bytes => "[]byte".into(),
            Ty::Decl(d) => match &self.decls[*d] {
                Decl {
                    literal: true,
                    kind: DeclKind::Newtype(inner),
                    ..
                } => self.go_ty(inner),
                decl => decl.go.clone(),
            },
            Ty::Option(i) => format!("*{}", self.go_ty(i)),
            Ty::Boxed(i) => self.go_ty(i),
            Ty::Slice(i) => format!("[]{}", self.go_ty(i)),
            Ty::Array(n, i) => format!("[{n}]{}", self.go_ty(i)),
            Ty::Map(k, v) => format!("map[{}]{}", self.go_ty(k), self.go_ty(v)),
        }
    }

    /// A Go expression of the zero value of `t`, for `gob.RegisterName`.
    fn go_zero(&self, t: &Ty, pointer: bool) -> String {
        let name = self.go_ty(t);
        if pointer {
            return format!("new({name})");
        }
        let composite = match t {
            Ty::Slice(_) | Ty::Array(..) | Ty::Map(..) | Ty::Bytes => true,
            Ty::Decl(d) => {
                matches!(
                    self.decls[*d].kind,
                    DeclKind::Struct(_) | DeclKind::Opaque { .. }
                ) || matches!(
                    self.decls[*d].kind,
                    DeclKind::Newtype(Ty::Slice(_) | Ty::Array(..) | Ty::Map(..) | Ty::Bytes)
                )
            }
            _ => false,
        };
        if composite {
            format!("{name}{{}}")
        } else {
            format!("*new({name})")
        }
    }

    fn render_go(&self) -> String {
        let mut out = String::new();
        out.push_str(
            "// The types of a gob stream (generated by `serde_gob::codegen`, or `goapptrace-proto gob types`).\n\
             // The stream sends no package names, widths of integers and floats, or\n\
             // pointers of struct fields: int64, uint64, float64 and complex128 stand\n\
             // for any width, and a pointer for a field the stream sometimes leaves out.\n",
        );
        let values = self.go_value_types();
        if !values.is_empty() {
            out.push_str(
                "//\n// The stream's top-level values, in order, and the Go type of each:\n",
            );
            for (range, t) in runs(&values) {
                let _ = writeln!(out, "//   {range}: {t}");
            }
        }
        let mut registrations = Vec::new();
        for d in &self.decls {
            if let DeclKind::Interface(vs) = &d.kind {
                for v in vs {
                    if v.registered == NIL_VARIANT
                        || is_predeclared(&v.registered)
                        || registrations.iter().any(|(n, _)| *n == v.registered)
                    {
                        continue;
                    }
                    let zero = self.go_zero(&v.ty, v.registered.starts_with('*'));
                    registrations.push((v.registered.clone(), zero));
                }
            }
        }
        if !registrations.is_empty() {
            out.push_str("\nimport \"encoding/gob\"\n");
        }
        for d in &self.decls {
            self.go_decl(d, &mut out);
        }
        if !registrations.is_empty() {
            out.push_str(
                "\n// The concrete types the stream holds in interface values, under the\n\
                 // names they were registered with.\nfunc init() {\n",
            );
            for (name, zero) in registrations {
                let _ = writeln!(out, "\tgob.RegisterName({name:?}, {zero})");
            }
            out.push_str("}\n");
        }
        out
    }

    fn go_decl(&self, d: &Decl, out: &mut String) {
        if d.literal {
            return;
        }
        let id = match d.id {
            Some(id) => format!(" (gob type id {id})"),
            None => String::new(),
        };
        let origin = if d.invented {
            format!("// {}: the stream does not name this type{id}.\n", d.go)
        } else if d.go_full != d.go && !d.go_full.starts_with("main.") {
            format!("// {} is {} in the sender{id}.\n", d.go, d.go_full)
        } else {
            String::new()
        };
        match &d.kind {
            DeclKind::Struct(fields) => {
                out.push('\n');
                out.push_str(&origin);
                if fields.is_empty() {
                    let _ = writeln!(out, "type {} struct{{}}", d.go);
                    return;
                }
                let _ = writeln!(out, "type {} struct {{", d.go);
                let width = fields
                    .iter()
                    .map(|f| f.go.chars().count())
                    .max()
                    .unwrap_or(0);
                for f in fields {
                    let pad = width - f.go.chars().count();
                    let _ = writeln!(out, "\t{}{} {}", f.go, " ".repeat(pad), self.go_ty(&f.ty));
                }
                out.push_str("}\n");
            }
            DeclKind::Newtype(t) => {
                out.push('\n');
                out.push_str(&origin);
                let _ = writeln!(out, "type {} {}", d.go, self.go_ty(t));
            }
            DeclKind::Opaque { gob_encoder } => {
                let (iface, enc, dec) = if *gob_encoder {
                    ("GobEncoder", "GobEncode", "GobDecode")
                } else {
                    ("BinaryMarshaler", "MarshalBinary", "UnmarshalBinary")
                };
                out.push('\n');
                out.push_str(&origin);
                let _ = write!(
                    out,
                    "// {name} marshals itself ({iface}); the stream holds only its bytes.\n\
                     // This stand-in keeps them: replace it with the real type.\n\
                     type {name} struct{{ Bytes []byte }}\n\n\
                     func (v {name}) {enc}() ([]byte, error) {{ return v.Bytes, nil }}\n\n\
                     func (v *{name}) {dec}(b []byte) error {{\n\
                     \tv.Bytes = append([]byte(nil), b...)\n\
                     \treturn nil\n\
                     }}\n",
                    name = d.go
                );
            }
            DeclKind::Interface(variants) => {
                if d.go_full.starts_with("interface") {
                    // `interface {}` and other literals need no declaration.
                    return;
                }
                out.push('\n');
                let concrete: Vec<&str> = variants
                    .iter()
                    .filter(|v| v.registered != NIL_VARIANT)
                    .map(|v| v.registered.as_str())
                    .collect();
                if d.go_full != d.go && !d.go_full.starts_with("main.") {
                    let _ = writeln!(out, "// {} is {} in the sender.", d.go, d.go_full);
                }
                if concrete.is_empty() {
                    let _ = writeln!(out, "// The stream holds no value of {} but nil.", d.go);
                } else {
                    let _ = writeln!(
                        out,
                        "// The stream holds these in {}: {}. Its methods are not sent.",
                        d.go,
                        concrete.join(", ")
                    );
                }
                let _ = writeln!(out, "type {} interface{{}}", d.go);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{self as gob, Int};
    use serde::{Deserialize, Serialize};
    use std::collections::BTreeMap;

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "main.Node")]
    struct Node {
        #[serde(rename = "Value")]
        value: Int,
        #[serde(rename = "Next")]
        next: Option<Box<Node>>,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "main.Circle")]
    struct Circle {
        #[serde(rename = "R")]
        r: f64,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "main.Shape")]
    enum Shape {
        #[serde(rename = "main.Circle")]
        Circle(Circle),
        #[serde(rename = "nil")]
        Nil,
    }

    #[derive(Serialize, Deserialize)]
    #[serde(rename = "main.Drawing")]
    struct Drawing {
        #[serde(rename = "Main")]
        main: Shape,
        #[serde(rename = "All")]
        all: Vec<Shape>,
        #[serde(rename = "ByID")]
        by_id: BTreeMap<i8, String>,
    }

    #[test]
    fn a_recursive_struct_is_boxed_behind_an_option() {
        let list = Node {
            value: Int(1),
            next: Some(Box::new(Node {
                value: Int(2),
                next: None,
            })),
        };
        let stream = gob::to_vec(&list).unwrap();
        let types = StreamTypes::read(&stream).unwrap();
        let rust = types.rust();
        assert!(
            rust.contains("/// Go's `main.Node` (gob type id 64).\n"),
            "{rust}"
        );
        assert!(
            rust.contains(
                "#[serde(rename = \"main.Node\")]\npub struct Node {\n    \
                 #[serde(rename = \"Value\")]\n    pub value: i64,\n    \
                 #[serde(rename = \"Next\")]\n    pub next: Option<Box<Node>>,\n}\n"
            ),
            "{rust}"
        );
        assert!(rust.contains("//   0: Node\n"), "{rust}");
        assert_eq!(types.value_types(), ["Node"]);
        assert_eq!(types.first_id(), Some(64));
        let go = types.go();
        assert!(
            go.contains("type Node struct {\n\tValue int64\n\tNext  *Node\n}\n"),
            "{go}"
        );
    }

    #[test]
    fn interfaces_get_the_concrete_types_the_stream_holds() {
        let drawing = Drawing {
            main: Shape::Circle(Circle { r: 1.5 }),
            all: vec![Shape::Nil, Shape::Circle(Circle { r: 2.0 })],
            by_id: [(1, "one".to_string())].into(),
        };
        let stream = gob::to_vec(&drawing).unwrap();
        let types = StreamTypes::read(&stream).unwrap();
        let rust = types.rust();
        // The field's interface is unnamed on the wire; the slice's is named
        // by the slice's type string.
        assert!(rust.contains("    pub main: Any,\n"), "{rust}");
        assert!(rust.contains("    pub all: Vec<Shape>,\n"), "{rust}");
        assert!(
            rust.contains("    pub by_id: BTreeMap<i8, String>,\n"),
            "{rust}"
        );
        assert!(
            rust.contains(
                "#[serde(rename = \"main.Shape\")]\npub enum Shape {\n    \
                 #[serde(rename = \"main.Circle\")]\n    Circle(Circle),\n    \
                 #[serde(rename = \"nil\")]\n    Nil,\n}\n"
            ),
            "{rust}"
        );
        assert!(
            rust.contains("#[serde(rename = \"interface {}\")]\npub enum Any {"),
            "{rust}"
        );
        assert!(rust.contains("use std::collections::BTreeMap;\n"), "{rust}");
        let go = types.go();
        assert!(
            go.contains("type Drawing struct {\n\tMain interface{}\n\tAll  []Shape\n\tByID map[int8]string\n}\n"),
            "{go}"
        );
        assert!(
            go.contains("\tgob.RegisterName(\"main.Circle\", Circle{})\n"),
            "{go}"
        );
    }

    #[test]
    fn top_level_values_need_no_declaration() {
        let mut registry = gob::Registry::new();
        let mut enc = gob::Encoder::new(&mut registry);
        let mut stream = Vec::new();
        enc.encode_into(&vec![Int(1), Int(2)], &mut stream).unwrap();
        enc.encode_into(&7u64, &mut stream).unwrap();
        enc.encode_into(&8u64, &mut stream).unwrap();
        let types = StreamTypes::read(&stream).unwrap();
        assert_eq!(types.value_types(), ["Vec<i64>", "u64", "u64"]);
        assert_eq!(types.go_value_types(), ["[]int64", "uint64", "uint64"]);
        let rust = types.rust();
        assert!(
            rust.contains("//   0: Vec<i64>\n//   1..=2: u64\n"),
            "{rust}"
        );
        assert!(!rust.contains("use "), "{rust}");
    }

    #[test]
    fn names_are_rust_names() {
        assert_eq!(camel_case("IDList"), "IdList");
        assert_eq!(camel_case("TxID"), "TxId");
        assert_eq!(camel_case("IP4"), "Ip4");
        assert_eq!(camel_case("Über"), "Über");
        assert_eq!(snake_case("IDs"), "ids");
        assert_eq!(snake_case("ByName"), "by_name");
        assert_eq!(snake_case("Type"), "r#type");
        assert_eq!(snake_case("F01"), "f01");
        assert_eq!(variant_name("*main.Triangle"), "Triangle");
        assert_eq!(variant_name("map[string]int"), "MapStringInt");
        assert_eq!(variant_name("[]main.Inner"), "InnerSlice");
    }

    #[test]
    fn go_type_strings_parse() {
        assert_eq!(
            parse_go_type("map[main.Point]*github.com/x/logutil.ID"),
            Some(GoType::Map(
                Box::new(GoType::Named("main.Point".into())),
                Box::new(GoType::Pointer(Box::new(GoType::Named(
                    "logutil.ID".into()
                ))))
            ))
        );
        assert_eq!(
            parse_go_type("[2][]interface {}"),
            Some(GoType::Array(
                2,
                Box::new(GoType::Slice(Box::new(GoType::Literal(
                    "interface {}".into()
                ))))
            ))
        );
        assert_eq!(parse_go_type("func()"), None);
        assert_eq!(parse_go_type("my circle"), None);
    }
}
