//! What travels on a net/rpc connection: each direction is one gob stream
//! of header, body, header, body... (Go's `gobClientCodec` and
//! `gobServerCodec`), read from an async socket message by message.

use std::io::Read;
use std::sync::Mutex;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_gob::wire::Cursor;
use serde_gob::{Decoder, Limits, Registry, StreamEncoder};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::error::StreamError;

/// The header Go's client writes before every call's arguments
/// (`net/rpc.Request`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "rpc.Request")]
pub struct Request {
    /// `Service.Method`.
    #[serde(rename = "ServiceMethod")]
    pub service_method: String,
    /// The client's sequence number for the call.
    #[serde(rename = "Seq")]
    pub seq: u64,
}

/// The header Go's server writes before every reply (`net/rpc.Response`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "rpc.Response")]
pub struct Response {
    /// The request's `Service.Method`, echoed.
    #[serde(rename = "ServiceMethod")]
    pub service_method: String,
    /// The request's sequence number, echoed.
    #[serde(rename = "Seq")]
    pub seq: u64,
    /// The error, if any; empty when the call succeeded.
    #[serde(rename = "Error")]
    pub error: String,
}

/// The body Go's server sends after an error header (its
/// `invalidRequest = struct{}{}`); the client never looks at it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "struct {}")]
pub struct InvalidRequest {}

/// How many encoded messages may wait for the writer task: a peer that
/// stops reading makes senders wait rather than memory grow.
const QUEUE_MESSAGES: usize = 1024;

/// How many bytes the writer gathers into one write.
const WRITE_BATCH: usize = 64 * 1024;

/// The bytes read from the socket and not yet decoded: what the decoder
/// reads from. It only ever holds whole messages when the decoder runs.
#[derive(Default)]
struct Feed {
    bytes: Vec<u8>,
    pos: usize,
    /// Stream offset of `bytes[0]`.
    base: u64,
}

impl Read for Feed {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.bytes[self.pos..];
        let n = rest.len().min(out.len());
        out[..n].copy_from_slice(&rest[..n]);
        self.pos += n;
        Ok(n)
    }
}

/// The length prefix at the start of `bytes`: its size and the message
/// length, `None` while it is incomplete. A malformed prefix reads as a
/// huge length, for the decoder to refuse.
fn message_length(bytes: &[u8]) -> Option<(usize, u64)> {
    let mut cursor = Cursor::new(bytes, 0);
    match cursor.get_uint() {
        Ok(len) => Some((cursor.consumed(), len)),
        // Nine bytes hold any length prefix: a failure then is malformed.
        Err(_) if bytes.len() >= 9 => Some((1, u64::MAX)),
        Err(_) => None,
    }
}

impl Feed {
    /// Whether the undecoded bytes hold a whole value: its type definition
    /// messages and the value's message. Bytes the decoder will refuse
    /// (a message over the limit, a bad prefix, definitions beyond the
    /// limit with no value after them) count as whole, so that it refuses
    /// them at once rather than waiting for more.
    fn has_value(&self, max_message: u64) -> bool {
        let mut rest = &self.bytes[self.pos..];
        let mut definitions = 0u64;
        loop {
            let Some((head, len)) = message_length(rest) else {
                return false;
            };
            definitions = definitions.saturating_add(len);
            if len > max_message || definitions > max_message {
                return true;
            }
            let Some(body) = rest.get(head..head + len as usize) else {
                return false;
            };
            // A value message starts with its type's id; a definition with
            // the negated id of the type it defines.
            match Cursor::new(body, 0).get_int() {
                Ok(id) if id < 0 => rest = &rest[head + len as usize..],
                _ => return true,
            }
        }
    }

    /// Whether the undecoded bytes end at the end of a message.
    fn whole_messages(&self) -> bool {
        let mut rest = &self.bytes[self.pos..];
        while !rest.is_empty() {
            let Some((head, len)) = message_length(rest) else {
                return false;
            };
            match rest.get(head + len as usize..) {
                Some(after) => rest = after,
                None => return false,
            }
        }
        true
    }

