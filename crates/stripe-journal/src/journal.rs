//! `Journal`: a store, a policy, this process's holder name and the namespace, with the clock
//! and the OS randomness filled in.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use stripe_core::KEY_LIFETIME;

use crate::decide::Policy;
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, StateKind};
use crate::machine::{Rules, Settings};
use crate::open::open_store;
use crate::store::{AsyncStore, Cursor, Store};

/// The journal as a process uses it. Cloning shares the store; share it between threads and
/// tasks. [`Journal::run`] and [`Journal::run_async`] drive a whole operation over a client;
/// [`Journal::recover`] finishes what dead holders left.
#[derive(Clone)]
pub struct Journal {
    store: Arc<dyn Store>,
    #[cfg_attr(not(feature = "async"), allow(dead_code))]
    async_store: Arc<dyn AsyncStore>,
    policy: Policy,
    owner: String,
    namespace: String,
    search_lag: Duration,
    metadata_key: String,
    rules: Rules,
}

/// A rule of the protocol a control run can switch off ([`Journal::without_rule`]).
#[cfg(feature = "control")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// The lease is checked (and renewed) right before each attempt.
    LeaseCheckBeforeSend,
    /// "Absent" leads to a new key only once the old one can never execute again.
    NewKeyOnlyWhenDead,
    /// Unknown outcomes are settled by consistent reads (List), not Search.
    ConsistentReads,
    /// Leases and key ages are judged on the store's clock, not the holder's.
    StoreClock,
}

/// How long Stripe's Search may lag writes (about a minute in live mode, per its docs; up to an
/// hour during incidents). The journal settles with consistent List reads and never trusts
/// Search to say "absent"; this is kept for callers that set it.
pub const DEFAULT_SEARCH_LAG: Duration = Duration::from_secs(60);

