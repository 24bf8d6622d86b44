//! Opening `FILE|-` arguments.

use std::fs::File;
use std::io::{self, BufReader, Read};

use super::Failure;

/// An input named on the command line: a path, or `-` for standard input.
pub struct Input {
    pub name: String,
    pub reader: Box<dyn Read>,
}

pub fn open(path: &str) -> Result<Input, Failure> {
    if path == "-" {
        return Ok(Input {
            name: "<stdin>".into(),
            reader: Box::new(BufReader::new(io::stdin())),
        });
    }
    let file = File::open(path).map_err(|e| Failure::new(format!("{path}: {e}")))?;
    Ok(Input {
        name: path.to_string(),
        reader: Box::new(BufReader::new(file)),
    })
}
