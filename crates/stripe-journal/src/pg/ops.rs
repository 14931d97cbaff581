//! The store's primitives over the pool, and what happens when a connection breaks: the broken
//! connection is dropped with every idle one (a server restart or failover ends them all), and
//! a read is tried once more on a fresh connection. A write is tried again only when it never
//! reached the server (the connection broke while its statement was being prepared); otherwise
//! its error is returned, and the journal's machine loads the row and decides again on its next
//! run.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use deadpool::managed::{Object, Pool, PoolError};
use deadpool_postgres::ClientWrapper;
use tokio::sync::watch;
use tokio_postgres::error::SqlState;

use super::connect::Manager;
use super::sql::{self, Sql, bigint, read_row, row_params};
use crate::codec::{self, Row, millis};
use crate::error::JournalError;
use crate::intent::{Intent, IntentId, StateKind};
use crate::store::{Cursor, Loaded, Page};

type Conn = Object<Manager>;

/// The pool and the statements of one schema: what both faces of the store share.
pub(super) struct Inner {
    pub(super) pool: Pool<Manager>,
    pub(super) sql: Sql,
    pub(super) schema: String,
    /// The final records sent behind their answers and not yet over, by intent: a load of one
    /// of those rows waits for its record (this process reads its own writes).
    pub(super) behind: Mutex<HashMap<IntentId, watch::Receiver<()>>>,
}

/// The map, even if a thread panicked holding it (it is only ever inserted into or removed
/// from, so it is never left half-changed).
pub(super) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Why one attempt failed.
enum Failure {
    /// Before anything ran: preparing the statement failed.
    Unsent(tokio_postgres::Error),
    /// The statement may have run.
    Sent(tokio_postgres::Error),
    /// Not the connection's doing (a value that does not decode).
    Other(JournalError),
}

/// May an attempt that may have run be tried again?
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Read,
    Write,
}

/// One primitive: an attempt on a pooled connection, and at most one more on a fresh one after
/// a broken connection, as [`Inner::failed`] allows.
macro_rules! attempt {
    ($inner:expr, $kind:expr, |$conn:ident| $body:expr) => {{
        let mut retried = false;
        loop {
            let $conn = $inner.conn().await?;
            let result = $body.await;
            match result {
                Ok(value) => break Ok(value),
                Err(failure) => $inner.failed($conn, failure, $kind, &mut retried)?,
            }
        }
    }};
}

impl Inner {
    /// A connection from the pool (a new one if none is idle; a closed one is never handed out).
    pub(super) async fn conn(&self) -> Result<Conn, JournalError> {
        self.pool.get().await.map_err(|e| match e {
            PoolError::Backend(e) => e,
            other => JournalError::Store(format!("PostgreSQL pool: {other}").into()),
        })
    }

    /// After a failed attempt: `Ok` to try again, or the error to return.
    fn failed(
        &self,
        conn: Conn,
        failure: Failure,
        kind: Kind,
        retried: &mut bool,
    ) -> Result<(), JournalError> {
        let (error, sent) = match failure {
            Failure::Other(e) => return Err(e),
            Failure::Unsent(e) => (e, false),
            Failure::Sent(e) => (e, true),
        };
        if !broken(&error, &conn) {
            return Err(JournalError::store(error));
        }
        // Out of the pool for good, with every idle connection: they likely broke together.
        drop(Object::take(conn));
        drop(self.pool.retain(|_, _| false));
        if *retried || (sent && kind == Kind::Write) {
            return Err(JournalError::store(error));
        }
        *retried = true;
        Ok(())
    }

    pub(super) async fn load(&self, id: &IntentId) -> Result<Loaded, JournalError> {
        self.behind_done(id).await;
        attempt!(self, Kind::Read, |c| load(&c, &self.sql, id))
    }

