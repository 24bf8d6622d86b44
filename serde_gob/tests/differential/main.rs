//! Go's own decoder as the oracle (go-fixtures/oracle.go), three ways:
//!
//! 1. Rust to Go: proptest values of the mirror types; Rust encodes them, Go
//!    accepts the stream, renders the same values, and re-encodes exactly
//!    Rust's bytes (where a map has several entries, the decoded values).
//! 2. Go to Rust: Go's random values of the same types; Rust decodes them
//!    typed and dynamically to Go's rendering and re-encodes Go's bytes
//!    exactly (maps aside).
//! 3. Mutated streams (from 1, 2 and testdata/gob): both sides decode each
//!    into the same types; they agree when both reject, or both accept with
//!    the same rendered values. Deliberate differences are recognised by
//!    [`classify`], class by class, as the README lists them.
//!
//! The disagreements found are kept as small streams in [`findings`].
//!
//! `cargo test` runs fixed seeds and bounded counts; `scripts/differential
//! [COUNT] [SEED]` runs the ignored `long_run` with more. A report shows up
//! to 12 unexplained streams with their dumps; `DIFFERENTIAL_SHOW=TEXT`
//! shows only those whose reason contains TEXT, and the ignored
//! `debug_stream` decodes one of them again.

mod classify;
#[path = "../../../tests/common/mod.rs"]
mod common;
#[path = "../corpus_types/mod.rs"]
mod corpus_types;
mod findings;
mod generate;
mod mutate;
mod oracle;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::time::Instant;

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};
use serde_gob::{self as gob, Complex128, Int};
use serde_json::Value as Json;

use classify::{Leaf, Remarshal, RustSide, Verdict};
use corpus_types::*;
use mutate::Rng;
use oracle::{Oracle, Types, decode_request, random_request, unb64};

// ---------------------------------------------------------------------------
// The types under test.
// ---------------------------------------------------------------------------

/// A mirror type, type-erased: what the three tests do with it.
#[derive(Clone, Copy)]
struct Subject {
    step: Step,
    /// Makes `n` proptest values and encodes them through one encoder of
    /// `registry`.
    generate: fn(&mut TestRunner, &mut gob::Registry, usize) -> Generated,
    /// Decodes every value of a stream as this type and encodes them again
    /// through one encoder of `registry`.
    reencode: fn(&[u8], &mut gob::Registry) -> Result<Vec<u8>, String>,
}

struct Generated {
    /// The stream.
    bytes: Vec<u8>,
    /// Each value encoded alone.
    alone: Vec<Vec<u8>>,
}

fn subject<T: Serialize + DeserializeOwned + Debug + 'static>() -> Subject {
    Subject {
        step: v::<T>(),
        generate: generate_values::<T>,
        reencode: reencode_values::<T>,
    }
}

fn generate_values<T: Serialize + DeserializeOwned + Debug + 'static>(
    runner: &mut TestRunner,
    registry: &mut gob::Registry,
    n: usize,
) -> Generated {
    let strategy = generate::values::<T>();
    // A value may leave gaps (a None, an empty slice) that only T's
    // declaration fills.
    gob::declare::<T>().expect("declaring the type");
    let mut enc = gob::Encoder::new(registry);
    let mut g = Generated {
        bytes: Vec::new(),
        alone: Vec::new(),
    };
    for _ in 0..n {
        let value = strategy
            .new_tree(runner)
            .expect("a proptest value")
            .current();
        enc.encode_into(&value, &mut g.bytes)
            .unwrap_or_else(|e| panic!("Rust cannot encode its own value {value:?}: {e}"));
        g.alone
            .push(gob::to_vec(&value).expect("encoding a value alone"));
    }
    g
}

fn reencode_values<T: Serialize + DeserializeOwned + 'static>(
    bytes: &[u8],
    registry: &mut gob::Registry,
) -> Result<Vec<u8>, String> {
    gob::declare::<T>().map_err(|e| format!("declaring: {e}"))?;
    let mut dec = gob::Decoder::new(bytes);
    let mut enc = gob::Encoder::new(registry);
    let mut out = Vec::new();
    while let Some(value) = dec.decode::<T>().map_err(|e| format!("decoding: {e}"))? {
        enc.encode_into(&value, &mut out)
            .map_err(|e| format!("encoding: {e}"))?;
    }
    Ok(out)
}

