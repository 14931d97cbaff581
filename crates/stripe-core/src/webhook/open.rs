//! Reading an object whose known members are typed and whose other members are kept: one
//! visitor for every event type of this module ([`Open`], [`deserialize`]).
//!
//! serde's `#[serde(flatten)]` keeps unknown members too, but costs a thin notification 1.15x
//! the time of a plain derived struct (measured with `bench/events.sh` before this file); this
//! reads each known member straight into its type, as a derived struct does, and only an
//! unknown one into a `serde_json::Value`.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// An object read member by member: its known members go into `Parts`, the others are kept.
pub(super) trait Open<'de>: Sized {
    /// What the object is, for errors ("a thin event notification").
    const EXPECTING: &'static str;
    /// The known members read so far.
    type Parts;
    /// No member read yet.
    fn parts() -> Self::Parts;
    /// Reads the value of `key` into `parts` when it is a known member (true), or leaves it
    /// unread (false).
    fn member<A: MapAccess<'de>>(
        parts: &mut Self::Parts,
        key: &str,
        map: &mut A,
    ) -> Result<bool, A::Error>;
    /// The object from its known members, or the error naming a missing one.
    fn build<E: de::Error>(parts: Self::Parts, extra: Map<String, Value>) -> Result<Self, E>;
}

/// Reads an [`Open`] object.
#[inline]
pub(super) fn deserialize<'de, D: Deserializer<'de>, T: Open<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(OpenVisitor(PhantomData))
}

/// Reads the value of a member into its slot; a member given twice is an error, as serde's.
#[inline]
pub(super) fn set<'de, A: MapAccess<'de>, V: Deserialize<'de>>(
    slot: &mut Option<V>,
    name: &'static str,
    map: &mut A,
) -> Result<bool, A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(true)
}

/// A required member's value, or the error naming it.
#[inline]
pub(super) fn required<V, E: de::Error>(slot: Option<V>, name: &'static str) -> Result<V, E> {
    slot.ok_or_else(|| E::missing_field(name))
}

/// `Deserialize` for each (non-generic) [`Open`] type, through [`deserialize`].
macro_rules! deserialize_open {
    ($($ty:ty),*) => {$(
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::webhook::open::deserialize(d)
            }
        }
    )*};
}
pub(super) use deserialize_open;

struct OpenVisitor<T>(PhantomData<T>);

impl<'de, T: Open<'de>> Visitor<'de> for OpenVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    #[inline]
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut parts = T::parts();
        let mut extra = Map::new();
        while let Some(Key(key)) = map.next_key()? {
            if !T::member(&mut parts, &key, &mut map)? {
                let value: Value = map.next_value()?;
                extra.insert(key.into_owned(), value);
            }
        }
        T::build(parts, extra)
    }
}

/// A member's name, borrowed from the input when it has no escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    #[inline]
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    #[inline]
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(v)))
    }
}
