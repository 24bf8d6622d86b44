//! The command line against the Go peer of `go-fixtures` where it behaves
//! as the real Go goapptrace peers do (the spec, "Frame size limits of the
//! real Go peers"): the gob generation's 4 KiB receive buffer that stalls,
//! the marshal server's 1 KiB truncation of commands, skipped bad frames,
//! symbol tables of megabytes, servers that close without Shutdown, and
//! signals. Needs Go; every test is bounded in time and kills what it
//! started.

mod common;
#[path = "common/proc.rs"]
mod proc;

use std::time::{Duration, Instant};

use goapptrace_proto::gob::Int;
use goapptrace_proto::net::{Client, ClientOptions};
use goapptrace_proto::protocol::{self as p, AnyPacket, ClientEvent, Generation, marshal as m};
use proc::{Proc, listening, serve_address, signal};
use serde_json::json;
use tokio::io::AsyncWriteExt;

const LIMIT: Duration = Duration::from_secs(90);

fn gob_funclog(i: u64, frames: Vec<u64>) -> AnyPacket {
    p::RawFuncLogNewPacket {
        func_log: Some(p::RawFuncLog {
            id: p::RawFuncLogId(Int(i as i64)),
            tag: p::TagName("funcStart".into()),
            timestamp: p::Time(1_511_136_000_000_000_000 + i as i64),
            frames: frames.into_iter().map(p::FuncStatusId).collect(),
            gid: p::Gid(1),
            tx_id: p::TxId(i),
        }),
    }
    .into()
}

/// The symbol table of the Go peer client's `--big-symbols n`.
fn big_symbols(n: u64) -> m::SymbolPacket {
    m::SymbolPacket {
        files: vec!["/src/main.go".into()],
        mods: vec![m::GoModule {
            name: "main".into(),
            min_pc: 4096,
            max_pc: 4096 + 16 * n,
        }],
        funcs: (0..n)
            .map(|i| m::GoFunc {
                entry: 4096 + 16 * i,
                name: format!("main.func{i:07}_{}", "x".repeat(40)),
            })
            .collect(),
        lines: (0..n)
            .map(|i| m::GoLine {
                pc: 4096 + 16 * i,
                file_id: 0,
                line: i as u32 + 1,
            })
            .collect(),
    }
}

/// About 20 MiB in one marshal frame.
const BIG_SYMBOLS: u64 = 235_000;

