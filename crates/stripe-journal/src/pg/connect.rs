//! Connecting: the URL's settings, TLS, and the pool's manager. Every connection is made and
//! driven on the store's own runtime (see `bridge.rs`), whichever runtime asked for it, so a
//! connection never depends on a caller's runtime staying alive or being polled.

use std::time::Duration;

use deadpool::managed::{self, Metrics, RecycleError, RecycleResult};
use deadpool_postgres::ClientWrapper;
use tokio_postgres::config::SslMode;
use tokio_postgres::{Config, NoTls};

use super::bridge::Spawner;
use crate::error::JournalError;
use crate::open::take_param;

/// The pool's size when the URL names none.
pub const DEFAULT_POOL_SIZE: usize = 16;

/// How long a connection attempt may take when the URL sets no `connect_timeout`.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// What a URL asks for: the driver's configuration, the pool's size and the TLS to use.
pub(super) struct Settings {
    pub(super) config: Config,
    pub(super) pool_size: usize,
    pub(super) tls: Tls,
}

impl Settings {
    /// Reads a `postgres://` URL: `journal_pool_size=N` comes out of it, the rest goes to the
    /// driver. No error repeats the URL (it may hold a password).
    pub(super) fn parse(url: &str) -> Result<Self, JournalError> {
        let (url, size) = take_param(url, "journal_pool_size");
        let pool_size = match size {
            None => DEFAULT_POOL_SIZE,
            Some(n) => n.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| {
                JournalError::InvalidUrl(format!(
                    "journal_pool_size={n:?}: expected a positive integer"
                ))
            })?,
        };
        let mut config: Config = url
            .parse()
            .map_err(|e| JournalError::InvalidUrl(format!("PostgreSQL URL: {e}")))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        let tls = Tls::for_mode(config.get_ssl_mode())?;
        Ok(Self {
            config,
            pool_size,
            tls,
        })
    }
}

/// The TLS of every connection: none (`sslmode` `disable` or `prefer`, the driver's default), or
/// rustls when the URL says `sslmode=require` (feature `postgres-tls`).
#[derive(Clone)]
pub(super) enum Tls {
    None,
    #[cfg(feature = "postgres-tls")]
    Rustls(tokio_postgres_rustls::MakeRustlsConnect),
}

impl Tls {
    fn for_mode(mode: SslMode) -> Result<Self, JournalError> {
        match mode {
            SslMode::Require => Self::rustls(),
            _ => Ok(Self::None),
        }
    }

    #[cfg(feature = "postgres-tls")]
    fn rustls() -> Result<Self, JournalError> {
        use std::sync::Arc;
        // The provider is named, not taken from the process: another crate may have enabled a
        // second one, and then rustls would not know which to use.
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(JournalError::store)?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Ok(Self::Rustls(tokio_postgres_rustls::MakeRustlsConnect::new(
            config,
        )))
    }

    #[cfg(not(feature = "postgres-tls"))]
    fn rustls() -> Result<Self, JournalError> {
        Err(JournalError::InvalidUrl(
            "sslmode=require: this build has no TLS for PostgreSQL (feature `postgres-tls`)".into(),
        ))
    }
}

/// Makes and checks the pool's connections: each is opened and driven on the caller's runtime
/// when that is a multi-thread one, on the store's runtime otherwise.
pub(super) struct Manager {
    config: Config,
    tls: Tls,
    runtime: Spawner,
}

impl Manager {
    pub(super) fn new(settings: &Settings, runtime: Spawner) -> Self {
        Self {
            config: settings.config.clone(),
            tls: settings.tls.clone(),
            runtime,
        }
    }
}

impl std::fmt::Debug for Manager {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password: not shown.
        f.debug_struct("Manager").finish_non_exhaustive()
    }
}

impl managed::Manager for Manager {
    type Type = ClientWrapper;
    type Error = JournalError;

