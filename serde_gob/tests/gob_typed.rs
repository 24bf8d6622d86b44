//! The gob corpus through typed Rust mirrors of its Go types: every stream
//! decodes value by value into the mirror types, and encoding those values
//! again, as one fresh Go process with one encoder would, gives Go's bytes
//! back exactly. Go then reads the Rust bytes (`go run . gob-verify`).

#[path = "../../tests/common/mod.rs"]
mod common;

mod corpus_types;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde::de::{DeserializeOwned, IgnoredAny};
use serde_gob::{self as gob, Int, Uint, Uintptr};
use serde_json::Value as Json;

use common::{ManifestCase, bytes_diff, expected_values, json_diff, manifest};
use corpus_types::*;

// ---------------------------------------------------------------------------
// Running the table.
// ---------------------------------------------------------------------------

/// A stream as the Rust side writes it again.
struct Reencoded {
    file: String,
    /// All values through one encoder.
    bytes: Vec<u8>,
    /// Where each value's messages start in `bytes`.
    starts: Vec<usize>,
    /// Each value encoded alone.
    alone: Vec<Vec<u8>>,
}

impl Reencoded {
    /// The index of the value whose messages hold `offset`.
    fn value_at(&self, offset: usize) -> usize {
        self.starts
            .iter()
            .rposition(|&s| s <= offset)
            .unwrap_or_default()
    }
}

/// Decodes every stream of `case` with its mirror types and encodes the
/// values again with one registry (one Go process) and one encoder per
/// stream. Problems are pushed to `failures`; streams that could not be
/// fully written again are left out of the result.
fn reencode(case: &Case, m: &ManifestCase, failures: &mut Vec<String>) -> Vec<Reencoded> {
    let mut out = Vec::new();
    if case.streams.len() != m.streams.len() {
        failures.push(format!(
            "{}: the table lists {} streams, the manifest {}",
            case.name,
            case.streams.len(),
            m.streams.len()
        ));
        return out;
    }
    let mut registry = gob::Registry::new();
    for (steps, file) in case.streams.iter().zip(&m.streams) {
        let golden = common::read_golden(&format!("testdata/gob/{file}"));
        let mut dec = gob::Decoder::new(&golden[..]);
        let mut enc = gob::Encoder::new(&mut registry);
        let mut r = Reencoded {
            file: file.clone(),
            bytes: Vec::new(),
            starts: Vec::new(),
            alone: Vec::new(),
        };
        let mut complete = true;
        for (i, step) in steps.iter().enumerate() {
            r.starts.push(r.bytes.len());
            match (step.run)(&mut dec, &mut enc, &mut r.bytes) {
                Ok(alone) => r.alone.push(alone),
                Err(e) => {
                    failures.push(format!(
                        "{}/{file} value {i} ({}): {e}",
                        case.name, step.rust_type
                    ));
                    complete = false;
                    break;
                }
            }
        }
        if complete {
            match dec.decode::<IgnoredAny>() {
                Ok(None) => out.push(r),
                Ok(Some(_)) => failures.push(format!(
                    "{}/{file}: the stream holds more than the {} values of the table",
                    case.name,
                    steps.len()
                )),
                Err(e) => failures.push(format!(
                    "{}/{file}: after the last value, decode gave {e} instead of the end",
                    case.name
                )),
            }
        }
    }
    out
}

/// Runs `check` on the re-encoded streams of every case, after checking
/// that the table and the manifest list the same cases. Returns the failures.
fn for_every_case(
    mut check: impl FnMut(&ManifestCase, &Reencoded, &mut Vec<String>),
) -> Vec<String> {
    let mut failures = Vec::new();
    let table = cases();
    let manifest = manifest();
    for t in &table {
        if !manifest.cases.iter().any(|m| m.name == t.name) {
            failures.push(format!("{}: in the table but not in the manifest", t.name));
        }
    }
    for m in &manifest.cases {
        let Some(case) = table.iter().find(|t| t.name == m.name) else {
            failures.push(format!("{}: in the manifest but not in the table", m.name));
            continue;
        };
        for r in reencode(case, m, &mut failures) {
            check(m, &r, &mut failures);
        }
    }
    failures
}

fn assert_no_failures(what: &str, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} {what}:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn dynamic_json(bytes: &[u8]) -> Result<Vec<Json>, gob::Error> {
    Ok(gob::decode_values(bytes)?
        .iter()
        .map(gob::Value::to_json)
        .collect())
}

/// The type definitions of a stream in order, as the dump shows them (ids,
/// names, and field names and types), in the order they are sent.
fn type_definitions(bytes: &[u8]) -> String {
    let (text, error) = gob::dump::dump(bytes);
    let mut defs: Vec<String> = text
        .lines()
        .filter_map(|l| l.split_once("define type ").map(|(_, d)| d.to_string()))
        .collect();
    if let Some(e) = error {
        defs.push(format!("(dump error: {e})"));
    }
    defs.join("\n")
}

