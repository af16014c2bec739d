//! [`ThreadPool`]: OS threads for blocking calls, with green-task handles.

use std::fmt;
use std::future::Future;
use std::panic::Location;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use super::SpawnError;
use super::builder::Builder;
use crate::runtime::blocking::{
    Config, Drained, Job, Outcome, Room, Submit, Workers, pack, poll_drained, poll_room, receive,
};
use crate::runtime::wait::Waiter;
use crate::task::JoinHandle;

/// A pool of OS threads that run blocking closures while green tasks go
/// on: gevent's `ThreadPool`.
///
/// Threads start on demand, up to [`max_threads`](ThreadPool::max_threads),
/// and exit after sitting idle for the
/// [idle timeout](Builder::idle_timeout). Each job gets a green task whose
/// [`JoinHandle`] yields the closure's result, or a
/// [`JoinError`](crate::JoinError) carrying its panic.
///
/// **Backpressure:** at most [`queue_limit`](Builder::queue_limit) jobs
/// (1,024 by default) wait for a thread; past that,
/// [`spawn`](ThreadPool::spawn) waits until a thread takes one.
///
/// Dropping the pool closes it, lets queued and running jobs finish, and
/// joins its threads, blocking the caller meanwhile;
/// [`terminate`](ThreadPool::terminate) first drops the queued ones. Killing a job's task
/// first takes the job out of the queue. In a task, await
/// [`join`](ThreadPool::join) before dropping a pool that may still have
/// work, so that the drop does not stall the other tasks.
///
/// # Examples
///
/// ```
/// use grove::blocking::ThreadPool;
///
/// grove::run(async {
///     let pool = ThreadPool::new(4);
///     let squares = pool.map(0..10, |n| n * n).await.unwrap();
///     assert_eq!(squares, [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]);
/// });
/// ```
pub struct ThreadPool {
    workers: Arc<Workers>,
}

impl ThreadPool {
    /// A pool of at most `max_threads` threads, with the other settings at
    /// their [defaults](Builder::new).
    ///
    /// # Panics
    /// If `max_threads` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::ThreadPool::new(2);
    /// assert_eq!((pool.max_threads(), pool.threads()), (2, 0));
    /// ```
    #[track_caller]
    pub fn new(max_threads: usize) -> ThreadPool {
        Builder::new().max_threads(max_threads).build()
    }

    /// Starts a [`Builder`] to configure a pool.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::ThreadPool::builder().max_threads(3).build();
    /// assert_eq!(pool.max_threads(), 3);
    /// ```
    pub fn builder() -> Builder {
        Builder::new()
    }

    pub(super) fn from_config(config: Config) -> ThreadPool {
        ThreadPool {
            workers: Arc::new(Workers::new(config)),
        }
    }

