//! The log server: many clients at once, each with an id.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::net::{TcpListener, UnixListener};
use tokio::sync::{Mutex, Notify, mpsc, watch};
use tokio::task::JoinHandle;

use super::NetError;
use super::addr::Address;
use super::budget::{BudgetStats, MemoryBudget, Reservation};
use super::conn::{Conn, write_all_or_stall};
use crate::protocol::{
    AnyPacket, BadFrame, Generation, Packet, RawFuncLog, RawFuncLogNewPacket,
    ServerEvent as SessionEvent, ServerSession, SessionConfig,
};

/// A connected client's number, unique for the life of the server.
pub type ClientId = u64;

/// The first port tried when no address is given, as the Go server does.
pub const DEFAULT_PORT: u16 = 8600;
/// How many ports from [`DEFAULT_PORT`] upward are tried.
pub const PORTS_TRIED: u16 = 100;

/// How a server behaves; the defaults are the Go server's where it has one.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Frame limits, version and Go era of every connection.
    pub session: SessionConfig,
    /// When set, a client must present this secret in its hello.
    pub secret: Option<String>,
    /// The longest a client may take to say hello (Go: 10 s).
    pub handshake_timeout: Duration,
    /// A connection that delivers nothing for this long after the hello is
    /// closed (Go clients ping every 3 s). `None`: no limit.
    pub idle_timeout: Option<Duration>,
    /// How long a graceful stop waits for clients to close.
    pub stop_grace: Duration,
    /// The longest a client may take no byte of what is sent to it; after
    /// that the send is an error and the connection is closed.
    pub write_timeout: Duration,
    /// The most memory the incoming frame buffers of all connections hold
    /// together. A connection whose next frame does not fit stops being
    /// read until memory is given back; a frame larger than the whole
    /// budget closes its connection.
    pub memory_budget: usize,
}

/// The default [`ServerOptions::memory_budget`]: 512 MiB.
pub const DEFAULT_MEMORY_BUDGET: usize = 512 << 20;

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            session: SessionConfig::default(),
            secret: None,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Some(Duration::from_secs(10)),
            stop_grace: Duration::from_secs(1),
            write_timeout: Duration::from_secs(10),
            memory_budget: DEFAULT_MEMORY_BUDGET,
        }
    }
}

/// What the server holds now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerStats {
    /// Connected clients (negotiated or not).
    pub connections: usize,
    /// The memory budget and its use.
    pub memory: BudgetStats,
}

/// What happens on the server, in order per client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// A client said hello (in the generation it speaks) and was answered.
    Connected {
        /// The client's number.
        client: ClientId,
        /// The generation it speaks.
        generation: Generation,
        /// Its ClientHello.
        hello: AnyPacket,
    },
    /// A SymbolPacket arrived.
    Symbols {
        /// The client's number.
        client: ClientId,
        /// The packet.
        packet: AnyPacket,
    },
    /// A RawFuncLogNewPacket (gob) or RawFuncLogPacket (marshal) arrived.
    FuncLog {
        /// The client's number.
        client: ClientId,
        /// The packet.
        packet: AnyPacket,
    },
    /// A StartTraceCmd or StopTraceCmd went out to the client.
    CommandSent {
        /// The client's number.
        client: ClientId,
        /// The command.
        packet: AnyPacket,
    },
    /// A frame from the client that did not decode; it was skipped, as the
    /// Go server skips it, and the connection goes on.
    BadFrame {
        /// The client's number.
        client: ClientId,
        /// Where the frame was, its size, and why it did not decode.
        frame: BadFrame,
    },
    /// A connection ended.
    Disconnected {
        /// The client's number.
        client: ClientId,
        /// Why it ended.
        reason: String,
    },
}

struct ConnShared {
    session: ServerSession,
    writer: WriteHalf<Conn>,
    /// Ends the connection's reader: its bytes can no longer be trusted to
    /// reach the client whole.
    kill: Arc<Notify>,
    /// A write is under way; still set when the call making it was
    /// cancelled, which left a frame cut off on the wire.
    writing: bool,
}

impl ConnShared {
    /// Writes what the session has queued. A client that takes no byte of
    /// it for `limit` has lost a frame midway: its connection is ended.
    async fn flush(&mut self, limit: Duration) -> Result<(), NetError> {
        if self.writing {
            self.session.abandon();
            self.kill.notify_one();
            return Err(NetError::WriteCut);
        }
        if self.session.has_output() {
            let out = self.session.take_output();
            self.writing = true;
            let written = write_all_or_stall(&mut self.writer, &out, limit).await;
            self.writing = false;
            match written {
                Ok(written) => written?,
                Err(_) => {
                    self.session.abandon();
                    self.kill.notify_one();
                    return Err(NetError::WriteTimeout(limit));
                }
            }
        }
        Ok(())
    }
}

