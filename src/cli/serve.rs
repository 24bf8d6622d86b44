//! `goapptrace-proto serve`: a log server printing its events.

use std::collections::HashMap;
use std::io::Write;
use std::time::Duration;

use clap::Args;
use serde_json::json;
use tokio::io::AsyncBufReadExt;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::Failure;
use super::options::{SessionArgs, run_async};
use crate::net::{
    Address, ClientId, Commands, DEFAULT_MEMORY_BUDGET, Server, ServerEvent, ServerOptions,
    ServerStats,
};
use crate::protocol::{AnyPacket, Generation, LineBuf};

#[derive(Args)]
pub struct ServeArgs {
    /// Where to listen: tcp://host:port or unix:///path. Default: localhost,
    /// the first free port from 8600 upward.
    #[arg(long)]
    listen: Option<String>,
    /// Refuse clients whose hello does not carry this secret.
    #[arg(long)]
    secret: Option<String>,
    #[command(flatten)]
    session: SessionArgs,
    /// The most memory, in bytes, that incoming frame buffers of all
    /// connections hold together; a connection whose next frame does not
    /// fit waits until memory is free.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MEMORY_BUDGET)]
    memory_budget: usize,
    /// Close a connection that delivers no complete frame for this many
    /// seconds after its hello (Go clients ping every 3 s).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = seconds)]
    idle_timeout: f64,
    /// Close a connection that has not said hello within this many seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = seconds)]
    hello_timeout: f64,
    /// Close a connection that takes no byte of what is sent to it for
    /// this many seconds (a client that stopped reading).
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0, value_parser = seconds)]
    write_timeout: f64,
}

/// A positive number of seconds.
pub(super) fn seconds(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(s) if s > 0.0 && s.is_finite() && s < 1e9 => Ok(s),
        _ => Err(format!("{text:?} is not a positive number of seconds")),
    }
}

/// How often the stats are printed while any connection waits for memory.
const STATS_EVERY: Duration = Duration::from_secs(10);

/// Writes the JSON line of a server event; packets are in the frames
/// commands' form, each line written in one piece (funclog lines are the
/// hot path).
fn write_event_json(out: &mut LineBuf, start: &mut LineStart, event: &ServerEvent) {
    let (kind, client, packet) = match event {
        ServerEvent::Connected {
            client,
            generation,
            hello,
        } => {
            let name = generation.name();
            let mut before = Vec::new();
            let _ = write!(
                before,
                r#"{{"event":"connected","client":{client},"generation":"{name}","hello":"#
            );
            hello.write_json_line(out, &before, b"}\n");
            return;
        }
        ServerEvent::Symbols { client, packet } => ("symbols", client, packet),
        ServerEvent::FuncLog { client, packet } => ("funclog", client, packet),
        ServerEvent::CommandSent { client, packet } => ("command", client, packet),
        ServerEvent::BadFrame { client, frame } => {
            let line = json!({
                "event": "bad_frame", "client": client, "offset": frame.offset,
                "len": frame.len, "reason": frame.reason,
            });
            let _ = writeln!(out, "{line}");
            return;
        }
        ServerEvent::Disconnected { client, reason } => {
            let line = json!({"event": "disconnected", "client": client, "reason": reason});
            let _ = writeln!(out, "{line}");
            return;
        }
    };
    packet.write_json_line(out, start.of(kind, *client), b"}\n");
}

/// The start of an event's line, up to its packet: the same for every
/// funclog of a client, made once for a run of them.
#[derive(Default)]
struct LineStart {
    /// The event name and client of `bytes`.
    made_for: Option<(&'static str, ClientId)>,
    bytes: Vec<u8>,
}

impl LineStart {
    fn of(&mut self, event: &'static str, client: ClientId) -> &[u8] {
        let same = self
            .made_for
            .is_some_and(|(e, c)| e == event && c == client);
        if !same {
            self.bytes.clear();
            let _ = write!(
                self.bytes,
                r#"{{"event":"{event}","client":{client},"packet":"#
            );
            self.made_for = Some((event, client));
        }
        &self.bytes
    }
}

/// The JSON line of the server's stats.
pub fn stats_json(stats: &ServerStats) -> String {
    json!({
        "event": "stats", "connections": stats.connections, "budget": stats.memory.budget,
        "reserved": stats.memory.reserved, "buffered": stats.memory.buffered,
        "waiting": stats.memory.waiting,
    })
    .to_string()
}

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    // Not on one thread, although its hand-overs would wake no other
    // thread then (about a tenth of serve's CPU time): the lines are
    // written to standard output with blocking writes, and a second signal
    // must end the server even while such a write is stuck.
    run_async(serve(args))?
}

