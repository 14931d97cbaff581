//! # stripe-ureq: the blocking transport of `stripe-core`
//!
//! The I/O of one attempt over [`ureq`] 3, its error classification and the sleep: nothing
//! more. Every decision (keys, retries, waits, deadlines, advice) is [`stripe_core`]'s, and the
//! loop around it is [`stripe_client`]'s; [`Client`] is that client over this transport.
//!
//! - Each attempt is bounded as a whole (resolve, connect, send, read the whole body) by the
//!   instant the core gives; connecting also by [`Config::connect_timeout`]; at most
//!   [`Config::max_body_bytes`] + 1 bytes of a body are read. A 3xx is a response: redirects
//!   are never followed, whatever agent you bring.
//! - The default agent bounds attempts with settings made once (no per-request
//!   reconfiguration) and resolves names through a small cache, so that a bounded attempt
//!   spawns no lookup thread per request (ureq's resolver does when a timeout applies).
//! - Uploads and downloads are streamed (`Transport::send_streamed`): the request's body read
//!   from the client's source as it is sent, under the length the core declares; the answer's
//!   body left for the client to read into the caller's writer, bounded as the attempt is.
//! - Bring your own agent (pool, proxy, TLS): `Client::with_transport(config, agent.into())`.
//!
//! ## Example
//! Preparing a call performs no I/O:
//! ```
//! use stripe_ureq::{Client, Config, Request};
//!
//! let client = Client::new(Config::builder("sk_test_123").build()?);
//! let prepared = client.prepare(Request::post("/v1/refunds", &[("charge", "ch_1")])?)?;
//! let key = prepared.idempotency_key().expect("every POST carries a key").to_string();
//! // Persist `key` next to your own record here, then run the call with `prepared.run()`.
//! assert!(!key.is_empty());
//! assert!(!format!("{client:?}").contains("sk_test_123")); // secrets never in Debug
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//! The calls themselves need a Stripe (or a fake one):
//! ```no_run
//! use stripe_ureq::{Client, Config};
//!
//! let client = Client::new(Config::builder("sk_test_123").build()?);
//! match client.post("/v1/charges", &[("amount", "2000"), ("currency", "usd")]) {
//!     Ok(charge) => println!("{} after {} attempt(s)", charge.status(), charge.attempts()),
//!     Err(e) => eprintln!("persist {:?}, then: {}", e.idempotency_key(), e.advice()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(unreachable_pub)]

mod resolver;
mod transport;

pub use stripe_client::exports::*;
pub use transport::Ureq;
pub use ureq;

stripe_client::driver!(blocking Ureq);
