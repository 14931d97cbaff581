//! Files end to end, on every adapter: uploads streamed from each kind of source to the fake
//! Stripe's files host and their contents downloaded back into a writer; a retry of an upload
//! (after a 5xx, after its answer was lost) under the same key making one file; a source that
//! cannot be read again never retried; a source that lies about its length or fails never sent
//! as if whole; a download past its cap typed, and retried only while nothing was written; the
//! files base apart from the API base. The exact bytes of an upload on the wire are
//! `files_wire.rs`.

#[macro_use]
mod support;

use std::error::Error as _;

use stripe_core::{Advice, Config, ErrorKind, FilePart, Request, Response, TransportError};
use stripe_fake::server::ServerHandle;
use stripe_fake::{Fault, Rule};
use support::fake::{fake, id, logged_keys, plan};
use support::files::FileSource;
use support::wire::dead_base;
use support::{Adapter, Client, SECRET, fast_policy};

/// A client of `fake` for both bases, or of `api` for the API base and `fake` for files.
fn client(adapter: Adapter, api: &str, files: &str) -> Client {
    let config = Config::builder(SECRET)
        .api_base(api)
        .files_base(files)
        .policy(fast_policy())
        .build()
        .expect("config");
    adapter.client(config)
}

/// Bytes no text encoding keeps, `len` of them.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 256) as u8).collect()
}

/// An upload of a PDF for `purpose`.
fn upload(purpose: &str) -> Request {
    let file = FilePart::new("evidence.pdf")
        .and_then(|f| f.with_content_type("application/pdf"))
        .expect("a file part");
    Request::upload(file)
        .and_then(|r| r.with_params(&[("purpose", purpose)]))
        .expect("an upload")
}

fn files(fake: &ServerHandle) -> usize {
    fake.with_model(|m| m.objects("file").len())
}

fn a_fault_on_uploads(fault: Fault) -> stripe_fake::FaultPlan {
    plan(
        Rule::new(fault)
            .method(http::Method::POST)
            .path("/v1/files"),
    )
}

/// Every kind of source uploads the same bytes, streamed, and the download gives them back.
fn each_source_uploads_and_the_download_gives_the_bytes_back(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake.base_url(), &fake.base_url());
    let data = binary(300 * 1024);
    for source in [
        FileSource::Bytes(data.clone()),
        FileSource::Reopen(data.clone()),
        FileSource::Seekable(data.clone()),
        FileSource::Once(data.clone()),
    ] {
        let response = client
            .upload(upload("dispute_evidence"), &source)
            .expect("an answer");
        assert_eq!(response.status(), 200, "{source:?}: {:?}", response.bytes());
        let file = response.json().expect("JSON");
        assert_eq!(file["size"], data.len(), "{source:?}");
        assert_eq!(file["filename"], "evidence.pdf");
        assert!(
            response.idempotency_key().is_some(),
            "an upload is a keyed POST"
        );
        let mut downloaded = Vec::new();
        let contents = Request::file_contents(&id(&response)).expect("a file id");
        let answer = client
            .download(contents, &mut downloaded)
            .expect("an answer");
        assert_eq!(answer.status(), 200);
        assert!(answer.bytes().is_empty(), "the body went to the writer");
        assert!(
            downloaded == data,
            "{source:?}: {} bytes back",
            downloaded.len()
        );
    }
    assert_eq!(files(&fake), 4);
}

/// A 5xx before the upload ran is retried with the same key: one file.
fn an_upload_answered_5xx_is_retried_with_its_key_into_one_file(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(a_fault_on_uploads(Fault::Status {
        status: 500,
        should_retry: None,
        code: None,
    }));
    let client = client(adapter, &fake.base_url(), &fake.base_url());
    let source = FileSource::Reopen(binary(100_000));
    let response = client
        .upload(upload("pci_document"), &source)
        .expect("an answer");
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert_eq!(response.attempts(), 2);
    let log = fake.log();
    let keys = logged_keys(&log);
    assert_eq!(keys.len(), 2);
    assert!(keys[0].is_some() && keys[0] == keys[1], "{keys:?}");
    assert_eq!(files(&fake), 1);
    let stored = fake.with_model(|m| m.file_contents(&id(&response)).map(<[u8]>::to_vec));
    assert!(stored.is_some_and(|s| s == binary(100_000)));
}

