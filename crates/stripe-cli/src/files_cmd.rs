//! Files from the command line: `stripe-cli upload --purpose P FILE` streams FILE from disk to
//! the files base as `multipart/form-data` (never all in memory), and `stripe-cli get PATH
//! --output FILE` streams a 2xx answer to FILE, bounded by `--max-bytes` (a file's contents,
//! `/v1/files/ID/contents`, come from the files base). Either adapter; every decision is the
//! core's.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};

use stripe_client::{AsyncSource, Source};
use stripe_core::{Error, FilePart, Host, Request, Response};

use crate::args::{ArgsError, RequestArgs};
use crate::output::{self, Exit, Report};
use crate::run::{Driver, fail};
use crate::words::{invalid, number};

/// The options of `upload` and of `get --output`.
pub const FLAGS: &[&str] = &[
    "--purpose",
    "--output",
    "-o",
    "--max-bytes",
    "--file-name",
    "--content-type",
];

/// The bound of `get --output` when `--max-bytes` is not given: 1 GiB.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// What `upload` and `get --output` were given.
#[derive(Debug, Default)]
pub struct FileArgs {
    /// `upload`'s FILE.
    pub file: Option<PathBuf>,
    pub purpose: Option<String>,
    pub output: Option<PathBuf>,
    pub max_bytes: Option<u64>,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
}

impl FileArgs {
    /// Takes one of [`FLAGS`] and its value.
    pub fn set(&mut self, flag: &str, value: &str) -> Result<(), ArgsError> {
        match flag {
            "--purpose" => self.purpose = Some(value.to_owned()),
            "--output" | "-o" => self.output = Some(PathBuf::from(value)),
            "--max-bytes" => {
                let max: u64 = number(flag, value, "a whole number of bytes")?;
                usize::try_from(max).map_err(|_| invalid(flag, value, "a smaller number"))?;
                self.max_bytes = Some(max);
            }
            "--file-name" => self.file_name = Some(value.to_owned()),
            "--content-type" => self.content_type = Some(value.to_owned()),
            _ => return Err(ArgsError::UnknownOption(flag.to_owned())),
        }
        Ok(())
    }

    /// Checks them against the command: `upload` needs `--purpose`; `--output` and
    /// `--max-bytes` go with `get` alone.
    pub fn check(&self, upload: bool, get: bool) -> Result<(), ArgsError> {
        if upload && self.purpose.is_none() {
            return Err(ArgsError::Missing("--purpose with upload"));
        }
        let upload_only = [
            ("--purpose", self.purpose.is_some()),
            ("--file-name", self.file_name.is_some()),
            ("--content-type", self.content_type.is_some()),
        ];
        if let Some((flag, _)) = upload_only.iter().find(|(_, given)| *given && !upload) {
            return Err(invalid(flag, "", "the upload command"));
        }
        let output = [
            ("--output", self.output.is_some()),
            ("--max-bytes", self.max_bytes.is_some()),
        ];
        if let Some((flag, _)) = output.iter().find(|(_, given)| *given && !get) {
            return Err(invalid(flag, "", "get (a download to a file)"));
        }
        if self.max_bytes.is_some() && self.output.is_none() {
            return Err(ArgsError::Missing("--output with --max-bytes"));
        }
        Ok(())
    }
}

/// The content type of a file by its extension.
fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "csv" => "text/csv",
        "txt" => "text/plain",
        "json" => "application/json",
        _ => "application/octet-stream",
    }
}

/// The upload's request: FILE's part (named after it, typed by its extension, or as given),
/// `--purpose` and the `-d` params, and its key if given. Checked by the core.
pub fn upload_request(args: &RequestArgs, path: &Path) -> Result<Request, String> {
    let name = args.files.file_name.clone().or_else(|| {
        path.file_name()
            .map(|name| name.to_string_lossy().into_owned())
    });
    let name = name.ok_or_else(|| format!("{} names no file", path.display()))?;
    let kind = args.files.content_type.as_deref();
    let part = FilePart::new(&name)
        .and_then(|part| part.with_content_type(kind.unwrap_or(content_type(path))))
        .map_err(|e| e.to_string())?;
    let purpose = args.files.purpose.as_deref().unwrap_or_default();
    Request::upload(part)
        .and_then(|r| r.with_params(&[("purpose", purpose)]))
        .and_then(|r| r.with_params(&args.params))
        .map_err(|e| e.to_string())
}

