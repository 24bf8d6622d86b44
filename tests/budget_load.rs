//! A bounded load test of `serve`'s memory budget for incoming frames, run
//! as the real binary: hostile connections announce big frames, send most
//! of them slowly and stall, while honest clients send their traffic. Every
//! honest packet must arrive, in order; serve's peak memory must stay near
//! the budget; every hostile connection must be closed by the idle timeout.
//! The time of the honest traffic is measured with the hostile load and,
//! in a second run, without it.
//!
//! `cargo test` runs it small (seconds, 64 MiB budget). The full size, the
//! issue's proof: the default 512 MiB budget, 50 hostile connections that
//! each announce a 90 MiB frame and send 80 MiB of it, beside 8 honest gob
//! clients of 100 000 funclogs each and a marshal client sending a 20 MiB
//! symbol table:
//!
//!     BUDGET_FULL=1 cargo test --release --test budget_load -- --nocapture

use std::collections::{BTreeMap, HashMap};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use goapptrace_proto::gob::Int;
use goapptrace_proto::net::{Address, Client, ClientOptions};
use goapptrace_proto::protocol::{
    AnyFrameEncoder, AnyPacket, FuncStatusId, Generation, Gid, GoEra, RawFuncLog, RawFuncLogId,
    RawFuncLogNewPacket, TagName, Time, TxId, marshal,
};
use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStdin, Command};
use tokio::sync::mpsc;
use tokio::time::Instant;

const MIB: usize = 1 << 20;
const SECRET: &str = "s3cret";
const IDLE_REASON: &str = "no frame within the idle timeout";
const SHUTDOWN_REASON: &str = "client sent Shutdown";
/// How far above the budget serve's peak RSS may go (code, runtime, the
/// decoded packets and their JSON).
const RSS_SLACK: usize = 64 * MIB;
/// How late after its idle timeout a hostile connection may be seen closed
/// (a loaded two-core machine, events read in order).
const CLOSE_SLACK: Duration = Duration::from_secs(5);
/// Pieces a hostile connection sends its bytes in, spread over part of the
/// idle timeout.
const HOSTILE_PIECES: usize = 128;

struct Size {
    name: &'static str,
    budget: usize,
    idle_timeout: Duration,
    hostile: usize,
    /// The frame size each hostile connection announces (length included).
    hostile_announced: usize,
    /// How much of that frame it sends before it stalls.
    hostile_sent: usize,
    honest_gob: usize,
    funclogs: u64,
    /// The marshal client's symbol table, in bytes on the wire.
    symbol_bytes: usize,
    /// The whole test, both runs.
    limit: Duration,
}

fn size() -> Size {
    if std::env::var_os("BUDGET_FULL").is_some() {
        Size {
            name: "full",
            budget: 512 * MIB,
            idle_timeout: Duration::from_secs(10),
            hostile: 50,
            hostile_announced: 90 * MIB,
            hostile_sent: 80 * MIB,
            honest_gob: 8,
            funclogs: 100_000,
            symbol_bytes: 20 * MIB,
            limit: Duration::from_secs(600),
        }
    } else {
        // The same proportions: five hostile frames fit in the budget and
        // leave room for the honest ones.
        Size {
            name: "small",
            budget: 64 * MIB,
            idle_timeout: Duration::from_secs(2),
            hostile: 12,
            hostile_announced: 11 * MIB,
            hostile_sent: 10 * MIB,
            honest_gob: 3,
            funclogs: 5_000,
            symbol_bytes: 3 * MIB,
            limit: Duration::from_secs(60),
        }
    }
}

// ---------------------------------------------------------------------------
// serve, as a child process

/// A running `goapptrace-proto serve`: its address, its stdin for commands
/// and its stdout as parsed JSON lines. Killed when dropped, so a failed
/// assertion leaves no process behind.
struct Serve {
    child: Child,
    pid: u32,
    hostport: String,
    stdin: ChildStdin,
    lines: mpsc::UnboundedReceiver<Result<Json, String>>,
    stderr: Arc<Mutex<Vec<String>>>,
}

