//! Borrowed decoding: a stream held in memory is decoded where it lies, and
//! values may borrow its strings and bytes; a reader gives owned values and
//! refuses borrowed ones with an error.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Decoder, DecoderState, Error, Limits, SliceInput, ValueDecoder};

/// What the sender writes: `type Msg struct { Name string; Data []byte }`.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
#[serde(rename = "main.Msg")]
struct OwnedMsg {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Data")]
    data: Vec<u8>,
}

/// The same Go type, borrowing from the input.
#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Msg")]
struct Msg<'a> {
    #[serde(rename = "Name", borrow)]
    name: &'a str,
    #[serde(rename = "Data", borrow)]
    data: &'a [u8],
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Msg")]
struct CowMsg<'a> {
    #[serde(rename = "Name", borrow)]
    name: Cow<'a, str>,
}

fn msg(i: usize) -> OwnedMsg {
    OwnedMsg {
        name: format!("message number {i}"),
        data: vec![i as u8; 3 + i],
    }
}

/// Whether `part` lies inside `whole`.
fn lies_in(part: &[u8], whole: &[u8]) -> bool {
    let range = whole.as_ptr_range();
    let part = part.as_ptr_range();
    range.start <= part.start && part.end <= range.end
}

#[test]
fn from_slice_hands_out_strings_and_bytes_that_lie_in_the_input() {
    let bytes = gob::to_vec(&msg(1)).unwrap();
    let back: Msg<'_> = gob::from_slice(&bytes).unwrap();
    assert_eq!(back.name, "message number 1");
    assert_eq!(back.data, [1, 1, 1, 1]);
    assert!(lies_in(back.name.as_bytes(), &bytes));
    assert!(lies_in(back.data, &bytes));

    // Owned types read from a slice as before.
    assert_eq!(gob::from_slice::<OwnedMsg>(&bytes).unwrap(), msg(1));
    let cow: CowMsg<'_> = gob::from_slice(&bytes).unwrap();
    assert!(matches!(cow.name, Cow::Borrowed("message number 1")));
}

#[test]
fn a_slice_decoder_keeps_every_borrowed_value_alive_at_once() {
    let mut registry = gob::Registry::new();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut bytes = Vec::new();
    for i in 0..5 {
        encoder.encode_into(&msg(i), &mut bytes).unwrap();
    }
    let mut decoder = Decoder::from_slice(&bytes);
    let all: Vec<Msg<'_>> = decoder.values().collect::<Result<_, _>>().unwrap();
    assert_eq!(all.len(), 5);
    for (i, m) in all.iter().enumerate() {
        assert_eq!(m.name, msg(i).name);
        assert_eq!(m.data, msg(i).data);
        assert!(lies_in(m.name.as_bytes(), &bytes));
    }
    assert_eq!(decoder.offset(), bytes.len() as u64);

    // The same with a decoder's memory handed from stream to stream.
    let mut state = DecoderState::default();
    for i in 0..3 {
        let one = gob::to_vec(&msg(i)).unwrap();
        let mut decoder = Decoder::with_state(SliceInput::new(&one), Limits::default(), state);
        let m: Msg<'_> = decoder.decode().unwrap().unwrap();
        assert_eq!((m.name, m.data), (&msg(i).name[..], &msg(i).data[..]));
        assert!(lies_in(m.data, &one));
        state = decoder.into_state();
    }
}

