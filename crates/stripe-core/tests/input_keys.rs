//! Idempotency keys are validated before any request exists (never on a GET), and a UUID v7
//! key, given or generated, tells its age.

use stripe_core::{Config, HeaderProblem, IdempotencyKey, Request, RequestError};

#[test]
fn idempotency_keys_are_validated() {
    assert!(matches!(
        IdempotencyKey::new(""),
        Err(RequestError::IdempotencyKey(HeaderProblem::Empty))
    ));
    assert!(matches!(
        IdempotencyKey::new("a".repeat(256)),
        Err(RequestError::IdempotencyKey(HeaderProblem::TooLong))
    ));
    assert!(IdempotencyKey::new("a".repeat(255)).is_ok());
    assert!(matches!(
        IdempotencyKey::new("a b"),
        Err(RequestError::IdempotencyKey(HeaderProblem::Whitespace))
    ));
    assert!(matches!(
        IdempotencyKey::new("a\r\nb"),
        Err(RequestError::IdempotencyKey(
            HeaderProblem::ControlOrNonAscii
        ))
    ));
    assert!(matches!(
        IdempotencyKey::new("clé"),
        Err(RequestError::IdempotencyKey(
            HeaderProblem::ControlOrNonAscii
        ))
    ));
    let key = IdempotencyKey::new("order-42").expect("valid");
    assert!(matches!(
        Request::get("/v1/charges")
            .expect("valid")
            .with_idempotency_key(key),
        Err(RequestError::KeyOnIdempotentMethod)
    ));
}

#[test]
fn uuid_v7_keys_tell_their_age() {
    let key = IdempotencyKey::new("018bcfe5-687b-78f7-96c6-7836ecff0d97").expect("valid");
    let created = key.created_at().expect("a v7 key knows its time");
    assert_eq!(
        created
            .duration_since(std::time::UNIX_EPOCH)
            .expect("after epoch")
            .as_millis(),
        1_700_000_000_123
    );
    assert!(!key.is_expired(created + stripe_core::KEY_LIFETIME));
    assert!(
        key.is_expired(created + stripe_core::KEY_LIFETIME + std::time::Duration::from_secs(1))
    );
    assert!(
        IdempotencyKey::new("order-42")
            .expect("valid")
            .created_at()
            .is_none()
    );
}

#[test]
fn a_generated_key_tells_the_same_age_as_its_text() {
    let wall = std::time::UNIX_EPOCH + std::time::Duration::from_millis(1_700_000_000_123);
    let config = Config::builder("sk_test_123").build().expect("valid");
    let req = Request::post("/v1/charges", &[("amount", "1")]).expect("valid");
    let mut session = stripe_core::Session::new(config, stripe_core::Seed::from_u64(5));
    let (call, _) = session
        .call(req, std::time::Instant::now(), wall)
        .expect("a valid call");
    let generated = call.idempotency_key().expect("a POST key").clone();
    assert_eq!(generated.created_at(), Some(wall));
    let reread = IdempotencyKey::new(generated.as_str()).expect("valid");
    assert_eq!(reread.created_at(), generated.created_at());
}
