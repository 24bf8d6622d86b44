//! The gob generation's payload codec: a frame's payload is one fresh gob
//! stream holding a `HeaderPacket` and then the packet it names.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::*;
use crate::gob::schema::{Schema, schema_of};
use crate::gob::{self, EncoderState, Registry};
use crate::protocol::era::GoEra;
use crate::protocol::error::ProtocolError;

/// Turns packets into frame payloads as one Go process would: one registry
/// for the life of the sender, a fresh gob encoder per payload.
pub struct PayloadEncoder {
    registry: Registry,
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

impl PayloadEncoder {
    /// An encoder writing the bytes of the given Go era.
    pub fn for_era(era: GoEra) -> Self {
        PayloadEncoder::with_registry(era.registry())
    }

    /// Uses `registry` for type ids.
    pub fn with_registry(registry: Registry) -> Self {
        PayloadEncoder {
            registry,
            state: None,
            schemas: Default::default(),
            prefixes: Default::default(),
        }
    }

    /// Appends the payload of `packet`: a fresh gob stream holding its
    /// `HeaderPacket` and the packet.
    pub fn encode(&mut self, packet: &Packet, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
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

/// Decodes the payloads of one sender's frames. It keeps the memory of
/// its gob decoder from frame to frame, and remembers the openings
/// (definitions and header) of frames it has seen, so that a frame that
/// starts the same way skips them.
#[derive(Default)]
pub struct PayloadDecoder {
    state: Option<gob::DecoderState>,
    openings: Vec<Opening>,
}

impl PayloadDecoder {
    /// A decoder that has seen no frame yet.
    pub fn new() -> Self {
        PayloadDecoder::default()
    }

    /// Decodes the payload of the frame that starts at stream offset
    /// `offset` (errors name it).
    pub fn decode(&mut self, payload: &[u8], offset: u64) -> Result<Packet, ProtocolError> {
        decode_gob_frame(payload, offset, &mut self.state, &mut self.openings)
    }
}

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
            gob::SliceInput::new(body),
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
        gob::SliceInput::new(payload),
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
    PayloadDecoder::new().decode(payload, offset)
}

fn decode_with(
    decoder: &mut gob::Decoder<gob::SliceInput<'_>>,
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
    decoder: &mut gob::Decoder<gob::SliceInput<'_>>,
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
    decoder: &mut gob::Decoder<gob::SliceInput<'_>>,
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
