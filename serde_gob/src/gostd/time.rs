//! Go's `time.Time`, as its `GobEncode` (`MarshalBinary`) writes it.
//!
//! The encoding (`time/time.go`): a version byte (1, or 2 when the zone
//! offset has seconds), the seconds since January 1 of year 1 UTC (8 bytes,
//! big-endian, signed), the nanoseconds (4 bytes, signed), the zone offset
//! in minutes east of UTC (2 bytes, signed; -1 means UTC) and, in version 2
//! only, the offset's remaining seconds (1 byte).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{GoStdError, marshalled_serde};

const GO_TYPE: &str = "time.Time";
/// Seconds from January 1 of year 1 to the Unix epoch (Go's `unixToInternal`).
const UNIX_TO_GO: i64 = 62_135_596_800;
const VERSION_1: u8 = 1;
const VERSION_2: u8 = 2;
const LEN_1: usize = 15;
const LEN_2: usize = 16;
/// Minutes on the wire that stand for UTC.
const UTC_MINUTES: i16 = -1;

/// The zone of a [`Time`], as the encoding writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Zone {
    /// UTC (`-1` minutes on the wire).
    Utc,
    /// A fixed offset of whole minutes east of UTC (version 1).
    Minutes(i16),
    /// An offset with seconds (version 2): the minutes (Go truncates the
    /// offset toward zero) and the byte of remaining seconds exactly as
    /// written. Go writes the byte as a signed number (`-59` to `59`) and
    /// reads it back unsigned, so a negative offset with seconds comes back
    /// from Go's decoder as a different offset: [`Time::offset_seconds`]
    /// gives what Go reads.
    MinutesSeconds(i16, u8),
}

/// Go's `time.Time`: an instant with nanoseconds and a fixed zone offset.
///
/// It holds exactly what Go's `GobEncode` writes, so it encodes back to the
/// same bytes. The zone's name is not encoded by Go (a decoded `time.Time`
/// has a fixed zone with no name, or UTC, or Go's `Local` when the offset
/// matches it). `Default` is Go's zero time, January 1 of year 1, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Time {
    /// Seconds since January 1 of year 1, UTC.
    seconds: i64,
    /// As written; Go writes 0 to 999 999 999.
    nanoseconds: i32,
    zone: Zone,
}

impl Default for Time {
    fn default() -> Self {
        Time::ZERO
    }
}

impl Time {
    /// Go's zero time: January 1 of year 1, 00:00:00 UTC.
    pub const ZERO: Time = Time {
        seconds: 0,
        nanoseconds: 0,
        zone: Zone::Utc,
    };

    /// The instant `unix_seconds` and `nanosecond` after the Unix epoch, in
    /// UTC.
    pub fn utc(unix_seconds: i64, nanosecond: u32) -> Result<Time, GoStdError> {
        Ok(Time {
            seconds: go_seconds(unix_seconds)?,
            nanoseconds: nanos(nanosecond)?,
            zone: Zone::Utc,
        })
    }

    /// The instant `unix_seconds` and `nanosecond` after the Unix epoch, in
    /// a fixed zone `offset_seconds` east of UTC, encoded as Go encodes such
    /// a time (an offset of zero is a fixed zone, not UTC: see
    /// [`Time::utc`]). Offsets Go refuses to encode (more than 32 767
    /// minutes either way, or between -1 and -2 minutes) are an error.
    pub fn with_offset(
        unix_seconds: i64,
        nanosecond: u32,
        offset_seconds: i32,
    ) -> Result<Time, GoStdError> {
        let minutes = offset_seconds / 60;
        let rest = offset_seconds % 60;
        let minutes = i16::try_from(minutes)
            .ok()
            .filter(|&m| m != UTC_MINUTES)
            .ok_or_else(|| {
                GoStdError::new(
                    GO_TYPE,
                    "zone offset",
                    format!("Go cannot encode an offset of {offset_seconds} seconds"),
                )
            })?;
        let zone = if rest == 0 {
            Zone::Minutes(minutes)
        } else {
            Zone::MinutesSeconds(minutes, rest as i8 as u8)
        };
        Ok(Time {
            seconds: go_seconds(unix_seconds)?,
            nanoseconds: nanos(nanosecond)?,
            zone,
        })
    }

