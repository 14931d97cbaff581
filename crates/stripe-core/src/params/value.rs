//! Values under a name: scalars, maps and structs (`name[key]`), sequences (`name[0]`).

use std::fmt::Write as _;

use serde::ser::{self, Serialize};

use super::key::{KeySer, NumBuf};
use super::top::Form;
use super::{MAX_DEPTH, check_key};
use crate::error::ParamsError;

fn unsupported(what: &str) -> ParamsError {
    ParamsError::Unsupported(what.to_owned())
}

/// The fields of a map or struct (at the top level, or nested under `name`).
pub(super) struct Fields<'a, 'o> {
    out: &'a mut Form<'o>,
    /// The owned name buffer at the top level; nested fields borrow their parent's.
    own: String,
    parent: Option<&'a mut String>,
    len: usize,
    depth: usize,
    key: Option<String>,
}

impl<'a, 'o> Fields<'a, 'o> {
    pub(super) fn top(out: &'a mut Form<'o>) -> Self {
        Self {
            out,
            own: String::with_capacity(64),
            parent: None,
            len: 0,
            depth: 1,
            key: None,
        }
    }

    fn nested(out: &'a mut Form<'o>, name: &'a mut String, depth: usize) -> Self {
        let len = name.len();
        Self {
            out,
            own: String::new(),
            parent: Some(name),
            len,
            depth,
            key: None,
        }
    }

    fn field<T: Serialize + ?Sized>(&mut self, key: &str, value: &T) -> Result<(), ParamsError> {
        let (name, top) = match self.parent.as_deref_mut() {
            Some(name) => (name, false),
            None => (&mut self.own, true),
        };
        if top {
            check_key(key, "")?;
            name.clear();
            name.push_str(key);
        } else {
            check_key(key, &name[..self.len])?;
            name.truncate(self.len);
            name.push('[');
            name.push_str(key);
            name.push(']');
        }
        let result = value.serialize(ValueSer {
            out: self.out,
            name,
            depth: self.depth,
        });
        name.truncate(self.len);
        result
    }

    /// A map or struct with nothing to send sends nothing (see [`super::Unset`]).
    fn finish(self) -> Result<(), ParamsError> {
        Ok(())
    }
}

impl ser::SerializeMap for Fields<'_, '_> {
    type Ok = ();
    type Error = ParamsError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ParamsError> {
        let parent = self.parent.as_deref().map_or("", |name| &name[..self.len]);
        self.key = Some(key.serialize(KeySer { parent })?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        let key = self.key.take().unwrap_or_default();
        self.field(&key, value)
    }
    fn end(self) -> Result<(), ParamsError> {
        self.finish()
    }
}

macro_rules! struct_fields_impl {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Fields<'_, '_> {
            type Ok = ();
            type Error = ParamsError;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), ParamsError> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), ParamsError> {
                self.finish()
            }
        }
    )*};
}
struct_fields_impl!(SerializeStruct, SerializeStructVariant);

// ------------------------------------------------------------------------ sequences

/// The elements of a sequence nested under `name`: `name[0]`, `name[1]`, ... numbering only
/// the elements that send something, so an absent one (`None`, `null`, an empty container)
/// leaves no hole.
pub(super) struct Items<'a, 'o> {
    out: &'a mut Form<'o>,
    name: &'a mut String,
    len: usize,
    depth: usize,
    index: usize,
}

impl Items<'_, '_> {
    fn item<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ParamsError> {
        self.name.truncate(self.len);
        // Writing to a String cannot fail.
        if self.out.indexed() {
            let _ = write!(self.name, "[{}]", self.index);
        }
        let before = self.out.count();
        let result = value.serialize(ValueSer {
            out: self.out,
            name: self.name,
            depth: self.depth,
        });
        if self.out.count() > before {
            self.index += 1;
        }
        self.name.truncate(self.len);
        result
    }

    /// An empty sequence sends nothing (see [`super::Unset`]).
    fn finish(self) -> Result<(), ParamsError> {
        Ok(())
    }
}

macro_rules! items_impl {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Items<'_, '_> {
            type Ok = ();
            type Error = ParamsError;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), ParamsError> {
                self.item(v)
            }
            fn end(self) -> Result<(), ParamsError> {
                self.finish()
            }
        }
    )*};
}
items_impl!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

// ------------------------------------------------------------------------ values

/// A value under `name`.
pub(super) struct ValueSer<'a, 'o> {
    pub(super) out: &'a mut Form<'o>,
    pub(super) name: &'a mut String,
    pub(super) depth: usize,
}

impl ValueSer<'_, '_> {
    fn text(self, value: &str) -> Result<(), ParamsError> {
        self.out.append_pair(self.name, value);
        Ok(())
    }

