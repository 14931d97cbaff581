//! The pure model of the Stripe API: no sockets, no clock of its own, deterministic.
//!
//! Every call takes the model's clock (`now`) as an argument; identifiers come from the seed
//! given to [`Model::new`] and a counter. Requests are `http::Request<Bytes>` with form-encoded
//! bodies, responses `http::Response<Bytes>` with JSON bodies.

mod auth;
mod balance;
mod cards;
mod charges;
mod customers;
pub(crate) mod errors;
mod events;
mod expand;
mod idempotency;
mod list;
mod objects;
mod params;
mod payment_intents;
mod payment_methods;
mod phases;
mod refunds;
mod router;
mod search;
mod search_index;
mod setup_intents;
mod spec_params;

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::{Request, Response};
use serde::Serialize;
use serde_json::Value;

use crate::ids::IdGen;
pub use idempotency::KEY_LIFETIME;
use idempotency::{Slot, Store};
use params::Params;
use router::Route;
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
    route: Route,
    params: Params,
    slot: Option<Slot>,
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

/// The fake Stripe account: its objects, idempotency keys and request log.
#[derive(Debug)]
pub struct Model {
    ids: IdGen,
    pub(crate) customers: Vec<Value>,
    pub(crate) deleted_customers: BTreeSet<String>,
    pub(crate) charges: Vec<Value>,
    pub(crate) payment_intents: Vec<Value>,
    pub(crate) refunds: Vec<Value>,
    /// Card sources (`card_...`) made from tokens, on customers or used by one charge.
    pub(crate) cards: Vec<Value>,
    pub(crate) payment_methods: Vec<Value>,
    pub(crate) setup_intents: Vec<Value>,
    pub(crate) events: Vec<Value>,
    /// The request being executed: its id and idempotency key (named by the events it records).
    pub(crate) current_request: Option<(String, Option<String>)>,
    keys: Store,
    log: Vec<LogEntry>,
    /// What Search sees when it trails writes ([`Model::set_search_lag`]).
    pub(crate) search_index: SearchIndex,
}

/// Seconds since the Unix epoch of the model's clock (0 before the epoch).
pub(crate) fn unix(now: SystemTime) -> i64 {
    now.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

impl Model {
    /// A new, empty account whose identifiers derive from `seed`.
    pub fn new(seed: u64) -> Self {
        Self {
            ids: IdGen::new(seed),
            customers: Vec::new(),
            deleted_customers: BTreeSet::new(),
            charges: Vec::new(),
            payment_intents: Vec::new(),
            refunds: Vec::new(),
            cards: Vec::new(),
            payment_methods: Vec::new(),
            setup_intents: Vec::new(),
            events: Vec::new(),
            current_request: None,
            keys: Store::default(),
            log: Vec::new(),
            search_index: SearchIndex::default(),
        }
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

    /// Live customers, oldest first.
    pub fn customers(&self) -> &[Value] {
        &self.customers
    }

    /// All charges (failed ones included), oldest first.
    pub fn charges(&self) -> &[Value] {
        &self.charges
    }

    /// Payment intents, oldest first.
    pub fn payment_intents(&self) -> &[Value] {
        &self.payment_intents
    }

    /// Refunds, oldest first.
    pub fn refunds(&self) -> &[Value] {
        &self.refunds
    }

    /// Payment methods (`pm_...`), oldest first.
    pub fn payment_methods(&self) -> &[Value] {
        &self.payment_methods
    }

    /// Setup intents, oldest first.
    pub fn setup_intents(&self) -> &[Value] {
        &self.setup_intents
    }

    /// Events (`charge.succeeded`, `payment_intent.created`, ...), oldest first: what a
    /// webhook endpoint would be sent.
    pub fn events(&self) -> &[Value] {
        &self.events
    }

    /// Number of charges whose `status` is `succeeded`.
    pub fn successful_charges(&self) -> usize {
        self.count(Kind::SuccessfulCharge)
    }

    /// How many objects of a kind exist.
    pub fn count(&self, kind: Kind) -> usize {
        match kind {
            Kind::Customer => self.customers.len(),
            Kind::Charge => self.charges.len(),
            Kind::SuccessfulCharge => self
                .charges
                .iter()
                .filter(|c| c["status"] == "succeeded")
                .count(),
            Kind::PaymentIntent => self.payment_intents.len(),
            Kind::Refund => self.refunds.len(),
            Kind::PaymentMethod => self.payment_methods.len(),
            Kind::SetupIntent => self.setup_intents.len(),
            Kind::Event => self.events.len(),
            Kind::IdempotencyKey => self.keys.len(),
        }
    }

    /// Any live object by id (`cus_`, `ch_`, `pi_`, `re_`, `pm_`, `card_`, `seti_`, `evt_`).
    pub fn find(&self, id: &str) -> Option<&Value> {
        let objects = match id.split_once('_').map(|(prefix, _)| prefix) {
            Some("cus") => &self.customers,
            Some("ch") => &self.charges,
            Some("pi") => &self.payment_intents,
            Some("re") => &self.refunds,
            Some("pm") => &self.payment_methods,
            Some("card") => &self.cards,
            Some("seti") => &self.setup_intents,
            Some("evt") => &self.events,
            _ => return None,
        };
        objects.iter().rev().find(|o| o["id"] == id)
    }

    /// Any live object by id, mutable.
    pub(crate) fn find_mut(&mut self, id: &str) -> Option<&mut Value> {
        let objects = match id.split_once('_').map(|(prefix, _)| prefix) {
            Some("cus") => &mut self.customers,
            Some("ch") => &mut self.charges,
            Some("pi") => &mut self.payment_intents,
            Some("re") => &mut self.refunds,
            Some("pm") => &mut self.payment_methods,
            Some("card") => &mut self.cards,
            Some("seti") => &mut self.setup_intents,
            _ => return None,
        };
        objects.iter_mut().rev().find(|o| o["id"] == id)
    }

    /// Every request seen, in arrival order.
    pub fn log(&self) -> &[LogEntry] {
        &self.log
    }

    pub(crate) fn next_id(&mut self, prefix: &str) -> String {
        self.ids.next(prefix)
    }
}
