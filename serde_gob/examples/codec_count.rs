//! Callgrind driver for the cases of `benches/codec.rs` (the same record
//! and the same calls): `codec_count CASE ITERS` runs CASE over the 10 000
//! records ITERS times after its setup. Instructions per record, setup
//! cancelled out: (Ir(ITERS=5) - Ir(ITERS=1)) / 40 000, e.g.
//!
//! ```text
//! cargo build --profile bench -p serde_gob --example codec_count
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/codec_count single_encode 5
//! ```
//!
//! Cases: stream_encode, single_encode, encode_bincode, stream_decode,
//! single_decode, single_decode_with_state, decode_bincode. Counts vary a
//! little from run to run (hash seeds): take the median of a few.
use std::hint::black_box;

use serde_gob as gob;

#[path = "../benches/common/record.rs"]
mod record;
use record::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args[1].as_str();
    let iters: usize = args[2].parse().unwrap();
    let logs: Vec<RawFuncLog> = (1..=RECORDS).map(sample_log).collect();

    let mut stream = Vec::new();
    {
        let mut registry = gob::Registry::new();
        let mut enc = gob::Encoder::new(&mut registry);
        for log in &logs {
            enc.encode_into(log, &mut stream).unwrap();
        }
    }
    let mut singles: Vec<Vec<u8>> = Vec::new();
    {
        let mut registry = gob::Registry::new();
        for log in &logs {
            let mut out = Vec::new();
            gob::Encoder::new(&mut registry)
                .encode_into(log, &mut out)
                .unwrap();
            singles.push(out);
        }
    }
    let bstream: Vec<Vec<u8>> = logs
        .iter()
        .map(|l| bincode::serde::encode_to_vec(l, bincode::config::standard()).unwrap())
        .collect();

    let mut out = Vec::with_capacity(1 << 20);
    let mut registry = gob::Registry::new();
    let mut state = Some(gob::DecoderState::default());
    for _ in 0..iters {
        match case {
            "stream_encode" => {
                out.clear();
                let mut registry = gob::Registry::new();
                let mut enc = gob::Encoder::new(&mut registry);
                for log in &logs {
                    enc.encode_into(log, &mut out).unwrap();
                }
                black_box(out.len());
            }
            "single_encode" => {
                let mut bytes = 0;
                for log in &logs {
                    out.clear();
                    gob::Encoder::new(&mut registry)
                        .encode_into(log, &mut out)
                        .unwrap();
                    bytes += out.len();
                }
                black_box(bytes);
            }
            "encode_bincode" => {
                out.clear();
                for log in &logs {
                    bincode::serde::encode_into_std_write(
                        log,
                        &mut out,
                        bincode::config::standard(),
                    )
                    .unwrap();
                }
                black_box(out.len());
            }
            "stream_decode" => {
                let mut dec = gob::Decoder::from_slice(black_box(&stream[..]));
                let mut n = 0;
                while let Some(log) = dec.decode::<RawFuncLog>().unwrap() {
                    black_box(log);
                    n += 1;
                }
                assert_eq!(n, RECORDS);
            }
            "single_decode_with_state" => {
                for single in &singles {
                    let memory = state.take().unwrap_or_default();
                    let input = gob::SliceInput::new(black_box(&single[..]));
                    let mut dec = gob::Decoder::with_state(input, gob::Limits::default(), memory);
                    black_box(dec.decode::<RawFuncLog>().unwrap().unwrap());
                    state = Some(dec.into_state());
                }
            }
            "single_decode" => {
                let mut dec = gob::Decoder::from_slice(&[]);
                for single in &singles {
                    dec.restart(gob::SliceInput::new(black_box(&single[..])));
                    black_box(dec.decode::<RawFuncLog>().unwrap().unwrap());
                }
            }
            "decode_bincode" => {
                for b in &bstream {
                    let (log, _): (RawFuncLog, usize) = bincode::serde::decode_from_slice(
                        black_box(&b[..]),
                        bincode::config::standard(),
                    )
                    .unwrap();
                    black_box(log);
                }
            }
            _ => panic!("unknown case {case}"),
        }
    }
}
