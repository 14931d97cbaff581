//! Invoice items (`/v1/invoiceitems`): amounts to bill a customer, pending until an invoice
//! takes them (the next one of their subscription, or a new invoice that includes pending
//! items), or put on a draft invoice at once (`invoice`). Create (by a one-time `price` and
//! `quantity`, an `amount`, or a `unit_amount` and `quantity`), retrieve, update, delete while
//! pending or on a draft, list by `customer`, `invoice`, `pending`. Prorations of subscription
//! changes are invoice items too (`proration: true`).

use serde_json::{Value, json};

use super::Model;
use super::billing::invoicing::{INVOICES, ITEMS, set_totals};
use super::billing::shapes::{self, Line, LineKind};
use super::billing::{refuse_unmodelled, timestamp};
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::params::{Params, TextFields, merge_metadata};
use crate::registry::handlers::validate_list;
use crate::registry::{Call, Resource, Route};

/// The registry entry of invoice items.
pub(crate) fn resource() -> Resource {
    Resource::new(ITEMS)
        .with_prefix("ii_")
        .with_route(Route::new("POST /v1/invoiceitems", create).with_validator(validate_create))
        .with_route(Route::new("GET /v1/invoiceitems", list).with_validator(validate_list))
        .with_route(Route::retrieve_live("GET /v1/invoiceitems/{invoiceitem}"))
        .with_route(
            Route::new("POST /v1/invoiceitems/{invoiceitem}", update)
                .with_validator(validate_update),
        )
        .with_route(Route::new("DELETE /v1/invoiceitems/{invoiceitem}", delete))
        .with_expandable(&["customer", "invoice", "price", "subscription", "test_clock"])
        .with_events(&[
            "invoiceitem.created",
            "invoiceitem.updated",
            "invoiceitem.deleted",
        ])
}

const UNMODELLED: [&str; 5] = [
    "discounts",
    "price_data",
    "tax_code",
    "tax_rates",
    "unit_amount_decimal",
];

/// An integer that may be negative (an `amount` credits the customer when it is).
fn signed(p: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    p.get(name)
        .map(|raw| {
            raw.parse::<i64>().map_err(|_| {
                ApiError::invalid_param(
                    name,
                    "parameter_invalid_integer",
                    format!("Invalid integer: {raw}"),
                )
            })
        })
        .transpose()
}

/// What an item bills: a price, an amount, or a unit amount.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Billed {
    Price(String),
    Amount(i64),
    UnitAmount(i64),
}

/// The fields create and update share.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fields {
    billed: Option<Billed>,
    currency: Option<String>,
    quantity: Option<u64>,
    period: Option<(i64, i64)>,
    text: TextFields,
}

fn parse_fields(p: &Params) -> Result<Fields, ApiError> {
    refuse_unmodelled(p, &UNMODELLED)?;
    let given = [
        p.get("price").is_some(),
        p.get("amount").is_some(),
        p.get("unit_amount").is_some(),
    ];
    if given.iter().filter(|g| **g).count() > 1 {
        return Err(ApiError::invalid_request(
            "You may only specify one of these parameters: amount, price, unit_amount.".to_owned(),
        ));
    }
    let billed = match (
        p.get("price"),
        signed(p, "amount")?,
        signed(p, "unit_amount")?,
    ) {
        (Some(price), _, _) => Some(Billed::Price(price.to_owned())),
        (_, Some(amount), _) => Some(Billed::Amount(amount)),
        (_, _, Some(unit)) => Some(Billed::UnitAmount(unit)),
        _ => None,
    };
    let period = p.map("period")?;
    let period = match (period.get("start"), period.get("end")) {
        (None, None) => None,
        (Some(_), Some(_)) => {
            let start = timestamp(p, "period[start]")?.unwrap_or_default();
            let end = timestamp(p, "period[end]")?.unwrap_or_default();
            Some((start, end))
        }
        _ => return Err(ApiError::missing("period[end]")),
    };
    p.map("metadata")?;
    Ok(Fields {
        billed,
        currency: p.get("currency").map(|_| p.currency()).transpose()?,
        quantity: p
            .get("quantity")
            .map(|_| p.amount("quantity"))
            .transpose()?,
        period,
        text: TextFields::from_params(p, &["description"]),
    })
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    let p = call.params();
    p.get("customer")
        .ok_or_else(|| ApiError::missing("customer"))?;
    let f = parse_fields(p)?;
    match &f.billed {
        None => Err(ApiError::missing("amount")),
        Some(Billed::Amount(_) | Billed::UnitAmount(_)) if f.currency.is_none() => {
            Err(ApiError::missing("currency"))
        }
        Some(_) => Ok(()),
    }
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    parse_fields(call.params()).map(drop)
}

