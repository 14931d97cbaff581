//! The JSON body of an API v2 request, written in one pass from the same `Serialize` params
//! as the v1 form, under the same rules of what is sent (see [`super::encode_json`]).
//!
//! This file holds the body's object and the objects and arrays within it; `value.rs` writes one
//! value, `probe.rs` tells whether a value sends anything.

use serde::ser::{self, Serialize};

use super::check_key;
use super::key::KeySer;
use super::top::{Out, Top};
use crate::error::ParamsError;

mod probe;
mod value;

use probe::sends;
use value::Json;

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
