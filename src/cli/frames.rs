//! `goapptrace-proto frames ...`

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

use clap::Subcommand;

use super::{Failure, input};
use crate::protocol::{
    AnyFrameEncoder, AnyPacket, DEFAULT_MAX_INCOMING_FRAME, FrameDecoder, Generation, GoEra,
    OutgoingLimit,
};

#[derive(Subcommand)]
pub enum FramesCommand {
    /// Decode a byte stream of frames into JSON lines, one packet a line
    /// (the generation is detected from the first frame).
    Decode {
        /// The frames (a capture or a fixture), or - for standard input.
        file: String,
    },
    /// Encode JSON lines of packets into frames, as one Go process would.
    Encode {
        /// JSON lines of packets, or - (the default) for standard input.
        #[arg(default_value = "-")]
        file: String,
        /// Where to write the frames (- for standard output).
        #[arg(short = 'o', long = "output")]
        output: String,
        /// The protocol generation: gob or marshal.
        #[arg(long, default_value = "gob")]
        generation: Generation,
        /// Whose bytes to write: "original" (the Go of 2017–2018: gob type
        /// ids from 65, JSON escapes \u0008 and \u000c) or "current" (Go
        /// 1.26: ids from 64, escapes \b and \f).
        #[arg(long, value_name = "ERA", default_value = "original")]
        go_era: GoEra,
        /// The largest frame to write, in bytes, its 4-byte length included
        /// [default: what a Go peer of the generation receives: 3841 for
        /// gob, 104857600 for marshal].
        #[arg(long, value_name = "BYTES")]
        max_frame_out: Option<usize>,
    },
}

pub fn run(cmd: FramesCommand) -> Result<(), Failure> {
    match cmd {
        FramesCommand::Decode { file } => decode(&file),
        FramesCommand::Encode {
            file,
            output,
            generation,
            go_era,
            max_frame_out,
        } => {
            let mut encoder = AnyFrameEncoder::new(generation, go_era);
            encoder.set_limit(OutgoingLimit::for_generation(generation, max_frame_out));
            encode(&file, &output, generation, encoder)
        }
    }
}

fn decode(path: &str) -> Result<(), Failure> {
    let mut input = input::open(path)?;
    let mut decoder = FrameDecoder::new();
    decoder.set_max_frame(DEFAULT_MAX_INCOMING_FRAME);
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    let mut chunk = vec![0u8; 64 * 1024];
    let mut generation = None;
    loop {
        let n = match input.reader.read(&mut chunk) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => {
                out.flush()?;
                return Err(Failure::new(format!("{}: {e}", input.name)));
            }
        };
        if n == 0 {
            break;
        }
        decoder.feed(&chunk[..n]);
        loop {
            match decoder.next_any(&mut generation) {
                Ok(Some(packet)) => writeln!(out, "{}", packet.to_json())?,
                Ok(None) => break,
                Err(e) => {
                    out.flush()?;
                    return Err(Failure::new(format!(
                        "{}: {e}{}",
                        input.name,
                        other_kind_hint(&e)
                    )));
                }
            }
        }
    }
    out.flush()?;
    decoder
        .finish()
        .map_err(|e| Failure::new(format!("{}: {e}", input.name)))
}

/// A first frame that cannot be one: the file may be a gob stream, whose
/// first byte (a message length) is never zero, where a frame's length
/// almost always starts with one.
fn other_kind_hint(e: &crate::protocol::ProtocolError) -> &'static str {
    match e {
        crate::protocol::ProtocolError::FrameTooLarge { offset: 0, len, .. } if *len >= 1 << 24 => {
            " (this does not look like goapptrace frames: a gob stream is read by `gob decode \
             --json`, a Go tracer's compact log by `compactlog decode`)"
        }
        _ => "",
    }
}

fn encode(
    path: &str,
    output: &str,
    generation: Generation,
    mut encoder: AnyFrameEncoder,
) -> Result<(), Failure> {
    let input = input::open(path)?;
    let sink: Box<dyn Write> = if output == "-" {
        Box::new(io::stdout())
    } else {
        Box::new(File::create(output).map_err(|e| Failure::new(format!("{output}: {e}")))?)
    };
    let mut out = BufWriter::new(sink);
    let mut frame = Vec::new();
    for (index, line) in BufReader::new(input.reader).lines().enumerate() {
        let line_no = index + 1;
        let fail =
            |message: String| Failure::new(format!("{}: line {line_no}: {message}", input.name));
        let line = line.map_err(|e| fail(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let result = AnyPacket::from_json(&line, generation)
            .map_err(|e| super::json_error(&e))
            .and_then(|packet| {
                frame.clear();
                encoder
                    .encode(&packet, &mut frame)
                    .map_err(|e| e.to_string())
            });
        if let Err(message) = result {
            out.flush()?;
            return Err(fail(message));
        }
        out.write_all(&frame)?;
    }
    out.flush()?;
    Ok(())
}
