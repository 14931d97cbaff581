//! Conformance against a fake Stripe nobody here wrote: the npm package `stripe-stateful-mock`
//! (0.0.16), installed by `bash .ci/install-tools` under `target/ci-tools/node`.
//!
//! `source target/ci-tools/env` exports `STRIPE_TEST_NODE_MODULES`. Without it the tests say
//! SKIPPED and pass, except when `CI` is set: then they fail, since CI must install the mock.
//! Each test starts its own mock (`node`, bound to 127.0.0.1, a free port) and kills it when
//! done. Every scenario runs with both drivers, as in `tests/adapters.rs`.

#[macro_use]
mod support;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use serde_json::Value;
use stripe_core::{Advice, Config, IdempotencyKey, Request, Response};
use support::{Adapter, Client, SECRET, fast_policy};

/// Starts the mock's Express app on 127.0.0.1 and a free port, and says where.
const SCRIPT: &str = r#"const m = require("stripe-stateful-mock");
const s = m.createExpressApp().listen(0, "127.0.0.1", () => console.log("listening on http://127.0.0.1:" + s.address().port));"#;

/// A running `stripe-stateful-mock`, killed on drop.
struct Mock {
    child: Child,
    base: String,
}

impl Mock {
    /// Starts a mock, or `None` (after saying SKIPPED) when the tools are not installed and
    /// this is not CI.
    fn start() -> Option<Self> {
        let modules = node_modules()?;
        let mut child = Command::new("node")
            .arg("-e")
            .arg(SCRIPT)
            .env("NODE_PATH", &modules)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run node (NODE_PATH={}): {e}", modules.display()));
        let stdout = child.stdout.take().expect("piped stdout");
        let mut stderr = child.stderr.take().expect("piped stderr");
        // Drain stderr in the background, kept for a startup failure's message.
        let errors = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&errors);
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            sink.lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_str(&text);
        });
        // The first stdout line gives the port; the rest is drained so the pipe never fills.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            for _ in lines {}
        });
        let mock_base = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) => line.strip_prefix("listening on ").map(str::to_owned),
            Err(_) => None,
        };
        let Some(base) = mock_base else {
            let _ = child.kill();
            let _ = child.wait();
            let stderr = errors
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone();
            panic!("stripe-stateful-mock did not start; its stderr:\n{stderr}");
        };
        Some(Self { child, base })
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn node_modules() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("STRIPE_TEST_NODE_MODULES") {
        return Some(PathBuf::from(dir));
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "CI is set but STRIPE_TEST_NODE_MODULES is not: CI must run `bash .ci/install-tools` \
         and `source target/ci-tools/env` before the tests"
    );
    // Straight to stderr, past the test harness's capture: a skip must be seen.
    let _ = writeln!(
        std::io::stderr(),
        "\n*** SKIPPED: STRIPE_TEST_NODE_MODULES not set (run `bash .ci/install-tools && source \
         target/ci-tools/env` to check conformance against stripe-stateful-mock) ***\n"
    );
    None
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn post(path: &str, params: &[(&str, &str)]) -> Request {
    Request::post(path, params).expect("valid params")
}

fn get(path: &str) -> Request {
    Request::get(path).expect("valid path")
}

fn id(response: &Response) -> String {
    response
        .json()
        .and_then(|v| v.get("id"))
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no id in {} {:?}", response.status(), response.bytes()))
        .to_owned()
}

fn ok(client: &Client, request: Request) -> Response {
    let response = client.expect_response(request);
    assert_eq!(
        response.status(),
        200,
        "[{}] {:?}",
        client.name(),
        response.bytes()
    );
    assert_eq!(response.advice(), Advice::Success);
    response
}

/// The ids of a list's `data`.
fn list_ids(response: &Response) -> Vec<String> {
    let json = response.json().expect("a JSON list");
    assert_eq!(json["object"], "list", "{json}");
    json["data"]
        .as_array()
        .expect("data is an array")
        .iter()
        .filter_map(|o| o["id"].as_str().map(str::to_owned))
        .collect()
}

const CHARGE: [(&str, &str); 3] = [
    ("amount", "2000"),
    ("currency", "usd"),
    ("source", "tok_visa"),
];

// ---------------------------------------------------------------------------------------------
// Scenarios

