//! [`Schedule`]: the faults that a [`crate::SimTransport`]'s attempts meet, in order.

use stripe_fake::Fault;

/// The faults the attempts through a [`crate::SimTransport`] meet, one per attempt in the order
/// they are sent (`None`: that attempt meets no fault); every attempt past the end meets none.
/// `strategy::schedule` (feature `proptest`) generates them; the transport reads them as they
/// are, with each fault's meaning in the crate docs' table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Schedule {
    faults: Vec<Option<Fault>>,
}

impl Schedule {
    /// A schedule of `faults`, the first for the next attempt.
    pub fn new(faults: impl IntoIterator<Item = Option<Fault>>) -> Self {
        Self {
            faults: faults.into_iter().collect(),
        }
    }

    /// No fault at all: a calm network.
    pub fn calm() -> Self {
        Self::default()
    }

    /// The faults, one per attempt.
    pub fn faults(&self) -> &[Option<Fault>] {
        &self.faults
    }

    /// How many attempts the schedule speaks for.
    pub fn len(&self) -> usize {
        self.faults.len()
    }

    /// Whether it speaks for no attempt (a calm network).
    pub fn is_empty(&self) -> bool {
        self.faults.is_empty()
    }
}

impl IntoIterator for Schedule {
    type Item = Option<Fault>;
    type IntoIter = std::vec::IntoIter<Option<Fault>>;

    fn into_iter(self) -> Self::IntoIter {
        self.faults.into_iter()
    }
}

impl From<Vec<Option<Fault>>> for Schedule {
    fn from(faults: Vec<Option<Fault>>) -> Self {
        Self { faults }
    }
}

impl From<&[Option<Fault>]> for Schedule {
    fn from(faults: &[Option<Fault>]) -> Self {
        Self::new(faults.iter().cloned())
    }
}

impl AsRef<[Option<Fault>]> for Schedule {
    fn as_ref(&self) -> &[Option<Fault>] {
        &self.faults
    }
}
