//! One value written as JSON ([`Json`]): numbers, strings, `null`, and the objects and arrays
//! it opens, nested no deeper than `MAX_DEPTH`.

use std::io::Write as _;

use serde::ser::{self, Serialize};

use super::{Arr, Obj, string, unsupported};
use crate::error::ParamsError;
use crate::params::{MAX_DEPTH, UNSET, check_key};

/// One value, written as JSON.
pub(super) struct Json<'a> {
    pub(super) buf: &'a mut Vec<u8>,
    pub(super) depth: usize,
}

impl<'a> Json<'a> {
    fn number(self, value: impl std::fmt::Display) -> Result<(), ParamsError> {
        // Writing to a Vec cannot fail.
        let _ = write!(self.buf, "{value}");
        Ok(())
    }

    /// The depth of a container here.
    fn deeper(&self) -> Result<usize, ParamsError> {
        if self.depth >= MAX_DEPTH {
            return Err(ParamsError::TooDeep);
        }
        Ok(self.depth + 1)
    }

    /// `{"variant":` before an enum variant's data.
    fn variant(self, variant: &str) -> Result<(&'a mut Vec<u8>, usize), ParamsError> {
        let depth = self.deeper()?;
        check_key(variant, "")?;
        self.buf.push(b'{');
        string(self.buf, variant)?;
        self.buf.push(b':');
        Ok((self.buf, depth))
    }

    fn object(self, close: usize) -> Result<Obj<'a>, ParamsError> {
        let depth = self.deeper()?;
        self.buf.push(b'{');
        Ok(Obj {
            buf: self.buf,
            depth,
            close,
            key: None,
        })
    }

    fn array(self, under_variant: bool) -> Result<Arr<'a>, ParamsError> {
        let depth = self.deeper()?;
        self.buf.push(b'[');
        Ok(Arr {
            buf: self.buf,
            depth,
            under_variant,
        })
    }

    fn float(self, finite: bool, value: impl Serialize) -> Result<(), ParamsError> {
        if !finite {
            return Err(unsupported("a float that is not finite"));
        }
        // serde_json's shortest form: an `f32` as the `f32` it is.
        serde_json::to_writer(self.buf, &value).map_err(|e| ParamsError::Unsupported(e.to_string()))
    }
}

macro_rules! number_impl {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method(self, v: $ty) -> Result<(), ParamsError> { self.number(v) })*
    };
}

impl<'a> ser::Serializer for Json<'a> {
    type Ok = ();
    type Error = ParamsError;
    type SerializeSeq = Arr<'a>;
    type SerializeTuple = Arr<'a>;
    type SerializeTupleStruct = Arr<'a>;
    type SerializeTupleVariant = Arr<'a>;
    type SerializeMap = Obj<'a>;
    type SerializeStruct = Obj<'a>;
    type SerializeStructVariant = Obj<'a>;

    number_impl!(
        serialize_i8(i8),
        serialize_i16(i16),
        serialize_i32(i32),
        serialize_i64(i64),
        serialize_i128(i128),
        serialize_u8(u8),
        serialize_u16(u16),
        serialize_u32(u32),
        serialize_u64(u64),
        serialize_u128(u128)
    );

    fn serialize_bool(self, v: bool) -> Result<(), ParamsError> {
        self.buf
            .extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_f32(self, v: f32) -> Result<(), ParamsError> {
        self.float(v.is_finite(), v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), ParamsError> {
        self.float(v.is_finite(), v)
    }
    fn serialize_char(self, v: char) -> Result<(), ParamsError> {
        string(self.buf, v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), ParamsError> {
        string(self.buf, v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), ParamsError> {
        Err(unsupported("bytes"))
    }
    /// Reached only for [`Unset`](crate::params::Unset): whatever sends nothing is left out before.
    fn serialize_none(self) -> Result<(), ParamsError> {
        self.buf.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), ParamsError> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), ParamsError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ParamsError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), ParamsError> {
        string(self.buf, variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<(), ParamsError> {
        if name == UNSET {
            return self.serialize_none();
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), ParamsError> {
        let (buf, depth) = self.variant(variant)?;
        v.serialize(Json { buf, depth })?;
        buf.push(b'}');
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Arr<'a>, ParamsError> {
        self.array(false)
    }
    fn serialize_tuple(self, _: usize) -> Result<Arr<'a>, ParamsError> {
        self.array(false)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Arr<'a>, ParamsError> {
        self.array(false)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Arr<'a>, ParamsError> {
        let (buf, depth) = self.variant(variant)?;
        Json { buf, depth }.array(true)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Obj<'a>, ParamsError> {
        self.object(1)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Obj<'a>, ParamsError> {
        self.object(1)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Obj<'a>, ParamsError> {
        let (buf, depth) = self.variant(variant)?;
        Json { buf, depth }.object(2)
    }
}