impl Serve {
    async fn start(budget: usize, idle_timeout: Duration) -> Serve {
        let seconds = format!("{}", idle_timeout.as_secs_f64());
        let mut child = Command::new(env!("CARGO_BIN_EXE_goapptrace-proto"))
            .args(["serve", "--listen", "tcp://127.0.0.1:0", "--secret", SECRET])
            .args(["--memory-budget", &budget.to_string()])
            .args(["--idle-timeout", &seconds, "--hello-timeout", &seconds])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("starting serve");
        let pid = child.id().expect("serve's pid");
        let stdin = child.stdin.take().unwrap();
        let lines = read_json_lines(child.stdout.take().unwrap());
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let (address_tx, address_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(keep_stderr(
            child.stderr.take().unwrap(),
            stderr.clone(),
            address_tx,
        ));
        let hostport = tokio::time::timeout(Duration::from_secs(10), address_rx)
            .await
            .expect("serve did not say where it listens within 10 s")
            .expect("serve ended before it listened");
        Serve {
            child,
            pid,
            hostport,
            stdin,
            lines,
            stderr,
        }
    }

    fn address(&self) -> Address {
        Address::Tcp(self.hostport.clone())
    }

    /// Asks for a stats line (it comes among the events).
    async fn ask_stats(&mut self) {
        self.stdin
            .write_all(b"{\"stats\":true}\n")
            .await
            .expect("writing to serve's stdin");
    }

    async fn next_line(&mut self, deadline: Instant, waiting_for: &str) -> Json {
        match tokio::time::timeout_at(deadline, self.lines.recv()).await {
            Ok(Some(Ok(json))) => json,
            Ok(Some(Err(line))) => panic!("serve printed a line that is not JSON: {line:?}"),
            Ok(None) => panic!("serve's stdout ended while waiting for {waiting_for}"),
            Err(_) => panic!("timed out waiting for {waiting_for}"),
        }
    }

    /// The most memory serve has held (VmHWM), in bytes.
    fn peak_rss(&self) -> usize {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid))
            .expect("serve's /proc status");
        let line = status
            .lines()
            .find(|l| l.starts_with("VmHWM:"))
            .expect("VmHWM in /proc status");
        let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
        kib * 1024
    }

    /// Stops serve with SIGTERM; it must exit 0 within 2 s (plus slack).
    /// Returns how long it took.
    async fn stop(mut self) -> Duration {
        let asked = Instant::now();
        let killed = std::process::Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .expect("running kill");
        assert!(killed.success(), "kill -TERM {} failed", self.pid);
        let status = tokio::time::timeout(Duration::from_secs(3), self.child.wait())
            .await
            .expect("serve did not stop within 3 s of SIGTERM")
            .expect("waiting for serve");
        assert!(status.success(), "serve exited with {status}");
        asked.elapsed()
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        // The child itself is killed by kill_on_drop; on a failure, show
        // what serve said.
        if std::thread::panicking() {
            let stderr = self.stderr.lock().unwrap_or_else(|e| e.into_inner());
            let tail = &stderr[stderr.len().saturating_sub(30)..];
            eprintln!("serve's last stderr lines:\n{}", tail.join("\n"));
        }
    }
}

/// Parses serve's stdout, one JSON value a line, in a task of its own so
/// that serve never blocks on a full pipe.
fn read_json_lines(
    stdout: tokio::process::ChildStdout,
) -> mpsc::UnboundedReceiver<Result<Json, String>> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut lines = BufReader::new(stdout).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let parsed = serde_json::from_str(&line).map_err(|_| line);
            if tx.send(parsed).is_err() {
                break;
            }
        }
    });
    rx
}

