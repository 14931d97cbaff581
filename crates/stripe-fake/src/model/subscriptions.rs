//! Subscriptions: create (with a trial, or its first invoice finalized and paid at once),
//! retrieve, list, update (items with prorations, `cancel_at_period_end`, ending or extending a
//! trial, ...), cancel now. What happens as time passes (renewals, trial ends, dunning, the
//! period-end cancellation) runs when a test clock advances: `billing/renewals.rs`.
//!
//! Times are the customer's test clock's (its `frozen_time`) when it has one.

use serde_json::{Value, json};

use super::Model;
use super::billing::calendar::Interval;
use super::billing::invoicing::{Draft, Pending};
use super::billing::items::Proration;
use super::billing::lifecycle::{SUBSCRIPTIONS, interval_of};
use super::billing::shapes;
use super::billing::subscription_fields::{Fields, TrialEnd, apply, parse_create, parse_fields};
use super::errors::ApiError;
use super::list::{self, ListParams};
use crate::registry::handlers::validate_list;
use crate::registry::{Call, Resource, Route};

/// The registry entry of subscriptions.
pub(crate) fn resource() -> Resource {
    Resource::new(SUBSCRIPTIONS)
        .with_prefix("sub_")
        .with_route(Route::new("POST /v1/subscriptions", create).with_validator(validate_create))
        .with_route(Route::new("GET /v1/subscriptions", list).with_validator(validate_list))
        .with_route(Route::retrieve(
            "GET /v1/subscriptions/{subscription_exposed_id}",
        ))
        .with_route(
            Route::new("POST /v1/subscriptions/{subscription_exposed_id}", update)
                .with_validator(validate_update),
        )
        .with_route(
            Route::new("DELETE /v1/subscriptions/{subscription_exposed_id}", cancel)
                .with_validator(validate_cancel),
        )
        .with_expandable(&[
            "customer",
            "default_payment_method",
            "default_source",
            "items",
            "latest_invoice",
            "test_clock",
        ])
        .with_events(&[
            "customer.subscription.created",
            "customer.subscription.updated",
            "customer.subscription.deleted",
            "customer.subscription.trial_will_end",
        ])
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    parse_fields(call.params(), true).map(drop)
}

fn validate_cancel(call: &Call<'_>) -> Result<(), ApiError> {
    let p = call.params();
    p.opt_bool("invoice_now")?;
    p.opt_bool("prorate")?;
    p.map("cancellation_details").map(drop)
}

impl Model {
    /// Checks that a default payment method is attached to the customer.
    fn check_default_payment_method(&self, f: &Fields, customer: &str) -> Result<(), ApiError> {
        match f
            .default_payment_method
            .as_deref()
            .filter(|pm| !pm.is_empty())
        {
            Some(pm) if !self.find(pm).is_some_and(|m| m["customer"] == customer) => {
                Err(ApiError::invalid_param(
                    "default_payment_method",
                    "resource_missing",
                    format!(
                        "No such PaymentMethod: '{pm}'; it must be attached to the customer first."
                    ),
                ))
            }
            _ => Ok(()),
        }
    }

