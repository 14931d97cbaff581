//! `POST /v1/checkout/sessions`: its parameters checked before anything runs, its line items
//! priced (a `price`, or a new inactive one from `price_data`), and the session stored with its
//! line items and what it passes on to the intent it creates on completion.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::line_items::LineItem;
use super::{Mode, SESSIONS, Stored, nested};
use crate::model::billing::{refuse_unmodelled, timestamp};
use crate::model::errors::ApiError;
use crate::model::params::Params;
use crate::model::{Model, objects};

/// What `subscription_data` may hold that would bill other than the fake bills: refused, as
/// the subscription itself refuses what it does not model.
const SUBSCRIPTION_UNMODELLED: [&str; 4] = [
    "billing_cycle_anchor",
    "default_tax_rates",
    "proration_behavior",
    "trial_settings",
];

/// How long a session stays open by default, and the bounds of `expires_at` (seconds after
/// creation).
const DEFAULT_LIFETIME: i64 = 24 * 3600;
const SHORTEST_LIFETIME: i64 = 30 * 60;

/// Validated `POST /v1/checkout/sessions` parameters (the echoed text members are read from
/// the request as they are).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct CreateSession {
    mode: Mode,
    items: Vec<LineItem>,
    customer: Option<String>,
    customer_creation: Option<&'static str>,
    currency: Option<String>,
    expires_at: i64,
    metadata: BTreeMap<String, String>,
    /// `payment_intent_data[...]` (or the mode's other such hash), named as inside it.
    passed_on: Params,
}

fn one_of(
    p: &Params,
    name: &str,
    allowed: &[&'static str],
) -> Result<Option<&'static str>, ApiError> {
    match p.get(name) {
        None => Ok(None),
        Some(v) => allowed
            .iter()
            .find(|a| **a == v)
            .copied()
            .map(Some)
            .ok_or_else(|| {
                ApiError::invalid_param(
                    name,
                    "parameter_invalid_string",
                    format!(
                        "Invalid {name}: must be one of {} (got {v})",
                        allowed.join(", ")
                    ),
                )
            }),
    }
}

/// Validates `POST /v1/checkout/sessions` at `now` (Unix seconds).
pub(super) fn parse(p: &Params, now: i64) -> Result<CreateSession, ApiError> {
    let mode = match one_of(p, "mode", &["payment", "setup", "subscription"])? {
        None => return Err(ApiError::missing("mode")),
        Some(name) => Mode::named(name),
    };
    if p.get("success_url").is_none() {
        return Err(ApiError::missing("success_url"));
    }
    let items = p
        .array_of_hashes("line_items")?
        .iter()
        .enumerate()
        .map(|(i, item)| LineItem::parse(i, item))
        .collect::<Result<Vec<_>, _>>()?;
    match (mode, items.is_empty()) {
        (Mode::Setup, false) => {
            return Err(ApiError::invalid_request(
                "You cannot pass `line_items` in `setup` mode.".to_owned(),
            )
            .with_parameter("line_items"));
        }
        (Mode::Payment | Mode::Subscription, true) => return Err(ApiError::missing("line_items")),
        _ => {}
    }
    let customer = p.get("customer").map(str::to_owned);
    let customer_creation = one_of(p, "customer_creation", &["always", "if_required"])?;
    for (other, given) in [
        ("customer_email", p.get("customer_email").is_some()),
        ("customer_creation", customer_creation.is_some()),
    ] {
        if customer.is_some() && given {
            return Err(ApiError::invalid_request(format!(
                "You may only specify one of these parameters: customer, {other}."
            )));
        }
    }
    if customer_creation.is_some() && mode == Mode::Subscription {
        return Err(ApiError::invalid_request(
            "`customer_creation` can only be used in `payment` and `setup` mode.".to_owned(),
        )
        .with_parameter("customer_creation"));
    }
    let types = p.list("payment_method_types");
    if let Some(other) = types.iter().find(|t| **t != "card") {
        return Err(ApiError::invalid_param(
            "payment_method_types",
            "parameter_invalid_string",
            format!("The fake only takes `card` payments, not `{other}`."),
        ));
    }
    let currency = p.get("currency").map(|_| p.currency()).transpose()?;
    if mode == Mode::Setup && currency.is_none() && types.is_empty() {
        return Err(ApiError::invalid_request(
            "You must provide `payment_method_types` or `currency` in `setup` mode.".to_owned(),
        )
        .with_parameter("payment_method_types"));
    }
    for other in [Mode::Payment, Mode::Setup, Mode::Subscription] {
        let name = other.passed_on();
        if other != mode && !p.within(name).pairs().is_empty() {
            return Err(ApiError::invalid_request(format!(
                "`{name}` can only be used in `{}` mode.",
                other.name()
            ))
            .with_parameter(name));
        }
    }
    let passed_on = p.within(mode.passed_on());
    check_passed_on(mode, &passed_on).map_err(|e| nested(e, mode.passed_on()))?;
    Ok(CreateSession {
        mode,
        items,
        customer,
        customer_creation,
        currency,
        expires_at: expires_at(p, now)?,
        metadata: p.map("metadata")?,
        passed_on,
    })
}

/// What the intent or subscription is given: the values the fake reads are checked.
fn check_passed_on(mode: Mode, p: &Params) -> Result<(), ApiError> {
    match mode {
        Mode::Payment => {
            one_of(
                p,
                "capture_method",
                &["automatic", "automatic_async", "manual"],
            )?;
            one_of(p, "setup_future_usage", &["off_session", "on_session"])?;
        }
        Mode::Subscription => {
            refuse_unmodelled(p, &SUBSCRIPTION_UNMODELLED)?;
            if let Some(raw) = p.get("trial_period_days")
                && raw.parse::<u64>().ok().is_none_or(|days| days == 0)
            {
                return Err(ApiError::invalid_param(
                    "trial_period_days",
                    "parameter_invalid_integer",
                    format!("Invalid positive integer: {raw}"),
                ));
            }
            timestamp(p, "trial_end")?;
        }
        Mode::Setup => {}
    }
    p.map("metadata").map(drop)
}

