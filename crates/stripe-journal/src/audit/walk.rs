//! The audit as a sans-IO machine: it says which call to make or which intent to load next
//! ([`Next`]) and is told what came back. No I/O, no clock.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use stripe_core::{Error, IdempotencyKey, Request, Response};

use super::AuditError;
use super::report::{AuditObject, AuditRefund, AuditReport, Duplicate, RefundResult};
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, State};
use crate::machine::lookup::tag_names;

/// The resources the journal tags when it creates them.
const RESOURCES: [&str; 4] = ["charges", "payment_intents", "customers", "refunds"];

/// The most pages one resource's walk reads (100 objects each): a bound against an answer that
/// never ends.
const MAX_PAGES: u32 = 10_000;

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
    /// Listing `RESOURCES[resource]`, after the object `after`.
    List {
        resource: usize,
        after: Option<String>,
        pages: u32,
    },
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
            phase: Phase::List {
                resource: 0,
                after: None,
                pages: 0,
            },
            failed: None,
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
                Phase::List {
                    resource, after, ..
                } => {
                    let after = after.clone();
                    return self.list_request(RESOURCES[*resource], after.as_deref());
                }
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

    fn list_request(&mut self, resource: &str, after: Option<&str>) -> Next {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("created[gte]", &unix(self.since).to_string())
            .append_pair("limit", "100");
        if let Some(after) = after {
            query.append_pair("starting_after", after);
        }
        match Request::get(&format!("/v1/{resource}?{}", query.finish())) {
            Ok(request) => Next::Call(request),
            Err(e) => {
                self.failed = Some(AuditError::Unreadable {
                    what: resource.to_owned(),
                    detail: e.to_string(),
                });
                self.next()
            }
        }
    }

    /// A call's answer.
    pub(super) fn answered(&mut self, result: Result<Response, Error>) {
        match std::mem::replace(&mut self.phase, Phase::Finished) {
            Phase::List {
                resource,
                after,
                pages,
            } => self.listed(resource, after, pages, result),
            Phase::Refund { index, checked } => self.refund_answered(index, checked, result),
            other => self.phase = other,
        }
    }

    fn listed(
        &mut self,
        resource: usize,
        after: Option<String>,
        pages: u32,
        result: Result<Response, Error>,
    ) {
        let name = RESOURCES[resource];
        let unreadable = |detail: &str| AuditError::Unreadable {
            what: name.to_owned(),
            detail: detail.to_owned(),
        };
        let response = match result {
            Ok(response) => response,
            Err(error) => {
                self.failed = Some(AuditError::Stripe {
                    what: name.to_owned(),
                    error: Box::new(error),
                });
                return;
            }
        };
        let Some(data) = response.json().and_then(|b| b["data"].as_array()) else {
            self.failed = Some(unreadable("no data array"));
            return;
        };
        for object in data {
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
        let more = response.json().and_then(|b| b["has_more"].as_bool()) == Some(true);
        let last = data
            .last()
            .and_then(|o| o["id"].as_str())
            .map(str::to_owned);
        self.phase = match last {
            Some(last) if more && after.as_deref() != Some(last.as_str()) => {
                if pages + 1 >= MAX_PAGES {
                    self.failed = Some(unreadable("too many pages"));
                    return;
                }
                Phase::List {
                    resource,
                    after: Some(last),
                    pages: pages + 1,
                }
            }
            _ if resource + 1 < RESOURCES.len() => Phase::List {
                resource: resource + 1,
                after: None,
                pages: 0,
            },
            _ => {
                self.group();
                Phase::Load { index: 0 }
            }
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
