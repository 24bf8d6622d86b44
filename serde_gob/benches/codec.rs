//! The codec cases of `scripts/bench-vs-go` (Go runs the same cases in
//! `go-fixtures`, `go run . bench`): 10 000 records of goapptrace's
//! `logutil.RawFuncLog` (8 frames each), declared here as any user of the
//! codec would, through this crate and two references on the same records:
//! `bincode` 2 (its serde API, `config::standard()`: not gob, the serde
//! floor for the same data) and `gobwire` 0.1 (another Rust gob crate, with
//! its own derive).
//!
//! Names, as `target/criterion/<group>/<case>/new/estimates.json` (read by
//! `scripts/bench-vs-go`): group `stream` or `single`; the case id is the
//! case name for serde_gob, and the case name + `_bincode` / `_gobwire` for
//! the references:
//!
//! | group    | serde_gob       | bincode                 | gobwire                 |
//! |----------|-----------------|-------------------------|-------------------------|
//! | `stream` | `stream_encode` | `stream_encode_bincode` | `stream_encode_gobwire` |
//! | `stream` | `stream_decode` | `stream_decode_bincode` | `stream_decode_gobwire` |
//! | `single` | `single_encode` | `single_encode_bincode` | `single_encode_gobwire` |
//! | `single` | `single_decode` | `single_decode_bincode` | `single_decode_gobwire` |
//!
//! One iteration covers all 10 000 records and the throughput is given in
//! elements (records), so ns per record = mean / 10 000.
//!
//! - `stream_encode`: all 10 000 records through ONE encoder into one
//!   stream (a fresh `Registry` and `Encoder` per iteration: one stream).
//! - `stream_decode`: that stream back, one decoder over the bytes in memory
//!   (`Decoder::from_slice`, which decodes each message where it lies).
//!   `stream_decode_reader` reads the same bytes through `std::io::Read`
//!   (`Decoder::new`), which copies each message into the decoder's buffer.
//! - `single_encode`: each record as its own stream: a fresh encoder per
//!   record, so gob repeats the type definitions in every stream. serde_gob
//!   keeps one `Registry` for the whole run, as one Go process keeps its
//!   type ids. The output buffer is reused (cleared per record) for all.
//! - `single_decode`: each of those single streams as a fresh stream (for
//!   serde_gob one decoder restarted per stream, `Decoder::restart`, which
//!   knows no types then and keeps its memory), over the bytes in memory
//!   (`SliceInput`); `single_decode_with_state` makes a decoder per stream
//!   from the memory of the one before (`Decoder::with_state`), and
//!   `single_decode_reader` does that through `std::io::Read`.
//!
//! bincode has no stream state: its stream and single cases differ only in
//! where the bytes go. The gobwire decode cases read the Go-exact bytes
//! serde_gob writes (what a Go peer sends); gobwire's own encoding of the
//! record is not byte-identical to Go's (see `check_gobwire`, which prints
//! what differs when the bench starts). The gobwire decoder is fed message
//! bodies cut from the in-memory bytes with `parse_length_prefix`, its
//! lowest-overhead path for bytes in memory.
//!
//! The `dynamic` group (`dynamic_decode`) decodes the largest stream of the
//! workspace's gob corpus to dynamic values.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

use serde_gob as gob;

#[path = "common/record.rs"]
mod record;
use record::*;

/// The same record for gobwire, whose derive (`Gob`) is its own: Go's
/// named basic types are transparent newtypes, fields matched by Go name.
mod gw {
    use gobwire::Gob;

    #[derive(Gob, Debug, Clone, Default, PartialEq)]
    #[gob(name = "RawFuncLog")]
    pub struct RawFuncLog {
        #[gob(name = "ID")]
        pub id: RawFuncLogId,
        #[gob(name = "Tag")]
        pub tag: TagName,
        #[gob(name = "Timestamp")]
        pub timestamp: Time,
        #[gob(name = "Frames")]
        pub frames: Vec<FuncStatusId>,
        #[gob(name = "GID")]
        pub gid: Gid,
        #[gob(name = "TxID")]
        pub tx_id: TxId,
    }

