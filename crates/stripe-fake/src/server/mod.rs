//! A loopback HTTP/1.1 server around the [`Model`] and a [`FaultPlan`].
//!
//! It runs its own single-threaded tokio runtime on a background thread, so it works the same
//! from blocking tests and from inside `#[tokio::test]`s. Connections are kept alive and served
//! concurrently, so Stripe's 409 for a key in flight is real (a `delay_ms` fault holds the key
//! while it waits). Dropping the [`ServerHandle`] stops the server and joins its thread.
//!
//! Besides `/v1/...`, it answers admin endpoints (never faulted, never authenticated):
//! - `POST /_fake/plan`: a JSON fault plan replaces the current one (200, or 400 with a message);
//! - `GET /_fake/log`: the request log as a JSON array of [`LogEntry`];
//! - `GET /_fake/counts`: object counts (`customers`, `charges`, `successful_charges`, ...);
//! - `POST /_fake/clock`: `{"advance_secs": N}` moves the model's clock forward;
//! - `POST /_fake/payment_intents/{id}/authenticate`, `POST /_fake/setup_intents/{id}/authenticate`:
//!   `{"outcome": "succeed"|"fail"}` answers an intent's 3D Secure challenge as its cardholder
//!   would ([`Model::complete_challenge`](crate::model::Model::complete_challenge)); the intent,
//!   or Stripe's error;
//! - `GET /_fake/checkout/sessions/{id}`: a Checkout Session's page (its `url`): the session
//!   with its line items;
//! - `POST /_fake/checkout/sessions/{id}/complete`: `{"payment_method": "pm_card_visa" |
//!   "tok_visa" | "pm_...", "email": "...", "name": "..."}` pays as its customer would
//!   ([`Model::complete_checkout_session`](crate::model::Model::complete_checkout_session)); the
//!   session, or Stripe's error;
//! - `POST /_fake/webhooks`: a JSON [`WebhookConfig`] (URL, `whsec_...` secret, faults) from
//!   which on every event the fake records is signed and POSTed (see [`webhooks`]), one at a
//!   time in the order they were recorded (a `late` fault's event aside).

mod checkout;
mod service;
pub mod webhooks;

pub use webhooks::{WebhookConfig, WebhookEvents, WebhookFault, WebhookFaultKind};

use std::io::{self, Write};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, TcpListener as StdListener};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use crate::fault::FaultPlan;
use crate::model::{Kind, LogEntry, Model};
use crate::registry::Registry;

/// How to start a server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// Address to bind (default `127.0.0.1`).
    pub host: IpAddr,
    /// Port to bind; 0 (the default) picks a free one.
    pub port: u16,
    /// The initial fault plan (default: none).
    pub plan: FaultPlan,
    /// Seed of the model's identifiers. The default is a fresh random seed per
    /// `ServerOptions::default()`, so a restarted fake does not hand out the ids it handed out
    /// before (which a durable journal may remember); set it (binary: `--seed`) to get the same
    /// ids run after run. [`ServerHandle::seed`] tells the one in use.
    pub seed: u64,
    /// Where to POST the events the model records (none by default).
    pub webhook: Option<WebhookConfig>,
    /// How far Search trails writes, in the model's clock (default zero); see
    /// [`Model::set_search_lag`]. Lists and retrieves are never behind.
    pub search_lag: Duration,
    /// The resources served (default: the built-in ones); see [`crate::registry`] to add one.
    pub registry: Registry,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            plan: FaultPlan::new(),
            seed: crate::ids::random_seed(),
            webhook: None,
            search_lag: Duration::ZERO,
            registry: Registry::builtin(),
        }
    }
}

