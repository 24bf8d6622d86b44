//! Protocol versions: `"major"` or `"major.minor"`.
//!
//! The spec's prose speaks of `"major.minor"`, but the Go peers send `"1"`
//! and accept only a string equal to `"1"`. This project sends `"1"` by
//! default, and, being the lenient side, accepts any version with the same
//! major number.

use std::fmt;
use std::str::FromStr;

/// A protocol version such as `1` or `1.23`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProtocolVersion {
    /// The major number; versions with the same one are compatible.
    pub major: u32,
    /// The minor number; `None` for a version written without one, such as `1`.
    pub minor: Option<u32>,
}

impl ProtocolVersion {
    /// `"1"`: what the Go peers send and the only string they accept.
    pub const DEFAULT: ProtocolVersion = ProtocolVersion {
        major: 1,
        minor: None,
    };

    /// Two versions are compatible when their major numbers agree.
    pub fn is_compatible(&self, other: &ProtocolVersion) -> bool {
        self.major == other.major
    }
}

impl Default for ProtocolVersion {
    fn default() -> Self {
        ProtocolVersion::DEFAULT
    }
}

/// Text that is not a protocol version: not `"major"` or `"major.minor"` in
/// decimal digits (it holds the text).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid protocol version {0:?}: expected \"major\" or \"major.minor\"")]
pub struct InvalidVersion(pub String);

impl FromStr for ProtocolVersion {
    type Err = InvalidVersion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidVersion(s.to_string());
        let number = |part: &str| -> Result<u32, InvalidVersion> {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            part.parse().map_err(|_| bad())
        };
        match s.split_once('.') {
            None => Ok(ProtocolVersion {
                major: number(s)?,
                minor: None,
            }),
            Some((major, minor)) => Ok(ProtocolVersion {
                major: number(major)?,
                minor: Some(number(minor)?),
            }),
        }
    }
}

impl fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.minor {
            Some(minor) => write!(f, "{}.{}", self.major, minor),
            None => write!(f, "{}", self.major),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_canonically() {
        let v: ProtocolVersion = "1".parse().unwrap();
        assert_eq!(v, ProtocolVersion::DEFAULT);
        assert_eq!(v.to_string(), "1");
        let v: ProtocolVersion = "01.023".parse().unwrap();
        assert_eq!(v.to_string(), "1.23");
        for bad in [
            "",
            "1.",
            ".1",
            "1.2.3",
            "v1",
            "-1",
            "1.x",
            " 1",
            "99999999999",
        ] {
            assert!(bad.parse::<ProtocolVersion>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn compatibility_is_the_major_number() {
        let one: ProtocolVersion = "1".parse().unwrap();
        assert!(one.is_compatible(&"1.23".parse().unwrap()));
        assert!(!one.is_compatible(&"2".parse().unwrap()));
    }
}
