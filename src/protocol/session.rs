//! Client and server sessions as state machines with no socket inside:
//! bytes go in, bytes and events come out (in the manner of sans-I/O
//! protocol crates). The transport in `crate::net` drives them.

use std::collections::VecDeque;

use super::era::GoEra;
use super::error::ProtocolError;
use super::frame::FrameDecoder;
use super::frame::{AnyFrameEncoder, AnyPacket, Generation, PacketKind};
use super::gob::*;
use super::limits::{DEFAULT_MAX_INCOMING_FRAME, OutgoingLimit};
use super::marshal;
use super::version::ProtocolVersion;

/// Limits, the version and the Go era one side of a session uses. Frame
/// sizes count whole frames, the 4-byte length included.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The protocol version sent in the hello.
    pub version: ProtocolVersion,
    /// The largest frame accepted from the peer (default 100 MiB, the
    /// marshal-generation Go peer's own limit). A larger one ends the
    /// session.
    pub max_incoming_frame: usize,
    /// The largest frame sent to the peer; a larger packet is an error to
    /// the caller and nothing of it is sent. `None`: what a Go peer of the
    /// connection's generation receives (3841 bytes for gob, 100 MiB for
    /// marshal; see [`OutgoingLimit`]).
    pub max_outgoing_frame: Option<usize>,
    /// Whose bytes to write: the original goapptrace's Go or today's.
    pub era: GoEra,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            version: ProtocolVersion::DEFAULT,
            max_incoming_frame: DEFAULT_MAX_INCOMING_FRAME,
            max_outgoing_frame: None,
            era: GoEra::default(),
        }
    }
}

impl SessionConfig {
    /// An encoder of `generation` with this config's era and limit.
    fn encoder(&self, generation: Generation) -> AnyFrameEncoder {
        let mut encoder = AnyFrameEncoder::new(generation, self.era);
        encoder.set_limit(OutgoingLimit::for_generation(
            generation,
            self.max_outgoing_frame,
        ));
        encoder
    }
}

/// A complete frame whose payload did not decode. The session skipped it
/// and went on, as the Go peers do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadFrame {
    /// The stream offset of the frame's length.
    pub offset: u64,
    /// The frame's size, its length included.
    pub len: u64,
    /// Why it did not decode.
    pub reason: String,
}

/// What the shared input loop hands to a side.
enum Input {
    Packet(AnyPacket),
    Bad(BadFrame),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitingHello,
    Established,
    Closed,
}

/// What both sides share: frames in and out, the generation, and where the
/// session stands.
struct Core {
    state: State,
    /// Known from the start for a client, from the first frame for a server.
    generation: Option<Generation>,
    encoder: Option<AnyFrameEncoder>,
    decoder: FrameDecoder,
    output: Vec<u8>,
    /// The version, limits and era this side uses.
    config: SessionConfig,
}

impl Core {
    fn new(config: &SessionConfig, generation: Option<Generation>) -> Self {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_frame(config.max_incoming_frame);
        Core {
            state: State::AwaitingHello,
            generation,
            encoder: generation.map(|g| config.encoder(g)),
            decoder,
            output: Vec::new(),
            config: config.clone(),
        }
    }

    fn queue(&mut self, packet: &AnyPacket) -> Result<(), ProtocolError> {
        if self.state == State::Closed {
            return Err(ProtocolError::Closed);
        }
        let generation = self.generation.ok_or(ProtocolError::NotEstablished)?;
        let config = &self.config;
        self.encoder
            .get_or_insert_with(|| config.encoder(generation))
            .encode(packet, &mut self.output)
    }

    fn check_version(&self, theirs: &str) -> Result<(), ProtocolError> {
        let incompatible = || ProtocolError::IncompatibleVersion {
            ours: self.config.version.to_string(),
            theirs: theirs.to_string(),
        };
        let v: ProtocolVersion = theirs.parse().map_err(|_| incompatible())?;
        if !self.config.version.is_compatible(&v) {
            return Err(incompatible());
        }
        Ok(())
    }