/// Reads serve's stderr: the listening address first, then every line is
/// kept (shown if the test fails).
async fn keep_stderr(
    stderr: tokio::process::ChildStderr,
    kept: Arc<Mutex<Vec<String>>>,
    address: tokio::sync::oneshot::Sender<String>,
) {
    let mut address = Some(address);
    let mut lines = BufReader::new(stderr).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(rest) = line.strip_prefix("goapptrace-proto: listening on tcp://")
            && let Some(tx) = address.take()
        {
            let _ = tx.send(rest.to_string());
        }
        kept.lock().unwrap_or_else(|e| e.into_inner()).push(line);
    }
}

// ---------------------------------------------------------------------------
// The traffic

fn gob_func_log(client: usize, id: u64) -> AnyPacket {
    RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(id as i64)),
            tag: TagName("funcStart".into()),
            timestamp: Time(id as i64),
            frames: vec![FuncStatusId(client as u64), FuncStatusId(id)],
            gid: Gid(client as i64),
            tx_id: TxId(id),
        }),
    }
    .into()
}

fn marshal_func_log(id: u64) -> AnyPacket {
    marshal::Packet::RawFuncLog(marshal::RawFuncLogPacket {
        func_log: marshal::RawFuncLog {
            id: id as i64,
            tag: 0,
            timestamp: id as i64,
            frames: vec![0x40_1000 + id],
            gid: 1,
            tx_id: id,
        },
    })
    .into()
}

/// Funclogs the marshal client sends after its symbol table.
const MARSHAL_FUNCLOGS: u64 = 2;

fn func_name(i: usize) -> String {
    format!(
        "github.com/example/tracee/internal/handler/pkg{:03}.(*Handler).Step{i:09}",
        i % 1000
    )
}

/// A marshal symbol table of about `bytes` bytes on the wire: functions
/// whose names all have the same length (about 235 000 in 20 MiB).
fn symbol_table(bytes: usize) -> marshal::SymbolPacket {
    // A function is its name (u64 length + bytes) and its entry (u64).
    let per_func = 8 + func_name(0).len() + 8;
    let funcs = (0..bytes / per_func)
        .map(|i| marshal::GoFunc {
            entry: 0x40_1000 + 16 * i as u64,
            name: func_name(i),
        })
        .collect();
    marshal::SymbolPacket {
        files: vec!["/src/tracee/main.go".into()],
        mods: vec![marshal::GoModule {
            name: "github.com/example/tracee".into(),
            min_pc: 0x40_1000,
            max_pc: 0x40_1000 + 16 * (bytes / per_func) as u64,
        }],
        funcs,
        lines: vec![marshal::GoLine {
            pc: 0x40_1000,
            file_id: 0,
            line: 1,
        }],
    }
}

/// Which honest clients a run has, by the app name in their hello.
fn honest_gob_name(index: usize) -> String {
    format!("honest-gob-{index}")
}
const HONEST_MARSHAL_NAME: &str = "honest-marshal";
const HOSTILE_PREFIX: &str = "hostile-";

/// The funclog number `id` (from 1) that the client named `app` sends.
fn expected_funclog(app: &str, id: u64) -> Option<AnyPacket> {
    if app == HONEST_MARSHAL_NAME {
        return (id <= MARSHAL_FUNCLOGS).then(|| marshal_func_log(id));
    }
    let index = app.strip_prefix("honest-gob-")?.parse().ok()?;
    Some(gob_func_log(index, id))
}

async fn honest_gob_client(address: Address, index: usize, funclogs: u64) -> Result<(), String> {
    let options = ClientOptions {
        app_name: honest_gob_name(index),
        secret: SECRET.into(),
        ..ClientOptions::default()
    };
    let client = Client::connect(&address, options)
        .await
        .map_err(|e| e.to_string())?;
    let mut next = 1;
    while next <= funclogs {
        let end = (next + 500).min(funclogs + 1);
        let batch: Vec<AnyPacket> = (next..end).map(|id| gob_func_log(index, id)).collect();
        client.send_all(&batch).await.map_err(|e| e.to_string())?;
        next = end;
    }
    client.close().await.map_err(|e| e.to_string())
}

