//! Go's standard self-marshalling types against the gob-std golden set
//! (`go-fixtures`, `go run . gob-std`): Rust decodes Go's streams to the
//! right values and writes them again byte for byte; `gob decode --json`'s
//! rendering is Go's own `json.Marshal` of the same values; and Go's
//! verifier reads the streams Rust writes from values it builds itself.

#[path = "../../tests/common/mod.rs"]
mod common;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_gob::gostd::{Accuracy, FloatForm, RoundingMode, Zone};
use serde_gob::{self as gob, BigFloat, BigInt, BigRat, Registry, StreamEncoder, Time};
use serde_json::Value as Json;

use common::{TempDir, read_golden, run_go_fixtures};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "main.StdEvent")]
struct StdEvent {
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "At")]
    at: Time,
    #[serde(rename = "When")]
    when: Option<Time>,
    #[serde(rename = "Times")]
    times: Vec<Time>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "main.StdLedger")]
struct StdLedger {
    #[serde(rename = "Amount")]
    amount: Option<BigInt>,
    #[serde(rename = "Ratio")]
    ratio: Option<BigRat>,
    #[serde(rename = "Rate")]
    rate: Option<BigFloat>,
    #[serde(rename = "Parts")]
    parts: Vec<BigInt>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename = "main.StdAll")]
struct StdAll {
    #[serde(rename = "At")]
    at: Time,
    #[serde(rename = "Int")]
    int: Option<BigInt>,
    #[serde(rename = "Rat")]
    rat: Option<BigRat>,
    #[serde(rename = "Float")]
    float: Option<BigFloat>,
}

/// Reads a golden stream value by value, typed, and writes each value again
/// into a stream of its own.
struct Roundtrip {
    golden: Vec<u8>,
    decoder: gob::Decoder<std::io::Cursor<Vec<u8>>>,
    encoder: StreamEncoder,
    written: Vec<u8>,
}

impl Roundtrip {
    fn new(name: &str) -> Roundtrip {
        let golden = read_golden(&format!("testdata/gob-std/{name}.gob"));
        Roundtrip {
            decoder: gob::Decoder::new(std::io::Cursor::new(golden.clone())),
            golden,
            encoder: StreamEncoder::new(Registry::new()),
            written: Vec::new(),
        }
    }

    fn next<T: Serialize + DeserializeOwned + 'static>(&mut self) -> T {
        let value: T = self
            .decoder
            .decode()
            .unwrap_or_else(|e| panic!("decoding: {e}"))
            .unwrap_or_else(|| panic!("the stream ended early"));
        self.encoder
            .encode_into(&value, &mut self.written)
            .unwrap_or_else(|e| panic!("encoding: {e}"));
        value
    }

    /// Every value was read, and writing them gave Go's bytes.
    fn finish(mut self, name: &str) {
        assert!(
            self.decoder.decode::<gob::Int>().unwrap_or(None).is_none(),
            "{name}: values left in the stream"
        );
        common::assert_bytes_eq(name, &self.written, &self.golden);
    }
}