/// `expires_at`: 30 minutes to 24 hours after `now`; 24 hours when not given.
fn expires_at(p: &Params, now: i64) -> Result<i64, ApiError> {
    let Some(raw) = p.get("expires_at") else {
        return Ok(now.saturating_add(DEFAULT_LIFETIME));
    };
    let at = raw.parse::<i64>().map_err(|_| {
        ApiError::invalid_param(
            "expires_at",
            "parameter_invalid_integer",
            format!("Invalid integer: {raw}"),
        )
    })?;
    let out_of_range = |message: &str| {
        ApiError::invalid_param(
            "expires_at",
            "parameter_invalid_integer",
            message.to_owned(),
        )
    };
    if at < now.saturating_add(SHORTEST_LIFETIME) {
        return Err(out_of_range(
            "The `expires_at` timestamp must be at least 30 minutes after Checkout Session creation.",
        ));
    }
    if at > now.saturating_add(DEFAULT_LIFETIME) {
        return Err(out_of_range(
            "The `expires_at` timestamp must be less than 24 hours after Checkout Session creation.",
        ));
    }
    Ok(at)
}

impl Model {
    /// Creates a Checkout Session: checks its customer and prices, makes the prices of its
    /// `price_data`, stores it with its line items, and answers it as stored.
    pub(super) fn create_checkout_session(
        &mut self,
        p: &Params,
        now: i64,
    ) -> Result<Value, ApiError> {
        let create = parse(p, now)?;
        if let Some(customer) = &create.customer {
            self.check_customer(customer, "customer")?;
        }
        let (items, currency, total) = self.price_line_items(create.mode, &create.items, now)?;
        if create.mode == Mode::Payment && total == 0 {
            return Err(ApiError::invalid_request(
                "A `payment` mode Checkout Session must total at least 1 unit of its currency."
                    .to_owned(),
            )
            .with_parameter("line_items"));
        }
        let currency = currency.or(create.currency.clone());
        let id = self.next_id("cs_test_");
        let session = self.new_session(&id, p, &create, currency, total, now);
        let session = self.collection_mut(SESSIONS)?.insert(session)?;
        let stored = Stored {
            line_items: items,
            passed_on: create.passed_on.pairs().to_vec(),
        };
        self.collection_mut(SESSIONS)?
            .set_private(&id, stored.to_json())?;
        Ok(session)
    }

    /// A new open session, every member Stripe answers.
    fn new_session(
        &self,
        id: &str,
        p: &Params,
        create: &CreateSession,
        currency: Option<String>,
        total: u64,
        now: i64,
    ) -> Value {
        let url = match self.base_url() {
            Some(base) => format!("{base}/_fake/checkout/sessions/{id}"),
            None => format!("https://checkout.stripe.com/c/pay/{id}"),
        };
        let paying = create.mode != Mode::Setup;
        let amount = paying.then_some(total);
        let customer_creation = match (&create.customer, create.mode) {
            (Some(_), _) | (None, Mode::Subscription) => None,
            (None, _) => Some(create.customer_creation.unwrap_or("if_required")),
        };
        let invoice_creation = (create.mode == Mode::Payment).then(|| {
            json!({"enabled": false, "invoice_data": {"account_tax_ids": null, "custom_fields": null,
                   "description": null, "footer": null, "metadata": {}, "rendering_options": null}})
        });
        let total_details =
            paying.then(|| json!({"amount_discount": 0, "amount_shipping": 0, "amount_tax": 0}));
        let mut session = json!({
            "id": id,
            "object": SESSIONS,
            "amount_subtotal": amount,
            "amount_total": amount,
            "cancel_url": p.get("cancel_url"),
            "client_reference_id": p.get("client_reference_id"),
            "created": now,
            "currency": currency,
            "customer": create.customer,
            "customer_creation": customer_creation,
            "customer_email": p.get("customer_email"),
            "expires_at": create.expires_at,
            "invoice_creation": invoice_creation,
            "livemode": false,
            "metadata": objects::metadata(&create.metadata),
            "mode": create.mode.name(),
            "payment_method_collection": (create.mode == Mode::Subscription).then_some("always"),
            "payment_status": if paying { "unpaid" } else { "no_payment_required" },
            "status": "open",
            "success_url": p.get("success_url"),
            "total_details": total_details,
            "url": url,
        });
        objects::merge(&mut session, unmodelled());
        session
    }
}

/// The members of a session the fake does not model, as Stripe answers them when unset.
fn unmodelled() -> Value {
    json!({
        "after_expiration": null,
        "allow_promotion_codes": null,
        "automatic_tax": {"enabled": false, "status": null},
        "billing_address_collection": null,
        "consent": null,
        "consent_collection": null,
        "currency_conversion": null,
        "custom_fields": [],
        "custom_text": {"shipping_address": null, "submit": null},
        "customer_details": null,
        "invoice": null,
        "locale": null,
        "payment_intent": null,
        "payment_link": null,
        "payment_method_options": {},
        "payment_method_types": ["card"],
        "phone_number_collection": {"enabled": false},
        "recovered_from": null,
        "setup_intent": null,
        "shipping_address_collection": null,
        "shipping_cost": null,
        "shipping_details": null,
        "shipping_options": [],
        "submit_type": null,
        "subscription": null,
        "tax_id_collection": {"enabled": false},
    })
}