    /// Makes the subscription's invoice of `reason` now (its pending items, and `lines`),
    /// finalizes it and, unless `attempt` is false, tries to collect it.
    fn invoice_now(
        &mut self,
        sub: &Value,
        invoice: String,
        reason: &'static str,
        lines: Vec<shapes::Line>,
        attempt: bool,
        at: i64,
    ) -> Result<(), ApiError> {
        let id = sub["id"].as_str().unwrap_or_default();
        let draft = Draft {
            subscription: Some(id.to_owned()),
            collection_method: sub["collection_method"]
                .as_str()
                .unwrap_or("charge_automatically")
                .to_owned(),
            days_until_due: sub["days_until_due"].as_u64(),
            auto_advance: true,
            lines,
            pending: Pending::Subscription(id.to_owned()),
            ..Draft::new(sub["customer"].as_str().unwrap_or_default(), reason, at)
        };
        let id = self.draft_invoice(draft, Some(invoice), at)?;
        self.finalize_invoice(&id, at)?;
        let invoice = self.collection("invoice")?.get(&id)?;
        if attempt
            && invoice["status"] == "open"
            && invoice["collection_method"] == "charge_automatically"
        {
            self.collect_invoice(&id, None, false, at)?;
        }
        Ok(())
    }
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let (customer, f, trial_days) = parse_create(call.params())?;
    let customer_object = model
        .collection("customer")?
        .named(&customer, "customer")?
        .clone();
    model.check_default_payment_method(&f, &customer)?;
    let at = model.billing_time(&customer, call.unix_time());
    let id = model.next_id("sub_");
    let items = model.changed_items(&id, &[], &f.items, "items", at)?;
    let first = items.first().cloned().unwrap_or_default();
    let interval = Interval::of_price(&first["price"])
        .ok_or_else(|| ApiError::internal("no recurring price".to_owned()))?;
    let trial_end = match (f.trial_end, trial_days) {
        (Some(TrialEnd::At(end)), _) if end <= at => {
            return Err(ApiError::invalid_param(
                "trial_end",
                "parameter_invalid_integer",
                format!(
                    "Invalid timestamp: must be an integer Unix timestamp in the future (trial_end {end} is not after {at})."
                ),
            ));
        }
        (Some(TrialEnd::At(end)), _) => Some(end),
        (Some(TrialEnd::Now), _) | (None, None | Some(0)) => None,
        (None, Some(days)) => Some(
            at.saturating_add(
                i64::try_from(days)
                    .unwrap_or(i64::MAX / 2)
                    .saturating_mul(86_400),
            ),
        ),
    };
    let period_end = trial_end.unwrap_or_else(|| interval.after(at, 1));
    let send_invoice = f.collection_method.as_deref() == Some("send_invoice");
    let invoice = model.next_id("in_");
    let currency = first["price"]["currency"].as_str().unwrap_or("usd");
    let mut sub = shapes::subscription(&id, &customer, currency, at);
    sub["items"] = shapes::items_list(&id, items);
    sub["billing_cycle_anchor"] = json!(trial_end.unwrap_or(at));
    sub["current_period_end"] = json!(period_end);
    sub["latest_invoice"] = json!(invoice);
    sub["test_clock"] = customer_object["test_clock"].clone();
    sub["status"] = json!(match (trial_end, send_invoice) {
        (Some(_), _) => "trialing",
        (None, true) => "active",
        (None, false) => "incomplete",
    });
    if let Some(end) = trial_end {
        sub["trial_start"] = json!(at);
        sub["trial_end"] = json!(end);
    }
    apply(&mut sub, &f, period_end, at);
    let sub = model.collection_mut(SUBSCRIPTIONS)?.insert(sub)?;
    model.record_event("customer.subscription.created", &sub, at);
    let lines = model.subscription_lines(&sub, (at, period_end), trial_end.is_some());
    model.invoice_now(
        &sub,
        invoice,
        "subscription_create",
        lines,
        !f.default_incomplete,
        at,
    )?;
    model.collection(SUBSCRIPTIONS)?.get(&id).cloned()
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let f = parse_fields(call.params(), true)?;
    let id = call.id();
    let sub = model.collection(SUBSCRIPTIONS)?.get(id)?.clone();
    let customer = sub["customer"].as_str().unwrap_or_default().to_owned();
    let status = sub["status"].as_str().unwrap_or_default().to_owned();
    if status == "canceled" || status == "incomplete_expired" {
        let only_metadata = f.items.is_empty()
            && f.trial_end.is_none()
            && f.cancel_at_period_end.is_none()
            && f.cancel_at.is_none()
            && f.default_payment_method.is_none();
        if !only_metadata {
            return Err(ApiError::invalid_request(format!(
                "A canceled subscription can only update its cancellation_details and metadata ({id} is {status})."
            )));
        }
    }
    model.check_default_payment_method(&f, &customer)?;
    let at = model.billing_time(&customer, call.unix_time());
    let old_items = sub["items"]["data"].as_array().cloned().unwrap_or_default();
    let items = if f.items.is_empty() {
        old_items.clone()
    } else {
        model.changed_items(id, &old_items, &f.items, "items", at)?
    };
    let trialing = status == "trialing";
    let interval = interval_of(&json!({"items": {"data": items}}))?;
    let interval_changed = interval != interval_of(&sub)?;
    let ending_trial = trialing && f.trial_end == Some(TrialEnd::Now);
    let extended_trial = match f.trial_end {
        Some(TrialEnd::At(end)) if !trialing => {
            return Err(ApiError::invalid_param(
                "trial_end",
                "parameter_invalid_integer",
                format!(
                    "The fake only moves the trial_end of a trialing subscription ({id} is {status}); given {end}."
                ),
            ));
        }
        Some(TrialEnd::At(end)) if end <= at => {
            return Err(ApiError::invalid_param(
                "trial_end",
                "parameter_invalid_integer",
                format!("Invalid timestamp: trial_end {end} must be in the future."),
            ));
        }
        Some(TrialEnd::At(end)) => Some(end),
        _ => None,
    };
    let period = (
        sub["current_period_start"].as_i64().unwrap_or(at),
        sub["current_period_end"].as_i64().unwrap_or(at),
    );
    let reset = interval_changed || ending_trial;
    let mut prorations = Vec::new();
    if !trialing && f.proration != Proration::Skip && !f.items.is_empty() {
        let when = f.proration_date.unwrap_or(at);
        let replaced: &[Value] = if interval_changed { &[] } else { &items };
        prorations = model.proration_lines(id, &old_items, replaced, when, period);
    }
    for line in &prorations {
        model.add_invoice_item(&customer, line, at)?;
    }
    let invoice_needed =
        reset || (f.proration == Proration::AlwaysInvoice && !prorations.is_empty());
    let invoice = invoice_needed.then(|| model.next_id("in_"));
    let new_period = if reset {
        (at, interval.after(at, 1))
    } else {
        (period.0, extended_trial.unwrap_or(period.1))
    };
    let sub = model.collection_mut(SUBSCRIPTIONS)?.update(id, |s| {
        s["items"] = shapes::items_list(id, items);
        if reset || extended_trial.is_some() {
            s["billing_cycle_anchor"] = json!(if reset { at } else { new_period.1 });
            s["current_period_start"] = json!(new_period.0);
            s["current_period_end"] = json!(new_period.1);
        }
        if ending_trial {
            s["status"] = json!("active");
            s["trial_end"] = json!(at);
        }
        if let Some(end) = extended_trial {
            s["trial_end"] = json!(end);
        }
        if let Some(invoice) = &invoice {
            s["latest_invoice"] = json!(invoice);
        }
        apply(s, &f, new_period.1, at);
        Ok(())
    })?;
    if ending_trial {
        model.record_event("customer.subscription.trial_will_end", &sub, at);
    }
    model.record_event("customer.subscription.updated", &sub, at);
    if let Some(invoice) = invoice {
        let lines = if reset {
            model.subscription_lines(&sub, new_period, false)
        } else {
            Vec::new()
        };
        model.invoice_now(&sub, invoice, "subscription_update", lines, true, at)?;
    }
    model.collection(SUBSCRIPTIONS)?.get(id).cloned()
}

