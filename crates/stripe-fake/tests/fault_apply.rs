//! Applying faults to the pure model: the outcomes a transport or a simulation enacts.

mod common;

use common::{header, json, post_key, t0};
use stripe_fake::{Begin, Fault, FaultPlan, Kind, Model, Outcome, Rule};

const CHARGE: &str = "amount=700&currency=usd&source=tok_visa";

#[test]
fn status_fault_answers_without_executing() {
    let mut model = Model::new(31);
    let fault = Fault::Status {
        status: 503,
        should_retry: Some(false),
        code: None,
    };
    let Outcome::Respond(resp) =
        model.apply(Some(&fault), &post_key("/v1/charges", CHARGE, "a"), t0())
    else {
        panic!("status fault responds");
    };
    assert_eq!(resp.status(), 503);
    assert_eq!(header(&resp, "stripe-should-retry"), Some("false"));
    assert!(header(&resp, "request-id").is_some());
    assert_eq!(json(&resp)["error"]["type"], "api_error");
    assert_eq!(model.count(Kind::Charge), 0);
    let entry = &model.log()[0];
    assert_eq!(entry.fault.as_deref(), Some("status"));
    assert_eq!(entry.status, Some(503));
    assert!(!entry.executed);

    let lock = Fault::Status {
        status: 429,
        should_retry: None,
        code: Some("lock_timeout".to_owned()),
    };
    let Outcome::Respond(resp) =
        model.apply(Some(&lock), &post_key("/v1/charges", CHARGE, "a"), t0())
    else {
        panic!("status fault responds");
    };
    assert_eq!(json(&resp)["error"]["code"], "lock_timeout");
}

#[test]
fn drop_after_executes_and_a_retry_replays() {
    let mut model = Model::new(31);
    let req = post_key("/v1/charges", CHARGE, "lost");
    assert!(matches!(
        model.apply(Some(&Fault::DropAfter), &req, t0()),
        Outcome::Drop { executed: true }
    ));
    assert_eq!(model.successful_charges(), 1);
    let retry = model.handle(&req, t0());
    assert_eq!(header(&retry, "idempotent-replayed"), Some("true"));
    assert_eq!(json(&retry)["id"], model.charges()[0]["id"]);
    assert_eq!(model.log()[0].status, None);
    assert!(model.log()[0].executed);
}

#[test]
fn drop_before_hang_and_deliver_late_do_not_execute() {
    let mut model = Model::new(31);
    let req = post_key("/v1/charges", CHARGE, "x");
    assert!(matches!(
        model.apply(Some(&Fault::DropBefore), &req, t0()),
        Outcome::Drop { executed: false }
    ));
    assert!(matches!(
        model.apply(Some(&Fault::Hang), &req, t0()),
        Outcome::Hang
    ));
    assert!(matches!(
        model.apply(Some(&Fault::DeliverLate), &req, t0()),
        Outcome::DeliverLate
    ));
    assert_eq!(model.count(Kind::Charge), 0);
    let faults: Vec<_> = model.log().iter().map(|e| e.fault.clone()).collect();
    assert_eq!(
        faults,
        [
            Some("drop_before".into()),
            Some("hang".into()),
            Some("deliver_late".into())
        ]
    );
}

#[test]
fn delay_holds_the_key_until_finished() {
    let mut model = Model::new(31);
    let req = post_key("/v1/charges", CHARGE, "slow");
    let Outcome::Delay {
        ms,
        then: Begin::Executing(pending),
    } = model.apply(Some(&Fault::Delay { ms: 40 }), &req, t0())
    else {
        panic!("delay admits the request");
    };
    assert_eq!(ms, 40);
    let Outcome::Respond(conflict) = model.apply(None, &req, t0()) else {
        panic!("plain request responds");
    };
    assert_eq!(conflict.status(), 409);
    assert_eq!(model.finish(pending, t0()).status(), 200);
    assert_eq!(model.successful_charges(), 1);
}

#[test]
fn serve_consumes_the_plan() {
    let mut model = Model::new(31);
    let mut plan =
        FaultPlan::new().rule(Rule::new(Fault::status(500)).path("/v1/charges").times(2));
    let req = post_key("/v1/charges", CHARGE, "p");
    let statuses: Vec<u16> = (0..3)
        .map(|_| match model.serve(&mut plan, &req, t0()) {
            Outcome::Respond(resp) => resp.status().as_u16(),
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(statuses, [500, 500, 200]);
    assert_eq!(plan.rules()[0].times, 0);
    assert_eq!(model.successful_charges(), 1);
}
