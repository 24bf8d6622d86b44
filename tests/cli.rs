//! The command line, run as a user would run it.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value as Json;

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_goapptrace-proto"))
        .args(args)
        .current_dir(common::repo_path(""))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting goapptrace-proto");
    let mut input = child.stdin.take().expect("stdin");
    // The command may stop reading early on bad input.
    let _ = input.write_all(stdin);
    drop(input);
    child.wait_with_output().expect("goapptrace-proto output")
}

fn json_lines(out: &[u8]) -> Vec<Json> {
    String::from_utf8_lossy(out)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

#[test]
fn gob_decode_json_prints_every_corpus_stream() {
    let mut failures = Vec::new();
    for case in common::manifest().cases {
        for stream in &case.streams {
            let path = format!("testdata/gob/{stream}");
            let out = run(&["gob", "decode", "--json", &path], b"");
            if !out.status.success() {
                failures.push(format!(
                    "{stream}: {}",
                    String::from_utf8_lossy(&out.stderr)
                ));
                continue;
            }
            let expected = common::expected_values(stream);
            if let Some(diff) =
                common::json_diff(&json_lines(&out.stdout), &expected, case.unordered_maps)
            {
                failures.push(format!("{stream}: {diff}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `gob decode --json` writes time.Time and big numbers as Go's
/// `json.Marshal` does (the text of `testdata/gob-std/*.json`, Go's own
/// output), big integers exact at any size.
#[test]
fn gob_decode_json_writes_standard_types_as_go_does() {
    for (stream, values) in [
        ("time_values", 9),
        ("big_int", 6),
        ("big_rat", 6),
        ("big_float", 14),
    ] {
        let out = run(
            &[
                "gob",
                "decode",
                "--json",
                &format!("testdata/gob-std/{stream}.gob"),
            ],
            b"",
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let ours = String::from_utf8_lossy(&out.stdout).into_owned();
        let gos = String::from_utf8(common::read_golden(&format!(
            "testdata/gob-std/{stream}.json"
        )))
        .unwrap();
        // The top-level values, text for text.
        let ours: Vec<&str> = ours.lines().take(values).collect();
        let gos: Vec<&str> = gos.lines().take(values).collect();
        assert_eq!(ours, gos, "{stream}");
    }
    let out = run(
        &["gob", "decode", "--json", "testdata/gob-std/mixed.gob"],
        b"",
    );
    let first = String::from_utf8_lossy(&out.stdout)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        first,
        r#"{"At":"2018-08-07T16:00:00.000000123+09:00","Int":-1606938044258990275541962092341162602522202993782792835301376,"Rat":"1/3","Float":"0.3333333333333333333333333333333333333333333333333333333333334"}"#
    );
}

#[test]
fn gob_dump_works_on_every_corpus_stream() {
    for case in common::manifest().cases {
        for stream in &case.streams {
            let path = format!("testdata/gob/{stream}");
            let out = run(&["gob", "dump", &path], b"");
            assert!(
                out.status.success(),
                "{stream}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("message,") && text.contains("value of type"),
                "{stream}:\n{text}"
            );
        }
    }
}

#[test]
fn broken_gob_prints_the_values_before_the_fault_and_names_file_and_offset() {
    let bytes = common::read_golden("testdata/gob/mixed_stream.gob");
    let values = common::expected_values("mixed_stream.gob");
    // Cut inside the last message: every value but the last is whole.
    let cut = &bytes[..bytes.len() - 2];
    let out = run(&["gob", "decode", "--json", "-"], cut);
    assert_eq!(out.status.code(), Some(2));
    let printed = json_lines(&out.stdout);
    assert_eq!(
        common::json_diff(&printed, &values[..values.len() - 1], false),
        None
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("<stdin>") && err.contains(&format!("byte {}", cut.len())),
        "{err}"
    );

    let dir = common::TempDir::new("cli");
    let path = dir.0.join("broken.gob");
    let mut corrupt = bytes.clone();
    corrupt.truncate(40);
    corrupt.extend_from_slice(&[0x05, 0xff, 0x99, 0x00, 0x00, 0x00]);
    std::fs::write(&path, &corrupt).unwrap();
    let path = path.to_string_lossy().into_owned();
    for cmd in [
        vec!["gob", "decode", "--json", &path],
        vec!["gob", "dump", &path],
    ] {
        let out = run(&cmd, b"");
        assert_eq!(out.status.code(), Some(2), "{cmd:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&path) && err.contains("byte "),
            "{cmd:?}: {err}"
        );
    }
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let out = run(&["gob", "decode", "--json", "no/such/file.gob"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/file.gob"));
}

#[test]
fn a_file_of_another_kind_is_named_with_the_command_that_reads_it() {
    let out = run(&["frames", "decode", "testdata/gob/arrays.gob"], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains(
            "this does not look like goapptrace frames: a gob stream is read by `gob decode --json`"
        ),
        "{stderr}"
    );
    let out = run(
        &["gob", "decode", "--json", "testdata/goapptrace/ping.frames"],
        b"",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("`frames decode` reads those"), "{stderr}");
    // Frames cut short are frames: no such hint.
    let out = run(&["frames", "decode", "-"], &[0, 0, 0, 10, 1, 2]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("input ends inside the frame"), "{stderr}");
    assert!(!stderr.contains("does not look like"), "{stderr}");
}

#[test]
fn a_bad_json_line_is_named_by_one_line_number_and_its_column() {
    let out = run(
        &["frames", "encode", "-o", "-"],
        b"{\"packet\":\"PingPacket\"}\n{\"packet\":\"PingPacket\",}\n",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("<stdin>: line 2: column 24: trailing comma"),
        "{stderr}"
    );
    assert!(!stderr.contains("at line"), "{stderr}");
}

#[test]
fn send_reports_its_connection_attempts_as_they_fail() {
    let address = common::unused_tcp_address();
    let out = run(&["send", "--connect", &address], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    for attempt in 1..10 {
        assert!(
            stderr.contains(&format!("connecting: attempt {attempt} of 10 failed")),
            "{stderr}"
        );
    }
    assert!(
        stderr.contains(&format!("cannot connect to {address} after 10 attempts")),
        "{stderr}"
    );
}

#[derive(serde::Deserialize)]
struct FramesManifest {
    files: Vec<FramesEntry>,
}

#[derive(serde::Deserialize)]
struct FramesEntry {
    file: String,
    packets: Vec<Json>,
}

fn frames_manifest() -> FramesManifest {
    serde_json::from_slice(&common::read_golden("testdata/goapptrace/manifest.json")).unwrap()
}

#[test]
fn frames_decode_prints_every_packet_of_every_fixture() {
    for entry in frames_manifest().files {
        let out = run(
            &[
                "frames",
                "decode",
                &format!("testdata/goapptrace/{}", entry.file),
            ],
            b"",
        );
        assert!(
            out.status.success(),
            "{}: {}",
            entry.file,
            String::from_utf8_lossy(&out.stderr)
        );
        pretty_assertions::assert_eq!(json_lines(&out.stdout), entry.packets, "{}", entry.file);
    }
}

#[test]
fn frames_encode_then_decode_is_the_identity_and_matches_go_of_both_eras() {
    // The original goapptrace's bytes by default; today's Go's on request.
    let eras: [(&[&str], &str); 3] = [
        (&[], "testdata/goapptrace-original"),
        (&["--go-era", "original"], "testdata/goapptrace-original"),
        (&["--go-era", "current"], "testdata/goapptrace"),
    ];
    for (flags, dir) in eras {
        for entry in frames_manifest().files {
            let input: String = entry.packets.iter().map(|p| format!("{p}\n")).collect();
            let mut args = vec!["frames", "encode", "-o", "-"];
            args.extend_from_slice(flags);
            let encoded = run(&args, input.as_bytes());
            assert!(
                encoded.status.success(),
                "{}",
                String::from_utf8_lossy(&encoded.stderr)
            );
            let golden = common::read_golden(&format!("{dir}/{}", entry.file));
            common::assert_bytes_eq(&entry.file, &encoded.stdout, &golden);
            let decoded = run(&["frames", "decode", "-"], &encoded.stdout);
            assert!(decoded.status.success());
            pretty_assertions::assert_eq!(
                json_lines(&decoded.stdout),
                entry.packets,
                "{}",
                entry.file
            );
        }
    }
}

#[test]
fn frames_encode_refuses_a_frame_too_big_for_the_go_peer_and_keeps_the_ones_before() {
    let small = r#"{"packet":"PingPacket"}"#;
    let frames: Vec<String> = (0..1000)
        .map(|i| (i as u64 * 1_000_003).to_string())
        .collect();
    let big = format!(
        r#"{{"packet":"RawFuncLogNewPacket","FuncLog":{{"ID":1,"Frames":[{}]}}}}"#,
        frames.join(",")
    );
    let input = format!("{small}\n{big}\n{small}\n");
    let out = run(&["frames", "encode", "-o", "-"], input.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("<stdin>: line 2: this RawFuncLogNewPacket frame is ")
            && stderr.contains("a gob-generation Go peer reliably receives frames up to 3841"),
        "{stderr}"
    );
    let decoded = run(&["frames", "decode", "-"], &out.stdout);
    assert_eq!(json_lines(&decoded.stdout).len(), 1, "the Ping before it");
    // A larger limit lets it through.
    let out = run(
        &["frames", "encode", "-o", "-", "--max-frame-out", "100000"],
        input.as_bytes(),
    );
    assert!(out.status.success());
    assert_eq!(
        json_lines(&run(&["frames", "decode", "-"], &out.stdout).stdout).len(),
        3
    );
}

#[test]
fn frames_bad_input_keeps_what_came_before() {
    // A truncated capture: the whole frames are printed, then the error.
    let bytes = common::read_golden("testdata/goapptrace/conversation_client.frames");
    let cut = &bytes[..bytes.len() - 3];
    let out = run(&["frames", "decode", "-"], cut);
    assert_eq!(out.status.code(), Some(2));
    let all = frames_manifest()
        .files
        .into_iter()
        .find(|f| f.file == "conversation_client.frames")
        .unwrap()
        .packets;
    assert_eq!(json_lines(&out.stdout), all[..all.len() - 1]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("byte "));

    // Malformed JSON on line 3: the first two packets are written.
    let dir = common::TempDir::new("cli-frames");
    let out_path = dir.0.join("out.frames");
    let out_path = out_path.to_string_lossy().into_owned();
    let input = "{\"packet\":\"PingPacket\"}\n{\"packet\":\"ShutdownPacket\"}\n{\"packet\":\"Nope\"}\n{\"packet\":\"PingPacket\"}\n";
    let out = run(&["frames", "encode", "-o", &out_path], input.as_bytes());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 3"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read(&out_path).unwrap();
    let decoded = run(&["frames", "decode", "-"], &written);
    assert_eq!(json_lines(&decoded.stdout).len(), 2);
}

/// Serve's stdout lines as they come, read on a thread of their own.
fn stdout_lines(
    server: &mut std::process::Child,
) -> (
    std::sync::mpsc::Receiver<String>,
    std::thread::JoinHandle<()>,
) {
    let stdout = server.stdout.take().expect("serve stdout");
    let (line_tx, lines) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
            let Ok(line) = line else { break };
            if line_tx.send(line).is_err() {
                break;
            }
        }
    });
    (lines, reader)
}

/// Waits up to 10 s for `events` to hold `count` lines, killing serve if
/// they do not come.
fn wait_for_lines(
    server: &mut std::process::Child,
    lines: &std::sync::mpsc::Receiver<String>,
    events: &mut Vec<String>,
    count: usize,
    what: &str,
) {
    let wait_until = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while events.len() < count {
        let left = wait_until.saturating_duration_since(std::time::Instant::now());
        match lines.recv_timeout(left) {
            Ok(line) => events.push(line),
            Err(_) => {
                let _ = server.kill();
                panic!("serve printed only {events:?} {what}");
            }
        }
    }
}

/// Asks serve to stop cleanly with SIGTERM; kills it after 10 s.
fn stop_with_sigterm(server: &mut std::process::Child) -> std::process::ExitStatus {
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            return status;
        }
        if std::time::Instant::now() > deadline {
            let _ = server.kill();
            panic!("serve did not stop on SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// `goapptrace-proto serve --listen ADDRESS EXTRA...` with its stdout and
/// stderr piped.
fn spawn_serve(address: &str, extra: &[&str]) -> Serving {
    Serving(
        Command::new(env!("CARGO_BIN_EXE_goapptrace-proto"))
            .args(["serve", "--listen", address])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting serve"),
    )
}

/// A running `serve`, killed when the test lets go of it: a test that
/// fails half-way leaves no server behind.
struct Serving(std::process::Child);

impl std::ops::Deref for Serving {
    type Target = std::process::Child;

    fn deref(&self) -> &std::process::Child {
        &self.0
    }
}

impl std::ops::DerefMut for Serving {
    fn deref_mut(&mut self) -> &mut std::process::Child {
        &mut self.0
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        // Nothing to do for one that has already stopped and been waited for.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn serve_and_send_talk_over_a_unix_socket() {
    let dir = common::TempDir::new("cli-serve");
    let socket = dir.0.join("s.sock");
    let address = format!("unix://{}", socket.display());
    let mut server = spawn_serve(&address, &["--secret", "k"]);
    let (lines, reader) = stdout_lines(&mut server);
    wait_for_socket(&mut server, &socket);
    let input = "{\"packet\":\"SymbolPacket\",\"Symbols\":{\"Writable\":true}}\n{\"packet\":\"RawFuncLogNewPacket\",\"FuncLog\":{\"ID\":1,\"Tag\":\"funcStart\",\"Frames\":[3,2,1]}}\n";
    let sent = run(
        &[
            "send",
            "--connect",
            &address,
            "--app",
            "cli",
            "--secret",
            "k",
        ],
        input.as_bytes(),
    );
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    assert_eq!(json_lines(&sent.stdout)[0]["packet"], "ServerHelloPacket");

    // The client closes right after its Shutdown, so serve may still be
    // handling it; the refused connection must come after, for the order of
    // the events below to be fixed.
    let mut events = Vec::new();
    wait_for_lines(
        &mut server,
        &lines,
        &mut events,
        4,
        "for the first connection",
    );

    let refused = run(&["send", "--connect", &address, "--secret", "wrong"], b"");
    assert_eq!(refused.status.code(), Some(2));

    // SIGTERM asks serve to stop cleanly.
    assert!(stop_with_sigterm(&mut server).success());
    reader.join().expect("stdout reader");
    events.extend(lines.try_iter());
    let events = json_lines(events.join("\n").as_bytes());
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "connected",
            "symbols",
            "funclog",
            "disconnected",
            "disconnected"
        ]
    );
    assert_eq!(events[0]["hello"]["AppName"], "cli");
    assert_eq!(
        events[2]["packet"]["FuncLog"]["Frames"],
        serde_json::json!([3, 2, 1])
    );
    assert_eq!(events[3]["reason"], "client sent Shutdown");
    assert_eq!(events[4]["reason"], "wrong client secret");
    assert!(!socket.exists(), "the socket file was left behind");
}

/// Waits up to 10 s for serve's unix socket to appear.
fn wait_for_socket(server: &mut std::process::Child, socket: &std::path::Path) {
    let started = std::time::Instant::now();
    while !socket.exists() {
        if started.elapsed().as_secs() >= 10 {
            let _ = server.kill();
            panic!("serve did not start listening");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn send_reads_a_file_of_many_chunks_whole_and_names_a_bad_line_by_its_number() {
    let dir = common::TempDir::new("cli-send-file");
    let socket = dir.0.join("s.sock");
    let address = format!("unix://{}", socket.display());
    let mut server = spawn_serve(&address, &[]);
    let (lines, reader) = stdout_lines(&mut server);
    wait_for_socket(&mut server, &socket);
    let funclog = |i: u64| {
        let frames: Vec<String> = (0..8)
            .map(|f| (0x4a_0000 + f * 0x40 + i).to_string())
            .collect();
        format!(
            r#"{{"packet":"RawFuncLogNewPacket","FuncLog":{{"ID":{i},"Tag":"funcStart","Timestamp":{},"Frames":[{}],"GID":7,"TxID":{i}}}}}"#,
            1_511_136_000_123_456_789u64 + i,
            frames.join(",")
        )
    };
    // Far more than send reads at once (256 KiB), so that lines are cut
    // by its reads.
    let count = 6000;
    let good: String = (1..=count).map(|i| funclog(i) + "\n").collect();
    assert!(good.len() > 1 << 20, "{} bytes", good.len());
    let mut events = Vec::new();
    let funclog_ids = |events: &[String]| -> Vec<u64> {
        json_lines(events.join("\n").as_bytes())
            .iter()
            .filter(|e| e["event"] == "funclog")
            .map(|e| e["packet"]["FuncLog"]["ID"].as_u64().unwrap())
            .collect()
    };

    // Every line, the last one without a line end.
    let whole = dir.0.join("whole.jsonl");
    std::fs::write(&whole, good.trim_end_matches('\n')).unwrap();
    let sent = run(
        &["send", "--connect", &address, whole.to_str().unwrap()],
        b"",
    );
    assert!(
        sent.status.success(),
        "{}",
        String::from_utf8_lossy(&sent.stderr)
    );
    let expected = (count + 2) as usize;
    wait_for_lines(
        &mut server,
        &lines,
        &mut events,
        expected,
        "for the whole file",
    );
    assert_eq!(funclog_ids(&events), (1..=count).collect::<Vec<_>>());

    // A bad line after them: named by its number, the lines before it sent.
    let bad = dir.0.join("bad.jsonl");
    let text = format!(
        "{good}{{\"packet\":\"PingPacket\",}}\n{}\n",
        funclog(count + 2)
    );
    std::fs::write(&bad, text).unwrap();
    let failed = run(&["send", "--connect", &address, bad.to_str().unwrap()], b"");
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(2), "{stderr}");
    let named = format!(
        "{}: line {}: column 24: trailing comma",
        bad.display(),
        count + 1
    );
    assert!(stderr.contains(&named), "{stderr}");
    wait_for_lines(
        &mut server,
        &lines,
        &mut events,
        2 * expected,
        "for the bad file",
    );
    let ids = funclog_ids(&events[expected..]);
    assert_eq!(ids, (1..=count).collect::<Vec<_>>());

    assert!(stop_with_sigterm(&mut server).success());
    reader.join().expect("stdout reader");
}

#[test]
fn serve_goes_on_serving_when_its_stderr_is_gone() {
    let dir = common::TempDir::new("cli-serve-stderr");
    let socket = dir.0.join("s.sock");
    let address = format!("unix://{}", socket.display());
    let mut server = spawn_serve(&address, &[]);
    // Its first line, then the pipe's reading end goes away: every note
    // serve writes to stderr after that meets a closed pipe.
    let mut stderr = std::io::BufReader::new(server.stderr.take().expect("serve stderr"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stderr, &mut first).expect("serve's first line");
    assert!(
        first.starts_with("goapptrace-proto: listening on"),
        "{first}"
    );
    drop(stderr);

    let (lines, reader) = stdout_lines(&mut server);
    let input = "{\"packet\":\"RawFuncLogNewPacket\",\"FuncLog\":{\"ID\":1,\"Tag\":\"funcStart\",\"Frames\":[3]}}\n";
    let mut events = Vec::new();
    // Two clients one after the other: the first one's disconnection is
    // noted on stderr, and serve must still be there for the second.
    for client in 0..2 {
        let sent = run(&["send", "--connect", &address], input.as_bytes());
        assert!(
            sent.status.success(),
            "client {client}: {}",
            String::from_utf8_lossy(&sent.stderr)
        );
        let what = format!("by client {client}");
        wait_for_lines(&mut server, &lines, &mut events, 3 * (client + 1), &what);
    }
    assert!(stop_with_sigterm(&mut server).success());
    reader.join().expect("stdout reader");
    let kinds: Vec<String> = json_lines(events.join("\n").as_bytes())
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "connected",
            "funclog",
            "disconnected",
            "connected",
            "funclog",
            "disconnected"
        ]
    );
}

#[derive(serde::Deserialize)]
struct MarshalEntry {
    file: String,
    packets: Vec<Json>,
    #[serde(default)]
    payload_hex: Option<Vec<String>>,
}

#[test]
fn frames_commands_speak_the_marshal_generation() {
    #[derive(serde::Deserialize)]
    struct Manifest {
        files: Vec<MarshalEntry>,
    }
    let manifest: Manifest = serde_json::from_slice(&common::read_golden(
        "testdata/goapptrace-marshal/manifest.json",
    ))
    .unwrap();
    for entry in manifest.files {
        let path = format!("testdata/goapptrace-marshal/{}", entry.file);
        // The generation is detected from the first frame.
        let decoded = run(&["frames", "decode", &path], b"");
        assert!(
            decoded.status.success(),
            "{}",
            String::from_utf8_lossy(&decoded.stderr)
        );
        let lines: Vec<Json> = String::from_utf8_lossy(&decoded.stdout)
            .split('\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        pretty_assertions::assert_eq!(lines, entry.packets, "{}", entry.file);
        if entry.payload_hex.is_some() {
            continue;
        }
        let input: String = entry.packets.iter().map(|p| format!("{p}\n")).collect();
        // The goldens come from Go 1.26, whose JSON escapes are today's.
        let encoded = run(
            &[
                "frames",
                "encode",
                "--generation",
                "marshal",
                "--go-era",
                "current",
                "-o",
                "-",
            ],
            input.as_bytes(),
        );
        assert!(
            encoded.status.success(),
            "{}",
            String::from_utf8_lossy(&encoded.stderr)
        );
        common::assert_bytes_eq(&entry.file, &encoded.stdout, &common::read_golden(&path));
    }
}

#[test]
fn frames_encode_refuses_an_unknown_generation() {
    let out = run(
        &["frames", "encode", "--generation", "protobuf", "-o", "-"],
        b"",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("protobuf"));
}

#[test]
fn gob_types_prints_the_types_a_stream_carries_in_rust_and_go() {
    let rust = run(&["gob", "types", "testdata/gob/recursive_tree.gob"], b"");
    assert!(rust.status.success());
    let rust = String::from_utf8_lossy(&rust.stdout);
    assert!(rust.contains("#[serde(rename = \"main.Tree\")]"), "{rust}");
    assert!(rust.contains("pub struct Tree {"), "{rust}");
    let go = run(
        &["gob", "types", "--lang", "go", "-"],
        &common::read_golden("testdata/gob/recursive_tree.gob"),
    );
    assert!(go.status.success());
    let go = String::from_utf8_lossy(&go.stdout);
    assert!(go.contains("type Tree struct {"), "{go}");

    let cut = &common::read_golden("testdata/gob/recursive_tree.gob")[..30];
    let bad = run(&["gob", "types", "-"], cut);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("<stdin>: "));
}

#[test]
fn gob_types_open_interfaces_prints_values_for_interfaces() {
    let file = "testdata/gob/interface_field.gob";
    let closed = run(&["gob", "types", file], b"");
    assert!(closed.status.success());
    let closed = String::from_utf8_lossy(&closed.stdout);
    assert!(closed.contains("pub enum Shape {"), "{closed}");
    let open = run(&["gob", "types", "--open-interfaces", file], b"");
    assert!(
        open.status.success(),
        "{}",
        String::from_utf8_lossy(&open.stderr)
    );
    let open = String::from_utf8_lossy(&open.stdout);
    assert!(!open.contains("pub enum"), "{open}");
    assert!(open.contains("    pub main: Value,\n"), "{open}");
    assert!(open.contains("Value;"), "{open}");
}

#[test]
fn gob_decode_prints_go_s_plus_v_text_and_json_with_the_flag() {
    let file = "testdata/goapptrace-storage/00112233445566778899aabbccddeeff_original.index";
    let text = run(&["gob", "decode", file], b"");
    assert!(
        text.status.success(),
        "{}",
        String::from_utf8_lossy(&text.stderr)
    );
    let json = run(&["gob", "decode", "--json", file], b"");
    assert!(json.status.success());
    // The Go text, built from the JSON form of the same records: what
    // fmt.Printf("%+v\n", records) prints in Go.
    let records = &json_lines(&json.stdout)[0];
    let fields = ["MinID", "MaxID", "MinStart", "MaxStart", "MinEnd", "MaxEnd"];
    let go: Vec<String> = records
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let parts: Vec<String> = fields.iter().map(|f| format!("{f}:{}", r[f])).collect();
            format!("{{{}}}", parts.join(" "))
        })
        .collect();
    assert_eq!(
        String::from_utf8_lossy(&text.stdout),
        format!("[{}]\n", go.join(" "))
    );
}
