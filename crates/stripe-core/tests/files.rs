//! Files in the core: an upload's request (the files base, its framing headers, its multipart
//! body around the file, the same bytes and key on every attempt, the boundary from the seed),
//! what ends it (a single-use body where a retry was due, a body not carried whole), a
//! download's cap on a streamed answer, and every input refused before a request exists.

mod common;

use std::time::Instant;

use bytes::Bytes;
use common::{SECRET_KEY, session, wall};
use stripe_core::{
    Action, Advice, Call, Config, ConfigError, ErrorKind, FilePart, HeaderProblem, Host, Input,
    Multipart, Request, RequestError, Seed, Session, TransportError,
};

fn files_config() -> Config {
    Config::builder(SECRET_KEY)
        .files_base("https://files.example.test/base/")
        .build()
        .expect("config")
}

fn upload(len: u64) -> Request {
    let file = FilePart::new("photo.png")
        .and_then(|f| f.with_content_type("image/png"))
        .expect("a file part");
    Request::upload(file)
        .and_then(|r| r.with_params(&[("purpose", "identity_document"), ("expand[]", "links")]))
        .and_then(|r| r.with_file_len(len))
        .expect("an upload")
}

/// Starts `request` in a session of `config` seeded with `seed`.
fn start(config: Config, seed: u64, request: Request) -> (Call, Action) {
    Session::new(config, Seed::from_u64(seed))
        .call(request, Instant::now(), wall())
        .expect("a call")
}

/// The request and body of a streamed send.
fn streamed(action: Action) -> (http::Request<Bytes>, Box<Multipart>) {
    match action {
        Action::SendStreamed { request, body, .. } => (request, body),
        other => panic!("expected a streamed send, got {other:?}"),
    }
}

fn answer(status: u16) -> Input {
    Input::Response(
        http::Response::builder()
            .status(status)
            .body(Bytes::from_static(b"{}"))
            .expect("a response"),
    )
}

#[test]
fn an_upload_goes_to_the_files_base_with_its_framing_and_the_same_bytes_on_every_attempt() {
    let (mut call, first) = start(files_config(), 5, upload(1000));
    let (request, body) = streamed(first);
    assert_eq!(
        request.uri().to_string(),
        "https://files.example.test/base/v1/files"
    );
    assert!(request.body().is_empty(), "the body is the multipart one");
    let headers = request.headers();
    let content_type = headers["content-type"].to_str().expect("text");
    let boundary = content_type
        .strip_prefix("multipart/form-data; boundary=stripe-sansio-")
        .expect("multipart");
    assert_eq!(boundary.len(), 32, "{content_type}");
    assert_eq!(
        headers["content-length"],
        body.content_length().to_string().as_str()
    );
    assert_eq!(body.file_len(), 1000);
    let head = String::from_utf8(body.head().to_vec()).expect("text");
    let parts = [
        "Content-Disposition: form-data; name=\"purpose\"\r\n\r\nidentity_document\r\n",
        "Content-Disposition: form-data; name=\"expand[]\"\r\n\r\nlinks\r\n",
        "Content-Disposition: form-data; name=\"file\"; filename=\"photo.png\"\r\nContent-Type: image/png\r\n\r\n",
    ];
    let expected: String = parts
        .iter()
        .map(|part| format!("--stripe-sansio-{boundary}\r\n{part}"))
        .collect();
    assert_eq!(head, expected);
    assert_eq!(
        &body.tail()[..],
        format!("\r\n--stripe-sansio-{boundary}--\r\n").as_bytes()
    );
    let key = headers["idempotency-key"].clone();
    // A 500 is retried (the source can be read again): the same bytes, the same key.
    let now = Instant::now();
    let Action::Sleep { until, .. } = call.handle(now, answer(500)) else {
        panic!("a retry is due");
    };
    let (again, again_body) = streamed(call.handle(until, Input::Woke));
    assert_eq!(again_body, body);
    assert_eq!(again.headers()["idempotency-key"], key);
    assert_eq!(again.headers()["content-type"], content_type);
}

#[test]
fn the_boundary_comes_from_the_seed() {
    let boundary = |seed| {
        let (request, _) = streamed(start(files_config(), seed, upload(1)).1);
        request.headers()["content-type"].clone()
    };
    assert_eq!(boundary(9), boundary(9));
    assert_ne!(boundary(9), boundary(10));
}

#[test]
fn a_single_use_body_is_not_retried_where_a_retry_was_due() {
    for (input, last_transport, advice) in [
        (answer(500), None, Advice::Reconcile),
        (answer(429), None, Advice::RetrySameKey),
        (
            Input::Transport(TransportError::Io),
            Some(TransportError::Io),
            Advice::RetrySameKey,
        ),
    ] {
        let request = upload(10).with_single_use_body();
        let (mut call, first) = start(files_config(), 1, request);
        streamed(first);
        let key = call.idempotency_key().cloned();
        let Action::Fail(error) = call.handle(Instant::now(), input) else {
            panic!("no retry");
        };
        assert_eq!(error.kind(), &ErrorKind::NotReplayable { last_transport });
        assert_eq!(error.attempts(), 1);
        assert_eq!(error.advice(), advice);
        assert_eq!(error.idempotency_key().cloned(), key);
        assert!(key.is_some());
        assert!(error.to_string().contains("read once only"), "{error}");
    }
    // A final answer ends it as any call.
    let (mut call, _) = start(files_config(), 1, upload(10).with_single_use_body());
    assert!(matches!(
        call.handle(Instant::now(), answer(200)),
        Action::Done(_)
    ));
}

