//! Form encoding of params in Stripe's nested bracket form:
//! `metadata[order]=42`, `items[0][price]=p_1`, booleans as `true`/`false`. [`encode`] is a
//! `serde::Serializer`: no intermediate tree is built.
//!
//! # What is sent, and what is not
//!
//! Stripe reads an empty value (`name=`) as "unset this field"; an empty `metadata=` wipes
//! every metadata key. So nothing empty is sent by accident:
//!
//! - `None`, a JSON `null`, `()`, an empty map, an empty struct (or one whose fields are all
//!   left out) and an empty sequence send **nothing**: the field is left as it is.
//! - An unset is asked explicitly with [`Unset`], which sends `name=`: as a struct field
//!   (`metadata: Unset`, or `Option<Unset>` for "sometimes"), as a map value (one metadata
//!   key: `{"order": Unset}`), as a pair (`("email", Unset)`), or in `serde_json::json!`
//!   (`json!({"metadata": Unset})`: there it becomes `""`, which sends the same `name=`).
//! - The empty string is a value like any other and also sends `name=`: Stripe reads it as an
//!   unset too.
//!
//! # Sequences
//!
//! A sequence is sent with indices, `items[0]=a&items[1]=b`, as Stripe's own libraries send
//! arrays. An element that sends nothing (`None`, `null`, an empty map) takes no index: the
//! elements after it are renumbered, `[Some(1), None, Some(3)]` is `items[0]=1&items[1]=3`, so
//! Stripe never sees a hole in an array.
//!
//! # Names in bracket form
//!
//! In a list of `(name, value)` pairs, a name may already be in bracket form, as with curl's
//! `-d`: `("metadata[order]", "42")`, and `("expand[]", "customer")` as in Stripe's API
//! reference, for a list built one value per pair (`name[]` and `a[b][]` are sent as
//! written, brackets percent-encoded). A `name[]` takes a single value per pair; the typed
//! way to a whole list is a sequence (`("expand", ["customer", "invoice"])`, sent with
//! indices). Map and struct keys are plain names.
//!
//! # API v2: JSON bodies, repeated query names
//!
//! A `/v2/...` request sends its POST body as JSON ([`encode_json`]) and its GET or DELETE
//! params in the query with a list's name repeated (`include=a&include=b`, as the official
//! SDKs send v2 lists), from the same `Serialize` params under the same rules: `None`, `()`
//! and `null` send nothing, [`Unset`] sends `null` (v2's unset). In JSON an empty map or
//! list is a value like any other (`{}`, `[]`), and a pair's name is a plain name.

use serde::Serialize;

mod json;
mod key;
mod top;
mod value;

use crate::error::ParamsError;

/// Nesting deeper than this is refused.
const MAX_DEPTH: usize = 32;

/// Encodes any `Serialize` value whose top level is a map (a struct, a `HashMap`, a
/// `serde_json` object) or a list of `(name, value)` pairs into
/// `application/x-www-form-urlencoded` text, in one pass with no intermediate tree.
///
/// - Nested maps and structs become `name[key]`, sequences `name[0]`; booleans are
///   `true`/`false`; unit enum variants their name.
/// - `None`, `null`, `()` and empty containers send nothing; [`Unset`] sends `name=`,
///   Stripe's way to unset a field (see the [module docs](self)).
/// - Elements of a sequence that send nothing take no index: the rest are renumbered.
/// - A pair's name may already be in bracket form (`("metadata[order]", "42")`,
///   `("expand[]", "customer")`), as with curl's `-d`; map keys may not be empty or hold
///   `[`, `]` or control characters.
/// - Bytes, non-finite floats and nesting deeper than 32 levels are typed errors; a pair's
///   name in bracket form counts its levels as nesting does (`a[b][c]` is three).
pub fn encode<T: Serialize + ?Sized>(params: &T) -> Result<String, ParamsError> {
    form(params, true)
}

/// The bracket form with a sequence's elements under their index (`name[0]`, v1) or under
/// the name repeated (`name=a&name=b`, a v2 query).
pub(crate) fn form<T: Serialize + ?Sized>(
    params: &T,
    indexed: bool,
) -> Result<String, ParamsError> {
    let mut out = top::Form::new(indexed);
    params.serialize(top::Top { out: &mut out })?;
    Ok(out.finish())
}

