//! Faults over time, live over loopback: each way a peer can fail, and
//! what `send`, `serve` and `net::Client` make of it. The faulty peer is a
//! socket driven by the protocol's own state machines, so that each fault
//! (a close, a reset, a Shutdown, a half-close, a peer that stops reading,
//! a frame cut off or sent one byte at a time) comes exactly when the test
//! says. A killed process's socket is closed by the kernel, which puts on
//! the wire what a close puts there: a FIN, or a reset when bytes were left
//! unread. Real processes are stopped and continued with signals. Every
//! test is bounded in time and kills what it started.

mod common;
#[path = "common/proc.rs"]
mod proc;

use std::time::{Duration, Instant};

use goapptrace_proto::net::{Client, ClientOptions, NetError};
use goapptrace_proto::protocol::{
    AnyPacket, ClientEvent, ClientSession, Generation, ServerEvent, ServerSession, SessionConfig,
};
use proc::{Proc, listening, serve_address, signal, signal_pid};
use serde_json::Value as Json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

const LIMIT: Duration = Duration::from_secs(60);
const GENERATIONS: [Generation; 2] = [Generation::Gob, Generation::Marshal];
/// How soon a peer going away must be noticed.
const AT_ONCE: Duration = Duration::from_secs(1);

fn funclog_json(generation: Generation, i: u64) -> String {
    match generation {
        Generation::Gob => format!(
            r#"{{"packet":"RawFuncLogNewPacket","FuncLog":{{"ID":{i},"Tag":"funcStart","Timestamp":{},"Frames":[{i}],"GID":1,"TxID":{i}}}}}"#,
            1_511_136_000_000_000_000u64 + i
        ),
        Generation::Marshal => format!(
            r#"{{"packet":"RawFuncLogPacket","FuncLog":{{"ID":{i},"Tag":0,"Timestamp":{},"Frames":[{i}],"GID":1,"TxID":{i}}}}}"#,
            1_533_657_600_000_000_000u64 + i
        ),
    }
}

fn funclog(generation: Generation, i: u64) -> AnyPacket {
    AnyPacket::from_json(&funclog_json(generation, i), generation).expect("a funclog")
}

fn start_trace(generation: Generation) -> AnyPacket {
    let json = match generation {
        Generation::Gob => r#"{"packet":"StartTraceCmdPacket","FuncID":3,"ModuleName":"main"}"#,
        Generation::Marshal => r#"{"packet":"StartTraceCmdPacket","FuncName":"main.main"}"#,
    };
    AnyPacket::from_json(json, generation).expect("a command")
}

fn client_hello(generation: Generation) -> AnyPacket {
    let json = match generation {
        Generation::Gob => {
            r#"{"packet":"ClientHelloPacket","AppName":"faults","ClientSecret":"","ProtocolVersion":""}"#
        }
        Generation::Marshal => {
            r#"{"packet":"ClientHelloPacket","PID":1,"AppName":"faults","Host":"h","ClientSecret":"","ProtocolVersion":""}"#
        }
    };
    AnyPacket::from_json(json, generation).expect("a hello")
}

/// The funclog ID of a serve event or of a packet's JSON.
fn funclog_id(event: &Json) -> u64 {
    event["packet"]["FuncLog"]["ID"]
        .as_u64()
        .unwrap_or_else(|| panic!("not a funclog event: {event}"))
}

/// How a peer goes away.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    /// A clean close (FIN).
    Close,
    /// A reset (RST), as a close with unread bytes or a crash gives.
    Reset,
    /// A Shutdown packet, the socket left open (and read).
    Shutdown,
    /// Its sending side shut (FIN), while it goes on reading.
    HalfClose,
    /// A close with bytes from the peer still unread, which the kernel
    /// answers with a reset (the peer sends a packet the faulty side does
    /// not read, then it closes).
    CloseUnread,
}

/// Every way a peer goes away; a client cannot leave bytes from serve
/// unread (serve sends nothing unasked), so it has no `CloseUnread`.
const FAULTS: [Fault; 5] = [
    Fault::Close,
    Fault::Reset,
    Fault::Shutdown,
    Fault::HalfClose,
    Fault::CloseUnread,
];
const CLIENT_FAULTS: [Fault; 4] = [
    Fault::Close,
    Fault::Reset,
    Fault::Shutdown,
    Fault::HalfClose,
];

