//! An answer Stripe gave, as the journal records it, and the one member it reads out of the
//! body (the object's id).

use std::fmt;

/// An answer Stripe gave, as recorded: HTTP status, the object id (the body's top-level `"id"`,
/// if any) and the body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    status: u16,
    object_id: Option<String>,
    body: String,
}

impl Answer {
    /// An answer; the object id is read from the body's top-level `"id"` string, if any.
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        let body = body.into();
        let object_id = top_level_id(&body);
        Self {
            status,
            object_id,
            body,
        }
    }

    /// An answer with every field given (as read back from a store).
    pub fn from_parts(status: u16, object_id: Option<String>, body: impl Into<String>) -> Self {
        Self {
            status,
            object_id,
            body: body.into(),
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The id of the object created or changed (`ch_...`, `pi_...`), if the body had one.
    pub fn object_id(&self) -> Option<&str> {
        self.object_id.as_deref()
    }

    /// The body as Stripe sent it (data, never to be printed raw to a terminal).
    pub fn body(&self) -> &str {
        &self.body
    }
}

/// The body's top-level `"id"`, if the body is one JSON object whose `id` is a string (the last
/// one, if repeated), read without building the body's tree: an answer's body is recorded on
/// every run, and building its tree to read one member cost as much as the rest of the run's
/// own work.
fn top_level_id(body: &str) -> Option<String> {
    use serde::Deserializer as _;
    use serde::de::{self, IgnoredAny, MapAccess, Visitor};

    /// A member's name, read only to know whether it is `id`.
    struct IsId(bool);
    impl<'de> de::Deserialize<'de> for IsId {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct Name;
            impl Visitor<'_> for Name {
                type Value = IsId;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a member name")
                }
                fn visit_str<E: de::Error>(self, name: &str) -> Result<IsId, E> {
                    Ok(IsId(name == "id"))
                }
            }
            d.deserialize_str(Name)
        }
    }

    struct TopId;
    impl<'de> Visitor<'de> for TopId {
        type Value = Option<String>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut id = None;
            while let Some(IsId(is_id)) = map.next_key()? {
                if is_id {
                    id = map
                        .next_value::<serde_json::Value>()?
                        .as_str()
                        .map(str::to_owned);
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(id)
        }
    }

    let mut reader = serde_json::Deserializer::from_str(body);
    let id = reader.deserialize_map(TopId).ok()?;
    reader.end().ok()?;
    id
}