/// An upload whose answer was lost after it took effect is retried with its key: Stripe
/// replays the file it made; one file.
fn an_upload_whose_answer_was_lost_replays_its_one_file(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(a_fault_on_uploads(Fault::DropAfter));
    let client = client(adapter, &fake.base_url(), &fake.base_url());
    let source = FileSource::Seekable(binary(70_000));
    let response = client
        .upload(upload("pci_document"), &source)
        .expect("an answer");
    assert_eq!(response.status(), 200, "{:?}", response.bytes());
    assert!(response.is_replayed());
    assert_eq!(response.attempts(), 2);
    assert_eq!(files(&fake), 1);
    let log = fake.log();
    let keys = logged_keys(&log);
    assert!(keys[0].is_some() && keys[0] == keys[1], "{keys:?}");
}

/// A source that can be read once is never retried: the call ends with its key, typed.
fn a_single_use_source_is_not_retried(adapter: Adapter) {
    let fake = fake();
    fake.set_plan(a_fault_on_uploads(Fault::Status {
        status: 503,
        should_retry: None,
        code: None,
    }));
    let client = client(adapter, &fake.base_url(), &fake.base_url());
    let error = client
        .upload(upload("pci_document"), &FileSource::Once(binary(5000)))
        .expect_err("no retry");
    assert_eq!(
        error.kind(),
        &ErrorKind::NotReplayable {
            last_transport: None
        }
    );
    assert_eq!(error.attempts(), 1);
    assert_eq!(
        error.response().map(Response::status),
        Some(503.try_into().expect("status"))
    );
    assert!(error.idempotency_key().is_some());
    assert_eq!(fake.log().len(), 1);
    assert_eq!(files(&fake), 0);
    // The same key and a new source finish it.
    let key = error.idempotency_key().cloned().expect("a key");
    let again = upload("pci_document")
        .with_idempotency_key(key)
        .expect("a key");
    let response = client
        .upload(again, &FileSource::Once(binary(5000)))
        .expect("an answer");
    assert_eq!(response.status(), 200);
    assert_eq!(files(&fake), 1);
}

/// A source with fewer or more bytes than its length, or one that fails, ends the call at
/// once: the request was cut short, so nothing reached Stripe's model, and no retry is made.
fn a_source_that_lies_or_fails_is_never_sent_as_if_whole(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake.base_url(), &fake.base_url());
    let data = binary(200_000);
    for (source, said) in [
        (
            FileSource::Declared(data.clone(), 200_001),
            "ended after 200000 of its 200001",
        ),
        (
            FileSource::Declared(data.clone(), 199_999),
            "holds more than its 199999",
        ),
        (FileSource::FailsAfter(data.clone()), "the disk went away"),
    ] {
        let error = client
            .upload(upload("pci_document"), &source)
            .expect_err("no answer");
        assert_eq!(error.kind(), &ErrorKind::Transport(TransportError::Body));
        assert_eq!(error.attempts(), 1, "{source:?}");
        assert_eq!(error.advice(), Advice::RetrySameKey);
        assert!(error.idempotency_key().is_some());
        let mut chain = error.to_string();
        let mut next = error.source();
        while let Some(e) = next {
            chain.push_str(&format!(": {e}"));
            next = e.source();
        }
        assert!(chain.contains(said), "{source:?}: {chain}");
    }
    assert_eq!(files(&fake), 0);
}

