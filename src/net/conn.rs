//! A byte stream over TCP or a Unix socket.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpStream, UnixStream};

use super::addr::Address;

pub enum Conn {
    Tcp(TcpStream),
    Unix(UnixStream),
}

impl Conn {
    pub async fn connect(address: &Address) -> std::io::Result<Conn> {
        match address {
            Address::Tcp(hostport) => {
                let s = TcpStream::connect(hostport).await?;
                // Frames are small and a tracer waits on none of them.
                s.set_nodelay(true)?;
                Ok(Conn::Tcp(s))
            }
            Address::Unix(path) => Ok(Conn::Unix(UnixStream::connect(path).await?)),
        }
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Conn::Unix(s) => Pin::new(s).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Conn::Unix(s) => Pin::new(s).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_flush(cx),
            Conn::Unix(s) => Pin::new(s).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Conn::Unix(s) => Pin::new(s).poll_shutdown(cx),
        }
    }
}

/// The peer took no byte for the whole write timeout.
pub struct Stalled;

/// Writes all of `bytes`, however long that takes while the peer keeps
/// taking them; `Stalled` when it takes none for `limit` (a peer that
/// stopped reading: its receive window is full). A symbol table of many
/// MiB to a slow peer is not a stall.
pub async fn write_all_or_stall(
    writer: &mut (impl AsyncWrite + Unpin),
    mut bytes: &[u8],
    limit: Duration,
) -> Result<std::io::Result<()>, Stalled> {
    while !bytes.is_empty() {
        match tokio::time::timeout(limit, writer.write(bytes)).await {
            Ok(Ok(0)) => return Ok(Err(std::io::ErrorKind::WriteZero.into())),
            Ok(Ok(n)) => bytes = &bytes[n..],
            Ok(Err(e)) => return Ok(Err(e)),
            Err(_) => return Err(Stalled),
        }
    }
    Ok(Ok(()))
}