    /// A final record to send behind its answer (`Store::compare_and_set_behind`): registered
    /// at once, so that this store's loads of the row wait for it, then written by the future
    /// (which a runtime runs: see `PgStore`'s faces). Its error, if any, only leaves the row in
    /// flight; so does the future dropped unfinished (its runtime ended), which ends the wait
    /// as well.
    pub(super) fn behind(
        self: &Arc<Self>,
        row: Intent,
        expected: u64,
    ) -> impl Future<Output = ()> + Send + 'static {
        let (over, waiting) = watch::channel(());
        lock(&self.behind).insert(row.id().clone(), waiting);
        let pending = Behind {
            inner: Arc::clone(self),
            id: row.id().clone(),
            over,
        };
        async move {
            let _ = pending.inner.compare_and_set(&row, expected).await;
            drop(pending);
        }
    }

    /// Waits until no record of `id` is behind (its sender dropped: the write is over).
    async fn behind_done(&self, id: &IntentId) {
        let waiting = lock(&self.behind).get(id).cloned();
        if let Some(mut waiting) = waiting {
            let _ = waiting.changed().await;
        }
    }

    /// Whether any record is still behind.
    pub(super) fn has_behind(&self) -> bool {
        !lock(&self.behind).is_empty()
    }

    pub(super) async fn insert(&self, intent: &Intent) -> Result<bool, JournalError> {
        let row = Row::from_intent(intent);
        let params = row_params(&row, None);
        let n: u64 = attempt!(self, Kind::Write, |c| execute(
            &c,
            &self.sql.insert,
            &params
        ))?;
        Ok(n == 1)
    }

    pub(super) async fn claim(
        &self,
        intent: &Intent,
        max_skew: Duration,
    ) -> Result<Option<SystemTime>, JournalError> {
        let row = Row::from_intent(intent);
        let skew = i64::try_from(max_skew.as_millis()).unwrap_or(i64::MAX);
        let params = row_params(&row, Some(&skew));
        let rows = attempt!(self, Kind::Write, |c| query(&c, &self.sql.claim, &params))?;
        match rows.first() {
            Some(r) => Ok(Some(codec::time(
                r.try_get(0).map_err(JournalError::store)?,
            ))),
            None => Ok(None),
        }
    }

    pub(super) async fn compare_and_set(
        &self,
        intent: &Intent,
        expected: u64,
    ) -> Result<bool, JournalError> {
        let row = Row::from_intent(intent);
        let expected = i64::try_from(expected).unwrap_or(i64::MAX);
        let params = row_params(&row, Some(&expected));
        // A final record need not wait for the flush: lost in a crash of the database, the row
        // is back in flight under the same key, and the next run or recovery resends that key
        // and records Stripe's replay (the crate docs, "Cost").
        let text = match intent.state().kind() {
            StateKind::Done | StateKind::Failed => &self.sql.update_final,
            _ => &self.sql.update,
        };
        let rows = attempt!(self, Kind::Write, |c| query(&c, text, &params))?;
        Ok(!rows.is_empty())
    }

    pub(super) async fn clock(&self) -> Result<SystemTime, JournalError> {
        let rows = attempt!(self, Kind::Read, |c| query(&c, &self.sql.clock, &[]))?;
        let ms: i64 = first(&rows)?.try_get(0).map_err(JournalError::store)?;
        Ok(codec::time(ms))
    }

    pub(super) async fn sweep(
        &self,
        now: SystemTime,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page, JournalError> {
        let now = millis(now);
        let limit = bigint(limit);
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
            [&now, &after.updated_ms, &after.scope, &after.op, &limit];
        let rows = attempt!(self, Kind::Read, |c| query(&c, &self.sql.sweep, &params))?;
        Ok(sql::page(&rows))
    }

    pub(super) async fn list(
        &self,
        kind: StateKind,
        after: &Cursor,
        limit: usize,
    ) -> Result<Page, JournalError> {
        let state = kind.as_str();
        let limit = bigint(limit);
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] =
            [&state, &after.updated_ms, &after.scope, &after.op, &limit];
        let rows = attempt!(self, Kind::Read, |c| query(&c, &self.sql.list, &params))?;
        Ok(sql::page(&rows))
    }

    pub(super) async fn prune(&self, before: SystemTime) -> Result<u64, JournalError> {
        let before = millis(before);
        attempt!(self, Kind::Write, |c| execute(
            &c,
            &self.sql.prune,
            &[&before]
        ))
    }

    pub(super) async fn namespace(&self) -> Result<String, JournalError> {
        let rows = attempt!(self, Kind::Read, |c| query(&c, &self.sql.namespace, &[]))?;
        first(&rows)?.try_get(0).map_err(JournalError::store)
    }

    /// Drops the schema and everything in it.
    pub(super) async fn drop_schema(&self) -> Result<(), JournalError> {
        let sql = format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema);
        let conn = self.conn().await?;
        conn.batch_execute(&sql).await.map_err(JournalError::store)
    }
}

