//! A transport of one's own that implements only `send` still uploads and downloads, through
//! the traits' buffered `send_streamed`: both clients send the whole multipart body (head,
//! file, tail, its `Content-Length`) in one request to the files base, write a download's
//! body to the writer, and hold it to its cap. A scripted transport records the wire.

mod common;

use std::future::Future;
use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use bytes::Bytes;
use stripe_client::{
    AsyncClient, AsyncSource, AsyncTransport, Attempt, Client, SendError, Source, Transport,
};
use stripe_core::{Config, ErrorKind, FilePart, Request, Seed};

use common::ready;

/// Records each request (URI and body) and answers with the body the test set.
#[derive(Clone)]
struct Scripted {
    seen: Arc<Mutex<Vec<http::Request<Bytes>>>>,
    answer: Bytes,
}

impl Scripted {
    fn new(answer: &[u8]) -> Self {
        Self {
            seen: Arc::default(),
            answer: Bytes::copy_from_slice(answer),
        }
    }

    fn answer(&self, attempt: Attempt) -> http::Response<Bytes> {
        self.seen.lock().expect("lock").push(attempt.into_request());
        http::Response::new(self.answer.clone())
    }

    fn seen(&self) -> Vec<http::Request<Bytes>> {
        std::mem::take(&mut *self.seen.lock().expect("lock"))
    }
}

impl Transport for Scripted {
    type Error = std::io::Error;
    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<Self::Error>> {
        Ok(self.answer(attempt))
    }
    fn sleep_until(&self, _until: Instant) {}
}

impl AsyncTransport for Scripted {
    type Error = std::io::Error;
    fn send(
        &self,
        attempt: Attempt,
    ) -> impl Future<Output = Result<http::Response<Bytes>, SendError<Self::Error>>> + Send {
        std::future::ready(Ok(self.answer(attempt)))
    }
    fn sleep_until(&self, _until: Instant) -> impl Future<Output = ()> + Send {
        std::future::ready(())
    }
}

fn config() -> Config {
    Config::builder("sk_test_123")
        .files_base("https://files.example.test")
        .build()
        .expect("config")
}

fn upload() -> Request {
    Request::upload(FilePart::new("notes.txt").expect("a name"))
        .and_then(|r| r.with_params(&[("purpose", "dispute_evidence")]))
        .expect("an upload")
}

/// The request a buffered upload sent: one, to the files base, its body whole.
fn assert_whole(seen: &[http::Request<Bytes>], file: &[u8]) {
    assert_eq!(seen.len(), 1);
    let request = &seen[0];
    assert_eq!(
        request.uri().to_string(),
        "https://files.example.test/v1/files"
    );
    let body = request.body();
    let length = request.headers()["content-length"].to_str().expect("text");
    assert_eq!(length, body.len().to_string());
    let text = String::from_utf8_lossy(body);
    assert!(
        text.contains("name=\"purpose\"\r\n\r\ndispute_evidence\r\n"),
        "{text}"
    );
    let start = text.find("filename=\"notes.txt\"").expect("the file part");
    let at = start + text[start..].find("\r\n\r\n").expect("its headers end") + 4;
    assert_eq!(&body[at..at + file.len()], file);
    assert!(text.ends_with("--\r\n"), "{text}");
}

#[test]
fn a_blocking_transport_of_ones_own_uploads_and_downloads_buffered() {
    let transport = Scripted::new(br#"{"id":"file_1"}"#);
    let client = Client::with_transport_and_seed(config(), transport.clone(), Seed::from_u64(3));
    let file = b"line one\nline two\n".repeat(100);
    let source = Source::seekable(Cursor::new(file.clone())).expect("a cursor");
    let response = client.upload(upload(), source).expect("an answer");
    assert_eq!(response.json().expect("JSON")["id"], "file_1");
    assert_whole(&transport.seen(), &file);

    let transport = Scripted::new(&file);
    let client = Client::with_transport(config(), transport.clone());
    let mut out = Vec::new();
    let request = Request::file_contents("file_1").expect("an id");
    let answer = client
        .download(request.clone(), &mut out)
        .expect("an answer");
    assert_eq!((answer.status().as_u16(), out.len()), (200, file.len()));
    let seen = transport.seen();
    assert_eq!(
        seen[0].uri().to_string(),
        "https://files.example.test/v1/files/file_1/contents"
    );
    let error = client
        .download(request.with_max_body_bytes(10), &mut Vec::new())
        .expect_err("over the cap");
    assert!(matches!(
        error.kind(),
        ErrorKind::ResponseTooLarge { limit: 10, .. }
    ));
}

#[test]
fn an_async_transport_of_ones_own_uploads_and_downloads_buffered() {
    let transport = Scripted::new(br#"{"id":"file_2"}"#);
    let client = AsyncClient::with_transport(config(), transport.clone());
    let file = vec![0xA5u8; 70_000];
    let response = ready(client.upload(upload(), AsyncSource::bytes(file.clone()))).expect("ok");
    assert_eq!(response.json().expect("JSON")["id"], "file_2");
    assert_whole(&transport.seen(), &file);

    let transport = Scripted::new(&file);
    let client = AsyncClient::with_transport(config(), transport);
    let mut out = Vec::new();
    let request = Request::file_contents("file_2").expect("an id");
    ready(client.download(request, &mut out)).expect("an answer");
    assert!(out == file);
}
