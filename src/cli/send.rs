//! `goapptrace-proto send`: act as a trace target.

use std::io::Write;
use std::time::{Duration, Instant};

use clap::Args;
use tokio::io::{AsyncRead, AsyncReadExt};

use super::Failure;
use super::options::{SessionArgs, run_async};
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

pub fn run(args: SendArgs) -> Result<(), Failure> {
    run_async(send(args))?
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
const INPUT_BUFFER: usize = 256 * 1024;
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
    let reader: Box<dyn AsyncRead + Unpin + Send> = if args.file == "-" {
        Box::new(tokio::io::stdin())
    } else {
        Box::new(
            tokio::fs::File::open(&args.file)
                .await
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
    let (mut batch, mut lines) = (Vec::new(), Vec::new());
    // The packets of the last batch sent, whose memory the next one reuses.
    let mut spare = Vec::new();
    let stop = loop {
        // Every complete line read so far goes out in one write (at most
        // MAX_BATCH lines, and none waits longer than MAX_DELAY).
        let failed = read_batch(
            &mut input,
            generation,
            &name,
            &mut line_no,
            (&mut batch, &mut spare),
            &mut lines,
        );
        if !batch.is_empty() {
            let result = client.send_all(&batch).await;
            let count = batch.len() as u64;
            // What did not go out stays in the batch, for a fallback file.
            match result {
                Ok(()) => {
                    sent += count;
                    // The fewer packets move: usually none (the batch
                    // became the spares, which read_batch emptied).
                    if spare.len() < batch.len() {
                        std::mem::swap(&mut spare, &mut batch);
                    }
                    spare.append(&mut batch);
                }
                Err(NetError::Batch { index, source })
                    if matches!(*source, NetError::Protocol(ProtocolError::Closed)) =>
                {
                    // The session ended under us (the server went away, or
                    // a ping found it stalled): its events say how.
                    sent += index as u64;
                    batch.drain(..index);
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
            // More lines are ready: take in what came meanwhile, without
            // waiting, and go on.
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
        spill.packets(&batch)?;
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
/// into packets taken from `spare` (the last batch's), reusing their memory.
fn read_batch(
    input: &mut LineReader,
    generation: Generation,
    name: &str,
    line_no: &mut usize,
    (batch, spare): (&mut Vec<AnyPacket>, &mut Vec<AnyPacket>),
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
        if let Some(mut packet) = spare.pop() {
            if packet.read_funclog_json_bytes(line, generation) {
                batch.push(packet);
                lines.push(*line_no);
                continue;
            }
            spare.push(packet);
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

/// The input, read in large chunks and cut into lines.
struct LineReader {
    reader: Box<dyn AsyncRead + Unpin + Send>,
    buf: Vec<u8>,
    /// How much of `buf` has been handed out as lines.
    start: usize,
    end_of_input: bool,
}

impl LineReader {
    fn new(reader: Box<dyn AsyncRead + Unpin + Send>) -> Self {
        LineReader {
            reader,
            buf: Vec::with_capacity(INPUT_BUFFER),
            start: 0,
            end_of_input: false,
        }
    }

    /// Reads what input is ready (waiting for some). Cancel-safe.
    async fn fill(&mut self) -> std::io::Result<()> {
        if self.start > 0 {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        self.buf.reserve(INPUT_BUFFER);
        if self.reader.read_buf(&mut self.buf).await? == 0 {
            self.end_of_input = true;
        }
        Ok(())
    }

    /// The next complete line read, without its line end; at the end of
    /// the input also a last line that has none.
    fn next_line(&mut self) -> Option<&[u8]> {
        let rest = &self.buf[self.start..];
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
        let rest = &self.buf[self.start..];
        memchr::memchr(b'\n', rest).is_some() || (self.end_of_input && !rest.is_empty())
    }

    /// Whether the input has ended and every line was handed out.
    fn at_end(&self) -> bool {
        self.end_of_input && self.start == self.buf.len()
    }
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
        let (mut batch, mut lines, mut spare) = (Vec::new(), Vec::new(), Vec::new());
        loop {
            let failed = read_batch(
                input,
                Generation::Marshal,
                &self.name,
                line_no,
                (&mut batch, &mut spare),
                &mut lines,
            );
            self.packets(&batch)?;
            spare.append(&mut batch);
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
