//! Changes to subscriptions through the pure model: prorations of a change (pending,
//! previewed, invoiced at once), cancellation now and at the period's end, lists of ended ones.

mod common;

use common::billing::{
    DAY, MONTH_LATER, START, advance, clocked_customer, fails, id, kinds, monthly,
};
use common::{delete, get, ok, post, t0};
use stripe_fake::Model;

#[test]
fn a_change_mid_period_prorates_to_the_second_and_bills_with_the_next_invoice() {
    let mut model = Model::new(34);
    let basic = monthly(&mut model, 1000);
    let product = ok(&mut model, &get(&format!("/v1/prices/{basic}")))["product"].clone();
    let premium = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!(
                "product={}&currency=usd&unit_amount=3000&recurring[interval]=month",
                product.as_str().expect("product")
            ),
        ),
    ));
    let (clock, customer) = clocked_customer(&mut model);
    let sub = ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={basic}"),
        ),
    );
    let (sub_id, item) = (
        id(&sub),
        sub["items"]["data"][0]["id"]
            .as_str()
            .expect("item")
            .to_owned(),
    );
    advance(&mut model, &clock, START + 10 * DAY);
    // The preview of the change: two thirds of the period remain.
    let preview = ok(
        &mut model,
        &get(&format!(
            "/v1/invoices/upcoming?customer={customer}&subscription_items[0][id]={item}&subscription_items[0][price]={premium}"
        )),
    );
    let amounts: Vec<i64> = preview["lines"]["data"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["amount"].as_i64())
        .collect();
    assert_eq!(amounts, [-667, 2000, 3000]);
    let before = model.events().len();
    let changed = ok(
        &mut model,
        &post(
            &format!("/v1/subscriptions/{sub_id}"),
            &format!("items[0][id]={item}&items[0][price]={premium}"),
        ),
    );
    assert_eq!(changed["items"]["data"][0]["price"]["id"], premium.as_str());
    assert_eq!(
        changed["items"]["data"][0]["id"],
        item.as_str(),
        "the same item, repriced"
    );
    assert_eq!(
        kinds(&model, before),
        [
            "invoiceitem.created",
            "invoiceitem.created",
            "customer.subscription.updated"
        ]
    );
    let pending = ok(
        &mut model,
        &get(&format!(
            "/v1/invoiceitems?customer={customer}&pending=true"
        )),
    );
    let items: Vec<(i64, &str)> = pending["data"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["amount"].as_i64().unwrap_or_default(),
                i["description"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            (2000, "Remaining time on Gold after 24 Nov 2023"),
            (-667, "Unused time on Gold after 24 Nov 2023"),
        ]
    );
    assert!(
        pending["data"]
            .as_array()
            .expect("items")
            .iter()
            .all(|i| i["proration"] == true && i["subscription"] == sub_id.as_str())
    );
    let upcoming = ok(
        &mut model,
        &get(&format!("/v1/invoices/upcoming?customer={customer}")),
    );
    assert_eq!(upcoming["amount_due"], 2000 - 667 + 3000);
    assert_eq!(upcoming.get("id"), None, "a preview has no id");
    // The renewal's invoice takes them, an hour after the period ends.
    advance(&mut model, &clock, MONTH_LATER + 3600);
    let renewed = ok(
        &mut model,
        &get(&format!(
            "/v1/subscriptions/{sub_id}?expand[]=latest_invoice"
        )),
    );
    let invoice = &renewed["latest_invoice"];
    assert_eq!(
        (invoice["status"].as_str(), invoice["amount_paid"].as_i64()),
        (Some("paid"), Some(4333))
    );
    assert_eq!(invoice["billing_reason"], "subscription_cycle");
    assert_eq!(
        ok(
            &mut model,
            &get(&format!(
                "/v1/invoiceitems?customer={customer}&pending=true"
            ))
        )["data"],
        serde_json::json!([])
    );
}

