//! Accepting connections and answering one request: faults, model, admin endpoints.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::net::TcpListener;
use tokio::sync::watch;

use super::Shared;
use crate::fault::{FaultPlan, Outcome};
use crate::model::{Begin, ChallengeOutcome, Kind, MAX_UPLOAD_BODY};

/// Largest request body accepted, but for a file upload ([`MAX_UPLOAD_BODY`]).
const MAX_BODY: usize = 1 << 20;

/// Returned by the service to make hyper close the connection without writing a response.
#[derive(Debug)]
struct CloseConnection;

impl fmt::Display for CloseConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("connection closed by the fault plan")
    }
}

impl std::error::Error for CloseConnection {}

type Answer = Result<Response<Full<Bytes>>, CloseConnection>;

async fn stopped(mut stop: watch::Receiver<bool>) {
    // An error means the handle is gone: stop too.
    let _ = stop.wait_for(|s| *s).await;
}

pub(super) async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
) {
    loop {
        let accepted = tokio::select! {
            () = stopped(stop.clone()) => return,
            accepted = listener.accept() => accepted,
        };
        let Ok((stream, _peer)) = accepted else {
            // Transient accept errors (e.g. too many open files): back off a little.
            tokio::time::sleep(Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        shared.connections.fetch_add(1, Ordering::SeqCst);
        let conn_shared = Arc::clone(&shared);
        let conn_stop = stop.clone();
        tokio::spawn(async move {
            let service_stop = conn_stop.clone();
            let service =
                service_fn(move |req| answer(Arc::clone(&conn_shared), service_stop.clone(), req));
            let mut builder = http1::Builder::new();
            builder.keep_alive(true).timer(TokioTimer::new());
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                () = stopped(conn_stop) => {}
                _ = conn => {}
            }
        });
    }
}

fn to_hyper(resp: Response<Bytes>) -> Response<Full<Bytes>> {
    resp.map(Full::new)
}

pub(super) fn plain(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from(body.to_string())));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    resp
}

async fn answer(
    shared: Arc<Shared>,
    stop: watch::Receiver<bool>,
    req: Request<Incoming>,
) -> Answer {
    let (parts, body) = req.into_parts();
    let upload = parts.method == Method::POST && parts.uri.path() == "/v1/files";
    let limit = if upload { MAX_UPLOAD_BODY } else { MAX_BODY };
    let body = match Limited::new(body, limit).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => {
            let message = if upload {
                "Request body unreadable, or larger than the 16 MB a file may have."
            } else {
                "Request body unreadable or larger than 1 MiB."
            };
            let err = json!({"error": {"type": "invalid_request_error", "message": message}});
            return Ok(plain(StatusCode::PAYLOAD_TOO_LARGE, &err));
        }
    };
    let req = Request::from_parts(parts, body);
    if req.uri().path().starts_with("/_fake/") {
        return Ok(admin(&shared, &req));
    }
    let (outcome, handled_before) = {
        let fault = shared.plan().next_fault(req.method(), req.uri().path());
        let now = shared.now();
        let mut model = shared.model();
        let before = *shared.handled.borrow();
        let outcome = model.apply(fault.as_ref(), &req, now);
        if !matches!(outcome, Outcome::DeliverLate | Outcome::Hang) {
            shared.bump_handled();
        }
        (outcome, before)
    };
    shared.dispatch_events();
    match outcome {
        Outcome::Respond(resp) => Ok(to_hyper(resp)),
        Outcome::Drop { .. } => Err(CloseConnection),
        Outcome::Hang => {
            stopped(stop).await;
            Err(CloseConnection)
        }
        Outcome::Delay { ms, then } => delayed(shared, ms, then).await,
        Outcome::DeliverLate => {
            // The request travels on its own: it reaches the model after a later request was
            // handled, whether or not this connection is still open.
            let task_shared = Arc::clone(&shared);
            let task = tokio::spawn(async move {
                let mut handled = task_shared.handled.subscribe();
                let _ = handled.wait_for(|n| *n != handled_before).await;
                let now = task_shared.now();
                let resp = task_shared.model().handle(&req, now);
                task_shared.bump_handled();
                task_shared.dispatch_events();
                resp
            });
            task.await.map(to_hyper).map_err(|_| CloseConnection)
        }
    }
}

async fn delayed(shared: Arc<Shared>, ms: u64, then: Begin) -> Answer {
    match then {
        Begin::Respond(resp) => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Ok(to_hyper(resp))
        }
        Begin::Executing(pending) => {
            // Executed on its own task, as a server keeps working when the client goes away;
            // the key stays locked meanwhile.
            let task = tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                let now = shared.now();
                let resp = shared.model().finish(pending, now);
                shared.bump_handled();
                shared.dispatch_events();
                resp
            });
            task.await.map(to_hyper).map_err(|_| CloseConnection)
        }
    }
}

