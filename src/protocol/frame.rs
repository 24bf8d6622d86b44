//! Frames of either generation: the 4-byte big-endian length and the
//! payload after it, the generation a connection speaks (detected from its
//! first frame), and the packet of either generation.
//!
//! The modules of `protocol` form a chain with no cycles: the leaves
//! (`error`, `era`, `limits`, `generation`, `version`) under the two
//! generations (`gob`, `marshal`: each its packets and payload codec), this
//! module over both, and `session` over this one.

use super::era::GoEra;
use super::error::ProtocolError;
pub use super::generation::{Generation, UnknownGeneration};
use super::gob::{self, Packet, PacketType, PayloadDecoder, PayloadEncoder};
use super::limits::{DEFAULT_MAX_INCOMING_FRAME, OutgoingLimit};
use super::marshal;

/// Turns gob-generation packets into frames as one Go process would: one
/// type registry for the life of the sender, a fresh gob encoder per frame.
pub struct FrameEncoder {
    payload: PayloadEncoder,
    limit: OutgoingLimit,
}

impl Default for FrameEncoder {
    fn default() -> Self {
        FrameEncoder::new()
    }
}

impl FrameEncoder {
    /// An encoder writing the bytes of the original goapptrace (type ids
    /// from 65), limited to what a gob-generation Go peer receives.
    pub fn new() -> Self {
        FrameEncoder::for_era(GoEra::Original)
    }

    /// An encoder writing the bytes of the given Go era.
    pub fn for_era(era: GoEra) -> Self {
        FrameEncoder::with_payload_encoder(PayloadEncoder::for_era(era))
    }

    /// Uses `registry` for type ids.
    pub fn with_registry(registry: crate::gob::Registry) -> Self {
        FrameEncoder::with_payload_encoder(PayloadEncoder::with_registry(registry))
    }

    fn with_payload_encoder(payload: PayloadEncoder) -> Self {
        FrameEncoder {
            payload,
            limit: OutgoingLimit::GobPeer,
        }
    }

    /// Refuses to write frames larger than `limit` allows.
    pub fn set_limit(&mut self, limit: OutgoingLimit) {
        self.limit = limit;
    }

    /// Refuses to write frames (length included) larger than `max` bytes.
    pub fn set_max_frame(&mut self, max: usize) {
        self.limit = OutgoingLimit::Configured(max);
    }

    /// Appends the frame for `packet` to `out`. A packet too large for the
    /// limit is an error and leaves `out` as it was.
    pub fn encode(&mut self, packet: &Packet, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        let payload = &mut self.payload;
        write_frame(out, packet.packet_type().go_name(), self.limit, |out| {
            payload.encode(packet, out)
        })
    }
}

/// Appends one frame: the 4-byte length, then what `payload` writes. A
/// frame over `limit`, or a failed payload, leaves `out` as it was.
pub(crate) fn write_frame(
    out: &mut Vec<u8>,
    packet: &'static str,
    limit: OutgoingLimit,
    payload: impl FnOnce(&mut Vec<u8>) -> Result<(), ProtocolError>,
) -> Result<(), ProtocolError> {
    let start = out.len();
    out.extend_from_slice(&[0; 4]);
    if let Err(e) = payload(out) {
        out.truncate(start);
        return Err(e);
    }
    let len = out.len() - start;
    let Ok(header) = u32::try_from(len - 4) else {
        out.truncate(start);
        return Err(ProtocolError::PacketTooLarge { packet, len, limit });
    };
    if len > limit.max_frame() {
        out.truncate(start);
        return Err(ProtocolError::PacketTooLarge { packet, len, limit });
    }
    out[start..start + 4].copy_from_slice(&header.to_be_bytes());
    Ok(())
}

/// Cuts a byte stream into frames and decodes their packets. Feed it bytes
/// as they arrive, cut anywhere; take packets while it has them. Or hand
/// it each read's bytes with [`FrameDecoder::next_any_from`], which
/// decodes the frames that are whole in them where they are and keeps
/// only the start of an unfinished one.
pub struct FrameDecoder {
    /// The gob payloads' decoder, which remembers what it has seen.
    gob: PayloadDecoder,
    buf: Vec<u8>,
    /// Bytes of `buf` already consumed.
    start: usize,
    /// Stream offset of `buf[0]`.
    base: u64,
    max_frame: usize,
    /// The length (prefix included) of the last frame taken.
    last_frame_len: u64,
}

impl Default for FrameDecoder {
    fn default() -> Self {
        FrameDecoder::new()
    }
}

