//! The Go types of `go-fixtures/rpc.go`, in Rust.
#![allow(dead_code)]

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_gob::Int;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename = "main.Args")]
pub struct Args {
    #[serde(rename = "A")]
    pub a: Int,
    #[serde(rename = "B")]
    pub b: Int,
}

/// Registers Go's classic Arith service, as `go-fixtures/rpc.go` serves it.
pub fn register_arith(server: &mut gob_rpc::Server) {
    server
        .register("Arith.Multiply", |args: Args| async move {
            Ok::<_, String>(Int(args.a.0 * args.b.0))
        })
        .unwrap();
    server
        .register("Arith.Divide", |args: Args| async move {
            if args.b.0 == 0 {
                return Err("divide by zero");
            }
            Ok(Quotient {
                quo: Int(args.a.0 / args.b.0),
                rem: Int(args.a.0 % args.b.0),
            })
        })
        .unwrap();
}

pub fn args(a: i64, b: i64) -> Args {
    Args {
        a: Int(a),
        b: Int(b),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename = "main.Quotient")]
pub struct Quotient {
    #[serde(rename = "Quo")]
    pub quo: Int,
    #[serde(rename = "Rem")]
    pub rem: Int,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "main.RPCRecord")]
pub struct Record {
    #[serde(rename = "Name")]
    pub name: String,
    #[serde(rename = "Values")]
    pub values: Vec<i64>,
    #[serde(rename = "Labels")]
    pub labels: BTreeMap<String, Int>,
    #[serde(rename = "Score")]
    pub score: f64,
    #[serde(rename = "Next")]
    pub next: Option<Box<Record>>,
}
