//! Options that `serve` and `send` share.

use std::time::Duration;

use clap::Args;

use crate::protocol::{GoEra, SessionConfig};

/// Frame limits and whose bytes to write.
#[derive(Args, Clone, Debug)]
pub struct SessionArgs {
    /// The largest frame accepted from the peer, in bytes, its 4-byte
    /// length included [default: 104857600, the marshal Go peer's own limit].
    #[arg(long, value_name = "BYTES")]
    max_frame_in: Option<usize>,
    /// The largest frame sent to the peer, in bytes, its 4-byte length
    /// included [default: what a Go peer of the connection's generation
    /// receives: 3841 for gob, 104857600 for marshal].
    #[arg(long, value_name = "BYTES")]
    max_frame_out: Option<usize>,
    /// Whose bytes to write: "original" (gob type ids from 65, JSON escapes
    /// \u0008 and \u000c, as the Go of 2017–2018 wrote them) or "current"
    /// (Go 1.26: ids from 64, escapes \b and \f).
    #[arg(long, value_name = "ERA", default_value = "original")]
    go_era: GoEra,
}

impl SessionArgs {
    pub fn config(&self) -> SessionConfig {
        let mut config = SessionConfig {
            max_outgoing_frame: self.max_frame_out,
            era: self.go_era,
            ..SessionConfig::default()
        };
        if let Some(max) = self.max_frame_in {
            config.max_incoming_frame = max;
        }
        config
    }
}

/// Runs a command's future on a runtime of its own. A blocking task may
/// still be under way (a read of standard input, a host name being looked
/// up: nothing can cancel it): it is left behind rather than waited for.
pub fn run_async<T>(future: impl Future<Output = T>) -> Result<T, std::io::Error> {
    Ok(run_on(tokio::runtime::Runtime::new()?, future))
}

/// As [`run_async`], on the calling thread alone.
pub fn run_on_one_thread<T>(future: impl Future<Output = T>) -> Result<T, std::io::Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    Ok(run_on(runtime, future))
}

fn run_on<T>(runtime: tokio::runtime::Runtime, future: impl Future<Output = T>) -> T {
    let result = runtime.block_on(future);
    runtime.shutdown_timeout(Duration::from_millis(100));
    result
}
