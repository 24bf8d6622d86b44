//! The `tokio_util` codec: `Framed` streams and sinks of packets, against
//! this project's server and over an in-memory pipe.

#[path = "common/net.rs"]
mod net_common;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use goapptrace_proto::gob::Int;
use goapptrace_proto::net::{FrameCodec, NetError, ServerEvent};
use goapptrace_proto::protocol::*;
use tokio::io::AsyncWriteExt;
use tokio_util::codec::Framed;

const LIMIT: Duration = Duration::from_secs(30);

fn func_log(i: i64) -> AnyPacket {
    RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(i)),
            ..RawFuncLog::default()
        }),
    }
    .into()
}

#[tokio::test]
async fn a_framed_client_negotiates_with_the_server_and_sends_packets() {
    tokio::time::timeout(LIMIT, async {
        let mut server = net_common::loopback_server().await;
        let goapptrace_proto::net::Address::Tcp(hostport) = server.local_addr().clone() else {
            unreachable!()
        };
        let stream = tokio::net::TcpStream::connect(&hostport).await.unwrap();
        let mut framed = Framed::new(
            stream,
            FrameCodec::new(Some(Generation::Gob), &SessionConfig::default()),
        );
        let hello: AnyPacket = ClientHelloPacket {
            app_name: "framed".into(),
            client_secret: String::new(),
            protocol_version: "1".into(),
        }
        .into();
        framed.send(hello).await.unwrap();
        let answer = framed.next().await.unwrap().unwrap().unwrap();
        assert_eq!(answer.kind(), PacketKind::ServerHello);
        assert_eq!(answer.hello_version(), Some("1"));
        assert!(matches!(
            server.next_event().await,
            Some(ServerEvent::Connected { .. })
        ));
        for i in 1..=3 {
            framed.feed(func_log(i)).await.unwrap();
        }
        framed.flush().await.unwrap();
        for i in 1..=3 {
            match server.next_event().await {
                Some(ServerEvent::FuncLog { packet, .. }) => assert_eq!(packet, func_log(i)),
                other => panic!("{other:?}"),
            }
        }
        // Over the gob peer's limit: an error, and nothing of it is written.
        let big: AnyPacket = RawFuncLogNewPacket {
            func_log: Some(RawFuncLog {
                frames: (0..1000).map(|i| FuncStatusId(1 << 50 | i)).collect(),
                ..RawFuncLog::default()
            }),
        }
        .into();
        let err = framed.send(big).await.unwrap_err();
        assert!(
            matches!(
                err,
                NetError::Protocol(ProtocolError::PacketTooLarge {
                    limit: OutgoingLimit::GobPeer,
                    ..
                })
            ),
            "{err}"
        );
        framed.send(func_log(4)).await.unwrap();
        match server.next_event().await {
            Some(ServerEvent::FuncLog { packet, .. }) => assert_eq!(packet, func_log(4)),
            other => panic!("{other:?}"),
        }
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_framed_stream_detects_the_generation_skips_bad_frames_and_stops_at_oversize() {
    tokio::time::timeout(LIMIT, async {
        let (mut ours, theirs) = tokio::io::duplex(1 << 16);
        let config = SessionConfig {
            max_incoming_frame: 1000,
            ..SessionConfig::default()
        };
        let mut framed = Framed::new(theirs, FrameCodec::new(None, &config));

        let mut bytes = Vec::new();
        let mut marshal_encoder = AnyFrameEncoder::new(Generation::Marshal, GoEra::Original);
        let ping = AnyPacket::ping(Generation::Marshal);
        marshal_encoder.encode(&ping, &mut bytes).unwrap();
        let garbage_at = bytes.len() as u64;
        bytes.extend_from_slice(&[0, 0, 0, 3, 3, 1, 2]);
        marshal_encoder.encode(&ping, &mut bytes).unwrap();
        bytes.extend_from_slice(&2000u32.to_be_bytes());
        // Cut anywhere: a byte at a time.
        for b in bytes {
            ours.write_all(&[b]).await.unwrap();
        }

        assert_eq!(framed.next().await.unwrap().unwrap(), Ok(ping.clone()));
        assert_eq!(framed.codec().generation(), Some(Generation::Marshal));
        let bad = framed.next().await.unwrap().unwrap().unwrap_err();
        assert_eq!((bad.offset, bad.len), (garbage_at, 7));
        assert!(bad.reason.contains("LogPacket"), "{}", bad.reason);
        assert_eq!(framed.next().await.unwrap().unwrap(), Ok(ping));
        let err = framed.next().await.unwrap().unwrap_err();
        assert!(
            err.to_string()
                .contains("is 2004 bytes, over this side's limit of 1000 bytes"),
            "{err}"
        );
    })
    .await
    .expect("the test took too long");
}
