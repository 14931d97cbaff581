//! `multipart/form-data` bodies (RFC 7578), as Stripe's files host reads an upload: the text
//! parts are the request's parameters (under their bracket names, as a form's pairs), the part
//! named `file` is the uploaded file, its `filename` and `Content-Type` kept. Names are read as
//! the HTML standard writes them (`%22` for `"`, `%0D`, `%0A`). Anything else is Stripe's 400.

use std::fmt;

use bytes::Bytes;
use http::HeaderMap;

use super::errors::ApiError;

/// An uploaded file: its bytes, and what its part said of it.
#[derive(Clone, PartialEq, Eq)]
pub struct UploadedFile {
    filename: Option<String>,
    content_type: Option<String>,
    bytes: Bytes,
}

impl fmt::Debug for UploadedFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UploadedFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl UploadedFile {
    /// The part's `filename`, if it had one.
    pub fn filename(&self) -> Option<&str> {
        self.filename.as_deref()
    }

    /// The part's `Content-Type`, if it had one.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &Bytes {
        &self.bytes
    }
}

/// The boundary of a `multipart/form-data` request, if it is one.
pub(crate) fn boundary(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(http::header::CONTENT_TYPE)?.to_str().ok()?;
    let (kind, rest) = value.split_once(';').unwrap_or((value, ""));
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    rest.split(';').find_map(|param| {
        let (name, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"');
        (name.trim().eq_ignore_ascii_case("boundary") && !value.is_empty())
            .then(|| value.to_owned())
    })
}

fn bad(what: &str) -> ApiError {
    ApiError::invalid_request(format!("Invalid multipart/form-data body: {what}."))
}

/// Where `needle` starts in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = from;
    while let Some(offset) = haystack.get(at..)?.iter().position(|b| *b == first) {
        let start = at + offset;
        if haystack.get(start..start + needle.len()) == Some(needle) {
            return Some(start);
        }
        at = start + 1;
    }
    None
}

/// A body's text parts as pairs, in order, and its file.
pub(crate) type Parts = (Vec<(String, String)>, Option<UploadedFile>);

/// The parts of `body` under `boundary`.
pub(crate) fn parse(body: &Bytes, boundary: &str) -> Result<Parts, ApiError> {
    let delimiter = format!("--{boundary}");
    let next = format!("\r\n--{boundary}");
    let start = find(body, delimiter.as_bytes(), 0).ok_or_else(|| bad("no boundary"))?;
    let mut at = start + delimiter.len();
    let (mut pairs, mut file) = (Vec::new(), None);
    loop {
        match body.get(at..at + 2) {
            Some(b"--") => return Ok((pairs, file)),
            Some(b"\r\n") => at += 2,
            _ => return Err(bad("a boundary is not followed by a line end")),
        }
        let head_end = find(body, b"\r\n\r\n", at).ok_or_else(|| bad("a part has no headers"))?;
        let head = std::str::from_utf8(&body[at..head_end]).map_err(|_| bad("headers not text"))?;
        let content_start = head_end + 4;
        let end = find(body, next.as_bytes(), content_start)
            .ok_or_else(|| bad("the closing boundary is missing"))?;
        let (name, filename, content_type) = headers(head)?;
        if name == "file" && filename.is_some() {
            if file.is_some() {
                return Err(bad("more than one file"));
            }
            let bytes = body.slice(content_start..end);
            file = Some(UploadedFile {
                filename,
                content_type,
                bytes,
            });
        } else {
            let value = std::str::from_utf8(&body[content_start..end])
                .map_err(|_| bad("a text part is not UTF-8"))?;
            pairs.push((name, value.to_owned()));
        }
        at = end + next.len();
    }
}

/// A part's name, file name and content type.
fn headers(head: &str) -> Result<(String, Option<String>, Option<String>), ApiError> {
    let (mut name, mut filename, mut content_type) = (None, None, None);
    for line in head.split("\r\n") {
        let (header, value) = line.split_once(':').ok_or_else(|| bad("a header line"))?;
        if header.eq_ignore_ascii_case("content-type") {
            content_type = Some(value.trim().to_owned());
        } else if header.eq_ignore_ascii_case("content-disposition") {
            for param in value.split(';').skip(1) {
                let Some((key, quoted)) = param.split_once('=') else {
                    continue;
                };
                let text = unescape(quoted.trim().trim_matches('"'));
                match key.trim() {
                    "name" => name = Some(text),
                    "filename" => filename = Some(text),
                    _ => {}
                }
            }
        }
    }
    let name = name.ok_or_else(|| bad("a part has no name"))?;
    Ok((name, filename, content_type))
}

fn unescape(text: &str) -> String {
    text.replace("%22", "\"")
        .replace("%0D", "\r")
        .replace("%0A", "\n")
}
