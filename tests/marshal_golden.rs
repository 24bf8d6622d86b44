//! Frames of the marshal generation written by Go (`go-fixtures`, `go run .
//! goapptrace-marshal`): every file decodes to its manifest entry, and
//! encoding the manifest reproduces the file byte for byte.

mod common;

use std::time::Duration;

use goapptrace_proto::protocol::{AnyFrameEncoder, AnyPacket, FrameDecoder, Generation, GoEra};
use serde_json::Value as Json;

#[derive(serde::Deserialize)]
struct Manifest {
    files: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    file: String,
    packets: Vec<Json>,
    /// Only where Go's bytes cannot be rebuilt from the JSON form (a Go
    /// string that is not UTF-8 becomes U+FFFD in JSON).
    #[serde(default)]
    payload_hex: Option<Vec<String>>,
}

fn manifest() -> Manifest {
    serde_json::from_slice(&common::read_golden(
        "testdata/goapptrace-marshal/manifest.json",
    ))
    .expect("manifest")
}

fn decode_all(bytes: &[u8]) -> (Vec<AnyPacket>, Option<Generation>) {
    let mut decoder = FrameDecoder::new();
    decoder.feed(bytes);
    let mut generation = None;
    let mut packets = Vec::new();
    while let Some(p) = decoder.next_any(&mut generation).expect("decoding frames") {
        packets.push(p);
    }
    decoder.finish().expect("no partial frame at the end");
    (packets, generation)
}

fn encode_all(entry: &Entry) -> Vec<u8> {
    let mut encoder = AnyFrameEncoder::new(Generation::Marshal, GoEra::Current);
    let mut out = Vec::new();
    for p in &entry.packets {
        let packet =
            AnyPacket::from_json_value(p.clone(), Generation::Marshal).expect("manifest packet");
        encoder.encode(&packet, &mut out).expect("encoding");
    }
    out
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn every_file_decodes_to_its_manifest_entry_and_is_detected_as_marshal() {
    let m = manifest();
    assert!(m.files.len() >= 10);
    for entry in m.files {
        let bytes = common::read_golden(&format!("testdata/goapptrace-marshal/{}", entry.file));
        let (packets, generation) = decode_all(&bytes);
        assert_eq!(generation, Some(Generation::Marshal), "{}", entry.file);
        let decoded: Vec<Json> = packets
            .iter()
            .map(|p| serde_json::from_str(&p.to_json()).unwrap())
            .collect();
        pretty_assertions::assert_eq!(decoded, entry.packets, "{}", entry.file);
    }
}

#[test]
fn encoding_the_manifest_reproduces_every_file() {
    for entry in manifest().files {
        let golden = common::read_golden(&format!("testdata/goapptrace-marshal/{}", entry.file));
        let out = encode_all(&entry);
        match &entry.payload_hex {
            None => common::assert_bytes_eq(&entry.file, &out, &golden),
            Some(payloads) => {
                // The golden payloads are the listed ones; the Rust strings
                // hold U+FFFD where Go's held bytes that are not UTF-8.
                let mut framed = Vec::new();
                for hex in payloads {
                    let payload = unhex(hex);
                    framed.extend_from_slice(&(payload.len() as u32).to_be_bytes());
                    framed.extend_from_slice(&payload);
                }
                common::assert_bytes_eq(&entry.file, &framed, &golden);
                assert_ne!(out, golden, "{}: expected a lossy case", entry.file);
            }
        }
    }
}

#[test]
fn decoded_packets_snapshot() {
    let mut lines = Vec::new();
    for entry in manifest().files {
        let bytes = common::read_golden(&format!("testdata/goapptrace-marshal/{}", entry.file));
        lines.push(format!("# {}", entry.file));
        lines.extend(decode_all(&bytes).0.iter().map(AnyPacket::to_json));
    }
    let listing = lines.join("\n");
    insta::assert_snapshot!("marshal_decoded_packets", listing);
}

#[test]
fn go_reads_the_marshal_frames_rust_writes() {
    let dir = common::TempDir::new("marshal-frames");
    for entry in manifest().files {
        if entry.payload_hex.is_some() {
            continue;
        }
        let path = dir.0.join(&entry.file);
        std::fs::write(&path, encode_all(&entry)).expect("writing frames");
        let path = path.to_string_lossy().into_owned();
        let (ok, stdout, stderr) = common::run_go_fixtures(
            &["goapptrace-marshal-verify", &path],
            Duration::from_secs(60),
        );
        assert!(ok, "Go could not read {}: {stderr}", entry.file);
        let go_saw: Vec<Json> = stdout
            .split('\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).expect("Go's JSON"))
            .collect();
        pretty_assertions::assert_eq!(go_saw, entry.packets, "{}", entry.file);
    }
}
