//! The wakers of armed timers, one word per slot.
//!
//! A grove task's waker, or a `block_on` future's, is kept as the word of
//! a `SlimWaker`: its data pointer. Any other waker is kept whole in a side
//! vector at the slot's index, and the slot's word only says so. Boxing it
//! instead, as `SlimWaker` does elsewhere, cost some 180 instructions more
//! per timeout armed and cancelled with a foreign waker (callgrind of
//! `benches/instructions.rs`, timeout_cancelled). So a slot is one word
//! for a grove waker, and the side vector adds 16 bytes per slot up to the
//! highest slot that ever held a foreign waker (wakers that
//! `FuturesUnordered` or `join_all` make are foreign); it keeps its length
//! while the timers live, as the slots do.

use std::ptr::{self, NonNull};
use std::task::Waker;

use crate::runtime::task::waker::SlimWaker;

/// The word of a slot whose waker is in `foreign`. A `SlimWaker` word that
/// needs no box never has its low bit set.
fn foreign_mark() -> *mut () {
    ptr::without_provenance_mut(1)
}

/// Waker slots, by index.
#[derive(Default)]
pub(super) struct WakerSlots {
    /// Null while a slot holds no waker; [`foreign_mark`] while its waker is
    /// in `foreign`; or the word of a `SlimWaker` that the slot owns.
    words: Vec<*mut ()>,
    /// Foreign wakers at their slot's index, up to the highest slot that
    /// ever held one.
    foreign: Vec<Option<Waker>>,
}

impl WakerSlots {
    /// How many slots there are.
    pub(super) fn len(&self) -> usize {
        self.words.len()
    }

    /// Adds a slot that holds no waker.
    pub(super) fn push_empty(&mut self) {
        self.words.push(ptr::null_mut());
    }

    /// Whether `slot` holds a waker.
    pub(super) fn is_set(&self, slot: u32) -> bool {
        !self.words[slot as usize].is_null()
    }

    /// Puts a clone of `waker` in `slot`, dropping what it held. Should the
    /// clone panic, the slot keeps its waker.
    pub(super) fn replace(&mut self, slot: u32, waker: &Waker) {
        let new = waker.clone();
        let old = self.take(slot);
        self.keep(slot, new);
        drop(old);
    }

    /// Puts a clone of `waker` in `slot`, which holds none.
    #[inline]
    pub(super) fn fill(&mut self, slot: u32, waker: &Waker) {
        self.keep(slot, waker.clone());
    }

    /// Puts `waker` in `slot`, which holds none.
    #[inline]
    fn keep(&mut self, slot: u32, waker: Waker) {
        debug_assert!(!self.is_set(slot), "a timer slot filled twice");
        let index = slot as usize;
        self.words[index] = match SlimWaker::unboxed(waker) {
            Ok(slim) => slim.into_raw().as_ptr(),
            Err(waker) => {
                if self.foreign.len() <= index {
                    self.foreign.resize_with(index + 1, || None);
                }
                self.foreign[index] = Some(waker);
                foreign_mark()
            }
        };
    }

    /// Empties `slot`, giving back its waker.
    #[inline]
    pub(super) fn take(&mut self, slot: u32) -> Option<Waker> {
        let index = slot as usize;
        let word = std::mem::replace(&mut self.words[index], ptr::null_mut());
        if word == foreign_mark() {
            return self.foreign[index].take();
        }
        // SAFETY: a non-null word other than the mark came from `into_raw`
        // in `keep`, and is turned back once: the slot was emptied above.
        NonNull::new(word).map(|word| unsafe { SlimWaker::from_raw(word) }.into_waker())
    }

    /// Whether the waker in `slot` would wake the same task as `waker`.
    pub(super) fn will_wake(&self, slot: u32, waker: &Waker) -> bool {
        let index = slot as usize;
        let word = self.words[index];
        if word == foreign_mark() {
            return self.foreign[index].as_ref().is_some_and(|kept| kept.will_wake(waker));
        }
        NonNull::new(word).is_some_and(|word| {
            // SAFETY: as in `take`; `ManuallyDrop` leaves the word owned by
            // the slot.
            let kept = std::mem::ManuallyDrop::new(unsafe { SlimWaker::from_raw(word) });
            kept.will_wake(waker)
        })
    }
}

impl Drop for WakerSlots {
    fn drop(&mut self) {
        for slot in 0..self.words.len() {
            drop(self.take(slot as u32));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::future::poll_fn;
    use std::task::Poll;

    use super::WakerSlots;
    use futures::task::noop_waker;

    /// A task's waker (and a `block_on` future's) is its slot's word alone.
    #[test]
    fn a_task_s_waker_takes_only_its_slot_s_word() {
        crate::run(async {
            let main = poll_fn(|cx| Poll::Ready(cx.waker().clone())).await;
            let task = crate::spawn(async { poll_fn(|cx| Poll::Ready(cx.waker().clone())).await });
            let task = task.await.unwrap();
            let mut slots = WakerSlots::default();
            for (slot, waker) in [&main, &task].into_iter().enumerate() {
                slots.push_empty();
                slots.fill(slot as u32, waker);
                assert!(slots.will_wake(slot as u32, waker));
            }
            assert!(slots.foreign.is_empty(), "a grove waker was kept beside its slot");
            assert!(slots.take(0).is_some_and(|waker| waker.will_wake(&main)));
        });
    }

    #[test]
    fn a_slot_keeps_a_foreign_waker_beside_it() {
        let mut slots = WakerSlots::default();
        slots.push_empty();
        slots.push_empty();
        assert!(!slots.is_set(1));
        let foreign = noop_waker();
        slots.fill(1, &foreign);
        assert!(slots.is_set(1) && !slots.is_set(0));
        assert!(slots.will_wake(1, &foreign));
        assert!(slots.take(1).is_some_and(|waker| waker.will_wake(&foreign)));
        assert!(!slots.is_set(1) && slots.take(1).is_none());
        slots.replace(0, &foreign);
        // Dropped while set: `Drop` gives the waker back.
    }
}
