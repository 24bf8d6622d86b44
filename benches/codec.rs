//! The frame cases of `scripts/bench-vs-go` (Go runs the same cases in
//! `go-fixtures`, `go run . bench`); the stream cases are the codec's own,
//! in `serde_gob/benches/codec.rs`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use goapptrace_proto::gob::Int;
use goapptrace_proto::protocol::*;

/// The RawFuncLogNewPacket every frame case uses: 8 frames.
pub fn sample_packet() -> Packet {
    Packet::RawFuncLogNew(RawFuncLogNewPacket {
        func_log: Some(sample_log(1)),
    })
}

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
    let packet = sample_packet();

    let mut group = c.benchmark_group("frame");
    group.throughput(Throughput::Elements(1));
    let mut encoder = FrameEncoder::new();
    let mut out = Vec::with_capacity(1024);
    group.bench_function("frame_encode", |b| {
        b.iter(|| {
            out.clear();
            encoder.encode(black_box(&packet), &mut out).unwrap();
        })
    });
    let mut frame = Vec::new();
    FrameEncoder::new().encode(&packet, &mut frame).unwrap();
    group.bench_function("frame_decode", |b| {
        let mut decoder = FrameDecoder::new();
        b.iter(|| {
            decoder.feed(black_box(&frame));
            black_box(decoder.next_packet().unwrap().unwrap());
        })
    });
    group.finish();
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
