//! Reading the JSON form of packets: `{"packet":"<Go type name>", fields...}`.
//!
//! serde's derive reads an internally tagged enum by first copying the
//! whole object into a buffer of its own, since the tag may come last. The
//! command line reads a million packets a second, and every tool (this one,
//! the Go fixtures) writes the tag first; so when `"packet"` is the first
//! key, the fields are read straight into the packet's struct, and only
//! otherwise are they gathered first.

/// Implements `Deserialize` for a packet enum whose serde form is
/// `#[serde(tag = "packet")]`, each variant a newtype over a struct: the
/// JSON tag names the variant.
macro_rules! deserialize_tagged_packet {
    ($enum:ident { $($name:literal => $variant:ident($ty:ty)),* $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                const NAMES: &[&str] = &[$($name),*];

                fn by_name<'de, D: serde::Deserializer<'de>>(
                    name: &str,
                    fields: D,
                ) -> Result<$enum, D::Error> {
                    match name {
                        $($name => <$ty as serde::Deserialize>::deserialize(fields)
                            .map($enum::$variant),)*
                        other => Err(serde::de::Error::unknown_variant(other, NAMES)),
                    }
                }

                struct Visitor;

                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = $enum;

                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str("a packet object with a \"packet\" key")
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$enum, A::Error> {
                        use serde::de::Error as _;
                        let Some(first) = map.next_key::<std::borrow::Cow<'de, str>>()? else {
                            return Err(A::Error::missing_field("packet"));
                        };
                        if first == "packet" {
                            let name = map.next_value::<std::borrow::Cow<'de, str>>()?;
                            return by_name(&name, serde::de::value::MapAccessDeserializer::new(map));
                        }
                        // The tag comes later: gather the fields, then read them.
                        let mut fields = serde_json::Map::new();
                        let value = map.next_value::<serde_json::Value>()?;
                        fields.insert(first.into_owned(), value);
                        while let Some((key, value)) =
                            map.next_entry::<String, serde_json::Value>()?
                        {
                            fields.insert(key, value);
                        }
                        let name = match fields.remove("packet") {
                            Some(serde_json::Value::String(name)) => name,
                            Some(_) => return Err(A::Error::custom("\"packet\" is not a string")),
                            None => return Err(A::Error::missing_field("packet")),
                        };
                        by_name(&name, serde_json::Value::Object(fields)).map_err(A::Error::custom)
                    }
                }

                d.deserialize_map(Visitor)
            }
        }
    };
}

pub(crate) use deserialize_tagged_packet;

#[cfg(test)]
mod tests {
    use crate::protocol::{Packet, marshal};

    #[test]
    fn the_tag_may_come_first_or_later_and_errors_name_what_is_wrong() {
        let first = r#"{"packet":"StartTraceCmdPacket","FuncID":3,"ModuleName":"main"}"#;
        let later = r#"{"FuncID":3,"packet":"StartTraceCmdPacket","ModuleName":"main"}"#;
        let a = Packet::from_json(first).unwrap();
        assert_eq!(a, Packet::from_json(later).unwrap());
        assert_eq!(a.to_json(), first);
        let value: serde_json::Value = serde_json::from_str(later).unwrap();
        assert_eq!(serde_json::from_value::<Packet>(value).unwrap(), a);

        let m = r#"{"packet":"StopTraceCmdPacket","FuncName":"main.main"}"#;
        assert_eq!(marshal::Packet::from_json(m).unwrap().to_json(), m);
        assert!(
            marshal::Packet::from_json(r#"{"packet":"PingPacket"}"#).is_ok()
                && Packet::from_json(r#"{"packet":"PingPacket"}"#).is_ok()
        );

        for (bad, says) in [
            (r#"{"packet":"Nope"}"#, "unknown variant `Nope`"),
            (r#"{"FuncID":3}"#, "missing field `packet`"),
            (r#"{}"#, "missing field `packet`"),
            (r#"{"FuncID":3,"packet":7}"#, "\"packet\" is not a string"),
            (
                r#"{"packet":"StartTraceCmdPacket","Nope":1}"#,
                "unknown field `Nope`",
            ),
            (
                r#"{"Nope":1,"packet":"StartTraceCmdPacket"}"#,
                "unknown field `Nope`",
            ),
            (r#"[1]"#, "a packet object"),
        ] {
            let err = Packet::from_json(bad).unwrap_err().to_string();
            assert!(err.contains(says), "{bad}: {err}");
        }
    }
}
