//! The spec tour's billing part: products, prices (one-time and recurring), coupons and test
//! clocks, each endpoint answered at least once with a 200 and its errors as Stripe gives them.

use super::{Tour, id};

/// Tours the billing endpoints.
pub(crate) fn run(t: &mut Tour) {
    // Products.
    let prod = id(&t.ok(
        "POST",
        "/v1/products",
        "name=Gold+plan&description=Monthly&shippable=false&metadata[tier]=gold",
    ));
    let chosen = id(&t.ok("POST", "/v1/products", "id=prod_custom&name=Custom"));
    t.fails("POST", "/v1/products", "id=prod_custom&name=Again", 400);
    t.fails("POST", "/v1/products", "description=no+name", 400);
    t.ok("GET", &format!("/v1/products/{prod}"), "");
    t.ok(
        "POST",
        &format!("/v1/products/{prod}"),
        "unit_label=seat&metadata[tier]=",
    );
    t.ok("GET", "/v1/products?active=true&limit=5", "");
    t.fails("GET", "/v1/products/prod_missing", "", 404);
    // Prices: one-time, recurring, and one that creates its product.
    let one_time = id(&t.ok(
        "POST",
        "/v1/prices",
        &format!("product={prod}&currency=usd&unit_amount=1500&nickname=once"),
    ));
    let monthly = id(&t.ok(
        "POST",
        "/v1/prices",
        &format!(
            "product={prod}&currency=eur&unit_amount=990&recurring[interval]=month&lookup_key=gold_monthly"
        ),
    ));
    t.ok(
        "POST",
        "/v1/prices",
        "product_data[name]=Side+product&currency=usd&unit_amount=0&recurring[interval]=year&recurring[interval_count]=2",
    );
    t.fails(
        "POST",
        "/v1/prices",
        &format!("product={prod}&currency=usd&unit_amount=1&recurring[interval]=fortnight"),
        400,
    );
    t.fails(
        "POST",
        "/v1/prices",
        "product=prod_missing&currency=usd&unit_amount=1",
        400,
    );
    t.ok(
        "GET",
        &format!("/v1/prices/{one_time}?expand[]=product"),
        "",
    );
    t.ok(
        "POST",
        &format!("/v1/prices/{monthly}"),
        "active=false&metadata[plan]=gold",
    );
    t.ok(
        "POST",
        &format!("/v1/products/{prod}"),
        &format!("default_price={one_time}"),
    );
    t.ok(
        "GET",
        &format!("/v1/prices?product={prod}&type=recurring"),
        "",
    );
    t.ok("GET", "/v1/prices?active=true", "");
    t.fails("DELETE", &format!("/v1/products/{prod}"), "", 400);
    t.ok("DELETE", &format!("/v1/products/{chosen}"), "");
    t.fails("GET", &format!("/v1/products/{chosen}"), "", 404);
    // Coupons.
    let percent = id(&t.ok(
        "POST",
        "/v1/coupons",
        "percent_off=25.5&duration=repeating&duration_in_months=3&name=Quarter",
    ));
    t.ok(
        "POST",
        "/v1/coupons",
        "id=TENOFF&amount_off=1000&currency=usd&duration=once&max_redemptions=5",
    );
    t.fails("POST", "/v1/coupons", "duration=forever", 400);
    t.fails(
        "POST",
        "/v1/coupons",
        "percent_off=10&duration=repeating",
        400,
    );
    t.ok("GET", &format!("/v1/coupons/{percent}"), "");
    t.ok(
        "POST",
        &format!("/v1/coupons/{percent}"),
        "name=Spring&metadata[campaign]=s1",
    );
    t.ok("GET", "/v1/coupons?limit=1", "");
    t.ok("DELETE", "/v1/coupons/TENOFF", "");
    t.fails("GET", "/v1/coupons/NOSUCH", "", 404);
    // Test clocks.
    let clock = id(&t.ok(
        "POST",
        "/v1/test_helpers/test_clocks",
        "frozen_time=1700000000&name=Renewals",
    ));
    t.ok(
        "POST",
        "/v1/customers",
        &format!("test_clock={clock}&email=clock@example.com"),
    );
    t.ok("GET", &format!("/v1/customers?test_clock={clock}"), "");
    t.fails("POST", "/v1/customers", "test_clock=clock_missing", 400);
    t.ok(
        "POST",
        &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
        "frozen_time=1702592000",
    );
    t.fails(
        "POST",
        &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
        "frozen_time=1700000000",
        400,
    );
    t.ok("GET", &format!("/v1/test_helpers/test_clocks/{clock}"), "");
    t.ok("GET", "/v1/test_helpers/test_clocks", "");
    t.ok(
        "DELETE",
        &format!("/v1/test_helpers/test_clocks/{clock}"),
        "",
    );
    t.fails("GET", "/v1/test_helpers/test_clocks/clock_missing", "", 404);
    // Their events, as a webhook endpoint receives them.
    t.ok("GET", "/v1/events?type=product.*", "");
    t.ok("GET", "/v1/events?type=price.*", "");
    t.ok("GET", "/v1/events?type=coupon.*", "");
    t.ok("GET", "/v1/events?type=test_helpers.test_clock.*", "");
}
