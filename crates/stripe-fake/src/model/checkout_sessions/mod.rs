//! Checkout Sessions: create (modes `payment`, `setup` and `subscription`; line items with a
//! `price` or `price_data`), retrieve, list, list line items, expire (on request, or by the
//! model's clock at `expires_at`), and the fake-only completion as a customer paying would
//! ([`Model::complete_checkout_session`], served as `POST /_fake/checkout/sessions/{id}/complete`).
//! A session's `url` points at the fake when it is served (`GET /_fake/checkout/sessions/{id}`).

mod complete;
mod create;
mod line_items;
mod subscription;

pub use complete::CheckoutPayer;

use std::time::SystemTime;

use serde_json::{Value, json};

use super::errors::ApiError;
use super::list::{self, ListParams};
use super::params::Params;
use super::{Model, unix};
use crate::registry::handlers::validate_list;
use crate::registry::{Call, Resource, Route};

/// The object name of Checkout Sessions.
const SESSIONS: &str = "checkout.session";

/// The registry entry of Checkout Sessions.
pub(crate) fn resource() -> Resource {
    Resource::new(SESSIONS)
        .with_prefix("cs_test_")
        .with_route(
            Route::new("POST /v1/checkout/sessions", create).with_validator(validate_create),
        )
        .with_route(Route::new("GET /v1/checkout/sessions", list).with_validator(validate_list))
        .with_route(Route::new("GET /v1/checkout/sessions/{session}", retrieve))
        .with_route(
            Route::new("GET /v1/checkout/sessions/{session}/line_items", line_items)
                .with_validator(validate_list),
        )
        .with_route(Route::new(
            "POST /v1/checkout/sessions/{session}/expire",
            expire,
        ))
        .with_expandable(&[
            "after_expiration",
            "automatic_tax",
            "consent",
            "consent_collection",
            "currency_conversion",
            "custom_fields",
            "custom_text",
            "customer",
            "customer_details",
            "invoice",
            "invoice_creation",
            "line_items",
            "payment_intent",
            "payment_link",
            "payment_method_options",
            "phone_number_collection",
            "setup_intent",
            "shipping_address_collection",
            "shipping_cost",
            "shipping_details",
            "shipping_options",
            "subscription",
            "tax_id_collection",
            "total_details",
        ])
        .with_list_filters(&["customer", "payment_intent", "payment_link", "subscription"])
        .with_events(&["checkout.session.completed", "checkout.session.expired"])
}

/// What a session is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// A one-time payment: a payment intent.
    Payment,
    /// Saving a card: a setup intent.
    Setup,
    /// A subscription.
    Subscription,
}

impl Mode {
    /// The mode of this name (`payment`, `setup`, `subscription`; anything else is payment,
    /// the names being checked before).
    fn named(name: &str) -> Self {
        match name {
            "setup" => Self::Setup,
            "subscription" => Self::Subscription,
            _ => Self::Payment,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Payment => "payment",
            Self::Setup => "setup",
            Self::Subscription => "subscription",
        }
    }

    /// The hash that passes parameters on to what the session creates.
    fn passed_on(self) -> &'static str {
        match self {
            Self::Payment => "payment_intent_data",
            Self::Setup => "setup_intent_data",
            Self::Subscription => "subscription_data",
        }
    }
}

/// What a session keeps beside itself, never answered as such: its line items, and the
/// parameters it passes on (`payment_intent_data[...]`, named as inside it).
#[derive(Debug, Clone, Default, PartialEq)]
struct Stored {
    line_items: Vec<Value>,
    passed_on: Vec<(String, String)>,
}

impl Stored {
    fn to_json(&self) -> Value {
        json!({"line_items": self.line_items, "passed_on": self.passed_on})
    }

    fn of(model: &Model, id: &str) -> Self {
        let Some(data) = model
            .collection(SESSIONS)
            .ok()
            .and_then(|sessions| sessions.private(id))
        else {
            return Self::default();
        };
        let passed_on = data["passed_on"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|pair| Some((pair[0].as_str()?.to_owned(), pair[1].as_str()?.to_owned())))
            .collect();
        Self {
            line_items: data["line_items"].as_array().cloned().unwrap_or_default(),
            passed_on,
        }
    }
}

/// `err` about a parameter inside hash `prefix` names it in full (`unit_amount` inside
/// `line_items[0][price_data]` is `line_items[0][price_data][unit_amount]`).
fn nested(err: ApiError, prefix: &str) -> ApiError {
    let Some(param) = err.parameter() else {
        return err;
    };
    let full = match param.split_once('[') {
        Some((head, tail)) => format!("{prefix}[{head}][{tail}"),
        None => format!("{prefix}[{param}]"),
    };
    err.with_parameter(&full)
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    create::parse(call.params(), call.unix_time()).map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.lapse_checkout_sessions(call.unix_time());
    let session = model.create_checkout_session(call.params(), call.unix_time())?;
    Ok(model.shown(session, call.params(), "line_items"))
}

fn retrieve(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.lapse_checkout_sessions(call.unix_time());
    let session = model.collection(SESSIONS)?.get(call.id())?.clone();
    Ok(model.shown(session, call.params(), "line_items"))
}