    /// Reads the bytes of Go's `GobEncode`. Empty bytes are the zero time:
    /// what a decoder hands out for a field Go left out.
    pub fn from_gob_bytes(bytes: &[u8]) -> Result<Time, GoStdError> {
        let Some((&version, rest)) = bytes.split_first() else {
            return Ok(Time::ZERO);
        };
        let want = match version {
            VERSION_1 => LEN_1,
            VERSION_2 => LEN_2,
            v => {
                return Err(GoStdError::new(
                    GO_TYPE,
                    "version",
                    format!("{v} is not a version Go reads (1 or 2)"),
                ));
            }
        };
        if bytes.len() != want {
            return Err(GoStdError::new(
                GO_TYPE,
                "length",
                format!("{} bytes; version {version} has {want}", bytes.len()),
            ));
        }
        let seconds = i64::from_be_bytes(rest[0..8].try_into().unwrap_or_default());
        let nanoseconds = i32::from_be_bytes(rest[8..12].try_into().unwrap_or_default());
        let minutes = i16::from_be_bytes([rest[12], rest[13]]);
        let zone = match version {
            VERSION_1 if minutes == UTC_MINUTES => Zone::Utc,
            VERSION_1 => Zone::Minutes(minutes),
            _ => Zone::MinutesSeconds(minutes, rest[14]),
        };
        Ok(Time {
            seconds,
            nanoseconds,
            zone,
        })
    }

    /// The bytes Go's `GobEncode` writes for this time.
    pub fn to_gob_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(LEN_2);
        out.push(match self.zone {
            Zone::MinutesSeconds(..) => VERSION_2,
            _ => VERSION_1,
        });
        out.extend_from_slice(&self.seconds.to_be_bytes());
        out.extend_from_slice(&self.nanoseconds.to_be_bytes());
        let minutes = match self.zone {
            Zone::Utc => UTC_MINUTES,
            Zone::Minutes(m) | Zone::MinutesSeconds(m, _) => m,
        };
        out.extend_from_slice(&minutes.to_be_bytes());
        if let Zone::MinutesSeconds(_, s) = self.zone {
            out.push(s);
        }
        out
    }

    /// Seconds since January 1 of year 1, UTC, as encoded.
    pub fn go_seconds(&self) -> i64 {
        self.seconds
    }

    /// Seconds since the Unix epoch; `None` past the range of `i64`.
    pub fn unix_seconds(&self) -> Option<i64> {
        self.seconds.checked_sub(UNIX_TO_GO)
    }

    /// The nanoseconds within the second, as encoded (Go writes 0 to
    /// 999 999 999).
    pub fn nanosecond(&self) -> i32 {
        self.nanoseconds
    }

    /// The zone as encoded.
    pub fn zone(&self) -> Zone {
        self.zone
    }

    /// The zone offset in seconds east of UTC, as Go's decoder reads it.
    pub fn offset_seconds(&self) -> i32 {
        match self.zone {
            Zone::Utc => 0,
            Zone::Minutes(m) => m as i32 * 60,
            Zone::MinutesSeconds(m, s) if m as i32 * 60 + s as i32 == -60 => 0,
            Zone::MinutesSeconds(m, s) => m as i32 * 60 + s as i32,
        }
    }

    /// Whether Go's decoder puts this time in UTC.
    pub fn is_utc(&self) -> bool {
        match self.zone {
            Zone::Utc => true,
            Zone::Minutes(_) => false,
            Zone::MinutesSeconds(m, s) => m as i32 * 60 + s as i32 == -60,
        }
    }

    /// Whether this is Go's zero `time.Time` (which Go leaves out of a
    /// struct).
    pub fn is_go_zero(&self) -> bool {
        self.seconds == 0 && self.nanoseconds == 0 && self.is_utc()
    }

    /// The text Go's `MarshalJSON` and `MarshalText` write (RFC 3339 with
    /// the nanoseconds, trailing zeros trimmed, and the offset in minutes),
    /// without quotes; `None` where Go refuses: a year outside 0 to 9999, an
    /// offset of 24 hours or more, nanoseconds outside a second.
    pub fn to_rfc3339(&self) -> Option<String> {
        if !(0..1_000_000_000).contains(&self.nanoseconds) {
            return None;
        }
        let offset = self.offset_seconds() as i128;
        let local = self.seconds as i128 - UNIX_TO_GO as i128 + offset;
        let days = local.div_euclid(86_400);
        let of_day = local.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days)?;
        if !(0..=9999).contains(&year) {
            return None;
        }
        let mut out = format!(
            "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}",
            of_day / 3600,
            of_day / 60 % 60,
            of_day % 60
        );
        if self.nanoseconds != 0 {
            let fraction = format!("{:09}", self.nanoseconds);
            out.push('.');
            out.push_str(fraction.trim_end_matches('0'));
        }
        if offset == 0 {
            out.push('Z');
            return Some(out);
        }
        let zone_minutes = offset / 60;
        let (sign, zone_minutes) = if zone_minutes < 0 {
            ('-', -zone_minutes)
        } else {
            ('+', zone_minutes)
        };
        if zone_minutes / 60 >= 24 {
            return None;
        }
        out.push(sign);
        out.push_str(&format!(
            "{:02}:{:02}",
            zone_minutes / 60,
            zone_minutes % 60
        ));
        Some(out)
    }

    /// A checked `SystemTime`: `None` for nanoseconds outside a second or
    /// an instant `SystemTime` cannot hold.
    fn system_time(&self) -> Option<SystemTime> {
        let nanos = u32::try_from(self.nanoseconds)
            .ok()
            .filter(|&n| n < 1_000_000_000)?;
        let unix = self.unix_seconds()?;
        if unix >= 0 {
            UNIX_EPOCH.checked_add(Duration::new(unix as u64, nanos))
        } else {
            UNIX_EPOCH
                .checked_sub(Duration::from_secs(unix.unsigned_abs()))?
                .checked_add(Duration::from_nanos(nanos as u64))
        }
    }
}

