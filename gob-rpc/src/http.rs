//! Go's HTTP transport for net/rpc: the client sends `CONNECT /_goRPC_
//! HTTP/1.0`, the server answers `HTTP/1.0 200 Connected to Go RPC`, and the
//! connection carries the gob streams from then on (`rpc.DialHTTP`,
//! `rpc.HandleHTTP`).

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::error::Error;

/// The path Go's `rpc.HandleHTTP` serves and `rpc.DialHTTP` asks for.
pub const DEFAULT_RPC_PATH: &str = "/_goRPC_";

/// The status Go's server answers a CONNECT with, and its client insists on.
const CONNECTED: &str = "200 Connected to Go RPC";

/// The longest request or response head accepted.
const MAX_HEAD: usize = 8 * 1024;

/// Asks for the RPC connection at `path` and checks the answer, as
/// `rpc.DialHTTPPath` does.
pub async fn connect_handshake<S>(stream: &mut S, path: &str) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let request = format!("CONNECT {path} HTTP/1.0\n\n");
    stream
        .write_all(request.as_bytes())
        .await
        .map_err(|e| Error::Handshake(format!("sending the CONNECT request: {e}")))?;
    let head = read_head(stream, "response").await?;
    let status_line = head.first().map(String::as_str).unwrap_or_default();
    let status = match status_line.split_once(' ') {
        Some((version, status)) if version.starts_with("HTTP/") => status,
        _ => {
            return Err(Error::Handshake(format!(
                "malformed HTTP response {status_line:?}"
            )));
        }
    };
    if status != CONNECTED {
        return Err(Error::Handshake(format!(
            "unexpected HTTP response: {status}"
        )));
    }
    Ok(())
}

/// Reads a CONNECT request for `path` and answers it as Go's
/// `rpc.Server.ServeHTTP` does; any other request gets Go's refusal, and
/// an error.
pub async fn accept_handshake<S>(stream: &mut S, path: &str) -> Result<(), Error>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let head = read_head(stream, "request").await?;
    let request_line = head.first().map(String::as_str).unwrap_or_default();
    let mut parts = request_line.split(' ');
    let (method, target) = (parts.next().unwrap_or_default(), parts.next());
    let refusal = if target != Some(path) {
        Some(("404 Not Found", "404 page not found\n"))
    } else if method != "CONNECT" {
        Some(("405 Method Not Allowed", "405 must CONNECT\n"))
    } else {
        None
    };
    let written = match refusal {
        None => {
            stream
                .write_all(format!("HTTP/1.0 {CONNECTED}\n\n").as_bytes())
                .await
        }
        Some((status, body)) => {
            let response = format!(
                "HTTP/1.0 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(response.as_bytes()).await
        }
    };
    written.map_err(|e| Error::Handshake(format!("answering the CONNECT request: {e}")))?;
    match refusal {
        None => Ok(()),
        Some(_) => Err(Error::Handshake(format!(
            "refused the HTTP request {request_line:?}: only CONNECT {path} is served"
        ))),
    }
}

/// Reads an HTTP head up to its blank line, a byte at a time so that
/// nothing of the gob stream after it is taken; its lines, without their
/// line ends.
async fn read_head<S: AsyncRead + Unpin>(stream: &mut S, what: &str) -> Result<Vec<String>, Error> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\n\n") && !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD {
            return Err(Error::Handshake(format!(
                "the HTTP {what} head is longer than {MAX_HEAD} bytes"
            )));
        }
        let n = stream
            .read(&mut byte)
            .await
            .map_err(|e| Error::Handshake(format!("reading the HTTP {what}: {e}")))?;
        if n == 0 {
            return Err(Error::Handshake(format!(
                "the peer closed the connection in the HTTP {what} ({} bytes of it arrived)",
                head.len()
            )));
        }
        head.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&head);
    Ok(text
        .lines()
        .map(|l| l.trim_end_matches('\r').to_string())
        .filter(|l| !l.is_empty())
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn both_sides_agree_and_leave_the_stream_alone() {
        let (mut client, mut server) = tokio::io::duplex(64);
        let serving = tokio::spawn(async move {
            accept_handshake(&mut server, DEFAULT_RPC_PATH)
                .await
                .unwrap();
            let mut rest = [0u8; 4];
            server.read_exact(&mut rest).await.unwrap();
            rest
        });
        connect_handshake(&mut client, DEFAULT_RPC_PATH)
            .await
            .unwrap();
        client.write_all(b"gob!").await.unwrap();
        assert_eq!(&serving.await.unwrap(), b"gob!");
    }

    #[tokio::test]
    async fn a_get_is_refused_as_go_refuses_it() {
        let (mut client, mut server) = tokio::io::duplex(1024);
        client
            .write_all(b"GET /_goRPC_ HTTP/1.0\r\n\r\n")
            .await
            .unwrap();
        let error = accept_handshake(&mut server, DEFAULT_RPC_PATH)
            .await
            .unwrap_err();
        assert!(error.to_string().contains("GET /_goRPC_"), "{error}");
        drop(server);
        let mut answer = String::new();
        client.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.0 405 Method Not Allowed\r\n"));
        assert!(answer.ends_with("\r\n\r\n405 must CONNECT\n"), "{answer}");
    }

    #[tokio::test]
    async fn another_status_is_an_error_naming_it() {
        let (mut client, mut server) = tokio::io::duplex(1024);
        server
            .write_all(b"HTTP/1.0 404 Not Found\r\n\r\n")
            .await
            .unwrap();
        let error = connect_handshake(&mut client, DEFAULT_RPC_PATH)
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "HTTP CONNECT handshake failed: unexpected HTTP response: 404 Not Found"
        );
    }
}
