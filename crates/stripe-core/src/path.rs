//! Validation of request paths: only relative Stripe paths such as `/v1/charges/ch_1?expand[]=x`
//! are accepted, so the secret key can never be sent anywhere but the configured API base.

use crate::error::RequestError;

fn reject(path: &str, reason: &'static str) -> RequestError {
    RequestError::Path {
        path: path.to_owned(),
        reason,
    }
}

/// Checks that `path` is `/v<digits>/...` with an optional query, and nothing that could
/// change the host, escape the API root, or split the request line.
pub(crate) fn validate(path: &str) -> Result<(), RequestError> {
    if plainly_valid(path.as_bytes()) {
        return Ok(());
    }
    validate_closely(path)
}

/// Bytes that need no closer look anywhere in a path or query: letters, digits and the
/// delimiters of Stripe's paths and forms. Not among them: `.` (dot segments), `%` (escapes),
/// `:` and `@` (credentials), and whatever a URI refuses or a request line cannot carry.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'/' | b'?' | b'=' | b'&' | b'[' | b']' | b'-' | b'_' | b'~' | b'+' | b',' | b'*'
            );
        b += 1;
    }
    t
};

/// One pass over the common case: `/v<digits>/<something>`, then only [`PLAIN`] bytes. What it
/// accepts, [`validate_closely`] accepts too (a property test holds them together); what it
/// does not, gets the close look and its precise reason.
fn plainly_valid(path: &[u8]) -> bool {
    if path.len() > crate::MAX_PATH_BYTES || !path.starts_with(b"/v") {
        return false;
    }
    let digits = path[2..].iter().take_while(|b| b.is_ascii_digit()).count();
    let rest = &path[2 + digits..];
    digits > 0
        && rest.first() == Some(&b'/')
        && rest.get(1).is_some_and(|&b| b != b'?')
        && rest.iter().all(|&b| PLAIN[usize::from(b)])
}

/// Every check, in order, each with its own reason.
fn validate_closely(path: &str) -> Result<(), RequestError> {
    if path.is_empty() {
        return Err(reject(path, "is empty"));
    }
    if path.len() > crate::MAX_PATH_BYTES {
        return Err(RequestError::TooLong {
            len: path.len(),
            max: crate::MAX_PATH_BYTES,
        });
    }
    if let Some(b) = path.bytes().find(|b| !b.is_ascii_graphic()) {
        return Err(reject(
            path,
            if b == b' ' {
                "holds a space"
            } else {
                "holds a control character or a non-ASCII byte"
            },
        ));
    }
    if path.starts_with("//") {
        return Err(reject(path, "starts with '//' (an authority), not a path"));
    }
    if !path.starts_with('/') {
        return Err(reject(
            path,
            "is not relative: it must start with '/v1/' (a scheme or host is never accepted)",
        ));
    }
    if path.contains('#') {
        return Err(reject(path, "holds a fragment ('#')"));
    }
    if path.contains('\\') {
        return Err(reject(path, "holds a backslash"));
    }
    let (route, query) = match path.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (path, None),
    };
    let mut segments = route[1..].split('/');
    let version = segments.next().unwrap_or("");
    let digits = version.strip_prefix('v').unwrap_or("");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(reject(
            path,
            "must start with an API version such as '/v1/'",
        ));
    }
    for segment in route[1..].split('/') {
        // Most segments hold no escape: check them as they are, without decoding a copy.
        let decoded = if segment.contains('%') {
            std::borrow::Cow::Owned(
                percent_decode(segment).ok_or_else(|| reject(path, "holds a bad %-escape"))?,
            )
        } else {
            std::borrow::Cow::Borrowed(segment.as_bytes())
        };
        if *decoded == *b"." || *decoded == *b".." {
            return Err(reject(path, "holds a '.' or '..' segment"));
        }
        if decoded
            .iter()
            .any(|&b| b == b'/' || b == b'\\' || !b.is_ascii_graphic())
        {
            return Err(reject(
                path,
                "holds an escaped '/', '\\', space or control character",
            ));
        }
        if segment.contains(':') && segment.contains('@') {
            return Err(reject(path, "looks like it carries credentials or a host"));
        }
    }
    if route.len() <= version.len() + 2 {
        return Err(reject(path, "names no resource after the version"));
    }
    // What `http::uri::PathAndQuery` refuses among visible ASCII (a test keeps this in step),
    // checked here without building one: the call builds the URI once, later.
    if route.bytes().any(|b| matches!(b, b'<' | b'>' | b'`'))
        || query.is_some_and(|q| q.bytes().any(|b| matches!(b, b'<' | b'>' | b'"')))
    {
        return Err(reject(path, "is not a valid URI path"));
    }
    if query.is_some_and(|q| !escapes_are_whole(q)) {
        return Err(reject(path, "holds a bad %-escape in the query"));
    }
    Ok(())
}

/// Whether every `%` of `s` starts a whole `%XX` escape.
fn escapes_are_whole(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.iter().enumerate().all(|(i, &b)| {
        b != b'%'
            || (bytes.get(i + 1).copied().and_then(hex).is_some()
                && bytes.get(i + 2).copied().and_then(hex).is_some())
    })
}

/// Decodes `%XX` escapes; `None` if an escape is malformed.
pub(crate) fn percent_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hi = hex(*bytes.get(i + 1)?)?;
            let lo = hex(*bytes.get(i + 2)?)?;
            out.push(hi << 4 | lo);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    proptest! {
        /// The one-pass check never accepts what the close look refuses.
        #[test]
        fn the_plain_check_accepts_only_what_the_close_one_accepts(
            text in "(/v[0-9]{0,2})?(/[a-z0-9_.%:@?&=\\[\\]#<> -]{0,6}){0,4}"
        ) {
            if super::plainly_valid(text.as_bytes()) {
                prop_assert!(super::validate_closely(&text).is_ok(), "{text:?}");
            }
        }
    }

    /// The one-pass check takes Stripe's common paths (a `.` gets the close look).
    #[test]
    fn the_plain_check_takes_stripes_paths() {
        for path in [
            "/v1/charges",
            "/v1/charges/ch_3PbQx2LkdIwHu7ix0rbXyZ1a",
            "/v1/customers?limit=3&expand[]=data.x",
            "/v1/customers/search?query=email~x",
        ] {
            assert_eq!(
                super::plainly_valid(path.as_bytes()),
                !path.contains('.'),
                "{path}"
            );
            assert!(super::validate(path).is_ok(), "{path}");
        }
    }

    /// Among visible ASCII, `validate` refuses exactly what `http::uri::PathAndQuery` refuses
    /// (or changes), in the path and in the query.
    #[test]
    fn the_byte_check_matches_the_uri_parser() {
        for b in 0x21u8..=0x7e {
            let c = char::from(b);
            for text in [format!("/v1/a{c}b"), format!("/v1/a?x{c}y")] {
                let parsed = http::uri::PathAndQuery::try_from(text.as_str())
                    .is_ok_and(|p| p.as_str() == text);
                let ours = super::validate(&text).is_ok();
                // Stricter on purpose: '#' and '\\' are refused, '%' must start an escape; '?'
                // starts the query.
                if !matches!(c, '#' | '\\' | '?' | '%') {
                    assert_eq!(ours, parsed, "{text:?}");
                }
            }
        }
    }
}