struct Inner {
    options: ServerOptions,
    budget: Arc<MemoryBudget>,
    clients: std::sync::Mutex<HashMap<ClientId, Arc<Mutex<ConnShared>>>>,
    tasks: std::sync::Mutex<Vec<JoinHandle<()>>>,
    next_id: AtomicU64,
    /// Events go in batches, one per socket read: one hand-over for many
    /// funclogs.
    events: mpsc::Sender<Vec<ServerEvent>>,
    stop: watch::Receiver<bool>,
    /// Records of funclogs the owner is done with ([`Server::recycle`]),
    /// for the connections' decoders to fill again.
    spare_funclogs: std::sync::Mutex<Vec<RawFuncLog>>,
}

/// The most spare funclog records waiting for a connection to take them:
/// about as many as the batches of events waiting for the owner hold, so
/// that a busy stream allocates none (at most about 2.5 MiB: records of up
/// to 64 frames and 64 tag bytes).
const SPARE_FUNCLOGS: usize = 4096;
/// How many records the owner gathers before it hands them over at once.
const RECYCLE_BATCH: usize = 64;

/// A listening server. Take its events with [`Server::next_event`].
pub struct Server {
    address: Address,
    inner: Arc<Inner>,
    events: mpsc::Receiver<Vec<ServerEvent>>,
    /// The rest of the batch last taken: events are moved out of the
    /// batch one by one, never copied into another queue first.
    pending: std::vec::IntoIter<ServerEvent>,
    /// Funclog records given back, not yet handed over.
    recycled: Vec<RawFuncLog>,
    stop: watch::Sender<bool>,
    acceptor: JoinHandle<()>,
    socket_path: Option<PathBuf>,
}

enum Listener {
    Tcp(TcpListener),
    Unix(UnixListener),
}

impl Listener {
    async fn accept(&self) -> std::io::Result<Conn> {
        match self {
            Listener::Tcp(l) => {
                let (s, _) = l.accept().await?;
                s.set_nodelay(true)?;
                Ok(Conn::Tcp(s))
            }
            Listener::Unix(l) => Ok(Conn::Unix(l.accept().await?.0)),
        }
    }
}

impl Server {
    /// Listens on `address`, or with `None` on localhost from port 8600
    /// upward (the first free one, as the Go server does).
    pub async fn bind(
        address: Option<&Address>,
        options: ServerOptions,
    ) -> Result<Server, NetError> {
        let (listener, address, socket_path) = match address {
            Some(Address::Tcp(hostport)) => {
                let l = TcpListener::bind(hostport)
                    .await
                    .map_err(|source| NetError::Listen {
                        address: hostport.clone(),
                        source,
                    })?;
                let local = Address::Tcp(l.local_addr()?.to_string());
                (Listener::Tcp(l), local, None)
            }
            Some(Address::Unix(path)) => {
                remove_stale_socket(path).await;
                let l = UnixListener::bind(path).map_err(|source| NetError::Listen {
                    address: path.display().to_string(),
                    source,
                })?;
                (
                    Listener::Unix(l),
                    Address::Unix(path.clone()),
                    Some(path.clone()),
                )
            }
            None => {
                let mut last = None;
                let mut bound = None;
                for port in DEFAULT_PORT..DEFAULT_PORT + PORTS_TRIED {
                    match TcpListener::bind(("localhost", port)).await {
                        Ok(l) => {
                            bound = Some(l);
                            break;
                        }
                        Err(e) => last = Some(e),
                    }
                }
                let l = bound.ok_or_else(|| NetError::Listen {
                    address: format!(
                        "localhost:{DEFAULT_PORT}-{}",
                        DEFAULT_PORT + PORTS_TRIED - 1
                    ),
                    source: last.unwrap_or_else(|| std::io::ErrorKind::AddrInUse.into()),
                })?;
                let local = Address::Tcp(l.local_addr()?.to_string());
                (Listener::Tcp(l), local, None)
            }
        };
        let (events_tx, events) = mpsc::channel(EVENT_BATCHES);
        let (stop, stop_rx) = watch::channel(false);
        let inner = Arc::new(Inner {
            budget: MemoryBudget::new(options.memory_budget),
            options,
            clients: Default::default(),
            tasks: Default::default(),
            next_id: AtomicU64::new(1),
            events: events_tx,
            stop: stop_rx,
            spare_funclogs: Default::default(),
        });
        let acceptor = tokio::spawn(accept_loop(listener, inner.clone()));
        Ok(Server {
            address,
            inner,
            events,
            pending: Default::default(),
            recycled: Vec::new(),
            stop,
            acceptor,
            socket_path,
        })
    }

