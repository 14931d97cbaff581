//! The pure model of the Stripe API: no sockets, no clock of its own, deterministic.
//!
//! Every call takes the model's clock (`now`) as an argument; identifiers come from the seed
//! given to [`Model::new`] and a counter. Requests are `http::Request<Bytes>` with form-encoded
//! bodies (JSON for API v2, see `v2.rs`), responses `http::Response<Bytes>` with JSON bodies.

mod auth;
mod authentication;
mod billing;
mod dispatch;
pub(crate) mod errors;
mod expand;
mod idempotency;
pub(crate) mod list;
mod multipart;
mod objects;
mod params;
mod phases;
pub(crate) mod search;
mod search_index;
pub(crate) mod spec_params;
mod v2;

/// The built-in resources: one module each, registered in this order. Adding a resource to the
/// fake is one new file and its name here (see [`crate::registry`]).
macro_rules! resources {
    ($($name:ident),* $(,)?) => {
        $(mod $name;)*

        /// Every built-in resource's registry entry.
        pub(crate) fn builtin_resources() -> Vec<Resource> {
            vec![$($name::resource()),*]
        }
    };
}

resources! {
    balance,
    customers,
    cards,
    charges,
    payment_intents,
    refunds,
    payment_methods,
    setup_intents,
    disputes,
    events,
    products,
    prices,
    coupons,
    test_clocks,
    subscriptions, invoices, invoice_items,
    checkout_sessions,
    v2_core_events,
    v2_core_accounts,
    v2_core_event_destinations,
    v2_billing_meter_events,
    files,
}

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use serde::Serialize;
use serde_json::Value;

use crate::ids::IdGen;
use crate::registry::{Collection, Matched, Registry, Resource};
pub use authentication::ChallengeOutcome;
pub use checkout_sessions::CheckoutPayer;
pub use errors::ApiError;
pub(crate) use files::MAX_UPLOAD_BODY;
pub use idempotency::KEY_LIFETIME;
use idempotency::{Slot, Store};
pub use multipart::UploadedFile;
pub use params::Params;
use search_index::SearchIndex;

/// The kinds of objects the model can count with [`Model::count`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// Live (not deleted) customers.
    Customer,
    /// All charges, failed ones included (a declined card still creates a charge).
    Charge,
    /// Charges with `status: "succeeded"`.
    SuccessfulCharge,
    /// Payment intents.
    PaymentIntent,
    /// Refunds.
    Refund,
    /// Payment methods (`pm_...`), attached or not.
    PaymentMethod,
    /// Setup intents.
    SetupIntent,
    /// Events recorded (`evt_...`).
    Event,
    /// Idempotency keys currently held (finished or in flight).
    IdempotencyKey,
}

/// One request as the model saw it, for test assertions and `GET /_fake/log`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// The `request-id` given to this request (`req_...`).
    pub request_id: String,
    /// HTTP method.
    pub method: String,
    /// Request path, without query string.
    pub path: String,
    /// The `Idempotency-Key` header, if any.
    pub idempotency_key: Option<String>,
    /// The name of the injected fault (`"drop_after"`, `"status"`, ...), if any.
    pub fault: Option<String>,
    /// The status answered; `None` when no answer was given (dropped, hanging, deferred, or
    /// still executing).
    pub status: Option<u16>,
    /// Whether the answer was an idempotent replay.
    pub replayed: bool,
    /// Whether the request was executed (reached the endpoint's logic).
    pub executed: bool,
}

/// The first phase of a request: answered at once, or admitted and holding its key's lock.
#[derive(Debug)]
#[must_use = "an Executing request holds its idempotency key until finished or abandoned"]
pub enum Begin {
    /// Answered without executing: an error raised before execution (401, 404 route, 400
    /// validation, 400/409 idempotency), or an idempotent replay.
    Respond(Response<Bytes>),
    /// Admitted: its idempotency key (if any) is locked as in flight until
    /// [`Model::finish`] or [`Model::abandon`].
    Executing(Pending),
}

/// A request admitted by [`Model::begin`] and not executed yet. Not `Clone`: it is finished once.
#[derive(Debug)]
pub struct Pending {
    request_id: String,
    log_index: usize,
    route: Matched,
    params: Params,
    slot: Option<Slot>,
    /// The `Stripe-Context` header, if any (named by the v2 events it records).
    context: Option<String>,
}

impl Pending {
    /// The `request-id` this request will be answered with.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The idempotency key it holds, if any.
    pub fn idempotency_key(&self) -> Option<&str> {
        self.slot.as_ref().map(|(_, key)| key.as_str())
    }
}