impl FrameDecoder {
    /// A decoder at the start of a stream, refusing incoming frames over
    /// [`DEFAULT_MAX_INCOMING_FRAME`].
    pub fn new() -> Self {
        FrameDecoder {
            gob: PayloadDecoder::new(),
            buf: Vec::new(),
            start: 0,
            base: 0,
            max_frame: DEFAULT_MAX_INCOMING_FRAME,
            last_frame_len: 0,
        }
    }

    /// Refuses frames larger than `max` bytes, length included (checked
    /// before anything is allocated for them).
    pub fn set_max_frame(&mut self, max: usize) {
        self.max_frame = max;
    }

    /// Adds received bytes. The buffer grows with the bytes that arrive,
    /// and never past the end of the frame being received (plus what came
    /// with it), so its memory is what the peer really sent.
    pub fn feed(&mut self, bytes: &[u8]) {
        if self.start > 0 && self.start == self.buf.len() {
            self.base += self.start as u64;
            self.buf.clear();
            self.start = 0;
        } else if self.start > 4096 && self.start * 2 > self.buf.len() {
            self.compact();
        }
        let needed = self.buf.len() + bytes.len();
        if needed > self.buf.capacity() {
            // The consumed part is not worth copying into a larger buffer.
            self.compact();
            let needed = self.buf.len() + bytes.len();
            let doubled = (self.buf.capacity() * 2).max(needed);
            let target = match self.next_frame_len() {
                Some(frame) => doubled.min(needed.max(frame as usize)),
                None => doubled,
            };
            self.buf.reserve_exact(target - self.buf.len());
        }
        self.buf.extend_from_slice(bytes);
    }

    /// Takes back records of gob funclogs once their packets are done with:
    /// see [`PayloadDecoder::recycle`].
    pub fn recycle(&mut self, logs: &mut Vec<gob::RawFuncLog>) {
        self.gob.recycle(logs);
    }

    /// See [`PayloadDecoder::wants_spares`].
    pub fn wants_spares(&self) -> bool {
        self.gob.wants_spares()
    }

    /// Drops the bytes already decoded from the front of the buffer.
    fn compact(&mut self) {
        if self.start > 0 {
            self.base += self.start as u64;
            self.buf.drain(..self.start);
            self.start = 0;
        }
    }

    /// The stream offset of the next frame.
    pub fn offset(&self) -> u64 {
        self.base + self.start as u64
    }

    /// Bytes received but not yet decoded (part of a frame).
    pub fn pending(&self) -> usize {
        self.buf.len() - self.start
    }

    /// The size (length included) the next frame announces, once its
    /// length has arrived.
    pub fn next_frame_len(&self) -> Option<u64> {
        self.buf[self.start..].first_chunk::<4>().map(frame_len)
    }

    /// The size (length included) of the frame last taken: after a payload
    /// error, the frame that was skipped.
    pub fn last_frame_len(&self) -> u64 {
        self.last_frame_len
    }

    /// Bytes of memory the buffer holds (what arrived and was not yet
    /// given back, and room for what is still to come of the frame).
    pub fn buffered(&self) -> usize {
        self.buf.capacity()
    }

    /// Gives back memory beyond `keep` bytes (or beyond the bytes not yet
    /// decoded, when there are more): after a big frame, its buffer.
    pub fn release_memory(&mut self, keep: usize) {
        if self.buf.capacity() > keep {
            self.compact();
            self.buf.shrink_to(keep.max(self.buf.len()));
        }
    }

    /// The next complete frame's packet, `Ok(None)` if more bytes are needed.
    /// After an error for which [`ProtocolError::is_bad_payload`] holds, the
    /// decoder is past the bad frame and can go on; after any other error
    /// the stream is lost.
    pub fn next_packet(&mut self) -> Result<Option<Packet>, ProtocolError> {
        let Some((offset, range)) = self.next_frame()? else {
            return Ok(None);
        };
        let payload = &self.buf[range];
        self.gob.decode(payload, offset).map(Some)
    }

    /// The next complete frame's payload and the stream offset of the frame,
    /// `Ok(None)` if more bytes are needed.
    pub fn next_payload(&mut self) -> Result<Option<(u64, &[u8])>, ProtocolError> {
        Ok(self
            .next_frame()?
            .map(|(offset, range)| (offset, &self.buf[range])))
    }

    /// The next packet of either generation. With `generation` unknown, the
    /// first frame decides it (see [`Generation::of_payload`]); after that a
    /// frame of the other generation is an error.
    pub fn next_any(
        &mut self,
        generation: &mut Option<Generation>,
    ) -> Result<Option<AnyPacket>, ProtocolError> {
        let Some((offset, range)) = self.next_frame()? else {
            return Ok(None);
        };
        decode_any_frame(&mut self.gob, &self.buf[range], offset, generation).map(Some)
    }