#[test]
fn typed_values_encode_to_gos_bytes() {
    let failures = for_every_case(|m, r, failures| {
        let golden = common::read_golden(&format!("testdata/gob/{}", r.file));
        let label = format!("{}/{}", m.name, r.file);
        if !m.unordered_maps {
            if let Some(diff) = bytes_diff(&r.bytes, &golden) {
                let at = common::first_difference(&r.bytes, &golden).unwrap_or_default();
                failures.push(format!("{label} value {}: {diff}", r.value_at(at)));
            }
            return;
        }
        // Go randomizes map order; the golden stream is the smallest of
        // many encodings. Other orders have the same length, type
        // definitions and values.
        if r.bytes.len() != golden.len() {
            failures.push(format!(
                "{label}: {} bytes, Go wrote {}",
                r.bytes.len(),
                golden.len()
            ));
        }
        let (rust_defs, go_defs) = (type_definitions(&r.bytes), type_definitions(&golden));
        if rust_defs != go_defs {
            failures.push(format!(
                "{label}: type definitions differ\n{}",
                pretty_assertions::StrComparison::new(&rust_defs, &go_defs)
            ));
        }
        match dynamic_json(&r.bytes) {
            Ok(actual) => {
                if let Some(diff) = json_diff(&actual, &expected_values(&r.file), true) {
                    failures.push(format!("{label}:\n  {diff}"));
                }
            }
            Err(e) => failures.push(format!("{label}: the Rust stream does not decode: {e}")),
        }
    });
    assert_no_failures("streams differ from Go's", &failures);
}

#[test]
fn typed_values_hold_what_go_holds() {
    let failures = for_every_case(|m, r, failures| {
        let expected = expected_values(&r.file);
        if expected.len() != r.alone.len() {
            failures.push(format!(
                "{}/{}: {} values decoded, Go rendered {}",
                m.name,
                r.file,
                r.alone.len(),
                expected.len()
            ));
            return;
        }
        for (i, (alone, want)) in r.alone.iter().zip(&expected).enumerate() {
            let label = format!("{}/{} value {i}", m.name, r.file);
            match dynamic_json(alone) {
                Ok(got) if got.len() == 1 => {
                    if let Some(diff) =
                        json_diff(&got, std::slice::from_ref(want), m.unordered_maps)
                    {
                        failures.push(format!("{label}:\n  {diff}"));
                    }
                }
                Ok(got) => failures.push(format!("{label}: {} values alone", got.len())),
                Err(e) => failures.push(format!("{label}: encoded alone, it does not decode: {e}")),
            }
        }
    });
    assert_no_failures("values differ from what Go holds", &failures);
}

// ---------------------------------------------------------------------------
// Values built by hand.
// ---------------------------------------------------------------------------

/// Every value of a one-stream case, decoded as `T`.
fn decode_all<T: DeserializeOwned>(case: &str) -> Vec<T> {
    let bytes = common::read_golden(&format!("testdata/gob/{case}.gob"));
    let mut dec = gob::Decoder::new(&bytes[..]);
    let mut values = Vec::new();
    while let Some(v) = dec
        .decode::<T>()
        .unwrap_or_else(|e| panic!("{case}: value {}: {e}", values.len()))
    {
        values.push(v);
    }
    values
}

/// Decodes the stream `case` as values of one type `T` and as a whole.
fn decode_one<T: DeserializeOwned>(case: &str) -> T {
    let bytes = common::read_golden(&format!("testdata/gob/{case}.gob"));
    gob::from_slice(&bytes).unwrap_or_else(|e| panic!("{case}: {e}"))
}

/// What Go's `time.Time.MarshalBinary` writes (version 1): seconds since
/// January 1 of year 1, nanoseconds, and the zone offset in minutes (-1 for
/// UTC).
fn go_time_bytes(unix_seconds: i64, nanos: i32, offset_minutes: i16) -> Vec<u8> {
    const UNIX_TO_INTERNAL: i64 = 62_135_596_800;
    let mut b = vec![1];
    b.extend_from_slice(&(unix_seconds + UNIX_TO_INTERNAL).to_be_bytes());
    b.extend_from_slice(&nanos.to_be_bytes());
    b.extend_from_slice(&offset_minutes.to_be_bytes());
    b
}

