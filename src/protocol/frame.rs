//! Frames of the gob generation: a 4-byte big-endian length, then a fresh
//! gob stream holding a `HeaderPacket` and the packet.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::era::GoEra;
use super::error::ProtocolError;
use super::generation::{AnyPacket, Generation, decode_any_payload};
use super::limits::{DEFAULT_MAX_INCOMING_FRAME, OutgoingLimit};
use super::packet::*;
use crate::gob::schema::{Schema, schema_of};
use crate::gob::{self, EncoderState, Registry};

/// Turns packets into frames as one Go process would: one registry for the
/// life of the sender, a fresh gob encoder per frame.
pub struct FrameEncoder {
    registry: Registry,
    limit: OutgoingLimit,
    /// The memory of the per-frame encoders, reused from frame to frame.
    state: Option<EncoderState>,
    /// Schemas of `HeaderPacket` and of each packet type, looked up once.
    schemas: [Option<&'static Schema>; 10],
    /// Per packet type, what every frame of it starts with (the header's
    /// definition and value, the packet's definitions) and the type ids
    /// that defines: the same bytes for every frame of a registry.
    prefixes: [Option<Prefix>; 10],
}

/// The bytes every frame of a packet type starts with, and the type ids
/// they define.
type Prefix = (Box<[u8]>, Box<[gob::types::GobId]>);

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
        FrameEncoder::with_registry(era.registry())
    }

    /// Uses `registry` for type ids.
    pub fn with_registry(registry: Registry) -> Self {
        FrameEncoder {
            registry,
            limit: OutgoingLimit::GobPeer,
            state: None,
            schemas: Default::default(),
            prefixes: Default::default(),
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
        let limit = self.limit;
        write_frame(out, packet.packet_type().go_name(), limit, |out| {
            self.encode_payload(packet, out)
        })
    }

    fn encode_payload(&mut self, packet: &Packet, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        let ty = packet.packet_type();
        let wrap = |source| ProtocolError::Encode {
            packet: ty.go_name(),
            source,
        };
        let header = HeaderPacket {
            packet_type: PacketTypeCode(ty.code()),
        };
        let [header_slot, body_slots @ ..] = &mut self.schemas;
        let header_schema = cached_schema::<HeaderPacket>(header_slot).map_err(wrap)?;
        let slot = &mut body_slots[ty.code() as usize - 1];
        let body_schema = match packet {
            Packet::ClientHello(_) => cached_schema::<ClientHelloPacket>(slot),
            Packet::ServerHello(_) => cached_schema::<ServerHelloPacket>(slot),
            Packet::Log(_) => cached_schema::<LogPacket>(slot),
            Packet::Ping(_) => cached_schema::<PingPacket>(slot),
            Packet::Shutdown(_) => cached_schema::<ShutdownPacket>(slot),
            Packet::StartTraceCmd(_) => cached_schema::<StartTraceCmdPacket>(slot),
            Packet::StopTraceCmd(_) => cached_schema::<StopTraceCmdPacket>(slot),
            Packet::Symbol(_) => cached_schema::<SymbolPacket>(slot),
            Packet::RawFuncLogNew(_) => cached_schema::<RawFuncLogNewPacket>(slot),
        }
        .map_err(wrap)?;
        let state = self.state.take().unwrap_or_default();
        let mut encoder = gob::Encoder::with_state(&mut self.registry, state);
        let prefix = &mut self.prefixes[ty.code() as usize];
        if prefix.is_none() {
            let mut bytes = Vec::new();
            let built = encoder
                .encode_with_schema(&header, header_schema, &mut bytes)
                .and_then(|()| encoder.define_types(body_schema, &mut bytes));
            if let Err(e) = built {
                self.state = Some(encoder.into_state());
                return Err(wrap(e));
            }
            *prefix = Some((bytes.into(), encoder.sent_ids().into()));
            // This frame starts like every later one: a fresh stream.
            let state = encoder.into_state();
            encoder = gob::Encoder::with_state(&mut self.registry, state);
        }
        let (bytes, ids) = prefix.as_ref().expect("built above");
        out.extend_from_slice(bytes);
        encoder.assume_sent(ids);
        let result = match packet {
            Packet::ClientHello(p) => encoder.encode_with_schema(p, body_schema, out),
            Packet::ServerHello(p) => encoder.encode_with_schema(p, body_schema, out),
            Packet::Log(p) => encoder.encode_with_schema(p, body_schema, out),
            Packet::Ping(p) => encoder.encode_with_schema(p, body_schema, out),
            Packet::Shutdown(p) => encoder.encode_with_schema(p, body_schema, out),
            Packet::StartTraceCmd(p) => encoder.encode_with_schema(p, body_schema, out),
            Packet::StopTraceCmd(p) => encoder.encode_with_schema(p, body_schema, out),
            Packet::Symbol(p) => encoder.encode_with_schema(p, body_schema, out),
            Packet::RawFuncLogNew(p) => encoder.encode_with_schema(p, body_schema, out),
        };
        self.state = Some(encoder.into_state());
        result.map_err(wrap)
    }
}

