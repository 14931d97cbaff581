//! Decoded request parameters in Stripe's bracket notation.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::errors::ApiError;
use super::multipart::{self, UploadedFile};

/// The parameters of one request: the decoded `application/x-www-form-urlencoded` pairs (a v1
/// form body, or the query string of a GET or DELETE), in order, read in Stripe's bracket
/// notation; and, for an API v2 POST, its JSON body ([`Params::json`]); and, for an upload
/// (`multipart/form-data`), its text parts as pairs and its file ([`Params::file`]). Every
/// reader answers a bad value with the [`ApiError`] Stripe gives for it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
    json: Option<Map<String, Value>>,
    file: Option<UploadedFile>,
}

impl Params {
    /// Decodes a form body or a query string.
    pub(crate) fn parse(raw: &[u8]) -> Self {
        let pairs = form_urlencoded::parse(raw)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Self {
            pairs,
            json: None,
            file: None,
        }
    }

    /// Decodes a `multipart/form-data` body under `boundary`.
    pub(crate) fn parse_multipart(body: &bytes::Bytes, boundary: &str) -> Result<Self, ApiError> {
        let (pairs, file) = multipart::parse(body, boundary)?;
        Ok(Self {
            pairs,
            json: None,
            file,
        })
    }

    /// The file of an upload, if the body was `multipart/form-data` with one.
    pub fn file(&self) -> Option<&UploadedFile> {
        self.file.as_ref()
    }

