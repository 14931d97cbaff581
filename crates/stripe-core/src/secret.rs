//! The secret API key: validated once, masked everywhere it could be shown.

use std::fmt;

use crate::error::{ConfigError, check_header_value};

/// A Stripe secret (or restricted) API key.
///
/// `Debug` and `Display` show it masked, e.g. `sk_test_...abcd`; only
/// [`SecretKey::expose`] reveals it, and only the request builder calls that.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretKey(String);

impl SecretKey {
    /// Validates a key: 1 to 1,024 visible ASCII characters, no whitespace.
    pub fn new(key: impl Into<String>) -> Result<Self, ConfigError> {
        let key = key.into();
        check_header_value(&key, false, 1024).map_err(ConfigError::SecretKey)?;
        Ok(Self(key))
    }

    /// The key itself. Never log what this returns.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The masked form: the prefix up to the last `_` of the first two (`sk_test_`), `...`,
    /// and the last four characters; keys too short to mask safely show only `...`.
    pub fn masked(&self) -> String {
        let k = &self.0;
        if k.len() < 16 {
            return "...".to_owned();
        }
        let prefix_end = k
            .match_indices('_')
            .map(|(i, _)| i + 1)
            .take(2)
            .last()
            .filter(|&end| end <= 8)
            .unwrap_or(0);
        // Slicing is on ASCII boundaries: `new` admits only ASCII.
        format!("{}...{}", &k[..prefix_end], &k[k.len() - 4..])
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({})", self.masked())
    }
}

impl fmt::Display for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}
