//! Maps method and path to an endpoint, validates parameters, dispatches execution.

use std::time::SystemTime;

use http::Method;
use serde_json::Value;

use super::errors::ApiError;
use super::list::ListParams;
use super::params::Params;
use super::search::Resource;
use super::spec_params::SPEC_PARAMS;
use super::{
    Model, charges, customers, payment_intents, payment_methods, refunds, search, setup_intents,
    unix,
};

/// One endpoint, with the object id taken from the path where there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    Balance,
    CustomerCreate,
    CustomerList,
    CustomerSearch,
    CustomerRetrieve(String),
    CustomerUpdate(String),
    CustomerDelete(String),
    CustomerPaymentMethods(String),
    ChargeCreate,
    ChargeList,
    ChargeSearch,
    ChargeRetrieve(String),
    ChargeUpdate(String),
    ChargeCapture(String),
    PaymentIntentCreate,
    PaymentIntentList,
    PaymentIntentSearch,
    PaymentIntentRetrieve(String),
    PaymentIntentUpdate(String),
    PaymentIntentConfirm(String),
    PaymentIntentCapture(String),
    PaymentIntentCancel(String),
    RefundCreate,
    RefundList,
    RefundRetrieve(String),
    RefundUpdate(String),
    RefundCancel(String),
    PaymentMethodCreate,
    PaymentMethodList,
    PaymentMethodRetrieve(String),
    PaymentMethodAttach(String),
    PaymentMethodDetach(String),
    SetupIntentCreate,
    SetupIntentList,
    SetupIntentRetrieve(String),
    SetupIntentConfirm(String),
    EventList,
    EventRetrieve(String),
}

/// The endpoint of a request, `None` for an unrecognized URL.
pub(crate) fn route(method: &Method, path: &str) -> Option<Route> {
    let rest = path.strip_prefix("/v1/")?;
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    let id = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    let route = match (method.as_str(), segments.as_slice()) {
        ("GET", ["balance"]) => Route::Balance,
        ("POST", ["customers"]) => Route::CustomerCreate,
        ("GET", ["customers"]) => Route::CustomerList,
        ("GET", ["customers", "search"]) => Route::CustomerSearch,
        ("GET", ["customers", c]) => Route::CustomerRetrieve(id(c)?),
        ("POST", ["customers", c]) => Route::CustomerUpdate(id(c)?),
        ("DELETE", ["customers", c]) => Route::CustomerDelete(id(c)?),
        ("GET", ["customers", c, "payment_methods"]) => Route::CustomerPaymentMethods(id(c)?),
        ("POST", ["charges"]) => Route::ChargeCreate,
        ("GET", ["charges"]) => Route::ChargeList,
        ("GET", ["charges", "search"]) => Route::ChargeSearch,
        ("GET", ["charges", c]) => Route::ChargeRetrieve(id(c)?),
        ("POST", ["charges", c]) => Route::ChargeUpdate(id(c)?),
        ("POST", ["charges", c, "capture"]) => Route::ChargeCapture(id(c)?),
        ("POST", ["payment_intents"]) => Route::PaymentIntentCreate,
        ("GET", ["payment_intents"]) => Route::PaymentIntentList,
        ("GET", ["payment_intents", "search"]) => Route::PaymentIntentSearch,
        ("GET", ["payment_intents", p]) => Route::PaymentIntentRetrieve(id(p)?),
        ("POST", ["payment_intents", p]) => Route::PaymentIntentUpdate(id(p)?),
        ("POST", ["payment_intents", p, "confirm"]) => Route::PaymentIntentConfirm(id(p)?),
        ("POST", ["payment_intents", p, "capture"]) => Route::PaymentIntentCapture(id(p)?),
        ("POST", ["payment_intents", p, "cancel"]) => Route::PaymentIntentCancel(id(p)?),
        ("POST", ["refunds"]) => Route::RefundCreate,
        ("GET", ["refunds"]) => Route::RefundList,
        // Stripe has no refunds search: the URL is unknown, not a refund named `search`.
        ("GET", ["refunds", "search"]) => return None,
        ("GET", ["refunds", r]) => Route::RefundRetrieve(id(r)?),
        ("POST", ["refunds", r]) => Route::RefundUpdate(id(r)?),
        ("POST", ["refunds", r, "cancel"]) => Route::RefundCancel(id(r)?),
        ("POST", ["payment_methods"]) => Route::PaymentMethodCreate,
        ("GET", ["payment_methods"]) => Route::PaymentMethodList,
        ("GET", ["payment_methods", m]) => Route::PaymentMethodRetrieve(id(m)?),
        ("POST", ["payment_methods", m, "attach"]) => Route::PaymentMethodAttach(id(m)?),
        ("POST", ["payment_methods", m, "detach"]) => Route::PaymentMethodDetach(id(m)?),
        ("POST", ["setup_intents"]) => Route::SetupIntentCreate,
        ("GET", ["setup_intents"]) => Route::SetupIntentList,
        ("GET", ["setup_intents", s]) => Route::SetupIntentRetrieve(id(s)?),
        ("POST", ["setup_intents", s, "confirm"]) => Route::SetupIntentConfirm(id(s)?),
        ("GET", ["events"]) => Route::EventList,
        ("GET", ["events", e]) => Route::EventRetrieve(id(e)?),
        _ => return None,
    };
    Some(route)
}

