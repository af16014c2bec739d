//! Watching the inject queue for a moment before the loop sleeps.
//!
//! A sleep in the poller ends with a wake-up that costs the thread that
//! sends a message a system call, and the loop's thread the kernel's
//! wake-up: tens of microseconds on a VM whose idle CPU has to be brought
//! back. When a message is likely within microseconds, watching for it
//! costs less. The loop watches in two cases:
//!
//! - A job it handed to its blocking pool is out (see
//!   `runtime/blocking/`): the result is due.
//! - Its last sleep was ended by a message from another thread soon after
//!   it began: a task trading messages with an OS thread (a request over
//!   a channel, the answer on a `oneshot`). Not with its clock paused,
//!   whose waits are not real time.
//!
//! Each watch that sees nothing doubles the number of waits before the
//! next try, up to [`MAX_BACKOFF`]; each that sees a message halves it. So
//! how often the loop watches follows how often watching pays: where
//! messages come too late for a watch, it watches once in
//! [`MAX_BACKOFF`] waits. `benches/watch_sim.py` simulates this policy
//! with messages at random times, each wait ended by the next message: the
//! loop spends 0.1% of its time watching at 1,000 messages a second, 0.5%
//! at 5,000, 1.4% at 10,000 and 20% at 20,000, where 63% of its watches see
//! their message; at 50,000 it watches most of the time, and 92% of its
//! watches pay.
//!
//! A watch that pays saves a sleep and a wake-up, which cost the kernel
//! more than the watch costs. In a probe of that ping-pong on this
//! project's 2-core VM, in an hour when it woke threads slowly, a round
//! trip took 60–68 µs without watching and 9–12 µs with it, and 30,000 of
//! them used 1.45–1.51 s of CPU without and 0.34–0.38 s with it (see
//! BENCHMARKS.md).
//!
//! The loop looks at nothing else while it watches: I/O that comes then
//! waits for the end of the watch, at most [`WATCH`]. A watch counts as
//! parked time in the metrics, as a sleep in the poller does.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::core::Core;

/// The longest watch.
pub(crate) const WATCH: Duration = Duration::from_micros(50);

/// A sleep ended by a message sooner than this counts as a sign that the
/// next message comes soon too.
const QUICK: Duration = Duration::from_millis(1);

/// The most waits without a watch after watches that saw nothing.
pub(crate) const MAX_BACKOFF: u32 = 64;

/// When to watch for messages from other threads before a sleep.
#[derive(Default)]
pub(crate) struct Watch {
    /// The last sleep was ended by a message from another thread, within
    /// [`QUICK`].
    quick_message: Cell<bool>,
    /// Waits left before the next watch.
    skip: Cell<u32>,
    /// What `skip` starts from after the next watch that sees nothing.
    backoff: Cell<u32>,
}

impl Watch {
    /// Whether to watch before this sleep; counts a wait towards the next
    /// watch if not.
    pub(crate) fn due(&self) -> bool {
        if self.skip.get() > 0 {
            self.skip.set(self.skip.get() - 1);
            return false;
        }
        self.quick_message.get()
    }

    /// A watch ended as `watched` says.
    pub(crate) fn watched(&self, watched: Watched) {
        match watched {
            Watched::Came => self.backoff.set(self.backoff.get() / 2),
            Watched::Nothing => {
                let backoff = (self.backoff.get() * 2).clamp(1, MAX_BACKOFF);
                self.backoff.set(backoff);
                self.skip.set(backoff);
            }
            // Says nothing about whether watching pays.
            Watched::Waiting => {}
        }
    }

    /// A sleep in the poller ended after `slept`; `by_message` says whether
    /// a message from another thread was among what ended it.
    pub(crate) fn slept(&self, slept: Duration, by_message: bool) {
        self.quick_message.set(by_message && slept < QUICK);
    }
}

/// How a watch ended.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Watched {
    /// A message was waiting when the watch began.
    Waiting,
    /// A message came during the watch.
    Came,
    /// None came.
    Nothing,
}

