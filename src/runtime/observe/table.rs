//! The side table of live tasks: where each was spawned, when, and its
//! name, kept apart from the task cells so that they cost a cell nothing.
//! It exists only when the monitor or the task dump is on.
//!
//! The monitor thread reads it to name a task that blocks the loop; it
//! never touches a task cell. The loop writes it at each spawn and each
//! end, under a mutex that the monitor takes only to report.

use std::collections::HashMap;
use std::panic::Location;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

use crate::task::TaskId;

/// What the table knows of one task.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) name: Option<Box<str>>,
    pub(crate) location: &'static Location<'static>,
    /// The loop's time when it was spawned (its cached time, not a clock
    /// read per spawn).
    pub(crate) spawned: Instant,
}

#[derive(Default)]
pub(crate) struct Table {
    tasks: Mutex<HashMap<TaskId, Entry>>,
}

impl Table {
    fn lock(&self) -> MutexGuard<'_, HashMap<TaskId, Entry>> {
        // Every update is a single insert or remove.
        self.tasks.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn insert(&self, id: TaskId, entry: Entry) {
        self.lock().insert(id, entry);
    }

    pub(crate) fn remove(&self, id: TaskId) {
        self.lock().remove(&id);
    }

    pub(crate) fn get(&self, id: TaskId) -> Option<Entry> {
        self.lock().get(&id).cloned()
    }
}
