//! Invoices through their life: a draft made of lines (pending invoice items first, newest
//! first, then the subscription's), its totals, finalization (a number, the customer's balance,
//! the payment intent of an automatically charged invoice), and the state changes that end it
//! (paid, void, uncollectible). Payment attempts are in `payment.rs`.

use serde_json::{Value, json};

use super::shapes::{self, Line};
use crate::model::Model;
use crate::model::errors::ApiError;
use crate::model::events::snapshot;
use crate::model::params::Params;

/// The invoices' object name.
pub(crate) const INVOICES: &str = "invoice";
/// The invoice items' object name.
pub(crate) const ITEMS: &str = "invoiceitem";

/// Which pending invoice items (`invoice: null`) of the customer a new invoice takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pending {
    /// None (`pending_invoice_items_behavior=exclude`, Stripe's default for one-off invoices).
    Exclude,
    /// Those not tied to a subscription.
    Unattached,
    /// Those of this subscription and those not tied to any (a subscription's invoices).
    Subscription(String),
}

/// What a new draft invoice is made of.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Draft {
    pub(crate) customer: String,
    pub(crate) subscription: Option<String>,
    pub(crate) billing_reason: &'static str,
    pub(crate) collection_method: String,
    pub(crate) days_until_due: Option<u64>,
    pub(crate) auto_advance: bool,
    pub(crate) description: Option<String>,
    pub(crate) default_payment_method: Option<String>,
    /// `period_start` and `period_end` of the invoice.
    pub(crate) period: (i64, i64),
    /// The subscription's lines (after the pending items).
    pub(crate) lines: Vec<Line>,
    pub(crate) pending: Pending,
}

impl Draft {
    /// A draft for `customer` with nothing on it, billed `reason`, charged automatically.
    pub(crate) fn new(customer: &str, reason: &'static str, at: i64) -> Self {
        Self {
            customer: customer.to_owned(),
            subscription: None,
            billing_reason: reason,
            collection_method: "charge_automatically".to_owned(),
            days_until_due: None,
            auto_advance: false,
            description: None,
            default_payment_method: None,
            period: (at, at),
            lines: Vec::new(),
            pending: Pending::Exclude,
        }
    }
}

/// Sets `subtotal`, `total`, `amount_due` and `amount_remaining` from the lines (and the
/// `starting_balance`, applied at finalization).
pub(crate) fn set_totals(invoice: &mut Value) {
    let subtotal: i64 = invoice["lines"]["data"].as_array().map_or(0, |lines| {
        lines.iter().filter_map(|l| l["amount"].as_i64()).sum()
    });
    let starting = invoice["starting_balance"].as_i64().unwrap_or_default();
    let due = subtotal.saturating_add(starting).max(0);
    let paid = invoice["amount_paid"].as_i64().unwrap_or_default();
    invoice["subtotal"] = json!(subtotal);
    invoice["subtotal_excluding_tax"] = json!(subtotal);
    invoice["total"] = json!(subtotal);
    invoice["total_excluding_tax"] = json!(subtotal);
    invoice["amount_due"] = json!(due);
    invoice["amount_remaining"] = json!(due.saturating_sub(paid).max(0));
}

/// The 400 for an invoice in the wrong status for `action`.
pub(crate) fn wrong_status(invoice: &Value, action: &str, allowed: &str) -> ApiError {
    let id = invoice["id"].as_str().unwrap_or_default();
    let status = invoice["status"].as_str().unwrap_or("draft");
    ApiError::invalid_request(format!(
        "You can only {action} {allowed} invoices: invoice {id} is {status}."
    ))
}

impl Model {
    /// The time of a billing object of `customer`: its test clock's frozen time when it has
    /// one, else `now` (the request's time).
    pub(crate) fn billing_time(&self, customer: &str, now: i64) -> i64 {
        self.collection("customer")
            .ok()
            .and_then(|c| c.find(customer))
            .and_then(|c| c["test_clock"].as_str())
            .and_then(|clock| self.find(clock))
            .and_then(|clock| clock["frozen_time"].as_i64())
            .unwrap_or(now)
    }

