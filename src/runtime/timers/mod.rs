//! Pending timers: a sorted run for deadlines armed in order, a binary
//! min-heap for the rest, both with lazy deletion.
//!
//! Most timers are armed in deadline order: a server arms the same read
//! timeout on every request, a poller sleeps the same period, so each new
//! deadline is at or after the last one armed. Those go to the back of a
//! sorted run (a `VecDeque`), O(1) to arm and to fire, with no sifting
//! through a deep heap. A deadline earlier than the run's last goes to a
//! binary min-heap, O(log n). Firing takes from whichever front is earlier.
//! Entries are 16 bytes and flat, which keeps a million timers
//! cache-friendly; each armed timer's waker takes a one-word slot beside
//! them (`slots.rs`).
//! Precision is a nanosecond, with no wheel granularity to round to, so
//! the paused clock jumps exactly to the next deadline.
//!
//! Cancel is O(1): it takes the waker out of the timer's slot and leaves
//! its entry to be dropped, with the slot, when it reaches a front; only
//! the last entry of the run (a timeout cancelled before anything else was
//! armed) goes at once. The cost of lazy deletion is memory for cancelled
//! entries and their slots, so both are rebuilt without them whenever they
//! outnumber the live ones: that keeps them within twice the live count, at
//! O(1) amortized per cancel.
//!
//! Deadlines are [`Tick`]s of the runtime's clock: `clock.rs` says why a
//! timer never fires before its deadline, how the clock is read, and what a
//! read costs.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::task::Waker;

mod slots;

use super::clock::Tick;
use slots::WakerSlots;

/// Identifies one armed timer: its slot and its deadline.
///
/// Slots carry no generation. A slot is reused only once its timer has
/// fired, or been cancelled and its entry dropped. A key's owner never uses
/// it after a cancel, and a timer has fired exactly when its deadline is at
/// or before [`Timers::fired_up_to`]: no timer is armed for a deadline at
/// or before it, and each `fire` fires every deadline up to the time it
/// records. So a key
/// whose deadline has passed is stale without looking at its slot, and one
/// whose deadline has not still owns it.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TimerKey {
    slot: u32,
    tick: Tick,
}

impl TimerKey {
    /// The key of the timer armed in `slot` for `tick`, for a timer future
    /// that keeps the slot beside its deadline.
    pub(crate) fn new(slot: u32, tick: Tick) -> TimerKey {
        TimerKey { slot, tick }
    }

    /// The key's slot.
    pub(crate) fn slot(self) -> u32 {
        self.slot
    }
}

/// One entry of the run or the heap: deadline first, so both order by it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    tick: Tick,
    slot: u32,
}

/// The runtime's timers.
pub(crate) struct Timers {
    /// Entries in deadline order, armed in that order.
    run: VecDeque<Entry>,
    /// Entries armed out of order.
    heap: BinaryHeap<Reverse<Entry>>,
    /// Each slot's waker while its timer is armed. Empty once the timer is
    /// cancelled, and while the slot is free: a cancelled timer's slot is
    /// freed only with its entry, so an entry is live exactly when its slot
    /// holds a waker.
    wakers: WakerSlots,
    /// Slots free for reuse.
    free: Vec<u32>,
    /// Timers armed and neither fired nor cancelled.
    armed: usize,
    /// The time of the last [`fire`](Timers::fire): every deadline up to it
    /// has passed, which a new sleep can learn without reading the clock.
    fired_up_to: Tick,
}

impl Timers {
    pub(crate) fn new() -> Timers {
        Timers {
            run: VecDeque::new(),
            heap: BinaryHeap::new(),
            wakers: WakerSlots::default(),
            free: Vec::new(),
            fired_up_to: Tick::from_nanos(0),
            armed: 0,
        }
    }

    /// Arms a timer that wakes `waker` at `deadline`, which must be later
    /// than [`fired_up_to`](Timers::fired_up_to) (an earlier one is due
    /// already, and its key would read as fired).
    #[inline]
    pub(crate) fn insert(&mut self, deadline: Tick, waker: &Waker) -> TimerKey {
        debug_assert!(
            deadline > self.fired_up_to,
            "a timer armed for a deadline already seen pass"
        );
        let slot = match self.free.pop() {
            Some(slot) => slot,
            None => {
                let slot = u32::try_from(self.wakers.len()).expect("more than 2^32 timers armed");
                self.wakers.push_empty();
                slot
            }
        };
        self.wakers.fill(slot, waker);
        let entry = Entry { tick: deadline, slot };
        if self.run.back().is_none_or(|last| last.tick <= deadline) {
            self.run.push_back(entry);
        } else {
            self.heap.push(Reverse(entry));
        }
        self.armed += 1;
        TimerKey { slot, tick: deadline }
    }

    /// How many timers are armed.
    pub(crate) fn len(&self) -> usize {
        self.armed
    }