async fn honest_marshal_client(address: Address, symbols: Arc<AnyPacket>) -> Result<(), String> {
    let options = ClientOptions {
        generation: Generation::Marshal,
        app_name: HONEST_MARSHAL_NAME.into(),
        secret: SECRET.into(),
        ..ClientOptions::default()
    };
    let client = Client::connect(&address, options)
        .await
        .map_err(|e| e.to_string())?;
    client.send(&symbols).await.map_err(|e| e.to_string())?;
    let funclogs: Vec<AnyPacket> = (1..=MARSHAL_FUNCLOGS).map(marshal_func_log).collect();
    client
        .send_all(&funclogs)
        .await
        .map_err(|e| e.to_string())?;
    client.close().await.map_err(|e| e.to_string())
}

/// Runs every honest client of a run side by side; the result is how long
/// they took, until the last one closed (or the first failure).
async fn run_honest_clients(
    gob_clients: usize,
    funclogs: u64,
    address: Address,
    symbols: Arc<AnyPacket>,
) -> Result<Duration, String> {
    let started = Instant::now();
    let mut tasks: Vec<_> = (0..gob_clients)
        .map(|i| tokio::spawn(honest_gob_client(address.clone(), i, funclogs)))
        .collect();
    tasks.push(tokio::spawn(honest_marshal_client(address, symbols)));
    for task in tasks {
        task.await.map_err(|e| e.to_string())??;
    }
    Ok(started.elapsed())
}

/// The first bytes of a hostile connection: a valid marshal hello, then
/// the start of a frame announced as `announced` bytes (a Symbol packet).
fn hostile_opening(index: usize, announced: usize) -> Vec<u8> {
    let hello: AnyPacket = marshal::Packet::ClientHello(marshal::ClientHelloPacket {
        pid: index as u64,
        app_name: format!("{HOSTILE_PREFIX}{index}"),
        host: "localhost".into(),
        client_secret: SECRET.into(),
        protocol_version: "1".into(),
    })
    .into();
    let mut out = Vec::new();
    AnyFrameEncoder::new(Generation::Marshal, GoEra::Original)
        .encode(&hello, &mut out)
        .expect("encoding the hello");
    // The length does not count itself.
    out.extend_from_slice(&(announced as u32 - 4).to_be_bytes());
    out.push(8); // marshal packet type 8: Symbol
    out
}

