//! Live interop with the Go peers of `go-fixtures` (`peer server`, `peer
//! client`) over loopback, in both generations: a Rust client with the Go
//! server and a Go client with the Rust server. Needs Go; bounded in time;
//! every process is killed when its test ends.

mod common;
#[path = "common/net.rs"]
mod net_common;

use std::process::Stdio;
use std::time::Duration;

use goapptrace_proto::gob::Int;
use goapptrace_proto::net::{Address, Client, ClientOptions, ServerEvent};
use goapptrace_proto::protocol::{self as p, AnyPacket, ClientEvent, Generation, marshal as m};
use serde_json::{Value as Json, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

const LIMIT: Duration = Duration::from_secs(60);
const FUNCLOGS: u64 = 10_000;

/// The records the Go peer client sends (see go-fixtures/peer.go); the Rust
/// client sends the same.
fn record(generation: Generation, i: u64) -> AnyPacket {
    match generation {
        Generation::Gob => p::RawFuncLogNewPacket {
            func_log: Some(p::RawFuncLog {
                id: p::RawFuncLogId(Int(i as i64)),
                tag: p::TagName(if i % 2 == 1 { "funcStart" } else { "funcEnd" }.into()),
                timestamp: p::Time(1_511_136_000_000_000_000 + i as i64),
                frames: vec![
                    p::FuncStatusId(i),
                    p::FuncStatusId(i + 1),
                    p::FuncStatusId(i + 2),
                ],
                gid: p::Gid((i % 7) as i64),
                tx_id: p::TxId(i),
            }),
        }
        .into(),
        Generation::Marshal => m::Packet::RawFuncLog(m::RawFuncLogPacket {
            func_log: m::RawFuncLog {
                id: i as i64,
                tag: ((i + 1) % 2) as u8,
                timestamp: 1_533_657_600_000_000_000 + i as i64,
                frames: vec![i, i + 1, i + 2],
                gid: (i % 7) as i64,
                tx_id: i,
            },
        })
        .into(),
    }
}

/// The symbols the Go peer client sends with --symbols.
fn go_symbols(generation: Generation) -> AnyPacket {
    match generation {
        Generation::Gob => p::SymbolPacket {
            symbols: Some(p::Symbols {
                writable: true,
                keep_id: false,
            }),
        }
        .into(),
        Generation::Marshal => m::Packet::Symbol(m::SymbolPacket {
            files: vec!["/src/main.go".into()],
            mods: vec![m::GoModule {
                name: "main".into(),
                min_pc: 4096,
                max_pc: 8192,
            }],
            funcs: vec![m::GoFunc {
                entry: 4100,
                name: "main.main".into(),
            }],
            lines: vec![m::GoLine {
                pc: 4100,
                file_id: 0,
                line: 10,
            }],
        })
        .into(),
    }
}

fn commands(generation: Generation) -> [AnyPacket; 2] {
    match generation {
        Generation::Gob => [
            p::StartTraceCmdPacket {
                func_id: p::FuncId(42),
                module_name: "main".into(),
            }
            .into(),
            p::StopTraceCmdPacket {
                func_id: p::FuncId(u64::MAX),
                module_name: "main".into(),
            }
            .into(),
        ],
        Generation::Marshal => [
            m::Packet::StartTraceCmd(m::StartTraceCmdPacket {
                func_name: "main.<main>&\"x\"".into(),
            })
            .into(),
            m::Packet::StopTraceCmd(m::StopTraceCmdPacket {
                func_name: "main.main".into(),
            })
            .into(),
        ],
    }
}

fn go_peer(args: &[&str], generation: Generation) -> (Child, Lines<BufReader<ChildStdout>>) {
    let mut child = Command::new(common::go_fixtures_binary())
        .arg("peer")
        .args(args)
        .args(["--generation", generation.name(), "--timeout", "60s"])
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

fn packet_json(p: &AnyPacket) -> Json {
    serde_json::from_str(&p.to_json()).unwrap()
}

async fn rust_client_with_the_go_server(generation: Generation) {
    let (mut go, mut out) = go_peer(&["server"], generation);
    let listening = next_json(&mut out).await;
    assert_eq!(listening["event"], "listening");
    let address: Address = listening["address"].as_str().unwrap().parse().unwrap();

    // The default outgoing limit is what a Go peer of the generation receives.
    let options = ClientOptions {
        generation,
        app_name: "rust".into(),
        pid: 77,
        host: "rust-host".into(),
        ..ClientOptions::default()
    };
    let mut client = Client::connect(&address, options).await.expect("connect");
    assert_eq!(client.server_version(), "1");
    let connected = next_json(&mut out).await;
    assert_eq!(connected["event"], "connected", "{connected}");
    assert_eq!(connected["hello"]["AppName"], "rust");
    assert_eq!(connected["hello"]["ProtocolVersion"], "1");
    if generation == Generation::Marshal {
        assert_eq!(connected["hello"]["PID"], 77);
        assert_eq!(connected["hello"]["Host"], "rust-host");
    }
    let id = connected["client"].clone();

    let symbols = go_symbols(generation);
    client.send(&symbols).await.unwrap();
    for chunk in (1..=FUNCLOGS).collect::<Vec<_>>().chunks(500) {
        let packets: Vec<AnyPacket> = chunk.iter().map(|&i| record(generation, i)).collect();
        client.send_all(&packets).await.unwrap();
    }
    assert_eq!(
        next_non_ping(&mut out).await["packet"],
        packet_json(&symbols)
    );
    for i in 1..=FUNCLOGS {
        let event = next_non_ping(&mut out).await;
        assert_eq!(event["event"], "packet");
        assert_eq!(
            event["packet"],
            packet_json(&record(generation, i)),
            "funclog {i}"
        );
    }

    let [start, stop] = commands(generation);
    let stdin = go.stdin.as_mut().unwrap();
    for p in [&start, &stop] {
        let line = json!({"client": id, "packet": packet_json(p)}).to_string() + "\n";
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
}

async fn go_client_with_the_rust_server(generation: Generation) {
    let mut server = net_common::loopback_server().await;
    let address = server.local_addr().to_string();
    let count = FUNCLOGS.to_string();
    let (mut go, mut out) = go_peer(
        &[
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
        ],
        generation,
    );
    let id = match server.next_event().await.unwrap() {
        ServerEvent::Connected {
            client,
            generation: g,
            hello,
        } => {
            assert_eq!(g, generation);
            assert_eq!(hello.app_name(), Some("go-app"));
            assert_eq!(hello.hello_version(), Some("1"));
            client
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(next_json(&mut out).await["event"], "connected");
    assert_eq!(
        server.next_event().await.unwrap(),
        ServerEvent::Symbols {
            client: id,
            packet: go_symbols(generation)
        }
    );
    for i in 1..=FUNCLOGS {
        assert_eq!(
            server.next_event().await.unwrap(),
            ServerEvent::FuncLog {
                client: id,
                packet: record(generation, i)
            },
            "funclog {i}"
        );
    }
    let [start, stop] = commands(generation);
    server.send_command(id, &start).await.unwrap();
    server.send_command(id, &stop).await.unwrap();
    assert_eq!(next_non_ping(&mut out).await["packet"], packet_json(&start));
    assert_eq!(next_non_ping(&mut out).await["packet"], packet_json(&stop));
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
}

#[tokio::test]
async fn rust_client_with_the_go_server_gob() {
    tokio::time::timeout(LIMIT, rust_client_with_the_go_server(Generation::Gob))
        .await
        .expect("the test took too long");
}

#[tokio::test]
async fn go_client_with_the_rust_server_gob() {
    tokio::time::timeout(LIMIT, go_client_with_the_rust_server(Generation::Gob))
        .await
        .expect("the test took too long");
}

#[tokio::test]
async fn the_go_server_drops_a_client_with_another_version_and_so_does_ours() {
    tokio::time::timeout(LIMIT, async {
        let (_go, mut out) = go_peer(&["server"], Generation::Gob);
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
        let mut server = net_common::loopback_server().await;
        let address = server.local_addr().to_string();
        let (mut go, _out) = go_peer(
            &["client", "--connect", &address, "--version", "2"],
            Generation::Gob,
        );
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

#[tokio::test]
async fn rust_client_with_the_go_server_marshal() {
    tokio::time::timeout(LIMIT, rust_client_with_the_go_server(Generation::Marshal))
        .await
        .expect("the test took too long");
}

#[tokio::test]
async fn go_client_with_the_rust_server_marshal() {
    tokio::time::timeout(LIMIT, go_client_with_the_rust_server(Generation::Marshal))
        .await
        .expect("the test took too long");
}

/// One Rust server serves a gob client and a marshal client at once.
#[tokio::test]
async fn one_rust_server_serves_both_generations_at_once() {
    tokio::time::timeout(LIMIT, async {
        let mut server = net_common::loopback_server().await;
        let address = server.local_addr().to_string();
        let count = "2000";
        let mut peers = Vec::new();
        for generation in [Generation::Gob, Generation::Marshal] {
            peers.push(go_peer(
                &[
                    "client",
                    "--connect",
                    &address,
                    "--symbols",
                    "--funclogs",
                    count,
                    "--wait-commands",
                    "1",
                ],
                generation,
            ));
        }
        let mut ids = std::collections::HashMap::new();
        let mut next_record = std::collections::HashMap::new();
        let mut closed = 0;
        while closed < 2 {
            match server.next_event().await.unwrap() {
                ServerEvent::Connected {
                    client, generation, ..
                } => {
                    ids.insert(client, generation);
                    next_record.insert(client, 1u64);
                }
                ServerEvent::Symbols { client, packet } => {
                    assert_eq!(packet, go_symbols(ids[&client]));
                }
                ServerEvent::FuncLog { client, packet } => {
                    let generation = ids[&client];
                    let i = next_record.get_mut(&client).unwrap();
                    assert_eq!(packet, record(generation, *i), "{generation} record {i}");
                    *i += 1;
                    if *i == 2001 {
                        let [start, _] = commands(generation);
                        server.send_command(client, &start).await.unwrap();
                    }
                }
                ServerEvent::CommandSent { .. } => {}
                ServerEvent::BadFrame { client, frame } => {
                    panic!("client {client} sent a bad frame: {frame:?}")
                }
                ServerEvent::Disconnected { client, reason } => {
                    assert_eq!(reason, "client sent Shutdown", "{}", ids[&client]);
                    assert_eq!(next_record[&client], 2001);
                    closed += 1;
                }
            }
        }
        let mut generations: Vec<_> = ids.values().copied().collect();
        generations.sort_by_key(|g| g.name());
        assert_eq!(generations, [Generation::Gob, Generation::Marshal]);
        for (mut go, _) in peers {
            assert!(go.wait().await.unwrap().success());
        }
        server.shutdown().await;
    })
    .await
    .expect("the test took too long");
}
