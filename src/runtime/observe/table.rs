//! The side table of live tasks: where each was spawned, when, and its
//! name, kept apart from the task cells so that they cost a cell nothing.
//! It exists only when the monitor or the task dump is on.
//!
//! The monitor thread reads it to name a task that blocks the loop; it
//! never touches a task cell. The loop writes it at each spawn and each
//! end, under a mutex that the monitor takes only to report.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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

/// Task ids are unique integers handed out in sequence: one multiply
/// spreads them over the map, at a fraction of SipHash's cost, which a
/// spawn pays twice (insert and remove).
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type Map = HashMap<TaskId, Entry, BuildHasherDefault<IdHasher>>;

#[derive(Default)]
pub(crate) struct Table {
    tasks: Mutex<Map>,
}

impl Table {
    fn lock(&self) -> MutexGuard<'_, Map> {
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
