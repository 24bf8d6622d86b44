//! The server: Go's `rpc.Server`, with Rust handlers registered under
//! `Service.Method` names.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::task::JoinSet;

use crate::addr::{Listener, Stream};
use crate::error::{Error, StreamError};
use crate::http::{DEFAULT_RPC_PATH, accept_handshake};
use crate::wire::{
    GobReader, InvalidRequest, Outgoing, Request, Response, SendError, Values, write_loop,
};

/// A call that has its arguments and runs to its response.
type Running = Pin<Box<dyn Future<Output = ()> + Send>>;

/// A registered method, its argument and reply types erased.
trait Method: Send + Sync {
    /// Decodes the call's arguments from the stream and gives the call to
    /// run, or the arguments' decoding error. The outer error is the
    /// stream's: the connection ends.
    fn start(
        &self,
        values: &mut Values,
        header: Request,
        outgoing: Arc<Outgoing>,
    ) -> Result<Result<Running, serde_gob::Error>, StreamError>;
}

/// The types a handler function is generic over, which it takes and gives.
type Signature<A, R, E, Fut> = PhantomData<fn(A) -> (R, E, Fut)>;

struct Handler<F, A, R, E, Fut> {
    function: F,
    _types: Signature<A, R, E, Fut>,
}

impl<F, A, R, E, Fut> Method for Handler<F, A, R, E, Fut>
where
    F: Fn(A) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<R, E>> + Send + 'static,
    A: DeserializeOwned + Send + 'static,
    R: Serialize + Send + 'static,
    E: Display + Send + 'static,
{
    fn start(
        &self,
        values: &mut Values,
        header: Request,
        outgoing: Arc<Outgoing>,
    ) -> Result<Result<Running, serde_gob::Error>, StreamError> {
        let args = match values.decode::<A>()? {
            Ok(args) => args,
            Err(error) => return Ok(Err(error)),
        };
        let call = (self.function)(args);
        Ok(Ok(Box::pin(async move {
            // In a task of its own, so that a handler that panics is
            // answered with an error rather than never.
            let outcome = tokio::spawn(call).await;
            let method = &header.service_method;
            let error = match outcome {
                Ok(Ok(reply)) => {
                    let response = Response {
                        service_method: header.service_method.clone(),
                        seq: header.seq,
                        error: String::new(),
                    };
                    match outgoing
                        .slot()
                        .await
                        .and_then(|slot| slot.send(&response, &reply))
                    {
                        Ok(()) | Err(SendError::Closed) => return,
                        Err(SendError::Body(e) | SendError::Header(e)) => {
                            format!("gob-rpc: cannot encode the reply of {method}: {e}")
                        }
                    }
                }
                Ok(Err(error)) => error.to_string(),
                Err(_) => format!("gob-rpc: the handler of {method} panicked"),
            };
            send_error(&outgoing, &header, error).await;
        })))
    }
}

/// Answers a call with an error and Go's empty body.
async fn send_error(outgoing: &Outgoing, header: &Request, error: String) {
    let response = Response {
        service_method: header.service_method.clone(),
        seq: header.seq,
        error,
    };
    // Only a connection that is gone fails here: nobody to tell.
    let _ = outgoing
        .slot()
        .await
        .and_then(|slot| slot.send(&response, &InvalidRequest {}));
}

/// A service's methods by name.
type Service = HashMap<String, Arc<dyn Method>>;

/// Reports the end of a connection that failed.
type ErrorReport = Arc<dyn Fn(&Error) + Send + Sync>;

/// A net/rpc server: methods registered under `Service.Method` names,
/// served on any number of connections, each call in a task of its own
/// (as Go's server runs each in a goroutine). Clones share the methods.
#[derive(Clone, Default)]
pub struct Server {
    services: Arc<HashMap<String, Service>>,
    on_error: Option<ErrorReport>,
}

impl Server {
    /// A server with no methods.
    pub fn new() -> Server {
        Server::default()
    }

    /// Registers `handler` as `name` (`"Service.Method"`): it takes the
    /// call's arguments and returns the reply, or an error whose text the
    /// client receives (as a Go method's `error` return).
    ///
    /// Fails if `name` has no `.`, or is registered already.
    pub fn register<F, A, R, E, Fut>(&mut self, name: &str, handler: F) -> Result<(), Error>
    where
        F: Fn(A) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<R, E>> + Send + 'static,
        A: DeserializeOwned + Send + 'static,
        R: Serialize + Send + 'static,
        E: Display + Send + 'static,
    {
        let Some((service, method)) = name.rsplit_once('.') else {
            return Err(Error::Register(format!(
                "{name:?} is not of the form Service.Method"
            )));
        };
        if service.is_empty() || method.is_empty() {
            return Err(Error::Register(format!(
                "{name:?} is not of the form Service.Method"
            )));
        }
        let services = Arc::make_mut(&mut self.services);
        let methods = services.entry(service.to_string()).or_default();
        if methods.contains_key(method) {
            return Err(Error::Register(format!("{name} is registered already")));
        }
        let handler = Handler {
            function: handler,
            _types: PhantomData,
        };
        methods.insert(method.to_string(), Arc::new(handler));
        Ok(())
    }