    #[derive(Gob, Debug, Clone, Copy, Default, PartialEq)]
    #[gob(transparent)]
    pub struct RawFuncLogId(pub i64);
    #[derive(Gob, Debug, Clone, Default, PartialEq)]
    #[gob(transparent)]
    pub struct TagName(pub String);
    #[derive(Gob, Debug, Clone, Copy, Default, PartialEq)]
    #[gob(transparent)]
    pub struct Time(pub i64);
    #[derive(Gob, Debug, Clone, Copy, Default, PartialEq)]
    #[gob(transparent)]
    pub struct FuncStatusId(pub u64);
    #[derive(Gob, Debug, Clone, Copy, Default, PartialEq)]
    #[gob(transparent)]
    pub struct Gid(pub i64);
    #[derive(Gob, Debug, Clone, Copy, Default, PartialEq)]
    #[gob(transparent)]
    pub struct TxId(pub u64);

    impl From<&super::RawFuncLog> for RawFuncLog {
        fn from(l: &super::RawFuncLog) -> Self {
            RawFuncLog {
                id: RawFuncLogId(l.id.0.0),
                tag: TagName(l.tag.0.clone()),
                timestamp: Time(l.timestamp.0),
                frames: l.frames.iter().map(|f| FuncStatusId(f.0)).collect(),
                gid: Gid(l.gid.0),
                tx_id: TxId(l.tx_id.0),
            }
        }
    }
}

/// gobwire's decoder over a whole in-memory gob stream: cuts each message
/// body off with `parse_length_prefix` and decodes a value when one is
/// complete. `None` at the end of the bytes.
fn gobwire_next(
    dec: &mut gobwire::Decoder,
    rest: &mut &[u8],
) -> gobwire::Result<Option<gw::RawFuncLog>> {
    loop {
        let Some((width, len)) = gobwire::parse_length_prefix(rest)? else {
            return Ok(None);
        };
        let body = &rest[width..width + len];
        *rest = &rest[width + len..];
        if dec.push_message(body)? == gobwire::Progress::Ready {
            return dec.decode().map(Some);
        }
    }
}

/// The single streams, one per record, end to end in one buffer.
struct Singles {
    bytes: Vec<u8>,
    ends: Vec<usize>,
}

impl Singles {
    fn new() -> Self {
        Singles {
            bytes: Vec::new(),
            ends: Vec::new(),
        }
    }
    fn push(&mut self, stream: &[u8]) {
        self.bytes.extend_from_slice(stream);
        self.ends.push(self.bytes.len());
    }
    fn iter(&self) -> impl Iterator<Item = &[u8]> {
        let mut start = 0;
        self.ends.iter().map(move |&end| {
            let s = &self.bytes[start..end];
            start = end;
            s
        })
    }
}

fn serde_gob_stream(logs: &[RawFuncLog]) -> Vec<u8> {
    let mut stream = Vec::new();
    let mut registry = gob::Registry::new();
    let mut enc = gob::Encoder::new(&mut registry);
    for log in logs {
        enc.encode_into(log, &mut stream).unwrap();
    }
    stream
}

fn serde_gob_singles(logs: &[RawFuncLog]) -> Singles {
    let mut singles = Singles::new();
    let mut registry = gob::Registry::new();
    let mut out = Vec::new();
    for log in logs {
        out.clear();
        gob::Encoder::new(&mut registry)
            .encode_into(log, &mut out)
            .unwrap();
        singles.push(&out);
    }
    singles
}

fn bincode_stream(logs: &[RawFuncLog]) -> Vec<u8> {
    let mut stream = Vec::new();
    for log in logs {
        bincode::serde::encode_into_std_write(log, &mut stream, bincode::config::standard())
            .unwrap();
    }
    stream
}

fn bincode_singles(logs: &[RawFuncLog]) -> Singles {
    let mut singles = Singles::new();
    for log in logs {
        singles.push(&bincode::serde::encode_to_vec(log, bincode::config::standard()).unwrap());
    }
    singles
}

