//! The gob corpus written by Go (`go-fixtures`, `go run . gob`): every stream
//! decodes to the values Go says it holds.

#[path = "../../tests/common/mod.rs"]
mod common;

use common::{expected_values, json_diff, manifest};
use serde_gob as gob;
use serde_json::Value as Json;

#[test]
fn corpus_is_large_enough() {
    let m = manifest();
    assert!(m.cases.len() >= 40, "only {} cases", m.cases.len());
}

#[test]
fn every_stream_decodes_dynamically_to_what_go_holds() {
    let mut failures = Vec::new();
    for case in manifest().cases {
        for stream in &case.streams {
            let bytes = common::read_golden(&format!("testdata/gob/{stream}"));
            let expected = expected_values(stream);
            match gob::decode_values(&bytes) {
                Ok(values) => {
                    let actual: Vec<Json> = values.iter().map(|v| v.to_json()).collect();
                    if let Some(diff) = json_diff(&actual, &expected, case.unordered_maps) {
                        failures.push(format!("{stream}:\n  {diff}"));
                    }
                }
                Err(e) => failures.push(format!("{stream}: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} streams differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
