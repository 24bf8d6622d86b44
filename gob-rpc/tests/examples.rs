//! The examples' contracts, exactly: `arith_client` against Go's Arith
//! server, Go's client against `arith_server`, plain and `--http`.

mod common;

use common::{Proc, SocketPath, bounded, example, go_server};

const PRODUCT_7_8: &str = r#"{"method":"Arith.Multiply","reply":56}"#;
const QUOTIENT_7_8: &str = r#"{"method":"Arith.Divide","reply":{"Quo":0,"Rem":7}}"#;
const PRODUCT_9_0: &str = r#"{"method":"Arith.Multiply","reply":0}"#;
const DIVIDE_BY_ZERO: &str = r#"{"method":"Arith.Divide","error":"divide by zero"}"#;

async fn arith_client(args: &[&str]) -> Vec<String> {
    let (lines, status) = Proc::spawn(&example("arith_client"), args).finish().await;
    assert!(status.success(), "arith_client {args:?}: {status}");
    lines
}

async fn arith_client_against_go(server_address: &str, http: bool) {
    let (_server, address) = go_server(server_address, http).await;
    let flag: &[&str] = if http { &["--http"] } else { &[] };
    let seven_eight: Vec<&str> = [address.as_str(), "7", "8"]
        .into_iter()
        .chain(flag.iter().copied())
        .collect();
    assert_eq!(
        arith_client(&seven_eight).await,
        [PRODUCT_7_8, QUOTIENT_7_8]
    );
    let nine_zero: Vec<&str> = [address.as_str(), "9", "0"]
        .into_iter()
        .chain(flag.iter().copied())
        .collect();
    assert_eq!(
        arith_client(&nine_zero).await,
        [PRODUCT_9_0, DIVIDE_BY_ZERO]
    );
}

#[tokio::test]
async fn arith_client_against_go_over_tcp() {
    bounded(arith_client_against_go("tcp://127.0.0.1:0", false)).await
}

#[tokio::test]
async fn arith_client_against_go_over_http() {
    bounded(arith_client_against_go("tcp://127.0.0.1:0", true)).await
}

#[tokio::test]
async fn arith_client_against_go_over_a_unix_socket() {
    let socket = SocketPath::new("arith-client");
    bounded(arith_client_against_go(&socket.address(), false)).await
}

#[tokio::test]
async fn arith_client_with_bad_arguments_exits_2() {
    bounded(async {
        for args in [
            &["tcp://127.0.0.1:1", "7"][..],
            &["127.0.0.1:1", "7", "8"],
            &["tcp://127.0.0.1:1", "x", "8"],
        ] {
            let (lines, status) = Proc::spawn(&example("arith_client"), args).finish().await;
            assert_eq!(status.code(), Some(2), "{args:?}");
            assert!(lines.is_empty());
        }
    })
    .await
}

/// `arith_server` on `address`, once it says it listens, and that address.
async fn arith_server(address: &str, http: bool) -> (Proc, String) {
    let mut args = vec![address];
    if http {
        args.push("--http");
    }
    let mut server = Proc::spawn(&example("arith_server"), &args);
    let line = server.line().await;
    let listening = line
        .strip_prefix("listening ")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_string();
    (server, listening)
}

/// Go's client against `arith_server`, then SIGTERM: exit 0.
async fn go_client_against_arith_server(address: &str, http: bool) {
    let (server, listening) = arith_server(address, http).await;
    if !address.ends_with(":0") {
        assert_eq!(listening, address);
    }
    let mut args = vec!["rpc-client", listening.as_str()];
    if http {
        args.push("--http");
    }
    let (lines, status) = Proc::go(&args).finish().await;
    assert!(status.success(), "{lines:?}");
    assert_eq!(
        lines,
        [
            PRODUCT_7_8,
            QUOTIENT_7_8,
            DIVIDE_BY_ZERO,
            r#"{"method":"Nope.Multiply","error":"rpc: can't find service Nope.Multiply"}"#,
            r#"{"method":"Arith.Nope","error":"rpc: can't find method Arith.Nope"}"#,
            r#"{"method":"NoDot","error":"rpc: service/method request ill-formed: NoDot"}"#,
            r#"{"concurrent":3200,"wrong":0,"failed":0}"#,
            r#"{"method":"Arith.Multiply","reply":42}"#,
        ]
    );
    server.signal("TERM");
    let (rest, status) = server.finish().await;
    assert!(rest.is_empty(), "{rest:?}");
    assert_eq!(
        status.code(),
        Some(0),
        "arith_server after SIGTERM: {status}"
    );
}

#[tokio::test]
async fn go_client_against_arith_server_over_tcp() {
    bounded(go_client_against_arith_server("tcp://127.0.0.1:0", false)).await
}

#[tokio::test]
async fn go_client_against_arith_server_over_http() {
    bounded(go_client_against_arith_server("tcp://127.0.0.1:0", true)).await
}

#[tokio::test]
async fn go_client_against_arith_server_over_a_unix_socket() {
    let socket = SocketPath::new("arith-server");
    bounded(go_client_against_arith_server(&socket.address(), false)).await;
    assert!(!socket.0.exists(), "arith_server left its socket behind");
}

#[tokio::test]
async fn the_rust_pair_agrees_too() {
    bounded(async {
        let (_server, listening) = arith_server("tcp://127.0.0.1:0", true).await;
        assert_eq!(
            arith_client(&[&listening, "9", "0", "--http"]).await,
            [PRODUCT_9_0, DIVIDE_BY_ZERO]
        );
    })
    .await
}
