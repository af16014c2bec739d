//! The one waiter list under every primitive (events, semaphores, locks,
//! queues, pools), and the waiter that a waiting future holds in it.
//!
//! It sits in the runtime because it schedules the runtime's own tasks on
//! the spot when it notifies them (see `list.rs`); the primitives above
//! only say where their lines are and what a notification carries.
//!
//! # The hop path
//!
//! A `Channel` or `switch` round trip is two hops: a put that hands its
//! item to a parked getter's node and schedules the getter next, and the
//! getter's poll that collects it. The functions on that path carry
//! `#[inline(always)]`, and this is the one place that says why: left to
//! the compiler, each of them costs `pingpong_channel` and
//! `pingpong_switch` (`benches/sync.rs`) 5 to 25% more instructions per
//! round trip, measured one at a time with `bash benches/instructions.sh`.
//! They are the list's `push`, `notify_one`, `take_one` and its waking
//! (`list.rs`); the queue's `try_put`, `try_get`, `poll_get`, `poll_put`
//! and its `Put`/`Get` futures (`queue/`); `SwitchTo::poll`; the context
//! lookup that finds the current runtime (`context.rs`); and the task's
//! `start` and `poll_task` on the way into every poll (`task/`). Nothing
//! else in the crate forces inlining.

mod list;
mod waiter;

pub(crate) use list::{WaitList, wake_all};
pub(crate) use waiter::{Line, Lock, Waiter};
