//! One row's columns as SQL stores keep them: text, integers and millisecond times.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use stripe_core::IdempotencyKey;

use crate::error::JournalError;
use crate::fingerprint::Fingerprint;
use crate::intent::{
    Answer, FailureAdvice, Intent, IntentId, Lease, ReconcileReason, SavedRequest, State, StateKind,
};

/// The columns, in the order of [`COLUMNS`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Row {
    pub scope: String,
    pub op: String,
    pub idem_key: String,
    pub key_created_ms: i64,
    pub fingerprint: String,
    pub created_ms: i64,
    pub updated_ms: i64,
    pub state: String,
    pub status: Option<i32>,
    pub object_id: Option<String>,
    pub body: Option<String>,
    pub advice: Option<String>,
    pub reason: Option<String>,
    pub attempts: i64,
    pub lease_owner: Option<String>,
    pub lease_until_ms: Option<i64>,
    pub epoch: i64,
    pub version: i64,
    pub request: Option<String>,
    pub namespace: String,
    pub send_limit_ms: Option<i64>,
    pub key_spent: i64,
}

/// The column names, comma-separated, in the order of [`Row`]'s fields.
pub(crate) const COLUMNS: &str = "scope, op, idem_key, key_created_ms, fingerprint, created_ms, \
     updated_ms, state, status, object_id, body, advice, reason, attempts, lease_owner, \
     lease_until_ms, epoch, version, request, namespace, send_limit_ms, key_spent";

pub(crate) use crate::intent::millis;

/// A time from milliseconds since the epoch, as rows keep it (negative counts as the epoch).
pub(crate) fn time(ms: i64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
        .unwrap_or(UNIX_EPOCH)
}

fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

impl Row {
    pub(crate) fn from_intent(i: &Intent) -> Self {
        let (answer, advice, reason): (Option<&Answer>, Option<&str>, Option<&str>) = match &i.state
        {
            State::Claimed | State::Sent => (None, None, None),
            State::Done(a) => (Some(a), None, None),
            State::Failed(adv, a) => (a.as_ref(), Some(adv.as_str()), None),
            State::ToReconcile(r, a) => (a.as_ref(), None, Some(r.as_str())),
        };
        Self {
            scope: i.id.scope().to_owned(),
            op: i.id.op_id().to_owned(),
            idem_key: i.key.as_str().to_owned(),
            key_created_ms: millis(i.key_created_at),
            fingerprint: i.fingerprint.to_hex(),
            created_ms: millis(i.created_at),
            updated_ms: millis(i.updated_at),
            state: i.state.kind().as_str().to_owned(),
            status: answer.map(|a| i32::from(a.status())),
            object_id: answer.and_then(|a| a.object_id().map(str::to_owned)),
            body: answer.map(|a| a.body().to_owned()),
            advice: advice.map(str::to_owned),
            reason: reason.map(str::to_owned),
            attempts: i64::from(i.attempts),
            lease_owner: i.lease.as_ref().map(|l| l.owner().to_owned()),
            lease_until_ms: i.lease.as_ref().map(|l| millis(l.until())),
            epoch: int(i.epoch),
            version: int(i.version),
            request: i.request.as_ref().map(SavedRequest::encode),
            namespace: i.namespace.clone(),
            send_limit_ms: i.send_limit.map(millis),
            key_spent: i64::from(i.key_spent),
        }
    }

