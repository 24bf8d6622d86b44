//! Serves Go's classic `Arith` service until SIGTERM or Ctrl-C, for Go's
//! `rpc.Dial` (or `rpc.DialHTTP` with `--http`).
//!
//! ```sh
//! cargo run -p gob-rpc --example arith_server -- tcp://127.0.0.1:1234 [--http]
//! listening tcp://127.0.0.1:1234
//! ```
//!
//! `listening ADDR` goes to stdout once connections are accepted; ADDR is
//! the address given, or with TCP port 0 the one picked. Connections that
//! fail (a bad gob stream, a refused HTTP request) are reported on stderr;
//! the server goes on.

mod common;

use std::process::ExitCode;

use common::{Args, Quotient, args_and_http};
use gob_rpc::{Address, Error, Listener, Server};
use serde_gob::Int;
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str = "usage: arith_server ADDR [--http]  (ADDR: tcp://host:port or unix:///path)";

#[tokio::main]
async fn main() -> ExitCode {
    let (args, http) = args_and_http();
    let [address] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Ok(address) = address.parse::<Address>() else {
        eprintln!("arith_server: bad address {address:?}\n{USAGE}");
        return ExitCode::from(2);
    };
    match run(&address, http).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("arith_server: {error}");
            ExitCode::FAILURE
        }
    }
}

fn arith() -> Result<Server, Error> {
    let mut server = Server::new();
    // Go's int arithmetic wraps; so does this.
    server.register("Arith.Multiply", |args: Args| async move {
        Ok::<_, String>(Int(args.a.0.wrapping_mul(args.b.0)))
    })?;
    server.register("Arith.Divide", |args: Args| async move {
        if args.b.0 == 0 {
            return Err("divide by zero".to_string());
        }
        Ok(Quotient {
            quo: Int(args.a.0.wrapping_div(args.b.0)),
            rem: Int(args.a.0.wrapping_rem(args.b.0)),
        })
    })?;
    server.on_connection_error(|error| eprintln!("arith_server: connection ended: {error}"));
    Ok(server)
}

async fn run(address: &Address, http: bool) -> Result<(), Error> {
    let server = arith()?;
    let listener = Listener::bind(address).await?;
    let shown = match address {
        Address::Tcp(hostport) if hostport.ends_with(":0") => listener.address(),
        _ => address,
    };
    println!("listening {shown}");
    let mut terminate = signal(SignalKind::terminate()).map_err(|source| Error::Network {
        what: "cannot watch for SIGTERM while serving",
        address: address.to_string(),
        source,
    })?;
    tokio::select! {
        served = async {
            if http { server.serve_http(&listener).await } else { server.serve(&listener).await }
        } => served,
        _ = terminate.recv() => Ok(()),
        _ = tokio::signal::ctrl_c() => Ok(()),
    }
}
