//! Random values of any mirror type, for proptest: a serde `Deserializer`
//! that answers every request of the type's own `Deserialize` from a string
//! of entropy bytes (which proptest draws and can shrink: fewer or smaller
//! bytes give smaller values; past the end every answer is zero or empty).
//!
//! The values are ones a Go value of the mirrored type can hold and gob can
//! send, so that Go reads back exactly what Rust wrote: no nil pointer where
//! gob has none (slice and map elements, top level), no NaN or -0 map keys,
//! and the bytes of self-marshalling types (time.Time, Version, Semver,
//! IP4) as their Go methods write them, left empty (absent) where Go would
//! leave the field out.

use proptest::prelude::*;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};

/// How deep values nest (structs, slices, maps, pointers, interfaces).
const MAX_DEPTH: usize = 5;

/// A proptest strategy for values of `T`.
pub fn values<T: DeserializeOwned + std::fmt::Debug>() -> impl Strategy<Value = T> {
    proptest::collection::vec(any::<u8>(), 0..1536).prop_map(|entropy| generate::<T>(&entropy))
}

/// The value of `T` that `entropy` describes.
pub fn generate<T: DeserializeOwned>(entropy: &[u8]) -> T {
    let mut g = Gen {
        data: entropy,
        pos: 0,
        depth: 0,
    };
    T::deserialize(GenDe {
        g: &mut g,
        place: Place::Element,
        key: false,
    })
    .unwrap_or_else(|e| panic!("generating a {}: {e}", std::any::type_name::<T>()))
}

struct Gen<'a> {
    data: &'a [u8],
    pos: usize,
    depth: usize,
}

