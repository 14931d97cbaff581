//! The parameters of `POST /v1/subscriptions` and `POST /v1/subscriptions/{id}`: what they
//! share (items, trial, payment method, cancellation, collection, text, metadata, proration),
//! validated before anything runs, and how they are set on a subscription.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::items::{ItemChange, Proration, parse_items};
use super::{refuse_unmodelled, timestamp};
use crate::model::errors::ApiError;
use crate::model::params::{Params, TextFields, merge_metadata};

/// Parameters that change what is billed or when, which the fake does not model: refused
/// with a 400 naming them rather than ignored.
const UNMODELLED: [&str; 7] = [
    "add_invoice_items",
    "backdate_start_date",
    "billing_cycle_anchor",
    "billing_thresholds",
    "coupon",
    "pause_collection",
    "promotion_code",
];

/// `trial_end`: a time, or `now` (no trial, or the trial ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TrialEnd {
    /// `now`.
    Now,
    /// A Unix time.
    At(i64),
}

/// The fields create and update share.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fields {
    pub(crate) items: Vec<ItemChange>,
    pub(crate) trial_end: Option<TrialEnd>,
    pub(crate) default_payment_method: Option<String>,
    pub(crate) cancel_at_period_end: Option<bool>,
    pub(crate) cancel_at: Option<i64>,
    pub(crate) collection_method: Option<String>,
    pub(crate) days_until_due: Option<u64>,
    pub(crate) text: TextFields,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) clear_metadata: bool,
    pub(crate) proration: Proration,
    pub(crate) proration_date: Option<i64>,
    /// `payment_behavior=default_incomplete` (no payment attempt on create).
    pub(crate) default_incomplete: bool,
}

pub(crate) fn parse_fields(p: &Params, updating: bool) -> Result<Fields, ApiError> {
    refuse_unmodelled(p, &UNMODELLED)?;
    let trial_end = match p.get("trial_end") {
        None => None,
        Some("now") => Some(TrialEnd::Now),
        Some(_) => timestamp(p, "trial_end")?.map(TrialEnd::At),
    };
    let collection_method = match p.get("collection_method") {
        None => None,
        Some(m @ ("charge_automatically" | "send_invoice")) => Some(m.to_owned()),
        Some(_) => {
            return Err(ApiError::invalid_param(
                "collection_method",
                "parameter_invalid_string",
                "Invalid collection_method: must be one of charge_automatically, send_invoice"
                    .to_owned(),
            ));
        }
    };
    let default_incomplete = match p.get("payment_behavior") {
        None | Some("allow_incomplete") => false,
        Some("default_incomplete") => true,
        Some(other @ ("error_if_incomplete" | "pending_if_incomplete")) => {
            return Err(ApiError::invalid_param(
                "payment_behavior",
                "parameter_invalid_string",
                format!(
                    "The fake does not model payment_behavior={other}: use allow_incomplete (the default) or default_incomplete."
                ),
            ));
        }
        Some(_) => {
            return Err(ApiError::invalid_param(
                "payment_behavior",
                "parameter_invalid_string",
                "Invalid payment_behavior: must be one of allow_incomplete, default_incomplete, error_if_incomplete, pending_if_incomplete".to_owned(),
            ));
        }
    };
    let days_until_due = p.opt_amount("days_until_due")?;
    Ok(Fields {
        items: parse_items(p, "items", updating)?,
        trial_end,
        default_payment_method: p.get("default_payment_method").map(str::to_owned),
        cancel_at_period_end: p.opt_bool("cancel_at_period_end")?,
        cancel_at: timestamp(p, "cancel_at")?,
        collection_method,
        days_until_due,
        text: TextFields::from_params(p, &["description"]),
        metadata: p.map("metadata")?,
        clear_metadata: p.cleared("metadata"),
        proration: Proration::parse(p, "proration_behavior")?,
        proration_date: timestamp(p, "proration_date")?,
        default_incomplete,
    })
}

/// Validated `POST /v1/subscriptions`.
pub(crate) fn parse_create(p: &Params) -> Result<(String, Fields, Option<u64>), ApiError> {
    let customer = p
        .get("customer")
        .ok_or_else(|| ApiError::missing("customer"))?;
    let fields = parse_fields(p, false)?;
    if fields.items.is_empty() {
        return Err(ApiError::missing("items"));
    }
    if fields.collection_method.as_deref() == Some("send_invoice")
        && fields.days_until_due.is_none()
    {
        return Err(ApiError::missing("days_until_due"));
    }
    let trial_days = p
        .get("trial_period_days")
        .map(|_| p.opt_amount("trial_period_days"))
        .transpose()?
        .flatten();
    Ok((customer.to_owned(), fields, trial_days))
}

/// Applies what create and update set the same way.
pub(crate) fn apply(sub: &mut Value, f: &Fields, period_end: i64, at: i64) {
    if let Some(pm) = &f.default_payment_method {
        sub["default_payment_method"] = if pm.is_empty() {
            Value::Null
        } else {
            json!(pm)
        };
    }
    if let Some(cancel) = f.cancel_at_period_end {
        sub["cancel_at_period_end"] = json!(cancel);
        sub["cancel_at"] = if cancel {
            json!(period_end)
        } else {
            Value::Null
        };
        sub["canceled_at"] = if cancel { json!(at) } else { Value::Null };
    }
    if let Some(cancel_at) = f.cancel_at {
        sub["cancel_at"] = json!(cancel_at);
        sub["cancel_at_period_end"] = json!(false);
    }
    if let Some(method) = &f.collection_method {
        sub["collection_method"] = json!(method);
    }
    if let Some(days) = f.days_until_due {
        sub["days_until_due"] = json!(days);
    }
    f.text.apply_to(sub);
    merge_metadata(sub, &f.metadata, f.clear_metadata);
}
