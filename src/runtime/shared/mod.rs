//! The part of a runtime that other threads reach: its inject queue and the
//! `mio::Waker` that interrupts its poll.
//!
//! Four things arrive here: wakes of tasks from other threads, tasks
//! spawned through a `Handle`, task cells freed on other threads, and the
//! slots of I/O sources let go of away from their runtime (dropped, or
//! taken back with `into_inner`). Pushers coalesce their wake-ups through
//! `notified`: only the first push after the runtime last drained pays for
//! the `eventfd` write. One thing goes the other way: the runtime's
//! metrics, which it publishes here for `Handle::metrics` once asked.
//!
//! # Finding a runtime from any thread
//!
//! A task's waker carries only its runtime's 32-bit id (a pointer would
//! cost the task header 8 bytes and a reference count). The id names a slot
//! in a process-wide table and the slot's generation: the low 16 bits are
//! the slot, the high 16 its generation. Slots live in chunks that are
//! allocated once and never freed, so a lookup is two loads and no lock,
//! and it stays valid whatever happens to the runtime. Each slot has its
//! own locks: the mailbox's, which guards the inject queue, and one per
//! spawn lane (below). Each says, under its lock, which runtime holds the
//! slot now: a waker that outlives its runtime finds another id there, or
//! none, and its wake is dropped. Only creating and dropping a runtime take
//! the table's lock.
//!
//! Ids are never reused, so that no stale waker or timer key can reach a
//! later runtime: a slot whose generations are used up is retired. That
//! gives a process 2^32 - 2^16 runtimes in all (hours of doing nothing
//! else), and 65,536 at once. The table is `table.rs`.
//!
//! # Spawn lanes
//!
//! Spawns from other threads do not queue in the mailbox but in one of
//! [`LANES`] lanes, each with its own lock (which also says who holds the
//! slot) on its own cache lines, and a thread always uses the same lane.
//! With eight threads spawning onto one runtime, the one mailbox lock was
//! the top of a `perf` profile: a third of the samples, in the lock and
//! its contended path. A probe of that workload (eight threads, 100k
//! spawns each, on this project's 2-core VM) took 286–316 ns per task
//! with the mailbox and 189–205 with eight lanes, in runs taken in turn;
//! one lane alone gave about 255, two 205, four 190.
//!
//! A wake can be for a task spawned a moment before on another thread (a
//! `RemoteJoinHandle` passed on and killed at once), and a task must be
//! admitted before it is scheduled. So a drain takes the mailbox first and
//! the lanes after: a wake it finds was pushed before the mailbox was
//! taken, and its spawn before that. The spawn's push set its lane's bit
//! in `lanes_used`, or found it set by an earlier push not yet drained,
//! before that too; so the drain's look at the bits, after the mailbox,
//! sees it, and the spawn is taken in this drain (or came in an earlier
//! one).

use std::io;
use std::panic::Location;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::RuntimeId;
use super::observe::RuntimeMetrics;
use super::reactor::IoKey;
use super::task::RawTask;
use super::task::cells::FreedCell;

mod table;

/// Spawn lanes per runtime: enough that the threads of a machine of a
/// few cores rarely share one.
const LANES: usize = 8;

/// Room kept, going idle, in each queue of messages: enough for a short
/// batch.
const KEEP: usize = 64;

/// A task spawned on another thread, holding the runtime side's reference
/// and queued by no one yet, with where it was spawned.
pub(crate) type Spawn = (RawTask, &'static Location<'static>);

/// Messages from other threads.
#[derive(Default)]
pub(crate) struct Inject {
    /// Tasks to wake, each carrying one reference the runtime gives back.
    pub(crate) wakes: Vec<RawTask>,
    /// New tasks built on other threads, taken from the spawn lanes.
    pub(crate) spawns: Vec<Spawn>,
    /// The `block_on` future was woken.
    pub(crate) main: bool,
    /// Carved task cells freed on other threads, for the free lists.
    pub(crate) freed: Vec<FreedCell>,
    /// I/O sources let go of where their runtime was not current (another
    /// thread, or outside `block_on`), out of its poller already, whose
    /// reactor slots are to be freed.
    pub(crate) dropped_sources: Vec<IoKey>,
}

impl Inject {
    fn is_empty(&self) -> bool {
        self.wakes.is_empty()
            && self.spawns.is_empty()
            && !self.main
            && self.freed.is_empty()
            && self.dropped_sources.is_empty()
    }

