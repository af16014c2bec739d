//! Sleeping until a deadline.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::runtime::RuntimeId;
use crate::runtime::context;
use crate::runtime::coop;
use crate::runtime::timers::{Tick, TimerKey};

/// Waits until `duration` has passed: gevent's `sleep`.
///
/// The deadline is fixed when `sleep` is called, on the runtime's clock
/// ([`time::now`](crate::time::now), which a test may have paused). The
/// task is woken at the deadline or later, never before.
///
/// `sleep(Duration::ZERO)` yields once, as gevent's `sleep(0)` does: the
/// other ready tasks run, and I/O and timers are looked at, before this task
/// goes on. So does any sleep whose deadline has passed by its first poll.
/// Like every operation that can complete without waiting, a sleep counts
/// against the task's cooperative budget (see [`task::unconstrained`](crate::task::unconstrained)).
///
/// # Panics
/// When polled with no grove runtime on the thread.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// grove::run(async {
///     let start = Instant::now();
///     grove::sleep(Duration::from_millis(10)).await;
///     assert!(start.elapsed() >= Duration::from_millis(10));
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future disarms its timer; nothing else is affected.
pub fn sleep(duration: Duration) -> Sleep {
    let now = context::with_current(|core| core.clock().tick()).unwrap_or_else(Tick::now);
    Sleep {
        // Capped, so that a paused clock jumping to it stays usable.
        deadline: now.after(duration.min(FOREVER)),
        timer: if duration.is_zero() { Timer::Due } else { Timer::Unarmed },
    }
}

/// How far out the longest sleep ends: "never" in practice, with room to
/// spare before ticks saturate.
const FOREVER: Duration = Duration::from_secs(86400 * 365 * 30);

/// Waits until `deadline`. A deadline already past yields once, as
/// [`sleep`] of zero does.
///
/// # Panics
/// When polled with no grove runtime on the thread.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
///
/// grove::run(async {
///     let deadline = Instant::now() + Duration::from_millis(5);
///     grove::sleep_until(deadline).await;
///     assert!(Instant::now() >= deadline);
/// });
/// ```
///
/// # Cancel safety
///
/// Dropping the future disarms its timer; nothing else is affected.
pub fn sleep_until(deadline: Instant) -> Sleep {
    Sleep {
        deadline: Tick::of(deadline),
        timer: Timer::Unarmed,
    }
}

/// The future of [`sleep`] and [`sleep_until`].
///
/// # Examples
///
/// ```
/// use std::time::Duration;
///
/// grove::run(async {
///     let nap: grove::time::Sleep = grove::sleep(Duration::from_millis(1));
///     nap.await;
/// });
/// ```
#[derive(Debug)]
#[must_use = "futures do nothing unless awaited"]
pub struct Sleep {
    /// Kept as a tick (8 bytes, not an `Instant`'s 16): a sleeping task's
    /// size is mostly its sleep.
    deadline: Tick,
    /// Where the sleep is with its timer.
    timer: Timer,
}

/// A sleep's timer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Timer {
    /// Not armed: not polled yet, fired, or reset.
    Unarmed,
    /// Not polled yet, and due from the start: a sleep of zero.
    Due,
    /// The deadline had passed at the first poll, which yielded once; the
    /// next poll completes.
    Yielded,
    /// Armed in runtime `.0` under key `.1`.
    Armed(RuntimeId, TimerKey),
}

impl Sleep {
    /// When the sleep ends.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// let deadline = Instant::now() + Duration::from_secs(1);
    /// assert_eq!(grove::sleep_until(deadline).deadline(), deadline);
    /// ```
    pub fn deadline(&self) -> Instant {
        self.deadline.instant()
    }

    /// Moves the deadline, as if the sleep had been created with the new one.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    ///
    /// grove::run(async {
    ///     let mut sleep = grove::sleep(Duration::from_secs(3600));
    ///     sleep.reset(Instant::now() + Duration::from_millis(1));
    ///     sleep.await;
    /// });
    /// ```
    pub fn reset(&mut self, deadline: Instant) {
        self.disarm();
        self.deadline = Tick::of(deadline);
    }

    fn disarm(&mut self) {
        let Timer::Armed(runtime, key) = std::mem::replace(&mut self.timer, Timer::Unarmed) else {
            return;
        };
        // On another thread or runtime the timer cannot be reached; it then
        // fires harmlessly into a waker nobody waits on.
        context::with_current(|core| {
            if core.is(runtime) {
                let waker = core.timers().cancel(key);
                drop(waker);
            }
        });
    }

    /// Polls the deadline alone, arming the timer on the way: `Ready` once
    /// it has passed, with `true` if it had passed before the timer was
    /// ever armed. No budget, no yield: `timeout` uses this.
    pub(crate) fn poll_deadline(&mut self, cx: &mut Context<'_>) -> Poll<bool> {
        context::with_core("grove::sleep", |core| {
            if let Timer::Armed(runtime, key) = self.timer {
                if core.is(runtime) {
                    let mut timers = core.timers();
                    if timers.is_armed(key) {
                        timers.set_waker(key, cx.waker());
                        return Poll::Pending;
                    }
                    // Fired: the timers only fire at or after the deadline.
                    self.timer = Timer::Unarmed;
                    return Poll::Ready(false);
                }
            }
            // A deadline the loop has already seen pass is due; any other
            // is armed, and fires at the loop's next look at the clock if
            // it has passed meanwhile. Either way the first poll yields,
            // and no clock is read here: `sleep` read it already.
            if matches!(self.timer, Timer::Due | Timer::Yielded) || self.deadline <= core.timers().fired_up_to() {
                return Poll::Ready(true);
            }
            let key = core.timers().insert(self.deadline, cx.waker());
            self.timer = Timer::Armed(core.id(), key);
            Poll::Pending
        })
    }

    /// Whether the armed timer has fired, so the deadline has passed.
    pub(crate) fn has_fired(&self) -> bool {
        let Timer::Armed(runtime, key) = self.timer else {
            return false;
        };
        context::with_current(|core| core.is(runtime) && !core.timers().is_armed(key)) == Some(true)
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        std::task::ready!(coop::poll_budget(cx));
        let this = &mut *self;
        match this.poll_deadline(cx) {
            Poll::Pending => Poll::Pending,
            // gevent's `sleep(0)`: a deadline already past yields once.
            Poll::Ready(true) if this.timer != Timer::Yielded => {
                this.timer = Timer::Yielded;
                cx.waker().wake_by_ref();
                Poll::Pending
            }
            Poll::Ready(_) => {
                this.timer = Timer::Unarmed;
                coop::spend();
                Poll::Ready(())
            }
        }
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.disarm();
    }
}
