//! The command line, thin over the library.

/// A line on stderr, as `eprintln!` writes it, except that a stderr that
/// is gone (a closed pipe) loses the line instead of panicking: a server
/// goes on serving whoever reads its stdout.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod compactlog;
mod frames;
mod gob;
mod input;
mod options;
mod send;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "goapptrace-proto",
    version,
    about = "The goapptrace tracing protocol and Go's gob, from Rust"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Read gob streams.
    #[command(subcommand)]
    Gob(gob::GobCommand),
    /// Read and write goapptrace frames.
    #[command(subcommand)]
    Frames(frames::FramesCommand),
    /// Read and write the compact logs Go tracers write when they cannot
    /// reach a log server.
    #[command(subcommand, name = "compactlog")]
    CompactLog(compactlog::CompactLogCommand),
    /// Run a log server; print every event as one JSON line on stdout.
    Serve(serve::ServeArgs),
    /// Act as a trace target: send packets given as JSON lines.
    Send(send::SendArgs),
}

/// A failure the command reports: the message goes to stderr, and the
/// process exits with the status (2 for bad input and errors, 1 where a
/// command says so).
pub struct Failure {
    /// What went wrong, for stderr.
    pub message: String,
    /// The exit status.
    pub status: u8,
}

impl Failure {
    /// A failure with exit status 2.
    pub fn new(message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            status: 2,
        }
    }
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::new(e.to_string())
    }
}

/// A JSON error of one input line, without serde_json's own line number
/// (always 1, beside the input's): `column C: what`.
pub(crate) fn json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let what = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(what, _)| what);
    match e.column() {
        0 => what.to_string(),
        column => format!("column {column}: {what}"),
    }
}

/// Runs the command line: parses the arguments, runs the command, and
/// reports a failure on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gob(cmd) => gob::run(cmd),
        Command::Frames(cmd) => frames::run(cmd),
        Command::CompactLog(cmd) => compactlog::run(cmd),
        Command::Serve(args) => serve::run(args),
        Command::Send(args) => send::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure { message, status }) => {
            note!("goapptrace-proto: {message}");
            ExitCode::from(status)
        }
    }
}
