//! `stripe-cli upload` and `get --output` through the binary, on both adapters: a file
//! uploaded from disk to the fake's files host and its contents written back to a file, byte
//! for byte; an answer that is not a 2xx, or one past `--max-bytes`, leaves no file behind; a
//! FILE that cannot be read, or an upload without `--purpose`, sends nothing.

mod common;

use std::path::PathBuf;

use common::{cli, cli_at, code, json, line_value, stderr, stdout};

/// A path of this test's own under the temporary directory.
fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("stripe-cli-files-{}-{name}", std::process::id()))
}

/// Bytes no text encoding keeps.
fn binary(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 256) as u8).collect()
}

fn upload_and_download_round_trip(adapter: &str) {
    let fake = stripe_fake::server::start().expect("the fake starts");
    let base = fake.base_url();
    let input = temp(&format!("{adapter}-in.pdf"));
    let output = temp(&format!("{adapter}-out.pdf"));
    let data = binary(700_000);
    std::fs::write(&input, &data).expect("write the input");
    let input_text = input.to_string_lossy().into_owned();
    let o = cli_at(
        &fake,
        &[
            "--adapter",
            adapter,
            "--files-base",
            &base,
            "upload",
            "--purpose",
            "dispute_evidence",
            &input_text,
            "-d",
            "file_link_data[create]=false",
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let file = json(&o);
    assert_eq!(file["size"], data.len());
    assert_eq!(file["type"], "pdf");
    assert!(
        line_value(&o, "idempotency-key").is_some(),
        "{}",
        stderr(&o)
    );
    let id = file["id"].as_str().expect("an id");
    let path = format!("/v1/files/{id}/contents");
    let output_text = output.to_string_lossy().into_owned();
    let o = cli_at(
        &fake,
        &[
            "--adapter",
            adapter,
            "--files-base",
            &base,
            "get",
            &path,
            "--output",
            &output_text,
        ],
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stdout(&o).is_empty(),
        "the body went to the file: {}",
        stdout(&o)
    );
    assert_eq!(
        line_value(&o, "written"),
        Some(format!("{} bytes to {output_text}", data.len()))
    );
    assert!(std::fs::read(&output).expect("the output") == data);
    // Past --max-bytes: exit 3, no file left.
    let o = cli_at(
        &fake,
        &[
            "--adapter",
            adapter,
            "--files-base",
            &base,
            "get",
            &path,
            "-o",
            &output_text,
            "--max-bytes",
            "1000",
        ],
    );
    assert_eq!(code(&o), 3, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("larger than 1000 bytes"),
        "{}",
        stderr(&o)
    );
    assert!(!output.exists());
    // A missing file: the 404 on stdout, exit 1, no file left.
    let o = cli_at(
        &fake,
        &[
            "--adapter",
            adapter,
            "--files-base",
            &base,
            "get",
            "/v1/files/file_nope/contents",
            "-o",
            &output_text,
        ],
    );
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert_eq!(json(&o)["error"]["code"], "resource_missing");
    assert!(!output.exists());
    let _ = std::fs::remove_file(&input);
}

#[test]
fn upload_and_get_output_round_trip_on_ureq() {
    upload_and_download_round_trip("ureq");
}

#[test]
fn upload_and_get_output_round_trip_on_reqwest() {
    upload_and_download_round_trip("reqwest");
}

#[test]
fn the_embedded_fake_serves_uploads_too() {
    let input = temp("embedded.txt");
    std::fs::write(&input, b"hello\n").expect("write the input");
    let o = cli(&[
        "upload",
        "--purpose",
        "tax_document_user_upload",
        &input.to_string_lossy(),
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(json(&o)["size"], 6);
    let _ = std::fs::remove_file(&input);
}

#[test]
fn an_unreadable_file_or_no_purpose_sends_nothing() {
    let fake = stripe_fake::server::start().expect("the fake starts");
    let base = fake.base_url();
    let missing = temp("missing.pdf");
    let missing = missing.to_string_lossy();
    let o = cli_at(
        &fake,
        &[
            "--files-base",
            &base,
            "upload",
            "--purpose",
            "pci_document",
            &missing,
        ],
    );
    assert_eq!(code(&o), 2, "{}", stderr(&o));
    assert!(stderr(&o).contains("cannot read"), "{}", stderr(&o));
    let o = cli_at(&fake, &["--files-base", &base, "upload", &missing]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("--purpose"), "{}", stderr(&o));
    let o = cli_at(&fake, &["post", "/v1/customers", "--output", "x"]);
    assert_eq!(code(&o), 2);
    assert!(fake.log().is_empty(), "{:?}", fake.log());
}
