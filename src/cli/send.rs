//! `goapptrace-proto send`: act as a trace target.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use clap::Args;

use super::Failure;
use super::options::{SessionArgs, run_on_one_thread};
use crate::net::{Address, Client, ClientOptions, NetError, RetryHook};
use crate::protocol::{AnyPacket, ClientEvent, Generation, ProtocolError};
use crate::storage::CompactLogWriter;

#[derive(Args)]
pub struct SendArgs {
    /// The server: tcp://host:port or unix:///path.
    #[arg(long)]
    connect: String,
    /// The application name sent in the hello.
    #[arg(long, default_value = "goapptrace-proto")]
    app: String,
    /// The client secret sent in the hello.
    #[arg(long, default_value = "")]
    secret: String,
    /// The protocol generation to speak: gob or marshal.
    #[arg(long, default_value = "gob")]
    generation: Generation,
    #[command(flatten)]
    session: SessionArgs,
    /// Give up when the server takes no byte for this many seconds (a
    /// server that stopped reading); a slow server that keeps taking bytes
    /// is waited for.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = super::serve::seconds)]
    write_timeout: f64,
    /// When the server cannot be reached, or goes away, write the packets
    /// not yet sent to a compact log at PATH (as a Go tracer does), so that
    /// nothing is lost; `compactlog decode PATH | send ...` replays it.
    /// Marshal generation only.
    #[arg(long, value_name = "PATH")]
    fallback_file: Option<std::path::PathBuf>,
    /// JSON lines of packets to send, or - (the default) for standard input.
    #[arg(default_value = "-")]
    file: String,
}

/// Runs on a runtime of one thread: a single connection keeps one thread
/// busy, and the hand-offs between the worker threads of a larger runtime
/// (the connection's reader, the pinger, the socket's readiness) cost a
/// wake-up each. The input is read by a thread of its own (see
/// [`LineReader`]); the main loop yields to the runtime once per batch
/// and per chunk of input, so that signals, the server's packets and the
/// pings are taken in while the input flows.
pub fn run(args: SendArgs) -> Result<(), Failure> {
    run_on_one_thread(send(args))?
}

fn print_packet(packet: &AnyPacket) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", packet.to_json());
    let _ = out.flush();
}

/// How the sending ended, when it ended before the input did.
enum Stop {
    /// A line could not be read, parsed or sent (exit status 2).
    Failed(Failure),
    /// The connection ended badly (exit status 2).
    Broken(NetError),
    /// The server closed the connection.
    ServerClosed,
    /// The server took no byte for the write timeout; `cut` packets of the
    /// batch under way may not have got through whole.
    Stalled { limit: Duration, cut: u64 },
    /// SIGTERM or Ctrl-C.
    Signal(&'static str),
}

/// How much input is read at once: the lines already read go out together.
const INPUT_CHUNK: usize = 256 * 1024;
/// The chunks read ahead of the one being sent.
const CHUNKS_AHEAD: usize = 2;
/// The most packets one write carries.
const MAX_BATCH: usize = 4096;
/// The longest a queued packet waits for the write that carries it.
const MAX_DELAY: Duration = Duration::from_millis(5);

async fn send(args: SendArgs) -> Result<(), Failure> {
    let address: Address = args.connect.parse()?;
    let generation = args.generation;
    if args.fallback_file.is_some() && generation != Generation::Marshal {
        return Err(Failure::new(
            "--fallback-file writes a compact log, which holds the marshal generation's \
             packets: it needs --generation marshal",
        ));
    }
    let era = args.session.config().era;
    let options = ClientOptions {
        generation,
        host: hostname(),
        app_name: args.app,
        secret: args.secret,
        session: args.session.config(),
        write_timeout: Duration::from_secs_f64(args.write_timeout),
        // The Go client's retries take about 5 s in all: say so as they go.
        on_retry: Some(RetryHook(std::sync::Arc::new(
            |attempt, attempts, e, wait| {
                note!(
                    "goapptrace-proto: connecting: attempt {attempt} of {attempts} failed ({e}); \
                 trying again in {wait:?}"
                )
            },
        ))),
        ..ClientOptions::default()
    };
    let name = if args.file == "-" {
        "<stdin>".to_string()
    } else {
        args.file.clone()
    };
    let reader: Box<dyn Read + Send> = if args.file == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(
            std::fs::File::open(&args.file)
                .map_err(|e| Failure::new(format!("{}: {e}", args.file)))?,
        )
    };
    // Signals are caught from the start: one that comes during the
    // handshake still ends the command cleanly.
    let signal = super::serve::stop_signal();
    tokio::pin!(signal);
    let mut input = LineReader::new(reader);
    let connected = tokio::select! {
        client = Client::connect(&address, options) => client,
        name = &mut signal => return Err(Failure::new(format!("stopped by {name} while connecting"))),
    };
    let mut client = match (connected, &args.fallback_file) {
        (Ok(client), _) => client,
        (Err(e), Some(path)) => {
            let mut spill = Spill::new(path, era, name.clone());
            spill.open()?;
            spill.rest(&mut input, &mut 0, &mut signal).await?;
            return spill.report(&e.to_string(), 0);
        }
        (Err(e), None) => return Err(e.into()),
    };
    print_packet(client.server_hello());

