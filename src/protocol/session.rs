//! Client and server sessions as state machines with no socket inside:
//! bytes go in, bytes and events come out (in the manner of sans-I/O
//! protocol crates). The transport in `crate::net` drives them.

use std::collections::VecDeque;

use super::error::ProtocolError;
use super::frame::{DEFAULT_MAX_FRAME, FrameDecoder};
use super::generation::{AnyFrameEncoder, AnyPacket, Generation, PacketKind};
use super::marshal;
use super::packet::*;
use super::version::ProtocolVersion;

/// Limits and the version one side of a session uses.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    /// The protocol version sent in the hello.
    pub version: ProtocolVersion,
    /// The largest frame accepted from the peer.
    pub max_incoming_frame: usize,
    /// The largest frame sent to the peer; a larger packet is an error to
    /// the caller (the gob-generation Go peer drops frames over 4096 bytes).
    pub max_outgoing_frame: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        SessionConfig {
            version: ProtocolVersion::DEFAULT,
            max_incoming_frame: DEFAULT_MAX_FRAME,
            max_outgoing_frame: DEFAULT_MAX_FRAME,
        }
    }
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
    version: ProtocolVersion,
    max_outgoing_frame: usize,
}

impl Core {
    fn new(config: &SessionConfig, generation: Option<Generation>) -> Self {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_frame(config.max_incoming_frame);
        Core {
            state: State::AwaitingHello,
            generation,
            encoder: generation.map(|g| AnyFrameEncoder::new(g, config.max_outgoing_frame)),
            decoder,
            output: Vec::new(),
            version: config.version,
            max_outgoing_frame: config.max_outgoing_frame,
        }
    }

    fn queue(&mut self, packet: &AnyPacket) -> Result<(), ProtocolError> {
        if self.state == State::Closed {
            return Err(ProtocolError::Closed);
        }
        let max = self.max_outgoing_frame;
        let generation = self.generation.ok_or(ProtocolError::NotEstablished)?;
        self.encoder
            .get_or_insert_with(|| AnyFrameEncoder::new(generation, max))
            .encode(packet, &mut self.output)
    }

    fn check_version(&self, theirs: &str) -> Result<(), ProtocolError> {
        let incompatible = || ProtocolError::IncompatibleVersion {
            ours: self.version.to_string(),
            theirs: theirs.to_string(),
        };
        let v: ProtocolVersion = theirs.parse().map_err(|_| incompatible())?;
        if !self.version.is_compatible(&v) {
            return Err(incompatible());
        }
        Ok(())
    }

    /// Feeds bytes and hands each complete packet to `handle`. After an
    /// error the session is closed; packets before it were handled.
    fn input(
        &mut self,
        bytes: &[u8],
        mut handle: impl FnMut(&mut Core, AnyPacket) -> Result<(), ProtocolError>,
    ) -> Result<(), ProtocolError> {
        if self.state == State::Closed {
            return Ok(());
        }
        self.decoder.feed(bytes);
        while self.state != State::Closed {
            let packet = match self.decoder.next_any(&mut self.generation) {
                Ok(Some(p)) => p,
                Ok(None) => break,
                Err(e) => {
                    self.state = State::Closed;
                    return Err(e);
                }
            };
            if let Err(e) = handle(self, packet) {
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
    Ping,
    /// The server announced it is closing.
    Shutdown,
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

    pub fn generation(&self) -> Generation {
        self.core.generation.unwrap_or_default()
    }

    pub fn is_established(&self) -> bool {
        self.core.state == State::Established
    }

    pub fn is_closed(&self) -> bool {
        self.core.state == State::Closed
    }

    /// Bytes from the server.
    pub fn handle_input(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        let events = &mut self.events;
        self.core.input(bytes, |core, packet| {
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
    Ping,
    /// The client announced it is closing.
    Shutdown,
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

    pub fn is_established(&self) -> bool {
        self.core.state == State::Established
    }

    pub fn is_closed(&self) -> bool {
        self.core.state == State::Closed
    }

    /// Bytes from the client.
    pub fn handle_input(&mut self, bytes: &[u8]) -> Result<(), ProtocolError> {
        let events = &mut self.events;
        let secret = self.secret.as_deref();
        self.core.input(bytes, |core, packet| {
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
                let reply = AnyPacket::server_hello(packet.generation(), core.version.to_string());
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

    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.core.output)
    }

    pub fn has_output(&self) -> bool {
        !self.core.output.is_empty()
    }
}

/// Compares secrets in time that depends on their lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0);
        diff |= (x ^ y) as u64;
    }
    diff == 0
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
        assert_eq!(server.poll_event(), Some(ServerEvent::FuncLog(log)));

        // A gob frame arriving on it closes the connection.
        let mut gob_frame = Vec::new();
        FrameEncoder::new()
            .encode(&Packet::Ping(PingPacket {}), &mut gob_frame)
            .unwrap();
        assert!(matches!(
            server.handle_input(&gob_frame),
            Err(ProtocolError::GenerationMismatch { .. })
        ));
        assert!(server.is_closed());
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