/// How a pending request ends.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Completion {
    /// Answer with what the endpoint produced.
    Normal,
    /// Execute, then answer (and store) a 500 instead, with an optional `Stripe-Should-Retry`.
    ServerError(Option<bool>),
}

/// The fake Stripe account: its objects (one [`Collection`] per resource of its
/// [`Registry`]), idempotency keys and request log.
#[derive(Debug)]
pub struct Model {
    ids: IdGen,
    registry: Arc<Registry>,
    /// One per resource of the registry, in its order.
    collections: Vec<Collection>,
    /// The request being executed: its id and idempotency key (named by the events it records).
    pub(crate) current_request: Option<(String, Option<String>)>,
    /// The `Stripe-Context` of the request being executed (a v2 event's `context`).
    pub(crate) current_context: Option<String>,
    keys: Store,
    log: Vec<LogEntry>,
    /// What Search sees when it trails writes ([`Model::set_search_lag`]).
    pub(crate) search_index: SearchIndex,
    /// Where the fake is served (`http://127.0.0.1:PORT`), for the URLs that point at it.
    base_url: Option<String>,
    /// The uploaded files' contents, by file id: their content type and bytes.
    contents: HashMap<String, (String, Bytes)>,
    /// What the request being executed answers instead of JSON (a file's contents).
    raw_answer: Option<(String, Bytes)>,
}

