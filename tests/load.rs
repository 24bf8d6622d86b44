//! A bounded load test over loopback: hostile connections of every kind
//! while honest clients send funclogs. Every honest packet must arrive, in
//! order; every hostile connection must be closed within its timeout; the
//! process's peak memory is reported.
//!
//! `cargo test` runs it small (seconds). The full size, 200 hostile
//! connections and 8 honest clients of 100 000 funclogs each:
//!
//!     LOAD_FULL=1 cargo test --release --test load -- --nocapture

use std::collections::HashMap;
use std::time::{Duration, Instant};

use goapptrace_proto::gob::Int;
use goapptrace_proto::net::{Address, Client, ClientOptions, Server, ServerEvent, ServerOptions};
use goapptrace_proto::protocol::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SECRET: &str = "s3cret";
const TIMEOUT: Duration = Duration::from_millis(800);

struct Size {
    hostile: usize,
    honest: usize,
    funclogs: u64,
}

fn size() -> Size {
    if std::env::var_os("LOAD_FULL").is_some() {
        Size {
            hostile: 200,
            honest: 8,
            funclogs: 100_000,
        }
    } else {
        Size {
            hostile: 48,
            honest: 4,
            funclogs: 5_000,
        }
    }
}

fn func_log(client: usize, i: u64) -> AnyPacket {
    RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(i as i64)),
            tag: TagName("funcStart".into()),
            timestamp: Time(i as i64),
            frames: vec![FuncStatusId(client as u64), FuncStatusId(i)],
            gid: Gid(client as i64),
            tx_id: TxId(i),
        }),
    }
    .into()
}

fn frames(packets: &[Packet]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = FrameEncoder::new();
    for p in packets {
        encoder.encode(p, &mut out).expect("encoding");
    }
    out
}

fn hello(secret: &str) -> Packet {
    Packet::ClientHello(ClientHelloPacket {
        app_name: "hostile".into(),
        client_secret: secret.into(),
        protocol_version: "1".into(),
    })
}

/// One hostile connection of kind `kind`; it stays open until the server
/// closes it (or the test ends).
async fn hostile(hostport: String, kind: usize, seed: u64) {
    let Ok(mut s) = TcpStream::connect(&hostport).await else {
        return;
    };
    let bytes = match kind {
        // Garbage.
        0 => (0..200u64)
            .map(|i| (i.wrapping_mul(seed | 1) >> 3) as u8)
            .collect(),
        // A frame announced as 4 GiB.
        1 => vec![0xff, 0xff, 0xff, 0xff, 1, 2, 3],
        // A frame that never finishes, after a good hello.
        2 => {
            let mut b = frames(&[hello(SECRET)]);
            b.extend_from_slice(&[0, 0, 1, 0, 9, 9, 9]);
            b
        }
        // A hello, then silence.
        3 => frames(&[hello(SECRET)]),
        // A flood of pings, then silence.
        4 => {
            let mut packets = vec![hello(SECRET)];
            packets.extend((0..2000).map(|_| Packet::Ping(PingPacket {})));
            frames(&packets)
        }
        // A wrong secret.
        _ => frames(&[hello("wrong")]),
    };
    let _ = s.write_all(&bytes).await;
    // Read (and drop) until the server closes.
    let mut sink = [0u8; 4096];
    while let Ok(n) = s.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
}

async fn honest(address: Address, index: usize, funclogs: u64) -> Result<(), String> {
    let options = ClientOptions {
        app_name: format!("honest-{index}"),
        secret: SECRET.into(),
        ..ClientOptions::default()
    };
    let client = Client::connect(&address, options)
        .await
        .map_err(|e| e.to_string())?;
    let mut i = 1;
    while i <= funclogs {
        let end = (i + 500).min(funclogs + 1);
        let batch: Vec<AnyPacket> = (i..end).map(|j| func_log(index, j)).collect();
        client.send_all(&batch).await.map_err(|e| e.to_string())?;
        i = end;
    }
    client.close().await.map_err(|e| e.to_string())
}

