//! Params that a form cannot carry are a typed error before any request exists, and never a
//! panic: not a map, bad names, too deep, bad pre-encoded text, bytes and NaN; structs keep
//! their field order; empty containers and `null` send nothing, an unset is `Unset`.

use std::collections::HashMap;

use serde_json::json;
use stripe_core::{ParamsError, Request, RequestError};

#[test]
fn params_that_cannot_be_encoded() {
    assert!(matches!(
        Request::post("/v1/customers", &json!([1, 2])),
        Err(RequestError::Params(ParamsError::NotAMap { .. }))
    ));
    assert!(matches!(
        Request::post("/v1/customers", &json!("x")),
        Err(RequestError::Params(ParamsError::NotAMap { .. }))
    ));
    assert!(matches!(
        Request::post("/v1/customers", &json!({"meta[x]": 1})),
        Err(RequestError::Params(ParamsError::Key { .. }))
    ));
    assert!(matches!(
        Request::post("/v1/customers", &json!({"": 1})),
        Err(RequestError::Params(ParamsError::Key { .. }))
    ));
    let mut bad_keys = HashMap::new();
    bad_keys.insert(vec![1u8], 2);
    assert!(matches!(
        Request::post("/v1/customers", &bad_keys),
        Err(RequestError::Params(ParamsError::KeyType {
            found: "a sequence",
            ..
        }))
    ));
    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!({ "a": deep });
    }
    assert!(matches!(
        Request::post("/v1/customers", &deep),
        Err(RequestError::Params(ParamsError::TooDeep))
    ));
    let enc = Request::new(stripe_core::Method::Post, "/v1/customers").expect("valid");
    // The last two were found by cargo-fuzz: a `%` followed by a multi-byte character.
    for bad in [
        "a=b c",
        "a=%zz",
        "a=\r\n",
        "a=\u{e9}",
        "a=b#c",
        "a=%\u{e9}",
        "%1\u{e9}",
    ] {
        assert!(
            matches!(
                enc.clone().with_encoded_params(bad),
                Err(RequestError::Params(ParamsError::Encoded { .. }))
            ),
            "{bad:?}"
        );
    }
}

#[test]
fn pairs_may_use_bracket_names_but_only_well_formed() {
    let r = Request::post(
        "/v1/charges",
        &[
            ("amount", "100"),
            ("metadata[order]", "42"),
            ("items[0][price]", "p_1"),
        ],
    )
    .expect("valid");
    assert_eq!(
        r.body(),
        "amount=100&metadata%5Border%5D=42&items%5B0%5D%5Bprice%5D=p_1"
    );
    // Empty brackets end a name only (`expand[]`, `a[b][]`): see tests/params_forms.rs.
    for bad in ["metadata[", "meta]data", "[x]", "a[b]c", "a[][b]"] {
        assert!(
            matches!(
                Request::post("/v1/charges", &[(bad, "1")]),
                Err(RequestError::Params(ParamsError::Key { .. }))
            ),
            "{bad}"
        );
    }
}

#[test]
fn structs_keep_their_field_order_and_leave_none_out() {
    #[derive(serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    enum Capture {
        Automatic,
        Manual,
    }
    #[derive(serde::Serialize)]
    struct Shipping<'a> {
        name: &'a str,
        phone: Option<&'a str>,
    }
    #[derive(serde::Serialize)]
    struct NewIntent<'a> {
        amount: u64,
        currency: &'a str,
        description: Option<&'a str>,
        capture_method: Capture,
        shipping: Shipping<'a>,
        payment_method_types: Vec<&'a str>,
        metadata: std::collections::BTreeMap<&'a str, u32>,
        nothing: (),
        unset_me: stripe_core::params::Unset,
    }
    let params = NewIntent {
        amount: 2000,
        currency: "eur",
        description: None,
        capture_method: Capture::Manual,
        shipping: Shipping {
            name: "Jenny Rosen",
            phone: None,
        },
        payment_method_types: vec!["card", "sepa_debit"],
        metadata: [("order", 42)].into_iter().collect(),
        nothing: (),
        unset_me: stripe_core::params::Unset,
    };
    let r = Request::post("/v1/payment_intents", &params).expect("valid");
    assert_eq!(
        r.body(),
        "amount=2000&currency=eur&capture_method=manual&shipping%5Bname%5D=Jenny+Rosen\
         &payment_method_types%5B0%5D=card&payment_method_types%5B1%5D=sepa_debit\
         &metadata%5Border%5D=42&unset_me="
    );
    let _ = Capture::Automatic;
}

#[test]
fn what_the_form_cannot_carry_is_a_typed_error() {
    let bytes = RawBytes(vec![0, 1]);
    assert!(matches!(
        Request::post("/v1/files", &[("file", bytes)]),
        Err(RequestError::Params(ParamsError::Unsupported(_)))
    ));
    assert!(
        matches!(Request::post("/v1/x", &json!({"a": 1})).map(|r| r.body().to_owned()), Ok(b) if b == "a=1")
    );
    assert!(matches!(
        Request::post("/v1/x", &[("ratio", f64::NAN)]),
        Err(RequestError::Params(ParamsError::Unsupported(_)))
    ));
    assert!(matches!(
        Request::post("/v1/x", &[("a", "1", "2")]),
        Err(RequestError::Params(ParamsError::NotAMap { .. }))
    ));
    assert!(matches!(
        Request::post("/v1/x", &42),
        Err(RequestError::Params(ParamsError::NotAMap {
            found: "a number"
        }))
    ));
    let ints: std::collections::BTreeMap<u32, &str> = [(7, "x")].into_iter().collect();
    assert_eq!(
        Request::post("/v1/x", &json!({"m": ints}))
            .expect("integer keys are text")
            .body(),
        "m%5B7%5D=x"
    );
}

/// A `Serialize` that emits bytes, as `serde_bytes` does, without another dependency.
struct RawBytes(Vec<u8>);

impl serde::Serialize for RawBytes {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

/// Empty values once were sent as `name=`, which Stripe reads as an unset (an empty
/// `metadata` wiped every key): now they send nothing, and an unset is asked with `Unset`.
#[test]
fn empty_containers_and_null_send_nothing_and_unset_is_explicit() {
    use stripe_core::params::Unset;
    let r = Request::post(
        "/v1/customers/cus_1",
        &json!({"metadata": {}, "tax_ids": [], "email": null}),
    )
    .expect("valid");
    assert_eq!(r.body(), "");
    let r = Request::post(
        "/v1/customers/cus_1",
        &json!({"metadata": Unset, "tax_ids": Unset, "email": Unset}),
    )
    .expect("valid");
    assert_eq!(r.body(), "email=&metadata=&tax_ids=");
}
