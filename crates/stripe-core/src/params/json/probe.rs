//! Whether a value sends anything ([`sends`]): the [`Probe`] serializer looks at its first call
//! only.

use serde::ser::{self, Impossible, Serialize};

use crate::params::UNSET;

/// Whether `value` sends something: `None`, `()`, a JSON `null` and a unit struct do not;
/// [`Unset`](crate::params::Unset) does (it is `null`).
pub(super) fn sends<T: Serialize + ?Sized>(value: &T) -> bool {
    value.serialize(Probe).is_err()
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
