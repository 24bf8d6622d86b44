//! The soak run, `scripts/soak [MINUTES]`; not part of `cargo test`.
//!
//!   cargo bench --bench soak -- [--minutes M] [--rate N] [--reconnect SECONDS]
//!
//! One `goapptrace-proto serve` takes four client streams side by side for
//! M minutes (default 30, fractions allowed): the Go peer client of
//! `go-fixtures` in the gob and in the marshal generation, and
//! `goapptrace-proto send` in both, fed funclog JSON lines by this driver.
//! Each stream sends N funclogs a second (default 1 000), paced by the wall
//! clock, through one client process for SECONDS (default 60); that client
//! ends cleanly (Shutdown, close) and the next starts at once, so each
//! stream reconnects every SECONDS. The streams start 3 s apart; the last
//! connection of a stream is cut short to end with the run. Both clients
//! ping every 3 s on their own; serve prints no event for a ping, so pings
//! are not counted.
//!
//! At the end it prints, one fact a line: the connections made; packets
//! sent (a client's funclogs, counted only when it ended well: `send`
//! exited 0, the Go peer exited 0 having closed the connection itself),
//! received (serve's `funclog` events for that connection, matched to the
//! client through the hello's AppName) and lost; serve's peak RSS
//! (VmHWM), its RSS at one minute and the most after it; serve's open file
//! descriptors before the first client and after the last has gone. It exits with 0
//! only when nothing was lost, every client ended well, every funclog of a
//! connection arrived once and in order, serve ended every connection for
//! its Shutdown, the RSS did not grow after the first minute and serve
//! holds as many descriptors at the end as at the start; otherwise with 1,
//! saying why. The RSS grew when its largest sample after the first minute
//! is more than 10 % and more than 4 MiB above the sample at one minute (a
//! run shorter than two minutes takes its middle instead of one minute).
//!
//! Every child is killed when its guard drops, on a panic, and at the
//! deadline of M minutes + 2 min, which ends the run with status 1.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, TryLockError, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

/// The time between the starts of two streams.
const STAGGER: Duration = Duration::from_secs(3);
/// How often serve's RSS is read.
const SAMPLE_EVERY: Duration = Duration::from_secs(2);
/// The RSS grew when it went above the one-minute figure by more than both.
const GROWTH_RATIO: f64 = 1.10;
const GROWTH_KIB: u64 = 4 * 1024;
/// How long serve may take to report every disconnect after the clients
/// have ended, and to close their descriptors after that.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);
const FD_SETTLE: Duration = Duration::from_secs(5);
/// The reason serve gives for a connection that ended well.
const CLEAN_END: &str = "client sent Shutdown";
/// The Timestamps of the funclogs written to send, as the Go peer's.
const GOB_BASE_TIME: u64 = 1_511_136_000_000_000_000;
const MARSHAL_BASE_TIME: u64 = 1_533_657_600_000_000_000;

struct Options {
    minutes: f64,
    rate: u64,
    reconnect: f64,
}

fn usage(problem: &str) -> ! {
    eprintln!("soak: {problem}");
    eprintln!("usage: cargo bench --bench soak -- [--minutes M] [--rate N] [--reconnect SECONDS]");
    std::process::exit(2);
}

fn parse_args() -> Options {
    let mut options = Options {
        minutes: 30.0,
        rate: 1000,
        reconnect: 60.0,
    };
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    while let Some(arg) = args.next() {
        let (name, value) = match arg.split_once('=') {
            Some((name, value)) => (name.to_string(), Some(value.to_string())),
            None => (arg.clone(), None),
        };
        if name == "--help" || name == "-h" {
            usage("a soak run of serve against send and the Go peer client");
        }
        let value = value
            .or_else(|| args.next())
            .unwrap_or_else(|| usage(&format!("{name} wants a value")));
        let positive = |v: &str| match v.parse::<f64>() {
            Ok(x) if x > 0.0 && x.is_finite() => x,
            _ => usage(&format!("{name} wants a positive number, not {v:?}")),
        };
        match name.as_str() {
            "--minutes" => options.minutes = positive(&value),
            "--reconnect" => options.reconnect = positive(&value),
            "--rate" => {
                options.rate = match value.parse::<u64>() {
                    Ok(n) if n > 0 => n,
                    _ => usage(&format!(
                        "--rate wants a whole number above 0, not {value:?}"
                    )),
                }
            }
            _ => usage(&format!("unknown argument {arg:?}")),
        }
    }
    options
}

