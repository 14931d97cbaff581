//! A minimal program on async-stripe 1.0: retrieve a charge.
#[tokio::main(flavor = "current_thread")]
async fn main() {
    let client = stripe::Client::new("sk_test_123");
    let charge = stripe_core::charge::RetrieveCharge::new("ch_1")
        .send(&client)
        .await;
    println!("{:?}", charge.map(|c| c.id));
}
