//! Hostile input: arbitrary bytes, every golden file cut at every offset and
//! with every single bit flipped. The decoders answer with an error or a
//! value, never a panic. (Memory is checked in tests/allocations.rs.)

mod common;

use std::collections::BTreeMap;

use goapptrace_proto::gob::{self, Int};
use goapptrace_proto::protocol::gob::decode_payload;
use goapptrace_proto::protocol::*;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

/// Every golden file, by name.
fn golden_files() -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for dir in [
        "testdata/gob",
        "testdata/goapptrace",
        "testdata/goapptrace-marshal",
    ] {
        let path = common::repo_path(dir);
        for entry in std::fs::read_dir(&path).expect("testdata") {
            let path = entry.expect("entry").path();
            let ext = path.extension().and_then(|e| e.to_str());
            if matches!(ext, Some("gob" | "frames")) {
                let bytes = std::fs::read(&path).expect("read");
                files.push((path.display().to_string(), bytes));
            }
        }
    }
    assert!(files.len() > 80, "only {} golden files", files.len());
    files
}

/// Feeds `bytes` to every decoder that could meet them. `thorough` adds
/// the dump and frames fed in small pieces, which read the same way.
fn decode_everything(bytes: &[u8], thorough: bool) {
    // Gob, without types, and dumped.
    let _ = gob::decode_values(bytes);
    if thorough {
        let _ = gob::dump::dump(bytes);
    }
    // Gob into the packet types.
    let _ = decode_payload(bytes, 0);
    let _ = gob::from_slice::<RawFuncLogNewPacket>(bytes);
    // Frames of either generation, in one piece and in small pieces.
    let steps: &[usize] = if thorough {
        &[usize::MAX, 7]
    } else {
        &[usize::MAX]
    };
    for &step in steps {
        let mut decoder = FrameDecoder::new();
        let mut generation = None;
        'feed: for piece in bytes.chunks(step.min(bytes.len()).max(1)) {
            decoder.feed(piece);
            loop {
                match decoder.next_any(&mut generation) {
                    Ok(Some(_)) => {}
                    Ok(None) => break,
                    Err(_) => break 'feed,
                }
            }
        }
        let _ = decoder.finish();
    }
    // Both session machines.
    let config = SessionConfig::default();
    let mut server = ServerSession::new(&config, Some("secret".into()));
    let _ = server.handle_input(bytes);
    while server.poll_event().is_some() {}
    let mut client = ClientSession::new(ClientHelloPacket::default(), &config).expect("hello");
    let _ = client.handle_input(bytes);
    while client.poll_event().is_some() {}
}

#[test]
fn every_golden_file_cut_at_every_offset_decodes_or_fails_cleanly() {
    for (name, bytes) in golden_files() {
        for cut in 0..bytes.len() {
            let result = std::panic::catch_unwind(|| decode_everything(&bytes[..cut], true));
            assert!(result.is_ok(), "{name} cut at {cut} panicked");
        }
    }
}