    fn display(self, value: impl std::fmt::Display) -> Result<(), ParamsError> {
        let mut buf = NumBuf::default();
        // A number's text fits the buffer; should it not, the String fallback takes it.
        if write!(buf, "{value}").is_ok() {
            let text = buf.as_str();
            self.out.append_pair(self.name, text);
        } else {
            self.out.append_pair(self.name, &value.to_string());
        }
        Ok(())
    }

    /// The depth of a container under this name. A pair name ending in `[]` takes one value
    /// per pair, never a container (`name[][0]` has no meaning to Stripe).
    fn deeper(&self) -> Result<usize, ParamsError> {
        self.no_container_under_brackets()?;
        if self.depth >= MAX_DEPTH {
            return Err(ParamsError::TooDeep);
        }
        Ok(self.depth + 1)
    }

    fn no_container_under_brackets(&self) -> Result<(), ParamsError> {
        if self.name.ends_with("[]") {
            return Err(ParamsError::Key {
                at: self.name.clone(),
            });
        }
        Ok(())
    }

    /// The same value one level down, under `name[variant]` (the parent restores the name).
    fn under_variant(self, variant: &str) -> Result<Self, ParamsError> {
        self.no_container_under_brackets()?;
        check_key(variant, self.name)?;
        self.name.push('[');
        self.name.push_str(variant);
        self.name.push(']');
        Ok(self)
    }
}

macro_rules! display_impl {
    ($($method:ident($ty:ty)),*) => {
        $(fn $method(self, v: $ty) -> Result<(), ParamsError> { self.display(v) })*
    };
}

impl<'a, 'o> ser::Serializer for ValueSer<'a, 'o> {
    type Ok = ();
    type Error = ParamsError;
    type SerializeSeq = Items<'a, 'o>;
    type SerializeTuple = Items<'a, 'o>;
    type SerializeTupleStruct = Items<'a, 'o>;
    type SerializeTupleVariant = Items<'a, 'o>;
    type SerializeMap = Fields<'a, 'o>;
    type SerializeStruct = Fields<'a, 'o>;
    type SerializeStructVariant = Fields<'a, 'o>;

    display_impl!(
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
        self.text(if v { "true" } else { "false" })
    }
    /// Printed as the `f32` it is (`0.1`), not widened first (`0.10000000149011612`).
    fn serialize_f32(self, v: f32) -> Result<(), ParamsError> {
        if !v.is_finite() {
            return Err(unsupported("a float that is not finite"));
        }
        self.display(v)
    }
    fn serialize_f64(self, v: f64) -> Result<(), ParamsError> {
        if !v.is_finite() {
            return Err(unsupported("a float that is not finite"));
        }
        self.display(v)
    }
    fn serialize_char(self, v: char) -> Result<(), ParamsError> {
        self.text(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), ParamsError> {
        self.text(v)
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), ParamsError> {
        Err(unsupported("bytes"))
    }
    /// `None` is left out: an unset `Option` field is not sent.
    fn serialize_none(self) -> Result<(), ParamsError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), ParamsError> {
        v.serialize(self)
    }
    /// A JSON `null` or `()` is left out, as `None` is: unsetting is asked with
    /// [`super::Unset`].
    fn serialize_unit(self) -> Result<(), ParamsError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ParamsError> {
        Ok(())
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), ParamsError> {
        self.text(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), ParamsError> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        v: &T,
    ) -> Result<(), ParamsError> {
        let depth = self.deeper()?;
        let me = self.under_variant(variant)?;
        v.serialize(ValueSer {
            out: me.out,
            name: me.name,
            depth,
        })
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Items<'a, 'o>, ParamsError> {
        let depth = self.deeper()?;
        let len = self.name.len();
        Ok(Items {
            out: self.out,
            name: self.name,
            len,
            depth,
            index: 0,
        })
    }
    fn serialize_tuple(self, len: usize) -> Result<Items<'a, 'o>, ParamsError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> Result<Items<'a, 'o>, ParamsError> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Items<'a, 'o>, ParamsError> {
        self.under_variant(variant)?.serialize_seq(Some(len))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Fields<'a, 'o>, ParamsError> {
        let depth = self.deeper()?;
        Ok(Fields::nested(self.out, self.name, depth))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Fields<'a, 'o>, ParamsError> {
        let depth = self.deeper()?;
        Ok(Fields::nested(self.out, self.name, depth))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Fields<'a, 'o>, ParamsError> {
        let depth = self.deeper()?;
        let me = self.under_variant(variant)?;
        Ok(Fields::nested(me.out, me.name, depth))
    }
}
