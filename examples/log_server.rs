//! A log server: appends every funclog of every client to a JSON-lines
//! file, and prints one line per connection when it ends.
//!
//!     cargo run --example log_server -- tcp://127.0.0.1:8600 funclogs.jsonl
//!
//! Its first line on stdout is the address it listens on (give port 0 for
//! any free one). It stops on Ctrl-C (SIGINT).

use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;

use goapptrace_proto::net::{Address, ClientId, Server, ServerEvent, ServerOptions};

/// What is known of a connection until it ends.
struct Connection {
    app: String,
    generation: &'static str,
    funclogs: u64,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, path] = &args[..] else {
        eprintln!("usage: log_server tcp://HOST:PORT|unix:///PATH FILE.jsonl");
        return ExitCode::from(2);
    };
    match run(address, path).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("log_server: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run(address: &str, path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let address: Address = address.parse()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    let mut log = std::io::BufWriter::new(file);
    let mut server = Server::bind(Some(&address), ServerOptions::default()).await?;
    println!("listening on {}", server.local_addr());

    let mut connections: HashMap<ClientId, Connection> = HashMap::new();
    loop {
        let event = tokio::select! {
            event = server.next_event() => event,
            _ = tokio::signal::ctrl_c() => break,
        };
        let Some(event) = event else { break };
        match event {
            ServerEvent::Connected {
                client,
                generation,
                hello,
            } => {
                let app = hello.app_name().unwrap_or_default().to_string();
                let generation = generation.name();
                connections.insert(
                    client,
                    Connection {
                        app,
                        generation,
                        funclogs: 0,
                    },
                );
            }
            ServerEvent::FuncLog { client, packet } => {
                writeln!(
                    log,
                    r#"{{"client":{client},"packet":{}}}"#,
                    packet.to_json()
                )?;
                if let Some(c) = connections.get_mut(&client) {
                    c.funclogs += 1;
                }
            }
            ServerEvent::Disconnected { client, reason } => {
                // Every funclog of the connection is in the file first.
                log.flush()?;
                match connections.remove(&client) {
                    Some(c) => println!(
                        "client {client} ({}, {} generation): {} funclogs; {reason}",
                        c.app, c.generation, c.funclogs
                    ),
                    None => println!("client {client} (no hello): {reason}"),
                }
            }
            _ => {}
        }
    }
    log.flush()?;
    server.shutdown().await;
    Ok(())
}