    pub(crate) fn into_intent(self) -> Result<Intent, JournalError> {
        let corrupt =
            |what: &str| JournalError::Corrupt(format!("{what} of operation {:?}", self.op));
        let id = IntentId::new(self.scope.clone(), self.op.clone())?;
        let key = IdempotencyKey::new(self.idem_key.clone()).map_err(|_| corrupt("key"))?;
        let answer = match self.status {
            Some(status) => Some(Answer::from_parts(
                u16::try_from(status).map_err(|_| corrupt("status"))?,
                self.object_id.clone(),
                self.body.clone().unwrap_or_default(),
            )),
            None => None,
        };
        let kind = StateKind::parse(&self.state).ok_or_else(|| corrupt("state"))?;
        let state = match kind {
            StateKind::Claimed => State::Claimed,
            StateKind::Sent => State::Sent,
            StateKind::Done => State::Done(answer.ok_or_else(|| corrupt("done answer"))?),
            StateKind::Failed => {
                let advice = self.advice.as_deref().and_then(FailureAdvice::parse);
                State::Failed(advice.ok_or_else(|| corrupt("advice"))?, answer)
            }
            StateKind::ToReconcile => {
                let reason = self.reason.as_deref().and_then(ReconcileReason::parse);
                State::ToReconcile(reason.ok_or_else(|| corrupt("reason"))?, answer)
            }
        };
        let lease = match (self.lease_owner, self.lease_until_ms) {
            (Some(owner), Some(until)) => Some(Lease::new(owner, time(until))),
            _ => None,
        };
        Ok(Intent {
            id,
            key,
            key_created_at: time(self.key_created_ms),
            fingerprint: Fingerprint::from_hex(&self.fingerprint)?,
            created_at: time(self.created_ms),
            updated_at: time(self.updated_ms),
            state,
            attempts: u32::try_from(self.attempts).map_err(|_| corrupt("attempts"))?,
            lease,
            epoch: u64::try_from(self.epoch).map_err(|_| corrupt("epoch"))?,
            version: u64::try_from(self.version).map_err(|_| corrupt("version"))?,
            request: match self.request.as_deref() {
                Some(text) => Some(SavedRequest::decode(text).ok_or_else(|| corrupt("request"))?),
                None => None,
            },
            namespace: self.namespace,
            send_limit: self.send_limit_ms.map(time),
            key_spent: self.key_spent != 0,
        })
    }
}

/// The column names, one by one.
fn column_names() -> impl Iterator<Item = &'static str> {
    COLUMNS.split(',').map(str::trim)
}

/// `INSERT INTO table (..) VALUES (..) ON CONFLICT (scope, op) DO NOTHING`, with the
/// backend's placeholders (`?1` or `$1`), the values in the order of [`Row`]'s fields.
pub(crate) fn insert_sql(table: &str, placeholder: fn(usize) -> String) -> String {
    let values: Vec<String> = (1..=column_names().count()).map(placeholder).collect();
    format!(
        "INSERT INTO {table} ({COLUMNS}) VALUES ({}) ON CONFLICT (scope, op) DO NOTHING",
        values.join(", ")
    )
}

/// `UPDATE table SET every column but the id WHERE id matches AND version = expected`: the
/// values in the order of [`Row`]'s fields, then the expected version.
pub(crate) fn update_sql(table: &str, placeholder: fn(usize) -> String) -> String {
    let sets: Vec<String> = column_names()
        .enumerate()
        .skip(2)
        .map(|(i, c)| format!("{c} = {}", placeholder(i + 1)))
        .collect();
    let n = column_names().count();
    format!(
        "UPDATE {table} SET {} WHERE scope = {} AND op = {} AND version = {}",
        sets.join(", "),
        placeholder(1),
        placeholder(2),
        placeholder(n + 1)
    )
}

/// The `WHERE` condition of a sweep: in flight with an ended or released lease, to reconcile,
/// or found not applied (to claim again); `now` and the cursor `(updated_ms, scope, op)` are
/// the given placeholders, so a sweep resumes after the last row it returned and never starves
/// behind rows it cannot settle.
pub(crate) fn sweep_condition(now: &str, after: [&str; 3]) -> String {
    let [ms, scope, op] = after;
    format!(
        "((state IN ('claimed', 'sent') AND (lease_until_ms IS NULL OR lease_until_ms <= {now})) \
         OR state = 'to_reconcile' OR (state = 'failed' AND advice = 'not_applied')) \
         AND (updated_ms, scope, op) > ({ms}, {scope}, {op})"
    )
}

/// The order of a sweep, matching its cursor.
pub(crate) const SWEEP_ORDER: &str = "ORDER BY updated_ms, scope, op";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_binds_every_column_once() {
        let sql = update_sql("t", |i| format!("?{i}"));
        for i in 1..=23 {
            assert_eq!(
                sql.matches(&format!("?{i} ")).count()
                    + sql.matches(&format!("?{i},")).count()
                    + usize::from(sql.ends_with(&format!("?{i}"))),
                1,
                "{sql}"
            );
        }
        assert!(insert_sql("t", |i| format!("${i}")).contains("$22)"));
    }
}