impl Gen<'_> {
    fn byte(&mut self) -> u8 {
        let b = self.data.get(self.pos).copied().unwrap_or(0);
        self.pos += 1;
        b
    }

    /// A number below `n` (0 once the entropy is used up).
    fn below(&mut self, n: u64) -> u64 {
        let x = u16::from_be_bytes([self.byte(), self.byte()]) as u64;
        x % n.max(1)
    }

    fn bits(&mut self) -> u64 {
        (0..8).fold(0u64, |x, _| (x << 8) | self.byte() as u64)
    }

    fn chance(&mut self, n: u64) -> bool {
        self.below(n) == 1
    }

    /// A signed integer of `bits` bits, biased to zero, the extremes and
    /// the boundaries of gob's encoded lengths.
    fn int(&mut self, bits: u32) -> i64 {
        let (lo, hi) = (i64::MIN >> (64 - bits), i64::MAX >> (64 - bits));
        match self.below(10) {
            0 | 1 => 0,
            2 => lo,
            3 => hi,
            4 => self.below(257) as i64 - 128,
            5 | 6 => {
                let x = (1i64 << self.below(bits as u64 - 1)) + self.below(3) as i64 - 1;
                let x = if self.chance(2) { -x } else { x };
                x.clamp(lo, hi)
            }
            _ => (self.bits() as i64) >> (64 - bits),
        }
    }

    fn uint(&mut self, bits: u32) -> u64 {
        let mask = u64::MAX >> (64 - bits);
        match self.below(10) {
            0 | 1 => 0,
            2 => 1,
            3 => mask,
            4 => self.below(257) & mask,
            5 | 6 => ((1u64 << self.below(bits as u64)) + self.below(3)).wrapping_sub(1) & mask,
            _ => self.bits() & mask,
        }
    }

    fn f64(&mut self, key: bool) -> f64 {
        let sign = if self.chance(2) { -1.0 } else { 1.0 };
        let f = match self.below(16) {
            0..=2 => 0.0,
            3 => -0.0,
            4 => f64::NAN,
            5 => f64::INFINITY,
            6 => f64::NEG_INFINITY,
            7 => sign * f64::from_bits(1),
            8 => sign * f64::from_bits(self.bits() & ((1 << 52) - 1)),
            9 => sign * f64::MAX,
            10 => self.below(2001) as f64 - 1000.0,
            11 => sign * self.below(1000) as f64 / 8.0,
            12 | 13 => f64::from_bits(self.bits()),
            _ => {
                sign * (self.bits() >> 11) as f64 / (1u64 << 53) as f64
                    * 10f64.powi(self.below(61) as i32 - 30)
            }
        };
        // Go cannot look a NaN key up, and 0 and -0 are one key to it.
        if key && (f.is_nan() || f == 0.0) {
            return 0.0;
        }
        f
    }

    fn f32(&mut self, key: bool) -> f32 {
        let sign = if self.chance(2) { -1.0 } else { 1.0 };
        let f = match self.below(16) {
            0..=2 => 0.0,
            3 => -0.0,
            4 => f32::NAN,
            5 => f32::INFINITY,
            6 => f32::NEG_INFINITY,
            7 => sign * f32::from_bits(1),
            8 => sign * f32::from_bits(self.bits() as u32 & ((1 << 23) - 1)),
            9 => sign * f32::MAX,
            10 => self.below(2001) as f32 - 1000.0,
            11 => sign * self.below(1000) as f32 / 8.0,
            12 | 13 => f32::from_bits(self.bits() as u32),
            _ => {
                sign * (self.bits() >> 40) as f32 / (1u64 << 24) as f32
                    * 10f32.powi(self.below(21) as i32 - 10)
            }
        };
        if key && (f.is_nan() || f == 0.0) {
            return 0.0;
        }
        f
    }

    fn string(&mut self) -> String {
        const SAMPLES: &[&str] = &[
            "a",
            "hello",
            "Alice",
            "日本語 🎉 ñ",
            "ñ",
            "über",
            "🎉",
            "é",
            "Ω≈ç√",
            "nul\0",
            "nl\n",
            "quote\"",
            "back\\slash",
            "\t\r",
            "\u{2028}\u{2029}",
            "\u{7f}",
            "\u{feff}",
            "\u{ffff}",
        ];
        const RANGES: &[(u32, u32)] = &[
            (0x20, 0x7e),
            (0x20, 0x7e),
            (0x00, 0x1f),
            (0x80, 0x2ff),
            (0x370, 0x3ff),
            (0x3040, 0x30ff),
            (0x4e00, 0x9fff),
            (0xe000, 0xfffd),
            (0x1f300, 0x1f64f),
            (0x10000, 0x10ffff),
        ];
        match self.below(6) {
            0 | 1 => String::new(),
            2 => SAMPLES[self.below(SAMPLES.len() as u64) as usize].to_string(),
            3 => {
                let s = SAMPLES[self.below(SAMPLES.len() as u64) as usize];
                s.repeat(1 + 300 / s.len())
            }
            _ => (0..1 + self.below(12))
                .map(|_| {
                    let (lo, hi) = RANGES[self.below(RANGES.len() as u64) as usize];
                    char::from_u32(lo + self.below((hi - lo + 1) as u64) as u32).unwrap_or('x')
                })
                .collect(),
        }
    }

    fn len(&mut self) -> usize {
        if self.depth >= MAX_DEPTH {
            return 0;
        }
        match self.below(10) {
            0..=2 => 0,
            3..=7 => 1 + self.below(4) as usize,
            8 => 5 + self.below(16) as usize,
            _ if self.depth <= 1 => 100 + self.below(201) as usize,
            _ => 1,
        }
    }

    /// The bytes a self-marshalling Go type writes. `field`: a struct
    /// field, which Go leaves out when the value is zero (empty here).
    fn opaque(&mut self, name: &str, field: bool) -> Vec<u8> {
        match name {
            "GobEncoder:time.Time" => self.time(field),
            "GobEncoder:main.Version" => loop {
                let (major, minor) = (self.int(64), self.int(64));
                if field && major == 0 && minor == 0 {
                    if self.pos > self.data.len() {
                        return Vec::new(); // out of entropy: absent
                    }
                    continue;
                }
                return format!("v{major}.{minor}").into_bytes();
            },
            // A pointer receiver: Go always sends it.
            "GobEncoder:main.Semver" => vec![self.byte(), self.byte(), self.byte()],
            "BinaryMarshaler:main.IP4" => {
                let ip = [self.byte(), self.byte(), self.byte(), self.byte()];
                if field && (ip == [0; 4] || self.chance(4)) {
                    Vec::new()
                } else {
                    ip.to_vec()
                }
            }
            other => panic!("no generator for the self-marshalling type {other}"),
        }
    }

    /// time.Time's MarshalBinary: version 1 (zone offset in minutes, -1 for
    /// UTC) or 2 (an offset with seconds).
    fn time(&mut self, field: bool) -> Vec<u8> {
        // Seconds since January 1 of year 1.
        const UNIX_TO_INTERNAL: i64 = 62_135_596_800;
        let sec = match self.below(6) {
            0 => 0,
            1 => UNIX_TO_INTERNAL + self.below(4_000_000_000) as i64 - 1_000_000_000,
            2 => self.bits() as i64,
            _ => UNIX_TO_INTERNAL + self.below(2_000_000_000) as i64,
        };
        let nsec = if self.chance(2) {
            0
        } else {
            (self.bits() % 1_000_000_000) as i32
        };
        let (version, minutes, seconds) = match self.below(4) {
            0 | 1 => (1u8, -1i16, 0u8), // UTC
            2 => {
                let m = (self.below(1681) as i16) - 840;
                (1, if m == -1 { 0 } else { m }, 0)
            }
            _ => (2, self.below(840) as i16, 1 + self.below(59) as u8),
        };
        // reflect's zero time.Time (zero instant in UTC) is not sent as a
        // field.
        if field && sec == 0 && nsec == 0 && minutes == -1 {
            return Vec::new();
        }
        let mut b = vec![version];
        b.extend_from_slice(&sec.to_be_bytes());
        b.extend_from_slice(&nsec.to_be_bytes());
        b.extend_from_slice(&minutes.to_be_bytes());
        if version == 2 {
            b.push(seconds);
        }
        b
    }
}

