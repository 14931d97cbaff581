//! Files: the requests of an upload and of a file's contents ([`Request::upload`],
//! [`Request::file_contents`], both to the files base), and an upload's body,
//! `multipart/form-data` (RFC 7578), without the file in it: the core
//! writes the text parts and the file part's headers (the head) and the closing boundary (the
//! tail), and the headers that frame them (`Content-Type` with the boundary, `Content-Length`
//! of the whole); a driver sends the head, then the file's bytes from its source as they are
//! read, then the tail. No byte of the file passes through here.
//!
//! The boundary is drawn from the call's own random stream (so the same seed gives the same
//! bytes), once per call: every attempt of an upload is the same bytes, under the same key.

use bytes::Bytes;
use http::HeaderValue;

use crate::error::{HeaderProblem, RequestError, check_header_value};
use crate::request::{Host, Method, Request};

/// The longest file name accepted, in bytes of UTF-8.
const MAX_FILE_NAME: usize = 255;

/// The longest content type accepted.
const MAX_CONTENT_TYPE: usize = 255;

/// What the boundary starts with; 32 hexadecimal digits of the call's random stream follow.
const BOUNDARY_PREFIX: &str = "stripe-sansio-";

/// The file of an upload ([`Request::upload`](crate::Request::upload)): the name and content
/// type its part's headers carry, and its length in bytes, which the framing counts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePart {
    file_name: String,
    content_type: HeaderValue,
    len: Option<u64>,
}

impl FilePart {
    /// A file named `file_name` (any text but control characters, 1 to 255 bytes; a `"` is
    /// sent as `%22`, as browsers send it), of type `application/octet-stream` until
    /// [`FilePart::with_content_type`].
    pub fn new(file_name: &str) -> Result<Self, RequestError> {
        let problem = if file_name.is_empty() {
            Some(HeaderProblem::Empty)
        } else if file_name.len() > MAX_FILE_NAME {
            Some(HeaderProblem::TooLong)
        } else if file_name.chars().any(char::is_control) {
            Some(HeaderProblem::Control)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(RequestError::File {
                what: "file name",
                problem,
            });
        }
        Ok(Self {
            file_name: file_name.to_owned(),
            content_type: HeaderValue::from_static("application/octet-stream"),
            len: None,
        })
    }

    /// The file part's `Content-Type` (`application/pdf`, `image/png`): visible ASCII and
    /// spaces, at most 255 bytes.
    pub fn with_content_type(mut self, content_type: &str) -> Result<Self, RequestError> {
        let problem = |problem| RequestError::File {
            what: "content type",
            problem,
        };
        check_header_value(content_type, true, MAX_CONTENT_TYPE).map_err(problem)?;
        self.content_type = HeaderValue::try_from(content_type)
            .map_err(|_| problem(HeaderProblem::ControlOrNonAscii))?;
        Ok(self)
    }

    /// The file name.
    pub fn file_name(&self) -> &str {
        &self.file_name
    }

    /// The content type.
    pub fn content_type(&self) -> &str {
        // Checked visible ASCII when set.
        self.content_type.to_str().unwrap_or_default()
    }

    /// The file's length in bytes, once known
    /// ([`Request::with_file_len`](crate::Request::with_file_len)).
    pub fn file_len(&self) -> Option<u64> {
        self.len
    }

    pub(crate) fn set_len(&mut self, len: u64) {
        self.len = Some(len);
    }
}

impl Request {
    /// A file upload: `POST /v1/files` to the files base, its body `multipart/form-data`: the
    /// params (added with [`Request::with_params`], `purpose` first of all) as text parts in
    /// Stripe's bracket form, then `file`'s part, whose bytes a driver streams (the client's
    /// `upload` reads them from a source; [`Request::with_file_len`] says how many). The body
    /// is streamed, never held: see [`Action::SendStreamed`](crate::Action::SendStreamed).
    ///
    /// ```
    /// use stripe_core::{FilePart, Host, Request};
    ///
    /// let upload = Request::upload(FilePart::new("evidence.pdf")?.with_content_type("application/pdf")?)?
    ///     .with_params(&[("purpose", "dispute_evidence")])?
    ///     .with_file_len(48_213)?;
    /// assert_eq!((upload.path(), upload.host()), ("/v1/files", Host::Files));
    /// assert_eq!(upload.body(), "purpose=dispute_evidence"); // the text parts, before the file
    /// # Ok::<(), stripe_core::RequestError>(())
    /// ```
    pub fn upload(file: FilePart) -> Result<Self, RequestError> {
        let mut request = Self::new(Method::Post, "/v1/files")?.with_host(Host::Files);
        request.options_mut().file = Some(file);
        Ok(request)
    }

    /// `GET /v1/files/{id}/contents` on the files base: a file's bytes, which a client's
    /// `download` streams to a writer. An id is letters, digits and `_` (`file_...`).
    pub fn file_contents(id: &str) -> Result<Self, RequestError> {
        let valid = !id.is_empty()
            && id.len() <= 255
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        if !valid {
            return Err(RequestError::Path {
                path: id.to_owned(),
                reason: "is not a file id (letters, digits and _, at most 255)",
            });
        }
        Ok(Self::get(&format!("/v1/files/{id}/contents"))?.with_host(Host::Files))
    }

