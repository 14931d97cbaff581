//! Charges: create (test tokens, card sources, payment methods, a customer's default source),
//! retrieve, update, capture, list. This file holds the registry entry, the routes' handlers,
//! the create parameters and what a charge attempt is recorded from (`ChargeSpec`, `Payment`),
//! which payment intents share; what a charge pays with is in `charges/sources.rs`, create and
//! the charge object recorded in `create.rs`, update and capture in `update.rs`.

mod create;
mod sources;
mod update;

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Model;
use super::cards::Card;
use super::errors::ApiError;
use super::params::Params;
use crate::registry::{Call, Resource, Route};

/// The registry entry of charges.
pub(crate) fn resource() -> Resource {
    Resource::new("charge")
        .with_prefix("ch_")
        .with_route(Route::new("POST /v1/charges", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/charges"))
        .with_route(Route::search("GET /v1/charges/search"))
        .with_route(Route::retrieve("GET /v1/charges/{charge}"))
        .with_route(Route::new("POST /v1/charges/{charge}", update).with_validator(validate_update))
        .with_route(
            Route::new("POST /v1/charges/{charge}/capture", capture)
                .with_validator(validate_capture),
        )
        .with_searchable(&[
            "amount",
            "billing_details.address.postal_code",
            "created",
            "currency",
            "customer",
            "disputed",
            "payment_method_details.card.brand",
            "payment_method_details.card.last4",
            "refunded",
            "status",
        ])
        .with_expandable(&[
            "application",
            "application_fee",
            "balance_transaction",
            "billing_details",
            "customer",
            "failure_balance_transaction",
            "fraud_details",
            "invoice",
            "on_behalf_of",
            "outcome",
            "payment_intent",
            "payment_method_details",
            "radar_options",
            "refunds",
            "review",
            "shipping",
            "source_transfer",
            "transfer",
            "transfer_data",
        ])
        .with_list_filters(&["customer", "payment_intent", "transfer_group"])
        .with_events(&[
            "charge.succeeded",
            "charge.failed",
            "charge.captured",
            "charge.updated",
            "charge.refunded",
        ])
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().map("metadata").map(drop)
}

fn validate_capture(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().opt_amount("amount").map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_charge(call.params(), call.unix_time())
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.update_charge(call.id(), call.params(), call.unix_time())
}

fn capture(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.capture_charge(call.id(), call.params(), call.unix_time())
}

/// Parameters Stripe echoes on a charge as given.
const ECHOED: [&str; 4] = [
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_group",
];

/// Validated `POST /v1/charges` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateCharge {
    amount: u64,
    currency: String,
    customer: Option<String>,
    source: Option<String>,
    payment_method: Option<String>,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
    capture: bool,
}

/// How a charge is paid: the card and what the charge names as its method.
#[derive(Debug, Clone)]
pub(crate) struct Payment {
    pub(crate) card: Card,
    /// The `pm_...` or `card_...` id the charge shows as `payment_method`.
    pub(crate) payment_method: String,
    /// The card source, for charges paid by one (`source` on the charge).
    pub(crate) source: Option<Value>,
}

/// Everything needed to record one charge attempt.
#[derive(Debug, Clone)]
pub(crate) struct ChargeSpec {
    pub(crate) amount: u64,
    pub(crate) currency: String,
    pub(crate) customer: Option<String>,
    pub(crate) payment: Payment,
    pub(crate) description: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) payment_intent: Option<String>,
    /// The invoice a payment intent of an invoice pays.
    pub(crate) invoice: Option<String>,
    pub(crate) capture: bool,
    /// Known parameters echoed as given (`receipt_email`, ...).
    pub(crate) echoed: Map<String, Value>,
}

/// The given parameters among `names`, as strings, to copy onto an object.
pub(crate) fn echoed(p: &Params, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| p.get(n).map(|v| ((*n).to_owned(), json!(v))))
        .collect()
}

/// Validates `POST /v1/charges`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateCharge, ApiError> {
    let amount = p.amount("amount")?;
    let currency = p.currency()?;
    let customer = p.get("customer").map(str::to_owned);
    let source = p.get("source").map(str::to_owned);
    let payment_method = p.get("payment_method").map(str::to_owned);
    if source.is_none() && payment_method.is_none() && customer.is_none() {
        return Err(ApiError::invalid_param(
            "source",
            "parameter_missing",
            "Must provide source or customer.".to_owned(),
        ));
    }
    Ok(CreateCharge {
        amount,
        currency,
        customer,
        source,
        payment_method,
        description: p.get("description").map(str::to_owned),
        metadata: p.map("metadata")?,
        capture: p.opt_bool("capture")?.unwrap_or(true),
    })
}
