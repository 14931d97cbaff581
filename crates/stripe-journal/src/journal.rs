//! `Journal`: a store, a policy and this process's holder name, with the clock and the OS
//! randomness filled in.

use std::sync::{Arc, mpsc};
use std::time::{Duration, SystemTime};

use crate::decide::{BeginInput, BeginOptions, Begun, CallResult, Claim, Policy, Resolution};
use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
use crate::intent::{Intent, IntentId, SavedRequest, State, StateKind};
use crate::open::open_store;
use crate::store::Store;

/// The journal as a process uses it. Cloning shares the store; share it between threads.
/// [`Journal::run`] and [`Journal::run_async`] drive a whole operation over a client; the
/// methods below them are the steps, for callers that drive calls themselves.
#[derive(Clone)]
pub struct Journal {
    store: Arc<dyn Store>,
    policy: Policy,
    owner: String,
    search_lag: Duration,
    metadata_key: String,
}

/// How long Stripe's Search may lag writes (about a minute in live mode, per its docs).
pub const DEFAULT_SEARCH_LAG: Duration = Duration::from_secs(60);

/// The metadata key the journal tags created objects with: `metadata[op]=<operation id>`.
pub const DEFAULT_METADATA_KEY: &str = "op";

impl std::fmt::Debug for Journal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("policy", &self.policy)
            .field("owner", &self.owner)
            .field("search_lag", &self.search_lag)
            .field("metadata_key", &self.metadata_key)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens the store `url` names (see [`open_store`]) with the default policy.
    pub fn open(url: &str) -> Result<Self, JournalError> {
        Ok(Self::new(open_store(url)?))
    }

    /// A journal over `store`, holder name `pid<pid>-<random>` (unique per process start, so a
    /// restarted process never mistakes its dead predecessor's lease for its own).
    pub fn new(store: Box<dyn Store>) -> Self {
        let r = random10();
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
        Self {
            store: Arc::from(store),
            policy: Policy::default(),
            owner,
            search_lag: DEFAULT_SEARCH_LAG,
            metadata_key: DEFAULT_METADATA_KEY.to_owned(),
        }
    }

    /// How old an intent to reconcile must be before Search settles it (default 60 s: Search
    /// lags writes by up to about a minute in live mode). Tests against a fake without lag set
    /// zero. Retrieves (confirm, capture, cancel) do not wait.
    #[must_use]
    pub fn with_search_lag(mut self, lag: Duration) -> Self {
        self.search_lag = lag;
        self
    }

    /// The metadata key created objects are tagged with (default `op`): a POST that creates an
    /// object carries `metadata[<key>]=<operation id>`, which Search finds.
    #[must_use]
    pub fn with_metadata_key(mut self, key: impl Into<String>) -> Self {
        self.metadata_key = key.into();
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

    /// Sets the timings.
    #[must_use]
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the holder name (unique per live process: two holders with one name would each see
    /// the other's lease as busy, never as their own).
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

    /// Begins operation `id` for the request with `fingerprint`: see the crate docs' table.
    pub fn begin(
        &self,
        id: &IntentId,
        fingerprint: Fingerprint,
        options: BeginOptions,
    ) -> Result<Begun, JournalError> {
        let input = BeginInput::new(id, fingerprint, &self.owner, SystemTime::now(), random10())
            .with_options(options);
        self.store.begin(&input, &self.policy)
    }

    /// Begins operation `id`, saving `request` with the claim so that recovery can re-send it.
    pub fn begin_saved(
        &self,
        id: &IntentId,
        fingerprint: Fingerprint,
        request: SavedRequest,
        options: BeginOptions,
    ) -> Result<Begun, JournalError> {
        let input = BeginInput::new(id, fingerprint, &self.owner, SystemTime::now(), random10())
            .with_options(options)
            .with_request(request);
        self.store.begin(&input, &self.policy)
    }

    /// Marks the held intent sent. Optional: [`Journal::run`] does not (a claimed intent
    /// counts as possibly sent), which saves a durable write per call.
    pub fn mark_sent(&self, claim: &Claim) -> Result<Claim, JournalError> {
        self.store.mark_sent(claim, SystemTime::now(), &self.policy)
    }

    /// Renews the held intent's lease (every third of the lease while a call runs).
    pub fn renew(&self, claim: &Claim) -> Result<Claim, JournalError> {
        self.store.renew(claim, SystemTime::now(), &self.policy)
    }

    /// Runs `call` (the request) while a helper thread renews the claim's lease every third
    /// of the lease (a call shorter than that writes nothing more). Returns what `call` returned and the claim as last renewed, or the error
    /// that stopped the renewals (a [`JournalError::LeaseLost`] means another holder took over:
    /// its record will fail, and the new holder resumes with the same key).
    pub fn with_renewal<R>(
        &self,
        claim: &Claim,
        call: impl FnOnce(&Claim) -> R,
    ) -> (R, Result<Claim, JournalError>) {
        let period = crate::run::renewal_period(self.policy.lease());
        let (stop, stopped) = mpsc::channel::<()>();
        std::thread::scope(|scope| {
            let renewer = scope.spawn(move || {
                let mut current = claim.clone();
                loop {
                    match stopped.recv_timeout(period) {
                        Err(mpsc::RecvTimeoutError::Timeout) => match self.renew(&current) {
                            Ok(renewed) => current = renewed,
                            Err(e) => return Err(e),
                        },
                        Ok(()) | Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(current),
                    }
                }
            });
            let out = call(claim);
            // The renewer ends on this message, or on the channel closing if it is gone.
            let _ = stop.send(());
            let renewed = renewer
                .join()
                .unwrap_or_else(|_| Err(JournalError::Store("the lease renewer panicked".into())));
            (out, renewed)
        })
    }

    /// Releases the held intent without an outcome: the next `begin` resumes it at once.
    pub fn release(&self, claim: &Claim) -> Result<(), JournalError> {
        self.store.release(claim, SystemTime::now())
    }

    /// Records how the call ended.
    pub fn record(&self, claim: &Claim, result: CallResult) -> Result<State, JournalError> {
        self.store.record(claim, result, SystemTime::now())
    }

    /// Settles an intent to reconcile.
    pub fn resolve(&self, id: &IntentId, resolution: Resolution) -> Result<(), JournalError> {
        self.store.resolve(id, resolution, SystemTime::now())
    }

    /// The intent, if any.
    pub fn load(&self, id: &IntentId) -> Result<Option<Intent>, JournalError> {
        self.store.load(id)
    }

    /// Up to `limit` intents in state `kind`.
    pub fn list(&self, kind: StateKind, limit: usize) -> Result<Vec<Intent>, JournalError> {
        self.store.list(kind, limit)
    }

    /// Takes over up to `limit` intents whose holders died (see [`Store::recover`]); the
    /// caller then sends each `Proceed` with its key. [`Journal::recover`] does all of it.
    pub fn take_over_abandoned(
        &self,
        limit: usize,
    ) -> Result<Vec<(IntentId, Begun)>, JournalError> {
        self.store
            .recover(&self.owner, SystemTime::now(), &self.policy, limit)
    }

    /// Deletes done and failed intents unchanged for `age`; never an in-flight one.
    pub fn prune(&self, age: Duration) -> Result<u64, JournalError> {
        let before = SystemTime::now()
            .checked_sub(age)
            .unwrap_or(SystemTime::UNIX_EPOCH);
        self.store.prune(before)
    }
}

/// Ten random bytes from the OS (through the workspace's one source of them).
pub(crate) fn random10() -> [u8; 10] {
    let mut bytes = [0u8; 10];
    stripe_client::fill_from_os(&mut bytes);
    bytes
}
