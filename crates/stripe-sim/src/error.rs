//! [`SimError`]: why a simulated attempt got no answer.

use std::fmt;

use stripe_core::TransportError;
use stripe_fake::Fault;

/// Why an attempt through a [`crate::SimTransport`] got no answer: the kind the client's core
/// decides on, and the fault of the schedule that caused it. A client's failed call carries it
/// as its error's [`source`](std::error::Error::source).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimError {
    kind: TransportError,
    fault: Option<Fault>,
}

impl SimError {
    pub(crate) fn new(kind: TransportError, fault: Option<Fault>) -> Self {
        Self { kind, fault }
    }

    /// The kind: [`TransportError::Io`] for a broken connection, [`TransportError::Timeout`]
    /// for no answer within the attempt's time.
    pub fn kind(&self) -> TransportError {
        self.kind
    }

    /// The fault the attempt met (`None`: an answer that came after the attempt's time, with no
    /// fault of its own).
    pub fn fault(&self) -> Option<&Fault> {
        self.fault.as_ref()
    }
}

impl fmt::Display for SimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "simulated network: {}", self.kind)?;
        match &self.fault {
            Some(fault) => write!(f, " (fault {})", fault.name()),
            None => f.write_str(" (no fault: the answer came after the attempt's time)"),
        }
    }
}

impl std::error::Error for SimError {}
