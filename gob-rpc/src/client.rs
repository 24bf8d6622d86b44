//! The client: Go's `rpc.Client` (`rpc.Dial`, `rpc.DialHTTP`, `Call`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::oneshot;
use tokio::task::AbortHandle;

use crate::addr::{Address, Stream};
use crate::error::{Error, StreamError};
use crate::http::{DEFAULT_RPC_PATH, connect_handshake};
use crate::wire::{GobReader, Outgoing, Request, Response, SendError, Values, write_loop};

/// A connection to a net/rpc server, on which any number of calls may be
/// in flight at once (each matched to its reply by its sequence number).
/// Clones share the connection; it closes when the last clone is dropped.
///
/// When the connection ends, every call in flight fails at once with
/// [`Error::Shutdown`] saying why, and so does every later call.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    calls: Arc<Calls>,
    outgoing: Outgoing,
    tasks: [AbortHandle; 2],
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The writer ends by itself once `outgoing` is gone, after it has
        // written what was queued.
        self.tasks[0].abort();
    }
}

/// How a pending call ends.
enum Outcome<'a> {
    /// Its reply has arrived and waits in the stream.
    Reply(&'a mut Values),
    /// The server answered with an error.
    Server(String),
    /// The connection ended.
    Lost(Arc<str>),
}

/// What to do when a call's answer comes: decode its reply into the
/// caller's type and hand it over. An error is the stream's, which ends
/// the connection.
type Completion = Box<dyn FnOnce(Outcome<'_>) -> Result<(), StreamError> + Send>;

/// The calls in flight on a connection.
#[derive(Default)]
struct Calls {
    state: Mutex<CallsState>,
}

#[derive(Default)]
struct CallsState {
    next_seq: u64,
    pending: HashMap<u64, Completion>,
    /// Why the connection ended, once it has.
    shut: Option<Arc<str>>,
}

impl Calls {
    fn lock(&self) -> std::sync::MutexGuard<'_, CallsState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A sequence number for a new call, or why there can be none.
    fn register(&self, completion: Completion) -> Result<u64, Arc<str>> {
        let mut state = self.lock();
        if let Some(reason) = &state.shut {
            return Err(reason.clone());
        }
        let seq = state.next_seq;
        state.next_seq += 1;
        state.pending.insert(seq, completion);
        Ok(seq)
    }

    fn take(&self, seq: u64) -> Option<Completion> {
        self.lock().pending.remove(&seq)
    }

    fn reason(&self) -> Option<Arc<str>> {
        self.lock().shut.clone()
    }

    /// Ends the connection's calls: every pending one fails with `reason`,
    /// and so will every later one. The first reason stays.
    fn shut(&self, reason: &str) {
        let (reason, pending) = {
            let mut state = self.lock();
            let reason = state.shut.get_or_insert_with(|| reason.into()).clone();
            (reason, std::mem::take(&mut state.pending))
        };
        for (_, completion) in pending {
            // A lost call decodes nothing: no stream error can come back.
            let _ = completion(Outcome::Lost(reason.clone()));
        }
    }
}

/// Forgets a registered call if the caller goes away before its answer
/// (or before it was even sent), so that nothing waits for it.
struct Registered<'a> {
    calls: &'a Calls,
    seq: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        self.calls.take(self.seq);
    }
}

impl Client {
    /// Connects to a server that serves net/rpc directly on its
    /// connections (Go's `rpc.Dial`, a server using `rpc.Accept` or
    /// `ServeConn`).
    pub async fn connect(address: &Address) -> Result<Client, Error> {
        Ok(Client::from_stream(address.connect().await?))
    }

    /// Connects through Go's HTTP transport (`rpc.DialHTTP`): `CONNECT
    /// /_goRPC_`, to a server using `rpc.HandleHTTP`.
    pub async fn connect_http(address: &Address) -> Result<Client, Error> {
        Client::connect_http_path(address, DEFAULT_RPC_PATH).await
    }

    /// Like [`Client::connect_http`] with another path (Go's
    /// `rpc.DialHTTPPath`).
    pub async fn connect_http_path(address: &Address, path: &str) -> Result<Client, Error> {
        let mut stream = address.connect().await?;
        connect_handshake(&mut stream, path).await?;
        Ok(Client::from_stream(stream))
    }

    /// A client on a connection made by [`Address::connect`].
    pub fn from_stream(stream: Stream) -> Client {
        match stream {
            Stream::Tcp(tcp) => {
                let (read, write) = tcp.into_split();
                Client::from_halves(read, write)
            }
            Stream::Unix(unix) => {
                let (read, write) = unix.into_split();
                Client::from_halves(read, write)
            }
        }
    }

