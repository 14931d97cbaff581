//! [`Resource`] and [`Route`]: what one registry entry declares.

use serde_json::Value;

use super::call::Call;
use super::handlers;
use crate::model::{ApiError, Model};

/// Runs an endpoint: `Ok` is the 200 body, `Err` a Stripe error answer. Both are stored under
/// the request's idempotency key, as Stripe stores what an executed request answered.
pub type Handler = fn(&mut Model, &Call<'_>) -> Result<Value, ApiError>;

/// Checks a request before anything executes: an `Err` here is answered and not stored under
/// the idempotency key (a retry with the same key runs again), as Stripe's validation errors.
pub type Validator = fn(&Call<'_>) -> Result<(), ApiError>;

fn accept(_: &Call<'_>) -> Result<(), ApiError> {
    Ok(())
}

/// One endpoint of a resource: its spec key, its handler, its validation, the parameters it
/// accepts.
///
/// The spec key is the endpoint as Stripe's OpenAPI spec names it, `"METHOD /path"` with
/// `{name}` for each path parameter (`"POST /v1/charges/{charge}/capture"`); the router matches
/// requests against it (a literal segment before a parameter: `GET /v1/customers/search` is
/// the search, not a customer named `search`; and a path parameter never takes the word
/// `search`).
#[derive(Debug, Clone)]
pub struct Route {
    spec_key: &'static str,
    handler: Handler,
    validator: Validator,
    params: Option<&'static [&'static str]>,
}

impl Route {
    /// An endpoint answered by `handler`, accepting the parameters Stripe's spec lists for
    /// `spec_key` (none but `expand` for an endpoint the spec does not have: see
    /// [`Route::with_params`]), with no validation of its own.
    pub fn new(spec_key: &'static str, handler: Handler) -> Self {
        Self {
            spec_key,
            handler,
            validator: accept,
            params: None,
        }
    }

    /// `GET /v1/<things>/{id}`: the object, or the stub of a deleted one, or 404.
    pub fn retrieve(spec_key: &'static str) -> Self {
        Self::new(spec_key, handlers::retrieve)
    }

    /// `GET /v1/<things>/{id}` of a resource whose deleted objects are gone: the object, or 404
    /// (deleted or never there).
    pub fn retrieve_live(spec_key: &'static str) -> Self {
        Self::new(spec_key, handlers::retrieve_live)
    }

    /// `GET /v1/<things>`: a Stripe list, newest first, with the resource's
    /// [list filters](Resource::with_list_filters), cursors, `limit` and `created`.
    pub fn list(spec_key: &'static str) -> Self {
        Self::new(spec_key, handlers::list).with_validator(handlers::validate_list)
    }

    /// `GET /v1/<things>/search`: Stripe's Search over the resource's
    /// [searchable fields](Resource::with_searchable).
    pub fn search(spec_key: &'static str) -> Self {
        Self::new(spec_key, handlers::search).with_validator(handlers::validate_search)
    }

    /// `DELETE /v1/<things>/{id}`: removes the object, records `<object>.deleted` if the
    /// resource [emits](Resource::with_events) it, and answers the deleted stub.
    pub fn delete(spec_key: &'static str) -> Self {
        Self::new(spec_key, handlers::delete)
    }

    /// Checks requests with `validator` before execution.
    #[must_use]
    pub fn with_validator(mut self, validator: Validator) -> Self {
        self.validator = validator;
        self
    }

    /// Accepts these top-level parameters (and `expand`) instead of the spec's list; anything
    /// else is Stripe's 400 `parameter_unknown`.
    #[must_use]
    pub fn with_params(mut self, accepted: &'static [&'static str]) -> Self {
        self.params = Some(accepted);
        self
    }

    /// The spec key (`"GET /v1/charges/{charge}"`).
    pub fn spec_key(&self) -> &'static str {
        self.spec_key
    }

    /// The path template (`"/v1/charges/{charge}"`): the spec key without its method.
    pub fn path(&self) -> &'static str {
        self.spec_key
            .split_once(' ')
            .map_or(self.spec_key, |(_, path)| path)
    }

    pub(crate) fn handler(&self) -> Handler {
        self.handler
    }

    pub(crate) fn validator(&self) -> Validator {
        self.validator
    }

    pub(crate) fn params(&self) -> Option<&'static [&'static str]> {
        self.params
    }
}