    async fn create(&self) -> Result<ClientWrapper, JournalError> {
        let config = self.config.clone();
        let tls = self.tls.clone();
        let connect = async move {
            match tls {
                Tls::None => {
                    let (client, connection) = config.connect(NoTls).await?;
                    Ok((client, tokio::spawn(drive(connection))))
                }
                #[cfg(feature = "postgres-tls")]
                Tls::Rustls(tls) => {
                    let (client, connection) = config.connect(tls).await?;
                    Ok((client, tokio::spawn(drive(connection))))
                }
            }
        };
        // Opened from a multi-thread runtime, the connection is driven by that runtime's
        // workers, which run it whichever thread or runtime the queries come from: the caller's
        // task and the connection's share a runtime, one thread hop less per query (measured:
        // 0.946-0.951 -> 0.960-0.965 of plain throughput for 4 async workers with a 20 ms round
        // trip). Anywhere else (a current-thread runtime runs only while its thread is inside
        // it; the blocking face) it is driven by the store's own runtime. A connection whose
        // runtime ended is closed, and the pool replaces it.
        let made = if multi_thread_runtime().is_some() {
            connect.await
        } else {
            self.runtime.run(connect).await?
        };
        let (client, task) = made.map_err(|e: tokio_postgres::Error| JournalError::store(e))?;
        Ok(ClientWrapper::new(client, task))
    }

    async fn recycle(
        &self,
        client: &mut ClientWrapper,
        _: &Metrics,
    ) -> RecycleResult<JournalError> {
        // A closed connection (the server ended it, the network dropped it) is never handed out
        // again: the pool makes a new one. A live one is reused without a round trip.
        if client.is_closed() {
            return Err(RecycleError::message("connection closed"));
        }
        Ok(())
    }
}

/// The multi-thread tokio runtime the current task runs on, if it runs on one.
pub(super) fn multi_thread_runtime() -> Option<tokio::runtime::Handle> {
    tokio::runtime::Handle::try_current()
        .ok()
        .filter(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread)
}

/// Runs a connection until it ends (the server or the network closed it, or its client was
/// dropped); its error, if any, surfaces to the client's next call.
async fn drive<F>(connection: F)
where
    F: std::future::Future<Output = Result<(), tokio_postgres::Error>>,
{
    let _ = connection.await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_size_comes_out_of_the_url() {
        let s = Settings::parse("postgres://u@h/db?journal_pool_size=4&connect_timeout=3")
            .expect("settings");
        assert_eq!(s.pool_size, 4);
        assert_eq!(
            s.config.get_connect_timeout(),
            Some(&Duration::from_secs(3))
        );
        let s = Settings::parse("postgres://u@h/db").expect("settings");
        assert_eq!(s.pool_size, DEFAULT_POOL_SIZE);
        assert_eq!(s.config.get_connect_timeout(), Some(&CONNECT_TIMEOUT));
        for bad in ["0", "-1", "many", ""] {
            let url = format!("postgres://u@h/db?journal_pool_size={bad}");
            assert!(matches!(
                Settings::parse(&url),
                Err(JournalError::InvalidUrl(_))
            ));
        }
    }

    #[test]
    fn errors_never_show_the_password() {
        for url in [
            "postgres://someone:hunter2pw@h:notaport/db",
            "postgres://someone:hunter2pw@h/db?sslmode=sometimes",
            "postgres://someone:hunter2pw@h/db?journal_pool_size=x",
        ] {
            let Err(e) = Settings::parse(url) else {
                panic!("{url} parsed")
            };
            let shown = format!("{e} {e:?}");
            assert!(!shown.contains("hunter2pw"), "{shown}");
        }
    }

    #[test]
    fn tls_only_when_the_url_requires_it() {
        let s = Settings::parse("postgres://u@h/db?sslmode=prefer").expect("settings");
        assert!(matches!(s.tls, Tls::None));
        let required = Settings::parse("postgres://u@h/db?sslmode=require");
        #[cfg(feature = "postgres-tls")]
        assert!(matches!(required.map(|s| s.tls), Ok(Tls::Rustls(_))));
        #[cfg(not(feature = "postgres-tls"))]
        assert!(matches!(required, Err(JournalError::InvalidUrl(_))));
    }
}
