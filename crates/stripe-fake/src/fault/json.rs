//! The JSON form of a fault plan, parsed by hand for precise, typed errors.

use std::fmt;

use http::Method;
use serde_json::{Map, Value};

use super::{Fault, FaultPlan, RandomFaults, Rule};

/// Statuses a `status` fault may answer.
const STATUSES: [u16; 6] = [409, 429, 500, 502, 503, 504];

/// Why a fault plan's JSON was rejected. `at` names the place (`"rule 0"`, `"random fault 1"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultPlanError {
    /// Not JSON at all.
    Syntax(String),
    /// JSON of the wrong shape (not an array of rules nor a `{"rules", "random"}` object).
    Shape(String),
    /// A field that no rule has.
    UnknownField {
        /// Where.
        at: String,
        /// The field name.
        field: String,
    },
    /// A `fault` name that does not exist.
    UnknownFault {
        /// Where.
        at: String,
        /// The name given.
        name: String,
    },
    /// A required field is absent (`fault`, `status` for `status`, `ms` for `delay_ms`, ...).
    MissingField {
        /// Where.
        at: String,
        /// The field name.
        field: &'static str,
    },
    /// A field has a wrong type or value, or does not apply to this fault.
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
            Self::UnknownField { at, field } => write!(
                f,
                "{at}: unknown field `{field}` (expected method, path, fault, times, status, should_retry, code, ms)"
            ),
            Self::UnknownFault { at, name } => write!(
                f,
                "{at}: unknown fault `{name}` (expected status, error_after, drop_before, drop_after, delay_ms, hang, deliver_late)"
            ),
            Self::MissingField { at, field } => write!(f, "{at}: missing field `{field}`"),
            Self::InvalidValue { at, field, reason } => {
                write!(f, "{at}: field `{field}`: {reason}")
            }
        }
    }
}

impl std::error::Error for FaultPlanError {}

pub(super) fn parse(text: &str) -> Result<FaultPlan, FaultPlanError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| FaultPlanError::Syntax(e.to_string()))?;
    match value {
        Value::Array(items) => Ok(FaultPlan::from_rules(rules(&items)?)),
        Value::Object(map) => {
            let mut plan = FaultPlan::new();
            for (key, value) in &map {
                match (key.as_str(), value) {
                    ("rules", Value::Array(items)) => plan.rules = rules(items)?,
                    ("random", Value::Object(random)) => plan.random = Some(parse_random(random)?),
                    ("rules" | "random", _) => {
                        return Err(FaultPlanError::Shape(format!(
                            "`{key}` must be {}",
                            if key == "rules" {
                                "an array"
                            } else {
                                "an object"
                            }
                        )));
                    }
                    _ => {
                        return Err(FaultPlanError::UnknownField {
                            at: "plan".to_owned(),
                            field: key.clone(),
                        });
                    }
                }
            }
            Ok(plan)
        }
        _ => Err(FaultPlanError::Shape(
            "expected an array of rules or an object with `rules` and/or `random`".to_owned(),
        )),
    }
}

fn rules(items: &[Value]) -> Result<Vec<Rule>, FaultPlanError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("rule {i}");
            let map = item
                .as_object()
                .ok_or_else(|| FaultPlanError::Shape(format!("{at} is not an object")))?;
            parse_rule(map, &at)
        })
        .collect()
}

fn parse_rule(map: &Map<String, Value>, at: &str) -> Result<Rule, FaultPlanError> {
    check_fields(
        map,
        at,
        &[
            "method",
            "path",
            "fault",
            "times",
            "status",
            "should_retry",
            "code",
            "ms",
        ],
    )?;
    let method = match map.get("method") {
        None | Some(Value::Null) => None,
        Some(v) => {
            let raw = string(v, at, "method")?.to_ascii_uppercase();
            let known = ["GET", "POST", "DELETE", "PUT", "PATCH", "HEAD", "OPTIONS"];
            if !known.contains(&raw.as_str()) {
                return Err(invalid(at, "method", format!("unknown method `{raw}`")));
            }
            Some(
                Method::from_bytes(raw.as_bytes())
                    .map_err(|e| invalid(at, "method", e.to_string()))?,
            )
        }
    };
    let path = match map.get("path") {
        None | Some(Value::Null) => "/".to_owned(),
        Some(v) => {
            let p = string(v, at, "path")?;
            if !p.starts_with('/') {
                return Err(invalid(at, "path", "must start with `/`".to_owned()));
            }
            p
        }
    };
    let times = match map.get("times") {
        None | Some(Value::Null) => 1,
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| invalid(at, "times", "must be a non-negative integer".to_owned()))?,
    };
    Ok(Rule {
        method,
        path,
        fault: parse_fault(map, at)?,
        times,
    })
}

