//! Events (feature `webhook`), property-tested: any bytes get a typed answer from both parsers,
//! unknown members at every level survive a round trip, and a notification's fast read agrees
//! with the full one. `FUZZ_CASES` sets the number of cases.

mod common;

use common::events::{PaymentIntent, SECRET, SIGNED_AT, SNAPSHOT, THIN, now};

mod properties {
    use proptest::prelude::*;
    use serde_json::{Map, Value};
    use stripe_core::webhook::{
        Event, EventNotification, parse_event, parse_event_notification, sign,
    };

    use super::{SECRET, SIGNED_AT, SNAPSHOT, THIN, now};

    /// Any JSON value, a few levels deep.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            // Decimals of a few digits: serde_json reads these back exactly (it does not read
            // every f64 it writes back to the same f64, which is serde_json's, not ours).
            (any::<i32>(), 0..4i32).prop_map(|(m, e)| Value::from(f64::from(m) / 10f64.powi(e))),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::btree_map("[a-z_]{1,8}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Members no event has (the `zz_` prefix keeps them off the known names).
    fn unknown_members() -> impl Strategy<Value = Map<String, Value>> {
        prop::collection::btree_map("zz_[a-z0-9_]{0,10}", json_value(), 0..5)
            .prop_map(|m| m.into_iter().collect())
    }

    /// Bytes near an event: a fixture cut, spliced or with bytes flipped, or any bytes at all.
    fn near_event() -> impl Strategy<Value = Vec<u8>> {
        let fixture = prop_oneof![Just(SNAPSHOT.to_vec()), Just(THIN.to_vec())];
        prop_oneof![
            prop::collection::vec(any::<u8>(), 0..256),
            (fixture.clone(), any::<prop::sample::Index>())
                .prop_map(|(f, at)| f[..at.index(f.len() + 1)].to_vec()),
            (
                fixture,
                prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6)
            )
                .prop_map(|(mut f, flips)| {
                    for (at, byte) in flips {
                        let i = at.index(f.len());
                        f[i] = byte;
                    }
                    f
                }),
        ]
    }

    fn with(
        mut base: Value,
        top: &Map<String, Value>,
        nested: &[(&str, &Map<String, Value>)],
    ) -> Value {
        for (k, v) in top {
            base[k] = v.clone();
        }
        for (at, members) in nested {
            for (k, v) in *members {
                base[*at][k] = v.clone();
            }
        }
        base
    }

    /// The payload's bytes, and the JSON they read as (serde_json reads some floats' last digit
    /// differently from the value they were written from: the reference is what is read).
    fn as_sent(value: &Value) -> (Vec<u8>, Value) {
        let bytes = serde_json::to_vec(value).expect("bytes");
        let read = serde_json::from_slice(&bytes).expect("json");
        (bytes, read)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(crate::common::fuzz_cases(2_000)))]

        /// Any bytes, signed or not: a typed answer from both parsers, never a panic.
        #[test]
        fn any_bytes_get_a_typed_answer(payload in near_event()) {
            let header = sign(&payload, SECRET, SIGNED_AT);
            let tol = Some(stripe_core::webhook::DEFAULT_TOLERANCE);
            let _ = parse_event::<Value>(&payload, &header, SECRET, now(), tol);
            let _ = parse_event::<super::PaymentIntent>(&payload, &header, SECRET, now(), tol);
            if let Ok(note) = parse_event_notification(&payload, &header, SECRET, now(), tol) {
                let _ = note.fetch_event().request();
                let _ = note.fetch_related_object().map(|f| f.request());
            }
            prop_assert!(parse_event_notification(&payload, "t=1,v1=00", SECRET, now(), None).is_err());
        }

        /// A snapshot event with members nobody knows, at every level: read and written
        /// back, it is the same JSON, and read again, the same event.
        #[test]
        fn snapshot_round_trips_keep_unknown_members(
            top in unknown_members(), data in unknown_members(), request in unknown_members(),
            object in json_value(),
        ) {
            let mut base: Value = serde_json::from_slice(SNAPSHOT).expect("json");
            base["data"]["object"] = object;
            let (bytes, input) = as_sent(&with(base, &top, &[("data", &data), ("request", &request)]));
            let parsed: Event = Event::from_slice(&bytes).expect("parses");
            let written = serde_json::to_value(&parsed).expect("serializes");
            prop_assert_eq!(&written, &input);
            let again: Event = Event::from_slice(&serde_json::to_vec(&written).expect("bytes")).expect("parses again");
            prop_assert_eq!(again, parsed);
        }

        /// The same for a thin notification.
        #[test]
        fn thin_round_trips_keep_unknown_members(
            top in unknown_members(), related in unknown_members(), reason in unknown_members(),
        ) {
            let base: Value = serde_json::from_slice(THIN).expect("json");
            let (bytes, input) = as_sent(&with(base, &top, &[("related_object", &related), ("reason", &reason)]));
            let parsed = EventNotification::from_slice(&bytes).expect("parses");
            let written = serde_json::to_value(&parsed).expect("serializes");
            prop_assert_eq!(&written, &input);
            for (k, v) in &top {
                prop_assert_eq!(&parsed.extra()[k], v);
            }
        }

        /// `from_slice` reads a notification of known members only by a fast path of its own:
        /// on any bytes near a notification (members dropped, nulled or of another type, bytes
        /// cut or flipped), it gives what the path that keeps unknown members gives (the
        /// `Deserialize` impl), or an error where that one fails.
        #[test]
        fn thin_fast_and_full_reads_agree(
            payload in prop_oneof![
                near_event(),
                (prop::sample::subsequence(
                    vec!["id", "object", "type", "created", "livemode", "context", "related_object", "reason"], 0..4),
                 prop::sample::select(vec![Value::Null, Value::from(7), Value::from("x"), Value::Bool(true)]))
                    .prop_map(|(names, v)| {
                        let mut base: Value = serde_json::from_slice(THIN).expect("json");
                        for (i, name) in names.iter().enumerate() {
                            if i % 2 == 0 { base[*name] = v.clone(); } else if let Some(m) = base.as_object_mut() { m.remove(*name); }
                        }
                        serde_json::to_vec(&base).expect("bytes")
                    }),
            ]
        ) {
            let full = serde_json::from_slice::<EventNotification>(&payload).ok();
            // The one check `from_slice` adds: an `object`, when present, is a thin event's.
            let thin_object = |n: &EventNotification| {
                serde_json::to_value(n)
                    .ok()
                    .and_then(|v| v.get("object").cloned())
                    .is_none_or(|o| o == "v2.core.event")
            };
            match EventNotification::from_slice(&payload) {
                Ok(fast) => prop_assert_eq!(Some(fast), full),
                Err(_) => prop_assert!(
                    full.as_ref().is_none_or(|n| !thin_object(n)),
                    "the fast path failed where the full read gave {:?}", full
                ),
            }
        }
    }
}
