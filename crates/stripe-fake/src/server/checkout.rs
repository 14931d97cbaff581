//! The fake-only pages of Checkout Sessions: `GET /_fake/checkout/sessions/{id}` (where a
//! session's `url` points: the session with its line items) and
//! `POST /_fake/checkout/sessions/{id}/complete` (a customer pays on it).

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode};
use http_body_util::Full;
use serde_json::json;

use super::Shared;
use super::service::{model_answer, plain};
use crate::model::CheckoutPayer;

/// The answer to a checkout page request, or `None` for a path that names none.
pub(super) fn answer(shared: &Shared, req: &Request<Bytes>) -> Option<Response<Full<Bytes>>> {
    let rest = req.uri().path().strip_prefix("/_fake/checkout/sessions/")?;
    let (id, action) = rest.split_once('/').unwrap_or((rest, ""));
    if !id.starts_with("cs_") {
        return None;
    }
    match (req.method(), action) {
        (&Method::GET, "") => Some(page(shared, id)),
        (&Method::POST, "complete") => Some(complete(shared, id, req.body())),
        _ => None,
    }
}

/// The session as its page shows it: with its line items.
fn page(shared: &Shared, id: &str) -> Response<Full<Bytes>> {
    let now = shared.now();
    let answer = shared.model().checkout_page(id, now);
    shared.dispatch_events();
    model_answer(answer)
}

/// Pays for the session as its customer would, and delivers the events.
fn complete(shared: &Shared, id: &str, body: &[u8]) -> Response<Full<Bytes>> {
    let payer = match serde_json::from_slice::<CheckoutPayer>(body) {
        Ok(payer) => payer,
        Err(e) => {
            let message = format!(
                "expected {{\"payment_method\": \"pm_card_visa\" or \"tok_visa\" or \"pm_...\", \"email\": \"...\", \"name\": \"...\"}} (email and name optional): {e}"
            );
            return plain(
                StatusCode::BAD_REQUEST,
                &json!({"error": {"type": "invalid_request_error", "message": message}}),
            );
        }
    };
    let now = shared.now();
    let answer = shared.model().complete_checkout_session(id, &payer, now);
    shared.dispatch_events();
    model_answer(answer)
}
