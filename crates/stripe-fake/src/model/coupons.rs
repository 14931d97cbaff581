//! Coupons: `percent_off` or `amount_off` with `currency`, for `once`, `forever` or
//! `repeating` (`duration_in_months`); create (with an id of the caller's choosing), retrieve,
//! update (`name`, `metadata`), delete, list.

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::params::{Params, TextFields};
use super::products::chosen_or_new_id;
use crate::registry::{Call, Resource, Route};

/// The registry entry of coupons. Their ids have no prefix (Stripe's are 8 characters, or the
/// caller's), so [`Model::find`] does not find them by id alone.
pub(crate) fn resource() -> Resource {
    Resource::new("coupon")
        .with_route(Route::new("POST /v1/coupons", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/coupons"))
        .with_route(Route::retrieve_live("GET /v1/coupons/{coupon}"))
        .with_route(Route::new("POST /v1/coupons/{coupon}", update).with_validator(validate_update))
        .with_route(Route::delete("DELETE /v1/coupons/{coupon}"))
        .with_expandable(&["applies_to", "currency_options"])
        .with_events(&["coupon.created", "coupon.updated", "coupon.deleted"])
}

/// What a coupon takes off.
#[derive(Debug, Clone, PartialEq)]
enum Discount {
    Percent(f64),
    Amount { amount: u64, currency: String },
}

/// Validated `POST /v1/coupons` parameters.
#[derive(Debug, Clone, PartialEq)]
struct CreateCoupon {
    discount: Discount,
    duration: &'static str,
    duration_in_months: Option<u64>,
    max_redemptions: Option<u64>,
    redeem_by: Option<i64>,
}

fn parse_create(p: &Params) -> Result<CreateCoupon, ApiError> {
    let discount = match (p.get("percent_off"), p.get("amount_off")) {
        (Some(raw), None) => {
            let percent = raw
                .parse::<f64>()
                .ok()
                .filter(|x| *x > 0.0 && *x <= 100.0)
                .ok_or_else(|| {
                    ApiError::invalid_param(
                        "percent_off",
                        "parameter_invalid_float",
                        format!(
                            "Invalid percent_off: {raw}. It must be a number greater than 0 and at most 100."
                        ),
                    )
                })?;
            Discount::Percent(percent)
        }
        (None, Some(_)) => Discount::Amount {
            amount: p.amount("amount_off")?,
            currency: p.currency()?,
        },
        (None, None) => {
            return Err(ApiError::invalid_request(
                "Coupons require either amount_off or percent_off.".to_owned(),
            ));
        }
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid_request(
                "You may only specify one of these parameters: amount_off, percent_off.".to_owned(),
            ));
        }
    };
    let duration = match p.get("duration") {
        None | Some("once") => "once",
        Some("forever") => "forever",
        Some("repeating") => "repeating",
        Some(_) => {
            return Err(ApiError::invalid_param(
                "duration",
                "parameter_invalid_string",
                "Invalid duration: must be one of forever, once, repeating".to_owned(),
            ));
        }
    };
    let duration_in_months = p.opt_amount("duration_in_months")?;
    match (duration, duration_in_months) {
        ("repeating", None) => return Err(ApiError::missing("duration_in_months")),
        ("once" | "forever", Some(_)) => {
            return Err(ApiError::invalid_param(
                "duration_in_months",
                "parameter_invalid_integer",
                format!(
                    "duration_in_months is only valid with duration=repeating, not {duration}."
                ),
            ));
        }
        _ => {}
    }
    let redeem_by = p
        .get("redeem_by")
        .map(|raw| {
            raw.parse::<i64>().map_err(|_| {
                ApiError::invalid_param(
                    "redeem_by",
                    "parameter_invalid_integer",
                    format!("Invalid timestamp: {raw}"),
                )
            })
        })
        .transpose()?;
    p.map("metadata")?;
    Ok(CreateCoupon {
        discount,
        duration,
        duration_in_months,
        max_redemptions: p.opt_amount("max_redemptions")?,
        redeem_by,
    })
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    parse_create(call.params()).map(drop)
}

fn validate_update(call: &Call<'_>) -> Result<(), ApiError> {
    call.params().map("metadata").map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let create = parse_create(p)?;
    let now = call.unix_time();
    let id = match p.get("id") {
        Some(_) => chosen_or_new_id(model, p, "coupon", "")?,
        // Stripe's own coupon ids are 8 characters.
        None => model.next_id("").chars().take(8).collect(),
    };
    let (percent_off, amount_off, currency) = match &create.discount {
        Discount::Percent(x) => (json!(x), Value::Null, Value::Null),
        Discount::Amount { amount, currency } => (Value::Null, json!(amount), json!(currency)),
    };
    let mut coupon = json!({
        "id": id,
        "object": "coupon",
        "amount_off": amount_off,
        "created": now,
        "currency": currency,
        "duration": create.duration,
        "duration_in_months": create.duration_in_months,
        "livemode": false,
        "max_redemptions": create.max_redemptions,
        "metadata": {},
        "name": p.get("name"),
        "percent_off": percent_off,
        "redeem_by": create.redeem_by,
        "times_redeemed": 0,
        "valid": create.redeem_by.is_none_or(|at| at > now),
    });
    p.merge_metadata_into(&mut coupon)?;
    let coupon = model.collection_mut("coupon")?.insert(coupon)?;
    model.record_event("coupon.created", &coupon, now);
    Ok(coupon)
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let coupon = model
        .collection_mut("coupon")?
        .update(call.id(), |coupon| {
            TextFields::from_params(p, &["name"]).apply_to(coupon);
            p.merge_metadata_into(coupon)
        })?;
    model.record_event("coupon.updated", &coupon, call.unix_time());
    Ok(coupon)
}