    let mut line_no = 0usize;
    // Packets written to the socket.
    let mut sent = 0u64;
    let (mut batch, mut lines) = (Batch::default(), Vec::new());
    let stop = loop {
        // Every complete line read so far goes out in one write (at most
        // MAX_BATCH lines, and none waits longer than MAX_DELAY).
        let failed = read_batch(
            &mut input,
            generation,
            &name,
            &mut line_no,
            &mut batch,
            &mut lines,
        );
        if !batch.is_empty() {
            let result = client.send_all(batch.packets()).await;
            let count = batch.len() as u64;
            // What did not go out stays in the batch, for a fallback file.
            match result {
                Ok(()) => {
                    sent += count;
                    batch.clear();
                }
                Err(NetError::Batch { index, source })
                    if matches!(*source, NetError::Protocol(ProtocolError::Closed)) =>
                {
                    // The session ended under us (the server went away, or
                    // a ping found it stalled): its events say how.
                    sent += index as u64;
                    batch.remove_first(index);
                    break Some(why_closed(&mut client, generation).await);
                }
                Err(NetError::Batch { index, source }) => {
                    sent += index as u64;
                    let line = lines.get(index).copied().unwrap_or(line_no);
                    break Some(Stop::Failed(Failure::new(format!(
                        "{name}: line {line}: {source}"
                    ))));
                }
                Err(NetError::Io(e)) if is_disconnect(&e) => break Some(Stop::ServerClosed),
                Err(NetError::WriteTimeout(limit)) => {
                    break Some(Stop::Stalled { limit, cut: count });
                }
                Err(e) => {
                    break Some(Stop::Failed(Failure::new(format!(
                        "{name}: line {line_no}: {e}"
                    ))));
                }
            }
            lines.clear();
        }
        if let Some(failure) = failed {
            break Some(Stop::Failed(failure));
        }
        if input.has_line() {
            // More lines are ready: let the runtime take in what came
            // meanwhile (a signal, the server's packets, a ping's tick),
            // without waiting, and go on.
            tokio::task::yield_now().await;
            tokio::select! {
                biased;
                name = &mut signal => break Some(Stop::Signal(name)),
                event = client.next_event() => match on_event(event, generation) {
                    Some(stop) => break Some(stop),
                    None => continue,
                },
                () = std::future::ready(()) => continue,
            }
        }
        if input.at_end() {
            break None;
        }
        tokio::select! {
            filled = input.fill() => if let Err(e) = filled {
                break Some(Stop::Failed(Failure::new(format!("{name}: line {}: {e}", line_no + 1))));
            },
            event = client.next_event() => if let Some(stop) = on_event(event, generation) {
                break Some(stop);
            },
            name = &mut signal => break Some(Stop::Signal(name)),
        }
    };
    let closed = client.close().await;
    if let (Some(path), Some(Stop::ServerClosed | Stop::Stalled { .. } | Stop::Broken(_))) =
        (&args.fallback_file, &stop)
    {
        let under_way = match &stop {
            Some(Stop::Stalled { cut, .. }) => *cut,
            _ => batch.len() as u64,
        };
        let why = match stop {
            Some(Stop::Stalled { limit, .. }) => stalled(limit),
            Some(Stop::Broken(ref e)) => e.to_string(),
            _ => "the server closed the connection".to_string(),
        };
        // The server may close first once it has all; that is fine.
        if matches!(stop, Some(Stop::ServerClosed))
            && batch.is_empty()
            && input_is_done(&mut input).await
        {
            return Ok(());
        }
        let mut spill = Spill::new(path, era, name.clone());
        spill.open()?;
        spill.packets(batch.packets())?;
        spill.rest(&mut input, &mut line_no, &mut signal).await?;
        return spill.report(&why, sent).map(|()| {
            if under_way > 0 {
                note!(
                    "goapptrace-proto: the first {under_way} of them were being written when \
                     the connection failed: some may have reached the server too"
                );
            }
        });
    }
    let rest_not_sent = |what: &str| Failure {
        message: format!(
            "{what}: {sent} input packet{} sent, the rest of the input was not",
            if sent == 1 { " was" } else { "s were" }
        ),
        status: 1,
    };
    match stop {
        Some(Stop::Failed(f)) => Err(f),
        Some(Stop::Broken(e)) => Err(Failure::new(format!(
            "{e} ({sent} input packets were sent)"
        ))),
        Some(Stop::ServerClosed) if input_is_done(&mut input).await => Ok(()),
        Some(Stop::ServerClosed) => Err(rest_not_sent("the server closed the connection")),
        Some(Stop::Stalled { limit, cut }) => {
            let mut failure = rest_not_sent(&stalled(limit));
            if cut > 0 {
                failure.message += &format!(
                    " (of the last {cut} written, some may not have reached the server whole)"
                );
            }
            Err(failure)
        }
        Some(Stop::Signal(signal)) => Err(rest_not_sent(&format!("stopped by {signal}"))),
        None => match closed {
            // The server may close first once it has all; that is fine.
            Err(NetError::Io(e)) if is_disconnect(&e) => Ok(()),
            Err(e) => Err(e.into()),
            Ok(()) => Ok(()),
        },
    }
}

