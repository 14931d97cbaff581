//! A subscription's items: `items[N][...]` parameters (on create, update, and the upcoming
//! invoice's `subscription_items[N][...]`), the items a change leaves, and the prorations of a
//! change in the middle of a period (Stripe's default `create_prorations`: a credit for the
//! unused time on what was, a charge for the remaining time on what is, to the second).

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::calendar::{self, Interval};
use super::shapes::{self, Line, LineKind};
use crate::model::Model;
use crate::model::errors::ApiError;
use crate::model::params::{Params, merge_metadata};

/// At most this many items per subscription, as at Stripe.
const MAX_ITEMS: usize = 20;

/// One `items[N]` entry: a new item (`price`), or a change to an item (`id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ItemChange {
    id: Option<String>,
    price: Option<String>,
    quantity: Option<u64>,
    deleted: bool,
    metadata: BTreeMap<String, String>,
}

/// How prorations of a change are made (`proration_behavior`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proration {
    /// Pending invoice items, billed with the next invoice (Stripe's default).
    Create,
    /// Pending invoice items, invoiced at once.
    AlwaysInvoice,
    /// None.
    Skip,
}

impl Proration {
    /// `proration_behavior` (or `subscription_proration_behavior`) under `name`.
    pub(crate) fn parse(p: &Params, name: &str) -> Result<Self, ApiError> {
        match p.get(name) {
            None | Some("create_prorations") => Ok(Self::Create),
            Some("always_invoice") => Ok(Self::AlwaysInvoice),
            Some("none") => Ok(Self::Skip),
            Some(_) => Err(ApiError::invalid_param(
                name,
                "parameter_invalid_string",
                format!("Invalid {name}: must be one of always_invoice, create_prorations, none"),
            )),
        }
    }
}

fn count(name: &str, raw: &str) -> Result<u64, ApiError> {
    raw.parse::<u64>().map_err(|_| {
        ApiError::invalid_param(
            name,
            "parameter_invalid_integer",
            format!("Invalid non-negative integer: {raw}"),
        )
    })
}

/// The `name[N]` entries; on create (`updating` false) each needs a `price`.
pub(crate) fn parse_items(
    p: &Params,
    name: &str,
    updating: bool,
) -> Result<Vec<ItemChange>, ApiError> {
    let entries = p.indexed(name)?;
    if entries.len() > MAX_ITEMS {
        return Err(ApiError::invalid_param(
            name,
            "parameter_invalid_integer",
            format!("A subscription can have at most {MAX_ITEMS} items."),
        ));
    }
    let mut out = Vec::with_capacity(entries.len());
    for (i, entry) in entries.into_iter().enumerate() {
        let mut change = ItemChange {
            id: None,
            price: None,
            quantity: None,
            deleted: false,
            metadata: BTreeMap::new(),
        };
        for (field, value) in entry {
            let param = format!("{name}[{i}][{field}]");
            match field.as_str() {
                "id" if updating => change.id = Some(value),
                "price" => change.price = Some(value),
                "quantity" => change.quantity = Some(count(&param, &value)?),
                "deleted" if updating => change.deleted = value == "true",
                "price_data" | "plan" | "tax_rates" | "billing_thresholds" | "clear_usage" => {
                    return Err(ApiError::invalid_param(
                        &param,
                        "parameter_invalid_string",
                        format!("The fake does not model {param}: give a price id instead."),
                    ));
                }
                f if f.starts_with("metadata[") => {
                    let key = f.trim_start_matches("metadata[").trim_end_matches(']');
                    change.metadata.insert(key.to_owned(), value);
                }
                _ => return Err(ApiError::unknown_parameter(&param)),
            }
        }
        if change.id.is_none() && change.price.is_none() {
            return Err(ApiError::missing(&format!("{name}[{i}][price]")));
        }
        out.push(change);
    }
    Ok(out)
}

/// The item whose price and quantity cost `amount` a period (its unit amount times quantity).
fn period_amount(item: &Value) -> i64 {
    let unit = item["price"]["unit_amount"].as_i64().unwrap_or_default();
    let quantity = item["quantity"].as_i64().unwrap_or(1);
    unit.saturating_mul(quantity)
}

impl Model {
    /// The active recurring price named by `param`, or Stripe's 400.
    fn recurring_price(&self, id: &str, param: &str) -> Result<Value, ApiError> {
        let price = self.collection("price")?.named(id, param)?;
        if price["type"] != "recurring" {
            return Err(ApiError::invalid_param(
                param,
                "parameter_invalid_string",
                format!(
                    "The price specified ({id}) is set to `type=one_time` but this field only accepts prices with `type=recurring`."
                ),
            ));
        }
        if price["active"] != true {
            return Err(ApiError::invalid_param(
                param,
                "parameter_invalid_string",
                format!(
                    "The price specified ({id}) is inactive. This field only accepts active prices."
                ),
            ));
        }
        Ok(price.clone())
    }

