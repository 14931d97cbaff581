//! A minimal program on stripe-core alone: build a request, print its first action.
fn main() {
    let config = stripe_core::Config::builder("sk_test_123")
        .build()
        .expect("config");
    let mut session = stripe_core::Session::new(config, stripe_core::Seed::from_u64(0));
    let request = stripe_core::Request::get("/v1/balance").expect("request");
    let (_, action) = session
        .call(
            request,
            std::time::Instant::now(),
            std::time::SystemTime::now(),
        )
        .expect("call");
    println!("{action:?}");
}
