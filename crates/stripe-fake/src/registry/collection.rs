//! [`Collection`]: the objects of one resource, oldest first, indexed by id.

use std::collections::{HashMap, HashSet};

use serde_json::{Value, json};

use crate::model::ApiError;

/// The objects of one resource (`charge`, `customer`, ...), oldest first, indexed by id.
///
/// It answers Stripe's `resource_missing` itself: [`Collection::get`] and
/// [`Collection::update`] give a 404 naming the object for an id taken from the path,
/// [`Collection::named`] a 400 naming the parameter for an id given as a parameter. A removed
/// object leaves a tombstone, so a retrieve of it answers Stripe's `{"id", "object",
/// "deleted": true}` ([`Collection::deleted_stub`]). Beside an object, a handler may keep data
/// of its own that is never answered ([`Collection::set_private`]): a Checkout Session's line
/// items and what it passes on to the intent it creates.
#[derive(Debug, Clone)]
pub struct Collection {
    object: &'static str,
    items: Vec<Value>,
    index: HashMap<String, usize>,
    deleted: HashSet<String>,
    private: HashMap<String, Value>,
}

impl Collection {
    /// An empty collection of objects named `object` (`"charge"`).
    pub(crate) fn new(object: &'static str) -> Self {
        Self {
            object,
            items: Vec::new(),
            index: HashMap::new(),
            deleted: HashSet::new(),
            private: HashMap::new(),
        }
    }

    /// The object name (`"charge"`), as error messages and `object` members spell it.
    pub fn object(&self) -> &'static str {
        self.object
    }

    /// The live objects, oldest first.
    pub fn as_slice(&self) -> &[Value] {
        &self.items
    }

    /// How many live objects there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there is no live object.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The live object with this id, if any.
    pub fn find(&self, id: &str) -> Option<&Value> {
        self.index.get(id).and_then(|&i| self.items.get(i))
    }

    /// The live object with this id, mutable, if any.
    pub fn find_mut(&mut self, id: &str) -> Option<&mut Value> {
        self.index.get(id).and_then(|&i| self.items.get_mut(i))
    }

    /// Whether a live object has this id.
    pub fn contains(&self, id: &str) -> bool {
        self.index.contains_key(id)
    }

    /// Whether an object with this id was removed.
    pub fn is_deleted(&self, id: &str) -> bool {
        self.deleted.contains(id)
    }

    /// The object named by an id in the path, or 404 `resource_missing`.
    pub fn get(&self, id: &str) -> Result<&Value, ApiError> {
        self.named(id, "id")
    }

    /// The object named by an id in the path, mutable, or 404 `resource_missing`.
    pub fn get_mut(&mut self, id: &str) -> Result<&mut Value, ApiError> {
        let object = self.object;
        self.find_mut(id)
            .ok_or_else(|| ApiError::no_such(object, id, "id"))
    }

    /// The object named by parameter `param`, or `resource_missing` (400 naming `param`; 404
    /// when `param` is `"id"`, the path's id).
    pub fn named(&self, id: &str, param: &str) -> Result<&Value, ApiError> {
        self.find(id)
            .ok_or_else(|| ApiError::no_such(self.object, id, param))
    }

    /// Stripe's answer for a removed object: `{"id", "object", "deleted": true}`, if `id` was
    /// removed.
    pub fn deleted_stub(&self, id: &str) -> Option<Value> {
        self.is_deleted(id)
            .then(|| json!({"id": id, "object": self.object, "deleted": true}))
    }

    /// The find-then-update idiom, once: applies `change` to the object with this id and answers
    /// a copy of it as changed; 404 `resource_missing` when there is none. An error from
    /// `change` is answered as it is (what `change` did before it is kept).
    pub fn update(
        &mut self,
        id: &str,
        change: impl FnOnce(&mut Value) -> Result<(), ApiError>,
    ) -> Result<Value, ApiError> {
        let object = self.get_mut(id)?;
        change(object)?;
        Ok(object.clone())
    }

    /// Stores a new object (its `id` member names it) as the newest, and answers a copy.
    ///
    /// An object without a string `id`, or with the id of a live object, is refused with a 500
    /// `api_error` (a handler's mistake, answered rather than stored).
    pub fn insert(&mut self, object: Value) -> Result<Value, ApiError> {
        self.push(object.clone())?;
        Ok(object)
    }

    /// Stores a new object as the newest, as [`Collection::insert`] does, without answering a
    /// copy (for objects no answer shows, such as the many events of a test clock's advance).
    pub fn push(&mut self, object: Value) -> Result<(), ApiError> {
        let Some(id) = object["id"].as_str().map(str::to_owned) else {
            return Err(ApiError::internal(format!(
                "a new {} has no string `id`",
                self.object
            )));
        };
        if self.contains(&id) {
            return Err(ApiError::internal(format!(
                "a {} with id {id} exists already",
                self.object
            )));
        }
        self.index.insert(id, self.items.len());
        self.items.push(object);
        Ok(())
    }

    /// Removes the object with this id (leaving a tombstone) and answers it; 404
    /// `resource_missing` when there is none.
    pub fn remove(&mut self, id: &str) -> Result<Value, ApiError> {
        let removed = self.discard(id)?;
        self.deleted.insert(id.to_owned());
        Ok(removed)
    }

    /// Takes back an object that was never answered (a creation that failed half-way): no
    /// tombstone is left.
    pub(crate) fn discard(&mut self, id: &str) -> Result<Value, ApiError> {
        let at = *self
            .index
            .get(id)
            .ok_or_else(|| ApiError::no_such(self.object, id, "id"))?;
        let removed = self.items.remove(at);
        self.index.remove(id);
        self.private.remove(id);
        for slot in self.index.values_mut() {
            if *slot > at {
                *slot -= 1;
            }
        }
        Ok(removed)
    }

    /// Keeps `data` beside the live object with this id, replacing what was kept before; it is
    /// never part of an answer, and goes with the object. 404 `resource_missing` when there is no
    /// such object.
    pub fn set_private(&mut self, id: &str, data: Value) -> Result<(), ApiError> {
        self.get(id)?;
        self.private.insert(id.to_owned(), data);
        Ok(())
    }

    /// The data kept beside the live object with this id, if any.
    pub fn private(&self, id: &str) -> Option<&Value> {
        self.private.get(id)
    }

    /// Every live object, mutable, oldest first (for changes that span objects, e.g. clearing a
    /// detached payment method from every customer).
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.items.iter_mut()
    }
}
