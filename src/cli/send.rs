//! `goapptrace-proto send`: act as a trace target.

use std::io::Write;

use clap::Args;
use tokio::io::AsyncBufReadExt;

use super::Failure;
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
    /// JSON lines of packets to send, or - (the default) for standard input.
    #[arg(default_value = "-")]
    file: String,
}

pub fn run(args: SendArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(send(args))
}

fn print_packet(packet: &AnyPacket) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", packet.to_json());
    let _ = out.flush();
}

async fn send(args: SendArgs) -> Result<(), Failure> {
    let address: Address = args.connect.parse()?;
    let generation = args.generation;
    let options = ClientOptions {
        generation,
        host: hostname(),
        app_name: args.app,
        secret: args.secret,
        ..ClientOptions::default()
    };
    let name = if args.file == "-" {
        "<stdin>".to_string()
    } else {
        args.file.clone()
    };
    let reader: Box<dyn tokio::io::AsyncRead + Unpin + Send> = if args.file == "-" {
        Box::new(tokio::io::stdin())
    } else {
        Box::new(
            tokio::fs::File::open(&args.file)
                .await
                .map_err(|e| Failure(format!("{}: {e}", args.file)))?,
        )
    };
    let mut client = Client::connect(&address, options).await?;
    print_packet(client.server_hello());

    let mut lines = tokio::io::BufReader::new(reader).lines();
    let mut line_no = 0usize;
    let mut failure = None;
    let mut server_gone = false;
    loop {
        tokio::select! {
            line = lines.next_line() => {
                line_no += 1;
                let line = match line {
                    Ok(Some(line)) => line,
                    Ok(None) => break,
                    Err(e) => {
                        failure = Some(Failure(format!("{name}: line {line_no}: {e}")));
                        break;
                    }
                };
                if line.trim().is_empty() {
                    continue;
                }
                let sent = match AnyPacket::from_json(&line, generation) {
                    Ok(packet) => client.send(&packet).await.map_err(|e| e.to_string()),
                    Err(e) => Err(e.to_string()),
                };
                if let Err(message) = sent {
                    failure = Some(Failure(format!("{name}: line {line_no}: {message}")));
                    break;
                }
            }
            event = client.next_event(), if !server_gone => match event {
                Some(Ok(event)) => print_event(event, generation),
                Some(Err(e)) => {
                    failure = Some(e.into());
                    break;
                }
                None => server_gone = true,
            },
        }
    }
    let closed = client.close().await;
    match (failure, closed) {
        (Some(f), _) => Err(f),
        (None, Err(NetError::Io(e))) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        (None, Err(e)) => Err(e.into()),
        (None, Ok(())) => Ok(()),
    }
}

fn print_event(event: ClientEvent, generation: Generation) {
    match event {
        ClientEvent::Established(p) | ClientEvent::StartTrace(p) | ClientEvent::StopTrace(p) => {
            print_packet(&p)
        }
        ClientEvent::Ping => print_packet(&AnyPacket::ping(generation)),
        ClientEvent::Shutdown => print_packet(&AnyPacket::shutdown(generation)),
    }
}

/// The host name for a marshal-generation hello, as Go's `os.Hostname`.
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default()
}