fn gobwire_stream(logs: &[gw::RawFuncLog]) -> Vec<u8> {
    let mut stream = Vec::new();
    let mut enc = gobwire::Encoder::new();
    for log in logs {
        enc.encode_into(log, &mut stream).unwrap();
    }
    stream
}

fn gobwire_singles(logs: &[gw::RawFuncLog]) -> Singles {
    let mut singles = Singles::new();
    for log in logs {
        singles.push(&gobwire::Encoder::new().encode(log).unwrap());
    }
    singles
}

/// Checks, before timing, that every codec reads back what it is timed on,
/// and says how gobwire's bytes compare with Go's (serde_gob's are Go's).
fn check(logs: &[RawFuncLog], gw_logs: &[gw::RawFuncLog]) {
    let stream = serde_gob_stream(logs);
    let mut dec = gob::Decoder::new(&stream[..]);
    let mut in_place = gob::Decoder::from_slice(&stream);
    for log in logs {
        assert_eq!(dec.decode::<RawFuncLog>().unwrap().as_ref(), Some(log));
        assert_eq!(in_place.decode::<RawFuncLog>().unwrap().as_ref(), Some(log));
    }
    assert!(dec.decode::<RawFuncLog>().unwrap().is_none());
    assert!(in_place.decode::<RawFuncLog>().unwrap().is_none());

    let b = bincode_stream(logs);
    let mut rest = &b[..];
    for log in logs {
        let (back, n): (RawFuncLog, usize) =
            bincode::serde::decode_from_slice(rest, bincode::config::standard()).unwrap();
        assert_eq!(&back, log);
        rest = &rest[n..];
    }
    assert!(rest.is_empty());

    // gobwire reads the Go-exact stream and the Go-exact single streams.
    let mut gdec = gobwire::Decoder::new();
    let mut rest = &stream[..];
    for log in gw_logs {
        assert_eq!(
            gobwire_next(&mut gdec, &mut rest).unwrap().as_ref(),
            Some(log)
        );
    }
    assert!(gobwire_next(&mut gdec, &mut rest).unwrap().is_none());
    let singles = serde_gob_singles(logs);
    for (single, log) in singles.iter().zip(gw_logs) {
        let mut rest = single;
        let back = gobwire_next(&mut gobwire::Decoder::new(), &mut rest).unwrap();
        assert_eq!(back.as_ref(), Some(log));
    }

    let gw_stream = gobwire_stream(gw_logs);
    let gw_singles = gobwire_singles(gw_logs);
    check_gobwire(&stream, &gw_stream, &singles, &gw_singles);
    eprintln!(
        "bytes for {RECORDS} records: stream: gob {} (gobwire {}), bincode {}; \
         single streams: gob {} (gobwire {}), bincode {}",
        stream.len(),
        gw_stream.len(),
        b.len(),
        singles.bytes.len(),
        gw_singles.bytes.len(),
        bincode_singles(logs).bytes.len(),
    );
}

/// A gob stream's messages, split in type definitions and values: the
/// definitions' bytes, and each value message's body after its type id.
fn split_messages(mut bytes: &[u8]) -> (Vec<u8>, Vec<&[u8]>) {
    let (mut defs, mut values) = (Vec::new(), Vec::new());
    while let Some((width, len)) = gobwire::parse_length_prefix(bytes).unwrap() {
        let body = &bytes[width..width + len];
        let (id, id_len) = gobwire::parse_uint(body).unwrap().unwrap();
        if id & 1 == 1 {
            defs.extend_from_slice(&bytes[..width + len]); // a negative id: a definition
        } else {
            values.push(&body[id_len..]);
        }
        bytes = &bytes[width + len..];
    }
    (defs, values)
}

