//! The two phases of a request: admission (auth, route, idempotency, validation) and
//! completion (execution, storing, answering), plus the log and response helpers.

use std::time::SystemTime;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode};
use serde_json::Value;

use super::errors::ApiError;
use super::idempotency::{self, Lookup, Slot, Stored};
use super::params::Params;
use super::{Begin, Completion, LogEntry, Model, Pending, auth, v2};

impl Model {
    /// Starts a log entry for a request and returns its request id and index.
    pub(crate) fn open_log(
        &mut self,
        req: &Request<Bytes>,
        fault: Option<&str>,
    ) -> (String, usize) {
        let request_id = self.next_id("req_");
        let index = self.log.len();
        self.log.push(LogEntry {
            request_id: request_id.clone(),
            method: req.method().as_str().to_owned(),
            path: req.uri().path().to_owned(),
            idempotency_key: header_str(req, "idempotency-key").map(str::to_owned),
            fault: fault.map(str::to_owned),
            status: None,
            replayed: false,
            executed: false,
        });
        (request_id, index)
    }

    /// Answers an error before execution (nothing stored) and logs it.
    pub(crate) fn reject(
        &mut self,
        log_index: usize,
        request_id: &str,
        err: &ApiError,
        should_retry: Option<bool>,
    ) -> Response<Bytes> {
        self.set_status(log_index, err.status());
        let body = err.to_json_for(self.path_at(log_index));
        let mut resp = json_response(err.status(), &body, request_id);
        if let Some(flag) = should_retry {
            set_header(
                &mut resp,
                "stripe-should-retry",
                if flag { "true" } else { "false" },
            );
        }
        resp
    }

    /// The path of the request logged at `log_index` (empty if there is none).
    fn path_at(&self, log_index: usize) -> &str {
        self.log.get(log_index).map_or("", |e| e.path.as_str())
    }

    /// Index the next log entry will have.
    pub(crate) fn next_log_index(&self) -> usize {
        self.log.len()
    }

    /// Records that the request at `log_index` got no answer (its connection was dropped).
    pub(crate) fn mark_unanswered(&mut self, log_index: usize) {
        if let Some(entry) = self.log.get_mut(log_index) {
            entry.status = None;
        }
    }

    fn set_status(&mut self, log_index: usize, status: u16) {
        if let Some(entry) = self.log.get_mut(log_index) {
            entry.status = Some(status);
        }
    }

    pub(crate) fn begin_with_fault(
        &mut self,
        req: &Request<Bytes>,
        now: SystemTime,
        fault: Option<&str>,
    ) -> Begin {
        let (request_id, log_index) = self.open_log(req, fault);
        let method = req.method().clone();
        let path = req.uri().path().to_owned();
        let secret = match auth::authenticate(req.headers()) {
            Ok(secret) => secret,
            Err(err) => return Begin::Respond(self.reject(log_index, &request_id, &err, None)),
        };
        let v2 = v2::is_v2(&path);
        let query = req.uri().query().unwrap_or_default().as_bytes();
        let params = match (method == Method::POST, v2) {
            (true, true) => match Params::parse_json(req.body(), query) {
                Ok(params) => params,
                Err(err) => {
                    return Begin::Respond(self.reject(log_index, &request_id, &err, None));
                }
            },
            (true, false) => match super::multipart::boundary(req.headers()) {
                Some(boundary) => match Params::parse_multipart(req.body(), &boundary) {
                    Ok(params) => params,
                    Err(err) => {
                        return Begin::Respond(self.reject(log_index, &request_id, &err, None));
                    }
                },
                None => Params::parse(req.body()),
            },
            (false, _) => Params::parse(query),
        };
        let Some(route) = self.route(&method, &path) else {
            let err = ApiError::unrecognized_url(method.as_str(), &path);
            return Begin::Respond(self.reject(log_index, &request_id, &err, None));
        };
        let mut slot = None;
        // v1 keys POSTs; v2 keys POSTs and DELETEs.
        let keyed = method == Method::POST || (v2 && method == Method::DELETE);
        if keyed && let Some(raw) = req.headers().get("idempotency-key") {
            let key = match raw.to_str() {
                Ok(key) => key.to_owned(),
                Err(_) => {
                    let err = ApiError::invalid_request(
                        "Invalid Idempotency-Key: it must be printable ASCII.".to_owned(),
                    );
                    return Begin::Respond(self.reject(log_index, &request_id, &err, None));
                }
            };
            if let Err(err) = idempotency::validate_key(&key) {
                return Begin::Respond(self.reject(log_index, &request_id, &err, None));
            }
            let account = header_str(req, "stripe-account").unwrap_or_default();
            let scope = format!("{secret}\u{0}{account}");
            let candidate: Slot = (scope, key);
            let sorted = params.sorted();
            match self
                .keys
                .lookup(&candidate, method.as_str(), &path, &sorted, now)
            {
                Lookup::Fresh => {}
                Lookup::Replay(mut stored) => {
                    if v2 && let Some(now) = self.updated(&stored.body) {
                        stored.body = Bytes::from(now);
                    }
                    return Begin::Respond(self.replay(
                        log_index,
                        &request_id,
                        &candidate.1,
                        stored,
                    ));
                }
                Lookup::Conflict(err) => {
                    return Begin::Respond(self.reject(log_index, &request_id, &err, None));
                }
            }
            if let Err(err) = self.validate(&route, &params, now) {
                return Begin::Respond(self.reject(log_index, &request_id, &err, None));
            }
            self.keys.lock(
                candidate.clone(),
                method.as_str().to_owned(),
                path,
                sorted,
                now,
            );
            slot = Some(candidate);
        } else if let Err(err) = self.validate(&route, &params, now) {
            return Begin::Respond(self.reject(log_index, &request_id, &err, None));
        }
        Begin::Executing(Pending {
            request_id,
            log_index,
            route,
            params,
            slot,
            context: header_str(req, "stripe-context").map(str::to_owned),
        })
    }

