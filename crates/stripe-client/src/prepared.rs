//! [`Prepared`]: a call whose idempotency key is known and nothing of which has been sent.

use std::fmt;

use stripe_core::{Action, Call, Error, IdempotencyKey, Method, Response};

use crate::{AsyncClient, AsyncTransport, Client, Transport};

/// A call whose idempotency key is known and nothing of which has been sent yet, from
/// [`Client::prepare`] or [`AsyncClient::prepare`].
#[must_use = "a prepared call does nothing until it is run"]
pub struct Prepared<'a, C> {
    client: &'a C,
    call: Call,
    first: Action,
}

impl<C> fmt::Debug for Prepared<'_, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Prepared")
            .field("method", &self.call.method())
            .field("path", &self.call.path())
            .field("idempotency_key", &self.call.idempotency_key())
            .finish_non_exhaustive()
    }
}

impl<'a, C> Prepared<'a, C> {
    pub(crate) fn new(client: &'a C, call: Call, first: Action) -> Self {
        Self {
            client,
            call,
            first,
        }
    }

    /// The call and its first action, for a caller that drives the call itself (as
    /// `stripe-journal` does, to check its lease before each attempt): feed each action's
    /// outcome to [`Call::handle`] and send each [`Action::Send`] as an [`crate::Attempt`].
    /// The client's retry hook and telemetry memory are not involved in a call driven so.
    pub fn into_call(self) -> (Call, Action) {
        (self.call, self.first)
    }

    /// The key every attempt will carry (`None` for GET and DELETE): persist it before
    /// running the call to resume safely after a crash.
    pub fn idempotency_key(&self) -> Option<&IdempotencyKey> {
        self.call.idempotency_key()
    }
    /// The method.
    pub fn method(&self) -> Method {
        self.call.method()
    }
    /// The path with its query.
    pub fn path(&self) -> &str {
        self.call.path()
    }
}

impl<T: Transport> Prepared<'_, Client<T>> {
    /// Makes the call to its end: attempts, sleeps between them, and the final outcome.
    pub fn run(self) -> Result<Response, Error> {
        self.client.run(self)
    }
}

impl<T: AsyncTransport> Prepared<'_, AsyncClient<T>> {
    /// Makes the call to its end. Dropping the future abandons the call: no further attempt;
    /// one in flight may still be processed by Stripe, which is why the key is known first.
    pub async fn run(self) -> Result<Response, Error> {
        self.client.run(self).await
    }
}
