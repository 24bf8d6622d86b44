//! A serializer that only accepts a number, for the places where gob wants
//! one inside something serde sees as compound (bytes, complex parts).

use serde::ser::{self, Impossible, Serialize};

use super::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Scalar {
    Int(i64),
    Uint(u64),
    Float(f64),
}

pub struct ScalarSer;

fn not_a_number<T>() -> Result<T> {
    Err(Error::Encode("a number was expected".into()))
}

impl ser::Serializer for ScalarSer {
    type Ok = Scalar;
    type Error = Error;
    type SerializeSeq = Impossible<Scalar, Error>;
    type SerializeTuple = Impossible<Scalar, Error>;
    type SerializeTupleStruct = Impossible<Scalar, Error>;
    type SerializeTupleVariant = Impossible<Scalar, Error>;
    type SerializeMap = Impossible<Scalar, Error>;
    type SerializeStruct = Impossible<Scalar, Error>;
    type SerializeStructVariant = Impossible<Scalar, Error>;

    fn serialize_i8(self, v: i8) -> Result<Scalar> {
        Ok(Scalar::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Scalar> {
        Ok(Scalar::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Scalar> {
        Ok(Scalar::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Scalar> {
        Ok(Scalar::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Scalar> {
        Ok(Scalar::Uint(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Scalar> {
        Ok(Scalar::Uint(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Scalar> {
        Ok(Scalar::Uint(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Scalar> {
        Ok(Scalar::Uint(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Scalar> {
        Ok(Scalar::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Scalar> {
        Ok(Scalar::Float(v))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<Scalar> {
        v.serialize(self)
    }

    fn serialize_bool(self, _: bool) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_char(self, _: char) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_str(self, _: &str) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_none(self) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_unit(self) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<Scalar> {
        not_a_number()
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq> {
        not_a_number()
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple> {
        not_a_number()
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct> {
        not_a_number()
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant> {
        not_a_number()
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap> {
        not_a_number()
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct> {
        not_a_number()
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant> {
        not_a_number()
    }
}
