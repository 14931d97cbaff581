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
//! | `POST /v1/test_helpers/test_clocks`, `GET /v1/test_helpers/test_clocks`, `GET/DELETE .../:id`, `POST .../:id/advance` | `frozen_time`, `name`; an advance to a later `frozen_time`, at most two intervals of the clock's shortest subscription (two years without one) as at Stripe, answers `advancing`, runs everything due on the clock's subscriptions and invoices in time order (below), and leaves the clock `ready`; customers join one with `test_clock` on create (and list by it) |
//! | `POST /v1/subscriptions`, `GET /v1/subscriptions`, `GET/POST/DELETE /v1/subscriptions/:id` | `items[N][price]` and `items[N][quantity]` (recurring prices of one currency and interval), `trial_end` / `trial_period_days`, `default_payment_method`, `cancel_at_period_end`, `cancel_at`, `collection_method`, `payment_behavior` `allow_incomplete` (default) or `default_incomplete`; update: items by `id` (`price`, `quantity`, `deleted`) with `proration_behavior` (`create_prorations` default, `always_invoice`, `none`) and `proration_date`, `trial_end=now`; cancel now with `prorate`, `invoice_now`; lists by `customer`, `price`, `status` (`all`; ended ones left out by default), `test_clock` |
//! | `POST /v1/invoices`, `GET /v1/invoices`, `GET/POST/DELETE /v1/invoices/:id`, `POST .../finalize`, `.../pay`, `.../void`, `.../mark_uncollectible`, `GET .../lines` | drafts with `pending_invoice_items_behavior` (`exclude` default, `include`, `include_and_require`), `auto_advance`, `collection_method` (`send_invoice` with `days_until_due`); finalize numbers it (`PREFIX-0001`), applies the customer's balance and makes the payment intent; pay with `payment_method` / `source` or `paid_out_of_band`; a draft of one's own is deleted, items pending again |
//! | `GET /v1/invoices/upcoming` | `customer`, `subscription`; `subscription_items[N][...]`, `subscription_proration_behavior`, `subscription_proration_date` preview a change; no id, as Stripe's |
//! | `POST /v1/invoiceitems`, `GET /v1/invoiceitems`, `GET/POST/DELETE /v1/invoiceitems/:id` | a one-time `price` and `quantity`, an `amount` (negative credits), or `unit_amount`; pending, or on a draft `invoice`; `subscription`, `period`; lists by `customer`, `invoice`, `pending` |
//! | `POST /v1/checkout/sessions`, `GET /v1/checkout/sessions`, `GET /v1/checkout/sessions/:id`, `GET .../:id/line_items`, `POST .../:id/expire` | `mode` `payment`, `setup` or `subscription`; `line_items[i]` with a `price` or `price_data` (a new inactive price) and `quantity`; `customer` or `customer_email`, `customer_creation`; `payment_intent_data` / `setup_intent_data` / `subscription_data` (`description`, `metadata`, `trial_period_days`, `trial_end`) passed on; `expires_at`; `expand[]=line_items`; lists by `customer`, `payment_intent`, `customer_details[email]` |
//! | `POST /v1/files`, `GET /v1/files`, `GET /v1/files/:id`, `GET /v1/files/:id/contents` | Stripe's files host, served on the same address: an upload is `multipart/form-data` (`purpose`, the `file` part; `file_link_data` accepted, no link made), at most its purpose's size (Stripe's guide: 512 KB for logos and icons, 4 MB signatures, 5 MB dispute evidence, 16 MB the rest; "MB" read as MiB), a 400 past it; the server refuses a body past 16 MB with a 413 before the model sees it; `type` from the file name or content type, `url` for the purposes Stripe lets download; lists by `purpose`; the contents answer the bytes uploaded with their type (not in the spec: not JSON) |
//! | `POST /v2/core/accounts`, `GET /v2/core/accounts`, `GET/POST /v2/core/accounts/:id` | API v2; `metadata` merged (`null` removes a key); `configuration` kept as sent, its keys `applied_configurations` |
//! | `GET /v2/core/events`, `GET /v2/core/events/:id` | API v2 events of v2 objects (`v2.core.account.created|updated`), `object_id`, `limit`, `page` |
//! | `POST /v2/core/event_destinations`, `GET /v2/core/event_destinations`, `GET/POST/DELETE /v2/core/event_destinations/:id`, `POST .../:id/enable`, `.../disable` | API v2; `webhook_endpoint`, `amazon_eventbridge` or `azure_event_grid`; a webhook endpoint's `signing_secret` and `url` only when `include` names them; a keyed `DELETE` retried answers the deletion again |
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
//! - Checkout: a session's `url` points at the fake when served (`GET /_fake/checkout/sessions/:id`
//!   answers the session with its line items). [`Model::complete_checkout_session`] (server:
//!   `POST /_fake/checkout/sessions/:id/complete` with `{"payment_method": "pm_card_visa" |
//!   "tok_visa" | "pm_...", "email", "name"}`) pays as the customer would: a customer is made
//!   when the session asks for one (`customer_creation=always`), then the payment intent
//!   (payment mode: made on the first attempt, confirmed, authenticated on the page when the
//!   card asks; `paid`, or `unpaid` with manual capture) or the setup intent (setup mode: the
//!   card saved to the customer), then `checkout.session.completed`; a declined card answers
//!   402 and leaves the session open for another card. A session expires on request or when
//!   the model's clock passes `expires_at` (`checkout.session.expired`, naming no request).
//!   Subscription mode (recurring prices of one interval): the card is saved to the customer,
//!   the subscription is created through `POST /v1/subscriptions` with it and
//!   `subscription_data`, and its first invoice is paid on the page (`paid`, or
//!   `no_payment_required` for a trial); a card that would be declined is refused first.
//! - Disputes: `createDispute` (`4000000000000259`) succeeds, and its captured charge is
//!   disputed at once (`disputed: true`, a `needs_response` dispute, reason `fraudulent`).
//! - `chargeCustomerFail` (`4000000000000341`, `tok_...` and `pm_card_...`) attaches to a
//!   customer and declines every charge: the card of a failing renewal.
//! - Billing: a subscription's first invoice is finalized and paid at once through a payment
//!   intent (`incomplete` until paid; a trial's invoice is free and paid); its periods follow the
//!   calendar from its billing cycle anchor (an anchor on the 31st renews on a shorter month's
//!   last day). On a test clock, each period end starts the next period
//!   (`customer.subscription.updated`) with a draft invoice (`invoice.created`) that is
//!   finalized and collected an hour later, off session with the invoice's, the subscription's
//!   or the customer's default payment method; a trial ends the same way, with
//!   `customer.subscription.trial_will_end` three days before; a failed renewal makes the
//!   subscription `past_due` and is retried 3, 5 and 7 days later, after which the subscription
//!   is canceled (Stripe's default settings); `cancel_at_period_end` ends it at the period's
//!   end; an `incomplete` subscription expires after 23 hours. A change of items mid-period
//!   prorates to the second (a credit for the unused time, a charge for the remaining time, as
//!   pending invoice items; a change of interval resets the billing cycle and invoices at once).
//!   Events on a clock carry the clock's time and no request, as Stripe's.
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
//!   `customer.subscription.created|updated|deleted|trial_will_end`,
//!   `invoice.created|updated|deleted|finalized|paid|payment_succeeded|payment_failed|voided|marked_uncollectible`,
//!   `invoiceitem.created|updated|deleted`, `checkout.session.completed|expired`,
//!   each naming the request (`request.id`, `request.idempotency_key`). The server can POST
//!   them signed to a webhook URL ([`server::WebhookConfig`]), in the order recorded, with
//!   duplicate / late faults.
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
//! Other resources and endpoints (subscription items and schedules, credit notes, quotes,
//! tax, the Search of subscriptions and invoices, `invoice.upcoming` events), coupons and
//! discounts on subscriptions and invoices, `billing_cycle_anchor`, `payment_behavior`
//! `error_if_incomplete` and `pending_if_incomplete` (refused by name, as are other parameters
//! that would change what is billed), previous attributes in update events, the deletion of a
//! test clock's customers with the clock, the products and prices Search, tiered and custom-amount prices, coupons' `applies_to` and
//! redemption, Checkout's discounts, taxes, shipping, promotion codes, custom fields and
//! payment links (their members answer as unset), payouts and
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
