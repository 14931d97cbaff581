//! A durable intent journal: a named Stripe operation is executed by Stripe at most once, and the
//! outcome recorded is Stripe's, across crashes, pauses, restarts, re-deliveries and machines.
//!
//! An idempotency key held in memory protects a charge only while its process lives: killed
//! after Stripe charged and before the result was recorded, or re-delivered by a job queue, the
//! code runs again with a new key and charges twice. Here the caller names the operation (an id
//! it owns, such as `order-42/charge`); the journal writes the key down before any byte is sent,
//! and every later attempt of that operation, in any process, uses that same key until it can
//! never execute again, or gets the recorded answer.
//!
//! ```no_run
//! use stripe_core::{Config, Request};
//! use stripe_journal::{IntentId, Journal, Run};
//!
//! let client = stripe_ureq::Client::new(Config::builder("sk_test_...").build()?);
//! let journal = Journal::open("sqlite:journal.db")?;
//! let id = IntentId::op("order-42/charge")?;
//! let charge = Request::post("/v1/charges", &[("amount", "2000"), ("currency", "usd"), ("source", "tok_visa")])?;
//! match journal.run(&client, &id, charge)? {
//!     Run::Done(outcome) => println!("{} {:?} (replayed: {})", outcome.status(), outcome.object_id(), outcome.is_replayed()),
//!     Run::Busy { until, .. } => println!("in flight elsewhere until {until:?}"),
//!     Run::Unsettled { retry_at, .. } => println!("settles after {retry_at:?}"),
//!     other => println!("not sent: {other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`Journal::run`] (blocking, over `stripe_client::Client`) and [`Journal::run_async`] (over
//! `stripe_client::AsyncClient`) drive the protocol's machine ([`machine::Operation`], sans-IO:
//! store primitives, Stripe calls, attempts and sleeps are its outputs); [`Journal::recover`]
//! finishes what dead holders left. No thread or task runs beside a call: a dropped future or a
//! panicking transport leaves nothing renewing, and the lease runs out by itself.
//!
//! # The guarantee and the rules that make it
//!
//! Per operation id: at most one object is created on Stripe, and the outcome recorded is
//! Stripe's truth (a failed charge is recorded as the decline it is). The rules:
//!
//! 1. **Write ahead.** The claim (operation, key, fingerprint, scope, saved request, namespace) is
//!    durable before any byte leaves (SQLite: WAL and `synchronous=FULL`; PostgreSQL: committed).
//! 2. **One key while it may execute.** Every holder of the operation sends the same key; Stripe's
//!    idempotency makes that safe whatever other holders do.
//! 3. **A new key only when the old one can never execute again**: Stripe replayed a stored answer
//!    for it (its key is *spent*), or the store's clock is past the key's *send limit* (the end of
//!    the last lease granted under it) plus [`Policy::send_grace`]. Until then, "not found on
//!    Stripe" means "send the same key again", never "a new key".
//! 4. **The lease is checked right before each attempt**, on the holder's monotonic clock, against
//!    a lease measured from before the store granted it (so never later than the store's own end):
//!    an attempt is sent only if it ends [`Policy::attempt_margin`] before the lease does;
//!    otherwise the lease is renewed first, on the store's clock. A claim's lease covers the
//!    client's attempt timeout, so the first attempt needs no renewal.
//! 5. **One clock.** Leases, key ages and send limits are judged on the store's clock (the
//!    database's for a fleet, read with each row). A holder whose wall clock is more than
//!    [`Policy::max_skew`] from it refuses to work ([`JournalError::ClockSkew`]).
//! 6. **Consistent reads.** An unknown outcome of a v1 POST (a 5xx, an expired key) is settled by List (a
//!    `created` window around the intent's life, narrowed by the customer, charge or payment
//!    intent the request names) or by retrieve for `confirm` / `capture` / `cancel`; never by
//!    Search, which lags writes by a minute and up to an hour during incidents. The object must
//!    carry the operation's tags (`metadata[op]`, `metadata[op_ns]`: see namespaces below) and
//!    match the saved request (amount, currency, customer, charge, payment intent); its status is
//!    the outcome. An API v2 POST (`/v2/...`) is never looked up: a 5xx or an unknown outcome
//!    leaves it sent, and it is resumed with the same key, with which Stripe completes the work
//!    (v2 stores no failed answer to replay); a v2 create takes no metadata tags.
//! 7. **The scope is part of the intent**: the `Stripe-Account` of the request, or of the client's
//!    configuration, scopes the operation id and goes with every resend; so does the
//!    `Stripe-Context` (scope `acct_1#ctx`, or `#ctx` without an account: two contexts never
//!    share an intent). The request's own `Stripe-Version` and `Stripe-Context` are saved with it
//!    and covered by its fingerprint, so a resumed or recovered request goes out in the same
//!    context and API version whatever the recovering client's configuration says.
//! 9. **No secret is stored.** A request with its own API key
//!    ([`Request::with_api_key`](stripe_core::Request::with_api_key)) is refused with
//!    [`JournalError::InvalidRequest`] before anything is written: recovery could not send it
//!    again without storing the key. Set the key on the client's configuration (one client per
//!    key) for journaled requests.
//! 8. **Nothing is pruned while it could be resumed or re-delivered**: [`Journal::prune`] refuses
//!    ages under Stripe's 24 h key window plus the lease and the send grace.
//!
//! ## The one assumption, in numbers
//!
//! A holder that passed its lease check and is then stopped for longer than the attempt's bound
//! plus the margin plus the send grace (with the defaults: 80 s + 1 s + 120 s, and never less than
//! the send grace, 120 s) before its request reaches Stripe, or a request that Stripe executes
//! more than that long after it was sent, can execute an old key after a new one was made. Its
//! consequence is an operation with two objects on Stripe; `stripe-cli journal audit` lists such
//! operations and, with `--refund-extras`, refunds the extra ones. `stripe-sim`'s simulation of
//! this protocol checks every other interleaving it generates (pauses of any length anywhere
//! else, crashes, skewed clocks, a lagging Search, lost answers, late deliveries, re-deliveries a
//! day later), and its control runs show that it finds the double charges each rule prevents.
//!
//! # Namespaces
//!
//! Every object the journal creates carries `metadata[op]=<operation id>` and
//! `metadata[op_ns]=<namespace>`. The namespace is made once, when the store is created, and
//! shared by every process that opens it ([`Journal::with_namespace`] overrides it): two
//! applications on one Stripe account, each with its own journal, never settle each other's
//! operations.
//!
//! # An intent's states
//!
//! ```text
//!   begin, unknown op: new key, lease --> +---------+   record: 409, 429,
//!                                         | claimed |   no response: lease released
//!                                         | or sent | <-------+
//!                                         +---------+ --------+
//!    lease expired: taken over, same key    |  |  |
//!    (key young and not spent) <------------+  |  +--> record 2xx --------> done
//!    key old or spent: to_reconcile            |  +--> record 402 / 4xx ---> failed
//!                                              v
//!                 record 5xx, unknown --> to_reconcile --(List / retrieve)--+
//!                                              ^                            |
//!          found: done (a declined charge: failed, customer action) <-------+
//!          absent, key may execute, young: sent again with the SAME key <---+
//!          absent, key dead (spent, or past its send limit + grace):        |
//!                        failed (not applied) --> the next begin: NEW key <-+
//! ```
//!
//! Done and failed are final for a re-delivered job (the first answer comes back). Every take-
//! over raises the epoch, fencing off the previous holder's writes.
//!
//! # The decision table of `begin` (see [`decide::begin`])
//!
//! | stored row | lease | key | answer | write |
//! |---|---|---|---|---|
//! | none | - | - | `Proceed` (new key) | insert (claimed) |
//! | other fingerprint | any | any | `Conflict`, nothing sent | none |
//! | done | - | - | `Done(first answer)`, Stripe not called | none |
//! | failed (4xx) | - | - | `Failed(advice, answer)`; a new key only with `retry_failed` | none |
//! | failed, not applied | - | - | `Proceed` (new key) | claimed |
//! | to_reconcile | - | - | `ToReconcile(reason)`: look at Stripe | none |
//! | claimed or sent | live | any | `Busy { owner, until }` | none |
//! | claimed or sent | expired or released | young, not spent | `Proceed` (same key) | lease, epoch + 1 |
//! | claimed or sent | expired or released | old or spent | `ToReconcile(KeyExpired)` | to_reconcile |
//!
//! # Cost
//!
//! Two store round trips and two durable writes per call on the happy path (a renewal only
//! before an attempt the lease does not cover, a retry after a long wait):
//! - **the claim** ([`Store::claim`]): a new operation's row, decided as if none existed and
//!   inserted on the store's clock in one statement (PostgreSQL), unless a row exists or the
//!   holder's clock is over [`Policy::max_skew`] away, when the row is loaded and decided on;
//!   committed and flushed before any byte leaves (rule 1);
//! - **the record** of the outcome, decided on the row the claim wrote. PostgreSQL commits it
//!   without waiting for its WAL flush (`synchronous_commit = off` for that transaction only):
//!   lost in a crash of the database, the row is back in flight under the same key, and the next
//!   run or recovery resends that key and records Stripe's replay of the same answer.
//!   A record that ends the run (done or failed) is also sent *behind* the answer
//!   ([`machine::Step::Finish`], [`Store::compare_and_set_behind`]): the run returns Stripe's
//!   outcome without waiting for it, so its latency holds one store round trip, the claim.
//!   The outcome does not hang on the record for the same reason: if it never lands (the process
//!   ends first, the database is unreachable), the row stays in flight until its lease ends,
//!   then the same key is resent and Stripe's replay recorded. PostgreSQL keeps the records
//!   behind on its own runtime; its loads of such a row in the same process wait for them, and
//!   dropping the store waits (up to 2 s) for the ones not yet over. Another process may see the
//!   row in flight for those milliseconds, and get [`Run::Busy`] if it runs the operation then.
//!   The simulation sends every such record up to a minute late, in any order with the other
//!   holders' steps, or loses it.
//!
//! # Stores
//!
//! [`Store`] is a handful of primitives (load with the store's clock, insert, claim, compare-and-set,
//! sweep and list by cursor, prune, namespace); every decision is made once, in [`decide`], inside
//! the machine, so no store can bypass it. SQLite ([`SqliteStore`], `sqlite:PATH`) is the
//! embedded default; PostgreSQL (`PgStore`, feature `postgres`, `postgres://...`, async-native over a pool of
//! connections, with a blocking face on a runtime of its own) serves a fleet. Schemas change
//! through ordered migrations recorded in a version table.
//!
//! Features: `sqlite` and `async` (`run_async`, `recover_async`) by default; `postgres` (and
//! `postgres-tls`, rustls) to be asked for, so that a service on SQLite never builds a PostgreSQL
//! driver. Without it, `Journal::open("postgres://...")` is an error that names the feature.
//!
//! # In scope, out of scope
//!
//! In: exactly-once per operation id for POSTs, across processes sharing a store; recovery of dead
//! holders; reconciling creates of charges, payment intents, customers and refunds by List, and
//! confirm / capture / cancel by retrieve; pruning finished intents; finding (and refunding) the
//! consequence of the stated assumption. Out: reconciling other endpoints (the run ends with
//! [`JournalError::Unreconcilable`]: look at Stripe yourself); GET and DELETE (safe to repeat);
//! keeping a key useful past Stripe's 24 h.

#[cfg(feature = "sqlite")]
pub use sqlite::SqliteStore;

#[cfg(feature = "postgres")]
pub use pg::PgStore;

pub use audit::Audit;
pub use decide::{BeginOptions, Policy};
pub use error::JournalError;
pub use fingerprint::Fingerprint;
pub use intent::{Answer, FailureAdvice, Intent, IntentId, ReconcileReason, State, StateKind};
#[cfg(feature = "control")]
pub use journal::Rule;
pub use journal::{DEFAULT_METADATA_KEY, DEFAULT_SEARCH_LAG, Journal};
pub use open::open_store;
pub use run::{Outcome, RecoveryReport, Run, Source};
pub use store::Store;

mod answer;
pub mod audit;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod codec;
pub mod decide;
mod error;
mod fingerprint;
pub mod intent;
mod journal;
pub mod machine;
#[cfg(any(feature = "sqlite", feature = "postgres"))]
mod migrate;
mod open;
#[cfg(feature = "postgres")]
pub mod pg;
mod run;
mod saved;
#[cfg(feature = "sqlite")]
pub mod sqlite;
pub mod store;
