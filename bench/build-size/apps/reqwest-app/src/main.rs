//! A minimal program on stripe-reqwest: GET /v1/balance.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let config = stripe_reqwest::Config::builder("sk_test_123")
        .build()
        .expect("config");
    let client = stripe_reqwest::Client::new(config);
    println!("{:?}", client.get("/v1/balance").await.map(|r| r.status()));
}
