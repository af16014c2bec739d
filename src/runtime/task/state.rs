//! The lifecycle bits of a task cell.
//!
//! These bits live in a plain `Cell<u32>` because only the runtime's own thread
//! ever reads or writes them: wakers used on other threads never touch the
//! state, they hand the task to the runtime's inject queue instead (see
//! `waker.rs`). Only the reference count is atomic.

/// The task sits in the run queue or the handoff slot. Set by a wake, cleared
/// when the scheduler takes the task out to run it. While set, the scheduler
/// holds a pointer to the cell, so the cell's local reference is kept.
pub(crate) const SCHEDULED: u32 = 1 << 0;

/// The task is being polled. A `kill` that arrives now only sets [`KILLED`];
/// the scheduler drops the future when the poll returns, because a future
/// cannot be dropped from inside its own `poll`.
pub(crate) const RUNNING: u32 = 1 << 1;

/// The future is gone: it returned, panicked or was killed. Excludes
/// [`SCHEDULED`] being set again: wakes of a finished task are ignored.
pub(crate) const FINISHED: u32 = 1 << 2;

/// The task was killed. Set together with, or before, [`FINISHED`].
pub(crate) const KILLED: u32 = 1 << 3;

/// The stage holds the task's result (`Ok` or a panic), not yet taken by the
/// `JoinHandle`. Excludes [`FUTURE`]: the stage holds one or the other.
pub(crate) const OUTPUT: u32 = 1 << 4;

/// A `JoinHandle` for the task exists. Cleared when the handle is dropped.
pub(crate) const HANDLE: u32 = 1 << 5;

/// The task is in the runtime's registry of live tasks: set the first time
/// it returns `Pending`, cleared when it finishes.
pub(crate) const LINKED: u32 = 1 << 6;

/// The task has created task-local values that must be dropped when it ends.
pub(crate) const HAS_LOCALS: u32 = 1 << 7;

/// The task has been polled at least once. A kill before this point means the
/// task never ran.
pub(crate) const STARTED: u32 = 1 << 8;

/// The stage holds the future. Set from the start; cleared just before the
/// future is dropped, so that nothing re-enters it while its destructors
/// run. Excludes [`OUTPUT`].
pub(crate) const FUTURE: u32 = 1 << 9;

/// The runtime is finishing the task: dropping its future, its task-locals,
/// waking its joiner. Those run user code, which may drop the task's own
/// `JoinHandle`; this bit keeps the cell alive until the runtime is done.
pub(crate) const RETIRING: u32 = 1 << 10;

/// Bits that keep the cell's local reference alive: while any is set, the
/// runtime side still needs the memory.
pub(crate) const KEEPS_CELL: u32 = SCHEDULED | RUNNING | OUTPUT | HANDLE | LINKED | RETIRING;