    /// As [`FrameDecoder::feed`] of `input` and then
    /// [`FrameDecoder::next_any`], without copying the frames that are
    /// whole in `input`: they are decoded where they are. `input` is
    /// advanced past what was taken; the bytes of a frame it does not
    /// finish are kept in the decoder (the only bytes copied). `Ok(None)`
    /// once `input` is used up and no frame is complete. Same packets, same
    /// limits, same errors at the same offsets as the two calls.
    pub fn next_any_from(
        &mut self,
        input: &mut &[u8],
        generation: &mut Option<Generation>,
    ) -> Result<Option<AnyPacket>, ProtocolError> {
        if self.start < self.buf.len() {
            // A frame is under way in the buffer: it takes what it lacks.
            self.complete_from(input)?;
            return self.next_any(generation);
        }
        // Every byte in the buffer is decoded: it empties.
        self.compact();
        let offset = self.base;
        let Some(head) = input.first_chunk::<4>() else {
            self.keep(input);
            return Ok(None);
        };
        let len = self.within_limit(frame_len(head), offset)?;
        let Some((frame, rest)) = input.split_at_checked(len as usize) else {
            self.keep(input);
            return Ok(None);
        };
        *input = rest;
        self.base += len;
        self.last_frame_len = len;
        decode_any_frame(&mut self.gob, &frame[4..], offset, generation).map(Some)
    }

    /// Adds to the frame under way in the buffer the bytes of `input` it
    /// lacks, no more: its length first, checked against the limit before
    /// the rest is taken.
    fn complete_from(&mut self, input: &mut &[u8]) -> Result<(), ProtocolError> {
        let have = self.pending();
        if have < 4 {
            let (head, rest) = input.split_at(input.len().min(4 - have));
            self.feed(head);
            *input = rest;
        }
        let Some(len) = self.next_frame_len() else {
            return Ok(());
        };
        let len = self.within_limit(len, self.offset())?;
        // (Saturating: a caller may have fed more than one frame.)
        let lacking = len
            .saturating_sub(self.pending() as u64)
            .min(input.len() as u64) as usize;
        let (body, rest) = input.split_at(lacking);
        self.feed(body);
        *input = rest;
        Ok(())
    }

    /// `len`, a frame's whole length, if within the frame limit; the error
    /// names the frame at `offset` otherwise.
    fn within_limit(&self, len: u64, offset: u64) -> Result<u64, ProtocolError> {
        if len > self.max_frame as u64 {
            return Err(ProtocolError::FrameTooLarge {
                offset,
                len,
                max: self.max_frame as u64,
            });
        }
        Ok(len)
    }

    /// Keeps all of `input`, the start of a frame, for the next bytes.
    fn keep(&mut self, input: &mut &[u8]) {
        self.feed(input);
        *input = &[];
    }

    /// The next complete frame's payload range in `buf`, with its offset.
    fn next_frame(&mut self) -> Result<Option<(u64, std::ops::Range<usize>)>, ProtocolError> {
        let avail = &self.buf[self.start..];
        let offset = self.offset();
        let Some(head) = avail.first_chunk::<4>() else {
            return Ok(None);
        };
        let len = self.within_limit(frame_len(head), offset)?;
        if (avail.len() as u64) < len {
            return Ok(None);
        }
        let body = self.start + 4..self.start + len as usize;
        self.start = body.end;
        self.last_frame_len = len;
        Ok(Some((offset, body)))
    }

    /// At the end of the input: an error if a frame was left unfinished.
    pub fn finish(&self) -> Result<(), ProtocolError> {
        let have = self.pending() as u64;
        if have == 0 {
            return Ok(());
        }
        let need = self.next_frame_len().unwrap_or(4);
        Err(ProtocolError::Truncated {
            offset: self.offset(),
            have,
            need,
        })
    }
}

/// A frame's whole length, its 4-byte length prefix included.
fn frame_len(head: &[u8; 4]) -> u64 {
    4 + u64::from(u32::from_be_bytes(*head))
}

/// The packet in the payload of the frame at stream offset `offset`,
/// with gob payloads through `gob`, which remembers what it has seen. With
/// `generation` unknown, this frame decides it.
fn decode_any_frame(
    gob: &mut PayloadDecoder,
    payload: &[u8],
    offset: u64,
    generation: &mut Option<Generation>,
) -> Result<AnyPacket, ProtocolError> {
    // An empty payload looks like gob, the default.
    let looks_like = Generation::of_payload(payload.first().copied().unwrap_or(0));
    let g = *generation.get_or_insert(looks_like);
    if g == Generation::Gob && looks_like == g {
        return gob.decode(payload, offset).map(AnyPacket::Gob);
    }
    decode_any_payload(payload, offset, g)
}

