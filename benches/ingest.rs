//! The `server_ingest` case of `scripts/bench-vs-go`: 4 clients each send
//! 250 000 funclog frames over loopback TCP to a server, timed until the
//! last one is received. The server is the Rust one (`rust`) or the Go peer
//! server of `go-fixtures` (`go`). The clients write pre-encoded frames, so
//! what is measured is the server.
//!
//!   cargo bench --bench ingest -- rust|go [CLIENTS [FRAMES]]
//!
//! Prints one JSON line: {"server": .., "packets": .., "seconds": .., "ns_per_packet": ..}.

use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use goapptrace_proto::gob::Int;
use goapptrace_proto::net::{Server, ServerEvent, ServerOptions};
use goapptrace_proto::protocol::*;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

fn sample_log(i: u64) -> Packet {
    Packet::RawFuncLogNew(RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(i as i64)),
            tag: TagName(if i % 2 == 1 { "funcStart" } else { "funcEnd" }.into()),
            timestamp: Time(1_511_136_000_123_456_789 + i as i64),
            frames: (0..8)
                .map(|f| FuncStatusId(0x4a_0000 + f * 0x40 + i))
                .collect(),
            gid: Gid(7),
            tx_id: TxId(i),
        }),
    })
}

/// What one client sends after the hello: `frames` funclog frames.
fn client_frames(frames: u64) -> Vec<u8> {
    let mut encoder = FrameEncoder::new();
    let mut out = Vec::with_capacity(frames as usize * 200);
    for i in 1..=frames {
        encoder.encode(&sample_log(i), &mut out).expect("encoding");
    }
    out
}

fn hello_frame() -> Vec<u8> {
    let mut out = Vec::new();
    let hello = Packet::ClientHello(ClientHelloPacket {
        app_name: "ingest".into(),
        client_secret: String::new(),
        protocol_version: "1".into(),
    });
    FrameEncoder::new()
        .encode(&hello, &mut out)
        .expect("encoding");
    out
}

/// Connects and negotiates; returns the stream ready for funclogs.
async fn connect(address: &str, hello: &[u8]) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    stream.write_all(hello).await.expect("hello");
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).await.expect("server hello");
    let mut body = vec![0u8; u32::from_be_bytes(head) as usize];
    stream.read_exact(&mut body).await.expect("server hello");
    stream
}

async fn blast(mut stream: TcpStream, frames: Arc<Vec<u8>>) -> TcpStream {
    for chunk in frames.chunks(1 << 20) {
        stream.write_all(chunk).await.expect("writing frames");
    }
    stream.flush().await.expect("flush");
    stream
}

async fn run(server: &str, clients: usize, frames: u64) -> Duration {
    let payload = Arc::new(client_frames(frames));
    let hello = hello_frame();
    let total = clients as u64 * frames;
    match server {
        "rust" => {
            let options = ServerOptions {
                idle_timeout: None,
                ..ServerOptions::default()
            };
            let mut server = Server::bind(Some(&"tcp://127.0.0.1:0".parse().unwrap()), options)
                .await
                .expect("bind");
            let address = server.local_addr().to_string().replace("tcp://", "");
            let mut streams = Vec::new();
            for _ in 0..clients {
                streams.push(connect(&address, &hello).await);
            }
            let started = Instant::now();
            let writers: Vec<_> = streams
                .into_iter()
                .map(|s| tokio::spawn(blast(s, payload.clone())))
                .collect();
            let mut received = 0;
            while received < total {
                if let Some(ServerEvent::FuncLog { .. }) = server.next_event().await {
                    received += 1;
                }
            }
            let elapsed = started.elapsed();
            for w in writers {
                drop(w.await);
            }
            server.shutdown().await;
            elapsed
        }
        "go" => {
            let binary = go_fixtures_binary();
            let mut child = tokio::process::Command::new(binary)
                .args(["peer", "server", "--quiet", "--timeout", "900s"])
                .args(["--expect", &total.to_string()])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .expect("starting the Go peer server");
            let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
            let first = lines
                .next_line()
                .await
                .expect("read")
                .expect("listening line");
            let listening: serde_json::Value = serde_json::from_str(&first).expect("JSON");
            let address = listening["address"]
                .as_str()
                .expect("address")
                .replace("tcp://", "");
            let mut streams = Vec::new();
            for _ in 0..clients {
                streams.push(connect(&address, &hello).await);
            }
            let started = Instant::now();
            let writers: Vec<_> = streams
                .into_iter()
                .map(|s| tokio::spawn(blast(s, payload.clone())))
                .collect();
            loop {
                let line = lines
                    .next_line()
                    .await
                    .expect("read")
                    .expect("the Go server ended early");
                if line.contains("\"received\"") {
                    break;
                }
            }
            let elapsed = started.elapsed();
            for w in writers {
                drop(w.await);
            }
            drop(child.stdin.take());
            let _ = child.wait().await;
            elapsed
        }
        other => panic!("unknown server {other:?}: expected rust or go"),
    }
}

fn go_fixtures_binary() -> std::path::PathBuf {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/go-fixtures-bin/go-fixtures");
    let status = std::process::Command::new(std::env::var_os("GO").unwrap_or("go".into()))
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(root.join("go-fixtures"))
        .status()
        .expect("running go build (Go is needed for the go server)");
    assert!(status.success(), "go build failed");
    out
}

fn main() {
    // `cargo bench` passes --bench; ignore flags.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let server = args
        .first()
        .map(String::as_str)
        .unwrap_or("rust")
        .to_string();
    let clients: usize = args
        .get(1)
        .map(|s| s.parse().expect("CLIENTS"))
        .unwrap_or(4);
    let frames: u64 = args
        .get(2)
        .map(|s| s.parse().expect("FRAMES"))
        .unwrap_or(250_000);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let elapsed = runtime.block_on(run(&server, clients, frames));
    let packets = clients as u64 * frames;
    let seconds = elapsed.as_secs_f64();
    println!(
        "{}",
        serde_json::json!({
            "server": server,
            "packets": packets,
            "seconds": seconds,
            "ns_per_packet": seconds * 1e9 / packets as f64,
        })
    );
}
