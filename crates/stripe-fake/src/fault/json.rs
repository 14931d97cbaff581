//! The JSON form of a fault plan: serde types for its shape, then the checks serde cannot
//! express (which fields apply to which fault, the statuses allowed, probabilities).

use std::fmt;

use http::Method;
use serde::Deserialize;
use serde_json::Value;

use super::{Fault, FaultPlan, RandomFaults, Rule};

/// Statuses a `status` fault may answer.
const STATUSES: [u16; 6] = [409, 429, 500, 502, 503, 504];

/// Methods a rule may name.
const METHODS: [&str; 7] = ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"];

/// Why a fault plan's JSON was rejected. `at` names the place (`"plan"`, `"rule 0"`,
/// `"random"`, `"random fault 1"`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FaultPlanError {
    /// Not JSON at all (serde_json's message, with line and column).
    Syntax(String),
    /// JSON of the wrong shape (not an array of rules nor a `{"rules", "random"}` object).
    Shape(String),
    /// A rule or random fault that does not read as one: an unknown field, an unknown fault
    /// name, a missing `fault`, `seed` or `probability`, a value of the wrong type (the reason
    /// names the field and what was expected).
    Invalid {
        /// Where.
        at: String,
        /// What is wrong, as serde reports it.
        reason: String,
    },
    /// A field the fault needs is absent (`status` for `status`, `ms` for `delay_ms`).
    MissingField {
        /// Where.
        at: String,
        /// The field name.
        field: &'static str,
    },
    /// A field has a value the fault cannot take, or does not apply to this fault.
    InvalidValue {
        /// Where.
        at: String,
        /// The field name.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
}

impl fmt::Display for FaultPlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Syntax(e) => write!(f, "fault plan is not valid JSON: {e}"),
            Self::Shape(e) => write!(f, "fault plan has the wrong shape: {e}"),
            Self::Invalid { at, reason } => write!(f, "{at}: {reason}"),
            Self::MissingField { at, field } => write!(f, "{at}: missing field `{field}`"),
            Self::InvalidValue { at, field, reason } => {
                write!(f, "{at}: field `{field}`: {reason}")
            }
        }
    }
}

impl std::error::Error for FaultPlanError {}

/// Deserializers of optional fields that name the field in their error (serde's own message
/// for a wrong type does not).
mod named {
    use serde::de::{Deserialize, Deserializer, Error};

    macro_rules! fields {
        ($($name:ident: $ty:ty),* $(,)?) => {$(
            pub(super) fn $name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<$ty>, D::Error> {
                Option::<$ty>::deserialize(d)
                    .map_err(|e| D::Error::custom(format!("field `{}`: {e}", stringify!($name))))
            }
        )*};
    }

    fields! {
        method: String,
        path: String,
        times: u32,
        status: u16,
        should_retry: bool,
        code: String,
        ms: u64,
        seed: u64,
        probability: f64,
    }
}

/// `{"rules": [...], "random": {...}}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanObject {
    #[serde(default)]
    rules: Option<Vec<Value>>,
    #[serde(default)]
    random: Option<Value>,
}

/// The faults by their JSON name.
#[derive(Deserialize, Clone, Copy)]
#[serde(try_from = "String")]
enum FaultName {
    Status,
    ErrorAfter,
    DropBefore,
    DropAfter,
    DelayMs,
    Hang,
    DeliverLate,
}

impl TryFrom<String> for FaultName {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Ok(match name.as_str() {
            "status" => Self::Status,
            "error_after" => Self::ErrorAfter,
            "drop_before" => Self::DropBefore,
            "drop_after" => Self::DropAfter,
            "delay_ms" => Self::DelayMs,
            "hang" => Self::Hang,
            "deliver_late" => Self::DeliverLate,
            _ => {
                return Err(format!(
                    "unknown fault `{name}` (expected status, error_after, drop_before, drop_after, delay_ms, hang, deliver_late)"
                ));
            }
        })
    }
}

/// A rule (`method`, `path`, `times` and the fault) or a random fault (`probability` and the
/// fault): one type, each context refusing the other's fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    #[serde(default, deserialize_with = "named::method")]
    method: Option<String>,
    #[serde(default, deserialize_with = "named::path")]
    path: Option<String>,
    #[serde(default, deserialize_with = "named::times")]
    times: Option<u32>,
    #[serde(default, deserialize_with = "named::probability")]
    probability: Option<f64>,
    fault: FaultName,
    #[serde(default, deserialize_with = "named::status")]
    status: Option<u16>,
    #[serde(default, deserialize_with = "named::should_retry")]
    should_retry: Option<bool>,
    #[serde(default, deserialize_with = "named::code")]
    code: Option<String>,
    #[serde(default, deserialize_with = "named::ms")]
    ms: Option<u64>,
}

/// `{"seed", "faults"?}`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RandomJson {
    #[serde(default, deserialize_with = "named::seed")]
    seed: Option<u64>,
    #[serde(default)]
    faults: Vec<Value>,
}

/// Reads `value` as `T`, an error naming `at`.
fn read<T: for<'de> Deserialize<'de>>(value: Value, at: &str) -> Result<T, FaultPlanError> {
    serde_json::from_value(value).map_err(|e| FaultPlanError::Invalid {
        at: at.to_owned(),
        reason: e.to_string(),
    })
}