fn admin(shared: &Shared, req: &Request<Bytes>) -> Response<Full<Bytes>> {
    let bad = |message: String| {
        plain(
            StatusCode::BAD_REQUEST,
            &json!({"error": {"type": "invalid_request_error", "message": message}}),
        )
    };
    if req.method() == Method::POST
        && let Some(id) = challenge_target(req.uri().path())
    {
        return authenticate(shared, id, req.body());
    }
    if let Some(answer) = super::checkout::answer(shared, req) {
        return answer;
    }
    match (req.method(), req.uri().path()) {
        (&Method::POST, "/_fake/plan") => {
            let text = String::from_utf8_lossy(req.body());
            match FaultPlan::from_json(&text) {
                Ok(plan) => {
                    let rules = plan.rules().len();
                    *shared.plan() = plan;
                    plain(StatusCode::OK, &json!({"ok": true, "rules": rules}))
                }
                Err(e) => bad(e.to_string()),
            }
        }
        (&Method::GET, "/_fake/log") => {
            let log = shared.model().log().to_vec();
            plain(StatusCode::OK, &json!(log))
        }
        (&Method::GET, "/_fake/counts") => {
            let model = shared.model();
            plain(
                StatusCode::OK,
                &json!({
                    "customers": model.count(Kind::Customer),
                    "charges": model.count(Kind::Charge),
                    "successful_charges": model.count(Kind::SuccessfulCharge),
                    "payment_intents": model.count(Kind::PaymentIntent),
                    "refunds": model.count(Kind::Refund),
                    "idempotency_keys": model.count(Kind::IdempotencyKey),
                    "connections_accepted": shared.connections.load(Ordering::SeqCst),
                }),
            )
        }
        (&Method::POST, "/_fake/webhooks") => {
            let text = String::from_utf8_lossy(req.body());
            match super::WebhookConfig::from_json(&text) {
                Ok(config) => {
                    let url = config.url().to_owned();
                    shared.set_webhook(Some(config));
                    plain(StatusCode::OK, &json!({"ok": true, "url": url}))
                }
                Err(e) => bad(format!("invalid webhook configuration: {e}")),
            }
        }
        (&Method::POST, "/_fake/clock") => {
            let secs = serde_json::from_slice::<serde_json::Value>(req.body())
                .ok()
                .and_then(|v| v.get("advance_secs").and_then(serde_json::Value::as_u64));
            match secs {
                Some(secs) => {
                    shared.advance(Duration::from_secs(secs));
                    plain(StatusCode::OK, &json!({"ok": true}))
                }
                None => bad("expected {\"advance_secs\": N}".to_owned()),
            }
        }
        _ => plain(
            StatusCode::NOT_FOUND,
            &json!({"error": {"type": "invalid_request_error", "message": format!("Unknown admin endpoint {} {}", req.method(), req.uri().path())}}),
        ),
    }
}

/// The intent id of `/_fake/payment_intents/{pi_...}/authenticate` or
/// `/_fake/setup_intents/{seti_...}/authenticate`.
fn challenge_target(path: &str) -> Option<&str> {
    let rest = path
        .strip_prefix("/_fake/")?
        .strip_suffix("/authenticate")?;
    let (kind, id) = rest.split_once('/')?;
    let prefix = match kind {
        "payment_intents" => "pi_",
        "setup_intents" => "seti_",
        _ => return None,
    };
    (id.starts_with(prefix) && !id.contains('/')).then_some(id)
}

/// The body of a challenge completion: `{"outcome": "succeed"|"fail"}`.
#[derive(serde::Deserialize)]
struct ChallengeBody {
    outcome: ChallengeOutcome,
}

/// Completes an intent's 3D Secure challenge as its cardholder would, and delivers the events.
fn authenticate(shared: &Shared, id: &str, body: &[u8]) -> Response<Full<Bytes>> {
    let outcome = match serde_json::from_slice::<ChallengeBody>(body) {
        Ok(parsed) => parsed.outcome,
        Err(e) => {
            let message = format!("expected {{\"outcome\": \"succeed\"|\"fail\"}}: {e}");
            return plain(
                StatusCode::BAD_REQUEST,
                &json!({"error": {"type": "invalid_request_error", "message": message}}),
            );
        }
    };
    let now = shared.now();
    let answer = shared.model().complete_challenge(id, outcome, now);
    shared.dispatch_events();
    model_answer(answer)
}

/// The model's answer to an admin request: the object, or Stripe's error with its status.
pub(super) fn model_answer(
    answer: Result<serde_json::Value, crate::model::ApiError>,
) -> Response<Full<Bytes>> {
    match answer {
        Ok(object) => plain(StatusCode::OK, &object),
        Err(e) => plain(
            StatusCode::from_u16(e.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            &e.to_json(),
        ),
    }
}
