//! The gob generation's payload codec: a frame's payload is one fresh gob
//! stream holding a `HeaderPacket` and then the packet it names.

use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::fast;
use super::*;
use crate::gob::schema::{Schema, schema_of};
use crate::gob::types::GobId;
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
    /// The type id of `RawFuncLogNewPacket` once a funclog went out and
    /// the hand-written value message (see [`fast`]) gave serde_gob's very
    /// bytes for it; later funclogs are written by hand.
    funclog_id: Option<GobId>,
    /// Whether funclogs may still be written by hand: not once the check
    /// of the first one found other bytes (nor in tests that compare both
    /// ways), so that the check runs once.
    fast_path: bool,
}

/// The bytes every frame of a packet type starts with, and the type ids
/// they define.
type Prefix = (Box<[u8]>, Box<[GobId]>);

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
            funclog_id: None,
            fast_path: true,
        }
    }

    /// Writes every packet with serde_gob, funclogs too.
    #[cfg(test)]
    pub(super) fn without_fast_path(mut self) -> Self {
        self.fast_path = false;
        self
    }

    /// Appends the payload of `packet`: a fresh gob stream holding its
    /// `HeaderPacket` and the packet.
    pub fn encode(&mut self, packet: &Packet, out: &mut Vec<u8>) -> Result<(), ProtocolError> {
        if let Packet::RawFuncLogNew(p) = packet
            && let Some(type_id) = self.funclog_id
            && let Some((opening, _)) = &self.prefixes[PacketType::RawFuncLogNew.code() as usize]
        {
            out.extend_from_slice(opening);
            fast::write_message(out, type_id, p);
            return Ok(());
        }
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
        let value_start = out.len();
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
        if let (Ok(()), Packet::RawFuncLogNew(p), true, None) =
            (&result, packet, self.fast_path, self.funclog_id)
        {
            self.funclog_id = hand_written_funclog_id(&out[value_start..], p);
            self.fast_path = self.funclog_id.is_some();
        }
        result.map_err(wrap)
    }
}

/// The type id in `value`, the value message serde_gob wrote for `packet`,
/// if the hand-written message with that id is the same bytes.
fn hand_written_funclog_id(value: &[u8], packet: &RawFuncLogNewPacket) -> Option<GobId> {
    let mut message = gob::wire::Cursor::new(value, 0);
    message.get_uint().ok()?;
    let type_id = message.get_int().ok()?;
    let mut by_hand = Vec::with_capacity(value.len());
    fast::write_message(&mut by_hand, type_id, packet);
    (by_hand == value).then_some(type_id)
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
    types: Vec<(GobId, Arc<gob::types::WireType>)>,
    /// For a funclog opening that defines the types as Go does, the
    /// packet's type id: its value message is read by hand (see [`fast`]).
    funclog_id: Option<GobId>,
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
    /// Records of funclogs given back ([`PayloadDecoder::recycle`]), whose
    /// memory the next funclogs read by hand fill.
    spare_logs: Vec<RawFuncLog>,
    /// Funclogs are read by serde_gob only (tests compare both ways).
    #[cfg(test)]
    slow_only: bool,
}

impl PayloadDecoder {
    /// A decoder that has seen no frame yet.
    pub fn new() -> Self {
        PayloadDecoder::default()
    }

    /// Reads every packet with serde_gob, funclogs too.
    #[cfg(test)]
    pub(super) fn without_fast_path() -> Self {
        PayloadDecoder {
            slow_only: true,
            ..PayloadDecoder::default()
        }
    }

    /// Decodes the payload of the frame that starts at stream offset
    /// `offset` (errors name it).
    pub fn decode(&mut self, payload: &[u8], offset: u64) -> Result<Packet, ProtocolError> {
        let known = self
            .openings
            .iter()
            .position(|o| payload.starts_with(&o.bytes));
        if let Some(at) = known {
            // The opening matched last comes first: a sender's funclogs
            // find theirs at once, past the hello's.
            self.openings[..=at].rotate_right(1);
            if let Some(packet) = self.decode_funclog(payload) {
                return Ok(packet);
            }
        }
        // After the rotation, a known opening is the first.
        let known = known.is_some();
        decode_gob_frame(payload, offset, &mut self.state, &mut self.openings, known)
    }

