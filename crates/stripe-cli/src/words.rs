//! The words of a command line: `--flag value`, `--flag=value`, `-d value`, `-dvalue`, and
//! the parsing of option values.

use std::time::Duration;

use crate::args::ArgsError;

/// Walks the words: `--flag value`, `--flag=value`, `-d value`, `-dvalue`.
pub struct Words<'a> {
    args: &'a [String],
    at: usize,
}

impl<'a> Words<'a> {
    pub fn new(args: &'a [String]) -> Self {
        Self { args, at: 0 }
    }

    /// The next word, split into a flag and an inline value when it is `--flag=value`.
    pub fn next(&mut self) -> Option<(&'a str, Option<&'a str>)> {
        let word = self.args.get(self.at)?.as_str();
        self.at += 1;
        if let Some(rest) = word.strip_prefix("-d").filter(|r| !r.is_empty())
            && !word.starts_with("--")
        {
            return Some(("-d", Some(rest)));
        }
        match word.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => Some((flag, Some(value))),
            _ => Some((word, None)),
        }
    }

    /// The value of `flag`: inline, or the next word.
    pub fn value(&mut self, flag: &str, inline: Option<&'a str>) -> Result<&'a str, ArgsError> {
        if let Some(v) = inline {
            return Ok(v);
        }
        let v = self
            .args
            .get(self.at)
            .ok_or_else(|| ArgsError::MissingValue(flag.to_owned()))?;
        self.at += 1;
        Ok(v)
    }
}

pub fn invalid(option: &str, value: &str, expected: &'static str) -> ArgsError {
    ArgsError::InvalidValue {
        option: option.to_owned(),
        value: value.to_owned(),
        expected,
    }
}

pub fn number<T: std::str::FromStr>(
    flag: &str,
    v: &str,
    expected: &'static str,
) -> Result<T, ArgsError> {
    v.parse().map_err(|_| invalid(flag, v, expected))
}

pub fn seconds(flag: &str, v: &str) -> Result<Duration, ArgsError> {
    v.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| *d <= Duration::from_secs(86_400))
        .ok_or_else(|| invalid(flag, v, "seconds, above 0 and at most 86400"))
}
