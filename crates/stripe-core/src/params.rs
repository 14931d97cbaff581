//! Form encoding of params in Stripe's nested bracket form:
//! `metadata[order]=42`, `items[0][price]=p_1`, booleans as `true`/`false`, `null` as an empty
//! value (Stripe's way to unset a field).

use serde::Serialize;
use serde_json::Value;

use crate::error::ParamsError;

const MAX_DEPTH: usize = 32;

/// Encodes any `Serialize` value whose top level is a map (a struct, a `HashMap`, a
/// `serde_json` object) or a list of `(name, value)` pairs into `application/x-www-form-urlencoded` text.
///
/// Empty nested maps and arrays encode as `name=` (Stripe's "unset"), so nothing is silently
/// dropped. Keys may not be empty or hold `[`, `]` or control characters.
pub fn encode<T: Serialize + ?Sized>(params: &T) -> Result<String, ParamsError> {
    let value = serde_json::to_value(params).map_err(ParamsError::Serialize)?;
    let mut out = form_urlencoded::Serializer::new(String::new());
    let mut name = String::with_capacity(64);
    match &value {
        Value::Object(map) => {
            for (k, v) in map {
                check_key(k, "")?;
                name.clear();
                name.push_str(k);
                flatten(&mut name, v, &mut out, 1)?;
            }
        }
        Value::Null => {}
        Value::Array(pairs) if pairs.iter().all(is_pair) => {
            for pair in pairs {
                if let [Value::String(k), v] = pair.as_array().map(Vec::as_slice).unwrap_or(&[]) {
                    check_pair_name(k)?;
                    name.clear();
                    name.push_str(k);
                    flatten(&mut name, v, &mut out, 1)?;
                }
            }
        }
        other => {
            return Err(ParamsError::NotAMap {
                found: type_name(other),
            });
        }
    }
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

/// `["name", value]`: one element of a list of pairs such as `&[("amount", "2000")]`.
fn is_pair(v: &Value) -> bool {
    matches!(v.as_array().map(Vec::as_slice), Some([Value::String(_), _]))
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "a map",
    }
}

fn check_key(key: &str, parent: &str) -> Result<(), ParamsError> {
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
fn check_pair_name(name: &str) -> Result<(), ParamsError> {
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

/// Appends `value` under `name`; `name` is a buffer that nested keys extend and then restore,
/// so a deep tree costs no allocation per name.
fn flatten(
    name: &mut String,
    value: &Value,
    out: &mut form_urlencoded::Serializer<'_, String>,
    depth: usize,
) -> Result<(), ParamsError> {
    if depth > MAX_DEPTH {
        return Err(ParamsError::TooDeep);
    }
    match value {
        Value::Null => {
            out.append_pair(name, "");
        }
        Value::Bool(b) => {
            out.append_pair(name, if *b { "true" } else { "false" });
        }
        Value::Number(n) => {
            out.append_pair(name, &n.to_string());
        }
        Value::String(s) => {
            out.append_pair(name, s);
        }
        Value::Array(items) if items.is_empty() => {
            out.append_pair(name, "");
        }
        Value::Array(items) => {
            let len = name.len();
            for (i, item) in items.iter().enumerate() {
                use std::fmt::Write as _;
                // Writing to a String cannot fail.
                let _ = write!(name, "[{i}]");
                flatten(name, item, out, depth + 1)?;
                name.truncate(len);
            }
        }
        Value::Object(map) if map.is_empty() => {
            out.append_pair(name, "");
        }
        Value::Object(map) => {
            let len = name.len();
            for (k, v) in map {
                check_key(k, name)?;
                name.push('[');
                name.push_str(k);
                name.push(']');
                flatten(name, v, out, depth + 1)?;
                name.truncate(len);
            }
        }
    }
    Ok(())
}
