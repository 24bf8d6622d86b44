//! The codec's API as a caller meets it: a stream read as a sequence of
//! values, one value from a reader, and what a caller is told when a stream
//! does not fit the Rust types (each kind of refusal its own error
//! variant, with the byte offset).

use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Error};

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Count")]
struct Plain {
    #[serde(rename = "N")]
    n: u32,
}

/// The same Go type, read through a check: only even counts.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Count", try_from = "Plain")]
struct Even {
    n: u32,
}

impl TryFrom<Plain> for Even {
    type Error = String;

    fn try_from(plain: Plain) -> Result<Even, String> {
        match plain.n % 2 {
            0 => Ok(Even { n: plain.n }),
            _ => Err(format!("{} is odd", plain.n)),
        }
    }
}

#[test]
fn a_value_a_deserialize_impl_refuses_is_invalid_not_malformed() {
    let bytes = gob::to_vec(&Plain { n: 3 }).unwrap();
    match gob::from_slice::<Even>(&bytes) {
        Err(Error::Invalid { offset, message }) => {
            assert_eq!(message, "3 is odd");
            assert_eq!(offset, bytes.len() as u64);
        }
        other => panic!("{other:?}"),
    }
    let even = gob::to_vec(&Plain { n: 4 }).unwrap();
    assert_eq!(gob::from_slice::<Even>(&even).unwrap(), Even { n: 4 });
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Circle")]
struct Circle {
    #[serde(rename = "R")]
    r: f64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Square")]
struct Square {
    #[serde(rename = "S")]
    s: f64,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Shape")]
enum Shape {
    #[serde(rename = "main.Circle")]
    Circle(Circle),
    #[serde(rename = "main.Square")]
    Square(Square),
    #[serde(rename = "nil")]
    Nil,
}

/// The same interface, knowing squares only.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Shape")]
enum SquaresOnly {
    #[serde(rename = "main.Square")]
    Square(Square),
    #[serde(rename = "nil")]
    Nil,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Drawing")]
struct Drawing {
    #[serde(rename = "Shape")]
    shape: Shape,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Drawing")]
struct SquareDrawing {
    #[serde(rename = "Shape")]
    shape: SquaresOnly,
}

#[test]
fn an_interface_holding_a_type_the_enum_lacks_is_a_type_mismatch_naming_both() {
    let bytes = gob::to_vec(&Drawing {
        shape: Shape::Circle(Circle { r: 1.5 }),
    })
    .unwrap();
    match gob::from_slice::<SquareDrawing>(&bytes) {
        Err(Error::TypeMismatch {
            offset,
            expected,
            found,
        }) => {
            assert_eq!(found, "the concrete type \"main.Circle\"");
            assert!(expected.contains("main.Square"), "{expected}");
            assert!(offset > 0 && offset <= bytes.len() as u64, "{offset}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn from_reader_takes_one_value_as_from_slice_does() {
    let mut registry = gob::Registry::new();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut two = Vec::new();
    encoder.encode_into(&Plain { n: 1 }, &mut two).unwrap();
    encoder.encode_into(&Plain { n: 2 }, &mut two).unwrap();
    assert!(
        gob::Decoder::new(&two[..])
            .decode::<Plain>()
            .unwrap()
            .is_some()
    );
    for result in [
        gob::from_slice::<Plain>(&two),
        gob::from_reader::<_, Plain>(&two[..]),
    ] {
        match result {
            Err(Error::Malformed { message, .. }) => {
                assert_eq!(message, "more than one value in the stream")
            }
            other => panic!("{other:?}"),
        }
    }
    let one = gob::to_vec(&Plain { n: 1 }).unwrap();
    assert_eq!(
        gob::from_reader::<_, Plain>(&one[..]).unwrap(),
        Plain { n: 1 }
    );
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Inner")]
struct Inner {
    #[serde(rename = "B")]
    b: u32,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Outer")]
struct Outer {
    #[serde(rename = "A")]
    a: u32,
    #[serde(flatten)]
    inner: Inner,
}

#[test]
fn serde_flatten_is_refused_by_name() {
    let error = gob::to_vec(&Outer {
        a: 1,
        inner: Inner { b: 2 },
    })
    .unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("#[serde(flatten)] is not supported"),
        "{message}"
    );
}

#[test]
fn a_stream_of_values_iterates_as_ts_and_stops_at_the_first_error() {
    let mut registry = gob::Registry::new();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut bytes = Vec::new();
    for n in [2, 4, 5, 6] {
        encoder.encode_into(&Plain { n }, &mut bytes).unwrap();
    }
    let mut decoder = gob::Decoder::new(&bytes[..]);
    let values: Vec<_> = decoder.values::<Even>().collect();
    assert_eq!(values.len(), 3, "{values:?}");
    assert_eq!(values[0].as_ref().unwrap(), &Even { n: 2 });
    assert_eq!(values[1].as_ref().unwrap(), &Even { n: 4 });
    assert!(matches!(&values[2], Err(Error::Invalid { message, .. }) if message == "5 is odd"));
    let all: Vec<u32> = gob::Decoder::new(&bytes[..])
        .into_values::<Plain>()
        .map(|v| v.unwrap().n)
        .collect();
    assert_eq!(all, [2, 4, 5, 6]);
}

#[test]
fn a_stream_encoder_owns_its_registry_and_writes_what_an_encoder_writes() {
    let mut registry = gob::Registry::new();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut expected = Vec::new();
    for n in [1, 2] {
        encoder.encode_into(&Plain { n }, &mut expected).unwrap();
    }

    // It can live in a struct of its own, with no borrow to keep alive.
    struct Connection {
        encoder: gob::StreamEncoder,
        out: Vec<u8>,
    }
    let mut connection = Connection {
        encoder: gob::StreamEncoder::new(gob::Registry::new()),
        out: Vec::new(),
    };
    for n in [1, 2] {
        connection
            .encoder
            .encode_into(&Plain { n }, &mut connection.out)
            .unwrap();
    }
    assert_eq!(connection.out, expected);

    // A new stream sends the definitions again, with the same ids.
    connection.encoder.new_stream();
    let mut again = Vec::new();
    connection
        .encoder
        .encode_into(&Plain { n: 1 }, &mut again)
        .unwrap();
    assert_eq!(again, gob::to_vec(&Plain { n: 1 }).unwrap());
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(rename = "main.Part")]
struct Part {
    #[serde(rename = "X")]
    x: String,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(rename = "main.Whole")]
struct Whole {
    #[serde(rename = "A")]
    a: i64,
    #[serde(rename = "B")]
    b: Vec<Part>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Other")]
struct Other {
    #[serde(rename = "I")]
    i: Part,
}

#[path = "support/single.rs"]
mod support_single;
use support_single::single;

#[test]
fn fresh_streams_on_one_registry_send_the_same_definitions_whatever_came_before() {
    let outer = Whole {
        a: 300,
        b: vec![Part { x: "x".into() }],
    };
    let mut registry = gob::Registry::new();
    // The first stream defines the types as a fresh Go process would.
    let first = single(&mut registry, &outer);
    assert_eq!(first, gob::to_vec(&outer).unwrap());
    // Later streams of the same type start as the first did.
    assert_eq!(single(&mut registry, &outer), first);
    // Another type in between, sharing a type, defines that one again.
    let other = single(
        &mut registry,
        &Other {
            i: outer.b[0].clone(),
        },
    );
    assert_eq!(
        gob::from_slice::<Other>(&other).unwrap(),
        Other {
            i: outer.b[0].clone()
        }
    );
    assert_eq!(single(&mut registry, &outer), first);

    // A value that fails leaves neither bytes nor sent definitions behind:
    // the same encoder then starts its stream as a fresh one.
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut out = vec![1, 2, 3];
    encoder.encode_into(&Some(outer.clone()), &mut out).unwrap();
    let pointed = out.clone();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut out = vec![1, 2, 3];
    assert!(encoder.encode_into(&None::<Whole>, &mut out).is_err());
    assert_eq!(out, [1, 2, 3]);
    assert!(encoder.sent_ids().is_empty());
    encoder.encode_into(&Some(outer.clone()), &mut out).unwrap();
    assert_eq!(out, pointed);
    // And the stream goes on with the value alone.
    let before = out.len();
    encoder.encode_into(&Some(outer.clone()), &mut out).unwrap();
    let mut reading = gob::Decoder::from_slice(&first);
    reading.decode::<gob::Value>().unwrap();
    let value_message = &first[reading.value_message_start().unwrap() as usize..];
    assert_eq!(&out[before..], value_message);
}

#[test]
fn a_value_after_its_type_was_sent_is_the_same_message_whatever_the_width_of_its_id() {
    // The message of a value alone: its length, the id (one byte for a
    // builtin, two for a user id below 128, three above), the value.
    fn value_after_definitions<T: Serialize>(first_id: i64, value: &T) -> (Vec<u8>, Vec<u8>) {
        let mut registry = gob::Registry::with_first_id(first_id);
        let mut encoder = gob::Encoder::new(&mut registry);
        let mut first = Vec::new();
        encoder.encode_into(value, &mut first).unwrap();
        let mut second = Vec::new();
        encoder.encode_into(value, &mut second).unwrap();
        (first, second)
    }
    for first_id in [64, 200] {
        let (first, second) = value_after_definitions(first_id, &Plain { n: 7 });
        // The value's message ends the first stream, with the same bytes.
        assert!(first.ends_with(&second), "first id {first_id}");
        let id_bytes: &[u8] = if first_id == 64 {
            &[0xff, 0x80]
        } else {
            &[0xfe, 0x01, 0x90]
        };
        assert_eq!(&second[1..1 + id_bytes.len()], id_bytes);
        assert_eq!(second[0] as usize, second.len() - 1);
    }
    // A builtin type (int, id 2) has no definitions: both are the same.
    let (first, second) = value_after_definitions(64, &-3i64);
    assert_eq!(first, second);
    assert_eq!(second, [3, 0x04, 0x00, 0x05]);
}
