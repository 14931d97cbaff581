//! The top level of params, the same for the bracket form and for JSON: a map, a struct, a
//! list of `(name, value)` pairs, or nothing. What the fields become is the [`Out`]'s.

use serde::ser::{self, Impossible, Serialize};

use super::check_pair_name;
use super::key::KeySer;
use super::value::{Fields, ValueSer};
use crate::error::ParamsError;

/// Where the top level's fields go: the bracket form ([`Form`]) or a JSON object
/// ([`super::json::JsonOut`]).
pub(super) trait Out {
    /// The fields of a top-level map or struct.
    type Fields<'a>: ser::SerializeMap<Ok = (), Error = ParamsError>
        + ser::SerializeStruct<Ok = (), Error = ParamsError>
    where
        Self: 'a;
    /// The fields of a top-level map or struct, written here.
    fn fields(&mut self) -> Self::Fields<'_>;
    /// One `(name, value)` pair of a top-level list; `name` is as given, checked here.
    fn pair<T: Serialize + ?Sized>(&mut self, name: String, value: &T) -> Result<(), ParamsError>;
}

/// The form being written, and how many pairs it holds (a sequence numbers only the
/// elements that sent something).
pub(super) struct Form<'o> {
    pairs: form_urlencoded::Serializer<'o, String>,
    count: usize,
    /// Whether a sequence's elements carry their index (`name[0]`, v1) or repeat the name
    /// (`name=a&name=b`, v2 queries).
    indexed: bool,
}

impl<'o> Out for Form<'o> {
    type Fields<'a>
        = Fields<'a, 'o>
    where
        Self: 'a;
    fn fields(&mut self) -> Fields<'_, 'o> {
        Fields::top(self)
    }
    fn pair<T: Serialize + ?Sized>(
        &mut self,
        mut name: String,
        value: &T,
    ) -> Result<(), ParamsError> {
        let depth = check_pair_name(&name)?;
        value.serialize(ValueSer {
            out: self,
            name: &mut name,
            depth,
        })
    }
}

impl Form<'_> {
    pub(super) fn new(indexed: bool) -> Self {
        Self {
            pairs: form_urlencoded::Serializer::new(String::new()),
            count: 0,
            indexed,
        }
    }

    /// Whether a sequence's elements carry their index.
    pub(super) fn indexed(&self) -> bool {
        self.indexed
    }

    pub(super) fn append_pair(&mut self, name: &str, value: &str) {
        self.pairs.append_pair(name, value);
        self.count += 1;
    }

    /// Pairs written so far.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    pub(super) fn finish(mut self) -> String {
        self.pairs.finish()
    }
}

impl ser::Error for ParamsError {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self::Unsupported(msg.to_string())
    }
}

/// The top level: a map, a struct, a sequence of `(name, value)` pairs, or nothing.
pub(super) struct Top<'a, O> {
    pub(super) out: &'a mut O,
}

fn not_a_map(found: &'static str) -> ParamsError {
    ParamsError::NotAMap { found }
}

macro_rules! top_rejects {
    ($($method:ident($($ty:ty),*) => $found:literal;)*) => {
        $(fn $method(self, $(_: $ty),*) -> Result<(), ParamsError> { Err(not_a_map($found)) })*
    };
}

impl<'a, O: Out> ser::Serializer for Top<'a, O> {
    type Ok = ();
    type Error = ParamsError;
    type SerializeSeq = Pairs<'a, O>;
    type SerializeTuple = Pairs<'a, O>;
    type SerializeTupleStruct = Impossible<(), ParamsError>;
    type SerializeTupleVariant = Impossible<(), ParamsError>;
    type SerializeMap = O::Fields<'a>;
    type SerializeStruct = O::Fields<'a>;
    type SerializeStructVariant = Impossible<(), ParamsError>;

    top_rejects! {
        serialize_bool(bool) => "a boolean";
        serialize_i8(i8) => "a number";
        serialize_i16(i16) => "a number";
        serialize_i32(i32) => "a number";
        serialize_i64(i64) => "a number";
        serialize_i128(i128) => "a number";
        serialize_u8(u8) => "a number";
        serialize_u16(u16) => "a number";
        serialize_u32(u32) => "a number";
        serialize_u64(u64) => "a number";
        serialize_u128(u128) => "a number";
        serialize_f32(f32) => "a number";
        serialize_f64(f64) => "a number";
        serialize_char(char) => "a string";
        serialize_str(&str) => "a string";
        serialize_bytes(&[u8]) => "bytes";
        serialize_unit_variant(&'static str, u32, &'static str) => "an enum";
    }

