//! The account balance: captured charges less refunds, per currency, all available at once.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use crate::registry::{Call, Resource, Route};

/// The registry entry of the balance (one object, no id).
pub(crate) fn resource() -> Resource {
    Resource::new("balance").with_route(Route::new("GET /v1/balance", balance))
}

/// `GET /v1/balance`.
fn balance(model: &mut Model, _: &Call<'_>) -> Result<Value, ApiError> {
    let mut by_currency: BTreeMap<String, i64> = BTreeMap::new();
    for charge in model.charges() {
        let currency = charge["currency"].as_str().unwrap_or("usd").to_owned();
        let captured = charge["amount_captured"].as_i64().unwrap_or_default();
        // A partial capture shows the released remainder as refunded: only refunds of
        // captured money leave the balance.
        let released = charge["amount"]
            .as_i64()
            .unwrap_or_default()
            .saturating_sub(captured);
        let refunded = if charge["captured"] == true {
            charge["amount_refunded"]
                .as_i64()
                .unwrap_or_default()
                .saturating_sub(released)
                .max(0)
        } else {
            0
        };
        let entry = by_currency.entry(currency).or_default();
        *entry = entry.saturating_add(captured.saturating_sub(refunded));
    }
    if by_currency.is_empty() {
        by_currency.insert("usd".to_owned(), 0);
    }
    let amounts = |pending: bool| -> Vec<Value> {
        by_currency
            .iter()
            .map(|(currency, amount)| {
                let amount = if pending { 0 } else { *amount };
                json!({"amount": amount, "currency": currency, "source_types": {"card": amount}})
            })
            .collect()
    };
    Ok(json!({
        "object": "balance",
        "available": amounts(false),
        "livemode": false,
        "pending": amounts(true),
    }))
}
