//! Billing behind the subscriptions, invoices and invoice items resources: the shapes of their
//! objects, invoices from draft to paid, payment through payment intents, a subscription's
//! states, prorations, the calendar of billing periods, the upcoming invoice, and what a test
//! clock's advance runs (renewals, trial ends, retries, period-end cancellations).

pub(crate) mod calendar;
pub(crate) mod invoicing;
pub(crate) mod items;
pub(crate) mod lifecycle;
pub(crate) mod payment;
pub(crate) mod renewals;
pub(crate) mod shapes;
pub(crate) mod subscription_fields;
pub(crate) mod upcoming;

use super::errors::ApiError;
use super::params::Params;

/// An optional Unix timestamp parameter.
pub(crate) fn timestamp(p: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    p.get(name)
        .map(|raw| {
            raw.parse::<i64>().map_err(|_| {
                ApiError::invalid_param(
                    name,
                    "parameter_invalid_integer",
                    format!("Invalid timestamp: {raw}. It must be Unix seconds."),
                )
            })
        })
        .transpose()
}

/// Refuses the parameters among `names` that the request sent: the fake does not model them,
/// and ignoring them would bill something other than what Stripe bills.
pub(crate) fn refuse_unmodelled(p: &Params, names: &[&str]) -> Result<(), ApiError> {
    for name in names {
        let sent = p.get(name).is_some()
            || !p.map(name).unwrap_or_default().is_empty()
            || !p.list(name).is_empty()
            || !p.indexed(name).unwrap_or_default().is_empty();
        if sent {
            return Err(ApiError::invalid_param(
                name,
                "parameter_invalid_string",
                format!("The fake does not model {name}: leave it out."),
            ));
        }
    }
    Ok(())
}