marshalled_serde!(Time, "GobEncoder:time.Time");

/// Go's seconds since year 1 from Unix seconds.
fn go_seconds(unix_seconds: i64) -> Result<i64, GoStdError> {
    unix_seconds.checked_add(UNIX_TO_GO).ok_or_else(|| {
        GoStdError::new(
            GO_TYPE,
            "seconds",
            format!("{unix_seconds} Unix seconds is past the range of Go's time"),
        )
    })
}

fn nanos(nanosecond: u32) -> Result<i32, GoStdError> {
    if nanosecond >= 1_000_000_000 {
        return Err(GoStdError::new(
            GO_TYPE,
            "nanoseconds",
            format!("{nanosecond} is not within a second"),
        ));
    }
    Ok(nanosecond as i32)
}

/// The proleptic Gregorian date of a day counted from 1970-01-01; `None`
/// for days too far away to name.
fn civil_from_days(days: i128) -> Option<(i64, u32, u32)> {
    // Count in 400-year eras from March 1 of year 0, where leap days fall
    // at the end of each year.
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + i128::from(month <= 2);
    Some((i64::try_from(year).ok()?, month as u32, day as u32))
}

impl TryFrom<Time> for SystemTime {
    type Error = GoStdError;

    fn try_from(t: Time) -> Result<SystemTime, GoStdError> {
        t.system_time().ok_or_else(|| {
            GoStdError::new(
                GO_TYPE,
                "seconds",
                format!(
                    "{} seconds and {} nanoseconds since year 1 is not a SystemTime",
                    t.seconds, t.nanoseconds
                ),
            )
        })
    }
}

impl TryFrom<SystemTime> for Time {
    type Error = GoStdError;

