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
use crate::registry::handlers::validate_list;
use crate::registry::{Call, Resource, Route};

const METHODS: &str = "payment_method";

/// The registry entry of payment methods (and of a customer's list of them).
pub(crate) fn resource() -> Resource {
    Resource::new(METHODS)
        .with_prefix("pm_")
        .with_route(Route::new("POST /v1/payment_methods", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/payment_methods"))
        .with_route(Route::new(
            "GET /v1/payment_methods/{payment_method}",
            retrieve,
        ))
        .with_route(
            Route::new("POST /v1/payment_methods/{payment_method}/attach", attach)
                .with_validator(validate_attach),
        )
        .with_route(Route::new(
            "POST /v1/payment_methods/{payment_method}/detach",
            detach,
        ))
        .with_route(
            Route::new(
                "GET /v1/customers/{customer}/payment_methods",
                list_for_customer,
            )
            .with_validator(validate_list),
        )
        .with_expandable(&["billing_details", "card", "customer", "radar_options"])
        .with_list_filters(&["customer", "type"])
        .with_events(&["payment_method.attached", "payment_method.detached"])
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn validate_attach(call: &Call<'_>) -> Result<(), ApiError> {
    parse_attach(call.params()).map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.create_payment_method(call.params(), call.unix_time())
}

/// A stored payment method; a test value (`pm_card_visa`) makes a new one.
fn retrieve(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let mut id = call.id().to_owned();
    if let Some(card) = cards::test_payment_method(&id) {
        id = model.mint_payment_method(&card, call.unix_time())?;
    }
    model.collection(METHODS)?.get(&id).cloned()
}

fn attach(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let customer = parse_attach(call.params())?;
    let id = call.id();
    if cards::test_payment_method(id).is_none() {
        model.collection(METHODS)?.get(id)?;
    }
    model.attach(id, &customer, call.unix_time())
}

fn detach(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let id = call.id();
    let pm = model.collection_mut(METHODS)?.get_mut(id)?;
    if pm["customer"].is_null() {
        return Err(ApiError::invalid_state(
            "payment_method_unexpected_state",
            "The payment method you provided is not attached to a customer so detachment is impossible.".to_owned(),
        ));
    }
    pm["customer"] = Value::Null;
    let pm = pm.clone();
    for customer in model.collection_mut("customer")?.iter_mut() {
        if customer["invoice_settings"]["default_payment_method"] == id {
            customer["invoice_settings"]["default_payment_method"] = Value::Null;
        }
    }
    model.record_event("payment_method.detached", &pm, call.unix_time());
    Ok(pm)
}

/// `GET /v1/customers/{customer}/payment_methods`: the customer's attached payment methods.
fn list_for_customer(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let customer = call.id();
    model.collection("customer")?.get(customer)?;
    let p = call.params();
    let lp = ListParams::parse(p)?;
    let selected = model
        .collection(METHODS)?
        .as_slice()
        .iter()
        .filter(|m| m["customer"] == customer && list::matches(m, p, "type"));
    let url = format!("/v1/customers/{customer}/payment_methods");
    list::page(selected, &lp, &url, METHODS)
}

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
    fn mint_payment_method(&mut self, card: &Card, now: i64) -> Result<String, ApiError> {
        let id = self.next_id("pm_");
        let pm = objects::payment_method(&id, card, None, now);
        self.collection_mut(METHODS)?.insert(pm)?;
        Ok(id)
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
            return Ok((self.mint_payment_method(&card, now)?, card));
        }
        let pm = self
            .collection(METHODS)?
            .find(given)
            .ok_or_else(|| ApiError::no_such("PaymentMethod", given, "payment_method"))?;
        let card = cards::by_last4(pm["card"]["last4"].as_str().unwrap_or_default())
            .unwrap_or(cards::DEFAULT_CARD);
        Ok((given.to_owned(), card))
    }

    /// The payment method a customer pays with: a payment method (`pm_...`, or a test value
    /// made into a new one) or a card token (`tok_visa`) made into a new one; 400
    /// `resource_missing` naming `param` when it is neither.
    pub(crate) fn payment_method_of(
        &mut self,
        given: &str,
        param: &str,
        now: i64,
    ) -> Result<String, ApiError> {
        if given.starts_with("tok_") {
            let card = cards::token(given).map_err(|_| ApiError::no_such("token", given, param))?;
            return self.mint_payment_method(&card, now);
        }
        self.resolve_payment_method(given, None, now)
            .map(|(id, _)| id)
            .map_err(|e| e.with_parameter(param))
    }

    fn create_payment_method(&mut self, p: &Params, now: i64) -> Result<Value, ApiError> {
        let id = match parse_create(p)? {
            CreateFrom::Token(token) => {
                let card = cards::token(&token)
                    .map_err(|_| ApiError::no_such("token", &token, "card[token]"))?;
                self.mint_payment_method(&card, now)?
            }
            CreateFrom::PaymentMethod(pm) => {
                let (_, card) = self.resolve_payment_method(&pm, None, now)?;
                self.mint_payment_method(&card, now)?
            }
        };
        let metadata = p.map("metadata")?;
        self.collection_mut(METHODS)?.update(&id, |pm| {
            pm["metadata"] = objects::metadata(&metadata);
            Ok(())
        })
    }

    /// Attaches a payment method to a customer (a test value is made into a new one first).
    pub(crate) fn attach(&mut self, id: &str, customer: &str, now: i64) -> Result<Value, ApiError> {
        self.check_customer(customer, "customer")?;
        let (id, _) = self.resolve_payment_method(id, None, now)?;
        let pm = self.collection_mut(METHODS)?.get_mut(&id)?;
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
}
