//! The examples, run: `log_server` with `trace_target`, and `trace_target`
//! obeying a StartTraceCmd that `serve` sends. `cargo test` builds the
//! examples; this runs them, bounded in time.

mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value as Json;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

const LIMIT: Duration = Duration::from_secs(60);

/// An example's binary, beside this test's (`target/<profile>/examples`).
fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let path = profile_dir.join("examples").join(name);
    assert!(path.exists(), "{} was not built", path.display());
    path
}

#[tokio::test]
async fn log_server_writes_every_funclog_of_trace_target() {
    tokio::time::timeout(LIMIT, async {
        let dir = common::TempDir::new("examples");
        let log = dir.0.join("funclogs.jsonl");
        let mut server = Command::new(example("log_server"))
            .args(["tcp://127.0.0.1:0", log.to_str().unwrap()])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
        let first = lines.next_line().await.unwrap().unwrap();
        let address = first
            .strip_prefix("listening on ")
            .expect(&first)
            .to_string();

        let target = Command::new(example("trace_target"))
            .args([&address, "0.3"])
            .output()
            .await
            .unwrap();
        let said = String::from_utf8_lossy(&target.stdout);
        assert!(target.status.success(), "{said}");
        assert!(said.contains("sent symbols and 4 funclogs"), "{said}");
        assert!(said.contains("closed with Shutdown"), "{said}");

        let line = lines.next_line().await.unwrap().unwrap();
        assert_eq!(
            line,
            "client 1 (trace_target, gob generation): 4 funclogs; client sent Shutdown"
        );
        let written = std::fs::read_to_string(&log).unwrap();
        let records: Vec<Json> = written
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(records.len(), 4);
        assert_eq!(
            records[1]["packet"]["FuncLog"]["Frames"],
            serde_json::json!([2, 1])
        );
        assert!(records.iter().all(|r| r["client"] == 1));

        let pid = server.id().unwrap().to_string();
        std::process::Command::new("kill")
            .args(["-INT", &pid])
            .status()
            .unwrap();
        assert!(server.wait().await.unwrap().success());
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn trace_target_obeys_a_start_trace_command() {
    tokio::time::timeout(LIMIT, async {
        let mut serve = Command::new(env!("CARGO_BIN_EXE_goapptrace-proto"))
            .args(["serve", "--listen", "tcp://127.0.0.1:0"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut errors = BufReader::new(serve.stderr.take().unwrap()).lines();
        let first = errors.next_line().await.unwrap().unwrap();
        let address = first
            .strip_prefix("goapptrace-proto: listening on ")
            .expect(&first)
            .to_string();
        let mut events = BufReader::new(serve.stdout.take().unwrap()).lines();
        let target = Command::new(example("trace_target"))
            .args([&address, "20"])
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();

        let mut funclogs = Vec::new();
        loop {
            let line = events.next_line().await.unwrap().expect("serve's events");
            let event: Json = serde_json::from_str(&line).unwrap();
            match event["event"].as_str().unwrap() {
                "connected" => {
                    let command = r#"{"client":1,"packet":{"packet":"StartTraceCmdPacket","FuncID":42,"ModuleName":"main"}}"#;
                    let stdin = serve.stdin.as_mut().unwrap();
                    stdin.write_all(command.as_bytes()).await.unwrap();
                    stdin.write_all(b"\n").await.unwrap();
                    stdin.flush().await.unwrap();
                }
                "funclog" => funclogs.push(event["packet"]["FuncLog"].clone()),
                "disconnected" => {
                    assert_eq!(event["reason"], "client sent Shutdown");
                    break;
                }
                _ => {}
            }
        }
        let out = target.wait_with_output().await.unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{said}");
        assert!(said.contains("told to trace function 42"), "{said}");
        assert_eq!(funclogs.len(), 6);
        for (record, tag) in funclogs[4..].iter().zip(["funcStart", "funcEnd"]) {
            assert_eq!(record["Tag"], tag);
            assert_eq!(record["Frames"], serde_json::json!([42]));
        }
    })
    .await
    .expect("the test took too long");
}