    /// The length in bytes of an upload's file ([`Request::upload`]): exactly this many are
    /// sent, between the text parts and the closing boundary (a driver refuses a source that
    /// gives fewer or more). A client's `upload` sets it from its source.
    pub fn with_file_len(mut self, len: u64) -> Result<Self, RequestError> {
        let file = self.options.as_deref_mut().and_then(|o| o.file.as_mut());
        let file = file.ok_or(RequestError::Files(
            "a file length is given to an upload only",
        ))?;
        file.set_len(len);
        Ok(self)
    }

    /// An upload's file part, if this request is an upload.
    pub fn file(&self) -> Option<&FilePart> {
        self.option(|o| o.file.as_ref())
    }
}

/// The body of one upload, as [`Action::SendStreamed`](crate::Action::SendStreamed) gives it:
/// send [`head`](Multipart::head), then exactly [`file_len`](Multipart::file_len) bytes of
/// the file, then [`tail`](Multipart::tail). The request's `Content-Length` is their sum.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Multipart {
    head: Bytes,
    file_len: u64,
    tail: Bytes,
}

impl Multipart {
    /// The body of `file` after the text parts of `fields` (form-encoded, as a v1 POST's
    /// body), under the boundary made of `random`; and its `Content-Type` and
    /// `Content-Length` values.
    pub(crate) fn build(
        fields: &str,
        file: &FilePart,
        random: [u8; 16],
    ) -> Result<(Self, [HeaderValue; 2]), RequestError> {
        let file_len = file.len.ok_or(RequestError::Files(
            "the file's length is not known (Request::with_file_len)",
        ))?;
        let mut boundary = String::with_capacity(BOUNDARY_PREFIX.len() + 32);
        boundary.push_str(BOUNDARY_PREFIX);
        for b in random {
            boundary.push(char::from(HEX[usize::from(b >> 4)]));
            boundary.push(char::from(HEX[usize::from(b & 15)]));
        }
        let mut head = Vec::with_capacity(fields.len() * 2 + 256);
        for (name, value) in form_urlencoded::parse(fields.as_bytes()) {
            part_start(&mut head, &boundary, &name);
            head.extend_from_slice(b"\r\n\r\n");
            head.extend_from_slice(value.as_bytes());
            head.extend_from_slice(b"\r\n");
        }
        part_start(&mut head, &boundary, "file");
        head.extend_from_slice(b"; filename=\"");
        escape_into(&mut head, &file.file_name);
        head.extend_from_slice(b"\"\r\nContent-Type: ");
        head.extend_from_slice(file.content_type.as_bytes());
        head.extend_from_slice(b"\r\n\r\n");
        let tail = format!("\r\n--{boundary}--\r\n");
        let total = (head.len() as u64)
            .checked_add(file_len)
            .and_then(|n| n.checked_add(tail.len() as u64))
            .ok_or(RequestError::Files(
                "the body would be longer than a length can count",
            ))?;
        // The boundary is visible ASCII; so is a number.
        let content_type =
            HeaderValue::try_from(format!("multipart/form-data; boundary={boundary}"))
                .map_err(|_| RequestError::Files("the boundary is not a header value"))?;
        let multipart = Self {
            head: Bytes::from(head),
            file_len,
            tail: Bytes::from(tail),
        };
        Ok((multipart, [content_type, HeaderValue::from(total)]))
    }

    /// What comes before the file's bytes: every text part, then the file part's headers.
    pub fn head(&self) -> &Bytes {
        &self.head
    }

    /// How many bytes of the file come after the head: exactly so many, neither fewer nor
    /// more.
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// What comes after the file's bytes: the closing boundary.
    pub fn tail(&self) -> &Bytes {
        &self.tail
    }

    /// The whole body's length, as its `Content-Length` says.
    pub fn content_length(&self) -> u64 {
        self.head.len() as u64 + self.file_len + self.tail.len() as u64
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// `--boundary` and the start of a part's `Content-Disposition`, up to its name's closing
/// quote.
fn part_start(out: &mut Vec<u8>, boundary: &str, name: &str) {
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
    escape_into(out, name);
    out.push(b'"');
}

/// A name or file name inside quotes, as the HTML standard writes it in a multipart body: `"`
/// as `%22`, CR as `%0D`, LF as `%0A`.
fn escape_into(out: &mut Vec<u8>, text: &str) {
    for b in text.bytes() {
        match b {
            b'"' => out.extend_from_slice(b"%22"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            _ => out.push(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FilePart, Multipart};

    #[test]
    fn names_are_escaped_as_browsers_escape_them() {
        let mut file = FilePart::new("a \"b\".pdf").expect("a name");
        file.set_len(3);
        let (body, [content_type, length]) =
            Multipart::build("x%0Ay=1", &file, [0xab; 16]).expect("a body");
        let head = String::from_utf8(body.head().to_vec()).expect("text");
        assert!(head.contains("name=\"x%0Ay\"\r\n\r\n1\r\n"), "{head}");
        assert!(head.contains("filename=\"a %22b%22.pdf\""), "{head}");
        let boundary = "stripe-sansio-abababababababababababababababab";
        assert_eq!(
            content_type,
            format!("multipart/form-data; boundary={boundary}")
        );
        assert_eq!(length, body.content_length().to_string());
    }
}
