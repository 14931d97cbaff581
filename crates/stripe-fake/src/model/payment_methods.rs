//! Payment methods: create from a token, retrieve, attach to and detach from a customer,
//! list by customer. Test values (`pm_card_visa`, `pm_card_chargeDeclined`, ...) become new
//! `pm_...` objects wherever they are used, as in Stripe's test mode.

use serde_json::{Value, json};

use super::Model;
use super::cards::{self, Card};
use super::errors::ApiError;
use super::list::{self, ListParams};
use super::objects;
use super::params::Params;
use super::router::{position, retrieve};

/// Validated `POST /v1/payment_methods`: the card to make a payment method of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CreateFrom {
    /// `card[token]=tok_...`.
    Token(String),
    /// `payment_method=pm_...` (a copy, as platforms clone payment methods).
    PaymentMethod(String),
}

/// Validates `POST /v1/payment_methods`.
pub(crate) fn parse_create(p: &Params) -> Result<CreateFrom, ApiError> {
    if let Some(pm) = p.get("payment_method") {
        return Ok(CreateFrom::PaymentMethod(pm.to_owned()));
    }
    match p.get("type") {
        None => return Err(ApiError::missing("type")),
        Some("card") => {}
        Some(other) => {
            return Err(ApiError::invalid_param(
                "type",
                "parameter_invalid_string",
                format!("The fake only makes `card` payment methods, not `{other}`."),
            ));
        }
    }
    p.get("card[token]")
        .map(|t| CreateFrom::Token(t.to_owned()))
        .ok_or_else(|| ApiError::missing("card"))
}

/// Validates `POST /v1/payment_methods/{id}/attach`: the customer.
pub(crate) fn parse_attach(p: &Params) -> Result<String, ApiError> {
    p.get("customer")
        .map(str::to_owned)
        .ok_or_else(|| ApiError::missing("customer"))
}

impl Model {
    fn mint_payment_method(&mut self, card: &Card, now: i64) -> String {
        let id = self.next_id("pm_");
        let pm = objects::payment_method(&id, card, None, now);
        self.payment_methods.push(pm);
        id
    }

    /// The payment method a `payment_method` parameter names: a test value makes a new one;
    /// otherwise a stored one (400 `resource_missing` when unknown).
    pub(crate) fn resolve_payment_method(
        &mut self,
        given: &str,
        _customer: Option<&str>,
        now: i64,
    ) -> Result<(String, Card), ApiError> {
        if let Some(card) = cards::test_payment_method(given) {
            return Ok((self.mint_payment_method(&card, now), card));
        }
        let pm = self
            .payment_methods
            .iter()
            .find(|m| m["id"] == given)
            .ok_or_else(|| ApiError::no_such("PaymentMethod", given, "payment_method"))?;
        let card = cards::by_last4(pm["card"]["last4"].as_str().unwrap_or_default())
            .unwrap_or(cards::DEFAULT_CARD);
        Ok((given.to_owned(), card))
    }

    pub(crate) fn create_payment_method(
        &mut self,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let id = match parse_create(p)? {
            CreateFrom::Token(token) => {
                let card = cards::token(&token)
                    .map_err(|_| ApiError::no_such("token", &token, "card[token]"))?;
                self.mint_payment_method(&card, now)
            }
            CreateFrom::PaymentMethod(pm) => {
                let (_, card) = self.resolve_payment_method(&pm, None, now)?;
                self.mint_payment_method(&card, now)
            }
        };
        let metadata = p.map("metadata")?;
        let pm = self
            .find_mut(&id)
            .ok_or_else(|| ApiError::no_such("payment_method", &id, "id"))?;
        pm["metadata"] = objects::metadata(&metadata);
        Ok(pm.clone())
    }

    pub(crate) fn retrieve_payment_method(
        &mut self,
        id: &str,
        now: i64,
    ) -> Result<Value, ApiError> {
        if let Some(card) = cards::test_payment_method(id) {
            let new = self.mint_payment_method(&card, now);
            return retrieve(&self.payment_methods, "payment_method", &new);
        }
        retrieve(&self.payment_methods, "payment_method", id)
    }

    /// Attaches a payment method to a customer (a test value is made into a new one first).
    pub(crate) fn attach(&mut self, id: &str, customer: &str, now: i64) -> Result<Value, ApiError> {
        if !self.customer_exists(customer) {
            return Err(ApiError::no_such("customer", customer, "customer"));
        }
        let (id, _) = self.resolve_payment_method(id, None, now)?;
        let index = position(&self.payment_methods, &id)
            .ok_or_else(|| ApiError::no_such("payment_method", &id, "id"))?;
        let Some(pm) = self.payment_methods.get_mut(index) else {
            return Err(ApiError::no_such("payment_method", &id, "id"));
        };
        match pm["customer"].as_str() {
            Some(owner) if owner == customer => return Ok(pm.clone()),
            Some(_) => {
                return Err(ApiError::invalid_state(
                    "payment_method_unexpected_state",
                    "The payment method you provided has already been attached to a customer."
                        .to_owned(),
                ));
            }
            None => pm["customer"] = json!(customer),
        }
        let pm = pm.clone();
        self.record_event("payment_method.attached", &pm, now);
        Ok(pm)
    }

    pub(crate) fn attach_payment_method(
        &mut self,
        id: &str,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let customer = parse_attach(p)?;
        if cards::test_payment_method(id).is_none() && position(&self.payment_methods, id).is_none()
        {
            return Err(ApiError::no_such("payment_method", id, "id"));
        }
        self.attach(id, &customer, now)
    }

    pub(crate) fn detach_payment_method(&mut self, id: &str, now: i64) -> Result<Value, ApiError> {
        let index = position(&self.payment_methods, id)
            .ok_or_else(|| ApiError::no_such("payment_method", id, "id"))?;
        let Some(pm) = self.payment_methods.get_mut(index) else {
            return Err(ApiError::no_such("payment_method", id, "id"));
        };
        if pm["customer"].is_null() {
            return Err(ApiError::invalid_state(
                "payment_method_unexpected_state",
                "The payment method you provided is not attached to a customer so detachment is impossible.".to_owned(),
            ));
        }
        pm["customer"] = Value::Null;
        let pm = pm.clone();
        for customer in &mut self.customers {
            if customer["invoice_settings"]["default_payment_method"] == id {
                customer["invoice_settings"]["default_payment_method"] = Value::Null;
            }
        }
        self.record_event("payment_method.detached", &pm, now);
        Ok(pm)
    }

    pub(crate) fn list_payment_methods(&self, p: &Params) -> Result<Value, ApiError> {
        let lp = ListParams::parse(p)?;
        let selected = self
            .payment_methods
            .iter()
            .filter(|m| list::matches(m, p, "customer") && list::matches(m, p, "type"));
        list::page(selected, &lp, "/v1/payment_methods", "payment_method")
    }

    pub(crate) fn list_customer_payment_methods(
        &self,
        customer: &str,
        p: &Params,
    ) -> Result<Value, ApiError> {
        if !self.customer_exists(customer) {
            return Err(ApiError::no_such("customer", customer, "id"));
        }
        let lp = ListParams::parse(p)?;
        let selected = self
            .payment_methods
            .iter()
            .filter(|m| m["customer"] == customer && list::matches(m, p, "type"));
        let url = format!("/v1/customers/{customer}/payment_methods");
        list::page(selected, &lp, &url, "payment_method")
    }
}
