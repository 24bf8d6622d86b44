//! Go's standard self-marshalling types, typed: `time.Time` ([`Time`]) and
//! `math/big`'s `Int`, `Rat` and `Float` ([`BigInt`], [`BigRat`],
//! [`BigFloat`]).
//!
//! Each holds every value Go's `GobEncode` writes, reads and writes exactly
//! Go's bytes, and serializes as Go's type that marshals itself
//! (`GobEncoder:time.Time`, `GobEncoder:big.Int`, ...), so it can stand in
//! a struct field, a slice or at the top of a stream like any other type:
//!
//! ```
//! use serde::{Deserialize, Serialize};
//! use serde_gob::{self as gob, BigInt, Time};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! #[serde(rename = "main.Payment")]
//! struct Payment {
//!     #[serde(rename = "At")]
//!     at: Time,
//!     #[serde(rename = "Amount")]
//!     amount: Option<BigInt>, // Go's *big.Int
//! }
//!
//! let at = Time::with_offset(1_533_625_200, 123, 9 * 3600)?;
//! assert_eq!(at.to_rfc3339().as_deref(), Some("2018-08-07T16:00:00.000000123+09:00"));
//! let amount: BigInt = "-123456789012345678901234567890".parse()?;
//! let payment = Payment { at, amount: Some(amount) };
//! let bytes = gob::to_vec(&payment)?;
//! assert_eq!(gob::from_slice::<Payment>(&bytes)?, payment);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Go leaves a zero `time.Time` struct field out of a stream; [`Time`] does
//! the same (it marks its zero value with [`ZERO_VALUE`]),
//! and still writes the full bytes of the zero time at the top level and in
//! slices, as Go does. Go never leaves out a `big` value it holds (they
//! marshal through a pointer): a `*big.Int` field that may be nil is an
//! `Option<BigInt>`.
//!
//! Conversions: [`Time`] to and from `std::time::SystemTime`, and with the
//! features `chrono` and `time`, `chrono::DateTime<FixedOffset>` and
//! `time::OffsetDateTime`; the big numbers to and from `num-bigint`'s
//! `BigInt` and `BigUint` with the feature `num-bigint`.

mod big;
mod nat;
mod time;

use std::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::{Serialize, Serializer};

use crate::schema::ZERO_VALUE;

pub use big::{Accuracy, BigFloat, BigInt, BigRat, FloatForm, RoundingMode};
pub use time::{Time, Zone};

/// A value that Go's `GobDecode` (or the conversion asked for) would refuse:
/// which Go type, which field of its encoding, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{go_type}: {field}: {message}")]
pub struct GoStdError {
    /// The Go type, e.g. `time.Time`.
    pub go_type: &'static str,
    /// The part of the encoding or of the value at fault, e.g. `version`.
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl GoStdError {
    pub(crate) fn new(
        go_type: &'static str,
        field: &'static str,
        message: impl Into<String>,
    ) -> Self {
        GoStdError {
            go_type,
            field,
            message: message.into(),
        }
    }
}

/// The bytes of a value that marshals itself, as a byte string.
struct MarshalledBytes<'a>(&'a [u8]);

impl Serialize for MarshalledBytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// The bytes of Go's zero value, marked as such (see
/// [`ZERO_VALUE`]).
struct ZeroMarked<'a>(&'a [u8]);

impl Serialize for ZeroMarked<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(ZERO_VALUE, &MarshalledBytes(self.0))
    }
}

/// Serializes a self-marshalling value: a newtype named `name` over its
/// bytes, marked when it is Go's zero value.
pub(crate) fn serialize_marshalled<S: Serializer>(
    serializer: S,
    name: &'static str,
    bytes: &[u8],
    go_zero: bool,
) -> Result<S::Ok, S::Error> {
    if go_zero {
        serializer.serialize_newtype_struct(name, &ZeroMarked(bytes))
    } else {
        serializer.serialize_newtype_struct(name, &MarshalledBytes(bytes))
    }
}

/// Deserializes the bytes of a self-marshalling value named `name`: a
/// newtype over bytes, or bytes (or a sequence of bytes) alone.
pub(crate) fn deserialize_marshalled<'de, D: Deserializer<'de>>(
    deserializer: D,
    name: &'static str,
) -> Result<Vec<u8>, D::Error> {
    deserializer.deserialize_newtype_struct(name, NewtypeVisitor(name))
}