#[test]
fn a_restarted_decoder_reads_a_fresh_stream_knowing_no_types() {
    let singles: Vec<Vec<u8>> = (0..3).map(|i| gob::to_vec(&msg(i)).unwrap()).collect();
    // The value message alone of a single stream: it names a type that
    // only its own stream defined.
    let mut first = Decoder::from_slice(&singles[0]);
    first.decode::<Msg<'_>>().unwrap().unwrap();
    let value_only = &singles[0][first.value_message_start().unwrap() as usize..];

    let mut decoder = Decoder::from_slice(&[]);
    for (i, single) in singles.iter().enumerate() {
        decoder.restart(SliceInput::new(single));
        let m: Msg<'_> = decoder.decode().unwrap().unwrap();
        assert_eq!((m.name, m.data), (&msg(i).name[..], &msg(i).data[..]));
        assert!(lies_in(m.data, single));
        assert_eq!(decoder.offset(), single.len() as u64);
        assert!(decoder.decode::<Msg<'_>>().unwrap().is_none());

        // Types defined before the restart are not known after it, as on a
        // new decoder: the offset counts from the new stream's start.
        decoder.restart(SliceInput::new(value_only));
        let restarted = decoder.decode::<Msg<'_>>();
        match &restarted {
            Err(Error::UnknownTypeId { id: 64, .. }) => {}
            other => panic!("a type of the stream before was taken: {other:?}"),
        }
        let fresh = Decoder::from_slice(value_only).decode::<Msg<'_>>();
        assert_eq!(format!("{restarted:?}"), format!("{fresh:?}"));
    }
}

#[test]
fn a_reader_gives_owned_values_and_refuses_borrowed_ones_with_an_error() {
    let bytes = gob::to_vec(&msg(2)).unwrap();
    assert_eq!(gob::from_reader::<_, OwnedMsg>(&bytes[..]).unwrap(), msg(2));

    // A Cow takes the owned string a reader gives.
    let mut decoder = Decoder::new(&bytes[..]);
    let cow: CowMsg<'_> = decoder.decode().unwrap().unwrap();
    assert!(matches!(cow.name, Cow::Owned(ref s) if s == "message number 2"));

    let mut decoder = Decoder::new(&bytes[..]);
    match decoder.decode::<Msg<'_>>() {
        Err(Error::TypeMismatch {
            offset, expected, ..
        }) => {
            assert!(expected.contains("borrowed"), "{expected}");
            assert!(offset > 0 && offset <= bytes.len() as u64, "{offset}");
        }
        other => panic!("{other:?}"),
    }
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Holder")]
struct OwnedHolder {
    #[serde(rename = "Item")]
    item: OwnedItem,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Item")]
enum OwnedItem {
    #[serde(rename = "main.Msg")]
    Msg(OwnedMsg),
    #[serde(rename = "nil")]
    Nil,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Holder")]
struct Holder<'a> {
    #[serde(rename = "Item", borrow)]
    item: Item<'a>,
}

#[derive(Deserialize, Debug, PartialEq)]
#[serde(rename = "main.Item")]
enum Item<'a> {
    #[serde(rename = "main.Msg", borrow)]
    Msg(Msg<'a>),
    #[serde(rename = "nil")]
    Nil,
}

#[test]
fn a_value_continued_in_a_second_message_borrows_from_both() {
    // The interface's concrete type is defined in a message of its own, in
    // the middle of the holder's value.
    let bytes = gob::to_vec(&OwnedHolder {
        item: OwnedItem::Msg(msg(3)),
    })
    .unwrap();
    let holder: Holder<'_> = gob::from_slice(&bytes).unwrap();
    let Item::Msg(m) = holder.item else {
        panic!("{holder:?}")
    };
    assert_eq!(m.name, "message number 3");
    assert!(lies_in(m.name.as_bytes(), &bytes));
}

/// Every prefix of a stream decodes from a slice exactly as from a reader:
/// the same values, or the same error at the same offset.
#[test]
fn a_slice_and_a_reader_agree_on_every_cut_of_a_stream() {
    let mut registry = gob::Registry::new();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut bytes = Vec::new();
    for i in 0..3 {
        encoder.encode_into(&msg(i * 100), &mut bytes).unwrap();
    }
    encoder
        .encode_into(
            &OwnedHolder {
                item: OwnedItem::Msg(msg(7)),
            },
            &mut bytes,
        )
        .unwrap();
    let typed = |decoder: &mut dyn FnMut() -> gob::Result<Option<OwnedMsg>>| {
        let mut out = Vec::new();
        loop {
            match decoder() {
                Ok(Some(m)) => out.push(Ok(m)),
                Ok(None) => return out,
                Err(e) => {
                    out.push(Err(e.to_string()));
                    return out;
                }
            }
        }
    };
    for cut in 0..=bytes.len() {
        let part = &bytes[..cut];
        let mut from_reader = Decoder::new(part);
        let mut from_slice = Decoder::from_slice(part);
        assert_eq!(
            typed(&mut || from_reader.decode()),
            typed(&mut || from_slice.decode()),
            "cut at {cut}"
        );
        let dynamic = |mut next: Box<dyn FnMut() -> gob::Result<Option<gob::Value>> + '_>| {
            let mut out = Vec::new();
            loop {
                match next() {
                    Ok(Some(v)) => out.push(Ok(v)),
                    Ok(None) => return out,
                    Err(e) => {
                        out.push(Err(e.to_string()));
                        return out;
                    }
                }
            }
        };
        let mut reader_values = ValueDecoder::new(part);
        let mut slice_values = ValueDecoder::new(SliceInput::new(part));
        assert_eq!(
            dynamic(Box::new(move || reader_values.next_value())),
            dynamic(Box::new(move || slice_values.next_value())),
            "cut at {cut}"
        );
    }
}

#[test]
fn every_corpus_stream_decodes_alike_from_a_slice_and_from_a_reader() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/gob");
    let mut streams = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "gob") {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let mut from_reader = Vec::new();
        let mut reader = ValueDecoder::new(&bytes[..]);
        while let Some(v) = reader.next_value().unwrap() {
            from_reader.push(v);
        }
        // Debug text, since NaN is not equal to itself.
        assert_eq!(
            format!("{:?}", gob::decode_values(&bytes).unwrap()),
            format!("{from_reader:?}"),
            "{}",
            path.display()
        );
        streams += 1;
    }
    assert!(streams > 20, "only {streams} corpus streams");
}