/// A line on standard input: send `packet` (in the JSON form of the
/// client's generation) to `client`, or print the stats.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Command {
    Send {
        client: ClientId,
        packet: serde_json::Value,
    },
    Stats {
        stats: bool,
    },
}

async fn serve(args: ServeArgs) -> Result<(), Failure> {
    // From here on a signal stops the server cleanly.
    let stop = stop_signal();
    let address = args
        .listen
        .as_deref()
        .map(str::parse::<Address>)
        .transpose()?;
    let options = ServerOptions {
        secret: args.secret,
        session: args.session.config(),
        memory_budget: args.memory_budget,
        idle_timeout: Some(Duration::from_secs_f64(args.idle_timeout)),
        handshake_timeout: Duration::from_secs_f64(args.hello_timeout),
        write_timeout: Duration::from_secs_f64(args.write_timeout),
        ..ServerOptions::default()
    };
    let mut server = Server::bind(address.as_ref(), options).await?;
    note!("goapptrace-proto: listening on {}", server.local_addr());

    let mut out = Lines::default();
    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    let (failures_tx, mut failures) = mpsc::unbounded_channel();
    let mut outboxes = Outboxes::new(server.commands(), failures_tx);
    let mut stats_timer = tokio::time::interval(STATS_EVERY);
    stats_timer.tick().await;
    tokio::pin!(stop);
    let signal = loop {
        tokio::select! {
            event = server.next_event() => {
                let Some(mut event) = event else { break None };
                // Every event waiting now goes out in one write; an
                // interactive reader still sees each at once.
                for written in 1..=BATCH {
                    match &event {
                        ServerEvent::Connected { client, generation, .. } => {
                            outboxes.open(*client, *generation);
                        }
                        ServerEvent::Disconnected { client, .. } => {
                            outboxes.close(*client);
                        }
                        // A command that failed is reported before the
                        // ones after it that went out.
                        ServerEvent::CommandSent { .. } if !failures.is_empty() => {
                            let _ = out.flush();
                            while let Ok(failed) = failures.try_recv() {
                                report(&failed.line, Some(failed.client), &failed.error);
                            }
                        }
                        _ => {}
                    }
                    write_event(&mut out, &event);
                    server.recycle(event);
                    if written == BATCH {
                        break;
                    }
                    match server.try_next_event() {
                        Some(next) => event = next,
                        None => break,
                    }
                }
                let _ = out.flush();
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) if line.trim().is_empty() => {}
                Ok(Some(line)) => command(&server, &mut outboxes, line),
                // No more commands; the server goes on.
                Ok(None) | Err(_) => stdin_open = false,
            },
            Some(failed) = failures.recv() => report(&failed.line, Some(failed.client), &failed.error),
            _ = stats_timer.tick() => {
                let stats = server.stats();
                if stats.memory.waiting > 0 {
                    print_line(&stats_json(&stats));
                }
            }
            name = &mut stop => break Some(name),
        }
    };
    if let Some(name) = signal {
        // The stop is bounded, but a person pressing Ctrl-C twice means now
        // (the handlers are in place before anything else is done, even
        // the note, which a full stderr pipe could hold up).
        let again = stop_signal();
        note!("goapptrace-proto: {name}: stopping (a second signal exits at once)");
        tokio::spawn(async move {
            let name = again.await;
            note!("goapptrace-proto: {name} again: exiting");
            std::process::exit(130);
        });
    } else {
        note!("goapptrace-proto: stopping");
    }
    // Commands still waiting are reported, not dropped.
    outboxes.stop().await;
    while let Ok(failed) = failures.try_recv() {
        report(&failed.line, Some(failed.client), &failed.error);
    }
    for event in server.shutdown().await {
        write_event(&mut out, &event);
    }
    out.flush()?;
    Ok(())
}

/// Carries out one line of standard input; a line that cannot be carried
/// out is reported on stderr and as an `error` event. A command is queued
/// for its client, and reported the same way if it cannot be sent.
fn command(server: &Server, outboxes: &mut Outboxes, line: String) {
    let mut client = None;
    let result = match serde_json::from_str::<Command>(&line).map_err(|e| e.to_string()) {
        Err(e) => Err(e),
        Ok(Command::Stats { stats: true }) => {
            print_line(&stats_json(&server.stats()));
            Ok(())
        }
        Ok(Command::Stats { stats: false }) => Ok(()),
        Ok(Command::Send { client: id, packet }) => {
            client = Some(id);
            return match outboxes.generation(id) {
                None => report(&line, client, &format!("no client {id}")),
                Some(generation) => match AnyPacket::from_json_value(packet, generation) {
                    Ok(packet) => outboxes.queue(id, line, packet),
                    Err(e) => report(&line, client, &e.to_string()),
                },
            };
        }
    };
    if let Err(error) = result {
        report(&line, client, &error);
    }
}

