//! The spec tour's files part: uploads (`multipart/form-data`), retrieval, lists and their
//! errors as Stripe gives them; each JSON answer kept for the schema check. The contents
//! download is not in the spec: `model_files.rs` checks its bytes.

use super::common::{multipart, upload};
use super::{Tour, id, t0};

impl Tour {
    /// An upload, its answer kept as the tour's others.
    fn upload(
        &mut self,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> (u16, serde_json::Value) {
        let resp = self
            .model
            .handle(&upload(multipart(fields, file), None), t0());
        let value: serde_json::Value = serde_json::from_slice(resp.body()).expect("JSON");
        let status = resp.status().as_u16();
        self.answers.push((
            "POST".to_owned(),
            "/v1/files".to_owned(),
            status,
            value.clone(),
        ));
        (status, value)
    }
}

/// Tours the files endpoints.
pub(crate) fn run(t: &mut Tour) {
    let pdf = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <<>> endobj\n";
    let (status, file) = t.upload(
        &[("purpose", "dispute_evidence")],
        Some(("receipt.pdf", "application/pdf", pdf)),
    );
    assert_eq!(status, 200, "{file}");
    let evidence = id(&file);
    let (status, file) = t.upload(
        &[
            ("purpose", "identity_document"),
            ("file_link_data[create]", "false"),
        ],
        Some(("passport.png", "image/png", b"\x89PNG\r\n\x1a\n")),
    );
    assert_eq!(status, 200, "{file}");
    t.ok("GET", &format!("/v1/files/{evidence}"), "");
    t.ok(
        "GET",
        &format!("/v1/files/{}?expand[]=links", id(&file)),
        "",
    );
    t.ok("GET", "/v1/files?purpose=dispute_evidence&limit=2", "");
    t.ok("GET", "/v1/files", "");
    t.fails("GET", "/v1/files/file_missing", "", 404);
    t.fails("GET", "/v1/files?purpose=dispute_evidence&limit=0", "", 400);
    for (fields, file) in [
        (&[][..], Some(("a.pdf", "application/pdf", &pdf[..]))),
        (&[("purpose", "dispute_evidence")][..], None),
        (
            &[("purpose", "horoscope")][..],
            Some(("a.pdf", "application/pdf", &pdf[..])),
        ),
        (
            &[("purpose", "business_logo")][..],
            Some(("big.png", "image/png", &[0u8; 600 * 1024][..])),
        ),
        (
            &[("purpose", "dispute_evidence"), ("colour", "red")][..],
            Some(("a.pdf", "application/pdf", &pdf[..])),
        ),
    ] {
        let (status, answer) = t.upload(fields, file);
        assert_eq!(status, 400, "{answer}");
    }
}