/// Where a value sits, which decides what Go can send there.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    /// Top level, slice, array and map elements, interface values: always
    /// sent, never a nil pointer.
    Element,
    /// A struct field: zero values and nil pointers are left out.
    Field,
    /// What a pointer field points to: like a field, except that a type
    /// that marshals itself is sent whatever its value (the pointer, which
    /// implements the method too, is not zero).
    Pointee,
}

struct GenDe<'g, 'a> {
    g: &'g mut Gen<'a>,
    place: Place,
    key: bool,
}

type Error = de::value::Error;

impl<'g, 'a> GenDe<'g, 'a> {
    fn at(&mut self, place: Place) -> GenDe<'_, 'a> {
        GenDe {
            g: self.g,
            place,
            key: self.key,
        }
    }
}

impl<'de> de::Deserializer<'de> for GenDe<'_, '_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(de::Error::custom("the generator needs typed requests"))
    }

    fn deserialize_bool<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_bool(self.g.chance(2))
    }
    fn deserialize_i8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i8(self.g.int(8) as i8)
    }
    fn deserialize_i16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i16(self.g.int(16) as i16)
    }
    fn deserialize_i32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i32(self.g.int(32) as i32)
    }
    fn deserialize_i64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_i64(self.g.int(64))
    }
    fn deserialize_u8<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u8(self.g.uint(8) as u8)
    }
    fn deserialize_u16<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u16(self.g.uint(16) as u16)
    }
    fn deserialize_u32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u32(self.g.uint(32) as u32)
    }
    fn deserialize_u64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_u64(self.g.uint(64))
    }
    fn deserialize_f32<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_f32(self.g.f32(self.key))
    }
    fn deserialize_f64<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_f64(self.g.f64(self.key))
    }
    fn deserialize_char<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(de::Error::custom("char has no Go type"))
    }
    fn deserialize_str<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.g.string())
    }
    fn deserialize_string<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_string(self.g.string())
    }
    fn deserialize_bytes<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        let n = self.g.len();
        v.visit_byte_buf((0..n).map(|_| self.g.byte()).collect())
    }
    fn deserialize_byte_buf<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(v)
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, v: V) -> Result<V::Value, Error> {
        let pointer_field = matches!(self.place, Place::Field | Place::Pointee);
        if pointer_field && (self.g.depth >= MAX_DEPTH || self.g.chance(3)) {
            return v.visit_none();
        }
        self.g.depth += 1;
        let place = if pointer_field {
            Place::Pointee
        } else {
            self.place
        };
        let r = v.visit_some(self.at(place));
        self.g.depth -= 1;
        r
    }

    fn deserialize_unit<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        v.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        v: V,
    ) -> Result<V::Value, Error> {
        if name.starts_with("GobEncoder:") || name.starts_with("BinaryMarshaler:") {
            let bytes = self.g.opaque(name, self.place == Place::Field);
            return v.visit_newtype_struct(de::value::SeqDeserializer::<_, Error>::new(
                bytes.into_iter(),
            ));
        }
        v.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(mut self, v: V) -> Result<V::Value, Error> {
        let n = self.g.len();
        self.g.depth += 1;
        let r = v.visit_seq(GenSeq {
            de: self.at(Place::Element),
            left: n,
        });
        self.g.depth -= 1;
        r
    }

    fn deserialize_tuple<V: Visitor<'de>>(mut self, len: usize, v: V) -> Result<V::Value, Error> {
        self.g.depth += 1;
        let r = v.visit_seq(GenSeq {
            de: self.at(Place::Element),
            left: len,
        });
        self.g.depth -= 1;
        r
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        len: usize,
        v: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_tuple(len, v)
    }

    fn deserialize_map<V: Visitor<'de>>(mut self, v: V) -> Result<V::Value, Error> {
        let n = self.g.len().min(6);
        self.g.depth += 1;
        let r = v.visit_map(GenMap {
            de: self.at(Place::Element),
            left: n,
        });
        self.g.depth -= 1;
        r
    }

    fn deserialize_struct<V: Visitor<'de>>(
        mut self,
        _: &'static str,
        fields: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        self.g.depth += 1;
        let r = v.visit_map(GenStruct {
            de: self.at(Place::Field),
            fields,
        });
        self.g.depth -= 1;
        r
    }

    fn deserialize_enum<V: Visitor<'de>>(
        mut self,
        _: &'static str,
        variants: &'static [&'static str],
        v: V,
    ) -> Result<V::Value, Error> {
        let nil = variants.iter().position(|v| *v == "nil");
        let index = match nil {
            Some(nil) if self.g.depth >= MAX_DEPTH => nil,
            _ => self.g.below(variants.len() as u64) as usize,
        };
        self.g.depth += 1;
        let r = v.visit_enum(GenEnum {
            de: self.at(Place::Element),
            index: index as u32,
        });
        self.g.depth -= 1;
        r
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Error> {
        Err(de::Error::custom("unexpected identifier request"))
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, v: V) -> Result<V::Value, Error> {
        v.visit_unit()
    }
}

