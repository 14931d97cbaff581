//! The audit as a sans-IO machine: it says which call to make or which intent to load next
//! ([`Next`]) and is told what came back. No I/O, no clock.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use stripe_core::list::ListWalk;
use stripe_core::{Error, IdempotencyKey, Request, Response};

use super::AuditError;
use super::report::{AuditObject, AuditRefund, AuditReport, Duplicate, RefundResult};
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, State};
use crate::machine::lookup::tag_names;

/// The resources the journal tags when it creates them.
const RESOURCES: [&str; 4] = ["charges", "payment_intents", "customers", "refunds"];

/// What the driver does next.
pub(super) enum Next {
    /// Send this request with the client, then [`Walk::answered`].
    Call(Request),
    /// Load this intent from the journal, then [`Walk::loaded`].
    Load(IntentId),
    /// The audit is over.
    Done(Result<AuditReport, AuditError>),
}

/// Where the walk is.
enum Phase {
    /// Listing `RESOURCES[resource]`, page by page (stripe-core's walk: its cursor, its
    /// repeated-cursor and page-cap checks).
    List { resource: usize, walk: ListWalk },
    /// Loading the intent of `duplicates[index]`.
    Load { index: usize },
    /// Refunding `candidates[index]`; `checked` once a payment intent's refunds were listed.
    Refund { index: usize, checked: bool },
    /// Over.
    Finished,
}

