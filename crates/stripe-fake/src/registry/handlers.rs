//! The generic handlers a [`super::Route`] can be built with: retrieve, list, search, delete.

use serde_json::Value;

use super::call::Call;
use crate::model::list::{self, ListParams};
use crate::model::{ApiError, Model, search};

/// The object named by the path, the stub of a deleted one, or 404 `resource_missing`.
pub(crate) fn retrieve(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let objects = model.collection(call.resource().object())?;
    if let Some(stub) = objects.deleted_stub(call.id()) {
        return Ok(stub);
    }
    objects.get(call.id()).cloned()
}

/// The live object named by the path, or 404 `resource_missing` (a deleted one too, as
/// Stripe answers for products, coupons and test clocks).
pub(crate) fn retrieve_live(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model
        .collection(call.resource().object())?
        .get(call.id())
        .cloned()
}

/// Checks `limit`, the cursors and `created`.
pub(crate) fn validate_list(call: &Call<'_>) -> Result<(), ApiError> {
    ListParams::parse(call.params()).map(drop)
}

/// A page of the resource's objects, newest first, filtered by its list filters.
pub(crate) fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let resource = call.resource();
    let p = call.params();
    let lp = ListParams::parse(p)?;
    let objects = model.collection(resource.object())?;
    let selected = objects.as_slice().iter().filter(|o| {
        resource
            .list_filters()
            .iter()
            .all(|field| list::matches(o, p, field))
    });
    list::page(selected, &lp, call.route().path(), resource.object())
}

/// Checks the query against the resource's searchable fields, `limit` and `page`.
pub(crate) fn validate_search(call: &Call<'_>) -> Result<(), ApiError> {
    search::parse(call.params(), call.resource().searchable()).map(drop)
}

/// Stripe's Search over the resource's objects, as the Search index sees them now.
pub(crate) fn search(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.search(call)
}

/// Removes the object named by the path, records `<object>.deleted` if the resource emits it,
/// and answers the deleted stub.
pub(crate) fn delete(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let object = call.resource().object();
    let objects = model.collection_mut(object)?;
    let removed = objects.remove(call.id())?;
    let stub = objects.deleted_stub(call.id()).unwrap_or_default();
    let kind = format!("{object}.deleted");
    if call.resource().events().contains(&kind.as_str()) {
        model.record_event(&kind, &removed, call.unix_time());
    }
    Ok(stub)
}