/// The types of tests 1 and 2: together every gob kind (every integer
/// width, floats, complex, strings, byte slices, arrays, slices, maps with
/// several key kinds, pointers, nested and recursive structs, interfaces,
/// GobEncoder and BinaryMarshaler), at top level and inside others.
fn subjects() -> Vec<Subject> {
    vec![
        subject::<Widths>(),
        subject::<F32>(),
        subject::<Cplx>(),
        subject::<Nz>(),
        subject::<f64>(),
        subject::<Complex128>(),
        subject::<i64>(),
        subject::<u64>(),
        subject::<bool>(),
        subject::<Flags>(),
        subject::<String>(),
        subject::<Vec<u8>>(),
        subject::<Blob>(),
        subject::<Person>(),
        subject::<Arrays>(),
        subject::<[String; 3]>(),
        subject::<Slices>(),
        subject::<Vec<Vec<Int>>>(),
        subject::<Vec<Option<Inner>>>(),
        subject::<PointList>(),
        subject::<Maps>(),
        subject::<MapKeys>(),
        subject::<MapPair>(),
        subject::<BTreeMap<Int, Inner>>(),
        subject::<BTreeMap<String, Any>>(),
        subject::<BTreeMap<String, BTreeMap<String, Int>>>(),
        subject::<Ptrs>(),
        subject::<PtrComposite>(),
        subject::<Outer>(),
        subject::<Derived>(),
        subject::<WithEmpty>(),
        subject::<Fields20>(),
        subject::<Mixed>(),
        subject::<Node>(),
        subject::<Tree>(),
        subject::<A>(),
        subject::<Deep>(),
        subject::<Drawing>(),
        subject::<Shape>(),
        subject::<Bag>(),
        subject::<Holder>(),
        subject::<Any>(),
        subject::<Event>(),
        subject::<Time>(),
        subject::<Package>(),
        subject::<Release>(),
        subject::<Host>(),
        subject::<Reading>(),
        subject::<Named>(),
        subject::<NamedBytes>(),
        subject::<RawFuncLog>(),
        subject::<Vec<RawFuncLog>>(),
        subject::<Stamped>(),
        subject::<FuncLog>(),
        subject::<UnicodeFields>(),
        subject::<Uber>(),
    ]
}

// ---------------------------------------------------------------------------
// Renderings.
// ---------------------------------------------------------------------------

/// The corpus rendering of a value encoded alone.
fn render(alone: &[u8]) -> Result<Json, String> {
    let values = gob::decode_values(alone).map_err(|e| format!("rendering: {e}"))?;
    match values.as_slice() {
        [v] => Ok(raw(v).to_json()),
        _ => Err(format!("rendering: {} values", values.len())),
    }
}

/// `v` with every self-marshalling value renamed so that the JSON form
/// shows its bytes (base64), never a standard type's text: the oracle
/// renders them so, and the tests compare bytes.
fn raw(v: &gob::Value) -> gob::Value {
    use gob::Value as V;
    match v {
        V::Opaque { name, bytes } => V::Opaque {
            name: format!("raw {name}").into(),
            bytes: bytes.clone(),
        },
        V::Slice(items) => V::Slice(items.iter().map(raw).collect()),
        V::Array(items) => V::Array(items.iter().map(raw).collect()),
        V::Map {
            string_keys,
            entries,
        } => V::Map {
            string_keys: *string_keys,
            entries: entries.iter().map(|(k, v)| (raw(k), raw(v))).collect(),
        },
        V::Struct { name, fields } => V::Struct {
            name: name.clone(),
            fields: fields.iter().map(|(n, v)| (n.clone(), raw(v))).collect(),
        },
        V::Interface { name, value } => V::Interface {
            name: name.clone(),
            value: Box::new(raw(value)),
        },
        other => other.clone(),
    }
}