#[test]
fn decoded_values_equal_values_built_by_hand() {
    assert_eq!(
        decode_one::<Point>("doc_example"),
        Point {
            x: Int(22),
            y: Int(33)
        }
    );

    let alice = Person {
        name: "Alice".into(),
        age: Int(30),
        email: "alice@example.com".into(),
        score: 97.5,
        active: true,
        tags: vec!["admin".into(), "dev".into()],
    };
    assert_eq!(decode_one::<Person>("struct_basic"), alice);
    let people = decode_all::<Person>("multi_values_same_type");
    assert_eq!(
        people,
        vec![
            alice.clone(),
            Person {
                name: "Bob".into(),
                age: Int(41),
                email: String::new(),
                score: 0.0,
                active: false,
                tags: vec![],
            },
            Person {
                name: "Carol".into(),
                age: Int(0),
                email: String::new(),
                score: -1.0,
                active: false,
                tags: vec!["x".into()],
            },
        ]
    );

    assert_eq!(
        decode_one::<Drawing>("interface_field"),
        Drawing {
            title: "shapes".into(),
            main: Shape::Circle(Circle { r: 1.5 }),
            nil: Shape::Nil,
            all: vec![
                Shape::Square(Square { s: 2.0 }),
                Shape::Circle(Circle { r: 0.5 }),
                Shape::Square(Square { s: 3.0 }),
            ],
        }
    );
    assert_eq!(
        decode_all::<Shape>("interface_top_level"),
        vec![
            Shape::Circle(Circle { r: 3.0 }),
            Shape::Square(Square { s: 4.0 }),
            Shape::Nil,
            Shape::Circle(Circle { r: 3.0 }),
        ]
    );
    assert_eq!(
        decode_one::<Bag>("interface_basic_concretes"),
        Bag {
            items: vec![
                Any::Int(Int(7)),
                Any::String("s".into()),
                Any::Float64(2.5),
                Any::Ints(vec![Int(1), Int(2)]),
                Any::Bool(true),
                Any::Nil,
            ]
        }
    );

    // 2017-11-20T00:00:00.123456789Z and 2020-01-02T03:04:05.000000006+01:00.
    let utc = Time(go_time_bytes(1_511_136_000, 123_456_789, -1));
    let zoned = Time(go_time_bytes(1_577_930_645, 6, 60));
    let bytes = common::read_golden("testdata/gob/gob_encoder_time.gob");
    let mut dec = gob::Decoder::new(&bytes[..]);
    let events: Vec<Event> = (0..3)
        .map(|i| {
            dec.decode()
                .unwrap_or_else(|e| panic!("event {i}: {e}"))
                .unwrap_or_else(|| panic!("event {i} is missing"))
        })
        .collect();
    assert_eq!(
        events,
        vec![
            Event {
                name: "utc".into(),
                at: utc.clone()
            },
            Event {
                name: "zoned".into(),
                at: zoned
            },
            // A zero time.Time field is not sent: the field is left empty.
            Event {
                name: "zero".into(),
                at: Time(vec![])
            },
        ]
    );
    assert_eq!(dec.decode::<Time>().expect("top-level time"), Some(utc));
    assert!(matches!(dec.decode::<IgnoredAny>(), Ok(None)));

    assert_eq!(
        decode_all::<i64>("int_extremes"),
        vec![
            0,
            1,
            -1,
            63,
            -64,
            127,
            -128,
            128,
            255,
            256,
            -257,
            i64::MAX,
            i64::MIN
        ]
    );
    assert_eq!(
        decode_all::<Widths>("int_widths")[1],
        Widths {
            i8: i8::MAX,
            i16: i16::MAX,
            i32: i32::MAX,
            i64: i64::MAX,
            i: Int(i64::MAX),
            u8: u8::MAX,
            u16: u16::MAX,
            u32: u32::MAX,
            u64: u64::MAX,
            u: Uint(u64::MAX),
            p: Uintptr(u64::MAX),
        }
    );

    let bytes = common::read_golden("testdata/gob/named_other_package.gob");
    let mut dec = gob::Decoder::new(&bytes[..]);
    let log: RawFuncLog = dec.decode().expect("decode").expect("first value");
    assert_eq!(
        log,
        RawFuncLog {
            id: RawFuncLogId(Int(1)),
            tag: TagName("call".into()),
            timestamp: LogTime(1_700_000_000_123_456_789),
            frames: vec![FuncStatusId(10), FuncStatusId(20), FuncStatusId(30)],
            gid: Gid(17),
            tx_id: TxId(99),
        }
    );
}