/// What a packet is for, whatever its generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PacketKind {
    /// Client to server: the hello that opens a session.
    ClientHello,
    /// Server to client: the answer to the hello.
    ServerHello,
    /// `LogPacket`: declared by Go, never used (only the gob generation
    /// decodes it).
    Log,
    /// Keep-alive.
    Ping,
    /// The sender is about to close.
    Shutdown,
    /// Server to client: start tracing a function.
    StartTraceCmd,
    /// Server to client: stop tracing a function.
    StopTraceCmd,
    /// Client to server: the traced program's symbol table.
    Symbol,
    /// Client to server: one function entry or exit (`RawFuncLogNewPacket`
    /// in the gob generation, `RawFuncLogPacket` in the marshal one).
    FuncLog,
}

/// A packet of either generation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnyPacket {
    /// A packet of the gob generation.
    Gob(Packet),
    /// A packet of the marshal generation.
    Marshal(marshal::Packet),
}

impl AnyPacket {
    /// The generation the packet belongs to.
    pub fn generation(&self) -> Generation {
        match self {
            AnyPacket::Gob(_) => Generation::Gob,
            AnyPacket::Marshal(_) => Generation::Marshal,
        }
    }

    /// What the packet is for.
    pub fn kind(&self) -> PacketKind {
        match self {
            AnyPacket::Gob(p) => match p.packet_type() {
                PacketType::ClientHello => PacketKind::ClientHello,
                PacketType::ServerHello => PacketKind::ServerHello,
                PacketType::Log => PacketKind::Log,
                PacketType::Ping => PacketKind::Ping,
                PacketType::Shutdown => PacketKind::Shutdown,
                PacketType::StartTraceCmd => PacketKind::StartTraceCmd,
                PacketType::StopTraceCmd => PacketKind::StopTraceCmd,
                PacketType::Symbol => PacketKind::Symbol,
                PacketType::RawFuncLogNew => PacketKind::FuncLog,
            },
            AnyPacket::Marshal(p) => match p {
                marshal::Packet::ClientHello(_) => PacketKind::ClientHello,
                marshal::Packet::ServerHello(_) => PacketKind::ServerHello,
                marshal::Packet::Ping(_) => PacketKind::Ping,
                marshal::Packet::Shutdown(_) => PacketKind::Shutdown,
                marshal::Packet::StartTraceCmd(_) => PacketKind::StartTraceCmd,
                marshal::Packet::StopTraceCmd(_) => PacketKind::StopTraceCmd,
                marshal::Packet::Symbol(_) => PacketKind::Symbol,
                marshal::Packet::RawFuncLog(_) => PacketKind::FuncLog,
            },
        }
    }

