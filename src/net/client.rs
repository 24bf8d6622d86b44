//! The trace target's side: connect, say hello, ping, send, close.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;

use super::NetError;
use super::addr::Address;
use super::conn::{Conn, write_all_or_stall};
use crate::protocol::{
    AnyPacket, ClientEvent, ClientHelloPacket, ClientSession, Generation, SessionConfig, marshal,
};

/// How a client connects and behaves; the defaults are the Go client's.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// The protocol generation to speak.
    pub generation: Generation,
    /// The application name sent in the hello.
    pub app_name: String,
    /// The client secret sent in the hello.
    pub secret: String,
    /// The process id sent in a marshal-generation hello.
    pub pid: u64,
    /// The host name sent in a marshal-generation hello.
    pub host: String,
    /// Frame limits, version and Go era.
    pub session: SessionConfig,
    /// Connection attempts before giving up (Go: 10).
    pub connect_attempts: u32,
    /// The wait after the first failed attempt, doubling each time (Go: 10 ms).
    pub retry_delay: Duration,
    /// Told of each failed attempt that is retried, to report it.
    pub on_retry: Option<RetryHook>,
    /// The longest the hello exchange may take (Go: 10 s).
    pub handshake_timeout: Duration,
    /// How often a Ping goes out once established (Go: 3 s).
    pub ping_interval: Duration,
    /// The longest the server may take no byte before a send fails (a
    /// peer that stopped reading); a slow peer that keeps taking bytes is
    /// waited for.
    pub write_timeout: Duration,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            generation: Generation::Gob,
            app_name: String::new(),
            secret: String::new(),
            pid: u64::from(std::process::id()),
            host: String::new(),
            session: SessionConfig::default(),
            connect_attempts: 10,
            retry_delay: Duration::from_millis(10),
            on_retry: None,
            handshake_timeout: Duration::from_secs(10),
            ping_interval: Duration::from_secs(3),
            write_timeout: Duration::from_secs(10),
        }
    }
}

/// What a client does on a failed connection attempt that it retries: it
/// is given the attempt that failed (from 1), of how many, why, and the
/// wait before the next.
#[derive(Clone)]
pub struct RetryHook(pub Arc<RetryFn>);

/// The function a [`RetryHook`] calls: attempt, attempts, error, wait.
pub type RetryFn = dyn Fn(u32, u32, &std::io::Error, Duration) + Send + Sync;

impl std::fmt::Debug for RetryHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RetryHook")
    }
}

struct Shared {
    session: ClientSession,
    writer: WriteHalf<Conn>,
    write_timeout: Duration,
    /// A write is under way; still set when the call making it was
    /// cancelled, which left a frame cut off on the wire.
    writing: bool,
}

impl Shared {
    /// Writes what the session has queued. A server that takes no byte of
    /// it for the write timeout has lost a frame midway: the session ends.
    async fn flush(&mut self) -> Result<(), NetError> {
        if self.writing {
            self.session.abandon();
            return Err(NetError::WriteCut);
        }
        if self.session.has_output() {
            let out = self.session.take_output();
            let limit = self.write_timeout;
            self.writing = true;
            let written = write_all_or_stall(&mut self.writer, &out, limit).await;
            self.writing = false;
            match written {
                Ok(written) => {
                    written?;
                    self.session.reuse_output(out);
                }
                Err(_) => {
                    self.session.abandon();
                    return Err(NetError::WriteTimeout(limit));
                }
            }
        }
        Ok(())
    }
}

/// A connected, negotiated client.
pub struct Client {
    shared: Arc<Mutex<Shared>>,
    events: mpsc::Receiver<Result<ClientEvent, NetError>>,
    server_hello: AnyPacket,
    reader: JoinHandle<()>,
    pinger: JoinHandle<()>,
}

impl Client {
    /// Connects (with the Go client's retries), says hello and waits for the
    /// server's answer.
    pub async fn connect(address: &Address, options: ClientOptions) -> Result<Client, NetError> {
        let conn = connect_with_retries(address, &options).await?;
        let (mut reader, writer) = tokio::io::split(conn);
        let hello: AnyPacket = match options.generation {
            Generation::Gob => ClientHelloPacket {
                app_name: options.app_name.clone(),
                client_secret: options.secret.clone(),
                protocol_version: String::new(),
            }
            .into(),
            Generation::Marshal => marshal::Packet::ClientHello(marshal::ClientHelloPacket {
                pid: options.pid,
                app_name: options.app_name.clone(),
                host: options.host.clone(),
                client_secret: options.secret.clone(),
                protocol_version: String::new(),
            })
            .into(),
        };
        let mut shared = Shared {
            session: ClientSession::new(hello, &options.session)?,
            writer,
            write_timeout: options.write_timeout,
            writing: false,
        };
        let handshake = async {
            shared.flush().await?;
            let mut buf = vec![0u8; 16 * 1024];
            loop {
                let n = reader.read(&mut buf).await?;
                if n == 0 {
                    shared.session.handle_input_closed()?;
                    return Err(NetError::PeerClosed(" during the handshake".into()));
                }
                shared.session.handle_input(&buf[..n])?;
                if let Some(ClientEvent::Established(hello)) = shared.session.poll_event() {
                    return Ok::<_, NetError>((hello, buf));
                }
            }
        };
        let (server_hello, buf) = tokio::time::timeout(options.handshake_timeout, handshake)
            .await
            .map_err(|_| NetError::HandshakeTimeout(options.handshake_timeout))??;

        let shared = Arc::new(Mutex::new(shared));
        let (tx, events) = mpsc::channel(1024);
        let pinger = tokio::spawn(ping_loop(
            shared.clone(),
            options.ping_interval,
            tx.downgrade(),
        ));
        let reader = tokio::spawn(read_loop(reader, buf, shared.clone(), tx));
        Ok(Client {
            shared,
            events,
            server_hello,
            reader,
            pinger,
        })
    }

