//! A task cell's reference count, the one part of the cell that any thread
//! may touch, and the bit that merges wakes from other threads.
//!
//! The low 31 bits count references: one for the runtime side (see
//! `state.rs`) and one per waker. The top bit, [`REMOTE_QUEUED`], says that
//! the task sits in its runtime's inject queue, woken from another thread
//! and not yet taken in: more wakes from other threads are then merged into
//! that one, instead of each costing a reference and a push (a storm of
//! wakes from several threads could otherwise outrun the loop that drains
//! them). The runtime clears the bit when it takes the task in, before it
//! schedules it, so a wake that found the bit set happened before the
//! poll it asked for.

use std::sync::atomic::{AtomicU32, Ordering, fence};

/// The task is in its runtime's inject queue (see the module docs).
const REMOTE_QUEUED: u32 = 1 << 31;

/// The reference count's bits.
const COUNT: u32 = REMOTE_QUEUED - 1;

/// The count of a cell's references, with the remote-wake bit.
pub(crate) struct Refs(AtomicU32);

impl Refs {
    /// One reference: the runtime side's.
    pub(crate) fn new() -> Refs {
        Refs(AtomicU32::new(1))
    }

    /// Takes one more reference.
    #[inline]
    pub(crate) fn inc(&self) {
        // Relaxed is enough, as for `Arc::clone`: a new reference can only
        // be made from an existing one, which already keeps the cell alive.
        let old = self.0.fetch_add(1, Ordering::Relaxed);
        if old & COUNT >= COUNT >> 1 {
            // As `Arc` does: a leaked-waker loop must not wrap the count.
            std::process::abort();
        }
    }

    /// Gives one reference back; `true` if it was the last, and the cell
    /// must be freed. Every use of the cell on any thread happens before.
    #[inline]
    pub(crate) fn dec(&self) -> bool {
        if self.0.fetch_sub(1, Ordering::Release) & COUNT != 1 {
            return false;
        }
        acquire_all(&self.0);
        true
    }

    /// Whether the caller holds the only reference (so that no other can be
    /// made any more). Acquire pairs with the Release of references given
    /// back on other threads.
    #[inline]
    pub(crate) fn is_only(&self) -> bool {
        self.0.load(Ordering::Acquire) == 1
    }

    /// For a wake from another thread: marks the task as queued remotely
    /// and takes a reference for the queue, unless it is queued already.
    /// Returns whether the caller must push it.
    pub(crate) fn queue_remote(&self) -> bool {
        let mut old = self.0.load(Ordering::Relaxed);
        loop {
            if old & REMOTE_QUEUED != 0 {
                // Merged into the wake already queued. Acquire-Release
                // orders the caller's writes before the runtime's clear.
                if self
                    .0
                    .compare_exchange_weak(old, old, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return false;
                }
            } else if old & COUNT >= COUNT >> 1 {
                std::process::abort();
            } else {
                let new = (old | REMOTE_QUEUED) + 1;
                if self
                    .0
                    .compare_exchange_weak(old, new, Ordering::AcqRel, Ordering::Relaxed)
                    .is_ok()
                {
                    return true;
                }
            }
            old = self.0.load(Ordering::Relaxed);
        }
    }

    /// The runtime took the task in from its inject queue: wakes from other
    /// threads queue it again from now on. The queue's reference stays with
    /// the caller.
    pub(crate) fn unqueue_remote(&self) {
        // Acquire pairs with the wakes merged into this one: what their
        // threads wrote before waking is seen by the poll that follows.
        self.0.fetch_and(!REMOTE_QUEUED, Ordering::AcqRel);
    }
}

/// Makes every use of the cell by other threads, released when they gave
/// their references back, happen before what follows (freeing it).
#[inline]
fn acquire_all(refs: &AtomicU32) {
    // std's `Arc` uses a fence here. ThreadSanitizer does not model fences,
    // so under `--cfg grove_tsan` (see `tests/tsan.sh`) a load does the same
    // job in a form it understands.
    #[cfg(grove_tsan)]
    let _ = refs.load(Ordering::Acquire);
    #[cfg(not(grove_tsan))]
    {
        let _ = refs;
        fence(Ordering::Acquire);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_last_reference_given_back_says_so() {
        let refs = Refs::new();
        refs.inc();
        assert!(!refs.is_only());
        assert!(!refs.dec());
        assert!(refs.is_only());
        assert!(refs.dec());
    }

    #[test]
    fn remote_wakes_merge_until_the_runtime_takes_the_task_in() {
        let refs = Refs::new();
        assert!(refs.queue_remote(), "the first wake is queued, with a reference");
        assert!(!refs.queue_remote(), "the next merge into it");
        assert!(!refs.queue_remote());
        assert!(!refs.is_only(), "the queue holds a reference");
        refs.unqueue_remote();
        assert!(!refs.dec(), "the queue's reference given back");
        assert!(refs.is_only());
        assert!(refs.queue_remote(), "taken in: the next wake queues it again");
        assert!(!refs.dec());
    }

    #[test]
    fn the_last_reference_is_found_whatever_the_queued_bit_says() {
        // A runtime gone with the task still marked as queued: the queue's
        // reference, given back, may be the last.
        let refs = Refs::new();
        assert!(refs.queue_remote());
        assert!(!refs.dec(), "the runtime side's reference");
        assert!(refs.dec(), "the queue's, the last");
    }
}