#[test]
fn always_invoice_bills_a_change_at_once() {
    let mut model = Model::new(35);
    let basic = monthly(&mut model, 1000);
    let (clock, customer) = clocked_customer(&mut model);
    let sub = ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={basic}"),
        ),
    );
    let item = sub["items"]["data"][0]["id"]
        .as_str()
        .expect("item")
        .to_owned();
    advance(&mut model, &clock, START + 20 * DAY);
    let changed = ok(
        &mut model,
        &post(
            &format!("/v1/subscriptions/{}", id(&sub)),
            &format!(
                "items[0][id]={item}&items[0][quantity]=4&proration_behavior=always_invoice&expand[]=latest_invoice"
            ),
        ),
    );
    let invoice = &changed["latest_invoice"];
    // A third of the period remains: -1000/3 for one seat, +4000/3 for four.
    assert_eq!(
        (
            invoice["billing_reason"].as_str(),
            invoice["status"].as_str()
        ),
        (Some("subscription_update"), Some("paid"))
    );
    assert_eq!(invoice["amount_paid"], 1333 - 333);
    assert_eq!(
        invoice["lines"]["data"][0]["description"],
        "Remaining time on 4 × Gold after 04 Dec 2023"
    );
}

#[test]
fn cancel_now_with_prorate_credits_the_customer_and_cancel_at_period_end_waits() {
    let mut model = Model::new(36);
    let price = monthly(&mut model, 3000);
    let (clock, customer) = clocked_customer(&mut model);
    let now = id(&ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={price}"),
        ),
    ));
    let later = id(&ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={price}"),
        ),
    ));
    advance(&mut model, &clock, START + 20 * DAY);
    let before = model.events().len();
    let canceled = ok(
        &mut model,
        &delete(&format!(
            "/v1/subscriptions/{now}?prorate=true&invoice_now=true"
        )),
    );
    assert_eq!(
        (canceled["status"].as_str(), canceled["ended_at"].as_i64()),
        (Some("canceled"), Some(START + 20 * DAY))
    );
    assert_eq!(
        canceled["cancellation_details"]["reason"],
        "cancellation_requested"
    );
    let recorded = kinds(&model, before);
    assert_eq!(
        recorded[..2],
        ["invoiceitem.created", "customer.subscription.deleted"]
    );
    // The credit for the unused third: an invoice of -1000, paid at once, the rest on balance.
    let credit = ok(&mut model, &get(&format!("/v1/customers/{customer}")));
    assert_eq!(credit["balance"], -1000);
    let marked = ok(
        &mut model,
        &post(
            &format!("/v1/subscriptions/{later}"),
            "cancel_at_period_end=true",
        ),
    );
    assert_eq!(
        (marked["cancel_at"].as_i64(), marked["canceled_at"].as_i64()),
        (Some(MONTH_LATER), Some(START + 20 * DAY))
    );
    assert_eq!(
        model
            .handle(
                &get(&format!(
                    "/v1/invoices/upcoming?customer={customer}&subscription={later}"
                )),
                t0()
            )
            .status(),
        404
    );
    let before = model.events().len();
    advance(&mut model, &clock, MONTH_LATER + 7200);
    let ended = ok(&mut model, &get(&format!("/v1/subscriptions/{later}")));
    assert_eq!(
        (ended["status"].as_str(), ended["ended_at"].as_i64()),
        (Some("canceled"), Some(MONTH_LATER))
    );
    assert!(
        kinds(&model, before)
            .iter()
            .all(|k| !k.starts_with("invoice.")),
        "no renewal"
    );
    // Lists leave ended subscriptions out unless asked.
    let live = ok(
        &mut model,
        &get(&format!("/v1/subscriptions?customer={customer}")),
    );
    assert_eq!(live["data"], serde_json::json!([]));
    let all = ok(
        &mut model,
        &get(&format!("/v1/subscriptions?customer={customer}&status=all")),
    );
    assert_eq!(all["data"].as_array().map(Vec::len), Some(2));
    let (status, _) = fails(
        &mut model,
        &post(
            &format!("/v1/subscriptions/{later}"),
            &format!("items[0][price]={price}"),
        ),
    );
    assert_eq!(status, 400, "a canceled subscription's items cannot change");
}
