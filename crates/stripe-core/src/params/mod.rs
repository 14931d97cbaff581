//! Form encoding of params in Stripe's nested bracket form:
//! `metadata[order]=42`, `items[0][price]=p_1`, booleans as `true`/`false`, `null` as an empty
//! value (Stripe's way to unset a field). [`encode`] is a `serde::Serializer`: no intermediate
//! tree is built.

use serde::Serialize;

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
/// - `None` is left out (an `Option` field you did not set is not sent); a JSON `null`, an empty
///   map or an empty sequence is sent as `name=`, Stripe's way to unset a field.
/// - A pair's name may already be in bracket form (`("metadata[order]", "42")`), as with
///   curl's `-d`; map keys may not be empty or hold `[`, `]` or control characters.
/// - Bytes, non-finite floats and nesting deeper than 32 levels are typed errors.
pub fn encode<T: Serialize + ?Sized>(params: &T) -> Result<String, ParamsError> {
    let mut out = form_urlencoded::Serializer::new(String::new());
    params.serialize(top::Top { out: &mut out })?;
    Ok(out.finish())
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

/// A pair's name may already be in bracket form (`metadata[order]`, `items[0][price]`), as
/// with curl's `-d`; it must be well formed: `head` then `[segment]`s, none empty.
pub(crate) fn check_pair_name(name: &str) -> Result<(), ParamsError> {
    let bad = || ParamsError::Key {
        at: name.to_owned(),
    };
    let (head, mut rest) = name.split_once('[').map_or((name, ""), |(h, r)| (h, r));
    check_key(head, "").map_err(|_| bad())?;
    if name.contains('[') {
        rest = rest.strip_suffix(']').ok_or_else(bad)?;
        for segment in rest.split("][") {
            check_key(segment, "").map_err(|_| bad())?;
        }
    }
    Ok(())
}
