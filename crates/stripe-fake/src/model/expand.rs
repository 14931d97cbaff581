//! `expand[]`: fields holding an id come back as the object when named (`customer`,
//! `latest_charge`, `data.payment_intent`, `charge.customer`, ...), up to Stripe's four levels.
//! Which fields of an object may be named is its resource's registry entry's (Stripe's
//! `x-expandableFields`); an id is found by its prefix in the registry, a deleted object comes
//! back as its stub.

use serde_json::Value;

use super::Model;
use super::errors::ApiError;

/// Stripe's limit on expansion depth.
const MAX_DEPTH: usize = 4;

fn not_expandable(path: &str) -> ApiError {
    ApiError::invalid_param(
        "expand",
        "parameter_invalid_string",
        format!("This property cannot be expanded ({path})."),
    )
}

/// Before anything runs: each `expand` path's first member must be one the route's resource
/// declares expandable (deeper members, and the items of a list's `data`, are checked on the
/// answer), so that a create asked to expand what cannot be expanded is a 400 that made nothing,
/// as at Stripe.
pub(crate) fn check_first_segments(call: &crate::registry::Call<'_>) -> Result<(), ApiError> {
    let Some(fields) = call.resource().expandable() else {
        return Ok(());
    };
    for path in call.params().list("expand") {
        let first = path.split('.').next().unwrap_or_default();
        if first != "data" && !fields.contains(&first) {
            return Err(not_expandable(path));
        }
    }
    Ok(())
}

impl Model {
    /// Applies every `expand` path to a response body.
    pub(crate) fn expand(&self, mut value: Value, paths: &[&str]) -> Result<Value, ApiError> {
        for path in paths {
            let segments: Vec<&str> = path.split('.').collect();
            if segments.len() > MAX_DEPTH || segments.iter().any(|s| s.is_empty()) {
                return Err(ApiError::invalid_param(
                    "expand",
                    "parameter_invalid_string",
                    format!(
                        "You cannot expand more than {MAX_DEPTH} levels of a property ({path})."
                    ),
                ));
            }
            self.expand_at(&mut value, &segments, path)?;
        }
        Ok(value)
    }

    fn expand_at(&self, value: &mut Value, segments: &[&str], path: &str) -> Result<(), ApiError> {
        let Some((first, rest)) = segments.split_first() else {
            return Ok(());
        };
        let is_page = value["object"] == "list" || value["object"] == "search_result";
        if is_page && *first == "data" {
            if let Some(items) = value["data"].as_array_mut() {
                for item in items {
                    self.expand_at(item, rest, path)?;
                }
            }
            return Ok(());
        }
        let declared = value["object"]
            .as_str()
            .and_then(|object| self.registry().resource(object))
            .and_then(|resource| resource.expandable());
        if declared.is_some_and(|fields| !fields.contains(first)) {
            return Err(not_expandable(path));
        }
        let Some(field) = value.get_mut(*first) else {
            return Err(not_expandable(path));
        };
        if let Value::String(id) = field
            && let Some(object) = self.lookup(id)
        {
            *field = object;
        }
        if field.is_object() {
            self.expand_at(field, rest, path)?;
        }
        Ok(())
    }

    /// A copy of the live object with this id, or the stub of a deleted one.
    fn lookup(&self, id: &str) -> Option<Value> {
        let resource = self.registry().resource_of_id(id)?;
        let objects = self.collection(resource.object()).ok()?;
        objects
            .find(id)
            .cloned()
            .or_else(|| objects.deleted_stub(id))
    }
}
