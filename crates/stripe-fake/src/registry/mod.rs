//! The resource registry: one entry per kind of Stripe object, and the model and router as
//! lookups in it.
//!
//! A [`Resource`] declares everything about one kind of object: its object name and id prefix,
//! its [`Route`]s (each with its spec key, [`Handler`], [`Validator`] and accepted parameters),
//! its searchable and expandable fields, its list filters and the events it emits. The
//! [`Model`] keeps one [`Collection`] per resource (indexed by id; it answers
//! `resource_missing` itself); the router matches a request's method and path against every
//! route; `GET .../search`, `expand[]`, the Search index and [`Model::find`] read the entries.
//! Idempotency, authentication, validation against Stripe's parameter lists, expansion, events
//! and webhooks apply to every resource alike, built in or not.
//!
//! # Adding a resource to the fake
//! One new file and one line:
//! 1. `src/model/<things>.rs` with a `pub(crate) fn resource() -> Resource` declaring the
//!    entry, and its handlers (generic ones for retrieve, list, search and delete:
//!    [`Route::retrieve`], [`Route::list`], [`Route::search`], [`Route::delete`]);
//! 2. its name in the `resources!` list of `src/model/mod.rs` (the registration).
//!
//! If its endpoints are new to the vendored OpenAPI subset, extend `tests/spec/extract.py` so
//! that `spec_params.rs` lists their parameters and the spec tour checks their answers.
//!
//! # A resource defined outside this crate
//! Build it the same way and register it on a copy of the built-in registry:
//! [`Registry::builtin`]`().`[`with_resource`](Registry::with_resource)`(resource)?`, then
//! [`Model::with_registry`] or `ServerOptions { registry, .. }`
//! ([`crate::server::ServerOptions::registry`]). Its handlers use the model's public API:
//! [`Model::collection_mut`], [`Model::next_id`], [`Model::record_event`], [`Model::find`].
//! A resource whose endpoints are not in Stripe's spec names its parameters with
//! [`Route::with_params`].

mod call;
mod collection;
pub(crate) mod handlers;
mod resource;
mod router;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, OnceLock};

use http::Method;

pub use call::Call;
pub use collection::Collection;
pub use resource::{Handler, Resource, Route, Validator};
pub(crate) use router::Matched;
use router::Router;

#[cfg(doc)]
use crate::model::Model;

/// Why a resource was refused by [`Registry::with_resource`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegistryError {
    /// Another resource has this object name.
    DuplicateObject {
        /// The object name.
        object: &'static str,
    },
    /// The id prefix is not lowercase letters and digits followed by `_` (`"ch_"`).
    BadPrefix {
        /// The resource.
        object: &'static str,
        /// The prefix given.
        prefix: &'static str,
    },
    /// Another resource's ids start the same way (ids are found by the part before the first
    /// `_`).
    DuplicatePrefix {
        /// The resource refused.
        object: &'static str,
        /// Its prefix.
        prefix: &'static str,
        /// The resource that has it.
        registered_by: &'static str,
    },
    /// A spec key is not `METHOD /path` with whole `{param}` segments.
    BadSpecKey {
        /// The resource.
        object: &'static str,
        /// The spec key given.
        spec_key: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A route with the same method and path shape is answered already.
    DuplicateRoute {
        /// The route refused.
        spec_key: &'static str,
        /// Its resource.
        object: &'static str,
        /// The resource that answers it.
        registered_by: &'static str,
    },
}

impl fmt::Display for RegistryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DuplicateObject { object } => {
                write!(f, "resource `{object}` is registered already")
            }
            Self::BadPrefix { object, prefix } => write!(
                f,
                "resource `{object}`: id prefix `{prefix}` must be lowercase letters or digits followed by `_`"
            ),
            Self::DuplicatePrefix {
                object,
                prefix,
                registered_by,
            } => write!(
                f,
                "resource `{object}`: ids with prefix `{prefix}` belong to `{registered_by}` already"
            ),
            Self::BadSpecKey {
                object,
                spec_key,
                reason,
            } => write!(f, "resource `{object}`: route `{spec_key}`: {reason}"),
            Self::DuplicateRoute {
                spec_key,
                object,
                registered_by,
            } => write!(
                f,
                "resource `{object}`: route `{spec_key}` is answered by `{registered_by}` already"
            ),
        }
    }
}