    /// The Go type name of the packet in its generation.
    pub fn go_name(&self) -> &'static str {
        match self {
            AnyPacket::Gob(p) => p.packet_type().go_name(),
            AnyPacket::Marshal(p) => p.go_name(),
        }
    }

    /// The JSON form (the one of the frames commands).
    pub fn to_json(&self) -> String {
        match self {
            AnyPacket::Gob(p) => p.to_json(),
            AnyPacket::Marshal(p) => p.to_json(),
        }
    }

    /// Writes the JSON form into `out`, with no line end.
    pub fn write_json(&self, out: impl std::io::Write) -> std::io::Result<()> {
        match self {
            AnyPacket::Gob(p) => serde_json::to_writer(out, p),
            AnyPacket::Marshal(p) => serde_json::to_writer(out, p),
        }
        .map_err(std::io::Error::from)
    }

    /// Appends the JSON form to `out`, with no line end: the same text as
    /// [`AnyPacket::write_json`], funclogs written by hand (several times
    /// faster).
    pub fn append_json(&self, out: &mut Vec<u8>) {
        match self {
            AnyPacket::Gob(Packet::RawFuncLogNew(p)) => super::funclog_json::write_gob(out, p),
            AnyPacket::Marshal(marshal::Packet::RawFuncLog(p)) => {
                super::funclog_json::write_marshal(out, p)
            }
            // Packets hold only strings, integers, booleans, options and
            // vectors: serde_json cannot fail on them, nor can a Vec.
            other => {
                let _ = other.write_json(out);
            }
        }
    }

    /// Appends `before`, the JSON form (as [`AnyPacket::append_json`]) and
    /// `after` to `out`: a whole line of `serve`'s, funclogs in one piece.
    #[cfg(feature = "cli")]
    #[inline]
    pub(crate) fn write_json_line(
        &self,
        out: &mut super::funclog_json::LineBuf,
        before: &[u8],
        after: &[u8],
    ) {
        use std::io::Write;
        match self {
            AnyPacket::Gob(Packet::RawFuncLogNew(p)) => {
                super::funclog_json::write_gob_line(out, before, p, after)
            }
            AnyPacket::Marshal(marshal::Packet::RawFuncLog(p)) => {
                super::funclog_json::write_marshal_line(out, before, p, after)
            }
            // A LineBuf takes every byte, and serde_json cannot fail on
            // packets (see append_json).
            other => {
                let _ = out.write_all(before);
                let _ = other.write_json(&mut *out);
                let _ = out.write_all(after);
            }
        }
    }

    /// A packet of `generation` from its JSON form.
    pub fn from_json(text: &str, generation: Generation) -> Result<AnyPacket, serde_json::Error> {
        // Funclogs in the shape the tools write are read by hand; anything
        // else, and every error, is serde_json's.
        if let Some(packet) = AnyPacket::funclog_from_json_bytes(text.as_bytes(), generation) {
            return Ok(packet);
        }
        Ok(match generation {
            Generation::Gob => AnyPacket::Gob(Packet::from_json(text)?),
            Generation::Marshal => AnyPacket::Marshal(marshal::Packet::from_json(text)?),
        })
    }

    /// A funclog of `generation` from a line of JSON in the shape the tools
    /// write (see `funclog_json`); `None` for anything else, which
    /// [`AnyPacket::from_json`] then reads. A line it reads is valid UTF-8,
    /// and it gives what `from_json` gives.
    pub(crate) fn funclog_from_json_bytes(
        line: &[u8],
        generation: Generation,
    ) -> Option<AnyPacket> {
        match generation {
            Generation::Gob => super::funclog_json::read_gob(line)
                .map(|p| AnyPacket::Gob(Packet::RawFuncLogNew(p))),
            Generation::Marshal => super::funclog_json::read_marshal(line)
                .map(|p| AnyPacket::Marshal(marshal::Packet::RawFuncLog(p))),
        }
    }

    /// As [`AnyPacket::funclog_from_json_bytes`], into `self` (which
    /// becomes a funclog of `generation` if it is not one), reusing its
    /// memory; `false` for a line not in the usual shape, and then `self`
    /// holds a part of it.
    // Only `send` reads funclogs into reused packets.
    #[cfg(any(feature = "cli", test))]
    pub(crate) fn read_funclog_json_bytes(&mut self, line: &[u8], generation: Generation) -> bool {
        match (generation, &mut *self) {
            (Generation::Gob, AnyPacket::Gob(Packet::RawFuncLogNew(p))) => {
                super::funclog_json::read_gob_into(line, p).is_some()
            }
            (Generation::Marshal, AnyPacket::Marshal(marshal::Packet::RawFuncLog(p))) => {
                super::funclog_json::read_marshal_into(line, p).is_some()
            }
            _ => match AnyPacket::funclog_from_json_bytes(line, generation) {
                Some(packet) => {
                    *self = packet;
                    true
                }
                None => false,
            },
        }
    }

    /// A packet of `generation` from a JSON value.
    pub fn from_json_value(
        value: serde_json::Value,
        generation: Generation,
    ) -> Result<AnyPacket, serde_json::Error> {
        Ok(match generation {
            Generation::Gob => AnyPacket::Gob(serde_json::from_value(value)?),
            Generation::Marshal => AnyPacket::Marshal(serde_json::from_value(value)?),
        })
    }

    /// The protocol version of a hello of either side.
    pub fn hello_version(&self) -> Option<&str> {
        match self {
            AnyPacket::Gob(Packet::ClientHello(p)) => Some(&p.protocol_version),
            AnyPacket::Gob(Packet::ServerHello(p)) => Some(&p.protocol_version),
            AnyPacket::Marshal(marshal::Packet::ClientHello(p)) => Some(&p.protocol_version),
            AnyPacket::Marshal(marshal::Packet::ServerHello(p)) => Some(&p.protocol_version),
            _ => None,
        }
    }

    /// The secret of a client hello.
    pub fn client_secret(&self) -> Option<&str> {
        match self {
            AnyPacket::Gob(Packet::ClientHello(p)) => Some(&p.client_secret),
            AnyPacket::Marshal(marshal::Packet::ClientHello(p)) => Some(&p.client_secret),
            _ => None,
        }
    }

    /// The application name of a client hello.
    pub fn app_name(&self) -> Option<&str> {
        match self {
            AnyPacket::Gob(Packet::ClientHello(p)) => Some(&p.app_name),
            AnyPacket::Marshal(marshal::Packet::ClientHello(p)) => Some(&p.app_name),
            _ => None,
        }
    }

    pub(crate) fn server_hello(generation: Generation, version: String) -> AnyPacket {
        match generation {
            Generation::Gob => AnyPacket::Gob(Packet::ServerHello(super::gob::ServerHelloPacket {
                protocol_version: version,
            })),
            Generation::Marshal => {
                AnyPacket::Marshal(marshal::Packet::ServerHello(marshal::ServerHelloPacket {
                    protocol_version: version,
                }))
            }
        }
    }

    /// A Ping of `generation`.
    pub fn ping(generation: Generation) -> AnyPacket {
        match generation {
            Generation::Gob => AnyPacket::Gob(Packet::Ping(Default::default())),
            Generation::Marshal => AnyPacket::Marshal(marshal::Packet::Ping(Default::default())),
        }
    }

    /// A Shutdown of `generation`.
    pub fn shutdown(generation: Generation) -> AnyPacket {
        match generation {
            Generation::Gob => AnyPacket::Gob(Packet::Shutdown(Default::default())),
            Generation::Marshal => {
                AnyPacket::Marshal(marshal::Packet::Shutdown(Default::default()))
            }
        }
    }
}

