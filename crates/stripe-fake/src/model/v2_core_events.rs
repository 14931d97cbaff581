//! API v2 events (`v2.core.event`): recorded for v2 objects ([`Model::record_v2_event`]),
//! listed by `GET /v2/core/events` (v2 paging, `object_id` filter) and retrieved by
//! `GET /v2/core/events/{id}`: what a thin notification's receiver fetches.

use serde_json::Value;

use super::Model;
use super::errors::ApiError;
use super::v2;
use crate::registry::{Call, Resource, Route};

/// The registry entry of v2 events. Their ids start `evt_` as v1 events' do (the prefix
/// belongs to v1's entry, so [`Model::find`] does not find them; their own routes do).
pub(crate) fn resource() -> Resource {
    Resource::new("v2.core.event")
        .with_route(Route::new("GET /v2/core/events", list).with_params(&[
            "limit",
            "page",
            "object_id",
        ]))
        .with_route(Route::retrieve("GET /v2/core/events/{id}").with_params(&[]))
}

/// `GET /v2/core/events`: newest first, those about `object_id` if given.
fn list(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let object_id = call.params().get("object_id");
    let selected = model
        .v2_events()
        .iter()
        .filter(|e| object_id.is_none_or(|id| e["related_object"]["id"] == id));
    v2::page(selected, call, &["object_id"])
}
