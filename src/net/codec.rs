//! Frames as a `tokio_util` codec, for a tokio stack of one's own:
//! `Framed::new(stream, FrameCodec::new(..))` is a `Stream` of the packets
//! that arrive and a `Sink` of the packets to send, with the frame limits of
//! a [`SessionConfig`]. It does framing and payloads only: the negotiation
//! and the rules of who may send what are the sessions' (`protocol::session`)
//! or the caller's.

use bytes::BytesMut;
use tokio_util::codec::{Decoder, Encoder};

use super::NetError;
use crate::protocol::{
    AnyFrameEncoder, AnyPacket, BadFrame, FrameDecoder, Generation, OutgoingLimit, SessionConfig,
};

/// What a [`FrameCodec`] decodes: a packet, or a complete frame whose payload
/// does not decode (the Go peers skip such a frame and go on; so may you).
pub type Decoded = Result<AnyPacket, BadFrame>;

/// A `tokio_util` codec for goapptrace frames of either generation.
pub struct FrameCodec {
    config: SessionConfig,
    generation: Option<Generation>,
    decoder: FrameDecoder,
    encoder: Option<AnyFrameEncoder>,
    scratch: Vec<u8>,
}

impl FrameCodec {
    /// A codec speaking `generation`, or, with `None`, the generation of the
    /// first frame that arrives or the first packet sent (as a server does).
    /// Frame limits and the Go era come from `config`.
    pub fn new(generation: Option<Generation>, config: &SessionConfig) -> Self {
        let mut decoder = FrameDecoder::new();
        decoder.set_max_frame(config.max_incoming_frame);
        FrameCodec {
            config: config.clone(),
            generation,
            decoder,
            encoder: None,
            scratch: Vec::new(),
        }
    }

    /// The generation spoken, once known.
    pub fn generation(&self) -> Option<Generation> {
        self.generation
    }
}

impl Decoder for FrameCodec {
    type Item = Decoded;
    type Error = NetError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Decoded>, NetError> {
        // The frame decoder keeps the bytes: it checks the announced length
        // against the limit and grows only with what arrives.
        if !src.is_empty() {
            self.decoder.feed(src);
            src.clear();
        }
        match self.decoder.next_any(&mut self.generation) {
            Ok(packet) => Ok(packet.map(Ok)),
            Err(e) if e.is_bad_payload() => {
                let len = self.decoder.last_frame_len();
                Ok(Some(Err(BadFrame {
                    offset: self.decoder.offset() - len,
                    len,
                    reason: e.to_string(),
                })))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Decoded>, NetError> {
        match self.decode(src)? {
            Some(decoded) => Ok(Some(decoded)),
            None => {
                self.decoder.finish()?;
                Ok(None)
            }
        }
    }
}

impl Encoder<AnyPacket> for FrameCodec {
    type Error = NetError;

    /// Appends the packet's frame. A packet of the other generation, or over
    /// the outgoing limit, is an error and nothing of it is written.
    fn encode(&mut self, packet: AnyPacket, dst: &mut BytesMut) -> Result<(), NetError> {
        let generation = *self.generation.get_or_insert(packet.generation());
        let config = &self.config;
        let encoder = self.encoder.get_or_insert_with(|| {
            let mut encoder = AnyFrameEncoder::new(generation, config.era);
            encoder.set_limit(OutgoingLimit::for_generation(
                generation,
                config.max_outgoing_frame,
            ));
            encoder
        });
        self.scratch.clear();
        encoder.encode(&packet, &mut self.scratch)?;
        dst.extend_from_slice(&self.scratch);
        Ok(())
    }
}