/// One registry entry: a kind of Stripe object and everything about it.
///
/// Built with `with_*` setters and given to [`super::Registry::with_resource`]:
///
/// ```
/// use stripe_fake::registry::{Call, Resource, Route};
/// use stripe_fake::model::{ApiError, Model};
/// use serde_json::{Value, json};
///
/// fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
///     let id = model.next_id("wdg_");
///     let widget = json!({"id": id, "object": "widget", "created": call.unix_time(),
///                         "name": call.params().get("name")});
///     let widget = model.collection_mut("widget")?.insert(widget)?;
///     model.record_event("widget.created", &widget, call.unix_time());
///     Ok(widget)
/// }
///
/// let widgets = Resource::new("widget")
///     .with_prefix("wdg_")
///     .with_route(Route::new("POST /v1/widgets", create).with_params(&["name"]))
///     .with_route(Route::retrieve("GET /v1/widgets/{widget}"))
///     .with_events(&["widget.created"]);
/// let registry = stripe_fake::registry::Registry::builtin().with_resource(widgets)?;
/// let model = Model::with_registry(7, registry);
/// # Ok::<(), stripe_fake::registry::RegistryError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Resource {
    object: &'static str,
    prefix: Option<&'static str>,
    routes: Vec<Route>,
    searchable: &'static [&'static str],
    expandable: Option<&'static [&'static str]>,
    list_filters: &'static [&'static str],
    events: &'static [&'static str],
}

impl Resource {
    /// A resource whose objects are named `object` (`"charge"`): the `object` member of its
    /// objects and the name in its `resource_missing` messages.
    pub fn new(object: &'static str) -> Self {
        Self {
            object,
            prefix: None,
            routes: Vec::new(),
            searchable: &[],
            expandable: None,
            list_filters: &[],
            events: &[],
        }
    }

    /// The id prefix of its objects (`"ch_"`): [`Model::find`] and `expand[]` find an id by it.
    #[must_use]
    pub fn with_prefix(mut self, prefix: &'static str) -> Self {
        self.prefix = Some(prefix);
        self
    }

    /// Adds an endpoint.
    #[must_use]
    pub fn with_route(mut self, route: Route) -> Self {
        self.routes.push(route);
        self
    }

    /// The fields Search may query (besides `metadata['key']`); a searchable resource's objects
    /// are also what [`Model::set_search_lag`] keeps versions of.
    #[must_use]
    pub fn with_searchable(mut self, fields: &'static [&'static str]) -> Self {
        self.searchable = fields;
        self
    }

    /// The fields `expand[]` may name on its objects (Stripe's `x-expandableFields`); a field
    /// holding the id of a known object becomes that object. Without this, any field holding an
    /// id may be expanded.
    #[must_use]
    pub fn with_expandable(mut self, fields: &'static [&'static str]) -> Self {
        self.expandable = Some(fields);
        self
    }

    /// The fields its list endpoint filters on by equality (`customer=cus_...`).
    #[must_use]
    pub fn with_list_filters(mut self, fields: &'static [&'static str]) -> Self {
        self.list_filters = fields;
        self
    }

    /// The event types it emits (`"charge.succeeded"`, ...).
    #[must_use]
    pub fn with_events(mut self, types: &'static [&'static str]) -> Self {
        self.events = types;
        self
    }

    /// The object name (`"charge"`).
    pub fn object(&self) -> &'static str {
        self.object
    }

    /// The id prefix (`"ch_"`), if its objects have ids.
    pub fn prefix(&self) -> Option<&'static str> {
        self.prefix
    }

    /// Its endpoints.
    pub fn routes(&self) -> &[Route] {
        &self.routes
    }

    /// The fields Search may query; empty when it is not searchable.
    pub fn searchable(&self) -> &'static [&'static str] {
        self.searchable
    }

    /// The fields `expand[]` may name, if declared.
    pub fn expandable(&self) -> Option<&'static [&'static str]> {
        self.expandable
    }

    /// The fields its list endpoint filters on.
    pub fn list_filters(&self) -> &'static [&'static str] {
        self.list_filters
    }

    /// The event types it emits.
    pub fn events(&self) -> &'static [&'static str] {
        self.events
    }
}