/// `GET /v1/checkout/sessions`: by `customer`, `payment_intent`, `payment_link`,
/// `subscription` and `customer_details[email]`.
fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.lapse_checkout_sessions(call.unix_time());
    let p = call.params();
    let lp = ListParams::parse(p)?;
    let email = p.get("customer_details[email]");
    let selected = model.collection(SESSIONS)?.as_slice().iter().filter(|s| {
        let filters = call.resource().list_filters();
        filters.iter().all(|field| list::matches(s, p, field))
            && email.is_none_or(|email| s["customer_details"]["email"] == email)
    });
    let mut page = list::page(selected, &lp, call.route().path(), SESSIONS)?;
    if let Some(sessions) = page["data"].as_array_mut() {
        for session in sessions {
            *session = model.shown(session.take(), p, "data.line_items");
        }
    }
    Ok(page)
}

/// `GET /v1/checkout/sessions/{id}/line_items`: in the order given at creation.
fn line_items(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.collection(SESSIONS)?.get(call.id())?;
    model.line_items_page(call.id(), &ListParams::parse(call.params())?)
}

fn expire(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let now = call.unix_time();
    model.open_session(call.id(), now, "expired")?;
    let session = model.expire_session(call.id(), now)?;
    Ok(model.shown(session, call.params(), "line_items"))
}

/// Whether `expand[]` asks for the line items at `path` (`line_items`, `data.line_items`, or
/// a path through them).
fn wants_line_items(p: &Params, path: &str) -> bool {
    p.list("expand").iter().any(|asked| {
        asked
            .strip_prefix(path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    })
}

impl Model {
    /// A session as answered: with its first page of line items when `expand[]` names them at
    /// `path` (Stripe's "includable" `line_items`).
    fn shown(&self, session: Value, p: &Params, path: &str) -> Value {
        if wants_line_items(p, path) {
            self.with_line_items(session)
        } else {
            session
        }
    }

    /// A session with its first page of line items.
    fn with_line_items(&self, mut session: Value) -> Value {
        if let Some(id) = session["id"].as_str().map(str::to_owned)
            && let Ok(first) = ListParams::parse(&Params::default())
            && let Ok(page) = self.line_items_page(&id, &first)
        {
            session["line_items"] = page;
        }
        session
    }

    /// A session as its page (its `url`) shows it: with its line items, once its time is
    /// checked (a session past `expires_at` is expired first).
    pub(crate) fn checkout_page(&mut self, id: &str, now: SystemTime) -> Result<Value, ApiError> {
        self.lapse_checkout_sessions(unix(now));
        let session = self.collection(SESSIONS)?.get(id)?.clone();
        Ok(self.with_line_items(session))
    }

    /// A page of a session's line items, in the order given at creation.
    fn line_items_page(&self, id: &str, lp: &ListParams) -> Result<Value, ApiError> {
        let items = Stored::of(self, id).line_items;
        let url = format!("/v1/checkout/sessions/{id}/line_items");
        // `page` lists the newest (last stored) first: the items go in reversed.
        list::page(items.iter().rev(), lp, &url, "item")
    }

    /// A copy of the session with this id once its time is checked, if it is still open: 404
    /// for an unknown one, 400 saying its status for one that cannot be `done` any more.
    fn open_session(&mut self, id: &str, now: i64, done: &str) -> Result<Value, ApiError> {
        self.lapse_checkout_sessions(now);
        let session = self.collection(SESSIONS)?.get(id)?;
        if session["status"] != "open" {
            let status = session["status"].as_str().unwrap_or_default();
            return Err(ApiError::invalid_request(format!(
                "This Checkout Session has a status of {status}: only an open one can be {done}."
            )));
        }
        Ok(session.clone())
    }

    /// Marks an open session `expired` (its `url` gone) and records `checkout.session.expired`.
    fn expire_session(&mut self, id: &str, now: i64) -> Result<Value, ApiError> {
        let session = self.collection_mut(SESSIONS)?.update(id, |session| {
            session["status"] = json!("expired");
            session["url"] = Value::Null;
            Ok(())
        })?;
        self.record_event("checkout.session.expired", &session, now);
        Ok(session)
    }

    /// Expires the open sessions whose `expires_at` has come by `now`, as Stripe does on its
    /// own: their events name no request, and are dated `expires_at`.
    fn lapse_checkout_sessions(&mut self, now: i64) {
        let Ok(sessions) = self.collection(SESSIONS) else {
            return;
        };
        let lapsed: Vec<(String, i64)> = sessions
            .as_slice()
            .iter()
            .filter(|s| s["status"] == "open")
            .filter_map(|s| Some((s["id"].as_str()?.to_owned(), s["expires_at"].as_i64()?)))
            .filter(|(_, at)| *at <= now)
            .collect();
        if lapsed.is_empty() {
            return;
        }
        let request = self.current_request.take();
        for (id, at) in lapsed {
            // The id was just read from the collection: the update cannot miss.
            let _ = self.expire_session(&id, at);
        }
        self.current_request = request;
    }
}