/// What a server that stopped reading is told it did.
fn stalled(limit: Duration) -> String {
    format!("the server stopped reading: it took no bytes for {limit:?} (--write-timeout)")
}

/// Whether an i/o error says the server is gone (a reset rather than a
/// clean close: a server that exits with bytes unread resets).
fn is_disconnect(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionReset | ConnectionAborted | BrokenPipe)
}

/// Whether the input has nothing left but blank lines, judged at once: a
/// pipe that stays open with nothing in it counts as input left.
async fn input_is_done(input: &mut LineReader) -> bool {
    let wait = Duration::from_millis(100);
    loop {
        while let Some(line) = input.next_line() {
            if !line.trim_ascii().is_empty() {
                return false;
            }
        }
        if input.at_end() {
            return true;
        }
        match tokio::time::timeout(wait, input.fill()).await {
            Ok(Ok(())) => continue,
            _ => return false,
        }
    }
}

/// Parses the complete lines already read into `batch`, up to MAX_BATCH
/// packets or MAX_DELAY, and their line numbers into `lines`. A line that
/// fails ends the batch before it, with the failure. Funclogs are read
/// into the packets kept from the last batch, in place, reusing their
/// memory.
fn read_batch(
    input: &mut LineReader,
    generation: Generation,
    name: &str,
    line_no: &mut usize,
    batch: &mut Batch,
    lines: &mut Vec<usize>,
) -> Option<Failure> {
    let started = Instant::now();
    while batch.len() < MAX_BATCH {
        // The clock is read now and then: it costs as much as a line.
        if batch.len() % 64 == 63 && started.elapsed() >= MAX_DELAY {
            break;
        }
        let Some(line) = input.next_line() else {
            break;
        };
        *line_no += 1;
        let fail =
            |message: String| Some(Failure::new(format!("{name}: line {line_no}: {message}")));
        if line.trim_ascii().is_empty() {
            continue;
        }
        // A funclog in the usual shape needs no check of the whole line's
        // UTF-8 first: what it reads is UTF-8.
        if let Some(kept) = batch.kept() {
            if kept.read_funclog_json_bytes(line, generation) {
                batch.take_kept();
                lines.push(*line_no);
                continue;
            }
        } else if let Some(packet) = AnyPacket::funclog_from_json_bytes(line, generation) {
            batch.push(packet);
            lines.push(*line_no);
            continue;
        }
        let text = match std::str::from_utf8(line) {
            Ok(text) => text,
            Err(_) => return fail("the line is not valid UTF-8".into()),
        };
        match AnyPacket::from_json(text, generation) {
            Ok(packet) => batch.push(packet),
            Err(e) => return fail(super::json_error(&e)),
        }
        lines.push(*line_no);
    }
    None
}

