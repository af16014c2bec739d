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
//! own mutex, which guards the inject queue and says which runtime holds
//! the slot now: a waker that outlives its runtime finds another id there,
//! or none, and its wake is dropped. Only creating and dropping a runtime
//! take the table's lock.
//!
//! Ids are never reused, so that no stale waker or timer key can reach a
//! later runtime: a slot whose generations are used up is retired. That
//! gives a process 2^32 - 2^16 runtimes in all (hours of doing nothing
//! else), and 65,536 at once.

use std::io;
use std::panic::Location;
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use super::RuntimeId;
use super::observe::RuntimeMetrics;
use super::reactor::IoKey;
use super::task::RawTask;
use super::task::cells::FreedCell;

/// Bits of an id that name its slot.
const SLOT_BITS: u32 = 16;
/// Slots per chunk of the table.
const CHUNK_LEN: usize = 256;
/// Chunks in the table: enough for every slot an id can name.
const CHUNKS: usize = (1 << SLOT_BITS) / CHUNK_LEN;

/// Messages from other threads.
#[derive(Default)]
pub(crate) struct Inject {
    /// Tasks to wake, each carrying one reference the runtime gives back.
    pub(crate) wakes: Vec<RawTask>,
    /// New tasks built on another thread, each holding the runtime side's
    /// reference and queued by no one yet, with where they were spawned.
    pub(crate) spawns: Vec<(RawTask, &'static Location<'static>)>,
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
        const KEEP: usize = 64;
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

/// What a slot's mutex guards.
#[derive(Default)]
struct Mailbox {
    /// The runtime that holds the slot now, if any.
    owner: Option<RuntimeId>,
    inject: Inject,
    /// Interrupts the owner's poll; let go with the runtime's poller. A
    /// pusher takes a clone, so that it writes to the eventfd after it has
    /// let go of the lock, which the woken runtime is about to take.
    waker: Option<Arc<mio::Waker>>,
    /// The owner's poller, for deregistering its sources from other threads.
    registry: Option<mio::Registry>,
    /// The owner's counts as of its last publication.
    metrics: Option<RuntimeMetrics>,
}

/// One slot of the table: lives as long as the process.
#[derive(Default)]
struct Slot {
    mailbox: Mutex<Mailbox>,
    /// Set by the first push since the owner last drained; that push wakes
    /// the poll.
    notified: AtomicBool,
    /// Set once some thread has asked for the owner's metrics: from then
    /// on the loop publishes them at every look at events.
    metrics_wanted: AtomicBool,
}

/// The table: chunks of slots, allocated on first use.
static CHUNK_TABLE: [AtomicPtr<Slot>; CHUNKS] = [const { AtomicPtr::new(ptr::null_mut()) }; CHUNKS];

/// Which slots are free to claim. Taken only to create or drop a runtime.
struct Claims {
    /// Freed slots with the generation their next owner gets.
    free: Vec<(u32, u32)>,
    /// Slots below this have been handed out at least once.
    used: u32,
}

static CLAIMS: Mutex<Claims> = Mutex::new(Claims {
    free: Vec::new(),
    used: 0,
});

fn claims() -> MutexGuard<'static, Claims> {
    // Every update under this lock is a single push, pop or increment.
    CLAIMS.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The slot of runtime `id`: two loads, no lock.
fn slot_of(id: RuntimeId) -> &'static Slot {
    let index = (id.0 & ((1 << SLOT_BITS) - 1)) as usize;
    let chunk = CHUNK_TABLE[index / CHUNK_LEN].load(Ordering::Acquire);
    assert!(!chunk.is_null(), "runtime id {} names no slot", id.0);
    // SAFETY: a non-null chunk pointer points to `CHUNK_LEN` initialized
    // slots that are never freed (see `claim`), and the index is in range.
    unsafe { &*chunk.add(index % CHUNK_LEN) }
}

/// Claims a free slot and returns the id of its next generation.
fn claim() -> io::Result<RuntimeId> {
    let mut claims = claims();
    let (slot, generation) = match claims.free.pop() {
        Some(free) => free,
        None if claims.used < 1 << SLOT_BITS => {
            let slot = claims.used;
            let chunk = &CHUNK_TABLE[slot as usize / CHUNK_LEN];
            if chunk.load(Ordering::Relaxed).is_null() {
                let slots: Box<[Slot]> = (0..CHUNK_LEN).map(|_| Slot::default()).collect();
                // Never freed: lookups from any thread may hold a slot of
                // it at any time. Release publishes the initialized slots.
                chunk.store(Box::leak(slots).as_mut_ptr(), Ordering::Release);
            }
            claims.used += 1;
            (slot, 1)
        }
        None => {
            return Err(io::Error::other("grove: this process has used up its runtime ids"));
        }
    };
    Ok(RuntimeId(generation << SLOT_BITS | slot))
}