pub(super) fn parse(text: &str) -> Result<FaultPlan, FaultPlanError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| FaultPlanError::Syntax(e.to_string()))?;
    let (rules, random) = match value {
        Value::Array(rules) => (rules, None),
        object @ Value::Object(_) => {
            let plan: PlanObject = read(object, "plan")?;
            (plan.rules.unwrap_or_default(), plan.random)
        }
        _ => {
            return Err(FaultPlanError::Shape(
                "expected an array of rules or an object with `rules` and/or `random`".to_owned(),
            ));
        }
    };
    let rules = rules
        .into_iter()
        .enumerate()
        .map(|(i, item)| read::<Entry>(item, &format!("rule {i}"))?.rule(&format!("rule {i}")))
        .collect::<Result<Vec<_>, _>>()?;
    let mut plan = FaultPlan::from_rules(rules);
    if let Some(random) = random {
        plan = plan.random(random_faults(random)?);
    }
    Ok(plan)
}

fn random_faults(value: Value) -> Result<RandomFaults, FaultPlanError> {
    let json: RandomJson = read(value, "random")?;
    let seed = json.seed.ok_or_else(|| missing("random", "seed"))?;
    let mut random = RandomFaults::new(seed);
    let mut total = 0.0;
    for (i, item) in json.faults.into_iter().enumerate() {
        let at = format!("random fault {i}");
        let entry: Entry = read(item, &at)?;
        if let Some(field) = [
            ("method", entry.method.is_some()),
            ("path", entry.path.is_some()),
            ("times", entry.times.is_some()),
        ]
        .iter()
        .find_map(|(field, set)| set.then_some(*field))
        {
            return Err(invalid(&at, field, "applies to rules only".to_owned()));
        }
        let p = entry
            .probability
            .ok_or_else(|| missing(&at, "probability"))?;
        if !(0.0..=1.0).contains(&p) {
            return Err(invalid(
                &at,
                "probability",
                "must be a number in [0, 1]".to_owned(),
            ));
        }
        total += p;
        if total > 1.0 + 1e-9 {
            let reason = "probabilities add up to more than 1".to_owned();
            return Err(invalid(&at, "probability", reason));
        }
        random = random.with(entry.fault(&at)?, p);
    }
    Ok(random)
}

impl Entry {
    /// The entry as a rule.
    fn rule(self, at: &str) -> Result<Rule, FaultPlanError> {
        if self.probability.is_some() {
            return Err(invalid(
                at,
                "probability",
                "applies to random faults only".to_owned(),
            ));
        }
        let method = match &self.method {
            None => None,
            Some(raw) => {
                let upper = raw.to_ascii_uppercase();
                let method = METHODS
                    .contains(&upper.as_str())
                    .then(|| Method::from_bytes(upper.as_bytes()).ok())
                    .flatten();
                let unknown = || invalid(at, "method", format!("unknown method `{raw}`"));
                Some(method.ok_or_else(unknown)?)
            }
        };
        let path = self.path.clone().unwrap_or_else(|| "/".to_owned());
        if !path.starts_with('/') {
            return Err(invalid(at, "path", "must start with `/`".to_owned()));
        }
        Ok(Rule {
            method,
            path,
            times: self.times.unwrap_or(1),
            fault: self.fault(at)?,
        })
    }

    /// The fault, refusing a field it does not take and requiring those it needs.
    fn fault(&self, at: &str) -> Result<Fault, FaultPlanError> {
        let (fault, name, takes): (Fault, &str, &[&str]) = match self.fault {
            FaultName::Status => {
                let status = self.status.ok_or_else(|| missing(at, "status"))?;
                if !STATUSES.contains(&status) {
                    return Err(invalid(
                        at,
                        "status",
                        format!("must be one of {STATUSES:?}"),
                    ));
                }
                let (should_retry, code) = (self.should_retry, self.code.clone());
                let fault = Fault::Status {
                    status,
                    should_retry,
                    code,
                };
                (fault, "status", &["status", "should_retry", "code"])
            }
            FaultName::ErrorAfter => {
                let fault = Fault::ErrorAfter {
                    should_retry: self.should_retry,
                };
                (fault, "error_after", &["should_retry"])
            }
            FaultName::DropBefore => (Fault::DropBefore, "drop_before", &[]),
            FaultName::DropAfter => (Fault::DropAfter, "drop_after", &[]),
            FaultName::Hang => (Fault::Hang, "hang", &[]),
            FaultName::DeliverLate => (Fault::DeliverLate, "deliver_late", &[]),
            FaultName::DelayMs => {
                let ms = self.ms.ok_or_else(|| missing(at, "ms"))?;
                (Fault::Delay { ms }, "delay_ms", &["ms"])
            }
        };
        let given = [
            ("status", self.status.is_some()),
            ("should_retry", self.should_retry.is_some()),
            ("code", self.code.is_some()),
            ("ms", self.ms.is_some()),
        ];
        if let Some((field, _)) = given.iter().find(|(f, set)| *set && !takes.contains(f)) {
            return Err(invalid(
                at,
                field,
                format!("does not apply to fault `{name}`"),
            ));
        }
        Ok(fault)
    }
}

fn missing(at: &str, field: &'static str) -> FaultPlanError {
    FaultPlanError::MissingField {
        at: at.to_owned(),
        field,
    }
}

fn invalid(at: &str, field: &'static str, reason: String) -> FaultPlanError {
    FaultPlanError::InvalidValue {
        at: at.to_owned(),
        field,
        reason,
    }
}