#[test]
fn hand_built_values_encode_to_gos_bytes() {
    let point = Point {
        x: Int(22),
        y: Int(33),
    };
    common::assert_bytes_eq(
        "doc_example",
        &gob::to_vec(&point).expect("encode"),
        &common::read_golden("testdata/gob/doc_example.gob"),
    );

    // Three encoders of one process: ids continue, definitions repeat.
    let mut registry = gob::Registry::new();
    let person = |name: &str, age: i64| Person {
        name: name.into(),
        age: Int(age),
        email: String::new(),
        score: 0.0,
        active: false,
        tags: vec![],
    };
    let second = person("second", 2);
    let mut alice = person("Alice", 30);
    alice.email = "alice@example.com".into();
    alice.score = 97.5;
    alice.active = true;
    alice.tags = vec!["admin".into(), "dev".into()];
    let mut streams = [Vec::new(), Vec::new(), Vec::new()];
    gob::Encoder::new(&mut registry)
        .encode_into(&alice, &mut streams[0])
        .expect("stream 0");
    gob::Encoder::new(&mut registry)
        .encode_into(
            &Point {
                x: Int(1),
                y: Int(2),
            },
            &mut streams[1],
        )
        .expect("stream 1");
    gob::Encoder::new(&mut registry)
        .encode_into(&second, &mut streams[2])
        .expect("stream 2");
    for (i, s) in streams.iter().enumerate() {
        common::assert_bytes_eq(
            &format!("shared_registry.{i}"),
            s,
            &common::read_golden(&format!("testdata/gob/shared_registry.{i}.gob")),
        );
    }
}

// ---------------------------------------------------------------------------
// Go reads what Rust writes.
// ---------------------------------------------------------------------------

/// A directory removed when dropped, even when the test fails.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let path = std::env::temp_dir().join(format!(
            "goapptrace-proto-{tag}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

const GO_TIMEOUT: Duration = Duration::from_secs(120);

/// Runs `go ARGS` in go-fixtures, killing it after [`GO_TIMEOUT`]. Returns
/// whether it succeeded and its output (stdout then stderr).
fn run_go(args: &[&str], scratch: &Path) -> (bool, String) {
    let go = common::go_binary();
    let out_path = scratch.join("go-stdout.txt");
    let err_path = scratch.join("go-stderr.txt");
    let create = |p: &Path| {
        std::fs::File::create(p).unwrap_or_else(|e| panic!("cannot create {}: {e}", p.display()))
    };
    let mut cmd = Command::new(&go);
    cmd.args(args)
        .current_dir(common::repo_path("go-fixtures"))
        .stdin(Stdio::null())
        .stdout(create(&out_path))
        .stderr(create(&err_path));
    // Its own process group, so that a timeout also ends the program that
    // `go run` started.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", go.display()));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if started.elapsed() < GO_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(100))
            }
            Ok(None) => break None,
            Err(e) => panic!("waiting for go: {e}"),
        }
    };
    let status = match status {
        Some(status) => status,
        None => {
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!("`go {}` took more than {GO_TIMEOUT:?}", args.join(" "));
        }
    };
    let read = |p: &Path| {
        let mut s = String::new();
        let _ = std::fs::File::open(p).and_then(|mut f| f.read_to_string(&mut s));
        s
    };
    (status.success(), read(&out_path) + &read(&err_path))
}

#[test]
fn go_reads_what_rust_writes() {
    let scratch = TempDir::new("gob-typed");
    let dir = scratch.path().join("streams");
    std::fs::create_dir(&dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let mut written = 0;
    let failures =
        for_every_case(
            |_, r, failures| match std::fs::write(dir.join(&r.file), &r.bytes) {
                Ok(()) => written += 1,
                Err(e) => failures.push(format!("writing {}: {e}", r.file)),
            },
        );
    let dir_arg = dir.to_str().expect("a UTF-8 temp path");
    let (ok, output) = run_go(&["run", ".", "gob-verify", dir_arg], scratch.path());
    assert!(
        ok && output.contains(&format!("{written} streams verified, 0 failed, 0 missing")),
        "Go does not read the {written} Rust streams back (go exit ok: {ok}):\n{output}\n\
         streams not written:\n{}",
        failures.join("\n")
    );
    assert_no_failures("streams could not be written again", &failures);
}

// ---------------------------------------------------------------------------
// Snapshots.
// ---------------------------------------------------------------------------

const SNAPSHOT_CASES: &[&str] = &[
    "doc_example",
    "interface_field",
    "gob_encoder_time",
    "named_other_package",
    "maps_single",
];

#[test]
fn dump_snapshots() {
    for name in SNAPSHOT_CASES {
        let bytes = common::read_golden(&format!("testdata/gob/{name}.gob"));
        let (text, error) = gob::dump::dump(&bytes[..]);
        assert!(error.is_none(), "{name}: dump stopped: {error:?}\n{text}");
        insta::assert_snapshot!(format!("dump_{name}"), text);
    }
}

#[test]
fn decoded_value_snapshots() {
    for name in SNAPSHOT_CASES {
        let bytes = common::read_golden(&format!("testdata/gob/{name}.gob"));
        let values = dynamic_json(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        insta::assert_json_snapshot!(format!("values_{name}"), values);
    }
}
