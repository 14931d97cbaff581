//! Payment intents made and changed before confirmation: `POST /v1/payment_intents` (confirming
//! at once when asked), the intent an invoice opens, and `POST /v1/payment_intents/{id}`.

use serde_json::{Value, json};

use super::validate::{ECHOED, parse_create, parse_update};
use super::{INTENTS, OPEN, unexpected_state};
use crate::model::charges::echoed;
use crate::model::errors::ApiError;
use crate::model::params::Params;
use crate::model::{Model, objects};

impl Model {
    pub(crate) fn create_payment_intent(
        &mut self,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let create = parse_create(p)?;
        let id = self.open_payment_intent(p, serde_json::Map::new(), now)?;
        if create.confirm {
            return self.confirm(&id, None, &create.attempt, now);
        }
        self.intent(&id)
    }

    /// Stores the payment intent `p` creates (not confirmed), carrying `extra` members as well
    /// (an invoice's intent names its `invoice`) in its object and its event; answers its id.
    pub(crate) fn open_payment_intent(
        &mut self,
        p: &Params,
        extra: serde_json::Map<String, Value>,
        now: i64,
    ) -> Result<String, ApiError> {
        let create = parse_create(p)?;
        if let Some(customer) = &create.customer {
            self.check_customer(customer, "customer")?;
        }
        let payment_method = match &create.payment_method {
            Some(pm) => Some(
                self.resolve_payment_method(pm, create.customer.as_deref(), now)?
                    .0,
            ),
            None => None,
        };
        let id = self.next_id("pi_");
        let secret = self.next_id("secret_");
        let status = if payment_method.is_some() {
            "requires_confirmation"
        } else {
            "requires_payment_method"
        };
        let mut intent = objects::payment_intent_defaults();
        objects::merge(
            &mut intent,
            json!({
                "id": id,
                "object": "payment_intent",
                "amount": create.amount,
                "amount_capturable": 0,
                "amount_received": 0,
                "capture_method": create.capture_method,
                "client_secret": format!("{id}_{secret}"),
                "confirmation_method": "automatic",
                "created": now,
                "currency": create.currency,
                "customer": create.customer,
                "description": create.description,
                "livemode": false,
                "metadata": objects::metadata(&create.metadata),
                "payment_method": payment_method,
                "status": status,
            }),
        );
        if p.get("automatic_payment_methods[enabled]") == Some("true") {
            intent["automatic_payment_methods"] =
                json!({"allow_redirects": "always", "enabled": true});
        }
        objects::merge(&mut intent, Value::Object(echoed(p, &ECHOED)));
        objects::merge(&mut intent, Value::Object(extra));
        let snapshot = crate::model::events::snapshot(&intent);
        self.collection_mut(INTENTS)?.push(intent)?;
        self.record_snapshot("payment_intent.created", snapshot, now);
        Ok(id)
    }

    pub(super) fn update_payment_intent(
        &mut self,
        id: &str,
        p: &Params,
    ) -> Result<Value, ApiError> {
        parse_update(p)?;
        let current = self.intent(id)?;
        if !OPEN.contains(&current["status"].as_str().unwrap_or_default()) {
            return Err(unexpected_state(&current, "update", &OPEN.join(", ")));
        }
        let payment_method = match p.get("payment_method") {
            Some(pm) => Some(self.resolve_payment_method(pm, None, 0)?.0),
            None => None,
        };
        if let Some(customer) = p.get("customer") {
            self.check_customer(customer, "customer")?;
        }
        self.collection_mut(INTENTS)?.update(id, |intent| {
            if let Some(amount) = p.opt_amount("amount")? {
                intent["amount"] = json!(amount);
            }
            if p.get("currency").is_some() {
                intent["currency"] = json!(p.currency()?);
            }
            for name in ["customer", "description", "capture_method"] {
                if let Some(v) = p.get(name) {
                    intent[name] = json!(v);
                }
            }
            if let Some(pm) = payment_method {
                intent["payment_method"] = json!(pm);
                if intent["status"] == "requires_payment_method" {
                    intent["status"] = json!("requires_confirmation");
                }
            }
            objects::merge(intent, Value::Object(echoed(p, &ECHOED)));
            p.merge_metadata_into(intent)
        })
    }
}