    /// Feeds bytes and hands each complete packet to `handle`. Once
    /// established, a frame that does not decode is handed over as bad and
    /// skipped; any other error closes the session, after the packets
    /// before it were handled.
    fn input(
        &mut self,
        bytes: &[u8],
        mut handle: impl FnMut(&mut Core, Input) -> Result<(), ProtocolError>,
    ) -> Result<(), ProtocolError> {
        if self.state == State::Closed {
            return Ok(());
        }
        // Whole frames are decoded where they are in `bytes`.
        let mut rest = bytes;
        while self.state != State::Closed {
            let input = match self.decoder.next_any_from(&mut rest, &mut self.generation) {
                Ok(Some(p)) => Input::Packet(p),
                Ok(None) => break,
                Err(e) if e.is_bad_payload() && self.state == State::Established => {
                    Input::Bad(BadFrame {
                        offset: self.decoder.offset() - self.decoder.last_frame_len(),
                        len: self.decoder.last_frame_len(),
                        reason: e.to_string(),
                    })
                }
                Err(e) => {
                    self.state = State::Closed;
                    return Err(e);
                }
            };
            if let Err(e) = handle(self, input) {
                self.state = State::Closed;
                return Err(e);
            }
        }
        Ok(())
    }

    /// The peer closed its side: fine between frames, an error inside one.
    fn input_closed(&mut self) -> Result<(), ProtocolError> {
        let was_open = self.state != State::Closed;
        self.state = State::Closed;
        if was_open {
            self.decoder.finish()?;
        }
        Ok(())
    }

    fn abandon(&mut self) {
        self.state = State::Closed;
        self.output.clear();
    }

    fn wrong_direction(packet: &AnyPacket, direction: &'static str) -> ProtocolError {
        ProtocolError::WrongDirection {
            packet: packet.go_name(),
            direction,
        }
    }
}

/// What a client learns from the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientEvent {
    /// The server answered the hello (with this ServerHello): the session is
    /// established.
    Established(AnyPacket),
    /// A StartTraceCmd from the server.
    StartTrace(AnyPacket),
    /// A StopTraceCmd from the server.
    StopTrace(AnyPacket),
    /// A Ping from the server.
    Ping,
    /// The server announced it is closing.
    Shutdown,
    /// A frame from the server that did not decode, skipped.
    BadFrame(BadFrame),
}

/// The trace target's side of a session.
pub struct ClientSession {
    core: Core,
    events: VecDeque<ClientEvent>,
}

impl ClientSession {
    /// Starts a session with `hello`, a ClientHello of the generation to
    /// speak; it is queued at once, with the config's version.
    pub fn new(hello: impl Into<AnyPacket>, config: &SessionConfig) -> Result<Self, ProtocolError> {
        let mut hello = hello.into();
        let version = config.version.to_string();
        match &mut hello {
            AnyPacket::Gob(Packet::ClientHello(h)) => h.protocol_version = version,
            AnyPacket::Marshal(marshal::Packet::ClientHello(h)) => h.protocol_version = version,
            other => {
                return Err(ProtocolError::NotHello {
                    expected: "ClientHelloPacket",
                    got: other.go_name(),
                });
            }
        }
        let mut core = Core::new(config, Some(hello.generation()));
        core.queue(&hello)?;
        Ok(ClientSession {
            core,
            events: VecDeque::new(),
        })
    }

    /// The generation the session speaks: that of its hello.
    pub fn generation(&self) -> Generation {
        self.core.generation.unwrap_or_default()
    }

    /// Whether the server has answered the hello, and the session is not
    /// closed.
    pub fn is_established(&self) -> bool {
        self.core.state == State::Established
    }

    /// Whether the session is over: closed by either side, or by an error.
    pub fn is_closed(&self) -> bool {
        self.core.state == State::Closed
    }

    /// Bytes from the server.
    pub fn handle_input(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        let events = &mut self.events;
        self.core.input(bytes, |core, input| {
            let packet = match input {
                Input::Packet(p) => p,
                Input::Bad(bad) => {
                    events.push_back(ClientEvent::BadFrame(bad));
                    return Ok(());
                }
            };
            if core.state == State::AwaitingHello {
                if packet.kind() != PacketKind::ServerHello {
                    return Err(ProtocolError::NotHello {
                        expected: "ServerHelloPacket",
                        got: packet.go_name(),
                    });
                }
                core.check_version(packet.hello_version().unwrap_or_default())?;
                core.state = State::Established;
                events.push_back(ClientEvent::Established(packet));
                return Ok(());
            }
            let event = match packet.kind() {
                PacketKind::StartTraceCmd => ClientEvent::StartTrace(packet),
                PacketKind::StopTraceCmd => ClientEvent::StopTrace(packet),
                PacketKind::Ping => ClientEvent::Ping,
                PacketKind::Shutdown => {
                    core.state = State::Closed;
                    ClientEvent::Shutdown
                }
                _ => return Err(Core::wrong_direction(&packet, "from server to client")),
            };
            events.push_back(event);
            Ok(())
        })
    }

