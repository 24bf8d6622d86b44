//! Child processes for the live tests: this project's command line and
//! the Go peer of `go-fixtures`, their stdout read as JSON lines, killed
//! when dropped.
#![allow(dead_code)]

use std::process::Stdio;

use goapptrace_proto::protocol::Generation;
use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// A child process with its stdout read as JSON lines.
pub struct Proc {
    pub child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Proc {
    pub fn spawn(mut command: Command) -> Proc {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("starting a child process");
        let stdout = child.stdout.take().expect("piped stdout");
        Proc {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The Go peer of `go-fixtures` in a mode, speaking `generation`.
    pub fn go_peer(mode: &str, generation: Generation, args: &[&str]) -> Proc {
        let mut command = Command::new(super::common::go_fixtures_binary());
        command
            .args([
                "peer",
                mode,
                "--generation",
                generation.name(),
                "--timeout",
                "80s",
            ])
            .args(args)
            .stderr(Stdio::inherit());
        Proc::spawn(command)
    }

    /// This project's command line, stderr piped so a test can read it.
    pub fn cli(args: &[&str]) -> Proc {
        let mut command = Command::new(env!("CARGO_BIN_EXE_goapptrace-proto"));
        command.args(args).stderr(Stdio::piped());
        Proc::spawn(command)
    }

    pub async fn next(&mut self) -> Json {
        let line = self
            .lines
            .next_line()
            .await
            .expect("reading a child's stdout")
            .expect("the child ended early");
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("bad line {line:.200}: {e}"))
    }

    /// The next event other than a Ping the peer received (Go pings every 3 s).
    pub async fn next_non_ping(&mut self) -> Json {
        loop {
            let v = self.next().await;
            if v["packet"]["packet"] != "PingPacket" {
                return v;
            }
        }
    }

    pub async fn write_line(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().expect("piped stdin");
        stdin.write_all(line.as_bytes()).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        stdin.flush().await.unwrap();
    }

    pub async fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            e.read_to_string(&mut text).await.unwrap();
        }
        text
    }

    pub fn pid(&self) -> String {
        self.child.id().expect("still running").to_string()
    }
}

/// The address a Go peer server listens on (its first event).
pub async fn listening(server: &mut Proc) -> String {
    let event = server.next().await;
    assert_eq!(event["event"], "listening", "{event}");
    event["address"].as_str().unwrap().to_string()
}

pub fn signal(proc: &Proc, name: &str) {
    signal_pid(&proc.pid(), name);
}

pub fn signal_pid(pid: &str, name: &str) {
    let status = std::process::Command::new("kill")
        .args([&format!("-{name}"), pid])
        .status()
        .expect("running kill");
    assert!(status.success());
}

/// The address `serve` prints on stderr when it listens.
pub async fn serve_address(serve: &mut Proc) -> String {
    let stderr = serve.child.stderr.take().expect("piped stderr");
    let mut lines = BufReader::new(stderr).lines();
    let line = lines
        .next_line()
        .await
        .unwrap()
        .expect("serve's first line");
    let address = line
        .strip_prefix("goapptrace-proto: listening on ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    // Keep draining stderr so that serve never blocks on it.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    address
}
