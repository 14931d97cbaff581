//! What an audit found: the operations with more than one object, and the refunds it made.

use std::time::SystemTime;

use serde_json::Value;

/// One object the journal tagged, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditObject {
    id: String,
    created: i64,
    status: Option<String>,
    refunded: bool,
    payment_intent: Option<String>,
}

impl AuditObject {
    /// The object as a list item gives it (`None` without an id).
    pub(crate) fn from_json(object: &Value) -> Option<Self> {
        let id_of = |v: &Value| match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_owned),
            _ => None,
        };
        Some(Self {
            id: object["id"].as_str()?.to_owned(),
            created: object["created"].as_i64().unwrap_or(i64::MAX),
            status: object["status"].as_str().map(str::to_owned),
            refunded: object["refunded"].as_bool() == Some(true),
            payment_intent: id_of(&object["payment_intent"]),
        })
    }

    /// Its id (`ch_...`, `pi_...`, `cus_...`, `re_...`).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// When Stripe created it (Unix seconds).
    pub fn created(&self) -> i64 {
        self.created
    }

    /// Its `status`, if it has one.
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// Whether a charge is fully refunded (`refunded`).
    pub fn is_refunded(&self) -> bool {
        self.refunded
    }

    /// The payment intent a charge belongs to, if any.
    pub fn payment_intent(&self) -> Option<&str> {
        self.payment_intent.as_deref()
    }
}

/// An operation with more than one object on Stripe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub(crate) resource: String,
    pub(crate) op: String,
    pub(crate) objects: Vec<AuditObject>,
    pub(crate) recorded: Option<String>,
}

impl Duplicate {
    /// The resource (`charges`, `payment_intents`, `customers`, `refunds`).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The operation id (`metadata[op]`).
    pub fn op(&self) -> &str {
        &self.op
    }

    /// Its objects, oldest first.
    pub fn objects(&self) -> &[AuditObject] {
        &self.objects
    }

    /// The object the journal recorded as the operation's outcome, when its intent is done with
    /// one of these objects.
    pub fn recorded(&self) -> Option<&str> {
        self.recorded.as_deref()
    }

    /// The object kept: the recorded one, or else the oldest.
    pub fn kept(&self) -> &str {
        self.recorded
            .as_deref()
            .or_else(|| self.objects.first().map(AuditObject::id))
            .unwrap_or_default()
    }

    /// Every object but the kept one, oldest first.
    pub fn extras(&self) -> impl Iterator<Item = &AuditObject> {
        let kept = self.kept().to_owned();
        self.objects.iter().filter(move |o| o.id != kept)
    }
}

/// What the audit did about one extra object.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefundResult {
    /// Refunded now (or, `replayed`, by an earlier audit whose answer was lost: Stripe replayed
    /// the refund of the same key).
    Refunded {
        /// The refund's id.
        refund: String,
        /// Whether Stripe replayed an earlier refund of the same key.
        replayed: bool,
    },
    /// Already refunded: nothing sent.
    AlreadyRefunded,
    /// Not refunded by the audit (it did not succeed, or it is refunded through its payment
    /// intent); nothing sent.
    NotRefundable {
        /// Why.
        reason: String,
    },
    /// The refund was asked and failed, or its answer was lost; running the audit again retries
    /// it with the same key.
    Failed {
        /// What happened.
        detail: String,
    },
}

impl RefundResult {
    /// A short name: `refunded`, `already_refunded`, `not_refundable`, `failed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Refunded { .. } => "refunded",
            Self::AlreadyRefunded => "already_refunded",
            Self::NotRefundable { .. } => "not_refundable",
            Self::Failed { .. } => "failed",
        }
    }
}

/// One extra object the audit looked at to refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRefund {
    pub(crate) op: String,
    pub(crate) resource: String,
    pub(crate) object: String,
    pub(crate) result: RefundResult,
}

impl AuditRefund {
    /// The operation id.
    pub fn op(&self) -> &str {
        &self.op
    }

    /// The extra object's resource (`charges` or `payment_intents`).
    pub fn resource(&self) -> &str {
        &self.resource
    }

    /// The extra object's id.
    pub fn object(&self) -> &str {
        &self.object
    }

    /// What was done.
    pub fn result(&self) -> &RefundResult {
        &self.result
    }

    /// The idempotency key the refund of `object` is sent with: the same for every audit.
    pub fn key_for(object: &str) -> String {
        format!("audit-refund-{object}")
    }
}

/// What an audit found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    pub(crate) namespace: String,
    pub(crate) since: SystemTime,
    pub(crate) tagged: u64,
    pub(crate) duplicates: Vec<Duplicate>,
    pub(crate) refunds: Vec<AuditRefund>,
}

impl AuditReport {
    /// The namespace audited.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The earliest creation time looked at.
    pub fn since(&self) -> SystemTime {
        self.since
    }

    /// How many objects carried the namespace's tags.
    pub fn tagged(&self) -> u64 {
        self.tagged
    }

    /// Every operation with more than one object, by resource then operation id.
    pub fn duplicates(&self) -> &[Duplicate] {
        &self.duplicates
    }

    /// What was done about each extra payment, when refunds were asked for.
    pub fn refunds(&self) -> &[AuditRefund] {
        &self.refunds
    }

    /// Whether any operation has more than one object.
    pub fn found_duplicates(&self) -> bool {
        !self.duplicates.is_empty()
    }
}
