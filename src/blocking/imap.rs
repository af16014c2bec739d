//! [`ThreadPool::imap_unordered`]: results as they finish.

use std::fmt;
use std::future::Future;
use std::iter::Fuse;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures::Stream;
use futures::stream::{FuturesUnordered, StreamExt};

use super::pool::Spawn;
use super::{Error, ThreadPool};
use crate::task::JoinHandle;

/// The stream of [`ThreadPool::imap_unordered`]: each item's result, in
/// the order the jobs finish.
///
/// Items are handed to the pool as fast as its queue takes them. Dropping
/// the stream kills the tasks of the jobs it spawned, which takes those
/// still queued out of the queue.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// grove::run(async {
///     let pool = grove::blocking::ThreadPool::new(2);
///     let results = pool.imap_unordered(0..3, |n: i32| n - 1);
///     let mut results: Vec<i32> = results.map(Result::unwrap).collect().await;
///     results.sort();
///     assert_eq!(results, [-1, 0, 1]);
/// });
/// ```
pub struct ImapUnordered<'a, I: Iterator, F, T> {
    pool: &'a ThreadPool,
    items: Fuse<I>,
    f: Arc<F>,
    /// The job waiting for room in the pool's queue.
    spawning: Option<Spawn<'a, T>>,
    running: FuturesUnordered<JoinHandle<T>>,
}

impl<'a, I, F, T> ImapUnordered<'a, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    pub(super) fn new(pool: &'a ThreadPool, items: I, f: Arc<F>) -> Self {
        ImapUnordered {
            pool,
            items: items.fuse(),
            f,
            spawning: None,
            running: FuturesUnordered::new(),
        }
    }

    /// Hands items to the pool until its queue is full or they run out.
    /// Returns the error of a job the pool refused.
    fn feed(&mut self, cx: &mut Context<'_>) -> Option<Error> {
        loop {
            if self.spawning.is_none() {
                let item = self.items.next()?;
                let f = self.f.clone();
                self.spawning = Some(self.pool.spawn(move || f(item)));
            }
            let spawning = self.spawning.as_mut()?;
            match Pin::new(spawning).poll(cx) {
                Poll::Pending => return None,
                Poll::Ready(spawned) => {
                    self.spawning = None;
                    match spawned {
                        Ok(task) => self.running.push(task),
                        Err(e) => return Some(e.into()),
                    }
                }
            }
        }
    }
}

impl<I, F, T> Stream for ImapUnordered<'_, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if let Some(e) = this.feed(cx) {
            return Poll::Ready(Some(Err(e)));
        }
        match this.running.poll_next_unpin(cx) {
            Poll::Ready(Some(result)) => Poll::Ready(Some(result.map_err(Error::Join))),
            Poll::Ready(None) if this.spawning.is_none() => Poll::Ready(None),
            _ => Poll::Pending,
        }
    }
}

// The items are never pinned: they are taken out of the iterator by value.
impl<I: Iterator, F, T> Unpin for ImapUnordered<'_, I, F, T> {}

impl<I: Iterator, F, T> Drop for ImapUnordered<'_, I, F, T> {
    fn drop(&mut self) {
        self.running.iter().for_each(JoinHandle::kill);
    }
}

impl<I: Iterator, F, T> fmt::Debug for ImapUnordered<'_, I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapUnordered")
            .field("running", &self.running.len())
            .field("waiting_for_room", &self.spawning.is_some())
            .finish()
    }
}
