//! `Value` as a serde type: a struct field that keeps whatever Go value the
//! stream carries, `to_value` and `from_value`, and `Value` through
//! serde_json.

mod corpus_types;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Error, Int, Value};

/// A struct that keeps one part dynamic: Go's
/// `type Event struct { Kind string; Payload interface{} }`.
#[derive(Deserialize, Serialize, Debug, PartialEq)]
#[serde(rename = "main.Event")]
struct Event {
    #[serde(rename = "Kind")]
    kind: String,
    #[serde(rename = "Payload")]
    payload: Value,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(rename = "main.Point")]
struct Point {
    #[serde(rename = "X")]
    x: Int,
    #[serde(rename = "Y")]
    y: Int,
}

#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(rename = "main.Note")]
struct Note {
    #[serde(rename = "Text")]
    text: String,
    #[serde(rename = "Tags")]
    tags: Vec<String>,
}

/// What a sender holds in the interface.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(rename = "interface {}")]
enum Payload {
    #[serde(rename = "main.Point")]
    Point(Point),
    #[serde(rename = "main.Note")]
    Note(Note),
    #[serde(rename = "[]string")]
    Strings(Vec<String>),
    #[serde(rename = "int")]
    Int(Int),
    #[serde(rename = "nil")]
    Nil,
}

/// The sender's `Event`, with its interface as a closed enum.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(rename = "main.Event")]
struct SentEvent {
    #[serde(rename = "Kind")]
    kind: String,
    #[serde(rename = "Payload")]
    payload: Payload,
}

