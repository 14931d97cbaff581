//! The registry's routes compiled for matching: method and path to a resource's route.

use std::collections::HashMap;

use http::Method;

use super::RegistryError;
use super::resource::{Resource, Route};
use crate::model::spec_params::SPEC_PARAMS;

/// One segment of a path template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(&'static str),
    Param,
}

/// A route ready for matching.
#[derive(Debug, Clone)]
struct Compiled {
    segments: Vec<Segment>,
    resource: usize,
    route: usize,
    accepted: &'static [&'static str],
}

/// What a request's method and path matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Matched {
    pub(crate) resource: usize,
    pub(crate) route: usize,
    pub(crate) path_params: Vec<String>,
    pub(crate) accepted: &'static [&'static str],
}

/// Routes by method and number of path segments, most literal first.
#[derive(Debug, Clone, Default)]
pub(crate) struct Router {
    table: HashMap<(Method, usize), Vec<Compiled>>,
}

/// The word no path parameter takes: `GET /v1/refunds/search` is an unknown URL, as at Stripe.
const RESERVED: &str = "search";

fn split(path: &str) -> impl Iterator<Item = &str> {
    path.trim_start_matches('/')
        .trim_end_matches('/')
        .split('/')
}

/// Splits `"METHOD /path/{param}"` into its method and segments.
fn parse(spec_key: &'static str) -> Result<(Method, Vec<Segment>), &'static str> {
    let (method, path) = spec_key.split_once(' ').ok_or("expected `METHOD /path`")?;
    let method = Method::from_bytes(method.as_bytes()).map_err(|_| "invalid method")?;
    if !path.starts_with('/') {
        return Err("the path must start with `/`");
    }
    let mut segments = Vec::new();
    for segment in path[1..].split('/') {
        if segment.is_empty() {
            return Err("the path has an empty segment");
        }
        if segment.starts_with('{') && segment.ends_with('}') && segment.len() > 2 {
            segments.push(Segment::Param);
        } else if segment.contains(['{', '}', '?', '#', ' ']) {
            return Err("a segment is neither a literal nor a whole `{param}`");
        } else {
            segments.push(Segment::Literal(segment));
        }
    }
    Ok((method, segments))
}

impl Router {
    /// Adds the routes of the resource at index `resource`, refusing a malformed spec key or a
    /// route another resource (or this one) already answers.
    pub(crate) fn add(
        &mut self,
        resource: usize,
        entry: &Resource,
        owners: &[Resource],
    ) -> Result<(), RegistryError> {
        let mut staged: Vec<(Method, Compiled)> = Vec::new();
        for (index, route) in entry.routes().iter().enumerate() {
            let (method, segments) =
                parse(route.spec_key()).map_err(|reason| RegistryError::BadSpecKey {
                    object: entry.object(),
                    spec_key: route.spec_key(),
                    reason,
                })?;
            let clash = self
                .table
                .get(&(method.clone(), segments.len()))
                .into_iter()
                .flatten()
                .map(|c| (c.segments.as_slice(), owners.get(c.resource)))
                .chain(
                    staged
                        .iter()
                        .filter(|(m, _)| *m == method)
                        .map(|(_, c)| (c.segments.as_slice(), Some(entry))),
                )
                .find(|(other, _)| *other == segments.as_slice());
            if let Some((_, owner)) = clash {
                return Err(RegistryError::DuplicateRoute {
                    spec_key: route.spec_key(),
                    object: entry.object(),
                    registered_by: owner.map_or(entry.object(), Resource::object),
                });
            }
            let compiled = Compiled {
                segments,
                resource,
                route: index,
                accepted: accepted(route),
            };
            staged.push((method, compiled));
        }
        for (method, compiled) in staged {
            let slot = self
                .table
                .entry((method, compiled.segments.len()))
                .or_default();
            slot.push(compiled);
            // Literal segments before parameters, position by position.
            slot.sort_by(|a, b| {
                let rank = |c: &Compiled| -> Vec<bool> {
                    c.segments.iter().map(|s| *s == Segment::Param).collect()
                };
                rank(a).cmp(&rank(b))
            });
        }
        Ok(())
    }

    /// The route a request's method and path name, `None` for an unrecognized URL.
    pub(crate) fn find(&self, method: &Method, path: &str) -> Option<Matched> {
        let count = split(path).count();
        let candidates = self.table.get(&(method.clone(), count))?;
        'routes: for compiled in candidates {
            let mut path_params = Vec::new();
            for (segment, given) in compiled.segments.iter().zip(split(path)) {
                match segment {
                    Segment::Literal(word) if *word == given => {}
                    Segment::Param if !given.is_empty() && given != RESERVED => {
                        path_params.push(given.to_owned());
                    }
                    _ => continue 'routes,
                }
            }
            return Some(Matched {
                resource: compiled.resource,
                route: compiled.route,
                path_params,
                accepted: compiled.accepted,
            });
        }
        None
    }
}

/// The parameters a route accepts: its own list, else the spec's for its key.
fn accepted(route: &Route) -> &'static [&'static str] {
    route.params().unwrap_or_else(|| {
        SPEC_PARAMS
            .iter()
            .find(|(key, _)| *key == route.spec_key())
            .map_or(&[], |(_, names)| *names)
    })
}
