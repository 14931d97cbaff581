//! A scripted tour of every endpoint the fake serves (success and error answers), each JSON
//! answer validated against the response schema of Stripe's OpenAPI spec for that endpoint and
//! status. The schemas are the vendored subset in `tests/spec/` (source, version and license
//! noted there; `tests/spec/extract.py` makes it from Stripe's spec).

#[path = "spec/billing_tour.rs"]
mod billing_tour;
#[path = "spec/checkout_tour.rs"]
mod checkout_tour;
mod common;
#[path = "spec/files_tour.rs"]
mod files_tour;
#[path = "spec/subscriptions_tour.rs"]
mod subscriptions_tour;
#[path = "spec/validate.rs"]
mod validate;

use std::collections::BTreeSet;

use common::{delete, get, json, post, post_key, t0};
use serde_json::Value;
use stripe_fake::Model;
use stripe_fake::model::ChallengeOutcome;
use validate::Spec;

/// The tour: requests and their answers, kept for checking.
struct Tour {
    model: Model,
    answers: Vec<(String, String, u16, Value)>,
}

impl Tour {
    fn call(&mut self, method: &str, path: &str, body: &str) -> Value {
        let req = match method {
            "GET" => get(path),
            "DELETE" => delete(path),
            _ => post(path, body),
        };
        let resp = self.model.handle(&req, t0());
        let value = json(&resp);
        let bare = path.split('?').next().unwrap_or(path).to_owned();
        self.answers.push((
            method.to_owned(),
            bare,
            resp.status().as_u16(),
            value.clone(),
        ));
        value
    }

    fn ok(&mut self, method: &str, path: &str, body: &str) -> Value {
        let value = self.call(method, path, body);
        let status = self.answers.last().map_or(0, |a| a.2);
        assert_eq!(status, 200, "{method} {path} {body}: {value}");
        value
    }