/// Prints whether gobwire writes Go's bytes, and if not what differs; and
/// checks that serde_gob (so Go) reads gobwire's stream.
fn check_gobwire(go: &[u8], gobwire: &[u8], go_singles: &Singles, gw_singles: &Singles) {
    if go == gobwire && go_singles.bytes == gw_singles.bytes {
        eprintln!("gobwire: byte-identical to Go's stream and single streams");
    } else {
        let (go_defs, go_values) = split_messages(go);
        let (gw_defs, gw_values) = split_messages(gobwire);
        let (go1, gw1) = (
            go_singles.iter().next().unwrap(),
            gw_singles.iter().next().unwrap(),
        );
        eprintln!(
            "gobwire: NOT byte-identical to Go: stream {} bytes vs Go's {}, first single stream \
             {} vs {}; type definitions {} bytes vs Go's {} ({}); value payloads after the type \
             id {}",
            gobwire.len(),
            go.len(),
            gw1.len(),
            go1.len(),
            gw_defs.len(),
            go_defs.len(),
            if gw_defs == go_defs {
                "identical"
            } else {
                "different"
            },
            if gw_values == go_values {
                "identical"
            } else {
                "different"
            },
        );
    }
    let mut dec = gob::Decoder::new(gobwire);
    let mut n = 0;
    while let Some(log) = dec.decode::<RawFuncLog>().unwrap() {
        assert_eq!(log, sample_log(n + 1));
        n += 1;
    }
    assert_eq!(n, RECORDS);
}

fn stream(c: &mut Criterion, logs: &[RawFuncLog], gw_logs: &[gw::RawFuncLog]) {
    let mut group = c.benchmark_group("stream");
    group.throughput(Throughput::Elements(RECORDS));

    group.bench_function("stream_encode", |b| {
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            out.clear();
            let mut registry = gob::Registry::new();
            let mut enc = gob::Encoder::new(&mut registry);
            for log in logs {
                enc.encode_into(log, &mut out).unwrap();
            }
            black_box(out.len())
        })
    });
    group.bench_function("stream_encode_bincode", |b| {
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            out.clear();
            for log in logs {
                bincode::serde::encode_into_std_write(log, &mut out, bincode::config::standard())
                    .unwrap();
            }
            black_box(out.len())
        })
    });
    group.bench_function("stream_encode_gobwire", |b| {
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            out.clear();
            let mut enc = gobwire::Encoder::new();
            for log in gw_logs {
                enc.encode_into(log, &mut out).unwrap();
            }
            black_box(out.len())
        })
    });

    let stream = serde_gob_stream(logs);
    group.bench_function("stream_decode", |b| {
        b.iter(|| {
            let mut dec = gob::Decoder::from_slice(black_box(&stream[..]));
            let mut n = 0;
            while let Some(log) = dec.decode::<RawFuncLog>().unwrap() {
                black_box(log);
                n += 1;
            }
            assert_eq!(n, RECORDS);
        })
    });
    group.bench_function("stream_decode_reader", |b| {
        b.iter(|| {
            let mut dec = gob::Decoder::new(black_box(&stream[..]));
            let mut n = 0;
            while let Some(log) = dec.decode::<RawFuncLog>().unwrap() {
                black_box(log);
                n += 1;
            }
            assert_eq!(n, RECORDS);
        })
    });
    let b_stream = bincode_stream(logs);
    group.bench_function("stream_decode_bincode", |b| {
        b.iter(|| {
            let mut rest = black_box(&b_stream[..]);
            let mut n = 0;
            while !rest.is_empty() {
                let (log, used): (RawFuncLog, usize) =
                    bincode::serde::decode_from_slice(rest, bincode::config::standard()).unwrap();
                black_box(log);
                rest = &rest[used..];
                n += 1;
            }
            assert_eq!(n, RECORDS);
        })
    });
    group.bench_function("stream_decode_gobwire", |b| {
        b.iter(|| {
            let mut dec = gobwire::Decoder::new();
            let mut rest = black_box(&stream[..]);
            let mut n = 0;
            while let Some(log) = gobwire_next(&mut dec, &mut rest).unwrap() {
                black_box(log);
                n += 1;
            }
            assert_eq!(n, RECORDS);
        })
    });
    group.finish();
}

