//! Test clocks (`/v1/test_helpers/test_clocks`): create (`frozen_time`, `name`), retrieve,
//! list, delete, and advance to a later `frozen_time`. Customers join one with `test_clock` on
//! create.
//!
//! An advance may move the clock at most two intervals of its shortest subscription (two years
//! without one), as at Stripe. It runs at once, in the request, in Stripe's order: the clock turns `advancing`
//! (`test_helpers.test_clock.advancing`; the answer shows that state, as Stripe's does), what
//! happens between the two times runs ([`Model::run_clock`], the billing hook), then the clock
//! is `ready` at its new time (`test_helpers.test_clock.ready`). A retrieve after the advance
//! sees it `ready`.

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::params::Params;
use crate::registry::{Call, Resource, Route};

/// The object name of test clocks.
pub(crate) const OBJECT: &str = "test_helpers.test_clock";

/// How long Stripe keeps a test clock: 30 days after its creation.
const LIFETIME_SECONDS: i64 = 30 * 24 * 60 * 60;

/// The registry entry of test clocks.
pub(crate) fn resource() -> Resource {
    Resource::new(OBJECT)
        .with_prefix("clock_")
        .with_route(
            Route::new("POST /v1/test_helpers/test_clocks", create).with_validator(validate),
        )
        .with_route(Route::list("GET /v1/test_helpers/test_clocks"))
        .with_route(Route::retrieve_live(
            "GET /v1/test_helpers/test_clocks/{test_clock}",
        ))
        .with_route(Route::delete(
            "DELETE /v1/test_helpers/test_clocks/{test_clock}",
        ))
        .with_route(
            Route::new(
                "POST /v1/test_helpers/test_clocks/{test_clock}/advance",
                advance,
            )
            .with_validator(validate),
        )
        .with_events(&[
            "test_helpers.test_clock.created",
            "test_helpers.test_clock.advancing",
            "test_helpers.test_clock.ready",
            "test_helpers.test_clock.deleted",
        ])
}

/// The required `frozen_time` (Unix seconds).
fn frozen_time(p: &Params) -> Result<i64, ApiError> {
    let raw = p
        .get("frozen_time")
        .ok_or_else(|| ApiError::missing("frozen_time"))?;
    raw.parse::<i64>().ok().filter(|t| *t >= 0).ok_or_else(|| {
        ApiError::invalid_param(
            "frozen_time",
            "parameter_invalid_integer",
            format!("Invalid timestamp: {raw}. It must be Unix seconds."),
        )
    })
}

fn validate(call: &Call<'_>) -> Result<(), ApiError> {
    frozen_time(call.params()).map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let now = call.unix_time();
    let id = model.next_id("clock_");
    let clock = json!({
        "id": id,
        "object": OBJECT,
        "created": now,
        "deletes_after": now.saturating_add(LIFETIME_SECONDS),
        "frozen_time": frozen_time(p)?,
        "livemode": false,
        "name": p.get("name"),
        "status": "ready",
    });
    let clock = model.collection_mut(OBJECT)?.insert(clock)?;
    model.record_event("test_helpers.test_clock.created", &clock, now);
    Ok(clock)
}

/// Moves the clock to a later `frozen_time`: `advancing`, the hook, then `ready`.
fn advance(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let id = call.id();
    let now = call.unix_time();
    let to = frozen_time(call.params())?;
    let clock = model.collection(OBJECT)?.get(id)?;
    let from = clock["frozen_time"].as_i64().unwrap_or_default();
    if to <= from {
        return Err(ApiError::invalid_param(
            "frozen_time",
            "parameter_invalid_integer",
            format!(
                "The frozen_time ({to}) must be after the test clock's current frozen_time ({from})."
            ),
        ));
    }
    model.check_advance(id, from, to)?;
    let advancing = model.collection_mut(OBJECT)?.update(id, |clock| {
        clock["status"] = json!("advancing");
        clock["frozen_time"] = json!(to);
        Ok(())
    })?;
    model.record_event("test_helpers.test_clock.advancing", &advancing, now);
    model.run_clock(id, from, to)?;
    let ready = model.collection_mut(OBJECT)?.update(id, |clock| {
        clock["status"] = json!("ready");
        Ok(())
    })?;
    model.record_event("test_helpers.test_clock.ready", &ready, now);
    Ok(advancing)
}

impl Model {
    /// What happens to the objects on test clock `clock` while it moves from `from` to `to`
    /// (Unix seconds, `from < to`): the billing hook, run by every advance between its
    /// `advancing` and `ready` events. Everything due in `(from, to]` on the clock's
    /// subscriptions and invoices runs in time order, with the clock's times: renewals, trial
    /// ends, finalization and payment of invoices, retries, period-end cancellations
    /// (`billing/renewals.rs`). An error here is the advance's answer, and the clock then stays
    /// `advancing`.
    pub(crate) fn run_clock(&mut self, clock: &str, from: i64, to: i64) -> Result<(), ApiError> {
        debug_assert!(from < to, "an advance moves {clock} forward");
        self.run_billing(clock, from, to)
    }

    /// Checks `test_clock=clock_...` of a new customer: the id, or 400 `resource_missing`.
    pub(crate) fn test_clock_param(&self, p: &Params) -> Result<Option<String>, ApiError> {
        let Some(clock) = p.get("test_clock") else {
            return Ok(None);
        };
        self.collection(OBJECT)?.named(clock, "test_clock")?;
        Ok(Some(clock.to_owned()))
    }
}