    /// The address actually listened on.
    pub fn local_addr(&self) -> &Address {
        &self.address
    }

    /// The next event; `None` after the server stopped and all were taken.
    pub async fn next_event(&mut self) -> Option<ServerEvent> {
        loop {
            if let Some(event) = self.pending.next() {
                return Some(event);
            }
            self.pending = self.events.recv().await?.into_iter();
        }
    }

    /// The next event if one is waiting now, without waiting for one.
    pub fn try_next_event(&mut self) -> Option<ServerEvent> {
        loop {
            if let Some(event) = self.pending.next() {
                return Some(event);
            }
            self.pending = self.events.try_recv().ok()?.into_iter();
        }
    }

    /// Gives back an event once it is handled: the memory of a gob
    /// funclog's record (its tag and frames) goes back to the connections,
    /// whose next funclogs fill it instead of allocating. Optional: an
    /// event merely dropped is fine.
    pub fn recycle(&mut self, event: ServerEvent) {
        let ServerEvent::FuncLog {
            packet:
                AnyPacket::Gob(Packet::RawFuncLogNew(RawFuncLogNewPacket {
                    func_log: Some(log),
                })),
            ..
        } = event
        else {
            return;
        };
        // The shared list holds only records a decoder would keep.
        if !crate::protocol::gob::PayloadDecoder::worth_recycling(&log) {
            return;
        }
        self.recycled.push(log);
        if self.recycled.len() >= RECYCLE_BATCH {
            let mut spares = lock(&self.inner.spare_funclogs);
            if spares.len() < SPARE_FUNCLOGS {
                spares.append(&mut self.recycled);
            }
            drop(spares);
            self.recycled.clear();
        }
    }

    /// The ids of the clients connected now.
    pub fn clients(&self) -> Vec<ClientId> {
        let mut ids: Vec<_> = lock(&self.inner.clients).keys().copied().collect();
        ids.sort_unstable();
        ids
    }

    /// What the server holds now: connections and memory.
    pub fn stats(&self) -> ServerStats {
        ServerStats {
            connections: lock(&self.inner.clients).len(),
            memory: self.inner.budget.stats(),
        }
    }

    /// Sends a StartTraceCmd or StopTraceCmd to one client. A packet the
    /// client cannot receive (over the outgoing limit) is an error, and
    /// nothing of it is sent. It waits while the client takes the bytes
    /// (at most the write timeout without progress): to send to many
    /// clients side by side, use [`Server::commands`].
    pub async fn send_command(&self, client: ClientId, packet: &AnyPacket) -> Result<(), NetError> {
        self.commands().send_command(client, packet).await
    }

    /// A handle that sends commands, for other tasks: one client that
    /// stopped reading then holds up only the task sending to it.
    pub fn commands(&self) -> Commands {
        Commands {
            inner: self.inner.clone(),
        }
    }

    /// Stops accepting, sends Shutdown to every client, closes each
    /// connection and waits (up to the grace period) for them to end.
    pub async fn shutdown(mut self) -> Vec<ServerEvent> {
        self.acceptor.abort();
        let grace = self.inner.options.stop_grace;
        let deadline = tokio::time::Instant::now() + grace;
        let conns: Vec<_> = lock(&self.inner.clients).values().cloned().collect();
        // Side by side and within the grace period: a client that takes no
        // bytes must not hold up the stop.
        let goodbyes = conns.into_iter().map(|conn| async move {
            let mut c = conn.lock().await;
            c.session.close();
            if c.flush(grace).await.is_ok() {
                let _ = c.writer.shutdown().await;
            }
        });
        let _ = tokio::time::timeout_at(deadline, join_all(goodbyes)).await;
        let _ = self.stop.send(true);
        let tasks: Vec<_> = std::mem::take(&mut *lock(&self.inner.tasks));
        // Events must keep flowing while the connections finish.
        let mut rest = Vec::new();
        let wait = async {
            for t in tasks {
                let _ = t.await;
            }
        };
        tokio::pin!(wait);
        let deadline = tokio::time::sleep_until(deadline);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                _ = &mut wait => break,
                _ = &mut deadline => break,
                Some(batch) = self.events.recv() => rest.extend(batch),
            }
        }
        for t in std::mem::take(&mut *lock(&self.inner.tasks)) {
            t.abort();
        }
        while let Ok(batch) = self.events.try_recv() {
            rest.extend(batch);
        }
        let mut all: Vec<ServerEvent> = self.pending.by_ref().collect();
        all.extend(rest);
        all
    }
}

