//! Helpers for the tests of the transport (they need the `net` feature,
//! which `common` cannot name: the codec's test crates include it too).

use goapptrace_proto::net::{Server, ServerOptions};

/// A server with default options on a free loopback TCP port.
pub async fn loopback_server() -> Server {
    let address = "tcp://127.0.0.1:0".parse().expect("a loopback address");
    Server::bind(Some(&address), ServerOptions::default())
        .await
        .expect("binding a loopback server")
}
