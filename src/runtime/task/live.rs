//! The runtime's registry of tasks that are waiting, so that dropping the
//! runtime can find and drop every unfinished task, even those no waker
//! refers to.

use std::cell::RefCell;

use super::raw::RawTask;

/// Live tasks in a dense array; each task's header records its index.
/// Insert and remove are O(1); the array is written sequentially, which
/// keeps it cheap in cache even when the tasks themselves are cold.
#[derive(Default)]
pub(crate) struct LiveTasks {
    slots: RefCell<Vec<Option<RawTask>>>,
    /// Indices of empty slots, reused first.
    free: RefCell<Vec<u32>>,
}

impl LiveTasks {
    pub(crate) fn insert(&self, task: RawTask) {
        let mut slots = self.slots.borrow_mut();
        let index = match self.free.borrow_mut().pop() {
            Some(index) => {
                slots[index as usize] = Some(task);
                index
            }
            None => {
                slots.push(Some(task));
                u32::try_from(slots.len() - 1).expect("more than 2^32 live tasks")
            }
        };
        task.set_slot(index);
    }

    /// Removes `task`, which must be in this registry.
    pub(crate) fn remove(&self, task: RawTask) {
        let index = task.slot();
        self.slots.borrow_mut()[index as usize] = None;
        self.free.borrow_mut().push(index);
    }

    /// Every live task, for shutdown.
    pub(crate) fn snapshot(&self) -> Vec<RawTask> {
        self.slots.borrow().iter().flatten().copied().collect()
    }
}
