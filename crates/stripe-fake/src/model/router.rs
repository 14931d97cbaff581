//! Maps method and path to an endpoint, validates parameters, dispatches execution.

use http::Method;
use serde_json::Value;

use super::errors::ApiError;
use super::params::Params;
use super::{Model, charges, customers, list, payment_intents, refunds};

/// One endpoint, with the object id taken from the path where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    CustomerCreate,
    CustomerList,
    CustomerRetrieve(String),
    CustomerUpdate(String),
    CustomerDelete(String),
    ChargeCreate,
    ChargeList,
    ChargeRetrieve(String),
    PaymentIntentCreate,
    PaymentIntentList,
    PaymentIntentRetrieve(String),
    PaymentIntentConfirm(String),
    RefundCreate,
    RefundList,
    RefundRetrieve(String),
}

/// The endpoint of a request, `None` for an unrecognized URL.
pub(crate) fn route(method: &Method, path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/v1/")?;
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let id = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let route = match (method.as_str(), segments.as_slice()) {
        ("POST", ["customers"]) => Route::CustomerCreate,
        ("GET", ["customers"]) => Route::CustomerList,
        ("GET", ["customers", c]) => Route::CustomerRetrieve(id(c)?),
        ("POST", ["customers", c]) => Route::CustomerUpdate(id(c)?),
        ("DELETE", ["customers", c]) => Route::CustomerDelete(id(c)?),
        ("POST", ["charges"]) => Route::ChargeCreate,
        ("GET", ["charges"]) => Route::ChargeList,
        ("GET", ["charges", c]) => Route::ChargeRetrieve(id(c)?),
        ("POST", ["payment_intents"]) => Route::PaymentIntentCreate,
        ("GET", ["payment_intents"]) => Route::PaymentIntentList,
        ("GET", ["payment_intents", p]) => Route::PaymentIntentRetrieve(id(p)?),
        ("POST", ["payment_intents", p, "confirm"]) => Route::PaymentIntentConfirm(id(p)?),
        ("POST", ["refunds"]) => Route::RefundCreate,
        ("GET", ["refunds"]) => Route::RefundList,
        ("GET", ["refunds", r]) => Route::RefundRetrieve(id(r)?),
        _ => return None,
    };
    Some(route)
}

impl Route {
    /// Checks the parameters without touching state: failures here are not stored.
    pub(crate) fn validate(&self, p: &Params) -> Result<(), ApiError> {
        match self {
            Route::CustomerCreate | Route::CustomerUpdate(_) => {
                customers::parse_fields(p).map(drop)
            }
            Route::CustomerList => list::ListParams::parse(p, &["email"]).map(drop),
            Route::ChargeList => {
                list::ListParams::parse(p, &["customer", "payment_intent"]).map(drop)
            }
            Route::PaymentIntentList => list::ListParams::parse(p, &["customer"]).map(drop),
            Route::RefundList => {
                list::ListParams::parse(p, &["charge", "payment_intent"]).map(drop)
            }
            Route::CustomerRetrieve(_)
            | Route::CustomerDelete(_)
            | Route::ChargeRetrieve(_)
            | Route::PaymentIntentRetrieve(_)
            | Route::RefundRetrieve(_) => p.only(&[]),
            Route::ChargeCreate => charges::parse_create(p).map(drop),
            Route::PaymentIntentCreate => payment_intents::parse_create(p).map(drop),
            Route::PaymentIntentConfirm(_) => payment_intents::parse_confirm(p).map(drop),
            Route::RefundCreate => refunds::parse_create(p).map(drop),
        }
    }
}

impl Model {
    /// Runs an endpoint: `Ok` is a 200 body, `Err` an error after execution (stored).
    pub(crate) fn execute(
        &mut self,
        route: &Route,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        match route {
            Route::CustomerCreate => self.create_customer(p, now),
            Route::CustomerList => self.list_customers(p),
            Route::CustomerRetrieve(id) => self.retrieve_customer(id),
            Route::CustomerUpdate(id) => self.update_customer(id, p),
            Route::CustomerDelete(id) => self.delete_customer(id),
            Route::ChargeCreate => self.create_charge(p, now),
            Route::ChargeList => self.list_charges(p),
            Route::ChargeRetrieve(id) => retrieve(&self.charges, "charge", id),
            Route::PaymentIntentCreate => self.create_payment_intent(p, now),
            Route::PaymentIntentList => self.list_payment_intents(p),
            Route::PaymentIntentRetrieve(id) => {
                retrieve(&self.payment_intents, "payment_intent", id)
            }
            Route::PaymentIntentConfirm(id) => self.confirm_payment_intent(id, p, now),
            Route::RefundCreate => self.create_refund(p, now),
            Route::RefundList => self.list_refunds(p),
            Route::RefundRetrieve(id) => retrieve(&self.refunds, "refund", id),
        }
    }
}

/// A copy of the object with this id, or 404 `resource_missing`.
pub(crate) fn retrieve(objects: &[Value], object: &str, id: &str) -> Result<Value, ApiError> {
    objects
        .iter()
        .find(|o| o["id"] == id)
        .cloned()
        .ok_or_else(|| ApiError::no_such(object, id, "id"))
}

/// The index of the object with this id.
pub(crate) fn position(objects: &[Value], id: &str) -> Option<usize> {
    objects.iter().position(|o| o["id"] == id)
}