    /// The server closed the connection.
    pub fn handle_input_closed(&mut self) -> Result<(), ProtocolError> {
        self.core.input_closed()
    }

    /// The oldest event not yet taken; `None` when there is none.
    pub fn poll_event(&mut self) -> Option<ClientEvent> {
        self.events.pop_front()
    }

    /// Queues a packet for the server: Symbol, a funclog, or Ping, of the
    /// session's generation.
    pub fn send(&mut self, packet: &AnyPacket) -> Result<(), ProtocolError> {
        match packet.kind() {
            PacketKind::Symbol | PacketKind::FuncLog | PacketKind::Ping => {}
            _ => return Err(Core::wrong_direction(packet, "from client to server")),
        }
        match self.core.state {
            State::AwaitingHello => Err(ProtocolError::NotEstablished),
            _ => self.core.queue(packet),
        }
    }

    /// Queues a Ping.
    pub fn ping(&mut self) -> Result<(), ProtocolError> {
        self.send(&AnyPacket::ping(self.generation()))
    }

    /// Queues a Shutdown and closes the session; flush the output, then
    /// close the connection.
    pub fn close(&mut self) {
        if self.core.state != State::Closed {
            // A Shutdown frame is tiny; it cannot be over any limit.
            let _ = self.core.queue(&AnyPacket::shutdown(self.generation()));
            self.core.state = State::Closed;
        }
    }

    /// Takes the bytes to send to the server.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.core.output)
    }

    /// Gives back a buffer [`ClientSession::take_output`] returned, once
    /// its bytes are sent: its memory (up to 4 MiB) holds the next output,
    /// instead of a new buffer that grows again batch after batch.
    pub fn reuse_output(&mut self, mut sent: Vec<u8>) {
        const KEEP: usize = 4 << 20;
        let output = &mut self.core.output;
        if output.is_empty() && sent.capacity() > output.capacity() && sent.capacity() <= KEEP {
            sent.clear();
            *output = sent;
        }
    }

    /// Closes without a word: for a connection whose bytes can no longer
    /// reach the peer whole (a write cut off midway). Queued output is
    /// dropped.
    pub fn abandon(&mut self) {
        self.core.abandon();
    }

    /// Whether bytes wait to be sent to the server ([`ClientSession::take_output`]).
    pub fn has_output(&self) -> bool {
        !self.core.output.is_empty()
    }
}

/// What a server learns from a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServerEvent {
    /// The client said hello (this ClientHello), and the server answered.
    Hello(AnyPacket),
    /// A SymbolPacket.
    Symbols(AnyPacket),
    /// A RawFuncLogNewPacket (gob) or RawFuncLogPacket (marshal).
    FuncLog(AnyPacket),
    /// A Ping from the client.
    Ping,
    /// The client announced it is closing.
    Shutdown,
    /// A frame from the client that did not decode, skipped.
    BadFrame(BadFrame),
}

/// The log server's side of a session. It speaks the generation of the
/// client's first frame.
pub struct ServerSession {
    core: Core,
    secret: Option<String>,
    events: VecDeque<ServerEvent>,
}

impl ServerSession {
    /// A session that waits for the client's hello. With a secret, a hello
    /// that does not carry it is refused before anything else is accepted.
    pub fn new(config: &SessionConfig, secret: Option<String>) -> Self {
        ServerSession {
            core: Core::new(config, None),
            secret,
            events: VecDeque::new(),
        }
    }

    /// The client's generation, once its first frame has arrived.
    pub fn generation(&self) -> Option<Generation> {
        self.core.generation
    }

    /// Whether the client's hello has been accepted and answered, and the
    /// session is not closed.
    pub fn is_established(&self) -> bool {
        self.core.state == State::Established
    }