/// State shared by the handle and the server's tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    model: Mutex<Model>,
    plan: Mutex<FaultPlan>,
    clock_offset: Mutex<Duration>,
    connections: AtomicU64,
    /// Bumped each time the model handles a request (for `deliver_late`).
    handled: watch::Sender<u64>,
    webhook: Mutex<Option<WebhookConfig>>,
    /// How many of the model's events, and of its v2 events, were handed to webhook delivery
    /// (or passed over).
    events_dispatched: Mutex<(usize, usize)>,
    /// The queue of deliveries made one after the other, in the order the events were recorded.
    deliveries: tokio::sync::mpsc::UnboundedSender<webhooks::Delivery>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock would be a bug elsewhere; the data stays usable.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    pub(crate) fn model(&self) -> MutexGuard<'_, Model> {
        lock(&self.model)
    }

    pub(crate) fn plan(&self) -> MutexGuard<'_, FaultPlan> {
        lock(&self.plan)
    }

    /// The model's clock: the wall clock plus any advance.
    pub(crate) fn now(&self) -> SystemTime {
        SystemTime::now() + *lock(&self.clock_offset)
    }

    pub(crate) fn advance(&self, by: Duration) {
        let mut offset = lock(&self.clock_offset);
        *offset = offset.saturating_add(by);
    }

    pub(crate) fn bump_handled(&self) {
        self.handled.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub(crate) fn set_webhook(&self, config: Option<WebhookConfig>) {
        *lock(&self.webhook) = config;
    }

    /// Hands the events recorded since the last call to webhook delivery (on the current
    /// tokio runtime). Call without holding the model's lock.
    pub(crate) fn dispatch_events(&self) {
        let wanted = lock(&self.webhook).as_ref().map(WebhookConfig::events);
        let (snapshots, v2_events) = {
            let model = self.model();
            let mut sent = lock(&self.events_dispatched);
            // Copies only of what is sent: a test clock's advance may record many events.
            let snapshots = if wanted.is_some_and(WebhookEvents::snapshot) {
                model.events_from(sent.0)
            } else {
                Vec::new()
            };
            let v2_events = if wanted.is_some_and(WebhookEvents::thin) {
                model.v2_events().get(sent.1..).unwrap_or_default().to_vec()
            } else {
                Vec::new()
            };
            *sent = (model.count(Kind::Event), model.v2_events().len());
            (snapshots, v2_events)
        };
        let mut config = lock(&self.webhook);
        let Some(config) = config.as_mut() else {
            return;
        };
        let wanted = config.events();
        let snapshots = snapshots.into_iter().filter(|_| wanted.snapshot());
        let thin = v2_events
            .iter()
            .filter(|_| wanted.thin())
            .map(webhooks::thin_notification);
        for event in snapshots.chain(thin) {
            let kind = event["type"].as_str().unwrap_or_default().to_owned();
            let (copies, delay) = match config.take_fault(&kind) {
                Some(WebhookFaultKind::Duplicate) => (2, Duration::ZERO),
                Some(WebhookFaultKind::Late { ms }) => (1, Duration::from_millis(ms)),
                None => (1, Duration::ZERO),
            };
            for _ in 0..copies {
                let delivery = webhooks::Delivery::new(config, event.clone());
                if delay.is_zero() {
                    // In order, after the events before it.
                    let _ = self.deliveries.send(delivery);
                } else {
                    // On its own: later events overtake it.
                    tokio::spawn(delivery.send_after(delay));
                }
            }
        }
    }
}

/// A running server; stops when dropped.
#[derive(Debug)]
pub struct ServerHandle {
    addr: SocketAddr,
    seed: u64,
    shared: Arc<Shared>,
    shutdown: watch::Sender<bool>,
    thread: Option<JoinHandle<()>>,
}

/// Starts a server on `127.0.0.1` with a free port and no faults.
pub fn start() -> io::Result<ServerHandle> {
    start_with(ServerOptions::default())
}

