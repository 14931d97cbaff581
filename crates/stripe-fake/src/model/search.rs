//! Search (`GET /v1/<resource>/search?query=...`) with a subset of Stripe's query language:
//! clauses `field:'value'`, `field~'substring'`, `field>N` (also `<`, `>=`, `<=`),
//! `metadata['key']:'value'`, `-` to negate a clause, joined by `AND` or by `OR` (not both),
//! answered as Stripe's `search_result` with `page` / `next_page` cursors. A resource is
//! searchable when its registry entry lists searchable fields and a search route (customers,
//! charges and payment intents; Stripe has no refunds search, and neither has the fake).
//! Searches may trail writes by a configurable lag ([`super::search_index`]).

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use super::params::Params;
use crate::registry::Call;

const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Contains,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// One clause: a field path (`["metadata", "op"]`), an operator and a value.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Clause {
    negated: bool,
    path: Vec<String>,
    op: Op,
    value: String,
}

/// A parsed search request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Search {
    clauses: Vec<Clause>,
    any: bool,
    limit: usize,
    offset: usize,
}

fn invalid(message: String) -> ApiError {
    ApiError::invalid_param("query", "parameter_invalid_string", message)
}

/// Validates a search request's `query`, `limit` and `page`.
pub(crate) fn parse(p: &Params, fields: &[&str]) -> Result<Search, ApiError> {
    let query = p.get("query").ok_or_else(|| ApiError::missing("query"))?;
    let (clauses, any) = parse_query(query, fields)?;
    let limit = match p.get("limit") {
        None => DEFAULT_LIMIT,
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=MAX_LIMIT).contains(n))
            .ok_or_else(|| {
                ApiError::invalid_param(
                    "limit",
                    "parameter_invalid_integer",
                    format!(
                        "Invalid integer: {raw}. This value must be between 1 and {MAX_LIMIT}."
                    ),
                )
            })?,
    };
    let offset = match p.get("page") {
        None => 0,
        Some(raw) => raw
            .strip_prefix("page_")
            .and_then(|n| n.parse::<usize>().ok())
            .ok_or_else(|| {
                ApiError::invalid_param(
                    "page",
                    "parameter_invalid_string",
                    format!(
                        "Invalid page: {raw}. Use the `next_page` of a previous search result."
                    ),
                )
            })?,
    };
    Ok(Search {
        clauses,
        any,
        limit,
        offset,
    })
}

fn parse_query(query: &str, fields: &[&str]) -> Result<(Vec<Clause>, bool), ApiError> {
    let mut rest = query.trim();
    let mut clauses = Vec::new();
    let mut joiners = Vec::new();
    loop {
        let (clause, after) = parse_clause(rest, fields)?;
        clauses.push(clause);
        rest = after.trim_start();
        if rest.is_empty() {
            break;
        }
        let (word, after) = rest.split_once(char::is_whitespace).ok_or_else(|| {
            invalid(format!(
                "Invalid query: expected AND or OR before `{rest}`."
            ))
        })?;
        match word {
            "AND" | "OR" => joiners.push(word),
            _ => {
                return Err(invalid(format!(
                    "Invalid query: expected AND or OR, found `{word}`."
                )));
            }
        }
        rest = after.trim_start();
    }
    let any = joiners.first().is_some_and(|j| *j == "OR");
    if joiners.iter().any(|j| (*j == "OR") != any) {
        return Err(invalid(
            "Invalid query: AND and OR cannot be combined in one query.".to_owned(),
        ));
    }
    Ok((clauses, any))
}

