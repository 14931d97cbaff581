//! 3D Secure: when a confirmation waits for the cardholder (`requires_action` with a
//! `next_action`), when an off-session payment is declined for want of authentication, and the
//! fake-only completion of a challenge ([`Model::complete_challenge`], served as
//! `POST /_fake/payment_intents/{id}/authenticate` and `POST /_fake/setup_intents/{id}/authenticate`).

use std::time::SystemTime;

use serde::Deserialize;
use serde_json::{Value, json};

use super::cards::{AUTHENTICATION_REQUIRED, Card, Challenge, Decline};
use super::errors::ApiError;
use super::params::Params;
use super::{Model, unix};

/// How the cardholder answers a 3D Secure challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ChallengeOutcome {
    /// Authenticated: the payment goes on (a charge is made) or the setup succeeds.
    Succeed,
    /// Failed or abandoned: the intent returns to `requires_payment_method`.
    Fail,
}

/// How a confirmation was asked for: off session (the customer is absent), and where to send
/// the customer back after a redirect.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Attempt {
    pub(crate) off_session: bool,
    pub(crate) return_url: Option<String>,
}

impl Attempt {
    /// `off_session` (`true`, `false`, `one_off`, `recurring`) and `return_url`.
    pub(crate) fn parse(p: &Params) -> Result<Self, ApiError> {
        let off_session = match p.get("off_session") {
            None | Some("false") => false,
            Some("true" | "one_off" | "recurring") => true,
            Some(other) => {
                return Err(ApiError::invalid_param(
                    "off_session",
                    "parameter_invalid_string",
                    format!(
                        "Invalid off_session: must be a boolean, one_off or recurring (got {other})"
                    ),
                ));
            }
        };
        Ok(Self {
            off_session,
            return_url: p.get("return_url").map(str::to_owned),
        })
    }
}

/// What a card's issuer makes of one payment or setup attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    /// Goes on without the cardholder.
    Pass,
    /// Waits for the cardholder to authenticate (`requires_action`).
    Challenge,
    /// Declined: the customer is away and the card asks for authentication.
    Decline(Decline),
}

/// The `next_action` of an intent waiting for authentication: `redirect_to_url` when the caller
/// gave a `return_url`, else `use_stripe_sdk` (Stripe.js handles the challenge).
fn next_action(intent: &str, return_url: Option<&str>) -> Value {
    let url = format!("https://hooks.stripe.com/redirect/authenticate/{intent}");
    match return_url {
        Some(back) => json!({
            "type": "redirect_to_url",
            "redirect_to_url": {"return_url": back, "url": url},
        }),
        None => json!({
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect", "stripe_js": url},
        }),
    }
}

/// The `last_payment_error` / `last_setup_error` of a failed challenge.
fn failure(code: &str, object: &str, payment_method: Option<&Value>) -> Value {
    json!({
        "type": "invalid_request_error",
        "code": code,
        "doc_url": format!("https://stripe.com/docs/error-codes/{}", code.replace('_', "-")),
        "message": format!("The latest attempt to set up or pay with this {object} has failed: the cardholder did not complete authentication. Try again with a new payment method."),
        "payment_method": payment_method,
    })
}

impl Model {
    /// Whether this attempt with `card` (stored as payment method `pm`) passes, waits for the
    /// cardholder, or is declined for want of authentication.
    pub(crate) fn gate(&self, pm: &str, card: &Card, attempt: &Attempt) -> Gate {
        match (card.challenge, attempt.off_session) {
            (Challenge::Never, _) => Gate::Pass,
            (Challenge::Always | Challenge::UnlessSetUp, false) => Gate::Challenge,
            (Challenge::UnlessSetUp, true) if self.is_set_up(pm) => Gate::Pass,
            (Challenge::Always | Challenge::UnlessSetUp, true) => {
                Gate::Decline(AUTHENTICATION_REQUIRED)
            }
        }
    }

    /// Whether `pm` was set up for future use: a setup intent, or a payment intent with
    /// `setup_future_usage`, succeeded with it.
    fn is_set_up(&self, pm: &str) -> bool {
        let done = |kind: &str, status: &str| {
            self.objects(kind).iter().any(|i| {
                i["payment_method"] == pm
                    && i["status"] == status
                    && (kind == "setup_intent" || !i["setup_future_usage"].is_null())
            })
        };
        done("setup_intent", "succeeded")
            || done("payment_intent", "succeeded")
            || done("payment_intent", "requires_capture")
    }

