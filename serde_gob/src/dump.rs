//! An annotated dump of a gob stream: every message, type definition and
//! value with its offset, for the day a Go peer and this crate disagree.

use std::fmt::Write as _;
use std::io::Read;

use super::error::Error;
use super::stream::Event;
use super::types::{Shape, WireType};
use super::value::ValueDecoder;

/// Dumps the stream read from `reader`. On bad input the dump shows
/// everything up to the fault, and the error is returned beside it.
pub fn dump<R: Read>(reader: R) -> (String, Option<Error>) {
    let mut decoder = ValueDecoder::new(reader);
    decoder.record_events();
    let mut out = String::new();
    loop {
        let result = decoder.next_value();
        for event in decoder.take_events() {
            write_event(&mut out, &event);
        }
        match result {
            Ok(Some(_)) => {}
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e)),
        }
    }
}

fn write_event(out: &mut String, event: &Event) {
    // Writing to a String cannot fail.
    let _ = match event {
        Event::Message { offset, len } => {
            writeln!(out, "{offset:>8}  message, {len} bytes")
        }
        Event::TypeDef { offset, wire } => {
            writeln!(
                out,
                "{offset:>8}    define type {}: {}",
                wire.id,
                definition(wire)
            )
        }
        Event::Value { offset, id } => writeln!(out, "{offset:>8}    value of type {id}"),
        Event::Item {
            offset,
            len,
            depth,
            label,
            text,
        } => writeln!(
            out,
            "{offset:>8}  {len:>4}  {:indent$}{label}: {text}",
            "",
            indent = 4 + depth * 2
        ),
    };
}

fn definition(wire: &WireType) -> String {
    let name = if wire.name.is_empty() {
        "(unnamed)".to_string()
    } else {
        format!("{:?}", wire.name)
    };
    match &wire.shape {
        Shape::Struct { fields } => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("{} type {}", f.name, f.id))
                .collect();
            format!("struct {name} {{ {} }}", fields.join("; "))
        }
        Shape::Slice { elem } => format!("slice {name} of type {elem}"),
        Shape::Array { elem, len } => format!("array {name} of {len} type {elem}"),
        Shape::Map { key, elem } => format!("map {name} from type {key} to type {elem}"),
        Shape::GobEncoder => format!("GobEncoder {name}"),
        Shape::BinaryMarshaler => format!("BinaryMarshaler {name}"),
        Shape::TextMarshaler => format!("TextMarshaler {name}"),
    }
}