    /// A client on any connection (Go's `rpc.NewClient`); it must be
    /// called within a tokio runtime.
    pub fn new<S>(stream: S) -> Client
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (read, write) = tokio::io::split(stream);
        Client::from_halves(read, write)
    }

    fn from_halves<R, W>(read: R, write: W) -> Client
    where
        R: AsyncRead + Unpin + Send + 'static,
        W: AsyncWrite + Unpin + Send + 'static,
    {
        let calls = Arc::new(Calls::default());
        let (outgoing, queue) = Outgoing::new();
        let writer_calls = calls.clone();
        let writer = tokio::spawn(async move {
            if let Err(error) = write_loop(write, queue).await {
                writer_calls.shut(&format!("writing to the server: {error}"));
            }
        });
        let reader = tokio::spawn(read_loop(
            GobReader::new(read),
            calls.clone(),
            writer.abort_handle(),
        ));
        Client {
            inner: Arc::new(Inner {
                calls,
                outgoing,
                tasks: [reader.abort_handle(), writer.abort_handle()],
            }),
        }
    }

    /// Calls `method` (`"Service.Method"`) with `args` and waits for its
    /// reply (Go's `Client.Call`). Go's `*Args` and `*Reply` are the Rust
    /// types themselves; see `serde_gob` for how Rust types stand for Go
    /// types.
    pub async fn call<A, R>(&self, method: &str, args: &A) -> Result<R, Error>
    where
        A: Serialize + ?Sized,
        R: DeserializeOwned + Send + 'static,
    {
        let (sender, answer) = oneshot::channel::<Result<R, Error>>();
        let name = method.to_string();
        let completion: Completion = Box::new(move |outcome| {
            let (result, stream) = match outcome {
                Outcome::Reply(values) => match values.decode::<R>() {
                    Ok(Ok(reply)) => (Ok(reply), Ok(())),
                    Ok(Err(source)) => (
                        Err(Error::DecodeReply {
                            method: name,
                            source,
                        }),
                        Ok(()),
                    ),
                    Err(broken) => {
                        let reason = broken.to_string().into();
                        (
                            Err(Error::Shutdown {
                                method: name,
                                reason,
                            }),
                            Err(broken),
                        )
                    }
                },
                Outcome::Server(message) => (
                    Err(Error::Server {
                        method: name,
                        message,
                    }),
                    Ok(()),
                ),
                Outcome::Lost(reason) => (
                    Err(Error::Shutdown {
                        method: name,
                        reason,
                    }),
                    Ok(()),
                ),
            };
            // The caller may have gone away: nobody to tell then.
            let _ = sender.send(result);
            stream
        });
        let shutdown = |reason| Error::Shutdown {
            method: method.to_string(),
            reason,
        };
        let calls = &self.inner.calls;
        let seq = calls.register(completion).map_err(shutdown)?;
        let _registered = Registered { calls, seq };
        let header = Request {
            service_method: method.to_string(),
            seq,
        };
        match self
            .inner
            .outgoing
            .slot()
            .await
            .and_then(|slot| slot.send(&header, args))
        {
            Ok(()) => {}
            Err(SendError::Body(source) | SendError::Header(source)) => {
                return Err(Error::EncodeArguments {
                    method: method.to_string(),
                    source,
                });
            }
            Err(SendError::Closed) => {
                let reason = calls
                    .reason()
                    .unwrap_or_else(|| "the connection's writer has stopped".into());
                return Err(shutdown(reason));
            }
        }
        match answer.await {
            Ok(result) => result,
            // Only a completion dropped unrun drops its sender.
            Err(_) => Err(shutdown(
                calls
                    .reason()
                    .unwrap_or_else(|| "the call was dropped".into()),
            )),
        }
    }

    /// Closes the connection: every call in flight fails with
    /// [`Error::Shutdown`], as does every later call (Go's `Client.Close`).
    pub fn close(&self) {
        self.inner.calls.shut("the client was closed");
        for task in &self.inner.tasks {
            task.abort();
        }
    }

    /// Why the connection ended, if it has.
    pub fn shutdown_reason(&self) -> Option<Arc<str>> {
        self.inner.calls.reason()
    }
}

/// Reads the server's responses until the connection ends, then fails
/// every call still pending with the reason and closes the connection.
async fn read_loop<R: AsyncRead + Unpin>(
    mut reader: GobReader<R>,
    calls: Arc<Calls>,
    writer: AbortHandle,
) {
    let reason = match read_responses(&mut reader, &calls).await {
        Ok(()) => "the server closed the connection".to_string(),
        Err(error) => error.to_string(),
    };
    calls.shut(&reason);
    // Nothing more can be answered: the write side goes too.
    writer.abort();
}

async fn read_responses<R: AsyncRead + Unpin>(
    reader: &mut GobReader<R>,
    calls: &Calls,
) -> Result<(), StreamError> {
    loop {
        let header: Response = match reader.next().await? {
            None => return Ok(()),
            Some(Ok(header)) => header,
            Some(Err(source)) => {
                return Err(StreamError::Header {
                    what: "response",
                    source,
                });
            }
        };
        let completion = calls.take(header.seq);
        let body = match reader.ready().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(StreamError::MissingBody { what: "response" }),
            Err(error) => Err(error),
        };
        let Some(completion) = completion else {
            // A call whose caller has gone: its body goes unread.
            body?;
            reader.values().skip()?;
            continue;
        };
        if let Err(error) = body {
            let _ = completion(Outcome::Lost(error.to_string().into()));
            return Err(error);
        }
        if header.error.is_empty() {
            completion(Outcome::Reply(reader.values()))?;
        } else {
            // Go's server sends an empty struct after an error.
            let skipped = reader.values().skip();
            let _ = completion(Outcome::Server(header.error));
            skipped?;
        }
    }
}