    fn serialize_none(self) -> Result<(), ParamsError> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), ParamsError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), ParamsError> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), ParamsError> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), ParamsError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), ParamsError> {
        Err(not_a_map("an enum"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Pairs<'a, O>, ParamsError> {
        Ok(Pairs { out: self.out })
    }
    /// An array such as `[("amount", "2000"), ("currency", "usd")]` serializes as a tuple.
    fn serialize_tuple(self, _: usize) -> Result<Pairs<'a, O>, ParamsError> {
        Ok(Pairs { out: self.out })
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, ParamsError> {
        Err(not_a_map("a tuple"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ParamsError> {
        Err(not_a_map("an enum"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<O::Fields<'a>, ParamsError> {
        Ok(self.out.fields())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<O::Fields<'a>, ParamsError> {
        Ok(self.out.fields())
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ParamsError> {
        Err(not_a_map("an enum"))
    }
}

/// A top-level sequence: each element must be a `(name, value)` pair.
pub(super) struct Pairs<'a, O> {
    out: &'a mut O,
}

macro_rules! pairs_impl {
    ($($trait:ident),*) => {$(
        impl<O: Out> ser::$trait for Pairs<'_, O> {
            type Ok = ();
            type Error = ParamsError;
            fn serialize_element<T: Serialize + ?Sized>(&mut self, pair: &T) -> Result<(), ParamsError> {
                pair.serialize(PairSer { out: self.out })
            }
            fn end(self) -> Result<(), ParamsError> {
                Ok(())
            }
        }
    )*};
}
pairs_impl!(SerializeSeq, SerializeTuple);

/// One `(name, value)` pair of a top-level sequence.
struct PairSer<'a, O> {
    out: &'a mut O,
}

/// The pair's two halves as they arrive.
struct PairFields<'a, O> {
    out: &'a mut O,
    name: Option<String>,
}

impl<'a, O: Out> ser::Serializer for PairSer<'a, O> {
    type Ok = ();
    type Error = ParamsError;
    type SerializeSeq = Impossible<(), ParamsError>;
    type SerializeTuple = PairFields<'a, O>;
    type SerializeTupleStruct = Impossible<(), ParamsError>;
    type SerializeTupleVariant = Impossible<(), ParamsError>;
    type SerializeMap = Impossible<(), ParamsError>;
    type SerializeStruct = Impossible<(), ParamsError>;
    type SerializeStructVariant = Impossible<(), ParamsError>;

    top_rejects! {
        serialize_bool(bool) => "a list of values";
        serialize_i8(i8) => "a list of values";
        serialize_i16(i16) => "a list of values";
        serialize_i32(i32) => "a list of values";
        serialize_i64(i64) => "a list of values";
        serialize_i128(i128) => "a list of values";
        serialize_u8(u8) => "a list of values";
        serialize_u16(u16) => "a list of values";
        serialize_u32(u32) => "a list of values";
        serialize_u64(u64) => "a list of values";
        serialize_u128(u128) => "a list of values";
        serialize_f32(f32) => "a list of values";
        serialize_f64(f64) => "a list of values";
        serialize_char(char) => "a list of values";
        serialize_str(&str) => "a list of values";
        serialize_bytes(&[u8]) => "a list of values";
        serialize_none() => "a list of values";
        serialize_unit() => "a list of values";
        serialize_unit_struct(&'static str) => "a list of values";
        serialize_unit_variant(&'static str, u32, &'static str) => "a list of values";
    }

    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), ParamsError> {
        v.serialize(self)
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
        _: &'static str,
        _: &T,
    ) -> Result<(), ParamsError> {
        Err(not_a_map("a list of values"))
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, ParamsError> {
        Err(not_a_map("a list of lists"))
    }
    fn serialize_tuple(self, len: usize) -> Result<PairFields<'a, O>, ParamsError> {
        if len == 2 {
            Ok(PairFields {
                out: self.out,
                name: None,
            })
        } else {
            Err(not_a_map("a list of tuples that are not pairs"))
        }
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleStruct, ParamsError> {
        Err(not_a_map("a list of values"))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeTupleVariant, ParamsError> {
        Err(not_a_map("a list of values"))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, ParamsError> {
        Err(not_a_map("a list of maps"))
    }
    fn serialize_struct(
        self,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStruct, ParamsError> {
        Err(not_a_map("a list of structs"))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self::SerializeStructVariant, ParamsError> {
        Err(not_a_map("a list of values"))
    }
}

impl<O: Out> ser::SerializeTuple for PairFields<'_, O> {
    type Ok = ();
    type Error = ParamsError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), ParamsError> {
        match self.name.take() {
            None => {
                self.name = Some(v.serialize(KeySer { parent: "" })?);
                Ok(())
            }
            // The second element: the value. `serialize_tuple` took only pairs, so no third
            // element follows.
            Some(name) => self.out.pair(name, v),
        }
    }
    fn end(self) -> Result<(), ParamsError> {
        Ok(())
    }
}
