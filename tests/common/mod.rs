//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value as Json;

/// A path in the workspace (where `go-fixtures` and `testdata` are), from
/// the test crate of either package.
pub fn repo_path(rel: &str) -> PathBuf {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = crate_dir
        .ancestors()
        .find(|dir| dir.join("go-fixtures").is_dir())
        .unwrap_or(crate_dir);
    root.join(rel)
}

/// Reads a file of the golden corpus, failing with its path.
pub fn read_golden(rel: &str) -> Vec<u8> {
    let path = repo_path(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Hex with a space between bytes and a line break every 16 bytes, so that
/// pretty_assertions shows where two byte strings part.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let body: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            format!("{:06x}: {}", i * 16, body.join(" "))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asserts two byte strings are equal, showing a hex diff when not.
#[track_caller]
pub fn assert_bytes_eq(context: &str, actual: &[u8], expected: &[u8]) {
    if actual != expected {
        pretty_assertions::assert_eq!(hex(actual), hex(expected), "{context}: bytes differ");
    }
}

/// The offset of the first byte where two byte strings differ (the length of
/// the shorter one when it is a prefix of the other), or `None` when equal.
pub fn first_difference(actual: &[u8], expected: &[u8]) -> Option<usize> {
    if actual == expected {
        return None;
    }
    Some(
        actual
            .iter()
            .zip(expected)
            .position(|(a, e)| a != e)
            .unwrap_or(actual.len().min(expected.len())),
    )
}

/// Like [`assert_bytes_eq`] but returns the hex diff instead of panicking,
/// so that a test can collect every failure before it asserts once. The diff
/// covers the rows around the first difference.
pub fn bytes_diff(actual: &[u8], expected: &[u8]) -> Option<String> {
    let at = first_difference(actual, expected)?;
    let window = |bytes: &[u8]| -> String {
        let first_row = (at / 16).saturating_sub(2);
        hex(bytes)
            .lines()
            .skip(first_row)
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let (a, e) = (window(actual), window(expected));
    Some(format!(
        "bytes differ at offset {at:#x} (Rust {} bytes, Go {} bytes)\n{}",
        actual.len(),
        expected.len(),
        pretty_assertions::StrComparison::new(&a, &e)
    ))
}

/// The Go toolchain, or a panic with one clear line when it is missing.
pub fn go_binary() -> PathBuf {
    let go = std::env::var_os("GO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "go".into());
    match std::process::Command::new(&go).arg("version").output() {
        Ok(out) if out.status.success() => go,
        _ => {
            panic!("this test needs the Go toolchain (`go` on PATH, or $GO); install Go to run it")
        }
    }
}

/// `testdata/gob/manifest.json`, written by `go run . gob`.
#[derive(serde::Deserialize)]
pub struct Manifest {
    pub cases: Vec<ManifestCase>,
}

#[derive(serde::Deserialize)]
pub struct ManifestCase {
    pub name: String,
    pub streams: Vec<String>,
    pub unordered_maps: bool,
}

pub fn manifest() -> Manifest {
    serde_json::from_slice(&read_golden("testdata/gob/manifest.json")).expect("manifest")
}

/// The expected rendering of each top-level value of a corpus stream
/// (`NAME.gob` has them in `NAME.json`, one per line).
pub fn expected_values(stream: &str) -> Vec<Json> {
    let json_name = stream.replace(".gob", ".json");
    let text = String::from_utf8(read_golden(&format!("testdata/gob/{json_name}")))
        .unwrap_or_else(|e| panic!("{json_name} is not UTF-8: {e}"));
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{json_name}: bad JSON {l}: {e}"))
        })
        .collect()
}

/// Makes two renderings comparable: a float with an integral value reads
/// the same as that integer (`0.0` and `0`), and with `sort_pairs` the
/// `[key, value]` pairs of maps with non-string keys, whose order Go
/// randomizes, are sorted.
pub fn normalize(v: Json, sort_pairs: bool) -> Json {
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

/// Compares decoded values with the expected renderings after normalizing
/// both; returns a description of the difference, or `None` when they agree.
pub fn json_diff(actual: &[Json], expected: &[Json], sort_pairs: bool) -> Option<String> {
    let norm = |values: &[Json]| -> Vec<Json> {
        values
            .iter()
            .map(|v| normalize(v.clone(), sort_pairs))
            .collect()
    };
    let (actual, expected) = (norm(actual), norm(expected));
    if actual == expected {
        return None;
    }
    Some(format!(
        "got      {}\n  expected {}",
        Json::Array(actual),
        Json::Array(expected)
    ))
}

/// The go-fixtures program, built once per test process into `target/`.
pub fn go_fixtures_binary() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let go = go_binary();
            let out = repo_path("target/go-fixtures-bin/go-fixtures");
            let status = std::process::Command::new(go)
                .args(["build", "-o"])
                .arg(&out)
                .arg(".")
                .current_dir(repo_path("go-fixtures"))
                .status()
                .expect("running go build");
            assert!(status.success(), "go build of go-fixtures failed");
            out
        })
        .clone()
}

/// Runs a go-fixtures subcommand with a time limit; returns its stdout.
pub fn run_go_fixtures(args: &[&str], limit: std::time::Duration) -> (bool, String, String) {
    let mut child = std::process::Command::new(go_fixtures_binary())
        .args(args)
        .current_dir(repo_path("go-fixtures"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starting go-fixtures");
    let started = std::time::Instant::now();
    loop {
        if child.try_wait().expect("waiting for go-fixtures").is_some() {
            break;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("go-fixtures {args:?} ran longer than {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let out = child.wait_with_output().expect("go-fixtures output");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh directory under the system temp dir, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("goapptrace-proto-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("creating a temp dir");
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A loopback TCP address nobody listens on (a port just given back).
pub fn unused_tcp_address() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    let port = listener.local_addr().expect("its address").port();
    format!("tcp://127.0.0.1:{port}")
}
