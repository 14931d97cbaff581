//! A fake Stripe API for tests, demos and other-language SDKs.
//!
//! Three layers:
//! - [`Model`]: a **pure**, deterministic model of a Stripe test-mode account. No sockets, no
//!   clock of its own (every call takes `now: SystemTime`), identifiers derived from a seed and a
//!   counter. It takes `http::Request<Bytes>` (form-encoded bodies in Stripe's bracket notation,
//!   query strings for GET) and returns `http::Response<Bytes>` with Stripe's JSON shapes, a
//!   `request-id` header on every response and `content-type: application/json`.
//! - [`FaultPlan`]: which requests get which fault (429/409/5xx before executing, 500 after
//!   executing, dropped connection before or after executing, delay, hang, late delivery), as
//!   ordered rules or a seeded random mode; [`Model::apply`] turns a fault into an [`Outcome`]
//!   so a simulation can enact network semantics in virtual time.
//! - [`server`]: a loopback HTTP/1.1 server (hyper, own runtime thread) around both, with admin
//!   endpoints, and the `stripe-fake` binary.
//!
//! # What is modelled
//! - Customers (create, retrieve, update, delete, list), charges (create, retrieve, list by
//!   `customer` or `payment_intent`), payment intents (create with optional `confirm=true`,
//!   retrieve, confirm, list), refunds (create by `charge` or `payment_intent`, retrieve, list).
//! - Lists: `{"object": "list", "data", "has_more", "url"}`, newest first, `limit` (1..=100,
//!   default 10), `starting_after`, `ending_before`.
//! - Test cards: `tok_visa`, `tok_mastercard`, `tok_amex`, `pm_card_visa`, ... succeed;
//!   `tok_chargeDeclined` (`generic_decline`), `tok_chargeDeclinedInsufficientFunds`,
//!   `tok_chargeDeclinedExpiredCard`, `tok_chargeDeclinedIncorrectCvc`,
//!   `tok_chargeDeclinedProcessingError`, `tok_chargeDeclinedFraudulent` (and their
//!   `pm_card_...` forms) answer 402 `card_error` and leave a `failed` charge behind, as Stripe
//!   does; [`Model::successful_charges`] counts only the charges that succeeded. A charge with a
//!   `customer` and no source uses the customer's default card (a Visa).
//! - Errors in Stripe's shape `{"error": {"type", "code", "message", "param", "decline_code"}}`;
//!   absent members are omitted. Unknown parameters are rejected (`parameter_unknown`).
//! - Authentication: `Authorization: Bearer sk_test_...` or HTTP Basic with the key as user
//!   name; anything else is a 401.
//! - Idempotency as Stripe does it: keys on POST, scoped by secret key and `Stripe-Account`;
//!   replays carry `idempotent-replayed: true` and `original-request`; the same key with another
//!   endpoint or other parameters is a 400 `idempotency_error`; a key whose first request still
//!   executes is a 409 `idempotency_key_in_use`; 401s, injected 429s and validation errors are
//!   not stored; results after execution (2xx, 402, 5xx) are; keys expire after
//!   [`KEY_LIFETIME`] (24 h) of the model's clock. [`Model::begin`] / [`Model::finish`] expose the
//!   two phases so concurrency (and late delivery) can be simulated.
//!
//! # What is not modelled
//! Everything else: other resources and endpoints, `expand` (accepted and ignored), search,
//! webhooks and events, captures of uncaptured charges, 3-D Secure and `requires_action`,
//! connected accounts' own data (`Stripe-Account` only scopes idempotency keys), live mode,
//! API versions, rate limits (except injected ones), currencies' minimum amounts and
//! `created[...]` list filters.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod canned;
pub mod fault;
mod ids;
pub mod model;
pub mod server;

pub use fault::{Fault, FaultPlan, FaultPlanError, Outcome, RandomFaults, Rule};
pub use model::{Begin, KEY_LIFETIME, Kind, LogEntry, Model, Pending};
pub use server::{ServerHandle, ServerOptions};