    /// Stores a new draft invoice (`id`, or a new one) made of `draft`, takes the pending
    /// invoice items it covers, and records `invoice.created`. Answers its id.
    pub(crate) fn draft_invoice(
        &mut self,
        draft: Draft,
        id: Option<String>,
        at: i64,
    ) -> Result<String, ApiError> {
        let id = id.unwrap_or_else(|| self.next_id("in_"));
        let taken: Vec<(String, Line)> = self
            .collection(ITEMS)?
            .as_slice()
            .iter()
            .rev()
            .filter(|item| {
                item["customer"] == draft.customer.as_str()
                    && item["invoice"].is_null()
                    && match &draft.pending {
                        Pending::Exclude => false,
                        Pending::Unattached => item["subscription"].is_null(),
                        Pending::Subscription(sub) => {
                            item["subscription"].is_null() || item["subscription"] == sub.as_str()
                        }
                    }
            })
            .map(|item| {
                let id = item["id"].as_str().unwrap_or_default().to_owned();
                (id, Line::of_invoice_item(item))
            })
            .collect();
        let line_ids: Vec<String> = (0..taken.len() + draft.lines.len())
            .map(|_| self.next_id("il_"))
            .collect();
        let (item_ids, item_lines): (Vec<String>, Vec<Line>) = taken.into_iter().unzip();
        let customer = self
            .collection("customer")?
            .named(&draft.customer, "customer")?;
        let currency = item_lines
            .iter()
            .chain(&draft.lines)
            .map(|line| line.currency.as_str())
            .next()
            .or_else(|| customer["currency"].as_str())
            .unwrap_or("usd")
            .to_owned();
        let lines = item_lines
            .into_iter()
            .chain(draft.lines)
            .zip(&line_ids)
            .map(|(line, line_id)| line.into_json(line_id))
            .collect();
        let mut invoice = shapes::invoice(&id, customer, &currency, at);
        invoice["lines"] = shapes::lines_list(&id, lines);
        invoice["billing_reason"] = json!(draft.billing_reason);
        invoice["collection_method"] = json!(draft.collection_method);
        invoice["auto_advance"] = json!(draft.auto_advance);
        invoice["description"] = json!(draft.description);
        invoice["default_payment_method"] = json!(draft.default_payment_method);
        invoice["period_start"] = json!(draft.period.0);
        invoice["period_end"] = json!(draft.period.1);
        if let Some(days) = draft.days_until_due {
            let days = i64::try_from(days).unwrap_or(0);
            invoice["due_date"] = json!(at.saturating_add(days.saturating_mul(86_400)));
        }
        invoice["subscription_details"] = Value::Null;
        if let Some(sub) = &draft.subscription {
            invoice["subscription"] = json!(sub);
            let metadata = self.find(sub).map(|s| s["metadata"].clone());
            invoice["subscription_details"] = json!({"metadata": metadata});
        }
        set_totals(&mut invoice);
        let items = self.collection_mut(ITEMS)?;
        for item_id in &item_ids {
            if let Some(item) = items.find_mut(item_id) {
                item["invoice"] = json!(id);
            }
        }
        let snapshot = snapshot(&invoice);
        self.collection_mut(INVOICES)?.push(invoice)?;
        self.record_snapshot("invoice.created", snapshot, at);
        Ok(id)
    }

    /// Finalizes a draft invoice at `at`: `open` with a number, the customer's balance applied,
    /// a payment intent for an automatically charged amount; an invoice with nothing to pay is
    /// `paid` at once. Records `invoice.finalized` (and `invoice.paid`,
    /// `invoice.payment_succeeded` for nothing to pay).
    pub(crate) fn finalize_invoice(&mut self, id: &str, at: i64) -> Result<(), ApiError> {
        let invoice = self.collection(INVOICES)?.get(id)?;
        if invoice["status"] != "draft" {
            return Err(ApiError::invalid_state(
                "invoice_not_editable",
                format!(
                    "This invoice is already finalized, you can't re-finalize a non-draft invoice ({id})."
                ),
            ));
        }
        let customer_id = invoice["customer"].as_str().unwrap_or_default().to_owned();
        let total = invoice["total"].as_i64().unwrap_or_default();
        let charge_automatically = invoice["collection_method"] == "charge_automatically";
        let customer = self.collection_mut("customer")?.get_mut(&customer_id)?;
        let prefix = customer["invoice_prefix"]
            .as_str()
            .unwrap_or("INV")
            .to_owned();
        let sequence = customer["next_invoice_sequence"].as_i64().unwrap_or(1);
        let balance = customer["balance"].as_i64().unwrap_or_default();
        let owed = total.saturating_add(balance);
        customer["next_invoice_sequence"] = json!(sequence + 1);
        customer["balance"] = json!(owed.min(0));
        let intent = if charge_automatically && owed > 0 {
            Some(self.invoice_payment_intent(id, owed, at)?)
        } else {
            None
        };
        let inv = self.collection_mut(INVOICES)?.get_mut(id)?;
        inv["status"] = json!("open");
        inv["number"] = json!(format!("{prefix}-{sequence:04}"));
        inv["starting_balance"] = json!(balance);
        inv["ending_balance"] = json!(owed.min(0));
        inv["status_transitions"]["finalized_at"] = json!(at);
        inv["effective_at"] = json!(at);
        inv["hosted_invoice_url"] = json!(format!("https://invoice.stripe.com/i/fake/{id}"));
        inv["invoice_pdf"] = json!(format!("https://pay.stripe.com/invoice/fake/{id}/pdf"));
        inv["payment_intent"] = json!(intent);
        if !charge_automatically && inv["due_date"].is_null() {
            inv["due_date"] = json!(at.saturating_add(30 * 86_400));
        }
        set_totals(inv);
        let snapshot = snapshot(inv);
        self.record_snapshot("invoice.finalized", snapshot, at);
        if owed <= 0 {
            self.mark_invoice_paid(id, None, at)?;
        }
        Ok(())
    }

