//! Bad frames and dead peers: the connection ends with a clear error, every
//! pending call gets it, and the process (client or server) goes on.

mod common;
mod types;

use common::{Proc, bounded};
use gob_rpc::{Address, Client, Error, Listener, Request, Server};
use serde_gob::{Int, Registry, StreamEncoder};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use types::{Args, args};

/// A fake server that reads the first request, answers with `reply`, then
/// keeps the connection open (or closes it, with `close`).
async fn fake_server(reply: Vec<u8>, close: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("tcp://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = [0u8; 4096];
        let _ = stream.read(&mut request).await;
        stream.write_all(&reply).await.unwrap();
        if close {
            stream.shutdown().await.unwrap();
        }
        // Reading all the client sends, so that the close is no reset.
        while matches!(stream.read(&mut request).await, Ok(n) if n > 0) {}
    });
    address
}

/// The error of a call to a fake server answering `reply`.
async fn call_against(reply: Vec<u8>, close: bool) -> Error {
    let address: Address = fake_server(reply, close).await.parse().unwrap();
    let client = Client::connect(&address).await.unwrap();
    let error = client
        .call::<_, Int>("Arith.Multiply", &args(1, 2))
        .await
        .unwrap_err();
    // Later calls fail at once with the same reason.
    let later = client
        .call::<_, Int>("Arith.Multiply", &args(1, 2))
        .await
        .unwrap_err();
    assert_eq!(
        later.to_string().split_once(": ").map(|p| p.1.to_string()),
        error.to_string().split_once(": ").map(|p| p.1.to_string())
    );
    error
}

#[tokio::test]
async fn a_reserved_type_id_ends_the_connection_with_its_reason() {
    bounded(async {
        // A message defining type id 1, which gob reserves, then a value.
        let bytes = vec![0x03, 0x01, 0xff, 0xff, 0x03, 0x06, 0x00, 0x02];
        let error = call_against(bytes, false).await;
        assert!(matches!(error, Error::Shutdown { .. }), "{error:?}");
        let text = error.to_string();
        assert!(
            text.starts_with("Arith.Multiply: connection is shut down: bad gob stream"),
            "{text}"
        );
        assert!(text.contains("type id 1 is reserved"), "{text}");
    })
    .await
}

