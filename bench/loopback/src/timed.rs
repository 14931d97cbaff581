//! A transport wrapper that notes when each attempt starts and ends, to measure the real
//! pause between an answer and the next attempt against the wait the core announced.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use stripe_client::{AsyncTransport, Attempt, SendError, Transport};

/// `inner`, with the start and end instants of every attempt noted.
#[derive(Clone)]
pub struct Timed<T> {
    inner: T,
    log: Arc<Mutex<Vec<(Instant, Instant)>>>,
}

impl<T> Timed<T> {
    /// Wraps `inner`.
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            log: Arc::default(),
        }
    }

    /// The pauses between the end of one attempt and the start of the next, since the last
    /// call of this method.
    pub fn take_gaps(&self) -> Vec<Duration> {
        let log = std::mem::take(&mut *self.log.lock().unwrap_or_else(PoisonError::into_inner));
        log.windows(2).map(|w| w[1].0 - w[0].1).collect()
    }

    fn note(&self, start: Instant) {
        let end = Instant::now();
        self.log
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((start, end));
    }
}

impl<T: Transport> Transport for Timed<T> {
    type Error = T::Error;

    fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<T::Error>> {
        let start = Instant::now();
        let out = self.inner.send(attempt);
        self.note(start);
        out
    }

    fn sleep_until(&self, until: Instant) {
        self.inner.sleep_until(until);
    }

    fn header_room(&self) -> usize {
        self.inner.header_room()
    }
}

impl<T: AsyncTransport> AsyncTransport for Timed<T> {
    type Error = T::Error;

    async fn send(&self, attempt: Attempt) -> Result<http::Response<Bytes>, SendError<T::Error>> {
        let start = Instant::now();
        let out = self.inner.send(attempt).await;
        self.note(start);
        out
    }

    async fn sleep_until(&self, until: Instant) {
        self.inner.sleep_until(until).await;
    }

    fn header_room(&self) -> usize {
        self.inner.header_room()
    }
}
