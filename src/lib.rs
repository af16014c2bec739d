//! grove runs thousands of green tasks on one thread, the way gevent runs
//! greenlets: spawn them, let them sleep and do I/O, join them all.
//!
//! ```
//! use std::time::{Duration, Instant};
//!
//! grove::run(async {
//!     let start = Instant::now();
//!     // Ten tasks that each wait 100 ms: together they take 100 ms, not 1 s.
//!     let tasks: Vec<_> = (1..=10)
//!         .map(|i| grove::spawn(async move {
//!             grove::sleep(Duration::from_millis(100)).await;
//!             i
//!         }))
//!         .collect();
//!     let results = grove::joinall(tasks).await;
//!     let numbers: Vec<i32> = results.into_iter().map(Result::unwrap).collect();
//!     assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
//!     assert!(start.elapsed() < Duration::from_secs(1));
//! });
//! ```
//!
//! # What is here
//!
//! - [`run`] and [`Runtime`]: the loop, one per thread, built on mio.
//!   [`Handle`] spawns onto it from other threads.
//! - [`spawn`], [`spawn_later`], [`JoinHandle`] (await, `kill`, `id`,
//!   `name`), [`joinall`] and [`try_joinall`], [`yield_now`], task names and
//!   [`task_local!`]: gevent's greenlets.
//! - [`sleep`], [`sleep_until`], [`timeout`], [`interval`]: time.
//! - [`sync`]: [`Event`](sync::Event), [`AsyncResult`](sync::AsyncResult),
//!   [`Semaphore`](sync::Semaphore), [`BoundedSemaphore`](sync::BoundedSemaphore),
//!   [`Lock`](sync::Lock), [`RLock`](sync::RLock), [`Condition`](sync::Condition).
//! - [`queue`]: [`Queue`](queue::Queue), [`LifoQueue`](queue::LifoQueue),
//!   [`PriorityQueue`](queue::PriorityQueue) (joinable, closable) and the
//!   rendezvous [`Channel`](queue::Channel).
//! - [`switch`]: greenlet-style switching between two tasks.
//! - [`pool`]: [`Group`](pool::Group) and [`Pool`](pool::Pool) (bounded
//!   concurrency, `map`, `imap_unordered`).
//! - [`io::Async`]: any mio source as futures-io `AsyncRead`/`AsyncWrite`.
//!
//! Tasks may hold `!Send` state: a runtime and its tasks never leave the
//! thread that created it. To use more cores, run one runtime per core.
//!
//! # Panics and errors
//!
//! A panic inside a task is caught and handed to its [`JoinHandle`] as a
//! [`JoinError`]; the runtime and every other task go on. Calling
//! [`spawn`] with no runtime on the thread, or `block_on` from inside a
//! runtime, panics with a message that says what to do instead.

#![deny(unsafe_op_in_unsafe_fn)]
#![warn(missing_docs, missing_debug_implementations, clippy::undocumented_unsafe_blocks)]
#![doc(test(attr(deny(warnings))))]

#[cfg(feature = "blocking")]
pub mod blocking;
pub mod io;
pub mod net;
pub mod pool;
pub mod queue;
pub mod runtime;
pub mod switch;
pub mod sync;
pub mod task;
pub mod time;

#[cfg(feature = "blocking")]
pub use blocking::spawn_blocking;
pub use runtime::{Handle, Runtime, run};
pub use task::{JoinError, JoinHandle, joinall, spawn, spawn_later, try_joinall, yield_now};
pub use time::{interval, sleep, sleep_until, timeout};