/// The packets of a batch: the first `len` of `packets`. Those after them
/// are packets of earlier batches kept for their memory: the next lines
/// are read into them where they are, without moving a packet.
#[derive(Default)]
struct Batch {
    packets: Vec<AnyPacket>,
    len: usize,
}

impl Batch {
    fn packets(&self) -> &[AnyPacket] {
        &self.packets[..self.len]
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn push(&mut self, packet: AnyPacket) {
        match self.packets.get_mut(self.len) {
            Some(kept) => *kept = packet,
            None => self.packets.push(packet),
        }
        self.len += 1;
    }

    /// The packet kept after the batch, if any, to read the next line into.
    fn kept(&mut self) -> Option<&mut AnyPacket> {
        self.packets.get_mut(self.len)
    }

    /// Adds the kept packet that [`Batch::kept`] gave, now read into.
    fn take_kept(&mut self) {
        self.len += 1;
    }

    /// Empties the batch; its packets are kept for the next one.
    fn clear(&mut self) {
        self.len = 0;
    }

    /// Removes the first `count` packets (those sent).
    fn remove_first(&mut self, count: usize) {
        self.packets.drain(..count);
        self.len -= count;
    }
}

/// The input, read by a thread of its own with plain blocking reads (a
/// file and standard input alike) and handed over in large chunks of whole
/// lines, then cut into lines here. The thread starts at the first
/// [`LineReader::fill`]: nothing is read before the input is wanted.
struct LineReader {
    /// The input, until the thread takes it.
    source: Option<Box<dyn Read + Send>>,
    chunks: Option<tokio::sync::mpsc::Receiver<std::io::Result<Chunk>>>,
    /// Where used chunks go back to the thread, whose next reads reuse them.
    used: Option<std::sync::mpsc::Sender<Vec<u8>>>,
    /// The chunk being cut into lines.
    chunk: Chunk,
    /// How much of `chunk` has been handed out as lines.
    start: usize,
    end_of_input: bool,
}

/// A piece of the input: whole lines, but for the input's last piece,
/// which may end without a line end.
struct Chunk {
    /// Initialized memory (reused from read to read without clearing it),
    /// of which the first `len` bytes are the input.
    bytes: Vec<u8>,
    len: usize,
}

impl Chunk {
    fn input(&self) -> &[u8] {
        &self.bytes[..self.len]
    }
}

impl LineReader {
    fn new(source: Box<dyn Read + Send>) -> Self {
        LineReader {
            source: Some(source),
            chunks: None,
            used: None,
            chunk: Chunk {
                bytes: Vec::new(),
                len: 0,
            },
            start: 0,
            end_of_input: false,
        }
    }