/// Sends commands to a [`Server`]'s clients from any task.
#[derive(Clone)]
pub struct Commands {
    inner: Arc<Inner>,
}

impl Commands {
    /// As [`Server::send_command`].
    pub async fn send_command(&self, client: ClientId, packet: &AnyPacket) -> Result<(), NetError> {
        let conn = lock(&self.inner.clients)
            .get(&client)
            .cloned()
            .ok_or(NetError::UnknownClient(client))?;
        {
            let mut c = conn.lock().await;
            c.session.send(packet)?;
            c.flush(self.inner.options.write_timeout).await?;
        }
        let _ = self
            .inner
            .events
            .send(vec![ServerEvent::CommandSent {
                client,
                packet: packet.clone(),
            }])
            .await;
        Ok(())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.acceptor.abort();
        let _ = self.stop.send(true);
        for t in lock(&self.inner.tasks).iter() {
            t.abort();
        }
        if let Some(path) = &self.socket_path {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// Runs the futures side by side until all are done.
async fn join_all<F: std::future::Future<Output = ()>>(futures: impl IntoIterator<Item = F>) {
    let mut set = Vec::new();
    for f in futures {
        set.push(Box::pin(f));
    }
    std::future::poll_fn(|cx| {
        set.retain_mut(|f| f.as_mut().poll(cx).is_pending());
        if set.is_empty() {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await
}

fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes a socket file left by a server that is gone (nobody answers).
async fn remove_stale_socket(path: &std::path::Path) {
    use std::os::unix::fs::FileTypeExt;
    let is_socket = std::fs::metadata(path).map(|m| m.file_type().is_socket());
    if matches!(is_socket, Ok(true)) && tokio::net::UnixStream::connect(path).await.is_err() {
        let _ = std::fs::remove_file(path);
    }
}

async fn accept_loop(listener: Listener, inner: Arc<Inner>) {
    loop {
        let conn = match listener.accept().await {
            Ok(c) => c,
            // Out of descriptors and the like: wait a little, go on.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
        let task = tokio::spawn(serve_client(id, conn, inner.clone()));
        let mut tasks = lock(&inner.tasks);
        tasks.retain(|t| !t.is_finished());
        tasks.push(task);
    }
}

async fn serve_client(id: ClientId, conn: Conn, inner: Arc<Inner>) {
    let (reader, writer) = tokio::io::split(conn);
    let kill = Arc::new(Notify::new());
    let shared = Arc::new(Mutex::new(ConnShared {
        session: ServerSession::new(&inner.options.session, inner.options.secret.clone()),
        writer,
        kill: kill.clone(),
        writing: false,
    }));
    lock(&inner.clients).insert(id, shared.clone());
    let reason = match read_client(id, reader, &shared, &kill, &inner).await {
        Ok(reason) => reason,
        Err(e) => e.to_string(),
    };
    lock(&inner.clients).remove(&id);
    {
        let mut c = shared.lock().await;
        // An abandoned frame's memory goes back at once.
        c.session.release_memory(0);
        let _ = tokio::time::timeout(inner.options.write_timeout, c.writer.shutdown()).await;
    }
    let _ = inner
        .events
        .send(vec![ServerEvent::Disconnected { client: id, reason }])
        .await;
}

/// How many batches of events may wait for the server's owner: beyond
/// that, connections wait (and so do their peers).
const EVENT_BATCHES: usize = 16;

/// The most one socket read takes in.
const READ_CHUNK: usize = 64 * 1024;

/// The memory a connection must have reserved before it reads on: room
/// for the frame it is receiving (once its length has arrived) and for
/// what one read adds.
fn memory_need(session: &ServerSession, budget: usize) -> Result<usize, NetError> {
    let frame = match session.next_frame_len() {
        Some(len) if len > budget as u64 => {
            return Err(NetError::FrameOverBudget { len, budget });
        }
        Some(len) => len as usize,
        None => 0,
    };
    let need = (frame + 2 * READ_CHUNK).max(session.buffered() + READ_CHUNK);
    Ok(need.min(budget))
}

/// Reads one client until it leaves; the result is why it left.
async fn read_client(
    id: ClientId,
    mut reader: ReadHalf<Conn>,
    shared: &Mutex<ConnShared>,
    kill: &Notify,
    inner: &Inner,
) -> Result<String, NetError> {
    let options = &inner.options;
    let mut stop = inner.stop.clone();
    let mut buf = vec![0u8; READ_CHUNK];
    let mut memory = Reservation::new(inner.budget.clone());
    let hello_deadline = tokio::time::Instant::now() + options.handshake_timeout;
    // When the last complete frame arrived: bytes that never finish a
    // frame, and time spent waiting for memory, do not keep a connection
    // alive.
    let mut last_frame = tokio::time::Instant::now();
    loop {
        let (established, need) = {
            let c = shared.lock().await;
            (
                c.session.is_established(),
                memory_need(&c.session, inner.budget.limit())?,
            )
        };
        let deadline = if established {
            options.idle_timeout.map(|t| last_frame + t)
        } else {
            Some(hello_deadline)
        };
        let expired = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        // Memory first (this may wait), then the socket.
        let step = async {
            memory.resize(need).await;
            reader.read(&mut buf).await
        };
        let n = tokio::select! {
            r = step => match r {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    // A frame under way is lost with the connection: say so.
                    let cut = shared.lock().await.session.handle_input_closed();
                    return Ok(match cut {
                        Err(cut) => format!("client reset the connection; {cut}, discarded"),
                        Ok(()) => "client reset the connection".into(),
                    });
                }
                Err(e) => return Err(e.into()),
            },
            _ = expired => return Ok(if established {
                "no frame within the idle timeout".into()
            } else {
                format!("no hello within {:?}", options.handshake_timeout)
            }),
            _ = stop.changed() => return Ok("server stopped".into()),
            _ = kill.notified() => return Ok("the client did not take a frame in time".into()),
        };
        let mut said_shutdown = false;
        let mut batch;
        let outcome = {
            let mut c = shared.lock().await;
            let r = if n == 0 {
                c.session.handle_input_closed()
            } else {
                // Records the owner is done with, for this read's funclogs
                // (the shared list is locked only for a session that reads
                // funclogs by hand and has room).
                if c.session.wants_spares() {
                    c.session.recycle(&mut lock(&inner.spare_funclogs));
                }
                c.session.handle_input(&buf[..n])
            };
            // Each event goes into the batch for the owner as it is taken.
            let events = c.session.take_events();
            batch = Vec::with_capacity(events.len());
            let mut framed = false;
            for e in events {
                framed |= !matches!(e, SessionEvent::BadFrame(_));
                let event = match e {
                    SessionEvent::Hello(hello) => ServerEvent::Connected {
                        client: id,
                        generation: hello.generation(),
                        hello,
                    },
                    SessionEvent::Symbols(packet) => ServerEvent::Symbols { client: id, packet },
                    SessionEvent::FuncLog(packet) => ServerEvent::FuncLog { client: id, packet },
                    SessionEvent::BadFrame(frame) => ServerEvent::BadFrame { client: id, frame },
                    SessionEvent::Ping => continue,
                    SessionEvent::Shutdown => {
                        said_shutdown = true;
                        continue;
                    }
                };
                batch.push(event);
            }
            if framed {
                last_frame = tokio::time::Instant::now();
            }
            // A big frame's buffer goes back once it is decoded.
            let keep = c
                .session
                .next_frame_len()
                .map_or(READ_CHUNK, |len| len as usize + READ_CHUNK);
            c.session.release_memory(keep);
            memory.set_buffered(c.session.buffered());
            // The hello's answer, if any; nothing goes out after an error.
            if r.is_ok() {
                c.flush(options.write_timeout).await?;
            }
            (r, c.session.is_closed())
        };
        if !batch.is_empty() && inner.events.send(batch).await.is_err() {
            return Ok("server dropped".into());
        }
        match outcome {
            (Err(e), _) => return Err(NetError::Protocol(e)),
            (Ok(()), _) if said_shutdown => return Ok("client sent Shutdown".into()),
            (Ok(()), _) if n == 0 => return Ok("client closed the connection".into()),
            (Ok(()), true) => return Ok("session closed".into()),
            (Ok(()), false) => {}
        }
    }
}
