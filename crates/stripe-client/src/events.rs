//! Thin events (feature `webhook`): the request that fetches a notification's event or related
//! object, in the notification's context; both clients send it.

use stripe_core::webhook::Fetch;
use stripe_core::{Error, Request};

/// The GET `fetch` stands for, with the notification's context as `Stripe-Context` (it replaces
/// the configuration's: the event happened in that context).
pub(crate) fn request(fetch: &Fetch<'_>) -> Result<Request, Error> {
    let request = fetch.request()?;
    Ok(match fetch.context() {
        Some(context) => request.with_stripe_context(context)?,
        None => request,
    })
}