/// One hostile connection: hello, then `sent` bytes of a frame announced as
/// `announced`, in pieces over `spread`, then silence. It reads (and drops)
/// what the server sends, and ends when the server closes it. A write that
/// blocks (the server does not read) or fails is no failure. Returns the
/// bytes of the frame it managed to send.
async fn hostile_connection(
    hostport: String,
    index: usize,
    announced: usize,
    sent: usize,
    spread: Duration,
) -> usize {
    let stream = TcpStream::connect(&hostport)
        .await
        .expect("a hostile connection");
    let (mut from_server, mut to_server) = stream.into_split();
    let opening = hostile_opening(index, announced);
    let frame_start = 5; // length and packet type
    let piece = vec![0u8; (sent - frame_start).div_ceil(HOSTILE_PIECES)];
    let pause = spread / HOSTILE_PIECES as u32;
    let mut written = 0;
    let send = async {
        if to_server.write_all(&opening).await.is_ok() {
            written = frame_start;
            while written < sent {
                let n = piece.len().min(sent - written);
                if to_server.write_all(&piece[..n]).await.is_err() {
                    break;
                }
                written += n;
                tokio::time::sleep(pause).await;
            }
        }
        // Stall: keep the socket open and send nothing more; only the
        // server's close ends the connection.
        std::future::pending::<()>().await
    };
    let drain = async {
        let mut sink = vec![0u8; 4096];
        while let Ok(n) = from_server.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    tokio::select! {
        _ = send => unreachable!(),
        _ = drain => {}
    }
    written
}

// ---------------------------------------------------------------------------
// What serve reported

/// serve's events, checked as they arrive: each honest client's funclogs
/// in order, its symbols whole; nothing from a hostile connection.
struct Tally {
    started: Instant,
    expected_symbols: Arc<Json>,
    /// The app name of every client that said hello, by id.
    apps: HashMap<u64, String>,
    /// The ID the next funclog of each client must carry.
    next_funclog: HashMap<u64, u64>,
    /// How many symbol tables each client delivered.
    symbols: HashMap<u64, usize>,
    /// Why and when (since the tally began) each client left.
    left: HashMap<u64, (String, Duration)>,
    stats: Vec<Json>,
}

impl Tally {
    fn new(expected_symbols: Arc<Json>) -> Tally {
        Tally {
            started: Instant::now(),
            expected_symbols,
            apps: HashMap::new(),
            next_funclog: HashMap::new(),
            symbols: HashMap::new(),
            left: HashMap::new(),
            stats: Vec::new(),
        }
    }

    fn app(&self, client: u64) -> &str {
        self.apps.get(&client).map_or("(no hello)", String::as_str)
    }

    fn record(&mut self, mut event: Json) {
        let client = event["client"].as_u64();
        match (event["event"].as_str(), client) {
            (Some("connected"), Some(id)) => {
                let app = event["hello"]["AppName"].as_str().unwrap_or_default();
                self.apps.insert(id, app.to_string());
                self.next_funclog.insert(id, 1);
            }
            (Some("funclog"), Some(id)) => {
                let app = self.app(id).to_string();
                let next = self
                    .next_funclog
                    .get_mut(&id)
                    .expect("a funclog before hello");
                let expected = expected_funclog(&app, *next)
                    .unwrap_or_else(|| panic!("an unexpected funclog from {app}: {event}"));
                // Read back as a packet: cheaper than comparing JSON trees,
                // so the test keeps up with serve.
                let got = AnyPacket::from_json_value(event["packet"].take(), expected.generation());
                assert_eq!(got.ok(), Some(expected), "{app}: funclog {next}");
                *next += 1;
            }
            (Some("symbols"), Some(id)) => {
                let app = self.app(id);
                assert_eq!(app, HONEST_MARSHAL_NAME, "symbols from {app}");
                let funcs = event["packet"]["Funcs"].as_array().map_or(0, Vec::len);
                let sent = self.expected_symbols["Funcs"].as_array().unwrap().len();
                assert_eq!(funcs, sent, "functions in the symbols of {app}");
                // Not assert_eq: the values are megabytes.
                assert!(
                    event["packet"] == *self.expected_symbols,
                    "the symbols of {app} are not those sent"
                );
                *self.symbols.entry(id).or_default() += 1;
            }
            (Some("disconnected"), Some(id)) => {
                let reason = event["reason"].as_str().unwrap_or_default().to_string();
                self.left.insert(id, (reason, self.started.elapsed()));
            }
            (Some("stats"), _) => self.stats.push(event),
            _ => panic!("an unexpected event from serve: {event}"),
        }
    }

    /// Takes serve's events until `done` holds.
    async fn pump_until(
        &mut self,
        serve: &mut Serve,
        deadline: Instant,
        waiting_for: &str,
        done: impl Fn(&Tally) -> bool,
    ) {
        while !done(self) {
            let event = serve.next_line(deadline, waiting_for).await;
            self.record(event);
        }
    }

    fn clients_named(&self, prefix: &str) -> Vec<u64> {
        let mut ids: Vec<u64> = self
            .apps
            .iter()
            .filter(|(_, app)| app.starts_with(prefix))
            .map(|(&id, _)| id)
            .collect();
        ids.sort_unstable();
        ids
    }

    fn gone(&self, prefix: &str) -> usize {
        self.clients_named(prefix)
            .iter()
            .filter(|id| self.left.contains_key(id))
            .count()
    }

    /// The one client that said hello as `app`.
    fn client(&self, app: &str) -> u64 {
        let ids: Vec<u64> = self
            .apps
            .iter()
            .filter(|(_, a)| *a == app)
            .map(|(&id, _)| id)
            .collect();
        assert_eq!(ids.len(), 1, "clients that said hello as {app}");
        ids[0]
    }

    fn reason(&self, client: u64) -> &str {
        self.left
            .get(&client)
            .map_or("(still connected)", |(r, _)| r)
    }

    /// Every honest packet arrived and every honest client said goodbye.
    fn assert_honest_traffic_complete(&self, size: &Size) {
        for index in 0..size.honest_gob {
            let app = honest_gob_name(index);
            let id = self.client(&app);
            assert_eq!(self.reason(id), SHUTDOWN_REASON, "why {app} left");
            assert_eq!(
                self.next_funclog[&id] - 1,
                size.funclogs,
                "funclogs of {app}"
            );
        }
        let id = self.client(HONEST_MARSHAL_NAME);
        assert_eq!(
            self.reason(id),
            SHUTDOWN_REASON,
            "why the marshal client left"
        );
        assert_eq!(self.symbols.get(&id), Some(&1), "symbol tables delivered");
        assert_eq!(self.next_funclog[&id] - 1, MARSHAL_FUNCLOGS);
    }

    /// How many hostile connections left for each reason, and when the
    /// last one left.
    fn hostile_closes(&self) -> (BTreeMap<String, usize>, Duration) {
        let mut reasons = BTreeMap::new();
        let mut last = Duration::ZERO;
        for id in self.clients_named(HOSTILE_PREFIX) {
            let (reason, when) = &self.left[&id];
            *reasons.entry(reason.clone()).or_default() += 1;
            last = last.max(*when);
        }
        (reasons, last)
    }
}

/// Asks for the stats until they show a connection waiting for memory.
async fn ask_stats_until_some_wait(serve: &mut Serve, tally: &mut Tally, deadline: Instant) {
    loop {
        serve.ask_stats().await;
        let seen = tally.stats.len();
        tally
            .pump_until(serve, deadline, "a connection waiting for memory", |t| {
                t.stats.len() > seen
            })
            .await;
        if tally.stats.last().unwrap()["waiting"].as_u64() > Some(0) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

// ---------------------------------------------------------------------------
// The runs

struct RunReport {
    /// How long the honest clients took to send everything and close.
    honest_sent: Duration,
    /// How long until serve had printed every honest packet and goodbye.
    honest_delivered: Duration,
    peak_rss: usize,
    stop_time: Duration,
    hostile_reasons: BTreeMap<String, usize>,
    last_hostile_close: Duration,
    /// How many hostile connections managed to send how many bytes.
    hostile_sent: BTreeMap<usize, usize>,
    stats: Vec<Json>,
}

/// One run: serve with the budget, the hostile load if `hostile`, then the
/// honest traffic, timed; every check of the run is made here.
async fn run(size: &Size, symbols: &Arc<AnyPacket>, hostile: bool) -> RunReport {
    let expected_symbols = Arc::new(serde_json::from_str::<Json>(&symbols.to_json()).unwrap());
    let mut serve = Serve::start(size.budget, size.idle_timeout).await;
    let mut tally = Tally::new(expected_symbols);
    // Far beyond what any step should take; the test's own limit is above.
    let deadline = Instant::now() + size.limit / 2;

    let hostile_count = if hostile { size.hostile } else { 0 };
    let spread = size.idle_timeout.mul_f64(0.4);
    let hostile_tasks: Vec<_> = (0..hostile_count)
        .map(|i| {
            tokio::spawn(hostile_connection(
                serve.hostport.clone(),
                i,
                size.hostile_announced,
                size.hostile_sent,
                spread,
            ))
        })
        .collect();
    if hostile {
        // The honest clients come once the budget is taken and some
        // hostile connections wait for memory.
        tally
            .pump_until(&mut serve, deadline, "the hostile hellos", |t| {
                t.clients_named(HOSTILE_PREFIX).len() == hostile_count
            })
            .await;
        let before_the_timeout = tally.started + size.idle_timeout;
        ask_stats_until_some_wait(&mut serve, &mut tally, before_the_timeout).await;
    }

    let honest_started = Instant::now();
    let honest_clients = tokio::spawn(run_honest_clients(
        size.honest_gob,
        size.funclogs,
        serve.address(),
        symbols.clone(),
    ));
    let honest_count = size.honest_gob + 1;
    tally
        .pump_until(&mut serve, deadline, "the honest clients' traffic", |t| {
            t.gone("honest-") == honest_count
        })
        .await;
    let honest_delivered = honest_started.elapsed();
    let honest_sent = honest_clients
        .await
        .expect("honest clients task")
        .expect("an honest client");
    tally.assert_honest_traffic_complete(size);

    if hostile {
        // What the budget looks like after the honest traffic.
        serve.ask_stats().await;
        let seen = tally.stats.len();
        tally
            .pump_until(&mut serve, deadline, "the stats", |t| t.stats.len() > seen)
            .await;
        tally
            .pump_until(
                &mut serve,
                deadline,
                "the hostile connections to close",
                |t| t.gone(HOSTILE_PREFIX) == hostile_count,
            )
            .await;
    }
    // Seen from the hostile side too, serve closed every connection.
    let mut hostile_sent = BTreeMap::new();
    for task in hostile_tasks {
        let sent = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("a hostile connection still open after serve closed it")
            .expect("hostile task");
        *hostile_sent.entry(sent).or_default() += 1;
    }
    let peak_rss = serve.peak_rss();
    let stop_time = serve.stop().await;

    let (hostile_reasons, last_hostile_close) = tally.hostile_closes();
    for stats in &tally.stats {
        assert_eq!(
            stats["budget"].as_u64(),
            Some(size.budget as u64),
            "{stats}"
        );
        assert!(
            stats["reserved"].as_u64().unwrap() <= size.budget as u64,
            "more reserved than the budget: {stats}"
        );
    }
    RunReport {
        honest_sent,
        honest_delivered,
        peak_rss,
        stop_time,
        hostile_reasons,
        last_hostile_close,
        hostile_sent,
        stats: tally.stats,
    }
}

fn mib(bytes: usize) -> String {
    format!("{:.1} MiB", bytes as f64 / MIB as f64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_budget_holds_under_hostile_load_and_honest_traffic_arrives() {
    let size = size();
    tokio::time::timeout(size.limit, async {
        let table = symbol_table(size.symbol_bytes);
        let funcs = table.funcs.len();
        let symbols = Arc::new(AnyPacket::from(marshal::Packet::Symbol(table)));

        let loaded = run(&size, &symbols, true).await;
        let rss_bound = size.budget + RSS_SLACK;
        println!(
            "budget_load ({}): budget {} B, {} hostile connections announcing {} and sending {}, \
             idle timeout {:?}",
            size.name,
            size.budget,
            size.hostile,
            mib(size.hostile_announced),
            mib(size.hostile_sent),
            size.idle_timeout
        );
        println!(
            "  serve's peak RSS: {} (bound {}); stopped {:?} after SIGTERM",
            mib(loaded.peak_rss),
            mib(rss_bound),
            loaded.stop_time
        );
        println!(
            "  hostile closed: {:?}, the last {:?} after the start; frame bytes they sent: {}",
            loaded.hostile_reasons,
            loaded.last_hostile_close,
            loaded
                .hostile_sent
                .iter()
                .rev()
                .map(|(&bytes, count)| format!("{count} x {}", mib(bytes)))
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("  stats seen: {}", loaded.stats.len());
        for stats in &loaded.stats {
            println!("    {stats}");
        }

        assert!(
            loaded.peak_rss < rss_bound,
            "serve's peak RSS {} is over the budget + {}",
            mib(loaded.peak_rss),
            mib(RSS_SLACK)
        );
        assert_eq!(
            loaded.hostile_reasons,
            BTreeMap::from([(IDLE_REASON.to_string(), size.hostile)]),
            "why the hostile connections were closed"
        );
        assert!(
            loaded.last_hostile_close <= size.idle_timeout + CLOSE_SLACK,
            "the last hostile connection was closed {:?} after the start",
            loaded.last_hostile_close
        );
        assert!(
            loaded.stats.iter().any(|s| s["waiting"].as_u64() > Some(0)),
            "no stats showed a connection waiting for memory"
        );

        let unloaded = run(&size, &symbols, false).await;
        println!(
            "  honest traffic ({} gob clients x {} funclogs, a marshal client with {} of \
             symbols, {funcs} functions), sent / delivered: {:?} / {:?} with the hostile load, \
             {:?} / {:?} without (peak RSS without: {})",
            size.honest_gob,
            size.funclogs,
            mib(size.symbol_bytes),
            loaded.honest_sent,
            loaded.honest_delivered,
            unloaded.honest_sent,
            unloaded.honest_delivered,
            mib(unloaded.peak_rss)
        );
    })
    .await
    .expect("the budget load test took too long");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frame_larger_than_the_whole_budget_closes_only_its_connection() {
    const BUDGET: usize = 8 * MIB;
    const FRAME: usize = 9 * MIB;
    const FUNCLOGS: u64 = 2_000;
    tokio::time::timeout(Duration::from_secs(30), async {
        let mut serve = Serve::start(BUDGET, Duration::from_secs(5)).await;
        let mut tally = Tally::new(Arc::new(Json::Null));
        let deadline = Instant::now() + Duration::from_secs(25);

        // An honest client sends half its funclogs before the big frame
        // and half after.
        let options = ClientOptions {
            app_name: honest_gob_name(0),
            secret: SECRET.into(),
            ..ClientOptions::default()
        };
        let honest = Client::connect(&serve.address(), options)
            .await
            .expect("honest client");
        let first: Vec<AnyPacket> = (1..=FUNCLOGS / 2).map(|id| gob_func_log(0, id)).collect();
        honest.send_all(&first).await.expect("first half");

        let mut big = TcpStream::connect(&serve.hostport).await.expect("connect");
        big.write_all(&hostile_opening(0, FRAME))
            .await
            .expect("hello and the big frame's start");
        big.write_all(&[0u8; 4096])
            .await
            .expect("some of the frame");
        tally
            .pump_until(
                &mut serve,
                deadline,
                "the big frame's connection to close",
                |t| t.gone(HOSTILE_PREFIX) == 1,
            )
            .await;
        let reason = tally
            .reason(tally.client(&format!("{HOSTILE_PREFIX}0")))
            .to_string();
        assert!(
            reason.contains(&FRAME.to_string()) && reason.contains(&BUDGET.to_string()),
            "the reason names neither the frame size {FRAME} nor the budget {BUDGET}: {reason}"
        );
        // The server closed the socket, from the sender's side too.
        let mut sink = vec![0u8; 4096];
        let closed = tokio::time::timeout(Duration::from_secs(5), async {
            while let Ok(n) = big.read(&mut sink).await {
                if n == 0 {
                    break;
                }
            }
        })
        .await;
        assert!(closed.is_ok(), "the big frame's socket stayed open");

        let second: Vec<AnyPacket> = (FUNCLOGS / 2 + 1..=FUNCLOGS)
            .map(|id| gob_func_log(0, id))
            .collect();
        honest.send_all(&second).await.expect("second half");
        honest.close().await.expect("close");
        tally
            .pump_until(&mut serve, deadline, "the honest client to finish", |t| {
                t.gone("honest-") == 1
            })
            .await;
        let id = tally.client(&honest_gob_name(0));
        assert_eq!(tally.reason(id), SHUTDOWN_REASON);
        assert_eq!(tally.next_funclog[&id] - 1, FUNCLOGS, "funclogs delivered");
        println!("over budget: {reason}");
        serve.stop().await;
    })
    .await
    .expect("the test took too long");
}