impl std::error::Error for RegistryError {}

/// The resources a [`Model`] serves: the built-in ones ([`Registry::builtin`]) and any added
/// with [`Registry::with_resource`].
#[derive(Debug, Clone, Default)]
pub struct Registry {
    resources: Vec<Resource>,
    by_object: HashMap<&'static str, usize>,
    /// The part of an id before its first `_`, with the `_` (`"ch_"`), to its resource.
    by_prefix: HashMap<&'static str, usize>,
    router: Router,
}

/// The id's part up to and including its first `_` (`"cs_"` of `"cs_test_..."`).
fn head(id: &str) -> Option<&str> {
    id.find('_').map(|at| &id[..=at])
}

impl Registry {
    /// A registry with no resource.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The fake's own resources (customers, charges, payment intents, ...).
    pub fn builtin() -> Self {
        Self::clone(&Self::shared_builtin())
    }

    /// The built-in registry, built once per process.
    pub(crate) fn shared_builtin() -> Arc<Self> {
        static BUILTIN: OnceLock<Arc<Registry>> = OnceLock::new();
        Arc::clone(BUILTIN.get_or_init(|| {
            let mut registry = Self::empty();
            for resource in crate::model::builtin_resources() {
                let added = registry.add(resource);
                debug_assert!(added.is_ok(), "built-in resource refused: {added:?}");
            }
            Arc::new(registry)
        }))
    }

    /// This registry with one more resource, or why it was refused (its object name, id
    /// prefix or one of its routes is taken, or a spec key is malformed); nothing is added then.
    pub fn with_resource(mut self, resource: Resource) -> Result<Self, RegistryError> {
        self.add(resource)?;
        Ok(self)
    }

    fn add(&mut self, resource: Resource) -> Result<(), RegistryError> {
        let object = resource.object();
        if self.by_object.contains_key(object) {
            return Err(RegistryError::DuplicateObject { object });
        }
        let prefix_key = match resource.prefix() {
            None => None,
            Some(prefix) => {
                let well_formed = prefix.len() > 1
                    && prefix.ends_with('_')
                    && prefix
                        .bytes()
                        .all(|b| b == b'_' || b.is_ascii_lowercase() || b.is_ascii_digit());
                let key = head(prefix)
                    .filter(|_| well_formed)
                    .ok_or(RegistryError::BadPrefix { object, prefix })?;
                if let Some(&other) = self.by_prefix.get(key) {
                    return Err(RegistryError::DuplicatePrefix {
                        object,
                        prefix,
                        registered_by: self.resources.get(other).map_or("", Resource::object),
                    });
                }
                Some(key)
            }
        };
        let index = self.resources.len();
        self.router.add(index, &resource, &self.resources)?;
        if let Some(key) = prefix_key {
            self.by_prefix.insert(key, index);
        }
        self.by_object.insert(object, index);
        self.resources.push(resource);
        Ok(())
    }

    /// Every resource, in registration order.
    pub fn resources(&self) -> &[Resource] {
        &self.resources
    }

    /// The resource with this object name.
    pub fn resource(&self, object: &str) -> Option<&Resource> {
        self.index_of(object).and_then(|i| self.resources.get(i))
    }

    /// The resource whose prefix starts this id.
    pub fn resource_of_id(&self, id: &str) -> Option<&Resource> {
        self.index_of_id(id).and_then(|i| self.resources.get(i))
    }

    pub(crate) fn index_of(&self, object: &str) -> Option<usize> {
        self.by_object.get(object).copied()
    }

    pub(crate) fn index_of_id(&self, id: &str) -> Option<usize> {
        head(id).and_then(|key| self.by_prefix.get(key).copied())
    }

    pub(crate) fn route(&self, method: &Method, path: &str) -> Option<Matched> {
        self.router.find(method, path)
    }
}
