//! `goapptrace-proto serve`: a log server printing its events.

use std::io::Write;

use clap::Args;
use serde_json::json;
use tokio::io::AsyncBufReadExt;

use super::Failure;
use std::collections::HashMap;

use crate::net::{Address, ClientId, Server, ServerEvent, ServerOptions};
use crate::protocol::{AnyPacket, Generation};

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
    let packet = |p: &AnyPacket| -> serde_json::Value {
        serde_json::from_str(&p.to_json()).unwrap_or(serde_json::Value::Null)
    };
    let value = match event {
        ServerEvent::Connected {
            client,
            generation,
            hello,
        } => json!({
            "event": "connected", "client": client, "generation": generation.name(),
            "hello": packet(hello),
        }),
        ServerEvent::Symbols { client, packet: p } => json!({
            "event": "symbols", "client": client, "packet": packet(p),
        }),
        ServerEvent::FuncLog { client, packet: p } => json!({
            "event": "funclog", "client": client, "packet": packet(p),
        }),
        ServerEvent::CommandSent { client, packet: p } => json!({
            "event": "command", "client": client, "packet": packet(p),
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

/// A command typed on standard input: send `packet` (in the JSON form of
/// the client's generation) to `client`.
#[derive(serde::Deserialize)]
struct Command {
    client: ClientId,
    packet: serde_json::Value,
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
    let mut generations: HashMap<ClientId, Generation> = HashMap::new();
    let stop = stop_signal();
    tokio::pin!(stop);
    loop {
        tokio::select! {
            event = server.next_event() => {
                let Some(event) = event else { break };
                match &event {
                    ServerEvent::Connected { client, generation, .. } => {
                        generations.insert(*client, *generation);
                    }
                    ServerEvent::Disconnected { client, .. } => {
                        generations.remove(client);
                    }
                    _ => {}
                }
                print_event(&event);
            }
            line = stdin.next_line(), if stdin_open => match line {
                Ok(Some(line)) if line.trim().is_empty() => {}
                Ok(Some(line)) => {
                    if let Err(e) = command(&server, &generations, &line).await {
                        eprintln!("goapptrace-proto: command {line:?}: {e}");
                    }
                }
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

async fn command(
    server: &Server,
    generations: &HashMap<ClientId, Generation>,
    line: &str,
) -> Result<(), String> {
    let cmd: Command = serde_json::from_str(line).map_err(|e| e.to_string())?;
    let generation = generations
        .get(&cmd.client)
        .copied()
        .ok_or_else(|| format!("no client {}", cmd.client))?;
    let packet = AnyPacket::from_json_value(cmd.packet, generation).map_err(|e| e.to_string())?;
    server
        .send_command(cmd.client, &packet)
        .await
        .map_err(|e| e.to_string())
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
