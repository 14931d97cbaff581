//! API-key authentication: `Basic base64("sk_test_...:")` or `Bearer sk_test_...`.

use http::HeaderMap;

use super::errors::ApiError;

/// Returns the secret key of a request, or the 401 to answer.
pub(crate) fn authenticate(headers: &HeaderMap) -> Result<String, ApiError> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.".to_owned(),
        ));
    };
    let raw = value.to_str().map_err(|_| malformed())?.trim();
    let (scheme, rest) = raw.split_once(' ').ok_or_else(malformed)?;
    let key = if scheme.eq_ignore_ascii_case("bearer") {
        rest.trim().to_owned()
    } else if scheme.eq_ignore_ascii_case("basic") {
        let decoded = decode_base64(rest.trim()).ok_or_else(malformed)?;
        let text = String::from_utf8(decoded).map_err(|_| malformed())?;
        // The user name is the key; the password is empty (`sk_test_...:`).
        text.split(':').next().unwrap_or_default().to_owned()
    } else {
        return Err(malformed());
    };
    let valid_body = key
        .strip_prefix("sk_test_")
        .or_else(|| key.strip_prefix("rk_test_"))
        .is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        });
    if valid_body {
        Ok(key)
    } else {
        Err(ApiError::unauthorized(format!(
            "Invalid API Key provided: {}",
            redact(&key)
        )))
    }
}

fn malformed() -> ApiError {
    ApiError::unauthorized(
        "Invalid authorization header: use 'Authorization: Bearer sk_test_...' or HTTP Basic auth with the secret key as user name.".to_owned(),
    )
}

/// `sk_test_****abcd`, as Stripe shows a rejected key.
fn redact(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let head: String = key.chars().take(8).collect();
    format!("{head}****{tail}")
}

/// Standard base64 (with or without padding); `None` when malformed.
fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let mut buffer: u32 = 0;
    let mut bits = 0u32;
    for byte in text.trim_end_matches('=').bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buffer >> bits) & 0xFF).ok()?);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn decodes_base64() {
        assert_eq!(
            decode_base64("c2tfdGVzdF8xOg=="),
            Some(b"sk_test_1:".to_vec())
        );
        assert_eq!(decode_base64("*"), None);
    }
}
