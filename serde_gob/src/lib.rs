//! A serde codec for Go's `encoding/gob`, byte for byte as Go writes it.
//!
//! The format is specified by Go's own `encoding/gob/doc.go`.
//!
//! * [`to_vec`], [`to_writer`] and [`Encoder`] write gob; a [`Registry`]
//!   plays Go's process-wide table of type ids.
//! * [`from_slice`], [`from_reader`] and [`Decoder`] read it into Rust types;
//!   from a slice ([`SliceInput`]) in place, and values may borrow from it.
//! * [`Value`] reads any gob stream with no Rust types at all; with the
//!   feature `json` (on by default) it has a JSON form, and
//!   [`dump`](dump::dump) annotates a stream byte by byte. `Value` is a serde
//!   type too: a field of type `Value` in a Rust struct keeps whatever the
//!   stream holds there, and [`to_value`] and [`from_value`] go between Rust
//!   values and `Value`s (the details in the docs of `Value`'s serde impls).
//!
//! How Rust types map to Go types is described in [`schema`].
//! * [`Time`], [`BigInt`], [`BigRat`] and [`BigFloat`] are Go's `time.Time`
//!   and `math/big` numbers, typed (module [`gostd`]).
//!
//! Features: `json` (default) adds `Value::to_json` and `dump`, and with
//! them the dependencies serde_json and base64. Without it the crate
//! depends on serde and thiserror only. The optional features `chrono`,
//! `time` and `num-bigint` add conversions of [`Time`] and [`BigInt`] to
//! and from those crates' types.
//!
//! ```
//! use serde_gob::{self as gob, Int};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, PartialEq, Serialize, Deserialize)]
//! #[serde(rename = "main.Point")] // package main, type Point
//! struct Point {
//!     #[serde(rename = "X")]
//!     x: Int, // Go's int
//!     #[serde(rename = "Y")]
//!     y: Int,
//! }
//!
//! let bytes = gob::to_vec(&Point { x: Int(22), y: Int(33) })?;
//! // What Go's gob.Encoder writes for Point{22, 33} in a fresh process.
//! assert_eq!(&bytes[bytes.len() - 8..], [0x07, 0xff, 0x80, 0x01, 0x2c, 0x01, 0x42, 0x00]);
//! assert_eq!(gob::from_slice::<Point>(&bytes)?, Point { x: Int(22), y: Int(33) });
//!
//! // Any stream, without Rust types:
//! let values = gob::decode_values(&bytes)?;
//! # #[cfg(feature = "json")]
//! assert_eq!(values[0].to_json().to_string(), r#"{"X":22,"Y":33}"#);
//! # Ok::<(), gob::Error>(())
//! ```

#![warn(missing_docs)]

pub mod codegen;
mod de;
#[cfg(feature = "json")]
pub mod dump;
mod error;
mod go;
pub mod gostd;
mod gotext;
#[cfg(feature = "json")]
mod json;
mod scalar;
pub mod schema;
mod ser;
pub mod shape;
mod stream;
pub mod types;
mod value;
mod value_serde;
pub mod wire;
mod zero;

pub use codegen::StreamTypes;
pub use de::{Decoder, IntoValues, Values, from_reader, from_slice};
pub use error::{Error, Result};
pub use go::{Complex64, Complex128, Int, Uint, Uintptr};
pub use gostd::{BigFloat, BigInt, BigRat, Time};
pub use ser::{Encoder, EncoderState, StreamEncoder, to_vec, to_writer};
pub use shape::{declare, declare_example};
pub use stream::{DecoderState, Input, Limits, SliceInput};
pub use types::Registry;
pub use value::{Value, ValueDecoder, decode_values};
pub use value_serde::{ANY_INTERFACE, from_value, to_value};
pub use zero::NIL_VARIANT;

/// The README's examples, run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExamples;
