//! Every stream of the gob corpus through the Rust types `gob types`
//! generates from it: decoded value by value into them and encoded again
//! with one encoder, it gives Go's bytes back. For the streams whose maps Go
//! wrote in random order, the values and type definitions are compared
//! instead, and the lengths.

use std::path::Path;

use gob_types_check::serde_gob;
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};

#[allow(dead_code)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/corpus.rs"));
}

/// Decodes value `i` of the stream as a `T` and appends its encoding.
fn step<T: Serialize + DeserializeOwned + 'static>(
    decoder: &mut serde_gob::Decoder<&[u8]>,
    encoder: &mut serde_gob::Encoder<'_>,
    out: &mut Vec<u8>,
    i: usize,
) -> Result<(), String> {
    let rust_type = std::any::type_name::<T>();
    // A value may leave gaps (a None, an empty slice) that only T's
    // declaration fills.
    serde_gob::declare::<T>().map_err(|e| format!("value {i} ({rust_type}): declaring: {e}"))?;
    let value: T = decoder
        .decode()
        .map_err(|e| format!("value {i} ({rust_type}): decoding: {e}"))?
        .ok_or_else(|| format!("value {i} ({rust_type}): the stream ended before it"))?;
    encoder
        .encode_into(&value, out)
        .map_err(|e| format!("value {i} ({rust_type}): encoding: {e}"))
}

/// The stream must end after the values the generator listed.
fn finish(decoder: &mut serde_gob::Decoder<&[u8]>) -> Result<(), String> {
    match decoder.decode::<IgnoredAny>() {
        Ok(None) => Ok(()),
        Ok(Some(_)) => Err("the stream holds more values than the generator listed".into()),
        Err(e) => Err(format!("after the last value: {e}")),
    }
}

/// `../testdata/gob`, or the directory build.rs was given instead.
fn corpus_dir() -> &'static Path {
    Path::new(env!("GOB_TYPES_CORPUS_DIR"))
}

/// The values of a stream with the entries of every map sorted, since Go
/// writes maps in random order.
fn sorted_values(bytes: &[u8]) -> Result<Vec<serde_gob::Value>, serde_gob::Error> {
    fn sort(v: &mut serde_gob::Value) {
        use serde_gob::Value;
        match v {
            Value::Slice(items) | Value::Array(items) => items.iter_mut().for_each(sort),
            Value::Map { entries, .. } => {
                for (k, v) in entries.iter_mut() {
                    sort(k);
                    sort(v);
                }
                entries.sort_by_cached_key(|(k, _)| format!("{k:?}"));
            }
            Value::Struct { fields, .. } => fields.iter_mut().for_each(|(_, v)| sort(v)),
            Value::Interface { value, .. } => sort(value),
            _ => {}
        }
    }
    let mut values = serde_gob::decode_values(bytes)?;
    values.iter_mut().for_each(sort);
    Ok(values)
}

/// The type definitions of a stream, as the dump shows them, in order.
fn type_definitions(bytes: &[u8]) -> Vec<String> {
    let (text, error) = serde_gob::dump::dump(bytes);
    let mut defs: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_once("define type ").map(|(_, d)| d.to_string()))
        .collect();
    if let Some(e) = error {
        defs.push(format!("(dump error: {e})"));
    }
    defs
}

fn check(
    dir: &Path,
    file: &str,
    unordered: bool,
    roundtrip: generated::Roundtrip,
) -> Result<(), String> {
    let path = dir.join(file);
    let golden = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let rust = roundtrip(&golden)?;
    if !unordered {
        if rust == golden {
            return Ok(());
        }
        let at = rust
            .iter()
            .zip(&golden)
            .position(|(a, b)| a != b)
            .unwrap_or(rust.len().min(golden.len()));
        return Err(format!(
            "bytes differ at offset {at} (Rust wrote {} bytes, Go {})",
            rust.len(),
            golden.len()
        ));
    }
    if rust.len() != golden.len() {
        return Err(format!(
            "Rust wrote {} bytes, Go {}",
            rust.len(),
            golden.len()
        ));
    }
    if type_definitions(&rust) != type_definitions(&golden) {
        return Err(format!(
            "type definitions differ:\nRust {:#?}\nGo {:#?}",
            type_definitions(&rust),
            type_definitions(&golden)
        ));
    }
    let ours = sorted_values(&rust).map_err(|e| format!("Rust's stream does not decode: {e}"))?;
    let theirs = sorted_values(&golden).map_err(|e| format!("Go's stream does not decode: {e}"))?;
    if ours != theirs {
        return Err(format!("values differ:\nRust {ours:?}\nGo {theirs:?}"));
    }
    Ok(())
}

#[test]
fn every_stream_goes_through_its_generated_types_to_gos_bytes() {
    let on_disk = std::fs::read_dir(corpus_dir())
        .expect("the corpus directory")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.ends_with(".gob"))
        .count();
    assert_eq!(
        generated::STREAMS.len(),
        on_disk,
        "build.rs generated types for {} streams, the corpus has {on_disk}: rebuild",
        generated::STREAMS.len()
    );
    let mut failures = Vec::new();
    for &(file, unordered, roundtrip) in generated::STREAMS {
        if let Err(e) = check(corpus_dir(), file, unordered, roundtrip) {
            failures.push(format!("{file}: {e}"));
        }
    }
    let passed = generated::STREAMS.len() - failures.len();
    eprintln!(
        "{passed} of {} corpus streams pass",
        generated::STREAMS.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {} streams fail:\n{}",
        failures.len(),
        generated::STREAMS.len(),
        failures.join("\n\n")
    );
}

/// The gob-std set (`../testdata/gob-std`): streams of `time.Time` and
/// `math/big` values go through generated types that name the codec's
/// `Time`, `BigInt`, `BigRat` and `BigFloat`, to Go's bytes.
#[test]
fn every_standard_type_stream_goes_through_its_generated_types_to_gos_bytes() {
    let dir = Path::new(env!("GOB_TYPES_STD_DIR"));
    assert!(
        generated::STD_STREAMS.len() >= 6,
        "the gob-std set has {} streams",
        generated::STD_STREAMS.len()
    );
    let mut failures = Vec::new();
    for &(file, unordered, roundtrip) in generated::STD_STREAMS {
        if let Err(e) = check(dir, file, unordered, roundtrip) {
            failures.push(format!("{file}: {e}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The generated types are the codec's standard types, not bytes.
    let mixed = include_str!(concat!(env!("OUT_DIR"), "/types/std_mixed.rs"));
    for name in ["Time", "BigInt", "BigRat", "BigFloat"] {
        assert!(mixed.contains(name), "{name} missing from:\n{mixed}");
    }
    assert!(!mixed.contains("Vec<u8>"), "{mixed}");
}