/// The schema of `T`, kept in `slot` after the first look-up.
fn cached_schema<T: DeserializeOwned + 'static>(
    slot: &mut Option<&'static Schema>,
) -> gob::Result<&'static Schema> {
    if let Some(s) = slot {
        return Ok(s);
    }
    let s = schema_of::<T>()?;
    *slot = Some(s);
    Ok(s)
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
/// as they arrive, cut anywhere; take packets while it has them.
pub struct FrameDecoder {
    /// Reused by the gob decoder of every frame.
    gob_state: Option<gob::DecoderState>,
    /// Openings of gob frames seen before (type definitions, header), with
    /// what they defined: a frame that starts the same way skips them.
    openings: Vec<Opening>,
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
    pub fn new() -> Self {
        FrameDecoder {
            gob_state: None,
            openings: Vec::new(),
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
        self.buf[self.start..]
            .first_chunk::<4>()
            .map(|head| 4 + u64::from(u32::from_be_bytes(*head)))
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
        decode_gob_frame(payload, offset, &mut self.gob_state, &mut self.openings).map(Some)
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
        let payload = &self.buf[range];
        let g = match *generation {
            Some(g) => g,
            None => {
                let g = payload
                    .first()
                    .map(|&b| Generation::of_payload(b))
                    .unwrap_or_default();
                *generation = Some(g);
                g
            }
        };
        if g == Generation::Gob
            && Generation::of_payload(payload.first().copied().unwrap_or(0)) == g
        {
            return decode_gob_frame(payload, offset, &mut self.gob_state, &mut self.openings)
                .map(|p| Some(AnyPacket::Gob(p)));
        }
        decode_any_payload(payload, offset, g).map(Some)
    }

    /// The next complete frame's payload range in `buf`, with its offset.
    fn next_frame(&mut self) -> Result<Option<(u64, std::ops::Range<usize>)>, ProtocolError> {
        let avail = &self.buf[self.start..];
        let offset = self.offset();
        let Some(head) = avail.first_chunk::<4>() else {
            return Ok(None);
        };
        let len = 4 + u64::from(u32::from_be_bytes(*head));
        if len > self.max_frame as u64 {
            return Err(ProtocolError::FrameTooLarge {
                offset,
                len,
                max: self.max_frame as u64,
            });
        }
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

/// The opening bytes of a gob frame: the definitions and header value that
/// come before the packet's value message, the packet type they announce,
/// and the types they define.
struct Opening {
    bytes: Box<[u8]>,
    packet_type: PacketType,
    types: Vec<(gob::types::GobId, Arc<gob::types::WireType>)>,
}

/// How many openings a decoder remembers, and the longest: a sender has one
/// per packet type; more means a hostile one, which gets the slow path.
const OPENINGS: usize = 32;
const MAX_OPENING: usize = 4096;

/// Decodes a gob frame, skipping an opening seen on an earlier frame.
fn decode_gob_frame(
    payload: &[u8],
    offset: u64,
    state: &mut Option<gob::DecoderState>,
    openings: &mut Vec<Opening>,
) -> Result<Packet, ProtocolError> {
    if let Some(opening) = openings.iter().find(|o| payload.starts_with(&o.bytes)) {
        let body = &payload[opening.bytes.len()..];
        let mut decoder = gob::Decoder::with_state(
            body,
            gob::Limits::default(),
            state.take().unwrap_or_default(),
        );
        decoder.assume_types(&opening.types);
        let result = decode_body(&mut decoder, opening.packet_type, body.len(), offset);
        *state = Some(decoder.into_state());
        // On any fault, the full decode gives the error with its offsets.
        if result.is_ok() {
            return result;
        }
    }
    let mut decoder = gob::Decoder::with_state(
        payload,
        gob::Limits::default(),
        state.take().unwrap_or_default(),
    );
    let result = decode_with(&mut decoder, payload.len(), offset);
    if let Ok(packet) = &result
        && openings.len() < OPENINGS
        && let Some(start) = decoder.value_message_start()
        && (start as usize) <= MAX_OPENING
    {
        openings.push(Opening {
            bytes: payload[..start as usize].into(),
            packet_type: packet.packet_type(),
            types: decoder.types().to_vec(),
        });
    }
    *state = Some(decoder.into_state());
    result
}

/// Decodes the payload of one frame that starts at stream offset `offset`.
pub fn decode_payload(payload: &[u8], offset: u64) -> Result<Packet, ProtocolError> {
    decode_gob_frame(payload, offset, &mut None, &mut Vec::new())
}

fn decode_with(
    decoder: &mut gob::Decoder<&[u8]>,
    payload_len: usize,
    offset: u64,
) -> Result<Packet, ProtocolError> {
    let gob_err = |source| ProtocolError::Gob { offset, source };
    let header: HeaderPacket =
        decoder
            .decode()
            .map_err(gob_err)?
            .ok_or_else(|| ProtocolError::Invalid {
                offset,
                message: "empty frame".into(),
            })?;
    if !decoder.last_type_is("HeaderPacket") {
        return Err(ProtocolError::Invalid {
            offset,
            message: format!(
                "the first value is {}, not a HeaderPacket",
                decoder.last_type_name().unwrap_or_default()
            ),
        });
    }
    let code = header.packet_type.0;
    let ty =
        PacketType::from_code(code).ok_or(ProtocolError::UnknownPacketType { offset, code })?;
    decode_body(decoder, ty, payload_len, offset)
}

/// Decodes the packet that the header announced, and checks that nothing
/// follows it.
fn decode_body(
    decoder: &mut gob::Decoder<&[u8]>,
    ty: PacketType,
    payload_len: usize,
    offset: u64,
) -> Result<Packet, ProtocolError> {
    let packet = match ty {
        PacketType::ClientHello => read::<ClientHelloPacket>(decoder, ty, offset)?.into(),
        PacketType::ServerHello => read::<ServerHelloPacket>(decoder, ty, offset)?.into(),
        PacketType::Log => read::<LogPacket>(decoder, ty, offset)?.into(),
        PacketType::Ping => read::<PingPacket>(decoder, ty, offset)?.into(),
        PacketType::Shutdown => read::<ShutdownPacket>(decoder, ty, offset)?.into(),
        PacketType::StartTraceCmd => read::<StartTraceCmdPacket>(decoder, ty, offset)?.into(),
        PacketType::StopTraceCmd => read::<StopTraceCmdPacket>(decoder, ty, offset)?.into(),
        PacketType::Symbol => read::<SymbolPacket>(decoder, ty, offset)?.into(),
        PacketType::RawFuncLogNew => read::<RawFuncLogNewPacket>(decoder, ty, offset)?.into(),
    };
    let used = decoder.offset();
    if used < payload_len as u64 {
        return Err(ProtocolError::TrailingBytes {
            offset,
            extra: payload_len as u64 - used,
        });
    }
    Ok(packet)
}

fn read<T: DeserializeOwned>(
    decoder: &mut gob::Decoder<&[u8]>,
    ty: PacketType,
    offset: u64,
) -> Result<T, ProtocolError> {
    let gob_err = |source| ProtocolError::Gob { offset, source };
    let packet = decoder
        .decode::<T>()
        .map_err(gob_err)?
        .ok_or_else(|| ProtocolError::Invalid {
            offset,
            message: format!("header announces {} but no packet follows", ty.go_name()),
        })?;
    if !decoder.last_type_is(ty.go_name()) {
        return Err(ProtocolError::HeaderMismatch {
            offset,
            header: ty.go_name(),
            body: decoder.last_type_name().unwrap_or_default(),
        });
    }
    Ok(packet)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let mut encoder = gob::Encoder::new(&mut registry);
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
        gob::Encoder::new(&mut registry)
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