    /// Waits for more input (or its end, or a read error). Cancel-safe.
    async fn fill(&mut self) -> std::io::Result<()> {
        // Input read ahead is ready at once: the runtime first takes in
        // what else came (a signal above all), as it would wait for input.
        tokio::task::yield_now().await;
        if let Some(source) = self.source.take() {
            let (chunks, taken) = tokio::sync::mpsc::channel(CHUNKS_AHEAD);
            let (used, returned) = std::sync::mpsc::channel();
            std::thread::Builder::new()
                .name("send-input".into())
                .spawn(move || read_chunks(source, chunks, returned))?;
            self.chunks = Some(taken);
            self.used = Some(used);
        }
        let Some(chunks) = self.chunks.as_mut() else {
            self.end_of_input = true;
            return Ok(());
        };
        match chunks.recv().await {
            Some(Ok(mut chunk)) => {
                let rest = &self.chunk.input()[self.start..];
                // Not so with the thread's chunks (only the last one ends
                // inside a line), but a line is kept whole all the same;
                // the chunk's memory still goes back.
                let joined = (!rest.is_empty()).then(|| {
                    let mut joined = rest.to_vec();
                    joined.extend_from_slice(chunk.input());
                    chunk.len = joined.len();
                    std::mem::replace(&mut chunk.bytes, joined)
                });
                let previous = std::mem::replace(&mut self.chunk, chunk).bytes;
                self.start = 0;
                if let Some(back) = &self.used {
                    for bytes in joined.into_iter().chain([previous]) {
                        // A thread that has ended takes no more.
                        let _ = back.send(bytes);
                    }
                }
                Ok(())
            }
            Some(Err(e)) => Err(e),
            None => {
                self.end_of_input = true;
                Ok(())
            }
        }
    }

    /// The next complete line read, without its line end; at the end of
    /// the input also a last line that has none.
    fn next_line(&mut self) -> Option<&[u8]> {
        let rest = &self.chunk.input()[self.start..];
        // The memchr crate's search is vectorized (std's goes a word at a
        // time): a tenth of send's time went to finding line ends.
        let (line, used) = match memchr::memchr(b'\n', rest) {
            Some(end) => (&rest[..end], end + 1),
            None if self.end_of_input && !rest.is_empty() => (rest, rest.len()),
            None => return None,
        };
        self.start += used;
        Some(line.strip_suffix(b"\r").unwrap_or(line))
    }

    /// Whether a complete line is waiting.
    fn has_line(&self) -> bool {
        let rest = &self.chunk.input()[self.start..];
        memchr::memchr(b'\n', rest).is_some() || (self.end_of_input && !rest.is_empty())
    }

    /// Whether the input has ended and every line was handed out.
    fn at_end(&self) -> bool {
        self.end_of_input && self.start == self.chunk.len
    }
}

/// The input thread: reads `source` into chunks of [`INPUT_CHUNK`] bytes
/// (more for a longer line) and sends each as soon as it holds a whole
/// line, the part of a line after its last line end moved to the next
/// chunk. Ends at the end of the input (after its last piece), at a read
/// error (after sending it), or when the reader is gone.
fn read_chunks(
    mut source: Box<dyn Read + Send>,
    chunks: tokio::sync::mpsc::Sender<std::io::Result<Chunk>>,
    used: std::sync::mpsc::Receiver<Vec<u8>>,
) {
    let fresh = || vec![0u8; INPUT_CHUNK];
    let mut bytes = fresh();
    let mut made = 1;
    let mut filled = 0;
    loop {
        if filled == bytes.len() {
            // A line longer than the chunk: room for more of it.
            bytes.resize(2 * filled, 0);
        }
        let read = match source.read(&mut bytes[filled..]) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = chunks.blocking_send(Err(e));
                return;
            }
        };
        if read == 0 {
            if filled > 0 {
                let _ = chunks.blocking_send(Ok(Chunk { bytes, len: filled }));
            }
            return;
        }
        let new = filled..filled + read;
        filled += read;
        let Some(last_end) = memchr::memrchr(b'\n', &bytes[new.clone()]) else {
            continue;
        };
        let lines = new.start + last_end + 1;
        // A chunk given back is reused if it is of full size (the reader's
        // first, empty one is not); the chunks are made once, as many as
        // can be under way at once.
        let mut next = match used.try_recv() {
            Ok(given_back) if given_back.len() >= INPUT_CHUNK => usual_size(given_back),
            _ if made < CHUNKS_AHEAD + 2 => {
                made += 1;
                fresh()
            }
            // All under way: the reader gives one back as it takes the
            // next from the channel.
            _ => loop {
                match used.recv() {
                    Ok(given_back) if given_back.len() >= INPUT_CHUNK => {
                        break usual_size(given_back);
                    }
                    Ok(_) => continue,
                    Err(_) => return,
                }
            },
        };
        let part = filled - lines;
        if next.len() < part {
            next.resize(part, 0);
        }
        next[..part].copy_from_slice(&bytes[lines..filled]);
        let full = std::mem::replace(&mut bytes, next);
        filled = part;
        if chunks
            .blocking_send(Ok(Chunk {
                bytes: full,
                len: lines,
            }))
            .is_err()
        {
            return;
        }
    }
}