/// Watches `core`'s inject queue for up to [`WATCH`] (less if `timeout` is
/// shorter). Returns how it ended, and the timeout left for the poller:
/// the watch counts against the wait, so timers stay on time, and none is
/// left once a message is there.
pub(crate) fn watch(core: &Core, timeout: Option<Duration>) -> (Watched, Option<Duration>) {
    if core.remote().is_notified() {
        return (Watched::Waiting, Some(Duration::ZERO));
    }
    let start = Instant::now();
    let watch = timeout.map_or(WATCH, |t| t.min(WATCH));
    let mut watched = Watched::Nothing;
    while start.elapsed() < watch {
        if core.remote().is_notified() {
            watched = Watched::Came;
            break;
        }
        std::hint::spin_loop();
    }
    let spent = start.elapsed();
    core.counters().add_parked(spent);
    let left = match watched {
        Watched::Came => Some(Duration::ZERO),
        _ => timeout.map(|t| t.saturating_sub(spent)),
    };
    (watched, left)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::context;

    #[test]
    fn a_watch_keeps_to_the_timeout_and_counts_against_it() {
        let rt = crate::Runtime::new().unwrap();
        rt.block_on(async {
            context::with_core("watch test", |core| {
                // Nothing comes: a timeout shorter than a watch is used up.
                let watched = watch(core, Some(Duration::from_micros(10)));
                assert_eq!(watched, (Watched::Nothing, Some(Duration::ZERO)));
                // A longer one loses what the watch took, at most WATCH
                // (and much less than the rest, however loaded the machine).
                let (watched, left) = watch(core, Some(Duration::from_secs(10)));
                assert_eq!(watched, Watched::Nothing);
                let left = left.unwrap();
                assert!(left <= Duration::from_secs(10) - WATCH, "{left:?} left");
                assert!(left > Duration::from_secs(5), "{left:?} left");
                // No timeout stays none.
                assert_eq!(watch(core, None), (Watched::Nothing, None));
                // A message waiting ends the watch at once, with no wait
                // left.
                assert!(core.remote().push(|inject| inject.main = true));
                assert_eq!(watch(core, None), (Watched::Waiting, Some(Duration::ZERO)));
            });
        });
    }

    #[test]
    fn a_quick_message_starts_watching_and_a_watch_that_sees_one_keeps_it_on() {
        let watch = Watch::default();
        assert!(!watch.due(), "nothing has come yet");
        watch.slept(Duration::from_micros(30), true);
        assert!(watch.due());
        watch.watched(Watched::Came);
        assert!(watch.due(), "no sleep since: the last sign still holds");
        watch.slept(Duration::from_millis(5), true);
        assert!(!watch.due(), "a message after a long sleep is no sign");
        watch.slept(Duration::from_micros(30), false);
        assert!(!watch.due(), "a sleep ended by I/O or a timer is no sign");
    }

    #[test]
    fn watches_that_see_nothing_back_off_to_one_in_max_backoff_waits() {
        let watch = Watch::default();
        let mut gaps = Vec::new();
        for _ in 0..9 {
            watch.slept(Duration::from_micros(30), true);
            let mut waits = 0;
            while !watch.due() {
                waits += 1;
                watch.slept(Duration::from_micros(30), true);
            }
            gaps.push(waits);
            watch.watched(Watched::Nothing);
        }
        assert_eq!(gaps, [0, 1, 2, 4, 8, 16, 32, 64, 64]);
        // Waits that are no sign still count towards the next watch.
        for _ in 0..64 {
            watch.slept(Duration::from_millis(5), false);
            assert!(!watch.due());
        }
        watch.slept(Duration::from_micros(30), true);
        assert!(watch.due());
        // A watch that sees a message halves the backoff; one that finds a
        // message waiting leaves it as it was.
        watch.watched(Watched::Came);
        watch.watched(Watched::Waiting);
        watch.watched(Watched::Nothing);
        assert_eq!(watch.skip.get(), 64, "64, halved to 32, doubled to 64");
        for _ in 0..64 {
            watch.due();
        }
        watch.watched(Watched::Came);
        watch.watched(Watched::Came);
        watch.watched(Watched::Nothing);
        assert_eq!(watch.skip.get(), 32, "64, halved twice to 16, doubled to 32");
    }
}