/// A download past its cap is a typed error, the writer holding at most the cap.
fn a_download_past_its_cap_is_a_typed_error(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake.base_url(), &fake.base_url());
    let response = client
        .upload(upload("pci_document"), &FileSource::Bytes(binary(200_000)))
        .expect("an answer");
    let request = Request::file_contents(&id(&response)).expect("an id");
    let mut out = Vec::new();
    let error = client
        .download(request.clone().with_max_body_bytes(150_000), &mut out)
        .expect_err("over the cap");
    assert!(
        matches!(error.kind(), ErrorKind::ResponseTooLarge { status, limit: 150_000 } if *status == 200),
        "{:?}",
        error.kind()
    );
    assert!(out.len() <= 150_000, "{}", out.len());
    let mut whole = Vec::new();
    let at_cap = request.with_max_body_bytes(200_000);
    assert_eq!(
        client
            .download(at_cap, &mut whole)
            .expect("an answer")
            .status(),
        200
    );
    assert_eq!(whole.len(), 200_000);
}

/// A download answered 5xx is retried (nothing was written); the writer gets the file once.
/// A missing file is a 404 answer, and nothing is written.
fn a_download_answered_5xx_is_retried_and_a_missing_file_is_a_404(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake.base_url(), &fake.base_url());
    let response = client
        .upload(
            upload("dispute_evidence"),
            &FileSource::Bytes(binary(90_000)),
        )
        .expect("an answer");
    let file = id(&response);
    fake.set_plan(plan(
        Rule::new(Fault::Status {
            status: 500,
            should_retry: None,
            code: None,
        })
        .method(http::Method::GET)
        .path(&format!("/v1/files/{file}/contents")),
    ));
    let mut out = Vec::new();
    let answer = client
        .download(Request::file_contents(&file).expect("an id"), &mut out)
        .expect("an answer");
    assert_eq!((answer.status().as_u16(), answer.attempts()), (200, 2));
    assert!(out == binary(90_000), "{} bytes", out.len());
    let mut nothing = Vec::new();
    let missing = Request::file_contents("file_missing").expect("an id");
    let answer = client.download(missing, &mut nothing).expect("an answer");
    assert_eq!(answer.status(), 404);
    assert_eq!(
        answer.json().expect("JSON")["error"]["code"],
        "resource_missing"
    );
    assert!(nothing.is_empty());
}

/// Uploads and downloads go to the files base, whatever the API base: here nothing listens
/// on the API base.
fn files_go_to_the_files_base(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &dead_base(), &fake.base_url());
    let response = client
        .upload(
            upload("dispute_evidence"),
            &FileSource::Bytes(b"%PDF".to_vec()),
        )
        .expect("an answer");
    assert_eq!(response.status(), 200);
    let mut out = Vec::new();
    let request = Request::file_contents(&id(&response)).expect("an id");
    client.download(request, &mut out).expect("an answer");
    assert_eq!(out, b"%PDF");
    let error = client.get("/v1/balance").expect_err("no API base");
    assert!(matches!(error.kind(), ErrorKind::Transport(_)), "{error}");
}

/// An upload sent without its source, or as a download, is refused before anything exists;
/// so is a download that is no GET.
fn an_upload_without_its_source_is_refused(adapter: Adapter) {
    let fake = fake();
    let client = client(adapter, &fake.base_url(), &fake.base_url());
    let error = client.send(upload("pci_document")).expect_err("refused");
    assert_eq!(error.kind(), &ErrorKind::InvalidRequest);
    assert!(error.nothing_sent());
    assert!(error.to_string().contains("source"), "{error}");
    let post = Request::post("/v1/customers", &[("name", "x")]).expect("a request");
    for request in [upload("pci_document"), post] {
        let error = client
            .download(request, &mut Vec::new())
            .expect_err("refused");
        assert_eq!(error.kind(), &ErrorKind::InvalidRequest);
        assert!(error.to_string().contains("a download is a GET"), "{error}");
    }
    assert!(fake.log().is_empty());
}

run_on_adapters!(
    each_source_uploads_and_the_download_gives_the_bytes_back,
    an_upload_answered_5xx_is_retried_with_its_key_into_one_file,
    an_upload_whose_answer_was_lost_replays_its_one_file,
    a_single_use_source_is_not_retried,
    a_source_that_lies_or_fails_is_never_sent_as_if_whole,
    a_download_past_its_cap_is_a_typed_error,
    a_download_answered_5xx_is_retried_and_a_missing_file_is_a_404,
    files_go_to_the_files_base,
    an_upload_without_its_source_is_refused,
);