/// A chunk given back, at [`INPUT_CHUNK`] bytes again if it grew for a
/// long line: one long line does not hold its memory for the whole run.
fn usual_size(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() > INPUT_CHUNK {
        bytes.truncate(INPUT_CHUNK);
        bytes.shrink_to_fit();
    }
    bytes
}

/// How a session that ended by itself ended, from the events left (the
/// server's last packets are printed).
async fn why_closed(client: &mut Client, generation: Generation) -> Stop {
    let wait = Duration::from_secs(1);
    loop {
        match tokio::time::timeout(wait, client.next_event()).await {
            Ok(event) => {
                if let Some(stop) = on_event(event, generation) {
                    return stop;
                }
            }
            Err(_) => return Stop::ServerClosed,
        }
    }
}

/// Prints what the server said; how the sending stops, if it does.
fn on_event(event: Option<Result<ClientEvent, NetError>>, generation: Generation) -> Option<Stop> {
    match event {
        Some(Ok(event)) => {
            print_event(event, generation);
            None
        }
        Some(Err(NetError::Io(e))) if is_disconnect(&e) => Some(Stop::ServerClosed),
        // Pings go out while the input is idle: the pinger noticed.
        Some(Err(NetError::WriteTimeout(limit))) => Some(Stop::Stalled { limit, cut: 0 }),
        // The server went away in the middle of a frame: the part is
        // dropped, and said so.
        Some(Err(NetError::Protocol(e @ ProtocolError::Truncated { .. }))) => {
            note!(
                "goapptrace-proto: warning: the server closed the connection inside a frame, \
                 which was discarded: {e}"
            );
            Some(Stop::ServerClosed)
        }
        Some(Err(e)) => Some(Stop::Broken(e)),
        None => Some(Stop::ServerClosed),
    }
}

fn print_event(event: ClientEvent, generation: Generation) {
    match event {
        ClientEvent::Established(p) | ClientEvent::StartTrace(p) | ClientEvent::StopTrace(p) => {
            print_packet(&p)
        }
        ClientEvent::Ping => print_packet(&AnyPacket::ping(generation)),
        ClientEvent::Shutdown => print_packet(&AnyPacket::shutdown(generation)),
        ClientEvent::BadFrame(bad) => note!(
            "goapptrace-proto: warning: skipped a frame from the server at byte {} ({} bytes) \
             that does not decode: {}",
            bad.offset,
            bad.len,
            bad.reason
        ),
    }
}

/// The host name for a marshal-generation hello, as Go's `os.Hostname`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}

/// The compact log that takes the packets the server did not get.
struct Spill {
    path: std::path::PathBuf,
    era: crate::protocol::GoEra,
    name: String,
    log: Option<CompactLogWriter<std::io::BufWriter<std::fs::File>>>,
    written: u64,
}

impl Spill {
    fn new(path: &std::path::Path, era: crate::protocol::GoEra, name: String) -> Spill {
        Spill {
            path: path.to_path_buf(),
            era,
            name,
            log: None,
            written: 0,
        }
    }

    fn failure(&self, e: impl std::fmt::Display) -> Failure {
        Failure::new(format!(
            "{}: {e} ({} packets were written to it before)",
            self.path.display(),
            self.written
        ))
    }

    /// Makes the file (or empties it), as a Go tracer does when it starts
    /// writing to one.
    fn open(&mut self) -> Result<(), Failure> {
        let file = std::fs::File::create(&self.path).map_err(|e| self.failure(e))?;
        self.log = Some(CompactLogWriter::new(
            std::io::BufWriter::new(file),
            self.era,
        ));
        Ok(())
    }

    fn packets(&mut self, packets: &[AnyPacket]) -> Result<(), Failure> {
        let Some(log) = self.log.as_mut() else {
            return Ok(());
        };
        for packet in packets {
            if let Err(e) = log.write_packet(packet) {
                let failure = self.failure(e);
                return Err(failure);
            }
            self.written += 1;
        }
        Ok(())
    }

