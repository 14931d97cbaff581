use stripe_client::AsyncTransport;
fn main() {
    let config = stripe_core::Config::builder("sk_test_x").api_base("http://127.0.0.1:1").build().unwrap();
    let client = stripe_reqwest::Client::new(config.clone());
    let f = client.get("/v1/x");
    println!("get future: {}", std::mem::size_of_val(&f));
    println!("Call {} Request {} Response {} Action {} Error {} Config {}", std::mem::size_of::<stripe_core::Call>(), std::mem::size_of::<stripe_core::Request>(), std::mem::size_of::<stripe_core::Response>(), std::mem::size_of::<stripe_core::Action>(), std::mem::size_of::<stripe_core::Error>(), std::mem::size_of::<stripe_core::Config>());
    let t = <stripe_reqwest::Reqwest as stripe_client::FromConfig>::from_config(&config).unwrap();
    println!("http::Request<Bytes> {} http::Response<Bytes> {}", std::mem::size_of::<http::Request<bytes::Bytes>>(), std::mem::size_of::<http::Response<bytes::Bytes>>());
    println!("reqwest::Response {}", std::mem::size_of::<reqwest::Response>());
    let s = t.sleep_until(std::time::Instant::now());
    println!("sleep fut {}", std::mem::size_of_val(&s));
    let r = reqwest::Client::new();
    let g = r.get("http://127.0.0.1:1/").send();
    println!("reqwest send future: {}", std::mem::size_of_val(&g));
    let g = async move { r.get("http://127.0.0.1:1/").send().await.unwrap().bytes().await };
    println!("reqwest send+bytes future: {}", std::mem::size_of_val(&g));
}