/// The field `Payload` of the struct `decode_values` reads from `bytes`.
fn dynamic_field(bytes: &[u8], field: &str) -> Value {
    match gob::decode_values(bytes).unwrap().remove(0) {
        Value::Struct { fields, .. } => {
            fields
                .into_iter()
                .find(|(name, _)| name == field)
                .unwrap()
                .1
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_value_field_holds_what_decode_values_reads_there() {
    let payloads = [
        Payload::Point(Point {
            x: Int(3),
            y: Int(-4),
        }),
        Payload::Note(Note {
            text: "hello".into(),
            tags: vec!["a".into(), "b".into()],
        }),
        Payload::Strings(vec!["x".into()]),
        Payload::Int(Int(0)),
        Payload::Nil,
    ];
    for payload in payloads {
        let sent = SentEvent {
            kind: "k".into(),
            payload: payload.clone(),
        };
        let bytes = gob::to_vec(&sent).unwrap();
        let event: Event = gob::from_slice(&bytes).unwrap();
        assert_eq!(event.kind, "k");
        assert_eq!(
            event.payload,
            dynamic_field(&bytes, "Payload"),
            "{payload:?}"
        );
        // From a reader too, and back to the typed struct through the Value.
        let from_reader: Event = gob::from_reader(&bytes[..]).unwrap();
        assert_eq!(from_reader, event);
        let typed: Payload = gob::from_value(event.payload.clone()).unwrap();
        assert_eq!(typed, payload);
    }

    let point = gob::to_vec(&SentEvent {
        kind: "p".into(),
        payload: Payload::Point(Point {
            x: Int(1),
            y: Int(2),
        }),
    })
    .unwrap();
    let event: Event = gob::from_slice(&point).unwrap();
    assert_eq!(
        event.payload,
        Value::Interface {
            name: "main.Point".into(),
            value: Box::new(Value::Struct {
                name: "Point".into(),
                fields: vec![("X".into(), Value::Int(1)), ("Y".into(), Value::Int(2))],
            }),
        }
    );
}

/// Go's `type Reading struct { Kind string; Payload int }`: a field of a
/// concrete type, which Go leaves out when it is zero.
#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Event")]
struct IntEvent {
    #[serde(rename = "Kind")]
    kind: String,
    #[serde(rename = "Payload")]
    payload: Int,
}

#[test]
fn a_value_field_of_a_concrete_go_type_left_out_is_that_types_zero() {
    for n in [0, 7] {
        let bytes = gob::to_vec(&IntEvent {
            kind: "n".into(),
            payload: Int(n),
        })
        .unwrap();
        let event: Event = gob::from_slice(&bytes).unwrap();
        assert_eq!(event.payload, Value::Int(n));
        assert_eq!(event.payload, dynamic_field(&bytes, "Payload"));
    }
    // A field the sender's struct does not have at all is nil.
    let bytes = gob::to_vec(&Note {
        text: "t".into(),
        tags: vec![],
    })
    .unwrap();
    #[derive(Deserialize)]
    #[serde(rename = "main.Note")]
    struct NoteWithExtra {
        #[serde(rename = "Text")]
        text: String,
        #[serde(rename = "Extra")]
        extra: Value,
    }
    let note: NoteWithExtra = gob::from_slice(&bytes).unwrap();
    assert_eq!((note.text.as_str(), note.extra), ("t", Value::Nil));
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Batch")]
struct SentBatch {
    #[serde(rename = "Items")]
    items: Vec<Payload>,
    #[serde(rename = "ByName")]
    by_name: BTreeMap<String, Payload>,
}

#[derive(Deserialize, Debug)]
#[serde(rename = "main.Batch")]
struct Batch {
    #[serde(rename = "Items")]
    items: Vec<Value>,
    #[serde(rename = "ByName")]
    by_name: BTreeMap<String, Value>,
}

#[test]
fn values_inside_slices_and_maps_and_at_the_top() {
    let sent = SentBatch {
        items: vec![
            Payload::Int(Int(5)),
            Payload::Nil,
            Payload::Strings(vec!["s".into()]),
        ],
        by_name: [("p".to_string(), Payload::Int(Int(9)))].into(),
    };
    let bytes = gob::to_vec(&sent).unwrap();
    let batch: Batch = gob::from_slice(&bytes).unwrap();
    let int = |n| Value::Interface {
        name: "int".into(),
        value: Box::new(Value::Int(n)),
    };
    assert_eq!(batch.items[0], int(5));
    assert_eq!(batch.items[1], Value::Nil);
    assert_eq!(batch.by_name["p"], int(9));
    match dynamic_field(&bytes, "Items") {
        Value::Slice(items) => assert_eq!(items, batch.items),
        other => panic!("{other:?}"),
    }

    // A whole stream's values, each as a Value.
    let top: Value = gob::from_slice(&bytes).unwrap();
    assert_eq!(top, gob::decode_values(&bytes).unwrap()[0]);
}

/// Every value of every stream of the Go-written corpus, decoded as a
/// `Value` through serde, is what `decode_values` reads; and `to_value` of
/// it, and `from_value` into a `Value`, give it back.
#[test]
fn every_corpus_value_decodes_through_serde_as_decode_values_reads_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gob");
    let mut values = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "gob") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let dynamic = gob::decode_values(&bytes).unwrap();
        let typed: Vec<Value> = gob::Decoder::from_slice(&bytes)
            .values()
            .collect::<Result<_, _>>()
            .unwrap();
        // Debug text, since NaN is not equal to itself.
        assert_eq!(
            format!("{typed:?}"),
            format!("{dynamic:?}"),
            "{}",
            path.display()
        );
        for value in dynamic {
            let through_serialize = gob::to_value(&value).unwrap();
            assert_eq!(
                format!("{through_serialize:?}"),
                format!("{:?}", without_empty_string_keys(value.clone())),
                "{}",
                path.display()
            );
            let through_deserialize: Value = gob::from_value(value.clone()).unwrap();
            assert_eq!(format!("{through_deserialize:?}"), format!("{value:?}"));
            values += 1;
        }
    }
    assert!(values > 50, "only {values} corpus values");
}

/// An empty map does not show whether its keys are strings.
fn without_empty_string_keys(value: Value) -> Value {
    let walk = |items: Vec<Value>| items.into_iter().map(without_empty_string_keys).collect();
    match value {
        Value::Map { entries, .. } if entries.is_empty() => Value::Map {
            string_keys: false,
            entries,
        },
        Value::Map {
            string_keys,
            entries,
        } => Value::Map {
            string_keys,
            entries: entries
                .into_iter()
                .map(|(k, v)| (without_empty_string_keys(k), without_empty_string_keys(v)))
                .collect(),
        },
        Value::Slice(items) => Value::Slice(walk(items)),
        Value::Array(items) => Value::Array(walk(items)),
        Value::Struct { name, fields } => Value::Struct {
            name,
            fields: fields
                .into_iter()
                .map(|(n, v)| (n, without_empty_string_keys(v)))
                .collect(),
        },
        Value::Interface { name, value } => Value::Interface {
            name,
            value: Box::new(without_empty_string_keys(*value)),
        },
        other => other,
    }
}

/// `from_value(to_value(&x)) == x` for every typed value of the corpus.
#[test]
fn corpus_types_come_back_through_to_value_and_from_value() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gob");
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in corpus_types::cases() {
        let files = stream_files(&manifest, case.name);
        assert_eq!(files.len(), case.streams.len(), "{}", case.name);
        for (file, steps) in files.iter().zip(&case.streams) {
            let bytes = std::fs::read(dir.join(file)).unwrap();
            let mut decoder = gob::Decoder::new(&bytes[..]);
            for step in steps {
                match (step.through_value)(&mut decoder) {
                    Ok(Some(Ok(_))) => checked += 1,
                    Ok(Some(Err(e))) => failures.push(format!("{file} {}: {e}", step.rust_type)),
                    Ok(None) => failures.push(format!("{file}: ended early")),
                    Err(e) => failures.push(format!("{file} {}: decoding: {e}", step.rust_type)),
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked > 50, "only {checked} values");
}

/// The corpus files of case `name`, in the manifest's stream order.
fn stream_files(manifest: &serde_json::Value, name: &str) -> Vec<String> {
    let cases = manifest["cases"]
        .as_array()
        .or_else(|| manifest.as_array())
        .expect("manifest cases");
    let case = cases
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in the manifest"));
    match case.get("files").or_else(|| case.get("streams")) {
        Some(files) => files
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                f.as_str()
                    .or_else(|| f["file"].as_str())
                    .unwrap()
                    .to_string()
            })
            .collect(),
        None => vec![case["file"].as_str().unwrap().to_string()],
    }
}

#[test]
fn to_value_describes_rust_values_as_go_values() {
    #[derive(Serialize)]
    #[serde(rename = "GobEncoder:time.Time")]
    struct Time(#[serde(with = "bytes")] Vec<u8>);
    mod bytes {
        pub fn serialize<S: serde::Serializer>(b: &[u8], s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(b)
        }
    }
    #[derive(Serialize)]
    #[serde(rename = "main.All")]
    struct All {
        #[serde(rename = "N")]
        n: Int,
        #[serde(rename = "U")]
        u: u16,
        #[serde(rename = "Missing")]
        missing: Option<i32>,
        #[serde(rename = "Present")]
        present: Option<i32>,
        #[serde(rename = "At")]
        at: Time,
        #[serde(rename = "Pair")]
        pair: [u8; 2],
        #[serde(rename = "Counts")]
        counts: BTreeMap<String, u8>,
        #[serde(rename = "Shape")]
        shape: Payload,
        #[serde(rename = "C")]
        c: gob::Complex128,
    }
    let value = gob::to_value(&All {
        n: Int(-1),
        u: 2,
        missing: None,
        present: Some(3),
        at: Time(vec![1, 2]),
        pair: [4, 5],
        counts: [("a".to_string(), 1)].into(),
        shape: Payload::Nil,
        c: gob::Complex128 { re: 1.0, im: -1.0 },
    })
    .unwrap();
    let fields = |pairs: Vec<(&str, Value)>| {
        pairs
            .into_iter()
            .map(|(n, v)| (n.to_string(), v))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        value,
        Value::Struct {
            name: "All".into(),
            fields: fields(vec![
                ("N", Value::Int(-1)),
                ("U", Value::Uint(2)),
                ("Missing", Value::Nil),
                ("Present", Value::Int(3)),
                (
                    "At",
                    Value::Opaque {
                        name: "Time".into(),
                        bytes: vec![1, 2]
                    }
                ),
                ("Pair", Value::Array(vec![Value::Uint(4), Value::Uint(5)])),
                (
                    "Counts",
                    Value::Map {
                        string_keys: true,
                        entries: vec![(Value::String("a".into()), Value::Uint(1))],
                    }
                ),
                ("Shape", Value::Nil),
                ("C", Value::Complex(1.0, -1.0)),
            ]),
        }
    );

    // Tuple and struct variants have no Go form.
    #[derive(Serialize)]
    enum NoGo {
        Pair(u8, u8),
    }
    assert!(matches!(
        gob::to_value(&NoGo::Pair(1, 2)),
        Err(Error::Encode(_))
    ));
}

/// An `Event`'s field `Kind` holding "k".
fn kind_k() -> (String, Value) {
    ("Kind".into(), Value::String("k".into()))
}

/// An `Event`'s field `Payload`: an interface holding a `main.Point` whose
/// `X` is `x`.
fn payload_point_x(x: Value) -> (String, Value) {
    (
        "Payload".into(),
        Value::Interface {
            name: "main.Point".into(),
            value: Box::new(Value::Struct {
                name: "Point".into(),
                fields: vec![("X".into(), x)],
            }),
        },
    )
}

#[test]
fn a_value_that_does_not_fit_is_a_type_mismatch_naming_where() {
    let value = Value::Struct {
        name: "Event".into(),
        fields: vec![kind_k(), payload_point_x(Value::String("no".into()))],
    };
    match gob::from_value::<SentEvent>(value) {
        Err(Error::TypeMismatch {
            offset,
            expected,
            found,
        }) => {
            assert_eq!(offset, 0);
            assert_eq!(expected, "int64");
            assert_eq!(found, "string at .Payload.X");
        }
        other => panic!("{other:?}"),
    }
    match gob::from_value::<Vec<u8>>(Value::Slice(vec![Value::Uint(1), Value::Int(300)])) {
        Err(Error::Overflow { value, target, .. }) => {
            assert_eq!((&value[..], target), ("300", "uint8"))
        }
        other => panic!("{other:?}"),
    }
    match gob::from_value::<Payload>(Value::Int(1)) {
        Err(Error::TypeMismatch { found, .. }) => assert_eq!(found, "int"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn an_interface_of_the_wrong_kind_for_its_variant_is_a_type_mismatch() {
    // Variants swapped: the nil interface where the Rust variant holds a
    // value, and a value where the Rust variant is the nil one.
    #[derive(Deserialize, Debug)]
    #[serde(rename = "main.Batch")]
    struct Strict {
        #[serde(rename = "Items")]
        #[allow(dead_code)]
        items: Vec<Strictly>,
    }
    #[derive(Deserialize, Debug)]
    #[serde(rename = "interface {}")]
    enum Strictly {
        #[serde(rename = "nil")]
        #[allow(dead_code)]
        Point(Point),
        #[serde(rename = "main.Point")]
        Nil,
    }
    let point = Payload::Point(Point {
        x: Int(1),
        y: Int(1),
    });
    // The batches below leave their map empty: a sample shows its value
    // type, so that this test does not lean on another having sent one.
    gob::declare_example(&SentBatch {
        items: vec![Payload::Nil],
        by_name: [("p".to_string(), Payload::Nil)].into(),
    })
    .unwrap();
    for (payload, expected, found) in [
        (
            Payload::Nil,
            "an interface holding a value",
            "the nil interface",
        ),
        (
            point,
            "the nil interface",
            "an interface holding main.Point",
        ),
    ] {
        let bytes = gob::to_vec(&SentBatch {
            items: vec![payload],
            by_name: BTreeMap::new(),
        })
        .unwrap();
        match gob::from_slice::<Strict>(&bytes) {
            Err(Error::TypeMismatch {
                offset,
                expected: e,
                found: f,
            }) => {
                assert_eq!((e.as_str(), f.as_str()), (expected, found));
                assert!(offset > 0 && offset <= bytes.len() as u64);
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn value_goes_through_serde_json_both_ways() {
    let value = Value::Struct {
        name: "Event".into(),
        fields: vec![
            kind_k(),
            payload_point_x(Value::Int(1)),
            ("Nothing".into(), Value::Nil),
            (
                "List".into(),
                Value::Slice(vec![Value::Uint(1), Value::Float(2.5)]),
            ),
        ],
    };
    assert_eq!(
        serde_json::to_string(&value).unwrap(),
        r#"{"Kind":"k","Payload":{"main.Point":{"X":1}},"Nothing":"nil","List":[1,2.5]}"#
    );
    let back: Value = serde_json::from_str(r#"{"a":[1,-2,2.5,"x",null,true],"b":{}}"#).unwrap();
    assert_eq!(
        back,
        Value::Map {
            string_keys: true,
            entries: vec![
                (
                    Value::String("a".into()),
                    Value::Slice(vec![
                        Value::Uint(1),
                        Value::Int(-2),
                        Value::Float(2.5),
                        Value::String("x".into()),
                        Value::Nil,
                        Value::Bool(true),
                    ])
                ),
                (
                    Value::String("b".into()),
                    Value::Map {
                        string_keys: false,
                        entries: vec![]
                    }
                ),
            ],
        }
    );
    // A struct with a Value field, through JSON.
    let event: Event = serde_json::from_str(r#"{"Kind":"j","Payload":[1,"two"]}"#).unwrap();
    assert_eq!(
        event.payload,
        Value::Slice(vec![Value::Uint(1), Value::String("two".into())])
    );
}

#[test]
fn a_struct_with_a_value_field_comes_back_through_from_value() {
    let event = Event {
        kind: "x".into(),
        payload: Value::Array(vec![Value::Complex(1.0, 2.0), Value::Nil]),
    };
    let dynamic = gob::to_value(&event).unwrap();
    let back: Event = gob::from_value(dynamic).unwrap();
    assert_eq!(back, event);
}
