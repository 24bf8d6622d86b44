//! `goapptrace-proto compactlog ...`: the compact logs Go tracers write
//! when they cannot reach a log server.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};

use clap::Subcommand;

use super::{Failure, input};
use crate::protocol::{AnyPacket, Generation, GoEra};
use crate::storage::{CompactLogReader, CompactLogWriter};

#[derive(Subcommand)]
pub enum CompactLogCommand {
    /// Print the packets a compact log holds as JSON lines, in the marshal
    /// generation's form that `send --generation marshal` and `frames
    /// encode` read: a SymbolPacket for each symbol table, a
    /// RawFuncLogPacket for each funclog, in file order.
    Decode {
        /// The compact logs, read one after the other, or - for standard
        /// input.
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Write JSON lines of SymbolPacket and RawFuncLogPacket (marshal
    /// generation) as a compact log, byte for byte as the Go tracer writes
    /// it.
    Encode {
        /// JSON lines of packets, or - (the default) for standard input.
        #[arg(default_value = "-")]
        file: String,
        /// Where to write the compact log (- for standard output).
        #[arg(short = 'o', long = "output")]
        output: String,
        /// Whose bytes to write: "original" (the Go of 2017–2018: gob type
        /// ids from 65) or "current" (Go 1.26: ids from 64).
        #[arg(long, value_name = "ERA", default_value = "original")]
        go_era: GoEra,
    },
}

pub fn run(cmd: CompactLogCommand) -> Result<(), Failure> {
    match cmd {
        CompactLogCommand::Decode { files } => {
            let mut out = BufWriter::new(io::stdout().lock());
            let result = files.iter().try_for_each(|file| decode(file, &mut out));
            out.flush()?;
            result
        }
        CompactLogCommand::Encode {
            file,
            output,
            go_era,
        } => encode(&file, &output, go_era),
    }
}

fn decode(path: &str, out: &mut impl Write) -> Result<(), Failure> {
    let mut input = input::open(path)?;
    // The first bytes tell a file that was compressed after the fact (the
    // Go tracer names its file .log.gz but writes plain gob).
    let mut head = [0u8; 2];
    let mut have = 0;
    while have < head.len() {
        match input.reader.read(&mut head[have..]) {
            Ok(0) => break,
            Ok(n) => have += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Failure::new(format!("{}: {e}", input.name))),
        }
    }
    if head[..have] == [0x1f, 0x8b] {
        return Err(Failure::new(format!(
            "{}: the file is gzip-compressed (the Go tracer writes plain gob, even to a file \
             named .log.gz): decompress it first, for example `gunzip -c {} | goapptrace-proto \
             compactlog decode -`",
            input.name, input.name
        )));
    }
    let reader = io::Read::chain(&head[..have], input.reader);
    let mut reader = CompactLogReader::new(reader);
    loop {
        match reader.next_record() {
            Ok(Some(record)) => {
                for packet in record.packets() {
                    packet.write_json(&mut *out)?;
                    out.write_all(b"\n")?;
                }
            }
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
    Ok(())
}

/// A hint for a file that fails on its first record: it may be another of
/// the kinds of file this tool reads.
fn other_kind_hint(e: &crate::storage::StorageError) -> &'static str {
    use crate::gob::Error;
    match e {
        crate::storage::StorageError::Gob {
            record: 1,
            source: Error::Malformed { .. } | Error::TypeMismatch { .. },
            ..
        } => {
            " (is it a compact log? `gob decode --json` reads any gob stream, `frames decode` \
             goapptrace frames)"
        }
        _ => "",
    }
}

fn encode(path: &str, output: &str, era: GoEra) -> Result<(), Failure> {
    let input = input::open(path)?;
    let sink: Box<dyn Write> = if output == "-" {
        Box::new(io::stdout())
    } else {
        Box::new(File::create(output).map_err(|e| Failure::new(format!("{output}: {e}")))?)
    };
    let mut writer = CompactLogWriter::new(BufWriter::new(sink), era);
    for (index, line) in BufReader::new(input.reader).lines().enumerate() {
        let line_no = index + 1;
        let fail =
            |message: String| Failure::new(format!("{}: line {line_no}: {message}", input.name));
        let line = line.map_err(|e| fail(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let result = AnyPacket::from_json(&line, Generation::Marshal)
            .map_err(|e| super::json_error(&e))
            .and_then(|packet| writer.write_packet(&packet).map_err(|e| e.to_string()));
        if let Err(message) = result {
            writer.flush()?;
            return Err(fail(message));
        }
    }
    writer.flush()?;
    Ok(())
}
