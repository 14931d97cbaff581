//! The spec tour's Checkout part: sessions in payment, setup and subscription mode created
//! (with a price and with `price_data`), retrieved with and without their line items (and with
//! what their completion made), listed, expired, and completed as a customer would (a plain
//! card, a token, a 3D Secure card, a declined card),
//! each endpoint answered at least once with a 200 and its errors as Stripe gives them.

use stripe_fake::model::CheckoutPayer;

use super::common::t0;
use super::{Tour, id};

const URLS: &str =
    "success_url=https%3A%2F%2Fshop.example%2Fok&cancel_url=https%3A%2F%2Fshop.example%2Fcart";

/// Tours the Checkout endpoints.
pub(crate) fn run(t: &mut Tour) {
    let price = id(&t.ok(
        "POST",
        "/v1/prices",
        "product_data[name]=Tee&currency=usd&unit_amount=1500",
    ));
    let monthly = id(&t.ok(
        "POST",
        "/v1/prices",
        "product_data[name]=Club&currency=usd&unit_amount=900&recurring[interval]=month",
    ));
    let cus = id(&t.ok(
        "POST",
        "/v1/customers",
        "email=buyer@example.com&name=Buyer",
    ));
    // Payment mode: a price and an inline price; a new customer on completion.
    let pay = id(&t.ok(
        "POST",
        "/v1/checkout/sessions",
        &format!(
            "mode=payment&{URLS}&line_items[0][price]={price}&line_items[0][quantity]=2\
             &line_items[1][price_data][currency]=usd&line_items[1][price_data][unit_amount]=300\
             &line_items[1][price_data][product_data][name]=Gift+wrap&line_items[1][quantity]=1\
             &customer_creation=always&client_reference_id=cart-7&metadata[order]=42\
             &payment_intent_data[metadata][order]=42&payment_intent_data[description]=Order+42"
        ),
    ));
    t.ok("GET", &format!("/v1/checkout/sessions/{pay}"), "");
    t.ok(
        "GET",
        &format!("/v1/checkout/sessions/{pay}?expand[]=line_items"),
        "",
    );
    t.ok(
        "GET",
        &format!("/v1/checkout/sessions/{pay}/line_items?limit=1"),
        "",
    );
    let payer = CheckoutPayer::new("pm_card_visa").with_email("new@example.com");
    let done = t
        .model
        .complete_checkout_session(&pay, &payer, t0())
        .expect("the session completes");
    t.ok(
        "GET",
        &format!("/v1/checkout/sessions/{pay}?expand[]=payment_intent&expand[]=customer"),
        "",
    );
    let pi = done["payment_intent"].as_str().expect("a payment intent");
    t.ok(
        "GET",
        &format!("/v1/checkout/sessions?payment_intent={pi}"),
        "",
    );
    // Setup mode, for a customer on file, paid with a token.
    let setup = id(&t.ok(
        "POST",
        "/v1/checkout/sessions",
        &format!(
            "mode=setup&currency=usd&{URLS}&customer={cus}&setup_intent_data[metadata][why]=save"
        ),
    ));
    t.model
        .complete_checkout_session(&setup, &CheckoutPayer::new("tok_mastercard"), t0())
        .expect("the setup completes");
    t.ok(
        "GET",
        &format!("/v1/checkout/sessions/{setup}?expand[]=setup_intent"),
        "",
    );
    // A 3D Secure card is authenticated on the page; a declined card leaves the session open.
    let sca = id(&t.ok(
        "POST",
        "/v1/checkout/sessions",
        &format!("mode=payment&{URLS}&customer={cus}&line_items[0][price]={price}&line_items[0][quantity]=1&payment_intent_data[capture_method]=manual"),
    ));
    t.model
        .complete_checkout_session(
            &sca,
            &CheckoutPayer::new("pm_card_threeDSecure2Required"),
            t0(),
        )
        .expect("the customer authenticates");
    t.ok("GET", &format!("/v1/checkout/sessions/{sca}"), "");
    let declined = id(&t.ok(
        "POST",
        "/v1/checkout/sessions",
        &format!("mode=payment&{URLS}&line_items[0][price]={price}&line_items[0][quantity]=1"),
    ));
    let refused = t.model.complete_checkout_session(
        &declined,
        &CheckoutPayer::new("pm_card_chargeDeclined"),
        t0(),
    );
    assert_eq!(refused.map_err(|e| e.status()).err(), Some(402));
    t.ok("GET", &format!("/v1/checkout/sessions/{declined}"), "");
    t.ok(
        "GET",
        &format!("/v1/checkout/sessions?customer={cus}&limit=2&expand[]=data.line_items"),
        "",
    );
    t.ok(
        "GET",
        "/v1/checkout/sessions?customer_details[email]=new@example.com",
        "",
    );
    // Subscription mode: the subscription and its first invoice, paid on the page.
    let club = id(&t.ok(
        "POST",
        "/v1/checkout/sessions",
        &format!(
            "mode=subscription&{URLS}&line_items[0][price]={monthly}&line_items[0][quantity]=2\
             &subscription_data[metadata][plan]=club"
        ),
    ));
    t.model
        .complete_checkout_session(&club, &CheckoutPayer::new("pm_card_visa"), t0())
        .expect("the subscription is paid");
    t.ok(
        "GET",
        &format!("/v1/checkout/sessions/{club}?expand[]=subscription&expand[]=invoice"),
        "",
    );
    t.fails(
        "POST",
        "/v1/checkout/sessions",
        &format!("mode=subscription&{URLS}&line_items[0][price]={price}&line_items[0][quantity]=1"),
        400,
    );
    // Expire: once.
    t.ok(
        "POST",
        &format!("/v1/checkout/sessions/{declined}/expire"),
        "",
    );
    t.fails(
        "POST",
        &format!("/v1/checkout/sessions/{declined}/expire"),
        "",
        400,
    );
    t.fails(
        "POST",
        &format!("/v1/checkout/sessions/{pay}/expire"),
        "",
        400,
    );
    // Refused as Stripe refuses them.
    let one = format!("{URLS}&line_items[0][price]={price}&line_items[0][quantity]=1");
    t.fails("POST", "/v1/checkout/sessions", &one, 400);
    t.fails(
        "POST",
        "/v1/checkout/sessions",
        &format!("mode=payment&{URLS}"),
        400,
    );
    t.fails(
        "POST",
        "/v1/checkout/sessions",
        &format!("mode=payment&{URLS}&line_items[0][price]={monthly}&line_items[0][quantity]=1"),
        400,
    );
    t.fails(
        "POST",
        "/v1/checkout/sessions",
        &format!("mode=payment&{one}&customer=cus_missing"),
        400,
    );
    t.fails(
        "POST",
        "/v1/checkout/sessions",
        "mode=setup&currency=usd",
        400,
    );
    t.fails("GET", "/v1/checkout/sessions/cs_test_missing", "", 404);
    t.fails(
        "GET",
        "/v1/checkout/sessions/cs_test_missing/line_items",
        "",
        404,
    );
    // Their events, as a webhook endpoint receives them.
    t.ok("GET", "/v1/events?type=checkout.session.*", "");
}
