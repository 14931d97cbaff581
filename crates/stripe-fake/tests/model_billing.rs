//! Products, prices and coupons through the pure model: what each endpoint stores and answers,
//! the list filters users use, Stripe's refusals, and the events each change records.

mod common;

use common::{delete, get, json, ok, post, t0};
use serde_json::Value;
use stripe_fake::Model;

/// The types of the events recorded since `from`, oldest first.
fn event_types(model: &Model, from: usize) -> Vec<String> {
    model.events()[from..]
        .iter()
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect()
}

/// A failed answer's status and `error` member.
fn fails(model: &mut Model, req: &http::Request<bytes::Bytes>) -> (u16, Value) {
    let resp = model.handle(req, t0());
    (resp.status().as_u16(), json(&resp)["error"].clone())
}

fn ids(list: &Value) -> Vec<&str> {
    list["data"]
        .as_array()
        .expect("a list")
        .iter()
        .filter_map(|o| o["id"].as_str())
        .collect()
}

#[test]
fn a_product_is_created_updated_listed_and_deleted_with_its_events() {
    let mut model = Model::new(11);
    let gold = ok(
        &mut model,
        &post("/v1/products", "name=Gold&metadata[tier]=gold"),
    );
    let gold_id = gold["id"].as_str().expect("id").to_owned();
    assert!(gold_id.starts_with("prod_"));
    assert_eq!(gold["active"], true);
    assert_eq!(gold["metadata"]["tier"], "gold");
    let old = ok(
        &mut model,
        &post("/v1/products", "id=legacy&name=Old&active=false"),
    );
    assert_eq!(old["id"], "legacy");
    let updated = ok(
        &mut model,
        &post(
            &format!("/v1/products/{gold_id}"),
            "description=Best&metadata[tier]=",
        ),
    );
    assert_eq!(updated["description"], "Best");
    assert_eq!(updated["metadata"], serde_json::json!({}));
    assert_eq!(
        ok(&mut model, &get(&format!("/v1/products/{gold_id}"))),
        updated
    );
    assert_eq!(
        ids(&ok(&mut model, &get("/v1/products?active=true"))),
        [gold_id.as_str()]
    );
    assert_eq!(
        ids(&ok(&mut model, &get("/v1/products?active=false"))),
        ["legacy"]
    );
    let stub = ok(&mut model, &delete("/v1/products/legacy"));
    assert_eq!(
        stub,
        serde_json::json!({"id": "legacy", "object": "product", "deleted": true})
    );
    let (status, err) = fails(&mut model, &get("/v1/products/legacy"));
    assert_eq!(
        (status, err["code"].as_str()),
        (404, Some("resource_missing"))
    );
    // Stripe never reuses an id, a deleted product's included.
    let (status, err) = fails(&mut model, &post("/v1/products", "id=legacy&name=Again"));
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("resource_already_exists"))
    );
    let (status, err) = fails(&mut model, &post("/v1/products", "description=nameless"));
    assert_eq!((status, err["param"].as_str()), (400, Some("name")));
    assert_eq!(
        event_types(&model, 0),
        [
            "product.created",
            "product.created",
            "product.updated",
            "product.deleted"
        ]
    );
    assert_eq!(model.events()[3]["data"]["object"]["id"], "legacy");
}

