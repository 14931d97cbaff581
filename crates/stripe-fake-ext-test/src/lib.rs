//! Test-only (not published): a whole resource defined outside `stripe-fake`, to prove that
//! its registry is open. `widget` objects (`wdg_...`) have create, retrieve, update, list,
//! delete, Search, an expandable `customer` and three events, all in this one file, through
//! `stripe_fake`'s public API only. `tests/widgets.rs` drives them through the model and through
//! the fake's HTTP server as a user's client would.

use serde_json::{Value, json};
use stripe_fake::Model;
use stripe_fake::model::ApiError;
use stripe_fake::registry::{Call, Registry, RegistryError, Resource, Route};

const OBJECT: &str = "widget";

/// The widget resource's registry entry.
pub fn resource() -> Resource {
    Resource::new(OBJECT)
        .with_prefix("wdg_")
        .with_route(
            Route::new("POST /v1/widgets", create)
                .with_validator(validate)
                .with_params(&["customer", "metadata", "name"]),
        )
        .with_route(Route::list("GET /v1/widgets").with_params(&[
            "created",
            "customer",
            "ending_before",
            "limit",
            "starting_after",
        ]))
        .with_route(
            Route::search("GET /v1/widgets/search").with_params(&["limit", "page", "query"]),
        )
        .with_route(Route::retrieve("GET /v1/widgets/{widget}").with_params(&[]))
        .with_route(
            Route::new("POST /v1/widgets/{widget}", update)
                .with_validator(validate)
                .with_params(&["metadata", "name"]),
        )
        .with_route(Route::delete("DELETE /v1/widgets/{widget}").with_params(&[]))
        .with_searchable(&["created", "customer", "name"])
        .with_expandable(&["customer"])
        .with_list_filters(&["customer"])
        .with_events(&["widget.created", "widget.updated", "widget.deleted"])
}

/// The fake's built-in resources plus widgets.
pub fn registry() -> Result<Registry, RegistryError> {
    Registry::builtin().with_resource(resource())
}

/// `name` is at most 64 characters; `metadata` is a hash.
fn validate(call: &Call<'_>) -> Result<(), ApiError> {
    let p = call.params();
    if p.get("name").is_some_and(|name| name.chars().count() > 64) {
        return Err(ApiError::invalid_param(
            "name",
            "parameter_invalid_string",
            "Invalid name: at most 64 characters.".to_owned(),
        ));
    }
    p.map("metadata").map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let name = p.get("name").ok_or_else(|| ApiError::missing("name"))?;
    if let Some(customer) = p.get("customer") {
        model.collection("customer")?.named(customer, "customer")?;
    }
    let mut widget = json!({
        "id": model.next_id("wdg_"),
        "object": OBJECT,
        "created": call.unix_time(),
        "customer": p.get("customer"),
        "livemode": false,
        "metadata": {},
        "name": name,
    });
    p.merge_metadata_into(&mut widget)?;
    let widget = model.collection_mut(OBJECT)?.insert(widget)?;
    model.record_event("widget.created", &widget, call.unix_time());
    Ok(widget)
}

fn update(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let p = call.params();
    let widget = model.collection_mut(OBJECT)?.update(call.id(), |widget| {
        if let Some(name) = p.get("name") {
            widget["name"] = json!(name);
        }
        p.merge_metadata_into(widget)
    })?;
    model.record_event("widget.updated", &widget, call.unix_time());
    Ok(widget)
}