/// Reports a line of standard input that was not carried out.
fn report(line: &str, client: Option<ClientId>, error: &str) {
    note!("goapptrace-proto: command {line:?}: {error}");
    let mut value = json!({"event": "error", "command": line, "error": error});
    if let Some(id) = client {
        value["client"] = json!(id);
    }
    print_line(&value.to_string());
}

/// The most commands that wait for one client; a line beyond that is
/// refused (and reported) rather than held.
const COMMANDS_WAITING: usize = 1024;

/// A command that could not be sent.
struct Failed {
    line: String,
    client: ClientId,
    error: String,
}

/// Commands on their way to the clients, a task for each client: one that
/// stops reading holds up its own commands only, not the server's events
/// nor the other clients.
struct Outboxes {
    commands: Commands,
    queues: HashMap<ClientId, (Generation, mpsc::Sender<(String, AnyPacket)>)>,
    workers: Vec<JoinHandle<()>>,
    failures: mpsc::UnboundedSender<Failed>,
    stop: watch::Sender<bool>,
}

impl Outboxes {
    fn new(commands: Commands, failures: mpsc::UnboundedSender<Failed>) -> Outboxes {
        Outboxes {
            commands,
            queues: HashMap::new(),
            workers: Vec::new(),
            failures,
            stop: watch::channel(false).0,
        }
    }

    fn open(&mut self, client: ClientId, generation: Generation) {
        let (tx, queue) = mpsc::channel(COMMANDS_WAITING);
        self.queues.insert(client, (generation, tx));
        self.workers.retain(|w| !w.is_finished());
        self.workers.push(tokio::spawn(send_commands(
            client,
            self.commands.clone(),
            queue,
            self.failures.clone(),
            self.stop.subscribe(),
        )));
    }

    /// The client is gone: what waits for it is reported as not sent.
    fn close(&mut self, client: ClientId) {
        self.queues.remove(&client);
    }

    fn generation(&self, client: ClientId) -> Option<Generation> {
        self.queues.get(&client).map(|(generation, _)| *generation)
    }

    fn queue(&mut self, client: ClientId, line: String, packet: AnyPacket) {
        let Some((_, tx)) = self.queues.get(&client) else {
            return report(&line, Some(client), &format!("no client {client}"));
        };
        match tx.try_send((line, packet)) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full((line, _))) => report(
                &line,
                Some(client),
                &format!(
                    "{COMMANDS_WAITING} commands already wait for client {client} (it is not \
                     taking bytes): this one was not sent"
                ),
            ),
            Err(mpsc::error::TrySendError::Closed((line, _))) => {
                report(&line, Some(client), &format!("no client {client}"))
            }
        }
    }

    /// Stops sending: every command not yet sent is reported.
    async fn stop(mut self) {
        let _ = self.stop.send(true);
        self.queues.clear();
        for worker in self.workers.drain(..) {
            let _ = worker.await;
        }
    }
}

/// Sends one client its commands in order.
async fn send_commands(
    client: ClientId,
    commands: Commands,
    mut queue: mpsc::Receiver<(String, AnyPacket)>,
    failures: mpsc::UnboundedSender<Failed>,
    mut stop: watch::Receiver<bool>,
) {
    while let Some((line, packet)) = queue.recv().await {
        let result = tokio::select! {
            biased;
            _ = stop.wait_for(|stopped| *stopped) => {
                Err("the server stopped before it was sent".to_string())
            }
            sent = commands.send_command(client, &packet) => sent.map_err(|e| e.to_string()),
        };
        if let Err(error) = result {
            let _ = failures.send(Failed {
                line,
                client,
                error,
            });
        }
    }
}

/// The most events written between two flushes.
const BATCH: usize = 4096;

fn write_event(out: &mut Lines, event: &ServerEvent) {
    match event {
        ServerEvent::Disconnected { client, reason } => {
            note!("goapptrace-proto: client {client} disconnected: {reason}");
        }
        ServerEvent::BadFrame { client, frame } => note!(
            "goapptrace-proto: client {client}: skipped a frame at byte {} ({} bytes) that \
             does not decode: {}",
            frame.offset,
            frame.len,
            frame.reason
        ),
        _ => {}
    }
    write_event_json(&mut out.buf, &mut out.start, event);
}