    /// A funclog after the first remembered opening, if its definitions
    /// are Go's, read by hand into a spare record if there is one; `None`
    /// for anything else.
    fn decode_funclog(&mut self, payload: &[u8]) -> Option<Packet> {
        #[cfg(test)]
        if self.slow_only {
            return None;
        }
        let opening = &self.openings[0];
        let packet_id = opening.funclog_id?;
        let body = &payload[opening.bytes.len()..];
        let shell = self.spare_logs.pop().unwrap_or_default();
        fast::read_message(body, packet_id, shell).map(Packet::RawFuncLogNew)
    }

    /// Takes back records of funclogs this decoder (or another) gave out,
    /// once their packets are done with, from the end of `logs` (as many
    /// as it keeps: the rest stay there). A busy receiver then fills them
    /// instead of allocating a tag and frames for each funclog and freeing
    /// them (dearest when the packets are freed on another thread).
    pub fn recycle(&mut self, logs: &mut Vec<RawFuncLog>) {
        while self.spare_logs.len() < SPARE_LOGS
            && let Some(log) = logs.pop()
        {
            if PayloadDecoder::worth_recycling(&log) {
                self.spare_logs.push(log);
            }
        }
    }

    /// Whether this decoder has read funclogs by hand and has room for
    /// more spare records: a receiver hands it some only then (a marshal
    /// or other sender's decoder never takes them).
    pub fn wants_spares(&self) -> bool {
        self.spare_logs.len() < SPARE_LOGS / 2
            && self.openings.iter().any(|o| o.funclog_id.is_some())
    }

    /// Whether `log` is small enough to be kept for recycling: big ones
    /// are let go, so that little memory waits unused in spare lists
    /// (outside any budget).
    pub fn worth_recycling(log: &RawFuncLog) -> bool {
        log.frames.capacity() <= SPARE_FRAMES && log.tag.0.capacity() <= SPARE_TAG
    }
}

/// How many spare funclog records a decoder keeps (about a 64 KiB read of
/// funclogs), and the most frames and tag bytes a kept one has room for.
const SPARE_LOGS: usize = 256;
const SPARE_FRAMES: usize = 64;
const SPARE_TAG: usize = 64;