/// Encodes any `Serialize` value whose top level is a map, a struct or a list of
/// `(name, value)` pairs (as for [`encode`]) into a JSON object, the body of an API v2 POST,
/// in one pass with no intermediate tree. Members keep their order.
///
/// - `None`, `()` and `null` send nothing (the member is left out, a list's element too);
///   [`Unset`] sends `null`, v2's way to unset a field.
/// - Empty maps and lists are sent (`{}`, `[]`); numbers and booleans keep their JSON type.
/// - Bytes, non-finite floats, a key that is empty or holds `[`, `]` or a control character,
///   and nesting deeper than 32 levels are typed errors.
///
/// ```
/// use serde_json::json;
/// use stripe_core::params::{Unset, encode_json};
///
/// #[derive(serde::Serialize)]
/// struct Update { display_name: Option<String>, contact_email: Option<Unset>, limit: u32 }
/// let update = Update { display_name: None, contact_email: Some(Unset), limit: 3 };
/// assert_eq!(encode_json(&update)?, r#"{"contact_email":null,"limit":3}"#);
/// assert_eq!(encode_json(&[("event_name", "api_call")])?, r#"{"event_name":"api_call"}"#);
/// assert_eq!(encode_json(&json!({"payload": {"value": "25"}}))?, r#"{"payload":{"value":"25"}}"#);
/// # Ok::<(), stripe_core::ParamsError>(())
/// ```
pub fn encode_json<T: Serialize + ?Sized>(params: &T) -> Result<String, ParamsError> {
    json::encode(params)
}

/// The name [`Unset`] serializes under, which the JSON encoder writes as `null`.
const UNSET: &str = "stripe_core::params::Unset";

/// Asks Stripe to unset a field: sends `name=` (an empty value), which Stripe reads as
/// "remove this value" (an unset `metadata` removes every key, an unset `metadata[key]` that
/// key).
///
/// Without it nothing empty is sent: `None`, `null` and empty containers are left out. It
/// serializes as the empty string (a newtype of it, which a v2 JSON body sends as `null`), so
/// it survives `serde_json::json!` and `to_value` (there as `""`):
///
/// ```
/// use serde_json::json;
/// use stripe_core::params::{Unset, encode};
///
/// #[derive(serde::Serialize)]
/// struct Update {
///     description: Option<Unset>,
///     email: Option<String>,
/// }
/// let update = Update { description: Some(Unset), email: None };
/// assert_eq!(encode(&update)?, "description=");
/// assert_eq!(encode(&json!({"metadata": {"order": Unset}}))?, "metadata%5Border%5D=");
/// assert_eq!(encode(&json!({"metadata": {}}))?, "", "an empty map sends nothing");
/// # Ok::<(), stripe_core::ParamsError>(())
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Unset;

impl Serialize for Unset {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(UNSET, "")
    }
}

/// Checks pre-encoded params: visible ASCII only, `%` escapes well formed.
pub(crate) fn check_encoded(encoded: &str) -> Result<(), ParamsError> {
    let bytes = encoded.as_bytes();
    for (offset, &b) in bytes.iter().enumerate() {
        let bad_escape = b == b'%'
            && !bytes
                .get(offset + 1..offset + 3)
                .is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit));
        if !b.is_ascii_graphic() || b == b'#' || bad_escape {
            return Err(ParamsError::Encoded { offset });
        }
    }
    Ok(())
}

pub(crate) fn check_key(key: &str, parent: &str) -> Result<(), ParamsError> {
    if key.is_empty() || key.chars().any(|c| c == '[' || c == ']' || c.is_control()) {
        return Err(ParamsError::Key {
            at: if parent.is_empty() {
                key.to_owned()
            } else {
                format!("{parent}[{key}]")
            },
        });
    }
    Ok(())
}

/// A pair's name may already be in bracket form (`metadata[order]`, `items[0][price]`,
/// `expand[]`), as with curl's `-d`; it must be well formed: `head` then `[segment]`s, none
/// empty but the last (`name[]`, `a[b][]`). Returns its levels (the head and each segment,
/// `[]` included), which count toward [`MAX_DEPTH`] as a nested value's do.
pub(crate) fn check_pair_name(name: &str) -> Result<usize, ParamsError> {
    let bad = || ParamsError::Key {
        at: name.to_owned(),
    };
    let (head, mut rest) = name.split_once('[').map_or((name, ""), |(h, r)| (h, r));
    check_key(head, "").map_err(|_| bad())?;
    let mut levels = 1;
    if name.contains('[') {
        rest = rest.strip_suffix(']').ok_or_else(bad)?;
        let mut segments = rest.split("][").peekable();
        while let Some(segment) = segments.next() {
            levels += 1;
            if levels > MAX_DEPTH {
                return Err(ParamsError::TooDeep);
            }
            let last = segments.peek().is_none();
            if !(last && segment.is_empty()) {
                check_key(segment, "").map_err(|_| bad())?;
            }
        }
    }
    Ok(levels)
}
