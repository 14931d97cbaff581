//! The parameters of payment intents' endpoints (create, update, confirm, cancel), validated
//! before anything runs, and the members Stripe echoes on an intent as given.

use std::collections::BTreeMap;

use crate::model::authentication::Attempt;
use crate::model::errors::ApiError;
use crate::model::params::Params;

/// Parameters Stripe echoes on a payment intent as given.
pub(super) const ECHOED: [&str; 5] = [
    "receipt_email",
    "setup_future_usage",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_group",
];

const CAPTURE_METHODS: [&str; 3] = ["automatic", "automatic_async", "manual"];
const CANCELLATION_REASONS: [&str; 4] = [
    "abandoned",
    "duplicate",
    "fraudulent",
    "requested_by_customer",
];

/// Validated `POST /v1/payment_intents` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateIntent {
    pub(super) amount: u64,
    pub(super) currency: String,
    pub(super) customer: Option<String>,
    pub(super) payment_method: Option<String>,
    pub(super) confirm: bool,
    pub(super) capture_method: String,
    pub(super) description: Option<String>,
    pub(super) metadata: BTreeMap<String, String>,
    pub(super) attempt: Attempt,
}

/// Validated `POST /v1/payment_intents/{id}/confirm` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConfirmIntent {
    pub(super) payment_method: Option<String>,
    pub(super) attempt: Attempt,
}

fn one_of(p: &Params, name: &str, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match p.get(name) {
        None => Ok(None),
        Some(v) if allowed.contains(&v) => Ok(Some(v.to_owned())),
        Some(v) => Err(ApiError::invalid_param(
            name,
            "parameter_invalid_string",
            format!(
                "Invalid {name}: must be one of {} (got {v})",
                allowed.join(", ")
            ),
        )),
    }
}

/// Validates `POST /v1/payment_intents`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateIntent, ApiError> {
    Ok(CreateIntent {
        amount: p.amount("amount")?,
        currency: p.currency()?,
        customer: p.get("customer").map(str::to_owned),
        payment_method: p.get("payment_method").map(str::to_owned),
        confirm: p.opt_bool("confirm")?.unwrap_or(false),
        capture_method: one_of(p, "capture_method", &CAPTURE_METHODS)?
            .unwrap_or_else(|| "automatic".to_owned()),
        description: p.get("description").map(str::to_owned),
        metadata: p.map("metadata")?,
        attempt: Attempt::parse(p)?,
    })
}

/// Validates `POST /v1/payment_intents/{id}`.
pub(crate) fn parse_update(p: &Params) -> Result<(), ApiError> {
    p.opt_amount("amount")?;
    if p.get("currency").is_some() {
        p.currency()?;
    }
    one_of(p, "capture_method", &CAPTURE_METHODS)?;
    p.map("metadata").map(drop)
}

/// Validates `POST /v1/payment_intents/{id}/confirm`: the payment method given, if any, and
/// how the confirmation is made.
pub(crate) fn parse_confirm(p: &Params) -> Result<ConfirmIntent, ApiError> {
    Ok(ConfirmIntent {
        payment_method: p.get("payment_method").map(str::to_owned),
        attempt: Attempt::parse(p)?,
    })
}

/// Validates `POST /v1/payment_intents/{id}/cancel`: the reason given, if any.
pub(crate) fn parse_cancel(p: &Params) -> Result<Option<String>, ApiError> {
    one_of(p, "cancellation_reason", &CANCELLATION_REASONS)
}
