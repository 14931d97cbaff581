//! A subscription's states over time: a new period (a renewal, or the end of a trial) with its
//! invoice, the moves a payment makes (`incomplete` or `past_due` to `active`, `active` to
//! `past_due`), and its end (canceled, or `incomplete_expired`).

use serde_json::{Value, json};

use super::calendar::Interval;
use super::invoicing::{Draft, Pending};
use super::shapes::{Line, LineKind};
use crate::model::Model;
use crate::model::errors::ApiError;
use crate::model::events::snapshot;

/// The subscriptions' object name.
pub(crate) const SUBSCRIPTIONS: &str = "subscription";

/// How long an `incomplete` subscription waits for its first payment (23 hours).
pub(crate) const INCOMPLETE_WINDOW: i64 = 23 * 3600;

/// The billing interval of a subscription (its items share one), from its first item's price.
pub(crate) fn interval_of(sub: &Value) -> Result<Interval, ApiError> {
    Interval::of_price(&sub["items"]["data"][0]["price"])
        .ok_or_else(|| ApiError::internal("a subscription item has no recurring price".to_owned()))
}

/// `$9.90` (other currencies by their code: `EUR 9.90`).
fn money(amount: i64, currency: &str) -> String {
    let sign = if amount < 0 { "-" } else { "" };
    let units = amount.unsigned_abs();
    let value = format!("{}.{:02}", units / 100, units % 100);
    match currency {
        "usd" => format!("{sign}${value}"),
        "eur" => format!("{sign}€{value}"),
        "gbp" => format!("{sign}£{value}"),
        other => format!("{sign}{} {value}", other.to_ascii_uppercase()),
    }
}

/// `month`, or `3 months`.
fn every(price: &Value) -> String {
    let unit = price["recurring"]["interval"].as_str().unwrap_or("month");
    match price["recurring"]["interval_count"].as_u64().unwrap_or(1) {
        1 => unit.to_owned(),
        n => format!("{n} {unit}s"),
    }
}

impl Model {
    /// The name of a price's product (`Gold plan`), as invoice lines describe it.
    pub(crate) fn product_name(&self, price: &Value) -> String {
        price["product"]
            .as_str()
            .and_then(|p| self.find(p))
            .and_then(|p| p["name"].as_str())
            .unwrap_or("Product")
            .to_owned()
    }

