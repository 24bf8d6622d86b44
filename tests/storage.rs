//! The original's gob files: compact logs, `<id>.symbol` and `<id>.index`,
//! against the golden files Go writes (`go-fixtures goapptrace-storage`,
//! with the same types and calls as the Go goapptrace), both ways; the
//! `compactlog` commands; and `send --fallback-file`, live.

mod common;
#[path = "common/proc.rs"]
mod proc;

use std::time::Duration;

use goapptrace_proto::protocol::{AnyPacket, Generation, GoEra};
use goapptrace_proto::storage::{
    self, AsyncCompactLogReader, CompactLogReader, CompactLogWriter, IndexRecord, StorageError,
    SymbolsData,
};
use proc::{Proc, listening};
use serde::Deserialize;
use serde_json::Value as Json;

const LIMIT: Duration = Duration::from_secs(60);
const DIR: &str = "testdata/goapptrace-storage";

#[derive(Deserialize)]
struct Manifest {
    files: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    file: String,
    kind: String,
    era: String,
    #[serde(default)]
    packets: Vec<Json>,
    #[serde(default)]
    values: usize,
    #[serde(default)]
    last: Json,
    #[serde(default)]
    records: Json,
}

fn manifest() -> Manifest {
    let bytes = common::read_golden(&format!("{DIR}/manifest.json"));
    serde_json::from_slice(&bytes).expect("the manifest")
}

fn era(entry: &Entry) -> GoEra {
    entry.era.parse().expect("an era")
}

