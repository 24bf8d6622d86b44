//! Typed decoding of gob-generation packets from one frame payload.
#![no_main]

use goapptrace_proto::protocol::gob::decode_payload;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|payload: &[u8]| {
    let _ = decode_payload(payload, 0);
});