fn dynamic(bytes: &[u8]) -> Result<Vec<gob::Value>, gob::Error> {
    gob::decode_values(bytes)
}

fn jsons(values: &[gob::Value]) -> Vec<Json> {
    values.iter().map(|v| raw(v).to_json()).collect()
}

/// Whether some map in the values has more than one entry (Go writes those
/// in random order).
fn has_multi_entry_map(values: &[gob::Value]) -> bool {
    fn walk(v: &gob::Value) -> bool {
        match v {
            gob::Value::Map { entries, .. } => {
                entries.len() > 1 || entries.iter().any(|(k, v)| walk(k) || walk(v))
            }
            gob::Value::Slice(items) | gob::Value::Array(items) => items.iter().any(walk),
            gob::Value::Struct { fields, .. } => fields.iter().any(|(_, v)| walk(v)),
            gob::Value::Interface { value, .. } => walk(value),
            _ => false,
        }
    }
    values.iter().any(walk)
}

fn answer_values(answer: &Json) -> Vec<Json> {
    answer
        .get("values")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------
// Test 1: Rust to Go.
// ---------------------------------------------------------------------------

/// A stream to mutate, with the types to decode it as.
#[derive(Clone)]
struct Source {
    origin: String,
    /// One step per value (`fixed`), or the one type of every value.
    steps: Vec<Step>,
    fixed: bool,
    bytes: Vec<u8>,
}

impl Source {
    fn types(&self) -> Types {
        if self.fixed {
            Types::Fixed(self.steps.iter().map(|s| (s.go_name)()).collect())
        } else {
            Types::Each((self.steps[0].go_name)())
        }
    }
}

#[derive(Default)]
struct Report {
    values: usize,
    streams: usize,
    failures: Vec<String>,
    sources: Vec<Source>,
}

fn proptest_runner(seed: u64) -> TestRunner {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &key),
    )
}

fn rust_to_go(oracle: &mut Oracle, values_per_type: usize, seed: u64) -> Report {
    let mut report = Report::default();
    let mut runner = proptest_runner(seed);
    let mut rng = Rng::new(seed);
    for subject in subjects() {
        let go_name = (subject.step.go_name)();
        let mut registry = gob::Registry::new();
        let mut made = Vec::new();
        let mut requests = Vec::new();
        let mut count = 0;
        while count < values_per_type {
            let n = 1 + rng.below(4);
            let g = (subject.generate)(&mut runner, &mut registry, n);
            requests.push(decode_request(
                &Types::Each(go_name.clone()),
                &g.bytes,
                requests.is_empty(),
            ));
            made.push(g);
            count += n;
        }
        let answers = oracle.call_all(&requests);
        // Go writes a map's entries in random order, and so gives the types
        // of interface values in them their ids in random order: after such
        // a map, ids may differ from Rust's, and only values are compared.
        let mut diverged = false;
        for (i, (g, answer)) in made.into_iter().zip(answers).enumerate() {
            report.streams += 1;
            report.values += g.alone.len();
            let label = format!("rust_to_go {go_name} stream {i}");
            let multi = dynamic(&g.bytes)
                .map(|v| has_multi_entry_map(&v))
                .unwrap_or(false);
            diverged |= multi;
            if let Some(problem) = check_rust_stream(&g, &answer, diverged) {
                report.failures.push(format!(
                    "{label}: {problem}\n  stream:\n{}",
                    common::hex(&g.bytes)
                ));
            }
            report.sources.push(Source {
                origin: label,
                steps: vec![subject.step],
                fixed: false,
                bytes: g.bytes,
            });
        }
    }
    report
}