impl From<Packet> for AnyPacket {
    fn from(p: Packet) -> Self {
        AnyPacket::Gob(p)
    }
}

impl From<marshal::Packet> for AnyPacket {
    fn from(p: marshal::Packet) -> Self {
        AnyPacket::Marshal(p)
    }
}

macro_rules! any_from {
    ($($ty:ty),* $(,)?) => {
        $(impl From<$ty> for AnyPacket {
            fn from(p: $ty) -> Self {
                AnyPacket::Gob(p.into())
            }
        })*
    };
}

any_from!(
    super::gob::ClientHelloPacket,
    super::gob::ServerHelloPacket,
    super::gob::PingPacket,
    super::gob::ShutdownPacket,
    super::gob::StartTraceCmdPacket,
    super::gob::StopTraceCmdPacket,
    super::gob::SymbolPacket,
    super::gob::RawFuncLogNewPacket,
);

/// Writes frames of one generation. Gob frames need a type registry that
/// lives as long as the sender; marshal frames need nothing.
pub struct AnyFrameEncoder {
    generation: Generation,
    era: GoEra,
    gob: FrameEncoder,
    limit: OutgoingLimit,
}

impl AnyFrameEncoder {
    /// An encoder of `generation` writing `era`'s bytes, limited to what a
    /// Go peer of that generation receives.
    pub fn new(generation: Generation, era: GoEra) -> Self {
        let limit = OutgoingLimit::for_generation(generation, None);
        let mut gob = FrameEncoder::for_era(era);
        gob.set_limit(limit);
        AnyFrameEncoder {
            generation,
            era,
            gob,
            limit,
        }
    }

    /// Refuses to write frames larger than `limit` allows.
    pub fn set_limit(&mut self, limit: OutgoingLimit) {
        self.limit = limit;
        self.gob.set_limit(limit);
    }

    /// The generation this encoder writes.
    pub fn generation(&self) -> Generation {
        self.generation
    }

    /// Appends the frame of `packet`, which must be of this generation. A
    /// packet over the limit is an error and leaves `out` as it was.
    pub fn encode(&mut self, packet: &AnyPacket, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        match packet {
            AnyPacket::Gob(p) if self.generation == Generation::Gob => self.gob.encode(p, out),
            AnyPacket::Marshal(p) if self.generation == Generation::Marshal => {
                write_frame(out, p.go_name(), self.limit, |out| {
                    p.encode_payload(out, self.era);
                    Ok(())
                })
            }
            other => Err(ProtocolError::WrongGeneration {
                packet: other.go_name(),
                packet_generation: other.generation(),
                connection: self.generation,
            }),
        }
    }
}