    /// Hands `f` to a thread, waiting for room in the queue if it is full,
    /// and returns the handle of the green task that yields its result.
    ///
    /// Killing that task before a thread starts `f` takes `f` out of the
    /// queue; once `f` runs it finishes, and its result is dropped.
    ///
    /// # Errors
    /// [`SpawnError::Closed`] after [`close`](ThreadPool::close);
    /// [`SpawnError::Thread`] if the pool has no thread and the OS refuses
    /// to start one.
    ///
    /// # Panics
    /// If there is no grove runtime on this thread.
    ///
    /// # Cancel safety
    /// Dropping the future before it completes leaves `f` unqueued, and
    /// passes on a wake-up for room it had received, so other spawners do
    /// not miss it.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(1);
    ///     let task = pool.spawn(|| std::fs::metadata(".").is_ok()).await.unwrap();
    ///     assert!(task.await.unwrap());
    /// });
    /// ```
    #[track_caller]
    pub fn spawn<F, T>(&self, f: F) -> Spawn<'_, T>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Spawn {
            workers: &self.workers,
            job: Some(pack(f)),
            room: Waiter::new(&self.workers),
            location: Location::caller(),
        }
    }

    /// Runs `f` on every item, at most [`max_threads`](ThreadPool::max_threads)
    /// at once, and returns the results in the order of the items.
    ///
    /// # Errors
    /// The pool's refusal of an item, as soon as it happens; otherwise the
    /// first job in item order that panicked. The tasks of the other jobs
    /// are then killed, which takes those still queued out of the queue.
    ///
    /// # Cancel safety
    /// Dropping the future kills the tasks of the jobs it spawned, which
    /// takes those still queued out of the queue (a thread may take one
    /// first; its result is then dropped).
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(3);
    ///     let lengths = pool.map(["a", "bb", "ccc"], str::len).await.unwrap();
    ///     assert_eq!(lengths, [1, 2, 3]);
    /// });
    /// ```
    pub async fn map<I, F, T>(&self, items: I, f: F) -> Result<Vec<T>, super::Error>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        let f = Arc::new(f);
        let mut batch = Batch(Vec::new());
        for item in items {
            let f = f.clone();
            batch.0.push(self.spawn(move || f(item)).await?);
        }
        let mut results = Vec::with_capacity(batch.0.len());
        for task in &mut batch.0 {
            results.push(task.await?);
        }
        Ok(results)
    }

    /// Runs `f` on every item, at most [`max_threads`](ThreadPool::max_threads)
    /// at once, and yields the results in the order of the items, each as
    /// soon as it and those before it are ready: Python's `imap`.
    ///
    /// Items are taken from the iterator only as the stream is polled, and
    /// at most twice `max_threads` jobs are out at once, finished ones not
    /// yet yielded included, so an endless iterator is fine.
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream, or a `next()` on it, loses no result that was
    /// already yielded. Dropping the stream kills the tasks of its jobs:
    /// those still queued leave the queue and never run, those running
    /// finish and their results are dropped, and items not yet handed to
    /// the pool are never taken from the iterator.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(4);
    ///     // The later items finish first; the stream still yields in order.
    ///     let mut slept = pool.imap([30u64, 20, 10, 0], |ms| {
    ///         std::thread::sleep(std::time::Duration::from_millis(ms));
    ///         ms
    ///     });
    ///     let mut order = Vec::new();
    ///     while let Some(ms) = slept.next().await {
    ///         order.push(ms.unwrap());
    ///     }
    ///     assert_eq!(order, [30, 20, 10, 0]);
    /// });
    /// ```
    pub fn imap<I, F, T>(&self, items: I, f: F) -> super::Imap<'_, I::IntoIter, F, T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        super::Imap::new(self, items.into_iter(), Arc::new(f))
    }

    /// Runs `f` on every item, at most [`max_threads`](ThreadPool::max_threads)
    /// at once, and yields each result as soon as it is ready.
    ///
    /// # Cancel safety
    ///
    /// Dropping the stream, or a `next()` on it, loses no result that was
    /// already yielded. Dropping the stream kills the tasks of its jobs:
    /// those still queued leave the queue and never run, those running
    /// finish and their results are dropped, and items not yet handed to
    /// the pool are never taken from the iterator.
    ///
    /// # Examples
    ///
    /// ```
    /// use futures::StreamExt;
    ///
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(2);
    ///     let mut doubled: Vec<u32> = pool
    ///         .imap_unordered(1..=4, |n: u32| n * 2)
    ///         .map(Result::unwrap)
    ///         .collect()
    ///         .await;
    ///     doubled.sort();
    ///     assert_eq!(doubled, [2, 4, 6, 8]);
    /// });
    /// ```
    pub fn imap_unordered<I, F, T>(&self, items: I, f: F) -> super::ImapUnordered<'_, I::IntoIter, F, T>
    where
        I: IntoIterator,
        I::Item: Send + 'static,
        F: Fn(I::Item) -> T + Send + Sync + 'static,
        T: Send + 'static,
    {
        super::ImapUnordered::new(self, items.into_iter(), Arc::new(f))
    }

    /// Refuses new jobs from now on. Queued and running jobs still finish;
    /// [`join`](ThreadPool::join) waits for them.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(1);
    ///     let task = pool.spawn(|| 1).await.unwrap();
    ///     pool.close();
    ///     assert!(pool.spawn(|| 2).await.is_err());
    ///     assert_eq!(task.await.unwrap(), 1);
    /// });
    /// ```
    pub fn close(&self) {
        self.workers.close();
    }

    /// Stops the pool at once, as far as threads can be stopped: new jobs
    /// are refused, as after [`close`](ThreadPool::close), and every queued
    /// job is dropped unrun. Jobs already running finish, since a thread
    /// cannot be interrupted, and their results are dropped. The tasks of
    /// both end [killed](crate::JoinError::is_killed);
    /// [`join`](ThreadPool::join) then waits for the running jobs.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::mpsc;
    ///
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(1);
    ///     let (started_tx, started) = mpsc::channel();
    ///     let (release, released) = mpsc::channel::<()>();
    ///     let running = pool
    ///         .spawn(move || {
    ///             started_tx.send(()).unwrap();
    ///             released.recv().unwrap();
    ///             "finished"
    ///         })
    ///         .await
    ///         .unwrap();
    ///     let queued = pool.spawn(|| "never runs").await.unwrap();
    ///     grove::spawn_blocking(move || started.recv()).await.unwrap().unwrap();
    ///
    ///     pool.terminate();
    ///     release.send(()).unwrap();
    ///     assert!(queued.await.unwrap_err().is_killed());
    ///     assert!(running.await.unwrap_err().is_killed());
    ///     pool.join().await;
    /// });
    /// ```
    pub fn terminate(&self) {
        self.workers.terminate();
    }

    /// Changes the most threads the pool runs at once. Growing starts
    /// threads for jobs already waiting in the queue; shrinking lets the
    /// threads above the new maximum finish their current jobs, then exit.
    ///
    /// # Errors
    /// [`SpawnError::Thread`] if the OS refuses a thread started for a
    /// queued job. The new maximum stays set, and the job waits for a
    /// thread the pool already has.
    ///
    /// # Panics
    /// If `max_threads` is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// let pool = grove::blocking::ThreadPool::new(2);
    /// pool.resize(8).unwrap();
    /// assert_eq!(pool.max_threads(), 8);
    /// ```
    #[track_caller]
    pub fn resize(&self, max_threads: usize) -> Result<(), SpawnError> {
        assert!(max_threads > 0, "a thread pool needs at least one thread");
        self.workers.resize(max_threads).map_err(SpawnError::Thread)
    }

    /// Waits until no job is queued or running.
    ///
    /// # Cancel safety
    /// Dropping the future only stops the wait.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(2);
    ///     let done = Arc::new(AtomicUsize::new(0));
    ///     for _ in 0..5 {
    ///         let done = done.clone();
    ///         pool.spawn(move || done.fetch_add(1, Ordering::Relaxed)).await.unwrap();
    ///     }
    ///     pool.join().await;
    ///     assert_eq!(done.load(Ordering::Relaxed), 5);
    /// });
    /// ```
    pub fn join(&self) -> Join<'_> {
        Join {
            waiter: Waiter::new(&self.workers),
        }
    }

    /// The most threads this pool runs at once, as built or last
    /// [resized](ThreadPool::resize).
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::blocking::ThreadPool::new(6).max_threads(), 6);
    /// ```
    pub fn max_threads(&self) -> usize {
        self.workers.max_threads()
    }

    /// How many threads are alive now, idle or busy.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(2);
    ///     assert_eq!(pool.threads(), 0);
    ///     pool.spawn(|| ()).await.unwrap().await.unwrap();
    ///     assert_eq!(pool.threads(), 1);
    /// });
    /// ```
    pub fn threads(&self) -> usize {
        self.workers.metrics().threads
    }

    /// How many threads are running a job now.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(2);
    ///     pool.spawn(|| ()).await.unwrap().await.unwrap();
    ///     pool.join().await;
    ///     assert_eq!(pool.busy(), 0);
    /// });
    /// ```
    pub fn busy(&self) -> usize {
        self.workers.metrics().busy
    }

    /// How many jobs have run to their end (returned or panicked), Python's
    /// count of completed tasks.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let pool = grove::blocking::ThreadPool::new(1);
    ///     pool.spawn(|| ()).await.unwrap().await.unwrap();
    ///     pool.join().await;
    ///     assert_eq!(pool.completed(), 1);
    /// });
    /// ```
    pub fn completed(&self) -> u64 {
        self.workers.metrics().completed
    }

    /// The pool's whole load at once: threads, busy, queued, completed.
    ///
    /// # Examples
    ///
    /// ```
    /// let metrics = grove::blocking::ThreadPool::new(3).metrics();
    /// assert_eq!((metrics.max_threads, metrics.threads, metrics.completed), (3, 0, 0));
    /// ```
    pub fn metrics(&self) -> super::PoolMetrics {
        self.workers.metrics()
    }

    /// How many jobs wait for a thread.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(grove::blocking::ThreadPool::new(1).queued(), 0);
    /// ```
    pub fn queued(&self) -> usize {
        self.workers.metrics().queued
    }
}

