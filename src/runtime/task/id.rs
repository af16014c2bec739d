//! Task ids.

use std::cell::Cell;
use std::fmt;
use std::num::NonZeroU64;
use std::sync::atomic::{AtomicU64, Ordering};

/// Identifies a task, unique in the process for its whole run.
///
/// Ids come from a global counter that each thread draws in blocks, so
/// taking one is a thread-local increment.
///
/// # Examples
///
/// ```
/// grove::run(async {
///     let a = grove::spawn(async {});
///     let b = grove::spawn(async {});
///     assert_ne!(a.id(), b.id());
/// });
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct TaskId(NonZeroU64);

/// How many ids a thread takes from the global counter at once.
const BLOCK: u64 = 1024;

impl TaskId {
    /// A fresh id.
    pub(crate) fn next() -> TaskId {
        static GLOBAL: AtomicU64 = AtomicU64::new(1);
        thread_local! {
            /// The next id of this thread's block, and the block's end.
            static LOCAL: Cell<(u64, u64)> = const { Cell::new((0, 0)) };
        }
        LOCAL.with(|local| {
            let (mut next, mut end) = local.get();
            if next == end {
                next = GLOBAL.fetch_add(BLOCK, Ordering::Relaxed);
                end = next + BLOCK;
            }
            local.set((next + 1, end));
            TaskId(NonZeroU64::new(next).expect("task ids start at 1"))
        })
    }

    /// The id whose number is `n`, if `n` is not zero.
    pub(crate) fn from_u64(n: u64) -> Option<TaskId> {
        NonZeroU64::new(n).map(TaskId)
    }

    /// The id as a number.
    ///
    /// # Examples
    ///
    /// ```
    /// grove::run(async {
    ///     let task = grove::spawn(async {});
    ///     assert!(task.id().as_u64() > 0);
    /// });
    /// ```
    pub fn as_u64(self) -> u64 {
        self.0.get()
    }
}

impl fmt::Display for TaskId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
