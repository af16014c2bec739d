//! Blocking calls on OS threads, while green tasks go on: gevent's
//! `threadpool`. Needs the cargo feature `blocking`, on by default.
//!
//! A green task must not block its thread: a `std::fs` call, a DNS lookup,
//! a C library or a long computation would stall every other task.
//! [`spawn_blocking`] runs such a call on the runtime's own pool of threads
//! and gives back a [`JoinHandle`] to await; a [`ThreadPool`] is a pool of
//! one's own, with `map`, `imap_unordered`, `close` and `join`.
//!
//! A finished job wakes its task from the pool thread; the wake-up reaches
//! the runtime through its poller at once, with no polling on a timer.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! grove::run(async {
//!     let ticker = grove::spawn(async {
//!         let mut ticks = 0;
//!         while ticks < 5 {
//!             grove::sleep(Duration::from_millis(2)).await;
//!             ticks += 1;
//!         }
//!         ticks
//!     });
//!     // Blocks a pool thread, not the runtime: the ticker keeps ticking.
//!     let slept = grove::spawn_blocking(|| std::thread::sleep(Duration::from_millis(30)));
//!     slept.await.unwrap();
//!     assert_eq!(ticker.await.unwrap(), 5);
//! });
//! ```

mod builder;
mod error;
mod imap;
mod job;
mod pool;
mod shared;

use std::cell::{Cell, OnceCell};
use std::panic::resume_unwind;
use std::time::{Duration, Instant};

pub use builder::Builder;
pub use error::{Error, SpawnError};
pub use imap::ImapUnordered;
pub use pool::{Join, Spawn, ThreadPool};
pub(crate) use shared::SPIN;

use crate::runtime::context;
use crate::runtime::task::Refused;
use crate::task::JoinHandle;

/// The default number of threads of a runtime's own pool; see
/// [`runtime::Builder::blocking_threads`](crate::runtime::Builder::blocking_threads).
pub(crate) const DEFAULT_THREADS: usize = 64;

/// Runs `f` on a thread of the current runtime's pool and returns the
/// handle of a green task that yields its result. A panic in `f` comes back
/// as a [`JoinError`](crate::JoinError) carrying its payload.
///
/// The pool starts threads on demand, up to
/// [`blocking_threads`](crate::runtime::Builder::blocking_threads), and
/// its queue is unbounded, so `spawn_blocking` never waits. For a bounded
/// queue, whose `spawn` waits for room, use a [`ThreadPool`].
///
/// Dropping the runtime waits for running jobs.
///
/// If the pool has no thread and the OS refuses to start one, the task
/// fails with a `JoinError` for which
/// [`is_refused`](crate::JoinError::is_refused) is true, and whose source
/// is the OS's error.
///
/// # Cancel safety
///
/// Dropping the `JoinHandle` detaches the job: it still runs. Killing the
/// task ([`JoinHandle::kill`](crate::JoinHandle::kill)) before a thread
/// starts `f` takes `f` out of the queue, so it never runs; once `f` runs
/// it finishes, and its result is dropped.
///
/// # Panics
/// If there is no grove runtime on this thread.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let size = grove::spawn_blocking(|| std::fs::read("Cargo.toml").map(|bytes| bytes.len()));
///     assert!(size.await.unwrap().unwrap() > 0);
/// });
/// ```
#[track_caller]
pub fn spawn_blocking<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let submitted = context::with_core("grove::spawn_blocking", |core| {
        // The default pool's queue is unbounded, so there is always room.
        core.blocking().submit(f)
    });
    match submitted {
        Some(Ok(task)) => task,
        Some(Err(e)) => crate::spawn(refused(e)),
        None => unreachable!("the runtime's pool has an unbounded queue"),
    }
}

/// The task of a job the pool could not take: it fails with the error,
/// as a refusal ([`JoinError::is_refused`](crate::JoinError::is_refused)).
async fn refused<T>(e: SpawnError) -> T {
    resume_unwind(Box::new(Refused(e.into())))
}

/// A runtime's own pool, started on the first [`spawn_blocking`].
pub(crate) struct RuntimePool {
    threads: usize,
    pool: OnceCell<ThreadPool>,
    /// When the last job was handed over.
    last_submit: Cell<Option<Instant>>,
}

/// How long after handing a job over the runtime expects its result soon
/// enough to spin for it (see [`RuntimePool::result_due`]).
const RECENT: Duration = Duration::from_millis(1);

impl RuntimePool {
    pub(crate) fn new(threads: usize) -> RuntimePool {
        RuntimePool {
            threads,
            pool: OnceCell::new(),
            last_submit: Cell::new(None),
        }
    }

    /// Hands `f` to the pool; `None` if its queue is full, which an
    /// unbounded queue never is.
    fn submit<F, T>(&self, f: F) -> Option<Result<JoinHandle<T>, SpawnError>>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.last_submit.set(Some(Instant::now()));
        self.pool().spawn(f).try_submit()
    }

    /// Whether a result is likely to come back within microseconds: jobs
    /// are out, and one was handed over less than a millisecond ago. Only
    /// then does the loop spin for it before sleeping; a long job leaves
    /// the loop sleeping in the poller, as usual.
    pub(crate) fn result_due(&self) -> bool {
        self.last_submit.get().is_some_and(|at| at.elapsed() < RECENT)
            && self.pool.get().is_some_and(|pool| pool.shared().has_unfinished())
    }

    fn pool(&self) -> &ThreadPool {
        self.pool.get_or_init(|| {
            ThreadPool::builder()
                .max_threads(self.threads)
                .queue_limit(usize::MAX)
                .build()
        })
    }
}