/// Keeps reading and dropping what comes until the peer closes: the socket
/// of a peer that went away only in part stays open.
fn drain(mut stream: TcpStream) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut buf = vec![0u8; 64 * 1024];
        while matches!(stream.read(&mut buf).await, Ok(n) if n > 0) {}
    })
}

/// Does `fault` to a connection; what keeps the rest of it open, if any.
async fn go_away(
    mut stream: TcpStream,
    fault: Fault,
    shutdown_frame: Vec<u8>,
) -> Option<JoinHandle<()>> {
    match fault {
        Fault::Close | Fault::CloseUnread => None,
        Fault::Reset => {
            stream.set_zero_linger().expect("SO_LINGER 0");
            None
        }
        Fault::Shutdown => {
            stream.write_all(&shutdown_frame).await.expect("Shutdown");
            Some(drain(stream))
        }
        Fault::HalfClose => {
            stream.shutdown().await.expect("shutting the sending side");
            Some(drain(stream))
        }
    }
}

/// A server on a socket that answers the hello through the protocol's own
/// state machine, then does what the test says.
struct FakeServer {
    stream: TcpStream,
    session: ServerSession,
    funclogs: Vec<AnyPacket>,
}

impl FakeServer {
    async fn accept(listener: &TcpListener) -> FakeServer {
        let (stream, _) = listener.accept().await.expect("accepting");
        let mut server = FakeServer {
            stream,
            session: ServerSession::new(&SessionConfig::default(), None),
            funclogs: Vec::new(),
        };
        server.read_until(|s| s.session.is_established()).await;
        server
    }

    /// Reads (answering what needs an answer) until `done`.
    async fn read_until(&mut self, done: impl Fn(&FakeServer) -> bool) {
        let mut buf = vec![0u8; 64 * 1024];
        while !done(self) {
            let n = self
                .stream
                .read(&mut buf)
                .await
                .expect("reading the client");
            assert!(n > 0, "the client closed first");
            self.session
                .handle_input(&buf[..n])
                .expect("the client's bytes");
            while let Some(event) = self.session.poll_event() {
                if let ServerEvent::FuncLog(packet) = event {
                    self.funclogs.push(packet);
                }
            }
            let out = self.session.take_output();
            self.stream.write_all(&out).await.expect("answering");
        }
    }

    async fn funclogs(&mut self, n: usize) {
        self.read_until(|s| s.funclogs.len() >= n).await;
    }

    /// The frame of `packet` as this server would send it.
    fn frame(&mut self, packet: &AnyPacket) -> Vec<u8> {
        self.session.send(packet).expect("a packet for the client");
        self.session.take_output()
    }

    async fn go_away(mut self, fault: Fault) -> Option<JoinHandle<()>> {
        self.session.close();
        let shutdown = self.session.take_output();
        go_away(self.stream, fault, shutdown).await
    }
}

/// A client on a socket, through the protocol's own state machine.
struct FakeClient {
    stream: TcpStream,
    session: ClientSession,
    /// Bytes written so far: the stream offset of the next frame.
    sent: u64,
}

impl FakeClient {
    async fn connect(address: &str, generation: Generation) -> FakeClient {
        let hostport = address.strip_prefix("tcp://").expect("a tcp address");
        let stream = TcpStream::connect(hostport).await.expect("connecting");
        let session = ClientSession::new(client_hello(generation), &SessionConfig::default())
            .expect("a client session");
        let mut client = FakeClient {
            stream,
            session,
            sent: 0,
        };
        let hello = client.session.take_output();
        client.write(&hello).await;
        let mut buf = vec![0u8; 4096];
        while !client.session.is_established() {
            let n = client.stream.read(&mut buf).await.expect("reading");
            assert!(n > 0, "the server closed during the handshake");
            client
                .session
                .handle_input(&buf[..n])
                .expect("the server's bytes");
        }
        let hello = client.session.poll_event();
        assert!(
            matches!(hello, Some(ClientEvent::Established(_))),
            "{hello:?}"
        );
        client
    }

