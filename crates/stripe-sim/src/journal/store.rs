//! The journal's store in memory, on the simulation's virtual clock: each primitive is atomic
//! and happens at the virtual instant it is performed, as a database's statement would.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stripe_journal::store::{Cursor, Loaded, Page};
use stripe_journal::{FailureAdvice, Intent, IntentId, JournalError, State, StateKind, Store};

/// The virtual wall clock shared by the world and its store, in milliseconds since the epoch.
#[derive(Debug, Clone, Default)]
pub struct VirtualClock(Arc<AtomicU64>);

impl VirtualClock {
    /// A clock reading `at`.
    pub fn new(at: SystemTime) -> Self {
        let clock = Self::default();
        clock.set(at);
        clock
    }
    /// The time.
    pub fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0.load(Ordering::Relaxed))
    }
    /// Sets the time.
    pub fn set(&self, at: SystemTime) {
        let ms = at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis());
        self.0
            .store(u64::try_from(ms).unwrap_or(u64::MAX), Ordering::Relaxed);
    }
}

/// Intents in memory, keyed by id, on a virtual clock.
#[derive(Debug)]
pub struct MemStore {
    rows: Mutex<BTreeMap<IntentId, Intent>>,
    clock: VirtualClock,
    namespace: String,
}

impl MemStore {
    /// An empty store on `clock`, with `namespace`.
    pub fn new(clock: VirtualClock, namespace: impl Into<String>) -> Self {
        Self {
            rows: Mutex::new(BTreeMap::new()),
            clock,
            namespace: namespace.into(),
        }
    }

    /// Every row, in id order.
    pub fn rows(&self) -> Vec<Intent> {
        self.lock().values().cloned().collect()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<IntentId, Intent>> {
        self.rows.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn page(&self, after: &Cursor, limit: usize, keep: impl Fn(&Intent) -> bool) -> Page {
        let mut rows: Vec<Intent> = self
            .lock()
            .values()
            .filter(|r| keep(r) && position(r) > *after)
            .cloned()
            .collect();
        rows.sort_by_key(position);
        rows.truncate(limit);
        Page {
            next: rows.last().map(position),
            rows: rows.into_iter().map(Ok).collect(),
        }
    }
}

fn millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A row's place in cursor order.
fn position(row: &Intent) -> Cursor {
    Cursor::after(millis(row.updated_at()), row.id().scope(), row.id().op_id())
}

impl Store for MemStore {
    fn load(&self, id: &IntentId) -> Result<Loaded, JournalError> {
        Ok(Loaded::new(self.lock().get(id).cloned(), self.clock.now()))
    }

    fn insert(&self, intent: &Intent) -> Result<bool, JournalError> {
        let mut rows = self.lock();
        if rows.contains_key(intent.id()) {
            return Ok(false);
        }
        rows.insert(intent.id().clone(), intent.clone());
        Ok(true)
    }

    fn compare_and_set(&self, row: &Intent, expected: u64) -> Result<bool, JournalError> {
        let mut rows = self.lock();
        match rows.get_mut(row.id()) {
            Some(stored) if stored.version() == expected => {
                *stored = row.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    fn clock(&self) -> Result<SystemTime, JournalError> {
        Ok(self.clock.now())
    }

    fn sweep(&self, now: SystemTime, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        Ok(self.page(after, limit, |r| match r.state() {
            State::Claimed | State::Sent => r.lease().is_none_or(|l| !l.is_live(now)),
            State::ToReconcile(..) => true,
            State::Failed(FailureAdvice::NotApplied, _) => true,
            _ => false,
        }))
    }

    fn list(&self, kind: StateKind, after: &Cursor, limit: usize) -> Result<Page, JournalError> {
        Ok(self.page(after, limit, |r| r.state().kind() == kind))
    }

    fn prune(&self, before: SystemTime) -> Result<u64, JournalError> {
        let mut rows = self.lock();
        let n = rows.len();
        rows.retain(|_, r| {
            !(matches!(r.state().kind(), StateKind::Done | StateKind::Failed)
                && r.updated_at() < before)
        });
        Ok((n - rows.len()) as u64)
    }

    fn namespace(&self) -> Result<String, JournalError> {
        Ok(self.namespace.clone())
    }
}
