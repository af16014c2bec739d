//! Chapters that read across the API: how grove is built, and how to use it
//! from code that was not written for it. Each is a module with no items.
//!
//! - [`design`]: the task cell, the run queue and handoffs, the one waiter
//!   list, timers, the reactor and the blocking pool.
//! - [`embedding`]: grove as the executor of libraries, of hyper, and of a
//!   host event loop; what may cross threads.
//! - [`waiting`]: waiting on many tasks, and on the first of many futures
//!   with `select!`, and what a losing branch costs.
//! - [`observing`]: seeing inside the loop: the blocked-loop monitor,
//!   metrics, task dumps, hooks, tracing and the paused clock.

pub mod design;
pub mod embedding;
pub mod observing;
pub mod waiting;