    fn frame(&mut self, packet: &AnyPacket) -> Vec<u8> {
        self.session.send(packet).expect("a packet for the server");
        self.session.take_output()
    }

    /// The next thing the server said.
    async fn next_event(&mut self) -> ClientEvent {
        let mut buf = vec![0u8; 4096];
        loop {
            if let Some(event) = self.session.poll_event() {
                return event;
            }
            let n = self.stream.read(&mut buf).await.expect("reading");
            assert!(n > 0, "the server closed");
            self.session
                .handle_input(&buf[..n])
                .expect("the server's bytes");
        }
    }

    async fn write(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.expect("sending");
        self.sent += bytes.len() as u64;
    }

    async fn send(&mut self, packet: &AnyPacket) {
        let frame = self.frame(packet);
        self.write(&frame).await;
    }

    async fn go_away(mut self, fault: Fault) -> Option<JoinHandle<()>> {
        self.session.close();
        let shutdown = self.session.take_output();
        go_away(self.stream, fault, shutdown).await
    }
}

async fn loopback() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binding");
    let address = format!("tcp://{}", listener.local_addr().unwrap());
    (listener, address)
}

/// `serve` on a free port, with `args`; its address.
async fn serve(args: &[&str]) -> (Proc, String) {
    let mut all = vec!["serve", "--listen", "tcp://127.0.0.1:0"];
    all.extend_from_slice(args);
    let mut serve = Proc::cli(&all);
    let address = serve_address(&mut serve).await;
    (serve, address)
}

/// Waits for a child to exit, at most `limit`; its status and stderr.
async fn exited(proc: &mut Proc, limit: Duration) -> (std::process::ExitStatus, String) {
    let status = tokio::time::timeout(limit, proc.child.wait())
        .await
        .expect("the process did not exit in time")
        .expect("waiting for the process");
    (status, proc.stderr().await)
}

/// One run of `send` against a server that takes one funclog, waits with
/// the input idle, and goes away by `fault`.
async fn send_sees_the_server_go_away(generation: Generation, fault: Fault) {
    let (listener, address) = loopback().await;
    let mut send = Proc::cli(&[
        "send",
        "--connect",
        &address,
        "--generation",
        generation.name(),
    ]);
    let mut server = FakeServer::accept(&listener).await;
    send.write_line(&funclog_json(generation, 1)).await;
    server.funclogs(1).await;
    // The input stays open and idle: more could come at any time (tokio's
    // wait() would close a stdin left in the child).
    let mut sent = 1;
    if fault == Fault::CloseUnread {
        send.write_line(&funclog_json(generation, 2)).await;
        sent += 1;
    }
    let _input = send.child.stdin.take();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let went = Instant::now();
    let _rest = server.go_away(fault).await;
    let (status, stderr) = exited(&mut send, Duration::from_secs(10)).await;
    let took = went.elapsed();
    let context = format!("{generation:?} {fault:?}: {stderr}");
    assert_eq!(status.code(), Some(1), "{context}");
    assert!(took < AT_ONCE, "{context}: noticed after {took:?}");
    let were = if sent == 1 {
        "packet was"
    } else {
        "packets were"
    };
    assert!(
        stderr.contains(&format!(
            "the server closed the connection: {sent} input {were} sent, the rest of the input \
             was not"
        )),
        "{context}"
    );
}

