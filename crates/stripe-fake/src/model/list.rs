//! Stripe list objects: newest first, `limit`, `starting_after`, `ending_before`.

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
}

impl ListParams {
    /// Parses `limit`, the cursors, and accepts the endpoint's `filters`.
    pub(crate) fn parse(p: &Params, filters: &[&str]) -> Result<Self, ApiError> {
        let mut allowed = vec!["limit", "starting_after", "ending_before"];
        allowed.extend_from_slice(filters);
        p.only(&allowed)?;
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
    let newest_first: Vec<&Value> = objects.rev().collect();
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

/// Whether an object matches an optional `field=value` filter.
pub(crate) fn matches(object: &Value, p: &Params, field: &str) -> bool {
    match p.get(field) {
        None => true,
        Some(want) => object[field] == want,
    }
}
