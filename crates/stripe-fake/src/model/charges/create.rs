//! `POST /v1/charges` and every charge attempt recorded (payment intents' too): the charge
//! object as Stripe answers it, succeeded or failed with the 402 to answer, and its event.

use serde_json::{Value, json};

use super::{ChargeSpec, ECHOED, Payment, echoed, parse_create};
use crate::model::authentication::{Attempt, Gate};
use crate::model::errors::ApiError;
use crate::model::params::Params;
use crate::model::{Model, objects};

impl Model {
    pub(super) fn create_charge(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
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
}