    /// The server's hello (a ServerHelloPacket of the client's generation).
    pub fn server_hello(&self) -> &AnyPacket {
        &self.server_hello
    }

    /// The version the server announced.
    pub fn server_version(&self) -> &str {
        self.server_hello.hello_version().unwrap_or_default()
    }

    /// Sends a Symbol or RawFuncLogNew packet (or a Ping). A packet too
    /// large for the peer is an error here, before any byte of it is sent;
    /// the connection stays up.
    pub async fn send(&self, packet: &AnyPacket) -> Result<(), NetError> {
        let mut shared = self.shared.lock().await;
        shared.session.send(packet)?;
        shared.flush().await
    }

    /// Queues a packet without writing it: it goes out with the next
    /// [`Client::flush`] (or send, or ping). Many packets in one write save
    /// a system call each. Errors as for [`Client::send`].
    pub async fn queue(&self, packet: &AnyPacket) -> Result<(), NetError> {
        self.shared.lock().await.session.send(packet)?;
        Ok(())
    }

    /// Writes what was queued.
    pub async fn flush(&self) -> Result<(), NetError> {
        self.shared.lock().await.flush().await
    }

    /// Sends many packets with one write. A packet that cannot be sent
    /// stops the batch there: the packets before it are sent, and the
    /// error says which one failed.
    pub async fn send_all<'p>(
        &self,
        packets: impl IntoIterator<Item = &'p AnyPacket>,
    ) -> Result<(), NetError> {
        let mut shared = self.shared.lock().await;
        let mut queued = Ok(());
        for (index, packet) in packets.into_iter().enumerate() {
            if let Err(source) = shared.session.send(packet) {
                queued = Err(NetError::Batch {
                    index,
                    source: Box::new(source.into()),
                });
                break;
            }
        }
        shared.flush().await?;
        queued
    }

    /// The next thing the server said: StartTrace, StopTrace, Ping,
    /// Shutdown, or a frame that did not decode (skipped). `None` once the
    /// connection is gone; an error first if it ended badly.
    pub async fn next_event(&mut self) -> Option<Result<ClientEvent, NetError>> {
        self.events.recv().await
    }

    /// Sends Shutdown, flushes (within the write timeout), then closes the
    /// connection.
    pub async fn close(self) -> Result<(), NetError> {
        self.pinger.abort();
        let result = {
            let mut shared = self.shared.lock().await;
            shared.session.close();
            let flushed = shared.flush().await;
            let shut = shared.writer.shutdown().await;
            flushed.and(shut.map_err(NetError::from))
        };
        self.reader.abort();
        result
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        self.pinger.abort();
        self.reader.abort();
    }
}

async fn connect_with_retries(
    address: &Address,
    options: &ClientOptions,
) -> Result<Conn, NetError> {
    let attempts = options.connect_attempts.max(1);
    let mut delay = options.retry_delay;
    let mut attempt = 0;
    loop {
        attempt += 1;
        match Conn::connect(address).await {
            Ok(conn) => return Ok(conn),
            Err(source) if attempt >= attempts => {
                return Err(NetError::Connect {
                    address: address.clone(),
                    attempts,
                    source,
                });
            }
            Err(source) => {
                if let Some(RetryHook(hook)) = &options.on_retry {
                    hook(attempt, attempts, &source, delay);
                }
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
        }
    }
}

async fn read_loop(
    mut reader: ReadHalf<Conn>,
    mut buf: Vec<u8>,
    shared: Arc<Mutex<Shared>>,
    tx: mpsc::Sender<Result<ClientEvent, NetError>>,
) {
    // Packets that came with the server's hello.
    let mut events = Vec::new();
    drain(&mut shared.lock().await.session, &mut events);
    for event in events.drain(..) {
        if tx.send(Ok(event)).await.is_err() {
            return;
        }
    }
    loop {
        let result = match reader.read(&mut buf).await {
            Ok(0) => {
                let mut s = shared.lock().await;
                let r = s.session.handle_input_closed().map_err(NetError::from);
                drain(&mut s.session, &mut events);
                r.map(|_| false)
            }
            Ok(n) => {
                let mut s = shared.lock().await;
                let r = s.session.handle_input(&buf[..n]).map_err(NetError::from);
                drain(&mut s.session, &mut events);
                r.map(|_| !s.session.is_closed())
            }
            Err(e) => Err(e.into()),
        };
        for event in events.drain(..) {
            if tx.send(Ok(event)).await.is_err() {
                return;
            }
        }
        match result {
            Ok(true) => {}
            Ok(false) => return,
            Err(e) => {
                let _ = tx.send(Err(e)).await;
                return;
            }
        }
    }
}

fn drain(session: &mut ClientSession, out: &mut Vec<ClientEvent>) {
    while let Some(e) = session.poll_event() {
        out.push(e);
    }
}

/// Pings while the session is open. A ping that cannot be written (the
/// server stopped reading, or is gone) is an event, so that a caller whose
/// input is idle hears of it at once. The pinger holds the event channel
/// only weakly: the channel still ends when the reader does.
async fn ping_loop(
    shared: Arc<Mutex<Shared>>,
    every: Duration,
    events: mpsc::WeakSender<Result<ClientEvent, NetError>>,
) {
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    loop {
        ticks.tick().await;
        let mut s = shared.lock().await;
        if s.session.is_closed() || s.session.ping().is_err() {
            return;
        }
        if let Err(e) = s.flush().await {
            drop(s);
            if let Some(tx) = events.upgrade() {
                let _ = tx.send(Err(e)).await;
            }
            return;
        }
    }
}
