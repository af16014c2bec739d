//! The runtime's clock: the real one, or a paused one for tests.
//!
//! A paused clock is an `Instant` that starts at the real time the runtime
//! was built and moves only when told to: by `time::advance`, or by the
//! loop itself when it goes idle with a timer armed, jumping straight to
//! that timer's deadline. Since it is a real `Instant` value, everything
//! built on `Instant` keeps working unchanged: timer ticks are still
//! nanoseconds since the process-wide epoch of `timers/mod.rs`, and a `sleep`
//! that fixes its deadline when it is called fixes it on this clock (both
//! read [`now`](Clock::now) through `time::now`). Only `Instant::now()`
//! called directly, in user code, is not virtual.

use std::cell::Cell;
use std::time::{Duration, Instant};

use super::timers::{self, Tick};

/// The clock of one runtime.
pub(crate) struct Clock {
    /// The paused time, or `None` for the real clock.
    paused: Option<Cell<Instant>>,
}

impl Clock {
    /// The real clock, or a paused one that starts now.
    pub(crate) fn new(paused: bool) -> Clock {
        // Fixes the epoch of ticks first, so that the paused time is never
        // before it: ticks before the epoch all round to the epoch itself.
        timers::fix_epoch();
        Clock {
            paused: paused.then(|| Cell::new(Instant::now())),
        }
    }

    /// The time now on this clock.
    #[inline]
    pub(crate) fn now(&self) -> Instant {
        match &self.paused {
            None => Instant::now(),
            Some(now) => now.get(),
        }
    }

    /// The time now on this clock, as a timer tick.
    #[inline]
    pub(crate) fn tick(&self) -> Tick {
        match &self.paused {
            None => Tick::now(),
            Some(now) => Tick::of(now.get()),
        }
    }

    /// Whether the clock is paused.
    pub(crate) fn is_paused(&self) -> bool {
        self.paused.is_some()
    }

    /// Moves a paused clock forward by `by`; the real clock ignores it.
    pub(crate) fn advance(&self, by: Duration) {
        if let Some(now) = &self.paused {
            now.set(now.get() + by);
        }
    }
}
