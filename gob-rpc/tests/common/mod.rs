//! Helpers of the live tests: the Go peer of `go-fixtures` (built once per
//! test process), child processes killed when dropped, and time bounds.
#![allow(dead_code)]

use std::future::Future;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout, Command};

/// How long any one live test may take.
pub const LIMIT: Duration = Duration::from_secs(60);

/// Runs `test` within [`LIMIT`].
pub async fn bounded<T>(test: impl Future<Output = T>) -> T {
    tokio::time::timeout(LIMIT, test)
        .await
        .expect("the test did not finish in time")
}

/// The workspace root (where `go-fixtures` is).
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("gob-rpc sits in the workspace")
        .to_path_buf()
}

/// The go-fixtures program, built once per test process with `go build`.
/// Without Go the test fails: it never skips.
pub fn go_fixtures() -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    BUILT
        .get_or_init(|| {
            let go = std::env::var_os("GO").unwrap_or_else(|| "go".into());
            let out = workspace().join("target/go-fixtures-bin/go-fixtures-rpc");
            let status = std::process::Command::new(go)
                .args(["build", "-o"])
                .arg(&out)
                .arg(".")
                .current_dir(workspace().join("go-fixtures"))
                .status()
                .expect("this test needs the Go toolchain (`go` on PATH, or $GO)");
            assert!(status.success(), "go build of go-fixtures failed");
            out
        })
        .clone()
}

/// An example's binary, beside this test's (`target/<profile>/examples`);
/// `cargo test` builds the examples.
pub fn example(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("the test's path");
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let path = profile_dir.join("examples").join(name);
    assert!(
        path.exists(),
        "{} was not built (cargo test builds it; cargo build -p gob-rpc --examples)",
        path.display()
    );
    path
}

/// A child process, its stdout read line by line, killed when dropped.
/// Its stdin is a pipe that it may watch: the Go server exits when it ends.
pub struct Proc {
    pub child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Proc {
    pub fn spawn(program: &Path, args: &[&str]) -> Proc {
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|e| panic!("starting {}: {e}", program.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        Proc {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// The Go peer in one of its rpc modes.
    pub fn go(args: &[&str]) -> Proc {
        Proc::spawn(&go_fixtures(), args)
    }

    /// The next line of stdout; `None` when it has ended.
    pub async fn next_line(&mut self) -> Option<String> {
        self.lines
            .next_line()
            .await
            .expect("reading a child's stdout")
    }

    /// The next line, which must come.
    pub async fn line(&mut self) -> String {
        self.next_line().await.expect("the child ended early")
    }

    /// Every line up to the end of stdout, and the exit status.
    pub async fn finish(mut self) -> (Vec<String>, std::process::ExitStatus) {
        let mut lines = Vec::new();
        while let Some(line) = self.next_line().await {
            lines.push(line);
        }
        let status = self.child.wait().await.expect("waiting for a child");
        (lines, status)
    }

    /// Sends a signal to the child, by its id.
    pub fn signal(&self, name: &str) {
        let pid = self.child.id().expect("the child still runs");
        let status = std::process::Command::new("kill")
            .args([format!("-{name}"), pid.to_string()])
            .status()
            .expect("running kill");
        assert!(status.success());
    }
}

/// Go's net/rpc server (`rpc-server`) on `address`, with `--http` if
/// asked, and the address it listens on.
pub async fn go_server(address: &str, http: bool) -> (Proc, String) {
    let mut args = vec!["rpc-server", address];
    if http {
        args.push("--http");
    }
    let mut server = Proc::go(&args);
    let ready = server.line().await;
    let event: serde_json::Value =
        serde_json::from_str(&ready).unwrap_or_else(|e| panic!("bad line {ready}: {e}"));
    assert_eq!(event["event"], "listening", "{ready}");
    let address = event["address"].as_str().expect("an address").to_string();
    (server, address)
}

/// A fresh path for a Unix socket, removed when dropped.
pub struct SocketPath(pub PathBuf);

impl SocketPath {
    pub fn new(tag: &str) -> SocketPath {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("gob-rpc-{tag}-{}-{n}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        SocketPath(path)
    }

    pub fn address(&self) -> String {
        format!("unix://{}", self.0.display())
    }
}

impl Drop for SocketPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}
