//! Complete JSON shapes of the objects the fake serves: every property Stripe returns by
//! default (API version 2023-08-16), with `null` for what the fake does not model.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use super::cards::Card;

/// Expiry of every test card.
const EXP_MONTH: u32 = 12;
const EXP_YEAR: u32 = 2034;

/// `metadata` from decoded `metadata[k]=v` pairs (empty values unset keys).
pub(crate) fn metadata(pairs: &BTreeMap<String, String>) -> Value {
    let map: Map<String, Value> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    Value::Object(map)
}

/// An address with every member null.
pub(crate) fn empty_address() -> Value {
    json!({"city": null, "country": null, "line1": null, "line2": null, "postal_code": null, "state": null})
}

/// Billing details with nothing known.
pub(crate) fn empty_billing_details() -> Value {
    json!({"address": empty_address(), "email": null, "name": null, "phone": null})
}

/// A stable fingerprint of a test card number.
fn fingerprint(card: &Card) -> String {
    format!("fake{}{}", card.brand, card.last4)
}

/// A card source (`card_...`), as made from a `tok_...` token.
pub(crate) fn card_source(id: &str, card: &Card, customer: Option<&str>) -> Value {
    json!({
        "id": id,
        "object": "card",
        "address_city": null,
        "address_country": null,
        "address_line1": null,
        "address_line1_check": null,
        "address_line2": null,
        "address_state": null,
        "address_zip": null,
        "address_zip_check": null,
        "brand": card.display_brand(),
        "country": "US",
        "customer": customer,
        "cvc_check": "pass",
        "dynamic_last4": null,
        "exp_month": EXP_MONTH,
        "exp_year": EXP_YEAR,
        "fingerprint": fingerprint(card),
        "funding": "credit",
        "last4": card.last4,
        "metadata": {},
        "name": null,
        "tokenization_method": null,
    })
}

/// A card payment method (`pm_...`).
pub(crate) fn payment_method(id: &str, card: &Card, customer: Option<&str>, now: i64) -> Value {
    json!({
        "id": id,
        "object": "payment_method",
        "billing_details": empty_billing_details(),
        "card": {
            "brand": card.brand,
            "checks": {"address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass"},
            "country": "US",
            "exp_month": EXP_MONTH,
            "exp_year": EXP_YEAR,
            "fingerprint": fingerprint(card),
            "funding": "credit",
            "generated_from": null,
            "last4": card.last4,
            "networks": {"available": [card.brand], "preferred": null},
            "three_d_secure_usage": {"supported": true},
            "wallet": null,
        },
        "created": now,
        "customer": customer,
        "livemode": false,
        "metadata": {},
        "type": "card",
    })
}

/// `payment_method_details` of a card charge.
pub(crate) fn card_details(card: &Card) -> Value {
    json!({
        "type": "card",
        "card": {
            "brand": card.brand,
            "checks": {"address_line1_check": null, "address_postal_code_check": null, "cvc_check": "pass"},
            "country": "US",
            "exp_month": EXP_MONTH,
            "exp_year": EXP_YEAR,
            "fingerprint": fingerprint(card),
            "funding": "credit",
            "installments": null,
            "last4": card.last4,
            "mandate": null,
            "network": card.brand,
            "network_token": {"used": false},
            "three_d_secure": null,
            "wallet": null,
        },
    })
}

/// A customer with nothing set but its id and creation time.
pub(crate) fn customer(id: &str, now: i64) -> Value {
    let prefix: String = id
        .trim_start_matches("cus_")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase();
    json!({
        "id": id,
        "object": "customer",
        "address": null,
        "balance": 0,
        "created": now,
        "currency": null,
        "default_source": null,
        "delinquent": false,
        "description": null,
        "discount": null,
        "email": null,
        "invoice_prefix": prefix,
        "invoice_settings": {"custom_fields": null, "default_payment_method": null, "footer": null, "rendering_options": null},
        "livemode": false,
        "metadata": {},
        "name": null,
        "next_invoice_sequence": 1,
        "phone": null,
        "preferred_locales": [],
        "shipping": null,
        "tax_exempt": "none",
        "test_clock": null,
    })
}

/// A refund's fixed members around what the caller fills in.
pub(crate) fn refund(id: &str, charge: &Value, amount: u64, now: i64) -> Value {
    json!({
        "id": id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": null,
        "charge": charge["id"],
        "created": now,
        "currency": charge["currency"],
        "metadata": {},
        "payment_intent": charge["payment_intent"],
        "reason": null,
        "receipt_number": null,
        "source_transfer_reversal": null,
        "status": "succeeded",
        "transfer_reversal": null,
    })
}

/// The members of a payment intent the fake does not model (a copy of one tree built once).
pub(crate) fn payment_intent_defaults() -> Value {
    static DEFAULTS: OnceLock<Value> = OnceLock::new();
    DEFAULTS.get_or_init(build_payment_intent_defaults).clone()
}

fn build_payment_intent_defaults() -> Value {
    json!({
        "amount_details": {"tip": {}},
        "application": null,
        "application_fee_amount": null,
        "automatic_payment_methods": null,
        "canceled_at": null,
        "cancellation_reason": null,
        "invoice": null,
        "last_payment_error": null,
        "latest_charge": null,
        "next_action": null,
        "on_behalf_of": null,
        "payment_method_options": {"card": {"installments": null, "mandate_options": null, "network": null, "request_three_d_secure": "automatic"}},
        "payment_method_types": ["card"],
        "processing": null,
        "receipt_email": null,
        "review": null,
        "setup_future_usage": null,
        "shipping": null,
        "statement_descriptor": null,
        "statement_descriptor_suffix": null,
        "transfer_data": null,
        "transfer_group": null,
    })
}

/// Copies every member of `from` (an object) into `into` (an object).
pub(crate) fn merge(into: &mut Value, from: Value) {
    if let (Some(into), Value::Object(from)) = (into.as_object_mut(), from) {
        into.extend(from);
    }
}
