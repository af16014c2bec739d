//! How the loop waits: for I/O, timers and messages from other threads,
//! for at most a given time, and not at all while tasks are ready.
//!
//! A wait is a sequence of steps, each a method below: take what other
//! threads sent, work out how long to sleep, let freed memory go if going
//! idle, watch briefly for a message if one is likely soon (`watch.rs`),
//! poll the reactor, fire due timers, and wake everything that became
//! ready.

use std::cell::Cell;
use std::time::{Duration, Instant};

use std::task::Waker;

use super::core::Core;
use super::wait::wake_all;
use super::watch::{self, Watch, Watched};

/// What the loop remembers between waits.
#[derive(Default)]
pub(crate) struct Parker {
    /// The inject queue was drained without polling, so the poller still
    /// holds the wake-up event: until a poll collects it, the poller's file
    /// descriptor stays readable for a host loop watching it.
    wake_uncollected: Cell<bool>,
    /// When to watch for messages from other threads before a sleep.
    watch: Watch,
}

impl Parker {
    /// One wait of `core`'s loop, for at most `max_wait` (`None`: until
    /// something happens).
    pub(crate) fn park(&self, core: &Core, max_wait: Option<Duration>) {
        if let Some(observer) = core.observer() {
            observer.parking();
        }
        if core.remote().is_notified() {
            core.take_injected();
            self.wake_uncollected.set(true);
        }
        let (timeout, timer_armed) = sleep_time(core, max_wait);
        if timeout != Some(Duration::ZERO) {
            // Going idle: let the memory of the last burst of tasks go, and
            // tell other threads where the loop stands.
            core.shrink();
            core.publish_metrics();
        } else if core.remote().metrics_wanted() {
            core.publish_metrics();
        }
        let timeout = self.watch_before_sleeping(core, timeout);
        let mut woken = Vec::new();
        if core.clock().is_paused() && timeout != Some(Duration::ZERO) {
            self.idle_paused(core, timeout, &mut woken);
        } else {
            self.poll_io(core, timeout, &mut woken);
        }
        if timer_armed {
            core.timers().fire(core.clock().tick(), &mut woken);
        }
        wake_all(woken);
        // After what became ready meanwhile: the budget's point is that I/O
        // and timers get their turn first.
        core.scheduler().events_seen();
    }

    /// Before a sleep, watches the inject queue for a moment if a message
    /// is likely soon: a blocking job's result, or the next message of a
    /// quick exchange with another thread (see `watch.rs`). Returns the
    /// timeout left for the poller.
    fn watch_before_sleeping(&self, core: &Core, timeout: Option<Duration>) -> Option<Duration> {
        if timeout == Some(Duration::ZERO) {
            return timeout;
        }
        let (watched, left) = if blocking_jobs(core).result_due {
            watch::watch(core, timeout)
        } else if !core.clock().is_paused() && self.watch.due() {
            let (watched, left) = watch::watch(core, timeout);
            self.watch.watched(watched);
            (watched, left)
        } else {
            return timeout;
        };
        if watched != Watched::Nothing {
            // Taken now, so that this turn runs what it wakes: the sender
            // writes to the eventfd only after it sets the flag, so the
            // poll that follows may not see the write yet.
            core.take_injected();
            self.wake_uncollected.set(true);
        }
        left
    }

    /// The loop would wait, with its clock paused: waiting for a timer in
    /// real time would make a paused clock pointless. I/O is looked at
    /// without waiting; if nothing came, the clock jumps to the end of the
    /// wait (the next timer's deadline, or the end of `max_wait`), unless a
    /// blocking job is out, whose result comes in real time. With no timer
    /// and no limit, the loop waits for I/O as usual.
    fn idle_paused(&self, core: &Core, timeout: Option<Duration>, woken: &mut Vec<Waker>) {
        // Read before the look for wakes: a job wakes its task before its
        // count drops, so a job seen finished here has its wake seen below.
        // The other way round, a job could finish between the two looks,
        // and the clock jump past its result.
        let in_flight = blocking_jobs(core).in_flight;
        self.poll_io(core, Some(Duration::ZERO), woken);
        if !woken.is_empty() || core.remote().is_notified() || core.has_ready() {
            return;
        }
        match timeout {
            Some(wait) if !in_flight => core.clock().advance(wait),
            _ => self.poll_io(core, timeout, woken),
        }
    }

    /// Polls the reactor, unless that could only cost a system call: a
    /// zero wait with no sources and nothing sent from other threads. A
    /// wait that can block is timed, as the loop's parked time.
    fn poll_io(&self, core: &Core, timeout: Option<Duration>, woken: &mut Vec<Waker>) {
        let pointless = timeout == Some(Duration::ZERO)
            && core.reactor().len() == 0
            && !core.remote().is_notified()
            && !self.wake_uncollected.get();
        if pointless {
            return;
        }
        let started = (timeout != Some(Duration::ZERO)).then(Instant::now);
        let polled = core.reactor().poll(timeout, woken);
        if let Some(started) = started {
            let slept = started.elapsed();
            core.counters().add_parked(slept);
            // By the flag, not by the eventfd's event, which may be left
            // from a message taken before the sleep.
            self.watch.slept(slept, core.remote().is_notified());
        }
        match polled {
            Ok(true) => {
                self.wake_uncollected.set(false);
                core.take_injected();
            }
            Ok(false) => {}
            Err(e) => panic!("grove: the I/O poller failed: {e}"),
        }
    }
}

/// What the loop's wait needs to know of the blocking pool's jobs.
#[derive(Default)]
struct Jobs {
    /// A job handed over just now is out: its result may come back sooner
    /// than a sleep in the poller and its wake-up would take.
    result_due: bool,
    /// A job is queued or running: its result comes back in real time, so
    /// a paused clock must not jump past it.
    in_flight: bool,
}

/// The blocking pool's [`Jobs`]; none without the `blocking` feature.
fn blocking_jobs(core: &Core) -> Jobs {
    #[cfg(feature = "blocking")]
    return Jobs {
        result_due: core.blocking().result_due(),
        in_flight: core.blocking().has_unfinished(),
    };
    #[cfg(not(feature = "blocking"))]
    {
        let _ = core;
        Jobs::default()
    }
}

/// How long the poller may sleep: not at all with tasks ready, never past
/// the next timer, and at most `max_wait`. Also says whether a timer is
/// armed.
fn sleep_time(core: &Core, max_wait: Option<Duration>) -> (Option<Duration>, bool) {
    let max_wait = if core.has_ready() {
        Some(Duration::ZERO)
    } else {
        max_wait
    };
    match core.timers().next_deadline() {
        Some(deadline) => {
            let until = core.clock().tick().until(deadline);
            (Some(max_wait.map_or(until, |t| t.min(until))), true)
        }
        None => (max_wait, false),
    }
}