/// Lines of JSON, parsed.
fn json_values<S: AsRef<str>>(lines: impl IntoIterator<Item = S>) -> Vec<Json> {
    lines
        .into_iter()
        .map(|l| serde_json::from_str(l.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", l.as_ref())))
        .collect()
}

fn packets_json(packets: impl IntoIterator<Item = AnyPacket>) -> Vec<Json> {
    packets
        .into_iter()
        .map(|p| serde_json::from_str(&p.to_json()).expect("packet JSON"))
        .collect()
}

fn symbols_json(symbols: &SymbolsData) -> Json {
    let packet = AnyPacket::from(goapptrace_proto::protocol::marshal::Packet::Symbol(
        symbols.clone().into(),
    ));
    let mut json: Json = serde_json::from_str(&packet.to_json()).unwrap();
    json.as_object_mut().unwrap().remove("packet");
    json
}

#[test]
fn every_golden_compact_log_reads_as_go_reads_it_and_writes_back_byte_for_byte() {
    let mut seen = 0;
    for entry in manifest().files.iter().filter(|e| e.kind == "compactlog") {
        seen += 1;
        let bytes = common::read_golden(&format!("{DIR}/{}", entry.file));
        let records: Vec<storage::Record> = CompactLogReader::new(&bytes[..])
            .collect::<Result<_, _>>()
            .unwrap_or_else(|e| panic!("{}: {e}", entry.file));
        let packets: Vec<AnyPacket> = records.iter().cloned().flat_map(|r| r.packets()).collect();
        assert_eq!(
            packets_json(packets.clone()),
            entry.packets,
            "{}",
            entry.file
        );

        // Written again, record by record, as Go wrote it.
        let mut writer = CompactLogWriter::new(Vec::new(), era(entry));
        for record in &records {
            writer
                .write(Some(&record.symbols), Some(&record.funclog))
                .unwrap();
        }
        let again = writer.into_inner().unwrap();
        common::assert_bytes_eq(&entry.file, &again, &bytes);
    }
    assert!(seen >= 8, "only {seen} compact logs in the manifest");
}

#[test]
fn every_golden_symbols_and_index_file_reads_and_writes_back_byte_for_byte() {
    let (mut symbols, mut indexes) = (0, 0);
    for entry in manifest().files {
        let bytes = common::read_golden(&format!("{DIR}/{}", entry.file));
        match entry.kind.as_str() {
            "symbol" => {
                symbols += 1;
                let last = storage::store::read_symbols(&bytes[..]).unwrap().unwrap();
                assert_eq!(symbols_json(&last), entry.last, "{}", entry.file);
                // The file's values: the earlier ones are the manifest's
                // too, for a file of two (written by one Write).
                let mut values = Vec::new();
                let mut decoder = goapptrace_proto::gob::Decoder::new(&bytes[..]);
                while let Some(v) = decoder.decode::<SymbolsData>().unwrap() {
                    values.push(v);
                }
                assert_eq!(values.len(), entry.values, "{}", entry.file);
                let mut again = Vec::new();
                storage::store::write_symbols(&mut again, era(&entry), &values).unwrap();
                common::assert_bytes_eq(&entry.file, &again, &bytes);
            }
            "index" => {
                indexes += 1;
                let records = storage::store::read_index(&bytes[..]).unwrap();
                let expected: Vec<IndexRecord> =
                    serde_json::from_value(entry.records.clone()).unwrap();
                assert_eq!(records, expected, "{}", entry.file);
                let mut again = Vec::new();
                storage::store::write_index(&mut again, era(&entry), &records).unwrap();
                common::assert_bytes_eq(&entry.file, &again, &bytes);
            }
            _ => {}
        }
    }
    assert!(
        symbols >= 4 && indexes >= 4,
        "{symbols} symbol files, {indexes} index files"
    );
}

#[test]
fn go_reads_what_rust_writes() {
    let dir = common::TempDir::new("storage");
    for entry in manifest().files {
        let bytes = common::read_golden(&format!("{DIR}/{}", entry.file));
        let path = dir.0.join(&entry.file);
        let expected: Vec<String> = match entry.kind.as_str() {
            "compactlog" => {
                let mut writer = CompactLogWriter::new(Vec::new(), era(&entry));
                for packet in &entry.packets {
                    let packet =
                        AnyPacket::from_json(&packet.to_string(), Generation::Marshal).unwrap();
                    writer.write_packet(&packet).unwrap();
                }
                std::fs::write(&path, writer.into_inner().unwrap()).unwrap();
                entry.packets.iter().map(Json::to_string).collect()
            }
            "symbol" => {
                let last = storage::store::read_symbols(&bytes[..]).unwrap().unwrap();
                let mut out = Vec::new();
                storage::store::write_symbols(&mut out, era(&entry), &[last]).unwrap();
                std::fs::write(&path, out).unwrap();
                vec![entry.last.to_string()]
            }
            "index" => {
                let records = storage::store::read_index(&bytes[..]).unwrap();
                let mut out = Vec::new();
                storage::store::write_index(&mut out, era(&entry), &records).unwrap();
                std::fs::write(&path, out).unwrap();
                vec![entry.records.to_string()]
            }
            other => panic!("unknown kind {other}"),
        };
        let (ok, stdout, stderr) = common::run_go_fixtures(
            &[
                "goapptrace-storage-verify",
                &entry.kind,
                path.to_str().unwrap(),
            ],
            Duration::from_secs(60),
        );
        assert!(ok, "{}: {stderr}", entry.file);
        assert_eq!(
            json_values(stdout.lines()),
            json_values(&expected),
            "{}",
            entry.file
        );
    }
}

#[tokio::test]
async fn the_async_reader_reads_every_golden_compact_log_in_pieces_of_any_size() {
    for entry in manifest().files.iter().filter(|e| e.kind == "compactlog") {
        let bytes = common::read_golden(&format!("{DIR}/{}", entry.file));
        for piece in [1, 7, 64, 1 << 20] {
            let (mut tx, rx) = tokio::io::duplex(piece.max(64));
            let feed = bytes.clone();
            let writer = tokio::spawn(async move {
                use tokio::io::AsyncWriteExt;
                for chunk in feed.chunks(piece) {
                    tx.write_all(chunk).await.unwrap();
                }
            });
            let mut reader = AsyncCompactLogReader::new(rx);
            let mut packets = Vec::new();
            while let Some(record) = reader.next_record().await.unwrap() {
                packets.extend(record.packets());
            }
            writer.await.unwrap();
            assert_eq!(
                packets_json(packets),
                entry.packets,
                "{} in {piece}",
                entry.file
            );
        }
    }
}

#[tokio::test]
async fn a_cut_compact_log_gives_every_record_before_the_cut_and_names_the_record() {
    let entry_bytes = common::read_golden(&format!("{DIR}/compactlog_tracer_original.gob"));
    // The records, and the offset where each ends: a file cut there is a
    // shorter compact log, anywhere else a broken one.
    let mut whole = Vec::new();
    let mut ends = Vec::new();
    let mut reader = CompactLogReader::new(&entry_bytes[..]);
    while let Some(record) = reader.next_record().unwrap() {
        whole.push(record);
        ends.push(reader.offset() as usize);
    }
    for cut in 1..entry_bytes.len() {
        let bytes = &entry_bytes[..cut];
        let mut reader = CompactLogReader::new(bytes);
        let mut got = Vec::new();
        let error = loop {
            match reader.next_record() {
                Ok(Some(r)) => got.push(r),
                Ok(None) => break None,
                Err(e) => break Some(e),
            }
        };
        assert_eq!(got[..], whole[..got.len()], "cut at {cut}");
        let Some(error) = error else {
            assert!(ends.contains(&cut), "a file cut at {cut} read to its end");
            assert_eq!(ends[got.len() - 1], cut);
            continue;
        };
        let record = got.len() as u64 + 1;
        match &error {
            StorageError::Gob { record: r, .. } | StorageError::HalfRecord { record: r, .. } => {
                assert_eq!(*r, record, "cut at {cut}: {error}")
            }
            other => panic!("cut at {cut}: {other}"),
        }
        // The async reader says the same.
        let mut reader = AsyncCompactLogReader::new(bytes);
        for _ in 0..got.len() {
            reader.next_record().await.unwrap().unwrap();
        }
        let async_error = reader.next_record().await.unwrap_err();
        assert_eq!(async_error.to_string(), error.to_string(), "cut at {cut}");
    }
}

fn cli(args: &[&str], stdin: &[u8]) -> std::process::Output {
    use std::io::Write;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_goapptrace-proto"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
}

#[test]
fn compactlog_decode_then_encode_gives_go_s_bytes_of_both_eras() {
    let dir = common::TempDir::new("compactlog-cli");
    for entry in manifest().files.iter().filter(|e| e.kind == "compactlog") {
        let path = common::repo_path(&format!("{DIR}/{}", entry.file));
        let decoded = cli(&["compactlog", "decode", path.to_str().unwrap()], b"");
        assert!(
            decoded.status.success(),
            "{}",
            String::from_utf8_lossy(&decoded.stderr)
        );
        let lines = json_values(String::from_utf8(decoded.stdout.clone()).unwrap().lines());
        assert_eq!(lines, entry.packets, "{}", entry.file);
        // Go's tracer writes each packet as a record of its own; a file
        // with records holding both is the one thing that does not come
        // back byte for byte (the manifest's packets say which).
        let out = dir.0.join(&entry.file);
        let encoded = cli(
            &[
                "compactlog",
                "encode",
                "-o",
                out.to_str().unwrap(),
                "--go-era",
                &entry.era,
            ],
            &decoded.stdout,
        );
        assert!(
            encoded.status.success(),
            "{}",
            String::from_utf8_lossy(&encoded.stderr)
        );
        let again = cli(&["compactlog", "decode", out.to_str().unwrap()], b"");
        assert_eq!(again.stdout, decoded.stdout, "{}", entry.file);
        if !entry.file.contains("edge") {
            let golden = common::read_golden(&format!("{DIR}/{}", entry.file));
            common::assert_bytes_eq(&entry.file, &std::fs::read(&out).unwrap(), &golden);
        }
    }
}

#[test]
fn compactlog_bad_input_names_the_file_the_offset_and_the_record_and_keeps_what_came_before() {
    let golden = common::read_golden(&format!("{DIR}/compactlog_tracer_original.gob"));
    let dir = common::TempDir::new("compactlog-bad");
    let path = dir.0.join("cut.gob");
    std::fs::write(&path, &golden[..golden.len() - 5]).unwrap();
    let path = path.to_str().unwrap();
    let out = cli(&["compactlog", "decode", path], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let full = cli(&["compactlog", "decode", "-"], &golden);
    let full_lines: Vec<&str> = std::str::from_utf8(&full.stdout).unwrap().lines().collect();
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines[..], full_lines[..full_lines.len() - 1]);
    let record = full_lines.len();
    assert!(
        stderr.contains(&format!(
            "{path}: record {record} (funclog): unexpected end of input at byte {}",
            golden.len() - 5
        )),
        "{stderr}"
    );

    // A line that is no compact log packet: the ones before it are written.
    let input = format!("{}\n{{\"packet\":\"PingPacket\"}}\n", full_lines[0]);
    let out_path = dir.0.join("out.gob");
    let out = cli(
        &["compactlog", "encode", "-o", out_path.to_str().unwrap()],
        input.as_bytes(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("<stdin>: line 2: a compact log holds SymbolPacket and RawFuncLogPacket only, not PingPacket"),
        "{stderr}"
    );
    let back = cli(&["compactlog", "decode", out_path.to_str().unwrap()], b"");
    assert_eq!(
        std::str::from_utf8(&back.stdout).unwrap().trim(),
        full_lines[0]
    );

    // Frames are not a compact log, and the message says what reads them.
    let frames = common::repo_path("testdata/goapptrace-marshal/raw_func_log.frames");
    let out = cli(&["compactlog", "decode", frames.to_str().unwrap()], b"");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr.contains("frames decode"), "{stderr}");
}

fn funclog_line(i: u64) -> String {
    format!(
        r#"{{"packet":"RawFuncLogPacket","FuncLog":{{"ID":{i},"Tag":0,"Timestamp":{},"Frames":[{i}],"GID":1,"TxID":{i}}}}}"#,
        1_533_657_600_000_000_000u64 + i
    )
}

/// The packets of a compact log file, as JSON lines.
fn compact_log_lines(path: &std::path::Path) -> Vec<String> {
    let out = cli(&["compactlog", "decode", path.to_str().unwrap()], b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn send_writes_to_the_fallback_file_what_a_server_gone_mid_input_did_not_get() {
    tokio::time::timeout(LIMIT, async {
        let dir = common::TempDir::new("fallback");
        let fallback = dir.0.join("offline.log");
        let mut go = Proc::go_peer("server", Generation::Marshal, &[]);
        let address = listening(&mut go).await;
        let mut send = Proc::cli(&[
            "send",
            "--connect",
            &address,
            "--generation",
            "marshal",
            "--fallback-file",
            fallback.to_str().unwrap(),
        ]);
        assert_eq!(go.next().await["event"], "connected");
        for i in 1..=3 {
            send.write_line(&funclog_line(i)).await;
        }
        for i in 1..=3 {
            assert_eq!(go.next_non_ping().await["packet"]["FuncLog"]["ID"], i);
        }
        go.child.kill().await.unwrap();
        // The tracer goes on; what it sends now goes to the file.
        tokio::time::sleep(Duration::from_millis(300)).await;
        for i in 4..=7 {
            send.write_line(&funclog_line(i)).await;
        }
        drop(send.child.stdin.take());
        let status = send.child.wait().await.unwrap();
        let stderr = send.stderr().await;
        assert!(status.success(), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "the server closed the connection: 3 input packets were sent; the other 4 were \
                 written to {}",
                fallback.display()
            )),
            "{stderr}"
        );
        assert_eq!(
            json_values(compact_log_lines(&fallback)),
            json_values((4..=7).map(funclog_line))
        );
    })
    .await
    .expect("the test took too long");
}

#[tokio::test]
async fn send_writes_everything_to_the_fallback_file_when_no_server_answers() {
    tokio::time::timeout(LIMIT, async {
        let dir = common::TempDir::new("fallback-none");
        let fallback = dir.0.join("offline.log");
        let address = common::unused_tcp_address();
        let input: String = (1..=5).map(|i| funclog_line(i) + "\n").collect();
        let fallback_arg = fallback.to_str().unwrap().to_string();
        let out = tokio::task::spawn_blocking(move || {
            cli(
                &[
                    "send",
                    "--connect",
                    &address,
                    "--generation",
                    "marshal",
                    "--fallback-file",
                    &fallback_arg,
                ],
                input.as_bytes(),
            )
        })
        .await
        .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("cannot connect to"), "{stderr}");
        assert!(
            stderr.contains("0 input packets were sent; the other 5 were written to"),
            "{stderr}"
        );
        assert_eq!(
            json_values(compact_log_lines(&fallback)),
            json_values((1..=5).map(funclog_line))
        );

        // The gob generation's packets are not what a compact log holds.
        let out = cli(
            &[
                "send",
                "--connect",
                "tcp://127.0.0.1:1",
                "--fallback-file",
                "x",
            ],
            b"",
        );
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("needs --generation marshal"));
    })
    .await
    .expect("the test took too long");
}

