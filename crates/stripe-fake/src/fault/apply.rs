//! Applying a fault to the model: the outcome a transport (real or simulated) must enact.

use std::time::SystemTime;

use bytes::Bytes;
use http::{Request, Response};

use super::{Fault, FaultPlan};
use crate::model::errors::ApiError;
use crate::model::{Begin, Completion, Model};

/// What the transport must do with a request after its fault was applied.
#[derive(Debug)]
#[must_use]
pub enum Outcome {
    /// Send this response.
    Respond(Response<Bytes>),
    /// Close the connection without answering; `executed` says whether the model executed it.
    Drop {
        /// Whether the request took effect (and its result was stored under its key).
        executed: bool,
    },
    /// Keep the connection open and never answer.
    Hang,
    /// Wait `ms` milliseconds, then: answer `then`'s response, or finish its pending request
    /// with [`Model::finish`] (its key stays locked meanwhile, so a concurrent retry gets 409).
    Delay {
        /// Milliseconds to wait.
        ms: u64,
        /// The first phase, already done.
        then: Begin,
    },
    /// Nothing reached the model yet: keep the request and give it to [`Model::handle`] after a
    /// later request has been handled; the sender of this attempt gets no answer.
    DeliverLate,
}

impl Model {
    /// Applies `fault` (or none) to a request. Every request is logged with the fault's name.
    pub fn apply(
        &mut self,
        fault: Option<&Fault>,
        req: &Request<Bytes>,
        now: SystemTime,
    ) -> Outcome {
        let Some(fault) = fault else {
            return Outcome::Respond(self.handle(req, now));
        };
        let name = Some(fault.name());
        match fault {
            Fault::Status {
                status,
                should_retry,
                code,
            } => {
                let (request_id, index) = self.open_log(req, name);
                let err = ApiError::injected(*status, code.as_deref());
                Outcome::Respond(self.reject(index, &request_id, &err, *should_retry))
            }
            Fault::ErrorAfter { should_retry } => match self.begin_with_fault(req, now, name) {
                Begin::Respond(resp) => Outcome::Respond(resp),
                Begin::Executing(pending) => Outcome::Respond(self.complete(
                    pending,
                    now,
                    Completion::ServerError(*should_retry),
                )),
            },
            Fault::DropAfter => {
                let index = self.next_log_index();
                let executed = match self.begin_with_fault(req, now, name) {
                    Begin::Respond(_) => false,
                    Begin::Executing(pending) => {
                        let _lost = self.finish(pending, now);
                        true
                    }
                };
                self.mark_unanswered(index);
                Outcome::Drop { executed }
            }
            Fault::Delay { ms } => Outcome::Delay {
                ms: *ms,
                then: self.begin_with_fault(req, now, name),
            },
            Fault::DropBefore => {
                self.open_log(req, name);
                Outcome::Drop { executed: false }
            }
            Fault::Hang => {
                self.open_log(req, name);
                Outcome::Hang
            }
            Fault::DeliverLate => {
                self.open_log(req, name);
                Outcome::DeliverLate
            }
        }
    }

    /// Takes the next fault from `plan` for this request and applies it.
    pub fn serve(
        &mut self,
        plan: &mut FaultPlan,
        req: &Request<Bytes>,
        now: SystemTime,
    ) -> Outcome {
        let fault = plan.next_fault(req.method(), req.uri().path());
        self.apply(fault.as_ref(), req, now)
    }
}
