//! A fake Stripe API for tests, demos and other-language SDKs.
//!
//! Three layers:
//! - [`Model`]: a **pure**, deterministic model of a Stripe test-mode account. No sockets, no
//!   clock of its own (every call takes `now: SystemTime`), identifiers derived from a seed and a
//!   counter. It takes `http::Request<Bytes>` (form-encoded bodies in Stripe's bracket notation,
//!   JSON bodies for API v2, `multipart/form-data` for a file upload, query strings for GET) and
//!   returns `http::Response<Bytes>` with Stripe's JSON shapes (a file's contents as its bytes),
//!   a `request-id` header on every response and `content-type: application/json`.
//! - [`FaultPlan`]: which requests get which fault (429/409/5xx before executing, 500 after
//!   executing, dropped connection before or after executing, delay, hang, late delivery), as
//!   ordered rules or a seeded random mode; [`Model::apply`] turns a fault into an [`Outcome`]
//!   so a simulation can enact network semantics in virtual time.
//! - [`server`]: a loopback HTTP/1.1 server (hyper, own runtime thread) around both, with admin
//!   endpoints, and the `stripe-fake` binary. Its ids' seed is random unless pinned
//!   ([`ServerOptions::seed`], `--seed`), and printed at start.
//!
//! # Resources: the registry
//! Every kind of object is one entry of the [`registry`]: its id prefix, its routes (Stripe's
//! spec keys, handlers, validation), its searchable and expandable fields and the events it
//! emits; the model keeps one [`registry::Collection`] per entry, indexed by id. Adding a
//! resource to the fake is one new file under `src/model/` and one line (its name in the
//! `resources!` list of `src/model/mod.rs`); a resource defined outside the crate is
//! registered with [`Registry::with_resource`] and served by [`Model::with_registry`] or
//! [`ServerOptions::registry`]. See the [`registry`] module for both.
//!
//! # Endpoints
//! Objects carry every property Stripe returns by default (API version 2023-08-16), checked
//! against Stripe's OpenAPI spec by `tests/spec_tour.rs` (a vendored subset, `tests/spec/`).
//!
//! | endpoint | notes |
//! |---|---|
//! | `GET /v1/balance` | captured charges less refunds, per currency |
//! | `POST /v1/customers`, `GET /v1/customers`, `GET/POST/DELETE /v1/customers/:id` | `source=tok_...` puts a card on file (`default_source`); `payment_method`, `invoice_settings[default_payment_method]` |
//! | `GET /v1/customers/search` | search (below) |
//! | `GET /v1/customers/:id/payment_methods` | attached payment methods, `type` |
//! | `POST /v1/charges`, `GET /v1/charges`, `GET/POST /v1/charges/:id`, `POST /v1/charges/:id/capture` | `source` = `tok_...`, `card_...` or `pm_...`; a customer alone pays with its default source, none is Stripe's 402 `missing`; `capture=false` then capture (partial capture releases the rest) |
//! | `GET /v1/charges/search` | search |
//! | `POST /v1/payment_intents`, `GET /v1/payment_intents`, `GET/POST /v1/payment_intents/:id`, `POST .../confirm`, `.../capture`, `.../cancel` | `confirm=true`, `capture_method=manual`, declines leave `requires_payment_method` |
//! | `GET /v1/payment_intents/search` | search |
//! | `POST /v1/refunds`, `GET /v1/refunds`, `GET/POST /v1/refunds/:id`, `POST /v1/refunds/:id/cancel` | by `charge` or `payment_intent`; card refunds succeed at once, so cancel is a 400 |
//! | `POST /v1/payment_methods`, `GET /v1/payment_methods?customer=..&type=card`, `GET /v1/payment_methods/:id`, `POST .../attach`, `.../detach` | `type=card&card[token]=tok_...` |
//! | `POST /v1/setup_intents`, `GET /v1/setup_intents`, `GET /v1/setup_intents/:id`, `POST .../confirm` | success attaches the payment method to the customer |
//! | `GET /v1/disputes`, `GET/POST /v1/disputes/:id`, `POST /v1/disputes/:id/close` | `charge`, `payment_intent` filters; `evidence[...]`, `submit=true` (`under_review`); close is `lost` |
//! | `GET /v1/events`, `GET /v1/events/:id` | `type` (with `charge.*`), `types[]` |
//! | `POST /v1/products`, `GET /v1/products`, `GET/POST/DELETE /v1/products/:id` | an `id` of the caller's choosing or `prod_...`; lists by `active`, `shippable`, `url`; `default_price` on update; a product with prices cannot be deleted, a deleted one is a 404 |
//! | `POST /v1/prices`, `GET /v1/prices`, `GET/POST /v1/prices/:id` | one-time, or `recurring[interval|interval_count|usage_type]`; for a `product` or a new one from `product_data[name]`; lists by `active`, `currency`, `product`, `type`; no delete, as at Stripe |
//! | `POST /v1/coupons`, `GET /v1/coupons`, `GET/POST/DELETE /v1/coupons/:id` | `percent_off`, or `amount_off` with `currency`; `once`, `forever`, `repeating` with `duration_in_months`; update takes `name`, `metadata` |
//! | `POST /v1/test_helpers/test_clocks`, `GET /v1/test_helpers/test_clocks`, `GET/DELETE .../:id`, `POST .../:id/advance` | `frozen_time`, `name`; an advance to a later `frozen_time` answers `advancing`, runs the billing hook, and leaves the clock `ready`; customers join one with `test_clock` on create (and list by it) |
//! | `POST /v1/files`, `GET /v1/files`, `GET /v1/files/:id`, `GET /v1/files/:id/contents` | Stripe's files host, served on the same address: an upload is `multipart/form-data` (`purpose`, the `file` part; `file_link_data` accepted, no link made), at most its purpose's size (Stripe's guide: 512 KB for logos and icons, 4 MB signatures, 5 MB dispute evidence, 16 MB the rest; "MB" read as MiB), a 400 past it; the server refuses a body past 16 MB with a 413 before the model sees it; `type` from the file name or content type, `url` for the purposes Stripe lets download; lists by `purpose`; the contents answer the bytes uploaded with their type (not in the spec: not JSON) |
//! | `POST /v2/core/accounts`, `GET /v2/core/accounts`, `GET/POST /v2/core/accounts/:id` | API v2; `metadata` merged (`null` removes a key); `configuration` kept as sent, its keys `applied_configurations` |
//! | `GET /v2/core/events`, `GET /v2/core/events/:id` | API v2 events of v2 objects (`v2.core.account.created|updated`), `object_id`, `limit`, `page` |
//! | `POST /v2/billing/meter_events` | API v2; the same `identifier` twice is one event (generated when absent) |
//!
//! # Behaviour
//! - Test values: `tok_visa`, `tok_mastercard`, `tok_amex` and `pm_card_visa`, ... succeed;
//!   `tok_chargeDeclined` (`generic_decline`), `tok_chargeDeclinedInsufficientFunds`,
//!   `tok_chargeDeclinedExpiredCard`, `tok_chargeDeclinedIncorrectCvc`,
//!   `tok_chargeDeclinedProcessingError`, `tok_chargeDeclinedFraudulent` (and their
//!   `pm_card_...` forms) answer 402 `card_error` and leave a `failed` charge behind, as Stripe
//!   does. A `pm_card_...` value becomes a new `pm_...` object wherever it is used, and a token
//!   a new `card_...`: objects name real ids. [`Model::successful_charges`] counts the charges
//!   that succeeded.
//! - 3D Secure: `threeDSecure2Required` (`4000000000003220`, always asks) and
//!   `authenticationRequiredOnSetup` (`4000002500003155`, asks on session and on setup; off
//!   session it pays once set up) as `tok_...` and `pm_card_...`: confirming leaves the intent in
//!   `requires_action` with a `next_action` (`use_stripe_sdk`, or `redirect_to_url` with a
//!   `return_url`); `off_session=true` is declined with 402 `authentication_required` instead,
//!   unless the card was set up (a setup intent, or a payment with `setup_future_usage`,
//!   succeeded with it); so is such a card on `POST /v1/charges`, where no one can
//!   authenticate. [`Model::complete_challenge`] (server:
//!   `POST /_fake/payment_intents/:id/authenticate`, `POST /_fake/setup_intents/:id/authenticate`)
//!   answers the challenge: `succeed` pays (or completes the setup), `fail` returns the intent to
//!   `requires_payment_method` with `payment_intent_authentication_failure`.
//! - Disputes: `createDispute` (`4000000000000259`) succeeds, and its captured charge is
//!   disputed at once (`disputed: true`, a `needs_response` dispute, reason `fraudulent`).
//! - Lists: `{"object": "list", "data", "has_more", "url"}`, newest first, `limit` (1..=100,
//!   default 10), `starting_after`, `ending_before`, `created` / `created[gt|gte|lt|lte]`.
//! - Search: `query` with `field:'value'`, `field~'sub'`, `field>N` (`<`, `>=`, `<=`),
//!   `metadata['key']:'value'`, `-` negation, `AND` or `OR`; `limit`, `page`; answered as
//!   `{"object": "search_result", "data", "has_more", "next_page", "url"}`. Stripe's index
//!   trails writes (usually under a minute, up to an hour during outages):
//!   [`Model::set_search_lag`] (server: [`ServerOptions::search_lag`], binary: `--search-lag`)
//!   makes a search see objects as they were that long before its `now`, creation and later
//!   updates alike; lists and retrieves stay consistent. The default lag is zero.
//! - `expand[]`: ids become objects (`customer`, `latest_charge`, `payment_intent`, `charge`,
//!   `data.customer`, nested paths up to four levels); an unknown field is a 400.
//! - Parameters: the ones Stripe's spec lists for the endpoint are accepted; the ones the fake
//!   does not model are ignored or echoed where Stripe echoes them (`statement_descriptor`,
//!   `receipt_email`, ...); anything else is a 400 `parameter_unknown` naming the parameter.
//! - Events: `customer.created|updated|deleted`, `charge.succeeded|failed|captured|updated|refunded`,
//!   `payment_intent.created|requires_action|succeeded|payment_failed|amount_capturable_updated|canceled`,
//!   `refund.created`, `payment_method.attached|detached`, `setup_intent.created|requires_action|succeeded|setup_failed`,
//!   `charge.dispute.created|updated|closed`,
//!   `product.created|updated|deleted`, `price.created|updated`, `coupon.created|updated|deleted`,
//!   `test_helpers.test_clock.created|advancing|ready|deleted` (an advance records `advancing`,
//!   then what the clock's hook did, then `ready`),
//!   each naming the request (`request.id`, `request.idempotency_key`). The server can POST
//!   them signed to a webhook URL ([`server::WebhookConfig`]), with duplicate / late faults.
//! - Errors in Stripe's shape `{"error": {"type", "code", "message", "param", "decline_code"}}`;
//!   absent members are omitted.
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
//! # API v2
//! A `/v2/` request takes a JSON body (POST) and answers JSON, with v2's error shape
//! `{"error": {"type", "code", "message"}}` (the one the official SDKs read for v2). Lists are
//! `{"data", "next_page_url", "previous_page_url"}`, newest first; timestamps are RFC 3339 text.
//! Idempotency follows v2 ("retries don't repeat successful operations; failed work is retried
//! to completion and an updated response returned", Stripe's idempotency docs): keys on POST
//! and DELETE; a success is stored even when its answer was replaced by an injected 500 or
//! dropped, and a retry with the same key and body answers the object as it is now; a failure
//! is not stored, so its retry runs again; the same key with another body (compared as JSON,
//! member order aside) is a 400 `idempotency_error`. Faults apply to v2 requests as to v1's.
//! A v2 event's `context` is the `Stripe-Context` of the request that made it. The server's
//! webhooks can send thin notifications of v2 events ([`server::WebhookEvents`]).
//! The vendored spec has no v2 path, so the shapes are held to the official SDKs' v2 types
//! (`tests/model_v2.rs` names them).
//!
//! # What is not modelled
//! Other resources and endpoints (subscriptions, invoices: advancing a test clock bills
//! nothing yet; `Model::run_clock` in `src/model/test_clocks.rs` is where it will), the
//! products and prices Search, tiered and custom-amount prices, coupons' `applies_to` and
//! redemption, 3-D Secure and `requires_action`, disputes, payouts and
//! balance transactions (their ids are not expandable), connected accounts' own data
//! (`Stripe-Account` only scopes idempotency keys), live mode, API versions, rate limits
//! (except injected ones), currencies' minimum amounts, `total_count` on search results.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cli;
pub mod fault;
mod ids;
pub mod model;
pub mod registry;
pub mod server;

pub use fault::{Fault, FaultPlan, FaultPlanError, Outcome, RandomFaults, Rule};
pub use model::{Begin, KEY_LIFETIME, Kind, LogEntry, Model, Pending};
pub use registry::{Registry, RegistryError, Resource, Route};
pub use server::{ServerHandle, ServerOptions};