    /// Parameters from decoded pairs, in order (for a request the model makes itself, such as
    /// the payment intent a Checkout Session creates).
    pub(crate) fn from_pairs<K: Into<String>, V: Into<String>>(
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Self {
        Self {
            pairs: pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
            json: None,
            file: None,
        }
    }

    /// The decoded pairs, in order.
    pub(crate) fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The parameters inside hash `name`, named as at the top level
    /// (`price_data[product_data][name]` inside `price_data` is `product_data[name]`).
    pub(crate) fn within(&self, name: &str) -> Self {
        let pairs = self
            .pairs
            .iter()
            .filter_map(|(k, v)| Some((reroot(k.strip_prefix(name)?)?, v.clone())))
            .collect();
        Self {
            pairs,
            json: None,
            file: None,
        }
    }

    /// The entries of an array of hashes (`line_items[0][price]=...&line_items[1][quantity]=2`),
    /// in index order, each as the parameters inside it (`price`, `quantity`,
    /// `price_data[currency]`, ...): [`Params::indexed`] as parameters.
    pub(crate) fn array_of_hashes(&self, name: &str) -> Result<Vec<Self>, ApiError> {
        Ok(self
            .indexed(name)?
            .into_iter()
            .map(Self::from_pairs)
            .collect())
    }

    /// Decodes an API v2 JSON body, which must be an object (an empty body is `{}`); its query
    /// string's pairs are kept as well.
    pub(crate) fn parse_json(body: &[u8], query: &[u8]) -> Result<Self, ApiError> {
        let json = if body.iter().all(u8::is_ascii_whitespace) {
            Map::new()
        } else {
            match serde_json::from_slice::<Value>(body) {
                Ok(Value::Object(map)) => map,
                Ok(_) => {
                    return Err(ApiError::invalid_request(
                        "Invalid request body: an API v2 request body must be a JSON object."
                            .to_owned(),
                    ));
                }
                Err(e) => {
                    return Err(ApiError::invalid_request(format!(
                        "Invalid request body: it is not valid JSON ({e})."
                    )));
                }
            }
        };
        Ok(Self {
            json: Some(json),
            ..Self::parse(query)
        })
    }

    /// The JSON body of an API v2 POST, `None` for a form or query request.
    pub fn json(&self) -> Option<&Map<String, Value>> {
        self.json.as_ref()
    }

    /// The pairs sorted (with a JSON body in a canonical form, keys sorted), the form compared
    /// by the idempotency layer.
    pub(crate) fn sorted(&self) -> Vec<(String, String)> {
        let mut pairs = self.pairs.clone();
        if let Some(json) = &self.json {
            let mut canonical = String::new();
            write_canonical(&mut canonical, &Value::Object(json.clone()));
            pairs.push((String::new(), canonical));
        }
        if let Some(file) = &self.file {
            // The same file is the same bytes under the same name and type.
            use std::hash::{Hash, Hasher};
            let mut hasher = std::hash::DefaultHasher::new();
            file.bytes().hash(&mut hasher);
            let (name, kind) = (file.filename(), file.content_type());
            let digest = format!(
                "{} {:x} {name:?} {kind:?}",
                file.bytes().len(),
                hasher.finish()
            );
            pairs.push(("file".to_owned(), digest));
        }
        pairs.sort();
        pairs
    }

    /// The last value of a top-level scalar parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `name[key]=value` entries as a map (`metadata[order]=42`).
    pub fn map(&self, name: &str) -> Result<BTreeMap<String, String>, ApiError> {
        let mut out = BTreeMap::new();
        for (k, v) in &self.pairs {
            let Some(rest) = k.strip_prefix(name) else {
                continue;
            };
            if rest.is_empty() {
                if v.is_empty() {
                    continue; // `metadata=` unsets everything; nothing to add.
                }
                return Err(ApiError::invalid_object(name));
            }
            let Some(bracketed) = rest.strip_prefix('[') else {
                continue; // another parameter sharing the prefix (`metadatax`)
            };
            let Some(inner) = bracketed.strip_suffix(']') else {
                return Err(ApiError::invalid_object(name));
            };
            if inner.is_empty() || inner.contains('[') || inner.contains(']') {
                return Err(ApiError::invalid_object(name));
            }
            out.insert(inner.to_owned(), v.clone());
        }
        Ok(out)
    }

    /// Applies `metadata[k]=v` to `target`'s `metadata` (an empty value removes the key;
    /// `metadata=` alone clears the map first), as Stripe's updates do.
    pub fn merge_metadata_into(&self, target: &mut Value) -> Result<(), ApiError> {
        let updates = self.map("metadata")?;
        merge_metadata(target, &updates, self.cleared("metadata"));
        Ok(())
    }

    /// Whether `metadata=` (empty) was sent, which clears the whole map on update.
    pub fn cleared(&self, name: &str) -> bool {
        self.pairs.iter().any(|(k, v)| k == name && v.is_empty())
    }

    /// Every value of a list parameter (`expand[]=a&expand[0]=b` or `expand=a`), in order.
    pub fn list(&self, name: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, _)| {
                k == name
                    || k.strip_prefix(name)
                        .and_then(|rest| rest.strip_prefix('['))
                        .and_then(|rest| rest.strip_suffix(']'))
                        .is_some_and(|inner| inner.bytes().all(|b| b.is_ascii_digit()))
            })
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// A list of hashes (`items[0][price]=p&items[0][quantity]=2&items[1][price]=q`), in index
    /// order: each entry maps what follows its index to the value (`price`, `quantity`,
    /// `metadata[k]`). A name without an index and a field (`items=x`, `items[0]=x`) is Stripe's
    /// 400 for a malformed array.
    pub fn indexed(&self, name: &str) -> Result<Vec<BTreeMap<String, String>>, ApiError> {
        let mut entries: BTreeMap<usize, BTreeMap<String, String>> = BTreeMap::new();
        let malformed = || {
            ApiError::invalid_param(
                name,
                "parameter_invalid_empty",
                format!("Invalid array: {name} must be a list of hashes ({name}[0][field]=value)"),
            )
        };
        for (k, v) in &self.pairs {
            let Some(rest) = k.strip_prefix(name) else {
                continue;
            };
            if rest.is_empty() {
                return Err(malformed());
            }
            let Some(indexed) = rest.strip_prefix('[') else {
                continue; // another parameter sharing the prefix
            };
            let (index, field) = indexed.split_once(']').ok_or_else(malformed)?;
            let index = index.parse::<usize>().map_err(|_| malformed())?;
            let field = reroot(field).ok_or_else(malformed)?;
            entries.entry(index).or_default().insert(field, v.clone());
        }
        Ok(entries.into_values().collect())
    }

