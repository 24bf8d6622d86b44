//! The encoder's write paths at their edges: an output vector with any
//! spare capacity (the encoder writes a number with a lead byte into room
//! it reserves, so each write may fall at the end of the room), a struct
//! field's delta written with its value's first bytes, including deltas of
//! more than one byte and zero fields taken back after them.

use serde::ser::{SerializeStruct, Serializer};
use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Value};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Inner")]
struct Inner {
    #[serde(rename = "Big")]
    big: u64,
    #[serde(rename = "Name")]
    name: String,
}

/// Every kind of field the fast paths write: numbers of one byte and of
/// nine, a negative one, a float, a bool, strings (one longer than 127
/// bytes), a slice of long numbers, bytes, a nested struct, an optional
/// one, and zero fields between them.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
#[serde(rename = "main.Edges")]
struct Edges {
    #[serde(rename = "Small")]
    small: u64,
    #[serde(rename = "Zero")]
    zero: i64,
    #[serde(rename = "Max")]
    max: u64,
    #[serde(rename = "Neg")]
    neg: i64,
    #[serde(rename = "F")]
    f: f64,
    #[serde(rename = "B")]
    b: bool,
    #[serde(rename = "Empty")]
    empty: String,
    #[serde(rename = "Long")]
    long: String,
    #[serde(rename = "Frames")]
    frames: Vec<u64>,
    #[serde(rename = "None")]
    none: Vec<u64>,
    #[serde(rename = "Raw")]
    #[serde(with = "bytes")]
    raw: Vec<u8>,
    #[serde(rename = "In")]
    inner: Inner,
    #[serde(rename = "Ptr")]
    ptr: Option<Inner>,
    #[serde(rename = "Last")]
    last: i64,
}

#[path = "support/bytes.rs"]
mod bytes;

fn edges(i: u64) -> Edges {
    Edges {
        small: i % 100,
        zero: 0,
        max: u64::MAX - i,
        neg: -(i as i64) - 1_000_000,
        f: 17.0 + i as f64,
        b: i.is_multiple_of(2),
        empty: String::new(),
        long: "x".repeat(130 + i as usize),
        frames: (0..9)
            .map(|f| (0x4a_0000 + f * 0x40 + i) << (f * 6))
            .collect(),
        none: Vec::new(),
        raw: vec![0xab; (i % 3) as usize],
        inner: Inner {
            big: 1 << 40,
            name: "inner".into(),
        },
        ptr: (i % 2 == 1).then(|| Inner {
            big: i,
            name: String::new(),
        }),
        last: i as i64,
    }
}

/// The stream of `values` through one encoder, appended to `out`.
fn encode_all(values: &[Edges], mut out: Vec<u8>) -> Vec<u8> {
    let mut registry = gob::Registry::new();
    let mut enc = gob::Encoder::new(&mut registry);
    for v in values {
        enc.encode_into(v, &mut out).unwrap();
    }
    out
}

#[test]
fn every_spare_capacity_of_the_output_gives_the_same_bytes() {
    let values: Vec<Edges> = (0..3).map(edges).collect();
    let expected = encode_all(&values, Vec::new());
    // Each value's first message is longer than 127 bytes (its length
    // prefix moves the message up) and decodes back.
    let mut dec = gob::Decoder::from_slice(&expected);
    for v in &values {
        assert_eq!(dec.decode::<Edges>().unwrap().as_ref(), Some(v));
    }
    assert_eq!(dec.decode::<Edges>().unwrap(), None);

    let prefix = [0x5a_u8; 7];
    for spare in 0..expected.len() + 16 {
        let mut out = Vec::with_capacity(prefix.len() + spare);
        out.extend_from_slice(&prefix);
        assert_eq!(out.capacity(), prefix.len() + spare, "the room asked for");
        let out = encode_all(&values, out);
        assert_eq!(&out[..prefix.len()], prefix, "spare {spare}");
        assert_eq!(&out[prefix.len()..], expected, "spare {spare}");
    }
}

/// A struct of 200 unsigned fields named `F0`..`F199`, of which `set`
/// hold the given values and the others zero, serialized field by field
/// as a derive would.
struct Sparse {
    set: Vec<(usize, u64)>,
}

const SPARSE_FIELDS: usize = 200;

fn sparse_names() -> &'static [&'static str] {
    use std::sync::OnceLock;
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        (0..SPARSE_FIELDS)
            .map(|i| &*Box::leak(format!("F{i}").into_boxed_str()))
            .collect()
    })
}

impl Serialize for Sparse {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("main.Sparse", SPARSE_FIELDS)?;
        for (i, name) in sparse_names().iter().enumerate() {
            let v = self
                .set
                .iter()
                .find(|(j, _)| *j == i)
                .map_or(0, |(_, v)| *v);
            st.serialize_field(name, &v)?;
        }
        st.end()
    }
}

/// The fields of the value of a one-value stream, decoded as Values,
/// with their numbers.
fn sent_fields(bytes: &[u8]) -> Vec<(usize, u64)> {
    let value: Value = gob::from_slice(bytes).unwrap();
    let Value::Struct { fields, .. } = value else {
        panic!("{value:?}");
    };
    assert_eq!(fields.len(), SPARSE_FIELDS);
    fields
        .iter()
        .enumerate()
        .filter_map(|(i, (name, v))| {
            assert_eq!(name, &format!("F{i}"));
            match v {
                Value::Uint(0) => None,
                Value::Uint(u) => Some((i, *u)),
                other => panic!("{other:?}"),
            }
        })
        .collect()
}

#[test]
fn field_deltas_of_more_than_a_byte_go_before_their_values() {
    // Field 0 (delta 1), field 170 (delta 170: two bytes) with a one-byte
    // value, field 199 (delta 29) with a nine-byte one; the zero fields
    // between them are left out.
    let set = vec![(0, 5), (170, 7), (199, u64::MAX)];
    let bytes = gob::to_vec(&Sparse { set: set.clone() }).unwrap();
    let mut tail = vec![0x01, 5, 0xff, 170, 7, 29, 0xf8];
    tail.extend_from_slice(&[0xff; 8]);
    tail.push(0x00);
    assert!(bytes.ends_with(&tail), "{:x?}", &bytes[bytes.len() - 20..]);
    assert_eq!(sent_fields(&bytes), set);

    // A long delta first (field 130: delta 131) before a nine-byte value,
    // then a one-byte delta and value.
    let set = vec![(130, 1 << 60), (131, 3)];
    let bytes = gob::to_vec(&Sparse { set: set.clone() }).unwrap();
    assert!(
        bytes.ends_with(&[0xff, 131, 0xf8, 0x10, 0, 0, 0, 0, 0, 0, 0, 1, 3, 0]),
        "{:x?}",
        &bytes[bytes.len() - 20..]
    );
    assert_eq!(sent_fields(&bytes), set);

    // Nothing set: a message of the type id (64) and the end of the struct.
    let bytes = gob::to_vec(&Sparse { set: vec![] }).unwrap();
    assert!(
        bytes.ends_with(&[3, 0xff, 0x80, 0x00]),
        "{:x?}",
        &bytes[bytes.len() - 4..]
    );
    assert_eq!(sent_fields(&bytes), vec![]);
}
