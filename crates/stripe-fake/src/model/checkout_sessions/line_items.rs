//! A Checkout Session's line items: each `line_items[i]` checked (a `price`, or `price_data` for
//! a new one, and a `quantity`), then priced together (one currency, recurring as the mode
//! asks, a total) before anything is made, and made into `item` objects.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::{Mode, nested};
use crate::model::errors::ApiError;
use crate::model::params::Params;
use crate::model::{Model, prices};

/// One `line_items[i]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct LineItem {
    price: PriceRef,
    quantity: u64,
}

/// A line item's price: an existing one, or the parameters of a new one (`price_data`).
#[derive(Debug, Clone, PartialEq, Eq)]
enum PriceRef {
    Existing(String),
    Inline(Params),
}

impl LineItem {
    pub(super) fn parse(i: usize, item: &Params) -> Result<Self, ApiError> {
        let at = format!("line_items[{i}]");
        let data = item.within("price_data");
        let price = match (item.get("price"), data.pairs().is_empty()) {
            (Some(_), false) => {
                return Err(ApiError::invalid_request(format!(
                    "You may only specify one of these parameters: {at}[price], {at}[price_data]."
                )));
            }
            (Some(id), true) => PriceRef::Existing(id.to_owned()),
            (None, true) => return Err(ApiError::missing(&format!("{at}[price]"))),
            (None, false) => {
                prices::check_create(&data).map_err(|e| nested(e, &format!("{at}[price_data]")))?;
                PriceRef::Inline(data)
            }
        };
        let param = format!("{at}[quantity]");
        let raw = item
            .get("quantity")
            .ok_or_else(|| ApiError::missing(&param))?;
        let quantity = raw.parse::<u64>().ok().filter(|q| *q >= 1).ok_or_else(|| {
            ApiError::invalid_param(
                &param,
                "parameter_invalid_integer",
                format!("Invalid positive integer: {raw}"),
            )
        })?;
        Ok(Self { price, quantity })
    }
}

/// At most this many items on a subscription, as at Stripe.
const MAX_SUBSCRIPTION_ITEMS: usize = 20;

/// What a line item's price says about the session.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Priced {
    currency: String,
    /// `recurring[interval]` and `recurring[interval_count]`, for a recurring price.
    interval: Option<(String, u64)>,
    unit_amount: u64,
}

impl Priced {
    fn of_price(price: &Value) -> Self {
        let recurring = &price["recurring"];
        Self {
            currency: price["currency"].as_str().unwrap_or_default().to_owned(),
            interval: recurring["interval"].as_str().map(|interval| {
                let count = recurring["interval_count"].as_u64().unwrap_or(1);
                (interval.to_owned(), count)
            }),
            unit_amount: price["unit_amount"].as_u64().unwrap_or_default(),
        }
    }

    /// Of a `price_data` checked already.
    fn of_data(data: &Params) -> Result<Self, ApiError> {
        let number = |name: &str| data.get(name).and_then(|v| v.parse().ok());
        Ok(Self {
            currency: data.currency()?,
            interval: data.get("recurring[interval]").map(|interval| {
                let count = number("recurring[interval_count]").unwrap_or(1);
                (interval.to_owned(), count)
            }),
            unit_amount: number("unit_amount").unwrap_or_default(),
        })
    }
}

