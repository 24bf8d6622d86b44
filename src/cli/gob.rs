//! `goapptrace-proto gob ...`

use std::io::{self, Write};

use clap::{Subcommand, ValueEnum};

use super::{Failure, input};
use crate::gob::{self, StreamTypes, ValueDecoder};

#[derive(Subcommand)]
pub enum GobCommand {
    /// Print each top-level value of a gob stream on a line of its own: as
    /// Go's fmt prints it with %+v, or with --json as JSON.
    Decode {
        /// Print JSON (the rendering table of the README) instead of Go's
        /// %+v text.
        #[arg(long)]
        json: bool,
        /// The gob stream, or - for standard input.
        file: String,
    },
    /// Print an annotated dump: messages, type definitions and values with offsets.
    Dump {
        /// The gob stream, or - for standard input.
        file: String,
    },
    /// Print the type definitions a gob stream carries, as Rust types that
    /// decode it (and encode it again to the same bytes) or as Go declarations.
    Types {
        /// The gob stream, or - for standard input.
        file: String,
        /// The language to print.
        #[arg(long, value_enum, default_value = "rust")]
        lang: Lang,
        /// Make every interface a serde_gob::Value, which takes any concrete
        /// type, instead of an enum of the concrete types this stream holds.
        #[arg(long)]
        open_interfaces: bool,
    },
}

/// The language `gob types` prints.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Lang {
    Rust,
    Go,
}

pub fn run(cmd: GobCommand) -> Result<(), Failure> {
    match cmd {
        GobCommand::Decode { json, file } => decode(&file, json),
        GobCommand::Dump { file } => dump(&file),
        GobCommand::Types {
            file,
            lang,
            open_interfaces,
        } => types(&file, lang, open_interfaces),
    }
}

fn decode(path: &str, json: bool) -> Result<(), Failure> {
    let input = input::open(path)?;
    let mut decoder = ValueDecoder::new(input.reader);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    loop {
        match decoder.next_value() {
            Ok(Some(value)) if json => writeln!(out, "{}", value.to_json_text())?,
            Ok(Some(value)) => writeln!(out, "{value}")?,
            Ok(None) => return Ok(()),
            Err(e) => {
                out.flush()?;
                return Err(located(&input.name, &e));
            }
        }
    }
}

fn dump(path: &str) -> Result<(), Failure> {
    let input = input::open(path)?;
    let (text, error) = gob::dump::dump(input.reader);
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    match error {
        Some(e) => Err(located(&input.name, &e)),
        None => Ok(()),
    }
}

fn types(path: &str, lang: Lang, open_interfaces: bool) -> Result<(), Failure> {
    let input = input::open(path)?;
    let mut options = gob::codegen::Options::default();
    options.open_interfaces = open_interfaces;
    let types = StreamTypes::from_reader_with(input.reader, options)
        .map_err(|e| located(&input.name, &e))?;
    let text = match lang {
        Lang::Rust => types.rust(),
        Lang::Go => types.go(),
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// `FILE: message`; a decoding error's message names its byte offset. A
/// file of another kind this tool reads is named as such.
pub fn located(name: &str, e: &gob::Error) -> Failure {
    let hint = match e {
        gob::Error::Malformed { offset: 0, message } if message == "empty message" => {
            " (a gob stream never starts with a zero byte, goapptrace frames do, with their \
             4-byte length: `frames decode` reads those)"
        }
        _ => "",
    };
    Failure::new(format!("{name}: {e}{hint}"))
}