#[test]
fn one_time_and_recurring_prices_filter_by_product_type_and_active() {
    let mut model = Model::new(12);
    let prod = ok(&mut model, &post("/v1/products", "name=Seats"))["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let once = ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={prod}&currency=USD&unit_amount=2500"),
        ),
    );
    assert_eq!(once["type"], "one_time");
    assert_eq!(once["currency"], "usd");
    assert_eq!(once["recurring"], Value::Null);
    assert_eq!(once["unit_amount_decimal"], "2500");
    let monthly = ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!(
                "product={prod}&currency=usd&unit_amount=900&recurring[interval]=month&recurring[interval_count]=3"
            ),
        ),
    );
    assert_eq!(monthly["type"], "recurring");
    assert_eq!(monthly["recurring"]["interval"], "month");
    assert_eq!(monthly["recurring"]["interval_count"], 3);
    assert_eq!(monthly["recurring"]["usage_type"], "licensed");
    // A price for a new product creates it (and its event) first.
    let bundled = ok(
        &mut model,
        &post(
            "/v1/prices",
            "product_data[name]=Addon&currency=usd&unit_amount=0",
        ),
    );
    let addon = bundled["product"].as_str().expect("a product id");
    assert_eq!(
        ok(&mut model, &get(&format!("/v1/products/{addon}")))["name"],
        "Addon"
    );
    let once_id = once["id"].as_str().expect("id");
    let monthly_id = monthly["id"].as_str().expect("id");
    let retired = ok(
        &mut model,
        &post(
            &format!("/v1/prices/{monthly_id}"),
            "active=false&nickname=old",
        ),
    );
    assert_eq!(
        (retired["active"].as_bool(), retired["nickname"].as_str()),
        (Some(false), Some("old"))
    );
    let of_prod = ok(&mut model, &get(&format!("/v1/prices?product={prod}")));
    assert_eq!(ids(&of_prod), [monthly_id, once_id], "newest first");
    assert_eq!(
        ids(&ok(&mut model, &get("/v1/prices?type=recurring"))),
        [monthly_id]
    );
    let active = ok(
        &mut model,
        &get(&format!("/v1/prices?active=true&product={prod}")),
    );
    assert_eq!(ids(&active), [once_id]);
    // The product with prices cannot be deleted; a price's product must exist.
    let (status, err) = fails(&mut model, &delete(&format!("/v1/products/{prod}")));
    assert_eq!(
        (status, err["type"].as_str()),
        (400, Some("invalid_request_error"))
    );
    let (status, err) = fails(
        &mut model,
        &post("/v1/prices", "product=prod_nope&currency=usd&unit_amount=1"),
    );
    assert_eq!(
        (status, err["code"].as_str(), err["param"].as_str()),
        (400, Some("resource_missing"), Some("product"))
    );
    let (status, err) = fails(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={prod}&currency=usd&unit_amount=1&recurring[interval]=hour"),
        ),
    );
    assert_eq!(
        (status, err["param"].as_str()),
        (400, Some("recurring[interval]"))
    );
    let (status, err) = fails(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={prod}&currency=usd&unit_amount=-5"),
        ),
    );
    assert_eq!((status, err["param"].as_str()), (400, Some("unit_amount")));
    // Stripe deletes no price.
    let (status, _) = fails(&mut model, &delete(&format!("/v1/prices/{once_id}")));
    assert_eq!(status, 404);
    assert_eq!(
        event_types(&model, 0),
        [
            "product.created",
            "price.created",
            "price.created",
            "product.created",
            "price.created",
            "price.updated"
        ]
    );
}

#[test]
fn coupons_take_a_percentage_or_an_amount_and_are_deleted_with_their_events() {
    let mut model = Model::new(13);
    let quarter = ok(
        &mut model,
        &post(
            "/v1/coupons",
            "percent_off=25&duration=repeating&duration_in_months=3",
        ),
    );
    let quarter_id = quarter["id"].as_str().expect("id").to_owned();
    assert_eq!(quarter_id.len(), 8);
    assert_eq!(
        (
            quarter["percent_off"].as_f64(),
            quarter["amount_off"].as_u64()
        ),
        (Some(25.0), None)
    );
    assert_eq!(
        (
            quarter["valid"].as_bool(),
            quarter["times_redeemed"].as_u64()
        ),
        (Some(true), Some(0))
    );
    let ten = ok(
        &mut model,
        &post("/v1/coupons", "id=TENOFF&amount_off=1000&currency=eur"),
    );
    assert_eq!(
        (ten["duration"].as_str(), ten["currency"].as_str()),
        (Some("once"), Some("eur"))
    );
    let renamed = ok(
        &mut model,
        &post("/v1/coupons/TENOFF", "name=Ten&metadata[k]=v"),
    );
    assert_eq!(
        (renamed["name"].as_str(), renamed["metadata"]["k"].as_str()),
        (Some("Ten"), Some("v"))
    );
    assert_eq!(
        ids(&ok(&mut model, &get("/v1/coupons"))),
        ["TENOFF", quarter_id.as_str()]
    );
    for (body, param) in [
        ("duration=once", None),
        ("percent_off=10&amount_off=5&currency=usd", None),
        ("percent_off=150", Some("percent_off")),
        (
            "percent_off=10&duration=repeating",
            Some("duration_in_months"),
        ),
        ("percent_off=10&duration=weekly", Some("duration")),
        ("amount_off=100", Some("currency")),
    ] {
        let (status, err) = fails(&mut model, &post("/v1/coupons", body));
        assert_eq!(
            (status, err["param"].as_str()),
            (400, param),
            "{body}: {err}"
        );
    }
    // Coupon updates take only `name` and `metadata`, as Stripe's.
    let (status, err) = fails(&mut model, &post("/v1/coupons/TENOFF", "percent_off=5"));
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("parameter_unknown"))
    );
    ok(&mut model, &delete("/v1/coupons/TENOFF"));
    let (status, _) = fails(&mut model, &get("/v1/coupons/TENOFF"));
    assert_eq!(status, 404);
    assert_eq!(
        event_types(&model, 0),
        [
            "coupon.created",
            "coupon.created",
            "coupon.updated",
            "coupon.deleted"
        ]
    );
}