    /// Lets go of the memory of a burst, keeping room for a short batch.
    pub(crate) fn shrink(&mut self) {
        self.wakes.shrink_to(KEEP);
        self.spawns.shrink_to(KEEP);
        self.freed.shrink_to(KEEP);
        self.dropped_sources.shrink_to(KEEP);
    }
}

// SAFETY: the `RawTask`s in the queue are only dereferenced by the runtime's
// thread after it takes them out, or released through their atomic count;
// a spawned task's future is `Send` (`Handle::spawn` requires it); a freed
// cell is memory nothing uses until its runtime takes it back.
unsafe impl Send for Inject {}

/// What each of a slot's locks guards: which runtime holds the slot now,
/// if any, its poll's waker, and a queue of messages for it.
#[derive(Default)]
struct Held<Q> {
    owner: Option<RuntimeId>,
    /// Interrupts the owner's poll; let go with the runtime's poller. A
    /// pusher takes a clone, so that it writes to the eventfd after it has
    /// let go of the lock, which the woken runtime is about to take.
    waker: Option<Arc<mio::Waker>>,
    queue: Q,
}

/// The mailbox's queue, and the rest of what the runtime shares.
#[derive(Default)]
struct Mail {
    inject: Inject,
    /// The owner's poller, for deregistering its sources from other threads.
    registry: Option<mio::Registry>,
    /// The owner's counts as of its last publication.
    metrics: Option<RuntimeMetrics>,
}

/// One lane of spawns. Aligned to a pair of cache lines, the unit that
/// x86's prefetcher fetches, so that threads on different lanes share no
/// line.
#[derive(Default)]
#[repr(align(128))]
struct Lane(Mutex<Held<Spawns>>);

/// A lane's queue.
#[derive(Default)]
struct Spawns(Vec<Spawn>);

// SAFETY: as for `Inject`: a spawned task is only dereferenced by its
// runtime's thread after it takes it out, and its future is `Send`.
unsafe impl Send for Spawns {}

/// The lane this thread spawns on: threads take lanes in turn as they
/// first spawn.
fn this_threads_lane() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        // A `usize` needs no destructor, so this is never gone, even for a
        // spawn from another thread-local's destructor.
        static LANE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % LANES;
    }
    LANE.with(|lane| *lane)
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every update under the slot's and the table's locks is complete
    // before anything that could panic, so a poisoned one is consistent.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One slot of the table: lives as long as the process.
#[derive(Default)]
struct Slot {
    mailbox: Mutex<Held<Mail>>,
    /// Set once some thread has asked for the owner's metrics: from then
    /// on the loop publishes them at every look at events.
    metrics_wanted: AtomicBool,
    /// A bit per lane drained since the loop last went idle, whose room
    /// for a burst is then given back. Runtime thread only.
    lanes_drained: AtomicU8,
    flags: Flags,
    lanes: [Lane; LANES],
}

/// What every push reads, on cache lines of its own: the mailbox's lock,
/// which the runtime takes at every drain, does not push these out of the
/// pushers' caches. (Three runs of a probe of eight threads spawning,
/// taken in turn, read 215, 177 and 213 ns per task without this and 180,
/// 187 and 184 with it.)
#[derive(Default)]
#[repr(align(128))]
struct Flags {
    /// Set by the first push since the owner last drained; that push wakes
    /// the poll.
    notified: AtomicBool,
    /// A bit per lane that may hold spawns, set by the push that finds its
    /// lane empty, so that a drain locks only those lanes.
    lanes_used: AtomicU8,
}

const _: () = assert!(LANES <= u8::BITS as usize);

/// How other threads reach one runtime: its id and its slot.
#[derive(Clone, Copy)]
pub(crate) struct Remote {
    id: RuntimeId,
    slot: &'static Slot,
}

impl Remote {
    /// Claims a slot for a new runtime whose poll `waker` interrupts.
    ///
    /// # Errors
    /// If the process has used up its runtime ids (see the module docs).
    pub(crate) fn register(waker: mio::Waker, registry: mio::Registry) -> io::Result<Remote> {
        let id = table::claim()?;
        let remote = Remote::find(id);
        let waker = Arc::new(waker);
        let mut mailbox = remote.lock();
        mailbox.owner = Some(id);
        mailbox.waker = Some(waker.clone());
        mailbox.queue.registry = Some(registry);
        mailbox.queue.metrics = Some(RuntimeMetrics::default());
        for lane in &remote.slot.lanes {
            let mut spawns = lock(&lane.0);
            spawns.owner = Some(id);
            spawns.waker = Some(waker.clone());
        }
        remote.slot.flags.notified.store(false, Ordering::Relaxed);
        remote.slot.metrics_wanted.store(false, Ordering::Relaxed);
        remote.slot.flags.lanes_used.store(0, Ordering::Relaxed);
        remote.slot.lanes_drained.store(0, Ordering::Relaxed);
        drop(mailbox);
        Ok(remote)
    }

