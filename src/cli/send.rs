//! `goapptrace-proto send`: act as a trace target.

use std::io::Write;
use std::time::{Duration, Instant};

use clap::Args;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, Lines};

use super::Failure;
use super::options::{SessionArgs, run_async};
use crate::net::{Address, Client, ClientOptions, NetError};
use crate::protocol::{AnyPacket, ClientEvent, Generation};

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
    /// SIGTERM or Ctrl-C.
    Signal(&'static str),
}

type InputLines = Lines<BufReader<Box<dyn AsyncRead + Unpin + Send>>>;

/// How much input is read at once: the lines already read go out together.
const INPUT_BUFFER: usize = 256 * 1024;
/// The longest a queued packet waits for the write that carries it.
const MAX_DELAY: Duration = Duration::from_millis(5);

async fn send(args: SendArgs) -> Result<(), Failure> {
    let address: Address = args.connect.parse()?;
    let generation = args.generation;
    let options = ClientOptions {
        generation,
        host: hostname(),
        app_name: args.app,
        secret: args.secret,
        session: args.session.config(),
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
    let mut client = tokio::select! {
        client = Client::connect(&address, options) => client?,
        name = &mut signal => return Err(Failure::new(format!("stopped by {name} while connecting"))),
    };
    print_packet(client.server_hello());

    let mut lines: InputLines = BufReader::with_capacity(INPUT_BUFFER, reader).lines();
    let mut line_no = 0usize;
    // Packets written to the socket, and packets queued for the next write.
    let mut sent = 0u64;
    let mut queued = 0u64;
    let mut oldest: Option<Instant> = None;
    let stop = loop {
        tokio::select! {
            line = lines.next_line() => {
                line_no += 1;
                let line = match line {
                    Ok(Some(line)) => line,
                    Ok(None) => break None,
                    Err(e) => break Some(Stop::Failed(Failure::new(format!("{name}: line {line_no}: {e}")))),
                };
                if line.trim().is_empty() {
                    continue;
                }
                let fail = |message: String| {
                    Some(Stop::Failed(Failure::new(format!("{name}: line {line_no}: {message}"))))
                };
                let packet = match AnyPacket::from_json(&line, generation) {
                    Ok(packet) => packet,
                    Err(e) => break fail(e.to_string()),
                };
                if let Err(e) = client.queue(&packet).await {
                    break fail(e.to_string());
                }
                queued += 1;
                // Many frames a write: flush when no further line is ready
                // without waiting, or when the oldest has waited long enough.
                let first = *oldest.get_or_insert_with(Instant::now);
                if lines.get_ref().buffer().contains(&b'\n') && first.elapsed() < MAX_DELAY {
                    continue;
                }
                oldest = None;
                match client.flush().await {
                    Ok(()) => sent += std::mem::take(&mut queued),
                    Err(NetError::Io(e)) if is_disconnect(&e) => break Some(Stop::ServerClosed),
                    Err(e) => break fail(e.to_string()),
                }
            }
            event = client.next_event() => match event {
                Some(Ok(event)) => print_event(event, generation),
                Some(Err(NetError::Io(e))) if is_disconnect(&e) => break Some(Stop::ServerClosed),
                Some(Err(e)) => break Some(Stop::Broken(e)),
                None => break Some(Stop::ServerClosed),
            },
            name = &mut signal => break Some(Stop::Signal(name)),
        }
    };
    // What was queued goes out with the Shutdown.
    let closed = client.close().await;
    if closed.is_ok() {
        sent += queued;
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
        Some(Stop::ServerClosed) if input_is_done(&mut lines).await => Ok(()),
        Some(Stop::ServerClosed) => Err(rest_not_sent("the server closed the connection")),
        Some(Stop::Signal(signal)) => Err(rest_not_sent(&format!("stopped by {signal}"))),
        None => match closed {
            // The server may close first once it has all; that is fine.
            Err(NetError::Io(e)) if is_disconnect(&e) => Ok(()),
            Err(e) => Err(e.into()),
            Ok(()) => Ok(()),
        },
    }
}

/// Whether an i/o error says the server is gone (a reset rather than a
/// clean close: a server that exits with bytes unread resets).
fn is_disconnect(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(e.kind(), ConnectionReset | ConnectionAborted | BrokenPipe)
}

/// Whether the input has nothing left but blank lines, judged at once: a
/// pipe that stays open with nothing in it counts as input left.
async fn input_is_done(lines: &mut InputLines) -> bool {
    let wait = Duration::from_millis(100);
    loop {
        match tokio::time::timeout(wait, lines.next_line()).await {
            Ok(Ok(Some(line))) if line.trim().is_empty() => continue,
            Ok(Ok(None)) => return true,
            _ => return false,
        }
    }
}

fn print_event(event: ClientEvent, generation: Generation) {
    match event {
        ClientEvent::Established(p) | ClientEvent::StartTrace(p) | ClientEvent::StopTrace(p) => {
            print_packet(&p)
        }
        ClientEvent::Ping => print_packet(&AnyPacket::ping(generation)),
        ClientEvent::Shutdown => print_packet(&AnyPacket::shutdown(generation)),
        ClientEvent::BadFrame(bad) => eprintln!(
            "goapptrace-proto: warning: skipped a frame from the server at byte {} ({} bytes) \
             that does not decode: {}",
            bad.offset, bad.len, bad.reason
        ),
    }
}

/// The host name for a marshal-generation hello, as Go's `os.Hostname`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}
