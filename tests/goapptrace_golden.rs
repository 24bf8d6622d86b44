//! Frames written by Go (`go-fixtures`, `go run . goapptrace` and `go run .
//! goapptrace-original`): every file decodes to its manifest entry, and
//! encoding the manifest's packets in the stated order reproduces the file
//! byte for byte, in the type ids of today's Go and of the Go the original
//! goapptrace was built with.

mod common;

use std::time::Duration;

use goapptrace_proto::protocol::{FrameDecoder, FrameEncoder, GoEra, Packet};
use serde_json::Value as Json;

#[derive(serde::Deserialize)]
struct Manifest {
    files: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    file: String,
    packets: Vec<Json>,
}

/// Each golden directory and the era whose Go wrote it.
const SETS: [(&str, GoEra); 2] = [
    ("testdata/goapptrace", GoEra::Current),
    ("testdata/goapptrace-original", GoEra::Original),
];

fn manifest_of(dir: &str) -> Manifest {
    serde_json::from_slice(&common::read_golden(&format!("{dir}/manifest.json"))).expect("manifest")
}

fn manifest() -> Manifest {
    manifest_of(SETS[0].0)
}

/// Encodes a manifest entry's packets as one Go process would: one
/// registry (the encoder's), a fresh gob encoder per frame.
fn encode_entry(entry: &Entry, mut encoder: FrameEncoder) -> Vec<u8> {
    let mut out = Vec::new();
    for p in &entry.packets {
        let packet: Packet = serde_json::from_value(p.clone()).expect("manifest packet");
        encoder.encode(&packet, &mut out).expect("encoding");
    }
    out
}

fn decode_all(bytes: &[u8]) -> Vec<Packet> {
    let mut decoder = FrameDecoder::new();
    decoder.feed(bytes);
    let mut packets = Vec::new();
    while let Some(p) = decoder.next_packet().expect("decoding frames") {
        packets.push(p);
    }
    decoder.finish().expect("no partial frame at the end");
    packets
}

fn to_json(packet: &Packet) -> Json {
    serde_json::from_str(&packet.to_json()).expect("packet JSON")
}

#[test]
fn every_packet_type_has_a_golden_file() {
    let m = manifest();
    let mut seen: Vec<&str> = m
        .files
        .iter()
        .flat_map(|f| f.packets.iter())
        .filter_map(|p| p["packet"].as_str())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 9, "packet types covered: {seen:?}");
}

#[test]
fn every_file_of_both_eras_decodes_to_its_manifest_entry() {
    for (dir, _) in SETS {
        for entry in manifest_of(dir).files {
            let bytes = common::read_golden(&format!("{dir}/{}", entry.file));
            let decoded: Vec<Json> = decode_all(&bytes).iter().map(to_json).collect();
            pretty_assertions::assert_eq!(decoded, entry.packets, "{dir}/{}", entry.file);
        }
    }
}

#[test]
fn encoding_the_manifest_reproduces_every_file_of_both_eras() {
    for (dir, era) in SETS {
        for entry in manifest_of(dir).files {
            let golden = common::read_golden(&format!("{dir}/{}", entry.file));
            let out = encode_entry(&entry, FrameEncoder::for_era(era));
            common::assert_bytes_eq(&format!("{dir}/{}", entry.file), &out, &golden);
        }
    }
}

#[test]
fn the_eras_differ_in_type_ids_only_and_original_is_the_default() {
    let current = manifest_of(SETS[0].0);
    let original = manifest_of(SETS[1].0);
    assert_eq!(current.files.len(), original.files.len());
    for (a, b) in current.files.iter().zip(&original.files) {
        assert_eq!((&a.file, &a.packets), (&b.file, &b.packets));
        let old = common::read_golden(&format!("{}/{}", SETS[1].0, b.file));
        assert_ne!(
            common::read_golden(&format!("{}/{}", SETS[0].0, a.file)),
            old,
            "{}: the eras should differ in their type ids",
            a.file
        );
        // FrameEncoder::new() writes the original goapptrace's bytes.
        common::assert_bytes_eq(&b.file, &encode_entry(b, FrameEncoder::new()), &old);
    }
}

#[test]
fn the_conversation_decodes_packet_for_packet() {
    let client = decode_all(&common::read_golden(
        "testdata/goapptrace/conversation_client.frames",
    ));
    let server = decode_all(&common::read_golden(
        "testdata/goapptrace/conversation_server.frames",
    ));
    let transcript: Vec<String> = client
        .iter()
        .map(|p| format!("client> {}", p.to_json()))
        .chain(server.iter().map(|p| format!("server> {}", p.to_json())))
        .collect();
    insta::assert_snapshot!("conversation", transcript.join("\n"));
}

#[test]
fn decoded_packets_snapshot() {
    let mut lines = Vec::new();
    for entry in manifest().files {
        let bytes = common::read_golden(&format!("testdata/goapptrace/{}", entry.file));
        lines.push(format!("# {}", entry.file));
        lines.extend(decode_all(&bytes).iter().map(Packet::to_json));
    }
    let listing = lines.join("\n");
    insta::assert_snapshot!("decoded_packets", listing);
}

#[test]
fn go_reads_the_frames_rust_writes() {
    let dir = common::TempDir::new("frames");
    for entry in manifest().files {
        let out = encode_entry(&entry, FrameEncoder::new());
        let path = dir.0.join(&entry.file);
        std::fs::write(&path, &out).expect("writing frames");
        let path = path.to_string_lossy().into_owned();
        let (ok, stdout, stderr) =
            common::run_go_fixtures(&["goapptrace-verify", &path], Duration::from_secs(60));
        assert!(ok, "Go could not read {}: {stderr}", entry.file);
        let go_saw: Vec<Json> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).expect("Go's JSON"))
            .collect();
        pretty_assertions::assert_eq!(go_saw, entry.packets, "{}", entry.file);
    }
}