impl Model {
    /// The line `f` describes, on top of `line` (what the item was, or a new one).
    fn bill(&self, mut line: Line, f: &Fields, p: &Params) -> Result<Line, ApiError> {
        if let Some(quantity) = f.quantity {
            line.quantity = Some(quantity);
        }
        let quantity = i64::try_from(line.quantity.unwrap_or(1)).unwrap_or(i64::MAX);
        match &f.billed {
            Some(Billed::Price(id)) => {
                let price = self.collection("price")?.named(id, "price")?;
                if price["type"] != "one_time" {
                    return Err(ApiError::invalid_param(
                        "price",
                        "parameter_invalid_string",
                        format!(
                            "The price specified ({id}) is a recurring price: invoice items take one-time prices."
                        ),
                    ));
                }
                line.amount = price["unit_amount"]
                    .as_i64()
                    .unwrap_or_default()
                    .saturating_mul(quantity);
                line.currency = price["currency"].as_str().unwrap_or("usd").to_owned();
                line.price = price.clone();
            }
            Some(Billed::Amount(amount)) => {
                line.amount = *amount;
                line.quantity = Some(1);
            }
            Some(Billed::UnitAmount(unit)) => line.amount = unit.saturating_mul(quantity),
            None if f.quantity.is_some() => {
                let unit = line.price["unit_amount"].as_i64().unwrap_or(line.amount);
                line.amount = unit.saturating_mul(quantity);
            }
            None => {}
        }
        if let Some(currency) = &f.currency {
            line.currency = currency.clone();
        }
        if let Some(period) = f.period {
            line.period = period;
        }
        let mut text = json!({"description": line.description});
        f.text.apply_to(&mut text);
        line.description = text["description"].as_str().map(str::to_owned);
        let updates = p.map("metadata")?;
        if !updates.is_empty() || p.cleared("metadata") {
            let mut with = json!({"metadata": line.metadata});
            merge_metadata(&mut with, &updates, p.cleared("metadata"));
            line.metadata = with["metadata"].take();
        }
        Ok(line)
    }

    /// Stores a pending invoice item of `customer` billing `line`, and records
    /// `invoiceitem.created` (prorations of a subscription change come this way).
    pub(crate) fn add_invoice_item(
        &mut self,
        customer: &str,
        line: &Line,
        at: i64,
    ) -> Result<Value, ApiError> {
        let customer = self
            .collection("customer")?
            .named(customer, "customer")?
            .clone();
        let id = self.next_id("ii_");
        let item = shapes::invoice_item(&id, &customer, line, at);
        let item = self.collection_mut(ITEMS)?.insert(item)?;
        self.record_event("invoiceitem.created", &item, at);
        Ok(item)
    }

    /// Puts invoice item `item` (its current state) on its draft invoice, replacing its line, or
    /// takes it off (`remove`).
    fn sync_draft_line(&mut self, item: &Value, remove: bool) -> Result<(), ApiError> {
        let Some(invoice) = item["invoice"].as_str() else {
            return Ok(());
        };
        let line_id = self.next_id("il_");
        let line = Line::of_invoice_item(item).into_json(&line_id);
        let item_id = item["id"].clone();
        self.collection_mut(INVOICES)?.update(invoice, |inv| {
            if let Some(lines) = inv["lines"]["data"].as_array_mut() {
                match lines.iter().position(|l| l["invoice_item"] == item_id) {
                    Some(at) if remove => drop(lines.remove(at)),
                    Some(at) => {
                        if let Some(slot) = lines.get_mut(at) {
                            let kept = slot["id"].clone();
                            *slot = line;
                            slot["id"] = kept;
                        }
                    }
                    None if !remove => lines.push(line),
                    None => {}
                }
                let count = lines.len();
                inv["lines"]["total_count"] = json!(count);
            }
            set_totals(inv);
            Ok(())
        })?;
        Ok(())
    }