#[test]
fn compactlog_decode_reads_a_directory_of_offline_logs_one_after_the_other() {
    let files = [
        "compactlog_symbols_only_original.gob",
        "compactlog_empty_current.gob",
        "compactlog_tracer_current.gob",
    ];
    let manifest = manifest();
    let mut expected = Vec::new();
    let mut paths = Vec::new();
    for file in files {
        let entry = manifest
            .files
            .iter()
            .find(|e| e.file == file)
            .expect("in the manifest");
        expected.extend(entry.packets.iter().cloned());
        paths.push(
            common::repo_path(&format!("{DIR}/{file}"))
                .to_string_lossy()
                .into_owned(),
        );
    }
    let mut args = vec!["compactlog", "decode"];
    args.extend(paths.iter().map(String::as_str));
    let out = cli(&args, b"");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        json_values(std::str::from_utf8(&out.stdout).unwrap().lines()),
        expected
    );
}

#[test]
fn a_compressed_compact_log_is_named_as_such() {
    // The Go tracer names its file goapptrace.<pid>.log.gz but writes plain
    // gob; a file someone compressed starts with gzip's magic bytes.
    let mut bytes = vec![0x1f, 0x8b, 0x08, 0x00];
    bytes.extend(common::read_golden(&format!(
        "{DIR}/compactlog_tracer_original.gob"
    )));
    let out = cli(&["compactlog", "decode", "-"], &bytes);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr.contains("<stdin>: the file is gzip-compressed"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty());
}
