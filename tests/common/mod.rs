//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn repo_path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
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
