//! Secrets never printed, and the tracing story of failing calls, on every adapter.

#[macro_use]
mod support;

use std::net::TcpListener;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Instant, SystemTime};

use stripe_core::{Action, ErrorKind, Seed, Session, TransportError};
use stripe_fake::{Fault, FaultPlan};
use support::fake::{charge, fake, on_charges, plan};
use support::{Adapter, SECRET, SECRET_MIDDLE, config, fast_policy};

/// The `Authorization` value the core builds for [`SECRET`] (to look for it in outputs), and
/// the Debug of the whole first `Action::Send`.
fn authorization_and_send_debug() -> (String, String) {
    let config = config("http://127.0.0.1:9", fast_policy());
    let (_call, action) = Session::new(config, Seed::from_u64(1))
        .call(charge(), Instant::now(), SystemTime::now())
        .expect("a valid charge");
    let Action::Send { request, .. } = &action else {
        panic!("the first action is a send: {action:?}")
    };
    let value = request.headers()[http::header::AUTHORIZATION]
        .to_str()
        .expect("ASCII")
        .to_owned();
    (value, format!("{action:?}"))
}

fn assert_no_secret(what: &str, text: &str, authorization: &str) {
    let credentials = authorization.trim_start_matches("Basic ");
    for needle in [SECRET, SECRET_MIDDLE, credentials] {
        assert!(!text.contains(needle), "{what} shows a secret: {text}");
    }
}

/// The secret never shows in the Debug/Display of a client, a config, a failed call's error (a
/// transport failure and an exhausted one), a request or the request the core builds.
fn secret_never_printed(adapter: Adapter) {
    let (authorization, send_debug) = authorization_and_send_debug();
    assert!(authorization.starts_with("Basic "));
    assert_no_secret("the Send action", &send_debug, &authorization);

    // Nothing listens on a port that was just released: a transport failure.
    let closed = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let refused = adapter.with(
        &format!("http://127.0.0.1:{closed}"),
        fast_policy().with_max_tries(1),
    );
    let transport = refused.expect_error(charge());
    assert_eq!(
        transport.kind().clone(),
        ErrorKind::Transport(TransportError::Connect),
        "a refused connection surely never left"
    );

    let fake = fake();
    fake.set_plan(plan(on_charges(Fault::status(429)).times(2)));
    let client = adapter.with(&fake.base_url(), fast_policy().with_max_tries(2));
    let exhausted = client.expect_error(charge());
    assert_eq!(exhausted.kind().clone(), ErrorKind::RetriesExhausted);

    let mut outputs = vec![
        ("client Debug", format!("{client:?}")),
        (
            "config Debug",
            format!("{:?}", config(&fake.base_url(), fast_policy())),
        ),
        ("request Debug", format!("{:?}", charge())),
    ];
    for (name, error) in [("transport", &transport), ("exhausted", &exhausted)] {
        outputs.push((name, format!("{error}")));
        outputs.push((name, format!("{error:?}")));
        let mut source = std::error::Error::source(error);
        while let Some(e) = source {
            outputs.push((name, format!("{e} {e:?}")));
            source = e.source();
        }
    }
    for (what, text) in &outputs {
        assert_no_secret(what, text, &authorization);
    }
}

/// A `MakeWriter` into a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Capture {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }
}

/// Everything traced during two failing calls (429 x 3 with max_tries 3, then a dropped
/// connection twice with max_tries 2) tells the story, and never shows a credential.
fn tracing_tells_the_story_without_secrets(adapter: Adapter) {
    use tracing_subscriber::util::SubscriberInitExt as _;

    // tracing caches each callsite's interest process-wide, computed by the first thread to
    // reach it: a sibling test's thread without a subscriber would cache "never" and mute the
    // callsite here too (tokio-rs/tracing#3611). A global subscriber that keeps nothing gives
    // every thread a subscriber, so the cache stays "interested"; ours below is thread-local.
    static GLOBAL: std::sync::Once = std::sync::Once::new();
    GLOBAL.call_once(|| {
        let _ = tracing_subscriber::registry().try_init();
    });
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(capture.clone())
        .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
        .finish();
    // Thread-local: other tests running at the same time do not write here.
    let guard = subscriber.set_default();

    let fake = fake();
    fake.set_plan(
        FaultPlan::new()
            .rule(on_charges(Fault::status(429)).times(3))
            .rule(on_charges(Fault::DropBefore).times(2)),
    );
    let client = adapter.with(&fake.base_url(), fast_policy().with_max_tries(3));
    let exhausted = client.expect_error(charge());
    assert_eq!(exhausted.kind().clone(), ErrorKind::RetriesExhausted);
    let client = adapter.with(&fake.base_url(), fast_policy().with_max_tries(2));
    let dropped = client.expect_error(charge());
    assert_eq!(
        dropped.kind().clone(),
        ErrorKind::Transport(TransportError::Io),
        "{dropped}"
    );
    drop(guard);

    let text = capture.text();
    let request_id = fake.log()[0].request_id.clone();
    for needle in [
        "method=POST",
        "path=/v1/charges",
        "attempt=1",
        "attempt=3",
        "status=429",
        "request_id=",
        request_id.as_str(),
        "sleep_ms=20",
        "advice=RetrySameKey",
        "stripe call failed",
        "stripe attempt got no response",
        "retries exhausted",
    ] {
        assert!(
            text.contains(needle),
            "[{}] no {needle:?} in:\n{text}",
            adapter.name()
        );
    }
    let (authorization, _) = authorization_and_send_debug();
    assert_no_secret("the tracing output", &text, &authorization);
    for needle in ["Authorization", "authorization", "Basic "] {
        assert!(
            !text.contains(needle),
            "[{}] {needle:?} in:\n{text}",
            adapter.name()
        );
    }
    // Shown when the test runs with --nocapture, for a look at the story.
    println!("[{}] tracing output:\n{text}", adapter.name());
}

run_on_adapters!(
    secret_never_printed,
    tracing_tells_the_story_without_secrets
);
