//! Complete JSON shapes of the billing objects (API version 2023-08-16): subscriptions and
//! their items, invoices and their lines, invoice items. Every property Stripe returns by
//! default is here, `null` where the fake does not model it.

use std::sync::OnceLock;

use serde_json::{Map, Value, json};

use crate::model::objects::merge;

/// A subscription as created: the caller fills in its state (status, periods, trial, ...).
pub(crate) fn subscription(id: &str, customer: &str, currency: &str, now: i64) -> Value {
    let mut sub = json!({
        "id": id,
        "object": "subscription",
        "application": null,
        "application_fee_percent": null,
        "automatic_tax": {"enabled": false},
        "billing_cycle_anchor": now,
        "billing_thresholds": null,
        "cancel_at": null,
        "cancel_at_period_end": false,
        "canceled_at": null,
        "cancellation_details": {"comment": null, "feedback": null, "reason": null},
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "current_period_end": now,
        "current_period_start": now,
        "customer": customer,
    });
    let rest = json!({
        "days_until_due": null,
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discount": null,
        "ended_at": null,
        "items": items_list(id, Vec::new()),
        "latest_invoice": null,
        "livemode": false,
        "metadata": {},
        "next_pending_invoice_item_invoice": null,
        "on_behalf_of": null,
        "pause_collection": null,
        "payment_settings": {"payment_method_options": null, "payment_method_types": null, "save_default_payment_method": "off"},
        "pending_invoice_item_interval": null,
        "pending_setup_intent": null,
        "pending_update": null,
        "schedule": null,
        "start_date": now,
        "status": "incomplete",
        "test_clock": null,
        "transfer_data": null,
        "trial_end": null,
        "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
        "trial_start": null,
    });
    merge(&mut sub, rest);
    sub
}

/// The `items` list of a subscription.
pub(crate) fn items_list(subscription: &str, items: Vec<Value>) -> Value {
    let mut list = Map::new();
    list.insert("object".into(), json!("list"));
    list.insert("total_count".into(), json!(items.len()));
    list.insert("data".into(), Value::Array(items));
    list.insert("has_more".into(), json!(false));
    list.insert(
        "url".into(),
        json!(format!(
            "/v1/subscription_items?subscription={subscription}"
        )),
    );
    Value::Object(list)
}

/// A subscription item: a price (the whole price object) and a quantity.
pub(crate) fn subscription_item(
    id: &str,
    subscription: &str,
    price: Value,
    quantity: u64,
    now: i64,
) -> Value {
    let mut item = json!({
        "id": id,
        "object": "subscription_item",
        "billing_thresholds": null,
        "created": now,
        "metadata": {},
        "quantity": quantity,
        "subscription": subscription,
        "tax_rates": [],
    });
    item["price"] = price;
    item
}

/// A draft invoice with no line, for `customer` (a customer object), created at `now`.
pub(crate) fn invoice(id: &str, customer: &Value, currency: &str, now: i64) -> Value {
    // A copy of one blank invoice: cloning a tree is cheaper than building its 90 members.
    static BLANK: OnceLock<Value> = OnceLock::new();
    let mut invoice = BLANK.get_or_init(blank_invoice).clone();
    invoice["id"] = json!(id);
    invoice["created"] = json!(now);
    invoice["currency"] = json!(currency);
    for (field, from) in [
        ("customer", "id"),
        ("customer_address", "address"),
        ("customer_email", "email"),
        ("customer_name", "name"),
        ("customer_phone", "phone"),
        ("customer_shipping", "shipping"),
        ("customer_tax_exempt", "tax_exempt"),
        ("test_clock", "test_clock"),
    ] {
        invoice[field] = customer[from].clone();
    }
    invoice["lines"] = lines_list(id, Vec::new());
    invoice["period_end"] = json!(now);
    invoice["period_start"] = json!(now);
    invoice
}

