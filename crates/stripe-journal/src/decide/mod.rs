//! The pure decisions: no I/O, no clock; the store's time and the random bytes of a new key are
//! passed in.
//!
//! Each function takes the stored row (or none) and returns what to answer and what to write.
//! The journal's machine applies the write with compare-and-set on the row's version; if it loses
//! the race it reloads the row and decides again, so every decision is applied to the row it was
//! made from. Every time here is the store's clock (the database's for a fleet).

use std::time::SystemTime;

mod claim;
mod held;
mod resolve;
mod types;
pub use claim::{begin, new_key, retry_same_key, take_over};
pub use held::{mark_sent, record, release, renew};
pub(crate) use resolve::resolve_with;
pub use resolve::{key_dead, resolve};
pub use types::{
    BeginInput, BeginOptions, Begun, CallResult, Claim, DEFAULT_SEND_GRACE, Policy, Resolution,
    Write,
};

use crate::intent::Intent;

fn bump(row: &Intent, now: SystemTime) -> Intent {
    let mut next = row.clone();
    next.version = row.version.saturating_add(1);
    next.updated_at = now.max(row.updated_at);
    next
}

fn replace(row: Intent, from: &Intent) -> Write {
    Write::Replace {
        row,
        expected: from.version,
    }
}
