//! A decoder that keeps its memory from stream to stream (`restart`,
//! `with_state`) remembers how the last stream opened (the type definitions
//! before its first value) and passes over the same bytes at the start of
//! the next stream. Whatever the streams, each must decode exactly as a
//! fresh decoder decodes it: the same values, errors and offsets.

use serde::Serialize;
use serde_gob::{self as gob, Decoder, DecoderState, Input, Limits, SliceInput, Value};

#[derive(Serialize, Clone)]
#[serde(rename = "main.Msg")]
struct Msg {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Data")]
    data: Vec<u8>,
}

#[derive(Serialize, Clone)]
#[serde(rename = "main.Wrap")]
struct Wrap {
    #[serde(rename = "Inner")]
    inner: Msg,
    #[serde(rename = "N")]
    n: gob::Int,
}

fn msg(i: usize) -> Msg {
    Msg {
        name: format!("message {i}"),
        data: vec![i as u8; 2 + i],
    }
}

/// Everything a decoder tells of `bytes`: each value or the error that
/// ended it, and where it stopped.
fn outcome<'de, R: Input<'de>>(decoder: &mut Decoder<R>) -> String {
    let mut told = Vec::new();
    loop {
        match decoder.decode::<Value>() {
            Ok(Some(v)) => told.push(format!(
                "{v:?} (value message at {:?})",
                decoder.value_message_start()
            )),
            Ok(None) => break,
            Err(e) => {
                told.push(format!("error: {e}"));
                break;
            }
        }
    }
    told.push(format!("stopped at {}", decoder.offset()));
    told.join("\n")
}

fn fresh(bytes: &[u8], limits: Limits) -> String {
    let mut decoder = Decoder::with_limits(SliceInput::new(bytes), limits);
    outcome(&mut decoder)
}

/// Streams of one sender: each with a fresh encoder over one registry, so
/// that each opens with the definitions its value needs.
fn streams() -> Vec<Vec<u8>> {
    let mut registry = gob::Registry::new();
    let wrap = |i: usize| Wrap {
        inner: msg(i),
        n: gob::Int(i as i64 * 1000),
    };
    let msgs: Vec<Vec<u8>> = (0..3).map(|i| single(&mut registry, &msg(i))).collect();
    let wraps: Vec<Vec<u8>> = (0..3).map(|i| single(&mut registry, &wrap(i))).collect();
    let mut all = vec![
        msgs[0].clone(),
        msgs[1].clone(),
        // Opens with Msg's definition and goes on with Wrap's.
        wraps[0].clone(),
        wraps[1].clone(),
        msgs[2].clone(),
        wraps[2].clone(),
    ];
    // The same opening, then a value cut short.
    let cut = msgs[1].len() - 2;
    all.push(msgs[1][..cut].to_vec());
    // The opening cut short.
    all.push(msgs[1][..3].to_vec());
    // A stream that opens with bytes like Msg's but one differs.
    let mut bent = msgs[2].clone();
    bent[4] ^= 0x01;
    all.push(bent);
    all.push(msgs[0].clone());
    all
}

#[path = "support/single.rs"]
mod support_single;
use support_single::single;

/// Restarts `decoder` on each of `streams` in turn; each must read as on a
/// fresh decoder.
fn assert_restarts_read_as_fresh<'a>(
    decoder: &mut Decoder<SliceInput<'a>>,
    streams: impl Iterator<Item = &'a Vec<u8>>,
    pass: &str,
) {
    for (i, bytes) in streams.enumerate() {
        decoder.restart(SliceInput::new(bytes));
        assert_eq!(
            outcome(decoder),
            fresh(bytes, Limits::default()),
            "{pass}: stream {i}"
        );
    }
}

#[test]
fn a_restarted_decoder_reads_every_stream_as_a_fresh_one() {
    let streams = streams();
    let mut decoder = Decoder::from_slice(&[]);
    assert_restarts_read_as_fresh(&mut decoder, streams.iter(), "in order");
    // Twice over: every stream now follows another opening.
    assert_restarts_read_as_fresh(&mut decoder, streams.iter().rev(), "from the end");
}

/// Decodes each of `streams` with a decoder over `input(stream)` that has
/// the memory of the one before; each must read as on a fresh decoder.
fn assert_handed_on_reads_as_fresh<'a, R: Input<'a>>(
    streams: &'a [Vec<u8>],
    input: impl Fn(&'a [u8]) -> R,
) {
    let mut state = DecoderState::default();
    for (i, bytes) in streams.iter().enumerate() {
        let mut decoder = Decoder::with_state(input(bytes), Limits::default(), state);
        assert_eq!(
            outcome(&mut decoder),
            fresh(bytes, Limits::default()),
            "stream {i}"
        );
        state = decoder.into_state();
    }
}

#[test]
fn memory_handed_on_reads_every_stream_as_a_fresh_decoder_would() {
    assert_handed_on_reads_as_fresh(&streams(), SliceInput::new);
}

#[test]
fn an_opening_read_under_other_limits_is_read_again() {
    let streams = streams();
    let mut decoder = Decoder::from_slice(&streams[0]);
    outcome(&mut decoder);
    // Messages of at most 8 bytes: the definitions are longer.
    let tight = Limits {
        max_message: 8,
        ..Limits::default()
    };
    let mut decoder =
        Decoder::with_state(SliceInput::new(&streams[1]), tight, decoder.into_state());
    let told = outcome(&mut decoder);
    assert!(told.contains("max_message"), "{told}");
    assert_eq!(told, fresh(&streams[1], tight));
}

#[test]
fn a_decoder_reading_from_a_reader_decodes_the_same() {
    assert_handed_on_reads_as_fresh(&streams(), |bytes| bytes);
}

#[test]
fn more_openings_than_are_remembered_still_read_as_fresh() {
    // The same type under ten first ids: ten different openings, taken in
    // turn twice, so that remembered ones are pushed out and come back.
    let streams: Vec<Vec<u8>> = (0..10)
        .map(|k| single(&mut gob::Registry::with_first_id(64 + k), &msg(k as usize)))
        .collect();
    let mut decoder = Decoder::from_slice(&[]);
    for round in ["first round", "second round"] {
        assert_restarts_read_as_fresh(&mut decoder, streams.iter(), round);
    }
}
