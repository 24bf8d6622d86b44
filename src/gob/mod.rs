//! A serde codec for Go's `encoding/gob`, byte for byte as Go writes it.
//!
//! The format is specified by Go's own `encoding/gob/doc.go`. This module
//! knows nothing of goapptrace.
//!
//! * [`to_vec`], [`to_writer`] and [`Encoder`] write gob; a [`Registry`]
//!   plays Go's process-wide table of type ids.
//! * [`from_slice`], [`from_reader`] and [`Decoder`] read it into Rust types.
//! * [`Value`] reads any gob stream with no Rust types at all, and
//!   [`dump`](dump::dump) annotates one byte by byte.
//!
//! How Rust types map to Go types is described in [`schema`].

mod de;
pub mod dump;
mod error;
mod go;
mod scalar;
pub mod schema;
mod ser;
mod stream;
pub mod types;
mod value;
pub mod wire;
mod zero;

pub use de::{Decoder, from_reader, from_slice};
pub use error::{Error, Result};
pub use go::{Complex64, Complex128, Int, Uint, Uintptr};
pub use ser::{Encoder, EncoderState, to_vec, to_writer};
pub use stream::{DecoderState, Limits};
pub use types::Registry;
pub use value::{Value, ValueDecoder, decode_values};
pub use zero::NIL_VARIANT;
