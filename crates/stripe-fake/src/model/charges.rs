//! Charges: create (test tokens, card sources, payment methods, a customer's default source),
//! retrieve, update, capture, list.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::Model;
use super::authentication::{Attempt, Gate};
use super::cards::{self, Card};
use super::errors::ApiError;
use super::objects;
use super::params::Params;
use crate::registry::{Call, Resource, Route};

/// The registry entry of charges.
pub(crate) fn resource() -> Resource {
    Resource::new("charge")
        .with_prefix("ch_")
        .with_route(Route::new("POST /v1/charges", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/charges"))
        .with_route(Route::search("GET /v1/charges/search"))
        .with_route(Route::retrieve("GET /v1/charges/{charge}"))
        .with_route(Route::new("POST /v1/charges/{charge}", update).with_validator(validate_update))
        .with_route(
            Route::new("POST /v1/charges/{charge}/capture", capture)
                .with_validator(validate_capture),
        )
        .with_searchable(&[
            "amount",
            "billing_details.address.postal_code",
            "created",
            "currency",
            "customer",
            "disputed",
            "payment_method_details.card.brand",
            "payment_method_details.card.last4",
            "refunded",
            "status",
        ])
        .with_expandable(&[
            "application",
            "application_fee",
            "balance_transaction",
            "billing_details",
            "customer",
            "failure_balance_transaction",
            "fraud_details",
            "invoice",
            "on_behalf_of",
            "outcome",
            "payment_intent",
            "payment_method_details",
            "radar_options",
            "refunds",
            "review",
            "shipping",
            "source_transfer",
            "transfer",
            "transfer_data",
        ])
        .with_list_filters(&["customer", "payment_intent", "transfer_group"])
        .with_events(&[
            "charge.succeeded",
            "charge.failed",
            "charge.captured",
            "charge.updated",
            "charge.refunded",
        ])
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().map("metadata").map(drop)
}

fn validate_capture(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().opt_amount("amount").map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_charge(call.params(), call.unix_time())
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.update_charge(call.id(), call.params(), call.unix_time())
}

fn capture(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.capture_charge(call.id(), call.params(), call.unix_time())
}

/// Parameters Stripe echoes on a charge as given.
const ECHOED: [&str; 4] = [
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "transfer_group",
];

/// Validated `POST /v1/charges` parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CreateCharge {
    amount: u64,
    currency: String,
    customer: Option<String>,
    source: Option<String>,
    payment_method: Option<String>,
    description: Option<String>,
    metadata: BTreeMap<String, String>,
    capture: bool,
}

/// How a charge is paid: the card and what the charge names as its method.
#[derive(Debug, Clone)]
pub(crate) struct Payment {
    pub(crate) card: Card,
    /// The `pm_...` or `card_...` id the charge shows as `payment_method`.
    pub(crate) payment_method: String,
    /// The card source, for charges paid by one (`source` on the charge).
    pub(crate) source: Option<Value>,
}

/// Everything needed to record one charge attempt.
#[derive(Debug, Clone)]
pub(crate) struct ChargeSpec {
    pub(crate) amount: u64,
    pub(crate) currency: String,
    pub(crate) customer: Option<String>,
    pub(crate) payment: Payment,
    pub(crate) description: Option<String>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) payment_intent: Option<String>,
    /// The invoice a payment intent of an invoice pays.
    pub(crate) invoice: Option<String>,
    pub(crate) capture: bool,
    /// Known parameters echoed as given (`receipt_email`, ...).
    pub(crate) echoed: Map<String, Value>,
}

/// The given parameters among `names`, as strings, to copy onto an object.
pub(crate) fn echoed(p: &Params, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| p.get(n).map(|v| ((*n).to_owned(), json!(v))))
        .collect()
}

