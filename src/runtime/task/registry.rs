//! The runtime's books of its tasks: how many are unfinished, and which of
//! them have waited, so that dropping the runtime can find and drop every
//! unfinished task, even one that no waker refers to any more.
//!
//! A task is registered the first time it returns `Pending`, not when it
//! is spawned: until its first poll the run queue is where shutdown finds
//! it, and a task that finishes in its first poll never costs a
//! registration.

use std::cell::{Cell, RefCell};

use super::raw::RawTask;

/// Waiting tasks in a dense array; each task's header records its index.
/// Insert and remove are O(1); the array is written sequentially, which
/// keeps it cheap in cache even when the tasks themselves are cold.
#[derive(Default)]
pub(crate) struct Registry {
    slots: RefCell<Vec<Option<RawTask>>>,
    /// Indices of empty slots, reused first.
    free: RefCell<Vec<u32>>,
    /// Tasks spawned and not finished, registered or not.
    unfinished: Cell<usize>,
    /// Tasks spawned in all.
    spawned: Cell<u64>,
}

impl Registry {
    /// Counts a new task.
    pub(crate) fn admit(&self) {
        self.unfinished.set(self.unfinished.get() + 1);
        self.spawned.set(self.spawned.get() + 1);
    }

    /// How many tasks were ever spawned.
    pub(crate) fn spawned(&self) -> u64 {
        self.spawned.get()
    }

    /// Counts a task that finished.
    pub(crate) fn finished(&self) {
        self.unfinished.set(self.unfinished.get() - 1);
    }

    /// How many tasks are spawned and not finished.
    pub(crate) fn unfinished(&self) -> usize {
        self.unfinished.get()
    }

    /// Registers a task that waits for the first time.
    pub(crate) fn insert(&self, task: RawTask) {
        let mut slots = self.slots.borrow_mut();
        let index = match self.free.borrow_mut().pop() {
            Some(index) => {
                slots[index as usize] = Some(task);
                index
            }
            None => {
                slots.push(Some(task));
                u32::try_from(slots.len() - 1).expect("more than 2^32 waiting tasks")
            }
        };
        task.set_slot(index);
    }

    /// Removes `task`, which must be registered.
    pub(crate) fn remove(&self, task: RawTask) {
        let index = task.slot();
        self.slots.borrow_mut()[index as usize] = None;
        self.free.borrow_mut().push(index);
    }

    /// Every registered task, for shutdown and task dumps.
    pub(crate) fn snapshot(&self) -> Vec<RawTask> {
        self.slots.borrow().iter().flatten().copied().collect()
    }
}