    /// The same instant in UTC.
    fn try_from(t: SystemTime) -> Result<Time, GoStdError> {
        let too_far = || GoStdError::new(GO_TYPE, "seconds", "the SystemTime is past Go's range");
        match t.duration_since(UNIX_EPOCH) {
            Ok(after) => {
                let secs = i64::try_from(after.as_secs()).map_err(|_| too_far())?;
                Time::utc(secs, after.subsec_nanos())
            }
            Err(before) => {
                let before = before.duration();
                let mut secs = -i64::try_from(before.as_secs()).map_err(|_| too_far())?;
                let mut nanos = before.subsec_nanos();
                if nanos != 0 {
                    secs -= 1;
                    nanos = 1_000_000_000 - nanos;
                }
                Time::utc(secs, nanos)
            }
        }
    }
}

#[cfg(feature = "chrono")]
mod with_chrono {
    use chrono::{DateTime, FixedOffset, Utc};

    use super::{GO_TYPE, GoStdError, Time};

    impl TryFrom<Time> for DateTime<FixedOffset> {
        type Error = GoStdError;

        /// The same instant at the offset Go's decoder reads.
        fn try_from(t: Time) -> Result<Self, GoStdError> {
            let offset = FixedOffset::east_opt(t.offset_seconds()).ok_or_else(|| {
                GoStdError::new(
                    GO_TYPE,
                    "zone offset",
                    format!("{} seconds is not a chrono offset", t.offset_seconds()),
                )
            })?;
            let nanos = u32::try_from(t.nanosecond()).ok();
            let utc = t
                .unix_seconds()
                .zip(nanos)
                .and_then(|(s, n)| DateTime::<Utc>::from_timestamp(s, n))
                .ok_or_else(|| {
                    GoStdError::new(GO_TYPE, "seconds", "the instant is past chrono's range")
                })?;
            Ok(utc.with_timezone(&offset))
        }
    }

    impl TryFrom<DateTime<FixedOffset>> for Time {
        type Error = GoStdError;

        /// The same instant: in UTC when the offset is zero, else at a
        /// fixed offset.
        fn try_from(t: DateTime<FixedOffset>) -> Result<Time, GoStdError> {
            let offset = t.offset().local_minus_utc();
            // chrono counts a leap second as a nanosecond past 999 999 999.
            let nanos = t.timestamp_subsec_nanos().min(999_999_999);
            if offset == 0 {
                Time::utc(t.timestamp(), nanos)
            } else {
                Time::with_offset(t.timestamp(), nanos, offset)
            }
        }
    }
}

#[cfg(feature = "time")]
mod with_time {
    use time::{OffsetDateTime, UtcOffset};

    use super::{GO_TYPE, GoStdError, Time};

    impl TryFrom<Time> for OffsetDateTime {
        type Error = GoStdError;