    /// The way to runtime `id`, which may be gone.
    pub(crate) fn find(id: RuntimeId) -> Remote {
        Remote {
            id,
            slot: table::slot_of(id),
        }
    }

    /// The runtime's id.
    pub(crate) fn id(self) -> RuntimeId {
        self.id
    }

    fn lock(self) -> MutexGuard<'static, Held<Mail>> {
        lock(&self.slot.mailbox)
    }

    /// Runs `push` on the inject queue and wakes the runtime. Returns
    /// `false`, without running `push`, if the runtime is gone.
    pub(crate) fn push(self, push: impl FnOnce(&mut Inject)) -> bool {
        self.send(&self.slot.mailbox, |mail| push(&mut mail.inject))
    }

    /// Queues a task spawned on this thread, on this thread's lane, and
    /// wakes the runtime. Returns `false`, queueing nothing, if the
    /// runtime is gone.
    pub(crate) fn spawn(self, spawn: Spawn) -> bool {
        let lane = this_threads_lane();
        self.send(&self.slot.lanes[lane].0, |spawns| {
            if spawns.0.is_empty() {
                // Acquire: see `send`.
                self.slot.flags.lanes_used.fetch_or(1 << lane, Ordering::AcqRel);
            }
            spawns.0.push(spawn);
        })
    }

    /// Runs `push` under `queue`'s lock, and wakes the runtime if this is
    /// the first push since it last drained. Returns `false`, without
    /// running `push`, if the runtime is gone.
    ///
    /// The flag is read under the lock, and written only if it is clear:
    /// with many threads pushing to a busy runtime it stays set, and a
    /// write on every push would move its cache line from core to core.
    /// Reading it under the lock is in time. A drain clears the flag, then
    /// takes the mailbox, then swaps `lanes_used` and takes the lanes its
    /// bits name, each under its lock. If this push's lock comes after the
    /// drain's lock of the same queue, the clear comes before this read.
    /// So does it when the push is to a lane whose bit the drain's swap
    /// found clear: the push that set the bit since (this one, or one
    /// before it under the lane's lock) did so with an acquire that reads
    /// from that release swap, or from a later write. So a set flag
    /// was set after the clear, by a pusher whose wake brings a drain that
    /// takes this push. Otherwise this drain takes it. The first push
    /// after a drain swaps the flag, under the lock, where the waker it
    /// takes is surely the owner's, and locks only once.
    fn send<Q>(self, queue: &Mutex<Held<Q>>, push: impl FnOnce(&mut Q)) -> bool {
        let waker = {
            let mut held = lock(queue);
            if held.owner != Some(self.id) {
                return false;
            }
            push(&mut held.queue);
            let notified = &self.slot.flags.notified;
            if notified.load(Ordering::Relaxed) || notified.swap(true, Ordering::AcqRel) {
                return true;
            }
            held.waker.clone()
        };
        if let Some(waker) = waker {
            // Written after the lock is let go, which the woken runtime is
            // about to take. An error means the eventfd is unusable; the
            // runtime still finds the message at its next turn.
            let _ = waker.wake();
        }
        true
    }

    /// Takes `source` out of the runtime's poller from where the runtime is
    /// not current (another thread, or outside `block_on`), and has the
    /// runtime free its slot `key` at its next turn. A runtime that is gone
    /// took its poller with it: nothing is left to do.
    pub(crate) fn deregister(self, key: IoKey, source: &mut impl mio::event::Source) {
        {
            let mailbox = self.lock();
            if mailbox.owner != Some(self.id) {
                return;
            }
            if let Some(registry) = &mailbox.queue.registry {
                // Fails only for a descriptor closed already, which took
                // the source out of the poller anyway.
                let _ = registry.deregister(source);
            }
        }
        self.push(|inject| inject.dropped_sources.push(key));
    }

    /// The runtime's metrics as last published, or `None` if it is gone.
    /// Asks the runtime to publish at every look at events from now on.
    pub(crate) fn metrics(self) -> Option<RuntimeMetrics> {
        self.slot.metrics_wanted.store(true, Ordering::Relaxed);
        let mailbox = self.lock();
        if mailbox.owner != Some(self.id) {
            return None;
        }
        mailbox.queue.metrics.clone()
    }

    /// Whether another thread has asked for the metrics. Runtime thread.
    pub(crate) fn metrics_wanted(self) -> bool {
        self.slot.metrics_wanted.load(Ordering::Relaxed)
    }

    /// Publishes the runtime's metrics for other threads. Runtime thread.
    pub(crate) fn publish_metrics(self, metrics: RuntimeMetrics) {
        let mut mailbox = self.lock();
        if mailbox.owner == Some(self.id) {
            mailbox.queue.metrics = Some(metrics);
        }
    }

    /// Whether the runtime is gone: nothing pushed now would run.
    pub(crate) fn is_closed(self) -> bool {
        self.lock().owner != Some(self.id)
    }

    /// Whether anything was pushed since the last `take`. Runtime thread.
    pub(crate) fn is_notified(self) -> bool {
        self.slot.flags.notified.load(Ordering::Acquire)
    }

    /// Takes everything queued, leaving `spare` (empty) in its place, so
    /// that the queue's capacity is kept from one batch to the next.
    /// Runtime thread only.
    pub(crate) fn take(self, spare: &mut Inject) {
        debug_assert!(spare.is_empty());
        self.slot.flags.notified.store(false, Ordering::Release);
        std::mem::swap(&mut self.lock().queue.inject, spare);
        // The lanes after the mailbox: see "Spawn lanes" in the module docs.
        // A lane is in the mask if it held spawns when the mask was taken,
        // or was drained since its bit was set.
        // Release: see `send`.
        let used = self.slot.flags.lanes_used.swap(0, Ordering::AcqRel);
        if used == 0 {
            return;
        }
        for (index, lane) in self.slot.lanes.iter().enumerate() {
            if used & 1 << index != 0 {
                spare.spawns.append(&mut lock(&lane.0).queue.0);
            }
        }
        self.slot.lanes_drained.fetch_or(used, Ordering::Relaxed);
    }

    /// Going idle: lets go of the room of the lanes drained since the
    /// last time, keeping enough for a short batch. Runtime thread only.
    pub(crate) fn shrink(self) {
        let drained = self.slot.lanes_drained.swap(0, Ordering::Relaxed);
        for (index, lane) in self.slot.lanes.iter().enumerate() {
            if drained & 1 << index != 0 {
                lock(&lane.0).queue.0.shrink_to(KEEP);
            }
        }
    }

    /// Closes the inject queue and gives the slot back. Returns what was
    /// still queued, for the runtime to release. Runtime thread only.
    pub(crate) fn close(self) -> Inject {
        let mut mailbox = self.lock();
        mailbox.owner = None;
        let waker = mailbox.waker.take();
        let registry = mailbox.queue.registry.take();
        mailbox.queue.metrics = None;
        let mut inject = std::mem::take(&mut mailbox.queue.inject);
        drop(mailbox);
        for lane in &self.slot.lanes {
            let mut spawns = lock(&lane.0);
            spawns.owner = None;
            // Not the last clone: `waker` holds one until after the locks.
            spawns.waker = None;
            inject.spawns.append(&mut std::mem::take(&mut spawns.queue.0));
        }
        drop(waker);
        drop(registry);
        table::release(self.id);
        inject
    }
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.id.fmt(f)
    }
}

