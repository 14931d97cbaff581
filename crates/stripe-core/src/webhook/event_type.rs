//! [`EventType`]: an event's `type`, open to the types Stripe adds after this crate was built.

use std::borrow::Cow;
use std::fmt;

use serde::{Deserialize, Serialize};

/// An event's `type` (`charge.succeeded`, `v2.core.account.created`, ...).
///
/// Stripe adds event types all the time, so this is a string with constants for the common
/// ones, never a closed enum: a type this crate has never heard of parses like any other.
/// Compare with the constants (`event.event_type() == &EventType::CHARGE_SUCCEEDED`) or with
/// a string (`event.event_type() == "charge.succeeded"`).
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EventType(Cow<'static, str>);

impl EventType {
    /// `charge.succeeded`.
    pub const CHARGE_SUCCEEDED: Self = Self::from_static("charge.succeeded");
    /// `charge.failed`.
    pub const CHARGE_FAILED: Self = Self::from_static("charge.failed");
    /// `charge.captured`.
    pub const CHARGE_CAPTURED: Self = Self::from_static("charge.captured");
    /// `charge.refunded`.
    pub const CHARGE_REFUNDED: Self = Self::from_static("charge.refunded");
    /// `charge.dispute.created`.
    pub const CHARGE_DISPUTE_CREATED: Self = Self::from_static("charge.dispute.created");
    /// `customer.created`.
    pub const CUSTOMER_CREATED: Self = Self::from_static("customer.created");
    /// `customer.updated`.
    pub const CUSTOMER_UPDATED: Self = Self::from_static("customer.updated");
    /// `customer.deleted`.
    pub const CUSTOMER_DELETED: Self = Self::from_static("customer.deleted");
    /// `payment_intent.created`.
    pub const PAYMENT_INTENT_CREATED: Self = Self::from_static("payment_intent.created");
    /// `payment_intent.succeeded`.
    pub const PAYMENT_INTENT_SUCCEEDED: Self = Self::from_static("payment_intent.succeeded");
    /// `payment_intent.payment_failed`.
    pub const PAYMENT_INTENT_PAYMENT_FAILED: Self =
        Self::from_static("payment_intent.payment_failed");
    /// `payment_intent.canceled`.
    pub const PAYMENT_INTENT_CANCELED: Self = Self::from_static("payment_intent.canceled");
    /// `refund.created`.
    pub const REFUND_CREATED: Self = Self::from_static("refund.created");
    /// `checkout.session.completed`.
    pub const CHECKOUT_SESSION_COMPLETED: Self = Self::from_static("checkout.session.completed");
    /// `invoice.paid`.
    pub const INVOICE_PAID: Self = Self::from_static("invoice.paid");
    /// `invoice.payment_failed`.
    pub const INVOICE_PAYMENT_FAILED: Self = Self::from_static("invoice.payment_failed");
    /// `v2.core.event_destination.ping` (thin): an event destination's test.
    pub const V2_CORE_EVENT_DESTINATION_PING: Self =
        Self::from_static("v2.core.event_destination.ping");
    /// `v2.core.account.created` (thin).
    pub const V2_CORE_ACCOUNT_CREATED: Self = Self::from_static("v2.core.account.created");
    /// `v2.core.account.updated` (thin).
    pub const V2_CORE_ACCOUNT_UPDATED: Self = Self::from_static("v2.core.account.updated");
    /// `v1.billing.meter.error_report_triggered` (thin).
    pub const V1_BILLING_METER_ERROR_REPORT_TRIGGERED: Self =
        Self::from_static("v1.billing.meter.error_report_triggered");
    /// `v1.billing.meter.no_meter_found` (thin).
    pub const V1_BILLING_METER_NO_METER_FOUND: Self =
        Self::from_static("v1.billing.meter.no_meter_found");

    /// A type from a constant string.
    pub const fn from_static(name: &'static str) -> Self {
        Self(Cow::Borrowed(name))
    }

    /// A type from any string (one a newer API sends, say).
    pub fn new(name: impl Into<String>) -> Self {
        Self(Cow::Owned(name.into()))
    }

    /// The type as Stripe spells it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether this is a thin (event destination) type, whose name starts with `v1.` or
    /// `v2.`, rather than a snapshot type such as `charge.succeeded`.
    pub fn is_thin(&self) -> bool {
        self.0.starts_with("v1.") || self.0.starts_with("v2.")
    }
}

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Server text: `Debug` of a str escapes control characters.
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for EventType {
    /// The type with control characters escaped (it is server text).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.as_str().chars() {
            if c.is_control() {
                write!(f, "{}", c.escape_default())?;
            } else {
                f.write_fmt(format_args!("{c}"))?;
            }
        }
        Ok(())
    }
}

impl AsRef<str> for EventType {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

impl PartialEq<str> for EventType {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for EventType {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}