impl Route {
    /// The endpoint as Stripe's OpenAPI spec names it (`"POST /v1/charges/{charge}/capture"`).
    pub(crate) fn spec_key(&self) -> &'static str {
        match self {
            Route::Balance => "GET /v1/balance",
            Route::CustomerCreate => "POST /v1/customers",
            Route::CustomerList => "GET /v1/customers",
            Route::CustomerSearch => "GET /v1/customers/search",
            Route::CustomerRetrieve(_) => "GET /v1/customers/{customer}",
            Route::CustomerUpdate(_) => "POST /v1/customers/{customer}",
            Route::CustomerDelete(_) => "DELETE /v1/customers/{customer}",
            Route::CustomerPaymentMethods(_) => "GET /v1/customers/{customer}/payment_methods",
            Route::ChargeCreate => "POST /v1/charges",
            Route::ChargeList => "GET /v1/charges",
            Route::ChargeSearch => "GET /v1/charges/search",
            Route::ChargeRetrieve(_) => "GET /v1/charges/{charge}",
            Route::ChargeUpdate(_) => "POST /v1/charges/{charge}",
            Route::ChargeCapture(_) => "POST /v1/charges/{charge}/capture",
            Route::PaymentIntentCreate => "POST /v1/payment_intents",
            Route::PaymentIntentList => "GET /v1/payment_intents",
            Route::PaymentIntentSearch => "GET /v1/payment_intents/search",
            Route::PaymentIntentRetrieve(_) => "GET /v1/payment_intents/{intent}",
            Route::PaymentIntentUpdate(_) => "POST /v1/payment_intents/{intent}",
            Route::PaymentIntentConfirm(_) => "POST /v1/payment_intents/{intent}/confirm",
            Route::PaymentIntentCapture(_) => "POST /v1/payment_intents/{intent}/capture",
            Route::PaymentIntentCancel(_) => "POST /v1/payment_intents/{intent}/cancel",
            Route::RefundCreate => "POST /v1/refunds",
            Route::RefundList => "GET /v1/refunds",
            Route::RefundRetrieve(_) => "GET /v1/refunds/{refund}",
            Route::RefundUpdate(_) => "POST /v1/refunds/{refund}",
            Route::RefundCancel(_) => "POST /v1/refunds/{refund}/cancel",
            Route::PaymentMethodCreate => "POST /v1/payment_methods",
            Route::PaymentMethodList => "GET /v1/payment_methods",
            Route::PaymentMethodRetrieve(_) => "GET /v1/payment_methods/{payment_method}",
            Route::PaymentMethodAttach(_) => "POST /v1/payment_methods/{payment_method}/attach",
            Route::PaymentMethodDetach(_) => "POST /v1/payment_methods/{payment_method}/detach",
            Route::SetupIntentCreate => "POST /v1/setup_intents",
            Route::SetupIntentList => "GET /v1/setup_intents",
            Route::SetupIntentRetrieve(_) => "GET /v1/setup_intents/{intent}",
            Route::SetupIntentConfirm(_) => "POST /v1/setup_intents/{intent}/confirm",
            Route::EventList => "GET /v1/events",
            Route::EventRetrieve(_) => "GET /v1/events/{id}",
        }
    }

    /// The parameters Stripe accepts on this endpoint.
    fn accepted(&self) -> &'static [&'static str] {
        let key = self.spec_key();
        SPEC_PARAMS
            .iter()
            .find(|(k, _)| *k == key)
            .map_or(&[], |(_, names)| *names)
    }

    /// Checks the parameters without touching state: failures here are not stored.
    ///
    /// A parameter Stripe does not know is a 400 `parameter_unknown`; one it knows and the fake
    /// does not model is accepted (and echoed on the object where Stripe echoes it).
    pub(crate) fn validate(&self, p: &Params) -> Result<(), ApiError> {
        p.only(self.accepted())?;
        match self {
            Route::CustomerCreate | Route::CustomerUpdate(_) => {
                customers::parse_fields(p).map(drop)
            }
            Route::CustomerList
            | Route::CustomerPaymentMethods(_)
            | Route::ChargeList
            | Route::PaymentIntentList
            | Route::RefundList
            | Route::PaymentMethodList
            | Route::SetupIntentList
            | Route::EventList => ListParams::parse(p).map(drop),
            Route::CustomerSearch => search::parse(p, Resource::Customer).map(drop),
            Route::ChargeSearch => search::parse(p, Resource::Charge).map(drop),
            Route::PaymentIntentSearch => search::parse(p, Resource::PaymentIntent).map(drop),
            Route::ChargeCreate => charges::parse_create(p).map(drop),
            Route::ChargeUpdate(_) | Route::RefundUpdate(_) => p.map("metadata").map(drop),
            Route::ChargeCapture(_) => p.opt_amount("amount").map(drop),
            Route::PaymentIntentCreate => payment_intents::parse_create(p).map(drop),
            Route::PaymentIntentUpdate(_) => payment_intents::parse_update(p).map(drop),
            Route::PaymentIntentConfirm(_) => payment_intents::parse_confirm(p).map(drop),
            Route::PaymentIntentCapture(_) => p.opt_amount("amount_to_capture").map(drop),
            Route::PaymentIntentCancel(_) => payment_intents::parse_cancel(p).map(drop),
            Route::RefundCreate => refunds::parse_create(p).map(drop),
            Route::PaymentMethodCreate => payment_methods::parse_create(p).map(drop),
            Route::PaymentMethodAttach(_) => payment_methods::parse_attach(p).map(drop),
            Route::SetupIntentCreate => setup_intents::parse_create(p).map(drop),
            Route::Balance
            | Route::CustomerRetrieve(_)
            | Route::CustomerDelete(_)
            | Route::ChargeRetrieve(_)
            | Route::PaymentIntentRetrieve(_)
            | Route::RefundRetrieve(_)
            | Route::RefundCancel(_)
            | Route::PaymentMethodRetrieve(_)
            | Route::PaymentMethodDetach(_)
            | Route::SetupIntentRetrieve(_)
            | Route::SetupIntentConfirm(_)
            | Route::EventRetrieve(_) => Ok(()),
        }
    }
}

