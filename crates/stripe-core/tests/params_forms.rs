//! What the typed encoder sends for the forms a reviewer found wrong: `name[]` pair names,
//! absent elements of a sequence, and empty values (sent only when asked with `Unset`).

use std::collections::BTreeMap;

use serde_json::json;
use stripe_core::params::{Unset, encode};
use stripe_core::{Method, ParamsError, Request, RequestError};

fn body<T: serde::Serialize + ?Sized>(params: &T) -> String {
    Request::post("/v1/x", params)
        .expect("encodable")
        .body()
        .to_owned()
}

/// The pairs a server decodes from a form.
fn decoded(form: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(form.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

// ------------------------------------------------------------------ `name[]` pair names

#[test]
fn expand_brackets_are_sent_as_written_as_stripe_documents() {
    let r = Request::post(
        "/v1/payment_intents/pi_1",
        &[("expand[]", "customer"), ("expand[]", "invoice")],
    )
    .expect("Stripe's documented expand syntax");
    assert_eq!(r.body(), "expand%5B%5D=customer&expand%5B%5D=invoice");
    // The server reads exactly what the pre-encoded form sends.
    let pre = Request::new(Method::Post, "/v1/payment_intents/pi_1")
        .and_then(|r| r.with_encoded_params("expand[]=customer&expand[]=invoice"))
        .expect("valid");
    assert_eq!(decoded(r.body()), decoded(pre.body()));
}

#[test]
fn nested_names_may_end_with_empty_brackets() {
    assert_eq!(
        body(&[
            ("items[0][tax_rates][]", "txr_1"),
            ("items[0][tax_rates][]", "txr_2"),
            ("a[b][]", "c"),
        ]),
        "items%5B0%5D%5Btax_rates%5D%5B%5D=txr_1&items%5B0%5D%5Btax_rates%5D%5B%5D=txr_2\
         &a%5Bb%5D%5B%5D=c"
    );
    // A GET's query takes them too.
    let r = Request::get("/v1/customers/cus_1")
        .and_then(|r| r.with_params(&[("expand[]", "default_source")]))
        .expect("valid");
    assert_eq!(r.path(), "/v1/customers/cus_1?expand%5B%5D=default_source");
}

#[test]
fn empty_brackets_only_at_the_end_and_only_for_one_value() {
    for bad in ["[]", "a[][b]", "a[][]", "a[]]", "a[[]", "a[]b", "[]a"] {
        assert!(
            matches!(
                Request::post("/v1/x", &[(bad, "1")]),
                Err(RequestError::Params(ParamsError::Key { .. }))
            ),
            "{bad}"
        );
    }
    // `name[]` takes one value per pair: a list or a map under it has no Stripe form.
    for bad in [json!(["a", "b"]), json!({"k": "v"})] {
        assert!(
            matches!(
                Request::post("/v1/x", &[("expand[]", &bad)]),
                Err(RequestError::Params(ParamsError::Key { .. }))
            ),
            "{bad}"
        );
    }
    // Map keys stay plain names: a sequence value is the typed way to a list.
    assert!(matches!(
        Request::post("/v1/x", &json!({"expand[]": "customer"})),
        Err(RequestError::Params(ParamsError::Key { .. }))
    ));
    assert_eq!(
        body(&json!({"expand": ["customer"]})),
        "expand%5B0%5D=customer"
    );
}

// ------------------------------------------------------------------ absent elements

#[test]
fn absent_elements_of_a_sequence_leave_no_hole() {
    assert_eq!(
        body(&[("items", vec![Some(1), None, Some(3)])]),
        "items%5B0%5D=1&items%5B1%5D=3"
    );
    assert_eq!(
        body(&json!({"items": [null, 1, null, null, 3, null]})),
        "items%5B0%5D=1&items%5B1%5D=3"
    );
    // Elements that send nothing at all (an empty map, a struct of `None`s) close up too.
    assert_eq!(
        body(&json!({"items": [{"price": "p_1"}, {}, {"price": "p_3", "tax_rates": []}]})),
        "items%5B0%5D%5Bprice%5D=p_1&items%5B1%5D%5Bprice%5D=p_3"
    );
    assert_eq!(body(&[("items", [None::<u32>, None])]), "");
    // Nested sequences are renumbered at every level.
    assert_eq!(
        body(&json!({"m": [[null, "a"], [], [null, "b", null, "c"]]})),
        "m%5B0%5D%5B0%5D=a&m%5B1%5D%5B0%5D=b&m%5B1%5D%5B1%5D=c"
    );
}

// ------------------------------------------------------------------ empty values

#[test]
fn none_null_and_empty_containers_send_nothing() {
    assert_eq!(
        body(&json!({"metadata": {}, "tax_ids": [], "email": null, "name": "Jenny"})),
        "name=Jenny"
    );
    assert_eq!(
        body(&json!({"shipping": {"address": {}, "phone": null}})),
        ""
    );
    #[derive(serde::Serialize)]
    struct Update {
        description: Option<String>,
        metadata: BTreeMap<String, String>,
        unit: (),
        tags: Vec<String>,
    }
    let update = Update {
        description: None,
        metadata: BTreeMap::new(),
        unit: (),
        tags: vec![],
    };
    assert_eq!(encode(&update).expect("encodable"), "");
}

#[test]
fn unset_sends_the_empty_value_where_asked() {
    // In `json!`: `Unset` becomes the empty string, which is the unset form.
    assert_eq!(
        body(&json!({"metadata": Unset, "email": Unset, "name": "Jenny"})),
        "email=&metadata=&name=Jenny"
    );
    assert_eq!(
        body(&json!({"metadata": {"order": Unset, "keep": "1"}})),
        "metadata%5Bkeep%5D=1&metadata%5Border%5D="
    );
    // In structs and maps.
    #[derive(serde::Serialize)]
    struct Update {
        metadata: Unset,
        description: Option<Unset>,
        email: Option<Unset>,
    }
    let update = Update {
        metadata: Unset,
        description: Some(Unset),
        email: None,
    };
    assert_eq!(
        encode(&update).expect("encodable"),
        "metadata=&description="
    );
    let keys: BTreeMap<&str, Unset> = [("order", Unset)].into_iter().collect();
    assert_eq!(
        body(&[("metadata", keys)]),
        "metadata%5Border%5D=",
        "unsets one metadata key"
    );
    // In pairs.
    assert_eq!(body(&[("email", Unset)]), "email=");
    // The empty string is the same thing on the wire.
    assert_eq!(body(&[("email", "")]), body(&[("email", Unset)]));
    assert_eq!(
        serde_json::to_value(Unset).expect("serializable"),
        json!("")
    );
}

/// The v2 JSON body: the same params, typed values kept, what sends nothing left out, every
/// refusal of the form kept (bytes, non-finite floats, bad keys, nesting over 32 levels).
#[test]
fn json_bodies_keep_types_and_order_and_leave_out_what_sends_nothing() {
    use stripe_core::params::encode_json;
    #[derive(serde::Serialize)]
    enum Kind {
        Plain,
        Tagged { at: u8 },
        Wrapped(&'static str),
    }
    #[derive(serde::Serialize)]
    struct Body {
        z_first: f32,
        none: Option<u8>,
        list: Vec<Option<u8>>,
        empty: Vec<u8>,
        kinds: [Kind; 3],
        text: &'static str,
        clear: Unset,
    }
    let body = Body {
        z_first: 0.1,
        none: None,
        list: vec![Some(1), None, Some(3)],
        empty: vec![],
        kinds: [Kind::Plain, Kind::Tagged { at: 2 }, Kind::Wrapped("w")],
        text: "line\nbreak \u{1b}[31m\"q\"",
        clear: Unset,
    };
    let json = encode_json(&body).expect("encodes");
    assert_eq!(
        json,
        r#"{"z_first":0.1,"list":[1,3],"empty":[],"kinds":["Plain",{"Tagged":{"at":2}},{"Wrapped":"w"}],"text":"line\nbreak \u001b[31m\"q\"","clear":null}"#
    );
    // What serde_json reads back is the value, members in the struct's order.
    let back: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(back["kinds"][1]["Tagged"]["at"], 2);
    // The same refusals as the form.
    assert!(matches!(
        encode_json(&[("a", f64::NAN)]),
        Err(ParamsError::Unsupported(_))
    ));
    assert!(matches!(
        encode_json(&json!({"a[b]": 1})),
        Err(ParamsError::Key { .. })
    ));
    assert!(matches!(
        encode_json(&[("", 1)]),
        Err(ParamsError::Key { .. })
    ));
    assert!(matches!(
        encode_json(&json!(["x"])),
        Err(ParamsError::NotAMap { .. })
    ));
    assert!(matches!(
        encode_json(&"text"),
        Err(ParamsError::NotAMap { .. })
    ));
    let mut deep = json!(1);
    for _ in 0..40 {
        deep = json!({ "d": deep });
    }
    assert!(matches!(encode_json(&deep), Err(ParamsError::TooDeep)));
    assert_eq!(encode_json(&()).expect("nothing"), "{}");
    assert_eq!(encode_json(&json!(null)).expect("nothing"), "{}");
}
