//! The fake-only completion of a Checkout Session, as its customer paying on its page would
//! ([`Model::complete_checkout_session`]): what Stripe creates, then `checkout.session.completed`.

use std::time::SystemTime;

use serde::Deserialize;
use serde_json::{Value, json};

use super::{Mode, SESSIONS, Stored};
use crate::model::authentication::Attempt;
use crate::model::errors::ApiError;
use crate::model::params::Params;
use crate::model::{ChallengeOutcome, Model, unix};

/// What a customer enters on a Checkout Session's page: the card they pay with, as a payment
/// method (`pm_card_visa`, or a `pm_...` id) or a card token (`tok_visa`), and optionally their
/// email and name. Its JSON form, the body of `POST /_fake/checkout/sessions/{id}/complete`:
/// `{"payment_method": "pm_card_visa", "email": "ada@example.com", "name": "Ada"}`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckoutPayer {
    payment_method: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl CheckoutPayer {
    /// A customer paying with this payment method or card token.
    pub fn new(payment_method: &str) -> Self {
        Self {
            payment_method: payment_method.to_owned(),
            email: None,
            name: None,
        }
    }

    /// With the email the customer enters.
    #[must_use]
    pub fn with_email(mut self, email: &str) -> Self {
        self.email = Some(email.to_owned());
        self
    }

    /// With the name the customer enters.
    #[must_use]
    pub fn with_name(mut self, name: &str) -> Self {
        self.name = Some(name.to_owned());
        self
    }

    /// The payment method or card token paid with.
    pub fn payment_method(&self) -> &str {
        &self.payment_method
    }

    /// The email entered, if any.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// The name entered, if any.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }
}

impl Model {
    /// Completes an open Checkout Session as its customer would by paying on its page, and
    /// records the events Stripe sends, in its order:
    /// - a customer is created first (`customer.created`) when the session has none and needs
    ///   one (`customer_creation=always`, or `subscription` mode);
    /// - `payment` mode: the session's payment intent is created (once: a declined card leaves
    ///   it to the next attempt) for `amount_total` with `payment_intent_data`, and confirmed
    ///   with the customer's card; a card that asks for authentication is authenticated on the
    ///   page (`payment_intent.requires_action`, then the payment); the session is `paid`, or
    ///   `unpaid` when `capture_method=manual` left the payment authorized;
    /// - `setup` mode: a setup intent is created with `setup_intent_data` and confirmed, saving
    ///   the card to the customer, if there is one (`payment_method.attached`);
    /// - `subscription` mode: the card is saved to the customer, the subscription created with
    ///   `subscription_data` and its first invoice paid (authenticated on the page when the card
    ///   asks); the session names both, `paid` (`no_payment_required` for a trial); a card that
    ///   would be declined is refused before anything is made;
    ///
    /// then the session is `complete` (its `url` gone, `customer_details` filled in) and
    /// `checkout.session.completed` is recorded last. Answers the session; or Stripe's 402 for
    /// a declined card (the session stays open, the customer may try another card), a 404 for
    /// an unknown session, a 400 for one that is not open or an unknown card.
    pub fn complete_checkout_session(
        &mut self,
        id: &str,
        payer: &CheckoutPayer,
        now: SystemTime,
    ) -> Result<Value, ApiError> {
        let at = unix(now);
        let session = self.open_session(id, at, "completed")?;
        let mode = Mode::named(session["mode"].as_str().unwrap_or_default());
        let pm = self.payment_method_of(payer.payment_method(), "payment_method", at)?;
        let customer = self.checkout_customer(&session, payer, at)?;
        // What the session names once complete, and how it was paid.
        let (made, payment_status): (Vec<(&str, Value)>, &str) = match mode {
            Mode::Payment => {
                let intent = self.pay_checkout(&session, customer.as_deref(), &pm, now)?;
                let paid = intent["status"] == "succeeded";
                let status = if paid { "paid" } else { "unpaid" };
                (vec![("payment_intent", intent["id"].clone())], status)
            }
            Mode::Setup => {
                let intent = self.set_up_checkout(&session, customer.as_deref(), &pm, now)?;
                (
                    vec![("setup_intent", intent["id"].clone())],
                    "no_payment_required",
                )
            }
            Mode::Subscription => {
                let customer = customer.as_deref().ok_or_else(|| {
                    ApiError::internal("a subscription session without a customer".to_owned())
                })?;
                let (sub, invoice) = self.subscribe_checkout(&session, customer, &pm, now)?;
                let paid = invoice["amount_paid"].as_i64().unwrap_or_default() > 0;
                let status = if paid { "paid" } else { "no_payment_required" };
                (
                    vec![
                        ("subscription", sub["id"].clone()),
                        ("invoice", invoice["id"].clone()),
                    ],
                    status,
                )
            }
        };
        let details = self.customer_details(&session, customer.as_deref(), payer);
        let session = self.collection_mut(SESSIONS)?.update(id, |stored| {
            stored["status"] = json!("complete");
            stored["url"] = Value::Null;
            stored["customer"] = json!(customer);
            stored["customer_details"] = details;
            for (member, made) in made {
                stored[member] = made;
            }
            stored["payment_status"] = json!(payment_status);
            Ok(())
        })?;
        self.record_event("checkout.session.completed", &session, at);
        Ok(session)
    }