    /// Whether the session is over: closed by either side, or by an error.
    pub fn is_closed(&self) -> bool {
        self.core.state == State::Closed
    }

    /// Bytes from the client.
    pub fn handle_input(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        let events = &mut self.events;
        let secret = self.secret.as_deref();
        self.core.input(bytes, |core, input| {
            let packet = match input {
                Input::Packet(p) => p,
                Input::Bad(bad) => {
                    events.push_back(ServerEvent::BadFrame(bad));
                    return Ok(());
                }
            };
            if core.state == State::AwaitingHello {
                if packet.kind() != PacketKind::ClientHello {
                    return Err(ProtocolError::NotHello {
                        expected: "ClientHelloPacket",
                        got: packet.go_name(),
                    });
                }
                core.check_version(packet.hello_version().unwrap_or_default())?;
                if let Some(secret) = secret
                    && !constant_time_eq(
                        secret.as_bytes(),
                        packet.client_secret().unwrap_or_default().as_bytes(),
                    )
                {
                    return Err(ProtocolError::WrongSecret);
                }
                let reply =
                    AnyPacket::server_hello(packet.generation(), core.config.version.to_string());
                core.queue(&reply)?;
                core.state = State::Established;
                events.push_back(ServerEvent::Hello(packet));
                return Ok(());
            }
            let event = match packet.kind() {
                PacketKind::Symbol => ServerEvent::Symbols(packet),
                PacketKind::FuncLog => ServerEvent::FuncLog(packet),
                PacketKind::Ping => ServerEvent::Ping,
                PacketKind::Shutdown => {
                    core.state = State::Closed;
                    ServerEvent::Shutdown
                }
                _ => return Err(Core::wrong_direction(&packet, "from client to server")),
            };
            events.push_back(event);
            Ok(())
        })
    }

    /// The client closed the connection.
    pub fn handle_input_closed(&mut self) -> Result<(), ProtocolError> {
        self.core.input_closed()
    }

    /// The size (length included) the next incoming frame announces, once
    /// its length has arrived: what a server must have room for.
    pub fn next_frame_len(&self) -> Option<u64> {
        self.core.decoder.next_frame_len()
    }

    /// The memory the incoming frame buffer holds.
    pub fn buffered(&self) -> usize {
        self.core.decoder.buffered()
    }

    /// Gives back the incoming buffer's memory beyond `keep` bytes (never
    /// the bytes of an unfinished frame).
    pub fn release_memory(&mut self, keep: usize) {
        self.core.decoder.release_memory(keep);
    }

    /// Takes back records of gob funclogs once their events are done
    /// with, as many as the decoder keeps, from the end of `logs`: the
    /// next funclogs fill them instead of allocating
    /// ([`PayloadDecoder::recycle`](super::gob::PayloadDecoder::recycle)).
    pub fn recycle(&mut self, logs: &mut Vec<super::RawFuncLog>) {
        self.core.decoder.recycle(logs);
    }

    /// Whether [`ServerSession::recycle`] has records to fill: see
    /// [`PayloadDecoder::wants_spares`](super::gob::PayloadDecoder::wants_spares).
    pub fn wants_spares(&self) -> bool {
        self.core.decoder.wants_spares()
    }

    /// Takes every event not yet taken, oldest first: as many
    /// [`ServerSession::poll_event`] calls, with the count known at once.
    pub fn take_events(&mut self) -> std::collections::vec_deque::Drain<'_, ServerEvent> {
        self.events.drain(..)
    }

    /// The oldest event not yet taken; `None` when there is none.
    pub fn poll_event(&mut self) -> Option<ServerEvent> {
        self.events.pop_front()
    }

    /// Queues a packet for the client: StartTraceCmd, StopTraceCmd or Ping,
    /// of the client's generation.
    pub fn send(&mut self, packet: &AnyPacket) -> Result<(), ProtocolError> {
        match packet.kind() {
            PacketKind::StartTraceCmd | PacketKind::StopTraceCmd | PacketKind::Ping => {}
            _ => return Err(Core::wrong_direction(packet, "from server to client")),
        }
        match self.core.state {
            State::AwaitingHello => Err(ProtocolError::NotEstablished),
            _ => self.core.queue(packet),
        }
    }

    /// Queues a Shutdown (once established) and closes the session.
    pub fn close(&mut self) {
        if self.core.state == State::Established
            && let Some(g) = self.core.generation
        {
            let _ = self.core.queue(&AnyPacket::shutdown(g));
        }
        self.core.state = State::Closed;
    }

    /// Takes the bytes to send to the client.
    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.core.output)
    }

    /// Closes without a word: for a connection whose bytes can no longer
    /// reach the peer whole (a write cut off midway). Queued output is
    /// dropped.
    pub fn abandon(&mut self) {
        self.core.abandon();
    }

    /// Whether bytes wait to be sent to the client ([`ServerSession::take_output`]).
    pub fn has_output(&self) -> bool {
        !self.core.output.is_empty()
    }
}

