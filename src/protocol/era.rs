//! Which Go release's bytes to write. The same packets come out of the
//! original goapptrace (built with the Go of 2017–2018) and out of a
//! goapptrace rebuilt today with different bytes: gob type ids and two JSON
//! escapes changed between those releases. Both are valid to any Go reader;
//! only a byte-for-byte comparison tells them apart.

use std::fmt;
use std::str::FromStr;

use crate::gob::{Registry, types::GobId};

/// The Go release whose bytes a frame encoder reproduces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum GoEra {
    /// The Go of 2017–2018 that the original goapptrace peers were built
    /// with: gob user type ids from 65, JSON escapes `\u0008` and `\u000c`.
    #[default]
    Original,
    /// Go 1.26: gob user type ids from 64, JSON escapes `\b` and `\f`.
    Current,
}

impl GoEra {
    /// The first gob type id this era's Go hands out to user types.
    pub fn first_type_id(self) -> GobId {
        match self {
            GoEra::Original => 65,
            GoEra::Current => 64,
        }
    }

    /// A fresh type registry numbering types as this era's Go does.
    pub fn registry(self) -> Registry {
        Registry::with_first_id(self.first_type_id())
    }

    /// The era's name as `--go-era` takes it: `original` or `current`.
    pub fn name(self) -> &'static str {
        match self {
            GoEra::Original => "original",
            GoEra::Current => "current",
        }
    }
}

impl fmt::Display for GoEra {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Text that names no [`GoEra`] (it holds the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown Go era {0:?}: expected original or current")]
pub struct UnknownGoEra(pub String);

impl FromStr for GoEra {
    type Err = UnknownGoEra;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "original" => Ok(GoEra::Original),
            "current" => Ok(GoEra::Current),
            other => Err(UnknownGoEra(other.to_string())),
        }
    }
}
