//! gevent's `Pool`: a group with a limit on how many tasks run at once.

use std::fmt;
use std::future::Future;
use std::panic::Location;

use super::group::{Group, Join};
use super::holding::Holding;
use super::{Imap, ImapUnordered};
use crate::sync::{Permit, Semaphore};
use crate::task::{JoinError, JoinHandle};

/// A [`Group`] that runs at most `size` tasks at once: gevent's `Pool`.
/// [`spawn`](Pool::spawn) waits for a free slot; [`map`](Pool::map) and
/// [`imap_unordered`](Pool::imap_unordered) run a function over many inputs
/// with that much concurrency.
///
/// A `Pool` is a cheap `Clone` handle to shared state.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let pool = grove::pool::Pool::new(3);
///     let squares = pool.map(1..=5, |n| async move { n * n }).await;
///     let squares: Vec<i32> = squares.into_iter().map(Result::unwrap).collect();
///     assert_eq!(squares, [1, 4, 9, 16, 25]);
/// });
/// ```
#[derive(Clone)]
pub struct Pool {
    group: Group,
    pub(super) slots: Semaphore,
    size: usize,
}

impl Pool {
    /// A pool of `size` slots.
    ///
    /// # Panics
    /// If `size` is zero: nothing could ever run.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::pool::Pool::new(10);
    /// assert_eq!(pool.free_count(), 10);
    /// ```
    #[track_caller]
    pub fn new(size: usize) -> Pool {
        assert!(size > 0, "a pool needs at least one slot");
        Pool {
            group: Group::new(),
            slots: Semaphore::new(size),
            size,
        }
    }