/// Unix seconds of a wall clock reading at `offset` seconds east of UTC.
fn local(y: i64, mo: i64, d: i64, h: i64, mi: i64, sec: i64, offset: i64) -> i64 {
    // Days from 1970-01-01 in the proleptic Gregorian calendar.
    let y = if mo <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (mo + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + h * 3600 + mi * 60 + sec - offset
}

fn huge() -> BigInt {
    "1606938044258990275541962092341162602522202993782792835301376"
        .parse()
        .unwrap()
}

fn neg(v: &BigInt) -> BigInt {
    format!("-{v}").parse().unwrap()
}

fn issue_time() -> Time {
    Time::with_offset(local(2018, 8, 7, 16, 0, 0, 9 * 3600), 123, 9 * 3600).unwrap()
}

fn utc_time() -> Time {
    Time::utc(local(2017, 11, 20, 0, 0, 0, 0), 123_456_789).unwrap()
}

/// The values of the case `time_values`, built in Rust.
fn time_values() -> Vec<Time> {
    vec![
        Time::ZERO,
        utc_time(),
        issue_time(),
        {
            let india = 5 * 3600 + 30 * 60 + 15;
            Time::with_offset(local(2020, 2, 29, 23, 59, 58, india as i64), 0, india).unwrap()
        },
        Time::with_offset(local(2021, 3, 4, 5, 6, 7, -3630), 8, -3630).unwrap(),
        // A zone of offset 0 that is not UTC.
        Time::with_offset(local(2019, 6, 1, 0, 0, 0, 0), 0, 0).unwrap(),
        Time::with_offset(
            local(1900, 1, 1, 12, 0, 0, -7 * 3600),
            500_000_000,
            -7 * 3600,
        )
        .unwrap(),
        Time::utc(local(9999, 12, 31, 23, 59, 59, 0), 999_999_999).unwrap(),
        Time::utc(local(2000, 1, 1, 0, 0, 0, 0), 100_000_000).unwrap(),
    ]
}

fn golden_lines(name: &str, ext: &str) -> Vec<String> {
    let text = String::from_utf8(read_golden(&format!("testdata/gob-std/{name}.{ext}"))).unwrap();
    text.lines().map(str::to_string).collect()
}

#[test]
fn time_values_decode_to_gos_values_and_encode_to_gos_bytes() {
    let mut rt = Roundtrip::new("time_values");
    let got: Vec<Time> = (0..9).map(|_| rt.next::<Time>()).collect();
    rt.finish("time_values");
    assert_eq!(got, time_values());
    assert_eq!(got[3].zone(), Zone::MinutesSeconds(330, 15));
    assert!(got[5].zone() == Zone::Minutes(0) && !got[5].is_utc());
    // What Go's json.Marshal writes for what Go decodes.
    let json = golden_lines("time_values", "json");
    for (t, line) in got.iter().zip(&json) {
        assert_eq!(
            Json::String(t.to_rfc3339().unwrap()).to_string(),
            *line,
            "{t:?}"
        );
    }
    assert_eq!(json[2], r#""2018-08-07T16:00:00.000000123+09:00""#);
    // What Go decodes, encoded again by Go: Go reads the seconds of a
    // negative offset unsigned (-01:00:30 comes back as -00:56:14).
    let detail = golden_lines("time_values", "detail");
    for (t, line) in got.iter().zip(&detail) {
        let as_go_reads = if t.is_utc() {
            Time::utc(t.unix_seconds().unwrap(), t.nanosecond() as u32)
        } else {
            Time::with_offset(
                t.unix_seconds().unwrap(),
                t.nanosecond() as u32,
                t.offset_seconds(),
            )
        }
        .unwrap();
        let want = line.split(':').nth(2).unwrap();
        let bytes: String = as_go_reads
            .to_gob_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(bytes, want, "{t:?}");
    }
    assert_eq!(got[4].offset_seconds(), -3374);
}

#[test]
fn a_zero_time_is_left_out_of_a_field_and_sent_elsewhere() {
    let mut rt = Roundtrip::new("time_fields");
    let empty: StdEvent = rt.next();
    let pointed: StdEvent = rt.next();
    let full: StdEvent = rt.next();
    let slice: Vec<Time> = rt.next();
    let top: Time = rt.next();
    rt.finish("time_fields");
    assert_eq!(
        empty,
        StdEvent {
            name: "empty".into(),
            at: Time::ZERO,
            when: None,
            times: vec![]
        }
    );
    assert_eq!(pointed.when, Some(Time::ZERO));
    assert_eq!(pointed.times, vec![Time::ZERO, utc_time()]);
    assert_eq!(full.at, issue_time());
    assert_eq!(slice, vec![Time::ZERO, issue_time(), Time::ZERO]);
    assert!(top.is_go_zero());
}

#[test]
fn big_ints_decode_to_gos_values_and_encode_to_gos_bytes() {
    let mut rt = Roundtrip::new("big_int");
    let tops: Vec<BigInt> = (0..6).map(|_| rt.next::<BigInt>()).collect();
    let empty: StdLedger = rt.next();
    let full: StdLedger = rt.next();
    rt.finish("big_int");
    let want: Vec<BigInt> = vec![
        BigInt::from(0),
        BigInt::from(1),
        BigInt::from(-1),
        BigInt::from(1u128 << 64),
        huge(),
        neg(&huge()),
    ];
    assert_eq!(tops, want);
    assert_eq!(tops[5].to_string(), golden_lines("big_int", "json")[5]);
    assert_eq!(empty, StdLedger::default());
    assert_eq!(full.amount, Some(BigInt::from(-42)));
    assert_eq!(full.parts, vec![BigInt::from(0), huge()]);
}

#[test]
fn big_rats_decode_to_gos_values_and_encode_to_gos_bytes() {
    let mut rt = Roundtrip::new("big_rat");
    let tops: Vec<BigRat> = (0..6).map(|_| rt.next::<BigRat>()).collect();
    let ledger: StdLedger = rt.next();
    rt.finish("big_rat");
    let json = golden_lines("big_rat", "json");
    for (r, line) in tops.iter().zip(&json) {
        assert_eq!(Json::String(r.to_string()).to_string(), *line);
    }
    assert_eq!(tops[5].numerator(), neg(&huge()));
    assert_eq!(tops[5].denominator(), BigInt::from(3));
    assert_eq!(ledger.ratio.unwrap().to_string(), "-1/3");
}

#[test]
fn big_floats_keep_precision_mode_and_accuracy() {
    let mut rt = Roundtrip::new("big_float");
    let tops: Vec<BigFloat> = (0..14).map(|_| rt.next::<BigFloat>()).collect();
    let ledger: StdLedger = rt.next();
    rt.finish("big_float");
    assert_eq!(tops[0], BigFloat::from_f64(1.5).unwrap());
    assert_eq!(tops[1].precision(), 0);
    assert_eq!(tops[1].form(), FloatForm::Zero);
    assert!(tops[2].is_negative());
    assert_eq!(tops[3].form(), FloatForm::Inf);
    assert_eq!(tops[5].precision(), 200);
    assert_eq!(
        (tops[6].mode(), tops[6].accuracy()),
        (RoundingMode::ToZero, Accuracy::Below)
    );
    assert_eq!(tops[7].mode(), RoundingMode::AwayFromZero);
    assert_eq!(tops[8].precision(), 1000);
    assert_eq!(tops[11].mode(), RoundingMode::ToNearestAway);
    assert_eq!(tops[12], BigFloat::from_f64(-123456789.0625).unwrap());
    assert_eq!(ledger.rate, BigFloat::from_f64(0.25));
    // Go's MarshalText, the shortest decimal at each precision.
    let json = golden_lines("big_float", "json");
    for (f, line) in tops.iter().zip(&json) {
        assert_eq!(
            Json::String(f.to_text().unwrap()).to_string(),
            *line,
            "{f:?}"
        );
    }
}

#[test]
fn mixed_values_roundtrip() {
    let mut rt = Roundtrip::new("mixed");
    let full: StdAll = rt.next();
    let zero: StdAll = rt.next();
    rt.finish("mixed");
    assert_eq!(full.at, issue_time());
    assert_eq!(full.int, Some(neg(&huge())));
    assert_eq!(zero, StdAll::default());
}

/// `gob decode --json`'s rendering (`Value::to_json_text`) against what
/// Go's `json.Marshal` writes for the values Go decodes. Two differences,
/// documented: a slice field Go left out is Go's nil slice (`null`), and
/// the rendering shows the zero value of its type, `[]`; a time field Go
/// left out may have been a nil `*time.Time` (`null`), which the stream
/// does not tell from a zero `time.Time`, and the rendering shows the zero
/// time.
#[test]
fn the_json_rendering_is_gos_json_marshal() {
    for name in [
        "time_values",
        "time_fields",
        "big_int",
        "big_rat",
        "big_float",
        "mixed",
    ] {
        let golden = read_golden(&format!("testdata/gob-std/{name}.gob"));
        let values = gob::decode_values(&golden).unwrap();
        let lines = golden_lines(name, "json");
        assert_eq!(values.len(), lines.len(), "{name}");
        for (v, line) in values.iter().zip(&lines) {
            let text = v.to_json_text();
            let ours: Json = serde_json::from_str(&text).unwrap();
            let gos: Json = serde_json::from_str(line).unwrap();
            assert!(
                same_json(&ours, &gos),
                "{name}:\n  ours {text}\n  go's {line}"
            );
            // Exact integers of any size, in Go's text.
            if line.contains("1606938044258990275541962092341162602522202993782792835301376") {
                assert!(
                    text.contains("1606938044258990275541962092341162602522202993782792835301376")
                );
            }
        }
    }
}

fn same_json(ours: &Json, gos: &Json) -> bool {
    match (ours, gos) {
        (Json::Array(a), Json::Null) => a.is_empty(),
        (Json::String(t), Json::Null) => t == "0001-01-01T00:00:00Z",
        (Json::Array(a), Json::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| same_json(x, y))
        }
        (Json::Object(a), Json::Object(b)) => {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|((ka, va), (kb, vb))| ka == kb && same_json(va, vb))
        }
        (Json::Number(a), Json::Number(b)) => a.to_string() == b.to_string(),
        _ => ours == gos,
    }
}

