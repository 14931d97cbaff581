//! The spec tour's subscriptions, invoices and invoice items: every endpoint answered at least
//! once with a 200 (a trial, a paid first invoice, a declined one, prorations, a renewal and a
//! failed renewal on a test clock, one-off invoices paid, voided, uncollectible and deleted,
//! the upcoming invoice and a change's preview), and their errors as Stripe gives them.

use super::{Tour, id};

/// Tours the subscription and invoice endpoints.
pub(crate) fn run(t: &mut Tour) {
    let product = id(&t.ok("POST", "/v1/products", "name=Tour+plan"));
    let monthly = id(&t.ok(
        "POST",
        "/v1/prices",
        &format!("product={product}&currency=usd&unit_amount=1200&recurring[interval]=month"),
    ));
    let premium = id(&t.ok(
        "POST",
        "/v1/prices",
        &format!("product={product}&currency=usd&unit_amount=3000&recurring[interval]=month"),
    ));
    let yearly = id(&t.ok(
        "POST",
        "/v1/prices",
        &format!("product={product}&currency=usd&unit_amount=12000&recurring[interval]=year"),
    ));
    let setup_fee = id(&t.ok(
        "POST",
        "/v1/prices",
        &format!("product={product}&currency=usd&unit_amount=500"),
    ));
    // A subscription paid at once, changed with prorations, previewed, canceled.
    let payer = id(&t.ok(
        "POST",
        "/v1/customers",
        "source=tok_visa&email=sub@example.com",
    ));
    let sub = t.ok(
        "POST",
        "/v1/subscriptions",
        &format!("customer={payer}&items[0][price]={monthly}&metadata[plan]=basic&expand[]=latest_invoice.payment_intent"),
    );
    let sub_id = id(&sub);
    let item = sub["items"]["data"][0]["id"]
        .as_str()
        .expect("an item")
        .to_owned();
    t.ok("GET", &format!("/v1/subscriptions/{sub_id}"), "");
    t.ok(
        "GET",
        &format!(
            "/v1/invoices/upcoming?customer={payer}&subscription_items[0][id]={item}&subscription_items[0][price]={premium}"
        ),
        "",
    );
    t.ok(
        "POST",
        &format!("/v1/subscriptions/{sub_id}"),
        &format!("items[0][id]={item}&items[0][price]={premium}&proration_behavior=always_invoice"),
    );
    t.ok(
        "POST",
        &format!("/v1/subscriptions/{sub_id}"),
        &format!("items[0][id]={item}&items[0][quantity]=2"),
    );
    t.ok(
        "GET",
        &format!("/v1/invoiceitems?customer={payer}&pending=true"),
        "",
    );
    t.ok(
        "GET",
        &format!("/v1/invoices/upcoming?customer={payer}"),
        "",
    );
    t.ok(
        "POST",
        &format!("/v1/subscriptions/{sub_id}"),
        &format!("items[0][id]={item}&items[0][price]={yearly}&items[0][quantity]=1"),
    );
    t.ok(
        "POST",
        &format!("/v1/subscriptions/{sub_id}"),
        "cancel_at_period_end=true",
    );
    t.fails(
        "GET",
        &format!("/v1/invoices/upcoming?customer={payer}"),
        "",
        404,
    );
    t.ok(
        "DELETE",
        &format!("/v1/subscriptions/{sub_id}"),
        "prorate=true&invoice_now=true",
    );
    t.fails("DELETE", &format!("/v1/subscriptions/{sub_id}"), "", 400);
    t.ok(
        "GET",
        &format!("/v1/subscriptions?customer={payer}&status=all"),
        "",
    );
    t.ok(
        "GET",
        &format!("/v1/invoices?customer={payer}&limit=10"),
        "",
    );
    // A trial, a declined first payment, refusals.
    let trialist = id(&t.ok("POST", "/v1/customers", "email=trial@example.com"));
    t.ok(
        "POST",
        "/v1/subscriptions",
        &format!("customer={trialist}&items[0][price]={monthly}&trial_period_days=14"),
    );
    let declined = id(&t.ok("POST", "/v1/customers", "source=tok_chargeDeclined"));
    let incomplete = t.ok(
        "POST",
        "/v1/subscriptions",
        &format!("customer={declined}&items[0][price]={monthly}"),
    );
    let open = incomplete["latest_invoice"]
        .as_str()
        .expect("an invoice")
        .to_owned();
    t.fails("POST", &format!("/v1/invoices/{open}/pay"), "", 402);
    t.ok(
        "POST",
        &format!("/v1/invoices/{open}/pay"),
        "payment_method=pm_card_visa",
    );
    t.fails(
        "POST",
        "/v1/subscriptions",
        &format!("customer={payer}"),
        400,
    );
    t.fails(
        "POST",
        "/v1/subscriptions",
        &format!("customer={payer}&items[0][price]={setup_fee}"),
        400,
    );
    t.fails(
        "POST",
        "/v1/subscriptions",
        &format!("customer={payer}&items[0][price]={monthly}&coupon=HALF"),
        400,
    );
    t.fails("GET", "/v1/subscriptions/sub_missing", "", 404);
    // Renewals on a test clock: paid, then failed.
    let clock = id(&t.ok(
        "POST",
        "/v1/test_helpers/test_clocks",
        "frozen_time=1700000000",
    ));
    let renewing = id(&t.ok(
        "POST",
        "/v1/customers",
        &format!("test_clock={clock}&payment_method=pm_card_visa"),
    ));
    let pm = t.ok(
        "GET",
        &format!("/v1/customers/{renewing}/payment_methods"),
        "",
    );
    let pm = pm["data"][0]["id"]
        .as_str()
        .expect("a payment method")
        .to_owned();
    let on_clock = id(&t.ok(
        "POST",
        "/v1/subscriptions",
        &format!("customer={renewing}&items[0][price]={monthly}&default_payment_method={pm}"),
    ));
    t.ok(
        "POST",
        &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
        "frozen_time=1702600000",
    );
    let failing = id(&t.ok(
        "POST",
        "/v1/payment_methods/pm_card_chargeCustomerFail/attach",
        &format!("customer={renewing}"),
    ));
    t.ok(
        "POST",
        &format!("/v1/subscriptions/{on_clock}"),
        &format!("default_payment_method={failing}"),
    );
    t.fails(
        "POST",
        &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
        "frozen_time=1800000000",
        400,
    );
    t.ok(
        "POST",
        &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
        "frozen_time=1705300000",
    );
    t.ok(
        "GET",
        &format!("/v1/subscriptions/{on_clock}?expand[]=latest_invoice"),
        "",
    );
    t.ok(
        "GET",
        &format!("/v1/subscriptions?test_clock={clock}&status=past_due"),
        "",
    );
    // One-off invoices and their items.
    let buyer = id(&t.ok("POST", "/v1/customers", "source=tok_mastercard&name=Buyer"));
    let fee = id(&t.ok(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&price={setup_fee}&quantity=2&metadata[kind]=setup"),
    ));
    t.ok(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&amount=-300&currency=usd&description=Credit"),
    );
    t.ok("GET", &format!("/v1/invoiceitems/{fee}"), "");
    t.ok(
        "POST",
        &format!("/v1/invoiceitems/{fee}"),
        "quantity=3&description=Setup",
    );
    t.fails(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&price={monthly}"),
        400,
    );
    t.fails(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&amount=100"),
        400,
    );
    let draft = id(&t.ok(
        "POST",
        "/v1/invoices",
        &format!("customer={buyer}&pending_invoice_items_behavior=include&description=Order+7"),
    ));
    t.ok(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&invoice={draft}&unit_amount=250&quantity=4&currency=usd"),
    );
    t.ok(
        "POST",
        &format!("/v1/invoices/{draft}"),
        "metadata[order]=7&footer=Thanks",
    );
    t.ok("GET", &format!("/v1/invoices/{draft}/lines?limit=2"), "");
    t.ok(
        "GET",
        &format!("/v1/invoices/{draft}?expand[]=lines.data.price"),
        "",
    );
    t.ok("POST", &format!("/v1/invoices/{draft}/finalize"), "");
    t.fails("POST", &format!("/v1/invoices/{draft}/finalize"), "", 400);
    t.fails(
        "POST",
        &format!("/v1/invoiceitems/{fee}"),
        "quantity=1",
        400,
    );
    t.ok("POST", &format!("/v1/invoices/{draft}/pay"), "");
    t.fails("POST", &format!("/v1/invoices/{draft}/void"), "", 400);
    let second = id(&t.ok(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&amount=900&currency=usd"),
    ));
    let to_void = id(&t.ok(
        "POST",
        "/v1/invoices",
        &format!("customer={buyer}&pending_invoice_items_behavior=include&collection_method=send_invoice&days_until_due=30"),
    ));
    t.ok("POST", &format!("/v1/invoices/{to_void}/finalize"), "");
    t.ok("POST", &format!("/v1/invoices/{to_void}/void"), "");
    t.fails("DELETE", &format!("/v1/invoiceitems/{second}"), "", 400);
    t.ok(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&amount=400&currency=usd"),
    );
    let bad_debt = id(&t.ok(
        "POST",
        "/v1/invoices",
        &format!("customer={buyer}&pending_invoice_items_behavior=include&collection_method=send_invoice&days_until_due=7"),
    ));
    t.ok("POST", &format!("/v1/invoices/{bad_debt}/finalize"), "");
    t.ok(
        "POST",
        &format!("/v1/invoices/{bad_debt}/mark_uncollectible"),
        "",
    );
    let scrap = id(&t.ok("POST", "/v1/invoices", &format!("customer={buyer}")));
    t.ok(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&invoice={scrap}&amount=100&currency=usd"),
    );
    let scrapped = id(&t.ok(
        "POST",
        "/v1/invoiceitems",
        &format!("customer={buyer}&amount=50&currency=usd"),
    ));
    t.ok("DELETE", &format!("/v1/invoiceitems/{scrapped}"), "");
    t.ok("DELETE", &format!("/v1/invoices/{scrap}"), "");
    t.fails("GET", &format!("/v1/invoices/{scrap}"), "", 404);
    t.fails("DELETE", &format!("/v1/invoices/{draft}"), "", 400);
    t.ok("GET", &format!("/v1/invoiceitems?invoice={draft}"), "");
    t.ok("GET", "/v1/invoices?status=paid&limit=3", "");
    t.fails("GET", "/v1/invoices/in_missing", "", 404);
    t.fails("GET", "/v1/invoiceitems/ii_missing", "", 404);
    // Their events, as a webhook endpoint receives them.
    t.ok("GET", "/v1/events?type=customer.subscription.*", "");
    t.ok("GET", "/v1/events?type=invoice.*&limit=100", "");
    t.ok("GET", "/v1/events?type=invoiceitem.*", "");
}