/// Wakes `task` of runtime `id` from a thread that is not driving it.
/// `task` carries a reference, which the runtime gives back once it has
/// scheduled the task, or which is given back here if the runtime is gone.
pub(crate) fn wake_remote(id: RuntimeId, task: RawTask) {
    if !Remote::find(id).push(|inject| inject.wakes.push(task)) {
        task.ref_dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a runtime registers: a waker and a handle on its poller.
    fn outside() -> (mio::Waker, mio::Registry) {
        let poll = mio::Poll::new().unwrap();
        let waker = mio::Waker::new(poll.registry(), mio::Token(0)).unwrap();
        (waker, poll.registry().try_clone().unwrap())
    }

    #[test]
    fn a_freed_slot_comes_back_with_a_new_generation_and_old_ids_find_it_closed() {
        let (waker, registry) = outside();
        let first = Remote::register(waker, registry).unwrap();
        assert!(!first.is_closed());
        first.close();
        assert!(first.is_closed());
        let ids: Vec<_> = (0..4)
            .map(|_| {
                let (waker, registry) = outside();
                let next = Remote::register(waker, registry).unwrap();
                assert_ne!(next.id(), first.id(), "ids are never reused");
                assert!(first.is_closed() && !next.is_closed());
                assert!(!first.push(|_| panic!("pushed to a gone runtime")));
                next
            })
            .collect();
        for remote in ids {
            remote.close();
        }
    }
}