/// Validates `POST /v1/charges`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateCharge, ApiError> {
    let amount = p.amount("amount")?;
    let currency = p.currency()?;
    let customer = p.get("customer").map(str::to_owned);
    let source = p.get("source").map(str::to_owned);
    let payment_method = p.get("payment_method").map(str::to_owned);
    if source.is_none() && payment_method.is_none() && customer.is_none() {
        return Err(ApiError::invalid_param(
            "source",
            "parameter_missing",
            "Must provide source or customer.".to_owned(),
        ));
    }
    Ok(CreateCharge {
        amount,
        currency,
        customer,
        source,
        payment_method,
        description: p.get("description").map(str::to_owned),
        metadata: p.map("metadata")?,
        capture: p.opt_bool("capture")?.unwrap_or(true),
    })
}

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
    fn source_payment(
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
    fn default_source_payment(&mut self, customer: &str) -> Result<Payment, ApiError> {
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

    fn create_charge(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        if let Some(customer) = &create.customer {
            self.check_customer(customer, "customer")?;
        }
        let customer = create.customer.as_deref();
        let mut payment = match (&create.source, &create.payment_method, customer) {
            (Some(source), _, _) => self.source_payment(source, customer, now)?,
            (None, Some(pm), _) => {
                let (id, card) = self.resolve_payment_method(pm, customer, now)?;
                Payment {
                    card,
                    payment_method: id,
                    source: None,
                }
            }
            (None, None, Some(customer)) => self.default_source_payment(customer)?,
            (None, None, None) => return Err(ApiError::missing("source")),
        };
        // No one can authenticate a Charges API payment: a card that asks is declined.
        let unattended = Attempt {
            off_session: true,
            return_url: None,
        };
        if let Gate::Decline(decline) =
            self.gate(&payment.payment_method, &payment.card, &unattended)
        {
            payment.card.decline = Some(decline);
        }
        let spec = ChargeSpec {
            amount: create.amount,
            currency: create.currency,
            customer: create.customer,
            payment,
            description: create.description,
            metadata: create.metadata,
            payment_intent: None,
            invoice: None,
            capture: create.capture,
            echoed: echoed(p, &ECHOED),
        };
        let (charge, declined) = self.record_charge(spec, now)?;
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
    ) -> Result<(Value, Option<ApiError>), ApiError> {
        let id = self.next_id("ch_");
        let card = spec.payment.card;
        let decline = card.decline;
        let succeeded = decline.is_none();
        let captured = succeeded && spec.capture;
        let balance_transaction = if captured {
            json!(self.next_id("txn_"))
        } else {
            Value::Null
        };
        let mut charge = json!({
            "id": id,
            "object": "charge",
            "amount": spec.amount,
            "amount_captured": if captured { spec.amount } else { 0 },
            "amount_refunded": 0,
            "application": null,
            "application_fee": null,
            "application_fee_amount": null,
            "balance_transaction": balance_transaction,
            "billing_details": objects::empty_billing_details(),
            "calculated_statement_descriptor": "STRIPE-FAKE",
            "captured": captured,
            "created": now,
            "currency": spec.currency,
            "customer": spec.customer,
            "description": spec.description,
            "disputed": false,
            "failure_balance_transaction": null,
            "failure_code": decline.map(|d| d.code),
            "failure_message": decline.map(|d| d.message),
            "fraud_details": {},
            "invoice": spec.invoice,
            "livemode": false,
            "metadata": objects::metadata(&spec.metadata),
        });
        let rest = json!({
            "on_behalf_of": null,
            "outcome": {
                "network_status": if succeeded { "approved_by_network" } else { "declined_by_network" },
                "reason": decline.map(|d| d.decline_code),
                "risk_level": "normal",
                "risk_score": 20,
                "seller_message": if succeeded { "Payment complete." } else { "The bank did not return any further details with this decline." },
                "type": if succeeded { "authorized" } else { "issuer_declined" },
            },
            "paid": succeeded,
            "payment_intent": spec.payment_intent,
            "payment_method": spec.payment.payment_method,
            "payment_method_details": objects::card_details(&card),
            "radar_options": {},
            "receipt_email": null,
            "receipt_number": null,
            "receipt_url": null,
            "refunded": false,
            "review": null,
            "shipping": null,
            "source": spec.payment.source,
            "source_transfer": null,
            "statement_descriptor": null,
            "statement_descriptor_suffix": null,
            "status": if succeeded { "succeeded" } else { "failed" },
            "transfer_data": null,
            "transfer_group": null,
        });
        objects::merge(&mut charge, rest);
        objects::merge(&mut charge, Value::Object(spec.echoed));
        let charge = self.collection_mut("charge")?.insert(charge)?;
        let kind = if succeeded {
            "charge.succeeded"
        } else {
            "charge.failed"
        };
        self.record_event(kind, &charge, now);
        let charge = self.dispute_if_contested(charge, now)?;
        let err = decline.map(|d| d.error().with_member("charge", json!(id)));
        Ok((charge, err))
    }

    fn update_charge(&mut self, id: &str, p: &Params, now: i64) -> Result<Value, ApiError> {
        let charge = self.collection_mut("charge")?.update(id, |charge| {
            if let Some(description) = p.get("description") {
                charge["description"] = json!(description);
            }
            objects::merge(
                charge,
                Value::Object(echoed(p, &["receipt_email", "transfer_group"])),
            );
            p.merge_metadata_into(charge)
        })?;
        self.record_event("charge.updated", &charge, now);
        Ok(charge)
    }

    pub(crate) fn capture_charge(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let amount = p.opt_amount("amount")?;
        let current = self.collection("charge")?.get(id)?;
        if current["captured"] == true {
            return Err(ApiError::invalid_state(
                "charge_already_captured",
                format!("Charge {id} has already been captured."),
            ));
        }
        if current["status"] != "succeeded" || current["refunded"] == true {
            return Err(ApiError::invalid_state(
                "charge_expired_for_capture",
                format!(
                    "Charge {id} cannot be captured: it has a status of {} or was released.",
                    current["status"]
                ),
            ));
        }
        let total = current["amount"].as_u64().unwrap_or_default();
        let amount = amount.unwrap_or(total);
        if amount > total {
            return Err(ApiError::invalid_param(
                "amount",
                "amount_too_large",
                format!(
                    "Amount to capture ({amount}) is greater than the charge's amount ({total})."
                ),
            ));
        }
        let txn = self.next_id("txn_");
        let charge = self.collection_mut("charge")?.update(id, |charge| {
            charge["captured"] = json!(true);
            charge["amount_captured"] = json!(amount);
            charge["amount_refunded"] = json!(total - amount);
            charge["balance_transaction"] = json!(txn);
            objects::merge(charge, Value::Object(echoed(p, &ECHOED)));
            Ok(())
        })?;
        self.record_event("charge.captured", &charge, now);
        self.dispute_if_contested(charge, now)
    }
}
