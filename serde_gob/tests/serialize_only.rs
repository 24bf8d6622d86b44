//! Encoding needs only `Serialize`: borrowing types, serialize-only types
//! and types that validate in `Deserialize` encode to Go's bytes, and a gap
//! a value cannot show is filled, or named in the error.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::net::{IpAddr, Ipv4Addr};
use std::num::NonZeroU32;

use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Int};

/// Go's `main.Person` of the corpus case struct_basic, borrowed and
/// serialize-only.
#[derive(Serialize)]
#[serde(rename = "main.Person", rename_all = "PascalCase")]
struct PersonRef<'a> {
    name: &'a str,
    age: Int,
    email: &'a str,
    score: f64,
    active: bool,
    tags: &'a [&'a str],
}

/// The golden file's first person, borrowing her tags.
fn alice<'a>(tags: &'a [&'a str]) -> PersonRef<'a> {
    PersonRef {
        name: "Alice",
        age: Int(30),
        email: "alice@example.com",
        score: 97.5,
        active: true,
        tags,
    }
}

#[test]
fn a_borrowing_serialize_only_struct_encodes_to_gos_bytes() {
    let tags = ["admin", "dev"];
    let alice = alice(&tags);
    common::assert_bytes_eq(
        "struct_basic",
        &gob::to_vec(&alice).expect("encode"),
        &common::read_golden("testdata/gob/struct_basic.gob"),
    );
    // An empty &[&str] still names its element type, from its Rust type.
    let bob = PersonRef {
        name: "Bob",
        tags: &[],
        ..alice
    };
    let bytes = gob::to_vec(&bob).expect("encode with no tags");
    let back: Vec<gob::Value> = gob::decode_values(&bytes).expect("decode");
    assert!(matches!(&back[0], gob::Value::Struct { name, .. } if name == "Person"));
}

/// Go's `time.Time` bytes, refusing in `Deserialize` any that Go's
/// `UnmarshalBinary` would refuse, as a careful user writes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawTime", into = "RawTime")]
struct CheckedTime(Vec<u8>);

#[derive(Serialize, Deserialize)]
#[serde(rename = "GobEncoder:time.Time")]
struct RawTime(#[serde(with = "bytes")] Vec<u8>);

#[path = "support/bytes.rs"]
mod bytes;

impl TryFrom<RawTime> for CheckedTime {
    type Error = String;
    fn try_from(raw: RawTime) -> Result<Self, String> {
        match raw.0.first() {
            Some(1) if raw.0.len() == 15 => Ok(CheckedTime(raw.0)),
            _ => Err(format!(
                "Time.UnmarshalBinary: unsupported version {} or length {}",
                raw.0.first().copied().unwrap_or(0),
                raw.0.len()
            )),
        }
    }
}

impl From<CheckedTime> for RawTime {
    fn from(t: CheckedTime) -> RawTime {
        RawTime(t.0)
    }
}

#[derive(Serialize)]
#[serde(rename = "main.Event", rename_all = "PascalCase")]
struct Event {
    name: String,
    at: CheckedTime,
}

#[test]
fn a_type_that_validates_in_deserialize_encodes_to_gos_bytes() {
    let golden = common::read_golden("testdata/gob/gob_encoder_time.gob");
    let values = gob::decode_values(&golden).expect("Go's stream");
    let mut registry = gob::Registry::new();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut out = Vec::new();
    // The first two values of the case: a UTC and a zoned time.
    for value in &values[..2] {
        let gob::Value::Struct { fields, .. } = value else {
            panic!("not a struct: {value:?}");
        };
        let (name, at) = match &fields[..] {
            [
                (_, gob::Value::String(name)),
                (_, gob::Value::Opaque { bytes, .. }),
            ] => (name.clone(), bytes.clone()),
            other => panic!("unexpected fields {other:?}"),
        };
        let event = Event {
            name,
            at: CheckedTime::try_from(RawTime(at)).expect("a valid time"),
        };
        encoder.encode_into(&event, &mut out).expect("encode");
    }
    assert!(
        golden.starts_with(&out),
        "the first two values differ from Go's:\n{}\nGo:\n{}",
        common::hex(&out),
        common::hex(&golden)
    );
}

#[derive(Serialize)]
#[serde(rename = "main.Host", rename_all = "PascalCase")]
struct Host {
    port: NonZeroU32,
    addr: IpAddr,
}

#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename = "main.Host", rename_all = "PascalCase")]
struct HostTwin {
    port: u32,
    addr: IpAddr,
}

#[test]
fn std_types_that_validate_encode_and_read_back() {
    let host = Host {
        port: NonZeroU32::new(8080).expect("non-zero"),
        addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
    };
    let bytes = gob::to_vec(&host).expect("encode");
    assert_eq!(
        gob::from_slice::<HostTwin>(&bytes).expect("decode"),
        HostTwin {
            port: 8080,
            addr: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
        }
    );
}

#[derive(Serialize, Deserialize, Clone)]
#[serde(rename = "main.Unseen", rename_all = "PascalCase")]
struct Unseen {
    id: Int,
    parts: Vec<String>,
}

#[derive(Serialize)]
#[serde(rename = "main.Holder", rename_all = "PascalCase")]
struct Holder {
    name: String,
    inner: Option<Unseen>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "main.Holder", rename_all = "PascalCase")]
struct HolderTwin {
    name: String,
    inner: Option<Unseen>,
}

#[test]
fn a_gap_no_value_showed_is_an_error_naming_the_place_and_type_until_declared() {
    // Holder itself is never declared; Unseen is learnt from a sample.
    let empty = Holder {
        name: "a".into(),
        inner: None,
    };
    let error = gob::to_vec(&empty).expect_err("Unseen was never shown");
    let message = error.to_string();
    assert!(
        message.contains("main.Holder.Inner")
            && message.contains("Unseen")
            && message.contains("declare"),
        "{message}"
    );
    assert!(matches!(error, gob::Error::Schema(_)), "{error:?}");

    gob::declare_example(&Unseen {
        id: Int(1),
        parts: vec!["p".into()],
    })
    .expect("declare by example");
    let bytes = gob::to_vec(&empty).expect("encode after the declaration");
    // The same bytes as the type traced from its Deserialize.
    gob::declare::<HolderTwin>().expect("declare the twin");
    let twin = gob::to_vec(&HolderTwin {
        name: "a".into(),
        inner: None,
    })
    .expect("encode the twin");
    common::assert_bytes_eq("Holder", &bytes, &twin);
}

#[derive(Serialize)]
#[serde(rename = "main.Later", rename_all = "PascalCase")]
struct Later {
    n: Int,
    list: Vec<Item>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Item", rename_all = "PascalCase")]
struct Item {
    tag: String,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Later", rename_all = "PascalCase")]
struct LaterTwin {
    n: Int,
    list: Vec<Item>,
}

#[test]
fn a_value_that_shows_the_type_teaches_it_for_later_values() {
    let full = Later {
        n: Int(1),
        list: vec![Item { tag: "x".into() }],
    };
    let empty = Later {
        n: Int(2),
        list: vec![],
    };
    let mut registry = gob::Registry::new();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut out = Vec::new();
    encoder
        .encode_into(&full, &mut out)
        .expect("the full value");
    encoder
        .encode_into(&empty, &mut out)
        .expect("the empty one");
    let values: Vec<LaterTwin> = gob::Decoder::new(&out[..])
        .into_values()
        .collect::<Result<_, _>>()
        .expect("decode");
    assert_eq!(values[0].list, vec![Item { tag: "x".into() }]);
    assert_eq!(values[1].n, Int(2));
    assert!(values[1].list.is_empty());
    // And a fresh stream of the empty value alone now needs no declaration.
    gob::to_vec(&empty).expect("learnt from the earlier value");
}

#[derive(Serialize)]
#[serde(rename = "main.Sparse", rename_all = "PascalCase")]
struct Sparse {
    a: Int,
    #[serde(skip_serializing_if = "Option::is_none")]
    b: Option<Int>,
    c: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "main.Sparse", rename_all = "PascalCase")]
struct SparseTwin {
    a: Int,
    b: Option<Int>,
    c: String,
}

#[test]
fn a_skipped_field_is_a_gap_and_keeps_its_place() {
    let sparse = Sparse {
        a: Int(1),
        b: None,
        c: "c".into(),
    };
    let message = gob::to_vec(&sparse)
        .expect_err("b's type unknown")
        .to_string();
    assert!(
        message.contains("main.Sparse.B") && message.contains("skipped"),
        "{message}"
    );
    gob::declare::<SparseTwin>().expect("declare");
    let twin = SparseTwin {
        a: Int(1),
        b: None,
        c: "c".into(),
    };
    common::assert_bytes_eq(
        "Sparse",
        &gob::to_vec(&sparse).expect("encode"),
        &gob::to_vec(&twin).expect("encode the twin"),
    );
}

#[test]
fn to_writer_writes_what_to_vec_returns() {
    let tags = ["admin", "dev"];
    let alice = alice(&tags);
    let mut written = Vec::new();
    gob::to_writer(&mut written, &alice).expect("to_writer");
    assert_eq!(written, gob::to_vec(&alice).expect("to_vec"));
}

#[derive(Serialize)]
#[serde(rename = "main.Outer", rename_all = "PascalCase")]
struct Mixed {
    v: Vec<MixedElem>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum MixedElem {
    N(i64),
    S(String),
}

#[test]
fn elements_of_two_go_types_are_refused_by_name() {
    let mixed = Mixed {
        v: vec![MixedElem::N(1), MixedElem::S("s".into())],
    };
    let message = gob::to_vec(&mixed).expect_err("two types").to_string();
    assert!(
        message.contains("int64") && message.contains("string"),
        "{message}"
    );
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "main.List", rename_all = "PascalCase")]
struct List {
    value: Int,
    next: Option<Box<List>>,
    children: Vec<List>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "main.List", rename_all = "PascalCase")]
struct ListTwin {
    value: Int,
    next: Option<Box<ListTwin>>,
    children: Vec<ListTwin>,
}

#[test]
fn a_recursive_type_points_back_to_itself_without_a_declaration() {
    // A single node shows no pointee and no element, but both are the
    // struct the value is showing.
    let alone = List {
        value: Int(1),
        next: None,
        children: vec![],
    };
    let bytes = gob::to_vec(&alone).expect("encode");
    gob::declare::<ListTwin>().expect("declare the twin");
    let twin = ListTwin {
        value: Int(1),
        next: None,
        children: vec![],
    };
    common::assert_bytes_eq("List", &bytes, &gob::to_vec(&twin).expect("the twin"));
}

#[derive(Serialize)]
#[serde(rename = "main.Bag", rename_all = "PascalCase")]
struct Bag {
    items: Vec<gob::Value>,
}

#[test]
fn a_value_of_one_go_type_fills_no_gap_of_another() {
    // A Value took the Go type int64 ...
    gob::to_vec(&gob::Value::Int(1)).expect("an int");
    // ... which says nothing of the elements of an empty []Value.
    let error = gob::to_vec(&Bag { items: vec![] }).expect_err("an empty slice of Values");
    assert!(
        matches!(&error, gob::Error::Schema(m) if m.contains("main.Bag.Items")),
        "{error:?}"
    );
    let point = gob::Value::Struct {
        name: "Point".into(),
        fields: vec![("X".into(), gob::Value::Int(22))],
    };
    let bytes = gob::to_vec(&Bag {
        items: vec![point.clone()],
    })
    .expect("a slice of one struct");
    let gob::Value::Struct { fields, .. } = &gob::decode_values(&bytes).expect("decode")[0] else {
        panic!("not a struct");
    };
    assert_eq!(fields[0].1, gob::Value::Slice(vec![point]));
}