/// Decodes one frame payload of a known generation; a payload of the other
/// generation is an error.
pub fn decode_any_payload(
    payload: &[u8],
    offset: u64,
    generation: Generation,
) -> Result<AnyPacket, ProtocolError> {
    let looks_like = payload
        .first()
        .map(|&b| Generation::of_payload(b))
        .unwrap_or(generation);
    if looks_like != generation {
        return Err(ProtocolError::GenerationMismatch {
            offset,
            frame: looks_like,
            connection: generation,
        });
    }
    match generation {
        Generation::Gob => gob::decode_payload(payload, offset).map(AnyPacket::Gob),
        Generation::Marshal => {
            marshal::Packet::decode_payload(payload, offset).map(AnyPacket::Marshal)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gob::{Encoder, Registry};
    use crate::protocol::gob::*;

    /// The worked example of the spec: a fresh process of the Go of 2017
    /// (user ids from 65) that first sends a Ping.
    const SPEC_PING_FRAME: &str = "0000004b\
        29ff810301010c4865616465725061636b657401ff82000101010a5061636b6574547970650104000000\
        05ff82010800\
        16ff830301010a50696e675061636b657401ff84000000\
        03ff8400";

    fn unhex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    #[test]
    fn ping_frame_matches_the_spec_worked_example() {
        let mut enc = FrameEncoder::new();
        let mut out = Vec::new();
        enc.encode(&Packet::Ping(PingPacket {}), &mut out).unwrap();
        assert_eq!(out, unhex(SPEC_PING_FRAME));
    }

    #[test]
    fn frames_cut_anywhere_decode_in_order() {
        let mut enc = FrameEncoder::new();
        let packets = vec![
            Packet::ClientHello(ClientHelloPacket {
                app_name: "app".into(),
                client_secret: String::new(),
                protocol_version: "1".into(),
            }),
            Packet::Ping(PingPacket {}),
            Packet::RawFuncLogNew(RawFuncLogNewPacket {
                func_log: Some(RawFuncLog {
                    frames: vec![FuncStatusId(3), FuncStatusId(2)],
                    ..RawFuncLog::default()
                }),
            }),
        ];
        let mut bytes = Vec::new();
        for p in &packets {
            enc.encode(p, &mut bytes).unwrap();
        }
        for chunk in [1, 3, 7, bytes.len()] {
            let mut dec = FrameDecoder::new();
            let mut got = Vec::new();
            for piece in bytes.chunks(chunk) {
                dec.feed(piece);
                while let Some(p) = dec.next_packet().unwrap() {
                    got.push(p);
                }
            }
            dec.finish().unwrap();
            assert_eq!(got, packets, "chunk size {chunk}");
        }
    }

    /// What a decoder makes of a stream given in `pieces`, through the
    /// in-place path (`next_any_from`) or the copying one (`feed`, then
    /// `next_any`): every packet, every skipped frame with its place, the
    /// error that ends the stream, and what `finish` says at the end.
    fn decoded(pieces: &[&[u8]], in_place: bool, max_frame: usize) -> Vec<String> {
        decoded_fed_first(pieces, in_place, max_frame, 0)
    }

    /// As [`decoded`], the first `fed` pieces given with `feed` whatever
    /// the path: a caller that mixes the two ways.
    fn decoded_fed_first(
        pieces: &[&[u8]],
        in_place: bool,
        max_frame: usize,
        fed: usize,
    ) -> Vec<String> {
        let mut dec = FrameDecoder::new();
        dec.set_max_frame(max_frame);
        let mut generation = None;
        let mut seen = Vec::new();
        for (i, piece) in pieces.iter().enumerate() {
            let mut rest = *piece;
            if !in_place || i < fed {
                dec.feed(piece);
                rest = &[];
            }
            loop {
                let next = if in_place {
                    dec.next_any_from(&mut rest, &mut generation)
                } else {
                    dec.next_any(&mut generation)
                };
                match next {
                    Ok(Some(packet)) => seen.push(format!("{packet:?}")),
                    Ok(None) => break,
                    Err(e) if e.is_bad_payload() => seen.push(format!(
                        "skipped {} bytes at {}: {e}",
                        dec.last_frame_len(),
                        dec.offset() - dec.last_frame_len()
                    )),
                    Err(e) => {
                        seen.push(format!("stream lost: {e:?}"));
                        return seen;
                    }
                }
            }
            assert!(rest.is_empty() || !in_place, "the input is used up");
        }
        seen.push(format!("{:?} at {}", dec.finish(), dec.offset()));
        seen
    }

    /// Gob frames of two senders, a frame that does not decode, and the
    /// start of a frame that never ends; marshal frames with a gob frame
    /// among them.
    fn streams() -> [Vec<u8>; 2] {
        let bad = [0, 0, 0, 5, 0x40, 1, 2, 3, 4];
        let gob = [
            &include_bytes!("../../testdata/goapptrace/mixed.frames")[..],
            &bad,
            include_bytes!("../../testdata/goapptrace-original/raw_func_log_new.frames"),
            &[0, 0, 1],
        ]
        .concat();
        let marshal = [
            &include_bytes!("../../testdata/goapptrace-marshal/conversation_client.frames")[..],
            include_bytes!("../../testdata/goapptrace/ping.frames"),
            &bad,
            include_bytes!("../../testdata/goapptrace-marshal/batch.frames"),
            &[0, 0, 0, 9, 1],
        ]
        .concat();
        [gob, marshal]
    }

    #[test]
    fn frames_decoded_in_place_are_those_fed_wherever_the_reads_cut() {
        for stream in streams() {
            let whole = decoded(&[&stream], false, DEFAULT_MAX_INCOMING_FRAME);
            assert!(whole.len() > 10 && whole.iter().any(|e| e.starts_with("skipped")));
            assert!(whole.last().unwrap().starts_with("Err(Truncated"));
            // The largest frame over the limit: the stream is lost there.
            let largest = frame_sizes(&stream).max().unwrap();
            let limited = decoded(&[&stream], false, largest - 1);
            assert!(limited.last().unwrap().contains("FrameTooLarge"));
            for (max_frame, expected) in [
                (DEFAULT_MAX_INCOMING_FRAME, &whole),
                (largest - 1, &limited),
            ] {
                for cut in 0..=stream.len() {
                    let (a, b) = stream.split_at(cut);
                    assert_eq!(&decoded(&[a, b], true, max_frame), expected, "cut at {cut}");
                    // Several frames fed, then the rest taken in place.
                    assert_eq!(
                        &decoded_fed_first(&[a, b], true, max_frame, 1),
                        expected,
                        "fed up to {cut}"
                    );
                }
                for size in 1..=9 {
                    let pieces: Vec<&[u8]> = stream.chunks(size).collect();
                    assert_eq!(
                        &decoded(&pieces, true, max_frame),
                        expected,
                        "reads of {size}"
                    );
                    assert_eq!(
                        &decoded(&pieces, false, max_frame),
                        expected,
                        "reads of {size}"
                    );
                }
            }
        }
    }

    /// The sizes of the whole frames of a stream, lengths included.
    fn frame_sizes(mut stream: &[u8]) -> impl Iterator<Item = usize> {
        std::iter::from_fn(move || {
            let len = super::frame_len(stream.first_chunk::<4>()?) as usize;
            let (_, rest) = stream.split_at_checked(len)?;
            stream = rest;
            Some(len)
        })
    }

    #[test]
    fn whole_frames_are_not_copied_only_the_unfinished_one() {
        let [stream, _] = streams();
        let mut dec = FrameDecoder::new();
        let mut generation = None;
        let whole: usize = frame_sizes(&stream).sum();
        let mut rest = &stream[..whole];
        // Past the bad frames it holds (another error would end the loop).
        loop {
            match dec.next_any_from(&mut rest, &mut generation) {
                Ok(Some(_)) => {}
                Err(e) if e.is_bad_payload() => {}
                _ => break,
            }
        }
        assert_eq!(
            (rest.len(), dec.buffered(), dec.offset()),
            (0, 0, whole as u64)
        );
        let mut rest = &stream[whole..];
        assert!(matches!(
            dec.next_any_from(&mut rest, &mut generation),
            Ok(None)
        ));
        assert_eq!(dec.pending(), stream.len() - whole);
    }

    #[test]
    fn oversized_frames_fail_before_allocating() {
        let mut dec = FrameDecoder::new();
        dec.feed(&[0xff, 0xff, 0xff, 0xff]);
        assert!(matches!(
            dec.next_packet(),
            Err(ProtocolError::FrameTooLarge {
                len: 0x1_0000_0003,
                ..
            })
        ));
        let mut enc = FrameEncoder::new();
        enc.set_max_frame(16);
        let mut out = vec![1, 2];
        let err = enc
            .encode(&Packet::Ping(PingPacket {}), &mut out)
            .unwrap_err();
        assert!(matches!(err, ProtocolError::PacketTooLarge { .. }));
        assert_eq!(out, [1, 2]);
    }

    #[test]
    fn a_header_that_disagrees_with_the_body_is_an_error() {
        // Header says Ping (4), body is a ClientHelloPacket.
        let mut registry = Registry::new();
        let mut payload = Vec::new();
        let mut encoder = Encoder::new(&mut registry);
        encoder
            .encode_into(
                &HeaderPacket {
                    packet_type: PacketTypeCode(4),
                },
                &mut payload,
            )
            .unwrap();
        encoder
            .encode_into(&ClientHelloPacket::default(), &mut payload)
            .unwrap();
        let err = decode_payload(&payload, 0).unwrap_err();
        assert!(
            matches!(
                err,
                ProtocolError::HeaderMismatch {
                    header: "PingPacket",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn unknown_packet_types_and_trailing_bytes_are_errors() {
        let mut registry = Registry::new();
        let mut payload = Vec::new();
        Encoder::new(&mut registry)
            .encode_into(
                &HeaderPacket {
                    packet_type: PacketTypeCode(42),
                },
                &mut payload,
            )
            .unwrap();
        assert!(matches!(
            decode_payload(&payload, 0),
            Err(ProtocolError::UnknownPacketType { code: 42, .. })
        ));

        let mut out = Vec::new();
        FrameEncoder::new()
            .encode(&Packet::Ping(PingPacket {}), &mut out)
            .unwrap();
        let mut payload = out[4..].to_vec();
        payload.extend_from_slice(&[3, 4, 0, 0]);
        assert!(matches!(
            decode_payload(&payload, 0),
            Err(ProtocolError::TrailingBytes { extra: 4, .. })
        ));
    }
}
