//! The streams of [`ThreadPool::imap`] (results in item order) and
//! [`ThreadPool::imap_unordered`] (results as they finish). Both feed the
//! pool through one [`Feeder`]; they differ in how they hold the tasks.

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::iter::Fuse;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use futures::Stream;
use futures::stream::{FuturesUnordered, StreamExt};

use super::pool::Spawn;
use super::{Error, ThreadPool};
use crate::task::{JoinError, JoinHandle};

/// How many jobs per thread a stream keeps started and not yet yielded,
/// finished ones included: one running, and one more for a thread that
/// finishes to take (in `imap`, behind a slow first job). Results waiting
/// for the consumer count, so memory stays bounded however slowly it
/// takes them.
const WINDOW_PER_THREAD: usize = 2;

/// The tasks a stream has started and not yet yielded.
trait Running<T>: Unpin {
    fn push(&mut self, task: JoinHandle<T>);
    fn len(&self) -> usize;
    /// The next result in this stream's order: `Ready(None)` when empty.
    fn poll_next_result(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>>;
    fn kill_all(&self);
}

/// In item order: only the first is polled, and the others' results wait
/// in their handles.
impl<T> Running<T> for VecDeque<JoinHandle<T>> {
    fn push(&mut self, task: JoinHandle<T>) {
        self.push_back(task);
    }

    fn len(&self) -> usize {
        VecDeque::len(self)
    }

    fn poll_next_result(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        let Some(first) = self.front_mut() else {
            return Poll::Ready(None);
        };
        let result = ready!(Pin::new(first).poll(cx));
        self.pop_front();
        Poll::Ready(Some(result))
    }

    fn kill_all(&self) {
        self.iter().for_each(JoinHandle::kill);
    }
}

/// In the order they finish.
impl<T> Running<T> for FuturesUnordered<JoinHandle<T>> {
    fn push(&mut self, task: JoinHandle<T>) {
        FuturesUnordered::push(self, task);
    }

    fn len(&self) -> usize {
        FuturesUnordered::len(self)
    }

    fn poll_next_result(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, JoinError>>> {
        self.poll_next_unpin(cx)
    }

    fn kill_all(&self) {
        self.iter().for_each(JoinHandle::kill);
    }
}

/// Takes items from the iterator and hands them to the pool, and yields
/// the results of the tasks in `running`'s order.
struct Feeder<'a, I: Iterator, F, T, R: Running<T>> {
    pool: &'a ThreadPool,
    items: Fuse<I>,
    f: Arc<F>,
    /// The job waiting for room in the pool's queue.
    spawning: Option<Spawn<'a, T>>,
    running: R,
}

impl<'a, I, F, T, R> Feeder<'a, I, F, T, R>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
    R: Running<T>,
{
    fn new(pool: &'a ThreadPool, items: I, f: Arc<F>, running: R) -> Self {
        Feeder {
            pool,
            items: items.fuse(),
            f,
            spawning: None,
            running,
        }
    }

    /// Hands items to the pool until the window or its queue is full or
    /// they run out. Returns the error of a job the pool refused.
    fn feed(&mut self, cx: &mut Context<'_>) -> Option<Error> {
        let window = self.pool.max_threads().saturating_mul(WINDOW_PER_THREAD);
        loop {
            if self.spawning.is_none() {
                if self.running.len() >= window {
                    return None;
                }
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

    fn poll_next(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error>>> {
        if let Some(e) = self.feed(cx) {
            return Poll::Ready(Some(Err(e)));
        }
        match ready!(self.running.poll_next_result(cx)) {
            Some(result) => Poll::Ready(Some(result.map_err(Error::Join))),
            None if self.spawning.is_none() => Poll::Ready(None),
            None => Poll::Pending,
        }
    }
}

// The items are never pinned: they are taken out of the iterator by value.
impl<I: Iterator, F, T, R: Running<T>> Unpin for Feeder<'_, I, F, T, R> {}

impl<I: Iterator, F, T, R: Running<T>> Drop for Feeder<'_, I, F, T, R> {
    fn drop(&mut self) {
        self.running.kill_all();
    }
}

/// The stream of [`ThreadPool::imap`]: each item's result, in the order of
/// the items.
///
/// At most twice [`max_threads`](ThreadPool::max_threads) jobs are started
/// and not yet yielded, finished ones included, so memory stays bounded
/// however long the iterator; a slow first job holds the rest back.
/// Dropping the stream kills the tasks of the jobs it started, which takes
/// those still queued out of the queue.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// grove::run(async {
///     let pool = grove::blocking::ThreadPool::new(2);
///     let results = pool.imap(0..4, |n: u64| n * 10);
///     let results: Vec<u64> = results.map(Result::unwrap).collect().await;
///     assert_eq!(results, [0, 10, 20, 30]);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Imap<'a, I: Iterator, F, T>(Feeder<'a, I, F, T, VecDeque<JoinHandle<T>>>);

impl<'a, I, F, T> Imap<'a, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    pub(super) fn new(pool: &'a ThreadPool, items: I, f: Arc<F>) -> Self {
        Imap(Feeder::new(pool, items, f, VecDeque::new()))
    }
}

impl<I, F, T> Stream for Imap<'_, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().0.poll_next(cx)
    }
}

impl<I: Iterator, F, T> fmt::Debug for Imap<'_, I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imap")
            .field("in_flight", &self.0.running.len())
            .field("waiting_for_room", &self.0.spawning.is_some())
            .finish()
    }
}

/// The stream of [`ThreadPool::imap_unordered`]: each item's result, in
/// the order the jobs finish.
///
/// At most twice [`max_threads`](ThreadPool::max_threads) jobs are started
/// and not yet yielded, finished ones included, so memory stays bounded
/// however long the iterator and however slow the consumer. Dropping the
/// stream kills the tasks of the jobs it spawned, which takes those still
/// queued out of the queue.
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
#[must_use = "streams do nothing unless polled"]
pub struct ImapUnordered<'a, I: Iterator, F, T>(Feeder<'a, I, F, T, FuturesUnordered<JoinHandle<T>>>);

impl<'a, I, F, T> ImapUnordered<'a, I, F, T>
where
    I: Iterator,
    I::Item: Send + 'static,
    F: Fn(I::Item) -> T + Send + Sync + 'static,
    T: Send + 'static,
{
    pub(super) fn new(pool: &'a ThreadPool, items: I, f: Arc<F>) -> Self {
        ImapUnordered(Feeder::new(pool, items, f, FuturesUnordered::new()))
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
        self.get_mut().0.poll_next(cx)
    }
}

impl<I: Iterator, F, T> fmt::Debug for ImapUnordered<'_, I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapUnordered")
            .field("running", &self.0.running.len())
            .field("waiting_for_room", &self.0.spawning.is_some())
            .finish()
    }
}
