//! `gob types --open-interfaces` on a stream whose interface holds a new
//! concrete type in every value: Rust types generated from the first value
//! alone read every value, each interface a `serde_gob::Value` that holds
//! what `decode_values` reads; the default enum refuses the second value.

use gob_types_check::serde_gob::{self, Error, Value};

#[allow(dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/open.rs"));
}

#[test]
fn open_types_from_the_first_value_read_concrete_types_it_lacked() {
    let bytes = std::fs::read(generated::STREAM).unwrap();
    let dynamic = serde_gob::decode_values(&bytes).unwrap();
    assert!(dynamic.len() >= 3, "{dynamic:?}");
    let typed: Vec<generated::open::First> = serde_gob::Decoder::from_slice(&bytes)
        .values()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(typed.len(), dynamic.len());
    let mut concrete = Vec::new();
    for (value, want) in typed.iter().zip(&dynamic) {
        assert_eq!(&serde_gob::to_value(value).unwrap(), want);
        if let Value::Struct { fields, .. } = want
            && let Some((_, Value::Interface { name, .. })) = fields.first()
        {
            concrete.push(name.clone());
        }
    }
    concrete.dedup();
    assert_eq!(concrete.len(), dynamic.len(), "{concrete:?}");

    // Encoded again, the values holding `Value`s give Go's bytes back: each
    // concrete type is learnt and defined as it is sent, as Go does.
    let mut registry = serde_gob::Registry::new();
    let mut encoder = serde_gob::Encoder::new(&mut registry);
    let mut again = Vec::new();
    for value in &typed {
        encoder.encode_into(value, &mut again).unwrap();
    }
    assert!(
        again == bytes,
        "re-encoded:\n{again:02x?}\nGo's:\n{bytes:02x?}"
    );

    // The default: an enum of the first value's concrete type only.
    let mut closed = serde_gob::Decoder::from_slice(&bytes);
    closed
        .decode::<generated::closed::First>()
        .unwrap()
        .unwrap();
    match closed.decode::<generated::closed::First>() {
        Err(Error::TypeMismatch { found, .. }) => assert!(found.contains(&concrete[1]), "{found}"),
        other => panic!("{other:?}"),
    }
}