#[tokio::test]
async fn a_huge_length_is_refused_before_it_is_read() {
    bounded(async {
        let error = call_against(
            vec![0xf8, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            false,
        )
        .await;
        assert!(error.to_string().contains("max_message"), "{error}");
    })
    .await
}

#[tokio::test]
async fn a_message_cut_by_the_close_is_named() {
    bounded(async {
        let mut encoder = StreamEncoder::new(Registry::new());
        let mut bytes = Vec::new();
        let header = gob_rpc::Response {
            service_method: "Arith.Multiply".into(),
            seq: 0,
            error: String::new(),
        };
        encoder.encode_into(&header, &mut bytes).unwrap();
        bytes.truncate(bytes.len() - 3);
        let error = call_against(bytes, true).await;
        assert!(
            error
                .to_string()
                .contains("closed the connection in the middle of a message"),
            "{error}"
        );
    })
    .await
}

#[tokio::test]
async fn a_header_of_another_type_is_named() {
    bounded(async {
        let bytes = serde_gob::to_vec(&"not a header".to_string()).unwrap();
        let error = call_against(bytes, false).await;
        assert!(error.to_string().contains("bad response header"), "{error}");
    })
    .await
}

#[tokio::test]
async fn a_clean_close_is_named() {
    bounded(async {
        let error = call_against(Vec::new(), true).await;
        assert_eq!(
            error.to_string(),
            "Arith.Multiply: connection is shut down: the server closed the connection"
        );
    })
    .await
}

/// A Rust server of Arith.Multiply whose failed connections are reported
/// on the channel.
async fn reporting_server(http: bool) -> (String, mpsc::UnboundedReceiver<String>) {
    let (report, reports) = mpsc::unbounded_channel();
    let mut server = Server::new();
    server
        .register("Arith.Multiply", |args: Args| async move {
            Ok::<_, String>(Int(args.a.0 * args.b.0))
        })
        .unwrap();
    server.on_connection_error(move |error| {
        let _ = report.send(error.to_string());
    });
    let listener = Listener::bind(&"tcp://127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let address = listener.address().to_string();
    tokio::spawn(async move {
        let served = if http {
            server.serve_http(&listener).await
        } else {
            server.serve(&listener).await
        };
        panic!("the server stopped: {served:?}");
    });
    (address, reports)
}

async fn raw_send(address: &str, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(address.trim_start_matches("tcp://"))
        .await
        .unwrap();
    stream.write_all(bytes).await.unwrap();
    stream.shutdown().await.unwrap();
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer).await;
    answer
}

/// After whatever went wrong, Go's client is served as usual.
async fn still_serves(address: &str) {
    let (lines, status) = Proc::go(&["rpc-client", address]).finish().await;
    assert!(status.success());
    assert_eq!(lines[0], r#"{"method":"Arith.Multiply","reply":56}"#);
}

#[tokio::test]
async fn the_server_ends_a_connection_of_garbage_and_goes_on() {
    bounded(async {
        let (address, mut reports) = reporting_server(false).await;
        raw_send(&address, &[0x03, 0x01, 0xff, 0xff]).await;
        let report = reports.recv().await.unwrap();
        assert!(report.contains("bad gob stream from the peer"), "{report}");

        raw_send(&address, b"GET / HTTP/1.0\r\n\r\n").await;
        let report = reports.recv().await.unwrap();
        assert!(
            report.contains("bad gob stream") || report.contains("middle of a message"),
            "{report}"
        );

        // A header and no body.
        let mut encoder = StreamEncoder::new(Registry::new());
        let mut bytes = Vec::new();
        let header = Request {
            service_method: "Arith.Multiply".into(),
            seq: 0,
        };
        encoder.encode_into(&header, &mut bytes).unwrap();
        raw_send(&address, &bytes).await;
        let report = reports.recv().await.unwrap();
        assert_eq!(
            report,
            "the peer closed the connection after a request header, before its body"
        );
        still_serves(&address).await;
    })
    .await
}

#[tokio::test]
async fn the_http_server_refuses_what_is_not_connect_as_go_does() {
    bounded(async {
        let (address, mut reports) = reporting_server(true).await;
        let answer = raw_send(&address, b"GET /_goRPC_ HTTP/1.0\r\n\r\n").await;
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.0 405 Method Not Allowed"),
            "{answer}"
        );
        assert!(answer.ends_with("405 must CONNECT\n"), "{answer}");
        let report = reports.recv().await.unwrap();
        assert!(
            report.starts_with("HTTP CONNECT handshake failed"),
            "{report}"
        );
        let (lines, status) = Proc::go(&["rpc-client", &address, "--http"]).finish().await;
        assert!(status.success());
        assert_eq!(lines[0], r#"{"method":"Arith.Multiply","reply":56}"#);
    })
    .await
}

#[tokio::test]
async fn arguments_of_another_type_are_refused_and_the_connection_goes_on() {
    bounded(async {
        let (address, _reports) = reporting_server(false).await;
        let client = Client::connect(&address.parse().unwrap()).await.unwrap();
        let error = client
            .call::<_, Int>("Arith.Multiply", &"seven".to_string())
            .await
            .unwrap_err();
        let message = error.server_message().unwrap_or_default();
        assert!(
            message.starts_with("gob-rpc: cannot decode the arguments of Arith.Multiply"),
            "{error:?}"
        );
        let product: Int = client.call("Arith.Multiply", &args(6, 7)).await.unwrap();
        assert_eq!(product, Int(42));
    })
    .await
}
