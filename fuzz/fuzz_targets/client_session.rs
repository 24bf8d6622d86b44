//! The client state machine fed whatever a server might send.
#![no_main]

use goapptrace_proto::protocol::{ClientHelloPacket, ClientSession, SessionConfig, marshal};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Some((&flags, rest)) = bytes.split_first() else {
        return;
    };
    let config = SessionConfig::default();
    let mut session = if flags & 1 == 0 {
        ClientSession::new(ClientHelloPacket::default(), &config)
    } else {
        ClientSession::new(
            marshal::Packet::ClientHello(marshal::ClientHelloPacket::default()),
            &config,
        )
    }
    .expect("a hello always encodes");
    let _ = session.take_output();
    for piece in rest.chunks(usize::from(flags >> 1).max(1)) {
        if session.handle_input(piece).is_err() {
            break;
        }
        while session.poll_event().is_some() {}
        let _ = session.ping();
    }
    let _ = session.handle_input_closed();
});
