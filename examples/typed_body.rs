//! Read a response body into your own types, straight from the bytes: no detour through a
//! JSON tree. Runs against the embedded fake Stripe: `cargo run --example typed_body`.

use serde::Deserialize;
use stripe_core::{Config, Request};

/// The fields of a charge this program cares about; serde ignores the rest.
#[derive(Debug, Deserialize)]
struct Charge {
    id: String,
    amount: u64,
    currency: String,
    status: String,
    paid: bool,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fake = stripe_fake::server::start()?;
    let config = Config::builder("sk_test_typed_body")
        .api_base(fake.base_url())
        .build()?;
    let client = stripe_ureq::Client::new(config);

    let params = [
        ("amount", "2000"),
        ("currency", "usd"),
        ("source", "tok_visa"),
    ];
    let response = client.send(Request::post("/v1/charges", &params)?)?;
    let charge: Charge = response.deserialize()?;
    println!(
        "{} {}: {} {} ({}), paid: {}",
        response.status(),
        charge.id,
        charge.amount,
        charge.currency,
        charge.status,
        charge.paid
    );
    if !(charge.amount == 2000 && charge.paid && charge.status == "succeeded") {
        return Err("the charge did not read back as made".into());
    }
    // The same body as a JSON tree, parsed once on first use, if you prefer.
    let id = response.json().and_then(|v| v["id"].as_str());
    assert_eq!(id, Some(charge.id.as_str()));
    Ok(())
}