    /// An invoice item may change only while pending or on a draft invoice.
    fn check_editable(&self, item: &Value) -> Result<(), ApiError> {
        match item["invoice"].as_str().and_then(|i| self.find(i)) {
            Some(invoice) if invoice["status"] != "draft" => Err(ApiError::invalid_state(
                "invoice_not_editable",
                format!(
                    "The invoice item {} is on invoice {}, which is no longer a draft.",
                    item["id"].as_str().unwrap_or_default(),
                    invoice["id"].as_str().unwrap_or_default()
                ),
            )),
            _ => Ok(()),
        }
    }
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let f = parse_fields(p)?;
    let customer_id = p.get("customer").unwrap_or_default();
    let customer = model
        .collection("customer")?
        .named(customer_id, "customer")?
        .clone();
    let at = model.billing_time(customer_id, call.unix_time());
    let invoice = match p.get("invoice") {
        Some(id) => {
            let invoice = model.collection(INVOICES)?.named(id, "invoice")?;
            if invoice["customer"] != customer_id || invoice["status"] != "draft" {
                return Err(ApiError::invalid_param(
                    "invoice",
                    "invoice_not_editable",
                    format!("Invoice {id} is not a draft invoice of customer {customer_id}."),
                ));
            }
            Some(id.to_owned())
        }
        None => None,
    };
    let subscription = match p.get("subscription") {
        Some(id) => {
            let sub = model
                .collection("subscription")?
                .named(id, "subscription")?;
            if sub["customer"] != customer_id {
                return Err(ApiError::invalid_param(
                    "subscription",
                    "resource_missing",
                    format!("Customer {customer_id} does not have a subscription with ID {id}."),
                ));
            }
            Some(id.to_owned())
        }
        None => None,
    };
    let blank = Line {
        kind: LineKind::InvoiceItem(String::new()),
        amount: 0,
        currency: "usd".to_owned(),
        description: None,
        period: (at, at),
        price: Value::Null,
        proration: false,
        quantity: Some(1),
        subscription,
        subscription_item: None,
        metadata: json!({}),
    };
    let line = model.bill(blank, &f, p)?;
    let id = model.next_id("ii_");
    let mut item = shapes::invoice_item(&id, &customer, &line, at);
    item["invoice"] = json!(invoice);
    let item = model.collection_mut(ITEMS)?.insert(item)?;
    model.sync_draft_line(&item, false)?;
    model.record_event("invoiceitem.created", &item, at);
    Ok(item)
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let f = parse_fields(p)?;
    let current = model.collection(ITEMS)?.get(call.id())?.clone();
    model.check_editable(&current)?;
    let line = model.bill(Line::of_invoice_item(&current), &f, p)?;
    let customer = model
        .collection("customer")?
        .get(current["customer"].as_str().unwrap_or_default())?
        .clone();
    let at = model.billing_time(
        customer["id"].as_str().unwrap_or_default(),
        call.unix_time(),
    );
    let mut changed = shapes::invoice_item(
        call.id(),
        &customer,
        &line,
        current["date"].as_i64().unwrap_or(at),
    );
    changed["invoice"] = current["invoice"].clone();
    let item = model.collection_mut(ITEMS)?.update(call.id(), |stored| {
        *stored = changed;
        Ok(())
    })?;
    model.sync_draft_line(&item, false)?;
    model.record_event("invoiceitem.updated", &item, at);
    Ok(item)
}

fn delete(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let current = model.collection(ITEMS)?.get(call.id())?.clone();
    model.check_editable(&current)?;
    let at = model.billing_time(
        current["customer"].as_str().unwrap_or_default(),
        call.unix_time(),
    );
    model.sync_draft_line(&current, true)?;
    let items = model.collection_mut(ITEMS)?;
    let removed = items.remove(call.id())?;
    let stub = items.deleted_stub(call.id()).unwrap_or_default();
    model.record_event("invoiceitem.deleted", &removed, at);
    Ok(stub)
}

/// `GET /v1/invoiceitems`: by `customer`, `invoice`, `pending` (not on an invoice yet).
fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let lp = ListParams::parse(p)?;
    let pending = p.opt_bool("pending")?;
    let selected = model.collection(ITEMS)?.as_slice().iter().filter(|item| {
        pending.is_none_or(|want| item["invoice"].is_null() == want)
            && list::matches(item, p, "customer")
            && list::matches(item, p, "invoice")
    });
    list::page(selected, &lp, "/v1/invoiceitems", ITEMS)
}
