//! Where a test upload's file comes from, the same for every adapter: [`FileSource`] becomes a
//! blocking [`Source`] or an [`AsyncSource`] of the same bytes and behaviour (read again for a
//! retry or not, its declared length true or not, failing part-way or not).

use std::collections::VecDeque;
use std::io::{self, Cursor, Read};
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use stripe_client::{AsyncSource, Source};

/// A test file and how its source behaves.
#[derive(Debug, Clone)]
pub enum FileSource {
    /// The bytes in memory.
    Bytes(Vec<u8>),
    /// Opened again for each attempt (blocking: a reader; async: a stream of 64 KiB chunks).
    Reopen(Vec<u8>),
    /// A seekable reader (async: as `Reopen`).
    Seekable(Vec<u8>),
    /// Readable once.
    Once(Vec<u8>),
    /// Opened again for each attempt, declaring `len` bytes whatever it holds.
    Declared(Vec<u8>, u64),
    /// Opened again for each attempt; fails after the bytes (blocking: a read error; async: an
    /// error item), declaring them and one more.
    FailsAfter(Vec<u8>),
}

const CHUNK: usize = 64 * 1024;

impl FileSource {
    /// The blocking source.
    pub fn blocking(&self) -> Source {
        match self.clone() {
            Self::Bytes(data) => Source::bytes(data),
            Self::Reopen(data) => {
                Source::reopen(data.len() as u64, move || Ok(Cursor::new(data.clone())))
            }
            Self::Seekable(data) => Source::seekable(Cursor::new(data)).expect("a cursor seeks"),
            Self::Once(data) => Source::once(data.len() as u64, Cursor::new(data)),
            Self::Declared(data, len) => Source::reopen(len, move || Ok(Cursor::new(data.clone()))),
            Self::FailsAfter(data) => Source::reopen(data.len() as u64 + 1, move || {
                Ok(Cursor::new(data.clone()).chain(Failing))
            }),
        }
    }

    /// The async source.
    pub fn nonblocking(&self) -> AsyncSource {
        let chunks = |data: &[u8], fail: bool| Chunks {
            items: data
                .chunks(CHUNK)
                .map(|c| Ok(Bytes::copy_from_slice(c)))
                .chain(fail.then(|| Err(io::Error::other("the disk went away"))))
                .collect(),
        };
        match self.clone() {
            Self::Bytes(data) => AsyncSource::bytes(data),
            Self::Reopen(data) | Self::Seekable(data) => {
                AsyncSource::reopen(data.len() as u64, move || Ok(chunks(&data, false)))
            }
            Self::Once(data) => AsyncSource::once(data.len() as u64, chunks(&data, false)),
            Self::Declared(data, len) => AsyncSource::reopen(len, move || Ok(chunks(&data, false))),
            Self::FailsAfter(data) => {
                AsyncSource::reopen(data.len() as u64 + 1, move || Ok(chunks(&data, true)))
            }
        }
    }
}

/// A reader that fails.
struct Failing;

impl Read for Failing {
    fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
        Err(io::Error::other("the disk went away"))
    }
}

/// A stream of prepared chunks.
struct Chunks {
    items: VecDeque<io::Result<Bytes>>,
}

impl futures_core::Stream for Chunks {
    type Item = io::Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.items.pop_front())
    }
}
