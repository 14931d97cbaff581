//! Stripe's test tokens and payment methods, the outcome of charging them, and the card sources
//! made from tokens (a registry entry of their own).

use super::errors::ApiError;
use crate::registry::Resource;

/// The registry entry of card sources (`card_...`, made from `tok_...` tokens): found by id
/// (a customer's `default_source`, a charge's `source`) and expandable, with no endpoint of
/// their own.
pub(crate) fn resource() -> Resource {
    Resource::new("card")
        .with_prefix("card_")
        .with_expandable(&["account", "customer"])
}

/// How a card answers a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Card {
    pub(crate) brand: &'static str,
    pub(crate) last4: &'static str,
    pub(crate) decline: Option<Decline>,
    /// When the issuer asks the cardholder to authenticate (3D Secure).
    pub(crate) challenge: Challenge,
    /// Whether a successful, captured charge of it is disputed at once (`createDispute`).
    pub(crate) disputed: bool,
}

/// When a card's issuer asks for authentication (3D Secure), as Stripe's test cards do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Challenge {
    /// Never (most test cards).
    Never,
    /// On every payment and setup; off-session payments fail with `authentication_required`
    /// (`threeDSecure2Required`, `4000000000003220`).
    Always,
    /// On on-session payments and setups; off-session payments succeed once the card was set up
    /// (`authenticationRequiredOnSetup`, `4000002500003155`).
    UnlessSetUp,
}

/// A card error: `code`, `decline_code` and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Decline {
    pub(crate) code: &'static str,
    pub(crate) decline_code: &'static str,
    pub(crate) message: &'static str,
}

const fn ok(brand: &'static str, last4: &'static str) -> Card {
    Card {
        brand,
        last4,
        decline: None,
        challenge: Challenge::Never,
        disputed: false,
    }
}

const fn challenged(last4: &'static str, challenge: Challenge) -> Card {
    Card {
        brand: "visa",
        last4,
        decline: None,
        challenge,
        disputed: false,
    }
}

const fn disputed(last4: &'static str) -> Card {
    Card {
        brand: "visa",
        last4,
        decline: None,
        challenge: Challenge::Never,
        disputed: true,
    }
}

const fn declined(
    last4: &'static str,
    code: &'static str,
    decline_code: &'static str,
    message: &'static str,
) -> Card {
    Card {
        brand: "visa",
        last4,
        decline: Some(Decline {
            code,
            decline_code,
            message,
        }),
        challenge: Challenge::Never,
        disputed: false,
    }
}

/// The card a customer without an explicit source pays with.
pub(crate) const DEFAULT_CARD: Card = ok("visa", "4242");

/// Test cards by suffix: `tok_<suffix>`, `pm_card_<suffix>` and `pm_card_visa_<suffix>`.
const CARDS: [(&str, Card); 13] = [
    ("visa", ok("visa", "4242")),
    ("mastercard", ok("mastercard", "4444")),
    ("amex", ok("amex", "8431")),
    (
        "chargeDeclined",
        declined(
            "0002",
            "card_declined",
            "generic_decline",
            "Your card was declined.",
        ),
    ),
    (
        "chargeDeclinedInsufficientFunds",
        declined(
            "9995",
            "card_declined",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ),
    (
        "chargeDeclinedExpiredCard",
        declined(
            "0069",
            "expired_card",
            "expired_card",
            "Your card has expired.",
        ),
    ),
    (
        "chargeDeclinedIncorrectCvc",
        declined(
            "0127",
            "incorrect_cvc",
            "incorrect_cvc",
            "Your card's security code is incorrect.",
        ),
    ),
    (
        "chargeDeclinedProcessingError",
        declined(
            "0119",
            "processing_error",
            "processing_error",
            "An error occurred while processing your card. Try again in a little bit.",
        ),
    ),
    (
        "chargeDeclinedFraudulent",
        declined(
            "0019",
            "card_declined",
            "fraudulent",
            "Your card was declined.",
        ),
    ),
    // Attaches to a customer, then declines every charge: the card of a failing renewal.
    (
        "chargeCustomerFail",
        declined(
            "0341",
            "card_declined",
            "generic_decline",
            "Your card was declined.",
        ),
    ),
    (
        "threeDSecure2Required",
        challenged("3220", Challenge::Always),
    ),
    (
        "authenticationRequiredOnSetup",
        challenged("3155", Challenge::UnlessSetUp),
    ),
    ("createDispute", disputed("0259")),
];

/// The decline of an off-session payment whose card asks for authentication.
pub(crate) const AUTHENTICATION_REQUIRED: Decline = Decline {
    code: "authentication_required",
    decline_code: "authentication_required",
    message: "Your card was declined. This transaction requires authentication.",
};

impl Card {
    /// The brand as card sources spell it (`Visa`, `MasterCard`, `American Express`).
    pub(crate) fn display_brand(&self) -> &'static str {
        match self.brand {
            "mastercard" => "MasterCard",
            "amex" => "American Express",
            _ => "Visa",
        }
    }
}

/// The test card a stored card or payment method was made from (by its last four digits).
pub(crate) fn by_last4(last4: &str) -> Option<Card> {
    CARDS
        .iter()
        .find(|(_, card)| card.last4 == last4)
        .map(|(_, card)| *card)
}

fn by_suffix(suffix: &str) -> Option<Card> {
    CARDS
        .iter()
        .find(|(s, _)| *s == suffix)
        .map(|(_, card)| *card)
}

/// A `source` (`tok_...`) parameter; 400 `resource_missing` for an unknown token.
pub(crate) fn token(id: &str) -> Result<Card, ApiError> {
    id.strip_prefix("tok_")
        .and_then(by_suffix)
        .ok_or_else(|| ApiError::no_such("token", id, "source"))
}

/// A test payment method (`pm_card_visa`, `pm_card_chargeDeclined`, ...), if `id` is one.
pub(crate) fn test_payment_method(id: &str) -> Option<Card> {
    id.strip_prefix("pm_card_visa_")
        .or_else(|| id.strip_prefix("pm_card_"))
        .and_then(by_suffix)
}

impl Decline {
    /// The 402 card error for this decline.
    pub(crate) fn error(&self) -> ApiError {
        ApiError::card(self.code, Some(self.decline_code), self.message)
    }
}
