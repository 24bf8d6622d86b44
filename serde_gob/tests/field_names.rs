//! How a Rust struct's field list, as serde's derive hands it to
//! `deserialize_struct`, meets a Go struct's fields: skipped and reordered
//! fields. serde's `FIELDS` holds every name of every field that is
//! deserialized (a field with aliases gives several, in sorted order;
//! `skip_deserializing` fields give none), while the derive's field
//! visitor numbers fields without the skipped ones and without aliases; so
//! a position in `FIELDS` is not a field number, and fields are matched by
//! name. (Aliases are not supported yet: a Go struct that leaves out an
//! alias's name makes the decoder fill that name as an absent field, which
//! the derive sees as a duplicate of the aliased field.)

use serde::{Deserialize, Serialize};
use serde_gob as gob;

/// What a Go peer sends: `main.Rec{A, B, C int}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "main.Rec")]
struct Sent {
    #[serde(rename = "A")]
    a: i64,
    #[serde(rename = "B")]
    b: i64,
    #[serde(rename = "C")]
    c: i64,
}

fn sent(a: i64, b: i64, c: i64) -> Vec<u8> {
    gob::to_vec(&Sent { a, b, c }).unwrap()
}

/// A skipped field comes before the others: the derive numbers the fields
/// it deserializes without it, and `FIELDS` lacks its name.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename = "main.Rec")]
struct Skipping {
    #[serde(skip_deserializing, rename = "A")]
    a: i64,
    #[serde(rename = "B")]
    b: i64,
    #[serde(rename = "C")]
    c: i64,
}

#[test]
fn a_skipped_field_stays_default_whatever_go_sends() {
    let got: Skipping = gob::from_slice(&sent(1, 2, 3)).unwrap();
    assert_eq!(got, Skipping { a: 0, b: 2, c: 3 });
    let got: Skipping = gob::from_slice(&sent(1, 0, 3)).unwrap();
    assert_eq!(got, Skipping { a: 0, b: 0, c: 3 });
}

/// Two Rust fields whose names are each other's order in `FIELDS` and on
/// the wire differ: matched by name, not by position.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(rename = "main.Rec")]
struct Reordered {
    #[serde(rename = "C")]
    c: i64,
    #[serde(rename = "A")]
    a: i64,
    #[serde(rename = "B")]
    b: i64,
}

#[test]
fn fields_are_matched_by_name_in_any_order() {
    let got: Reordered = gob::from_slice(&sent(1, 2, 3)).unwrap();
    assert_eq!(got, Reordered { c: 3, a: 1, b: 2 });
    let got: Reordered = gob::from_slice(&sent(1, 0, 3)).unwrap();
    assert_eq!(got, Reordered { c: 3, a: 1, b: 0 });
}