    /// A subscription's lines for `period`: each item at its price and quantity (free lines
    /// named after the trial during one).
    pub(crate) fn subscription_lines(
        &self,
        sub: &Value,
        period: (i64, i64),
        trial: bool,
    ) -> Vec<Line> {
        let sub_id = sub["id"].as_str().map(str::to_owned);
        sub["items"]["data"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| {
                        let price = &item["price"];
                        let quantity = item["quantity"].as_u64().unwrap_or(1);
                        let unit = price["unit_amount"].as_i64().unwrap_or_default();
                        let currency = price["currency"].as_str().unwrap_or("usd").to_owned();
                        let name = self.product_name(price);
                        let description = if trial {
                            format!("Trial period for {name}")
                        } else {
                            format!(
                                "{quantity} × {name} (at {} / {})",
                                money(unit, &currency),
                                every(price)
                            )
                        };
                        Line {
                            kind: LineKind::Subscription,
                            amount: if trial {
                                0
                            } else {
                                unit.saturating_mul(i64::try_from(quantity).unwrap_or(i64::MAX))
                            },
                            currency,
                            description: Some(description),
                            period,
                            price: price.clone(),
                            proration: false,
                            quantity: Some(quantity),
                            subscription: sub_id.clone(),
                            subscription_item: item["id"].as_str().map(str::to_owned),
                            metadata: item["metadata"].clone(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Starts the subscription's next period at its current period's end (a renewal, or the
    /// end of its trial: it becomes `active`): `customer.subscription.updated`, then the
    /// period's invoice as a draft that Stripe finalizes an hour later (`invoice.created`).
    /// Answers the invoice's id.
    pub(crate) fn next_period(&mut self, id: &str, at: i64) -> Result<String, ApiError> {
        let sub = self.collection(SUBSCRIPTIONS)?.get(id)?;
        let interval = interval_of(sub)?;
        let anchor = sub["billing_cycle_anchor"].as_i64().unwrap_or(at);
        let old = (
            sub["current_period_start"].as_i64().unwrap_or(at),
            sub["current_period_end"].as_i64().unwrap_or(at),
        );
        let period = (old.1, interval.next_boundary(anchor, old.1));
        let invoice = self.next_id("in_");
        let stored = self.collection_mut(SUBSCRIPTIONS)?.get_mut(id)?;
        if stored["status"] == "trialing" {
            stored["status"] = json!("active");
        }
        stored["current_period_start"] = json!(period.0);
        stored["current_period_end"] = json!(period.1);
        stored["latest_invoice"] = json!(invoice);
        let snapshot = snapshot(stored);
        let sub = self.collection(SUBSCRIPTIONS)?.get(id)?;
        let customer = sub["customer"].as_str().unwrap_or_default();
        let draft = Draft {
            subscription: Some(id.to_owned()),
            collection_method: sub["collection_method"]
                .as_str()
                .unwrap_or("charge_automatically")
                .to_owned(),
            days_until_due: sub["days_until_due"].as_u64(),
            auto_advance: true,
            period: old,
            lines: self.subscription_lines(sub, period, false),
            pending: Pending::Subscription(id.to_owned()),
            ..Draft::new(customer, "subscription_cycle", at)
        };
        self.record_snapshot("customer.subscription.updated", snapshot, at);
        self.draft_invoice(draft, Some(invoice), at)
    }

    /// Sets a subscription's status, recording `customer.subscription.updated` if it changed.
    fn set_subscription_status(&mut self, id: &str, status: &str, at: i64) -> Result<(), ApiError> {
        let current = self.collection(SUBSCRIPTIONS)?.get(id)?;
        if current["status"] == status {
            return Ok(());
        }
        let sub = self.collection_mut(SUBSCRIPTIONS)?.update(id, |s| {
            s["status"] = json!(status);
            Ok(())
        })?;
        self.record_event("customer.subscription.updated", &sub, at);
        Ok(())
    }

    /// A paid invoice makes an `incomplete`, `past_due` or `unpaid` subscription `active`; a
    /// canceled one stays canceled.
    pub(crate) fn activate_after_payment(&mut self, id: &str, at: i64) -> Result<(), ApiError> {
        let Some(sub) = self.collection(SUBSCRIPTIONS)?.find(id) else {
            return Ok(());
        };
        if matches!(
            sub["status"].as_str(),
            Some("incomplete" | "past_due" | "unpaid")
        ) {
            self.set_subscription_status(id, "active", at)?;
        }
        Ok(())
    }

    /// A failed renewal makes an `active` subscription `past_due`; when the automatic retries
    /// ran out, the subscription is canceled (Stripe's default).
    pub(crate) fn after_failed_renewal(
        &mut self,
        id: &str,
        exhausted: bool,
        at: i64,
    ) -> Result<(), ApiError> {
        let Some(sub) = self.collection(SUBSCRIPTIONS)?.find(id) else {
            return Ok(());
        };
        let status = sub["status"].as_str().unwrap_or_default().to_owned();
        if status == "active" {
            self.set_subscription_status(id, "past_due", at)?;
        }
        if exhausted && (status == "active" || status == "past_due") {
            self.end_subscription(id, "payment_failed", at)?;
        }
        Ok(())
    }

    /// Cancels a subscription at `at` for `reason` (`cancellation_requested`,
    /// `payment_failed`): `canceled`, `customer.subscription.deleted`.
    pub(crate) fn end_subscription(
        &mut self,
        id: &str,
        reason: &str,
        at: i64,
    ) -> Result<Value, ApiError> {
        let sub = self.collection_mut(SUBSCRIPTIONS)?.update(id, |s| {
            s["status"] = json!("canceled");
            if s["canceled_at"].is_null() {
                s["canceled_at"] = json!(at);
            }
            s["ended_at"] = json!(at);
            s["cancellation_details"]["reason"] = json!(reason);
            Ok(())
        })?;
        self.record_event("customer.subscription.deleted", &sub, at);
        Ok(sub)
    }

    /// An `incomplete` subscription whose first invoice was not paid in 23 hours: its invoice
    /// is voided and it is `incomplete_expired` (`customer.subscription.updated`).
    pub(crate) fn expire_incomplete(&mut self, id: &str, at: i64) -> Result<(), ApiError> {
        let sub = self.collection(SUBSCRIPTIONS)?.get(id)?;
        if let Some(invoice) = sub["latest_invoice"].as_str().map(str::to_owned)
            && self.find(&invoice).is_some_and(|i| i["status"] == "open")
        {
            self.close_invoice(&invoice, "void", at)?;
        }
        let sub = self.collection_mut(SUBSCRIPTIONS)?.update(id, |s| {
            s["status"] = json!("incomplete_expired");
            s["canceled_at"] = json!(at);
            s["ended_at"] = json!(at);
            Ok(())
        })?;
        self.record_event("customer.subscription.updated", &sub, at);
        Ok(())
    }
}
