//! Helpers of the billing tests: ids, events, a monthly price, a clock with a subscription.

use serde_json::Value;
use stripe_fake::Model;

use super::{get, json, ok, post, t0};

/// 2023-11-14 22:13:20 UTC.
pub const START: i64 = 1_700_000_000;
pub const DAY: i64 = 86_400;
/// 2023-12-14 22:13:20: a month (30 days) after [`START`].
pub const MONTH_LATER: i64 = START + 30 * DAY;
/// 2024-01-14: two months after [`START`].
pub const TWO_MONTHS_LATER: i64 = START + 61 * DAY;

/// The `id` of an object.
pub fn id(v: &Value) -> String {
    v["id"].as_str().expect("an id").to_owned()
}

/// `(type, created, status of the object)` of the events recorded since `from`.
pub fn events(model: &Model, from: usize) -> Vec<(String, i64, String)> {
    model
        .events_from(from)
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap_or_default().to_owned(),
                e["created"].as_i64().unwrap_or_default(),
                e["data"]["object"]["status"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// The types of the events recorded since `from`, oldest first.
pub fn kinds(model: &Model, from: usize) -> Vec<String> {
    events(model, from).into_iter().map(|(k, _, _)| k).collect()
}

/// A failed answer's status and `error` member.
pub fn fails(model: &mut Model, req: &http::Request<bytes::Bytes>) -> (u16, Value) {
    let resp = model.handle(req, t0());
    (resp.status().as_u16(), json(&resp)["error"].clone())
}

/// A product named Gold and a monthly price of `cents` for it.
pub fn monthly(model: &mut Model, cents: u64) -> String {
    let product = id(&ok(model, &post("/v1/products", "name=Gold")));
    id(&ok(
        model,
        &post(
            "/v1/prices",
            &format!(
                "product={product}&currency=usd&unit_amount={cents}&recurring[interval]=month"
            ),
        ),
    ))
}

/// Advances test clock `clock` to `to`.
pub fn advance(model: &mut Model, clock: &str, to: i64) {
    ok(
        model,
        &post(
            &format!("/v1/test_helpers/test_clocks/{clock}/advance"),
            &format!("frozen_time={to}"),
        ),
    );
}

/// A test clock frozen at `start`: its id.
pub fn clock_at(model: &mut Model, start: i64) -> String {
    id(&ok(
        model,
        &post(
            "/v1/test_helpers/test_clocks",
            &format!("frozen_time={start}"),
        ),
    ))
}

/// A clock at [`START`] and a customer on it paying with a card source (`tok_visa`):
/// `(clock, customer)`.
pub fn clocked_customer(model: &mut Model) -> (String, String) {
    let clock = clock_at(model, START);
    let customer = id(&ok(
        model,
        &post(
            "/v1/customers",
            &format!("test_clock={clock}&source=tok_visa"),
        ),
    ));
    (clock, customer)
}

/// A clock at `start`, a customer on it paying with `card` (`pm_card_...`) by default, and
/// a monthly subscription of 2000 (with `extra` parameters).
pub struct Setup {
    pub model: Model,
    pub clock: String,
    pub customer: String,
    pub sub: String,
}

pub fn setup(seed: u64, start: i64, card: &str, extra: &str) -> Setup {
    let mut model = Model::new(seed);
    let clock = clock_at(&mut model, start);
    let product = id(&ok(&mut model, &post("/v1/products", "name=Pro")));
    let price = id(&ok(
        &mut model,
        &post(
            "/v1/prices",
            &format!("product={product}&currency=usd&unit_amount=2000&recurring[interval]=month"),
        ),
    ));
    let customer = id(&ok(
        &mut model,
        &post("/v1/customers", &format!("test_clock={clock}")),
    ));
    let pm = id(&ok(
        &mut model,
        &post(
            &format!("/v1/payment_methods/{card}/attach"),
            &format!("customer={customer}"),
        ),
    ));
    ok(
        &mut model,
        &post(
            &format!("/v1/customers/{customer}"),
            &format!("invoice_settings[default_payment_method]={pm}"),
        ),
    );
    let sub = id(&ok(
        &mut model,
        &post(
            "/v1/subscriptions",
            &format!("customer={customer}&items[0][price]={price}{extra}"),
        ),
    ));
    Setup {
        model,
        clock,
        customer,
        sub,
    }
}

impl Setup {
    pub fn advance(&mut self, to: i64) -> Value {
        ok(
            &mut self.model,
            &post(
                &format!("/v1/test_helpers/test_clocks/{}/advance", self.clock),
                &format!("frozen_time={to}"),
            ),
        )
    }

    pub fn subscription(&mut self) -> Value {
        ok(
            &mut self.model,
            &get(&format!(
                "/v1/subscriptions/{}?expand[]=latest_invoice",
                self.sub
            )),
        )
    }

    pub fn set_card(&mut self, card: &str) {
        let customer = self.customer.clone();
        let pm = id(&ok(
            &mut self.model,
            &post(
                &format!("/v1/payment_methods/{card}/attach"),
                &format!("customer={customer}"),
            ),
        ));
        ok(
            &mut self.model,
            &post(
                &format!("/v1/customers/{customer}"),
                &format!("invoice_settings[default_payment_method]={pm}"),
            ),
        );
    }
}

pub fn amounts(invoice: &Value) -> Vec<i64> {
    invoice["lines"]["data"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["amount"].as_i64())
        .collect()
}

/// A customer paying with `source`, and a one-time price of 500.
pub fn customer_and_fee(model: &mut Model, source: &str) -> (String, String) {
    let product = id(&ok(model, &post("/v1/products", "name=Setup")));
    let fee = id(&ok(
        model,
        &post(
            "/v1/prices",
            &format!("product={product}&currency=usd&unit_amount=500"),
        ),
    ));
    let customer = id(&ok(
        model,
        &post("/v1/customers", &format!("source={source}")),
    ));
    (customer, fee)
}

/// A draft invoice of `customer` with one item of `cents` in usd (negative: a credit): its id.
pub fn draft_with_item(model: &mut Model, customer: &str, cents: i64) -> String {
    let invoice = id(&ok(
        model,
        &post("/v1/invoices", &format!("customer={customer}")),
    ));
    ok(
        model,
        &post(
            "/v1/invoiceitems",
            &format!("customer={customer}&invoice={invoice}&amount={cents}&currency=usd"),
        ),
    );
    invoice
}