impl Drop for ThreadPool {
    fn drop(&mut self) {
        self.workers.shut_down();
    }
}

impl fmt::Debug for ThreadPool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ThreadPool")
            .field("metrics", &self.workers.metrics())
            .finish()
    }
}

/// Jobs spawned by one call, killed together if it is dropped early.
struct Batch<T>(Vec<JoinHandle<T>>);

impl<T> Drop for Batch<T> {
    fn drop(&mut self) {
        self.0.iter().for_each(JoinHandle::kill);
    }
}

/// The future of [`ThreadPool::spawn`]: the job's [`JoinHandle`] once the
/// pool has queued it.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let pool = grove::blocking::ThreadPool::new(1);
///     let spawn: grove::blocking::Spawn<'_, u8> = pool.spawn(|| 7);
///     assert_eq!(spawn.await.unwrap().await.unwrap(), 7);
/// });
/// ```
#[must_use = "the job is queued only when the future is awaited"]
pub struct Spawn<'a, T> {
    workers: &'a Arc<Workers>,
    job: Option<(Job, Outcome<T>)>,
    /// Our place among the spawners waiting for room.
    room: Waiter<&'a Workers, Room>,
    /// Where `spawn` was called: the job task's spawn location.
    location: &'static Location<'static>,
}

impl<T: Send + 'static> Spawn<'_, T> {
    /// Queues the job if there is room: `None` if the queue is full.
    pub(super) fn try_submit(&mut self) -> Option<Result<JoinHandle<T>, SpawnError>> {
        let (job, outcome) = self.job.take().expect("Spawn polled after completion");
        match self.workers.submit(job) {
            Ok(Submit::Queued(seq)) => Some(Ok(receive(self.workers.clone(), seq, outcome, self.location))),
            Ok(Submit::Full(job)) => {
                self.job = Some((job, outcome));
                None
            }
            Err(e) => Some(Err(e)),
        }
    }
}

impl<T: Send + 'static> Future for Spawn<'_, T> {
    type Output = Result<JoinHandle<T>, SpawnError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            if !this.room.is_waiting() {
                if let Some(done) = this.try_submit() {
                    return Poll::Ready(done);
                }
            }
            if let Err(e) = ready!(poll_room(&mut this.room, cx)) {
                return Poll::Ready(Err(e));
            }
        }
    }
}

impl<T> fmt::Debug for Spawn<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Spawn").field("queued", &self.job.is_none()).finish()
    }
}

/// The future of [`ThreadPool::join`].
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let pool = grove::blocking::ThreadPool::new(1);
///     let join: grove::blocking::Join<'_> = pool.join();
///     join.await;
/// });
/// ```
#[must_use = "futures do nothing unless awaited"]
#[derive(Debug)]
pub struct Join<'a> {
    waiter: Waiter<&'a Workers, Drained>,
}

impl Future for Join<'_> {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        poll_drained(&mut self.waiter, cx)
    }
}