impl Model {
    /// Prices the line items of a session in `mode`: checks every price (an existing one must
    /// be active), their currency and recurrence, and the total, before anything is made; then
    /// makes the prices of `price_data` (inactive, as Stripe makes them) and the `item`s.
    /// Answers the items, the currency and the total.
    pub(super) fn price_line_items(
        &mut self,
        mode: Mode,
        items: &[LineItem],
        now: i64,
    ) -> Result<(Vec<Value>, Option<String>, u64), ApiError> {
        let mut existing = BTreeMap::new();
        let mut priced = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match &item.price {
                PriceRef::Existing(id) => {
                    let param = format!("line_items[{i}][price]");
                    let price = self.collection("price")?.named(id, &param)?.clone();
                    if price["active"] != true {
                        return Err(ApiError::invalid_request(format!(
                            "The price `{id}` is not active: a Checkout Session takes only active prices."
                        ))
                        .with_parameter(&param));
                    }
                    priced.push(Priced::of_price(&price));
                    existing.insert(i, price);
                }
                PriceRef::Inline(data) => priced.push(Priced::of_data(data)?),
            }
        }
        let currency = check_prices(mode, &priced)?;
        let total = total(items, &priced)?;
        let mut made = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let price = match (&item.price, existing.remove(&i)) {
                (_, Some(price)) => price,
                (PriceRef::Inline(data), None) => {
                    let inactive = data
                        .pairs()
                        .iter()
                        .cloned()
                        .chain([("active".to_owned(), "false".to_owned())]);
                    self.create_price(&Params::from_pairs(inactive), now)?
                }
                (PriceRef::Existing(id), None) => {
                    return Err(ApiError::internal(format!("price {id} was not looked up")));
                }
            };
            made.push(self.line_item(price, item.quantity));
        }
        Ok((made, currency, total))
    }

    /// A line item (`li_...`) of `quantity` of `price`, described by its product's name.
    fn line_item(&mut self, price: Value, quantity: u64) -> Value {
        let amount = price["unit_amount"]
            .as_u64()
            .unwrap_or_default()
            .saturating_mul(quantity);
        let description = price["product"]
            .as_str()
            .and_then(|product| self.find(product))
            .map_or(Value::Null, |product| product["name"].clone());
        json!({
            "id": self.next_id("li_"),
            "object": "item",
            "amount_discount": 0,
            "amount_subtotal": amount,
            "amount_tax": 0,
            "amount_total": amount,
            "currency": price["currency"],
            "description": description,
            "price": price,
            "quantity": quantity,
        })
    }
}

/// The prices agree on one currency (the session's), and recur as the mode asks: `payment`
/// takes none that recurs, `subscription` at least one.
fn check_prices(mode: Mode, priced: &[Priced]) -> Result<Option<String>, ApiError> {
    let currency = priced.first().map(|p| p.currency.clone());
    if priced
        .iter()
        .any(|p| Some(&p.currency) != currency.as_ref())
    {
        return Err(ApiError::invalid_request(
            "All line items of a Checkout Session must have the same currency.".to_owned(),
        )
        .with_parameter("line_items"));
    }
    let refuse = |message: &str| {
        Err(ApiError::invalid_request(message.to_owned()).with_parameter("line_items"))
    };
    let recurring = priced.iter().any(|p| p.interval.is_some());
    match mode {
        Mode::Payment if recurring => refuse(
            "You specified `payment` mode but passed a recurring price. Either switch to `subscription` mode or use only one-time prices.",
        ),
        Mode::Subscription if !recurring => refuse(
            "You must specify at least one recurring price in `subscription` mode when using prices.",
        ),
        Mode::Subscription if priced.iter().any(|p| p.interval.is_none()) => refuse(
            "The fake does not model one-time prices in `subscription` mode (Stripe bills them on the first invoice only): leave them out.",
        ),
        Mode::Subscription if priced.len() > MAX_SUBSCRIPTION_ITEMS => refuse(
            "A subscription can have at most 20 items: a `subscription` mode Checkout Session takes at most 20 line items.",
        ),
        Mode::Subscription if priced.iter().any(|p| p.interval != priced[0].interval) => refuse(
            "All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.",
        ),
        _ => Ok(currency),
    }
}

/// The session's total: every line item's unit amount times its quantity.
fn total(items: &[LineItem], priced: &[Priced]) -> Result<u64, ApiError> {
    let mut total: u64 = 0;
    for (i, (item, price)) in items.iter().zip(priced).enumerate() {
        total = price
            .unit_amount
            .checked_mul(item.quantity)
            .and_then(|amount| total.checked_add(amount))
            .ok_or_else(|| {
                ApiError::invalid_request("The line items' total is too large.".to_owned())
                    .with_parameter(&format!("line_items[{i}][quantity]"))
            })?;
    }
    Ok(total)
}
