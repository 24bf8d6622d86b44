//! Calls per second on one connection to Go's net/rpc server
//! (`go-fixtures rpc-server`), with 1 and with 64 calls in flight: the Rust
//! client and Go's own client side by side, against the same Go server, in
//! one run.
//!
//! ```sh
//! cargo bench -p gob-rpc --bench calls            # 3 s per measurement
//! GOB_RPC_BENCH_SECONDS=10 cargo bench -p gob-rpc --bench calls
//! ```
//!
//! Without `--bench` (as `cargo test --benches` runs it) each measurement
//! lasts 0.2 s: a check that it works, not a figure.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use gob_rpc::{Address, Client};
use serde::{Deserialize, Serialize};
use serde_gob::Int;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename = "main.Args")]
struct Args {
    #[serde(rename = "A")]
    a: Int,
    #[serde(rename = "B")]
    b: Int,
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap_or(Path::new(".."))
}

fn go_fixtures() -> Result<PathBuf, Failure> {
    let out = workspace().join("target/go-fixtures-bin/go-fixtures-rpc");
    let status = std::process::Command::new(std::env::var_os("GO").unwrap_or_else(|| "go".into()))
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(workspace().join("go-fixtures"))
        .status()?;
    if !status.success() {
        return Err("go build of go-fixtures failed".into());
    }
    Ok(out)
}

/// Calls Arith.Multiply from `inflight` tasks on one Rust client for
/// `seconds`; calls per second.
async fn rust_client(address: &Address, inflight: i64, seconds: f64) -> Result<f64, Failure> {
    let client = Client::connect(address).await?;
    let start = Instant::now();
    let deadline = start + Duration::from_secs_f64(seconds);
    let mut tasks = Vec::new();
    for task in 0..inflight {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let mut calls = 0u64;
            let mut i = 0i64;
            while Instant::now() < deadline {
                let args = Args {
                    a: Int(task),
                    b: Int(i),
                };
                let product: Int = client.call("Arith.Multiply", &args).await?;
                if product != Int(task * i) {
                    return Err(format!("{task}*{i} gave {}", product.0).into());
                }
                calls += 1;
                i += 1;
            }
            Ok::<u64, Failure>(calls)
        }));
    }
    let mut calls = 0;
    for task in tasks {
        calls += task.await??;
    }
    Ok(calls as f64 / start.elapsed().as_secs_f64())
}

/// Go's client (`rpc-bench`) doing the same; calls per second.
async fn go_client(
    fixtures: &Path,
    address: &str,
    inflight: i64,
    seconds: f64,
) -> Result<f64, Failure> {
    let out = Command::new(fixtures)
        .args([
            "rpc-bench",
            address,
            "--inflight",
            &inflight.to_string(),
            "--seconds",
            &seconds.to_string(),
        ])
        .stderr(Stdio::inherit())
        .output()
        .await?;
    if !out.status.success() {
        return Err(format!("rpc-bench failed: {}", out.status).into());
    }
    let line: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    line["calls_per_sec"]
        .as_f64()
        .ok_or_else(|| format!("rpc-bench printed {line}").into())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let measuring = std::env::args().any(|a| a == "--bench");
    let seconds = match std::env::var("GOB_RPC_BENCH_SECONDS") {
        Ok(text) => text.parse()?,
        Err(_) if measuring => 3.0,
        Err(_) => 0.2,
    };
    let fixtures = go_fixtures()?;
    let mut server = Command::new(&fixtures)
        .args(["rpc-server", "tcp://127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = server.stdout.take().ok_or("no stdout")?;
    let ready = BufReader::new(stdout)
        .lines()
        .next_line()
        .await?
        .ok_or("the Go server ended")?;
    let ready: serde_json::Value = serde_json::from_str(&ready)?;
    let address_text = ready["address"].as_str().ok_or("no address")?.to_string();
    let address: Address = address_text.parse()?;

    println!("net/rpc calls per second, one connection to Go's server, {seconds} s each");
    println!(
        "{:>9}  {:>12}  {:>12}  {:>6}",
        "in flight", "Rust client", "Go client", "Rust/Go"
    );
    for inflight in [1, 64] {
        // Go first, then Rust, the same server warmed up by both.
        let go = go_client(&fixtures, &address_text, inflight, seconds).await?;
        let rust = rust_client(&address, inflight, seconds).await?;
        println!(
            "{inflight:>9}  {rust:>12.0}  {go:>12.0}  {:>6.2}",
            rust / go
        );
    }
    server.kill().await?;
    Ok(())
}
