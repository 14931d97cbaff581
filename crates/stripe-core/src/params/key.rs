//! Map keys and pair names, and a stack buffer for numbers' text.

use serde::ser::{self, Impossible, Serialize};

use crate::error::ParamsError;

/// A map key or a pair's name: text, a char, an integer, a boolean or a unit variant. `parent`
/// is the name the key is under (empty at the top level), to say where a bad key is.
pub(super) struct KeySer<'p> {
    pub(super) parent: &'p str,
}

macro_rules! key_display {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method(self, v: $ty) -> Result<String, ParamsError> { Ok(v.to_string()) })*
    };
}

macro_rules! key_rejects {
    ($($method:ident($($ty:ty),*) => $found:literal;)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<String, ParamsError> {
            Err(self.bad($found))
        })*
    };
}

macro_rules! key_rejects_containers {
    ($($method:ident($($ty:ty),*) -> $ok:ident => $found:literal;)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<Self::$ok, ParamsError> {
            Err(self.bad($found))
        })*
    };
}

impl KeySer<'_> {
    fn bad(&self, found: &'static str) -> ParamsError {
        ParamsError::KeyType {
            at: self.parent.to_owned(),
            found,
        }
    }
}

impl<'p> ser::Serializer for KeySer<'p> {
    type Ok = String;
    type Error = ParamsError;
    type SerializeSeq = Impossible<String, ParamsError>;
    type SerializeTuple = Impossible<String, ParamsError>;
    type SerializeTupleStruct = Impossible<String, ParamsError>;
    type SerializeTupleVariant = Impossible<String, ParamsError>;
    type SerializeMap = Impossible<String, ParamsError>;
    type SerializeStruct = Impossible<String, ParamsError>;
    type SerializeStructVariant = Impossible<String, ParamsError>;

    key_display!(
        serialize_bool(bool),
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128),
        serialize_char(char),
        serialize_str(&str)
    );
    key_rejects! {
        serialize_f32(f32) => "a float";
        serialize_f64(f64) => "a float";
        serialize_bytes(&[u8]) => "bytes";
        serialize_none() => "none (an absent value)";
        serialize_unit() => "a unit ()";
        serialize_unit_struct(&'static str) => "a unit struct";
    }
    key_rejects_containers! {
        serialize_seq(Option<usize>) -> SerializeSeq => "a sequence";
        serialize_tuple(usize) -> SerializeTuple => "a tuple";
        serialize_tuple_struct(&'static str, usize) -> SerializeTupleStruct => "a tuple struct";
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> SerializeTupleVariant => "an enum variant with data";
        serialize_map(Option<usize>) -> SerializeMap => "a map";
        serialize_struct(&'static str, usize) -> SerializeStruct => "a struct";
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> SerializeStructVariant => "an enum variant with data";
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<String, ParamsError> {
        Ok(variant.to_owned())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<String, ParamsError> {
        v.serialize(self)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<String, ParamsError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<String, ParamsError> {
        Err(self.bad("an enum variant with data"))
    }
}

/// A stack buffer for a number's text (the longest, an `i128` or an `f64`, fits in 48 bytes).
pub(super) struct NumBuf {
    bytes: [u8; 48],
    len: usize,
}

impl Default for NumBuf {
    fn default() -> Self {
        Self {
            bytes: [0; 48],
            len: 0,
        }
    }
}

impl NumBuf {
    pub(super) fn as_str(&self) -> &str {
        // Only `write_str` fills the buffer, with whole `&str`s: it stays UTF-8.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl std::fmt::Write for NumBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}
