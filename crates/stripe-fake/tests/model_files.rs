//! Files on the fake: an upload (`multipart/form-data`) is one file object whose contents
//! download as the bytes uploaded; the same key replays the same file and refuses another;
//! purposes cap sizes as Stripe's guide says; a malformed body is a 400; the server refuses a
//! body over the largest file with a 413 before the model sees it.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;

use common::{BOUNDARY, get, json, multipart, ok, t0, upload};
use stripe_fake::Model;

/// Bytes no text encoding would keep: every value, twice.
fn binary() -> Vec<u8> {
    (0..512u32).map(|i| (i % 256) as u8).collect()
}

#[test]
fn an_upload_is_a_file_whose_contents_download_as_uploaded() {
    let mut model = Model::new(7);
    let bytes = binary();
    let body = multipart(
        &[("purpose", "dispute_evidence")],
        Some(("scan \"1\".pdf", "application/pdf", &bytes)),
    );
    let file = ok(&mut model, &upload(body, Some("k-1")));
    let id = file["id"].as_str().expect("an id");
    assert!(id.starts_with("file_"), "{file}");
    assert_eq!(file["object"], "file");
    assert_eq!(file["purpose"], "dispute_evidence");
    assert_eq!(file["size"], 512);
    assert_eq!(file["filename"], "scan \"1\".pdf");
    assert_eq!(file["type"], "pdf");
    assert_eq!(
        file["url"],
        format!("https://files.stripe.com/v1/files/{id}/contents")
    );
    assert_eq!(ok(&mut model, &get(&format!("/v1/files/{id}"))), file);
    let contents = model.handle(&get(&format!("/v1/files/{id}/contents")), t0());
    assert_eq!(contents.status(), 200);
    assert_eq!(
        common::header(&contents, "content-type"),
        Some("application/pdf")
    );
    assert_eq!(&contents.body()[..], &bytes[..]);
    assert_eq!(model.file_contents(id), Some(&bytes[..]));
}

#[test]
fn a_retried_upload_with_its_key_is_the_same_file_and_another_upload_under_it_is_refused() {
    let mut model = Model::new(8);
    let send = |model: &mut Model, bytes: &[u8]| {
        let body = multipart(
            &[("purpose", "tax_document_user_upload")],
            Some(("t.csv", "text/csv", bytes)),
        );
        model.handle(&upload(body, Some("k-same")), t0())
    };
    let first = send(&mut model, b"a,b\n1,2\n");
    let again = send(&mut model, b"a,b\n1,2\n");
    assert_eq!(first.body(), again.body());
    assert_eq!(common::header(&again, "idempotent-replayed"), Some("true"));
    assert_eq!(model.objects("file").len(), 1);
    let other = send(&mut model, b"a,b\n1,3\n");
    assert_eq!(other.status(), 400);
    assert_eq!(json(&other)["error"]["type"], "idempotency_error");
    assert_eq!(model.objects("file").len(), 1);
}

#[test]
fn purposes_cap_the_size_and_a_purpose_and_a_file_are_required() {
    let mut model = Model::new(9);
    let logo = vec![7u8; 512 * 1024];
    let at_limit = multipart(
        &[("purpose", "business_logo")],
        Some(("logo.png", "image/png", &logo)),
    );
    assert_eq!(ok(&mut model, &upload(at_limit, None))["size"], 512 * 1024);
    let over = [&logo[..], b"!"].concat();
    let cases = [
        (
            multipart(
                &[("purpose", "business_logo")],
                Some(("logo.png", "image/png", &over)),
            ),
            "file",
        ),
        (multipart(&[("purpose", "business_logo")], None), "file"),
        (
            multipart(&[], Some(("logo.png", "image/png", b"x"))),
            "purpose",
        ),
        (
            multipart(
                &[("purpose", "horoscope")],
                Some(("logo.png", "image/png", b"x")),
            ),
            "purpose",
        ),
        (
            multipart(
                &[("purpose", "business_logo"), ("colour", "red")],
                Some(("logo.png", "image/png", b"x")),
            ),
            "colour",
        ),
    ];
    for (body, param) in cases {
        let resp = model.handle(&upload(body, None), t0());
        assert_eq!(resp.status(), 400, "{param}: {:?}", resp.body());
        assert_eq!(json(&resp)["error"]["param"], param);
    }
    assert_eq!(model.objects("file").len(), 1);
}

#[test]
fn a_malformed_multipart_body_is_a_400_and_creates_nothing() {
    let mut model = Model::new(10);
    let whole = multipart(
        &[("purpose", "pci_document")],
        Some(("q.pdf", "application/pdf", b"%PDF")),
    );
    let cut = whole[..whole.len() - 20].to_vec();
    for body in [cut, b"no boundary at all".to_vec()] {
        let resp = model.handle(&upload(body, None), t0());
        assert_eq!(resp.status(), 400);
        let message = json(&resp)["error"]["message"].to_string();
        assert!(message.contains("multipart"), "{message}");
    }
    assert!(model.objects("file").is_empty());
}