    /// Writes the rest of the input, to its end; a line that does not parse
    /// ends it as it would have ended the sending.
    async fn rest(
        &mut self,
        input: &mut LineReader,
        line_no: &mut usize,
        signal: &mut (impl Future<Output = &'static str> + Unpin),
    ) -> Result<(), Failure> {
        let (mut batch, mut lines) = (Batch::default(), Vec::new());
        loop {
            let failed = read_batch(
                input,
                Generation::Marshal,
                &self.name,
                line_no,
                &mut batch,
                &mut lines,
            );
            self.packets(batch.packets())?;
            batch.clear();
            lines.clear();
            if let Some(failure) = failed {
                self.flush()?;
                return Err(failure);
            }
            if input.has_line() {
                continue;
            }
            if input.at_end() {
                return self.flush();
            }
            tokio::select! {
                filled = input.fill() => if let Err(e) = filled {
                    self.flush()?;
                    return Err(Failure::new(format!("{}: line {}: {e}", self.name, *line_no + 1)));
                },
                name = &mut *signal => {
                    self.flush()?;
                    return Err(Failure {
                        message: format!(
                            "stopped by {name}: {} input packets were written to {}, the rest \
                             of the input was not",
                            self.written,
                            self.path.display()
                        ),
                        status: 1,
                    });
                }
            }
        }
    }

    fn flush(&mut self) -> Result<(), Failure> {
        match self.log.as_mut().map(|log| log.flush()) {
            Some(Err(e)) => Err(self.failure(e)),
            _ => Ok(()),
        }
    }

    /// Says what happened: nothing was lost.
    fn report(&self, why: &str, sent: u64) -> Result<(), Failure> {
        note!(
            "goapptrace-proto: {why}: {sent} input packet{} sent; the other {} {} written to {} \
             (a compact log: `goapptrace-proto compactlog decode {}` gives them back)",
            if sent == 1 { " was" } else { "s were" },
            self.written,
            if self.written == 1 { "was" } else { "were" },
            self.path.display(),
            self.path.display(),
        );
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::io::ErrorKind;

    use super::*;

    /// An input that gives its bytes in the pieces given, one or more
    /// reads each (a read takes at most what the reader has room for),
    /// and the errors given between them.
    struct Pieces(VecDeque<Result<Vec<u8>, ErrorKind>>);

    impl Read for Pieces {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            match self.0.front_mut() {
                None => Ok(0),
                Some(Err(kind)) => {
                    let kind = *kind;
                    self.0.pop_front();
                    Err(kind.into())
                }
                Some(Ok(piece)) => {
                    let n = piece.len().min(buf.len());
                    buf[..n].copy_from_slice(&piece[..n]);
                    piece.drain(..n);
                    if piece.is_empty() {
                        self.0.pop_front();
                    }
                    Ok(n)
                }
            }
        }
    }

    /// A reader that hangs fails the test instead of holding up the run.
    const HANG: Duration = Duration::from_secs(60);

    /// Every line of the input, and the read error that ended it, if any.
    async fn all_lines(input: Pieces) -> (Vec<Vec<u8>>, Option<std::io::Error>) {
        let mut reader = LineReader::new(Box::new(input));
        let mut lines = Vec::new();
        let read = async {
            loop {
                while let Some(line) = reader.next_line() {
                    lines.push(line.to_vec());
                }
                if reader.at_end() {
                    return None;
                }
                if let Err(e) = reader.fill().await {
                    return Some(e);
                }
            }
        };
        let error = tokio::time::timeout(HANG, read)
            .await
            .expect("the line reader hung");
        (lines, error)
    }

    /// The lines of `text` as `send` must see them: cut at each `\n`,
    /// without a `\r` before it, the last line kept without a line end.
    fn expected_lines(text: &[u8]) -> Vec<Vec<u8>> {
        let mut lines: Vec<Vec<u8>> = text
            .split(|&b| b == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line).to_vec())
            .collect();
        if text.ends_with(b"\n") || text.is_empty() {
            lines.pop();
        }
        lines
    }

