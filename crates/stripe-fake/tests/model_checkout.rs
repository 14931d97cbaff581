//! Checkout Sessions through the pure model: creation and its refusals, line items, lists,
//! and expiry (on request, and at `expires_at` by the model's clock).

mod common;

use std::time::Duration;

use common::checkout::{URLS, cart, complete, id, price, types_since};
use common::{T0_SECS, get, json, ok, post, t0};
use serde_json::Value;
use stripe_fake::model::CheckoutPayer;
use stripe_fake::{Kind, Model};

#[test]
fn a_payment_session_is_priced_from_its_line_items_and_lists_them_in_order() {
    let mut model = Model::new(71);
    let tee = price(&mut model, "Tee", 1500);
    let prices_before = model.objects("price").len();
    let cs = cart(
        &mut model,
        &tee,
        "&client_reference_id=cart-7&metadata[order]=42",
    );
    assert!(id(&cs).starts_with("cs_test_"));
    assert_eq!(cs["object"], "checkout.session");
    assert_eq!(cs["mode"], "payment");
    assert_eq!(cs["status"], "open");
    assert_eq!(cs["payment_status"], "unpaid");
    assert_eq!(
        (cs["amount_subtotal"].clone(), cs["amount_total"].clone()),
        (3300.into(), 3300.into())
    );
    assert_eq!(cs["currency"], "usd");
    assert_eq!(cs["customer_creation"], "if_required");
    assert_eq!(cs["client_reference_id"], "cart-7");
    assert_eq!(cs["metadata"]["order"], "42");
    assert_eq!(cs["success_url"], "https://shop.example/ok");
    assert!(
        cs["payment_intent"].is_null(),
        "made on completion, as since 2022-08-01"
    );
    assert_eq!(
        cs["expires_at"],
        cs["created"].as_i64().expect("created") + 24 * 3600
    );
    // Not served: the url is where Stripe would have it.
    assert_eq!(
        cs["url"],
        format!("https://checkout.stripe.com/c/pay/{}", id(&cs))
    );
    assert!(
        cs.get("line_items").is_none(),
        "line items are includable only"
    );
    // The inline price is made, inactive.
    assert_eq!(model.objects("price").len(), prices_before + 1);
    let items = ok(
        &mut model,
        &get(&format!("/v1/checkout/sessions/{}/line_items", id(&cs))),
    );
    let described: Vec<(&str, u64, u64)> = items["data"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["description"].as_str().unwrap_or_default(),
                i["quantity"].as_u64().unwrap_or_default(),
                i["amount_total"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(described, [("Tee", 2, 3000), ("Gift wrap", 1, 300)]);
    assert_eq!(items["data"][0]["price"]["id"], tee.as_str());
    assert_eq!(items["data"][1]["price"]["active"], false);
    assert_eq!(
        items["url"],
        format!("/v1/checkout/sessions/{}/line_items", id(&cs))
    );
    // Paged in that order.
    let first = id(&items["data"][0]);
    let rest = ok(
        &mut model,
        &get(&format!(
            "/v1/checkout/sessions/{}/line_items?starting_after={first}",
            id(&cs)
        )),
    );
    assert_eq!(rest["data"][0]["description"], "Gift wrap");
    assert_eq!(rest["has_more"], false);
    let expanded = ok(
        &mut model,
        &get(&format!(
            "/v1/checkout/sessions/{}?expand[]=line_items.data.price.product",
            id(&cs)
        )),
    );
    assert_eq!(
        expanded["line_items"]["data"][0]["price"]["product"]["name"],
        "Tee"
    );
}

#[test]
fn a_session_expires_on_request_or_at_expires_at_and_then_cannot_be_paid() {
    let mut model = Model::new(77);
    let tee = price(&mut model, "Tee", 1500);
    let asked = cart(&mut model, &tee, "");
    let before = model.count(Kind::Event);
    let expired = ok(
        &mut model,
        &post(&format!("/v1/checkout/sessions/{}/expire", id(&asked)), ""),
    );
    assert_eq!(expired["status"], "expired");
    assert!(expired["url"].is_null());
    assert_eq!(types_since(&model, before), ["checkout.session.expired"]);
    let again = model.handle(
        &post(&format!("/v1/checkout/sessions/{}/expire", id(&asked)), ""),
        t0(),
    );
    assert_eq!(again.status(), 400);
    let paid =
        model.complete_checkout_session(&id(&asked), &CheckoutPayer::new("pm_card_visa"), t0());
    assert_eq!(paid.map_err(|e| e.status()).err(), Some(400));

    let at = T0_SECS + 1800;
    let short = cart(&mut model, &tee, &format!("&expires_at={at}"));
    let path = format!("/v1/checkout/sessions/{}", id(&short));
    let before = model.count(Kind::Event);
    let still = json(&model.handle(&get(&path), t0() + Duration::from_secs(1799)));
    assert_eq!(still["status"], "open");
    let lapsed = json(&model.handle(&get(&path), t0() + Duration::from_secs(1800)));
    assert_eq!(lapsed["status"], "expired");
    assert_eq!(types_since(&model, before), ["checkout.session.expired"]);
    let event = model.events().pop().expect("the event");
    assert_eq!(event["created"], at, "dated when the session expired");
    assert!(event["request"]["id"].is_null(), "no request expired it");
}

/// `(body, the parameter the 400 names)` for what Stripe refuses.
#[test]
fn what_stripe_refuses_is_refused_with_the_parameter_and_nothing_is_made() {
    let mut model = Model::new(78);
    let tee = price(&mut model, "Tee", 1500);
    let monthly = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            "product_data[name]=Club&currency=usd&unit_amount=900&recurring[interval]=month",
        ),
    ));
    let euro = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            "product_data[name]=Wine&currency=eur&unit_amount=900",
        ),
    ));
    let old = price(&mut model, "Old", 100);
    ok(
        &mut model,
        &post(&format!("/v1/prices/{old}"), "active=false"),
    );
    let item = |price: &str| format!("line_items[0][price]={price}&line_items[0][quantity]=1");
    let tee1 = item(&tee);
    let inline =
        "line_items[1][price_data][currency]=usd&line_items[1][price_data][product_data][name]=Hat";
    let now = T0_SECS;
    let cases: Vec<(String, Option<&str>)> = vec![
        (format!("{URLS}&{tee1}"), Some("mode")),
        (format!("mode=payment&{tee1}"), Some("success_url")),
        (format!("{URLS}&mode=payment"), Some("line_items")),
        (format!("{URLS}&mode=rental&{tee1}"), Some("mode")),
        (
            format!("{URLS}&mode=setup&currency=usd&{tee1}"),
            Some("line_items"),
        ),
        (format!("{URLS}&mode=setup"), Some("payment_method_types")),
        (
            format!("{URLS}&mode=payment&line_items[0][price]={tee}"),
            Some("line_items[0][quantity]"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&line_items[0][quantity]=0"),
            Some("line_items[0][quantity]"),
        ),
        (
            format!("{URLS}&mode=payment&line_items[0][quantity]=1"),
            Some("line_items[0][price]"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&{inline}&line_items[1][quantity]=1"),
            Some("line_items[1][price_data][unit_amount]"),
        ),
        (
            format!("{URLS}&mode=payment&line_items=all"),
            Some("line_items"),
        ),
        (
            format!("{URLS}&mode=payment&{}", item(&monthly)),
            Some("line_items"),
        ),
        (
            format!("{URLS}&mode=subscription&{tee1}"),
            Some("line_items"),
        ),
        (
            format!(
                "{URLS}&mode=payment&{tee1}&line_items[1][price]={euro}&line_items[1][quantity]=1"
            ),
            Some("line_items"),
        ),
        (
            format!("{URLS}&mode=payment&{}", item(&old)),
            Some("line_items[0][price]"),
        ),
        (
            format!("{URLS}&mode=payment&{}", item("price_missing")),
            Some("line_items[0][price]"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&customer=cus_missing"),
            Some("customer"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&customer=cus_x&customer_email=a%40b.c"),
            None,
        ),
        (
            format!(
                "{URLS}&mode=subscription&{}&customer_creation=always",
                item(&monthly)
            ),
            Some("customer_creation"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&setup_intent_data[description]=x"),
            Some("setup_intent_data"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&payment_intent_data[capture_method]=later"),
            Some("payment_intent_data[capture_method]"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&payment_method_types[]=ideal"),
            Some("payment_method_types"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&expires_at={}", now + 60),
            Some("expires_at"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&expires_at={}", now + 90_000),
            Some("expires_at"),
        ),
        (
            format!("{URLS}&mode=payment&{tee1}&colour=red"),
            Some("colour"),
        ),
    ];
    let prices = model.objects("price").len();
    let products = model.objects("product").len();
    for (body, param) in cases {
        let resp = model.handle(&post("/v1/checkout/sessions", &body), t0());
        let answer = json(&resp);
        assert_eq!(resp.status(), 400, "{body}: {answer}");
        assert_eq!(answer["error"]["param"].as_str(), param, "{body}: {answer}");
        assert_eq!(answer["error"]["type"], "invalid_request_error");
    }
    assert!(model.objects("checkout.session").is_empty());
    assert_eq!(model.objects("price").len(), prices, "no inline price made");
    assert_eq!(model.objects("product").len(), products);
}

#[test]
fn lists_filter_by_customer_payment_intent_and_email() {
    let mut model = Model::new(79);
    let tee = price(&mut model, "Tee", 1500);
    let cus = id(&ok(
        &mut model,
        &post("/v1/customers", "email=c@example.com"),
    ));
    let mine = cart(&mut model, &tee, &format!("&customer={cus}"));
    let other = cart(&mut model, &tee, "");
    let done = complete(
        &mut model,
        &other,
        &CheckoutPayer::new("pm_card_visa").with_email("o@example.com"),
    );
    let ids = |page: Value| -> Vec<String> {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(id)
            .collect()
    };
    let all = ok(&mut model, &get("/v1/checkout/sessions"));
    assert_eq!(ids(all), [id(&other), id(&mine)], "newest first");
    let by_customer = ok(
        &mut model,
        &get(&format!("/v1/checkout/sessions?customer={cus}")),
    );
    assert_eq!(ids(by_customer), [id(&mine)]);
    let pi = done["payment_intent"].as_str().expect("pi");
    let by_pi = ok(
        &mut model,
        &get(&format!("/v1/checkout/sessions?payment_intent={pi}")),
    );
    assert_eq!(ids(by_pi), [id(&other)]);
    let by_email = ok(
        &mut model,
        &get(
            "/v1/checkout/sessions?customer_details[email]=o@example.com&expand[]=data.line_items",
        ),
    );
    assert_eq!(
        by_email["data"][0]["line_items"]["data"][0]["description"],
        "Tee"
    );
    assert_eq!(ids(by_email), [id(&other)]);
}
