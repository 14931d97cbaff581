//! The JSON body of an API v2 request, written in one pass from the same `Serialize` params
//! as the v1 form, under the same rules of what is sent (see [`super::encode_json`]).

use std::io::Write as _;

use serde::ser::{self, Impossible, Serialize};

use super::key::KeySer;
use super::top::{Out, Top};
use super::{MAX_DEPTH, UNSET, check_key};
use crate::error::ParamsError;

/// Encodes `params` as a JSON object (see [`super::encode_json`]).
pub(super) fn encode<T: Serialize + ?Sized>(params: &T) -> Result<String, ParamsError> {
    let mut out = JsonOut(Vec::with_capacity(128));
    out.0.push(b'{');
    params.serialize(Top { out: &mut out })?;
    out.0.push(b'}');
    // Only whole `&str`s and ASCII punctuation were written.
    String::from_utf8(out.0).map_err(|_| unsupported("text that is not UTF-8"))
}

fn unsupported(what: &str) -> ParamsError {
    ParamsError::Unsupported(what.to_owned())
}

/// A JSON string, escaped as JSON requires.
fn string(buf: &mut Vec<u8>, text: &str) -> Result<(), ParamsError> {
    serde_json::to_writer(buf, text).map_err(|e| ParamsError::Unsupported(e.to_string()))
}

/// The separator before a member or an element: none right after the container opened.
fn separate(buf: &mut Vec<u8>) {
    if !matches!(buf.last(), Some(b'{' | b'[')) {
        buf.push(b',');
    }
}

/// Whether `value` sends something: `None`, `()`, a JSON `null` and a unit struct do not;
/// [`super::Unset`] does (it is `null`).
fn sends<T: Serialize + ?Sized>(value: &T) -> bool {
    value.serialize(Probe).is_err()
}

/// The body's one object, opened and closed by [`encode`].
pub(super) struct JsonOut(Vec<u8>);

impl Out for JsonOut {
    type Fields<'a> = Obj<'a>;
    fn fields(&mut self) -> Obj<'_> {
        Obj {
            buf: &mut self.0,
            depth: 1,
            close: 0,
            key: None,
        }
    }
    fn pair<T: Serialize + ?Sized>(&mut self, name: String, value: &T) -> Result<(), ParamsError> {
        self.fields().member(&name, value)
    }
}

/// The members of an object being written; `close` is how many brackets its end writes: 0 for
/// the body's own object (which [`encode`] closes), 1, or 2 for an object under an enum
/// variant.
pub(super) struct Obj<'a> {
    buf: &'a mut Vec<u8>,
    depth: usize,
    close: usize,
    /// A map's key, between `serialize_key` and `serialize_value`.
    key: Option<String>,
}

impl Obj<'_> {
    /// `"key":value`, unless the value sends nothing.
    fn member<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), ParamsError> {
        if !sends(value) {
            return Ok(());
        }
        check_key(key, "")?;
        separate(self.buf);
        string(self.buf, key)?;
        self.buf.push(b':');
        value.serialize(Json {
            buf: self.buf,
            depth: self.depth,
        })
    }

    fn end(self) -> Result<(), ParamsError> {
        self.buf.extend(std::iter::repeat_n(b'}', self.close));
        Ok(())
    }
}

impl ser::SerializeMap for Obj<'_> {
    type Ok = ();
    type Error = ParamsError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ParamsError> {
        self.key = Some(key.serialize(KeySer { parent: "" })?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        let key = self.key.take().unwrap_or_default();
        self.member(&key, value)
    }
    fn end(self) -> Result<(), ParamsError> {
        Obj::end(self)
    }
}

macro_rules! struct_impl {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Obj<'_> {
            type Ok = ();
            type Error = ParamsError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), ParamsError> {
                self.member(key, value)
            }
            fn end(self) -> Result<(), ParamsError> {
                Obj::end(self)
            }
        }
    )*};
}
struct_impl!(SerializeStruct, SerializeStructVariant);

/// The elements of an array being written, those that send nothing left out (as the form
/// leaves them out); `close` as for [`Obj`], with `]` first.
pub(super) struct Arr<'a> {
    buf: &'a mut Vec<u8>,
    depth: usize,
    under_variant: bool,
}

impl Arr<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        if !sends(value) {
            return Ok(());
        }
        separate(self.buf);
        value.serialize(Json {
            buf: self.buf,
            depth: self.depth,
        })
    }

    fn end(self) -> Result<(), ParamsError> {
        self.buf.push(b']');
        if self.under_variant {
            self.buf.push(b'}');
        }
        Ok(())
    }
}

macro_rules! arr_impl {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Arr<'_> {
            type Ok = ();
            type Error = ParamsError;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), ParamsError> {
                self.element(v)
            }
            fn end(self) -> Result<(), ParamsError> {
                Arr::end(self)
            }
        }
    )*};
}
arr_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// One value, written as JSON.
struct Json<'a> {
    buf: &'a mut Vec<u8>,
    depth: usize,
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
    /// Reached only for [`super::Unset`]: whatever sends nothing is left out before.
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

/// The answer of [`Probe`]: the value sends something (any `Err` means it does).
#[derive(Debug)]
struct Sends;

impl std::fmt::Display for Sends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("sends a value")
    }
}
impl std::error::Error for Sends {}
impl ser::Error for Sends {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        // A value whose `Serialize` fails is sent, so that its error is reported.
        Self
    }
}

/// Looks at a value's first call only: `Ok` for what sends nothing, `Err(Sends)` otherwise.
struct Probe;

macro_rules! probe_sends {
    ($($method:ident($($ty:ty),*) -> $ok:ty;)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<$ok, Sends> { Err(Sends) })*
    };
}

impl ser::Serializer for Probe {
    type Ok = ();
    type Error = Sends;
    type SerializeSeq = Impossible<(), Sends>;
    type SerializeTuple = Impossible<(), Sends>;
    type SerializeTupleStruct = Impossible<(), Sends>;
    type SerializeTupleVariant = Impossible<(), Sends>;
    type SerializeMap = Impossible<(), Sends>;
    type SerializeStruct = Impossible<(), Sends>;
    type SerializeStructVariant = Impossible<(), Sends>;

    probe_sends! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_i128(i128) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_u128(u128) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }

    fn serialize_none(self) -> Result<(), Sends> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Sends> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Sends> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Sends> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        v: &T,
    ) -> Result<(), Sends> {
        if name == UNSET {
            return Err(Sends);
        }
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Sends> {
        Err(Sends)
    }
}
