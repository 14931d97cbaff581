//! Paying an open invoice through its payment intent: the payment method (the one given, the
//! invoice's, the subscription's, the customer's `invoice_settings.default_payment_method`,
//! then its default source), an off-session confirmation (a card that asks for 3D Secure is
//! declined with `authentication_required`), and what a success or a failure does to the
//! invoice and its subscription.
//!
//! Failed automatic collection follows the fake's fixed dunning schedule, after Stripe's
//! default settings (retry for about two weeks, then cancel the subscription and leave the
//! invoice open): retries 3, 5 and 7 days after the previous failure, four attempts in all.
//! The first invoice of a subscription is not retried (the subscription stays `incomplete`).

use serde_json::{Value, json};

use super::invoicing::{INVOICES, wrong_status};
use crate::model::Model;
use crate::model::authentication::{Attempt, Gate};
use crate::model::cards::{self, Card};
use crate::model::errors::ApiError;
use crate::model::events::snapshot;

/// Days to wait before each retry after a failed attempt (the first, second and third).
const RETRY_DAYS: [i64; 3] = [3, 5, 7];

/// How a payment attempt ended.
#[derive(Debug)]
pub(crate) enum Collected {
    /// The invoice is paid.
    Paid,
    /// It stays open; the error is what a `pay` request answers.
    Failed(ApiError),
}

/// When to try again after the `attempts`-th failed attempt at `at`, if at all.
fn next_attempt(invoice: &Value, attempts: usize, at: i64) -> Option<i64> {
    if invoice["auto_advance"] != true || invoice["billing_reason"] == "subscription_create" {
        return None;
    }
    let days = RETRY_DAYS.get(attempts.checked_sub(1)?)?;
    Some(at.saturating_add(days * 86_400))
}

impl Model {
    /// Attempts to pay open invoice `id` at `at`, with `given` (a `pm_...`, `card_...` or test
    /// value) or the defaults; `automatic` when Stripe collects it on its own (a failure then
    /// may cancel the subscription once the retries run out).
    pub(crate) fn collect_invoice(
        &mut self,
        id: &str,
        given: Option<&str>,
        automatic: bool,
        at: i64,
    ) -> Result<Collected, ApiError> {
        let invoice = self.collection(INVOICES)?.get(id)?;
        if invoice["status"] != "open" {
            return Err(wrong_status(invoice, "pay", "open"));
        }
        let remaining = invoice["amount_remaining"].as_i64().unwrap_or_default();
        let intent = invoice["payment_intent"].as_str().map(str::to_owned);
        if remaining <= 0 {
            return self
                .mark_invoice_paid(id, None, at)
                .map(|()| Collected::Paid);
        }
        let Some(source) = self.payment_source(invoice, given) else {
            let error = ApiError::card(
                "missing",
                None,
                "This customer has no attached payment source or default payment method.",
            );
            return self.payment_failed(id, None, automatic, error, at);
        };
        let (pm, mut card) = self.card_of(&source, at)?;
        let unattended = Attempt {
            off_session: true,
            return_url: None,
        };
        if let Gate::Decline(decline) = self.gate(&pm, &card, &unattended) {
            card.decline = Some(decline);
        }
        let intent = match intent {
            Some(intent) => intent,
            None => {
                let intent = self.invoice_payment_intent(id, remaining, at)?;
                self.collection_mut(INVOICES)?.get_mut(id)?["payment_intent"] = json!(intent);
                intent
            }
        };
        let declined = self.settle_intent(&intent, &pm, card, at)?;
        let charge = self.collection("payment_intent")?.get(&intent)?["latest_charge"]
            .as_str()
            .map(str::to_owned);
        match declined {
            None => {
                self.mark_invoice_paid(id, charge.as_deref(), at)?;
                Ok(Collected::Paid)
            }
            Some(error) => {
                // The card error names the intent, as a confirmation's does.
                let intent = self.collection("payment_intent")?.get(&intent)?.clone();
                let error = error.with_member("payment_intent", intent);
                self.payment_failed(id, charge, automatic, error, at)
            }
        }
    }

    /// The payment method or source an invoice is paid with, if any.
    fn payment_source(&self, invoice: &Value, given: Option<&str>) -> Option<String> {
        let customer = self
            .collection("customer")
            .ok()?
            .find(invoice["customer"].as_str()?)?;
        let subscription = invoice["subscription"].as_str().and_then(|s| self.find(s));
        given
            .or_else(|| invoice["default_payment_method"].as_str())
            .or_else(|| subscription.and_then(|s| s["default_payment_method"].as_str()))
            .or_else(|| customer["invoice_settings"]["default_payment_method"].as_str())
            .or_else(|| customer["default_source"].as_str())
            .map(str::to_owned)
    }

    /// The card behind a payment method or a card source (a test value makes a new one).
    fn card_of(&mut self, source: &str, at: i64) -> Result<(String, Card), ApiError> {
        if !source.starts_with("card_") {
            return self.resolve_payment_method(source, None, at);
        }
        let card = self
            .collection("card")?
            .find(source)
            .ok_or_else(|| ApiError::no_such("source", source, "source"))?;
        let card = cards::by_last4(card["last4"].as_str().unwrap_or_default())
            .unwrap_or(cards::DEFAULT_CARD);
        Ok((source.to_owned(), card))
    }

    /// Records a failed attempt on invoice `id` (by `charge`, if one was made):
    /// `invoice.payment_failed`, the next retry, and the subscription's move to `past_due`
    /// (or its end, when automatic retries ran out).
    fn payment_failed(
        &mut self,
        id: &str,
        charge: Option<String>,
        automatic: bool,
        error: ApiError,
        at: i64,
    ) -> Result<Collected, ApiError> {
        let inv = self.collection_mut(INVOICES)?.get_mut(id)?;
        let attempts = inv["attempt_count"].as_u64().unwrap_or_default() + 1;
        let next = next_attempt(inv, usize::try_from(attempts).unwrap_or(usize::MAX), at);
        inv["attempt_count"] = json!(attempts);
        inv["attempted"] = json!(true);
        if charge.is_some() {
            inv["charge"] = json!(charge);
        }
        inv["next_payment_attempt"] = json!(next);
        let renewal = inv["billing_reason"] != "subscription_create";
        let subscription = inv["subscription"].as_str().map(str::to_owned);
        let snapshot = snapshot(inv);
        self.record_snapshot("invoice.payment_failed", snapshot, at);
        if let Some(sub) = subscription.filter(|_| renewal) {
            self.after_failed_renewal(&sub, automatic && next.is_none(), at)?;
        }
        Ok(Collected::Failed(error))
    }
}
