//! The two generations of the protocol, by name, and how a frame's first
//! payload byte tells them apart.

use std::fmt;
use std::str::FromStr;

/// Which encoding a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Generation {
    /// Go's `encoding/gob`, Sept 2017 to Jan 2018.
    #[default]
    Gob,
    /// Go's hand-written binary encoding, Jan 2018 to the final revision.
    Marshal,
}

impl Generation {
    /// The generation a frame payload belongs to, from its first byte: a
    /// marshal payload starts with its packet type (1 to 9), a gob payload
    /// with the length of its first gob message, which is never that small.
    pub fn of_payload(first_byte: u8) -> Generation {
        if (1..=9).contains(&first_byte) {
            Generation::Marshal
        } else {
            Generation::Gob
        }
    }

    /// The generation's name as `--generation` takes it: `gob` or `marshal`.
    pub fn name(self) -> &'static str {
        match self {
            Generation::Gob => "gob",
            Generation::Marshal => "marshal",
        }
    }
}

impl fmt::Display for Generation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Text that names no [`Generation`] (it holds the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown generation {0:?}: expected gob or marshal")]
pub struct UnknownGeneration(pub String);

impl FromStr for Generation {
    type Err = UnknownGeneration;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "gob" => Ok(Generation::Gob),
            "marshal" => Ok(Generation::Marshal),
            other => Err(UnknownGeneration(other.to_string())),
        }
    }
}