#[test]
fn lists_filter_by_purpose_newest_first_and_contents_of_no_file_are_a_404() {
    let mut model = Model::new(11);
    let mut ids = Vec::new();
    for purpose in ["dispute_evidence", "pci_document", "dispute_evidence"] {
        let body = multipart(
            &[("purpose", purpose)],
            Some(("f.pdf", "application/pdf", b"%")),
        );
        ids.push(ok(&mut model, &upload(body, None))["id"].clone());
    }
    let list = ok(&mut model, &get("/v1/files?purpose=dispute_evidence"));
    let listed: Vec<_> = list["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|f| f["id"].clone())
        .collect();
    assert_eq!(listed, [ids[2].clone(), ids[0].clone()]);
    let missing = model.handle(&get("/v1/files/file_nope/contents"), t0());
    assert_eq!(missing.status(), 404);
    assert_eq!(json(&missing)["error"]["code"], "resource_missing");
}

/// Sends `body` as an upload to the server and reads the status line and body.
fn raw_upload(base_url: &str, body: &[u8]) -> (u16, String) {
    let mut stream = TcpStream::connect(base_url.trim_start_matches("http://")).expect("connect");
    let head = format!(
        "POST /v1/files HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        common::SECRET,
        body.len()
    );
    stream.write_all(head.as_bytes()).expect("head");
    // The server may answer and close before all of an oversized body is written.
    let _ = stream.write_all(body);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    (status, text)
}

#[test]
fn the_server_takes_a_file_of_16_mb_and_refuses_a_body_past_it_with_a_413() {
    let server = common::start();
    let mib16 = vec![b'x'; 16 * 1024 * 1024];
    let body = multipart(
        &[("purpose", "pci_document")],
        Some(("big.pdf", "application/pdf", &mib16)),
    );
    let (status, text) = raw_upload(&server.base_url(), &body);
    assert_eq!(status, 200, "{}", &text[..text.len().min(400)]);
    let over = multipart(
        &[("purpose", "pci_document")],
        Some((
            "big.pdf",
            "application/pdf",
            &[&mib16[..], &[b'x'; 70 * 1024][..]].concat(),
        )),
    );
    let (status, text) = raw_upload(&server.base_url(), &over);
    assert_eq!(status, 413, "{}", &text[..text.len().min(400)]);
    assert!(text.contains("16 MB"), "{text}");
    assert_eq!(server.with_model(|m| m.objects("file").len()), 1);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2_000))]

    /// Any multipart body, a valid one cut or with a byte changed anywhere, or bytes at random,
    /// is answered (a file or Stripe's 400), never a panic; a 400 makes no file.
    #[test]
    fn any_multipart_body_is_answered(
        cut in 0usize..400,
        flip in proptest::option::of((0usize..400, proptest::prelude::any::<u8>())),
        noise in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
        random in proptest::prelude::any::<bool>(),
    ) {
        let mut body = if random {
            noise
        } else {
            multipart(
                &[("purpose", "dispute_evidence"), ("expand[]", "links")],
                Some(("a \"b\".pdf", "application/pdf", b"%PDF-1.4\r\n--x\r\n")),
            )
        };
        if let Some((at, byte)) = flip {
            let at = at % body.len().max(1);
            if let Some(b) = body.get_mut(at) {
                *b = byte;
            }
        }
        body.truncate(body.len().saturating_sub(cut % 50));
        let mut model = Model::new(12);
        let resp = model.handle(&upload(body, None), t0());
        let status = resp.status().as_u16();
        proptest::prop_assert!(status == 200 || status == 400, "{status}");
        proptest::prop_assert_eq!(model.objects("file").len(), usize::from(status == 200));
    }
}

/// An `expand` the resource does not declare is refused before anything is made (proptest found
/// an upload answered 400 for `expand[]=\0inks` after its file was stored).
#[test]
fn an_expand_that_cannot_be_expanded_is_refused_before_the_file_is_made() {
    let body = multipart(
        &[
            ("purpose", "dispute_evidence"),
            ("expand[]", "nothing_here"),
        ],
        Some(("a.pdf", "application/pdf", b"%PDF-1.4")),
    );
    let mut model = Model::new(12);
    let resp = model.handle(&upload(body, None), t0());
    assert_eq!(resp.status(), 400);
    assert!(
        String::from_utf8_lossy(resp.body()).contains("cannot be expanded (nothing_here)"),
        "{:?}",
        resp.body()
    );
    assert!(model.objects("file").is_empty());
}
