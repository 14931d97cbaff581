//! Invoices: create a draft (its customer's pending items with
//! `pending_invoice_items_behavior=include`), retrieve, update, delete a draft, finalize, pay
//! (by the invoice's payment intent, or `paid_out_of_band`), void, mark uncollectible, list,
//! their lines, and the upcoming invoice (`billing/upcoming.rs`). Subscriptions make their own
//! invoices; an invoice with `auto_advance` on a test clock is finalized an hour after its
//! creation and collected (`billing/renewals.rs`).

use serde_json::{Value, json};

use super::Model;
use super::billing::invoicing::{Draft, INVOICES, ITEMS, Pending};
use super::billing::payment::Collected;
use super::billing::{refuse_unmodelled, timestamp, upcoming};
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::params::{Params, TextFields};
use crate::registry::handlers::validate_list;
use crate::registry::{Call, Resource, Route};

/// The registry entry of invoices.
pub(crate) fn resource() -> Resource {
    Resource::new(INVOICES)
        .with_prefix("in_")
        .with_route(Route::new("POST /v1/invoices", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/invoices"))
        .with_route(Route::new("GET /v1/invoices/upcoming", upcoming::upcoming))
        .with_route(Route::retrieve_live("GET /v1/invoices/{invoice}"))
        .with_route(
            Route::new("POST /v1/invoices/{invoice}", update).with_validator(validate_update),
        )
        .with_route(Route::new("DELETE /v1/invoices/{invoice}", delete))
        .with_route(
            Route::new("POST /v1/invoices/{invoice}/finalize", finalize)
                .with_validator(validate_finalize),
        )
        .with_route(Route::new("POST /v1/invoices/{invoice}/pay", pay).with_validator(validate_pay))
        .with_route(Route::new("POST /v1/invoices/{invoice}/void", void))
        .with_route(Route::new(
            "POST /v1/invoices/{invoice}/mark_uncollectible",
            mark_uncollectible,
        ))
        .with_route(
            Route::new("GET /v1/invoices/{invoice}/lines", lines).with_validator(validate_list),
        )
        .with_expandable(&[
            "charge",
            "customer",
            "default_payment_method",
            "default_source",
            "lines",
            "payment_intent",
            "subscription",
            "test_clock",
        ])
        .with_list_filters(&["collection_method", "customer", "status", "subscription"])
        .with_events(&[
            "invoice.created",
            "invoice.updated",
            "invoice.deleted",
            "invoice.finalized",
            "invoice.paid",
            "invoice.payment_succeeded",
            "invoice.payment_failed",
            "invoice.voided",
            "invoice.marked_uncollectible",
        ])
}

const UNMODELLED: [&str; 6] = [
    "application_fee_amount",
    "discounts",
    "from_invoice",
    "shipping_cost",
    "shipping_details",
    "transfer_data",
];

/// The fields create and update share.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    auto_advance: Option<bool>,
    collection_method: Option<String>,
    days_until_due: Option<u64>,
    due_date: Option<i64>,
    default_payment_method: Option<String>,
    text: TextFields,
}

fn parse_fields(p: &Params) -> Result<Fields, ApiError> {
    refuse_unmodelled(p, &UNMODELLED)?;
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
    p.map("metadata")?;
    Ok(Fields {
        auto_advance: p.opt_bool("auto_advance")?,
        collection_method,
        days_until_due: p.opt_amount("days_until_due")?,
        due_date: timestamp(p, "due_date")?,
        default_payment_method: p.get("default_payment_method").map(str::to_owned),
        text: TextFields::from_params(p, &["description", "footer", "statement_descriptor"]),
    })
}

fn pending_behavior(p: &Params) -> Result<(bool, bool), ApiError> {
    match p.get("pending_invoice_items_behavior") {
        None | Some("exclude") => Ok((false, false)),
        Some("include") => Ok((true, false)),
        Some("include_and_require") => Ok((true, true)),
        Some(_) => Err(ApiError::invalid_param(
            "pending_invoice_items_behavior",
            "parameter_invalid_string",
            "Invalid pending_invoice_items_behavior: must be one of exclude, include, include_and_require".to_owned(),
        )),
    }
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    let p = call.params();
    p.get("customer")
        .ok_or_else(|| ApiError::missing("customer"))?;
    pending_behavior(p)?;
    let f = parse_fields(p)?;
    if f.collection_method.as_deref() == Some("send_invoice")
        && f.days_until_due.is_none()
        && f.due_date.is_none()
    {
        return Err(ApiError::missing("days_until_due"));
    }
    Ok(())
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    parse_fields(call.params()).map(drop)
}

fn validate_finalize(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().opt_bool("auto_advance").map(drop)
}

fn validate_pay(call: &Call<'_>) -> Result<(), ApiError> {
    let p = call.params();
    p.opt_bool("paid_out_of_band")?;
    p.opt_bool("forgive")?;
    p.opt_bool("off_session").map(drop)
}

/// Applies the fields to an invoice (`draft`: all of them; otherwise only what Stripe lets a
/// finalized invoice change).
fn apply(invoice: &mut Value, f: &Fields, p: &Params, at: i64) -> Result<(), ApiError> {
    let draft = invoice["status"] == "draft";
    let draft_only = f.collection_method.is_some()
        || f.days_until_due.is_some()
        || f.due_date.is_some()
        || f.default_payment_method.is_some()
        || p.get("statement_descriptor").is_some();
    if !draft && draft_only {
        return Err(ApiError::invalid_state(
            "invoice_not_editable",
            format!(
                "This invoice ({}) can no longer be changed that way: it is no longer a draft.",
                invoice["id"].as_str().unwrap_or_default()
            ),
        ));
    }
    if let Some(auto) = f.auto_advance {
        if !draft && invoice["status"] != "open" {
            return Err(ApiError::invalid_state(
                "invoice_not_editable",
                "auto_advance can only be changed on draft and open invoices.".to_owned(),
            ));
        }
        invoice["auto_advance"] = json!(auto);
    }
    if let Some(method) = &f.collection_method {
        invoice["collection_method"] = json!(method);
    }
    if let Some(days) = f.days_until_due {
        invoice["due_date"] =
            json!(at.saturating_add(i64::try_from(days).unwrap_or(0).saturating_mul(86_400)));
    }
    if let Some(due) = f.due_date {
        invoice["due_date"] = json!(due);
    }
    if let Some(pm) = &f.default_payment_method {
        invoice["default_payment_method"] = if pm.is_empty() {
            Value::Null
        } else {
            json!(pm)
        };
    }
    f.text.apply_to(invoice);
    p.merge_metadata_into(invoice)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let f = parse_fields(p)?;
    let (include, require) = pending_behavior(p)?;
    let customer = p.get("customer").unwrap_or_default();
    model.collection("customer")?.named(customer, "customer")?;
    let at = model.billing_time(customer, call.unix_time());
    let subscription = match p.get("subscription") {
        Some(sub) => {
            if model
                .collection("subscription")?
                .named(sub, "subscription")?["customer"]
                != customer
            {
                return Err(ApiError::invalid_param(
                    "subscription",
                    "resource_missing",
                    format!("Customer {customer} does not have a subscription with ID {sub}."),
                ));
            }
            Some(sub.to_owned())
        }
        None => None,
    };
    let pending = match (&subscription, include) {
        (Some(sub), _) => Pending::Subscription(sub.clone()),
        (None, true) => Pending::Unattached,
        (None, false) => Pending::Exclude,
    };
    let draft = Draft {
        subscription,
        pending,
        ..Draft::new(customer, "manual", at)
    };
    let id = model.draft_invoice(draft, None, at)?;
    let invoice = model.collection(INVOICES)?.get(&id)?;
    if require
        && invoice["lines"]["data"]
            .as_array()
            .is_none_or(Vec::is_empty)
    {
        return Err(ApiError::invalid_state(
            "invoice_no_customer_line_items",
            format!("Nothing to invoice for customer {customer}: it has no pending invoice items."),
        ));
    }
    model
        .collection_mut(INVOICES)?
        .update(&id, |inv| apply(inv, &f, p, at))
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let f = parse_fields(p)?;
    let customer = model.collection(INVOICES)?.get(call.id())?["customer"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let at = model.billing_time(&customer, call.unix_time());
    let invoice = model
        .collection_mut(INVOICES)?
        .update(call.id(), |inv| apply(inv, &f, p, at))?;
    model.record_event("invoice.updated", &invoice, at);
    Ok(invoice)
}

/// Deletes a draft one-off invoice; its invoice items are pending again.
fn delete(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let id = call.id();
    let invoice = model.collection(INVOICES)?.get(id)?.clone();
    if invoice["status"] != "draft" || !invoice["subscription"].is_null() {
        return Err(ApiError::invalid_request(format!(
            "You can only delete draft one-off invoices: {id} is {} (void an open invoice instead).",
            invoice["status"].as_str().unwrap_or_default()
        )));
    }
    let at = model.billing_time(
        invoice["customer"].as_str().unwrap_or_default(),
        call.unix_time(),
    );
    for item in model.collection_mut(ITEMS)?.iter_mut() {
        if item["invoice"] == id {
            item["invoice"] = Value::Null;
        }
    }
    let invoices = model.collection_mut(INVOICES)?;
    let removed = invoices.remove(id)?;
    let stub = invoices.deleted_stub(id).unwrap_or_default();
    model.record_event("invoice.deleted", &removed, at);
    Ok(stub)
}

/// The time of a request about invoice `id`: its customer's test clock's, if any.
fn invoice_time(model: &Model, call: &Call<'_>) -> Result<i64, ApiError> {
    let invoice = model.collection(INVOICES)?.get(call.id())?;
    Ok(model.billing_time(
        invoice["customer"].as_str().unwrap_or_default(),
        call.unix_time(),
    ))
}

fn finalize(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let at = invoice_time(model, call)?;
    let id = call.id();
    if let Some(auto) = call.params().opt_bool("auto_advance")? {
        model.collection_mut(INVOICES)?.update(id, |inv| {
            inv["auto_advance"] = json!(auto);
            Ok(())
        })?;
    }
    model.finalize_invoice(id, at)?;
    let invoice = model.collection(INVOICES)?.get(id)?;
    let collect = invoice["status"] == "open"
        && invoice["auto_advance"] == true
        && invoice["collection_method"] == "charge_automatically";
    if collect {
        // A failed attempt leaves the invoice open: the finalization answers 200 as at Stripe.
        model.collect_invoice(id, None, true, at)?;
    }
    model.collection(INVOICES)?.get(id).cloned()
}

fn pay(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let at = invoice_time(model, call)?;
    let id = call.id();
    let draft = model.collection(INVOICES)?.get(id)?["status"] == "draft";
    if draft {
        model.finalize_invoice(id, at)?;
    }
    let invoice = model.collection(INVOICES)?.get(id)?;
    if invoice["status"] == "paid" && draft {
        // Nothing was due: finalizing paid it.
        return Ok(invoice.clone());
    }
    if invoice["status"] == "paid" {
        return Err(ApiError::invalid_state(
            "invoice_already_paid",
            format!("Invoice {id} is already paid."),
        ));
    }
    if p.opt_bool("paid_out_of_band")? == Some(true) {
        if invoice["status"] != "open" {
            return Err(super::billing::invoicing::wrong_status(
                invoice, "pay", "open",
            ));
        }
        model.collection_mut(INVOICES)?.update(id, |inv| {
            inv["paid_out_of_band"] = json!(true);
            Ok(())
        })?;
        model.mark_invoice_paid(id, None, at)?;
        return model.collection(INVOICES)?.get(id).cloned();
    }
    let given = p.get("payment_method").or_else(|| p.get("source"));
    match model.collect_invoice(id, given, false, at)? {
        Collected::Paid => model.collection(INVOICES)?.get(id).cloned(),
        Collected::Failed(error) => Err(error),
    }
}

fn void(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let at = invoice_time(model, call)?;
    model.close_invoice(call.id(), "void", at)
}

fn mark_uncollectible(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let at = invoice_time(model, call)?;
    model.close_invoice(call.id(), "uncollectible", at)
}

/// `GET /v1/invoices/{invoice}/lines`: a page of its lines, in the invoice's order.
fn lines(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let lp = ListParams::parse(call.params())?;
    let invoice = model.collection(INVOICES)?.get(call.id())?;
    let lines = invoice["lines"]["data"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    // Pages run newest first over stored order: give them reversed to keep the invoice's order.
    list::page(
        lines.iter().rev(),
        &lp,
        &format!("/v1/invoices/{}/lines", call.id()),
        "line_item",
    )
}