    /// Has `report` called with the error of every connection that
    /// [`Server::serve`] or [`Server::serve_http`] sees fail (a bad gob
    /// stream, a refused HTTP request).
    pub fn on_connection_error(&mut self, report: impl Fn(&Error) + Send + Sync + 'static) {
        self.on_error = Some(Arc::new(report));
    }

    /// Accepts connections and serves each in a task of its own (Go's
    /// `Server.Accept`); returns only if accepting fails.
    pub async fn serve(&self, listener: &Listener) -> Result<(), Error> {
        self.accept_loop(listener, false).await
    }

    /// Like [`Server::serve`] for clients that connect through Go's HTTP
    /// transport (`rpc.DialHTTP`): each connection starts with `CONNECT
    /// /_goRPC_` (Go's `Server.HandleHTTP` with `http.Serve`).
    pub async fn serve_http(&self, listener: &Listener) -> Result<(), Error> {
        self.accept_loop(listener, true).await
    }

    async fn accept_loop(&self, listener: &Listener, http: bool) -> Result<(), Error> {
        loop {
            let stream = listener.accept().await.map_err(|source| Error::Network {
                what: "cannot accept on",
                address: listener.address().to_string(),
                source,
            })?;
            let server = self.clone();
            tokio::spawn(async move {
                let served = if http {
                    server.serve_http_connection(stream).await
                } else {
                    server.serve_connection(stream).await
                };
                if let (Err(error), Some(report)) = (served, &server.on_error) {
                    report(&error);
                }
            });
        }
    }

    /// Answers the HTTP CONNECT of `stream`, then serves it.
    pub async fn serve_http_connection(&self, mut stream: Stream) -> Result<(), Error> {
        accept_handshake(&mut stream, DEFAULT_RPC_PATH).await?;
        self.serve_connection(stream).await
    }

    /// Serves one connection until the client closes it (Go's
    /// `Server.ServeConn`), then waits for its calls to be answered. An
    /// error says why the connection ended otherwise.
    pub async fn serve_connection<S>(&self, stream: S) -> Result<(), Error>
    where
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let (read, write) = tokio::io::split(stream);
        let (outgoing, queue) = Outgoing::new();
        let outgoing = Arc::new(outgoing);
        let writer = tokio::spawn(write_loop(write, queue));
        let mut running = JoinSet::new();
        let mut reader = GobReader::new(read);
        let read = self
            .read_requests(&mut reader, &outgoing, &mut running)
            .await;
        // As Go's server: the calls read are answered before the close.
        while running.join_next().await.is_some() {}
        drop(outgoing);
        // The client may be gone already: the answers then go nowhere.
        let _ = writer.await;
        Ok(read?)
    }

    async fn read_requests<R: AsyncRead + Unpin>(
        &self,
        reader: &mut GobReader<R>,
        outgoing: &Arc<Outgoing>,
        running: &mut JoinSet<()>,
    ) -> Result<(), StreamError> {
        loop {
            while running.try_join_next().is_some() {}
            let header: Request = match reader.next().await? {
                None => return Ok(()),
                Some(Ok(header)) => header,
                Some(Err(source)) => {
                    return Err(StreamError::Header {
                        what: "request",
                        source,
                    });
                }
            };
            let method = match self.lookup(&header.service_method) {
                Ok(method) => method,
                Err(refusal) => {
                    reader.skip("request").await?;
                    send_error(outgoing, &header, refusal).await;
                    continue;
                }
            };
            if !reader.ready().await? {
                return Err(StreamError::MissingBody { what: "request" });
            }
            match method.start(reader.values(), header.clone(), outgoing.clone())? {
                Ok(call) => {
                    running.spawn(call);
                }
                Err(error) => {
                    let refusal = format!(
                        "gob-rpc: cannot decode the arguments of {}: {error}",
                        header.service_method
                    );
                    send_error(outgoing, &header, refusal).await;
                }
            }
        }
    }

    /// The method called `service_method`, or Go's error text for a name
    /// it cannot serve.
    fn lookup(&self, service_method: &str) -> Result<Arc<dyn Method>, String> {
        let Some((service, method)) = service_method.rsplit_once('.') else {
            return Err(format!(
                "rpc: service/method request ill-formed: {service_method}"
            ));
        };
        let Some(methods) = self.services.get(service) else {
            return Err(format!("rpc: can't find service {service_method}"));
        };
        match methods.get(method) {
            Some(method) => Ok(method.clone()),
            None => Err(format!("rpc: can't find method {service_method}")),
        }
    }
}