fn cancel(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let id = call.id();
    let sub = model.collection(SUBSCRIPTIONS)?.get(id)?.clone();
    let status = sub["status"].as_str().unwrap_or_default();
    if status == "canceled" || status == "incomplete_expired" {
        return Err(ApiError::invalid_request(format!(
            "This subscription ({id}) is already {status}: it cannot be canceled again."
        )));
    }
    let customer = sub["customer"].as_str().unwrap_or_default().to_owned();
    let at = model.billing_time(&customer, call.unix_time());
    if p.opt_bool("prorate")? == Some(true) && status != "trialing" {
        let period = (
            sub["current_period_start"].as_i64().unwrap_or(at),
            sub["current_period_end"].as_i64().unwrap_or(at),
        );
        let old = sub["items"]["data"].as_array().cloned().unwrap_or_default();
        for line in model.proration_lines(id, &old, &[], at, period) {
            model.add_invoice_item(&customer, &line, at)?;
        }
    }
    let details = p.map("cancellation_details")?;
    model.collection_mut(SUBSCRIPTIONS)?.update(id, |s| {
        for field in ["comment", "feedback"] {
            if let Some(v) = details.get(field) {
                s["cancellation_details"][field] = json!(v);
            }
        }
        Ok(())
    })?;
    let sub = model.end_subscription(id, "cancellation_requested", at)?;
    let pending = model.collection("invoiceitem")?.as_slice().iter().any(|i| {
        i["invoice"].is_null()
            && i["customer"] == customer.as_str()
            && (i["subscription"].is_null() || i["subscription"] == id)
    });
    if p.opt_bool("invoice_now")? == Some(true) && pending {
        let invoice = model.next_id("in_");
        model.invoice_now(&sub, invoice, "subscription_update", Vec::new(), true, at)?;
    }
    model.collection(SUBSCRIPTIONS)?.get(id).cloned()
}

/// `GET /v1/subscriptions`: by `customer`, `price`, `status` (`all`; by default every one not
/// ended), `collection_method`, `test_clock`.
fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let lp = ListParams::parse(p)?;
    let status = p.get("status");
    let selected = model
        .collection(SUBSCRIPTIONS)?
        .as_slice()
        .iter()
        .filter(|s| {
            let by_status = match status {
                Some("all") => true,
                Some("ended") => s["status"] == "canceled" || s["status"] == "incomplete_expired",
                Some(want) => s["status"] == want,
                None => s["status"] != "canceled" && s["status"] != "incomplete_expired",
            };
            let by_price = p.get("price").is_none_or(|price| {
                s["items"]["data"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i["price"]["id"] == price))
            });
            by_status
                && by_price
                && ["customer", "collection_method", "test_clock"]
                    .iter()
                    .all(|f| list::matches(s, p, f))
        });
    list::page(selected, &lp, "/v1/subscriptions", SUBSCRIPTIONS)
}
