//! Errors raised before any request exists: bad configuration, bad paths, bad params,
//! bad header values, bad idempotency keys.

use std::fmt;

/// What was wrong with a header value given by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// The value is empty.
    Empty,
    /// The value holds a control character (CR, LF, NUL, ...) or a non-ASCII byte.
    ControlOrNonAscii,
    /// The value holds whitespace where none is allowed.
    Whitespace,
    /// The value is longer than allowed.
    TooLong,
    /// The text holds a control character (a file name, where other text is allowed).
    Control,
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "is empty",
            Self::ControlOrNonAscii => "holds a control character or a non-ASCII byte",
            Self::Whitespace => "holds whitespace",
            Self::TooLong => "is too long",
            Self::Control => "holds a control character",
        })
    }
}

/// A configuration that cannot be used; raised by [`ConfigBuilder::build`](crate::ConfigBuilder::build).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// The secret key is unusable (the key itself is never shown).
    SecretKey(HeaderProblem),
    /// The API base is not an absolute `https://` URL (or `http://` to a loopback host) with
    /// a port from 1 to 65535, if it names one.
    ApiBase {
        /// The rejected base.
        base: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The files base is unusable, for the reasons an API base would be.
    FilesBase {
        /// The rejected base.
        base: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// A header value (`Stripe-Version`, `Stripe-Account`, `Stripe-Context`, `User-Agent`) is
    /// unusable.
    Header {
        /// The header's name.
        name: &'static str,
        /// What is wrong with it.
        problem: HeaderProblem,
    },
    /// The retry policy contradicts itself (for example `max_tries` of 0).
    Policy(&'static str),
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::SecretKey(p) => write!(f, "the secret key {p}"),
            Self::ApiBase { base, reason } => write!(f, "API base {base:?}: {reason}"),
            Self::FilesBase { base, reason } => write!(f, "files base {base:?}: {reason}"),
            Self::Header { name, problem } => write!(f, "the {name} header value {problem}"),
            Self::Policy(why) => write!(f, "retry policy: {why}"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// A request that cannot be built; nothing was sent.
#[derive(Debug)]
#[non_exhaustive]
pub enum RequestError {
    /// The path is not a relative Stripe path such as `/v1/charges`.
    Path {
        /// The rejected path (control characters escaped by `Debug`).
        path: String,
        /// Why it was rejected.
        reason: &'static str,
    },
    /// The params cannot be form-encoded.
    Params(ParamsError),
    /// A per-request header value (`Stripe-Account`, `Stripe-Version`, `Stripe-Context`, the
    /// API key) is unusable; the value itself is never shown.
    Header {
        /// The header's name.
        name: &'static str,
        /// What is wrong with it.
        problem: HeaderProblem,
    },
    /// The idempotency key is unusable.
    IdempotencyKey(HeaderProblem),
    /// An idempotency key was given for a GET or a v1 DELETE, which never carry one.
    KeyOnIdempotentMethod,
    /// Pre-encoded form params were given to a v2 POST, whose body is JSON.
    EncodedParamsInJson,
    /// The path with its query is too long to send (GET and DELETE params go there).
    TooLong {
        /// Its length in bytes.
        len: usize,
        /// The most accepted.
        max: usize,
    },
    /// A per-request retry policy contradicts itself (for example `max_tries` of 0).
    Policy(&'static str),
    /// An upload's file name or content type is unusable (see
    /// [`FilePart`](crate::FilePart)).
    File {
        /// `"file name"` or `"content type"`.
        what: &'static str,
        /// What is wrong with it.
        problem: HeaderProblem,
    },
    /// A file upload or download cannot be sent as asked: why.
    Files(&'static str),
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Path { path, reason } => write!(f, "path {path:?}: {reason}"),
            Self::Params(e) => write!(f, "params: {e}"),
            Self::Header { name, problem } => write!(f, "the {name} header value {problem}"),
            Self::IdempotencyKey(p) => write!(
                f,
                "the idempotency key {p} (1 to 255 printable ASCII characters, no whitespace)"
            ),
            Self::KeyOnIdempotentMethod => f.write_str(
                "GET requests and v1 DELETE requests never carry an idempotency key",
            ),
            Self::EncodedParamsInJson => f.write_str(
                "a v2 POST's body is JSON: give typed params (with_params), not pre-encoded form text",
            ),
            Self::TooLong { len, max } => write!(
                f,
                "the path with its query is {len} bytes, more than the {max} accepted"
            ),
            Self::Policy(why) => write!(f, "retry policy: {why}"),
            Self::File { what, problem } => write!(f, "the upload's {what} {problem}"),
            Self::Files(why) => write!(f, "files: {why}"),
        }
    }
}

/// No `source`: `Display` words every cause (a params problem included), so a printed chain
/// shows each once.
impl std::error::Error for RequestError {}

impl From<ParamsError> for RequestError {
    fn from(e: ParamsError) -> Self {
        Self::Params(e)
    }
}

/// Why params could not be form-encoded.
#[derive(Debug)]
#[non_exhaustive]
pub enum ParamsError {
    /// The value holds something the form cannot carry (bytes, a non-finite float) or its
    /// `Serialize` implementation failed.
    Unsupported(String),
    /// The top-level value is not a map (a struct, a map, or nothing).
    NotAMap {
        /// The JSON type found instead, e.g. `"array"`.
        found: &'static str,
    },
    /// A key is empty or holds `[`, `]`, or a control character, which the bracket form cannot carry.
    Key {
        /// The full bracketed name up to the bad key.
        at: String,
    },
    /// A map key (or a pair's name) is not text, a char, an integer, a boolean or a unit
    /// variant, so it cannot become a name.
    KeyType {
        /// The name the key is under (empty at the top level).
        at: String,
        /// What the key is instead, e.g. `"a float"`.
        found: &'static str,
    },
    /// A pre-encoded string is not valid `application/x-www-form-urlencoded` text.
    Encoded {
        /// Byte offset of the first bad character.
        offset: usize,
    },
    /// The nesting is deeper than the encoder accepts (32 levels).
    TooDeep,
}

impl fmt::Display for ParamsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported(what) => write!(f, "cannot encode {what}"),
            Self::NotAMap { found } => write!(f, "the top level must be a map, found {found}"),
            Self::Key { at } => write!(
                f,
                "key at {at:?} is empty or holds '[', ']' or a control character"
            ),
            Self::KeyType { at, found } => {
                if at.is_empty() {
                    write!(f, "a key at the top level is {found}")?;
                } else {
                    write!(f, "a key under {at:?} is {found}")?;
                }
                f.write_str("; a key must be text, a char, an integer, a boolean or a unit variant")
            }
            Self::Encoded { offset } => write!(
                f,
                "pre-encoded params are not form-urlencoded text (bad byte at offset {offset})"
            ),
            Self::TooDeep => f.write_str("nesting deeper than 32 levels"),
        }
    }
}

impl std::error::Error for ParamsError {}

/// Checks a header value given by the caller: visible ASCII, optionally spaces, bounded length.
pub(crate) fn check_header_value(
    value: &str,
    allow_spaces: bool,
    max_len: usize,
) -> Result<(), HeaderProblem> {
    if value.is_empty() {
        return Err(HeaderProblem::Empty);
    }
    if value.len() > max_len {
        return Err(HeaderProblem::TooLong);
    }
    for b in value.bytes() {
        match b {
            b' ' if allow_spaces => {}
            b' ' | b'\t' => return Err(HeaderProblem::Whitespace),
            0x21..=0x7e => {}
            _ => return Err(HeaderProblem::ControlOrNonAscii),
        }
    }
    Ok(())
}

/// The longest `Stripe-Account` accepted, in a configuration or a request alike (Stripe's
/// account ids are `acct_` and 16 characters).
pub(crate) const MAX_STRIPE_ACCOUNT_LEN: usize = 255;

/// The longest `Stripe-Version` or `Stripe-Context` accepted, in a configuration or a request.
pub(crate) const MAX_HEADER_LEN: usize = 1024;

/// A header value of visible ASCII without whitespace, at most `max_len` bytes: checked once
/// for configurations and requests alike (`Stripe-Account`, `Stripe-Version`,
/// `Stripe-Context`).
pub(crate) fn visible_header(
    value: &str,
    max_len: usize,
) -> Result<http::HeaderValue, HeaderProblem> {
    check_header_value(value, false, max_len)?;
    http::HeaderValue::try_from(value).map_err(|_| HeaderProblem::ControlOrNonAscii)
}

/// A `Stripe-Account` value, checked once for configurations and requests alike.
pub(crate) fn stripe_account(account: &str) -> Result<http::HeaderValue, HeaderProblem> {
    visible_header(account, MAX_STRIPE_ACCOUNT_LEN)
}
