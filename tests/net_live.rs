//! Rust client and Rust server over loopback TCP and a Unix socket.
//! Every test is bounded in time and cleans up its sockets.

mod common;
#[path = "common/net.rs"]
mod net_common;

use std::time::Duration;

use goapptrace_proto::net::{
    Address, Client, ClientOptions, NetError, Server, ServerEvent, ServerOptions,
};
use goapptrace_proto::protocol::*;
use tokio::io::AsyncWriteExt;

const LIMIT: Duration = Duration::from_secs(30);

fn func_log(i: u64) -> AnyPacket {
    RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(goapptrace_proto::gob::Int(i as i64)),
            tag: TagName(if i % 2 == 1 { "funcStart" } else { "funcEnd" }.into()),
            timestamp: Time(1_511_136_000_000_000_000 + i as i64),
            frames: vec![FuncStatusId(i), FuncStatusId(i + 1)],
            gid: Gid((i % 7) as i64),
            tx_id: TxId(i),
        }),
    }
    .into()
}

async fn next(server: &mut Server) -> ServerEvent {
    server.next_event().await.expect("the server stopped early")
}

/// A whole session: hello, symbols, 10 000 funclogs in order, commands from
/// the server, shutdown.
async fn full_session(address: Address) {
    let mut server = Server::bind(Some(&address), ServerOptions::default())
        .await
        .expect("bind");
    let options = ClientOptions {
        app_name: "live".into(),
        ..ClientOptions::default()
    };
    let client = Client::connect(server.local_addr(), options)
        .await
        .expect("connect");
    assert_eq!(client.server_version(), "1");
    let id = match next(&mut server).await {
        ServerEvent::Connected { client, hello, .. } => {
            assert_eq!(hello.app_name(), Some("live"));
            client
        }
        other => panic!("expected Connected, got {other:?}"),
    };

    let symbols: AnyPacket = SymbolPacket {
        symbols: Some(Symbols {
            writable: true,
            keep_id: false,
        }),
    }
    .into();
    client.send(&symbols).await.expect("send symbols");
    let sender = tokio::spawn(async move {
        for chunk in (1..=10_000u64).collect::<Vec<_>>().chunks(250) {
            let packets: Vec<AnyPacket> = chunk.iter().map(|&i| func_log(i)).collect();
            client.send_all(&packets).await.expect("send funclogs");
        }
        client
    });
    assert_eq!(
        next(&mut server).await,
        ServerEvent::Symbols {
            client: id,
            packet: symbols
        }
    );
    for i in 1..=10_000u64 {
        match next(&mut server).await {
            ServerEvent::FuncLog { client, packet } => {
                assert_eq!(client, id);
                assert_eq!(packet, func_log(i), "funclog {i}");
            }
            other => panic!("expected funclog {i}, got {other:?}"),
        }
    }
    let mut client = sender.await.expect("sender task");

    let start: AnyPacket = StartTraceCmdPacket {
        func_id: FuncId(3),
        module_name: "main".into(),
    }
    .into();
    let stop: AnyPacket = StopTraceCmdPacket {
        func_id: FuncId(3),
        module_name: "main".into(),
    }
    .into();
    server.send_command(id, &start).await.expect("start");
    server.send_command(id, &stop).await.expect("stop");
    assert!(matches!(
        next(&mut server).await,
        ServerEvent::CommandSent { .. }
    ));
    assert!(matches!(
        next(&mut server).await,
        ServerEvent::CommandSent { .. }
    ));
    assert_eq!(
        client.next_event().await.unwrap().unwrap(),
        ClientEvent::StartTrace(start)
    );
    assert_eq!(
        client.next_event().await.unwrap().unwrap(),
        ClientEvent::StopTrace(stop)
    );

    client.close().await.expect("close");
    match next(&mut server).await {
        ServerEvent::Disconnected { client, reason } => {
            assert_eq!(client, id);
            assert_eq!(reason, "client sent Shutdown");
        }
        other => panic!("expected Disconnected, got {other:?}"),
    }
    server.shutdown().await;
}

#[tokio::test]
async fn rust_client_and_rust_server_over_tcp() {
    tokio::time::timeout(LIMIT, full_session("tcp://127.0.0.1:0".parse().unwrap()))
        .await
        .expect("the test took too long");
}

