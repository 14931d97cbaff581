//! The exact bytes of a file upload on the wire, on every adapter, against the canned server:
//! the golden test of the multipart body and its headers.

#[macro_use]
mod support;

use stripe_core::{Config, FilePart, IdempotencyKey, Request, Seed};
use support::canned::{Reply, header};
use support::files::FileSource;
use support::wire::canned;
use support::{Adapter, Http};

/// The exact bytes of an upload on the wire, head and body, under a fixed seed and key: the
/// core's headers in their order, the HTTP client's own (`host` alone, where each client puts
/// it), the multipart body with the boundary drawn from the seed, every byte value of the file
/// as it is. Only what the machine gives is put in afterwards: the port, and
/// `x-stripe-client-user-agent` (it names the OS), checked apart.
fn an_upload_on_the_wire_is_these_exact_bytes(adapter: Adapter) {
    let server = canned(vec![Reply::http(
        200,
        &[],
        r#"{"id":"file_1","object":"file"}"#,
    )]);
    let base = server.base_url();
    let config = Config::builder("sk_test_123")
        .api_base(&base)
        .files_base(&base)
        .telemetry(false)
        .build()
        .expect("config");
    let client = adapter.seeded_client(config, Http::Own, Seed::from_u64(19));
    let key = IdempotencyKey::new("golden-upload-1").expect("a key");
    let file = FilePart::new("a \"b\".bin").expect("a name");
    let request = Request::upload(file)
        .and_then(|r| {
            r.with_params(&[
                ("purpose", "dispute_evidence"),
                ("file_link_data[create]", "true"),
            ])
        })
        .and_then(|r| r.with_idempotency_key(key))
        .expect("an upload");
    let content: Vec<u8> = (0..=255u8).collect();
    let response = client
        .upload(request, &FileSource::Bytes(content.clone()))
        .expect("an answer");
    assert_eq!(response.status(), 200);
    let raw = server.raw_requests().remove(0);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let cua = header(&text, "x-stripe-client-user-agent").expect("the client user agent");
    assert!(cua.starts_with(r#"{"bindings_version":"#), "{cua}");
    let boundary = "stripe-sansio-895151fb5501b5c616ceb00a04e765aa";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"purpose\"\r\n\r\ndispute_evidence\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file_link_data[create]\"\r\n\r\ntrue\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a %22b%22.bin\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&content);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let host = base.trim_start_matches("http://");
    let mut head = vec![
        "POST /v1/files HTTP/1.1".to_owned(),
        // base64("sk_test_123:")
        "authorization: Basic c2tfdGVzdF8xMjM6".to_owned(),
        "accept: application/json".to_owned(),
        format!("content-type: multipart/form-data; boundary={boundary}"),
        format!("content-length: {}", body.len()),
        "idempotency-key: golden-upload-1".to_owned(),
        format!("user-agent: {}", stripe_core::USER_AGENT),
        format!("x-stripe-client-user-agent: {cua}"),
    ];
    // ureq writes `host` first, hyper (under reqwest) after the request's own headers.
    let at = if adapter == Adapter::Ureq {
        1
    } else {
        head.len()
    };
    head.insert(at, format!("host: {host}"));
    let mut expected = head.join("\r\n").into_bytes();
    expected.extend_from_slice(b"\r\n\r\n");
    expected.extend_from_slice(&body);
    assert!(
        raw == expected,
        "[{}] on the wire:\n{}\nexpected:\n{}",
        adapter.name(),
        text,
        String::from_utf8_lossy(&expected)
    );
}

run_on_adapters!(an_upload_on_the_wire_is_these_exact_bytes);
