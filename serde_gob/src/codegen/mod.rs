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

mod build;
mod go;
mod gotype;
mod naming;
mod read;
mod rust;

use std::io::Read;

use super::error::Result;
use super::types::GobId;

use build::Builder;
use read::Scan;
use rust::Used;

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
    /// How many of them are unnamed self-marshalling types: Go numbers a
    /// second id for each, which it never defines.
    unnamed_opaques: usize,
}

impl StreamTypes {
    /// Reads the whole stream held in `stream`.
    pub fn read(stream: &[u8]) -> Result<StreamTypes> {
        StreamTypes::from_reader(stream)
    }

    /// Reads a whole stream from `reader`. Errors name the byte offset of
    /// bad input.
    pub fn from_reader<R: Read>(reader: R) -> Result<StreamTypes> {
        StreamTypes::from_reader_with(reader, Options::default())
    }

    /// Reads the whole stream held in `stream`, generating as `options` say.
    pub fn read_with(stream: &[u8], options: Options) -> Result<StreamTypes> {
        StreamTypes::from_reader_with(stream, options)
    }

    /// Reads a whole stream from `reader`, generating as `options` say.
    pub fn from_reader_with<R: Read>(reader: R, options: Options) -> Result<StreamTypes> {
        let scan = Scan::read(reader)?;
        Builder::new(&scan, options).build()
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
        let gaps: i64 = ids.windows(2).map(|w| w[1] - w[0] - 1).sum();
        gaps <= self.unnamed_opaques as i64
    }
}

/// How [`StreamTypes`] generates types. `Options::default()` is what
/// [`StreamTypes::read`] does; set fields on it for more.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Options {
    /// Every interface is a [`Value`](crate::Value), which holds whatever
    /// concrete type comes (an interface value is `Value::Interface`, nil is
    /// `Value::Nil`), rather than an enum of the concrete types the sample
    /// stream had, which refuses any other. The Go declarations print such
    /// an interface as `interface{}`. A map keyed by an interface cannot be
    /// open: `Value` has no order.
    pub open_interfaces: bool,
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
    /// An open interface: the codec's `Value`.
    Value,
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
    /// A self-marshalling type the stream defines with no name (Go's
    /// pointer types, such as `*big.Int`).
    unnamed_opaque: bool,
}

#[derive(Debug, Clone)]
enum DeclKind {
    Struct(Vec<FieldDecl>),
    Newtype(Ty),
    Opaque {
        gob_encoder: bool,
    },
    /// One of Go's standard self-marshalling types, which the codec has a
    /// type for: no declaration.
    Std(StdTy),
    Interface(Vec<VariantDecl>),
}

/// Go's standard self-marshalling types the generated code names by the
/// codec's types ([`crate::gostd`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum StdTy {
    Time,
    BigInt,
    BigRat,
    BigFloat,
}

impl StdTy {
    /// The codec's Rust type.
    fn rust(self) -> &'static str {
        match self {
            StdTy::Time => "Time",
            StdTy::BigInt => "BigInt",
            StdTy::BigRat => "BigRat",
            StdTy::BigFloat => "BigFloat",
        }
    }

    /// The Go type, as the codec's serde name has it.
    fn go(self) -> &'static str {
        match self {
            StdTy::Time => "time.Time",
            StdTy::BigInt => "*big.Int",
            StdTy::BigRat => "*big.Rat",
            StdTy::BigFloat => "*big.Float",
        }
    }

    /// The Go package to import.
    fn import(self) -> &'static str {
        match self {
            StdTy::Time => "time",
            _ => "math/big",
        }
    }

    /// The standard type of a value of a self-marshalling wire type named
    /// `name`, when `bytes` are exactly its encoding.
    fn of_value(name: &str, bytes: &[u8]) -> Option<StdTy> {
        use crate::gostd::StdValue;
        if !matches!(name, "Time" | "") {
            // A named `Int`, `Rat` or `Float` is a big number held by
            // value, which the codec's types do not stand for.
            return None;
        }
        Some(match StdValue::recognize(name, bytes)? {
            StdValue::Time(t) if t.to_gob_bytes() == bytes => StdTy::Time,
            StdValue::Int(_) => StdTy::BigInt,
            StdValue::Rat(_) => StdTy::BigRat,
            StdValue::Float(_) => StdTy::BigFloat,
            _ => return None,
        })
    }
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

#[cfg(test)]
mod tests;
