//! What a test clock's advance runs, in time order, at the clock's times: for the subscriptions
//! and invoices on the clock, everything due in `(from, to]`.
//!
//! - A subscription's period end: it is canceled if `cancel_at_period_end` (or its `cancel_at`
//!   came), else its next period starts (`customer.subscription.updated`, `invoice.created`; a
//!   trial ends the same way, the subscription turning `active`).
//! - Three days before a trial ends: `customer.subscription.trial_will_end`.
//! - A `cancel_at` before the period's end: the subscription is canceled then.
//! - An `incomplete` subscription 23 hours old: `incomplete_expired`.
//! - A draft invoice with `auto_advance`, an hour after its creation: finalized
//!   (`invoice.finalized`) and, charged automatically, paid or failed
//!   (`invoice.paid` / `invoice.payment_failed`, with the payment intent's and charge's events).
//! - An open invoice's `next_payment_attempt`: the retry.
//!
//! The events name no request (`request.id` null), as Stripe's clock-driven events do.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use serde_json::Value;

use super::calendar::Interval;
use super::invoicing::INVOICES;
use super::lifecycle::{INCOMPLETE_WINDOW, SUBSCRIPTIONS, interval_of};
use crate::model::Model;
use crate::model::errors::ApiError;

/// Three days: when `customer.subscription.trial_will_end` comes before a trial's end.
const TRIAL_NOTICE: i64 = 3 * 86_400;
/// An hour: how long a subscription's draft invoice waits before it is finalized.
const DRAFT_WAIT: i64 = 3600;

/// What is due on a subscription.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    TrialWillEnd,
    PeriodEnd,
    CancelAt,
    Expire,
}

/// The first thing due on a subscription after `after`, and when.
fn subscription_step(sub: &Value, after: i64) -> Option<(i64, Step)> {
    let end = sub["current_period_end"].as_i64()?;
    let later = |t: i64| t > after;
    match sub["status"].as_str()? {
        "incomplete" => {
            let expiry = sub["created"].as_i64()?.saturating_add(INCOMPLETE_WINDOW);
            later(expiry).then_some((expiry, Step::Expire))
        }
        "trialing" => {
            let notice = sub["trial_end"].as_i64()?.saturating_sub(TRIAL_NOTICE);
            let started = sub["trial_start"].as_i64().unwrap_or(i64::MIN);
            if later(notice) && notice > started {
                Some((notice, Step::TrialWillEnd))
            } else {
                later(end).then_some((end, Step::PeriodEnd))
            }
        }
        "active" | "past_due" | "unpaid" => match sub["cancel_at"].as_i64() {
            Some(cancel) if cancel < end && later(cancel) => Some((cancel, Step::CancelAt)),
            _ => later(end).then_some((end, Step::PeriodEnd)),
        },
        _ => None,
    }
}

/// When an invoice is due for Stripe's automatic advance after `after`: a draft an hour after
/// its creation, an open one at its next payment attempt.
fn invoice_step(invoice: &Value, after: i64) -> Option<i64> {
    if invoice["auto_advance"] != true {
        return None;
    }
    let at = match invoice["status"].as_str()? {
        "draft" => invoice["created"].as_i64()?.saturating_add(DRAFT_WAIT),
        "open" => invoice["next_payment_attempt"].as_i64()?,
        _ => return None,
    };
    (at > after).then_some(at)
}

/// One entry of the schedule: due time, then order of scheduling (ties in that order).
type Due = Reverse<(i64, u64, bool, String)>;

/// The schedule of one advance.
struct Schedule {
    heap: BinaryHeap<Due>,
    seq: u64,
    to: i64,
}

impl Schedule {
    fn push(&mut self, at: Option<i64>, invoice: bool, id: &str) {
        if let Some(at) = at.filter(|at| *at <= self.to) {
            self.seq += 1;
            self.heap
                .push(Reverse((at, self.seq, invoice, id.to_owned())));
        }
    }
}