#[tokio::test]
async fn rust_client_and_rust_server_over_a_unix_socket() {
    let dir = common::TempDir::new("unix");
    let path = dir.0.join("server.sock");
    tokio::time::timeout(LIMIT, full_session(Address::Unix(path.clone())))
        .await
        .expect("the test took too long");
    assert!(!path.exists(), "the socket file was left behind");
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_reported() {
    tokio::time::timeout(LIMIT, async {
        let options = ServerOptions {
            secret: Some("right".into()),
            ..ServerOptions::default()
        };
        let mut server = Server::bind(Some(&"tcp://127.0.0.1:0".parse().unwrap()), options)
            .await
            .unwrap();
        let client_options = ClientOptions {
            secret: "wrong".into(),
            ..ClientOptions::default()
        };
        let err = Client::connect(server.local_addr(), client_options)
            .await
            .err()
            .expect("refused");
        assert!(matches!(err, NetError::PeerClosed(_)), "{err}");
        match next(&mut server).await {
            ServerEvent::Disconnected { reason, .. } => assert_eq!(reason, "wrong client secret"),
            other => panic!("{other:?}"),
        }
        let good = ClientOptions {
            secret: "right".into(),
            ..ClientOptions::default()
        };
        let client = Client::connect(server.local_addr(), good)
            .await
            .expect("right secret");
        assert!(matches!(
            next(&mut server).await,
            ServerEvent::Connected { .. }
        ));
        client.close().await.unwrap();
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn bad_peers_are_closed_and_others_go_on() {
    tokio::time::timeout(LIMIT, async {
        let options = ServerOptions {
            handshake_timeout: Duration::from_millis(300),
            ..ServerOptions::default()
        };
        let mut server = Server::bind(Some(&"tcp://127.0.0.1:0".parse().unwrap()), options)
            .await
            .unwrap();
        let Address::Tcp(hostport) = server.local_addr().clone() else {
            unreachable!()
        };
        let honest = Client::connect(server.local_addr(), ClientOptions::default())
            .await
            .unwrap();
        let honest_id = match next(&mut server).await {
            ServerEvent::Connected { client, .. } => client,
            other => panic!("{other:?}"),
        };

        // Garbage, a 4 GiB frame, silence, and a peer vanishing mid-frame.
        let mut garbage = tokio::net::TcpStream::connect(&hostport).await.unwrap();
        garbage.write_all(b"\x00\x00\x00\x05hello").await.unwrap();
        let mut huge = tokio::net::TcpStream::connect(&hostport).await.unwrap();
        huge.write_all(&[0xff, 0xff, 0xff, 0xff]).await.unwrap();
        let _silent = tokio::net::TcpStream::connect(&hostport).await.unwrap();
        let mut vanishing = tokio::net::TcpStream::connect(&hostport).await.unwrap();
        vanishing.write_all(&[0, 0, 0, 50, 1, 2, 3]).await.unwrap();
        drop(vanishing);

        let mut reasons = Vec::new();
        while reasons.len() < 4 {
            match next(&mut server).await {
                ServerEvent::Disconnected { client, reason } => {
                    assert_ne!(client, honest_id);
                    reasons.push(reason);
                }
                other => panic!("{other:?}"),
            }
        }
        reasons.sort();
        let joined = reasons.join(" | ");
        assert!(joined.contains("over this side's limit"), "{joined}");
        assert!(joined.contains("no hello within"), "{joined}");
        assert!(joined.contains("input ends inside the frame"), "{joined}");
        assert!(joined.contains("payload"), "{joined}");

        // The honest client was not disturbed.
        honest.send(&func_log(1)).await.unwrap();
        assert_eq!(
            next(&mut server).await,
            ServerEvent::FuncLog {
                client: honest_id,
                packet: func_log(1)
            }
        );
        honest.close().await.unwrap();
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_packet_too_large_for_the_peer_is_an_error_not_a_dropped_connection() {
    tokio::time::timeout(LIMIT, async {
        let mut server = net_common::loopback_server().await;
        let mut options = ClientOptions::default();
        options.session.max_outgoing_frame = Some(4096);
        let client = Client::connect(server.local_addr(), options).await.unwrap();
        next(&mut server).await;
        let big: AnyPacket = RawFuncLogNewPacket {
            func_log: Some(RawFuncLog {
                frames: (0..1000).map(|i| FuncStatusId(i << 40)).collect(),
                ..RawFuncLog::default()
            }),
        }
        .into();
        let err = client.send(&big).await.unwrap_err();
        assert!(
            matches!(
                err,
                NetError::Protocol(ProtocolError::PacketTooLarge {
                    limit: OutgoingLimit::Configured(4096),
                    ..
                })
            ),
            "{err}"
        );
        client.send(&func_log(2)).await.unwrap();
        assert!(matches!(
            next(&mut server).await,
            ServerEvent::FuncLog { .. }
        ));
        client.close().await.unwrap();
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn graceful_stop_sends_shutdown_to_every_client() {
    tokio::time::timeout(LIMIT, async {
        let mut server = net_common::loopback_server().await;
        let mut a = Client::connect(server.local_addr(), ClientOptions::default())
            .await
            .unwrap();
        let mut b = Client::connect(server.local_addr(), ClientOptions::default())
            .await
            .unwrap();
        next(&mut server).await;
        next(&mut server).await;
        let rest = server.shutdown().await;
        assert_eq!(
            rest.iter()
                .filter(|e| matches!(e, ServerEvent::Disconnected { .. }))
                .count(),
            2
        );
        for c in [&mut a, &mut b] {
            assert!(matches!(
                c.next_event().await,
                Some(Ok(ClientEvent::Shutdown))
            ));
        }
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn without_an_address_the_server_takes_a_port_from_8600_up() {
    tokio::time::timeout(LIMIT, async {
        let server = Server::bind(None, ServerOptions::default()).await.unwrap();
        let Address::Tcp(hostport) = server.local_addr().clone() else {
            panic!("not TCP")
        };
        let port: u16 = hostport.rsplit_once(':').unwrap().1.parse().unwrap();
        assert!((8600..8700).contains(&port), "{hostport}");
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_frame_of_the_other_generation_is_skipped_and_the_connection_goes_on() {
    tokio::time::timeout(LIMIT, async {
        let mut server = net_common::loopback_server().await;
        let Address::Tcp(hostport) = server.local_addr().clone() else {
            unreachable!()
        };
        let honest = Client::connect(server.local_addr(), ClientOptions::default())
            .await
            .unwrap();
        let honest_id = match next(&mut server).await {
            ServerEvent::Connected { client, .. } => client,
            other => panic!("{other:?}"),
        };

        // A marshal hello, then a gob frame on the same connection.
        let mut bytes = Vec::new();
        let mut marshal = AnyFrameEncoder::new(Generation::Marshal, GoEra::Original);
        marshal
            .encode(
                &marshal::Packet::ClientHello(marshal::ClientHelloPacket {
                    protocol_version: "1".into(),
                    ..Default::default()
                })
                .into(),
                &mut bytes,
            )
            .unwrap();
        let hello_len = bytes.len() as u64;
        FrameEncoder::new()
            .encode(&Packet::Ping(PingPacket {}), &mut bytes)
            .unwrap();
        let log = marshal::Packet::RawFuncLog(marshal::RawFuncLogPacket::default()).into();
        marshal.encode(&log, &mut bytes).unwrap();
        let mut mixed = tokio::net::TcpStream::connect(&hostport).await.unwrap();
        mixed.write_all(&bytes).await.unwrap();
        let mixed_id = match next(&mut server).await {
            ServerEvent::Connected {
                client, generation, ..
            } => {
                assert_eq!(generation, Generation::Marshal);
                client
            }
            other => panic!("{other:?}"),
        };
        match next(&mut server).await {
            ServerEvent::BadFrame { client, frame } => {
                assert_eq!((client, frame.offset), (mixed_id, hello_len));
                assert!(frame.reason.contains("gob generation"), "{}", frame.reason);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            next(&mut server).await,
            ServerEvent::FuncLog {
                client: mixed_id,
                packet: log
            }
        );
        honest.send(&func_log(5)).await.unwrap();
        assert_eq!(
            next(&mut server).await,
            ServerEvent::FuncLog {
                client: honest_id,
                packet: func_log(5)
            }
        );
        honest.close().await.unwrap();
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}
