//! Go's classic `Arith` service (net/rpc's documentation), shared by the
//! examples.

use serde::{Deserialize, Serialize};
use serde_gob::Int;

/// Go: `type Args struct { A, B int }`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename = "main.Args")]
pub struct Args {
    #[serde(rename = "A")]
    pub a: Int,
    #[serde(rename = "B")]
    pub b: Int,
}

/// Go: `type Quotient struct { Quo, Rem int }`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(rename = "main.Quotient")]
pub struct Quotient {
    #[serde(rename = "Quo")]
    pub quo: Int,
    #[serde(rename = "Rem")]
    pub rem: Int,
}

/// The arguments after the program name, and whether `--http` was among
/// them (anywhere).
pub fn args_and_http() -> (Vec<String>, bool) {
    let mut http = false;
    let mut rest = Vec::new();
    for arg in std::env::args().skip(1) {
        if arg == "--http" {
            http = true;
        } else {
            rest.push(arg);
        }
    }
    (rest, http)
}
