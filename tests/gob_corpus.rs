//! The gob corpus written by Go (`go-fixtures`, `go run . gob`): every stream
//! decodes to the values Go says it holds.

mod common;

use goapptrace_proto::gob;
use serde_json::Value as Json;

#[derive(serde::Deserialize)]
struct Manifest {
    cases: Vec<Case>,
}

#[derive(serde::Deserialize)]
struct Case {
    name: String,
    streams: Vec<String>,
    unordered_maps: bool,
}

fn manifest() -> Manifest {
    serde_json::from_slice(&common::read_golden("testdata/gob/manifest.json")).expect("manifest")
}

fn expected_values(stream: &str) -> Vec<Json> {
    let json_name = stream.replace(".gob", ".json");
    let text =
        String::from_utf8(common::read_golden(&format!("testdata/gob/{json_name}"))).unwrap();
    text.lines()
        .map(|l| serde_json::from_str(l).expect("expected JSON"))
        .collect()
}

/// Makes two renderings comparable: a float with an integral value reads
/// the same as that integer (`0.0` and `0`), and with `sort_pairs` the
/// `[key, value]` pairs of maps with non-string keys, whose order Go
/// randomizes, are sorted.
fn normalize(v: Json, sort_pairs: bool) -> Json {
    match v {
        Json::Number(n) if n.is_f64() => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => Json::from(f as i64),
            _ => Json::Number(n),
        },
        Json::Array(items) => {
            let mut items: Vec<Json> = items
                .into_iter()
                .map(|i| normalize(i, sort_pairs))
                .collect();
            let pairs = sort_pairs
                && !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(i, Json::Array(p) if p.len() == 2));
            if pairs {
                items.sort_by_key(|i| i.to_string());
            }
            Json::Array(items)
        }
        Json::Object(map) => Json::Object(
            map.into_iter()
                .map(|(k, v)| (k, normalize(v, sort_pairs)))
                .collect(),
        ),
        other => other,
    }
}

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
                    let sort = case.unordered_maps;
                    let actual: Vec<Json> = values
                        .iter()
                        .map(|v| normalize(v.to_json(), sort))
                        .collect();
                    let expected: Vec<Json> = expected
                        .iter()
                        .map(|v| normalize(v.clone(), sort))
                        .collect();
                    if actual != expected {
                        failures.push(format!(
                            "{stream}:\n  got      {}\n  expected {}",
                            Json::Array(actual),
                            Json::Array(expected)
                        ));
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