/// Seconds since the Unix epoch of the model's clock (0 before the epoch).
pub(crate) fn unix(now: SystemTime) -> i64 {
    now.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Model {
    /// A new, empty account of the built-in resources whose identifiers derive from `seed`.
    pub fn new(seed: u64) -> Self {
        Self::with_shared_registry(seed, Registry::shared_builtin())
    }

    /// A new, empty account serving the resources of `registry` (the built-in ones and any a
    /// caller added: see [`crate::registry`]), whose identifiers derive from `seed`.
    pub fn with_registry(seed: u64, registry: Registry) -> Self {
        Self::with_shared_registry(seed, Arc::new(registry))
    }

    fn with_shared_registry(seed: u64, registry: Arc<Registry>) -> Self {
        let collections = registry
            .resources()
            .iter()
            .map(|r| Collection::new(r.object()))
            .collect();
        Self {
            ids: IdGen::new(seed),
            registry,
            collections,
            current_request: None,
            current_context: None,
            keys: Store::default(),
            log: Vec::new(),
            search_index: SearchIndex::default(),
            base_url: None,
            contents: HashMap::new(),
            raw_answer: None,
        }
    }

    /// The resources this account serves.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub(crate) fn shared_registry(&self) -> Arc<Registry> {
        Arc::clone(&self.registry)
    }

    /// Sets where the fake is served (`http://127.0.0.1:PORT`): the URLs it hands out that
    /// point at itself (a Checkout Session's `url`) start with it.
    pub(crate) fn set_base_url(&mut self, base_url: String) {
        self.base_url = Some(base_url);
    }

    /// Where the fake is served, if it is.
    pub(crate) fn base_url(&self) -> Option<&str> {
        self.base_url.as_deref()
    }

    /// Answers one request completely: [`Model::begin`] then, if admitted, [`Model::finish`].
    pub fn handle(&mut self, req: &Request<Bytes>, now: SystemTime) -> Response<Bytes> {
        match self.begin(req, now) {
            Begin::Respond(resp) => resp,
            Begin::Executing(pending) => self.finish(pending, now),
        }
    }

    /// First phase: authenticates, routes, checks the idempotency key and validates the
    /// parameters. Errors found here are not stored under the key, so a retry re-executes.
    pub fn begin(&mut self, req: &Request<Bytes>, now: SystemTime) -> Begin {
        self.begin_with_fault(req, now, None)
    }

    /// Second phase: executes the request, stores its result under its idempotency key (any
    /// status, 402 and 5xx included) and answers.
    pub fn finish(&mut self, pending: Pending, now: SystemTime) -> Response<Bytes> {
        self.complete(pending, now, Completion::Normal)
    }

    /// Gives up a pending request without executing it: its key is unlocked and not stored.
    pub fn abandon(&mut self, pending: Pending) {
        if let Some(slot) = &pending.slot {
            self.keys.release(slot);
        }
    }

    /// The objects of a resource (`"charge"`), oldest first, as stored; empty for a name no
    /// resource has. Events are stored with their snapshot as JSON text: read them with
    /// [`Model::events`].
    pub fn objects(&self, object: &str) -> &[Value] {
        self.collection(object).map_or(&[], Collection::as_slice)
    }

    /// The collection of a resource (`"charge"`); a 500 `api_error` for a name no resource has.
    pub fn collection(&self, object: &str) -> Result<&Collection, ApiError> {
        self.registry
            .index_of(object)
            .and_then(|i| self.collections.get(i))
            .ok_or_else(|| unregistered(object))
    }

    /// The collection of a resource, mutable; a 500 `api_error` for a name no resource has.
    pub fn collection_mut(&mut self, object: &str) -> Result<&mut Collection, ApiError> {
        self.registry
            .index_of(object)
            .and_then(|i| self.collections.get_mut(i))
            .ok_or_else(|| unregistered(object))
    }

    /// Every collection with its resource, in registration order.
    pub(crate) fn collections(&self) -> impl Iterator<Item = (&Resource, &Collection)> {
        self.registry.resources().iter().zip(&self.collections)
    }

    /// Live customers, oldest first.
    pub fn customers(&self) -> &[Value] {
        self.objects("customer")
    }

    /// All charges (failed ones included), oldest first.
    pub fn charges(&self) -> &[Value] {
        self.objects("charge")
    }

    /// Payment intents, oldest first.
    pub fn payment_intents(&self) -> &[Value] {
        self.objects("payment_intent")
    }

    /// Refunds, oldest first.
    pub fn refunds(&self) -> &[Value] {
        self.objects("refund")
    }

    /// Payment methods (`pm_...`), oldest first.
    pub fn payment_methods(&self) -> &[Value] {
        self.objects("payment_method")
    }

    /// Setup intents, oldest first.
    pub fn setup_intents(&self) -> &[Value] {
        self.objects("setup_intent")
    }

    /// Number of charges whose `status` is `succeeded`.
    pub fn successful_charges(&self) -> usize {
        self.count(Kind::SuccessfulCharge)
    }

    /// How many objects of a kind exist.
    pub fn count(&self, kind: Kind) -> usize {
        let object = match kind {
            Kind::Customer => "customer",
            Kind::Charge => "charge",
            Kind::SuccessfulCharge => {
                return self
                    .charges()
                    .iter()
                    .filter(|c| c["status"] == "succeeded")
                    .count();
            }
            Kind::PaymentIntent => "payment_intent",
            Kind::Refund => "refund",
            Kind::PaymentMethod => "payment_method",
            Kind::SetupIntent => "setup_intent",
            Kind::Event => "event",
            Kind::IdempotencyKey => return self.keys.len(),
        };
        self.objects(object).len()
    }

    /// Any live object by id, found by its prefix (`cus_`, `ch_`, `pi_`, `re_`, `pm_`, `card_`,
    /// `seti_`, `evt_`, and those of added resources).
    pub fn find(&self, id: &str) -> Option<&Value> {
        let index = self.registry.index_of_id(id)?;
        self.collections.get(index)?.find(id)
    }

    /// Any live object by id, mutable.
    pub(crate) fn find_mut(&mut self, id: &str) -> Option<&mut Value> {
        let index = self.registry.index_of_id(id)?;
        self.collections.get_mut(index)?.find_mut(id)
    }

    /// Every request seen, in arrival order.
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    /// The bytes of an uploaded file (`file_...`), as they were uploaded.
    pub fn file_contents(&self, id: &str) -> Option<&[u8]> {
        self.contents.get(id).map(|(_, bytes)| &bytes[..])
    }

    /// Keeps an uploaded file's bytes and content type.
    pub(crate) fn store_contents(&mut self, id: &str, content_type: &str, bytes: Bytes) {
        self.contents
            .insert(id.to_owned(), (content_type.to_owned(), bytes));
    }

    /// An uploaded file's content type and bytes.
    pub(crate) fn contents(&self, id: &str) -> Option<&(String, Bytes)> {
        self.contents.get(id)
    }

    /// Answers the request being executed with `bytes` of `content_type` instead of its
    /// handler's JSON (a file's contents).
    pub(crate) fn answer_bytes(&mut self, content_type: &str, bytes: Bytes) {
        self.raw_answer = Some((content_type.to_owned(), bytes));
    }

    /// A new identifier with this prefix (`"ch_"`), from the model's seed and counter.
    pub fn next_id(&mut self, prefix: &str) -> String {
        self.ids.next(prefix)
    }
}

fn unregistered(object: &str) -> ApiError {
    ApiError::internal(format!("no resource `{object}` is registered"))
}
