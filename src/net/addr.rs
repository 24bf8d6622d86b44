//! Addresses: `tcp://host:port` and `unix:///path`.

use std::fmt;
use std::path::PathBuf;
use std::str::FromStr;

/// Where a goapptrace server listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Address {
    /// `tcp://host:port`
    Tcp(String),
    /// `unix:///path` (only planned in the Go original; works here).
    Unix(PathBuf),
}

/// A text that is not an address; it holds the text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid address {0:?}: expected tcp://host:port or unix:///path")]
pub struct InvalidAddress(pub String);

impl FromStr for Address {
    type Err = InvalidAddress;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || InvalidAddress(s.to_string());
        if let Some(rest) = s.strip_prefix("tcp://") {
            let (host, port) = rest.rsplit_once(':').ok_or_else(bad)?;
            if host.is_empty() || port.parse::<u16>().is_err() {
                return Err(bad());
            }
            return Ok(Address::Tcp(rest.to_string()));
        }
        if let Some(path) = s.strip_prefix("unix://") {
            if !path.starts_with('/') {
                return Err(bad());
            }
            return Ok(Address::Unix(PathBuf::from(path)));
        }
        Err(bad())
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Address::Tcp(hostport) => write!(f, "tcp://{hostport}"),
            Address::Unix(path) => write!(f, "unix://{}", path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_schemes() {
        assert_eq!(
            "tcp://localhost:8600".parse::<Address>().unwrap(),
            Address::Tcp("localhost:8600".into())
        );
        assert_eq!(
            "tcp://[::1]:8600".parse::<Address>().unwrap(),
            Address::Tcp("[::1]:8600".into())
        );
        assert_eq!(
            "unix:///tmp/x.sock".parse::<Address>().unwrap(),
            Address::Unix("/tmp/x.sock".into())
        );
        for bad in [
            "localhost:8600",
            "tcp://host",
            "tcp://:1",
            "tcp://h:99999",
            "unix://rel",
            "udp://h:1",
        ] {
            assert!(bad.parse::<Address>().is_err(), "{bad}");
        }
        assert_eq!(Address::Unix("/a".into()).to_string(), "unix:///a");
    }
}
