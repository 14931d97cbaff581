//! The PostgreSQL tests' harness: the server is `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/test`). Each test works in a schema of its own, dropped at
//! its end, and finds its own connections by their `application_name`. A missing server fails
//! the run under `CI=true` and prints a loud `SKIPPED` banner elsewhere. Also the tests' client
//! of the fake Stripe and a charge's id read from its run.

use std::io::Write;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use stripe_core::{Backoff, Config, RetryPolicy};
use stripe_fake::server::ServerHandle;
use stripe_journal::{IntentId, Journal, PgStore, Run};
use tokio_postgres::NoTls;

fn url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned())
}

/// A schema of its own for one test (its name is also the application name of the journal's
/// connections), dropped at the end.
pub struct Harness {
    pub url: String,
    pub schema: String,
}

impl Harness {
    /// The URL a journal opens: the test's schema and application name, then `extra`.
    pub fn journal_url(&self, extra: &str) -> String {
        let sep = if self.url.contains('?') { '&' } else { '?' };
        format!(
            "{}{sep}journal_schema={s}&application_name={s}{extra}",
            self.url,
            s = self.schema
        )
    }

    pub fn journal(&self) -> Journal {
        Journal::open(&self.journal_url(""))
            .expect("open the journal")
            .with_search_lag(Duration::ZERO)
    }

    /// A connection of the test's own, driven on the current runtime.
    pub async fn admin(&self) -> tokio_postgres::Client {
        let (client, connection) = tokio_postgres::connect(&self.url, NoTls)
            .await
            .expect("admin connection");
        tokio::spawn(connection);
        client
    }

    /// How many connections the journal has open now.
    pub async fn journal_connections(&self, admin: &tokio_postgres::Client) -> i64 {
        admin
            .query_one(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1",
                &[&self.schema],
            )
            .await
            .and_then(|r| r.try_get(0))
            .expect("pg_stat_activity")
    }

    /// Has the server end every connection of the journal (as a restart or a failover would),
    /// and waits until they are gone.
    pub async fn kill_journal_connections(&self, admin: &tokio_postgres::Client) -> usize {
        let killed = admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
                 WHERE datname = current_database() AND pid <> pg_backend_pid() \
                 AND application_name = $1",
                &[&self.schema],
            )
            .await
            .expect("pg_terminate_backend")
            .len();
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.journal_connections(admin).await > 0 {
            assert!(Instant::now() < deadline, "terminated backends linger");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        killed
    }
}

impl Drop for Harness {
    fn drop(&mut self) {
        // Blocking, and fine inside a runtime: the store's calls run on a thread of its own.
        if let Ok(store) = PgStore::connect(&self.url, &self.schema) {
            let _ = store.drop_schema();
        }
    }
}

/// The test's schema, or `None` (with a banner) when no server is there; under `CI=true` a
/// missing server fails the test.
pub async fn harness(test: &str) -> Option<Harness> {
    let url = url();
    match tokio_postgres::connect(&url, NoTls).await {
        Ok((_client, connection)) => drop(connection),
        Err(e) => {
            let msg = format!("SKIPPED: {test}: no PostgreSQL at DATABASE_URL ({e})");
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "{msg} (CI=true)"
            );
            // Straight to stderr, past the test harness's capture, so the skip is seen.
            let bar = "=".repeat(72);
            let _ = writeln!(std::io::stderr(), "\n{bar}\n{msg}\n{bar}");
            return None;
        }
    }
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let short: String = test.chars().take(24).collect();
    let schema = format!("jt_{}_{nanos}_{short}", std::process::id());
    Some(Harness { url, schema })
}

pub fn config(fake: &ServerHandle) -> Config {
    Config::builder("sk_test_pg")
        .api_base(fake.base_url())
        .policy(
            RetryPolicy::default()
                .with_max_tries(3)
                .with_backoff(Backoff::Fixed(Duration::from_millis(10))),
        )
        .build()
        .expect("config")
}

pub fn charged(run: Run, id: &IntentId) -> String {
    let outcome = run.into_outcome(id).expect("an outcome");
    assert_eq!(outcome.status(), 200, "{}", outcome.body());
    outcome.object_id().expect("a charge id").to_owned()
}