    /// Rejects top-level parameters (and JSON body members) outside `allowed` (`expand` is
    /// always accepted).
    pub(crate) fn only(&self, allowed: &[&str]) -> Result<(), ApiError> {
        let json_keys = self.json.iter().flat_map(Map::keys);
        for k in self.pairs.iter().map(|(k, _)| k).chain(json_keys) {
            let top = k.split('[').next().unwrap_or(k);
            if top != "expand" && !allowed.contains(&top) {
                return Err(ApiError::unknown_parameter(top));
            }
        }
        Ok(())
    }

    /// A required positive integer amount (`amount=1000`).
    pub fn amount(&self, name: &str) -> Result<u64, ApiError> {
        match self.get(name) {
            None => Err(ApiError::missing(name)),
            Some(v) => parse_amount(name, v),
        }
    }

    /// An optional positive integer amount.
    pub fn opt_amount(&self, name: &str) -> Result<Option<u64>, ApiError> {
        self.get(name).map(|v| parse_amount(name, v)).transpose()
    }

    /// An optional boolean (`true`/`false`).
    pub fn opt_bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(_) => Err(ApiError::invalid_param(
                name,
                "parameter_invalid_boolean",
                format!("Invalid boolean: {name} must be `true` or `false`"),
            )),
        }
    }

    /// A required three-letter currency, lower-cased.
    pub fn currency(&self) -> Result<String, ApiError> {
        let raw = self
            .get("currency")
            .ok_or_else(|| ApiError::missing("currency"))?;
        if raw.len() == 3 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(raw.to_ascii_lowercase())
        } else {
            Err(ApiError::invalid_param(
                "currency",
                "parameter_invalid_string",
                format!("Invalid currency: {raw}. Stripe currencies are three-letter ISO codes."),
            ))
        }
    }
}

/// `[field]rest` as `fieldrest` (`[product_data][name]` is `product_data[name]`); `None` when it
/// does not start with a bracketed, non-empty name.
fn reroot(bracketed: &str) -> Option<String> {
    let (field, rest) = bracketed.strip_prefix('[')?.split_once(']')?;
    (!field.is_empty()).then(|| format!("{field}{rest}"))
}

fn parse_amount(name: &str, value: &str) -> Result<u64, ApiError> {
    let amount = value.parse::<u64>().map_err(|_| {
        ApiError::invalid_param(
            name,
            "parameter_invalid_integer",
            format!("Invalid integer: {value}"),
        )
    })?;
    if amount == 0 {
        return Err(ApiError::invalid_param(
            name,
            "amount_too_small",
            "Amount must be at least 1 unit of the currency.".to_owned(),
        ));
    }
    Ok(amount)
}

/// Applies `metadata[k]=v` updates: an empty value removes the key.
pub(crate) fn merge_metadata(target: &mut Value, updates: &BTreeMap<String, String>, clear: bool) {
    if clear || !target["metadata"].is_object() {
        target["metadata"] = Value::Object(Map::new());
    }
    if let Some(map) = target["metadata"].as_object_mut() {
        for (k, v) in updates {
            if v.is_empty() {
                map.remove(k);
            } else {
                map.insert(k.clone(), json!(v));
            }
        }
    }
}

/// The nullable text fields an update sent (`description=...`), each with its value; an empty
/// value unsets the field, as Stripe's updates do.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct TextFields(Vec<(&'static str, String)>);

impl TextFields {
    /// Those of `names` the request sent.
    pub(crate) fn from_params(p: &Params, names: &[&'static str]) -> Self {
        Self(
            names
                .iter()
                .filter_map(|f| p.get(f).map(|v| (*f, v.to_owned())))
                .collect(),
        )
    }

    /// Sets each on `target`: the value, or `null` for an empty one.
    pub(crate) fn apply_to(&self, target: &mut Value) {
        for (name, value) in &self.0 {
            target[*name] = if value.is_empty() {
                Value::Null
            } else {
                json!(value)
            };
        }
    }
}

/// Writes `value` as JSON with every object's keys sorted: equal bodies give equal text,
/// whatever order their members were sent in.
fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(out, &map[key]);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}
