//! [`Call`]: what a handler or validator is given about the request it answers.

use std::time::SystemTime;

use super::resource::{Resource, Route};
use crate::model::{Params, unix};

/// One request as its endpoint sees it: the resource and route it matched, the path's
/// parameters, the decoded form or query parameters, and the model's clock.
#[derive(Debug, Clone, Copy)]
pub struct Call<'a> {
    pub(crate) resource: &'a Resource,
    pub(crate) route: &'a Route,
    pub(crate) path_params: &'a [String],
    pub(crate) params: &'a Params,
    pub(crate) at: SystemTime,
}

impl<'a> Call<'a> {
    /// The resource whose route matched.
    pub fn resource(&self) -> &'a Resource {
        self.resource
    }

    /// The route that matched.
    pub fn route(&self) -> &'a Route {
        self.route
    }

    /// The first path parameter (`ch_...` of `/v1/charges/ch_.../capture`); empty for a path
    /// without one.
    pub fn id(&self) -> &'a str {
        self.path_params.first().map_or("", String::as_str)
    }

    /// Every path parameter, in path order.
    pub fn path_params(&self) -> &'a [String] {
        self.path_params
    }

    /// The request's parameters (form body of a POST, query string otherwise).
    pub fn params(&self) -> &'a Params {
        self.params
    }

    /// The model's clock at this request.
    pub fn at(&self) -> SystemTime {
        self.at
    }

    /// The model's clock in Unix seconds, as objects' `created` and events carry it (0 before
    /// the epoch).
    pub fn unix_time(&self) -> i64 {
        unix(self.at)
    }
}
