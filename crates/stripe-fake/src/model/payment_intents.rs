//! Payment intents: create (optionally confirming at once), retrieve, update, confirm,
//! capture (`capture_method=manual`), cancel, list. This file holds the registry entry, the
//! routes' handlers and what the intent's files share (its lookup, the statuses it may leave,
//! the unexpected-state error); the parameters are validated in `payment_intents/validate.rs`,
//! create and update are in `create.rs`, confirmation and the charge it makes in `confirm.rs`,
//! capture and cancel in `capture.rs`.

mod capture;
mod confirm;
mod create;
mod validate;

use serde_json::Value;

use super::Model;
use super::errors::ApiError;
use crate::registry::{Call, Resource, Route};
use validate::{parse_cancel, parse_confirm, parse_create, parse_update};

/// The registry entry of payment intents.
pub(crate) fn resource() -> Resource {
    Resource::new("payment_intent")
        .with_prefix("pi_")
        .with_route(Route::new("POST /v1/payment_intents", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/payment_intents"))
        .with_route(Route::search("GET /v1/payment_intents/search"))
        .with_route(Route::retrieve("GET /v1/payment_intents/{intent}"))
        .with_route(
            Route::new("POST /v1/payment_intents/{intent}", update).with_validator(validate_update),
        )
        .with_route(
            Route::new("POST /v1/payment_intents/{intent}/confirm", confirm)
                .with_validator(validate_confirm),
        )
        .with_route(
            Route::new("POST /v1/payment_intents/{intent}/capture", capture)
                .with_validator(validate_capture),
        )
        .with_route(
            Route::new("POST /v1/payment_intents/{intent}/cancel", cancel)
                .with_validator(validate_cancel),
        )
        .with_searchable(&["amount", "created", "currency", "customer", "status"])
        .with_expandable(&[
            "amount_details",
            "application",
            "automatic_payment_methods",
            "customer",
            "invoice",
            "last_payment_error",
            "latest_charge",
            "next_action",
            "on_behalf_of",
            "payment_method",
            "payment_method_options",
            "processing",
            "review",
            "shipping",
            "transfer_data",
        ])
        .with_list_filters(&["customer"])
        .with_events(&[
            "payment_intent.created",
            "payment_intent.requires_action",
            "payment_intent.succeeded",
            "payment_intent.payment_failed",
            "payment_intent.amount_capturable_updated",
            "payment_intent.canceled",
        ])
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    parse_update(call.params())
}

fn validate_confirm(call: &Call<'_>) -> Result<(), ApiError> {
    parse_confirm(call.params()).map(drop)
}

fn validate_capture(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().opt_amount("amount_to_capture").map(drop)
}

fn validate_cancel(call: &Call<'_>) -> Result<(), ApiError> {
    parse_cancel(call.params()).map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_payment_intent(call.params(), call.unix_time())
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.update_payment_intent(call.id(), call.params())
}

fn confirm(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.confirm_payment_intent(call.id(), call.params(), call.unix_time())
}

fn capture(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.capture_payment_intent(call.id(), call.params(), call.unix_time())
}

fn cancel(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.cancel_payment_intent(call.id(), call.params(), call.unix_time())
}

/// Statuses from which a payment intent can be updated, confirmed or canceled.
const OPEN: [&str; 4] = [
    "requires_payment_method",
    "requires_confirmation",
    "requires_action",
    "requires_capture",
];

fn unexpected_state(intent: &Value, action: &str, allowed: &str) -> ApiError {
    let status = intent["status"].as_str().unwrap_or_default();
    ApiError::invalid_state(
        "payment_intent_unexpected_state",
        format!(
            "You cannot {action} this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be {action}ed: {allowed}."
        ),
    )
    .with_member("payment_intent", intent.clone())
}

const INTENTS: &str = "payment_intent";

impl Model {
    /// A copy of the payment intent named by the path, or 404.
    fn intent(&self, id: &str) -> Result<Value, ApiError> {
        self.collection(INTENTS)?.get(id).cloned()
    }
}
