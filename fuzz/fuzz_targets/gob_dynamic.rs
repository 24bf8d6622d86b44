//! Any bytes as a gob stream, decoded without Rust types.
#![no_main]

use goapptrace_proto::gob;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    if let Ok(values) = gob::decode_values(bytes) {
        for v in values {
            let _ = v.to_json();
        }
    }
    let _ = gob::dump::dump(bytes);
});