/// A customer, a charge under a key, its replay, and the key reused with other params.
fn customer_charge_replay_and_key_misuse(adapter: Adapter) {
    let Some(mock) = Mock::start() else { return };
    let client = adapter.with(&mock.base, fast_policy());

    let customer = ok(
        &client,
        post(
            "/v1/customers",
            &[("email", "ada@example.com"), ("name", "Ada")],
        ),
    );
    assert!(id(&customer).starts_with("cus_"));
    assert!(
        customer.idempotency_key().is_some(),
        "every POST carries a key"
    );
    assert!(customer.request_id().is_some_and(|r| r.starts_with("req_")));

    let charge = ok(&client, post("/v1/charges", &CHARGE));
    let charge_id = id(&charge);
    assert!(charge_id.starts_with("ch_"), "{charge_id}");
    assert!(!charge.is_replayed());
    assert_eq!(charge.json().expect("json")["amount"], 2000);
    let key: IdempotencyKey = charge.idempotency_key().cloned().expect("the charge's key");

    // The same request with the same key: Stripe's stored answer.
    let replay = ok(
        &client,
        post("/v1/charges", &CHARGE)
            .with_idempotency_key(key.clone())
            .expect("POST takes a key"),
    );
    assert_eq!(id(&replay), charge_id);
    assert!(replay.is_replayed(), "idempotent-replayed: true");
    assert_eq!(replay.attempts(), 1);
    assert_eq!(replay.idempotency_key(), Some(&key));

    // The same key with other params: the request itself is wrong.
    let misuse = client.expect_response(
        post(
            "/v1/charges",
            &[
                ("amount", "3000"),
                ("currency", "usd"),
                ("source", "tok_visa"),
            ],
        )
        .with_idempotency_key(key)
        .expect("POST takes a key"),
    );
    assert_eq!(misuse.status(), 400, "{:?}", misuse.bytes());
    assert_eq!(
        misuse.error().expect("an error object").kind,
        "idempotency_error"
    );
    assert_eq!(misuse.advice(), Advice::NewKeyAfterFix);
    assert_eq!(misuse.attempts(), 1);
}

/// A declined card: 402 `card_error`, advice to wait for the customer.
fn declined_card(adapter: Adapter) {
    let Some(mock) = Mock::start() else { return };
    let client = adapter.with(&mock.base, fast_policy());
    let declined = client.expect_response(post(
        "/v1/charges",
        &[
            ("amount", "2000"),
            ("currency", "usd"),
            ("source", "tok_chargeDeclined"),
        ],
    ));
    assert_eq!(declined.status(), 402, "{:?}", declined.bytes());
    let error = declined.error().expect("an error object");
    assert_eq!(error.kind, "card_error");
    assert_eq!(error.code.as_deref(), Some("card_declined"));
    assert_eq!(declined.advice(), Advice::NewKeyAfterCustomerAction);
    assert_eq!(declined.attempts(), 1, "a 402 is an answer, never retried");
}

/// Created charges show up in the list (a GET with a query string, no key).
fn list_charges(adapter: Adapter) {
    let Some(mock) = Mock::start() else { return };
    let client = adapter.with(&mock.base, fast_policy());
    let first = id(&ok(&client, post("/v1/charges", &CHARGE)));
    let second = id(&ok(&client, post("/v1/charges", &CHARGE)));
    assert_ne!(first, second, "two keys, two charges");
    let list = ok(&client, get("/v1/charges?limit=100"));
    assert_eq!(list.idempotency_key(), None);
    let ids = list_ids(&list);
    assert!(ids.contains(&first) && ids.contains(&second), "{ids:?}");
    assert_eq!(ids.len(), 2, "{ids:?}");
}

/// `Stripe-Account` reaches the mock, per request and from the config: it scopes the objects
/// (and the idempotency keys) to the connected account, and an unknown account is refused.
fn stripe_account_passes_through(adapter: Adapter) {
    let Some(mock) = Mock::start() else { return };
    let client = adapter.with(&mock.base, fast_policy());
    let account = id(&ok(&client, post("/v1/accounts", &[("type", "custom")])));
    assert!(account.starts_with("acct_"), "{account}");

    // Per request.
    let connected = ok(
        &client,
        post("/v1/charges", &CHARGE)
            .with_stripe_account(&account)
            .expect("a valid account header"),
    );
    let connected_charge = id(&connected);
    let platform_list = list_ids(&ok(&client, get("/v1/charges")));
    assert!(
        !platform_list.contains(&connected_charge),
        "the connected account's charge is not the platform's: {platform_list:?}"
    );
    let connected_list = list_ids(&ok(
        &client,
        get("/v1/charges")
            .with_stripe_account(&account)
            .expect("a valid account header"),
    ));
    assert_eq!(connected_list, std::slice::from_ref(&connected_charge));

    // Keys are scoped by account: the connected charge's key, used by the platform, is new.
    let key = connected.idempotency_key().cloned().expect("a key");
    let platform = ok(
        &client,
        post("/v1/charges", &CHARGE)
            .with_idempotency_key(key)
            .expect("POST takes a key"),
    );
    assert!(!platform.is_replayed());
    assert_ne!(id(&platform), connected_charge);

    // From the config.
    let config: Config = Config::builder(SECRET)
        .api_base(&mock.base)
        .policy(fast_policy())
        .stripe_account(&account)
        .build()
        .expect("a valid config");
    let on_behalf = adapter.client(config);
    let listed = list_ids(&ok(&on_behalf, get("/v1/charges")));
    assert_eq!(listed, [connected_charge]);

    // An account the key has no access to.
    let refused = client.expect_response(
        get("/v1/charges")
            .with_stripe_account("acct_doesnotexist0000")
            .expect("a valid account header"),
    );
    assert_eq!(refused.status(), 403, "{:?}", refused.bytes());
    assert_eq!(
        refused.error().expect("an error object").code.as_deref(),
        Some("account_invalid")
    );
    assert_eq!(
        refused.advice(),
        Advice::FixRequest,
        "a GET has no key to renew"
    );
}

run_on_adapters!(
    customer_charge_replay_and_key_misuse,
    declined_card,
    list_charges,
    stripe_account_passes_through,
);
