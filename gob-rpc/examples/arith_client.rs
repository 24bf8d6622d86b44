//! Calls Go's classic `Arith` service and prints one JSON line per call.
//!
//! ```sh
//! cargo run -p gob-rpc --example arith_client -- tcp://127.0.0.1:1234 7 8 [--http]
//! {"method":"Arith.Multiply","reply":56}
//! {"method":"Arith.Divide","reply":{"Quo":0,"Rem":7}}
//! ```
//!
//! An error the server answers with is printed in place of the reply
//! (`{"method":"Arith.Divide","error":"divide by zero"}`) and the exit
//! status stays 0; anything else (bad arguments, no connection) is a
//! message on stderr and status 1 (2 for bad arguments).

mod common;

use std::process::ExitCode;

use common::{Args, Quotient, args_and_http};
use gob_rpc::{Address, Client, Error};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_gob::Int;

/// One line of output.
#[derive(Serialize)]
struct Line<'a, T> {
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

const USAGE: &str =
    "usage: arith_client ADDR A B [--http]  (ADDR: tcp://host:port or unix:///path)";

#[tokio::main]
async fn main() -> ExitCode {
    let (args, http) = args_and_http();
    let [address, a, b] = args.as_slice() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let parsed = (
        address.parse::<Address>(),
        a.parse::<i64>(),
        b.parse::<i64>(),
    );
    let (Ok(address), Ok(a), Ok(b)) = parsed else {
        eprintln!("arith_client: bad arguments {args:?}\n{USAGE}");
        return ExitCode::from(2);
    };
    match run(
        &address,
        http,
        Args {
            a: Int(a),
            b: Int(b),
        },
    )
    .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("arith_client: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn run(address: &Address, http: bool, args: Args) -> Result<(), Error> {
    let client = if http {
        Client::connect_http(address).await?
    } else {
        Client::connect(address).await?
    };
    call_and_print::<Int>(&client, "Arith.Multiply", args).await?;
    call_and_print::<Quotient>(&client, "Arith.Divide", args).await?;
    Ok(())
}

/// Prints the call's reply, or the error the server answered with; any
/// other error is returned.
async fn call_and_print<R>(client: &Client, method: &str, args: Args) -> Result<(), Error>
where
    R: Serialize + DeserializeOwned + Send + 'static,
{
    let line = match client.call::<Args, R>(method, &args).await {
        Ok(reply) => Line {
            method,
            reply: Some(reply),
            error: None,
        },
        Err(Error::Server { message, .. }) => Line {
            method,
            reply: None,
            error: Some(message),
        },
        Err(other) => return Err(other),
    };
    match serde_json::to_string(&line) {
        Ok(text) => println!("{text}"),
        Err(error) => eprintln!("arith_client: cannot print the reply of {method}: {error}"),
    }
    Ok(())
}