fn parse_clause<'t>(text: &'t str, fields: &[&str]) -> Result<(Clause, &'t str), ApiError> {
    let (negated, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (path, rest) = if let Some(after) = text.strip_prefix("metadata[") {
        let quote = after
            .chars()
            .next()
            .filter(|c| *c == '\'' || *c == '"')
            .ok_or_else(|| {
                invalid("Invalid query: metadata keys are quoted: metadata['key'].".to_owned())
            })?;
        let body = &after[1..];
        let end = body
            .find(quote)
            .ok_or_else(|| invalid("Invalid query: unterminated metadata key.".to_owned()))?;
        let key = &body[..end];
        let rest = body[end + 1..].strip_prefix(']').ok_or_else(|| {
            invalid("Invalid query: expected `]` after the metadata key.".to_owned())
        })?;
        (vec!["metadata".to_owned(), key.to_owned()], rest)
    } else {
        let end = text
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(text.len());
        let field = &text[..end];
        if !fields.contains(&field) {
            return Err(invalid(format!(
                "Invalid query: `{field}` is not a searchable field here (searchable: metadata, {}).",
                fields.join(", ")
            )));
        }
        (field.split('.').map(str::to_owned).collect(), &text[end..])
    };
    let (op, rest) = [
        (">=", Op::Gte),
        ("<=", Op::Lte),
        (":", Op::Eq),
        ("~", Op::Contains),
        (">", Op::Gt),
        ("<", Op::Lt),
    ]
    .iter()
    .find_map(|(token, op)| rest.strip_prefix(token).map(|r| (*op, r)))
    .ok_or_else(|| {
        invalid(
            "Invalid query: expected one of `:`, `~`, `>`, `<`, `>=`, `<=` after the field."
                .to_owned(),
        )
    })?;
    let (value, rest) = match rest.chars().next() {
        Some(quote @ ('\'' | '"')) => {
            let body = &rest[1..];
            let end = body
                .find(quote)
                .ok_or_else(|| invalid("Invalid query: unterminated string.".to_owned()))?;
            (body[..end].to_owned(), &body[end + 1..])
        }
        _ => {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let raw = &rest[..end];
            if raw.is_empty() {
                return Err(invalid("Invalid query: a value is missing.".to_owned()));
            }
            (raw.to_owned(), &rest[end..])
        }
    };
    if op == Op::Contains && value.chars().count() < 3 {
        return Err(invalid(
            "Invalid query: a substring search (`~`) needs at least 3 characters.".to_owned(),
        ));
    }
    Ok((
        Clause {
            negated,
            path,
            op,
            value,
        },
        rest,
    ))
}

fn clause_matches(object: &Value, clause: &Clause) -> bool {
    let mut field = object;
    for segment in &clause.path {
        field = &field[segment.as_str()];
    }
    let text = match field {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    };
    let number = |s: &str| s.parse::<f64>().ok();
    let found = match clause.op {
        Op::Eq => match (field, clause.value.as_str()) {
            (Value::Null, "null") => true,
            (Value::Null, _) => false,
            _ => text == clause.value,
        },
        Op::Contains => text.to_lowercase().contains(&clause.value.to_lowercase()),
        op => match (number(&text), number(&clause.value)) {
            (Some(a), Some(b)) => match op {
                Op::Gt => a > b,
                Op::Gte => a >= b,
                Op::Lt => a < b,
                _ => a <= b,
            },
            _ => false,
        },
    };
    found != clause.negated
}

impl Model {
    /// Answers a search over the call's resource at its time, as the index sees the objects
    /// then ([`super::search_index`]).
    pub(crate) fn search(&self, call: &Call<'_>) -> Result<Value, ApiError> {
        let resource = call.resource();
        let search = parse(call.params(), resource.searchable())?;
        let now = call.at();
        let matching: Vec<&Value> = self
            .collection(resource.object())?
            .as_slice()
            .iter()
            .rev()
            .filter_map(|o| self.search_index.visible(o, now))
            .filter(|o| {
                if search.any {
                    search.clauses.iter().any(|c| clause_matches(o, c))
                } else {
                    search.clauses.iter().all(|c| clause_matches(o, c))
                }
            })
            .collect();
        let data: Vec<&Value> = matching
            .iter()
            .skip(search.offset)
            .take(search.limit)
            .copied()
            .collect();
        let end = search.offset.saturating_add(search.limit);
        let has_more = matching.len() > end;
        Ok(json!({
            "object": "search_result",
            "data": data,
            "has_more": has_more,
            "next_page": has_more.then(|| format!("page_{end}")),
            "url": call.route().path(),
        }))
    }
}
