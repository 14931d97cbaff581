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
use std::sync::OnceLock;

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::{Serialize, Serializer};
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
    fn build<E: de::Error>(parts: Self::Parts, extra: Extra) -> Result<Self, E>;
}

/// The members of an object that its type does not know, kept as read. Most objects have none,
/// and then this holds nothing: no map is built or dropped per parse, and the structs that hold
/// it are smaller to move (callgrind, 10,000 parses of a thin notification: 134.5 M
/// instructions with four `Map`s, 128.7 M with this and `parse_payload` inlined; a plain
/// derived struct 126.7 M).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Extra(Option<Box<Map<String, Value>>>);

impl Extra {
    /// Keeps a member.
    fn insert(&mut self, key: String, value: Value) {
        self.0.get_or_insert_default().insert(key, value);
    }

    /// The members kept (an empty map when there are none).
    pub(super) fn as_map(&self) -> &Map<String, Value> {
        static EMPTY: OnceLock<Map<String, Value>> = OnceLock::new();
        self.0
            .as_deref()
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new))
    }
}

/// Written back as the map it is (under `#[serde(flatten)]`: as the object's own members).
impl Serialize for Extra {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.as_map().serialize(s)
    }
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
        let mut extra = Extra::default();
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
