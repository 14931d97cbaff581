//! 3D Secure through the pure model: Stripe's test cards that ask for authentication put
//! intents in `requires_action`; `Model::complete_challenge` answers as the cardholder;
//! off-session payments succeed only with a card set up beforehand.

mod common;

use common::{json, ok, post, t0};
use serde_json::Value;
use stripe_fake::model::ChallengeOutcome;
use stripe_fake::{Kind, Model};

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// The event types recorded after the first `from`.
fn types_since(model: &Model, from: usize) -> Vec<String> {
    model.events()[from..]
        .iter()
        .map(|e| e["type"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn pay(model: &mut Model, body: &str) -> Value {
    ok(
        model,
        &post(
            "/v1/payment_intents",
            &format!("amount=2000&currency=usd&confirm=true&{body}"),
        ),
    )
}

#[test]
fn a_3ds_card_waits_for_the_sdk_and_a_completed_challenge_pays() {
    let mut model = Model::new(31);
    let before = model.events().len();
    let pi = pay(&mut model, "payment_method=pm_card_threeDSecure2Required");
    assert_eq!(pi["status"], "requires_action");
    assert_eq!(pi["next_action"]["type"], "use_stripe_sdk");
    assert!(pi["next_action"]["use_stripe_sdk"].is_object());
    assert!(
        pi["latest_charge"].is_null(),
        "no charge before authentication"
    );
    assert_eq!(model.count(Kind::Charge), 0);
    assert_eq!(
        types_since(&model, before),
        ["payment_intent.created", "payment_intent.requires_action"]
    );

    let before = model.events().len();
    let done = model
        .complete_challenge(&id(&pi), ChallengeOutcome::Succeed, t0())
        .expect("the challenge completes");
    assert_eq!(done["status"], "succeeded");
    assert_eq!(done["amount_received"], 2000);
    assert!(done["next_action"].is_null());
    let charge = model
        .find(done["latest_charge"].as_str().expect("a charge"))
        .expect("the charge is stored");
    assert_eq!(charge["status"], "succeeded");
    assert_eq!(charge["payment_method_details"]["card"]["last4"], "3220");
    assert_eq!(
        types_since(&model, before),
        ["charge.succeeded", "payment_intent.succeeded"]
    );
    // Done once: a second completion is refused.
    let again = model
        .complete_challenge(&id(&pi), ChallengeOutcome::Succeed, t0())
        .expect_err("not waiting any more");
    assert_eq!(again.status(), 400);
    assert_eq!(again.error_code(), Some("payment_intent_unexpected_state"));
}

#[test]
fn a_return_url_asks_for_a_redirect_and_manual_capture_waits_for_capture() {
    let mut model = Model::new(32);
    let pi = pay(
        &mut model,
        "payment_method=pm_card_threeDSecure2Required&capture_method=manual&return_url=https%3A%2F%2Fshop.example%2Fdone",
    );
    assert_eq!(pi["status"], "requires_action");
    assert_eq!(pi["next_action"]["type"], "redirect_to_url");
    assert_eq!(
        pi["next_action"]["redirect_to_url"]["return_url"],
        "https://shop.example/done"
    );
    assert!(pi["next_action"]["redirect_to_url"]["url"].is_string());
    let done = model
        .complete_challenge(&id(&pi), ChallengeOutcome::Succeed, t0())
        .expect("completes");
    assert_eq!(done["status"], "requires_capture");
    assert_eq!(done["amount_capturable"], 2000);
}

#[test]
fn a_failed_challenge_returns_the_intent_to_requires_payment_method() {
    let mut model = Model::new(33);
    let pi = pay(
        &mut model,
        "payment_method=pm_card_authenticationRequiredOnSetup",
    );
    assert_eq!(pi["status"], "requires_action", "on session it asks too");
    let before = model.events().len();
    let failed = model
        .complete_challenge(&id(&pi), ChallengeOutcome::Fail, t0())
        .expect("answered");
    assert_eq!(failed["status"], "requires_payment_method");
    assert!(failed["payment_method"].is_null());
    assert_eq!(
        failed["last_payment_error"]["code"],
        "payment_intent_authentication_failure"
    );
    assert_eq!(
        failed["last_payment_error"]["payment_method"]["object"],
        "payment_method"
    );
    assert_eq!(model.count(Kind::Charge), 0);
    assert_eq!(
        types_since(&model, before),
        ["payment_intent.payment_failed"]
    );
}

#[test]
fn off_session_a_3ds_card_is_declined_for_authentication() {
    let mut model = Model::new(34);
    let cus = id(&ok(
        &mut model,
        &post("/v1/customers", "email=a@example.com"),
    ));
    let pm = id(&ok(
        &mut model,
        &post(
            "/v1/payment_methods",
            "type=card&card[token]=tok_threeDSecure2Required",
        ),
    ));
    ok(
        &mut model,
        &post(
            &format!("/v1/payment_methods/{pm}/attach"),
            &format!("customer={cus}"),
        ),
    );
    let resp = model.handle(
        &post(
            "/v1/payment_intents",
            &format!(
                "amount=500&currency=usd&confirm=true&off_session=true&customer={cus}&payment_method={pm}"
            ),
        ),
        t0(),
    );
    assert_eq!(resp.status(), 402);
    let err = json(&resp)["error"].clone();
    assert_eq!(err["code"], "authentication_required");
    assert_eq!(err["decline_code"], "authentication_required");
    assert_eq!(err["payment_intent"]["status"], "requires_payment_method");
    let events = model.events();
    let last = events.last().expect("an event");
    assert_eq!(last["type"], "payment_intent.payment_failed");
}

#[test]
fn a_card_set_up_through_a_challenge_pays_off_session_without_action() {
    let mut model = Model::new(35);
    let cus = id(&ok(
        &mut model,
        &post("/v1/customers", "email=b@example.com"),
    ));
    let before = model.events().len();
    let seti = ok(
        &mut model,
        &post(
            "/v1/setup_intents",
            &format!(
                "customer={cus}&payment_method=pm_card_authenticationRequiredOnSetup&confirm=true"
            ),
        ),
    );
    assert_eq!(seti["status"], "requires_action");
    assert_eq!(seti["next_action"]["type"], "use_stripe_sdk");
    let pm = seti["payment_method"].as_str().expect("pm").to_owned();

    // Not set up yet: off session it is declined.
    let resp = model.handle(
        &post(
            "/v1/payment_intents",
            &format!("amount=700&currency=usd&confirm=true&off_session=true&customer={cus}&payment_method={pm}"),
        ),
        t0(),
    );
    assert_eq!(resp.status(), 402);
    assert_eq!(json(&resp)["error"]["code"], "authentication_required");

    let done = model
        .complete_challenge(&id(&seti), ChallengeOutcome::Succeed, t0())
        .expect("setup completes");
    assert_eq!(done["status"], "succeeded");
    assert_eq!(model.find(&pm).expect("pm")["customer"], cus.as_str());
    let types = types_since(&model, before);
    let wanted = [
        "setup_intent.created",
        "setup_intent.requires_action",
        "payment_method.attached",
        "setup_intent.succeeded",
    ];
    assert!(
        wanted.iter().all(|w| types.iter().any(|t| t == w)),
        "{types:?}"
    );
    assert!(
        types
            .iter()
            .position(|t| t == "setup_intent.requires_action")
            < types.iter().position(|t| t == "setup_intent.succeeded")
    );

    // Set up: off session it pays at once; on session it still asks.
    let paid = pay(
        &mut model,
        &format!("off_session=true&customer={cus}&payment_method={pm}"),
    );
    assert_eq!(paid["status"], "succeeded");
    assert!(paid["next_action"].is_null());
    let on_session = pay(&mut model, &format!("customer={cus}&payment_method={pm}"));
    assert_eq!(on_session["status"], "requires_action");
}

#[test]
fn a_failed_setup_challenge_and_bad_completions_are_answered() {
    let mut model = Model::new(36);
    let seti = ok(
        &mut model,
        &post(
            "/v1/setup_intents",
            "payment_method=pm_card_threeDSecure2Required&confirm=true",
        ),
    );
    let failed = model
        .complete_challenge(&id(&seti), ChallengeOutcome::Fail, t0())
        .expect("answered");
    assert_eq!(failed["status"], "requires_payment_method");
    assert_eq!(
        failed["last_setup_error"]["code"],
        "setup_intent_authentication_failure"
    );
    assert_eq!(
        model.events().last().expect("event")["type"],
        "setup_intent.setup_failed"
    );
    let missing = model
        .complete_challenge("pi_nope", ChallengeOutcome::Succeed, t0())
        .expect_err("unknown");
    assert_eq!(missing.status(), 404);
    let foreign = model
        .complete_challenge("cus_nope", ChallengeOutcome::Succeed, t0())
        .expect_err("not an intent");
    assert_eq!(foreign.status(), 404);
    let resp = model.handle(
        &post(
            "/v1/payment_intents",
            "amount=100&currency=usd&confirm=true&payment_method=pm_card_visa&off_session=maybe",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 400);
    assert_eq!(json(&resp)["error"]["param"], "off_session");
}

#[test]
fn the_charges_api_declines_a_card_that_asks_for_authentication() {
    let mut model = Model::new(37);
    for token in [
        "tok_threeDSecure2Required",
        "tok_authenticationRequiredOnSetup",
    ] {
        let resp = model.handle(
            &post(
                "/v1/charges",
                &format!("amount=100&currency=usd&source={token}"),
            ),
            t0(),
        );
        assert_eq!(resp.status(), 402, "{token}");
        assert_eq!(json(&resp)["error"]["code"], "authentication_required");
    }
    assert_eq!(model.count(Kind::Charge), 2, "failed charges are kept");
    assert_eq!(model.successful_charges(), 0);
}
