//! Blocking calls on OS threads, while green tasks go on: gevent's
//! `threadpool`. Needs the cargo feature `blocking`, on by default.
//!
//! A green task must not block its thread: a `std::fs` call, a DNS lookup,
//! a C library or a long computation would stall every other task.
//! [`spawn_blocking`] runs such a call on the runtime's own pool of threads
//! and gives back a [`JoinHandle`] to await; a [`ThreadPool`] is a pool of
//! one's own, with Python's `map`, `imap`, `imap_unordered`, `close`,
//! `join`, `terminate`, and a `resize` of its own.
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
mod pool;

pub use builder::Builder;
pub use error::Error;
pub use imap::{Imap, ImapUnordered};
pub use pool::{Join, Spawn, ThreadPool};

pub use crate::runtime::blocking::{PoolMetrics, SpawnError};
use std::panic::Location;

use crate::runtime::context;
use crate::task::JoinHandle;

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
    let location = Location::caller();
    context::with_core("grove::spawn_blocking", |core| core.blocking().spawn(f, location))
}
