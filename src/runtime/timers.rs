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
//! cache-friendly. Precision is a nanosecond, with no wheel granularity to
//! round to, so the paused clock jumps exactly to the next deadline.
//!
//! Cancel is O(1): it only frees the timer's slot, and leaves its entry to
//! be skipped when it reaches a front. The cost of lazy deletion is memory
//! for cancelled entries, so both are rebuilt without them whenever they
//! outnumber the live ones: that keeps them within twice the live count, at
//! O(1) amortized per cancel.
//!
//! A timer never fires before its deadline: ticks are nanoseconds, which is
//! `Instant`'s own resolution, so converting a deadline to a tick is exact
//! and "tick <= now" means "deadline <= now".
//!
//! The clock is read as a tick straight from `CLOCK_MONOTONIC` (what
//! `Instant` reads on Linux), once per `sleep` or `timeout` to fix its
//! deadline and once per look at the timers, and never when a sleep is
//! first polled: one read costs some 28 ns on the bench machine, more than
//! arming and cancelling the timer together. No coarser or cached clock is
//! used, so a sleep never ends early by the age of a cached reading.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::num::NonZeroU32;
use std::sync::OnceLock;
use std::task::Waker;
use std::time::{Duration, Instant};

/// Identifies one armed timer: a slot and the generation it was armed in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct TimerKey {
    slot: u32,
    generation: NonZeroU32,
}

impl TimerKey {
    /// The key as two words, for a timer future that packs its fields.
    pub(crate) fn into_parts(self) -> (u32, NonZeroU32) {
        (self.slot, self.generation)
    }

    /// The key that [`into_parts`](TimerKey::into_parts) took apart.
    pub(crate) fn from_parts(slot: u32, generation: NonZeroU32) -> TimerKey {
        TimerKey { slot, generation }
    }
}

/// One heap entry: deadline first, so the heap orders by it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    tick: Tick,
    slot: u32,
    generation: NonZeroU32,
}

/// Where an armed timer keeps its waker. A slot's generation changes each
/// time it is freed, so keys and heap entries of the old timer go stale.
struct Slot {
    generation: NonZeroU32,
    holds: Holds,
}

/// What a slot holds: a waker while armed, the free list's link while free.
/// The link shares the waker's room, which keeps a slot at 24 bytes.
enum Holds {
    Armed(Waker),
    /// Free; the next free slot, or [`NO_SLOT`].
    Free(u32),
}

/// The end of the free list.
const NO_SLOT: u32 = u32::MAX;

/// A point in time as a tick: nanoseconds since a process-wide epoch, so
/// that a deadline fits in 8 bytes and means the same to every runtime.
/// Instants before the epoch (only deadlines already past) become tick 0.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) struct Tick(u64);

/// The epoch of ticks: the first time any grove timer (or paused clock)
/// asked for one, as an `Instant` and as a reading of `CLOCK_MONOTONIC`,
/// the clock `Instant` reads on Linux. The `Instant` is read first, so the
/// raw epoch is at or after it: a tick from [`Tick::now`] is never ahead of
/// one from [`Tick::of`] for the same moment, and a timer armed for an
/// `Instant` never fires before it.
fn epoch() -> &'static (Instant, u64) {
    static EPOCH: OnceLock<(Instant, u64)> = OnceLock::new();
    EPOCH.get_or_init(|| (Instant::now(), monotonic_nanos()))
}

/// Fixes the epoch, if no one has yet.
pub(crate) fn fix_epoch() {
    epoch();
}

/// The clock std's `Instant` reads on this target.
#[cfg(target_vendor = "apple")]
const INSTANT_CLOCK: libc::clockid_t = libc::CLOCK_UPTIME_RAW;
#[cfg(not(target_vendor = "apple"))]
const INSTANT_CLOCK: libc::clockid_t = libc::CLOCK_MONOTONIC;

/// The clock of `Instant` (`CLOCK_MONOTONIC` on Linux) in nanoseconds.
///
/// Read directly rather than through `Instant`: converting an `Instant` to
/// a tick costs a timespec subtraction and a 128-bit multiply, and a server
/// reads the clock for every read timeout it arms (callgrind of the C10k
/// echo server: the clock's arithmetic was about 8% of its instructions).
fn monotonic_nanos() -> u64 {
    let mut now = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `clock_gettime` writes one `timespec` to the pointer it is
    // given, which points to a live local; the clock is the one std reads
    // for `Instant`, which always exists, so the call cannot fail.
    unsafe { libc::clock_gettime(INSTANT_CLOCK, &mut now) };
    // Both fields are non-negative for the monotonic clock.
    (now.tv_sec as u64)
        .saturating_mul(1_000_000_000)
        .saturating_add(now.tv_nsec as u64)
}

impl Tick {
    /// The tick of `t`, exact to the nanosecond (`Instant`'s resolution),
    /// saturating 584 years out.
    pub(crate) fn of(t: Instant) -> Tick {
        Tick(u64::try_from(t.saturating_duration_since(epoch().0).as_nanos()).unwrap_or(u64::MAX))
    }

    /// The tick of the real time now.
    #[inline]
    pub(crate) fn now() -> Tick {
        Tick(monotonic_nanos().saturating_sub(epoch().1))
    }

