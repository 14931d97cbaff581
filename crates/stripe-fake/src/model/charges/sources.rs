//! What a charge pays with (`Payment`): a `tok_...` token made a card source, a stored card
//! source, a payment method given as `source`, or a customer's default source.

use serde_json::Value;

use super::Payment;
use crate::model::cards::{self, Card};
use crate::model::errors::ApiError;
use crate::model::{Model, objects};

impl Model {
    /// A new card source from a `tok_...` token, stored (on `customer` when given).
    pub(crate) fn card_from_token(
        &mut self,
        token: &str,
        customer: Option<&str>,
        param: &str,
    ) -> Result<(Card, Value), ApiError> {
        let card = cards::token(token).map_err(|_| ApiError::no_such("token", token, param))?;
        let id = self.next_id("card_");
        let object = objects::card_source(&id, &card, customer);
        let object = self.collection_mut("card")?.insert(object)?;
        Ok((card, object))
    }

    /// What `source=...` pays with: a token (a new card) or a stored card source.
    pub(super) fn source_payment(
        &mut self,
        source: &str,
        customer: Option<&str>,
        now: i64,
    ) -> Result<Payment, ApiError> {
        if source.starts_with("pm_") {
            // Stripe accepts a PaymentMethod id as a charge's source.
            let (id, card) = self.resolve_payment_method(source, customer, now)?;
            return Ok(Payment {
                card,
                payment_method: id,
                source: None,
            });
        }
        if source.starts_with("tok_") {
            let (card, object) = self.card_from_token(source, None, "source")?;
            return Ok(Payment {
                card,
                payment_method: object["id"].as_str().unwrap_or_default().to_owned(),
                source: Some(object),
            });
        }
        let object = self
            .collection("card")?
            .find(source)
            .filter(|c| customer.is_none_or(|owner| c["customer"] == owner))
            .cloned()
            .ok_or_else(|| ApiError::no_such("source", source, "source"))?;
        let card = cards::by_last4(object["last4"].as_str().unwrap_or_default())
            .unwrap_or(cards::DEFAULT_CARD);
        Ok(Payment {
            card,
            payment_method: source.to_owned(),
            source: Some(object),
        })
    }

    /// What a customer's default source pays with: 402 `missing` when there is none, as
    /// Stripe answers "Cannot charge a customer that has no active card".
    pub(super) fn default_source_payment(&mut self, customer: &str) -> Result<Payment, ApiError> {
        let default = self
            .collection("customer")?
            .find(customer)
            .and_then(|c| c["default_source"].as_str())
            .map(str::to_owned);
        match default {
            Some(source) => self.source_payment(&source, Some(customer), 0),
            None => Err(ApiError::card(
                "missing",
                None,
                "Cannot charge a customer that has no active card",
            )
            .with_parameter("card")),
        }
    }
}
