//! [`ReadDir`]: a directory's entries, read on the blocking pool.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use futures::Stream;

use crate::task::JoinHandle;

/// How many entries one job reads.
const BATCH: usize = 64;

/// The stream of [`read_dir`](super::read_dir): each entry of the
/// directory, in the order the OS gives them, read 64 at a time on
/// the blocking pool.
///
/// # Cancel safety
/// A `next()` dropped while a batch is being read loses nothing: the
/// batch is kept, and the next `next()` takes it up.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// grove::run(async {
///     let mut entries = grove::fs::read_dir("src").await?;
///     let mut count = 0;
///     while let Some(entry) = entries.next().await {
///         entry?;
///         count += 1;
///     }
///     assert!(count > 5);
///     Ok::<(), std::io::Error>(())
/// })?;
/// # Ok::<(), std::io::Error>(())
/// ```
pub struct ReadDir {
    /// Entries read and not yet yielded.
    ready: VecDeque<io::Result<std::fs::DirEntry>>,
    state: State,
}

enum State {
    /// Between batches: the std iterator, or `None` at the end.
    Idle(Option<std::fs::ReadDir>),
    /// A batch being read.
    Reading(JoinHandle<Batch>),
}

/// One batch, and the iterator back (or `None` if it ended).
type Batch = (VecDeque<io::Result<std::fs::DirEntry>>, Option<std::fs::ReadDir>);

impl ReadDir {
    pub(super) fn new(dir: std::fs::ReadDir) -> ReadDir {
        ReadDir {
            ready: VecDeque::new(),
            state: State::Idle(Some(dir)),
        }
    }
}

impl Stream for ReadDir {
    type Item = io::Result<std::fs::DirEntry>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        loop {
            if let Some(entry) = this.ready.pop_front() {
                return Poll::Ready(Some(entry));
            }
            match &mut this.state {
                State::Idle(None) => return Poll::Ready(None),
                State::Idle(dir) => {
                    let mut dir = dir.take().expect("checked above");
                    this.state = State::Reading(crate::spawn_blocking(move || {
                        let batch: VecDeque<_> = dir.by_ref().take(BATCH).collect();
                        let more = (batch.len() == BATCH).then_some(dir);
                        (batch, more)
                    }));
                }
                State::Reading(job) => {
                    let done = ready!(Pin::new(job).poll(cx));
                    // A panicking job (a bug) ends the stream with its error.
                    let (batch, dir) = done.unwrap_or_else(|e| (VecDeque::from([Err(io::Error::other(e))]), None));
                    this.ready = batch;
                    this.state = State::Idle(dir);
                }
            }
        }
    }
}

impl fmt::Debug for ReadDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReadDir").field("buffered", &self.ready.len()).finish()
    }
}