/// The metadata key the journal tags created objects with: `metadata[op]=<operation id>` and
/// `metadata[op_ns]=<namespace>`.
pub const DEFAULT_METADATA_KEY: &str = "op";

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("policy", &self.policy)
            .field("owner", &self.owner)
            .field("namespace", &self.namespace)
            .field("metadata_key", &self.metadata_key)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens the store `url` names (see [`open_store`]) with the default policy.
    pub fn open(url: &str) -> Result<Self, JournalError> {
        let (store, async_store) = open_store(url)?;
        Self::with_stores(store, async_store)
    }

    /// A journal over a blocking store (its async primitives run on tokio's blocking pool).
    pub fn new(store: impl Store + 'static) -> Result<Self, JournalError> {
        let store: Arc<dyn Store> = Arc::new(store);
        let async_store = Arc::new(crate::store::OnBlockingPool(Arc::clone(&store)));
        Self::with_stores(store, async_store)
    }

    /// A journal over a store's blocking and async faces (the same store). The holder name is
    /// `pid<pid>-<random>` (unique per process start, so a restarted process never mistakes its
    /// dead predecessor's lease for its own); the namespace is the store's.
    pub fn with_stores(
        store: Arc<dyn Store>,
        async_store: Arc<dyn AsyncStore>,
    ) -> Result<Self, JournalError> {
        let mut r = [0u8; 6];
        stripe_client::fill_from_os(&mut r);
        let owner = format!(
            "pid{}-{:02x}{:02x}{:02x}{:02x}{:02x}{:02x}",
            std::process::id(),
            r[0],
            r[1],
            r[2],
            r[3],
            r[4],
            r[5]
        );
        Ok(Self {
            namespace: store.namespace()?,
            store,
            async_store,
            policy: Policy::default(),
            owner,
            search_lag: DEFAULT_SEARCH_LAG,
            metadata_key: DEFAULT_METADATA_KEY.to_owned(),
            rules: Rules::ALL,
        })
    }

    /// How long Search may lag writes (see [`DEFAULT_SEARCH_LAG`]). Reconciliation reads
    /// consistent Lists and does not wait for it.
    #[must_use]
    pub fn with_search_lag(mut self, lag: Duration) -> Self {
        self.search_lag = lag;
        self
    }

    /// The metadata key created objects are tagged with (default `op`): a POST that creates an
    /// object carries `metadata[<key>]=<operation id>` and `metadata[<key>_ns]=<namespace>`.
    #[must_use]
    pub fn with_metadata_key(mut self, key: impl Into<String>) -> Self {
        self.metadata_key = key.into();
        self
    }

    /// The namespace new intents tag their objects with (default: the store's, made once when
    /// it was created). Two journals on one Stripe account never settle each other's operations
    /// while their namespaces differ. An intent keeps the namespace it was claimed with.
    #[must_use]
    pub fn with_namespace(mut self, namespace: impl Into<String>) -> Self {
        self.namespace = namespace.into();
        self
    }

    /// See [`Journal::with_search_lag`].
    pub fn search_lag(&self) -> Duration {
        self.search_lag
    }

    /// See [`Journal::with_metadata_key`].
    pub fn metadata_key(&self) -> &str {
        &self.metadata_key
    }

    /// See [`Journal::with_namespace`].
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// Sets the timings.
    #[must_use]
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the holder name (unique per live process: two holders with one name would each see
    /// the other's lease as their own).
    #[must_use]
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    /// The timings.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// This process's holder name.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// The store.
    pub fn store(&self) -> &dyn Store {
        self.store.as_ref()
    }

    /// Runs without one of the protocol's rules: for a simulation's control run, which shows
    /// that the simulation finds what the rule prevents. Never in production.
    #[cfg(feature = "control")]
    #[must_use]
    pub fn without_rule(mut self, rule: Rule) -> Self {
        match rule {
            Rule::LeaseCheckBeforeSend => self.rules.gate = false,
            Rule::NewKeyOnlyWhenDead => self.rules.fence = false,
            Rule::ConsistentReads => self.rules.consistent = false,
            Rule::StoreClock => self.rules.store_clock = false,
        }
        self
    }

    #[cfg(feature = "async")]
    pub(crate) fn async_store(&self) -> &dyn AsyncStore {
        self.async_store.as_ref()
    }

    pub(crate) fn settings(&self, config: &stripe_core::Config) -> Settings {
        Settings {
            attempt: config
                .policy()
                .attempt_timeout
                .unwrap_or(Duration::from_secs(80))
                .min(Duration::from_secs(600)),
            owner: self.owner.clone(),
            namespace: self.namespace.clone(),
            metadata_key: self.metadata_key.clone(),
            policy: self.policy,
            search_lag: self.search_lag,
            rules: self.rules,
        }
    }

    /// Settles an intent to reconcile with what the caller found on Stripe (for an endpoint the
    /// journal has no lookup for: [`JournalError::Unreconcilable`]). `NotApplied` is accepted
    /// only once the key can never execute again (rule 3 of the crate docs): before that it is
    /// [`JournalError::WrongState`], and the caller looks again later.
    pub fn resolve(
        &self,
        id: &IntentId,
        resolution: crate::decide::Resolution,
    ) -> Result<(), JournalError> {
        for _ in 0..32 {
            let (row, now) = self.store.load(id)?.into_parts();
            let write =
                crate::decide::resolve(row.as_ref(), id, resolution.clone(), now, &self.policy)?;
            let written = match write {
                crate::decide::Write::Nothing => true,
                crate::decide::Write::Insert(row) => self.store.insert(&row)?,
                crate::decide::Write::Replace { row, expected } => {
                    self.store.compare_and_set(&row, expected)?
                }
            };
            if written {
                return Ok(());
            }
        }
        Err(JournalError::Contention { id: id.clone() })
    }

    /// The intent, if any.
    pub fn load(&self, id: &IntentId) -> Result<Option<Intent>, JournalError> {
        Ok(self.store.load(id)?.row().cloned())
    }

    /// Up to `limit` intents in state `kind`, oldest change first; a row that cannot be read is
    /// its error, and the others are still listed.
    pub fn list(
        &self,
        kind: StateKind,
        limit: usize,
    ) -> Result<Vec<Result<Intent, JournalError>>, JournalError> {
        Ok(self.store.list(kind, &Cursor::start(), limit)?.rows)
    }

    /// The youngest age [`Journal::prune`] accepts: Stripe's key window plus the lease and the
    /// send grace (an intent younger than that may still be resumed or re-delivered).
    pub fn min_prune_age(&self) -> Duration {
        KEY_LIFETIME + self.policy.lease() + self.policy.send_grace()
    }

    /// Deletes done and failed intents unchanged for `age` (the store's clock); never an
    /// in-flight one or one to reconcile, and never younger than [`Journal::min_prune_age`]
    /// ([`JournalError::PruneTooYoung`], nothing deleted).
    pub fn prune(&self, age: Duration) -> Result<u64, JournalError> {
        let minimum = self.min_prune_age();
        if age < minimum {
            return Err(JournalError::PruneTooYoung {
                asked: age,
                minimum,
            });
        }
        let before = self
            .store
            .clock()?
            .checked_sub(age)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        self.store.prune(before)
    }
}
