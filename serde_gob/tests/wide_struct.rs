//! A struct of more than 64 fields: which fields the stream left out is
//! kept past the first 64, and each left-out field gets its zero value.

use serde::Deserialize;
use serde_gob::{self as gob, Value};

#[derive(Deserialize, Debug)]
#[serde(rename = "main.Wide")]
struct Wide {
    #[serde(rename = "F0")]
    f0: u64,
    #[serde(rename = "F1")]
    f1: u64,
    #[serde(rename = "F2")]
    f2: u64,
    #[serde(rename = "F3")]
    f3: u64,
    #[serde(rename = "F4")]
    f4: u64,
    #[serde(rename = "F5")]
    f5: u64,
    #[serde(rename = "F6")]
    f6: u64,
    #[serde(rename = "F7")]
    f7: u64,
    #[serde(rename = "F8")]
    f8: u64,
    #[serde(rename = "F9")]
    f9: u64,
    #[serde(rename = "F10")]
    f10: u64,
    #[serde(rename = "F11")]
    f11: u64,
    #[serde(rename = "F12")]
    f12: u64,
    #[serde(rename = "F13")]
    f13: u64,
    #[serde(rename = "F14")]
    f14: u64,
    #[serde(rename = "F15")]
    f15: u64,
    #[serde(rename = "F16")]
    f16: u64,
    #[serde(rename = "F17")]
    f17: u64,
    #[serde(rename = "F18")]
    f18: u64,
    #[serde(rename = "F19")]
    f19: u64,
    #[serde(rename = "F20")]
    f20: u64,
    #[serde(rename = "F21")]
    f21: u64,
    #[serde(rename = "F22")]
    f22: u64,
    #[serde(rename = "F23")]
    f23: u64,
    #[serde(rename = "F24")]
    f24: u64,
    #[serde(rename = "F25")]
    f25: u64,
    #[serde(rename = "F26")]
    f26: u64,
    #[serde(rename = "F27")]
    f27: u64,
    #[serde(rename = "F28")]
    f28: u64,
    #[serde(rename = "F29")]
    f29: u64,
    #[serde(rename = "F30")]
    f30: u64,
    #[serde(rename = "F31")]
    f31: u64,
    #[serde(rename = "F32")]
    f32: u64,
    #[serde(rename = "F33")]
    f33: u64,
    #[serde(rename = "F34")]
    f34: u64,
    #[serde(rename = "F35")]
    f35: u64,
    #[serde(rename = "F36")]
    f36: u64,
    #[serde(rename = "F37")]
    f37: u64,
    #[serde(rename = "F38")]
    f38: u64,
    #[serde(rename = "F39")]
    f39: u64,
    #[serde(rename = "F40")]
    f40: u64,
    #[serde(rename = "F41")]
    f41: u64,
    #[serde(rename = "F42")]
    f42: u64,
    #[serde(rename = "F43")]
    f43: u64,
    #[serde(rename = "F44")]
    f44: u64,
    #[serde(rename = "F45")]
    f45: u64,
    #[serde(rename = "F46")]
    f46: u64,
    #[serde(rename = "F47")]
    f47: u64,
    #[serde(rename = "F48")]
    f48: u64,
    #[serde(rename = "F49")]
    f49: u64,
    #[serde(rename = "F50")]
    f50: u64,
    #[serde(rename = "F51")]
    f51: u64,
    #[serde(rename = "F52")]
    f52: u64,
    #[serde(rename = "F53")]
    f53: u64,
    #[serde(rename = "F54")]
    f54: u64,
    #[serde(rename = "F55")]
    f55: u64,
    #[serde(rename = "F56")]
    f56: u64,
    #[serde(rename = "F57")]
    f57: u64,
    #[serde(rename = "F58")]
    f58: u64,
    #[serde(rename = "F59")]
    f59: u64,
    #[serde(rename = "F60")]
    f60: u64,
    #[serde(rename = "F61")]
    f61: u64,
    #[serde(rename = "F62")]
    f62: u64,
    #[serde(rename = "F63")]
    f63: u64,
    #[serde(rename = "F64")]
    f64: u64,
    #[serde(rename = "F65")]
    f65: u64,
    #[serde(rename = "F66")]
    f66: u64,
    #[serde(rename = "F67")]
    f67: u64,
    #[serde(rename = "F68")]
    f68: u64,
    #[serde(rename = "F69")]
    f69: u64,
}

impl Wide {
    fn get(&self, i: usize) -> u64 {
        [
            self.f0, self.f1, self.f2, self.f3, self.f4, self.f5, self.f6, self.f7, self.f8,
            self.f9, self.f10, self.f11, self.f12, self.f13, self.f14, self.f15, self.f16,
            self.f17, self.f18, self.f19, self.f20, self.f21, self.f22, self.f23, self.f24,
            self.f25, self.f26, self.f27, self.f28, self.f29, self.f30, self.f31, self.f32,
            self.f33, self.f34, self.f35, self.f36, self.f37, self.f38, self.f39, self.f40,
            self.f41, self.f42, self.f43, self.f44, self.f45, self.f46, self.f47, self.f48,
            self.f49, self.f50, self.f51, self.f52, self.f53, self.f54, self.f55, self.f56,
            self.f57, self.f58, self.f59, self.f60, self.f61, self.f62, self.f63, self.f64,
            self.f65, self.f66, self.f67, self.f68, self.f69,
        ][i]
    }
}

/// Field `i`'s value in the sent struct: zero (left out by the sender) for
/// every third field, and for the last ones past 64.
fn sent(i: usize) -> u64 {
    if i.is_multiple_of(3) || i >= 67 {
        0
    } else {
        1000 + i as u64
    }
}

#[test]
fn fields_past_the_64th_are_zero_filled_and_matched_by_name() {
    let value = Value::Struct {
        name: "main.Wide".into(),
        // The sender's order is the reverse of the Rust struct's.
        fields: (0..70)
            .rev()
            .map(|i| (format!("F{i}"), Value::Uint(sent(i))))
            .collect(),
    };
    let bytes = gob::to_vec(&value).unwrap();
    let wide: Wide = gob::from_slice(&bytes).unwrap();
    for i in 0..70 {
        assert_eq!(wide.get(i), sent(i), "field F{i}");
    }
    // The same from a reader.
    let wide: Wide = gob::from_reader(&bytes[..]).unwrap();
    assert_eq!((wide.f65, wide.f66, wide.f69), (sent(65), sent(66), 0));
}
