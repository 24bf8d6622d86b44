//! A byte stream of frames of either generation, fed in uneven pieces.
#![no_main]

use goapptrace_proto::protocol::FrameDecoder;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Some((&step, rest)) = bytes.split_first() else {
        return;
    };
    let mut decoder = FrameDecoder::new();
    let mut generation = None;
    for piece in rest.chunks(usize::from(step).max(1)) {
        decoder.feed(piece);
        loop {
            match decoder.next_any(&mut generation) {
                Ok(Some(p)) => {
                    let _ = p.to_json();
                }
                Ok(None) => break,
                Err(_) => return,
            }
        }
    }
    let _ = decoder.finish();
});