fn check_rust_stream(g: &Generated, answer: &Json, values_only: bool) -> Option<String> {
    if answer.get("accepted") != Some(&Json::Bool(true)) || answer.get("error").is_some() {
        return Some(format!("Go does not accept Rust's stream: {answer}"));
    }
    let expected: Result<Vec<Json>, String> = g.alone.iter().map(|a| render(a)).collect();
    let expected = match expected {
        Ok(e) => e,
        Err(e) => return Some(e),
    };
    if let Some(diff) = common::json_diff(&answer_values(answer), &expected, true) {
        return Some(format!("Go holds other values:\n  {diff}"));
    }
    let reencoded = unb64(answer["reencoded"].as_str().unwrap_or_default());
    if !values_only {
        return common::bytes_diff(&g.bytes, &reencoded)
            .map(|d| format!("Go re-encodes other bytes (Rust left, Go right): {d}"));
    }
    match dynamic(&reencoded) {
        Ok(values) => common::json_diff(&jsons(&values), &expected, true)
            .map(|d| format!("Go's re-encoding holds other values:\n  {d}")),
        Err(e) => Some(format!("Go's re-encoding does not decode: {e}")),
    }
}

// ---------------------------------------------------------------------------
// Test 2: Go to Rust.
// ---------------------------------------------------------------------------

fn go_to_rust(oracle: &mut Oracle, values_per_type: usize, seed: u64) -> Report {
    let mut report = Report::default();
    let mut rng = Rng::new(seed ^ 0x2222);
    for subject in subjects() {
        let go_name = (subject.step.go_name)();
        let mut requests = Vec::new();
        let mut count = 0;
        while count < values_per_type {
            let n = 1 + rng.below(6);
            requests.push(random_request(
                &go_name,
                rng.next() >> 1,
                n,
                requests.is_empty(),
            ));
            count += n;
        }
        let answers = oracle.call_all(&requests);
        let mut registry = gob::Registry::new();
        let mut diverged = false; // as in rust_to_go
        for (i, answer) in answers.into_iter().enumerate() {
            let bytes = unb64(answer["stream"].as_str().unwrap_or_default());
            let values = answer_values(&answer);
            report.streams += 1;
            report.values += values.len();
            let label = format!("go_to_rust {go_name} stream {i}");
            let problem = check_go_stream(&subject, &bytes, &values, &mut registry, &mut diverged);
            if let Some(problem) = problem {
                report.failures.push(format!(
                    "{label}: {problem}\n  stream:\n{}",
                    common::hex(&bytes)
                ));
            }
            report.sources.push(Source {
                origin: label,
                steps: vec![subject.step],
                fixed: false,
                bytes,
            });
        }
    }
    report
}

fn check_go_stream(
    subject: &Subject,
    bytes: &[u8],
    expected: &[Json],
    registry: &mut gob::Registry,
    diverged: &mut bool,
) -> Option<String> {
    let mut problems = Vec::new();
    // Re-encode first, so that the registry follows Go's worker whatever
    // else fails.
    let reencoded = (subject.reencode)(bytes, registry);
    match typed(&[subject.step], false, bytes) {
        Ok(values) => {
            if let Some(d) = common::json_diff(&values, expected, true) {
                problems.push(format!("typed values differ:\n  {d}"));
            }
        }
        Err(e) => problems.push(format!("typed decoding fails: {e}")),
    }
    let multi = match dynamic(bytes) {
        Ok(values) => {
            if let Some(d) = common::json_diff(&jsons(&values), expected, true) {
                problems.push(format!("dynamic values differ:\n  {d}"));
            }
            *diverged |= has_multi_entry_map(&values);
            *diverged
        }
        Err(e) => {
            problems.push(format!("dynamic decoding fails: {e}"));
            true
        }
    };
    match reencoded {
        Ok(r) if !multi => {
            if let Some(d) = common::bytes_diff(&r, bytes) {
                problems.push(format!(
                    "Rust re-encodes other bytes (Rust left, Go right): {d}"
                ));
            }
        }
        Ok(r) => match dynamic(&r) {
            Ok(values) => {
                if let Some(d) = common::json_diff(&jsons(&values), expected, true) {
                    problems.push(format!("Rust's re-encoding holds other values:\n  {d}"));
                }
            }
            Err(e) => problems.push(format!("Rust's re-encoding does not decode: {e}")),
        },
        Err(e) => problems.push(format!("re-encoding fails: {e}")),
    }
    (!problems.is_empty()).then(|| problems.join("\n  "))
}