    fn replay(
        &mut self,
        log_index: usize,
        request_id: &str,
        key: &str,
        stored: Stored,
    ) -> Response<Bytes> {
        if let Some(entry) = self.log.get_mut(log_index) {
            entry.status = Some(stored.status);
            entry.replayed = true;
        }
        let mut resp = bytes_response(stored.status, stored.body, request_id);
        set_header(&mut resp, "idempotency-key", key);
        set_header(&mut resp, "idempotent-replayed", "true");
        set_header(&mut resp, "original-request", &stored.request_id);
        if let Some(flag) = stored.should_retry {
            set_header(
                &mut resp,
                "stripe-should-retry",
                if flag { "true" } else { "false" },
            );
        }
        resp
    }

    pub(crate) fn complete(
        &mut self,
        pending: Pending,
        now: SystemTime,
        how: Completion,
    ) -> Response<Bytes> {
        self.current_context.clone_from(&pending.context);
        self.current_request = Some((
            pending.request_id.clone(),
            pending.slot.as_ref().map(|(_, key)| key.clone()),
        ));
        let outcome = self.execute(&pending, now);
        let raw = self.raw_answer.take();
        self.current_request = None;
        self.current_context = None;
        self.record_search_versions(now);
        let path = self.path_at(pending.log_index).to_owned();
        let v2 = v2::is_v2(&path);
        // v2 stores a success even when its answer is lost to an injected 500: the retry
        // completes with it instead of running the work twice.
        let succeeded = match &outcome {
            Ok(value) => Some(Bytes::from(value.to_string())),
            Err(_) => None,
        };
        let (status, body, should_retry) = match (how, outcome) {
            (Completion::Normal, Ok(value)) => (200, value, None),
            (Completion::Normal, Err(err)) => (err.status(), err.to_json_for(&path), None),
            (Completion::ServerError(flag), _) => {
                let err = ApiError::injected(500, None);
                (500, err.to_json_for(&path), flag)
            }
        };
        if let Some(entry) = self.log.get_mut(pending.log_index) {
            entry.status = Some(status);
            entry.executed = true;
        }
        let body = Bytes::from(body.to_string());
        if let Some(slot) = &pending.slot {
            let stored = match (v2, succeeded) {
                (false, _) => Some((status, body.clone(), should_retry)),
                (true, Some(done)) => Some((200, done, None)),
                (true, None) => None,
            };
            match stored {
                Some((status, body, should_retry)) => self.keys.complete(
                    slot,
                    Stored {
                        status,
                        body,
                        request_id: pending.request_id.clone(),
                        should_retry,
                    },
                ),
                None => self.keys.forget(slot),
            }
        }
        let mut resp = bytes_response(status, body, &pending.request_id);
        if let (200, Some((content_type, bytes))) = (status, raw) {
            // A file's contents: its bytes and type, never stored under a key (a GET).
            *resp.body_mut() = bytes;
            set_header(&mut resp, "content-type", &content_type);
        }
        if let Some((_, key)) = &pending.slot {
            set_header(&mut resp, "idempotency-key", key);
        }
        if let Some(flag) = should_retry {
            set_header(
                &mut resp,
                "stripe-should-retry",
                if flag { "true" } else { "false" },
            );
        }
        resp
    }
}

fn header_str<'a>(req: &'a Request<Bytes>, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A JSON response with the headers every answer carries.
pub(crate) fn json_response(status: u16, body: &Value, request_id: &str) -> Response<Bytes> {
    bytes_response(status, Bytes::from(body.to_string()), request_id)
}

fn bytes_response(status: u16, body: Bytes, request_id: &str) -> Response<Bytes> {
    let mut resp = Response::new(body);
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    set_header(&mut resp, "content-type", "application/json");
    set_header(&mut resp, "request-id", request_id);
    resp
}

/// Sets a header, skipping values that are not valid header text.
pub(crate) fn set_header(resp: &mut Response<Bytes>, name: &'static str, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, value);
    }
}
