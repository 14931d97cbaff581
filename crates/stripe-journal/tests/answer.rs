//! An answer's object id is the body's top-level `"id"` string: the same as reading the whole
//! body as JSON and taking its `id` member, for any body (valid JSON or not), without building
//! the body's tree.

use proptest::prelude::*;
use serde_json::Value;
use stripe_journal::Answer;

/// What the id must be: the whole body read as JSON, its top-level `id` if it is a string.
fn by_full_read(body: &str) -> Option<String> {
    serde_json::from_str::<Value>(body)
        .ok()?
        .get("id")?
        .as_str()
        .map(str::to_owned)
}

fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        "[a-z_\"\\\\\u{e9}]{0,8}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (prop_oneof![Just("id".to_owned()), "[a-z]{0,3}"], inner),
                0..5
            )
            .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// A body as Stripe might send it, or one spoiled: members repeated, escaped names, cut short,
/// trailing text.
fn body() -> impl Strategy<Value = String> {
    (json(), 0..6u8, any::<prop::sample::Index>()).prop_map(|(value, spoil, at)| {
        let text = value.to_string();
        match spoil {
            0 => text.replacen("{", r#"{"id":"ch_1","#, 1).replace(",}", "}"),
            1 => text.replace("\"id\"", "\"\\u0069d\""),
            2 => {
                let mut end = at.index(text.len() + 1);
                while !text.is_char_boundary(end) {
                    end -= 1;
                }
                text[..end].to_owned()
            }
            3 => format!("{text} x"),
            _ => text,
        }
    })
}

proptest! {
    #[test]
    fn the_object_id_is_the_bodys_top_level_id(body in body()) {
        let expected = by_full_read(&body);
        let answer = Answer::new(200, body.clone());
        prop_assert_eq!(answer.object_id(), expected.as_deref(), "body {}", body);
    }
}

#[test]
fn a_charges_id_is_read_and_nested_ids_are_not() {
    let body = r#"{"object":"charge","source":{"id":"card_1"},"id":"ch_1","refunds":{"data":[{"id":"re_1"}]}}"#;
    assert_eq!(Answer::new(200, body).object_id(), Some("ch_1"));
    assert_eq!(Answer::new(200, r#"{"id":7}"#).object_id(), None);
    assert_eq!(Answer::new(200, r#"["ch_1"]"#).object_id(), None);
    assert_eq!(
        Answer::new(200, r#"{"id":"ch_1","id":"ch_2"}"#).object_id(),
        Some("ch_2")
    );
    assert_eq!(
        Answer::new(502, "<html>bad gateway</html>").object_id(),
        None
    );
}