#[tokio::test]
async fn a_gob_frame_the_go_peer_could_stall_on_is_refused_and_every_packet_before_it_arrives() {
    tokio::time::timeout(LIMIT, async {
        let mut go = Proc::go_peer("server", Generation::Gob, &[]);
        let address = listening(&mut go).await;
        // A funclog whose frame is about 4000 bytes: over the 3841 a gob Go
        // peer is sure to receive, under the 4096 it never receives.
        let big = gob_funclog(21, (0..410).map(|i| (1u64 << 60) + i).collect());
        let mut frame = Vec::new();
        let AnyPacket::Gob(packet) = &big else {
            unreachable!()
        };
        let mut encoder = p::FrameEncoder::new();
        encoder.set_max_frame(1 << 20);
        encoder.encode(packet, &mut frame).unwrap();
        assert!((3900..4096).contains(&frame.len()), "{}", frame.len());

        let mut input: Vec<String> = (1..=20)
            .map(|i| gob_funclog(i, vec![i]).to_json())
            .collect();
        input.push(big.to_json());
        input.push(gob_funclog(22, vec![22]).to_json());
        let mut send = Proc::cli(&["send", "--connect", &address, "--app", "limits"]);
        for line in &input {
            send.write_line(line).await;
        }
        drop(send.child.stdin.take());
        let status = send.child.wait().await.unwrap();
        let stderr = send.stderr().await;
        assert_eq!(status.code(), Some(2), "{stderr}");
        let expected = format!(
            "<stdin>: line 21: this RawFuncLogNewPacket frame is {} bytes; a gob-generation \
             Go peer reliably receives frames up to 3841 bytes (--max-frame-out",
            frame.len()
        );
        assert!(stderr.contains(&expected), "{stderr}");

        assert_eq!(go.next().await["event"], "connected");
        for i in 1..=20 {
            let event = go.next_non_ping().await;
            assert_eq!(event["packet"]["FuncLog"]["ID"], i, "{event}");
        }
        // Then the Shutdown (read by Go as a Ping) and the close; no stall.
        let event = go.next_non_ping().await;
        assert_eq!(event["event"], "disconnected", "{event}");
        drop(go.child.stdin.take());
        assert_eq!(go.next().await["event"], "stopped");
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_20_mib_symbol_table_goes_from_a_go_tracer_to_serve() {
    tokio::time::timeout(LIMIT, async {
        let mut serve = Proc::cli(&["serve", "--listen", "tcp://127.0.0.1:0"]);
        let address = serve_address(&mut serve).await;
        let mut go = Proc::go_peer(
            "client",
            Generation::Marshal,
            &[
                "--connect",
                &address,
                "--big-symbols",
                &BIG_SYMBOLS.to_string(),
                "--funclogs",
                "3",
            ],
        );
        let connected = serve.next().await;
        assert_eq!(connected["event"], "connected", "{connected}");
        let symbols = serve.next().await;
        assert_eq!(symbols["event"], "symbols");
        let funcs = symbols["packet"]["Funcs"].as_array().expect("Funcs");
        assert_eq!(funcs.len() as u64, BIG_SYMBOLS);
        let last = &big_symbols(BIG_SYMBOLS).funcs[BIG_SYMBOLS as usize - 1];
        assert_eq!(funcs[funcs.len() - 1]["Name"], last.name.as_str());
        for id in 1..=3 {
            let event = serve.next().await;
            assert_eq!(event["event"], "funclog", "{event}");
            assert_eq!(event["packet"]["FuncLog"]["ID"], id);
        }
        assert!(go.child.wait().await.unwrap().success());
        let event = serve.next().await;
        assert_eq!(event["event"], "disconnected");
        assert_eq!(event["reason"], "client sent Shutdown");
        signal(&serve, "TERM");
        assert!(serve.child.wait().await.unwrap().success());
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_20_mib_symbol_table_goes_from_send_to_a_go_server() {
    tokio::time::timeout(LIMIT, async {
        let mut go = Proc::go_peer("server", Generation::Marshal, &["--summary"]);
        let address = listening(&mut go).await;
        let dir = common::TempDir::new("big-symbols");
        let path = dir.0.join("symbols.jsonl");
        let symbols = AnyPacket::from(m::Packet::Symbol(big_symbols(BIG_SYMBOLS)));
        std::fs::write(&path, symbols.to_json() + "\n").unwrap();
        let mut send = Proc::cli(&[
            "send",
            "--connect",
            &address,
            "--generation",
            "marshal",
            path.to_str().unwrap(),
        ]);
        assert_eq!(go.next().await["event"], "connected");
        let event = go.next_non_ping().await;
        assert_eq!(event["event"], "symbols", "{event}");
        assert_eq!(event["funcs"], BIG_SYMBOLS);
        assert_eq!(event["lines"], BIG_SYMBOLS);
        assert_eq!(
            event["last_func"],
            big_symbols(BIG_SYMBOLS).funcs[BIG_SYMBOLS as usize - 1]
                .name
                .as_str()
        );
        let status = send.child.wait().await.unwrap();
        assert!(status.success(), "{}", send.stderr().await);
        drop(go.child.stdin.take());
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_command_the_go_marshal_server_truncates_is_reported_and_skipped() {
    tokio::time::timeout(LIMIT, async {
        let mut go = Proc::go_peer("server", Generation::Marshal, &[]);
        let address = listening(&mut go).await;
        let mut send = Proc::cli(&["send", "--connect", &address, "--generation", "marshal"]);
        let connected = go.next().await;
        assert_eq!(connected["event"], "connected");
        let client = connected["client"].clone();
        let long = json!({"packet": "StartTraceCmdPacket", "FuncName": "f".repeat(2000)});
        let next = json!({"packet": "StopTraceCmdPacket", "FuncName": "main.main"});
        for packet in [long, next.clone()] {
            go.write_line(&json!({"client": client, "packet": packet}).to_string())
                .await;
        }
        assert_eq!(send.next().await["packet"], "ServerHelloPacket");
        assert_eq!(send.next().await, next);
        drop(send.child.stdin.take());
        let status = send.child.wait().await.unwrap();
        let stderr = send.stderr().await;
        assert!(status.success(), "{stderr}");
        // The ServerHello frame is 14 bytes; the cut frame follows it.
        assert!(
            stderr.contains(
                "warning: skipped a frame from the server at byte 14 (1024 bytes) that does \
                 not decode: frame at byte 14: JSON byte count 2015 runs past the end of \
                 the 1020-byte payload (the count is at payload byte 1)"
            ),
            "{stderr}"
        );
        drop(go.child.stdin.take());
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn send_exits_1_within_a_second_when_the_go_server_goes_away_mid_input() {
    tokio::time::timeout(LIMIT, async {
        let mut go = Proc::go_peer("server", Generation::Gob, &[]);
        let address = listening(&mut go).await;
        let mut send = Proc::cli(&["send", "--connect", &address]);
        assert_eq!(go.next().await["event"], "connected");
        for i in 1..=5 {
            send.write_line(&gob_funclog(i, vec![i]).to_json()).await;
        }
        for i in 1..=5 {
            assert_eq!(go.next_non_ping().await["packet"]["FuncLog"]["ID"], i);
        }
        // The input stays open: more would come (tokio's wait() would close
        // a stdin left in the child). The server dies.
        let _input = send.child.stdin.take();
        go.child.kill().await.unwrap();
        let gone = Instant::now();
        let status = tokio::time::timeout(Duration::from_secs(5), send.child.wait())
            .await
            .expect("send did not notice the server going away")
            .unwrap();
        let took = gone.elapsed();
        let stderr = send.stderr().await;
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert!(took < Duration::from_secs(1), "took {took:?}");
        assert!(
            stderr.contains(
                "the server closed the connection: 5 input packets were sent, the rest of the \
                 input was not"
            ),
            "{stderr}"
        );
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn send_names_the_line_of_a_refused_packet_in_a_batch_and_sends_those_before() {
    // All lines arrive at once, so send takes them as one batch; blank
    // lines still count in the line numbers.
    tokio::time::timeout(LIMIT, async {
        let mut serve = Proc::cli(&["serve", "--listen", "tcp://127.0.0.1:0"]);
        let address = serve_address(&mut serve).await;
        let big = gob_funclog(99, (0..410).map(|i| (1u64 << 60) + i).collect());
        let mut input: Vec<String> = (1..=5).map(|i| gob_funclog(i, vec![i]).to_json()).collect();
        input.push(String::new());
        input.extend((6..=8).map(|i| gob_funclog(i, vec![i]).to_json()));
        input.push("   ".into());
        input.push(big.to_json()); // line 11
        input.push(gob_funclog(9, vec![9]).to_json());
        let mut send = Proc::cli(&["send", "--connect", &address]);
        let mut stdin = send.child.stdin.take().unwrap();
        stdin
            .write_all((input.join("\n") + "\n").as_bytes())
            .await
            .unwrap();
        drop(stdin);
        let status = send.child.wait().await.unwrap();
        let stderr = send.stderr().await;
        assert_eq!(status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("<stdin>: line 11: this RawFuncLogNewPacket frame is "),
            "{stderr}"
        );
        assert_eq!(serve.next().await["event"], "connected");
        for i in 1..=8 {
            let event = serve.next().await;
            assert_eq!(event["event"], "funclog", "{event}");
            assert_eq!(event["packet"]["FuncLog"]["ID"], i, "{event}");
        }
        let event = serve.next().await;
        assert_eq!(event["event"], "disconnected", "{event}");
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_sigterm_as_soon_as_serve_listens_stops_it_cleanly() {
    // The handlers are in place before the listening line: a signal sent
    // at once is not lost to the default action (death by SIGTERM).
    tokio::time::timeout(LIMIT, async {
        for _ in 0..5 {
            let mut serve = Proc::cli(&["serve", "--listen", "tcp://127.0.0.1:0"]);
            serve_address(&mut serve).await;
            let _input = serve.child.stdin.take();
            signal(&serve, "TERM");
            let status = serve.child.wait().await.unwrap();
            assert_eq!(status.code(), Some(0), "{status}");
        }
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn serve_stops_within_2_s_of_sigterm_with_its_stdin_held_open() {
    tokio::time::timeout(LIMIT, async {
        let mut serve = Proc::cli(&["serve", "--listen", "tcp://127.0.0.1:0"]);
        let address = serve_address(&mut serve).await;
        let mut client = Client::connect(&address.parse().unwrap(), ClientOptions::default())
            .await
            .unwrap();
        assert_eq!(serve.next().await["event"], "connected");
        // stdin stays open, as with a producer piping commands into serve
        // (tokio's wait() would close a stdin left in the child).
        let _input = serve.child.stdin.take();
        signal(&serve, "TERM");
        let asked = Instant::now();
        let status = tokio::time::timeout(Duration::from_secs(10), serve.child.wait())
            .await
            .expect("serve did not stop")
            .unwrap();
        let took = asked.elapsed();
        assert!(status.success(), "{status}: {}", serve.stderr().await);
        assert!(took < Duration::from_secs(2), "took {took:?}");
        assert_eq!(
            client.next_event().await.unwrap().unwrap(),
            ClientEvent::Shutdown
        );
        let event = serve.next().await;
        assert_eq!(event["event"], "disconnected", "{event}");
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn serve_reports_a_command_too_big_for_a_gob_client_and_sends_the_next() {
    tokio::time::timeout(LIMIT, async {
        let mut serve = Proc::cli(&["serve", "--listen", "tcp://127.0.0.1:0"]);
        let address = serve_address(&mut serve).await;
        let mut go = Proc::go_peer(
            "client",
            Generation::Gob,
            &["--connect", &address, "--wait-commands", "1"],
        );
        let connected = serve.next().await;
        assert_eq!(connected["event"], "connected");
        let client = connected["client"].clone();
        let big =
            json!({"packet": "StartTraceCmdPacket", "FuncID": 1, "ModuleName": "m".repeat(5000)});
        let small = json!({"packet": "StartTraceCmdPacket", "FuncID": 2, "ModuleName": "main"});
        for packet in [&big, &small] {
            serve
                .write_line(&json!({"client": client, "packet": packet}).to_string())
                .await;
        }
        let error = serve.next().await;
        assert_eq!(error["event"], "error", "{error}");
        assert_eq!(error["client"], client);
        let message = error["error"].as_str().unwrap();
        assert!(
            message.starts_with("this StartTraceCmdPacket frame is ")
                && message.contains("reliably receives frames up to 3841 bytes"),
            "{message}"
        );
        let sent = serve.next().await;
        assert_eq!(sent["event"], "command");
        assert_eq!(sent["packet"], small);
        // The Go client got the small one (and no stall): it closes when
        // its one awaited command has come.
        assert_eq!(go.next().await["event"], "connected");
        let got = go.next_non_ping().await;
        assert_eq!(got["packet"], small, "{got}");
        assert_eq!(go.next_non_ping().await["event"], "closed");
        assert!(go.child.wait().await.unwrap().success());
        assert_eq!(serve.next().await["event"], "disconnected");
        signal(&serve, "TERM");
        assert!(serve.child.wait().await.unwrap().success());
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn the_incoming_limit_can_be_lowered_and_says_whose_it_is() {
    tokio::time::timeout(LIMIT, async {
        let mut serve = Proc::cli(&[
            "serve",
            "--listen",
            "tcp://127.0.0.1:0",
            "--max-frame-in",
            "50000",
        ]);
        let address = serve_address(&mut serve).await;
        let mut go = Proc::go_peer(
            "client",
            Generation::Marshal,
            &["--connect", &address, "--big-symbols", "1000"],
        );
        assert_eq!(serve.next().await["event"], "connected");
        let event = serve.next().await;
        assert_eq!(event["event"], "disconnected", "{event}");
        let reason = event["reason"].as_str().unwrap();
        assert!(
            reason.contains("over this side's limit of 50000 bytes for incoming frames")
                && reason.contains("--max-frame-in"),
            "{reason}"
        );
        let _ = go.child.wait().await;
        signal(&serve, "TERM");
        assert!(serve.child.wait().await.unwrap().success());
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn send_says_shutdown_and_exits_on_sigterm() {
    tokio::time::timeout(LIMIT, async {
        let mut go = Proc::go_peer("server", Generation::Gob, &[]);
        let address = listening(&mut go).await;
        let mut send = Proc::cli(&["send", "--connect", &address]);
        assert_eq!(go.next().await["event"], "connected");
        send.write_line(&gob_funclog(1, vec![1]).to_json()).await;
        assert_eq!(go.next_non_ping().await["packet"]["FuncLog"]["ID"], 1);
        let _input = send.child.stdin.take();
        signal(&send, "TERM");
        let status = send.child.wait().await.unwrap();
        let stderr = send.stderr().await;
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("stopped by SIGTERM: 1 input packet was sent"),
            "{stderr}"
        );
        // The Go server reads a Shutdown as a Ping, then sees the close.
        assert_eq!(go.next().await["packet"]["packet"], "PingPacket");
        assert_eq!(go.next_non_ping().await["event"], "disconnected");
        drop(go.child.stdin.take());
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn serve_reports_a_frame_that_does_not_decode_and_goes_on() {
    use goapptrace_proto::protocol::FrameEncoder;
    tokio::time::timeout(LIMIT, async {
        let mut serve = Proc::cli(&["serve", "--listen", "tcp://127.0.0.1:0"]);
        let address = serve_address(&mut serve).await;
        let mut bytes = Vec::new();
        let mut encoder = FrameEncoder::new();
        let hello = p::Packet::ClientHello(p::ClientHelloPacket {
            app_name: "raw".into(),
            client_secret: String::new(),
            protocol_version: "1".into(),
        });
        encoder.encode(&hello, &mut bytes).unwrap();
        let garbage_at = bytes.len();
        bytes.extend_from_slice(&[0, 0, 0, 4, 0x40, 0x41, 0x42, 0x43]);
        let AnyPacket::Gob(log) = gob_funclog(1, vec![1]) else {
            unreachable!()
        };
        encoder.encode(&log, &mut bytes).unwrap();
        let hostport = address.strip_prefix("tcp://").unwrap();
        let mut raw = tokio::net::TcpStream::connect(hostport).await.unwrap();
        raw.write_all(&bytes).await.unwrap();

        assert_eq!(serve.next().await["event"], "connected");
        let bad = serve.next().await;
        assert_eq!(bad["event"], "bad_frame", "{bad}");
        assert_eq!(bad["offset"], garbage_at);
        assert_eq!(bad["len"], 8);
        assert!(bad["reason"].as_str().unwrap().contains("payload"), "{bad}");
        let log = serve.next().await;
        assert_eq!(log["event"], "funclog", "{log}");
        assert_eq!(log["packet"]["FuncLog"]["ID"], 1);
        drop(raw);
        assert_eq!(serve.next().await["event"], "disconnected");
        signal(&serve, "TERM");
        assert!(serve.child.wait().await.unwrap().success());
    })
    .await
    .expect("the test took too long");
}