    /// The tick `d` after this one, saturating.
    #[inline]
    pub(crate) fn after(self, d: Duration) -> Tick {
        Tick(self.0.saturating_add(u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)))
    }

    /// How long from `self` until `later`; zero if `later` is not later.
    pub(crate) fn until(self, later: Tick) -> Duration {
        Duration::from_nanos(later.0.saturating_sub(self.0))
    }

    /// The tick as nanoseconds since the epoch.
    pub(crate) fn to_nanos(self) -> u64 {
        self.0
    }

    /// The tick [`to_nanos`](Tick::to_nanos) gave.
    pub(crate) fn from_nanos(nanos: u64) -> Tick {
        Tick(nanos)
    }

    pub(crate) fn instant(self) -> Instant {
        epoch().0 + Duration::from_nanos(self.0)
    }
}

/// The runtime's timers.
pub(crate) struct Timers {
    /// Entries in deadline order, armed in that order.
    run: VecDeque<Entry>,
    /// Entries armed out of order.
    heap: BinaryHeap<Reverse<Entry>>,
    slots: Vec<Slot>,
    /// The first free slot, or [`NO_SLOT`].
    free: u32,
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
            slots: Vec::new(),
            free: NO_SLOT,
            fired_up_to: Tick(0),
            armed: 0,
        }
    }

    /// Arms a timer that wakes `waker` at `deadline`.
    pub(crate) fn insert(&mut self, deadline: Tick, waker: &Waker) -> TimerKey {
        let slot = match self.free {
            NO_SLOT => {
                let slot = u32::try_from(self.slots.len())
                    .ok()
                    .filter(|&slot| slot != NO_SLOT)
                    .expect("more than 2^32 - 1 timers armed");
                self.slots.push(Slot {
                    generation: NonZeroU32::MIN,
                    holds: Holds::Armed(waker.clone()),
                });
                slot
            }
            slot => {
                let entry = &mut self.slots[slot as usize];
                let Holds::Free(next) = entry.holds else {
                    unreachable!("the free list links only free slots")
                };
                self.free = next;
                entry.holds = Holds::Armed(waker.clone());
                slot
            }
        };
        let generation = self.slots[slot as usize].generation;
        let entry = Entry {
            tick: deadline,
            slot,
            generation,
        };
        if self.run.back().is_none_or(|last| last.tick <= deadline) {
            self.run.push_back(entry);
        } else {
            self.heap.push(Reverse(entry));
        }
        self.armed += 1;
        TimerKey { slot, generation }
    }

    /// Whether the timer has neither fired nor been cancelled.
    /// How many timers are armed.
    pub(crate) fn len(&self) -> usize {
        self.armed
    }

    pub(crate) fn is_armed(&self, key: TimerKey) -> bool {
        self.slots
            .get(key.slot as usize)
            .is_some_and(|s| s.generation == key.generation && matches!(s.holds, Holds::Armed(_)))
    }

    /// Replaces the waker of an armed timer, if it would wake someone else.
    pub(crate) fn set_waker(&mut self, key: TimerKey, waker: &Waker) {
        if !self.is_armed(key) {
            return;
        }
        if let Holds::Armed(armed) = &mut self.slots[key.slot as usize].holds {
            if !armed.will_wake(waker) {
                armed.clone_from(waker);
            }
        }
    }

    /// Disarms a timer; its heap entry is skipped later. Returns the waker so
    /// the caller can drop it after releasing its borrow of the timers.
    pub(crate) fn cancel(&mut self, key: TimerKey) -> Option<Waker> {
        if !self.is_armed(key) {
            return None;
        }
        let waker = self.free_slot(key.slot);
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
            due.extend(self.free_slot(entry.slot));
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
        }
        while let Some(&Reverse(top)) = self.heap.peek() {
            if self.is_live(top) {
                break;
            }
            self.heap.pop();
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

    fn is_live(&self, entry: Entry) -> bool {
        self.is_armed(TimerKey {
            slot: entry.slot,
            generation: entry.generation,
        })
    }

    fn free_slot(&mut self, slot: u32) -> Option<Waker> {
        let entry = &mut self.slots[slot as usize];
        entry.generation = entry.generation.checked_add(1).unwrap_or(NonZeroU32::MIN);
        let old = std::mem::replace(&mut entry.holds, Holds::Free(self.free));
        self.free = slot;
        self.armed -= 1;
        match old {
            Holds::Armed(waker) => Some(waker),
            Holds::Free(_) => None,
        }
    }

    /// Rebuilds the run and the heap from their live entries only.
    fn compact(&mut self) {
        let mut run = std::mem::take(&mut self.run);
        run.retain(|e| self.is_live(*e));
        self.run = run;
        let mut entries = std::mem::take(&mut self.heap).into_vec();
        entries.retain(|Reverse(e)| self.is_live(*e));
        self.heap = BinaryHeap::from(entries);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::task::noop_waker;

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
        for round in 0..100 {
            let doomed: Vec<_> = (0..1000)
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

    /// The 40 bytes per armed timer that BENCHMARKS.md states.
    #[test]
    fn an_armed_timer_takes_a_16_byte_entry_and_a_24_byte_slot() {
        assert_eq!(std::mem::size_of::<Entry>(), 16);
        assert_eq!(std::mem::size_of::<Slot>(), 24);
    }

    #[test]
    fn a_stale_key_cannot_cancel_the_slot_s_next_timer() {
        let mut timers = Timers::new();
        let waker = noop_waker();
        let first = timers.insert(tick_in(100), &waker);
        assert!(timers.cancel(first).is_some());
        let second = timers.insert(tick_in(100), &waker);
        assert!(timers.cancel(first).is_none());
        assert!(timers.is_armed(second));
    }
}
