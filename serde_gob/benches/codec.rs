//! The stream cases of `scripts/bench-vs-go` (Go runs the same cases in
//! `go-fixtures`, `go run . bench`): 10 000 records of goapptrace's
//! `logutil.RawFuncLog`, declared here as any user of the codec would.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Int};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.RawFuncLog", default)]
struct RawFuncLog {
    #[serde(rename = "ID")]
    id: RawFuncLogId,
    #[serde(rename = "Tag")]
    tag: TagName,
    #[serde(rename = "Timestamp")]
    timestamp: Time,
    #[serde(rename = "Frames")]
    frames: Vec<FuncStatusId>,
    #[serde(rename = "GID")]
    gid: Gid,
    #[serde(rename = "TxID")]
    tx_id: TxId,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.RawFuncLogID")]
struct RawFuncLogId(Int);
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.TagName")]
struct TagName(String);
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.Time")]
struct Time(i64);
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.FuncStatusID")]
struct FuncStatusId(u64);
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.GID")]
struct Gid(i64);
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename = "logutil.TxID")]
struct TxId(u64);

/// Record `i`: 8 frames, as the Go benchmark builds it.
fn sample_log(i: u64) -> RawFuncLog {
    RawFuncLog {
        id: RawFuncLogId(Int(i as i64)),
        tag: TagName(if i % 2 == 1 { "funcStart" } else { "funcEnd" }.into()),
        timestamp: Time(1_511_136_000_123_456_789 + i as i64),
        frames: (0..8)
            .map(|f| FuncStatusId(0x4a_0000 + f * 0x40 + i))
            .collect(),
        gid: Gid(7),
        tx_id: TxId(i),
    }
}

fn codec(c: &mut Criterion) {
    let logs: Vec<RawFuncLog> = (1..=10_000).map(sample_log).collect();
    let mut group = c.benchmark_group("stream");
    group.throughput(Throughput::Elements(logs.len() as u64));
    group.bench_function("stream_encode", |b| {
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            out.clear();
            let mut registry = gob::Registry::new();
            let mut enc = gob::Encoder::new(&mut registry);
            for log in &logs {
                enc.encode_into(log, &mut out).unwrap();
            }
            black_box(out.len())
        })
    });
    let mut stream = Vec::new();
    {
        let mut registry = gob::Registry::new();
        let mut enc = gob::Encoder::new(&mut registry);
        for log in &logs {
            enc.encode_into(log, &mut stream).unwrap();
        }
    }
    group.bench_function("stream_decode", |b| {
        b.iter(|| {
            let mut dec = gob::Decoder::new(black_box(&stream[..]));
            let mut n = 0;
            while let Some(log) = dec.decode::<RawFuncLog>().unwrap() {
                black_box(log);
                n += 1;
            }
            assert_eq!(n, 10_000);
        })
    });
    group.finish();

    let largest = largest_corpus_stream();
    let mut group = c.benchmark_group("dynamic");
    group.throughput(Throughput::Bytes(largest.len() as u64));
    group.bench_function("dynamic_decode", |b| {
        b.iter(|| black_box(gob::decode_values(black_box(&largest)).unwrap()))
    });
    group.finish();
}

/// The largest stream of the workspace's gob corpus.
fn largest_corpus_stream() -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gob");
    let mut best = Vec::new();
    for entry in std::fs::read_dir(dir).expect("testdata/gob") {
        let path = entry.expect("dir entry").path();
        if path.extension().is_some_and(|e| e == "gob") {
            let bytes = std::fs::read(&path).expect("corpus file");
            if bytes.len() > best.len() {
                best = bytes;
            }
        }
    }
    best
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(30);
    targets = codec
}
criterion_main!(benches);
