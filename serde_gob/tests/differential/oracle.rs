//! A client of the go-fixtures oracle (`go-fixtures oracle`, see
//! go-fixtures/oracle.go): Go's own encoding/gob behind length-prefixed JSON
//! requests, pipelined.

use std::io::{BufReader, BufWriter, Read, Write};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Value as Json, json};

use crate::common;

/// How long one answer may take before the oracle is taken to hang.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(120);

/// Requests written ahead of the answers read.
const PIPELINE: usize = 256;

pub struct Oracle {
    child: Arc<Mutex<Child>>,
    to_writer: Option<Sender<Vec<u8>>>,
    writer: Option<JoinHandle<()>>,
    stdout: BufReader<ChildStdout>,
    /// Milliseconds since `started` of the last answer, for the watchdog.
    progress: Arc<AtomicU64>,
    waiting: Arc<AtomicBool>,
    started: Instant,
    pub requests: u64,
    pub fresh_workers: u64,
}

/// What a decode request asks for: values of one type until the end, or
/// exactly one value of each type in order.
#[derive(Clone, Debug)]
pub enum Types {
    Each(String),
    Fixed(Vec<String>),
}

impl Oracle {
    pub fn start() -> Oracle {
        let mut child = Command::new(common::go_fixtures_binary())
            .arg("oracle")
            .current_dir(common::repo_path("go-fixtures"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting go-fixtures oracle");
        let stdin = child.stdin.take().expect("oracle stdin");
        let stdout = BufReader::with_capacity(1 << 16, child.stdout.take().expect("oracle stdout"));
        let (tx, rx) = channel::<Vec<u8>>();
        let writer = std::thread::spawn(move || {
            let mut out = BufWriter::with_capacity(1 << 16, stdin);
            while let Ok(frame) = rx.recv() {
                if out.write_all(&frame).is_err() {
                    return;
                }
                // Flush when nothing more is queued.
                let mut more = rx.try_recv();
                while let Ok(frame) = more {
                    if out.write_all(&frame).is_err() {
                        return;
                    }
                    more = rx.try_recv();
                }
                if out.flush().is_err() {
                    return;
                }
            }
        });
        let child = Arc::new(Mutex::new(child));
        let progress = Arc::new(AtomicU64::new(0));
        let waiting = Arc::new(AtomicBool::new(false));
        let started = Instant::now();
        {
            // The watchdog: kills an oracle that leaves an answer owed for
            // too long, so that the read fails instead of hanging the test.
            let (child, progress, waiting) = (child.clone(), progress.clone(), waiting.clone());
            std::thread::spawn(move || {
                loop {
                    std::thread::sleep(Duration::from_secs(1));
                    if Arc::strong_count(&child) == 1 {
                        return;
                    }
                    let now = started.elapsed().as_millis() as u64;
                    let since = now.saturating_sub(progress.load(Ordering::Relaxed));
                    if waiting.load(Ordering::Relaxed) && since > ANSWER_TIMEOUT.as_millis() as u64
                    {
                        let _ = child.lock().map(|mut c| c.kill());
                        return;
                    }
                }
            });
        }
        Oracle {
            child,
            to_writer: Some(tx),
            writer: Some(writer),
            stdout,
            progress,
            waiting,
            started,
            requests: 0,
            fresh_workers: 0,
        }
    }

    /// Sends every request, then reads their answers, in order.
    pub fn call_all(&mut self, requests: &[Json]) -> Vec<Json> {
        let mut answers = Vec::with_capacity(requests.len());
        for chunk in requests.chunks(PIPELINE) {
            for r in chunk {
                if r.get("fresh") == Some(&Json::Bool(true)) {
                    self.fresh_workers += 1;
                }
                let body = serde_json::to_vec(r).expect("request JSON");
                let mut frame = (body.len() as u32).to_be_bytes().to_vec();
                frame.extend_from_slice(&body);
                self.to_writer
                    .as_ref()
                    .expect("writer")
                    .send(frame)
                    .expect("the oracle's writer ended");
            }
            for _ in chunk {
                answers.push(self.read_answer());
            }
        }
        self.requests += requests.len() as u64;
        answers
    }

    fn read_answer(&mut self) -> Json {
        self.progress
            .store(self.started.elapsed().as_millis() as u64, Ordering::Relaxed);
        self.waiting.store(true, Ordering::Relaxed);
        let mut hdr = [0u8; 4];
        self.stdout
            .read_exact(&mut hdr)
            .expect("the oracle ended or hung (no answer)");
        let mut body = vec![0u8; u32::from_be_bytes(hdr) as usize];
        self.stdout
            .read_exact(&mut body)
            .expect("the oracle ended inside an answer");
        self.waiting.store(false, Ordering::Relaxed);
        let answer: Json = serde_json::from_slice(&body).expect("answer JSON");
        if let Some(e) = answer.get("error").and_then(Json::as_str)
            && answer.get("accepted").is_none()
            && answer.get("ok").is_none()
        {
            panic!("the oracle refused a request: {e}");
        }
        answer
    }
}

impl Drop for Oracle {
    fn drop(&mut self) {
        self.to_writer.take(); // end of input: the oracle exits
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
        if let Ok(mut c) = self.child.lock() {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                match c.try_wait() {
                    Ok(Some(_)) | Err(_) => break,
                    Ok(None) if Instant::now() < deadline => {
                        std::thread::sleep(Duration::from_millis(10))
                    }
                    Ok(None) => {
                        let _ = c.kill();
                        let _ = c.wait();
                        break;
                    }
                }
            }
        }
    }
}

pub fn b64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

pub fn unb64(text: &str) -> Vec<u8> {
    BASE64.decode(text).expect("the oracle's base64")
}

pub fn decode_request(types: &Types, stream: &[u8], fresh: bool) -> Json {
    let mut r = match types {
        Types::Each(t) => json!({"op": "decode", "type": t, "stream": b64(stream)}),
        Types::Fixed(ts) => json!({"op": "decode", "types": ts, "stream": b64(stream)}),
    };
    if fresh {
        r["fresh"] = Json::Bool(true);
    }
    r
}

pub fn random_request(go_type: &str, seed: u64, count: usize, fresh: bool) -> Json {
    let mut r = json!({"op": "random", "type": go_type, "seed": seed, "count": count});
    if fresh {
        r["fresh"] = Json::Bool(true);
    }
    r
}