        /// The same instant at the offset Go's decoder reads.
        fn try_from(t: Time) -> Result<Self, GoStdError> {
            let offset = UtcOffset::from_whole_seconds(t.offset_seconds())
                .map_err(|e| GoStdError::new(GO_TYPE, "zone offset", e.to_string()))?;
            let past = || GoStdError::new(GO_TYPE, "seconds", "the instant is past time's range");
            let unix = t.unix_seconds().ok_or_else(past)?;
            let nanos = i128::from(unix) * 1_000_000_000 + i128::from(t.nanosecond());
            let utc = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| past())?;
            utc.checked_to_offset(offset).ok_or_else(past)
        }
    }

    impl TryFrom<OffsetDateTime> for Time {
        type Error = GoStdError;

        /// The same instant: in UTC when the offset is zero, else at a
        /// fixed offset.
        fn try_from(t: OffsetDateTime) -> Result<Time, GoStdError> {
            let offset = t.offset().whole_seconds();
            if offset == 0 {
                Time::utc(t.unix_timestamp(), t.nanosecond())
            } else {
                Time::with_offset(t.unix_timestamp(), t.nanosecond(), offset)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_time_bytes_are_gos() {
        let mut want = vec![1u8];
        want.extend_from_slice(&[0; 12]);
        want.extend_from_slice(&[0xff, 0xff]);
        assert_eq!(Time::ZERO.to_gob_bytes(), want);
        assert_eq!(Time::from_gob_bytes(&want), Ok(Time::ZERO));
        assert_eq!(Time::from_gob_bytes(&[]), Ok(Time::ZERO));
        assert_eq!(
            Time::ZERO.to_rfc3339().as_deref(),
            Some("0001-01-01T00:00:00Z")
        );
    }

    #[test]
    fn rfc3339_follows_go() {
        let t = Time::with_offset(1_533_625_200, 123, 9 * 3600).unwrap();
        assert_eq!(
            t.to_rfc3339().as_deref(),
            Some("2018-08-07T16:00:00.000000123+09:00")
        );
        let t = Time::utc(-1, 500_000_000).unwrap();
        assert_eq!(t.to_rfc3339().as_deref(), Some("1969-12-31T23:59:59.5Z"));
        let t = Time::with_offset(0, 0, -(5 * 3600 + 30 * 60 + 15)).unwrap();
        // Go writes the seconds byte signed and reads it unsigned: -05:30:15
        // comes back from Go's decoder as -05:25:59.
        assert_eq!(t.to_rfc3339().as_deref(), Some("1969-12-31T18:34:01-05:25"));
        assert_eq!(t.zone(), Zone::MinutesSeconds(-330, (-15i8) as u8));
    }

    #[test]
    fn bad_bytes_name_the_field() {
        let e = Time::from_gob_bytes(&[3, 0]).unwrap_err();
        assert_eq!(e.field, "version");
        let e = Time::from_gob_bytes(&[2; 15]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "time.Time: length: 15 bytes; version 2 has 16"
        );
    }

    #[cfg(feature = "chrono")]
    #[test]
    fn chrono_both_ways() {
        use chrono::{DateTime, FixedOffset};
        let t = Time::with_offset(1_533_625_200, 123, 9 * 3600).unwrap();
        let c = DateTime::<FixedOffset>::try_from(t).unwrap();
        assert_eq!(c.to_rfc3339(), "2018-08-07T16:00:00.000000123+09:00");
        assert_eq!(Time::try_from(c).unwrap(), t);
        let utc = Time::utc(0, 1).unwrap();
        let c = DateTime::<FixedOffset>::try_from(utc).unwrap();
        assert_eq!(Time::try_from(c).unwrap(), utc);
    }

    #[cfg(feature = "time")]
    #[test]
    fn time_crate_both_ways() {
        let t = Time::with_offset(1_533_625_200, 123, -(3600 + 30)).unwrap();
        let o = time::OffsetDateTime::try_from(t).unwrap();
        assert_eq!(o.unix_timestamp(), 1_533_625_200);
        assert_eq!(o.nanosecond(), 123);
        // Go reads the seconds of a negative offset unsigned (-01:00:30
        // comes back as -00:56:14), and the conversion follows Go.
        assert_eq!(o.offset().whole_seconds(), -3374);
        let t = Time::with_offset(1_533_625_200, 123, 5 * 3600 + 30 * 60 + 15).unwrap();
        let o = time::OffsetDateTime::try_from(t).unwrap();
        assert_eq!(o.offset().whole_seconds(), 5 * 3600 + 30 * 60 + 15);
        assert_eq!(Time::try_from(o).unwrap(), t);
        let back = Time::try_from(o).unwrap();
        assert_eq!(back.unix_seconds(), t.unix_seconds());
        let zero = Time::try_from(time::OffsetDateTime::UNIX_EPOCH).unwrap();
        assert!(zero.is_utc() && zero.unix_seconds() == Some(0));
    }

    #[test]
    fn system_time_both_ways() {
        for (s, n) in [
            (0, 0),
            (1_533_625_200, 123),
            (-1, 999_999_999),
            (-86_400, 1),
        ] {
            let t = Time::utc(s, n).unwrap();
            let st = SystemTime::try_from(t).unwrap();
            assert_eq!(Time::try_from(st).unwrap(), t);
        }
    }
}
