//! The intrusive list of live tasks, so that dropping the runtime can find
//! and drop every unfinished task, even those no waker refers to.

use std::cell::Cell;

use super::raw::RawTask;

/// A doubly linked list threaded through the tasks' headers. Insert and
/// remove are O(1) and allocate nothing.
#[derive(Default)]
pub(crate) struct TaskList {
    head: Cell<Option<RawTask>>,
    len: Cell<usize>,
}

impl TaskList {
    pub(crate) fn push(&self, task: RawTask) {
        let links = &task.header().links;
        links.prev.set(None);
        links.next.set(self.head.get());
        if let Some(head) = self.head.get() {
            head.header().links.prev.set(Some(task));
        }
        self.head.set(Some(task));
        self.len.set(self.len.get() + 1);
    }

    /// Unlinks `task`, which must be in this list.
    pub(crate) fn remove(&self, task: RawTask) {
        let links = &task.header().links;
        let (prev, next) = (links.prev.take(), links.next.take());
        match prev {
            Some(prev) => prev.header().links.next.set(next),
            None => self.head.set(next),
        }
        if let Some(next) = next {
            next.header().links.prev.set(prev);
        }
        self.len.set(self.len.get() - 1);
    }

    pub(crate) fn first(&self) -> Option<RawTask> {
        self.head.get()
    }

    pub(crate) fn len(&self) -> usize {
        self.len.get()
    }
}
