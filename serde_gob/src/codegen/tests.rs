//! End-to-end tests: streams the codec writes, and the Rust and Go printed
//! for them.

use super::*;
use crate::{self as gob, Int};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Serialize, Deserialize)]
#[serde(rename = "main.Node")]
struct Node {
    #[serde(rename = "Value")]
    value: Int,
    #[serde(rename = "Next")]
    next: Option<Box<Node>>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "main.Circle")]
struct Circle {
    #[serde(rename = "R")]
    r: f64,
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "main.Shape")]
enum Shape {
    #[serde(rename = "main.Circle")]
    Circle(Circle),
    #[serde(rename = "nil")]
    Nil,
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "main.Drawing")]
struct Drawing {
    #[serde(rename = "Main")]
    main: Shape,
    #[serde(rename = "All")]
    all: Vec<Shape>,
    #[serde(rename = "ByID")]
    by_id: BTreeMap<i8, String>,
}

#[test]
fn a_recursive_struct_is_boxed_behind_an_option() {
    let list = Node {
        value: Int(1),
        next: Some(Box::new(Node {
            value: Int(2),
            next: None,
        })),
    };
    let stream = gob::to_vec(&list).unwrap();
    let types = StreamTypes::read(&stream).unwrap();
    let rust = types.rust();
    assert!(
        rust.contains("/// Go's `main.Node` (gob type id 64).\n"),
        "{rust}"
    );
    assert!(
        rust.contains(
            "#[serde(rename = \"main.Node\")]\npub struct Node {\n    \
             #[serde(rename = \"Value\")]\n    pub value: i64,\n    \
             #[serde(rename = \"Next\")]\n    pub next: Option<Box<Node>>,\n}\n"
        ),
        "{rust}"
    );
    assert!(rust.contains("//   0: Node\n"), "{rust}");
    assert_eq!(types.value_types(), ["Node"]);
    assert_eq!(types.first_id(), Some(64));
    let go = types.go();
    assert!(
        go.contains("type Node struct {\n\tValue int64\n\tNext  *Node\n}\n"),
        "{go}"
    );
}

#[test]
fn interfaces_get_the_concrete_types_the_stream_holds() {
    let drawing = Drawing {
        main: Shape::Circle(Circle { r: 1.5 }),
        all: vec![Shape::Nil, Shape::Circle(Circle { r: 2.0 })],
        by_id: [(1, "one".to_string())].into(),
    };
    let stream = gob::to_vec(&drawing).unwrap();
    let types = StreamTypes::read(&stream).unwrap();
    let rust = types.rust();
    // The field's interface is unnamed on the wire; the slice's is named
    // by the slice's type string.
    assert!(rust.contains("    pub main: Any,\n"), "{rust}");
    assert!(rust.contains("    pub all: Vec<Shape>,\n"), "{rust}");
    assert!(
        rust.contains("    pub by_id: BTreeMap<i8, String>,\n"),
        "{rust}"
    );
    assert!(
        rust.contains(
            "#[serde(rename = \"main.Shape\")]\npub enum Shape {\n    \
             #[serde(rename = \"main.Circle\")]\n    Circle(Circle),\n    \
             #[serde(rename = \"nil\")]\n    Nil,\n}\n"
        ),
        "{rust}"
    );
    assert!(
        rust.contains("#[serde(rename = \"interface {}\")]\npub enum Any {"),
        "{rust}"
    );
    assert!(rust.contains("use std::collections::BTreeMap;\n"), "{rust}");
    let go = types.go();
    assert!(
        go.contains(
            "type Drawing struct {\n\tMain interface{}\n\tAll  []Shape\n\tByID map[int8]string\n}\n"
        ),
        "{go}"
    );
    assert!(
        go.contains("\tgob.RegisterName(\"main.Circle\", Circle{})\n"),
        "{go}"
    );
}

#[test]
fn top_level_values_need_no_declaration() {
    let mut registry = gob::Registry::new();
    let mut enc = gob::Encoder::new(&mut registry);
    let mut stream = Vec::new();
    enc.encode_into(&vec![Int(1), Int(2)], &mut stream).unwrap();
    enc.encode_into(&7u64, &mut stream).unwrap();
    enc.encode_into(&8u64, &mut stream).unwrap();
    let types = StreamTypes::read(&stream).unwrap();
    assert_eq!(types.value_types(), ["Vec<i64>", "u64", "u64"]);
    assert_eq!(types.go_value_types(), ["[]int64", "uint64", "uint64"]);
    let rust = types.rust();
    assert!(
        rust.contains("//   0: Vec<i64>\n//   1..=2: u64\n"),
        "{rust}"
    );
    assert!(!rust.contains("use "), "{rust}");
}

#[test]
fn open_interfaces_are_values_and_take_any_concrete_type() {
    let drawing = Drawing {
        main: Shape::Circle(Circle { r: 1.0 }),
        all: vec![Shape::Nil],
        by_id: BTreeMap::new(),
    };
    let stream = gob::to_vec(&drawing).unwrap();
    let options = Options {
        open_interfaces: true,
    };
    let types = StreamTypes::read_with(&stream, options).unwrap();
    let rust = types.rust();
    assert!(rust.contains("use serde_gob::Value;"), "{rust}");
    assert!(rust.contains("    pub main: Value,\n"), "{rust}");
    assert!(rust.contains("    pub all: Vec<Value>,\n"), "{rust}");
    // No enum of the concrete types the sample had.
    assert!(!rust.contains("pub enum"), "{rust}");
    // The concrete type is still declared: the stream defines it.
    assert!(rust.contains("pub struct Circle"), "{rust}");
    let go = types.go();
    assert!(go.contains("\tMain interface{}\n"), "{go}");
    assert!(go.contains("\tAll  []interface{}\n"), "{go}");

    // The closed default lists the concrete types.
    let closed = StreamTypes::read(&stream).unwrap().rust();
    assert!(closed.contains("pub enum Shape"), "{closed}");
}

#[test]
fn a_map_keyed_by_an_open_interface_is_refused() {
    #[derive(Serialize, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
    #[serde(rename = "interface {}")]
    enum Key {
        #[serde(rename = "string")]
        S(String),
        #[serde(rename = "nil")]
        Nil,
    }
    let mut map = BTreeMap::new();
    map.insert(Key::S("a".into()), 1u8);
    let stream = gob::to_vec(&map).unwrap();
    assert!(StreamTypes::read(&stream).is_ok());
    let open = Options {
        open_interfaces: true,
    };
    match StreamTypes::read_with(&stream, open) {
        Err(crate::Error::Custom(message)) => assert!(message.contains("Value"), "{message}"),
        other => panic!("{other:?}"),
    }
}
