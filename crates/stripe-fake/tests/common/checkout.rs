//! Checkout Sessions made through the pure model, for the Checkout tests.

use serde_json::Value;
use stripe_fake::Model;
use stripe_fake::model::CheckoutPayer;

use super::{ok, post, t0};

/// A session's `success_url` and `cancel_url`, form-encoded.
pub const URLS: &str =
    "success_url=https%3A%2F%2Fshop.example%2Fok&cancel_url=https%3A%2F%2Fshop.example%2Fcart";

/// The `id` of an object.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// The event types recorded after the first `from`.
pub fn types_since(model: &Model, from: usize) -> Vec<String> {
    model
        .events_from(from)
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// A one-time price of `amount` cents for a new product named `name`.
pub fn price(model: &mut Model, name: &str, amount: u64) -> String {
    id(&ok(
        model,
        &post(
            "/v1/prices",
            &format!("product_data[name]={name}&currency=usd&unit_amount={amount}"),
        ),
    ))
}

/// A session made of `body` (with [`URLS`]).
pub fn session(model: &mut Model, body: &str) -> Value {
    ok(
        model,
        &post("/v1/checkout/sessions", &format!("{URLS}&{body}")),
    )
}

/// A payment session for 2 x 15.00 of `price` and 3.00 of gift wrap made inline.
pub fn cart(model: &mut Model, price: &str, extra: &str) -> Value {
    session(
        model,
        &format!(
            "mode=payment&line_items[0][price]={price}&line_items[0][quantity]=2\
             &line_items[1][price_data][currency]=usd&line_items[1][price_data][unit_amount]=300\
             &line_items[1][price_data][product_data][name]=Gift+wrap&line_items[1][quantity]=1{extra}"
        ),
    )
}

/// The session completed by `payer` at [`t0`].
pub fn complete(model: &mut Model, session: &Value, payer: &CheckoutPayer) -> Value {
    model
        .complete_checkout_session(&id(session), payer, t0())
        .expect("the session completes")
}