#[tokio::test]
async fn send_notices_at_once_each_way_the_server_goes_away_while_its_input_is_idle() {
    tokio::time::timeout(LIMIT, async {
        let mut runs = tokio::task::JoinSet::new();
        for generation in GENERATIONS {
            for fault in FAULTS {
                runs.spawn(send_sees_the_server_go_away(generation, fault));
            }
        }
        while let Some(run) = runs.join_next().await {
            run.expect("a run panicked");
        }
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn net_client_hears_at_once_of_each_way_the_server_goes_away() {
    tokio::time::timeout(LIMIT, async {
        for generation in GENERATIONS {
            for fault in FAULTS {
                let context = format!("{generation:?} {fault:?}");
                let (listener, address) = loopback().await;
                let options = ClientOptions {
                    generation,
                    ..ClientOptions::default()
                };
                let address = address.parse().unwrap();
                let (client, server) = tokio::join!(
                    Client::connect(&address, options),
                    FakeServer::accept(&listener)
                );
                let mut client = client.expect("connecting");
                if fault == Fault::CloseUnread {
                    client.send(&funclog(generation, 1)).await.unwrap();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                let went = Instant::now();
                let _rest = server.go_away(fault).await;
                let mut events = Vec::new();
                let ended = tokio::time::timeout(AT_ONCE, async {
                    while let Some(event) = client.next_event().await {
                        events.push(event);
                    }
                })
                .await;
                assert!(
                    ended.is_ok(),
                    "{context}: not over after {AT_ONCE:?}: {events:?}"
                );
                let took = went.elapsed();
                match (fault, events.as_slice()) {
                    (Fault::Close | Fault::HalfClose, []) => {}
                    (Fault::Shutdown, [Ok(ClientEvent::Shutdown)]) => {}
                    (Fault::Reset | Fault::CloseUnread, [Err(NetError::Io(e))])
                        if e.kind() == std::io::ErrorKind::ConnectionReset => {}
                    _ => panic!("{context}: unexpected events {events:?}"),
                }
                // Nothing more is accepted, and the caller hears so.
                let refused = client.send(&funclog(generation, 1)).await;
                assert!(
                    refused.is_err(),
                    "{context}: a send after the end was accepted"
                );
                assert!(took < AT_ONCE, "{context}: {took:?}");
            }
        }
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn serve_reports_at_once_each_way_a_client_goes_away() {
    tokio::time::timeout(LIMIT, async {
        let (mut serve, address) = serve(&[]).await;
        let mut id = 0;
        for generation in GENERATIONS {
            for fault in CLIENT_FAULTS {
                id += 1;
                let context = format!("{generation:?} {fault:?}");
                let mut client = FakeClient::connect(&address, generation).await;
                assert_eq!(serve.next().await["event"], "connected", "{context}");
                for i in 1..=2 {
                    client.send(&funclog(generation, i)).await;
                }
                for i in 1..=2 {
                    let event = serve.next().await;
                    assert_eq!(funclog_id(&event), i, "{context}: {event}");
                }
                let went = Instant::now();
                let _rest = client.go_away(fault).await;
                let event = serve.next().await;
                let took = went.elapsed();
                let reason = match fault {
                    Fault::Close | Fault::HalfClose => "client closed the connection",
                    Fault::Reset | Fault::CloseUnread => "client reset the connection",
                    Fault::Shutdown => "client sent Shutdown",
                };
                assert_eq!(
                    event,
                    serde_json::json!({"event": "disconnected", "client": id, "reason": reason}),
                    "{context}"
                );
                assert!(took < AT_ONCE, "{context}: reported after {took:?}");
            }
        }
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_client_gone_inside_a_frame_loses_nothing_before_it() {
    tokio::time::timeout(LIMIT, async {
        let (mut serve, address) = serve(&[]).await;
        for (generation, fault) in [
            (Generation::Gob, Fault::Close),
            (Generation::Marshal, Fault::Close),
            (Generation::Gob, Fault::Reset),
        ] {
            let context = format!("{generation:?} {fault:?}");
            let mut client = FakeClient::connect(&address, generation).await;
            assert_eq!(serve.next().await["event"], "connected", "{context}");
            let mut bytes = Vec::new();
            for i in 1..=3 {
                bytes.extend(client.frame(&funclog(generation, i)));
            }
            let fourth = client.frame(&funclog(generation, 4));
            client.write(&bytes).await;
            // Where the fourth frame starts in the stream (the hello counts).
            let offset = client.sent;
            client.write(&fourth[..fourth.len() / 2]).await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            let _rest = client.go_away(fault).await;
            for i in 1..=3 {
                let event = serve.next().await;
                assert_eq!(funclog_id(&event), i, "{context}: {event}");
            }
            let event = serve.next().await;
            assert_eq!(event["event"], "disconnected", "{context}: {event}");
            let cut = format!(
                "input ends inside the frame at byte {offset} ({} of {} bytes)",
                fourth.len() / 2,
                fourth.len()
            );
            let expected = match fault {
                Fault::Reset => format!("client reset the connection; {cut}, discarded"),
                _ => cut,
            };
            assert_eq!(event["reason"], expected.as_str(), "{context}");
        }
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_server_gone_inside_a_frame_is_reported_by_send_and_loses_nothing_before_it() {
    tokio::time::timeout(LIMIT, async {
        for generation in GENERATIONS {
            let (listener, address) = loopback().await;
            let mut send = Proc::cli(&[
                "send",
                "--connect",
                &address,
                "--generation",
                generation.name(),
            ]);
            let mut server = FakeServer::accept(&listener).await;
            assert_eq!(send.next().await["packet"], "ServerHelloPacket");
            send.write_line(&funclog_json(generation, 1)).await;
            server.funclogs(1).await;
            let _input = send.child.stdin.take();
            let command = start_trace(generation);
            let mut bytes = server.frame(&command);
            let second = server.frame(&command);
            bytes.extend(&second[..second.len() - 3]);
            server.stream.write_all(&bytes).await.unwrap();
            tokio::time::sleep(Duration::from_millis(100)).await;
            drop(server);
            let (status, stderr) = exited(&mut send, Duration::from_secs(10)).await;
            let context = format!("{generation:?}: {stderr}");
            assert_eq!(
                send.next().await,
                serde_json::from_str::<Json>(&command.to_json()).unwrap()
            );
            assert_eq!(status.code(), Some(1), "{context}");
            assert!(
                stderr.contains(
                    "the server closed the connection inside a frame, which was discarded: input \
                     ends inside the frame"
                ),
                "{context}"
            );
            assert!(
                stderr.contains("1 input packet was sent, the rest of the input was not"),
                "{context}"
            );
        }
    })
    .await
    .expect("the test took too long");
}

/// The resident set and its peak, in KiB, of a running process.
fn memory_kib(pid: &str) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

#[tokio::test]
async fn a_server_that_stops_reading_holds_sends_memory_and_is_reported_after_the_write_timeout() {
    tokio::time::timeout(LIMIT, async {
        let generation = Generation::Gob;
        let (listener, address) = loopback().await;
        let mut send = Proc::cli(&["send", "--connect", &address, "--write-timeout", "2"]);
        // The server answers the hello, then reads nothing more.
        let _server = FakeServer::accept(&listener).await;
        let pid = send.pid();
        // A producer that writes as fast as send takes: it is held back
        // once the socket is full and send stops reading its input.
        let mut stdin = send.child.stdin.take().unwrap();
        let chunk: String = (1..=600)
            .map(|i| funclog_json(generation, i) + "\n")
            .collect();
        const CAP: usize = 400 << 20;
        let producer = tokio::spawn(async move {
            let mut written = 0usize;
            while written < CAP {
                if stdin.write_all(chunk.as_bytes()).await.is_err() {
                    break;
                }
                written += chunk.len();
            }
            written
        });
        let mut peak = 0;
        let status = loop {
            if let Some((_, hwm)) = memory_kib(&pid) {
                peak = hwm;
            }
            match tokio::time::timeout(Duration::from_millis(100), send.child.wait()).await {
                Ok(status) => break status.unwrap(),
                Err(_) => continue,
            }
        };
        let written = producer.await.unwrap();
        let stderr = send.stderr().await;
        assert_eq!(status.code(), Some(1), "{stderr}");
        assert!(
            stderr
                .contains("the server stopped reading: it took no bytes for 2s (--write-timeout)"),
            "{stderr}"
        );
        assert!(
            stderr.contains("input packets were sent, the rest of the input was not"),
            "{stderr}"
        );
        // What the kernel's buffers hold, and no more: the input was held
        // back rather than read into memory.
        assert!(
            written < 64 << 20,
            "send took {written} bytes of input from a stalled server"
        );
        assert!(peak < 64 << 10, "send's peak RSS was {peak} KiB");
        eprintln!("stalled server: send took {written} bytes of input, peak RSS {peak} KiB");
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_client_that_stops_reading_is_closed_after_the_write_timeout_and_holds_up_no_other() {
    tokio::time::timeout(LIMIT, async {
        let generation = Generation::Gob;
        let (mut serve, address) = serve(&["--write-timeout", "6", "--idle-timeout", "30"]).await;
        // Client 1 says hello, then reads nothing; client 2 reads.
        let stalled = FakeClient::connect(&address, generation).await;
        assert_eq!(serve.next().await["event"], "connected");
        let mut other = FakeClient::connect(&address, generation).await;
        assert_eq!(serve.next().await["event"], "connected");
        // More commands for client 1 than the socket's buffers hold (about
        // 150 bytes a frame), then one for client 2.
        const LINES: usize = 60_000;
        let command = start_trace(generation).to_json();
        let mut input = format!("{{\"client\":1,\"packet\":{command}}}\n").repeat(LINES);
        input += &format!("{{\"client\":2,\"packet\":{command}}}\n");
        let mut stdin = serve.child.stdin.take().unwrap();
        let producer = tokio::spawn(async move {
            stdin.write_all(input.as_bytes()).await.unwrap();
            stdin
        });

        // Client 2's command goes out, and its funclog comes in, while
        // client 1 is still being waited for.
        let (mut sent, mut refused) = (0usize, 0usize);
        loop {
            let event = serve.next().await;
            match (event["event"].as_str(), event["client"].as_u64()) {
                (Some("command"), Some(1)) => sent += 1,
                (Some("error"), Some(1)) => {
                    let error = event["error"].as_str().unwrap();
                    assert!(
                        error.contains("commands already wait for client 1"),
                        "{event}"
                    );
                    refused += 1;
                }
                (Some("command"), Some(2)) => break,
                _ => panic!("unexpected {event}"),
            }
        }
        assert!(refused > 0 && sent > 1000, "sent {sent}, refused {refused}");
        let event = other.next_event().await;
        assert!(matches!(event, ClientEvent::StartTrace(_)), "{event:?}");
        other.send(&funclog(generation, 7)).await;
        let event = serve.next().await;
        assert_eq!(
            (event["client"].as_u64(), funclog_id(&event)),
            (Some(2), 7),
            "{event}"
        );

        // Then client 1 is given up, and every one of its commands is
        // accounted for: sent, or reported as not sent.
        let mut stall = None;
        let mut disconnected = false;
        while sent + refused < LINES || !disconnected {
            let event = serve.next().await;
            match event["event"].as_str() {
                Some("command") => sent += 1,
                Some("error") => {
                    refused += 1;
                    let error = event["error"].as_str().unwrap();
                    if error.contains("the peer took no bytes for 6s, this side's write timeout") {
                        stall = Some(event.clone());
                    }
                }
                Some("disconnected") => {
                    assert_eq!(event["client"], 1, "{event}");
                    assert_eq!(event["reason"], "the client did not take a frame in time");
                    disconnected = true;
                }
                _ => panic!("unexpected {event}"),
            }
        }
        assert_eq!(sent + refused, LINES);
        eprintln!("stalled client: {sent} commands sent, {refused} reported as not sent");
        assert!(stall.is_some(), "no error named the write timeout");
        drop(producer.await.unwrap());
        drop(stalled);
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn a_frame_one_byte_at_a_time_over_seconds_is_taken_within_the_idle_timeout() {
    tokio::time::timeout(LIMIT, async {
        // Client to serve: each frame takes 1.5 s, three of them 4.5 s,
        // more than the idle timeout; each one finishes well within it.
        let (mut serve, address) = serve(&["--idle-timeout", "4"]).await;
        let generation = Generation::Gob;
        let mut client = FakeClient::connect(&address, generation).await;
        assert_eq!(serve.next().await["event"], "connected");
        for i in 1..=3 {
            let frame = client.frame(&funclog(generation, i));
            let gap = Duration::from_millis(1500) / frame.len() as u32;
            for byte in frame {
                client.stream.write_all(&[byte]).await.unwrap();
                tokio::time::sleep(gap).await;
            }
            let event = serve.next().await;
            assert_eq!(funclog_id(&event), i, "{event}");
        }
        let _rest = client.go_away(Fault::Shutdown).await;
        let event = serve.next().await;
        assert_eq!(event["reason"], "client sent Shutdown", "{event}");

        // Server to send: a command one byte at a time.
        for generation in GENERATIONS {
            let (listener, address) = loopback().await;
            let mut send = Proc::cli(&[
                "send",
                "--connect",
                &address,
                "--generation",
                generation.name(),
            ]);
            let mut server = FakeServer::accept(&listener).await;
            assert_eq!(send.next().await["packet"], "ServerHelloPacket");
            let command = start_trace(generation);
            let frame = server.frame(&command);
            let gap = Duration::from_millis(1500) / frame.len() as u32;
            for byte in frame {
                server.stream.write_all(&[byte]).await.unwrap();
                tokio::time::sleep(gap).await;
            }
            assert_eq!(
                send.next().await,
                serde_json::from_str::<Json>(&command.to_json()).unwrap()
            );
            drop(send.child.stdin.take());
            let (status, stderr) = exited(&mut send, Duration::from_secs(10)).await;
            assert!(status.success(), "{generation:?}: {stderr}");
        }
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn peers_stopped_and_continued_within_the_timeouts_go_on() {
    tokio::time::timeout(LIMIT, async {
        // Each stop comes right after serve took a frame, so that the
        // idle time runs from there: the pause leaves 3.5 s to spare.
        let pause = Duration::from_millis(2500);
        for generation in GENERATIONS {
            let context = format!("{generation:?}");
            let (mut serve, address) = serve(&["--idle-timeout", "6"]).await;
            let mut send = Proc::cli(&[
                "send",
                "--connect",
                &address,
                "--generation",
                generation.name(),
            ]);
            assert_eq!(serve.next().await["event"], "connected", "{context}");
            let mut next_id = 1;
            // The client stopped, then continued; then the server.
            for stopped in ["send", "serve"] {
                let before = next_id;
                for _ in 0..3 {
                    send.write_line(&funclog_json(generation, next_id)).await;
                    next_id += 1;
                }
                for id in before..next_id {
                    let event = serve.next().await;
                    assert_eq!(funclog_id(&event), id, "{context}: {event}");
                }
                let target = if stopped == "send" {
                    send.pid()
                } else {
                    serve.pid()
                };
                signal_pid(&target, "STOP");
                let during = next_id;
                for _ in 0..3 {
                    send.write_line(&funclog_json(generation, next_id)).await;
                    next_id += 1;
                }
                tokio::time::sleep(pause).await;
                signal_pid(&target, "CONT");
                for id in during..next_id {
                    let event = serve.next().await;
                    assert_eq!(funclog_id(&event), id, "{context} ({stopped}): {event}");
                }
            }
            drop(send.child.stdin.take());
            let (status, stderr) = exited(&mut send, Duration::from_secs(10)).await;
            assert!(status.success(), "{context}: {stderr}");
            let event = serve.next().await;
            assert_eq!(
                event["reason"], "client sent Shutdown",
                "{context}: {event}"
            );
        }

        // The Go server of go-fixtures stopped and continued under send.
        let mut go = Proc::go_peer("server", Generation::Gob, &[]);
        let address = listening(&mut go).await;
        let mut send = Proc::cli(&["send", "--connect", &address]);
        assert_eq!(go.next().await["event"], "connected");
        send.write_line(&funclog_json(Generation::Gob, 1)).await;
        assert_eq!(funclog_id(&go.next_non_ping().await), 1);
        signal(&go, "STOP");
        for i in 2..=4 {
            send.write_line(&funclog_json(Generation::Gob, i)).await;
        }
        tokio::time::sleep(pause).await;
        signal(&go, "CONT");
        for i in 2..=4 {
            assert_eq!(funclog_id(&go.next_non_ping().await), i);
        }
        drop(send.child.stdin.take());
        let (status, stderr) = exited(&mut send, Duration::from_secs(10)).await;
        assert!(status.success(), "{stderr}");
        assert_eq!(go.next_non_ping().await["event"], "disconnected");
    })
    .await
    .expect("the test took too long");
}
