//! The command line, thin over the library.

mod frames;
mod gob;
mod input;

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
}

/// A failure the command reports: the message goes to stderr, the process
/// exits with status 2.
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Gob(cmd) => gob::run(cmd),
        Command::Frames(cmd) => frames::run(cmd),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("goapptrace-proto: {message}");
            ExitCode::from(2)
        }
    }
}