    /// Puts intent `id` of `kind` in `requires_action` with payment method `pm`, waiting for
    /// the cardholder, and records `<object>.requires_action`.
    pub(crate) fn await_challenge(
        &mut self,
        kind: &IntentKind,
        id: &str,
        pm: &str,
        return_url: Option<&str>,
        now: i64,
    ) -> Result<Value, ApiError> {
        let action = next_action(id, return_url);
        let intent = self.collection_mut(kind.object)?.update(id, |stored| {
            stored["status"] = json!("requires_action");
            stored["payment_method"] = json!(pm);
            stored["next_action"] = action;
            stored[kind.error_field] = Value::Null;
            Ok(())
        })?;
        self.record_event(&format!("{}.requires_action", kind.object), &intent, now);
        Ok(intent)
    }

    /// Completes the 3D Secure challenge of a payment intent (`pi_...`) or setup intent
    /// (`seti_...`) in `requires_action`, as the cardholder would: on success the payment is
    /// made (`succeeded`, or `requires_capture` with manual capture) or the setup succeeds; on
    /// failure the intent returns to `requires_payment_method` with Stripe's
    /// `payment_intent_authentication_failure` / `setup_intent_authentication_failure`. The
    /// events Stripe sends are recorded. Answers the intent, or why it cannot (404 for an
    /// unknown id, 400 for an intent not waiting for authentication).
    pub fn complete_challenge(
        &mut self,
        id: &str,
        outcome: ChallengeOutcome,
        now: SystemTime,
    ) -> Result<Value, ApiError> {
        let now = unix(now);
        let kind = [&PAYMENT, &SETUP]
            .into_iter()
            .find(|k| id.starts_with(k.prefix))
            .ok_or_else(|| ApiError::no_such("intent", id, "id"))?;
        let pm = self.waiting(kind, id)?;
        match outcome {
            ChallengeOutcome::Succeed if kind.object == SETUP.object => {
                self.finish_setup(id, &pm, now)
            }
            ChallengeOutcome::Succeed => {
                let (_, card) = self.resolve_payment_method(&pm, None, now)?;
                self.charge_intent(id, &pm, card, now)
            }
            ChallengeOutcome::Fail => {
                let error = failure(kind.failure_code, kind.name, self.find(&pm));
                let intent = self.collection_mut(kind.object)?.update(id, |stored| {
                    stored["status"] = json!("requires_payment_method");
                    stored["payment_method"] = Value::Null;
                    stored["next_action"] = Value::Null;
                    stored[kind.error_field] = error;
                    Ok(())
                })?;
                self.record_event(kind.failed_event, &intent, now);
                Ok(intent)
            }
        }
    }

    /// The payment method of an intent waiting for authentication, or why it is not waiting.
    fn waiting(&self, kind: &IntentKind, id: &str) -> Result<String, ApiError> {
        let intent = self.collection(kind.object)?.get(id)?;
        let status = intent["status"].as_str().unwrap_or_default();
        if status != "requires_action" {
            return Err(ApiError::invalid_state(
                kind.unexpected_state,
                format!(
                    "You cannot complete authentication of this {} because it has a status of {status}: only one in requires_action waits for it.",
                    kind.name
                ),
            )
            .with_member(kind.object, intent.clone()));
        }
        Ok(intent["payment_method"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }
}

/// What differs between payment and setup intents in a challenge.
#[derive(Debug)]
pub(crate) struct IntentKind {
    object: &'static str,
    prefix: &'static str,
    name: &'static str,
    error_field: &'static str,
    failure_code: &'static str,
    failed_event: &'static str,
    unexpected_state: &'static str,
}

/// Payment intents.
pub(crate) const PAYMENT: IntentKind = IntentKind {
    object: "payment_intent",
    prefix: "pi_",
    name: "PaymentIntent",
    error_field: "last_payment_error",
    failure_code: "payment_intent_authentication_failure",
    failed_event: "payment_intent.payment_failed",
    unexpected_state: "payment_intent_unexpected_state",
};

/// Setup intents.
pub(crate) const SETUP: IntentKind = IntentKind {
    object: "setup_intent",
    prefix: "seti_",
    name: "SetupIntent",
    error_field: "last_setup_error",
    failure_code: "setup_intent_authentication_failure",
    failed_event: "setup_intent.setup_failed",
    unexpected_state: "setup_intent_unexpected_state",
};