/// Decodes a gob frame, skipping the opening `openings[0]` it starts with
/// if it is `known` (seen on an earlier frame).
fn decode_gob_frame(
    payload: &[u8],
    offset: u64,
    state: &mut Option<gob::DecoderState>,
    openings: &mut Vec<Opening>,
    known: bool,
) -> Result<Packet, ProtocolError> {
    if let Some(opening) = openings.first().filter(|_| known) {
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
        let types = decoder.types().to_vec();
        let funclog_id = (packet.packet_type() == PacketType::RawFuncLogNew)
            .then(|| fast::funclog_packet_id(&types))
            .flatten();
        openings.push(Opening {
            bytes: payload[..start as usize].into(),
            packet_type: packet.packet_type(),
            types,
            funclog_id,
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::gob::Int;
    use crate::gob::types::WireType;

    fn funclog(
        id: i64,
        tag: &str,
        timestamp: i64,
        frames: &[u64],
        gid: i64,
        tx_id: u64,
    ) -> RawFuncLogNewPacket {
        RawFuncLogNewPacket {
            func_log: Some(RawFuncLog {
                id: RawFuncLogId(Int(id)),
                tag: TagName(tag.into()),
                timestamp: Time(timestamp),
                frames: frames.iter().copied().map(FuncStatusId).collect(),
                gid: Gid(gid),
                tx_id: TxId(tx_id),
            }),
        }
    }

    /// Funclogs at the edges: nil and zero records, zero and extreme
    /// fields, empty, long and non-ASCII tags, stacks that make the
    /// message 128 bytes or more (a longer length) and 16 KiB or more.
    fn edge_funclogs() -> Vec<RawFuncLogNewPacket> {
        let long_tag = "é".repeat(100);
        let deep: Vec<u64> = (0..3000).map(|i| u64::MAX - i).collect();
        let mut packets = vec![
            RawFuncLogNewPacket { func_log: None },
            RawFuncLogNewPacket {
                func_log: Some(RawFuncLog::default()),
            },
            funclog(
                1,
                "funcStart",
                1511136000123456790,
                &[4849665, 4849729],
                7,
                1,
            ),
            funclog(i64::MIN, "", i64::MAX, &[0], i64::MIN, u64::MAX),
            funclog(
                i64::MAX,
                "funcEnd",
                i64::MIN,
                &[u64::MAX, 0, 127, 128],
                -1,
                0,
            ),
            funclog(0, "関数開始 ✓", 0, &[], 0, 0),
            funclog(-64, &long_tag, -65, &[1; 40], 63, 64),
            funclog(5, "x", 1, &[u64::MAX; 20], 0, 1),
            funclog(6, "y", 2, &deep, 3, 4),
        ];
        // Every field alone.
        for field in 0..6 {
            let mut log = RawFuncLog::default();
            match field {
                0 => log.id = RawFuncLogId(Int(-1)),
                1 => log.tag = TagName("t".into()),
                2 => log.timestamp = Time(1),
                3 => log.frames = vec![FuncStatusId(0)],
                4 => log.gid = Gid(i64::MIN),
                _ => log.tx_id = TxId(1),
            }
            packets.push(RawFuncLogNewPacket {
                func_log: Some(log),
            });
        }
        packets
    }

    /// The encoders compared: each era's, and one whose registry numbered
    /// the hello's types first, as in a session.
    fn encoder_pairs() -> Vec<(PayloadEncoder, PayloadEncoder)> {
        let mut pairs = Vec::new();
        for era in [GoEra::Original, GoEra::Current] {
            for hello_first in [false, true] {
                let mut pair = (
                    PayloadEncoder::for_era(era),
                    PayloadEncoder::for_era(era).without_fast_path(),
                );
                let hello = Packet::ClientHello(ClientHelloPacket::default());
                // A first funclog, from which the fast encoder learns.
                let first = Packet::RawFuncLogNew(funclog(1, "funcStart", 2, &[3], 4, 5));
                for encoder in [&mut pair.0, &mut pair.1] {
                    if hello_first {
                        encoder.encode(&hello, &mut Vec::new()).unwrap();
                    }
                    encoder.encode(&first, &mut Vec::new()).unwrap();
                }
                assert!(pair.0.funclog_id.is_some(), "the fast path is on");
                assert!(pair.1.funclog_id.is_none(), "the fast path is off");
                pairs.push(pair);
            }
        }
        pairs
    }

    /// The remembered opening `payload` starts with, if funclogs after it
    /// are read by hand.
    fn funclog_opening<'a>(decoder: &'a PayloadDecoder, payload: &[u8]) -> Option<&'a Opening> {
        decoder
            .openings
            .iter()
            .find(|o| payload.starts_with(&o.bytes) && o.funclog_id.is_some())
    }

    /// Encodes `packet` both ways, checks the bytes are the same, and that
    /// the hand reader reads them back into it after the opening.
    fn check_round_trip(
        (fast, slow): &mut (PayloadEncoder, PayloadEncoder),
        packet: &RawFuncLogNewPacket,
    ) -> Vec<u8> {
        let packet = Packet::RawFuncLogNew(packet.clone());
        let (mut by_hand, mut by_serde) = (Vec::new(), Vec::new());
        fast.encode(&packet, &mut by_hand).unwrap();
        slow.encode(&packet, &mut by_serde).unwrap();
        assert_eq!(by_hand, by_serde, "{packet:?}");
        let mut decoder = PayloadDecoder::new();
        assert_eq!(decoder.decode(&by_serde, 0).unwrap(), packet);
        let opening = funclog_opening(&decoder, &by_serde).expect("a funclog opening");
        let body = &by_serde[opening.bytes.len()..];
        let read = fast::read_message(body, opening.funclog_id.unwrap(), RawFuncLog::default());
        assert_eq!(read.map(Packet::RawFuncLogNew).as_ref(), Some(&packet));
        assert_eq!(decoder.decode(&by_serde, 0).unwrap(), packet);
        by_serde
    }

    #[test]
    fn hand_written_funclogs_are_serde_gobs_bytes_and_read_back() {
        let mut pairs = encoder_pairs();
        for pair in &mut pairs {
            for packet in edge_funclogs() {
                check_round_trip(pair, &packet);
            }
        }
    }

    fn any_tag() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            Just("funcStart".to_string()),
            Just("funcEnd".to_string()),
            any::<String>(),
            "[a-zé日]{100,200}",
        ]
    }

    fn any_u64() -> impl Strategy<Value = u64> {
        prop_oneof![Just(0), Just(u64::MAX), 0..300u64, any::<u64>()]
    }

    fn any_i64() -> impl Strategy<Value = i64> {
        prop_oneof![
            Just(0),
            Just(i64::MIN),
            Just(i64::MAX),
            -300..300i64,
            any::<i64>()
        ]
    }

    prop_compose! {
        fn any_funclog()(
            present in prop::bool::weighted(0.95),
            id in any_i64(),
            tag in any_tag(),
            timestamp in any_i64(),
            frames in prop::collection::vec(any_u64(), 0..40),
            gid in any_i64(),
            tx_id in any_u64(),
        ) -> RawFuncLogNewPacket {
            let log = funclog(id, &tag, timestamp, &frames, gid, tx_id);
            if present { log } else { RawFuncLogNewPacket { func_log: None } }
        }
    }

    proptest! {
        #[test]
        fn any_funclog_is_written_and_read_as_serde_gob_does(packet in any_funclog()) {
            for pair in &mut encoder_pairs() {
                check_round_trip(pair, &packet);
            }
        }
    }

    #[test]
    fn funclogs_read_into_recycled_records_are_the_ones_sent() {
        let (mut encoder, _) = encoder_pairs().remove(0);
        let mut frames = Vec::new();
        for packet in edge_funclogs().into_iter().rev() {
            let mut frame = Vec::new();
            encoder
                .encode(&Packet::RawFuncLogNew(packet), &mut frame)
                .unwrap();
            frames.push(frame);
        }
        let mut fast = PayloadDecoder::new();
        let mut slow = PayloadDecoder::without_fast_path();
        let (mut spares, mut refilled) = (Vec::new(), 0);
        // Each record goes back at once: the next funclog is read into the
        // fields of another (stacks, tags, numbers of other lengths).
        for _ in 0..3 {
            for frame in &frames {
                let had = fast.spare_logs.len();
                let packet = fast.decode(frame, 0).unwrap();
                refilled += usize::from(fast.spare_logs.len() < had);
                assert_eq!(packet, slow.decode(frame, 0).unwrap());
                if let Packet::RawFuncLogNew(RawFuncLogNewPacket {
                    func_log: Some(log),
                }) = packet
                {
                    spares.push(log);
                }
                fast.recycle(&mut spares);
            }
        }
        assert!(refilled > 2 * frames.len(), "{refilled} records refilled");
        // Records too big to keep are let go; the rest wait.
        assert!(
            fast.spare_logs
                .iter()
                .all(|log| log.frames.capacity() <= SPARE_FRAMES)
        );
        let mut many = vec![RawFuncLog::default(); 2 * SPARE_LOGS];
        fast.recycle(&mut many);
        assert_eq!(fast.spare_logs.len(), SPARE_LOGS);
        assert!(!many.is_empty());
    }

    /// What a decoder makes of a payload, as text, errors included (with
    /// their offsets).
    fn verdict(decoder: &mut PayloadDecoder, payload: &[u8]) -> String {
        format!("{:?}", decoder.decode(payload, 1000))
    }

    /// Every way to spoil `frame`: each byte changed, cut at each length,
    /// bytes added.
    fn spoiled(frame: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        for at in 0..frame.len() {
            for change in [0x00, 0x01, 0x02, 0x7f, 0x80, 0xf8, 0xff] {
                let mut bad = frame.to_vec();
                bad[at] = change;
                out.push(bad.clone());
                bad[at] = frame[at].wrapping_add(change);
                out.push(bad);
            }
        }
        out.extend((0..frame.len()).map(|cut| frame[..cut].to_vec()));
        for tail in [&[0u8][..], &[1], &[0xff], &[0, 0], &[2, 0x80, 0]] {
            out.push([frame, tail].concat());
        }
        out
    }

    #[test]
    fn spoiled_funclog_frames_get_the_general_paths_verdict() {
        let (mut encoder, _) = encoder_pairs().remove(1);
        let mut handled = 0;
        for packet in [
            funclog(
                1,
                "funcStart",
                1511136000123456790,
                &[4849665, 4849729],
                7,
                1,
            ),
            funclog(-3, "é", -1, &[u64::MAX, 0, 200], i64::MIN, u64::MAX),
            RawFuncLogNewPacket { func_log: None },
            RawFuncLogNewPacket {
                func_log: Some(RawFuncLog::default()),
            },
        ] {
            let mut frame = Vec::new();
            encoder
                .encode(&Packet::RawFuncLogNew(packet), &mut frame)
                .unwrap();
            for bad in spoiled(&frame) {
                let mut fast = PayloadDecoder::new();
                let mut slow = PayloadDecoder::without_fast_path();
                for decoder in [&mut fast, &mut slow] {
                    decoder.decode(&frame, 0).unwrap();
                }
                // Twice: a spoiled opening that decodes is remembered,
                // and the second time its funclogs may be read by hand.
                for _ in 0..2 {
                    let by_hand = funclog_opening(&fast, &bad).is_some_and(|o| {
                        let body = &bad[o.bytes.len()..];
                        fast::read_message(body, o.funclog_id.unwrap(), RawFuncLog::default())
                            .is_some()
                    });
                    handled += usize::from(by_hand);
                    assert_eq!(
                        verdict(&mut fast, &bad),
                        verdict(&mut slow, &bad),
                        "{bad:x?}"
                    );
                }
            }
        }
        // Some spoiled frames are still funclogs Go could write.
        assert!(handled > 100, "{handled} spoiled frames read by hand");
    }

    /// The payloads of a file of frames.
    fn payloads(frames: &[u8]) -> Vec<&[u8]> {
        let mut rest = frames;
        let mut out = Vec::new();
        while let Some((head, after)) = rest.split_first_chunk::<4>() {
            let (payload, next) = after.split_at(u32::from_be_bytes(*head) as usize);
            out.push(payload);
            rest = next;
        }
        out
    }

    #[test]
    fn funclogs_written_by_go_are_read_by_hand_as_the_general_path_reads_them() {
        let files: [&[u8]; 4] = [
            include_bytes!("../../../testdata/goapptrace/raw_func_log_new.frames"),
            include_bytes!("../../../testdata/goapptrace-original/raw_func_log_new.frames"),
            include_bytes!("../../../testdata/goapptrace/conversation_client.frames"),
            include_bytes!("../../../testdata/goapptrace-original/mixed.frames"),
        ];
        let mut by_hand = 0;
        for file in files {
            let mut fast = PayloadDecoder::new();
            let mut slow = PayloadDecoder::without_fast_path();
            for payload in payloads(file) {
                by_hand += usize::from(funclog_opening(&fast, payload).is_some());
                let packet = fast.decode(payload, 0).unwrap();
                assert_eq!(packet, slow.decode(payload, 0).unwrap());
            }
        }
        // All but the first funclog of each file.
        assert_eq!(by_hand, 11 + 11 + 19 + 1);
    }

    #[test]
    fn only_our_funclog_definitions_are_read_by_hand() {
        let mut encoder = PayloadEncoder::for_era(GoEra::Original);
        let mut frame = Vec::new();
        let packet = Packet::RawFuncLogNew(funclog(1, "a", 2, &[3], 4, 5));
        encoder.encode(&packet, &mut frame).unwrap();
        let mut decoder = PayloadDecoder::new();
        decoder.decode(&frame, 0).unwrap();
        let types = decoder.openings[0].types.clone();
        let packet_id = fast::funclog_packet_id(&types).expect("our own definitions");
        assert_eq!(packet_id, 66);
        // Any one thing changed in the packet's types, and they are not
        // (the header's is no concern of the funclog's value).
        let mut changed = Vec::new();
        for (i, (_, t)) in types.iter().enumerate() {
            if t.name == "HeaderPacket" {
                continue;
            }
            let mut renamed = (**t).clone();
            renamed.name.push('X');
            changed.push((i, renamed));
            match &t.shape {
                gob::types::Shape::Struct { fields } => {
                    for f in 0..fields.len() {
                        let with_field = |change: &dyn Fn(&mut gob::types::WireField)| {
                            let mut fields = fields.clone();
                            change(&mut fields[f]);
                            let shape = gob::types::Shape::Struct { fields };
                            (
                                i,
                                WireType {
                                    shape,
                                    ..(**t).clone()
                                },
                            )
                        };
                        changed.push(with_field(&|f| f.name.push('X')));
                        changed.push(with_field(&|f| f.id = if f.id == 2 { 3 } else { 2 }));
                    }
                }
                gob::types::Shape::Slice { .. } => {
                    let mut t = (**t).clone();
                    t.shape = gob::types::Shape::Slice { elem: 2 };
                    changed.push((i, t));
                }
                _ => {}
            }
        }
        assert!(changed.len() > 10);
        for (i, t) in changed {
            let mut other = types.clone();
            other[i].1 = Arc::new(t);
            assert_eq!(fast::funclog_packet_id(&other), None, "{:?}", other[i]);
        }
    }
}
