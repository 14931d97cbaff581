//! `GET /v1/invoices/upcoming`: the invoice a customer's subscription will make next (its
//! pending invoice items, then its items for the next period), or, with
//! `subscription_items[N][...]` (and `subscription_proration_behavior`,
//! `subscription_proration_date`), the invoice a change would make: its prorations, billed with
//! the next period, or at once when the change resets the billing cycle or asks for
//! `always_invoice`. Nothing is stored; the preview has no id, as Stripe's has none.

use serde_json::{Value, json};

use super::invoicing::{ITEMS, set_totals};
use super::items::{Proration, parse_items};
use super::lifecycle::{SUBSCRIPTIONS, interval_of};
use super::shapes::{self, Line};
use super::{refuse_unmodelled, timestamp};
use crate::model::Model;
use crate::model::errors::ApiError;
use crate::registry::Call;

/// Previews the fake does not model: refused by name rather than answered wrong.
const UNMODELLED: [&str; 11] = [
    "coupon",
    "discounts",
    "invoice_items",
    "schedule",
    "subscription_billing_cycle_anchor",
    "subscription_cancel_at",
    "subscription_cancel_now",
    "subscription_default_tax_rates",
    "subscription_resume_at",
    "subscription_start_date",
    "subscription_trial_end",
];

fn none_upcoming(customer: &str) -> ApiError {
    ApiError::not_found(
        "invoice_upcoming_none",
        format!("No upcoming invoices for customer: {customer}"),
    )
}

/// `GET /v1/invoices/upcoming`.
pub(crate) fn upcoming(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    refuse_unmodelled(p, &UNMODELLED)?;
    let changes = parse_items(p, "subscription_items", true)?;
    let proration = Proration::parse(p, "subscription_proration_behavior")?;
    let proration_date = timestamp(p, "subscription_proration_date")?;
    let canceling = p.opt_bool("subscription_cancel_at_period_end")? == Some(true);
    let sub = match p.get("subscription") {
        Some(id) => Some(
            model
                .collection(SUBSCRIPTIONS)?
                .named(id, "subscription")?
                .clone(),
        ),
        None => None,
    };
    let customer = match (p.get("customer"), &sub) {
        (Some(customer), _) => customer.to_owned(),
        (None, Some(sub)) => sub["customer"].as_str().unwrap_or_default().to_owned(),
        (None, None) => return Err(ApiError::missing("customer")),
    };
    let customer_object = model
        .collection("customer")?
        .named(&customer, "customer")?
        .clone();
    if sub
        .as_ref()
        .is_some_and(|s| s["customer"] != customer.as_str())
    {
        return Err(ApiError::invalid_param(
            "subscription",
            "resource_missing",
            format!("Customer {customer} does not have a subscription with that ID."),
        ));
    }
    let at = model.billing_time(&customer, call.unix_time());
    let sub = sub.or_else(|| {
        model
            .collection(SUBSCRIPTIONS)
            .ok()?
            .as_slice()
            .iter()
            .filter(|s| {
                s["customer"] == customer.as_str()
                    && matches!(
                        s["status"].as_str(),
                        Some("active" | "past_due" | "trialing" | "unpaid")
                    )
            })
            .min_by_key(|s| s["current_period_end"].as_i64().unwrap_or(i64::MAX))
            .cloned()
    });
    let sub_id = sub
        .as_ref()
        .and_then(|s| s["id"].as_str())
        .map(str::to_owned);
    let mut lines: Vec<Line> = model
        .collection(ITEMS)?
        .as_slice()
        .iter()
        .rev()
        .filter(|i| {
            i["customer"] == customer.as_str()
                && i["invoice"].is_null()
                && (i["subscription"].is_null()
                    || sub_id.as_deref().is_some_and(|s| i["subscription"] == s))
        })
        .map(Line::of_invoice_item)
        .collect();
    let mut created = at;
    let mut period = (at, at);
    if let Some(sub) = &sub {
        let ended = matches!(
            sub["status"].as_str(),
            Some("canceled" | "incomplete_expired")
        );
        if ended || canceling || (sub["cancel_at_period_end"] == true && changes.is_empty()) {
            return Err(none_upcoming(&customer));
        }
        let id = sub["id"].as_str().unwrap_or_default();
        let old = sub["items"]["data"].as_array().cloned().unwrap_or_default();
        let new = if changes.is_empty() {
            old.clone()
        } else {
            model.changed_items(id, &old, &changes, "subscription_items", at)?
        };
        let interval = interval_of(&json!({"items": {"data": new}}))?;
        let interval_changed = interval != interval_of(sub)?;
        period = (
            sub["current_period_start"].as_i64().unwrap_or(at),
            sub["current_period_end"].as_i64().unwrap_or(at),
        );
        let mut changed = sub.clone();
        changed["items"]["data"] = json!(new);
        if !changes.is_empty() && proration != Proration::Skip && sub["status"] != "trialing" {
            let replaced: &[Value] = if interval_changed { &[] } else { &new };
            lines.extend(model.proration_lines(
                id,
                &old,
                replaced,
                proration_date.unwrap_or(at),
                period,
            ));
        }
        let now_invoice = interval_changed
            || (proration == Proration::AlwaysInvoice && lines.iter().any(|l| l.proration));
        if interval_changed {
            lines.extend(model.subscription_lines(&changed, (at, interval.after(at, 1)), false));
        } else if !now_invoice {
            let anchor = sub["billing_cycle_anchor"].as_i64().unwrap_or(period.1);
            let next = (period.1, interval.next_boundary(anchor, period.1));
            lines.extend(model.subscription_lines(&changed, next, false));
            created = period.1;
        }
    } else if lines.is_empty() {
        return Err(none_upcoming(&customer));
    }
    let currency = lines
        .first()
        .map_or("usd".to_owned(), |l| l.currency.clone());
    let mut data = Vec::with_capacity(lines.len());
    for line in lines {
        let id = model.next_id("il_tmp_");
        data.push(line.into_json(&id));
    }
    let mut invoice = shapes::invoice("", &customer_object, &currency, created);
    if let Some(map) = invoice.as_object_mut() {
        map.remove("id");
    }
    invoice["lines"] = shapes::lines_list("", data);
    invoice["billing_reason"] = json!(if sub.is_some() { "upcoming" } else { "manual" });
    invoice["auto_advance"] = json!(sub.is_some());
    invoice["period_start"] = json!(period.0);
    invoice["period_end"] = json!(period.1);
    invoice["starting_balance"] = customer_object["balance"].clone();
    invoice["subscription_details"] = Value::Null;
    if let Some(sub) = &sub {
        invoice["subscription"] = sub["id"].clone();
        invoice["subscription_details"] = json!({"metadata": sub["metadata"]});
        invoice["collection_method"] = sub["collection_method"].clone();
        if sub["collection_method"] == "charge_automatically" {
            invoice["next_payment_attempt"] = json!(created.saturating_add(3600));
        }
    }
    set_totals(&mut invoice);
    Ok(invoice)
}
