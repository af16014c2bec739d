//! The one waiter list under every primitive (events, semaphores, locks,
//! queues, pools), and the waiter that a waiting future holds in it.
//!
//! It sits in the runtime because it schedules the runtime's own tasks on
//! the spot when it notifies them (see `list.rs`); the primitives above
//! only say where their lines are and what a notification carries.

mod list;
mod waiter;

pub(crate) use list::{WaitList, wake_all};
pub(crate) use waiter::{Line, Lock, Waiter};
