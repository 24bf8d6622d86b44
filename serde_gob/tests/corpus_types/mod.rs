//! Rust mirrors of the Go types of the gob corpus (go-fixtures/gobtypes.go,
//! go-fixtures/logutil) and the table of the corpus cases through them,
//! shared by the tests that need them (`mod corpus_types;`).
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Complex64, Complex128, Int, Uint, Uintptr};

// ---------------------------------------------------------------------------
// Mirrors of the Go types (go-fixtures/gobtypes.go, go-fixtures/logutil).
// Fields are listed in Go's declaration order, sent fields only. A map
// field is an `Option`, since Go sends an empty map but not a nil one.
// ---------------------------------------------------------------------------

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Widths", rename_all = "PascalCase")]
pub struct Widths {
    pub i8: i8,
    pub i16: i16,
    pub i32: i32,
    pub i64: i64,
    pub i: Int,
    pub u8: u8,
    pub u16: u16,
    pub u32: u32,
    pub u64: u64,
    pub u: Uint,
    pub p: Uintptr,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.F32", rename_all = "PascalCase")]
pub struct F32 {
    pub a: f32,
    pub b: f32,
    pub c: f32,
    pub d: f32,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Cplx", rename_all = "PascalCase")]
pub struct Cplx {
    pub c64: Complex64,
    pub c128: Complex128,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Flags", rename_all = "PascalCase")]
pub struct Flags {
    pub a: bool,
    pub b: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Blob", rename_all = "PascalCase")]
pub struct Blob {
    pub data: Vec<u8>,
    pub name: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Person", rename_all = "PascalCase")]
pub struct Person {
    pub name: String,
    pub age: Int,
    pub email: String,
    pub score: f64,
    pub active: bool,
    pub tags: Vec<String>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Fields20", rename_all = "PascalCase")]
pub struct Fields20 {
    pub f01: Int,
    pub f02: Int,
    pub f03: Int,
    pub f04: Int,
    pub f05: Int,
    pub f06: Int,
    pub f07: Int,
    pub f08: Int,
    pub f09: Int,
    pub f10: Int,
    pub f11: Int,
    pub f12: Int,
    pub f13: Int,
    pub f14: Int,
    pub f15: Int,
    pub f16: Int,
    pub f17: Int,
    pub f18: Int,
    pub f19: Int,
    pub f20: Int,
}

/// Go's Mixed without the fields gob never sends (unexported, func, chan,
/// pointer to func).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Mixed", rename_all = "PascalCase")]
pub struct Mixed {
    pub name: String,
    pub count: Int,
    pub last: bool,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Inner", rename_all = "PascalCase")]
pub struct Inner {
    pub a: Int,
    pub b: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Outer")]
pub struct Outer {
    #[serde(rename = "ID")]
    pub id: Int,
    #[serde(rename = "In")]
    pub inner: Inner,
    #[serde(rename = "P")]
    pub p: Option<Inner>,
    #[serde(rename = "Q")]
    pub q: Option<Inner>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Base")]
pub struct Base {
    #[serde(rename = "ID")]
    pub id: Int,
}

/// The embedded Base is an ordinary field named after its type.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Derived", rename_all = "PascalCase")]
pub struct Derived {
    pub base: Base,
    pub name: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Empty")]
pub struct Empty {}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.WithEmpty", rename_all = "PascalCase")]
pub struct WithEmpty {
    pub before: Int,
    pub e: Empty,
    pub after: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Slices", rename_all = "PascalCase")]
pub struct Slices {
    pub ints: Vec<Int>,
    pub strs: Vec<String>,
    pub nested: Vec<Vec<Int>>,
    pub empty: Vec<Int>,
    pub nil: Vec<String>,
    pub structs: Vec<Inner>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Arrays", rename_all = "PascalCase")]
pub struct Arrays {
    pub a3: [Int; 3],
    pub z: [Int; 3],
    pub b4: [u8; 4],
    pub s2: [String; 2],
    pub grid: [[Int; 2]; 2],
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Maps")]
pub struct Maps {
    #[serde(rename = "SI")]
    pub si: Option<BTreeMap<String, Int>>,
    #[serde(rename = "IS")]
    pub is: Option<BTreeMap<Int, String>>,
    #[serde(rename = "SL")]
    pub sl: Option<BTreeMap<String, Vec<Int>>>,
    #[serde(rename = "SP")]
    pub sp: Option<BTreeMap<String, Option<Inner>>>,
    /// Empty but not nil in Go, so it is sent.
    #[serde(rename = "E")]
    pub e: Option<BTreeMap<String, Int>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.MapPair", rename_all = "PascalCase")]
pub struct MapPair {
    pub nil: Option<BTreeMap<String, Int>>,
    pub empty: Option<BTreeMap<String, Int>>,
    pub nil_int: Option<BTreeMap<Int, bool>>,
    pub empty_int: Option<BTreeMap<Int, bool>>,
}

/// A Go map with float64 keys, with Go's key equality: 0 and -0 are one key
/// (a later entry replaces the key and the value), and a NaN key equals
/// nothing, not even itself, so a map can hold several.
#[derive(Debug, Clone, PartialEq)]
pub struct FloatMap<V>(pub Vec<(f64, V)>);

impl<V: Serialize> Serialize for FloatMap<V> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for FloatMap<V> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Entries<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> serde::de::Visitor<'de> for Entries<V> {
            type Value = FloatMap<V>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map with float64 keys")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(f64, V)> = Vec::new();
                while let Some((k, v)) = map.next_entry::<f64, V>()? {
                    match out.iter_mut().find(|(old, _)| *old == k) {
                        Some(entry) => *entry = (k, v),
                        None => out.push((k, v)),
                    }
                }
                Ok(FloatMap(out))
            }
        }
        deserializer.deserialize_map(Entries(std::marker::PhantomData))
    }
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.MapKeys")]
pub struct MapKeys {
    #[serde(rename = "F")]
    pub f: Option<FloatMap<String>>,
    #[serde(rename = "B")]
    pub b: Option<BTreeMap<bool, Int>>,
    #[serde(rename = "I8")]
    pub i8: Option<BTreeMap<i8, Uint>>,
    #[serde(rename = "P")]
    pub p: Option<BTreeMap<Point, String>>,
    #[serde(rename = "A")]
    pub a: Option<BTreeMap<[Int; 2], bool>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Ptrs")]
pub struct Ptrs {
    #[serde(rename = "PI")]
    pub pi: Option<Int>,
    #[serde(rename = "PZ")]
    pub pz: Option<Int>,
    #[serde(rename = "PN")]
    pub pn: Option<Int>,
    #[serde(rename = "PPS")]
    pub pps: Option<Option<String>>,
    #[serde(rename = "PS")]
    pub ps: Option<Inner>,
    #[serde(rename = "PF")]
    pub pf: Option<f64>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.PtrComposite")]
pub struct PtrComposite {
    #[serde(rename = "PS")]
    pub ps: Option<Vec<Int>>,
    #[serde(rename = "PM")]
    pub pm: Option<BTreeMap<String, Int>>,
    #[serde(rename = "PA")]
    pub pa: Option<[Int; 2]>,
    #[serde(rename = "PE")]
    pub pe: Option<Vec<Int>>,
    #[serde(rename = "PN")]
    pub pn: Option<[Int; 2]>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.PointList", rename_all = "PascalCase")]
pub struct PointList {
    pub pts: Vec<Option<Point>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Celsius")]
pub struct Celsius(pub f64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.ID")]
pub struct Id(pub u64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename = "main.Name")]
pub struct Name(pub String);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Level")]
pub struct Level(pub i8);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Reading")]
pub struct Reading {
    #[serde(rename = "Temp")]
    pub temp: Celsius,
    #[serde(rename = "Who")]
    pub who: Id,
    #[serde(rename = "Label")]
    pub label: Name,
    #[serde(rename = "Lvl")]
    pub lvl: Level,
    #[serde(rename = "IDs")]
    pub ids: Vec<Id>,
    #[serde(rename = "ByName")]
    pub by_name: Option<BTreeMap<Name, Id>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.IDList")]
pub struct IdList(pub Vec<u64>);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Grid")]
pub struct Grid(pub [[Int; 2]; 2]);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Index")]
pub struct Index(pub BTreeMap<String, Int>);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Matrix")]
pub struct Matrix(pub Vec<Vec<f64>>);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Named", rename_all = "PascalCase")]
pub struct Named {
    pub l: IdList,
    pub g: Grid,
    pub x: Option<Index>,
    pub m: Matrix,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Raw")]
pub struct Raw(pub Vec<u8>);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Octet")]
pub struct Octet(pub u8);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.NamedBytes", rename_all = "PascalCase")]
pub struct NamedBytes {
    pub r: Raw,
    pub o: Vec<Octet>,
    pub a: [Octet; 2],
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "logutil.FuncStatusID")]
pub struct FuncStatusId(pub u64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "logutil.RawFuncLogID")]
pub struct RawFuncLogId(pub Int);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "logutil.TagName")]
pub struct TagName(pub String);

/// `logutil.Time`: Unix nanoseconds; a TextMarshaler, which gob ignores.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "logutil.Time")]
pub struct LogTime(pub i64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "logutil.GID")]
pub struct Gid(pub i64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "logutil.TxID")]
pub struct TxId(pub u64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "logutil.RawFuncLog")]
pub struct RawFuncLog {
    #[serde(rename = "ID")]
    pub id: RawFuncLogId,
    #[serde(rename = "Tag")]
    pub tag: TagName,
    #[serde(rename = "Timestamp")]
    pub timestamp: LogTime,
    #[serde(rename = "Frames")]
    pub frames: Vec<FuncStatusId>,
    #[serde(rename = "GID")]
    pub gid: Gid,
    #[serde(rename = "TxID")]
    pub tx_id: TxId,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Node", rename_all = "PascalCase")]
pub struct Node {
    pub value: Int,
    pub next: Option<Box<Node>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Tree", rename_all = "PascalCase")]
pub struct Tree {
    pub name: String,
    pub children: Vec<Tree>,
    pub left: Option<Box<Tree>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.A", rename_all = "PascalCase")]
pub struct A {
    pub n: Int,
    pub b: Option<Box<B>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.B", rename_all = "PascalCase")]
pub struct B {
    pub s: String,
    pub a: Option<Box<A>>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Circle", rename_all = "PascalCase")]
pub struct Circle {
    pub r: f64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Square", rename_all = "PascalCase")]
pub struct Square {
    pub s: f64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Triangle", rename_all = "PascalCase")]
pub struct Triangle {
    pub base: f64,
    pub height: f64,
}

/// Go's `Shape` interface with its registered implementations.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Shape")]
pub enum Shape {
    #[serde(rename = "main.Circle")]
    Circle(Circle),
    #[serde(rename = "main.Square")]
    Square(Square),
    /// Registered through a pointer (`gob.Register(&Triangle{})`).
    #[serde(rename = "*main.Triangle")]
    Triangle(Triangle),
    #[serde(rename = "nil")]
    Nil,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Drawing", rename_all = "PascalCase")]
pub struct Drawing {
    pub title: String,
    pub main: Shape,
    pub nil: Shape,
    pub all: Vec<Shape>,
}

/// Go's `any`, with every concrete type the Go side can put in one: gob's
/// pre-registered basic types and the fixtures' registrations.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "interface {}")]
pub enum Any {
    #[serde(rename = "int")]
    Int(Int),
    #[serde(rename = "string")]
    String(String),
    #[serde(rename = "float64")]
    Float64(f64),
    #[serde(rename = "bool")]
    Bool(bool),
    #[serde(rename = "[]int")]
    Ints(Vec<Int>),
    #[serde(rename = "main.Circle")]
    Circle(Circle),
    #[serde(rename = "main.Square")]
    Square(Square),
    #[serde(rename = "*main.Triangle")]
    Triangle(Triangle),
    #[serde(rename = "main.Point")]
    Point(Point),
    #[serde(rename = "map[string]int")]
    MapStringInt(BTreeMap<String, Int>),
    #[serde(rename = "[]main.Inner")]
    Inners(Vec<Inner>),
    #[serde(rename = "[2]int")]
    IntPair([Int; 2]),
    #[serde(rename = "nil")]
    Nil,
    // The rest of gob's pre-registered basic types (encoding/gob's
    // registerBasics), which a Go `any` may hold too.
    #[serde(rename = "int8")]
    Int8(i8),
    #[serde(rename = "int16")]
    Int16(i16),
    #[serde(rename = "int32")]
    Int32(i32),
    #[serde(rename = "int64")]
    Int64(i64),
    #[serde(rename = "uint")]
    Uint(Uint),
    #[serde(rename = "uint8")]
    Uint8(u8),
    #[serde(rename = "uint16")]
    Uint16(u16),
    #[serde(rename = "uint32")]
    Uint32(u32),
    #[serde(rename = "uint64")]
    Uint64(u64),
    #[serde(rename = "uintptr")]
    Uintptr(Uintptr),
    #[serde(rename = "float32")]
    Float32(f32),
    #[serde(rename = "complex64")]
    Complex64(Complex64),
    #[serde(rename = "complex128")]
    Complex128(Complex128),
    #[serde(rename = "[]uint8")]
    Bytes(Vec<u8>),
    #[serde(rename = "[]int8")]
    Int8s(Vec<i8>),
    #[serde(rename = "[]int16")]
    Int16s(Vec<i16>),
    #[serde(rename = "[]int32")]
    Int32s(Vec<i32>),
    #[serde(rename = "[]int64")]
    Int64s(Vec<i64>),
    #[serde(rename = "[]uint")]
    Uints(Vec<Uint>),
    #[serde(rename = "[]uint16")]
    Uint16s(Vec<u16>),
    #[serde(rename = "[]uint32")]
    Uint32s(Vec<u32>),
    #[serde(rename = "[]uint64")]
    Uint64s(Vec<u64>),
    #[serde(rename = "[]float32")]
    Float32s(Vec<f32>),
    #[serde(rename = "[]float64")]
    Float64s(Vec<f64>),
    #[serde(rename = "[]complex64")]
    Complex64s(Vec<Complex64>),
    #[serde(rename = "[]complex128")]
    Complex128s(Vec<Complex128>),
    #[serde(rename = "[]uintptr")]
    Uintptrs(Vec<Uintptr>),
    #[serde(rename = "[]bool")]
    Bools(Vec<bool>),
    #[serde(rename = "[]string")]
    Strings(Vec<String>),
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Bag", rename_all = "PascalCase")]
pub struct Bag {
    pub items: Vec<Any>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Holder", rename_all = "PascalCase")]
pub struct Holder {
    pub v: Any,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
#[serde(rename = "main.Point", rename_all = "PascalCase")]
pub struct Point {
    pub x: Int,
    pub y: Int,
}

/// `time.Time`, a GobEncoder: the bytes of its `MarshalBinary`.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "GobEncoder:time.Time")]
pub struct Time(pub Vec<u8>);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Event", rename_all = "PascalCase")]
pub struct Event {
    pub name: String,
    pub at: Time,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "GobEncoder:main.Version")]
pub struct Version(pub Vec<u8>);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Package", rename_all = "PascalCase")]
pub struct Package {
    pub name: String,
    pub v: Version,
    pub p: Option<Version>,
    pub z: Version,
    pub n: Option<Version>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "GobEncoder:main.Semver")]
pub struct Semver(pub Vec<u8>);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Release", rename_all = "PascalCase")]
pub struct Release {
    pub name: String,
    pub v: Semver,
    pub z: Semver,
    pub p: Option<Semver>,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "BinaryMarshaler:main.IP4")]
pub struct Ip4(pub Vec<u8>);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Host", rename_all = "PascalCase")]
pub struct Host {
    pub name: String,
    pub addr: Ip4,
    pub mask: Option<Ip4>,
}

/// A TextMarshaler, which gob ignores: a plain int64.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Stamp")]
pub struct Stamp(pub i64);

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Stamped", rename_all = "PascalCase")]
pub struct Stamped {
    pub s: Stamp,
    pub label: String,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.FuncLog")]
pub struct FuncLog {
    #[serde(rename = "ID")]
    pub id: Int,
    #[serde(rename = "Tag")]
    pub tag: String,
    #[serde(rename = "Timestamp")]
    pub timestamp: i64,
    #[serde(rename = "Frames")]
    pub frames: Vec<u64>,
    #[serde(rename = "GID")]
    pub gid: i64,
    #[serde(rename = "TxID")]
    pub tx_id: u64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.NZ", rename_all = "PascalCase")]
pub struct Nz {
    pub f: f64,
    pub g: f64,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Deep", rename_all = "PascalCase")]
pub struct Deep {
    pub next: Option<Box<Deep>>,
    pub v: Int,
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Über")]
pub struct Uber {
    #[serde(rename = "Ñame")]
    pub name: String,
}

/// Go's UnicodeFields without `ñame`, which starts with a lower-case rune.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.UnicodeFields")]
pub struct UnicodeFields {
    #[serde(rename = "Ñame")]
    pub name: String,
    #[serde(rename = "Ärger")]
    pub arger: Int,
}

// ---------------------------------------------------------------------------
// The case table.
// ---------------------------------------------------------------------------

/// Decodes the next value of a stream, appends its encoding to the new
/// stream, and returns its encoding alone (see [`roundtrip`]).
pub type RoundTrip =
    fn(&mut gob::Decoder<&[u8]>, &mut gob::Encoder<'_>, &mut Vec<u8>) -> Result<Vec<u8>, String>;

/// Decodes the next value as the step's type: `Ok(None)` at the end of the
/// stream, else the value encoded alone again (or why it could not be).
pub type DecodeNext =
    fn(&mut gob::Decoder<&[u8]>) -> Result<Option<Result<Vec<u8>, String>>, gob::Error>;

/// One top-level value of a stream: decodes the next value as a `T` and
/// encodes it again.
#[derive(Clone, Copy)]
pub struct Step {
    pub rust_type: &'static str,
    pub run: RoundTrip,
    /// The Go type's name as the oracle takes it (`main.Person`, `[]int`).
    pub go_name: fn() -> String,
    pub decode_next: DecodeNext,
    pub schema: fn() -> &'static gob::schema::Schema,
    /// Decodes the next value and takes it through `to_value` and
    /// `from_value`: `Ok(None)` at the end of the stream, else what differs.
    pub through_value: DecodeNext,
}

/// The step for a value of Rust type `T`.
pub fn v<T: Serialize + DeserializeOwned + std::fmt::Debug + 'static>() -> Step {
    Step {
        rust_type: std::any::type_name::<T>(),
        run: roundtrip::<T>,
        go_name: go_name::<T>,
        decode_next: decode_next::<T>,
        schema: schema::<T>,
        through_value: through_value::<T>,
    }
}

/// Decodes the next value as a `T` and checks that
/// `from_value(to_value(&value))` gives it back (by its `Debug` text, since
/// NaN is not equal to itself); the error says what differs.
fn through_value<T: Serialize + DeserializeOwned + std::fmt::Debug + 'static>(
    dec: &mut gob::Decoder<&[u8]>,
) -> Result<Option<Result<Vec<u8>, String>>, gob::Error> {
    let Some(value) = dec.decode::<T>()? else {
        return Ok(None);
    };
    let check = || -> Result<Vec<u8>, String> {
        let dynamic = gob::to_value(&value).map_err(|e| format!("to_value: {e}"))?;
        let back: T = gob::from_value(dynamic.clone())
            .map_err(|e| format!("from_value of {dynamic:?}: {e}"))?;
        let (want, got) = (format!("{value:?}"), format!("{back:?}"));
        if want != got {
            return Err(format!("{want} came back as {got} through {dynamic:?}"));
        }
        Ok(Vec::new())
    };
    Ok(Some(check()))
}

fn schema<T: DeserializeOwned + 'static>() -> &'static gob::schema::Schema {
    gob::schema::schema_of::<T>().unwrap_or_else(|e| panic!("{}: {e}", std::any::type_name::<T>()))
}

/// The Go type string of `T`, from its traced schema.
pub fn go_name<T: DeserializeOwned + 'static>() -> String {
    let schema = schema::<T>();
    schema.node(schema.root).go_string.clone()
}

fn decode_next<T: Serialize + DeserializeOwned + 'static>(
    dec: &mut gob::Decoder<&[u8]>,
) -> Result<Option<Result<Vec<u8>, String>>, gob::Error> {
    gob::declare::<T>()?;
    Ok(dec
        .decode::<T>()?
        .map(|value| gob::to_vec(&value).map_err(|e| e.to_string())))
}

/// Decodes the next value as a `T`, appends its encoding by `enc` to `out`,
/// and returns its encoding alone, as a one-value stream of a fresh process.
pub fn roundtrip<T: Serialize + DeserializeOwned + 'static>(
    dec: &mut gob::Decoder<&[u8]>,
    enc: &mut gob::Encoder<'_>,
    out: &mut Vec<u8>,
) -> Result<Vec<u8>, String> {
    // A value may leave gaps (a None, an empty slice) that only T's
    // declaration fills.
    gob::declare::<T>().map_err(|e| format!("declaring: {e}"))?;
    let value: T = dec
        .decode()
        .map_err(|e| format!("decoding: {e}"))?
        .ok_or("the stream ended before this value")?;
    enc.encode_into(&value, out)
        .map_err(|e| format!("encoding: {e}"))?;
    gob::to_vec(&value).map_err(|e| format!("encoding alone: {e}"))
}

pub struct Case {
    pub name: &'static str,
    /// The steps of each stream, in the manifest's stream order.
    pub streams: Vec<Vec<Step>>,
}

pub fn case(name: &'static str, values: &[Step]) -> Case {
    Case {
        name,
        streams: vec![values.to_vec()],
    }
}

pub fn cases() -> Vec<Case> {
    vec![
        case("arrays", &[v::<Arrays>(), v::<[String; 3]>()]),
        case("binary_marshaler", &[v::<Host>(), v::<Host>(), v::<Ip4>()]),
        case("bools", &[v::<bool>(), v::<bool>(), v::<Flags>()]),
        case(
            "bytes",
            &[v::<Vec<u8>>(), v::<Vec<u8>>(), v::<Vec<u8>>(), v::<Blob>()],
        ),
        case(
            "complex_values",
            &[
                v::<Complex128>(),
                v::<Complex128>(),
                v::<Complex128>(),
                v::<Complex128>(),
                v::<Cplx>(),
            ],
        ),
        case("deep_nesting", &[v::<Deep>()]),
        case("doc_example", &[v::<Point>()]),
        case("float32_struct", &[v::<F32>()]),
        case("float64_values", &[v::<f64>(); 12]),
        case(
            "gob_encoder_custom",
            &[v::<Package>(), v::<Version>(), v::<Version>()],
        ),
        case(
            "gob_encoder_ptr_receiver",
            &[v::<Release>(), v::<Release>(), v::<Semver>()],
        ),
        case(
            "gob_encoder_time",
            &[v::<Event>(), v::<Event>(), v::<Event>(), v::<Time>()],
        ),
        case("int_extremes", &[v::<i64>(); 13]),
        case("int_widths", &[v::<Widths>(), v::<Widths>()]),
        case("interface_basic_concretes", &[v::<Bag>()]),
        case("interface_composite_concretes", &[v::<Holder>(); 4]),
        case("interface_field", &[v::<Drawing>()]),
        case(
            "interface_map",
            &[
                v::<BTreeMap<String, Any>>(),
                v::<Holder>(),
                v::<Holder>(),
                v::<Holder>(),
            ],
        ),
        case("interface_top_level", &[v::<Shape>(); 4]),
        case("map_bytes_values", &[v::<BTreeMap<String, Vec<u8>>>()]),
        case("map_key_kinds", &[v::<MapKeys>()]),
        case("map_nil_vs_empty", &[v::<MapPair>()]),
        case(
            "map_struct_values",
            &[v::<BTreeMap<String, Inner>>(), v::<BTreeMap<Int, Inner>>()],
        ),
        case(
            "maps_multi",
            &[
                v::<BTreeMap<String, Int>>(),
                v::<BTreeMap<Int, String>>(),
                v::<BTreeMap<String, BTreeMap<String, Int>>>(),
            ],
        ),
        case("maps_single", &[v::<Maps>(), v::<BTreeMap<String, Int>>()]),
        case(
            "mixed_stream",
            &[
                v::<Int>(),
                v::<String>(),
                v::<Person>(),
                v::<Vec<Int>>(),
                v::<BTreeMap<String, Int>>(),
                v::<Person>(),
                v::<f64>(),
            ],
        ),
        case("multi_values_same_type", &[v::<Person>(); 3]),
        case("mutual_recursion", &[v::<A>()]),
        case("named_basic", &[v::<Reading>()]),
        case("named_bytes", &[v::<NamedBytes>()]),
        case("named_composite", &[v::<Named>(), v::<IdList>()]),
        case(
            "named_other_package",
            &[v::<RawFuncLog>(), v::<Vec<RawFuncLog>>()],
        ),
        case("negative_zero_field", &[v::<Nz>(), v::<Nz>()]),
        case("pointer_composites", &[v::<PtrComposite>()]),
        case("pointers", &[v::<Ptrs>(), v::<Inner>()]),
        case("recursive_list", &[v::<Node>()]),
        case("recursive_tree", &[v::<Tree>()]),
        Case {
            name: "shared_registry",
            streams: vec![vec![v::<Person>()], vec![v::<Point>()], vec![v::<Person>()]],
        },
        case("slice_large", &[v::<Vec<Int>>(), v::<Vec<u64>>()]),
        case(
            "slice_of_pointers",
            &[v::<Vec<Option<Inner>>>(), v::<PointList>()],
        ),
        case(
            "slice_top_level",
            &[
                v::<Vec<Int>>(),
                v::<Vec<String>>(),
                v::<Vec<Vec<Int>>>(),
                v::<Vec<Inner>>(),
            ],
        ),
        case("slices", &[v::<Slices>()]),
        case("strings", &[v::<String>(); 5]),
        case("struct_basic", &[v::<Person>()]),
        case("struct_embedded", &[v::<Derived>(); 2]),
        case(
            "struct_empty",
            &[v::<Empty>(), v::<Empty>(), v::<WithEmpty>()],
        ),
        case("struct_field_deltas", &[v::<Fields20>()]),
        case("struct_many_fields_frames", &[v::<FuncLog>()]),
        case("struct_nested", &[v::<Outer>(); 2]),
        case("struct_unexported", &[v::<Mixed>(); 2]),
        case("struct_zero", &[v::<Person>()]),
        case("text_marshaler_ignored", &[v::<Stamped>(), v::<Stamp>()]),
        case("top_level_pointer_struct", &[v::<Person>(), v::<Point>()]),
        case("uint_extremes", &[v::<u64>(); 12]),
        case("unicode_names", &[v::<Uber>(), v::<UnicodeFields>()]),
        case(
            "zero_top_level",
            &[
                v::<Int>(),
                v::<String>(),
                v::<bool>(),
                v::<f64>(),
                v::<Person>(),
            ],
        ),
    ]
}
