//! Addresses, `tcp://host:port` and `unix:///path`, and the streams and
//! listeners they make.

use std::fmt;
use std::path::PathBuf;
use std::pin::Pin;
use std::str::FromStr;
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

use crate::error::Error;

/// Where a server listens: `tcp://host:port` or `unix:///path`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// `tcp://host:port`
    Tcp(String),
    /// `unix:///path`
    Unix(PathBuf),
}

impl FromStr for Address {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || Error::InvalidAddress(s.to_string());
        if let Some(rest) = s.strip_prefix("tcp://") {
            let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
            if host.is_empty() || port.parse::<u16>().is_err() {
                return Err(bad());
            }
            return Ok(Address::Tcp(rest.to_string()));
        }
        if let Some(path) = s.strip_prefix("unix://") {
            if !path.starts_with('/') {
                return Err(bad());
            }
            return Ok(Address::Unix(PathBuf::from(path)));
        }
        Err(bad())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(hostport) => write!(f, "tcp://{hostport}"),
            Address::Unix(path) => write!(f, "unix://{}", path.display()),
        }
    }
}

impl Address {
    /// Connects to the address (with `TCP_NODELAY`, as Go's dialer sets it).
    pub async fn connect(&self) -> Result<Stream, Error> {
        let failed = |source| Error::Network {
            what: "cannot connect to",
            address: self.to_string(),
            source,
        };
        match self {
            Address::Tcp(hostport) => {
                let stream = TcpStream::connect(hostport).await.map_err(failed)?;
                stream.set_nodelay(true).map_err(failed)?;
                Ok(Stream::Tcp(stream))
            }
            Address::Unix(path) => Ok(Stream::Unix(
                UnixStream::connect(path).await.map_err(failed)?,
            )),
        }
    }
}

/// A connection over TCP or a Unix socket.
#[derive(Debug)]
pub enum Stream {
    /// TCP.
    Tcp(TcpStream),
    /// A Unix socket.
    Unix(UnixStream),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// A bound listener on TCP or a Unix socket. A Unix socket's file is
/// removed when the listener is dropped.
#[derive(Debug)]
pub struct Listener {
    inner: ListenerInner,
    address: Address,
}

#[derive(Debug)]
enum ListenerInner {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl Listener {
    /// Listens on `address`; for TCP port 0 picks a free port, which
    /// [`Listener::address`] gives.
    pub async fn bind(address: &Address) -> Result<Listener, Error> {
        let failed = |source| Error::Network {
            what: "cannot listen on",
            address: address.to_string(),
            source,
        };
        match address {
            Address::Tcp(hostport) => {
                let listener = TcpListener::bind(hostport).await.map_err(failed)?;
                let local = listener.local_addr().map_err(failed)?;
                Ok(Listener {
                    inner: ListenerInner::Tcp(listener),
                    address: Address::Tcp(local.to_string()),
                })
            }
            Address::Unix(path) => Ok(Listener {
                inner: ListenerInner::Unix(UnixListener::bind(path).map_err(failed)?),
                address: address.clone(),
            }),
        }
    }

    /// The address it listens on (with the port picked for port 0).
    pub fn address(&self) -> &Address {
        &self.address
    }

    /// The next connection, with `TCP_NODELAY` set on TCP.
    pub async fn accept(&self) -> std::io::Result<Stream> {
        match &self.inner {
            ListenerInner::Tcp(listener) => {
                let (stream, _) = listener.accept().await?;
                stream.set_nodelay(true)?;
                Ok(Stream::Tcp(stream))
            }
            ListenerInner::Unix(listener) => Ok(Stream::Unix(listener.accept().await?.0)),
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Address::Unix(path) = &self.address {
            // Best effort: the file may be gone already.
            let _ = std::fs::remove_file(path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes() {
        assert_eq!(
            "tcp://localhost:1234".parse::<Address>().ok(),
            Some(Address::Tcp("localhost:1234".into()))
        );
        assert_eq!(
            "tcp://[::1]:1234".parse::<Address>().ok(),
            Some(Address::Tcp("[::1]:1234".into()))
        );
        assert_eq!(
            "unix:///tmp/x.sock".parse::<Address>().ok(),
            Some(Address::Unix("/tmp/x.sock".into()))
        );
        for bad in [
            "localhost:1234",
            "tcp://host",
            "tcp://:1",
            "tcp://h:99999",
            "unix://rel",
            "udp://h:1",
        ] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
        assert_eq!(Address::Unix("/a".into()).to_string(), "unix:///a");
    }
}
