//! Charges: create (with test tokens, or a customer's default card), retrieve, list.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Model;
use super::cards::{self, Card, DEFAULT_CARD};
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::params::Params;

/// Validated `POST /v1/charges` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateCharge {
    amount: u64,
    currency: String,
    customer: Option<String>,
    card: Card,
    payment_method: String,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
    capture: bool,
}

/// Everything needed to record one charge attempt.
#[derive(Debug, Clone)]
pub(crate) struct ChargeSpec {
    pub(crate) amount: u64,
    pub(crate) currency: String,
    pub(crate) customer: Option<String>,
    pub(crate) card: Card,
    pub(crate) payment_method: String,
    pub(crate) description: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) payment_intent: Option<String>,
    pub(crate) capture: bool,
}

/// Validates `POST /v1/charges`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateCharge, ApiError> {
    p.only(&[
        "amount",
        "currency",
        "customer",
        "source",
        "payment_method",
        "description",
        "metadata",
        "capture",
        "receipt_email",
        "statement_descriptor",
    ])?;
    let amount = p.amount("amount")?;
    let currency = p.currency()?;
    let customer = p.get("customer").map(str::to_owned);
    let (card, payment_method) = match (p.get("source"), p.get("payment_method")) {
        (Some(source), _) => (cards::token(source)?, source.to_owned()),
        (None, Some(pm)) => (cards::payment_method(pm)?, pm.to_owned()),
        (None, None) if customer.is_some() => (DEFAULT_CARD, "card_default".to_owned()),
        (None, None) => {
            return Err(ApiError::invalid_param(
                "source",
                "parameter_missing",
                "Must provide source or customer.".to_owned(),
            ));
        }
    };
    Ok(CreateCharge {
        amount,
        currency,
        customer,
        card,
        payment_method,
        description: p.get("description").map(str::to_owned),
        metadata: p.map("metadata")?,
        capture: p.opt_bool("capture")?.unwrap_or(true),
    })
}

impl Model {
    pub(crate) fn create_charge(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        if let Some(customer) = &create.customer
            && !self.customer_exists(customer)
        {
            return Err(ApiError::no_such("customer", customer, "customer"));
        }
        let spec = ChargeSpec {
            amount: create.amount,
            currency: create.currency,
            customer: create.customer,
            card: create.card,
            payment_method: create.payment_method,
            description: create.description,
            metadata: create.metadata,
            payment_intent: None,
            capture: create.capture,
        };
        let (charge, declined) = self.record_charge(spec, now);
        match declined {
            None => Ok(charge),
            Some(err) => Err(err),
        }
    }

    /// Records a charge attempt: succeeded, or failed with the 402 to answer (which names the
    /// failed charge, as Stripe's card errors do).
    pub(crate) fn record_charge(
        &mut self,
        spec: ChargeSpec,
        now: i64,
    ) -> (Value, Option<ApiError>) {
        let id = self.next_id("ch_");
        let decline = spec.card.decline;
        let succeeded = decline.is_none();
        let balance_transaction = if succeeded && spec.capture {
            json!(self.next_id("txn_"))
        } else {
            Value::Null
        };
        let metadata: serde_json::Map<String, Value> = spec
            .metadata
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), json!(v)))
            .collect();
        let charge = json!({
            "id": id,
            "object": "charge",
            "amount": spec.amount,
            "amount_captured": if succeeded && spec.capture { spec.amount } else { 0 },
            "amount_refunded": 0,
            "balance_transaction": balance_transaction,
            "captured": succeeded && spec.capture,
            "created": now,
            "currency": spec.currency,
            "customer": spec.customer,
            "description": spec.description,
            "failure_code": decline.map(|d| d.code),
            "failure_message": decline.map(|d| d.message),
            "livemode": false,
            "metadata": metadata,
            "outcome": {
                "network_status": if succeeded { "approved_by_network" } else { "declined_by_network" },
                "reason": decline.map(|d| d.decline_code),
                "risk_level": "normal",
                "seller_message": if succeeded { "Payment complete." } else { "The bank did not return any further details with this decline." },
                "type": if succeeded { "authorized" } else { "issuer_declined" },
            },
            "paid": succeeded,
            "payment_intent": spec.payment_intent,
            "payment_method": spec.payment_method,
            "payment_method_details": {
                "type": "card",
                "card": { "brand": spec.card.brand, "last4": spec.card.last4, "exp_month": 12, "exp_year": 2034, "funding": "credit" },
            },
            "refunded": false,
            "status": if succeeded { "succeeded" } else { "failed" },
        });
        self.charges.push(charge.clone());
        let err = decline.map(|d| {
            let mut err = d.error();
            err.extra.push(("charge", json!(id)));
            err
        });
        (charge, err)
    }

    pub(crate) fn list_charges(&self, p: &Params) -> Result<Value, ApiError> {
        let lp = ListParams::parse(p, &["customer", "payment_intent"])?;
        let selected = self
            .charges
            .iter()
            .filter(|c| list::matches(c, p, "customer") && list::matches(c, p, "payment_intent"));
        list::page(selected, &lp, "/v1/charges", "charge")
    }
}