/// A GET of `path` to be written to a file: a file's contents go to the files base.
pub fn download_request(request: Request, max_bytes: Option<u64>) -> Request {
    let path = request.path().split('?').next().unwrap_or_default();
    let contents = path
        .strip_prefix("/v1/files/")
        .and_then(|rest| rest.strip_suffix("/contents"))
        .is_some_and(|id| !id.is_empty() && !id.contains('/'));
    let max = usize::try_from(max_bytes.unwrap_or(DEFAULT_MAX_BYTES)).unwrap_or(usize::MAX);
    let request = request.with_max_body_bytes(max);
    if contents {
        request.with_host(Host::Files)
    } else {
        request
    }
}

/// A file read a chunk at a time, as an async source's stream (a local file: each read is
/// short).
struct Chunks(File);

impl futures_core::Stream for Chunks {
    type Item = io::Result<bytes::Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let mut buf = vec![0u8; 64 * 1024];
        Poll::Ready(match self.0.read(&mut buf) {
            Ok(0) => None,
            Ok(n) => {
                buf.truncate(n);
                Some(Ok(buf.into()))
            }
            Err(e) => Some(Err(e)),
        })
    }
}

/// `upload`: FILE streamed from disk (read again from its start for a retry).
pub fn upload(driver: &Driver, request: Request, path: &Path, report: Report) -> Exit {
    let opened = File::open(path).and_then(|file| Ok((file.metadata()?.len(), file)));
    let (len, file) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            output::error(&format!("cannot read {}: {e}", path.display()));
            return Exit::Usage;
        }
    };
    let result = match driver {
        Driver::Blocking(client) => Source::seekable(file)
            .map_err(Error::local)
            .and_then(|source| client.upload(request, source)),
        Driver::Async(runtime, client) => {
            let path = path.to_owned();
            let source = AsyncSource::reopen(len, move || File::open(&path).map(Chunks));
            runtime.block_on(client.upload(request, source))
        }
    };
    answered(result, report, |response| {
        report.key(response.idempotency_key())
    })
}

/// `get --output FILE`: a 2xx answer's body written to FILE as it comes; FILE is removed when
/// the answer is another, or none.
pub fn download(driver: &Driver, request: Request, path: &Path, report: Report) -> Exit {
    let mut file = match File::create(path) {
        Ok(file) => BufWriter::new(file),
        Err(e) => {
            output::error(&format!("cannot write {}: {e}", path.display()));
            return Exit::Usage;
        }
    };
    let result = match driver {
        Driver::Blocking(client) => client.download(request, &mut file),
        Driver::Async(runtime, client) => runtime.block_on(client.download(request, &mut file)),
    };
    let written = file
        .flush()
        .and_then(|()| file.get_ref().metadata())
        .map(|m| m.len());
    let success = result.as_ref().is_ok_and(Response::is_success);
    if !success {
        let _ = std::fs::remove_file(path);
    }
    answered(result, report, |_| {
        if success {
            let written = written.map_or_else(|e| format!("? ({e})"), |n| n.to_string());
            report.info(&format!("written: {written} bytes to {}", path.display()));
        }
    })
}

/// The exit of an answer or a failure, reported; `before` runs first on an answer.
fn answered(
    result: Result<Response, Error>,
    report: Report,
    before: impl FnOnce(&Response),
) -> Exit {
    match result {
        Ok(response) => {
            before(&response);
            report.response(&response);
            if response.is_success() {
                Exit::Success
            } else {
                Exit::Http
            }
        }
        Err(e) => fail(&e, report),
    }
}