    /// Whether the timer of a key not yet cancelled is still to fire.
    pub(crate) fn is_armed(&self, key: TimerKey) -> bool {
        key.tick > self.fired_up_to && (key.slot as usize) < self.wakers.len() && self.wakers.is_set(key.slot)
    }

    /// Replaces the waker of an armed timer, if it would wake someone else.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) {
        if !self.is_armed(key) {
            return;
        }
        if !self.wakers.will_wake(key.slot, waker) {
            self.wakers.replace(key.slot, waker);
        }
    }

    /// Disarms a timer; its entry is dropped later (at once if it is the
    /// run's last), and its slot with it.
    /// The key must not be used again. Returns the waker so the caller can
    /// drop it after releasing its borrow of the timers.
    #[inline]
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Waker> {
        if !self.is_armed(key) {
            return None;
        }
        let waker = self.wakers.take(key.slot);
        self.armed -= 1;
        // The last timer armed in order, cancelled (a timeout that its
        // operation beat before anything else was armed): its entry goes
        // now, and its slot with it.
        let entry = Entry {
            tick: key.tick,
            slot: key.slot,
        };
        if self.run.back() == Some(&entry) {
            self.run.pop_back();
            self.free.push(key.slot);
            return waker;
        }
        // Its entry stays, dead: rebuild once the dead outnumber the live.
        let entries = self.run.len() + self.heap.len();
        if entries > 64 && entries > 2 * self.armed {
            self.compact();
        }
        waker
    }

    /// The earliest deadline still armed.
    pub(crate) fn next_deadline(&mut self) -> Option<Tick> {
        self.earliest().map(|entry| entry.tick)
    }

    /// A time known to have passed: that of the last `fire`.
    pub(crate) fn fired_up_to(&self) -> Tick {
        self.fired_up_to
    }

    /// Fires every timer due at `now`, appending their wakers to `due`.
    pub(crate) fn fire(&mut self, now: Tick, due: &mut Vec<Waker>) {
        self.fired_up_to = self.fired_up_to.max(now);
        #[cfg(feature = "tracing")]
        let before = due.len();
        while let Some(entry) = self.earliest().filter(|entry| entry.tick <= now) {
            self.take_earliest(entry);
            let waker = self.wakers.take(entry.slot);
            self.free.push(entry.slot);
            self.armed -= 1;
            due.extend(waker);
        }
        #[cfg(feature = "tracing")]
        if due.len() > before {
            tracing::trace!(fired = due.len() - before, armed = self.armed, "grove: timers fired");
        }
    }

    /// The earliest live entry, after dropping the dead ones in front of it.
    fn earliest(&mut self) -> Option<Entry> {
        while let Some(&front) = self.run.front() {
            if self.is_live(front) {
                break;
            }
            self.run.pop_front();
            self.free.push(front.slot);
        }
        while let Some(&Reverse(top)) = self.heap.peek() {
            if self.is_live(top) {
                break;
            }
            self.heap.pop();
            self.free.push(top.slot);
        }
        match (self.run.front(), self.heap.peek()) {
            (Some(&front), Some(&Reverse(top))) => Some(front.min(top)),
            (Some(&front), None) => Some(front),
            (None, Some(&Reverse(top))) => Some(top),
            (None, None) => None,
        }
    }

    /// Removes `entry`, which [`earliest`](Timers::earliest) just gave.
    fn take_earliest(&mut self, entry: Entry) {
        if self.run.front() == Some(&entry) {
            self.run.pop_front();
        } else {
            self.heap.pop();
        }
    }

    /// Whether `entry`'s timer is armed; if not, it was cancelled, and its
    /// slot is freed when the entry is dropped.
    fn is_live(&self, entry: Entry) -> bool {
        self.wakers.is_set(entry.slot)
    }

    /// Rebuilds the run and the heap from their live entries only, freeing
    /// the slots of the others.
    // Out of line, so that `cancel`'s callers do not pay, on every cancel,
    // for the registers that the rebuild needs.
    #[cold]
    #[inline(never)]
    fn compact(&mut self) {
        let (wakers, free) = (&self.wakers, &mut self.free);
        let mut keep = |entry: &Entry| {
            let live = wakers.is_set(entry.slot);
            if !live {
                free.push(entry.slot);
            }
            live
        };
        self.run.retain(&mut keep);
        let mut entries = std::mem::take(&mut self.heap).into_vec();
        entries.retain(|Reverse(entry)| keep(entry));
        self.heap = BinaryHeap::from(entries);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker;
    use std::time::{Duration, Instant};

    fn tick_in(ms: u64) -> Tick {
        Tick::of(Instant::now() + Duration::from_millis(ms))
    }

    #[test]
    fn fires_in_deadline_order_and_only_when_due() {
        let mut timers = Timers::new();
        let waker = noop_waker();
        let late = timers.insert(tick_in(200), &waker);
        let early = timers.insert(tick_in(100), &waker);
        let mut due = Vec::new();
        timers.fire(Tick::of(Instant::now()), &mut due);
        assert!(due.is_empty());
        timers.fire(tick_in(150), &mut due);
        assert_eq!(due.len(), 1);
        assert!(!timers.is_armed(early) && timers.is_armed(late));
        timers.fire(tick_in(250), &mut due);
        assert_eq!(due.len(), 2);
        assert!(timers.next_deadline().is_none());
    }

    #[test]
    fn cancelled_entries_never_outnumber_live_ones_for_long() {
        let mut timers = Timers::new();
        let waker = noop_waker();
        let keep: Vec<_> = (0..100).map(|i| timers.insert(tick_in(10_000 + i), &waker)).collect();
        // Fewer under Miri, which is some thousand times slower.
        let (rounds, per_round) = if cfg!(miri) { (4, 300) } else { (100, 1000) };
        for round in 0..rounds {
            let doomed: Vec<_> = (0..per_round)
                .map(|i| timers.insert(tick_in(20_000 + round * 1000 + i), &waker))
                .collect();
            doomed.into_iter().for_each(|key| drop(timers.cancel(key)));
            let entries = timers.run.len() + timers.heap.len();
            assert!(
                entries <= 2 * timers.armed + 64,
                "{entries} entries for {} armed",
                timers.armed
            );
        }
        assert!(keep.iter().all(|&key| timers.is_armed(key)));
        assert_eq!(timers.armed, 100);
    }

    #[test]
    fn timers_armed_in_and_out_of_order_fire_in_deadline_order() {
        let mut timers = Timers::new();
        let waker = noop_waker();
        let base = Instant::now();
        let at = |ms: u64| Tick::of(base + Duration::from_millis(ms));
        // In order (the run), then out of order (the heap), then in order
        // again, and one cancelled in each.
        let keys: Vec<_> = [10, 20, 30, 15, 5, 25, 40, 40, 50]
            .iter()
            .map(|&ms| (ms, timers.insert(at(ms), &waker)))
            .collect();
        assert!(!timers.run.is_empty() && !timers.heap.is_empty());
        drop(timers.cancel(keys[1].1)); // 20, in the run
        drop(timers.cancel(keys[3].1)); // 15, in the heap
        let mut fired = Vec::new();
        for ms in 0..=50 {
            let mut due = Vec::new();
            timers.fire(at(ms), &mut due);
            fired.extend(std::iter::repeat_n(ms, due.len()));
        }
        assert_eq!(fired, [5, 10, 25, 30, 40, 40, 50]);
        assert_eq!(timers.len(), 0);
        assert!(timers.next_deadline().is_none());
    }

    /// The 24 bytes per armed timer that BENCHMARKS.md states: this entry
    /// and a one-word slot (see `slots.rs`).
    #[test]
    fn a_timer_s_entry_takes_16_bytes() {
        assert_eq!(std::mem::size_of::<Entry>(), 16);
    }

    #[test]
    fn a_fired_key_cannot_cancel_the_slot_s_next_timer() {
        let mut timers = Timers::new();
        let waker = noop_waker();
        let first = timers.insert(tick_in(100), &waker);
        let mut due = Vec::new();
        timers.fire(tick_in(150), &mut due);
        assert_eq!(due.len(), 1);
        let second = timers.insert(tick_in(200), &waker);
        assert_eq!(second.slot(), first.slot(), "the fired timer's slot is reused");
        assert!(!timers.is_armed(first));
        assert!(timers.cancel(first).is_none());
        assert!(timers.is_armed(second));
    }

    #[test]
    fn a_cancelled_timer_s_slot_is_freed_with_its_entry() {
        let mut timers = Timers::new();
        let waker = noop_waker();
        let cancelled = timers.insert(tick_in(100), &waker);
        let _later = timers.insert(tick_in(200), &waker);
        assert!(timers.cancel(cancelled).is_some());
        // The cancelled entry is still in the run: its slot is not free.
        let third = timers.insert(tick_in(300), &waker);
        assert_ne!(third.slot(), cancelled.slot());
        // The next look at the timers drops the dead entry in front.
        assert!(timers.next_deadline().is_some());
        let fourth = timers.insert(tick_in(400), &waker);
        assert_eq!(fourth.slot(), cancelled.slot());
        assert_eq!(timers.len(), 3);
        // The last timer armed, cancelled, leaves no entry: its slot is
        // free at once.
        assert!(timers.cancel(fourth).is_some());
        assert_eq!(timers.run.len() + timers.heap.len(), 2);
        let fifth = timers.insert(tick_in(500), &waker);
        assert_eq!(fifth.slot(), fourth.slot());
        assert!(timers.is_armed(fifth));
    }
}
