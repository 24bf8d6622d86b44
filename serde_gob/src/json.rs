//! The JSON form of dynamic values (feature `json`): the rendering Go's
//! values get in this project's corpus, documented in the README.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde_json::{Map as JsonMap, Number, Value as Json};

use crate::Value;

impl Value {
    /// The JSON form of this value (see the README for the table).
    pub fn to_json(&self) -> Json {
        match self {
            Value::Nil => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Uint(u) => Json::from(*u),
            Value::Float(f) => float_json(*f),
            Value::Complex(re, im) => Json::Array(vec![float_json(*re), float_json(*im)]),
            Value::String(s) => Json::String(s.clone()),
            Value::Bytes(b) | Value::Opaque { bytes: b, .. } => Json::String(BASE64.encode(b)),
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
