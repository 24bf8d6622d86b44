//! The server state machine fed whatever a client might send.
#![no_main]

use goapptrace_proto::protocol::{AnyPacket, ServerSession, SessionConfig};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Some((&step, rest)) = bytes.split_first() else {
        return;
    };
    let secret = (step & 1 == 1).then(|| "s3cret".to_string());
    let mut session = ServerSession::new(&SessionConfig::default(), secret);
    for piece in rest.chunks(usize::from(step >> 1).max(1)) {
        if session.handle_input(piece).is_err() {
            break;
        }
        while session.poll_event().is_some() {}
        if let Some(g) = session.generation() {
            let _ = session.send(&AnyPacket::ping(g));
        }
        let _ = session.take_output();
    }
    let _ = session.handle_input_closed();
});
