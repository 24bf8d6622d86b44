//! Reads a gob file that Go wrote into typed Rust values, and writes them
//! back as Go would.
//!
//! The file holds values of this Go type, written with one `gob.Encoder`
//! (the corpus file `testdata/gob/multi_values_same_type.gob` is one):
//!
//! ```go
//! type Person struct {
//!     Name   string
//!     Age    int
//!     Email  string
//!     Score  float64
//!     Active bool
//!     Tags   []string
//! }
//! ```
//!
//!     cargo run -p serde_gob --example read_go_file -- testdata/gob/multi_values_same_type.gob

use std::process::ExitCode;

use serde::{Deserialize, Serialize};
use serde_gob::{self as gob, Int};

/// `main.Person`, declared once with serde attributes: the Go package and
/// name, and the Go field names. `Int` is Go's `int`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename = "main.Person", rename_all = "PascalCase")]
struct Person {
    name: String,
    age: Int,
    email: String,
    score: f64,
    active: bool,
    tags: Vec<String>,
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: read_go_file FILE.gob");
        return ExitCode::from(2);
    };
    match run(&path) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("read_go_file: {path}: {message}");
            ExitCode::from(1)
        }
    }
}

fn run(path: &str) -> Result<(), String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let mut decoder = gob::Decoder::new(&bytes[..]);
    let mut people = Vec::new();
    while let Some(person) = decoder.decode::<Person>().map_err(|e| e.to_string())? {
        println!(
            "{} (age {}, {}): score {}, active {}, tags {:?}",
            person.name, person.age.0, person.email, person.score, person.active, person.tags
        );
        people.push(person);
    }

    // Writing them again with one encoder, as a fresh Go process would,
    // gives back Go's bytes.
    let mut registry = gob::Registry::new();
    let mut encoder = gob::Encoder::new(&mut registry);
    let mut again = Vec::new();
    for person in &people {
        encoder
            .encode_into(person, &mut again)
            .map_err(|e| e.to_string())?;
    }
    println!(
        "{} values; written again: {}",
        people.len(),
        if again == bytes {
            "the same bytes"
        } else {
            "different bytes"
        }
    );
    Ok(())
}