/// Streams Rust writes from values it builds (not from Go's bytes), read by
/// Go's verifier, which compares the values it decodes with the cases'.
#[test]
fn go_reads_what_rust_writes() {
    let dir = TempDir::new("gob-std-verify");
    let write = |name: &str, encode: &dyn Fn(&mut StreamEncoder, &mut Vec<u8>)| {
        let mut out = Vec::new();
        encode(&mut StreamEncoder::new(Registry::new()), &mut out);
        std::fs::write(dir.0.join(format!("{name}.gob")), out).unwrap();
    };
    write("time_values", &|enc, out| {
        for t in time_values() {
            enc.encode_into(&t, out).unwrap();
        }
    });
    write("time_fields", &|enc, out| {
        let event = |name: &str, at, when, times| StdEvent {
            name: name.into(),
            at,
            when,
            times,
        };
        enc.encode_into(&event("empty", Time::ZERO, None, vec![]), out)
            .unwrap();
        let pointed = event(
            "pointed zero",
            Time::ZERO,
            Some(Time::ZERO),
            vec![Time::ZERO, utc_time()],
        );
        enc.encode_into(&pointed, out).unwrap();
        let full = event("full", issue_time(), Some(utc_time()), vec![issue_time()]);
        enc.encode_into(&full, out).unwrap();
        enc.encode_into(&vec![Time::ZERO, issue_time(), Time::ZERO], out)
            .unwrap();
        enc.encode_into(&Time::ZERO, out).unwrap();
    });
    write("big_int", &|enc, out| {
        for v in [
            BigInt::from(0),
            BigInt::from(1),
            BigInt::from(-1),
            BigInt::from(u64::MAX as u128 + 1),
            huge(),
            neg(&huge()),
        ] {
            enc.encode_into(&v, out).unwrap();
        }
        enc.encode_into(&StdLedger::default(), out).unwrap();
        let full = StdLedger {
            amount: Some(BigInt::from(-42)),
            parts: vec![BigInt::from(0), huge()],
            ..StdLedger::default()
        };
        enc.encode_into(&full, out).unwrap();
    });
    let rat = |n: &BigInt, d: i64| BigRat::new(n, &BigInt::from(d)).unwrap();
    write("big_rat", &|enc, out| {
        // Go's zero Rat has no denominator; Go's NewRat and SetInt64 write
        // one of 1 for a whole number.
        enc.encode_into(&BigRat::default(), out).unwrap();
        for r in [
            rat(&BigInt::from(3), 4),
            rat(&BigInt::from(-3), 4),
            rat(&BigInt::from(5), 1),
            rat(&BigInt::from(3), 4),
            rat(&neg(&huge()), 3),
        ] {
            enc.encode_into(&r, out).unwrap();
        }
        let ledger = StdLedger {
            ratio: Some(rat(&BigInt::from(-1), 3)),
            ..StdLedger::default()
        };
        enc.encode_into(&ledger, out).unwrap();
    });
    // The floats of other precisions come from Go's stream; the rest is
    // built here.
    let mut floats = Roundtrip::new("big_float");
    let go_floats: Vec<BigFloat> = (0..14).map(|_| floats.next::<BigFloat>()).collect();
    write("big_float", &|enc, out| {
        for (i, f) in go_floats.iter().enumerate() {
            let f = match i {
                0 => BigFloat::from_f64(1.5).unwrap(),
                12 => BigFloat::from_f64(-123456789.0625).unwrap(),
                13 => BigFloat::from_f64(1e-7).unwrap(),
                _ => f.clone(),
            };
            enc.encode_into(&f, out).unwrap();
        }
        let ledger = StdLedger {
            rate: BigFloat::from_f64(0.25),
            ..StdLedger::default()
        };
        enc.encode_into(&ledger, out).unwrap();
    });
    write("mixed", &|enc, out| {
        let full = StdAll {
            at: issue_time(),
            int: Some(neg(&huge())),
            rat: Some(rat(&BigInt::from(1), 3)),
            float: Some(go_floats[5].clone()),
        };
        enc.encode_into(&full, out).unwrap();
        enc.encode_into(&StdAll::default(), out).unwrap();
    });
    let dir_arg = dir.0.to_string_lossy().into_owned();
    let (ok, stdout, stderr) = run_go_fixtures(
        &["gob-std-verify", &dir_arg],
        std::time::Duration::from_secs(120),
    );
    assert!(
        ok,
        "Go's verifier refused what Rust wrote:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("6 streams verified, 0 failed"), "{stdout}");
}

#[test]
fn values_go_refuses_are_errors_naming_the_field() {
    let bad_version = gob::to_vec(&BadBytes(vec![3; 15])).unwrap();
    let err = gob::from_slice::<Time>(&bad_version)
        .unwrap_err()
        .to_string();
    assert!(err.contains("time.Time: version"), "{err}");
    let bad_length = gob::to_vec(&BadBytes(vec![1; 14])).unwrap();
    let err = gob::from_slice::<Time>(&bad_length)
        .unwrap_err()
        .to_string();
    assert!(err.contains("time.Time: length: 14 bytes"), "{err}");
    let bad_float = gob::to_vec(&BadFloat(vec![1, 2, 0, 0, 0, 53, 0, 0, 0, 1, 0x40])).unwrap();
    let err = gob::from_slice::<BigFloat>(&bad_float)
        .unwrap_err()
        .to_string();
    assert!(err.contains("big.Float: mantissa"), "{err}");
}

#[derive(Serialize, Deserialize)]
#[serde(rename = "GobEncoder:time.Time")]
struct BadBytes(#[serde(with = "bytes_as_is")] Vec<u8>);

#[derive(Serialize, Deserialize)]
#[serde(rename = "GobEncoder:big.Float")]
struct BadFloat(#[serde(with = "bytes_as_is")] Vec<u8>);

mod bytes_as_is {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(v)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Vec::<u8>::deserialize(d)
    }
}

/// `gob types` names the standard types, in Rust and in Go, instead of
/// stand-ins over bytes.
#[test]
fn gob_types_names_the_standard_types() {
    let types = gob::StreamTypes::read(&read_golden("testdata/gob-std/mixed.gob")).unwrap();
    let rust = types.rust();
    for field in [
        "pub at: Time,",
        "pub int: Option<BigInt>,",
        "pub rat: Option<BigRat>,",
        "pub float: Option<BigFloat>,",
    ] {
        assert!(rust.contains(field), "{field} in:\n{rust}");
    }
    assert!(!rust.contains("Vec<u8>"), "{rust}");
    let go = types.go();
    for line in [
        "\t\"math/big\"",
        "\t\"time\"",
        "At    time.Time",
        "Int   *big.Int",
        "Rat   *big.Rat",
        "Float *big.Float",
    ] {
        assert!(go.contains(line), "{line:?} in:\n{go}");
    }
    // A slice of them names them too, with no value to look at.
    let ledger = gob::StreamTypes::read(&read_golden("testdata/gob-std/big_float.gob")).unwrap();
    assert!(
        ledger.rust().contains("pub parts: Vec<BigInt>,"),
        "{}",
        ledger.rust()
    );
}
