//! A minimal program on stripe-ureq: GET /v1/balance.
fn main() {
    let config = stripe_ureq::Config::builder("sk_test_123")
        .build()
        .expect("config");
    let client = stripe_ureq::Client::new(config);
    println!("{:?}", client.get("/v1/balance").map(|r| r.status()));
}
