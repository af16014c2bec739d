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
//! - Its last sleeps were ended by messages from other threads, soon after
//!   they began: a task trading messages with an OS thread (a request over
//!   a channel, the answer on a `oneshot`). Each watch that sees nothing
//!   doubles the number of waits before the next try, up to
//!   [`MAX_BACKOFF`], and one that sees a message starts over; so a
//!   runtime whose messages come at a slower pace spends at most one watch
//!   in every [`MAX_BACKOFF`] waits. In a probe of that ping-pong on this
//!   project's 2-core VM, a round trip took 55–71 µs without watching and
//!   14–24 µs with it.
//!
//! The loop looks at nothing else while it watches: I/O that comes then
//! waits for the end of the watch, at most [`WATCH`].

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

    /// A watch ended: `saw` says whether a message came during it.
    pub(crate) fn watched(&self, saw: bool) {
        if saw {
            self.backoff.set(0);
        } else {
            let backoff = (self.backoff.get() * 2).clamp(1, MAX_BACKOFF);
            self.backoff.set(backoff);
            self.skip.set(backoff);
        }
    }

    /// A sleep in the poller ended after `slept`; `by_message` says whether
    /// a message from another thread was among what ended it.
    pub(crate) fn slept(&self, slept: Duration, by_message: bool) {
        self.quick_message.set(by_message && slept < QUICK);
    }
}

/// Watches `core`'s inject queue for up to [`WATCH`] (less if `timeout` is
/// shorter). Returns the timeout left for the poller (zero if a message
/// came) and whether one came. The watch counts against the wait, so
/// timers stay on time.
pub(crate) fn watch(core: &Core, timeout: Option<Duration>) -> (Option<Duration>, bool) {
    let start = Instant::now();
    let watch = timeout.map_or(WATCH, |t| t.min(WATCH));
    while start.elapsed() < watch {
        if core.remote().is_notified() {
            return (Some(Duration::ZERO), true);
        }
        std::hint::spin_loop();
    }
    (timeout.map(|t| t.saturating_sub(start.elapsed())), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_quick_message_starts_watching_and_a_watch_that_sees_one_keeps_it_on() {
        let watch = Watch::default();
        assert!(!watch.due(), "nothing has come yet");
        watch.slept(Duration::from_micros(30), true);
        assert!(watch.due());
        watch.watched(true);
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
            watch.watched(false);
        }
        assert_eq!(gaps, [0, 1, 2, 4, 8, 16, 32, 64, 64]);
        // One watch that sees a message starts over.
        for _ in 0..64 {
            watch.due();
        }
        assert!(watch.due());
        watch.watched(true);
        watch.watched(false);
        assert_eq!(watch.skip.get(), 1);
    }
}
