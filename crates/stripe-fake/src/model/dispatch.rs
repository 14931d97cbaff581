//! A request's route in the registry: its validation before execution, its execution.

use std::time::SystemTime;

use http::Method;
use serde_json::Value;

use super::errors::ApiError;
use super::params::Params;
use super::{Model, Pending};
use crate::registry::{Call, Matched, Registry};

/// The call a matched route answers.
fn call<'a>(
    registry: &'a Registry,
    matched: &'a Matched,
    params: &'a Params,
    at: SystemTime,
) -> Result<Call<'a>, ApiError> {
    let resource = registry
        .resources()
        .get(matched.resource)
        .ok_or_else(|| ApiError::internal("a route's resource is gone".to_owned()))?;
    let route = resource
        .routes()
        .get(matched.route)
        .ok_or_else(|| ApiError::internal("a route is gone".to_owned()))?;
    Ok(Call {
        resource,
        route,
        path_params: &matched.path_params,
        params,
        at,
    })
}

impl Model {
    /// The route of a request in this model's registry, `None` for an unrecognized URL.
    pub(crate) fn route(&self, method: &Method, path: &str) -> Option<Matched> {
        self.registry().route(method, path)
    }

    /// Checks the parameters without touching state: failures here are not stored.
    ///
    /// A parameter Stripe does not know is a 400 `parameter_unknown`; one it knows and the fake
    /// does not model is accepted (and echoed on the object where Stripe echoes it).
    pub(crate) fn validate(
        &self,
        matched: &Matched,
        params: &Params,
        at: SystemTime,
    ) -> Result<(), ApiError> {
        params.only(matched.accepted)?;
        let registry = self.registry();
        let call = call(registry, matched, params, at)?;
        super::expand::check_first_segments(&call)?;
        (call.route().validator())(&call)
    }

    /// Runs the endpoint of `spec_key` (`"POST /v1/subscriptions"`) with `params` at `at`, its
    /// validation then its handler, as a part of the request being executed (a Checkout Session
    /// creates its subscription so): what the endpoint would answer, without `expand`. A 500
    /// when no route has that key, or it takes path parameters.
    pub(crate) fn run_endpoint(
        &mut self,
        spec_key: &str,
        params: &Params,
        at: SystemTime,
    ) -> Result<Value, ApiError> {
        let registry = self.shared_registry();
        let found = registry.resources().iter().find_map(|resource| {
            let route = resource
                .routes()
                .iter()
                .find(|r| r.spec_key() == spec_key)?;
            Some((resource, route))
        });
        let (resource, route) = found
            .filter(|(_, route)| !route.path().contains('{'))
            .ok_or_else(|| ApiError::internal(format!("no endpoint {spec_key} to run")))?;
        let call = Call {
            resource,
            route,
            path_params: &[],
            params,
            at,
        };
        (route.validator())(&call)?;
        (route.handler())(self, &call)
    }

    /// Runs an endpoint: `Ok` is a 200 body, `Err` an error after execution (stored).
    pub(crate) fn execute(&mut self, pending: &Pending, at: SystemTime) -> Result<Value, ApiError> {
        let registry = self.shared_registry();
        let call = call(&registry, &pending.route, &pending.params, at)?;
        let value = (call.route().handler())(self, &call)?;
        self.expand(value, &pending.params.list("expand"))
    }
}
