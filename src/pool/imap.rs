//! The streams of [`Pool::imap`](super::Pool::imap) and
//! [`Pool::imap_unordered`](super::Pool::imap_unordered).

use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::Stream;
use futures::stream::{FuturesUnordered, StreamExt};

use super::Pool;
use crate::sync::semaphore::Acquire;
use crate::task::{JoinError, JoinHandle};

/// The stream of [`Pool::imap_unordered`].
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// grove::run(async {
///     let pool = grove::pool::Pool::new(2);
///     let results = pool.imap_unordered(0..4, |n| async move { n });
///     assert_eq!(results.count().await, 4);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct ImapUnordered<I: Iterator, F, T> {
    feeder: Feeder<I, F>,
    running: FuturesUnordered<JoinHandle<T>>,
}

impl<I: Iterator, F, T> ImapUnordered<I, F, T> {
    pub(super) fn new(pool: Pool, items: I, f: F, location: &'static Location<'static>) -> ImapUnordered<I, F, T> {
        ImapUnordered {
            feeder: Feeder::new(pool, items, f, location),
            running: FuturesUnordered::new(),
        }
    }
}

impl<I, F, Fut> Stream for ImapUnordered<I, F, Fut::Output>
where
    I: Iterator + Unpin,
    I::Item: Unpin,
    F: FnMut(I::Item) -> Fut + Unpin,
    Fut: Future + 'static,
    Fut::Output: 'static,
{
    type Item = Result<Fut::Output, JoinError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        while let Poll::Ready(Some(task)) = this.feeder.poll_start(cx, this.running.len()) {
            this.running.push(task);
        }
        match this.running.poll_next_unpin(cx) {
            Poll::Ready(None) if this.feeder.waiting() => Poll::Pending,
            other => other,
        }
    }
}

impl<I: Iterator, F, T> fmt::Debug for ImapUnordered<I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapUnordered")
            .field("running", &self.running.len())
            .finish()
    }
}

/// The stream of [`Pool::imap`]: results in input order.
///
/// # Examples
///
/// ```
/// use futures::StreamExt;
///
/// grove::run(async {
///     let pool = grove::pool::Pool::new(2);
///     let results = pool.imap(0..4, |n| async move { n });
///     let values: Vec<i32> = results.map(Result::unwrap).collect().await;
///     assert_eq!(values, [0, 1, 2, 3]);
/// });
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct Imap<I: Iterator, F, T> {
    feeder: Feeder<I, F>,
    /// Started and not yet yielded, in input order: at most the pool's
    /// size, finished ones included.
    window: VecDeque<JoinHandle<T>>,
}

impl<I: Iterator, F, T> Imap<I, F, T> {
    pub(super) fn new(pool: Pool, items: I, f: F, location: &'static Location<'static>) -> Imap<I, F, T> {
        Imap {
            feeder: Feeder::new(pool, items, f, location),
            window: VecDeque::new(),
        }
    }
}

impl<I, F, Fut> Stream for Imap<I, F, Fut::Output>
where
    I: Iterator + Unpin,
    I::Item: Unpin,
    F: FnMut(I::Item) -> Fut + Unpin,
    Fut: Future + 'static,
    Fut::Output: 'static,
{
    type Item = Result<Fut::Output, JoinError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        while let Poll::Ready(Some(task)) = this.feeder.poll_start(cx, this.window.len()) {
            this.window.push_back(task);
        }
        let Some(front) = this.window.front_mut() else {
            return if this.feeder.waiting() {
                Poll::Pending
            } else {
                Poll::Ready(None)
            };
        };
        let result = std::task::ready!(Pin::new(front).poll(cx));
        this.window.pop_front();
        Poll::Ready(Some(result))
    }
}

impl<I: Iterator, F, T> fmt::Debug for Imap<I, F, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Imap").field("in_flight", &self.window.len()).finish()
    }
}

/// What both streams share: the items, and starting a task for each as the
/// pool frees a slot.
struct Feeder<I: Iterator, F> {
    pool: Pool,
    items: std::iter::Fuse<I>,
    /// The next item, taken from `items`, waiting for a slot.
    next: Option<I::Item>,
    f: F,
    /// Waiting for a slot for `next`.
    slot: Option<Acquire>,
    /// Where the stream was made: its tasks' spawn location.
    location: &'static Location<'static>,
}

impl<I: Iterator, F> Feeder<I, F> {
    fn new(pool: Pool, items: I, f: F, location: &'static Location<'static>) -> Feeder<I, F> {
        Feeder {
            pool,
            items: items.fuse(),
            next: None,
            f,
            slot: None,
            location,
        }
    }

    /// Starts the next item's task once the pool has a slot for it, while
    /// fewer than the pool's size of the stream's tasks (`held`) are started
    /// and not yet yielded: finished ones count, so a slow consumer holds
    /// the items back instead of letting results pile up. `None` once the
    /// items are done; `Pending` while the item waits for a slot or for the
    /// consumer (who polls the stream again).
    fn poll_start<Fut>(&mut self, cx: &mut Context<'_>, held: usize) -> Poll<Option<JoinHandle<Fut::Output>>>
    where
        F: FnMut(I::Item) -> Fut,
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        if held >= self.pool.size() {
            return Poll::Pending;
        }
        if self.next.is_none() {
            self.next = self.items.next();
        }
        if self.next.is_none() {
            return Poll::Ready(None);
        }
        let slot = self.slot.get_or_insert_with(|| self.pool.slots.acquire());
        let permit = std::task::ready!(Pin::new(slot).poll(cx));
        self.slot = None;
        let item = self.next.take().expect("checked above");
        Poll::Ready(Some(self.pool.spawn_with(permit, (self.f)(item), self.location)))
    }

    /// Whether an item waits for a slot.
    fn waiting(&self) -> bool {
        self.next.is_some()
    }
}
