//! The fault plan: which requests get which network or server fault.
//!
//! A [`FaultPlan`] is an ordered list of [`Rule`]s, each matching an optional method and a
//! path prefix and applied to the next `times` matching requests (the first matching rule with
//! times left wins), plus an optional seeded [`RandomFaults`] mode for requests no rule takes.
//! [`crate::Model::apply`] turns a fault into an [`Outcome`] without any I/O, so a simulation
//! can give it network semantics in virtual time.

mod apply;
mod json;
mod random;

use http::Method;

pub use apply::Outcome;
pub use json::FaultPlanError;
pub use random::RandomFaults;

/// One fault injected into one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answer this status (409, 429, 500, 502, 503 or 504) before executing; nothing is stored.
    Status {
        /// The HTTP status.
        status: u16,
        /// Adds `Stripe-Should-Retry: true|false` when set.
        should_retry: Option<bool>,
        /// The error `code` (default `rate_limit` for 429, `lock_timeout` for 409, none else).
        code: Option<String>,
    },
    /// Execute and store, then answer (and store) a 500: a replay returns the 500 too.
    ErrorAfter {
        /// Adds `Stripe-Should-Retry: true|false` when set.
        should_retry: Option<bool>,
    },
    /// Close the connection before anything is executed.
    DropBefore,
    /// Execute and store, then close the connection without answering (the lost response).
    DropAfter,
    /// Hold the idempotency key, wait this long, then execute normally.
    Delay {
        /// Milliseconds to wait.
        ms: u64,
    },
    /// Never answer (until the server stops).
    Hang,
    /// The request reaches the model only after a later request has been handled.
    DeliverLate,
}

impl Fault {
    /// The name used in the JSON form and in the log (`"drop_after"`, `"delay_ms"`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            Fault::Status { .. } => "status",
            Fault::ErrorAfter { .. } => "error_after",
            Fault::DropBefore => "drop_before",
            Fault::DropAfter => "drop_after",
            Fault::Delay { .. } => "delay_ms",
            Fault::Hang => "hang",
            Fault::DeliverLate => "deliver_late",
        }
    }

    /// A `Status` fault with no `Stripe-Should-Retry` header and the default code.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            should_retry: None,
            code: None,
        }
    }
}

/// A rule of a [`FaultPlan`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Only requests with this method (any method when `None`).
    pub method: Option<Method>,
    /// Only requests whose path starts with this prefix (`"/"` matches all).
    pub path: String,
    /// The fault to inject.
    pub fault: Fault,
    /// How many more matching requests get the fault.
    pub times: u32,
}

impl Rule {
    /// A rule for any method and path, applied once.
    pub fn new(fault: Fault) -> Self {
        Self {
            method: None,
            path: "/".to_owned(),
            fault,
            times: 1,
        }
    }

    /// Restricts the rule to one method.
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Restricts the rule to a path prefix.
    #[must_use]
    pub fn path(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.path);
        self
    }

    /// Applies the rule to this many matching requests.
    #[must_use]
    pub fn times(mut self, times: u32) -> Self {
        self.times = times;
        self
    }

    /// Whether the rule applies to this request (ignoring `times`).
    pub fn matches(&self, method: &Method, path: &str) -> bool {
        self.method.as_ref().is_none_or(|m| m == method) && path.starts_with(&self.path)
    }
}

/// An ordered list of rules plus an optional random mode. The default plan injects nothing.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultPlan {
    rules: Vec<Rule>,
    random: Option<RandomFaults>,
}

impl FaultPlan {
    /// A plan that injects nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// A plan of these rules, in order.
    pub fn from_rules(rules: Vec<Rule>) -> Self {
        Self {
            rules,
            random: None,
        }
    }

    /// Appends a rule.
    #[must_use]
    pub fn rule(mut self, rule: Rule) -> Self {
        self.rules.push(rule);
        self
    }

    /// Sets the random mode, used for requests that no rule takes.
    #[must_use]
    pub fn random(mut self, random: RandomFaults) -> Self {
        self.random = Some(random);
        self
    }

    /// Parses the JSON form: an array of rules, or `{"rules": [...], "random": {...}}`.
    ///
    /// A rule is `{"method"?, "path"? (prefix, default "/"), "fault", "times"? (default 1),
    /// "status"?, "should_retry"?, "code"?, "ms"?}`; unknown fields or values are errors.
    pub fn from_json(text: &str) -> Result<Self, FaultPlanError> {
        json::parse(text)
    }

    /// The rules with their remaining `times`.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// The random mode, if any.
    pub fn random_faults(&self) -> Option<&RandomFaults> {
        self.random.as_ref()
    }

    /// Whether the plan can still inject anything.
    pub fn is_exhausted(&self) -> bool {
        self.random.is_none() && self.rules.iter().all(|r| r.times == 0)
    }

    /// The fault for the next request with this method and path, consuming one `times` of the
    /// first matching rule that has times left, else drawing from the random mode.
    pub fn next_fault(&mut self, method: &Method, path: &str) -> Option<Fault> {
        if let Some(rule) = self
            .rules
            .iter_mut()
            .find(|r| r.times > 0 && r.matches(method, path))
        {
            rule.times -= 1;
            return Some(rule.fault.clone());
        }
        self.random.as_mut().and_then(RandomFaults::draw)
    }
}