/// An invoice with every member of the spec at its default: what [`invoice`] fills in.
fn blank_invoice() -> Value {
    let (id, now, currency, customer) = ("", 0, "usd", Value::Null);
    let mut invoice = json!({
        "id": id,
        "object": "invoice",
        "account_country": "US",
        "account_name": "Stripe Fake",
        "account_tax_ids": null,
        "amount_due": 0,
        "amount_paid": 0,
        "amount_remaining": 0,
        "amount_shipping": 0,
        "application": null,
        "application_fee_amount": null,
        "attempt_count": 0,
        "attempted": false,
        "auto_advance": false,
        "automatic_tax": {"enabled": false, "status": null},
        "billing_reason": "manual",
        "charge": null,
        "collection_method": "charge_automatically",
        "created": now,
        "currency": currency,
        "custom_fields": null,
        "customer": customer["id"],
        "customer_address": customer["address"],
        "customer_email": customer["email"],
        "customer_name": customer["name"],
        "customer_phone": customer["phone"],
        "customer_shipping": customer["shipping"],
        "customer_tax_exempt": customer["tax_exempt"],
        "customer_tax_ids": [],
    });
    let middle = json!({
        "default_payment_method": null,
        "default_source": null,
        "default_tax_rates": [],
        "description": null,
        "discount": null,
        "discounts": [],
        "due_date": null,
        "effective_at": null,
        "ending_balance": null,
        "footer": null,
        "from_invoice": null,
        "hosted_invoice_url": null,
        "invoice_pdf": null,
        "last_finalization_error": null,
        "latest_revision": null,
        "lines": lines_list(id, Vec::new()),
        "livemode": false,
        "metadata": {},
        "next_payment_attempt": null,
        "number": null,
        "on_behalf_of": null,
    });
    let end = json!({
        "paid": false,
        "paid_out_of_band": false,
        "payment_intent": null,
        "payment_settings": {"default_mandate": null, "payment_method_options": null, "payment_method_types": null},
        "period_end": now,
        "period_start": now,
        "post_payment_credit_notes_amount": 0,
        "pre_payment_credit_notes_amount": 0,
        "quote": null,
        "receipt_number": null,
        "rendering_options": null,
        "shipping_cost": null,
        "shipping_details": null,
        "starting_balance": 0,
        "statement_descriptor": null,
        "status": "draft",
        "status_transitions": {"finalized_at": null, "marked_uncollectible_at": null, "paid_at": null, "voided_at": null},
        "subscription": null,
        "subscription_details": {"metadata": null},
        "subtotal": 0,
        "subtotal_excluding_tax": 0,
        "tax": null,
        "test_clock": customer["test_clock"],
        "total": 0,
        "total_discount_amounts": [],
        "total_excluding_tax": 0,
        "total_tax_amounts": [],
        "transfer_data": null,
        "webhooks_delivered_at": null,
    });
    merge(&mut invoice, middle);
    merge(&mut invoice, end);
    invoice
}

/// The `lines` list of an invoice (`url` without an id for an upcoming invoice).
pub(crate) fn lines_list(invoice: &str, lines: Vec<Value>) -> Value {
    let url = if invoice.is_empty() {
        "/v1/invoices/upcoming/lines".to_owned()
    } else {
        format!("/v1/invoices/{invoice}/lines")
    };
    let mut list = Map::new();
    list.insert("object".into(), json!("list"));
    list.insert("total_count".into(), json!(lines.len()));
    list.insert("data".into(), Value::Array(lines));
    list.insert("has_more".into(), json!(false));
    list.insert("url".into(), json!(url));
    Value::Object(list)
}

/// What one invoice line bills.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Line {
    /// `subscription` (a subscription item's period) or `invoiceitem`.
    pub(crate) kind: LineKind,
    pub(crate) amount: i64,
    pub(crate) currency: String,
    pub(crate) description: Option<String>,
    pub(crate) period: (i64, i64),
    pub(crate) price: Value,
    pub(crate) proration: bool,
    pub(crate) quantity: Option<u64>,
    pub(crate) subscription: Option<String>,
    pub(crate) subscription_item: Option<String>,
    pub(crate) metadata: Value,
}