#[test]
fn a_body_not_carried_whole_ends_the_call_at_once() {
    for request in [upload(10), Request::file_contents("file_1").expect("an id")] {
        let post = request.file().is_some();
        let (mut call, _) = start(files_config(), 2, request);
        let Action::Fail(error) =
            call.handle(Instant::now(), Input::Transport(TransportError::Body))
        else {
            panic!("no retry");
        };
        assert_eq!(error.kind(), &ErrorKind::Transport(TransportError::Body));
        assert_eq!(error.attempts(), 1);
        let advice = if post {
            Advice::RetrySameKey
        } else {
            Advice::Retry
        };
        assert_eq!(error.advice(), advice);
    }
}

#[test]
fn a_download_is_a_get_of_the_files_base_held_to_its_own_cap() {
    let request = Request::file_contents("file_1Ab")
        .expect("an id")
        .with_max_body_bytes(100);
    assert_eq!(
        (request.host(), request.path()),
        (Host::Files, "/v1/files/file_1Ab/contents")
    );
    let (mut call, first) = start(files_config(), 3, request.clone());
    assert_eq!(call.max_body_bytes(), 100);
    let Action::Send { request: sent, .. } = first else {
        panic!("a plain send");
    };
    assert_eq!(
        sent.uri().to_string(),
        "https://files.example.test/base/v1/files/file_1Ab/contents"
    );
    assert!(sent.headers().get("idempotency-key").is_none());
    let head = |status| {
        http::Response::builder()
            .status(status)
            .body(())
            .expect("a head")
            .into_parts()
            .0
    };
    let now = Instant::now();
    let Action::Done(response) = call.handle(
        now,
        Input::Streamed {
            head: head(200),
            len: 100,
        },
    ) else {
        panic!("within the cap");
    };
    assert_eq!(response.status(), 200);
    assert!(response.bytes().is_empty());
    let (mut call, _) = start(files_config(), 3, request);
    let Action::Fail(error) = call.handle(
        now,
        Input::Streamed {
            head: head(200),
            len: 101,
        },
    ) else {
        panic!("past the cap");
    };
    assert!(
        matches!(error.kind(), ErrorKind::ResponseTooLarge { status, limit: 100 } if *status == 200)
    );
    assert_eq!(error.advice(), Advice::FixRequest);
    // The configuration's cap otherwise.
    let plain = Request::file_contents("file_1").expect("an id");
    let (call, _) = start(files_config(), 3, plain);
    assert_eq!(call.max_body_bytes(), stripe_core::DEFAULT_MAX_BODY_BYTES);
}

#[test]
fn bad_file_parts_ids_lengths_and_files_bases_are_typed_errors_before_anything_exists() {
    let file = |name: &str| FilePart::new(name).map(drop);
    assert!(matches!(
        file(""),
        Err(RequestError::File {
            what: "file name",
            problem: HeaderProblem::Empty
        })
    ));
    assert!(matches!(
        file("a\r\nb.pdf"),
        Err(RequestError::File {
            problem: HeaderProblem::Control,
            ..
        })
    ));
    assert!(matches!(
        file(&"x".repeat(256)),
        Err(RequestError::File {
            problem: HeaderProblem::TooLong,
            ..
        })
    ));
    assert!(file("résumé \"final\".pdf").is_ok());
    let typed = FilePart::new("a").and_then(|f| f.with_content_type("text/plain\r\nX: 1"));
    assert!(matches!(
        typed,
        Err(RequestError::File {
            what: "content type",
            ..
        })
    ));
    for id in ["", "file_1/../x", "file 1", "file_1?x=1", &"f".repeat(256)] {
        assert!(
            matches!(Request::file_contents(id), Err(RequestError::Path { .. })),
            "{id:?}"
        );
    }
    let not_an_upload =
        Request::post("/v1/files", &[("purpose", "x")]).and_then(|r| r.with_file_len(3));
    assert!(matches!(not_an_upload, Err(RequestError::Files(_))));
    // An upload whose length no one gave is refused when the call would start.
    let unknown = Request::upload(FilePart::new("a").expect("a name")).expect("an upload");
    let error = session(1)
        .call(unknown, Instant::now(), wall())
        .expect_err("no length");
    assert_eq!(error.kind(), &ErrorKind::InvalidRequest);
    assert!(matches!(
        error.request_error(),
        Some(RequestError::Files(_))
    ));
    let bad = Config::builder(SECRET_KEY)
        .files_base("ftp://files.example.test")
        .build();
    assert!(matches!(bad, Err(ConfigError::FilesBase { .. })));
    let clear = Config::builder(SECRET_KEY)
        .files_base("http://files.example.test")
        .build();
    assert!(matches!(clear, Err(ConfigError::FilesBase { .. })));
    let default = Config::builder(SECRET_KEY).build().expect("config");
    assert_eq!(default.files_base(), "https://files.stripe.com");
}
