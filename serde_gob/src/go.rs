//! Rust stand-ins for Go types that serde has no word for.

use serde::{Deserialize, Serialize, Serializer};

/// Go's `int` (64 bits on the platforms goapptrace runs on). Plain `i64` is
/// Go's `int64`; the two travel alike but are named differently inside
/// composite type names such as `[]int`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename = "int")]
pub struct Int(pub i64);

/// Go's `uint`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename = "uint")]
pub struct Uint(pub u64);

/// Go's `uintptr`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename = "uintptr")]
pub struct Uintptr(pub u64);

/// Go's `complex128`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "complex128")]
pub struct Complex128 {
    /// The real part.
    pub re: f64,
    /// The imaginary part.
    pub im: f64,
}

/// Go's `complex64`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "complex64")]
pub struct Complex64 {
    /// The real part.
    pub re: f32,
    /// The imaginary part.
    pub im: f32,
}

impl From<i64> for Int {
    fn from(v: i64) -> Self {
        Int(v)
    }
}

impl From<u64> for Uint {
    fn from(v: u64) -> Self {
        Uint(v)
    }
}

// The integers serialize as serde's derive would (a newtype struct named
// after the Go type), written out to be inlined: a derived `serialize` is
// a call, which an encoder's hot path pays for and which passes it the
// encoder's state (so its buffer length goes back to memory around it).
macro_rules! newtype_serialize {
    ($($ty:ident => $go:literal),*) => {$(
        impl Serialize for $ty {
            #[inline]
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_newtype_struct($go, &self.0)
            }
        }
    )*};
}

newtype_serialize!(Int => "int", Uint => "uint", Uintptr => "uintptr");