/// Decodes a stream typed: with `fixed`, exactly one value per step; else
/// values of `steps[0]` until the end. Returns each value's rendering.
fn typed(steps: &[Step], fixed: bool, bytes: &[u8]) -> Result<Vec<Json>, String> {
    let mut dec = gob::Decoder::new(bytes);
    let mut out = Vec::new();
    let mut next = |step: &Step, dec: &mut gob::Decoder<&[u8]>| -> Result<bool, String> {
        match (step.decode_next)(dec).map_err(|e| e.to_string())? {
            None => Ok(false),
            Some(Ok(alone)) => {
                out.push(render(&alone)?);
                Ok(true)
            }
            Some(Err(e)) => Err(format!("re-encoding a decoded value: {e}")),
        }
    };
    if fixed {
        for (i, step) in steps.iter().enumerate() {
            if !next(step, &mut dec)? {
                return Err(format!("the stream ended after {i} values"));
            }
        }
        match dec.decode::<IgnoredAny>() {
            Ok(None) => {}
            Ok(Some(_)) => {
                return Err(format!("the stream holds more than {} values", steps.len()));
            }
            Err(e) => return Err(e.to_string()),
        }
    } else {
        while next(&steps[0], &mut dec)? {}
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// Test 3: mutated streams.
// ---------------------------------------------------------------------------

/// The corpus streams, each with the types of its values.
fn corpus_sources() -> Vec<Source> {
    let manifest = common::manifest();
    let mut out = Vec::new();
    for case in cases() {
        let m = manifest
            .cases
            .iter()
            .find(|m| m.name == case.name)
            .unwrap_or_else(|| panic!("{} is not in the manifest", case.name));
        for (steps, file) in case.streams.iter().zip(&m.streams) {
            out.push(Source {
                origin: format!("testdata/gob/{file}"),
                steps: steps.clone(),
                fixed: true,
                bytes: common::read_golden(&format!("testdata/gob/{file}")),
            });
        }
    }
    out
}

#[derive(Default)]
struct Totals {
    streams: u64,
    /// Agreements and explained differences, by class.
    classes: BTreeMap<String, u64>,
    by_mutation: BTreeMap<&'static str, u64>,
    unexplained: u64,
    /// Unexplained disagreements by their first line, numbers left out.
    unexplained_kinds: BTreeMap<String, u64>,
    examples: Vec<String>,
}

impl Totals {
    fn print(&self, title: &str) {
        println!("{title}: {} mutated streams", self.streams);
        for (class, n) in &self.classes {
            println!("  {class:<48} {n:>9}");
        }
        println!("  {:<48} {:>9}", "UNEXPLAINED", self.unexplained);
        for (kind, n) in &self.unexplained_kinds {
            println!("    {n:>7} {kind}");
        }
        let kinds: Vec<String> = self
            .by_mutation
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!("  by first mutation: {}", kinds.join(", "));
    }
}

fn rust_side(source: &Source, bytes: &[u8]) -> RustSide {
    RustSide {
        typed: typed(&source.steps, source.fixed, bytes),
        dynamic: dynamic(bytes).map(|v| jsons(&v)).map_err(|e| e.to_string()),
    }
}

/// The annotated dump of a stream, for reports.
fn dump_text(bytes: &[u8]) -> String {
    let (text, error) = gob::dump::dump(bytes);
    match error {
        Some(e) => format!("{text}(dump stopped: {e})"),
        None => text,
    }
}

fn mutated_streams(
    oracle: &mut Oracle,
    sources: &[Source],
    count: usize,
    seed: u64,
    totals: &mut Totals,
) {
    let mut rng = Rng::new(seed ^ 0x3333);
    const BATCH: usize = 2048;
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let mut batch = Vec::with_capacity(n);
        let mut requests = Vec::with_capacity(n);
        for _ in 0..n {
            let s = rng.below(sources.len());
            let other = &sources[rng.below(sources.len())].bytes;
            let (kind, bytes) = mutate::mutate(&mut rng, &sources[s].bytes, other);
            requests.push(decode_request(&sources[s].types(), &bytes, false));
            batch.push((s, kind, bytes));
        }
        let answers = oracle.call_all(&requests);
        let mut verdicts = Vec::with_capacity(n);
        for ((s, kind, bytes), go) in batch.into_iter().zip(answers) {
            let source = &sources[s];
            let rust = rust_side(source, &bytes);
            let verdict = classify::classify(
                &go,
                &rust,
                &source.steps,
                source.fixed,
                &bytes,
                &source.bytes,
            );
            verdicts.push((s, kind, bytes, go, rust, verdict));
        }
        // Ask Go's own marshalling methods about the self-marshalled values
        // of the streams that differ there.
        let mut leaves: Vec<(String, String)> = Vec::new();
        for (.., verdict) in &verdicts {
            if let Verdict::Opaque { leaves: l, .. } = verdict {
                for leaf in l {
                    let key = (leaf.go_type.clone(), leaf.rust.clone());
                    if !leaves.contains(&key) {
                        leaves.push(key);
                    }
                }
            }
        }
        let requests: Vec<Json> = leaves
            .iter()
            .map(|(t, data)| serde_json::json!({"op": "remarshal", "type": t, "data": data}))
            .collect();
        let remarshals = oracle.call_all(&requests);
        let remarshal = |leaf: &Leaf| -> Remarshal {
            let i = leaves
                .iter()
                .position(|(t, d)| *t == leaf.go_type && *d == leaf.rust)
                .expect("asked");
            let a = &remarshals[i];
            let text = |k: &str| {
                a.get(k)
                    .and_then(Json::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            Remarshal {
                ok: a.get("ok") == Some(&Json::Bool(true)),
                error: text("error"),
                data: text("data"),
                zero: a.get("zero") == Some(&Json::Bool(true)),
                zero_data: text("zero_data"),
            }
        };
        for (s, kind, bytes, go, rust, verdict) in verdicts {
            let source = &sources[s];
            totals.streams += 1;
            *totals.by_mutation.entry(kind).or_default() += 1;
            let outcome = match verdict {
                Verdict::Class(class) => Ok(class),
                Verdict::Unexplained(why) => Err(why),
                Verdict::Opaque {
                    leaves,
                    go_error,
                    why,
                } => classify::resolve_opaque(&leaves, go_error.as_deref(), remarshal).ok_or(why),
            };
            match outcome {
                Ok(class) => *totals.classes.entry(class.to_string()).or_default() += 1,
                Err(why) => {
                    totals.unexplained += 1;
                    let kind_of_why: String = why
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .chars()
                        .map(|c| if c.is_ascii_digit() { '#' } else { c })
                        .take(150)
                        .collect();
                    *totals.unexplained_kinds.entry(kind_of_why).or_default() += 1;
                    let show = std::env::var("DIFFERENTIAL_SHOW").unwrap_or_default();
                    if totals.examples.len() < 12 && why.contains(&show) {
                        totals.examples.push(format!(
                            "{} mutated by {kind}: {why}\n  Go: {go}\n  Rust typed: {:?}\n  Rust dynamic: {:?}\n  stream:\n{}\n  dump:\n{}",
                            source.origin,
                            rust.typed.as_ref().map(|_| "accepted"),
                            rust.dynamic.as_ref().map(|_| "accepted"),
                            common::hex(&bytes),
                            dump_text(&bytes),
                        ));
                    }
                }
            }
        }
        done += n;
    }
}

// ---------------------------------------------------------------------------
// Entry points.
// ---------------------------------------------------------------------------

/// The fixed seed of `cargo test`.
const SEED: u64 = 13;

fn per_type(total: usize) -> usize {
    total.div_ceil(subjects().len())
}

fn assert_no_failures(what: &str, report: &Report) {
    assert!(
        report.failures.is_empty(),
        "{what}: {} of {} streams differ:\n\n{}",
        report.failures.len(),
        report.streams,
        report
            .failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

#[test]
fn rust_values_go_reads_back_exactly() {
    let started = Instant::now();
    let mut oracle = Oracle::start();
    let report = rust_to_go(&mut oracle, per_type(2000), SEED);
    println!(
        "rust to go: {} values in {} streams, {} fresh Go workers, {:?}",
        report.values,
        report.streams,
        oracle.fresh_workers,
        started.elapsed()
    );
    assert_no_failures("Rust to Go", &report);
    assert!(report.values >= 2000, "only {} values", report.values);
}

#[test]
fn go_values_rust_reads_and_writes_back_exactly() {
    let started = Instant::now();
    let mut oracle = Oracle::start();
    let report = go_to_rust(&mut oracle, per_type(2000), SEED);
    println!(
        "go to rust: {} values in {} streams, {} fresh Go workers, {:?}",
        report.values,
        report.streams,
        oracle.fresh_workers,
        started.elapsed()
    );
    assert_no_failures("Go to Rust", &report);
    assert!(report.values >= 2000, "only {} values", report.values);
}

fn run_mutations(values_each_way: usize, mutations: usize, seed: u64) -> Totals {
    let started = Instant::now();
    let mut oracle = Oracle::start();
    let mut sources = corpus_sources();
    let r1 = rust_to_go(&mut oracle, per_type(values_each_way), seed);
    let r2 = go_to_rust(&mut oracle, per_type(values_each_way), seed);
    assert_no_failures("Rust to Go (sources)", &r1);
    assert_no_failures("Go to Rust (sources)", &r2);
    sources.extend(r1.sources);
    sources.extend(r2.sources);
    let mut totals = Totals::default();
    mutated_streams(&mut oracle, &sources, mutations, seed, &mut totals);
    totals.print(&format!(
        "mutated streams from {} sources (seed {seed}), {:?}",
        sources.len(),
        started.elapsed()
    ));
    totals
}

#[test]
fn mutated_streams_go_and_rust_agree() {
    let totals = run_mutations(600, 20_000, SEED);
    assert!(
        totals.unexplained == 0,
        "{} unexplained disagreements of {} mutated streams; examples:\n\n{}",
        totals.unexplained,
        totals.streams,
        totals.examples.join("\n\n")
    );
    assert!(totals.streams >= 20_000);
}

/// `scripts/differential [COUNT] [SEED]`: COUNT mutated streams (and a
/// twentieth of that, at least 2 000, values each way).
#[test]
#[ignore = "long; run by scripts/differential"]
fn long_run() {
    let env = |name: &str, default: u64| -> u64 {
        std::env::var(name)
            .ok()
            .map(|v| {
                v.parse()
                    .unwrap_or_else(|_| panic!("{name}={v} is not a number"))
            })
            .unwrap_or(default)
    };
    let count = env("DIFFERENTIAL_COUNT", 1_000_000) as usize;
    let seed = env("DIFFERENTIAL_SEED", 1);
    let values = (count / 20).max(2000);
    let started = Instant::now();
    let mut oracle = Oracle::start();
    let r1 = rust_to_go(&mut oracle, per_type(values), seed);
    let r2 = go_to_rust(&mut oracle, per_type(values), seed);
    println!(
        "rust to go: {} values in {} streams, {} differ",
        r1.values,
        r1.streams,
        r1.failures.len()
    );
    println!(
        "go to rust: {} values in {} streams, {} differ",
        r2.values,
        r2.streams,
        r2.failures.len()
    );
    for f in r1.failures.iter().chain(&r2.failures).take(10) {
        println!("{f}\n");
    }
    let mut sources = corpus_sources();
    sources.extend(r1.sources);
    sources.extend(r2.sources);
    let mut totals = Totals::default();
    mutated_streams(&mut oracle, &sources, count, seed, &mut totals);
    totals.print(&format!(
        "mutated streams from {} sources (seed {seed})",
        sources.len()
    ));
    for e in &totals.examples {
        println!("\n{e}");
    }
    println!(
        "oracle: {} requests, {} fresh workers; {:?} in all",
        oracle.requests,
        oracle.fresh_workers,
        started.elapsed()
    );
    assert!(r1.failures.is_empty() && r2.failures.is_empty() && totals.unexplained == 0);
}

/// Each disagreement found, as a small stream: fixed ones agree with Go's
/// decoder, deliberate ones fall into their class.
#[test]
fn findings_agree_with_go_or_differ_as_documented() {
    let findings = findings::findings();
    let mut oracle = Oracle::start();
    let requests: Vec<Json> = findings
        .iter()
        .map(|f| decode_request(&Types::Each((f.step.go_name)()), &f.bytes, false))
        .collect();
    let answers = oracle.call_all(&requests);
    let failures: Vec<String> = findings
        .iter()
        .zip(&answers)
        .filter_map(|(f, go)| {
            let rust = RustSide {
                typed: typed(&[f.step], false, &f.bytes),
                dynamic: dynamic(&f.bytes)
                    .map(|v| jsons(&v))
                    .map_err(|e| e.to_string()),
            };
            findings::check(f, go, &rust).err()
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The oracle's `fresh` flag: a fresh worker decodes every corpus stream
/// and re-encodes Go's bytes exactly (the values, where maps have several
/// entries), as a fresh Go process would.
#[test]
fn a_fresh_oracle_worker_reencodes_the_corpus_exactly() {
    let manifest = common::manifest();
    let mut oracle = Oracle::start();
    let mut requests = Vec::new();
    let mut expect = Vec::new();
    for case in cases() {
        let m = manifest
            .cases
            .iter()
            .find(|m| m.name == case.name)
            .expect("in the manifest");
        for (i, (steps, file)) in case.streams.iter().zip(&m.streams).enumerate() {
            let bytes = common::read_golden(&format!("testdata/gob/{file}"));
            let types = Types::Fixed(steps.iter().map(|s| (s.go_name)()).collect());
            // The streams of one case come from one process.
            requests.push(decode_request(&types, &bytes, i == 0));
            expect.push((file.clone(), bytes, m.unordered_maps));
        }
    }
    let answers = oracle.call_all(&requests);
    let mut failures = Vec::new();
    for ((file, bytes, unordered), answer) in expect.into_iter().zip(answers) {
        let reencoded = unb64(answer["reencoded"].as_str().unwrap_or_default());
        if answer.get("accepted") != Some(&Json::Bool(true)) {
            failures.push(format!("{file}: {answer}"));
        } else if unordered {
            let want = common::expected_values(&file);
            match dynamic(&reencoded) {
                Ok(v) => {
                    if let Some(d) = common::json_diff(&jsons(&v), &want, true) {
                        failures.push(format!("{file}: {d}"));
                    }
                }
                Err(e) => failures.push(format!("{file}: {e}")),
            }
        } else if let Some(d) = common::bytes_diff(&reencoded, &bytes) {
            failures.push(format!("{file}: {d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Debugging aid: `DIFFERENTIAL_HEX=file DIFFERENTIAL_TYPE=main.Drawing
/// cargo test -p serde_gob --test differential -- --ignored debug_stream
/// --nocapture` decodes a stream (hex, as the reports print it) typed as the
/// subject of that Go name and dynamically.
#[test]
#[ignore = "a debugging aid"]
fn debug_stream() {
    let hex = std::fs::read_to_string(std::env::var("DIFFERENTIAL_HEX").expect("DIFFERENTIAL_HEX"))
        .expect("the hex file");
    let digits: String = hex
        .lines()
        .map(|l| l.split_once(": ").map_or(l, |(_, b)| b))
        .collect::<Vec<_>>()
        .join("")
        .split_whitespace()
        .collect();
    let bytes: Vec<u8> = (0..digits.len() / 2)
        .map(|i| u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    let name = std::env::var("DIFFERENTIAL_TYPE").expect("DIFFERENTIAL_TYPE");
    let subject = subjects()
        .into_iter()
        .find(|s| (s.step.go_name)() == name)
        .expect("a subject of that name");
    println!("typed: {:?}", typed(&[subject.step], false, &bytes));
    println!("dynamic: {:?}", dynamic(&bytes).map(|v| jsons(&v)));
}