fn parse_random(map: &Map<String, Value>) -> Result<RandomFaults, FaultPlanError> {
    let at = "random";
    check_fields(map, at, &["seed", "faults"])?;
    let seed = map
        .get("seed")
        .ok_or(FaultPlanError::MissingField {
            at: at.to_owned(),
            field: "seed",
        })?
        .as_u64()
        .ok_or_else(|| invalid(at, "seed", "must be a non-negative integer".to_owned()))?;
    let mut random = RandomFaults::new(seed);
    let items = match map.get("faults") {
        None => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(invalid(at, "faults", "must be an array".to_owned())),
    };
    let mut total = 0.0;
    for (i, item) in items.iter().enumerate() {
        let at = format!("random fault {i}");
        let map = item
            .as_object()
            .ok_or_else(|| FaultPlanError::Shape(format!("{at} is not an object")))?;
        check_fields(
            map,
            &at,
            &[
                "fault",
                "probability",
                "status",
                "should_retry",
                "code",
                "ms",
            ],
        )?;
        let p = map
            .get("probability")
            .ok_or(FaultPlanError::MissingField {
                at: at.clone(),
                field: "probability",
            })?
            .as_f64()
            .filter(|p| (0.0..=1.0).contains(p))
            .ok_or_else(|| invalid(&at, "probability", "must be a number in [0, 1]".to_owned()))?;
        total += p;
        if total > 1.0 + 1e-9 {
            return Err(invalid(
                &at,
                "probability",
                "probabilities add up to more than 1".to_owned(),
            ));
        }
        random = random.with(parse_fault(map, &at)?, p);
    }
    Ok(random)
}

fn parse_fault(map: &Map<String, Value>, at: &str) -> Result<Fault, FaultPlanError> {
    let name = string(
        map.get("fault").ok_or(FaultPlanError::MissingField {
            at: at.to_owned(),
            field: "fault",
        })?,
        at,
        "fault",
    )?;
    let should_retry = match map.get("should_retry") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_bool()
                .ok_or_else(|| invalid(at, "should_retry", "must be true or false".to_owned()))?,
        ),
    };
    let (fault, used): (Fault, &[&'static str]) = match name.as_str() {
        "status" => {
            let status = map
                .get("status")
                .ok_or(FaultPlanError::MissingField {
                    at: at.to_owned(),
                    field: "status",
                })?
                .as_u64()
                .and_then(|s| u16::try_from(s).ok())
                .filter(|s| STATUSES.contains(s))
                .ok_or_else(|| invalid(at, "status", format!("must be one of {STATUSES:?}")))?;
            let code = match map.get("code") {
                None | Some(Value::Null) => None,
                Some(v) => Some(string(v, at, "code")?),
            };
            (
                Fault::Status {
                    status,
                    should_retry,
                    code,
                },
                &["status", "should_retry", "code"],
            )
        }
        "error_after" => (Fault::ErrorAfter { should_retry }, &["should_retry"]),
        "drop_before" => (Fault::DropBefore, &[]),
        "drop_after" => (Fault::DropAfter, &[]),
        "hang" => (Fault::Hang, &[]),
        "deliver_late" => (Fault::DeliverLate, &[]),
        "delay_ms" => {
            let ms = map
                .get("ms")
                .ok_or(FaultPlanError::MissingField {
                    at: at.to_owned(),
                    field: "ms",
                })?
                .as_u64()
                .ok_or_else(|| invalid(at, "ms", "must be a non-negative integer".to_owned()))?;
            (Fault::Delay { ms }, &["ms"])
        }
        _ => {
            return Err(FaultPlanError::UnknownFault {
                at: at.to_owned(),
                name,
            });
        }
    };
    for field in ["status", "should_retry", "code", "ms"] {
        if map.get(field).is_some_and(|v| !v.is_null()) && !used.contains(&field) {
            return Err(invalid(
                at,
                field,
                format!("does not apply to fault `{name}`"),
            ));
        }
    }
    Ok(fault)
}

fn check_fields(
    map: &Map<String, Value>,
    at: &str,
    allowed: &[&str],
) -> Result<(), FaultPlanError> {
    match map.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(field) => Err(FaultPlanError::UnknownField {
            at: at.to_owned(),
            field: field.clone(),
        }),
        None => Ok(()),
    }
}

fn string(v: &Value, at: &str, field: &'static str) -> Result<String, FaultPlanError> {
    v.as_str()
        .map(str::to_owned)
        .ok_or_else(|| invalid(at, field, "must be a string".to_owned()))
}

fn invalid(at: &str, field: &'static str, reason: String) -> FaultPlanError {
    FaultPlanError::InvalidValue {
        at: at.to_owned(),
        field,
        reason,
    }
}
