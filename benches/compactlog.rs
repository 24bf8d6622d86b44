//! Compact log decoding, this project beside Go's `CompactLogReader` on the
//! same file, in one run: `cargo bench --bench compactlog [RECORDS]`.
//!
//! The file is what a tracer of a program of 2 000 functions writes
//! offline: its symbol table (about 0.9 MiB), then RECORDS funclogs (default
//! 100 000) of 4 to 16 frames. Both sides decode it from memory, again and
//! again for 3 s, and report records/s and MB/s (1 MB = 10^6 bytes); the
//! last line is the figures as JSON.

use std::hint::black_box;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use goapptrace_proto::gob::Uintptr;
use goapptrace_proto::protocol::GoEra;
use goapptrace_proto::storage::{
    CompactLogReader, CompactLogWriter, GoFunc, GoLine, GoModule, RawFuncLog, SymbolsData,
};
use serde_json::{Value as Json, json};

const FUNCS: u64 = 2_000;
const RUN_FOR: Duration = Duration::from_secs(3);

fn symbols() -> SymbolsData {
    let base = 0x40_1000u64;
    SymbolsData {
        files: (0..200)
            .map(|f| format!("/go/src/example.com/app/pkg{f:03}/file.go"))
            .collect(),
        mods: vec![GoModule {
            name: String::new(),
            min_pc: Uintptr(base),
            max_pc: Uintptr(base + FUNCS * 0x200),
        }],
        funcs: (0..FUNCS)
            .map(|i| GoFunc {
                entry: Uintptr(base + i * 0x200),
                name: format!("example.com/app/pkg{:03}.(*Server).handle{i:05}", i % 200),
            })
            .collect(),
        lines: (0..FUNCS * 10)
            .map(|i| GoLine {
                pc: Uintptr(base + i * 0x33),
                file_id: (i / 10 % 200) as u32,
                line: (i % 500) as u32 + 1,
            })
            .collect(),
    }
}

fn funclog(i: u64) -> RawFuncLog {
    let depth = 4 + i % 13;
    RawFuncLog {
        id: i as i64,
        tag: (i % 2) as u8,
        timestamp: 1_533_657_600_000_000_000 + i as i64 * 1_000,
        frames: (0..depth)
            .map(|d| Uintptr(0x40_1000 + ((i * 7 + d * 131) % FUNCS) * 0x200 + 0x1c))
            .collect(),
        gid: (i % 64) as i64 + 1,
        tx_id: i / 2 + 1,
    }
}

fn go_binary() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let out = root.join("target/go-fixtures-bin/go-fixtures");
    let go = std::env::var("GO").unwrap_or_else(|_| "go".into());
    let status = Command::new(go)
        .args(["build", "-o"])
        .arg(&out)
        .arg(".")
        .current_dir(root.join("go-fixtures"))
        .status()
        .expect("running go build");
    assert!(status.success(), "go build of go-fixtures failed");
    out
}

fn main() {
    let records: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.parse().expect("RECORDS is a number"))
        .unwrap_or(100_000);

    let mut writer = CompactLogWriter::new(Vec::new(), GoEra::Original);
    writer.write_symbols(&symbols()).unwrap();
    for i in 1..=records {
        writer.write_funclog(&funclog(i)).unwrap();
    }
    let file = writer.into_inner().unwrap();
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/compactlog-bench.gob");
    std::fs::write(&path, &file).unwrap();
    let total = records + 1;
    eprintln!(
        "compactlog: {} records, {:.1} MB, in {}",
        total,
        file.len() as f64 / 1e6,
        path.display()
    );

    let started = Instant::now();
    let mut runs = 0u64;
    while started.elapsed() < RUN_FOR || runs == 0 {
        let mut n = 0;
        for record in CompactLogReader::new(black_box(&file[..])) {
            black_box(record.unwrap());
            n += 1;
        }
        assert_eq!(n, total);
        runs += 1;
    }
    let ns_per_run = started.elapsed().as_nanos() as f64 / runs as f64;
    let rust = json!({
        "records": total, "bytes": file.len(), "runs": runs, "ns_per_run": ns_per_run,
        "records_per_s": total as f64 / ns_per_run * 1e9,
        "mb_per_s": file.len() as f64 / ns_per_run * 1e3,
    });

    let output = Command::new(go_binary())
        .args(["goapptrace-storage-bench", path.to_str().unwrap(), "3"])
        .output()
        .expect("running the Go benchmark");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let go: Json = serde_json::from_slice(&output.stdout).expect("the Go figures");
    assert_eq!(
        go["records"].as_u64(),
        Some(total),
        "Go read another count: {go}"
    );

    let rate = |side: &Json, key: &str| side[key].as_f64().unwrap_or(f64::NAN);
    for (name, side) in [("rust", &rust), ("go", &go)] {
        eprintln!(
            "{name:>4}: {:>12.0} records/s {:>8.1} MB/s",
            rate(side, "records_per_s"),
            rate(side, "mb_per_s")
        );
    }
    let speedup = rate(&rust, "records_per_s") / rate(&go, "records_per_s");
    eprintln!("rust/go: {speedup:.2}x");
    println!(
        "{}",
        json!({"rust": rust, "go": go, "rust_over_go": speedup})
    );
}
