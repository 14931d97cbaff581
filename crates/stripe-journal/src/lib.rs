//! A durable intent journal: a named Stripe operation reaches Stripe at most once with one
//! idempotency key, and its outcome is known, across crashes, restarts, re-deliveries and
//! machines.
//!
//! An idempotency key held in memory protects a charge only while its process lives: killed
//! after Stripe charged and before the result was recorded, or re-delivered by a job queue, the
//! code runs again with a new key and charges twice. Here the caller names the operation (an id
//! it owns, such as `order-42/charge`); the journal writes the key down before any byte is sent,
//! and every later attempt of that operation, in any process, uses that same key or gets the
//! recorded answer.
//!
//! ```no_run
//! use stripe_core::{Config, Request};
//! use stripe_journal::{IntentId, Journal, JournalError};
//!
//! let client = stripe_ureq::Client::new(Config::builder("sk_test_...").build()?);
//! let journal = Journal::open("sqlite:journal.db")?;
//! let id = IntentId::op("order-42/charge")?;
//! let charge = Request::post("/v1/charges", &[("amount", "2000"), ("currency", "usd"), ("source", "tok_visa")])?;
//! match journal.run(&client, &id, charge) {
//!     Ok(outcome) => println!("{} {:?} (replayed: {})", outcome.status(), outcome.object_id(), outcome.is_replayed()),
//!     Err(JournalError::Busy { until, .. }) => println!("in flight elsewhere until {until:?}"),
//!     Err(e) => println!("not now: {e}"), // run it again later: same key, or reconciled
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Journal::run`] (blocking, over `stripe_client::Client`) and [`Journal::run_async`] (over
//! `stripe_client::AsyncClient`; SQLite's store calls on tokio's blocking pool, PostgreSQL's
//! async-native over a pool of connections) do the whole protocol;
//! [`Journal::recover`] finishes what dead processes left; the steps below them (`begin`,
//! `record`, `resolve`, ...) stay public for callers that drive calls themselves.
//!
//! # Cost: two durable writes per call
//!
//! The claim (the write-ahead record: key, fingerprint, saved request; durable before any byte
//! leaves) and the record of the outcome. A claimed intent counts as possibly sent, so no
//! "sent" mark is written on the hot path ([`Journal::mark_sent`] is optional); the lease is
//! renewed only by calls that outlast a third of it.
//!
//! # Settling an unknown outcome
//!
//! A 5xx to the POST, or a key too old to resume, leaves the intent to reconcile. The journal
//! asks Stripe instead of guessing: a create (`POST /v1/charges`, `payment_intents`,
//! `customers`, `refunds`) carries `metadata[op]=<operation id>` and is looked up with Search
//! (`GET /v1/charges/search?query=metadata['op']:'order-42/charge'`): found, the intent is done
//! with that object; absent, it is sent again with a new key. Search lags writes (about a
//! minute in live mode), so only intents older than [`Journal::with_search_lag`] (default
//! 60 s) are settled that way. `.../confirm`, `.../capture` and `.../cancel` take no metadata:
//! the object their path names is retrieved and its status read. Other endpoints are left for
//! the caller ([`JournalError::Unreconcilable`], then [`Journal::resolve`]).
//!
//! # An intent's states
//!
//! ```text
//!   begin, unknown op: new key, lease
//!           |
//!           v             mark_sent (optional: `run` does not write it)
//!      +---------+ -------------------------------------> +------+
//!      | claimed |                                        | sent | <--+ record: no response,
//!      +---------+ <--+                                   +------+ ---+ 409, 429 (lease released)
//!        |    ^       | lease expired/released:              |  |  ^
//!        |    |       | take over, same key (key young)      |  |  | lease expired/released:
//!        |    +-------+ or reconcile (key old)               |  |  | take over, same key (key young)
//!        |                                                   |  |  +---+
//!        | (record before mark_sent counts as sent)          |  |      |
//!        v                                                   |  +------+
//!   record: 2xx --> +------+ <------------------------------ + record: 2xx
//!                   | done |  <-- resolve: Applied --+
//!                   +------+                         |
//!   record: 4xx --> +--------+ (402: customer action, | other 4xx: fix the request)
//!                   | failed |  <-- resolve: NotApplied (advice NotApplied)
//!                   +--------+                       |
//!                     | begin with retry_failed, or advice NotApplied: claimed, NEW key
//!                     v                              |
//!                   claimed                          |
//!   record: 5xx, unknown;                            |
//!   sent + lease expired + key old --> +--------------+
//!                                      | to_reconcile |
//!                                      +--------------+
//! ```
//!
//! Done and failed are final for a re-delivered job (the first answer comes back). Every take-
//! over raises the epoch, fencing off the previous holder.
//!
//! # The decision table of `begin`
//!
//! | stored row | lease | key | answer | write |
//! |---|---|---|---|---|
//! | none | - | - | `Proceed` (new key) | insert (claimed) |
//! | other fingerprint | any | any | `Err(Conflict)`, nothing sent | none |
//! | done | - | - | `Done(first answer)`, Stripe not called | none |
//! | failed (4xx) | - | - | `Failed(advice, answer)` | none |
//! | failed, `retry_failed` asked, or advice `NotApplied` | - | - | `Proceed` (new key) | claimed |
//! | to_reconcile | - | - | `ToReconcile(reason)` | none |
//! | claimed or sent | live, anyone's | any | `Busy { owner, until }` | none |
//! | claimed or sent | expired or released | younger than 24 h less the margin | `Proceed` (same key, `is_resumed`) | lease, epoch + 1 |
//! | claimed or sent | expired or released | older | `ToReconcile(KeyExpired)` (a claim may have left) | to_reconcile |
//!
//! A failed intent (a final 4xx) is **not** attempted again unless the caller asks with
//! [`BeginOptions::with_retry_failed`]: a re-delivered job gets the first failure back, and a new
//! attempt (new key, since the old one would only replay the error) is a decision about the
//! request or the customer, which only the caller can make.
//!
//! The outcome of a call ([`Store::record`]): 2xx is done (status, object id, body); 402 failed
//! (customer action); other 4xx failed (fix the request); 409, 429 and no response leave it sent
//! with the lease released, so the next `begin` resumes with the same key; 5xx on the POST and an
//! unknown outcome go to reconcile.
//!
//! # Holders, leases and epochs
//!
//! A `Proceed` makes the caller the holder: its lease (default 30 s) must be renewed while the
//! call runs ([`Journal::renew`]). A holder whose lease expired keeps the intent as long as
//! nobody took it over; a take-over raises the epoch, and every write of the old holder fails
//! with [`JournalError::LeaseLost`] from then on: it must not send. Two holders of one intent can
//! only overlap while the first one's lease is live, and they share one key, so Stripe runs the
//! request at most once.
//!
//! # What is durable when
//!
//! - `begin`'s `Proceed`: the row with its key is committed (SQLite: WAL, `synchronous=FULL`,
//!   fsync before the method returns; PostgreSQL: committed). Nothing has been sent.
//! - `begin` is the write-ahead record: from its `Proceed` on, a dead holder's intent is
//!   resumed with the same key, or reconciled once that key is too old (`mark_sent`, if a
//!   caller writes it, changes nothing to that).
//! - `record`: committed after the answer; until then a crash leaves the intent sent, and the
//!   next holder's request with the same key gets Stripe's stored answer.
//!
//! # In scope, out of scope
//!
//! In: exactly-once per operation id for POSTs with idempotency keys, across processes sharing
//! a store; recovery of dead holders ([`Journal::recover`]); reconciling creates by Search and
//! confirm/capture/cancel by retrieve; pruning of finished intents.
//! Out: reconciling other endpoints (the caller looks, then [`Journal::resolve`]); GET and DELETE (safe to repeat, no journal needed); keeping
//! a key useful past Stripe's 24 h; a clock wildly wrong on one machine (leases compare wall
//! times from every machine of the fleet: keep clocks synchronised well within the lease).

#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

#[cfg(feature = "postgres")]
pub use pg::PgStore;

pub use decide::{BeginOptions, CallResult, Policy, Resolution};
pub use error::JournalError;
pub use fingerprint::Fingerprint;
pub use intent::{
    Answer, FailureAdvice, Intent, IntentId, Lease, ReconcileReason, SavedRequest, State, StateKind,
};
pub use journal::{DEFAULT_METADATA_KEY, DEFAULT_SEARCH_LAG, Journal};
pub use machine::{Input, Operation, Step, StoreOp, Stored};
pub use open::open_store;
pub use run::{Outcome, RecoveryReport, Run, Source};
pub use store::{AsyncStore, Cursor, Loaded, Page, Store, StoreFuture};

mod codec;
pub mod decide;
mod error;
mod fingerprint;
mod intent;
mod journal;
mod machine;
mod migrate;
mod open;
#[cfg(feature = "postgres")]
pub mod pg;
mod run;
#[cfg(feature = "sqlite")]
pub mod sqlite;
mod store;
