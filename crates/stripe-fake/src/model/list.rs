//! Stripe list objects: newest first, `limit`, `starting_after`, `ending_before`, and the
//! `created` filter (`created=T` or `created[gt|gte|lt|lte]=T`).

use serde_json::{Value, json};

use super::errors::ApiError;
use super::params::Params;

/// Default page size.
const DEFAULT_LIMIT: usize = 10;
/// Largest page size.
const MAX_LIMIT: usize = 100;

/// Validated pagination parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ListParams {
    pub(crate) limit: usize,
    pub(crate) starting_after: Option<String>,
    pub(crate) ending_before: Option<String>,
    /// `(operator, bound)` pairs of the `created` filter, all of which must hold.
    pub(crate) created: Vec<(Bound, i64)>,
}

/// A comparison of the `created` filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Bound {
    Eq,
    Gt,
    Gte,
    Lt,
    Lte,
}

impl Bound {
    fn holds(self, value: i64, bound: i64) -> bool {
        match self {
            Bound::Eq => value == bound,
            Bound::Gt => value > bound,
            Bound::Gte => value >= bound,
            Bound::Lt => value < bound,
            Bound::Lte => value <= bound,
        }
    }
}

/// Parses `created=T` and `created[op]=T`.
fn created_filter(p: &Params) -> Result<Vec<(Bound, i64)>, ApiError> {
    let mut out = Vec::new();
    let mut ops = p.map("created").unwrap_or_default();
    if let Some(exact) = p.get("created") {
        ops.insert(String::new(), exact.to_owned());
    }
    for (op, raw) in ops {
        let bound = match op.as_str() {
            "" => Bound::Eq,
            "gt" => Bound::Gt,
            "gte" => Bound::Gte,
            "lt" => Bound::Lt,
            "lte" => Bound::Lte,
            other => return Err(ApiError::unknown_parameter(&format!("created[{other}]"))),
        };
        let value = raw.parse::<i64>().map_err(|_| {
            ApiError::invalid_param(
                "created",
                "parameter_invalid_integer",
                format!("Invalid integer: {raw}"),
            )
        })?;
        out.push((bound, value));
    }
    Ok(out)
}

/// Whether an object's `created` passes the filter.
pub(crate) fn created_matches(object: &Value, created: &[(Bound, i64)]) -> bool {
    let value = object["created"].as_i64().unwrap_or_default();
    created.iter().all(|(op, bound)| op.holds(value, *bound))
}

impl ListParams {
    /// Parses `limit`, the cursors and `created` (unknown parameters are refused earlier,
    /// against the endpoint's list in Stripe's spec).
    pub(crate) fn parse(p: &Params) -> Result<Self, ApiError> {
        let limit = match p.get("limit") {
            None => DEFAULT_LIMIT,
            Some(raw) => {
                let invalid = || {
                    ApiError::invalid_param(
                        "limit",
                        "parameter_invalid_integer",
                        format!(
                            "Invalid integer: {raw}. This value must be between 1 and {MAX_LIMIT}."
                        ),
                    )
                };
                let n = raw.parse::<usize>().map_err(|_| invalid())?;
                if !(1..=MAX_LIMIT).contains(&n) {
                    return Err(invalid());
                }
                n
            }
        };
        let starting_after = p.get("starting_after").map(str::to_owned);
        let ending_before = p.get("ending_before").map(str::to_owned);
        if starting_after.is_some() && ending_before.is_some() {
            return Err(ApiError::invalid_request(
                "You may only specify one of these parameters: ending_before, starting_after."
                    .to_owned(),
            ));
        }
        Ok(Self {
            limit,
            starting_after,
            ending_before,
            created: created_filter(p)?,
        })
    }
}

/// One page of `objects` (given oldest first, as stored) as a Stripe list object.
pub(crate) fn page<'a>(
    objects: impl DoubleEndedIterator<Item = &'a Value>,
    lp: &ListParams,
    url: &str,
    object: &str,
) -> Result<Value, ApiError> {
    let newest_first: Vec<&Value> = objects
        .rev()
        .filter(|o| created_matches(o, &lp.created))
        .collect();
    let cursor_index = |param: &str, id: &str| {
        newest_first
            .iter()
            .position(|o| o["id"] == id)
            .ok_or_else(|| ApiError::no_such(object, id, param))
    };
    let (data, has_more): (Vec<&Value>, bool) = if let Some(id) = &lp.starting_after {
        let at = cursor_index("starting_after", id)?;
        let older = newest_first.get(at + 1..).unwrap_or_default();
        (
            older.iter().take(lp.limit).copied().collect(),
            older.len() > lp.limit,
        )
    } else if let Some(id) = &lp.ending_before {
        let at = cursor_index("ending_before", id)?;
        let newer = newest_first.get(..at).unwrap_or_default();
        let skip = newer.len().saturating_sub(lp.limit);
        (
            newer.iter().skip(skip).copied().collect(),
            newer.len() > lp.limit,
        )
    } else {
        (
            newest_first.iter().take(lp.limit).copied().collect(),
            newest_first.len() > lp.limit,
        )
    };
    Ok(json!({
        "object": "list",
        "data": data,
        "has_more": has_more,
        "url": url,
    }))
}

/// Whether an object matches an optional `field=value` filter (`active=true` matches a boolean
/// `true`).
pub(crate) fn matches(object: &Value, p: &Params, field: &str) -> bool {
    match (p.get(field), &object[field]) {
        (None, _) => true,
        (Some(want), Value::Bool(have)) => want == if *have { "true" } else { "false" },
        (Some(want), have) => have == want,
    }
}