    fn is_empty(&self) -> bool {
        self.pos == self.bytes.len()
    }

    fn offset(&self) -> u64 {
        self.base + self.pos as u64
    }

    /// Drops what the decoder has read, when that is worth a copy.
    fn compact(&mut self) {
        if self.pos == self.bytes.len() || self.pos >= WRITE_BATCH {
            self.bytes.drain(..self.pos);
            self.base += self.pos as u64;
            self.pos = 0;
        }
    }
}

/// The incoming gob stream of a connection, read value by value from an
/// async reader; memory grows only with the bytes that arrive.
pub(crate) struct GobReader<R> {
    io: R,
    values: Values,
    at_end: bool,
}

/// The decoding side of a [`GobReader`], apart from its socket: what a
/// pending call decodes its reply from.
pub(crate) struct Values {
    decoder: Decoder<Feed>,
    limits: Limits,
}

/// Whether a decoding error concerns the value alone (the Rust type does
/// not fit it): the stream is still sound.
fn value_level(error: &serde_gob::Error) -> bool {
    matches!(
        error,
        serde_gob::Error::TypeMismatch { .. }
            | serde_gob::Error::Invalid { .. }
            | serde_gob::Error::Overflow { .. }
            | serde_gob::Error::Custom(_)
    )
}

impl<R: AsyncRead + Unpin> GobReader<R> {
    pub(crate) fn new(io: R) -> Self {
        let limits = Limits::default();
        GobReader {
            io,
            values: Values {
                decoder: Decoder::with_limits(Feed::default(), limits),
                limits,
            },
            at_end: false,
        }
    }

    /// Waits until a whole value has arrived; `false` when the peer closed
    /// the stream cleanly between values.
    pub(crate) async fn ready(&mut self) -> Result<bool, StreamError> {
        loop {
            let feed = self.values.decoder.reader_mut();
            if feed.has_value(self.values.limits.max_message) {
                return Ok(true);
            }
            if self.at_end {
                if feed.is_empty() {
                    return Ok(false);
                }
                // Whole messages that are no value: the decoder says what
                // is wrong with them.
                if feed.whole_messages() {
                    return Ok(true);
                }
                return Err(StreamError::Truncated {
                    offset: feed.offset(),
                });
            }
            feed.compact();
            feed.bytes.reserve(16 * 1024);
            if self.io.read_buf(&mut feed.bytes).await? == 0 {
                self.at_end = true;
            }
        }
    }

    /// The decoder, for the value [`GobReader::ready`] waited for.
    pub(crate) fn values(&mut self) -> &mut Values {
        &mut self.values
    }

    /// Waits for the next value and decodes it; `None` at a clean end.
    pub(crate) async fn next<T: DeserializeOwned>(
        &mut self,
    ) -> Result<Option<Result<T, serde_gob::Error>>, StreamError> {
        if !self.ready().await? {
            return Ok(None);
        }
        self.values.decode().map(Some)
    }

    /// Reads and drops the next value, whatever its type (Go's
    /// `Decode(nil)`); `what` names it for the error when it never comes.
    pub(crate) async fn skip(&mut self, what: &'static str) -> Result<(), StreamError> {
        if !self.ready().await? {
            return Err(StreamError::MissingBody { what });
        }
        self.values.skip()
    }
}

impl Values {
    /// Decodes the value that has arrived. The outer error means the
    /// stream is broken; the inner one that the value does not fit `T`,
    /// after which the stream goes on with the next value.
    pub(crate) fn decode<T: DeserializeOwned>(
        &mut self,
    ) -> Result<Result<T, serde_gob::Error>, StreamError> {
        let decoded = match self.decoder.decode::<T>() {
            Ok(Some(value)) => Ok(value),
            Ok(None) => {
                return Err(StreamError::Truncated {
                    offset: self.decoder.reader_mut().offset(),
                });
            }
            Err(error) if value_level(&error) => {
                self.realign();
                Err(error)
            }
            Err(error) => return Err(StreamError::Gob(error)),
        };
        self.decoder.reader_mut().compact();
        Ok(decoded)
    }

