//! A minimal program on stripe-core alone: build a request, print it.
fn main() {
    let config = stripe_core::Config::builder("sk_test_123")
        .build()
        .expect("config");
    let request = stripe_core::Request::get("/v1/balance").expect("request");
    let (_, action) = stripe_core::Call::new(
        request,
        &config,
        stripe_core::Seed::new([0; 32]),
        std::time::Instant::now(),
        std::time::SystemTime::now(),
    );
    println!("{action:?}");
}