/// Starts a server with these options.
pub fn start_with(options: ServerOptions) -> io::Result<ServerHandle> {
    let listener = StdListener::bind((options.host, options.port))?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let listener = {
        let _context = runtime.enter();
        tokio::net::TcpListener::from_std(listener)?
    };
    let (handled, _) = watch::channel(0);
    let (deliveries, queue) = tokio::sync::mpsc::unbounded_channel();
    runtime.spawn(webhooks::deliver_in_order(queue));
    let seed = options.seed;
    let mut model = Model::with_registry(options.seed, options.registry);
    model.set_search_lag(options.search_lag);
    model.set_base_url(format!("http://{addr}"));
    let shared = Arc::new(Shared {
        model: Mutex::new(model),
        plan: Mutex::new(options.plan),
        clock_offset: Mutex::new(Duration::ZERO),
        connections: AtomicU64::new(0),
        handled,
        webhook: Mutex::new(options.webhook),
        events_dispatched: Mutex::new((0, 0)),
        deliveries,
    });
    let (shutdown, stop) = watch::channel(false);
    let task_shared = Arc::clone(&shared);
    let thread = std::thread::Builder::new()
        .name(format!("stripe-fake-{}", addr.port()))
        .spawn(move || {
            runtime.block_on(service::accept_loop(listener, task_shared, stop));
            // Dropping the runtime cancels every connection task (hanging ones included).
            drop(runtime);
        })?;
    Ok(ServerHandle {
        addr,
        seed,
        shared,
        shutdown,
        thread: Some(thread),
    })
}

impl ServerHandle {
    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The seed of the model's identifiers: the same seed gives the same ids for the same
    /// requests.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Replaces the fault plan.
    pub fn set_plan(&self, plan: FaultPlan) {
        *self.shared.plan() = plan;
    }

    /// A copy of the current fault plan (with the remaining `times`).
    pub fn plan(&self) -> FaultPlan {
        self.shared.plan().clone()
    }

    /// A copy of the request log.
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.model().log().to_vec()
    }

    /// Runs a closure on the model (for inspection or direct set-up).
    pub fn with_model<R>(&self, f: impl FnOnce(&mut Model) -> R) -> R {
        f(&mut self.shared.model())
    }

    /// Number of objects of a kind.
    pub fn count(&self, kind: Kind) -> usize {
        self.shared.model().count(kind)
    }

    /// Number of charges that succeeded.
    pub fn successful_charges(&self) -> usize {
        self.shared.model().successful_charges()
    }

    /// Number of TCP connections accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Sets (or clears) where the events are POSTed.
    pub fn set_webhook(&self, config: Option<WebhookConfig>) {
        self.shared.set_webhook(config);
    }

    /// Moves the model's clock forward (e.g. 24 h to expire idempotency keys).
    pub fn advance_clock(&self, by: Duration) {
        self.shared.advance(by);
    }

    /// Stops the server and waits for its thread.
    pub fn stop(mut self) {
        self.shutdown_and_join();
    }

    /// Blocks until the server stops (it only stops when the handle is dropped, so this serves
    /// forever: used by [`run_foreground`]).
    pub fn wait(mut self) {
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    fn shutdown_and_join(&mut self) {
        self.shutdown.send_replace(true);
        if let Some(thread) = self.thread.take() {
            // The thread only returns; a join error would mean it panicked, nothing to do then.
            let _ = thread.join();
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        self.shutdown_and_join();
    }
}

/// Starts a server, prints `listening on http://HOST:PORT` as the first stdout line and
/// `seed N` (the seed of its ids, to pass as `--seed` for the same ids again) as the second
/// (flushed), and serves until the process is killed.
pub fn run_foreground(options: ServerOptions) -> io::Result<()> {
    let handle = start_with(options)?;
    // Both lines in one write: a parent that reads the first line and closes the pipe must not
    // make the second one fail.
    let lines = format!(
        "listening on {}\nseed {}\n",
        handle.base_url(),
        handle.seed()
    );
    let mut out = io::stdout().lock();
    out.write_all(lines.as_bytes())?;
    out.flush()?;
    drop(out);
    handle.wait();
    Ok(())
}
