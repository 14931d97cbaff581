//! The error of a call: invalid input (nothing sent), a failed call (key inside), or an
//! unusable page of a list. The shape lives in the core, shared by both adapters.

/// Why a call gave no [`Response`](crate::Response): the core's
/// [`ClientError`](stripe_core::drive::ClientError) with ureq's error as the transport error.
/// 4xx and 5xx are responses, not errors.
pub type Error = stripe_core::drive::ClientError<ureq::Error>;