    /// Drops the value that has arrived, whatever its type.
    pub(crate) fn skip(&mut self) -> Result<(), StreamError> {
        match self.decode::<serde::de::IgnoredAny>()? {
            Ok(_) => Ok(()),
            Err(error) => Err(StreamError::Gob(error)),
        }
    }

    /// After a value failed half-way through its message: a decoder that
    /// starts at the next message, with the types the stream defined.
    fn realign(&mut self) {
        let types = self.decoder.types().to_vec();
        let feed = std::mem::take(self.decoder.reader_mut());
        let failed = std::mem::replace(
            &mut self.decoder,
            Decoder::with_limits(Feed::default(), self.limits),
        );
        self.decoder = Decoder::with_state(feed, self.limits, failed.into_state());
        self.decoder.assume_types(&types);
    }
}

/// Why a header and body were not sent.
#[derive(Debug)]
pub(crate) enum SendError {
    /// The writer task has ended: the connection is gone.
    Closed,
    /// The body has no gob form; nothing of it was sent.
    Body(serde_gob::Error),
    /// The header has no gob form (not for the crate's own headers).
    Header(serde_gob::Error),
}

/// The outgoing gob stream of a connection: one encoder, whose messages a
/// writer task ([`write_loop`]) puts on the socket in the order encoded.
pub(crate) struct Outgoing {
    encoder: Mutex<StreamEncoder>,
    queue: mpsc::Sender<Vec<u8>>,
}

impl Outgoing {
    /// The stream, and the receiving end of its queue for [`write_loop`].
    pub(crate) fn new() -> (Outgoing, mpsc::Receiver<Vec<u8>>) {
        let (queue, receiver) = mpsc::channel(QUEUE_MESSAGES);
        let outgoing = Outgoing {
            encoder: Mutex::new(StreamEncoder::new(Registry::new())),
            queue,
        };
        (outgoing, receiver)
    }

    /// A place in the queue for one header and body. Waiting for it (the
    /// only wait of a send) touches nothing: a caller dropped meanwhile
    /// leaves the stream as it was.
    pub(crate) async fn slot(&self) -> Result<Slot<'_>, SendError> {
        let permit = self.queue.reserve().await.map_err(|_| SendError::Closed)?;
        Ok(Slot {
            encoder: &self.encoder,
            permit,
        })
    }
}

/// A reserved place in an [`Outgoing`] queue.
pub(crate) struct Slot<'a> {
    encoder: &'a Mutex<StreamEncoder>,
    permit: mpsc::Permit<'a, Vec<u8>>,
}

impl Slot<'_> {
    /// Encodes `header` then `body` and queues them as one unit.
    pub(crate) fn send<H, B>(self, header: &H, body: &B) -> Result<(), SendError>
    where
        H: Serialize + ?Sized,
        B: Serialize + ?Sized,
    {
        let mut bytes = Vec::new();
        // Encoding and queueing under one lock: the stream's order is the
        // encoder's order.
        let mut encoder = self
            .encoder
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        encoder
            .encode_into(header, &mut bytes)
            .map_err(SendError::Header)?;
        if let Err(error) = encoder.encode_into(body, &mut bytes) {
            // The encoder counts the header's type definitions as sent:
            // they must reach the peer, the header value must not.
            let definitions = definitions_only(&bytes);
            if !definitions.is_empty() {
                self.permit.send(definitions);
            }
            return Err(SendError::Body(error));
        }
        self.permit.send(bytes);
        Ok(())
    }
}