    /// Waits for a free slot, then spawns `future` in it and returns its
    /// handle. The slot is freed when the task finishes or is killed.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(1);
    ///     let task = pool.spawn(async { "ran" }).await;
    ///     assert_eq!(pool.free_count(), 0);
    ///     assert_eq!(task.await.unwrap(), "ran");
    ///     assert_eq!(pool.free_count(), 1);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropped while waiting for a slot, nothing is spawned and no slot is
    /// taken.
    #[track_caller]
    pub fn spawn<F>(&self, future: F) -> impl Future<Output = JoinHandle<F::Output>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        // Taken here: `#[track_caller]` does not reach into an async block.
        let location = Location::caller();
        // The handle is the value: the caller awaits it when it wants the
        // task's result.
        #[allow(clippy::async_yields_async)]
        async move {
            let permit = self.slots.acquire().await;
            self.spawn_with(permit, future, location)
        }
    }

    /// Spawns `future` in the slot held by `permit`, as spawned from
    /// `location`.
    pub(super) fn spawn_with<F>(
        &self,
        permit: Permit,
        future: F,
        location: &'static Location<'static>,
    ) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        self.group.spawn_at(Holding::new(future, permit), location)
    }

    /// How many more tasks could start now.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::pool::Pool::new(2).free_count(), 2);
    /// ```
    pub fn free_count(&self) -> usize {
        self.slots.available()
    }

    /// The number of slots.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::pool::Pool::new(4).size(), 4);
    /// ```
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many tasks of the pool have not finished.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::pool::Pool::new(4).len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.group.len()
    }

    /// Whether no task of the pool is running.
    ///
    /// # Examples
    ///
    /// ```
    /// assert!(grove::pool::Pool::new(1).is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.group.is_empty()
    }

    /// Runs `f` on every item, at most `size` at a time, and returns the
    /// results in input order.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(2);
    ///     let lens = pool.map(["a", "bb", "ccc"], |s| async move { s.len() }).await;
    ///     assert_eq!(lens.into_iter().map(Result::unwrap).collect::<Vec<_>>(), [1, 2, 3]);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future stops starting new tasks; those already started
    /// go on, detached, in the pool.
    #[track_caller]
    pub fn map<I, F, Fut>(&self, items: I, mut f: F) -> impl Future<Output = Vec<Result<Fut::Output, JoinError>>>
    where
        I: IntoIterator,
        F: FnMut(I::Item) -> Fut,
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        let location = Location::caller();
        async move {
            let mut tasks = Vec::new();
            for item in items {
                let permit = self.slots.acquire().await;
                tasks.push(self.spawn_with(permit, f(item), location));
            }
            crate::joinall(tasks).await
        }
    }

    /// Runs `f` on every item, at most `size` at a time, and yields the
    /// results as they finish. At most `size` tasks are started and not yet
    /// yielded, finished ones included, so a slow consumer holds the items
    /// back rather than let results pile up.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(3);
    ///     let done: Vec<u64> = pool
    ///         .imap_unordered([30, 10, 20], |ms| async move {
    ///             grove::sleep(Duration::from_millis(ms)).await;
    ///             ms
    ///         })
    ///         .map(Result::unwrap)
    ///         .collect()
    ///         .await;
    ///     assert_eq!(done, [10, 20, 30]);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream stops starting new tasks; those already started
    /// go on, detached, in the pool.
    #[track_caller]
    pub fn imap_unordered<I, F, Fut>(&self, items: I, f: F) -> ImapUnordered<I::IntoIter, F, Fut::Output>
    where
        I: IntoIterator,
        F: FnMut(I::Item) -> Fut,
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        ImapUnordered::new(self.clone(), items.into_iter(), f, Location::caller())
    }

    /// Runs `f` on every item, at most `size` at a time, and yields the
    /// results in input order: Python's `Pool.imap`. It is lazy: an item is
    /// taken and started only when a slot is free, and a result that is done
    /// but not yet yielded (a later item finished before an earlier one)
    /// still counts against the `size` in flight, so the stream holds at
    /// most `size` results at any time.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    /// use std::time::Duration;
    ///
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(3);
    ///     let done: Vec<u64> = pool
    ///         .imap([30, 10, 20], |ms| async move {
    ///             grove::sleep(Duration::from_millis(ms)).await;
    ///             ms
    ///         })
    ///         .map(Result::unwrap)
    ///         .collect()
    ///         .await;
    ///     assert_eq!(done, [30, 10, 20], "in input order");
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream stops starting new tasks; those already started
    /// go on, detached, in the pool.
    #[track_caller]
    pub fn imap<I, F, Fut>(&self, items: I, f: F) -> Imap<I::IntoIter, F, Fut::Output>
    where
        I: IntoIterator,
        F: FnMut(I::Item) -> Fut,
        Fut: Future + 'static,
        Fut::Output: 'static,
    {
        Imap::new(self.clone(), items.into_iter(), f, Location::caller())
    }

    /// Runs `future` in the pool, waiting for a slot first, and returns its
    /// result: Python's `Pool.apply`.
    ///
    /// # Errors
    /// The task's [`JoinError`] if it panicked or was killed.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(2);
    ///     assert_eq!(pool.apply(async { 6 * 7 }).await.unwrap(), 42);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropped while waiting for a slot, nothing runs. Dropped after, the
    /// task goes on, detached, and its result is lost.
    #[track_caller]
    pub fn apply<F>(&self, future: F) -> impl Future<Output = Result<F::Output, JoinError>>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let spawn = self.spawn(future);
        async move { spawn.await.await }
    }

    /// Waits until a slot is free, without taking it: gevent's
    /// `wait_available`. A spawn right after does not wait (unless another
    /// task took the slot in between).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(1);
    ///     let busy = pool.spawn(grove::yield_now()).await;
    ///     assert!(pool.is_full());
    ///     pool.wait_available().await;
    ///     assert!(!pool.is_full());
    ///     busy.await.unwrap();
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future takes no slot, and passes on a slot that was
    /// about to reach it.
    pub async fn wait_available(&self) {
        drop(self.slots.acquire().await);
    }

    /// Whether every slot is taken, so that a spawn would wait: gevent's
    /// `full`.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(1);
    ///     assert!(!pool.is_full());
    ///     let task = pool.spawn(async {}).await;
    ///     assert!(pool.is_full());
    ///     task.await.unwrap();
    /// });
    /// ```
    pub fn is_full(&self) -> bool {
        self.free_count() == 0
    }

    /// Kills every task of the pool.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(2);
    ///     let task = pool.spawn(std::future::pending::<()>()).await;
    ///     pool.kill();
    ///     assert!(task.await.unwrap_err().is_killed());
    /// });
    /// ```
    pub fn kill(&self) {
        self.group.kill();
    }

    /// Waits until every task of the pool has finished.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::pool::Pool::new(2);
    ///     pool.spawn(grove::yield_now()).await;
    ///     pool.join().await;
    ///     assert_eq!(pool.free_count(), 2);
    /// });
    /// ```
    ///
    /// # Cancel safety
    ///
    /// Dropping the future changes nothing about the pool.
    pub fn join(&self) -> Join {
        self.group.join()
    }
}

impl fmt::Debug for Pool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size)
            .field("running", &self.len())
            .finish()
    }
}
