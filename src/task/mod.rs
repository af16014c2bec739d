//! Green tasks: spawn, join, kill, names, task-locals. gevent's `spawn`,
//! `Greenlet`, `joinall`, `kill` and `local`.
//!
//! # Examples
//!
//! ```
//! use std::time::Duration;
//!
//! grove::run(async {
//!     let tasks: Vec<_> = (0..3)
//!         .map(|i| grove::spawn(async move {
//!             grove::sleep(Duration::from_millis(10 * i)).await;
//!             i
//!         }))
//!         .collect();
//!     let results = grove::joinall(tasks).await;
//!     let values: Vec<u64> = results.into_iter().map(Result::unwrap).collect();
//!     assert_eq!(values, [0, 1, 2]);
//! });
//! ```

mod budget;
mod builder;
mod current;
mod handoff;
mod joinall;
mod local;
mod many;
mod yield_now;

use std::future::Future;
use std::time::Duration;

pub use crate::runtime::task::{JoinError, JoinHandle, RemoteJoinHandle, TaskId};
pub use budget::{ConsumeBudget, Unconstrained, consume_budget, unconstrained};
pub use builder::Builder;
pub use current::{Task, current, try_current};
pub use handoff::wake_next;
pub use joinall::{JoinAll, TryJoinAll, joinall, try_joinall};
pub use local::LocalKey;
pub use many::{AsCompleted, Wait, as_completed, killall, wait};
pub use yield_now::{YieldNow, yield_now};

/// Spawns `future` as a new task on the current thread's runtime, and
/// returns its [`JoinHandle`].
///
/// The future need not be `Send`: tasks never leave the runtime's thread.
/// The task is queued and runs at the scheduler's next turn, never inside
/// `spawn` itself.
///
/// # Panics
/// If there is no grove runtime on this thread. From another thread, spawn
/// through a [`Handle`](crate::Handle).
///
/// # Examples
///
/// ```
/// use std::rc::Rc;
///
/// grove::run(async {
///     let shared = Rc::new(5); // !Send is fine
///     let task = grove::spawn(async move { *shared * 2 });
///     assert_eq!(task.await.unwrap(), 10);
/// });
/// ```
#[track_caller]
pub fn spawn<F>(future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Builder::new().spawn(future)
}

/// Spawns `future` as a task that starts after `delay`, counted from this
/// call: gevent's `spawn_later`. Killing it before then means it never
/// starts.
///
/// # Panics
/// If there is no grove runtime on this thread.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// grove::run(async {
///     let start = Instant::now();
///     let task = grove::spawn_later(Duration::from_millis(20), async move { start.elapsed() });
///     assert!(task.await.unwrap() >= Duration::from_millis(20));
/// });
/// ```
#[track_caller]
pub fn spawn_later<F>(delay: Duration, future: F) -> JoinHandle<F::Output>
where
    F: Future + 'static,
    F::Output: 'static,
{
    Builder::new().spawn_later(delay, future)
}
