//! Byte for byte what Go writes: the Rust server's responses against Go's
//! server's for the same requests, and the Rust client's request against
//! Go's client's.

mod common;
mod types;

use std::time::Duration;

use common::{Proc, bounded, go_server};
use gob_rpc::{Client, Listener, Request, Server};
use serde_gob::{Int, Registry, StreamEncoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use types::args;

/// Everything that arrives on `stream` until it is quiet for a while.
async fn read_until_quiet(stream: &mut TcpStream) -> Vec<u8> {
    let mut bytes = Vec::new();
    let mut chunk = [0u8; 4096];
    while let Ok(Ok(n)) =
        tokio::time::timeout(Duration::from_millis(500), stream.read(&mut chunk)).await
    {
        if n == 0 {
            break;
        }
        bytes.extend_from_slice(&chunk[..n]);
    }
    bytes
}

/// Sends the requests one at a time on one connection (so that the answers
/// come in order) and gives the server's whole stream.
async fn responses(address: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(address.trim_start_matches("tcp://"))
        .await
        .unwrap();
    let mut encoder = StreamEncoder::new(Registry::new());
    let mut answers = Vec::new();
    let calls = [
        ("Arith.Multiply", args(7, 8)),
        ("Nope.Multiply", args(1, 2)),
        ("Arith.Divide", args(7, 8)),
        ("Arith.Divide", args(9, 0)),
        ("Arith.Nope", args(1, 2)),
        ("Arith.Multiply", args(-5, 3)),
    ];
    for (seq, (method, body)) in calls.into_iter().enumerate() {
        let mut request = Vec::new();
        let header = Request {
            service_method: method.into(),
            seq: seq as u64,
        };
        encoder.encode_into(&header, &mut request).unwrap();
        encoder.encode_into(&body, &mut request).unwrap();
        stream.write_all(&request).await.unwrap();
        answers.extend(read_until_quiet(&mut stream).await);
    }
    answers
}

fn arith_server() -> Server {
    let mut server = Server::new();
    types::register_arith(&mut server);
    server
}

#[tokio::test]
async fn the_rust_server_answers_with_go_servers_bytes() {
    bounded(async {
        let (_go, go_address) = go_server("tcp://127.0.0.1:0", false).await;
        let go = responses(&go_address).await;

        let listener = Listener::bind(&"tcp://127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let rust_address = listener.address().to_string();
        let serving = tokio::spawn(async move { arith_server().serve(&listener).await });
        let rust = responses(&rust_address).await;
        serving.abort();

        assert!(go.len() > 100, "{} bytes from Go", go.len());
        assert_eq!(hex(&rust), hex(&go));
    })
    .await
}

/// The first request a client sends for `Test.Sleep(5)`, as a raw
/// listener receives it.
async fn first_request(call: impl FnOnce(String) -> tokio::task::JoinHandle<()>) -> Vec<u8> {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("tcp://{}", listener.local_addr().unwrap());
    let caller = call(address);
    let (mut stream, _) = listener.accept().await.unwrap();
    let bytes = read_until_quiet(&mut stream).await;
    drop(stream);
    caller.abort();
    bytes
}

#[tokio::test]
async fn the_rust_client_asks_with_go_clients_bytes() {
    bounded(async {
        let go = first_request(|address| {
            tokio::spawn(async move {
                let (lines, _) = Proc::go(&["rpc-client", &address, "--slow", "5"])
                    .finish()
                    .await;
                assert_eq!(lines[0], r#"{"event":"calling"}"#);
            })
        })
        .await;
        let rust = first_request(|address| {
            tokio::spawn(async move {
                let client = Client::connect(&address.parse().unwrap()).await.unwrap();
                let _ = client.call::<_, Int>("Test.Sleep", &Int(5)).await;
            })
        })
        .await;
        assert!(go.len() > 50, "{} bytes from Go", go.len());
        assert_eq!(hex(&rust), hex(&go));
    })
    .await
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .map(|row| {
            row.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
