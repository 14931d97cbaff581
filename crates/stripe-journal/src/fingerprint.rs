//! The request's fingerprint: SHA-256 over method, path and the form body with its pairs sorted
//! by name (repeated names keep their order: `a[]=1&a[]=2` is not `a[]=2&a[]=1`).

use std::fmt;

use sha2::{Digest, Sha256};

use crate::error::JournalError;
use crate::saved::SavedRequest;

/// A request's fingerprint: the same operation id must always name the same request.
///
/// It is SHA-256 over the method, the path and the form-encoded body's pairs, decoded and sorted
/// by name (so the order in which different parameters were written does not matter, while the
/// order of a repeated one, a list such as `payment_method_types[]`, does), each field
/// length-prefixed.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Fingerprint([u8; 32]);

impl Fingerprint {
    /// The fingerprint of `method path` with the form body `form` (`a=1&b%5Bc%5D=2`).
    ///
    /// The method is compared case-insensitively; pairs are sorted by name, and pairs of one name
    /// keep their order (a stable sort).
    pub fn of(method: &str, path: &str, form: &[u8]) -> Self {
        Self(Self::hasher(method, path, form).finalize().into())
    }

    /// The fingerprint of a saved POST: as [`Fingerprint::of`], then its own `Stripe-Context`
    /// and `Stripe-Version`, each tagged, when it has them (so a request without either keeps
    /// the fingerprint it had before they were covered).
    pub(crate) fn of_saved(saved: &SavedRequest) -> Self {
        let mut h = Self::hasher("POST", saved.path(), saved.body().as_bytes());
        for (tag, value) in [
            (b"Stripe-Context", saved.stripe_context()),
            (b"Stripe-Version", saved.stripe_version()),
        ] {
            if let Some(value) = value {
                field(&mut h, tag);
                field(&mut h, value.as_bytes());
            }
        }
        Self(h.finalize().into())
    }

    fn hasher(method: &str, path: &str, form: &[u8]) -> Sha256 {
        let mut pairs: Vec<(String, String)> = form_urlencoded::parse(form)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let mut h = Sha256::new();
        field(&mut h, method.to_ascii_uppercase().as_bytes());
        field(&mut h, path.as_bytes());
        h.update((pairs.len() as u64).to_be_bytes());
        for (k, v) in &pairs {
            field(&mut h, k.as_bytes());
            field(&mut h, v.as_bytes());
        }
        h
    }

    /// The 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lower-case hex, as stored.
    pub fn to_hex(&self) -> String {
        use fmt::Write;
        let mut s = String::with_capacity(64);
        for b in self.0 {
            // Writing to a String cannot fail.
            let _ = write!(s, "{b:02x}");
        }
        s
    }

    /// Parses 64 hex digits.
    pub fn from_hex(hex: &str) -> Result<Self, JournalError> {
        let bad = || {
            JournalError::Corrupt(format!(
                "fingerprint is not 64 hex digits ({} bytes)",
                hex.len()
            ))
        };
        if hex.len() != 64 || !hex.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, o) in out.iter_mut().enumerate() {
            let pair = hex.get(2 * i..2 * i + 2).ok_or_else(bad)?;
            *o = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }
}

fn field(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({})", self.to_hex())
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_of_pairs_does_not_matter_but_values_do() {
        let a = Fingerprint::of("POST", "/v1/charges", b"amount=100&currency=usd");
        let b = Fingerprint::of("post", "/v1/charges", b"currency=usd&amount=100");
        let c = Fingerprint::of("POST", "/v1/charges", b"amount=101&currency=usd");
        let d = Fingerprint::of("POST", "/v1/refunds", b"amount=100&currency=usd");
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_ne!(a, d);
        // Encoding differences of the same pairs do not matter either.
        let e = Fingerprint::of("POST", "/v1/charges", b"amount=100&currency=%75sd");
        assert_eq!(a, e);
    }

    #[test]
    fn the_order_of_a_repeated_parameter_matters() {
        let a = Fingerprint::of(
            "POST",
            "/v1/payment_intents",
            b"payment_method_types[]=card&amount=5&payment_method_types[]=sepa_debit",
        );
        let b = Fingerprint::of(
            "POST",
            "/v1/payment_intents",
            b"payment_method_types[]=sepa_debit&amount=5&payment_method_types[]=card",
        );
        let c = Fingerprint::of(
            "POST",
            "/v1/payment_intents",
            b"amount=5&payment_method_types[]=card&payment_method_types[]=sepa_debit",
        );
        assert_ne!(a, b, "a list reordered is another request");
        assert_eq!(a, c, "other parameters may move");
    }

    #[test]
    fn a_saved_request_s_context_and_version_count_and_their_absence_changes_nothing() {
        let plain = SavedRequest::new("/v1/charges", "amount=100");
        assert_eq!(
            Fingerprint::of_saved(&plain),
            Fingerprint::of("POST", "/v1/charges", b"amount=100")
        );
        let a = Fingerprint::of_saved(&plain.clone().with_stripe_context("acct_1"));
        let b = Fingerprint::of_saved(&plain.clone().with_stripe_context("acct_2"));
        let c = Fingerprint::of_saved(&plain.clone().with_stripe_version("2024-06-20"));
        let d = Fingerprint::of_saved(&plain.with_stripe_version("acct_1"));
        assert_ne!(a, b);
        assert_ne!(
            a,
            Fingerprint::of_saved(&SavedRequest::new("/v1/charges", "amount=100"))
        );
        assert_ne!(c, a);
        assert_ne!(
            d, a,
            "the tag keeps a version apart from a context of the same text"
        );
    }

    #[test]
    fn length_prefixes_keep_fields_apart() {
        let a = Fingerprint::of("POST", "/v1/a", b"b=c");
        let b = Fingerprint::of("POST", "/v1/ab", b"=c");
        assert_ne!(a, b);
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        let a = Fingerprint::of("POST", "/v1/charges", b"amount=100");
        assert_eq!(Fingerprint::from_hex(&a.to_hex()).ok(), Some(a));
        assert!(Fingerprint::from_hex("zz").is_err());
        assert!(Fingerprint::from_hex(&"é".repeat(32)).is_err());
        assert!(Fingerprint::from_hex(&"g".repeat(64)).is_err());
    }
}