/// A final record behind its answer, registered until it is over: written, failed or dropped
/// unfinished, whichever comes first.
struct Behind {
    inner: Arc<Inner>,
    id: IntentId,
    /// Dropped last: the loads waiting for the record go on once it is out of the map.
    over: watch::Sender<()>,
}

impl Drop for Behind {
    fn drop(&mut self) {
        let mut behind = lock(&self.inner.behind);
        // This record's entry only: a later record of the same intent may have replaced it.
        if behind
            .get(&self.id)
            .is_some_and(|w| w.same_channel(&self.over.subscribe()))
        {
            behind.remove(&self.id);
        }
    }
}

/// Did the connection break (rather than the statement fail)?
fn broken(e: &tokio_postgres::Error, conn: &ClientWrapper) -> bool {
    let ended_by_server = e.code().is_some_and(|c| {
        *c == SqlState::ADMIN_SHUTDOWN
            || *c == SqlState::CRASH_SHUTDOWN
            || *c == SqlState::CANNOT_CONNECT_NOW
            || c.code().starts_with("08")
    });
    let io = std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>());
    e.is_closed() || conn.is_closed() || ended_by_server || io
}

fn first(rows: &[tokio_postgres::Row]) -> Result<&tokio_postgres::Row, JournalError> {
    rows.first()
        .ok_or_else(|| JournalError::Store("PostgreSQL returned no row".into()))
}

type Params<'a> = &'a [&'a (dyn tokio_postgres::types::ToSql + Sync)];

/// A statement prepared once per connection (deadpool's statement cache), then run.
async fn query(
    c: &ClientWrapper,
    text: &str,
    params: Params<'_>,
) -> Result<Vec<tokio_postgres::Row>, Failure> {
    let statement = c.prepare_cached(text).await.map_err(Failure::Unsent)?;
    c.query(&statement, params).await.map_err(Failure::Sent)
}

async fn execute(c: &ClientWrapper, text: &str, params: Params<'_>) -> Result<u64, Failure> {
    let statement = c.prepare_cached(text).await.map_err(Failure::Unsent)?;
    c.execute(&statement, params).await.map_err(Failure::Sent)
}

async fn load(c: &ClientWrapper, sql: &Sql, id: &IntentId) -> Result<Loaded, Failure> {
    let rows = query(c, &sql.load, &[&id.scope(), &id.op_id()]).await?;
    let r = first(&rows).map_err(Failure::Other)?;
    let now_ms: i64 = r
        .try_get(0)
        .map_err(|e| Failure::Other(JournalError::store(e)))?;
    let present: Option<String> = r
        .try_get(1)
        .map_err(|e| Failure::Other(JournalError::store(e)))?;
    let row = match present {
        Some(_) => Some(
            read_row(r, 1)
                .and_then(Row::into_intent)
                .map_err(Failure::Other)?,
        ),
        None => None,
    };
    Ok(Loaded::new(row, codec::time(now_ms)))
}
