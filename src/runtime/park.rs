//! How the loop waits: for I/O, timers and messages from other threads,
//! for at most a given time, and not at all while tasks are ready.
//!
//! A wait is a sequence of steps, each a method below: take what other
//! threads sent, work out how long to sleep, let freed memory go if going
//! idle, watch briefly for a blocking job's result, poll the reactor, fire
//! due timers, and wake everything that became ready.

use std::cell::Cell;
use std::time::{Duration, Instant};

use std::task::Waker;

use super::core::Core;
use super::wait::wake_all;

/// What the loop remembers between waits.
#[derive(Default)]
pub(crate) struct Parker {
    /// The inject queue was drained without polling, so the poller still
    /// holds the wake-up event: until a poll collects it, the poller's file
    /// descriptor stays readable for a host loop watching it.
    wake_uncollected: Cell<bool>,
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
        let timeout = await_blocking_results(core, timeout);
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
        let in_flight = blocking_in_flight(core);
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
            core.counters().add_parked(started.elapsed());
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

/// Whether a `spawn_blocking` job is queued or running: its result comes
/// back in real time, so a paused clock must not jump past it.
fn blocking_in_flight(core: &Core) -> bool {
    #[cfg(feature = "blocking")]
    return core.blocking().has_unfinished();
    #[cfg(not(feature = "blocking"))]
    {
        let _ = core;
        false
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

/// Before the loop sleeps while a job just handed to its blocking pool
/// is out, watches the inject queue for a moment: a short job's result comes
/// back sooner than a sleep in the poller and its wake-up would take.
/// Returns the timeout left for the poller: zero if a wake-up came.
#[cfg_attr(not(feature = "blocking"), allow(unused_variables))]
fn await_blocking_results(core: &Core, timeout: Option<Duration>) -> Option<Duration> {
    #[cfg(feature = "blocking")]
    if timeout != Some(Duration::ZERO) && core.blocking().result_due() {
        use super::blocking::SPIN;
        let start = Instant::now();
        let spin = timeout.map_or(SPIN, |t| t.min(SPIN));
        while start.elapsed() < spin {
            if core.remote().is_notified() {
                return Some(Duration::ZERO);
            }
            std::hint::spin_loop();
        }
        // The spin counts against the wait, so timers stay on time.
        return timeout.map(|t| t.saturating_sub(start.elapsed()));
    }
    timeout
}
