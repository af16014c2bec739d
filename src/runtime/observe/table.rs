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

/// Task ids are integers a thread hands out in sequence (from blocks it
/// takes from a process-wide counter), so the hash keeps short runs of
/// them together: std's map puts an entry in the bucket its hash's low
/// bits name, and tags it with the top seven. Here each run of [`RUN`]
/// ids sits in neighbouring buckets, and the runs themselves are spread
/// by a multiply, as are the tags. With every id spread, each insert and
/// remove touched a random line of a table of live tasks: a spawn took
/// 414 ns with the monitor on against 52.6 without (`cargo bench --bench
/// runtime`, spawn_join, at `ede303a`). Keeping whole sequences together
/// would crowd neighbourhoods instead, when tasks end out of order or ids
/// come from several threads, and make long probes; a run of 16 is one
/// probe group. Only speed rests on the map's layout; any hash is correct.
#[derive(Default)]
struct IdHasher(u64);

/// How many ids in sequence share a neighbourhood.
const RUN: u64 = 16;

/// The hash bits the map reads: those of a `usize`, at most 64.
const HASH_BITS: u32 = if usize::BITS < 64 { usize::BITS } else { 64 };

/// The hash bits the map places an entry by; the seven above them tag it.
const PLACE: u64 = (1 << (HASH_BITS - 7)) - 1;

/// Spreads `n` over 64 bits.
fn spread(n: u64) -> u64 {
    n.wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = spread(self.0.rotate_left(8) ^ u64::from(byte));
        }
    }

    fn write_u64(&mut self, n: u64) {
        let run = spread(n / RUN).rotate_right(32);
        let place = (run.wrapping_mul(RUN) + n % RUN) & PLACE;
        self.0 = place | (spread(n) & !PLACE);
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
    fn ids_in_a_run_are_placed_side_by_side_and_runs_and_tags_spread() {
        let ids = 1..=4096u64;
        for n in ids.clone() {
            let run_start = n - n % RUN;
            assert_eq!((hash(n) & PLACE) - (hash(run_start) & PLACE), n % RUN, "id {n}");
        }
        let tags: HashSet<u64> = ids.clone().map(|n| (hash(n) >> (HASH_BITS - 7)) & 0x7f).collect();
        assert_eq!(tags.len(), 128, "every tag is used");
        // Runs land far apart: no two of the first 256 share 1,024 buckets.
        let homes: HashSet<u64> = ids.step_by(RUN as usize).map(|n| (hash(n) & PLACE) >> 10).collect();
        assert_eq!(homes.len(), 256);
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