impl Model {
    /// Refuses an advance beyond two intervals of the clock's shortest live subscription (two
    /// years without one), as Stripe does.
    pub(crate) fn check_advance(&self, clock: &str, from: i64, to: i64) -> Result<(), ApiError> {
        let mut shortest: Option<Interval> = None;
        for sub in self.collection(SUBSCRIPTIONS)?.as_slice() {
            let live = !matches!(
                sub["status"].as_str(),
                Some("canceled" | "incomplete_expired")
            );
            if sub["test_clock"] == clock && live {
                let interval = interval_of(sub)?;
                if shortest.is_none_or(|s| interval.shorter_than(s)) {
                    shortest = Some(interval);
                }
            }
        }
        let limit = match shortest {
            Some(interval) => interval.after(from, 2),
            None => Interval::years(2).after(from, 1),
        };
        if to > limit {
            return Err(ApiError::invalid_param(
                "frozen_time",
                "parameter_invalid_integer",
                format!(
                    "Cannot advance the test clock to {to}: it may move at most two intervals of its shortest subscription (two years without one) at a time, to {limit}."
                ),
            ));
        }
        Ok(())
    }

    /// Runs everything due on clock `clock`'s objects in `(from, to]`, in time order.
    pub(crate) fn run_billing(&mut self, clock: &str, from: i64, to: i64) -> Result<(), ApiError> {
        let request = self.current_request.take();
        let ran = self.run_schedule(clock, from, to);
        self.current_request = request;
        ran
    }

    fn run_schedule(&mut self, clock: &str, from: i64, to: i64) -> Result<(), ApiError> {
        let mut schedule = Schedule {
            heap: BinaryHeap::new(),
            seq: 0,
            to,
        };
        for sub in self.collection(SUBSCRIPTIONS)?.as_slice() {
            if sub["test_clock"] == clock
                && let Some(id) = sub["id"].as_str()
            {
                let due = subscription_step(sub, from).map(|(at, _)| at);
                schedule.push(due, false, id);
            }
        }
        for invoice in self.collection(INVOICES)?.as_slice() {
            if invoice["test_clock"] == clock
                && let Some(id) = invoice["id"].as_str()
            {
                schedule.push(invoice_step(invoice, from), true, id);
            }
        }
        while let Some(Reverse((at, _, is_invoice, id))) = schedule.heap.pop() {
            if is_invoice {
                self.advance_invoice(&id, at, &mut schedule)?;
            } else {
                self.advance_subscription(&id, at, &mut schedule)?;
            }
        }
        Ok(())
    }

    fn advance_subscription(
        &mut self,
        id: &str,
        at: i64,
        schedule: &mut Schedule,
    ) -> Result<(), ApiError> {
        let sub = self.collection(SUBSCRIPTIONS)?.get(id)?;
        let Some((due, step)) = subscription_step(sub, at - 1).filter(|(due, _)| *due == at) else {
            return Ok(()); // changed since it was scheduled
        };
        let canceling = sub["cancel_at_period_end"] == true
            || sub["cancel_at"].as_i64().is_some_and(|c| c <= due);
        match step {
            Step::TrialWillEnd => {
                let sub = sub.clone();
                self.record_event("customer.subscription.trial_will_end", &sub, at);
            }
            Step::PeriodEnd | Step::CancelAt if canceling || step == Step::CancelAt => {
                self.end_subscription(id, "cancellation_requested", at)?;
            }
            Step::PeriodEnd | Step::CancelAt => {
                let invoice = self.next_period(id, at)?;
                let due = invoice_step(self.collection(INVOICES)?.get(&invoice)?, at - 1);
                schedule.push(due, true, &invoice);
            }
            Step::Expire => self.expire_incomplete(id, at)?,
        }
        let next = subscription_step(self.collection(SUBSCRIPTIONS)?.get(id)?, at).map(|(t, _)| t);
        schedule.push(next, false, id);
        Ok(())
    }

    fn advance_invoice(
        &mut self,
        id: &str,
        at: i64,
        schedule: &mut Schedule,
    ) -> Result<(), ApiError> {
        let invoice = self.collection(INVOICES)?.get(id)?;
        if invoice_step(invoice, at - 1) != Some(at) {
            return Ok(()); // paid, voided or changed since it was scheduled
        }
        if invoice["status"] == "draft" {
            self.finalize_invoice(id, at)?;
        }
        let invoice = self.collection(INVOICES)?.get(id)?;
        if invoice["status"] == "open" && invoice["collection_method"] == "charge_automatically" {
            self.collect_invoice(id, None, true, at)?;
        }
        let next = invoice_step(self.collection(INVOICES)?.get(id)?, at);
        schedule.push(next, true, id);
        Ok(())
    }
}
