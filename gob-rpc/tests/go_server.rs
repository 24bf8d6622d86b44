//! The Rust client against Go's net/rpc server (`go-fixtures rpc-server`):
//! TCP, Unix sockets and the HTTP transport, errors, many calls in flight,
//! and a server killed mid-call.

mod common;
mod types;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use common::{SocketPath, bounded, go_server};
use gob_rpc::{Address, Client, Error};
use serde_gob::Int;
use types::{Quotient, Record, args};

async fn connect(address: &str, http: bool) -> Client {
    let address: Address = address.parse().expect("the server's address");
    let connected = if http {
        Client::connect_http(&address).await
    } else {
        Client::connect(&address).await
    };
    connected.expect("connecting to the Go server")
}

/// The Arith calls of net/rpc's documentation, and the divide-by-zero error
/// as a value that names the method.
async fn arith_calls(client: &Client) {
    let product: Int = client.call("Arith.Multiply", &args(7, 8)).await.unwrap();
    assert_eq!(product, Int(56));
    let quotient: Quotient = client.call("Arith.Divide", &args(17, 5)).await.unwrap();
    assert_eq!(
        quotient,
        Quotient {
            quo: Int(3),
            rem: Int(2)
        }
    );
    let error = client
        .call::<_, Quotient>("Arith.Divide", &args(9, 0))
        .await
        .unwrap_err();
    assert_eq!(error.server_message(), Some("divide by zero"), "{error:?}");
    assert_eq!(error.to_string(), "Arith.Divide: divide by zero");
    // The connection goes on after an error.
    let product: Int = client.call("Arith.Multiply", &args(-3, 5)).await.unwrap();
    assert_eq!(product, Int(-15));
}

#[tokio::test]
async fn arith_over_tcp() {
    bounded(async {
        let (_server, address) = go_server("tcp://127.0.0.1:0", false).await;
        arith_calls(&connect(&address, false).await).await;
    })
    .await
}

#[tokio::test]
async fn arith_over_http_connect() {
    bounded(async {
        let (_server, address) = go_server("tcp://127.0.0.1:0", true).await;
        arith_calls(&connect(&address, true).await).await;
    })
    .await
}

#[tokio::test]
async fn arith_over_a_unix_socket() {
    bounded(async {
        let socket = SocketPath::new("go-server");
        let (_server, address) = go_server(&socket.address(), false).await;
        assert_eq!(address, socket.address());
        arith_calls(&connect(&address, false).await).await;
    })
    .await
}

#[tokio::test]
async fn go_refusals_are_server_errors_with_go_text() {
    bounded(async {
        let (_server, address) = go_server("tcp://127.0.0.1:0", false).await;
        let client = connect(&address, false).await;
        for (method, text) in [
            ("Nope.Multiply", "rpc: can't find service Nope.Multiply"),
            ("Arith.Nope", "rpc: can't find method Arith.Nope"),
            ("NoDot", "rpc: service/method request ill-formed: NoDot"),
        ] {
            let error = client
                .call::<_, Int>(method, &args(1, 2))
                .await
                .unwrap_err();
            match &error {
                Error::Server { method: m, message } => {
                    assert_eq!((m.as_str(), message.as_str()), (method, text));
                }
                other => panic!("{method}: {other:?}"),
            }
        }
        let failed = client
            .call::<_, Int>("Test.Fail", &"it went wrong".to_string())
            .await
            .unwrap_err();
        assert_eq!(failed.to_string(), "Test.Fail: it went wrong");
        let product: Int = client.call("Arith.Multiply", &args(6, 7)).await.unwrap();
        assert_eq!(product, Int(42));
    })
    .await
}

#[tokio::test]
async fn a_rich_value_goes_there_and_back() {
    bounded(async {
        let (_server, address) = go_server("tcp://127.0.0.1:0", false).await;
        let client = connect(&address, false).await;
        let inner = Record {
            name: "inner".into(),
            values: vec![],
            labels: BTreeMap::new(),
            score: 0.0,
            next: None,
        };
        let record = Record {
            name: "outer é".into(),
            values: vec![1, -2, i64::MAX, i64::MIN],
            labels: BTreeMap::from([("a".to_string(), Int(1)), ("b".to_string(), Int(-7))]),
            score: 2.5,
            next: Some(Box::new(inner)),
        };
        let echoed: Record = client.call("Test.Echo", &record).await.unwrap();
        let mut expected = record.clone();
        expected.name = "OUTER É".into();
        assert_eq!(echoed, expected);
    })
    .await
}