/// Standard output, through a buffer of whole lines: the lines of a batch
/// of events go out in one write.
#[derive(Default)]
struct Lines {
    buf: LineBuf,
    start: LineStart,
}

impl Lines {
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let written = std::io::stdout().lock().write_all(self.buf.as_bytes());
        self.buf.clear();
        written
    }
}

/// What is buffered still goes out when the server unwinds, as a
/// `BufWriter`'s does.
impl Drop for Lines {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}

fn print_line(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
    let _ = out.flush();
}

/// Resolves on Ctrl-C or SIGTERM, with the signal's name. The handlers are
/// in place when this returns, not only once the future is first polled:
/// a signal that comes before that is not lost.
pub(super) fn stop_signal() -> impl std::future::Future<Output = &'static str> {
    use tokio::signal::unix::{SignalKind, signal};
    let interrupt = signal(SignalKind::interrupt());
    let terminate = signal(SignalKind::terminate());
    async move {
        match (interrupt, terminate) {
            (Ok(mut interrupt), Ok(mut terminate)) => tokio::select! {
                _ = interrupt.recv() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            },
            _ => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::BadFrame;

    /// The line of every kind of event, byte for byte (the line form is a
    /// contract), with the start of a funclog line made again whenever the
    /// event or the client changes.
    #[test]
    fn each_event_is_written_as_its_line() {
        let gob = AnyPacket::ping(Generation::Gob);
        let marshal = AnyPacket::ping(Generation::Marshal);
        // Funclog events carry funclogs: their lines are written by hand.
        let funclog = |generation, tag| {
            let text = format!(
                r#"{{"packet":"{}","FuncLog":{{"ID":7,"Tag":{tag},"Timestamp":-12,"Frames":[4849665,99999999,100000000],"GID":3,"TxID":18446744073709551615}}}}"#,
                match generation {
                    Generation::Gob => "RawFuncLogNewPacket",
                    Generation::Marshal => "RawFuncLogPacket",
                }
            );
            AnyPacket::from_json(&text, generation).expect("a funclog")
        };
        let gob_log = funclog(Generation::Gob, r#""funcEnd""#);
        let marshal_log = funclog(Generation::Marshal, "1");
        let events = [
            ServerEvent::Connected {
                client: 1,
                generation: Generation::Gob,
                hello: gob.clone(),
            },
            ServerEvent::FuncLog {
                client: 1,
                packet: gob_log.clone(),
            },
            ServerEvent::FuncLog {
                client: 1,
                packet: gob_log.clone(),
            },
            ServerEvent::FuncLog {
                client: 22,
                packet: marshal_log.clone(),
            },
            ServerEvent::CommandSent {
                client: 22,
                packet: marshal.clone(),
            },
            ServerEvent::Symbols {
                client: 22,
                packet: marshal.clone(),
            },
            ServerEvent::FuncLog {
                client: 1,
                packet: gob_log.clone(),
            },
            ServerEvent::BadFrame {
                client: 22,
                frame: BadFrame {
                    offset: 7,
                    len: 12,
                    reason: "a \"reason\"".into(),
                },
            },
            ServerEvent::Disconnected {
                client: 1,
                reason: "gone".into(),
            },
        ];
        let (g, m) = (gob.to_json(), marshal.to_json());
        let (gl, ml) = (gob_log.to_json(), marshal_log.to_json());
        let expected = [
            format!(r#"{{"event":"connected","client":1,"generation":"gob","hello":{g}}}"#),
            format!(r#"{{"event":"funclog","client":1,"packet":{gl}}}"#),
            format!(r#"{{"event":"funclog","client":1,"packet":{gl}}}"#),
            format!(r#"{{"event":"funclog","client":22,"packet":{ml}}}"#),
            format!(r#"{{"event":"command","client":22,"packet":{m}}}"#),
            format!(r#"{{"event":"symbols","client":22,"packet":{m}}}"#),
            format!(r#"{{"event":"funclog","client":1,"packet":{gl}}}"#),
            r#"{"event":"bad_frame","client":22,"offset":7,"len":12,"reason":"a \"reason\""}"#
                .to_string(),
            r#"{"event":"disconnected","client":1,"reason":"gone"}"#.to_string(),
        ];
        let (mut out, mut start) = (LineBuf::default(), LineStart::default());
        for event in &events {
            write_event_json(&mut out, &mut start, event);
        }
        let written = String::from_utf8_lossy(out.as_bytes()).into_owned();
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines, expected);
        assert!(written.ends_with('\n'));
    }
}
