//! A deserializer that produces the zero value of whatever type asks.
//!
//! Go leaves a struct field that the sender omitted at its zero value; serde
//! would report it missing. The decoder hands this deserializer to every
//! field the stream did not carry. The schema tracer uses it, leniently, to
//! finish values of recursive types.

use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};

use super::error::{Error, Result};

/// The name of the unit variant that stands for a nil interface.
pub const NIL_VARIANT: &str = "nil";

#[derive(Clone, Copy)]
pub struct ZeroDeserializer {
    /// Lenient: any enum variant will do (tracing). Strict: an enum needs a
    /// `nil` variant, since an absent interface is nil (decoding).
    lenient: bool,
}

impl ZeroDeserializer {
    pub fn strict() -> Self {
        ZeroDeserializer { lenient: false }
    }

    pub fn lenient() -> Self {
        ZeroDeserializer { lenient: true }
    }
}

macro_rules! zero_basic {
    ($($method:ident => $visit:ident($zero:expr);)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
                visitor.$visit($zero)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for ZeroDeserializer {
    type Error = Error;

    zero_basic! {
        deserialize_bool => visit_bool(false);
        deserialize_i8 => visit_i8(0);
        deserialize_i16 => visit_i16(0);
        deserialize_i32 => visit_i32(0);
        deserialize_i64 => visit_i64(0);
        deserialize_i128 => visit_i128(0);
        deserialize_u8 => visit_u8(0);
        deserialize_u16 => visit_u16(0);
        deserialize_u32 => visit_u32(0);
        deserialize_u64 => visit_u64(0);
        deserialize_u128 => visit_u128(0);
        deserialize_f32 => visit_f32(0.0);
        deserialize_f64 => visit_f64(0.0);
        deserialize_char => visit_char('\0');
        deserialize_str => visit_str("");
        deserialize_string => visit_string(String::new());
        deserialize_bytes => visit_bytes(&[]);
        deserialize_byte_buf => visit_byte_buf(Vec::new());
        deserialize_identifier => visit_str("");
    }

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_none()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(ZeroSeq {
            zero: self,
            left: 0,
        })
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        visitor.visit_seq(ZeroSeq {
            zero: self,
            left: len,
        })
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_tuple(len, visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_map(ZeroStruct {
            zero: self,
            fields: &[],
        })
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        visitor.visit_map(ZeroStruct { zero: self, fields })
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        let variant = match variants.iter().position(|v| *v == NIL_VARIANT) {
            Some(i) => i,
            None if self.lenient => 0,
            None => {
                return Err(Error::Custom(format!(
                    "{name} is absent (a nil interface) but has no variant named \"{NIL_VARIANT}\""
                )));
            }
        };
        visitor.visit_enum(ZeroEnum {
            zero: self,
            variant: variant as u32,
        })
    }
}

struct ZeroSeq {
    zero: ZeroDeserializer,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for ZeroSeq {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<Option<S::Value>> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(self.zero).map(Some)
    }
}

struct ZeroStruct {
    zero: ZeroDeserializer,
    fields: &'static [&'static str],
}

impl<'de> de::MapAccess<'de> for ZeroStruct {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        let Some((first, rest)) = self.fields.split_first() else {
            return Ok(None);
        };
        self.fields = rest;
        seed.deserialize(first.into_deserializer()).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value> {
        seed.deserialize(self.zero)
    }
}

struct ZeroEnum {
    zero: ZeroDeserializer,
    variant: u32,
}

impl<'de> de::EnumAccess<'de> for ZeroEnum {
    type Error = Error;
    type Variant = ZeroDeserializer;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self::Variant)> {
        let v = seed.deserialize(de::value::U32Deserializer::<Error>::new(self.variant))?;
        Ok((v, self.zero))
    }
}

impl<'de> de::VariantAccess<'de> for ZeroDeserializer {
    type Error = Error;

    fn unit_variant(self) -> Result<()> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value> {
        de::Deserializer::deserialize_tuple(self, len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}
