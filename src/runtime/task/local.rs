//! The store of task-local values that `task_local!` keys read: every task's
//! values, kept by the runtime and dropped when the task ends.

use std::any::Any;
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use super::TaskId;
use crate::runtime::core::contain;

/// One task's values, by key.
type TaskValues = Vec<(usize, Rc<dyn Any>)>;

/// Every task's task-local values, kept by the runtime.
#[derive(Default)]
pub(crate) struct LocalStore {
    values: RefCell<HashMap<TaskId, TaskValues>>,
}

impl LocalStore {
    /// The value of `key` for task `id`, made by `init` if missing. No
    /// borrow is held while `init` runs, so it may use other task-locals.
    pub(crate) fn get_or_init(&self, id: TaskId, key: usize, init: impl FnOnce() -> Rc<dyn Any>) -> Rc<dyn Any> {
        let found = self
            .values
            .borrow()
            .get(&id)
            .and_then(|vs| vs.iter().find(|(k, _)| *k == key).map(|(_, v)| v.clone()));
        if let Some(value) = found {
            return value;
        }
        let value = init();
        self.values
            .borrow_mut()
            .entry(id)
            .or_default()
            .push((key, value.clone()));
        value
    }

    /// Drops task `id`'s values, newest first, one at a time and outside
    /// of any borrow: a destructor may still use the task's older values
    /// (or make new ones, dropped in turn). A panicking destructor is
    /// contained and the rest are still dropped.
    pub(crate) fn remove(&self, id: TaskId) {
        loop {
            let value = {
                let mut values = self.values.borrow_mut();
                let Some(task_values) = values.get_mut(&id) else { return };
                match task_values.pop() {
                    Some((_, value)) => value,
                    None => {
                        values.remove(&id);
                        return;
                    }
                }
            };
            contain(|| drop(value));
        }
    }
}
