//! The JSON form of dynamic values (feature `json`): the rendering Go's
//! values get in this project's corpus, documented in the README.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map as JsonMap, Number, Value as Json};

use crate::Value;
use crate::gostd::StdValue;

impl Value {
    /// The JSON text of this value (see the README for the table): the
    /// text of [`Value::to_json`], except that a `big.Int` too large for 64
    /// bits is an exact JSON number here, as Go's `encoding/json` writes
    /// it. `gob decode --json` writes this.
    pub fn to_json_text(&self) -> String {
        let mut out = String::new();
        self.write_json_text(&mut out);
        out
    }

    fn write_json_text(&self, out: &mut String) {
        match self {
            Value::Opaque { name, bytes } => {
                if let Some(StdJson::Integer(digits)) = std_json(name, bytes) {
                    out.push_str(&digits);
                    return;
                }
            }
            Value::Slice(items) | Value::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write_json_text(out);
                }
                out.push(']');
                return;
            }
            Value::Map {
                string_keys: true,
                entries,
            } => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let key = match k {
                        Value::String(s) => s.clone(),
                        other => other.to_json().to_string(),
                    };
                    out.push_str(&Json::String(key).to_string());
                    out.push(':');
                    v.write_json_text(out);
                }
                out.push('}');
                return;
            }
            Value::Map { entries, .. } => {
                out.push('[');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push('[');
                    k.write_json_text(out);
                    out.push(',');
                    v.write_json_text(out);
                    out.push(']');
                }
                out.push(']');
                return;
            }
            Value::Struct { fields, .. } => {
                out.push('{');
                for (i, (name, v)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    out.push_str(&Json::String(name.clone()).to_string());
                    out.push(':');
                    v.write_json_text(out);
                }
                out.push('}');
                return;
            }
            Value::Interface { name, value } => {
                out.push_str("{\"type\":");
                out.push_str(&Json::String(name.clone()).to_string());
                out.push_str(",\"value\":");
                value.write_json_text(out);
                out.push('}');
                return;
            }
            _ => {}
        }
        out.push_str(&self.to_json().to_string());
    }

    /// The JSON form of this value (see the README for the table). A
    /// `big.Int` too large for 64 bits is a string of its digits here
    /// (`serde_json` numbers hold 64 bits); [`Value::to_json_text`] writes
    /// it as an exact number.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Nil => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Uint(u) => Json::from(*u),
            Value::Float(f) => float_json(*f),
            Value::Complex(re, im) => Json::Array(vec![float_json(*re), float_json(*im)]),
            Value::String(s) => Json::String(s.clone()),
            Value::Bytes(b) => Json::String(BASE64.encode(b)),
            Value::Opaque { name, bytes } => match std_json(name, bytes) {
                Some(StdJson::Json(j)) => j,
                Some(StdJson::Integer(digits)) => Json::String(digits),
                None => Json::String(BASE64.encode(bytes)),
            },
            Value::Slice(items) | Value::Array(items) => {
                Json::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Map {
                string_keys: true,
                entries,
            } => {
                let mut map = JsonMap::new();
                for (k, v) in entries {
                    let key = match k {
                        Value::String(s) => s.clone(),
                        other => other.to_json().to_string(),
                    };
                    map.insert(key, v.to_json());
                }
                Json::Object(map)
            }
            Value::Map { entries, .. } => Json::Array(
                entries
                    .iter()
                    .map(|(k, v)| Json::Array(vec![k.to_json(), v.to_json()]))
                    .collect(),
            ),
            Value::Struct { fields, .. } => {
                let mut map = JsonMap::new();
                for (name, v) in fields {
                    map.insert(name.clone(), v.to_json());
                }
                Json::Object(map)
            }
            Value::Interface { name, value } => {
                let mut map = JsonMap::new();
                map.insert("type".into(), Json::String(name.clone()));
                map.insert("value".into(), value.to_json());
                Json::Object(map)
            }
        }
    }
}

fn float_json(f: f64) -> Json {
    match Number::from_f64(f) {
        Some(n) => Json::Number(n),
        None if f.is_nan() => Json::String("NaN".into()),
        None if f > 0.0 => Json::String("+Inf".into()),
        None => Json::String("-Inf".into()),
    }
}

/// The JSON of a standard self-marshalling value, as Go's `encoding/json`
/// writes the same Go value.
enum StdJson {
    Json(Json),
    /// A `big.Int`'s exact decimal digits, which may not fit a
    /// `serde_json` number.
    Integer(String),
}

/// Recognizes `time.Time` and `math/big`'s `Int`, `Rat` and `Float` as
/// [`StdValue::recognize`] does; `None` for anything else (rendered as
/// base64).
fn std_json(name: &str, bytes: &[u8]) -> Option<StdJson> {
    // Go sends a big number through a pointer and never leaves a non-nil
    // one out: a field with no bytes was a nil pointer. An unnamed type
    // that marshals itself is always a pointer type, so the same holds
    // for any of them.
    if bytes.is_empty() && matches!(name, "" | "Int" | "Rat" | "Float") {
        return Some(StdJson::Json(Json::Null));
    }
    Some(match StdValue::recognize(name, bytes)? {
        StdValue::Time(t) => StdJson::Json(Json::String(t.to_rfc3339()?)),
        StdValue::Int(i) => match i.to_i128() {
            Some(v) if i64::try_from(v).is_ok() || u64::try_from(v).is_ok() => {
                StdJson::Json(match i64::try_from(v) {
                    Ok(v) => Json::from(v),
                    Err(_) => Json::from(v as u64),
                })
            }
            _ => StdJson::Integer(i.to_string()),
        },
        StdValue::Rat(r) => StdJson::Json(Json::String(r.to_string())),
        StdValue::Float(f) => StdJson::Json(Json::String(f.to_text()?)),
    })
}