// ---------------------------------------------------------------------
// Children, killed whatever happens.

/// The pids of the children alive now, for the deadline and the panic
/// hook. A guarded child is reaped and forgotten under this lock, so a pid
/// in it never belongs to another process.
static LIVE: Mutex<Vec<u32>> = Mutex::new(Vec::new());

fn live() -> MutexGuard<'static, Vec<u32>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

fn kill_pids(pids: &[u32]) {
    if pids.is_empty() {
        return;
    }
    let _ = Command::new("kill")
        .arg("-KILL")
        .args(pids.iter().map(u32::to_string))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Kills every child alive, without waiting long for the lock (a thread
/// that panicked may hold it).
fn kill_every_child() {
    for _ in 0..200 {
        match LIVE.try_lock() {
            Ok(pids) => return kill_pids(&pids),
            Err(TryLockError::Poisoned(pids)) => return kill_pids(&pids.into_inner()),
            Err(TryLockError::WouldBlock) => thread::sleep(Duration::from_millis(5)),
        }
    }
}

/// A child process that is killed and reaped when dropped.
struct Guarded {
    child: Child,
}

impl Guarded {
    fn spawn(what: &str, command: &mut Command) -> Result<Guarded, String> {
        let mut pids = live();
        let child = command
            .spawn()
            .map_err(|e| format!("starting {what}: {e}"))?;
        pids.push(child.id());
        Ok(Guarded { child })
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn try_wait(&mut self) -> Option<ExitStatus> {
        let mut pids = live();
        let status = self.child.try_wait().ok().flatten()?;
        let pid = self.pid();
        pids.retain(|&p| p != pid);
        Some(status)
    }

    /// Its exit status, or `None` when it still runs after `limit`.
    fn wait_for(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        loop {
            if let Some(status) = self.try_wait() {
                return Some(status);
            }
            if Instant::now() >= until {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        let mut pids = live();
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        let pid = self.pid();
        pids.retain(|&p| p != pid);
    }
}

/// Reads a child's output to its end, keeping the last `keep` lines.
fn drain(from: impl Read + Send + 'static, keep: usize) -> thread::JoinHandle<Vec<String>> {
    thread::spawn(move || {
        let mut tail = VecDeque::new();
        let mut reader = BufReader::new(from);
        let mut line = Vec::new();
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
            if tail.len() == keep {
                tail.pop_front();
            }
            tail.push_back(String::from_utf8_lossy(&line).trim_end().to_string());
        }
        tail.into()
    })
}

fn joined_tail(handle: thread::JoinHandle<Vec<String>>) -> String {
    handle.join().unwrap_or_default().join(" | ")
}

// ---------------------------------------------------------------------
// What serve reports.

/// One client connection of a stream.
struct Conn {
    app: String,
    stream: usize,
    /// The funclogs the client sent, once it ended well.
    sent: Option<u64>,
    failure: Option<String>,
    connected: bool,
    received: u64,
    /// The funclog ID expected next, and how many arrived otherwise.
    next_id: u64,
    misordered: u64,
    disconnected: Option<String>,
}

#[derive(Default)]
struct State {
    conns: Vec<Conn>,
    by_app: HashMap<String, usize>,
    by_client: HashMap<u64, usize>,
    funclogs: u64,
    /// Funclogs of a client id no `connected` event named.
    unmatched: u64,
    /// Connections whose AppName is none of the run's.
    strangers: u64,
    /// Events other than connected, funclog, disconnected and stats.
    other_events: BTreeMap<String, u64>,
    bad_lines: u64,
    stats: Option<Json>,
    stdout_closed: bool,
}

#[derive(Default)]
struct Shared {
    state: Mutex<State>,
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until `done` holds or `limit` has passed; whether it holds.
    fn wait_until(&self, limit: Duration, done: impl Fn(&State) -> bool) -> bool {
        let until = Instant::now() + limit;
        let mut state = self.lock();
        loop {
            if done(&state) {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            state = self
                .changed
                .wait_timeout(state, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn add_conn(&self, app: &str, stream: usize, first_id: u64) -> usize {
        let mut state = self.lock();
        let index = state.conns.len();
        state.conns.push(Conn {
            app: app.to_string(),
            stream,
            sent: None,
            failure: None,
            connected: false,
            received: 0,
            next_id: first_id,
            misordered: 0,
            disconnected: None,
        });
        state.by_app.insert(app.to_string(), index);
        index
    }

    fn conn_ended(&self, index: usize, result: Result<u64, String>) {
        let mut state = self.lock();
        match result {
            Ok(sent) => state.conns[index].sent = Some(sent),
            Err(why) => state.conns[index].failure = Some(why),
        }
        self.changed.notify_all();
    }
}

/// Reads serve's events until its stdout ends.
fn read_events(from: impl Read, shared: &Shared) {
    let mut reader = BufReader::with_capacity(256 * 1024, from);
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let event: Json = match serde_json::from_slice(&line) {
            Ok(event) => event,
            Err(_) => {
                shared.lock().bad_lines += 1;
                continue;
            }
        };
        let client = event["client"].as_u64();
        let mut state = shared.lock();
        match (event["event"].as_str(), client) {
            (Some("funclog"), Some(client)) => {
                state.funclogs += 1;
                let id = event["packet"]["FuncLog"]["ID"].as_u64();
                match state.by_client.get(&client).copied() {
                    Some(index) => {
                        let conn = &mut state.conns[index];
                        conn.received += 1;
                        match id {
                            Some(id) if id == conn.next_id => conn.next_id += 1,
                            Some(id) => {
                                conn.misordered += 1;
                                conn.next_id = id + 1;
                            }
                            None => conn.misordered += 1,
                        }
                    }
                    None => state.unmatched += 1,
                }
            }
            (Some("connected"), Some(client)) => {
                let app = event["hello"]["AppName"].as_str().unwrap_or_default();
                match state.by_app.get(app).copied() {
                    Some(index) => {
                        state.conns[index].connected = true;
                        state.by_client.insert(client, index);
                    }
                    None => state.strangers += 1,
                }
            }
            (Some("disconnected"), Some(client)) => {
                let reason = event["reason"].as_str().unwrap_or_default().to_string();
                if let Some(index) = state.by_client.get(&client).copied() {
                    state.conns[index].disconnected = Some(reason);
                }
                shared.changed.notify_all();
            }
            (Some("stats"), _) => {
                state.stats = Some(event);
                shared.changed.notify_all();
            }
            (name, _) => {
                let name = name.unwrap_or("(no event name)").to_string();
                *state.other_events.entry(name).or_default() += 1;
            }
        }
    }
    shared.lock().stdout_closed = true;
    shared.changed.notify_all();
}

// ---------------------------------------------------------------------
// serve's memory and descriptors.

/// A field of /proc/PID/status, in KiB.
fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

fn open_fds(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count())
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

#[derive(Default)]
struct Samples {
    /// (seconds since the clients started, VmRSS in KiB)
    rss: Vec<(f64, u64)>,
    peak_kib: u64,
}

/// Samples serve's RSS until `stop`, printing progress every minute.
fn sample(
    pid: u32,
    started: Instant,
    stop: Arc<AtomicBool>,
    shared: Arc<Shared>,
) -> thread::JoinHandle<Samples> {
    thread::spawn(move || {
        let mut samples = Samples::default();
        let mut next_sample = Instant::now();
        let mut next_report = started + Duration::from_secs(60);
        while !stop.load(Ordering::Relaxed) {
            let now = Instant::now();
            if now >= next_sample {
                if let Some(kib) = status_kib(pid, "VmRSS:") {
                    samples.rss.push((started.elapsed().as_secs_f64(), kib));
                }
                if let Some(kib) = status_kib(pid, "VmHWM:") {
                    samples.peak_kib = samples.peak_kib.max(kib);
                }
                next_sample += SAMPLE_EVERY;
            }
            if now >= next_report {
                let received = shared.lock().funclogs;
                let rss = samples.rss.last().map_or(0, |s| s.1);
                eprintln!(
                    "soak: {:.1} min: serve received {received} funclogs; RSS {}",
                    started.elapsed().as_secs_f64() / 60.0,
                    mib(rss)
                );
                next_report += Duration::from_secs(60);
            }
            thread::sleep(Duration::from_millis(100));
        }
        if let Some(kib) = status_kib(pid, "VmHWM:") {
            samples.peak_kib = samples.peak_kib.max(kib);
        }
        samples
    })
}

// ---------------------------------------------------------------------
// The client streams.

#[derive(Clone, Copy)]
enum Generation {
    Gob,
    Marshal,
}

impl Generation {
    fn name(self) -> &'static str {
        match self {
            Generation::Gob => "gob",
            Generation::Marshal => "marshal",
        }
    }
}

#[derive(Clone, Copy)]
enum Client {
    GoPeer,
    Send,
}

#[derive(Clone, Copy)]
struct Stream {
    client: Client,
    generation: Generation,
}

impl Stream {
    fn name(self) -> String {
        let client = match self.client {
            Client::GoPeer => "go",
            Client::Send => "send",
        };
        format!("{client}-{}", self.generation.name())
    }
}

const STREAMS: [Stream; 4] = [
    Stream {
        client: Client::GoPeer,
        generation: Generation::Gob,
    },
    Stream {
        client: Client::GoPeer,
        generation: Generation::Marshal,
    },
    Stream {
        client: Client::Send,
        generation: Generation::Gob,
    },
    Stream {
        client: Client::Send,
        generation: Generation::Marshal,
    },
];

struct Context {
    rate: u64,
    reconnect: f64,
    address: String,
    cli: PathBuf,
    go_peer: PathBuf,
    shared: Arc<Shared>,
}

/// Runs the connections of one stream, one after the other, from `start`
/// until `end`.
fn run_stream(context: &Context, index: usize, start: Instant, end: Instant) {
    let stream = STREAMS[index];
    thread::sleep(start.saturating_duration_since(Instant::now()));
    let mut next_id = 1;
    for k in 1.. {
        let began = Instant::now();
        let left = end.saturating_duration_since(began).as_secs_f64();
        if left < 1.0 || (k > 1 && left < context.reconnect / 2.0) {
            break;
        }
        let seconds = left.min(context.reconnect);
        let count = (seconds * context.rate as f64).round() as u64;
        let app = format!("soak-{}-{k}", stream.name());
        let conn = context.shared.add_conn(&app, index, next_id);
        let result = match stream.client {
            Client::GoPeer => go_connection(context, stream.generation, &app, count, seconds),
            Client::Send => send_connection(context, stream.generation, &app, next_id, count),
        };
        let failed = result.is_err();
        context.shared.conn_ended(conn, result);
        if stream_ids_continue(stream) {
            next_id += count;
        }
        if failed {
            // Keep to the schedule rather than reconnect in a tight loop.
            thread::sleep(
                (began + Duration::from_secs_f64(seconds))
                    .saturating_duration_since(Instant::now()),
            );
        }
    }
}

/// The Go peer numbers its records from 1 on every connection; the driver
/// numbers send's on through the stream.
fn stream_ids_continue(stream: Stream) -> bool {
    matches!(stream.client, Client::Send)
}

/// One Go peer client sending `count` funclogs at the rate: the count when
/// it ended well.
fn go_connection(
    context: &Context,
    generation: Generation,
    app: &str,
    count: u64,
    seconds: f64,
) -> Result<u64, String> {
    let timeout = format!("{}s", seconds.ceil() as u64 + 60);
    let mut command = Command::new(&context.go_peer);
    command
        .args(["peer", "client", "--connect", &context.address])
        .args(["--generation", generation.name(), "--app", app])
        .args(["--funclogs", &count.to_string()])
        .args(["--rate", &context.rate.to_string(), "--timeout", &timeout])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Guarded::spawn(app, &mut command)?;
    let stdout = drain(child.child.stdout.take().expect("piped stdout"), 3);
    let stderr = drain(child.child.stderr.take().expect("piped stderr"), 5);
    let status = child.wait_for(Duration::from_secs_f64(seconds) + Duration::from_secs(90));
    drop(child);
    let stdout = stdout.join().unwrap_or_default();
    // It exits 0 also after the server ended the connection first; it
    // ended well only when its last event is that it closed.
    let closed = stdout.last().is_some_and(|line| {
        serde_json::from_str::<Json>(line).is_ok_and(|event| event["event"] == "closed")
    });
    let (stdout, stderr) = (stdout.join(" | "), joined_tail(stderr));
    match status {
        Some(status) if status.success() && closed => Ok(count),
        Some(status) => Err(format!("{status}; stdout: {stdout}; stderr: {stderr}")),
        None => Err(format!(
            "still running long after its end, killed; stderr: {stderr}"
        )),
    }
}

/// One `send` fed `count` funclogs, IDs from `first_id`, at the rate; the
/// count when it ended well.
fn send_connection(
    context: &Context,
    generation: Generation,
    app: &str,
    first_id: u64,
    count: u64,
) -> Result<u64, String> {
    let mut command = Command::new(&context.cli);
    command
        .args(["send", "--connect", &context.address])
        .args(["--generation", generation.name(), "--app", app])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = Guarded::spawn(app, &mut command)?;
    let stdout = drain(child.child.stdout.take().expect("piped stdout"), 3);
    let stderr = drain(child.child.stderr.take().expect("piped stderr"), 5);
    let mut stdin = child.child.stdin.take().expect("piped stdin");
    let rate = context.rate as f64;
    let started = Instant::now();
    let mut written = 0;
    let mut lines = String::new();
    let mut write_error = None;
    while written < count {
        // Record i (from 1) is due i/rate seconds after the start.
        let due = ((started.elapsed().as_secs_f64() * rate) as u64).min(count);
        if due == written {
            let next = started + Duration::from_secs_f64((written + 1) as f64 / rate);
            thread::sleep(next.saturating_duration_since(Instant::now()));
            continue;
        }
        lines.clear();
        for id in first_id + written..first_id + due {
            funclog_line(&mut lines, generation, id);
        }
        if let Err(e) = stdin.write_all(lines.as_bytes()) {
            write_error = Some(e);
            break;
        }
        written = due;
    }
    drop(stdin);
    let status = child.wait_for(Duration::from_secs(30));
    drop(child);
    let (stdout, stderr) = (joined_tail(stdout), joined_tail(stderr));
    match (status, write_error) {
        (Some(status), None) if status.success() => Ok(written),
        (status, write_error) => {
            let status = status.map_or(
                "still running 30 s after its input ended, killed".into(),
                |s| s.to_string(),
            );
            let write_error = write_error.map_or(String::new(), |e| {
                format!(" (writing line {} failed: {e})", written + 1)
            });
            Err(format!(
                "{status}{write_error}; stdout: {stdout}; stderr: {stderr}"
            ))
        }
    }
}

/// The funclog JSON line of `id`, built as the Go peer client builds its
/// records.
fn funclog_line(out: &mut String, generation: Generation, id: u64) {
    let frames = format!("[{id},{},{}]", id + 1, id + 2);
    let gid = id % 7;
    let _ = match generation {
        Generation::Gob => {
            let tag = if id % 2 == 1 { "funcStart" } else { "funcEnd" };
            writeln!(
                out,
                r#"{{"packet":"RawFuncLogNewPacket","FuncLog":{{"ID":{id},"Tag":"{tag}","Timestamp":{},"Frames":{frames},"GID":{gid},"TxID":{id}}}}}"#,
                GOB_BASE_TIME + id
            )
        }
        Generation::Marshal => writeln!(
            out,
            r#"{{"packet":"RawFuncLogPacket","FuncLog":{{"ID":{id},"Tag":{},"Timestamp":{},"Frames":{frames},"GID":{gid},"TxID":{id}}}}}"#,
            (id + 1) % 2,
            MARSHAL_BASE_TIME + id
        ),
    };
}

// ---------------------------------------------------------------------

fn go_binary() -> PathBuf {
    std::env::var_os("GO")
        .map(PathBuf::from)
        .unwrap_or_else(|| "go".into())
}

/// Builds the Go peer into target/go-fixtures-bin, as the tests do.
fn build_go_peer(root: &Path) -> PathBuf {
    let out = root.join("target/go-fixtures-bin/go-fixtures");
    let go = go_binary();
    let status = Command::new(&go)
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(root.join("go-fixtures"))
        .status()
        .unwrap_or_else(|e| {
            usage(&format!(
                "cannot run {} ({e}): the soak run needs the Go toolchain (`go` on PATH, or $GO)",
                go.display()
            ))
        });
    if !status.success() {
        eprintln!("soak: go build of go-fixtures failed ({status})");
        std::process::exit(1);
    }
    out
}

/// The address serve listens on, from the first line of its stderr; the
/// rest of its stderr is drained, keeping the last lines.
fn serve_address(stderr: impl Read + Send + 'static) -> (String, thread::JoinHandle<Vec<String>>) {
    let (first_tx, first_rx) = mpsc::channel();
    let rest = thread::spawn(move || {
        let mut reader = BufReader::new(stderr);
        let mut first = String::new();
        let _ = reader.read_line(&mut first);
        let _ = first_tx.send(first.trim_end().to_string());
        drain(reader, 10).join().unwrap_or_default()
    });
    let first = first_rx
        .recv_timeout(Duration::from_secs(10))
        .unwrap_or_default();
    match first.strip_prefix("goapptrace-proto: listening on ") {
        Some(address) => (address.to_string(), rest),
        None => {
            eprintln!("soak: serve did not say where it listens: {first:?}");
            kill_every_child();
            std::process::exit(1);
        }
    }
}

fn main() {
    let options = parse_args();
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        default_hook(info);
        kill_every_child();
        std::process::exit(101);
    }));
    let limit = Duration::from_secs_f64(options.minutes * 60.0 + 120.0);
    thread::spawn(move || {
        thread::sleep(limit);
        eprintln!(
            "soak: still running {:.1} min after the start: killing everything",
            limit.as_secs_f64() / 60.0
        );
        println!("soak: FAILED: the run passed its deadline");
        kill_every_child();
        std::process::exit(1);
    });

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let go_peer = build_go_peer(root);
    let cli = PathBuf::from(env!("CARGO_BIN_EXE_goapptrace-proto"));

    let mut serve = Guarded::spawn(
        "serve",
        Command::new(&cli)
            .args(["serve", "--listen", "tcp://127.0.0.1:0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .unwrap_or_else(|e| usage(&e));
    let serve_pid = serve.pid();
    let mut serve_stdin = serve.child.stdin.take().expect("piped stdin");
    let (address, serve_stderr) = serve_address(serve.child.stderr.take().expect("piped stderr"));
    let shared = Arc::new(Shared::default());
    let events = {
        let stdout = serve.child.stdout.take().expect("piped stdout");
        let shared = shared.clone();
        thread::spawn(move || read_events(stdout, &shared))
    };
    let fds_start = open_fds(serve_pid).unwrap_or(0);
    let rss_start = status_kib(serve_pid, "VmRSS:").unwrap_or(0);
    eprintln!(
        "soak: serve (pid {serve_pid}) listens on {address}; {} min, {} streams at {}/s, a new connection every {} s",
        options.minutes,
        STREAMS.len(),
        options.rate,
        options.reconnect
    );

    let started = Instant::now();
    let end = started + Duration::from_secs_f64(options.minutes * 60.0);
    let stop_sampling = Arc::new(AtomicBool::new(false));
    let sampler = sample(serve_pid, started, stop_sampling.clone(), shared.clone());
    let context = Arc::new(Context {
        rate: options.rate,
        reconnect: options.reconnect,
        address,
        cli,
        go_peer,
        shared: shared.clone(),
    });
    let streams: Vec<_> = (0..STREAMS.len())
        .map(|index| {
            let context = context.clone();
            let start = started + STAGGER * index as u32;
            thread::spawn(move || run_stream(&context, index, start, end))
        })
        .collect();
    for stream in streams {
        stream.join().expect("a stream thread");
    }
    let ran = started.elapsed();

    // Every connection serve saw ends; then its descriptors go back.
    let drained = shared.wait_until(DRAIN_LIMIT, |state| {
        state.stdout_closed
            || state
                .conns
                .iter()
                .all(|c| !c.connected || c.disconnected.is_some())
    });
    let settle = Instant::now() + FD_SETTLE;
    let mut fds_end = open_fds(serve_pid).unwrap_or(0);
    while fds_end != fds_start && Instant::now() < settle {
        thread::sleep(Duration::from_millis(100));
        fds_end = open_fds(serve_pid).unwrap_or(0);
    }
    let _ = serve_stdin.write_all(b"{\"stats\":true}\n");
    let _ = serve_stdin.flush();
    shared.wait_until(Duration::from_secs(5), |state| {
        state.stats.is_some() || state.stdout_closed
    });
    stop_sampling.store(true, Ordering::Relaxed);
    let samples = sampler.join().expect("the sampler");

    // serve stops on SIGTERM with its stdin still open.
    let _ = Command::new("kill")
        .args(["-TERM", &serve_pid.to_string()])
        .status();
    let serve_status = serve.wait_for(Duration::from_secs(10));
    drop(serve);
    drop(serve_stdin);
    let _ = events.join();
    let serve_stderr = serve_stderr.join().unwrap_or_default();

    let failures = report(&Report {
        options: &options,
        ran,
        state: &shared.lock(),
        drained,
        samples: &samples,
        rss_start,
        fds_start,
        fds_end,
        serve_status,
        serve_stderr: &serve_stderr,
    });
    if failures.is_empty() {
        println!("soak: passed");
    } else {
        for failure in &failures {
            println!("soak: FAILED: {failure}");
        }
        std::process::exit(1);
    }
}

struct Report<'a> {
    options: &'a Options,
    ran: Duration,
    state: &'a State,
    drained: bool,
    samples: &'a Samples,
    rss_start: u64,
    fds_start: usize,
    fds_end: usize,
    serve_status: Option<ExitStatus>,
    serve_stderr: &'a [String],
}

/// Prints the summary; returns why the run failed (empty when it passed).
fn report(r: &Report) -> Vec<String> {
    let state = r.state;
    let mut failures = Vec::new();
    println!(
        "soak: {:.1} min, {} streams, {} connections ({} funclogs/s per stream, a new connection every {} s)",
        r.ran.as_secs_f64() / 60.0,
        STREAMS.len(),
        state.conns.len(),
        r.options.rate,
        r.options.reconnect
    );

    // Sent and received count the connections whose client ended well; a
    // failed one is a failure of its own, and what serve had of it is
    // shown apart.
    for (index, stream) in STREAMS.iter().enumerate() {
        let conns: Vec<&Conn> = state.conns.iter().filter(|c| c.stream == index).collect();
        let s: u64 = conns.iter().filter_map(|c| c.sent).sum();
        let got: u64 = conns
            .iter()
            .filter_map(|c| c.sent.map(|_| c.received))
            .sum();
        println!(
            "stream {}: {} connections, sent {s}, received {got}",
            stream.name(),
            conns.len()
        );
    }
    let (mut sent, mut received, mut lost, mut extra) = (0u64, 0u64, 0u64, 0u64);
    let (mut failed, mut received_failed) = (0usize, 0u64);
    for conn in &state.conns {
        match conn.sent {
            Some(s) => {
                sent += s;
                received += conn.received;
                lost += s.saturating_sub(conn.received);
                extra += conn.received.saturating_sub(s);
            }
            None => {
                failed += 1;
                received_failed += conn.received;
            }
        }
        if let Some(why) = &conn.failure {
            failures.push(format!("client {} failed: {why}", conn.app));
        } else if !conn.connected {
            failures.push(format!("serve never reported {} connected", conn.app));
        }
        if conn.misordered > 0 {
            failures.push(format!(
                "{}: {} funclogs arrived out of order or twice",
                conn.app, conn.misordered
            ));
        }
        match &conn.disconnected {
            Some(reason) if reason == CLEAN_END => {}
            Some(reason) => failures.push(format!("serve ended {}: {reason}", conn.app)),
            None if conn.connected => {
                failures.push(format!("serve never reported {} disconnected", conn.app))
            }
            None => {}
        }
    }
    println!("packets sent {sent}, received {received}, lost {lost}");
    if failed > 0 {
        println!("failed connections {failed}, serve received {received_failed} packets of them");
    }
    if lost > 0 {
        failures.push(format!("{lost} packets lost"));
    }
    if extra > 0 {
        failures.push(format!("{extra} packets received more than sent"));
    }
    if state.unmatched > 0 || state.strangers > 0 {
        failures.push(format!(
            "{} funclogs of unknown clients, {} connections of unknown apps",
            state.unmatched, state.strangers
        ));
    }
    for (name, count) in &state.other_events {
        failures.push(format!("serve printed {count} {name:?} events"));
    }
    if state.bad_lines > 0 {
        failures.push(format!(
            "serve printed {} lines that are not JSON",
            state.bad_lines
        ));
    }
    if !r.drained {
        failures.push(format!(
            "serve had not reported every disconnect {} s after the clients ended",
            DRAIN_LIMIT.as_secs()
        ));
    }

    // The RSS at one minute (or the middle of a short run) and after it.
    let mark = (r.ran.as_secs_f64() / 2.0).min(60.0);
    let at_mark = r.samples.rss.iter().find(|s| s.0 >= mark).map(|s| s.1);
    let after = r
        .samples
        .rss
        .iter()
        .filter(|s| s.0 > mark)
        .map(|s| s.1)
        .max();
    let mark_name = if mark >= 60.0 {
        "1 min".to_string()
    } else {
        format!("{mark:.0} s")
    };
    match (at_mark, after) {
        (Some(at), Some(after)) => {
            let grew = after as f64 > at as f64 * GROWTH_RATIO && after > at + GROWTH_KIB;
            println!(
                "server peak RSS {}; {} before the clients, {} at {mark_name}, at most {} after: {}",
                mib(r.samples.peak_kib),
                mib(r.rss_start),
                mib(at),
                mib(after),
                if grew { "grew" } else { "did not grow" }
            );
            if grew {
                failures.push(format!(
                    "serve's RSS grew after {mark_name}: {} to {}",
                    mib(at),
                    mib(after)
                ));
            }
        }
        _ => {
            println!(
                "server peak RSS {}; too few samples to judge growth",
                mib(r.samples.peak_kib)
            );
            failures.push("too few RSS samples".into());
        }
    }

    println!("open fds at start {}, at end {}", r.fds_start, r.fds_end);
    if r.fds_end != r.fds_start {
        failures.push(format!(
            "serve holds {} descriptors at the end, {} at the start",
            r.fds_end, r.fds_start
        ));
    }
    if let Some(stats) = &state.stats {
        println!(
            "server stats at end: connections {}, reserved {}, buffered {}, waiting {}",
            stats["connections"], stats["reserved"], stats["buffered"], stats["waiting"]
        );
    }
    match r.serve_status {
        Some(status) if status.success() => {}
        status => failures.push(format!(
            "serve did not stop cleanly on SIGTERM ({}); its stderr ended: {}",
            status.map_or("still running after 10 s, killed".into(), |s| s.to_string()),
            r.serve_stderr.join(" | ")
        )),
    }
    failures
}