    /// The items of subscription `sub` (its id) after `changes` to `current` (new items get
    /// new ids), checked as Stripe checks them: known prices and items, one currency, one
    /// billing interval, at least one item.
    pub(crate) fn changed_items(
        &mut self,
        sub: &str,
        current: &[Value],
        changes: &[ItemChange],
        name: &str,
        at: i64,
    ) -> Result<Vec<Value>, ApiError> {
        let mut items: Vec<Value> = current.to_vec();
        for (i, change) in changes.iter().enumerate() {
            let price = match &change.price {
                Some(id) => Some(self.recurring_price(id, &format!("{name}[{i}][price]"))?),
                None => None,
            };
            let Some(id) = &change.id else {
                let item_id = self.next_id("si_");
                let price = price.unwrap_or_default();
                let mut item = shapes::subscription_item(
                    &item_id,
                    sub,
                    price,
                    change.quantity.unwrap_or(1),
                    at,
                );
                merge_metadata(&mut item, &change.metadata, false);
                items.push(item);
                continue;
            };
            let at_index = items
                .iter()
                .position(|item| item["id"] == id.as_str())
                .ok_or_else(|| {
                    ApiError::no_such("subscription_item", id, &format!("{name}[{i}][id]"))
                })?;
            if change.deleted {
                items.remove(at_index);
                continue;
            }
            let item = &mut items[at_index];
            if let Some(price) = price {
                item["price"] = price;
            }
            if let Some(quantity) = change.quantity {
                item["quantity"] = json!(quantity);
            }
            merge_metadata(item, &change.metadata, false);
        }
        let first = items.first().ok_or_else(|| {
            ApiError::invalid_param(
                name,
                "parameter_missing",
                "A subscription needs at least one item.".to_owned(),
            )
        })?;
        let (currency, interval) = (
            first["price"]["currency"].clone(),
            Interval::of_price(&first["price"]),
        );
        for item in &items {
            if item["price"]["currency"] != currency {
                return Err(ApiError::invalid_param(
                    name,
                    "parameter_invalid_string",
                    "All prices on a subscription must have the same `currency`.".to_owned(),
                ));
            }
            if Interval::of_price(&item["price"]) != interval {
                return Err(ApiError::invalid_param(name, "parameter_invalid_string",
                    "All prices on a subscription must have the same `recurring.interval` and `recurring.interval_count`.".to_owned()));
            }
        }
        Ok(items)
    }

    /// The proration lines of going from items `old` to items `new` at `at` within `period`:
    /// a credit for each item that changed or went, a charge for each that changed or came.
    pub(crate) fn proration_lines(
        &self,
        sub: &str,
        old: &[Value],
        new: &[Value],
        at: i64,
        period: (i64, i64),
    ) -> Vec<Line> {
        let (part, whole) = (period.1 - at, period.1 - period.0);
        if part <= 0 || whole <= 0 {
            return Vec::new();
        }
        let same = |a: &Value, b: &Value| {
            a["price"]["id"] == b["price"]["id"] && a["quantity"] == b["quantity"]
        };
        let date = calendar::date_text(at);
        let mut lines = Vec::new();
        let mut line = |item: &Value, sign: i64, words: &str| {
            let quantity = item["quantity"].as_u64().unwrap_or(1);
            let name = self.product_name(&item["price"]);
            let what = if quantity == 1 {
                name
            } else {
                format!("{quantity} × {name}")
            };
            lines.push(Line {
                kind: LineKind::InvoiceItem(String::new()),
                amount: sign * calendar::prorate(period_amount(item), part, whole),
                currency: item["price"]["currency"]
                    .as_str()
                    .unwrap_or("usd")
                    .to_owned(),
                description: Some(format!("{words} time on {what} after {date}")),
                period: (at, period.1),
                price: item["price"].clone(),
                proration: true,
                quantity: Some(quantity),
                subscription: Some(sub.to_owned()),
                subscription_item: item["id"].as_str().map(str::to_owned),
                metadata: json!({}),
            });
        };
        for item in old {
            if !new.iter().any(|n| n["id"] == item["id"] && same(n, item)) {
                line(item, -1, "Unused");
            }
        }
        for item in new {
            if !old.iter().any(|o| o["id"] == item["id"] && same(o, item)) {
                line(item, 1, "Remaining");
            }
        }
        lines
    }
}
