//! A small validator for the OpenAPI 3.0 subset Stripe's spec uses: `type`, `properties`,
//! `required`, `nullable`, `anyOf` / `oneOf` / `allOf`, `enum`, `items`, `$ref`,
//! `additionalProperties`. Expandable fields are `anyOf: [string, object]` in the spec itself.

use serde_json::{Map, Value};

/// The vendored spec subset: endpoints with their response schemas, and component schemas.
pub struct Spec {
    doc: Value,
}

impl Spec {
    /// Reads the vendored subset (the only file the test reads).
    pub fn load() -> Self {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/spec/stripe-openapi-subset.json"
        );
        let text = std::fs::read_to_string(path).expect("vendored spec subset");
        Self {
            doc: serde_json::from_str(&text).expect("spec subset is JSON"),
        }
    }

    /// The spec version the subset was taken from.
    pub fn version(&self) -> &str {
        self.doc["spec_version"].as_str().unwrap_or("?")
    }

    /// Every endpoint key (`"GET /v1/charges/{charge}"`).
    pub fn endpoints(&self) -> Vec<String> {
        self.doc["endpoints"]
            .as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// The endpoint key whose template matches a concrete method and path; literal segments
    /// win over `{param}` ones (`/v1/customers/search` is not a customer id).
    pub fn endpoint_for(&self, method: &str, path: &str) -> Option<String> {
        let segments: Vec<&str> = path.split('/').collect();
        let mut best: Option<(usize, String)> = None;
        for key in self.endpoints() {
            let Some((m, template)) = key.split_once(' ') else {
                continue;
            };
            if m != method {
                continue;
            }
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut literal = 0;
            let fits = parts.iter().zip(&segments).all(|(t, s)| {
                if t.starts_with('{') {
                    true
                } else {
                    literal += 1;
                    t == s
                }
            });
            if fits && best.as_ref().is_none_or(|(n, _)| literal > *n) {
                best = Some((literal, key));
            }
        }
        best.map(|(_, key)| key)
    }

    /// The response schema of an endpoint for a status (`default` for errors).
    pub fn response_schema(&self, endpoint: &str, status: u16) -> Option<&Value> {
        let responses = &self.doc["endpoints"][endpoint]["responses"];
        let exact = &responses[status.to_string().as_str()];
        if !exact.is_null() {
            return Some(exact);
        }
        let default = &responses["default"];
        (!default.is_null()).then_some(default)
    }

    /// Validates `value` against `schema`; returns the list of problems (empty when valid).
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<String> {
        let mut errors = Vec::new();
        self.check(schema, value, "$", &mut errors);
        errors
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => {
                let name = r.rsplit('/').next().unwrap_or(r);
                &self.doc["schemas"][name]
            }
            None => schema,
        }
    }

    fn check(&self, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
        let schema = self.resolve(schema);
        if schema.is_null() {
            errors.push(format!("{at}: schema missing from the vendored subset"));
            return;
        }
        if value.is_null() {
            if schema["nullable"] != true {
                errors.push(format!("{at}: null but not nullable"));
            }
            return;
        }
        for key in ["anyOf", "oneOf"] {
            if let Some(branches) = schema[key].as_array() {
                let ok = branches.iter().any(|b| {
                    let mut sub = Vec::new();
                    self.check(b, value, at, &mut sub);
                    sub.is_empty()
                });
                if !ok {
                    let mut detail = Vec::new();
                    for b in branches {
                        self.check(b, value, at, &mut detail);
                    }
                    errors.push(format!(
                        "{at}: matches no branch of {key}: {}",
                        detail.join("; ")
                    ));
                }
                return;
            }
        }
        if let Some(all) = schema["allOf"].as_array() {
            for b in all {
                self.check(b, value, at, errors);
            }
        }
        if let Some(options) = schema["enum"].as_array()
            && !options.contains(value)
        {
            errors.push(format!("{at}: {value} not in enum {options:?}"));
        }
        let fits = match schema["type"].as_str() {
            None => true,
            Some("object") => value.is_object(),
            Some("array") => value.is_array(),
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some(_) => false,
        };
        if !fits {
            errors.push(format!("{at}: expected {}, got {value}", schema["type"]));
            return;
        }
        if let Some(object) = value.as_object() {
            self.check_object(schema, object, at, errors);
        }
        if let (Some(items), Some(values)) = (schema.get("items"), value.as_array()) {
            for (i, v) in values.iter().enumerate() {
                self.check(items, v, &format!("{at}[{i}]"), errors);
            }
        }
    }

    fn check_object(
        &self,
        schema: &Value,
        object: &Map<String, Value>,
        at: &str,
        errors: &mut Vec<String>,
    ) {
        if let Some(required) = schema["required"].as_array() {
            for name in required.iter().filter_map(Value::as_str) {
                if !object.contains_key(name) {
                    errors.push(format!("{at}: required `{name}` missing"));
                }
            }
        }
        let properties = schema["properties"].as_object();
        for (name, v) in object {
            let here = format!("{at}.{name}");
            match properties.and_then(|p| p.get(name)) {
                Some(s) => self.check(s, v, &here, errors),
                None => match schema.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errors.push(format!("{here}: not a property of this object"));
                    }
                    Some(extra @ Value::Object(_)) => self.check(extra, v, &here, errors),
                    _ => {}
                },
            }
        }
    }
}