/// Gives `id`'s slot back, for the next generation unless it was the last.
fn release(id: RuntimeId) {
    let (slot, generation) = (id.0 & ((1 << SLOT_BITS) - 1), id.0 >> SLOT_BITS);
    if generation < u32::MAX >> SLOT_BITS {
        claims().free.push((slot, generation + 1));
    }
}

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
        let id = claim()?;
        let remote = Remote::find(id);
        let mut mailbox = remote.lock();
        mailbox.owner = Some(id);
        mailbox.waker = Some(Arc::new(waker));
        mailbox.registry = Some(registry);
        mailbox.metrics = Some(RuntimeMetrics::default());
        remote.slot.notified.store(false, Ordering::Relaxed);
        remote.slot.metrics_wanted.store(false, Ordering::Relaxed);
        drop(mailbox);
        Ok(remote)
    }

    /// The way to runtime `id`, which may be gone.
    pub(crate) fn find(id: RuntimeId) -> Remote {
        Remote { id, slot: slot_of(id) }
    }

    /// The runtime's id.
    pub(crate) fn id(self) -> RuntimeId {
        self.id
    }

    fn lock(self) -> MutexGuard<'static, Mailbox> {
        // Every update under this lock is complete before anything that
        // could panic, so a poisoned mailbox is still consistent.
        self.slot.mailbox.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `push` on the inject queue and wakes the runtime. Returns
    /// `false`, without running `push`, if the runtime is gone.
    ///
    /// With many threads pushing, the lock is the queue's point of
    /// contention, so while the flag says the runtime has been woken
    /// already the lock is held only for the push, and the flag is set
    /// after it is let go. That is still in time: a drain clears the flag
    /// before it takes the lock, so a push that finds the flag set came
    /// after that clear, and the drain the flag's setter asks for takes the
    /// lock after the push. A push that finds the flag clear (the lone wake
    /// of an idle runtime) sets it under the lock, where the waker it takes
    /// is surely that runtime's, and locks only once.
    pub(crate) fn push(self, push: impl FnOnce(&mut Inject)) -> bool {
        let waker = {
            let mut mailbox = self.lock();
            if mailbox.owner != Some(self.id) {
                return false;
            }
            push(&mut mailbox.inject);
            if self.slot.notified.load(Ordering::Relaxed) {
                None
            } else if self.slot.notified.swap(true, Ordering::AcqRel) {
                return true;
            } else {
                Some(mailbox.waker.clone())
            }
        };
        let waker = match waker {
            Some(waker) => waker,
            None if self.slot.notified.swap(true, Ordering::AcqRel) => return true,
            // A drain cleared the flag since: wake the runtime after all.
            // Whichever runtime holds the slot now is woken: if the slot
            // changed hands meanwhile, its new owner's flag was just set
            // here, and it must drain to clear it.
            None => self.lock().waker.clone(),
        };
        if let Some(waker) = waker {
            // An error means the eventfd is unusable; the runtime still
            // finds the message at its next turn.
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
            if let Some(registry) = &mailbox.registry {
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
        mailbox.metrics.clone()
    }

    /// Whether another thread has asked for the metrics. Runtime thread.
    pub(crate) fn metrics_wanted(self) -> bool {
        self.slot.metrics_wanted.load(Ordering::Relaxed)
    }

    /// Publishes the runtime's metrics for other threads. Runtime thread.
    pub(crate) fn publish_metrics(self, metrics: RuntimeMetrics) {
        let mut mailbox = self.lock();
        if mailbox.owner == Some(self.id) {
            mailbox.metrics = Some(metrics);
        }
    }

    /// Whether the runtime is gone: nothing pushed now would run.
    pub(crate) fn is_closed(self) -> bool {
        self.lock().owner != Some(self.id)
    }

    /// Whether anything was pushed since the last `take`. Runtime thread.
    pub(crate) fn is_notified(self) -> bool {
        self.slot.notified.load(Ordering::Acquire)
    }

    /// Takes everything queued, leaving `spare` (empty) in its place, so
    /// that the queue's capacity is kept from one batch to the next.
    /// Runtime thread only.
    pub(crate) fn take(self, spare: &mut Inject) {
        debug_assert!(spare.is_empty());
        self.slot.notified.store(false, Ordering::Release);
        std::mem::swap(&mut self.lock().inject, spare);
    }

    /// Closes the inject queue and gives the slot back. Returns what was
    /// still queued, for the runtime to release. Runtime thread only.
    pub(crate) fn close(self) -> Inject {
        let mut mailbox = self.lock();
        mailbox.owner = None;
        let waker = mailbox.waker.take();
        let registry = mailbox.registry.take();
        mailbox.metrics = None;
        let inject = std::mem::take(&mut mailbox.inject);
        drop(mailbox);
        drop(waker);
        drop(registry);
        release(self.id);
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
