//! Fault plans: JSON form, matching order, `times`, random mode.

use http::Method;
use stripe_fake::{Fault, FaultPlan, FaultPlanError, RandomFaults, Rule};

const EXAMPLE: &str = r#"[{"method": "POST", "path": "/v1/charges", "fault": "drop_after", "times": 1}, {"path": "/v1/", "fault": "status", "status": 429, "times": 2}]"#;

#[test]
fn parses_the_documented_example() {
    let plan = FaultPlan::from_json(EXAMPLE).expect("valid plan");
    let expected = FaultPlan::from_rules(vec![
        Rule::new(Fault::DropAfter)
            .method(Method::POST)
            .path("/v1/charges")
            .times(1),
        Rule::new(Fault::status(429)).path("/v1/").times(2),
    ]);
    assert_eq!(plan, expected);
}

#[test]
fn first_matching_rule_with_times_left_wins() {
    let mut plan = FaultPlan::from_json(EXAMPLE).expect("valid plan");
    // GET does not match the first rule: it takes a 429.
    assert_eq!(
        plan.next_fault(&Method::GET, "/v1/charges"),
        Some(Fault::status(429))
    );
    assert_eq!(
        plan.next_fault(&Method::POST, "/v1/charges"),
        Some(Fault::DropAfter)
    );
    // The first rule is used up; the second has one left.
    assert_eq!(
        plan.next_fault(&Method::POST, "/v1/charges"),
        Some(Fault::status(429))
    );
    assert_eq!(plan.next_fault(&Method::POST, "/other"), None);
    assert_eq!(plan.next_fault(&Method::POST, "/v1/charges"), None);
    assert!(plan.is_exhausted());
}

#[test]
fn defaults_and_all_faults() {
    let plan = FaultPlan::from_json(
        r#"{"rules": [
            {"fault": "hang"},
            {"fault": "drop_before", "times": 3},
            {"fault": "delay_ms", "ms": 250},
            {"fault": "error_after", "should_retry": false},
            {"fault": "deliver_late", "method": "post"},
            {"fault": "status", "status": 429, "code": "lock_timeout", "should_retry": true}
        ]}"#,
    )
    .expect("valid plan");
    let rules = plan.rules();
    assert_eq!(rules[0].path, "/");
    assert_eq!(rules[0].times, 1);
    assert_eq!(rules[0].method, None);
    assert_eq!(rules[1].times, 3);
    assert_eq!(rules[2].fault, Fault::Delay { ms: 250 });
    assert_eq!(
        rules[3].fault,
        Fault::ErrorAfter {
            should_retry: Some(false)
        }
    );
    assert_eq!(rules[4].method, Some(Method::POST));
    assert_eq!(
        rules[5].fault,
        Fault::Status {
            status: 429,
            should_retry: Some(true),
            code: Some("lock_timeout".to_owned())
        }
    );
    assert_eq!(rules[2].fault.name(), "delay_ms");
}