/// A disconnect reason without its numbers, for the summary.
fn reason_kind(reason: &str) -> &'static str {
    match reason {
        r if r.contains("over the limit") => "frame over the limit",
        r if r.contains("secret") => "wrong secret",
        r if r.contains("idle timeout") => "no frame within the idle timeout",
        r if r.contains("no hello") => "no hello",
        _ => "malformed frame",
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_load_loses_nothing_and_lets_nobody_in() {
    let size = size();
    let limit = Duration::from_secs(if size.funclogs > 10_000 { 600 } else { 60 });
    tokio::time::timeout(limit, async {
        let options = ServerOptions {
            secret: Some(SECRET.into()),
            handshake_timeout: TIMEOUT,
            idle_timeout: Some(TIMEOUT),
            ..ServerOptions::default()
        };
        let mut server = Server::bind(Some(&"tcp://127.0.0.1:0".parse().unwrap()), options)
            .await
            .expect("bind");
        let address = server.local_addr().clone();
        let Address::Tcp(hostport) = address.clone() else { unreachable!() };

        let started = Instant::now();
        let mut tasks = Vec::new();
        for k in 0..size.hostile {
            tasks.push(tokio::spawn(hostile(hostport.clone(), k % 6, k as u64 * 7919)));
        }
        let hostile_opened = started.elapsed();
        let honest_tasks: Vec<_> = (0..size.honest)
            .map(|i| tokio::spawn(honest(address.clone(), i, size.funclogs)))
            .collect();

        // Server side: honest clients by id, and the next record each owes.
        let mut honest_ids: HashMap<u64, (usize, u64)> = HashMap::new();
        let mut honest_done = 0;
        let mut hostile_closed = 0;
        let mut last_hostile_close = Duration::ZERO;
        let mut reasons: HashMap<&str, usize> = HashMap::new();
        while honest_done < size.honest || hostile_closed < size.hostile {
            let event = server.next_event().await.expect("server events");
            match event {
                ServerEvent::Connected { client, hello, .. } => {
                    if let Some(name) = hello.app_name().and_then(|n| n.strip_prefix("honest-")) {
                        honest_ids.insert(client, (name.parse().unwrap(), 1));
                    }
                }
                ServerEvent::FuncLog { client, packet } => {
                    let (index, next) = honest_ids
                        .get_mut(&client)
                        .unwrap_or_else(|| panic!("a funclog from a hostile client {client}"));
                    assert_eq!(packet, func_log(*index, *next), "client {index} record {next}");
                    *next += 1;
                }
                ServerEvent::Disconnected { client, reason } => match honest_ids.get(&client) {
                    Some(&(index, next)) => {
                        assert_eq!(reason, "client sent Shutdown", "honest client {index}");
                        assert_eq!(next, size.funclogs + 1, "honest client {index} lost packets");
                        honest_done += 1;
                    }
                    None => {
                        hostile_closed += 1;
                        last_hostile_close = started.elapsed();
                        *reasons.entry(reason_kind(&reason)).or_default() += 1;
                    }
                },
                other => panic!("unexpected {other:?}"),
            }
        }
        for t in honest_tasks {
            t.await.expect("honest task").expect("honest client");
        }
        // Every hostile connection went within its timeout (plus slack for
        // a loaded two-core machine).
        let deadline = hostile_opened + TIMEOUT + Duration::from_secs(5);
        assert!(
            last_hostile_close <= deadline,
            "the last hostile connection was closed after {last_hostile_close:?}"
        );
        for t in tasks {
            t.abort();
        }
        server.shutdown().await;
        println!(
            "load: {} hostile closed (last after {:?}; reasons {:?}), {} honest x {} funclogs all delivered in order in {:?}; peak RSS {} KiB",
            hostile_closed,
            last_hostile_close,
            reasons,
            size.honest,
            size.funclogs,
            started.elapsed(),
            peak_rss_kib().unwrap_or(0)
        );
    })
    .await
    .expect("the load test took too long");
}
