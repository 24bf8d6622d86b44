//! `goapptrace-proto serve`: a log server printing its events.

use std::io::Write;

use clap::Args;
use serde_json::json;
use tokio::io::AsyncBufReadExt;

use super::Failure;
use crate::net::{Address, Server, ServerEvent, ServerOptions};
use crate::protocol::Packet;

#[derive(Args)]
pub struct ServeArgs {
    /// Where to listen: tcp://host:port or unix:///path. Default: localhost,
    /// the first free port from 8600 upward.
    #[arg(long)]
    listen: Option<String>,
    /// Refuse clients whose hello does not carry this secret.
    #[arg(long)]
    secret: Option<String>,
}

/// The JSON line for a server event; packets are in the frames commands' form.
pub fn event_json(event: &ServerEvent) -> String {
    let packet = |p: Packet| -> serde_json::Value {
        serde_json::from_str(&p.to_json()).unwrap_or(serde_json::Value::Null)
    };
    let value = match event {
        ServerEvent::Connected { client, hello } => json!({
            "event": "connected", "client": client, "hello": packet(hello.clone().into()),
        }),
        ServerEvent::Symbols { client, packet: p } => json!({
            "event": "symbols", "client": client, "packet": packet(p.clone().into()),
        }),
        ServerEvent::FuncLog { client, packet: p } => json!({
            "event": "funclog", "client": client, "packet": packet(p.clone().into()),
        }),
        ServerEvent::CommandSent { client, packet: p } => json!({
            "event": "command", "client": client, "packet": packet(p.clone()),
        }),
        ServerEvent::Disconnected { client, reason } => json!({
            "event": "disconnected", "client": client, "reason": reason,
        }),
    };
    value.to_string()
}

pub fn run(args: ServeArgs) -> Result<(), Failure> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(serve(args))
}

/// A command typed on standard input: send `packet` to `client`.
#[derive(serde::Deserialize)]
struct Command {
    client: u64,
    packet: Packet,
}

async fn serve(args: ServeArgs) -> Result<(), Failure> {
    let address = args
        .listen
        .as_deref()
        .map(str::parse::<Address>)
        .transpose()?;
    let options = ServerOptions {
        secret: args.secret,
        ..ServerOptions::default()
    };
    let mut server = Server::bind(address.as_ref(), options).await?;
    eprintln!("goapptrace-proto: listening on {}", server.local_addr());

    let mut stdin = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut stdin_open = true;
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            event = server.next_event() => {
                let Some(event) = event else { break };
                print_event(&event);
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) if line.trim().is_empty() => {}
                Ok(Some(line)) => match serde_json::from_str::<Command>(&line) {
                    Ok(cmd) => {
                        if let Err(e) = server.send_command(cmd.client, &cmd.packet).await {
                            eprintln!("goapptrace-proto: command for client {}: {e}", cmd.client);
                        }
                    }
                    Err(e) => eprintln!("goapptrace-proto: bad command {line:?}: {e}"),
                },
                // No more commands; the server goes on.
                Ok(None) | Err(_) => stdin_open = false,
            },
            _ = &mut stop => break,
        }
    }
    eprintln!("goapptrace-proto: stopping");
    for event in server.shutdown().await {
        print_event(&event);
    }
    Ok(())
}

fn print_event(event: &ServerEvent) {
    if let ServerEvent::Disconnected { client, reason } = event {
        eprintln!("goapptrace-proto: client {client} disconnected: {reason}");
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}", event_json(event));
    let _ = out.flush();
}

/// Resolves on Ctrl-C or SIGTERM.
async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