#[tokio::test]
async fn many_calls_in_flight_on_one_connection() {
    bounded(async {
        let (_server, address) = go_server("tcp://127.0.0.1:0", false).await;
        let client = connect(&address, false).await;
        // Slow calls answered out of order, the fast ones meanwhile.
        let slow: Vec<_> = [400i64, 200, 50]
            .into_iter()
            .map(|ms| {
                let client = client.clone();
                tokio::spawn(async move {
                    let slept: Int = client.call("Test.Sleep", &Int(ms)).await.unwrap();
                    (ms, slept, Instant::now())
                })
            })
            .collect();
        let mut fast = Vec::new();
        for task in 0..64i64 {
            let client = client.clone();
            fast.push(tokio::spawn(async move {
                for i in 0..50i64 {
                    let product: Int = client.call("Arith.Multiply", &args(task, i)).await.unwrap();
                    assert_eq!(product, Int(task * i));
                }
            }));
        }
        for task in fast {
            task.await.unwrap();
        }
        let mut finished = Vec::new();
        for task in slow {
            let (ms, slept, at) = task.await.unwrap();
            assert_eq!(slept, Int(ms));
            finished.push((at, ms));
        }
        finished.sort();
        let order: Vec<i64> = finished.into_iter().map(|(_, ms)| ms).collect();
        assert_eq!(
            order,
            [50, 200, 400],
            "replies are matched by sequence number"
        );
    })
    .await
}

#[tokio::test]
async fn a_reply_of_another_type_fails_that_call_only() {
    bounded(async {
        let (_server, address) = go_server("tcp://127.0.0.1:0", false).await;
        let client = connect(&address, false).await;
        let error = client
            .call::<_, String>("Arith.Multiply", &args(2, 3))
            .await
            .unwrap_err();
        assert!(
            matches!(&error, Error::DecodeReply { method, .. } if method == "Arith.Multiply"),
            "{error:?}"
        );
        let quotient: Quotient = client.call("Arith.Divide", &args(7, 2)).await.unwrap();
        assert_eq!(
            quotient,
            Quotient {
                quo: Int(3),
                rem: Int(1)
            }
        );
    })
    .await
}

#[tokio::test]
async fn a_server_killed_mid_call_fails_every_pending_call_at_once() {
    bounded(async {
        let (mut server, address) = go_server("tcp://127.0.0.1:0", false).await;
        let client = connect(&address, false).await;
        let pending: Vec<_> = (0..8)
            .map(|_| {
                let client = client.clone();
                tokio::spawn(async move { client.call::<_, Int>("Test.Sleep", &Int(30_000)).await })
            })
            .collect();
        // Every call is on the wire before the kill.
        let product: Int = client.call("Arith.Multiply", &args(2, 2)).await.unwrap();
        assert_eq!(product, Int(4));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let killed = Instant::now();
        server.child.kill().await.unwrap();
        for call in pending {
            let error = call.await.unwrap().unwrap_err();
            assert!(
                matches!(&error, Error::Shutdown { method, .. } if method == "Test.Sleep"),
                "{error:?}"
            );
        }
        assert!(
            killed.elapsed() < Duration::from_secs(5),
            "{:?}",
            killed.elapsed()
        );
        // A later call fails at once, with the same reason.
        let later = client
            .call::<_, Int>("Arith.Multiply", &args(1, 1))
            .await
            .unwrap_err();
        assert!(matches!(later, Error::Shutdown { .. }), "{later:?}");
        assert!(client.shutdown_reason().is_some());
    })
    .await
}

#[tokio::test]
async fn closing_the_client_fails_its_pending_calls() {
    bounded(async {
        let (_server, address) = go_server("tcp://127.0.0.1:0", false).await;
        let client = connect(&address, false).await;
        let call = {
            let client = client.clone();
            tokio::spawn(async move { client.call::<_, Int>("Test.Sleep", &Int(30_000)).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        client.close();
        let error = call.await.unwrap().unwrap_err();
        assert_eq!(
            error.to_string(),
            "Test.Sleep: connection is shut down: the client was closed"
        );
    })
    .await
}