    /// `text` cut into pieces of the sizes given, in turn.
    fn cut(text: &[u8], sizes: &[usize]) -> Pieces {
        let mut pieces = VecDeque::new();
        let mut at = 0;
        for &size in sizes.iter().cycle() {
            if at == text.len() {
                break;
            }
            let end = (at + size).min(text.len());
            pieces.push_back(Ok(text[at..end].to_vec()));
            at = end;
        }
        Pieces(pieces)
    }

    /// Lines of many lengths (blank ones, `\r\n` ends, one longer than two
    /// chunks), several chunks in all, the last one without a line end.
    fn varied_text() -> Vec<u8> {
        let mut text = Vec::new();
        for i in 0..40_000usize {
            let line = format!("{{\"line\":{i},\"pad\":\"{}\"}}", "x".repeat(i % 97));
            text.extend_from_slice(line.as_bytes());
            text.extend_from_slice(match i % 5 {
                0 => b"\r\n",
                1 => b"\n\n",
                _ => b"\n",
            });
            if i == 20_000 {
                text.extend(std::iter::repeat_n(b'y', 2 * INPUT_CHUNK + 3));
                text.push(b'\n');
            }
        }
        text.extend_from_slice(b"last line, no line end");
        text
    }

    #[tokio::test]
    async fn lines_cut_anywhere_by_the_reads_come_out_whole() {
        let text = varied_text();
        assert!(
            text.len() > 4 * INPUT_CHUNK,
            "more input than the chunks made"
        );
        for sizes in [
            &[1, 2, 3, 5, 7, 11, 13][..],
            &[4096, 65_536, 1],
            &[INPUT_CHUNK - 1, INPUT_CHUNK + 1, 77],
            &[usize::MAX],
        ] {
            let (lines, error) = all_lines(cut(&text, sizes)).await;
            assert!(error.is_none(), "{sizes:?}: {error:?}");
            assert!(lines == expected_lines(&text), "{sizes:?}");
        }
    }

    #[tokio::test]
    async fn reads_that_end_at_line_ends_over_more_input_than_the_chunks_lose_nothing() {
        // One line per read: every chunk sent holds whole lines only, so
        // the next one starts empty (from the chunks given back).
        let lines: Vec<Vec<u8>> = (0..20_000)
            .map(|i| format!("line {i} {}\n", "z".repeat(i % 300)).into_bytes())
            .collect();
        let text = lines.concat();
        assert!(
            text.len() > 8 * INPUT_CHUNK,
            "more input than the chunks made"
        );
        let pieces = Pieces(lines.into_iter().map(Ok).collect());
        let (read, error) = all_lines(pieces).await;
        assert!(error.is_none(), "{error:?}");
        assert!(read == expected_lines(&text));
    }

    #[tokio::test]
    async fn a_read_error_comes_after_the_lines_before_it() {
        let pieces = Pieces(VecDeque::from([
            Ok(b"one\ntwo\r\nthree\nhalf".to_vec()),
            // Interrupted reads are tried again, as tokio's were.
            Err(ErrorKind::Interrupted),
            Ok(b" a line\nfour".to_vec()),
            Err(ErrorKind::PermissionDenied),
            Ok(b"never read\n".to_vec()),
        ]));
        let (lines, error) = all_lines(pieces).await;
        let expected: Vec<&[u8]> = vec![b"one", b"two", b"three", b"half a line"];
        assert_eq!(lines, expected);
        assert_eq!(error.map(|e| e.kind()), Some(ErrorKind::PermissionDenied));
    }

    #[tokio::test]
    async fn nothing_is_read_before_the_input_is_wanted() {
        struct Untouchable(std::sync::Arc<std::sync::atomic::AtomicBool>);
        impl Read for Untouchable {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
                Ok(0)
            }
        }
        let touched = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let mut reader = LineReader::new(Box::new(Untouchable(touched.clone())));
        assert!(reader.next_line().is_none() && !reader.has_line() && !reader.at_end());
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!touched.load(std::sync::atomic::Ordering::SeqCst));
        tokio::time::timeout(HANG, reader.fill())
            .await
            .expect("the line reader hung")
            .unwrap();
        assert!(touched.load(std::sync::atomic::Ordering::SeqCst) && reader.at_end());
    }
}
