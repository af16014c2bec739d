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

/// Task ids are unique integers handed out in sequence, so the hash keeps
/// them in sequence: std's map puts an entry in the bucket its hash's low
/// bits name, and tags it with the top seven. Here the low bits are the id
/// itself, so tasks spawned one after another sit side by side, and a
/// spawn's insert and an end's remove find their line warm; the top seven
/// come from a multiply, which keeps the tags spread. With the whole hash
/// multiplied, each insert and remove touched a random line of a table
/// of live tasks: a spawn took 414 ns with the monitor on, against 52.6
/// without (`cargo bench --bench runtime`, spawn_join, at `ede303a`).
/// Only speed rests on the map's layout; any hash is correct.
#[derive(Default)]
struct IdHasher(u64);

/// The hash bits the map places an entry by; the rest tag it.
const PLACE: u64 = (1 << 57) - 1;

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (n & PLACE) | (n.wrapping_mul(0x9E37_79B9_7F4A_7C15) & !PLACE);
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn hash(n: u64) -> u64 {
        let mut hasher = IdHasher::default();
        hasher.write_u64(n);
        hasher.finish()
    }

    #[test]
    fn ids_in_sequence_are_placed_in_sequence_with_spread_tags() {
        let ids = 1..=4096u64;
        assert!(ids.clone().all(|n| hash(n) & PLACE == n));
        let tags: HashSet<u64> = ids.map(|n| hash(n) >> 57).collect();
        assert_eq!(tags.len(), 128, "every 7-bit tag is used");
    }

    #[test]
    fn a_table_gives_back_what_it_holds_until_removed() {
        let table = Table::default();
        let here = Location::caller();
        let ids: Vec<TaskId> = (0..1000).map(|_| TaskId::next()).collect();
        for (i, &id) in ids.iter().enumerate() {
            let name = (i % 2 == 0).then(|| format!("task {i}").into_boxed_str());
            table.insert(
                id,
                Entry {
                    name,
                    location: here,
                    spawned: Instant::now(),
                },
            );
        }
        for &id in ids.iter().step_by(3) {
            table.remove(id);
            assert!(table.get(id).is_none());
        }
        for (i, &id) in ids.iter().enumerate().filter(|(i, _)| i % 3 != 0) {
            let entry = table.get(id).expect("a task not removed is kept");
            assert_eq!(
                entry.name.as_deref(),
                (i % 2 == 0).then(|| format!("task {i}")).as_deref()
            );
        }
    }
}