/// One audit in progress.
pub(super) struct Walk {
    namespace: String,
    op_tag: String,
    ns_tag: String,
    scope: String,
    since: SystemTime,
    refund_extras: bool,
    tagged: BTreeMap<(String, String), Vec<AuditObject>>,
    count: u64,
    duplicates: Vec<Duplicate>,
    candidates: Vec<(String, String, AuditObject)>,
    refunds: Vec<AuditRefund>,
    phase: Phase,
    failed: Option<AuditError>,
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Walk {
    pub(super) fn new(
        namespace: &str,
        metadata_key: &str,
        scope: &str,
        since: SystemTime,
        refund_extras: bool,
    ) -> Self {
        let (op_tag, ns_tag) = tag_names(metadata_key);
        Self {
            namespace: namespace.to_owned(),
            op_tag,
            ns_tag,
            scope: scope.to_owned(),
            since,
            refund_extras,
            tagged: BTreeMap::new(),
            count: 0,
            duplicates: Vec::new(),
            candidates: Vec::new(),
            refunds: Vec::new(),
            phase: Phase::Finished,
            failed: None,
        }
        .listing(0)
    }

    /// The walk over `RESOURCES[resource]`'s objects created since the audit's start.
    fn listing(mut self, resource: usize) -> Self {
        self.phase = self.list_phase(resource);
        self
    }

    fn list_phase(&mut self, resource: usize) -> Phase {
        let name = RESOURCES[resource];
        let params = [
            ("created[gte]", unix(self.since).to_string()),
            ("limit", "100".to_owned()),
        ];
        match ListWalk::new(&format!("/v1/{name}"), &params) {
            Ok(walk) => Phase::List { resource, walk },
            Err(e) => {
                self.failed = Some(AuditError::Unreadable {
                    what: name.to_owned(),
                    detail: e.to_string(),
                });
                Phase::Finished
            }
        }
    }

    /// The next thing to do.
    pub(super) fn next(&mut self) -> Next {
        loop {
            if let Some(error) = self.failed.take() {
                self.phase = Phase::Finished;
                return Next::Done(Err(error));
            }
            match &self.phase {
                Phase::List { resource, walk } => match walk.next_request() {
                    Some(Ok(request)) => return Next::Call(request),
                    Some(Err(e)) => {
                        self.failed = Some(AuditError::Unreadable {
                            what: RESOURCES[*resource].to_owned(),
                            detail: e.to_string(),
                        });
                    }
                    None => self.phase = Phase::Finished,
                },
                Phase::Load { index } => match self.duplicates.get(*index) {
                    None => self.start_refunds(),
                    Some(dup) => match IntentId::new(self.scope.as_str(), dup.op.as_str()) {
                        Ok(id) => return Next::Load(id),
                        // Not an id the journal could have made: nothing recorded.
                        Err(_) => self.phase = Phase::Load { index: index + 1 },
                    },
                },
                Phase::Refund { index, checked } => {
                    let (index, checked) = (*index, *checked);
                    let Some((op, resource, object)) = self.candidates.get(index).cloned() else {
                        self.phase = Phase::Finished;
                        continue;
                    };
                    match refund_step(&resource, &object, checked) {
                        Ok(request) => return Next::Call(request),
                        Err(result) => self.settle_refund(op, resource, object.id(), result),
                    }
                }
                Phase::Finished => return Next::Done(Ok(self.report())),
            }
        }
    }

    /// A call's answer.
    pub(super) fn answered(&mut self, result: Result<Response, Error>) {
        match std::mem::replace(&mut self.phase, Phase::Finished) {
            Phase::List { resource, walk } => self.listed(resource, walk, result),
            Phase::Refund { index, checked } => self.refund_answered(index, checked, result),
            other => self.phase = other,
        }
    }

    fn listed(&mut self, resource: usize, mut walk: ListWalk, result: Result<Response, Error>) {
        let name = RESOURCES[resource];
        let page = match result {
            Ok(response) => walk.absorb(response),
            Err(error) => {
                self.failed = Some(AuditError::Stripe {
                    what: name.to_owned(),
                    error: Box::new(error),
                });
                return;
            }
        };
        // Not a list, a cursor that loops, past the page cap: the walk's own word for it.
        let data = match page {
            Ok(data) => data,
            Err(error) => {
                self.failed = Some(AuditError::Unreadable {
                    what: name.to_owned(),
                    detail: error.to_string(),
                });
                return;
            }
        };
        for object in &data {
            let metadata = &object["metadata"];
            let (Some(op), Some(ns)) = (
                metadata[self.op_tag.as_str()].as_str(),
                metadata[self.ns_tag.as_str()].as_str(),
            ) else {
                continue;
            };
            if ns != self.namespace {
                continue;
            }
            if let Some(found) = AuditObject::from_json(object) {
                self.count += 1;
                self.tagged
                    .entry((name.to_owned(), op.to_owned()))
                    .or_default()
                    .push(found);
            }
        }
        self.phase = if !walk.is_done() {
            Phase::List { resource, walk }
        } else if resource + 1 < RESOURCES.len() {
            self.list_phase(resource + 1)
        } else {
            self.group();
            Phase::Load { index: 0 }
        };
    }

    /// The operations with more than one object, their objects oldest first (ties in Stripe's
    /// order, which lists the newest first).
    fn group(&mut self) {
        for ((resource, op), mut objects) in std::mem::take(&mut self.tagged) {
            if objects.len() < 2 {
                continue;
            }
            objects.reverse();
            objects.sort_by_key(AuditObject::created);
            self.duplicates.push(Duplicate {
                resource,
                op,
                objects,
                recorded: None,
            });
        }
    }

    /// The intent of the duplicate being looked at.
    pub(super) fn loaded(&mut self, result: Result<Option<Intent>, JournalError>) {
        let Phase::Load { index } = self.phase else {
            return;
        };
        match result {
            Err(e) => self.failed = Some(AuditError::Journal(e)),
            Ok(row) => {
                if let (Some(dup), Some(State::Done(answer))) = (
                    self.duplicates.get_mut(index),
                    row.as_ref().map(Intent::state),
                ) && let Some(id) = answer.object_id()
                    && dup.objects.iter().any(|o| o.id() == id)
                {
                    dup.recorded = Some(id.to_owned());
                }
                self.phase = Phase::Load { index: index + 1 };
            }
        }
    }

    fn start_refunds(&mut self) {
        if self.refund_extras {
            for dup in &self.duplicates {
                if matches!(dup.resource.as_str(), "charges" | "payment_intents") {
                    for extra in dup.extras() {
                        let entry = (dup.op.clone(), dup.resource.clone(), extra.clone());
                        self.candidates.push(entry);
                    }
                }
            }
        }
        self.phase = Phase::Refund {
            index: 0,
            checked: false,
        };
    }

    fn settle_refund(&mut self, op: String, resource: String, object: &str, result: RefundResult) {
        self.refunds.push(AuditRefund {
            op,
            resource,
            object: object.to_owned(),
            result,
        });
        if let Phase::Refund { index, .. } = self.phase {
            self.phase = Phase::Refund {
                index: index + 1,
                checked: false,
            };
        }
    }

    fn refund_answered(&mut self, index: usize, checked: bool, result: Result<Response, Error>) {
        self.phase = Phase::Refund { index, checked };
        let Some((op, resource, object)) = self.candidates.get(index).cloned() else {
            return;
        };
        let outcome = match (&result, checked || resource == "charges") {
            (Err(e), _) => Some(RefundResult::Failed {
                detail: e.to_string(),
            }),
            // A payment intent's refunds, listed.
            (Ok(response), false) => {
                let live = response
                    .json()
                    .and_then(|b| b["data"].as_array())
                    .map(|refunds| {
                        refunds
                            .iter()
                            .any(|r| !matches!(r["status"].as_str(), Some("failed" | "canceled")))
                    });
                match live {
                    Some(true) => Some(RefundResult::AlreadyRefunded),
                    Some(false) => {
                        self.phase = Phase::Refund {
                            index,
                            checked: true,
                        };
                        None
                    }
                    None => Some(RefundResult::Failed {
                        detail: "the refunds list was unreadable".into(),
                    }),
                }
            }
            (Ok(response), true) => Some(match response.json().and_then(|b| b["id"].as_str()) {
                Some(refund) => RefundResult::Refunded {
                    refund: refund.to_owned(),
                    replayed: response.is_replayed(),
                },
                None => RefundResult::Failed {
                    detail: "the refund's answer had no id".into(),
                },
            }),
        };
        if let Some(outcome) = outcome {
            self.settle_refund(op, resource, object.id(), outcome);
        }
    }

    fn report(&mut self) -> AuditReport {
        AuditReport {
            namespace: self.namespace.clone(),
            since: self.since,
            tagged: self.count,
            duplicates: std::mem::take(&mut self.duplicates),
            refunds: std::mem::take(&mut self.refunds),
        }
    }
}

/// The next call for one extra object, or why none is made.
fn refund_step(
    resource: &str,
    object: &AuditObject,
    checked: bool,
) -> Result<Request, RefundResult> {
    let not = |reason: String| Err(RefundResult::NotRefundable { reason });
    if object.status() != Some("succeeded") {
        return not(format!("status {}", object.status().unwrap_or("unknown")));
    }
    let field = match resource {
        "charges" if object.is_refunded() => return Err(RefundResult::AlreadyRefunded),
        "charges" => match object.payment_intent() {
            Some(pi) => return not(format!("made by payment intent {pi}: refunded through it")),
            None => "charge",
        },
        "payment_intents" if !checked => {
            let query: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("payment_intent", object.id())
                .append_pair("limit", "100")
                .finish();
            return Request::get(&format!("/v1/refunds?{query}")).map_err(|e| {
                RefundResult::Failed {
                    detail: e.to_string(),
                }
            });
        }
        "payment_intents" => "payment_intent",
        other => return not(format!("{other} are not refunded")),
    };
    let failed = |e: stripe_core::RequestError| RefundResult::Failed {
        detail: e.to_string(),
    };
    let key = IdempotencyKey::new(AuditRefund::key_for(object.id())).map_err(failed)?;
    Request::post("/v1/refunds", &[(field, object.id())])
        .and_then(|r| r.with_idempotency_key(key))
        .map_err(failed)
}