    fn fails(&mut self, method: &str, path: &str, body: &str, status: u16) -> Value {
        let value = self.call(method, path, body);
        let got = self.answers.last().map_or(0, |a| a.2);
        assert_eq!(got, status, "{method} {path} {body}: {value}");
        value
    }
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

fn run_tour() -> Tour {
    let mut t = Tour {
        model: Model::new(42),
        answers: Vec::new(),
    };
    t.ok("GET", "/v1/balance", "");
    // Customers.
    let cus = id(&t.ok(
        "POST",
        "/v1/customers",
        "email=ada@example.com&name=Ada&source=tok_visa&metadata[op]=order-42/customer",
    ));
    let bare = id(&t.ok("POST", "/v1/customers", "description=no+card"));
    t.ok("GET", &format!("/v1/customers/{cus}"), "");
    t.ok(
        "POST",
        &format!("/v1/customers/{cus}"),
        "phone=%2B15551234567&metadata[tier]=gold",
    );
    t.ok("GET", "/v1/customers?limit=2&created[gte]=0", "");
    t.ok(
        "GET",
        "/v1/customers/search?query=email:'ada@example.com'",
        "",
    );
    t.ok(
        "GET",
        "/v1/customers/search?query=metadata['op']:'order-42/customer'",
        "",
    );
    t.fails("GET", "/v1/customers/search?query=nonsense", "", 400);
    t.fails("GET", "/v1/customers/cus_missing", "", 404);
    t.fails("POST", "/v1/customers", "bogus=1", 400);
    // Payment methods.
    let pm = id(&t.ok(
        "POST",
        "/v1/payment_methods",
        "type=card&card[token]=tok_mastercard",
    ));
    t.ok("GET", &format!("/v1/payment_methods/{pm}"), "");
    t.ok(
        "POST",
        &format!("/v1/payment_methods/{pm}/attach"),
        &format!("customer={cus}"),
    );
    t.ok(
        "GET",
        &format!("/v1/payment_methods?customer={cus}&type=card"),
        "",
    );
    t.ok(
        "GET",
        &format!("/v1/customers/{cus}/payment_methods?type=card"),
        "",
    );
    let pm2 = id(&t.ok(
        "POST",
        "/v1/payment_methods/pm_card_visa/attach",
        &format!("customer={bare}"),
    ));
    t.ok("POST", &format!("/v1/payment_methods/{pm2}/detach"), "");
    t.fails(
        "POST",
        &format!("/v1/payment_methods/{pm2}/detach"),
        "",
        400,
    );
    t.fails("POST", "/v1/payment_methods", "type=card", 400);
    t.fails("GET", "/v1/payment_methods/pm_missing", "", 404);
    // Charges.
    let ch = id(&t.ok(
        "POST",
        "/v1/charges",
        "amount=2000&currency=usd&source=tok_visa&metadata[op]=order-42/charge&statement_descriptor=ORDER42",
    ));
    t.ok(
        "POST",
        "/v1/charges",
        &format!("amount=1500&currency=usd&customer={cus}"),
    );
    t.fails(
        "POST",
        "/v1/charges",
        &format!("amount=1500&currency=usd&customer={bare}"),
        402,
    );
    t.fails(
        "POST",
        "/v1/charges",
        "amount=1500&currency=usd&source=tok_chargeDeclined",
        402,
    );
    t.fails(
        "POST",
        "/v1/charges",
        "amount=1500&currency=usd&source=tok_visa&bogus=1",
        400,
    );
    let uncaptured = id(&t.ok(
        "POST",
        "/v1/charges",
        "amount=900&currency=usd&source=tok_amex&capture=false",
    ));
    t.ok(
        "POST",
        &format!("/v1/charges/{uncaptured}/capture"),
        "amount=500",
    );
    t.fails(
        "POST",
        &format!("/v1/charges/{uncaptured}/capture"),
        "",
        400,
    );
    t.ok(
        "POST",
        &format!("/v1/charges/{ch}"),
        "description=updated&metadata[note]=x",
    );
    t.ok("GET", &format!("/v1/charges/{ch}"), "");
    t.ok(
        "GET",
        "/v1/charges?limit=3&expand[]=data.customer&created[lte]=2000000000",
        "",
    );
    t.ok(
        "GET",
        "/v1/charges/search?query=metadata['op']:'order-42/charge'",
        "",
    );
    t.ok(
        "GET",
        "/v1/charges/search?query=status:'succeeded'%20AND%20amount%3E1000&limit=1",
        "",
    );
    t.fails("GET", "/v1/charges/ch_missing", "", 404);
    // Payment intents.
    let pi = id(&t.ok(
        "POST",
        "/v1/payment_intents",
        &format!(
            "amount=3000&currency=usd&customer={cus}&capture_method=manual&metadata[op]=order-43/pi"
        ),
    ));
    t.ok(
        "POST",
        &format!("/v1/payment_intents/{pi}"),
        "description=order+43",
    );
    t.ok(
        "POST",
        &format!("/v1/payment_intents/{pi}/confirm"),
        "payment_method=pm_card_visa",
    );
    t.ok(
        "POST",
        &format!("/v1/payment_intents/{pi}/capture"),
        "amount_to_capture=2500",
    );
    t.fails(
        "POST",
        &format!("/v1/payment_intents/{pi}/capture"),
        "",
        400,
    );
    t.fails("POST", &format!("/v1/payment_intents/{pi}/cancel"), "", 400);
    t.ok(
        "GET",
        &format!("/v1/payment_intents/{pi}?expand[]=latest_charge&expand[]=customer"),
        "",
    );
    let open = id(&t.ok("POST", "/v1/payment_intents", "amount=100&currency=eur"));
    t.ok(
        "POST",
        &format!("/v1/payment_intents/{open}/cancel"),
        "cancellation_reason=abandoned",
    );
    t.fails(
        "POST",
        &format!("/v1/payment_intents/{open}/confirm"),
        "payment_method=pm_card_visa",
        400,
    );
    t.fails(
        "POST",
        "/v1/payment_intents",
        "amount=100&currency=usd&payment_method=pm_card_chargeDeclined&confirm=true",
        402,
    );
    t.ok(
        "POST",
        "/v1/payment_intents",
        "amount=700&currency=usd&payment_method=pm_card_visa&confirm=true",
    );
    t.ok("GET", "/v1/payment_intents?limit=5", "");
    t.ok(
        "GET",
        "/v1/payment_intents/search?query=status:'succeeded'",
        "",
    );
    t.fails("GET", "/v1/payment_intents/pi_missing", "", 404);
    // Refunds.
    let re = id(&t.ok(
        "POST",
        "/v1/refunds",
        &format!("charge={ch}&amount=500&metadata[op]=order-42/refund"),
    ));
    t.ok("POST", "/v1/refunds", &format!("payment_intent={pi}"));
    t.ok(
        "POST",
        &format!("/v1/refunds/{re}"),
        "metadata[reason]=late",
    );
    t.fails("POST", &format!("/v1/refunds/{re}/cancel"), "", 400);
    t.ok("GET", &format!("/v1/refunds/{re}?expand[]=charge"), "");
    t.ok("GET", "/v1/refunds", "");
    t.ok("GET", &format!("/v1/refunds?charge={ch}&limit=100"), "");
    t.fails(
        "POST",
        "/v1/refunds",
        &format!("charge={ch}&amount=999999"),
        400,
    );
    // Setup intents.
    let seti = id(&t.ok("POST", "/v1/setup_intents", &format!("customer={cus}")));
    t.ok(
        "POST",
        &format!("/v1/setup_intents/{seti}/confirm"),
        "payment_method=pm_card_amex",
    );
    t.fails(
        "POST",
        &format!("/v1/setup_intents/{seti}/confirm"),
        "",
        400,
    );
    t.ok("GET", &format!("/v1/setup_intents/{seti}"), "");
    t.ok("GET", "/v1/setup_intents", "");
    // 3D Secure: challenged, completed, failed, declined off session.
    let pay = "amount=1200&currency=usd&confirm=true&payment_method=pm_card_";
    let sca = id(&t.ok(
        "POST",
        "/v1/payment_intents",
        &format!("{pay}threeDSecure2Required&capture_method=manual"),
    ));
    t.ok(
        "POST",
        "/v1/payment_intents",
        &format!("{pay}threeDSecure2Required&return_url=https%3A%2F%2Fshop.example%2Fback"),
    );
    t.model
        .complete_challenge(&sca, ChallengeOutcome::Succeed, t0())
        .expect("the challenge completes");
    t.ok("GET", &format!("/v1/payment_intents/{sca}"), "");
    let refused = id(&t.ok(
        "POST",
        "/v1/payment_intents",
        &format!("{pay}authenticationRequiredOnSetup"),
    ));
    t.model
        .complete_challenge(&refused, ChallengeOutcome::Fail, t0())
        .expect("the failure is recorded");
    t.ok("GET", &format!("/v1/payment_intents/{refused}"), "");
    t.fails(
        "POST",
        "/v1/payment_intents",
        &format!("{pay}threeDSecure2Required&off_session=true"),
        402,
    );
    t.fails(
        "POST",
        "/v1/charges",
        "amount=100&currency=usd&source=tok_threeDSecure2Required",
        402,
    );
    for outcome in [ChallengeOutcome::Succeed, ChallengeOutcome::Fail] {
        let seti = id(&t.ok(
            "POST",
            "/v1/setup_intents",
            &format!(
                "customer={cus}&confirm=true&payment_method=pm_card_authenticationRequiredOnSetup"
            ),
        ));
        t.model
            .complete_challenge(&seti, outcome, t0())
            .expect("the setup challenge is answered");
        t.ok("GET", &format!("/v1/setup_intents/{seti}"), "");
    }
    // Disputes.
    let contested = id(&t.ok(
        "POST",
        "/v1/charges",
        "amount=3000&currency=usd&source=tok_createDispute",
    ));
    t.ok("GET", &format!("/v1/charges/{contested}"), "");
    let disputes = t.ok("GET", &format!("/v1/disputes?charge={contested}"), "");
    let dp = id(&disputes["data"][0]);
    t.ok("GET", &format!("/v1/disputes/{dp}?expand[]=charge"), "");
    t.ok(
        "POST",
        &format!("/v1/disputes/{dp}"),
        "evidence[customer_name]=Ada&evidence[uncategorized_text]=delivered&metadata[case]=7",
    );
    t.fails(
        "POST",
        &format!("/v1/disputes/{dp}"),
        "evidence[horoscope]=x",
        400,
    );
    t.ok("POST", &format!("/v1/disputes/{dp}/close"), "");
    t.fails("POST", &format!("/v1/disputes/{dp}/close"), "", 400);
    t.fails("GET", "/v1/disputes/dp_missing", "", 404);
    t.ok(
        "POST",
        "/v1/payment_intents",
        &format!("{pay}createDispute"),
    );
    let open = t.ok("GET", "/v1/disputes?limit=1", "");
    t.ok(
        "POST",
        &format!("/v1/disputes/{}", id(&open["data"][0])),
        "submit=true&evidence[receipt]=file_123",
    );
    t.ok("GET", "/v1/disputes", "");
    // Events, balance, deletion.
    let events = t.ok("GET", "/v1/events?type=charge.succeeded", "");
    let evt = events["data"][0]["id"]
        .as_str()
        .expect("an event")
        .to_owned();
    t.ok("GET", &format!("/v1/events/{evt}"), "");
    t.ok("GET", "/v1/events?limit=100", "");
    t.fails("GET", "/v1/events/evt_missing", "", 404);
    t.ok("GET", "/v1/balance", "");
    t.ok("DELETE", &format!("/v1/customers/{bare}"), "");
    t.ok("GET", &format!("/v1/customers/{bare}"), "");
    billing_tour::run(&mut t);
    subscriptions_tour::run(&mut t);
    checkout_tour::run(&mut t);
    files_tour::run(&mut t);
    t
}

#[test]
fn every_response_of_the_tour_is_valid_against_stripes_spec() {
    let spec = Spec::load();
    let tour = run_tour();
    let mut valid = 0;
    let mut problems = Vec::new();
    let mut served_ok = BTreeSet::new();
    for (method, path, status, body) in &tour.answers {
        let Some(endpoint) = spec.endpoint_for(method, path) else {
            problems.push(format!("{method} {path}: no such endpoint in the spec"));
            continue;
        };
        if *status == 200 {
            served_ok.insert(endpoint.clone());
        }
        let Some(schema) = spec.response_schema(&endpoint, *status) else {
            problems.push(format!("{endpoint}: no schema for status {status}"));
            continue;
        };
        let errors = spec.validate(schema, body);
        if errors.is_empty() {
            valid += 1;
        } else {
            problems.push(format!(
                "{method} {path} -> {status}: {}",
                errors.join("\n    ")
            ));
        }
    }
    println!(
        "{} endpoints, {} responses, {valid} schema-valid, {} invalid (Stripe API spec {})",
        spec.endpoints().len(),
        tour.answers.len(),
        tour.answers.len() - valid,
        spec.version()
    );
    // Card refunds succeed at once, so no refund can be canceled: that endpoint only errs.
    let never_ok = ["POST /v1/refunds/{refund}/cancel"];
    let missing: Vec<String> = spec
        .endpoints()
        .into_iter()
        .filter(|e| !served_ok.contains(e) && !never_ok.contains(&e.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "endpoints without a 200 in the tour: {missing:?}"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(valid, tour.answers.len());
}

#[test]
fn the_spec_endpoints_are_the_ones_the_fake_routes() {
    // Every endpoint of the vendored subset answers something other than "unrecognized URL".
    let spec = Spec::load();
    let mut model = Model::new(1);
    for endpoint in spec.endpoints() {
        let (method, template) = endpoint.split_once(' ').expect("METHOD path");
        let path: String = template
            .split('/')
            .map(|s| if s.starts_with('{') { "x_1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        let req = common::request(method, &path, "", None);
        let body = json(&model.handle(&req, t0()));
        let message = body["error"]["message"].as_str().unwrap_or_default();
        assert!(
            !message.starts_with("Unrecognized request URL"),
            "{endpoint}: {message}"
        );
    }
}

#[test]
fn unknown_parameters_are_refused_as_stripe_does_and_known_ones_echoed() {
    let mut model = Model::new(3);
    let resp = model.handle(
        &post(
            "/v1/charges",
            "amount=100&currency=usd&source=tok_visa&colour=red",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 400);
    let err = &json(&resp)["error"];
    assert_eq!(err["code"], "parameter_unknown");
    assert_eq!(err["param"], "colour");
    // A parameter Stripe knows and the fake does not model is accepted; echoed ones show.
    let resp = model.handle(
        &post_key(
            "/v1/charges",
            "amount=100&currency=usd&source=tok_visa&statement_descriptor=SHOP&receipt_email=a@b.c&radar_options[session]=x",
            "k-echo",
        ),
        t0(),
    );
    assert_eq!(resp.status(), 200, "{:?}", resp.body());
    let charge = json(&resp);
    assert_eq!(charge["statement_descriptor"], "SHOP");
    assert_eq!(charge["receipt_email"], "a@b.c");
}

#[test]
fn the_validator_rejects_what_stripe_would_not_send() {
    let spec = Spec::load();
    let mut model = Model::new(5);
    let charge = json(&model.handle(
        &post("/v1/charges", "amount=100&currency=usd&source=tok_visa"),
        t0(),
    ));
    let schema = spec
        .response_schema("POST /v1/charges", 200)
        .expect("charge schema");
    assert!(spec.validate(schema, &charge).is_empty());
    let mut broken = charge.clone();
    broken.as_object_mut().expect("object").remove("disputed");
    assert!(
        !spec.validate(schema, &broken).is_empty(),
        "a required field is missing"
    );
    let mut broken = charge.clone();
    broken["amount"] = serde_json::json!("100");
    assert!(
        !spec.validate(schema, &broken).is_empty(),
        "a string amount"
    );
    let mut broken = charge.clone();
    broken["status"] = serde_json::json!("maybe");
    assert!(
        !spec.validate(schema, &broken).is_empty(),
        "a status outside the enum"
    );
    let mut broken = charge;
    broken["customer"] = serde_json::json!(12);
    assert!(
        !spec.validate(schema, &broken).is_empty(),
        "an expandable field of a wrong type"
    );
}