/// The type definition messages among the whole messages in `bytes`.
fn definitions_only(bytes: &[u8]) -> Vec<u8> {
    let mut kept = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let mut cursor = Cursor::new(rest, 0);
        let Ok(len) = cursor.get_uint() else { break };
        let end = cursor.consumed().saturating_add(len as usize);
        let Some(message) = rest.get(..end) else {
            break;
        };
        let body = &message[cursor.consumed()..];
        if matches!(Cursor::new(body, 0).get_int(), Ok(id) if id < 0) {
            kept.extend_from_slice(message);
        }
        rest = &rest[end..];
    }
    kept
}

/// Writes the queued messages to `io`, gathering those that wait into one
/// write, until every sender is gone; then shuts the write side down.
pub(crate) async fn write_loop<W: AsyncWrite + Unpin>(
    mut io: W,
    mut queue: mpsc::Receiver<Vec<u8>>,
) -> std::io::Result<()> {
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    while let Some(first) = queue.recv().await {
        batch.clear();
        batch.extend_from_slice(&first);
        while batch.len() < WRITE_BATCH {
            match queue.try_recv() {
                Ok(more) => batch.extend_from_slice(&more),
                Err(_) => break,
            }
        }
        io.write_all(&batch).await?;
    }
    io.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_definitions() -> Result<(), serde_gob::Error> {
        let mut encoder = StreamEncoder::new(Registry::new());
        let mut first = Vec::new();
        encoder.encode_into(&Request::default(), &mut first)?;
        let definitions = definitions_only(&first);
        assert!(!definitions.is_empty() && definitions.len() < first.len());
        // The definitions and a later header make the stream the first
        // header would have started.
        let mut second = Vec::new();
        let header = Request {
            service_method: "A.B".into(),
            seq: 7,
        };
        encoder.encode_into(&header, &mut second)?;
        let mut stream = definitions;
        stream.extend_from_slice(&second);
        assert_eq!(serde_gob::from_slice::<Request>(&stream)?, header);
        Ok(())
    }

    #[tokio::test]
    async fn reads_values_split_anywhere_and_skips_empty_structs() {
        let mut encoder = StreamEncoder::new(Registry::new());
        let mut bytes = Vec::new();
        let header = Response {
            service_method: "Arith.Divide".into(),
            seq: 3,
            error: "divide by zero".into(),
        };
        for _ in 0..2 {
            encoder.encode_into(&header, &mut bytes).unwrap();
            encoder.encode_into(&InvalidRequest {}, &mut bytes).unwrap();
        }
        // A reader that gives one byte at a time.
        let (mut near, far) = tokio::io::duplex(1);
        let writer = tokio::spawn(async move {
            near.write_all(&bytes).await.unwrap();
        });
        let mut reader = GobReader::new(far);
        for _ in 0..2 {
            let got: Response = reader.next().await.unwrap().unwrap().unwrap();
            assert_eq!(got, header);
            reader.skip("response").await.unwrap();
        }
        assert!(reader.next::<Response>().await.unwrap().is_none());
        writer.await.unwrap();
    }

    #[tokio::test]
    async fn a_value_of_the_wrong_type_fails_alone() {
        let mut encoder = StreamEncoder::new(Registry::new());
        let mut bytes = Vec::new();
        encoder
            .encode_into(&String::from("text"), &mut bytes)
            .unwrap();
        encoder
            .encode_into(&Request::default(), &mut bytes)
            .unwrap();
        let mut reader = GobReader::new(&bytes[..]);
        let wrong = reader.next::<u64>().await.unwrap().unwrap();
        assert!(wrong.is_err(), "{wrong:?}");
        let right = reader.next::<Request>().await.unwrap().unwrap();
        assert_eq!(right.unwrap(), Request::default());
    }

    #[tokio::test]
    async fn a_cut_message_is_an_error() {
        let bytes = serde_gob::to_vec(&Request::default()).unwrap();
        let mut reader = GobReader::new(&bytes[..bytes.len() - 1]);
        let error = reader.next::<Request>().await.unwrap_err();
        assert!(matches!(error, StreamError::Truncated { .. }), "{error}");
    }
}
