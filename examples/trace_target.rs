//! A trace target: connects to a goapptrace server, sends its symbols and a
//! few funclogs, obeys a StartTraceCmd if one comes, and closes with
//! Shutdown.
//!
//!     cargo run --example trace_target -- tcp://localhost:8600 [SECONDS]
//!
//! SECONDS (default 2) is how long it waits for a StartTraceCmd before it
//! closes anyway. Each step is one line on stdout.

use std::process::ExitCode;
use std::time::Duration;

use goapptrace_proto::gob::Int;
use goapptrace_proto::net::{Address, Client, ClientOptions, NetError};
use goapptrace_proto::protocol::{
    AnyPacket, ClientEvent, FuncStatusId, Gid, Packet, RawFuncLog, RawFuncLogId,
    RawFuncLogNewPacket, SymbolPacket, Symbols, TagName, Time, TxId,
};

#[tokio::main]
async fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(address) = args.next() else {
        eprintln!("usage: trace_target tcp://HOST:PORT|unix:///PATH [SECONDS]");
        return ExitCode::from(2);
    };
    let wait = args.next().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    match run(&address, Duration::from_secs_f64(wait)).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("trace_target: {e}");
            ExitCode::from(1)
        }
    }
}

async fn run(address: &str, wait: Duration) -> Result<(), NetError> {
    let address: Address = address.parse()?;
    let options = ClientOptions {
        app_name: "trace_target".into(),
        ..ClientOptions::default()
    };
    let mut client = Client::connect(&address, options).await?;
    println!(
        "connected: server speaks version {}",
        client.server_version()
    );

    let symbols = SymbolPacket {
        symbols: Some(Symbols {
            writable: true,
            keep_id: false,
        }),
    };
    client.send(&symbols.into()).await?;
    // main.main calls main.work: a start and an end for each.
    let mut next_id = 0;
    for (tag, frames) in [
        ("funcStart", vec![1]),
        ("funcStart", vec![2, 1]),
        ("funcEnd", vec![2, 1]),
        ("funcEnd", vec![1]),
    ] {
        next_id += 1;
        client.send(&func_log(next_id, tag, frames)).await?;
    }
    println!("sent symbols and {next_id} funclogs");

    // The server may ask to trace a function; do as told, then close.
    match tokio::time::timeout(wait, next_command(&mut client)).await {
        Ok(Some(func_id)) => {
            println!("told to trace function {func_id}");
            for tag in ["funcStart", "funcEnd"] {
                next_id += 1;
                client.send(&func_log(next_id, tag, vec![func_id])).await?;
            }
            println!("traced function {func_id}");
        }
        Ok(None) => println!("the server closed the connection"),
        Err(_) => println!("no command within {wait:?}"),
    }
    client.close().await?;
    println!("closed with Shutdown");
    Ok(())
}

/// Waits for a StartTraceCmd; its FuncID. `None` when the server goes away.
async fn next_command(client: &mut Client) -> Option<u64> {
    while let Some(event) = client.next_event().await {
        match event {
            Ok(ClientEvent::StartTrace(AnyPacket::Gob(Packet::StartTraceCmd(cmd)))) => {
                return Some(cmd.func_id.0);
            }
            Ok(other) => println!("server: {other:?}"),
            Err(e) => {
                println!("connection ended: {e}");
                return None;
            }
        }
    }
    None
}

fn func_log(id: i64, tag: &str, frames: Vec<u64>) -> AnyPacket {
    RawFuncLogNewPacket {
        func_log: Some(RawFuncLog {
            id: RawFuncLogId(Int(id)),
            tag: TagName(tag.into()),
            timestamp: Time(1_511_136_000_000_000_000 + id),
            frames: frames.into_iter().map(FuncStatusId).collect(),
            gid: Gid(1),
            tx_id: TxId(id as u64),
        }),
    }
    .into()
}
