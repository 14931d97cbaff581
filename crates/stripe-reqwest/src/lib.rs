//! # stripe-reqwest: the async transport of `stripe-core`
//!
//! The I/O of one attempt over [`reqwest`] 0.13 + [`tokio`], its error classification and the
//! sleep: nothing more. Every decision (keys, retries, waits, deadlines, advice) is
//! [`stripe_core`]'s, and the loop around it is [`stripe_client`]'s; [`Client`] is that async
//! client over this transport.
//!
//! - Each attempt is bounded as a whole (connect, send, read the whole body) by the instant the
//!   core gives, with a Tokio timer of its own; connecting also by
//!   [`Config::connect_timeout`]; at most [`Config::max_body_bytes`] + 1 bytes of a body are
//!   read. The cause of a call's error with no response is an [`AttemptError`]: reqwest's
//!   error, or the attempt's time running out.
//! - A 3xx is a response, never followed: the transport is built from a
//!   [`reqwest::ClientBuilder`] (yours, with its pool, proxy and TLS settings, through
//!   [`Reqwest::from_builder`]) on which it sets the redirect policy to none itself, so no
//!   client can re-post a charge and its key elsewhere; reqwest's own retries are off too.
//! - A request under the API base carries the `Host` header hyper would write, made once, in
//!   a header map the core sizes for it ([`stripe_client::AsyncTransport::header_room`]), so
//!   that neither it nor reqwest's look-up of its default headers regrows the map.
//! - Uploads and downloads are streamed (`AsyncTransport::send_streamed`): the client's
//!   `UploadBody` wrapped as reqwest's body, the answer's body left unread for the client, which
//!   bounds the whole exchange with the transport's sleep.
//! - Sleeping uses Tokio's timer (to a tick before the instant, then yielding until it): calls
//!   need a Tokio runtime with the timer (current-thread or multi-thread). The futures are
//!   `Send`.
//!
//! ## Dropping a call mid-way (cancellation)
//! Dropping the future of a call abandons it at once: no further attempt. An attempt in flight
//! may still reach Stripe; that is why the key is known first: [`Client::prepare`], persist
//! [`Prepared::idempotency_key`], then run it; resume within 24 h with
//! [`Request::with_idempotency_key`] and Stripe answers with the stored result.
//!
//! ## Example
//! ```
//! use stripe_reqwest::{Client, Config, Request};
//!
//! let client = Client::new(Config::builder("sk_test_123").build()?);
//! let prepared = client.prepare(Request::post("/v1/refunds", &[("charge", "ch_1")])?)?;
//! let key = prepared.idempotency_key().expect("every POST carries a key").to_string();
//! // Persist `key` next to your own record here, then `prepared.run().await`.
//! assert!(!key.is_empty());
//! assert!(!format!("{client:?}").contains("sk_test_123")); // secrets never in Debug
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

pub use reqwest;
pub use stripe_client::exports::*;
pub use transport::{AttemptError, Reqwest};
stripe_client::driver!(async Reqwest);

mod transport;
