//! The `cli_e2e` case of `scripts/bench-vs-go`: funclogs given as JSON
//! lines go from a client process to a server process that prints each
//! packet as a JSON line to a file, timed from the client's start until the
//! last line is written. `rust` is `goapptrace-proto send` to
//! `goapptrace-proto serve`; `go` is the Go peer client of `go-fixtures`
//! (`peer client --packets FILE`) to its server, which prints each packet.
//!
//!   cargo bench --bench cli_e2e -- rust|go gob|marshal [PACKETS]
//!
//! Prints one JSON line: {"peers": .., "generation": .., "packets": ..,
//! "seconds": .., "packets_per_s": ..}. The input file is made once in
//! `target/cli_e2e/`. `CLI_E2E_BIN=PATH` runs another build of
//! `goapptrace-proto` (a copy of an older one, to compare back to back).

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    let peers = args.first().map(String::as_str).unwrap_or("rust");
    let generation = args.get(1).map(String::as_str).unwrap_or("gob");
    let packets: u64 = args
        .get(2)
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/cli_e2e");
    std::fs::create_dir_all(&dir).expect("target/cli_e2e");
    let input = input_file(&dir, generation, packets);
    let output = dir.join(format!("{peers}-{generation}.out"));

    let (mut server, address) = match peers {
        "rust" => start_rust_server(root, &output),
        "go" => start_go_server(root, generation, &output),
        other => panic!("unknown peers {other:?}: rust or go"),
    };
    // A funclog line of either server (the Go one also prints the Shutdown
    // it reads, as a Ping).
    let marker = "\"FuncLog\":";
    let started = Instant::now();
    let mut client = match peers {
        "rust" => Command::new(rust_binary(root))
            .args(["send", "--connect", &address, "--generation", generation])
            .arg(&input)
            .stdout(Stdio::null())
            .spawn()
            .expect("starting send"),
        _ => Command::new(root.join("target/go-fixtures-bin/go-fixtures"))
            .args([
                "peer",
                "client",
                "--connect",
                &address,
                "--generation",
                generation,
            ])
            .args(["--ping-interval", "0", "--timeout", "600s", "--packets"])
            .arg(&input)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting the Go peer client"),
    };
    let status = client.wait().expect("the client");
    assert!(status.success(), "the client failed");
    let finished = wait_for_last_write(&output, started);
    let seconds = finished.as_secs_f64();
    let _ = server.kill();
    let _ = server.wait();
    let written = count_lines_with(&output, marker);
    assert_eq!(written, packets, "packets printed by the server");
    println!(
        r#"{{"peers":"{peers}","generation":"{generation}","packets":{packets},"seconds":{seconds:.3},"packets_per_s":{:.0}}}"#,
        packets as f64 / seconds
    );
}

/// `packets` funclogs of `generation` as JSON lines, made once: 8 frames
/// each, as the codec benchmarks have them.
fn input_file(dir: &Path, generation: &str, packets: u64) -> PathBuf {
    let path = dir.join(format!("{generation}-{packets}.jsonl"));
    if path.exists() {
        return path;
    }
    let mut out = BufWriter::new(File::create(&path).expect("input file"));
    for i in 1..=packets {
        let frames: Vec<String> = (0..8)
            .map(|f| (0x4a_0000 + f * 0x40 + i).to_string())
            .collect();
        let frames = frames.join(",");
        let timestamp = 1_511_136_000_123_456_789u64 + i;
        match generation {
            "gob" => {
                let tag = if i % 2 == 1 { "funcStart" } else { "funcEnd" };
                writeln!(
                    out,
                    r#"{{"packet":"RawFuncLogNewPacket","FuncLog":{{"ID":{i},"Tag":"{tag}","Timestamp":{timestamp},"Frames":[{frames}],"GID":7,"TxID":{i}}}}}"#
                )
            }
            _ => writeln!(
                out,
                r#"{{"packet":"RawFuncLogPacket","FuncLog":{{"ID":{i},"Tag":{},"Timestamp":{timestamp},"Frames":[{frames}],"GID":7,"TxID":{i}}}}}"#,
                (i + 1) % 2
            ),
        }
        .expect("writing the input");
    }
    out.flush().expect("writing the input");
    path
}

/// The `goapptrace-proto` to run: `CLI_E2E_BIN`, or the release build.
fn rust_binary(root: &Path) -> PathBuf {
    std::env::var_os("CLI_E2E_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target/release/goapptrace-proto"))
}

fn start_rust_server(root: &Path, output: &Path) -> (Child, String) {
    let mut server = Command::new(rust_binary(root))
        .args(["serve", "--listen", "tcp://127.0.0.1:0"])
        .stdin(Stdio::piped())
        .stdout(File::create(output).expect("output file"))
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting serve (build it with cargo build --release)");
    let mut stderr = server.stderr.take().expect("piped stderr");
    let line = first_line(&mut stderr);
    let address = line
        .trim()
        .strip_prefix("goapptrace-proto: listening on ")
        .unwrap_or_else(|| panic!("serve said {line:?}"))
        .to_string();
    // The rest of what serve notes, read so that its stderr stays open.
    std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
    (server, address)
}

fn start_go_server(root: &Path, generation: &str, output: &Path) -> (Child, String) {
    let mut server = Command::new(root.join("target/go-fixtures-bin/go-fixtures"))
        .args(["peer", "server", "--generation", generation, "--timeout", "600s"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting the Go peer server (go build -o target/go-fixtures-bin/go-fixtures ./go-fixtures)");
    let mut stdout = server.stdout.take().expect("piped stdout");
    let line = first_line(&mut stdout);
    let event: serde_json::Value = serde_json::from_str(&line).expect("the listening event");
    let address = event["address"].as_str().expect("address").to_string();
    // The rest of its output goes to the file, as serve's does.
    let mut file = File::create(output).expect("output file");
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut file));
    (server, address)
}

/// Reads one line byte by byte, so that nothing after it is consumed.
fn first_line(from: &mut impl Read) -> String {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    while from.read(&mut byte).expect("reading the server") == 1 && byte[0] != b'\n' {
        line.push(byte[0]);
    }
    String::from_utf8_lossy(&line).into_owned()
}

/// Waits until the file has stopped growing for a while; the time of its
/// last growth, since `started`.
fn wait_for_last_write(path: &Path, started: Instant) -> Duration {
    let quiet = Duration::from_millis(300);
    let mut size = 0;
    let mut last_growth = started.elapsed();
    loop {
        std::thread::sleep(Duration::from_millis(2));
        let now = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
        if now != size {
            size = now;
            last_growth = started.elapsed();
        } else if started.elapsed() - last_growth > quiet {
            return last_growth;
        }
    }
}

fn count_lines_with(path: &Path, marker: &str) -> u64 {
    let mut file = File::open(path).expect("output file");
    file.seek(SeekFrom::Start(0)).expect("seek");
    let mut text = String::new();
    file.read_to_string(&mut text).expect("reading the output");
    text.lines().filter(|l| l.contains(marker)).count() as u64
}