struct NewtypeVisitor(&'static str);

impl<'de> Visitor<'de> for NewtypeVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the marshalled bytes of {}", self.0)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Vec<u8>, D::Error> {
        d.deserialize_byte_buf(BytesVisitor(self.0))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Vec<u8>, A::Error> {
        BytesVisitor(self.0).visit_seq(seq)
    }
}

struct BytesVisitor(&'static str);

impl<'de> Visitor<'de> for BytesVisitor {
    type Value = Vec<u8>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "the marshalled bytes of {}", self.0)
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
        Ok(v.to_vec())
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
        Ok(v)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(b) = seq.next_element::<u8>()? {
            out.push(b);
        }
        Ok(out)
    }
}

/// Implements Serialize and Deserialize for a type with `to_gob_bytes`,
/// `from_gob_bytes` and `is_go_zero`.
macro_rules! marshalled_serde {
    ($ty:ty, $name:expr) => {
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                $crate::gostd::serialize_marshalled(
                    serializer,
                    $name,
                    &self.to_gob_bytes(),
                    self.is_go_zero(),
                )
            }
        }

        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let bytes = $crate::gostd::deserialize_marshalled(deserializer, $name)?;
                <$ty>::from_gob_bytes(&bytes).map_err(serde::de::Error::custom)
            }
        }
    };
}
pub(crate) use marshalled_serde;

/// The standard type a self-marshalling value of a stream is.
///
/// Gob carries no Go type string, only the sender's `CommonType.Name`:
/// `time.Time` is named `Time`; `*big.Int`, `*big.Rat` and `*big.Float`
/// (Go marshals them through their pointer type) are sent with no name at
/// all, and a `big.Int` value is named `Int`. So a value is recognized:
///
/// * named `Time`, `Int`, `Rat` or `Float`: as that type when its bytes
///   decode as it;
/// * unnamed: by its bytes, when they are exactly what Go's `math/big`
///   writes: a first byte 1 is a `Float`; 2 or 3 followed by a zero byte
///   (the top of a `Rat`'s 4-byte numerator length) and at least 5 bytes in
///   all is a `Rat`; 2 or 3 alone or followed by a nonzero byte (a
///   magnitude has no leading zeros) is an `Int`.
///
/// A user's own type with one of these names, or unnamed with bytes of
/// that form, is taken for the standard type: the name is all the stream
/// tells.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StdValue {
    /// `time.Time`.
    Time(Time),
    /// `big.Int`.
    Int(BigInt),
    /// `big.Rat`.
    Rat(BigRat),
    /// `big.Float`.
    Float(BigFloat),
}

impl StdValue {
    /// The standard type a value named `name` (its sender's
    /// `CommonType.Name`) holding `bytes` is, if any (see the type).
    pub fn recognize(name: &str, bytes: &[u8]) -> Option<StdValue> {
        match name {
            "Time" => Time::from_gob_bytes(bytes).ok().map(StdValue::Time),
            "Int" => BigInt::from_gob_bytes(bytes).ok().map(StdValue::Int),
            "Rat" => BigRat::from_gob_bytes(bytes).ok().map(StdValue::Rat),
            "Float" => BigFloat::from_gob_bytes(bytes).ok().map(StdValue::Float),
            "" => Self::by_bytes(bytes),
            _ => None,
        }
    }

    /// An unnamed value whose bytes are exactly Go's encoding of a big
    /// number.
    fn by_bytes(bytes: &[u8]) -> Option<StdValue> {
        let value = match (bytes.first()?, bytes.get(1)) {
            (1, _) => StdValue::Float(BigFloat::from_gob_bytes(bytes).ok()?),
            (2 | 3, Some(0)) if bytes.len() >= 5 => {
                StdValue::Rat(BigRat::from_gob_bytes(bytes).ok()?)
            }
            (2 | 3, None) | (2 | 3, Some(1..)) => {
                StdValue::Int(BigInt::from_gob_bytes(bytes).ok()?)
            }
            _ => return None,
        };
        (value.to_gob_bytes() == bytes).then_some(value)
    }

    fn to_gob_bytes(&self) -> Vec<u8> {
        match self {
            StdValue::Time(t) => t.to_gob_bytes(),
            StdValue::Int(v) => v.to_gob_bytes(),
            StdValue::Rat(v) => v.to_gob_bytes(),
            StdValue::Float(v) => v.to_gob_bytes(),
        }
    }

    /// The Go type string, e.g. `time.Time`.
    pub fn go_type(&self) -> &'static str {
        match self {
            StdValue::Time(_) => "time.Time",
            StdValue::Int(_) => "big.Int",
            StdValue::Rat(_) => "big.Rat",
            StdValue::Float(_) => "big.Float",
        }
    }
}