    /// A new payment intent for `amount` of invoice `id`, as Stripe makes at finalization (it
    /// names the invoice); records `payment_intent.created`. Answers its id.
    pub(super) fn invoice_payment_intent(
        &mut self,
        id: &str,
        amount: i64,
        at: i64,
    ) -> Result<String, ApiError> {
        let invoice = self.collection(INVOICES)?.get(id)?;
        let description = match invoice["billing_reason"].as_str() {
            Some("subscription_create") => "Subscription creation",
            Some("subscription_update") => "Subscription update",
            Some("subscription_cycle") => "Subscription cycle",
            _ => "Invoice",
        };
        let form: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("amount", &amount.to_string())
            .append_pair("currency", invoice["currency"].as_str().unwrap_or("usd"))
            .append_pair("customer", invoice["customer"].as_str().unwrap_or_default())
            .append_pair("description", description)
            .finish();
        let mut extra = serde_json::Map::new();
        extra.insert("invoice".into(), json!(id));
        self.open_payment_intent(&Params::parse(form.as_bytes()), extra, at)
    }

    /// Marks an open invoice paid (by `charge`, or with nothing to charge) and records
    /// `invoice.paid` and `invoice.payment_succeeded`; its subscription, if incomplete or past
    /// due, becomes active.
    pub(crate) fn mark_invoice_paid(
        &mut self,
        id: &str,
        charge: Option<&str>,
        at: i64,
    ) -> Result<(), ApiError> {
        let inv = self.collection_mut(INVOICES)?.get_mut(id)?;
        let due = inv["amount_due"].as_i64().unwrap_or_default();
        inv["status"] = json!("paid");
        inv["paid"] = json!(true);
        inv["amount_paid"] = json!(due);
        inv["amount_remaining"] = json!(0);
        inv["attempted"] = json!(true);
        if charge.is_some() {
            inv["attempt_count"] = json!(inv["attempt_count"].as_i64().unwrap_or_default() + 1);
            inv["charge"] = json!(charge);
        }
        inv["auto_advance"] = json!(false);
        inv["next_payment_attempt"] = Value::Null;
        inv["status_transitions"]["paid_at"] = json!(at);
        let succeeded = snapshot(inv);
        let paid = succeeded.clone();
        let subscription = inv["subscription"].as_str().map(str::to_owned);
        self.record_snapshot("invoice.paid", paid, at);
        self.record_snapshot("invoice.payment_succeeded", succeeded, at);
        if let Some(sub) = subscription {
            self.activate_after_payment(&sub, at)?;
        }
        Ok(())
    }

    /// Ends an open (or uncollectible) invoice as `void` or an open one as `uncollectible`:
    /// no more payment attempts; a void invoice's payment intent is canceled.
    pub(crate) fn close_invoice(&mut self, id: &str, to: &str, at: i64) -> Result<Value, ApiError> {
        let invoice = self.collection(INVOICES)?.get(id)?;
        let status = invoice["status"].as_str().unwrap_or_default();
        let allowed = if to == "void" {
            status == "open" || status == "uncollectible"
        } else {
            status == "open"
        };
        if !allowed {
            let (action, which) = if to == "void" {
                ("void", "open or uncollectible")
            } else {
                ("mark uncollectible", "open")
            };
            return Err(wrong_status(invoice, action, which));
        }
        let intent = invoice["payment_intent"].as_str().map(str::to_owned);
        let invoice = self.collection_mut(INVOICES)?.update(id, |inv| {
            inv["status"] = json!(to);
            inv["auto_advance"] = json!(false);
            inv["next_payment_attempt"] = Value::Null;
            let stamp = if to == "void" {
                "voided_at"
            } else {
                "marked_uncollectible_at"
            };
            inv["status_transitions"][stamp] = json!(at);
            Ok(())
        })?;
        if to == "void"
            && let Some(intent) = intent
        {
            self.cancel_invoice_intent(&intent, at)?;
        }
        let kind = if to == "void" {
            "invoice.voided"
        } else {
            "invoice.marked_uncollectible"
        };
        self.record_event(kind, &invoice, at);
        Ok(invoice)
    }

    /// Cancels the payment intent of a voided invoice, if it can still be paid.
    fn cancel_invoice_intent(&mut self, id: &str, at: i64) -> Result<(), ApiError> {
        let Some(intent) = self.collection_mut("payment_intent")?.find_mut(id) else {
            return Ok(());
        };
        if intent["status"] == "succeeded" || intent["status"] == "canceled" {
            return Ok(());
        }
        intent["status"] = json!("canceled");
        intent["canceled_at"] = json!(at);
        intent["cancellation_reason"] = json!("void_invoice");
        let intent = intent.clone();
        self.record_event("payment_intent.canceled", &intent, at);
        Ok(())
    }
}