struct GenSeq<'g, 'a> {
    de: GenDe<'g, 'a>,
    left: usize,
}

impl<'de> de::SeqAccess<'de> for GenSeq<'_, '_> {
    type Error = Error;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        seed.deserialize(self.de.at(Place::Element)).map(Some)
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.left)
    }
}

struct GenMap<'g, 'a> {
    de: GenDe<'g, 'a>,
    left: usize,
}

impl<'de> de::MapAccess<'de> for GenMap<'_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        if self.left == 0 {
            return Ok(None);
        }
        self.left -= 1;
        let mut key = self.de.at(Place::Element);
        key.key = true;
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(self.de.at(Place::Element))
    }
}

struct GenStruct<'g, 'a> {
    de: GenDe<'g, 'a>,
    fields: &'static [&'static str],
}

impl<'de> de::MapAccess<'de> for GenStruct<'_, '_> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        let Some((first, rest)) = self.fields.split_first() else {
            return Ok(None);
        };
        self.fields = rest;
        seed.deserialize(first.into_deserializer()).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(self.de.at(Place::Field))
    }
}

struct GenEnum<'g, 'a> {
    de: GenDe<'g, 'a>,
    index: u32,
}

impl<'de, 'g, 'a> de::EnumAccess<'de> for GenEnum<'g, 'a> {
    type Error = Error;
    type Variant = GenDe<'g, 'a>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), Error> {
        let v = seed.deserialize(self.index.into_deserializer())?;
        Ok((v, self.de))
    }
}

impl<'de> de::VariantAccess<'de> for GenDe<'_, '_> {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        Ok(())
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, Error> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, Error> {
        Err(de::Error::custom("tuple variants have no Go form"))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Error> {
        Err(de::Error::custom("struct variants have no Go form"))
    }
}
