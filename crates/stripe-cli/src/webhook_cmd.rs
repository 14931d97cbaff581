//! `stripe-cli webhook sign|verify`: `Stripe-Signature` headers with `stripe_core::webhook`.

use std::io::Read;
use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use stripe_core::webhook;

use crate::args::{SignArgs, VerifyArgs};
use crate::output::{self, Exit};

/// Reads the payload file (`-` is stdin).
fn payload(file: &Path) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let result = if file == Path::new("-") {
        std::io::stdin().lock().read_to_end(&mut bytes).map(drop)
    } else {
        std::fs::read(file).map(|b| bytes = b)
    };
    result.map_err(|e| format!("cannot read the payload file {}: {e}", file.display()))?;
    Ok(bytes)
}

/// Prints the `Stripe-Signature` header of the payload, signed now or at `--timestamp`.
pub fn sign(args: SignArgs) -> Exit {
    let bytes = match payload(&args.payload_file) {
        Ok(b) => b,
        Err(e) => {
            output::error(&e);
            return Exit::Usage;
        }
    };
    let timestamp = args.timestamp.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    });
    output::out(&webhook::sign(&bytes, &args.secret.0, timestamp));
    Exit::Success
}

/// Checks the payload against the header: prints the event (exit 0) or the reason (exit 1).
pub fn verify(args: VerifyArgs) -> Exit {
    let bytes = match payload(&args.payload_file) {
        Ok(b) => b,
        Err(e) => {
            output::error(&e);
            return Exit::Usage;
        }
    };
    match webhook::verify(
        &bytes,
        &args.header,
        &args.secret.0,
        SystemTime::now(),
        Some(args.tolerance),
    ) {
        Ok(event) => {
            output::err("signature: valid");
            output::out(&output::pretty(&event));
            Exit::Success
        }
        Err(e) => {
            output::error(&format!("invalid webhook: {e}"));
            Exit::Http
        }
    }
}
