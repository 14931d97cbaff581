//! How a call ends in an error: a body over the cap, a failure with its advice and key, a
//! request the transport refused, an input out of order.

use super::{Inner, State};
use crate::action::Action;
use crate::advice::Advice;
use crate::failure::{Error, ErrorKind};
use crate::request::Namespace;
use crate::response::Response;

impl Inner {
    /// A body over the cap: the call fails, with the headers kept.
    #[cold]
    #[inline(never)]
    pub(super) fn too_large(&mut self, parts: http::response::Parts) -> Action {
        let status = parts.status;
        // A 2xx whose body is lost: a v1 POST may have taken effect (its replay would be over
        // the cap again); a v2 retry with the same key gives the answer again; a read needs a
        // larger cap.
        let keyed = self.namespace.carries_key(self.method);
        let advice = match (keyed, self.namespace, status.is_success()) {
            (true, Namespace::V1, true) => Advice::Reconcile,
            (true, _, true) => Advice::RetrySameKey,
            (false, _, true) => Advice::FixRequest,
            _ => Advice::for_answer(self.namespace, self.method, status),
        };
        self.state = State::Over;
        let error = Error::new(
            ErrorKind::ResponseTooLarge {
                status,
                limit: self.max_body_bytes,
            },
            advice,
        )
        .with_call(self.key.clone(), self.attempts)
        .with_headers(parts.headers);
        Action::Fail(error)
    }

    #[cold]
    #[inline(never)]
    pub(super) fn fail(&mut self, kind: ErrorKind, last: Option<Response>) -> Action {
        self.state = State::Over;
        let advice = match (&kind, &last) {
            (ErrorKind::KeyExpired { .. }, _) => Advice::Reconcile,
            (_, Some(resp)) => resp.advice(),
            _ => Advice::no_response(self.namespace, self.method),
        };
        let error = Error::new(kind, advice)
            .with_call(self.key.clone(), self.attempts)
            .with_response(last);
        event!(warn, method = %self.method, path = %self.path(), attempts = error.attempts(), advice = ?error.advice(), idempotency_key = error.idempotency_key().map_or("", |k| k.as_str()), error = %error, "stripe call failed");
        Action::Fail(error)
    }

    /// The transport would not build the request: that attempt was never made, and no other
    /// would be. Invalid input; what to do is to fix it, unless earlier attempts were sent.
    #[cold]
    #[inline(never)]
    pub(super) fn refused(&mut self) -> Action {
        self.state = State::Over;
        self.attempts = self.attempts.saturating_sub(1);
        let advice = match self.attempts {
            0 => Advice::FixRequest,
            _ => Advice::no_response(self.namespace, self.method),
        };
        let error = Error::new(ErrorKind::InvalidRequest, advice)
            .with_call(self.key.clone(), self.attempts);
        event!(warn, method = %self.method, path = %self.path(), attempts = self.attempts, "stripe request refused by the transport");
        Action::Fail(error)
    }

    #[cold]
    #[inline(never)]
    pub(super) fn out_of_order(&mut self, expected: &'static str) -> Action {
        self.fail(ErrorKind::OutOfOrder { expected }, None)
    }
}