/// Compares secrets in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.ct_eq(b).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::frame::FrameEncoder;

    fn hello(secret: &str) -> ClientHelloPacket {
        ClientHelloPacket {
            app_name: "app".into(),
            client_secret: secret.into(),
            protocol_version: String::new(),
        }
    }

    fn func_log(id: i64) -> AnyPacket {
        RawFuncLogNewPacket {
            func_log: Some(RawFuncLog {
                id: RawFuncLogId(crate::gob::Int(id)),
                ..RawFuncLog::default()
            }),
        }
        .into()
    }

    /// Runs both machines against each other until nothing moves.
    fn pump(client: &mut ClientSession, server: &mut ServerSession) {
        loop {
            let to_server = client.take_output();
            let to_client = server.take_output();
            if to_server.is_empty() && to_client.is_empty() {
                break;
            }
            server.handle_input(&to_server).unwrap();
            client.handle_input(&to_client).unwrap();
        }
    }

    #[test]
    fn a_whole_session_without_a_network() {
        let config = SessionConfig::default();
        let mut client = ClientSession::new(hello("s"), &config).unwrap();
        let mut server = ServerSession::new(&config, Some("s".into()));
        assert!(matches!(
            client.send(&func_log(0)),
            Err(ProtocolError::NotEstablished)
        ));
        pump(&mut client, &mut server);
        assert!(client.is_established() && server.is_established());
        assert_eq!(server.generation(), Some(Generation::Gob));
        assert!(
            matches!(server.poll_event(), Some(ServerEvent::Hello(h)) if h.hello_version() == Some("1"))
        );
        assert!(matches!(
            client.poll_event(),
            Some(ClientEvent::Established(_))
        ));

        for i in 0..5 {
            client.send(&func_log(i)).unwrap();
        }
        client.ping().unwrap();
        let start: AnyPacket = StartTraceCmdPacket {
            func_id: FuncId(7),
            module_name: "m".into(),
        }
        .into();
        server.send(&start).unwrap();
        pump(&mut client, &mut server);
        for i in 0..5 {
            assert_eq!(server.poll_event(), Some(ServerEvent::FuncLog(func_log(i))));
        }
        assert_eq!(server.poll_event(), Some(ServerEvent::Ping));
        assert_eq!(client.poll_event(), Some(ClientEvent::StartTrace(start)));

        client.close();
        assert!(client.send(&func_log(9)).is_err());
        server.handle_input(&client.take_output()).unwrap();
        assert_eq!(server.poll_event(), Some(ServerEvent::Shutdown));
        assert!(server.is_closed());
    }

    #[test]
    fn events_taken_at_once_are_those_polled_one_by_one() {
        let config = SessionConfig::default();
        let mut client = ClientSession::new(hello(""), &config).unwrap();
        let hello_frame = client.take_output();
        let mut server = ServerSession::new(&config, None);
        server.handle_input(&hello_frame).unwrap();
        client.handle_input(&server.take_output()).unwrap();
        for i in 0..5 {
            client.send(&func_log(i)).unwrap();
        }
        client.ping().unwrap();
        let bytes = client.take_output();
        let mut polled = ServerSession::new(&config, None);
        polled
            .handle_input(&[&hello_frame[..], &bytes[..]].concat())
            .unwrap();
        server.handle_input(&bytes).unwrap();
        let taken = server.take_events();
        assert_eq!(taken.len(), 7);
        let taken: Vec<_> = taken.collect();
        let polled: Vec<_> = std::iter::from_fn(|| polled.poll_event()).collect();
        assert_eq!(taken, polled);
        assert!(matches!(taken[0], ServerEvent::Hello(_)));
        assert_eq!(taken[5], ServerEvent::FuncLog(func_log(4)));
        assert_eq!(server.poll_event(), None);
        assert_eq!(server.take_events().len(), 0);
    }

    #[test]
    fn a_marshal_session_is_detected_and_answered_in_kind() {
        let config = SessionConfig::default();
        let hello = marshal::Packet::ClientHello(marshal::ClientHelloPacket {
            pid: 1,
            app_name: "m".into(),
            ..Default::default()
        });
        let mut client = ClientSession::new(hello, &config).unwrap();
        let mut server = ServerSession::new(&config, None);
        pump(&mut client, &mut server);
        assert_eq!(server.generation(), Some(Generation::Marshal));
        assert!(client.is_established());
        let log: AnyPacket =
            marshal::Packet::RawFuncLog(marshal::RawFuncLogPacket::default()).into();
        client.send(&log).unwrap();
        // A gob packet cannot go out on a marshal connection.
        assert!(matches!(
            client.send(&func_log(1)),
            Err(ProtocolError::WrongGeneration { .. })
        ));
        pump(&mut client, &mut server);
        server.poll_event();
        assert_eq!(server.poll_event(), Some(ServerEvent::FuncLog(log.clone())));

        // A gob frame arriving on it does not decode: it is reported and
        // skipped, as a Go peer skips it, and the next frame gets through.
        let mut bytes = Vec::new();
        FrameEncoder::new()
            .encode(&Packet::Ping(PingPacket {}), &mut bytes)
            .unwrap();
        let gob_len = bytes.len() as u64;
        client.send(&log).unwrap();
        bytes.extend(client.take_output());
        server.handle_input(&bytes).unwrap();
        let Some(ServerEvent::BadFrame(bad)) = server.poll_event() else {
            panic!("no bad frame event");
        };
        assert_eq!(bad.len, gob_len);
        assert!(bad.reason.contains("gob generation"), "{}", bad.reason);
        assert_eq!(server.poll_event(), Some(ServerEvent::FuncLog(log)));
        assert!(server.is_established());
    }

    #[test]
    fn a_frame_that_does_not_decode_is_skipped_but_a_bad_hello_is_fatal() {
        let config = SessionConfig::default();
        let mut client = ClientSession::new(hello(""), &config).unwrap();
        let mut server = ServerSession::new(&config, None);
        pump(&mut client, &mut server);
        server.poll_event();
        let mut bytes = client.take_output();
        // A frame of five bytes that are no gob stream, then a funclog.
        bytes.extend_from_slice(&[0, 0, 0, 5, 0x40, 1, 2, 3, 4]);
        let garbage_at = 0;
        client.send(&func_log(3)).unwrap();
        bytes.extend(client.take_output());
        server.handle_input(&bytes).unwrap();
        let Some(ServerEvent::BadFrame(bad)) = server.poll_event() else {
            panic!("no bad frame event");
        };
        assert_eq!(
            (bad.offset, bad.len),
            (client_hello_len(&config) + garbage_at, 9)
        );
        assert_eq!(server.poll_event(), Some(ServerEvent::FuncLog(func_log(3))));

        // The same garbage as the first frame ends the session.
        let mut server = ServerSession::new(&config, None);
        assert!(
            server
                .handle_input(&[0, 0, 0, 5, 0x40, 1, 2, 3, 4])
                .is_err()
        );
        assert!(server.is_closed());
    }

    /// The size of the hello frame a client of `config` sends first.
    fn client_hello_len(config: &SessionConfig) -> u64 {
        ClientSession::new(hello(""), config)
            .unwrap()
            .take_output()
            .len() as u64
    }

    #[test]
    fn packets_over_the_outgoing_limit_are_refused_whole_and_say_whose_limit() {
        let config = SessionConfig::default();
        let mut client = ClientSession::new(hello(""), &config).unwrap();
        let mut server = ServerSession::new(&config, None);
        pump(&mut client, &mut server);
        let big: AnyPacket = RawFuncLogNewPacket {
            func_log: Some(RawFuncLog {
                frames: (0..1000).map(|i| FuncStatusId(1 << 40 | i)).collect(),
                ..RawFuncLog::default()
            }),
        }
        .into();
        client.send(&func_log(1)).unwrap();
        let err = client.send(&big).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with("this RawFuncLogNewPacket frame is ")
                && message
                    .contains("a gob-generation Go peer reliably receives frames up to 3841 bytes"),
            "{message}"
        );
        client.send(&func_log(2)).unwrap();
        server.handle_input(&client.take_output()).unwrap();
        server.poll_event();
        assert_eq!(server.poll_event(), Some(ServerEvent::FuncLog(func_log(1))));
        assert_eq!(server.poll_event(), Some(ServerEvent::FuncLog(func_log(2))));

        // A limit of one's own is named as such.
        let raised = SessionConfig {
            max_outgoing_frame: Some(400),
            ..SessionConfig::default()
        };
        let mut client = ClientSession::new(hello(""), &raised).unwrap();
        let mut server = ServerSession::new(&config, None);
        pump(&mut client, &mut server);
        let err = client.send(&big).unwrap_err().to_string();
        assert!(
            err.contains("the outgoing frame limit set for this side is 400 bytes"),
            "{err}"
        );
    }

    #[test]
    fn the_server_refuses_bad_hellos_without_replying() {
        let config = SessionConfig::default();
        // Wrong secret.
        let mut client = ClientSession::new(hello("wrong"), &config).unwrap();
        let mut server = ServerSession::new(&config, Some("right".into()));
        let err = server.handle_input(&client.take_output()).unwrap_err();
        assert!(matches!(err, ProtocolError::WrongSecret));
        assert!(!server.has_output() && server.is_closed());

        // Incompatible version.
        let v2 = SessionConfig {
            version: "2".parse().unwrap(),
            ..SessionConfig::default()
        };
        let mut client = ClientSession::new(hello(""), &v2).unwrap();
        let mut server = ServerSession::new(&config, None);
        let err = server.handle_input(&client.take_output()).unwrap_err();
        assert!(matches!(err, ProtocolError::IncompatibleVersion { .. }));
        assert!(!server.has_output());

        // First packet not a hello.
        let mut frames = Vec::new();
        let AnyPacket::Gob(log) = func_log(1) else {
            unreachable!()
        };
        FrameEncoder::new().encode(&log, &mut frames).unwrap();
        let mut server = ServerSession::new(&config, None);
        let err = server.handle_input(&frames).unwrap_err();
        assert!(matches!(err, ProtocolError::NotHello { .. }));
    }

    #[test]
    fn packets_in_the_wrong_direction_are_errors_after_earlier_ones_are_delivered() {
        let config = SessionConfig::default();
        let mut client = ClientSession::new(hello(""), &config).unwrap();
        let mut server = ServerSession::new(&config, None);
        pump(&mut client, &mut server);
        server.poll_event();
        let mut bytes = Vec::new();
        let mut enc = FrameEncoder::new();
        let AnyPacket::Gob(log) = func_log(1) else {
            unreachable!()
        };
        enc.encode(&log, &mut bytes).unwrap();
        enc.encode(
            &Packet::StopTraceCmd(StopTraceCmdPacket::default()),
            &mut bytes,
        )
        .unwrap();
        let err = server.handle_input(&bytes).unwrap_err();
        assert!(matches!(
            err,
            ProtocolError::WrongDirection {
                packet: "StopTraceCmdPacket",
                ..
            }
        ));
        assert!(matches!(server.poll_event(), Some(ServerEvent::FuncLog(_))));
        assert!(server.is_closed());
        assert!(server.send(&AnyPacket::ping(Generation::Gob)).is_err());

        assert!(matches!(
            client.send(&StartTraceCmdPacket::default().into()),
            Err(ProtocolError::WrongDirection { .. })
        ));
    }

    #[test]
    fn a_peer_that_vanishes_mid_frame_is_an_error() {
        let config = SessionConfig::default();
        let mut client = ClientSession::new(hello(""), &config).unwrap();
        let mut server = ServerSession::new(&config, None);
        let bytes = client.take_output();
        server.handle_input(&bytes[..bytes.len() - 3]).unwrap();
        assert!(matches!(
            server.handle_input_closed(),
            Err(ProtocolError::Truncated { .. })
        ));
    }

    #[test]
    fn secrets_compare_by_content() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
