//! The Search index's lag behind writes.
//!
//! Stripe's Search is eventually consistent: its index "usually" trails writes by under a
//! minute, by up to an hour during outages, while lists and retrieves read the objects
//! themselves. With a lag set ([`Model::set_search_lag`]), the model remembers each version of
//! every searchable object (of the resources with searchable fields: customers, charges, payment
//! intents and any added one) with the model time (the `now`
//! of the request) at which it was written. A search at `now` sees, for each object, its newest
//! version written at or before `now - lag`: an object created later is absent, and later
//! updates (metadata, `status`, `refunded`, ...) are not seen yet. Two simplifications: a
//! deleted customer leaves search results at once, and objects present when the lag is first
//! set count as written at their `created` second, in their state at that moment.
//!
//! With no lag (the default) nothing is recorded and searches read the objects directly.

use std::collections::HashMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::Model;

/// Versions of the searchable objects, kept while a lag is set.
#[derive(Debug, Default)]
pub(crate) struct SearchIndex {
    lag: Duration,
    /// Object id to its versions, oldest first, each with the model time it was written.
    versions: HashMap<String, Vec<(SystemTime, Value)>>,
}

impl SearchIndex {
    /// Records the objects' current state as written at `now`, for those that changed.
    fn record<'a>(&mut self, objects: impl Iterator<Item = &'a Value>, now: SystemTime) {
        if self.lag.is_zero() {
            return;
        }
        for object in objects {
            let Some(id) = object["id"].as_str() else {
                continue;
            };
            let versions = self.versions.entry(id.to_owned()).or_default();
            if versions.last().is_none_or(|(_, last)| last != object) {
                versions.push((now, object.clone()));
            }
        }
    }

    /// The version of `object` that a search at `now` sees; `None` if it is not indexed yet.
    pub(crate) fn visible<'a>(&'a self, object: &'a Value, now: SystemTime) -> Option<&'a Value> {
        if self.lag.is_zero() {
            return Some(object);
        }
        let cutoff = now.checked_sub(self.lag)?;
        self.versions
            .get(object["id"].as_str()?)?
            .iter()
            .rev()
            .find(|(written, _)| *written <= cutoff)
            .map(|(_, version)| version)
    }
}

impl Model {
    /// Sets how far Search trails writes (default zero: searches see every write at once).
    ///
    /// A search at `now` sees each customer, charge and payment intent as it was at
    /// `now - lag` in the model's clock: objects created later are absent, later updates
    /// (metadata included) not seen yet. Lists and retrieves are unaffected. Setting zero
    /// forgets the recorded versions.
    pub fn set_search_lag(&mut self, lag: Duration) {
        if lag.is_zero() {
            self.search_index.versions.clear();
        } else if self.search_index.lag.is_zero() {
            let mut versions = HashMap::new();
            for object in self.searchable_objects() {
                let Some(id) = object["id"].as_str() else {
                    continue;
                };
                let created = object["created"]
                    .as_u64()
                    .map_or(UNIX_EPOCH, |s| UNIX_EPOCH + Duration::from_secs(s));
                versions.insert(id.to_owned(), vec![(created, object.clone())]);
            }
            self.search_index.versions = versions;
        }
        self.search_index.lag = lag;
    }

    /// How far Search trails writes.
    pub fn search_lag(&self) -> Duration {
        self.search_index.lag
    }

    /// Records what an executed request wrote, as of `now` (nothing without a lag).
    pub(crate) fn record_search_versions(&mut self, now: SystemTime) {
        if self.search_index.lag.is_zero() {
            return;
        }
        let mut index = std::mem::take(&mut self.search_index);
        index.record(self.searchable_objects(), now);
        self.search_index = index;
    }

    /// The objects of every searchable resource.
    fn searchable_objects(&self) -> impl Iterator<Item = &Value> {
        self.collections()
            .filter(|(resource, _)| !resource.searchable().is_empty())
            .flat_map(|(_, objects)| objects.as_slice())
    }
}
