//! Go's net/rpc client (`go-fixtures rpc-client`) against the Rust server:
//! TCP, Unix sockets and the HTTP transport, Go's own error texts, many
//! calls in flight, and a client killed mid-call.

mod common;
mod types;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{Proc, SocketPath, bounded};
use gob_rpc::{Address, Listener, Server};
use serde_gob::Int;

/// What `rpc-client` prints against a server of the Arith service.
const SCRIPT: [&str; 8] = [
    r#"{"method":"Arith.Multiply","reply":56}"#,
    r#"{"method":"Arith.Divide","reply":{"Quo":0,"Rem":7}}"#,
    r#"{"method":"Arith.Divide","error":"divide by zero"}"#,
    r#"{"method":"Nope.Multiply","error":"rpc: can't find service Nope.Multiply"}"#,
    r#"{"method":"Arith.Nope","error":"rpc: can't find method Arith.Nope"}"#,
    r#"{"method":"NoDot","error":"rpc: service/method request ill-formed: NoDot"}"#,
    r#"{"concurrent":3200,"wrong":0,"failed":0}"#,
    r#"{"method":"Arith.Multiply","reply":42}"#,
];

/// The Arith service, and Test.Sleep counting the calls that started and
/// those that finished.
fn server(started: Arc<AtomicUsize>, finished: Arc<AtomicUsize>) -> Server {
    let mut server = Server::new();
    types::register_arith(&mut server);
    server
        .register("Test.Sleep", move |ms: Int| {
            started.fetch_add(1, Ordering::SeqCst);
            let finished = finished.clone();
            async move {
                tokio::time::sleep(Duration::from_millis(ms.0 as u64)).await;
                finished.fetch_add(1, Ordering::SeqCst);
                Ok::<_, String>(ms)
            }
        })
        .unwrap();
    server
}

/// Serves on `address` in a task; the listener's address.
async fn serve(address: &str, http: bool) -> (tokio::task::JoinHandle<()>, String) {
    let listener = Listener::bind(&address.parse::<Address>().unwrap())
        .await
        .unwrap();
    let bound = listener.address().to_string();
    let server = server(Arc::default(), Arc::default());
    let task = tokio::spawn(async move {
        let served = if http {
            server.serve_http(&listener).await
        } else {
            server.serve(&listener).await
        };
        panic!("the server stopped: {served:?}");
    });
    (task, bound)
}

async fn go_client_script(address: &str, http: bool) {
    let mut args = vec!["rpc-client", address];
    if http {
        args.push("--http");
    }
    let (lines, status) = Proc::go(&args).finish().await;
    assert!(status.success(), "{status}: {lines:?}");
    assert_eq!(lines, SCRIPT);
}

#[tokio::test]
async fn go_client_over_tcp() {
    bounded(async {
        let (server, address) = serve("tcp://127.0.0.1:0", false).await;
        go_client_script(&address, false).await;
        server.abort();
    })
    .await
}

#[tokio::test]
async fn go_client_over_http_connect() {
    bounded(async {
        let (server, address) = serve("tcp://127.0.0.1:0", true).await;
        go_client_script(&address, true).await;
        server.abort();
    })
    .await
}

#[tokio::test]
async fn go_client_over_a_unix_socket() {
    bounded(async {
        let socket = SocketPath::new("go-client");
        let (server, address) = serve(&socket.address(), false).await;
        go_client_script(&address, false).await;
        server.abort();
    })
    .await
}

#[tokio::test]
async fn a_client_killed_mid_call_leaves_the_server_serving() {
    bounded(async {
        let (started, finished) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let listener = Listener::bind(&"tcp://127.0.0.1:0".parse().unwrap())
            .await
            .unwrap();
        let address = listener.address().to_string();
        let server = server(started.clone(), finished.clone());
        let serving = tokio::spawn(async move { server.serve(&listener).await });

        let mut slow = Proc::go(&["rpc-client", &address, "--slow", "300"]);
        assert_eq!(slow.line().await, r#"{"event":"calling"}"#);
        while started.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        slow.child.kill().await.unwrap();
        assert_eq!(finished.load(Ordering::SeqCst), 0, "killed mid-call");
        // The handler runs to its end; its answer goes nowhere.
        while finished.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }

        go_client_script(&address, false).await;
        assert!(!serving.is_finished());
        serving.abort();
    })
    .await
}