/// Where a line comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    /// A subscription item's price for a period.
    Subscription,
    /// An invoice item (`ii_...`).
    InvoiceItem(String),
}

impl Line {
    /// The line of an invoice item object.
    pub(crate) fn of_invoice_item(item: &Value) -> Self {
        Self {
            kind: LineKind::InvoiceItem(item["id"].as_str().unwrap_or_default().to_owned()),
            amount: item["amount"].as_i64().unwrap_or_default(),
            currency: item["currency"].as_str().unwrap_or("usd").to_owned(),
            description: item["description"].as_str().map(str::to_owned),
            period: (
                item["period"]["start"].as_i64().unwrap_or_default(),
                item["period"]["end"].as_i64().unwrap_or_default(),
            ),
            price: item["price"].clone(),
            proration: item["proration"] == true,
            quantity: item["quantity"].as_u64(),
            subscription: item["subscription"].as_str().map(str::to_owned),
            subscription_item: item["subscription_item"].as_str().map(str::to_owned),
            metadata: item["metadata"].clone(),
        }
    }

    /// The `line_item` object, with id `id` (`il_...`); its price and metadata are moved in.
    pub(crate) fn into_json(self, id: &str) -> Value {
        let unit = self
            .quantity
            .filter(|q| *q > 0)
            .and_then(|q| i64::try_from(q).ok())
            .map(|q| (self.amount / q).to_string());
        let mut line = json!({
            "id": id,
            "object": "line_item",
            "amount": self.amount,
            "amount_excluding_tax": self.amount,
            "currency": self.currency,
            "description": self.description,
            "discount_amounts": [],
            "discountable": !self.proration,
            "discounts": [],
            "livemode": false,
            "period": {"end": self.period.1, "start": self.period.0},
            "proration": self.proration,
            "proration_details": {"credited_items": null},
            "quantity": self.quantity,
            "subscription": self.subscription,
            "tax_amounts": [],
            "tax_rates": [],
            "type": match self.kind { LineKind::Subscription => "subscription", LineKind::InvoiceItem(_) => "invoiceitem" },
            "unit_amount_excluding_tax": unit,
        });
        line["metadata"] = if self.metadata.is_object() {
            self.metadata
        } else {
            json!({})
        };
        line["price"] = self.price;
        // Both are absent (not null) on a line that has none, as Stripe's spec has them.
        if let LineKind::InvoiceItem(item) = self.kind {
            line["invoice_item"] = Value::String(item);
        }
        if let Some(item) = self.subscription_item {
            line["subscription_item"] = Value::String(item);
        }
        line
    }
}

/// A pending invoice item: what the caller gave, for `customer` (a customer object).
pub(crate) fn invoice_item(id: &str, customer: &Value, line: &Line, now: i64) -> Value {
    let unit = line
        .quantity
        .filter(|q| *q > 0)
        .and_then(|q| i64::try_from(q).ok())
        .map(|q| line.amount / q);
    let mut item = json!({
        "id": id,
        "object": "invoiceitem",
        "amount": line.amount,
        "currency": line.currency,
        "customer": customer["id"],
        "date": now,
        "description": line.description,
        "discountable": !line.proration,
        "discounts": [],
        "invoice": null,
        "livemode": false,
        "period": {"end": line.period.1, "start": line.period.0},
        "proration": line.proration,
        "quantity": line.quantity.unwrap_or(1),
        "subscription": line.subscription,
        "tax_rates": [],
        "test_clock": customer["test_clock"],
        "unit_amount": unit,
        "unit_amount_decimal": unit.map(|u| u.to_string()),
    });
    item["metadata"] = line.metadata.clone();
    item["price"] = line.price.clone();
    if let Some(si) = &line.subscription_item {
        item["subscription_item"] = json!(si);
    }
    item
}