    /// The session's customer: its own, or a new one when it needs one (kept on the session at
    /// once, so that a declined card's next attempt pays as the same customer).
    fn checkout_customer(
        &mut self,
        session: &Value,
        payer: &CheckoutPayer,
        at: i64,
    ) -> Result<Option<String>, ApiError> {
        if let Some(customer) = session["customer"].as_str() {
            return Ok(Some(customer.to_owned()));
        }
        if session["customer_creation"] != "always" && session["mode"] != "subscription" {
            return Ok(None);
        }
        let email = payer.email().or(session["customer_email"].as_str());
        let entered = email
            .map(|email| ("email", email))
            .into_iter()
            .chain(payer.name().map(|name| ("name", name)));
        let customer = self.create_customer(&Params::from_pairs(entered), at)?;
        let customer = customer["id"].as_str().unwrap_or_default().to_owned();
        self.note_on_session(session, "customer", &customer)?;
        Ok(Some(customer))
    }

    /// Sets `member` of the stored session to `id`.
    fn note_on_session(&mut self, session: &Value, member: &str, id: &str) -> Result<(), ApiError> {
        let session = session["id"].as_str().unwrap_or_default();
        self.collection_mut(SESSIONS)?
            .update(session, |stored| {
                stored[member] = json!(id);
                Ok(())
            })
            .map(drop)
    }

    /// Pays a `payment` session's total with payment method `pm`: its payment intent (made on
    /// the first attempt), confirmed, and authenticated when the card asks.
    fn pay_checkout(
        &mut self,
        session: &Value,
        customer: Option<&str>,
        pm: &str,
        now: SystemTime,
    ) -> Result<Value, ApiError> {
        let at = unix(now);
        let intent = match session["payment_intent"].as_str() {
            Some(intent) => intent.to_owned(),
            None => {
                let amount = session["amount_total"]
                    .as_u64()
                    .unwrap_or_default()
                    .to_string();
                let currency = session["currency"].as_str().unwrap_or("usd").to_owned();
                let mut pairs = self.passed_on(session);
                pairs.extend([
                    ("amount".to_owned(), amount),
                    ("currency".to_owned(), currency),
                    ("confirm".to_owned(), "false".to_owned()),
                ]);
                pairs.extend(customer.map(|c| ("customer".to_owned(), c.to_owned())));
                let intent = self.create_payment_intent(&Params::from_pairs(pairs), at)?;
                let intent = intent["id"].as_str().unwrap_or_default().to_owned();
                self.note_on_session(session, "payment_intent", &intent)?;
                intent
            }
        };
        let with_card = Params::from_pairs([("payment_method", pm)]);
        let confirmed = self.confirm_payment_intent(&intent, &with_card, at)?;
        if confirmed["status"] == "requires_action" {
            return self.complete_challenge(&intent, ChallengeOutcome::Succeed, now);
        }
        Ok(confirmed)
    }

    /// Saves payment method `pm` for a `setup` session: its setup intent (made on the first
    /// attempt), confirmed, and authenticated when the card asks.
    fn set_up_checkout(
        &mut self,
        session: &Value,
        customer: Option<&str>,
        pm: &str,
        now: SystemTime,
    ) -> Result<Value, ApiError> {
        let at = unix(now);
        let intent = match session["setup_intent"].as_str() {
            Some(intent) => intent.to_owned(),
            None => {
                let mut pairs = self.passed_on(session);
                pairs.push(("confirm".to_owned(), "false".to_owned()));
                pairs.extend(customer.map(|c| ("customer".to_owned(), c.to_owned())));
                let intent = self.create_setup_intent(&Params::from_pairs(pairs), at)?;
                let intent = intent["id"].as_str().unwrap_or_default().to_owned();
                self.note_on_session(session, "setup_intent", &intent)?;
                intent
            }
        };
        let attempt = Attempt::default();
        let confirmed = self.confirm_setup(&intent, Some(pm.to_owned()), &attempt, at)?;
        if confirmed["status"] == "requires_action" {
            return self.complete_challenge(&intent, ChallengeOutcome::Succeed, now);
        }
        Ok(confirmed)
    }

    /// The parameters the session passes on to what it creates.
    fn passed_on(&self, session: &Value) -> Vec<(String, String)> {
        Stored::of(self, session["id"].as_str().unwrap_or_default()).passed_on
    }

    /// `customer_details` of a completed session: what the customer entered, else what the
    /// session or the customer on file knew.
    fn customer_details(
        &self,
        session: &Value,
        customer: Option<&str>,
        payer: &CheckoutPayer,
    ) -> Value {
        let on_file = customer.and_then(|id| self.find(id));
        let known = |member: &str| on_file.and_then(|c| c[member].as_str());
        let email = payer
            .email()
            .or(session["customer_email"].as_str())
            .or_else(|| known("email"));
        let name = payer.name().or_else(|| known("name"));
        json!({
            "address": null,
            "email": email,
            "name": name,
            "phone": known("phone"),
            "tax_exempt": known("tax_exempt").unwrap_or("none"),
            "tax_ids": [],
        })
    }
}
