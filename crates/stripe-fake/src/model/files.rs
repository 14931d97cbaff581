//! Files, as Stripe's files host takes and gives them: uploaded with `POST /v1/files`
//! (`multipart/form-data`: `purpose` and the `file` part, at most the purpose's size; the file
//! object answered), retrieved (`GET /v1/files/{file}`), listed newest first (by `purpose`),
//! and their contents downloaded (`GET /v1/files/{file}/contents`: the bytes as uploaded, with
//! the type they were uploaded with). `file_link_data` is accepted and no link is made.

use serde_json::{Value, json};

use super::Model;
use super::errors::ApiError;
use crate::registry::{Call, Resource, Route};

/// The registry entry of files.
pub(crate) fn resource() -> Resource {
    Resource::new("file")
        .with_prefix("file_")
        .with_route(Route::new("POST /v1/files", create).with_validator(validate_create))
        .with_route(Route::list("GET /v1/files"))
        .with_route(Route::retrieve_live("GET /v1/files/{file}"))
        // Stripe's spec has no contents path: it is the files host's download (the `url` of a
        // file object), answered with the file's bytes, not JSON.
        .with_route(Route::new("GET /v1/files/{file}/contents", contents).with_params(&[]))
        .with_expandable(&["links"])
        .with_list_filters(&["purpose"])
}

const MB: u64 = 1024 * 1024;

/// The largest body a file upload may have: the largest file (16 MB) and room for its parts'
/// headers. A server reads no more of `POST /v1/files`.
pub(crate) const MAX_UPLOAD_BODY: usize = 16 * 1024 * 1024 + 64 * 1024;

/// Stripe's purposes of an upload (its file upload guide): the largest file each takes (its
/// "MB" read as MiB) and whether its files can be downloaded (their object's `url`).
const PURPOSES: &[(&str, u64, bool)] = &[
    ("account_requirement", 16 * MB, false),
    ("additional_verification", 16 * MB, false),
    ("business_icon", MB / 2, true),
    ("business_logo", MB / 2, true),
    ("customer_signature", 4 * MB, true),
    ("dispute_evidence", 5 * MB, true),
    ("identity_document", 16 * MB, false),
    ("pci_document", 16 * MB, true),
    ("tax_document_user_upload", 16 * MB, true),
    ("terminal_reader_splashscreen", 16 * MB, true),
];

/// The purpose's entry, or Stripe's 400.
fn purpose(call: &Call<'_>) -> Result<(&'static str, u64, bool), ApiError> {
    let raw = call
        .params()
        .get("purpose")
        .ok_or_else(|| ApiError::missing("purpose"))?;
    PURPOSES
        .iter()
        .find(|(name, ..)| *name == raw)
        .copied()
        .ok_or_else(|| {
            let names: Vec<&str> = PURPOSES.iter().map(|(name, ..)| *name).collect();
            let message = format!("Invalid purpose: must be one of {}", names.join(", "));
            ApiError::invalid_param("purpose", "parameter_invalid_string", message)
        })
}

fn validate_create(call: &Call<'_>) -> Result<(), ApiError> {
    let (name, max, _) = purpose(call)?;
    let file = call
        .params()
        .file()
        .ok_or_else(|| ApiError::missing("file"))?;
    let size = file.bytes().len() as u64;
    if size > max {
        let message = format!(
            "The file is {size} bytes, larger than the {max} bytes a file of purpose {name} may have."
        );
        return Err(ApiError::invalid_request(message).with_parameter("file"));
    }
    call.params().opt_bool("file_link_data[create]").map(drop)
}

fn create(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    let (purpose, _, downloadable) = purpose(call)?;
    let file = call
        .params()
        .file()
        .ok_or_else(|| ApiError::missing("file"))?;
    let id = model.next_id("file_");
    let filename = file
        .filename()
        .filter(|name| !name.is_empty())
        .unwrap_or(&id);
    let url = downloadable.then(|| format!("https://files.stripe.com/v1/files/{id}/contents"));
    let object = json!({
        "id": id,
        "object": "file",
        "created": call.unix_time(),
        "expires_at": null,
        "filename": filename,
        "links": {"object": "list", "data": [], "has_more": false,
                  "url": format!("/v1/file_links?file={id}")},
        "purpose": purpose,
        "size": file.bytes().len(),
        "title": null,
        "type": kind(filename, file.content_type()),
        "url": url,
    });
    let content_type = file.content_type().unwrap_or("application/octet-stream");
    model.store_contents(&id, content_type, file.bytes().clone());
    model.collection_mut("file")?.insert(object)
}

/// A file's type as Stripe names it (`pdf`, `png`, `jpg`, `csv`): from its name's extension,
/// or its content type.
fn kind(filename: &str, content_type: Option<&str>) -> Option<String> {
    let extension = filename
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase());
    let from_type = content_type.and_then(|t| match t.split(';').next()?.trim() {
        "application/pdf" => Some("pdf"),
        "image/png" => Some("png"),
        "image/jpeg" => Some("jpg"),
        "image/gif" => Some("gif"),
        "text/csv" => Some("csv"),
        _ => None,
    });
    extension
        .filter(|ext| {
            (1..=5).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric())
        })
        .map(|ext| if ext == "jpeg" { "jpg".to_owned() } else { ext })
        .or_else(|| from_type.map(str::to_owned))
}

/// The file's bytes, answered as they were uploaded.
fn contents(model: &mut Model, call: &Call<'_>) -> Result<Value, ApiError> {
    model.collection("file")?.get(call.id())?;
    let (content_type, bytes) = model
        .contents(call.id())
        .cloned()
        .ok_or_else(|| ApiError::no_such("file", call.id(), "id"))?;
    model.answer_bytes(&content_type, bytes);
    Ok(Value::Null)
}