impl Model {
    /// Runs an endpoint: `Ok` is a 200 body, `Err` an error after execution (stored).
    pub(crate) fn execute(
        &mut self,
        route: &Route,
        p: &Params,
        at: SystemTime,
    ) -> Result<Value, ApiError> {
        let value = self.dispatch(route, p, at)?;
        self.expand(value, &p.list("expand"))
    }

    /// `at` is the model's clock; endpoints other than search take it in Unix seconds.
    fn dispatch(&mut self, route: &Route, p: &Params, at: SystemTime) -> Result<Value, ApiError> {
        let now = unix(at);
        match route {
            Route::Balance => Ok(self.balance()),
            Route::CustomerCreate => self.create_customer(p, now),
            Route::CustomerList => self.list_customers(p),
            Route::CustomerSearch => self.search(p, Resource::Customer, at),
            Route::CustomerRetrieve(id) => self.retrieve_customer(id),
            Route::CustomerUpdate(id) => self.update_customer(id, p, now),
            Route::CustomerDelete(id) => self.delete_customer(id, now),
            Route::CustomerPaymentMethods(id) => self.list_customer_payment_methods(id, p),
            Route::ChargeCreate => self.create_charge(p, now),
            Route::ChargeList => self.list_charges(p),
            Route::ChargeSearch => self.search(p, Resource::Charge, at),
            Route::ChargeRetrieve(id) => retrieve(&self.charges, "charge", id),
            Route::ChargeUpdate(id) => self.update_charge(id, p, now),
            Route::ChargeCapture(id) => self.capture_charge(id, p, now),
            Route::PaymentIntentCreate => self.create_payment_intent(p, now),
            Route::PaymentIntentList => self.list_payment_intents(p),
            Route::PaymentIntentSearch => self.search(p, Resource::PaymentIntent, at),
            Route::PaymentIntentRetrieve(id) => {
                retrieve(&self.payment_intents, "payment_intent", id)
            }
            Route::PaymentIntentUpdate(id) => self.update_payment_intent(id, p),
            Route::PaymentIntentConfirm(id) => self.confirm_payment_intent(id, p, now),
            Route::PaymentIntentCapture(id) => self.capture_payment_intent(id, p, now),
            Route::PaymentIntentCancel(id) => self.cancel_payment_intent(id, p, now),
            Route::RefundCreate => self.create_refund(p, now),
            Route::RefundList => self.list_refunds(p),
            Route::RefundRetrieve(id) => retrieve(&self.refunds, "refund", id),
            Route::RefundUpdate(id) => self.update_refund(id, p),
            Route::RefundCancel(id) => self.cancel_refund(id),
            Route::PaymentMethodCreate => self.create_payment_method(p, now),
            Route::PaymentMethodList => self.list_payment_methods(p),
            Route::PaymentMethodRetrieve(id) => self.retrieve_payment_method(id, now),
            Route::PaymentMethodAttach(id) => self.attach_payment_method(id, p, now),
            Route::PaymentMethodDetach(id) => self.detach_payment_method(id, now),
            Route::SetupIntentCreate => self.create_setup_intent(p, now),
            Route::SetupIntentList => self.list_setup_intents(p),
            Route::SetupIntentRetrieve(id) => retrieve(&self.setup_intents, "setup_intent", id),
            Route::SetupIntentConfirm(id) => self.confirm_setup_intent(id, p, now),
            Route::EventList => self.list_events(p),
            Route::EventRetrieve(id) => retrieve(&self.events, "event", id),
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
