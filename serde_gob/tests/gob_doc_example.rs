//! The worked example of Go's `encoding/gob/doc.go`.

#[path = "../../tests/common/mod.rs"]
mod common;

use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Encoder, Int, Registry};

#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename = "main.Point")]
struct Point {
    #[serde(rename = "X")]
    x: Int,
    #[serde(rename = "Y")]
    y: Int,
}

/// The bytes doc.go lists for `Point{22, 33}`, written when Go's first user
/// type id was 65.
const DOC_GO_BYTES: [u8; 40] = [
    0x1f, 0xff, 0x81, 0x03, 0x01, 0x01, 0x05, 0x50, 0x6f, 0x69, 0x6e, 0x74, 0x01, 0xff, 0x82, 0x00,
    0x01, 0x02, 0x01, 0x01, 0x58, 0x01, 0x04, 0x00, 0x01, 0x01, 0x59, 0x01, 0x04, 0x00, 0x00, 0x00,
    0x07, 0xff, 0x82, 0x01, 0x2c, 0x01, 0x42, 0x00,
];

#[test]
fn doc_go_listing_is_reproduced_with_ids_from_65() {
    let mut registry = Registry::with_first_id(65);
    let mut out = Vec::new();
    Encoder::new(&mut registry)
        .encode_into(
            &Point {
                x: Int(22),
                y: Int(33),
            },
            &mut out,
        )
        .unwrap();
    common::assert_bytes_eq("doc.go example", &out, &DOC_GO_BYTES);
}

#[test]
fn doc_go_listing_decodes() {
    let p: Point = gob::from_slice(&DOC_GO_BYTES).unwrap();
    assert_eq!(
        p,
        Point {
            x: Int(22),
            y: Int(33)
        }
    );
}

#[test]
fn current_go_writes_the_same_with_id_64() {
    let golden = common::read_golden("testdata/gob/doc_example.gob");
    let out = gob::to_vec(&Point {
        x: Int(22),
        y: Int(33),
    })
    .unwrap();
    common::assert_bytes_eq("go run . gob: doc_example", &out, &golden);
}
