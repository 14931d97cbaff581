//! A `subscription` mode session's completion: the customer's card saved, the subscription
//! created through `POST /v1/subscriptions` (the subscriptions resource's own rules, events and
//! first invoice), and that invoice paid on the page, as Stripe's Checkout pays it.

use std::time::SystemTime;

use serde_json::Value;

use super::Stored;
use crate::model::errors::ApiError;
use crate::model::params::Params;
use crate::model::{ChallengeOutcome, Model, unix};

/// The `subscription_data[...]` members passed on to the subscription (the others the spec
/// lists are Connect's, which the fake does not model, or refused at creation).
const PASSED_ON: [&str; 4] = ["description", "metadata", "trial_period_days", "trial_end"];

impl Model {
    /// Subscribes `customer` to the session's line items with payment method `pm`: the card is
    /// attached to the customer (`payment_method.attached`), the subscription is created with
    /// it as its default payment method and `subscription_data`, and its first invoice, when
    /// there is something to pay, is paid with the customer present (authenticated on the page
    /// when the card asks: `payment_intent.requires_action`), which makes the subscription
    /// `active`. A card that would be declined is refused first (Stripe's 402), with nothing
    /// made. Answers the subscription and its first invoice, as they are then.
    pub(super) fn subscribe_checkout(
        &mut self,
        session: &Value,
        customer: &str,
        pm: &str,
        now: SystemTime,
    ) -> Result<(Value, Value), ApiError> {
        let at = unix(now);
        let (_, card) = self.resolve_payment_method(pm, None, at)?;
        if let Some(decline) = card.decline {
            return Err(decline.error());
        }
        self.attach(pm, customer, at)?;
        let stored = Stored::of(self, session["id"].as_str().unwrap_or_default());
        let mut pairs: Vec<(String, String)> = stored
            .passed_on
            .into_iter()
            .filter(|(k, _)| PASSED_ON.contains(&k.split('[').next().unwrap_or(k)))
            .collect();
        for (i, item) in stored.line_items.iter().enumerate() {
            let price = item["price"]["id"].as_str().unwrap_or_default();
            let quantity = item["quantity"].as_u64().unwrap_or(1);
            pairs.push((format!("items[{i}][price]"), price.to_owned()));
            pairs.push((format!("items[{i}][quantity]"), quantity.to_string()));
        }
        pairs.extend([
            ("customer".to_owned(), customer.to_owned()),
            ("default_payment_method".to_owned(), pm.to_owned()),
            // Paid below, with the customer present rather than off session.
            (
                "payment_behavior".to_owned(),
                "default_incomplete".to_owned(),
            ),
        ]);
        let params = Params::from_pairs(pairs);
        let subscription = self.run_endpoint("POST /v1/subscriptions", &params, now)?;
        let sub = subscription["id"].as_str().unwrap_or_default().to_owned();
        let invoice = subscription["latest_invoice"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let open = self.collection("invoice")?.get(&invoice)?.clone();
        if open["status"] == "open"
            && let Some(intent) = open["payment_intent"].as_str()
        {
            let with_card = Params::from_pairs([("payment_method", pm)]);
            let mut paid = self.confirm_payment_intent(intent, &with_card, at)?;
            if paid["status"] == "requires_action" {
                paid = self.complete_challenge(intent, ChallengeOutcome::Succeed, now)?;
            }
            self.mark_invoice_paid(&invoice, paid["latest_charge"].as_str(), at)?;
        }
        Ok((
            self.collection("subscription")?.get(&sub)?.clone(),
            self.collection("invoice")?.get(&invoice)?.clone(),
        ))
    }
}