fn single(c: &mut Criterion, logs: &[RawFuncLog], gw_logs: &[gw::RawFuncLog]) {
    let mut group = c.benchmark_group("single");
    group.throughput(Throughput::Elements(RECORDS));

    group.bench_function("single_encode", |b| {
        // One registry for the run, as one Go process keeps its type ids.
        let mut registry = gob::Registry::new();
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            let mut bytes = 0;
            for log in logs {
                out.clear();
                gob::Encoder::new(&mut registry)
                    .encode_into(log, &mut out)
                    .unwrap();
                bytes += out.len();
            }
            black_box(bytes)
        })
    });
    group.bench_function("single_encode_bincode", |b| {
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            let mut bytes = 0;
            for log in logs {
                out.clear();
                bincode::serde::encode_into_std_write(log, &mut out, bincode::config::standard())
                    .unwrap();
                bytes += out.len();
            }
            black_box(bytes)
        })
    });
    group.bench_function("single_encode_gobwire", |b| {
        let mut out = Vec::with_capacity(1024);
        b.iter(|| {
            let mut bytes = 0;
            for log in gw_logs {
                out.clear();
                gobwire::Encoder::new().encode_into(log, &mut out).unwrap();
                bytes += out.len();
            }
            black_box(bytes)
        })
    });

    let singles = serde_gob_singles(logs);
    group.bench_function("single_decode", |b| {
        // A fresh stream per record on a decoder that keeps its memory
        // (`Decoder::restart`), as a receiver of one stream per message
        // does: definitions it has seen are recognised by their bytes.
        let mut dec = gob::Decoder::from_slice(&[]);
        b.iter(|| {
            for single in singles.iter() {
                dec.restart(gob::SliceInput::new(black_box(single)));
                black_box(dec.decode::<RawFuncLog>().unwrap().unwrap());
            }
        })
    });
    group.bench_function("single_decode_with_state", |b| {
        // The same with a decoder made per stream from the memory of the
        // one before (`Decoder::with_state`).
        let mut state = Some(gob::DecoderState::default());
        b.iter(|| {
            for single in singles.iter() {
                let memory = state.take().unwrap_or_default();
                let input = gob::SliceInput::new(black_box(single));
                let mut dec = gob::Decoder::with_state(input, gob::Limits::default(), memory);
                black_box(dec.decode::<RawFuncLog>().unwrap().unwrap());
                state = Some(dec.into_state());
            }
        })
    });
    group.bench_function("single_decode_reader", |b| {
        let mut state = Some(gob::DecoderState::default());
        b.iter(|| {
            for single in singles.iter() {
                let memory = state.take().unwrap_or_default();
                let mut dec =
                    gob::Decoder::with_state(black_box(single), gob::Limits::default(), memory);
                black_box(dec.decode::<RawFuncLog>().unwrap().unwrap());
                state = Some(dec.into_state());
            }
        })
    });
    let b_singles = bincode_singles(logs);
    group.bench_function("single_decode_bincode", |b| {
        b.iter(|| {
            for single in b_singles.iter() {
                let (log, _): (RawFuncLog, usize) = bincode::serde::decode_from_slice(
                    black_box(single),
                    bincode::config::standard(),
                )
                .unwrap();
                black_box(log);
            }
        })
    });
    group.bench_function("single_decode_gobwire", |b| {
        b.iter(|| {
            for single in singles.iter() {
                let mut rest = black_box(single);
                let mut dec = gobwire::Decoder::new();
                black_box(gobwire_next(&mut dec, &mut rest).unwrap().unwrap());
            }
        })
    });
    group.finish();
}

fn codec(c: &mut Criterion) {
    let logs: Vec<RawFuncLog> = (1..=RECORDS).map(sample_log).collect();
    let gw_logs: Vec<gw::RawFuncLog> = logs.iter().map(gw::RawFuncLog::from).collect();
    check(&logs, &gw_logs);

    stream(c, &logs, &gw_logs);
    single(c, &logs, &gw_logs);

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