#[test]
fn every_golden_file_with_any_bit_flipped_decodes_or_fails_cleanly() {
    for (name, bytes) in golden_files() {
        let mut flipped = bytes.clone();
        for i in 0..bytes.len() * 8 {
            flipped[i / 8] ^= 1 << (i % 8);
            let result = std::panic::catch_unwind(|| decode_everything(&flipped, false));
            flipped[i / 8] ^= 1 << (i % 8);
            assert!(result.is_ok(), "{name} with bit {i} flipped panicked");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        decode_everything(&bytes, true);
    }

    #[test]
    fn arbitrary_bytes_after_a_valid_prefix_never_panic(
        tail in proptest::collection::vec(any::<u8>(), 0..256),
        which in 0usize..4,
    ) {
        // Start from real frames so that the decoders get deep before the
        // garbage begins.
        let mut bytes = Vec::new();
        let mut encoder = FrameEncoder::new();
        let packets = [
            Packet::ClientHello(ClientHelloPacket { protocol_version: "1".into(), ..Default::default() }),
            Packet::RawFuncLogNew(RawFuncLogNewPacket { func_log: Some(RawFuncLog::default()) }),
            Packet::Symbol(SymbolPacket { symbols: Some(Symbols::default()) }),
            Packet::Ping(PingPacket {}),
        ];
        for p in &packets[..=which] {
            encoder.encode(p, &mut bytes).expect("encode");
        }
        bytes.extend_from_slice(&tail);
        decode_everything(&bytes, true);
    }
}

/// A struct with most gob kinds, for round trips.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "main.Everything")]
struct Everything {
    #[serde(rename = "I")]
    i: i64,
    #[serde(rename = "N")]
    n: Int,
    #[serde(rename = "U")]
    u: u64,
    #[serde(rename = "U8")]
    u8: u8,
    #[serde(rename = "F")]
    f: f64,
    #[serde(rename = "B")]
    b: bool,
    #[serde(rename = "S")]
    s: String,
    #[serde(rename = "Bytes")]
    bytes: Vec<u8>,
    #[serde(rename = "List")]
    list: Vec<i32>,
    #[serde(rename = "Names")]
    names: Vec<String>,
    #[serde(rename = "Map")]
    map: BTreeMap<String, u16>,
    #[serde(rename = "Opt")]
    opt: Option<Box<Everything>>,
    #[serde(rename = "Arr")]
    arr: [i16; 3],
}

fn everything() -> impl Strategy<Value = Everything> {
    let leaf = (
        (any::<i64>(), any::<i64>(), any::<u64>(), any::<u8>()),
        (
            any::<f64>().prop_filter("NaN is not equal to itself", |f| !f.is_nan()),
            any::<bool>(),
            ".*",
        ),
        (
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(any::<i32>(), 0..10),
            proptest::collection::vec(".{0,8}", 0..4),
            proptest::collection::btree_map(".{0,6}", any::<u16>(), 0..4),
            any::<[i16; 3]>(),
        ),
    )
        .prop_map(
            |((i, n, u, u8), (f, b, s), (bytes, list, names, map, arr))| Everything {
                i,
                n: Int(n),
                u,
                u8,
                f,
                b,
                s,
                bytes,
                list,
                names,
                map,
                opt: None,
                arr,
            },
        );
    leaf.prop_recursive(3, 8, 1, |inner| {
        (inner.clone(), proptest::option::of(inner)).prop_map(|(mut outer, child)| {
            outer.opt = child.map(Box::new);
            outer
        })
    })
}

/// Go leaves out zero fields and nil pointers, and decodes them as zero:
/// what comes back is the value with -0.0 read as 0.0 (both are zero).
fn normalized(mut v: Everything) -> Everything {
    if v.f == 0.0 {
        v.f = 0.0;
    }
    v.opt = v.opt.map(|o| Box::new(normalized(*o)));
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    #[test]
    fn random_values_round_trip(value in everything()) {
        let bytes = gob::to_vec(&value).expect("encode");
        let back: Everything = gob::from_slice(&bytes).expect("decode");
        prop_assert_eq!(normalized(back), normalized(value.clone()));
        // And without types.
        let dynamic = gob::decode_values(&bytes).expect("dynamic decode");
        prop_assert_eq!(dynamic.len(), 1);
    }

    #[test]
    fn random_frames_round_trip(
        id in any::<i64>(), ts in any::<i64>(), gid in any::<i64>(), tx in any::<u64>(),
        frames in proptest::collection::vec(any::<u64>(), 0..64), tag in ".{0,12}",
    ) {
        let gob_packet = Packet::RawFuncLogNew(RawFuncLogNewPacket { func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(id)), tag: TagName(tag), timestamp: Time(ts),
            frames: frames.iter().copied().map(FuncStatusId).collect(), gid: Gid(gid), tx_id: TxId(tx),
        }) });
        let marshal_packet = marshal::Packet::RawFuncLog(marshal::RawFuncLogPacket {
            func_log: marshal::RawFuncLog { id, tag: (tx % 2) as u8, timestamp: ts, frames, gid, tx_id: tx },
        });
        for (packet, generation) in [(AnyPacket::from(gob_packet), Generation::Gob), (marshal_packet.into(), Generation::Marshal)] {
            let mut bytes = Vec::new();
            AnyFrameEncoder::new(generation, GoEra::Original).encode(&packet, &mut bytes).expect("encode");
            let mut decoder = FrameDecoder::new();
            decoder.feed(&bytes);
            let mut detected = None;
            let back = decoder.next_any(&mut detected).expect("decode").expect("a frame");
            prop_assert_eq!(detected, Some(generation));
            prop_assert_eq!(back, packet);
        }
    }
}
