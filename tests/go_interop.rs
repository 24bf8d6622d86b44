//! Live interop with the Go peers of `go-fixtures` (`peer server`, `peer
//! client`) over loopback: a Rust client with the Go server and a Go client
//! with the Rust server. Needs Go; bounded in time; every process is killed
//! when its test ends.

mod common;

use std::process::Stdio;
use std::time::Duration;

use goapptrace_proto::gob::Int;
use goapptrace_proto::net::{Address, Client, ClientOptions, Server, ServerEvent, ServerOptions};
use goapptrace_proto::protocol::*;
use serde_json::{Value as Json, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const LIMIT: Duration = Duration::from_secs(60);
const FUNCLOGS: u64 = 10_000;

/// The records the Go peer client sends (see go-fixtures/peer.go).
fn go_peer_record(i: u64) -> RawFuncLogNewPacket {
    RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(i as i64)),
            tag: TagName(if i % 2 == 1 { "funcStart" } else { "funcEnd" }.into()),
            timestamp: Time(1_511_136_000_000_000_000 + i as i64),
            frames: vec![FuncStatusId(i), FuncStatusId(i + 1), FuncStatusId(i + 2)],
            gid: Gid((i % 7) as i64),
            tx_id: TxId(i),
        }),
    }
}

fn go_peer(args: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(common::go_fixtures_binary())
        .arg("peer")
        .args(args)
        .args(["--timeout", "60s"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .expect("starting the Go peer");
    let stdout = child.stdout.take().expect("piped stdout");
    (child, BufReader::new(stdout).lines())
}

async fn next_json(lines: &mut Lines<BufReader<ChildStdout>>) -> Json {
    let line = lines
        .next_line()
        .await
        .expect("reading the Go peer")
        .expect("the Go peer ended early");
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line {line:?}: {e}"))
}

/// The next event that is not a Ping (pings come every 3 s).
async fn next_non_ping(lines: &mut Lines<BufReader<ChildStdout>>) -> Json {
    loop {
        let v = next_json(lines).await;
        if v["packet"]["packet"] != "PingPacket" {
            return v;
        }
    }
}

fn packet_json(p: impl Into<Packet>) -> Json {
    serde_json::from_str(&p.into().to_json()).unwrap()
}

#[tokio::test]
async fn rust_client_with_the_go_server() {
    tokio::time::timeout(LIMIT, async {
        let (mut go, mut out) = go_peer(&["server"]);
        let listening = next_json(&mut out).await;
        assert_eq!(listening["event"], "listening");
        let address: Address = listening["address"].as_str().unwrap().parse().unwrap();

        let mut options = ClientOptions {
            app_name: "rust".into(),
            ..ClientOptions::default()
        };
        // What the gob-generation Go peer can receive.
        options.session.max_outgoing_frame = 4096 - 4;
        let mut client = Client::connect(&address, options).await.expect("connect");
        assert_eq!(client.server_hello().protocol_version, "1");
        let connected = next_json(&mut out).await;
        assert_eq!(connected["event"], "connected", "{connected}");
        assert_eq!(connected["hello"]["AppName"], "rust");
        assert_eq!(connected["hello"]["ProtocolVersion"], "1");
        let id = connected["client"].clone();

        let symbols = SymbolPacket {
            symbols: Some(Symbols {
                writable: true,
                keep_id: true,
            }),
        };
        client.send(&symbols.clone().into()).await.unwrap();
        for chunk in (1..=FUNCLOGS).collect::<Vec<_>>().chunks(500) {
            let packets: Vec<Packet> = chunk.iter().map(|&i| go_peer_record(i).into()).collect();
            client.send_all(&packets).await.unwrap();
        }
        assert_eq!(
            next_non_ping(&mut out).await["packet"],
            packet_json(symbols)
        );
        for i in 1..=FUNCLOGS {
            let event = next_non_ping(&mut out).await;
            assert_eq!(event["event"], "packet");
            assert_eq!(
                event["packet"],
                packet_json(go_peer_record(i)),
                "funclog {i}"
            );
        }

        let start = StartTraceCmdPacket {
            func_id: FuncId(42),
            module_name: "main".into(),
        };
        let stop = StopTraceCmdPacket {
            func_id: FuncId(u64::MAX),
            module_name: "main".into(),
        };
        let stdin = go.stdin.as_mut().unwrap();
        for p in [packet_json(start.clone()), packet_json(stop.clone())] {
            let line = json!({"client": id, "packet": p}).to_string() + "\n";
            stdin.write_all(line.as_bytes()).await.unwrap();
        }
        stdin.flush().await.unwrap();
        assert_eq!(
            client.next_event().await.unwrap().unwrap(),
            ClientEvent::StartTrace(start)
        );
        assert_eq!(
            client.next_event().await.unwrap().unwrap(),
            ClientEvent::StopTrace(stop)
        );

        client.close().await.unwrap();
        // Go reads our Shutdown as a Ping, then sees the connection close.
        loop {
            let event = next_json(&mut out).await;
            if event["event"] == "disconnected" {
                break;
            }
            assert!(
                event["event"] == "sent" || event["packet"]["packet"] == "PingPacket",
                "{event}"
            );
        }
        drop(go.stdin.take());
        assert_eq!(next_json(&mut out).await["event"], "stopped");
        assert!(go.wait().await.unwrap().success());
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn go_client_with_the_rust_server() {
    tokio::time::timeout(LIMIT, async {
        let mut server = Server::bind(
            Some(&"tcp://127.0.0.1:0".parse().unwrap()),
            ServerOptions::default(),
        )
        .await
        .unwrap();
        let address = server.local_addr().to_string();
        let count = FUNCLOGS.to_string();
        let (mut go, mut out) = go_peer(&[
            "client",
            "--connect",
            &address,
            "--app",
            "go-app",
            "--symbols",
            "--funclogs",
            &count,
            "--wait-commands",
            "2",
        ]);
        let id = match server.next_event().await.unwrap() {
            ServerEvent::Connected { client, hello } => {
                assert_eq!(hello.app_name, "go-app");
                assert_eq!(hello.protocol_version, "1");
                client
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(next_json(&mut out).await["event"], "connected");
        assert_eq!(
            server.next_event().await.unwrap(),
            ServerEvent::Symbols {
                client: id,
                packet: SymbolPacket {
                    symbols: Some(Symbols {
                        writable: true,
                        keep_id: false
                    })
                },
            }
        );
        for i in 1..=FUNCLOGS {
            assert_eq!(
                server.next_event().await.unwrap(),
                ServerEvent::FuncLog {
                    client: id,
                    packet: go_peer_record(i)
                },
                "funclog {i}"
            );
        }
        let start = Packet::StartTraceCmd(StartTraceCmdPacket {
            func_id: FuncId(7),
            module_name: "m".into(),
        });
        let stop = Packet::StopTraceCmd(StopTraceCmdPacket {
            func_id: FuncId(7),
            module_name: "m".into(),
        });
        server.send_command(id, &start).await.unwrap();
        server.send_command(id, &stop).await.unwrap();
        assert_eq!(next_non_ping(&mut out).await["packet"], packet_json(start));
        assert_eq!(next_non_ping(&mut out).await["packet"], packet_json(stop));
        assert_eq!(next_json(&mut out).await["event"], "closed");
        assert!(go.wait().await.unwrap().success());
        loop {
            match server.next_event().await.unwrap() {
                ServerEvent::CommandSent { .. } => {}
                ServerEvent::Disconnected { client, reason } => {
                    assert_eq!(client, id);
                    assert_eq!(reason, "client sent Shutdown");
                    break;
                }
                other => panic!("{other:?}"),
            }
        }
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn the_go_server_drops_a_client_with_another_version_and_so_does_ours() {
    tokio::time::timeout(LIMIT, async {
        let (_go, mut out) = go_peer(&["server"]);
        let listening = next_json(&mut out).await;
        let address: Address = listening["address"].as_str().unwrap().parse().unwrap();
        let mut options = ClientOptions::default();
        options.session.version = "1.0".parse().unwrap();
        let err = Client::connect(&address, options)
            .await
            .err()
            .expect("refused");
        assert!(err.to_string().contains("closed"), "{err}");
        let rejected = next_json(&mut out).await;
        assert_eq!(rejected["event"], "rejected", "{rejected}");

        // The Go client with version 2 against the Rust server.
        let mut server = Server::bind(
            Some(&"tcp://127.0.0.1:0".parse().unwrap()),
            ServerOptions::default(),
        )
        .await
        .unwrap();
        let address = server.local_addr().to_string();
        let (mut go, _out) = go_peer(&["client", "--connect", &address, "--version", "2"]);
        match server.next_event().await.unwrap() {
            ServerEvent::Disconnected { reason, .. } => {
                assert!(reason.contains("incompatible"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        assert!(!go.wait().await.unwrap().success());
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}