#[test]
fn invalid_plans_give_typed_errors() {
    let err = |text: &str| FaultPlan::from_json(text).expect_err(text);
    assert!(matches!(err("not json"), FaultPlanError::Syntax(_)));
    assert!(matches!(err("42"), FaultPlanError::Shape(_)));
    let invalid = |text: &str| match err(text) {
        FaultPlanError::Invalid { at, reason } => format!("{at}: {reason}"),
        other => panic!("{text}: {other:?}"),
    };
    let unknown_field = invalid(r#"[{"fault": "hang", "colour": "red"}]"#);
    assert!(
        unknown_field.starts_with("rule 0: unknown field `colour`"),
        "{unknown_field}"
    );
    let unknown_fault = invalid(r#"[{"fault": "hang"}, {"fault": "explode"}]"#);
    assert!(
        unknown_fault.starts_with("rule 1: unknown fault `explode`"),
        "{unknown_fault}"
    );
    assert!(
        unknown_fault.contains("delay_ms, hang"),
        "names the faults: {unknown_fault}"
    );
    let no_fault = invalid(r#"[{"path": "/"}]"#);
    assert!(
        no_fault.starts_with("rule 0: missing field `fault`"),
        "{no_fault}"
    );
    let wrong_type = invalid(r#"[{"fault": "error_after", "should_retry": "yes"}]"#);
    assert!(
        wrong_type.contains("field `should_retry`: invalid type"),
        "{wrong_type}"
    );
    let negative = invalid(r#"[{"fault": "hang", "times": -1}]"#);
    assert!(negative.contains("field `times`"), "{negative}");
    let random = invalid(r#"{"random": {"seed": 1, "faults": [{"fault": "hang", "x": 1}]}}"#);
    assert!(
        random.starts_with("random fault 0: unknown field `x`"),
        "{random}"
    );
    assert_eq!(
        err(r#"{"random": {"seed": 1, "faults": [{"fault": "hang"}]}}"#),
        FaultPlanError::MissingField {
            at: "random fault 0".to_owned(),
            field: "probability"
        }
    );
    assert!(invalid(r#"{"rules": [], "colour": 1}"#).starts_with("plan: unknown field `colour`"));
    assert_eq!(
        err(r#"[{"fault": "status"}]"#),
        FaultPlanError::MissingField {
            at: "rule 0".to_owned(),
            field: "status"
        }
    );
    assert_eq!(
        err(r#"[{"fault": "delay_ms"}]"#),
        FaultPlanError::MissingField {
            at: "rule 0".to_owned(),
            field: "ms"
        }
    );
    for bad in [
        r#"[{"fault": "status", "status": 418}]"#,
        r#"[{"fault": "hang", "ms": 5}]"#,
        r#"[{"fault": "hang", "path": "v1"}]"#,
        r#"[{"fault": "hang", "method": "FETCH"}]"#,
        r#"{"random": {"seed": 1, "faults": [{"fault": "hang", "probability": 2}]}}"#,
        r#"{"random": {"seed": 1, "faults": [{"fault": "hang", "probability": 0.1, "times": 2}]}}"#,
        r#"[{"fault": "hang", "probability": 0.5}]"#,
    ] {
        assert!(
            matches!(err(bad), FaultPlanError::InvalidValue { .. }),
            "{bad}"
        );
    }
    let message = err(r#"[{"fault": "hang", "colour": "red"}]"#).to_string();
    assert!(
        message.contains("rule 0") && message.contains("colour"),
        "{message}"
    );
}

#[test]
fn random_mode_is_deterministic_per_seed() {
    let faults = |seed| {
        let mut plan = FaultPlan::new().random(
            RandomFaults::new(seed)
                .with(Fault::status(429), 0.2)
                .with(Fault::DropAfter, 0.1),
        );
        (0..200)
            .map(|_| plan.next_fault(&Method::POST, "/v1/charges"))
            .collect::<Vec<_>>()
    };
    let a = faults(1);
    assert_eq!(a, faults(1));
    assert_ne!(a, faults(2));
    let limited = a.iter().filter(|f| **f == Some(Fault::status(429))).count();
    let dropped = a.iter().filter(|f| **f == Some(Fault::DropAfter)).count();
    assert!((20..=60).contains(&limited), "{limited}");
    assert!((5..=35).contains(&dropped), "{dropped}");
}

#[test]
fn random_mode_from_json_and_rules_take_precedence() {
    let mut plan = FaultPlan::from_json(
        r#"{"rules": [{"fault": "hang"}], "random": {"seed": 9, "faults": [{"fault": "drop_before", "probability": 1.0}]}}"#,
    )
    .expect("valid plan");
    assert_eq!(plan.random_faults().map(RandomFaults::seed), Some(9));
    assert_eq!(plan.next_fault(&Method::GET, "/"), Some(Fault::Hang));
    assert_eq!(plan.next_fault(&Method::GET, "/"), Some(Fault::DropBefore));
    let over = FaultPlan::from_json(
        r#"{"random": {"seed": 1, "faults": [{"fault": "hang", "probability": 0.7}, {"fault": "drop_after", "probability": 0.7}]}}"#,
    );
    assert!(matches!(
        over,
        Err(FaultPlanError::InvalidValue {
            field: "probability",
            ..
        })
    ));
}
